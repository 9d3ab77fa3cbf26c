//! `pagecost budget init`: a starting budget.json from one load, current figures plus a margin.

use super::args::BudgetInitArgs;
use super::{emit, Outcome};
use pagecost::Target;
use serde_json::json;

pub fn init(a: BudgetInitArgs) -> anyhow::Result<Outcome> {
    if a.margin.is_nan() || a.margin < 0.0 {
        anyhow::bail!("--margin {}: must be a percentage >= 0", a.margin);
    }
    let target = Target::parse(&a.target)?;
    let (cfg, vp) = a.net.to_config()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let load = rt.block_on(pagecost::audit(&target, &cfg, &vp, &pagecost::NoEvents))?;
    let f = 1.0 + a.margin / 100.0;
    let kib = |b: u64| ((b as f64 / 1024.0) * f).ceil() as u64;
    let count = |n: u64| ((n as f64) * f).ceil() as u64;
    let t = &load.totals;
    let mut sizes = vec![];
    let mut counts = vec![];
    for (name, bucket) in [
        (
            "document",
            add(
                t.by_type.get(&pagecost::ResourceType::Document),
                t.by_type.get(&pagecost::ResourceType::Iframe),
            ),
        ),
        (
            "script",
            t.by_type
                .get(&pagecost::ResourceType::Script)
                .copied()
                .unwrap_or_default(),
        ),
        (
            "stylesheet",
            t.by_type
                .get(&pagecost::ResourceType::Stylesheet)
                .copied()
                .unwrap_or_default(),
        ),
        (
            "image",
            t.by_type
                .get(&pagecost::ResourceType::Image)
                .copied()
                .unwrap_or_default(),
        ),
        (
            "font",
            t.by_type
                .get(&pagecost::ResourceType::Font)
                .copied()
                .unwrap_or_default(),
        ),
        (
            "media",
            t.by_type
                .get(&pagecost::ResourceType::Media)
                .copied()
                .unwrap_or_default(),
        ),
        (
            "other",
            t.by_type
                .get(&pagecost::ResourceType::Other)
                .copied()
                .unwrap_or_default(),
        ),
        ("third-party", t.third_party),
        (
            "total",
            pagecost::model::Bucket {
                requests: t.requests,
                transfer_bytes: t.transfer_bytes,
                decoded_bytes: t.decoded_bytes,
            },
        ),
    ] {
        if bucket.requests == 0 && name != "total" && name != "third-party" {
            continue;
        }
        sizes.push(json!({ "resourceType": name, "budget": kib(bucket.transfer_bytes) }));
        counts.push(json!({ "resourceType": name, "budget": count(bucket.requests) }));
    }
    let broken = t.failed + t.empty;
    if broken > 0 {
        eprintln!("pagecost: the page has {broken} broken or empty subresources today; the budget allows them (set \"broken\" to 0 once they are fixed)");
    }
    let budget = json!([{
        "path": "/*",
        "resourceSizes": sizes,
        "resourceCounts": counts,
        // Timings are noisy: the margin, rounded up to the next 100 ms, and at least 100 ms.
        "timings": [{ "metric": "fully-loaded", "budget": timing_budget(load.fully_loaded_ms, f) }],
        "pagecost": { "broken": broken }
    }]);
    let mut text = serde_json::to_string_pretty(&budget)?;
    text.push('\n');
    emit(&text, a.output.as_deref())?;
    Ok(Outcome::Pass)
}

fn add(
    a: Option<&pagecost::model::Bucket>,
    b: Option<&pagecost::model::Bucket>,
) -> pagecost::model::Bucket {
    let mut x = a.copied().unwrap_or_default();
    x += b.copied().unwrap_or_default();
    x
}

/// A starting timing budget: the measured time plus the margin, rounded up to the next
/// 100 ms and at least 100 ms above the measurement.
fn timing_budget(ms: f64, factor: f64) -> u64 {
    let with_margin = (ms * factor).max(ms + 100.0);
    ((with_margin / 100.0).ceil() * 100.0) as u64
}
