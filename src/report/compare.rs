//! Comparison output: a terminal table with bar charts, and Markdown for a PR comment.

use super::{human_bytes, human_ms, sanitize};
use crate::compare::{Comparison, GroupDiff, MetricDiff, RequestDiff};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

const STYLE: &str = "  ── ══      ──    ";
const BAR: usize = 40;

fn value(unit: &str, v: f64) -> String {
    match unit {
        "ms" => human_ms(v),
        "bytes" => human_bytes(v.max(0.0).round() as u64),
        _ => format!("{v:.0}"),
    }
}

fn signed(unit: &str, v: f64) -> String {
    let s = value(unit, v.abs());
    if v > 0.0 {
        format!("+{s}")
    } else if v < 0.0 {
        format!("-{s}")
    } else {
        s
    }
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(STYLE);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t
}

fn right(s: impl ToString) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

fn metric_label(m: &MetricDiff) -> String {
    m.name.trim_end_matches("_ms").replace('_', " ")
}

/// The terminal report.
pub fn render(c: &Comparison) -> String {
    let mut o = format!(
        "A: {} ({} runs)\nB: {} ({} runs)\n",
        sanitize(&c.a),
        c.runs.0,
        sanitize(&c.b),
        c.runs.1
    );
    for (side, f) in [("A", &c.failed_runs.0), ("B", &c.failed_runs.1)] {
        if !f.is_empty() {
            o.push_str(&format!(
                "{side}: {} runs failed and are left out: {}\n",
                f.len(),
                sanitize(&f.join("; "))
            ));
        }
    }
    let mut t = table();
    t.set_header(vec![
        "metric", "A median", "A spread", "B median", "B spread", "B - A", "B / A", "p", "effect",
        "verdict",
    ]);
    for m in &c.metrics {
        let spread = |s: &crate::stats::Summary| {
            if s.n < 2 {
                "-".to_string()
            } else {
                format!(
                    "±{} ({}–{})",
                    value(&m.unit, s.stddev),
                    value(&m.unit, s.min),
                    value(&m.unit, s.max)
                )
            }
        };
        t.add_row(vec![
            Cell::new(metric_label(m)),
            right(value(&m.unit, m.a.median)),
            right(spread(&m.a)),
            right(value(&m.unit, m.b.median)),
            right(spread(&m.b)),
            right(signed(&m.unit, m.diff)),
            right(m.ratio.map_or_else(|| "-".into(), |r| format!("{r:.2}x"))),
            right(m.p.map_or_else(|| "-".into(), |p| format!("{p:.3}"))),
            Cell::new(m.effect.clone().unwrap_or_default()),
            Cell::new(&m.verdict),
        ]);
    }
    o.push_str(&format!("\n{t}\n"));
    o.push_str("\nshorter is better (median runs):\n");
    for m in c.metrics.iter().filter(|m| {
        matches!(
            m.name.as_str(),
            "transfer_bytes" | "requests" | "fully_loaded_ms"
        )
    }) {
        let max = m.a.median.max(m.b.median);
        let bar = |v: f64| {
            let n = if max > 0.0 {
                ((v / max) * BAR as f64).round() as usize
            } else {
                0
            };
            "#".repeat(n.max(usize::from(v > 0.0)))
        };
        let label = metric_label(m);
        o.push_str(&format!(
            "  {label:<16} A {:<w$} {}\n",
            bar(m.a.median),
            value(&m.unit, m.a.median),
            w = BAR
        ));
        o.push_str(&format!(
            "  {:<16} B {:<w$} {}\n",
            "",
            bar(m.b.median),
            value(&m.unit, m.b.median),
            w = BAR
        ));
    }
    o.push_str(&requests("only in A", &c.only_in_a, false));
    o.push_str(&requests("only in B", &c.only_in_b, false));
    o.push_str(&requests("changed in size", &c.changed, true));
    for (title, g) in [
        ("type", &c.by_type),
        ("host", &c.by_host),
        ("entity", &c.by_entity),
        ("category", &c.by_category),
    ] {
        o.push_str(&groups(title, g));
    }
    o
}

fn requests(title: &str, r: &[RequestDiff], both: bool) -> String {
    if r.is_empty() {
        return String::new();
    }
    let total: i64 = r.iter().map(|x| x.b_bytes as i64 - x.a_bytes as i64).sum();
    let mut t = table();
    let mut header = vec!["url", "type", "entity"];
    header.extend(if both {
        vec!["A", "B", "B - A"]
    } else {
        vec!["bytes"]
    });
    t.set_header(header);
    let mut sorted: Vec<&RequestDiff> = r.iter().collect();
    sorted.sort_by_key(|x| std::cmp::Reverse((x.b_bytes as i64 - x.a_bytes as i64).abs()));
    for x in &sorted {
        let mut row = vec![
            Cell::new(sanitize(&x.key)),
            Cell::new(&x.resource_type),
            Cell::new(x.entity.clone().unwrap_or_default()),
        ];
        if both {
            row.push(right(human_bytes(x.a_bytes)));
            row.push(right(human_bytes(x.b_bytes)));
        }
        row.push(right(
            signed("bytes", x.b_bytes as f64 - x.a_bytes as f64)
                .trim_start_matches('+')
                .to_string(),
        ));
        t.add_row(row);
    }
    format!(
        "\n{title}: {} requests, {}\n{t}\n",
        r.len(),
        signed("bytes", total as f64)
    )
}

fn groups(title: &str, g: &[GroupDiff]) -> String {
    let changed: Vec<&GroupDiff> = g.iter().filter(|x| x.a != x.b).collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut t = table();
    t.set_header(vec![
        title,
        "A requests",
        "B requests",
        "A bytes",
        "B bytes",
        "B - A",
    ]);
    for x in changed {
        t.add_row(vec![
            Cell::new(sanitize(&x.name)),
            right(x.a.requests),
            right(x.b.requests),
            right(human_bytes(x.a.transfer_bytes)),
            right(human_bytes(x.b.transfer_bytes)),
            right(signed(
                "bytes",
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
        o.push_str(&format!(
            "| {} | {} | {} | {} | {}{} |\n",
            metric_label(m),
            value(&m.unit, m.a.median),
            value(&m.unit, m.b.median),
            signed(&m.unit, m.diff),
            if m.significant { "**" } else { "" },
            md(&m.verdict) + if m.significant { "**" } else { "" }
        ));
    }
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
            signed("bytes", total as f64)
        ));
        for x in r {
            o.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                md(&x.key),
                x.resource_type,
                md(x.entity.as_deref().unwrap_or("")),
                signed("bytes", x.b_bytes as f64 - x.a_bytes as f64)
            ));
        }
        o.push_str("\n</details>\n");
    }
    let changed: Vec<&GroupDiff> = c
        .by_entity
        .iter()
        .chain(&c.by_category)
        .filter(|x| x.a != x.b)
        .collect();
    if !changed.is_empty() {
        o.push_str("\n| third party | A | B |\n|---|---:|---:|\n");
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
    }
    o
}
