//! A page made ready for a load: the network as the audit asks (cache off, service workers
//! refused, extra headers, user agent, network throttling), the device (viewport, pixel ratio,
//! mobile, CPU slowdown), the rendering observers, and `--block` by request interception.

use super::{browser_err, listen, paint};
use crate::config::{AuditConfig, DEFAULT_USER_AGENT};
use crate::error::Result;
use crate::extract::Viewport;
use chromiumoxide::cdp::browser_protocol::emulation as emu;
use chromiumoxide::cdp::browser_protocol::fetch;
use chromiumoxide::cdp::browser_protocol::network as net;
use chromiumoxide::cdp::browser_protocol::page::AddScriptToEvaluateOnNewDocumentParams;
use chromiumoxide::cdp::js_protocol::runtime;
use chromiumoxide::Page;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// Why each blocked request was blocked, by network request id.
pub type BlockReasons = Arc<Mutex<HashMap<String, String>>>;

/// Applies the audit's network settings, device and observers to a fresh page.
pub async fn prepare(page: &Page, cfg: &AuditConfig, vp: &Viewport) -> Result<()> {
    for c in network(cfg) {
        run(page.execute(c).await)?;
    }
    // For the renderer's crash event.
    let inspector = chromiumoxide::cdp::browser_protocol::inspector::EnableParams::default();
    run(page.execute(inspector).await)?;
    run(page
        .execute(net::SetBypassServiceWorkerParams::new(true))
        .await)?;
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
    if let Some(p) = cfg.throttle.as_ref().filter(|p| p.cpu_slowdown() > 1.0) {
        let cpu = emu::SetCpuThrottlingRateParams::new(p.cpu_slowdown());
        run(page.execute(cpu).await)?;
    }
    let observer = AddScriptToEvaluateOnNewDocumentParams::new(paint::OBSERVER);
    run(page.execute(observer).await)?;
    let refuse = AddScriptToEvaluateOnNewDocumentParams::new(NO_SERVICE_WORKERS);
    run(page.execute(refuse).await)?;
    Ok(())
}

/// Service workers are off, as in a browser that blocks them for the site: registering one
/// is refused with the `SecurityError` Chromium gives then, in every frame, before the
/// page's own scripts run, so its script is never fetched. (Chromium has no switch for it;
/// left alone, the browser fetched the script outside the page's session, unlisted, the
/// worker never ran it (its own first fetch never came) and the registration never settled.)
const NO_SERVICE_WORKERS: &str = r#"(() => {
  const c = self.ServiceWorkerContainer;
  if (!c) return;
  Object.defineProperty(c.prototype, 'register', {
    configurable: true, writable: true,
    value: function register() {
      return Promise.reject(new DOMException(
        "Failed to register a ServiceWorker: service workers are off (pagecost's browser engine)",
        'SecurityError'));
    },
  });
})();"#;

/// How many asynchronous parents a request's stack keeps (timers, promises, an image's own
/// load task): enough to reach the script behind a request sent from a task of its own.
pub const ASYNC_STACK_DEPTH: i64 = 4;

/// The network settings of a page and of every worker it starts: asynchronous stacks (for
/// initiators), events on, cache off, extra headers, user agent, throttling.
pub fn network(cfg: &AuditConfig) -> Vec<Raw> {
    let mut out = vec![
        Raw::of(runtime::SetAsyncCallStackDepthParams::new(
            ASYNC_STACK_DEPTH,
        )),
        Raw::of(net::EnableParams::default()),
        Raw::of(net::SetCacheDisabledParams::new(true)),
    ];
    if !cfg.headers.is_empty() {
        let h: serde_json::Map<String, serde_json::Value> = cfg
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let headers = net::Headers::new(serde_json::Value::Object(h));
        out.push(Raw::of(net::SetExtraHttpHeadersParams::new(headers)));
    }
    if cfg.user_agent != DEFAULT_USER_AGENT {
        let ua = net::SetUserAgentOverrideParams::new(cfg.user_agent.clone());
        out.push(Raw::of(ua));
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
        out.push(Raw::of(net::EmulateNetworkConditionsByRuleParams::new(
            false,
            vec![all],
        )));
    }
    out
}

/// A DevTools command as its method and parameters: the same settings go to the page and,
/// wrapped, to its workers.
#[derive(Debug, Clone)]
pub struct Raw {
    method: chromiumoxide::types::MethodId,
    params: serde_json::Value,
}

impl Raw {
    /// A typed command, kept as its method and parameters.
    pub fn of<C: chromiumoxide::Command>(c: C) -> Raw {
        Raw {
            method: c.identifier(),
            params: serde_json::to_value(&c).unwrap_or_default(),
        }
    }

    /// A command the crate does not know (`Target.sendMessageToTarget`, deprecated).
    pub fn new(method: &'static str, params: serde_json::Value) -> Raw {
        Raw {
            method: method.into(),
            params,
        }
    }

    /// Its method, e.g. `Network.enable`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// Its parameters.
    pub fn params(&self) -> &serde_json::Value {
        &self.params
    }
}

impl serde::Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.params.serialize(s)
    }
}

impl chromiumoxide::Method for Raw {
    fn identifier(&self) -> chromiumoxide::types::MethodId {
        self.method.clone()
    }
}

impl chromiumoxide::Command for Raw {
    type Response = serde_json::Value;
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
