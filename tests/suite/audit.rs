//! `pagecost audit` end to end: the binary against in-process loopback servers.

use crate::support;

use serde_json::Value;
use std::io::Write as _;
use std::time::Duration;
use support::{audit_json, entries, entry, pagecost, Action, Route, TestServer};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really an image but 32 bytes";

fn kinds_page() -> &'static str {
    r#"<!doctype html><html><head>
<base href="/site/">
<link rel="stylesheet" href="main.css">
<link rel="preload" as="script" href="pre.js">
<link rel="icon" href="icon.png">
<script src="pre.js"></script>
<script type="module" src="mod.js"></script>
<style>.box { background: url(box.png) }</style>
</head><body>
<div class="box" style="background-image: url('inline.png')"></div><span class="box"></span>
<img src="small.png" srcset="small.png 100w, big.png 2000w" sizes="100vw">
<picture><source type="image/webp" srcset="pic.webp"><img src="pic.jpg"></picture>
<input type="image" src="button.png">
<video poster="poster.png" preload="auto"><source src="clip.webm" type="video/webm"><track src="subs.vtt" default></video>
<audio src="sound.mp3"></audio>
<object data="movie.swf"></object><embed src="doc.pdf">
<iframe src="frame.html"></iframe>
<img src="data:image/png;base64,AAAA"><a href="mailto:x@y.z">mail</a>
<img src="missing.png">
</body></html>"#
}

fn kinds_server() -> TestServer {
    let mut routes = vec![
        ("/", Route::html(kinds_page())),
        ("/site/main.css", Route::css("@import 'imported.css';\n.box{color:red}\n@font-face{font-family:F;src:url(f.woff2) format('woff2'),url(f.woff)}\nbody{font-family:F}")),
        ("/site/imported.css", Route::css("body { background: url(imported-bg.png) }")),
        ("/site/frame.html", Route::html("<link rel=stylesheet href=frame.css><img src=frame.png>")),
        ("/site/frame.css", Route::css("img { border-image: url(frame-border.png) }")),
    ];
    for p in [
        "/site/pre.js",
        "/site/mod.js",
        "/site/icon.png",
        "/site/box.png",
        "/site/inline.png",
        "/site/big.png",
        "/site/pic.webp",
        "/site/button.png",
        "/site/poster.png",
        "/site/clip.webm",
        "/site/subs.vtt",
        "/site/sound.mp3",
        "/site/movie.swf",
        "/site/doc.pdf",
        "/site/frame.png",
        "/site/imported-bg.png",
        "/site/f.woff2",
        "/site/frame-border.png",
    ] {
        routes.push((p, Route::ok("application/octet-stream", PNG)));
    }
    TestServer::start(routes)
}

#[test]
fn every_reference_kind_is_requested_once_with_its_type_and_initiator() {
    let s = kinds_server();
    let load = audit_json(&[&s.url("/")]);
    let got: Vec<(String, String)> = entries(&load)
        .iter()
        .map(|e| {
            let url = e["url"].as_str().unwrap();
            let path = url.split_once(&s.addr.to_string()).unwrap().1.to_string();
            (path, e["resource_type"].as_str().unwrap().to_string())
        })
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want: Vec<(String, String)> = [
        ("/", "document"),
        ("/site/main.css", "stylesheet"),
        ("/site/imported.css", "stylesheet"),
        ("/site/pre.js", "script"),
        ("/site/mod.js", "script"),
        ("/site/icon.png", "other"),
        ("/site/box.png", "image"),
        ("/site/inline.png", "image"),
        ("/site/big.png", "image"),
        ("/site/pic.webp", "image"),
        ("/site/button.png", "image"),
        ("/site/poster.png", "image"),
        ("/site/clip.webm", "media"),
        ("/site/subs.vtt", "other"),
        ("/site/sound.mp3", "media"),
        // <object data=movie.swf>: a plugin Chromium does not have, so nothing is fetched.
        ("/site/doc.pdf", "other"),
        ("/site/frame.html", "iframe"),
        ("/site/frame.css", "stylesheet"),
        ("/site/frame.png", "image"),
        ("/site/frame-border.png", "image"),
        ("/site/imported-bg.png", "image"),
        ("/site/f.woff2", "font"),
        ("/site/missing.png", "image"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    want.sort();
    assert_eq!(got_sorted, want);
    // One request per distinct URL: the server saw each path once.
    let mut paths = s.paths();
    let n = paths.len();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), n, "a URL was requested twice: {:?}", s.paths());

    // Initiators name the document or stylesheet, the element, attribute and line.
    let css = entry(&load, "/site/main.css");
    assert_eq!(css["initiator"]["kind"], "parser");
    assert_eq!(css["initiator"]["element"], "link");
    assert_eq!(css["initiator"]["line"], 3);
    let imported = entry(&load, "/imported.css");
    assert_eq!(imported["initiator"]["kind"], "import");
    assert!(imported["initiator"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/site/main.css"));
    let font = entry(&load, "/f.woff2");
    assert_eq!(font["initiator"]["element"], "@font-face");
    assert_eq!(font["initiator"]["line"], 3);
    let frame_img = entry(&load, "/frame.png");
    assert!(frame_img["initiator"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/site/frame.html"));
    assert_eq!(frame_img["frame_depth"], 1);
    assert_eq!(entry(&load, "/big.png")["initiator"]["attribute"], "srcset");
    assert_eq!(entry(&load, "/site/pre.js")["initiator"]["kind"], "preload");

    // Totals and the not-fetchable tally.
    let t = &load["totals"];
    assert_eq!(t["requests"], 23);
    assert_eq!(t["failed"], 1);
    assert_eq!(t["by_type"]["image"]["requests"], 10);
    assert_eq!(load["skipped"]["data"], 1);
    let sum: u64 = entries(&load)
        .iter()
        .map(|e| e["transfer_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(t["transfer_bytes"], sum);
    assert_eq!(entry(&load, "/missing.png")["status"], 404);
}

#[test]
fn entries_carry_timings_bytes_version_and_address() {
    let s = TestServer::start(vec![
        ("/", Route::html("<img src=/a.png>")),
        (
            "/a.png",
            Route::ok("image/png", vec![7u8; 5000]).delayed(Duration::from_millis(120)),
        ),
    ]);
    let load = audit_json(&[&s.url("/")]);
    let a = entry(&load, "/a.png");
    assert_eq!(a["body_bytes"], 5000);
    assert_eq!(a["decoded_bytes"], 5000);
    let headers = a["header_bytes"].as_u64().unwrap();
    assert_eq!(a["transfer_bytes"].as_u64().unwrap(), 5000 + headers);
    // Status line and headers exactly as the server sent them, counted at the socket.
    let expected = "HTTP/1.1 200 X\r\n".len()
        + "Content-Type: image/png\r\n".len()
        + "Content-Length: 5000\r\n".len()
        + 2;
    assert_eq!(headers as usize, expected);
    assert_eq!(a["http_version"], "HTTP/1.1");
    assert_eq!(a["remote_addr"], s.addr.to_string());
    assert_eq!(a["mime_type"], "image/png");
    let wait = a["timings_ms"]["wait_ms"].as_f64().unwrap();
    assert!(
        (120.0..1500.0).contains(&wait),
        "wait {wait} ms should include the 120 ms delay"
    );
    let fully = load["fully_loaded_ms"].as_f64().unwrap();
    assert!(fully >= 120.0);
    assert!(load["document_ttfb_ms"].as_f64().unwrap() >= 0.0);
    // Phases not measured separately are null, never invented.
    assert!(a["timings_ms"]["dns_ms"].is_null());
}

#[test]
fn redirects_are_followed_hop_by_hop_each_its_own_entry() {
    let s = TestServer::start(vec![
        (
            "/",
            Route::html("<img src=/r1><img src=/loop-a><img src=/hop0>"),
        ),
        ("/r1", Route::redirect(302, "/r2")),
        ("/r2", Route::redirect(301, "final.png")),
        ("/final.png", Route::ok("image/png", PNG)),
        ("/loop-a", Route::redirect(302, "/loop-b")),
        ("/loop-b", Route::redirect(307, "/loop-a")),
    ]);
    // A 25-hop chain: /hop0 -> /hop1 -> ... -> /hop25.
    let mut routes = Vec::new();
    for i in 0..25 {
        routes.push((
            format!("/hop{i}"),
            Route::redirect(302, &format!("/hop{}", i + 1)),
        ));
    }
    let chain = TestServer::start(
        std::iter::once(("/".to_string(), Route::html("<img src=/hop0>")))
            .chain(routes)
            .map(|(p, r)| (Box::leak(p.into_boxed_str()) as &str, r))
            .collect(),
    );
    let load = audit_json(&[&s.url("/")]);
    let r2 = entry(&load, "/r2");
    assert_eq!(r2["status"], 301);
    assert_eq!(r2["initiator"]["kind"], "redirect");
    assert!(r2["redirect_url"].as_str().unwrap().ends_with("/final.png"));
    assert_eq!(entry(&load, "/final.png")["status"], 200);
    assert_eq!(entry(&load, "/final.png")["resource_type"], "image");
    let b = entry(&load, "/loop-b");
    assert_eq!(b["error"]["kind"], "redirect_loop");
    assert_eq!(load["totals"]["redirects"], 4); // r1, r2, loop-a, loop-b

    let load = audit_json(&[&chain.url("/")]);
    let hops = entries(&load)
        .iter()
        .filter(|e| e["url"].as_str().unwrap().contains("/hop"))
        .count();
    assert_eq!(
        hops, 21,
        "20 redirects followed, then the chain is an error"
    );
    let last = entries(&load)
        .iter()
        .filter(|e| !e["error"].is_null())
        .collect::<Vec<_>>();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0]["error"]["kind"], "too_many_redirects");
}

#[test]
fn failures_are_entries_and_the_rest_of_the_report_is_complete() {
    let s = TestServer::start(vec![
        ("/", Route::html("<link rel=stylesheet href=/reset.css><img src=/slow.png><img src=/mid.png><img src=/ok.png><script src=/hang.js></script><img src=/gone.png>")),
        ("/reset.css", Route::css("x").action(Action::ResetBeforeHeaders)),
        ("/slow.png", Route::ok("image/png", PNG).delayed(Duration::from_secs(5))),
        ("/mid.png", Route::ok("image/png", vec![1u8; 100_000]).action(Action::ResetMidBody)),
        ("/hang.js", Route::ok("text/javascript", "x").action(Action::Hang)),
        ("/ok.png", Route::ok("image/png", PNG)),
        ("/gone.png", Route::status(410)),
    ]);
    let started = std::time::Instant::now();
    let load = audit_json(&[&s.url("/"), "--timeout", "700ms"]);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the timeout bounds the audit"
    );
    assert_eq!(entry(&load, "/reset.css")["error"]["kind"], "reset");
    assert_eq!(entry(&load, "/slow.png")["error"]["kind"], "timeout");
    assert_eq!(entry(&load, "/hang.js")["error"]["kind"], "timeout");
    let mid = entry(&load, "/mid.png");
    assert_eq!(mid["status"], 200);
    assert_eq!(mid["error"]["kind"], "reset", "{}", mid["error"]);
    assert_eq!(entry(&load, "/gone.png")["status"], 410);
    assert_eq!(entry(&load, "/ok.png")["status"], 200);
    assert_eq!(entry(&load, "/ok.png")["body_bytes"], PNG.len());
    assert_eq!(load["totals"]["requests"], 7);
    assert_eq!(load["totals"]["failed"], 5);
}

#[test]
fn an_import_cycle_requests_each_sheet_once_and_says_so() {
    let s = TestServer::start(vec![
        (
            "/",
            Route::html("<link rel=stylesheet href=/a.css><p>t</p><div>d</div>"),
        ),
        (
            "/a.css",
            Route::css("@import url(b.css); p { background: url(a.png) }"),
        ),
        (
            "/b.css",
            Route::css("@import url(a.css); div { background-image: url(b.png) }"),
        ),
        ("/a.png", Route::ok("image/png", PNG)),
        ("/b.png", Route::ok("image/png", PNG)),
    ]);
    let load = audit_json(&[&s.url("/")]);
    let mut paths = s.paths();
    paths.sort();
    assert_eq!(paths, ["/", "/a.css", "/a.png", "/b.css", "/b.png"]);
    let notes: Vec<&str> = load["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("@import cycle")),
        "{notes:?}"
    );
}

#[test]
fn gzip_bodies_count_wire_and_decoded_bytes_exactly() {
    let body = "body { color: red }\n".repeat(500);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(body.as_bytes()).unwrap();
    let gz = e.finish().unwrap();
    let gz_len = gz.len();
    let s = TestServer::start(vec![
        ("/", Route::html("<link rel=stylesheet href=/s.css>")),
        (
            "/s.css",
            Route::ok("text/css", gz).header("Content-Encoding", "gzip"),
        ),
    ]);
    let load = audit_json(&[&s.url("/")]);
    let css = entry(&load, "/s.css");
    assert_eq!(css["body_bytes"], gz_len);
    assert_eq!(css["decoded_bytes"], body.len());
    assert!(css["transfer_bytes"].as_u64().unwrap() < body.len() as u64);
    assert_eq!(css["content_encoding"], "gzip");
    let sent = &s.requests()[1];
    assert!(sent
        .headers
        .iter()
        .any(|(n, v)| n == "accept-encoding" && v.contains("gzip") && v.contains("br")));
}

#[test]
fn at_most_six_requests_per_origin_are_in_flight() {
    let mut routes = vec![];
    let mut page = String::new();
    let names: Vec<String> = (0..12).map(|i| format!("/img{i}.png")).collect();
    for n in &names {
        page.push_str(&format!("<img src={n}>"));
    }
    routes.push(("/", Route::html(&page)));
    for n in &names {
        routes.push((
            n.as_str(),
            Route::ok("image/png", PNG).delayed(Duration::from_millis(150)),
        ));
    }
    let s = TestServer::start(routes);
    let load = audit_json(&[&s.url("/")]);
    assert_eq!(s.max_in_flight(), 6);
    let blocked: Vec<f64> = entries(&load)
        .iter()
        .filter(|e| e["resource_type"] == "image")
        .map(|e| e["timings_ms"]["blocked_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(
        blocked.iter().filter(|b| **b >= 100.0).count(),
        6,
        "the second six wait: {blocked:?}"
    );
    let load = audit_json(&[&s.url("/"), "--per-origin", "2"]);
    assert_eq!(load["settings"]["per_origin"], 2);
}

#[test]
fn resolve_pins_a_host_name_to_loopback_and_headers_are_sent() {
    let s = TestServer::start(vec![
        (
            "/",
            Route::html(
                "<img src=http://cdn.pagecost.test:PORT/x.png>"
                    .replace("PORT", "0")
                    .as_str(),
            ),
        ),
        ("/x.png", Route::ok("image/png", PNG)),
    ]);
    let port = s.addr.port();
    let page = format!("http://site.pagecost.test:{port}/");
    let load = audit_json(&[
        &page,
        "--resolve",
        &format!("site.pagecost.test:{port}:127.0.0.1"),
        "-H",
        "X-Test: yes",
        "--user-agent",
        "pagecost-test",
    ]);
    assert_eq!(entries(&load)[0]["status"], 200);
    let first = &s.requests()[0];
    assert!(first
        .headers
        .iter()
        .any(|(n, v)| n == "x-test" && v == "yes"));
    assert!(first
        .headers
        .iter()
        .any(|(n, v)| n == "user-agent" && v == "pagecost-test"));
    assert!(first
        .headers
        .iter()
        .any(|(n, v)| n == "host" && v == &format!("site.pagecost.test:{port}")));
}

#[test]
fn a_non_html_document_is_a_single_request_with_a_note() {
    let s = TestServer::start(vec![("/pic.png", Route::ok("image/png", PNG))]);
    let load = audit_json(&[&s.url("/pic.png")]);
    assert_eq!(load["totals"]["requests"], 1);
    let notes = load["notes"].to_string();
    assert!(notes.contains("image/png, not HTML"), "{notes}");
}

#[test]
fn the_table_report_shows_summary_totals_problems_and_waterfall() {
    let s = TestServer::start(vec![
        (
            "/",
            Route::html("<link rel=stylesheet href=/empty.css><img src=/nope.png>"),
        ),
        ("/empty.css", Route::css("")),
    ]);
    let (code, out, _) = pagecost(&["audit", &s.url("/")]);
    assert_eq!(code, 0);
    for want in [
        "requests       3",
        "fully loaded",
        "stylesheet",
        "empty stylesheet (0 bytes)",
        "HTTP 404",
        "phases:",
        &s.addr.to_string(),
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

fn one_line_error(args: &[&str], wants: &[&str]) {
    let (code, out, err) = pagecost(args);
    assert_eq!(code, 2, "{args:?}: stdout {out} stderr {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line on stderr: {err}"
    );
    for w in wants {
        assert!(err.contains(w), "{args:?}: {err:?} lacks {w:?}");
    }
    assert!(!err.contains("panicked"));
}

#[test]
fn bad_targets_fail_with_one_line_naming_the_input_and_exit_2() {
    let closed = support::closed_port();
    let refused = format!("http://{closed}/");
    one_line_error(&["audit", &refused], &[&refused, "connect"]);
    one_line_error(
        &["audit", "http://exa mple.org/"],
        &["exa mple.org", "not a valid URL"],
    );
    one_line_error(
        &["audit", "ftp://example.org/"],
        &["ftp://example.org/", "unsupported scheme"],
    );
    one_line_error(
        &["audit", "does/not/exist.html"],
        &["does/not/exist.html", "no such file"],
    );
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_str().unwrap();
    one_line_error(&["audit", dir], &[dir, "no index.html"]);
    one_line_error(
        &["audit", "http://no-such-host.invalid/", "--timeout", "5s"],
        &["no-such-host.invalid", "dns"],
    );
    one_line_error(
        &["audit", "http://127.0.0.1:9/", "--resolve", "bad"],
        &["--resolve bad"],
    );
}

#[test]
fn the_bundled_demo_loads_offline_with_its_failures_reported() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/");
    let load = audit_json(&[demo]);
    let t = &load["totals"];
    let urls: Vec<&str> = entries(&load)
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(t["requests"], 19, "{urls:#?}");
    assert_eq!(t["failed"], 1);
    assert_eq!(t["empty"], 1);
    assert_eq!(entry(&load, "/css/theme.css")["decoded_bytes"], 0);
    assert_eq!(entry(&load, "/img/thumb-old-name.png")["status"], 404);
    // What a browser would not load is not loaded.
    for absent in [
        "/img/unused-ad.png",
        "/fonts/unused-display.woff2",
        "/fonts/literata-italic.woff2",
        "/fonts/literata.woff",
        "/img/promo-hover.png",
        "/img/tracking-pixel.png",
        "/js/widgets-legacy.js",
        "/img/contrast-bg.png",
        "/img/hero-480.png",
        "/img/hero-1920.png",
        "/img/masthead-small.png",
    ] {
        assert!(
            !urls.iter().any(|u| u.ends_with(absent)),
            "{absent} should not load"
        );
    }
    assert!(
        urls.iter().any(|u| u.ends_with("/css/contrast.css")),
        "alternate sheets are fetched"
    );
    assert!(urls.iter().any(|u| u.ends_with("/img/hero-960.png")));
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/index.html");
    let load: Value = audit_json(&[file]);
    assert_eq!(load["totals"]["requests"], 19);
}

#[test]
fn viewport_dpr_and_the_mobile_preset_change_which_image_a_page_loads() {
    let s = TestServer::start(vec![
        (
            "/",
            Route::html("<img srcset='/s.png 400w, /m.png 800w, /l.png 1600w' sizes='100vw'><link rel=stylesheet href=/w.css><div class=x></div>"),
        ),
        ("/w.css", Route::css("@media (max-width: 600px) { .x { background: url(/narrow.png) } }")),
    ]);
    let pick = |args: &[&str]| -> Vec<String> {
        let mut all = vec![s.url("/")];
        all.extend(args.iter().map(|a| a.to_string()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let load = audit_json(&refs);
        entries(&load)
            .iter()
            .map(|e| {
                e["url"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .filter(|u| u.ends_with(".png"))
            .collect()
    };
    assert_eq!(pick(&[]), ["l.png"]); // 1350 px at DPR 1 needs 1350 w: the 1600w candidate
    assert_eq!(pick(&["--viewport", "700x900"]), ["m.png"]);
    assert_eq!(pick(&["--viewport", "700x900", "--dpr", "2"]), ["l.png"]);
    // 412 px at DPR 1.75 needs 721 w: the 800w candidate; and (max-width: 600px) matches.
    let mut mobile = pick(&["--mobile"]);
    mobile.sort();
    assert_eq!(mobile, ["m.png", "narrow.png"]);
    let mut narrow = pick(&["--viewport", "375x800"]);
    narrow.sort();
    assert_eq!(narrow, ["narrow.png", "s.png"]);
}

/// `file:` URLs read as browsers read them (`file://localhost/path`, percent-escapes), and a
/// file that cannot be read is one line naming it, its cause said once.
#[test]
fn file_urls_name_the_file_and_say_the_cause_once() {
    let demo = std::fs::canonicalize("fixtures/demo/index.html").unwrap();
    for url in [
        format!("file://{}", demo.display()),
        format!("file://localhost{}", demo.display()),
        format!("file://{}", demo.display()).replace("index", "%69ndex"),
    ] {
        let (code, out, err) = pagecost(&["audit", &url, "-q", "--format", "json"]);
        assert_eq!(code, 0, "{url}: {err}");
        assert!(out.contains("\"requests\": 19"), "{url}");
    }
    for url in [
        "file:///no/such/page.html",
        "file://localhost/no/such/page.html",
    ] {
        let (code, _, err) = pagecost(&["audit", url]);
        assert_eq!(code, 2);
        assert_eq!(
            err, "pagecost: /no/such/page.html: No such file or directory (os error 2)\n",
            "{url}"
        );
    }
    let (code, _, err) = pagecost(&["audit", "file://server/share/page.html"]);
    assert_eq!(code, 2);
    assert!(err.contains("names a file on this machine"), "{err}");
}
