//! `history --format html`: one self-contained page with, per page, SVG charts of the
//! stored runs over time (bytes and requests per resource type, bytes per party, timings),
//! each point's run, time and labels on hover, and the latest runs as a table.

use super::history::{labels_text, value};
use super::html::{card, esc, nice_step, page, type_colour};
use super::words::{amount, metric_label};
use crate::history::{GroupTotals, StoredRun};
use crate::model::ResourceType;
use crate::verdict::metric::{Metric, Unit};
use std::collections::BTreeMap;

/// Points are drawn (with their hover text) up to this many runs; past it, lines only.
const MAX_POINTS: usize = 400;
const W: f64 = 720.0;
const H: f64 = 230.0;
const LEFT: f64 = 74.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 34.0;
const PALETTE: [&str; 8] = [
    "#3366cc", "#e6a700", "#0f9d58", "#e91e63", "#9c27b0", "#00acc1", "#8d6e63", "#5f6b7a",
];

/// One line of a chart.
struct Series {
    name: String,
    colour: &'static str,
    values: Vec<Option<f64>>,
}

/// The HTML page of the stored runs (oldest first), grouped by page.
pub fn render(db: &str, runs: &[StoredRun]) -> String {
    let mut pages: BTreeMap<&str, Vec<&StoredRun>> = BTreeMap::new();
    for r in runs {
        pages.entry(&r.page).or_default().push(r);
    }
    let mut body = String::new();
    if pages.is_empty() {
        body.push_str("<p>No stored runs match.</p>");
    }
    for (name, runs) in &pages {
        body.push_str(&section(name, runs));
    }
    let title = match pages.len() {
        1 => format!("pagecost history: {}", pages.keys().next().unwrap_or(&"")),
        n => format!("pagecost history: {n} pages"),
    };
    let subtitle = format!("{} runs from {db}", runs.len());
    page(
        &title,
        &subtitle,
        &body,
        "hover a point for its run, time and labels",
    )
}

fn section(name: &str, runs: &[&StoredRun]) -> String {
    let mut o = format!("<h2>{}</h2>", esc(name));
    o.push_str(&cards(runs));
    // Two charts a row at most, so that their axis text stays readable.
    o.push_str("<div class=\"grid\" style=\"grid-template-columns: repeat(auto-fit, minmax(560px, 1fr))\">");
    let bytes = by_type(runs, |g| g.transfer_bytes);
    o.push_str(&chart(
        "Transferred by resource type",
        Unit::Bytes,
        runs,
        &bytes,
    ));
    let requests = by_type(runs, |g| g.requests);
    o.push_str(&chart(
        "Requests by resource type",
        Unit::Count,
        runs,
        &requests,
    ));
    let parties = by_party(runs);
    o.push_str(&chart("Transferred by party", Unit::Bytes, runs, &parties));
    o.push_str(&chart("Timings", Unit::Ms, runs, &timings(runs)));
    let cpu = coloured(super::history::cpu_series(runs));
    if !cpu.is_empty() {
        let title = "Main thread by party and entity";
        o.push_str(&chart(title, Unit::Ms, runs, &cpu));
    }
    o.push_str("</div>");
    o.push_str(&latest(runs));
    o
}

/// A series per resource type any run has, of `f` of its totals.
fn by_type(runs: &[&StoredRun], f: fn(&GroupTotals) -> u64) -> Vec<Series> {
    ResourceType::ALL
        .iter()
        .filter(|t| runs.iter().any(|r| r.by_type.contains_key(t.as_str())))
        .map(|t| Series {
            name: t.as_str().to_string(),
            colour: type_colour(*t),
            values: runs
                .iter()
                .map(|r| Some(r.by_type.get(t.as_str()).map_or(0, f) as f64))
                .collect(),
        })
        .collect()
}

/// The bytes of the first and the third parties.
fn by_party(runs: &[&StoredRun]) -> [Series; 2] {
    let party = |p: &str, colour| Series {
        name: format!("{p} party"),
        colour,
        values: runs
            .iter()
            .map(|r| Some(r.by_party.get(p).map_or(0, |g| g.transfer_bytes) as f64))
            .collect(),
    };
    [party("first", PALETTE[0]), party("third", PALETTE[1])]
}

/// A series per timing metric some run has.
fn timings(runs: &[&StoredRun]) -> Vec<Series> {
    let measured = Metric::ALL
        .iter()
        .filter(|m| m.unit() == Unit::Ms)
        .map(|m| {
            (
                metric_label(*m),
                runs.iter().map(|r| r.metric(*m)).collect(),
            )
        })
        .filter(|(_, v): &(String, Vec<Option<f64>>)| v.iter().any(Option::is_some));
    coloured(measured.collect())
}

/// Named values as series in the palette's colours, in turn.
fn coloured(named: Vec<(String, Vec<Option<f64>>)>) -> Vec<Series> {
    (named.into_iter().enumerate())
        .map(|(i, (name, values))| Series {
            name,
            colour: PALETTE[i % PALETTE.len()],
            values,
        })
        .collect()
}

fn cards(runs: &[&StoredRun]) -> String {
    let last = runs[runs.len() - 1];
    let first = runs[0];
    let change = |m: Metric| match (first.metric(m), last.metric(m)) {
        (Some(a), Some(b)) if a > 0.0 => format!(" ({:+.0}%)", (b - a) / a * 100.0),
        _ => String::new(),
    };
    let mut o = String::from("<div class=\"cards\">");
    o.push_str(&card("runs", &runs.len().to_string(), false));
    o.push_str(&card(
        "from",
        &super::history::datetime(first.started_unix_ms),
        false,
    ));
    o.push_str(&card(
        "to",
        &super::history::datetime(last.started_unix_ms),
        false,
    ));
    for m in [Metric::TransferBytes, Metric::Requests, Metric::FullyLoaded] {
        let k = format!("latest {}{}", metric_label(m), change(m));
        o.push_str(&card(&k, &value(m, last.metric(m)), false));
    }
    o.push_str("</div>");
    o
}

/// An SVG line chart of the series over the runs (evenly spaced, oldest left).
fn chart(title: &str, unit: Unit, runs: &[&StoredRun], series: &[Series]) -> String {
    if series.is_empty() {
        return String::new();
    }
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0f64, |a, b| a.max(*b));
    let (top, step) = value_axis(max, unit);
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let x = |i: usize| {
        LEFT + if runs.len() > 1 {
            i as f64 * pw / (runs.len() - 1) as f64
        } else {
            pw / 2.0
        }
    };
    let y = |v: f64| TOP + ph - v / top * ph;
    let mut svg = format!(
        "<div class=\"wf\"><svg viewBox=\"0 0 {W} {H}\" width=\"100%\" role=\"img\" aria-label=\"{}\"><g class=\"axis\">",
        esc(title)
    );
    svg.push_str(&gridlines(top, step, &y, unit));
    svg.push_str(&date_ticks(runs, &x));
    svg.push_str("</g>");
    for s in series {
        svg.push_str(&line(s, runs, &x, &y, unit));
    }
    svg.push_str("</svg></div>");
    let legend: String = series
        .iter()
        .map(|s| {
            format!(
                "<span><i style=\"background:{}\"></i>{}</span>",
                s.colour,
                esc(&s.name)
            )
        })
        .collect();
    format!(
        "<div><h3>{}</h3><div class=\"legend\">{legend}</div>{svg}</div>",
        esc(title)
    )
}

/// The value axis for values up to `max`: its top and the step between gridlines (whole
/// numbers for counts).
fn value_axis(max: f64, unit: Unit) -> (f64, f64) {
    let least = if unit == Unit::Count {
        1.0
    } else {
        f64::MIN_POSITIVE
    };
    let step = nice_step(max / 4.0).max(least);
    let top = if max > 0.0 {
        (max / step).ceil() * step
    } else {
        1.0
    };
    (top, step)
}

/// A labelled gridline every `step` from 0 to `top`.
fn gridlines(top: f64, step: f64, y: &dyn Fn(f64) -> f64, unit: Unit) -> String {
    let mut svg = String::new();
    let mut v = 0.0;
    while v <= top + step / 2.0 && step > 0.0 {
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e7ed\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            esc(&amount(v, unit)),
            y = y(v)
        ));
        v += step;
    }
    svg
}

/// The dates of the first, middle and last runs under the time axis.
fn date_ticks(runs: &[&StoredRun], x: &dyn Fn(usize) -> f64) -> String {
    let ticks: Vec<usize> = if runs.len() <= 1 {
        vec![0]
    } else {
        vec![0, (runs.len() - 1) / 2, runs.len() - 1]
    };
    let mut svg = String::new();
    for (n, i) in ticks.iter().enumerate() {
        let anchor = ["start", "middle", "end"][if ticks.len() == 1 { 1 } else { n.min(2) }];
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            x(*i),
            H - 10.0,
            esc(&super::history::datetime(runs[*i].started_unix_ms))
        ));
    }
    svg
}

/// One series: its line (broken where a run has no value) and, for up to [`MAX_POINTS`]
/// runs, a point per run with its hover text.
fn line(
    s: &Series,
    runs: &[&StoredRun],
    x: &dyn Fn(usize) -> f64,
    y: &dyn Fn(f64) -> f64,
    unit: Unit,
) -> String {
    let mut o = String::new();
    let mut path = String::new();
    let mut pen_down = false;
    for (i, v) in s.values.iter().enumerate() {
        match v {
            Some(v) => {
                path.push_str(&format!(
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(*v)
                ));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    o.push_str(&format!(
        "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"/>",
        path.trim_end(),
        s.colour
    ));
    if runs.len() <= MAX_POINTS {
        for (i, v) in s.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let r = runs[i];
            let hover = format!(
                "run {} · {} · {} · {}: {}",
                r.id,
                super::history::datetime(r.started_unix_ms),
                if r.labels.0.is_empty() {
                    "no labels".to_string()
                } else {
                    labels_text(r)
                },
                s.name,
                amount(*v, unit)
            );
            o.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"><title>{}</title></circle>",
                x(i),
                y(*v),
                s.colour,
                esc(&hover)
            ));
        }
    }
    o
}

fn latest(runs: &[&StoredRun]) -> String {
    let mut o = String::from("<h3>Latest runs</h3><table><tr><th>run</th><th>started</th><th>labels</th><th>engine</th><th class=\"n\">requests</th><th class=\"n\">transferred</th><th class=\"n\">fully loaded</th><th class=\"n\">failed</th></tr>");
    for r in runs.iter().rev().take(super::history::TABLE_ROWS) {
        let m = |m: Metric| value(m, r.metric(m));
        o.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}{}</td><td class=\"n\">{}</td></tr>",
            r.id,
            super::history::datetime(r.started_unix_ms),
            esc(&labels_text(r)),
            esc(&r.engine),
            m(Metric::Requests),
            m(Metric::TransferBytes),
            m(Metric::FullyLoaded),
            if r.partial { " (partial)" } else { "" },
            r.failed
        ));
    }
    o.push_str("</table>");
    o
}
