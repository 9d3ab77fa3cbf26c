//! The progress bar: drawn on stderr, only when stderr is a terminal and not `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pagecost::{Event, EventSink};
use std::io::IsTerminal;

/// Turns library events into an indicatif bar.
pub struct Progress {
    bar: Option<ProgressBar>,
    failed: std::sync::atomic::AtomicUsize,
}

impl Progress {
    /// A bar when stderr is a terminal and the user did not ask for quiet; else nothing.
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress {
                bar: None,
                failed: Default::default(),
            };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} requests {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Progress {
            bar: Some(bar),
            failed: Default::default(),
        }
    }

    /// A bar for many pages: done, failed, in flight and the time left.
    pub fn pages(quiet: bool) -> Self {
        let p = Progress::new(quiet);
        if let Some(b) = &p.bar {
            b.set_style(
                ProgressStyle::with_template("{spinner} {pos}/{len} pages done, {msg} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        p
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
            Event::Finished { url, done, failed } => {
                b.set_position(done as u64);
                if failed {
                    self.failed
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                let f = self.failed.load(std::sync::atomic::Ordering::Relaxed);
                b.set_message(format!(
                    "{f} failed, last {}",
                    pagecost::report::sanitize(&url)
                ));
            }
            _ => {}
        }
    }
}
