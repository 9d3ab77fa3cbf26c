//! `--savings` in the browser engine: the bodies of the page's uncompressed text and its
//! images, asked of the browser once the page is done (`Network.getResponseBody`, from the
//! renderer's buffers), and measured as the static engine measures them
//! ([`crate::model::savings::work`]). A body the browser no longer holds (a frame in
//! another process, a worker's request, past the buffer) stays unmeasured.

use super::record::Recorder;
use crate::model::savings::work::{self, Measure};
use base64::Engine as _;
use chromiumoxide::cdp::browser_protocol::network::{GetResponseBodyParams, RequestId};
use std::time::Duration;

/// The longest wait for one body.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Each measured body: the index of its entry and its measure.
pub(super) async fn measure(
    page: &chromiumoxide::Page,
    rec: &Recorder,
    qualities: &[u8],
) -> Vec<(usize, Measure)> {
    let mut tasks = Vec::new();
    for (idx, id, probe, decoded) in rec.probes() {
        let Some(body) = body(page, &id).await else {
            continue;
        };
        if body.len() as u64 != decoded {
            continue;
        }
        let task = tokio::spawn(work::measure(probe, body, qualities.to_vec()));
        tasks.push((idx, task));
    }
    let mut out = Vec::new();
    for (idx, task) in tasks {
        if let Ok(Some(m)) = task.await {
            out.push((idx, m));
        }
    }
    out
}

/// A response's body as the browser holds it.
async fn body(page: &chromiumoxide::Page, id: &str) -> Option<Vec<u8>> {
    let ask = page.execute(GetResponseBodyParams::new(RequestId::from(id.to_string())));
    let r = tokio::time::timeout(BODY_TIMEOUT, ask).await.ok()?.ok()?;
    if r.base64_encoded {
        base64::engine::general_purpose::STANDARD
            .decode(&r.body)
            .ok()
    } else {
        Some(r.body.clone().into_bytes())
    }
}
