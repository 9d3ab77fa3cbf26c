//! A page's run-to-run spread (`pagecost calibrate`): per metric the coefficient of
//! variation and the median absolute deviation of repeated loads of one page (an A/A
//! series), and what a gate can do with such a spread: the smallest change it detects with a
//! number of runs, and the runs it needs to detect a given change, at a significance level
//! and power. Both come from the page's own runs by resampling (a seeded generator, so the
//! same runs give the same answer): B is drawn from the runs and scaled by the change, A
//! drawn alike, and the gate's one-sided Mann-Whitney test run on each draw. Skew and
//! outliers count as the page has them; no normal model is assumed.

use crate::model::Load;
use crate::verdict::metric::{Metric, Unit};
use crate::verdict::runs::values;
use crate::verdict::stats::{median, min_p, normal_quantile, u_scores, SplitMix, Summary};
use serde::{Deserialize, Serialize};

/// Draws per power estimate.
pub const DRAWS: usize = 400;
/// The most runs per variant a calibration looks for.
pub const MAX_RUNS: usize = 200;
/// The largest change looked for: +500 %.
pub const MAX_CHANGE: f64 = 5.0;

/// What a calibration is asked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Question {
    /// Significance level of the gate.
    pub alpha: f64,
    /// The chance of catching a change of the size asked (0.8 by default).
    pub power: f64,
    /// The runs per variant the smallest detectable change is given for.
    pub gate_runs: usize,
    /// A change (a fraction, 0.05 for 5 %) whose runs needed are asked.
    pub detect: f64,
}

impl Default for Question {
    fn default() -> Question {
        Question {
            alpha: 0.05,
            power: 0.8,
            gate_runs: 5,
            detect: 0.05,
        }
    }
}

/// One metric's spread over the runs, and what a gate can see through it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Spread {
    /// The metric.
    pub metric: Metric,
    /// Its unit.
    pub unit: Unit,
    /// Runs that measured it.
    pub n: usize,
    /// Median.
    pub median: f64,
    /// Coefficient of variation: standard deviation over mean (`None` for a mean of 0).
    pub cv: Option<f64>,
    /// Median absolute deviation from the median.
    pub mad: f64,
    /// The MAD as a fraction of the median (`None` for a median of 0).
    pub mad_ratio: Option<f64>,
    /// The same value in every run: any change shows in one run, no test needed.
    pub constant: bool,
    /// The smallest increase (a fraction of the value) a one-sided gate catches with the
    /// asked power at `gate_runs` runs per variant; `None` when none up to +500 % is.
    pub smallest_change: Option<f64>,
    /// The runs per variant that catch an increase of `detect` with the asked power; `None`
    /// past 200.
    pub runs_needed: Option<usize>,
}

/// A page's calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Calibration {
    /// The page.
    pub page: String,
    /// The engine that loaded it (`None`: static).
    pub engine: Option<String>,
    /// Runs loaded and kept.
    pub runs: usize,
    /// Runs that failed or were cut short, left out.
    pub failed: usize,
    /// The significance level asked.
    pub alpha: f64,
    /// The power asked.
    pub power: f64,
    /// The runs per variant `smallest_change` is for.
    pub gate_runs: usize,
    /// The change `runs_needed` is for (a fraction).
    pub detect: f64,
    /// Per metric.
    pub metrics: Vec<Spread>,
}

/// The calibration of a page from its runs (at least two).
pub fn calibrate(page: String, loads: &[Load], failed: usize, q: Question) -> Calibration {
    let engine = loads.first().and_then(|l| l.settings.browser.clone());
    let metrics = (Metric::ALL.into_iter())
        .filter_map(|m| spread(m, &values(m, loads), q))
        .collect();
    Calibration {
        page,
        engine,
        runs: loads.len(),
        failed,
        alpha: q.alpha,
        power: q.power,
        gate_runs: q.gate_runs,
        detect: q.detect,
        metrics,
    }
}

/// One metric's spread; `None` when fewer than two runs measured it.
pub fn spread(metric: Metric, xs: &[f64], q: Question) -> Option<Spread> {
    if xs.len() < 2 {
        return None;
    }
    let s = Summary::of(xs)?;
    let deviations: Vec<f64> = xs.iter().map(|x| (x - s.median).abs()).collect();
    let mad = median(&deviations)?;
    let constant = s.min == s.max;
    let power = |n: usize, change: f64| power(xs, n, change, q.alpha);
    let (smallest_change, runs_needed) = match constant {
        // No spread: the first run shows any change (sizes and counts need no test).
        true => (Some(0.0), Some(1)),
        false => (
            smallest_change(q.gate_runs, q, &power),
            runs_needed(q.detect, q, &power),
        ),
    };
    Some(Spread {
        metric,
        unit: metric.unit(),
        n: xs.len(),
        median: s.median,
        cv: (s.mean != 0.0).then(|| s.stddev / s.mean.abs()),
        mad,
        mad_ratio: (s.median != 0.0).then(|| mad / s.median.abs()),
        constant,
        smallest_change,
        runs_needed,
    })
}

/// The smallest increase caught with the asked power at `n` runs (bisection to 0.1 %).
fn smallest_change(n: usize, q: Question, power: &dyn Fn(usize, f64) -> f64) -> Option<f64> {
    if min_p(n, n) / 2.0 >= q.alpha || power(n, MAX_CHANGE) < q.power {
        return None;
    }
    let (mut lo, mut hi) = (0.0, MAX_CHANGE);
    while hi - lo > 0.001 {
        let mid = (lo + hi) / 2.0;
        if power(n, mid) >= q.power {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// The fewest runs per variant that catch `change` with the asked power (doubling, then
/// bisection; the power grows with the runs).
fn runs_needed(change: f64, q: Question, power: &dyn Fn(usize, f64) -> f64) -> Option<usize> {
    let enough = |n: usize| power(n, change) >= q.power;
    let mut hi = 2;
    while !enough(hi) {
        if hi >= MAX_RUNS {
            return None;
        }
        hi = (hi * 2).min(MAX_RUNS);
    }
    let mut lo = hi / 2;
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if enough(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// The chance that a one-sided gate at `alpha` catches B `change` above A with `n` runs
/// each, both drawn from `xs` ([`DRAWS`] draws, seeded).
pub fn power(xs: &[f64], n: usize, change: f64, alpha: f64) -> f64 {
    let Some(z) = critical_z(n, alpha) else {
        return 0.0;
    };
    let mut rng = SplitMix(0xCA11_B8A7E);
    let mut caught = 0;
    let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..DRAWS {
        for x in a.iter_mut() {
            *x = xs[rng.below(xs.len())];
        }
        for x in b.iter_mut() {
            *x = xs[rng.below(xs.len())] * (1.0 + change);
        }
        caught += usize::from(u_scores(&b, &a).is_some_and(|s| s.0 >= z));
    }
    caught as f64 / DRAWS as f64
}

/// The score a one-sided test at `alpha` must reach with `n` runs each; `None` when no
/// arrangement of so few runs can reach it.
fn critical_z(n: usize, alpha: f64) -> Option<f64> {
    (min_p(n, n) / 2.0 < alpha).then(|| normal_quantile(1.0 - alpha))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values spread as a page's timings: a seeded log-normal-ish sample around 100 ms.
    fn spread_of(cv: f64) -> Vec<f64> {
        let mut rng = SplitMix(42);
        (0..60)
            .map(|_| {
                let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                100.0 * (cv * normal_quantile(u.clamp(1e-9, 1.0 - 1e-9))).exp()
            })
            .collect()
    }

    /// A tighter page needs fewer runs for the same change and detects a smaller change
    /// with the same runs; both answers match a power computed directly.
    #[test]
    fn a_tighter_page_needs_fewer_runs_and_detects_less() {
        let q = Question::default();
        let (tight, loose) = (spread_of(0.05), spread_of(0.20));
        let t = spread(Metric::FullyLoaded, &tight, q).unwrap();
        let l = spread(Metric::FullyLoaded, &loose, q).unwrap();
        assert!(t.cv.unwrap() < 0.07 && l.cv.unwrap() > 0.15, "{t:?} {l:?}");
        let (rt, rl) = (t.runs_needed.unwrap(), l.runs_needed.unwrap());
        assert!(rt < rl, "{rt} vs {rl}");
        assert!(t.smallest_change.unwrap() < l.smallest_change.unwrap());
        // The runs needed are the first with the power asked.
        assert!(power(&tight, rt, 0.05, 0.05) >= 0.8);
        assert!(power(&tight, rt - 1, 0.05, 0.05) < 0.8);
        let c = t.smallest_change.unwrap();
        assert!(power(&tight, 5, c, 0.05) >= 0.8 && power(&tight, 5, c - 0.002, 0.05) < 0.8);
    }

    /// A constant metric: no division by zero, any change shows in one run. Too few runs
    /// for a test to ever reach alpha: no smallest change. One value: no spread at all.
    #[test]
    fn constant_metrics_and_too_few_runs_get_answers_not_divisions_by_zero() {
        let q = Question::default();
        let flat = spread(Metric::TransferBytes, &[5000.0; 10], q).unwrap();
        assert!(flat.constant);
        assert_eq!(
            (flat.smallest_change, flat.runs_needed),
            (Some(0.0), Some(1))
        );
        assert_eq!(
            (flat.cv, flat.mad, flat.mad_ratio),
            (Some(0.0), 0.0, Some(0.0))
        );
        let zero = spread(Metric::TotalBlockingTime, &[0.0; 10], q).unwrap();
        assert_eq!((zero.cv, zero.mad_ratio), (None, None));
        let three = Question { gate_runs: 3, ..q };
        let s = spread(Metric::FullyLoaded, &spread_of(0.1), three).unwrap();
        assert_eq!(
            s.smallest_change, None,
            "3 and 3 runs: the smallest p is 0.05"
        );
        assert!(spread(Metric::FullyLoaded, &[1.0], q).is_none());
    }
}
