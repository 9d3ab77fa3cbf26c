//! The progress bar: drawn on stderr, only when stderr is a terminal and not `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pagecost::{Event, EventSink};
use std::io::IsTerminal;

/// Turns library events into an indicatif bar.
pub struct Progress {
    bar: Option<ProgressBar>,
    failed: std::sync::atomic::AtomicUsize,
    /// For pages: how many are audited at once (`--jobs`), to tell how many are in flight.
    jobs: Option<usize>,
}

impl Progress {
    /// A bar when stderr is a terminal and the user did not ask for quiet; else nothing.
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress {
                bar: None,
                failed: Default::default(),
                jobs: None,
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
            jobs: None,
        }
    }

    /// A bar for many pages audited `jobs` at a time: done, in flight, failed and the time
    /// left.
    pub fn pages(quiet: bool, jobs: usize) -> Self {
        let mut p = Progress::new(quiet);
        p.jobs = Some(jobs.max(1));
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
                let last = pagecost::report::sanitize(&url);
                match self.jobs {
                    // Pages start as others finish, so while pages wait, `jobs` are running.
                    Some(jobs) => {
                        let left = b.length().unwrap_or(0).saturating_sub(done as u64);
                        let flight = left.min(jobs as u64);
                        b.set_message(format!("{flight} in flight, {f} failed, last {last}"));
                    }
                    None => b.set_message(format!("{f} failed, last {last}")),
                }
            }
            _ => {}
        }
    }
}
