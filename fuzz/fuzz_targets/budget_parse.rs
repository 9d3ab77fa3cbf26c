#![no_main]
//! Budget files either parse or give an error; never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(b) = pagecost::verdict::budget::parse(&text, "fuzz.json") {
        let _ = pagecost::verdict::budget::select(&b, "https://fuzz.test/a/b");
    }
    let _ = pagecost::verdict::budget::path_matches(&text, "/a/b/c.html");
    let _ = pagecost::verdict::gate::Gate::parse(&text);
});
