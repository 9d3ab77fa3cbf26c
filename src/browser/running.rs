//! Running browsers: headless Chromium processes per set of launch flags, shared by the
//! loads of a job (a batch's pages, a comparison's runs), each load in a browser context of
//! its own. A browser records one trace at a time, so a traced load takes a browser no
//! other load is tracing in: loads side by side get browsers of their own, up to
//! [`Tracing::Every`]'s count (a batch's `--jobs`); untraced, they share one. A browser that
//! crashed is replaced on the next load; every browser and its helper processes end when
//! the pool is dropped (at the end of the job), on every path, or at once with [`end_all`]
//! (the CLI calls it when told to stop).

use super::trace::Untraced;
use super::{browser_err, drive, process, Gone, Launch, Seen, Tracing};
use crate::config::AuditConfig;
use crate::error::{Error, Result};
use crate::events::EventSink;
use crate::extract::Viewport;
use chromiumoxide::browser::Browser;
use chromiumoxide::cdp::browser_protocol::browser::{
    BrowserContextId, EventDownloadWillBegin, SetDownloadBehaviorBehavior,
    SetDownloadBehaviorParams,
};
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams,
};
use chromiumoxide::error::CdpError;
use chromiumoxide::handler::HandlerConfig;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use url::Url;

/// The browsers of a job, by launch flags; the engine's settings ([`Launch`]) with them.
#[derive(Debug, Default)]
pub struct Browsers {
    /// How loads run and end.
    pub launch: Launch,
    running: tokio::sync::Mutex<HashMap<String, Vec<Arc<Running>>>>,
}

/// A browser lent to one load, and its trace recorder while the load holds it.
pub(super) struct Lease {
    pub running: Arc<Running>,
    /// Held for the load's whole visit; `Err`: why this load is not traced.
    tracer: std::result::Result<tokio::sync::OwnedMutexGuard<()>, Untraced>,
}

impl Browsers {
    /// A pool for loads with these settings; browsers start on first use.
    pub fn new(launch: Launch) -> Browsers {
        Browsers {
            launch,
            running: Default::default(),
        }
    }

    /// A browser for these settings: with tracing, one no other load is tracing in
    /// (launched when there is none and fewer than [`Tracing::Every`]'s count run; else the
    /// first, untraced); without, the one running. A browser that crashed is replaced.
    /// (Host mappings and TLS leniency are command-line switches of the whole browser: loads
    /// that differ in them get browsers of their own.)
    pub(super) async fn get(&self, exe: &Path, cfg: &AuditConfig, vp: &Viewport) -> Result<Lease> {
        let switches = process::switches(cfg, vp, &self.launch.flags);
        let key = format!("{}|{}", exe.display(), switches.join(" "));
        let mut running = self.running.lock().await;
        // Browsers for other settings that no load holds end: a batch of local pages, each
        // served on ports of its own, would otherwise keep a browser per page it loaded.
        for (_, list) in running.iter_mut().filter(|(k, _)| **k != key) {
            list.retain(|r| Arc::strong_count(r) > 1);
        }
        running.retain(|_, list| !list.is_empty());
        let list = running.entry(key).or_default();
        list.retain(|r| !*r.gone.borrow());
        let most = match self.launch.tracing {
            Tracing::Off => 1,
            Tracing::Every { browsers } => browsers.get(),
        };
        if let Tracing::Every { .. } = self.launch.tracing {
            if let Some(lease) = list.iter().find_map(Lease::traced) {
                return Ok(lease);
            }
        }
        if list.len() < most {
            list.push(Arc::new(
                Running::launch(exe, &switches, cfg, &self.launch).await?,
            ));
        }
        let last = list.last().expect("a browser was found or launched");
        Ok(match self.launch.tracing {
            Tracing::Off => Lease::untraced(last, Untraced::Off),
            Tracing::Every { .. } => {
                Lease::traced(last).unwrap_or_else(|| Lease::untraced(&list[0], Untraced::Busy))
            }
        })
    }
}

impl Lease {
    /// The browser with its recorder, if no other load holds it.
    fn traced(r: &Arc<Running>) -> Option<Lease> {
        let guard = Arc::clone(&r.tracer).try_lock_owned().ok()?;
        Some(Lease {
            running: Arc::clone(r),
            tracer: Ok(guard),
        })
    }

    fn untraced(r: &Arc<Running>, why: Untraced) -> Lease {
        Lease {
            running: Arc::clone(r),
            tracer: Err(why),
        }
    }

    /// Loads a page in the browser (see [`Running::visit`]), traced if the lease says so.
    pub(super) async fn visit(
        &self,
        url: &Url,
        settings: (&AuditConfig, &Launch),
        vp: &Viewport,
        events: &dyn EventSink,
    ) -> Result<Seen> {
        let untraced = self.tracer.as_ref().err().cloned();
        self.running
            .visit(url, settings, vp, events, untraced)
            .await
    }
}

/// One headless Chromium: its connection, process and profile folder.
#[derive(Debug)]
pub(super) struct Running {
    browser: Browser,
    driver: tokio::task::JoinHandle<()>,
    /// Relays the browser's DevTools pipe to the connection.
    relay: tokio::task::JoinHandle<()>,
    gone: Gone,
    process: std::process::Child,
    /// Held by the load being traced: a browser records one trace at a time.
    tracer: Arc<tokio::sync::Mutex<()>>,
    /// The browser's own user agent.
    pub user_agent: String,
    /// Held while the browser runs: the profile folder is this process's (see
    /// `process::sweep_profiles`).
    _lock: std::fs::File,
    _profile: tempfile::TempDir,
}

/// A new profile folder, locked by this process (those killed ones left are removed first).
fn new_profile() -> Result<(tempfile::TempDir, std::fs::File)> {
    process::sweep_profiles(PROFILE_PREFIX);
    let profile = tempfile::Builder::new()
        .prefix(&format!("{PROFILE_PREFIX}{}-", std::process::id()))
        .tempdir()
        .map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let lock = process::lock_profile(profile.path()).map_err(|source| Error::Io {
        path: profile.path().to_path_buf(),
        source,
    })?;
    Ok((profile, lock))
}

/// The connection's driver, and what tells that it ended: when the browser goes away
/// (exited, killed).
fn run_connection(
    mut handler: chromiumoxide::Handler,
) -> (
    tokio::task::JoinHandle<()>,
    tokio::sync::watch::Receiver<bool>,
) {
    let (gone_tx, gone) = tokio::sync::watch::channel(false);
    let driver = tokio::spawn(async move {
        while let Some(r) = handler.next().await {
            if matches!(r, Err(ref e) if !matches!(e, CdpError::InvalidMessage(..))) {
                break;
            }
        }
        let _ = gone_tx.send(true);
    });
    (driver, gone)
}

/// Profile folders are named `{PROFILE_PREFIX}{pid}-*`, by the pagecost process that made
/// them, and locked by it, so that the next one can remove those a killed one left.
const PROFILE_PREFIX: &str = "pagecost-profile-";

impl Running {
    async fn launch(
        exe: &Path,
        switches: &[String],
        cfg: &AuditConfig,
        launch: &Launch,
    ) -> Result<Running> {
        let (profile, lock) = new_profile()?;
        let (mut process, ws, relay) = process::start(
            exe,
            switches,
            profile.path(),
            launch.devtools_log.as_deref(),
        )
        .await?;
        let pid = process.id();
        LIVE.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((pid, profile.path().to_path_buf()));
        let handler = HandlerConfig {
            viewport: None,
            request_timeout: cfg.timeout.min(super::COMMAND_TIMEOUT),
            ..HandlerConfig::default()
        };
        let (browser, handler) = match Browser::connect_with_config(ws, handler).await {
            Ok(connected) => connected,
            Err(e) => {
                forget(pid);
                relay.abort();
                process::end(&mut process);
                let why = format!("{} could not be reached: {e}", exe.display());
                return Err(browser_err(why));
            }
        };
        let (driver, gone) = run_connection(handler);
        let user_agent = browser
            .version()
            .await
            .map_or_else(|_| "(unknown)".into(), |v| v.user_agent);
        Ok(Running {
            browser,
            driver,
            relay,
            gone,
            process,
            tracer: Default::default(),
            user_agent,
            _lock: lock,
            _profile: profile,
        })
    }

    /// Loads a page in a browser context of its own, disposed of after; traced unless told
    /// why not.
    async fn visit(
        &self,
        url: &Url,
        settings: (&AuditConfig, &Launch),
        vp: &Viewport,
        events: &dyn EventSink,
        untraced: Option<Untraced>,
    ) -> Result<Seen> {
        let context = self
            .browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .map_err(browser_err)?;
        let downloads = self.refuse_downloads(&context).await?;
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context.clone())
            .build()
            .map_err(browser_err)?;
        let seen = match self.browser.new_page(target).await {
            Ok(page) => {
                let mut gone = self.gone.clone();
                drive(&page, url, settings, vp, (events, &mut gone), untraced).await
            }
            Err(e) => Err(browser_err(e)),
        };
        let seen = seen.map(|mut s| {
            note_downloads(downloads, &mut s);
            s
        });
        if *self.gone.borrow() {
            // Gone before the page began to load (a load under way ends partial, Ok): said
            // as it is, not in the protocol's words ("oneshot canceled").
            return seen
                .map_err(|_| browser_err("it crashed or was killed before the page loaded"));
        }
        let dispose = self.browser.dispose_browser_context(context);
        let _ = tokio::time::timeout(super::COMMAND_TIMEOUT, dispose).await;
        seen
    }
}

impl Running {
    /// Downloads in a load's context are refused (pagecost saves no file a page sends), and
    /// announced: the events, to say which the page started.
    async fn refuse_downloads(&self, context: &BrowserContextId) -> Result<DownloadEvents> {
        let events = self.browser.event_listener().await.map_err(browser_err)?;
        let refuse = SetDownloadBehaviorParams::builder()
            .behavior(SetDownloadBehaviorBehavior::Deny)
            .browser_context_id(context.clone())
            .events_enabled(true)
            .build()
            .map_err(browser_err)?;
        self.browser.execute(refuse).await.map_err(browser_err)?;
        Ok(events)
    }
}

type DownloadEvents = chromiumoxide::listeners::EventStream<EventDownloadWillBegin>;

/// The downloads announced for the frames of this load (the browser's other loads, side by
/// side in a batch, have frames of their own).
fn note_downloads(mut events: DownloadEvents, seen: &mut Seen) {
    use futures_util::FutureExt;
    while let Some(Some(e)) = events.next().now_or_never() {
        if seen.rec.has_frame(e.frame_id.inner()) {
            seen.rec.downloads.push(e.url.clone());
        }
    }
}

impl Drop for Running {
    /// Ends the browser and every helper it started (a killed browser's helpers can
    /// outlive it); the profile folder is removed after.
    fn drop(&mut self) {
        let pid = self.process.id();
        let tree = process_tree(pid);
        forget(pid);
        process::end(&mut self.process);
        reap(&tree);
        process::remove_singleton(self._profile.path());
        self.driver.abort();
        self.relay.abort();
    }
}

/// Takes a browser off [`LIVE`]: it is ended by whoever forgets it.
fn forget(pid: u32) {
    let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
    live.retain(|(p, _)| *p != pid);
}

/// The browsers this process started and has not ended: root pid and profile folder.
static LIVE: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());

/// Ends every browser this process started and has not ended yet: its process tree and its
/// profile folder. For a program told to stop (SIGTERM, SIGHUP) before it exits: its
/// helpers and profile folder would outlive it otherwise.
pub fn end_all() {
    let live = std::mem::take(&mut *LIVE.lock().unwrap_or_else(|p| p.into_inner()));
    for (pid, profile) in live {
        reap(&process_tree(pid));
        process::remove_profile(&profile);
    }
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
