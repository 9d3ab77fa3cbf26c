//! `--format openmetrics`: the figures as OpenMetrics 1.0 text, for a Prometheus
//! Pushgateway or the node exporter's textfile collector. Every family is a gauge (a page's
//! figures are a state, not a running count) with TYPE, UNIT and HELP; times are seconds,
//! sizes bytes; a page's label is its target as given (a local folder's path, not its
//! loopback URL, so that series stay the same from run to run). A figure that was not
//! measured is left out, never written as 0.

use crate::job::batch::PageResult;
use crate::job::{AuditReport, CompareReport};
use crate::model::{Bucket, Load};
use crate::verdict::compare::Comparison;
use crate::verdict::metric::{Metric, Unit};
use crate::verdict::runs::Runs;

/// `audit`: the page's figures (with runs, each metric's median, and the median run's
/// breakdowns).
pub fn audit(a: &AuditReport) -> String {
    let mut x = Exposition::default();
    let load = a.shown();
    let page = vec![("page", load.page_name())];
    x.up(&page, true);
    x.load(&page, load, a.runs.as_ref());
    x.finish()
}

/// A batch: every page, `pagecost_up` 0 for those that could not be audited. A target
/// listed twice is written once (a series is one label set).
pub fn batch(pages: &[PageResult]) -> String {
    let mut x = Exposition::default();
    let mut seen = std::collections::HashSet::new();
    for p in pages.iter().filter(|p| seen.insert(p.target.as_str())) {
        let page = vec![("page", p.target.clone())];
        x.up(&page, p.audited());
        if let Some(load) = &p.load() {
            x.load(&page, load, None);
        }
    }
    x.finish()
}

/// `compare`: both variants (label `variant`, medians of their runs) and, per metric, the
/// test's p-value, whether the difference is significant, and B's ratio to A.
pub fn compare(c: &CompareReport) -> String {
    let mut x = Exposition::default();
    for (variant, runs) in [("a", &c.a), ("b", &c.b)] {
        let labels = vec![("page", runs.target.clone()), ("variant", variant.into())];
        x.up(&labels, !runs.runs.is_empty());
        if !runs.runs.is_empty() {
            x.load(&labels, runs.median(), Some(runs));
        }
    }
    x.verdicts(&c.comparison);
    x.finish()
}

type Labels = Vec<(&'static str, String)>;

/// One metric family: its samples in the order they were added.
struct Family {
    name: String,
    unit: Option<&'static str>,
    help: &'static str,
    samples: Vec<(Labels, f64)>,
}

/// Families in the order they first appear; a family's samples stay together, as the
/// format requires.
#[derive(Default)]
struct Exposition {
    families: Vec<Family>,
}

impl Exposition {
    fn gauge(
        &mut self,
        name: String,
        unit: Option<&'static str>,
        help: &'static str,
    ) -> &mut Family {
        let i = match self.families.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                self.families.push(Family {
                    name,
                    unit,
                    help,
                    samples: Vec::new(),
                });
                self.families.len() - 1
            }
        };
        &mut self.families[i]
    }

    fn sample(
        &mut self,
        family: (&str, Option<&'static str>, &'static str),
        labels: Labels,
        value: f64,
    ) {
        let (name, unit, help) = family;
        if value.is_finite() {
            self.gauge(format!("pagecost_{name}"), unit, help)
                .samples
                .push((labels, value));
        }
    }

    fn up(&mut self, labels: &Labels, up: bool) {
        let help = "1 when the page was loaded, 0 when it could not be audited.";
        self.sample(
            ("up", None, help),
            labels.clone(),
            if up { 1.0 } else { 0.0 },
        );
    }

    /// A load's metrics (the runs' medians when there are runs) and its breakdowns by
    /// resource type, party and third-party entity.
    fn load(&mut self, labels: &Labels, load: &Load, runs: Option<&Runs>) {
        for m in Metric::ALL {
            let median = runs.and_then(|r| r.metric(m)).map(|s| s.summary.median);
            if let Some(v) = median.or_else(|| m.of(load)) {
                let (name, unit, value) = metric_name(m, v);
                self.sample((&name, unit, metric_help(m)), labels.clone(), value);
            }
        }
        let t = &load.totals;
        let counts = [
            (
                "failed_requests",
                t.failed,
                "Requests that failed (an error or an HTTP status >= 400).",
            ),
            (
                "empty_responses",
                t.empty,
                "Successful responses with an empty body.",
            ),
            ("redirects", t.redirects, "Redirect hops."),
            (
                "blocked_requests",
                t.blocked,
                "Requests blocked by --block patterns (not made).",
            ),
        ];
        for (name, n, help) in counts {
            self.sample((name, None, help), labels.clone(), n as f64);
        }
        for (ty, b) in &t.by_type {
            self.bucket("type", labels, ("type", ty.as_str().to_string()), b);
        }
        self.bucket("party", labels, ("party", "first".into()), &t.first_party);
        self.bucket("party", labels, ("party", "third".into()), &t.third_party);
        for (entity, b) in &t.by_entity {
            self.bucket("entity", labels, ("entity", entity.clone()), b);
        }
        self.main_thread(labels, load);
    }

    /// The load's main-thread and blocking time by party and third-party entity (browser
    /// engine; absent without a trace), in seconds.
    fn main_thread(&mut self, labels: &Labels, load: &Load) {
        let Some(p) = load.main_thread.as_ref().and_then(|m| m.by_party.as_ref()) else {
            return;
        };
        let parties = [
            ("first", p.first_party_ms, Some(p.first_party_blocking_ms)),
            ("third", p.third_party_ms, Some(p.third_party_blocking_ms)),
            (
                "unknown",
                p.unknown_party_ms,
                Some(p.unknown_party_blocking_ms),
            ),
            ("browser", p.browser_ms, None),
        ];
        let help = (
            "Main-thread time per party (first: the page's own site; unknown: scripts no request fetched; browser: its own work).",
            "Main-thread blocking time per party (each task's part past 50 ms, shared by time).",
        );
        for (party, ms, blocking) in parties {
            self.cpu(
                ("party", labels, ("party", party.into())),
                help,
                ms,
                blocking,
            );
        }
        let help = (
            "Main-thread time per third-party entity, its frames included.",
            "Main-thread blocking time per third-party entity.",
        );
        for e in &p.by_entity {
            let key = ("entity", e.name.clone());
            self.cpu(
                ("entity", labels, key),
                help,
                e.main_thread_ms,
                Some(e.blocking_ms),
            );
        }
    }

    /// `pagecost_{group}_main_thread_seconds` and `_main_thread_blocking_seconds` of one group.
    fn cpu(
        &mut self,
        (group, labels, key): (&str, &Labels, (&'static str, String)),
        help: (&'static str, &'static str),
        ms: f64,
        blocking: Option<f64>,
    ) {
        let mut l = labels.clone();
        l.push(key);
        let seconds = |ms: f64| (ms * 1000.0).round() / 1e6;
        let name = format!("{group}_main_thread_seconds");
        self.sample((&name, Some("seconds"), help.0), l.clone(), seconds(ms));
        if let Some(b) = blocking {
            let name = format!("{group}_main_thread_blocking_seconds");
            self.sample((&name, Some("seconds"), help.1), l, seconds(b));
        }
    }

    /// `pagecost_{group}_requests`, `_transfer_bytes` and `_decoded_bytes` of one group.
    fn bucket(&mut self, group: &str, labels: &Labels, key: (&'static str, String), b: &Bucket) {
        let mut l = labels.clone();
        l.push(key);
        let help = match group {
            "type" => [
                "Requests per resource type.",
                "Bytes on the wire per resource type.",
                "Bytes after content decoding per resource type.",
            ],
            "party" => [
                "Requests per party (first: the page's own site).",
                "Bytes on the wire per party.",
                "Bytes after content decoding per party.",
            ],
            _ => [
                "Requests per third-party entity (third-party-web).",
                "Bytes on the wire per third-party entity.",
                "Bytes after content decoding per third-party entity.",
            ],
        };
        let figures = [
            ("requests", None, b.requests),
            ("transfer_bytes", Some("bytes"), b.transfer_bytes),
            ("decoded_bytes", Some("bytes"), b.decoded_bytes),
        ];
        for ((what, unit, n), help) in figures.into_iter().zip(help) {
            self.sample(
                (&format!("{group}_{what}"), unit, help),
                l.clone(),
                n as f64,
            );
        }
    }

    /// Per metric compared: the p-value (when a test ran), significance and B/A.
    fn verdicts(&mut self, c: &Comparison) {
        for d in &c.metrics {
            let labels: Labels = vec![("metric", d.key.name())];
            if let Some(p) = d.p {
                let help = "The comparison's two-sided p-value for the metric.";
                self.sample(("compare_p_value", None, help), labels.clone(), p);
            }
            let help = "1 when B differs significantly from A on the metric.";
            let significant = if d.verdict.significant() { 1.0 } else { 0.0 };
            self.sample(
                ("compare_significant", None, help),
                labels.clone(),
                significant,
            );
            if let Some(r) = d.ratio {
                let help = "B's median over A's for the metric.";
                self.sample(("compare_ratio", None, help), labels, r);
            }
        }
    }

    fn finish(self) -> String {
        let mut s = String::new();
        for f in &self.families {
            s.push_str(&format!("# TYPE {} gauge\n", f.name));
            if let Some(u) = f.unit {
                s.push_str(&format!("# UNIT {} {u}\n", f.name));
            }
            s.push_str(&format!("# HELP {} {}\n", f.name, f.help));
            for (labels, value) in &f.samples {
                s.push_str(&f.name);
                write_labels(&mut s, labels);
                s.push(' ');
                s.push_str(&number(*value));
                s.push('\n');
            }
        }
        s.push_str("# EOF\n");
        s
    }
}

/// A metric's family name, unit and value in base units: milliseconds become seconds.
fn metric_name(m: Metric, v: f64) -> (String, Option<&'static str>, f64) {
    let name = m.name();
    match m.unit() {
        Unit::Ms => (
            format!("{}_seconds", name.strip_suffix("_ms").unwrap_or(name)),
            Some("seconds"),
            (v * 1000.0).round() / 1e6, // to the microsecond, so 295.669 ms is 0.295669
        ),
        Unit::Bytes => (name.to_string(), Some("bytes"), v),
        Unit::Count | Unit::Score => (name.to_string(), None, v),
        Unit::Grams => (name.to_string(), Some("grams"), v),
        Unit::Usd => (name.to_string(), Some("usd"), v),
    }
}

fn metric_help(m: Metric) -> &'static str {
    match m {
        Metric::DocumentTtfb => "Time to the first byte of the final document response.",
        Metric::FullyLoaded => "Time to the last byte of the last request.",
        Metric::Requests => "Requests made (redirect hops included, blocked ones not).",
        Metric::TransferBytes => "Bytes on the wire, headers included.",
        Metric::DecodedBytes => "Bytes after content decoding.",
        Metric::Co2e => "CO2e of the bytes on the wire, Sustainable Web Design model v4.",
        Metric::DataCost => "What a view costs a visitor on mobile data, US dollars.",
        Metric::Savings => {
            "Bytes the page could shed (--savings): compressed text, re-encoded images."
        }
        Metric::DomContentLoaded => "The DOMContentLoaded event (browser engine).",
        Metric::LoadEvent => "The load event (browser engine).",
        Metric::FirstContentfulPaint => "First contentful paint (browser engine).",
        Metric::LargestContentfulPaint => "Largest contentful paint (browser engine).",
        Metric::SpeedIndex => "Speed Index, from the load's screenshots (browser engine).",
        Metric::TotalBlockingTime => "Total blocking time (browser engine).",
        Metric::CumulativeLayoutShift => {
            "Cumulative layout shift, a unitless score (browser engine)."
        }
        Metric::MainThread => "Main-thread time of the page's renderers (browser engine).",
        Metric::MainThreadBlocking => {
            "Main-thread blocking time, each task's part past 50 ms (browser engine)."
        }
    }
}

/// `{a="x",b="y"}` with the values escaped as the format requires (`\\`, `\"`, `\n`).
fn write_labels(s: &mut String, labels: &Labels) {
    if labels.is_empty() {
        return;
    }
    s.push('{');
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(k);
        s.push_str("=\"");
        for c in v.chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '"' => s.push_str("\\\""),
                '\n' => s.push_str("\\n"),
                c => s.push(c),
            }
        }
        s.push('"');
    }
    s.push('}');
}

/// Integers without a fraction; other values with the digits they need.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut s = String::new();
        let labels: Labels = vec![("page", "a\"b\\c\nd".into()), ("x", "y".into())];
        write_labels(&mut s, &labels);
        assert_eq!(s, r#"{page="a\"b\\c\nd",x="y"}"#);
    }

    #[test]
    fn milliseconds_become_seconds_and_integers_stay_whole() {
        assert_eq!(
            metric_name(Metric::FullyLoaded, 1500.0),
            ("fully_loaded_seconds".into(), Some("seconds"), 1.5)
        );
        assert_eq!(
            metric_name(Metric::TransferBytes, 10.0),
            ("transfer_bytes".into(), Some("bytes"), 10.0)
        );
        let (_, _, s) = metric_name(Metric::LoadEvent, 295.669);
        assert_eq!(number(s), "0.295669");
        assert_eq!(number(1024.0), "1024");
        assert_eq!(number(0.25), "0.25");
    }

    /// A traced load's main-thread time by party and entity, in seconds, blocking too (none
    /// for the browser's own work); nothing without a trace.
    #[test]
    fn main_thread_time_by_party_and_entity_is_in_seconds() {
        use crate::trace::{EntityCpu, MainThread, PartyCpu};
        let mut load = crate::har::testing::load_of(1, 10.0);
        let mut e = Exposition::default();
        e.main_thread(&Vec::new(), &load);
        assert!(e.families.is_empty());
        load.main_thread = Some(MainThread {
            by_party: Some(PartyCpu {
                third_party_ms: 570.0,
                third_party_blocking_ms: 330.5,
                browser_ms: 12.0,
                by_entity: vec![EntityCpu {
                    name: "Ads \"Inc\"".into(),
                    main_thread_ms: 570.0,
                    blocking_ms: 330.5,
                }],
                ..PartyCpu::default()
            }),
            ..MainThread::default()
        });
        e.main_thread(&Vec::new(), &load);
        let text = e.finish();
        assert!(
            text.contains("# UNIT pagecost_party_main_thread_seconds seconds"),
            "{text}"
        );
        assert!(
            text.contains("pagecost_party_main_thread_seconds{party=\"third\"} 0.57\n"),
            "{text}"
        );
        assert!(
            text.contains("pagecost_party_main_thread_blocking_seconds{party=\"third\"} 0.3305\n"),
            "{text}"
        );
        assert!(
            text.contains("pagecost_party_main_thread_seconds{party=\"browser\"} 0.012\n"),
            "{text}"
        );
        assert!(
            !text.contains("blocking_seconds{party=\"browser\"}"),
            "{text}"
        );
        assert!(
            text.contains("pagecost_entity_main_thread_seconds{entity=\"Ads \\\"Inc\\\"\"} 0.57\n"),
            "{text}"
        );
    }
}
