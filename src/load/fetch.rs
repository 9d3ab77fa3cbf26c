//! One request as a task, spawned when it may start under the page's limit (the pool adds
//! the per-origin limit).

use crate::model::ResourceType;
use crate::net::client::{self, BodyLimits, Fetched, Http};
use std::sync::Arc;
use url::Url;

/// What to fetch and with which limits.
pub(super) struct FetchJob {
    pub url: Url,
    pub resource_type: ResourceType,
    pub keep: usize,
    pub max_body: u64,
    pub max_decoded: u64,
}

pub(super) async fn run(http: Arc<Http>, job: FetchJob) -> Fetched {
    let limits = BodyLimits {
        max_body: job.max_body,
        max_decoded: job.max_decoded,
        keep: job.keep,
    };
    client::fetch(&http, &job.url, job.resource_type, limits).await
}
