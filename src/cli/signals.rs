//! Signals, for every command that runs a job and either engine: the first SIGINT (Ctrl-C),
//! SIGTERM (a CI job's timeout, `timeout`, `kill`) or SIGHUP cancels the job, which ends
//! its loads early and reports what finished, marked interrupted; pagecost then exits as
//! the signal asks (130, 143, 129). A second signal stops at once: every browser pagecost
//! started is ended (their helpers and profile folders too), and pagecost exits.
//!
//! The library knows nothing of signals: it is handed the [`Cancel`] this module cancels.

use pagecost::config::Cancel;
use std::sync::atomic::{AtomicU8, Ordering};

/// The exit code of the signal that stopped the job; 0 while none has.
static STOPPED_BY: AtomicU8 = AtomicU8::new(0);

/// The exit code for an interrupted job: that of the signal that interrupted it.
pub fn exit_code() -> u8 {
    match STOPPED_BY.load(Ordering::SeqCst) {
        0 => 130,
        code => code,
    }
}

/// Starts the task that waits for those signals on the job's runtime and cancels `cancel` on
/// the first; a job that cannot be cancelled (`None`) stops at once on the first. The
/// runtime must outlive the job and its rendering: once a signal is waited for, only this
/// task answers it.
pub fn cancel_on_stop(rt: &tokio::runtime::Runtime, cancel: Option<Cancel>) {
    #[cfg(unix)]
    rt.spawn(watch(cancel));
    #[cfg(not(unix))]
    let _ = (rt, cancel);
}

#[cfg(unix)]
async fn watch(cancel: Option<Cancel>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    loop {
        let code = tokio::select! {
            _ = term.recv() => 143,
            _ = hup.recv() => 129,
            _ = int.recv() => 130,
        };
        if let (0, Some(c)) = (STOPPED_BY.swap(code, Ordering::SeqCst), &cancel) {
            c.cancel();
            continue;
        }
        #[cfg(feature = "browser")]
        pagecost::browser::end_all();
        std::process::exit(i32::from(code));
    }
}
