#![no_main]
//! srcset and sizes parsing and candidate choice never panic.
use libfuzzer_sys::fuzz_target;
use pagecost::extract::{srcset, Viewport};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut mid = text.len() / 2;
    while !text.is_char_boundary(mid) {
        mid -= 1;
    }
    let (a, b) = text.split_at(mid);
    let cands = srcset::parse_srcset(a);
    let _ = srcset::choose(&cands, Some("src.png"), Some(b), &Viewport::default());
    let _ = srcset::source_size(Some(&text), &Viewport { dpr: 3.0, ..Viewport::default() });
    let _ = srcset::length_px(&text, &Viewport::default());
});
