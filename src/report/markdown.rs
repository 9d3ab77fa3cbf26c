//! `--format markdown` for a load: the summary and the totals as tables, for a PR comment.

use super::{human_bytes, human_ms};
use crate::model::Load;

/// A Markdown summary of a load.
pub fn load(l: &Load) -> String {
    let t = &l.totals;
    let mut o = format!("### pagecost: `{}`\n\n", l.page_name().replace('`', "'"));
    o.push_str("| metric | value |\n|---|---:|\n");
    o.push_str(&format!("| requests | {} |\n", t.requests));
    o.push_str(&format!(
        "| transferred | {} |\n",
        human_bytes(t.transfer_bytes)
    ));
    o.push_str(&format!("| decoded | {} |\n", human_bytes(t.decoded_bytes)));
    if let Some(c) = &l.carbon {
        let g = super::words::grams(c.total_g);
        o.push_str(&format!("| carbon | {g} CO2e a view |\n"));
    }
    if let Some(c) = &l.data_cost {
        let cost = super::words::data_cost(c);
        o.push_str(&format!("| data cost | {} |\n", super::compare::md(&cost)));
    }
    o.push_str(&format!(
        "| document TTFB | {} |\n",
        l.document_ttfb_ms
            .map_or_else(|| "unknown".into(), human_ms)
    ));
    o.push_str(&format!(
        "| fully loaded | {} |\n",
        human_ms(l.fully_loaded_ms)
    ));
    for (m, v) in super::words::rendering(l) {
        o.push_str(&format!("| {} | {v} |\n", super::words::metric_label(m)));
    }
    o.push_str(&painted(&l.page_metrics));
    o.push_str(&format!(
        "| failed | {} |\n| empty | {} |\n",
        t.failed, t.empty
    ));
    if t.third_party.requests > 0 {
        o.push_str(&format!(
            "| third parties | {} requests, {} |\n",
            t.third_party.requests,
            human_bytes(t.third_party.transfer_bytes)
        ));
    }
    o.push_str("\n| type | requests | transferred |\n|---|---:|---:|\n");
    for (k, b) in &t.by_type {
        o.push_str(&format!(
            "| {k} | {} | {} |\n",
            b.requests,
            human_bytes(b.transfer_bytes)
        ));
    }
    if let Some(s) = &l.savings {
        o.push_str(&super::savings::markdown(s));
    }
    o.push_str(&problems(l));
    o
}

/// The load's problems as a list under a heading, or nothing.
fn problems(l: &Load) -> String {
    let bad: Vec<String> = (l.problems().into_iter())
        .map(|(e, what)| {
            format!(
                "- {what}: `{}` (referenced at `{}`)",
                e.url.replace('`', "'"),
                l.referenced_at(e).replace('`', "'")
            )
        })
        .collect();
    if bad.is_empty() {
        return String::new();
    }
    format!("\n**Problems**\n\n{}\n", bad.join("\n"))
}

/// The LCP element and the largest layout shift, a row each.
fn painted(m: &crate::model::PageMetrics) -> String {
    let mut o = String::new();
    if let Some(p) = &m.lcp_element {
        let lcp = super::words::lcp_element(p);
        o.push_str(&format!("| LCP element | {} |\n", super::compare::md(&lcp)));
    }
    if let Some(s) = (m.layout_shifts.iter()).max_by(|a, b| a.score.total_cmp(&b.score)) {
        let shift = super::words::layout_shift(s);
        o.push_str(&format!(
            "| largest layout shift | {} |\n",
            super::compare::md(&shift)
        ));
    }
    o
}
