//! The SQL both backends run: the migrations (one text per dialect), the filter of a
//! query as a `WHERE` with numbered parameters, and rows put back together as
//! [`StoredRun`]s.

use super::{CpuTotals, Dimension, Filter, GroupTotals, Labels, StoredRun};
use crate::verdict::metric::Metric;
use std::collections::BTreeMap;

/// The schema this pagecost writes.
pub const SCHEMA_VERSION: u32 = 7;

/// One step of the schema: what turns version `version - 1` into `version`.
pub(crate) struct Migration {
    pub version: u32,
    /// The statements, with `{id}` (an auto-numbered key) and `{blob}` (bytes) written per
    /// dialect.
    pub sql: &'static str,
}

/// Every migration, in order. A released step is never edited: a change is a new step.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: "
CREATE TABLE runs (
    id {id},
    job TEXT NOT NULL,
    page TEXT NOT NULL,
    final_url TEXT NOT NULL,
    started_unix_ms BIGINT NOT NULL,
    saved_unix_ms BIGINT NOT NULL,
    tool TEXT NOT NULL,
    engine TEXT NOT NULL,
    profile TEXT,
    settings TEXT NOT NULL,
    partial BOOLEAN NOT NULL,
    failed BIGINT NOT NULL,
    document_ttfb_ms DOUBLE PRECISION,
    fully_loaded_ms DOUBLE PRECISION,
    requests DOUBLE PRECISION,
    transfer_bytes DOUBLE PRECISION,
    decoded_bytes DOUBLE PRECISION,
    dom_content_loaded_ms DOUBLE PRECISION,
    load_event_ms DOUBLE PRECISION,
    first_contentful_paint_ms DOUBLE PRECISION,
    largest_contentful_paint_ms DOUBLE PRECISION,
    total_blocking_time_ms DOUBLE PRECISION,
    cumulative_layout_shift DOUBLE PRECISION,
    load {blob} NOT NULL
);
CREATE INDEX runs_page_started ON runs (page, started_unix_ms);
CREATE INDEX runs_started ON runs (started_unix_ms);
CREATE TABLE run_labels (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX run_labels_key_value ON run_labels (key, value, run_id);
CREATE TABLE run_totals (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    name TEXT NOT NULL,
    requests BIGINT NOT NULL,
    transfer_bytes BIGINT NOT NULL,
    decoded_bytes BIGINT NOT NULL,
    PRIMARY KEY (run_id, dimension, name)
);
CREATE INDEX run_totals_dimension_name ON run_totals (dimension, name, run_id);
",
    },
    // The main thread's time and blocking time (browser engine, from the load's trace).
    Migration {
        version: 2,
        sql: "
ALTER TABLE runs ADD COLUMN main_thread_ms DOUBLE PRECISION;
ALTER TABLE runs ADD COLUMN main_thread_blocking_ms DOUBLE PRECISION;
",
    },
    // The main thread's time by party and third-party entity (blocking time where known).
    Migration {
        version: 3,
        sql: "
CREATE TABLE run_main_thread (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    name TEXT NOT NULL,
    main_thread_ms DOUBLE PRECISION NOT NULL,
    blocking_ms DOUBLE PRECISION,
    PRIMARY KEY (run_id, dimension, name)
);
CREATE INDEX run_main_thread_dimension_name ON run_main_thread (dimension, name, run_id);
",
    },
    // The carbon of the run's bytes (the Sustainable Web Design model v4).
    Migration {
        version: 4,
        sql: "
ALTER TABLE runs ADD COLUMN co2e_grams DOUBLE PRECISION;
",
    },
    // Speed Index (browser engine, from the load's screenshots).
    Migration {
        version: 5,
        sql: "
ALTER TABLE runs ADD COLUMN speed_index_ms DOUBLE PRECISION;
",
    },
    // What a view cost on mobile data, at the price asked for (US dollars).
    Migration {
        version: 6,
        sql: "
ALTER TABLE runs ADD COLUMN data_cost_usd DOUBLE PRECISION;
",
    },
    // What the page could shed (`--savings`), bytes.
    Migration {
        version: 7,
        sql: "
ALTER TABLE runs ADD COLUMN savings_bytes DOUBLE PRECISION;
",
    },
];

/// The table that holds the schema's version (one row).
pub(crate) const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS pagecost_schema (version INTEGER NOT NULL)";

/// A migration's text in a dialect.
pub(crate) fn dialect(sql: &str, id: &str, blob: &str) -> String {
    sql.replace("{id}", id).replace("{blob}", blob)
}

/// The refusal of a schema newer than this pagecost's.
pub(crate) fn too_new(found: u32) -> String {
    format!(
        "written by a newer pagecost (schema {found}; this one knows up to {SCHEMA_VERSION}): upgrade pagecost"
    )
}

/// The columns of `runs` read back, in this order, by [`RunRow`].
pub(crate) fn run_columns() -> String {
    let mut cols =
        "id, job, page, final_url, started_unix_ms, engine, profile, partial, failed".to_string();
    for m in Metric::ALL {
        cols.push_str(", ");
        cols.push_str(m.name());
    }
    cols
}

/// The insert of one run (`$1` ... in [`run_columns`]' order of the written fields).
pub(crate) fn insert_run() -> String {
    let mut cols = "job, page, final_url, started_unix_ms, saved_unix_ms, tool, engine, profile, settings, partial, failed, load".to_string();
    for m in Metric::ALL {
        cols.push_str(", ");
        cols.push_str(m.name());
    }
    let n = 12 + Metric::ALL.len();
    let params: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO runs ({cols}) VALUES ({}) RETURNING id",
        params.join(", ")
    )
}

pub(crate) const INSERT_LABEL: &str =
    "INSERT INTO run_labels (run_id, key, value) VALUES ($1, $2, $3)";
pub(crate) const INSERT_CPU: &str = "INSERT INTO run_main_thread (run_id, dimension, name, main_thread_ms, blocking_ms) VALUES ($1, $2, $3, $4, $5)";
pub(crate) const INSERT_TOTAL: &str = "INSERT INTO run_totals (run_id, dimension, name, requests, transfer_bytes, decoded_bytes) VALUES ($1, $2, $3, $4, $5, $6)";

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
}

/// The runs a filter selects: a subquery of their ids and its parameters (`$1` ...).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Where {
    /// `SELECT id FROM runs WHERE ...` (latest first and limited with `last`).
    pub ids: String,
    pub params: Vec<Param>,
}

impl Where {
    pub fn of(f: &Filter) -> Where {
        let mut params = Vec::new();
        let mut cond = vec!["1 = 1".to_string()];
        let next = |p: Param, params: &mut Vec<Param>| {
            params.push(p);
            format!("${}", params.len())
        };
        if let Some(page) = &f.page {
            let n = next(Param::Text(page.clone()), &mut params);
            cond.push(format!("page = {n}"));
        }
        if let Some(t) = f.since_unix_ms {
            let n = next(Param::Int(t.min(i64::MAX as u64) as i64), &mut params);
            cond.push(format!("started_unix_ms >= {n}"));
        }
        for (k, v) in &f.labels {
            let nk = next(Param::Text(k.clone()), &mut params);
            let nv = next(Param::Text(v.clone()), &mut params);
            cond.push(format!(
                "EXISTS (SELECT 1 FROM run_labels l WHERE l.run_id = runs.id AND l.key = {nk} AND l.value = {nv})"
            ));
        }
        let mut ids = format!(
            "SELECT id FROM runs WHERE {} ORDER BY started_unix_ms DESC, id DESC",
            cond.join(" AND ")
        );
        if let Some(n) = f.last {
            ids.push_str(&format!(" LIMIT {}", n.min(i64::MAX as usize)));
        }
        Where { ids, params }
    }

    pub fn select_runs(&self) -> String {
        format!(
            "SELECT {} FROM runs WHERE id IN ({}) ORDER BY started_unix_ms, id",
            run_columns(),
            self.ids
        )
    }

    pub fn select_labels(&self) -> String {
        format!(
            "SELECT run_id, key, value FROM run_labels WHERE run_id IN ({})",
            self.ids
        )
    }

    pub fn select_totals(&self) -> String {
        format!("SELECT run_id, dimension, name, requests, transfer_bytes, decoded_bytes FROM run_totals WHERE run_id IN ({})", self.ids)
    }

    pub fn select_cpu(&self) -> String {
        format!("SELECT run_id, dimension, name, main_thread_ms, blocking_ms FROM run_main_thread WHERE run_id IN ({})", self.ids)
    }

    pub fn select_loads(&self) -> String {
        format!(
            "SELECT load FROM runs WHERE id IN ({}) ORDER BY started_unix_ms, id",
            self.ids
        )
    }
}

/// The indexed columns of one run, as read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunRow {
    pub id: i64,
    pub job: String,
    pub page: String,
    pub final_url: String,
    pub started_unix_ms: i64,
    pub engine: String,
    pub profile: Option<String>,
    pub partial: bool,
    pub failed: i64,
    /// In `Metric::ALL`'s order.
    pub metrics: Vec<Option<f64>>,
}

/// `(run, dimension, name, requests, transfer bytes, decoded bytes)`.
pub(crate) type TotalRow = (i64, String, String, i64, i64, i64);

/// `(run, dimension, name, main-thread ms, blocking ms)`.
pub(crate) type CpuRow = (i64, String, String, f64, Option<f64>);

/// Rows, labels and totals put back together per run.
pub(crate) fn assemble(
    rows: Vec<RunRow>,
    labels: Vec<(i64, String, String)>,
    (totals, cpu): (Vec<TotalRow>, Vec<CpuRow>),
) -> Vec<StoredRun> {
    let mut runs: Vec<StoredRun> = rows.into_iter().map(stored).collect();
    let index: BTreeMap<i64, usize> = runs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for (id, k, v) in labels {
        if let Some(&i) = index.get(&id) {
            runs[i].labels.0.insert(k, v);
        }
    }
    for (id, dim, name, requests, transfer, decoded) in totals {
        let Some(&i) = index.get(&id) else { continue };
        let t = GroupTotals {
            requests: requests.max(0) as u64,
            transfer_bytes: transfer.max(0) as u64,
            decoded_bytes: decoded.max(0) as u64,
        };
        let run = &mut runs[i];
        match Dimension::parse(&dim) {
            Some(Dimension::Type) => run.by_type.insert(name, t),
            Some(Dimension::Party) => run.by_party.insert(name, t),
            Some(Dimension::Entity) => run.by_entity.insert(name, t),
            None => None,
        };
    }
    for (id, dim, name, ms, blocking) in cpu {
        let Some(&i) = index.get(&id) else { continue };
        let t = CpuTotals {
            main_thread_ms: ms,
            blocking_ms: blocking,
        };
        let run = &mut runs[i];
        match Dimension::parse(&dim) {
            Some(Dimension::Party) => run.main_thread_by_party.insert(name, t),
            Some(Dimension::Entity) => run.main_thread_by_entity.insert(name, t),
            _ => None,
        };
    }
    runs
}

fn stored(r: RunRow) -> StoredRun {
    let metrics = Metric::ALL
        .iter()
        .zip(r.metrics)
        .map(|(m, v)| (m.name().to_string(), v))
        .collect();
    StoredRun {
        id: r.id,
        job: r.job,
        page: r.page,
        final_url: r.final_url,
        started_unix_ms: r.started_unix_ms.max(0) as u64,
        engine: r.engine,
        profile: r.profile,
        partial: r.partial,
        labels: Labels::default(),
        failed: r.failed.max(0) as u64,
        metrics,
        by_type: BTreeMap::new(),
        by_party: BTreeMap::new(),
        by_entity: BTreeMap::new(),
        main_thread_by_party: BTreeMap::new(),
        main_thread_by_entity: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_its_column() {
        let all: String = MIGRATIONS.iter().map(|m| m.sql).collect();
        for m in Metric::ALL {
            let made = all.contains(&format!("\n    {} DOUBLE PRECISION", m.name()))
                || all.contains(&format!("ADD COLUMN {} DOUBLE PRECISION", m.name()));
            assert!(made, "{} has no column", m.name());
        }
    }

    #[test]
    fn filters_bind_values_and_never_splice_them() {
        let f = Filter {
            page: Some("x' OR 1=1 --".into()),
            labels: vec![("branch".into(), "main".into())],
            since_unix_ms: Some(5),
            last: Some(3),
        };
        let w = Where::of(&f);
        assert!(!w.ids.contains("OR 1=1"), "{}", w.ids);
        assert_eq!(w.params.len(), 4);
        assert!(w.ids.contains("page = $1") && w.ids.contains("started_unix_ms >= $2"));
        assert!(w.ids.contains("l.key = $3 AND l.value = $4") && w.ids.ends_with("LIMIT 3"));
    }
}
