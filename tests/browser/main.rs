//! The browser engine end to end, on loopback: headless Chromium (Debian's `chromium`,
//! installed by .ci/run; without it these tests fail under CI and skip elsewhere). One test
//! at a time (`support::browser_test`): a page's busy loops are timed against the machine's
//! other work, and a test's process counts must see its own browser only.

#[path = "../support/mod.rs"]
mod support;

mod browser;
mod browser_loads;
mod main_thread;
mod savings;
mod visual;
