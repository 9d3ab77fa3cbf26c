//! Progress on stderr: a bar only when stderr is a terminal and not `--quiet`; notices
//! (a folder served, pages found) as lines unless `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pagecost::model::urls::redact_text;
use pagecost::{Event, EventSink};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Turns library events into an indicatif bar.
pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
    failed: AtomicUsize,
    /// For pages: how many are audited at once, to tell how many are in flight (0: requests).
    jobs: AtomicUsize,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress {
    /// A bar when stderr is a terminal and the user did not ask for quiet; else nothing.
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(style("{spinner} {pos}/{len} requests {wide_msg}"));
            bar
        });
        let (failed, jobs) = Default::default();
        Progress {
            bar,
            quiet,
            failed,
            jobs,
        }
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        self.bar.as_ref().inspect(|b| b.finish_and_clear());
    }

    fn finished(&self, b: &ProgressBar, url: &str, done: usize, failed: bool) {
        b.set_position(done as u64);
        let f = self
            .failed
            .fetch_add(usize::from(failed), Ordering::Relaxed)
            + usize::from(failed);
        let last = pagecost::report::sanitize(url);
        match self.jobs.load(Ordering::Relaxed) {
            0 => b.set_message(format!("{f} failed, last {last}")),
            // Pages start as others finish, so while pages wait, `jobs` are running.
            jobs => {
                let left = b.length().unwrap_or(0).saturating_sub(done as u64);
                let flight = left.min(jobs as u64);
                b.set_message(format!("{flight} in flight, {f} failed, last {last}"));
            }
        }
    }
}

impl EventSink for Progress {
    fn event(&self, e: Event) {
        if let Event::Notice(n) = &e {
            if !self.quiet {
                self.bar.as_ref().map_or_else(
                    || eprintln!("pagecost: {}", redact_text(n)),
                    |b| b.suspend(|| eprintln!("pagecost: {}", redact_text(n))),
                );
            }
            return;
        }
        let Some(b) = &self.bar else { return };
        match e {
            Event::Pages { jobs } => {
                self.jobs.store(jobs.max(1), Ordering::Relaxed);
                b.set_style(style("{spinner} {pos}/{len} pages done, {msg} eta {eta}"));
            }
            Event::Queued { queued } => b.set_length(queued as u64),
            Event::Finished { url, done, failed } => self.finished(b, &url, done, failed),
            _ => {}
        }
    }
}
