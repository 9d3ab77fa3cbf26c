//! `pagecost calibrate`: a page's run-to-run spread and what a gate can detect through it;
//! its runs saved as a baseline a later gate compares with; bad input (a page that fails
//! half its runs, too few runs, a level or power out of range, a recording) answered in one
//! line.

use crate::support;

use serde_json::Value;
use support::{pagecost, Action, Route, TestServer};

const DEMO: &str = "fixtures/demo/";

fn calibrate_json(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["calibrate", "--format", "json", "-q"];
    all.extend(args);
    let (code, out, err) = pagecost(&all);
    (code, serde_json::from_str(&out).unwrap_or_default(), err)
}

fn metric<'v>(c: &'v Value, name: &str) -> &'v Value {
    let all = c["calibration"]["metrics"].as_array().unwrap();
    all.iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no {name}: {c}"))
}

/// The demo, 8 runs: its timings spread (a CV above 0, a smallest change and runs needed
/// that are real numbers), its sizes constant (any change shows in one run); the table
/// says both, with the runs and the level asked.
#[test]
fn calibrate_prints_each_metrics_spread_and_the_runs_a_gate_needs() {
    let (code, c, err) = calibrate_json(&[DEMO, "--runs", "8", "--detect", "10%"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(c["calibration"]["runs"], 8);
    assert_eq!(c["calibration"]["detect"], 0.1);
    let fully = metric(&c, "fully_loaded_ms");
    assert!(fully["cv"].as_f64().unwrap() > 0.0, "{fully}");
    assert_eq!(fully["constant"], false);
    let needed = fully["runs_needed"].as_u64();
    assert!(needed.is_none_or(|n| n >= 2), "{fully}");
    let bytes = metric(&c, "transfer_bytes");
    assert_eq!(
        (&bytes["constant"], &bytes["runs_needed"]),
        (&Value::Bool(true), &1.into())
    );
    assert_eq!((&bytes["cv"], &bytes["mad"]), (&0.0.into(), &0.0.into()));

    let (code, table, err) = pagecost(&["calibrate", DEMO, "--runs", "5", "-q"]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "5 runs",
        "CV",
        "MAD",
        "smallest change caught at 5 runs",
        "runs for +5.0 %",
    ] {
        assert!(table.contains(want), "{want}: {table}");
    }
    assert!(table.contains("any (constant)"), "{table}");
    assert!(table.contains("at alpha 0.05 with power 80 %"), "{table}");
}

/// A page that fails every other run: calibrated on the runs that loaded, the failures
/// counted and said; a page none of whose runs load is an error naming why.
#[test]
fn a_page_that_fails_half_its_runs_is_calibrated_on_the_rest_and_says_so() {
    let ok = Route::html("<p>hi");
    let reset = Route::html("x").action(Action::ResetBeforeHeaders);
    let turns: Vec<Route> = (0..8)
        .map(|i| [ok.clone(), reset.clone()][i % 2].clone())
        .collect();
    let s = TestServer::start_seq(vec![("/", turns.clone())]);
    let url = s.url("/");
    let (code, c, err) = calibrate_json(&[&url, "--runs", "8", "--no-warmup"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (&c["calibration"]["runs"], &c["calibration"]["failed"]),
        (&4.into(), &4.into())
    );
    let again = TestServer::start_seq(vec![("/", turns)]);
    let url = again.url("/");
    let (code, table, _) = pagecost(&["calibrate", &url, "--runs", "8", "--no-warmup", "-q"]);
    assert_eq!(code, 0);
    assert!(
        table.contains("of 8 runs failed or were cut short"),
        "{table}"
    );

    let gone = TestServer::start(vec![("/", reset)]);
    let (code, _, err) = pagecost(&["calibrate", &gone.url("/"), "--runs", "5", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Bad settings are refused before anything loads, in one line naming the setting.
#[test]
fn calibrate_refuses_settings_it_cannot_work_with() {
    let har = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/har/chrome.har");
    let cases: [(&[&str], &str); 5] = [
        (
            &[DEMO, "--runs", "3"],
            "--runs 3: a spread takes at least 5 runs",
        ),
        (
            &[DEMO, "--power", "1.5"],
            "--power 1.5: must be more than 0 and less than 1",
        ),
        (&[DEMO, "--alpha", "0"], "--alpha 0: must be more than 0"),
        (
            &[DEMO, "--detect", "0%"],
            "--detect 0%: must be an increase above 0 %",
        ),
        (&[har], "a HAR is one recorded load"),
    ];
    for (args, want) in cases {
        let mut all = vec!["calibrate", "-q"];
        all.extend(args);
        let (code, _, err) = pagecost(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// `calibrate --save` keeps its runs labelled `pagecost=calibration`; a later gate compares
/// a fresh audit with them (`compare PAGE --baseline pagecost=calibration`): 2 fresh runs
/// against 8 stored can reach significance where 2 against 2 never could, and a heavier page
/// trips a byte gate.
#[cfg(feature = "history")]
#[test]
fn a_gate_compares_with_the_saved_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite").display().to_string();
    let site = dir.path().join("site");
    support::copy_dir(std::path::Path::new(DEMO), &site);
    let site = format!("{}/", site.display());
    let (code, _, err) = pagecost(&[
        "calibrate",
        &site,
        "--runs",
        "8",
        "--save",
        "--db",
        &db,
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    let gate = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            &site,
            "--baseline",
            "pagecost=calibration",
            "--db",
            &db,
        ];
        args.extend([
            "--runs",
            "2",
            "--baseline-runs",
            "8",
            "--format",
            "json",
            "-q",
        ]);
        args.extend(extra);
        let (code, out, err) = pagecost(&args);
        (
            code,
            serde_json::from_str::<Value>(&out).unwrap_or_default(),
            err,
        )
    };
    let (code, c, err) = gate(&["--fail-if", "fully_loaded>+500%", "--fail-if", "bytes>+5%"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(c["a"]["runs"].as_array().unwrap().len(), 8);
    assert!(
        c["a"]["target"]
            .as_str()
            .unwrap()
            .contains("pagecost=calibration"),
        "{c}"
    );
    std::fs::write(format!("{site}extra.bin"), vec![7u8; 60_000]).unwrap();
    let index = format!("{site}index.html");
    let html = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        html.replace("</body>", "<img src=\"extra.bin\"></body>"),
    )
    .unwrap();
    let (code, _, err) = gate(&["--fail-if", "bytes>+5%"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("bytes>+5%: tripped"), "{err}");
}
