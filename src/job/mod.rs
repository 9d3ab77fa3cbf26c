//! Jobs: what each command does, as one library call. A [`Plan`] (built and validated from
//! the arguments) goes in, a [`Report`] (the JSON contract itself) comes out; renderers in
//! [`crate::report`] turn it into text, and [`Report::outcome`] tells how it ended.
//!
//! ```text
//! Plan ─> job::run ─> (one tokio runtime) ─> audit / compare / links / budget init / merge
//!                                              │ Source::open + Source::load
//!                                              └─> Report ─> report::render ─> text
//! ```

pub mod audit;
pub mod batch;
pub mod budget_init;
pub mod calibrate;
pub mod compare;
pub mod crawl;
#[cfg(feature = "history")]
pub mod history;
pub mod links;
pub mod merge;

use crate::error::{Error, Result};
use crate::events::EventSink;

pub use audit::{AuditPlan, AuditReport, BatchReport, Crawl, Shows};
pub use budget_init::{BudgetFile, BudgetInitPlan};
pub use calibrate::{CalibratePlan, CalibrateReport};
pub use compare::{ComparePlan, CompareReport};
pub use links::{LinksPlan, LinksReport};
pub use merge::MergePlan;

/// What to do.
#[derive(Debug)]
pub enum Plan {
    /// One page (once or N times), or many pages (a list, a crawl, a shard).
    Audit(Box<AuditPlan>),
    /// Two variants, interleaved runs, statistics, gates.
    Compare(Box<ComparePlan>),
    /// One page's run-to-run spread, and what gates can detect through it.
    Calibrate(Box<CalibratePlan>),
    /// A page's links, filtered, optionally checked.
    Links(Box<LinksPlan>),
    /// A starting budget.json from one load.
    BudgetInit(Box<BudgetInitPlan>),
    /// Join the JSON-lines outputs of sharded batches.
    Merge(MergePlan),
    /// Show, prune or import into the history database.
    #[cfg(feature = "history")]
    History(history::HistoryPlan),
}

/// What a job produced: everything its renderers show.
#[derive(Debug)]
pub enum Report {
    /// One page.
    Audit(Box<AuditReport>),
    /// Many pages.
    Batch(BatchReport),
    /// Two variants.
    Compare(Box<CompareReport>),
    /// A page's spread.
    Calibrate(Box<CalibrateReport>),
    /// Links.
    Links(LinksReport),
    /// A budget file.
    Budget(BudgetFile),
    /// Stored runs, or what a history job did.
    #[cfg(feature = "history")]
    History(history::HistoryReport),
}

impl Plan {
    /// Hands the job a cancellation (the CLI cancels it on Ctrl-C or SIGTERM): cancelled, an
    /// audit, a batch or a comparison ends its loads early and reports what finished,
    /// marked interrupted. Whether this job honours it; other jobs are short and simply
    /// stopped.
    pub fn set_cancel(&mut self, cancel: &crate::config::Cancel) -> bool {
        let cfg = match self {
            Plan::Audit(p) => &mut p.cfg,
            Plan::Compare(p) => &mut p.cfg,
            Plan::Calibrate(p) => &mut p.cfg,
            _ => return false,
        };
        cfg.cancel = Some(cancel.clone());
        true
    }
}

/// How a job ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything passed.
    Ok,
    /// A budget, gate or link check failed.
    Failed,
    /// The report is complete for what could run, but some inputs could not be processed.
    CouldNotRun,
    /// Interrupted; the report is partial.
    Interrupted,
}

impl Report {
    /// How the job ended.
    pub fn outcome(&self) -> Outcome {
        match self {
            Report::Audit(r) => r.outcome(),
            Report::Batch(r) => r.outcome(),
            Report::Compare(r) => r.outcome(),
            Report::Calibrate(r) if r.interrupted => Outcome::Interrupted,
            Report::Calibrate(_) => Outcome::Ok,
            Report::Links(r) => r.outcome(),
            Report::Budget(_) => Outcome::Ok,
            #[cfg(feature = "history")]
            Report::History(_) => Outcome::Ok,
        }
    }
}

/// The one tokio runtime of a job (and of `serve`).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Client(format!("cannot start the async runtime: {e}")))
}

/// `serve`: a folder read-only on loopback `port` (0: any) until `stop` is cancelled (the
/// CLI cancels it on Ctrl-C); `ready` is told where once it listens.
pub fn serve(
    rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    port: u16,
    ready: impl FnOnce(std::net::SocketAddr),
    stop: crate::config::Cancel,
) -> Result<()> {
    rt.block_on(async {
        let server = crate::net::serve::serve_dir_on(dir, port).await?;
        ready(server.addr());
        stop.cancelled().await;
        Ok(())
    })
}

/// Runs a plan to its report on a runtime of its own. Progress goes to `events`.
pub fn run(plan: Plan, events: &dyn EventSink) -> Result<Report> {
    run_on(&runtime()?, plan, events)
}

/// Runs a plan to its report on the caller's runtime ([`runtime`]: the CLI's one, which
/// also serves the CLI's own tasks). Progress goes to `events`.
pub fn run_on(rt: &tokio::runtime::Runtime, plan: Plan, events: &dyn EventSink) -> Result<Report> {
    match plan {
        Plan::Audit(p) => audit::run(rt, *p, events),
        Plan::Compare(p) => rt
            .block_on(compare::run(*p, events))
            .map(Box::new)
            .map(Report::Compare),
        Plan::Calibrate(p) => rt
            .block_on(calibrate::run(*p, events))
            .map(Box::new)
            .map(Report::Calibrate),
        Plan::Links(p) => rt.block_on(links::run(*p)).map(Report::Links),
        Plan::BudgetInit(p) => rt.block_on(budget_init::run(*p)).map(Report::Budget),
        Plan::Merge(p) => merge::run(&p).map(Report::Batch),
        #[cfg(feature = "history")]
        Plan::History(p) => history::run(p).map(Report::History),
    }
}
