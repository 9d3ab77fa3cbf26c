//! Statistics for repeated runs and comparisons: summaries with outliers by median absolute
//! deviation, the Mann-Whitney U test, Cliff's delta and a bootstrap confidence interval of
//! the difference of medians. Pure functions over slices; randomness is seeded.

use serde::{Deserialize, Serialize};

/// Median; the mean of the two middle values for an even count. `None` for no values.
pub fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Index of the median element (the lower middle for an even count, as WebPageTest picks
/// its median run).
pub fn median_index(xs: &[f64]) -> Option<usize> {
    if xs.is_empty() {
        return None;
    }
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|a, b| xs[*a].total_cmp(&xs[*b]).then(a.cmp(b)));
    Some(idx[(xs.len() - 1) / 2])
}

/// A summary of repeated measurements of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Median.
    pub median: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (0 for one value).
    pub stddev: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Indices of outliers: modified z-score `0.6745 |x - median| / MAD` above 3.5
    /// (Iglewicz and Hoaglin), none when the MAD is 0.
    pub outliers: Vec<usize>,
}

impl Summary {
    /// Summarises values; `None` when there are none.
    pub fn of(xs: &[f64]) -> Option<Summary> {
        let med = median(xs)?;
        let n = xs.len();
        let (min, max) = (xs.iter()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(*x), hi.max(*x))
        });
        // Equal values have no spread, whatever the rounding of their sum says.
        let mean = match min == max {
            true => min,
            false => xs.iter().sum::<f64>() / n as f64,
        };
        let var = if n > 1 {
            xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        let deviations: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
        let mad = median(&deviations).unwrap_or(0.0);
        let outliers = if mad > 0.0 {
            (0..n)
                .filter(|i| 0.6745 * deviations[*i] / mad > 3.5)
                .collect()
        } else {
            Vec::new()
        };
        Some(Summary {
            n,
            median: med,
            mean,
            stddev: var.sqrt(),
            min,
            max,
            outliers,
        })
    }
}

/// Result of a two-sided Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MannWhitney {
    /// U of the first sample (the number of pairs where it is larger, ties counting half).
    pub u: f64,
    /// Two-sided p-value: exact for small samples without ties, else the normal
    /// approximation with tie and continuity corrections.
    pub p: f64,
    /// Whether `p` is exact.
    pub exact: bool,
}

/// Two-sided Mann-Whitney U test of `a` against `b`.
///
/// ```
/// let a = [10.0, 11.0, 12.0, 13.0, 14.0];
/// let b = [20.0, 21.0, 22.0, 23.0, 24.0];
/// let t = pagecost::verdict::stats::mann_whitney(&a, &b).unwrap();
/// assert!(t.exact);
/// assert!((t.p - 2.0 / 252.0).abs() < 1e-12); // the smallest two-sided p with 5 and 5
/// ```
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (a.len(), b.len());
    let (u, ties, tie_term) = u_and_ties(a, b)?;
    let mean = (n1 * n2) as f64 / 2.0;
    if !ties && n1 + n2 <= 40 {
        let p = exact_p(n1, n2, u);
        return Some(MannWhitney { u, p, exact: true });
    }
    let n = (n1 + n2) as f64;
    let var = (n1 * n2) as f64 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if var <= 0.0 {
        return Some(MannWhitney {
            u,
            p: 1.0,
            exact: false,
        });
    }
    let z = ((u - mean).abs() - 0.5).max(0.0) / var.sqrt();
    let p = (2.0 * (1.0 - normal_cdf(z))).min(1.0);
    Some(MannWhitney { u, p, exact: false })
}

/// Exact two-sided p-value of U by counting arrangements.
fn exact_p(n1: usize, n2: usize, u: f64) -> f64 {
    let dist = u_counts(n1, n2);
    let total: f64 = dist.iter().sum();
    let mean = (n1 * n2) as f64 / 2.0;
    let d = (u - mean).abs();
    let tail: f64 = dist
        .iter()
        .enumerate()
        .filter(|(k, _)| (*k as f64 - mean).abs() >= d - 1e-9)
        .map(|(_, c)| c)
        .sum();
    (tail / total).min(1.0)
}

/// The number of arrangements of `n1` and `n2` distinct values that give each U from 0 to
/// `n1 * n2` (dynamic programming over the number of ways to reach each U with i values of
/// the first sample among the smallest).
fn u_counts(n1: usize, n2: usize) -> Vec<f64> {
    let max_u = n1 * n2;
    // counts[i][j][k]: ways that i of sample 1 and j of sample 2 give U = k. Rolled over j.
    let mut prev: Vec<Vec<f64>> = vec![vec![0.0; max_u + 1]; n1 + 1];
    prev[0][0] = 1.0;
    for row in prev.iter_mut().skip(1) {
        row[0] = 1.0; // i values of sample 1, no sample 2 values: U = 0
    }
    for j in 1..=n2 {
        let mut cur: Vec<Vec<f64>> = vec![vec![0.0; max_u + 1]; n1 + 1];
        cur[0][0] = 1.0;
        for i in 1..=n1 {
            for k in 0..=max_u {
                // The largest value is from sample 1 (it beats all j of sample 2) or sample 2.
                let from1 = if k >= j { cur[i - 1][k - j] } else { 0.0 };
                cur[i][k] = from1 + prev[i][k];
            }
        }
        prev = cur;
    }
    prev.swap_remove(n1)
}

/// A one-sided Mann-Whitney test of `x` against `y`, both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneSided {
    /// p-value of "x is stochastically larger than y".
    pub p_greater: f64,
    /// p-value of "x is stochastically smaller than y".
    pub p_less: f64,
    /// The standardised U for "larger" (continuity-corrected normal score; minus infinity
    /// when every value is tied): the statistic a group-sequential boundary is set on.
    pub z_greater: f64,
    /// The same for "smaller".
    pub z_less: f64,
    /// Whether the p-values are exact (small samples without ties).
    pub exact: bool,
}

/// One-sided Mann-Whitney tests of `x` against `y`: exact tails for samples of 40 values in
/// all without ties, else the normal approximation with tie and continuity corrections.
///
/// ```
/// // Five values each, completely separated: 1 arrangement of C(10, 5) = 252.
/// let t = pagecost::verdict::stats::one_sided(&[6.0, 7.0, 8.0, 9.0, 10.0], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
/// assert!((t.p_greater - 1.0 / 252.0).abs() < 1e-12);
/// assert_eq!(t.p_less, 1.0);
/// ```
pub fn one_sided(x: &[f64], y: &[f64]) -> Option<OneSided> {
    let (n1, n2) = (x.len(), y.len());
    let (u, ties, tie_term) = u_and_ties(x, y)?;
    let (z_greater, z_less) = scores(n1, n2, u, tie_term);
    if !ties && n1 + n2 <= 40 {
        let dist = u_counts(n1, n2);
        let total: f64 = dist.iter().sum();
        let k = u.round() as usize;
        let upper: f64 = dist[k..].iter().sum();
        let lower: f64 = dist[..=k].iter().sum();
        return Some(OneSided {
            p_greater: (upper / total).min(1.0),
            p_less: (lower / total).min(1.0),
            z_greater,
            z_less,
            exact: true,
        });
    }
    Some(OneSided {
        p_greater: normal_sf(z_greater),
        p_less: normal_sf(z_less),
        z_greater,
        z_less,
        exact: false,
    })
}

/// The standardised U of `x` against `y` both ways, `(larger, smaller)`: the
/// continuity-corrected normal scores of [`OneSided`], from ranks (n log n: the statistic a
/// sequential gate computes at every look). Minus infinity when every value is tied.
pub fn u_scores(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = (x.iter().map(|v| (*v, true)))
        .chain(y.iter().map(|v| (*v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut tie_term, mut i) = (0.0, 0.0, 0);
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mid_rank * all[i..=j].iter().filter(|v| v.1).count() as f64;
        tie_term += t * t * t - t;
        i = j + 1;
    }
    let u = rank_sum - (n1 * (n1 + 1)) as f64 / 2.0;
    Some(scores(n1, n2, u, tie_term))
}

/// The continuity-corrected normal scores of U both ways.
fn scores(n1: usize, n2: usize, u: f64, tie_term: f64) -> (f64, f64) {
    let mean = (n1 * n2) as f64 / 2.0;
    let n = (n1 + n2) as f64;
    let var = (n1 * n2) as f64 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    match var > 1e-12 {
        true => ((u - mean - 0.5) / var.sqrt(), (mean - u - 0.5) / var.sqrt()),
        false => (f64::NEG_INFINITY, f64::NEG_INFINITY),
    }
}

/// U of `x` against `y` (pairs where x is larger, ties counting half), whether any values
/// tie, and the tie term `sum(t^3 - t)` over tied groups; `None` for an empty sample.
fn u_and_ties(x: &[f64], y: &[f64]) -> Option<(f64, bool, f64)> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let mut u = 0.0;
    for a in x {
        for b in y {
            if a > b {
                u += 1.0;
            } else if a == b {
                u += 0.5;
            }
        }
    }
    let mut all: Vec<f64> = x.iter().chain(y).copied().collect();
    all.sort_by(f64::total_cmp);
    let (mut tie_term, mut ties, mut i) = (0.0, false, 0);
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1] == all[i] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        if t > 1.0 {
            ties = true;
            tie_term += t * t * t - t;
        }
        i = j + 1;
    }
    Some((u, ties, tie_term))
}

/// The smallest two-sided p-value a Mann-Whitney test of samples of `n1` and `n2` values can
/// give (complete separation, no ties): `2 / C(n1 + n2, n1)`. When it is not below the
/// significance level, no difference can ever be significant.
pub fn min_p(n1: usize, n2: usize) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    // C(n1 + n2, n1) as a float, built so that it never overflows for run counts.
    let k = n1.min(n2);
    let c = (1..=k).fold(1.0, |acc, i| acc * (n1 + n2 - k + i) as f64 / i as f64);
    (2.0 / c).min(1.0)
}

/// The fewest runs per side (with `other` runs on the other side, or as many when `None`)
/// for which a difference can be significant at `alpha`; `None` past 1,000.
pub fn runs_needed(alpha: f64, other: Option<usize>) -> Option<usize> {
    (1..=1000).find(|n| min_p(*n, other.unwrap_or(*n)) < alpha)
}

/// Standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    normal_sf(-z)
}

/// Standard normal upper tail `1 - CDF(z)`, accurate in the far tail too: `erfc` by the
/// Chebyshev fit of Numerical Recipes (`erfcc`, fractional error below 1.2e-7 everywhere),
/// which group-sequential boundaries need where the tail is 1e-7 and below.
pub fn normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = [
        -1.265_512_23,
        1.000_023_68,
        0.374_091_96,
        0.096_784_18,
        -0.186_288_06,
        0.278_868_07,
        -1.135_203_98,
        1.488_515_87,
        -0.822_152_23,
        0.170_872_77,
    ];
    let horner = poly.iter().rev().fold(0.0, |acc, c| acc * t + c);
    let erfc = t * (-x * x + horner).exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    erfc / 2.0
}

/// The `p` quantile of the standard normal (`p` in (0, 1)), by bisection on [`normal_cdf`]
/// to 1e-12.
pub fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0, 40.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        // In the upper half the tail is the accurate side.
        let below = if mid > 0.0 {
            1.0 - normal_sf(mid) < p
        } else {
            normal_sf(-mid) < p
        };
        if below {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    (lo + hi) / 2.0
}

/// Cliff's delta of `a` against `b`: P(a > b) - P(a < b), from -1 to 1.
pub fn cliffs_delta(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut s = 0i64;
    for x in a {
        for y in b {
            s += i64::from(x > y) - i64::from(x < y);
        }
    }
    Some(s as f64 / (a.len() * b.len()) as f64)
}

/// The magnitude of an effect size.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// |d| < 0.147.
    Negligible,
    /// |d| < 0.33.
    Small,
    /// |d| < 0.474.
    Medium,
    /// Larger.
    Large,
}

impl Effect {
    /// `negligible`, `small`, `medium` or `large`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Negligible => "negligible",
            Effect::Small => "small",
            Effect::Medium => "medium",
            Effect::Large => "large",
        }
    }
}

/// The magnitude of Cliff's delta (Romano et al.: 0.147, 0.33, 0.474).
pub fn cliffs_magnitude(d: f64) -> Effect {
    let d = d.abs();
    if d < 0.147 {
        Effect::Negligible
    } else if d < 0.33 {
        Effect::Small
    } else if d < 0.474 {
        Effect::Medium
    } else {
        Effect::Large
    }
}

/// A small, seeded generator (SplitMix64): reproducible bootstrap resamples.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Percentile bootstrap 95 % confidence interval of `median(b) - median(a)`, with `rounds`
/// resamples and a fixed seed (the same data always gives the same interval).
pub fn bootstrap_median_diff_ci(a: &[f64], b: &[f64], rounds: usize) -> Option<(f64, f64)> {
    if a.is_empty() || b.is_empty() || rounds == 0 {
        return None;
    }
    let mut rng = SplitMix(0x5EED_0FC0_57AB);
    let mut diffs = Vec::with_capacity(rounds);
    let mut ra = vec![0.0; a.len()];
    let mut rb = vec![0.0; b.len()];
    for _ in 0..rounds {
        for x in ra.iter_mut() {
            *x = a[rng.below(a.len())];
        }
        for x in rb.iter_mut() {
            *x = b[rng.below(b.len())];
        }
        diffs.push(median(&rb)? - median(&ra)?);
    }
    diffs.sort_by(f64::total_cmp);
    Some((percentile(&diffs, 0.025), percentile(&diffs, 0.975)))
}

/// The `q` quantile of sorted values by nearest rank: the value at `round(q * (n - 1))`.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let last = sorted.len() - 1;
    sorted[((q * last as f64).round() as usize).min(last)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_give_the_sample_standard_deviation() {
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        // Sum of squares 5 over n - 1 = 3.
        assert!(
            (s.stddev - (5.0f64 / 3.0).sqrt()).abs() < 1e-12,
            "{}",
            s.stddev
        );
        assert_eq!(s.mean, 2.5);
        assert_eq!(Summary::of(&[7.0]).unwrap().stddev, 0.0);
        // Three equal values whose sum rounds: no spread, the mean is the value.
        let same = Summary::of(&[0.0018; 3]).unwrap();
        assert_eq!((same.stddev, same.mean), (0.0, 0.0018));
    }

    #[test]
    fn outliers_follow_the_modified_z_score_exactly() {
        // MAD 0: no outliers, however far a value is.
        assert!(Summary::of(&[5.0, 5.0, 5.0, 5.0, 9.0])
            .unwrap()
            .outliers
            .is_empty());
        // Median 0, MAD 0.6745: the last value's score is exactly 3.5, not above it.
        let at = [-0.6745, -0.6745, 0.0, 0.0, 0.6745, 0.6745, 3.5];
        assert!(Summary::of(&at).unwrap().outliers.is_empty());
        // MAD 1: a deviation of 3 scores 2.0 (not an outlier), 6 scores 4.0 (one).
        let xs = [9.0, 10.0, 10.0, 11.0, 13.0, 8.0, 16.0];
        let s = Summary::of(&xs).unwrap();
        assert_eq!(s.median, 10.0);
        assert_eq!(s.outliers, vec![6]);
        // A small MAD (0.1) with a far value: an outlier by dividing by the MAD.
        let tight = [10.0, 10.1, 9.9, 10.0, 10.1, 9.9, 50.0];
        assert_eq!(Summary::of(&tight).unwrap().outliers, vec![6]);
    }

    #[test]
    fn the_bootstrap_generator_is_splitmix64() {
        // SplitMix64's reference outputs for seed 0 (Vigna's splitmix64.c).
        let mut r = SplitMix(0);
        assert_eq!(r.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(r.next(), 0x06c4_5d18_8009_454f);
        let mut r = SplitMix(7);
        assert!((0..1000).all(|_| r.below(3) < 3));
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let v: Vec<f64> = (0..=40).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.025), 1.0);
        assert_eq!(percentile(&v, 0.975), 39.0);
        assert_eq!(percentile(&v, 1.0), 40.0);
        assert_eq!(percentile(&[3.0], 0.5), 3.0);
    }

    #[test]
    fn no_bootstrap_without_rounds_or_values() {
        assert_eq!(bootstrap_median_diff_ci(&[1.0], &[2.0], 0), None);
        assert_eq!(bootstrap_median_diff_ci(&[], &[2.0], 100), None);
        assert_eq!(
            bootstrap_median_diff_ci(&[1.0], &[2.0], 100),
            Some((1.0, 1.0))
        );
    }

    #[test]
    fn effect_sizes_start_at_their_thresholds() {
        assert_eq!(cliffs_magnitude(0.146), Effect::Negligible);
        assert_eq!(cliffs_magnitude(0.147), Effect::Small);
        assert_eq!(cliffs_magnitude(-0.2), Effect::Small);
        assert_eq!(cliffs_magnitude(0.33), Effect::Medium);
        assert_eq!(cliffs_magnitude(0.4), Effect::Medium);
        assert_eq!(cliffs_magnitude(-0.474), Effect::Large);
        assert_eq!(cliffs_delta(&[], &[1.0]), None);
        assert_eq!(cliffs_delta(&[1.0], &[]), None);
    }

    #[test]
    fn the_normal_tail_is_accurate_far_out_and_the_quantile_inverts_it() {
        // Published tail areas: Q(3) = 1.349898e-3, Q(5) = 2.866516e-7, Q(7) = 1.2798125e-12.
        for (z, q) in [
            (3.0, 1.349_898e-3),
            (5.0, 2.866_516e-7),
            (7.0, 1.279_812_5e-12),
        ] {
            assert!(
                (normal_sf(z) / q - 1.0).abs() < 2e-7,
                "Q({z}) = {}",
                normal_sf(z)
            );
        }
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
        assert!((normal_quantile(0.05) + 1.644_854).abs() < 1e-6);
        assert!((normal_quantile(1.0 - 2.866_516e-7) - 5.0).abs() < 1e-5);
    }

    #[test]
    fn one_sided_tests_split_the_two_sided_one_and_agree_with_the_normal_score() {
        // n1 = n2 = 4, U = 15 of 16: P(U >= 15) = 2/70 one way, and the other way all but
        // U = 16's 1/70.
        let t = one_sided(&[4.0, 6.0, 7.0, 8.0], &[1.0, 2.0, 3.0, 5.0]).unwrap();
        assert!(t.exact);
        assert!((t.p_greater - 2.0 / 70.0).abs() < 1e-12, "{t:?}");
        assert!((t.p_less - 69.0 / 70.0).abs() < 1e-12, "{t:?}");
        let two = mann_whitney(&[4.0, 6.0, 7.0, 8.0], &[1.0, 2.0, 3.0, 5.0]).unwrap();
        assert!((two.p - 2.0 * t.p_greater).abs() < 1e-12);
        // Ties: the normal score; all tied, nothing can be shown either way.
        let t = one_sided(&[1.0, 2.0, 2.0, 3.0], &[1.0, 1.0, 2.0]).unwrap();
        assert!(!t.exact && t.p_greater > 0.05 && t.p_less > 0.05);
        let flat = one_sided(&[2.0; 5], &[2.0; 5]).unwrap();
        assert_eq!((flat.p_greater, flat.p_less), (1.0, 1.0));
        assert_eq!(flat.z_greater, f64::NEG_INFINITY);
        // 30 and 30 separated: z = (900 - 450 - 0.5) / sqrt(4575) = 6.646.
        let a: Vec<f64> = (0..30).map(f64::from).collect();
        let b: Vec<f64> = (100..130).map(f64::from).collect();
        let t = one_sided(&b, &a).unwrap();
        assert!((t.z_greater - 449.5 / 4575f64.sqrt()).abs() < 1e-9);
        assert!(one_sided(&[], &a).is_none());
        // The ranks give the same scores as the pair count, ties included.
        for (x, y) in [
            (&b[..], &a[..]),
            (&[1.0, 2.0, 2.0, 3.0][..], &[1.0, 1.0, 2.0][..]),
        ] {
            let t = one_sided(x, y).unwrap();
            let (g, l) = u_scores(x, y).unwrap();
            assert!((g - t.z_greater).abs() < 1e-12 && (l - t.z_less).abs() < 1e-12);
        }
        assert_eq!(
            u_scores(&[2.0; 3], &[2.0; 4]),
            Some((f64::NEG_INFINITY, f64::NEG_INFINITY))
        );
    }

    #[test]
    fn the_normal_cdf_is_symmetric() {
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 2e-7);
        assert!((normal_cdf(-1.959_964) - 0.025).abs() < 2e-7);
        assert!((normal_cdf(0.0) - 0.5).abs() < 2e-7);
    }

    #[test]
    fn runs_needed_asks_for_a_p_below_alpha_not_equal_to_it() {
        // 3 and 3 runs can reach p = 2/20 = 0.1 and no lower: at alpha 0.1 that is not enough.
        assert_eq!(min_p(3, 3), 0.1);
        assert_eq!(runs_needed(0.1, None), Some(4));
        assert_eq!(runs_needed(0.11, None), Some(3));
        assert_eq!(min_p(0, 5), 1.0);
    }

    #[test]
    fn the_exact_test_runs_up_to_40_values_in_all() {
        let a: Vec<f64> = (0..10).map(f64::from).collect();
        let b: Vec<f64> = (0..10).map(|x| f64::from(x) + 0.5).collect();
        assert!(mann_whitney(&a, &b).unwrap().exact, "10 and 10");
        let c: Vec<f64> = (0..21).map(f64::from).collect();
        let d: Vec<f64> = (0..20).map(|x| f64::from(x) + 0.5).collect();
        assert!(!mann_whitney(&c, &d).unwrap().exact, "21 and 20");
    }

    #[test]
    fn median_and_the_median_run_follow_webpagetest() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        // 10, 20, 30, 40: the lower middle is 20, at index 3.
        assert_eq!(median_index(&[40.0, 10.0, 30.0, 20.0]), Some(3));
        assert_eq!(median_index(&[5.0, 9.0, 7.0]), Some(2));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn summary_flags_outliers_by_median_absolute_deviation() {
        let s = Summary::of(&[100.0, 102.0, 98.0, 101.0, 99.0, 400.0]).unwrap();
        assert_eq!(s.outliers, vec![5]);
        assert_eq!((s.min, s.max, s.n), (98.0, 400.0, 6));
        assert!((s.mean - 150.0).abs() < 1e-9);
        let flat = Summary::of(&[5.0, 5.0, 5.0]).unwrap();
        assert!(flat.outliers.is_empty());
        assert_eq!(flat.stddev, 0.0);
    }

    #[test]
    fn mann_whitney_matches_a_reference_computation() {
        // a = 1..5, b = 6..10: U = 0, all 252 arrangements, two extreme ones: p = 2/252.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [6.0, 7.0, 8.0, 9.0, 10.0];
        let r = mann_whitney(&a, &b).unwrap();
        assert_eq!(r.u, 0.0);
        assert!(r.exact);
        assert!((r.p - 2.0 / 252.0).abs() < 1e-12, "{}", r.p);
        // n1 = n2 = 4, U = 1: P(U <= 1) = 2/70 (U = 0 and U = 1 each once); two-sided 4/70.
        let r = mann_whitney(&[1.0, 2.0, 3.0, 5.0], &[4.0, 6.0, 7.0, 8.0]).unwrap();
        assert_eq!(r.u, 1.0);
        assert!((r.p - 4.0 / 70.0).abs() < 1e-12, "{}", r.p);
        // U = 4 for n1 = n2 = 5: arrangements with U <= 4 are 1 + 1 + 2 + 3 + 5 = 12 of 252,
        // two-sided 24/252; above the published critical U of 2 for alpha 0.05.
        let r = mann_whitney(&[1.0, 2.0, 3.0, 7.0, 8.0], &[4.0, 5.0, 9.0, 10.0, 11.0]).unwrap();
        assert_eq!(r.u, 4.0);
        assert!((r.p - 24.0 / 252.0).abs() < 1e-12, "{}", r.p);
        assert!(r.p > 0.05);
    }

    #[test]
    fn mann_whitney_with_ties_uses_the_corrected_normal_approximation() {
        let a = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0];
        let r = mann_whitney(&a, &a).unwrap();
        assert!(!r.exact);
        assert_eq!(r.u, 18.0);
        assert!((r.p - 1.0).abs() < 1e-6);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
    }

    #[test]
    fn identical_samples_show_no_effect_and_separated_ones_a_large_one() {
        let a = [10.0, 11.0, 12.0, 13.0, 14.0];
        assert_eq!(cliffs_delta(&a, &a), Some(0.0));
        assert_eq!(cliffs_magnitude(0.0).as_str(), "negligible");
        let b = [20.0, 21.0, 22.0, 23.0, 24.0];
        assert_eq!(cliffs_delta(&a, &b), Some(-1.0));
        assert_eq!(cliffs_magnitude(-1.0).as_str(), "large");
        let (lo, hi) = bootstrap_median_diff_ci(&a, &b, 2000).unwrap();
        assert!(
            lo > 0.0 && hi <= 14.0 && lo <= 10.0 && hi >= 10.0,
            "({lo}, {hi})"
        );
        let (lo, hi) = bootstrap_median_diff_ci(&a, &a, 2000).unwrap();
        assert!(lo <= 0.0 && hi >= 0.0);
        assert_eq!(
            bootstrap_median_diff_ci(&a, &b, 500),
            bootstrap_median_diff_ci(&a, &b, 500)
        );
    }
}
