//! Performance budgets: Lighthouse CI's `budget.json` read as it is, plus pagecost's
//! extensions under the key `"pagecost"`, judged against loads. Pure.
//!
//! ```json
//! [{
//!   "path": "/*",
//!   "options": { "firstPartyHostnames": ["*.example.com"] },
//!   "resourceSizes": [{ "resourceType": "script", "budget": 125 }],
//!   "resourceCounts": [{ "resourceType": "third-party", "budget": 10 }],
//!   "timings": [{ "metric": "fully-loaded", "budget": 3000 }],
//!   "pagecost": {
//!     "broken": 0,
//!     "entities": [{ "name": "Google/Doubleclick Ads", "requests": 0, "size": 0 }],
//!     "categories": [{ "name": "ad", "requests": 5, "size": 100 }],
//!     "firstParty": { "resourceSizes": [], "resourceCounts": [] },
//!     "largestRequest": [{ "resourceType": "image", "budget": 200 }]
//!   }
//! }]
//! ```
//! Sizes are KiB of transfer size (1 KiB = 1024 bytes), as in Lighthouse.

use crate::error::{Error, Result};
use crate::model::{Entry, Load, ResourceType};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// Lighthouse's budget resource types.
pub const RESOURCE_TYPES: [&str; 9] = [
    "document",
    "font",
    "image",
    "media",
    "other",
    "script",
    "stylesheet",
    "third-party",
    "total",
];
/// Timing metrics pagecost measures.
pub const SUPPORTED_TIMINGS: [&str; 2] = ["time-to-first-byte", "fully-loaded"];
/// Lighthouse timing metrics that need a browser's rendering: read, reported unsupported.
pub const LIGHTHOUSE_TIMINGS: [&str; 11] = [
    "first-contentful-paint",
    "first-cpu-idle",
    "interactive",
    "first-meaningful-paint",
    "max-potential-fid",
    "estimated-input-latency",
    "total-blocking-time",
    "speed-index",
    "largest-contentful-paint",
    "cumulative-layout-shift",
    "server-response-time",
];

/// A limit on one resource type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeLimit {
    /// One of [`RESOURCE_TYPES`].
    pub resource_type: String,
    /// KiB for sizes, requests for counts.
    pub budget: f64,
}

/// A timing limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingLimit {
    /// Metric name.
    pub metric: String,
    /// Milliseconds.
    pub budget: f64,
    /// Extra milliseconds allowed before failing (Lighthouse's `tolerance`).
    pub tolerance: f64,
}

/// A limit on an entity or category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedLimit {
    /// Entity or category name.
    pub name: String,
    /// Most requests.
    pub requests: Option<f64>,
    /// Most KiB transferred.
    pub size: Option<f64>,
}

/// One budget of the file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Budget {
    /// robots.txt-style path pattern; `None` matches every page.
    pub path: Option<String>,
    /// `options.firstPartyHostnames`.
    pub first_party_hostnames: Vec<String>,
    /// `resourceSizes` (KiB).
    pub sizes: Vec<TypeLimit>,
    /// `resourceCounts`.
    pub counts: Vec<TypeLimit>,
    /// `timings`.
    pub timings: Vec<TimingLimit>,
    /// `pagecost.broken`: most broken or empty subresources.
    pub broken: Option<f64>,
    /// `pagecost.entities`.
    pub entities: Vec<NamedLimit>,
    /// `pagecost.categories`.
    pub categories: Vec<NamedLimit>,
    /// `pagecost.firstParty.resourceSizes`.
    pub first_party_sizes: Vec<TypeLimit>,
    /// `pagecost.firstParty.resourceCounts`.
    pub first_party_counts: Vec<TypeLimit>,
    /// `pagecost.largestRequest`: the largest single request of a type, KiB.
    pub largest_request: Vec<TypeLimit>,
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn err(&self, path: &str, what: &str) -> Error {
        Error::InvalidSetting {
            setting: format!("{}: {path}", self.file),
            reason: what.to_string(),
        }
    }

    fn num(&self, v: &Value, path: &str) -> Result<f64> {
        v.as_f64()
            .filter(|n| *n >= 0.0)
            .ok_or_else(|| self.err(path, "expected a number >= 0"))
    }

    fn opt_num(
        &self,
        o: &serde_json::Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Result<Option<f64>> {
        o.get(key)
            .map(|v| self.num(v, &format!("{path}.{key}")))
            .transpose()
    }

    fn obj<'v>(&self, v: &'v Value, path: &str) -> Result<&'v serde_json::Map<String, Value>> {
        v.as_object()
            .ok_or_else(|| self.err(path, "expected an object"))
    }

    fn arr<'v>(&self, v: Option<&'v Value>, path: &str) -> Result<&'v [Value]> {
        match v {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(self.err(path, "expected an array")),
        }
    }

    fn str<'v>(&self, v: Option<&'v Value>, path: &str) -> Result<&'v str> {
        v.and_then(Value::as_str)
            .ok_or_else(|| self.err(path, "expected a string"))
    }

    fn type_limits(&self, v: Option<&Value>, path: &str) -> Result<Vec<TypeLimit>> {
        let mut out = Vec::new();
        for (i, item) in self.arr(v, path)?.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let o = self.obj(item, &p)?;
            let rt = self.str(o.get("resourceType"), &format!("{p}.resourceType"))?;
            if !RESOURCE_TYPES.contains(&rt) {
                return Err(self.err(
                    &format!("{p}.resourceType"),
                    &format!(
                        "unknown resource type '{rt}' (valid: {})",
                        RESOURCE_TYPES.join(", ")
                    ),
                ));
            }
            let budget = self.num(
                o.get("budget").unwrap_or(&Value::Null),
                &format!("{p}.budget"),
            )?;
            out.push(TypeLimit {
                resource_type: rt.to_string(),
                budget,
            });
        }
        Ok(out)
    }

    fn named(
        &self,
        v: Option<&Value>,
        path: &str,
        known: &[&str],
        what: &str,
    ) -> Result<Vec<NamedLimit>> {
        let mut out = Vec::new();
        for (i, item) in self.arr(v, path)?.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let o = self.obj(item, &p)?;
            let name = self.str(o.get("name"), &format!("{p}.name"))?;
            if !known.contains(&name) {
                let close = crate::party::close_matches(name, known.iter().copied());
                return Err(self.err(
                    &format!("{p}.name"),
                    &format!("unknown {what} '{name}'{}", did_you_mean(&close)),
                ));
            }
            out.push(NamedLimit {
                name: name.to_string(),
                requests: self.opt_num(o, "requests", &p)?,
                size: self.opt_num(o, "size", &p)?,
            });
        }
        Ok(out)
    }
}

fn did_you_mean(close: &[&str]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!(" (did you mean: {}?)", close.join(", "))
    }
}

/// Reads a budget file: Lighthouse CI's format, as it is, with pagecost's extensions.
/// Errors name the file, the JSON path and what was expected.
pub fn parse(text: &str, file: &str) -> Result<Vec<Budget>> {
    let r = Reader { file };
    let root: Value = serde_json::from_str(text)
        .map_err(|e| r.err("(document)", &format!("invalid JSON: {e}")))?;
    let items = match &root {
        Value::Array(a) => a.as_slice(),
        _ => return Err(r.err("(document)", "expected an array of budgets")),
    };
    let entities: Vec<&str> = crate::party::Entities::embedded()
        .all()
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let categories = crate::party::Entities::embedded().categories();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("[{i}]");
        let o = r.obj(item, &p)?;
        for key in o.keys() {
            if ![
                "path",
                "options",
                "resourceSizes",
                "resourceCounts",
                "timings",
                "pagecost",
            ]
            .contains(&key.as_str())
            {
                return Err(r.err(
                    &format!("{p}.{key}"),
                    "unknown key (valid: path, options, resourceSizes, resourceCounts, timings, pagecost)",
                ));
            }
        }
        let mut b = Budget {
            path: o
                .get("path")
                .map(|v| r.str(Some(v), &format!("{p}.path")).map(str::to_string))
                .transpose()?,
            ..Budget::default()
        };
        if let Some(opts) = o.get("options") {
            let oo = r.obj(opts, &format!("{p}.options"))?;
            for (j, h) in r
                .arr(
                    oo.get("firstPartyHostnames"),
                    &format!("{p}.options.firstPartyHostnames"),
                )?
                .iter()
                .enumerate()
            {
                b.first_party_hostnames.push(
                    r.str(Some(h), &format!("{p}.options.firstPartyHostnames[{j}]"))?
                        .to_string(),
                );
            }
        }
        b.sizes = r.type_limits(o.get("resourceSizes"), &format!("{p}.resourceSizes"))?;
        b.counts = r.type_limits(o.get("resourceCounts"), &format!("{p}.resourceCounts"))?;
        for (j, t) in r
            .arr(o.get("timings"), &format!("{p}.timings"))?
            .iter()
            .enumerate()
        {
            let tp = format!("{p}.timings[{j}]");
            let to = r.obj(t, &tp)?;
            let metric = r.str(to.get("metric"), &format!("{tp}.metric"))?;
            if !SUPPORTED_TIMINGS.contains(&metric) && !LIGHTHOUSE_TIMINGS.contains(&metric) {
                let mut valid: Vec<&str> = SUPPORTED_TIMINGS.to_vec();
                valid.extend(LIGHTHOUSE_TIMINGS);
                return Err(r.err(
                    &format!("{tp}.metric"),
                    &format!("unknown metric '{metric}' (valid: {})", valid.join(", ")),
                ));
            }
            b.timings.push(TimingLimit {
                metric: metric.to_string(),
                budget: r.num(
                    to.get("budget").unwrap_or(&Value::Null),
                    &format!("{tp}.budget"),
                )?,
                tolerance: r.opt_num(to, "tolerance", &tp)?.unwrap_or(0.0),
            });
        }
        if let Some(ext) = o.get("pagecost") {
            let ep = format!("{p}.pagecost");
            let eo = r.obj(ext, &ep)?;
            b.broken = r.opt_num(eo, "broken", &ep)?;
            b.entities = r.named(
                eo.get("entities"),
                &format!("{ep}.entities"),
                &entities,
                "entity",
            )?;
            b.categories = r.named(
                eo.get("categories"),
                &format!("{ep}.categories"),
                &categories,
                "category",
            )?;
            if let Some(fp) = eo.get("firstParty") {
                let fo = r.obj(fp, &format!("{ep}.firstParty"))?;
                b.first_party_sizes = r.type_limits(
                    fo.get("resourceSizes"),
                    &format!("{ep}.firstParty.resourceSizes"),
                )?;
                b.first_party_counts = r.type_limits(
                    fo.get("resourceCounts"),
                    &format!("{ep}.firstParty.resourceCounts"),
                )?;
            }
            b.largest_request =
                r.type_limits(eo.get("largestRequest"), &format!("{ep}.largestRequest"))?;
        }
        out.push(b);
    }
    Ok(out)
}

/// Reads a budget file from disk.
pub fn read(path: &Path) -> Result<Vec<Budget>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// Whether a robots.txt-style pattern matches a URL path: `*` any run of characters, `$` at
/// the end anchors; otherwise a prefix match.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let (pat, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pat.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
            continue;
        }
        if i == parts.len() - 1 && anchored {
            return path.len() >= pos + part.len() && path.ends_with(part);
        }
        match path[pos..].find(part) {
            Some(at) => pos += at + part.len(),
            None => return false,
        }
    }
    !anchored || pos == path.len()
}

/// The budget that applies to a page: the last one whose path matches (Lighthouse's rule).
pub fn select<'a>(budgets: &'a [Budget], page_url: &str) -> Option<&'a Budget> {
    let path = url::Url::parse(page_url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| "/".into());
    budgets
        .iter()
        .rev()
        .find(|b| b.path.as_deref().is_none_or(|p| path_matches(p, &path)))
}

/// The verdict of one budget line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within the limit.
    Pass,
    /// Over the limit.
    Fail,
    /// The metric needs a browser; read but not judged.
    Unsupported,
}

/// One judged budget line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Where it comes from, e.g. `resourceSizes.script`.
    pub name: String,
    /// Measured value (the worst run for sizes and counts, the median for timings).
    pub actual: f64,
    /// The limit.
    pub limit: f64,
    /// `KiB`, `requests` or `ms`.
    pub unit: String,
    /// Verdict.
    pub status: Status,
    /// Runs over the limit, of all runs judged.
    pub failing_runs: usize,
    /// Runs judged.
    pub runs: usize,
    /// What is over, with where it is referenced (for broken and largest-request lines).
    pub details: Vec<String>,
}

impl Line {
    /// How far over the limit (0 when within).
    pub fn over_by(&self) -> f64 {
        (self.actual - self.limit).max(0.0)
    }
}

/// The result of judging loads against a budget file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Index of the budget applied, if one matched the page.
    pub budget: Option<usize>,
    /// Every line.
    pub lines: Vec<Line>,
}

impl Verdict {
    /// Whether any line failed.
    pub fn failed(&self) -> bool {
        self.lines.iter().any(|l| l.status == Status::Fail)
    }
}

fn kib(bytes: u64) -> f64 {
    (bytes as f64 / 1024.0 * 100.0).round() / 100.0
}

fn is_first_party(e: &Entry, page: &str, hostnames: &[String]) -> bool {
    let host = url::Url::parse(&e.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    if hostnames.is_empty() {
        crate::party::same_site(&host, page)
    } else {
        hostnames
            .iter()
            .any(|p| crate::party::host_matches(&host, p))
    }
}

fn type_matches(e: &Entry, rt: &str, first: bool) -> bool {
    match rt {
        "total" => true,
        "third-party" => !first,
        "document" => matches!(
            e.resource_type,
            ResourceType::Document | ResourceType::Iframe
        ),
        other => e.resource_type.as_str() == other,
    }
}

/// Judges one or more runs of a page against the budget that applies to it.
pub fn evaluate(budgets: &[Budget], runs: &[&Load]) -> Verdict {
    let Some(first) = runs.first() else {
        return Verdict {
            budget: None,
            lines: Vec::new(),
        };
    };
    let Some(b) = select(budgets, &first.url) else {
        return Verdict {
            budget: None,
            lines: Vec::new(),
        };
    };
    let idx = budgets.iter().position(|x| std::ptr::eq(x, b));
    let page_host = |l: &Load| {
        url::Url::parse(&l.final_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    };
    let mut lines = Vec::new();
    let mut per_run =
        |name: String, unit: &str, limit: f64, value: &dyn Fn(&Load) -> (f64, Vec<String>)| {
            let vals: Vec<(f64, Vec<String>)> = runs.iter().map(|l| value(l)).collect();
            let (worst, details) = vals
                .iter()
                .cloned()
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap_or((0.0, Vec::new()));
            let failing = vals.iter().filter(|v| v.0 > limit + 1e-9).count();
            lines.push(Line {
                name,
                actual: worst,
                limit,
                unit: unit.to_string(),
                status: if failing > 0 {
                    Status::Fail
                } else {
                    Status::Pass
                },
                failing_runs: failing,
                runs: runs.len(),
                details: if failing > 0 { details } else { Vec::new() },
            });
        };
    let fp = &b.first_party_hostnames;
    for (limits, only_first, prefix) in [
        (&b.sizes, false, "resourceSizes"),
        (
            &b.first_party_sizes,
            true,
            "pagecost.firstParty.resourceSizes",
        ),
    ] {
        for t in limits {
            per_run(
                format!("{prefix}.{}", t.resource_type),
                "KiB",
                t.budget,
                &|l: &Load| {
                    let page = page_host(l);
                    let bytes: u64 = l
                        .entries
                        .iter()
                        .filter(|e| {
                            let first = is_first_party(e, &page, fp);
                            (!only_first || first) && type_matches(e, &t.resource_type, first)
                        })
                        .map(|e| e.transfer_bytes)
                        .sum();
                    (kib(bytes), Vec::new())
                },
            );
        }
    }
    for (limits, only_first, prefix) in [
        (&b.counts, false, "resourceCounts"),
        (
            &b.first_party_counts,
            true,
            "pagecost.firstParty.resourceCounts",
        ),
    ] {
        for t in limits {
            per_run(
                format!("{prefix}.{}", t.resource_type),
                "requests",
                t.budget,
                &|l: &Load| {
                    let page = page_host(l);
                    let n = l
                        .entries
                        .iter()
                        .filter(|e| {
                            let first = is_first_party(e, &page, fp);
                            (!only_first || first) && type_matches(e, &t.resource_type, first)
                        })
                        .count();
                    (n as f64, Vec::new())
                },
            );
        }
    }
    for (limits, is_entity) in [(&b.entities, true), (&b.categories, false)] {
        for n in limits {
            let pick = |e: &Entry| {
                e.party.as_ref().is_some_and(|p| {
                    let v = if is_entity { &p.entity } else { &p.category };
                    v.as_deref() == Some(n.name.as_str())
                })
            };
            let kind = if is_entity { "entities" } else { "categories" };
            if let Some(limit) = n.requests {
                per_run(
                    format!("pagecost.{kind}.{}.requests", n.name),
                    "requests",
                    limit,
                    &|l: &Load| {
                        (
                            l.entries.iter().filter(|e| pick(e)).count() as f64,
                            Vec::new(),
                        )
                    },
                );
            }
            if let Some(limit) = n.size {
                per_run(
                    format!("pagecost.{kind}.{}.size", n.name),
                    "KiB",
                    limit,
                    &|l: &Load| {
                        (
                            kib(l
                                .entries
                                .iter()
                                .filter(|e| pick(e))
                                .map(|e| e.transfer_bytes)
                                .sum()),
                            Vec::new(),
                        )
                    },
                );
            }
        }
    }
    for t in &b.largest_request {
        per_run(
            format!("pagecost.largestRequest.{}", t.resource_type),
            "KiB",
            t.budget,
            &|l: &Load| {
                let page = page_host(l);
                let over: Vec<&Entry> = l
                    .entries
                    .iter()
                    .filter(|e| type_matches(e, &t.resource_type, is_first_party(e, &page, fp)))
                    .collect();
                let max = over.iter().map(|e| e.transfer_bytes).max().unwrap_or(0);
                let details = over
                    .iter()
                    .filter(|e| kib(e.transfer_bytes) > t.budget)
                    .map(|e| {
                        format!(
                            "{} is {} KiB, referenced at {}",
                            e.url,
                            kib(e.transfer_bytes),
                            l.referenced_at(e)
                        )
                    })
                    .collect();
                (kib(max), details)
            },
        );
    }
    if let Some(limit) = b.broken {
        per_run("pagecost.broken".into(), "requests", limit, &|l: &Load| {
            // A broken (4xx/5xx/failed) or empty request, with where it is referenced.
            let bad: Vec<String> = l
                .problems()
                .into_iter()
                .map(|(e, what)| format!("{} {what}, referenced at {}", e.url, l.referenced_at(e)))
                .collect();
            (bad.len() as f64, bad)
        });
    }
    for t in &b.timings {
        if !SUPPORTED_TIMINGS.contains(&t.metric.as_str()) {
            lines.push(Line {
                name: format!("timings.{}", t.metric),
                actual: f64::NAN,
                limit: t.budget,
                unit: "ms".into(),
                status: Status::Unsupported,
                failing_runs: 0,
                runs: 0,
                details: vec!["needs a browser's rendering; not measured by pagecost".into()],
            });
            continue;
        }
        let vals: Vec<f64> = runs
            .iter()
            .filter_map(|l| match t.metric.as_str() {
                "time-to-first-byte" => l.document_ttfb_ms,
                _ => Some(l.fully_loaded_ms),
            })
            .collect();
        let median = crate::stats::median(&vals).unwrap_or(f64::NAN);
        let limit = t.budget + t.tolerance;
        lines.push(Line {
            name: format!("timings.{}", t.metric),
            actual: (median * 10.0).round() / 10.0,
            limit,
            unit: "ms".into(),
            status: if median > limit {
                Status::Fail
            } else {
                Status::Pass
            },
            failing_runs: vals.iter().filter(|v| **v > limit).count(),
            runs: vals.len(),
            details: Vec::new(),
        });
    }
    Verdict { budget: idx, lines }
}

/// Budgets from command-line limits (`--max-bytes`, `--max-requests`, `--max-time`,
/// `--no-broken`), as one budget that applies to every page.
pub fn quick(
    max_bytes: Option<u64>,
    max_requests: Option<u64>,
    max_time_ms: Option<f64>,
    no_broken: bool,
) -> Option<Budget> {
    if max_bytes.is_none() && max_requests.is_none() && max_time_ms.is_none() && !no_broken {
        return None;
    }
    let mut b = Budget::default();
    if let Some(bytes) = max_bytes {
        b.sizes.push(TypeLimit {
            resource_type: "total".into(),
            budget: bytes as f64 / 1024.0,
        });
    }
    if let Some(n) = max_requests {
        b.counts.push(TypeLimit {
            resource_type: "total".into(),
            budget: n as f64,
        });
    }
    if let Some(ms) = max_time_ms {
        b.timings.push(TimingLimit {
            metric: "fully-loaded".into(),
            budget: ms,
            tolerance: 0.0,
        });
    }
    if no_broken {
        b.broken = Some(0.0);
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_style_paths_match_prefixes_wildcards_and_anchors() {
        assert!(path_matches("/", "/anything"));
        assert!(path_matches("/*", "/a/b"));
        assert!(path_matches("/blog", "/blog/post"));
        assert!(path_matches("/blog/*.html", "/blog/x/y.html"));
        assert!(path_matches("/*.html$", "/index.html"));
        assert!(!path_matches("/*.html$", "/index.html/x"));
        assert!(path_matches("/exact$", "/exact"));
        assert!(!path_matches("/exact$", "/exactly"));
        assert!(!path_matches("/shop", "/blog"));
    }

    #[test]
    fn the_last_matching_budget_wins() {
        let b = parse(r#"[{"path":"/*","resourceCounts":[{"resourceType":"total","budget":1}]},{"path":"/blog/*","resourceCounts":[{"resourceType":"total","budget":2}]}]"#, "b.json").unwrap();
        assert_eq!(
            select(&b, "https://x.test/blog/post").unwrap().counts[0].budget,
            2.0
        );
        assert_eq!(
            select(&b, "https://x.test/shop").unwrap().counts[0].budget,
            1.0
        );
    }

    #[test]
    fn errors_name_the_file_the_json_path_and_what_was_expected() {
        let e = parse(r#"[{"resourceSizes":[{"resourceType":"script","budget":1},{"resourceType":"image","budget":2},{"resourceType":"font","budget":"x"}]}]"#, "budget.json").unwrap_err().to_string();
        assert_eq!(
            e,
            "budget.json: [0].resourceSizes[2].budget: expected a number >= 0"
        );
        let e = parse(
            r#"[{"resourceCounts":[{"resourceType":"scripts","budget":1}]}]"#,
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown resource type 'scripts'")
                && e.contains("stylesheet, third-party, total"),
            "{e}"
        );
        let e = parse(
            r#"[{"timings":[{"metric":"load-time","budget":1}]}]"#,
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown metric 'load-time'") && e.contains("fully-loaded"),
            "{e}"
        );
        let e = parse(
            r#"[{"pagecost":{"categories":[{"name":"ads","size":1}]}}]"#,
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown category 'ads'") && e.contains("did you mean: ad"),
            "{e}"
        );
        assert!(parse("{}", "b.json")
            .unwrap_err()
            .to_string()
            .contains("expected an array"));
        assert!(parse("[", "b.json")
            .unwrap_err()
            .to_string()
            .contains("invalid JSON"));
        assert!(parse(r#"[{"pathh":"/"}]"#, "b.json")
            .unwrap_err()
            .to_string()
            .contains("unknown key"));
    }

    #[test]
    fn lighthouse_ci_documentation_budget_reads_unchanged() {
        // The example budget.json from Lighthouse CI's documentation (configuration.md).
        let doc = r#"[
          {
            "path": "/*",
            "timings": [
              { "metric": "interactive", "budget": 5000 },
              { "metric": "first-meaningful-paint", "budget": 2000 }
            ],
            "resourceSizes": [
              { "resourceType": "script", "budget": 125 },
              { "resourceType": "total", "budget": 300 }
            ],
            "resourceCounts": [
              { "resourceType": "third-party", "budget": 10 }
            ]
          },
          {
            "options": { "firstPartyHostnames": ["*.my-site.com", "my-site.cdn.com"] },
            "path": "/blog",
            "resourceSizes": [{ "resourceType": "image", "budget": 150 }]
          }
        ]"#;
        let b = parse(doc, "budget.json").unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(
            b[1].first_party_hostnames,
            ["*.my-site.com", "my-site.cdn.com"]
        );
        assert_eq!(b[0].timings[0].metric, "interactive");
    }
}
