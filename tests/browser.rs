//! The browser engine end to end, on loopback: headless Chromium (Debian's `chromium`,
//! installed by .ci/run; without it these tests fail under CI and skip elsewhere) loads the
//! ad cascade fixture, whose requests after the first tag are all made by scripts.

#![cfg(feature = "browser")]

mod support;

use serde_json::Value;
use std::sync::Mutex;
use support::{audit_json, entries, pagecost};

const CASCADE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cascade/");

/// One browser test at a time: the process count of one must not see another's browser.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn browser_available() -> bool {
    let found = pagecost::browser::find(None).is_ok();
    if !found {
        support::missing("a Chromium browser (apt-get install chromium)");
    }
    found
}

fn by_path<'a>(load: &'a Value, path: &str) -> &'a Value {
    entries(load)
        .iter()
        .find(|e| e["url"].as_str().unwrap().ends_with(path))
        .unwrap_or_else(|| panic!("no {path} in {:#?}", entries(load)))
}

/// The static engine sees what the HTML references (the page, its stylesheet, a photo and the
/// ad tag); Chromium also sees the cascade the tag starts: the library it loads, the bid it
/// fetches, the sync pixel, the creative's iframe with its banner and impression pixel, and
/// a viewability beacon sent after the load event; each with the initiator a browser names.
#[test]
fn the_browser_engine_sees_what_scripts_request() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    if !browser_available() {
        return;
    }
    let static_load = audit_json(&[CASCADE]);
    assert_eq!(entries(&static_load).len(), 4, "document, css, photo, tag");
    let load = audit_json(&[CASCADE, "--engine", "chromium"]);
    assert_eq!(load["settings"]["browser"], "chromium");
    let lib = by_path(&load, "/ads/lib.js");
    assert_eq!(lib["initiator"]["kind"], "script");
    assert!(lib["initiator"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/ads/tag.js"));
    assert_eq!(
        lib["initiator"]["line"], 4,
        "the line of tag.js that appends it"
    );
    let bid = by_path(&load, "/ads/bid.json");
    assert!(bid["initiator"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/ads/lib.js"));
    assert_eq!(
        by_path(&load, "/ads/creative.html")["resource_type"],
        "iframe"
    );
    let banner = by_path(&load, "/ads/banner.png");
    assert_eq!(banner["status"], 200);
    assert_eq!(banner["decoded_bytes"], 8008);
    assert!(banner["initiator"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/ads/creative.html"));
    by_path(&load, "/ads/sync.gif?bidder=exampleads");
    by_path(&load, "/ads/impression.gif?slot=top");
    let beacon = by_path(&load, "/ads/viewable?slot=top");
    assert_eq!(
        beacon["after_load"], true,
        "sent 200 ms after the load event"
    );
    assert_eq!(beacon["method"], "POST");
    let doc = &entries(&load)[0];
    assert_eq!(doc["resource_type"], "document");
    assert!(doc["timings_ms"]["wait_ms"].as_f64().is_some());
    assert!(load["document_ttfb_ms"].as_f64().unwrap() > 0.0);
    assert!(load["totals"]["transfer_bytes"].as_u64().unwrap() > 11_000);
}

/// No browser: one line naming what was searched and how to install one, exit 2.
#[test]
fn no_browser_is_a_clear_usage_error() {
    let (code, _, err) = pagecost(&[
        "audit",
        CASCADE,
        "--engine",
        "chromium",
        "--browser",
        "/no/such/chromium",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("/no/such/chromium is not a file"), "{err}");
    let bin = assert_cmd::cargo::cargo_bin("pagecost");
    let out = assert_cmd::Command::new(bin)
        .env_clear()
        .env("PATH", "/nonexistent")
        .args(["audit", CASCADE, "--engine", "chromium"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("none of chromium, chromium-browser, google-chrome on PATH")
            && err.contains("apt-get install chromium"),
        "{err}"
    );
}

/// Settings the browser engine does not apply yet are refused, never silently ignored.
#[test]
fn settings_the_browser_does_not_apply_yet_are_refused() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    if !browser_available() {
        return;
    }
    let cases: [&[&str]; 3] = [
        &["audit", CASCADE, "--throttle", "lte"],
        &["audit", CASCADE, "--dpr", "2"],
        &["compare", CASCADE, "--block", "re:/ads/", "--runs", "1"],
    ];
    for case in cases {
        let mut args = case.to_vec();
        args.extend(["--engine", "chromium"]);
        let (code, _, err) = pagecost(&args);
        assert_eq!(code, 2, "{case:?}: {err}");
        assert!(
            err.contains("not applied by the browser engine yet"),
            "{err}"
        );
    }
}

/// Processes whose command line names `dir` (the browser's profile is made under it).
fn processes_under(dir: &std::path::Path) -> usize {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let dir = dir.to_string_lossy().into_owned();
    procs
        .flatten()
        .filter_map(|p| std::fs::read(p.path().join("cmdline")).ok())
        .filter(|c| String::from_utf8_lossy(c).contains(&dir))
        .count()
}

/// The browser and all its child processes end with each load: none is left after five.
#[cfg(target_os = "linux")]
#[test]
fn no_browser_process_outlives_its_load() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    if !browser_available() {
        return;
    }
    // The profiles are made under a folder of this test's own, so only its browsers count.
    let tmp = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .env("TMPDIR", tmp.path())
        .args(["audit", CASCADE, "--engine", "chromium", "--runs", "4"])
        .args(["--format", "json", "-q"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runs"]["runs"].as_array().unwrap().len(), 4);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        processes_under(tmp.path()),
        0,
        "every browser ended with its load"
    );
}
