//! Network profiles applied while loading: latency on every packet and a download (and
//! upload) bandwidth shared by all connections of the page.
//!
//! Latency is applied the way a network applies it: half the round-trip time on each byte
//! going out and half on each byte coming in, plus one round trip for the TCP handshake. So a
//! TLS 1.3 handshake costs one more round trip, and every request one more, by construction
//! and not by formula. Bandwidth is a token bucket in virtual time: each chunk received is
//! released no earlier than the bucket allows.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use crate::model::Profile;

/// A shared bandwidth budget in virtual time.
#[derive(Debug)]
struct Bucket {
    bytes_per_sec: f64,
    next_free: Instant,
}

impl Bucket {
    /// When `n` bytes that could go at `earliest` have passed the link.
    fn reserve(&mut self, n: usize, earliest: Instant) -> Instant {
        let start = earliest.max(self.next_free);
        self.next_free = start + Duration::from_secs_f64(n as f64 / self.bytes_per_sec);
        self.next_free
    }
}

/// A profile in force for one load: shared by all its connections.
#[derive(Debug)]
pub(crate) struct Throttle {
    half_rtt: Duration,
    down: Option<Mutex<Bucket>>,
    up: Option<Mutex<Bucket>>,
}

impl Throttle {
    pub(crate) fn new(p: &Profile) -> Self {
        let now = Instant::now();
        let bucket = |bps: Option<f64>| {
            bps.map(|b| {
                Mutex::new(Bucket {
                    bytes_per_sec: b,
                    next_free: now,
                })
            })
        };
        Throttle {
            half_rtt: Duration::from_secs_f64(p.rtt_ms / 2000.0),
            down: bucket(p.down_bytes_per_sec()),
            up: bucket(p.up_bytes_per_sec()),
        }
    }

    pub(crate) fn rtt(&self) -> Duration {
        self.half_rtt * 2
    }

    fn release(&self, bucket: &Option<Mutex<Bucket>>, n: usize) -> Instant {
        let earliest = Instant::now() + self.half_rtt;
        match bucket {
            Some(b) => b
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .reserve(n, earliest),
            None => earliest,
        }
    }
}

/// Largest chunk read or written at once.
const CHUNK: usize = 16 * 1024;
/// Most bytes in flight in one direction of one connection (a receive window): bounds memory.
const WINDOW: usize = 256 * 1024;

/// Data on its way through the simulated link, due at `release`.
struct Packet {
    release: Instant,
    data: Vec<u8>,
    pos: usize,
}

/// One direction of a throttled connection: a queue of packets in flight and a timer for the
/// first one. Every packet is delayed from when it entered the link, so latency is paid once
/// per packet in parallel, not once per packet in turn.
#[derive(Default)]
struct Lane {
    queue: std::collections::VecDeque<Packet>,
    bytes: usize,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Lane {
    fn push(&mut self, release: Instant, data: Vec<u8>) {
        self.bytes += data.len();
        self.queue.push_back(Packet {
            release,
            data,
            pos: 0,
        });
    }

    /// Whether the first packet is due; if not, arms the timer to wake the task when it is.
    fn front_due(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(front) = self.queue.front() else {
            return false;
        };
        if front.release <= Instant::now() {
            self.timer = None;
            return true;
        }
        let deadline = tokio::time::Instant::from_std(front.release);
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        if timer.as_mut().poll(cx).is_ready() {
            self.timer = None;
            return true;
        }
        false
    }

    fn consume(&mut self, n: usize) {
        if let Some(front) = self.queue.front_mut() {
            front.pos += n;
            self.bytes -= n;
            if front.pos >= front.data.len() {
                self.queue.pop_front();
            }
        }
    }
}

/// An I/O stream under a profile; a plain pass-through without one.
pub(crate) struct Throttled<T> {
    inner: T,
    throttle: Option<Arc<Throttle>>,
    down: Lane,
    up: Lane,
    eof: bool,
    read_error: Option<io::Error>,
}

impl<T> Throttled<T> {
    pub(crate) fn new(inner: T, throttle: Option<Arc<Throttle>>) -> Self {
        Throttled {
            inner,
            throttle,
            down: Lane::default(),
            up: Lane::default(),
            eof: false,
            read_error: None,
        }
    }
}

impl<T: AsyncWrite + Unpin> Throttled<T> {
    /// Writes the packets that are due; `Pending` while some are still in flight.
    fn poll_push(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.up.queue.is_empty() {
            if !self.up.front_due(cx) {
                return Poll::Pending;
            }
            let front = self.up.queue.front().expect("not empty");
            let n = match Pin::new(&mut self.inner).poll_write(cx, &front.data[front.pos..]) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => n,
            };
            self.up.consume(n);
        }
        Poll::Ready(Ok(()))
    }
}

use std::future::Future;

impl<T: AsyncRead + Unpin> AsyncRead for Throttled<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let Some(t) = this.throttle.clone() else {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        };
        // Take in whatever has arrived, stamping each chunk with when it may come out.
        while !this.eof && this.read_error.is_none() && this.down.bytes < WINDOW {
            let mut tmp = vec![0u8; CHUNK];
            let mut rb = ReadBuf::new(&mut tmp);
            match Pin::new(&mut this.inner).poll_read(cx, &mut rb) {
                Poll::Pending => break,
                Poll::Ready(Err(e)) => this.read_error = Some(e),
                Poll::Ready(Ok(())) => {
                    let n = rb.filled().len();
                    if n == 0 {
                        this.eof = true;
                    } else {
                        tmp.truncate(n);
                        let at = t.release(&t.down, n);
                        this.down.push(at, tmp);
                    }
                }
            }
        }
        if this.down.front_due(cx) {
            let front = this.down.queue.front().expect("due implies present");
            let n = (front.data.len() - front.pos).min(buf.remaining());
            buf.put_slice(&front.data[front.pos..front.pos + n]);
            this.down.consume(n);
            return Poll::Ready(Ok(()));
        }
        if this.down.queue.is_empty() {
            if let Some(e) = this.read_error.take() {
                return Poll::Ready(Err(e));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
        }
        Poll::Pending
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Throttled<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let Some(t) = this.throttle.clone() else {
            return Pin::new(&mut this.inner).poll_write(cx, data);
        };
        if let Poll::Ready(Err(e)) = this.poll_push(cx) {
            return Poll::Ready(Err(e));
        }
        if this.up.bytes >= WINDOW {
            return Poll::Pending; // woken by the first packet's timer or the socket
        }
        let n = data.len().min(CHUNK);
        let at = t.release(&t.up, n);
        this.up.push(at, data[..n].to_vec());
        // Arm the timer for this task now.
        if let Poll::Ready(Err(e)) = this.poll_push(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_push(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_push(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_and_custom_profiles_parse_with_the_published_numbers() {
        let p = Profile::parse("LTE").unwrap();
        assert_eq!((p.rtt_ms, p.down_kbps, p.up_kbps), (70.0, 12000.0, 12000.0));
        assert_eq!(p.down_bytes_per_sec(), Some(1_500_000.0));
        let c = Profile::parse("custom:200,1000,500").unwrap();
        assert_eq!((c.rtt_ms, c.down_kbps, c.up_kbps), (200.0, 1000.0, 500.0));
        let e = Profile::parse("5g").unwrap_err();
        assert!(e.contains("lighthouse-mobile"), "{e}");
        assert!(Profile::parse("custom:1,2").is_err());
    }

    #[test]
    fn the_bucket_spaces_chunks_by_bandwidth() {
        let now = Instant::now();
        let mut b = Bucket {
            bytes_per_sec: 1000.0,
            next_free: now,
        };
        let a = b.reserve(500, now);
        let c = b.reserve(500, now);
        assert_eq!(a - now, Duration::from_millis(500));
        assert_eq!(c - now, Duration::from_millis(1000));
    }
}
