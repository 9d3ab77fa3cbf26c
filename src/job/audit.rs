//! The audit job: one page (once, or N runs with statistics), or many pages (a list, a
//! shard of it, or a crawl), with estimates and budgets judged.

use crate::config::{AuditConfig, Cancel};
use crate::error::{Error, Result, Setting};
use crate::events::{Event, EventSink, NoEvents};
use crate::extract::Viewport;
use crate::job::batch::{audit_all, PageResult};
use crate::model::{Load, Profile};
use crate::source::target::Target;
use crate::source::{Engine, Source};
use crate::verdict::budget::{self, Budgets};
use crate::verdict::runs::{Runs, Tally};
use std::path::PathBuf;

use super::{Outcome, Report};

/// Following same-site links from the one target.
#[derive(Debug, Clone)]
pub struct Crawl {
    /// Links deep.
    pub depth: usize,
    /// Most pages.
    pub max_pages: usize,
    /// Do not read robots.txt.
    pub ignore_robots: bool,
}

/// An audit, as asked for.
#[derive(Debug)]
pub struct AuditPlan {
    /// Targets as given.
    pub targets: Vec<String>,
    /// A list of more targets, one per line (`-` for stdin).
    pub input_file: Option<PathBuf>,
    /// What the caller can show, asked of its renderer before anything loads.
    pub shows: Shows,
    /// Crawl from the one target.
    pub crawl: Option<Crawl>,
    /// The K-th of N slices of the list (1-based).
    pub shard: Option<(usize, usize)>,
    /// Pages audited at once.
    pub jobs: usize,
    /// Loads of one page.
    pub runs: usize,
    /// An uncounted warm-up load before the runs.
    pub warmup: bool,
    /// For a HAR target holding several pages: which one (1-based).
    pub page: Option<usize>,
    /// For a HAR target: the same load's trace, read for its main-thread time.
    pub trace: Option<PathBuf>,
    /// Also estimate the load on this network profile.
    pub estimate: Option<Profile>,
    /// Budgets to judge.
    pub budgets: Option<Budgets>,
    /// Engine for pages that are not recordings.
    pub engine: Engine,
    /// Folders served as other hosts while pages load (`--serve-also HOST=DIR`).
    pub serve_also: Vec<(String, PathBuf)>,
    /// Network and limit settings.
    pub cfg: AuditConfig,
    /// The viewport pages are laid out for.
    pub viewport: Viewport,
}

/// One page audited.
#[derive(Debug)]
pub struct AuditReport {
    /// The load (one run).
    pub load: Option<Load>,
    /// Every run (`runs > 1`).
    pub runs: Option<Runs>,
    /// The shown load estimated on a profile.
    pub estimate: Option<Load>,
    /// Budgets judged, and what they are called.
    pub budget: Option<(budget::Verdict, String)>,
    /// Ctrl-C stopped the audit; the load is partial.
    pub interrupted: bool,
    /// Names of the headers the user added (redacted in a HAR export).
    pub added_headers: Vec<String>,
}

impl AuditReport {
    /// The load reports show: the one load, or the median run.
    pub fn shown(&self) -> &Load {
        match (&self.runs, &self.load) {
            (Some(r), _) => r.median(),
            (None, Some(l)) => l,
            (None, None) => unreachable!("an audit report holds a load or runs"),
        }
    }

    /// How it ended.
    pub fn outcome(&self) -> Outcome {
        if self.interrupted {
            Outcome::Interrupted
        } else if self.budget.as_ref().is_some_and(|(v, _)| v.failed()) {
            Outcome::Failed
        } else {
            Outcome::Ok
        }
    }
}

/// Many pages audited.
#[derive(Debug)]
pub struct BatchReport {
    /// One result per page, in the list's order.
    pub pages: Vec<PageResult>,
    /// Each page's budget verdict, when budgets were given.
    pub verdicts: Vec<Option<budget::Verdict>>,
    /// Joined from earlier batches' outputs (`merge`): their failures were reported when
    /// they ran, so they do not fail this one.
    pub merged: bool,
    /// Cancelled (Ctrl-C, SIGTERM): the pages that had started, those under way partial.
    pub interrupted: bool,
}

impl BatchReport {
    /// Pages that could not be audited.
    pub fn failed(&self) -> usize {
        self.pages.iter().filter(|p| p.error.is_some()).count()
    }

    /// How it ended: a page that could not be audited outranks one over budget.
    pub fn outcome(&self) -> Outcome {
        if self.merged {
            Outcome::Ok
        } else if self.interrupted {
            Outcome::Interrupted
        } else if self.failed() > 0 {
            Outcome::CouldNotRun
        } else if self.verdicts.iter().flatten().any(budget::Verdict::failed) {
            Outcome::Failed
        } else {
            Outcome::Ok
        }
    }
}

impl AuditPlan {
    /// A plan with the command line's defaults: the static engine, one run, 4 pages at a
    /// time, a table. Set the fields to change them.
    ///
    /// ```
    /// use pagecost::job::{self, AuditPlan, Plan, Report};
    /// let plan = AuditPlan::new(vec!["fixtures/demo/".into()]);
    /// let Report::Audit(a) = job::run(Plan::Audit(Box::new(plan)), &pagecost::NoEvents)? else {
    ///     unreachable!("one target, one audit")
    /// };
    /// let load = a.shown();
    /// assert_eq!(load.totals.requests, 19);
    /// assert_eq!(load.page_name(), "fixtures/demo/");
    /// # Ok::<(), pagecost::Error>(())
    /// ```
    pub fn new(targets: Vec<String>) -> AuditPlan {
        AuditPlan {
            targets,
            input_file: None,
            shows: Shows::default(),
            crawl: None,
            shard: None,
            jobs: 4,
            runs: 1,
            warmup: true,
            page: None,
            trace: None,
            estimate: None,
            budgets: None,
            engine: Engine::Static,
            serve_also: Vec::new(),
            cfg: AuditConfig::default(),
            viewport: Viewport::default(),
        }
    }

    /// Every target: those given, then the list's.
    fn all_targets(&self) -> Result<Vec<String>> {
        let mut targets = self.targets.clone();
        if let Some(f) = &self.input_file {
            let listed = crate::job::batch::read_list(&crate::config::textfile::read(f)?);
            if listed.is_empty() {
                return Err(Error::InvalidInput {
                    input: f.display().to_string(),
                    reason: "lists no page (every line is blank or a # comment)".into(),
                });
            }
            targets.extend(listed);
        }
        Ok(targets)
    }

    fn many(&self, targets: &[String]) -> bool {
        targets.len() != 1
            || self.input_file.is_some()
            || self.shard.is_some()
            || self.crawl.is_some()
            || self.shows.per_page
    }
}

/// What the caller can show of an audit's result (the CLI asks its renderer, per format):
/// the job refuses, before anything loads, a result that could not be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shows {
    /// The format's name, for the refusal's words.
    pub format: &'static str,
    /// Each page's result apart, even for one page (JSON lines): a batch of one.
    pub per_page: bool,
    /// Many pages' results.
    pub many_pages: bool,
    /// One page's result without budgets (JUnit shows budgets only).
    pub without_budgets: bool,
}

impl Default for Shows {
    /// A terminal table: one page or many, budgets or not.
    fn default() -> Self {
        Shows {
            format: "table",
            per_page: false,
            many_pages: true,
            without_budgets: true,
        }
    }
}

/// Runs an audit plan on the job runtime.
pub fn run(
    rt: &tokio::runtime::Runtime,
    plan: AuditPlan,
    events: &dyn EventSink,
) -> Result<Report> {
    let targets = plan.all_targets()?;
    let format = plan.shows.format;
    if plan.many(&targets) && !plan.shows.many_pages {
        let why = "reports one page; for many pages use table, json, jsonl or openmetrics";
        return Err(Error::setting(Setting::Format, format, why));
    }
    if let Some(t) = plan
        .trace
        .as_ref()
        .filter(|_| plan.many(&targets) || plan.crawl.is_some())
    {
        let why = "is one load's trace: it goes with one HAR target";
        return Err(Error::setting(
            Setting::HarTrace,
            t.display().to_string(),
            why,
        ));
    }
    if plan.crawl.is_some() {
        return rt
            .block_on(crawl(&plan, &targets, events))
            .map(Report::Batch);
    }
    if plan.many(&targets) {
        return Ok(Report::Batch(rt.block_on(batch(
            (&plan, &plan.cfg),
            targets,
            None,
            events,
        ))));
    }
    if !plan.shows.without_budgets && plan.budgets.is_none() {
        let why = "reports budgets: give a budget file or a limit";
        return Err(Error::setting(Setting::Format, format, why));
    }
    // Cancelled (the CLI's Ctrl-C), the load stops; what finished is reported, partial.
    let cancel = plan.cfg.cancel.clone().unwrap_or_default();
    rt.block_on(one(plan, &targets[0], cancel, events))
        .map(Box::new)
        .map(Report::Audit)
}

/// One page, once or `runs` times.
async fn one(
    mut plan: AuditPlan,
    target: &str,
    cancel: Cancel,
    events: &dyn EventSink,
) -> Result<AuditReport> {
    let target = target_of(target, &plan)?;
    plan.cfg.cancel = Some(cancel.clone());
    let source = Source::open(&target, &plan.engine, &plan.serve_also).await?;
    let interrupted = |e: Error| {
        if cancel.is_cancelled() {
            Error::Interrupted(Box::new(e))
        } else {
            e
        }
    };
    let (load, runs) = if plan.runs > 1 {
        let r = runs_of(&source, &plan, events).await.map_err(interrupted)?;
        (None, Some(r))
    } else {
        let l = source.load(&plan.cfg, &plan.viewport, events).await;
        (Some(l.map_err(interrupted)?), None)
    };
    let mut report = AuditReport {
        load,
        runs,
        estimate: None,
        budget: None,
        interrupted: cancel.is_cancelled(),
        added_headers: plan.cfg.headers.iter().map(|(n, _)| n.clone()).collect(),
    };
    report.estimate = plan
        .estimate
        .as_ref()
        .map(|p| crate::verdict::estimate::estimate(report.shown(), p));
    report.budget = plan.budgets.as_ref().map(|b| {
        let all: Vec<&Load> = match &report.runs {
            Some(r) => r.runs.iter().collect(),
            None => vec![report.shown()],
        };
        (budget::evaluate(&b.list, &all), b.name.clone())
    });
    Ok(report)
}

/// The target, with the HAR page and trace the plan names; those are refused with any other.
fn target_of(target: &str, plan: &AuditPlan) -> Result<Target> {
    let mut target = Target::parse(target)?;
    match &mut target {
        Target::Har { page, trace, .. } => (*page, *trace) = (plan.page, plan.trace.clone()),
        _ if plan.trace.is_some() => {
            let trace: String = (plan.trace.iter())
                .map(|t| t.display().to_string())
                .collect();
            return Err(Error::setting(
                Setting::HarTrace,
                trace,
                "a trace goes with a HAR target (a live browser load records its own)",
            ));
        }
        _ if plan.page.is_some() => {
            let page = plan.page.unwrap_or_default().to_string();
            let why = "only a HAR target has pages";
            return Err(Error::setting(Setting::HarPage, page, why));
        }
        _ => {}
    }
    Ok(target)
}

/// `plan.runs` loads of a source after an uncounted warm-up (unless `warmup` is off).
async fn runs_of(source: &Source, plan: &AuditPlan, events: &dyn EventSink) -> Result<Runs> {
    let (cfg, vp) = (&plan.cfg, &plan.viewport);
    repeated(source, cfg, vp, plan.runs, plan.warmup, events).await
}

/// `runs` loads of a source after an uncounted warm-up (unless `warmup` is off), until
/// cancelled; a recording is its one load. Failed runs and runs cut short are left out of
/// the statistics, with why; an error when no run is left.
pub(super) async fn repeated(
    source: &Source,
    cfg: &AuditConfig,
    vp: &Viewport,
    runs: usize,
    warmup: bool,
    events: &dyn EventSink,
) -> Result<Runs> {
    let repeat = source.repeatable();
    let warmup = warmup && repeat;
    if warmup {
        let _ = source.load(cfg, vp, &NoEvents).await;
    }
    let n = if repeat { runs.max(1) } else { 1 };
    let mut tally = Tally::default();
    for run in 0..n {
        if cfg.cancel.as_ref().is_some_and(Cancel::is_cancelled) {
            break;
        }
        tally.add(run, source.load(cfg, vp, events).await);
    }
    tally.into_runs(source.name(), warmup)
}

/// Many pages, `jobs` at a time, loaded with `cfg` (the plan's, or a served folder's);
/// `positions` are their places in a longer list (a shard).
async fn batch(
    (plan, cfg): (&AuditPlan, &AuditConfig),
    mut targets: Vec<String>,
    mut positions: Option<Vec<usize>>,
    events: &dyn EventSink,
) -> BatchReport {
    if let Some((k, n)) = plan.shard {
        let at = crate::job::batch::shard(targets.len(), k, n);
        targets = at.iter().map(|i| targets[*i].clone()).collect();
        positions = Some(at);
    }
    let pages = audit_all(
        &targets,
        cfg,
        &plan.viewport,
        (plan.engine.clone(), &plan.serve_also),
        (plan.jobs, positions.as_deref()),
        events,
    )
    .await;
    let verdicts = pages
        .iter()
        .map(|p| {
            let b = plan.budgets.as_ref()?;
            Some(budget::evaluate(&b.list, &[&p.load()?]))
        })
        .collect();
    BatchReport {
        pages,
        verdicts,
        merged: false,
        interrupted: plan.cfg.cancel.as_ref().is_some_and(Cancel::is_cancelled),
    }
}

/// The site's pages found from the one target, then audited as a batch. A folder is served
/// for the crawl and the batch.
async fn crawl(
    plan: &AuditPlan,
    targets: &[String],
    events: &dyn EventSink,
) -> Result<BatchReport> {
    let c = plan.crawl.as_ref().expect("a crawl plan");
    let [start] = targets else {
        return Err(Error::setting(
            Setting::Crawl,
            c.depth.to_string(),
            "starts from one URL",
        ));
    };
    let target = Target::parse(start)?;
    if matches!(target, Target::Har { .. }) {
        let why = format!("{start} is a HAR, a recorded load; crawl a URL or a folder");
        return Err(Error::setting(Setting::Crawl, c.depth.to_string(), why));
    }
    let source = Source::open(&target, &plan.engine, &plan.serve_also).await?;
    let url = source.url().expect("a page that loads has a URL").clone();
    if let Target::File { root, .. } | Target::Dir(root) = &target {
        events.event(Event::Notice(format!(
            "serving {} at {url}",
            root.display()
        )));
    }
    // Through the folder's server, with the key it asks for.
    let cfg = source.config(&plan.cfg);
    let pages = crate::job::crawl::crawl(&url, &cfg, c.depth, c.max_pages, c.ignore_robots).await?;
    events.event(Event::Notice(format!(
        "crawled {} pages from {url}",
        pages.len()
    )));
    let report = batch((plan, &cfg), pages, None, events).await;
    drop(source); // the folder server stops here, after the batch
    Ok(report)
}
