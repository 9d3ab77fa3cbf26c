//! docs/scale.md's sharding recipes, run: each YAML recipe's audit command for every index
//! with the environment its platform gives (a GitHub matrix, GitLab's CI_NODE_INDEX, a
//! Kubernetes Indexed Job's JOB_COMPLETION_INDEX), then its merge command; the merged pages
//! must equal one unsharded batch of the same list.

use crate::support;

use serde_json::Value;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The recipes: every ```yaml block of docs/scale.md, each as its list of YAML documents.
fn recipes() -> Option<Vec<Vec<Value>>> {
    let doc = std::fs::read_to_string(format!("{ROOT}/docs/scale.md")).unwrap();
    let blocks = doc
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap());
    blocks.map(support::yaml_documents).collect()
}

/// A folder with urls.txt listing six local pages, and `out/` (the Kubernetes volume).
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pages = [
        "demo/",
        "site/",
        "site/about.html",
        "links/page.html",
        "cascade/",
        "budget-site/",
    ];
    let list: String = pages
        .iter()
        .map(|p| format!("{ROOT}/fixtures/{p}\n"))
        .collect();
    std::fs::write(dir.path().join("urls.txt"), list).unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    dir
}

/// Runs a recipe's shell command in `dir` with pagecost on PATH and `env`: (exit, stdout).
fn sh(dir: &Path, command: &str, env: &[(&str, String)]) -> (i32, String) {
    let bin = assert_cmd::cargo::cargo_bin("pagecost");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .env("PATH", path)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    assert!(code == 0, "`{command}` {env:?}: exit {code}: {err}");
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What must be the same however the list was split: each page's target and what it
/// loaded (requests, bytes, the paths it requested), in the list's order.
fn pages(jsonl: &str) -> Vec<Value> {
    jsonl
        .lines()
        .map(|l| {
            let p: Value = serde_json::from_str(l).unwrap();
            let load = &p["load"];
            let mut paths: Vec<String> = load["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    url::Url::parse(e["url"].as_str().unwrap())
                        .unwrap()
                        .path()
                        .to_string()
                })
                .collect();
            paths.sort();
            serde_json::json!({
                "target": p["target"],
                "requests": load["totals"]["requests"],
                "transfer_bytes": load["totals"]["transfer_bytes"],
                "decoded_bytes": load["totals"]["decoded_bytes"],
                "failed": load["totals"]["failed"],
                "paths": paths,
            })
        })
        .collect()
}

/// The shards' files merged (as JSON lines) equal one batch of the whole list; the
/// recipe's own merge command lists all six pages.
fn check_merged(dir: &Path, parts: &str, merge_command: &str) {
    let (_, table) = sh(dir, merge_command, &[]);
    assert!(table.contains("6 pages (6 audited)"), "{table}");
    let (_, merged) = sh(dir, &format!("pagecost merge --format jsonl {parts}"), &[]);
    let cmd = "pagecost audit --input-file urls.txt --format jsonl -q";
    let (_, whole) = sh(dir, cmd, &[]);
    assert_eq!(pages(&merged), pages(&whole));
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn the_github_matrix_recipe_merges_to_the_whole_batch() {
    let Some(recipes) = recipes() else { return };
    let wf = &recipes[0][0];
    let shards = wf["jobs"]["audit"]["strategy"]["matrix"]["shard"]
        .as_array()
        .unwrap();
    let run_of = |job: &str, needle: &str| -> String {
        let steps = wf["jobs"][job]["steps"].as_array().unwrap();
        let step = steps
            .iter()
            .find(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)));
        str_of(&step.unwrap_or_else(|| panic!("no `{needle}` step in {job}"))["run"]).to_string()
    };
    let audit = run_of("audit", "pagecost audit");
    let dir = workdir();
    for k in shards {
        sh(
            dir.path(),
            &audit.replace("${{ matrix.shard }}", &k.to_string()),
            &[],
        );
    }
    check_merged(
        dir.path(),
        "part-*.jsonl",
        &run_of("merge", "pagecost merge"),
    );
}

#[test]
fn the_gitlab_parallel_recipe_merges_to_the_whole_batch() {
    let Some(recipes) = recipes() else { return };
    let ci = &recipes[1][0];
    let n = ci["audit"]["parallel"].as_u64().unwrap();
    let line = |job: &str, needle: &str| -> String {
        let script = ci[job]["script"].as_array().unwrap();
        str_of(script.iter().find(|l| str_of(l).contains(needle)).unwrap()).to_string()
    };
    let audit = line("audit", "pagecost audit");
    let dir = workdir();
    for k in 1..=n {
        let env = [
            ("CI_NODE_INDEX", k.to_string()),
            ("CI_NODE_TOTAL", n.to_string()),
        ];
        sh(dir.path(), &audit, &env);
    }
    check_merged(dir.path(), "part-*.jsonl", &line("merge", "pagecost merge"));
}

#[test]
fn the_kubernetes_indexed_job_recipe_merges_to_the_whole_batch() {
    let Some(recipes) = recipes() else { return };
    let (job, merge) = (&recipes[2][0], &recipes[2][1]);
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let n = job["spec"]["completions"].as_u64().unwrap();
    let command = |container: &Value| -> String {
        let c = container["command"].as_array().unwrap();
        assert_eq!((str_of(&c[0]), str_of(&c[1])), ("sh", "-c"));
        assert_eq!(
            container["workingDir"], "/work",
            "the test runs in the working folder"
        );
        str_of(&c[2]).to_string()
    };
    let audit = command(&job["spec"]["template"]["spec"]["containers"][0]);
    let dir = workdir();
    for i in 0..n {
        sh(
            dir.path(),
            &audit,
            &[("JOB_COMPLETION_INDEX", i.to_string())],
        );
    }
    let merge = command(&merge["spec"]["containers"][0]);
    check_merged(dir.path(), "out/part-*.jsonl", &merge);
}
