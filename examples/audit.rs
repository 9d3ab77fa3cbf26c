//! Audits one page with the static engine and prints its totals per resource type.
//!
//!     cargo run --example audit -- fixtures/demo/        # or a URL, a file, a HAR
use pagecost::{audit, AuditConfig, NoEvents, Target, Viewport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), pagecost::Error> {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/demo/".into());
    let target = Target::parse(&arg)?;
    let load = audit(
        &target,
        &AuditConfig::default(),
        &Viewport::default(),
        &NoEvents,
    )
    .await?;
    let t = &load.totals;
    println!(
        "{}: {} requests, {} bytes, fully loaded in {:.0} ms",
        load.page_name(),
        t.requests,
        t.transfer_bytes,
        load.fully_loaded_ms
    );
    for (ty, b) in &t.by_type {
        println!(
            "  {:<11} {:>3} requests {:>9} bytes",
            ty.as_str(),
            b.requests,
            b.transfer_bytes
        );
    }
    Ok(())
}
