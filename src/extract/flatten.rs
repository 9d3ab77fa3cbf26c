//! Documents too deep to parse into a tree: how deep a text nests, and a flat document with
//! the same subresource references.

/// Elements deeper than this are not parsed into a tree: the HTML parsing algorithm's scope
/// checks cost time in proportion to the depth, so a hostile document nested 100,000 deep
/// would take hours. Browsers cap the tree depth too (Blink at 512).
pub const MAX_TREE_DEPTH: usize = 2048;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// An estimate of how deep a document nests, in one linear scan of its tags (void and
/// self-closing tags do not nest; an end tag closes one level).
pub fn nesting_depth(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        i += off + 1;
        if i >= b.len() {
            break;
        }
        if b[i] == b'/' {
            depth = depth.saturating_sub(1);
            continue;
        }
        if !b[i].is_ascii_alphabetic() {
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        let name = &b[start..i];
        let end = memchr::memchr(b'>', &b[i..]).map_or(b.len(), |p| i + p);
        let self_closing = end > 0 && b.get(end - 1) == Some(&b'/');
        if !self_closing && !VOID.iter().any(|v| v.as_bytes().eq_ignore_ascii_case(name)) {
            depth += 1;
            max = max.max(depth);
        }
        i = end;
    }
    max
}

/// A flat document with the same subresource references as `text`, for documents too deep
/// to parse into a tree: the start tags that reference subresources (and `<style>` blocks),
/// one after another, with `<template>` and `<noscript>` content left out as a browser
/// leaves it inert. Linear in the size of the text.
pub fn flatten(text: &str) -> String {
    use std::sync::OnceLock;
    static INERT: OnceLock<regex::Regex> = OnceLock::new();
    static TAG: OnceLock<regex::Regex> = OnceLock::new();
    static STYLE: OnceLock<regex::Regex> = OnceLock::new();
    let inert = INERT.get_or_init(|| {
        regex::Regex::new(r"(?is)<(template|noscript)\b.*?</(template|noscript)\s*>")
            .expect("valid")
    });
    let tag = TAG.get_or_init(|| {
        regex::Regex::new(r"(?i)<(img|script|link|iframe|frame|source|video|audio|track|embed|object|input|body|base|picture)\b[^>]*>|<[a-z][a-z0-9-]*\s[^>]*style\s*=\s*[^>]*url\([^>]*>")
            .expect("valid")
    });
    let style = STYLE
        .get_or_init(|| regex::Regex::new(r"(?is)<style\b[^>]*>.*?</style\s*>").expect("valid"));
    let live = inert.replace_all(text, "");
    let mut out = String::from("<!doctype html><html><head></head><body>");
    for m in style.find_iter(&live) {
        out.push_str(m.as_str());
    }
    for m in tag.find_iter(&live) {
        let t = m.as_str();
        let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
        if lower.starts_with("<script") {
            out.push_str(t);
            out.push_str("</script>");
        } else if lower.starts_with("<body") {
            out.push_str(
                &t.replacen("<body", "<table", 1)
                    .replacen("<BODY", "<table", 1),
            );
            out.push_str("</table>");
        } else if !(lower.starts_with("<img")
            || lower.starts_with("<link")
            || lower.starts_with("<source")
            || lower.starts_with("<input")
            || lower.starts_with("<embed")
            || lower.starts_with("<track")
            || lower.starts_with("<base"))
            && !lower.starts_with("<video")
            && !lower.starts_with("<audio")
            && !lower.starts_with("<picture")
        {
            // iframe, frame, object, and styled elements: close them right away.
            let name: String = t[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            out.push_str(t);
            out.push_str(&format!("</{name}>"));
        } else {
            out.push_str(t);
        }
    }
    out.push_str("</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::html::{extract, parse_document};
    use crate::extract::Viewport;
    use url::Url;

    #[test]
    fn nesting_depth_is_estimated_in_one_pass() {
        assert_eq!(nesting_depth("<div><p>x</p><img src=a><br/></div>"), 2);
        assert_eq!(nesting_depth(&"<div>".repeat(5000)), 5000);
        assert!(nesting_depth(&"<div>".repeat(100_000)) > MAX_TREE_DEPTH);
    }

    #[test]
    fn deep_documents_keep_their_references_when_flattened() {
        let text = format!("{}<img src=a.png><noscript><img src=n.png></noscript><div style='background:url(b.png)'></div><script src=s.js></script>{}", "<div>".repeat(50), "</div>".repeat(50));
        let flat = flatten(&text);
        let url = Url::parse("http://t.test/").unwrap();
        let doc = parse_document(&flat);
        let r = extract(&doc, &text, &url, &Viewport::default(), 100);
        let got: Vec<String> = r.refs.iter().map(|r| r.url.path().to_string()).collect();
        assert_eq!(got, ["/a.png", "/s.js"]);
        assert_eq!(r.inline_css.len(), 1, "the style attribute survives");
        assert_eq!(
            r.refs[0].initiator.line,
            Some(1),
            "lines come from the original text"
        );
    }
}
