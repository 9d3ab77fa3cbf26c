//! Stored runs: per page, a trend line per metric (a sparkline over every run, oldest to
//! newest, with first, last, min and max) and the latest runs as rows; or every run as JSON
//! or CSV.

use super::{sanitize, table::fit};
use crate::history::StoredRun;
use crate::job::history::HistoryReport;
use crate::verdict::metric::Metric;
use comfy_table::{Cell, CellAlignment, Table};
use std::collections::BTreeMap;

/// Rows of runs shown per page in the terminal (the trend lines cover every run).
pub const TABLE_ROWS: usize = 20;

/// The report as terminal text.
pub fn table(r: &HistoryReport, width: Option<u16>) -> String {
    match r {
        HistoryReport::Runs { db, page, runs } => runs_table(db, page.as_deref(), runs, width),
        HistoryReport::Pruned {
            db,
            removed,
            before_unix_ms,
        } => format!(
            "{db}: {removed} run{} that started before {} deleted\n",
            plural(*removed as usize),
            datetime(*before_unix_ms)
        ),
        HistoryReport::Imported { db, runs, files } => format!(
            "{db}: {runs} run{} imported from {files} file{}\n",
            plural(*runs),
            plural(*files)
        ),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn runs_table(db: &str, page: Option<&str>, runs: &[StoredRun], width: Option<u16>) -> String {
    if runs.is_empty() {
        let what = page
            .map(|p| format!(" of {}", sanitize(p)))
            .unwrap_or_default();
        return format!("{db}: no stored runs{what} match\n");
    }
    let mut pages: BTreeMap<&str, Vec<&StoredRun>> = BTreeMap::new();
    for r in runs {
        pages.entry(&r.page).or_default().push(r);
    }
    let mut out = String::new();
    for (page, runs) in pages {
        let (first, last) = (
            runs[0].started_unix_ms,
            runs[runs.len() - 1].started_unix_ms,
        );
        out.push_str(&format!(
            "{}: {} run{}, {} to {} ({db})\n\n",
            sanitize(page),
            runs.len(),
            plural(runs.len()),
            datetime(first),
            datetime(last)
        ));
        out.push_str(&trends(&runs, width));
        out.push_str("\n\n");
        out.push_str(&latest(&runs, width));
        out.push('\n');
        if runs.len() > TABLE_ROWS {
            out.push_str(&format!(
                "({} older runs not listed; every run is in --format json or csv)\n",
                runs.len() - TABLE_ROWS
            ));
        }
        out.push('\n');
    }
    out
}

/// The sparkline's width: what the terminal leaves beside the other columns.
fn spark_width(width: Option<u16>) -> usize {
    let w = width.map(usize::from).unwrap_or(100);
    w.saturating_sub(75).clamp(10, 60)
}

fn trends(runs: &[&StoredRun], width: Option<u16>) -> String {
    let mut t = Table::new();
    fit(&mut t, width);
    t.set_header(vec![
        "metric",
        "trend, oldest to newest",
        "first",
        "last",
        "min",
        "max",
    ]);
    let w = spark_width(width);
    for m in Metric::ALL {
        let values: Vec<Option<f64>> = runs.iter().map(|r| r.metric(m)).collect();
        if values.iter().all(Option::is_none) {
            continue;
        }
        t.add_row(trend_row(&super::words::metric_label(m), &values, m, w));
    }
    for (name, values) in cpu_series(runs) {
        let name = format!("main thread, {name}");
        t.add_row(trend_row(&name, &values, Metric::MainThread, w));
    }
    t.to_string()
}

/// Most third-party entities whose main-thread time is trended (the costliest).
const CPU_ENTITIES: usize = 3;

/// Main-thread time per party and for the costliest third-party entities, run by run (`None`
/// for a run without a trace), by name: `third party`, `Google/Doubleclick Ads`.
pub(crate) fn cpu_series(runs: &[&StoredRun]) -> Vec<(String, Vec<Option<f64>>)> {
    let traced = |r: &StoredRun| !r.main_thread_by_party.is_empty();
    if !runs.iter().any(|r| traced(r)) {
        return Vec::new();
    }
    let of = |pick: &dyn Fn(&StoredRun) -> Option<f64>| -> Vec<Option<f64>> {
        runs.iter()
            .map(|r| traced(r).then(|| pick(r).unwrap_or(0.0)))
            .collect()
    };
    let mut out: Vec<(String, Vec<Option<f64>>)> = ["first", "third"]
        .iter()
        .map(|p| {
            let values = of(&|r| r.main_thread_by_party.get(*p).map(|c| c.main_thread_ms));
            (format!("{p} party"), values)
        })
        .collect();
    let mut entities: BTreeMap<&str, f64> = BTreeMap::new();
    for r in runs {
        for (name, c) in &r.main_thread_by_entity {
            let top = entities.entry(name.as_str()).or_default();
            *top = top.max(c.main_thread_ms);
        }
    }
    let mut ranked: Vec<(&str, f64)> = entities.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    for (name, _) in ranked.into_iter().take(CPU_ENTITIES) {
        let values = of(&|r| r.main_thread_by_entity.get(name).map(|c| c.main_thread_ms));
        out.push((name.to_string(), values));
    }
    out
}

/// A trend table's row: the name, a sparkline, first, last, min and max.
fn trend_row(name: &str, values: &[Option<f64>], m: Metric, w: usize) -> Vec<Cell> {
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let min = known.iter().copied().fold(f64::INFINITY, f64::min);
    let max = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let first = values.iter().flatten().next().copied();
    let last = values.iter().rev().flatten().next().copied();
    vec![
        Cell::new(name),
        Cell::new(sparkline(values, w)),
        right(value(m, first)),
        right(value(m, last)),
        right(value(m, Some(min))),
        right(value(m, Some(max))),
    ]
}

fn latest(runs: &[&StoredRun], width: Option<u16>) -> String {
    let mut t = Table::new();
    fit(&mut t, width);
    t.set_header(vec![
        "run",
        "started",
        "labels",
        "engine",
        "requests",
        "transferred",
        "fully loaded",
        "failed",
    ]);
    for r in runs.iter().skip(runs.len().saturating_sub(TABLE_ROWS)) {
        let engine = match &r.profile {
            Some(p) => format!("{} {p}", r.engine),
            None => r.engine.clone(),
        };
        let partial = if r.partial { " (partial)" } else { "" };
        t.add_row(vec![
            right(r.id.to_string()),
            Cell::new(datetime(r.started_unix_ms)),
            Cell::new(sanitize(&labels_text(r))),
            Cell::new(engine),
            right(value(Metric::Requests, r.metric(Metric::Requests))),
            right(value(
                Metric::TransferBytes,
                r.metric(Metric::TransferBytes),
            )),
            right(format!(
                "{}{partial}",
                value(Metric::FullyLoaded, r.metric(Metric::FullyLoaded))
            )),
            right(r.failed.to_string()),
        ]);
    }
    t.to_string()
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

/// A stored metric's value in words; `unknown` when the run did not measure it.
pub(crate) fn value(m: Metric, v: Option<f64>) -> String {
    v.map_or_else(|| "unknown".into(), |v| super::words::amount(v, m.unit()))
}

/// A run's labels as `key=value` words.
pub(crate) fn labels_text(r: &StoredRun) -> String {
    let labels: Vec<String> = r.labels.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
    labels.join(" ")
}

/// Values as a line of block characters, `width` at most: runs are put in `width` buckets
/// (each shows its median) when there are more. An unknown value is a space; equal values
/// sit on the lowest block.
pub fn sparkline(values: &[Option<f64>], width: usize) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let width = width.max(1);
    let buckets: Vec<Option<f64>> = if values.len() <= width {
        values.to_vec()
    } else {
        (0..width)
            .map(|i| {
                let (a, b) = (i * values.len() / width, (i + 1) * values.len() / width);
                let known: Vec<f64> = values[a..b].iter().flatten().copied().collect();
                crate::verdict::stats::median(&known)
            })
            .collect()
    };
    let known: Vec<f64> = buckets.iter().flatten().copied().collect();
    let min = known.iter().copied().fold(f64::INFINITY, f64::min);
    let max = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    buckets
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if max <= min => BLOCKS[0],
            Some(v) => {
                let i = ((v - min) / (max - min) * 7.0).round() as usize;
                BLOCKS[i.min(7)]
            }
        })
        .collect()
}

/// `2026-11-30 07:40` (UTC).
pub fn datetime(unix_ms: u64) -> String {
    let secs = (unix_ms / 1000) as i64;
    let (y, m, d) = crate::model::dates::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// Every run as JSON (an array, oldest first), or what a prune or import did.
pub fn json(r: &HistoryReport) -> String {
    let v = match r {
        HistoryReport::Runs { runs, .. } => serde_json::to_value(runs),
        HistoryReport::Pruned {
            db,
            removed,
            before_unix_ms,
        } => {
            Ok(serde_json::json!({"db": db, "removed": removed, "before_unix_ms": before_unix_ms}))
        }
        HistoryReport::Imported { db, runs, files } => {
            Ok(serde_json::json!({"db": db, "imported": runs, "files": files}))
        }
    };
    super::json::render_value(&v.expect("stored runs serialize"))
}

/// Every run as CSV: one row per run, a column per metric (empty: unknown) and per label
/// key found.
pub fn csv(r: &HistoryReport) -> Option<String> {
    let HistoryReport::Runs { runs, .. } = r else {
        return None;
    };
    let keys: std::collections::BTreeSet<&String> =
        runs.iter().flat_map(|r| r.labels.0.keys()).collect();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "id",
        "job",
        "page",
        "started",
        "started_unix_ms",
        "engine",
        "profile",
        "partial",
        "failed",
    ]
    .map(String::from)
    .to_vec();
    header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
    header.extend(keys.iter().map(|k| format!("label:{k}")));
    w.write_record(&header).ok()?;
    for r in runs {
        let mut row = vec![
            r.id.to_string(),
            r.job.clone(),
            super::links::inert(&r.page),
            datetime(r.started_unix_ms),
            r.started_unix_ms.to_string(),
            r.engine.clone(),
            r.profile.clone().unwrap_or_default(),
            r.partial.to_string(),
            r.failed.to_string(),
        ];
        row.extend(
            Metric::ALL
                .iter()
                .map(|m| r.metric(*m).map(|v| v.to_string()).unwrap_or_default()),
        );
        row.extend(
            keys.iter()
                .map(|k| super::links::inert(r.labels.0.get(*k).map(String::as_str).unwrap_or(""))),
        );
        w.write_record(&row).ok()?;
    }
    String::from_utf8(w.into_inner().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_between_min_and_max_and_bucket_long_series() {
        let v = |xs: &[f64]| xs.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        assert_eq!(sparkline(&v(&[1.0, 2.0, 8.0]), 10), "▁▂█");
        assert_eq!(sparkline(&v(&[5.0, 5.0]), 10), "▁▁");
        assert_eq!(sparkline(&[Some(0.0), None, Some(7.0)], 10), "▁ █");
        let long: Vec<Option<f64>> = (0..100).map(|i| Some(i as f64)).collect();
        let s = sparkline(&long, 10);
        assert_eq!(s.chars().count(), 10);
        assert!(s.starts_with('▁') && s.ends_with('█'), "{s}");
    }

    #[test]
    fn datetimes_are_utc() {
        assert_eq!(datetime(0), "1970-01-01 00:00");
        assert_eq!(datetime(1_796_024_400_000), "2026-11-30 07:40");
    }
}
