//! DevTools network events to entries: each request id's `requestWillBeSent` (and the
//! redirect responses it carries), `responseReceived`, `dataReceived`, `loadingFinished` or
//! `loadingFailed`, turned into the same [`Entry`] the static engine makes. A field the
//! browser does not give stays `None`; nothing is guessed. A request the browser sent with no
//! stack is named by the load's trace where it can tell, and says so ([`Inferred`]).

use super::children::NetEvent;
use crate::model::{
    Entry, EntryError, ErrorKind, Header, Headers, Inferred, Initiator, InitiatorKind, PageMetrics,
    Priority, ResourceType, Timings,
};
use crate::trace::senders::Sender;
use chromiumoxide::cdp::browser_protocol::network::{
    self as net, EventRequestWillBeSent, Response,
};
use chromiumoxide::cdp::js_protocol::runtime::{CallFrame, StackTrace};
use std::collections::HashMap;

/// One request as the browser reported it so far.
#[derive(Debug)]
struct Req {
    /// The browser's request id (a redirect's hops share it).
    id: String,
    url: String,
    method: String,
    /// Monotonic seconds when it was issued.
    issued: f64,
    kind: Option<net::ResourceType>,
    main: bool,
    subframe: bool,
    /// The frame it was made for (an iframe's document: the iframe's own frame).
    frame: Option<String>,
    /// Made for a worker (no loader) in the page's session: its answer goes to the worker's
    /// own session (seen when that session is watched, [`Recorder::child_event`]).
    worker: bool,
    initiator: Initiator,
    /// The headers the renderer gave the request, and its priority.
    request_headers: Headers,
    priority: Option<Priority>,
    response: Option<Response>,
    redirect_url: Option<String>,
    decoded: u64,
    /// Body bytes as sent, as they arrived.
    encoded: u64,
    /// Its body passed `--max-body` or `--max-decoded`.
    over_limit: bool,
    /// Monotonic seconds when it ended, with the bytes on the wire.
    finished: Option<(f64, u64)>,
    failed: Option<(f64, String)>,
    /// A document the page's own frame navigated to after its first (a script's
    /// `location =`, a reload, a refresh), redirect hops included.
    navigation: bool,
    /// Monotonic seconds when a navigation of the page's frame replaced the document that
    /// made it, with no end reported: cancelled then.
    cancelled_by_navigation: Option<f64>,
}

/// What a hop is for the page ([`Recorder::role`]).
#[derive(Debug, Clone, Copy)]
struct Role {
    /// The page's own document (or a redirect hop on its way).
    main: bool,
    /// An iframe's document.
    subframe: bool,
    /// A document of the page's own frame after its first.
    navigation: bool,
}

/// An event for a request whose `requestWillBeSent` has not been handled yet: each event
/// kind arrives on its own stream, so a request's end can be read before its start.
#[derive(Debug)]
enum Early {
    Response(Box<Response>),
    Data(i64, i64),
    Finished(f64, f64),
    Failed(f64, String),
}

/// Collects a page's network events.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Events that came before their request's start, by request id.
    early: HashMap<String, Vec<Early>>,
    /// Requests in the order they were issued (redirect hops each their own).
    reqs: Vec<Req>,
    /// Hops in flight ([`Recorder::in_flight`]).
    open: usize,
    /// The current hop of each request id.
    current: HashMap<String, usize>,
    /// Largest body, as sent and decoded (`--max-body`, `--max-decoded`); a page whose
    /// request passes one is stopped as the Esc key stops it. `None`: no limit.
    pub limits: Option<(u64, u64)>,
    /// A body passed its limit since [`Recorder::take_over_limit`] was last asked.
    stop_loading: bool,
    /// Monotonic seconds of the navigation's start.
    pub start: Option<f64>,
    /// Wall-clock seconds (since the Unix epoch) of the navigation's start.
    start_wall: Option<f64>,
    /// Monotonic seconds of the latest request start, response or end: the load's end.
    pub last: f64,
    /// Monotonic seconds of the load event.
    pub load_event: Option<f64>,
    /// Monotonic seconds of `DOMContentLoaded`.
    dom_content_loaded: Option<f64>,
    /// The page's `DOMContentLoaded` (`false`) and load (`true`) events read before its
    /// document's request: chromiumoxide fills each kind's stream in turn, so the watch can
    /// read a later event of one kind before an earlier one of another. Judged once the
    /// request's start is known.
    early_page_events: Vec<(bool, f64)>,
    /// The page's own frame.
    main_frame: Option<String>,
    /// Each iframe's parent frame, as the browser attached them.
    parents: HashMap<String, String>,
    /// `data:` URLs the page used (no request).
    pub data_urls: u64,
    /// `blob:` and `filesystem:` URLs (objects in the page's memory, no request).
    pub local_urls: u64,
    /// The browser's own `/favicon.ico` requests, left out.
    pub favicon_probes: u64,
    /// The page's WebSockets.
    pub sockets: super::sockets::Sockets,
    /// The documents the page's own frame navigated to after its first, in order.
    pub navigations: Vec<String>,
    /// The popups the page tried to open (`window.open`, a link to a new window), by URL.
    pub popups: Vec<String>,
    /// The downloads the page started, by URL (refused: pagecost saves no file).
    pub downloads: Vec<String>,
}

/// When a request ended, if it did: finished, failed, or cancelled by a navigation.
fn ended(r: &Req) -> Option<f64> {
    (r.finished.map(|(t, _)| t))
        .or(r.failed.as_ref().map(|(t, _)| *t))
        .or(r.cancelled_by_navigation)
}

/// Whether a request in flight keeps a page from being done: an event stream does not (it
/// stays open as long as the page), nor a worker's request (its answer is never seen here).
fn counts(r: &Req) -> bool {
    r.kind != Some(net::ResourceType::EventSource) && !r.worker
}

/// The frame that made a script's request: the top of its stack or, where the stack is empty,
/// the top of the nearest asynchronous parent's. (An image's load runs in a task of its own:
/// `new Image().src = ...` is sent with an empty stack whose parent, "Image", holds the
/// caller; without asynchronous stacks Chromium names the document's parser instead.)
fn calling_frame(stack: Option<&StackTrace>) -> Option<&CallFrame> {
    let mut at = stack;
    for _ in 0..=super::setup::ASYNC_STACK_DEPTH {
        let s = at?;
        if let Some(f) = s.call_frames.first() {
            return Some(f);
        }
        at = s.parent.as_deref();
    }
    None
}

pub(super) fn initiator_of(i: &net::Initiator, main: bool) -> Initiator {
    let frame = calling_frame(i.stack.as_ref());
    let kind = match i.r#type {
        _ if main => InitiatorKind::Navigation,
        net::InitiatorType::Parser => InitiatorKind::Parser,
        net::InitiatorType::Script => InitiatorKind::Script,
        net::InitiatorType::Preload => InitiatorKind::Preload,
        _ => InitiatorKind::Other,
    };
    // A script's request names the script that made the call (the top of its stack); the
    // browser's `url` there is the document's.
    let url = frame
        .map(|f| f.url.clone())
        .filter(|u| !u.is_empty())
        .or_else(|| i.url.clone())
        .filter(|u| !u.is_empty() && !main);
    let line = i
        .line_number
        .map(|l| l as u32 + 1)
        .or_else(|| frame.map(|f| f.line_number as u32 + 1));
    let column = i
        .column_number
        .map(|c| c as u32 + 1)
        .or_else(|| frame.map(|f| f.column_number as u32 + 1));
    Initiator {
        kind,
        url,
        element: None,
        attribute: None,
        line: line.filter(|_| !main),
        column: column.filter(|_| !main),
        inferred: None,
    }
}

impl Recorder {
    /// In-flight requests: issued, not yet finished or failed; event streams (SSE) and
    /// workers' requests are left out ([`counts`]). (Kept as a count: it is asked after
    /// every event, and a page may make thousands of requests.)
    pub fn in_flight(&self) -> usize {
        self.open
    }

    /// Ends hop `i` (finished, failed or redirected): it no longer counts as in flight.
    fn close(&mut self, i: usize) {
        let r = &self.reqs[i];
        if ended(r).is_none() && counts(r) {
            self.open -= 1;
        }
    }

    /// A navigation of the page's frame answered at `ts`: the requests issued before it
    /// started and still open were cancelled when it replaced their document (the browser
    /// reports no end for most of them).
    fn navigated(&mut self, nav: usize, ts: f64) {
        let since = self.navigation_start(nav);
        for i in 0..self.reqs.len() {
            let r = &self.reqs[i];
            if r.issued < since && ended(r).is_none() && !r.worker {
                self.close(i);
                self.reqs[i].cancelled_by_navigation = Some(ts);
            }
        }
    }

    /// When the navigation whose hop is `nav` started: its first hop's issue time.
    fn navigation_start(&self, nav: usize) -> f64 {
        let mut at = nav;
        while at > 0 {
            let prev = &self.reqs[at - 1];
            match prev.redirect_url.as_deref() == Some(self.reqs[at].url.as_str())
                && prev.navigation
            {
                true => at -= 1,
                false => break,
            }
        }
        self.reqs[at].issued
    }

    /// Workers' requests whose answer was not seen.
    pub fn unanswered_workers(&self) -> usize {
        self.reqs
            .iter()
            .filter(|r| r.worker && r.finished.is_none() && r.failed.is_none())
            .count()
    }

    /// Requests seen.
    pub fn len(&self) -> usize {
        self.reqs.len()
    }

    /// Whether nothing was requested.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// A request was issued (or redirected: the previous hop ends with the redirect
    /// response it carries).
    pub fn sent(&mut self, e: &EventRequestWillBeSent) {
        if self.not_a_page_request(e) {
            return;
        }
        let id = e.request_id.inner().clone();
        let ts = *e.timestamp.inner();
        self.last = self.last.max(ts);
        if let (Some(r), Some(&prev)) = (&e.redirect_response, self.current.get(&id)) {
            self.hop_ends(prev, r, &e.request.url, ts);
        }
        let first = self.start.is_none() && e.r#type == Some(net::ResourceType::Document);
        let frame = e.frame_id.as_ref().map(|f| f.inner().clone());
        if first {
            self.begin(ts, *e.wall_time.inner(), &frame);
        }
        let redirect = e.redirect_response.is_some();
        let role = self.role(e, &id, first, &frame);
        let mut initiator = initiator_of(&e.initiator, role.main);
        if redirect {
            initiator.kind = InitiatorKind::Redirect;
            initiator.url = self.current.get(&id).map(|p| self.reqs[*p].url.clone());
        }
        if role.navigation && !redirect {
            self.navigations.push(e.request.url.clone());
        }
        self.current.insert(id.clone(), self.reqs.len());
        self.reqs.push(Req {
            id: id.clone(),
            url: e.request.url.clone(),
            method: e.request.method.clone(),
            issued: ts,
            kind: e.r#type.clone(),
            main: role.main,
            subframe: role.subframe,
            frame,
            worker: e.loader_id.inner().is_empty() && !role.main,
            initiator,
            request_headers: headers(&e.request.headers),
            priority: Some(priority(&e.request.initial_priority)),
            response: None,
            redirect_url: None,
            decoded: 0,
            encoded: 0,
            over_limit: false,
            finished: None,
            failed: None,
            navigation: role.navigation,
            cancelled_by_navigation: None,
        });
        self.open += usize::from(counts(&self.reqs[self.reqs.len() - 1]));
        for ev in self.early.remove(&id).unwrap_or_default() {
            self.replay(&id, ev);
        }
    }

    /// The page's document was requested at `ts` (`wall`: seconds since the epoch) for
    /// `frame`: the load's start, and the page events read before it judged.
    fn begin(&mut self, ts: f64, wall: f64, frame: &Option<String>) {
        self.start = Some(ts);
        self.start_wall = Some(wall);
        self.main_frame.clone_from(frame);
        for (load, at) in std::mem::take(&mut self.early_page_events) {
            self.page_event(load, at);
        }
    }

    /// What a new hop of request `id` is for the page: a redirect hop is what its request
    /// was; else the page's first document, an iframe's document, or a document of the
    /// page's own frame after its first (a script's `location =`: a navigation, not an
    /// iframe).
    fn role(
        &self,
        e: &EventRequestWillBeSent,
        id: &str,
        first: bool,
        frame: &Option<String>,
    ) -> Role {
        let prev = self.current.get(id).map(|p| &self.reqs[*p]);
        if let (Some(_), Some(p)) = (&e.redirect_response, prev) {
            return Role {
                main: p.main || first,
                subframe: p.subframe,
                navigation: p.navigation,
            };
        }
        let later_document = e.r#type == Some(net::ResourceType::Document) && !first;
        Role {
            main: first,
            subframe: later_document && *frame != self.main_frame,
            navigation: later_document && *frame == self.main_frame,
        }
    }

    /// Requests that are not the page's network requests, counted apart: inline content and
    /// in-memory objects (as the static engine counts them), and the browser's own probe
    /// for a tab icon (browsers' HAR exports leave it out too).
    fn not_a_page_request(&mut self, e: &EventRequestWillBeSent) -> bool {
        let url = &e.request.url;
        // What the browser's own error page (a frame that failed to load) shows is not the
        // page's: left out, uncounted.
        if e.document_url.starts_with("chrome-error:") {
            return true;
        }
        let counter = if url.starts_with("data:") {
            &mut self.data_urls
        } else if url.starts_with("blob:") || url.starts_with("filesystem:") {
            &mut self.local_urls
        } else if url.ends_with("/favicon.ico")
            && e.initiator.r#type == net::InitiatorType::Other
            && e.r#type == Some(net::ResourceType::Other)
        {
            &mut self.favicon_probes
        } else {
            return false;
        };
        *counter += 1;
        true
    }

    /// Hop `prev` of a redirect chain ends at `ts` with the redirect response `r` to `next`.
    fn hop_ends(&mut self, prev: usize, r: &net::Response, next: &str, ts: f64) {
        self.close(prev);
        let hop = &mut self.reqs[prev];
        hop.response = Some(r.clone());
        hop.redirect_url = Some(next.to_string());
        hop.finished = Some((ts, r.encoded_data_length.max(0.0) as u64));
    }

    /// An event of request `id` that came before the request itself, now applied.
    fn replay(&mut self, id: &str, ev: Early) {
        match ev {
            Early::Response(r) => self.response(id, &r),
            Early::Data(decoded, encoded) => {
                self.body(id, decoded, encoded);
            }
            Early::Finished(ts, n) => self.finished(id, ts, n),
            Early::Failed(ts, text) => self.failed(id, ts, &text),
        }
    }

    /// Keeps an event of a request not seen yet; `None` when the request is known.
    fn early(&mut self, id: &str, ev: Early) -> Option<Early> {
        if self.current.contains_key(id) {
            return Some(ev);
        }
        self.early.entry(id.to_string()).or_default().push(ev);
        None
    }

    fn hop(&mut self, id: &str) -> Option<&mut Req> {
        let i = *self.current.get(id)?;
        self.reqs.get_mut(i)
    }

    /// An event of a worker's own session ([`super::children`]), recorded as the page's;
    /// whether it is network activity. A request made there is answered there, so it counts
    /// as in flight as any other.
    pub fn child_event(&mut self, e: NetEvent) -> bool {
        match e {
            NetEvent::Sent(e) => {
                self.sent(&e);
                self.answered_here(e.request_id.inner());
            }
            NetEvent::Response(e) => self.on_response(&e),
            NetEvent::Data(e) => return self.data(&e),
            NetEvent::Finished(e) => drop(self.on_finished(&e)),
            NetEvent::Failed(e) => drop(self.on_failed(&e)),
        }
        true
    }

    /// A request seen in the session its answer comes to.
    fn answered_here(&mut self, id: &str) {
        let Some(&i) = self.current.get(id) else {
            return;
        };
        let r = &mut self.reqs[i];
        if r.worker {
            r.worker = false;
            if ended(r).is_none() && counts(r) {
                self.open += 1;
            }
        }
    }

    /// `Network.responseReceived`.
    pub fn on_response(&mut self, e: &net::EventResponseReceived) {
        self.last = self.last.max(*e.timestamp.inner());
        self.response(e.request_id.inner(), &e.response);
    }

    /// `Network.loadingFinished`: the URL of the request that ended, when it is known, and
    /// whether it failed (`false`).
    pub fn on_finished(&mut self, e: &net::EventLoadingFinished) -> Option<(String, bool)> {
        let ts = *e.timestamp.inner();
        self.last = self.last.max(ts);
        self.finished(e.request_id.inner(), ts, e.encoded_data_length);
        self.url_of(e.request_id.inner(), false)
    }

    /// `Network.loadingFailed`: the URL of the request that failed, when it is known.
    pub fn on_failed(&mut self, e: &net::EventLoadingFailed) -> Option<(String, bool)> {
        let ts = *e.timestamp.inner();
        self.last = self.last.max(ts);
        self.failed(e.request_id.inner(), ts, &e.error_text);
        self.url_of(e.request_id.inner(), true)
    }

    fn url_of(&self, id: &str, failed: bool) -> Option<(String, bool)> {
        let i = *self.current.get(id)?;
        Some((self.reqs[i].url.clone(), failed))
    }

    /// The response head arrived.
    pub fn response(&mut self, id: &str, r: &Response) {
        if self
            .early(id, Early::Response(Box::new(r.clone())))
            .is_none()
        {
            return;
        }
        if let Some(h) = self.hop(id) {
            h.response = Some(r.clone());
        }
        if let Some(&i) = self.current.get(id).filter(|&&i| self.reqs[i].navigation) {
            self.navigated(i, self.last);
        }
    }

    /// Body bytes arrived (decoded); whether they are network activity (an event stream's
    /// are not).
    pub fn data(&mut self, e: &net::EventDataReceived) -> bool {
        self.body(e.request_id.inner(), e.data_length, e.encoded_data_length)
    }

    /// Body bytes, decoded and as sent; a request whose body passes a limit
    /// ([`Recorder::limits`]) is marked, and the page is to stop loading
    /// ([`Recorder::take_over_limit`]).
    fn body(&mut self, id: &str, decoded: i64, encoded: i64) -> bool {
        if self.early(id, Early::Data(decoded, encoded)).is_none() {
            return true;
        }
        let (max_body, max_decoded) = self.limits.unwrap_or((u64::MAX, u64::MAX));
        let Some(h) = self.hop(id) else {
            return true;
        };
        if h.failed.is_some() {
            // After a failure, the body is the browser's error page, not the site's bytes.
            return false;
        }
        h.decoded += decoded.max(0) as u64;
        h.encoded += encoded.max(0) as u64;
        // Chromium often gives no encoded length until the end: a body sent without a
        // content encoding is as long as sent as decoded.
        let identity = h
            .response
            .as_ref()
            .is_some_and(|r| content_encoding(&r.headers).is_none());
        let sent = if identity {
            h.encoded.max(h.decoded)
        } else {
            h.encoded
        };
        let over = !h.over_limit && (sent > max_body || h.decoded > max_decoded);
        h.over_limit |= over;
        let active = counts(h);
        self.stop_loading |= over;
        active
    }

    /// Whether a body has just passed its limit: the page should stop loading (once).
    pub fn take_over_limit(&mut self) -> bool {
        std::mem::take(&mut self.stop_loading)
    }

    /// Whether any body passed its limit.
    pub fn over_limit(&self) -> bool {
        self.reqs.iter().any(|r| r.over_limit)
    }

    /// The request ended with `encoded` bytes on the wire.
    pub fn finished(&mut self, id: &str, ts: f64, encoded: f64) {
        if self.early(id, Early::Finished(ts, encoded)).is_none() {
            return;
        }
        if let Some(&i) = self.current.get(id) {
            self.close(i);
            // A failed request "finishes" once more with the browser's error page: not the
            // site's bytes, and the failure stands.
            if self.reqs[i].failed.is_none() {
                self.reqs[i].finished = Some((ts, encoded.max(0.0) as u64));
            }
        }
    }

    /// The request failed.
    pub fn failed(&mut self, id: &str, ts: f64, error: &str) {
        if self
            .early(id, Early::Failed(ts, error.to_string()))
            .is_none()
        {
            return;
        }
        if let Some(&i) = self.current.get(id) {
            self.close(i);
            self.reqs[i].failed = Some((ts, error.to_string()));
        }
    }

    /// The main document's `DOMContentLoaded` event fired (one before the navigation's
    /// start, from `about:blank`, is not the page's).
    pub fn dom_content_loaded(&mut self, ts: f64) {
        self.page_event(false, ts);
    }

    /// The main document's load event fired.
    pub fn load_event_fired(&mut self, ts: f64) {
        self.page_event(true, ts);
    }

    /// A page event (`load`: the load event, else `DOMContentLoaded`) taken when it came
    /// after the navigation's start, kept for later when that start is not known yet.
    fn page_event(&mut self, load: bool, ts: f64) {
        match self.start {
            None => self.early_page_events.push((load, ts)),
            Some(s) if ts >= s && load => self.load_event = Some(ts),
            Some(s) if ts >= s => self.dom_content_loaded = Some(ts),
            Some(_) => {}
        }
    }

    /// Whether a frame is the page's or one of its iframes'.
    pub fn has_frame(&self, frame: &str) -> bool {
        self.main_frame.as_deref() == Some(frame) || self.parents.contains_key(frame)
    }

    /// A frame was attached to a parent (an iframe).
    pub fn frame_attached(&mut self, frame: &str, parent: &str) {
        self.parents.insert(frame.to_string(), parent.to_string());
    }

    /// How deep a frame is nested: 0 for the page, 1 for its iframes ...
    fn depth(&self, frame: Option<&String>) -> u32 {
        let mut depth = 0;
        let mut at = frame;
        // Bounded: a malformed parent chain cannot loop forever.
        while let Some(parent) = at.and_then(|f| self.parents.get(f)) {
            depth += 1;
            at = Some(parent);
            if depth >= 64 {
                break;
            }
        }
        depth
    }

    /// Names who sent the requests the browser sent with no stack, as the load's trace tells
    /// it ([`crate::trace::senders`]): the script that ran, or the script whose fetch's answer
    /// ran the promise callback that sent it. In order of issue, so a fetch named this way
    /// names the requests its callbacks send. (A request sent from a promise callback while
    /// the document is still being parsed is said to be the parser's, at its position then:
    /// the trace's word that a callback sent it wins.)
    pub fn adopt_senders(&mut self, senders: &HashMap<String, Sender>) {
        for i in 0..self.reqs.len() {
            let r = &self.reqs[i];
            if r.main || r.subframe {
                continue;
            }
            let unnamed = r.initiator.kind == InitiatorKind::Other && r.initiator.url.is_none();
            let parser = r.initiator.kind == InitiatorKind::Parser;
            let (url, how) = match senders.get(&r.id) {
                Some(Sender::Script(url)) if unnamed => {
                    (Some(url.clone()), Inferred::RunningScript)
                }
                Some(Sender::AnsweredRequest(id)) if unnamed || parser => {
                    let opener = self.reqs.iter().find(|o| &o.id == id);
                    let url = opener.and_then(|o| o.initiator.url.clone());
                    (url, Inferred::FetchCallback)
                }
                _ => continue,
            };
            if let Some(url) = url {
                self.reqs[i].initiator = Initiator {
                    kind: InitiatorKind::Script,
                    url: Some(url),
                    inferred: Some(how),
                    ..Initiator::default()
                };
            }
        }
    }

    /// A request was blocked by `--block`: its entry says by what.
    pub fn blocked(&mut self, id: &str, why: &str) {
        if let Some(&i) = self.current.get(id) {
            if let Some((_, text)) = &mut self.reqs[i].failed {
                *text = format!("blocked by {why}");
            }
        }
    }

    /// The page's rendering metrics on the entries' time base.
    pub fn page_metrics(&self, seen: Option<&super::paint::Observed>) -> PageMetrics {
        let Some(start) = self.start else {
            return PageMetrics::default();
        };
        let ms = |t: f64| (t - start) * 1000.0;
        // The page's times count from its time origin (wall clock); the entries from the
        // document request's issue (monotonic, with its wall time known).
        let offset = match (seen, self.start_wall) {
            (Some(s), Some(w)) => s.origin - w * 1000.0,
            _ => 0.0,
        };
        super::paint::metrics(
            seen.filter(|_| self.start_wall.is_some()),
            offset,
            (self.dom_content_loaded.map(ms), self.load_event.map(ms)),
        )
    }

    /// The entries, and the document's time to first byte. Requests still in flight at
    /// `end` (monotonic seconds) are aborted entries.
    /// The requests whose bodies `--savings` measures: each final hop's entry index,
    /// request id, what it is measured for, its decoded size and its URL.
    pub fn probes(
        &self,
    ) -> Vec<(
        usize,
        String,
        crate::model::savings::work::Probe,
        u64,
        String,
    )> {
        (self.reqs.iter().enumerate())
            .filter(|(_, r)| r.redirect_url.is_none() && !r.worker && !r.over_limit)
            .filter_map(|(i, r)| {
                let e = entry(r, |t| t, 0.0);
                let probe = crate::model::savings::probe_of(&e)?;
                Some((i, r.id.clone(), probe, e.decoded_bytes, e.url))
            })
            .collect()
    }

    pub fn entries(&self, end: f64) -> (Vec<Entry>, Option<f64>) {
        let start = self.start.unwrap_or(0.0);
        let ms = |t: f64| ((t - start) * 1_000_000.0).round() / 1000.0;
        let mut ttfb = None;
        let entries = self
            .reqs
            .iter()
            .map(|r| {
                let mut e = entry(r, ms, end);
                e.frame_depth = self.depth(r.frame.as_ref());
                e.after_load = self.load_event.is_some_and(|l| r.issued > l);
                if r.main && r.redirect_url.is_none() && ttfb.is_none() {
                    ttfb = first_byte(r).map(ms);
                }
                e
            })
            .chain(self.sockets.entries(ms).into_iter().map(|mut e| {
                e.after_load = self.load_event.is_some_and(|l| ms(l) < e.started_ms);
                e
            }))
            .collect();
        (entries, ttfb)
    }
}

/// Monotonic seconds of a response's first byte.
fn first_byte(r: &Req) -> Option<f64> {
    let t = r.response.as_ref()?.timing.as_ref()?;
    Some(t.request_time + t.receive_headers_end / 1000.0)
}

fn resource_type(r: &Req) -> ResourceType {
    use net::ResourceType as C;
    match &r.kind {
        Some(C::Document) if r.subframe => ResourceType::Iframe,
        Some(C::Document) => ResourceType::Document,
        Some(C::Stylesheet) => ResourceType::Stylesheet,
        Some(C::Script) => ResourceType::Script,
        Some(C::Image) => ResourceType::Image,
        Some(C::Font) => ResourceType::Font,
        Some(C::Media) => ResourceType::Media,
        _ => ResourceType::Other,
    }
}

/// HAR phases from the browser's resource timing (milliseconds relative to `requestTime`,
/// -1 where a phase did not happen), as Chrome's own HAR export computes them.
fn phases(r: &Req, end: f64) -> Timings {
    let Some(t) = r.response.as_ref().and_then(|x| x.timing.as_ref()) else {
        return Timings::default();
    };
    let span = |a: f64, b: f64| (a >= 0.0 && b >= a).then_some(b - a);
    let queued = (t.request_time - r.issued) * 1000.0;
    let first = [t.dns_start, t.connect_start, t.send_start]
        .into_iter()
        .find(|x| *x >= 0.0)
        .unwrap_or(0.0);
    let headers_end = t.request_time * 1000.0 + t.receive_headers_end;
    Timings {
        blocked_ms: Some((queued + first).max(0.0)),
        dns_ms: span(t.dns_start, t.dns_end),
        connect_ms: span(t.connect_start, t.connect_end),
        ssl_ms: span(t.ssl_start, t.ssl_end),
        send_ms: span(t.send_start, t.send_end),
        wait_ms: span(t.send_end, t.receive_headers_end),
        receive_ms: Some((end * 1000.0 - headers_end).max(0.0)),
    }
}

fn protocol(p: &str) -> String {
    match p {
        "h2" => "HTTP/2".into(),
        "h3" => "HTTP/3".into(),
        other => other.to_ascii_uppercase(),
    }
}

fn entry(r: &Req, ms: impl Fn(f64) -> f64, end: f64) -> Entry {
    let resp = r.response.as_ref();
    let (ended, transfer) = match (&r.finished, &r.failed) {
        (Some((t, n)), _) => (*t, Some(*n)),
        (None, Some((t, _))) => (*t, None),
        (None, None) => (r.cancelled_by_navigation.unwrap_or(end), None),
    };
    let header_bytes = resp.map(|x| x.encoded_data_length.max(0.0) as u64);
    let transfer_bytes = transfer.unwrap_or(0);
    Entry {
        url: r.url.clone(),
        method: r.method.clone(),
        status: resp.map(|x| x.status as u16),
        error: error_of(r),
        resource_type: resource_type(r),
        mime_type: resp.map(|x| x.mime_type.clone()).filter(|m| !m.is_empty()),
        initiator: r.initiator.clone(),
        started_ms: ms(r.issued),
        duration_ms: ((ended - r.issued) * 1_000_000.0).round() / 1000.0,
        timings_ms: phases(r, ended),
        transfer_bytes,
        header_bytes,
        body_bytes: transfer_bytes.saturating_sub(header_bytes.unwrap_or(0)),
        decoded_bytes: r.decoded,
        content_encoding: resp.and_then(|x| content_encoding(&x.headers)),
        http_version: resp.and_then(|x| x.protocol.as_deref()).map(protocol),
        remote_addr: resp.and_then(remote_addr),
        redirect_url: r.redirect_url.clone(),
        lazy: false,
        frame_depth: 0,
        connection_id: resp.map(|x| x.connection_id as u64),
        connection_reused: resp.map(|x| x.connection_reused),
        request_headers: r.request_headers.clone(),
        response_headers: resp.map(|x| headers(&x.headers)).unwrap_or_default(),
        party: None,
        size_unknown: r.worker && r.finished.is_none() && r.failed.is_none(),
        after_load: false,
        priority: r.priority,
        websocket: None,
        compressed: None,
        recoded: None,
    }
}

/// How a request failed: past the size limit, with the browser's net error, cut by a
/// navigation or still loading when the page was done; `None` when it did not.
fn error_of(r: &Req) -> Option<EntryError> {
    match (&r.failed, &r.finished) {
        _ if r.over_limit => Some(EntryError {
            kind: ErrorKind::TooLarge,
            message: "its body passed the size limit (--max-body, --max-decoded): the page's \
                      loading was stopped there"
                .into(),
        }),
        (Some((_, text)), _) => Some(EntryError {
            kind: ErrorKind::of_net_error(text),
            message: text.clone(),
        }),
        // A worker's request is answered in the worker: unknown here, not an error.
        (None, None) if r.worker => None,
        (None, None) if r.cancelled_by_navigation.is_some() => Some(EntryError {
            kind: ErrorKind::Aborted,
            message: "cancelled: the page navigated to another document".into(),
        }),
        (None, None) => Some(EntryError {
            kind: ErrorKind::Aborted,
            message: "still loading when the page was done".into(),
        }),
        _ => None,
    }
}

/// The server's address as `ip:port` (`[ip]:port` for IPv6).
fn remote_addr(x: &net::Response) -> Option<String> {
    let ip = x.remote_ip_address.as_deref()?;
    Some(match x.remote_port {
        Some(p) if ip.contains(':') => format!("[{ip}]:{p}"),
        Some(p) => format!("{ip}:{p}"),
        None => ip.to_string(),
    })
}

/// DevTools headers (a JSON object; repeated headers joined by newlines) as entries' headers,
/// names lowercase, sorted.
fn headers(h: &net::Headers) -> Headers {
    let mut out: Vec<Header> = h
        .inner()
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            let value = value.as_str().unwrap_or_default().to_string();
            value
                .split('\n')
                .map(|v| Header {
                    name: name.clone(),
                    value: v.to_string(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.into_iter().map(|h| (h.name, h.value)).collect()
}

/// The response's `Content-Encoding`, when it has one.
fn content_encoding(h: &net::Headers) -> Option<String> {
    headers(h)
        .get("content-encoding")
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty() && v != "identity")
}

fn priority(p: &net::ResourcePriority) -> Priority {
    match p {
        net::ResourcePriority::VeryLow => Priority::VeryLow,
        net::ResourcePriority::Low => Priority::Low,
        net::ResourcePriority::Medium => Priority::Medium,
        net::ResourcePriority::High => Priority::High,
        net::ResourcePriority::VeryHigh => Priority::VeryHigh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(url: &str, kind: &str, ts: f64) -> EventRequestWillBeSent {
        serde_json::from_value(serde_json::json!({
            "requestId": format!("r-{url}"), "loaderId": "L", "documentURL": url,
            "request": {"url": url, "method": "GET", "headers": {},
                        "initialPriority": "VeryHigh", "referrerPolicy": "no-referrer"},
            "timestamp": ts, "wallTime": 1.0e9, "initiator": {"type": "other"},
            "redirectHasExtraInfo": false, "type": kind, "frameId": "F"
        }))
        .expect("a requestWillBeSent event")
    }

    /// A request of `kind` with this initiator.
    fn sent_by(
        url: &str,
        kind: &str,
        ts: f64,
        initiator: serde_json::Value,
    ) -> EventRequestWillBeSent {
        let mut e = serde_json::to_value(sent(url, kind, ts)).unwrap();
        e["initiator"] = initiator;
        serde_json::from_value(e).unwrap()
    }

    /// The trace names the senders the browser left out: a stackless request by the running
    /// script, a pixel a fetch's callback sent by the fetch's own script, even where the
    /// browser said it was the parser's; a request the browser named by its stack keeps it.
    #[test]
    fn the_traces_senders_name_what_the_browser_left_unnamed() {
        let tag = "http://t.test/tag.js";
        let mut rec = Recorder::default();
        rec.sent(&sent("http://a.test/", "Document", 10.0));
        let stack = serde_json::json!({"type": "script", "stack": {"callFrames": [
            {"functionName": "", "scriptId": "1", "url": tag, "lineNumber": 6, "columnNumber": 2}
        ]}});
        rec.sent(&sent_by("http://b.test/bid", "Fetch", 10.1, stack.clone()));
        let parser =
            serde_json::json!({"type": "parser", "url": "http://a.test/", "lineNumber": 14});
        rec.sent(&sent_by(
            "http://b.test/sync.gif",
            "Image",
            10.2,
            parser.clone(),
        ));
        rec.sent(&sent("http://b.test/beacon", "Ping", 10.3));
        rec.sent(&sent_by("http://b.test/img.png", "Image", 10.4, parser));
        rec.sent(&sent_by("http://b.test/x.js", "Script", 10.5, stack));
        let senders: HashMap<String, Sender> = [
            (
                "r-http://b.test/sync.gif",
                Sender::AnsweredRequest("r-http://b.test/bid".into()),
            ),
            ("r-http://b.test/beacon", Sender::Script(tag.into())),
            (
                "r-http://b.test/img.png",
                Sender::Script("http://a.test/".into()),
            ),
            (
                "r-http://b.test/x.js",
                Sender::Script("http://elsewhere.test/".into()),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        rec.adopt_senders(&senders);
        let (entries, _) = rec.entries(11.0);
        let of = |u: &str| &entries.iter().find(|e| e.url == u).unwrap().initiator;
        let sync = of("http://b.test/sync.gif");
        assert_eq!(
            (sync.kind, sync.url.as_deref(), sync.line, sync.inferred),
            (
                InitiatorKind::Script,
                Some(tag),
                None,
                Some(Inferred::FetchCallback)
            )
        );
        assert_eq!(
            sync.location(),
            format!("{tag} (a fetch's callback, by the trace)")
        );
        let beacon = of("http://b.test/beacon");
        assert_eq!(beacon.url.as_deref(), Some(tag));
        assert_eq!(beacon.inferred, Some(Inferred::RunningScript));
        // The parser's own image and a script's request keep what the browser said.
        assert_eq!(of("http://b.test/img.png").kind, InitiatorKind::Parser);
        assert_eq!(of("http://b.test/img.png").inferred, None);
        assert_eq!(of("http://b.test/x.js").url.as_deref(), Some(tag));
        assert_eq!(of("http://b.test/x.js").inferred, None);
    }

    /// `DOMContentLoaded` and load read before their document's request (each kind of event
    /// has its own stream) are the page's once the request is known; about:blank's, from
    /// before the navigation, are not.
    #[test]
    fn page_events_read_before_their_documents_request_are_kept() {
        let mut rec = Recorder::default();
        rec.dom_content_loaded(9.0);
        rec.dom_content_loaded(10.2);
        rec.load_event_fired(10.3);
        assert_eq!(rec.load_event, None);
        rec.sent(&sent("http://a.test/", "Document", 10.0));
        assert_eq!(rec.load_event, Some(10.3));
        assert_eq!(rec.dom_content_loaded, Some(10.2));
        let mut late = Recorder::default();
        late.sent(&sent("http://a.test/", "Document", 10.0));
        late.load_event_fired(9.5);
        assert_eq!(
            late.load_event, None,
            "about:blank's load is not the page's"
        );
    }
}
