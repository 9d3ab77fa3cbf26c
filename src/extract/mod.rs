//! Pure functions from text to references: what a document or stylesheet would make a
//! browser request, each with its initiator. No I/O here; everything is tested from literals.

pub mod cascade;
pub mod comments;
pub mod css;
pub mod encoding;
pub mod flatten;
pub mod html;
pub mod media;
pub mod selectors;
pub mod srcset;
pub mod styles;
pub mod supports;

use crate::model::{Initiator, InitiatorKind, ResourceType, Skipped};
use url::Url;

/// The screen a page is loaded for: it decides media queries, `sizes` and `srcset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// Width in CSS px.
    pub width: f64,
    /// Height in CSS px.
    pub height: f64,
    /// Device pixel ratio.
    pub dpr: f64,
    /// A touch device without hover (mobile preset).
    pub mobile: bool,
}

/// Default viewport: Chromium's headless desktop window as the corpus was recorded.
pub const DEFAULT_VIEWPORT: Viewport = Viewport {
    width: 1350.0,
    height: 940.0,
    dpr: 1.0,
    mobile: false,
};

impl Default for Viewport {
    fn default() -> Self {
        DEFAULT_VIEWPORT
    }
}

/// Lighthouse's mobile preset: 412x823 at DPR 1.75, touch, no hover.
pub const MOBILE_VIEWPORT: Viewport = Viewport {
    width: 412.0,
    height: 823.0,
    dpr: 1.75,
    mobile: true,
};

/// Highest device pixel ratio accepted (phones reach 4).
pub const MAX_DPR: f64 = 10.0;

impl Viewport {
    /// Checks what can be wrong: a device pixel ratio must be more than 0 and at most
    /// [`MAX_DPR`].
    pub fn validate(&self) -> crate::Result<()> {
        if !(self.dpr > 0.0 && self.dpr <= MAX_DPR) {
            return Err(crate::Error::setting(
                crate::error::Setting::Dpr,
                self.dpr.to_string(),
                format!("must be more than 0 and at most {MAX_DPR}"),
            ));
        }
        Ok(())
    }
}

/// A URL a document or stylesheet makes the browser request.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Absolute URL, fragment removed.
    pub url: Url,
    /// What it is loaded as.
    pub resource_type: ResourceType,
    /// Where it was referenced.
    pub initiator: Initiator,
    /// `loading=lazy`.
    pub lazy: bool,
    /// For a stylesheet: the media it applies to (`media` attribute; `not all` for an
    /// alternate sheet, which is fetched but not applied). `None` applies everywhere.
    pub media: Option<String>,
    /// The referring element's place among the document's elements, counted from 1 (0 for
    /// a reference made by a stylesheet): orders stylesheets in the cascade.
    pub order: u32,
}

/// Why a referenced URL is not requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFetchable {
    /// Empty attribute: no request.
    Empty,
    /// `data:`.
    Data,
    /// `javascript:`.
    Javascript,
    /// Another scheme (`mailto:`, `about:`, `blob:` ...).
    OtherScheme,
    /// Not a URL.
    Invalid,
}

/// Resolves a raw reference against a base, as a browser would before fetching it.
pub fn resolve(raw: &str, base: &Url) -> Result<Url, NotFetchable> {
    resolve_in(raw, base, encoding_rs::UTF_8)
}

/// [`resolve`] for a reference written in a document or sheet decoded as `enc`: its query is
/// written in that encoding, as the URL standard says.
pub fn resolve_in(raw: &str, base: &Url, enc: encoding::Enc) -> Result<Url, NotFetchable> {
    let t = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        return Err(NotFetchable::Empty);
    }
    let lower_prefix: String = t.chars().take(11).collect::<String>().to_ascii_lowercase();
    if lower_prefix.starts_with("data:") {
        return Err(NotFetchable::Data);
    }
    if lower_prefix.starts_with("javascript:") {
        return Err(NotFetchable::Javascript);
    }
    let mut u = encoding::join(base, t, enc).map_err(|_| NotFetchable::Invalid)?;
    match u.scheme() {
        // A local document's (file://) subresources are local files (`links --kind resource`);
        // pages loaded over HTTP never resolve to file URLs.
        "http" | "https" | "file" if u.scheme() != "file" || base.scheme() == "file" => {
            u.set_fragment(None);
            Ok(u)
        }
        "data" => Err(NotFetchable::Data),
        _ => Err(NotFetchable::OtherScheme),
    }
}

/// Counts a not-fetchable reference in the load's `skipped` tally.
pub fn count_skip(skipped: &mut Skipped, why: NotFetchable) {
    match why {
        NotFetchable::Empty => {}
        NotFetchable::Data => skipped.data += 1,
        NotFetchable::Javascript => skipped.javascript += 1,
        NotFetchable::OtherScheme => skipped.other_scheme += 1,
        NotFetchable::Invalid => skipped.invalid += 1,
    }
}

/// An initiator inside a document or stylesheet.
pub(crate) fn initiator(
    kind: InitiatorKind,
    source: &Url,
    element: &str,
    attribute: Option<&str>,
    pos: Option<(u32, u32)>,
) -> Initiator {
    Initiator {
        kind,
        url: Some(source.to_string()),
        element: Some(element.to_string()),
        attribute: attribute.map(str::to_string),
        line: pos.map(|p| p.0),
        column: pos.map(|p| p.1),
        inferred: None,
    }
}

/// Finds where attribute values appear in a source text, scanning forward in document
/// order, so that each reference can name its line and column.
///
/// Linear in the text whatever the page holds: a value that is not in the text as written
/// (character references such as `&#x61;`) costs a scan of the rest of the text, so such
/// scans share a budget of a few times the text's length; past it, a value is looked for
/// only near the cursor and may be reported without a position (unknown, never guessed).
pub(crate) struct SourceLocator<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    cursor: usize,
    /// Bytes that failed searches may still scan in full.
    budget: usize,
    /// The last position computed (offset, line index, column), to count columns onward
    /// from it: a minified page is one long line.
    last: (usize, usize, u32),
    /// Bytes searched so far (what the budget bounds).
    scanned: usize,
}

/// How far past the cursor a value is looked for once the scan budget is spent.
const NEAR: usize = 64 * 1024;

impl<'a> SourceLocator<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceLocator {
            text,
            line_starts,
            cursor: 0,
            budget: 4 * text.len() + (1 << 20),
            last: (0, 0, 1),
            scanned: 0,
        }
    }

    /// 1-based (line, column) of a byte offset (at a character boundary).
    fn position(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|s| *s <= offset);
        let start = self.line_starts[line - 1];
        let (last_at, last_line, last_col) = self.last;
        // Count characters from the previous position when it is earlier on the same line.
        let (from, base) = if last_line == line && last_at >= start && last_at <= offset {
            (last_at, last_col)
        } else {
            (start, 1)
        };
        let col = base + self.text[from..offset].chars().count() as u32;
        self.last = (offset, line, col);
        (line as u32, col)
    }

    /// Position of the next occurrence of `needle` (as written, or with `&` as `&amp;`)
    /// from the cursor; falls back to the first occurrence anywhere.
    pub(crate) fn find(&mut self, needle: &str) -> Option<(u32, u32)> {
        if needle.is_empty() {
            return None;
        }
        let amp = needle.contains('&').then(|| needle.replace('&', "&amp;"));
        let forms = std::iter::once(needle).chain(amp.as_deref());
        let text = self.text.as_bytes();
        let rest = text.len() - self.cursor;
        let span = if self.budget >= rest {
            rest
        } else {
            rest.min(NEAR)
        };
        let ahead = &text[self.cursor..self.cursor + span];
        let mut found = None;
        for form in forms {
            if let Some(i) = memchr::memmem::find(ahead, form.as_bytes()) {
                found = Some((self.cursor + i, form.len()));
                self.scanned += i + form.len();
                break;
            }
            self.scanned += span;
        }
        if found.is_none() {
            self.budget = self.budget.saturating_sub(span);
            // Out of document order (before the cursor): one more scan, if affordable.
            if self.budget >= self.cursor {
                self.budget -= self.cursor;
                self.scanned += self.cursor;
                found = memchr::memmem::find(&text[..self.cursor], needle.as_bytes())
                    .map(|i| (i, needle.len()));
            }
        }
        let (at, len) = found?;
        self.cursor = self.cursor.max(at + len);
        Some(self.position(at))
    }
}

/// A body as text: borrowed when it is valid UTF-8 (checked with the fast validator; the
/// lossy one walks every byte), else with replacement characters.
pub fn body_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// An owned body as text, without a copy when it is valid UTF-8.
pub fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_on_long_lines_and_across_lines() {
        let text = format!(
            "<p>é</p>\n{}<img src=a.png>{}<img src=b.png>",
            "x".repeat(5000),
            "ü".repeat(3)
        );
        let mut loc = SourceLocator::new(&text);
        assert_eq!(loc.find("a.png"), Some((2, 5010)));
        assert_eq!(
            loc.find("b.png"),
            Some((2, 5028)),
            "columns count characters (ü is 2 bytes)"
        );
        assert_eq!(
            loc.find("a.png"),
            Some((2, 5010)),
            "found again before the cursor"
        );
        assert_eq!(loc.find("nowhere.png"), None);
    }

    #[test]
    fn values_missing_from_the_text_cost_a_bounded_scan() {
        // 2,000 values written with character references (not in the text as parsed) on a
        // 1 MB page: full scans for each would read 2 GB; the budget keeps it linear.
        let text = "<img src=\"&#x61;.png\">".repeat(1_000_000 / 22);
        let mut loc = SourceLocator::new(&text);
        for i in 0..2000 {
            assert_eq!(loc.find(&format!("a{i}.png")), None);
        }
        assert!(
            loc.scanned <= 5 * text.len() + (1 << 20) + 2000 * 2 * NEAR,
            "scanned {} bytes of a {}-byte text",
            loc.scanned,
            text.len()
        );
        assert!(
            loc.find("&#x61;.png").is_some(),
            "literal values are still found"
        );
    }

    #[test]
    fn resolve_classifies_what_is_not_fetched() {
        let base = Url::parse("https://example.org/a/b.html").unwrap();
        assert_eq!(
            resolve("c.png#frag", &base).unwrap().as_str(),
            "https://example.org/a/c.png"
        );
        assert_eq!(
            resolve("//cdn.test/x.js", &base).unwrap().as_str(),
            "https://cdn.test/x.js"
        );
        assert_eq!(resolve("  ", &base), Err(NotFetchable::Empty));
        assert_eq!(
            resolve("data:image/png;base64,AAAA", &base),
            Err(NotFetchable::Data)
        );
        assert_eq!(
            resolve("JavaScript:void(0)", &base),
            Err(NotFetchable::Javascript)
        );
        assert_eq!(
            resolve("mailto:a@b.c", &base),
            Err(NotFetchable::OtherScheme)
        );
        assert_eq!(resolve("http://[bad", &base), Err(NotFetchable::Invalid));
    }

    #[test]
    fn locator_reports_lines_and_columns_in_document_order() {
        let text = "<a>\n  <img src=\"x.png\">\n<img src=\"x.png\">";
        let mut loc = SourceLocator::new(text);
        assert_eq!(loc.find("x.png"), Some((2, 13)));
        assert_eq!(loc.find("x.png"), Some((3, 11)));
        assert_eq!(loc.find("missing"), None);
    }
}
