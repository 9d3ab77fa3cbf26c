//! The browser's DevTools channel, private to pagecost.
//!
//! A Chromium started with `--remote-debugging-port` listens on a loopback port while it
//! runs, and any local account can connect to it and drive the browser (read a file the
//! browser's user may read, when that user is root). So pagecost starts it with
//! `--remote-debugging-pipe`: the browser reads commands from its descriptor 3 and writes
//! replies and events to its descriptor 4, each message JSON ended by a NUL byte, over two
//! pipes only pagecost and the browser hold. The browser listens on no port at all.
//!
//! chromiumoxide speaks DevTools over a WebSocket only, so pagecost bridges the pipes to a
//! WebSocket endpoint of its own for the moment chromiumoxide connects: a loopback port at
//! a secret path (128 random bits), which accepts one connection, chromiumoxide's, and then
//! closes. Any other connection is answered 404 and closed, without a byte of DevTools.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::Command;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::pipe;

/// The descriptors the browser reads commands from and writes messages to.
const BROWSER_IN: RawFd = 3;
const BROWSER_OUT: RawFd = 4;

/// Longest wait for a connection to the bridge, and for one connection's handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// The two pipes of one browser: pagecost's ends and the browser's.
pub(super) struct Pipes {
    /// pagecost writes commands here.
    to_browser: OwnedFd,
    /// pagecost reads the browser's messages here.
    from_browser: OwnedFd,
    /// The browser's ends, given to it as descriptors 3 and 4; closed here once it started.
    browser_ends: (OwnedFd, OwnedFd),
}

impl Pipes {
    /// Two new pipes, every end closed on exec (only the browser's are passed on, by
    /// [`Pipes::give_to`]).
    pub(super) fn new() -> io::Result<Pipes> {
        let (cmd_read, cmd_write) = pipe_pair()?;
        let (msg_read, msg_write) = pipe_pair()?;
        Ok(Pipes {
            to_browser: cmd_write,
            from_browser: msg_read,
            // Above 4, so that placing one end on 3 or 4 cannot close the other.
            browser_ends: (above_four(cmd_read)?, above_four(msg_write)?),
        })
    }

    /// Makes the browser's ends its descriptors 3 and 4 in the child `cmd` starts.
    pub(super) fn give_to(&self, cmd: &mut Command) {
        use std::os::unix::process::CommandExt;
        let (input, output) = (
            self.browser_ends.0.as_raw_fd(),
            self.browser_ends.1.as_raw_fd(),
        );
        // SAFETY: between fork and exec the closure makes only async-signal-safe calls
        // (dup2(2), which also clears close-on-exec on the copy) and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(input, BROWSER_IN) < 0 || libc::dup2(output, BROWSER_OUT) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }

    /// Closes the browser's ends in pagecost (the browser holds its own copies), waits for
    /// the browser to answer a first command, and opens the WebSocket endpoint chromiumoxide
    /// connects to: its address, and the task that relays between the two until either side
    /// ends. An error when the browser closed its pipe without answering.
    pub(super) async fn bridge(
        self,
        log: Option<&std::path::Path>,
    ) -> io::Result<(String, tokio::task::JoinHandle<()>)> {
        drop(self.browser_ends);
        let mut to = pipe::Sender::from_owned_fd(self.to_browser)?;
        let mut from = BufReader::new(pipe::Receiver::from_owned_fd(self.from_browser)?);
        answered(&mut to, &mut from).await?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let path = format!("/devtools/browser/{}", secret()?);
        let address = format!("ws://{}{path}", listener.local_addr()?);
        let log = Log::open(log);
        let relay = tokio::spawn(async move {
            let accepted = tokio::time::timeout(CONNECT_TIMEOUT, accept_one(listener, &path));
            if let Ok(Some(ws)) = accepted.await {
                relay(ws, to, from, log).await;
            }
        });
        Ok((address, relay))
    }
}

/// The id of the command that asks whether the browser is up (ids are 32-bit signed
/// integers); chromiumoxide counts its own from 0, and this one is answered before
/// chromiumoxide connects.
const PROBE_ID: u64 = i32::MAX as u64;

/// Sends `Browser.getVersion` and reads until its answer: the browser is up.
async fn answered(to: &mut pipe::Sender, from: &mut Messages) -> io::Result<()> {
    let probe = format!(r#"{{"id":{PROBE_ID},"method":"Browser.getVersion"}}"#);
    to.write_all(probe.as_bytes()).await?;
    to.write_all(b"\0").await?;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if from.read_until(0, &mut buf).await? == 0 {
            return Err(io::Error::other("it closed its DevTools pipe"));
        }
        let reply: serde_json::Value =
            serde_json::from_slice(buf.strip_suffix(b"\0").unwrap_or(&buf)).unwrap_or_default();
        if reply.get("id").and_then(serde_json::Value::as_u64) == Some(PROBE_ID) {
            return Ok(());
        }
    }
}

/// The browser's messages, read up to each NUL.
type Messages = BufReader<pipe::Receiver>;

/// One pipe, both ends closed on exec.
fn pipe_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2(2) writes two descriptors into the array it is given, which this
    // function then owns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just opened and belong to no one else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The same open pipe end on a descriptor above 4 (close-on-exec).
fn above_four(fd: OwnedFd) -> io::Result<OwnedFd> {
    // SAFETY: fcntl(2) duplicates a descriptor this function owns; the copy is owned here.
    let copy = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 5) };
    if copy < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `copy` was just opened and belongs to no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}

/// 128 random bits from the kernel, in hex.
fn secret() -> io::Result<String> {
    crate::net::serve::random_key()
}

type Ws = async_tungstenite::WebSocketStream<
    async_tungstenite::tokio::TokioAdapter<tokio::net::TcpStream>,
>;

/// The first connection whose WebSocket handshake asks for `path`; the listener is closed
/// when it returns. Handshakes run side by side, each with a time limit, so that a
/// connection that never speaks cannot hold the door.
async fn accept_one(listener: tokio::net::TcpListener, path: &str) -> Option<Ws> {
    let (won, mut winner) = tokio::sync::mpsc::channel::<Ws>(1);
    loop {
        tokio::select! {
            ws = winner.recv() => return ws,
            conn = listener.accept() => {
                let Ok((stream, _)) = conn else { continue };
                let (won, path) = (won.clone(), path.to_string());
                tokio::spawn(async move {
                    let handshake =
                        async_tungstenite::tokio::accept_hdr_async(stream, OnlyAt(path));
                    if let Ok(Ok(ws)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                        let _ = won.try_send(ws);
                    }
                });
            }
        }
    }
}

use async_tungstenite::tungstenite::handshake::server::{
    Callback, ErrorResponse, Request, Response,
};

/// A handshake accepted only at this path; any other is answered 404.
struct OnlyAt(String);

impl Callback for OnlyAt {
    fn on_request(self, req: &Request, resp: Response) -> Result<Response, ErrorResponse> {
        if req.uri().path() == self.0 {
            return Ok(resp);
        }
        let mut refused = ErrorResponse::new(None);
        *refused.status_mut() = async_tungstenite::tungstenite::http::StatusCode::NOT_FOUND;
        Err(refused)
    }
}

/// Messages both ways until either side ends: a WebSocket message becomes a NUL-ended
/// message on the pipe, and the other way round. A browser that ends (exits, is killed)
/// closes its pipe, and the connection ends with it.
async fn relay(ws: Ws, mut to: pipe::Sender, mut from: Messages, log: Log) {
    use async_tungstenite::tungstenite::Message;
    use futures_util::StreamExt;
    let (mut sink, mut stream) = ws.split();
    let commands = async {
        while let Some(Ok(msg)) = stream.next().await {
            let bytes = match msg {
                Message::Text(t) => t.as_bytes().to_vec(),
                Message::Binary(b) => b.to_vec(),
                Message::Close(_) => break,
                _ => continue,
            };
            log.line(">", &bytes);
            if to.write_all(&bytes).await.is_err() || to.write_all(b"\0").await.is_err() {
                break;
            }
        }
    };
    let messages = async {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match from.read_until(0, &mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if buf.last() == Some(&0) {
                buf.pop();
            }
            log.line("<", &buf);
            let text = String::from_utf8_lossy(&buf).into_owned();
            if sink.send(Message::text(text)).await.is_err() {
                break;
            }
        }
        // The connection is then dropped without a closing handshake, as a killed browser's
        // is: chromiumoxide takes a clean close for nothing and would wait forever, but an
        // abrupt end for the browser gone.
    };
    tokio::select! {
        _ = commands => {}
        _ = messages => {}
    }
}

/// [`Launch::devtools_log`](super::Launch::devtools_log): every DevTools message through the bridge, one line
/// each (`>` to the browser, `<` from it, with the time since the bridge opened and the
/// message's first 300 bytes), for diagnosing the browser engine.
struct Log(Option<std::sync::Mutex<(std::fs::File, std::time::Instant)>>);

impl Log {
    fn open(path: Option<&std::path::Path>) -> Log {
        let file = path.and_then(|path| {
            let mut o = std::fs::OpenOptions::new();
            o.create(true).append(true).open(path).ok()
        });
        Log(file.map(|f| std::sync::Mutex::new((f, std::time::Instant::now()))))
    }

    fn line(&self, way: &str, msg: &[u8]) {
        if let Some(m) = &self.0 {
            let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
            let text = String::from_utf8_lossy(&msg[..msg.len().min(300)]).into_owned();
            let at = g.1.elapsed().as_secs_f64();
            let line = format!("{} {at:.3} {way} {text}\n", std::process::id());
            let _ = std::io::Write::write_all(&mut g.0, line.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bridge answers a wrong path 404 without taking it for chromiumoxide, accepts the
    /// secret one, and listens no more after it: a later connection is refused.
    #[tokio::test]
    async fn the_bridge_admits_one_connection_at_its_secret_path_and_closes() {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = tokio::spawn(async move { accept_one(listener, "/devtools/s3cret").await });
        let connect =
            |path: &str| async_tungstenite::tokio::connect_async(format!("ws://{addr}{path}"));
        let wrong = connect("/devtools/browser").await.map(|_| ()).unwrap_err();
        assert!(wrong.to_string().contains("404"), "{wrong}");
        let (_ws, _) = connect("/devtools/s3cret").await.unwrap();
        assert!(accepted.await.unwrap().is_some());
        let later = tokio::net::TcpStream::connect(addr).await;
        assert!(
            later.is_err(),
            "the bridge still listens after its one connection"
        );
    }

    /// The secret differs each time and is 128 bits of hex.
    #[test]
    fn secrets_are_128_random_bits() {
        let (a, b) = (secret().unwrap(), secret().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
