//! The progress bar: drawn on stderr, only when stderr is a terminal and not `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pagecost::{Event, EventSink};
use std::io::IsTerminal;

/// Turns library events into an indicatif bar.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar when stderr is a terminal and the user did not ask for quiet; else nothing.
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} requests {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Progress { bar: Some(bar) }
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl EventSink for Progress {
    fn event(&self, e: Event) {
        let Some(b) = &self.bar else { return };
        match e {
            Event::Queued { queued } => b.set_length(queued as u64),
            Event::Finished { url, done, .. } => {
                b.set_position(done as u64);
                b.set_message(pagecost::report::sanitize(&url));
            }
            _ => {}
        }
    }
}
