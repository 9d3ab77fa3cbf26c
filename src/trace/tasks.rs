//! The task tree of renderer main threads: each top-level task and the events nested in it,
//! each event's self time (its time less its children's) in a group, attributed to the
//! script or document responsible; blocking time per task, shared by what ran in it.
//!
//! Attribution follows Lighthouse's `main-thread-tasks` and `bootup-time` in spirit, at a
//! finer grain: each event's own time goes to the innermost script named on the way down
//! (its own `url`, a stack's top frame, a document being parsed, a stylesheet), so work a
//! library's function does inside a page script's task is the library's; work nothing names
//! (the browser's own) is kept apart as unattributed, never dropped.

use super::{MainThread, TaskGroup, TaskSpan, TraceEvent, UrlCost, WorkerTime};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Names of the events that are a main thread's top-level tasks.
pub(super) const TOP_LEVEL: [&str; 4] = [
    "RunTask",
    "ThreadControllerImpl::RunTask",
    "ThreadControllerImpl::DoWork",
    "TaskQueueManager::ProcessTaskFromWorkQueue",
];

/// A task longer than this keeps input waiting (Lighthouse's 50 ms).
const BLOCKING_AFTER_MS: f64 = 50.0;

/// The renderer main threads of the page's frames, as `(pid, tid)`: the threads named
/// `CrRendererMain` in the processes the trace names for the page's frames
/// (`TracingStartedInBrowser`, `FrameCommittedInBrowser`); every `CrRendererMain` when it
/// names none (a trace recorded elsewhere).
pub fn main_threads(events: &[TraceEvent]) -> Vec<(i64, i64)> {
    threads_named(events, "CrRendererMain")
}

/// Threads of this name in the page's processes (every process's when the trace names none).
fn threads_named(events: &[TraceEvent], thread: &str) -> Vec<(i64, i64)> {
    let mut pids: HashSet<i64> = HashSet::new();
    for e in events {
        let data = &e.args["data"];
        match e.name.as_str() {
            "TracingStartedInBrowser" => {
                let frames = data["frames"].as_array().into_iter().flatten();
                pids.extend(frames.filter_map(|f| f["processId"].as_i64()));
            }
            "FrameCommittedInBrowser" => pids.extend(data["processId"].as_i64()),
            _ => {}
        }
    }
    let mut threads: Vec<(i64, i64)> = events
        .iter()
        .filter(|e| e.ph == "M" && e.name == "thread_name")
        .filter(|e| e.args["name"] == thread)
        .filter(|e| pids.is_empty() || pids.contains(&e.pid))
        .map(|e| (e.pid, e.tid))
        .collect();
    threads.sort_unstable();
    threads.dedup();
    threads
}

/// What the page's main threads spent; `None` when the trace has no renderer main thread.
pub fn main_thread(events: &[TraceEvent]) -> Option<MainThread> {
    let threads = main_threads(events);
    if threads.is_empty() {
        return None;
    }
    let mut m = walk_threads(events, &threads).finish();
    let workers = threads_named(events, "DedicatedWorker thread");
    if !workers.is_empty() {
        let w = walk_threads(events, &workers).finish();
        let by_url = (w.by_url.into_iter())
            .map(|c| UrlCost {
                blocking_ms: 0.0,
                ..c
            })
            .collect();
        m.workers = Some(WorkerTime {
            total_ms: w.total_ms,
            by_url,
        });
    }
    Some(m)
}

/// Each frame's document, by frame id, as the trace names them (the last committed wins:
/// a frame's `about:blank` gives way to its page).
fn frame_documents(events: &[TraceEvent]) -> HashMap<String, String> {
    let mut docs = HashMap::new();
    let mut name = |frame: &serde_json::Value, url: &serde_json::Value| {
        if let (Some(f), Some(u)) = (frame.as_str(), url.as_str().filter(|u| of_the_page(u))) {
            docs.insert(f.to_string(), u.to_string());
        }
    };
    for e in events {
        let data = &e.args["data"];
        match e.name.as_str() {
            "TracingStartedInBrowser" => {
                for f in data["frames"].as_array().into_iter().flatten() {
                    name(&f["frame"], &f["url"]);
                }
            }
            "FrameCommittedInBrowser" | "CommitLoad" => name(&data["frame"], &data["url"]),
            _ => {}
        }
    }
    docs
}

/// The document of the frame an event works for (style, layout, paint name their frame).
fn frame_document(e: &TraceEvent, docs: &HashMap<String, String>) -> Option<String> {
    let frame =
        (e.args["data"]["frame"].as_str()).or_else(|| e.args["beginData"]["frame"].as_str());
    docs.get(frame?).cloned()
}

/// The tasks of these threads, walked into one tally.
fn walk_threads(events: &[TraceEvent], threads: &[(i64, i64)]) -> Tally {
    let mut tally = Tally {
        documents: frame_documents(events),
        ..Tally::default()
    };
    for (i, &(pid, tid)) in threads.iter().enumerate() {
        tally.thread = i as u32;
        let on: Vec<&TraceEvent> = events
            .iter()
            .filter(|e| e.pid == pid && e.tid == tid)
            .collect();
        walk(&spans(&on), &mut tally);
    }
    tally
}

/// An event with a start and an end on one thread, milliseconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span<'a> {
    pub start: f64,
    pub end: f64,
    pub event: &'a TraceEvent,
}

/// A thread's complete events (`X`) and joined begin/end pairs, by start, the longer first.
pub(super) fn spans<'a>(events: &[&'a TraceEvent]) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    let mut open: Vec<&TraceEvent> = Vec::new();
    for &e in events {
        match e.ph.as_str() {
            "X" => {
                if let Some(dur) = e.dur {
                    out.push(Span {
                        start: e.ts / 1000.0,
                        end: (e.ts + dur.max(0.0)) / 1000.0,
                        event: e,
                    });
                }
            }
            "B" => open.push(e),
            "E" => {
                if let Some(b) = open.pop() {
                    out.push(Span {
                        start: b.ts / 1000.0,
                        end: e.ts.max(b.ts) / 1000.0,
                        event: b,
                    });
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.start.total_cmp(&b.start).then(b.end.total_cmp(&a.end)));
    out
}

/// An event being walked: where it ends, its group and script, its children's time.
struct Open {
    start: f64,
    end: f64,
    group: TaskGroup,
    url: Option<String>,
    children: f64,
}

/// Walks a thread's spans as a forest of top-level tasks; events outside any task are not
/// the page's tasks and are skipped.
fn walk(spans: &[Span], tally: &mut Tally) {
    let mut stack: Vec<Open> = Vec::new();
    for s in spans {
        while stack.last().is_some_and(|o| o.end <= s.start) {
            close(&mut stack, tally);
        }
        let parent = stack.last();
        if parent.is_none() && !TOP_LEVEL.contains(&s.event.name.as_str()) {
            continue;
        }
        let end = parent.map_or(s.end, |p| s.end.min(p.end));
        let group = TaskGroup::of(&s.event.name)
            .or(parent.map(|p| p.group))
            .unwrap_or(TaskGroup::Other);
        // Its own script, else the one it runs inside, else (style, layout, paint) the
        // document of the frame it works for.
        let url = (script_url(s.event))
            .or_else(|| parent.and_then(|p| p.url.clone()))
            .or_else(|| frame_document(s.event, &tally.documents));
        if let Some(p) = stack.last_mut() {
            p.children += end - s.start;
        }
        stack.push(Open {
            start: s.start,
            end,
            group,
            url,
            children: 0.0,
        });
    }
    while !stack.is_empty() {
        close(&mut stack, tally);
    }
}

/// Ends the innermost open event: its own time to its group and script; a top-level task's
/// end also settles its blocking time.
fn close(stack: &mut Vec<Open>, tally: &mut Tally) {
    let Some(o) = stack.pop() else { return };
    let own = (o.end - o.start - o.children).max(0.0);
    tally.add(o.group, o.url, own);
    if stack.is_empty() {
        tally.task_done(o.start, o.end);
    }
}

/// The script or document an event names: a script's URL (evaluation, call, compile), the
/// top frame of its stack, the document it parses, the stylesheet it parses.
pub(super) fn script_url(e: &TraceEvent) -> Option<String> {
    let data = &e.args["data"];
    let named = match e.name.as_str() {
        "ParseHTML" => e.args["beginData"]["url"].as_str(),
        "ParseAuthorStyleSheet" => data["styleSheetUrl"].as_str(),
        _ => data["url"]
            .as_str()
            .filter(|_| names_its_script(&e.name))
            .or_else(|| data["stackTrace"][0]["url"].as_str())
            .or_else(|| e.args["beginData"]["stackTrace"][0]["url"].as_str()),
    };
    named.filter(|u| of_the_page(u)).map(str::to_string)
}

/// Whether a URL is the page's content (a web, file, blob or data URL), not the browser's
/// own (`about:blank`, `chrome-error://`, `extensions::`).
fn of_the_page(url: &str) -> bool {
    let scheme = url.split(':').next().unwrap_or("");
    url.contains(':') && matches!(scheme, "http" | "https" | "file" | "blob" | "data")
}

/// Whether an event names its own script in `data.url`: script events do; an XHR's names
/// its request, which is not what ran (its callback's `FunctionCall` names that).
fn names_its_script(name: &str) -> bool {
    let script = matches!(
        TaskGroup::of(name),
        Some(TaskGroup::ScriptEvaluation | TaskGroup::ScriptParseCompile)
    );
    script && !name.starts_with("XHR")
}

/// The sums as the walk goes.
#[derive(Default)]
struct Tally {
    total: f64,
    blocking: f64,
    tasks: u64,
    by_group: BTreeMap<TaskGroup, f64>,
    by_url: HashMap<String, UrlCost>,
    unattributed: f64,
    /// The current task's time per script, to share its blocking time.
    in_task: HashMap<String, f64>,
    /// The thread being walked (its index among the walked threads).
    thread: u32,
    /// Each frame's document, by frame id.
    documents: HashMap<String, String>,
    /// The top-level tasks, as spans.
    timeline: Vec<TaskSpan>,
}

impl Tally {
    fn add(&mut self, group: TaskGroup, url: Option<String>, ms: f64) {
        self.total += ms;
        *self.by_group.entry(group).or_default() += ms;
        let Some(url) = url else {
            self.unattributed += ms;
            return;
        };
        *self.in_task.entry(url.clone()).or_default() += ms;
        let cost = self.by_url.entry(url.clone()).or_insert_with(|| UrlCost {
            url,
            ..UrlCost::default()
        });
        cost.total_ms += ms;
        *cost.by_group.entry(group).or_default() += ms;
    }

    /// A top-level task of `ms` ended: its part past 50 ms is blocking time, shared among
    /// the scripts that ran in it by their time (the rest of it unattributed).
    fn task_done(&mut self, start: f64, end: f64) {
        let ms = end - start;
        let top = (self.in_task.iter()).max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)));
        self.timeline.push(TaskSpan {
            start_ms: start,
            duration_ms: ms,
            url: top.map(|(u, _)| u.clone()),
            thread: self.thread,
        });
        self.tasks += 1;
        let blocking = (ms - BLOCKING_AFTER_MS).max(0.0);
        self.blocking += blocking;
        for (url, t) in self.in_task.drain() {
            if blocking > 0.0 && ms > 0.0 {
                if let Some(c) = self.by_url.get_mut(&url) {
                    c.blocking_ms += blocking * t / ms;
                }
            }
        }
    }

    fn finish(self) -> MainThread {
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        let mut by_url: Vec<UrlCost> = self.by_url.into_values().collect();
        for c in &mut by_url {
            c.total_ms = round(c.total_ms);
            c.blocking_ms = round(c.blocking_ms);
            c.by_group.values_mut().for_each(|v| *v = round(*v));
        }
        by_url.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms).then(a.url.cmp(&b.url)));
        MainThread {
            total_ms: round(self.total),
            blocking_ms: round(self.blocking),
            by_group: self
                .by_group
                .into_iter()
                .map(|(g, v)| (g, round(v)))
                .collect(),
            by_url,
            unattributed_ms: round(self.unattributed),
            tasks: self.tasks,
            workers: None,
            by_party: None,
            timeline: timeline(self.timeline),
        }
    }
}

/// Shortest task drawn on a timeline, milliseconds.
const TIMELINE_MIN_MS: f64 = 1.0;

/// Most tasks a timeline keeps (the longest).
const TIMELINE_MAX: usize = 10_000;

/// The tasks worth drawing: at least a millisecond, the longest [`TIMELINE_MAX`], in order.
fn timeline(mut spans: Vec<TaskSpan>) -> Vec<TaskSpan> {
    spans.retain(|s| s.duration_ms >= TIMELINE_MIN_MS);
    if spans.len() > TIMELINE_MAX {
        spans.sort_by(|a, b| b.duration_ms.total_cmp(&a.duration_ms));
        spans.truncate(TIMELINE_MAX);
    }
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    for s in &mut spans {
        (s.start_ms, s.duration_ms) = (round(s.start_ms), round(s.duration_ms));
    }
    spans.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
    spans
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    /// A small trace: a renderer main thread named, and the events given as
    /// `(name, ts_ms, dur_ms, args)` on it.
    fn trace(events: &[(&str, f64, f64, serde_json::Value)]) -> Vec<TraceEvent> {
        let mut all = vec![serde_json::json!({
            "name": "thread_name", "ph": "M", "pid": 7, "tid": 1, "ts": 0,
            "args": {"name": "CrRendererMain"}
        })];
        for (name, ts, dur, args) in events {
            all.push(serde_json::json!({
                "name": name, "ph": "X", "pid": 7, "tid": 1,
                "ts": ts * 1000.0, "dur": dur * 1000.0, "args": args
            }));
        }
        parse(&serde_json::Value::Array(all).to_string())
            .unwrap()
            .events
    }

    fn url(u: &str) -> serde_json::Value {
        serde_json::json!({"data": {"url": u}})
    }

    fn cost<'a>(m: &'a MainThread, u: &str) -> &'a UrlCost {
        m.by_url.iter().find(|c| c.url == u).unwrap()
    }

    /// Style, layout and paint no script forced are the work of the frame they name: its
    /// document's (a creative's layout is its frame's, so its tag's); forced by a script,
    /// the script's.
    #[test]
    fn layout_goes_to_its_frames_document_unless_a_script_forced_it() {
        let frame = |f: &str| serde_json::json!({"beginData": {"frame": f}});
        let m = main_thread(&trace(&[
            (
                "CommitLoad",
                0.0,
                0.0,
                serde_json::json!({"data": {"frame": "F2", "url": "https://ads.example/creative.html"}}),
            ),
            ("RunTask", 10.0, 20.0, serde_json::json!({})),
            ("Layout", 11.0, 15.0, frame("F2")),
            ("RunTask", 40.0, 20.0, serde_json::json!({})),
            ("FunctionCall", 41.0, 18.0, url("https://a.example/app.js")),
            ("Layout", 45.0, 10.0, frame("F2")),
            ("RunTask", 70.0, 5.0, serde_json::json!({})),
            ("Layout", 71.0, 3.0, frame("unknown")),
        ]))
        .unwrap();
        assert_eq!(cost(&m, "https://ads.example/creative.html").total_ms, 15.0);
        assert_eq!(cost(&m, "https://a.example/app.js").total_ms, 18.0);
        // The tasks' own time (5, 2, 2) and the layout of a frame the trace never named (3).
        assert_eq!(m.unattributed_ms, 12.0);
    }

    #[test]
    fn nested_events_give_their_own_time_to_their_group_and_innermost_script() {
        let none = serde_json::json!({});
        let m = main_thread(&trace(&[
            ("RunTask", 0.0, 100.0, none.clone()),
            (
                "EvaluateScript",
                1.0,
                90.0,
                url("https://a.example/page.js"),
            ),
            (
                "FunctionCall",
                10.0,
                40.0,
                url("https://ads.example/lib.js"),
            ),
            ("Layout", 20.0, 10.0, none.clone()),
            ("MinorGC", 60.0, 5.0, none.clone()),
        ]))
        .unwrap();
        assert_eq!(m.total_ms, 100.0, "the task's time, all of it");
        assert_eq!(m.tasks, 1);
        let lib = cost(&m, "https://ads.example/lib.js");
        assert_eq!(
            lib.total_ms, 40.0,
            "its call, the layout it forced included"
        );
        assert_eq!(lib.by_group[&TaskGroup::StyleLayout], 10.0);
        assert_eq!(lib.by_group[&TaskGroup::ScriptEvaluation], 30.0);
        let page = cost(&m, "https://a.example/page.js");
        assert_eq!(page.total_ms, 50.0, "90 less the library's 40");
        assert_eq!(page.by_group[&TaskGroup::GarbageCollection], 5.0);
        assert_eq!(m.unattributed_ms, 10.0, "the task's own 10 ms");
        let groups: f64 = m.by_group.values().sum();
        assert_eq!(groups, m.total_ms, "the groups add up");
        assert_eq!(m.blocking_ms, 50.0);
        assert_eq!(lib.blocking_ms, 20.0, "40 % of the task's 50 ms past 50");
        assert_eq!(page.blocking_ms, 25.0);
    }

    #[test]
    fn timers_callbacks_and_parsing_name_their_script_or_document() {
        let stack =
            serde_json::json!({"data": {"stackTrace": [{"url": "https://t.example/tag.js"}]}});
        let parse_doc =
            serde_json::json!({"beginData": {"url": "https://c.example/creative.html"}});
        let xhr = serde_json::json!({"data": {"url": "https://bids.example/bid.json"}});
        let m = main_thread(&trace(&[
            ("RunTask", 0.0, 30.0, serde_json::json!({})),
            ("TimerFire", 0.0, 30.0, stack),
            ("RunTask", 40.0, 20.0, serde_json::json!({})),
            ("ParseHTML", 40.0, 20.0, parse_doc),
            ("RunTask", 70.0, 10.0, serde_json::json!({})),
            ("XHRReadyStateChange", 70.0, 10.0, xhr),
            (
                "FunctionCall",
                71.0,
                8.0,
                url("https://t.example/bidder.js"),
            ),
        ]))
        .unwrap();
        assert_eq!(cost(&m, "https://t.example/tag.js").total_ms, 30.0);
        let doc = cost(&m, "https://c.example/creative.html");
        assert_eq!(doc.by_group[&TaskGroup::ParseHtmlCss], 20.0);
        assert_eq!(cost(&m, "https://t.example/bidder.js").total_ms, 8.0);
        assert!(
            m.by_url
                .iter()
                .all(|c| c.url != "https://bids.example/bid.json"),
            "an XHR's URL is its request, not what ran"
        );
        assert_eq!(m.unattributed_ms, 2.0);
        let blank = main_thread(&trace(&[
            ("RunTask", 0.0, 4.0, serde_json::json!({})),
            ("EvaluateScript", 0.0, 4.0, url("about:blank")),
        ]))
        .unwrap();
        assert!(
            blank.by_url.is_empty(),
            "the browser's own pages are not the page's"
        );
        assert_eq!(m.blocking_ms, 0.0, "no task over 50 ms");
        assert_eq!(m.tasks, 3);
    }

    #[test]
    fn only_the_pages_renderer_main_threads_count_and_work_outside_tasks_is_skipped() {
        let mut events = trace(&[
            (
                "FunctionCall",
                0.0,
                5.0,
                url("https://a.example/outside.js"),
            ),
            ("RunTask", 10.0, 5.0, serde_json::json!({})),
        ]);
        let other_page = serde_json::json!([
            {"name": "thread_name", "ph": "M", "pid": 9, "tid": 1, "args": {"name": "CrRendererMain"}},
            {"name": "RunTask", "ph": "X", "pid": 9, "tid": 1, "ts": 0, "dur": 99000},
            {"name": "TracingStartedInBrowser", "ph": "I", "pid": 1, "tid": 1, "ts": 0,
             "args": {"data": {"frames": [{"frame": "F", "processId": 7}]}}}
        ]);
        events.extend(parse(&other_page.to_string()).unwrap().events);
        assert_eq!(main_threads(&events), [(7, 1)]);
        let m = main_thread(&events).unwrap();
        assert_eq!(m.total_ms, 5.0);
        assert!(m.by_url.is_empty());
    }

    #[test]
    fn a_workers_tasks_are_its_own_not_the_main_threads() {
        let mut events = trace(&[("RunTask", 0.0, 10.0, serde_json::json!({}))]);
        let worker = serde_json::json!([
            {"name": "thread_name", "ph": "M", "pid": 7, "tid": 5, "args": {"name": "DedicatedWorker thread"}},
            {"name": "RunTask", "ph": "X", "pid": 7, "tid": 5, "ts": 0, "dur": 95000},
            {"name": "EvaluateScript", "ph": "X", "pid": 7, "tid": 5, "ts": 1000, "dur": 90000,
             "args": {"data": {"url": "https://a.example/worker.js"}}}
        ]);
        events.extend(parse(&worker.to_string()).unwrap().events);
        let m = main_thread(&events).unwrap();
        assert_eq!(
            (m.total_ms, m.blocking_ms),
            (10.0, 0.0),
            "the worker blocks nothing"
        );
        let w = m.workers.unwrap();
        assert_eq!(w.total_ms, 95.0);
        assert_eq!(w.by_url[0].url, "https://a.example/worker.js");
        assert_eq!((w.by_url[0].total_ms, w.by_url[0].blocking_ms), (90.0, 0.0));
    }

    #[test]
    fn begin_and_end_pairs_nest_as_complete_events_do() {
        let text = serde_json::json!({"traceEvents": [
            {"name": "thread_name", "ph": "M", "pid": 1, "tid": 2, "args": {"name": "CrRendererMain"}},
            {"name": "RunTask", "ph": "B", "pid": 1, "tid": 2, "ts": 0},
            {"name": "FunctionCall", "ph": "B", "pid": 1, "tid": 2, "ts": 1000, "args": {"data": {"url": "https://a.example/x.js"}}},
            {"name": "FunctionCall", "ph": "E", "pid": 1, "tid": 2, "ts": 61000},
            {"name": "RunTask", "ph": "E", "pid": 1, "tid": 2, "ts": 62000}
        ]});
        let m = main_thread(&parse(&text.to_string()).unwrap().events).unwrap();
        assert_eq!(m.total_ms, 62.0);
        assert_eq!(cost(&m, "https://a.example/x.js").total_ms, 60.0);
        assert_eq!(m.blocking_ms, 12.0);
    }
}
