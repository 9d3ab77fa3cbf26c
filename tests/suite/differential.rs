//! The static engine against Debian's Chromium on generated pages (scripts/differential.py):
//! the fixed seeds of CI must show no unexplained difference in what either requests.
//! A longer run is `python3 scripts/differential.py --minutes 30` (docs/development.md).

use crate::support;

#[test]
fn generated_pages_request_what_chromium_requests() {
    let chrome = std::env::var("CHROME").unwrap_or_else(|_| "chromium".into());
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(&chrome).is_file()));
    if !on_path && !std::path::Path::new(&chrome).is_file() {
        return support::missing("a Chromium browser (apt-get install chromium)");
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/differential.py");
    let out = std::process::Command::new("python3")
        .args([
            script,
            "--bin",
            env!("CARGO_BIN_EXE_pagecost"),
            "--seeds",
            "1,2,3",
            "--pages",
            "40",
        ])
        .output();
    let out = match out {
        Ok(o) => o,
        Err(_) => return support::missing("python3"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "differences against Chromium:\n{stdout}"
    );
    assert!(
        stdout.contains("120 pages"),
        "the fixed seeds ran: {stdout}"
    );
}
