//! The history jobs: saving a report's loads (`--save`), showing stored runs, pruning old
//! ones, importing earlier outputs (JSON, JSON lines, HAR).

use super::Report;
use crate::error::{Error, Result};
use crate::history::{new_job_id, DbSpec, Filter, History, Labels, StoredRun};
use crate::model::Load;
use std::borrow::Cow;
use std::path::PathBuf;

/// Where a job's loads are saved, and with which labels.
#[derive(Debug, Clone)]
pub struct SavePlan {
    /// The database.
    pub db: DbSpec,
    /// Labels every saved run carries.
    pub labels: Labels,
}

/// What was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The database, as messages name it.
    pub db: String,
    /// Runs saved.
    pub runs: usize,
}

/// The loads a report holds with the labels each is saved with: every run of an audit, each
/// audited page of a batch, both sides of a comparison (labelled `variant=a` and `b`).
pub fn loads_of<'r>(report: &'r Report, labels: &Labels) -> Vec<(Cow<'r, Load>, Labels)> {
    let runs = |r: &'r crate::verdict::runs::Runs, l: &Labels| -> Vec<(Cow<'r, Load>, Labels)> {
        r.runs
            .iter()
            .map(|x| (Cow::Borrowed(x), l.clone()))
            .collect()
    };
    match report {
        Report::Audit(a) => match (&a.runs, &a.load) {
            (Some(r), _) => runs(r, labels),
            (None, Some(l)) => vec![(Cow::Borrowed(l), labels.clone())],
            (None, None) => Vec::new(),
        },
        Report::Batch(b) => b
            .pages
            .iter()
            .filter_map(|p| p.load())
            .map(|l| (Cow::Owned(l), labels.clone()))
            .collect(),
        Report::Compare(c) => {
            let mut all = runs(&c.a, &labels.with("variant", "a"));
            all.extend(runs(&c.b, &labels.with("variant", "b")));
            all
        }
        Report::Calibrate(c) => {
            let (key, value) = super::calibrate::LABEL;
            runs(&c.runs, &labels.with(key, value))
        }
        Report::Links(_) | Report::Budget(_) | Report::History(_) => Vec::new(),
    }
}

/// Saves the report's loads (each in its own transaction).
pub fn save(report: &Report, plan: &SavePlan) -> Result<Saved> {
    let mut db = History::open(&plan.db)?;
    let job = new_job_id();
    let mut n = 0;
    for (load, labels) in loads_of(report, &plan.labels) {
        n += db.save(&job, &[&load], &labels)?.len();
    }
    Ok(Saved {
        db: db.name(),
        runs: n,
    })
}

/// What `history` does.
#[derive(Debug, Clone)]
pub enum HistoryAction {
    /// Show the runs a filter selects.
    Show(Filter),
    /// Delete the runs that started longer ago than an age.
    Prune {
        /// The age.
        older_than: std::time::Duration,
    },
    /// Save the loads of earlier outputs.
    Import {
        /// `audit`/`compare --format json`, `--format jsonl` (batches, `merge`) or HAR files.
        files: Vec<PathBuf>,
        /// Labels every imported run carries.
        labels: Labels,
    },
}

/// A history job.
#[derive(Debug, Clone)]
pub struct HistoryPlan {
    /// The database.
    pub db: DbSpec,
    /// What to do.
    pub action: HistoryAction,
}

/// What a history job produced.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryReport {
    /// Stored runs, oldest first.
    Runs {
        /// The database, as messages name it.
        db: String,
        /// The filter's page, when it named one.
        page: Option<String>,
        /// The runs.
        runs: Vec<StoredRun>,
    },
    /// Runs deleted.
    Pruned {
        /// The database.
        db: String,
        /// How many.
        removed: u64,
        /// The cut-off (Unix milliseconds).
        before_unix_ms: u64,
    },
    /// Outputs imported.
    Imported {
        /// The database.
        db: String,
        /// Runs saved.
        runs: usize,
        /// Files read.
        files: usize,
    },
}

/// Runs a history job.
pub fn run(plan: HistoryPlan) -> Result<HistoryReport> {
    let mut db = match plan.action {
        HistoryAction::Import { .. } => History::open(&plan.db)?,
        HistoryAction::Prune { .. } => History::open_existing(&plan.db)?,
        HistoryAction::Show(_) => History::open_read(&plan.db)?,
    };
    match plan.action {
        HistoryAction::Show(filter) => Ok(HistoryReport::Runs {
            db: db.name(),
            page: filter.page.clone(),
            runs: db.runs(&filter)?,
        }),
        HistoryAction::Prune { older_than } => {
            let age = u64::try_from(older_than.as_millis()).unwrap_or(u64::MAX);
            let before_unix_ms = crate::model::dates::now_unix_ms().saturating_sub(age);
            Ok(HistoryReport::Pruned {
                db: db.name(),
                removed: db.prune(before_unix_ms)?,
                before_unix_ms,
            })
        }
        HistoryAction::Import { files, labels } => {
            // Every file is read before anything is saved: a bad file saves nothing.
            let mut loads = Vec::new();
            for f in &files {
                loads.extend(read_output(f)?);
            }
            let job = new_job_id();
            for (load, variant) in &loads {
                let l = match variant {
                    Some(v) => labels.with("variant", v),
                    None => labels.clone(),
                };
                db.save(&job, &[load], &l)?;
            }
            Ok(HistoryReport::Imported {
                db: db.name(),
                runs: loads.len(),
                files: files.len(),
            })
        }
    }
}

/// The loads of one earlier output, each with its comparison side when it has one.
fn read_output(path: &std::path::Path) -> Result<Vec<(Load, Option<&'static str>)>> {
    let name = path.display().to_string();
    let bad = |reason: String| Error::InvalidInput {
        input: name.clone(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        // Not one JSON value: JSON lines, one page result each.
        Err(_) => return json_lines(&text, &name),
    };
    if value.pointer("/log/entries").is_some() {
        return Ok(vec![(crate::har::import(&text, &name, None)?, None)]);
    }
    let load = |v: &serde_json::Value, at: &str| -> Result<Load> {
        serde_json::from_value(v.clone())
            .map_err(|e| bad(format!("{at}: not a pagecost load: {e}")))
    };
    let runs = |v: &serde_json::Value, at: &str| -> Result<Vec<Load>> {
        let list = v
            .get("runs")
            .and_then(|r| r.as_array())
            .ok_or_else(|| bad(format!("{at}: no runs")))?;
        list.iter().map(|l| load(l, at)).collect()
    };
    if value.get("entries").is_some() {
        return Ok(vec![(load(&value, "the load")?, None)]);
    }
    if let (Some(a), Some(b)) = (value.get("a"), value.get("b")) {
        let mut all: Vec<_> = runs(a, "a")?.into_iter().map(|l| (l, Some("a"))).collect();
        all.extend(runs(b, "b")?.into_iter().map(|l| (l, Some("b"))));
        return Ok(all);
    }
    if let Some(r) = value.get("runs") {
        return Ok(runs(r, "runs")?.into_iter().map(|l| (l, None)).collect());
    }
    if let Some(l) = value.get("load") {
        return Ok(vec![(load(l, "load")?, None)]);
    }
    if value.get("target").is_some() {
        return json_lines(&text, &name);
    }
    Err(bad(
        "not a pagecost output (audit or compare JSON, batch JSON lines) nor a HAR".into(),
    ))
}

/// JSON lines of a batch (`audit --format jsonl`, `merge`): the pages that were audited.
fn json_lines(text: &str, name: &str) -> Result<Vec<(Load, Option<&'static str>)>> {
    let mut loads = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let p: crate::job::batch::PageResult =
            serde_json::from_str(line).map_err(|e| Error::InvalidInput {
                input: format!("{name}:{}", n + 1),
                reason: format!("not a pagecost JSON line: {e}"),
            })?;
        loads.extend(p.load().map(|l| (l, None)));
    }
    Ok(loads)
}
