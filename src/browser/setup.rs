//! A page made ready for a load: the network as the audit asks (cache and service workers
//! off, extra headers, user agent, network throttling), the device (viewport, pixel ratio,
//! mobile, CPU slowdown), the rendering observers, and `--block` by request interception.

use super::{browser_err, listen, paint};
use crate::config::{AuditConfig, DEFAULT_USER_AGENT};
use crate::error::Result;
use crate::extract::Viewport;
use chromiumoxide::cdp::browser_protocol::emulation as emu;
use chromiumoxide::cdp::browser_protocol::fetch;
use chromiumoxide::cdp::browser_protocol::network as net;
use chromiumoxide::cdp::browser_protocol::page::AddScriptToEvaluateOnNewDocumentParams;
use chromiumoxide::Page;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// Why each blocked request was blocked, by network request id.
pub type BlockReasons = Arc<Mutex<HashMap<String, String>>>;

/// Applies the audit's network settings, device and observers to a fresh page.
pub async fn prepare(page: &Page, cfg: &AuditConfig, vp: &Viewport) -> Result<()> {
    run(page.execute(net::EnableParams::default()).await)?;
    // For the renderer's crash event.
    let inspector = chromiumoxide::cdp::browser_protocol::inspector::EnableParams::default();
    run(page.execute(inspector).await)?;
    run(page.execute(net::SetCacheDisabledParams::new(true)).await)?;
    run(page
        .execute(net::SetBypassServiceWorkerParams::new(true))
        .await)?;
    if !cfg.headers.is_empty() {
        let h: serde_json::Map<String, serde_json::Value> = cfg
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let headers = net::Headers::new(serde_json::Value::Object(h));
        run(page
            .execute(net::SetExtraHttpHeadersParams::new(headers))
            .await)?;
    }
    if cfg.user_agent != DEFAULT_USER_AGENT {
        let ua = net::SetUserAgentOverrideParams::new(cfg.user_agent.clone());
        run(page.execute(ua).await)?;
    }
    let device = emu::SetDeviceMetricsOverrideParams::new(
        vp.width as i64,
        vp.height as i64,
        vp.dpr,
        vp.mobile,
    );
    run(page.execute(device).await)?;
    if vp.mobile {
        run(page
            .execute(emu::SetTouchEmulationEnabledParams::new(true))
            .await)?;
    }
    if let Some(p) = &cfg.throttle {
        // Every request (an empty pattern matches all). DevTools adds the latency once per
        // request, from sending it to its response head: not per round trip of DNS, TCP
        // and TLS as the static engine's throttled sockets do.
        let all = net::NetworkConditions::new(
            "",
            p.rtt_ms,
            p.down_bytes_per_sec().unwrap_or(-1.0),
            p.up_bytes_per_sec().unwrap_or(-1.0),
        );
        let conditions = net::EmulateNetworkConditionsByRuleParams::new(false, vec![all]);
        run(page.execute(conditions).await)?;
        if p.cpu_slowdown() > 1.0 {
            let cpu = emu::SetCpuThrottlingRateParams::new(p.cpu_slowdown());
            run(page.execute(cpu).await)?;
        }
    }
    let observer = AddScriptToEvaluateOnNewDocumentParams::new(paint::OBSERVER);
    run(page.execute(observer).await)?;
    Ok(())
}

fn run<T>(r: std::result::Result<T, chromiumoxide::error::CdpError>) -> Result<T> {
    r.map_err(browser_err)
}

/// Starts intercepting requests when the audit blocks any: each request pauses in the
/// browser until it is judged by the same rule the static engine applies, then fails with
/// `BlockedByClient` (it never leaves the browser) or continues. The page's own document is
/// never blocked. The reasons are kept for the entries; the task ends with the page.
pub async fn block(
    page: &Page,
    url: &Url,
    cfg: &AuditConfig,
) -> Result<Option<(BlockReasons, tokio::task::JoinHandle<()>)>> {
    if cfg.block.is_empty() && !cfg.block_third_parties && !cfg.intercept_all {
        return Ok(None);
    }
    let mut paused = listen::<fetch::EventRequestPaused>(page).await?;
    let every = fetch::RequestPattern::builder()
        .url_pattern("*")
        .request_stage(fetch::RequestStage::Request)
        .build();
    let enable = fetch::EnableParams::builder().pattern(every).build();
    page.execute(enable).await.map_err(browser_err)?;
    let reasons = BlockReasons::default();
    let (page, cfg, host) = (
        page.clone(),
        cfg.clone(),
        url.host_str().unwrap_or_default().to_string(),
    );
    let kept = Arc::clone(&reasons);
    let task = tokio::spawn(async move {
        while let Some(e) = paused.next().await {
            let document = e.resource_type == net::ResourceType::Document
                && page.mainframe().await.ok().flatten().as_ref() == Some(&e.frame_id);
            let why = Url::parse(&e.request.url)
                .ok()
                .filter(|_| !document)
                .and_then(|u| cfg.blocked_by(&u, &host));
            let id = e.request_id.clone();
            let done = match why {
                Some(why) => {
                    if let Some(n) = &e.network_id {
                        let mut r = kept.lock().unwrap_or_else(|p| p.into_inner());
                        r.insert(n.inner().clone(), why);
                    }
                    let reason = net::ErrorReason::BlockedByClient;
                    page.execute(fetch::FailRequestParams::new(id, reason))
                        .await
                        .map(drop)
                }
                None => page
                    .execute(fetch::ContinueRequestParams::new(id))
                    .await
                    .map(drop),
            };
            // The page closed under a paused request: nothing left to judge.
            if done.is_err() && page.mainframe().await.is_err() {
                break;
            }
        }
    });
    Ok(Some((reasons, task)))
}
