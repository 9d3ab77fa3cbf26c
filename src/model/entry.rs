//! One request of a page load.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a request is for, as a browser's network panel classifies it.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    /// The page's main document.
    Document,
    /// The document of an iframe (a browser's "subdocument").
    Iframe,
    /// A CSS stylesheet (`<link rel=stylesheet>`, `@import`).
    Stylesheet,
    /// A script.
    Script,
    /// An image (`<img>`, CSS `url()` backgrounds, icons, posters).
    Image,
    /// A web font.
    Font,
    /// Audio or video.
    Media,
    /// A WebSocket connection: its handshake and the messages it carried (browser engine).
    #[serde(rename = "websocket")]
    WebSocket,
    /// Anything else (`<object>`, `<track>`, preloads of other kinds ...).
    #[default]
    Other,
}

impl ResourceType {
    /// Every type, in display order.
    pub const ALL: [ResourceType; 9] = [
        ResourceType::Document,
        ResourceType::Iframe,
        ResourceType::Stylesheet,
        ResourceType::Script,
        ResourceType::Image,
        ResourceType::Font,
        ResourceType::Media,
        ResourceType::WebSocket,
        ResourceType::Other,
    ];

    /// The lowercase name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Document => "document",
            ResourceType::Iframe => "iframe",
            ResourceType::Stylesheet => "stylesheet",
            ResourceType::Script => "script",
            ResourceType::Image => "image",
            ResourceType::Font => "font",
            ResourceType::Media => "media",
            ResourceType::WebSocket => "websocket",
            ResourceType::Other => "other",
        }
    }

    /// Whether a response of this type is expected to have a body (an empty one is a defect).
    pub fn expects_content(self) -> bool {
        !matches!(self, ResourceType::Other | ResourceType::WebSocket)
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a request came to be made.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InitiatorKind {
    /// The page itself, named by the user.
    Navigation,
    /// An element or attribute of an HTML document.
    Parser,
    /// A `url()` in a stylesheet (or a `<style>` block or `style` attribute).
    Css,
    /// An `@import` rule.
    Import,
    /// The `Location` of a redirect response.
    Redirect,
    /// A `<link rel=preload|modulepreload>`.
    Preload,
    /// A script at run time (only in loads imported from a browser's HAR).
    Script,
    /// Anything else a HAR names.
    #[default]
    Other,
}

/// Who caused a request: the document or stylesheet, and where in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Initiator {
    /// How the request was caused.
    pub kind: InitiatorKind,
    /// The document, stylesheet or redirecting response that referenced this URL.
    pub url: Option<String>,
    /// The element (`img`, `link` ...) or CSS construct (`url`, `@import`, `@font-face`).
    pub element: Option<String>,
    /// The attribute that held the URL (`src`, `srcset`, `href` ...).
    pub attribute: Option<String>,
    /// 1-based line in the initiator's source, where known.
    pub line: Option<u32>,
    /// 1-based column in the initiator's source, where known.
    pub column: Option<u32>,
    /// The browser named no sender, the load's trace did: by which rule (absent when the
    /// browser or the document named it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred: Option<Inferred>,
}

impl std::fmt::Display for Inferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Inferred::RunningScript => "running when it was sent",
            Inferred::FetchCallback => "a fetch's callback",
        })
    }
}

/// How the load's trace told who sent a request the browser sent with no stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Inferred {
    /// The script running on the main thread when the request went out.
    RunningScript,
    /// Sent from a promise callback: the script that made the fetch or XHR whose answer ran
    /// the callback.
    FetchCallback,
}

impl Initiator {
    /// The initiator of the page's own document.
    pub fn navigation() -> Self {
        Initiator {
            kind: InitiatorKind::Navigation,
            url: None,
            element: None,
            attribute: None,
            line: None,
            column: None,
            inferred: None,
        }
    }

    /// `url:line:column`, or as much of it as is known, and how it is known when the trace
    /// told it (`tag.js (a fetch's callback, by the trace)`).
    pub fn location(&self) -> String {
        let mut s = self.url.clone().unwrap_or_default();
        if let Some(line) = self.line {
            s.push_str(&format!(":{line}"));
            if let Some(col) = self.column {
                s.push_str(&format!(":{col}"));
            }
        }
        if let Some(how) = self.inferred.filter(|_| !s.is_empty()) {
            s.push_str(&format!(" ({how}, by the trace)"));
        }
        s
    }
}

/// Why a request failed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The host name did not resolve.
    Dns,
    /// The TCP connection could not be made (refused, unreachable).
    Connect,
    /// The TLS handshake failed (bad certificate, protocol error).
    Tls,
    /// The request took longer than the timeout.
    Timeout,
    /// The connection was reset or closed before the response was complete.
    Reset,
    /// The body was larger than the limit (encoded or decoded).
    TooLarge,
    /// The body could not be decoded with the encoding the response claimed.
    Decode,
    /// A redirect led back to a URL of its own chain.
    RedirectLoop,
    /// More redirect hops than the limit.
    TooManyRedirects,
    /// A redirect without a usable `Location`.
    BadRedirect,
    /// The server spoke broken HTTP.
    Protocol,
    /// The URL's scheme is not http or https.
    UnsupportedScheme,
    /// The request was not made because a limit or the total time ran out.
    Aborted,
    /// The request was not made: a `--block` pattern matched it.
    Blocked,
    /// The request was not made: its URL is longer than the HTTP client can send (64 KiB of
    /// path and query; a browser sends up to 2 MB).
    UrlTooLong,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The kind of a Chromium network error (`net::ERR_NAME_NOT_RESOLVED` ...), as a live
    /// load reports it and as a browser's HAR keeps it (`_error`): one reading for both, so
    /// that a load and its HAR agree.
    pub fn of_net_error(text: &str) -> ErrorKind {
        let t = text.to_ascii_uppercase();
        let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
        if any(&["NAME_NOT_RESOLVED", "NAME_RESOLUTION", "DNS"]) {
            ErrorKind::Dns
        } else if any(&["CERT", "SSL", "TLS"]) {
            ErrorKind::Tls
        } else if any(&["TIMED_OUT", "TIMEOUT"]) {
            ErrorKind::Timeout
        } else if any(&["REFUSED", "UNREACHABLE", "CONNECTION_FAILED"]) {
            ErrorKind::Connect
        } else if any(&["RESET", "CLOSED", "EMPTY_RESPONSE", "CONNECTION_ABORTED"]) {
            ErrorKind::Reset
        } else if any(&["ABORTED"]) {
            ErrorKind::Aborted
        } else if any(&["BLOCKED"]) {
            ErrorKind::Blocked
        } else {
            ErrorKind::Other
        }
    }

    /// The snake_case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Reset => "reset",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Decode => "decode",
            ErrorKind::RedirectLoop => "redirect_loop",
            ErrorKind::TooManyRedirects => "too_many_redirects",
            ErrorKind::BadRedirect => "bad_redirect",
            ErrorKind::Protocol => "protocol",
            ErrorKind::UnsupportedScheme => "unsupported_scheme",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Blocked => "blocked",
            ErrorKind::UrlTooLong => "url_too_long",
            ErrorKind::Other => "other",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed request: the kind of failure and a human-readable cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EntryError {
    /// Class of failure.
    pub kind: ErrorKind,
    /// What went wrong, in words.
    pub message: String,
}

/// The phases of one request, in milliseconds, as HAR defines them: they add up to the
/// entry's duration (`ssl` is part of `connect`).
///
/// `None` (JSON `null`, HAR -1) means the phase did not happen: a reused connection has no
/// dns, connect or ssl; plain HTTP has no ssl; an IP address or `--resolve` entry has no dns.
/// A request that failed before it had a connection has no phases at all. Every figure is
/// measured at the socket (the last request byte written, the first response byte read);
/// over HTTP/2, where streams share the socket, `send` is 0 and `wait` runs to the response
/// head.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Timings {
    /// Waiting for a free connection slot (the per-origin and global limits).
    pub blocked_ms: Option<f64>,
    /// Name resolution.
    pub dns_ms: Option<f64>,
    /// TCP connection set-up, TLS included.
    pub connect_ms: Option<f64>,
    /// TLS handshake (also counted in `connect_ms`).
    pub ssl_ms: Option<f64>,
    /// Sending the request.
    pub send_ms: Option<f64>,
    /// From sending the request to the first byte of the response (TTFB).
    pub wait_ms: Option<f64>,
    /// From the first byte to the last byte of the response.
    pub receive_ms: Option<f64>,
}

/// One request of the load (a redirect hop is a request of its own). `Default` is an empty
/// request of type `other`, for building entries field by field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Entry {
    /// The requested URL.
    pub url: String,
    /// HTTP method.
    pub method: String,
    /// Response status, when a response arrived.
    pub status: Option<u16>,
    /// Why the request failed, when it did (a response with a 4xx/5xx status is not an error
    /// here: it is a response; see [`Entry::failed`]).
    pub error: Option<EntryError>,
    /// What the request is for.
    pub resource_type: ResourceType,
    /// MIME type from `Content-Type`, without parameters.
    pub mime_type: Option<String>,
    /// What caused this request.
    pub initiator: Initiator,
    /// When the request was issued (entered the queue), from load start.
    pub started_ms: f64,
    /// Total time from `started_ms` to the last byte (or the failure).
    pub duration_ms: f64,
    /// Phases.
    pub timings_ms: Timings,
    /// Bytes on the wire: response headers plus the body as it was sent (encoded).
    pub transfer_bytes: u64,
    /// Bytes on the wire that are not body: status line and headers, as read from the
    /// socket; `null` over HTTP/2, whose per-stream header bytes are not visible.
    pub header_bytes: Option<u64>,
    /// The body as received, before content decoding; a chunked body with its chunk
    /// framing, as browsers count it.
    pub body_bytes: u64,
    /// The body after content decoding (gzip, br, deflate, zstd).
    pub decoded_bytes: u64,
    /// `Content-Encoding` of the response.
    pub content_encoding: Option<String>,
    /// HTTP version of the response (`HTTP/1.1`, `HTTP/2`).
    pub http_version: Option<String>,
    /// Address of the server that answered.
    pub remote_addr: Option<String>,
    /// For a redirect, the absolute URL it pointed to.
    pub redirect_url: Option<String>,
    /// A `loading=lazy` image or iframe (a browser loads it only near the viewport).
    pub lazy: bool,
    /// Frame depth: 0 for the page, 1 inside an iframe of the page, and so on.
    pub frame_depth: u32,
    /// The connection that carried the request (see [`crate::model::Connection`]).
    #[serde(default)]
    pub connection_id: Option<u64>,
    /// Whether that connection had served an earlier request.
    #[serde(default)]
    pub connection_reused: Option<bool>,
    /// Request headers as sent.
    #[serde(default)]
    pub request_headers: Headers,
    /// Response headers as received.
    #[serde(default)]
    pub response_headers: Headers,
    /// First or third party, entity and category.
    #[serde(default)]
    pub party: Option<Party>,
    /// The source did not record the body's size (a HAR's `-1`): the byte figures are 0
    /// placeholders, shown as unknown, and the entry is never called empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub size_unknown: bool,
    /// It started after the page's load event (a browser load: beacons, lazy ads).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_load: bool,
    /// The priority the browser gave the request when it issued it (browser engine and
    /// browser HARs; the static engine does not rank its requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// A WebSocket's messages both ways (browser engine). Its `transfer_bytes` and
    /// `decoded_bytes` are the payload bytes it received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebSocketTraffic>,
    /// For a text body sent uncompressed: its size compressed, measured with `--savings`
    /// by an engine that saw the whole body ([`crate::model::savings`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compressed: Option<crate::model::savings::Compressed>,
    /// For an image: what it would weigh re-encoded, measured with `--savings` by an engine
    /// that saw the whole body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recoded: Option<crate::model::savings::Recoded>,
}

/// The bytes of a WebSocket message's payload as DevTools and HAR files give it: text for a
/// text message (opcode 1), base64 otherwise.
pub fn payload_bytes(opcode: f64, data: &str) -> u64 {
    if opcode == 1.0 {
        return data.len() as u64;
    }
    let padding = data.bytes().rev().take_while(|&b| b == b'=').count();
    ((data.len() / 4 * 3).saturating_sub(padding)) as u64
}

/// What went over a WebSocket: messages and their payload bytes, each way. Payloads are
/// counted as the page sent and received them: with `permessage-deflate` (`compressed`) the
/// bytes on the wire were fewer; frame headers are not counted.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct WebSocketTraffic {
    /// Messages the page sent.
    pub messages_sent: u64,
    /// Their payload bytes.
    pub bytes_sent: u64,
    /// Messages the page received.
    pub messages_received: u64,
    /// Their payload bytes.
    pub bytes_received: u64,
    /// Whether the connection was still open when the load ended.
    pub open_at_end: bool,
    /// Whether the server agreed to compress messages (`permessage-deflate`).
    pub compressed: bool,
}

/// A browser's request priority (Chromium's five levels).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Lowest: prefetches, beacons.
    VeryLow,
    /// Images outside the viewport, async scripts.
    Low,
    /// Scripts at the end of the body, images in the viewport.
    Medium,
    /// Scripts in the head, fonts.
    High,
    /// The document and its render-blocking stylesheets.
    VeryHigh,
}

impl Priority {
    /// As Chrome writes it in a HAR's `_priority`.
    pub fn chrome_name(self) -> &'static str {
        match self {
            Priority::VeryLow => "VeryLow",
            Priority::Low => "Low",
            Priority::Medium => "Medium",
            Priority::High => "High",
            Priority::VeryHigh => "VeryHigh",
        }
    }

    /// From a HAR's `_priority`.
    pub fn from_chrome_name(s: &str) -> Option<Priority> {
        [
            Priority::VeryLow,
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::VeryHigh,
        ]
        .into_iter()
        .find(|p| p.chrome_name().eq_ignore_ascii_case(s))
    }
}

/// Who a request goes to, relative to the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Party {
    /// The page's own site (same registrable domain, or a `--first-party` host).
    pub first_party: bool,
    /// Registrable domain of the host (ICANN public suffixes).
    pub registrable_domain: Option<String>,
    /// Entity from the third-party-web dataset, e.g. "Google/Doubleclick Ads".
    pub entity: Option<String>,
    /// Its category, e.g. "ad".
    pub category: Option<String>,
}

/// One HTTP header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Header {
    /// Name, lowercase.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A request's or response's headers, in order: one text and the end of each name and
/// value in it. Two allocations for a request's 20 or 30 headers, not 60, so that the
/// entries of a 160,000-request HAR stay near its size. Written as an array of
/// [`Header`] objects.
///
/// ```
/// use pagecost::model::Headers;
/// let h: Headers = [("content-type", "text/html"), ("vary", "accept")].into_iter().collect();
/// assert_eq!(h.get("content-type"), Some("text/html"));
/// assert_eq!(h.iter().map(|(n, _)| n).collect::<Vec<_>>(), ["content-type", "vary"]);
/// assert_eq!(h.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    text: Box<str>,
    /// Per header: where its name ends and where its value ends in `text`.
    ends: Box<[(u32, u32)]>,
}

impl Headers {
    /// Each header as (name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&(name_end, value_end)| {
            let (n, v) = (name_end as usize, value_end as usize);
            let pair = (&self.text[start..n], &self.text[n..v]);
            start = v;
            pair
        })
    }

    /// The first value of a header (names compared ignoring ASCII case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// How many headers.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(pairs: I) -> Self {
        let mut text = String::new();
        let mut ends = Vec::new();
        for (name, value) in pairs {
            let (name, value) = (name.as_ref(), value.as_ref());
            // Offsets are u32: a head is at most 256 KiB, a HAR's headers far less than 4 GB.
            if text.len() + name.len() + value.len() > u32::MAX as usize {
                break;
            }
            text.push_str(name);
            let name_end = text.len() as u32;
            text.push_str(value);
            ends.push((name_end, text.len() as u32));
        }
        Headers {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }
}

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Pair<'a> {
            name: &'a str,
            value: &'a str,
        }
        s.collect_seq(self.iter().map(|(name, value)| Pair { name, value }))
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<Header>::deserialize(d)?;
        Ok(list.into_iter().map(|h| (h.name, h.value)).collect())
    }
}

/// The same schema as an array of [`Header`]s.
impl schemars::JsonSchema for Headers {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        Vec::<Header>::schema_name()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Vec::<Header>::json_schema(generator)
    }
}

impl Entry {
    /// Whether the request failed: no response, or a 4xx/5xx status.
    pub fn failed(&self) -> bool {
        (self.error.is_some() && !self.blocked()) || self.status.is_some_and(|s| s >= 400)
    }

    /// Whether the request was not made because a `--block` pattern matched it.
    pub fn blocked(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.kind == ErrorKind::Blocked)
    }

    /// Whether the response was a success whose body is empty although content was expected
    /// (the 0-byte stylesheet that ships unnoticed).
    pub fn empty(&self) -> bool {
        !self.size_unknown
            && self.error.is_none()
            && self
                .status
                .is_some_and(|s| (200..300).contains(&s) && s != 204)
            && self.decoded_bytes == 0
            && self.resource_type.expects_content()
    }

    /// What is wrong with this request, for problem lists and the `broken` budget: `timeout: ...`,
    /// `HTTP 404`, `empty stylesheet (0 bytes)`; `None` when nothing is (a blocked request was
    /// not made, so it is not broken).
    pub fn problem(&self) -> Option<String> {
        if self.blocked() {
            return None;
        }
        if let Some(err) = &self.error {
            return Some(format!("{}: {}", err.kind, err.message));
        }
        if let Some(s) = self.status.filter(|s| *s >= 400) {
            return Some(format!("HTTP {s}"));
        }
        self.empty()
            .then(|| format!("empty {} (0 bytes)", self.resource_type))
    }

    /// `200`, `404`, `timeout`, `200 reset` (a response cut short): for waterfalls.
    pub fn status_label(&self) -> String {
        match (&self.error, self.status) {
            (Some(err), Some(s)) => format!("{s} {}", err.kind),
            (Some(err), None) => err.kind.to_string(),
            (None, Some(s)) => s.to_string(),
            (None, None) => "-".into(),
        }
    }

    /// Whether this is a redirect hop.
    pub fn is_redirect(&self) -> bool {
        self.redirect_url.is_some()
    }

    /// What [`Entry::host`] says of a URL without a host.
    pub const NO_HOST: &'static str = "(none)";

    /// The host of the URL (with port when not the default).
    pub fn host(&self) -> String {
        super::urls::host_port(&self.url).unwrap_or_else(|| Self::NO_HOST.to_string())
    }

    /// The transferred size in words (`12.0 kB`), or `unknown` when it was not recorded.
    pub fn size_text(&self, human: impl Fn(u64) -> String) -> String {
        if self.size_unknown {
            "unknown".into()
        } else {
            human(self.transfer_bytes)
        }
    }

    /// End of the request, from load start.
    pub fn ended_ms(&self) -> f64 {
        self.started_ms + self.duration_ms
    }
}

#[cfg(test)]
mod tests {
    use super::{payload_bytes, ErrorKind};

    #[test]
    fn a_websocket_payload_is_counted_in_bytes_text_as_utf8_binary_from_base64() {
        assert_eq!(payload_bytes(1.0, "héllo"), 6);
        assert_eq!(payload_bytes(2.0, "AAAA"), 3);
        assert_eq!(payload_bytes(2.0, "AAA="), 2);
        assert_eq!(payload_bytes(2.0, "AA=="), 1);
        assert_eq!(payload_bytes(2.0, ""), 0);
    }

    /// Chromium's network errors read as one kind, whether a live load reports them or a
    /// browser's HAR keeps them.
    #[test]
    fn chromiums_net_errors_have_one_kind_each() {
        for (text, kind) in [
            ("net::ERR_NAME_NOT_RESOLVED", ErrorKind::Dns),
            ("net::ERR_NAME_RESOLUTION_FAILED", ErrorKind::Dns),
            ("net::ERR_CERT_AUTHORITY_INVALID", ErrorKind::Tls),
            ("net::ERR_SSL_PROTOCOL_ERROR", ErrorKind::Tls),
            ("net::ERR_TIMED_OUT", ErrorKind::Timeout),
            ("net::ERR_CONNECTION_TIMED_OUT", ErrorKind::Timeout),
            ("net::ERR_CONNECTION_REFUSED", ErrorKind::Connect),
            ("net::ERR_ADDRESS_UNREACHABLE", ErrorKind::Connect),
            ("net::ERR_CONNECTION_FAILED", ErrorKind::Connect),
            ("net::ERR_CONNECTION_RESET", ErrorKind::Reset),
            ("net::ERR_CONNECTION_CLOSED", ErrorKind::Reset),
            ("net::ERR_EMPTY_RESPONSE", ErrorKind::Reset),
            ("net::ERR_CONNECTION_ABORTED", ErrorKind::Reset),
            ("net::ERR_ABORTED", ErrorKind::Aborted),
            ("net::ERR_BLOCKED_BY_CLIENT", ErrorKind::Blocked),
            ("net::ERR_UNSAFE_PORT", ErrorKind::Other),
        ] {
            assert_eq!(ErrorKind::of_net_error(text), kind, "{text}");
        }
    }
}
