//! Comparison output: a terminal report with bar charts that fits the terminal it is printed
//! on, and Markdown for a PR comment.
//!
//! Widths: with no known width (a pipe) every column; on a terminal the richest set of
//! columns that fits (spreads go first, then the verdict's sentence becomes a word, then the
//! p-value and effect fold into it), URLs and hosts cut in the middle, so each metric and
//! each request stays on one line. The full set is always in the JSON and Markdown.

use super::words::{self, amount};
use super::{human_bytes, human_ms, sanitize, shorten};
use crate::verdict::compare::{Comparison, CpuScope, GroupDiff, MetricDiff, RequestDiff};
use crate::verdict::metric::{Metric, Unit};
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

pub(super) fn table(width: Option<u16>) -> Table {
    let mut t = Table::new();
    t.load_preset(STYLE);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = width {
        t.set_width(w);
    }
    t
}

pub(super) fn right(s: impl ToString) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// `fully loaded`, `estimated fully loaded on 3g`; narrow: `~fully loaded`.
fn metric_label(m: &MetricDiff, room: Room) -> String {
    let base = super::words::metric_label(m.key.metric);
    match (&m.key.estimated_on, room) {
        (None, _) => base,
        (Some(_), Room::Narrow) => format!("~{base}"),
        (Some(p), _) => format!("estimated {base} on {p}"),
    }
}

fn spread(m: &MetricDiff, s: &crate::verdict::stats::Summary) -> String {
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

/// The columns of the metrics table, richest first; the first that fits the width is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Columns {
    /// Spreads, p, effect and the verdict in words.
    Full,
    /// No spreads.
    NoSpread,
    /// Short labels, p, effect, the verdict in a word.
    Compact,
    /// Short labels, the verdict in a word with its p.
    Narrow,
    /// As narrow, without the ratio.
    Tiny,
}

impl Columns {
    fn header(self) -> Vec<&'static str> {
        match self {
            Columns::Full => vec![
                "metric", "A median", "A spread", "B median", "B spread", "B - A", "B / A", "p",
                "effect", "verdict",
            ],
            Columns::NoSpread => vec![
                "metric", "A median", "B median", "B - A", "B / A", "p", "effect", "verdict",
            ],
            Columns::Compact => vec![
                "metric", "A", "B", "B - A", "B / A", "p", "effect", "verdict",
            ],
            Columns::Narrow => vec!["metric", "A", "B", "B - A", "B / A", "verdict"],
            Columns::Tiny => vec!["metric", "A", "B", "B - A", "verdict"],
        }
    }

    fn row(self, m: &MetricDiff) -> Vec<String> {
        let short = matches!(self, Columns::Compact | Columns::Narrow | Columns::Tiny);
        let room = if short { Room::Narrow } else { Room::Wide };
        let mut row = vec![metric_label(m, room), value(m.unit, m.a.median)];
        if self == Columns::Full {
            row.push(spread(m, &m.a));
        }
        row.push(value(m.unit, m.b.median));
        if self == Columns::Full {
            row.push(spread(m, &m.b));
        }
        row.push(signed(m.unit, m.diff));
        if self != Columns::Tiny {
            row.push(m.ratio.map_or_else(|| "-".into(), |r| format!("{r:.2}x")));
        }
        if !matches!(self, Columns::Narrow | Columns::Tiny) {
            row.push(m.p.map_or_else(|| "-".into(), |p| format!("{p:.3}")));
            row.push(m.effect.map(|e| e.as_str()).unwrap_or_default().to_string());
        }
        row.push(match self {
            Columns::Full | Columns::NoSpread => m.verdict.to_string(),
            Columns::Compact => words::short(&m.verdict, false),
            Columns::Narrow | Columns::Tiny => words::short(&m.verdict, true),
        });
        row
    }
}

/// Characters a table of these rows needs (a space each side of every cell, and a border).
fn needed(header: &[&str], rows: &[Vec<String>]) -> usize {
    (0..header.len())
        .map(|c| {
            let cells = rows.iter().map(|r| r[c].chars().count());
            cells.chain([header[c].chars().count()]).max().unwrap_or(0) + 3
        })
        .sum::<usize>()
        + 1
}

fn metrics_table(c: &Comparison, width: Option<u16>) -> String {
    let tiers = [
        Columns::Full,
        Columns::NoSpread,
        Columns::Compact,
        Columns::Narrow,
        Columns::Tiny,
    ];
    let fits = |cols: &Columns| {
        let rows: Vec<Vec<String>> = c.metrics.iter().map(|m| cols.row(m)).collect();
        width.is_none_or(|w| needed(&cols.header(), &rows) <= usize::from(w))
    };
    let cols = tiers.into_iter().find(fits).unwrap_or(Columns::Tiny);
    let mut t = table(width);
    t.set_header(cols.header());
    for m in &c.metrics {
        let row = cols.row(m);
        let cells = row.into_iter().enumerate().map(|(i, v)| {
            let is_text = i == 0 || (i + 1 == cols.header().len()) || cols.header()[i] == "effect";
            if is_text {
                Cell::new(v)
            } else {
                right(v)
            }
        });
        t.add_row(cells.collect::<Vec<_>>());
    }
    let mut o = format!("\n{t}\n");
    let short = matches!(cols, Columns::Compact | Columns::Narrow | Columns::Tiny);
    if let Some(p) = c.metrics.iter().find_map(|m| m.key.estimated_on.as_ref()) {
        if short {
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

/// Lines saying which runs of each side were left out of the statistics and which were kept
/// though still busy.
pub fn left_out(c: &Comparison) -> Vec<String> {
    let mut lines = Vec::new();
    for (side, f) in [("A", &c.failed_runs.0), ("B", &c.failed_runs.1)] {
        if !f.is_empty() {
            let n = f.len();
            let runs = if n == 1 { "run is" } else { "runs are" };
            lines.push(format!(
                "{side}: {n} {runs} left out of the statistics: {}",
                f.join("; ")
            ));
        }
    }
    for (side, n) in [("A", c.busy_runs.0), ("B", c.busy_runs.1)] {
        if n > 0 {
            lines.push(format!(
                "{side}: {n} of the runs kept were still busy when pagecost stopped watching \
                 (after the load event): what they measured holds, their fully-loaded time is \
                 when the watch ended"
            ));
        }
    }
    lines
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
    for line in left_out(c) {
        o.push_str(&shorten(&sanitize(&line), line_max));
        o.push('\n');
    }
    o.push_str(&metrics_table(c, width));
    o.push_str(&bars(c, width));
    o.push_str(&main_thread(c, width));
    o.push_str(&super::carbon::terminal(c, width));
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

/// Most entities and most tags the terminal's main-thread table lists (the JSON has all).
const CPU_ROWS: usize = 8;

/// A main-thread row's verdict in a word: time spent is less or more, not faster or slower.
pub(super) fn cpu_verdict(m: &MetricDiff) -> String {
    match m.verdict {
        crate::verdict::compare::Verdict::Differs { diff, p, .. } => {
            let word = if diff < 0.0 { "less" } else { "more" };
            p.map_or_else(
                || format!("{word}, always"),
                |p| format!("{word}, p={p:.3}"),
            )
        }
        same => words::short(&same, true),
    }
}

/// The main-thread rows a report shows: the parties, then the costliest entities and tags.
pub(super) fn cpu_rows(c: &Comparison) -> impl Iterator<Item = &crate::verdict::compare::CpuDiff> {
    let shown = |scope: CpuScope| c.main_thread.iter().filter(move |d| d.scope == scope);
    (shown(CpuScope::Party))
        .chain(shown(CpuScope::Entity).take(CPU_ROWS))
        .chain(shown(CpuScope::Tag).take(CPU_ROWS))
}

/// A main-thread row's label: `third party`, `entity Google/Doubleclick Ads`, `tag URL`.
pub(super) fn cpu_label(d: &crate::verdict::compare::CpuDiff) -> String {
    match d.scope {
        CpuScope::Party => d.name.clone(),
        CpuScope::Entity => format!("entity {}", d.name),
        CpuScope::Tag => format!("tag {}", crate::model::urls::redact_url(&d.name)),
    }
}

/// Main-thread time per party, entity and tag, A against B: first what ran on one side
/// only, in a sentence each (an ad network blocked in B), then a table of the parties and
/// the costliest entities and tags.
fn main_thread(c: &Comparison, width: Option<u16>) -> String {
    if c.main_thread.is_empty() {
        return String::new();
    }
    let line_max = width.map_or(usize::MAX, |w| usize::from(w).saturating_sub(4));
    let mut o = String::from("\nmain thread by party, entity and tag (medians):\n");
    for line in c.main_thread.iter().filter_map(words::one_sided_cpu) {
        for (i, part) in wrapped(&sanitize(&line), line_max).into_iter().enumerate() {
            let indent = if i == 0 { "  " } else { "    " };
            o.push_str(&format!("{indent}{part}\n"));
        }
    }
    let narrow = Room::of(width) < Room::Wide;
    let mut header = vec!["whose", "A", "B", "B - A", "verdict"];
    if !narrow {
        header.extend(["A blocking", "B blocking"]);
    }
    header.push("blocking B - A");
    let mut t = table(width);
    t.set_header(header);
    let name_max = text_room(width, if narrow { 70 } else { 96 });
    for d in cpu_rows(c) {
        let m = &d.main_thread;
        let mut row = vec![
            Cell::new(shorten(&sanitize(&cpu_label(d)), name_max)),
            right(value(Unit::Ms, m.a.median)),
            right(value(Unit::Ms, m.b.median)),
            right(signed(Unit::Ms, m.diff)),
            Cell::new(cpu_verdict(m)),
        ];
        let b = d.blocking.as_ref();
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| value(Unit::Ms, v));
        if !narrow {
            row.push(right(ms(b.map(|b| b.a.median))));
            row.push(right(ms(b.map(|b| b.b.median))));
        }
        row.push(right(
            b.map_or_else(|| "-".into(), |b| signed(Unit::Ms, b.diff)),
        ));
        t.add_row(row);
    }
    o.push_str(&format!("{t}\n"));
    o
}

/// A sentence cut at spaces into lines of at most `max` characters (a word longer than
/// that on a line of its own).
pub(super) fn wrapped(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= max => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Room left for a text column when the other columns take `others` characters.
pub(super) fn text_room(width: Option<u16>, others: usize) -> usize {
    width.map_or(usize::MAX, |w| {
        usize::from(w).saturating_sub(others).max(12)
    })
}

fn requests(title: &str, r: &[RequestDiff], both: bool, width: Option<u16>) -> String {
    if r.is_empty() {
        return String::new();
    }
    let total: i64 = r.iter().map(|x| x.b_bytes as i64 - x.a_bytes as i64).sum();
    // A column of each script's own main-thread time, when any ran (browser engine).
    let cpu = r.iter().any(|x| x.main_thread_ms.is_some());
    let mut sorted: Vec<&RequestDiff> = r.iter().collect();
    sorted.sort_by_key(|x| std::cmp::Reverse((x.b_bytes as i64 - x.a_bytes as i64).abs()));
    // Every column but the URL, as text; the URL gets the room left.
    let entity_max = if Room::of(width) == Room::Narrow {
        16
    } else {
        32
    };
    let rows: Vec<Vec<String>> = (sorted.iter())
        .map(|x| request_row(x, both, cpu, entity_max))
        .collect();
    let mut header = vec!["url", "type", "entity"];
    header.extend(if both {
        vec!["A", "B", "B - A"]
    } else {
        vec!["bytes"]
    });
    if cpu {
        header.push("main thread");
    }
    let others: usize = (1..header.len())
        .map(|c| {
            let cells = rows.iter().map(|row| row[c - 1].chars().count());
            cells.chain([header[c].len()]).max().unwrap_or(0) + 3
        })
        .sum();
    let url_max = text_room(width, others + 4);
    let mut t = table(width);
    t.set_header(header);
    for (x, row) in sorted.iter().zip(rows) {
        let mut cells = vec![Cell::new(shorten(&sanitize(&x.key), url_max))];
        for (i, v) in row.into_iter().enumerate() {
            cells.push(if i >= 2 { right(v) } else { Cell::new(v) });
        }
        t.add_row(cells);
    }
    format!(
        "\n{title}: {} requests, {}\n{t}\n",
        r.len(),
        signed(Unit::Bytes, total as f64)
    )
}

/// A request's cells but its URL: type, entity, bytes (A, B and their difference when
/// `both`) and main-thread time (when `cpu`).
fn request_row(x: &RequestDiff, both: bool, cpu: bool, entity_max: usize) -> Vec<String> {
    let entity = sanitize(x.entity.as_deref().unwrap_or_default());
    let mut row = vec![x.resource_type.to_string(), shorten(&entity, entity_max)];
    if both {
        row.push(human_bytes(x.a_bytes));
        row.push(human_bytes(x.b_bytes));
    }
    let delta = x.b_bytes as f64 - x.a_bytes as f64;
    let delta = signed(Unit::Bytes, delta);
    row.push(delta.trim_start_matches('+').to_string());
    if cpu {
        row.push(x.main_thread_ms.map_or_else(String::new, human_ms));
    }
    row
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

pub(super) fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('`', "'")
}

/// Markdown for a pull-request comment: the verdicts up front, details folded.
pub fn markdown(c: &Comparison) -> String {
    let mut o = format!(
        "### pagecost compare\n\n**A** `{}` ({} runs) vs **B** `{}` ({} runs)\n\n",
        md(&c.a),
        c.runs.0,
        md(&c.b),
        c.runs.1
    );
    for line in left_out(c) {
        o.push_str(&format!("> {}\n\n", md(&line)));
    }
    o.push_str("| metric | A | B | B − A | verdict |\n|---|---:|---:|---:|---|\n");
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
    o.push_str(&markdown_main_thread(c));
    o.push_str(&super::carbon::markdown(c));
    o.push_str(&markdown_requests(c));
    o.push_str(&markdown_parties(c));
    o
}

fn markdown_main_thread(c: &Comparison) -> String {
    if c.main_thread.is_empty() {
        return String::new();
    }
    let mut o = String::from("\n");
    for line in c.main_thread.iter().filter_map(words::one_sided_cpu) {
        o.push_str(&format!("- {}\n", md(&line)));
    }
    o.push_str(
        "\n| main thread | A | B | B − A | verdict | blocking B − A |\n|---|---:|---:|---:|---|---:|\n",
    );
    for d in cpu_rows(c) {
        let m = &d.main_thread;
        let blocking = d
            .blocking
            .as_ref()
            .map_or("-".into(), |b| signed(Unit::Ms, b.diff));
        o.push_str(&format!(
            "| {} | {} | {} | {} | {} | {blocking} |\n",
            md(&cpu_label(d)),
            value(Unit::Ms, m.a.median),
            value(Unit::Ms, m.b.median),
            signed(Unit::Ms, m.diff),
            md(&cpu_verdict(m)),
        ));
    }
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
