//! `--savings` in the browser engine: the bodies of the page's uncompressed text and its
//! images, asked of the browser once the page is done (`Network.getResponseBody`, from the
//! renderer's buffers), and measured as the static engine measures them
//! ([`crate::model::savings::work`]). A body the browser no longer holds (a frame in
//! another process, a worker's request, past the buffer) stays unmeasured.

use super::record::Recorder;
use crate::model::savings::work::{self, Measure};
use base64::Engine as _;
use chromiumoxide::cdp::browser_protocol::network::{GetResponseBodyParams, RequestId};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use std::collections::HashMap;
use std::time::Duration;

/// The longest wait for one body.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The size each `<img>` of the page's frame is shown at, by the URL it shows
/// (`currentSrc`): CSS pixels times the device pixel ratio, rounded up; the largest where
/// one URL is shown twice. Images not laid out (hidden, not loaded) are left out.
const SHOWN: &str = r#"(() => {
  const out = {};
  for (const img of document.images) {
    const src = img.currentSrc || img.src;
    const r = img.getBoundingClientRect();
    if (!src || !img.naturalWidth || r.width < 1 || r.height < 1) continue;
    const w = Math.ceil(r.width * devicePixelRatio), h = Math.ceil(r.height * devicePixelRatio);
    const old = out[src];
    if (!old || w * h > old[0] * old[1]) out[src] = [w, h];
  }
  return out;
})()"#;

/// Each measured body: the index of its entry and its measure; none without `--savings` or
/// from a page that cannot answer (`answers`: not crashed, not blocked).
pub(super) async fn measure(
    page: &chromiumoxide::Page,
    rec: &Recorder,
    cfg: &crate::config::AuditConfig,
    answers: bool,
) -> Vec<(usize, Measure)> {
    if !cfg.savings || !answers {
        return Vec::new();
    }
    let qualities = &cfg.savings_qualities;
    let shown = shown(page).await;
    let mut tasks = Vec::new();
    for (idx, id, probe, decoded, url) in rec.probes() {
        let Some(body) = body(page, &id).await else {
            continue;
        };
        if body.len() as u64 != decoded {
            continue;
        }
        let how = work::How {
            qualities: qualities.to_vec(),
            shown: shown.get(&url).copied(),
        };
        tasks.push((idx, tokio::spawn(work::measure(probe, body, how))));
    }
    let mut out = Vec::new();
    for (idx, task) in tasks {
        if let Ok(Some(m)) = task.await {
            out.push((idx, m));
        }
    }
    out
}

/// The size each image is shown at, by URL ([`SHOWN`]); empty when the page does not answer.
async fn shown(page: &chromiumoxide::Page) -> HashMap<String, [u32; 2]> {
    let Ok(ask) = EvaluateParams::builder()
        .expression(SHOWN)
        .return_by_value(true)
        .build()
    else {
        return HashMap::new();
    };
    let answer = tokio::time::timeout(BODY_TIMEOUT, page.execute(ask)).await;
    (answer.ok().and_then(|r| r.ok()?.result.result.value))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
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
