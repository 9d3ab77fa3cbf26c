//! `--format html`: one self-contained file (no network, no external assets) with the
//! summary, totals per type, host and third party, problems, and an SVG waterfall coloured
//! per phase and per resource type, with tooltips and a filter box. For `compare`, both
//! waterfalls on one time scale and the difference charts.

use super::{human_bytes, human_ms};
use crate::model::urls::redact_url;
use crate::model::{Bucket, Entry, Load, ResourceType};
use crate::trace::TaskGroup;
use crate::verdict::compare::Comparison;
use crate::verdict::metric::{Metric, Unit};
use std::fmt::Write as _;

/// Phase names and colours, in the order they happen.
const PHASES: [(&str, &str); 7] = [
    ("blocked", "#c9ccd1"),
    ("dns", "#1aa39a"),
    ("connect", "#f0a030"),
    ("ssl", "#a45ee5"),
    ("send", "#4a90e2"),
    ("wait", "#62c370"),
    ("receive", "#1f5fbf"),
];

pub(crate) fn type_colour(t: ResourceType) -> &'static str {
    match t {
        ResourceType::Document => "#3366cc",
        ResourceType::Iframe => "#8d6e63",
        ResourceType::Stylesheet => "#9c27b0",
        ResourceType::Script => "#e6a700",
        ResourceType::Image => "#0f9d58",
        ResourceType::Font => "#e91e63",
        ResourceType::Media => "#00acc1",
        ResourceType::WebSocket => "#3949ab",
        ResourceType::Other => "#8a8f98",
    }
}

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    super::escape_markup(s, false)
}

const CSS: &str = r#"
:root { --fg:#1d2330; --muted:#5f6b7a; --line:#e3e7ed; --bg:#f6f8fa; --card:#fff; --bad:#c62828; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #1d2330; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 20px; font-weight: 600; }
header .url { color: #b8c4d6; word-break: break-all; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
main { padding: 20px 28px 40px; max-width: 1400px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 12px; margin-bottom: 22px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 22px; font-weight: 600; margin-top: 2px; }
.card.bad .v { color: var(--bad); }
h2 { font-size: 16px; margin: 26px 0 10px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(400px, 1fr)); gap: 16px; align-items: start; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
th { background: #eef1f5; font-weight: 600; font-size: 12px; color: var(--muted); }
td.n, th.n { text-align: right; white-space: nowrap; }
td:first-child { overflow-wrap: anywhere; min-width: 96px; }
.share { display: inline-block; height: 8px; background: #4a90e2; border-radius: 2px; vertical-align: middle; }
.problems li { margin: 4px 0; }
.problems code, td code { font-size: 12px; }
.bad { color: var(--bad); }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 6px 0 10px; color: var(--muted); font-size: 12px; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.filter { margin: 4px 0 10px; }
.filter input { width: 360px; max-width: 100%; padding: 7px 10px; border: 1px solid #c5ccd6; border-radius: 6px; font: inherit; }
.wf { background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow-x: auto; }
.wf.strip { margin-bottom: 10px; }
svg text { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; fill: #1d2330; }
svg .axis text { fill: #5f6b7a; font-family: system-ui, sans-serif; font-size: 11px; }
svg g.row:hover rect.hl { fill: #eef4ff; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
"#;

const JS: &str = r#"
function pcFilter(box) {
  const q = box.value.toLowerCase();
  const svg = document.getElementById(box.dataset.target);
  const rows = svg.querySelectorAll('g.row');
  const top = Number(svg.dataset.top), h = Number(svg.dataset.rowh);
  let y = 0;
  rows.forEach(r => {
    const hit = !q || r.dataset.text.includes(q);
    r.style.display = hit ? '' : 'none';
    if (hit) { r.setAttribute('transform', 'translate(0,' + (top + y * h) + ')'); y++; }
  });
  svg.setAttribute('height', top + y * h + 8);
  svg.querySelectorAll('.grid-line').forEach(l => l.setAttribute('y2', top + y * h));
}
"#;

/// How a load was made, for the report's footer.
fn provenance(l: &Load) -> String {
    if l.settings.browser.is_some() {
        "loaded by headless Chromium: requests made by scripts at run time are in it".into()
    } else if l.tool.starts_with("pagecost") {
        "a static load (no JavaScript run): requests made by scripts at run time are not in it"
            .into()
    } else {
        format!("imported from a HAR recorded by {}", l.tool)
    }
}

pub(crate) fn page(title: &str, subtitle: &str, body: &str, how: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style><script>{JS}</script></head>\
         <body><header><h1>{}</h1><div class=\"url\">{}</div></header><main>{body}\
         <footer>Made by pagecost {} — {}.</footer>\
         </main></body></html>\n",
        esc(title),
        esc(title),
        esc(subtitle),
        env!("CARGO_PKG_VERSION"),
        esc(how)
    )
}

pub(crate) fn card(k: &str, v: &str, bad: bool) -> String {
    format!(
        "<div class=\"card{}\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>",
        if bad { " bad" } else { "" },
        esc(k),
        esc(v)
    )
}

fn cards(l: &Load) -> String {
    let t = &l.totals;
    let mut o = String::from("<div class=\"cards\">");
    o.push_str(&card("requests", &t.requests.to_string(), false));
    o.push_str(&card("transferred", &human_bytes(t.transfer_bytes), false));
    o.push_str(&card("decoded", &human_bytes(t.decoded_bytes), false));
    if let Some(c) = &l.carbon {
        let g = super::words::grams(c.total_g);
        o.push_str(&card("carbon a view", &format!("{g} CO2e"), false));
    }
    if let Some(c) = &l.data_cost {
        let country = c.price.country.as_deref().unwrap_or("at the price given");
        let k = format!("mobile data cost ({country})");
        o.push_str(&card(&k, &super::words::usd(c.total_usd), false));
    }
    o.push_str(&card(
        "document TTFB",
        &l.document_ttfb_ms
            .map_or_else(|| "unknown".into(), human_ms),
        false,
    ));
    o.push_str(&card("fully loaded", &human_ms(l.fully_loaded_ms), false));
    for (m, v) in super::words::rendering(l) {
        o.push_str(&card(&super::words::metric_label(m), &v, false));
    }
    o.push_str(&card("failed", &t.failed.to_string(), t.failed > 0));
    o.push_str(&card("empty", &t.empty.to_string(), t.empty > 0));
    o.push_str(&card(
        "third parties",
        &format!(
            "{} · {}",
            t.third_party.requests,
            human_bytes(t.third_party.transfer_bytes)
        ),
        false,
    ));
    o.push_str("</div>");
    o
}

fn bucket_table(title: &str, rows: &[(String, Bucket)], total: u64) -> String {
    let mut o = format!(
        "<table><tr><th>{}</th><th class=\"n\">requests</th><th class=\"n\">transferred</th><th class=\"n\">decoded</th><th>share</th></tr>",
        esc(title)
    );
    for (name, b) in rows {
        let w = if total > 0 {
            (b.transfer_bytes as f64 / total as f64 * 80.0).round()
        } else {
            0.0
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td><span class=\"share\" style=\"width:{w}px\"></span></td></tr>",
            esc(name),
            b.requests,
            human_bytes(b.transfer_bytes),
            human_bytes(b.decoded_bytes)
        );
    }
    o.push_str("</table>");
    o
}

fn totals(l: &Load) -> String {
    let t = &l.totals;
    let mut by_type: Vec<(String, Bucket)> =
        t.by_type.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    by_type.sort_by_key(|b| std::cmp::Reverse(b.1.transfer_bytes));
    let mut by_host: Vec<(String, Bucket)> =
        t.by_host.iter().map(|(k, v)| (k.clone(), *v)).collect();
    by_host.sort_by_key(|b| std::cmp::Reverse(b.1.transfer_bytes));
    let mut parties = vec![
        ("first party".to_string(), t.first_party),
        ("third parties".to_string(), t.third_party),
    ];
    parties.extend(t.by_entity.iter().map(|(k, v)| (format!("· {k}"), *v)));
    parties.extend(
        t.by_category
            .iter()
            .map(|(k, v)| (format!("category: {k}"), *v)),
    );
    format!(
        "<h2>Where the bytes go</h2><div class=\"grid\">{}{}{}</div>",
        bucket_table("type", &by_type, t.transfer_bytes),
        bucket_table("host", &by_host, t.transfer_bytes),
        bucket_table("party / entity", &parties, t.transfer_bytes)
    )
}

fn problems(l: &Load) -> String {
    let bad = l.problems();
    if bad.is_empty() {
        return String::new();
    }
    let mut o = String::from("<h2 class=\"bad\">Problems</h2><ul class=\"problems\">");
    for (e, what) in bad {
        let _ = write!(
            o,
            "<li><b>{}</b> <code>{}</code> — referenced at <code>{}</code></li>",
            esc(&what),
            esc(&redact_url(&e.url)),
            esc(&l.referenced_at(e))
        );
    }
    o.push_str("</ul>");
    o
}

/// Each third-party tag with what it caused (requests, hosts, bytes).
fn tags(l: &Load) -> String {
    if l.third_party_tags.is_empty() {
        return String::new();
    }
    let cpu = l.main_thread.is_some();
    let mut o = String::from(
        "<h2>Third-party tags</h2><p>Each tag with every request it caused, directly or \
         through the scripts and frames it loaded (hover a waterfall row for its chain).</p>\
         <table><tr><th>tag</th><th>entity</th><th class=\"n\">requests</th>\
         <th class=\"n\">hosts</th><th class=\"n\">transferred</th>",
    );
    let carbon = l.carbon.as_ref();
    if carbon.is_some() {
        o.push_str("<th class=\"n\">CO2e a view</th>");
    }
    if cpu {
        o.push_str("<th class=\"n\">main thread</th><th class=\"n\">blocking</th>");
    }
    let unused = l.unused_code.is_some();
    if unused {
        o.push_str("<th class=\"n\">never used</th>");
    }
    o.push_str("</tr>");
    let ms = |v: Option<f64>| v.map_or("unknown".into(), human_ms);
    for c in &l.third_party_tags {
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            esc(&redact_url(&c.url)),
            esc(c.entity.as_deref().unwrap_or("-")),
            c.requests,
            c.hosts,
            human_bytes(c.transfer_bytes)
        );
        if let Some(carbon) = carbon {
            let g = carbon.by_tag.get(&c.url).copied().unwrap_or(0.0);
            let _ = write!(o, "<td class=\"n\">{}</td>", super::words::grams(g));
        }
        if cpu {
            let (t, b) = (ms(c.main_thread_ms), ms(c.blocking_ms));
            let _ = write!(o, "<td class=\"n\">{t}</td><td class=\"n\">{b}</td>");
        }
        if unused {
            let u = c.unused_bytes.map_or("unknown".into(), human_bytes);
            let _ = write!(o, "<td class=\"n\">{u}</td>");
        }
        o.push_str("</tr>");
    }
    o.push_str("</table>");
    o
}

/// Colours of the main thread's groups, and their names.
const GROUPS: [(TaskGroup, &str, &str); 7] = [
    (TaskGroup::ScriptEvaluation, "scripts", "#e6a700"),
    (TaskGroup::ScriptParseCompile, "compile", "#b8860b"),
    (TaskGroup::ParseHtmlCss, "HTML & CSS", "#3366cc"),
    (TaskGroup::StyleLayout, "style & layout", "#9c27b0"),
    (TaskGroup::PaintCompositeRender, "paint", "#0f9d58"),
    (TaskGroup::GarbageCollection, "GC", "#8d6e63"),
    (TaskGroup::Other, "other", "#8a8f98"),
];

/// What the main thread spent: one bar split by group, then the costliest scripts and
/// documents, each with its own bar on the same scale.
fn main_thread(l: &Load) -> String {
    let Some(m) = &l.main_thread else {
        return String::new();
    };
    let mut o = format!(
        "<h2>Main thread</h2><p>{} in {} tasks, {} of it blocking (each task's part past 50 ms); \
         {} the browser's own, attributed to no script.</p>",
        human_ms(m.total_ms),
        m.tasks,
        human_ms(m.blocking_ms),
        human_ms(m.unattributed_ms)
    );
    let total = m.total_ms.max(1e-9);
    o.push_str(
        "<div style=\"display:flex;height:18px;width:720px;border-radius:3px;overflow:hidden\">",
    );
    for (g, name, colour) in GROUPS {
        let v = m.by_group.get(&g).copied().unwrap_or(0.0);
        let w = v / total * 720.0;
        let _ = write!(
            o,
            "<span title=\"{name}: {}\" style=\"width:{w:.1}px;background:{colour}\"></span>",
            human_ms(v)
        );
    }
    o.push_str("</div><div class=\"legend\">");
    for (g, name, colour) in GROUPS {
        let v = human_ms(m.by_group.get(&g).copied().unwrap_or(0.0));
        let _ = write!(
            o,
            "<span><i style=\"background:{colour}\"></i>{name} {v}</span>"
        );
    }
    o.push_str("</div><table><tr><th>script or document</th><th class=\"n\">main thread</th><th class=\"n\">blocking</th><th></th></tr>");
    let top = m.by_url.first().map_or(1e-9, |c| c.total_ms.max(1e-9));
    for c in m.by_url.iter().take(15) {
        let w = c.total_ms / top * 240.0;
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td><span style=\"display:inline-block;height:10px;width:{w:.1}px;background:#e6a700;border-radius:2px\"></span></td></tr>",
            esc(&redact_url(&c.url)),
            human_ms(c.total_ms),
            human_ms(c.blocking_ms)
        );
    }
    o.push_str("</table>");
    o
}

fn legend() -> String {
    let mut o = String::from("<div class=\"legend\">");
    for (name, c) in PHASES {
        let _ = write!(o, "<span><i style=\"background:{c}\"></i>{name}</span>");
    }
    o.push_str("<span style=\"margin-left:12px\">type:</span>");
    for t in ResourceType::ALL {
        let _ = write!(
            o,
            "<span><i style=\"background:{}\"></i>{}</span>",
            type_colour(t),
            t
        );
    }
    o.push_str("</div>");
    o
}

const WF_ROW: f64 = 20.0;
const WF_TOP: f64 = 28.0;
/// The waterfall's left column (a request's label), pixels: its time axis starts there.
pub(super) const WF_LABEL: f64 = 610.0;
/// The waterfall's time axis, pixels.
pub(super) const WF_BAR: f64 = 600.0;
pub(super) const WF_WIDTH: f64 = WF_LABEL + WF_BAR + 20.0;

/// The waterfall of one load as an SVG, on a time scale of `scale_ms`.
fn waterfall(l: &Load, id: &str, scale_ms: f64) -> String {
    let (row, top, width) = (WF_ROW, WF_TOP, WF_WIDTH);
    let scale = if scale_ms > 0.0 {
        WF_BAR / scale_ms
    } else {
        0.0
    };
    let tracks = l.main_thread.as_ref().map_or(0, |m| {
        m.timeline.iter().map(|t| t.thread + 1).max().unwrap_or(0)
    }) as f64;
    let rows_end = top + row * l.entries.len() as f64;
    // The tracks, and a line for their legend.
    let below = match tracks {
        0.0 => 0.0,
        n => TRACK_GAP + (n + 1.0) * row,
    };
    let height = rows_end + 8.0 + below;
    let mut o = format!(
        "<div class=\"filter\"><input type=\"search\" placeholder=\"Filter requests (URL, type, status, host)…\" data-target=\"{id}\" oninput=\"pcFilter(this)\"></div>\
         <div class=\"wf\"><svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" data-top=\"{top}\" data-rowh=\"{row}\">"
    );
    axis(&mut o, scale_ms, scale, height);
    let parents = crate::model::chains::parents(&l.entries);
    for (i, e) in l.entries.iter().enumerate() {
        row_label(&mut o, l, i, &parents);
        row_bars(&mut o, e, scale);
    }
    if let Some(m) = l.main_thread.as_ref().filter(|_| tracks > 0.0) {
        main_thread_track(&mut o, l, m, (rows_end + TRACK_GAP, scale));
    }
    o.push_str("</svg></div>");
    o
}

/// The main-thread track's colours, in words, on a line of their own under it.
fn track_legend(o: &mut String, y: f64) {
    let keys = [
        ("#4a90e2", "first party"),
        ("#e8710a", "third party"),
        ("#8e7cc3", "unfetched script"),
        ("#9aa5b1", "browser"),
        ("#b03a2e", "blocking (past 50 ms)"),
    ];
    let mut x = 20.0;
    for (colour, name) in keys {
        let _ = write!(
            o,
            "<rect x=\"{x:.0}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>\
             <text x=\"{:.0}\" y=\"{:.1}\" fill=\"#5f6b7a\" font-size=\"11\">{name}</text>",
            y + 5.0,
            x + 14.0,
            y + 14.0
        );
        x += 26.0 + name.len() as f64 * 6.8;
    }
}

/// Room between the requests and the main-thread track.
const TRACK_GAP: f64 = 14.0;

/// The main thread under the waterfall, on its time axis: each task of a millisecond or
/// more as a bar, one track per renderer main thread, coloured by the party of the script
/// that took most of it (first party, third party, the browser's own work); a task's part
/// past 50 ms, its blocking time, darker; hover for the task's script and tag. The legend on
/// a line under the tracks.
fn main_thread_track(
    o: &mut String,
    l: &Load,
    m: &crate::trace::MainThread,
    (y0, scale): (f64, f64),
) {
    let whose = Whose::of(l);
    let threads = m.timeline.iter().map(|t| t.thread + 1).max().unwrap_or(0);
    for t in 0..threads {
        let y = y0 + f64::from(t) * WF_ROW;
        let label = match threads {
            1 => "main thread".to_string(),
            _ => format!("main thread {}", t + 1),
        };
        let _ = write!(
            o,
            "<g class=\"track\"><text x=\"20\" y=\"{:.1}\" fill=\"#5f6b7a\">{label}</text>",
            y + 14.0
        );
        for s in m.timeline.iter().filter(|s| s.thread == t) {
            task_bar(o, &whose, s, (y + 4.0, scale));
        }
        o.push_str("</g>");
    }
    track_legend(o, y0 + f64::from(threads) * WF_ROW);
}

/// Whose a script is, for the main-thread track: its request's party, and its tag.
struct Whose<'a> {
    load: &'a Load,
    /// Each URL's first request.
    first: std::collections::HashMap<&'a str, usize>,
    /// Each request's tag.
    tags: Vec<Option<usize>>,
}

impl<'a> Whose<'a> {
    fn of(load: &'a Load) -> Whose<'a> {
        let first = crate::model::chains::first_by_url(&load.entries);
        let tags = crate::model::chains::tags_of(&load.entries);
        Whose { load, first, tags }
    }

    /// A task's colour and party in words, and its tag's URL.
    fn task(&self, url: Option<&str>) -> (&'static str, &'static str, Option<String>) {
        let i = url.and_then(|u| self.first.get(u)).copied();
        let party = i.and_then(|i| self.load.entries[i].party.as_ref());
        let (colour, whose) = match party {
            Some(p) if p.first_party => ("#4a90e2", "first party"),
            Some(_) => ("#e8710a", "third party"),
            None if url.is_some() => ("#8e7cc3", "a script no request fetched"),
            None => ("#9aa5b1", "the browser's own work"),
        };
        let tag = i.and_then(|i| self.tags[i]);
        let tag = tag.map(|t| redact_url(&self.load.entries[t].url));
        (colour, whose, tag)
    }
}

/// One task's bar (and its blocking part), with its tooltip.
fn task_bar(o: &mut String, whose: &Whose, s: &crate::trace::TaskSpan, (y, scale): (f64, f64)) {
    // Clipped to the axis: a task before the first request or after the last is cut.
    let x = WF_LABEL + s.start_ms.max(0.0) * scale;
    let end = (WF_LABEL + (s.start_ms + s.duration_ms) * scale).min(WF_LABEL + WF_BAR);
    if end <= x {
        return;
    }
    let w = (end - x).max(1.0);
    let (colour, party, tag) = whose.task(s.url.as_deref());
    let script = s.url.as_deref().map_or("no script".into(), redact_url);
    let tag = tag.map(|t| format!("\ntag: {t}")).unwrap_or_default();
    let tip = format!(
        "task {} at {}: {script} ({party}){tag}",
        human_ms(s.duration_ms),
        human_ms(s.start_ms),
    );
    let _ = write!(
        o,
        "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"12\" \
         fill=\"{colour}\"/>",
        esc(&tip)
    );
    let blocking_from = WF_LABEL + (s.start_ms + 50.0) * scale;
    if s.duration_ms > 50.0 && blocking_from < end {
        let (bx, bw) = (blocking_from, end - blocking_from);
        let _ = write!(
            o,
            "<rect x=\"{bx:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"12\" fill=\"#b03a2e\" \
             opacity=\"0.55\"/>"
        );
    }
    o.push_str("</g>");
}

/// The time axis with its grid lines.
fn axis(o: &mut String, scale_ms: f64, scale: f64, height: f64) {
    let step = nice_step(scale_ms / 8.0);
    o.push_str("<g class=\"axis\">");
    let mut t = 0.0;
    while t <= scale_ms + 1e-9 && step > 0.0 {
        let x = WF_LABEL + t * scale;
        let _ = write!(
            o,
            "<line class=\"grid-line\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#e3e7ed\"/><text x=\"{x:.1}\" y=\"16\" text-anchor=\"middle\">{}</text>",
            WF_TOP - 6.0,
            height - 8.0,
            esc(&human_ms(t))
        );
        t += step;
    }
    o.push_str("</g>");
}

/// A request's row: its tooltip (with the chain of requests that caused it), number,
/// status, type, URL and size. The row's group stays open for its bars.
fn row_label(o: &mut String, l: &Load, i: usize, parents: &[Option<usize>]) {
    let e = &l.entries[i];
    let y = WF_TOP + i as f64 * WF_ROW;
    let status = e.status_label();
    let url = redact_url(&e.url);
    let mut tip = tooltip(l, e, &status);
    let chain = crate::model::chains::chain(parents, i);
    if chain.len() > 1 {
        let names: Vec<String> = chain
            .iter()
            .map(|&j| super::shorten(&redact_url(&l.entries[j].url), 60))
            .collect();
        let _ = write!(tip, "\ncaused by: {}", names.join(" ← "));
    }
    let lcp = is_lcp_image(l, i);
    if lcp {
        tip.push_str("\nthe largest contentful paint's image");
    }
    let text = format!("{} {} {} {}", url, e.resource_type, status, e.host()).to_lowercase();
    let bad = e.failed() || e.empty();
    let _ = write!(
        o,
        "<g class=\"row\" transform=\"translate(0,{y})\" data-text=\"{}\"><title>{}</title>\
         <rect class=\"hl\" x=\"0\" y=\"0\" width=\"{WF_WIDTH}\" height=\"{WF_ROW}\" fill=\"{}\"/>\
         <rect x=\"6\" y=\"5\" width=\"8\" height=\"10\" rx=\"2\" fill=\"{}\"/>\
         <text x=\"20\" y=\"14\">{:>3}</text><text x=\"52\" y=\"14\"{}>{}</text><text x=\"120\" y=\"14\" fill=\"#5f6b7a\">{}</text>\
         <text x=\"200\" y=\"14\">{}</text><text x=\"{}\" y=\"14\" text-anchor=\"end\">{}</text>",
        esc(&text),
        esc(&tip),
        match (lcp, i % 2) {
            (true, _) => "#fff4d6",
            (false, 0) => "#ffffff",
            _ => "#fafbfc",
        },
        type_colour(e.resource_type),
        i + 1,
        if bad { " fill=\"#c62828\"" } else { "" },
        esc(&status),
        e.resource_type,
        esc(&super::shorten(&url, if lcp { 38 } else { 44 })),
        WF_LABEL - 10.0,
        esc(&e.size_text(human_bytes))
    );
    if lcp {
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"14\" fill=\"#b06000\" font-weight=\"700\">LCP</text>",
            WF_LABEL - 120.0
        );
    }
}

/// Whether request `i` is the first to fetch the image of the largest contentful paint.
fn is_lcp_image(l: &Load, i: usize) -> bool {
    let Some(url) = (l.page_metrics.lcp_element.as_ref()).and_then(|p| p.url.as_deref()) else {
        return false;
    };
    l.entries.iter().position(|e| e.url == url) == Some(i)
}

/// The LCP element and each layout shift, a line each, the largest shifts first.
fn painted(l: &Load) -> String {
    let m = &l.page_metrics;
    if m.lcp_element.is_none() && m.layout_shifts.is_empty() {
        return String::new();
    }
    let mut o = String::from("<h2>What painted and what moved</h2><ul class=\"problems\">");
    if let Some(p) = &m.lcp_element {
        let lcp = super::words::lcp_element(p);
        let _ = write!(o, "<li><b>largest contentful paint</b> {}</li>", esc(&lcp));
    }
    let mut shifts: Vec<_> = m.layout_shifts.iter().collect();
    shifts.sort_by(|a, b| b.score.total_cmp(&a.score));
    for s in shifts {
        let line = super::words::layout_shift(s);
        let _ = write!(o, "<li><b>layout shift</b> {}</li>", esc(&line));
    }
    o.push_str("</ul>");
    o
}

/// A request's bars (one per phase it went through, or one for its whole time when no
/// phase is known) and its duration; closes the row's group.
fn row_bars(o: &mut String, e: &crate::model::Entry, scale: f64) {
    let bad = e.failed() || e.empty();
    let mut x = WF_LABEL + e.started_ms * scale;
    let t = &e.timings_ms;
    let phases = [
        t.blocked_ms,
        t.dns_ms,
        t.connect_ms.map(|c| c - t.ssl_ms.unwrap_or(0.0)),
        t.ssl_ms,
        t.send_ms,
        t.wait_ms,
        t.receive_ms,
    ];
    let mut drew = false;
    for ((name, colour), v) in PHASES.iter().zip(phases) {
        let Some(ms) = v.filter(|m| *m > 0.0) else {
            continue;
        };
        let w = (ms * scale).max(0.5);
        let _ = write!(o, "<rect x=\"{x:.2}\" y=\"4\" width=\"{w:.2}\" height=\"12\" fill=\"{colour}\"><title>{name}: {}</title></rect>", esc(&format_ms(ms)));
        x += ms * scale;
        drew = true;
    }
    if !drew {
        let w = (e.duration_ms * scale).max(2.0);
        let fill = if bad { "#c62828" } else { "#8a8f98" };
        let _ = write!(o, "<rect x=\"{:.2}\" y=\"4\" width=\"{w:.2}\" height=\"12\" fill=\"{fill}\" opacity=\"0.7\"/>", WF_LABEL + e.started_ms * scale);
    }
    // The duration after the bar, or before it when the bar ends near the right edge.
    let label = esc(&human_ms(e.duration_ms));
    if x + 64.0 < WF_WIDTH {
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"14\" fill=\"#5f6b7a\">{label}</text></g>",
            x + 4.0
        );
    } else {
        let start = WF_LABEL + e.started_ms * scale;
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"14\" fill=\"#5f6b7a\" text-anchor=\"end\">{label}</text></g>",
            start - 4.0
        );
    }
}

fn format_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        human_ms(ms)
    }
}

fn tooltip(l: &Load, e: &Entry, status: &str) -> String {
    let t = &e.timings_ms;
    let p = |n: &str, v: Option<f64>| {
        v.map(|x| format!("\n  {n}: {}", format_ms(x)))
            .unwrap_or_default()
    };
    format!(
        "{}\n{} · {} · {}\nstarted {} · took {}{}{}{}{}{}{}{}\ntransferred {} · decoded {}{}\nreferenced at {}{}",
        redact_url(&e.url),
        status,
        e.resource_type,
        e.mime_type.as_deref().unwrap_or("?"),
        format_ms(e.started_ms),
        format_ms(e.duration_ms),
        p("blocked", t.blocked_ms),
        p("dns", t.dns_ms),
        p("connect", t.connect_ms),
        p("ssl", t.ssl_ms),
        p("send", t.send_ms),
        p("wait", t.wait_ms),
        p("receive", t.receive_ms),
        e.size_text(human_bytes),
        human_bytes(e.decoded_bytes),
        e.http_version.as_deref().map(|v| format!(" · {v}")).unwrap_or_default(),
        l.referenced_at(e),
        e.party
            .as_ref()
            .and_then(|p| p.entity.clone())
            .map(|x| format!("\nthird party: {x}"))
            .unwrap_or_default()
    )
}

/// A readable axis step near `raw` milliseconds: 1, 2 or 5 times a power of ten.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 0.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

/// The HTML report of one load.
pub fn render(l: &Load) -> String {
    let mut body = cards(l);
    body.push_str(&problems(l));
    body.push_str(&totals(l));
    body.push_str(&tags(l));
    body.push_str(&main_thread(l));
    let scale = l.fully_loaded_ms.max(super::filmstrip::end_ms(l));
    let strip = super::filmstrip::strip(l, "what the visitor saw", scale);
    if !strip.is_empty() {
        body.push_str("<h2 id=\"filmstrip\">Filmstrip</h2>");
        body.push_str(&strip);
    }
    body.push_str(&painted(l));
    body.push_str("<h2>Waterfall</h2>");
    body.push_str(&legend());
    body.push_str(&waterfall(l, "wf-a", scale));
    if !l.notes.is_empty() {
        body.push_str("<h2>Notes</h2><ul>");
        for n in &l.notes {
            let _ = write!(body, "<li>{}</li>", esc(n));
        }
        body.push_str("</ul>");
    }
    page(
        "pagecost report",
        &redact_url(&l.url),
        &body,
        &provenance(l),
    )
}

/// The HTML report of a comparison: the verdicts, the gates (`gates`, rendered), difference
/// charts, and both median runs' waterfalls on one time scale.
pub fn render_compare(c: &Comparison, (a, b): (&Load, &Load), gates: &str) -> String {
    let mut body = format!("<p>A: {} runs · B: {} runs</p>", c.runs.0, c.runs.1);
    let left_out = super::compare::left_out(c);
    if !left_out.is_empty() {
        body.push_str("<ul>");
        for line in left_out {
            let _ = write!(body, "<li>{}</li>", esc(&line));
        }
        body.push_str("</ul>");
    }
    body.push_str(&verdicts(c));
    body.push_str(gates);
    body.push_str(&compare_main_thread(c));
    body.push_str(&super::carbon::html(c));
    body.push_str(&shorter_is_better(c));
    let scale = [a, b]
        .iter()
        .map(|l| l.fully_loaded_ms.max(super::filmstrip::end_ms(l)))
        .fold(0.0, f64::max);
    let strips = [("A", a), ("B", b)].map(|(k, l)| super::filmstrip::strip(l, k, scale));
    if strips.iter().any(|s| !s.is_empty()) {
        body.push_str("<h2 id=\"filmstrip\">What the visitor saw, on one time scale</h2>");
        for (k, s) in ["A", "B"].iter().zip(&strips) {
            match s.is_empty() {
                true => {
                    let _ = write!(
                        body,
                        "<p>{k}: no screenshots (a static load or a HAR without a trace).</p>"
                    );
                }
                false => body.push_str(s),
            }
        }
    }
    body.push_str("<h2>Waterfalls on one time scale</h2>");
    body.push_str(&legend());
    let _ = write!(body, "<h2>A: <code>{}</code></h2>", esc(&redact_url(&c.a)));
    body.push_str(&waterfall(a, "wf-a", scale));
    let _ = write!(body, "<h2>B: <code>{}</code></h2>", esc(&redact_url(&c.b)));
    body.push_str(&waterfall(b, "wf-b", scale));
    page(
        "pagecost compare",
        &format!("A {} · B {}", redact_url(&c.a), redact_url(&c.b)),
        &body,
        &format!("A: {}; B: {}", provenance(a), provenance(b)),
    )
}

/// A metric's value in its unit, as the verdict table writes it.
fn amount(unit: Unit, v: f64) -> String {
    super::words::amount(v.max(0.0), unit)
}

/// The verdict table: each metric's medians and verdict, in bold when significant.
fn verdicts(c: &Comparison) -> String {
    let mut body = String::from("<h2>Verdict</h2><table><tr><th>metric</th><th class=\"n\">A</th><th class=\"n\">B</th><th>verdict</th></tr>");
    for m in &c.metrics {
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}{}{}</td></tr>",
            esc(&m.key.name().replace('_', " ")),
            amount(m.unit, m.a.median),
            amount(m.unit, m.b.median),
            if m.significant { "<b>" } else { "" },
            esc(&m.verdict.to_string()),
            if m.significant { "</b>" } else { "" }
        );
    }
    body.push_str("</table>");
    body
}

/// Bars of A's and B's medians for bytes, requests and the fully-loaded time.
fn shorter_is_better(c: &Comparison) -> String {
    let mut body = String::from("<h2>Shorter is better</h2>");
    let charted = [Metric::TransferBytes, Metric::Requests, Metric::FullyLoaded];
    for m in c
        .metrics
        .iter()
        .filter(|m| m.key.estimated_on.is_none() && charted.contains(&m.key.metric))
    {
        let max = m.a.median.max(m.b.median).max(1e-9);
        let _ = write!(
            body,
            "<div style=\"margin:8px 0\"><b>{}</b>",
            esc(&m.key.name().replace('_', " "))
        );
        for (side, v, colour) in [("A", m.a.median, "#4a90e2"), ("B", m.b.median, "#e8710a")] {
            let w = (v / max * 600.0).round();
            let _ = write!(
                body,
                "<div style=\"display:flex;align-items:center;gap:8px;margin:3px 0\"><span style=\"width:14px\">{side}</span><span style=\"display:inline-block;height:14px;width:{w}px;background:{colour};border-radius:2px\"></span><span>{}</span></div>",
                amount(m.unit, v)
            );
        }
        body.push_str("</div>");
    }
    body
}

/// A comparison's main-thread time per party, entity and tag: what ran on one side only in
/// a sentence each, then the table.
fn compare_main_thread(c: &Comparison) -> String {
    if c.main_thread.is_empty() {
        return String::new();
    }
    let mut o = String::from("<h2>Main thread by party, entity and tag</h2><ul>");
    for line in c.main_thread.iter().filter_map(super::words::one_sided_cpu) {
        let _ = write!(o, "<li>{}</li>", esc(&line));
    }
    o.push_str(
        "</ul><table><tr><th>whose</th><th class=\"n\">A</th><th class=\"n\">B</th>\
         <th>verdict</th><th class=\"n\">A blocking</th><th class=\"n\">B blocking</th></tr>",
    );
    for d in super::compare::cpu_rows(c) {
        let m = &d.main_thread;
        let b = |pick: fn(&crate::verdict::compare::MetricDiff) -> f64| {
            d.blocking
                .as_ref()
                .map_or("-".into(), |b| human_ms(pick(b)))
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}{}{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&super::compare::cpu_label(d)),
            human_ms(m.a.median),
            human_ms(m.b.median),
            if m.significant { "<b>" } else { "" },
            esc(&m.verdict.to_string()),
            if m.significant { "</b>" } else { "" },
            b(|b| b.a.median),
            b(|b| b.b.median),
        );
    }
    o.push_str("</table>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round_numbers() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(130.0), 200.0);
        assert_eq!(nice_step(4.1), 5.0);
        assert_eq!(nice_step(0.0), 0.0);
    }

    #[test]
    fn page_text_is_escaped() {
        assert_eq!(
            esc("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }
}
