//! Initiator chains: each request's initiator is another request of the load (the document
//! that references it, the script that fetched it, the hop that redirected to it), so the
//! requests form a tree from the page. A third-party *tag* is the first third-party request
//! on a path from the page; everything below it, whatever its host, it caused. So "this tag
//! cost 28 requests on 3 hosts, 300 kB" is one sum over a subtree.

use super::Entry;
use crate::trace::unused::UnusedCode;
use crate::trace::{EntityCpu, MainThread, PartyCpu, UrlCost};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What one third-party tag cost: itself and every request it caused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TagCost {
    /// The tag's URL.
    pub url: String,
    /// Its entity, when the dataset knows its host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// The tag and every request it caused, directly or through others (blocked ones not
    /// counted).
    pub requests: u64,
    /// Distinct hosts those requests went to.
    pub hosts: u64,
    /// Their bytes on the wire.
    pub transfer_bytes: u64,
    /// Their bytes after decoding.
    pub decoded_bytes: u64,
    /// Main-thread time of its scripts and documents (its frames' included), milliseconds;
    /// absent when the load has no trace (the static engine, a HAR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_thread_ms: Option<f64>,
    /// Their share of the blocking time, milliseconds; absent without a trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocking_ms: Option<f64>,
    /// Bytes of its scripts and stylesheets never run or matched during the load; absent
    /// when unknown (no coverage: the static engine, a HAR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_bytes: Option<u64>,
}

/// The first request of each URL, by index: the request that fetched a script or document
/// (a URL asked for again is the same code).
pub fn first_by_url(entries: &[Entry]) -> HashMap<&str, usize> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        first.entry(e.url.as_str()).or_insert(i);
    }
    first
}

/// Each entry's parent on the chain: the entry its initiator names (the first request of
/// that URL), `None` for the page itself or when the initiator made no request of its own.
pub fn parents(entries: &[Entry]) -> Vec<Option<usize>> {
    let first = first_by_url(entries);
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let url = e.initiator.url.as_deref()?;
            first.get(url).copied().filter(|p| *p != i)
        })
        .collect()
}

fn third_party(e: &Entry) -> bool {
    e.party.as_ref().is_some_and(|p| !p.first_party)
}

/// Each entry's chain from the page, nearest first: its parent, grandparent ... (a
/// malformed chain that loops is cut where it would repeat).
pub fn chain(parents: &[Option<usize>], i: usize) -> Vec<usize> {
    let mut path = Vec::new();
    let mut at = parents.get(i).copied().flatten();
    while let Some(p) = at {
        if p == i || path.contains(&p) {
            break;
        }
        path.push(p);
        at = parents[p];
    }
    path
}

/// Each entry's tag: the first third-party request on its path from the page (the entry
/// itself when nothing above it is third-party), `None` for first-party requests caused by
/// no tag.
pub fn tags_of(entries: &[Entry]) -> Vec<Option<usize>> {
    let parents = parents(entries);
    (0..entries.len())
        .map(|i| {
            let mut path = chain(&parents, i);
            path.reverse();
            path.push(i);
            path.into_iter().find(|&j| third_party(&entries[j]))
        })
        .collect()
}

/// What each third-party tag cost, the costliest first: requests and bytes, and, given the
/// load's main-thread costs, the main-thread and blocking time of every script and document
/// under it (each URL once).
pub fn tag_costs(entries: &[Entry], cpu: Option<&MainThread>) -> Vec<TagCost> {
    // Each script's cost found once, not searched for per request.
    let costs: HashMap<&str, &UrlCost> = cpu
        .map(|m| m.by_url.iter().map(|c| (c.url.as_str(), c)).collect())
        .unwrap_or_default();
    let mut by_tag: HashMap<usize, Under> = HashMap::new();
    for (i, tag) in tags_of(entries).into_iter().enumerate() {
        let (Some(t), e) = (tag, &entries[i]) else {
            continue;
        };
        if e.blocked() {
            continue;
        }
        let under = by_tag
            .entry(t)
            .or_insert_with(|| Under::new(&entries[t], cpu));
        under.cost.requests += 1;
        under.cost.transfer_bytes += e.transfer_bytes;
        under.cost.decoded_bytes += e.decoded_bytes;
        under.hosts.insert(e.host());
        if under.urls.insert(e.url.as_str()) {
            under.add_cpu(costs.get(e.url.as_str()).copied());
        }
    }
    let mut out: Vec<TagCost> = by_tag.into_values().map(Under::finish).collect();
    out.sort_by(|a, b| {
        b.transfer_bytes
            .cmp(&a.transfer_bytes)
            .then(a.url.cmp(&b.url))
    });
    out
}

/// Gives each tag its unused code: the unused bytes of every script and stylesheet under it
/// (each URL once).
pub fn add_unused(entries: &[Entry], unused: &[UnusedCode], tags: &mut [TagCost]) {
    let of: HashMap<&str, u64> = (unused.iter())
        .map(|u| (u.url.as_str(), u.unused_bytes))
        .collect();
    let mut sums: HashMap<&str, (u64, BTreeSet<&str>)> = HashMap::new();
    for (i, tag) in tags_of(entries).into_iter().enumerate() {
        let (Some(t), e) = (tag, &entries[i]) else {
            continue;
        };
        let sum = sums.entry(entries[t].url.as_str()).or_default();
        if !e.blocked() && sum.1.insert(e.url.as_str()) {
            sum.0 += of.get(e.url.as_str()).copied().unwrap_or(0);
        }
    }
    for t in tags {
        t.unused_bytes = Some(sums.get(t.url.as_str()).map_or(0, |s| s.0));
    }
}

/// The main thread's time by party and entity: each script or document's time goes to the
/// party of the request that fetched it (the first of its URL), the rest kept apart.
pub fn cpu_by_party(entries: &[Entry], m: &MainThread) -> PartyCpu {
    let first = first_by_url(entries);
    let mut p = PartyCpu {
        browser_ms: m.unattributed_ms,
        ..PartyCpu::default()
    };
    let mut entities: HashMap<String, EntityCpu> = HashMap::new();
    for c in &m.by_url {
        let party = first
            .get(c.url.as_str())
            .and_then(|&i| entries[i].party.as_ref());
        match party {
            None => {
                p.unknown_party_ms += c.total_ms;
                p.unknown_party_blocking_ms += c.blocking_ms;
            }
            Some(party) if party.first_party => {
                p.first_party_ms += c.total_ms;
                p.first_party_blocking_ms += c.blocking_ms;
            }
            Some(party) => {
                p.third_party_ms += c.total_ms;
                p.third_party_blocking_ms += c.blocking_ms;
                let name = (party.entity.clone())
                    .or_else(|| party.registrable_domain.clone())
                    .unwrap_or_else(|| "(unknown)".into());
                let e = entities.entry(name.clone()).or_insert_with(|| EntityCpu {
                    name,
                    ..EntityCpu::default()
                });
                e.main_thread_ms += c.total_ms;
                e.blocking_ms += c.blocking_ms;
            }
        }
    }
    p.round();
    p.by_entity = entities
        .into_values()
        .map(|e| EntityCpu {
            main_thread_ms: round_us(e.main_thread_ms),
            blocking_ms: round_us(e.blocking_ms),
            ..e
        })
        .collect();
    p.by_entity.sort_by(|a, b| {
        b.main_thread_ms
            .total_cmp(&a.main_thread_ms)
            .then(a.name.cmp(&b.name))
    });
    p
}

/// Milliseconds rounded to the microsecond.
fn round_us(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl PartyCpu {
    /// Its sums rounded to the microsecond.
    fn round(&mut self) {
        for v in [
            &mut self.first_party_ms,
            &mut self.third_party_ms,
            &mut self.unknown_party_ms,
            &mut self.first_party_blocking_ms,
            &mut self.third_party_blocking_ms,
            &mut self.unknown_party_blocking_ms,
        ] {
            *v = round_us(*v);
        }
    }
}

/// A tag's sums as its requests are read: the distinct hosts and URLs under it.
struct Under<'a> {
    cost: TagCost,
    hosts: BTreeSet<String>,
    urls: BTreeSet<&'a str>,
}

impl<'a> Under<'a> {
    fn new(tag: &Entry, cpu: Option<&MainThread>) -> Under<'a> {
        let cost = TagCost {
            url: tag.url.clone(),
            entity: tag.party.as_ref().and_then(|p| p.entity.clone()),
            requests: 0,
            hosts: 0,
            transfer_bytes: 0,
            decoded_bytes: 0,
            main_thread_ms: cpu.map(|_| 0.0),
            blocking_ms: cpu.map(|_| 0.0),
            unused_bytes: None,
        };
        Under {
            cost,
            hosts: BTreeSet::new(),
            urls: BTreeSet::new(),
        }
    }

    /// Adds what `url` cost the main thread, once per URL.
    fn add_cpu(&mut self, cost: Option<&UrlCost>) {
        let Some(c) = cost else {
            return;
        };
        *self.cost.main_thread_ms.get_or_insert(0.0) += c.total_ms;
        *self.cost.blocking_ms.get_or_insert(0.0) += c.blocking_ms;
    }

    fn finish(self) -> TagCost {
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        TagCost {
            hosts: self.hosts.len() as u64,
            main_thread_ms: self.cost.main_thread_ms.map(round),
            blocking_ms: self.cost.blocking_ms.map(round),
            ..self.cost
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Initiator, Party};

    fn entry(url: &str, by: Option<&str>, third: bool, bytes: u64) -> Entry {
        Entry {
            url: url.into(),
            initiator: Initiator {
                url: by.map(str::to_string),
                ..Initiator::default()
            },
            party: Some(Party {
                first_party: !third,
                entity: third.then(|| "Ads Inc".to_string()),
                ..Party::default()
            }),
            transfer_bytes: bytes,
            ..Entry::default()
        }
    }

    /// A tag's unused code is that of every script and sheet under it, each URL once.
    #[test]
    fn a_tags_unused_bytes_are_those_of_everything_under_it() {
        use crate::trace::unused::{CodeKind, UnusedCode};
        let entries = vec![
            entry("https://a.example/", None, false, 10),
            entry(
                "https://a.example/app.js",
                Some("https://a.example/"),
                false,
                10,
            ),
            entry(
                "https://ads.example/tag.js",
                Some("https://a.example/"),
                true,
                10,
            ),
            entry(
                "https://ads.example/lib.js",
                Some("https://ads.example/tag.js"),
                true,
                10,
            ),
            entry(
                "https://ads.example/lib.js",
                Some("https://ads.example/tag.js"),
                true,
                10,
            ),
        ];
        let unused = [
            ("https://a.example/app.js", 500),
            ("https://ads.example/tag.js", 100),
            ("https://ads.example/lib.js", 4000),
        ]
        .map(|(u, b)| UnusedCode::new(u.into(), CodeKind::Script, b, 1.0));
        let mut tags = tag_costs(&entries, None);
        add_unused(&entries, &unused, &mut tags);
        assert_eq!(tags.len(), 1);
        assert_eq!(
            tags[0].unused_bytes,
            Some(4100),
            "the first party's is not the tag's"
        );
    }

    #[test]
    fn main_thread_time_goes_to_the_tag_and_its_party_and_nothing_is_dropped() {
        use crate::trace::UrlCost;
        let entries = vec![
            entry("https://a.example/", None, false, 10),
            entry(
                "https://a.example/app.js",
                Some("https://a.example/"),
                false,
                10,
            ),
            entry(
                "https://ads.example/tag.js",
                Some("https://a.example/"),
                true,
                10,
            ),
            entry(
                "https://cdn.example/f.html",
                Some("https://ads.example/tag.js"),
                true,
                10,
            ),
        ];
        let cost = |url: &str, ms: f64, blocking: f64| UrlCost {
            url: url.into(),
            total_ms: ms,
            blocking_ms: blocking,
            ..UrlCost::default()
        };
        let m = MainThread {
            total_ms: 200.0,
            unattributed_ms: 20.0,
            by_url: vec![
                cost("https://ads.example/tag.js", 80.0, 30.0),
                cost("https://cdn.example/f.html", 40.0, 5.0),
                cost("https://a.example/app.js", 50.0, 0.0),
                cost("blob:https://a.example/1", 10.0, 0.0),
            ],
            ..MainThread::default()
        };
        let tags = tag_costs(&entries, Some(&m));
        assert_eq!(tags.len(), 1);
        assert_eq!(
            tags[0].main_thread_ms,
            Some(120.0),
            "the tag and the frame it made"
        );
        assert_eq!(tags[0].blocking_ms, Some(35.0));
        let p = cpu_by_party(&entries, &m);
        assert_eq!((p.first_party_ms, p.third_party_ms), (50.0, 120.0));
        assert_eq!(
            p.unknown_party_ms, 10.0,
            "the blob script no request fetched"
        );
        assert_eq!(p.browser_ms, 20.0);
        let parts = p.first_party_ms + p.third_party_ms + p.unknown_party_ms + p.browser_ms;
        assert_eq!(parts, m.total_ms, "the parts add up");
        assert_eq!(p.by_entity.len(), 1);
        assert_eq!(p.by_entity[0].name, "Ads Inc");
        assert_eq!(p.by_entity[0].main_thread_ms, 120.0);
        assert_eq!(p.by_entity[0].blocking_ms, 35.0);
    }

    #[test]
    fn a_tag_owns_everything_below_it_whatever_the_host() {
        let page = "https://blog.example/";
        let entries = vec![
            entry(page, None, false, 1000),
            entry("https://blog.example/site.css", Some(page), false, 500),
            entry("https://ads.example/tag.js", Some(page), true, 300),
            entry(
                "https://ads.example/lib.js",
                Some("https://ads.example/tag.js"),
                true,
                700,
            ),
            // A first-party pixel fired by the ad library is the tag's cost too.
            entry(
                "https://blog.example/px",
                Some("https://ads.example/lib.js"),
                false,
                50,
            ),
            entry(
                "https://cdn.bidder.example/bid",
                Some("https://ads.example/lib.js"),
                true,
                200,
            ),
            // A second tag straight from the page.
            entry("https://stats.example/s.js", Some(page), true, 100),
        ];
        let tags = tags_of(&entries);
        assert_eq!(
            tags,
            vec![None, None, Some(2), Some(2), Some(2), Some(2), Some(6)]
        );
        let costs = tag_costs(&entries, None);
        assert_eq!(costs.len(), 2);
        assert_eq!(costs[0].url, "https://ads.example/tag.js");
        assert_eq!(
            (costs[0].requests, costs[0].hosts, costs[0].transfer_bytes),
            (4, 3, 1250)
        );
        assert_eq!(costs[0].entity.as_deref(), Some("Ads Inc"));
        assert_eq!((costs[1].requests, costs[1].transfer_bytes), (1, 100));
    }

    #[test]
    fn chains_that_loop_end() {
        let a = entry("https://x.example/a", Some("https://x.example/b"), true, 1);
        let b = entry("https://x.example/b", Some("https://x.example/a"), true, 1);
        let entries = vec![a, b];
        let p = parents(&entries);
        assert_eq!(chain(&p, 0), vec![1]);
        assert_eq!(
            tag_costs(&entries, None)
                .iter()
                .map(|c| c.requests)
                .sum::<u64>(),
            2
        );
    }
}
