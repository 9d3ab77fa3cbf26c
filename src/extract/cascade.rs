//! The order of the CSS cascade (CSS Cascade 5) for author declarations: importance, then
//! cascade layers (reversed for `!important`), the style attribute, specificity, then order
//! of appearance. A [`Priority`] compares as the cascade does: the greatest one wins.

use std::collections::HashMap;

/// Where a declaration stands in the cascade; the greatest wins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Priority {
    /// `!important`.
    pub important: bool,
    /// The layer's place (see [`Layers::key`]); the style attribute above every layer.
    pub layer: Vec<u32>,
    /// Specificity packed as `a << 20 | b << 10 | c`.
    pub specificity: u32,
    /// Order of appearance: the sheet's place in the document, then the rule and the
    /// declaration in it.
    pub order: Vec<u32>,
}

/// The layer key of a style attribute's declarations: above every layer and unlayered
/// style, normal or important.
pub fn style_attribute_key() -> Vec<u32> {
    vec![u32::MAX, u32::MAX]
}

/// The cascade layers of a document in the order they were first named, as a tree: each
/// layer's place among its siblings.
#[derive(Debug, Default)]
pub struct Layers {
    /// Full dotted name -> 1-based index among its siblings.
    index: HashMap<String, u32>,
    /// Children counted per parent (`""` for the top level).
    children: HashMap<String, u32>,
}

impl Layers {
    /// Names a layer (and its parents) if not named yet.
    pub fn name(&mut self, full: &str) {
        let mut parent = String::new();
        for segment in full.split('.') {
            let this = if parent.is_empty() {
                segment.to_string()
            } else {
                format!("{parent}.{segment}")
            };
            if !self.index.contains_key(&this) {
                let n = self.children.entry(parent.clone()).or_insert(0);
                *n += 1;
                self.index.insert(this.clone(), *n);
            }
            parent = this;
        }
    }

    /// The key of a declaration in `layer` (`None`: unlayered). Normal declarations: later
    /// layers win, a layer's own declarations beat its sublayers', unlayered beats every
    /// layer. Important ones: all reversed.
    pub fn key(&self, layer: Option<&str>, important: bool) -> Vec<u32> {
        let mut path: Vec<u32> = Vec::new();
        if let Some(full) = layer {
            let mut name = String::new();
            for segment in full.split('.') {
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(segment);
                path.push(self.index.get(&name).copied().unwrap_or(u32::MAX - 1));
            }
        }
        path.push(u32::MAX); // the layer's own (or the unlayered) declarations
        if important {
            path.iter_mut().for_each(|c| *c = u32::MAX - *c);
        }
        path
    }
}

/// The specificity of one complex selector (no commas at the top level), packed as
/// `a << 20 | b << 10 | c`: ids; classes, attributes and pseudo-classes; types and
/// pseudo-elements. `:is()`, `:not()` and `:has()` count their most specific argument,
/// `:where()` nothing.
pub fn specificity(selector: &str) -> u32 {
    let (a, b, c) = count(selector.as_bytes());
    (a.min(1023) << 20) | (b.min(1023) << 10) | c.min(1023)
}

fn count(s: &[u8]) -> (u32, u32, u32) {
    let (mut a, mut b, mut c) = (0, 0, 0);
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'#' => {
                a += 1;
                i = ident_end(s, i + 1);
            }
            b'.' => {
                b += 1;
                i = ident_end(s, i + 1);
            }
            b'[' => {
                b += 1;
                i = close(s, i, b'[', b']');
            }
            b':' => {
                let (end, (x, y, z)) = pseudo(s, i);
                (a, b, c, i) = (a + x, b + y, c + z, end);
            }
            ch if ch.is_ascii_alphabetic() || ch >= 0x80 => {
                c += 1;
                i = ident_end(s, i);
            }
            b'\'' | b'"' => i = close(s, i, s[i], s[i]),
            _ => i += 1,
        }
    }
    (a, b, c)
}

/// Where the identifier from `j` ends.
fn ident_end(s: &[u8], mut j: usize) -> usize {
    while j < s.len()
        && (s[j].is_ascii_alphanumeric() || matches!(s[j], b'-' | b'_' | b'\\') || s[j] >= 0x80)
    {
        j += 1;
    }
    j
}

/// The pseudo-class or pseudo-element at `i` (its `:`): where it ends, and what it adds to
/// the specificity (`:where()` nothing, `:is()`, `:not()`, `:has()` their most specific
/// argument, a pseudo-element an element's share, a pseudo-class a class's).
fn pseudo(s: &[u8], i: usize) -> (usize, (u32, u32, u32)) {
    let double = s.get(i + 1) == Some(&b':');
    let start = i + 1 + usize::from(double);
    let mut end = ident_end(s, start);
    let name = String::from_utf8_lossy(&s[start..end]).to_ascii_lowercase();
    let legacy = matches!(
        name.as_str(),
        "before" | "after" | "first-line" | "first-letter"
    );
    let args = (s.get(end) == Some(&b'(')).then(|| {
        let stop = close(s, end, b'(', b')');
        let inner = &s[end + 1..stop.saturating_sub(1).max(end + 1)];
        end = stop;
        inner
    });
    let adds = match (name.as_str(), args) {
        ("where", _) => (0, 0, 0),
        ("is" | "not" | "has" | "matches" | "-webkit-any", Some(inner)) => most_specific(inner),
        _ if double || legacy => (0, 0, 1),
        _ => (0, 1, 0),
    };
    (end, adds)
}

/// The most specific member of a selector list.
fn most_specific(list: &[u8]) -> (u32, u32, u32) {
    let mut best = (0, 0, 0);
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, &ch) in list
        .iter()
        .enumerate()
        .chain(std::iter::once((list.len(), &b',')))
    {
        match ch {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b',' if depth <= 0 => {
                best = best.max(count(&list[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    best
}

/// The index just past the bracket closing the one opened at `open_at`.
fn close(s: &[u8], open_at: usize, open: u8, shut: u8) -> usize {
    let mut depth = 0;
    let mut i = open_at;
    while i < s.len() {
        if s[i] == shut && (depth == 1 || open == shut) && i > open_at {
            return i + 1;
        } else if s[i] == open {
            depth += 1;
        } else if s[i] == shut {
            depth -= 1;
        }
        i += 1;
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abc(s: &str) -> (u32, u32, u32) {
        let x = specificity(s);
        (x >> 20, (x >> 10) & 1023, x & 1023)
    }

    #[test]
    fn specificity_counts_ids_classes_and_types_as_selectors_level_4_says() {
        assert_eq!(abc("div.sp"), (0, 1, 1));
        assert_eq!(abc(".sp"), (0, 1, 0));
        assert_eq!(abc("#a .b > p:hover"), (1, 2, 1));
        assert_eq!(abc("a[href^='x']::before"), (0, 1, 2));
        assert_eq!(abc("li:first-child:after"), (0, 1, 2));
        assert_eq!(abc(":is(#a, .b) p"), (1, 0, 1));
        assert_eq!(abc(":where(#a, .b) p"), (0, 0, 1));
        assert_eq!(abc(":not(.x.y)"), (0, 2, 0));
        assert_eq!(abc("*"), (0, 0, 0));
    }

    #[test]
    fn later_layers_win_normal_declarations_and_earlier_layers_win_important_ones() {
        let mut l = Layers::default();
        l.name("base");
        l.name("top");
        l.name("base.inner");
        let normal = |n: Option<&str>| l.key(n, false);
        let important = |n: Option<&str>| l.key(n, true);
        assert!(normal(Some("top")) > normal(Some("base")));
        assert!(normal(None) > normal(Some("top")));
        assert!(normal(Some("base")) > normal(Some("base.inner")));
        assert!(important(Some("base")) > important(Some("top")));
        assert!(important(Some("top")) > important(None));
        assert!(important(Some("base.inner")) > important(Some("base")));
        assert!(style_attribute_key() > normal(None));
        assert!(style_attribute_key() > important(Some("base.inner")));
    }

    #[test]
    fn priority_orders_importance_then_layer_then_specificity_then_order() {
        let p = |important, layer: Vec<u32>, specificity, order: Vec<u32>| Priority {
            important,
            layer,
            specificity,
            order,
        };
        assert!(p(true, vec![0], 0, vec![0]) > p(false, vec![9], 9, vec![9]));
        assert!(p(false, vec![2], 0, vec![0]) > p(false, vec![1], 9, vec![9]));
        assert!(p(false, vec![1], 2, vec![0]) > p(false, vec![1], 1, vec![9]));
        assert!(p(false, vec![1], 1, vec![1, 5]) > p(false, vec![1], 1, vec![1, 2, 9]));
    }
}
