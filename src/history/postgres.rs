//! The PostgreSQL backend (the `postgres` crate, no TLS: a server on loopback or a private
//! network). Migrations take an advisory lock, so that runners starting at once migrate
//! once; each run is one transaction.

use super::sql::{self, CpuRow, Param, RunRow, TotalRow, Where};
use super::{Backend, NewRun};
use postgres::types::ToSql;
use postgres::{Client, NoTls};
use std::time::Duration;

/// The advisory lock migrations hold ("pagecost" in ASCII, folded into an i64).
const MIGRATION_LOCK: i64 = 0x7061_6765_636f_7374;

pub(crate) struct Postgres {
    client: Client,
}

/// An error in one line: the server's own message when it sent one.
fn text(e: postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                s = format!("{s}: {inner}");
                source = inner.source();
            }
            s
        }
    }
}

fn bind(params: &[Param]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                Param::Text(s) => Box::new(s.clone()),
                Param::Int(i) => Box::new(*i),
            }
        })
        .collect()
}

fn refs(b: &[Box<dyn ToSql + Sync>]) -> Vec<&(dyn ToSql + Sync)> {
    b.iter().map(|x| x.as_ref()).collect()
}

impl Postgres {
    pub fn open(url: &str) -> Result<Postgres, String> {
        let mut config: postgres::Config = url.parse().map_err(text)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // A server that stops answering mid-query: data unacknowledged for 60 s ends the
        // connection, and no statement runs longer than that.
        config.tcp_user_timeout(Duration::from_secs(60));
        let mut client = config.connect(NoTls).map_err(text)?;
        client
            .batch_execute("SET statement_timeout = 60000")
            .map_err(text)?;
        Ok(Postgres { client })
    }

    /// For reading: every transaction of the session read-only.
    pub fn open_read(url: &str) -> Result<Postgres, String> {
        let mut pg = Postgres::open(url)?;
        (pg.client)
            .batch_execute("SET default_transaction_read_only = on")
            .map_err(text)?;
        Ok(pg)
    }
}

impl Backend for Postgres {
    fn version(&mut self) -> Result<u32, String> {
        let row = (self.client)
            .query_one("SELECT to_regclass('pagecost_schema') IS NOT NULL", &[])
            .map_err(text)?;
        if !row.try_get::<_, bool>(0).map_err(text)? {
            return Ok(0);
        }
        let found: i32 = (self.client)
            .query_one("SELECT COALESCE(MAX(version), 0) FROM pagecost_schema", &[])
            .and_then(|r| r.try_get(0))
            .map_err(text)?;
        Ok(u32::try_from(found).unwrap_or(0))
    }

    fn migrate(&mut self, target: u32) -> Result<(), String> {
        let mut tx = self.client.transaction().map_err(text)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(text)?;
        tx.batch_execute(sql::VERSION_TABLE).map_err(text)?;
        let found: i32 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM pagecost_schema", &[])
            .and_then(|r| r.try_get(0))
            .map_err(text)?;
        if found as u32 > sql::SCHEMA_VERSION {
            return Err(sql::too_new(found as u32));
        }
        for m in sql::MIGRATIONS
            .iter()
            .filter(|m| m.version as i32 > found && m.version <= target)
        {
            let ddl = sql::dialect(
                m.sql,
                "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                "BYTEA",
            );
            tx.batch_execute(&ddl)
                .map_err(|e| format!("migration to schema {}: {}", m.version, text(e)))?;
            tx.execute("DELETE FROM pagecost_schema", &[])
                .map_err(text)?;
            tx.execute(
                "INSERT INTO pagecost_schema (version) VALUES ($1)",
                &[&(m.version as i32)],
            )
            .map_err(text)?;
        }
        tx.commit().map_err(text)
    }

    fn insert(&mut self, run: &NewRun) -> Result<i64, String> {
        let mut tx = self.client.transaction().map_err(text)?;
        let mut values: Vec<&(dyn ToSql + Sync)> = vec![
            &run.job,
            &run.page,
            &run.final_url,
            &run.started_unix_ms,
            &run.saved_unix_ms,
            &run.tool,
            &run.engine,
            &run.profile,
            &run.settings,
            &run.partial,
            &run.failed,
            &run.load,
        ];
        for m in &run.metrics {
            values.push(m);
        }
        let id: i64 = tx
            .query_one(&sql::insert_run(), &values)
            .and_then(|r| r.try_get(0))
            .map_err(text)?;
        let label = tx.prepare(sql::INSERT_LABEL).map_err(text)?;
        for (k, v) in &run.labels {
            tx.execute(&label, &[&id, k, v]).map_err(text)?;
        }
        let total = tx.prepare(sql::INSERT_TOTAL).map_err(text)?;
        for (dim, name, b) in &run.totals {
            let (r, t, d) = (
                b.requests as i64,
                b.transfer_bytes as i64,
                b.decoded_bytes as i64,
            );
            tx.execute(&total, &[&id, &dim.as_str(), name, &r, &t, &d])
                .map_err(text)?;
        }
        let cpu = tx.prepare(sql::INSERT_CPU).map_err(text)?;
        for (dim, name, ms, blocking) in &run.cpu {
            tx.execute(&cpu, &[&id, &dim.as_str(), name, ms, blocking])
                .map_err(text)?;
        }
        tx.commit().map_err(text)?;
        Ok(id)
    }

    fn select_runs(&mut self, w: &Where) -> Result<Vec<RunRow>, String> {
        let b = bind(&w.params);
        let rows = self
            .client
            .query(&w.select_runs(), &refs(&b))
            .map_err(text)?;
        rows.iter()
            .map(|r| {
                let mut metrics = Vec::new();
                for i in 0..crate::verdict::metric::Metric::ALL.len() {
                    metrics.push(r.try_get::<_, Option<f64>>(9 + i)?);
                }
                Ok(RunRow {
                    id: r.try_get(0)?,
                    job: r.try_get(1)?,
                    page: r.try_get(2)?,
                    final_url: r.try_get(3)?,
                    started_unix_ms: r.try_get(4)?,
                    engine: r.try_get(5)?,
                    profile: r.try_get(6)?,
                    partial: r.try_get(7)?,
                    failed: r.try_get(8)?,
                    metrics,
                })
            })
            .collect::<Result<_, postgres::Error>>()
            .map_err(text)
    }

    fn select_labels(&mut self, w: &Where) -> Result<Vec<(i64, String, String)>, String> {
        let b = bind(&w.params);
        let rows = self
            .client
            .query(&w.select_labels(), &refs(&b))
            .map_err(text)?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<_, postgres::Error>>()
            .map_err(text)
    }

    fn select_totals(&mut self, w: &Where) -> Result<Vec<TotalRow>, String> {
        let b = bind(&w.params);
        let rows = self
            .client
            .query(&w.select_totals(), &refs(&b))
            .map_err(text)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                ))
            })
            .collect::<Result<_, postgres::Error>>()
            .map_err(text)
    }

    fn select_cpu(&mut self, w: &Where) -> Result<Vec<CpuRow>, String> {
        let b = bind(&w.params);
        let rows = (self.client)
            .query(&w.select_cpu(), &refs(&b))
            .map_err(text)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect::<Result<_, postgres::Error>>()
            .map_err(text)
    }

    fn select_loads(&mut self, w: &Where) -> Result<Vec<Vec<u8>>, String> {
        let b = bind(&w.params);
        let rows = self
            .client
            .query(&w.select_loads(), &refs(&b))
            .map_err(text)?;
        rows.iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, postgres::Error>>()
            .map_err(text)
    }

    fn delete_before(&mut self, unix_ms: i64) -> Result<u64, String> {
        let mut tx = self.client.transaction().map_err(text)?;
        let n = tx
            .execute("DELETE FROM runs WHERE started_unix_ms < $1", &[&unix_ms])
            .map_err(text)?;
        tx.commit().map_err(text)?;
        Ok(n)
    }
}
