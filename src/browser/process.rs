//! Starting Chromium so that it cannot outlive pagecost.
//!
//! chromiumoxide can launch a browser, but runs nothing in the child between fork and exec,
//! which is where Linux's parent-death signal is asked for: a pagecost killed with SIGKILL
//! (by a CI runner, the OOM killer) left its browser running. So pagecost starts the browser
//! itself, asking for SIGKILL on its parent's death (Chromium's helpers end with their
//! browser), talks DevTools with it over two pipes only the two hold (`pipe.rs`: a port
//! would be open to every local user), and connects chromiumoxide to that channel. The kernel sends that signal when the
//! *thread* that started the child ends, so every browser is started by one thread that
//! lives as long as pagecost. The switches are the ones chromiumoxide gave the browser
//! (Puppeteer's for automation) and pagecost's own, in one fixed order.

use super::pipe::Pipes;
use super::{browser_err, pointer_settings, running_as_root};
use crate::config::AuditConfig;
use crate::error::Result;
use crate::extract::Viewport;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;
use tokio::sync::oneshot;

/// Longest wait for a started browser to answer its first DevTools command.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Lines of the browser's own output kept to say why it did not start.
const KEPT_LINES: usize = 4;

/// Puppeteer's switches for an automated browser (chromiumoxide's defaults), but for
/// `--disable-popup-blocking`: a visitor's browser blocks the popups they did not ask for,
/// and so does pagecost's (a page's attempts are noted).
const AUTOMATION: [&str; 19] = [
    "--disable-background-networking",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-breakpad",
    "--disable-client-side-phishing-detection",
    "--disable-component-extensions-with-background-pages",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--disable-hang-monitor",
    "--disable-ipc-flooding-protection",
    "--disable-prompt-on-repost",
    "--disable-renderer-backgrounding",
    "--force-color-profile=srgb",
    "--metrics-recording-only",
    "--enable-automation",
    "--password-store=basic",
    "--use-mock-keychain",
    "--enable-blink-features=IdleDetection",
    "--lang=en_US",
];

/// Features on (Puppeteer's) and off (Puppeteer's, then pagecost's: see [`switches`]).
const ENABLED: [&str; 2] = ["NetworkService", "NetworkServiceInProcess"];
const DISABLED: [&str; 5] = [
    "TranslateUI",
    "IsolateOrigins",
    "site-per-process",
    "WebUIOmniboxPopup",
    "WebUIOmniboxAimPopup",
];

/// Pagecost's switches for a headless browser it drives alone, whatever the page.
const HEADLESS: [&str; 11] = [
    "--headless",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
    "--disable-extensions",
    "--disable-quic",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-site-isolation-trials",
    "--disk-cache-size=1",
];

/// Pagecost's feature lists with the user's merged in, the user's host rules, and the
/// user's other switches.
struct Merged<'a> {
    enabled: Vec<&'a str>,
    disabled: Vec<&'a str>,
    user_rules: Vec<&'a str>,
    own: Vec<String>,
}

/// The user's word wins over pagecost's: a feature the user enables is taken off pagecost's
/// disabled list, and the other way round.
fn merged(flags: &[String]) -> Merged<'_> {
    let mut m = Merged {
        enabled: ENABLED.to_vec(),
        disabled: DISABLED.to_vec(),
        user_rules: Vec::new(),
        own: Vec::new(),
    };
    for f in flags {
        if let Some(list) = f.strip_prefix("--enable-features=") {
            let on: Vec<&str> = list.split(',').filter(|x| !x.is_empty()).collect();
            m.disabled.retain(|x| !on.contains(x));
            m.enabled.extend(on);
        } else if let Some(list) = f.strip_prefix("--disable-features=") {
            let off: Vec<&str> = list.split(',').filter(|x| !x.is_empty()).collect();
            m.enabled.retain(|x| !off.contains(x));
            m.disabled.extend(off);
        } else if let Some(list) = f.strip_prefix("--host-resolver-rules=") {
            m.user_rules
                .extend(list.split(',').map(str::trim).filter(|x| !x.is_empty()));
        } else {
            m.own.push(f.clone());
        }
    }
    m
}

/// The browser's switches for these settings and the user's own (`flags`, checked by
/// [`super::check_flags`]), its profile folder aside (loads whose switches differ need
/// browsers of their own). Chromium reads only the last of a switch given twice, so the
/// user's `--enable-features`, `--disable-features` and `--host-resolver-rules` lists are
/// merged into pagecost's.
pub(super) fn switches(cfg: &AuditConfig, vp: &Viewport, flags: &[String]) -> Vec<String> {
    let Merged {
        enabled,
        disabled,
        user_rules,
        own,
    } = merged(flags);
    let mut s: Vec<String> = AUTOMATION.iter().map(|a| a.to_string()).collect();
    s.extend(HEADLESS.map(String::from));
    s.push(format!("--window-size={},{}", vp.width, vp.height));
    // Headless Chromium has no pointing device, so `(hover: hover)` would not match as it
    // does in a user's browser: a mouse on the desktop, a touch screen for `--mobile`. The
    // static engine answers media queries for the same devices.
    s.push(format!("--blink-settings={}", pointer_settings(vp.mobile)));
    // Every frame in the page's own renderer (`IsolateOrigins`, `site-per-process`), so
    // that the page's DevTools session sees the requests of cross-site iframes (ads) too;
    // the network is the same. And no omnibox popup (`WebUIOmnibox*`): each context's
    // window would start one, a WebUI page with a renderer of its own, about half of
    // Chromium's CPU for a small page (20 empty pages: 10.2 s of CPU with it, 5.7 s
    // without); the page's own loading is the same.
    s.push(format!("--enable-features={}", enabled.join(",")));
    s.push(format!("--disable-features={}", disabled.join(",")));
    if running_as_root() {
        s.extend(["--no-sandbox", "--disable-setuid-sandbox"].map(String::from));
    }
    if cfg.insecure {
        s.push("--ignore-certificate-errors".into());
    }
    // `--resolve` and `--connect-to` first (the first matching rule wins), then the user's.
    let rules: Vec<String> = (cfg.resolve.iter().map(|r| (&r.host, r.addr.to_string())))
        .chain(cfg.connect_to.iter().map(|c| (&c.host, c.to.to_string())))
        .map(|(host, to)| format!("MAP {host} {to}"))
        .chain(user_rules.into_iter().map(String::from))
        .collect();
    if !rules.is_empty() {
        s.push(format!("--host-resolver-rules={}", rules.join(", ")));
    }
    s.extend(own);
    s
}

/// Starts the browser with `switches` and the profile folder `profile`: the running
/// process, the address of its DevTools channel (`ws://`, for chromiumoxide, open until it
/// connects) and the task relaying that channel, once the browser has answered.
pub(super) async fn start(
    exe: &Path,
    switches: &[String],
    profile: &Path,
    devtools_log: Option<&Path>,
) -> Result<(Child, String, tokio::task::JoinHandle<()>)> {
    let could_not = |why: String| browser_err(format!("{} could not start: {why}", exe.display()));
    let pipes = Pipes::new().map_err(|e| could_not(e.to_string()))?;
    let mut cmd = Command::new(exe);
    cmd.args(switches)
        .arg(format!("--user-data-dir={}", profile.display()))
        // Chromium's crash handlers keep their reports under the user's configuration
        // folder (~/.config/chromium), whatever the profile: in the profile, they are gone
        // with it.
        .env("XDG_CONFIG_HOME", profile.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    pipes.give_to(&mut cmd);
    end_with_parent(&mut cmd);
    let mut child = spawn_kept(cmd)
        .await
        .map_err(|e| could_not(e.to_string()))?;
    let (tx, said) = oneshot::channel();
    if let Some(stderr) = child.stderr.take() {
        let reader = std::thread::Builder::new().name("browser-stderr".into());
        if let Err(e) = reader.spawn(move || listen(stderr, tx)) {
            end(&mut child);
            return Err(could_not(e.to_string()));
        }
    }
    let closed = match tokio::time::timeout(START_TIMEOUT, pipes.bridge(devtools_log)).await {
        Ok(Ok((address, relay))) => return Ok((child, address, relay)),
        Ok(Err(e)) => e.to_string(),
        Err(_) => {
            end(&mut child);
            let why = format!("no DevTools answer within {} s", START_TIMEOUT.as_secs());
            return Err(could_not(why));
        }
    };
    end(&mut child);
    // A browser that closed its pipe ended: its last words say why.
    let why = match tokio::time::timeout(Duration::from_secs(2), said).await {
        Ok(Ok(said)) => said,
        _ => closed,
    };
    Err(could_not(why))
}

/// Kills a started browser and waits for its exit (no zombie is left).
pub(super) fn end(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads the browser's standard error until it ends, so that the browser never blocks on a
/// full pipe; then sends its last lines, which say why a browser that ended early did.
fn listen(stderr: ChildStderr, tx: oneshot::Sender<String>) {
    let mut reader = BufReader::new(stderr);
    let mut last = std::collections::VecDeque::with_capacity(KEPT_LINES);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line).trim().to_string();
        if last.len() == KEPT_LINES {
            last.pop_front();
        }
        if !text.is_empty() {
            last.push_back(text);
        }
    }
    let said = Vec::from(last).join(" / ");
    let _ = tx.send(if said.is_empty() {
        "it ended without a word".into()
    } else {
        format!("it ended saying: {said}")
    });
}

/// A command and where to answer with its spawned child.
type Spawn = (Command, oneshot::Sender<std::io::Result<Child>>);

/// Spawns `cmd` on the one thread kept for starting browsers (see the module's notes).
async fn spawn_kept(cmd: Command) -> std::io::Result<Child> {
    static LAUNCHER: OnceLock<Option<mpsc::Sender<Spawn>>> = OnceLock::new();
    let launcher = LAUNCHER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Spawn>();
        let thread = std::thread::Builder::new().name("browser-launcher".into());
        let kept = thread.spawn(move || {
            for (mut cmd, reply) in rx {
                let _ = reply.send(cmd.spawn());
            }
        });
        kept.ok().map(|_| tx)
    });
    let no_thread = || std::io::Error::other("no thread to start it from");
    let (reply, child) = oneshot::channel();
    launcher
        .as_ref()
        .ok_or_else(no_thread)?
        .send((cmd, reply))
        .map_err(|_| no_thread())?;
    child.await.map_err(|_| no_thread())?
}

/// Asks the kernel to kill the child when its parent (this program) ends, however it ends.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn end_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: between fork and exec the closure makes only async-signal-safe calls
    // (prctl(2), getppid(2)) and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Ended between fork and prctl: the signal would never come.
            if libc::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn end_with_parent(_: &mut Command) {}

/// The file in a profile folder whose lock the pagecost using the folder holds.
const LOCK_FILE: &str = "pagecost.lock";

/// A folder younger than this without its lock file may be one being made: left alone.
const MAKING: Duration = Duration::from_secs(60);

/// Locks a new profile folder for this process: the lock is held while the returned file
/// is open, and the kernel releases it when the process ends, however it ends (SIGKILL
/// too), whatever PID namespace it runs in.
pub(super) fn lock_profile(profile: &Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::File::create(profile.join(LOCK_FILE))?;
    if flock(&file, libc::LOCK_EX | libc::LOCK_NB) {
        Ok(file)
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// flock(2) on an open file; whether it succeeded.
fn flock(file: &std::fs::File, how: libc::c_int) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock(2) on a descriptor this function borrows; no memory is shared.
    unsafe { libc::flock(file.as_raw_fd(), how) == 0 }
}

/// Removes the profile folders (`{prefix}*` in the temporary folder) that no running
/// pagecost holds: a killed pagecost cannot remove its own. Provably dead only: a folder
/// whose lock can be taken (its pagecost ended), or an old one without a lock file (made
/// by a pagecost before the lock). A PID says nothing across PID namespaces (containers
/// side by side on one host's /tmp). Once a process.
pub(super) fn sweep_profiles(prefix: &str) {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| {
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let named = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(prefix));
            if named && abandoned(&entry.path()) {
                remove_profile(&entry.path());
            }
        }
    });
}

/// Removes a profile folder of an ended browser, and the folder Chromium made in the
/// temporary folder for the profile's singleton socket (`org.chromium.Chromium.*`, linked
/// from the profile), which only a browser that exits by itself removes.
pub(super) fn remove_profile(profile: &Path) {
    remove_singleton(profile);
    let _ = std::fs::remove_dir_all(profile);
}

/// Removes the folder of the profile's singleton socket (see [`remove_profile`]): only a
/// folder named as Chromium names it, the one the profile's link points into.
pub(super) fn remove_singleton(profile: &Path) {
    let Ok(socket) = std::fs::read_link(profile.join("SingletonSocket")) else {
        return;
    };
    let Some(dir) = socket.parent() else {
        return;
    };
    let chromiums = dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.starts_with("org.chromium.Chromium.") || n.starts_with(".org.chromium.Chromium.")
    });
    if chromiums {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Whether no live pagecost holds this profile folder.
fn abandoned(dir: &Path) -> bool {
    match std::fs::File::open(dir.join(LOCK_FILE)) {
        // Taken, it stays held until the folder is gone (the file closes after removal).
        Ok(lock) => flock(&lock, libc::LOCK_EX | libc::LOCK_NB),
        Err(_) => std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > MAKING)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chromium reads only the last `--disable-features` (or `--enable-features`) given, so
    /// the user's lists join pagecost's instead of replacing them, the user's word winning
    /// where they disagree; other switches come last.
    #[test]
    fn the_users_feature_lists_are_merged_with_pagecosts() {
        let flags = [
            "--disable-features=AsyncDns,Foo",
            "--enable-features=Bar,TranslateUI",
            "--disable-features=NetworkServiceInProcess",
            "--host-resolver-rules=MAP *.test 127.0.0.1, EXCLUDE localhost",
            "--lang=fr",
        ]
        .map(String::from);
        let mut cfg = AuditConfig::default();
        cfg.resolve.push(crate::config::ResolveOverride {
            host: "a.example".into(),
            port: 443,
            addr: [127, 0, 0, 2].into(),
        });
        let s = switches(&cfg, &Viewport::default(), &flags);
        let all =
            |prefix: &str| -> Vec<&String> { s.iter().filter(|x| x.starts_with(prefix)).collect() };
        assert_eq!(
            all("--disable-features="),
            [
                "--disable-features=IsolateOrigins,site-per-process,WebUIOmniboxPopup,\
                 WebUIOmniboxAimPopup,AsyncDns,Foo,NetworkServiceInProcess"
            ]
        );
        assert_eq!(
            all("--enable-features="),
            ["--enable-features=NetworkService,Bar,TranslateUI"]
        );
        assert_eq!(
            all("--host-resolver-rules="),
            [
                "--host-resolver-rules=MAP a.example 127.0.0.2, MAP *.test 127.0.0.1, \
              EXCLUDE localhost"
            ]
        );
        assert_eq!(s.last().map(String::as_str), Some("--lang=fr"));
        let plain = switches(&cfg, &Viewport::default(), &[]);
        assert_eq!(plain.len() + 1, s.len());
    }
}
