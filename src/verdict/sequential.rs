//! Group-sequential boundaries: a comparison looked at again after every round of runs
//! without letting the repeated looks raise its false-alarm rate.
//!
//! The error rate `alpha` is spent over the looks by a spending function of the information
//! fraction `t` (the runs so far over the most allowed): Lan and DeMets (1983, Biometrika 70,
//! 659-663), with the spending families of O'Brien and Fleming, Pocock and Hwang, Shih and
//! DeCani (1990, Statistics in Medicine 9, 1439-1445). Each look's boundary on the
//! standardised statistic is the value whose first-crossing probability under no difference
//! is what that look may spend, found by the recursive numerical integration of Armitage,
//! McPherson and Rowe (1969), as Jennison and Turnbull (2000, *Group Sequential Methods*,
//! chapter 19) give it. Only the information fractions of the looks made so far are needed,
//! so looks may come when they come.

use crate::verdict::stats::{normal_quantile, normal_sf};

/// How the false-alarm rate is spent over the information fraction `t` in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spending {
    /// Lan-DeMets O'Brien-Fleming type: `2 - 2 Phi(z(1 - alpha/2) / sqrt(t))`; next to
    /// nothing early, nearly all of alpha at the end.
    OBrienFleming,
    /// Lan-DeMets Pocock type: `alpha ln(1 + (e - 1) t)`; much of it early.
    Pocock,
    /// Hwang-Shih-DeCani with `gamma`: `alpha (1 - e^(-gamma t)) / (1 - e^(-gamma))`
    /// (`alpha t` at 0); -4 is close to O'Brien-Fleming, 1 to Pocock.
    HwangShihDeCani(f64),
}

impl Spending {
    /// The error rate spent by information fraction `t`.
    pub fn spent(self, alpha: f64, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let t = t.min(1.0);
        match self {
            Spending::OBrienFleming => {
                let z = normal_quantile(1.0 - alpha / 2.0);
                2.0 * normal_sf(z / t.sqrt())
            }
            Spending::Pocock => alpha * (1.0 + (std::f64::consts::E - 1.0) * t).ln(),
            Spending::HwangShihDeCani(0.0) => alpha * t,
            Spending::HwangShihDeCani(g) => alpha * (1.0 - (-g * t).exp()) / (1.0 - (-g).exp()),
        }
    }

    /// Its name and reference, for reports: `Hwang-Shih-DeCani (gamma -2) alpha spending`.
    pub fn describe(self) -> String {
        match self {
            Spending::OBrienFleming => "Lan-DeMets O'Brien-Fleming alpha spending".into(),
            Spending::Pocock => "Lan-DeMets Pocock alpha spending".into(),
            Spending::HwangShihDeCani(g) => {
                format!("Hwang-Shih-DeCani (gamma {g}) alpha spending")
            }
        }
    }
}

/// The upper boundaries (on the standardised statistic) of a one-sided test at level
/// `alpha` looked at at information fractions `t` (increasing, in (0, 1]): it stops at look
/// `k` when the statistic is at or above `b[k]`. Infinite where a look may spend nothing.
///
/// ```
/// use pagecost::verdict::sequential::{boundaries, Spending};
/// // One look is the fixed-sample test: z(0.975) = 1.96.
/// let b = boundaries(Spending::OBrienFleming, 0.025, &[1.0]);
/// assert!((b[0] - 1.959_964).abs() < 1e-4);
/// ```
pub fn boundaries(spending: Spending, alpha: f64, t: &[f64]) -> Vec<f64> {
    let mut walk = Walk::new();
    let mut out = Vec::with_capacity(t.len());
    let mut before = 0.0;
    for &tk in t {
        let now = spending.spent(alpha, tk).max(before);
        let b = walk.boundary_for(tk, now - before);
        walk.advance(tk, b);
        out.push(b);
        before = now;
    }
    out
}

/// [`boundaries`], remembered for the process: every comparison of a `--runs auto` design
/// looks at the same fractions, and a simulation makes thousands.
pub fn boundaries_memo(spending: Spending, alpha: f64, t: &[f64]) -> Vec<f64> {
    type Memo = Vec<((String, u64, Vec<u64>), Vec<f64>)>;
    static MEMO: std::sync::Mutex<Memo> = std::sync::Mutex::new(Vec::new());
    let key = (
        format!("{spending:?}"),
        alpha.to_bits(),
        t.iter().map(|x| x.to_bits()).collect::<Vec<u64>>(),
    );
    let memo = MEMO
        .lock()
        .map(|m| m.iter().find(|(k, _)| *k == key).map(|(_, b)| b.clone()));
    if let Ok(Some(b)) = memo {
        return b;
    }
    let b = boundaries(spending, alpha, t);
    if let Ok(mut m) = MEMO.lock() {
        m.push((key, b.clone()));
    }
    b
}

/// The probability, with no difference, of first crossing each boundary `b[k]` at look `k`
/// (information fractions `t`).
pub fn crossing(b: &[f64], t: &[f64]) -> Vec<f64> {
    let mut walk = Walk::new();
    (b.iter().zip(t))
        .map(|(&bk, &tk)| {
            let p = walk.crossing(tk, bk);
            walk.advance(tk, bk);
            p
        })
        .collect()
}

/// Simpson nodes per unit of the increment's standard deviation: the grid resolves the
/// normal kernel of the smallest step between looks (1e-6 on the tables' constants).
const NODES_PER_SD: f64 = 12.0;
/// Information fractions closer than this are the same look's.
const SAME_T: f64 = 1e-12;
/// Where the grid stops below: this many standard deviations under the mean.
const TAIL_SD: f64 = 8.0;

/// The score `S = Z sqrt(t)` (a Brownian motion in `t`) kept on the continuation region:
/// its sub-density on Simpson nodes after the looks so far (no look yet: a point mass at 0).
struct Walk {
    t: f64,
    nodes: Vec<f64>,
    weights: Vec<f64>,
    density: Vec<f64>,
}

impl Walk {
    fn new() -> Walk {
        Walk {
            t: 0.0,
            nodes: Vec::new(),
            weights: Vec::new(),
            density: Vec::new(),
        }
    }

    /// The probability of crossing `b` (z scale) at information `t`, not crossed before.
    fn crossing(&self, t: f64, b: f64) -> f64 {
        if b == f64::INFINITY {
            return 0.0;
        }
        let s = b * t.sqrt();
        if t - self.t <= SAME_T && !self.nodes.is_empty() {
            // No new information: the score is where it was.
            let above = self.nodes.iter().zip(&self.weights).zip(&self.density);
            return above
                .filter(|((u, _), _)| **u >= s)
                .map(|((_, w), f)| w * f)
                .sum();
        }
        let sd = (t - self.t).max(SAME_T).sqrt();
        if self.nodes.is_empty() {
            return normal_sf(s / sd);
        }
        (self.nodes.iter().zip(&self.weights).zip(&self.density))
            .map(|((u, w), f)| w * f * normal_sf((s - u) / sd))
            .sum()
    }

    /// The boundary whose crossing probability at `t` is `p` (bisection: the probability
    /// falls as the boundary rises); infinite for nothing to spend.
    fn boundary_for(&self, t: f64, p: f64) -> f64 {
        if p <= 0.0 {
            return f64::INFINITY;
        }
        let (mut lo, mut hi) = (-10.0, 40.0);
        for _ in 0..100 {
            let mid = (lo + hi) / 2.0;
            if self.crossing(t, mid) > p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    }

    /// Moves to the look at `t` with boundary `b`: the sub-density of the score below it.
    fn advance(&mut self, t: f64, b: f64) {
        if t - self.t <= SAME_T && !self.nodes.is_empty() {
            // No new information: only the boundary cuts.
            let s = b * t.sqrt();
            for (u, f) in self.nodes.iter().zip(self.density.iter_mut()) {
                if *u >= s {
                    *f = 0.0;
                }
            }
            return;
        }
        let sd = (t - self.t).max(SAME_T).sqrt();
        let spread = t.sqrt();
        let hi = (b * spread).min(TAIL_SD * spread);
        let lo = -TAIL_SD * spread;
        let (nodes, weights) = simpson(lo, hi, sd / NODES_PER_SD);
        let kernel = |s: f64, u: f64| normal_pdf((s - u) / sd) / sd;
        let density = if self.nodes.is_empty() {
            nodes.iter().map(|s| kernel(*s, 0.0)).collect()
        } else {
            (nodes.iter())
                .map(|s| {
                    (self.nodes.iter().zip(&self.weights).zip(&self.density))
                        .map(|((u, w), f)| w * f * kernel(*s, *u))
                        .sum()
                })
                .collect()
        };
        *self = Walk {
            t,
            nodes,
            weights,
            density,
        };
    }
}

/// Simpson's rule on [lo, hi] with steps of at most `step`: nodes and weights (none when the
/// interval is empty).
fn simpson(lo: f64, hi: f64, step: f64) -> (Vec<f64>, Vec<f64>) {
    if hi <= lo {
        return (Vec::new(), Vec::new());
    }
    let intervals = (((hi - lo) / step).ceil() as usize)
        .max(2)
        .next_multiple_of(2);
    let h = (hi - lo) / intervals as f64;
    let nodes = (0..=intervals).map(|i| lo + h * i as f64).collect();
    let weights = (0..=intervals)
        .map(|i| {
            let w = match i {
                0 => 1.0,
                _ if i == intervals => 1.0,
                _ if i % 2 == 1 => 4.0,
                _ => 2.0,
            };
            w * h / 3.0
        })
        .collect();
    (nodes, weights)
}

/// The standard normal density.
fn normal_pdf(z: f64) -> f64 {
    (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn equal(k: usize) -> Vec<f64> {
        (1..=k).map(|i| i as f64 / k as f64).collect()
    }

    /// The constant `c` for which the boundaries `c * shape(k)` cross with probability
    /// `alpha` in all (bisection).
    fn constant(k: usize, alpha: f64, shape: impl Fn(usize) -> f64) -> f64 {
        let t = equal(k);
        let (mut lo, mut hi) = (1.0, 6.0);
        for _ in 0..60 {
            let c = (lo + hi) / 2.0;
            let b: Vec<f64> = (1..=k).map(|i| c * shape(i)).collect();
            if crossing(&b, &t).iter().sum::<f64>() > alpha {
                lo = c;
            } else {
                hi = c;
            }
        }
        (lo + hi) / 2.0
    }

    /// Pocock's and O'Brien and Fleming's constants for two-sided tests at 0.05 with K
    /// equally spaced looks (Jennison and Turnbull 2000, tables 2.1 and 2.3): the crossing
    /// probabilities are right to the tables' three decimals (a two-sided test at 0.05 is
    /// two one-sided ones at 0.025; crossing one way then the other is below 1e-6).
    #[test]
    fn crossing_probabilities_give_the_published_pocock_and_obrien_fleming_constants() {
        let pocock = [(1, 1.960), (2, 2.178), (3, 2.289), (4, 2.361), (5, 2.413)];
        for (k, c) in pocock {
            let got = constant(k, 0.025, |_| 1.0);
            assert!((got - c).abs() < 0.0015, "Pocock K={k}: {got} vs {c}");
        }
        let obf = [(2, 1.977), (3, 2.004), (4, 2.024), (5, 2.040)];
        for (k, c) in obf {
            let got = constant(k, 0.025, |i| (k as f64 / i as f64).sqrt());
            assert!(
                (got - c).abs() < 0.0015,
                "O'Brien-Fleming K={k}: {got} vs {c}"
            );
        }
    }

    /// The Lan-DeMets O'Brien-Fleming boundaries for five equally spaced looks, two-sided
    /// 0.05 (as gsDesign and ldbounds give them: 4.877, 3.357, 2.680, 2.290, 2.031), and the
    /// spending they make.
    #[test]
    fn lan_demets_boundaries_match_published_values() {
        let t = equal(5);
        let b = boundaries(Spending::OBrienFleming, 0.025, &t);
        let published = [4.877, 3.357, 2.680, 2.290, 2.031];
        for (got, want) in b.iter().zip(published) {
            assert!((got - want).abs() < 0.002, "{b:?}");
        }
        let p = crossing(&b, &t);
        assert!((p.iter().sum::<f64>() - 0.025).abs() < 1e-6, "{p:?}");
        let spent_by_2 = Spending::OBrienFleming.spent(0.025, 0.4);
        assert!((p[0] + p[1] - spent_by_2).abs() < 1e-7);
    }

    #[test]
    fn spending_functions_spend_alpha_by_the_end_and_nothing_at_the_start() {
        let all = [
            Spending::OBrienFleming,
            Spending::Pocock,
            Spending::HwangShihDeCani(-4.0),
            Spending::HwangShihDeCani(0.0),
            Spending::HwangShihDeCani(1.0),
        ];
        for s in all {
            assert_eq!(s.spent(0.05, 0.0), 0.0, "{s:?}");
            assert!((s.spent(0.05, 1.0) - 0.05).abs() < 1e-9, "{s:?}");
            assert!(
                (s.spent(0.05, 2.0) - 0.05).abs() < 1e-9,
                "past the end: {s:?}"
            );
            let early = s.spent(0.05, 0.2);
            assert!(early > 0.0 && early < s.spent(0.05, 0.6), "{s:?}");
        }
        // Pocock's spends more early than O'Brien-Fleming's.
        assert!(Spending::Pocock.spent(0.05, 0.2) > Spending::OBrienFleming.spent(0.05, 0.2));
    }

    #[test]
    fn looks_that_may_spend_nothing_never_stop_and_leave_the_rest_to_later() {
        // Hwang-Shih-DeCani at t 0 and 0 again: the second look spends nothing.
        let b = boundaries(Spending::HwangShihDeCani(-2.0), 0.05, &[0.5, 0.5, 1.0]);
        assert_eq!(b[1], f64::INFINITY);
        let p = crossing(&b, &[0.5, 0.5, 1.0]);
        assert!((p.iter().sum::<f64>() - 0.05).abs() < 1e-6, "{p:?}");
    }
}
