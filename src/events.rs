//! Progress events. The library never prints: it reports what happens to an [`EventSink`],
//! and the CLI decides whether to draw a progress bar (only on a terminal).

/// Something that happened during an audit.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A request was queued; `queued` counts all requests queued so far.
    Queued {
        /// Requests queued so far.
        queued: usize,
    },
    /// A request finished (with a response or an error).
    Finished {
        /// The URL.
        url: String,
        /// Whether it failed.
        failed: bool,
        /// Requests finished so far.
        done: usize,
    },
    /// Many pages are about to be audited, `jobs` at a time (then `Queued` and `Finished`
    /// count pages, not requests).
    Pages {
        /// Pages audited at once.
        jobs: usize,
    },
    /// A page of a batch is done: its result, and its position in the batch's list (pages
    /// finish out of order), so that it can be written before the batch ends.
    Page {
        /// Its position in the list audited (0-based).
        position: usize,
        /// The page's result.
        page: Box<crate::model::PageResult>,
    },
    /// Something a person watching should know (a folder being served, pages found by a
    /// crawl); not part of the report.
    Notice(String),
}

/// Receives progress events. Must be cheap: it is called on the engine's path.
pub trait EventSink: Send + Sync {
    /// Called for each event.
    fn event(&self, event: Event);
}

/// Discards every event.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn event(&self, _: Event) {}
}
