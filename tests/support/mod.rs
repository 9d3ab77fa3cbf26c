//! In-process HTTP/1.1 test server on 127.0.0.1 port 0, with faults on demand: delays,
//! resets before headers or mid-body, hangs, redirects. Thread per connection, keep-alive.
//! It records every request (path and headers) and the most requests it had in flight.

#![allow(dead_code)]

#[cfg(feature = "history")]
pub mod postgres;
pub mod savings;
pub mod tls;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does for a route.
#[derive(Clone, Debug)]
pub enum Action {
    /// Send the response.
    Respond,
    /// Close the connection with a TCP reset before sending anything.
    ResetBeforeHeaders,
    /// Send the headers and half the body, then reset.
    ResetMidBody,
    /// Accept and never answer.
    Hang,
    /// Send these bytes as the whole response (status line included), then close.
    Raw(Vec<u8>),
    /// Send the headers, then the body one byte per interval.
    Trickle(Duration),
    /// Declare this Content-Length and send zeros until the client goes away.
    Endless(u64),
    /// A server-sent event stream: one event per interval until the client goes away.
    EventStream(Duration),
}

/// One canned response.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    pub action: Action,
    /// Requests to routes with this set are counted together: every second one (the 2nd,
    /// 4th ...) is delayed by it. A position effect: whatever loads second in a pair is slow.
    pub second_delay: Option<Duration>,
}

impl Route {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            action: Action::Respond,
            second_delay: None,
        }
    }
    pub fn html(body: &str) -> Route {
        Route::ok("text/html; charset=utf-8", body)
    }
    pub fn css(body: &str) -> Route {
        Route::ok("text/css", body)
    }
    pub fn status(status: u16) -> Route {
        Route {
            status,
            ..Route::ok("text/plain", format!("status {status}\n"))
        }
    }
    pub fn redirect(status: u16, location: &str) -> Route {
        let mut r = Route::status(status);
        r.headers.push(("Location".into(), location.into()));
        r
    }
    pub fn slow_when_second(mut self, d: Duration) -> Route {
        self.second_delay = Some(d);
        self
    }
    pub fn delayed(mut self, d: Duration) -> Route {
        self.delay = d;
        self
    }
    pub fn action(mut self, a: Action) -> Route {
        self.action = a;
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub at: std::time::Instant,
}

pub struct TestServer {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    max_in_flight: Arc<AtomicUsize>,
}

impl TestServer {
    pub fn start(routes: Vec<(&str, Route)>) -> TestServer {
        TestServer::start_seq(routes.into_iter().map(|(p, r)| (p, vec![r])).collect())
    }

    /// Each path answers its routes in turn: the n-th request gets the n-th route (the last
    /// one repeats), e.g. a 503 then a 200.
    pub fn start_seq(routes: Vec<(&str, Vec<Route>)>) -> TestServer {
        let routes: Arc<HashMap<String, Vec<Route>>> = Arc::new(
            routes
                .into_iter()
                .map(|(p, r)| (p.to_string(), r))
                .collect(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let (s, i, m) = (
            Arc::clone(&seen),
            Arc::clone(&in_flight),
            Arc::clone(&max_in_flight),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (routes, s, i, m) = (
                    Arc::clone(&routes),
                    Arc::clone(&s),
                    Arc::clone(&i),
                    Arc::clone(&m),
                );
                std::thread::spawn(move || serve(stream, &routes, &s, &i, &m));
            }
        });
        TestServer {
            addr,
            seen,
            max_in_flight,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn paths(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.path.clone())
            .collect()
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

fn serve(
    stream: TcpStream,
    routes: &HashMap<String, Vec<Route>>,
    seen: &Mutex<Vec<Seen>>,
    in_flight: &AtomicUsize,
    max: &AtomicUsize,
) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let method = line.split_whitespace().next().unwrap_or("GET").to_string();
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let n = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        max.fetch_max(n, Ordering::SeqCst);
        let paired = |p: &str| routes.get(p).is_some_and(|r| r[0].second_delay.is_some());
        let (nth, pair_position) = {
            let mut seen = seen.lock().unwrap();
            let nth = seen.iter().filter(|s| s.path == path).count();
            let pair_position = seen.iter().filter(|s| paired(&s.path)).count() % 2;
            seen.push(Seen {
                path: path.clone(),
                method: method.clone(),
                headers,
                at: std::time::Instant::now(),
            });
            (nth, pair_position)
        };
        let route = routes
            .get(&path)
            .map(|rs| rs[nth.min(rs.len() - 1)].clone())
            .unwrap_or_else(|| Route::status(404));
        std::thread::sleep(route.delay);
        if let (Some(d), 1) = (route.second_delay, pair_position) {
            std::thread::sleep(d);
        }
        let keep = match route.action {
            Action::Hang => {
                std::thread::sleep(Duration::from_secs(3600));
                false
            }
            Action::ResetBeforeHeaders => {
                reset(&stream);
                false
            }
            Action::Raw(bytes) => {
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
                std::thread::sleep(Duration::from_millis(20));
                false
            }
            Action::Trickle(every) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
                    route.body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                for b in &route.body {
                    if stream.write_all(&[*b]).is_err() {
                        break;
                    }
                    std::thread::sleep(every);
                }
                false
            }
            Action::EventStream(every) => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
                            Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
                let _ = stream.write_all(head.as_bytes());
                let mut n = 0u64;
                while stream
                    .write_all(format!("data: {n}\n\n").as_bytes())
                    .is_ok()
                {
                    let _ = stream.flush();
                    n += 1;
                    std::thread::sleep(every);
                }
                false
            }
            Action::Endless(len) => {
                // The route's content type, if it has one.
                let kind = route
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    .map_or("application/octet-stream", |(_, v)| v.as_str());
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len}\r\n\r\n"
                );
                let _ = stream.write_all(head.as_bytes());
                let chunk = vec![0u8; 64 * 1024];
                let mut sent = 0u64;
                while sent < len && stream.write_all(&chunk).is_ok() {
                    sent += chunk.len() as u64;
                }
                false
            }
            Action::Respond | Action::ResetMidBody => {
                let mut head = format!("HTTP/1.1 {} X\r\n", route.status);
                for (n, v) in &route.headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str(&format!("Content-Length: {}\r\n\r\n", route.body.len()));
                let _ = stream.write_all(head.as_bytes());
                if method == "HEAD" {
                    true
                } else if matches!(route.action, Action::ResetMidBody) {
                    let _ = stream.write_all(&route.body[..route.body.len() / 2]);
                    let _ = stream.flush();
                    std::thread::sleep(Duration::from_millis(50));
                    reset(&stream);
                    false
                } else {
                    let _ = stream.write_all(&route.body);
                    true
                }
            }
        };
        in_flight.fetch_sub(1, Ordering::SeqCst);
        if !keep {
            return;
        }
    }
}

fn reset(stream: &TcpStream) {
    let sock = socket2::SockRef::from(stream);
    let _ = sock.set_linger(Some(Duration::ZERO));
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// A loopback address nothing listens on (bound, then released): connections are refused.
pub fn closed_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Runs the pagecost binary with a blank environment and returns (status, stdout, stderr).
pub fn pagecost(args: &[&str]) -> (i32, String, String) {
    let bin = assert_cmd::cargo::cargo_bin("pagecost");
    // PAGECOST_MEASURE=1: run under GNU time and report wall time and peak RSS on stderr
    // (for the fault table of the closing note; tests assert the same either way).
    let measure =
        std::env::var_os("PAGECOST_MEASURE").is_some() && Path::new("/usr/bin/time").exists();
    let mut cmd = if measure {
        let mut c = assert_cmd::Command::new("/usr/bin/time");
        c.arg("-f").arg("MEASURE %e s %M KB").arg(&bin);
        c
    } else {
        assert_cmd::Command::new(&bin)
    };
    let out = cmd
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let mut err = String::from_utf8_lossy(&out.stderr).into_owned();
    if measure {
        if let Some(line) = err
            .lines()
            .find(|l| l.starts_with("MEASURE "))
            .map(str::to_string)
        {
            eprintln!(
                "{line} pagecost {}",
                args.join(" ").chars().take(120).collect::<String>()
            );
            err = err
                .lines()
                .filter(|l| !l.starts_with("MEASURE "))
                .map(|l| format!("{l}\n"))
                .collect();
        }
    }
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err,
    )
}

/// Runs `pagecost audit ... --format json` and parses the load.
pub fn audit_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = pagecost(&all);
    assert_eq!(code, 0, "pagecost {all:?} failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("invalid JSON ({e}): {out}"))
}

/// The entries of a load as (path, field) pairs for compact assertions.
pub fn entries(load: &serde_json::Value) -> &Vec<serde_json::Value> {
    load["entries"].as_array().expect("entries")
}

/// The entry whose URL ends with `suffix`.
pub fn entry<'a>(load: &'a serde_json::Value, suffix: &str) -> &'a serde_json::Value {
    entries(load)
        .iter()
        .find(|e| e["url"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no entry ending with {suffix}"))
}

/// Whether a Chromium browser is installed (a test that needs one and finds none fails
/// under CI, skips elsewhere).
#[cfg(feature = "browser")]
pub fn browser_available() -> bool {
    let env = |k| std::env::var_os(k).filter(|v| !v.is_empty());
    let at = pagecost::browser::Locate {
        named: None,
        chrome: env("CHROME").map(Into::into),
        search_path: env("PATH").unwrap_or_default(),
    };
    let found = pagecost::browser::find(&at).is_ok();
    if !found {
        missing("a Chromium browser (apt-get install chromium)");
    }
    found
}

/// The browser tests' preamble: one browser test at a time (a page's busy loops are timed
/// against the machine's other work, and a test's process counts must see its own browser
/// only), and only where a browser is installed (under CI one must be: its absence fails).
/// `None`: skip the test.
#[cfg(feature = "browser")]
pub fn browser_test() -> Option<std::sync::MutexGuard<'static, ()>> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    browser_available().then_some(one)
}

/// What a shell command writes on a terminal: run on a pseudo-terminal by script(1) from
/// util-linux (installed by .ci/run), colours allowed.
pub fn on_a_terminal(cmd: &str) -> String {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("script(1) from util-linux is needed (apt-get install bsdutils)");
    let out = std::process::Command::new(script)
        .args(["-qec", cmd, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A test that needs a tool or data that is missing: under CI (`CI=true`, set by .ci/run)
/// that is a failure naming it; elsewhere the test says it skipped.
pub fn missing(what: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "{what} is missing; under CI no test may skip (see .ci/run)"
    );
    eprintln!("{what} is missing: skipped");
}

/// Runs `node ARGS` with the npm packages .ci/run installed for an oracle: `env` names the
/// variable holding their node_modules (`PAGECOST_CO2JS` ...), `what` the package. Returns
/// its stdout; `None` when the packages are not there (said, and under CI a failure); a
/// failing run fails the test with its output.
pub fn node(env: &str, what: &str, args: &[&str]) -> Option<String> {
    let Ok(node_path) = std::env::var(env) else {
        missing(&format!("{what} (npm; {env} names its node_modules)"));
        return None;
    };
    let out = std::process::Command::new("node")
        .args(args)
        .env("NODE_PATH", node_path)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "node {what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs the npm har-validator (scripts/validate-har.js) on HAR files, through [`node`].
pub fn validate_har(files: &[String]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/validate-har.js");
    let args: Vec<&str> = std::iter::once(script)
        .chain(files.iter().map(String::as_str))
        .collect();
    node("PAGECOST_HAR_VALIDATOR", "har-validator", &args);
}

/// Whether python3 can import `module` (installed by .ci/run with pip); when not, says so
/// (and under CI fails, through [`missing`]).
pub fn python_module(module: &str) -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        missing(&format!("python3's {module} (pip install {module})"));
    }
    found
}

/// Checks JSON outputs against a committed schema with the `jsonschema` validator
/// (scripts/validate-json.py); `each`: a top-level array is one document per element.
/// Returns the validator's report; panics when a document is invalid.
pub fn validate_json(schema: &str, files: &[&std::path::Path], each: bool) -> String {
    if !python_module("jsonschema") {
        return String::new();
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("python3")
        .arg(format!("{root}/scripts/validate-json.py"))
        .arg(format!("{root}/docs/schema/{schema}.schema.json"))
        .args(each.then_some("--each"))
        .args(files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{schema}: {text}");
    text
}

/// `--serve-also` for the compare fixture's ad network: its two hosts served from
/// fixtures/compare/adnet on loopback.
pub fn serve_ads() -> Vec<String> {
    let adnet = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/compare/adnet");
    [
        "securepubads.g.doubleclick.net",
        "tpc.googlesyndication.com",
    ]
    .iter()
    .flat_map(|host| ["--serve-also".to_string(), format!("{host}={adnet}")])
    .collect()
}

/// Runs `program ARGS` (with `stdin` when given) and returns its stdout; a failure fails
/// the test with its stderr.
pub fn run_ok(program: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = assert_cmd::Command::new(program);
    cmd.args(args);
    if let Some(text) = stdin {
        cmd.write_stdin(text);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The YAML documents of `text` as JSON values (PyYAML's safe loader), or None where
/// PyYAML is missing.
pub fn yaml_documents(text: &str) -> Option<Vec<serde_json::Value>> {
    if !python_module("yaml") {
        return None;
    }
    let code = "import json, sys, yaml; json.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout)";
    let out = run_ok("python3", &["-c", code], Some(text));
    Some(serde_json::from_str(&out).unwrap())
}

/// Processes whose command line names `dir` (the browser's profile is made under it, and its
/// crash handlers' report folder inside the profile).
pub fn processes_under(dir: &std::path::Path) -> usize {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let dir = dir.to_string_lossy().into_owned();
    procs
        .flatten()
        .filter_map(|p| std::fs::read(p.path().join("cmdline")).ok())
        .filter(|c| String::from_utf8_lossy(c).contains(&dir))
        .count()
}

/// The browsers' main processes under `dir`, by the profile folder each was started with
/// (`pagecost-profile-*`; every launch has a new one): (pid, profile). Helpers (`--type=`)
/// and pagecost itself (whose arguments also name `dir`) are left out.
#[cfg(target_os = "linux")]
pub fn browser_processes(dir: &str) -> Vec<(i32, String)> {
    let profile_flag = format!("--user-data-dir={dir}/pagecost-profile-");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|p| {
            let cmd = std::fs::read(p.path().join("cmdline")).ok()?;
            let pid: i32 = p.file_name().to_str()?.parse().ok()?;
            let args: Vec<String> = cmd
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            if args.iter().any(|a| a.starts_with("--type=")) {
                return None;
            }
            let profile = args.iter().find(|a| a.starts_with(&profile_flag))?;
            Some((pid, profile.clone()))
        })
        .collect()
}

/// Copies a folder, recursively.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
