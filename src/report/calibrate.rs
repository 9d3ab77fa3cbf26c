//! A calibration in words: per metric the run-to-run spread (CV, MAD), the smallest change a
//! gate catches at the runs asked and the runs it needs for the change asked; for the
//! terminal and Markdown (JSON is the report itself).

use super::compare::{md, right, table};
use super::words::{amount, metric_label};
use crate::job::CalibrateReport;
use crate::verdict::calibration::{Calibration, Spread, MAX_CHANGE, MAX_RUNS};
use comfy_table::Cell;
use std::fmt::Write as _;

/// A fraction as a percentage: `4.2 %`.
fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The cells of one metric: label, median, CV, MAD, smallest change, runs needed.
fn cells(s: &Spread) -> [String; 6] {
    let cv = s.cv.map_or("n/a".into(), pct);
    let mad = match s.mad_ratio {
        Some(r) => format!("{} ({})", amount(s.mad, s.unit), pct(r)),
        None => amount(s.mad, s.unit),
    };
    let smallest = match (s.constant, s.smallest_change) {
        (true, _) => "any (constant)".into(),
        (false, Some(c)) => format!("+{}", pct(c)),
        (false, None) => format!("none up to +{:.0} %", MAX_CHANGE * 100.0),
    };
    let needed = match (s.constant, s.runs_needed) {
        (true, _) => "1".into(),
        (false, Some(n)) => n.to_string(),
        (false, None) => format!("more than {MAX_RUNS}"),
    };
    [
        metric_label(s.metric),
        amount(s.median, s.unit),
        cv,
        mad,
        smallest,
        needed,
    ]
}

/// The column heads, with what was asked.
fn heads(c: &Calibration) -> [String; 6] {
    [
        format!("{} runs", c.runs),
        "median".into(),
        "CV".into(),
        "MAD".into(),
        format!("smallest change caught at {} runs", c.gate_runs),
        format!("runs for +{}", pct(c.detect)),
    ]
}

/// What the numbers assume, in a sentence.
fn footnote(c: &Calibration) -> String {
    let engine = c.engine.as_deref().unwrap_or("static");
    let failed = match c.failed {
        0 => String::new(),
        n => format!(
            " {n} of {} runs failed or were cut short and are left out; a gate on this page \
             loses runs the same way.",
            c.runs + n
        ),
    };
    format!(
        "{} by the {engine} engine. A one-sided gate at alpha {} with power {:.0} %, per \
         variant, from the page's own runs resampled (no normal model); constant metrics \
         need no test.{failed} Use the runs as a baseline: pagecost compare PAGE --baseline \
         pagecost=calibration (after --save).",
        c.page,
        c.alpha,
        c.power * 100.0
    )
}

/// The terminal table.
pub fn text(r: &CalibrateReport, width: Option<u16>) -> String {
    let c = &r.calibration;
    let mut t = table(width);
    let [h0, rest @ ..] = heads(c);
    let mut head = vec![Cell::new(h0)];
    head.extend(rest.into_iter().map(right));
    t.set_header(head);
    for s in &c.metrics {
        let [label, rest @ ..] = cells(s);
        let mut row = vec![Cell::new(label)];
        row.extend(rest.into_iter().map(right));
        t.add_row(row);
    }
    format!("{t}\n{}\n", footnote(c))
}

/// Markdown.
pub fn markdown(r: &CalibrateReport) -> String {
    let c = &r.calibration;
    let mut o = format!("### Calibration of {}\n\n", md(&c.page));
    let row = |cells: [String; 6]| {
        let cells: Vec<String> = cells.iter().map(|s| md(s)).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    o.push_str(&row(heads(c)));
    o.push_str("|---|---:|---:|---:|---:|---:|\n");
    for s in &c.metrics {
        o.push_str(&row(cells(s)));
    }
    let _ = writeln!(o, "\n{}", md(&footnote(c)));
    o
}
