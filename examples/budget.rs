//! Checks a page against a budget (Lighthouse CI's budget.json format) and exits 1 when it
//! is over, as a CI step would.
//!
//!     cargo run --example budget -- fixtures/demo/
use pagecost::verdict::budget;
use pagecost::{audit, AuditConfig, NoEvents, Target, Viewport};

const BUDGET: &str = r#"[{
  "path": "/*",
  "resourceSizes": [{ "resourceType": "total", "budget": 300 }, { "resourceType": "image", "budget": 150 }],
  "resourceCounts": [{ "resourceType": "third-party", "budget": 0 }]
}]"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<std::process::ExitCode, pagecost::Error> {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/demo/".into());
    let budgets = budget::parse(BUDGET, "budget.json")?;
    let load = audit(
        &Target::parse(&arg)?,
        &AuditConfig::default(),
        &Viewport::default(),
        &NoEvents,
    )
    .await?;
    let verdict = budget::evaluate(&budgets, &[&load]);
    for line in &verdict.lines {
        println!(
            "{:<24} {:>8.1} of {:>6.1} {:<4} {:?}",
            line.name,
            line.actual,
            line.limit,
            line.unit.as_str(),
            line.status
        );
    }
    Ok(if verdict.failed() {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    })
}
