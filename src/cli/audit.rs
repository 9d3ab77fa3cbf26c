//! `pagecost audit`: load one page (or N times) and report it.

use super::args::{AuditArgs, Format};
use super::progress::Progress;
use super::{emit, Outcome};
use pagecost::report::{json, table};
use pagecost::{estimate::estimate, Target};

pub fn run(a: AuditArgs) -> anyhow::Result<Outcome> {
    let target = Target::parse(&a.target)?;
    let (cfg, vp) = a.net.to_config()?;
    let progress = Progress::new(a.quiet);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let opts = table::TableOptions {
        width: None,
        connections: a.connections,
    };
    let report = if a.runs > 1 {
        let runs = rt.block_on(pagecost::audit_runs(
            &target,
            &cfg,
            &vp,
            a.runs as usize,
            !a.no_warmup,
            &progress,
        ));
        progress.finish();
        let runs = runs?;
        let est = a.estimate.as_ref().map(|p| estimate(runs.median(), p));
        match a.format {
            Format::Table => {
                let mut s = table::render_runs(&runs, opts);
                if let Some(e) = &est {
                    s.push_str(&table::render_estimate(runs.median(), e, opts));
                }
                s
            }
            Format::Json => {
                json::render_value(&serde_json::json!({ "runs": runs, "estimate": est }))
            }
        }
    } else {
        let load = rt.block_on(pagecost::audit(&target, &cfg, &vp, &progress));
        progress.finish();
        let load = load?;
        let est = a.estimate.as_ref().map(|p| estimate(&load, p));
        match (a.format, est) {
            (Format::Table, None) => table::render(&load, opts),
            (Format::Table, Some(e)) => {
                let mut s = table::render(&load, opts);
                s.push_str(&table::render_estimate(&load, &e, opts));
                s
            }
            (Format::Json, None) => json::render(&load),
            (Format::Json, Some(e)) => {
                json::render_value(&serde_json::json!({ "load": load, "estimate": e }))
            }
        }
    };
    emit(&report, a.output.as_deref())?;
    Ok(Outcome::Pass)
}
