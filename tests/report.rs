//! The HTML report: self-contained, escaped, with the waterfall, tooltips and filter box.
//! (scripts/check-html-report.sh renders it in headless Chromium and looks for console errors.)

mod support;

use support::{pagecost, Route, TestServer};

#[test]
fn the_html_report_is_one_self_contained_file() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/");
    let (code, html, _) = pagecost(&["audit", demo, "--format", "html", "-q"]);
    assert_eq!(code, 0);
    assert!(html.starts_with("<!doctype html>"));
    for external in [
        "<script src",
        "<link rel=\"stylesheet\" href",
        "@import url",
        "url(http",
        "<img src=\"http",
    ] {
        assert!(
            !html.contains(external),
            "no external assets: found {external}"
        );
    }
    assert!(html.contains("<svg id=\"wf-a\""));
    assert_eq!(
        html.matches("<g class=\"row\"").count(),
        19,
        "one waterfall row per request"
    );
    assert!(html.contains("oninput=\"pcFilter(this)\""));
    assert!(html.contains("<title>http://"), "tooltips");
    assert!(
        html.contains("fixtures/demo/index.html:39:17"),
        "problems name the referring line"
    );
    for phase in ["blocked", "connect", "wait", "receive"] {
        assert!(
            html.contains(&format!("</i>{phase}</span>")),
            "legend has {phase}"
        );
    }
}

#[test]
fn page_controlled_text_is_escaped_in_the_html_report() {
    let s = TestServer::start(vec![(
        "/",
        Route::html("<img src='/x.png?a=<script>alert(1)</script>'>"),
    )]);
    let (code, html, _) = pagecost(&["audit", &s.url("/"), "--format", "html", "-q"]);
    assert_eq!(code, 0);
    assert!(
        !html.contains("<script>alert(1)"),
        "hostile URL text is escaped"
    );
}

#[test]
fn the_compare_report_draws_both_waterfalls_on_one_scale() {
    let blog = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/compare/blog");
    let adnet = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/compare/adnet");
    let (code, html, _) = pagecost(&[
        "compare",
        &format!("{blog}/index.html"),
        &format!("{blog}/with-ads.html"),
        "--serve-also",
        &format!("securepubads.g.doubleclick.net={adnet}"),
        "--serve-also",
        &format!("tpc.googlesyndication.com={adnet}"),
        "--runs",
        "2",
        "--format",
        "html",
        "-q",
    ]);
    assert_eq!(code, 0);
    assert!(html.contains("<svg id=\"wf-a\"") && html.contains("<svg id=\"wf-b\""));
    assert!(html.contains("Shorter is better"));
    assert!(html.contains("B makes 10 more requests"));
}
