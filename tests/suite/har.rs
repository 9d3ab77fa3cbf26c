//! HAR out and in: schema-valid export, round trip, redaction, and HARs from Chrome, Firefox,
//! WebPageTest and Playwright (fixtures written for the project, plus the corpus's Chromium
//! HARs where ../shared/corpus is present).

use crate::support;

use serde_json::Value;
use std::path::Path;
use support::{audit_json, entries, pagecost, Route, TestServer};

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/har");

fn har_of(args: &[&str]) -> Value {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "har", "-q"]);
    let (code, out, err) = pagecost(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string(v).unwrap()).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn exported_hars_follow_har_rules_and_validate_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let demo = har_of(&[concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/")]);
    let s = TestServer::start(vec![
        (
            "/",
            Route::html("<img src=/reset.png><img src=/r><img src=/ok.png>"),
        ),
        (
            "/reset.png",
            Route::ok("image/png", "x").action(support::Action::ResetBeforeHeaders),
        ),
        ("/r", Route::redirect(302, "/ok.png")),
        ("/ok.png", Route::ok("image/png", "png")),
    ]);
    let faults = har_of(&[&s.url("/")]);
    for h in [&demo, &faults] {
        let entries = h["log"]["entries"].as_array().unwrap();
        for e in entries {
            let t = &e["timings"];
            for k in ["send", "wait", "receive"] {
                assert!(t[k].as_f64().unwrap() >= 0.0, "{k} never negative");
            }
            let sum: f64 = ["blocked", "dns", "connect", "send", "wait", "receive"]
                .iter()
                .map(|k| t[*k].as_f64().unwrap())
                .filter(|x| *x >= 0.0)
                .sum();
            assert!(
                (sum - e["time"].as_f64().unwrap()).abs() < 0.01,
                "time is the sum of the phases"
            );
            if t["ssl"].as_f64().unwrap() >= 0.0 {
                assert!(
                    t["connect"].as_f64().unwrap() >= t["ssl"].as_f64().unwrap(),
                    "ssl inside connect"
                );
            }
            assert!(
                e["_resourceType"].is_string()
                    && e["_transferSize"].is_u64()
                    && e["_initiator"].is_object()
            );
        }
    }
    let reset = faults["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["request"]["url"]
                .as_str()
                .unwrap()
                .ends_with("/reset.png")
        })
        .unwrap();
    assert_eq!(reset["response"]["status"], 0);
    // The browser's words, as DevTools writes them; the kind in pagecost's own field.
    assert!(!reset["_error"].as_str().unwrap().is_empty(), "{reset:#}");
    assert_eq!(reset["_pagecost"]["error"]["kind"], "reset", "{reset:#}");
    let redirect = faults["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["response"]["status"] == 302)
        .unwrap();
    assert!(redirect["response"]["redirectURL"]
        .as_str()
        .unwrap()
        .ends_with("/ok.png"));
    support::validate_har(&[
        write(dir.path(), "demo.har", &demo),
        write(dir.path(), "faults.har", &faults),
    ]);
}

#[test]
fn a_har_written_by_pagecost_imports_back_to_the_same_load() {
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/");
    let (code, out, _) = pagecost(&["audit", demo, "--format", "json", "-q"]);
    assert_eq!(code, 0);
    let load: Value = serde_json::from_str(&out).unwrap();
    let (_, har, _) = pagecost(&[
        "audit",
        demo,
        "--format",
        "har",
        "-q",
        "--include-sensitive",
    ]);
    // Export the very load we compare with: import the JSON's HAR twin made from the same run.
    let har_path = dir.path().join("demo.har");
    std::fs::write(&har_path, har).unwrap();
    let back = audit_json(&[har_path.to_str().unwrap()]);
    // Same shape: same URLs, types, statuses, initiators and bytes (times differ between runs).
    let key = |v: &Value| -> Vec<(String, String, String, String, String, String)> {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["url"]
                        .as_str()
                        .unwrap()
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .to_string(),
                    e["resource_type"].as_str().unwrap().to_string(),
                    e["status"].to_string(),
                    e["initiator"]["line"].to_string(),
                    e["body_bytes"].to_string(),
                    e["decoded_bytes"].to_string(),
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(key(&load), key(&back));
    // And exactly the same load, field by field, when it is the same run.
    let (_, har2, _) = pagecost(&[
        "audit",
        har_path.to_str().unwrap(),
        "--format",
        "har",
        "-q",
        "--include-sensitive",
    ]);
    std::fs::write(dir.path().join("again.har"), har2).unwrap();
    let again = audit_json(&[dir.path().join("again.har").to_str().unwrap()]);
    for (a, b) in back["entries"]
        .as_array()
        .unwrap()
        .iter()
        .zip(again["entries"].as_array().unwrap())
    {
        assert_eq!(a, b);
    }
    assert_eq!(back["totals"], again["totals"]);
    assert_eq!(back["fully_loaded_ms"], again["fully_loaded_ms"]);
    assert_eq!(back["connections"], again["connections"]);
}

#[test]
fn sensitive_headers_are_redacted_unless_asked() {
    let s = TestServer::start(vec![(
        "/",
        Route::html("hi")
            .header("Set-Cookie", "session=abc123")
            .header("X-Plain", "visible"),
    )]);
    let h = har_of(&[
        &s.url("/"),
        "-H",
        "Authorization: Bearer secret-token",
        "-H",
        "X-Api-Key: k-42",
    ]);
    let text = h.to_string();
    assert!(
        !text.contains("secret-token") && !text.contains("abc123") && !text.contains("k-42"),
        "{text}"
    );
    assert!(text.contains("visible"));
    assert!(text.contains("[redacted]"));
    let h = har_of(&[
        &s.url("/"),
        "-H",
        "Authorization: Bearer secret-token",
        "--include-sensitive",
    ]);
    assert!(h.to_string().contains("secret-token") && h.to_string().contains("abc123"));
}

#[test]
fn hars_from_each_browser_import_with_their_quirks() {
    let chrome = audit_json(&[&format!("{FIX}/chrome.har")]);
    assert_eq!(chrome["totals"]["requests"], 4);
    assert_eq!(chrome["totals"]["transfer_bytes"], 4300 + 2750 + 5200);
    let failed = &chrome["entries"][2];
    assert_eq!(failed["error"]["kind"], "dns");
    assert_eq!(
        chrome["entries"][1]["initiator"]["line"], 5,
        "0-based lineNumber becomes 1-based"
    );
    assert_eq!(chrome["entries"][3]["initiator"]["kind"], "script");
    assert!(chrome["notes"].to_string().contains("after onLoad"));
    assert_eq!(chrome["entries"][2]["party"]["first_party"], false);

    let firefox = audit_json(&[&format!("{FIX}/firefox.har")]);
    assert_eq!(
        firefox["entries"][1]["resource_type"], "script",
        "typed from the MIME type"
    );
    assert_eq!(
        firefox["entries"][0]["transfer_bytes"], 4320,
        "headersSize + bodySize"
    );
    assert!(firefox["notes"].to_string().contains("no size"));
    assert_eq!(firefox["entries"][2]["decoded_bytes"], 40000);

    let wpt = audit_json(&[&format!("{FIX}/webpagetest.har")]);
    assert_eq!(wpt["totals"]["requests"], 3);
    assert!(wpt["notes"].to_string().contains("2 pages"));
    let repeat = audit_json(&[&format!("{FIX}/webpagetest.har"), "--page", "2"]);
    assert_eq!(repeat["totals"]["requests"], 1);
    assert_eq!(repeat["entries"][0]["status"], 304);
    let (code, _, err) = pagecost(&["audit", &format!("{FIX}/webpagetest.har"), "--page", "3"]);
    assert_eq!(code, 2);
    assert!(err.contains("2 page(s)"), "{err}");

    let pw = audit_json(&[&format!("{FIX}/playwright.har")]);
    assert_eq!(
        pw["totals"]["transfer_bytes"],
        9250 + 30250,
        "_transferSize on the response"
    );
    let (code, out, _) = pagecost(&["links", &format!("{FIX}/playwright.har")]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "http://127.0.0.1:8102/guide/intro.html\nhttps://github.com/x/y\n"
    );
}

/// A HAR is imported as recorded: an engine or a network profile asked for is said not to
/// apply, in the load's notes, rather than silently ignored.
#[test]
fn settings_a_recording_makes_moot_are_noted() {
    let har = format!("{FIX}/chrome.har");
    let plain = audit_json(&[&har]);
    assert!(!plain["notes"].to_string().contains("does not apply"));
    let throttled = audit_json(&[&har, "--throttle", "lte"]);
    let notes = throttled["notes"].to_string();
    assert!(notes.contains("--throttle lte does not apply"), "{notes}");
    assert_eq!(throttled["totals"], plain["totals"]);
    #[cfg(feature = "browser")]
    {
        let browser = audit_json(&[&har, "--engine", "chromium"]);
        let notes = browser["notes"].to_string();
        assert!(
            notes.contains("--engine chromium does not apply"),
            "{notes}"
        );
        assert_eq!(browser["totals"], plain["totals"]);
    }
}

#[test]
fn malformed_hars_fail_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, want) in [
        ("broken.har", "{ not json", "invalid JSON"),
        ("nolog.har", "{\"entries\": []}", "no \"log\" object"),
        ("noentries.har", "{\"log\": {\"version\": \"1.2\"}}", "log.entries"),
        ("baddate.har", "{\"log\": {\"entries\": [{\"request\": {\"url\": \"https://x/\"}, \"startedDateTime\": \"yesterday\"}]}}", "startedDateTime"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let (code, _, err) = pagecost(&["audit", p.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}");
        assert_eq!(err.trim().lines().count(), 1);
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
    }
}

#[test]
fn the_corpus_chromium_hars_import_and_audit_without_errors() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/browser"
    ));
    // The corpus is shared data beside the checkout, not the project's: its README asks
    // every check that reads it to skip cleanly where it is absent (.ci/run says which).
    let Ok(list) = std::fs::read_dir(dir) else {
        eprintln!("skipped: no ../shared/corpus beside the checkout");
        return;
    };
    let results = std::fs::read_to_string(dir.join("results.tsv")).unwrap();
    let mut n = 0;
    for f in list
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "har"))
    {
        let id = f.file_stem().unwrap().to_str().unwrap().to_string();
        let load = audit_json(&[f.to_str().unwrap()]);
        let row: Vec<&str> = results
            .lines()
            .find(|l| l.starts_with(&format!("{id}\t")))
            .unwrap()
            .split('\t')
            .collect();
        assert_eq!(
            load["totals"]["requests"].as_u64().unwrap().to_string(),
            row[1],
            "{id} requests"
        );
        assert_eq!(
            load["totals"]["transfer_bytes"]
                .as_u64()
                .unwrap()
                .to_string(),
            row[4],
            "{id} bytes"
        );
        n += 1;
    }
    assert_eq!(n, 11);
}

#[test]
fn one_load_exported_and_imported_is_the_same_load() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target =
        pagecost::Target::parse(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/")).unwrap();
    let mut load = rt
        .block_on(pagecost::audit(
            &target,
            &pagecost::AuditConfig::default(),
            &pagecost::Viewport::default(),
            &pagecost::NoEvents,
        ))
        .unwrap();
    let opts = pagecost::har::ExportOptions {
        include_sensitive: true,
        extra_sensitive: vec![],
    };
    let har = pagecost::har::export(&load, &opts);
    let mut back = pagecost::har::import(&har.to_string(), "demo.har", None).unwrap();
    // What a HAR cannot carry: the tool that made the load, and the local folder mapping.
    back.tool = load.tool.clone();
    load.local = None;
    assert_eq!(back.entries.len(), load.entries.len());
    for (a, b) in load.entries.iter().zip(&back.entries) {
        assert_eq!(a, b, "entry {}", a.url);
    }
    assert_eq!(back, load);
}

/// HAR 1.2 says -1 is "not available": a browser export with `bodySize: -1` and
/// `content.size: -1` (and no `_transferSize`) has entries of unknown size, never empty nor
/// broken; the table says "unknown" and a note counts them.
#[test]
fn har_sizes_of_minus_one_are_unknown_not_empty() {
    let entry = |url: &str, mime: &str| {
        serde_json::json!({
            "startedDateTime": "2026-11-01T10:00:00.000Z", "time": 12.0,
            "request": {"method": "GET", "url": url, "headers": []},
            "response": {"status": 200, "httpVersion": "HTTP/1.1", "headers": [],
                "content": {"size": -1, "mimeType": mime}, "bodySize": -1, "headersSize": -1},
            "timings": {"send": 1, "wait": 10, "receive": 1}
        })
    };
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"},
        "entries": [entry("https://a.test/", "text/html"), entry("https://a.test/s.css", "text/css")]}});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unknown.har");
    std::fs::write(&path, har.to_string()).unwrap();
    let p = path.to_str().unwrap();
    let load = audit_json(&[p]);
    for e in entries(&load) {
        assert_eq!(e["size_unknown"], true, "{e}");
    }
    assert_eq!(load["totals"]["empty"], 0);
    assert!(
        load["notes"].to_string().contains("2 entries have no size"),
        "{}",
        load["notes"]
    );
    let (code, _, err) = pagecost(&["audit", p, "--no-broken", "-q"]);
    assert_eq!(code, 0, "nothing is broken: {err}");
    let (_, table, _) = pagecost(&["audit", p, "-q"]);
    assert!(table.contains("unknown"), "{table}");
    assert!(!table.contains("empty stylesheet"), "{table}");
}

/// A trace recorded with a HAR's load, in DevTools' trace format: a renderer main thread
/// whose tasks run the ad tag for 120 ms (70 ms of it blocking) and the page for 30 ms.
fn trace_of_the_chrome_har() -> Value {
    let ev = |name: &str, ts: f64, dur: f64, url: Option<&str>| {
        serde_json::json!({"name": name, "cat": "devtools.timeline", "ph": "X", "pid": 5, "tid": 9,
            "ts": ts * 1000.0, "dur": dur * 1000.0,
            "args": {"data": url.map_or(Value::Null, |u| serde_json::json!({"url": u}))}})
    };
    serde_json::json!({"traceEvents": [
        {"name": "thread_name", "ph": "M", "pid": 5, "tid": 9, "ts": 0, "args": {"name": "CrRendererMain"}},
        ev("RunTask", 10.0, 121.0, None),
        ev("EvaluateScript", 10.5, 120.0, Some("https://ads.example/tag.js")),
        ev("RunTask", 200.0, 31.0, None),
        ev("ParseHTML", 200.5, 30.0, None),
    ], "metadata": {"source": "DevTools"}})
}

/// `--trace FILE` beside a HAR attributes the main thread as for a live load (the tag's time
/// and blocking time), plain or gzipped; without it the figures are absent, never 0; a
/// trace that is not one, or given with something other than one HAR, is refused (exit 2).
#[test]
fn a_trace_beside_a_har_gives_its_main_thread_time() {
    let dir = tempfile::tempdir().unwrap();
    let har = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/har/chrome.har");
    let trace = write(dir.path(), "trace.json", &trace_of_the_chrome_har());
    let gz = dir.path().join("trace.json.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, trace_of_the_chrome_har().to_string().as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    for t in [trace.as_str(), gz.to_str().unwrap()] {
        let (code, out, err) = pagecost(&["audit", har, "--trace", t, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let load: Value = serde_json::from_str(&out).unwrap();
        let m = &load["main_thread"];
        assert_eq!(m["total_ms"], 152.0, "{m:#}");
        assert_eq!(m["blocking_ms"], 71.0, "{m:#}");
        let tag = &load["third_party_tags"][0];
        assert!(tag["url"].as_str().unwrap().ends_with("/tag.js"), "{tag:#}");
        assert_eq!(tag["main_thread_ms"], 120.0, "{tag:#}");
        assert!(load["notes"].to_string().contains("recorded with the HAR"));
    }
    let (code, out, _) = pagecost(&["audit", har, "--format", "json"]);
    assert_eq!(code, 0);
    let load: Value = serde_json::from_str(&out).unwrap();
    assert!(
        load["main_thread"].is_null() && load["third_party_tags"][0]["main_thread_ms"].is_null()
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"not\": \"a trace\"}").unwrap();
    let (code, _, err) = pagecost(&["audit", har, "--trace", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.json") && err.contains("traceEvents"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/");
    let (code, _, err) = pagecost(&["audit", demo, "--trace", &trace]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--trace"), "{err}");
}
