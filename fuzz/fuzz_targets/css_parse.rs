#![no_main]
//! CSS parsing, media and supports conditions, the cascade and selector matching never
//! panic; stylesheet decoding and `@supports` conditions never panic either.
use libfuzzer_sys::fuzz_target;
use pagecost::extract::styles::{DocumentStyles, SheetPlace, SheetSource};
use pagecost::extract::{css, encoding, html, media, supports, Viewport};

fuzz_target!(|data: &[u8]| {
    let (text, enc) = encoding::decode_css(data, None, encoding_rs::UTF_8);
    let sheet = css::parse(&text, 1.0);
    let _ = css::parse_declarations(&text, 2.0);
    let _ = media::matches(&text, &Viewport::default());
    let _ = supports::supports(&text);
    let doc = html::parse_document("<div class=a id=b style='background:url(x)'><p>t</p></div><p hidden class=a></p>");
    let mut s = DocumentStyles::new(doc, Viewport::default());
    let url = url::Url::parse("https://fuzz.test/s.css").unwrap();
    let at = SheetSource {
        source: &url,
        base: &url,
        line_offset: 0,
        place: SheetPlace::of_element(1, true, enc),
    };
    let _ = s.add_sheet(sheet, at);
    let _ = s.settle();
});
