//! The calibrate job: one page loaded N times the same way (an A/A series), each metric's
//! run-to-run spread, and what a gate can detect through it
//! ([`crate::verdict::calibration`]). Saved (`--save`), the runs carry the label
//! `pagecost=calibration`, so a later gate can compare with them:
//! `compare PAGE --baseline pagecost=calibration`.

use crate::config::AuditConfig;
use crate::error::{Error, Result, Setting};
use crate::events::EventSink;
use crate::extract::Viewport;
use crate::source::target::Target;
use crate::source::{Engine, Source};
use crate::verdict::calibration::{calibrate, Calibration, Question};
use crate::verdict::runs::Runs;
use std::path::PathBuf;

/// The label calibration runs are saved with.
pub const LABEL: (&str, &str) = ("pagecost", "calibration");

/// The fewest runs a calibration takes.
pub const MIN_RUNS: usize = 5;

/// A calibration, as asked for.
#[derive(Debug)]
pub struct CalibratePlan {
    /// The page.
    pub target: String,
    /// Loads (20 by default).
    pub runs: usize,
    /// An uncounted warm-up load first.
    pub warmup: bool,
    /// What to work out.
    pub question: Question,
    /// Engine.
    pub engine: Engine,
    /// Folders served as other hosts while the page loads.
    pub serve_also: Vec<(String, PathBuf)>,
    /// Settings.
    pub cfg: AuditConfig,
    /// Viewport.
    pub viewport: Viewport,
}

/// A page calibrated.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct CalibrateReport {
    /// The spread and what gates can do.
    pub calibration: Calibration,
    /// Every run (failed ones with why).
    pub runs: Runs,
    /// Cancelled (Ctrl-C, SIGTERM) before every run: calibrated on those that finished.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

impl CalibratePlan {
    /// Refuses what cannot calibrate: too few runs, a level or power out of range, a change
    /// that is not an increase, a recording (one load has no spread).
    fn check(&self, target: &Target) -> Result<()> {
        let q = &self.question;
        let bad = |setting, value: String, why: &str| Err(Error::setting(setting, value, why));
        if self.runs < MIN_RUNS {
            let why = format!("a spread takes at least {MIN_RUNS} runs; 20 or more are better");
            return bad(Setting::Runs, self.runs.to_string(), &why);
        }
        if !(q.alpha > 0.0 && q.alpha < 1.0) {
            return bad(
                Setting::Alpha,
                q.alpha.to_string(),
                "must be more than 0 and less than 1",
            );
        }
        if !(q.power > 0.0 && q.power < 1.0) {
            return bad(
                Setting::Power,
                q.power.to_string(),
                "must be more than 0 and less than 1",
            );
        }
        if !(q.detect > 0.0 && q.detect.is_finite()) {
            let value = format!("{}%", q.detect * 100.0);
            return bad(Setting::Detect, value, "must be an increase above 0 %");
        }
        if matches!(target, Target::Har { .. }) {
            let why = "a HAR is one recorded load: a spread takes a page that can be loaded again";
            return bad(Setting::Runs, self.runs.to_string(), why);
        }
        Ok(())
    }
}

/// Runs a calibration.
pub async fn run(plan: CalibratePlan, events: &dyn EventSink) -> Result<CalibrateReport> {
    let target = Target::parse(&plan.target)?;
    plan.check(&target)?;
    let source = Source::open(&target, &plan.engine, &plan.serve_also).await?;
    let (cfg, vp) = (&plan.cfg, &plan.viewport);
    let mut runs = super::audit::repeated(&source, cfg, vp, plan.runs, plan.warmup, events).await?;
    let page = runs.median().page_name();
    runs.target = page.clone();
    if runs.runs.len() < 2 {
        let why: Vec<String> = runs.failed_runs.iter().map(ToString::to_string).collect();
        return Err(Error::NoCompleteRun {
            target: page,
            why: format!(
                "only {} of {} runs loaded, too few for a spread ({})",
                runs.runs.len(),
                plan.runs,
                why.join("; ")
            ),
        });
    }
    let failed = runs.failed_runs.len();
    let calibration = calibrate(page, &runs.runs, failed, plan.question);
    let interrupted = cfg
        .cancel
        .as_ref()
        .is_some_and(crate::config::Cancel::is_cancelled);
    Ok(CalibrateReport {
        calibration,
        runs,
        interrupted,
    })
}
