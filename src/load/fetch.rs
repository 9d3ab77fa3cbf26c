//! One request as a task: wait for a slot under the global limit, then fetch (the pool adds
//! the per-origin limit).

use crate::model::ResourceType;
use crate::net::client::{self, BodyLimits, Fetched, Http};
use std::sync::Arc;
use tokio::sync::Semaphore;
use url::Url;

/// What to fetch and with which limits.
pub(super) struct FetchJob {
    pub url: Url,
    pub resource_type: ResourceType,
    pub keep: usize,
    pub max_body: u64,
    pub max_decoded: u64,
}

pub(super) async fn run(http: Arc<Http>, global: Arc<Semaphore>, job: FetchJob) -> Fetched {
    // The semaphore is never closed, so acquiring cannot fail.
    let _g = global.acquire_owned().await.ok();
    let limits = BodyLimits {
        max_body: job.max_body,
        max_decoded: job.max_decoded,
        keep: job.keep,
    };
    client::fetch(&http, &job.url, job.resource_type, limits).await
}
