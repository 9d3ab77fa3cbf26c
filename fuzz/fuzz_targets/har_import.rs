#![no_main]
//! HAR import either reads a load or gives an error; never a panic. What it reads exports.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(load) = pagecost::har::import(&text, "fuzz.har", None) {
        let _ = pagecost::har::export(&load, &pagecost::har::ExportOptions::default());
        let _ = pagecost::report::table::render(&load, pagecost::report::table::TableOptions::default());
    }
    let _ = pagecost::har::parse_iso8601(&text);
});
