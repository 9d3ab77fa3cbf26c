#![no_main]
//! HTML extraction (tree and flattened paths) and link extraction never panic.
use libfuzzer_sys::fuzz_target;
use pagecost::extract::{html, Viewport};
use pagecost::links::{extract_links, LinkKind};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let url = url::Url::parse("https://fuzz.test/dir/page.html").unwrap();
    let doc = html::parse_document(&text);
    let refs = html::extract(&doc, &text, &url, &Viewport::default(), 1000);
    let _ = refs.refs.len();
    let flat = html::flatten(&text);
    let _ = html::extract(&html::parse_document(&flat), &text, &url, &Viewport::default(), 1000);
    let _ = html::nesting_depth(&text);
    // The engine parses the document without its comments: never longer, never a panic.
    let stripped = html::strip_comments(&text);
    assert!(stripped.len() <= text.len());
    let _ = html::nesting_depth(&stripped);
    let _ = extract_links(&text, &url, &[LinkKind::A, LinkKind::Area, LinkKind::Link, LinkKind::Form]);
});
