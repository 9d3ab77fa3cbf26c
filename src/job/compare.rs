//! The compare job: two variants (or one page with and without blocked requests), loaded
//! interleaved, compared metric by metric, gates and budgets judged on B.

use crate::config::block::BlockRule;
use crate::config::AuditConfig;
use crate::error::{Error, Result, Setting};
use crate::events::{EventSink, NoEvents};
use crate::extract::Viewport;
use crate::model::{Load, Profile};
use crate::source::target::Target;
use crate::source::{Engine, Source};
use crate::verdict::budget::{self, Budgets};
use crate::verdict::compare::{compare, Comparison, MetricDiff, MetricKey};
use crate::verdict::gate::{self, Gate, GateCheck, GateState, Sequential, FIRST_LOOK};
use crate::verdict::runs::{Runs, Tally};
use std::path::PathBuf;

use super::Outcome;

/// A comparison, as asked for.
#[derive(Debug)]
pub struct ComparePlan {
    /// Variant A.
    pub a: String,
    /// Variant B; `None`: A with `block` applied.
    pub b: Option<String>,
    /// Requests B does not make.
    pub block: Vec<BlockRule>,
    /// B makes no third-party request.
    pub block_third_parties: bool,
    /// Loads per variant (with `max_runs`: the fewest before the first look).
    pub runs: usize,
    /// `--runs auto`: runs are added, a round at a time, until every gate is decided or
    /// one trips, up to this many per variant.
    pub max_runs: Option<usize>,
    /// With `max_runs`: a gate still undecided at the end fails the comparison.
    pub undecided_fails: bool,
    /// An uncounted warm-up load of each variant first.
    pub warmup: bool,
    /// Regression gates.
    pub gates: Vec<Gate>,
    /// Significance level (0.05 by default).
    pub alpha: f64,
    /// Also compare the loads estimated on this profile.
    pub estimate: Option<Profile>,
    /// Folders served as other hosts for both variants (HOST, DIR).
    pub serve_also: Vec<(String, PathBuf)>,
    /// Budgets judged on B's runs.
    pub budgets: Option<Budgets>,
    /// Engine.
    pub engine: Engine,
    /// Settings of A (B's are these plus the blocking).
    pub cfg: AuditConfig,
    /// Viewport.
    pub viewport: Viewport,
    /// A is not loaded: it is the stored runs of the page (`a`) in the history database.
    #[cfg(feature = "history")]
    pub baseline: Option<Baseline>,
}

/// Stored runs as variant A (`compare PAGE --baseline branch=main`).
#[cfg(feature = "history")]
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The database.
    pub db: crate::history::DbSpec,
    /// Labels the stored runs carry.
    pub labels: Vec<(String, String)>,
    /// The latest this many of them.
    pub last: usize,
}

/// Two variants compared.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct CompareReport {
    /// Every run of A.
    pub a: Runs,
    /// Every run of B.
    pub b: Runs,
    /// Budgets judged on B.
    pub budget_b: Option<budget::Verdict>,
    /// The comparison.
    pub comparison: Comparison,
    /// Which variant loaded first in each round: `AB`, then `BA`, and so on (ABBA), so that
    /// an effect of position (a warm cache, a server's clean-up of the previous load) falls
    /// on both variants alike.
    pub order: Vec<Order>,
    /// Each gate judged: its state, its one-sided p-value and the level it was held to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateCheck>,
    /// What the budgets are called.
    #[serde(skip)]
    pub budget_name: Option<String>,
    /// Block patterns were given along with a B of its own (they apply to B only).
    #[serde(skip)]
    pub block_applies_to_b: bool,
    /// How the gates were judged: the family-wise false-alarm rate and, with `--runs auto`,
    /// the looks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gating: Option<Gating>,
    /// With `--runs auto`: gates still undecided fail the comparison.
    #[serde(skip)]
    pub undecided_fails: bool,
    /// Cancelled (Ctrl-C, SIGTERM) before every round ran: the statistics are of the runs
    /// that finished (a load cut short by the stop is left out).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

/// How a comparison's gates were judged.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Gating {
    /// The family-wise false-alarm rate over every gate.
    pub alpha: f64,
    /// How it is shared out: `holm`.
    pub method: String,
    /// The gates judged (those whose sizes are the same in every run need no test, and no
    /// share of alpha).
    pub gates: usize,
    /// With `--runs auto`: how alpha was spent over the looks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spending: Option<String>,
    /// With `--runs auto`: the looks made (one after each round from the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looks: Option<usize>,
    /// With `--runs auto`: the most runs per variant allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_runs: Option<usize>,
}

impl CompareReport {
    /// Failed when a gate tripped (or, when asked, stayed undecided) or B is over budget.
    pub fn outcome(&self) -> Outcome {
        let undecided = |g: &GateCheck| self.undecided_fails && g.state == GateState::Undecided;
        let tripped = self.gates.iter().any(|g| g.tripped || undecided(g));
        if self.interrupted {
            Outcome::Interrupted
        } else if tripped || self.budget_b.as_ref().is_some_and(budget::Verdict::failed) {
            Outcome::Failed
        } else {
            Outcome::Ok
        }
    }
}

/// The order of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub enum Order {
    /// A, then B.
    AB,
    /// B, then A.
    BA,
}

impl Order {
    /// Round `r` (0-based) of a counterbalanced sequence: AB BA AB BA ...
    pub fn of_round(r: usize) -> Order {
        if r.is_multiple_of(2) {
            Order::AB
        } else {
            Order::BA
        }
    }

    /// The sides' indices (0: A, 1: B) in load order.
    fn sides(self) -> [usize; 2] {
        match self {
            Order::AB => [0, 1],
            Order::BA => [1, 0],
        }
    }
}

impl ComparePlan {
    /// A plan with the command line's defaults: 5 interleaved runs per variant after a
    /// warm-up, alpha 0.05, the static engine; `b` None compares A with itself minus the
    /// `block` rules (set them).
    pub fn new(a: String, b: Option<String>) -> ComparePlan {
        ComparePlan {
            a,
            b,
            block: Vec::new(),
            block_third_parties: false,
            runs: 5,
            max_runs: None,
            undecided_fails: false,
            warmup: true,
            gates: Vec::new(),
            alpha: crate::verdict::compare::ALPHA,
            estimate: None,
            serve_also: Vec::new(),
            budgets: None,
            engine: Engine::Static,
            cfg: AuditConfig::default(),
            viewport: Viewport::default(),
            #[cfg(feature = "history")]
            baseline: None,
        }
    }

    /// Refuses a gate on a timing that cannot trip: with `runs` per variant the smallest
    /// p-value a test can give is not below the significance level. A recording has one run.
    fn check_power(&self, a: &Target, b: &Target) -> Result<()> {
        let runs = |t: &Target| {
            if matches!(t, Target::Har { .. }) {
                1
            } else {
                self.runs.max(1)
            }
        };
        // A recording stays one run whatever --runs says; only the other side can grow.
        let recording = matches!(a, Target::Har { .. }) || matches!(b, Target::Har { .. });
        self.check_power_of(runs(a), runs(b), recording.then_some(1))
    }

    /// [`Self::check_power`] for `na` and `nb` runs; `fixed`: one side's count that more
    /// runs do not change.
    fn check_power_of(&self, na: usize, nb: usize, fixed: Option<usize>) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            let why = "must be more than 0 and less than 1";
            return Err(Error::setting(Setting::Alpha, self.alpha.to_string(), why));
        }
        // A gate's test is one-sided, and Holm's first step holds it to alpha / gates.
        let level = self.alpha / self.gates.len().max(1) as f64;
        let smallest = crate::verdict::stats::min_p(na, nb) / 2.0;
        let Some(g) = self.gates.iter().find(|g| g.metric.is_timing()) else {
            return Ok(());
        };
        if smallest < level || self.max_runs.is_some() {
            return Ok(());
        }
        let need = crate::verdict::stats::runs_needed(level * 2.0, fixed);
        let advice = need.map_or_else(
            || "no number of runs can reach it".to_string(),
            |n| format!("it takes at least {n} runs per variant"),
        );
        let shared = match self.gates.len() {
            1 => String::new(),
            n => format!(", shared by {n} gates"),
        };
        let why = format!(
            "with {na} and {nb} runs a regression in a timing can never be significant at alpha \
             {}{shared} (the smallest p-value is {smallest:.3}); {advice}",
            self.alpha
        );
        Err(Error::setting(Setting::Gate, &g.text, why))
    }

    /// Refuses `--runs auto` with nothing to decide or nothing to add runs to.
    fn check_auto(&self, a: &Target, b: &Target) -> Result<()> {
        if self.max_runs.is_none() {
            return Ok(());
        }
        let why = if self.gates.is_empty() {
            "adds runs until the --fail-if gates are decided: give at least one"
        } else if [a, b].iter().any(|t| matches!(t, Target::Har { .. })) {
            "a HAR is one recorded load: no runs can be added to it"
        } else {
            return Ok(());
        };
        Err(Error::setting(Setting::Runs, "auto", why))
    }

    /// The sequential looks of `--runs auto`, when asked for.
    fn sequential(&self) -> Option<Sequential> {
        let max = self.max_runs?;
        Some(Sequential::new(self.gates.len(), self.alpha, max))
    }

    /// How the gates are judged (none without gates).
    fn gating(&self, s: Option<&Sequential>) -> Option<Gating> {
        if self.gates.is_empty() {
            return None;
        }
        Some(Gating {
            alpha: self.alpha,
            method: "holm".into(),
            gates: self.gates.len(),
            spending: s.map(|s| s.spending.describe()),
            looks: s.map(Sequential::looks),
            max_runs: s.map(|s| s.max_runs),
        })
    }

    /// B's settings: A's with the blocking.
    fn cfg_b(&self) -> AuditConfig {
        let mut cfg = self.cfg.clone();
        cfg.block.extend(self.block.iter().cloned());
        cfg.block_third_parties = self.block_third_parties;
        cfg
    }

    fn targets(&self) -> Result<(Target, Target)> {
        let a = Target::parse(&self.a)?;
        let b = match &self.b {
            Some(b) => Target::parse(b)?,
            None if self.block.is_empty() && !self.block_third_parties => {
                return Err(Error::InvalidSetting {
                    setting: Setting::VariantB,
                    value: String::new(),
                    reason: "compare needs a variant B, or block patterns to make one from A"
                        .into(),
                })
            }
            None => a.clone(),
        };
        let blocking = !self.block.is_empty() || self.block_third_parties;
        if blocking && [&a, &b].iter().any(|t| matches!(t, Target::Har { .. })) {
            let why = "a HAR is a recorded load, which cannot be loaded again without some of \
                       its requests: blocking needs a page to load (a URL, a file or a folder)";
            return Err(match self.block.first() {
                Some(rule) => Error::setting(Setting::Block, rule.describe(), why),
                None => Error::setting(Setting::BlockThirdParties, "", why),
            });
        }
        Ok((a, b))
    }
}

/// Runs a comparison.
pub async fn run(plan: ComparePlan, events: &dyn EventSink) -> Result<CompareReport> {
    #[cfg(feature = "history")]
    if let Some(baseline) = &plan.baseline {
        return against_baseline(&plan, baseline, events).await;
    }
    let (ta, tb) = plan.targets()?;
    plan.check_power(&ta, &tb)?;
    plan.check_auto(&ta, &tb)?;
    let mut cfg_a = plan.cfg.clone();
    let mut cfg_b = plan.cfg_b();
    // A browser pausing B's requests to judge them must pause A's too, or B's timings
    // carry a cost A's do not.
    let blocking = !cfg_b.block.is_empty() || cfg_b.block_third_parties;
    cfg_a.intercept_all = blocking;
    cfg_b.intercept_all = blocking;
    let sa = Source::open(&ta, &plan.engine, &plan.serve_also).await?;
    let sb = Source::open(&tb, &plan.engine, &plan.serve_also).await?;
    let sides = [(&sa, &cfg_a), (&sb, &cfg_b)];
    let mut looks = plan.sequential();
    let mut stop = |t: &[Tally; 2]| looks.as_mut().is_some_and(|s| look(s, &plan, t));
    let (ra, rb, rounds) = interleaved(sides, &plan, events, &mut stop).await?;
    let mut cmp = compare(&ra, &rb, plan.alpha);
    if let Some(profile) = &plan.estimate {
        cmp.metrics
            .extend(estimated_metrics(&ra, &rb, profile, plan.alpha));
    }
    let order = (0..rounds).map(Order::of_round).collect();
    let mut r = report(&plan, ra, rb, cmp, order);
    if let Some(s) = &looks {
        r.gates = s.checks(&plan.gates, &r.comparison);
        r.gating = plan.gating(Some(s));
    }
    let done = looks.as_ref().is_some_and(Sequential::done);
    r.interrupted = (rounds < plan.runs.max(1) && !done) || cancelled(&plan.cfg);
    Ok(r)
}

/// One look of `--runs auto` at the runs so far (from [`FIRST_LOOK`] each): whether the
/// gates are decided.
fn look(s: &mut Sequential, plan: &ComparePlan, t: &[Tally; 2]) -> bool {
    let [a, b] = t;
    if a.loads().len().min(b.loads().len()) < FIRST_LOOK.max(plan.runs) {
        return false;
    }
    let runs = |t: &Tally| Runs::new(String::new(), false, t.loads().to_vec(), Vec::new());
    let (Some(ra), Some(rb)) = (runs(a), runs(b)) else {
        return false;
    };
    s.look(&plan.gates, &compare(&ra, &rb, plan.alpha))
}

/// Whether the job was cancelled (Ctrl-C, SIGTERM).
fn cancelled(cfg: &AuditConfig) -> bool {
    cfg.cancel
        .as_ref()
        .is_some_and(crate::config::Cancel::is_cancelled)
}

/// The report of a comparison made: gates and budgets judged on it.
fn report(
    plan: &ComparePlan,
    ra: Runs,
    rb: Runs,
    cmp: Comparison,
    order: Vec<Order>,
) -> CompareReport {
    let budget_b = plan.budgets.as_ref().map(|b| {
        let loads: Vec<&Load> = rb.runs.iter().collect();
        budget::evaluate(&b.list, &loads)
    });
    CompareReport {
        gates: gate::judge(&plan.gates, &cmp, plan.alpha),
        gating: plan.gating(None),
        undecided_fails: plan.undecided_fails,
        budget_name: plan.budgets.as_ref().map(|b| b.name.clone()),
        block_applies_to_b: plan.b.is_some()
            && (!plan.block.is_empty() || plan.block_third_parties),
        order,
        a: ra,
        b: rb,
        budget_b,
        comparison: cmp,
        interrupted: false,
    }
}

/// A fresh audit of the page (B) against its stored runs (A): the latest `last` runs with
/// the baseline's labels, loaded by the same engine.
#[cfg(feature = "history")]
async fn against_baseline(
    plan: &ComparePlan,
    baseline: &Baseline,
    events: &dyn EventSink,
) -> Result<CompareReport> {
    if plan.b.is_some() || !plan.block.is_empty() || plan.block_third_parties {
        let why = "compares one page with its stored runs: give one page, no B and no blocking";
        return Err(Error::setting(Setting::Baseline, "", why));
    }
    if plan.max_runs.is_some() {
        let why = "with --baseline, A is stored runs and B a fixed number: give --runs N";
        return Err(Error::setting(Setting::Runs, "auto", why));
    }
    let target = Target::parse(&plan.a)?;
    let source = Source::open(&target, &plan.engine, &plan.serve_also).await?;
    let (cfg, vp) = (&plan.cfg, &plan.viewport);
    let mut rb = super::audit::repeated(&source, cfg, vp, plan.runs, plan.warmup, events).await?;
    let page = rb.median().page_name();
    rb.target = page.clone();
    let engine = rb.median().settings.browser.clone();
    let loads = stored_runs(baseline, &page, engine).await?;
    let named: Vec<String> = (baseline.labels.iter())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    plan.check_power_of(loads.len(), rb.runs.len(), Some(loads.len()))
        .map_err(more_stored_runs)?;
    let ra = Runs::new(
        format!("{page} ({})", named.join(" ")),
        false,
        loads,
        Vec::new(),
    )
    .expect("a baseline has runs");
    let cmp = compare(&ra, &rb, plan.alpha);
    Ok(report(plan, ra, rb, cmp, Vec::new()))
}

/// A gate the baseline cannot power, with the way out: more stored runs.
#[cfg(feature = "history")]
fn more_stored_runs(e: Error) -> Error {
    match e {
        Error::InvalidSetting {
            setting,
            value,
            reason,
        } => Error::InvalidSetting {
            setting,
            value,
            reason: format!(
                "{reason}; or compare with more stored runs: --baseline-runs N, or \
                 `pagecost calibrate PAGE --runs 20 --save` and --baseline pagecost=calibration \
                 --baseline-runs 20"
            ),
        },
        e => e,
    }
}

/// The baseline's last stored runs of `page` by the same engine, not cut short; an error
/// when there are none.
#[cfg(feature = "history")]
async fn stored_runs(baseline: &Baseline, page: &str, engine: Option<String>) -> Result<Vec<Load>> {
    let (db, labels, last) = (baseline.db.clone(), baseline.labels.clone(), baseline.last);
    let filter = crate::history::Filter {
        page: Some(page.to_string()),
        labels: labels.clone(),
        since_unix_ms: None,
        last: None,
    };
    // The database client blocks (PostgreSQL's runs its own runtime): off the async workers.
    let stored = tokio::task::spawn_blocking(move || {
        crate::history::History::open_read(&db)?.loads(&filter)
    })
    .await
    .map_err(|e| Error::Client(format!("history: {e}")))??;
    let mut loads: Vec<Load> = stored
        .into_iter()
        .filter(|l| l.settings.browser == engine)
        .collect();
    // A stored run cut short (a time limit, a crash) measured part of a page: left out.
    let cut = loads.iter().filter(|l| l.cut_short().is_some()).count();
    loads.retain(|l| l.cut_short().is_none());
    loads.drain(..loads.len().saturating_sub(last));
    if loads.is_empty() {
        let named: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let engine = engine.as_deref().unwrap_or("static");
        let cut = match cut {
            0 => String::new(),
            n => format!(" ({n} were cut short and are left out)"),
        };
        let why = format!(
            "no stored runs of {page} labelled {} by the {engine} engine{cut}",
            named.join(" ")
        );
        return Err(Error::setting(Setting::Baseline, named.join(" "), why));
    }
    Ok(loads)
}

/// The timing metrics of both variants' loads estimated on a profile.
fn estimated_metrics(a: &Runs, b: &Runs, profile: &Profile, alpha: f64) -> Vec<MetricDiff> {
    let est = |r: &Runs| {
        let loads = r
            .runs
            .iter()
            .map(|l| crate::verdict::estimate::estimate(l, profile))
            .collect();
        Runs::new(r.target.clone(), r.warmup, loads, Vec::new()).expect("as many as measured")
    };
    compare(&est(a), &est(b), alpha)
        .metrics
        .into_iter()
        .filter(|m| m.key.metric.is_timing())
        .map(|mut m| {
            m.key = MetricKey {
                metric: m.key.metric,
                estimated_on: Some(profile.name.clone()),
            };
            m
        })
        .collect()
}

/// Loads two sources interleaved and counterbalanced, A B, B A, A B ... ([`Order`]), after
/// one uncounted warm-up load of each (unless `warmup` is off). A recording is its one load.
/// Runs that fail or are cut short are left out of the statistics, with why; an error when
/// no run of a side is left.
/// Cancelled, no load starts and the one cut short is left out: the runs, and the rounds
/// begun.
/// `stop` is asked after each round whether more are needed (`--runs auto`: up to
/// `max_runs` rounds).
async fn interleaved(
    sides: [(&Source, &AuditConfig); 2],
    plan: &ComparePlan,
    events: &dyn EventSink,
    stop: &mut dyn FnMut(&[Tally; 2]) -> bool,
) -> Result<(Runs, Runs, usize)> {
    let vp = &plan.viewport;
    let warm = |s: &Source| plan.warmup && s.repeatable();
    for (s, cfg) in sides {
        if warm(s) {
            let _ = s.load(cfg, vp, &NoEvents).await;
        }
    }
    let mut tallies: [Tally; 2] = Default::default();
    let mut rounds = 0;
    let rounds_at_most = plan.max_runs.unwrap_or(plan.runs).max(1);
    'rounds: for run in 0..rounds_at_most {
        if cancelled(&plan.cfg) || (run > 0 && stop(&tallies)) {
            break;
        }
        rounds += 1;
        for i in Order::of_round(run).sides() {
            let (s, cfg) = sides[i];
            if run > 0 && !s.repeatable() {
                continue;
            }
            let load = s.load(cfg, vp, events).await;
            if cancelled(&plan.cfg) {
                break 'rounds;
            }
            tallies[i].add(run, load);
        }
    }
    if !cancelled(&plan.cfg) {
        // The look after the last round.
        let _ = stop(&tallies);
    }
    let [ta, tb] = tallies;
    let side = |s: &Source, t: Tally| {
        t.into_runs(s.name(), warm(s))
            .map_err(|e| match cancelled(&plan.cfg) {
                false => e,
                true => Error::Interrupted(Box::new(Error::Client(format!(
                    "no run of {} had finished",
                    s.name()
                )))),
            })
    };
    let (ra, rb) = (side(sides[0].0, ta)?, side(sides[1].0, tb)?);
    Ok((ra, rb, rounds))
}
