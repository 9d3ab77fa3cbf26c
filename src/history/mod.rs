//! The history database: every saved load as a row (page, time, labels, engine, profile,
//! the summary metrics and totals per type, party and entity as indexed columns) with the
//! whole `Load` stored compressed, so that any old run can be rendered, compared or
//! exported again.
//!
//! Two backends behind one [`History`]: SQLite (a file; a rollback journal and a busy
//! timeout, so that many processes can write at once and a reader needs only read access) and PostgreSQL (a `postgres://` URL: a team's
//! shared history). Each load is saved in one transaction; values reach SQL only as bound
//! parameters. The schema is versioned ([`SCHEMA_VERSION`]) and migrated on open; a
//! database written by a newer pagecost is refused.
//!
//! ```no_run
//! use pagecost::history::{DbSpec, Filter, History, Labels};
//! # fn demo(load: &pagecost::Load) -> Result<(), pagecost::Error> {
//! let spec = DbSpec::parse("ci.sqlite")?;
//! let mut db = History::open(&spec)?;
//! db.save("job-1", &[load], &Labels::parse(&["branch=main".into()])?)?;
//! let runs = db.runs(&Filter { page: Some(load.page_name()), ..Filter::default() })?;
//! println!("{} runs of {}", runs.len(), load.page_name());
//! # Ok(()) }
//! ```

mod postgres;
mod sql;
mod sqlite;

use crate::error::{Error, Result};
use crate::model::{Bucket, Load};
use crate::verdict::metric::Metric;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use sql::SCHEMA_VERSION;

/// Where the history lives: a SQLite file or a PostgreSQL server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbSpec {
    /// A SQLite file (created with its folder when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:password@host:port/database`).
    Postgres(String),
}

impl DbSpec {
    /// A `postgres://` or `postgresql://` URL, or else a path to a SQLite file.
    pub fn parse(s: &str) -> Result<DbSpec> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::InvalidInput {
                input: "history database".into(),
                reason: "empty (give a path or a postgres:// URL)".into(),
            });
        }
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(DbSpec::Postgres(s.to_string()));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(Error::InvalidInput {
                input: s.to_string(),
                reason: format!(
                    "unsupported database scheme '{scheme}' (a SQLite path or a postgres:// URL)"
                ),
            });
        }
        Ok(DbSpec::Sqlite(PathBuf::from(s)))
    }

    /// The default database: `pagecost/history.sqlite` in the user's data folder, given as
    /// `$XDG_DATA_HOME` and `$HOME` (`~/.local/share` when the first is unset).
    pub fn default_sqlite(xdg_data_home: Option<PathBuf>, home: Option<PathBuf>) -> Option<DbSpec> {
        let base = xdg_data_home.or_else(|| Some(home?.join(".local/share")))?;
        Some(DbSpec::Sqlite(base.join("pagecost").join("history.sqlite")))
    }

    /// How messages name it: the path, or the URL with its password masked.
    pub fn display(&self) -> String {
        match self {
            DbSpec::Sqlite(p) => p.display().to_string(),
            DbSpec::Postgres(u) => mask_password(u),
        }
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`, and `password=` in
/// the query masked too; by hand when the URL parser refuses it (a socket path as host).
fn mask_password(u: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(u) else {
        return mask_by_hand(u);
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "password" {
                "***".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    if !pairs.is_empty() {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

fn mask_by_hand(u: &str) -> String {
    let Some((scheme, rest)) = u.split_once("://") else {
        return "postgres://(unreadable URL)".into();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((creds, host)) => {
            let user = creds.split(':').next().unwrap_or("");
            let masked = if creds.contains(':') { ":***" } else { "" };
            format!("{user}{masked}@{host}")
        }
        None => authority.to_string(),
    };
    let tail: Vec<String> = tail
        .split('&')
        .map(|part| match part.split_once("password=") {
            Some((before, _)) if before.is_empty() || before.ends_with('?') => {
                format!("{before}password=***")
            }
            _ => part.to_string(),
        })
        .collect();
    format!("{scheme}://{authority}{}", tail.join("&"))
}

/// Labels a run carries (`branch=main`, `commit=abc123`): keys unique, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Labels(pub BTreeMap<String, String>);

impl Labels {
    /// Parses `KEY=VALUE` items; a key given twice is refused (which value was meant?).
    pub fn parse(items: &[String]) -> Result<Labels> {
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        for item in items {
            let (k, v) = parse_label(item)?;
            if let Some(first) = map.get(&k) {
                return Err(Error::InvalidInput {
                    input: shown(item),
                    reason: format!(
                        "the key {k} is given twice (first {k}={}): give it once",
                        shown(first)
                    ),
                });
            }
            map.insert(k, v);
        }
        Ok(Labels(map))
    }

    /// These labels and one more (`variant=a` for a comparison's side).
    pub fn with(&self, key: &str, value: &str) -> Labels {
        let mut map = self.0.clone();
        map.insert(key.into(), value.into());
        Labels(map)
    }
}

/// Longest part of a label an error message quotes.
const SHOWN: usize = 80;

/// A label as an error quotes it: its first characters and its length when it is long (a
/// 120 kB label is not echoed whole).
fn shown(item: &str) -> String {
    match item.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}… ({} characters)", &item[..cut], item.chars().count()),
        None => item.to_string(),
    }
}

/// One `KEY=VALUE`: a key of letters, digits, `_`, `-`, `.`, `/` (at most 64), a value of
/// at most 256 characters.
pub fn parse_label(item: &str) -> Result<(String, String)> {
    let bad = |reason: &str| Error::InvalidInput {
        input: shown(item),
        reason: reason.into(),
    };
    let (k, v) = item
        .split_once('=')
        .ok_or_else(|| bad("expected KEY=VALUE"))?;
    let k = k.trim();
    let key_char = |c: char| c.is_ascii_alphanumeric() || "_-./".contains(c);
    if k.is_empty() || k.len() > 64 || !k.chars().all(key_char) {
        return Err(bad(
            "the key must be 1 to 64 letters, digits, '_', '-', '.' or '/'",
        ));
    }
    if v.chars().count() > 256 {
        return Err(bad("the value is longer than 256 characters"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// Which stored runs: all filters must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// The page as saved ([`Load::page_name`]).
    pub page: Option<String>,
    /// Labels every run must carry.
    pub labels: Vec<(String, String)>,
    /// Runs that started at or after this time (Unix milliseconds).
    pub since_unix_ms: Option<u64>,
    /// Only the latest N of the matching runs.
    pub last: Option<usize>,
}

/// Totals of one group (a resource type, a party, an entity) in a stored run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GroupTotals {
    /// Requests.
    pub requests: u64,
    /// Bytes on the wire.
    pub transfer_bytes: u64,
    /// Bytes after decoding.
    pub decoded_bytes: u64,
}

/// One stored load, as its indexed columns give it (the whole `Load` is loaded apart, by
/// [`History::loads`]).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredRun {
    /// The row's id.
    pub id: i64,
    /// The invocation that saved it (the runs of one `--runs N` audit share it).
    pub job: String,
    /// The page as named ([`Load::page_name`]).
    pub page: String,
    /// Where its document came from after redirects.
    pub final_url: String,
    /// When the load started, Unix milliseconds.
    pub started_unix_ms: u64,
    /// `static` or the browser.
    pub engine: String,
    /// The network profile, when one was applied.
    pub profile: Option<String>,
    /// The load was cut short.
    pub partial: bool,
    /// Its labels.
    pub labels: Labels,
    /// Failed requests.
    pub failed: u64,
    /// Each metric's value; `null` when the load did not measure it.
    pub metrics: BTreeMap<String, Option<f64>>,
    /// Totals per resource type.
    pub by_type: BTreeMap<String, GroupTotals>,
    /// Totals per party (`first`, `third`).
    pub by_party: BTreeMap<String, GroupTotals>,
    /// Totals per third-party entity.
    pub by_entity: BTreeMap<String, GroupTotals>,
    /// Main-thread time per party (`first`, `third`, `unknown`, `browser`); empty when the
    /// load had no trace.
    pub main_thread_by_party: BTreeMap<String, CpuTotals>,
    /// Main-thread time per third-party entity (or registrable domain).
    pub main_thread_by_entity: BTreeMap<String, CpuTotals>,
}

/// One party's or entity's main-thread time in a stored run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CpuTotals {
    /// Main-thread time, milliseconds.
    pub main_thread_ms: f64,
    /// Its share of the blocking time, milliseconds (none for the browser's own work).
    pub blocking_ms: Option<f64>,
}

impl StoredRun {
    /// A metric's value.
    pub fn metric(&self, m: Metric) -> Option<f64> {
        self.metrics.get(m.name()).copied().flatten()
    }
}

/// A load's main-thread time per party and entity, as stored in `run_main_thread`.
fn cpu_rows(load: &Load) -> Vec<(Dimension, String, f64, Option<f64>)> {
    let Some(p) = load.main_thread.as_ref().and_then(|m| m.by_party.as_ref()) else {
        return Vec::new();
    };
    let party = |name: &str, ms: f64, b: Option<f64>| (Dimension::Party, name.to_string(), ms, b);
    let mut out = vec![
        party("first", p.first_party_ms, Some(p.first_party_blocking_ms)),
        party("third", p.third_party_ms, Some(p.third_party_blocking_ms)),
        party(
            "unknown",
            p.unknown_party_ms,
            Some(p.unknown_party_blocking_ms),
        ),
        party("browser", p.browser_ms, None),
    ];
    for e in &p.by_entity {
        out.push((
            Dimension::Entity,
            e.name.clone(),
            e.main_thread_ms,
            Some(e.blocking_ms),
        ));
    }
    out
}

/// The kinds of grouped totals, as stored in `run_totals.dimension`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dimension {
    Type,
    Party,
    Entity,
}

impl Dimension {
    fn as_str(self) -> &'static str {
        match self {
            Dimension::Type => "type",
            Dimension::Party => "party",
            Dimension::Entity => "entity",
        }
    }

    fn parse(s: &str) -> Option<Dimension> {
        Some(match s {
            "type" => Dimension::Type,
            "party" => Dimension::Party,
            "entity" => Dimension::Entity,
            _ => return None,
        })
    }
}

/// A load made ready for its row.
pub(crate) struct NewRun {
    pub job: String,
    pub page: String,
    pub final_url: String,
    pub started_unix_ms: i64,
    pub saved_unix_ms: i64,
    pub tool: String,
    pub engine: String,
    pub profile: Option<String>,
    pub settings: String,
    pub partial: bool,
    pub failed: i64,
    pub metrics: Vec<Option<f64>>,
    pub labels: Vec<(String, String)>,
    pub totals: Vec<(Dimension, String, Bucket)>,
    /// Main-thread and blocking time per party and entity.
    pub cpu: Vec<(Dimension, String, f64, Option<f64>)>,
    pub load: Vec<u8>,
}

impl NewRun {
    fn of(job: &str, load: &Load, labels: &Labels) -> std::result::Result<NewRun, String> {
        let json =
            serde_json::to_vec(load).map_err(|e| format!("a load cannot be written: {e}"))?;
        let compressed = zstd::encode_all(&json[..], 3)
            .map_err(|e| format!("a load cannot be compressed: {e}"))?;
        let t = &load.totals;
        let mut totals = Vec::new();
        for (ty, b) in &t.by_type {
            totals.push((Dimension::Type, ty.as_str().to_string(), *b));
        }
        totals.push((Dimension::Party, "first".into(), t.first_party));
        totals.push((Dimension::Party, "third".into(), t.third_party));
        for (name, b) in &t.by_entity {
            totals.push((Dimension::Entity, name.clone(), *b));
        }
        let cpu = cpu_rows(load);
        Ok(NewRun {
            cpu,
            job: job.to_string(),
            page: load.page_name(),
            final_url: load.final_url.clone(),
            started_unix_ms: load.started_unix_ms.min(i64::MAX as u64) as i64,
            saved_unix_ms: crate::model::dates::now_unix_ms().min(i64::MAX as u64) as i64,
            tool: load.tool.clone(),
            engine: load
                .settings
                .browser
                .clone()
                .unwrap_or_else(|| "static".into()),
            profile: load.settings.throttle.as_ref().map(|p| p.name.clone()),
            settings: serde_json::to_string(&load.settings).unwrap_or_default(),
            partial: load.partial,
            failed: t.failed as i64,
            metrics: Metric::ALL.iter().map(|m| m.of(load)).collect(),
            labels: labels
                .0
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            totals,
            load: compressed,
        })
    }
}

/// A SQLite file must exist to be read or pruned.
fn must_exist(spec: &DbSpec) -> Result<()> {
    match spec {
        DbSpec::Sqlite(path) if !path.exists() => Err(Error::History {
            db: spec.display(),
            message: "does not exist (an audit with --save creates it)".into(),
        }),
        _ => Ok(()),
    }
}

/// A new invocation's id: time and process, so that runs saved together can be told apart
/// from other processes' runs saved at the same moment.
pub fn new_job_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{:x}", std::process::id())
}

/// What the backends do; SQL text comes from [`sql`], values only as parameters.
pub(crate) trait Backend {
    /// The schema's version (0 without pagecost's tables), read without changing anything.
    fn version(&mut self) -> std::result::Result<u32, String>;
    /// Runs the migrations up to [`SCHEMA_VERSION`] (or only up to `target`).
    fn migrate(&mut self, target: u32) -> std::result::Result<(), String>;
    /// Saves one run in one transaction; its id.
    fn insert(&mut self, run: &NewRun) -> std::result::Result<i64, String>;
    /// Rows of the runs matching, oldest first.
    fn select_runs(&mut self, w: &sql::Where) -> std::result::Result<Vec<sql::RunRow>, String>;
    /// `(run, key, value)` of the runs matching.
    fn select_labels(
        &mut self,
        w: &sql::Where,
    ) -> std::result::Result<Vec<(i64, String, String)>, String>;
    /// `(run, dimension, name, totals)` of the runs matching.
    fn select_totals(&mut self, w: &sql::Where) -> std::result::Result<Vec<sql::TotalRow>, String>;
    /// `(run, dimension, name, main-thread ms, blocking ms)` of the runs matching.
    fn select_cpu(&mut self, w: &sql::Where) -> std::result::Result<Vec<sql::CpuRow>, String>;
    /// The compressed loads of the runs matching, oldest first.
    fn select_loads(&mut self, w: &sql::Where) -> std::result::Result<Vec<Vec<u8>>, String>;
    /// Deletes the runs that started before a time; how many.
    fn delete_before(&mut self, unix_ms: i64) -> std::result::Result<u64, String>;
}

/// An open history database.
pub struct History {
    spec: DbSpec,
    backend: Box<dyn Backend>,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "History({})", self.spec.display())
    }
}

impl History {
    /// Opens (creating a SQLite file and its folder when missing) and migrates to the
    /// current schema.
    pub fn open(spec: &DbSpec) -> Result<History> {
        Self::open_at(spec, SCHEMA_VERSION)
    }

    /// Opens a database that must exist already (a SQLite file is not created), to change
    /// it (prune): a mistyped path should say so, not make an empty database.
    pub fn open_existing(spec: &DbSpec) -> Result<History> {
        must_exist(spec)?;
        Self::open(spec)
    }

    /// Opens a database that must exist already, for reading: read-only (SQLite's file is
    /// opened read-only, PostgreSQL's session is), so a reader needs no write access and
    /// changes nothing. A newer schema is refused; an older one is first upgraded, as a
    /// save would (which needs write access, and says so).
    pub fn open_read(spec: &DbSpec) -> Result<History> {
        must_exist(spec)?;
        let fail = |m: String| Error::History {
            db: spec.display(),
            message: m,
        };
        let mut backend: Box<dyn Backend> = match spec {
            DbSpec::Sqlite(path) => Box::new(sqlite::Sqlite::open_read(path).map_err(fail)?),
            DbSpec::Postgres(url) => Box::new(postgres::Postgres::open_read(url).map_err(fail)?),
        };
        match backend.version().map_err(fail)? {
            v if v > SCHEMA_VERSION => Err(fail(sql::too_new(v))),
            SCHEMA_VERSION => Ok(History {
                spec: spec.clone(),
                backend,
            }),
            _ => Self::open(spec),
        }
    }

    /// Opens and migrates only up to `version` (tests of migrations from older schemas).
    #[doc(hidden)]
    pub fn open_at(spec: &DbSpec, version: u32) -> Result<History> {
        let fail = |m: String| Error::History {
            db: spec.display(),
            message: m,
        };
        let mut backend: Box<dyn Backend> = match spec {
            DbSpec::Sqlite(path) => Box::new(sqlite::Sqlite::open(path).map_err(fail)?),
            DbSpec::Postgres(url) => Box::new(postgres::Postgres::open(url).map_err(fail)?),
        };
        backend.migrate(version).map_err(fail)?;
        Ok(History {
            spec: spec.clone(),
            backend,
        })
    }

    /// The database, as messages name it (password masked).
    pub fn name(&self) -> String {
        self.spec.display()
    }

    fn fail(&self, message: String) -> Error {
        Error::History {
            db: self.spec.display(),
            message,
        }
    }

    /// Saves loads, each in its own transaction, with `labels`; their ids.
    pub fn save(&mut self, job: &str, loads: &[&Load], labels: &Labels) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(loads.len());
        for load in loads {
            let run = NewRun::of(job, load, labels).map_err(|m| self.fail(m))?;
            ids.push(self.backend.insert(&run).map_err(|m| self.fail(m))?);
        }
        Ok(ids)
    }

    /// The runs matching, oldest first.
    pub fn runs(&mut self, filter: &Filter) -> Result<Vec<StoredRun>> {
        let w = sql::Where::of(filter);
        let rows = self.backend.select_runs(&w).map_err(|m| self.fail(m))?;
        let labels = self.backend.select_labels(&w).map_err(|m| self.fail(m))?;
        let totals = self.backend.select_totals(&w).map_err(|m| self.fail(m))?;
        let cpu = self.backend.select_cpu(&w).map_err(|m| self.fail(m))?;
        Ok(sql::assemble(rows, labels, (totals, cpu)))
    }

    /// The whole loads of the runs matching, oldest first.
    pub fn loads(&mut self, filter: &Filter) -> Result<Vec<Load>> {
        let w = sql::Where::of(filter);
        let blobs = self.backend.select_loads(&w).map_err(|m| self.fail(m))?;
        blobs
            .iter()
            .map(|b| {
                let json = zstd::decode_all(&b[..])
                    .map_err(|e| self.fail(format!("a stored load cannot be decompressed: {e}")))?;
                serde_json::from_slice(&json)
                    .map_err(|e| self.fail(format!("a stored load cannot be read: {e}")))
            })
            .collect()
    }

    /// Deletes the runs that started before `unix_ms`; how many.
    pub fn prune(&mut self, unix_ms: u64) -> Result<u64> {
        let t = unix_ms.min(i64::MAX as u64) as i64;
        self.backend.delete_before(t).map_err(|m| self.fail(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_told_apart_and_passwords_masked() {
        assert_eq!(
            DbSpec::parse("ci.sqlite").unwrap(),
            DbSpec::Sqlite("ci.sqlite".into())
        );
        let pg =
            DbSpec::parse("postgres://ci:s3cret@db.example:5432/pc?password=x&sslmode=disable")
                .unwrap();
        assert!(matches!(pg, DbSpec::Postgres(_)));
        let shown = pg.display();
        assert!(
            !shown.contains("s3cret") && !shown.contains("password=x"),
            "{shown}"
        );
        assert!(shown.contains("ci:***@db.example:5432/pc"), "{shown}");
        assert!(DbSpec::parse("mysql://x/y").is_err());
        let socket =
            DbSpec::parse("postgres://ci:s3cret@/pc?host=/run/pg&password=s3cret").unwrap();
        assert_eq!(
            socket.display(),
            "postgres://ci:***@/pc?host=/run/pg&password=***"
        );
        assert!(DbSpec::parse(" ").is_err());
    }

    #[test]
    fn labels_are_checked() {
        let l = Labels::parse(&["branch=main".into(), "commit=abc".into()]).unwrap();
        assert_eq!(l.0.get("branch").map(String::as_str), Some("main"));
        assert_eq!(l.0.len(), 2);
        let twice = ["branch=main".into(), "branch=dev".into()];
        assert!(Labels::parse(&twice).is_err(), "a key given twice");
        for bad in ["nokey", "=v", "a b=c", &format!("k={}", "x".repeat(257))] {
            assert!(Labels::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
        assert!(
            Labels::parse(&["k=".into()]).is_ok(),
            "an empty value is a value"
        );
    }
}
