//! Renderers: a job's [`Report`] to text. One format per file, one dispatch point
//! ([`render`]); every table and every sentence a user reads is made here, never in the
//! data (a verdict's words: [`words`]).

pub mod batch;
pub mod budget;
pub mod calibrate;
mod carbon;
pub mod compare;
mod filmstrip;
mod gates;
#[cfg(feature = "history")]
pub mod history;
pub mod html;
pub mod json;
pub mod links;
pub mod markdown;
pub mod openmetrics;
mod savings;
pub mod schema;
pub mod table;
#[cfg(feature = "history")]
pub mod trend;
pub mod words;

use crate::job::{AuditReport, BatchReport, CompareReport, LinksReport, Report};
use crate::links::CheckOutcome;
use std::io::{self, Write};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal tables, charts and the waterfall.
    Table,
    /// The JSON contract.
    Json,
    /// One JSON line per page.
    Jsonl,
    /// Markdown for a pull-request comment.
    Markdown,
    /// JUnit XML of the budget lines.
    Junit,
    /// HAR 1.2.
    Har,
    /// One self-contained HTML page.
    Html,
    /// CSV with a header row.
    Csv,
    /// One URL per line.
    Lines,
    /// OpenMetrics text (Prometheus).
    Openmetrics,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 10] = [
        Format::Table,
        Format::Json,
        Format::Jsonl,
        Format::Markdown,
        Format::Junit,
        Format::Har,
        Format::Html,
        Format::Csv,
        Format::Lines,
        Format::Openmetrics,
    ];

    /// A format by its name.
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name users write (`--format json`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Markdown => "markdown",
            Format::Junit => "junit",
            Format::Har => "har",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Lines => "lines",
            Format::Openmetrics => "openmetrics",
        }
    }

    /// Whether it reports one page only (not a batch).
    pub fn one_page_only(self) -> bool {
        matches!(
            self,
            Format::Har | Format::Html | Format::Junit | Format::Markdown
        )
    }

    /// What it can show of an audit's result, for the job to refuse what it cannot.
    pub fn shows(self) -> crate::job::Shows {
        crate::job::Shows {
            format: self.name(),
            per_page: self == Format::Jsonl,
            many_pages: !self.one_page_only(),
            without_budgets: self != Format::Junit,
        }
    }
}

/// How to render, beyond the format.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Terminal width, when the report goes to a terminal (tables fit it).
    pub width: Option<u16>,
    /// Colour (a terminal without NO_COLOR).
    pub color: bool,
    /// Audit tables: one row per connection too.
    pub connections: bool,
    /// Links as lines: the link text after a tab.
    pub with_text: bool,
    /// HAR: keep cookies, authorization and added headers.
    pub include_sensitive: bool,
}

/// Renders a report in a format. A format the report has no rendering for is an
/// `InvalidInput` error (plans refuse those before anything runs).
pub fn render(r: &Report, f: Format, o: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match (r, f) {
        // Streamed: a load of 160,000 requests, or a batch of 1,000 pages, is no string.
        (Report::Audit(a), Format::Json) => return json::write_audit(a, out),
        (Report::Batch(b), Format::Jsonl) => return batch::write_jsonl(&b.pages, out),
        _ => {}
    }
    let text = match r {
        Report::Audit(a) => audit(a, f, o),
        Report::Batch(b) => batch_text(b, f, o),
        Report::Compare(c) => compare_text(c, f, o),
        Report::Calibrate(c) => match f {
            Format::Table => Some(calibrate::text(c, o.width)),
            Format::Markdown => Some(calibrate::markdown(c)),
            Format::Json => Some(json::render_sorted(c)),
            _ => None,
        },
        Report::Links(l) => links_text(l, f, o),
        Report::Budget(b) => (f == Format::Json).then(|| json::render_sorted(&[b])),
        #[cfg(feature = "history")]
        Report::History(h) => match f {
            Format::Table => Some(history::table(h, o.width)),
            Format::Json => Some(history::json(h)),
            Format::Csv => history::csv(h),
            Format::Html => match h {
                crate::job::history::HistoryReport::Runs { db, runs, .. } => {
                    Some(trend::render(db, runs))
                }
                _ => None,
            },
            _ => None,
        },
    };
    let text = text.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("this report has no {} format", f.name()),
        )
    })?;
    out.write_all(text.as_bytes())
}

fn audit(a: &AuditReport, f: Format, o: &RenderOptions) -> Option<String> {
    let shown = a.shown();
    let verdict = a.budget.as_ref();
    Some(match f {
        Format::Table => {
            let opts = table::TableOptions {
                width: o.width,
                connections: o.connections,
                color: o.color,
            };
            let mut s = match &a.runs {
                Some(r) => table::render_runs(r, opts),
                None => table::render(shown, opts),
            };
            if let Some(e) = &a.estimate {
                s.push_str(&table::render_estimate(shown, e, opts));
            }
            if let Some((v, name)) = verdict {
                s.push_str(&budget::table(v, name));
            }
            s
        }
        Format::Json => json::audit(a),
        Format::Markdown => {
            let mut s = markdown::load(shown);
            if let Some((v, _)) = verdict {
                s.push('\n');
                s.push_str(&budget::markdown(v, &shown.page_name()));
            }
            s
        }
        Format::Junit => budget::junit(&verdict?.0, &shown.page_name()),
        Format::Html => html::render(shown),
        Format::Openmetrics => openmetrics::audit(a),
        Format::Har => {
            let opts = crate::har::ExportOptions {
                include_sensitive: o.include_sensitive,
                extra_sensitive: a.added_headers.clone(),
            };
            json::render_value(&crate::har::export(shown, &opts))
        }
        _ => return None,
    })
}

fn batch_text(b: &BatchReport, f: Format, o: &RenderOptions) -> Option<String> {
    Some(match f {
        Format::Jsonl => batch::jsonl(&b.pages),
        // Through a value, so that the packed loads are pretty-printed too.
        Format::Json => {
            json::render_value(&serde_json::to_value(&b.pages).expect("pages serialize"))
        }
        Format::Openmetrics => openmetrics::batch(&b.pages),
        Format::Table => batch::summary(&b.pages, &b.verdicts, o.width),
        _ => return None,
    })
}

fn compare_text(c: &CompareReport, f: Format, o: &RenderOptions) -> Option<String> {
    let budget_b = c.budget_b.as_ref().zip(c.budget_name.as_ref());
    Some(match f {
        Format::Table => {
            let mut s = compare::render(&c.comparison, o.width);
            if let Some((v, name)) = budget_b {
                s.push_str(&budget::table(v, &format!("{name} (variant B)")));
            }
            s
        }
        Format::Markdown => {
            let mut s = compare::markdown(&c.comparison);
            s.push_str(&gates::markdown(c));
            if let Some((v, _)) = budget_b {
                s.push('\n');
                s.push_str(&budget::markdown(v, &c.b.target));
            }
            s
        }
        Format::Html => {
            html::render_compare(&c.comparison, (c.a.median(), c.b.median()), &gates::html(c))
        }
        Format::Json => json::render_sorted(c),
        Format::Openmetrics => openmetrics::compare(c),
        _ => return None,
    })
}

fn links_text(l: &LinksReport, f: Format, o: &RenderOptions) -> Option<String> {
    let checks = l.checks.as_deref();
    Some(match f {
        Format::Lines => links::lines(&l.links, checks, o.with_text),
        Format::Json => links::json(&l.links, checks),
        Format::Csv => links::csv(&l.links, checks),
        Format::Markdown => links::markdown(&l.links, checks),
        _ => return None,
    })
}

/// A line a report has to say besides itself, for stderr: data the CLI words for its user
/// (a gate is a `--fail-if` there) or writes as it is (an annotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A sentence about the report.
    Said(String),
    /// A gate as written and its verdict ("bytes>+10%: tripped (...)").
    Gate(String),
    /// The comparison's block patterns were applied to B only.
    BlockAppliesToB,
    /// A GitHub Actions workflow command (`::error file=...`), written as it is.
    Annotation(String),
}

/// What a report has to say besides itself, one line each, for stderr: an interruption,
/// pages that could not be audited, gates, link counts, GitHub annotations (`github`).
/// `quiet` keeps only what matters for the outcome.
pub fn notices(r: &Report, quiet: bool, github: bool) -> Vec<Notice> {
    let annotations = |v: Option<&crate::verdict::budget::Verdict>| -> Vec<Notice> {
        match (github, v) {
            (true, Some(v)) => (budget::github_annotations(v).into_iter())
                .map(Notice::Annotation)
                .collect(),
            _ => Vec::new(),
        }
    };
    let said = |s: String| vec![Notice::Said(s)];
    match r {
        Report::Audit(a) => {
            let mut out = Vec::new();
            if a.interrupted {
                out = said("interrupted; the report above is partial".into());
            }
            out.extend(annotations(a.budget.as_ref().map(|(v, _)| v)));
            out
        }
        Report::Batch(b) => batch_notices(b),
        Report::Compare(c) => {
            let mut out = compare_notices(c, quiet);
            out.extend(annotations(c.budget_b.as_ref()));
            out
        }
        Report::Links(l) if l.checks.is_some() && !quiet => said(format!(
            "{} links: {} ok, {} redirected, {} broken, {} skipped",
            l.links.len(),
            l.count(CheckOutcome::Ok),
            l.count(CheckOutcome::Redirected),
            l.count(CheckOutcome::Broken),
            l.count(CheckOutcome::Skipped)
        )),
        Report::Budget(b) if b.broken() > 0 => said(format!(
            "the page has {} broken or empty subresources today; the budget allows them \
             (set \"broken\" to 0 once they are fixed)",
            b.broken()
        )),
        Report::Calibrate(c) if c.interrupted => {
            said("interrupted; calibrated on the runs that finished".into())
        }
        Report::Links(_) | Report::Budget(_) | Report::Calibrate(_) => Vec::new(),
        #[cfg(feature = "history")]
        Report::History(_) => Vec::new(),
    }
}

/// A batch's notices: interrupted, pages that could not be audited.
fn batch_notices(b: &BatchReport) -> Vec<Notice> {
    let mut out = Vec::new();
    if b.interrupted {
        out.push(Notice::Said(format!(
            "interrupted; the report above holds the {} pages that had started, those \
             under way partial",
            b.pages.len()
        )));
    }
    if b.failed() > 0 && !b.merged {
        out.push(Notice::Said(format!(
            "{} of {} pages could not be audited",
            b.failed(),
            b.pages.len()
        )));
    }
    out
}

/// A comparison's notices: interrupted, `--block` applying to B, its gates' verdicts.
fn compare_notices(c: &CompareReport, quiet: bool) -> Vec<Notice> {
    let mut out = Vec::new();
    if c.interrupted {
        out.push(Notice::Said(format!(
            "interrupted; the comparison above is of the runs that finished ({} of A, \
             {} of B)",
            c.a.runs.len(),
            c.b.runs.len()
        )));
    }
    if c.block_applies_to_b && !quiet {
        out.push(Notice::BlockAppliesToB);
    }
    if let Some(g) = c
        .gating
        .as_ref()
        .filter(|g| !quiet && (g.gates > 1 || g.looks.is_some()))
    {
        out.push(Notice::Said(words::gating(
            g,
            c.a.runs.len().min(c.b.runs.len()),
        )));
    }
    for g in c.gates.iter().filter(|g| !quiet || g.tripped) {
        out.push(Notice::Gate(words::gate_verdict(g)));
    }
    out
}

/// Human-readable bytes, decimal units as in a browser's network panel (1 kB = 1000 B).
pub fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1000.0 {
        format!("{n} B")
    } else if n < 1_000_000.0 {
        format!("{:.1} kB", n / 1000.0)
    } else if n < 1_000_000_000.0 {
        format!("{:.2} MB", n / 1_000_000.0)
    } else {
        format!("{:.2} GB", n / 1_000_000_000.0)
    }
}

/// Human-readable milliseconds: `3.4 ms`, `850 ms`, `2.31 s`.
pub fn human_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// `http://host/very/long…end.css`: keeps the start and the end within `max` characters.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max * 2 / 3).collect();
    let tail: String = s.chars().skip(n - (max - max * 2 / 3 - 1)).collect();
    format!("{head}…{tail}")
}

/// Escapes text for HTML or XML (`&apos;` is valid in both). Control characters become a
/// space, or, with `keep_whitespace`, are kept when they are new lines and tabs.
pub(crate) fn escape_markup(s: &str, keep_whitespace: bool) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\n' | '\t' | '\r' if keep_whitespace => o.push(c),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Removes control characters (escape sequences included) from text that came from a page,
/// so a hostile title or URL cannot rewrite the terminal.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_like_a_network_panel() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(211_000), "211.0 kB");
        assert_eq!(human_bytes(1_000_000), "1.00 MB");
        assert_eq!(human_ms(2.44), "2.4 ms");
        assert_eq!(human_ms(850.2), "850 ms");
        assert_eq!(human_ms(14_300.0), "14.30 s");
    }

    #[test]
    fn control_characters_from_pages_are_neutralized() {
        assert_eq!(sanitize("a\u{1b}[2Jb\n"), "a\u{fffd}[2Jb\u{fffd}");
    }
}
