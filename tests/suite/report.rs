//! The HTML report: self-contained, escaped, with the waterfall, tooltips and filter box.
//! (scripts/check-html-report.sh renders it in headless Chromium and looks for console errors.)

use crate::support;

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
    let (a, b) = (
        format!("{blog}/index.html"),
        format!("{blog}/with-ads.html"),
    );
    let mut args = vec!["compare", &a, &b, "--runs", "2", "--format", "html", "-q"];
    let ads = support::serve_ads();
    args.extend(ads.iter().map(String::as_str));
    let (code, html, _) = pagecost(&args);
    assert_eq!(code, 0);
    let (ta, tb) = (axis_ticks(&html, "wf-a"), axis_ticks(&html, "wf-b"));
    assert!(ta.len() >= 3, "A's axis has its ticks: {ta:?}");
    assert_eq!(ta, tb, "both waterfalls have one time axis, tick for tick");
    // The scale is the longer load's: the slower side's last request ends within the axis,
    // the quicker side's well inside it.
    let step = tb[1].0 - tb[0].0;
    let (ea, eb) = (bars_end(&html, "wf-a"), bars_end(&html, "wf-b"));
    let last = tb.last().unwrap().0;
    assert!(
        eb <= last + step,
        "the longer load ends on the axis: {eb} {tb:?}"
    );
    assert!(
        ea < eb,
        "A (no ads) ends left of B on the shared scale: {ea} vs {eb}"
    );
    assert!(html.contains("Shorter is better"));
    assert!(html.contains("B makes 10 more requests"));
}

/// The SVG `id`'s markup.
fn svg<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<svg id=\"{id}\"")).expect(id);
    let len = html[start..].find("</svg>").unwrap();
    &html[start..start + len]
}

/// The time axis of the SVG `id`: each tick's x position and label.
fn axis_ticks(html: &str, id: &str) -> Vec<(f64, String)> {
    let s = svg(html, id);
    let axis = &s[s.find("<g class=\"axis\">").expect("an axis")..];
    let axis = &axis[..axis.find("</g>").unwrap()];
    axis.split("<text x=\"")
        .skip(1)
        .map(|t| {
            let x = t[..t.find('"').unwrap()].parse().unwrap();
            let label = t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].to_string();
            (x, label)
        })
        .collect()
}

/// The right end of the rightmost bar of the SVG `id`'s request rows.
fn bars_end(html: &str, id: &str) -> f64 {
    let s = svg(html, id);
    let num = |r: &str, attr: &str| -> Option<f64> {
        let at = r.find(&format!(" {attr}=\""))? + attr.len() + 3;
        r[at..at + r[at..].find('"')?].parse().ok()
    };
    // A request's bars are 12 px high, 4 px down its row.
    s.split("<rect")
        .skip(1)
        .filter(|r| r.contains(" y=\"4\"") && r.contains(" height=\"12\""))
        .filter_map(|r| Some(num(r, "x")? + num(r, "width")?))
        .fold(0.0, f64::max)
}

/// The terminal tables fit the terminal: at 72, 80 and 120 columns no table line is wider than
/// the screen and every request stays on one line (URLs are shortened, never wrapped). The
/// summary above them is free text (a note may name a long path) and is not measured.
#[test]
fn the_terminal_waterfall_fits_narrow_terminals() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/");
    let (code, json, _) = pagecost(&["audit", demo, "--format", "json", "-q"]);
    assert_eq!(code, 0);
    let load: pagecost::model::Load = serde_json::from_str(&json).unwrap();
    for width in [72u16, 80, 120] {
        let opts = pagecost::report::table::TableOptions {
            width: Some(width),
            ..Default::default()
        };
        let text = pagecost::report::table::render(&load, opts);
        for line in text.lines().skip_while(|l| !l.starts_with('─')) {
            assert!(
                line.chars().count() <= width as usize,
                "{width} columns: {} wide: {line}",
                line.chars().count()
            );
        }
        let rows = text
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("#  "))
            .skip(2)
            .take_while(|l| !l.starts_with('─'))
            .count();
        assert_eq!(
            rows,
            load.entries.len(),
            "{width} columns: one line per request"
        );
        if width < 100 {
            assert!(text.contains(" css "), "types abbreviated when narrow");
        }
    }
}

/// `pagecost compare` fits the terminal: at 72, 80, 120 and 200 columns no line of the report
/// is wider than the screen, and each metric stays on one line of the metrics table (the
/// richest set of columns that fits is chosen; the full set stays in JSON and Markdown).
#[test]
fn the_compare_report_fits_narrow_terminals() {
    use pagecost::job::{self, Plan, Report};
    let blog = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/compare/blog");
    let adnet = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/compare/adnet");
    let also = |host: &str| (host.to_string(), std::path::PathBuf::from(adnet));
    let mut plan = job::ComparePlan::new(
        format!("{blog}/index.html"),
        Some(format!("{blog}/with-ads.html")),
    );
    plan.runs = 3;
    plan.warmup = false;
    plan.estimate = Some(pagecost::model::Profile::parse("3g").unwrap());
    plan.serve_also = vec![
        also("securepubads.g.doubleclick.net"),
        also("tpc.googlesyndication.com"),
    ];
    let report = job::run(Plan::Compare(Box::new(plan)), &pagecost::NoEvents).unwrap();
    let Report::Compare(c) = &report else {
        panic!("a compare report")
    };
    let metrics = c.comparison.metrics.len();
    assert_eq!(metrics, 8, "6 measured (carbon among them) and 2 estimated");
    for width in [72u16, 80, 120, 200] {
        let opts = pagecost::report::RenderOptions {
            width: Some(width),
            ..Default::default()
        };
        let mut out = Vec::new();
        pagecost::report::render(&report, pagecost::report::Format::Table, &opts, &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            let n = line.chars().count();
            assert!(n <= width as usize, "{width} columns: {n} wide: {line}");
        }
        let rows = text
            .lines()
            .skip_while(|l| !l.starts_with(" metric"))
            .skip(2)
            .take_while(|l| !l.starts_with('─'))
            .count();
        assert_eq!(
            rows, metrics,
            "{width} columns: one line per metric:\n{text}"
        );
        let only_b = text
            .lines()
            .skip_while(|l| !l.starts_with("only in B"))
            .skip(4)
            .take_while(|l| !l.starts_with('─'))
            .count();
        assert_eq!(only_b, 10, "{width} columns: one line per request:\n{text}");
    }
}

/// `--report-file FORMAT=FILE` renders the same load again: the JSON file is the very JSON
/// printed on stdout (same start time, same timings). A format the report has none of is
/// one line naming the flag, exit 2; a format that does not exist is refused before the
/// load.
#[test]
fn report_files_render_the_same_load() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("again.json");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/");
    let spec = format!("json={}", file.display());
    let (code, stdout, err) = support::pagecost(&[
        "audit",
        demo,
        "--format",
        "json",
        "-q",
        "--report-file",
        &spec,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout);
    let spec = format!("junit={}", tmp.path().join("x.xml").display());
    let (code, _, err) = support::pagecost(&["audit", demo, "-q", "--report-file", &spec]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        format!("pagecost: --report-file {spec}: this report has no junit format")
    );
    let (code, _, err) = support::pagecost(&["audit", demo, "--report-file", "yaml=x"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("yaml is not a format (one of: table, json"),
        "{err}"
    );
}
