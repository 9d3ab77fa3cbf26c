//! The static engine: loads a page as a browser would, without running scripts.
//!
//! A scheduler issues one request per distinct URL, at most `per_origin` at a time per
//! origin and `concurrency` overall; as each document or stylesheet arrives, its references
//! are extracted and queued at once with that resource as initiator. Redirects are followed
//! hop by hop (each hop an entry). Failures are entries; only an unreachable main document
//! is an `Err`.

mod fetch;

use crate::config::AuditConfig;
use crate::error::{Error, Result};
use crate::events::{Event, EventSink};
use crate::extract::encoding::{self, Enc};
use crate::extract::html::{self, InlineCss};
use crate::extract::styles::{DocumentStyles, SheetPlace, SheetRefs, SheetSource};
use crate::extract::{comments, css, flatten, media, Reference, Viewport};
use crate::model::savings::{self, work::Measure, work::Probe};
use crate::model::{
    Connection, Entry, EntryError, ErrorKind, Headers, Initiator, InitiatorKind, Load,
    LoadSettings, PartialCause, ResourceType, Skipped, Timings, Totals,
};
use crate::net::client::{Fetched, Http};
use fetch::FetchJob;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;
use tokio::task::JoinSet;
use url::Url;

/// Loads `url` and everything it references; see the module docs.
pub async fn load(
    url: &Url,
    cfg: &AuditConfig,
    vp: &Viewport,
    events: &dyn EventSink,
) -> Result<Load> {
    cfg.validate()?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::UnsupportedScheme {
            target: url.to_string(),
            scheme: url.scheme().to_string(),
        });
    }
    let http = Arc::new(Http::new(cfg, cfg.throttle.as_ref())?);
    http.prepare_tls(url);
    let mut engine = Engine::new(http, cfg, *vp, events);
    engine.page_host = url.host_str().unwrap_or_default().to_string();
    engine.queue(Job::navigation(url.clone()));
    engine.run().await;
    engine.collect_probes().await;
    engine.finish(url)
}

const MIB: f64 = 1024.0 * 1024.0;

/// The longest `<meta http-equiv=refresh>` delay followed: a page that refreshes itself later
/// (news pages reloading every few minutes) is audited as it first loads.
const MAX_REFRESH_S: f64 = 5.0;

/// Where a request's references go when it arrives.
#[derive(Debug, Clone)]
struct Job {
    url: Url,
    resource_type: ResourceType,
    initiator: Initiator,
    lazy: bool,
    frame_depth: u32,
    /// For stylesheets: the document whose elements their rules match, and where the sheet
    /// stands in it (its media, layer, order, the encoding of what referred to it).
    sheet: Option<(usize, SheetPlace)>,
    import_depth: u32,
    /// URLs of the redirect chain so far (loop detection).
    chain: Vec<Url>,
    /// For an imported sheet: the sheets that imported it, outermost first (cycle detection).
    importers: Vec<Url>,
    main: bool,
    queued_at: Instant,
}

impl Job {
    fn navigation(url: Url) -> Job {
        Job {
            url,
            resource_type: ResourceType::Document,
            initiator: Initiator::navigation(),
            lazy: false,
            frame_depth: 0,
            sheet: None,
            import_depth: 0,
            chain: Vec::new(),
            importers: Vec::new(),
            main: true,
            queued_at: Instant::now(),
        }
    }
}

struct Engine<'a> {
    http: Arc<Http>,
    cfg: &'a AuditConfig,
    vp: Viewport,
    events: &'a dyn EventSink,
    t0: Instant,
    started_unix_ms: u64,
    /// Requests in flight, at most `cfg.concurrency`; the rest wait in `waiting`, in the
    /// order they were found (a task is spawned only for a request that may start, so a
    /// page of 10,000 requests does not hold 10,000 suspended fetches in memory).
    tasks: JoinSet<Fetched>,
    pending: HashMap<tokio::task::Id, Job>,
    waiting: VecDeque<Job>,
    seen: HashSet<Url>,
    entries: Vec<Entry>,
    docs: Vec<DocumentStyles>,
    /// Per document: the job that loaded it, and its stylesheets still in flight (its CSS
    /// images are decided when none is).
    doc_jobs: Vec<Job>,
    sheets_in_flight: Vec<u32>,
    /// The documents not settled yet (most settle as soon as they are parsed: looking only
    /// at these keeps a page of thousands of frames linear).
    unsettled: Vec<usize>,
    skipped: Skipped,
    notes: Vec<String>,
    main_error: Option<EntryError>,
    final_url: Option<Url>,
    document_ttfb_ms: Option<f64>,
    partial: Option<PartialCause>,
    queued: usize,
    /// Host of the page as requested, for first/third-party decisions while loading.
    page_host: String,
    /// Bodies being measured (`--savings`): the entry and its task.
    probes: Vec<(usize, tokio::task::JoinHandle<Option<Measure>>)>,
}

impl<'a> Engine<'a> {
    fn new(http: Arc<Http>, cfg: &'a AuditConfig, vp: Viewport, events: &'a dyn EventSink) -> Self {
        Engine {
            http,
            cfg,
            vp,
            events,
            t0: Instant::now(),
            started_unix_ms: crate::model::dates::now_unix_ms(),
            tasks: JoinSet::new(),
            pending: HashMap::new(),
            waiting: VecDeque::new(),
            seen: HashSet::new(),
            entries: Vec::new(),
            docs: Vec::new(),
            doc_jobs: Vec::new(),
            sheets_in_flight: Vec::new(),
            unsettled: Vec::new(),
            skipped: Skipped::default(),
            notes: Vec::new(),
            main_error: None,
            final_url: None,
            document_ttfb_ms: None,
            partial: None,
            queued: 0,
            page_host: String::new(),
            probes: Vec::new(),
        }
    }

    /// Milliseconds from load start, to the microsecond.
    fn ms(&self, t: Instant) -> f64 {
        let ms = t.saturating_duration_since(self.t0).as_secs_f64() * 1000.0;
        (ms * 1000.0).round() / 1000.0
    }

    /// Queues a request unless its URL was requested already (one request per URL).
    fn queue(&mut self, mut job: Job) {
        let fresh = self.seen.insert(job.url.clone());
        if !fresh && job.initiator.kind != InitiatorKind::Redirect {
            return; // a redirect hop is a request of its own even to a URL seen before
        }
        job.queued_at = Instant::now();
        if !job.main {
            if let Some(why) = self.cfg.blocked_by(&job.url, &self.page_host) {
                let err = EntryError {
                    kind: ErrorKind::Blocked,
                    message: format!("blocked by {why}"),
                };
                self.push_failed(&job, err);
                return;
            }
        }
        if let Some((doc, _)) = &job.sheet {
            self.sheets_in_flight[*doc] += 1;
        }
        self.waiting.push_back(job);
        self.queued += 1;
        self.events.event(Event::Queued {
            queued: self.queued,
        });
        self.start_waiting();
    }

    /// Starts waiting requests, oldest first, while fewer than `cfg.concurrency` are in
    /// flight (the pool adds the per-origin limit).
    fn start_waiting(&mut self) {
        while self.tasks.len() < self.cfg.concurrency.max(1) {
            let Some(job) = self.waiting.pop_front() else {
                // The queue of a large page held thousands: give the room back.
                self.waiting.shrink_to(64);
                return;
            };
            let fetch = self.fetch_job(&job);
            let handle = self.tasks.spawn(fetch::run(Arc::clone(&self.http), fetch));
            self.pending.insert(handle.id(), job);
        }
    }

    /// What the fetch task needs of a job: its URL and the body limits for its type (only
    /// documents and stylesheets are kept, for parsing; with `--savings` every body that
    /// may be text, whole, to be compressed).
    fn fetch_job(&self, job: &Job) -> FetchJob {
        let parse = matches!(
            job.resource_type,
            ResourceType::Document | ResourceType::Iframe | ResourceType::Stylesheet
        );
        let media = job.resource_type == ResourceType::Media;
        let keep = match (parse, self.cfg.savings && !media) {
            (_, true) => usize::try_from(self.cfg.max_decoded_bytes).unwrap_or(usize::MAX),
            (true, false) => self.cfg.max_parse_bytes,
            (false, false) => 0,
        };
        FetchJob {
            url: job.url.clone(),
            resource_type: job.resource_type,
            keep,
            max_body: self.cfg.max_body_bytes,
            max_decoded: self.cfg.max_decoded_bytes,
        }
    }

    fn queue_ref(
        &mut self,
        r: Reference,
        parent: &Job,
        sheet: Option<(usize, SheetPlace)>,
        importers: Vec<Url>,
    ) {
        let frame_depth = parent.frame_depth + u32::from(r.resource_type == ResourceType::Iframe);
        if r.resource_type == ResourceType::Iframe && frame_depth > self.cfg.max_frame_depth {
            self.skipped.over_limit += 1;
            return;
        }
        self.queue(Job {
            url: r.url,
            resource_type: r.resource_type,
            initiator: r.initiator,
            lazy: r.lazy,
            frame_depth,
            sheet,
            import_depth: importers.len() as u32,
            chain: Vec::new(),
            importers,
            main: false,
            queued_at: Instant::now(),
        });
    }

    async fn run(&mut self) {
        let deadline = tokio::time::Instant::from_std(self.t0 + self.cfg.max_time);
        let cancel = self.cfg.cancel.clone();
        loop {
            let next = tokio::time::timeout_at(deadline, self.tasks.join_next_with_id());
            let next = match &cancel {
                Some(c) => tokio::select! {
                    r = next => r,
                    () = c.cancelled() => {
                        self.abort_pending(PartialCause::Interrupted, "interrupted".into());
                        break;
                    }
                },
                None => next.await,
            };
            match next {
                Ok(Some(Ok((id, result)))) => {
                    if let Some(job) = self.take_pending(id) {
                        self.arrived(job, result);
                    }
                }
                Ok(Some(Err(e))) => {
                    // A fetch task panicked or was cancelled: keep its request as an entry.
                    if let Some(job) = self.take_pending(e.id()) {
                        let err = EntryError {
                            kind: ErrorKind::Other,
                            message: format!("internal error: {e}"),
                        };
                        self.push_failed(&job, err);
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    self.abort_pending(
                        PartialCause::TimeLimit,
                        format!("total time limit of {:?} reached", self.cfg.max_time),
                    );
                    break;
                }
            }
            self.start_waiting();
            self.settle_ready();
        }
    }

    /// The job of a finished task, its sheet no longer in flight.
    fn take_pending(&mut self, id: tokio::task::Id) -> Option<Job> {
        let job = self.pending.remove(&id)?;
        if let Some((doc, _)) = &job.sheet {
            self.sheets_in_flight[*doc] -= 1;
        }
        Some(job)
    }

    fn abort_pending(&mut self, cause: PartialCause, why: String) {
        self.tasks.abort_all();
        let mut jobs: Vec<Job> = self.pending.drain().map(|(_, j)| j).collect();
        jobs.extend(self.waiting.drain(..));
        for job in jobs {
            self.push_failed(
                &job,
                EntryError {
                    kind: ErrorKind::Aborted,
                    message: why.clone(),
                },
            );
        }
        self.partial = Some(cause);
        self.notes.push(format!("incomplete: {why}"));
    }

    fn push_failed(&mut self, job: &Job, err: EntryError) {
        let now = self.ms(Instant::now());
        let started = self.ms(job.queued_at);
        if job.main && self.main_error.is_none() {
            self.main_error = Some(err.clone());
        }
        let mut e = self.base_entry(job, started);
        e.duration_ms = now - started;
        e.error = Some(err);
        self.entries.push(e);
    }

    fn base_entry(&self, job: &Job, started_ms: f64) -> Entry {
        Entry {
            url: job.url.to_string(),
            method: "GET".into(),
            status: None,
            error: None,
            resource_type: job.resource_type,
            mime_type: None,
            initiator: job.initiator.clone(),
            started_ms,
            duration_ms: 0.0,
            timings_ms: Default::default(),
            transfer_bytes: 0,
            header_bytes: None,
            body_bytes: 0,
            decoded_bytes: 0,
            content_encoding: None,
            http_version: None,
            remote_addr: None,
            redirect_url: None,
            lazy: job.lazy,
            frame_depth: job.frame_depth,
            connection_id: None,
            connection_reused: None,
            request_headers: Headers::default(),
            response_headers: Headers::default(),
            party: None,
            size_unknown: false,
            after_load: false,
            priority: None,
            websocket: None,
            compressed: None,
            recoded: None,
        }
    }

    fn arrived(&mut self, job: Job, mut f: Fetched) {
        let e = self.entry_of(&job, &mut f);
        let first_byte_ms = f.first_byte_at.map(|t| self.ms(t));
        self.events.event(Event::Finished {
            url: e.url.clone(),
            failed: e.failed(),
            done: self.entries.len() + 1,
        });
        // Redirect: the next hop is a request of its own.
        let is_redirect = matches!(e.status, Some(301 | 302 | 303 | 307 | 308));
        if is_redirect && e.error.is_none() {
            return self.redirected(job, e, f.location.as_deref());
        }
        self.note_main_failure(&job, &e);
        if job.main {
            self.final_url = Some(job.url.clone());
            if e.error.is_none() {
                self.document_ttfb_ms = first_byte_ms;
            }
        }
        let mime = e.mime_type.clone().unwrap_or_default();
        let decoded = e.decoded_bytes;
        let ok = e.error.is_none();
        let probe = self.cfg.savings.then(|| savings::probe_of(&e)).flatten();
        self.entries.push(e);
        let Some(mut body) = f.body.filter(|_| ok) else {
            return;
        };
        let whole = body.len() as u64 == decoded;
        if let Some(kind) = probe.filter(|_| whole) {
            if kind == Probe::Image {
                return self.probe(kind, body);
            }
            self.probe(kind, body.clone());
        }
        body.truncate(self.cfg.max_parse_bytes);
        self.note_parse_cut(&job, body.len(), decoded);
        self.parse_body(&job, &mime, &body, f.content_type.as_deref());
    }

    /// Measures the last entry's body off the load's path (`--savings`): compressed if
    /// text, re-encoded if an image; collected when the load ends
    /// ([`Engine::collect_probes`]).
    fn probe(&mut self, kind: Probe, body: Vec<u8>) {
        let idx = self.entries.len() - 1;
        let how = savings::work::How {
            qualities: self.cfg.savings_qualities.clone(),
            shown: None,
        };
        let task = tokio::spawn(savings::work::measure(kind, body, how));
        self.probes.push((idx, task));
    }

    /// Waits for every body being measured and sets its entry's `compressed` or `recoded`.
    async fn collect_probes(&mut self) {
        for (idx, task) in std::mem::take(&mut self.probes) {
            match task.await {
                Ok(Some(Measure::Text(c))) => self.entries[idx].compressed = Some(c),
                Ok(Some(Measure::Image(r))) => self.entries[idx].recoded = Some(r),
                _ => {}
            }
        }
    }

    /// The entry of a fetched request: when it started and took, and what came back (taken
    /// out of `f`; its body, location and content type are left).
    fn entry_of(&self, job: &Job, f: &mut Fetched) -> Entry {
        let started = self.ms(job.queued_at);
        let mut e = self.base_entry(job, started);
        let end = f.done_at.map_or(started, |d| self.ms(d));
        e.duration_ms = ((end - started) * 1000.0).round() / 1000.0;
        e.timings_ms = self.phases(started, end, f);
        e.status = f.status;
        e.error = f.error.take();
        e.mime_type = f.mime_type.take();
        e.content_encoding = f.content_encoding.take();
        e.http_version = f.http_version.take();
        e.remote_addr = f.remote_addr.take();
        e.header_bytes = f.header_bytes;
        e.body_bytes = f.body_bytes;
        e.decoded_bytes = f.decoded_bytes;
        e.transfer_bytes = f.transfer_bytes;
        e.connection_id = f.connection_id;
        e.connection_reused = f.connection_reused;
        e.request_headers = f.request_headers.iter().map(|(n, v)| (n, v)).collect();
        e.response_headers = f.response_headers.iter().map(|(n, v)| (n, v)).collect();
        e
    }

    /// A redirect's entry, and its next hop requested when `location` makes a URL.
    fn redirected(&mut self, job: Job, mut e: Entry, location: Option<&str>) {
        let bad = |message: String| EntryError {
            kind: ErrorKind::BadRedirect,
            message,
        };
        match location.map(|l| job.url.join(l.trim())) {
            Some(Ok(mut next)) => {
                next.set_fragment(None);
                e.redirect_url = Some(next.to_string());
                let idx = self.entries.len();
                self.entries.push(e);
                return self.follow_redirect(job, next, idx);
            }
            Some(Err(err)) => e.error = Some(bad(format!("unparseable Location: {err}"))),
            None => e.error = Some(bad("redirect without a Location header".into())),
        }
        self.note_main_failure(&job, &e);
        self.entries.push(e);
    }

    /// What a fetched body refers to: a document's or frame's HTML, a stylesheet's CSS.
    fn parse_body(&mut self, job: &Job, mime: &str, body: &[u8], content_type: Option<&str>) {
        match job.resource_type {
            ResourceType::Document | ResourceType::Iframe => {
                if is_html(mime, body) {
                    let (text, enc) = encoding::decode_html(body, content_type);
                    self.document(job, &text, enc);
                } else if job.main {
                    let what = if mime.is_empty() {
                        "of unknown type"
                    } else {
                        mime
                    };
                    self.notes.push(format!(
                        "the document is {what}, not HTML: audited as a single request"
                    ));
                }
            }
            ResourceType::Stylesheet if self.sheet_usable(job, mime) => {
                self.stylesheet(job, body, content_type);
            }
            _ => {}
        }
    }

    /// A body longer than the parse limit was kept only up to it: its references after the
    /// cut cannot be known. Said in the notes and counted, never silent.
    fn note_parse_cut(&mut self, job: &Job, kept: usize, decoded: u64) {
        if (kept as u64) >= decoded || kept < self.cfg.max_parse_bytes {
            return;
        }
        self.skipped.cut_at_parse_limit += 1;
        self.notes.push(format!(
            "{} is {:.1} MiB: only its first {:.1} MiB were parsed, so references after that point were not requested",
            job.url,
            decoded as f64 / MIB,
            kept as f64 / MIB
        ));
    }

    /// HAR phases from the moments a request passed: blocked until a connection was ready (or
    /// began to open), the connection's own dns/connect/ssl when it was opened for this
    /// request, send until the request's last byte left, wait until the first response byte,
    /// receive until the last. They add up to the entry's duration; a phase that did not
    /// happen (a reused connection's dns and connect) is `None`.
    fn phases(&self, started: f64, end: f64, f: &Fetched) -> Timings {
        let Some(ready) = f.ready_at.map(|t| self.ms(t)) else {
            return Timings::default(); // failed before a connection: no phase to tell apart
        };
        let mut t = Timings {
            blocked_ms: Some(ready - started),
            ..Timings::default()
        };
        let mut cursor = ready;
        if let Some(o) = f.open {
            t.dns_ms = o.dns_ms;
            t.connect_ms = Some(o.connect_ms);
            t.ssl_ms = o.ssl_ms;
            cursor += o.dns_ms.unwrap_or(0.0) + o.connect_ms;
        }
        if let (Some(sent), Some(first)) = (
            f.sent_at.map(|x| self.ms(x)),
            f.first_byte_at.map(|x| self.ms(x)),
        ) {
            t.send_ms = Some((sent - cursor).max(0.0));
            t.wait_ms = Some(first - sent.max(cursor));
            t.receive_ms = Some(end - first);
        }
        t
    }

    fn note_main_failure(&mut self, job: &Job, e: &Entry) {
        if job.main && self.main_error.is_none() {
            if let Some(err) = &e.error {
                self.main_error = Some(err.clone());
            }
        }
    }

    fn follow_redirect(&mut self, job: Job, next: Url, from_idx: usize) {
        let mut chain = job.chain.clone();
        chain.push(job.url.clone());
        let mut hop = job.clone();
        hop.initiator = Initiator {
            kind: InitiatorKind::Redirect,
            url: Some(job.url.to_string()),
            element: None,
            attribute: None,
            line: None,
            column: None,
            inferred: None,
        };
        hop.url = next.clone();
        hop.chain = chain;
        if !matches!(next.scheme(), "http" | "https") {
            let err = EntryError {
                kind: ErrorKind::UnsupportedScheme,
                message: format!("redirect to a {} URL is not followed", next.scheme()),
            };
            // Never requested: it starts when the redirect arrived and takes no time.
            hop.queued_at = Instant::now();
            self.push_failed(&hop, err);
            if let Some(e) = self.entries.last_mut() {
                e.duration_ms = 0.0;
            }
            return;
        }
        if hop.chain.contains(&next) {
            let err = EntryError {
                kind: ErrorKind::RedirectLoop,
                message: format!("redirect loop back to {next}"),
            };
            self.entries[from_idx].error = Some(err.clone());
            if job.main {
                self.main_error = Some(err);
            }
            return;
        }
        if hop.chain.len() as u32 > self.cfg.max_redirects {
            let err = EntryError {
                kind: ErrorKind::TooManyRedirects,
                message: format!("more than {} redirects", self.cfg.max_redirects),
            };
            self.entries[from_idx].error = Some(err.clone());
            if job.main {
                self.main_error = Some(err);
            }
            return;
        }
        // A redirect to a URL already loaded by the page is still a request (a browser makes
        // it, then may answer from its cache); we request it again only if it is new.
        if self.seen.contains(&next) {
            return;
        }
        self.queue(hop);
    }

    fn document(&mut self, job: &Job, text: &str, enc: Enc) {
        let stripped = comments::strip_comments(text);
        let depth = flatten::nesting_depth(&stripped);
        let doc = if depth > flatten::MAX_TREE_DEPTH {
            self.notes.push(format!(
                "{} nests about {depth} elements deep (over {}): its references were read from a flattened copy (no deep tree), so CSS selectors matched only the elements that reference something",
                job.url,
                flatten::MAX_TREE_DEPTH
            ));
            html::parse_document(&flatten::flatten(text))
        } else {
            html::parse_document(&stripped)
        };
        let refs = html::extract_encoded(
            &doc,
            text,
            (&job.url, enc),
            &self.vp,
            self.cfg.max_refs_per_doc,
        );
        add_skipped(&mut self.skipped, &refs.skipped);
        let idx = self.docs.len();
        self.docs.push(DocumentStyles::new(doc, self.vp));
        self.doc_jobs.push(job.clone());
        self.sheets_in_flight.push(0);
        self.unsettled.push(idx);
        let base = refs.base.clone().unwrap_or_else(|| job.url.clone());
        // Inline CSS first: `<style>` blocks apply as the document is parsed.
        for inline in refs.inline_css {
            let out = self.inline_css(idx, inline, (&job.url, &base, enc));
            self.queue_sheet_refs(out, job, idx);
        }
        for r in refs.refs {
            let sheet = (r.resource_type == ResourceType::Stylesheet).then(|| {
                let applies = r
                    .media
                    .as_deref()
                    .is_none_or(|m| media::matches(m, &self.vp));
                (idx, SheetPlace::of_element(r.order, applies, enc))
            });
            self.queue_ref(r, job, sheet, Vec::new());
        }
        self.refresh(job, refs.refresh);
        for frame in refs.srcdoc_frames {
            if job.frame_depth < self.cfg.max_frame_depth {
                // `about:srcdoc`, UTF-8, resolving against the embedding document's base.
                let mut child = job.clone();
                child.frame_depth += 1;
                child.url = frame.base;
                self.document(&child, &frame.html, encoding_rs::UTF_8);
            } else {
                self.skipped.over_limit += 1;
            }
        }
    }

    /// Follows a `<meta http-equiv=refresh>` as the browser does after the load event: a
    /// navigation to its URL (a document of the same frame), when it comes within
    /// [`MAX_REFRESH_S`]; a later one is only noted.
    fn refresh(&mut self, job: &Job, refresh: Option<html::Refresh>) {
        let Some(r) = refresh else { return };
        if r.delay_s > MAX_REFRESH_S {
            self.notes.push(format!(
                "{} refreshes to {} after {} s (meta refresh): not followed (later than {MAX_REFRESH_S} s)",
                job.url, r.url, r.delay_s
            ));
            return;
        }
        if r.url == job.url || self.seen.contains(&r.url) {
            return; // a reload of the same document: the browser asks again, we do not
        }
        self.notes.push(format!(
            "{} refreshes to {} after {} s (meta refresh): loaded as a navigation",
            job.url, r.url, r.delay_s
        ));
        let mut hop = job.clone();
        hop.initiator = Initiator {
            kind: InitiatorKind::Redirect,
            url: Some(job.url.to_string()),
            element: Some("meta".into()),
            attribute: Some("http-equiv=refresh".into()),
            line: None,
            column: None,
            inferred: None,
        };
        hop.url = r.url;
        hop.chain = Vec::new();
        self.queue(hop);
    }

    /// A `<style>` block or `style` attribute of document `idx`.
    fn inline_css(
        &mut self,
        idx: usize,
        inline: InlineCss,
        (url, base, enc): (&Url, &Url, Enc),
    ) -> SheetRefs {
        match inline {
            InlineCss::Block {
                css: text,
                line,
                media: m,
                order,
                base: block_base,
            } => {
                let sheet = css::parse(&text, self.vp.dpr);
                let place = SheetPlace::of_element(order, media::matches(&m, &self.vp), enc);
                let at = SheetSource {
                    source: url,
                    base: &block_base,
                    line_offset: line.saturating_sub(1),
                    place,
                };
                self.docs[idx].add_sheet(sheet, at)
            }
            InlineCss::Attribute {
                css: text,
                element,
                line,
                node,
            } => {
                let rule = css::parse_declarations(&text, self.vp.dpr);
                self.docs[idx].add_inline(rule, node, (url, base, enc), &element, line)
            }
        }
    }

    /// A stylesheet arrived: decoded (its BOM, charset, `@charset`, else its referrer's
    /// encoding), parsed, and added to the document its rules apply to.
    fn stylesheet(&mut self, job: &Job, body: &[u8], content_type: Option<&str>) {
        let Some((doc, place)) = job.sheet.clone() else {
            return;
        };
        let (text, enc) = encoding::decode_css(body, content_type, place.encoding);
        let sheet = css::parse(&text, self.vp.dpr);
        let at = SheetSource {
            source: &job.url,
            base: &job.url,
            line_offset: 0,
            place: SheetPlace {
                encoding: enc,
                ..place
            },
        };
        let out = self.docs[doc].add_sheet(sheet, at);
        self.queue_sheet_refs(out, job, doc);
    }

    /// Whether a browser applies a sheet served with this MIME type: `text/css` (or none),
    /// or anything same-origin in a quirks-mode document. Otherwise it was fetched for
    /// nothing: noted.
    fn sheet_usable(&mut self, job: &Job, mime: &str) -> bool {
        if mime.is_empty() || mime == "text/css" {
            return true;
        }
        let Some((doc, _)) = &job.sheet else {
            return false;
        };
        let same_origin = job.url.origin() == self.doc_jobs[*doc].url.origin();
        if self.docs[*doc].quirks() && same_origin {
            return true;
        }
        self.notes.push(format!(
            "{} is served as {mime}, not text/css: a browser ignores its rules",
            job.url
        ));
        false
    }

    /// Documents whose sheets have all arrived (or failed) get their CSS images decided.
    fn settle_ready(&mut self) {
        let mut i = 0;
        while i < self.unsettled.len() {
            let doc = self.unsettled[i];
            if self.sheets_in_flight[doc] > 0 {
                i += 1;
                continue;
            }
            self.unsettled.remove(i); // in document order, as before
            let out = self.docs[doc].settle();
            let job = self.doc_jobs[doc].clone();
            self.queue_sheet_refs(out, &job, doc);
        }
    }

    fn queue_sheet_refs(&mut self, out: SheetRefs, parent: &Job, doc: usize) {
        add_skipped(&mut self.skipped, &out.skipped);
        if out.matching_cut {
            self.notes.push(format!(
                "CSS selector matching stopped after {} element checks (very many rules and elements; from {} on): later rules were taken as applying",
                crate::extract::styles::MATCH_BUDGET,
                parent.url
            ));
        }
        for imp in out.imports {
            if parent.import_depth + 1 > self.cfg.max_import_depth {
                self.skipped.over_limit += 1;
                continue;
            }
            let target = &imp.reference.url;
            if *target == parent.url || parent.importers.contains(target) {
                self.notes.push(format!(
                    "@import cycle: {} imports {target}, which imports it",
                    parent.url
                ));
                continue;
            }
            let mut importers = parent.importers.clone();
            importers.push(parent.url.clone());
            self.queue_ref(imp.reference, parent, Some((doc, imp.place)), importers);
        }
        // One sheet's references are capped like a document's (--max-refs).
        let cap = self.cfg.max_refs_per_doc;
        self.skipped.over_limit += out.refs.len().saturating_sub(cap) as u64;
        for r in out.refs.into_iter().take(cap) {
            self.queue_ref(r, parent, None, Vec::new());
        }
    }

    fn finish(mut self, url: &Url) -> Result<Load> {
        if let Some(err) = self.main_failure(url) {
            return Err(err);
        }
        let connections = self.connections();
        let settings = self.settings();
        // Parties, redaction, totals and the fully-loaded time: `Load::finalize`, as for
        // every source.
        Ok(Load {
            tool: concat!("pagecost ", env!("CARGO_PKG_VERSION")).to_string(),
            url: url.to_string(),
            final_url: self.final_url.as_ref().unwrap_or(url).to_string(),
            started_unix_ms: self.started_unix_ms,
            settings,
            document_ttfb_ms: self.document_ttfb_ms,
            fully_loaded_ms: 0.0,
            entries: self.entries,
            connections,
            totals: Totals::default(),
            skipped: self.skipped,
            notes: self.notes,
            partial: self.partial.is_some(),
            partial_causes: self.partial.into_iter().collect(),
            local: None,
            page_metrics: Default::default(),
            third_party_tags: Vec::new(),
            main_thread: None,
            unused_code: None,
            carbon: None,
            data_cost: None,
            savings: None,
        })
    }

    /// The main document's failure, when no document of the page was answered: named by
    /// the last document that failed.
    fn main_failure(&mut self, url: &Url) -> Option<Error> {
        let err = self.main_error.take()?;
        let doc_ok = self.entries.iter().any(|e| {
            e.resource_type == ResourceType::Document && e.status.is_some() && !e.is_redirect()
        });
        if doc_ok {
            return None;
        }
        let failing = (self.entries.iter().rev())
            .find(|e| e.resource_type == ResourceType::Document && e.error.is_some())
            .map_or_else(|| url.to_string(), |e| e.url.clone());
        Some(Error::MainDocument {
            url: failing,
            kind: err.kind,
            message: err.message,
        })
    }

    /// The connections the load opened, each with its requests.
    fn connections(&self) -> Vec<Connection> {
        (self.http.pool.records().into_iter())
            .map(|r| Connection {
                id: r.id,
                origin: r.origin,
                protocol: if r.h2 {
                    "HTTP/2".into()
                } else {
                    "HTTP/1.1".into()
                },
                remote_addr: r.remote.to_string(),
                opened_ms: self.ms(r.opened_at),
                dns_ms: r.timings.dns_ms,
                connect_ms: r.timings.connect_ms,
                ssl_ms: r.timings.ssl_ms,
                requests: r.requests.load(std::sync::atomic::Ordering::Relaxed),
            })
            .collect()
    }

    /// The settings the load ran with.
    fn settings(&self) -> LoadSettings {
        LoadSettings {
            user_agent: self.cfg.user_agent.clone(),
            concurrency: self.cfg.concurrency,
            per_origin: self.cfg.per_origin,
            timeout_ms: self.cfg.timeout.as_millis() as u64,
            viewport: format!("{}x{}", self.vp.width, self.vp.height),
            dpr: self.vp.dpr,
            throttle: self.cfg.throttle.clone(),
            browser: None,
        }
    }
}

fn add_skipped(into: &mut Skipped, s: &Skipped) {
    into.data += s.data;
    into.javascript += s.javascript;
    into.other_scheme += s.other_scheme;
    into.invalid += s.invalid;
    into.over_limit += s.over_limit;
}

/// Whether a document response is HTML: by MIME type, or sniffed when the type is missing.
fn is_html(mime: &str, body: &[u8]) -> bool {
    match mime {
        "text/html" | "application/xhtml+xml" => true,
        "" | "text/plain" | "application/octet-stream" => {
            let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
            let head = head.trim_start();
            mime.is_empty()
                && (head.starts_with("<!doctype html")
                    || head.starts_with("<html")
                    || head.starts_with("<head"))
        }
        _ => false,
    }
}

/// Fetches one HTML document (following redirects), without its subresources: for commands
/// that read a page's markup (`links`). A non-HTML response is an error naming its type.
pub async fn fetch_html(url: &Url, cfg: &AuditConfig) -> Result<encoding::Markup> {
    let http = Http::new(cfg, None)?;
    let mut url = url.clone();
    let limits = crate::net::client::BodyLimits {
        max_body: cfg.max_body_bytes,
        max_decoded: cfg.max_decoded_bytes,
        keep: cfg.max_parse_bytes,
    };
    for _ in 0..=cfg.max_redirects {
        let f = crate::net::client::fetch(&http, &url, ResourceType::Document, limits).await;
        if let Some(err) = f.error {
            return Err(Error::MainDocument {
                url: url.to_string(),
                kind: err.kind,
                message: err.message,
            });
        }
        if let (Some(301 | 302 | 303 | 307 | 308), Some(loc)) = (f.status, f.location.as_deref()) {
            url = url.join(loc.trim()).map_err(|e| Error::MainDocument {
                url: url.to_string(),
                kind: ErrorKind::BadRedirect,
                message: format!("unparseable Location: {e}"),
            })?;
            continue;
        }
        let body = f.body.unwrap_or_default();
        let mime = f.mime_type.unwrap_or_default();
        if !is_html(&mime, &body) {
            return Err(Error::InvalidTarget {
                target: url.to_string(),
                reason: format!(
                    "not an HTML page (content-type {})",
                    if mime.is_empty() { "unknown" } else { &mime }
                ),
            });
        }
        return Ok(encoding::Markup::from_bytes(
            url,
            &body,
            f.content_type.as_deref(),
        ));
    }
    Err(Error::MainDocument {
        url: url.to_string(),
        kind: ErrorKind::TooManyRedirects,
        message: format!("more than {} redirects", cfg.max_redirects),
    })
}
