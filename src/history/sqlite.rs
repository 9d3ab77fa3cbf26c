//! The SQLite backend (rusqlite, SQLite built in): WAL mode so that readers never wait for
//! a writer, a busy timeout so that writers wait for each other instead of failing, and
//! `BEGIN IMMEDIATE` so that a transaction holds the write lock from its start (no
//! deadlock between two readers upgrading to writers).

use super::sql::{self, Param, RunRow, TotalRow, Where};
use super::{Backend, NewRun};
use rusqlite::{params_from_iter, Connection, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another one before giving up ("database is locked").
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Sqlite {
    conn: Connection,
}

fn text(e: rusqlite::Error) -> String {
    e.to_string()
}

/// `$1` as SQLite numbers its parameters (`?1`).
fn q(sql: &str) -> String {
    sql.replace('$', "?")
}

fn bind(params: &[Param]) -> Vec<rusqlite::types::Value> {
    params
        .iter()
        .map(|p| match p {
            Param::Text(s) => rusqlite::types::Value::Text(s.clone()),
            Param::Int(i) => rusqlite::types::Value::Integer(*i),
        })
        .collect()
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create its folder: {e}"))?;
        }
        let conn = Connection::open(path).map_err(text)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(text)?;
        // Reading the journal mode is the first read: a file that is not a database fails here.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(text)?;
        if mode != "wal" {
            return Err(format!(
                "cannot use write-ahead logging (journal mode {mode})"
            ));
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(text)?;
        Ok(Sqlite { conn })
    }
}

impl Backend for Sqlite {
    fn migrate(&mut self, target: u32) -> Result<(), String> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(text)?;
        // One transaction holding the write lock: another process migrating at the same
        // moment waits, then finds the schema current.
        tx.execute_batch(sql::VERSION_TABLE).map_err(text)?;
        let found: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM pagecost_schema",
                [],
                |r| r.get(0),
            )
            .map_err(text)?;
        if found > i64::from(sql::SCHEMA_VERSION) {
            return Err(sql::too_new(found as u32));
        }
        for m in sql::MIGRATIONS
            .iter()
            .filter(|m| m.version as i64 > found && m.version <= target)
        {
            let ddl = sql::dialect(m.sql, "INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB");
            tx.execute_batch(&ddl)
                .map_err(|e| format!("migration to schema {}: {e}", m.version))?;
            tx.execute("DELETE FROM pagecost_schema", [])
                .map_err(text)?;
            tx.execute(
                "INSERT INTO pagecost_schema (version) VALUES (?1)",
                [m.version],
            )
            .map_err(text)?;
        }
        tx.commit().map_err(text)
    }

    fn insert(&mut self, run: &NewRun) -> Result<i64, String> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(text)?;
        let mut values: Vec<rusqlite::types::Value> = vec![
            run.job.clone().into(),
            run.page.clone().into(),
            run.final_url.clone().into(),
            run.started_unix_ms.into(),
            run.saved_unix_ms.into(),
            run.tool.clone().into(),
            run.engine.clone().into(),
            run.profile.clone().into(),
            run.settings.clone().into(),
            run.partial.into(),
            run.failed.into(),
            run.load.clone().into(),
        ];
        values.extend(run.metrics.iter().map(|m| rusqlite::types::Value::from(*m)));
        let id: i64 = tx
            .query_row(&q(&sql::insert_run()), params_from_iter(values), |r| {
                r.get(0)
            })
            .map_err(text)?;
        {
            let mut label = tx.prepare(&q(sql::INSERT_LABEL)).map_err(text)?;
            for (k, v) in &run.labels {
                label.execute(rusqlite::params![id, k, v]).map_err(text)?;
            }
            let mut total = tx.prepare(&q(sql::INSERT_TOTAL)).map_err(text)?;
            for (dim, name, b) in &run.totals {
                total
                    .execute(rusqlite::params![
                        id,
                        dim.as_str(),
                        name,
                        b.requests as i64,
                        b.transfer_bytes as i64,
                        b.decoded_bytes as i64
                    ])
                    .map_err(text)?;
            }
        }
        tx.commit().map_err(text)?;
        Ok(id)
    }

    fn select_runs(&mut self, w: &Where) -> Result<Vec<RunRow>, String> {
        let mut st = self.conn.prepare(&q(&w.select_runs())).map_err(text)?;
        let rows = st
            .query_map(params_from_iter(bind(&w.params)), |r| {
                let mut metrics = Vec::new();
                for i in 0..crate::metric::Metric::ALL.len() {
                    metrics.push(r.get::<_, Option<f64>>(9 + i)?);
                }
                Ok(RunRow {
                    id: r.get(0)?,
                    job: r.get(1)?,
                    page: r.get(2)?,
                    final_url: r.get(3)?,
                    started_unix_ms: r.get(4)?,
                    engine: r.get(5)?,
                    profile: r.get(6)?,
                    partial: r.get(7)?,
                    failed: r.get(8)?,
                    metrics,
                })
            })
            .map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    fn select_labels(&mut self, w: &Where) -> Result<Vec<(i64, String, String)>, String> {
        let mut st = self.conn.prepare(&q(&w.select_labels())).map_err(text)?;
        let rows = st
            .query_map(params_from_iter(bind(&w.params)), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    fn select_totals(&mut self, w: &Where) -> Result<Vec<TotalRow>, String> {
        let mut st = self.conn.prepare(&q(&w.select_totals())).map_err(text)?;
        let rows = st
            .query_map(params_from_iter(bind(&w.params)), |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    fn select_loads(&mut self, w: &Where) -> Result<Vec<Vec<u8>>, String> {
        let mut st = self.conn.prepare(&q(&w.select_loads())).map_err(text)?;
        let rows = st
            .query_map(params_from_iter(bind(&w.params)), |r| r.get(0))
            .map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    fn delete_before(&mut self, unix_ms: i64) -> Result<u64, String> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(text)?;
        let n = tx
            .execute("DELETE FROM runs WHERE started_unix_ms < ?1", [unix_ms])
            .map_err(text)?;
        tx.commit().map_err(text)?;
        Ok(n as u64)
    }
}
