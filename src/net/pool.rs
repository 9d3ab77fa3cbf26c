//! Connections per origin, as a browser keeps them: over HTTP/1.1 at most `per_origin`
//! connections, each serving one request at a time and reused while kept alive; over HTTP/2
//! (negotiated by ALPN) one connection that multiplexes every request. While the first TLS
//! connection of an origin is being opened, other requests to it wait to learn whether it is
//! HTTP/2, so an HTTP/2 origin gets exactly one connection. Waiting for a slot is `blocked`.

use super::conn::{Connector, IoStats, Metered, OpenTimings, Opened, Stream};
use crate::model::{EntryError, ErrorKind};
use bytes::Bytes;
use http_body_util::Empty;
use hyper::client::conn::{http1, http2};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

type Body = Empty<Bytes>;

struct H1Conn {
    id: u64,
    sender: http1::SendRequest<Body>,
    stats: Arc<IoStats>,
    remote: SocketAddr,
}

#[derive(Clone)]
struct H2Conn {
    id: u64,
    sender: http2::SendRequest<Body>,
    remote: SocketAddr,
}

struct Origin {
    tls: bool,
    host: String,
    port: u16,
    slots: Arc<Semaphore>,
    idle: Mutex<Vec<H1Conn>>,
    h2: Mutex<Option<H2Conn>>,
    /// Whether the slots were opened up for HTTP/2 (done once: a later connection after a
    /// GOAWAY must not add permits again).
    unlimited: std::sync::atomic::AtomicBool,
    /// Held while the first TLS connection is opened; `true` once the protocol is known.
    first: tokio::sync::Mutex<bool>,
}

/// One opened connection, for the connection view.
#[derive(Debug, Clone)]
pub(crate) struct ConnRecord {
    pub id: u64,
    pub origin: String,
    pub h2: bool,
    pub remote: SocketAddr,
    pub opened_at: Instant,
    pub timings: OpenTimings,
    pub requests: Arc<AtomicU64>,
}

/// The connections of one load.
pub(crate) struct Pool {
    connector: Connector,
    per_origin: usize,
    origins: Mutex<HashMap<String, Arc<Origin>>>,
    next_id: AtomicU64,
    records: Mutex<Vec<ConnRecord>>,
}

/// A request on its way: the response head and what it took to get it.
pub(crate) struct Sent {
    pub response: http::Response<hyper::body::Incoming>,
    pub lease: Lease,
    pub conn_id: u64,
    pub reused: bool,
    pub remote: SocketAddr,
    pub h2: bool,
    /// When a connection was ready (or began to be opened) for this request.
    pub ready_at: Instant,
    /// Phases of the connection opened for this request, if one was.
    pub open: Option<OpenTimings>,
    /// When the request's last byte went out, and when the response began.
    pub sent_at: Instant,
    pub first_byte_at: Instant,
    /// HTTP/1.x: the connection's bytes read when the request started (for exact wire bytes).
    pub read_mark: Option<(Arc<IoStats>, u64)>,
}

/// The right to use a connection until the response is read; dropping it closes an HTTP/1.1
/// connection (the body was not read to the end), [`Lease::release`] returns it to the pool.
pub(crate) struct Lease {
    h1: Option<(H1Conn, Arc<Origin>)>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Lease {
    /// Returns an HTTP/1.1 connection to the idle list when it can serve another request.
    pub(crate) fn release(mut self, reusable: bool) {
        if let Some((conn, origin)) = self.h1.take() {
            if reusable && !conn.sender.is_closed() {
                origin
                    .idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(conn);
            }
        }
    }
}

/// A failure before the response head, with when the connection was ready (for timings).
pub(crate) struct SendError {
    pub error: EntryError,
    pub open: Option<OpenTimings>,
}

/// Most header lines a response may have. Browsers count none, only bytes; hyper's default
/// of 100 failed pages Chromium renders. hyper fills a table of this many slots on every
/// response head it parses (4,096 slots, 230 KB of writes, were 15 % of an audit's CPU), so
/// it is no larger than hundreds of lines need.
pub const MAX_RESPONSE_HEADERS: usize = 512;
/// Largest response head (status line and headers), as Chromium's 256 KiB.
pub const MAX_RESPONSE_HEAD_BYTES: usize = 256 * 1024;

/// Refuses a URL the HTTP stack cannot put in a request line (hyper's limit is 65,534 bytes
/// of request target), so that no reference can panic a request task.
fn check_sendable(url: &Url) -> Result<(), SendError> {
    for target in [url.as_str(), path_and_query(url).as_str()] {
        if let Err(e) = target.parse::<http::Uri>() {
            let len = target.len();
            let kind = if len > 65_534 {
                ErrorKind::UrlTooLong
            } else {
                ErrorKind::Other
            };
            let why = format!("the URL ({len} bytes) cannot be sent by the HTTP client: {e}");
            return Err(se(kind, why, None));
        }
    }
    Ok(())
}

/// The HTTP/1.1 handshake on a new connection (hyper's, with pagecost's limits on response
/// heads); the connection's task runs beside.
async fn start_h1(
    io: hyper_util::rt::TokioIo<Metered<Stream>>,
    id: u64,
    stats: Arc<IoStats>,
    remote: std::net::SocketAddr,
    open: Option<OpenTimings>,
) -> Result<H1Conn, SendError> {
    let (sender, conn) = http1::Builder::new()
        .max_headers(MAX_RESPONSE_HEADERS)
        .max_header_size(MAX_RESPONSE_HEAD_BYTES)
        .handshake(io)
        .await
        .map_err(|e| {
            se(
                ErrorKind::Protocol,
                format!("HTTP/1.1 handshake: {e}"),
                open,
            )
        })?;
    tokio::spawn(conn);
    Ok(H1Conn {
        id,
        sender,
        stats,
        remote,
    })
}

fn se(kind: ErrorKind, message: impl Into<String>, open: Option<OpenTimings>) -> SendError {
    SendError {
        error: EntryError {
            kind,
            message: message.into(),
        },
        open,
    }
}

/// A send that failed: whether the request may go again on a new connection (a reused
/// HTTP/1.1 connection failed before answering, or an HTTP/2 one went away) or not.
enum Failed {
    Retryable(SendError),
    Final(SendError),
}

/// How a request's connection came to it: reused, or opened for it with the opening's
/// timings; `ready_at`: when it could be used.
#[derive(Clone, Copy)]
struct Via {
    reused: bool,
    ready_at: Instant,
    open: Option<OpenTimings>,
}

impl Via {
    fn reused(ready_at: Instant) -> Via {
        Via {
            reused: true,
            ready_at,
            open: None,
        }
    }

    fn opened(ready_at: Instant, open: Option<OpenTimings>) -> Via {
        Via {
            reused: false,
            ready_at,
            open,
        }
    }
}

impl Pool {
    pub(crate) fn connector(&self) -> &Connector {
        &self.connector
    }

    pub(crate) fn new(connector: Connector, per_origin: usize) -> Self {
        Pool {
            connector,
            per_origin,
            origins: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            records: Mutex::new(Vec::new()),
        }
    }

    /// Every connection opened so far.
    pub(crate) fn records(&self) -> Vec<ConnRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn origin(&self, url: &Url) -> Arc<Origin> {
        let key = url.origin().ascii_serialization();
        let mut map = self.origins.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(map.entry(key).or_insert_with(|| {
            Arc::new(Origin {
                tls: url.scheme() == "https",
                host: url.host_str().unwrap_or_default().to_string(),
                port: url.port_or_known_default().unwrap_or(80),
                slots: Arc::new(Semaphore::new(self.per_origin)),
                idle: Mutex::new(Vec::new()),
                h2: Mutex::new(None),
                unlimited: std::sync::atomic::AtomicBool::new(false),
                first: tokio::sync::Mutex::new(false),
            })
        }))
    }

    /// Sends a GET with the given headers; returns when the response head has arrived.
    pub(crate) async fn send(
        &self,
        url: &Url,
        headers: &http::HeaderMap,
    ) -> Result<Sent, SendError> {
        check_sendable(url)?;
        let origin = self.origin(url);
        // A reused HTTP/1.1 connection the server closed meanwhile fails at once; a browser
        // retries such a request on a new connection, and so do we (once).
        for attempt in 0..2 {
            match self.try_send(url, headers, &origin, attempt > 0).await {
                Err(Failed::Retryable(_)) if attempt == 0 => continue,
                Err(Failed::Retryable(e) | Failed::Final(e)) => return Err(e),
                Ok(s) => return Ok(s),
            }
        }
        unreachable!("the loop returns")
    }

    /// Retryable when a reused connection failed before answering.
    async fn try_send(
        &self,
        url: &Url,
        headers: &http::HeaderMap,
        origin: &Arc<Origin>,
        fresh: bool,
    ) -> Result<Sent, Failed> {
        if let Some(h2) = self.live_h2(origin) {
            return self.on_h2(url, headers, origin, h2).await;
        }
        let permit = Arc::clone(&origin.slots)
            .acquire_owned()
            .await
            .expect("never closed");
        if let Some(h2) = self.live_h2(origin) {
            drop(permit);
            return self.on_h2(url, headers, origin, h2).await;
        }
        if !fresh {
            let idle = origin.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            if let Some(conn) = idle.filter(|c| !c.sender.is_closed()) {
                let ready_at = Instant::now();
                return self
                    .send_h1(url, headers, (conn, origin, permit), Via::reused(ready_at))
                    .await
                    .map_err(Failed::Retryable);
            }
        }
        self.on_new_connection(url, headers, origin, permit).await
    }

    /// The request on the origin's live HTTP/2 connection.
    async fn on_h2(
        &self,
        url: &Url,
        headers: &http::HeaderMap,
        origin: &Origin,
        h2: H2Conn,
    ) -> Result<Sent, Failed> {
        self.send_h2(url, headers, h2, Via::reused(Instant::now()))
            .await
            .map_err(|e| self.h2_failed(origin, e))
    }

    /// The request on a connection opened for it. For a TLS origin whose protocol is not
    /// known yet, one connection opens at a time: if it turns out HTTP/2, the others share it.
    async fn on_new_connection(
        &self,
        url: &Url,
        headers: &http::HeaderMap,
        origin: &Arc<Origin>,
        permit: OwnedSemaphorePermit,
    ) -> Result<Sent, Failed> {
        let mut first_guard = None;
        if origin.tls {
            let g = origin.first.lock().await;
            if !*g {
                first_guard = Some(g);
            }
            if let Some(h2) = self.live_h2(origin) {
                drop(permit);
                return self.on_h2(url, headers, origin, h2).await;
            }
            self.connector.tls.prepare(); // built once; waiting for it is time blocked
        }
        let ready_at = Instant::now();
        let opened = match self
            .connector
            .open(&origin.host, origin.port, origin.tls)
            .await
        {
            Ok(o) => o,
            Err(error) => {
                settle(first_guard, false);
                return Err(Failed::Final(SendError { error, open: None }));
            }
        };
        let id = self.record(url, &opened, ready_at);
        let open = Some(opened.timings);
        let remote = opened.remote;
        let io = hyper_util::rt::TokioIo::new(opened.stream);
        if opened.h2 {
            let h2 = self
                .start_h2(origin, id, io, remote, open)
                .await
                .map_err(Failed::Final)?;
            settle(first_guard, true);
            drop(permit);
            return self
                .send_h2(url, headers, h2, Via::opened(ready_at, open))
                .await
                .map_err(Failed::Final);
        }
        settle(first_guard, true);
        let conn = start_h1(io, id, opened.stats, remote, open)
            .await
            .map_err(Failed::Final)?;
        let via = Via::opened(ready_at, open);
        self.send_h1(url, headers, (conn, origin, permit), via)
            .await
            .map_err(Failed::Final)
    }

    /// A request on a shared HTTP/2 connection failed: when the connection went away (GOAWAY,
    /// closed, refused stream) the request was not processed, so it may be retried once on a
    /// new connection, as a browser does.
    /// Notes a connection just opened; its id.
    fn record(&self, url: &Url, opened: &Opened, opened_at: Instant) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let record = ConnRecord {
            id,
            origin: url.origin().ascii_serialization(),
            h2: opened.h2,
            remote: opened.remote,
            opened_at,
            timings: opened.timings,
            requests: Arc::new(AtomicU64::new(0)),
        };
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
        id
    }

    /// The HTTP/2 handshake on a new connection, which then serves the whole origin:
    /// requests to it no longer wait for one of its HTTP/1.1 slots.
    async fn start_h2(
        &self,
        origin: &Origin,
        id: u64,
        io: hyper_util::rt::TokioIo<Metered<Stream>>,
        remote: std::net::SocketAddr,
        open: Option<OpenTimings>,
    ) -> Result<H2Conn, SendError> {
        let (sender, conn) = http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .max_header_list_size(MAX_RESPONSE_HEAD_BYTES as u32)
            .handshake(io)
            .await
            .map_err(|e| se(ErrorKind::Protocol, format!("HTTP/2 handshake: {e}"), open))?;
        tokio::spawn(conn);
        let h2 = H2Conn { id, sender, remote };
        *origin.h2.lock().unwrap_or_else(|p| p.into_inner()) = Some(h2.clone());
        if !origin.unlimited.swap(true, Ordering::SeqCst) {
            origin.slots.add_permits(Semaphore::MAX_PERMITS / 2);
        }
        Ok(h2)
    }

    fn h2_failed(&self, origin: &Origin, e: SendError) -> Failed {
        let gone = e.error.kind == ErrorKind::Reset
            || e.error.message.to_ascii_lowercase().contains("refused");
        if gone {
            *origin.h2.lock().unwrap_or_else(|p| p.into_inner()) = None;
            return Failed::Retryable(e);
        }
        Failed::Final(e)
    }

    fn live_h2(&self, origin: &Origin) -> Option<H2Conn> {
        let mut slot = origin.h2.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(c) if c.sender.is_closed() => {
                *slot = None; // GOAWAY or closed: the next request opens a new connection
                None
            }
            other => other.cloned(),
        }
    }

    fn count(&self, id: u64) {
        if let Some(r) = self
            .records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|r| r.id == id)
        {
            r.requests.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The request on an HTTP/1.1 connection, held with its origin's slot until the body
    /// is read.
    async fn send_h1(
        &self,
        url: &Url,
        headers: &http::HeaderMap,
        (mut conn, origin, permit): (H1Conn, &Arc<Origin>, OwnedSemaphorePermit),
        via: Via,
    ) -> Result<Sent, SendError> {
        let Via {
            reused,
            ready_at,
            open,
        } = via;
        let mut req = http::Request::get(path_and_query(url))
            .body(Empty::new())
            .expect("valid request");
        *req.headers_mut() = headers.clone();
        req.headers_mut().insert(
            http::header::HOST,
            authority(url).parse().expect("valid host header"),
        );
        let mark = conn.stats.mark();
        let send_start = Instant::now();
        conn.sender.ready().await.map_err(|e| hyper_err(&e, open))?;
        self.count(conn.id);
        let response = conn
            .sender
            .send_request(req)
            .await
            .map_err(|e| hyper_err(&e, open))?;
        let head_at = Instant::now();
        let (last_write, first_read) = conn.stats.moments();
        let sent_at = last_write.unwrap_or(send_start).max(send_start);
        let first_byte_at = first_read.unwrap_or(head_at).max(sent_at);
        let (id, remote, stats) = (conn.id, conn.remote, Arc::clone(&conn.stats));
        Ok(Sent {
            response,
            lease: Lease {
                h1: Some((conn, Arc::clone(origin))),
                _permit: Some(permit),
            },
            conn_id: id,
            reused,
            remote,
            h2: false,
            ready_at,
            open,
            sent_at,
            first_byte_at,
            read_mark: Some((stats, mark)),
        })
    }

    async fn send_h2(
        &self,
        url: &Url,
        headers: &http::HeaderMap,
        mut conn: H2Conn,
        via: Via,
    ) -> Result<Sent, SendError> {
        let Via {
            reused,
            ready_at,
            open,
        } = via;
        let mut req = http::Request::get(url.as_str())
            .body(Empty::new())
            .expect("valid request");
        *req.headers_mut() = headers.clone();
        let send_start = Instant::now();
        conn.sender.ready().await.map_err(|e| hyper_err(&e, open))?;
        self.count(conn.id);
        let response = conn
            .sender
            .send_request(req)
            .await
            .map_err(|e| hyper_err(&e, open))?;
        let head_at = Instant::now();
        Ok(Sent {
            response,
            lease: Lease {
                h1: None,
                _permit: None,
            },
            conn_id: conn.id,
            reused,
            remote: conn.remote,
            h2: true,
            ready_at,
            open,
            sent_at: send_start,
            first_byte_at: head_at,
            read_mark: None,
        })
    }
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// Classifies a hyper error.
pub(crate) fn hyper_err(e: &hyper::Error, open: Option<OpenTimings>) -> SendError {
    let msg = chain(e);
    let lower = msg.to_ascii_lowercase();
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_incomplete_message()
        || e.is_canceled()
        || e.is_closed()
        || [
            "reset",
            "broken pipe",
            "end of file",
            "connection closed",
            "incomplete",
        ]
        .iter()
        .any(|m| lower.contains(m))
    {
        ErrorKind::Reset
    } else if e.is_parse() || e.is_parse_status() || e.is_user() || lower.contains("invalid") {
        ErrorKind::Protocol
    } else if lower.contains("goaway") || lower.contains("go away") {
        ErrorKind::Reset
    } else {
        ErrorKind::Other
    };
    se(kind, msg, open)
}

/// An error and its causes, `outer: inner`.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let m = s.to_string();
        if !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
        src = s.source();
    }
    parts.join(": ")
}

/// The first connection to a TLS origin, settled: whether a connection is open for the
/// others to wait on (`true`), or the next must try (`false`).
fn settle(first: Option<tokio::sync::MutexGuard<'_, bool>>, open: bool) {
    if let Some(mut g) = first {
        *g = open;
    }
}
