//! A page's WebSockets. They are not requests: DevTools never names them in the network
//! events a request has, only in its WebSocket events (created, handshake, answer, each
//! message sent or received, closed). Each socket becomes an entry of type `websocket`
//! whose bytes are the payloads it received, with its messages both ways counted.
//!
//! Messages are not network activity for the watch (a chat's socket would never let a page
//! end), as an event stream's bytes are not.

use super::record::initiator_of;
use crate::model::{payload_bytes, Entry, EntryError, ErrorKind, Initiator, ResourceType};
use crate::model::{Timings, WebSocketTraffic};
use chromiumoxide::cdp::browser_protocol::network as net;
use futures_util::stream::{BoxStream, SelectAll, StreamExt};
use std::sync::Arc;

/// One WebSocket event of the page.
#[derive(Debug)]
pub(super) enum SocketEvent {
    Created(Arc<net::EventWebSocketCreated>),
    Handshake(Arc<net::EventWebSocketWillSendHandshakeRequest>),
    Answered(Arc<net::EventWebSocketHandshakeResponseReceived>),
    Sent(Arc<net::EventWebSocketFrameSent>),
    Received(Arc<net::EventWebSocketFrameReceived>),
    Failed(Arc<net::EventWebSocketFrameError>),
    Closed(Arc<net::EventWebSocketClosed>),
}

/// Every WebSocket event of a page, as one stream.
pub(super) type SocketEvents = SelectAll<BoxStream<'static, SocketEvent>>;

/// Listens to a page's WebSocket events.
pub(super) async fn listen(page: &chromiumoxide::Page) -> crate::error::Result<SocketEvents> {
    use super::listen as on;
    let mut all = SelectAll::new();
    all.push(on(page).await?.map(SocketEvent::Created).boxed());
    all.push(on(page).await?.map(SocketEvent::Handshake).boxed());
    all.push(on(page).await?.map(SocketEvent::Answered).boxed());
    all.push(on(page).await?.map(SocketEvent::Sent).boxed());
    all.push(on(page).await?.map(SocketEvent::Received).boxed());
    all.push(on(page).await?.map(SocketEvent::Failed).boxed());
    all.push(on(page).await?.map(SocketEvent::Closed).boxed());
    Ok(all)
}

/// One socket as the browser reported it so far; times in monotonic seconds.
#[derive(Debug, Default)]
struct Socket {
    id: String,
    url: String,
    initiator: Initiator,
    /// When its handshake was sent.
    opened: Option<f64>,
    /// When the handshake was answered, with the status and the agreed extensions.
    answered: Option<(f64, u16)>,
    traffic: WebSocketTraffic,
    /// Its last message or its close.
    last: Option<f64>,
    error: Option<String>,
}

/// The sockets of a page.
#[derive(Debug, Default)]
pub struct Sockets {
    list: Vec<Socket>,
}

impl Sockets {
    /// Records one event.
    pub(super) fn event(&mut self, e: &SocketEvent) {
        match e {
            SocketEvent::Created(c) => self.with(c.request_id.inner(), |s| {
                s.url.clone_from(&c.url);
                let initiator = c.initiator.as_ref().map(|i| initiator_of(i, false));
                s.initiator = initiator.unwrap_or_default();
            }),
            SocketEvent::Handshake(h) => self.with(h.request_id.inner(), |s| {
                s.opened = Some(*h.timestamp.inner());
            }),
            SocketEvent::Answered(a) => self.with(a.request_id.inner(), |s| {
                let compressed = (a.response.headers.inner().as_object())
                    .into_iter()
                    .flatten()
                    .any(|(k, v)| {
                        k.eq_ignore_ascii_case("sec-websocket-extensions")
                            && v.as_str().is_some_and(|v| v.contains("permessage-deflate"))
                    });
                s.traffic.compressed = compressed;
                s.answered = Some((*a.timestamp.inner(), a.response.status as u16));
            }),
            SocketEvent::Sent(f) => self.with(f.request_id.inner(), |s| {
                let t = &mut s.traffic;
                t.messages_sent += 1;
                t.bytes_sent += payload_bytes(f.response.opcode, &f.response.payload_data);
                s.last = Some(*f.timestamp.inner());
            }),
            SocketEvent::Received(f) => self.with(f.request_id.inner(), |s| {
                let t = &mut s.traffic;
                t.messages_received += 1;
                t.bytes_received += payload_bytes(f.response.opcode, &f.response.payload_data);
                s.last = Some(*f.timestamp.inner());
            }),
            SocketEvent::Failed(f) => self.with(f.request_id.inner(), |s| {
                s.error.get_or_insert_with(|| f.error_message.clone());
                s.last = Some(*f.timestamp.inner());
            }),
            SocketEvent::Closed(c) => self.with(c.request_id.inner(), |s| {
                s.traffic.open_at_end = false;
                s.last = Some(*c.timestamp.inner());
            }),
        }
    }

    /// Applies an event to socket `id`, made if this is its first event read: each kind
    /// arrives on its own stream, so a socket's messages can be read before its creation.
    fn with(&mut self, id: &str, f: impl FnOnce(&mut Socket)) {
        let at = match self.list.iter().position(|s| s.id == id) {
            Some(at) => at,
            None => {
                self.list.push(Socket {
                    id: id.to_string(),
                    traffic: WebSocketTraffic {
                        open_at_end: true,
                        ..WebSocketTraffic::default()
                    },
                    ..Socket::default()
                });
                self.list.len() - 1
            }
        };
        f(&mut self.list[at]);
    }

    /// How many sockets compressed their messages (their payloads count more bytes than
    /// went over the wire).
    pub fn compressed(&self) -> usize {
        self.list.iter().filter(|s| s.traffic.compressed).count()
    }

    /// One entry per socket that sent its handshake, timed by `ms` (monotonic seconds to
    /// the load's milliseconds). A socket lasts until its last message or its close.
    pub fn entries(&self, ms: impl Fn(f64) -> f64) -> Vec<Entry> {
        self.list.iter().filter_map(|s| entry(s, &ms)).collect()
    }
}

fn entry(s: &Socket, ms: &impl Fn(f64) -> f64) -> Option<Entry> {
    let opened = s.opened.filter(|_| !s.url.is_empty())?;
    let answered_at = s.answered.map(|(t, _)| t);
    let ended = s.last.or(answered_at).unwrap_or(opened).max(opened);
    let status = s.answered.map(|(_, status)| status);
    let error = match (&s.error, status) {
        (Some(m), _) => Some(m.clone()),
        (None, None) if !s.traffic.open_at_end => {
            Some("closed before its handshake was answered".into())
        }
        _ => None,
    };
    let received = s.traffic.bytes_received;
    Some(Entry {
        url: s.url.clone(),
        method: "GET".into(),
        status,
        error: error.map(|message| EntryError {
            kind: ErrorKind::Other,
            message,
        }),
        resource_type: ResourceType::WebSocket,
        initiator: s.initiator.clone(),
        started_ms: ms(opened),
        duration_ms: ((ended - opened) * 1_000_000.0).round() / 1000.0,
        timings_ms: Timings {
            wait_ms: answered_at.map(|t| ((t - opened) * 1_000_000.0).round() / 1000.0),
            ..Timings::default()
        },
        transfer_bytes: received,
        body_bytes: received,
        decoded_bytes: received,
        websocket: Some(s.traffic),
        ..Entry::default()
    })
}
