//! The SQLite backend (rusqlite, SQLite built in): a rollback journal, so that a reader
//! needs nothing but read access to the file (no `-wal` or `-shm` beside it, which another
//! user's reader would leave behind, owned by them, blocking the owner's saves); a busy
//! timeout so that writers and readers wait for each other instead of failing; and
//! `BEGIN IMMEDIATE` so that a transaction holds the write lock from its start (no deadlock
//! between two readers upgrading to writers). Readers open the file read-only.

use super::sql::{self, CpuRow, Param, RunRow, TotalRow, Where};
use super::{Backend, NewRun};
use rusqlite::{params_from_iter, Connection, OpenFlags, TransactionBehavior};
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
    /// For saving: read-write, the file and its folder created when missing. Nothing is
    /// changed until [`Backend::migrate`] has read the schema's version.
    pub fn open(path: &Path) -> Result<Sqlite, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create its folder: {e}"))?;
        }
        let conn = Connection::open(path).map_err(text)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(text)?;
        Ok(Sqlite { conn })
    }

    /// For reading: read-only; nothing is created or changed, beside the file or in it.
    pub fn open_read(path: &Path) -> Result<Sqlite, String> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(text)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(text)?;
        let sqlite = Sqlite { conn };
        // A database an earlier pagecost left in WAL mode needs its `-shm`, which a reader
        // without write access to the folder cannot make: said, rather than "unable to open".
        if sqlite.version().is_err() && sqlite.in_wal_mode(path) {
            return Err(
                "is in WAL mode (an earlier pagecost's) and cannot be read without \
                        write access to its folder: its owner's next save converts it"
                    .into(),
            );
        }
        Ok(sqlite)
    }

    /// The schema's version, 0 for a database without pagecost's tables; the first read, so
    /// a file that is not a database fails here.
    fn version(&self) -> Result<u32, String> {
        let has_table: bool = (self.conn)
            .query_row(
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' \
                 AND name = 'pagecost_schema'",
                [],
                |r| r.get(0),
            )
            .map_err(text)?;
        if !has_table {
            return Ok(0);
        }
        let v: i64 = (self.conn)
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM pagecost_schema",
                [],
                |r| r.get(0),
            )
            .map_err(text)?;
        Ok(u32::try_from(v).unwrap_or(u32::MAX))
    }

    /// Whether the file's header says WAL (its read and write versions are 2).
    fn in_wal_mode(&self, path: &Path) -> bool {
        let mut head = [0u8; 20];
        let read = std::fs::File::open(path).and_then(|mut f| {
            use std::io::Read;
            f.read_exact(&mut head)
        });
        read.is_ok() && head[18] == 2 && head[19] == 2
    }

    /// A rollback journal, converting a database an earlier pagecost left in WAL mode when
    /// no one else has it open (else it stays as it is, and works as it did).
    fn rollback_journal(&self) -> Result<(), String> {
        self.conn.busy_timeout(Duration::ZERO).map_err(text)?;
        let _ = (self.conn).query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        });
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(text)
    }
}

impl Backend for Sqlite {
    fn version(&mut self) -> Result<u32, String> {
        Sqlite::version(self)
    }

    fn migrate(&mut self, target: u32) -> Result<(), String> {
        // Read before anything is changed: a newer schema is refused untouched.
        let found = Sqlite::version(self)?;
        if found > sql::SCHEMA_VERSION {
            return Err(sql::too_new(found));
        }
        self.rollback_journal()?;
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
            let mut cpu = tx.prepare(&q(sql::INSERT_CPU)).map_err(text)?;
            for (dim, name, ms, blocking) in &run.cpu {
                cpu.execute(rusqlite::params![id, dim.as_str(), name, ms, blocking])
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
                for i in 0..crate::verdict::metric::Metric::ALL.len() {
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

    fn select_cpu(&mut self, w: &Where) -> Result<Vec<CpuRow>, String> {
        let mut st = self.conn.prepare(&q(&w.select_cpu())).map_err(text)?;
        let rows = st
            .query_map(params_from_iter(bind(&w.params)), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
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
