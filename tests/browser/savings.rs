//! `--savings` in the browser engine: the bodies are asked of the browser once the page is
//! done and measured as the static engine measures them, so both engines give the same
//! sizes for the same bytes.

#![cfg(all(feature = "browser", feature = "images"))]

use crate::support;

use serde_json::Value;
use support::savings::{app_js, gzip};
use support::{audit_json, Route, TestServer};

fn savings_of<'a>(load: &'a Value, list: &str, suffix: &str) -> &'a Value {
    load["savings"][list]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["url"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} not in savings.{list}: {:#}", load["savings"]))
}

#[test]
fn both_engines_measure_the_same_bodies_the_same_way() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let srv = TestServer::start(vec![
        (
            "/",
            Route::html(
                r#"<html><body><script src="/app.js"></script>
                <img src="/hero.jpg" width="240" height="160"></body></html>"#,
            ),
        ),
        ("/app.js", Route::ok("text/javascript", app_js())),
        (
            "/hero.jpg",
            Route::ok("image/jpeg", support::savings::jpeg(480, 320, 100)),
        ),
    ]);
    let url = srv.url("/");
    let chromium = audit_json(&[&url, "--savings", "--engine", "chromium"]);
    let app = savings_of(&chromium, "text", "/app.js");
    let gz = gzip(app_js().as_bytes()).len() as u64;
    assert_eq!(app["compressed"]["gzip_bytes"], gz);
    assert_eq!(chromium["savings"]["text_unknown"], 0);
    assert_eq!(chromium["savings"]["images_unknown"], 0);
    // Shown at half its size: the layout's size, and a right-sized candidate.
    let hero = &savings_of(&chromium, "images", "/hero.jpg")["recoded"];
    assert_eq!(hero["shown"], serde_json::json!([240, 160]));
    let cands = hero["candidates"].as_array().unwrap();
    let right = cands.last().unwrap();
    assert_eq!(right["resized"], serde_json::json!([240, 160]));
    assert!(
        right["bytes"].as_u64() < cands[0]["bytes"].as_u64(),
        "{cands:?}"
    );
    // The static engine lays nothing out: the same candidates but the right-sized one.
    let static_load = audit_json(&[&url, "--savings"]);
    let text = |l: &Value| savings_of(l, "text", "/app.js")["compressed"].clone();
    assert_eq!(text(&static_load), text(&chromium));
    let fixed = &savings_of(&static_load, "images", "/hero.jpg")["recoded"]["candidates"];
    assert_eq!(fixed.as_array().unwrap()[..], cands[..cands.len() - 1]);
}
