//! One request as a task: wait for a connection slot (per origin, then overall), then fetch.

use crate::model::ResourceType;
use crate::net::client::{self, BodyLimits, Fetched};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Semaphore;
use url::Url;

/// Connection slots: one semaphore per origin and one overall.
pub(super) struct Slots {
    global: Arc<Semaphore>,
    per_origin: usize,
    origins: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Slots {
    pub(super) fn new(global: usize, per_origin: usize) -> Self {
        Slots {
            global: Arc::new(Semaphore::new(global)),
            per_origin,
            origins: Mutex::new(HashMap::new()),
        }
    }

    fn origin(&self, url: &Url) -> Arc<Semaphore> {
        let key = url.origin().ascii_serialization();
        let mut map = self.origins.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            map.entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_origin))),
        )
    }
}

/// What to fetch and with which limits.
pub(super) struct FetchJob {
    pub url: Url,
    pub resource_type: ResourceType,
    pub keep: usize,
    pub max_body: u64,
    pub max_decoded: u64,
}

/// A finished request.
pub(super) struct FetchResult {
    /// When a slot was free and the request was handed to the client.
    pub sent_at: Instant,
    pub fetched: Fetched,
}

pub(super) async fn run(http: reqwest::Client, slots: Arc<Slots>, job: FetchJob) -> FetchResult {
    let origin = slots.origin(&job.url);
    // Semaphores are never closed, so acquiring cannot fail.
    let _o = origin.acquire_owned().await.ok();
    let _g = Arc::clone(&slots.global).acquire_owned().await.ok();
    let sent_at = Instant::now();
    let limits = BodyLimits {
        max_body: job.max_body,
        max_decoded: job.max_decoded,
        keep: job.keep,
    };
    let fetched = client::fetch(&http, &job.url, job.resource_type, limits).await;
    FetchResult { sent_at, fetched }
}
