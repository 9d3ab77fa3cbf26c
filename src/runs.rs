//! Repeated runs of one target: every load kept, each metric summarised, the median run
//! chosen (by fully-loaded time, the lower middle for an even count, as WebPageTest does).

use crate::metric::{Metric, Unit};
use crate::model::Load;
use crate::stats::{median_index, Summary};
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

/// A run that could not load the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FailedRun {
    /// 0-based run number.
    pub run: usize,
    /// Why it failed.
    pub error: String,
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
    /// Runs that failed.
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

    use crate::testing::load_of as load;

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
