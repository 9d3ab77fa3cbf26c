#!/usr/bin/env python3
"""Reference values for pagecost's statistics, from an independent implementation (SciPy).

Run once when the cases change; paste the output into `tests/suite/stats.rs`:

    pip install scipy numpy && python3 scripts/stats-reference.py

Mann-Whitney U: two-sided; exact for samples without ties (SciPy's `method="exact"`), the
normal approximation with tie and continuity corrections otherwise (`method="asymptotic"`,
`use_continuity=True`), as pagecost does. U is the first sample's. Cliff's delta is computed
from its definition. The bootstrap interval is SciPy's percentile bootstrap of the
difference of medians (B - A), 20,000 resamples; pagecost's uses its own seeded generator,
so the test compares with a tolerance.
"""
import itertools
import numpy as np
from scipy import stats

CASES = {
    # name: (a, b)
    "separated_5v5": ([10, 11, 12, 13, 14], [20, 21, 22, 23, 24]),
    "overlap_5v5": ([10, 12, 14, 16, 18], [11, 13, 15, 17, 19]),
    "small_3v3": ([1, 2, 3], [4, 5, 6]),
    "uneven_4v7": ([3.1, 4.7, 2.2, 9.9], [5.5, 6.1, 7.3, 8.8, 10.2, 11.0, 4.0]),
    "ties_6v6": ([1, 2, 2, 3, 3, 3], [2, 3, 3, 4, 4, 5]),
    "ties_heavy_8v8": ([5, 5, 5, 6, 6, 7, 7, 7], [6, 6, 7, 7, 8, 8, 8, 9]),
    "ties_across_10v10": (
        [1.5, 2.0, 2.0, 2.5, 3.0, 3.0, 3.5, 4.0, 4.0, 4.5],
        [2.0, 3.0, 3.0, 3.5, 4.0, 4.5, 5.0, 5.0, 5.5, 6.0],
    ),
    "large_no_ties_25v25": (
        [float(x) for x in range(1, 50, 2)],
        [float(x) + 0.25 for x in range(4, 54, 2)],
    ),
}


def cliffs(a, b):
    s = sum((x > y) - (x < y) for x, y in itertools.product(a, b))
    return s / (len(a) * len(b))


def main():
    for name, (a, b) in CASES.items():
        a, b = [float(x) for x in a], [float(x) for x in b]
        ties = len(set(a + b)) < len(a + b)
        method = "asymptotic" if ties or len(a) + len(b) > 40 else "exact"
        r = stats.mannwhitneyu(a, b, alternative="two-sided", method=method, use_continuity=True)
        boot = stats.bootstrap(
            (np.array(b), np.array(a)),
            lambda y, x, axis=-1: np.median(y, axis=axis) - np.median(x, axis=axis),
            n_resamples=20000,
            method="percentile",
            vectorized=True,
            random_state=1,
        ).confidence_interval
        print(
            f'("{name}", &{a}, &{b}, {r.statistic:.1f}, {r.pvalue:.6f}, {method == "exact"}, '
            f"{cliffs(a, b):.6f}, ({boot.low:.4f}, {boot.high:.4f})),"
        )


if __name__ == "__main__":
    main()
