//! HAR export: HAR's rules (send/wait/receive never negative, -1 for phases that did not
//! happen, `ssl` included in `connect`, `time` the sum of the non-negative phases), Chrome's
//! custom fields (`_resourceType`, `_initiator`, `_transferSize`) and pagecost's own
//! (`_pagecost`), so that a HAR written here imports back to the same load. Sensitive header
//! values are redacted unless asked, as Chrome DevTools does since version 130.

use crate::model::secrets::{Secrets, REDACTED};
use crate::model::{Entry, Headers, InitiatorKind, Load, ResourceType};
use serde_json::{json, Value};

/// What to keep when exporting.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Keep sensitive header values.
    pub include_sensitive: bool,
    /// More header names to redact (those given with `-H`).
    pub extra_sensitive: Vec<String>,
}

pub(super) fn iso8601(unix_ms: f64) -> String {
    let total_ms = unix_ms.max(0.0).round() as i64;
    let (secs, ms) = (total_ms.div_euclid(1000), total_ms.rem_euclid(1000));
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::model::dates::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

fn ms(v: Option<f64>) -> Value {
    match v {
        Some(x) if x >= 0.0 => json!((x * 1000.0).round() / 1000.0),
        _ => json!(-1),
    }
}

fn chrome_type(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::Iframe => "document",
        other => other.as_str(),
    }
}

fn headers(h: &Headers, opts: &ExportOptions) -> Value {
    Value::Array(
        h.iter()
            .map(|(name, value)| {
                let policy = Secrets {
                    keep: opts.include_sensitive,
                    added: &opts.extra_sensitive,
                };
                let value = if !policy.keep && policy.is_secret(name) {
                    REDACTED
                } else {
                    value
                };
                json!({ "name": name, "value": value })
            })
            .collect(),
    )
}

/// Writes a load as HAR 1.2.
pub fn export(load: &Load, opts: &ExportOptions) -> Value {
    let page_start = load.started_unix_ms as f64;
    let entries: Vec<Value> = load
        .entries
        .iter()
        .map(|e| export_entry(e, page_start, opts))
        .collect();
    let mut har = json!({
        "log": {
            "version": "1.2",
            "creator": { "name": "pagecost", "version": env!("CARGO_PKG_VERSION") },
            "pages": [{
                "startedDateTime": iso8601(page_start),
                "id": "page_1",
                "title": crate::model::urls::redact_url(&load.url),
                // HAR 1.2: -1 where a timing does not apply (the static engine runs no
                // document, so it has no DOMContentLoaded or load event).
                "pageTimings": {
                    "onContentLoad": load.page_metrics.dom_content_loaded_ms.unwrap_or(-1.0),
                    "onLoad": load.page_metrics.load_event_ms.unwrap_or(-1.0),
                },
                "_fullyLoaded": load.fully_loaded_ms,
                "_documentTtfb": load.document_ttfb_ms,
                "_pagecost": {
                    "final_url": crate::model::urls::redact_url(&load.final_url),
                    "settings": load.settings,
                    "skipped": load.skipped,
                    "notes": load.notes,
                    "partial": load.partial,
                    "partial_causes": load.partial_causes,
                    "connections": load.connections,
                    "page_metrics": load.page_metrics,
                }
            }],
            "entries": entries,
        }
    });
    // What only a browser load measures, kept for a lossless round trip where known.
    let pc = &mut har["log"]["pages"][0]["_pagecost"];
    if let Some(m) = &load.main_thread {
        pc["main_thread"] = json!(m);
    }
    if let Some(c) = &load.carbon {
        pc["carbon"] = json!(c);
    }
    if let Some(c) = &load.data_cost {
        pc["data_cost"] = json!(c);
    }
    if let Some(u) = &load.unused_code {
        pc["unused_code"] = json!(u);
    }
    har
}

fn export_entry(e: &Entry, page_start: f64, opts: &ExportOptions) -> Value {
    let t = &e.timings_ms;
    let phases = [
        t.blocked_ms,
        t.dns_ms,
        t.connect_ms,
        t.send_ms,
        t.wait_ms,
        t.receive_ms,
    ];
    let time: f64 = phases.iter().flatten().filter(|x| **x >= 0.0).sum();
    let mut entry = json!({
        "pageref": "page_1",
        "startedDateTime": iso8601(page_start + e.started_ms),
        "time": (time * 1000.0).round() / 1000.0,
        "request": request(e, opts),
        "response": response(e, opts),
        "cache": {},
        "timings": {
            "blocked": ms(t.blocked_ms),
            "dns": ms(t.dns_ms),
            "connect": ms(t.connect_ms),
            "ssl": ms(t.ssl_ms),
            "send": t.send_ms.map_or(json!(0), |x| ms(Some(x))),
            "wait": t.wait_ms.map_or(json!(0), |x| ms(Some(x))),
            "receive": t.receive_ms.map_or(json!(0), |x| ms(Some(x))),
        },
        "_resourceType": chrome_type(e.resource_type),
        "_transferSize": e.transfer_bytes,
        "_initiator": initiator(e),
        "_pagecost": {
            "resource_type": e.resource_type,
            "initiator": e.initiator,
            "duration_ms": e.duration_ms,
            "started_ms": e.started_ms,
            "timings_ms": e.timings_ms,
            "decoded_bytes": e.decoded_bytes,
            "content_encoding": e.content_encoding,
            "lazy": e.lazy,
            "frame_depth": e.frame_depth,
            "connection_reused": e.connection_reused,
            "party": e.party,
            "error": e.error,
        },
    });
    optional_fields(entry.as_object_mut().expect("an object"), e);
    entry
}

/// An entry's HAR `request`: its URL redacted, its query parsed.
fn request(e: &Entry, opts: &ExportOptions) -> Value {
    let query: Vec<Value> = url::Url::parse(&e.url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| json!({ "name": k, "value": v }))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "method": e.method,
        "url": crate::model::urls::redact_url(&e.url),
        "httpVersion": e.http_version.clone().unwrap_or_default(),
        "cookies": [],
        "headers": headers(&e.request_headers, opts),
        "queryString": query,
        "headersSize": -1,
        "bodySize": 0,
    })
}

/// An entry's HAR `response`: -1 where a size is unknown, status 0 when none came.
fn response(e: &Entry, opts: &ExportOptions) -> Value {
    let reason = e
        .status
        .and_then(|s| http::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason());
    json!({
        "status": e.status.unwrap_or(0),
        "statusText": reason.unwrap_or(""),
        "httpVersion": e.http_version.clone().unwrap_or_default(),
        "cookies": [],
        "headers": headers(&e.response_headers, opts),
        "content": {
            "size": e.decoded_bytes,
            "compression": e.decoded_bytes as i64 - e.body_bytes as i64,
            "mimeType": e.mime_type.clone().unwrap_or_else(|| "x-unknown".into()),
        },
        "redirectURL": e.redirect_url.as_deref().map(crate::model::urls::redact_url).unwrap_or_default(),
        "headersSize": e.header_bytes.map_or(-1, |h| h as i64),
        "bodySize": if e.status.is_some() { e.body_bytes as i64 } else { -1 },
        "_transferSize": e.transfer_bytes,
    })
}

/// Chrome's `_initiator`: its kinds, and 0-based line numbers.
fn initiator(e: &Entry) -> Value {
    json!({
        "type": match e.initiator.kind {
            InitiatorKind::Navigation => "other",
            InitiatorKind::Redirect => "redirect",
            InitiatorKind::Script => "script",
            InitiatorKind::Other => "other",
            _ => "parser",
        },
        "url": e.initiator.url.as_deref().map(crate::model::urls::redact_url),
        "lineNumber": e.initiator.line.map(|l| l.saturating_sub(1)),
    })
}

/// The fields HAR leaves out when unknown: server address and port, connection, priority,
/// error.
fn optional_fields(o: &mut serde_json::Map<String, Value>, e: &Entry) {
    if let Some(ip) = &e.remote_addr {
        let ip = ip
            .rsplit_once(':')
            .map_or(ip.as_str(), |(h, _)| h)
            .trim_start_matches('[')
            .trim_end_matches(']');
        o.insert("serverIPAddress".into(), json!(ip));
        if let Some(port) = e
            .remote_addr
            .as_deref()
            .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
            .map(|a| a.port())
        {
            o.insert("_serverPort".into(), json!(port));
        }
    }
    if let Some(c) = e.connection_id {
        o.insert("connection".into(), json!(c.to_string()));
    }
    if let Some(p) = e.priority {
        o.insert("_priority".into(), json!(p.chrome_name()));
    }
    if let Some(err) = &e.error {
        // As DevTools writes it: the browser's words (the kind is in `_pagecost`).
        o.insert("_error".into(), json!(err.message));
    }
}
