//! The browser engine: headless Chromium driven over the DevTools protocol (chromiumoxide),
//! producing the same [`Load`] as the static engine, with what scripts request at run time.
//!
//! One load: a fresh browser with a fresh profile (a temporary folder, removed after), cache
//! and service workers off, QUIC and background networking off; the page navigated; every
//! network event recorded ([`record`]); done when the load event has fired and no request
//! has been in flight for [`QUIET`] (WebPageTest's rule, shorter), or at the audit's time
//! limit (the load is then partial). The browser and its children end with the load, on
//! every path: closed, waited for, and killed on drop.

mod record;

use crate::config::AuditConfig;
use crate::error::{Error, Result, Setting};
use crate::events::{Event, EventSink};
use crate::extract::Viewport;
use crate::model::{Load, LoadSettings, Skipped};
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::network as net;
use chromiumoxide::cdp::browser_protocol::page::{
    EventJavascriptDialogOpening, EventLoadEventFired, HandleJavaScriptDialogParams, NavigateParams,
};
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// After the load event, the page is done when no request has been in flight this long.
pub const QUIET: Duration = Duration::from_millis(1000);

/// Longest wait for the browser to answer one DevTools command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Names searched on PATH for a browser, in order (after `--browser` and `$CHROME`).
pub const BROWSER_NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// The browser to run: `explicit`, else `$CHROME`, else the first of [`BROWSER_NAMES`] on
/// PATH. None found is an error naming what was searched and how to install one.
pub fn find(explicit: Option<&Path>) -> Result<PathBuf> {
    let missing = |what: String| Error::InvalidTarget {
        target: "browser".into(),
        reason: what,
    };
    if let Some(p) = explicit {
        return p
            .is_file()
            .then(|| p.to_path_buf())
            .ok_or_else(|| missing(format!("{} is not a file", p.display())));
    }
    if let Some(p) = std::env::var_os("CHROME").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in BROWSER_NAMES {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(missing(format!(
        "no browser found ($CHROME unset; none of {} on PATH); install one \
         (Debian: apt-get install chromium) or name it",
        BROWSER_NAMES.join(", ")
    )))
}

fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

fn config(exe: &Path, profile: &Path, cfg: &AuditConfig, vp: &Viewport) -> Result<BrowserConfig> {
    let mut b = BrowserConfig::builder()
        .chrome_executable(exe)
        .user_data_dir(profile)
        .window_size(vp.width as u32, vp.height as u32)
        .launch_timeout(Duration::from_secs(30))
        .request_timeout(cfg.timeout.min(COMMAND_TIMEOUT))
        .args([
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disk-cache-size=1",
        ]);
    if running_as_root() {
        b = b.no_sandbox();
    }
    if cfg.insecure {
        b = b.arg("--ignore-certificate-errors");
    }
    let mut rules: Vec<String> = cfg
        .resolve
        .iter()
        .map(|r| format!("MAP {} {}", r.host, r.addr))
        .collect();
    rules.extend(
        cfg.connect_to
            .iter()
            .map(|c| format!("MAP {} {}", c.host, c.to)),
    );
    if !rules.is_empty() {
        b = b.arg(format!("--host-resolver-rules={}", rules.join(", ")));
    }
    b.build()
        .map_err(|e| Error::Client(format!("browser: {e}")))
}

/// Settings the browser engine does not apply yet: refused, so that nothing is silently
/// ignored. (Request interception, network and device emulation come next.)
pub fn check_supported(cfg: &AuditConfig, vp: &Viewport) -> Result<()> {
    let refuse = |setting, value: String| {
        Err(Error::setting(
            setting,
            value,
            "not applied by the browser engine yet; use the static engine",
        ))
    };
    if let Some(rule) = cfg.block.first() {
        return refuse(Setting::Block, rule.describe());
    }
    if cfg.block_third_parties {
        return refuse(Setting::Block, "third parties".into());
    }
    if let Some(p) = &cfg.throttle {
        return refuse(Setting::Profile, p.name.clone());
    }
    if vp.dpr != 1.0 || vp.mobile {
        return refuse(Setting::Dpr, vp.dpr.to_string());
    }
    if cfg.user_agent != crate::config::DEFAULT_USER_AGENT {
        return refuse(Setting::UserAgent, cfg.user_agent.clone());
    }
    Ok(())
}

/// Says once per process that Chromium runs without its sandbox.
fn note_root(events: &dyn EventSink) {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if running_as_root() && !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        events.event(Event::Notice(
            "running as root: Chromium runs without its sandbox (--no-sandbox), and the page is \
             untrusted"
                .into(),
        ));
    }
}

/// A stream of one kind of DevTools event of a page.
async fn listen<T: chromiumoxide::cdp::IntoEventKind + Unpin>(
    page: &chromiumoxide::Page,
) -> Result<chromiumoxide::listeners::EventStream<T>> {
    page.event_listener::<T>().await.map_err(browser_err)
}

fn browser_err(e: impl std::fmt::Display) -> Error {
    Error::Client(format!("browser: {e}"))
}

/// Loads a page in a fresh headless Chromium.
pub async fn load(
    url: &Url,
    exe: &Path,
    cfg: &AuditConfig,
    vp: &Viewport,
    events: &dyn EventSink,
) -> Result<Load> {
    let profile = tempfile::Builder::new()
        .prefix("pagecost-profile-")
        .tempdir()
        .map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    check_supported(cfg, vp)?;
    note_root(events);
    let (mut browser, mut handler) = Browser::launch(config(exe, profile.path(), cfg, vp)?)
        .await
        .map_err(|e| browser_err(format!("{} could not start: {e}", exe.display())))?;
    let driver = tokio::spawn(async move { while handler.next().await.is_some() {} });
    let started_unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let root = browser.get_mut_child().and_then(|c| c.inner.id());
    let result = drive(&browser, url, cfg, events).await;
    let tree = root.map(process_tree).unwrap_or_default();
    let _ = tokio::time::timeout(COMMAND_TIMEOUT, browser.close()).await;
    let _ = tokio::time::timeout(COMMAND_TIMEOUT, browser.wait()).await;
    let _ = browser.kill().await;
    reap(&tree);
    driver.abort();
    drop(profile);
    let (rec, end, partial) = result?;
    build(url, rec, end, partial, started_unix_ms, cfg, vp)
}

/// Navigates and records until the page is done; the recorder, the end (monotonic seconds)
/// and whether the load was cut short.
async fn drive(
    browser: &Browser,
    url: &Url,
    cfg: &AuditConfig,
    events: &dyn EventSink,
) -> Result<(record::Recorder, f64, bool)> {
    let page = browser.new_page("about:blank").await.map_err(browser_err)?;
    page.execute(net::EnableParams::default())
        .await
        .map_err(browser_err)?;
    page.execute(net::SetCacheDisabledParams::new(true))
        .await
        .map_err(browser_err)?;
    page.execute(net::SetBypassServiceWorkerParams::new(true))
        .await
        .map_err(browser_err)?;
    if !cfg.headers.is_empty() {
        let h: serde_json::Map<String, serde_json::Value> = cfg
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let headers = net::Headers::new(serde_json::Value::Object(h));
        page.execute(net::SetExtraHttpHeadersParams::new(headers))
            .await
            .map_err(browser_err)?;
    }
    let mut sent = listen::<net::EventRequestWillBeSent>(&page).await?;
    let mut resp = listen::<net::EventResponseReceived>(&page).await?;
    let mut data = listen::<net::EventDataReceived>(&page).await?;
    let mut fin = listen::<net::EventLoadingFinished>(&page).await?;
    let mut fail = listen::<net::EventLoadingFailed>(&page).await?;
    let mut loaded = listen::<EventLoadEventFired>(&page).await?;
    let mut dialogs = listen::<EventJavascriptDialogOpening>(&page).await?;
    let (rec, last, partial) = {
        let nav = page.execute(NavigateParams::new(url.as_str()));
        let mut rec = record::Recorder::default();
        let deadline = tokio::time::sleep(cfg.max_time);
        tokio::pin!(deadline);
        tokio::pin!(nav);
        let mut navigated = false;
        let mut last = 0.0f64;
        let mut quiet_since = tokio::time::Instant::now();
        let partial = loop {
            let done = rec.load_event.is_some() && rec.in_flight() == 0;
            tokio::select! {
                r = &mut nav, if !navigated => {
                    navigated = true;
                    let r = r.map_err(browser_err)?;
                    if let Some(text) = r.result.error_text.as_deref().filter(|t| !t.is_empty()) {
                        return Err(Error::MainDocument { url: url.to_string(), kind: crate::model::ErrorKind::Other, message: text.to_string() });
                    }
                }
                Some(e) = sent.next() => {
                    last = last.max(*e.timestamp.inner());
                    rec.sent(&e);
                    events.event(Event::Queued { queued: rec.len() });
                }
                Some(e) = resp.next() => { last = last.max(*e.timestamp.inner()); rec.response(e.request_id.inner(), &e.response); }
                Some(e) = data.next() => { rec.data(e.request_id.inner(), e.data_length); }
                Some(e) = fin.next() => { last = last.max(*e.timestamp.inner()); rec.finished(e.request_id.inner(), *e.timestamp.inner(), e.encoded_data_length); }
                Some(e) = fail.next() => { last = last.max(*e.timestamp.inner()); rec.failed(e.request_id.inner(), *e.timestamp.inner(), &e.error_text); }
                // alert(), confirm(), prompt() and beforeunload would stop the page: accepted.
                Some(_) = dialogs.next() => {
                    let _ = page.execute(HandleJavaScriptDialogParams::new(true)).await;
                }
                Some(e) = loaded.next() => {
                    let ts = *e.timestamp.inner();
                    if rec.start.is_some_and(|s| ts >= s) { rec.load_event = Some(ts); }
                }
                _ = tokio::time::sleep_until(quiet_since + QUIET), if done => break false,
                _ = &mut deadline => break true,
                _ = cancelled(cfg) => break true,
            }
            // Every event is activity: the quiet period counts from the last one.
            quiet_since = tokio::time::Instant::now();
        };
        (rec, last, partial)
    };
    let _ = page.close().await;
    Ok((rec, last, partial))
}

/// The browser's process and its descendants (Linux: from /proc; elsewhere none).
fn process_tree(root: u32) -> Vec<u32> {
    let parent_of = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid ...": the command may hold spaces and parentheses.
        let rest = &stat[stat.rfind(')')? + 2..];
        rest.split(' ').nth(1)?.parse().ok()
    };
    let all: Vec<u32> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let mut tree = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for pid in &all {
            if !tree.contains(pid) && parent_of(*pid).is_some_and(|p| tree.contains(&p)) {
                tree.push(*pid);
                grew = true;
            }
        }
    }
    tree
}

/// Ends what is left of a browser's processes (a closed browser's helpers that outlive it).
fn reap(pids: &[u32]) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for pid in pids {
        // Only a process that is still a Chromium one: a pid may have been reused.
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmd).contains("chrom") {
            // SAFETY: kill(2) with a pid read from /proc and a constant signal; no memory is
            // shared.
            unsafe {
                libc::kill(*pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = pids;
}

async fn cancelled(cfg: &AuditConfig) {
    match &cfg.cancel {
        Some(c) => c.cancelled().await,
        None => std::future::pending().await,
    }
}

fn build(
    url: &Url,
    rec: record::Recorder,
    end: f64,
    partial: bool,
    started_unix_ms: u64,
    cfg: &AuditConfig,
    vp: &Viewport,
) -> Result<Load> {
    if rec.is_empty() {
        return Err(Error::MainDocument {
            url: url.to_string(),
            kind: crate::model::ErrorKind::Other,
            message: "the browser made no request".into(),
        });
    }
    let (entries, ttfb) = rec.entries(end);
    let final_url = entries
        .iter()
        .find(|e| {
            e.resource_type == crate::model::ResourceType::Document && e.redirect_url.is_none()
        })
        .map_or_else(|| url.to_string(), |e| e.url.clone());
    let mut notes = vec!["browser engine: requests made by scripts are included".to_string()];
    if partial {
        notes.push("the page was still loading at the time limit: this load is partial".into());
    }
    Ok(Load {
        tool: concat!("pagecost ", env!("CARGO_PKG_VERSION"), " (chromium)").to_string(),
        url: url.to_string(),
        final_url,
        started_unix_ms,
        settings: LoadSettings {
            user_agent: "(the browser's own)".into(),
            concurrency: 0,
            per_origin: 0,
            timeout_ms: cfg.timeout.as_millis() as u64,
            viewport: format!("{}x{}", vp.width, vp.height),
            dpr: vp.dpr,
            throttle: None,
            browser: Some("chromium".into()),
        },
        document_ttfb_ms: ttfb,
        fully_loaded_ms: 0.0,
        entries,
        connections: Vec::new(),
        totals: Default::default(),
        skipped: Skipped {
            data: rec.data_urls,
            other_scheme: rec.local_urls,
            ..Skipped::default()
        },
        notes,
        partial,
        local: None,
    })
}
