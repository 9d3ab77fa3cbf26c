//! Budgets end to end: Lighthouse CI files read as they are, every budget kind passing and
//! failing, path selection, firstPartyHostnames, broken/empty assets with the referring file
//! and line, JUnit parsed as XML, GitHub annotations, and `budget init`.

use crate::support;

use serde_json::Value;
use support::{pagecost, Route, TestServer};

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/budget-site/");
const LHCI: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/budgets/lighthouse-ci.json"
);
const SHOP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/budgets/shop.json");

fn budget_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "-q"]);
    let (code, out, err) = pagecost(&all);
    assert!(code == 0 || code == 1, "{all:?}: {err}");
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")),
    )
}

fn line<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["budget"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no line {name}: {v}"))
}

#[test]
fn a_lighthouse_ci_budget_file_is_read_unchanged_and_its_browser_metrics_are_reported_unsupported()
{
    let (code, v) = budget_json(&[SITE, "--budget", LHCI]);
    assert_eq!(code, 0);
    assert_eq!(line(&v, "resourceSizes.script")["status"], "pass");
    assert_eq!(line(&v, "resourceSizes.total")["status"], "pass");
    assert_eq!(line(&v, "resourceCounts.third-party")["actual"], 0.0);
    assert_eq!(line(&v, "timings.interactive")["status"], "unsupported");
    assert_eq!(
        line(&v, "timings.first-meaningful-paint")["status"],
        "unsupported"
    );
}

#[test]
fn broken_and_empty_assets_fail_with_the_referring_file_and_line() {
    let (code, out, _) = pagecost(&["audit", SITE, "--no-broken", "-q"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("js/vendor.js empty script (0 bytes), referenced at"),
        "{out}"
    );
    assert!(out.contains("fixtures/budget-site/index.html:7:"), "{out}");
    assert!(
        out.contains("img/banner-2025.png HTTP 404, referenced at"),
        "{out}"
    );
    assert!(
        out.contains("fixtures/budget-site/css/app.css:5:"),
        "the CSS file and line: {out}"
    );
    assert!(out.contains("budget: 1 of 1 lines over budget"));
}

/// A shop page on www.shop.pagecost.test, its CDN on img.shop.pagecost.test (first party
/// by firstPartyHostnames) and ads on a host the third-party-web dataset knows; every name
/// points at loopback with --resolve.
fn shop() -> (TestServer, TestServer, Vec<String>) {
    let other = TestServer::start(vec![
        ("/tag.js", Route::ok("text/javascript", vec![b'x'; 3000])),
        ("/ad.png", Route::ok("image/png", vec![0u8; 4000])),
        ("/p.png", Route::ok("image/png", vec![0u8; 1000])),
    ]);
    let op = other.addr.port();
    let page = format!(
        "<link rel=stylesheet href=/shop/s.css><script src=/shop/a.js></script><img src=/shop/big.png>\
         <img src=http://img.shop.pagecost.test:{op}/p.png>\
         <script src=http://securepubads.g.doubleclick.net:{op}/tag.js></script><img src=http://securepubads.g.doubleclick.net:{op}/ad.png>"
    );
    let site = TestServer::start(vec![
        ("/shop/", Route::html(&page)),
        ("/shop/s.css", Route::css("body{color:red}")),
        ("/shop/a.js", Route::ok("text/javascript", vec![b'y'; 2000])),
        ("/shop/big.png", Route::ok("image/png", vec![0u8; 15_000])),
    ]);
    let sp = site.addr.port();
    let args = vec![
        format!("http://www.shop.pagecost.test:{sp}/shop/"),
        "--resolve".into(),
        format!("www.shop.pagecost.test:{sp}:127.0.0.1"),
        "--resolve".into(),
        format!("img.shop.pagecost.test:{op}:127.0.0.1"),
        "--resolve".into(),
        format!("securepubads.g.doubleclick.net:{op}:127.0.0.1"),
    ];
    (site, other, args)
}

#[test]
fn every_budget_kind_passes_or_fails_on_its_own_figures() {
    let (_site, _ads, args) = shop();
    let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
    a.extend_from_slice(&["--budget", SHOP]);
    let (code, v) = budget_json(&a);
    assert_eq!(code, 1, "over budget exits 1");
    assert_eq!(
        v["budget"]["budget"], 1,
        "the /shop/* budget, the last that matches"
    );
    let status = |n: &str| line(&v, n)["status"].as_str().unwrap().to_string();
    // The CDN host is first party by firstPartyHostnames; the image budget counts it.
    assert_eq!(status("resourceSizes.image"), "pass"); // 15000 + 1000 + 4000 B = 19.5 KiB
    assert_eq!(status("resourceSizes.script"), "pass");
    assert_eq!(status("resourceCounts.total"), "pass");
    assert_eq!(line(&v, "resourceCounts.third-party")["actual"], 2.0);
    assert_eq!(status("resourceCounts.third-party"), "fail");
    assert_eq!(status("pagecost.categories.ad.requests"), "fail");
    assert_eq!(status("pagecost.categories.ad.size"), "fail");
    assert_eq!(
        status("pagecost.entities.Google/Doubleclick Ads.requests"),
        "fail"
    );
    assert_eq!(status("pagecost.firstParty.resourceSizes.total"), "pass");
    assert_eq!(status("pagecost.largestRequest.image"), "fail");
    assert!(line(&v, "pagecost.largestRequest.image")["details"][0]
        .as_str()
        .unwrap()
        .contains("/shop/big.png"));
    assert_eq!(status("pagecost.broken"), "pass");
    assert_eq!(status("timings.fully-loaded"), "pass");
    assert_eq!(status("timings.largest-contentful-paint"), "unsupported");
}

#[test]
fn quick_limits_judge_bytes_requests_and_time() {
    let (code, v) = budget_json(&[
        SITE,
        "--max-bytes",
        "1MB",
        "--max-requests",
        "10",
        "--max-time",
        "30s",
    ]);
    assert_eq!(code, 0, "{v}");
    let (code, v) = budget_json(&[SITE, "--max-bytes", "10KB", "--max-requests", "3"]);
    assert_eq!(code, 1);
    assert_eq!(line(&v, "resourceSizes.total")["status"], "fail");
    assert_eq!(line(&v, "resourceCounts.total")["status"], "fail");
    assert_eq!(line(&v, "resourceCounts.total")["actual"], 6.0);
}

#[test]
fn runs_judge_sizes_on_every_run_and_timings_on_the_median() {
    let (code, v) = budget_json(&[
        SITE,
        "--runs",
        "3",
        "--max-requests",
        "10",
        "--max-time",
        "30s",
    ]);
    assert_eq!(code, 0);
    assert_eq!(line(&v, "resourceCounts.total")["runs"], 3);
    assert_eq!(line(&v, "timings.fully-loaded")["runs"], 3);
}

/// Timings are noisy: a timing budget is judged on the median run (one slow run of three
/// passes, two fail), while sizes and counts must hold in every run. The page answers its
/// runs in turn: fast or 400 ms late.
#[test]
fn timing_budgets_are_judged_on_the_median_run() {
    let slow = || Route::html("<p>hi").delayed(std::time::Duration::from_millis(400));
    let fast = || Route::html("<p>hi");
    for (runs, want_code, want_failing) in [
        (vec![fast(), slow(), fast()], 0, 1),
        (vec![slow(), fast(), slow()], 1, 2),
    ] {
        let s = TestServer::start_seq(vec![("/", runs)]);
        let url = s.url("/");
        let args = [
            "audit",
            &url,
            "--runs",
            "3",
            "--no-warmup",
            "--max-time",
            "200ms",
        ];
        let (code, v) = budget_json(&args[1..]);
        let l = line(&v, "timings.fully-loaded");
        assert_eq!(code, want_code, "{l}");
        assert_eq!(l["failing_runs"], want_failing, "{l}");
        assert_eq!(l["status"], if want_code == 0 { "pass" } else { "fail" });
        let median = l["actual"].as_f64().unwrap();
        assert_eq!(
            median < 200.0,
            want_code == 0,
            "the median run is judged: {l}"
        );
    }
}

#[test]
fn junit_output_is_valid_xml_with_one_case_per_line() {
    let (code, out, _) = pagecost(&[
        "audit",
        SITE,
        "--budget",
        LHCI,
        "--no-broken",
        "--format",
        "junit",
        "-q",
    ]);
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let cases: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 6);
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|x| x.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(failed, ["pagecost.broken"]);
    let skipped = cases
        .iter()
        .filter(|c| c.children().any(|x| x.has_tag_name("skipped")))
        .count();
    assert_eq!(skipped, 2);
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("failures"), Some("1"));
}

#[test]
fn github_actions_get_error_annotations_on_stderr_and_stdout_stays_the_report() {
    let out = assert_cmd::Command::cargo_bin("pagecost")
        .unwrap()
        .env("GITHUB_ACTIONS", "true")
        .args(["audit", SITE, "--no-broken", "--format", "markdown", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("| `pagecost.broken` |"), "{stdout}");
    assert!(!stdout.contains("::error"));
    let ann: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("::error title=Budget pagecost.broken::"))
        .collect();
    assert_eq!(ann.len(), 1, "{stderr}");
    assert!(
        ann[0].contains("%0A"),
        "details on escaped new lines: {}",
        ann[0]
    );
}

#[test]
fn invalid_budget_files_name_the_file_and_the_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("budget.json");
    std::fs::write(
        &f,
        r#"[{"resourceSizes":[{"resourceType":"script","budget":"a lot"}]}]"#,
    )
    .unwrap();
    let (code, _, err) = pagecost(&["audit", SITE, "--budget", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("budget.json: [0].resourceSizes[0].budget: expected a number"),
        "{err}"
    );
    std::fs::write(
        &f,
        r#"[{"resourceCounts":[{"resourceType":"fonts","budget":1}]}]"#,
    )
    .unwrap();
    let (code, _, err) = pagecost(&["audit", SITE, "--budget", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown resource type 'fonts'") && err.contains("font, image"),
        "{err}"
    );
    let (code, _, err) = pagecost(&["audit", SITE, "--budget", "/no/such/budget.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("/no/such/budget.json"), "{err}");
}

#[test]
fn budget_init_writes_a_budget_the_page_passes_today() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("budget.json");
    let (code, _, _) = pagecost(&["budget", "init", SITE, "-o", f.to_str().unwrap()]);
    assert_eq!(code, 0);
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
    assert_eq!(
        b[0]["pagecost"]["broken"], 2,
        "today's broken count, to be lowered"
    );
    let (code, v) = budget_json(&[SITE, "--budget", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{}", v["budget"]);
}

/// A budget file that is an empty array holds no budget: a usage error (exit 2) naming the
/// file, not a silent pass.
#[test]
fn an_empty_budget_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("budget.json");
    std::fs::write(&f, "[]").unwrap();
    let (code, _, err) = pagecost(&["audit", SITE, "--budget", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("budget.json") && err.contains("holds no budget"),
        "{err}"
    );
}
