//! Signals while the browser engine runs: SIGTERM (143: a CI job's timeout, `timeout`,
//! `kill`), SIGHUP (129), and Ctrl-C (130) unless a single audit answers it itself
//! ([`pagecost::browser::GRACEFUL_INTERRUPT`]) end every browser pagecost started before
//! pagecost exits. Without this those signals would end pagecost alone and leave Chromium
//! running.

/// Starts the thread that waits for those signals (once per process).
pub fn end_browsers_on_stop() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        let _ = std::thread::Builder::new()
            .name("pagecost-signals".into())
            .spawn(|| {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                else {
                    return;
                };
                if let Some(code) = rt.block_on(stopped()) {
                    pagecost::browser::end_all();
                    std::process::exit(code);
                }
            });
    });
}

/// The exit code of the signal that stops pagecost; `None` if they cannot be watched.
#[cfg(unix)]
async fn stopped() -> Option<i32> {
    use std::sync::atomic::Ordering;
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).ok()?;
    let mut hup = signal(SignalKind::hangup()).ok()?;
    let mut int = signal(SignalKind::interrupt()).ok()?;
    loop {
        tokio::select! {
            _ = term.recv() => return Some(143),
            _ = hup.recv() => return Some(129),
            _ = int.recv() => {
                if !pagecost::browser::GRACEFUL_INTERRUPT.load(Ordering::SeqCst) {
                    return Some(130);
                }
            }
        }
    }
}
