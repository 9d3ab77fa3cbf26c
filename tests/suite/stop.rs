//! Stopped by Ctrl-C (SIGINT) or SIGTERM, pagecost loses no finished result: a batch's JSON
//! lines are on the output as each page finishes (before any signal), and a stopped batch,
//! single audit or comparison writes what finished, the page or run under way cut short
//! (partial, or left out of the statistics), marked interrupted, with exit 130 or 143.

use crate::support;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Action, Route, TestServer};

/// Two quick pages and one whose image never comes.
fn site() -> TestServer {
    TestServer::start(vec![
        ("/a", Route::html("<p>a</p>")),
        ("/b", Route::html("<p>b</p>")),
        ("/hang", Route::html("<p>hangs</p><img src=/never.png>")),
        (
            "/never.png",
            Route::ok("image/png", "").action(Action::Hang),
        ),
        (
            "/slow",
            Route::html("<p>slow</p>").delayed(Duration::from_millis(150)),
        ),
    ])
}

fn start(args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .args(args)
        .arg("-q")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < Duration::from_secs(30), "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A moment for the result to be written.
    std::thread::sleep(Duration::from_millis(300));
}

fn signal(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// The rest of a child's output and its exit code.
fn finish(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn partial(line: &str) -> bool {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    v["load"]["partial"] == true
}

/// One page at a time: the first page's line is on stdout while the second hangs, before
/// any signal; Ctrl-C then cuts the second (partial) and the third never starts.
#[test]
fn a_batchs_json_lines_are_written_as_pages_finish_and_kept_on_ctrl_c() {
    let s = site();
    let (a, hang, b) = (s.url("/a"), s.url("/hang"), s.url("/b"));
    let args = ["audit", &a, &hang, &b, "--jobs", "1", "--format", "jsonl"];
    let mut child = start(&args);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("/a"), "{first}");
    wait_until("the image hangs", || {
        s.paths().iter().any(|p| p == "/never.png")
    });
    signal(&child, "-INT");
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let (code, _, err) = finish(child);
    assert_eq!(code, 130, "{err}");
    let lines: Vec<&str> = rest.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "the page under way, not the one never started: {rest}"
    );
    assert!(lines[0].contains("/hang") && partial(lines[0]), "{rest}");
    assert!(!partial(&first));
    assert!(err.contains("interrupted"), "{err}");
}

/// SIGTERM (a CI job's timeout) and Ctrl-C: the other formats are written whole with what
/// finished, to stdout or `-o`, and exit 143 or 130.
#[test]
fn a_stopped_batch_writes_every_finished_page_in_every_format() {
    let s = site();
    let (a, hang, b) = (s.url("/a"), s.url("/hang"), s.url("/b"));
    let tmp = tempfile::tempdir().unwrap();
    for (format, sig, code) in [
        ("json", "-TERM", 143),
        ("table", "-INT", 130),
        ("jsonl", "-TERM", 143),
        ("openmetrics", "-INT", 130),
    ] {
        let file = tmp.path().join(format!("out.{format}"));
        let path = file.to_str().unwrap();
        let args = [
            "audit", &a, &hang, &b, "--jobs", "3", "--format", format, "-o", path,
        ];
        let seen = s.paths().len();
        let child = start(&args);
        wait_until("three pages asked", || {
            let p = s.paths();
            p.len() >= seen + 4 && p[seen..].iter().any(|p| p == "/never.png")
        });
        signal(&child, sig);
        let (got, _, err) = finish(child);
        assert_eq!(got, code, "{format}: {err}");
        let text = std::fs::read_to_string(&file).unwrap();
        for page in ["/a", "/b", "/hang"] {
            assert!(text.contains(page), "{format}: {page} missing from\n{text}");
        }
        if format == "json" {
            let pages: Value = serde_json::from_str(&text).unwrap();
            let hung = (pages.as_array().unwrap().iter())
                .find(|p| p["target"].as_str().unwrap().ends_with("/hang"))
                .unwrap();
            assert_eq!(hung["load"]["partial"], true);
        }
    }
}

/// A comparison stopped mid-way: the runs that finished, compared, marked interrupted.
#[test]
fn a_stopped_comparison_reports_the_runs_that_finished() {
    let s = site();
    let slow = s.url("/slow");
    let args = ["compare", &slow, &slow, "--runs", "40", "--format", "json"];
    let child = start(&args);
    wait_until("three rounds", || {
        s.paths().iter().filter(|p| *p == "/slow").count() >= 8
    });
    signal(&child, "-INT");
    let (code, out, err) = finish(child);
    assert_eq!(code, 130, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(v["interrupted"], true);
    let runs = v["a"]["runs"].as_array().unwrap().len();
    assert!((3..40).contains(&runs), "{runs} runs of A");
    assert!(err.contains("interrupted"), "{err}");
}
