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
use std::collections::{BTreeSet, HashMap, HashSet};
use url::Url;

/// A declared `@font-face` whose `src` was resolved.
struct Face {
    family: String,
    weight: (u16, u16),
    italic: bool,
    reference: Reference,
}

/// The CSS state of one document: what it uses and which fonts are still waiting for a use.
///
/// Font use is approximated without a full cascade: the families named by applying rules
/// (directly or through `var(--x)`), combined with every weight and style the page uses
/// anywhere (applying rules, and the UA stylesheet's bold `b, strong, h1-h6, th` and italic
/// `em, i, cite, var, dfn, address`). Each (family, weight, style) picks one face by the CSS
/// font matching rules, so unused weights and italics are not fetched.
pub struct DocumentStyles {
    doc: Html,
    vp: Viewport,
    used_families: HashSet<String>,
    family_vars: HashSet<String>,
    custom_props: HashMap<String, Vec<String>>,
    weights: BTreeSet<u16>,
    italic_used: bool,
    faces: Vec<Face>,
    requested_faces: HashSet<Url>,
    selector_cache: HashMap<String, bool>,
    /// Bumped whenever something font matching reads grows; fonts are matched again only
    /// when it moved since the last match (a page with hundreds of sheets and families).
    generation: u64,
    matched_at: u64,
    /// Element checks selector matching may still spend in this document.
    match_budget: u64,
    /// Its classes and ids.
    names: html::Names,
    /// The budget ran out.
    matching_cut: bool,
}

/// Element checks one document's selector matching may spend (about a second of CPU):
/// real pages use a small fraction (rules with a `url()` or a font are few, and most
/// selectors match early); past it, rules are taken as applying (never hiding weight).
pub const MATCH_BUDGET: u64 = 20_000_000;

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
    /// Selector matching ran out of its budget ([`MATCH_BUDGET`]) while adding this sheet:
    /// from here on, rules are taken as applying.
    pub matching_cut: bool,
}

impl DocumentStyles {
    /// State for a parsed document.
    pub fn new(doc: Html, vp: Viewport) -> Self {
        let has = |sel: &str| html::selector_matches(&doc, sel);
        let mut weights = BTreeSet::from([400]);
        if has("b, strong, h1, h2, h3, h4, h5, h6, th") {
            weights.insert(700);
        }
        let italic_used = has("em, i, cite, var, dfn, address");
        let names = html::Names::of(&doc);
        DocumentStyles {
            doc,
            vp,
            used_families: HashSet::new(),
            family_vars: HashSet::new(),
            custom_props: HashMap::new(),
            weights,
            italic_used,
            faces: Vec::new(),
            requested_faces: HashSet::new(),
            selector_cache: HashMap::new(),
            generation: 1,
            matched_at: 0,
            match_budget: MATCH_BUDGET,
            names,
            matching_cut: false,
        }
    }

    fn use_rule(&mut self, rule: &StyleRule) {
        let mut grew = false;
        for f in &rule.families {
            if !self.used_families.contains(f) {
                grew |= self.used_families.insert(f.clone());
            }
        }
        for v in &rule.family_vars {
            if !self.family_vars.contains(v) {
                grew |= self.family_vars.insert(v.clone());
            }
        }
        for (name, fams) in &rule.custom_props {
            grew |= !fams.is_empty();
            self.custom_props
                .entry(name.clone())
                .or_default()
                .extend(fams.iter().cloned());
        }
        if let Some(w) = rule.weight {
            grew |= self.weights.insert(w);
        }
        if rule.italic == Some(true) && !self.italic_used {
            self.italic_used = true;
            grew = true;
        }
        if grew {
            self.generation += 1;
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
        let hit = html::selector_matches_within(
            &self.doc,
            &rule.selectors,
            &mut self.match_budget,
            Some(&self.names),
        )
        .unwrap_or_else(|| {
            self.matching_cut = true;
            true
        });
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
        let cut_before = self.matching_cut;
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
                            media: None,
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
                    let reference = Reference {
                        url,
                        resource_type: ResourceType::Font,
                        initiator: init,
                        lazy: false,
                        media: None,
                    };
                    self.faces.push(Face {
                        family: face.family.clone(),
                        weight: face.weight,
                        italic: face.italic,
                        reference,
                    });
                    self.generation += 1;
                }
                Err(why) => count_skip(&mut out.skipped, why),
            }
        }
        for rule in &sheet.rules {
            if !self.rule_applies(rule) {
                continue;
            }
            self.use_rule(rule);
            for u in &rule.urls {
                let init = initiator(
                    InitiatorKind::Css,
                    source,
                    "url",
                    None,
                    at(u.line, u.column),
                );
                push_image(&mut out, &u.url, base, init);
            }
        }
        out.refs.extend(self.take_used_faces());
        out.matching_cut = self.matching_cut && !cut_before;
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
        self.use_rule(rule);
        for u in &rule.urls {
            let mut init = initiator(
                InitiatorKind::Css,
                source,
                element,
                Some("style"),
                line.map(|l| (l, 0)),
            );
            init.column = None;
            push_image(&mut out, &u.url, base, init);
        }
        out.refs.extend(self.take_used_faces());
        out
    }

    /// Faces now needed by a used (family, weight, style) and not requested yet.
    fn take_used_faces(&mut self) -> Vec<Reference> {
        if self.matched_at == self.generation {
            return Vec::new(); // nothing font matching reads has changed: nothing new is used
        }
        self.matched_at = self.generation;
        let mut families: BTreeSet<&str> = self.used_families.iter().map(String::as_str).collect();
        for v in &self.family_vars {
            if let Some(f) = self.custom_props.get(v) {
                families.extend(f.iter().map(String::as_str));
            }
        }
        let styles: &[bool] = if self.italic_used {
            &[false, true]
        } else {
            &[false]
        };
        // Faces by family, built once: a page may declare hundreds of families.
        let mut by_family: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for (i, face) in self.faces.iter().enumerate() {
            by_family.entry(face.family.as_str()).or_default().push(i);
        }
        let mut chosen: Vec<usize> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for family in families {
            let Some(faces) = by_family.get(family) else {
                continue;
            };
            for &italic in styles {
                for &w in &self.weights {
                    if let Some(i) = match_face(&self.faces, faces, w, italic) {
                        if seen.insert(i) {
                            chosen.push(i);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for i in chosen {
            let r = &self.faces[i].reference;
            if self.requested_faces.insert(r.url.clone()) {
                out.push(r.clone());
            }
        }
        out
    }
}

/// A CSS `url()` as an image reference, or counted as not fetchable.
fn push_image(out: &mut SheetRefs, raw: &str, base: &Url, initiator: crate::model::Initiator) {
    match resolve(raw, base) {
        Ok(url) => out.refs.push(Reference {
            url,
            resource_type: ResourceType::Image,
            initiator,
            lazy: false,
            media: None,
        }),
        Err(why) => count_skip(&mut out.skipped, why),
    }
}

/// CSS Fonts font matching, simplified to weight and style: prefer the wanted style, then the
/// weight inside a face's range, else the nearest weight in the direction the spec gives
/// (for 400-500: up to 500, then down, then up; below 400: down then up; above 500: up then
/// down).
fn match_face(all: &[Face], candidates: &[usize], want: u16, italic: bool) -> Option<usize> {
    let styled: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|i| all[*i].italic == italic)
        .collect();
    let pool = if styled.is_empty() {
        candidates.to_vec()
    } else {
        styled
    };
    if let Some(i) = pool
        .iter()
        .find(|i| (all[**i].weight.0..=all[**i].weight.1).contains(&want))
    {
        return Some(*i);
    }
    // Rank by (tier, distance): lower wins.
    let rank = |i: usize| {
        let (lo, hi) = all[i].weight;
        let (tier, dist) = if (400..=500).contains(&want) {
            if lo > want && lo <= 500 {
                (0, lo - want)
            } else if hi < want {
                (1, want - hi)
            } else {
                (2, lo.saturating_sub(want))
            }
        } else if want < 400 {
            if hi < want {
                (0, want - hi)
            } else {
                (1, lo.saturating_sub(want))
            }
        } else if lo > want {
            (0, lo - want)
        } else {
            (1, want.saturating_sub(hi))
        };
        (tier, dist)
    };
    pool.iter().copied().min_by_key(|i| rank(*i))
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
    fn only_the_weights_and_styles_a_page_uses_load_their_faces() {
        // Regular text and a <strong>: the 400 and 700 faces, not 300, 800 or the italics.
        let mut s = styles("<p>text <strong>bold</strong></p>");
        let base = Url::parse("http://t.test/f.css").unwrap();
        let mut css_text = String::from("body { font-family: Open }");
        for (w, style, name) in [
            (300, "normal", "300"),
            (400, "normal", "400"),
            (700, "normal", "700"),
            (800, "normal", "800"),
            (400, "italic", "400i"),
            (700, "italic", "700i"),
        ] {
            css_text.push_str(&format!("@font-face {{ font-family: Open; font-weight: {w}; font-style: {style}; src: url({name}.woff2) format('woff2') }}"));
        }
        let out = s.add_sheet(&css::parse(&css_text, 1.0), &base, &base, 0, true);
        let mut got = names(&out.refs);
        got.sort();
        assert_eq!(got, ["400.woff2", "700.woff2"]);
        // An <em> on the page makes the italics needed too.
        let mut s = styles("<p>text <em>it</em></p>");
        let out = s.add_sheet(&css::parse(&css_text, 1.0), &base, &base, 0, true);
        let mut got = names(&out.refs);
        got.sort();
        assert_eq!(got, ["400.woff2", "400i.woff2"]);
    }

    #[test]
    fn a_missing_weight_falls_back_to_the_nearest_face_as_css_font_matching_says() {
        let mut s = styles("<code>x</code>");
        let base = Url::parse("http://t.test/f.css").unwrap();
        let css_text = ":root { --mono: Mono, monospace } code { font-family: var(--mono); font-weight: 500 } @font-face { font-family: Mono; font-weight: 300; src: url(m300.woff2) } @font-face { font-family: Mono; font-weight: 700; src: url(m700.woff2) }";
        let out = s.add_sheet(&css::parse(css_text, 1.0), &base, &base, 0, true);
        // 400 (no 400-500 face above, so down: 300) and 500 (same: 300).
        assert_eq!(names(&out.refs), ["m300.woff2"]);
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
