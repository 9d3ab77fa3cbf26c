//! Many pages in one run: audited concurrently (a fixed number at a time), each page's result
//! kept whatever happens to the others; a deterministic shard of a list for CI matrices.

use crate::config::AuditConfig;
use crate::events::{Event, EventSink, NoEvents};
use crate::extract::Viewport;
use crate::model::Load;
use crate::target::{audit, Target};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One page of a batch: its load, or why it could not be audited.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PageResult {
    /// The target as listed.
    pub target: String,
    /// The load, when the page could be audited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<Load>,
    /// Why it could not, otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Reads a list of targets: one per line, blank lines and `#` comments ignored.
pub fn read_list(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The K-th of N deterministic slices of a list (1-based K): items whose index is K-1 modulo
/// N, so every item lands in exactly one shard whatever the list's order of growth.
pub fn shard<T: Clone>(items: &[T], k: usize, n: usize) -> Vec<T> {
    items
        .iter()
        .enumerate()
        .filter(|(i, _)| n > 0 && i % n == k.saturating_sub(1))
        .map(|(_, x)| x.clone())
        .collect()
}

/// Audits targets, `jobs` at a time; results come back in the list's order. Each finished
/// page is reported to `events` as [`Event::Finished`] (its target as the URL).
pub async fn audit_all(
    targets: &[String],
    cfg: &AuditConfig,
    vp: &Viewport,
    jobs: usize,
    events: &dyn EventSink,
) -> Vec<PageResult> {
    let sem = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let mut set = tokio::task::JoinSet::new();
    events.event(Event::Queued {
        queued: targets.len(),
    });
    for (i, t) in targets.iter().enumerate() {
        let (t, cfg, vp, sem) = (t.clone(), cfg.clone(), *vp, Arc::clone(&sem));
        set.spawn(async move {
            let _permit = sem.acquire_owned().await.expect("never closed");
            let r = match Target::parse(&t) {
                Ok(target) => audit(&target, &cfg, &vp, &NoEvents).await,
                Err(e) => Err(e),
            };
            let page = match r {
                Ok(load) => PageResult {
                    target: t,
                    load: Some(load),
                    error: None,
                },
                Err(e) => PageResult {
                    target: t,
                    load: None,
                    error: Some(e.to_string()),
                },
            };
            (i, page)
        });
    }
    let mut out: Vec<Option<PageResult>> = vec![None; targets.len()];
    let mut done = 0;
    while let Some(joined) = set.join_next().await {
        if let Ok((i, page)) = joined {
            done += 1;
            events.event(Event::Finished {
                url: page.target.clone(),
                failed: page.error.is_some(),
                done,
            });
            out[i] = Some(page);
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, p)| {
            p.unwrap_or_else(|| PageResult {
                target: targets[i].clone(),
                load: None,
                error: Some("internal error".into()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_list() {
        let items: Vec<usize> = (0..10).collect();
        let all: Vec<usize> = (1..=3).flat_map(|k| shard(&items, k, 3)).collect();
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, items);
        assert_eq!(shard(&items, 2, 3), [1, 4, 7]);
    }

    #[test]
    fn lists_skip_blanks_and_comments() {
        assert_eq!(
            read_list("# pages\nhttps://a.test/\n\n  https://b.test/ \n"),
            ["https://a.test/", "https://b.test/"]
        );
    }
}
