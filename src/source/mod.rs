//! Where a [`Load`] comes from: the one place a source is chosen. Jobs take a [`Source`] and
//! call [`Source::load`]; they never ask which kind it is.
//!
//! Sources today: a URL, or a local file or folder served on loopback, loaded by the static
//! engine (`crate::load`) or by headless Chromium (`crate::browser`, the `browser` feature);
//! and a HAR file (a load recorded by a browser), with the trace recorded beside it when
//! there is one. Every load, whatever its source, goes through
//! [`Load::finalize`](crate::model::Load::finalize): parties classified, credentials
//! redacted, totals summed; then its carbon, and its data cost when a price is asked for.

pub mod target;

use crate::config::AuditConfig;
use crate::error::Result;
use crate::events::EventSink;
use crate::extract::Viewport;
use crate::model::Load;
use crate::source::target::{prepare, serve_also, Prepared, Target};
use std::path::PathBuf;
use url::Url;

/// Which engine loads pages that are not recordings.
#[derive(Debug, Clone, Default)]
pub enum Engine {
    /// No browser: HTML and CSS parsed, requests made as a browser would (the default).
    #[default]
    Static,
    /// Headless Chromium: what scripts request too. The browsers it runs are shared by the
    /// job's loads and end when the last clone of the engine is dropped.
    #[cfg(feature = "browser")]
    Chromium(std::sync::Arc<crate::browser::Browsers>),
}

/// A target made loadable.
pub struct Source {
    kind: Kind,
}

enum Kind {
    /// Loaded by the static engine (a local folder is served while the source lives).
    Static(Box<Prepared>),
    /// Read from a HAR file: its one recorded load (`browser`: the browser engine was asked
    /// for, which a recording makes moot).
    Har {
        path: PathBuf,
        page: Option<usize>,
        trace: Option<PathBuf>,
        browser: bool,
    },
    /// Loaded by a headless browser (a local folder is served while the source lives).
    #[cfg(feature = "browser")]
    Browser(
        Box<Prepared>,
        PathBuf,
        std::sync::Arc<crate::browser::Browsers>,
    ),
}

impl Source {
    /// Opens a target: a local file or folder is served on a loopback port (and `also`
    /// folders as other hosts) for as long as the source lives.
    pub async fn open(
        target: &Target,
        engine: &Engine,
        also: &[(String, PathBuf)],
    ) -> Result<Source> {
        if let Target::Har { path, page, trace } = target {
            let (path, page, trace) = (path.clone(), *page, trace.clone());
            let browser = !matches!(engine, Engine::Static);
            return Ok(Source {
                kind: Kind::Har {
                    path,
                    page,
                    trace,
                    browser,
                },
            });
        }
        #[cfg(feature = "browser")]
        let exe = match engine {
            Engine::Chromium(b) => {
                let exe = crate::browser::find(&b.launch.browser)?;
                Some((exe, std::sync::Arc::clone(b)))
            }
            Engine::Static => None,
        };
        #[cfg(not(feature = "browser"))]
        let _ = engine;
        let mut p = prepare(target).await?;
        serve_also(&mut p, also).await?;
        #[cfg(feature = "browser")]
        if let Some((exe, pool)) = exe {
            return Ok(Source {
                kind: Kind::Browser(Box::new(p), exe, pool),
            });
        }
        // The static engine shows its folder servers a key: no one else reads through them.
        p.require_key()?;
        Ok(Source {
            kind: Kind::Static(Box::new(p)),
        })
    }

    /// What reports call it: the URL loaded, or the HAR file.
    pub fn name(&self) -> String {
        use crate::model::urls::redact_url;
        match &self.kind {
            Kind::Static(p) => redact_url(p.url.as_str()),
            #[cfg(feature = "browser")]
            Kind::Browser(p, ..) => redact_url(p.url.as_str()),
            Kind::Har { path, .. } => path.display().to_string(),
        }
    }

    /// The URL a crawl starts from (`None` for a recording).
    pub fn url(&self) -> Option<&Url> {
        match &self.kind {
            Kind::Static(p) => Some(&p.url),
            #[cfg(feature = "browser")]
            Kind::Browser(p, ..) => Some(&p.url),
            Kind::Har { .. } => None,
        }
    }

    /// The settings loads of this source's pages need: its folder servers' routes and key.
    pub fn config(&self, cfg: &AuditConfig) -> AuditConfig {
        match &self.kind {
            Kind::Static(p) => p.config(cfg),
            #[cfg(feature = "browser")]
            Kind::Browser(p, ..) => p.config(cfg),
            Kind::Har { .. } => cfg.clone(),
        }
    }

    /// Whether loading again measures again (a recording is one load, whatever the runs).
    pub fn repeatable(&self) -> bool {
        !matches!(self.kind, Kind::Har { .. })
    }

    /// One load.
    pub async fn load(
        &self,
        cfg: &AuditConfig,
        vp: &Viewport,
        events: &dyn EventSink,
    ) -> Result<Load> {
        let mut load = match &self.kind {
            Kind::Static(p) => p.load(cfg, vp, events).await?,
            #[cfg(feature = "browser")]
            Kind::Browser(p, exe, pool) => {
                let confined = p.confine_to_references(cfg, vp).await;
                let cfg = p.config(cfg);
                let mut l = crate::browser::load(&p.url, pool, exe, &cfg, vp, events).await?;
                p.annotate(&mut l);
                l.notes.extend(confined);
                l
            }
            Kind::Har {
                path,
                page,
                trace,
                browser,
            } => {
                let mut l = crate::har::read(path, *page)?;
                l.notes.extend(moot_for_a_recording(cfg, *browser));
                if let Some(t) = trace {
                    attribute_trace(&mut l, t)?;
                }
                l
            }
        };
        let added: Vec<String> = cfg.headers.iter().map(|(n, _)| n.clone()).collect();
        let secrets = crate::model::secrets::Secrets {
            keep: cfg.keep_secrets,
            added: &added,
        };
        load.finalize(&cfg.first_party, &secrets);
        load.carbon = Some(cfg.carbon.of(&load));
        // A recording keeps the data cost it was made with, unless a price is asked for.
        if let Some(price) = &cfg.data_price {
            load.data_cost = Some(price.of(&load));
        }
        if cfg.savings {
            let (bytes, local) = (load.totals.transfer_bytes, load.local.is_some());
            let s = crate::model::savings::Savings::of(&load.entries, bytes, local);
            load.savings = Some(s);
        }
        Ok(load)
    }
}

/// Largest trace file read beside a HAR (a busy page's DevTools trace is some tens of
/// megabytes).
const MAX_TRACE_BYTES: u64 = 1024 * 1024 * 1024;

/// Reads the trace recorded with a HAR's load (JSON, gzipped or not) and attributes its main
/// thread as for a live load; a trace with no renderer main thread leaves the time unknown,
/// and says so.
fn attribute_trace(load: &mut Load, path: &std::path::Path) -> Result<()> {
    let invalid = |reason: String| crate::error::Error::InvalidInput {
        input: path.display().to_string(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| invalid(e.to_string()))?
        .len();
    if size > MAX_TRACE_BYTES {
        return Err(invalid(format!(
            "{size} bytes, over the {MAX_TRACE_BYTES} read"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| invalid(e.to_string()))?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut s = String::new();
        let mut gz = flate2::read::GzDecoder::new(&bytes[..]).take(MAX_TRACE_BYTES);
        gz.read_to_string(&mut s)
            .map_err(|e| invalid(format!("not a gzipped JSON trace: {e}")))?;
        s
    } else {
        String::from_utf8(bytes).map_err(|_| invalid("not UTF-8 JSON".into()))?
    };
    let trace = crate::trace::parse(&text).map_err(invalid)?;
    load.main_thread = crate::trace::tasks::main_thread(&trace.events);
    // A recording's entries and its trace share no clock, unless pagecost wrote the trace
    // with its load (`--trace-out`): then tasks are placed on the entries' axis as live.
    if let Some(m) = &mut load.main_thread {
        match trace.origin_s {
            Some(origin) => m.on_axis(origin),
            None => m.timeline.clear(),
        }
    }
    if let Some(origin) = trace.origin_s {
        let visual = crate::trace::visual::visual_metrics(&trace.events, origin * 1000.0);
        load.page_metrics.visual = visual;
    }
    let name = path.display();
    load.notes.push(match &load.main_thread {
        Some(_) => format!("main-thread time from the trace {name}, recorded with the HAR"),
        None => {
            format!("the trace {name} has no renderer main thread: main-thread time is unknown")
        }
    });
    Ok(())
}

/// What a recording makes moot, said rather than silently ignored: a HAR is imported as
/// it was recorded, whatever engine or network profile the job asked for.
fn moot_for_a_recording(cfg: &AuditConfig, browser: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if browser {
        notes.push("--engine chromium does not apply: a HAR is a recorded load".to_string());
    }
    if let Some(p) = &cfg.throttle {
        notes.push(format!(
            "--throttle {} does not apply: a HAR is a recorded load (--estimate estimates it on \
             that network)",
            p.name
        ));
    }
    notes
}

/// Audits a target once with the static engine (a HAR is imported, not loaded): the
/// library's one-call entry point.
pub async fn audit(
    target: &Target,
    cfg: &AuditConfig,
    vp: &Viewport,
    events: &dyn EventSink,
) -> Result<Load> {
    Source::open(target, &Engine::Static, &[])
        .await?
        .load(cfg, vp, events)
        .await
}
