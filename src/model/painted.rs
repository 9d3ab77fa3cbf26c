//! What painted and what moved (browser engine): the element of the largest contentful
//! paint, and each layout shift with the elements it moved and the elements inserted just
//! before it above them, the likely cause, with the third-party tag that loaded them.

use super::Entry;
use serde::{Deserialize, Serialize};

/// Most layout shifts kept with their details (the score counts them all).
pub const MAX_SHIFTS: usize = 50;

/// The element of the last largest-contentful-paint candidate, as the page's Performance
/// Timeline named it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LcpElement {
    /// Its tag name (`img`, `h1`, `p`); absent when it left the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// A CSS path to it of at most four steps, stopping at an id (`main > article.post > img`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// The image it painted (an `<img>`, a poster, a background image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The start of its text, for a text block (at most 80 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Its painted area in the viewport, CSS pixels squared.
    #[serde(default)]
    pub size: f64,
}

/// One layout shift not caused by input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LayoutShift {
    /// When, milliseconds from the start of the load.
    pub ms: f64,
    /// Its score (the share of the viewport that moved times how far).
    pub score: f64,
    /// The elements that moved (at most five, as the browser reports them).
    #[serde(default)]
    pub moved: Vec<Moved>,
    /// Elements inserted in the second before the shift that stand above or over where a
    /// moved element was, the largest first (at most three): the likely cause. None found
    /// is said as such (a font swap, an image without dimensions, a resize).
    #[serde(default)]
    pub culprits: Vec<Culprit>,
}

/// An element a shift moved, and by how much (CSS pixels; positive `dy` is down).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Moved {
    /// A CSS path to it.
    pub selector: String,
    /// Horizontal move.
    pub dx: f64,
    /// Vertical move.
    pub dy: f64,
}

/// An element inserted before a shift.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Culprit {
    /// A CSS path to it.
    pub selector: String,
    /// What it loads: its own source or its first frame's or image's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The third-party tag that loaded that URL (the tag table's), when it is a request of
    /// the load under a tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// Names each culprit's tag: the tag of the first request of its URL.
pub fn attribute(shifts: &mut [LayoutShift], entries: &[Entry]) {
    let tags = super::chains::tags_of(entries);
    let first = super::chains::first_by_url(entries);
    for c in shifts.iter_mut().flat_map(|s| s.culprits.iter_mut()) {
        let i = c.url.as_deref().and_then(|u| first.get(u));
        c.tag = i.and_then(|i| tags[*i]).map(|t| entries[t].url.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Initiator, InitiatorKind, Party};

    fn entry(url: &str, by: Option<&str>, first_party: bool) -> Entry {
        Entry {
            url: url.into(),
            party: Some(Party {
                first_party,
                ..Party::default()
            }),
            initiator: Initiator {
                kind: InitiatorKind::Script,
                url: by.map(String::from),
                ..Initiator::default()
            },
            ..Entry::default()
        }
    }

    #[test]
    fn a_culprit_is_given_the_tag_of_what_it_loads_and_nothing_else() {
        let entries = [
            entry("https://news.example/", None, true),
            entry(
                "https://ads.example/tag.js",
                Some("https://news.example/"),
                false,
            ),
            entry(
                "https://ads.example/ad.html",
                Some("https://ads.example/tag.js"),
                false,
            ),
            entry(
                "https://news.example/own.png",
                Some("https://news.example/"),
                true,
            ),
        ];
        let culprit = |url: Option<&str>| Culprit {
            selector: "div".into(),
            url: url.map(String::from),
            tag: None,
        };
        let mut shifts = [LayoutShift {
            culprits: vec![
                culprit(Some("https://ads.example/ad.html")),
                culprit(Some("https://news.example/own.png")),
                culprit(Some("https://elsewhere.example/never-loaded.png")),
                culprit(None),
            ],
            ..LayoutShift::default()
        }];
        attribute(&mut shifts, &entries);
        let tags: Vec<Option<&str>> = shifts[0]
            .culprits
            .iter()
            .map(|c| c.tag.as_deref())
            .collect();
        assert_eq!(tags, [Some("https://ads.example/tag.js"), None, None, None]);
    }
}
