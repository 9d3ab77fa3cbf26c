//! Repeated runs of one target: every load kept, each metric summarised, the median run
//! chosen (by fully-loaded time, the lower middle for an even count, as WebPageTest does).

use crate::error::{Error, Result};
use crate::model::Load;
use crate::verdict::metric::{Metric, Unit};
use crate::verdict::stats::{median_index, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One metric over the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Series {
    /// Which metric.
    pub name: Metric,
    /// Its unit (written out so the JSON explains itself).
    pub unit: Unit,
    /// One value per successful run, in run order.
    pub values: Vec<f64>,
    /// Their summary.
    pub summary: Summary,
}

/// A run left out of the statistics: it could not load the page, or its load was cut short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FailedRun {
    /// 0-based run number.
    pub run: usize,
    /// Why it failed, or why its load was cut short.
    pub error: String,
    /// Whether the run loaded part of the page and was cut short (a time limit, a crash, a
    /// body over its limit) rather than failing outright.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut_short: bool,
}

impl std::fmt::Display for FailedRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.cut_short {
            "cut short"
        } else {
            "failed"
        };
        write!(f, "run {} {what}: {}", self.run + 1, self.error)
    }
}

/// The runs of one target as they finish: complete loads, and loads that ran to their end
/// but were still busy, are kept for the statistics; failed runs and runs cut short are set
/// aside with why, so no figure comes from a page that was not loaded.
#[derive(Debug, Default)]
pub struct Tally {
    loads: Vec<Load>,
    left_out: Vec<FailedRun>,
    last_error: Option<Error>,
}

impl Tally {
    /// Adds run `run` (0-based).
    pub fn add(&mut self, run: usize, load: Result<Load>) {
        let (error, cut_short) = match load {
            Ok(l) => match l.cut_short() {
                None => return self.loads.push(l),
                Some(why) => (why, true),
            },
            Err(e) => {
                let why = crate::model::urls::redact_owned(e.to_string());
                self.last_error = Some(e);
                (why, false)
            }
        };
        self.left_out.push(FailedRun {
            run,
            error,
            cut_short,
        });
    }

    /// The loads kept so far.
    pub fn loads(&self) -> &[Load] {
        &self.loads
    }

    /// The runs summarised; when none was kept, the last run's error, or, when runs were cut
    /// short, an error saying so.
    pub fn into_runs(self, target: String, warmup: bool) -> Result<Runs> {
        let cut: Vec<&FailedRun> = self.left_out.iter().filter(|f| f.cut_short).collect();
        if self.loads.is_empty() && !cut.is_empty() {
            let why: Vec<String> = cut.iter().map(ToString::to_string).collect();
            return Err(Error::NoCompleteRun {
                target,
                why: why.join("; "),
            });
        }
        let last_error = self.last_error;
        Runs::new(target, warmup, self.loads, self.left_out)
            .ok_or_else(|| last_error.unwrap_or_else(|| Error::Client("no run was made".into())))
    }
}

/// Per-request waiting time (TTFB) over the runs, for URLs requested in every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RequestWait {
    /// The URL.
    pub url: String,
    /// Its `wait_ms` over the runs.
    pub summary: Summary,
}

/// N loads of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Runs {
    /// The target.
    pub target: String,
    /// Whether an uncounted warm-up run came first.
    pub warmup: bool,
    /// Successful runs, in order.
    pub runs: Vec<Load>,
    /// Runs left out of the statistics: failed, or cut short.
    pub failed_runs: Vec<FailedRun>,
    /// Index into `runs` of the median run.
    pub median_run: usize,
    /// Page metrics over the runs.
    pub metrics: Vec<Series>,
    /// Per-request wait over the runs.
    pub request_wait: Vec<RequestWait>,
}

/// A metric's values over loads, leaving out loads that could not measure it.
pub fn values(metric: Metric, loads: &[Load]) -> Vec<f64> {
    loads.iter().filter_map(|l| metric.of(l)).collect()
}

impl Runs {
    /// Summarises loads; `None` when none succeeded.
    pub fn new(
        target: String,
        warmup: bool,
        runs: Vec<Load>,
        failed_runs: Vec<FailedRun>,
    ) -> Option<Runs> {
        if runs.is_empty() {
            return None;
        }
        let metrics = Metric::ALL
            .into_iter()
            .filter_map(|m| {
                let values = values(m, &runs);
                Summary::of(&values).map(|summary| Series {
                    name: m,
                    unit: m.unit(),
                    values,
                    summary,
                })
            })
            .collect();
        let fully: Vec<f64> = runs.iter().map(|l| l.fully_loaded_ms).collect();
        let median_run = median_index(&fully).unwrap_or(0);
        let mut waits: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for l in &runs {
            for e in &l.entries {
                if let Some(w) = e.timings_ms.wait_ms {
                    waits.entry(e.url.as_str()).or_default().push(w);
                }
            }
        }
        let request_wait = waits
            .into_iter()
            .filter(|(_, v)| v.len() == runs.len())
            .filter_map(|(u, v)| {
                Summary::of(&v).map(|summary| RequestWait {
                    url: u.to_string(),
                    summary,
                })
            })
            .collect();
        Some(Runs {
            target,
            warmup,
            runs,
            failed_runs,
            median_run,
            metrics,
            request_wait,
        })
    }

    /// The median run's load.
    pub fn median(&self) -> &Load {
        &self.runs[self.median_run]
    }

    /// A metric over the runs.
    pub fn metric(&self, m: Metric) -> Option<&Series> {
        self.metrics.iter().find(|s| s.name == m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::har::testing::load_of as load;
    use crate::model::PartialCause;

    fn partial(ms: f64, cause: PartialCause) -> Load {
        let mut l = load(2, ms);
        (l.partial, l.partial_causes) = (true, vec![cause]);
        l
    }

    #[test]
    fn runs_cut_short_are_left_out_and_busy_ones_kept() {
        let mut t = Tally::default();
        t.add(0, Ok(load(2, 100.0)));
        t.add(1, Ok(partial(5.0, PartialCause::TimeLimit)));
        t.add(2, Ok(partial(300.0, PartialCause::BusyAfterLoad)));
        let mut unsaid = load(2, 1.0);
        unsaid.partial = true;
        t.add(3, Ok(unsaid));
        let r = t.into_runs("t".into(), false).unwrap();
        assert_eq!(r.runs.len(), 2, "the complete run and the busy one");
        let left: Vec<String> = r.failed_runs.iter().map(ToString::to_string).collect();
        assert_eq!(
            left,
            [
                "run 2 cut short: the page was still loading at the time limit",
                "run 4 cut short: partial (the source did not say why)"
            ]
        );
        let fully = r.metric(Metric::FullyLoaded).unwrap();
        assert_eq!(fully.values, [100.0, 300.0], "no figure from a cut run");
    }

    #[test]
    fn no_complete_run_is_an_error_that_says_why() {
        let mut t = Tally::default();
        t.add(0, Ok(partial(5.0, PartialCause::Crashed)));
        let e = t.into_runs("page".into(), false).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "page: no run loaded the page to its end (run 1 cut short: the browser crashed"
            ),
            "{e}"
        );
        let mut t = Tally::default();
        let err = Error::Client("refused".into());
        t.add(0, Err(err));
        let e = t.into_runs("page".into(), false).unwrap_err().to_string();
        assert_eq!(e, "HTTP client: refused", "a failure is its own error");
    }

    #[test]
    fn the_median_run_and_each_metric_over_the_runs() {
        let runs = vec![load(3, 300.0), load(5, 100.0), load(4, 200.0)];
        let r = Runs::new("t".into(), true, runs, Vec::new()).unwrap();
        assert_eq!(r.median_run, 2, "the run of the median fully-loaded time");
        assert_eq!(r.median().totals.requests, 4);
        let fully = r.metric(Metric::FullyLoaded).unwrap();
        assert_eq!(fully.values, vec![300.0, 100.0, 200.0]);
        assert_eq!(fully.summary.median, 200.0);
        let requests = r.metric(Metric::Requests).unwrap();
        assert_eq!(requests.name, Metric::Requests);
        assert_eq!(requests.summary.median, 4.0);
        assert!(
            r.metric(Metric::FirstContentfulPaint).is_none(),
            "a HAR without page timings measured no paint"
        );
        assert!(Runs::new("t".into(), true, Vec::new(), Vec::new()).is_none());
    }
}
