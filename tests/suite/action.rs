//! The GitHub Action: action.yml hands its inputs to scripts/action.sh, which is run here
//! as the runner would, with a simulated GITHUB_* environment (a summary file, an outputs
//! file), and checked for what it wrote.

use crate::support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs scripts/action.sh in `dir` with `inputs` (PAGECOST_* variables): (exit code, the
/// log (stdout then stderr: the runner reads workflow commands from both), the summary,
/// the outputs as a map).
fn run_action(
    dir: &Path,
    inputs: &[(&str, &str)],
) -> (i32, String, String, BTreeMap<String, String>) {
    let summary = dir.join("summary.md");
    let outputs = dir.join("outputs.txt");
    let out = std::process::Command::new("bash")
        .arg(format!("{ROOT}/scripts/action.sh"))
        .current_dir(dir)
        .env("PAGECOST_BIN", assert_cmd::cargo::cargo_bin("pagecost"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .envs(inputs.iter().copied())
        .output()
        .unwrap();
    let outputs = std::fs::read_to_string(&outputs).unwrap_or_default();
    let map = outputs
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        std::fs::read_to_string(&summary).unwrap_or_default(),
        map,
    )
}

/// One page over its budget: the step fails with pagecost's exit code, the summary holds
/// the Markdown report and the budget table, the annotations go to the log, and the JSON,
/// HTML and OpenMetrics reports are files named in the outputs.
#[test]
fn one_page_over_budget_fails_the_step_and_fills_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let budget = tmp.path().join("budget.json");
    let limit = r#"[{"path": "/*", "resourceSizes": [{"resourceType": "total", "budget": 100}]}]"#;
    std::fs::write(&budget, limit).unwrap();
    let demo = format!("{ROOT}/fixtures/demo/");
    let (code, stdout, summary, outputs) = run_action(
        tmp.path(),
        &[
            ("PAGECOST_TARGETS", &demo),
            ("PAGECOST_BUDGET", budget.to_str().unwrap()),
        ],
    );
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(outputs["exit-code"], "1");
    assert!(
        summary.starts_with(&format!("### pagecost: `{demo}`")),
        "{summary}"
    );
    assert!(summary.contains("| `resourceSizes.total` | "), "{summary}");
    assert!(summary.contains("**fail**"), "{summary}");
    assert!(
        stdout.contains("::error title=Budget resourceSizes.total::"),
        "{stdout}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join(&outputs["json"])).unwrap())
            .unwrap();
    assert_eq!(
        json["load"]["totals"]["requests"],
        19,
        "{}",
        &json.to_string()[..200]
    );
    assert_eq!(json["budget"]["lines"][0]["status"], "fail");
    let html = std::fs::read_to_string(tmp.path().join(&outputs["html"])).unwrap();
    assert!(html.to_ascii_lowercase().starts_with("<!doctype html>"));
    let prom = std::fs::read_to_string(tmp.path().join(&outputs["openmetrics"])).unwrap();
    assert!(
        prom.contains(&format!("pagecost_requests{{page=\"{demo}\"}} 19\n")),
        "{prom}"
    );
    assert!(prom.ends_with("# EOF\n"));
}

/// Many pages (an input file and a target), `fail: false`: the step passes whatever
/// pagecost found, the exit code is an output, the summary is the batch table in a code
/// block, and the pages are JSON lines.
#[test]
fn many_pages_without_failing_report_the_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("pages.txt");
    let dead = format!("http://{}/", support::closed_port());
    std::fs::write(&list, format!("{ROOT}/fixtures/demo/\n{dead}\n")).unwrap();
    let site = format!("{ROOT}/fixtures/site/");
    let (code, stdout, summary, outputs) = run_action(
        tmp.path(),
        &[
            ("PAGECOST_TARGETS", &site),
            ("PAGECOST_INPUT_FILE", list.to_str().unwrap()),
            ("PAGECOST_FAIL", "false"),
            ("PAGECOST_ARGS", "--jobs 2"),
            ("PAGECOST_OUT_DIR", "reports"),
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(outputs["exit-code"], "2", "one page could not be audited");
    assert!(summary.starts_with("### pagecost\n\n```\n"), "{summary}");
    assert!(summary.contains("3 pages (2 audited)"), "{summary}");
    assert_eq!(outputs["jsonl"], "reports/pagecost.jsonl");
    let lines = std::fs::read_to_string(tmp.path().join("reports/pagecost.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 3);
    assert!(
        !outputs.contains_key("html"),
        "no HTML report of many pages"
    );
}

/// No targets at all: an error annotation and exit 2, before anything runs.
#[test]
fn no_targets_is_an_error_annotation() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stdout, _, outputs) = run_action(tmp.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        stdout.starts_with("::error title=pagecost::no targets"),
        "{stdout}"
    );
    assert_eq!(outputs["exit-code"], "2");
}

/// action.yml, read as YAML: a composite action whose audit step runs the script with
/// every input as the variable the script reads, and whose outputs are the ones the script
/// writes.
#[test]
fn action_yml_hands_every_input_to_the_script() {
    let yml = std::fs::read_to_string(format!("{ROOT}/action.yml")).unwrap();
    let Some(docs) = support::yaml_documents(&yml) else {
        return;
    };
    let action = &docs[0];
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let audit = steps
        .iter()
        .find(|s| s["id"] == "audit")
        .expect("an audit step");
    assert_eq!(
        audit["run"],
        "bash \"$GITHUB_ACTION_PATH/scripts/action.sh\""
    );
    let script = std::fs::read_to_string(format!("{ROOT}/scripts/action.sh")).unwrap();
    let inputs = action["inputs"].as_object().unwrap();
    for (name, _) in inputs {
        let var = format!("PAGECOST_{}", name.to_uppercase().replace('-', "_"));
        assert_eq!(
            audit["env"][&var],
            format!("${{{{ inputs.{name} }}}}"),
            "{var}"
        );
        assert!(
            script.contains(&format!("${{{var}")),
            "the script never reads {var}"
        );
    }
    for (name, output) in action["outputs"].as_object().unwrap() {
        let value = format!("${{{{ steps.audit.outputs.{name} }}}}");
        assert_eq!(output["value"], value.as_str());
        // exit-code is echoed; the report files' names are listed in `files=(...)`.
        let listed = script
            .lines()
            .filter_map(|l| l.trim().strip_prefix("files=("))
            .any(|l| l.trim_end_matches(')').split(' ').any(|f| f == name));
        let written = script.contains(&format!("echo \"{name}=")) || listed;
        assert!(written, "the script never writes the output {name}");
    }
}
