//! Serves a local folder read-only on an ephemeral loopback port, so that a page on disk is
//! loaded with HTTP semantics (relative URLs, content types, status codes) like a site.
//!
//! Confined to its folder: `..` segments (also percent-encoded) are refused, and a path that
//! resolves (through symlinks) outside the folder is a 403. Dotfiles and dot folders
//! (`.env`, `.git/`), named or reached through a symlink, are never served (403): a page's
//! scripts run in the server's origin and could read them. A server can be narrowed further
//! to a list of paths ([`LocalServer::serve_only`]): a single page's own references.
//!
//! Files are read with plain blocking calls, in the task that serves the request: a local
//! file in the page cache is read in microseconds, while each hop to tokio's blocking pool
//! (five per request with `tokio::fs`) cost more CPU than the whole response (measured on a
//! 1,000-resource page: the server used more CPU than the audit it served).

use crate::error::{Error, Result};
use bytes::Bytes;
use http_body::{Body, Frame};
use hyper::{Method, Request, Response, StatusCode};
use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpListener;

/// A running folder server; stops when dropped.
pub struct LocalServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    rules: Arc<Rules>,
}

/// What a server answers: the URL paths it is narrowed to, when it is, and the names it
/// answers to besides loopback's.
#[derive(Default)]
struct Rules {
    only: Only,
    names: Names,
    /// The key a request must carry ([`crate::config::LocalKey`]), when one is asked for.
    key: std::sync::RwLock<Option<String>>,
}

impl Rules {
    /// Whether a request carries the key, or none is asked for.
    fn keyed(&self, given: Option<&hyper::header::HeaderValue>) -> bool {
        match &*self.key.read().unwrap_or_else(|p| p.into_inner()) {
            None => true,
            Some(key) => given.is_some_and(|g| same(g.as_bytes(), key.as_bytes())),
        }
    }
}

/// Equal bytes, compared in a time that does not say where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// How long a connection may stay idle (or take to send a request's head) before it is
/// closed: a client cannot hold the server's connections for ever.
pub const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The host names a server answers to besides loopback's (`--serve-also` names). A request
/// for any other (a page elsewhere rebinding its name to 127.0.0.1 to read the folder) is
/// refused.
type Names = std::sync::RwLock<Vec<String>>;

/// The URL paths a server is narrowed to (decoded), when it is; others are 404.
type Only = std::sync::RwLock<Option<std::collections::HashSet<String>>>;

impl LocalServer {
    /// The loopback address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// From now on serves only these URL paths (as requested: `/a/b.css`), any other a
    /// 404 as if the folder held nothing else; `None`: the whole folder again.
    pub fn serve_only(&self, paths: Option<Vec<String>>) {
        let set = paths.map(|p| p.iter().filter_map(|p| decoded(p)).collect());
        *self.rules.only.write().unwrap_or_else(|p| p.into_inner()) = set;
    }

    /// From now on answers only requests that carry `key` ([`crate::config::LocalKey`]):
    /// another user of the machine cannot read the folder through the port.
    pub fn require_key(&self, key: &str) {
        *self.rules.key.write().unwrap_or_else(|p| p.into_inner()) = Some(key.to_string());
    }

    /// Answers to `host` too (a name the audit resolves to this server).
    pub fn answer_as(&self, host: &str) {
        let mut names = self.rules.names.write().unwrap_or_else(|p| p.into_inner());
        names.push(host.to_ascii_lowercase());
    }
}

/// Whether a request's `Host` names this server: loopback, or a name it answers as.
fn known_host(names: &Names, host: Option<&hyper::header::HeaderValue>) -> bool {
    let Some(host) = host.and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    }
    .to_ascii_lowercase();
    matches!(name.as_str(), "127.0.0.1" | "localhost" | "::1")
        || names
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&name)
}

/// A URL path percent-decoded; `None` when it is not UTF-8.
fn decoded(url_path: &str) -> Option<String> {
    let d = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    Some(d.into_owned())
}

/// Whether `only` lets this path through.
fn allowed(only: &Only, url_path: &str) -> bool {
    match &*only.read().unwrap_or_else(|p| p.into_inner()) {
        None => true,
        Some(set) => decoded(url_path).is_some_and(|p| set.contains(&p)),
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// 128 random bits, in hex: a secret for a loopback channel.
pub(crate) fn random_key() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Starts serving `root` on 127.0.0.1 at a port the OS picks.
pub async fn serve_dir(root: &Path) -> Result<LocalServer> {
    serve_dir_on(root, 0).await
}

/// Starts serving `root` on 127.0.0.1:`port` (0: the OS picks).
pub async fn serve_dir_on(root: &Path, port: u16) -> Result<LocalServer> {
    serve(root, port, IDLE_TIMEOUT).await
}

/// Serves `root` on 127.0.0.1:`port`, closing connections idle for `idle`.
async fn serve(root: &Path, port: u16, idle: std::time::Duration) -> Result<LocalServer> {
    let io = |source| Error::Io {
        path: root.to_path_buf(),
        source,
    };
    let root = Arc::new(tokio::fs::canonicalize(root).await.map_err(io)?);
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    let rules = Arc::new(Rules::default());
    let shared = Arc::clone(&rules);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (root, rules) = (Arc::clone(&root), Arc::clone(&shared));
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<_>| {
                    let root = Arc::clone(&root);
                    let host = known_host(&rules.names, req.headers().get(hyper::header::HOST));
                    let keyed = rules.keyed(req.headers().get(crate::config::LocalKey::HEADER));
                    let served = keyed && allowed(&rules.only, req.uri().path());
                    async move {
                        Ok::<_, Infallible>(match (host, served) {
                            (false, _) => status(StatusCode::MISDIRECTED_REQUEST, "unknown host\n"),
                            (true, true) => handle(req, &root).await,
                            (true, false) => status(StatusCode::NOT_FOUND, "not found\n"),
                        })
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(idle)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(LocalServer { addr, task, rules })
}

type Resp = Response<FileBody>;

fn status(code: StatusCode, msg: &'static str) -> Resp {
    let mut r = Response::new(FileBody::text(msg));
    *r.status_mut() = code;
    r.headers_mut()
        .insert("content-type", "text/plain; charset=utf-8".parse().unwrap());
    r
}

async fn handle(req: Request<hyper::body::Incoming>, root: &Path) -> Resp {
    // A page's beacons and pings POST to the server: taken (the body is not read, nothing
    // is written) and answered 204, as an analytics endpoint does.
    if req.method() == Method::POST {
        let mut r = Response::new(FileBody::text(""));
        *r.status_mut() = StatusCode::NO_CONTENT;
        return r;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return status(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
    }
    let Some(path) = confined_path(root, req.uri().path()) else {
        return status(StatusCode::FORBIDDEN, "forbidden\n");
    };
    let mut path = path;
    if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
        path.push("index.html");
    }
    // Symlinks must not lead out of the folder.
    let Ok(real) = std::fs::canonicalize(&path) else {
        return status(StatusCode::NOT_FOUND, "not found\n");
    };
    if !real.strip_prefix(root).is_ok_and(|inside| !hidden(inside)) {
        return status(StatusCode::FORBIDDEN, "forbidden\n");
    }
    let Ok(file) = std::fs::File::open(&real) else {
        return status(StatusCode::NOT_FOUND, "not found\n");
    };
    let Ok(meta) = file.metadata() else {
        return status(StatusCode::NOT_FOUND, "not found\n");
    };
    if !meta.is_file() {
        return status(StatusCode::NOT_FOUND, "not found\n");
    }
    let mime = mime_guess::from_path(&real).first_or_octet_stream();
    let mut ctype = mime.essence_str().to_string();
    if mime.type_() == "text" || ctype == "application/javascript" || ctype == "image/svg+xml" {
        ctype.push_str("; charset=utf-8");
    }
    let len = meta.len();
    let body = if req.method() == Method::HEAD {
        FileBody::text("")
    } else {
        FileBody::file(file, len)
    };
    let mut r = Response::new(body);
    r.headers_mut()
        .insert("content-type", ctype.parse().unwrap());
    r.headers_mut().insert("content-length", len.into());
    r
}

/// Whether a path has a dotfile or dot folder in it.
fn hidden(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
}

/// Maps a URL path to a path under `root`, refusing `..`, dotfiles and dot folders, NUL and
/// backslashes (decoded).
pub(crate) fn confined_path(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    let mut out = root.to_path_buf();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.starts_with('.') => return None,
            s if s.contains('\0') || s.contains('\\') => return None,
            s => out.push(s),
        }
    }
    Some(out)
}

/// A response body streamed from a file in reads of at most 256 KiB (memory does not grow
/// with size).
pub(crate) struct FileBody {
    file: Option<std::fs::File>,
    remaining: u64,
    text: Option<Bytes>,
}

impl FileBody {
    fn file(file: std::fs::File, len: u64) -> Self {
        FileBody {
            file: Some(file),
            remaining: len,
            text: None,
        }
    }
    fn text(t: &'static str) -> Self {
        FileBody {
            file: None,
            remaining: 0,
            text: Some(Bytes::from_static(t.as_bytes())),
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(t) = self.text.take() {
            return Poll::Ready((!t.is_empty()).then(|| Ok(Frame::data(t))));
        }
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = self.remaining.min(256 * 1024) as usize;
        let this = &mut *self;
        let Some(file) = this.file.as_mut() else {
            return Poll::Ready(None);
        };
        let mut buf = vec![0u8; want];
        match file.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Err(e) => Poll::Ready(Some(Err(e))),
            Ok(0) => {
                // The file shrank while being served: end the body here.
                this.remaining = 0;
                Poll::Ready(Some(Err(std::io::Error::other(
                    "file shrank while serving",
                ))))
            }
            Ok(n) => {
                this.remaining -= n as u64;
                buf.truncate(n);
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.text.is_none() && self.remaining == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head of a response to a raw request sent with `host`.
    async fn answer(addr: SocketAddr, host: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET /index.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).await.unwrap();
        got.lines().next().unwrap_or("").to_string()
    }

    #[tokio::test]
    async fn only_requests_for_loopback_or_a_served_name_are_answered() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<p>hi").unwrap();
        let server = serve_dir(dir.path()).await.unwrap();
        let addr = server.addr();
        let port = addr.port();
        for host in [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            "[::1]".into(),
        ] {
            assert_eq!(answer(addr, &host).await, "HTTP/1.1 200 OK", "{host}");
        }
        for host in [format!("rebound.example:{port}"), "ads.example".into()] {
            assert_eq!(
                answer(addr, &host).await,
                "HTTP/1.1 421 Misdirected Request",
                "{host}"
            );
        }
        server.answer_as("ADS.example");
        assert_eq!(answer(addr, "ads.example").await, "HTTP/1.1 200 OK");
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed() {
        use tokio::io::AsyncReadExt;
        let dir = tempfile::tempdir().unwrap();
        let idle = std::time::Duration::from_millis(300);
        let server = serve(dir.path(), 0, idle).await.unwrap();
        let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let mut buf = [0u8; 64];
        let closed = tokio::time::timeout(idle * 10, s.read(&mut buf)).await;
        assert!(
            matches!(closed, Ok(Ok(_))),
            "closed by the server: {closed:?}"
        );
    }

    #[test]
    fn confined_paths_refuse_dot_dot_also_when_encoded() {
        let root = Path::new("/srv/site");
        assert_eq!(
            confined_path(root, "/a/b.css"),
            Some(PathBuf::from("/srv/site/a/b.css"))
        );
        assert_eq!(
            confined_path(root, "/a%20b.css"),
            Some(PathBuf::from("/srv/site/a b.css"))
        );
        assert_eq!(confined_path(root, "/../etc/passwd"), None);
        assert_eq!(confined_path(root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(confined_path(root, "/a/%2E%2E/%2E%2E/x"), None);
        assert_eq!(confined_path(root, "/a%5c..%5cx"), None);
        assert_eq!(confined_path(root, "/a%00b"), None);
    }

    /// Dotfiles and dot folders are never served, however the name is written.
    #[test]
    fn confined_paths_refuse_dotfiles() {
        let root = Path::new("/srv/site");
        for hidden in [
            "/.env",
            "/%2eenv",
            "/a/.git/config",
            "/.well-known/x",
            "/a/%2Essh/id",
        ] {
            assert_eq!(confined_path(root, hidden), None, "{hidden}");
        }
        assert_eq!(
            confined_path(root, "/a.b/c.d"),
            Some(PathBuf::from("/srv/site/a.b/c.d"))
        );
        assert!(hidden(Path::new("x/.env")) && !hidden(Path::new("x/y.env")));
    }
}
