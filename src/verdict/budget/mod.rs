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
//!     "co2e": 0.05,
//!     "entities": [{ "name": "Google/Doubleclick Ads", "requests": 0, "size": 0 }],
//!     "categories": [{ "name": "ad", "requests": 5, "size": 100, "mainThreadTime": 200 }],
//!     "parties": [{ "name": "third-party", "mainThreadTime": 500, "blockingTime": 100 }],
//!     "tags": [{ "host": "*.doubleclick.net", "mainThreadTime": 150, "requests": 20 }],
//!     "firstParty": { "resourceSizes": [], "resourceCounts": [] },
//!     "largestRequest": [{ "resourceType": "image", "budget": 200 }]
//!   }
//! }]
//! ```
//! Sizes are KiB of transfer size (1 KiB = 1024 bytes), as in Lighthouse. Main-thread and
//! blocking times are milliseconds, judged on the median of the runs that have a trace
//! (`cpu.rs`): a tag's include everything it caused, its frames too.

mod cpu;

use crate::error::{Error, Result};
use crate::model::carbon::CarbonModel;
use crate::model::{urls, Entry, Load, ResourceType};
use crate::verdict::metric::Metric;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// Which requests a size or count limit covers: Lighthouse's budget resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetType {
    /// Requests of a type (`document` covers iframes' documents too, as in Lighthouse).
    Resource(ResourceType),
    /// Requests to hosts that are not first party.
    ThirdParty,
    /// Every request.
    Total,
}

/// Lighthouse's budget resource types, in its order.
pub const RESOURCE_TYPES: [BudgetType; 9] = [
    BudgetType::Resource(ResourceType::Document),
    BudgetType::Resource(ResourceType::Font),
    BudgetType::Resource(ResourceType::Image),
    BudgetType::Resource(ResourceType::Media),
    BudgetType::Resource(ResourceType::Other),
    BudgetType::Resource(ResourceType::Script),
    BudgetType::Resource(ResourceType::Stylesheet),
    BudgetType::ThirdParty,
    BudgetType::Total,
];

impl BudgetType {
    /// Lighthouse's name: `script`, `third-party`, `total` ...
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetType::Resource(rt) => rt.as_str(),
            BudgetType::ThirdParty => "third-party",
            BudgetType::Total => "total",
        }
    }

    /// A type by Lighthouse's name (`iframe` is not one of them: its documents count as
    /// `document`).
    pub fn parse(s: &str) -> Option<BudgetType> {
        RESOURCE_TYPES.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether a request counts, given whether it is first party.
    fn covers(self, e: &Entry, first_party: bool) -> bool {
        match self {
            BudgetType::Total => true,
            BudgetType::ThirdParty => !first_party,
            BudgetType::Resource(ResourceType::Document) => matches!(
                e.resource_type,
                ResourceType::Document | ResourceType::Iframe
            ),
            // Lighthouse counts a WebSocket as `other`.
            BudgetType::Resource(ResourceType::Other) => matches!(
                e.resource_type,
                ResourceType::Other | ResourceType::WebSocket
            ),
            BudgetType::Resource(rt) => e.resource_type == rt,
        }
    }
}

impl std::fmt::Display for BudgetType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BudgetType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Lighthouse's names, as the schema of a budget file lists them.
impl schemars::JsonSchema for BudgetType {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "BudgetType".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": RESOURCE_TYPES.map(BudgetType::as_str),
        })
    }
}
/// Timing metrics pagecost measures: both engines the first two, the browser engine the
/// rest (under Lighthouse's names where Lighthouse has one).
pub const SUPPORTED_TIMINGS: [&str; 11] = [
    "time-to-first-byte",
    "fully-loaded",
    "first-contentful-paint",
    "largest-contentful-paint",
    "speed-index",
    "total-blocking-time",
    "cumulative-layout-shift",
    "dom-content-loaded",
    "load-event",
    "main-thread-time",
    "main-thread-blocking-time",
];
/// Lighthouse timing metrics pagecost does not compute (they need Lighthouse's simulation:
/// interactivity): read, reported unsupported.
pub const LIGHTHOUSE_TIMINGS: [&str; 6] = [
    "first-cpu-idle",
    "interactive",
    "first-meaningful-paint",
    "max-potential-fid",
    "estimated-input-latency",
    "server-response-time",
];

/// A limit on one resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeLimit {
    /// Which requests.
    pub resource_type: BudgetType,
    /// KiB for sizes, requests for counts.
    pub budget: f64,
}

/// A timing limit.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingLimit {
    /// Metric name.
    pub metric: String,
    /// Milliseconds.
    pub budget: f64,
    /// Extra milliseconds allowed before failing (Lighthouse's `tolerance`).
    pub tolerance: f64,
}

impl TimingLimit {
    /// The metric it limits, when pagecost measures it.
    pub fn measured(&self) -> Option<Metric> {
        SUPPORTED_TIMINGS
            .contains(&self.metric.as_str())
            .then(|| Metric::parse(&self.metric))
            .flatten()
    }
}

/// A limit on an entity, a category, a party or the tags of a host.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedLimit {
    /// Entity or category name, `first-party` or `third-party`, or a tag's host pattern.
    pub name: String,
    /// Most requests.
    pub requests: Option<f64>,
    /// Most KiB transferred.
    pub size: Option<f64>,
    /// Most main-thread time, milliseconds (`mainThreadTime`).
    pub main_thread: Option<f64>,
    /// Most blocking time, milliseconds (`blockingTime`).
    pub blocking: Option<f64>,
}

/// One budget of the file.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// `pagecost.co2e`: most grams of CO2e a view (the Sustainable Web Design model v4).
    pub co2e: Option<f64>,
    /// `pagecost.dataCost`: most US dollars a view costs on mobile data, at the price the
    /// audit was asked to count (`--price-country`, `--price-per-gb`).
    pub data_cost: Option<f64>,
    /// `pagecost.savings`: most KiB the page could shed (`--savings`: compressed text,
    /// re-encoded images), judged on every run; unsupported without `--savings`.
    pub savings: Option<f64>,
    /// `pagecost.entities`.
    pub entities: Vec<NamedLimit>,
    /// `pagecost.categories`.
    pub categories: Vec<NamedLimit>,
    /// `pagecost.parties`: `first-party` and `third-party`.
    pub parties: Vec<NamedLimit>,
    /// `pagecost.tags`: the third-party tags on hosts matching a pattern.
    pub tags: Vec<NamedLimit>,
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
        Error::InvalidInput {
            input: format!("{}: {path}", self.file),
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
            let name = self.str(o.get("resourceType"), &format!("{p}.resourceType"))?;
            let Some(rt) = BudgetType::parse(name) else {
                let valid: Vec<&str> = RESOURCE_TYPES.iter().map(|t| t.as_str()).collect();
                return Err(self.err(
                    &format!("{p}.resourceType"),
                    &format!(
                        "unknown resource type '{name}' (valid: {})",
                        valid.join(", ")
                    ),
                ));
            };
            let budget = self.num(
                o.get("budget").unwrap_or(&Value::Null),
                &format!("{p}.budget"),
            )?;
            out.push(TypeLimit {
                resource_type: rt,
                budget,
            });
        }
        Ok(out)
    }

    /// Named limits at `path`, each named by `key` (`name`, or `host` for tags) with one of
    /// the `known` names (any host pattern when `None`).
    fn named(
        &self,
        v: Option<&Value>,
        path: &str,
        (key, known): (&str, Option<&[&str]>),
        what: &str,
    ) -> Result<Vec<NamedLimit>> {
        let mut out = Vec::new();
        for (i, item) in self.arr(v, path)?.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let o = self.obj(item, &p)?;
            let name = self.str(o.get(key), &format!("{p}.{key}"))?;
            if let Some(known) = known.filter(|k| !k.contains(&name)) {
                let close = crate::model::party::close_matches(name, known.iter().copied());
                return Err(self.err(
                    &format!("{p}.{key}"),
                    &format!("unknown {what} '{name}'{}", did_you_mean(&close)),
                ));
            }
            out.push(NamedLimit {
                name: name.to_string(),
                requests: self.opt_num(o, "requests", &p)?,
                size: self.opt_num(o, "size", &p)?,
                main_thread: self.opt_num(o, "mainThreadTime", &p)?,
                blocking: self.opt_num(o, "blockingTime", &p)?,
            });
        }
        Ok(out)
    }
}

/// The parties a budget may limit.
const PARTIES: [&str; 2] = ["first-party", "third-party"];

/// The keys a budget may have.
const BUDGET_KEYS: [&str; 6] = [
    "path",
    "options",
    "resourceSizes",
    "resourceCounts",
    "timings",
    "pagecost",
];

impl Reader<'_> {
    fn known_keys(&self, o: &serde_json::Map<String, Value>, p: &str) -> Result<()> {
        match o.keys().find(|k| !BUDGET_KEYS.contains(&k.as_str())) {
            Some(key) => Err(self.err(
                &format!("{p}.{key}"),
                &format!("unknown key (valid: {})", BUDGET_KEYS.join(", ")),
            )),
            None => Ok(()),
        }
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
///
/// ```
/// let text = r#"[{"path": "/*", "resourceSizes": [{"resourceType": "script", "budget": 100}]}]"#;
/// let budgets = pagecost::verdict::budget::parse(text, "budget.json").unwrap();
/// assert_eq!(budgets.len(), 1);
/// let bad = r#"[{"resourceSizes": [{"resourceType": "scripts", "budget": 100}]}]"#;
/// let err = pagecost::verdict::budget::parse(bad, "budget.json").unwrap_err().to_string();
/// assert!(err.starts_with("budget.json"), "{err}");
/// ```
pub fn parse(text: &str, file: &str) -> Result<Vec<Budget>> {
    let r = Reader { file };
    // A byte order mark (Windows editors write one) is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root: Value = serde_json::from_str(text)
        .map_err(|e| r.err("(document)", &format!("invalid JSON: {e}")))?;
    let items = match &root {
        Value::Array(a) if a.is_empty() => {
            return Err(r.err("(document)", "holds no budget (an empty array)"))
        }
        Value::Array(a) => a.as_slice(),
        _ => return Err(r.err("(document)", "expected an array of budgets")),
    };
    let entities: Vec<&str> = crate::model::party::Entities::embedded()
        .all()
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let categories = crate::model::party::Entities::embedded().categories();
    let names = Names {
        entities: &entities,
        categories: &categories,
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| r.budget(item, &format!("[{i}]"), &names))
        .collect()
}

/// The entity and category names a budget may limit.
struct Names<'a> {
    entities: &'a [&'a str],
    categories: &'a [&'a str],
}

impl Reader<'_> {
    /// One budget of the file, at `p`.
    fn budget(&self, item: &Value, p: &str, names: &Names) -> Result<Budget> {
        let r = self;
        let o = r.obj(item, p)?;
        r.known_keys(o, p)?;
        let mut b = Budget {
            path: o
                .get("path")
                .map(|v| r.str(Some(v), &format!("{p}.path")).map(str::to_string))
                .transpose()?,
            ..Budget::default()
        };
        if let Some(opts) = o.get("options") {
            let oo = r.obj(opts, &format!("{p}.options"))?;
            let hp = format!("{p}.options.firstPartyHostnames");
            for (j, h) in r
                .arr(oo.get("firstPartyHostnames"), &hp)?
                .iter()
                .enumerate()
            {
                let host = r.str(Some(h), &format!("{hp}[{j}]"))?;
                b.first_party_hostnames.push(host.to_string());
            }
        }
        b.sizes = r.type_limits(o.get("resourceSizes"), &format!("{p}.resourceSizes"))?;
        b.counts = r.type_limits(o.get("resourceCounts"), &format!("{p}.resourceCounts"))?;
        let tp = format!("{p}.timings");
        for (j, t) in r.arr(o.get("timings"), &tp)?.iter().enumerate() {
            b.timings.push(r.timing(t, &format!("{tp}[{j}]"))?);
        }
        if let Some(ext) = o.get("pagecost") {
            r.extension(&mut b, ext, &format!("{p}.pagecost"), names)?;
        }
        Ok(b)
    }

    /// A `timings` line: a metric pagecost measures or one of Lighthouse's it reports
    /// unsupported; anything else is an error.
    fn timing(&self, t: &Value, tp: &str) -> Result<TimingLimit> {
        let r = self;
        let to = r.obj(t, tp)?;
        let metric = r.str(to.get("metric"), &format!("{tp}.metric"))?;
        if !SUPPORTED_TIMINGS.contains(&metric) && !LIGHTHOUSE_TIMINGS.contains(&metric) {
            let mut valid: Vec<&str> = SUPPORTED_TIMINGS.to_vec();
            valid.extend(LIGHTHOUSE_TIMINGS);
            return Err(r.err(
                &format!("{tp}.metric"),
                &format!("unknown metric '{metric}' (valid: {})", valid.join(", ")),
            ));
        }
        Ok(TimingLimit {
            metric: metric.to_string(),
            budget: r.num(
                to.get("budget").unwrap_or(&Value::Null),
                &format!("{tp}.budget"),
            )?,
            tolerance: r.opt_num(to, "tolerance", tp)?.unwrap_or(0.0),
        })
    }

    /// pagecost's extension of a budget (`"pagecost": {...}`), at `ep`.
    fn extension(&self, b: &mut Budget, ext: &Value, ep: &str, names: &Names) -> Result<()> {
        let r = self;
        let eo = r.obj(ext, ep)?;
        b.broken = r.opt_num(eo, "broken", ep)?;
        b.co2e = r.opt_num(eo, "co2e", ep)?;
        b.data_cost = r.opt_num(eo, "dataCost", ep)?;
        b.savings = r.opt_num(eo, "savings", ep)?;
        let entities = eo.get("entities");
        let entity_names = ("name", Some(names.entities));
        b.entities = r.named(entities, &format!("{ep}.entities"), entity_names, "entity")?;
        let categories = eo.get("categories");
        let cp = format!("{ep}.categories");
        let category_names = ("name", Some(names.categories));
        b.categories = r.named(categories, &cp, category_names, "category")?;
        let parties = ("name", Some(&PARTIES[..]));
        b.parties = r.named(
            eo.get("parties"),
            &format!("{ep}.parties"),
            parties,
            "party",
        )?;
        b.tags = r.named(eo.get("tags"), &format!("{ep}.tags"), ("host", None), "tag")?;
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
        Ok(())
    }
}

/// Reads a budget file from disk.
pub fn read(path: &Path) -> Result<Vec<Budget>> {
    let text = crate::config::textfile::read(path)?;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Line {
    /// Where it comes from, e.g. `resourceSizes.script`.
    pub name: String,
    /// Measured value (the worst run for sizes and counts, exact; the median for timings, to
    /// 0.1 ms or 0.001 of a score).
    pub actual: f64,
    /// The limit (a timing's budget plus its tolerance).
    pub limit: f64,
    /// `KiB`, `requests` or `ms`.
    pub unit: LineUnit,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// Bytes as KiB, exactly (a division by a power of two): limits are judged on this, as
/// Lighthouse compares bytes with `budget * 1024`.
fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// KiB as a detail line writes them: to two decimals.
fn shown(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn is_first_party(e: &Entry, page: &str, hostnames: &[String]) -> bool {
    let host = urls::host(&e.url).unwrap_or_default();
    if hostnames.is_empty() {
        crate::model::party::same_site(&host, page)
    } else {
        hostnames
            .iter()
            .any(|p| crate::model::party::host_matches(&host, p))
    }
}

/// Whose requests a named limit covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyGroup {
    /// An entity of the third-party-web dataset (`pagecost.entities`).
    Entity,
    /// A category of the dataset (`pagecost.categories`).
    Category,
    /// The first or the third parties, by the budget's first-party hosts
    /// (`pagecost.parties`).
    Party,
    /// The third-party tags on hosts matching a pattern, with everything they caused
    /// (`pagecost.tags`).
    Tag,
}

/// What a named limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Requests.
    Requests,
    /// KiB transferred.
    Size,
    /// Main-thread time, milliseconds (judged on the median run, from the trace).
    MainThread,
    /// Blocking time, milliseconds (likewise).
    Blocking,
}

impl Measure {
    /// Whether it is a time from the load's trace (judged on the median, unknown without
    /// one), not a count.
    fn is_cpu(self) -> bool {
        matches!(self, Measure::MainThread | Measure::Blocking)
    }
}

/// One limit of a budget. A verdict is [`Budget::limits`] judged one by one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit<'a> {
    /// Most KiB of a type (of first-party requests only, for `pagecost.firstParty`).
    Size {
        /// Which requests.
        of: BudgetType,
        /// Only first-party requests.
        first_party_only: bool,
        /// KiB.
        kib: f64,
    },
    /// Most requests of a type.
    Count {
        /// Which requests.
        of: BudgetType,
        /// Only first-party requests.
        first_party_only: bool,
        /// Requests.
        requests: f64,
    },
    /// Most requests, KiB, main-thread or blocking time of an entity, category, party or
    /// tags.
    Party {
        /// Entity, category, party or tags.
        group: PartyGroup,
        /// Its name (a host pattern for tags).
        name: &'a str,
        /// What is counted.
        measure: Measure,
        /// The limit.
        limit: f64,
    },
    /// The largest single request of a type, KiB.
    Largest {
        /// Which requests.
        of: BudgetType,
        /// KiB.
        kib: f64,
    },
    /// Most broken or empty requests.
    Broken {
        /// Requests.
        requests: f64,
    },
    /// Most grams of CO2e a view.
    Carbon {
        /// Grams.
        grams: f64,
    },
    /// Most US dollars a view on mobile data.
    DataCost {
        /// US dollars.
        usd: f64,
    },
    /// Most KiB the page could shed (`--savings`).
    Savings {
        /// KiB.
        kib: f64,
    },
    /// A timing, judged on the median run.
    Timing(&'a TimingLimit),
}

/// The unit of a budget line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum LineUnit {
    /// Kibibytes of transfer size.
    #[serde(rename = "KiB")]
    KiB,
    /// Requests.
    #[serde(rename = "requests")]
    Requests,
    /// Milliseconds.
    #[serde(rename = "ms")]
    Ms,
    /// A unitless score (cumulative layout shift).
    #[serde(rename = "score")]
    Score,
    /// Grams of CO2e.
    #[serde(rename = "g")]
    Grams,
    /// US dollars.
    #[serde(rename = "USD")]
    Usd,
}

impl LineUnit {
    /// `KiB`, `requests` or `ms`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineUnit::KiB => "KiB",
            LineUnit::Requests => "requests",
            LineUnit::Ms => "ms",
            LineUnit::Score => "score",
            LineUnit::Grams => "g",
            LineUnit::Usd => "USD",
        }
    }
}

impl Budget {
    /// Every limit, in the order a verdict lists them: sizes, first-party sizes, counts,
    /// first-party counts, entities and categories, largest requests, broken, timings.
    pub fn limits(&self) -> Vec<Limit<'_>> {
        let size = |first| {
            move |t: &TypeLimit| Limit::Size {
                of: t.resource_type,
                first_party_only: first,
                kib: t.budget,
            }
        };
        let count = |first| {
            move |t: &TypeLimit| Limit::Count {
                of: t.resource_type,
                first_party_only: first,
                requests: t.budget,
            }
        };
        let mut out: Vec<Limit> = self.sizes.iter().map(size(false)).collect();
        out.extend(self.first_party_sizes.iter().map(size(true)));
        out.extend(self.counts.iter().map(count(false)));
        out.extend(self.first_party_counts.iter().map(count(true)));
        for (group, list) in [
            (PartyGroup::Entity, &self.entities),
            (PartyGroup::Category, &self.categories),
            (PartyGroup::Party, &self.parties),
            (PartyGroup::Tag, &self.tags),
        ] {
            for n in list {
                let party = |measure, limit| Limit::Party {
                    group,
                    name: &n.name,
                    measure,
                    limit,
                };
                out.extend(n.requests.map(|l| party(Measure::Requests, l)));
                out.extend(n.size.map(|l| party(Measure::Size, l)));
                out.extend(n.main_thread.map(|l| party(Measure::MainThread, l)));
                out.extend(n.blocking.map(|l| party(Measure::Blocking, l)));
            }
        }
        out.extend(self.largest_request.iter().map(|t| Limit::Largest {
            of: t.resource_type,
            kib: t.budget,
        }));
        out.extend(self.broken.map(|requests| Limit::Broken { requests }));
        out.extend(self.co2e.map(|grams| Limit::Carbon { grams }));
        out.extend(self.data_cost.map(|usd| Limit::DataCost { usd }));
        out.extend(self.savings.map(|kib| Limit::Savings { kib }));
        out.extend(self.timings.iter().map(Limit::Timing));
        out
    }
}

impl Limit<'_> {
    /// The line's name: where the limit comes from in the file.
    pub fn name(&self) -> String {
        let first = |f: bool| if f { "pagecost.firstParty." } else { "" };
        match self {
            Limit::Size {
                of,
                first_party_only,
                ..
            } => format!("{}resourceSizes.{of}", first(*first_party_only)),
            Limit::Count {
                of,
                first_party_only,
                ..
            } => format!("{}resourceCounts.{of}", first(*first_party_only)),
            Limit::Party {
                group,
                name,
                measure,
                ..
            } => {
                let g = match group {
                    PartyGroup::Entity => "entities",
                    PartyGroup::Category => "categories",
                    PartyGroup::Party => "parties",
                    PartyGroup::Tag => "tags",
                };
                let m = match measure {
                    Measure::Requests => "requests",
                    Measure::Size => "size",
                    Measure::MainThread => "mainThreadTime",
                    Measure::Blocking => "blockingTime",
                };
                format!("pagecost.{g}.{name}.{m}")
            }
            Limit::Largest { of, .. } => format!("pagecost.largestRequest.{of}"),
            Limit::Broken { .. } => "pagecost.broken".into(),
            Limit::Carbon { .. } => "pagecost.co2e".into(),
            Limit::DataCost { .. } => "pagecost.dataCost".into(),
            Limit::Savings { .. } => "pagecost.savings".into(),
            Limit::Timing(t) => format!("timings.{}", t.metric),
        }
    }

    fn unit(&self) -> LineUnit {
        match self {
            Limit::Size { .. } | Limit::Largest { .. } | Limit::Savings { .. } => LineUnit::KiB,
            Limit::Party { measure, .. } if *measure == Measure::Size => LineUnit::KiB,
            Limit::Party { measure, .. } if measure.is_cpu() => LineUnit::Ms,
            Limit::Timing(t) if t.measured() == Some(Metric::CumulativeLayoutShift) => {
                LineUnit::Score
            }
            Limit::Timing(_) => LineUnit::Ms,
            Limit::Carbon { .. } => LineUnit::Grams,
            Limit::DataCost { .. } => LineUnit::Usd,
            _ => LineUnit::Requests,
        }
    }

    fn limit(&self) -> f64 {
        match *self {
            Limit::Size { kib, .. } | Limit::Largest { kib, .. } | Limit::Savings { kib } => kib,
            Limit::Count { requests, .. } | Limit::Broken { requests } => requests,
            Limit::Carbon { grams } => grams,
            Limit::DataCost { usd } => usd,
            Limit::Party { limit, .. } => limit,
            Limit::Timing(t) => t.budget + t.tolerance,
        }
    }

    /// The value in one load, with what to show when it is over (the requests at fault).
    fn measure(&self, l: &Load, first_party: &[String]) -> (f64, Vec<String>) {
        let page = urls::host(&l.final_url).unwrap_or_default();
        let first = |e: &Entry| is_first_party(e, &page, first_party);
        let of_type = |of: BudgetType, only_first: bool| {
            l.entries
                .iter()
                .filter(move |e| (!only_first || first(e)) && of.covers(e, first(e)))
        };
        match *self {
            Limit::Size {
                of,
                first_party_only,
                ..
            } => (
                kib(of_type(of, first_party_only)
                    .map(|e| e.transfer_bytes)
                    .sum()),
                Vec::new(),
            ),
            Limit::Count {
                of,
                first_party_only,
                ..
            } => (of_type(of, first_party_only).count() as f64, Vec::new()),
            Limit::Party {
                group,
                name,
                measure,
                ..
            } => (party_count(l, (group, name), measure, &first), Vec::new()),
            Limit::Largest { of, kib: limit } => {
                let max = of_type(of, false).map(|e| e.transfer_bytes).max();
                let over = of_type(of, false)
                    .filter(|e| kib(e.transfer_bytes) > limit)
                    .map(|e| {
                        let size = shown(kib(e.transfer_bytes));
                        format!(
                            "{} is {size} KiB, referenced at {}",
                            e.url,
                            l.referenced_at(e)
                        )
                    })
                    .collect();
                (kib(max.unwrap_or(0)), over)
            }
            Limit::Broken { .. } => broken(l),
            Limit::Carbon { .. } | Limit::DataCost { .. } | Limit::Savings { .. } => {
                (self.per_view(l), Vec::new())
            }
            Limit::Timing(_) => unreachable!("timings are judged on the median run"),
        }
    }

    /// A carbon, data-cost or savings limit's value in one load. A load from a source has
    /// its carbon, one read back without it the default model's; a data cost or savings not
    /// asked for is NaN (judged only when every run has it: `unpriced`, `evaluate`).
    fn per_view(&self, l: &Load) -> f64 {
        match self {
            Limit::Carbon { .. } => match &l.carbon {
                Some(c) => c.total_g,
                None => CarbonModel::default().of(l).total_g,
            },
            Limit::DataCost { .. } => l.data_cost.as_ref().map_or(f64::NAN, |c| c.total_usd),
            Limit::Savings { .. } => {
                (l.savings.as_ref()).map_or(f64::NAN, |s| kib(s.saved_bytes()))
            }
            _ => f64::NAN,
        }
    }

    /// Judges a size or count limit on every run: the line shows the worst run, and fails
    /// when any run is over.
    fn judge(&self, runs: &[&Load], first_party: &[String]) -> Line {
        let limit = self.limit();
        let vals: Vec<(f64, Vec<String>)> =
            runs.iter().map(|l| self.measure(l, first_party)).collect();
        let (worst, details) = vals
            .iter()
            .cloned()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap_or((0.0, Vec::new()));
        let failing = vals.iter().filter(|v| v.0 > limit).count();
        Line {
            name: self.name(),
            actual: worst,
            limit,
            unit: self.unit(),
            status: if failing > 0 {
                Status::Fail
            } else {
                Status::Pass
            },
            failing_runs: failing,
            runs: runs.len(),
            details: if failing > 0 { details } else { Vec::new() },
        }
    }
}

/// The requests or KiB of an entity, category, party or the tags of a host in one load.
fn party_count(
    l: &Load,
    (group, name): (PartyGroup, &str),
    measure: Measure,
    first: &impl Fn(&Entry) -> bool,
) -> f64 {
    if group == PartyGroup::Tag {
        let tags = cpu::tags_on(l, name);
        return match measure {
            Measure::Requests => tags.map(|t| t.requests as f64).sum(),
            _ => kib(tags.map(|t| t.transfer_bytes).sum()),
        };
    }
    let pick = (l.entries.iter()).filter(|e| cpu::of_party(e, group, name, first));
    match measure {
        Measure::Requests => pick.count() as f64,
        _ => kib(pick.map(|e| e.transfer_bytes).sum()),
    }
}

/// The load's broken (4xx/5xx/failed) and empty requests, each with where it is referenced.
fn broken(l: &Load) -> (f64, Vec<String>) {
    let bad: Vec<String> = (l.problems().into_iter())
        .map(|(e, what)| format!("{} {what}, referenced at {}", e.url, l.referenced_at(e)))
        .collect();
    (bad.len() as f64, bad)
}

/// Judges a timing on the median of the runs. A metric pagecost does not compute, or one
/// that no run measured (a rendering metric of the static engine), is reported unsupported
/// with the reason.
fn judge_timing(t: &TimingLimit, runs: &[&Load]) -> Line {
    let limit = Limit::Timing(t);
    let unsupported = |why: &str| unsupported(&limit, why);
    let Some(metric) = t.measured() else {
        return unsupported("needs Lighthouse's simulation; not measured by pagecost");
    };
    let vals: Vec<f64> = runs.iter().filter_map(|l| metric.of(l)).collect();
    if vals.is_empty() {
        return unsupported(if metric.needs_browser() {
            "measured by the browser engine only (--engine chromium)"
        } else {
            "not measured in any run"
        });
    }
    let median = crate::verdict::stats::median(&vals).unwrap_or(f64::NAN);
    let max = limit.limit();
    let digits = if metric.unit() == crate::verdict::metric::Unit::Score {
        1000.0
    } else {
        10.0
    };
    Line {
        name: limit.name(),
        actual: (median * digits).round() / digits,
        limit: max,
        unit: limit.unit(),
        status: if median > max {
            Status::Fail
        } else {
            Status::Pass
        },
        failing_runs: vals.iter().filter(|v| **v > max).count(),
        runs: vals.len(),
        details: Vec::new(),
    }
}

/// A line pagecost cannot judge, with why: no figure, no runs counted.
fn unsupported(limit: &Limit, why: &str) -> Line {
    Line {
        name: limit.name(),
        actual: f64::NAN,
        limit: limit.limit(),
        unit: limit.unit(),
        status: Status::Unsupported,
        failing_runs: 0,
        runs: 0,
        details: vec![why.into()],
    }
}

/// A data-cost line of a load counted at no price: unsupported, with how to give one.
fn unpriced(limit: &Limit) -> Line {
    let why = "no price to count it at: give --price-country CC or --price-per-gb USD";
    unsupported(limit, why)
}

/// Judges one or more runs of a page against the budget that applies to it.
pub fn evaluate(budgets: &[Budget], runs: &[&Load]) -> Verdict {
    let chosen = runs.first().and_then(|first| select(budgets, &first.url));
    let Some(b) = chosen else {
        return Verdict {
            budget: None,
            lines: Vec::new(),
        };
    };
    let lines = b
        .limits()
        .iter()
        .map(|limit| match limit {
            Limit::Timing(t) => judge_timing(t, runs),
            Limit::DataCost { .. } if runs.iter().any(|l| l.data_cost.is_none()) => unpriced(limit),
            Limit::Savings { .. } if runs.iter().any(|l| l.savings.is_none()) => {
                unsupported(limit, "not measured: audit with --savings")
            }
            Limit::Party { measure, .. } if measure.is_cpu() => {
                cpu::judge(limit, runs, &b.first_party_hostnames)
            }
            other => other.judge(runs, &b.first_party_hostnames),
        })
        .collect();
    Verdict {
        budget: budgets.iter().position(|x| std::ptr::eq(x, b)),
        lines,
    }
}

/// Budgets to judge, and what to call them in reports.
#[derive(Debug, Clone)]
pub struct Budgets {
    /// The budgets (the last whose path matches a page applies).
    pub list: Vec<Budget>,
    /// `budget.json`, `command-line limits`, or both.
    pub name: String,
}

/// The budgets of a file and of quick limits together: quick limits apply to every page,
/// after (so over) the file's. `None` when neither is given.
pub fn load(file: Option<&Path>, quick: Option<Budget>) -> Result<Option<Budgets>> {
    let mut list = Vec::new();
    let mut names = Vec::new();
    if let Some(path) = file {
        list = read(path)?;
        names.push(path.display().to_string());
    }
    if let Some(q) = quick {
        if list.is_empty() {
            list.push(q);
        } else {
            for b in &mut list {
                b.sizes.extend(q.sizes.clone());
                b.counts.extend(q.counts.clone());
                b.timings.extend(q.timings.clone());
                b.broken = q.broken.or(b.broken);
            }
        }
        names.push("command-line limits".into());
    }
    Ok((!list.is_empty()).then(|| Budgets {
        list,
        name: names.join(" + "),
    }))
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
            resource_type: BudgetType::Total,
            budget: bytes as f64 / 1024.0,
        });
    }
    if let Some(n) = max_requests {
        b.counts.push(TypeLimit {
            resource_type: BudgetType::Total,
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

    /// A budget.json written with a byte order mark reads as one without.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_budget() {
        let text = "\u{feff}[{\"resourceCounts\": [{\"resourceType\": \"total\", \"budget\": 9}]}]";
        assert_eq!(parse(text, "budget.json").unwrap().len(), 1);
    }

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
        // Unanchored, the last part may be followed by more; anchored, only the last part
        // is held to the end, and it may not overlap what came before it.
        assert!(path_matches("/a*b", "/a-b-c"));
        assert!(path_matches("/a*b*c$", "/a-b-c"));
        assert!(!path_matches("/ab*b$", "/ab"));
        assert!(path_matches("/ab*c*d", "/abxxcyd"));
        assert!(path_matches("/ab*c*d$", "/abxxcyd"));
        assert!(!path_matches("/ab*c*c$", "/abc"));
        // An anchored last part is found at the end, not at its first occurrence.
        assert!(path_matches("/a*b$", "/a-b-b"));
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

    use crate::har::testing::load_sized;

    fn lines(json: &str, runs: &[&Load]) -> Vec<Line> {
        evaluate(&parse(json, "budget.json").unwrap(), runs).lines
    }

    fn timed(ms: f64) -> Load {
        let mut l = load_sized(&[("/", 100)]);
        l.fully_loaded_ms = ms;
        l
    }

    #[test]
    fn sizes_are_judged_in_bytes_and_a_page_exactly_at_its_limit_passes() {
        let json = r#"[{"resourceSizes": [{"resourceType": "total", "budget": 10}]}]"#;
        let at = lines(json, &[&load_sized(&[("/", 10240)])]);
        assert_eq!(
            (at[0].status, at[0].actual, at[0].over_by()),
            (Status::Pass, 10.0, 0.0)
        );
        let over = lines(json, &[&load_sized(&[("/", 10752)])]);
        assert_eq!(
            (over[0].status, over[0].actual, over[0].over_by()),
            (Status::Fail, 10.5, 0.5)
        );
        // --max-bytes 1000: 1000 bytes pass, 1001 fail (KiB rounded to 0.98 would fail both).
        let quick = vec![quick(Some(1000), None, None, false).unwrap()];
        let judge = |bytes| evaluate(&quick, &[&load_sized(&[("/", bytes)])]).lines[0].status;
        assert_eq!((judge(1000), judge(1001)), (Status::Pass, Status::Fail));
    }

    #[test]
    fn every_line_has_its_unit() {
        let json = r#"[{
            "resourceSizes": [{"resourceType": "total", "budget": 1}],
            "resourceCounts": [{"resourceType": "total", "budget": 1}],
            "timings": [{"metric": "fully-loaded", "budget": 1},
                        {"metric": "cumulative-layout-shift", "budget": 0.1}],
            "pagecost": {"entities": [{"name": "Criteo", "requests": 1, "size": 1}],
                         "largestRequest": [{"resourceType": "image", "budget": 1}],
                         "broken": 0}
        }]"#;
        let units: Vec<(String, &str)> = lines(json, &[&timed(5.0)])
            .iter()
            .map(|l| (l.name.clone(), l.unit.as_str()))
            .collect();
        let want = [
            ("resourceSizes.total", "KiB"),
            ("resourceCounts.total", "requests"),
            ("pagecost.entities.Criteo.requests", "requests"),
            ("pagecost.entities.Criteo.size", "KiB"),
            ("pagecost.largestRequest.image", "KiB"),
            ("pagecost.broken", "requests"),
            ("timings.fully-loaded", "ms"),
            ("timings.cumulative-layout-shift", "score"),
        ];
        let want: Vec<(String, &str)> = want.iter().map(|(n, u)| (n.to_string(), *u)).collect();
        assert_eq!(units, want);
        for u in [
            LineUnit::KiB,
            LineUnit::Requests,
            LineUnit::Ms,
            LineUnit::Score,
            LineUnit::Grams,
            LineUnit::Usd,
        ] {
            assert_eq!(serde_json::to_value(u).unwrap(), u.as_str(), "{u:?}");
        }
    }

    #[test]
    fn a_party_limit_counts_only_its_own_requests() {
        let mut l = load_sized(&[
            ("/", 100),
            ("https://ads.example/a", 1024),
            ("https://ads.example/b", 2048),
            ("https://other.example/c", 4096),
        ]);
        for (e, entity) in l
            .entries
            .iter_mut()
            .zip(["", "Criteo", "Criteo", "Taboola"])
        {
            e.party = Some(crate::model::Party {
                entity: (!entity.is_empty()).then(|| entity.to_string()),
                ..Default::default()
            });
        }
        let json =
            r#"[{"pagecost": {"entities": [{"name": "Criteo", "requests": 2, "size": 2}]}}]"#;
        let got: Vec<(f64, Status)> = lines(json, &[&l])
            .iter()
            .map(|l| (l.actual, l.status))
            .collect();
        assert_eq!(got, [(2.0, Status::Pass), (3.0, Status::Fail)]);
    }

    #[test]
    fn only_requests_over_the_largest_request_limit_are_named() {
        let l = load_sized(&[("/", 100), ("/at.png", 10240), ("/big.png", 20480)]);
        let json =
            r#"[{"pagecost": {"largestRequest": [{"resourceType": "image", "budget": 10}]}}]"#;
        let line = &lines(json, &[&l])[0];
        assert_eq!((line.status, line.actual), (Status::Fail, 20.0));
        assert_eq!(line.details.len(), 1, "{:?}", line.details);
        assert!(line.details[0].starts_with("https://a.example/big.png is 20 KiB"));
    }

    #[test]
    fn a_line_within_its_limit_names_nothing() {
        let mut l = load_sized(&[("/", 100), ("/gone.png", 0)]);
        l.entries[1].status = Some(404);
        let line = &lines(r#"[{"pagecost": {"broken": 1}}]"#, &[&l])[0];
        assert_eq!((line.status, line.actual), (Status::Pass, 1.0));
        assert_eq!(line.details, Vec::<String>::new());
        let line = &lines(r#"[{"pagecost": {"broken": 0}}]"#, &[&l])[0];
        assert_eq!((line.status, line.details.len()), (Status::Fail, 1));
    }

    #[test]
    fn timings_allow_their_tolerance_and_the_median_at_the_limit_passes() {
        let json = r#"[{"timings": [{"metric": "fully-loaded", "budget": 100, "tolerance": 50}]}]"#;
        let (a, b, c) = (timed(100.0), timed(150.0), timed(200.0));
        let line = &lines(json, &[&a, &b, &c])[0];
        assert_eq!(
            (line.status, line.actual, line.limit),
            (Status::Pass, 150.0, 150.0)
        );
        assert_eq!((line.failing_runs, line.runs), (1, 3));
        let d = timed(160.0);
        let line = &lines(json, &[&a, &d, &c])[0];
        assert_eq!(
            (line.status, line.over_by(), line.failing_runs),
            (Status::Fail, 10.0, 2)
        );
    }

    #[test]
    fn timings_show_a_tenth_of_a_millisecond_and_scores_a_thousandth() {
        let ms = lines(
            r#"[{"timings": [{"metric": "fully-loaded", "budget": 1000}]}]"#,
            &[&timed(123.456)],
        );
        assert_eq!(ms[0].actual, 123.5);
        let mut l = timed(5.0);
        l.page_metrics.cumulative_layout_shift = Some(0.12345);
        let json = r#"[{"timings": [{"metric": "cumulative-layout-shift", "budget": 0.1}]}]"#;
        let cls = lines(json, &[&l]);
        assert_eq!((cls[0].status, cls[0].actual), (Status::Fail, 0.123));
    }
}
