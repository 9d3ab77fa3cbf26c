//! HAR 1.2 out (`export.rs`) and in.
//!
//! Import accepts the HARs of Chrome/Chromium, Firefox, WebPageTest, Playwright and
//! chrome-har (browsertime, sitespeed.io), with their quirks: sizes missing or -1,
//! `_transferSize` or `bodySize`, several pages in one file, entries after onLoad, and each
//! producer's form of an entry's initiator (`initiator.rs`).

use crate::error::{Error, Result};
use crate::extract::encoding::Markup;
use crate::model::{
    Entry, EntryError, ErrorKind, Headers, Load, PageMetrics, Priority, ResourceType, Timings,
    Totals, WebSocketTraffic,
};
use serde_json::Value;

mod export;
mod initiator;
mod stream;
#[cfg(test)]
pub(crate) mod testing;

pub use export::{export, ExportOptions};
use initiator::initiator_of;

/// Milliseconds since the Unix epoch of an ISO 8601 date-time (`Z` or `+hh:mm` offsets).
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, time) = s.split_once('T')?;
    let mut dp = date.split('-');
    let (y, m, d): (i64, i64, i64) = (
        dp.next()?.parse().ok()?,
        dp.next()?.parse().ok()?,
        dp.next()?.parse().ok()?,
    );
    let (clock, offset_min) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0i64)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, off) = time.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = off[1..].replace(':', "");
        if off.is_empty() || off.len() > 4 || !off.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (hh, mm) = off.split_at(2.min(off.len()));
        (
            c,
            sign * (hh.parse::<i64>().ok()? * 60 + mm.parse::<i64>().unwrap_or(0)),
        )
    } else {
        (time, 0)
    };
    let mut cp = clock.split(':');
    let (hh, mi): (i64, i64) = (cp.next()?.parse().ok()?, cp.next()?.parse().ok()?);
    let sec: f64 = cp.next().unwrap_or("0").parse().ok()?;
    let days = crate::model::dates::days_from_civil(y, m, d);
    let secs = days * 86_400 + hh * 3600 + mi * 60 - offset_min * 60;
    Some(secs as f64 * 1000.0 + sec * 1000.0)
}

/// A HAR page's rendering milestones: pagecost's own record when it wrote the HAR, else the
/// page's `onContentLoad` and `onLoad` (relative to the page's start, as HAR 1.2 defines
/// them; -1 or absent is unknown).
fn imported_page_metrics(page: Option<&Value>, pc: Option<&Value>) -> PageMetrics {
    if let Some(m) = pc
        .and_then(|x| x.get("page_metrics"))
        .and_then(|m| serde_json::from_value::<PageMetrics>(m.clone()).ok())
    {
        return m;
    }
    let timing = |name: &str| {
        page.and_then(|p| p.get("pageTimings"))
            .and_then(|t| num(t.get(name)))
            .filter(|v| *v >= 0.0)
    };
    PageMetrics {
        dom_content_loaded_ms: timing("onContentLoad"),
        load_event_ms: timing("onLoad"),
        ..PageMetrics::default()
    }
}

fn bad(path: &str, reason: impl Into<String>) -> Error {
    Error::InvalidTarget {
        target: path.to_string(),
        reason: reason.into(),
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|x| *x >= 0.0)
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The page to import (1-based `page`, the first when `None`) and its id; a note when the
/// HAR holds more pages than the one taken.
fn pick_page(
    pages: &[Value],
    page: Option<usize>,
    path: &str,
    notes: &mut Vec<String>,
) -> Result<Option<usize>> {
    if pages.is_empty() {
        if page.is_some_and(|p| p > 1) {
            return Err(bad(path, "the HAR has no pages to pick from"));
        }
        return Ok(None);
    }
    let n = page.unwrap_or(1);
    if n == 0 || n > pages.len() {
        let why = format!("page {n}: the HAR has {} page(s)", pages.len());
        return Err(bad(path, why));
    }
    if pages.len() > 1 && page.is_none() {
        notes.push(format!(
            "the HAR holds {} pages; this is page 1 (choose with --page N)",
            pages.len()
        ));
    }
    Ok(Some(n - 1))
}

/// The entries of the page being imported, gathered as the HAR is read: converted at once
/// when the pages came first (they do in every producer's HAR), else kept until the end.
struct Picked<'a> {
    page: Option<usize>,
    path: &'a str,
    /// Decided: the page's index in `pages` (`None`: no pages) and its id.
    choice: Option<(Option<usize>, Option<String>)>,
    page_index: Option<usize>,
    waiting: Vec<Value>,
    /// The page's entries, and beside them when each started and whether its size is known
    /// (kept apart so that the entries need no second vector).
    rows: Vec<Entry>,
    starts: Vec<Start>,
    notes: Vec<String>,
    error: Option<Error>,
    /// Where the page's document redirected to, while its chain goes on.
    next_hop: Option<String>,
}

impl<'a> Picked<'a> {
    fn new(page: Option<usize>, path: &'a str) -> Self {
        Picked {
            page,
            path,
            choice: None,
            page_index: None,
            waiting: Vec::new(),
            rows: Vec::new(),
            starts: Vec::new(),
            notes: Vec::new(),
            error: None,
            next_hop: None,
        }
    }

    /// One entry as it is read.
    fn take(&mut self, e: Value, pages: Option<&[Value]>) -> std::result::Result<(), String> {
        let Some(pages) = pages else {
            self.waiting.push(e);
            return Ok(());
        };
        let step = self.decide(pages).and_then(|()| self.add(&e));
        // The error waits in `error`; the reader only needs to know that it must stop.
        step.map_err(|err| {
            self.error = Some(err);
            "stopped".to_string()
        })
    }

    /// The entries that came before the pages, once everything is read.
    fn finish(&mut self, pages: &[Value]) -> Result<()> {
        self.decide(pages)?;
        for e in std::mem::take(&mut self.waiting) {
            self.add(&e)?;
        }
        Ok(())
    }

    fn decide(&mut self, pages: &[Value]) -> Result<()> {
        if self.choice.is_none() {
            let i = pick_page(pages, self.page, self.path, &mut self.notes)?;
            let id = i.and_then(|i| str_of(&pages[i], "id")).map(str::to_string);
            self.page_index = i;
            self.choice = Some((i, id));
        }
        Ok(())
    }

    fn add(&mut self, e: &Value) -> Result<()> {
        let id = self.choice.as_ref().and_then(|c| c.1.as_deref());
        if id.is_some_and(|id| str_of(e, "pageref").is_some_and(|r| r != id)) {
            return Ok(());
        }
        let i = self.rows.len();
        let url = str_of(&e["request"], "url").and_then(|u| url::Url::parse(u).ok());
        // The page's document: the first entry, or where the page's document redirected to
        // (a hop's target is the page itself, not an iframe).
        let main = i == 0 || url.is_some_and(|u| self.next_hop.as_deref() == Some(u.as_str()));
        match import_entry(e, main) {
            Ok(row) => {
                if row.entry.resource_type == ResourceType::Document {
                    self.next_hop = row.entry.redirect_url.clone();
                }
                self.starts.push(Start {
                    epoch_ms: row.start_epoch_ms,
                    from_page_start: row.from_page_start,
                    sized: row.sized,
                });
                self.rows.push(row.entry);
                Ok(())
            }
            Err(r) => Err(bad(self.path, format!("entries[{i}]: {r}"))),
        }
    }
}

/// Whether the text holds a `\\uD800`-`\\uDFFF` escape (only then is mending worth a copy).
fn has_surrogate_escape(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"\\u").any(|i| {
        let b = text.as_bytes();
        matches!(b.get(i + 2), Some(b'd' | b'D'))
            && matches!(b.get(i + 3), Some(b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F'))
    })
}

/// The document's time to first byte from its phases: the start plus everything before the
/// first byte.
fn document_ttfb(entries: &[Entry]) -> Option<f64> {
    let d = entries
        .iter()
        .find(|e| e.resource_type == ResourceType::Document && !e.is_redirect())?;
    let t = &d.timings_ms;
    let pre: f64 = [t.blocked_ms, t.dns_ms, t.connect_ms, t.send_ms, t.wait_ms]
        .iter()
        .flatten()
        .sum();
    t.wait_ms.map(|_| d.started_ms + pre)
}

/// The HAR text as strict JSON reads it: a lone surrogate escape (`\uD800` without its other
/// half, which browsers write for a string cut mid-pair) becomes `\uFFFD`. Borrowed when
/// there is none, which is nearly always.
fn mended(text: &str) -> std::borrow::Cow<'_, str> {
    if has_surrogate_escape(text) {
        mend_lone_surrogates(text).into()
    } else {
        text.into()
    }
}

/// `text` with every `\uD800`-`\uDFFF` escape that is not half of a pair made `\uFFFD`.
fn mend_lone_surrogates(text: &str) -> String {
    let b = text.as_bytes();
    let escape_at = |i: usize| -> Option<u32> {
        let hex = b.get(i..i + 6).filter(|h| h[0] == b'\\' && h[1] == b'u')?;
        u32::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(code) = escape_at(i) else {
            i += 2; // another escape (`\\`, `\"` ...): skip both bytes
            continue;
        };
        let high = (0xD800..0xDC00).contains(&code);
        let paired = high && escape_at(i + 6).is_some_and(|c| (0xDC00..0xE000).contains(&c));
        if paired {
            i += 12;
        } else if (0xD800..0xE000).contains(&code) {
            out.push_str(&text[copied..i]);
            out.push_str("\\uFFFD");
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Reads a HAR file; `page` is 1-based (`None`: the first page). Parties are classified by
/// [`Load::finalize`](crate::model::Load::finalize), as for every source. The entries are
/// read one at a time (`har::stream`): memory grows with the entries kept, not with the JSON.
pub fn import(text: &str, path: &str, page: Option<usize>) -> Result<Load> {
    let text = mended(text);
    import_with(|each| stream::read(&text, each), path, page)
}

/// [`import`] from entries handed over by `source` (a text, or a file read as it comes).
fn import_with(
    source: impl FnOnce(&mut stream::Each<'_>) -> serde_json::Result<stream::Head>,
    path: &str,
    page: Option<usize>,
) -> Result<Load> {
    let mut picked = Picked::new(page, path);
    let read = source(&mut |e, pages| picked.take(e, pages));
    if let Some(err) = picked.error.take() {
        return Err(err);
    }
    let head = checked(read, path)?;
    let pages = head.pages.unwrap_or_default();
    picked.finish(&pages)?;
    let Picked {
        mut rows,
        starts,
        mut notes,
        page_index,
        ..
    } = picked;
    let page_obj = page_index.and_then(|i| pages.get(i));
    if rows.is_empty() {
        return Err(bad(path, "the HAR has no entries for this page"));
    }
    let page_start = page_start_of(page_obj, &starts)
        .ok_or_else(|| bad(path, "no entry has a valid startedDateTime"))?;
    let unknown_size = starts.iter().filter(|s| !s.sized).count();
    for (e, st) in rows.iter_mut().zip(&starts) {
        if st.from_page_start {
            e.started_ms = round_us(st.epoch_ms - page_start);
        }
    }
    let out = rows;
    if unknown_size > 0 {
        notes.push(format!(
            "{unknown_size} entries have no size in the HAR (-1): their bytes are unknown and \
             left out of the totals"
        ));
    }
    Ok(assemble(
        out,
        notes,
        page_obj,
        head.creator.as_ref(),
        page_start,
        path,
    ))
}

/// The HAR's head, read: an error unless it is JSON with a log holding an entries array.
fn checked(read: serde_json::Result<stream::Head>, path: &str) -> Result<stream::Head> {
    let head = read.map_err(|e| bad(path, format!("not a HAR: invalid JSON: {e}")))?;
    if !head.has_log {
        return Err(bad(path, "not a HAR: no \"log\" object"));
    }
    if !head.has_entries {
        let why = "not a HAR: log.entries is missing or not an array";
        return Err(bad(path, why));
    }
    Ok(head)
}

/// When the page started: its page object's time, or its first entry's if earlier; `None`
/// when neither is known.
fn page_start_of(page_obj: Option<&Value>, starts: &[Start]) -> Option<f64> {
    let first = page_obj
        .and_then(|p| str_of(p, "startedDateTime"))
        .and_then(parse_iso8601)
        .into_iter()
        .chain(starts.iter().map(|s| s.epoch_ms))
        .fold(f64::INFINITY, f64::min);
    first.is_finite().then_some(first)
}

/// A note of the requests that started after the page's onLoad, when some did.
fn after_on_load(out: &[Entry], page_obj: Option<&Value>) -> Option<String> {
    let on_load = page_obj
        .and_then(|p| p.get("pageTimings"))
        .and_then(|t| num(t.get("onLoad")))?;
    let after = out.iter().filter(|e| e.started_ms > on_load).count();
    (after > 0).then(|| {
        format!("{after} requests started after onLoad ({on_load:.0} ms); they are included")
    })
}

/// The Load of the imported entries, with what the page object (and pagecost's own block in
/// it, for a lossless round trip) says.
fn assemble(
    mut out: Vec<Entry>,
    mut notes: Vec<String>,
    page_obj: Option<&Value>,
    creator: Option<&Value>,
    page_start: f64,
    path: &str,
) -> Load {
    notes.extend(after_on_load(&out, page_obj));
    let pc = page_obj.and_then(|p| p.get("_pagecost"));
    out.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
    let url = out[0].url.clone();
    let final_url = own(pc, "final_url")
        .or_else(|| {
            out.iter()
                .find(|e| e.resource_type == ResourceType::Document && !e.is_redirect())
                .map(|e| e.url.clone())
        })
        .unwrap_or_else(|| url.clone());
    let document_ttfb_ms = match pc.and_then(|_| page_obj?.get("_documentTtfb")) {
        Some(v) => v.as_f64(),
        None => document_ttfb(&out),
    };
    notes.insert(0, format!("imported from {path}"));
    let creator = creator.and_then(|c| str_of(c, "name")).unwrap_or("unknown");
    Load {
        tool: format!("{creator} (HAR)"),
        url,
        final_url,
        started_unix_ms: page_start.max(0.0) as u64,
        settings: own(pc, "settings").unwrap_or_default(),
        document_ttfb_ms,
        fully_loaded_ms: out.iter().map(Entry::ended_ms).fold(0.0, f64::max),
        totals: Totals::from_entries(&out),
        entries: out,
        connections: own(pc, "connections").unwrap_or_default(),
        skipped: own(pc, "skipped").unwrap_or_default(),
        // pagecost's own notes, when it wrote the HAR: a lossless round trip.
        notes: own(pc, "notes").unwrap_or(notes),
        partial: own(pc, "partial").unwrap_or(false),
        partial_causes: own(pc, "partial_causes").unwrap_or_default(),
        local: None,
        page_metrics: imported_page_metrics(page_obj, pc),
        third_party_tags: Vec::new(),
        // pagecost's own record of a browser load; another producer's HAR has no trace.
        main_thread: own(pc, "main_thread"),
        unused_code: own(pc, "unused_code"),
        carbon: own(pc, "carbon"),
        data_cost: own(pc, "data_cost"),
        savings: own(pc, "savings"),
    }
}

/// The field `key` of pagecost's own block (`_pagecost`) in a HAR it wrote, read as a `T`.
fn own<T: serde::de::DeserializeOwned>(pc: Option<&Value>, key: &str) -> Option<T> {
    T::deserialize(pc?.get(key)?).ok()
}

fn resource_type_of(e: &Value, main: bool, mime: &str) -> ResourceType {
    let chrome = str_of(e, "_resourceType")
        .unwrap_or("")
        .to_ascii_lowercase();
    match chrome.as_str() {
        "document" if !main => ResourceType::Iframe,
        "document" => ResourceType::Document,
        "stylesheet" => ResourceType::Stylesheet,
        "script" => ResourceType::Script,
        "image" => ResourceType::Image,
        "font" => ResourceType::Font,
        "media" => ResourceType::Media,
        "websocket" => ResourceType::WebSocket,
        "" => {
            // Firefox and WebPageTest: from the MIME type.
            if main && (mime.contains("html") || mime.is_empty()) {
                ResourceType::Document
            } else if mime.contains("html") {
                ResourceType::Iframe
            } else if mime.contains("css") {
                ResourceType::Stylesheet
            } else if mime.contains("javascript") || mime.contains("ecmascript") {
                ResourceType::Script
            } else if mime.starts_with("image/") {
                ResourceType::Image
            } else if mime.starts_with("font/")
                || mime.contains("woff")
                || mime.contains("opentype")
            {
                ResourceType::Font
            } else if mime.starts_with("video/") || mime.starts_with("audio/") {
                ResourceType::Media
            } else {
                ResourceType::Other
            }
        }
        _ => ResourceType::Other,
    }
}

/// A WebSocket's messages, from Chrome's `_webSocketMessages` (`type` send or receive, text
/// or base64 `data` by `opcode`).
fn websocket_of(e: &Value) -> Option<WebSocketTraffic> {
    let messages = e.get("_webSocketMessages")?.as_array()?;
    let mut t = WebSocketTraffic::default();
    for m in messages {
        let data = str_of(m, "data").unwrap_or("");
        let opcode = m.get("opcode").and_then(Value::as_f64).unwrap_or(1.0);
        let bytes = crate::model::payload_bytes(opcode, data);
        match str_of(m, "type") {
            Some("send") => {
                (t.messages_sent, t.bytes_sent) = (t.messages_sent + 1, t.bytes_sent + bytes)
            }
            Some("receive") => {
                (t.messages_received, t.bytes_received) =
                    (t.messages_received + 1, t.bytes_received + bytes)
            }
            _ => {}
        }
    }
    Some(t)
}

/// An entry's phases: pagecost's own (lossless) when recorded, else the HAR's `timings`.
fn timings_of(e: &Value, pc: Option<&Value>) -> Timings {
    if let Some(t) =
        pc.and_then(|p| serde_json::from_value::<Timings>(p.get("timings_ms")?.clone()).ok())
    {
        return t;
    }
    let t = e.get("timings").cloned().unwrap_or(Value::Null);
    let phase = |k: &str| num(t.get(k));
    Timings {
        blocked_ms: phase("blocked"),
        dns_ms: phase("dns"),
        connect_ms: phase("connect"),
        ssl_ms: phase("ssl"),
        send_ms: phase("send"),
        wait_ms: phase("wait"),
        receive_ms: phase("receive"),
    }
}

/// Why an entry failed: pagecost's record, a browser's `_error`, or no response at all.
fn error_of(
    e: &Value,
    resp: &Value,
    status: Option<u16>,
    pc: Option<&Value>,
) -> Option<EntryError> {
    if let Some(err) =
        pc.and_then(|p| serde_json::from_value::<Option<EntryError>>(p.get("error")?.clone()).ok())
    {
        return err;
    }
    let msg = str_of(e, "_error")
        .or_else(|| str_of(resp, "_error"))
        .map(str::to_string);
    match (status, msg) {
        (_, Some(m)) => Some(EntryError {
            kind: ErrorKind::of_net_error(&m),
            message: m,
        }),
        (None, None) => Some(EntryError {
            kind: ErrorKind::Other,
            message: "no response recorded".into(),
        }),
        _ => None,
    }
}

fn headers_of(v: Option<&Value>) -> Headers {
    let Some(a) = v.and_then(Value::as_array) else {
        return Headers::default();
    };
    a.iter()
        .filter_map(|h| Some((str_of(h, "name")?, str_of(h, "value").unwrap_or(""))))
        .collect()
}

/// `ADDR:PORT` of the server (`[ADDR]:PORT` for IPv6), or the address alone.
fn server_of(e: &Value) -> Option<String> {
    let ip = str_of(e, "serverIPAddress")?;
    Some(match e.get("_serverPort").and_then(Value::as_u64) {
        Some(port) if ip.contains(':') => format!("[{ip}]:{port}"),
        Some(port) => format!("{ip}:{port}"),
        None => ip.to_string(),
    })
}

/// When an entry started, and whether its size is known.
struct Start {
    epoch_ms: f64,
    from_page_start: bool,
    sized: bool,
}

/// One entry, read: the entry, whether its size is known, and its start as a time since
/// the epoch when its `started_ms` is still to be taken from the page's start.
struct Imported {
    entry: Entry,
    sized: bool,
    start_epoch_ms: f64,
    from_page_start: bool,
}

fn import_entry(e: &Value, main: bool) -> std::result::Result<Imported, String> {
    static NULL: Value = Value::Null;
    let req = e.get("request").ok_or("no request")?;
    let resp = e.get("response").unwrap_or(&NULL);
    let url = str_of(req, "url").ok_or("request.url missing")?.to_string();
    let started = str_of(e, "startedDateTime")
        .and_then(parse_iso8601)
        .ok_or("startedDateTime missing or invalid")?;
    let pc = e.get("_pagecost");
    let mime = mime_of(resp.get("content").unwrap_or(&NULL));
    let status = (resp.get("status").and_then(Value::as_u64))
        .filter(|s| *s > 0)
        .map(|s| s as u16);
    let sizes = sizes_of(e, pc);
    let resource_type =
        own(pc, "resource_type").unwrap_or_else(|| resource_type_of(e, main, &mime));
    let given_start: Option<f64> = own(pc, "started_ms");
    let entry = Entry {
        redirect_url: redirect_of(resp, status, &url),
        url,
        method: str_of(req, "method").unwrap_or("GET").to_string(),
        status,
        error: error_of(e, resp, status, pc),
        resource_type,
        mime_type: (!mime.is_empty() && mime != "x-unknown").then_some(mime),
        initiator: initiator_of(e, pc, main),
        started_ms: given_start.map_or(0.0, round_us),
        duration_ms: own(pc, "duration_ms")
            .or_else(|| num(e.get("time")))
            .unwrap_or(0.0),
        timings_ms: timings_of(e, pc),
        transfer_bytes: sizes.transfer.unwrap_or(0),
        header_bytes: sizes.header_bytes,
        body_bytes: sizes.body.unwrap_or(0),
        decoded_bytes: sizes.decoded.unwrap_or(0),
        content_encoding: own(pc, "content_encoding"),
        http_version: str_of(resp, "httpVersion")
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        remote_addr: server_of(e),
        lazy: own(pc, "lazy").unwrap_or(false),
        frame_depth: own(pc, "frame_depth").unwrap_or(0),
        connection_id: str_of(e, "connection").and_then(|c| c.parse().ok()),
        connection_reused: own(pc, "connection_reused"),
        request_headers: headers_of(req.get("headers")),
        response_headers: headers_of(resp.get("headers")),
        party: own(pc, "party"),
        size_unknown: sizes.decoded.is_none(),
        priority: str_of(e, "_priority").and_then(Priority::from_chrome_name),
        websocket: websocket_of(e),
        ..Entry::default()
    };
    Ok(Imported {
        entry,
        sized: sizes.transfer.is_some(),
        start_epoch_ms: started,
        from_page_start: given_start.is_none(),
    })
}

/// The response's media type, lowercase, without parameters ("" when none).
fn mime_of(content: &Value) -> String {
    let given = str_of(content, "mimeType").unwrap_or("");
    given
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// An entry's byte counts, each `None` when the HAR does not give it.
struct Sizes {
    header_bytes: Option<u64>,
    body: Option<u64>,
    transfer: Option<u64>,
    decoded: Option<u64>,
}

/// The byte counts of entry `e` (pagecost's own `_pagecost` fields in `pc` first): on the
/// wire, Chrome's `_transferSize`, else headers and body; decoded, `content.size`.
fn sizes_of(e: &Value, pc: Option<&Value>) -> Sizes {
    static NULL: Value = Value::Null;
    let resp = e.get("response").unwrap_or(&NULL);
    let header_bytes = num(resp.get("headersSize")).map(|x| x as u64);
    let body = num(resp.get("bodySize")).map(|x| x as u64);
    let transfer = num(e.get("_transferSize"))
        .or_else(|| num(resp.get("_transferSize")))
        .map(|x| x as u64)
        .or_else(|| Some(header_bytes? + body?))
        .or(body);
    let content = resp.get("content").unwrap_or(&NULL);
    let decoded = pc
        .and_then(|p| p.get("decoded_bytes")?.as_u64())
        .or_else(|| num(content.get("size")).map(|x| x as u64))
        .or(body);
    Sizes {
        header_bytes,
        body,
        transfer,
        decoded,
    }
}

/// A redirect's target, resolved against the request's `url`: only for a 3xx status.
fn redirect_of(resp: &Value, status: Option<u16>, url: &str) -> Option<String> {
    let r = str_of(resp, "redirectURL")
        .filter(|r| !r.is_empty() && status.is_some_and(|s| (300..400).contains(&s)))?;
    Some(
        url::Url::parse(url)
            .and_then(|b| b.join(r))
            .map_or_else(|_| r.to_string(), |u| u.to_string()),
    )
}

fn round_us(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// Reads a HAR file from disk.
pub fn read(path: &std::path::Path, page: Option<usize>) -> Result<Load> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(io)?;
    match import_with(|each| stream::read_file(file, each), &name, page) {
        // A lone surrogate escape (which strict JSON refuses): read whole and mended.
        Err(Error::InvalidTarget { reason, .. })
            if reason.contains("surrogate") || reason.contains("hex escape") =>
        {
            let text = std::fs::read_to_string(path).map_err(io)?;
            import(&text, &name, page)
        }
        other => other,
    }
}

/// The HTML of a HAR's page document, when the HAR recorded response bodies (for `links`).
pub fn document_html(path: &std::path::Path, page: Option<usize>) -> Result<Markup> {
    let name = path.display().to_string();
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let load = read(path, page)?;
    let doc = load
        .entries
        .iter()
        .find(|e| e.resource_type == ResourceType::Document && !e.is_redirect())
        .ok_or_else(|| bad(&name, "no document entry"))?;
    // A second pass keeps only that entry's content.
    let mut found: Option<Value> = None;
    let mut keep = |mut e: Value, _: Option<&[Value]>| {
        if found.is_none() && str_of(&e["request"], "url") == Some(doc.url.as_str()) {
            found = e["response"].get_mut("content").map(Value::take);
        }
        Ok(())
    };
    if stream::read_file(std::fs::File::open(path).map_err(io)?, &mut keep).is_err() {
        // Only a lone surrogate escape gets here (the import above read the file): mended.
        let text = std::fs::read_to_string(path).map_err(io)?;
        let _ = stream::read(&mended(&text), &mut keep);
    }
    let raw = found.ok_or_else(|| bad(&name, "the document entry has no response content"))?;
    let body = str_of(&raw, "text").ok_or_else(|| {
        bad(
            &name,
            "the HAR does not hold the page's HTML (recorded without content)",
        )
    })?;
    let html = if str_of(&raw, "encoding") == Some("base64") {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|e| bad(&name, format!("the page's HTML is not valid base64: {e}")))?;
        Err(bytes)
    } else {
        Ok(body.to_string())
    };
    let url = url::Url::parse(&doc.url).map_err(|e| bad(&name, format!("document URL: {e}")))?;
    let content_type = str_of(&raw, "mimeType");
    Ok(match html {
        Ok(text) => Markup::from_text(url, text, content_type),
        Err(bytes) => Markup::from_bytes(url, &bytes, content_type),
    })
}

#[cfg(test)]
mod tests {
    use super::export::iso8601;
    use super::*;

    #[test]
    fn a_lone_surrogate_escape_reads_as_the_replacement_character_as_in_browsers() {
        let v = |t: &str| -> Value { serde_json::from_str(&mend_lone_surrogates(t)).unwrap() };
        let got = v(r#"{"a":"x\ud800y","b":"\udc00","pair":"\ud83d\ude00","esc":"\\ud800"}"#);
        assert_eq!(got["a"], "x\u{fffd}y");
        assert_eq!(got["b"], "\u{fffd}");
        assert_eq!(got["pair"], "\u{1f600}");
        assert_eq!(
            got["esc"], "\\ud800",
            "an escaped backslash is not an escape"
        );
        let har = r#"{"log":{"entries":[{"startedDateTime":"2025-11-28T08:53:20.123Z","request":{"url":"https://x.test/a\ud800"},"response":{"status":200,"content":{"size":1}}}]}}"#;
        assert!(has_surrogate_escape(har));
        let load = import(har, "s.har", None).unwrap();
        assert_eq!(load.entries[0].url, "https://x.test/a\u{fffd}");
    }

    #[test]
    fn dates_round_trip_through_iso8601() {
        let t = 1_764_320_000_123.0;
        let s = iso8601(t);
        assert_eq!(s, "2025-11-28T08:53:20.123Z");
        assert_eq!(parse_iso8601(&s), Some(t));
        assert_eq!(parse_iso8601("2025-11-28T09:53:20.123+01:00"), Some(t));
        assert_eq!(parse_iso8601("2025-11-28T03:23:20.123-05:30"), Some(t));
        assert_eq!(parse_iso8601("garbage"), None);
        // Found by the har_import fuzz target: a non-ASCII offset must not split a character.
        assert_eq!(
            parse_iso8601("2026-01-10T11:00:00.000+\u{fffd}\u{fffd}01:00"),
            None
        );
    }
}
