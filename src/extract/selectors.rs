//! Selectors matched against a document at load time, as a browser's style engine would:
//! pseudo-elements stripped to their originating element, dynamic pseudo-classes never
//! matching, quirks mode's case-insensitive classes and ids, rule hashes by class and id, and
//! a budget of element checks a hostile page cannot exceed.

use scraper::{ElementRef, Html};
use selectors::matching::QuirksMode;
use selectors::parser::ParseRelative;
use std::collections::HashMap;

/// Whether a selector list matches some element of the document at load time.
///
/// Pseudo-elements (`::before`, `:after` ...) are stripped, so the rule applies to its
/// originating element; dynamic pseudo-classes (`:hover`, `:focus` ...) never match at load;
/// a selector list that does not parse matches nothing (a browser drops the whole rule).
pub fn selector_matches(doc: &Html, selectors: &str) -> bool {
    let mut unlimited = u64::MAX;
    selector_matches_within(doc, selectors, &mut unlimited, None).unwrap_or(true)
}

/// A selector list parsed once and matched the way the document's mode says: in quirks
/// mode classes and ids match ASCII case-insensitively, as browsers match them (scraper's
/// own `Selector::matches` always takes standards mode). The matcher's caches live as long
/// as it does, not one element.
pub struct Matcher {
    list: selectors::SelectorList<scraper::selector::Simple>,
    quirks: QuirksMode,
    caches: selectors::matching::SelectorCaches,
}

impl Matcher {
    /// The selector list for `doc`; None when it does not parse (a browser drops the rule).
    pub fn parse(doc: &Html, selectors: &str) -> Option<Matcher> {
        let mut input = cssparser::Parser::new(selectors);
        let parser = scraper::selector::Parser;
        let list = selectors::SelectorList::parse(&parser, &mut input, ParseRelative::No).ok()?;
        Some(Matcher {
            list,
            quirks: match doc.quirks_mode {
                html5ever::tree_builder::QuirksMode::Quirks => QuirksMode::Quirks,
                html5ever::tree_builder::QuirksMode::LimitedQuirks => QuirksMode::LimitedQuirks,
                html5ever::tree_builder::QuirksMode::NoQuirks => QuirksMode::NoQuirks,
            },
            caches: Default::default(),
        })
    }

    /// Whether it matches the element.
    pub fn matches(&mut self, el: &ElementRef) -> bool {
        use selectors::matching::{
            matches_selector_list, MatchingContext, MatchingForInvalidation, MatchingMode,
            NeedsSelectorFlags,
        };
        let mut context = MatchingContext::new(
            MatchingMode::Normal,
            None,
            &mut self.caches,
            self.quirks,
            NeedsSelectorFlags::No,
            MatchingForInvalidation::No,
        );
        matches_selector_list(&self.list, el, &mut context)
    }
}

/// The classes and ids of a document with the elements carrying each, in document order:
/// a selector that names an absent one is rejected without a walk, and one whose subject
/// (its last compound) names a class or id is tried only on the elements that have it, as
/// browsers' rule hashes do. Without it, a page with a rule per element (`.f1` ... `.f9999`,
/// each on one element) costs rules x elements checks.
#[derive(Debug, Default)]
pub struct Names {
    classes: HashMap<String, Vec<ego_tree::NodeId>>,
    ids: HashMap<String, Vec<ego_tree::NodeId>>,
    /// The element names present (local names, as the parser gives them).
    tags: std::collections::HashSet<String>,
    /// Quirks mode: names are kept and looked up in ASCII lowercase.
    fold: bool,
}

/// Where to look for the elements one compound selector may match.
enum Candidates<'a> {
    /// Nowhere: it names a class or id the document lacks.
    None,
    /// Only these elements (in document order).
    Only(&'a [ego_tree::NodeId]),
    /// Every element.
    All,
}

impl Names {
    /// Collects them in one walk.
    pub fn of(doc: &Html) -> Names {
        let fold = doc.quirks_mode == html5ever::tree_builder::QuirksMode::Quirks;
        let key = |name: &str| {
            if fold {
                name.to_ascii_lowercase()
            } else {
                name.to_string()
            }
        };
        let mut n = Names {
            fold,
            ..Names::default()
        };
        for el in doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
        {
            for class in el.value().classes() {
                let with = n.classes.entry(key(class)).or_default();
                if with.last() != Some(&el.id()) {
                    with.push(el.id()); // `class="a a"` lists the element once
                }
            }
            if let Some(id) = el.value().id() {
                n.ids.entry(key(id)).or_default().push(el.id());
            }
            let tag = el.value().name();
            if !n.tags.contains(tag) {
                n.tags.insert(tag.to_string());
            }
        }
        n
    }

    /// Whether some element has one of these names (HTML names are lowercase).
    pub fn has_any_tag(&self, tags: &[&str]) -> bool {
        tags.iter().any(|t| self.tags.contains(*t))
    }

    /// Whether every class and id a complex selector requires outside functional
    /// pseudo-classes (`:not(.x)` needs no `.x`) and attribute selectors is present. Exact
    /// for what it rejects; a selector with escapes is never rejected.
    #[cfg(test)]
    fn may_match(&self, part: &str) -> bool {
        !matches!(self.candidates(part), Candidates::None)
    }

    /// The elements worth trying for a complex selector: none when it requires a class or
    /// id the document lacks; those with the rarest class or id its subject requires; else
    /// all of them.
    fn candidates(&self, part: &str) -> Candidates<'_> {
        let part = part.trim();
        if part.contains('\\') {
            return Candidates::All;
        }
        let (names, subject) = required_names(part);
        let mut best: Option<&[ego_tree::NodeId]> = None;
        for n in &names {
            let set = if n.id { &self.ids } else { &self.classes };
            let found = if self.fold {
                set.get(&n.name.to_ascii_lowercase())
            } else {
                set.get(n.name)
            };
            let Some(found) = found else {
                return Candidates::None;
            };
            if n.compound == subject && best.is_none_or(|b| found.len() < b.len()) {
                best = Some(found);
            }
        }
        best.map_or(Candidates::All, Candidates::Only)
    }
}

/// A class (`.x`) or id (`#x`) a selector requires, and which compound of it (counted from
/// 0 at the left; compounds are separated by combinators) requires it.
struct RequiredName<'a> {
    name: &'a str,
    id: bool,
    compound: usize,
}

/// The classes and ids of a complex selector outside brackets, parentheses and quotes, in
/// order, and the number of its last compound (the subject).
fn required_names(part: &str) -> (Vec<RequiredName<'_>>, usize) {
    let b = part.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut depth, mut quote, mut compound) = (0usize, 0i32, None::<u8>, 0usize);
    while i < b.len() {
        let c = b[i];
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'(' | b'[') => depth += 1,
            (None, b')' | b']') => depth -= 1,
            (None, b' ' | b'\t' | b'\n' | b'>' | b'+' | b'~') if depth == 0 => compound += 1,
            (None, b'.' | b'#') if depth == 0 => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && is_name_byte(b[j]) {
                    j += 1;
                }
                if j > start {
                    let name = &part[start..j];
                    out.push(RequiredName {
                        name,
                        id: c == b'#',
                        compound,
                    });
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (out, compound)
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c >= 0x80
}

/// [`selector_matches`] spending at most `budget` element checks (it is decremented); `None`
/// when the budget ran out before an answer. A hostile page can pair tens of thousands of
/// rules with tens of thousands of elements: unbounded, that is a minute of CPU or more.
pub fn selector_matches_within(
    doc: &Html,
    selectors: &str,
    budget: &mut u64,
    names: Option<&Names>,
) -> Option<bool> {
    let stripped = strip_pseudo_elements(selectors);
    let parts: Vec<&str> = split_selector_list(&stripped);
    // A list with an empty member (e.g. only `::selection`) cannot select at load.
    for part in parts {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let candidates = names.map_or(Candidates::All, |n| n.candidates(part));
        if matches!(candidates, Candidates::None) {
            continue; // names a class or id the document does not have
        }
        let Some(mut sel) = Matcher::parse(doc, part) else {
            continue;
        };
        let mut hit = false;
        each_match(doc, &mut sel, candidates, budget, |_| {
            hit = true;
            true
        })?;
        if hit {
            return Some(true);
        }
    }
    Some(false)
}

/// Calls `found` on each element among `candidates` that `sel` matches, in document order,
/// until it returns true. Every element looked at costs one unit of `budget`; None when it
/// ran out.
fn each_match(
    doc: &Html,
    sel: &mut Matcher,
    candidates: Candidates<'_>,
    budget: &mut u64,
    mut found: impl FnMut(scraper::ElementRef) -> bool,
) -> Option<()> {
    let elements: Box<dyn Iterator<Item = scraper::ElementRef>> = match candidates {
        Candidates::None => return Some(()),
        Candidates::Only(ids) => Box::new(
            ids.iter()
                .filter_map(|&id| doc.tree.get(id).and_then(scraper::ElementRef::wrap)),
        ),
        Candidates::All => Box::new(
            doc.root_element()
                .descendants()
                .filter_map(scraper::ElementRef::wrap),
        ),
    };
    for el in elements {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        if sel.matches(&el) && found(el) {
            break;
        }
    }
    Some(())
}

/// One member of a selector list as the cascade sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectorPart {
    /// The selector of the originating element (pseudo-elements stripped).
    pub selector: String,
    /// The pseudo-element it styles (`before`, `after` ...), lowercase; `None`: the element.
    pub pseudo: Option<String>,
    /// Its specificity, packed as `a << 20 | b << 10 | c`.
    pub specificity: u32,
}

/// The members of a selector list that can match at load time.
pub fn selector_parts(selectors: &str) -> Vec<SelectorPart> {
    split_selector_list(selectors)
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter_map(|part| {
            let (stripped, pseudo) = split_pseudo_element(part);
            let selector = stripped.trim().to_string();
            let specificity = super::cascade::specificity(part);
            (!selector.is_empty()).then_some(SelectorPart {
                selector,
                pseudo,
                specificity,
            })
        })
        .collect()
}

/// The elements one complex selector matches, spending at most `budget` element checks
/// (`None` when it ran out). A selector that does not parse, or names a class or id the
/// document lacks, matches nothing.
pub fn matching_elements(
    doc: &Html,
    part: &str,
    budget: &mut u64,
    names: &Names,
) -> Option<Vec<ego_tree::NodeId>> {
    let candidates = names.candidates(part);
    if matches!(candidates, Candidates::None) {
        return Some(Vec::new());
    }
    let Some(mut sel) = Matcher::parse(doc, part) else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    each_match(doc, &mut sel, candidates, budget, |el| {
        out.push(el.id());
        false
    })?;
    Some(out)
}

fn split_selector_list(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut quote) = (0i32, 0usize, None::<char>);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Removes `::name(...)` pseudo-elements and the legacy one-colon `:before`, `:after`,
/// `:first-line`, `:first-letter`, outside strings and attribute selectors.
fn strip_pseudo_elements(s: &str) -> String {
    split_pseudo_element(s).0
}

/// A selector without its pseudo-elements, and the first one's name (lowercase).
fn split_pseudo_element(s: &str) -> (String, Option<String>) {
    const LEGACY: [&str; 4] = ["before", "after", "first-line", "first-letter"];
    let b = s.as_bytes();
    let mut pseudo: Option<String> = None;
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut bracket = 0;
    let mut quote: Option<u8> = None;
    let ident_end = |mut j: usize| {
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b'_') {
            j += 1;
        }
        j
    };
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else if c == b'"' || c == b'\'' {
            quote = Some(c);
        } else if c == b'[' {
            bracket += 1;
        } else if c == b']' {
            bracket -= 1;
        } else if c == b':' && bracket == 0 {
            let double = b.get(i + 1) == Some(&b':');
            let name_start = if double { i + 2 } else { i + 1 };
            let end = ident_end(name_start);
            let name = s[name_start..end].to_ascii_lowercase();
            if double || LEGACY.contains(&name.as_str()) {
                pseudo.get_or_insert(name);
                i = past_arguments(b, end);
                continue;
            }
        }
        // Copy one UTF-8 character.
        let len = utf8_len(c);
        out.push_str(&s[i..(i + len).min(s.len())]);
        i += len;
    }
    (out, pseudo)
}

/// Where a pseudo-element's name ending at `end` ends with its arguments: past the `)`
/// that closes a `(` at `end`, else `end`.
fn past_arguments(b: &[u8], end: usize) -> usize {
    if b.get(end) != Some(&b'(') {
        return end;
    }
    let mut depth = 0;
    for (j, c) in b.iter().enumerate().skip(end) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    b.len()
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::html::parse_document;

    #[test]
    fn selectors_match_like_a_browser_at_load_time() {
        let doc = parse_document("<div class=hero><p id=x>t</p></div><a href=#>l</a>");
        assert!(selector_matches(&doc, ".hero"));
        assert!(selector_matches(&doc, ".nope, .hero p"));
        assert!(selector_matches(&doc, ".hero::before"));
        assert!(selector_matches(&doc, "#x:after"));
        assert!(!selector_matches(&doc, "a:hover"));
        assert!(!selector_matches(&doc, ".missing"));
        assert!(!selector_matches(&doc, "::selection"));
        assert!(!selector_matches(&doc, "[[[invalid"));
        assert!(selector_matches(&doc, "a[href=\"#\"]"));
    }

    #[test]
    fn selectors_naming_absent_classes_or_ids_are_rejected_without_a_walk() {
        let doc = parse_document("<div class='hero big'><p id=x>t</p></div><a href=#>l</a>");
        let names = Names::of(&doc);
        for (sel, may) in [
            (".hero p", true),
            ("div.big #x", true),
            (".hero .gone", false),
            ("#nope", false),
            ("p:not(.gone)", true),
            ("a[href='.x#y']", true),
            (":is(.gone, .hero) p", true),
            (".a\\:b", true),
            ("div.héro", false),
        ] {
            assert_eq!(names.may_match(sel), may, "{sel}");
        }
        // Same answers with the filter as without it.
        for sel in [".hero p", ".hero .gone", "p:not(.gone)", "#x", "#nope"] {
            let mut budget = u64::MAX;
            assert_eq!(
                selector_matches_within(&doc, sel, &mut budget, Some(&names)),
                Some(selector_matches(&doc, sel)),
                "{sel}"
            );
        }
    }

    #[test]
    fn a_subject_class_or_id_narrows_matching_to_its_elements_with_the_same_answers() {
        let mut html = String::from("<main id=m class='wrap a'>");
        for i in 0..2_000 {
            html.push_str(&format!("<p><span class='f{i} x'>t</span></p>"));
        }
        html.push_str("<div class='a a'><em id=e>e</em></div></main>");
        let doc = parse_document(&html);
        let names = Names::of(&doc);
        let mut budget = 10;
        assert_eq!(
            selector_matches_within(&doc, ".f1999", &mut budget, Some(&names)),
            Some(true)
        );
        assert_eq!(budget, 9, "one element tried, not 2,000");
        for sel in [
            ".f7",
            ".x.f3",
            "#m .f12",
            ".wrap > p > .f5",
            "p .f5",
            "p + div.a",
            "div.a",
            ".a em",
            "#e",
            ".a > #e",
            ".f3:not(.y)",
            ".x",
            "p:first-child .f0",
            "[class~=f4]",
            "main.a #e",
        ] {
            let mut b = u64::MAX;
            let indexed = matching_elements(&doc, sel, &mut b, &names).unwrap();
            let walked = walked_without_index(&doc, sel);
            assert!(!walked.is_empty(), "{sel} matches something");
            assert_eq!(indexed, walked, "{sel}");
        }
    }

    /// The elements a selector matches, by trying every element.
    fn walked_without_index(doc: &Html, sel: &str) -> Vec<ego_tree::NodeId> {
        let sel = scraper::Selector::parse(sel).unwrap();
        let mut all = Vec::new();
        for el in doc
            .root_element()
            .descendants()
            .filter_map(ElementRef::wrap)
        {
            if sel.matches(&el) {
                all.push(el.id());
            }
        }
        all
    }

    #[test]
    fn selector_matching_stops_when_its_budget_is_spent() {
        let doc = parse_document(&"<div><span>x</span></div>".repeat(100));
        let mut budget = 50;
        assert_eq!(selector_matches_within(&doc, "em", &mut budget, None), None);
        assert_eq!(budget, 0);
        let mut budget = 1_000;
        assert_eq!(
            selector_matches_within(&doc, "em", &mut budget, None),
            Some(false)
        );
        assert!(budget < 1_000 - 200, "every element was checked");
        let mut budget = 1_000;
        assert_eq!(
            selector_matches_within(&doc, "span", &mut budget, None),
            Some(true)
        );
    }
}
