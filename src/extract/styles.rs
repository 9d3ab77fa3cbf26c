//! Which references of a document's CSS a browser loads.
//!
//! - Images: for each element and image property (`background-image`, `list-style-image`,
//!   `border-image-source`, `mask-image`, `content`, each with its shorthand), only the URLs
//!   of the declaration that wins the cascade ([`super::cascade`]: importance, layers, the
//!   style attribute, specificity, order), among rules whose selector matches the element
//!   and whose `@media`, `@supports` and `@container` conditions hold. They are decided
//!   once every sheet of the document is in ([`DocumentStyles::settle`]), as a browser
//!   computes style once its render-blocking sheets have arrived.
//! - Fonts: only for `@font-face` families that an applying rule uses (first supported
//!   `src` only), as soon as the use is known; of faces declared alike (Google Fonts'
//!   subsets), per character of the text under the family's elements the last declared
//!   whose `unicode-range` covers it.
//! - Every `@import` whose `supports()` holds (the imported sheet's rules then apply only if
//!   the import's media matches); URLs in other properties (`cursor`, custom properties ...)
//!   whenever their rule applies.
//!
//! Pure: the engine feeds sheets in as they arrive and schedules what comes back.

use super::cascade::{self, Layers, Priority};
use super::css::{ImageSlot, Sheet, StyleRule};
use super::encoding::Enc;
use super::{count_skip, initiator, media, resolve_in, selectors, Reference, Viewport};
use crate::model::{InitiatorKind, ResourceType, Skipped};
use ego_tree::NodeId;
use scraper::Html;
use std::collections::{BTreeSet, HashMap, HashSet};
use url::Url;

/// Where a font family is used: the elements a rule's selectors match, or the element of a
/// `style` attribute.
#[derive(Debug, Clone, Copy)]
enum FamilyUse {
    Rule { sheet: usize, rule: usize },
    Inline(NodeId),
}

/// A declared `@font-face` whose `src` was resolved.
struct Face {
    family: String,
    weight: (u16, u16),
    italic: bool,
    /// `unicode-range`, inclusive; empty covers every character.
    ranges: Vec<(u32, u32)>,
    reference: Reference,
}

impl Face {
    fn covers(&self, c: char) -> bool {
        self.ranges.is_empty()
            || self
                .ranges
                .iter()
                .any(|&(a, b)| (a..=b).contains(&(c as u32)))
    }

    fn declared_like(&self, other: &Face) -> bool {
        self.weight == other.weight && self.italic == other.italic
    }
}

/// Where a sheet stands in its document: its place in the cascade's order, the layer an
/// `@import layer()` put it in, whether its media applies, and its encoding (the
/// environment of the sheets it imports).
#[derive(Debug, Clone, PartialEq)]
pub struct SheetPlace {
    /// The referring element's place, then the `@import` positions down to this sheet.
    pub order: Vec<u32>,
    /// The layer its rules are in (`@import ... layer(x)`), full name.
    pub layer: Option<String>,
    /// Its media (and its importers') match the viewport.
    pub media_ok: bool,
    /// Its encoding.
    pub encoding: Enc,
}

impl SheetPlace {
    /// A sheet referred to by a document element at `order`.
    pub fn of_element(order: u32, media_ok: bool, encoding: Enc) -> Self {
        SheetPlace {
            order: vec![order],
            layer: None,
            media_ok,
            encoding,
        }
    }
}

/// A sheet as added: where its URLs resolve and where it stands.
pub struct SheetSource<'a> {
    /// Names it in initiators (the document's URL for a `<style>` block).
    pub source: &'a Url,
    /// Resolves its URLs (the sheet's own URL, or the document's base).
    pub base: &'a Url,
    /// Added to its line numbers (a block's line in the document, minus one).
    pub line_offset: u32,
    /// Where it stands.
    pub place: SheetPlace,
}

/// A sheet kept until the document settles.
struct Added {
    sheet: Sheet,
    source: Url,
    base: Url,
    line_offset: u32,
    place: SheetPlace,
}

/// A `style` attribute kept until the document settles.
struct Inline {
    node: NodeId,
    rule: StyleRule,
    source: Url,
    base: Url,
    element: String,
    line: Option<u32>,
    encoding: Enc,
}

/// The CSS state of one document: its sheets, what it uses, which fonts wait for a use.
///
/// Font use is approximated without a full cascade: the families named by applying rules
/// (directly or through `var(--x)`), combined with every weight and style the page uses
/// anywhere (applying rules, and the UA stylesheet's bold `b, strong, h1-h6, th` and italic
/// `em, i, cite, var, dfn, address`). Each (family, weight, style) picks one face by the CSS
/// font matching rules, so unused weights and italics are not fetched.
pub struct DocumentStyles {
    doc: Html,
    quirks: bool,
    vp: Viewport,
    sheets: Vec<Added>,
    inline: Vec<Inline>,
    settled: bool,
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
    names: selectors::Names,
    /// Where each font family is used: the text under those elements is what its faces with
    /// a `unicode-range` must draw.
    family_uses: HashMap<String, Vec<FamilyUse>>,
    /// The budget ran out.
    matching_cut: bool,
}

/// Element checks one document's selector matching may spend (about a second of CPU):
/// real pages use a small fraction (rules with a `url()` or a font are few, and most
/// selectors name a class the page lacks); past it, rules are taken as applying (never
/// hiding weight).
pub const MATCH_BUDGET: u64 = 20_000_000;

/// An `@import` found in a sheet.
#[derive(Debug, Clone)]
pub struct ImportRef {
    /// The sheet to request.
    pub reference: Reference,
    /// Where the imported sheet stands (its media, its layer, its place in the order).
    pub place: SheetPlace,
}

/// What a sheet (or the settled document) makes the browser load.
#[derive(Debug, Default)]
pub struct SheetRefs {
    /// `@import`ed sheets (requested whatever their media, as Chromium does).
    pub imports: Vec<ImportRef>,
    /// Images and fonts.
    pub refs: Vec<Reference>,
    /// Not-fetchable URLs, counted.
    pub skipped: Skipped,
    /// Selector matching ran out of its budget ([`MATCH_BUDGET`]) meanwhile: from here on,
    /// rules are taken as applying.
    pub matching_cut: bool,
}

/// An image property of an element or of one of its pseudo-elements (`::before` ...).
type Slot = (NodeId, Option<String>, ImageSlot);

/// The declaration winning one element's image property so far.
struct Winner {
    priority: Priority,
    /// Index into `sheets` (or `usize::MAX` for a style attribute, then `rule` indexes
    /// `inline`), the rule in it and the declaration in the rule.
    sheet: usize,
    rule: usize,
    decl: usize,
}

impl DocumentStyles {
    /// State for a parsed document.
    pub fn new(doc: Html, vp: Viewport) -> Self {
        let names = selectors::Names::of(&doc);
        let mut weights = BTreeSet::from([400]);
        if names.has_any_tag(&["b", "strong", "h1", "h2", "h3", "h4", "h5", "h6", "th"]) {
            weights.insert(700);
        }
        let italic_used = names.has_any_tag(&["em", "i", "cite", "var", "dfn", "address"]);
        DocumentStyles {
            quirks: doc.quirks_mode == html5ever::tree_builder::QuirksMode::Quirks,
            doc,
            vp,
            sheets: Vec::new(),
            inline: Vec::new(),
            settled: false,
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
            family_uses: HashMap::new(),
            matching_cut: false,
        }
    }

    fn use_rule(&mut self, rule: &StyleRule, at: FamilyUse) {
        let mut grew = false;
        for f in &rule.families {
            if !self.used_families.contains(f) {
                self.used_families.insert(f.clone());
            }
            // New text for the family, whose ranges may need another face.
            self.family_uses.entry(f.clone()).or_default().push(at);
            grew = true;
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

    /// The rendered characters under each used family's elements, for the used families that
    /// have a face with a `unicode-range` (the others need none).
    fn ranged_family_texts(&mut self) -> HashMap<String, Vec<char>> {
        let ranged: BTreeSet<String> = self
            .faces
            .iter()
            .filter(|f| !f.ranges.is_empty() && self.is_used(&f.family))
            .map(|f| f.family.clone())
            .collect();
        ranged
            .into_iter()
            .map(|family| {
                let text = self.family_text(&family);
                (family, text)
            })
            .collect()
    }

    /// Whether a rule names the family, directly or through a custom property.
    fn is_used(&self, family: &str) -> bool {
        self.used_families.contains(family)
            || self.family_vars.iter().any(|v| {
                self.custom_props
                    .get(v)
                    .is_some_and(|f| f.iter().any(|f| f == family))
            })
    }

    /// The rendered characters under the elements a family is used on (their own and their
    /// descendants', which inherit it, unless one of them names another family: not
    /// followed). A family named only through a custom property, or a selector matching cut
    /// short by its budget, takes the whole document's text.
    fn family_text(&mut self, family: &str) -> Vec<char> {
        let Some(uses) = self.family_uses.get(family) else {
            return rendered_chars(&self.doc, None);
        };
        let mut roots = Vec::new();
        for u in uses {
            let (sheet, rule) = match *u {
                FamilyUse::Inline(node) => {
                    roots.push(node);
                    continue;
                }
                FamilyUse::Rule { sheet, rule } => (sheet, rule),
            };
            let Some(r) = self.sheets.get(sheet).and_then(|a| a.sheet.rules.get(rule)) else {
                continue;
            };
            for part in selectors::selector_parts(&r.selectors) {
                let found = selectors::matching_elements(
                    &self.doc,
                    &part.selector,
                    &mut self.match_budget,
                    &self.names,
                );
                match found {
                    Some(nodes) => roots.extend(nodes),
                    None => {
                        self.matching_cut = true;
                        return rendered_chars(&self.doc, None);
                    }
                }
            }
        }
        rendered_chars(&self.doc, Some(&roots))
    }

    /// Whether the document renders in quirks mode (no or an old doctype).
    pub fn quirks(&self) -> bool {
        self.quirks
    }

    /// Whether a rule's conditions hold and its selector matches some element.
    fn rule_applies(&mut self, rule: &StyleRule, containers: bool) -> bool {
        if !self.conditions_hold(rule, containers) {
            return false;
        }
        if let Some(hit) = self.selector_cache.get(&rule.selectors) {
            return *hit;
        }
        let hit = selectors::selector_matches_within(
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

    /// `@media` matches the viewport, and `@container` has a container to query (taken as
    /// holding when the document declares one: its size is not known here).
    fn conditions_hold(&self, rule: &StyleRule, containers: bool) -> bool {
        (!rule.in_container || containers) && rule.media.iter().all(|m| media::matches(m, &self.vp))
    }

    fn declares_containers(&self) -> bool {
        self.sheets.iter().any(|s| s.sheet.declares_container)
    }

    /// Adds a stylesheet (external, imported or a `<style>` block): returns its imports,
    /// the fonts that became used, and URLs outside the cascade. Its image declarations
    /// wait for [`Self::settle`].
    pub fn add_sheet(&mut self, mut sheet: Sheet, at: SheetSource<'_>) -> SheetRefs {
        let mut out = SheetRefs::default();
        let cut_before = self.matching_cut;
        let place = at.place.clone();
        qualify_anonymous_layers(&mut sheet, self.sheets.len());
        self.add_imports(&sheet, &at, &mut out);
        if !place.media_ok {
            return out;
        }
        self.add_faces(&sheet, &at, place.encoding, &mut out);
        let containers = self.declares_containers() || sheet.declares_container;
        self.add_rules(&sheet, &at, containers, &mut out);
        // In the list first: the faces' text is found through the sheet's rules.
        self.sheets.push(Added {
            sheet,
            source: at.source.clone(),
            base: at.base.clone(),
            line_offset: at.line_offset,
            place,
        });
        out.refs.extend(self.take_used_faces());
        out.matching_cut = self.matching_cut && !cut_before;
        out
    }

    /// The sheet's supported `@import`s, in its place: their order under the sheet's, their
    /// layers and media.
    fn add_imports(&self, sheet: &Sheet, at: &SheetSource<'_>, out: &mut SheetRefs) {
        let place = &at.place;
        let imports = sheet.imports.iter().enumerate();
        for (i, imp) in imports.filter(|(_, i)| i.supported) {
            match resolve_in(&imp.url.url, at.base, place.encoding) {
                Ok(url) => {
                    let pos = Some((imp.url.line + at.line_offset, imp.url.column));
                    let init = initiator(InitiatorKind::Import, at.source, "@import", None, pos);
                    let mut order = place.order.clone();
                    order.push(i as u32);
                    let layer = join_layers(place.layer.as_deref(), imp.layer.as_deref());
                    out.imports.push(ImportRef {
                        reference: sheet_reference(url, init),
                        place: SheetPlace {
                            order,
                            layer,
                            media_ok: place.media_ok && media::matches(&imp.media, &self.vp),
                            encoding: place.encoding,
                        },
                    });
                }
                Err(why) => count_skip(&mut out.skipped, why),
            }
        }
    }

    /// The images of the sheet's rules that apply now (the sheet about to be the
    /// `sheets.len()`th), and the font families they use.
    fn add_rules(
        &mut self,
        sheet: &Sheet,
        at: &SheetSource<'_>,
        containers: bool,
        out: &mut SheetRefs,
    ) {
        let sheet_index = self.sheets.len();
        for (ri, rule) in sheet.rules.iter().enumerate() {
            if !rule.loads_now() || !self.rule_applies(rule, containers) {
                continue;
            }
            let used_at = FamilyUse::Rule {
                sheet: sheet_index,
                rule: ri,
            };
            self.use_rule(rule, used_at);
            for u in &rule.urls {
                let pos = Some((u.line + at.line_offset, u.column));
                let init = initiator(InitiatorKind::Css, at.source, "url", None, pos);
                push_image(out, &u.url, (at.base, at.place.encoding), init);
            }
        }
    }

    fn add_faces(&mut self, sheet: &Sheet, at: &SheetSource<'_>, enc: Enc, out: &mut SheetRefs) {
        for face in &sheet.font_faces {
            if !face.media.iter().all(|m| media::matches(m, &self.vp)) {
                continue;
            }
            let Some(src) = face.chosen_src() else {
                continue;
            };
            match resolve_in(&src.url, at.base, enc) {
                Ok(url) => {
                    let pos = Some((src.line + at.line_offset, src.column));
                    let init = initiator(
                        InitiatorKind::Css,
                        at.source,
                        "@font-face",
                        Some("src"),
                        pos,
                    );
                    let mut reference = sheet_reference(url, init);
                    reference.resource_type = ResourceType::Font;
                    self.faces.push(Face {
                        family: face.family.clone(),
                        weight: face.weight,
                        italic: face.italic,
                        ranges: face.unicode_range.clone(),
                        reference,
                    });
                    self.generation += 1;
                }
                Err(why) => count_skip(&mut out.skipped, why),
            }
        }
    }

    /// Adds the declarations of a `style` attribute (they apply to their own element):
    /// fonts now, images when the document settles.
    pub fn add_inline(
        &mut self,
        rule: StyleRule,
        node: NodeId,
        (source, base, enc): (&Url, &Url, Enc),
        element: &str,
        line: Option<u32>,
    ) -> SheetRefs {
        let mut out = SheetRefs::default();
        self.use_rule(&rule, FamilyUse::Inline(node));
        for u in &rule.urls {
            let mut init = initiator(
                InitiatorKind::Css,
                source,
                element,
                Some("style"),
                line.map(|l| (l, 0)),
            );
            init.column = None;
            push_image(&mut out, &u.url, (base, enc), init);
        }
        out.refs.extend(self.take_used_faces());
        self.inline.push(Inline {
            node,
            rule,
            source: source.clone(),
            base: base.clone(),
            element: element.to_string(),
            line,
            encoding: enc,
        });
        out
    }

    /// Every sheet of the document is in: decides, per element and image property, the
    /// declaration that wins the cascade, and returns the images those make the browser
    /// load (in the order of the sheets and rules that declare them). Once per document.
    pub fn settle(&mut self) -> SheetRefs {
        let mut out = SheetRefs::default();
        if std::mem::replace(&mut self.settled, true) {
            return out;
        }
        let cut_before = self.matching_cut;
        let layers = self.layers();
        let mut winners: HashMap<Slot, Winner> = HashMap::new();
        let mut taken_as_applying: Vec<(usize, usize)> = Vec::new();
        let containers = self.declares_containers();
        for si in 0..self.sheets.len() {
            if !self.sheets[si].place.media_ok {
                continue;
            }
            for ri in 0..self.sheets[si].sheet.rules.len() {
                if !self.compete(si, ri, &layers, containers, &mut winners) {
                    taken_as_applying.push((si, ri));
                }
            }
        }
        self.inline_compete(&mut winners);
        let hidden = self.not_rendered(&layers, containers);
        let generated = Self::generated_pseudo_elements(&winners);
        winners.retain(|(node, pseudo, _), _| {
            !self.inside(*node, &hidden)
                && (!matches!(pseudo.as_deref(), Some("before" | "after"))
                    || generated.contains(&(*node, pseudo.clone())))
        });
        self.emit_winners(winners, &taken_as_applying, &mut out);
        out.matching_cut = self.matching_cut && !cut_before;
        self.release();
        out
    }

    /// Drops the document and its sheets once settled: nothing reads them after, and a page
    /// of thousands of frames would otherwise hold every frame's tree to the end.
    fn release(&mut self) {
        self.doc = Html::new_document();
        self.sheets = Vec::new();
        self.inline = Vec::new();
        self.selector_cache = HashMap::new();
        self.names = selectors::Names::default();
        self.faces = Vec::new();
    }

    /// Elements whose computed `display` is `none`: those a `display: none` declaration
    /// matches (or that have the `hidden` attribute, the UA stylesheet's rule), unless a
    /// declaration that wins the cascade over it says otherwise.
    fn not_rendered(&mut self, layers: &Layers, containers: bool) -> HashSet<NodeId> {
        let mut display: HashMap<NodeId, (Priority, bool)> = HashMap::new();
        let ua = Priority {
            important: false,
            layer: vec![0],
            specificity: 0,
            order: Vec::new(),
        };
        for el in self
            .doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
        {
            if el.value().attr("hidden").is_some() {
                display.insert(el.id(), (ua.clone(), true));
            }
        }
        for none_pass in [true, false] {
            for si in 0..self.sheets.len() {
                for ri in 0..self.sheets[si].sheet.rules.len() {
                    let rule = &self.sheets[si].sheet.rules[ri];
                    match rule.display {
                        Some((none, _)) if none == none_pass && self.sheets[si].place.media_ok => {}
                        _ => continue,
                    }
                    if self.conditions_hold(rule, containers) {
                        self.display_compete(si, ri, layers, none_pass, &mut display);
                    }
                }
            }
        }
        for inline in &self.inline {
            if let Some((none, important)) = inline.rule.display {
                let p = Priority {
                    important,
                    layer: cascade::style_attribute_key(),
                    specificity: 0,
                    order: Vec::new(),
                };
                match display.get(&inline.node) {
                    Some((old, _)) if *old >= p => {}
                    _ => {
                        display.insert(inline.node, (p, none));
                    }
                }
            }
        }
        display
            .into_iter()
            .filter(|(_, (_, none))| *none)
            .map(|(n, _)| n)
            .collect()
    }

    /// One rule's `display` for the elements it matches: every element for `display: none`,
    /// only the already hidden ones for other values (all they can do is show them again).
    fn display_compete(
        &mut self,
        si: usize,
        ri: usize,
        layers: &Layers,
        none: bool,
        display: &mut HashMap<NodeId, (Priority, bool)>,
    ) {
        let added = &self.sheets[si];
        let rule = &added.sheet.rules[ri];
        let Some((_, important)) = rule.display else {
            return;
        };
        let layer = join_layers(added.place.layer.as_deref(), rule.layer.as_deref());
        let mut order = added.place.order.clone();
        order.extend([u32::MAX, ri as u32]);
        let parts = selectors::selector_parts(&rule.selectors);
        for part in parts.into_iter().filter(|p| p.pseudo.is_none()) {
            let nodes: Vec<NodeId> = if none {
                let found = selectors::matching_elements(
                    &self.doc,
                    &part.selector,
                    &mut self.match_budget,
                    &self.names,
                );
                found.unwrap_or_default()
            } else {
                let Some(mut sel) = selectors::Matcher::parse(&self.doc, &part.selector) else {
                    continue;
                };
                let doc = &self.doc;
                display
                    .keys()
                    .copied()
                    .filter(|id| {
                        doc.tree
                            .get(*id)
                            .and_then(scraper::ElementRef::wrap)
                            .is_some_and(|e| sel.matches(&e))
                    })
                    .collect()
            };
            let priority = Priority {
                important,
                layer: layers.key(layer.as_deref(), important),
                specificity: part.specificity,
                order: order.clone(),
            };
            for node in nodes {
                match display.get(&node) {
                    Some((p, _)) if *p >= priority => {}
                    _ => {
                        display.insert(node, (priority.clone(), none));
                    }
                }
            }
        }
    }

    /// The `::before`/`::after` styles Chromium computes: those given a `content` (even
    /// `none`, checked against Chromium 156); without one, none of their images load.
    fn generated_pseudo_elements(
        winners: &HashMap<Slot, Winner>,
    ) -> HashSet<(NodeId, Option<String>)> {
        winners
            .keys()
            .filter(|(_, pseudo, slot)| pseudo.is_some() && *slot == ImageSlot::Content)
            .map(|(node, pseudo, _)| (*node, pseudo.clone()))
            .collect()
    }

    /// Whether an element is, or is inside, one of `hidden`.
    fn inside(&self, node: NodeId, hidden: &HashSet<NodeId>) -> bool {
        if hidden.is_empty() {
            return false;
        }
        let mut cur = self.doc.tree.get(node);
        while let Some(n) = cur {
            if hidden.contains(&n.id()) {
                return true;
            }
            cur = n.parent();
        }
        false
    }

    /// The document's layers in the order its sheets (in cascade order) name them.
    fn layers(&self) -> Layers {
        let mut by_order: Vec<&Added> = self.sheets.iter().collect();
        by_order.sort_by(|a, b| a.place.order.cmp(&b.place.order));
        let mut layers = Layers::default();
        for s in by_order {
            if let Some(l) = &s.place.layer {
                layers.name(l);
            }
            for l in &s.sheet.layers {
                layers.name(&join_layers(s.place.layer.as_deref(), Some(l)).unwrap_or_default());
            }
        }
        layers
    }

    /// Puts one rule's image declarations into the competition for each element it
    /// matches. Returns `false` when matching ran out of budget (the rule is then taken
    /// as applying everywhere it could).
    fn compete(
        &mut self,
        si: usize,
        ri: usize,
        layers: &Layers,
        containers: bool,
        winners: &mut HashMap<Slot, Winner>,
    ) -> bool {
        let added = &self.sheets[si];
        let rule = &added.sheet.rules[ri];
        if rule.images.is_empty() || !self.conditions_hold(rule, containers) {
            return true;
        }
        let layer = join_layers(added.place.layer.as_deref(), rule.layer.as_deref());
        let mut order = added.place.order.clone();
        order.push(u32::MAX); // a sheet's own rules come after its imports
        order.push(ri as u32);
        for part in selectors::selector_parts(&rule.selectors) {
            let Some(nodes) = selectors::matching_elements(
                &self.doc,
                &part.selector,
                &mut self.match_budget,
                &self.names,
            ) else {
                self.matching_cut = true;
                return false;
            };
            for (di, decl) in rule.images.iter().enumerate() {
                let mut o = order.clone();
                o.push(di as u32);
                let priority = Priority {
                    important: decl.important,
                    layer: layers.key(layer.as_deref(), decl.important),
                    specificity: part.specificity,
                    order: o,
                };
                for &node in &nodes {
                    let w = Winner {
                        priority: priority.clone(),
                        sheet: si,
                        rule: ri,
                        decl: di,
                    };
                    enter(winners, (node, part.pseudo.clone(), decl.slot), w);
                }
            }
        }
        true
    }

    fn inline_compete(&self, winners: &mut HashMap<Slot, Winner>) {
        for (ii, inline) in self.inline.iter().enumerate() {
            for (di, decl) in inline.rule.images.iter().enumerate() {
                let priority = Priority {
                    important: decl.important,
                    layer: cascade::style_attribute_key(),
                    specificity: 0,
                    order: vec![di as u32],
                };
                let w = Winner {
                    priority,
                    sheet: usize::MAX,
                    rule: ii,
                    decl: di,
                };
                enter(winners, (inline.node, None, decl.slot), w);
            }
        }
    }

    /// The URLs of the winning declarations (and of rules taken as applying), each once,
    /// in the order of their sheets, rules and declarations.
    fn emit_winners(
        &self,
        winners: HashMap<Slot, Winner>,
        taken_as_applying: &[(usize, usize)],
        out: &mut SheetRefs,
    ) {
        let mut chosen: BTreeSet<(usize, usize, usize)> = winners
            .values()
            .map(|w| (w.sheet, w.rule, w.decl))
            .collect();
        for &(si, ri) in taken_as_applying {
            for di in 0..self.sheets[si].sheet.rules[ri].images.len() {
                chosen.insert((si, ri, di));
            }
        }
        for (si, ri, di) in chosen {
            if si == usize::MAX {
                let inline = &self.inline[ri];
                for u in &inline.rule.images[di].urls {
                    let pos = inline.line.map(|l| (l, 0));
                    let mut init = initiator(
                        InitiatorKind::Css,
                        &inline.source,
                        &inline.element,
                        Some("style"),
                        pos,
                    );
                    init.column = None;
                    push_image(out, &u.url, (&inline.base, inline.encoding), init);
                }
                continue;
            }
            let added = &self.sheets[si];
            for u in &added.sheet.rules[ri].images[di].urls {
                let pos = Some((u.line + added.line_offset, u.column));
                let init = initiator(InitiatorKind::Css, &added.source, "url", None, pos);
                push_image(out, &u.url, (&added.base, added.place.encoding), init);
            }
        }
    }

    /// Faces now needed by a used (family, weight, style) and not requested yet.
    fn take_used_faces(&mut self) -> Vec<Reference> {
        if self.matched_at == self.generation {
            return Vec::new(); // nothing font matching reads has changed: nothing new is used
        }
        self.matched_at = self.generation;
        let texts = self.ranged_family_texts();
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
                    let Some(i) = match_face(&self.faces, faces, w, italic) else {
                        continue;
                    };
                    let chars = texts.get(family).map_or(&[][..], Vec::as_slice);
                    for j in segments(&self.faces, faces, i, chars) {
                        if seen.insert(j) {
                            chosen.push(j);
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
fn push_image(
    out: &mut SheetRefs,
    raw: &str,
    (base, enc): (&Url, Enc),
    initiator: crate::model::Initiator,
) {
    match resolve_in(raw, base, enc) {
        Ok(url) => {
            let mut r = sheet_reference(url, initiator);
            r.resource_type = ResourceType::Image;
            out.refs.push(r);
        }
        Err(why) => count_skip(&mut out.skipped, why),
    }
}

/// A reference made by a stylesheet (a sheet it imports unless retyped).
fn sheet_reference(url: Url, initiator: crate::model::Initiator) -> Reference {
    Reference {
        url,
        resource_type: ResourceType::Stylesheet,
        initiator,
        lazy: false,
        media: None,
        order: 0,
    }
}

/// Keeps the greater of two declarations competing for one element's property.
fn enter(winners: &mut HashMap<Slot, Winner>, key: Slot, w: Winner) {
    match winners.get(&key) {
        Some(old) if old.priority >= w.priority => {}
        _ => {
            winners.insert(key, w);
        }
    }
}

/// `inner` as a layer inside `outer` (an `@import layer()` around a sheet's own layers).
fn join_layers(outer: Option<&str>, inner: Option<&str>) -> Option<String> {
    match (outer, inner) {
        (Some(o), Some(i)) => Some(format!("{o}.{i}")),
        (Some(x), None) | (None, Some(x)) => Some(x.to_string()),
        (None, None) => None,
    }
}

/// Anonymous layers are distinct per sheet: their names get the sheet's number.
fn qualify_anonymous_layers(sheet: &mut Sheet, n: usize) {
    let rename = |l: &mut String| {
        if l.contains("#anonymous-") {
            *l = l.replace("#anonymous-", &format!("#anonymous-{n}-"));
        }
    };
    sheet.layers.iter_mut().for_each(rename);
    for r in &mut sheet.rules {
        r.layer.as_mut().map(rename);
    }
    for i in &mut sheet.imports {
        i.layer.as_mut().map(rename);
    }
}

/// CSS Fonts font matching, simplified to weight and style: prefer the wanted style, then the
/// weight inside a face's range, else the nearest weight in the direction the spec gives
/// (for 400-500: up to 500, then down, then up; below 400: down then up; above 500: up then
/// down).
/// The faces that draw the text, of those declared like face `i` (its family, weights and
/// style): for each character, the last declared whose `unicode-range` covers it (CSS Fonts:
/// a composite face tries its last rule first). Without ranges that is the last declared
/// face alone. The characters are those under the elements the family is used on.
fn segments(all: &[Face], family: &[usize], i: usize, chars: &[char]) -> Vec<usize> {
    let alike: Vec<usize> = family
        .iter()
        .copied()
        .filter(|&j| all[j].declared_like(&all[i]))
        .collect();
    if alike.iter().all(|&j| all[j].ranges.is_empty()) {
        return alike.last().copied().into_iter().collect();
    }
    let mut out = Vec::new();
    for &c in chars {
        if let Some(&j) = alike.iter().rev().find(|&&j| all[j].covers(c)) {
            if !out.contains(&j) {
                out.push(j);
            }
        }
    }
    out.sort_unstable();
    out
}

/// Elements whose text is never drawn.
const NO_TEXT: &[&str] = &["head", "script", "style", "template", "noscript"];

fn draws_no_text(e: &scraper::node::Element) -> bool {
    NO_TEXT.contains(&e.name()) || e.attr("hidden").is_some()
}

/// The characters of the text fonts are loaded for, sorted and unique: under `roots` (the
/// whole document when `None`), outside the head, scripts, styles, templates, `<noscript>`
/// and `hidden` elements, without whitespace except a space where one stands between words.
fn rendered_chars(doc: &Html, roots: Option<&[NodeId]>) -> Vec<char> {
    use ego_tree::iter::Edge;
    use scraper::Node;
    let mut ascii = [false; 128];
    let mut other = BTreeSet::new();
    let whole = [doc.tree.root().id()];
    for &root in roots.unwrap_or(&whole) {
        let Some(root) = doc.tree.get(root) else {
            continue;
        };
        let under_no_text = root
            .ancestors()
            .any(|a| a.value().as_element().is_some_and(draws_no_text));
        if under_no_text {
            continue;
        }
        let mut hidden = 0usize;
        for edge in root.traverse() {
            match edge {
                Edge::Open(n) => match n.value() {
                    Node::Element(e) if hidden > 0 || draws_no_text(e) => hidden += 1,
                    Node::Text(t) if hidden == 0 => {
                        for c in t.trim().chars() {
                            let c = if c.is_whitespace() { ' ' } else { c };
                            match ascii.get_mut(c as usize) {
                                Some(seen) => *seen = true,
                                None => {
                                    other.insert(c);
                                }
                            }
                        }
                    }
                    _ => {}
                },
                Edge::Close(n) => {
                    if n.value().is_element() && hidden > 0 {
                        hidden -= 1;
                    }
                }
            }
        }
    }
    let ascii = (0u8..128).filter(|b| ascii[*b as usize]).map(char::from);
    ascii.chain(other).collect()
}

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
    use crate::extract::{css, html};
    use encoding_rs::UTF_8;

    fn styles(html: &str) -> DocumentStyles {
        DocumentStyles::new(html::parse_document(html), Viewport::default())
    }

    fn names(refs: &[Reference]) -> Vec<&str> {
        refs.iter()
            .map(|r| r.url.path().rsplit('/').next().unwrap())
            .collect()
    }

    /// Adds `css` as the sheet at `order` in the document, served from `url`.
    fn add_at(
        s: &mut DocumentStyles,
        css_text: &str,
        url: &str,
        order: u32,
        media_ok: bool,
    ) -> SheetRefs {
        let url = Url::parse(url).unwrap();
        let at = SheetSource {
            source: &url,
            base: &url,
            line_offset: 0,
            place: SheetPlace::of_element(order, media_ok, UTF_8),
        };
        s.add_sheet(css::parse(css_text, 1.0), at)
    }

    fn add(s: &mut DocumentStyles, css_text: &str) -> SheetRefs {
        add_at(s, css_text, "http://t.test/s.css", 1, true)
    }

    /// The CSS images a document with these sheets loads (the sheets in document order).
    fn images(html: &str, sheets: &[&str]) -> Vec<String> {
        let mut s = styles(html);
        for (i, css_text) in sheets.iter().enumerate() {
            add_at(&mut s, css_text, "http://t.test/s.css", i as u32 + 1, true);
        }
        names(&s.settle().refs)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn css_background_loads_only_where_the_selector_matches_an_element() {
        let mut s = styles("<div class=hero></div>");
        let now = add(&mut s, ".hero{background:url(a.png)} .absent{background:url(b.png)} .hero:hover{background:url(c.png)}");
        assert!(
            now.refs.is_empty(),
            "images wait for the document to settle"
        );
        let out = s.settle();
        assert_eq!(names(&out.refs), ["a.png"]);
        assert_eq!(out.refs[0].initiator.line, Some(1));
        assert!(s.settle().refs.is_empty(), "settled once");
    }

    #[test]
    fn classes_and_ids_match_whatever_their_case_in_quirks_mode_only() {
        let css = ".Hero{background-image:url(class.png)} #Main .Inner{background-image:url(id.png)} \
                   [class=box]{background-image:url(attr.png)} [class=BOX]{background-image:url(attr-case.png)}";
        let body =
            "<div class=hero></div><div id=main><p class=INNER>x</p></div><b class=box>b</b>";
        // No doctype: quirks mode. Chromium 156 loads class.png, id.png and attr.png from
        // this page, and only attr.png with a doctype (an attribute value keeps its case).
        assert_eq!(images(body, &[css]), ["class.png", "id.png", "attr.png"]);
        let standards = format!("<!doctype html>{body}");
        assert_eq!(images(&standards, &[css]), ["attr.png"]);
    }

    #[test]
    fn css_images_inside_non_matching_media_are_not_loaded() {
        let got = images("<div class=hero></div>", &["@media (max-width: 600px) { .hero{background:url(m.png)} } @media (min-width: 900px) { .hero{background:url(d.png)} }"]);
        assert_eq!(got, ["d.png"]);
    }

    #[test]
    fn a_matching_media_rule_overrides_an_earlier_background_and_only_the_winner_loads() {
        let got = images("<div class=hero></div>", &[".hero{background-image:url(small.png)} @media (min-width: 600px){.hero{background-image:url(large.png)}}"]);
        assert_eq!(got, ["large.png"]);
    }

    #[test]
    fn a_later_background_none_means_no_image() {
        assert!(images(
            "<a class=btn></a>",
            &[".btn{background:url(x.png)} .btn{background:none}"]
        )
        .is_empty());
        // A later sheet overrides an earlier one: order of appearance across sheets.
        assert!(images(
            "<a class=btn></a>",
            &[".btn{background:url(x.png)}", ".btn{background:red}"]
        )
        .is_empty());
    }

    #[test]
    fn important_beats_later_and_more_specific_declarations() {
        let got = images("<div id=i class=imp></div>", &[".imp{background-image:url(win.png)!important} #i.imp{background-image:url(lose.png)}"]);
        assert_eq!(got, ["win.png"]);
    }

    #[test]
    fn the_more_specific_selector_wins_whatever_its_order() {
        let got = images(
            "<div class=sp></div>",
            &["div.sp{background-image:url(win.png)} .sp{background-image:url(lose.png)}"],
        );
        assert_eq!(got, ["win.png"]);
    }

    #[test]
    fn a_declaration_made_invalid_by_trailing_junk_is_dropped() {
        let got = images(
            "<div class=j></div>",
            &[".j{background-image:url(ok.png)} .j{background-image:url(bad.png) foo}"],
        );
        assert_eq!(got, ["ok.png"]);
    }

    #[test]
    fn layers_lose_to_later_layers_and_to_unlayered_rules() {
        let html = "<div class=ly></div>";
        let got = images(html, &["@layer base, top; @layer top{.ly{background-image:url(top.png)}} @layer base{.ly{background-image:url(base.png)}}"]);
        assert_eq!(got, ["top.png"]);
        let got = images(html, &[".ly{background-image:url(unlayered.png)} @layer x{.ly{background-image:url(layered.png)}}"]);
        assert_eq!(got, ["unlayered.png"]);
        // Important declarations in an earlier layer beat those of later layers.
        let got = images(html, &["@layer a{.ly{background-image:url(a.png)!important}} @layer b{.ly{background-image:url(b.png)!important}}"]);
        assert_eq!(got, ["a.png"]);
    }

    #[test]
    fn false_supports_and_containers_that_do_not_exist_apply_nothing() {
        let html = "<div class=sf></div><div class=cq></div>";
        let got = images(html, &["@supports (display: nonsense){.sf{background-image:url(no.png)}} @supports (display: grid){.sf{background-image:url(yes.png)}} @container (min-width: 10px){.cq{background-image:url(cq.png)}}"]);
        assert_eq!(got, ["yes.png"]);
        let got = images(html, &[".cq{container-type:inline-size} @container (min-width: 10px){.cq{background-image:url(cq.png)}}"]);
        assert_eq!(got, ["cq.png"]);
    }

    #[test]
    fn an_import_whose_supports_condition_is_false_is_not_requested() {
        let mut s = styles("<p>t</p>");
        let out = add(&mut s, "@import url(a.css) supports(display: nonsense); @import url(b.css) supports(display: grid) screen; @import url(c.css) layer(x);");
        assert_eq!(
            names(
                &out.imports
                    .iter()
                    .map(|i| i.reference.clone())
                    .collect::<Vec<_>>()
            ),
            ["b.css", "c.css"]
        );
        assert_eq!(out.imports[1].place.layer.as_deref(), Some("x"));
        assert_eq!(out.imports[0].place.order, [1, 1]);
    }

    #[test]
    fn the_style_attribute_beats_sheets_unless_they_are_important() {
        let mut s = styles("<div class=in style='background-image:url(inline.png)'></div>");
        add(&mut s, ".in{background-image:url(sheet.png)}");
        let node = s
            .doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().name() == "div")
            .unwrap()
            .id();
        let base = Url::parse("http://t.test/").unwrap();
        let rule = css::parse_declarations("background-image:url(inline.png)", 1.0);
        s.add_inline(rule, node, (&base, &base, UTF_8), "div", Some(1));
        assert_eq!(names(&s.settle().refs), ["inline.png"]);
    }

    #[test]
    fn elements_that_are_not_rendered_load_no_css_image() {
        let html = "<div class=dn></div><div class=p><span class=c></span></div><div hidden class=h></div><div class='m open'></div>";
        let got = images(html, &[".dn{display:none;background-image:url(dn.png)} .p{display:none} .c{background-image:url(child.png)} .h{background-image:url(h.png)} .m{display:none} .m.open{display:block;background:url(open.png)}"]);
        assert_eq!(got, ["open.png"]);
    }

    #[test]
    fn a_pseudo_element_is_styled_apart_from_its_element_and_loads_only_with_content() {
        let got = images(
            "<p class=pb></p>",
            &[".pb::before{content:'';background-image:url(before.png)}"],
        );
        assert_eq!(got, ["before.png"]);
        // The element's own style attribute does not reach its ::before (Lighthouse's dbw page).
        let mut s = styles("<h2 id=toppy style=\"background-image:url('')\">t</h2>");
        add(
            &mut s,
            "#toppy::before{content:'';background-image:url(lcp.jpg)}",
        );
        let node = s
            .doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().name() == "h2")
            .unwrap()
            .id();
        let base = Url::parse("http://t.test/").unwrap();
        let rule = css::parse_declarations("background-image:url('')", 1.0);
        s.add_inline(rule, node, (&base, &base, UTF_8), "h2", Some(1));
        assert_eq!(names(&s.settle().refs), ["lcp.jpg"]);
        // No content: no image. A `content: none` still does (as Chromium 156 does).
        assert!(images(
            "<p class=a></p>",
            &[".a::after{background-image:url(x.png)}"]
        )
        .is_empty());
        let got = images(
            "<p class=a></p>",
            &[".a::before{content:'';background:url(x.png)} .a::before{content:none}"],
        );
        assert_eq!(got, ["x.png"]);
    }

    #[test]
    fn fonts_load_only_for_used_families_even_when_the_use_comes_in_a_later_sheet() {
        let mut s = styles("<p class=x>t</p>");
        let faces = "@font-face{font-family:Used;src:url(u.woff2) format('woff2'),url(u.woff) format('woff')} @font-face{font-family:Unused;src:url(n.woff2)}";
        assert!(add(&mut s, faces).refs.is_empty());
        let rules = "p.x { font-family: 'Used', sans-serif }";
        assert_eq!(names(&add(&mut s, rules).refs), ["u.woff2"]);
        // A second use does not request the face again.
        assert!(add(&mut s, rules).refs.is_empty());
    }

    #[test]
    fn only_the_weights_and_styles_a_page_uses_load_their_faces() {
        // Regular text and a <strong>: the 400 and 700 faces, not 300, 800 or the italics.
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
        let mut s = styles("<p>text <strong>bold</strong></p>");
        let out = add(&mut s, &css_text);
        let mut got = names(&out.refs);
        got.sort();
        assert_eq!(got, ["400.woff2", "700.woff2"]);
        // An <em> on the page makes the italics needed too.
        let mut s = styles("<p>text <em>it</em></p>");
        let out = add(&mut s, &css_text);
        let mut got = names(&out.refs);
        got.sort();
        assert_eq!(got, ["400.woff2", "400i.woff2"]);
    }

    /// Google Fonts serves each family as faces split by `unicode-range` (cyrillic, greek,
    /// latin ...). Chromium 156 loads, per character of the text, the last declared face
    /// that covers it: a Latin page loads the latin face alone (pagecost took the first
    /// declared, cyrillic-ext on Google's sheets). Each case as Chromium loaded it.
    #[test]
    fn unicode_ranges_load_the_faces_the_text_needs_the_last_declared_first() {
        let css_text = "@font-face{font-family:Seg;src:url(cyr.woff2);unicode-range:U+0400-045F}\
            @font-face{font-family:Seg;src:url(greek.woff2);unicode-range:U+0370-03FF}\
            @font-face{font-family:Seg;src:url(wild.woff2);unicode-range:U+4??}\
            @font-face{font-family:Seg;src:url(latin.woff2);unicode-range:U+0000-00FF,U+0131,U+20AC}\
            p{font-family:Seg}";
        let loads = |html: &str| {
            let mut s = styles(html);
            let out = add(&mut s, css_text);
            let mut got: Vec<String> = names(&out.refs).into_iter().map(String::from).collect();
            got.sort();
            got
        };
        assert_eq!(loads("<p>Hello world</p>"), ["latin.woff2"]);
        assert_eq!(loads("<p>\u{3a9}\u{3bc}</p>"), ["greek.woff2"]);
        // The space between two Greek words is drawn with the latin face.
        assert_eq!(
            loads("<p>\u{3a9}\u{3bc} \u{3a9}\u{3bc}</p>"),
            ["greek.woff2", "latin.woff2"]
        );
        // Cyrillic: the wildcard range U+4?? is declared later than U+0400-045F, so it wins.
        assert_eq!(loads("<p>\u{41f}\u{440}</p>"), ["wild.woff2"]);
        assert_eq!(loads("<p>\u{131}</p>"), ["latin.woff2"]);
        // Text that is not rendered, and whitespace alone, load nothing more.
        assert_eq!(
            loads("<p>Hi<span hidden>\u{3a9}</span><script>'\u{3a9}'</script></p>"),
            ["latin.woff2"]
        );
        assert!(loads("<p>   </p>").is_empty());
        // Only the text of the elements that use the family (Chromium loaded latin alone),
        // with what their descendants inherit.
        assert_eq!(
            loads("<p>Hello</p><div>\u{3a9}\u{3bc}\u{41f}</div>"),
            ["latin.woff2"]
        );
        assert_eq!(
            loads("<p>Hi <b>\u{3a9}</b></p><h1>\u{41f}</h1>"),
            ["greek.woff2", "latin.woff2"]
        );
        // A family in a style attribute: that element's text.
        let mut s = styles("<div style=\"font-family:Seg\">\u{3a9}</div><p>x</p>");
        let faces_only = css_text.replace("p{font-family:Seg}", "");
        let _ = add(&mut s, &faces_only);
        let node = s
            .doc
            .select(&scraper::Selector::parse("div").unwrap())
            .next()
            .unwrap()
            .id();
        let base = Url::parse("http://t.test/").unwrap();
        let rule = css::parse_declarations("font-family:Seg", 1.0);
        let out = s.add_inline(rule, node, (&base, &base, UTF_8), "div", Some(1));
        assert_eq!(names(&out.refs), ["greek.woff2"]);
        // Declared alike without ranges: the last face alone (Chromium loaded `second`).
        let mut s = styles("<p>x</p>");
        let dup = "@font-face{font-family:D;src:url(first.woff2)} @font-face{font-family:D;src:url(second.woff2)} p{font-family:D}";
        assert_eq!(names(&add(&mut s, dup).refs), ["second.woff2"]);
        // A face without ranges declared after one with covers what the first does not.
        let mut s = styles("<p>Hello \u{3a9}</p>");
        let ov = "@font-face{font-family:O;src:url(all.woff2)} @font-face{font-family:O;src:url(latin.woff2);unicode-range:U+0-FF} p{font-family:O}";
        let out = add(&mut s, ov);
        let mut got = names(&out.refs);
        got.sort();
        assert_eq!(got, ["all.woff2", "latin.woff2"]);
    }

    #[test]
    fn a_missing_weight_falls_back_to_the_nearest_face_as_css_font_matching_says() {
        let mut s = styles("<code>x</code>");
        let css_text = ":root { --mono: Mono, monospace } code { font-family: var(--mono); font-weight: 500 } @font-face { font-family: Mono; font-weight: 300; src: url(m300.woff2) } @font-face { font-family: Mono; font-weight: 700; src: url(m700.woff2) }";
        // 400 (no 400-500 face above, so down: 300) and 500 (same: 300).
        assert_eq!(names(&add(&mut s, css_text).refs), ["m300.woff2"]);
    }

    #[test]
    fn imports_are_requested_whatever_their_media_but_only_matching_ones_apply() {
        let mut s = styles("<p>t</p>");
        let out = add(&mut s, "@import url(a.css); @import url(p.css) print;");
        let ok: Vec<bool> = out.imports.iter().map(|i| i.place.media_ok).collect();
        assert_eq!(ok, [true, false]);
        assert_eq!(
            out.imports[0].reference.initiator.kind,
            InitiatorKind::Import
        );
    }

    #[test]
    fn a_sheet_whose_media_does_not_match_contributes_nothing() {
        let mut s = styles("<p class=x>t</p>");
        assert!(add_at(
            &mut s,
            ".x{background:url(a.png)}",
            "http://t.test/print.css",
            1,
            false
        )
        .refs
        .is_empty());
        assert!(s.settle().refs.is_empty());
    }
}
