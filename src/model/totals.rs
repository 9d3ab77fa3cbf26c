//! Sums over the entries of a load. Totals merge (`+=`) so that batches and runs add up.

use super::{Entry, ResourceType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::AddAssign;

/// Requests and bytes of a group of entries.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Bucket {
    /// Number of requests.
    pub requests: u64,
    /// Bytes on the wire.
    pub transfer_bytes: u64,
    /// Bytes after content decoding.
    pub decoded_bytes: u64,
}

impl Bucket {
    fn add_entry(&mut self, e: &Entry) {
        self.requests += 1;
        self.transfer_bytes += e.transfer_bytes;
        self.decoded_bytes += e.decoded_bytes;
    }
}

impl AddAssign for Bucket {
    fn add_assign(&mut self, o: Bucket) {
        self.requests += o.requests;
        self.transfer_bytes += o.transfer_bytes;
        self.decoded_bytes += o.decoded_bytes;
    }
}

/// Totals of a load: overall, per resource type and per host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Totals {
    /// Number of requests (redirect hops included).
    pub requests: u64,
    /// Bytes on the wire.
    pub transfer_bytes: u64,
    /// Bytes after content decoding.
    pub decoded_bytes: u64,
    /// Requests that failed (no response, or 4xx/5xx).
    pub failed: u64,
    /// Successful responses with an empty body where content was expected.
    pub empty: u64,
    /// Redirect hops.
    pub redirects: u64,
    /// `loading=lazy` requests (a browser loads them only near the viewport), kept apart so
    /// a total without them is one subtraction away.
    pub lazy: Bucket,
    /// Per resource type.
    pub by_type: BTreeMap<ResourceType, Bucket>,
    /// Per host (with port when not the default).
    pub by_host: BTreeMap<String, Bucket>,
    /// First-party requests.
    #[serde(default)]
    pub first_party: Bucket,
    /// Third-party requests.
    #[serde(default)]
    pub third_party: Bucket,
    /// References not requested because a `--block` pattern matched (not in any other total).
    #[serde(default)]
    pub blocked: u64,
    /// Per third-party-web entity (requests to hosts the dataset knows).
    #[serde(default)]
    pub by_entity: BTreeMap<String, Bucket>,
    /// Per entity category (`ad`, `analytics` ...).
    #[serde(default)]
    pub by_category: BTreeMap<String, Bucket>,
}

impl Totals {
    /// Sums a list of entries.
    pub fn from_entries(entries: &[Entry]) -> Totals {
        let mut t = Totals::default();
        let mut hosts = super::urls::Hosts::default();
        for e in entries {
            let host = hosts.host_port(&e.url);
            t.add_entry(e, host.unwrap_or_else(|| Entry::NO_HOST.to_string()));
        }
        t
    }

    fn add_entry(&mut self, e: &Entry, host: String) {
        if e.blocked() {
            self.blocked += 1;
            return;
        }
        self.requests += 1;
        self.transfer_bytes += e.transfer_bytes;
        self.decoded_bytes += e.decoded_bytes;
        self.failed += u64::from(e.failed());
        self.empty += u64::from(e.empty());
        self.redirects += u64::from(e.is_redirect());
        if e.lazy {
            self.lazy.add_entry(e);
        }
        self.by_type
            .entry(e.resource_type)
            .or_default()
            .add_entry(e);
        self.by_host.entry(host).or_default().add_entry(e);
        if let Some(p) = &e.party {
            if p.first_party {
                self.first_party.add_entry(e);
            } else {
                self.third_party.add_entry(e);
            }
            if let Some(ent) = &p.entity {
                self.by_entity.entry(ent.clone()).or_default().add_entry(e);
            }
            if let Some(c) = &p.category {
                self.by_category.entry(c.clone()).or_default().add_entry(e);
            }
        }
    }
}

impl AddAssign<&Totals> for Totals {
    fn add_assign(&mut self, o: &Totals) {
        self.requests += o.requests;
        self.transfer_bytes += o.transfer_bytes;
        self.decoded_bytes += o.decoded_bytes;
        self.failed += o.failed;
        self.empty += o.empty;
        self.redirects += o.redirects;
        self.lazy += o.lazy;
        for (k, v) in &o.by_type {
            *self.by_type.entry(*k).or_default() += *v;
        }
        for (k, v) in &o.by_host {
            *self.by_host.entry(k.clone()).or_default() += *v;
        }
        self.blocked += o.blocked;
        self.first_party += o.first_party;
        self.third_party += o.third_party;
        for (k, v) in &o.by_entity {
            *self.by_entity.entry(k.clone()).or_default() += *v;
        }
        for (k, v) in &o.by_category {
            *self.by_category.entry(k.clone()).or_default() += *v;
        }
    }
}
