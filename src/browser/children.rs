//! The targets a page starts (dedicated workers, and their own workers): each is a DevTools
//! session of its own, and what it requests is reported only there.
//!
//! chromiumoxide attaches such sessions itself ("flattened") and resumes them at once, with
//! no way to enable anything in them first, so a worker's requests went unseen. Instead the
//! page asks for its children the older, nested way (`Target.setAutoAttach` with
//! `flatten: false`): each child waits for the debugger; pagecost sends it, wrapped in
//! `Target.sendMessageToTarget`, the page's network settings ([`super::setup::network`])
//! and the same request for its own children, then resumes it. Its events come back wrapped
//! in `Target.receivedMessageFromTarget` (a grandchild's wrapped twice) and are recorded as
//! the page's. `--block` needs nothing here: the page's request interception pauses its
//! workers' requests too.

use super::setup::{network, Raw};
use crate::config::AuditConfig;
use chromiumoxide::cdp::browser_protocol::network as net;
use chromiumoxide::cdp::browser_protocol::target::{
    EventAttachedToTarget, EventReceivedMessageFromTarget, SetAutoAttachParams,
};
use chromiumoxide::cdp::js_protocol::runtime::RunIfWaitingForDebuggerParams;
use chromiumoxide::Page;
use futures_util::StreamExt;
use serde_json::{json, Value};

/// Children of children are followed this deep (a worker's worker's worker).
const MAX_DEPTH: usize = 4;

/// A network event of a child session.
#[derive(Debug)]
pub enum NetEvent {
    Sent(Box<net::EventRequestWillBeSent>),
    Response(Box<net::EventResponseReceived>),
    Data(net::EventDataReceived),
    Finished(net::EventLoadingFinished),
    Failed(net::EventLoadingFailed),
}

/// The page's children, watched: their network events arrive on [`Children::next`]. The
/// task that attaches and reads them ends with this value.
pub struct Children {
    events: tokio::sync::mpsc::UnboundedReceiver<NetEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Children {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Children {
    /// The next network event of any child; pending forever when there is none (so that it
    /// can sit in a `select!` beside the page's own streams). Cancel-safe.
    pub async fn next(&mut self) -> NetEvent {
        match self.events.recv().await {
            Some(e) => e,
            None => std::future::pending().await,
        }
    }

    /// Events already delivered, for the end of a watch.
    pub fn ready(&mut self) -> Vec<NetEvent> {
        std::iter::from_fn(|| self.events.try_recv().ok()).collect()
    }
}

/// The page's children attached the nested way, from its next navigation on.
pub async fn watch(page: &Page, cfg: &AuditConfig) -> crate::error::Result<Children> {
    let mut attached = super::listen::<EventAttachedToTarget>(page).await?;
    let mut messages = super::listen::<EventReceivedMessageFromTarget>(page).await?;
    page.execute(auto_attach())
        .await
        .map_err(super::browser_err)?;
    let setup: Vec<Raw> = network(cfg);
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    let page = page.clone();
    let task = tokio::spawn(async move {
        let mut sender = Sender { page, next_id: 0 };
        loop {
            tokio::select! {
                Some(e) = attached.next() => {
                    sender.start(&[e.session_id.inner().clone()], &setup).await;
                }
                Some(m) = messages.next() => {
                    let path = vec![m.session_id.inner().clone()];
                    match unwrap(path, &m.message) {
                        Some(Message::Attached(path)) => sender.start(&path, &setup).await,
                        Some(Message::Net(e)) => { let _ = tx.send(e); }
                        None => {}
                    }
                }
                else => break,
            }
        }
    });
    Ok(Children { events, task })
}

/// Children attached as they start, each waiting until resumed, nested (not flattened).
fn auto_attach() -> SetAutoAttachParams {
    SetAutoAttachParams {
        auto_attach: true,
        wait_for_debugger_on_start: true,
        flatten: Some(false),
        filter: None,
    }
}

/// Sends commands to child sessions through the page.
struct Sender {
    page: Page,
    next_id: u64,
}

impl Sender {
    /// A new child: the page's network settings, its own children, then resumed. Each
    /// command's delivery is awaited, not the child's answer (a command a worker lacks fails
    /// alone, and the rest still apply).
    async fn start(&mut self, path: &[String], setup: &[Raw]) {
        if path.len() > MAX_DEPTH {
            return self
                .send(path, &Raw::of(RunIfWaitingForDebuggerParams::default()))
                .await;
        }
        for c in setup {
            self.send(path, c).await;
        }
        self.send(path, &Raw::of(auto_attach())).await;
        self.send(path, &Raw::of(RunIfWaitingForDebuggerParams::default()))
            .await;
    }

    /// One command to the session at the end of `path` (the page's child first), wrapped
    /// once per level.
    async fn send(&mut self, path: &[String], c: &Raw) {
        self.next_id += 1;
        let mut message = json!({"id": self.next_id, "method": c.method(), "params": c.params()});
        for session in path[1..].iter().rev() {
            message = json!({
                "id": self.next_id,
                "method": "Target.sendMessageToTarget",
                "params": {"sessionId": session, "message": message.to_string()},
            });
        }
        let outer = Raw::new(
            "Target.sendMessageToTarget",
            json!({"sessionId": path[0], "message": message.to_string()}),
        );
        let _ = self.page.execute(outer).await;
    }
}

/// What a child's message holds, once unwrapped.
#[derive(Debug)]
enum Message {
    /// A child of the child at this path attached.
    Attached(Vec<String>),
    Net(NetEvent),
}

fn event<T: serde::de::DeserializeOwned>(params: Value) -> Option<T> {
    serde_json::from_value(params).ok()
}

/// Reads a message from the session at `path`, unwrapping a grandchild's.
fn unwrap(mut path: Vec<String>, message: &str) -> Option<Message> {
    let v: Value = serde_json::from_str(message).ok()?;
    let params = v.get("params")?.clone();
    let method = v.get("method")?.as_str()?;
    Some(match method {
        "Target.receivedMessageFromTarget" => {
            path.push(params.get("sessionId")?.as_str()?.to_string());
            return unwrap(path, params.get("message")?.as_str()?);
        }
        "Target.attachedToTarget" => {
            path.push(params.get("sessionId")?.as_str()?.to_string());
            Message::Attached(path)
        }
        "Network.requestWillBeSent" => Message::Net(NetEvent::Sent(Box::new(event(params)?))),
        "Network.responseReceived" => Message::Net(NetEvent::Response(Box::new(event(params)?))),
        "Network.dataReceived" => Message::Net(NetEvent::Data(event(params)?)),
        "Network.loadingFinished" => Message::Net(NetEvent::Finished(event(params)?)),
        "Network.loadingFailed" => Message::Net(NetEvent::Failed(event(params)?)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grandchilds_messages_are_unwrapped_with_their_path() {
        let sent = json!({"method": "Network.dataReceived",
            "params": {"requestId": "7.1", "timestamp": 1.5, "dataLength": 10, "encodedDataLength": 3}});
        let wrapped = json!({"method": "Target.receivedMessageFromTarget",
            "params": {"sessionId": "G", "message": sent.to_string()}});
        match unwrap(vec!["C".into()], &wrapped.to_string()) {
            Some(Message::Net(NetEvent::Data(d))) => assert_eq!(d.data_length, 10),
            other => panic!("{other:?}"),
        }
        let attached = json!({"method": "Target.attachedToTarget",
            "params": {"sessionId": "G2", "waitingForDebugger": true}});
        match unwrap(vec!["C".into()], &attached.to_string()) {
            Some(Message::Attached(p)) => assert_eq!(p, ["C", "G2"]),
            other => panic!("{other:?}"),
        }
        // Answers to commands and other events are not the watch's.
        assert!(unwrap(vec!["C".into()], r#"{"id": 3, "result": {}}"#).is_none());
        assert!(unwrap(
            vec!["C".into()],
            r#"{"method": "Inspector.workerScriptLoaded", "params": {}}"#
        )
        .is_none());
    }
}
