//! A page's carbon: its bytes by the Sustainable Web Design model v4, held to CO2.js itself
//! (`@tgwf/co2` from npm, installed by .ci/run: `PAGECOST_CO2JS` names its node_modules),
//! its parts adding up to the whole.

use crate::support;

use serde_json::Value;
use support::{audit_json, pagecost, Route, TestServer};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo");

/// What CO2.js says for each byte count: `perByteTrace(bytes, green, {gridIntensity})`
/// of its `swd` model, version 4. `None` where CO2.js is not installed (said; under CI a
/// failure).
fn co2js(bytes: &[u64], green: bool, grid: f64) -> Option<Vec<f64>> {
    let script = format!(
        "const {{ co2 }} = require('@tgwf/co2');
         const m = new co2({{ model: 'swd', version: 4 }});
         const g = {{ device: {grid}, dataCenter: {grid}, network: {grid} }};
         const out = {bytes:?}.map(b => m.perByteTrace(b, {green}, {{ gridIntensity: g }}).co2);
         console.log(JSON.stringify(out));"
    );
    let out = support::node("PAGECOST_CO2JS", "CO2.js (@tgwf/co2)", &["-e", &script])?;
    Some(serde_json::from_str(&out).unwrap())
}

fn close(got: f64, want: f64, what: &str) {
    let rel = ((got - want) / want).abs();
    assert!(
        rel <= 1e-9,
        "{what}: pagecost {got}, CO2.js {want} ({rel:e} apart)"
    );
}

fn transfer_bytes(load: &Value) -> Vec<u64> {
    support::entries(load)
        .iter()
        .map(|e| e["transfer_bytes"].as_u64().unwrap())
        .collect()
}

fn g(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn the_carbon_of_a_page_is_co2js_sustainable_web_design_v4() {
    let load = audit_json(&[DEMO]);
    let c = &load["carbon"];
    assert_eq!(c["model"], "sustainable-web-design-v4");
    assert_eq!(g(&c["grid_intensity"]), 494.0);
    let bytes = transfer_bytes(&load);
    let total: u64 = bytes.iter().sum();
    assert_eq!(total, load["totals"]["transfer_bytes"].as_u64().unwrap());
    // The parts add up to the whole: by party, and by entity.
    let parts = g(&c["first_party_g"]) + g(&c["third_party_g"]) + g(&c["unknown_party_g"]);
    close(parts, g(&c["total_g"]), "first + third + unknown party");
    let by_entity: f64 = c["by_entity"].as_object().unwrap().values().map(g).sum();
    close(by_entity, g(&c["total_g"]), "the entities' sum");
    let Some(want) = co2js(&[total], false, 494.0) else {
        return;
    };
    close(g(&c["total_g"]), want[0], "the page's grams");
    // Request by request too (the model is linear: the sum of the parts is the whole).
    let each = co2js(&bytes, false, 494.0).unwrap();
    close(
        each.iter().sum(),
        g(&c["total_g"]),
        "the requests' grams summed",
    );
}

#[test]
fn green_hosts_and_the_grid_intensity_change_what_co2js_says_they_change() {
    let server = TestServer::start(vec![
        ("/", Route::html("<img src=/a.png>")),
        ("/a.png", Route::ok("image/png", vec![7u8; 40_000])),
    ]);
    let url = server.url("/");
    let load = audit_json(&[&url, "--grid-intensity", "100", "--green-host", "127.0.0.1"]);
    let c = &load["carbon"];
    assert_eq!(g(&c["grid_intensity"]), 100.0);
    assert_eq!(c["green_hosts"][0], "127.0.0.1");
    let bytes = transfer_bytes(&load);
    let total: u64 = bytes.iter().sum();
    let Some(green) = co2js(&[total], true, 100.0) else {
        return;
    };
    // Every byte came from the green loopback host.
    close(
        g(&c["total_g"]),
        green[0],
        "green-hosted grams at 100 g/kWh",
    );
    let grey = co2js(&[total], false, 100.0).unwrap();
    assert!(
        green[0] < grey[0],
        "green hosting takes the data centre's energy off"
    );
}

#[test]
fn a_grid_intensity_that_is_not_a_number_of_grams_is_refused() {
    for bad in ["-1", "NaN", "inf"] {
        let (code, _, err) = pagecost(&["audit", DEMO, "--grid-intensity", bad]);
        assert_eq!(code, 2, "--grid-intensity {bad}: {err}");
        assert!(err.contains("--grid-intensity"), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn a_budget_limits_the_grams_of_a_view() {
    let tmp = tempfile::tempdir().unwrap();
    let budget = |grams: f64| {
        let path = tmp.path().join(format!("{grams}.json"));
        std::fs::write(&path, format!(r#"[{{"pagecost": {{"co2e": {grams}}}}}]"#)).unwrap();
        path.to_str().unwrap().to_string()
    };
    let load = audit_json(&[DEMO]);
    let grams = g(&load["carbon"]["total_g"]);
    let over = budget(grams * 0.9);
    let (code, out, err) = pagecost(&["audit", DEMO, "--budget", &over, "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let line = &report["budget"]["lines"][0];
    assert_eq!(
        (line["name"].as_str(), line["unit"].as_str()),
        (Some("pagecost.co2e"), Some("g"))
    );
    assert_eq!(line["status"], "fail");
    close(g(&line["actual"]), grams, "the budget's measure");
    let within = budget(grams * 1.1);
    let (code, _, err) = pagecost(&["audit", DEMO, "--budget", &within]);
    assert_eq!(code, 0, "{err}");
}

const BLOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/compare/blog");

#[test]
fn each_tag_and_entity_emits_co2js_grams_of_its_bytes_and_the_parts_add_up() {
    let mut args = vec![format!("{BLOG}/with-ads.html")];
    args.extend(support::serve_ads());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let load = audit_json(&args);
    let c = &load["carbon"];
    let total = g(&c["total_g"]);
    let by_entity = c["by_entity"].as_object().unwrap();
    close(by_entity.values().map(g).sum(), total, "the entities' sum");
    let ads = g(&by_entity["Google/Doubleclick Ads"]);
    close(
        ads,
        g(&c["third_party_g"]),
        "the ad network is the third party",
    );
    let tags = load["third_party_tags"].as_array().unwrap();
    assert!(tags.len() >= 3, "{tags:?}");
    let by_tag = c["by_tag"].as_object().unwrap();
    assert_eq!(
        by_tag.len(),
        tags.len(),
        "a figure for each tag: {by_tag:?}"
    );
    let bytes: Vec<u64> = tags
        .iter()
        .map(|t| t["transfer_bytes"].as_u64().unwrap())
        .collect();
    let summed: f64 = by_tag.values().map(g).sum();
    close(summed, ads, "every ad byte is under a tag");
    let Some(want) = co2js(&bytes, false, 494.0) else {
        return;
    };
    for (t, want) in tags.iter().zip(want) {
        let url = t["url"].as_str().unwrap();
        close(g(&by_tag[url]), want, url);
    }
}

#[test]
fn compare_says_what_the_ad_network_emits_a_view() {
    let mut args = vec![
        "compare".to_string(),
        format!("{BLOG}/index.html"),
        format!("{BLOG}/with-ads.html"),
    ];
    args.extend(support::serve_ads());
    args.extend(["--runs", "3", "-q"].map(String::from));
    let mut json_args = args.clone();
    json_args.extend(["--format", "json"].map(String::from));
    let run = |a: &[String]| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, out, err) = pagecost(&a);
        assert!(code == 0, "{err}");
        out
    };
    let report: Value = serde_json::from_str(&run(&json_args)).unwrap();
    let rows = report["comparison"]["carbon"].as_array().unwrap();
    let row = |name: &str| {
        (rows.iter())
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {rows:?}"))
    };
    let ads = row("Google/Doubleclick Ads");
    assert_eq!(
        (ads["scope"].as_str(), g(&ads["a_g"])),
        (Some("entity"), 0.0)
    );
    let co2 = (report["comparison"]["metrics"].as_array().unwrap().iter())
        .find(|m| m["name"] == "co2e_grams")
        .unwrap();
    // The ad network is all B adds, but for a first-party document grown by its tags.
    let (third, first) = (row("third party"), row("first party"));
    let added = g(&third["b_g"]) - g(&third["a_g"]) + g(&first["b_g"]) - g(&first["a_g"]);
    assert!((added - g(&co2["diff"])).abs() < 1e-12, "{added} vs {co2}");
    close(
        g(&ads["b_g"]),
        g(&third["b_g"]),
        "the entity is the third party",
    );
    assert_eq!(
        row("http://securepubads.g.doubleclick.net/tag/js/gpt.js")["scope"],
        "tag"
    );
    let text = run(&args);
    assert!(
        text.contains("Google/Doubleclick Ads (entity), only in B: 0.0360 g CO2e a view"),
        "{text}"
    );
}
