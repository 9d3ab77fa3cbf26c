//! The browser engine: headless Chromium driven over the DevTools protocol (chromiumoxide),
//! producing the same [`Load`] as the static engine, with what scripts request at run time.
//!
//! One load: a browser context of its own (no cookies, cache or storage from another load)
//! in the job's browser (`running.rs`; started by `process.rs`, with a temporary profile
//! folder removed after), cache and service workers off, QUIC and background networking off;
//! the page navigated; every network event of the page and of the workers it starts
//! (`children.rs`) recorded (`record.rs`). The page is done ([`Launch`]) when its load event
//! has fired, no request is in flight (event streams aside, and a worker's script, answered
//! in the worker), and the network has been quiet for the quiet period: no request started,
//! answered or ended, no body bytes arrived but an event stream's (WebPageTest's rule of
//! network inactivity, with 1 s instead of 2 s). A page that never goes quiet (polling, a
//! request that hangs) is watched at most `after_load` past its load event; a page that never
//! fires load, up to the audit's time limit. Either way the load is partial and says why. The
//! browser and its helpers end with the job, on every path, even when pagecost is killed.

mod bodies;
mod children;
mod coverage;
mod paint;
mod pipe;
mod process;
mod record;
mod running;
mod setup;
mod sockets;
mod trace;

pub use running::{end_all, Browsers};

use crate::config::AuditConfig;
use crate::error::{Error, Result, Setting};
use crate::events::{Event, EventSink};
use crate::extract::Viewport;
use crate::model::savings::work::Measure;
use crate::model::{Load, LoadSettings, PartialCause, Skipped};
use chromiumoxide::cdp::browser_protocol::inspector::EventTargetCrashed;
use chromiumoxide::cdp::browser_protocol::network as net;
use chromiumoxide::cdp::browser_protocol::page::{
    EventDomContentEventFired, EventFrameAttached, EventJavascriptDialogOpening,
    EventLoadEventFired, EventWindowOpen, HandleJavaScriptDialogParams, NavigateParams,
    StopLoadingParams,
};
use chromiumoxide::cdp::js_protocol::runtime::{EvaluateParams, TerminateExecutionParams};
use chromiumoxide::listeners::EventStream;
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// After the load event, the page is done when the network has been quiet this long.
pub const QUIET: Duration = Duration::from_millis(1000);

/// Longest watch after the load event for a page that never goes quiet.
pub const AFTER_LOAD: Duration = Duration::from_secs(10);

/// How the browser engine runs: which browser, and when a page is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// Where the browser is ([`find`]).
    pub browser: Locate,
    /// The quiet period after the load event ([`QUIET`]).
    pub quiet: Duration,
    /// The longest watch after the load event ([`AFTER_LOAD`]).
    pub after_load: Duration,
    /// The user's own switches for the browser (`--browser-flag`), checked by
    /// [`check_flags`]; feature lists are merged with pagecost's.
    pub flags: Vec<String>,
    /// Whether loads are traced, and on how many browsers.
    pub tracing: Tracing,
    /// A file that gets every DevTools message, one line each, for diagnosing the engine
    /// (the CLI's `PAGECOST_DEVTOOLS_LOG`).
    pub devtools_log: Option<PathBuf>,
    /// Where the load's trace is written (one load's: the CLI refuses it for several), for
    /// DevTools' Performance panel and Perfetto; gzipped when the name ends in `.gz`.
    pub trace_out: Option<PathBuf>,
}

/// Where to look for the browser: values the caller reads from its flags and environment
/// (the CLI: `--browser`, `$CHROME`, `$PATH`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locate {
    /// The browser named by the user; searched for nowhere else.
    pub named: Option<PathBuf>,
    /// The browser the environment names (`$CHROME`), when none is named.
    pub chrome: Option<PathBuf>,
    /// The folders searched for [`BROWSER_NAMES`] then, as `$PATH` lists them.
    pub search_path: std::ffi::OsString,
}

/// Whether loads are traced (main-thread time, blocking time and the senders of requests
/// made with no stack come from the trace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracing {
    /// No load is traced: those figures are unknown; loads side by side share one browser.
    Off,
    /// Every load is traced. A browser records one trace at a time, so loads side by side
    /// get a browser each, up to this many (a batch's `--jobs`: each costs a browser
    /// process, about 100 MB); a load past them shares one, untraced, and says so.
    Every {
        /// Most browsers for loads side by side.
        browsers: std::num::NonZeroUsize,
    },
}

impl Default for Tracing {
    fn default() -> Self {
        Tracing::Every {
            browsers: std::num::NonZeroUsize::MIN,
        }
    }
}

impl Default for Launch {
    fn default() -> Self {
        Launch {
            browser: Locate::default(),
            quiet: QUIET,
            after_load: AFTER_LOAD,
            flags: Vec::new(),
            tracing: Tracing::default(),
            devtools_log: None,
            trace_out: None,
        }
    }
}

/// Switches pagecost sets itself, which a `--browser-flag` may not change: how it reaches
/// the browser and where the profile is.
const OWN_SWITCHES: [&str; 4] = [
    "--remote-debugging-port",
    "--remote-debugging-pipe",
    "--remote-debugging-address",
    "--user-data-dir",
];

/// Checks the user's browser switches: each a `--switch` or `--switch=value`, none of
/// pagecost's own (`--remote-debugging-*`, `--user-data-dir`).
pub fn check_flags(flags: &[String]) -> Result<()> {
    for f in flags {
        let name = f.split('=').next().unwrap_or_default();
        let why = if !f.starts_with("--") || name.len() < 3 {
            "not a switch: write it as --name or --name=value"
        } else if OWN_SWITCHES.contains(&name) {
            "pagecost sets this switch itself"
        } else {
            continue;
        };
        return Err(Error::setting(Setting::BrowserFlag, f.clone(), why));
    }
    Ok(())
}

/// Longest wait for the browser to answer one DevTools command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Names searched on PATH for a browser, in order (after `--browser` and `$CHROME`).
pub const BROWSER_NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// The browser to run: the one named, else `$CHROME`'s, else the first of [`BROWSER_NAMES`]
/// on the search path. None found is an error naming what was searched and how to install
/// one.
pub fn find(at: &Locate) -> Result<PathBuf> {
    let missing = |what: String| Error::InvalidTarget {
        target: "browser".into(),
        reason: what,
    };
    if let Some(p) = &at.named {
        return p
            .is_file()
            .then(|| p.clone())
            .ok_or_else(|| missing(format!("{} is not a file", p.display())));
    }
    if let Some(p) = &at.chrome {
        return Ok(p.clone());
    }
    for name in BROWSER_NAMES {
        for dir in std::env::split_paths(&at.search_path) {
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

fn pointer_settings(mobile: bool) -> &'static str {
    if mobile {
        "primaryHoverType=1,availableHoverTypes=1,primaryPointerType=2,availablePointerTypes=2"
    } else {
        "primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4"
    }
}

/// Settings the browser engine cannot apply: refused when given a value other than the
/// default, so that nothing is silently ignored. The browser schedules its own requests (six
/// connections per HTTP/1.1 origin, as every Chromium does), times out and redirects them by
/// its own rules, and loads what the page asks for; the page as a whole is bounded by
/// `--audit-timeout`, the watch after load and the body limits, which it does apply.
pub fn check_supported(cfg: &AuditConfig) -> Result<()> {
    const SCHEDULES: &str =
        "the browser engine schedules requests as the browser does; use the static engine";
    let d = AuditConfig::default();
    let secs = |t: Duration| format!("{}s", t.as_secs_f64());
    let refused = [
        (
            cfg.concurrency != d.concurrency,
            Setting::Concurrency,
            cfg.concurrency.to_string(),
            SCHEDULES,
        ),
        (
            cfg.per_origin != d.per_origin,
            Setting::PerOrigin,
            cfg.per_origin.to_string(),
            SCHEDULES,
        ),
        (
            cfg.timeout != d.timeout,
            Setting::Timeout,
            secs(cfg.timeout),
            "the browser has no time limit per request; --audit-timeout bounds the page",
        ),
        (
            cfg.connect_timeout != d.connect_timeout,
            Setting::ConnectTimeout,
            secs(cfg.connect_timeout),
            "the browser sets up connections with its own time limits",
        ),
        (
            cfg.max_redirects != d.max_redirects,
            Setting::MaxRedirects,
            cfg.max_redirects.to_string(),
            "Chromium follows up to 20 redirects, a number it does not let change",
        ),
        (
            cfg.max_frame_depth != d.max_frame_depth,
            Setting::MaxFrameDepth,
            cfg.max_frame_depth.to_string(),
            "the browser loads every frame the page makes, however deep",
        ),
        (
            cfg.max_refs_per_doc != d.max_refs_per_doc,
            Setting::MaxRefs,
            cfg.max_refs_per_doc.to_string(),
            "a limit of the static engine's parsing; the browser requests what the page asks for",
        ),
    ];
    match refused.into_iter().find(|(given, ..)| *given) {
        Some((_, setting, value, why)) => Err(Error::setting(setting, value, why)),
        None => Ok(()),
    }
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
    Error::Browser(e.to_string())
}

/// Loads a page in headless Chromium: a browser of `pool` made for these settings (launched
/// on first use), in a browser context of its own (a fresh profile: no cookies, cache or
/// storage from another load), closed after.
pub async fn load(
    url: &Url,
    pool: &Browsers,
    exe: &Path,
    cfg: &AuditConfig,
    vp: &Viewport,
    events: &dyn EventSink,
) -> Result<Load> {
    check_supported(cfg)?;
    note_root(events);
    let lease = pool.get(exe, cfg, vp).await?;
    let started_unix_ms = crate::model::dates::now_unix_ms();
    let seen = lease.visit(url, (cfg, &pool.launch), vp, events).await?;
    let mut load = build(url, &pool.launch, seen, started_unix_ms, cfg, vp)?;
    load.settings.user_agent = if cfg.user_agent == crate::config::DEFAULT_USER_AGENT {
        lease.running.user_agent.clone()
    } else {
        cfg.user_agent.clone()
    };
    Ok(load)
}

/// What a load saw: the network events (the recorder also keeps the load's end), why the
/// watch ended, and what the page's observers reported.
struct Seen {
    rec: record::Recorder,
    stop: Stop,
    paint: Option<paint::Observed>,
    /// The page's main thread did not answer at the end of the watch (a script that never
    /// yields); its script was stopped.
    blocked: bool,
    /// The load's trace, or why there is none.
    trace: std::result::Result<trace::Traced, trace::Untraced>,
    /// Each script's and stylesheet's share never used, by URL; `None` when unknown.
    unused: Option<Vec<(crate::trace::unused::CodeKind, String, f64)>>,
    /// `--savings`: the measured bodies, by entry index.
    measured: Vec<(usize, crate::model::savings::work::Measure)>,
}

/// Why the watch of a page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Loaded, then quiet: the page is done.
    Quiet,
    /// Loaded, but still busy at the end of the watch after load.
    Busy,
    /// The audit's time limit, or Ctrl-C, before the page was done.
    Cut,
    /// The browser or the page's renderer crashed (or was killed).
    Crashed,
}

/// What the paint observers saw, read from the page (`None` from a crashed page, or one
/// that does not answer).
async fn read_paint(
    page: &chromiumoxide::Page,
    stop: Stop,
    blocked: bool,
) -> Result<Option<paint::Observed>> {
    let read = EvaluateParams::builder()
        .expression(paint::READ)
        .return_by_value(true)
        .build()
        .map_err(browser_err)?;
    // A page whose script was stopped answers at once, or not at all.
    let wait = if blocked {
        MAIN_THREAD_ANSWER
    } else {
        COMMAND_TIMEOUT
    };
    Ok(match stop {
        Stop::Crashed => None,
        _ => tokio::time::timeout(wait, page.execute(read))
            .await
            .ok()
            .and_then(|r| r.ok()?.result.result.value)
            .and_then(|v| serde_json::from_value(v).ok()),
    })
}

/// Prepares a fresh page, navigates and records until the page is done.
async fn drive(
    page: &chromiumoxide::Page,
    url: &Url,
    (cfg, launch): (&AuditConfig, &Launch),
    vp: &Viewport,
    (events, gone): (&dyn EventSink, &mut Gone),
    untraced: Option<trace::Untraced>,
) -> Result<Seen> {
    let page = page.clone();
    let seen = async {
        setup::prepare(&page, cfg, vp).await?;
        let blocking = setup::block(&page, url, cfg).await?;
        let tracing = match untraced {
            None => trace::start(&page, launch.trace_out.is_some()).await,
            Some(why) => Err(why),
        };
        let covering = coverage::start(&page).await;
        let (mut rec, stop, blocked) = watch(&page, url, (cfg, launch), (events, gone)).await?;
        let paint = read_paint(&page, stop, blocked).await?;
        let unused = match (covering, stop) {
            (Some(c), s) if s != Stop::Crashed && !blocked => {
                coverage::finish(&page, c, COMMAND_TIMEOUT).await
            }
            _ => None,
        };
        let trace = match tracing {
            Ok(t) => trace::finish(&page, t, stop == Stop::Quiet || stop == Stop::Busy).await,
            Err(why) => Err(why),
        };
        let measured = bodies::measure(&page, &rec, cfg, stop != Stop::Crashed && !blocked).await;
        if let Some((reasons, task)) = blocking {
            task.abort();
            let reasons = reasons.lock().unwrap_or_else(|p| p.into_inner());
            for (id, why) in reasons.iter() {
                rec.blocked(id, why);
            }
        }
        Ok(Seen {
            rec,
            stop,
            paint,
            blocked,
            trace,
            unused,
            measured,
        })
    }
    .await;
    if !matches!(
        seen,
        Ok(Seen {
            stop: Stop::Crashed,
            ..
        })
    ) {
        let _ = tokio::time::timeout(COMMAND_TIMEOUT, page.close()).await;
    }
    seen
}

/// The navigation's answer: a page that could not be loaded at all is an error; a
/// navigation the crate stopped waiting for (a download never commits) is not, once the
/// document was requested: its request is recorded like any other.
fn navigated_ok(
    r: std::result::Result<
        chromiumoxide::cdp::browser_protocol::page::NavigateReturns,
        chromiumoxide::error::CdpError,
    >,
    url: &Url,
    rec: &record::Recorder,
) -> Result<()> {
    let failed = |message: String| Error::MainDocument {
        url: url.to_string(),
        kind: crate::model::ErrorKind::Other,
        message,
    };
    match r {
        Ok(r) => match r.error_text.filter(|t| !t.is_empty()) {
            Some(text) => Err(failed(text)),
            None => Ok(()),
        },
        Err(_) if rec.start.is_some() => Ok(()),
        Err(e) => Err(browser_err(e)),
    }
}

/// Turns true (or closes) when the browser's connection ends.
type Gone = tokio::sync::watch::Receiver<bool>;

/// Completes when the browser's connection has ended.
async fn ended(gone: &mut Gone) {
    let _ = gone.wait_for(|g| *g).await;
}

/// Longest wait for a page's main thread to answer at the end of a watch.
const MAIN_THREAD_ANSWER: Duration = Duration::from_secs(1);

/// How long a stopped script's renderer is given to send what it held back.
const FLUSH: Duration = Duration::from_millis(300);

/// Whether the page's main thread is blocked (it does not evaluate `0` within
/// [`MAIN_THREAD_ANSWER`]); a blocked one has its running script terminated, so that the
/// renderer can send what it holds back and answer the commands that follow.
async fn stopped_if_blocked(page: &chromiumoxide::Page) -> bool {
    let Ok(probe) = EvaluateParams::builder().expression("0").build() else {
        return false;
    };
    let answer = tokio::time::timeout(MAIN_THREAD_ANSWER, page.execute(probe)).await;
    if matches!(answer, Ok(Ok(_))) {
        return false;
    }
    let stop = page.execute(TerminateExecutionParams::default());
    let _ = tokio::time::timeout(MAIN_THREAD_ANSWER, stop).await;
    true
}

/// Navigates and records until the page is done: the recorder, why the watch ended, and
/// whether the page's main thread was blocked at its end.
///
/// When several events are ready, the limits come first, so that no flood of events can
/// hold them off. (Events of different kinds can be read out of the order the browser sent
/// them in whatever the order here: chromiumoxide fills each kind's stream in turn. The
/// recorder keeps what comes early.) Network activity is a request started, answered or
/// ended, and body bytes (a long download is not done) but an event stream's (it would
/// never let a page end); a socket's messages are not activity either (a chat's would
/// never end).
async fn watch(
    page: &chromiumoxide::Page,
    url: &Url,
    (cfg, launch): (&AuditConfig, &Launch),
    (events, gone): (&dyn EventSink, &mut Gone),
) -> Result<(record::Recorder, Stop, bool)> {
    let mut n = Network::listen(page, cfg).await?;
    let mut p = PageEvents::listen(page).await?;
    let nav = page.execute(NavigateParams::new(url.as_str()));
    let gone = ended(gone);
    let mut rec = record::Recorder::default();
    rec.limits = Some((cfg.max_body_bytes, cfg.max_decoded_bytes));
    let mut clock = Clock::start(cfg.max_time, launch);
    let deadline = tokio::time::sleep_until(clock.far);
    tokio::pin!(gone, deadline, nav);
    let mut navigated = false;
    let stop = loop {
        let done = rec.load_event.is_some() && rec.in_flight() == 0;
        let mut active = true;
        tokio::select! {
            biased;
            _ = &mut deadline => break Stop::Cut,
            () = &mut gone => break Stop::Crashed,
            _ = cancelled(cfg) => break Stop::Cut,
            Some(_) = p.crashed.next() => break Stop::Crashed,
            r = &mut nav, if !navigated => {
                navigated = true;
                navigated_ok(r.map(|r| r.result), url, &rec)?;
            }
            Some(e) = n.sent.next() => {
                rec.sent(&e);
                events.event(Event::Queued { queued: rec.len() });
            }
            Some(e) = n.resp.next() => rec.on_response(&e),
            Some(e) = n.fin.next() => { let u = rec.on_finished(&e); progress(events, u, &rec) }
            Some(e) = n.fail.next() => { let u = rec.on_failed(&e); progress(events, u, &rec) }
            e = n.workers.next() => { active = rec.child_event(e); }
            Some(e) = n.data.next() => { active = rec.data(&e); }
            Some(e) = n.sockets.next() => { active = false; rec.sockets.event(&e); }
            Some(e) = n.popups.next() => { active = false; rec.popups.push(e.url.clone()); }
            // alert(), confirm(), prompt() and beforeunload would stop the page: accepted.
            Some(_) = p.dialogs.next() => {
                active = false;
                let _ = page.execute(HandleJavaScriptDialogParams::new(true)).await;
            }
            Some(e) = p.frames.next() => { active = false; rec.frame_attached(e.frame_id.inner(), e.parent_frame_id.inner()); }
            Some(e) = p.dcl.next() => { active = false; rec.dom_content_loaded(*e.timestamp.inner()); }
            Some(e) = p.loaded.next() => rec.load_event_fired(*e.timestamp.inner()),
            _ = tokio::time::sleep_until(clock.quiet_end()), if done => break Stop::Quiet,
            _ = tokio::time::sleep_until(clock.watch_end()), if clock.loaded_at.is_some() => break Stop::Busy,
        }
        clock.tick(active, &rec);
        if rec.take_over_limit() {
            let _ = page.execute(StopLoadingParams::default()).await;
        }
    };
    let blocked = end_of_watch(page, stop, &mut n, &mut rec).await;
    Ok((rec, stop, blocked))
}

/// A watch's times: its latest end, the last network activity, the load event.
struct Clock {
    /// The time limit's end.
    far: tokio::time::Instant,
    quiet: Duration,
    after_load: Duration,
    quiet_since: tokio::time::Instant,
    loaded_at: Option<tokio::time::Instant>,
}

impl Clock {
    fn start(max_time: Duration, launch: &Launch) -> Clock {
        let now = tokio::time::Instant::now();
        Clock {
            far: now + max_time,
            quiet: launch.quiet,
            after_load: launch.after_load,
            quiet_since: now,
            loaded_at: None,
        }
    }

    /// When the network will have been quiet for the quiet period.
    fn quiet_end(&self) -> tokio::time::Instant {
        self.quiet_since + self.quiet
    }

    /// The longest watch: `after_load` past the load event, else the time limit.
    fn watch_end(&self) -> tokio::time::Instant {
        self.loaded_at.map_or(self.far, |t| t + self.after_load)
    }

    /// After an event: activity restarts the quiet period; the load event is the page's
    /// once its document's request is known, which may be read after it.
    fn tick(&mut self, active: bool, rec: &record::Recorder) {
        if active {
            self.quiet_since = tokio::time::Instant::now();
        }
        self.loaded_at = (self.loaded_at).or(rec.load_event.map(|_| tokio::time::Instant::now()));
    }
}

/// The end of a watch: a page whose main thread is blocked has its script stopped and a
/// moment to hand over what it held back; what the browser sent before the end is read.
/// Whether the main thread was blocked.
async fn end_of_watch(
    page: &chromiumoxide::Page,
    stop: Stop,
    n: &mut Network,
    rec: &mut record::Recorder,
) -> bool {
    let blocked = stop != Stop::Crashed && stopped_if_blocked(page).await;
    if blocked {
        tokio::time::sleep(FLUSH).await;
    }
    n.drain(rec);
    blocked
}

/// The page's own events a watch reads.
struct PageEvents {
    loaded: EventStream<EventLoadEventFired>,
    dcl: EventStream<EventDomContentEventFired>,
    dialogs: EventStream<EventJavascriptDialogOpening>,
    frames: EventStream<EventFrameAttached>,
    crashed: EventStream<EventTargetCrashed>,
}

impl PageEvents {
    async fn listen(page: &chromiumoxide::Page) -> Result<PageEvents> {
        Ok(PageEvents {
            loaded: listen(page).await?,
            dcl: listen(page).await?,
            dialogs: listen(page).await?,
            frames: listen(page).await?,
            crashed: listen(page).await?,
        })
    }
}

/// Tells `events` a request ended (its URL, whether it failed), for progress.
fn progress(events: &dyn EventSink, url: Option<(String, bool)>, rec: &record::Recorder) {
    if let Some((url, failed)) = url {
        let done = rec.len().saturating_sub(rec.in_flight());
        events.event(Event::Finished { url, failed, done });
    }
}

/// The network events of a page and of its workers.
struct Network {
    sent: EventStream<net::EventRequestWillBeSent>,
    resp: EventStream<net::EventResponseReceived>,
    data: EventStream<net::EventDataReceived>,
    fin: EventStream<net::EventLoadingFinished>,
    fail: EventStream<net::EventLoadingFailed>,
    /// `window.open` and the like: popups the page tried to open.
    popups: EventStream<EventWindowOpen>,
    workers: children::Children,
    sockets: sockets::SocketEvents,
}

impl Network {
    async fn listen(page: &chromiumoxide::Page, cfg: &AuditConfig) -> Result<Network> {
        Ok(Network {
            sent: listen(page).await?,
            resp: listen(page).await?,
            data: listen(page).await?,
            fin: listen(page).await?,
            fail: listen(page).await?,
            popups: listen(page).await?,
            workers: children::watch(page, cfg).await?,
            sockets: sockets::listen(page).await?,
        })
    }

    /// What the browser sent before the watch ended is kept: events already delivered are
    /// read, in the order of their kinds' life (start, head, end).
    fn drain(&mut self, rec: &mut record::Recorder) {
        use futures_util::FutureExt;
        while let Some(Some(e)) = self.sent.next().now_or_never() {
            rec.sent(&e);
        }
        while let Some(Some(e)) = self.resp.next().now_or_never() {
            rec.on_response(&e);
        }
        while let Some(Some(e)) = self.data.next().now_or_never() {
            rec.data(&e);
        }
        while let Some(Some(e)) = self.fin.next().now_or_never() {
            rec.on_finished(&e);
        }
        while let Some(Some(e)) = self.fail.next().now_or_never() {
            rec.on_failed(&e);
        }
        for e in self.workers.ready() {
            rec.child_event(e);
        }
        while let Some(Some(e)) = self.sockets.next().now_or_never() {
            rec.sockets.event(&e);
        }
        while let Some(Some(e)) = self.popups.next().now_or_never() {
            rec.popups.push(e.url.clone());
        }
    }
}

async fn cancelled(cfg: &AuditConfig) {
    match &cfg.cancel {
        Some(c) => c.cancelled().await,
        None => std::future::pending().await,
    }
}

fn build(
    url: &Url,
    launch: &Launch,
    seen: Seen,
    started_unix_ms: u64,
    cfg: &AuditConfig,
    vp: &Viewport,
) -> Result<Load> {
    let (mut rec, stop, blocked) = (seen.rec, seen.stop, seen.blocked);
    if rec.is_empty() {
        return Err(no_request(url));
    }
    if let Ok(t) = &seen.trace {
        rec.adopt_senders(&crate::trace::senders::senders(&t.events));
    }
    let (mut entries, ttfb) = rec.entries(rec.last);
    attach_measures(&mut entries, seen.measured);
    let mut page_metrics = rec.page_metrics(seen.paint.as_ref());
    page_metrics.visual = (seen.trace.as_ref().ok())
        .and_then(|t| crate::trace::visual::visual_metrics(&t.events, rec.start? * 1000.0));
    let final_url = (entries.iter())
        .find(|e| e.resource_type == crate::model::ResourceType::Document && !e.is_redirect())
        .map_or_else(|| url.to_string(), |e| e.url.clone());
    let mut notes = notes(&rec, (stop, blocked), launch, url);
    write_trace(launch, &seen.trace, (url, rec.start), &mut notes)?;
    let main_thread = traced_main_thread(seen.trace, cfg, rec.start, &mut notes);
    let interrupted = (cfg.cancel.as_ref()).is_some_and(crate::config::Cancel::is_cancelled);
    let partial_causes = partial_causes(stop, interrupted, rec.over_limit(), blocked);
    let unused_code = seen.unused.map(|u| unused_code(&entries, u));
    Ok(Load {
        tool: concat!("pagecost ", env!("CARGO_PKG_VERSION"), " (chromium)").to_string(),
        url: url.to_string(),
        final_url,
        started_unix_ms,
        settings: settings(cfg, vp),
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
        partial: !partial_causes.is_empty(),
        partial_causes,
        local: None,
        page_metrics,
        third_party_tags: Vec::new(),
        main_thread,
        unused_code,
        carbon: None,
        data_cost: None,
        savings: None,
    })
}

/// Sets each measured entry's `compressed` or `recoded` (`--savings`).
fn attach_measures(entries: &mut [crate::model::Entry], measured: Vec<(usize, Measure)>) {
    for (i, m) in measured {
        match (entries.get_mut(i), m) {
            (Some(e), Measure::Text(c)) => e.compressed = Some(c),
            (Some(e), Measure::Image(r)) => e.recoded = Some(r),
            (None, _) => {}
        }
    }
}

/// The error of a load in which the browser made no request at all.
fn no_request(url: &Url) -> Error {
    Error::MainDocument {
        url: url.to_string(),
        kind: crate::model::ErrorKind::Other,
        message: "the browser made no request".into(),
    }
}

/// The load's trace into [`Launch::trace_out`], when asked: an error when it cannot be
/// written; when there is none, a note says why the file is empty.
fn write_trace(
    launch: &Launch,
    trace: &std::result::Result<trace::Traced, trace::Untraced>,
    (url, origin_s): (&Url, Option<f64>),
    notes: &mut Vec<String>,
) -> Result<()> {
    let Some(path) = &launch.trace_out else {
        return Ok(());
    };
    match trace {
        Ok(t) => trace::write(path, t, url, origin_s),
        Err(why) => {
            notes.push(format!("{} is left empty: {why}", path.display()));
            Ok(())
        }
    }
}

/// The main thread's work from the load's trace (at the CPU slowdown the load ran with), on
/// the entries' time axis, which starts at `origin`; what the trace could not tell, noted.
fn traced_main_thread(
    trace: std::result::Result<trace::Traced, trace::Untraced>,
    cfg: &AuditConfig,
    origin: Option<f64>,
    notes: &mut Vec<String>,
) -> Option<crate::trace::MainThread> {
    let slowdown = cfg.throttle.as_ref().map_or(1.0, |p| p.cpu_slowdown());
    let (mut main_thread, trace_notes) = main_thread(trace, slowdown);
    if let (Some(m), Some(origin)) = (&mut main_thread, origin) {
        m.on_axis(origin);
    }
    notes.extend(trace_notes);
    main_thread
}

/// Each script's and stylesheet's unused code in bytes: its share applied to the decoded
/// bytes of the request that fetched it (a script or stylesheet the page's own requests
/// fetched; inline code is the document's and left out), the least used where the page ran
/// it twice, the most unused bytes first.
fn unused_code(
    entries: &[crate::model::Entry],
    shares: Vec<(crate::trace::unused::CodeKind, String, f64)>,
) -> Vec<crate::trace::unused::UnusedCode> {
    use crate::model::ResourceType;
    use crate::trace::unused::{CodeKind, UnusedCode};
    let mut by_url: std::collections::BTreeMap<(String, CodeKind), f64> = Default::default();
    for (kind, url, share) in shares {
        let slot = by_url.entry((url, kind)).or_insert(share);
        *slot = slot.min(share);
    }
    let mut out: Vec<UnusedCode> = (by_url.into_iter())
        .filter_map(|((url, kind), share)| {
            let want = match kind {
                CodeKind::Script => ResourceType::Script,
                CodeKind::Stylesheet => ResourceType::Stylesheet,
            };
            let e = (entries.iter()).find(|e| e.url == url && e.resource_type == want)?;
            Some(UnusedCode::new(url, kind, e.decoded_bytes, share))
        })
        .collect();
    out.sort_by(|a, b| b.unused_bytes.cmp(&a.unused_bytes).then(a.url.cmp(&b.url)));
    out
}

/// What the page's popups are, as a note says (after their count and URLs).
const POPUPS: (&str, &str) = (
    "popup window",
    "blocked, as a visitor's browser blocks popups they did not ask for: their requests are \
     not in this load (the browser flag --disable-popup-blocking lets them open, uncounted)",
);

/// What the page's downloads are, as a note says.
const DOWNLOADS: (&str, &str) = (
    "download",
    "refused (pagecost saves no file a page sends): their bytes are not in this load",
);

/// "the page tried to open 3 popup windows (URL, URL, URL): WHAT", naming a few.
fn listed_note(urls: &[String], (noun, what): (&str, &str)) -> Option<String> {
    let n = urls.len();
    if n == 0 {
        return None;
    }
    let mut named: Vec<String> = (urls.iter().take(NAVIGATIONS_NAMED))
        .map(|u| crate::model::urls::redact_url(u))
        .collect();
    if n > NAVIGATIONS_NAMED {
        named.push(format!("and {} more", n - NAVIGATIONS_NAMED));
    }
    let verb = if noun == POPUPS.0 {
        "tried to open"
    } else {
        "started"
    };
    let plural = if n == 1 { "" } else { "s" };
    Some(format!(
        "the page {verb} {n} {noun}{plural} ({}): {what}",
        named.join(", ")
    ))
}

/// The main thread's costs from the load's trace, and notes when they are unknown or
/// incomplete, or measured under a CPU slowdown.
fn main_thread(
    traced: std::result::Result<trace::Traced, trace::Untraced>,
    slowdown: f64,
) -> (Option<crate::trace::MainThread>, Vec<String>) {
    let t = match traced {
        Ok(t) => t,
        Err(why) => return (None, vec![format!("{why}: main-thread time is unknown")]),
    };
    let costs = crate::trace::tasks::main_thread(&t.events);
    let note = match (&costs, t.cut) {
        (None, _) => {
            Some("the load's trace has no renderer main thread: main-thread time is unknown".into())
        }
        (Some(_), true) => Some(format!(
            "the load's trace was cut (past {} events, or the browser's trace buffer was full): \
             main-thread times are lower bounds",
            trace::MAX_EVENTS
        )),
        (Some(_), false) => None,
    };
    let slowed = (costs.is_some() && slowdown > 1.0).then(|| {
        format!("main-thread times are measured under a {slowdown}x CPU slowdown (the profile's)")
    });
    (costs, note.into_iter().chain(slowed).collect())
}

/// Most documents a navigation note names.
const NAVIGATIONS_NAMED: usize = 4;

/// What a reader must know of a page whose own frame went on to other documents (a script's
/// `location =`, a reload, a refresh): how many, which, and where it ended.
fn navigation_note(page: &str, navigations: &[String]) -> Option<String> {
    let last = navigations.last()?;
    let n = navigations.len();
    let reloads = std::iter::once(page)
        .chain(navigations.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] == w[1])
        .count();
    let reloads = match reloads {
        0 => String::new(),
        r => format!(", {r} of them reloading the same URL"),
    };
    let redact = |u: &str| crate::model::urls::redact_url(u);
    let mut named: Vec<String> = navigations
        .iter()
        .take(NAVIGATIONS_NAMED)
        .map(|u| redact(u))
        .collect();
    if n > NAVIGATIONS_NAMED {
        named.push("…".into());
        named.push(redact(last));
    }
    let times = if n == 1 { "time" } else { "times" };
    Some(format!(
        "the page navigated {n} {times} after its first document{reloads} ({}), ending at {last}: \
         every document's requests are in this load, and those a navigation cut off are \
         marked cancelled",
        named.join(" -> "),
        last = redact(last),
    ))
}

/// Why a load is partial, from how its watch ended.
fn partial_causes(
    stop: Stop,
    interrupted: bool,
    over_limit: bool,
    blocked: bool,
) -> Vec<PartialCause> {
    let by_stop = match stop {
        Stop::Quiet => None,
        Stop::Busy => Some(PartialCause::BusyAfterLoad),
        Stop::Cut if interrupted => Some(PartialCause::Interrupted),
        Stop::Cut => Some(PartialCause::TimeLimit),
        Stop::Crashed => Some(PartialCause::Crashed),
    };
    let by_limit = over_limit.then_some(PartialCause::OverLimit);
    let by_block = blocked.then_some(PartialCause::MainThreadBlocked);
    [by_stop, by_limit, by_block]
        .into_iter()
        .flatten()
        .collect()
}

/// What a reader of the load must know: what the browser engine includes and leaves out,
/// where the page went and what it tried to open, and why a load is partial.
fn notes(
    rec: &record::Recorder,
    (stop, blocked): (Stop, bool),
    launch: &Launch,
    url: &Url,
) -> Vec<String> {
    let mut notes = vec!["browser engine: requests made by scripts are included".to_string()];
    if rec.favicon_probes > 0 {
        notes.push("the browser's own /favicon.ico probe is left out: it is not the page's".into());
    }
    let workers = rec.unanswered_workers();
    if workers > 0 {
        notes.push(format!(
            "{workers} requests were made for workers whose answers pagecost did not see (a \
             shared worker, or one nested more than 4 deep): their status and size are unknown"
        ));
    }
    let compressed = rec.sockets.compressed();
    if compressed > 0 {
        notes.push(format!(
            "{compressed} WebSocket(s) compressed their messages (permessage-deflate): their \
             bytes are the payloads as the page received them, more than went over the wire"
        ));
    }
    match stop {
        Stop::Quiet => {}
        Stop::Busy => notes.push(format!(
            "the page was still busy {} s after its load event (polling, or a request that \
             hangs): this load is partial",
            launch.after_load.as_secs_f64()
        )),
        Stop::Cut => {
            notes.push("the page was still loading at the time limit: this load is partial".into())
        }
        Stop::Crashed => notes
            .push("the browser crashed or was killed during the load: this load is partial".into()),
    }
    if rec.over_limit() {
        notes.push(
            "a body passed its size limit (--max-body, --max-decoded): the page's loading was \
             stopped there (as Esc stops it), so this load is partial"
                .into(),
        );
    }
    notes.extend(navigation_note(url.as_str(), &rec.navigations));
    notes.extend(listed_note(&rec.popups, POPUPS));
    notes.extend(listed_note(&rec.downloads, DOWNLOADS));
    if blocked {
        notes.push(
            "the page's main thread was blocked at the end of the watch (a script that never \
             yields): pagecost stopped the script; this load is partial"
                .into(),
        );
    }
    notes
}

/// The settings a browser load was made with (the user agent is set by the caller).
fn settings(cfg: &AuditConfig, vp: &Viewport) -> LoadSettings {
    LoadSettings {
        user_agent: String::new(),
        concurrency: 0,
        per_origin: 0,
        // No time limit per request (`check_supported`): 0, as the limits above.
        timeout_ms: 0,
        viewport: format!("{}x{}", vp.width, vp.height),
        dpr: vp.dpr,
        throttle: cfg.throttle.clone(),
        browser: Some("chromium".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_says_why_it_is_partial() {
        use PartialCause::*;
        assert!(partial_causes(Stop::Quiet, false, false, false).is_empty());
        assert_eq!(
            partial_causes(Stop::Cut, false, false, true),
            [TimeLimit, MainThreadBlocked]
        );
        assert_eq!(partial_causes(Stop::Cut, true, false, false), [Interrupted]);
        assert_eq!(
            partial_causes(Stop::Busy, false, true, false),
            [BusyAfterLoad, OverLimit]
        );
        assert_eq!(
            partial_causes(Stop::Crashed, false, false, false),
            [Crashed]
        );
    }

    #[test]
    fn flags_that_are_not_switches_or_are_pagecosts_own_are_refused() {
        let check = |f: &str| check_flags(&[f.to_string()]).map_err(|e| e.to_string());
        assert!(check("--disable-features=AsyncDns").is_ok());
        assert!(check("--mute-audio").is_ok());
        for bad in [
            "mute-audio",
            "-x",
            "--",
            "--user-data-dir=/tmp/x",
            "--remote-debugging-port",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check("--user-data-dir=/x").unwrap_err(),
            "browser switch --user-data-dir=/x: pagecost sets this switch itself"
        );
    }

    /// Each setting of the static engine the browser cannot apply is refused when given,
    /// naming itself; the defaults and the limits the browser applies pass.
    #[test]
    fn settings_the_browser_cannot_apply_are_refused() {
        let ok = AuditConfig {
            max_time: Duration::from_secs(9),
            max_body_bytes: 1000,
            ..Default::default()
        };
        assert!(check_supported(&ok).is_ok());
        type Set = fn(&mut AuditConfig);
        let refused: [(Set, &str); 7] = [
            (|c| c.concurrency = 8, "concurrency 8"),
            (|c| c.per_origin = 2, "per-origin concurrency 2"),
            (|c| c.timeout = Duration::from_millis(1500), "timeout 1.5s"),
            (
                |c| c.connect_timeout = Duration::from_secs(2),
                "connect timeout 2s",
            ),
            (|c| c.max_redirects = 3, "redirect limit 3"),
            (|c| c.max_frame_depth = 1, "frame depth limit 1"),
            (|c| c.max_refs_per_doc = 5, "reference limit 5"),
        ];
        for (set, said) in refused {
            let mut cfg = AuditConfig::default();
            set(&mut cfg);
            let e = check_supported(&cfg).unwrap_err().to_string();
            assert!(e.starts_with(&format!("{said}: ")), "{e}");
        }
    }
}
