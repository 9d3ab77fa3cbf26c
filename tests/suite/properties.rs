//! Property tests: URL resolution and the statistics hold their invariants for any input.

use pagecost::extract::resolve;
use pagecost::verdict::stats::{
    bootstrap_median_diff_ci, cliffs_delta, mann_whitney, median, Summary,
};
use proptest::prelude::*;
use url::Url;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn resolution_never_panics_and_only_yields_fetchable_urls(raw in ".{0,80}", path in "[a-z/]{0,20}") {
        let base = Url::parse(&format!("https://site.test/{path}")).unwrap();
        if let Ok(u) = resolve(&raw, &base) {
            prop_assert!(matches!(u.scheme(), "http" | "https"));
            prop_assert!(u.fragment().is_none());
            // Resolving the result again gives the same URL.
            prop_assert_eq!(resolve(u.as_str(), &base).unwrap(), u);
        }
    }

    #[test]
    fn relative_paths_stay_on_the_base_origin(seg in "[a-zA-Z0-9_.-]{1,12}", dots in 0usize..5) {
        let base = Url::parse("https://site.test/a/b/c/page.html").unwrap();
        let raw = format!("{}{seg}", "../".repeat(dots));
        let u = resolve(&raw, &base).unwrap();
        prop_assert_eq!(u.origin(), base.origin());
    }

    #[test]
    fn summaries_are_ordered(xs in proptest::collection::vec(-1e6f64..1e6, 1..60)) {
        let s = Summary::of(&xs).unwrap();
        prop_assert!(s.min <= s.median && s.median <= s.max);
        prop_assert!(s.min <= s.mean + 1e-6 && s.mean <= s.max + 1e-6);
        prop_assert!(s.stddev >= 0.0);
        prop_assert!(s.outliers.iter().all(|i| *i < xs.len()));
        prop_assert_eq!(median(&xs), Some(s.median));
    }

    #[test]
    fn tests_and_effect_sizes_stay_in_range(
        a in proptest::collection::vec(0f64..100.0, 1..12),
        b in proptest::collection::vec(0f64..100.0, 1..12),
    ) {
        let r = mann_whitney(&a, &b).unwrap();
        prop_assert!((0.0..=1.0).contains(&r.p));
        prop_assert!(r.u >= 0.0 && r.u <= (a.len() * b.len()) as f64);
        let ab = cliffs_delta(&a, &b).unwrap();
        let ba = cliffs_delta(&b, &a).unwrap();
        prop_assert!((-1.0..=1.0).contains(&ab));
        prop_assert!((ab + ba).abs() < 1e-12, "Cliff's delta is antisymmetric");
        let (lo, hi) = bootstrap_median_diff_ci(&a, &b, 200).unwrap();
        prop_assert!(lo <= hi);
    }
}
