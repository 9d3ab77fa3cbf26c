//! Two variants of a page side by side: per-metric medians with spread, difference, ratio and
//! a significance test; requests only in one variant or changed in size; deltas per type,
//! host, entity and category. Pure: runs in, comparison out. The findings are data
//! ([`Verdict`]; the gates' in [`crate::verdict::gate`]); their words live in `report::words`.

use crate::model::{urls, Bucket, Entry, Load, ResourceType};
use crate::verdict::metric::{Metric, Unit};
use crate::verdict::runs::{values, Runs};
use crate::verdict::stats::{
    bootstrap_median_diff_ci, cliffs_delta, cliffs_magnitude, mann_whitney, Effect, Summary,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The default significance level for "significant".
pub const ALPHA: f64 = 0.05;
/// Bootstrap resamples for the confidence interval.
pub const BOOTSTRAP_ROUNDS: usize = 2000;

/// Which metric a row compares: a measured one, or one estimated on a network profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricKey {
    /// The metric.
    pub metric: Metric,
    /// The profile the loads were estimated on, for an estimated metric.
    pub estimated_on: Option<String>,
}

impl MetricKey {
    /// A measured metric.
    pub fn measured(metric: Metric) -> MetricKey {
        MetricKey {
            metric,
            estimated_on: None,
        }
    }

    /// `fully_loaded_ms`, or `estimated_fully_loaded_ms_on_lte`.
    pub fn name(&self) -> String {
        match &self.estimated_on {
            Some(p) => format!("estimated_{}_on_{p}", self.metric.name()),
            None => self.metric.name().to_string(),
        }
    }
}

impl Serialize for MetricKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// A metric's name in the JSON contract: `transfer_bytes`, `estimated_fully_loaded_on_lte` ...
impl schemars::JsonSchema for MetricKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MetricKey".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[a-z0-9_]+$",
            "description": "The metric's name; an estimate's is estimated_METRIC_on_PROFILE.",
        })
    }
}

/// What a comparison found for one metric (in words: `report::words`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// No significant difference; the p-value when a test ran.
    Same {
        /// Two-sided p-value.
        p: Option<f64>,
    },
    /// B differs from A.
    Differs {
        /// The metric's unit.
        unit: Unit,
        /// `median(B) - median(A)`.
        diff: f64,
        /// `median(B) / median(A)`.
        ratio: Option<f64>,
        /// The p-value, or `None` when the metric was the same in every run of each side.
        p: Option<f64>,
    },
}

impl Verdict {
    /// Whether B is significantly different.
    pub fn significant(&self) -> bool {
        matches!(self, Verdict::Differs { .. })
    }
}

/// One metric of both variants.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MetricDiff {
    /// Which metric.
    #[serde(rename = "name")]
    pub key: MetricKey,
    /// Its unit.
    pub unit: Unit,
    /// Variant A over its runs.
    pub a: Summary,
    /// Variant B over its runs.
    pub b: Summary,
    /// `median(B) - median(A)`.
    pub diff: f64,
    /// `median(B) / median(A)` (`None` when A's median is 0).
    pub ratio: Option<f64>,
    /// Mann-Whitney U of B against A and its two-sided p-value.
    pub u: Option<f64>,
    /// Two-sided p-value.
    pub p: Option<f64>,
    /// Cliff's delta of B against A (-1 to 1).
    pub cliffs_delta: Option<f64>,
    /// Its magnitude (Romano et al.).
    pub effect: Option<Effect>,
    /// Bootstrap 95 % confidence interval of `median(B) - median(A)`.
    pub ci95: Option<(f64, f64)>,
    /// Whether the difference is real: p below the significance level, or, for sizes and counts, both
    /// variants constant over their runs and different (a deterministic difference).
    pub significant: bool,
    /// The finding.
    pub verdict: Verdict,
    /// The values compared, A's and B's in run order (for the gates' tests).
    #[serde(skip)]
    pub samples: [Vec<f64>; 2],
}

/// A request present in one variant only, or in both with different sizes.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RequestDiff {
    /// URL (same-origin URLs as paths, so two servings of one site line up).
    pub key: String,
    /// Resource type.
    pub resource_type: ResourceType,
    /// Entity, when the dataset knows the host.
    pub entity: Option<String>,
    /// What requested it (`URL:line:column` of the script or document); empty when the
    /// engine did not say (the page's own navigation, the browser's favicon).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub initiator: String,
    /// Its own main-thread time in the median run that has it, for a script or document
    /// that ran (browser engine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_thread_ms: Option<f64>,
    /// For a third-party tag: the main-thread time of everything it caused, its frames
    /// included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_main_thread_ms: Option<f64>,
    /// Bytes in A (0 when absent).
    pub a_bytes: u64,
    /// Bytes in B (0 when absent).
    pub b_bytes: u64,
}

/// One group (a type, host, entity or category) in both variants.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct GroupDiff {
    /// Group name.
    pub name: String,
    /// In A's median run.
    pub a: Bucket,
    /// In B's median run.
    pub b: Bucket,
}

/// Two variants compared.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    /// A's target.
    pub a: String,
    /// B's target.
    pub b: String,
    /// The significance level the tests were judged at.
    pub alpha: f64,
    /// Successful runs of each.
    pub runs: (usize, usize),
    /// Runs left out of the statistics, per variant, with why: failed, or cut short (a time
    /// limit, a crash, a body over its limit).
    pub failed_runs: (Vec<String>, Vec<String>),
    /// Runs kept in the statistics that loaded the page but were partial for a cause after
    /// its end (still busy after the load event, a blocked main thread), per variant.
    #[serde(skip_serializing_if = "both_zero")]
    pub busy_runs: (usize, usize),
    /// Metrics.
    pub metrics: Vec<MetricDiff>,
    /// Requests only in A's median run.
    pub only_in_a: Vec<RequestDiff>,
    /// Requests only in B's median run.
    pub only_in_b: Vec<RequestDiff>,
    /// Requests in both whose transferred size changed by more than 1 %.
    pub changed: Vec<RequestDiff>,
    /// Per resource type.
    pub by_type: Vec<GroupDiff>,
    /// Per host.
    pub by_host: Vec<GroupDiff>,
    /// Per third-party entity.
    pub by_entity: Vec<GroupDiff>,
    /// Per category.
    pub by_category: Vec<GroupDiff>,
    /// Main-thread and blocking time per party, third-party entity and tag, with the same
    /// statistics as the metrics (browser engine; empty when a side has no traced run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub main_thread: Vec<CpuDiff>,
    /// Carbon a view per party, third-party entity and tag, in the median runs (empty when
    /// a side's load has no carbon figure).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carbon: Vec<CarbonDiff>,
}

/// One party's, entity's or tag's carbon a view in both variants' median runs: grams of
/// CO2e, by the model both were loaded with.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CarbonDiff {
    /// Party, entity or tag.
    pub scope: CpuScope,
    /// Its name (a tag's URL).
    pub name: String,
    /// Grams in A's median run (0 when absent there).
    pub a_g: f64,
    /// Grams in B's median run.
    pub b_g: f64,
    /// US dollars on mobile data in A's median run, when a price was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_usd: Option<f64>,
    /// The same in B's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_usd: Option<f64>,
}

/// Whose main-thread time a [`CpuDiff`] is, or whose carbon a [`CarbonDiff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CpuScope {
    /// First party, third party, unknown party, or the browser's own work.
    Party,
    /// A third-party entity (or the registrable domain of a host the dataset does not know).
    Entity,
    /// A third-party tag, with everything it caused, its frames included.
    Tag,
}

/// One party's, entity's or tag's main-thread time in both variants, tested as a metric is:
/// in a traced run where it did not run, it cost 0 ms.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CpuDiff {
    /// Party, entity or tag.
    pub scope: CpuScope,
    /// Its name (a tag's URL).
    pub name: String,
    /// Its main-thread time.
    pub main_thread: MetricDiff,
    /// Its share of the blocking time (not known for the browser's own work).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking: Option<MetricDiff>,
}

/// The same request in two servings of a site: same-origin URLs keyed by path and query.
fn key_of(load: &Load, e: &Entry) -> String {
    if e.resource_type == ResourceType::Document && e.url == load.final_url {
        return "(the page's document)".into();
    }
    let page = url::Url::parse(&load.final_url).ok();
    match (url::Url::parse(&e.url), page) {
        (Ok(u), Some(p)) if u.origin() == p.origin() => {
            let mut k = u.path().to_string();
            if let Some(q) = u.query() {
                k.push('?');
                k.push_str(q);
            }
            k
        }
        _ => e.url.clone(),
    }
}

fn index(l: &Load) -> BTreeMap<String, &Entry> {
    l.entries
        .iter()
        .filter(|e| !e.blocked())
        .map(|e| (key_of(l, e), e))
        .collect()
}

/// One metric of both sides; `None` when a side never measured it.
pub fn metric_diff(metric: Metric, a: &Runs, b: &Runs, alpha: f64) -> Option<MetricDiff> {
    let (va, vb) = (values(metric, &a.runs), values(metric, &b.runs));
    diff_of_values(metric, &va, &vb, alpha)
}

/// A metric's values on both sides compared; `None` when a side has none.
fn diff_of_values(metric: Metric, va: &[f64], vb: &[f64], alpha: f64) -> Option<MetricDiff> {
    let (va, vb) = (va.to_vec(), vb.to_vec());
    let (sa, sb) = (Summary::of(&va)?, Summary::of(&vb)?);
    let diff = sb.median - sa.median;
    let ratio = (sa.median != 0.0).then(|| sb.median / sa.median);
    let mw = mann_whitney(&vb, &va);
    // A size or count that is the same in every run needs no test: say so instead of a p.
    let deterministic = !metric.is_timing() && sa.min == sa.max && sb.min == sb.max;
    let (significant, p) = if deterministic {
        (diff != 0.0, None)
    } else {
        let p = mw.map(|m| m.p);
        (p.is_some_and(|p| p < alpha) && diff != 0.0, p)
    };
    let verdict = if significant {
        Verdict::Differs {
            unit: metric.unit(),
            diff,
            ratio,
            p,
        }
    } else {
        Verdict::Same { p }
    };
    let delta = cliffs_delta(&vb, &va);
    Some(MetricDiff {
        key: MetricKey::measured(metric),
        unit: metric.unit(),
        diff,
        ratio,
        u: mw.map(|m| m.u),
        p,
        cliffs_delta: delta,
        effect: delta.map(cliffs_magnitude),
        ci95: bootstrap_median_diff_ci(&va, &vb, BOOTSTRAP_ROUNDS),
        significant,
        verdict,
        a: sa,
        b: sb,
        samples: [va, vb],
    })
}

/// Requests only in A's median run, only in B's, and in both with sizes that differ by more
/// than 1 %.
type RequestDiffs = (Vec<RequestDiff>, Vec<RequestDiff>, Vec<RequestDiff>);

fn request_diffs(la: &Load, lb: &Load) -> RequestDiffs {
    let (ia, ib) = (index(la), index(lb));
    let diff_of = |k: &String, ea: Option<&&Entry>, eb: Option<&&Entry>| {
        let (e, l) = match (ea, eb) {
            (Some(e), _) => (e, la),
            (None, e) => (e.expect("one side has it"), lb),
        };
        RequestDiff {
            key: k.clone(),
            resource_type: e.resource_type,
            entity: e.party.as_ref().and_then(|p| p.entity.clone()),
            initiator: e.initiator.location(),
            main_thread_ms: (l.main_thread.as_ref())
                .and_then(|m| m.by_url.iter().find(|c| c.url == e.url))
                .map(|c| c.total_ms),
            tag_main_thread_ms: (l.third_party_tags.iter())
                .find(|t| t.url == e.url)
                .and_then(|t| t.main_thread_ms),
            a_bytes: ea.map_or(0, |e| e.transfer_bytes),
            b_bytes: eb.map_or(0, |e| e.transfer_bytes),
        }
    };
    let only = |x: &BTreeMap<String, &Entry>, y: &BTreeMap<String, &Entry>, a_side: bool| {
        x.iter()
            .filter(|(k, _)| !y.contains_key(*k))
            .map(|(k, e)| match a_side {
                true => diff_of(k, Some(e), None),
                false => diff_of(k, None, Some(e)),
            })
            .collect()
    };
    let changed = ia
        .iter()
        .filter_map(|(k, ea)| {
            let eb = ib.get(k)?;
            let (x, y) = (ea.transfer_bytes as f64, eb.transfer_bytes as f64);
            ((x - y).abs() > 0.01 * x.max(y)).then(|| diff_of(k, Some(ea), Some(eb)))
        })
        .collect();
    (only(&ia, &ib, true), only(&ib, &ia, false), changed)
}

fn groups(fa: &BTreeMap<String, Bucket>, fb: &BTreeMap<String, Bucket>) -> Vec<GroupDiff> {
    let keys: BTreeSet<&String> = fa.keys().chain(fb.keys()).collect();
    keys.into_iter()
        .map(|k| GroupDiff {
            name: k.clone(),
            a: fa.get(k).copied().unwrap_or_default(),
            b: fb.get(k).copied().unwrap_or_default(),
        })
        .collect()
}

fn by_type(l: &Load) -> BTreeMap<String, Bucket> {
    l.totals
        .by_type
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect()
}

/// Per host, the page's own host named "(page's host)" so two servings of a site line up.
fn by_host(l: &Load) -> BTreeMap<String, Bucket> {
    let own = urls::host_port(&l.final_url);
    l.totals
        .by_host
        .iter()
        .map(|(h, v)| match own.as_deref() == Some(h.as_str()) {
            true => ("(page's host)".to_string(), *v),
            false => (h.clone(), *v),
        })
        .collect()
}

fn failures(r: &Runs) -> Vec<String> {
    r.failed_runs.iter().map(ToString::to_string).collect()
}

fn busy(r: &Runs) -> usize {
    r.runs.iter().filter(|l| l.partial).count()
}

fn both_zero(n: &(usize, usize)) -> bool {
    *n == (0, 0)
}

/// Compares two sets of runs; a difference is significant when p < `alpha`.
pub fn compare(a: &Runs, b: &Runs, alpha: f64) -> Comparison {
    let metrics = Metric::ALL
        .into_iter()
        .filter_map(|m| metric_diff(m, a, b, alpha))
        .collect();
    let (la, lb) = (a.median(), b.median());
    let (only_in_a, only_in_b, changed) = request_diffs(la, lb);
    Comparison {
        a: a.target.clone(),
        b: b.target.clone(),
        alpha,
        runs: (a.runs.len(), b.runs.len()),
        failed_runs: (failures(a), failures(b)),
        busy_runs: (busy(a), busy(b)),
        metrics,
        only_in_a,
        only_in_b,
        changed,
        by_type: groups(&by_type(la), &by_type(lb)),
        by_host: groups(&by_host(la), &by_host(lb)),
        by_entity: groups(&la.totals.by_entity, &lb.totals.by_entity),
        by_category: groups(&la.totals.by_category, &lb.totals.by_category),
        main_thread: cpu_diffs(a, b, alpha),
        carbon: with_costs(carbon_diffs(la, lb), la, lb),
    }
}

/// The carbon rows with each one's data cost on both sides, when both were priced (a
/// party's, an entity's or a tag's; the cost counts requests with no host as first party).
fn with_costs(mut rows: Vec<CarbonDiff>, la: &Load, lb: &Load) -> Vec<CarbonDiff> {
    let (Some(a), Some(b)) = (&la.data_cost, &lb.data_cost) else {
        return rows;
    };
    let of = |c: &crate::model::price::DataCost, r: &CarbonDiff| match (r.scope, r.name.as_str()) {
        (CpuScope::Party, "first party") => Some(c.first_party_usd),
        (CpuScope::Party, "third party") => Some(c.third_party_usd),
        (CpuScope::Party, _) => None,
        (CpuScope::Entity, n) => Some(c.by_entity.get(n).copied().unwrap_or(0.0)),
        (CpuScope::Tag, n) => Some(c.by_tag.get(n).copied().unwrap_or(0.0)),
    };
    for r in &mut rows {
        (r.a_usd, r.b_usd) = (of(a, r), of(b, r));
    }
    rows
}

/// Carbon per party, entity and tag of two median runs: the parties first, then entities
/// and tags, each by the size of their difference.
fn carbon_diffs(la: &Load, lb: &Load) -> Vec<CarbonDiff> {
    let (Some(a), Some(b)) = (&la.carbon, &lb.carbon) else {
        return Vec::new();
    };
    let diff = |scope, name: &str, a_g, b_g| CarbonDiff {
        scope,
        name: name.to_string(),
        a_g,
        b_g,
        a_usd: None,
        b_usd: None,
    };
    let mut out = vec![
        diff(
            CpuScope::Party,
            "first party",
            a.first_party_g,
            b.first_party_g,
        ),
        diff(
            CpuScope::Party,
            "third party",
            a.third_party_g,
            b.third_party_g,
        ),
    ];
    if a.unknown_party_g > 0.0 || b.unknown_party_g > 0.0 {
        out.push(diff(
            CpuScope::Party,
            "unknown party",
            a.unknown_party_g,
            b.unknown_party_g,
        ));
    }
    for (scope, (ma, mb)) in [
        (CpuScope::Entity, (&a.by_entity, &b.by_entity)),
        (CpuScope::Tag, (&a.by_tag, &b.by_tag)),
    ] {
        let names: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
        let mut rows: Vec<CarbonDiff> = (names.into_iter())
            .map(|n| {
                diff(
                    scope,
                    n,
                    ma.get(n).copied().unwrap_or(0.0),
                    mb.get(n).copied().unwrap_or(0.0),
                )
            })
            .collect();
        rows.sort_by(|x, y| (y.b_g - y.a_g).abs().total_cmp(&(x.b_g - x.a_g).abs()));
        out.extend(rows);
    }
    out
}

/// The parties' names, in the order they are shown.
const PARTIES: [&str; 4] = ["first party", "third party", "unknown party", "browser"];

/// One traced run's main-thread time and blocking time (where known), milliseconds, per
/// party, entity and tag.
type RunCpu = BTreeMap<(CpuScope, String), (f64, Option<f64>)>;

/// One traced run's [`RunCpu`]; `None` for a run with no trace.
fn cpu_of(l: &Load) -> Option<RunCpu> {
    let m = l.main_thread.as_ref()?;
    let p = m.by_party.as_ref()?;
    let mut out = BTreeMap::new();
    let party = [
        (p.first_party_ms, Some(p.first_party_blocking_ms)),
        (p.third_party_ms, Some(p.third_party_blocking_ms)),
        (p.unknown_party_ms, Some(p.unknown_party_blocking_ms)),
        (p.browser_ms, None),
    ];
    for (name, v) in PARTIES.iter().zip(party) {
        out.insert((CpuScope::Party, name.to_string()), v);
    }
    for e in &p.by_entity {
        let v = (e.main_thread_ms, Some(e.blocking_ms));
        out.insert((CpuScope::Entity, e.name.clone()), v);
    }
    for t in &l.third_party_tags {
        let v = (t.main_thread_ms.unwrap_or(0.0), t.blocking_ms);
        let slot = out
            .entry((CpuScope::Tag, t.url.clone()))
            .or_insert((0.0, v.1));
        slot.0 += v.0;
    }
    Some(out)
}

/// Each party's, entity's and tag's main-thread and blocking time, A against B: parties in
/// their order, then entities and tags, the costliest in A first.
fn cpu_diffs(a: &Runs, b: &Runs, alpha: f64) -> Vec<CpuDiff> {
    let (ca, cb): (Vec<_>, Vec<_>) = (
        a.runs.iter().filter_map(cpu_of).collect(),
        b.runs.iter().filter_map(cpu_of).collect(),
    );
    if ca.is_empty() || cb.is_empty() {
        return Vec::new();
    }
    let keys: BTreeSet<&(CpuScope, String)> = ca.iter().chain(&cb).flat_map(|r| r.keys()).collect();
    let side = |runs: &[RunCpu], k, blocking: bool| {
        let of = |r: &RunCpu| match r.get(k) {
            Some(&(ms, b)) => {
                if blocking {
                    b
                } else {
                    Some(ms)
                }
            }
            None => Some(0.0),
        };
        runs.iter().filter_map(of).collect::<Vec<f64>>()
    };
    let mut out: Vec<CpuDiff> = keys
        .into_iter()
        .filter_map(|k| {
            let main_thread = diff_of_values(
                Metric::MainThread,
                &side(&ca, k, false),
                &side(&cb, k, false),
                alpha,
            )?;
            let blocking = diff_of_values(
                Metric::MainThreadBlocking,
                &side(&ca, k, true),
                &side(&cb, k, true),
                alpha,
            );
            Some(CpuDiff {
                scope: k.0,
                name: k.1.clone(),
                main_thread,
                blocking,
            })
        })
        .collect();
    let rank = |d: &CpuDiff| {
        PARTIES
            .iter()
            .position(|p| d.scope == CpuScope::Party && *p == d.name)
    };
    out.sort_by(|x, y| {
        (x.scope, rank(x))
            .cmp(&(y.scope, rank(y)))
            .then(y.main_thread.a.median.total_cmp(&x.main_thread.a.median))
            .then(x.name.cmp(&y.name))
    });
    out
}

/// Tests, and runs the gate tests make too.
#[cfg(test)]
pub mod tests {
    use super::*;

    pub(crate) fn runs_of(requests: &[usize]) -> Runs {
        let loads = requests
            .iter()
            .map(|n| crate::har::testing::load_of(*n, 10.0))
            .collect();
        Runs::new("t".into(), false, loads, Vec::new()).unwrap()
    }

    /// A traced run of `ms` of main thread, `ad_ms` of it an ad entity's (absent at 0).
    pub(crate) fn traced(ms: f64, ad_ms: f64) -> Load {
        use crate::trace::{EntityCpu, MainThread, PartyCpu};
        let mut l = crate::har::testing::load_of(1, 10.0);
        let by_entity = (ad_ms > 0.0)
            .then(|| EntityCpu {
                name: "Ads".into(),
                main_thread_ms: ad_ms,
                blocking_ms: ad_ms / 4.0,
            })
            .into_iter()
            .collect();
        l.main_thread = Some(MainThread {
            total_ms: ms + ad_ms,
            by_party: Some(PartyCpu {
                first_party_ms: ms,
                third_party_ms: ad_ms,
                third_party_blocking_ms: ad_ms / 4.0,
                by_entity,
                ..PartyCpu::default()
            }),
            ..MainThread::default()
        });
        l
    }

    /// Main-thread time per party and entity is compared as a metric: an entity a traced
    /// run of B does not have cost it 0 ms there; runs without a trace give no rows at all.
    #[test]
    fn an_entity_missing_from_bs_traced_runs_cost_it_nothing_there() {
        let runs = |loads: Vec<Load>| Runs::new("t".into(), false, loads, Vec::new()).unwrap();
        let a = runs(
            (0..5)
                .map(|i| traced(100.0 + i as f64, 300.0 + i as f64))
                .collect(),
        );
        let b = runs((0..5).map(|i| traced(100.0 + i as f64, 0.0)).collect());
        let c = compare(&a, &b, ALPHA);
        let ads = (c.main_thread.iter())
            .find(|d| d.scope == CpuScope::Entity && d.name == "Ads")
            .unwrap();
        assert_eq!(
            (ads.main_thread.a.median, ads.main_thread.b.median),
            (302.0, 0.0)
        );
        assert!(ads.main_thread.significant && ads.main_thread.p.unwrap() < 0.01);
        assert_eq!(ads.blocking.as_ref().unwrap().b.median, 0.0);
        let first = &c.main_thread[0];
        assert_eq!(
            (first.scope, first.name.as_str()),
            (CpuScope::Party, "first party")
        );
        assert!(!first.main_thread.significant, "the same in both");
        let untraced = runs_of(&[3; 5]);
        assert!(compare(&a, &untraced, ALPHA).main_thread.is_empty());
        let words = crate::report::words::one_sided_cpu(ads).unwrap();
        assert!(
            words.starts_with("Ads (entity), only in A: 302 ms of main thread (p=0.00"),
            "{words}"
        );
        assert!(words.contains("76 ms of blocking time (p="), "{words}");
    }

    /// A size or count the same in every run of both sides is certain: no test, the
    /// difference is the verdict. When either side varies, a test decides.
    #[test]
    fn a_count_that_varies_on_either_side_is_tested() {
        let (same, more, varies) = (
            runs_of(&[10, 10, 10]),
            runs_of(&[12, 12, 12]),
            runs_of(&[10, 12, 14]),
        );
        let d = metric_diff(Metric::Requests, &same, &more, ALPHA).unwrap();
        assert_eq!((d.p, d.verdict.significant()), (None, true));
        for (a, b) in [(&same, &varies), (&varies, &same)] {
            let d = metric_diff(Metric::Requests, a, b, ALPHA).unwrap();
            assert!(d.p.is_some(), "a test ran");
            assert!(!d.verdict.significant(), "3 runs cannot show it");
        }
    }

    /// Significant means p below alpha: a p equal to alpha is not.
    #[test]
    fn a_p_value_equal_to_alpha_is_not_significant() {
        let timed = |ms: [f64; 3]| {
            let loads = ms
                .iter()
                .map(|t| crate::har::testing::load_of(1, *t))
                .collect();
            Runs::new("t".into(), false, loads, Vec::new()).unwrap()
        };
        let (a, b) = (timed([10.0, 11.0, 12.0]), timed([20.0, 21.0, 22.0]));
        let p = crate::verdict::stats::mann_whitney(&[20.0, 21.0, 22.0], &[10.0, 11.0, 12.0])
            .unwrap()
            .p;
        let at = metric_diff(Metric::FullyLoaded, &a, &b, p).unwrap();
        assert_eq!(at.p, Some(p));
        assert!(!at.verdict.significant(), "p = alpha");
        let above = metric_diff(Metric::FullyLoaded, &a, &b, p * 1.01).unwrap();
        assert!(above.verdict.significant(), "p < alpha");
    }

    /// A request is "changed" when its size differs by more than 1 % of the larger.
    #[test]
    fn a_request_changed_by_more_than_one_percent_is_listed() {
        let doc = ("/", 500);
        let a = crate::har::testing::load_sized(&[
            doc,
            ("/same", 1000),
            ("/edge", 1000),
            ("/grew", 1000),
        ]);
        let b = crate::har::testing::load_sized(&[
            doc,
            ("/same", 1000),
            ("/edge", 990),
            ("/grew", 1100),
        ]);
        let (only_a, only_b, changed) = request_diffs(&a, &b);
        assert!(only_a.is_empty() && only_b.is_empty());
        let keys: Vec<&str> = changed.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["/grew"], "1 % exactly is not a change");
    }

    /// Per type and per host, both sides; the page's own host under one name, so that two
    /// servings of a site (two ports, two hosts) line up.
    #[test]
    fn groups_line_up_by_type_and_by_host() {
        let runs = |page: &str, cdn_bytes: u64| {
            let load = crate::har::testing::load_sized(&[
                (page, 500),
                (&format!("{page}x.png"), 1000),
                ("https://cdn.example/y.png", cdn_bytes),
            ]);
            Runs::new("t".into(), false, vec![load], Vec::new()).unwrap()
        };
        let c = compare(
            &runs("https://a.example/", 100),
            &runs("https://b.example/", 300),
            ALPHA,
        );
        let group = |g: &[GroupDiff], name: &str| {
            let d = g
                .iter()
                .find(|d| d.name == name)
                .unwrap_or_else(|| panic!("no {name}"));
            (d.a.transfer_bytes, d.b.transfer_bytes)
        };
        assert_eq!(group(&c.by_host, "(page's host)"), (1500, 1500));
        assert_eq!(group(&c.by_host, "cdn.example"), (100, 300));
        assert_eq!(c.by_host.len(), 2);
        assert_eq!(group(&c.by_type, "image"), (1100, 1300));
        assert_eq!(group(&c.by_type, "document"), (500, 500));
    }

    #[test]
    fn only_a_difference_is_significant() {
        assert!(!Verdict::Same { p: Some(0.4) }.significant());
        assert!(!Verdict::Same { p: None }.significant());
        let differs = Verdict::Differs {
            unit: Unit::Bytes,
            diff: 10.0,
            ratio: Some(1.1),
            p: None,
        };
        assert!(differs.significant());
    }

    /// A page's requests keyed so that two servings of a site match: the final document by
    /// name, same-origin URLs by path and query, others whole.
    #[test]
    fn requests_are_keyed_by_path_on_the_page_origin_and_whole_elsewhere() {
        let entry = |url: &str, ty: &str, status: u16, to: &str| {
            format!(
                r#"{{"startedDateTime": "2026-01-10T10:00:00.000Z", "time": 5,
                "request": {{"method": "GET", "url": "{url}", "headers": []}},
                "response": {{"status": {status}, "headers": [], "redirectURL": "{to}",
                "content": {{"size": 10, "mimeType": "text/html"}}, "bodySize": 10}},
                "timings": {{"send": 0, "wait": 5, "receive": 0}}, "_resourceType": "{ty}"}}"#
            )
        };
        let entries = [
            entry(
                "https://a.example/old",
                "document",
                302,
                "https://a.example/",
            ),
            entry("https://a.example/", "document", 200, ""),
            entry("https://a.example/x.png?v=1", "image", 200, ""),
            entry("https://b.example/x.png", "image", 200, ""),
        ];
        let har = format!(r#"{{"log": {{"entries": [{}]}}}}"#, entries.join(","));
        let load = crate::har::import(&har, "t.har", None).unwrap();
        assert_eq!(
            load.final_url, "https://a.example/",
            "the redirect's target is the page"
        );
        let keys: Vec<String> = load.entries.iter().map(|e| key_of(&load, e)).collect();
        assert_eq!(
            keys,
            [
                "/old",
                "(the page's document)",
                "/x.png?v=1",
                "https://b.example/x.png"
            ]
        );
    }
}
