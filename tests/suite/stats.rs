//! pagecost's statistics against reference values from an independent implementation
//! (SciPy 1.17, computed by `scripts/stats-reference.py`, kept beside this file): the
//! Mann-Whitney U statistic and its two-sided p-value (exact without ties, the normal
//! approximation with tie and continuity corrections with them), Cliff's delta, and the
//! bootstrap interval of the difference of medians (a different random generator: compared
//! with a tolerance of a fifth of the interval's width).

use pagecost::verdict::stats::{bootstrap_median_diff_ci, cliffs_delta, mann_whitney};

/// (name, a, b, U of a, p, exact, Cliff's delta of a against b, 95 % CI of median(b) - median(a)).
type Case = (
    &'static str,
    &'static [f64],
    &'static [f64],
    f64,
    f64,
    bool,
    f64,
    (f64, f64),
);

const CASES: &[Case] = &[
    (
        "separated_5v5",
        &[10.0, 11.0, 12.0, 13.0, 14.0],
        &[20.0, 21.0, 22.0, 23.0, 24.0],
        0.0,
        0.007937,
        true,
        -1.000000,
        (7.0000, 13.0000),
    ),
    (
        "overlap_5v5",
        &[10.0, 12.0, 14.0, 16.0, 18.0],
        &[11.0, 13.0, 15.0, 17.0, 19.0],
        10.0,
        0.690476,
        true,
        -0.200000,
        (-5.0000, 7.0000),
    ),
    (
        "small_3v3",
        &[1.0, 2.0, 3.0],
        &[4.0, 5.0, 6.0],
        0.0,
        0.100000,
        true,
        -1.000000,
        (1.0000, 5.0000),
    ),
    (
        "uneven_4v7",
        &[3.1, 4.7, 2.2, 9.9],
        &[5.5, 6.1, 7.3, 8.8, 10.2, 11.0, 4.0],
        6.0,
        0.163636,
        true,
        -0.571429,
        (-2.6000, 7.1000),
    ),
    (
        "ties_6v6",
        &[1.0, 2.0, 2.0, 3.0, 3.0, 3.0],
        &[2.0, 3.0, 3.0, 4.0, 4.0, 5.0],
        7.0,
        0.078403,
        false,
        -0.611111,
        (0.0000, 2.5000),
    ),
    (
        "ties_heavy_8v8",
        &[5.0, 5.0, 5.0, 6.0, 6.0, 7.0, 7.0, 7.0],
        &[6.0, 6.0, 7.0, 7.0, 8.0, 8.0, 8.0, 9.0],
        11.0,
        0.026710,
        false,
        -0.656250,
        (0.0000, 3.0000),
    ),
    (
        "ties_across_10v10",
        &[1.5, 2.0, 2.0, 2.5, 3.0, 3.0, 3.5, 4.0, 4.0, 4.5],
        &[2.0, 3.0, 3.0, 3.5, 4.0, 4.5, 5.0, 5.0, 5.5, 6.0],
        24.0,
        0.052014,
        false,
        -0.520000,
        (-0.2500, 2.7500),
    ),
    (
        "large_no_ties_25v25",
        &[
            1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0, 17.0, 19.0, 21.0, 23.0, 25.0, 27.0, 29.0,
            31.0, 33.0, 35.0, 37.0, 39.0, 41.0, 43.0, 45.0, 47.0, 49.0,
        ],
        &[
            4.25, 6.25, 8.25, 10.25, 12.25, 14.25, 16.25, 18.25, 20.25, 22.25, 24.25, 26.25, 28.25,
            30.25, 32.25, 34.25, 36.25, 38.25, 40.25, 42.25, 44.25, 46.25, 48.25, 50.25, 52.25,
        ],
        276.0,
        0.484863,
        false,
        -0.116800,
        (-10.7500, 17.2500),
    ),
];

#[test]
fn mann_whitney_matches_scipy_with_and_without_ties() {
    for (name, a, b, u, p, exact, _, _) in CASES {
        let r = mann_whitney(a, b).unwrap();
        assert_eq!(r.u, *u, "{name}: U");
        assert_eq!(r.exact, *exact, "{name}: exact or not");
        assert!(
            (r.p - p).abs() < 5e-6,
            "{name}: p {} against SciPy's {p}",
            r.p
        );
        // The test is symmetric: B against A gives the other U and the same p.
        let back = mann_whitney(b, a).unwrap();
        assert_eq!(back.u, (a.len() * b.len()) as f64 - u, "{name}: U of B");
        assert!((back.p - p).abs() < 5e-6, "{name}: p of B against A");
    }
}

#[test]
fn cliffs_delta_matches_its_definition() {
    for (name, a, b, _, _, _, d, _) in CASES {
        let got = cliffs_delta(a, b).unwrap();
        assert!((got - d).abs() < 1e-6, "{name}: {got} against {d}");
    }
}

#[test]
fn the_bootstrap_interval_agrees_with_scipys() {
    for (name, a, b, _, _, _, _, (lo, hi)) in CASES {
        let (got_lo, got_hi) = bootstrap_median_diff_ci(a, b, 2000).unwrap();
        let tol = ((hi - lo) / 5.0).max(0.5);
        assert!(
            (got_lo - lo).abs() <= tol && (got_hi - hi).abs() <= tol,
            "{name}: ({got_lo}, {got_hi}) against SciPy's ({lo}, {hi})"
        );
    }
}
