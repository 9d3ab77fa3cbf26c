//! Many pages in one run: audited concurrently (a fixed number at a time), each page's result
//! kept whatever happens to the others; a deterministic shard of a list for CI matrices.

use crate::config::{AuditConfig, Cancel};
use crate::events::{Event, EventSink, NoEvents};
use crate::extract::Viewport;
use crate::source::target::Target;
use crate::source::{Engine, Source};

pub use crate::model::{PackedLoad, PageResult};

/// Reads a list of targets: one per line (ended by LF, CRLF or a lone CR, as old Mac
/// editors write), blank lines and `#` comments ignored, also after a target (`URL  # why`:
/// a URL's own `#fragment` has no space before it).
pub fn read_list(text: &str) -> Vec<String> {
    // A byte order mark (Windows editors write one) is not part of the first URL.
    text.trim_start_matches('\u{feff}')
        .split(['\n', '\r'])
        .map(|l| without_comment(l).trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A line without its `#` comment: one that starts the line or follows whitespace.
fn without_comment(line: &str) -> &str {
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return &line[..i];
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// The K-th of N deterministic slices of a list of `len` items (1-based K), as positions:
/// those whose index is K-1 modulo N, so every item lands in exactly one shard whatever the
/// list's order of growth.
pub fn shard(len: usize, k: usize, n: usize) -> Vec<usize> {
    (0..len)
        .filter(|i| n > 0 && i % n == k.saturating_sub(1))
        .collect()
}

/// Audits targets, `jobs` at a time, started in the list's order (a page starts when one
/// before it has finished); results come back in the list's order. Each finished page is
/// reported to `events` as [`Event::Finished`] (its target as the URL) and, whole, as
/// [`Event::Page`]. Once `cfg.cancel` is cancelled no page starts, the pages under way end
/// early (partial), and only the pages that started are returned. `positions`: the targets'
/// places in a longer list (a shard), recorded in their results.
pub async fn audit_all(
    targets: &[String],
    cfg: &AuditConfig,
    vp: &Viewport,
    (engine, also): (Engine, &[(String, std::path::PathBuf)]),
    (jobs, positions): (usize, Option<&[usize]>),
    events: &dyn EventSink,
) -> Vec<PageResult> {
    let mut set = tokio::task::JoinSet::new();
    events.event(Event::Pages { jobs });
    events.event(Event::Queued {
        queued: targets.len(),
    });
    let mut waiting = targets.iter().enumerate();
    let mut out: Vec<Option<PageResult>> = vec![None; targets.len()];
    let mut done = 0;
    loop {
        // Tasks are spawned only as slots free up, so that no scheduler can start a later
        // page before an earlier one.
        let cancelled = || cfg.cancel.as_ref().is_some_and(Cancel::is_cancelled);
        while set.len() < jobs.max(1) && !cancelled() {
            let Some((i, t)) = waiting.next() else { break };
            let (t, cfg, vp) = (t.clone(), cfg.clone(), *vp);
            let (engine, also) = (engine.clone(), also.to_vec());
            let at = positions.map_or(i, |p| p[i]);
            set.spawn(async move { (i, audit_one(t, at, &cfg, &vp, (&engine, &also)).await) });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        if let Ok((i, page)) = joined {
            done += 1;
            events.event(Event::Finished {
                url: page.target.clone(),
                failed: page.error.is_some(),
                done,
            });
            events.event(Event::Page {
                position: i,
                page: Box::new(page.clone()),
            });
            out[i] = Some(page);
        }
    }
    let started = targets.len() - waiting.len();
    out.into_iter()
        .take(started)
        .enumerate()
        .map(|(i, p)| {
            p.unwrap_or_else(|| {
                let at = positions.map_or(i, |p| p[i]);
                PageResult::failed(targets[i].clone(), Some(at), "internal error".into())
            })
        })
        .collect()
}

/// One page of a batch, its failure kept as its result.
async fn audit_one(
    t: String,
    i: usize,
    cfg: &AuditConfig,
    vp: &Viewport,
    (engine, also): (&Engine, &[(String, std::path::PathBuf)]),
) -> PageResult {
    let r = match Target::parse(&t) {
        Ok(target) => match Source::open(&target, engine, also).await {
            Ok(s) => s.load(cfg, vp, &NoEvents).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match r {
        Ok(load) => PageResult::loaded(t, Some(i), &load),
        Err(e) => PageResult::failed(t, Some(i), e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_list() {
        let items: Vec<usize> = (0..10).collect();
        let all: Vec<usize> = (1..=3).flat_map(|k| shard(10, k, 3)).collect();
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, items);
        assert_eq!(shard(10, 2, 3), [1, 4, 7]);
    }

    #[test]
    fn lists_skip_blanks_and_comments() {
        assert_eq!(
            read_list("# pages\nhttps://a.test/\n\n  https://b.test/ \n"),
            ["https://a.test/", "https://b.test/"]
        );
    }
}
