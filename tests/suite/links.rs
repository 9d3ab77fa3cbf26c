//! `pagecost links` end to end: extraction, every filter and format, stdin, and `--check`
//! against loopback servers.

use crate::support;

use std::time::Duration;
use support::{pagecost, Route, TestServer};

const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/links/page.html");
const BASE: &str = "https://reading.example/list";

fn lines(args: &[&str]) -> Vec<String> {
    let mut all = vec!["links", PAGE, "--base", BASE];
    all.extend_from_slice(args);
    let (code, out, err) = pagecost(&all);
    assert_eq!(code, 0, "{all:?}: {err}");
    out.lines().map(str::to_string).collect()
}

#[test]
fn links_resolve_relative_protocol_relative_and_entity_hrefs_in_order_without_duplicates() {
    assert_eq!(
        lines(&[]),
        [
            "https://reading.example/",
            "https://reading.example/about.html",
            "https://react.dev/learn",
            "https://cdn.reading.example/guides/react-patterns.pdf",
            "https://vuejs.org/guide/",
            "https://reading.example/search?q=react&sort=new",
            "https://reading.example/list#react",
            "https://github.com/facebook/react",
            "mailto:editor@reading.example",
            "invalid: http://[::1",
            "https://maps.example/area",
        ]
    );
    assert_eq!(lines(&["--keep-duplicates"]).len(), 12);
}

#[test]
fn text_filters_see_nested_markup_and_image_alt() {
    assert_eq!(
        lines(&["--text", "^Learn React, the library$"]),
        ["https://react.dev/learn"]
    );
    assert_eq!(lines(&["--text", "github"]), Vec::<String>::new());
    assert_eq!(
        lines(&["--text", "github", "-i"]),
        ["https://github.com/facebook/react"]
    );
    assert_eq!(
        lines(&["--text", "Vue guide"]),
        ["https://vuejs.org/guide/"]
    );
}

#[test]
fn url_exclude_site_and_scheme_filters_combine() {
    assert_eq!(
        lines(&["--match", "react", "--exclude", "github|\\.dev"]),
        [
            "https://cdn.reading.example/guides/react-patterns.pdf",
            "https://reading.example/search?q=react&sort=new",
            "https://reading.example/list#react",
        ]
    );
    assert_eq!(
        lines(&["--internal"]),
        [
            "https://reading.example/",
            "https://reading.example/about.html",
            "https://cdn.reading.example/guides/react-patterns.pdf",
            "https://reading.example/search?q=react&sort=new",
            "https://reading.example/list#react",
        ]
    );
    assert_eq!(
        lines(&["--external", "--match", "react"]),
        [
            "https://react.dev/learn",
            "https://github.com/facebook/react"
        ]
    );
    assert_eq!(
        lines(&["--scheme", "mailto"]),
        ["mailto:editor@reading.example"]
    );
    assert_eq!(
        lines(&["--with-text", "--match", "about"]),
        ["https://reading.example/about.html\tAbout"]
    );
}

#[test]
fn kinds_add_link_elements_forms_and_resources() {
    let all = lines(&[
        "--kind",
        "link,form,resource",
        "--match",
        "css|subscribe|canonical|reading.example/list$|gh.png",
    ]);
    assert_eq!(
        all,
        [
            "https://reading.example/style.css",
            "https://reading.example/list",
            "https://reading.example/subscribe",
            "https://reading.example/gh.png",
        ]
    );
}

#[test]
fn every_format_parses() {
    let (code, out, _) = pagecost(&["links", PAGE, "--base", BASE, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 11);
    assert_eq!(arr[2]["text"], "Learn React, the library");
    assert_eq!(arr[7]["alt"], "React on GitHub");
    assert_eq!(arr[9]["url"], serde_json::Value::Null);
    assert_eq!(arr[9]["raw"], "http://[::1");
    assert_eq!(arr[1]["title"], "Who writes this");
    assert!(arr[1]["line"].as_u64().unwrap() > 1);

    let (_, out, _) = pagecost(&["links", PAGE, "--base", BASE, "--format", "csv"]);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "url");
    let recs: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(recs.len(), 11);
    assert_eq!(&recs[2][1], "Learn React, the library");
    assert_eq!(&recs[9][9], "false");

    let (_, out, _) = pagecost(&["links", PAGE, "--base", BASE, "--format", "markdown"]);
    assert!(
        out.contains("- [Learn React, the library](<https://react.dev/learn>)"),
        "{out}"
    );
    assert!(out.contains("invalid URL: `http://[::1`"), "{out}");
}

#[test]
fn html_on_stdin_resolves_against_base() {
    let out = assert_cmd::Command::cargo_bin("pagecost")
        .unwrap()
        .args(["links", "-", "--base", "https://x.test/dir/"])
        .write_stdin("<p><a href='a.html'>A</a> <a href='../b'>B</a></p>")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "https://x.test/dir/a.html\nhttps://x.test/b\n"
    );
}

#[test]
fn bad_regex_and_non_html_fail_with_exit_2() {
    let (code, _, err) = pagecost(&["links", PAGE, "--match", "(unclosed"]);
    assert_eq!(code, 2);
    assert!(err.contains("--match") && err.contains("regex"), "{err}");
    let png = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/img/author.png");
    let (code, _, err) = pagecost(&["links", png]);
    assert_eq!(code, 2);
    assert!(err.contains("not an HTML page"), "{err}");
    let s = TestServer::start(vec![("/data.json", Route::ok("application/json", "{}"))]);
    let (code, _, err) = pagecost(&["links", &s.url("/data.json")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not an HTML page") && err.contains("application/json"),
        "{err}"
    );
}

/// links reads the HTML as served: the browser engine and each of its flags are refused,
/// not ignored.
#[cfg(feature = "browser")]
#[test]
fn the_browser_engine_is_refused_not_ignored() {
    for args in [
        &["--engine", "chromium"][..],
        &["--browser-flag=--mute-audio"],
        &["--quiet-period", "2s"],
        &["--after-load", "2s"],
        &["--browser", "/usr/bin/chromium"],
        &["--no-trace"],
    ] {
        let mut all = vec!["links", PAGE];
        all.extend_from_slice(args);
        let (code, out, err) = pagecost(&all);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("links"), "{err}");
    }
}

/// links loads no subresources: each option of a page's load is refused, not ignored.
#[test]
fn options_of_a_page_load_are_refused_not_ignored() {
    for args in [
        &["--throttle", "lte"][..],
        &["--viewport", "400x800"],
        &["--mobile"],
        &["--max-refs", "3"],
        &["--first-party", "cdn.example"],
        &["--dpr", "2"],
        &["--max-frame-depth", "1"],
        &["--audit-timeout", "5s"],
    ] {
        let mut all = vec!["links", PAGE];
        all.extend_from_slice(args);
        let (code, out, err) = pagecost(&all);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "pagecost: {}: links loads no subresources",
                args[0]
            )),
            "{err}"
        );
    }
    assert!(
        !lines(&["--timeout", "5s"]).is_empty(),
        "a fetch option is kept"
    );
}

/// The `--check` output line of the link to `path` on the server at `addr`.
fn checked_line(out: &str, addr: std::net::SocketAddr, path: &str) -> String {
    let at = format!("{addr}{path}");
    out.lines()
        .find(|l| l.contains(&format!("{at} ")) || l.ends_with(&at))
        .unwrap_or_else(|| panic!("no {path} in {out}"))
        .to_string()
}

fn check_server() -> TestServer {
    let page = "<a href=/flaky>flaky</a><a href=/gone>gone</a><a href=/old>old</a><a href=/hang>hang</a><a href=/ok>ok</a><a href=/nohead>nohead</a><a href=mailto:a@b.c>mail</a>";
    TestServer::start_seq(vec![
        ("/", vec![Route::html(page)]),
        (
            "/flaky",
            vec![
                Route::status(503),
                Route::status(503),
                Route::ok("text/plain", "fine"),
            ],
        ),
        ("/gone", vec![Route::status(404)]),
        ("/old", vec![Route::redirect(301, "/older")]),
        ("/older", vec![Route::redirect(302, "/ok")]),
        ("/ok", vec![Route::ok("text/plain", "ok")]),
        (
            "/hang",
            vec![Route::ok("text/plain", "x").action(support::Action::Hang)],
        ),
        (
            "/nohead",
            vec![Route::status(405), Route::ok("text/plain", "got it")],
        ),
    ])
}

#[test]
fn check_retries_with_backoff_follows_redirects_and_reports_broken_links() {
    let s = check_server();
    let (code, out, err) = pagecost(&[
        "links",
        &s.url("/"),
        "--check",
        "--retries",
        "3",
        "--backoff",
        "200ms",
        "--timeout",
        "700ms",
    ]);
    assert_eq!(code, 1, "a broken link fails the check: {out}{err}");
    let line = |p: &str| checked_line(&out, s.addr, p);
    assert!(line("/flaky").starts_with("200 ok"), "{}", line("/flaky"));
    assert!(line("/gone").starts_with("404 broken"), "{}", line("/gone"));
    assert!(
        line("/old").starts_with("200 redirected")
            && line("/old").contains("-> ")
            && line("/old").contains("/ok")
    );
    assert!(
        line("/hang").contains("broken") && line("/hang").contains("timeout"),
        "{}",
        line("/hang")
    );
    assert!(
        line("/nohead").starts_with("200 ok"),
        "HEAD refused, GET used: {}",
        line("/nohead")
    );
    assert!(
        err.contains("7 links: 3 ok, 1 redirected, 2 broken, 1 skipped"),
        "{err}"
    );
    // The flaky link was tried three times, 200 ms then 400 ms apart.
    let times: Vec<std::time::Instant> = s
        .requests()
        .iter()
        .filter(|r| r.path == "/flaky")
        .map(|r| r.at)
        .collect();
    assert_eq!(times.len(), 3);
    let (d1, d2) = (times[1] - times[0], times[2] - times[1]);
    assert!(
        d1 >= Duration::from_millis(195) && d1 < Duration::from_millis(390),
        "{d1:?}"
    );
    assert!(
        d2 >= Duration::from_millis(395) && d2 < Duration::from_millis(790),
        "{d2:?}"
    );
    let methods: Vec<String> = s
        .requests()
        .iter()
        .filter(|r| r.path == "/nohead")
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods, ["HEAD", "GET"]);
}

/// A redirect that cannot be followed breaks its link, saying why: a loop, a hop too many,
/// a redirect with no Location.
#[test]
fn redirects_that_cannot_be_followed_break_the_link_saying_why() {
    let page =
        "<a href=/loop-a>a</a><a href=/far0>far</a><a href=/nowhere>n</a><a href=/near0>near</a>";
    let s = TestServer::start(vec![
        ("/", Route::html(page)),
        ("/loop-a", Route::redirect(302, "/loop-b")),
        ("/loop-b", Route::redirect(307, "/loop-a")),
        ("/far0", Route::redirect(301, "/far1")),
        ("/far1", Route::redirect(301, "/far2")),
        ("/far2", Route::redirect(301, "/far3")),
        ("/far3", Route::ok("text/plain", "far")),
        ("/nowhere", Route::status(302)),
        ("/near0", Route::redirect(302, "/near1")),
        ("/near1", Route::ok("text/plain", "near")),
    ]);
    let (code, out, err) = pagecost(&[
        "links",
        &s.url("/"),
        "--check",
        "--max-redirects",
        "2",
        "--retries",
        "0",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let line = |p: &str| checked_line(&out, s.addr, p);
    assert!(line("/loop-a").contains("redirect loop back to"), "{out}");
    assert!(line("/far0").contains("more than 2 redirects"), "{out}");
    assert!(line("/nowhere").contains("302 without a Location"), "{out}");
    assert!(line("/near0").starts_with("200 redirected"), "{out}");
}

#[test]
fn retry_after_is_honoured() {
    let s = TestServer::start_seq(vec![
        ("/", vec![Route::html("<a href=/busy>busy</a>")]),
        (
            "/busy",
            vec![
                Route::status(429).header("Retry-After", "1"),
                Route::ok("text/plain", "ok"),
            ],
        ),
    ]);
    let (code, out, _) = pagecost(&[
        "links",
        &s.url("/"),
        "--check",
        "--backoff",
        "10ms",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["check"]["status"], 200);
    assert_eq!(v[0]["check"]["attempts"], 2);
    let times: Vec<std::time::Instant> = s
        .requests()
        .iter()
        .filter(|r| r.path == "/busy")
        .map(|r| r.at)
        .collect();
    assert!(
        times[1] - times[0] >= Duration::from_millis(990),
        "{:?}",
        times[1] - times[0]
    );
}

/// OWASP's advice against CSV injection: link texts and titles from a page that start with
/// `=`, `+`, `-` or `@` are written with a leading `'`, so a spreadsheet shows them as text
/// instead of running them as formulas.
#[test]
fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("p.html");
    let html = r#"<a href="/a" title="+1 555">=HYPERLINK("http://evil.test","x")</a>
<a href="/b">@SUM(A1)</a><a href="/c">-2+3</a><a href="/d">plain</a>"#;
    std::fs::write(&page, html).unwrap();
    let p = page.to_str().unwrap();
    let (code, out, err) = pagecost(&["links", p, "--format", "csv", "--base", "https://x.test/"]);
    assert_eq!(code, 0, "{err}");
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    let texts: Vec<(String, String)> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_string(), r[2].to_string())
        })
        .collect();
    assert_eq!(texts[0].0, "'=HYPERLINK(\"http://evil.test\",\"x\")");
    assert_eq!(texts[0].1, "'+1 555");
    assert_eq!(texts[1].0, "'@SUM(A1)");
    assert_eq!(texts[2].0, "'-2+3");
    assert_eq!(texts[3].0, "plain");
}

/// Many servers answer HEAD with 403 or 404 and GET with 200 (as a browser would see the
/// link): a link is broken only when GET fails too.
#[test]
fn a_link_whose_server_refuses_head_is_checked_with_get() {
    let s = TestServer::start_seq(vec![
        (
            "/",
            vec![Route::html(
                "<a href=/h403>a</a><a href=/h404>b</a><a href=/gone>c</a>",
            )],
        ),
        ("/h403", vec![Route::status(403), Route::html("ok")]),
        ("/h404", vec![Route::status(404), Route::html("ok")]),
        ("/gone", vec![Route::status(404)]),
    ]);
    let (code, out, err) = pagecost(&["links", &s.url("/"), "--check", "--format", "json"]);
    assert_eq!(code, 1, "one link is really broken: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let outcome = |suffix: &str| {
        let l = v
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["url"].as_str().unwrap().ends_with(suffix))
            .unwrap();
        (
            l["check"]["outcome"].as_str().unwrap().to_string(),
            l["check"]["method"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(outcome("/h403"), ("ok".into(), "GET".into()));
    assert_eq!(outcome("/h404"), ("ok".into(), "GET".into()));
    assert_eq!(outcome("/gone").0, "broken");
}
