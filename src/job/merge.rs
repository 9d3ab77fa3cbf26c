//! The merge job: JSON-lines outputs of sharded batches joined into one list of pages.

use super::BatchReport;
use crate::error::{Error, Result};
use crate::job::batch::PageResult;
use std::path::PathBuf;

/// Files to join.
#[derive(Debug)]
pub struct MergePlan {
    /// JSON-lines files written by `audit --format jsonl`.
    pub files: Vec<PathBuf>,
}

/// Reads every page of every file. Shards interleave the list (every N-th page): when the
/// files are shards of one list (each position once), the pages are put back in its order;
/// other files keep theirs. A file named twice is read once, and a page found twice (the
/// same position of the same target: a shard given again) is kept once.
pub fn run(plan: &MergePlan) -> Result<BatchReport> {
    let mut pages: Vec<PageResult> = Vec::new();
    let mut files_seen = std::collections::HashSet::new();
    let mut pages_seen = std::collections::HashSet::new();
    for f in &plan.files {
        let same = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        if !files_seen.insert(same) {
            continue;
        }
        let text = std::fs::read_to_string(f).map_err(|source| Error::Io {
            path: f.clone(),
            source,
        })?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let p: PageResult = serde_json::from_str(line).map_err(|e| Error::InvalidInput {
                input: format!("{}:{}", f.display(), n + 1),
                reason: format!("not a pagecost JSON line: {e}"),
            })?;
            if let Some(i) = p.index {
                if !pages_seen.insert((i, p.target.clone())) {
                    continue;
                }
            }
            pages.push(p);
        }
    }
    let positions: std::collections::HashSet<usize> =
        pages.iter().filter_map(|p| p.index).collect();
    if positions.len() == pages.len() {
        pages.sort_by_key(|p| p.index);
    }
    let verdicts = vec![None; pages.len()];
    Ok(BatchReport {
        pages,
        verdicts,
        merged: true,
        interrupted: false,
    })
}
