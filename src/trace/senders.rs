//! Who sent each request, as the trace tells it: the script running on the main thread when
//! the request went out, or, for a request sent from a promise callback (where no script is
//! on the stack), the fetch or XHR whose answer ran that callback.
//!
//! The browser's network events leave some requests without a stack: an image whose `src` a
//! `fetch(...).then(...)` callback set is sent from a microtask after the callback returned
//! (the commonest shape of a bidder's sync pixel). The trace still knows the task that sent
//! it. Two rules, the first that applies:
//! 1. **The running script**: the innermost event around the send that names a script
//!    (an evaluation, a function call, a stack's top frame).
//! 2. **The answered request**: a send inside a microtask checkpoint with no script named
//!    follows a promise's resolution; of the page's fetches and XHRs, the one answered last on
//!    the same thread before the send (headers or body; in the same task or an earlier one),
//!    in the same frame, is the one whose callback ran. Its own sender is the callback's
//!    script.

use super::tasks::{main_threads, script_url, spans, Span, TOP_LEVEL};
use super::TraceEvent;
use std::collections::HashMap;

/// Who sent a request, by one of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// This script was running when the request was sent.
    Script(String),
    /// The request was sent from a promise callback that ran after this request (a fetch or
    /// an XHR, by the browser's request id) was answered.
    AnsweredRequest(String),
}

/// Longest time between an answer and the task of the callback it resolves, milliseconds:
/// past it, an earlier answer is not taken as the cause.
const CALLBACK_WITHIN_MS: f64 = 1_000.0;

/// The sender of each request the page's main threads sent, by the browser's request id,
/// where a rule finds one.
pub fn senders(events: &[TraceEvent]) -> HashMap<String, Sender> {
    let mut out = HashMap::new();
    let fetches = fetches(events);
    for (pid, tid) in main_threads(events) {
        let on: Vec<&TraceEvent> = events
            .iter()
            .filter(|e| e.pid == pid && e.tid == tid)
            .collect();
        let spans = spans(&on);
        let answers = answers(&on, &fetches);
        for e in on.iter().filter(|e| e.name == "ResourceSendRequest") {
            let data = &e.args["data"];
            let Some(id) = data["requestId"].as_str() else {
                continue;
            };
            let frame = data["frame"].as_str().unwrap_or("");
            if let Some(s) = sender(&spans, e.ts / 1000.0, frame, &answers) {
                out.insert(id.to_string(), s);
            }
        }
    }
    out
}

/// The page's fetches and XHRs: their request ids and frames.
fn fetches(events: &[TraceEvent]) -> HashMap<&str, &str> {
    (events.iter())
        .filter(|e| e.name == "ResourceSendRequest")
        .filter(|e| {
            let kind = e.args["data"]["initiator"]["fetchType"].as_str();
            matches!(kind, Some("fetch" | "xmlhttprequest"))
        })
        .filter_map(|e| {
            let data = &e.args["data"];
            Some((data["requestId"].as_str()?, data["frame"].as_str()?))
        })
        .collect()
}

/// One answer a fetch or XHR got: when (milliseconds), which request, for which frame.
struct Answer<'a> {
    at: f64,
    id: &'a str,
    frame: &'a str,
}

/// The answers (headers and bodies) to the page's fetches and XHRs on one thread, in order.
fn answers<'a>(on: &[&'a TraceEvent], fetches: &HashMap<&'a str, &'a str>) -> Vec<Answer<'a>> {
    let mut out: Vec<Answer> = (on.iter())
        .filter(|e| {
            matches!(
                e.name.as_str(),
                "ResourceReceiveResponse" | "ResourceFinish"
            )
        })
        .filter_map(|e| {
            let (id, frame) = fetches.get_key_value(e.args["data"]["requestId"].as_str()?)?;
            Some(Answer {
                at: e.ts / 1000.0,
                id,
                frame,
            })
        })
        .collect();
    out.sort_by(|a, b| a.at.total_cmp(&b.at));
    out
}

/// The sender of a request sent at `at` (milliseconds) for `frame`, by the rules.
fn sender(spans: &[Span], at: f64, frame: &str, answers: &[Answer]) -> Option<Sender> {
    // The events around the send, innermost last: they start at or before it, end after it.
    let before = spans.partition_point(|s| s.start <= at);
    let mut around: Vec<&Span> = Vec::new();
    for s in spans[..before].iter().rev() {
        if s.end >= at {
            around.push(s);
            if TOP_LEVEL.contains(&s.event.name.as_str()) {
                break;
            }
        }
    }
    let task = around
        .last()
        .filter(|s| TOP_LEVEL.contains(&s.event.name.as_str()))?;
    if let Some(url) = around.iter().find_map(|s| script_url(s.event)) {
        return Some(Sender::Script(url));
    }
    if !around.iter().any(|s| s.event.name == "RunMicrotasks") {
        return None;
    }
    let answered = answers.partition_point(|a| a.at <= at);
    answers[..answered]
        .iter()
        .rev()
        .take_while(|a| task.start - a.at <= CALLBACK_WITHIN_MS)
        .find(|a| a.frame == frame)
        .map(|a| Sender::AnsweredRequest(a.id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use serde_json::json;

    /// A trace of one renderer main thread with these events (times in milliseconds).
    fn trace(events: &[serde_json::Value]) -> Vec<TraceEvent> {
        let mut all = vec![json!({
            "name": "thread_name", "ph": "M", "pid": 7, "tid": 1, "ts": 0,
            "args": {"name": "CrRendererMain"}
        })];
        for e in events {
            let mut e = e.clone();
            e["pid"] = json!(7);
            e["tid"] = json!(1);
            e["ts"] = json!(e["ts"].as_f64().unwrap() * 1000.0);
            if let Some(d) = e["dur"].as_f64() {
                e["dur"] = json!(d * 1000.0);
            }
            all.push(e);
        }
        parse(&serde_json::Value::Array(all).to_string())
            .unwrap()
            .events
    }

    fn task(name: &str, ts: f64, dur: f64, data: serde_json::Value) -> serde_json::Value {
        json!({"name": name, "ph": "X", "ts": ts, "dur": dur, "args": {"data": data}})
    }

    fn send(ts: f64, id: &str, fetch_type: &str, frame: &str) -> serde_json::Value {
        json!({"name": "ResourceSendRequest", "ph": "I", "ts": ts, "args": {"data": {
            "requestId": id, "frame": frame,
            "initiator": {"type": "other", "fetchType": fetch_type}
        }}})
    }

    fn finish(ts: f64, id: &str) -> serde_json::Value {
        json!({"name": "ResourceFinish", "ph": "I", "ts": ts, "args": {"data": {"requestId": id}}})
    }

    #[test]
    fn a_request_sent_inside_a_script_is_that_scripts() {
        let s = senders(&trace(&[
            task("RunTask", 10.0, 5.0, json!({})),
            task(
                "FunctionCall",
                11.0,
                3.0,
                json!({"url": "https://t.example/tag.js"}),
            ),
            send(12.0, "1.5", "img", "F"),
            send(20.0, "1.6", "img", "F"),
        ]));
        assert_eq!(
            s.get("1.5"),
            Some(&Sender::Script("https://t.example/tag.js".into()))
        );
        // Sent outside any task: nothing says whose it is.
        assert_eq!(s.get("1.6"), None);
    }

    #[test]
    fn a_pixel_sent_from_a_fetch_callback_is_the_fetchs_whose_answer_came_last() {
        let s = senders(&trace(&[
            // lib.js fetches a bid (1.2) and the page fetches its own data (1.3, another frame).
            task("RunTask", 0.0, 2.0, json!({})),
            task(
                "EvaluateScript",
                0.5,
                1.0,
                json!({"url": "https://a.example/lib.js"}),
            ),
            send(1.0, "1.2", "fetch", "F"),
            send(1.2, "1.3", "fetch", "G"),
            // The bid's body arrives; then the page's own answer, for another frame.
            task("RunTask", 30.0, 1.0, json!({})),
            finish(30.5, "1.2"),
            task("RunTask", 32.0, 1.0, json!({})),
            finish(32.5, "1.3"),
            // The callback's microtasks send the pixel with no script named.
            task("RunTask", 35.0, 4.0, json!({})),
            task("RunMicrotasks", 35.1, 3.0, json!({})),
            send(36.0, "1.4", "img", "F"),
        ]));
        assert_eq!(s.get("1.4"), Some(&Sender::AnsweredRequest("1.2".into())));
    }

    #[test]
    fn an_answer_in_the_callbacks_own_task_counts_but_not_one_after_the_send() {
        let s = senders(&trace(&[
            task("RunTask", 0.0, 2.0, json!({})),
            send(1.0, "1.2", "fetch", "F"),
            send(1.1, "1.3", "xmlhttprequest", "F"),
            // One task reads the answer's headers and runs the callback's microtasks.
            task("RunTask", 20.0, 4.0, json!({})),
            json!({"name": "ResourceReceiveResponse", "ph": "I", "ts": 20.2,
                   "args": {"data": {"requestId": "1.2"}}}),
            task("RunMicrotasks", 21.0, 2.0, json!({})),
            send(21.5, "1.4", "img", "F"),
            // The XHR answered in the same task, after the send: not its cause.
            finish(22.5, "1.3"),
        ]));
        assert_eq!(s.get("1.4"), Some(&Sender::AnsweredRequest("1.2".into())));
    }

    #[test]
    fn no_answer_is_taken_outside_a_microtask_checkpoint_or_long_before_the_task() {
        let s = senders(&trace(&[
            task("RunTask", 0.0, 2.0, json!({})),
            send(1.0, "1.2", "fetch", "F"),
            finish(1.5, "1.2"),
            // A plain task (no microtasks) sends an image: nothing to go by.
            task("RunTask", 10.0, 2.0, json!({})),
            send(11.0, "1.3", "img", "F"),
            // Microtasks two seconds after the only answer: too late to be its callback.
            task("RunTask", 2_000.0, 2.0, json!({})),
            task("RunMicrotasks", 2_000.1, 1.0, json!({})),
            send(2_000.5, "1.4", "img", "F"),
        ]));
        assert_eq!(s.get("1.3"), None);
        assert_eq!(s.get("1.4"), None);
    }
}
