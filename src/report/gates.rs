//! A comparison's gates in the report itself (Markdown for a pull-request comment, HTML): how
//! they were judged (the family-wise false-alarm rate, Holm, the looks of `--runs auto`) and
//! one row per gate with its state, its own one-sided p-value and the level it was held to.

use super::compare::md;
use super::html::esc;
use super::words;
use crate::job::CompareReport;
use crate::verdict::gate::{GateCheck, GateState};
use std::fmt::Write as _;

/// A gate's state in a word or two.
fn state(g: &GateCheck) -> &'static str {
    match g.state {
        GateState::NotMeasured => "not measured",
        GateState::ShownWithin => "within (shown)",
        GateState::Within => "within",
        GateState::OverNotSignificant => "over, not significant",
        GateState::Stopped => "not decided (stopped at a trip)",
        GateState::Undecided => "undecided (out of runs)",
        GateState::Tripped => "TRIPPED",
    }
}

/// The cells of a gate: state, p, level, runs when decided.
fn cells(g: &GateCheck) -> [String; 4] {
    let p = |x: Option<f64>| x.map_or("-".into(), words::pvalue);
    let at = g.decided_at.map_or("-".into(), |n| n.to_string());
    [state(g).into(), p(g.p), p(g.level), at]
}

/// The sentence above the rows.
fn heading(r: &CompareReport) -> Option<String> {
    let g = r.gating.as_ref()?;
    Some(words::gating(g, r.a.runs.len().min(r.b.runs.len())))
}

/// Markdown: the sentence and a table; nothing without gates.
pub fn markdown(r: &CompareReport) -> String {
    let Some(head) = heading(r) else {
        return String::new();
    };
    let mut o = format!("\n**Gates**: {}\n\n", md(&head));
    o.push_str("| gate | state | one-sided p | held to | decided at runs |\n");
    o.push_str("|---|---|---:|---:|---:|\n");
    for g in &r.gates {
        let [s, p, l, at] = cells(g);
        let strong = if g.tripped { "**" } else { "" };
        let _ = writeln!(
            o,
            "| `{}` | {strong}{s}{strong} | {p} | {l} | {at} |",
            md(&g.gate)
        );
    }
    o
}

/// HTML: a section with the sentence and a table; nothing without gates.
pub fn html(r: &CompareReport) -> String {
    let Some(head) = heading(r) else {
        return String::new();
    };
    let mut o = format!(
        "<h2 id=\"gates\">Gates</h2><p>{}</p><table><tr><th>gate</th><th>state</th>\
         <th class=\"n\">one-sided p</th><th class=\"n\">held to</th>\
         <th class=\"n\">decided at runs</th></tr>",
        esc(&head)
    );
    for g in &r.gates {
        let [s, p, l, at] = cells(g);
        let (b, nb) = if g.tripped { ("<b>", "</b>") } else { ("", "") };
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td>{b}{}{nb}</td><td class=\"n\">{p}</td>\
             <td class=\"n\">{l}</td><td class=\"n\">{at}</td></tr>",
            esc(&g.gate),
            esc(&s)
        );
    }
    o.push_str("</table>");
    o
}
