//! What the page could weigh (`--savings`): text sent uncompressed is compressed by the
//! static engine and flagged when that saves enough; an already compressed or
//! incompressible body is not; static assets fresh for less than a week are listed with
//! what a repeat visit fetches again.

use crate::support;

use serde_json::Value;
use std::io::Write;
use support::{audit_json, pagecost, Route, TestServer};

/// Bytes no compressor can shrink (xorshift), as text.
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_u32;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b'!' + (x % 90) as u8
        })
        .collect()
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(body).unwrap();
    e.finish().unwrap()
}

fn app_js() -> String {
    (0..600)
        .map(|i| format!("function f{i}(a, b) {{ return a * {i} + b; }}\n"))
        .collect()
}

fn server() -> TestServer {
    let css = "body { margin: 0; color: #333; }\n".repeat(400);
    TestServer::start(vec![
        (
            "/",
            Route::html(
                r#"<html><head><link rel="stylesheet" href="/site.css">
                <script src="/app.js"></script><script src="/noise.js"></script></head>
                <body><img src="/logo.png"><img src="/tracker.gif"></body></html>"#,
            ),
        ),
        ("/app.js", Route::ok("text/javascript", app_js())),
        ("/noise.js", Route::ok("text/javascript", noise(8000))),
        (
            "/site.css",
            Route::ok("text/css", gzip(css.as_bytes()))
                .header("content-encoding", "gzip")
                .header("cache-control", "public, max-age=31536000"),
        ),
        (
            "/logo.png",
            Route::ok("image/png", noise(5000))
                .header("cache-control", "max-age=3600")
                .header("etag", "\"v1\""),
        ),
        (
            "/tracker.gif",
            Route::ok("image/gif", noise(43)).header("cache-control", "no-store"),
        ),
    ])
}

fn by_url<'a>(list: &'a Value, suffix: &str) -> Option<&'a Value> {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["url"].as_str().unwrap().ends_with(suffix))
}

#[test]
fn uncompressed_text_is_flagged_with_its_gzip_and_brotli_sizes_and_nothing_else_is() {
    let srv = server();
    let load = audit_json(&[&srv.url("/"), "--savings"]);
    let s = &load["savings"];
    let text = &s["text"];
    assert_eq!(text.as_array().unwrap().len(), 1, "{text:#}");
    let app = by_url(text, "/app.js").expect("app.js flagged");
    let body = app_js();
    assert_eq!(app["decoded_bytes"], body.len() as u64);
    // The whole body was compressed: gzip at level 6 gives exactly this.
    let gz = gzip(body.as_bytes()).len() as u64;
    assert_eq!(app["compressed"]["gzip_bytes"], gz);
    let br = app["compressed"]["brotli_bytes"].as_u64().unwrap();
    assert!(br > 0 && br < gz, "brotli {br} against gzip {gz}");
    assert_eq!(app["gzip_saved_bytes"], body.len() as u64 - gz);
    assert_eq!(s["gzip_saved_bytes"], body.len() as u64 - gz);
    assert_eq!(s["brotli_saved_bytes"], body.len() as u64 - br);
    // The compressed stylesheet and the incompressible script are measured, not flagged.
    assert_eq!(s["text_unknown"], 0);
    assert_eq!(s["page_bytes"], load["totals"]["transfer_bytes"]);
}

#[test]
fn assets_fresh_for_less_than_a_week_are_listed_with_what_a_repeat_visit_fetches() {
    let srv = server();
    let load = audit_json(&[&srv.url("/"), "--savings"]);
    let cache = &load["savings"]["cache"];
    assert_eq!(cache.as_array().unwrap().len(), 4, "{cache:#}");
    // A year's lifetime is enough.
    assert!(by_url(cache, "/site.css").is_none());
    let app = by_url(cache, "/app.js").unwrap();
    assert_eq!(app["lifetime"]["kind"], "not_stated");
    assert_eq!(app["repeat_bytes"], app_js().len() as u64);
    let logo = by_url(cache, "/logo.png").unwrap();
    assert_eq!(logo["lifetime"]["seconds"], 3600);
    assert_eq!(logo["revalidates"], true);
    assert_eq!(logo["repeat_bytes"], 0);
    let pixel = by_url(cache, "/tracker.gif").unwrap();
    assert_eq!(pixel["lifetime"]["kind"], "no_store");
    assert_eq!(pixel["repeat_bytes"], 43);
    let repeat = app_js().len() as u64 + 8000 + 43;
    assert_eq!(load["savings"]["repeat_bytes"], repeat);
    assert_eq!(load["savings"]["repeat_requests"], 4);
}

#[test]
fn the_report_says_what_the_page_could_weigh_and_nothing_without_the_flag() {
    let srv = server();
    let (code, out, err) = pagecost(&["audit", &srv.url("/"), "--savings"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("savings: could save"), "{out}");
    assert!(out.contains("with brotli (gzip"), "{out}");
    assert!(out.contains("/app.js") && out.contains("compress"), "{out}");
    assert!(
        out.contains("cache 1 h") && out.contains("revalidated"),
        "{out}"
    );
    let (_, md, _) = pagecost(&["audit", &srv.url("/"), "--savings", "--format", "markdown"]);
    assert!(md.contains("**Savings:** could save"), "{md}");
    assert!(md.contains("| compress (brotli) |"), "{md}");
    let plain = audit_json(&[&srv.url("/")]);
    assert!(plain.get("savings").is_none());
    // Without the flag no body is kept for it: the entry has no compressed size.
    assert!(support::entry(&plain, "/app.js")
        .get("compressed")
        .is_none());
}
