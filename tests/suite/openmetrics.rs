//! `--format openmetrics`: what prometheus_client's OpenMetrics parser reads back equals the
//! JSON report's figures; label values survive any path; unmeasured figures are absent.

use crate::support;

use serde_json::Value;
use support::pagecost;

fn fixture(p: &str) -> String {
    format!("{}/fixtures/{p}", env!("CARGO_MANIFEST_DIR"))
}

/// The parser's reading of `pagecost ARGS`' report (whatever the exit code: a batch with a
/// page that could not be audited exits 2 and still writes it), or None where the parser
/// is missing.
fn parsed(args: &[&str]) -> Option<Value> {
    if !support::python_module("prometheus_client") {
        return None;
    }
    let (code, text, err) = pagecost(args);
    assert!(
        text.ends_with("# EOF\n"),
        "{args:?}: exit {code}, no # EOF: {err}"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/read-openmetrics.py");
    let out = support::run_ok("python3", &[script, "-"], Some(&text));
    Some(serde_json::from_str(&out).unwrap())
}

/// The value of the sample of `family` whose labels include every `(key, value)`.
fn value(m: &Value, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    m[family]["samples"].as_array()?.iter().find_map(|s| {
        let all = labels.iter().all(|(k, v)| s["labels"][*k] == *v);
        all.then(|| s["value"].as_f64().unwrap())
    })
}

/// One page: the figures equal the JSON report's, times in seconds, every family typed
/// and documented, and the browser-only metrics absent (not 0) from a static load.
#[test]
fn an_audit_reads_back_as_its_json_figures() {
    let demo = fixture("demo/");
    let tmp = tempfile::tempdir().unwrap();
    let json_file = tmp.path().join("audit.json");
    let also = format!("json={}", json_file.display());
    let args = [
        "audit",
        &demo,
        "--format",
        "openmetrics",
        "--report-file",
        &also,
        "-q",
    ];
    let Some(m) = parsed(&args) else {
        return;
    };
    // The same load's JSON: every figure compared is the same measurement.
    let json: Value = serde_json::from_slice(&std::fs::read(&json_file).unwrap()).unwrap();
    let page = [("page", demo.as_str())];
    let totals = &json["totals"];
    for (family, key) in [
        ("pagecost_requests", "requests"),
        ("pagecost_transfer_bytes", "transfer_bytes"),
        ("pagecost_decoded_bytes", "decoded_bytes"),
        ("pagecost_failed_requests", "failed"),
        ("pagecost_empty_responses", "empty"),
    ] {
        assert_eq!(value(&m, family, &page), totals[key].as_f64(), "{family}");
    }
    assert_eq!(m["pagecost_transfer_bytes"]["unit"], "bytes");
    assert_eq!(m["pagecost_fully_loaded_seconds"]["unit"], "seconds");
    let fully = value(&m, "pagecost_fully_loaded_seconds", &page).unwrap();
    let fully_ms = json["fully_loaded_ms"].as_f64().unwrap();
    assert!(
        (fully - fully_ms / 1000.0).abs() < 1e-6,
        "seconds, the JSON's {fully_ms} ms / 1000: {fully}"
    );
    assert_eq!(value(&m, "pagecost_up", &page), Some(1.0));
    // Per type: the demo's six stylesheets; the types add up to the page.
    let by_type = |t| value(&m, "pagecost_type_requests", &[("type", t)]);
    assert_eq!(by_type("stylesheet"), Some(6.0));
    let sum: f64 = m["pagecost_type_requests"]["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_f64().unwrap())
        .sum();
    assert_eq!(Some(sum), totals["requests"].as_f64());
    for (name, family) in m.as_object().unwrap() {
        assert_eq!(family["type"], "gauge", "{name}");
        assert!(!family["help"].as_str().unwrap().is_empty(), "{name}");
    }
    for absent in [
        "pagecost_first_contentful_paint_seconds",
        "pagecost_cumulative_layout_shift",
    ] {
        assert!(m.get(absent).is_none(), "{absent} was not measured");
    }
}

/// A batch: one `page` per target, `pagecost_up` 0 for the one that could not be audited.
#[test]
fn a_batch_has_a_series_per_page_and_marks_the_failed_one_down() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("urls.txt");
    let dead = format!("http://{}/", support::closed_port());
    let (demo, site) = (fixture("demo/"), fixture("site/"));
    std::fs::write(&list, format!("{demo}\n{site}\n{dead}\n")).unwrap();
    let args = [
        "audit",
        "--input-file",
        list.to_str().unwrap(),
        "--format",
        "openmetrics",
        "-q",
    ];
    let Some(m) = parsed(&args) else {
        return;
    };
    assert_eq!(value(&m, "pagecost_up", &[("page", &demo)]), Some(1.0));
    assert_eq!(value(&m, "pagecost_up", &[("page", &site)]), Some(1.0));
    assert_eq!(value(&m, "pagecost_up", &[("page", &dead)]), Some(0.0));
    assert!(value(&m, "pagecost_requests", &[("page", &dead)]).is_none());
    let pages = m["pagecost_requests"]["samples"].as_array().unwrap().len();
    assert_eq!(pages, 2);
}

/// Shards merged: `merge --format openmetrics` writes what the batch itself wrote, from
/// the JSON lines of the same loads.
#[test]
fn merged_shards_write_the_batch_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("urls.txt");
    std::fs::write(
        &list,
        format!("{}\n{}\n", fixture("demo/"), fixture("site/")),
    )
    .unwrap();
    let lines = tmp.path().join("pages.jsonl");
    let spec = format!("jsonl={}", lines.display());
    let args = ["audit", "--input-file", list.to_str().unwrap(), "-q"];
    let (code, batch, err) = pagecost(
        &[
            &args[..],
            &["--format", "openmetrics", "--report-file", &spec],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    let (code, merged, err) =
        pagecost(&["merge", lines.to_str().unwrap(), "--format", "openmetrics"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(merged, batch);
}

/// A compare: both variants (label `variant`) and per metric the verdict; blocking the ad
/// network makes B's requests significantly fewer, and B/A below 1.
#[test]
fn a_compare_carries_both_variants_and_the_verdicts() {
    let blog = fixture("compare/blog/with-ads.html");
    let mut args = vec!["compare", &blog, "--block", "category:ad", "--runs", "3"];
    args.extend(["--format", "openmetrics", "-q"]);
    let ads = support::serve_ads();
    args.extend(ads.iter().map(String::as_str));
    let Some(m) = parsed(&args) else {
        return;
    };
    let a = value(&m, "pagecost_requests", &[("variant", "a")]).unwrap();
    let b = value(&m, "pagecost_requests", &[("variant", "b")]).unwrap();
    assert!(b < a, "B blocks the ads: {b} vs {a}");
    let metric = [("metric", "requests")];
    assert_eq!(
        value(&m, "pagecost_compare_significant", &metric),
        Some(1.0)
    );
    assert!(value(&m, "pagecost_compare_ratio", &metric).unwrap() < 1.0);
    let third_a = value(
        &m,
        "pagecost_party_requests",
        &[("variant", "a"), ("party", "third")],
    );
    assert!(third_a.unwrap() > 0.0);
}

/// Quotes, backslashes and a newline in the page's name come back exactly as they were.
#[test]
fn label_values_survive_quotes_backslashes_and_newlines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("we\"ird\\na\nme");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
    let target = format!("{}/", dir.display());
    let Some(m) = parsed(&["audit", &target, "--format", "openmetrics", "-q"]) else {
        return;
    };
    assert_eq!(
        value(&m, "pagecost_requests", &[("page", &target)]),
        Some(1.0)
    );
}
