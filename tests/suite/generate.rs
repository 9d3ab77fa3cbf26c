//! `pagecost generate`: completions that complete, man pages, and JSON Schemas that are
//! current and that every JSON output of the fixtures validates against.

use crate::support;

use std::path::{Path, PathBuf};
use support::pagecost;

const SUBCOMMANDS: [&str; 7] = [
    "audit", "links", "compare", "serve", "merge", "budget", "generate",
];

fn fixture(p: &str) -> String {
    format!("{}/fixtures/{p}", env!("CARGO_MANIFEST_DIR"))
}

/// Bash, asked to complete `pagecost au` and `pagecost audit --thr`, offers `audit` and
/// `--throttle`, through the script `generate complete-bash` wrote.
#[test]
fn bash_completes_subcommands_and_flags() {
    let (code, script, err) = pagecost(&["generate", "complete-bash"]);
    assert_eq!(code, 0, "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("pagecost.bash");
    std::fs::write(&file, script).unwrap();
    let complete = |words: &str| {
        let n = words.split(' ').count() - 1;
        let prog = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={n}; COMP_LINE='{words}'; \
             COMP_POINT=${{#COMP_LINE}}; _pagecost pagecost \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        );
        support::run_ok("bash", &["-c", &prog], None)
    };
    let subs = complete("pagecost au");
    assert_eq!(subs.trim(), "audit", "{subs}");
    let flags = complete("pagecost audit --thr");
    assert_eq!(flags.trim(), "--throttle", "{flags}");
    let kinds = complete("pagecost generate complete-f");
    assert_eq!(kinds.trim(), "complete-fish", "{kinds}");
}

/// Every shell's script names every subcommand and a flag of a subcommand.
#[test]
fn every_shell_gets_completions_for_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, script, err) = pagecost(&["generate", &format!("complete-{shell}")]);
        assert_eq!(code, 0, "{shell}: {err}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
        assert!(script.contains("throttle"), "{shell}: no --throttle");
    }
}

/// The main page lists every subcommand's page, and each of those exists with its options.
#[test]
fn man_pages_for_the_tool_and_every_subcommand() {
    let (code, page, err) = pagecost(&["generate", "man"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        page.starts_with(".ie") || page.contains(".TH pagecost 1"),
        "{page}"
    );
    assert!(page.contains(".TH pagecost 1"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("pagecost\\-{sub}(1)")),
            "no {sub} in {page}"
        );
    }
    for (sub, flag) in [
        ("audit", "throttle"),
        ("budget-init", "margin"),
        ("links", "check"),
    ] {
        let (code, page, err) = pagecost(&["generate", "man", sub]);
        assert_eq!(code, 0, "{sub}: {err}");
        assert!(
            page.contains(&format!(".TH pagecost\\-{sub} 1"))
                || page.contains(&format!(".TH pagecost-{sub} 1")),
            "{page}"
        );
        assert!(
            page.contains(&format!("\\-\\-{flag}")),
            "{sub}: no --{flag}"
        );
        let synopsis = format!("pagecost {}", sub.replace('-', " "));
        assert!(
            page.contains(&synopsis),
            "{sub}: synopsis is not `{synopsis}`"
        );
    }
}

/// A kind or name that does not exist: the list of valid ones, exit 2.
#[test]
fn unknown_kinds_and_names_list_the_valid_ones() {
    let (code, _, err) = pagecost(&["generate", "complete-tcsh"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("complete-bash") && err.contains("schema"),
        "{err}"
    );
    let (code, _, err) = pagecost(&["generate", "schema", "nope"]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("\"nope\"") && err.contains("batch-page"),
        "{err}"
    );
    let (code, _, err) = pagecost(&["generate", "schema"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("audit, batch-page, compare, calibrate, links, budget"),
        "{err}"
    );
    let (code, _, err) = pagecost(&["generate", "man", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("budget-init"), "{err}");
}

/// docs/schema/ holds what `generate schema` writes today: a type changed without
/// regenerating them fails here (regenerate: scripts/schemas.sh).
#[test]
fn committed_schemas_are_current() {
    let mut names = vec![
        "audit",
        "batch-page",
        "compare",
        "calibrate",
        "links",
        "budget",
    ];
    if cfg!(feature = "history") {
        names.push("history");
    }
    for name in names {
        let (code, fresh, err) = pagecost(&["generate", "schema", name]);
        assert_eq!(code, 0, "{err}");
        let file = format!(
            "{}/docs/schema/{name}.schema.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            committed == fresh,
            "{file} is stale: run scripts/schemas.sh and commit the result"
        );
    }
}

/// Writes `pagecost ARGS` stdout into `dir/name` and returns the path.
fn output(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let (code, out, err) = pagecost(args);
    assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

/// Whether this build has the browser engine and a browser to run (under CI it must).
#[cfg(feature = "browser")]
fn browser_engine() -> bool {
    let found = support::browser_available();
    if !found {
        support::missing("a Chromium browser (apt-get install chromium)");
    }
    found
}

#[cfg(not(feature = "browser"))]
fn browser_engine() -> bool {
    false
}

/// Every JSON output of the fixtures, in each of its shapes, is valid against its schema
/// (which closes every object: an unknown key is an error).
#[test]
fn real_outputs_validate_against_their_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let demo = fixture("demo/");
    let budget = output(d, "budget.json", &["budget", "init", &demo]);
    let audits = [
        output(d, "a.json", &["audit", &demo, "--format", "json", "-q"]),
        output(
            d,
            "runs.json",
            &["audit", &demo, "--runs", "2", "--format", "json", "-q"],
        ),
        output(
            d,
            "budget-audit.json",
            &[
                "audit",
                &demo,
                "--budget",
                budget.to_str().unwrap(),
                "--throttle",
                "lte",
                "--format",
                "json",
                "-q",
            ],
        ),
        output(
            d,
            "har.json",
            &[
                "audit",
                &fixture("har/chrome.har"),
                "--format",
                "json",
                "-q",
            ],
        ),
    ];
    let list = d.join("urls.txt");
    std::fs::write(
        &list,
        format!(
            "{demo}\n{}\n{}\n",
            fixture("site/"),
            fixture("links/page.html")
        ),
    )
    .unwrap();
    let list = list.to_str().unwrap();
    let batch = output(
        d,
        "batch.jsonl",
        &["audit", "--input-file", list, "--format", "jsonl", "-q"],
    );
    let batch_json = output(
        d,
        "batch.json",
        &["audit", "--input-file", list, "--format", "json", "-q"],
    );
    let blog = fixture("compare/blog/with-ads.html");
    let mut args = vec!["compare", &blog, "--block", "category:ad", "--runs", "3"];
    args.extend(["--format", "json", "-q"]);
    let ads = support::serve_ads();
    args.extend(ads.iter().map(String::as_str));
    let compare = output(d, "compare.json", &args);
    let gated = [
        "compare",
        &demo,
        &demo,
        "--runs",
        "auto",
        "--max-runs",
        "6",
        "--fail-if",
        "bytes>+1%",
        "--fail-if",
        "fully_loaded>+50%",
        "--format",
        "json",
        "-q",
    ];
    let gated = output(d, "gated.json", &gated);
    let calibrate = ["calibrate", &demo, "--runs", "5", "--format", "json", "-q"];
    let calibrate = output(d, "calibrate.json", &calibrate);
    let links = output(
        d,
        "links.json",
        &["links", &fixture("links/page.html"), "--format", "json"],
    );
    let checked = output(
        d,
        "checked.json",
        &["links", &demo, "--check", "--format", "json", "-q"],
    );
    let mut audits: Vec<&Path> = audits.iter().map(PathBuf::as_path).collect();
    // The browser engine's load, with its rendering metrics and headers.
    let chromium;
    if browser_engine() {
        let args = [
            "audit", &demo, "--engine", "chromium", "--format", "json", "-q",
        ];
        chromium = output(d, "chromium.json", &args);
        audits.push(&chromium);
    }
    support::validate_json("audit", &audits, false);
    support::validate_json("batch-page", &[&batch], false);
    support::validate_json("batch-page", &[&batch_json], true);
    support::validate_json("compare", &[&compare, &gated], false);
    support::validate_json("calibrate", &[&calibrate], false);
    support::validate_json("links", &[&links, &checked], false);
    support::validate_json("budget", &[&budget], false);
}

/// The validator catches an output that drifted: a key the types do not have, a field of
/// the wrong type.
#[test]
fn a_drifted_output_fails_validation() {
    if !support::python_module("jsonschema") {
        return;
    }
    let (code, out, err) = pagecost(&["audit", &fixture("demo/"), "--format", "json", "-q"]);
    assert_eq!(code, 0, "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let schema = format!(
        "{}/docs/schema/audit.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let script = format!("{}/scripts/validate-json.py", env!("CARGO_MANIFEST_DIR"));
    let good: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut extra = good.clone();
    extra["entries"][0]["surprise"] = 1.into();
    let mut typed = good;
    typed["totals"]["requests"] = "many".into();
    for (name, doc) in [("extra", extra), ("typed", typed)] {
        let path = tmp.path().join(format!("{name}.json"));
        std::fs::write(&path, doc.to_string()).unwrap();
        let out = std::process::Command::new("python3")
            .args([&script, &schema, path.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
