#![no_main]
//! CSS parsing, media queries and selector matching never panic.
use libfuzzer_sys::fuzz_target;
use pagecost::extract::{css, html, media, styles::DocumentStyles, Viewport};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let sheet = css::parse(&text, 1.0);
    let _ = css::parse_declarations(&text, 2.0);
    let _ = media::matches(&text, &Viewport::default());
    let mut s = DocumentStyles::new(html::parse_document("<div class=a id=b><p>t</p></div>"), Viewport::default());
    let url = url::Url::parse("https://fuzz.test/s.css").unwrap();
    let _ = s.add_sheet(&sheet, &url, &url, 0, true);
});
