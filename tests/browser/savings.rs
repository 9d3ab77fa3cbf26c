//! `--savings` in the browser engine: the bodies are asked of the browser once the page is
//! done and measured as the static engine measures them, so both engines give the same
//! sizes for the same bytes.

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
                <img src="/hero.jpg" width="480" height="320"></body></html>"#,
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
    let static_load = audit_json(&[&url, "--savings"]);
    for (list, path) in [("text", "/app.js"), ("images", "/hero.jpg")] {
        let (a, b) = (
            savings_of(&static_load, list, path),
            savings_of(&chromium, list, path),
        );
        let key = if list == "text" {
            "compressed"
        } else {
            "recoded"
        };
        assert_eq!(a[key], b[key], "{path}");
    }
}
