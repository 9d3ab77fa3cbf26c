//! Which references of a document's CSS a browser loads: `url()`s only of rules whose
//! selector matches an element and whose `@media` matches the viewport, fonts only for
//! `@font-face` families that an applying rule uses (first supported `src` only), and every
//! `@import` (the imported sheet's rules then apply only if the import's media matches).
//!
//! Pure: the engine feeds sheets in as they arrive and schedules what comes back.

use super::css::{Sheet, StyleRule};
use super::{count_skip, html, initiator, media, resolve, Reference, Viewport};
use crate::model::{InitiatorKind, ResourceType, Skipped};
use scraper::Html;
use std::collections::{HashMap, HashSet};
use url::Url;

/// The CSS state of one document: what it uses and which fonts are still waiting for a use.
pub struct DocumentStyles {
    doc: Html,
    vp: Viewport,
    used_families: HashSet<String>,
    /// Faces declared but not yet used: family -> (url, initiator).
    waiting_faces: Vec<(String, Reference)>,
    requested_faces: HashSet<String>,
    selector_cache: HashMap<String, bool>,
}

/// An `@import` found in a sheet, with whether its rules apply.
#[derive(Debug, Clone)]
pub struct ImportRef {
    /// The sheet to request.
    pub reference: Reference,
    /// Whether the imported sheet's media (and its parent's) match the viewport.
    pub media_ok: bool,
}

/// What a sheet makes the browser load.
#[derive(Debug, Default)]
pub struct SheetRefs {
    /// `@import`ed sheets (requested whatever their media, as Chromium does).
    pub imports: Vec<ImportRef>,
    /// Images and fonts.
    pub refs: Vec<Reference>,
    /// Not-fetchable URLs, counted.
    pub skipped: Skipped,
}

impl DocumentStyles {
    /// State for a parsed document.
    pub fn new(doc: Html, vp: Viewport) -> Self {
        DocumentStyles {
            doc,
            vp,
            used_families: HashSet::new(),
            waiting_faces: Vec::new(),
            requested_faces: HashSet::new(),
            selector_cache: HashMap::new(),
        }
    }

    /// The document these styles apply to.
    pub fn document(&self) -> &Html {
        &self.doc
    }

    fn rule_applies(&mut self, rule: &StyleRule) -> bool {
        if !rule.media.iter().all(|m| media::matches(m, &self.vp)) {
            return false;
        }
        if let Some(hit) = self.selector_cache.get(&rule.selectors) {
            return *hit;
        }
        let hit = html::selector_matches(&self.doc, &rule.selectors);
        self.selector_cache.insert(rule.selectors.clone(), hit);
        hit
    }

    /// Adds a stylesheet (external, imported or a `<style>` block). `source` names it in
    /// initiators (the document's URL for a block), `base` resolves its URLs (the sheet's own
    /// URL, or the document's base), `line_offset` is added to its line numbers (a block's
    /// line in the document, minus one) and `media_ok` says whether the sheet applies at all.
    pub fn add_sheet(
        &mut self,
        sheet: &Sheet,
        source: &Url,
        base: &Url,
        line_offset: u32,
        media_ok: bool,
    ) -> SheetRefs {
        let mut out = SheetRefs::default();
        let at = |line: u32, column: u32| Some((line + line_offset, column));
        for imp in &sheet.imports {
            match resolve(&imp.url.url, base) {
                Ok(url) => {
                    let init = initiator(
                        InitiatorKind::Import,
                        source,
                        "@import",
                        None,
                        at(imp.url.line, imp.url.column),
                    );
                    out.imports.push(ImportRef {
                        reference: Reference {
                            url,
                            resource_type: ResourceType::Stylesheet,
                            initiator: init,
                            lazy: false,
                        },
                        media_ok: media_ok && media::matches(&imp.media, &self.vp),
                    });
                }
                Err(why) => count_skip(&mut out.skipped, why),
            }
        }
        if !media_ok {
            return out;
        }
        for face in &sheet.font_faces {
            if !face.media.iter().all(|m| media::matches(m, &self.vp)) {
                continue;
            }
            let Some(src) = face.chosen_src() else {
                continue;
            };
            match resolve(&src.url, base) {
                Ok(url) => {
                    let init = initiator(
                        InitiatorKind::Css,
                        source,
                        "@font-face",
                        Some("src"),
                        at(src.line, src.column),
                    );
                    let r = Reference {
                        url,
                        resource_type: ResourceType::Font,
                        initiator: init,
                        lazy: false,
                    };
                    self.waiting_faces.push((face.family.clone(), r));
                }
                Err(why) => count_skip(&mut out.skipped, why),
            }
        }
        for rule in &sheet.rules {
            if !self.rule_applies(rule) {
                continue;
            }
            self.used_families.extend(rule.families.iter().cloned());
            for u in &rule.urls {
                match resolve(&u.url, base) {
                    Ok(url) => {
                        let init = initiator(
                            InitiatorKind::Css,
                            source,
                            "url",
                            None,
                            at(u.line, u.column),
                        );
                        out.refs.push(Reference {
                            url,
                            resource_type: ResourceType::Image,
                            initiator: init,
                            lazy: false,
                        });
                    }
                    Err(why) => count_skip(&mut out.skipped, why),
                }
            }
        }
        out.refs.extend(self.take_used_faces());
        out
    }

    /// Adds the declarations of a `style` attribute (they apply to their element).
    pub fn add_inline(
        &mut self,
        rule: &StyleRule,
        source: &Url,
        base: &Url,
        element: &str,
        line: Option<u32>,
    ) -> SheetRefs {
        let mut out = SheetRefs::default();
        self.used_families.extend(rule.families.iter().cloned());
        for u in &rule.urls {
            match resolve(&u.url, base) {
                Ok(url) => {
                    let mut init = initiator(
                        InitiatorKind::Css,
                        source,
                        element,
                        Some("style"),
                        line.map(|l| (l, 0)),
                    );
                    init.column = None;
                    out.refs.push(Reference {
                        url,
                        resource_type: ResourceType::Image,
                        initiator: init,
                        lazy: false,
                    });
                }
                Err(why) => count_skip(&mut out.skipped, why),
            }
        }
        out.refs.extend(self.take_used_faces());
        out
    }

    /// Faces whose family is now used, each family's faces once.
    fn take_used_faces(&mut self) -> Vec<Reference> {
        let mut ready = Vec::new();
        let used = &self.used_families;
        self.waiting_faces.retain(|(family, r)| {
            if used.contains(family) {
                ready.push((family.clone(), r.clone()));
                false
            } else {
                true
            }
        });
        let mut out = Vec::new();
        for (family, r) in ready {
            let key = format!("{family}\u{0}{}", r.url);
            if self.requested_faces.insert(key) {
                out.push(r);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::css;

    fn styles(html: &str) -> DocumentStyles {
        DocumentStyles::new(html::parse_document(html), Viewport::default())
    }

    fn names(refs: &[Reference]) -> Vec<&str> {
        refs.iter()
            .map(|r| r.url.path().rsplit('/').next().unwrap())
            .collect()
    }

    #[test]
    fn css_background_loads_only_where_the_selector_matches_an_element() {
        let mut s = styles("<div class=hero></div>");
        let sheet = css::parse(".hero{background:url(a.png)} .absent{background:url(b.png)} .hero:hover{background:url(c.png)}", 1.0);
        let out = s.add_sheet(
            &sheet,
            &Url::parse("http://t.test/s.css").unwrap(),
            &Url::parse("http://t.test/s.css").unwrap(),
            0,
            true,
        );
        assert_eq!(names(&out.refs), ["a.png"]);
        assert_eq!(out.refs[0].initiator.line, Some(1));
    }

    #[test]
    fn css_images_inside_non_matching_media_are_not_loaded() {
        let mut s = styles("<div class=hero></div>");
        let sheet = css::parse("@media (max-width: 600px) { .hero{background:url(m.png)} } @media (min-width: 900px) { .hero{background:url(d.png)} }", 1.0);
        let out = s.add_sheet(
            &sheet,
            &Url::parse("http://t.test/s.css").unwrap(),
            &Url::parse("http://t.test/s.css").unwrap(),
            0,
            true,
        );
        assert_eq!(names(&out.refs), ["d.png"]);
    }

    #[test]
    fn fonts_load_only_for_used_families_even_when_the_use_comes_in_a_later_sheet() {
        let mut s = styles("<p class=x>t</p>");
        let base = Url::parse("http://t.test/f.css").unwrap();
        let faces = css::parse("@font-face{font-family:Used;src:url(u.woff2) format('woff2'),url(u.woff) format('woff')} @font-face{font-family:Unused;src:url(n.woff2)}", 1.0);
        assert!(s.add_sheet(&faces, &base, &base, 0, true).refs.is_empty());
        let rules = css::parse("p.x { font-family: 'Used', sans-serif }", 1.0);
        let out = s.add_sheet(&rules, &base, &base, 0, true);
        assert_eq!(names(&out.refs), ["u.woff2"]);
        // A second use does not request the face again.
        assert!(s.add_sheet(&rules, &base, &base, 0, true).refs.is_empty());
    }

    #[test]
    fn imports_are_requested_whatever_their_media_but_only_matching_ones_apply() {
        let mut s = styles("<p>t</p>");
        let sheet = css::parse("@import url(a.css); @import url(p.css) print;", 1.0);
        let out = s.add_sheet(
            &sheet,
            &Url::parse("http://t.test/s.css").unwrap(),
            &Url::parse("http://t.test/s.css").unwrap(),
            0,
            true,
        );
        let ok: Vec<bool> = out.imports.iter().map(|i| i.media_ok).collect();
        assert_eq!(ok, [true, false]);
        assert_eq!(
            out.imports[0].reference.initiator.kind,
            InitiatorKind::Import
        );
    }

    #[test]
    fn a_sheet_whose_media_does_not_match_contributes_nothing() {
        let mut s = styles("<p class=x>t</p>");
        let sheet = css::parse(".x{background:url(a.png)}", 1.0);
        let out = s.add_sheet(
            &sheet,
            &Url::parse("http://t.test/print.css").unwrap(),
            &Url::parse("http://t.test/print.css").unwrap(),
            0,
            false,
        );
        assert!(out.refs.is_empty());
    }
}
