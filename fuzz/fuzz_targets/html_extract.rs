#![no_main]
//! HTML extraction (tree and flattened paths) and link extraction never panic.
use libfuzzer_sys::fuzz_target;
use pagecost::extract::{comments, flatten, html, Viewport};
use pagecost::links::{extract_links, LinkKind};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let url = url::Url::parse("https://fuzz.test/dir/page.html").unwrap();
    let doc = html::parse_document(&text);
    let refs = html::extract(&doc, &text, &url, &Viewport::default(), 1000);
    let _ = refs.refs.len();
    let flat = flatten::flatten(&text);
    let _ = html::extract(&html::parse_document(&flat), &text, &url, &Viewport::default(), 1000);
    let _ = flatten::nesting_depth(&text);
    // The engine parses the document without its comments: never longer, and the same
    // references as the whole document (a comment never holds one, and what looks like a
    // comment inside a tag, raw text or CDATA is kept).
    let stripped = comments::strip_comments(&text);
    assert!(stripped.len() <= text.len());
    let _ = flatten::nesting_depth(&stripped);
    let found = |markup: &str| {
        let d = html::parse_document(markup);
        html::extract(&d, &text, &url, &Viewport::default(), 1000)
            .refs
            .iter()
            .map(|r| (r.url.to_string(), r.resource_type))
            .collect::<Vec<_>>()
    };
    assert_eq!(found(&text), found(&stripped), "stripping comments changed the references");
    let page = pagecost::extract::encoding::Markup::from_bytes(url.clone(), data, None);
    let _ = extract_links(&page, &[LinkKind::A, LinkKind::Area, LinkKind::Link, LinkKind::Form]);
});
