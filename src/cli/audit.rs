//! `pagecost audit`: load one page and report it.

use super::args::{AuditArgs, Format};
use super::progress::Progress;
use super::{emit, Outcome};
use pagecost::report::{json, table};
use pagecost::Target;

pub fn run(a: AuditArgs) -> anyhow::Result<Outcome> {
    let target = Target::parse(&a.target)?;
    let (cfg, vp) = a.net.to_config()?;
    let progress = Progress::new(a.quiet);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let load = rt.block_on(pagecost::audit(&target, &cfg, &vp, &progress));
    progress.finish();
    let load = load?;
    let report = match a.format {
        Format::Table => table::render(&load, table::TableOptions { width: None }),
        Format::Json => json::render(&load),
    };
    emit(&report, a.output.as_deref())?;
    Ok(Outcome::Pass)
}
