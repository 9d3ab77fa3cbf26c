//! Comparison output: a terminal report with bar charts that fits the terminal it is printed
//! on, and Markdown for a PR comment.
//!
//! Widths: with no known width (a pipe) or 150 columns and more, every column; under 150 the
//! spreads go; under 100 the p-value and effect fold into a short verdict, metric names
//! shorten and URLs and hosts are cut in the middle, so each metric and each request stays
//! on one line. The full set is always in the JSON and Markdown.

use super::words::{self, amount};
use super::{human_bytes, sanitize, shorten};
use crate::compare::{Comparison, GroupDiff, MetricDiff, RequestDiff};
use crate::metric::{Metric, Unit};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

const STYLE: &str = "  ── ══      ──    ";
/// Longest bar of the bar charts.
const BAR: usize = 40;

/// How much room the report has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Room {
    /// Under 100 columns.
    Narrow,
    /// 100 to 149 columns.
    Medium,
    /// 150 and more, or unknown (not a terminal).
    Wide,
}

impl Room {
    fn of(width: Option<u16>) -> Room {
        match width {
            Some(w) if w < 100 => Room::Narrow,
            Some(w) if w < 150 => Room::Medium,
            _ => Room::Wide,
        }
    }
}

fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Bytes => human_bytes(v.max(0.0).round() as u64),
        _ => amount(v, unit),
    }
}

fn signed(unit: Unit, v: f64) -> String {
    let s = amount(v, unit);
    if v > 0.0 {
        format!("+{s}")
    } else if v < 0.0 {
        format!("-{s}")
    } else {
        s
    }
}

fn table(width: Option<u16>) -> Table {
    let mut t = Table::new();
    t.load_preset(STYLE);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = width {
        t.set_width(w);
    }
    t
}

fn right(s: impl ToString) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// `fully loaded`, `estimated fully loaded on 3g`; narrow: `~fully loaded`.
fn metric_label(m: &MetricDiff, room: Room) -> String {
    let base = m
        .key
        .metric
        .name()
        .trim_end_matches("_ms")
        .replace('_', " ");
    match (&m.key.estimated_on, room) {
        (None, _) => base,
        (Some(_), Room::Narrow) => format!("~{base}"),
        (Some(p), _) => format!("estimated {base} on {p}"),
    }
}

fn spread(m: &MetricDiff, s: &crate::stats::Summary) -> String {
    if s.n < 2 {
        return "-".to_string();
    }
    format!(
        "±{} ({}–{})",
        value(m.unit, s.stddev),
        value(m.unit, s.min),
        value(m.unit, s.max)
    )
}

fn metrics_table(c: &Comparison, width: Option<u16>) -> String {
    let room = Room::of(width);
    let mut t = table(width);
    let wide = room == Room::Wide;
    let mut header = vec!["metric", "A median"];
    if wide {
        header.push("A spread");
    }
    header.push("B median");
    if wide {
        header.push("B spread");
    }
    header.extend(["B - A", "B / A"]);
    match room {
        Room::Narrow => header.push("verdict"),
        _ => header.extend(["p", "effect", "verdict"]),
    }
    t.set_header(header);
    for m in &c.metrics {
        let mut row = vec![
            Cell::new(metric_label(m, room)),
            right(value(m.unit, m.a.median)),
        ];
        if room == Room::Wide {
            row.push(right(spread(m, &m.a)));
        }
        row.push(right(value(m.unit, m.b.median)));
        if room == Room::Wide {
            row.push(right(spread(m, &m.b)));
        }
        row.push(right(signed(m.unit, m.diff)));
        row.push(right(
            m.ratio.map_or_else(|| "-".into(), |r| format!("{r:.2}x")),
        ));
        if room == Room::Narrow {
            row.push(Cell::new(words::short(&m.verdict)));
        } else {
            row.push(right(m.p.map_or_else(|| "-".into(), |p| format!("{p:.3}"))));
            row.push(Cell::new(m.effect.map(|e| e.as_str()).unwrap_or_default()));
            row.push(Cell::new(m.verdict.to_string()));
        }
        t.add_row(row);
    }
    let mut o = format!("\n{t}\n");
    if let Some(p) = c.metrics.iter().find_map(|m| m.key.estimated_on.as_ref()) {
        if room == Room::Narrow {
            o.push_str(&format!("~: estimated on {p}\n"));
        }
    }
    o
}

fn bars(c: &Comparison, width: Option<u16>) -> String {
    let bar_max = width.map_or(BAR, |w| BAR.min(usize::from(w).saturating_sub(34).max(10)));
    let mut o = String::from("\nshorter is better (median runs):\n");
    let charted = [Metric::TransferBytes, Metric::Requests, Metric::FullyLoaded];
    for m in c
        .metrics
        .iter()
        .filter(|m| m.key.estimated_on.is_none() && charted.contains(&m.key.metric))
    {
        let max = m.a.median.max(m.b.median);
        let bar = |v: f64| {
            let n = if max > 0.0 {
                ((v / max) * bar_max as f64).round() as usize
            } else {
                0
            };
            "#".repeat(n.max(usize::from(v > 0.0)))
        };
        let label = metric_label(m, Room::Wide);
        for (side, v, name) in [("A", m.a.median, label.as_str()), ("B", m.b.median, "")] {
            o.push_str(&format!(
                "  {name:<16} {side} {:<w$} {}\n",
                bar(v),
                value(m.unit, v),
                w = bar_max
            ));
        }
    }
    o
}

/// The terminal report, fitted to `width` columns when known.
pub fn render(c: &Comparison, width: Option<u16>) -> String {
    let line_max = width.map_or(usize::MAX, |w| usize::from(w).saturating_sub(1));
    let mut o = String::new();
    for (side, target, runs) in [("A", &c.a, c.runs.0), ("B", &c.b, c.runs.1)] {
        let line = format!("{side}: {} ({runs} runs)", sanitize(target));
        o.push_str(&shorten(&line, line_max));
        o.push('\n');
    }
    for (side, f) in [("A", &c.failed_runs.0), ("B", &c.failed_runs.1)] {
        if !f.is_empty() {
            let line = format!(
                "{side}: {} runs failed and are left out: {}",
                f.len(),
                sanitize(&f.join("; "))
            );
            o.push_str(&shorten(&line, line_max));
            o.push('\n');
        }
    }
    o.push_str(&metrics_table(c, width));
    o.push_str(&bars(c, width));
    o.push_str(&requests("only in A", &c.only_in_a, false, width));
    o.push_str(&requests("only in B", &c.only_in_b, false, width));
    o.push_str(&requests("changed in size", &c.changed, true, width));
    for (title, g) in [
        ("type", &c.by_type),
        ("host", &c.by_host),
        ("entity", &c.by_entity),
        ("category", &c.by_category),
    ] {
        o.push_str(&groups(title, g, width));
    }
    o
}

/// Room left for a text column when the other columns take `others` characters.
fn text_room(width: Option<u16>, others: usize) -> usize {
    width.map_or(usize::MAX, |w| {
        usize::from(w).saturating_sub(others).max(12)
    })
}

fn requests(title: &str, r: &[RequestDiff], both: bool, width: Option<u16>) -> String {
    if r.is_empty() {
        return String::new();
    }
    let total: i64 = r.iter().map(|x| x.b_bytes as i64 - x.a_bytes as i64).sum();
    let mut t = table(width);
    let mut header = vec!["url", "type", "entity"];
    header.extend(if both {
        vec!["A", "B", "B - A"]
    } else {
        vec!["bytes"]
    });
    t.set_header(header);
    let mut sorted: Vec<&RequestDiff> = r.iter().collect();
    sorted.sort_by_key(|x| std::cmp::Reverse((x.b_bytes as i64 - x.a_bytes as i64).abs()));
    let entity_max = text_room(width, 60).min(24);
    let longest_entity = sorted
        .iter()
        .map(|x| {
            x.entity
                .as_deref()
                .map_or(0, |e| e.chars().count().min(entity_max))
        })
        .max()
        .unwrap_or(0);
    let url_max = text_room(width, 26 + longest_entity + if both { 22 } else { 0 });
    for x in &sorted {
        let entity = x.entity.as_deref().unwrap_or_default();
        let mut row = vec![
            Cell::new(shorten(&sanitize(&x.key), url_max)),
            Cell::new(x.resource_type),
            Cell::new(shorten(&sanitize(entity), entity_max)),
        ];
        if both {
            row.push(right(human_bytes(x.a_bytes)));
            row.push(right(human_bytes(x.b_bytes)));
        }
        let delta = x.b_bytes as f64 - x.a_bytes as f64;
        row.push(right(signed(Unit::Bytes, delta).trim_start_matches('+')));
        t.add_row(row);
    }
    format!(
        "\n{title}: {} requests, {}\n{t}\n",
        r.len(),
        signed(Unit::Bytes, total as f64)
    )
}

fn groups(title: &str, g: &[GroupDiff], width: Option<u16>) -> String {
    let changed: Vec<&GroupDiff> = g.iter().filter(|x| x.a != x.b).collect();
    if changed.is_empty() {
        return String::new();
    }
    let narrow = Room::of(width) == Room::Narrow;
    let mut t = table(width);
    let (ra, rb) = if narrow {
        ("A req", "B req")
    } else {
        ("A requests", "B requests")
    };
    t.set_header(vec![title, ra, rb, "A bytes", "B bytes", "B - A"]);
    let name_max = text_room(width, 58);
    for x in changed {
        t.add_row(vec![
            Cell::new(shorten(&sanitize(&x.name), name_max)),
            right(x.a.requests),
            right(x.b.requests),
            right(human_bytes(x.a.transfer_bytes)),
            right(human_bytes(x.b.transfer_bytes)),
            right(signed(
                Unit::Bytes,
                x.b.transfer_bytes as f64 - x.a.transfer_bytes as f64,
            )),
        ]);
    }
    format!("\nby {title}:\n{t}\n")
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('`', "'")
}

/// Markdown for a pull-request comment: the verdicts up front, details folded.
pub fn markdown(c: &Comparison) -> String {
    let mut o = format!(
        "### pagecost compare\n\n**A** `{}` ({} runs) vs **B** `{}` ({} runs)\n\n| metric | A | B | B − A | verdict |\n|---|---:|---:|---:|---|\n",
        md(&c.a),
        c.runs.0,
        md(&c.b),
        c.runs.1
    );
    for m in &c.metrics {
        let strong = if m.significant { "**" } else { "" };
        o.push_str(&format!(
            "| {} | {} | {} | {} | {strong}{}{strong} |\n",
            metric_label(m, Room::Wide),
            value(m.unit, m.a.median),
            value(m.unit, m.b.median),
            signed(m.unit, m.diff),
            md(&m.verdict.to_string()),
        ));
    }
    o.push_str(&markdown_requests(c));
    o.push_str(&markdown_parties(c));
    o
}

fn markdown_requests(c: &Comparison) -> String {
    let mut o = String::new();
    for (title, r) in [
        ("Only in A", &c.only_in_a),
        ("Only in B", &c.only_in_b),
        ("Changed in size", &c.changed),
    ] {
        if r.is_empty() {
            continue;
        }
        let total: i64 = r.iter().map(|x| x.b_bytes as i64 - x.a_bytes as i64).sum();
        o.push_str(&format!(
            "\n<details><summary>{title}: {} requests, {}</summary>\n\n| url | type | entity | B − A |\n|---|---|---|---:|\n",
            r.len(),
            signed(Unit::Bytes, total as f64)
        ));
        for x in r {
            o.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                md(&x.key),
                x.resource_type,
                md(x.entity.as_deref().unwrap_or("")),
                signed(Unit::Bytes, x.b_bytes as f64 - x.a_bytes as f64)
            ));
        }
        o.push_str("\n</details>\n");
    }
    o
}

fn markdown_parties(c: &Comparison) -> String {
    let changed: Vec<&GroupDiff> = c
        .by_entity
        .iter()
        .chain(&c.by_category)
        .filter(|x| x.a != x.b)
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut o = String::from("\n| third party | A | B |\n|---|---:|---:|\n");
    for x in changed {
        o.push_str(&format!(
            "| {} | {} req, {} | {} req, {} |\n",
            md(&x.name),
            x.a.requests,
            human_bytes(x.a.transfer_bytes),
            x.b.requests,
            human_bytes(x.b.transfer_bytes)
        ));
    }
    o
}
