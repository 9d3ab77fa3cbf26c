//! What a view costs a visitor on mobile data: the bytes at a country's price from the
//! bundled table (or one given), its parts adding up, compared and gated like bytes; no
//! price asked, no figure.

use crate::support;

use serde_json::Value;
use support::{audit_json, pagecost};

const BLOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/compare/blog");

fn with_ads(extra: &[&str]) -> Vec<String> {
    let mut args = vec![format!("{BLOG}/with-ads.html")];
    args.extend(support::serve_ads());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn usd(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        ((got - want) / want).abs() < 1e-12,
        "{what}: {got} against {want}"
    );
}

#[test]
fn a_view_costs_its_bytes_at_the_countrys_price_and_the_parts_add_up() {
    let args = with_ads(&["--price-country", "us"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let load = audit_json(&args);
    let c = &load["data_cost"];
    assert_eq!(c["price"]["country"], "US");
    assert_eq!(usd(&c["price"]["usd_per_gb"]), 6.0);
    let source = c["price"]["source"].as_str().unwrap();
    assert!(
        source.contains("Cable.co.uk") && source.contains("2023"),
        "{source}"
    );
    let bytes = load["totals"]["transfer_bytes"].as_u64().unwrap() as f64;
    close(usd(&c["total_usd"]), bytes / 1e9 * 6.0, "the view");
    let third = load["totals"]["third_party"]["transfer_bytes"]
        .as_u64()
        .unwrap() as f64;
    close(
        usd(&c["third_party_usd"]),
        third / 1e9 * 6.0,
        "the third parties",
    );
    let parts = usd(&c["first_party_usd"]) + usd(&c["third_party_usd"]);
    close(parts, usd(&c["total_usd"]), "first + third party");
    let entities: f64 = c["by_entity"].as_object().unwrap().values().map(usd).sum();
    close(entities, usd(&c["total_usd"]), "the entities' sum");
    let tags: f64 = c["by_tag"].as_object().unwrap().values().map(usd).sum();
    close(tags, usd(&c["third_party_usd"]), "the tags: every ad byte");
    // The summary says it in a line, with the price and its source.
    let args = with_ads(&["--price-per-gb", "2.5"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = pagecost(&[&["audit"], &args[..]].concat());
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("data cost"))
        .unwrap();
    assert!(
        line.contains("US$0.000750 a view") && line.contains("US$2.50/GB, --price-per-gb"),
        "{line}"
    );
}

#[test]
fn no_price_asked_no_figure_and_a_bad_price_is_refused() {
    let load = audit_json(&[&format!("{BLOG}/index.html")]);
    assert!(load.get("data_cost").is_none(), "no price is guessed");
    let (code, _, err) = pagecost(&["audit", BLOG, "--price-country", "XX"]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--price-country XX") && err.contains(" US, "),
        "{err}"
    );
    let (code, _, err) = pagecost(&["audit", BLOG, "--price-per-gb", "-1"]);
    assert_eq!(code, 2);
    assert!(err.contains("--price-per-gb -1"), "{err}");
}

#[test]
fn compare_weighs_the_ad_networks_cost_and_a_gate_trips_on_it() {
    let mut args = vec![
        "compare".to_string(),
        format!("{BLOG}/index.html"),
        format!("{BLOG}/with-ads.html"),
    ];
    args.extend(support::serve_ads());
    let extra = [
        "--runs",
        "3",
        "-q",
        "--price-country",
        "IN",
        "--fail-if",
        "cost>+10%",
    ];
    args.extend(extra.map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = pagecost(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(code, 1, "the gate trips: {err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let m = (report["comparison"]["metrics"].as_array().unwrap().iter())
        .find(|m| m["name"] == "data_cost_usd")
        .expect("the data cost compared");
    let (a, b) = (usd(&m["a"]["median"]), usd(&m["b"]["median"]));
    assert!(b > 5.0 * a, "{m}");
    assert_eq!(usd(&m["a"]["stddev"]), 0.0, "the same bytes every run: {m}");
    assert!(m["verdict"].as_str().unwrap().contains("dearer"), "{m}");
    // Per entity too: the ad network's part, beside its grams.
    let rows = report["comparison"]["carbon"].as_array().unwrap();
    let ads = (rows.iter())
        .find(|r| r["name"] == "Google/Doubleclick Ads")
        .unwrap();
    let third = (rows.iter()).find(|r| r["name"] == "third party").unwrap();
    assert_eq!(usd(&ads["a_usd"]), 0.0);
    assert!(
        usd(&ads["b_usd"]) > 0.0 && usd(&ads["b_usd"]) == usd(&third["b_usd"]),
        "{ads}"
    );
    let text = pagecost(&args[..args.len() - 2]).1;
    assert!(
        text.contains("only in B: 0.0360 g CO2e and US$0.0000"),
        "{text}"
    );
}

#[test]
fn a_budget_limits_what_a_view_costs_at_the_price_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let budget = tmp.path().join("budget.json");
    std::fs::write(&budget, r#"[{"pagecost": {"dataCost": 0.001}}]"#).unwrap();
    let b = budget.to_str().unwrap();
    let judge = |extra: &[&str]| {
        let args = with_ads(&[&["--budget", b, "--format", "json", "-q"], extra].concat());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = pagecost(&[&["audit"], &args[..]].concat());
        let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
        (code, report)
    };
    // At the United States' price the view costs US$0.00180: over.
    let (code, report) = judge(&["--price-country", "US"]);
    assert_eq!(code, 1);
    let line = &report["budget"]["lines"][0];
    assert_eq!(
        (line["name"].as_str(), line["status"].as_str()),
        (Some("pagecost.dataCost"), Some("fail"))
    );
    assert_eq!(line["unit"], "USD");
    close(
        usd(&line["actual"]),
        usd(&report["load"]["data_cost"]["total_usd"]),
        "the line's figure",
    );
    // At India's, US$0.0000510: within.
    let (code, report) = judge(&["--price-country", "IN"]);
    assert_eq!(
        (code, report["budget"]["lines"][0]["status"].as_str()),
        (0, Some("pass"))
    );
    // No price: not judged, and said why.
    let (code, report) = judge(&[]);
    let line = &report["budget"]["lines"][0];
    assert_eq!(
        (code, line["status"].as_str()),
        (0, Some("unsupported")),
        "{line}"
    );
    assert!(
        line["details"][0]
            .as_str()
            .unwrap()
            .contains("--price-country"),
        "{line}"
    );
}
