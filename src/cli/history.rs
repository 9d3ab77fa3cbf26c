//! `--save` and `history`: flags to plans.

use super::args::{DbArg, HistoryArgs, HistoryCommand, SaveArgs};
use super::{format, Command};
use anyhow::Context;
use pagecost::history::{DbSpec, Filter, Labels};
use pagecost::job::history::{HistoryAction, HistoryPlan, SavePlan};
use pagecost::job::Plan;

/// `--db`, else the default SQLite file.
fn db(a: &DbArg) -> anyhow::Result<DbSpec> {
    match &a.db {
        Some(s) => Ok(DbSpec::parse(s).context("--db")?),
        None => DbSpec::default_sqlite(super::env_path("XDG_DATA_HOME"), super::env_path("HOME"))
            .context("--db: no default history database (neither XDG_DATA_HOME nor HOME is set)"),
    }
}

fn labels(items: &[String]) -> anyhow::Result<Labels> {
    Labels::parse(items).context("--label")
}

/// `--save`, `--db`, `--label` of audit and compare.
pub fn save_plan(a: &SaveArgs) -> anyhow::Result<Option<SavePlan>> {
    if !a.save {
        return Ok(None);
    }
    Ok(Some(SavePlan {
        db: db(&a.db)?,
        labels: labels(&a.label)?,
    }))
}

/// `compare --baseline KEY=VALUE --baseline-runs N`.
pub fn baseline(
    labels_given: &[String],
    last: u32,
    db_arg: &DbArg,
) -> anyhow::Result<Option<pagecost::job::compare::Baseline>> {
    if labels_given.is_empty() {
        return Ok(None);
    }
    let labels = Labels::parse(labels_given).context("--baseline")?;
    Ok(Some(pagecost::job::compare::Baseline {
        db: db(db_arg)?,
        labels: labels.0.into_iter().collect(),
        last: last as usize,
    }))
}

/// The page as it was saved: a URL as the URL parser writes it, a folder with its slash.
fn page_key(page: &str) -> String {
    match url::Url::parse(page) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u.to_string(),
        _ if std::path::Path::new(page).is_dir() => format!("{}/", page.trim_end_matches('/')),
        _ => page.to_string(),
    }
}

/// `history`.
pub fn command(a: HistoryArgs) -> anyhow::Result<Command> {
    if let Some(HistoryCommand::Import(i)) = a.command {
        let plan = HistoryPlan {
            db: db(&i.db)?,
            action: HistoryAction::Import {
                files: i.files,
                labels: labels(&i.label)?,
            },
        };
        return Ok(Command::new(
            Plan::History(plan),
            format(i.format),
            None,
            true,
        ));
    }
    let action = match a.prune {
        Some(older_than) => HistoryAction::Prune { older_than },
        None => HistoryAction::Show(Filter {
            page: a.page.as_deref().map(page_key),
            labels: labels(&a.label)?.0.into_iter().collect(),
            since_unix_ms: a
                .since
                .as_deref()
                .map(pagecost::config::units::parse_since)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--since {e}"))?,
            last: a.last,
        }),
    };
    let plan = HistoryPlan {
        db: db(&a.db)?,
        action,
    };
    Ok(Command::new(
        Plan::History(plan),
        format(a.format),
        a.output,
        true,
    ))
}
