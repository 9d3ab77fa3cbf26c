//! The JSON contract, pinned: audit, batch, compare, links and budget outputs on the fixtures
//! are compared with `tests/golden/`. Two checks per output:
//! - the skeleton (every scalar replaced by `_`) must be identical byte for byte: same keys in
//!   the same order, same nesting, same array lengths, same layout;
//! - the values, with what a run cannot repeat masked (timings, ports, the checkout's path,
//!   dates, statistics of timing metrics), must be equal.
//!
//! After an intended change of the contract: `PAGECOST_BLESS=1 cargo test --test golden`,
//! then review the diff of `tests/golden/` like code.

use crate::support;

use serde_json::Value;
use std::path::PathBuf;
use support::pagecost;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn golden_dir() -> PathBuf {
    PathBuf::from(ROOT).join("tests/golden")
}

/// A JSON value with its keys in the order written (serde_json's `Value` sorts them).
enum Node {
    Scalar,
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Node::Array(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<String, Node>()? {
                    v.push((k, x));
                }
                Ok(Node::Object(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// The shape of a value: keys in their order, nesting and array lengths; scalars are `_`.
/// Array elements are sorted (requests that start together finish in any order).
fn shape(n: &Node) -> String {
    match n {
        Node::Scalar => "_".into(),
        Node::Array(v) => {
            let mut items: Vec<String> = v.iter().map(shape).collect();
            items.sort();
            format!("[{}]", items.join(","))
        }
        Node::Object(v) => {
            let fields: Vec<String> = v
                .iter()
                .map(|(k, x)| match is_volatile_key(k) {
                    true => format!("{k}:_"),
                    false => format!("{}:{}", mask_str(k), shape(x)),
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
    }
}

/// The skeleton of an output: one shape per JSON document, and whether it was pretty-printed
/// (JSON) or one document per line (JSON lines).
fn skeleton(text: &str, lines: bool) -> String {
    let docs: Vec<&str> = if lines {
        text.lines().collect()
    } else {
        vec![text]
    };
    let mut out = format!(
        "{} document(s), pretty: {}\n",
        docs.len(),
        text.contains("\n  ")
    );
    for d in docs {
        let n: Node = serde_json::from_str(d).unwrap();
        let s = shape(&n);
        // One field per line, so a change reads as a diff.
        out.push_str(&s.replace(",", ",\n"));
        out.push('\n');
    }
    out
}

/// Keys whose values depend on timing, on the moment of the run or on the port.
fn is_volatile_key(k: &str) -> bool {
    k.ends_with("_ms")
        || matches!(
            k,
            "median_run"
                | "request_wait"
                | "startedDateTime"
                | "time"
                | "timings"
                | "onContentLoad"
                | "onLoad"
                | "_pagecost"
                | "connection_id"
                | "connection_reused"
                | "connections"
                | "_connectionId"
                | "connection"
                | "outliers"
                | "_serverPort"
                | "_documentTtfb"
                | "_fullyLoaded"
        )
}

/// Keys whose shape and words are pinned but not their figures: which tag a shared resource
/// counts under follows which frame referenced it first, a race between frames, so a tag's
/// sums vary; its keys, names and hosts do not.
fn has_racy_sums(k: &str, v: &Value) -> bool {
    // A tag's sums (its bytes, its grams) and a comparison's carbon rows of tags.
    k == "third_party_tags" || k == "by_tag" || (k == "carbon" && v.is_array())
}

/// `v` with every number masked; strings masked as everywhere, arrays as multisets.
fn mask_numbers(v: &mut Value) {
    match v {
        Value::Number(_) => *v = Value::String("(n)".into()),
        Value::Array(a) => {
            a.iter_mut().for_each(mask_numbers);
            a.sort_by_cached_key(|x| x.to_string());
        }
        Value::Object(o) => o.values_mut().for_each(mask_numbers),
        _ => mask(v, &[]),
    }
}

fn mask_str(s: &str) -> String {
    static RE: std::sync::OnceLock<(regex::Regex, regex::Regex)> = std::sync::OnceLock::new();
    let (port, date) = RE.get_or_init(|| {
        (
            regex::Regex::new(r"(127\.0\.0\.1|localhost):\d+").unwrap(),
            regex::Regex::new(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT").unwrap(),
        )
    });
    let s = s.replace(ROOT, "$ROOT");
    let s = date.replace_all(&s, "(date)");
    port.replace_all(&s, "$1:PORT").into_owned()
}

fn mask(v: &mut Value, extra: &[&str]) {
    match v {
        Value::String(s) => *s = mask_str(s),
        Value::Array(a) => {
            a.iter_mut().for_each(|x| mask(x, extra));
            // Requests that start together finish in any order: compare as a multiset.
            a.sort_by_cached_key(|x| x.to_string());
        }
        Value::Object(o) => {
            // A metric in milliseconds: its values, statistics and verdict follow the clock.
            let timing_metric = o.get("unit").and_then(Value::as_str) == Some("ms");
            for (k, x) in o.iter_mut() {
                let keep = matches!(k.as_str(), "name" | "unit" | "limit" | "metric");
                if is_volatile_key(k) || extra.contains(&k.as_str()) || (timing_metric && !keep) {
                    *x = Value::String("(timing)".into());
                } else if has_racy_sums(k, x) {
                    mask_numbers(x);
                } else {
                    mask(x, extra);
                }
            }
            // Map keys can hold ports too (hosts in totals).
            let masked: serde_json::Map<String, Value> = std::mem::take(o)
                .into_iter()
                .map(|(k, x)| (mask_str(&k), x))
                .collect();
            *o = masked;
        }
        _ => {}
    }
}

/// Runs pagecost, checks the output against `tests/golden/NAME.*`.
fn check(name: &str, args: &[&str]) {
    check_masked(name, args, &[]);
}

/// [`check`], with `extra` keys masked too (values a run cannot repeat on that page).
fn check_masked(name: &str, args: &[&str], extra: &[&str]) {
    let (code, out, err) = pagecost(args);
    assert!((0..=2).contains(&code), "{args:?}: exit {code}: {err}");
    let lines = args.contains(&"jsonl");
    let mut values: Vec<Value> = if !lines {
        vec![serde_json::from_str(&out).unwrap_or_else(|e| panic!("{name}: {e}: {out}"))]
    } else {
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}: {l}")))
            .collect()
    };
    values.iter_mut().for_each(|v| mask(v, extra));
    let masked = serde_json::to_string_pretty(&values).unwrap() + "\n";
    let shape = format!("exit {code}\n{}", skeleton(&out, lines));
    let dir = golden_dir();
    let (vpath, spath) = (
        dir.join(format!("{name}.json")),
        dir.join(format!("{name}.skeleton")),
    );
    if std::env::var_os("PAGECOST_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&vpath, &masked).unwrap();
        std::fs::write(&spath, &shape).unwrap();
        return;
    }
    // What this run wrote, for `diff -r tests/golden target/golden-actual`.
    let actual = PathBuf::from(ROOT).join("target/golden-actual");
    std::fs::create_dir_all(&actual).unwrap();
    std::fs::write(actual.join(format!("{name}.json")), &masked).unwrap();
    std::fs::write(actual.join(format!("{name}.skeleton")), &shape).unwrap();
    let want_shape = std::fs::read_to_string(&spath)
        .unwrap_or_else(|e| panic!("{}: {e} (PAGECOST_BLESS=1 writes it)", spath.display()));
    assert!(
        want_shape == shape,
        "{name}: the JSON layout changed: diff {} target/golden-actual/",
        spath.display()
    );
    let want = std::fs::read_to_string(&vpath).unwrap();
    assert!(
        want == masked,
        "{name}: the JSON values changed: diff {} target/golden-actual/",
        vpath.display()
    );
}

fn fixture(rel: &str) -> String {
    format!("{ROOT}/fixtures/{rel}")
}

#[test]
fn audit_json_is_unchanged() {
    check("audit", &["audit", &fixture("demo/"), "--format", "json"]);
}

#[test]
fn audit_json_with_runs_estimate_and_budget_is_unchanged() {
    check(
        "audit-runs",
        &[
            "audit",
            &fixture("budget-site/"),
            "--runs",
            "3",
            "--estimate",
            "lte",
            "--budget",
            &fixture("budgets/shop.json"),
            "--format",
            "json",
            "-q",
        ],
    );
}

#[test]
fn audit_json_of_a_har_is_unchanged() {
    check(
        "audit-har",
        &["audit", &fixture("har/chrome.har"), "--format", "json"],
    );
}

#[test]
fn audit_har_export_is_unchanged() {
    check(
        "export-har",
        &["audit", &fixture("demo/"), "--format", "har"],
    );
}

#[test]
fn batch_json_lines_are_unchanged() {
    check(
        "batch",
        &[
            "audit",
            &fixture("demo/"),
            &fixture("site/"),
            &fixture("har/firefox.har"),
            "--format",
            "jsonl",
            "-q",
        ],
    );
}

#[test]
fn compare_json_is_unchanged() {
    let (a, b) = (
        fixture("compare/blog/index.html"),
        fixture("compare/blog/with-ads.html"),
    );
    let mut args = vec!["compare", &a, &b, "--runs", "3", "--estimate", "3g"];
    args.extend(["--max-bytes", "500KB", "--format", "json", "-q"]);
    let ads = support::serve_ads();
    args.extend(ads.iter().map(String::as_str));
    // Two ad frames reference one stylesheet: whichever asks first is its initiator.
    check_masked("compare", &args, &["initiator"]);
}

#[test]
fn links_json_is_unchanged() {
    check(
        "links",
        &[
            "links",
            &fixture("links/page.html"),
            "--kind",
            "a,area,link,form,resource",
            "--format",
            "json",
        ],
    );
}

#[test]
fn budget_json_is_unchanged() {
    check(
        "budget",
        &[
            "audit",
            &fixture("budget-site/"),
            "--budget",
            &fixture("budgets/lighthouse-ci.json"),
            "--format",
            "json",
        ],
    );
}

#[test]
fn budget_init_is_unchanged() {
    check(
        "budget-init",
        &["budget", "init", &fixture("budget-site/"), "--margin", "20"],
    );
}
