//! What the page could weigh (`--savings`): text sent uncompressed is compressed by the
//! static engine and flagged when that saves enough; an already compressed or
//! incompressible body is not; static assets fresh for less than a week are listed with
//! what a repeat visit fetches again.

use crate::support;

use serde_json::Value;
use support::savings::{app_js, gzip, noise};
use support::{audit_json, pagecost, Route, TestServer};

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
    assert!(out.contains("savings: could weigh"), "{out}");
    assert!(out.contains("with brotli (gzip"), "{out}");
    // The noise served as PNG and GIF does not decode: said, not counted as 0.
    assert!(out.contains("2 images not measured"), "{out}");
    assert!(out.contains("/app.js") && out.contains("compress"), "{out}");
    assert!(
        out.contains("cache 1 h") && out.contains("revalidated"),
        "{out}"
    );
    let (_, md, _) = pagecost(&["audit", &srv.url("/"), "--savings", "--format", "markdown"]);
    assert!(md.contains("**Savings:** could weigh"), "{md}");
    assert!(md.contains("| compress (brotli) |"), "{md}");
    let plain = audit_json(&[&srv.url("/")]);
    assert!(plain.get("savings").is_none());
    // Without the flag no body is kept for it: the entry has no compressed size.
    assert!(support::entry(&plain, "/app.js")
        .get("compressed")
        .is_none());
}

/// Images: a heavy JPEG is flagged with its candidates and their SSIM; a small, already
/// tight PNG is measured and not flagged; an SVG is text, not an image to re-encode.
#[cfg(feature = "images")]
mod images {
    use super::*;
    use support::savings::jpeg;

    fn logo_png() -> Vec<u8> {
        let img = image::RgbImage::from_fn(48, 48, |x, _| {
            image::Rgb(if x < 24 {
                [200, 30, 30]
            } else {
                [255, 255, 255]
            })
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn page() -> (TestServer, usize) {
        let heavy = jpeg(480, 320, 100);
        let n = heavy.len();
        let srv = TestServer::start(vec![
            (
                "/",
                Route::html(
                    r#"<html><body><img src="/hero.jpg"><img src="/logo.png">
                    <img src="/icon.svg"></body></html>"#,
                ),
            ),
            ("/hero.jpg", Route::ok("image/jpeg", heavy)),
            ("/logo.png", Route::ok("image/png", logo_png())),
            (
                "/icon.svg",
                Route::ok(
                    "image/svg+xml",
                    "<svg xmlns='http://www.w3.org/2000/svg'><circle r='4'/></svg>",
                ),
            ),
        ]);
        (srv, n)
    }

    #[test]
    fn a_heavy_jpeg_is_flagged_with_each_candidate_and_its_ssim() {
        let (srv, n) = page();
        let load = audit_json(&[&srv.url("/"), "--savings", "--quality", "85,95"]);
        let s = &load["savings"];
        let images = s["images"].as_array().unwrap();
        assert_eq!(
            images.len(),
            1,
            "{s:#} {}",
            support::entry(&load, "/hero.jpg")
        );
        let hero = &images[0];
        assert!(hero["url"].as_str().unwrap().ends_with("/hero.jpg"));
        let r = &hero["recoded"];
        assert_eq!(
            (
                r["format"].as_str(),
                r["width"].as_u64(),
                r["height"].as_u64()
            ),
            (Some("jpeg"), Some(480), Some(320))
        );
        let cands = r["candidates"].as_array().unwrap();
        let kinds: Vec<(&str, u64)> = cands
            .iter()
            .map(|c| {
                (
                    c["format"].as_str().unwrap(),
                    c["quality"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(kinds, [("jpeg", 85), ("jpeg", 95), ("webp", 85)]);
        let bytes = |i: usize| cands[i]["bytes"].as_u64().unwrap();
        let ssim = |i: usize| cands[i]["ssim"].as_f64().unwrap();
        assert!(bytes(0) < bytes(1) && bytes(1) < n as u64, "{cands:?}");
        assert!(
            ssim(0) < ssim(1) && ssim(1) < 1.0 && ssim(0) > 0.9,
            "{cands:?}"
        );
        let best = hero["best"].as_u64().unwrap() as usize;
        assert_eq!(
            hero["saved_bytes"].as_u64().unwrap(),
            n as u64 - bytes(best)
        );
        assert_eq!(s["image_saved_bytes"], hero["saved_bytes"]);
        // The PNG was measured and is not worth it; the SVG is text, not an image.
        assert_eq!(s["images_unknown"], 0);
        let png = support::entry(&load, "/logo.png");
        assert_eq!(png["recoded"]["candidates"][0]["format"], "webp");
        assert!(support::entry(&load, "/icon.svg").get("recoded").is_none());
    }

    #[test]
    fn the_table_shows_the_candidates_and_a_quality_out_of_range_is_refused() {
        let (srv, _) = page();
        let (code, out, err) = pagecost(&["audit", &srv.url("/"), "--savings"]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("jpeg 480x320") && out.contains("jpeg q85"),
            "{out}"
        );
        assert!(out.contains("SSIM 0.9"), "{out}");
        assert!(out.contains("could weigh"), "{out}");
        let (code, _, err) = pagecost(&["audit", &srv.url("/"), "--savings", "--quality", "0"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--quality"), "{err}");
    }
}

#[test]
fn a_budget_limits_what_the_page_could_shed_and_says_when_it_was_not_measured() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let budget = |kib: u32| {
        let p = dir.path().join(format!("b{kib}.json"));
        std::fs::write(&p, format!(r#"[{{"pagecost": {{"savings": {kib}}}}}]"#)).unwrap();
        p.to_string_lossy().into_owned()
    };
    let (tight, loose) = (budget(5), budget(100));
    let url = srv.url("/");
    let (code, out, err) = pagecost(&["audit", &url, "--savings", "--budget", &tight]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("pagecost.savings"), "{out}");
    let (code, out, err) = pagecost(&["audit", &url, "--savings", "--budget", &loose]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = pagecost(&["audit", &url, "--budget", &tight]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("pagecost.savings") && out.contains("unsupported"),
        "{out}"
    );
}

#[test]
fn compare_weighs_the_savings_of_both_sides() {
    let srv = server();
    let url = srv.url("/");
    let (code, out, err) = pagecost(&[
        "compare",
        &url,
        &url,
        "--savings",
        "--runs",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    let saved = c["a"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "savings_bytes")
        .unwrap_or_else(|| panic!("{:#}", c["a"]["metrics"]));
    assert!(
        saved["summary"]["median"].as_f64().unwrap() > 10_000.0,
        "{saved}"
    );
}
