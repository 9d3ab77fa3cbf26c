//! `links` output: lines (pipe-friendly), JSON, CSV and Markdown, with check results when
//! `--check` ran.

use crate::links::Link;
use crate::links::{CheckOutcome as Outcome, CheckResult};
use serde::Serialize;

/// A link with its check result, as the JSON output writes it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Row<'a> {
    /// The link.
    #[serde(flatten)]
    pub link: &'a Link,
    /// Its check, with `--check`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<&'a CheckResult>,
}

fn rows<'a>(links: &'a [Link], checks: Option<&'a [CheckResult]>) -> Vec<Row<'a>> {
    links
        .iter()
        .enumerate()
        .map(|(i, l)| Row {
            link: l,
            check: checks.and_then(|c| c.get(i)),
        })
        .collect()
}

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Ok => "ok",
        Outcome::Redirected => "redirected",
        Outcome::Broken => "broken",
        Outcome::Skipped => "skipped",
    }
}

/// One URL per line (`invalid: RAW` for unparseable ones); with text: `URL<TAB>TEXT`; with a
/// check: `STATUS OUTCOME URL [-> FINAL]`.
pub fn lines(links: &[Link], checks: Option<&[CheckResult]>, with_text: bool) -> String {
    let mut out = String::new();
    for r in rows(links, checks) {
        let l = r.link;
        let url = match &l.url {
            Some(u) => u.clone(),
            None => format!("invalid: {}", l.raw),
        };
        if let Some(c) = r.check {
            let status = c
                .status
                .map_or_else(|| "---".to_string(), |s| s.to_string());
            out.push_str(&format!("{status} {:<10} ", outcome(c.outcome)));
        }
        out.push_str(&super::sanitize(&url));
        if let Some(c) = r.check {
            if let Some(f) = &c.final_url {
                out.push_str(&format!(" -> {}", super::sanitize(f)));
            }
            if let Some(e) = &c.error {
                out.push_str(&format!(" ({})", super::sanitize(e)));
            }
        }
        if with_text {
            out.push('\t');
            out.push_str(&super::sanitize(l.label()));
        }
        out.push('\n');
    }
    out
}

/// A JSON array of link records.
pub fn json(links: &[Link], checks: Option<&[CheckResult]>) -> String {
    super::json::render_value(&rows(links, checks))
}

/// CSV with a header row.
pub fn csv(links: &[Link], checks: Option<&[CheckResult]>) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "url", "text", "title", "rel", "alt", "element", "kind", "line", "document", "valid",
    ];
    if checks.is_some() {
        header.extend(["status", "outcome", "final_url", "time_ms", "error"]);
    }
    let _ = w.write_record(&header);
    for r in rows(links, checks) {
        let l = r.link;
        let mut rec = vec![
            l.url_or_raw().to_string(),
            l.text.clone(),
            l.title.clone().unwrap_or_default(),
            l.rel.clone().unwrap_or_default(),
            l.alt.clone().unwrap_or_default(),
            l.element.clone(),
            format!("{:?}", l.kind).to_ascii_lowercase(),
            l.line.map(|n| n.to_string()).unwrap_or_default(),
            l.document.clone(),
            l.url.is_some().to_string(),
        ];
        if let Some(c) = r.check {
            rec.extend([
                c.status.map(|s| s.to_string()).unwrap_or_default(),
                outcome(c.outcome).to_string(),
                c.final_url.clone().unwrap_or_default(),
                format!("{:.1}", c.time_ms),
                c.error.clone().unwrap_or_default(),
            ]);
        }
        let _ = w.write_record(rec.iter().map(|c| inert(c)));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): text from a
/// page that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
pub(crate) fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']' | '\\' | '*' | '_' | '`' | '|' | '<' | '>') {
            out.push('\\');
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// A Markdown list: `- [text](<url>)`, with the check status when there is one.
pub fn markdown(links: &[Link], checks: Option<&[CheckResult]>) -> String {
    let mut out = String::new();
    for r in rows(links, checks) {
        let l = r.link;
        let label = if l.label().is_empty() {
            l.url_or_raw()
        } else {
            l.label()
        };
        let line = match &l.url {
            Some(u) => format!("- [{}](<{}>)", md_escape(label), u.replace('>', "%3E")),
            None => format!(
                "- {} (invalid URL: `{}`)",
                md_escape(label),
                l.raw.replace('`', "'")
            ),
        };
        out.push_str(&line);
        if let Some(c) = r.check {
            let status = c
                .status
                .map_or_else(|| "no response".to_string(), |s| s.to_string());
            out.push_str(&format!(" — {} {}", outcome(c.outcome), status));
        }
        out.push('\n');
    }
    out
}
