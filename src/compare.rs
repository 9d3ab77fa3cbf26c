//! Two variants of a page side by side: per-metric medians with spread, difference, ratio and
//! a significance test; requests only in one variant or changed in size; deltas per type,
//! host, entity and category; and a regression gate. Pure: runs in, comparison out.

use crate::model::{Bucket, Entry, Load};
use crate::runs::{metrics_of, Runs};
use crate::stats::{
    bootstrap_median_diff_ci, cliffs_delta, cliffs_magnitude, mann_whitney, Summary,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Significance level for "significant".
pub const ALPHA: f64 = 0.05;
/// Bootstrap resamples for the confidence interval.
pub const BOOTSTRAP_ROUNDS: usize = 2000;

/// One metric of both variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDiff {
    /// Metric name (`fully_loaded_ms`, `transfer_bytes` ...).
    pub name: String,
    /// `ms`, `bytes` or `count`.
    pub unit: String,
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
    /// Its magnitude: negligible, small, medium, large (Romano et al.).
    pub effect: Option<String>,
    /// Bootstrap 95 % confidence interval of `median(B) - median(A)`.
    pub ci95: Option<(f64, f64)>,
    /// Whether the difference is real: p below 0.05, or, for sizes and counts, both variants
    /// constant over their runs and different (a deterministic difference).
    pub significant: bool,
    /// The verdict in words.
    pub verdict: String,
}

/// A request present in one variant only, or in both with different sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestDiff {
    /// URL (same-origin URLs as paths, so two servings of one site line up).
    pub key: String,
    /// Resource type.
    pub resource_type: String,
    /// Entity, when the dataset knows the host.
    pub entity: Option<String>,
    /// Bytes in A (0 when absent).
    pub a_bytes: u64,
    /// Bytes in B (0 when absent).
    pub b_bytes: u64,
}

/// One group (a type, host, entity or category) in both variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupDiff {
    /// Group name.
    pub name: String,
    /// In A's median run.
    pub a: Bucket,
    /// In B's median run.
    pub b: Bucket,
}

/// Two variants compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// A's target.
    pub a: String,
    /// B's target.
    pub b: String,
    /// Successful runs of each.
    pub runs: (usize, usize),
    /// Runs that failed, per variant, with why.
    pub failed_runs: (Vec<String>, Vec<String>),
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
}

fn plain(v: f64, unit: &str) -> String {
    match unit {
        "ms" => crate::report::human_ms(v.abs()),
        "bytes" => crate::report::human_bytes(v.abs().round() as u64),
        _ => format!("{:.0}", v.abs()),
    }
}

fn verdict(
    name: &str,
    unit: &str,
    diff: f64,
    ratio: Option<f64>,
    p: Option<f64>,
    significant: bool,
) -> String {
    if !significant {
        return match p {
            Some(p) => format!("no significant difference (p={p:.3})"),
            None => "no significant difference".into(),
        };
    }
    let less = diff < 0.0;
    let (word, more_word) = match unit {
        "ms" => ("faster", "slower"),
        _ if name.contains("bytes") => ("lighter", "heavier"),
        _ => ("fewer", "more"),
    };
    let factor = ratio
        .filter(|r| *r > 0.0)
        .map(|r| if less { 1.0 / r } else { r });
    let amount = plain(diff, unit);
    let change = if less { "less" } else { "more" };
    let p_text = p.map_or_else(
        || "the same in every run".to_string(),
        |p| format!("p={p:.3}"),
    );
    if unit == "count" {
        let x = factor.map_or_else(String::new, |f| format!(" ({f:.1}x)"));
        return format!(
            "B makes {amount} {} requests{x}, {p_text}",
            if less { "fewer" } else { "more" }
        );
    }
    match (factor, unit) {
        (Some(f), _) if (f - 1.0).abs() >= 0.05 => {
            format!(
                "B is {f:.1}x {}, {amount} {change}, {p_text}",
                if less { word } else { more_word }
            )
        }
        _ => format!("B is {amount} {change}, {p_text}"),
    }
}

/// The same request in two servings of a site: same-origin URLs keyed by path and query.
fn key_of(load: &Load, e: &Entry) -> String {
    if e.resource_type == crate::model::ResourceType::Document && e.url == load.final_url {
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

/// Compares two sets of runs.
pub fn compare(a: &Runs, b: &Runs) -> Comparison {
    let mut metrics = Vec::new();
    let names: Vec<(&str, &str)> = metrics_of(&a.runs[0])
        .iter()
        .map(|(n, u, _)| (*n, *u))
        .collect();
    for (i, (name, unit)) in names.iter().enumerate() {
        let va: Vec<f64> = a.runs.iter().filter_map(|l| metrics_of(l)[i].2).collect();
        let vb: Vec<f64> = b.runs.iter().filter_map(|l| metrics_of(l)[i].2).collect();
        let (Some(sa), Some(sb)) = (Summary::of(&va), Summary::of(&vb)) else {
            continue;
        };
        let diff = sb.median - sa.median;
        let ratio = (sa.median != 0.0).then(|| sb.median / sa.median);
        let mw = mann_whitney(&vb, &va);
        let p = mw.map(|m| m.p);
        let deterministic = *unit != "ms" && sa.min == sa.max && sb.min == sb.max;
        let significant = if deterministic {
            diff != 0.0
        } else {
            p.is_some_and(|p| p < ALPHA) && diff != 0.0
        };
        // A size or count that is the same in every run needs no test: say so instead of a p.
        let p_shown = if deterministic { None } else { p };
        metrics.push(MetricDiff {
            name: name.to_string(),
            unit: unit.to_string(),
            diff,
            ratio,
            u: mw.map(|m| m.u),
            p: p_shown,
            cliffs_delta: cliffs_delta(&vb, &va),
            effect: cliffs_delta(&vb, &va).map(|d| cliffs_magnitude(d).to_string()),
            ci95: bootstrap_median_diff_ci(&va, &vb, BOOTSTRAP_ROUNDS),
            significant,
            verdict: verdict(name, unit, diff, ratio, p_shown, significant),
            a: sa,
            b: sb,
        });
    }
    let (la, lb) = (a.median(), b.median());
    let (ia, ib) = (index(la), index(lb));
    let diff_of = |k: &String, ea: Option<&&Entry>, eb: Option<&&Entry>| {
        let e = ea.or(eb).expect("one side has it");
        RequestDiff {
            key: k.clone(),
            resource_type: e.resource_type.to_string(),
            entity: e.party.as_ref().and_then(|p| p.entity.clone()),
            a_bytes: ea.map_or(0, |e| e.transfer_bytes),
            b_bytes: eb.map_or(0, |e| e.transfer_bytes),
        }
    };
    let only_in_a = ia
        .iter()
        .filter(|(k, _)| !ib.contains_key(*k))
        .map(|(k, e)| diff_of(k, Some(e), None))
        .collect();
    let only_in_b = ib
        .iter()
        .filter(|(k, _)| !ia.contains_key(*k))
        .map(|(k, e)| diff_of(k, None, Some(e)))
        .collect();
    let changed = ia
        .iter()
        .filter_map(|(k, ea)| {
            let eb = ib.get(k)?;
            let (x, y) = (ea.transfer_bytes as f64, eb.transfer_bytes as f64);
            ((x - y).abs() > 0.01 * x.max(y)).then(|| diff_of(k, Some(ea), Some(eb)))
        })
        .collect();
    let groups = |fa: &BTreeMap<String, Bucket>, fb: &BTreeMap<String, Bucket>| -> Vec<GroupDiff> {
        let keys: BTreeSet<&String> = fa.keys().chain(fb.keys()).collect();
        keys.into_iter()
            .map(|k| GroupDiff {
                name: k.clone(),
                a: fa.get(k).copied().unwrap_or_default(),
                b: fb.get(k).copied().unwrap_or_default(),
            })
            .collect()
    };
    let by_type_map = |l: &Load| {
        l.totals
            .by_type
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>()
    };
    let host_map = |l: &Load| {
        l.totals
            .by_host
            .iter()
            .map(|(h, v)| {
                // The page's own host is "(page)" so two servings of a site line up.
                let own = url::Url::parse(&l.final_url).ok().map(|u| {
                    let host = u.host_str().unwrap_or_default().to_string();
                    match u.port() {
                        Some(p) => format!("{host}:{p}"),
                        None => host,
                    }
                });
                let name = if own.as_deref() == Some(h.as_str()) {
                    "(page's host)".to_string()
                } else {
                    h.clone()
                };
                (name, *v)
            })
            .collect::<BTreeMap<_, _>>()
    };
    Comparison {
        a: a.target.clone(),
        b: b.target.clone(),
        runs: (a.runs.len(), b.runs.len()),
        failed_runs: (
            a.failed_runs
                .iter()
                .map(|f| format!("run {}: {}", f.run + 1, f.error))
                .collect(),
            b.failed_runs
                .iter()
                .map(|f| format!("run {}: {}", f.run + 1, f.error))
                .collect(),
        ),
        metrics,
        only_in_a,
        only_in_b,
        changed,
        by_type: groups(&by_type_map(la), &by_type_map(lb)),
        by_host: groups(&host_map(la), &host_map(lb)),
        by_entity: groups(&la.totals.by_entity, &lb.totals.by_entity),
        by_category: groups(&la.totals.by_category, &lb.totals.by_category),
    }
}

/// A regression gate: `METRIC>+N%`, `METRIC>+N` with a unit (`ms`, `s`, `KB`, `MB`, `B`), or
/// a plain count. Metrics: `bytes` (transferred), `decoded`, `requests`, `ttfb`,
/// `fully_loaded`. It fails only when B is worse than A by more than the threshold and the
/// difference is significant.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// The gate as written.
    pub text: String,
    metric: String,
    percent: Option<f64>,
    absolute: Option<f64>,
}

impl Gate {
    /// Parses a gate, naming what is wrong.
    pub fn parse(s: &str) -> Result<Gate, String> {
        let t = s.replace(' ', "");
        let (name, limit) = t
            .split_once(">+")
            .or_else(|| t.split_once('>'))
            .ok_or_else(|| {
                format!("{s}: expected METRIC>+LIMIT, e.g. bytes>+10% or fully_loaded>+200ms")
            })?;
        let metric = match name {
            "bytes" | "transfer_bytes" | "transferred" => "transfer_bytes",
            "decoded" | "decoded_bytes" => "decoded_bytes",
            "requests" => "requests",
            "ttfb" | "document_ttfb" | "document_ttfb_ms" => "document_ttfb_ms",
            "fully_loaded" | "fully_loaded_ms" | "load" => "fully_loaded_ms",
            other => {
                return Err(format!(
                "{s}: unknown metric '{other}' (use bytes, decoded, requests, ttfb, fully_loaded)"
            ))
            }
        };
        if let Some(p) = limit.strip_suffix('%') {
            let p: f64 = p
                .parse()
                .map_err(|_| format!("{s}: '{limit}' is not a percentage"))?;
            return Ok(Gate {
                text: s.to_string(),
                metric: metric.into(),
                percent: Some(p),
                absolute: None,
            });
        }
        let split = limit
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(limit.len());
        let (num, unit) = limit.split_at(split);
        let v: f64 = num
            .parse()
            .map_err(|_| format!("{s}: '{limit}' is not a number"))?;
        let scale = match (metric, unit.to_ascii_lowercase().as_str()) {
            ("document_ttfb_ms" | "fully_loaded_ms", "ms" | "") => 1.0,
            ("document_ttfb_ms" | "fully_loaded_ms", "s") => 1000.0,
            ("transfer_bytes" | "decoded_bytes", "" | "b") => 1.0,
            ("transfer_bytes" | "decoded_bytes", "kb") => 1e3,
            ("transfer_bytes" | "decoded_bytes", "mb") => 1e6,
            ("transfer_bytes" | "decoded_bytes", "kib") => 1024.0,
            ("requests", "") => 1.0,
            (_, u) => return Err(format!("{s}: unit '{u}' does not fit {metric}")),
        };
        Ok(Gate {
            text: s.to_string(),
            metric: metric.into(),
            percent: None,
            absolute: Some(v * scale),
        })
    }

    /// Whether the comparison trips the gate; with the reason.
    pub fn check(&self, c: &Comparison) -> (bool, String) {
        let Some(m) = c.metrics.iter().find(|m| m.name == self.metric) else {
            return (false, format!("{}: metric not measured", self.text));
        };
        let over = match (self.percent, self.absolute) {
            (Some(p), _) => m.a.median > 0.0 && m.diff / m.a.median * 100.0 > p,
            (_, Some(x)) => m.diff > x,
            _ => false,
        };
        let tripped = over && m.significant;
        let why = if tripped {
            format!("{}: tripped ({})", self.text, m.verdict)
        } else if over {
            format!(
                "{}: over the threshold but not significant ({})",
                self.text, m.verdict
            )
        } else {
            format!("{}: within ({})", self.text, m.verdict)
        };
        (tripped, why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_plainly() {
        assert_eq!(
            verdict(
                "fully_loaded_ms",
                "ms",
                -11_600.0,
                Some(2.7 / 14.3),
                Some(0.008),
                true
            ),
            "B is 5.3x faster, 11.60 s less, p=0.008"
        );
        assert_eq!(
            verdict("fully_loaded_ms", "ms", 5.0, Some(1.01), Some(0.7), false),
            "no significant difference (p=0.700)"
        );
        assert_eq!(
            verdict("requests", "count", -80.0, Some(0.2), None, true),
            "B makes 80 fewer requests (5.0x), the same in every run"
        );
    }

    #[test]
    fn gates_parse_percentages_and_units_and_refuse_nonsense() {
        assert!(Gate::parse("bytes>+10%").is_ok());
        assert!(Gate::parse("fully_loaded>+200ms").is_ok());
        assert_eq!(
            Gate::parse("fully_loaded>+2s").unwrap().absolute,
            Some(2000.0)
        );
        assert_eq!(Gate::parse("bytes>+50KB").unwrap().absolute, Some(50_000.0));
        assert!(Gate::parse("speed>+1")
            .unwrap_err()
            .contains("unknown metric"));
        assert!(Gate::parse("requests>+5ms").unwrap_err().contains("unit"));
        assert!(Gate::parse("bytes").is_err());
    }
}
