//! The terminal report: summary, totals per type and host, failures, and the waterfall.

use super::{human_bytes, human_ms, sanitize, shorten};
use crate::model::{Bucket, Entry, Load};
use comfy_table::{Attribute, Cell, CellAlignment, ContentArrangement, Table};
use std::fmt::Write as _;

/// Lines above and below, a double line under the header, no lines between rows.
const TABLE_STYLE: &str = "  ── ══      ──    ";
/// Width of the waterfall bars in characters.
const BAR_WIDTH: usize = 32;
/// Longest URL shown in the waterfall (longer ones keep their start and end).
const URL_WIDTH: usize = 60;

/// Options for the table report.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// Terminal width, when known (tables fit it).
    pub width: Option<u16>,
    /// Add the connection view.
    pub connections: bool,
    /// Colour the waterfall's phases (a terminal without NO_COLOR).
    pub color: bool,
}

/// Renders the whole terminal report.
pub fn render(load: &Load, opts: TableOptions) -> String {
    let mut out = String::new();
    summary(&mut out, load);
    out.push('\n');
    out.push_str(&by_type(load, opts));
    out.push('\n');
    out.push_str(&by_host(load, opts));
    out.push('\n');
    if load.totals.third_party.requests > 0 {
        out.push_str(&by_party(load, opts));
        out.push('\n');
    }
    if !load.third_party_tags.is_empty() {
        out.push_str(&tags(load, opts));
        out.push('\n');
    }
    if let Some(m) = &load.main_thread {
        out.push_str(&main_thread(m, load.unused_code.as_deref(), opts));
        out.push('\n');
    }
    if let Some(s) = &load.savings {
        out.push_str(&super::savings::table(load, s, opts.width));
        out.push('\n');
    }
    let problems = problems(load, opts);
    if !problems.is_empty() {
        out.push_str(&problems);
        out.push('\n');
    }
    if opts.connections {
        out.push_str(&connections(load, opts));
        out.push('\n');
    }
    out.push_str(&waterfall(load, opts));
    out
}

/// The connection view: one row per connection.
fn connections(load: &Load, opts: TableOptions) -> String {
    let mut t = new_table(opts);
    t.set_header(vec![
        right("conn"),
        Cell::new("origin").add_attribute(Attribute::Bold),
        Cell::new("protocol"),
        right("opened"),
        right("dns"),
        right("connect"),
        right("ssl"),
        right("requests"),
    ]);
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |ms| format!("{ms:.1} ms"));
    for c in &load.connections {
        t.add_row(vec![
            right(c.id),
            Cell::new(sanitize(&c.origin)),
            Cell::new(&c.protocol),
            right(human_ms(c.opened_ms)),
            right(opt(c.dns_ms)),
            right(format!("{:.1} ms", c.connect_ms)),
            right(opt(c.ssl_ms)),
            right(c.requests),
        ]);
    }
    format!("{t}\n")
}

fn metric_value(unit: crate::verdict::metric::Unit, v: f64) -> String {
    super::words::amount(v.max(0.0), unit)
}

/// Repeated runs: the statistics of each metric, then the median run's full report.
pub fn render_runs(runs: &crate::verdict::runs::Runs, opts: TableOptions) -> String {
    let mut t = new_table(opts);
    t.set_header(vec![
        Cell::new(format!("{} runs", runs.runs.len())).add_attribute(Attribute::Bold),
        right("median"),
        right("mean"),
        right("± stddev"),
        right("min"),
        right("max"),
        Cell::new("outliers (run #)"),
    ]);
    for m in &runs.metrics {
        let s = &m.summary;
        let outliers: Vec<String> = s.outliers.iter().map(|i| (i + 1).to_string()).collect();
        t.add_row(vec![
            Cell::new(m.name),
            right(metric_value(m.unit, s.median)),
            right(metric_value(m.unit, s.mean)),
            right(metric_value(m.unit, s.stddev)),
            right(metric_value(m.unit, s.min)),
            right(metric_value(m.unit, s.max)),
            Cell::new(if outliers.is_empty() {
                "-".to_string()
            } else {
                outliers.join(", ")
            }),
        ]);
    }
    let mut out = format!("{t}\n");
    if runs.warmup {
        out.push_str("after one uncounted warm-up run; ");
    }
    for f in &runs.failed_runs {
        out.push_str(&format!("{}; ", sanitize(&f.to_string())));
    }
    out.push_str(&format!(
        "median run: #{} (by fully-loaded time)\n\n",
        runs.median_run + 1
    ));
    out.push_str(&render(runs.median(), opts));
    out
}

/// A load estimated on a profile, next to the measured one.
pub fn render_estimate(measured: &Load, est: &Load, opts: TableOptions) -> String {
    let name = est
        .settings
        .throttle
        .as_ref()
        .map_or("?", |p| p.name.as_str());
    let mut t = new_table(opts);
    t.set_header(vec![
        Cell::new(format!("estimate on {name}")).add_attribute(Attribute::Bold),
        right("measured"),
        right("estimated"),
    ]);
    let ttfb = |l: &Load| {
        l.document_ttfb_ms
            .map_or_else(|| "unknown".into(), human_ms)
    };
    t.add_row(vec![
        Cell::new("document TTFB"),
        right(ttfb(measured)),
        right(ttfb(est)),
    ]);
    t.add_row(vec![
        Cell::new("fully loaded"),
        right(human_ms(measured.fully_loaded_ms)),
        right(human_ms(est.fully_loaded_ms)),
    ]);
    format!(
        "\n{t}\nestimated waterfall (replayed from the measured load, not measured):\n{}",
        waterfall(est, opts)
    )
}

fn summary(out: &mut String, load: &Load) {
    let t = &load.totals;
    let _ = writeln!(out, "{}  {}", load.tool, sanitize(&load.url));
    if load.final_url != load.url {
        let _ = writeln!(out, "  final URL      {}", sanitize(&load.final_url));
    }
    let _ = writeln!(out, "  requests       {}{}", t.requests, request_extras(t));
    let _ = writeln!(
        out,
        "  transferred    {}  (decoded {})",
        human_bytes(t.transfer_bytes),
        human_bytes(t.decoded_bytes)
    );
    if let Some(c) = &load.carbon {
        let _ = writeln!(out, "  carbon         {}", super::words::carbon(c));
    }
    if let Some(c) = &load.data_cost {
        let _ = writeln!(out, "  data cost      {}", super::words::data_cost(c));
    }
    let ttfb = load
        .document_ttfb_ms
        .map_or_else(|| "unknown".to_string(), human_ms);
    let _ = writeln!(out, "  document TTFB  {ttfb}");
    let _ = writeln!(out, "  fully loaded   {}", human_ms(load.fully_loaded_ms));
    let rendering: Vec<String> = super::words::rendering(load)
        .into_iter()
        .map(|(m, v)| format!("{} {v}", super::words::abbreviation(m)))
        .collect();
    if !rendering.is_empty() {
        let _ = writeln!(out, "  rendering      {}", rendering.join(" · "));
    }
    if let Some(v) = &load.page_metrics.visual {
        let _ = writeln!(out, "  visual         {}", super::words::visual(v));
    }
    painted(out, &load.page_metrics);
    skipped(out, &load.skipped);
    if load.partial {
        let _ = writeln!(out, "  PARTIAL        the load did not complete");
    }
    for n in &load.notes {
        let _ = writeln!(out, "  note: {}", sanitize(n));
    }
}

/// What the request count holds besides successes: `  (1 failed, 2 redirects ...)`, or
/// nothing.
fn request_extras(t: &crate::model::Totals) -> String {
    let mut extra = Vec::new();
    for (n, what) in [
        (t.failed, "failed"),
        (t.empty, "empty"),
        (t.redirects, "redirects"),
    ] {
        if n > 0 {
            extra.push(format!("{n} {what}"));
        }
    }
    if t.lazy.requests > 0 {
        extra.push(format!(
            "{} lazy, {}",
            t.lazy.requests,
            human_bytes(t.lazy.transfer_bytes)
        ));
    }
    if extra.is_empty() {
        String::new()
    } else {
        format!("  ({})", extra.join(", "))
    }
}

/// References not requested, by why, and documents cut at the parse limit.
fn skipped(out: &mut String, s: &crate::model::Skipped) {
    let parts: Vec<String> = [
        (s.data, "data:"),
        (s.javascript, "javascript:"),
        (s.other_scheme, "other scheme"),
        (s.invalid, "invalid"),
        (s.over_limit, "over a limit"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !parts.is_empty() {
        let not_fetched = s.data + s.javascript + s.other_scheme + s.invalid + s.over_limit;
        let _ = writeln!(
            out,
            "  not requested  {} ({})",
            not_fetched,
            parts.join(", ")
        );
    }
    if s.cut_at_parse_limit > 0 {
        let _ = writeln!(
            out,
            "  cut            {} document(s) or sheet(s) parsed only up to the parse limit (see notes)",
            s.cut_at_parse_limit
        );
    }
}

/// A resource type in at most five letters, for narrow terminals.
fn short_type(kind: &str) -> &str {
    match kind {
        "document" => "doc",
        "stylesheet" => "css",
        "script" => "js",
        "image" => "img",
        "iframe" => "frame",
        "media" => "media",
        "websocket" => "ws",
        "font" => "font",
        "other" => "other",
        k => k,
    }
}

fn new_table(opts: TableOptions) -> Table {
    let mut t = Table::new();
    fit(&mut t, opts.width);
    t
}

/// The house table style (lines above and below, a double line under the header), wrapped
/// to `width` columns when known.
pub(crate) fn fit(t: &mut Table, width: Option<u16>) {
    t.load_preset(TABLE_STYLE);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = width {
        t.set_width(w);
    }
}

pub(super) fn right(s: impl ToString) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// A share bar: `####......` of `width` characters.
fn share_bar(part: u64, whole: u64, width: usize) -> String {
    let filled = if whole == 0 {
        0
    } else {
        ((part as f64 / whole as f64) * width as f64).round() as usize
    };
    let filled = filled.min(width);
    format!("{}{}", "#".repeat(filled), ".".repeat(width - filled))
}

fn bucket_table(
    title: &str,
    rows: Vec<(String, Bucket)>,
    total: u64,
    opts: TableOptions,
) -> String {
    let mut t = new_table(opts);
    t.set_header(vec![
        Cell::new(title).add_attribute(Attribute::Bold),
        right("requests"),
        right("transferred"),
        right("decoded"),
        Cell::new("share of bytes"),
    ]);
    for (name, b) in rows {
        t.add_row(vec![
            Cell::new(sanitize(&name)),
            right(b.requests),
            right(human_bytes(b.transfer_bytes)),
            right(human_bytes(b.decoded_bytes)),
            Cell::new(share_bar(b.transfer_bytes, total, 20)),
        ]);
    }
    format!("{t}\n")
}

fn by_type(load: &Load, opts: TableOptions) -> String {
    let mut rows: Vec<(String, Bucket)> = load
        .totals
        .by_type
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    rows.sort_by(|a, b| {
        b.1.transfer_bytes
            .cmp(&a.1.transfer_bytes)
            .then(a.0.cmp(&b.0))
    });
    bucket_table("type", rows, load.totals.transfer_bytes, opts)
}

fn by_host(load: &Load, opts: TableOptions) -> String {
    let mut rows: Vec<(String, Bucket)> = load
        .totals
        .by_host
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    rows.sort_by(|a, b| {
        b.1.transfer_bytes
            .cmp(&a.1.transfer_bytes)
            .then(a.0.cmp(&b.0))
    });
    bucket_table("host", rows, load.totals.transfer_bytes, opts)
}

/// First party against third parties, then each entity and category the dataset names.
fn by_party(load: &Load, opts: TableOptions) -> String {
    let t = &load.totals;
    let mut rows = vec![
        ("first party".to_string(), t.first_party),
        ("third parties".to_string(), t.third_party),
    ];
    let mut ents: Vec<(String, Bucket)> = t
        .by_entity
        .iter()
        .map(|(k, v)| (format!("  {k}"), *v))
        .collect();
    ents.sort_by(|a, b| {
        b.1.transfer_bytes
            .cmp(&a.1.transfer_bytes)
            .then(a.0.cmp(&b.0))
    });
    rows.extend(ents);
    let mut cats: Vec<(String, Bucket)> = t
        .by_category
        .iter()
        .map(|(k, v)| (format!("category {k}"), *v))
        .collect();
    cats.sort_by(|a, b| {
        b.1.transfer_bytes
            .cmp(&a.1.transfer_bytes)
            .then(a.0.cmp(&b.0))
    });
    rows.extend(cats);
    bucket_table("party / entity", rows, t.transfer_bytes, opts)
}

/// Most tags a terminal report lists.
const TAGS_SHOWN: usize = 10;

/// Each third-party tag with all it caused: the cost of one line of HTML.
fn tags(load: &Load, opts: TableOptions) -> String {
    let mut t = new_table(opts);
    let cpu = load.main_thread.is_some();
    let mut header = vec![
        Cell::new("third-party tag").add_attribute(Attribute::Bold),
        Cell::new("entity"),
        right("requests"),
        right("hosts"),
        right("transferred"),
    ];
    if cpu {
        header.extend([right("main thread"), right("blocking")]);
    }
    let unused = load.unused_code.is_some();
    if unused {
        header.push(right("never used"));
    }
    t.set_header(header);
    let shown = || load.third_party_tags.iter().take(TAGS_SHOWN);
    // The URL gets the room the other columns leave (each a space either side and a border);
    // under 110 columns, entities are cut too.
    let entity_max = match opts.width {
        Some(w) if w < 110 => 14,
        _ => 32,
    };
    let entity = shown().map(|c| c.entity.as_deref().unwrap_or("-").chars().count());
    let entity_width = entity.max().unwrap_or(1).clamp(6, entity_max);
    let others = entity_width
        + 3
        + 11
        + 8
        + 14
        + if cpu { 28 } else { 0 }
        + if load.unused_code.is_some() { 13 } else { 0 };
    let url_max = opts
        .width
        .map_or(60, |w| usize::from(w).saturating_sub(others + 5))
        .clamp(16, 60);
    for c in shown() {
        t.add_row(tag_row(c, url_max, entity_max, (cpu, unused)));
    }
    let more = load.third_party_tags.len().saturating_sub(TAGS_SHOWN);
    let more = if more > 0 {
        format!("  and {more} more tags (--format json lists all)\n")
    } else {
        String::new()
    };
    format!("{t}\n{more}")
}

/// A tag's row, its URL and entity cut to the room given; its main-thread and blocking time
/// and its bytes never used when the load has them (`shown`).
fn tag_row(
    c: &crate::model::chains::TagCost,
    url_max: usize,
    entity_max: usize,
    (cpu, unused): (bool, bool),
) -> Vec<Cell> {
    let entity = sanitize(c.entity.as_deref().unwrap_or("-"));
    let mut row = vec![
        Cell::new(sanitize(&super::shorten(&c.url, url_max))),
        Cell::new(super::shorten(&entity, entity_max)),
        right(c.requests),
        right(c.hosts),
        right(human_bytes(c.transfer_bytes)),
    ];
    if cpu {
        let ms = |v: Option<f64>| v.map_or("unknown".into(), human_ms);
        row.extend([right(ms(c.main_thread_ms)), right(ms(c.blocking_ms))]);
    }
    if unused {
        row.push(right(c.unused_bytes.map_or("unknown".into(), human_bytes)));
    }
    row
}

/// Scripts and documents shown in the main-thread table.
const SCRIPTS_SHOWN: usize = 10;

/// What the main thread spent: a line of totals by group, then the costliest scripts and
/// documents.
fn main_thread(
    m: &crate::trace::MainThread,
    unused: Option<&[crate::trace::unused::UnusedCode]>,
    opts: TableOptions,
) -> String {
    use crate::trace::TaskGroup as G;
    let mut out = main_thread_totals(m);
    if let Some(u) = unused {
        out.push_str(&unused_line(u));
    }
    let mut t = new_table(opts);
    let mut header = vec![
        Cell::new("script or document").add_attribute(Attribute::Bold),
        right("main thread"),
        right("blocking"),
        right("scripting"),
    ];
    if unused.is_some() {
        header.push(right("never used"));
    }
    t.set_header(header);
    let unused_of = |url: &str| {
        let u = unused.into_iter().flatten().find(|u| u.url == url);
        u.map_or_else(String::new, |u| {
            format!(
                "{} ({:.0} %)",
                human_bytes(u.unused_bytes),
                u.unused_share * 100.0
            )
        })
    };
    for c in m.by_url.iter().take(SCRIPTS_SHOWN) {
        let scripting = c.by_group.get(&G::ScriptEvaluation).copied().unwrap_or(0.0);
        let mut row = vec![
            Cell::new(sanitize(&shorten(&c.url, URL_WIDTH))),
            right(human_ms(c.total_ms)),
            right(human_ms(c.blocking_ms)),
            right(human_ms(scripting)),
        ];
        if unused.is_some() {
            row.push(right(unused_of(&c.url)));
        }
        t.add_row(row);
    }
    out.push_str(&format!("{t}\n"));
    out
}

/// The main thread's totals, by group, and its workers' time: the lines above its table.
fn main_thread_totals(m: &crate::trace::MainThread) -> String {
    use crate::trace::TaskGroup as G;
    let group = |g: G| m.by_group.get(&g).copied().unwrap_or(0.0);
    let mut out = format!(
        "main thread {} (blocking {}, {} tasks; unattributed {})\n  scripts {} · compile {} · \
         HTML/CSS {} · style/layout {} · paint {} · GC {} · other {}\n",
        human_ms(m.total_ms),
        human_ms(m.blocking_ms),
        m.tasks,
        human_ms(m.unattributed_ms),
        human_ms(group(G::ScriptEvaluation)),
        human_ms(group(G::ScriptParseCompile)),
        human_ms(group(G::ParseHtmlCss)),
        human_ms(group(G::StyleLayout)),
        human_ms(group(G::PaintCompositeRender)),
        human_ms(group(G::GarbageCollection)),
        human_ms(group(G::Other)),
    );
    if let Some(w) = &m.workers {
        let scripts: Vec<String> = (w.by_url.iter().take(3))
            .map(|c| {
                format!(
                    "{} {}",
                    sanitize(&shorten(&c.url, 40)),
                    human_ms(c.total_ms)
                )
            })
            .collect();
        out.push_str(&format!(
            "  workers {} off the main thread: {}\n",
            human_ms(w.total_ms),
            scripts.join(", ")
        ));
    }
    out
}

/// "unused code: 480 kB of 600 kB of scripts never ran, 40 kB of 52 kB of stylesheets never
/// matched", and the costliest.
fn unused_line(unused: &[crate::trace::unused::UnusedCode]) -> String {
    use crate::trace::unused::CodeKind;
    let sum = |kind: CodeKind| {
        let of = unused.iter().filter(|u| u.kind == kind);
        let total: u64 = of.clone().map(|u| u.decoded_bytes).sum();
        (of.map(|u| u.unused_bytes).sum::<u64>(), total)
    };
    let ((js, js_total), (css, css_total)) = (sum(CodeKind::Script), sum(CodeKind::Stylesheet));
    let mut line = format!(
        "  never used during the load: {} of {} of scripts (functions never run), {} of {} of \
         stylesheets (rules never matched)",
        human_bytes(js),
        human_bytes(js_total),
        human_bytes(css),
        human_bytes(css_total)
    );
    if let Some(top) = unused.first().filter(|u| u.unused_bytes > 0) {
        line.push_str(&format!(
            "; the most: {} {}",
            sanitize(&shorten(&top.url, 48)),
            human_bytes(top.unused_bytes)
        ));
    }
    line.push('\n');
    line
}

/// Failed and empty requests, each with where it is referenced (the line to fix).
fn problems(load: &Load, opts: TableOptions) -> String {
    let bad = load.problems();
    if bad.is_empty() {
        return String::new();
    }
    let mut t = new_table(opts);
    t.set_header(vec![
        Cell::new("problem").add_attribute(Attribute::Bold),
        Cell::new("url"),
        Cell::new("referenced at"),
    ]);
    for (e, what) in bad {
        let what = shorten(&what, 72);
        t.add_row(vec![
            Cell::new(sanitize(&what)),
            Cell::new(sanitize(&shorten(&e.url, URL_WIDTH))),
            Cell::new(sanitize(&load.referenced_at(e))),
        ]);
    }
    format!("{t}\n")
}

/// Waterfall characters and ANSI colours per phase, in order.
const PHASE_MARKS: [(char, &str); 7] = [
    ('.', "90"), // blocked
    (':', "36"), // dns
    ('=', "33"), // connect (TCP)
    ('%', "35"), // ssl
    ('>', "34"), // send
    ('-', "32"), // wait
    ('#', "94"), // receive
];

/// One bar on the page timeline, a character (and colour) per phase.
fn bar(e: &Entry, scale_ms: f64, width: usize, color: bool) -> String {
    if scale_ms <= 0.0 {
        return " ".repeat(width);
    }
    let col = |ms: f64| {
        ((ms / scale_ms) * width as f64)
            .floor()
            .clamp(0.0, width as f64) as usize
    };
    let t = &e.timings_ms;
    let tcp = t.connect_ms.map(|c| c - t.ssl_ms.unwrap_or(0.0));
    let phases = [
        t.blocked_ms,
        t.dns_ms,
        tcp,
        t.ssl_ms,
        t.send_ms,
        t.wait_ms,
        t.receive_ms,
    ];
    let start = col(e.started_ms);
    let end = col(e.ended_ms()).max(start + 1).min(width);
    // Column boundaries of each phase.
    let mut bounds = Vec::with_capacity(7);
    let mut at = e.started_ms;
    for p in phases {
        at += p.unwrap_or(0.0).max(0.0);
        bounds.push(col(at));
    }
    let no_phases = phases.iter().all(|p| p.is_none());
    let mut s = String::with_capacity(width * if color { 6 } else { 1 });
    let mut current: Option<&str> = None;
    for i in 0..width {
        let (c, code) = if i < start || i >= end {
            (' ', None)
        } else if no_phases || (e.error.is_some() && t.receive_ms.is_none()) {
            ('x', Some("31"))
        } else {
            let k = bounds.iter().position(|b| i < *b).unwrap_or(6);
            (PHASE_MARKS[k].0, Some(PHASE_MARKS[k].1))
        };
        if color && code != current {
            match code {
                Some(code) => s.push_str(&format!("\x1b[{code}m")),
                None => s.push_str("\x1b[0m"),
            }
            current = code;
        }
        s.push(c);
    }
    if color && current.is_some() {
        s.push_str("\x1b[0m");
    }
    s
}

/// A URL as the waterfall shows it: the page's own origin left out, as a network panel does.
pub(super) fn display_url(load: &Load, u: &str) -> String {
    let page = url::Url::parse(&load.final_url).ok();
    match (url::Url::parse(u), page) {
        (Ok(x), Some(p)) if x.origin() == p.origin() => {
            let mut s = x.path().to_string();
            if let Some(q) = x.query() {
                s.push('?');
                s.push_str(q);
            }
            s
        }
        _ => crate::model::urls::redact_url(u),
    }
}

/// Rows per table when a waterfall is drawn: a HAR of 160,000 requests is drawn a slice at
/// a time, every cell padded to its column's width over the whole load, so that the slices
/// line up as one table and memory stays that of one slice.
const WATERFALL_SLICE: usize = 1000;

fn waterfall(load: &Load, opts: TableOptions) -> String {
    waterfall_in_slices(load, opts, WATERFALL_SLICE)
}

/// A waterfall row's fixed cells: #, start, status, type, size, time.
fn waterfall_cells(i: usize, e: &Entry, compact: bool) -> [String; 6] {
    let kind = e.resource_type.as_str();
    [
        (i + 1).to_string(),
        human_ms(e.started_ms),
        e.status_label(),
        if compact { short_type(kind) } else { kind }.to_string(),
        e.size_text(human_bytes),
        human_ms(e.duration_ms),
    ]
}

fn waterfall_url(load: &Load, e: &Entry, url_width: usize) -> String {
    let indent = "  ".repeat(e.frame_depth as usize);
    let url = shorten(
        &display_url(load, &e.url),
        url_width.saturating_sub(indent.len()),
    );
    sanitize(&format!("{indent}{url}"))
}

/// `s` padded with spaces to `width` characters, on the left when `right`.
fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(s.chars().count()));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn waterfall_in_slices(load: &Load, opts: TableOptions, slice: usize) -> String {
    let width = opts
        .width
        .or_else(|| new_table(opts).width())
        .map(usize::from);
    // Under 100 columns the start column goes (the bar shows when a request started) and
    // types are abbreviated, so URL and bar keep readable widths instead of wrapping.
    let compact = width.is_some_and(|w| w < 100);
    let shown: Vec<usize> = (0..6).filter(|c| !(compact && *c == 1)).collect();
    let widest = fixed_widths(load, compact);
    let (url_width, bar_width) = url_and_bar_widths(width, &shown, &widest);
    let url_widest = load
        .entries
        .iter()
        .map(|e| waterfall_url(load, e, url_width).chars().count())
        .fold(3, usize::max);
    let mut header: Vec<Cell> = shown
        .iter()
        .map(|&c| match right_aligned(c) {
            true => right(WATERFALL_HEADERS[c]),
            false => Cell::new(WATERFALL_HEADERS[c]),
        })
        .collect();
    header.push(Cell::new("url"));
    header.push(Cell::new(format!(
        "0{:>w$}",
        human_ms(load.fully_loaded_ms),
        w = bar_width.saturating_sub(1)
    )));
    let row = |i: usize, e: &Entry| -> Vec<Cell> {
        let cells = waterfall_cells(i, e, compact);
        let mut row: Vec<Cell> = shown
            .iter()
            .map(|&c| Cell::new(pad(&cells[c], widest[c], right_aligned(c))))
            .collect();
        let url = waterfall_url(load, e, url_width);
        row.push(Cell::new(pad(&url, url_widest, false)));
        let bar = bar(e, load.fully_loaded_ms, bar_width, opts.color);
        row.push(Cell::new(bar));
        row
    };
    let t = slices(load, slice, header, row, opts);
    format!("{t}\n{}", waterfall_legend(load))
}

/// The waterfall's fixed columns, before URL and bar.
const WATERFALL_HEADERS: [&str; 6] = ["#", "start", "status", "type", "size", "time"];

/// Whether a fixed column of the waterfall is a number (right-aligned).
fn right_aligned(column: usize) -> bool {
    matches!(column, 0 | 1 | 4 | 5)
}

/// Each fixed column's widest cell over the whole load (its header included).
fn fixed_widths(load: &Load, compact: bool) -> [usize; 6] {
    let mut widest = WATERFALL_HEADERS.map(str::len);
    for (i, e) in load.entries.iter().enumerate() {
        for (w, cell) in widest.iter_mut().zip(waterfall_cells(i, e, compact)) {
            *w = (*w).max(cell.chars().count());
        }
    }
    widest
}

/// The URL's and the bar's widths. To fit a terminal, the fixed columns take their widest
/// cell plus 3 (padding and the border between columns); URL and bar share what is left.
/// Off a terminal, both keep their full widths.
fn url_and_bar_widths(
    width: Option<usize>,
    shown: &[usize],
    widest: &[usize; 6],
) -> (usize, usize) {
    match width {
        Some(w) => {
            let fixed: usize = shown.iter().map(|c| widest[*c] + 3).sum();
            let rest = w.saturating_sub(fixed + 2 * 3 + 1);
            let bar = BAR_WIDTH.min(rest * 2 / 5).max(10);
            (URL_WIDTH.min(rest.saturating_sub(bar)).max(12), bar)
        }
        None => (URL_WIDTH, BAR_WIDTH),
    }
}

/// The lines under the waterfall: the phases' legend and what the engine could see.
fn waterfall_legend(load: &Load) -> String {
    let legend = "phases: .blocked :dns =connect %tls >send -wait(TTFB) #receive xfailed";
    let imported = load.tool.ends_with("(HAR)");
    match &load.settings.browser {
        Some(b) => format!("{legend}\nLoaded by {b}: requests made by scripts included.\n"),
        None if imported => format!("{legend}\n"),
        None => format!(
            "{legend}\nStatic engine: requests made by JavaScript at run time are not \
             seen\n(use --engine chromium, or audit a HAR export, for those).\n"
        ),
    }
}

/// The rows of `load` drawn as one table, `slice` rows per comfy-table: the first slice
/// keeps the top line and the header, the last the bottom line, and the lines where the
/// slices meet are dropped.
fn slices(
    load: &Load,
    slice: usize,
    header: Vec<Cell>,
    row: impl Fn(usize, &Entry) -> Vec<Cell>,
    opts: TableOptions,
) -> String {
    let parts = load.entries.len().div_ceil(slice).max(1);
    let mut out = String::new();
    for k in 0..parts {
        let mut t = new_table(opts);
        if k == 0 {
            t.set_header(header.clone());
        }
        let start = k * slice;
        for (i, e) in load.entries.iter().enumerate().skip(start).take(slice) {
            t.add_row(row(i, e));
        }
        let text = t.to_string();
        let lines: Vec<&str> = text.lines().collect();
        let from = usize::from(k > 0);
        let to = lines.len() - usize::from(k + 1 < parts);
        for l in &lines[from..to] {
            out.push_str(l);
            out.push('\n');
        }
    }
    out.pop(); // as Display writes it: no newline after the bottom line
    out
}

/// Most layout shifts the summary lists, the largest first (the JSON has them all).
const SHIFT_LINES: usize = 3;

/// The LCP element and the largest layout shifts, a line each.
fn painted(out: &mut String, m: &crate::model::PageMetrics) {
    if let Some(l) = &m.lcp_element {
        let _ = writeln!(out, "  LCP element    {}", super::words::lcp_element(l));
    }
    let mut shifts: Vec<&crate::model::painted::LayoutShift> = m.layout_shifts.iter().collect();
    shifts.sort_by(|a, b| b.score.total_cmp(&a.score));
    for (i, s) in shifts.iter().take(SHIFT_LINES).enumerate() {
        let label = if i == 0 { "layout shift" } else { "" };
        let _ = writeln!(out, "  {label:<13}  {}", super::words::layout_shift(s));
    }
    if shifts.len() > SHIFT_LINES {
        let more = shifts.len() - SHIFT_LINES;
        let _ = writeln!(
            out,
            "                 and {more} smaller (page_metrics.layout_shifts in the JSON)"
        );
    }
}

#[cfg(test)]
mod slice_tests {
    use super::*;

    /// A load of `n` requests of varied sizes, times, depths and URL lengths.
    fn load(n: usize) -> Load {
        let entry = |i: usize| {
            let path = "x".repeat(i % 97);
            format!(
                r#"{{"startedDateTime": "2026-01-10T10:00:00.000Z", "time": {t},
                "request": {{"method": "GET", "url": "https://h{h}.example/{path}{i}.png", "headers": []}},
                "response": {{"status": {status}, "headers": [], "content": {{"size": {size}, "mimeType": "image/png"}},
                "bodySize": {size}}}, "timings": {{"send": 0, "wait": {t}, "receive": 0}}}}"#,
                t = i % 1300,
                h = i % 7,
                status = if i.is_multiple_of(11) { 404 } else { 200 },
                size = i * 37 % 100_000,
            )
        };
        let entries: Vec<String> = (0..n).map(entry).collect();
        let har = format!(r#"{{"log": {{"entries": [{}]}}}}"#, entries.join(","));
        crate::har::import(&har, "t.har", None).unwrap()
    }

    /// Drawn a slice at a time, the waterfall is the very table drawn at once, on a
    /// terminal or off it, in colour or not.
    #[test]
    fn slices_line_up_as_one_table() {
        let l = load(2_345);
        for (width, color) in [(None, false), (Some(80), false), (Some(160), true)] {
            let opts = TableOptions {
                width,
                connections: false,
                color,
            };
            let whole = waterfall_in_slices(&l, opts, usize::MAX);
            assert_eq!(
                waterfall_in_slices(&l, opts, 1000),
                whole,
                "{width:?} {color}"
            );
            let numbered = |l: &&str| {
                l.split_whitespace()
                    .next()
                    .is_some_and(|w| w.parse::<usize>().is_ok())
            };
            assert_eq!(
                whole.lines().filter(numbered).count(),
                2_345,
                "every request, one line each"
            );
        }
        let empty = load(1);
        let opts = TableOptions::default();
        assert_eq!(
            waterfall_in_slices(&empty, opts, 1000),
            waterfall_in_slices(&empty, opts, usize::MAX)
        );
    }
}
