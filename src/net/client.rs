//! The HTTP client and one measured request: the only code that sends requests.

use super::decode::{DecodeError, Decoder};
use crate::config::AuditConfig;
use crate::error::{Error, Result};
use crate::model::{EntryError, ErrorKind, ResourceType};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Instant;
use url::Url;

/// Builds the client: no automatic redirects (each hop is an entry), no automatic
/// decompression (we count wire and decoded bytes), HTTP/2 by ALPN, keep-alive pools.
pub(crate) fn build(cfg: &AuditConfig) -> Result<reqwest::Client> {
    // One process-wide crypto provider; a second install is a harmless no-op error.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut headers = HeaderMap::new();
    for (name, value) in &cfg.headers {
        let bad = |reason: String| Error::InvalidSetting {
            setting: format!("--header {name}: {value}"),
            reason,
        };
        let n = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let v = HeaderValue::from_str(value).map_err(|e| bad(e.to_string()))?;
        headers.append(n, v);
    }
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(cfg.user_agent.clone())
        .default_headers(headers)
        .timeout(cfg.timeout)
        .connect_timeout(cfg.connect_timeout)
        .pool_max_idle_per_host(cfg.per_origin.max(1))
        .tcp_nodelay(true)
        .danger_accept_invalid_certs(cfg.insecure)
        .no_proxy();
    for r in &cfg.resolve {
        b = b.resolve(&r.host, r.socket_addr());
    }
    b.build().map_err(|e| Error::Client(e.to_string()))
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

/// What one request measured.
#[derive(Debug, Default)]
pub(crate) struct Fetched {
    pub status: Option<u16>,
    pub error: Option<EntryError>,
    pub mime_type: Option<String>,
    pub content_encoding: Option<String>,
    pub location: Option<String>,
    pub http_version: Option<String>,
    pub remote_addr: Option<String>,
    pub header_bytes: Option<u64>,
    pub body_bytes: u64,
    pub decoded_bytes: u64,
    /// Decoded body prefix, kept only when asked (HTML and CSS, for parsing).
    pub body: Option<Vec<u8>>,
    /// Response headers arrived.
    pub headers_at: Option<Instant>,
    /// Last byte (or failure).
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

/// Sends one GET and reads its body to the end, counting and decoding as it streams.
pub(crate) async fn fetch(
    client: &reqwest::Client,
    url: &Url,
    rt: ResourceType,
    limits: BodyLimits,
) -> Fetched {
    let mut out = Fetched::default();
    let mut req = client
        .get(url.as_str())
        .header(reqwest::header::ACCEPT, accept(rt))
        .header(reqwest::header::ACCEPT_ENCODING, "gzip, deflate, br, zstd");
    if rt == ResourceType::Media {
        // Media elements ask for ranges, as Chromium does (`bytes=0-`: the whole file).
        req = req.header(reqwest::header::RANGE, "bytes=0-");
    }
    let mut resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            out.error = Some(classify(&e));
            out.done_at = Some(Instant::now());
            return out;
        }
    };
    out.headers_at = Some(Instant::now());
    out.status = Some(resp.status().as_u16());
    out.http_version = Some(format!("{:?}", resp.version()));
    out.remote_addr = resp.remote_addr().map(|a| a.to_string());
    let h = resp.headers();
    let text =
        |n: reqwest::header::HeaderName| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    out.mime_type = text(reqwest::header::CONTENT_TYPE)
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty());
    out.content_encoding = text(reqwest::header::CONTENT_ENCODING);
    out.location = text(reqwest::header::LOCATION);
    out.header_bytes = header_bytes(&resp);

    let mut decoder = match Decoder::new(
        out.content_encoding.as_deref(),
        limits.max_decoded,
        limits.keep,
    ) {
        Ok(d) => Some(d),
        Err(e) => {
            out.error = Some(decode_error(e));
            None
        }
    };
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                out.body_bytes += chunk.len() as u64;
                if out.body_bytes > limits.max_body {
                    out.error = Some(EntryError {
                        kind: ErrorKind::TooLarge,
                        message: format!(
                            "body larger than {} bytes; stopped reading",
                            limits.max_body
                        ),
                    });
                    out.decoded_bytes = decoder.as_ref().map_or(0, Decoder::decoded);
                    out.done_at = Some(Instant::now());
                    return out;
                }
                if let Some(d) = decoder.as_mut() {
                    if let Err(e) = d.write(&chunk) {
                        out.decoded_bytes = d.decoded();
                        out.error = Some(decode_error(e));
                        decoder = None;
                        if out
                            .error
                            .as_ref()
                            .is_some_and(|e| e.kind == ErrorKind::TooLarge)
                        {
                            out.done_at = Some(Instant::now());
                            return out;
                        }
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                out.error = Some(classify(&e));
                out.decoded_bytes = decoder.as_ref().map_or(0, Decoder::decoded);
                out.done_at = Some(Instant::now());
                return out;
            }
        }
    }
    out.done_at = Some(Instant::now());
    if let Some(d) = decoder {
        match d.finish() {
            Ok((n, kept)) => {
                out.decoded_bytes = n;
                if limits.keep > 0 {
                    out.body = Some(kept);
                }
            }
            Err(e) => out.error = Some(decode_error(e)),
        }
    }
    out
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

/// Size of the status line and headers as an HTTP/1.x server sends them (`name: value\r\n`);
/// `None` over HTTP/2 and later, where headers travel compressed and their size is unseen.
fn header_bytes(resp: &reqwest::Response) -> Option<u64> {
    let v = resp.version();
    if v != reqwest::Version::HTTP_11 && v != reqwest::Version::HTTP_10 {
        return None;
    }
    let status = resp.status();
    let reason = status.canonical_reason().unwrap_or("");
    let mut n = "HTTP/1.1 ".len() + 3 + 1 + reason.len() + 2;
    for (name, value) in resp.headers() {
        n += name.as_str().len() + 2 + value.len() + 2;
    }
    Some((n + 2) as u64)
}

/// Classifies a client error by walking its cause chain.
pub(crate) fn classify(e: &reqwest::Error) -> EntryError {
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    let mut kind = if e.is_timeout() || lower.contains("timed out") || lower.contains("deadline") {
        ErrorKind::Timeout
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        ErrorKind::Dns
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        ErrorKind::Tls
    } else if lower.contains("connection refused") || lower.contains("unreachable") {
        ErrorKind::Connect
    } else if lower.contains("reset")
        || lower.contains("closed before")
        || lower.contains("incomplete")
        || lower.contains("broken pipe")
        || lower.contains("unexpected eof")
        || lower.contains("end of file")
    {
        ErrorKind::Reset
    } else if e.is_connect() {
        ErrorKind::Connect
    } else if lower.contains("invalid")
        || lower.contains("parse")
        || lower.contains("chunk")
        || e.is_decode()
    {
        ErrorKind::Protocol
    } else {
        ErrorKind::Other
    };
    if e.is_builder() {
        kind = ErrorKind::Other;
    }
    EntryError {
        kind,
        message: chain,
    }
}

/// `outer: inner: innermost`, without the URL reqwest prefixes (the entry names it).
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let top = e.to_string();
    let top = match top.find(" for url (") {
        Some(i) => top[..i].to_string(),
        None => top,
    };
    parts.push(top);
    while let Some(s) = src {
        let m = s.to_string();
        if !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
        src = s.source();
    }
    // Drop the client's generic wrappers when a more specific cause follows.
    let generic = |p: &str| {
        p.starts_with("error sending request")
            || p.starts_with("client error (")
            || p == "request or response body error"
            || p == "error decoding response body"
    };
    if parts.len() > 1 {
        parts.retain(|p| !generic(p));
    }
    parts.join(": ")
}
