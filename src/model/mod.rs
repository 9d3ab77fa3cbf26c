//! The data model: what a page load is made of.
//!
//! Everything downstream of a source (the static engine today, HAR import later) sees only
//! [`Load`]. These types are the JSON contract of `--format json`: units are in field names
//! (`_ms`, `_bytes`), and a figure that could not be measured is `null`, never a guess.

pub mod carbon;
pub mod chains;
pub(crate) mod dates;
mod entry;
mod page;
pub mod painted;
pub mod party;
pub mod price;
mod profile;
pub mod savings;
pub mod secrets;
mod totals;
pub mod urls;

pub use entry::{
    payload_bytes, Entry, EntryError, ErrorKind, Header, Headers, Inferred, Initiator,
    InitiatorKind, Party, Priority, ResourceType, Timings, WebSocketTraffic,
};
pub use page::{PackedLoad, PageResult};
pub use profile::{Profile, PROFILES};
pub use totals::{Bucket, Totals};

use serde::{Deserialize, Serialize};

/// One load of one page: every request it made, in the order they started.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Load {
    /// Name and version of the tool that made this load.
    pub tool: String,
    /// The page as the user named it (a URL; for a local file, the loopback URL it was served at).
    pub url: String,
    /// Where the page's document came from after redirects.
    pub final_url: String,
    /// Wall-clock start of the load, in milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// Settings that shaped this load.
    pub settings: LoadSettings,
    /// Time to the first byte of the final (non-redirect) document response, from load start.
    pub document_ttfb_ms: Option<f64>,
    /// Time from load start to the last byte of the last request.
    pub fully_loaded_ms: f64,
    /// One entry per request, each redirect hop its own, ordered by start.
    pub entries: Vec<Entry>,
    /// Every connection the load opened.
    #[serde(default)]
    pub connections: Vec<Connection>,
    /// Sums over `entries`.
    pub totals: Totals,
    /// References that were found but are not fetchable (`data:`, `javascript:` ...).
    pub skipped: Skipped,
    /// Remarks about the load a reader should know (non-HTML document, limits hit ...).
    pub notes: Vec<String>,
    /// True when the load was cut short (total time limit, interrupted) and is incomplete.
    pub partial: bool,
    /// Why the load is partial, when the engine knows (empty for a complete load, and for a
    /// partial load imported from a HAR that did not say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial_causes: Vec<PartialCause>,
    /// For a local file or folder: the loopback origin it was served at and the folder, so
    /// locations can name files (`site/index.html:10:32`) instead of loopback URLs.
    #[serde(default)]
    pub local: Option<LocalSource>,
    /// What the page's rendering took (browser engine only; absent for the static engine,
    /// which renders nothing).
    #[serde(default, skip_serializing_if = "PageMetrics::is_empty")]
    pub page_metrics: PageMetrics,
    /// What each third-party tag cost with everything it caused ([`chains`]), the
    /// costliest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub third_party_tags: Vec<chains::TagCost>,
    /// What the page's main thread spent, by group and by script or document, from the
    /// load's trace (browser engine); absent when unknown (the static engine runs no script,
    /// a HAR has no trace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_thread: Option<crate::trace::MainThread>,
    /// What of each script and stylesheet the page never ran or matched during the load,
    /// the most bytes first (browser engine, in the page's own renderer); absent when
    /// unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_code: Option<Vec<crate::trace::unused::UnusedCode>>,
    /// What the load's bytes emit, by the Sustainable Web Design model v4 ([`carbon`]);
    /// absent in loads recorded before pagecost computed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon: Option<carbon::Carbon>,
    /// What the view costs a visitor on mobile data ([`price`]); absent unless a price was
    /// asked for (`--price-country`, `--price-per-gb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_cost: Option<price::DataCost>,
    /// What the page could weigh ([`savings`]); absent unless asked for (`--savings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savings: Option<savings::Savings>,
}

/// Why a load is partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PartialCause {
    /// The audit's time limit came before the page was done.
    TimeLimit,
    /// Ctrl-C or SIGTERM stopped the load.
    Interrupted,
    /// The browser or the page's renderer crashed or was killed.
    Crashed,
    /// A body passed its size limit and the page's loading was stopped there.
    OverLimit,
    /// The page fired its load event but was still busy (polling, a hanging request) when
    /// pagecost stopped watching.
    BusyAfterLoad,
    /// The page's main thread was blocked when pagecost stopped watching.
    MainThreadBlocked,
}

impl PartialCause {
    /// Whether the load ran to its end in spite of this: the page loaded and was only still
    /// busy, so what was measured holds (a run with such a cause counts in statistics).
    pub fn ran_to_end(self) -> bool {
        matches!(
            self,
            PartialCause::BusyAfterLoad | PartialCause::MainThreadBlocked
        )
    }
}

impl std::fmt::Display for PartialCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PartialCause::TimeLimit => "the page was still loading at the time limit",
            PartialCause::Interrupted => "interrupted",
            PartialCause::Crashed => "the browser crashed or was killed",
            PartialCause::OverLimit => "a body passed its size limit",
            PartialCause::BusyAfterLoad => "the page was still busy after its load event",
            PartialCause::MainThreadBlocked => "the page's main thread was blocked",
        })
    }
}

/// Rendering milestones of a load, in milliseconds from load start (the same time base as
/// the entries). Each is `None` when the browser did not report it (a page that never
/// painted has no first contentful paint); nothing is estimated.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct PageMetrics {
    /// The `DOMContentLoaded` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dom_content_loaded_ms: Option<f64>,
    /// The `load` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_event_ms: Option<f64>,
    /// First paint of text, an image or a canvas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_contentful_paint_ms: Option<f64>,
    /// Paint of the largest image or text block in the viewport (the last candidate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub largest_contentful_paint_ms: Option<f64>,
    /// Cumulative layout shift: the largest session window of shifts not caused by input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cumulative_layout_shift: Option<f64>,
    /// Total blocking time: the sum over main-thread tasks longer than 50 ms of the part
    /// beyond 50 ms, from first contentful paint until the page is done (Lighthouse: until
    /// time to interactive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_blocking_time_ms: Option<f64>,
    /// What the visitor saw, from the screenshots in the load's trace: first visual change,
    /// Speed Index, visually complete, last visual change; absent when unknown (no trace, no
    /// screenshot, or a page that never showed anything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visual: Option<crate::trace::visual::VisualMetrics>,
    /// The element of the largest contentful paint (browser engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lcp_element: Option<painted::LcpElement>,
    /// Layout shifts not caused by input, at most [`painted::MAX_SHIFTS`], each with what
    /// moved and what was inserted above it just before (browser engine).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layout_shifts: Vec<painted::LayoutShift>,
}

impl PageMetrics {
    /// Whether nothing was measured (a static load).
    pub fn is_empty(&self) -> bool {
        *self == PageMetrics::default()
    }

    /// The URLs the page named (its LCP image, what culprits load) redacted as the entries'
    /// are, and each culprit's tag named from the (redacted) entries.
    fn redact_and_attribute(&mut self, entries: &[Entry]) {
        let urls = (self.lcp_element.iter_mut().filter_map(|l| l.url.as_mut())).chain(
            (self.layout_shifts.iter_mut())
                .flat_map(|s| s.culprits.iter_mut())
                .filter_map(|c| c.url.as_mut()),
        );
        urls.for_each(urls::redact_in_place);
        painted::attribute(&mut self.layout_shifts, entries);
    }
}

/// A local folder served on loopback for a load.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LocalSource {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// The folder, as the user named it.
    pub root: String,
}

/// The settings a load ran with, recorded so that a saved load explains itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, schemars::JsonSchema)]
pub struct LoadSettings {
    /// User-Agent header sent with every request.
    pub user_agent: String,
    /// Most requests in flight at once, over all origins (0 with the browser engine: the
    /// browser's own scheduling).
    pub concurrency: usize,
    /// Most requests in flight at once to one origin (a browser allows 6 over HTTP/1.1; 0
    /// with the browser engine).
    pub per_origin: usize,
    /// Per-request timeout (0 with the browser engine: none per request).
    pub timeout_ms: u64,
    /// Viewport the page was laid out for, `WxH`.
    #[serde(default)]
    pub viewport: String,
    /// Device pixel ratio.
    #[serde(default)]
    pub dpr: f64,
    /// Network profile applied while loading, if any.
    #[serde(default)]
    pub throttle: Option<Profile>,
    /// The browser that loaded the page (`chromium`); absent for the static engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
}

/// One connection the load opened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Connection {
    /// Connection id, as in [`Entry::connection_id`].
    pub id: u64,
    /// `scheme://host:port`.
    pub origin: String,
    /// `HTTP/1.1` or `HTTP/2` (negotiated by ALPN).
    pub protocol: String,
    /// The server address.
    pub remote_addr: String,
    /// When it began to open, from load start.
    pub opened_ms: f64,
    /// Name resolution (`null`: no lookup, an IP address or a `--resolve` entry).
    pub dns_ms: Option<f64>,
    /// TCP and TLS set-up.
    pub connect_ms: f64,
    /// TLS handshake (inside `connect_ms`); `null` for plain HTTP.
    pub ssl_ms: Option<f64>,
    /// Requests it served.
    pub requests: u64,
}

/// Counts of references that were not requested because their URL cannot be fetched.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Skipped {
    /// `data:` URLs (inline content, no request).
    pub data: u64,
    /// `javascript:` URLs.
    pub javascript: u64,
    /// `mailto:`, `tel:`, `about:` and other schemes a page load does not fetch.
    pub other_scheme: u64,
    /// Values that are not URLs at all (unparseable).
    pub invalid: u64,
    /// References beyond a limit (iframe depth, references per page).
    pub over_limit: u64,
    /// Documents and stylesheets longer than the parse limit: read only up to it, so any
    /// reference after the cut is unknown (and not requested).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cut_at_parse_limit: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Load {
    /// The page as the user named it: a local folder's path in place of the loopback
    /// origin it was served from (`dist/about.html`, not `http://127.0.0.1:41234/about.html`);
    /// the URL otherwise. For report titles and metric labels that must not change from run
    /// to run.
    pub fn page_name(&self) -> String {
        let local = self.local.as_ref();
        match local.and_then(|l| Some((l, self.url.strip_prefix(&l.origin)?))) {
            Some((l, rest)) => format!("{}{rest}", l.root.trim_end_matches('/')),
            None => self.url.clone(),
        }
    }

    /// Why the load was cut short, when it was: partial for a cause that stopped it before
    /// its end (a time limit, Ctrl-C, a crash, a body over its limit, or a cause the source
    /// did not say). `None` for a complete load and for one that loaded but was still busy,
    /// whose figures hold.
    pub fn cut_short(&self) -> Option<String> {
        if !self.partial {
            return None;
        }
        let cuts: Vec<String> = (self.partial_causes.iter())
            .filter(|c| !c.ran_to_end())
            .map(ToString::to_string)
            .collect();
        match (self.partial_causes.is_empty(), cuts.is_empty()) {
            (true, _) => Some("partial (the source did not say why)".into()),
            (false, true) => None,
            (false, false) => Some(cuts.join(", ")),
        }
    }

    /// The finishing step every source's load goes through: entries in start order, each
    /// request's party classified against the page's site and `first_party` (unless the
    /// source recorded it), credentials redacted from URLs (a password in a page's URL must
    /// not reach a report) and secret header values by `secrets`' policy, totals and the
    /// fully-loaded time summed from the entries.
    pub fn finalize(&mut self, first_party: &[String], secrets: &secrets::Secrets) {
        self.partial |= !self.partial_causes.is_empty();
        sort_by_start(&mut self.entries);
        let page_host = urls::host(&self.final_url).unwrap_or_default();
        let redact = urls::redact_url;
        let mut hosts = urls::Hosts::default();
        let mut parties: std::collections::HashMap<String, Party> = Default::default();
        for e in &mut self.entries {
            if e.party.is_none() {
                e.party = hosts.host(&e.url).map(|h| {
                    let classify =
                        |h: &String| crate::model::party::classify(h, &page_host, first_party);
                    parties.entry(h).or_insert_with_key(classify).clone()
                });
            }
            urls::redact_in_place(&mut e.url);
            if let Some(h) = secrets.redact(&e.request_headers) {
                e.request_headers = h;
            }
            if let Some(h) = secrets.redact(&e.response_headers) {
                e.response_headers = h;
            }
            if let Some(u) = &mut e.redirect_url {
                urls::redact_in_place(u);
            }
            if let Some(u) = &mut e.initiator.url {
                urls::redact_in_place(u);
            }
        }
        self.url = redact(&self.url);
        self.final_url = redact(&self.final_url);
        // Never earlier than the page's own milestones: a page whose last request ended
        // before its load event (or whose requests went unseen) was not loaded before it.
        let m = &self.page_metrics;
        let milestones = [m.dom_content_loaded_ms, m.load_event_ms]
            .into_iter()
            .flatten();
        self.fully_loaded_ms = (self.entries.iter().map(Entry::ended_ms))
            .chain(milestones)
            .fold(0.0, f64::max);
        self.totals = Totals::from_entries(&self.entries);
        if let Some(m) = &mut self.main_thread {
            m.by_url.iter_mut().for_each(|c| c.url = redact(&c.url));
            (m.timeline.iter_mut())
                .filter_map(|t| t.url.as_mut())
                .for_each(|u| *u = redact(u));
            m.by_party = Some(chains::cpu_by_party(&self.entries, m));
        }
        self.third_party_tags = chains::tag_costs(&self.entries, self.main_thread.as_ref());
        if let Some(unused) = &mut self.unused_code {
            unused.iter_mut().for_each(|u| u.url = redact(&u.url));
            chains::add_unused(&self.entries, unused, &mut self.third_party_tags);
        }
        self.page_metrics.redact_and_attribute(&self.entries);
    }

    /// The requests that failed or came back empty, each with what is wrong
    /// ([`Entry::problem`]), in load order: what every report lists as problems.
    pub fn problems(&self) -> Vec<(&Entry, String)> {
        self.entries
            .iter()
            .filter_map(|e| e.problem().map(|p| (e, p)))
            .collect()
    }

    /// The entry of the page's main document (the first request).
    pub fn document(&self) -> Option<&Entry> {
        self.entries.first()
    }

    /// Where an entry is referenced, as a person would look for it: `file:line:column`, with
    /// a local folder's files named by path (the document itself is its `index.html`).
    pub fn referenced_at(&self, e: &Entry) -> String {
        let mut loc = e.initiator.location();
        if let Some(l) = &self.local {
            if let Some(rest) = loc.strip_prefix(&l.origin) {
                let (path, pos) = match rest.find(':') {
                    Some(i) => rest.split_at(i),
                    None => (rest, ""),
                };
                let path = if path.ends_with('/') {
                    format!("{path}index.html")
                } else {
                    path.to_string()
                };
                let root = l.root.trim_end_matches('/');
                loc = format!("{root}{path}{pos}");
            }
        }
        let what = match (&e.initiator.element, &e.initiator.attribute) {
            (Some(el), Some(a)) => format!(" ({el} {a})"),
            (Some(el), None) => format!(" ({el})"),
            _ => String::new(),
        };
        if loc.is_empty() {
            "(the page)".into()
        } else {
            format!("{loc}{what}")
        }
    }
}

/// Entries in the order they started (stable: ties keep their order). The entries are large
/// (hundreds of bytes), so the order is found on indices and each entry moved once, where a
/// sort of the entries themselves moves each about log2(n) times.
fn sort_by_start(entries: &mut [Entry]) {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| entries[a].started_ms.total_cmp(&entries[b].started_ms));
    // order[i]: where the entry that goes to place i is now. Each cycle is followed once.
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        if order[start] == DONE {
            continue;
        }
        let mut place = start;
        loop {
            let from = order[place];
            order[place] = DONE;
            if from == start {
                break;
            }
            entries.swap(place, from);
            place = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_sort_by_start_stably() {
        let starts = [5.0, 1.0, 3.0, 1.0, 0.0, 5.0, 2.0, 4.0, 3.0, 0.5];
        let mut entries: Vec<Entry> = starts
            .iter()
            .enumerate()
            .map(|(i, &s)| Entry {
                url: format!("http://a.test/{i}"),
                started_ms: s,
                ..Entry::default()
            })
            .collect();
        let mut want = entries.clone();
        want.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
        sort_by_start(&mut entries);
        assert_eq!(entries, want);
        sort_by_start(&mut []);
    }

    /// Fully loaded is the last request's end, but never before `DOMContentLoaded` or the
    /// load event.
    #[test]
    fn fully_loaded_is_never_before_the_pages_milestones() {
        let mut load = crate::har::testing::load_sized(&[("/a.css", 10)]);
        load.finalize(&[], &secrets::Secrets::default());
        let last = load.fully_loaded_ms;
        load.page_metrics = PageMetrics {
            dom_content_loaded_ms: Some(last + 4000.0),
            load_event_ms: Some(last + 4100.0),
            ..PageMetrics::default()
        };
        load.finalize(&[], &secrets::Secrets::default());
        assert_eq!(load.fully_loaded_ms, last + 4100.0);
        load.page_metrics = PageMetrics::default();
        load.finalize(&[], &secrets::Secrets::default());
        assert_eq!(load.fully_loaded_ms, last);
    }
}
