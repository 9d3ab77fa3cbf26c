//! What a page's main thread spent, from a Chromium trace: the trace's events, the task tree
//! of each renderer main thread ([`tasks`]), and the time of each task grouped as DevTools
//! groups it and attributed to the script or document responsible.
//!
//! Pure: the browser engine records the trace (`browser/trace.rs`); a trace from anywhere
//! else in Chrome's JSON trace format reads the same way.

pub mod senders;
pub mod tasks;
pub mod unused;
pub mod visual;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One trace event: the fields the analysis reads (times in microseconds).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TraceEvent {
    /// The event's name (`RunTask`, `FunctionCall`, `ParseHTML` ...).
    pub name: String,
    /// Its categories, comma-separated.
    #[serde(default)]
    pub cat: String,
    /// Its phase: `X` complete, `B`/`E` begin and end, `M` metadata, `I` instant ...
    #[serde(default)]
    pub ph: String,
    /// Start, microseconds.
    #[serde(default)]
    pub ts: f64,
    /// Duration of a complete event, microseconds.
    #[serde(default)]
    pub dur: Option<f64>,
    /// Process.
    #[serde(default)]
    pub pid: i64,
    /// Thread.
    #[serde(default)]
    pub tid: i64,
    /// The event's arguments.
    #[serde(default)]
    pub args: serde_json::Value,
}

/// How DevTools and Lighthouse group main-thread work.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskGroup {
    /// Running scripts: evaluation, function calls, timers, event handlers, microtasks.
    ScriptEvaluation,
    /// Parsing and compiling scripts.
    ScriptParseCompile,
    /// Parsing HTML and CSS.
    ParseHtmlCss,
    /// Style recalculation and layout.
    StyleLayout,
    /// Paint, compositing, rasterizing.
    PaintCompositeRender,
    /// Garbage collection.
    GarbageCollection,
    /// Everything else (the tasks' own bookkeeping, events the groups do not name).
    Other,
}

impl TaskGroup {
    /// The group of a trace event by its name; `None` for a name no group claims (its time
    /// goes to the group of the event it runs inside).
    pub fn of(name: &str) -> Option<TaskGroup> {
        use TaskGroup::*;
        Some(match name {
            "EvaluateScript"
            | "v8.evaluateModule"
            | "FunctionCall"
            | "TimerFire"
            | "FireIdleCallback"
            | "FireAnimationFrame"
            | "RunMicrotasks"
            | "V8.Execute"
            | "EventDispatch"
            | "XHRReadyStateChange"
            | "XHRLoad" => ScriptEvaluation,
            "v8.compile"
            | "v8.compileModule"
            | "V8.CompileCode"
            | "v8.produceCache"
            | "v8.produceModuleCache"
            | "v8.deserializeOnBackground"
            | "CacheScript" => ScriptParseCompile,
            "ParseHTML" | "ParseAuthorStyleSheet" => ParseHtmlCss,
            "ScheduleStyleRecalculation"
            | "UpdateLayoutTree"
            | "RecalculateStyles"
            | "InvalidateLayout"
            | "Layout" => StyleLayout,
            "Animation" | "HitTest" | "PaintSetup" | "Paint" | "PaintImage" | "RasterTask"
            | "ScrollLayer" | "UpdateLayer" | "UpdateLayerTree" | "CompositeLayers"
            | "PrePaint" | "Layerize" | "Commit" => PaintCompositeRender,
            "MinorGC"
            | "MajorGC"
            | "BlinkGC.AtomicPhase"
            | "BlinkGCMarking"
            | "ThreadState::performIdleLazySweep"
            | "ThreadState::completeSweep"
            | "V8.GCFinalizeMC"
            | "V8.GCScavenger"
            | "V8.GCIncrementalMarking"
            | "V8.GCCompactor" => GarbageCollection,
            _ => return None,
        })
    }
}

/// What one script or document cost the main thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UrlCost {
    /// The script or document.
    pub url: String,
    /// Main-thread time attributed to it, milliseconds.
    pub total_ms: f64,
    /// Its share of the blocking time (each task's part past 50 ms, shared among what ran
    /// in the task by time).
    pub blocking_ms: f64,
    /// Its time by group.
    pub by_group: BTreeMap<TaskGroup, f64>,
}

/// What a page's main thread (every renderer main thread of its frames) spent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MainThread {
    /// All the tasks' time, milliseconds.
    pub total_ms: f64,
    /// Blocking time: the part of each task past 50 ms, summed over the load (not clipped to
    /// first contentful paint, as the page's total blocking time is).
    pub blocking_ms: f64,
    /// The time by group; the groups add up to `total_ms`.
    pub by_group: BTreeMap<TaskGroup, f64>,
    /// The time attributed to each script or document, the costliest first.
    pub by_url: Vec<UrlCost>,
    /// Time no script or document could be held responsible for (the browser's own work).
    pub unattributed_ms: f64,
    /// Tasks the figures are made of.
    pub tasks: u64,
    /// What the page's dedicated workers ran, off the main thread (so blocking nothing): its
    /// time by script; absent when the page started no worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<WorkerTime>,
    /// The time by party and by third-party entity, once the load's requests say whose
    /// each script is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_party: Option<PartyCpu>,
    /// The top-level tasks of a millisecond or more (the longest 10,000), in order, on the
    /// load's time axis (a live load; a trace read beside a HAR has no common clock with it
    /// and keeps none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TaskSpan>,
}

/// One top-level task of a renderer main thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TaskSpan {
    /// When it started, milliseconds (from the page's first request in a live load).
    pub start_ms: f64,
    /// How long it ran, milliseconds.
    pub duration_ms: f64,
    /// The script or document that took most of it (none: the browser's own work).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Which renderer main thread (one per process of the page's frames), from 0.
    pub thread: u32,
}

/// What workers ran: their threads' tasks, by script.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkerTime {
    /// All their tasks' time, milliseconds.
    pub total_ms: f64,
    /// By script (blocking time is 0: a worker's task keeps no input waiting).
    pub by_url: Vec<UrlCost>,
}

/// Main-thread time by party: the parts add up to the thread's total.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartyCpu {
    /// Scripts and documents of the page's own site.
    pub first_party_ms: f64,
    /// Scripts and documents of other sites.
    pub third_party_ms: f64,
    /// Scripts and documents no request of the load fetched (a `blob:` or `data:` script,
    /// a document a frame wrote): whose they are is unknown.
    pub unknown_party_ms: f64,
    /// The browser's own work, attributed to no script.
    pub browser_ms: f64,
    /// The first party's share of the blocking time.
    #[serde(default)]
    pub first_party_blocking_ms: f64,
    /// The third parties' share of the blocking time.
    #[serde(default)]
    pub third_party_blocking_ms: f64,
    /// The unknown party's share of the blocking time.
    #[serde(default)]
    pub unknown_party_blocking_ms: f64,
    /// Third-party time by entity (the third-party-web dataset's), the costliest first;
    /// hosts the dataset does not know are under their registrable domain.
    pub by_entity: Vec<EntityCpu>,
}

/// One third-party entity's main-thread time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EntityCpu {
    /// The entity, or the registrable domain of a host the dataset does not know.
    pub name: String,
    /// Its main-thread time, milliseconds.
    pub main_thread_ms: f64,
    /// Its share of the blocking time, milliseconds.
    pub blocking_ms: f64,
}

/// A trace read from a file: its events, and where the load's entries start on its clock
/// (seconds) when pagecost wrote it (`--trace-out`).
#[derive(Debug, Default)]
pub struct Parsed {
    /// The events it could read.
    pub events: Vec<TraceEvent>,
    /// The `pagecost-origin-s` of its `metadata`.
    pub origin_s: Option<f64>,
}

/// Reads a trace: Chrome's JSON trace format, either an array of events or an object with
/// `traceEvents` (what DevTools and Lighthouse save). Events it cannot read are skipped.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a JSON trace: {e}"))?;
    let (events, origin_s) = match v {
        serde_json::Value::Array(a) => (a, None),
        serde_json::Value::Object(mut o) => {
            let origin = o
                .get("metadata")
                .and_then(|m| m["pagecost-origin-s"].as_f64());
            match o.remove("traceEvents") {
                Some(serde_json::Value::Array(a)) => (a, origin),
                _ => return Err("a JSON object without traceEvents".into()),
            }
        }
        _ => return Err("neither an array of events nor an object with traceEvents".into()),
    };
    let events = (events.into_iter())
        .filter_map(|e| serde_json::from_value(e).ok())
        .collect();
    Ok(Parsed { events, origin_s })
}

impl MainThread {
    /// Its tasks on a load's time axis, which starts at `origin` on the trace's clock
    /// (seconds); tasks ended before it (about:blank's) are dropped.
    pub fn on_axis(&mut self, origin: f64) {
        self.timeline.retain_mut(|t| {
            t.start_ms = ((t.start_ms - origin * 1000.0) * 1000.0).round() / 1000.0;
            t.start_ms + t.duration_ms >= 0.0
        });
    }
}
