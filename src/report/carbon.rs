//! A comparison's carbon a view per party, entity and tag (the median runs', by the
//! Sustainable Web Design model both sides were loaded with): what one side alone emits in a
//! sentence each ("the ad network, only in B: 0.0361 g CO2e a view"), then a table, for the
//! terminal, Markdown and HTML.

use super::compare::{md, right, table, text_room, wrapped};
use super::html::esc;
use super::sanitize;
use super::words::{self, grams};
use crate::verdict::compare::{CarbonDiff, Comparison, CpuScope};
use std::fmt::Write as _;

/// Most entities and most tags a report lists (the JSON has all).
const ROWS: usize = 8;

/// A difference in grams with its sign.
fn signed(g: f64) -> String {
    match g {
        g if g > 0.0 => format!("+{}", grams(g)),
        g if g < 0.0 => format!("-{}", grams(-g)),
        _ => grams(0.0),
    }
}

/// The rows a report shows: the parties, then the entities and tags that emit anything, the
/// biggest differences first.
fn rows(c: &Comparison) -> impl Iterator<Item = &CarbonDiff> {
    let shown = |scope: CpuScope| {
        (c.carbon.iter()).filter(move |d| d.scope == scope && (d.a_g > 0.0 || d.b_g > 0.0))
    };
    (c.carbon.iter().filter(|d| d.scope == CpuScope::Party))
        .chain(shown(CpuScope::Entity).take(ROWS))
        .chain(shown(CpuScope::Tag).take(ROWS))
}

/// A row's label: `third party`, `entity Google/Doubleclick Ads`, `tag URL`.
fn label(d: &CarbonDiff) -> String {
    match d.scope {
        CpuScope::Party => d.name.clone(),
        CpuScope::Entity => format!("entity {}", d.name),
        CpuScope::Tag => format!("tag {}", crate::model::urls::redact_url(&d.name)),
    }
}

/// An entity or tag that emits on one side only, in a sentence.
fn one_sided(d: &CarbonDiff) -> Option<String> {
    let (side, g) = match (d.a_g > 0.0, d.b_g > 0.0) {
        _ if d.scope == CpuScope::Party => return None,
        (true, false) => ("A", d.a_g),
        (false, true) => ("B", d.b_g),
        _ => return None,
    };
    let (scope, name) = match d.scope {
        CpuScope::Entity => ("entity", d.name.clone()),
        _ => ("tag", crate::model::urls::redact_url(&d.name)),
    };
    let cost = match (side, d.a_usd, d.b_usd) {
        ("A", Some(usd), _) | ("B", _, Some(usd)) => {
            format!(" and {} on mobile data", words::usd(usd))
        }
        _ => String::new(),
    };
    Some(format!(
        "{name} ({scope}), only in {side}: {} CO2e{cost} a view",
        grams(g)
    ))
}

/// The terminal's section.
pub(super) fn terminal(c: &Comparison, width: Option<u16>) -> String {
    if c.carbon.is_empty() {
        return String::new();
    }
    let line_max = width.map_or(usize::MAX, |w| usize::from(w).saturating_sub(4));
    let title = match c.carbon.iter().any(|d| d.a_usd.is_some()) {
        true => "carbon and mobile data cost",
        false => "carbon",
    };
    let mut o = format!("\n{title} a view by party, entity and tag (median runs):\n");
    for line in c
        .carbon
        .iter()
        .filter(|d| d.scope == CpuScope::Entity)
        .filter_map(one_sided)
    {
        for (i, part) in wrapped(&sanitize(&line), line_max).into_iter().enumerate() {
            o.push_str(if i == 0 { "  " } else { "    " });
            o.push_str(&part);
            o.push('\n');
        }
    }
    let mut t = table(width);
    let priced = c.carbon.iter().any(|d| d.a_usd.is_some());
    let mut header = vec!["whose", "A", "B", "B - A"];
    if priced {
        header.extend(["A cost", "B cost"]);
    }
    t.set_header(header);
    let name_max = text_room(width, if priced { 64 } else { 40 });
    for d in rows(c) {
        let mut row = vec![
            comfy_table::Cell::new(super::shorten(&sanitize(&label(d)), name_max)),
            right(grams(d.a_g)),
            right(grams(d.b_g)),
            right(signed(d.b_g - d.a_g)),
        ];
        if priced {
            row.extend([right(cost(d.a_usd)), right(cost(d.b_usd))]);
        }
        t.add_row(row);
    }
    let _ = writeln!(o, "{t}");
    o
}

/// A side's data cost, `-` when not priced.
fn cost(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), words::usd)
}

/// The Markdown section.
pub(super) fn markdown(c: &Comparison) -> String {
    if c.carbon.is_empty() {
        return String::new();
    }
    let mut o = String::from("\n");
    for line in c
        .carbon
        .iter()
        .filter(|d| d.scope == CpuScope::Entity)
        .filter_map(one_sided)
    {
        let _ = writeln!(o, "- {}", md(&line));
    }
    o.push_str(
        "\n| carbon a view | A | B | B − A | A cost | B cost |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for d in rows(c) {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            md(&label(d)),
            grams(d.a_g),
            grams(d.b_g),
            signed(d.b_g - d.a_g),
            cost(d.a_usd),
            cost(d.b_usd)
        );
    }
    o
}

/// The HTML section.
pub(super) fn html(c: &Comparison) -> String {
    if c.carbon.is_empty() {
        return String::new();
    }
    let mut o = String::from("<h2>Carbon and data cost a view by party, entity and tag</h2><ul>");
    for line in c.carbon.iter().filter_map(one_sided) {
        let _ = write!(o, "<li>{}</li>", esc(&line));
    }
    o.push_str(
        "</ul><table><tr><th>whose</th><th class=\"n\">A</th><th class=\"n\">B</th>\
         <th class=\"n\">B − A</th><th class=\"n\">A cost</th><th class=\"n\">B cost</th></tr>",
    );
    for d in rows(c) {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&label(d)),
            grams(d.a_g),
            grams(d.b_g),
            signed(d.b_g - d.a_g),
            cost(d.a_usd),
            cost(d.b_usd)
        );
    }
    o.push_str("</table>");
    o
}
