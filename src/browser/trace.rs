//! The load's trace, recorded over DevTools' Tracing domain from before the navigation to
//! the end of the watch, in the categories DevTools' performance panel and Lighthouse record
//! main-thread work in. Events stream in as the browser reports them and are read as they
//! come, by a task of their own, into a bounded buffer: a page that spins for minutes cannot
//! grow pagecost's memory without limit (the browser's own buffer is bounded too), and a
//! trace cut short says so.

use crate::trace::TraceEvent;
use chromiumoxide::cdp::browser_protocol::tracing::{
    EndParams, EventDataCollected, EventTracingComplete, StartParams, StartTransferMode,
    TraceConfig, TraceConfigRecordMode,
};
use futures_util::StreamExt;
use std::time::Duration;

/// What is recorded: main-thread tasks and what runs in them, script URLs and stacks,
/// frames and their processes, and the screenshots of what the page painted.
const CATEGORIES: [&str; 5] = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "v8.execute",
    "loading",
    crate::trace::visual::CATEGORY,
];

/// Most events kept from one load (a few hundred bytes each: about a gigabyte would be
/// far past any page's; a busy page's load is some tens of thousands).
pub const MAX_EVENTS: usize = 2_000_000;

/// The browser's own buffer for the trace, kilobytes.
const BROWSER_BUFFER_KB: f64 = 400_000.0;

/// Longest wait for the browser to hand over the end of the trace of a page that was done
/// (it is usually a fraction of a second; three browsers flushing at once on a loaded
/// two-core machine took more than 5 s).
const FLUSH_TIMEOUT: Duration = Duration::from_secs(15);

/// The same for a load cut short (the time limit, Ctrl-C, a crash): its limit must hold.
const CUT_FLUSH_TIMEOUT: Duration = Duration::from_secs(1);

/// Why a load has no trace.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Untraced {
    /// The browser was tracing another load (loads side by side past the browsers allowed
    /// share one, which records one trace at a time).
    Busy,
    /// Tracing was turned off.
    Off,
    /// The browser refused to start tracing.
    Refused(String),
    /// The browser did not hand the trace over in time.
    NotHandedOver,
}

impl std::fmt::Display for Untraced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Untraced::Busy => f.write_str(
                "the browser was tracing another page loaded side by side (it traces one at a \
                 time)",
            ),
            Untraced::Off => f.write_str("no trace was recorded (tracing was turned off)"),
            Untraced::Refused(why) => write!(f, "the browser refused to trace ({why})"),
            Untraced::NotHandedOver => {
                f.write_str("the browser did not hand over the load's trace in time")
            }
        }
    }
}

/// A trace being recorded.
pub(super) struct Recording {
    task: tokio::task::JoinHandle<Traced>,
}

/// A load's trace as read.
#[derive(Debug, Default)]
pub(super) struct Traced {
    /// The events, as many as [`MAX_EVENTS`].
    pub events: Vec<TraceEvent>,
    /// Events were lost: past [`MAX_EVENTS`], or the browser's buffer was full.
    pub cut: bool,
    /// The events as the browser sent them, every field kept (for `--trace-out`); empty
    /// unless asked for.
    pub raw: Vec<serde_json::Value>,
}

/// Starts recording the page's trace; its events kept as sent too when `keep_raw`.
pub(super) async fn start(
    page: &chromiumoxide::Page,
    keep_raw: bool,
) -> std::result::Result<Recording, Untraced> {
    let refused = |e: chromiumoxide::error::CdpError| Untraced::Refused(e.to_string());
    let mut data = page
        .event_listener::<EventDataCollected>()
        .await
        .map_err(refused)?;
    let mut complete = page
        .event_listener::<EventTracingComplete>()
        .await
        .map_err(refused)?;
    let config = TraceConfig {
        record_mode: Some(TraceConfigRecordMode::RecordUntilFull),
        trace_buffer_size_in_kb: Some(BROWSER_BUFFER_KB),
        included_categories: Some(CATEGORIES.iter().map(|c| c.to_string()).collect()),
        excluded_categories: Some(vec!["*".into()]),
        ..TraceConfig::default()
    };
    let start = StartParams {
        transfer_mode: Some(StartTransferMode::ReportEvents),
        trace_config: Some(config),
        ..StartParams::default()
    };
    let task = tokio::spawn(async move {
        let mut traced = Traced::default();
        loop {
            tokio::select! {
                Some(chunk) = data.next() => keep(&mut traced, &chunk.value, keep_raw),
                done = complete.next() => {
                    traced.cut |= done.is_none_or(|d| d.data_loss_occurred);
                    // What came with the end, already delivered, is the trace's too.
                    use futures_util::FutureExt;
                    while let Some(Some(chunk)) = data.next().now_or_never() {
                        keep(&mut traced, &chunk.value, keep_raw);
                    }
                    return traced;
                }
            }
        }
    });
    if let Err(e) = page.execute(start).await {
        task.abort();
        return Err(refused(e));
    }
    Ok(Recording { task })
}

/// Reads a chunk of events into the buffer, up to [`MAX_EVENTS`] (and as sent, when
/// `keep_raw`).
fn keep(traced: &mut Traced, chunk: &[serde_json::Value], keep_raw: bool) {
    for v in chunk {
        if traced.events.len() >= MAX_EVENTS {
            traced.cut = true;
            return;
        }
        if let Ok(e) = serde_json::from_value::<TraceEvent>(v.clone()) {
            traced.events.push(e);
        }
        if keep_raw {
            traced.raw.push(v.clone());
        }
    }
}

/// Writes a load's trace in Chrome's JSON trace format (an object with `traceEvents`, as
/// DevTools saves it, which its Performance panel and Perfetto open), gzipped when the
/// file's name ends in `.gz`; `metadata` says what pagecost recorded it from, and `origin_s`
/// where the load's entries start on the trace's clock (seconds).
pub(super) fn write(
    path: &std::path::Path,
    t: &Traced,
    url: &url::Url,
    origin_s: Option<f64>,
) -> crate::error::Result<()> {
    use std::io::Write;
    let io = |source| crate::error::Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let mut out: Box<dyn Write> = if gz {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::default(),
        ))
    } else {
        Box::new(file)
    };
    let metadata = serde_json::json!({
        "source": concat!("pagecost ", env!("CARGO_PKG_VERSION")),
        "url": crate::model::urls::redact_url(url.as_str()),
        "cut": t.cut,
        "pagecost-origin-s": origin_s,
    });
    let whole = serde_json::json!({ "traceEvents": &t.raw, "metadata": metadata });
    serde_json::to_writer(&mut out, &whole).map_err(|e| io(e.into()))?;
    out.flush().map_err(io)
}

/// Ends the recording: the trace, unless the browser does not hand it over within its
/// time (`done`: the page was done; else the load was cut short, and its limit holds).
pub(super) async fn finish(
    page: &chromiumoxide::Page,
    mut rec: Recording,
    done: bool,
) -> std::result::Result<Traced, Untraced> {
    let wait = if done {
        FLUSH_TIMEOUT
    } else {
        CUT_FLUSH_TIMEOUT
    };
    let read = async {
        page.execute(EndParams::default()).await.ok()?;
        (&mut rec.task).await.ok()
    };
    match tokio::time::timeout(wait, read).await {
        Ok(Some(traced)) => Ok(traced),
        _ => {
            rec.task.abort();
            Err(Untraced::NotHandedOver)
        }
    }
}
