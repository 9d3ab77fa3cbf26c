//! A comparison's carbon a view per party, entity and tag (the median runs', by the
//! Sustainable Web Design model both sides were loaded with): what one side alone emits in a
//! sentence each ("the ad network, only in B: 0.0361 g CO2e a view"), then a table, for the
//! terminal, Markdown and HTML.

use super::compare::{md, right, table, text_room, wrapped};
use super::html::esc;
use super::sanitize;
use super::words::grams;
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
    Some(format!(
        "{name} ({scope}), only in {side}: {} CO2e a view",
        grams(g)
    ))
}

/// The terminal's section.
pub(super) fn terminal(c: &Comparison, width: Option<u16>) -> String {
    if c.carbon.is_empty() {
        return String::new();
    }
    let line_max = width.map_or(usize::MAX, |w| usize::from(w).saturating_sub(4));
    let mut o = String::from("\ncarbon a view by party, entity and tag (median runs):\n");
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
    t.set_header(["whose", "A", "B", "B - A"]);
    let name_max = text_room(width, 40);
    for d in rows(c) {
        t.add_row(vec![
            comfy_table::Cell::new(super::shorten(&sanitize(&label(d)), name_max)),
            right(grams(d.a_g)),
            right(grams(d.b_g)),
            right(signed(d.b_g - d.a_g)),
        ]);
    }
    let _ = writeln!(o, "{t}");
    o
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
    o.push_str("\n| carbon a view | A | B | B − A |\n|---|---:|---:|---:|\n");
    for d in rows(c) {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            md(&label(d)),
            grams(d.a_g),
            grams(d.b_g),
            signed(d.b_g - d.a_g)
        );
    }
    o
}

/// The HTML section.
pub(super) fn html(c: &Comparison) -> String {
    if c.carbon.is_empty() {
        return String::new();
    }
    let mut o = String::from("<h2>Carbon a view by party, entity and tag</h2><ul>");
    for line in c.carbon.iter().filter_map(one_sided) {
        let _ = write!(o, "<li>{}</li>", esc(&line));
    }
    o.push_str(
        "</ul><table><tr><th>whose</th><th class=\"n\">A</th><th class=\"n\">B</th>\
         <th class=\"n\">B − A</th></tr>",
    );
    for d in rows(c) {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&label(d)),
            grams(d.a_g),
            grams(d.b_g),
            signed(d.b_g - d.a_g)
        );
    }
    o.push_str("</table>");
    o
}
