//! Secrets stay out of every output: a password in a target's URL, the values of the
//! user's `-H` headers (an Authorization token, an API key) and the server's Set-Cookie
//! are in no report format of audit, batch, compare or links, in no message on stderr, in
//! no history row or stored load, with either engine. They are still used: the server
//! sees the user's headers. `--include-sensitive` keeps the header values on request.

use crate::support;

use std::path::Path;
use support::{pagecost, Route, TestServer};

const PASSWORD: &str = "S3CRETPASSWORD";
const TOKEN: &str = "TOKENVALUE123";
const API_KEY: &str = "APIKEYVALUE456";
const COOKIE: &str = "COOKIEVALUE789";
const SECRETS: [&str; 4] = [PASSWORD, TOKEN, API_KEY, COOKIE];

fn site() -> TestServer {
    TestServer::start(vec![
        (
            "/",
            Route::html(
                "<link rel=stylesheet href=/s.css><img src=/missing.png>\
                 <a href=/next>next</a><a href=/gone>gone</a>",
            )
            .header("Set-Cookie", &format!("sid={COOKIE}; HttpOnly")),
        ),
        ("/s.css", Route::css("p{color:red}")),
        ("/next", Route::html("<p>next</p>")),
    ])
}

/// The target with a password, as a user writes it.
fn secret_url(server: &TestServer) -> String {
    server
        .url("/")
        .replace("http://", &format!("http://user:{PASSWORD}@"))
}

/// A target that cannot be reached, with a password: its error names it.
fn unreachable() -> String {
    format!("http://user:{PASSWORD}@{}/", support::closed_port())
}

const HEADERS: [&str; 4] = [
    "-H",
    "Authorization: Bearer TOKENVALUE123",
    "-H",
    "X-Api-Key: APIKEYVALUE456",
];

/// Runs pagecost; fails the test if a secret is in its stdout or stderr.
fn clean_run(what: &str, args: &[&str]) -> (i32, String) {
    let (code, out, err) = pagecost(args);
    for s in SECRETS {
        assert!(!out.contains(s), "{what}: {s} on stdout:\n{out}");
        assert!(!err.contains(s), "{what}: {s} on stderr:\n{err}");
    }
    (code, out)
}

fn no_secret_in_file(what: &str, path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for s in SECRETS {
        assert!(!text.contains(s), "{what}: {s} in {}", path.display());
    }
}

#[test]
fn no_audit_format_holds_a_password_or_a_secret_header() {
    let server = site();
    let url = secret_url(&server);
    let tmp = tempfile::tempdir().unwrap();
    for format in [
        "table",
        "json",
        "jsonl",
        "markdown",
        "html",
        "har",
        "openmetrics",
    ] {
        let file = tmp.path().join(format!("audit.{format}"));
        let mut args = vec!["audit", &url, "--format", format];
        args.extend(HEADERS);
        let file_arg = file.to_string_lossy().into_owned();
        let (code, out) = clean_run(format, &args);
        assert_eq!(code, 0, "{format}: {out}");
        assert!(!out.is_empty(), "{format}");
        let (code, _) = clean_run(format, &[&args[..], &["-o", &file_arg]].concat());
        assert_eq!(code, 0, "{format} -o");
        no_secret_in_file(format, &file);
    }
    // JUnit needs a budget.
    let junit = ["audit", &url, "--format", "junit", "--max-requests", "40"];
    let (code, out) = clean_run("junit", &junit);
    assert_eq!(code, 0, "{out}");
    // The secrets did their work: the server saw them.
    let seen = server.requests();
    let first = seen.iter().find(|r| r.path == "/").unwrap();
    let has = |name: &str, value: &str| {
        (first.headers.iter()).any(|(n, v)| n.eq_ignore_ascii_case(name) && v.contains(value))
    };
    assert!(has("authorization", TOKEN) && has("x-api-key", API_KEY));
}

#[test]
fn batches_and_their_errors_hold_no_password() {
    let server = site();
    let (url, down) = (secret_url(&server), unreachable());
    for format in ["table", "json", "jsonl", "openmetrics"] {
        let mut args = vec!["audit", &url, &down, "--format", format];
        args.extend(HEADERS);
        let (code, out) = clean_run(format, &args);
        assert_eq!(code, 2, "one page could not be audited: {out}");
    }
    // The one page that cannot be reached: an error on stderr naming it, without its password.
    let (code, out, err) = pagecost(&["audit", &down]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains(&down.replace(&format!("user:{PASSWORD}@"), "")),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");
}

#[test]
fn compare_reports_hold_no_password_or_secret_header() {
    let server = site();
    let url = secret_url(&server);
    for format in ["table", "json", "markdown", "html", "openmetrics"] {
        let mut args = vec!["compare", &url, &url, "--runs", "2", "--format", format];
        args.extend(HEADERS);
        let (code, out) = clean_run(format, &args);
        assert!(code == 0 || code == 1, "{format}: {out}");
    }
}

#[test]
fn links_hold_no_password_even_when_they_inherit_it() {
    let server = site();
    let url = secret_url(&server);
    for format in ["lines", "json", "csv", "markdown"] {
        let (code, out) = clean_run(format, &["links", &url, "--format", format]);
        assert_eq!(code, 0, "{format}");
        assert!(out.contains("/next"), "{format}: {out}");
    }
    let (code, out) = clean_run("check", &["links", &url, "--check", "--format", "json"]);
    assert_eq!(code, 1, "/gone is broken: {out}");
}

#[cfg(feature = "history")]
#[test]
fn history_rows_and_stored_loads_hold_no_secret() {
    let server = site();
    let url = secret_url(&server);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("runs.db");
    let db_arg = db.to_string_lossy().into_owned();
    let mut args = vec!["audit", &url, "--save", "--db", &db_arg, "--format", "json"];
    args.extend(HEADERS);
    let (code, _) = clean_run("save", &args);
    assert_eq!(code, 0);
    for format in ["table", "json", "csv", "html"] {
        let (code, _) = clean_run(format, &["history", "--db", &db_arg, "--format", format]);
        assert_eq!(code, 0, "history {format}");
    }
    no_secret_in_file("database", &db);
    let spec = pagecost::history::DbSpec::parse(&db_arg).unwrap();
    let mut h = pagecost::history::History::open_existing(&spec).unwrap();
    let loads = h.loads(&Default::default()).unwrap();
    assert_eq!(loads.len(), 1);
    let stored = serde_json::to_string(&loads[0]).unwrap();
    for s in SECRETS {
        assert!(!stored.contains(s), "{s} in a stored load");
    }
    assert!(
        stored.contains("[redacted]"),
        "the secret headers are there, redacted"
    );
}

/// The opt-in: `--include-sensitive` keeps the header values (the URL's password is never
/// kept).
#[test]
fn include_sensitive_keeps_header_values() {
    let server = site();
    let url = secret_url(&server);
    let mut args = vec!["audit", &url, "--format", "json", "--include-sensitive"];
    args.extend(HEADERS);
    let (code, out, _) = pagecost(&args);
    assert_eq!(code, 0);
    for s in [TOKEN, API_KEY, COOKIE] {
        assert!(out.contains(s), "{s} kept on request");
    }
    assert!(!out.contains(PASSWORD));
}

#[cfg(feature = "browser")]
#[test]
fn the_browser_engine_holds_no_password_or_secret_header() {
    if !support::browser_available() {
        return;
    }
    let server = site();
    let url = secret_url(&server);
    for format in ["json", "har", "table"] {
        let mut args = vec!["audit", &url, "--engine", "chromium", "--format", format];
        args.extend(HEADERS);
        let (code, out) = clean_run(format, &args);
        assert_eq!(code, 0, "{format}: {out}");
    }
    let (code, _) = clean_run(
        "unreachable",
        &["audit", &unreachable(), "--engine", "chromium"],
    );
    assert_eq!(code, 2);
}

/// The folder server of a static audit answers only the audit: a request to its port
/// without the random key the static engine sends (another user of the machine, while an
/// audit runs as root) finds nothing, dotfiles or not; the key is in no report.
#[test]
fn a_static_audits_folder_server_answers_only_the_audit() {
    use pagecost::source::{Engine, Source};
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<link rel=stylesheet href=a.css>",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.css"), "p{}").unwrap();
    std::fs::write(dir.path().join("shadow"), "root:secret").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = pagecost::source::target::Target::parse(dir.path().to_str().unwrap()).unwrap();
    let source = rt
        .block_on(Source::open(&target, &Engine::Static, &[]))
        .unwrap();
    let url = source.url().unwrap().clone();
    let key = source.config(&Default::default()).local_key.unwrap().key;
    let get = |path: &str, key: Option<&str>| {
        let mut s =
            std::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
        let header = key
            .map(|k| format!("x-pagecost-key: {k}\r\n"))
            .unwrap_or_default();
        let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\n{header}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).unwrap();
        got.lines().next().unwrap_or("").to_string()
    };
    for path in ["/index.html", "/shadow", "/a.css"] {
        assert_eq!(
            get(path, None),
            "HTTP/1.1 404 Not Found",
            "{path} without the key"
        );
        assert_eq!(
            get(path, Some("0123")),
            "HTTP/1.1 404 Not Found",
            "{path} with a wrong key"
        );
    }
    assert_eq!(
        get("/shadow", Some(&key)),
        "HTTP/1.1 200 OK",
        "the audit itself"
    );
    let load = rt
        .block_on(source.load(
            &Default::default(),
            &Default::default(),
            &pagecost::events::NoEvents,
        ))
        .unwrap();
    assert_eq!(
        load.entries.len(),
        2,
        "the page and its stylesheet, loaded with the key"
    );
    assert!(load.entries.iter().all(|e| e.status == Some(200)));
    let json = serde_json::to_string(&load).unwrap();
    assert!(
        !json.contains(&key) && !json.contains("x-pagecost-key"),
        "the key is in no report"
    );
}
