//! `--estimate`: the same page's load on a network profile, computed from one recorded load
//! without loading again, by replaying its dependency graph under the profile.
//!
//! The replay keeps what the recorded load tells: which request caused which (initiators),
//! each origin's protocol (HTTP/2 multiplexes on one connection, HTTP/1.1 uses up to the
//! per-origin limit, one request per connection at a time), TLS or not, DNS time, each
//! server's think time (the recorded wait) and the bytes on the wire. It adds what the
//! profile changes: one round trip for TCP, one for TLS, one per request, and a download
//! bandwidth shared fairly by all transfers in flight. The connection pool is simulated the
//! way the engine runs it, so connection reuse follows the profile's timing. An image a
//! stylesheet's rules load waits for every stylesheet of its document, as the engine (and a
//! browser, which computes style once its sheets are in) decides those images only then.
//! Time advances in steps of 0.25 ms.

use crate::model::Profile;
use crate::model::{Entry, Load, Timings};
use std::collections::HashMap;

const STEP_MS: f64 = 0.25;
/// Simulated time after which the replay gives up (a safety net, never reached in practice).
const MAX_MS: f64 = 3_600_000.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Waiting,
    Connecting { until: f64, conn: usize },
    Requesting { until: f64, conn: usize },
    Transferring { left: f64, conn: usize },
    Done,
}

struct Node {
    /// Requests that must have ended before this one starts.
    deps: Vec<usize>,
    origin: String,
    server_ms: f64,
    bytes: f64,
    /// Requests that never had a connection keep their recorded duration.
    no_conn: bool,
    fallback_ms: f64,
    phase: Phase,
    ready: Option<f64>,
    conn_start: Option<f64>,
    req_start: Option<f64>,
    first_byte: Option<f64>,
    end: Option<f64>,
}

/// What the recorded load says about an origin.
#[derive(Clone, Copy)]
struct OriginFacts {
    h2: bool,
    tls: bool,
    dns_ms: f64,
}

struct SimConn {
    origin: String,
    ready_at: Option<f64>,
    busy: bool,
}

/// The document each request belongs to: the nearest document or iframe up its initiator
/// chain (the page for requests caused by nothing recorded).
fn document_of(load: &Load, parents: &[Option<usize>], i: usize) -> Option<usize> {
    use crate::model::ResourceType::{Document, Iframe};
    std::iter::once(i)
        .chain(crate::model::chains::chain(parents, i))
        .find(|&j| matches!(load.entries[j].resource_type, Document | Iframe))
}

/// Each document's stylesheets (including the ones they import).
fn sheets_by_document(
    load: &Load,
    parents: &[Option<usize>],
) -> HashMap<Option<usize>, Vec<usize>> {
    let mut out: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (i, e) in load.entries.iter().enumerate() {
        if e.resource_type == crate::model::ResourceType::Stylesheet {
            out.entry(document_of(load, parents, i))
                .or_default()
                .push(i);
        }
    }
    out
}

/// What request `i` waits for: its initiator; for an image a stylesheet's rules load, also
/// every stylesheet of its document.
/// The recorded load's graph: requests by URL, each one's parent, each document's sheets.
struct Graph<'a> {
    by_url: &'a HashMap<&'a str, usize>,
    parents: &'a [Option<usize>],
    sheets_of: &'a HashMap<Option<usize>, Vec<usize>>,
}

fn deps_of(load: &Load, i: usize, g: &Graph<'_>) -> Vec<usize> {
    let e = &load.entries[i];
    let mut deps: Vec<usize> = e
        .initiator
        .url
        .as_deref()
        .and_then(|u| g.by_url.get(u).copied())
        .filter(|d| *d != i)
        .into_iter()
        .collect();
    let css_image = e.resource_type == crate::model::ResourceType::Image
        && e.initiator.kind == crate::model::InitiatorKind::Css;
    if let (true, Some(&d)) = (css_image, deps.first()) {
        let doc = document_of(load, g.parents, d);
        deps.extend(
            g.sheets_of
                .get(&doc)
                .into_iter()
                .flatten()
                .filter(|s| **s != i),
        );
    }
    deps
}

/// Replays `load` under `profile` and returns the estimated load (same entries, new times).
pub fn estimate(load: &Load, profile: &Profile) -> Load {
    let mut sim = Sim::new(load, profile);
    let mut t = 0.0;
    while sim.nodes.iter().any(|n| n.phase != Phase::Done) && t < MAX_MS {
        // Start what can start, in recorded order (the order a browser discovered them).
        for i in 0..sim.nodes.len() {
            sim.start(i, t);
        }
        sim.advance(t);
        t += STEP_MS;
    }
    rebuild(load, &sim.nodes, profile)
}

/// The replay's state: requests, simulated connections, what each origin's connections are.
struct Sim {
    nodes: Vec<Node>,
    conns: Vec<SimConn>,
    facts: HashMap<String, OriginFacts>,
    dns_paid: HashMap<String, bool>,
    rtt: f64,
    /// Bytes per ms, `None`: unlimited.
    bw: Option<f64>,
    per_origin: usize,
}

impl Sim {
    fn new(load: &Load, profile: &Profile) -> Sim {
        let by_url: HashMap<&str, usize> = load
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.url.as_str(), i))
            .collect();
        let parents = crate::model::chains::parents(&load.entries);
        let sheets_of = sheets_by_document(load, &parents);
        let graph = Graph {
            by_url: &by_url,
            parents: &parents,
            sheets_of: &sheets_of,
        };
        let mut facts: HashMap<String, OriginFacts> = HashMap::new();
        for c in &load.connections {
            facts.entry(c.origin.clone()).or_insert(OriginFacts {
                h2: c.protocol == "HTTP/2",
                tls: c.ssl_ms.is_some(),
                dns_ms: c.dns_ms.unwrap_or(0.0),
            });
        }
        let nodes = load
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| Node {
                deps: deps_of(load, i, &graph),
                origin: url::Url::parse(&e.url)
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_default(),
                server_ms: e.timings_ms.wait_ms.unwrap_or(0.0),
                bytes: e.transfer_bytes as f64,
                no_conn: e.connection_id.is_none(),
                fallback_ms: e.duration_ms,
                phase: Phase::Waiting,
                ready: None,
                conn_start: None,
                req_start: None,
                first_byte: None,
                end: None,
            })
            .collect();
        Sim {
            nodes,
            conns: Vec::new(),
            facts,
            dns_paid: HashMap::new(),
            rtt: profile.rtt_ms,
            bw: profile.down_bytes_per_sec().map(|b| b / 1000.0),
            per_origin: load.settings.per_origin.max(1),
        }
    }

    /// Starts request `i` at `t` if it can: its initiator done, and a connection of its
    /// origin free (or one may still open).
    fn start(&mut self, i: usize, t: f64) {
        let n = &self.nodes[i];
        if n.phase != Phase::Waiting
            || n.deps
                .iter()
                .any(|d| !self.nodes[*d].end.is_some_and(|e| e <= t))
        {
            return;
        }
        self.nodes[i].ready.get_or_insert(t);
        let Some(f) = self
            .facts
            .get(&self.nodes[i].origin)
            .filter(|_| !self.nodes[i].no_conn)
            .copied()
        else {
            self.nodes[i].phase = Phase::Done;
            self.nodes[i].end = Some(t + self.nodes[i].fallback_ms);
            return;
        };
        let origin = self.nodes[i].origin.clone();
        let mine: Vec<usize> = (0..self.conns.len())
            .filter(|c| self.conns[*c].origin == origin)
            .collect();
        let usable = mine.iter().copied().find(|c| {
            self.conns[*c].ready_at.is_some_and(|r| r <= t) && (f.h2 || !self.conns[*c].busy)
        });
        if let Some(c) = usable {
            if !f.h2 {
                self.conns[c].busy = true;
            }
            self.nodes[i].req_start = Some(t);
            self.nodes[i].phase = Phase::Requesting {
                until: t + self.rtt + self.nodes[i].server_ms,
                conn: c,
            };
            return;
        }
        let limit = if f.h2 { 1 } else { self.per_origin };
        if mine.len() >= limit {
            return; // wait for a free connection (or the HTTP/2 one to open)
        }
        let first_lookup = self.dns_paid.insert(origin.clone(), true).is_none();
        let dns = if first_lookup { f.dns_ms } else { 0.0 };
        let setup = dns + self.rtt + if f.tls { self.rtt } else { 0.0 };
        self.conns.push(SimConn {
            origin,
            ready_at: None,
            busy: !f.h2,
        });
        self.nodes[i].conn_start = Some(t);
        self.nodes[i].phase = Phase::Connecting {
            until: t + setup,
            conn: self.conns.len() - 1,
        };
    }

    /// Advances timers by one step and shares the bandwidth among transfers.
    fn advance(&mut self, t: f64) {
        let active = self
            .nodes
            .iter()
            .filter(|n| matches!(n.phase, Phase::Transferring { .. }))
            .count();
        let share = self.bw.map(|b| b * STEP_MS / active.max(1) as f64);
        for n in self.nodes.iter_mut() {
            match n.phase {
                Phase::Connecting { until, conn } if until <= t => {
                    self.conns[conn].ready_at = Some(until);
                    n.req_start = Some(until);
                    n.phase = Phase::Requesting {
                        until: until + self.rtt + n.server_ms,
                        conn,
                    };
                }
                Phase::Requesting { until, conn } if until <= t => {
                    n.first_byte = Some(until);
                    n.phase = Phase::Transferring {
                        left: n.bytes,
                        conn,
                    };
                }
                Phase::Transferring { left, conn } => {
                    let left = share.map_or(0.0, |s| left - s);
                    if left <= 0.0 {
                        n.phase = Phase::Done;
                        n.end = Some(t + STEP_MS);
                        self.conns[conn].busy = false;
                    } else {
                        n.phase = Phase::Transferring { left, conn };
                    }
                }
                _ => {}
            }
        }
    }
}

fn rebuild(load: &Load, nodes: &[Node], profile: &Profile) -> Load {
    let mut out = load.clone();
    for (e, n) in out.entries.iter_mut().zip(nodes) {
        let ready = n.ready.unwrap_or(0.0);
        let end = n.end.unwrap_or(ready);
        e.started_ms = round(ready);
        e.duration_ms = round(end - ready);
        e.timings_ms = phases(e, n, ready, end, profile);
    }
    out.entries
        .sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
    out.fully_loaded_ms = round(out.entries.iter().map(Entry::ended_ms).fold(0.0, f64::max));
    out.document_ttfb_ms = nodes
        .iter()
        .zip(&load.entries)
        .rfind(|(_, e)| e.resource_type == crate::model::ResourceType::Document && !e.is_redirect())
        .and_then(|(n, _)| n.first_byte.map(round));
    out.settings.throttle = Some(profile.clone());
    out.notes.push(format!(
        "estimated for {} ({} ms RTT, {} kbit/s down) from a recorded load, not measured",
        profile.name, profile.rtt_ms, profile.down_kbps
    ));
    out
}

fn phases(e: &Entry, n: &Node, ready: f64, end: f64, profile: &Profile) -> Timings {
    let (Some(req), Some(fb)) = (n.req_start, n.first_byte) else {
        return Timings::default();
    };
    let start = n.conn_start.unwrap_or(req);
    let mut t = Timings {
        blocked_ms: Some(round(start - ready)),
        ..Timings::default()
    };
    if n.conn_start.is_some() {
        let dns = e.timings_ms.dns_ms;
        t.dns_ms = dns;
        t.connect_ms = Some(round(req - start - dns.unwrap_or(0.0)));
        t.ssl_ms = e.timings_ms.ssl_ms.map(|_| profile.rtt_ms);
    }
    t.send_ms = Some(0.0);
    t.wait_ms = Some(round(fb - req));
    t.receive_ms = Some(round(end - fb));
    t
}

fn round(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}
