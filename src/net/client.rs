//! One measured request: headers as a browser sends them, the response streamed, counted and
//! decoded as it arrives, every phase timed. Used by the static engine through a [`Pool`].

use super::conn::{Connector, IoStats, OpenTimings, Tls};
use super::decode::{DecodeError, Decoder};
use super::pool::{hyper_err, Pool, Sent};
use super::throttle::Throttle;
use crate::config::AuditConfig;
use crate::error::{Error, Result, Setting};
use crate::model::Profile;
use crate::model::{EntryError, ErrorKind, ResourceType};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Instant;
use url::Url;

/// Everything a load needs to make requests.
pub(crate) struct Http {
    pub pool: Pool,
    headers: HeaderMap,
    timeout: std::time::Duration,
    /// The loopback folder servers' origins and the key they ask for.
    local_key: Option<(Vec<url::Origin>, HeaderValue)>,
}

impl Http {
    /// Builds the connection pool and the default headers. The TLS configuration is built on
    /// first use or by [`Http::prepare_tls`] (see [`Tls`]).
    pub(crate) fn new(cfg: &AuditConfig, throttle: Option<&Profile>) -> Result<Http> {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_str(&cfg.user_agent)
                .map_err(|e| Error::setting(Setting::UserAgent, &cfg.user_agent, e.to_string()))?,
        );
        headers.insert(
            http::header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br, zstd"),
        );
        for (name, value) in &cfg.headers {
            let bad = |reason: String| {
                Error::setting(Setting::Header, format!("{name}: {value}"), reason)
            };
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(e.to_string()))?;
            let v = HeaderValue::from_str(value).map_err(|e| bad(e.to_string()))?;
            headers.append(n, v);
        }
        let connector = Connector {
            tls: Tls::new(cfg.insecure),
            overrides: cfg
                .resolve
                .iter()
                .map(|r| (r.host.clone(), r.addr))
                .collect(),
            connect_to: cfg
                .connect_to
                .iter()
                .map(|c| (c.host.clone(), c.port, c.to))
                .collect(),
            connect_timeout: cfg.connect_timeout,
            throttle: throttle.map(|p| Arc::new(Throttle::new(p))),
            dns_cache: Default::default(),
        };
        let local_key = (cfg.local_key.as_ref())
            .and_then(|k| Some((k.origins.clone(), HeaderValue::from_str(&k.key).ok()?)));
        Ok(Http {
            pool: Pool::new(connector, cfg.per_origin.max(1)),
            headers,
            timeout: cfg.timeout,
            local_key,
        })
    }

    /// Builds the TLS configuration now, before timed requests to `url` if it is https: the
    /// first handshake of a process must not pay for start-up.
    pub(crate) fn prepare_tls(&self, url: &url::Url) {
        if url.scheme() == "https" {
            self.pool.connector().tls.prepare();
        }
    }
}

/// The `Accept` header a browser sends for each kind of request.
fn accept(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::Document | ResourceType::Iframe => {
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        }
        ResourceType::Stylesheet => "text/css,*/*;q=0.1",
        ResourceType::Image => "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
        _ => "*/*",
    }
}

/// What one request measured. Instants are turned into offsets by the engine.
#[derive(Debug, Default)]
pub(crate) struct Fetched {
    pub status: Option<u16>,
    pub error: Option<EntryError>,
    pub mime_type: Option<String>,
    /// The Content-Type header as sent (its `charset` decides how text is decoded).
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub location: Option<String>,
    pub http_version: Option<String>,
    pub remote_addr: Option<String>,
    pub header_bytes: Option<u64>,
    pub transfer_bytes: u64,
    pub body_bytes: u64,
    pub decoded_bytes: u64,
    /// Decoded body prefix, kept only when asked (HTML and CSS, for parsing).
    pub body: Option<Vec<u8>>,
    pub request_headers: Vec<(String, String)>,
    pub response_headers: Vec<(String, String)>,
    pub connection_id: Option<u64>,
    pub connection_reused: Option<bool>,
    /// A connection was ready, or began to be opened, for this request.
    pub ready_at: Option<Instant>,
    /// Phases of the connection opened for this request.
    pub open: Option<OpenTimings>,
    pub sent_at: Option<Instant>,
    pub first_byte_at: Option<Instant>,
    pub done_at: Option<Instant>,
}

/// Limits applied to one body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    pub max_body: u64,
    pub max_decoded: u64,
    /// Bytes of the decoded body to keep; 0 keeps nothing.
    pub keep: usize,
}

fn timeout_error(t: std::time::Duration) -> EntryError {
    EntryError {
        kind: ErrorKind::Timeout,
        message: format!("no complete response within {t:?}"),
    }
}

/// Sends one GET and reads its body to the end, counting and decoding as it streams.
pub(crate) async fn fetch(http: &Http, url: &Url, rt: ResourceType, limits: BodyLimits) -> Fetched {
    let mut out = Fetched::default();
    let deadline = tokio::time::Instant::now() + http.timeout;
    let mut headers = request_headers(http, rt);
    out.request_headers = header_list(&headers);
    // After the headers are recorded: the key is in no report.
    if let Some((origins, key)) = &http.local_key {
        if origins.contains(&url.origin()) {
            headers.insert(crate::config::LocalKey::HEADER, key.clone());
        }
    }
    let sent = match tokio::time::timeout_at(deadline, http.pool.send(url, &headers)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            out.error = Some(e.error);
            out.open = e.open;
            out.done_at = Some(Instant::now());
            return out;
        }
        Err(_) => {
            out.error = Some(timeout_error(http.timeout));
            out.done_at = Some(Instant::now());
            return out;
        }
    };
    record_sent(&mut out, &sent);
    let (parts, mut body) = sent.response.into_parts();
    let closes = read_head(&mut out, &parts);
    let chunked_head = chunked(&parts).then(|| head_len(&parts));
    let mut decoder = decoder_for(&mut out, &parts.headers, limits);
    let complete = read_body(
        &mut out,
        &mut body,
        &mut decoder,
        deadline,
        http.timeout,
        limits,
    )
    .await;
    out.done_at = Some(Instant::now());
    finish_decoding(&mut out, decoder, complete, limits);
    count_transfer(&mut out, sent.read_mark.as_ref(), chunked_head);
    sent.lease
        .release(complete && out.error.is_none() && !closes);
    out
}

/// The job's headers with the `Accept` of this kind of resource (and a range for media).
fn request_headers(http: &Http, rt: ResourceType) -> HeaderMap {
    let mut headers = http.headers.clone();
    headers.insert(http::header::ACCEPT, HeaderValue::from_static(accept(rt)));
    if rt == ResourceType::Media {
        // Media elements ask for ranges, as Chromium does (`bytes=0-`: the whole file).
        headers.insert(http::header::RANGE, HeaderValue::from_static("bytes=0-"));
    }
    headers
}

/// The connection and the moments of a request sent into `out`.
fn record_sent(out: &mut Fetched, sent: &Sent) {
    out.connection_id = Some(sent.conn_id);
    out.connection_reused = Some(sent.reused);
    out.remote_addr = Some(sent.remote.to_string());
    out.ready_at = Some(sent.ready_at);
    out.open = sent.open;
    out.sent_at = Some(sent.sent_at);
    out.first_byte_at = Some(sent.first_byte_at);
    out.http_version = Some(if sent.h2 {
        "HTTP/2".into()
    } else {
        format!("{:?}", sent.response.version())
    });
}

/// A decoder for the response's content encoding, sized to its Content-Length; an encoding
/// that cannot be decoded is the entry's error (and no decoder).
fn decoder_for(out: &mut Fetched, headers: &HeaderMap, limits: BodyLimits) -> Option<Decoder> {
    match Decoder::new(
        out.content_encoding.as_deref(),
        limits.max_decoded,
        limits.keep,
    ) {
        Ok(mut d) => {
            let length = header_text(headers, http::header::CONTENT_LENGTH);
            if let Some(n) = length.and_then(|n| n.parse().ok()) {
                d.reserve(n);
            }
            Some(d)
        }
        Err(e) => {
            out.error = Some(decode_error(e));
            None
        }
    }
}

/// Decoded size (and the kept prefix) of a body read whole; what was decoded of one cut short.
fn finish_decoding(
    out: &mut Fetched,
    decoder: Option<Decoder>,
    complete: bool,
    limits: BodyLimits,
) {
    match (decoder, complete && out.error.is_none()) {
        (Some(d), true) => match d.finish() {
            Ok((n, kept)) => {
                out.decoded_bytes = n;
                if limits.keep > 0 {
                    out.body = Some(kept);
                }
            }
            Err(e) => out.error = Some(decode_error(e)),
        },
        (Some(d), false) => out.decoded_bytes = d.decoded(),
        (None, _) => {}
    }
}

/// Bytes on the wire: what the connection read for this response (headers included), when
/// it counts them; else the body alone. A chunked body counts its chunk framing, as browsers
/// count it (`chunked_head`: the length of the response's head, then).
fn count_transfer(
    out: &mut Fetched,
    read_mark: Option<&(Arc<IoStats>, u64)>,
    chunked_head: Option<u64>,
) {
    match read_mark {
        Some((stats, mark)) => {
            let read = stats.read_bytes.load(std::sync::atomic::Ordering::Relaxed) - mark;
            out.transfer_bytes = read.max(out.body_bytes);
            let head = match chunked_head {
                Some(head) => head.min(read),
                None => read.saturating_sub(out.body_bytes),
            };
            out.header_bytes = Some(head);
            out.body_bytes = out.transfer_bytes - head;
        }
        None => out.transfer_bytes = out.body_bytes,
    }
}

/// Whether an HTTP/1.1 response's body is sent in chunks.
fn chunked(parts: &http::response::Parts) -> bool {
    parts.version == http::Version::HTTP_11
        && (parts
            .headers
            .get_all(http::header::TRANSFER_ENCODING)
            .iter())
        .any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("chunked"))
        })
}

/// The length of an HTTP/1.1 response's head as sent: status line, headers, blank line.
fn head_len(parts: &http::response::Parts) -> u64 {
    let reason = (parts.extensions.get::<hyper::ext::ReasonPhrase>())
        .map(|r| r.as_bytes().len())
        .or_else(|| parts.status.canonical_reason().map(str::len))
        .unwrap_or(0);
    let status_line = "HTTP/1.1 200 ".len() + reason + 2;
    let headers: usize = (parts.headers.iter())
        .map(|(n, v)| n.as_str().len() + 2 + v.len() + 2)
        .sum();
    (status_line + headers + 2) as u64
}

fn header_text(h: &HeaderMap, n: HeaderName) -> Option<String> {
    h.get(n).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Status and headers of a response into `out`; whether the server closes the connection.
fn read_head(out: &mut Fetched, parts: &http::response::Parts) -> bool {
    let text = |n| header_text(&parts.headers, n);
    out.status = Some(parts.status.as_u16());
    out.response_headers = header_list(&parts.headers);
    out.content_type = text(http::header::CONTENT_TYPE);
    out.mime_type = out
        .content_type
        .as_deref()
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty());
    out.content_encoding = text(http::header::CONTENT_ENCODING);
    out.location = text(http::header::LOCATION);
    text(http::header::CONNECTION).is_some_and(|c| c.eq_ignore_ascii_case("close"))
}

/// Streams a body to its end (true) or to an error, the deadline or a limit (false),
/// counting bytes and feeding the decoder (dropped when it fails).
async fn read_body(
    out: &mut Fetched,
    body: &mut hyper::body::Incoming,
    decoder: &mut Option<Decoder>,
    deadline: tokio::time::Instant,
    timeout: std::time::Duration,
    limits: BodyLimits,
) -> bool {
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                out.error = Some(timeout_error(timeout));
                break;
            }
            Ok(None) => return true,
            Ok(Some(Err(e))) => {
                out.error = Some(hyper_err(&e, None).error);
                break;
            }
            Ok(Some(Ok(f))) => f,
        };
        let Ok(chunk) = frame.into_data() else {
            continue;
        }; // trailers
        out.body_bytes += chunk.len() as u64;
        if out.body_bytes > limits.max_body {
            out.error = Some(EntryError {
                kind: ErrorKind::TooLarge,
                message: format!(
                    "body larger than {} bytes; stopped reading",
                    limits.max_body
                ),
            });
            break;
        }
        if let Some(d) = decoder.as_mut() {
            if let Err(e) = d.write(&chunk) {
                out.decoded_bytes = d.decoded();
                out.error = Some(decode_error(e));
                *decoder = None;
                if out
                    .error
                    .as_ref()
                    .is_some_and(|e| e.kind == ErrorKind::TooLarge)
                {
                    break;
                }
            }
        }
    }
    false
}

fn header_list(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn decode_error(e: DecodeError) -> EntryError {
    match e {
        DecodeError::TooLarge(limit) => EntryError {
            kind: ErrorKind::TooLarge,
            message: format!("decoded body larger than {limit} bytes; stopped decoding"),
        },
        DecodeError::Unsupported(enc) => EntryError {
            kind: ErrorKind::Decode,
            message: format!("unsupported content-encoding '{enc}'"),
        },
        DecodeError::Invalid(msg) => EntryError {
            kind: ErrorKind::Decode,
            message: format!("invalid encoded body: {msg}"),
        },
    }
}
