//! JSON lines written as a batch's pages finish, not after the batch: a batch stopped by
//! Ctrl-C or SIGTERM (or killed) has every finished page on its output already. Lines keep
//! the list's order (a page finished early waits for those before it), so the output is
//! the one the whole batch would write at its end.

use pagecost::job::batch::PageResult;
use pagecost::{Event, EventSink};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// An event sink that writes each finished page as a JSON line and hands every event on.
pub struct Jsonl<'a> {
    then: &'a dyn EventSink,
    state: Mutex<State>,
}

struct State {
    /// `-o FILE`, created at the first line; else stdout.
    path: Option<PathBuf>,
    out: Option<Box<dyn Write + Send>>,
    /// The position of the next line to write, and the pages finished after it.
    next: usize,
    waiting: BTreeMap<usize, PageResult>,
    /// The first write that failed (a closed pipe, a full disk): the rest is not written.
    failed: Option<std::io::Error>,
}

impl<'a> Jsonl<'a> {
    /// Lines to `path` (stdout when `None`); events go on to `then`.
    pub fn new(path: Option<PathBuf>, then: &'a dyn EventSink) -> Jsonl<'a> {
        let state = State {
            path,
            out: None,
            next: 0,
            waiting: BTreeMap::new(),
            failed: None,
        };
        Jsonl {
            then,
            state: Mutex::new(state),
        }
    }

    /// Writes the pages still waiting (those after a page that never finished: the batch
    /// was stopped), in order; the first write error, if any.
    pub fn finish(self) -> anyhow::Result<()> {
        let mut s = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        let rest: Vec<PageResult> = std::mem::take(&mut s.waiting).into_values().collect();
        rest.iter().for_each(|p| s.write(p));
        if let Some(out) = s.out.as_mut() {
            if let Err(e) = out.flush() {
                s.failed.get_or_insert(e);
            }
        }
        match (s.failed, &s.path) {
            (None, _) => Ok(()),
            (Some(e), Some(path)) => {
                Err(anyhow::Error::new(e)
                    .context(format!("{}: cannot write report", path.display())))
            }
            (Some(e), None) => Err(e.into()),
        }
    }
}

impl State {
    fn write(&mut self, page: &PageResult) {
        if self.failed.is_some() {
            return;
        }
        // The library's writer, one page at a time: the same lines the batch's end writes.
        let written = (self.output())
            .and_then(|out| pagecost::report::batch::write_jsonl(std::slice::from_ref(page), out));
        if let Err(e) = written {
            self.failed = Some(e);
        }
    }

    fn output(&mut self) -> std::io::Result<&mut Box<dyn Write + Send>> {
        if self.out.is_none() {
            let out: Box<dyn Write + Send> = match &self.path {
                Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
                None => Box::new(std::io::stdout()),
            };
            self.out = Some(out);
        }
        Ok(self.out.as_mut().expect("just set"))
    }
}

impl EventSink for Jsonl<'_> {
    fn event(&self, event: Event) {
        if let Event::Page { position, page } = &event {
            let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let s = &mut *guard;
            // The page next in the list is written at once; one that finished early waits,
            // kept (a copy: the event goes on whole).
            if *position == s.next {
                s.write(page);
                s.next += 1;
            } else {
                s.waiting.insert(*position, (**page).clone());
            }
            while let Some(p) = s.waiting.remove(&s.next) {
                s.write(&p);
                s.next += 1;
            }
        }
        self.then.event(event);
    }
}
