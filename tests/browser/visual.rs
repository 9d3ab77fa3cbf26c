//! What the visitor saw: visual metrics from the screenshots in the browser engine's trace,
//! held to speedline (`speedline-core` from npm, Lighthouse's library, installed by .ci/run:
//! `PAGECOST_SPEEDLINE` names its node_modules) on the same frames, the trace pagecost
//! writes with `--trace-out`.

#![cfg(feature = "browser")]

use crate::support;

use serde_json::Value;
use support::{pagecost, Route, TestServer};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/");

/// speedline's Speed Index of a trace file, from the load's start as pagecost recorded it.
fn speedline(trace: &std::path::Path) -> Option<f64> {
    let script = "const sl = require('speedline-core');
        const t = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
        const origin = t.metadata['pagecost-origin-s'] * 1e6;
        sl(t, { timeOrigin: origin, include: 'speedIndex' })
          .then(r => console.log(r.speedIndex), e => { console.error(e); process.exit(1); });";
    let args = ["-e", script, trace.to_str().unwrap()];
    let out = support::node("PAGECOST_SPEEDLINE", "speedline-core", &args)?;
    Some(out.trim().parse().unwrap())
}

fn ms(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

/// Loads a page with the browser engine, its trace written: the load's JSON and the trace.
fn load(args: &[&str], trace: &std::path::Path) -> Value {
    let mut all = vec!["audit", "--engine", "chromium", "-q", "--format", "json"];
    all.extend(["--trace-out", trace.to_str().unwrap()]);
    all.extend(args);
    let (code, out, err) = pagecost(&all);
    assert_eq!(code, 0, "{all:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn speed_index_is_speedlines_on_the_same_frames_and_the_milestones_are_in_order() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let adnet = format!("{FIXTURES}compare/adnet");
    let ads = [
        "--serve-also",
        &format!("securepubads.g.doubleclick.net={adnet}"),
        "--serve-also",
        &format!("tpc.googlesyndication.com={adnet}"),
    ]
    .map(String::from);
    let pages: Vec<Vec<String>> = vec![
        vec![format!("{FIXTURES}cascade/")],
        vec![format!("{FIXTURES}demo/")],
        vec![format!("{FIXTURES}budget-site/")],
        [
            vec![format!("{FIXTURES}compare/blog/index.html")],
            ads.to_vec(),
        ]
        .concat(),
        [
            vec![format!("{FIXTURES}compare/blog/with-ads.html")],
            ads.to_vec(),
        ]
        .concat(),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (i, page) in pages.iter().enumerate() {
        let trace = tmp.path().join(format!("{i}.json"));
        let args: Vec<&str> = page.iter().map(String::as_str).collect();
        let l = load(&args, &trace);
        let v = &l["page_metrics"]["visual"];
        let (first, si, last) = (
            ms(v, "first_visual_change_ms"),
            ms(v, "speed_index_ms"),
            ms(v, "last_visual_change_ms"),
        );
        let complete = ["85", "95", "99"].map(|p| ms(v, &format!("visually_complete_{p}_ms")));
        let order = [first, complete[0], complete[1], complete[2], last];
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{page:?}: {v}");
        assert!(first <= si && si <= last, "{page:?}: {v}");
        assert!(v.get("still_painting").is_none(), "{page:?} settles: {v}");
        filmstrip_covers_the_load(v, last);
        let Some(want) = speedline(&trace) else {
            return;
        };
        let off = (si - want).abs() / want;
        assert!(
            off <= 0.05,
            "{page:?}: Speed Index {si} ms, speedline {want} ms"
        );
    }
}

/// The filmstrip of a load's visual metrics: pictures at a fixed round interval from 0 to
/// the last change (or one interval past it), their progress never above the curve's.
fn filmstrip_covers_the_load(v: &Value, last: f64) {
    let strip = v["filmstrip"].as_array().expect("a filmstrip");
    let at: Vec<f64> = strip.iter().map(|t| ms(t, "ms")).collect();
    assert!(strip.len() >= 2 && strip.len() <= 24, "{at:?}");
    let step = at[1] - at[0];
    assert!([100.0, 200.0, 500.0, 1000.0].contains(&step), "{at:?}");
    assert!(at.windows(2).all(|w| w[1] - w[0] == step), "{at:?}");
    assert!(at[0] == 0.0 && *at.last().unwrap() >= last && at[at.len() - 2] < last);
    let last_shot = strip.last().unwrap();
    assert_eq!(ms(last_shot, "percent"), 100.0, "the page as it ended up");
    assert!(
        last_shot["jpeg_base64"]
            .as_str()
            .unwrap()
            .starts_with("/9j/"),
        "a JPEG"
    );
}

#[test]
fn a_page_that_never_stops_painting_is_marked_and_its_strip_bounded() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let page = "<!doctype html><style>@keyframes blink { from { background: #c62828 } \
        to { background: #1f5fbf } } div { width: 300px; height: 200px; \
        animation: blink 0.15s infinite alternate; }</style><h1>Spinning</h1><div></div>";
    let server = TestServer::start(vec![("/", Route::html(page))]);
    let tmp = tempfile::tempdir().unwrap();
    let l = load(&[&server.url("/")], &tmp.path().join("t.json"));
    let v = &l["page_metrics"]["visual"];
    assert_eq!(v["still_painting"], true, "{v}");
    let frames = v["frames"].as_u64().unwrap();
    assert!((5..=1800).contains(&frames), "{frames} frames");
    assert!(v["filmstrip"].as_array().unwrap().len() <= 24);
}

#[test]
fn the_compare_report_shows_both_filmstrips_on_one_time_axis() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("compare.html");
    let blog = format!("{FIXTURES}compare/blog/");
    let mut args = vec![
        "compare".to_string(),
        format!("{blog}index.html"),
        format!("{blog}with-ads.html"),
    ];
    args.extend(support::serve_ads());
    args.extend(
        [
            "--engine", "chromium", "--runs", "2", "--format", "html", "-q", "-o",
        ]
        .map(String::from),
    );
    args.push(html.to_str().unwrap().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = pagecost(&args);
    assert!(code == 0 || code == 1, "{err}");
    let report = std::fs::read_to_string(&html).unwrap();
    let strips: Vec<&str> = report.split("<div class=\"wf strip\">").skip(1).collect();
    assert_eq!(strips.len(), 2, "an A and a B filmstrip");
    let mut scales = Vec::new();
    for s in &strips {
        let s = &s[..s.find("</svg>").unwrap()];
        assert!(s.matches("<image ").count() >= 1, "pictures of the page");
        assert!(s.contains("visually complete "), "its moment marked");
        scales.push(pixels_per_ms(s));
    }
    assert!(
        (scales[0] - scales[1]).abs() < 1e-3,
        "one time axis: {scales:?} pixels a millisecond"
    );
}

/// A strip's time scale: where its pictures stand against their moments (a picture's left
/// edge at its moment, the axis starting at 610 pixels).
fn pixels_per_ms(strip: &str) -> f64 {
    let mut scale = None;
    for frame in strip.split("<g class=\"frame\"><title>").skip(1) {
        let when = &frame[..frame.find(" · ").unwrap()];
        let t = match when.strip_suffix(" ms") {
            Some(ms) => ms.parse::<f64>().unwrap(),
            None => when.strip_suffix(" s").unwrap().parse::<f64>().unwrap() * 1000.0,
        };
        let x = frame.split("x=\"").nth(1).unwrap();
        let x: f64 = x[..x.find('"').unwrap()].parse().unwrap();
        if t > 0.0 {
            scale = Some((x - 610.0) / t);
        }
    }
    scale.expect("a picture after the start")
}

#[test]
fn speed_index_is_budgeted_as_lighthouse_ci_names_it() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let budget = tmp.path().join("budget.json");
    let timing = r#"[{"timings": [{"metric": "speed-index", "budget": 1}]}]"#;
    std::fs::write(&budget, timing).unwrap();
    let cascade = format!("{FIXTURES}cascade/");
    let (code, out, err) = pagecost(&[
        "audit",
        &cascade,
        "--engine",
        "chromium",
        "-q",
        "--format",
        "json",
        "--budget",
        budget.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let line = &report["budget"]["lines"][0];
    assert_eq!(line["name"], "timings.speed-index");
    assert_eq!(line["status"], "fail");
    let si = ms(&report["load"]["page_metrics"]["visual"], "speed_index_ms");
    let actual = ms(line, "actual");
    assert!(
        (actual - si).abs() < 0.05,
        "the load's Speed Index {si} ms, the line's {actual}"
    );
}

#[test]
fn a_blank_page_has_no_speed_index() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = TestServer::start(vec![("/", Route::html("<!doctype html><body></body>"))]);
    let tmp = tempfile::tempdir().unwrap();
    let l = load(&[&server.url("/")], &tmp.path().join("t.json"));
    assert!(
        l["page_metrics"].get("visual").is_none(),
        "{}",
        l["page_metrics"]
    );
}

#[test]
fn the_lcp_element_and_the_ad_slot_that_pushed_the_story_down_are_named() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let shifts = format!("{FIXTURES}shifts/");
    let adnet = format!("ads.shift.example={FIXTURES}shifts/adnet");
    let tmp = tempfile::tempdir().unwrap();
    let l = load(
        &[&shifts, "--serve-also", &adnet],
        &tmp.path().join("t.json"),
    );
    let m = &l["page_metrics"];
    let lcp = &m["lcp_element"];
    assert_eq!(
        (lcp["tag"].as_str(), lcp["selector"].as_str()),
        (Some("img"), Some("img#hero"))
    );
    assert!(lcp["url"].as_str().unwrap().ends_with("/hero.png"), "{lcp}");
    let shifts = m["layout_shifts"].as_array().expect("the shift");
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    let s = &shifts[0];
    assert!(
        (ms(s, "score") - ms(m, "cumulative_layout_shift")).abs() < 1e-3,
        "{m}"
    );
    let moved = &s["moved"][0];
    assert_eq!(moved["selector"], "html > body > article.post");
    assert_eq!((ms(moved, "dx"), ms(moved, "dy")), (0.0, 250.0));
    // The ad slot, not the heading above it nor the page's own empty slot around it.
    let culprits = s["culprits"].as_array().unwrap();
    assert_eq!(culprits.len(), 1, "{culprits:?}");
    assert_eq!(culprits[0]["selector"], "div#top-slot > div.ad-slot");
    assert_eq!(culprits[0]["url"], "http://ads.shift.example/creative.html");
    assert_eq!(culprits[0]["tag"], "http://ads.shift.example/slot.js");
    // A page that does not move has no shifts to name.
    let page = "<!doctype html><h1>Still</h1><p>Nothing here moves.</p>";
    let server = TestServer::start(vec![("/", Route::html(page))]);
    let l = load(&[&server.url("/")], &tmp.path().join("u.json"));
    assert!(
        l["page_metrics"].get("layout_shifts").is_none(),
        "{}",
        l["page_metrics"]
    );
}

/// `calibrate --engine chromium`: the browser's metrics (FCP, LCP, Speed Index) get a
/// spread and the runs a gate needs, as the static engine's do.
#[test]
fn calibrate_gives_the_browser_metrics_a_spread() {
    let Some(_guard) = support::browser_test() else {
        return;
    };
    let demo = format!("{FIXTURES}demo/");
    let args = [
        "calibrate",
        &demo,
        "--engine",
        "chromium",
        "--runs",
        "5",
        "--format",
        "json",
    ];
    let (code, out, err) = pagecost(&[&args[..], &["-q"]].concat());
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["calibration"]["engine"], "chromium");
    let metrics = c["calibration"]["metrics"].as_array().unwrap();
    for name in [
        "first_contentful_paint_ms",
        "largest_contentful_paint_ms",
        "speed_index_ms",
    ] {
        let m = metrics
            .iter()
            .find(|m| m["metric"] == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert!(ms(m, "median") > 0.0 && m["n"] == 5, "{m}");
        assert!(
            m["smallest_change"].is_number() || m["smallest_change"].is_null(),
            "{m}"
        );
    }
}
