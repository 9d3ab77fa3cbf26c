//! Who caused a HAR entry, in each producer's form, so that a recording's third-party tags
//! are chains whoever recorded it:
//! - pagecost's own `_pagecost.initiator` (exact);
//! - Chrome DevTools' `_initiator` object: DevTools Protocol's `Network.Initiator` (`type`,
//!   `url`, 0-based `lineNumber` and `columnNumber`, and for a script its `stack`, whose top
//!   frame, or the nearest asynchronous parent's, is the calling script);
//! - `_initiator_detail`, that same object as a JSON string (chrome-har, used by browsertime
//!   and sitespeed.io, which also writes the flattened fields below with 1-based lines);
//! - WebPageTest's flattened fields: `_initiator` as the URL, `_initiator_line` and
//!   `_initiator_column` as DevTools gave them (0-based), an empty string for none.

use crate::model::{Initiator, InitiatorKind};
use serde_json::Value;

/// Most asynchronous parents followed to find a stack's calling script.
const PARENTS: usize = 8;

/// Who caused an entry (`main`: the page's own document), by the first form it has.
pub(super) fn initiator_of(e: &Value, pc: Option<&Value>, main: bool) -> Initiator {
    let ours =
        pc.and_then(|p| serde_json::from_value::<Initiator>(p.get("initiator")?.clone()).ok());
    if let Some(i) = ours {
        return i;
    }
    let detail = match e.get("_initiator_detail") {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).ok(),
        Some(v @ Value::Object(_)) => Some(v.clone()),
        _ => None,
    };
    let i = match (e.get("_initiator"), detail) {
        (_, Some(d)) => devtools(&d),
        (Some(o @ Value::Object(_)), None) => devtools(o),
        (Some(Value::String(url)), None) => flattened(e, url),
        _ => Initiator::default(),
    };
    match i.kind {
        InitiatorKind::Other if main => Initiator {
            kind: InitiatorKind::Navigation,
            ..i
        },
        _ => i,
    }
}

/// The kind a producer's `type` names.
fn kind_of(t: Option<&str>) -> InitiatorKind {
    match t {
        Some("parser") => InitiatorKind::Parser,
        Some("script") => InitiatorKind::Script,
        Some("redirect") => InitiatorKind::Redirect,
        Some("preload") => InitiatorKind::Preload,
        _ => InitiatorKind::Other,
    }
}

/// A 0-based position as a number (or a numeric string), made 1-based.
fn one_based(v: Option<&Value>) -> Option<u32> {
    let n = match v? {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse::<u64>().ok()?,
        _ => return None,
    };
    u32::try_from(n).ok()?.checked_add(1)
}

/// DevTools Protocol's initiator: the `url` it names or its stack's calling script.
fn devtools(i: &Value) -> Initiator {
    let frame = calling_frame(&i["stack"]);
    let named = i["url"].as_str().filter(|u| !u.is_empty());
    let (url, line, column) = match (frame, named) {
        (Some(f), _) => (f["url"].as_str(), &f["lineNumber"], &f["columnNumber"]),
        (None, url) => (url, &i["lineNumber"], &i["columnNumber"]),
    };
    Initiator {
        kind: kind_of(i["type"].as_str()),
        url: url.map(str::to_string),
        line: one_based(Some(line)),
        column: one_based(Some(column)),
        ..Initiator::default()
    }
}

/// The top frame of a stack with a script URL, or of its nearest asynchronous parent's.
fn calling_frame(stack: &Value) -> Option<&Value> {
    let mut at = stack;
    for _ in 0..=PARENTS {
        let frames = at["callFrames"].as_array().into_iter().flatten();
        if let Some(f) = frames
            .take(1)
            .find(|f| f["url"].as_str().is_some_and(|u| !u.is_empty()))
        {
            return Some(f);
        }
        at = at.get("parent")?;
    }
    None
}

/// WebPageTest's flattened fields: the URL, and its 0-based line and column.
fn flattened(e: &Value, url: &str) -> Initiator {
    let url = Some(url.to_string()).filter(|u| !u.is_empty());
    let kind = match e.get("_initiator_type").and_then(Value::as_str) {
        Some(t) => kind_of(Some(t)),
        None if url.is_some() => InitiatorKind::Script,
        None => InitiatorKind::Other,
    };
    Initiator {
        kind,
        url,
        line: one_based(e.get("_initiator_line")),
        column: one_based(e.get("_initiator_column")),
        ..Initiator::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LIB: &str = "https://ads.example/lib.js";

    fn of(e: Value) -> Initiator {
        initiator_of(&e, None, false)
    }

    #[test]
    fn each_producers_form_names_the_calling_script_and_its_1_based_position() {
        let stack = json!({"type": "script", "stack": {"callFrames": [
            {"functionName": "bid", "scriptId": "7", "url": LIB, "lineNumber": 4, "columnNumber": 10}
        ]}});
        let devtools = of(json!({"_initiator": stack}));
        let chrome_har = of(json!({
            "_initiator": LIB, "_initiator_line": 5, "_initiator_column": 11,
            "_initiator_detail": stack.to_string(), "_initiator_type": "script"
        }));
        let wpt = of(json!({"_initiator": LIB, "_initiator_line": "4", "_initiator_column": 10}));
        for i in [devtools, chrome_har, wpt] {
            assert_eq!(
                (i.kind, i.url.as_deref(), i.line, i.column),
                (InitiatorKind::Script, Some(LIB), Some(5), Some(11)),
            );
        }
    }

    #[test]
    fn an_empty_stack_names_its_asynchronous_parents_script_and_empty_fields_name_nothing() {
        let image = of(json!({"_initiator": {"type": "script", "stack": {
            "callFrames": [],
            "parent": {"description": "Image", "callFrames": [{"url": LIB, "lineNumber": 0, "columnNumber": 0}]}
        }}}));
        assert_eq!(image.url.as_deref(), Some(LIB));
        let wpt_none =
            of(json!({"_initiator": "", "_initiator_line": "", "_initiator_column": ""}));
        assert_eq!(
            (wpt_none.kind, wpt_none.url, wpt_none.line),
            (InitiatorKind::Other, None, None)
        );
        let parser = of(
            json!({"_initiator": {"type": "parser", "url": "https://a.example/", "lineNumber": 9}}),
        );
        assert_eq!(
            (parser.kind, parser.line),
            (InitiatorKind::Parser, Some(10))
        );
        let page = initiator_of(&json!({"_initiator": {"type": "other"}}), None, true);
        assert_eq!(page.kind, InitiatorKind::Navigation);
    }
}
