//! Budget lines on main-thread and blocking time, per entity, category, party and the tags
//! of a host: each script's or document's time (from the load's trace) goes to the party of
//! the request that fetched it; a tag's is everything it caused, its frames included. Judged
//! on the median of the runs that have a trace; unknown, never 0, without one.

use super::{is_first_party, Limit, Line, LineUnit, Measure, PartyGroup, Status};
use crate::model::chains::TagCost;
use crate::model::{urls, Entry, Load};

/// The third-party tags of a load on hosts matching `pattern` (`*.doubleclick.net`).
pub(super) fn tags_on<'a>(l: &'a Load, pattern: &'a str) -> impl Iterator<Item = &'a TagCost> {
    (l.third_party_tags.iter()).filter(move |t| {
        urls::host(&t.url).is_some_and(|h| crate::model::party::host_matches(&h, pattern))
    })
}

/// Whether a request is of the entity, category or party named (`first` says whether it is
/// first-party by the budget's hosts).
pub(super) fn of_party(
    e: &Entry,
    group: PartyGroup,
    name: &str,
    first: &impl Fn(&Entry) -> bool,
) -> bool {
    match group {
        PartyGroup::Party => (name == "first-party") == first(e),
        PartyGroup::Entity => e.party.as_ref().and_then(|p| p.entity.as_deref()) == Some(name),
        PartyGroup::Category => e.party.as_ref().and_then(|p| p.category.as_deref()) == Some(name),
        PartyGroup::Tag => false,
    }
}

/// Most scripts a failing line names.
const NAMED: usize = 3;

/// A main-thread or blocking limit's value in one load, with the costliest scripts or tags
/// behind it; `None` when the load has no trace.
fn value(limit: &Limit, l: &Load, first_party: &[String]) -> Option<(f64, Vec<(String, f64)>)> {
    let Limit::Party {
        group,
        name,
        measure,
        ..
    } = *limit
    else {
        return None;
    };
    let m = l.main_thread.as_ref()?;
    let blocking = measure == Measure::Blocking;
    let mut parts: Vec<(String, f64)> = if group == PartyGroup::Tag {
        let of = |t: &TagCost| {
            if blocking {
                t.blocking_ms
            } else {
                t.main_thread_ms
            }
        };
        let tags: Option<Vec<(String, f64)>> = tags_on(l, name)
            .map(|t| Some((t.url.clone(), of(t)?)))
            .collect();
        tags?
    } else {
        let page = urls::host(&l.final_url).unwrap_or_default();
        let first = |e: &Entry| is_first_party(e, &page, first_party);
        let fetched = crate::model::chains::first_by_url(&l.entries);
        (m.by_url.iter())
            .filter(|c| {
                let e = fetched.get(c.url.as_str()).map(|&i| &l.entries[i]);
                e.is_some_and(|e| of_party(e, group, name, &first))
            })
            .map(|c| {
                (
                    c.url.clone(),
                    if blocking { c.blocking_ms } else { c.total_ms },
                )
            })
            .collect()
    };
    let total = parts.iter().map(|p| p.1).sum();
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some((total, parts))
}

/// Milliseconds as a failing line names them: `120 ms`, `4.3 ms`.
fn ms_shown(ms: f64) -> String {
    match ms {
        m if m >= 10.0 => format!("{m:.0} ms"),
        m => format!("{m:.1} ms"),
    }
}

/// Judges a main-thread or blocking limit on the median of the traced runs; unsupported,
/// with the reason, when no run has a trace.
pub(super) fn judge(limit: &Limit, runs: &[&Load], first_party: &[String]) -> Line {
    let vals: Vec<(f64, Vec<(String, f64)>)> = (runs.iter())
        .filter_map(|l| value(limit, l, first_party))
        .collect();
    let max = limit.limit();
    let mut line = Line {
        name: limit.name(),
        actual: f64::NAN,
        limit: max,
        unit: LineUnit::Ms,
        status: Status::Unsupported,
        failing_runs: 0,
        runs: vals.len(),
        details: Vec::new(),
    };
    let totals: Vec<f64> = vals.iter().map(|v| v.0).collect();
    let Some(median) = crate::verdict::stats::median(&totals) else {
        line.details.push(
            "main-thread time is unknown: it comes from the browser engine's trace \
             (--engine chromium); a static load or a HAR has none"
                .into(),
        );
        return line;
    };
    line.actual = (median * 10.0).round() / 10.0;
    line.failing_runs = totals.iter().filter(|v| **v > max).count();
    line.status = if median > max {
        Status::Fail
    } else {
        Status::Pass
    };
    if line.status == Status::Fail {
        // The run nearest the median, and what in it cost the most.
        let near =
            (vals.iter()).min_by(|a, b| (a.0 - median).abs().total_cmp(&(b.0 - median).abs()));
        let parts = near.map(|v| v.1.iter().take(NAMED)).into_iter().flatten();
        line.details = parts
            .map(|(url, ms)| format!("{} {}", urls::redact_url(url), ms_shown(*ms)))
            .collect();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate, parse, Status};
    use crate::trace::{MainThread, UrlCost};

    /// A load whose trace gave `ms` to one first-party script and `ad_ms` to an ad tag's
    /// library, on doubleclick's host; without a trace when `traced` is false.
    fn load(ms: f64, ad_ms: f64, traced: bool) -> crate::model::Load {
        let mut l = crate::har::testing::load_sized(&[
            ("/", 1000),
            ("/app.js", 500),
            ("https://securepubads.g.doubleclick.net/tag.js", 300),
        ]);
        let cost = |url: &str, total_ms: f64| UrlCost {
            url: url.into(),
            total_ms,
            blocking_ms: (total_ms - 50.0).max(0.0),
            ..UrlCost::default()
        };
        let tag = "https://securepubads.g.doubleclick.net/tag.js";
        l.main_thread = traced.then(|| MainThread {
            total_ms: ms + ad_ms,
            by_url: vec![cost("https://a.example/app.js", ms), cost(tag, ad_ms)],
            ..MainThread::default()
        });
        l.finalize(&[], &crate::model::secrets::Secrets::default());
        l
    }

    const BUDGET: &str = r#"[{"pagecost": {
        "entities": [{"name": "Google/Doubleclick Ads", "mainThreadTime": 100}],
        "categories": [{"name": "ad", "blockingTime": 30}],
        "parties": [{"name": "first-party", "mainThreadTime": 100},
                    {"name": "third-party", "mainThreadTime": 100}],
        "tags": [{"host": "*.doubleclick.net", "mainThreadTime": 100, "requests": 1}]
    }}]"#;

    /// Each line judges the median of the traced runs: the ad network's 120 ms (median of
    /// 90, 120, 400) is over 100 ms as an entity, as the third party, as its host's tags;
    /// its blocking time (70 ms) over 30; the first party's 40 ms within; the tag's request
    /// count is judged as counts are.
    #[test]
    fn main_thread_limits_judge_the_median_traced_run_by_entity_category_party_and_tag() {
        let budgets = parse(BUDGET, "budget.json").unwrap();
        let loads = [
            load(40.0, 90.0, true),
            load(40.0, 120.0, true),
            load(40.0, 400.0, true),
        ];
        let runs: Vec<&crate::model::Load> = loads.iter().collect();
        let v = evaluate(&budgets, &runs);
        let line = |n: &str| v.lines.iter().find(|l| l.name == n).unwrap();
        for name in [
            "pagecost.entities.Google/Doubleclick Ads.mainThreadTime",
            "pagecost.parties.third-party.mainThreadTime",
            "pagecost.tags.*.doubleclick.net.mainThreadTime",
        ] {
            let l = line(name);
            assert_eq!(
                (l.status, l.actual, l.failing_runs),
                (Status::Fail, 120.0, 2),
                "{l:?}"
            );
            assert!(l.details[0].ends_with("/tag.js 120 ms"), "{l:?}");
        }
        let blocking = line("pagecost.categories.ad.blockingTime");
        assert_eq!((blocking.status, blocking.actual), (Status::Fail, 70.0));
        let first = line("pagecost.parties.first-party.mainThreadTime");
        assert_eq!((first.status, first.actual), (Status::Pass, 40.0));
        assert_eq!(
            line("pagecost.tags.*.doubleclick.net.requests").status,
            Status::Pass
        );
    }

    /// Without a trace (the static engine, a HAR) a main-thread line is unknown, not 0.
    #[test]
    fn without_a_trace_main_thread_limits_are_unsupported_not_passed() {
        let budgets = parse(BUDGET, "budget.json").unwrap();
        let l = load(40.0, 400.0, false);
        let v = evaluate(&budgets, &[&l]);
        let cpu = v.lines.iter().filter(|l| l.unit == super::LineUnit::Ms);
        for line in cpu {
            assert_eq!(line.status, Status::Unsupported, "{line:?}");
            assert!(line.details[0].contains("--engine chromium"), "{line:?}");
        }
        assert!(!v.failed());
    }

    #[test]
    fn an_unknown_party_is_refused_with_a_suggestion() {
        let bad =
            r#"[{"pagecost": {"parties": [{"name": "third-parties", "mainThreadTime": 1}]}}]"#;
        let err = parse(bad, "b.json").unwrap_err().to_string();
        assert!(err.contains("pagecost.parties[0].name"), "{err}");
        assert!(err.contains("third-party"), "{err}");
    }
}
