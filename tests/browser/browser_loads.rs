//! What a browser really loads, counted as it is: frames that fail to load (the browser's
//! error page is not the site's bytes), navigations, popups and downloads, WebSockets.
//! Headless Chromium on loopback, as in `tests/browser/browser.rs`.

#![cfg(feature = "browser")]

use crate::support;

use serde_json::Value;
use support::{entries, entry, pagecost, Route, TestServer};

fn chromium_json(url: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "audit", url, "--engine", "chromium", "--format", "json", "-q",
    ];
    args.extend(extra);
    let (code, out, err) = pagecost(&args);
    assert!(code == 0 || code == 1, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A live load's failed requests and the same load's HAR, read back as a browser's HAR (no
/// `_pagecost` field: only the browser's `_error` words), give each request the same error
/// kind: the browser engine and the HAR import read Chromium's errors one way.
#[test]
fn a_live_load_and_its_har_give_the_same_error_kinds() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let closed = support::closed_port();
    let empty = Route::ok("image/png", "").action(support::Action::Raw(Vec::new()));
    let reset = Route::ok("image/png", "x").action(support::Action::ResetBeforeHeaders);
    let page = format!(
        "<img src=\"http://{closed}/refused.png\"><img src=/empty.png><img src=/reset.png>\
         <img src=\"http://no-such-host.invalid/dns.png\">"
    );
    let server = TestServer::start(vec![
        ("/", Route::html(&page)),
        ("/empty.png", empty),
        ("/reset.png", reset),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let har = tmp.path().join("load.har");
    let url = server.url("/");
    let live = chromium_json(&url, &["--report-file", &format!("har={}", har.display())]);
    let kinds = |load: &Value| -> Vec<(String, String)> {
        let mut k: Vec<(String, String)> = entries(load)
            .iter()
            .filter(|e| e["error"].is_object())
            .map(|e| {
                let name = e["url"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string();
                (name, e["error"]["kind"].as_str().unwrap().to_string())
            })
            .collect();
        k.sort();
        k
    };
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    strip_pagecost(&mut doc);
    std::fs::write(&har, serde_json::to_vec(&doc).unwrap()).unwrap();
    let (code, out, err) = pagecost(&["audit", har.to_str().unwrap(), "--format", "json", "-q"]);
    assert_eq!(code, 0, "{err}");
    let imported: Value = serde_json::from_str(&out).unwrap();
    let live_kinds = kinds(&live);
    assert!(
        live_kinds.len() >= 3,
        "the failures were loaded: {live_kinds:?}"
    );
    assert_eq!(kinds(&imported), live_kinds);
}

/// Every `_pagecost` field of a HAR removed: what another producer's HAR holds.
fn strip_pagecost(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.remove("_pagecost");
            o.values_mut().for_each(strip_pagecost);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_pagecost),
        _ => {}
    }
}

/// Iframes that cannot load (a refused connection, a port browsers refuse, a redirect to a
/// scheme a page may not open) are failed requests of 0 bytes: the error page the browser
/// shows in their place (about 250 kB, with its own images) is not counted.
#[test]
fn failed_iframes_are_failures_of_no_bytes_not_the_browsers_error_page() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let closed = support::closed_port();
    let page = format!(
        "<!doctype html><h1>frames</h1>\
         <iframe src=\"http://{closed}/refused\"></iframe>\
         <iframe src=\"http://127.0.0.1:9/unsafe-port\"></iframe>\
         <iframe src=\"/to-file\"></iframe>"
    );
    let site = TestServer::start(vec![
        ("/", Route::html(&page)),
        ("/to-file", Route::redirect(302, "file:///etc/hostname")),
    ]);
    let load = chromium_json(&site.url("/"), &[]);
    for suffix in ["/refused", "/unsafe-port", "/to-file"] {
        let e = entry(&load, suffix);
        assert!(e["error"].is_object(), "{suffix} failed: {e:#}");
        assert_eq!(e["transfer_bytes"], 0, "{suffix}: {e:#}");
        assert_eq!(e["decoded_bytes"], 0, "{suffix}: {e:#}");
    }
    assert_eq!(entry(&load, "/refused")["error"]["kind"], "connect");
    let unsafe_redirect = &entry(&load, "/to-file")["error"]["message"];
    assert_eq!(unsafe_redirect, "net::ERR_UNSAFE_REDIRECT");
    let counted: u64 = entries(&load)
        .iter()
        .map(|e| e["transfer_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(load["totals"]["transfer_bytes"], counted);
    assert!(counted < 2_000, "only the page: {counted} B");
    assert_eq!(
        load["skipped"]["data"], 0,
        "the error page's images are not the page's"
    );
}

/// A WebSocket server on loopback: answers each connection's handshake, then runs `serve`.
fn websocket_server(
    serve: fn(&mut async_tungstenite::tungstenite::WebSocket<std::net::TcpStream>),
) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                if let Ok(mut ws) = async_tungstenite::tungstenite::accept(stream) {
                    serve(&mut ws);
                }
            });
        }
    });
    addr
}

/// A page's WebSockets are entries of type `websocket`, with their messages and payload
/// bytes both ways: a feed that sends 3 MiB and closes, and a socket that stays open with a
/// message every 200 ms (which does not keep the page from being done).
#[test]
fn websockets_are_listed_with_their_messages_both_ways() {
    use async_tungstenite::tungstenite::Message;
    let Some(_one) = support::browser_test() else {
        return;
    };
    let feed = websocket_server(|ws| {
        for _ in 0..2 {
            let _ = ws.read();
        }
        for _ in 0..3 {
            let _ = ws.send(Message::binary(vec![7u8; 1 << 20]));
        }
        let _ = ws.send(Message::text("done"));
        let _ = ws.close(None);
        while ws.read().is_ok() {}
    });
    let stay = websocket_server(|ws| loop {
        if ws.send(Message::text("tick")).is_err() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    });
    let page = format!(
        "<!doctype html><h1>sockets</h1><script>\
         const f = new WebSocket('ws://{feed}/feed');\
         f.onopen = () => {{ f.send('hello'); f.send(new Uint8Array(1000)); }};\
         new WebSocket('ws://{stay}/stay');\
         </script><iframe src=/slow></iframe>"
    );
    // The slow frame holds the load event 1.5 s: the feed's 3 MiB (a few tens of ms) are in
    // by then, whatever the machine's load (messages are not activity that holds the watch).
    let slow = Route::html("slow").delayed(std::time::Duration::from_millis(1500));
    let site = TestServer::start(vec![("/", Route::html(&page)), ("/slow", slow)]);
    let load = chromium_json(&site.url("/"), &["--audit-timeout", "60s"]);
    assert_eq!(load["partial"], false, "{:#}", load["notes"]);
    let f = entry(&load, "/feed");
    assert_eq!(f["resource_type"], "websocket");
    assert_eq!(f["status"], 101);
    let traffic = &f["websocket"];
    assert_eq!(traffic["messages_sent"], 2);
    assert_eq!(traffic["bytes_sent"], 5 + 1000);
    assert_eq!(traffic["messages_received"], 4);
    assert_eq!(traffic["bytes_received"], 3 * (1 << 20) + 4);
    assert_eq!(traffic["open_at_end"], false);
    assert_eq!(f["transfer_bytes"], 3 * (1 << 20) + 4);
    let s = entry(&load, "/stay");
    assert_eq!(s["websocket"]["open_at_end"], true);
    assert!(s["websocket"]["messages_received"].as_u64().unwrap() >= 1);
    let ws = &load["totals"]["by_type"]["websocket"];
    assert_eq!(ws["requests"], 2, "{:#}", load["totals"]);
    assert_eq!(
        ws["transfer_bytes"],
        f["transfer_bytes"].as_u64().unwrap() + s["transfer_bytes"].as_u64().unwrap()
    );
    assert!(ws["transfer_bytes"].as_u64().unwrap() > 3 << 20);
    let (code, table, err) = pagecost(&["audit", &site.url("/"), "--engine", "chromium"]);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("websocket"), "{table}");
}

fn notes(load: &Value) -> String {
    (load["notes"].as_array().unwrap().iter())
        .map(|n| n.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A page that sends its own frame elsewhere: the request the navigation cut off is
/// cancelled, not in flight (the load ends when the new document is done, not partial at
/// the cap after load), and a note says where the page went.
#[test]
fn a_page_that_navigates_away_is_said_so_and_what_it_cut_off_is_cancelled() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let site = TestServer::start(vec![
        (
            "/",
            Route::html(
                "<script>fetch('/hang'); setTimeout(() => location = '/next', 100)</script>",
            ),
        ),
        ("/hang", Route::html("").action(support::Action::Hang)),
        ("/next", Route::html("<h1>next</h1>")),
    ]);
    let started = std::time::Instant::now();
    let load = chromium_json(&site.url("/"), &[]);
    let took = started.elapsed();
    assert_eq!(load["partial"], false, "{}", notes(&load));
    assert!(
        took.as_secs() < 8,
        "not held to the cap after load: {took:?}"
    );
    let hang = entry(&load, "/hang");
    assert_eq!(hang["error"]["kind"], "aborted");
    assert_eq!(
        hang["error"]["message"],
        "cancelled: the page navigated to another document"
    );
    assert_eq!(entry(&load, "/next")["resource_type"], "document");
    let said = notes(&load);
    let next = site.url("/next");
    assert!(
        said.contains(&format!(
            "the page navigated 1 time after its first document ({next}), ending at {next}"
        )),
        "{said}"
    );
}

/// A chain of 30 script redirects and a page that reloads itself for ever: each document
/// is in the load, and the note counts the navigations, names the first and the last,
/// and counts the reloads.
#[test]
fn script_redirect_chains_and_reload_loops_are_counted_in_a_note() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let hops: Vec<(String, Route)> = (0..30)
        .map(|i| {
            let html = format!("<script>location.replace('/r/{}')</script>", i + 1);
            (format!("/r/{i}"), Route::html(&html))
        })
        .chain([("/r/30".to_string(), Route::html("<h1>the end</h1>"))])
        .collect();
    let site = TestServer::start(hops.iter().map(|(p, r)| (p.as_str(), r.clone())).collect());
    let load = chromium_json(&site.url("/r/0"), &[]);
    let documents = entries(&load)
        .iter()
        .filter(|e| e["resource_type"] == "document")
        .count();
    assert_eq!(documents, 31);
    let said = notes(&load);
    let (first, last) = (site.url("/r/1"), site.url("/r/30"));
    assert!(
        said.contains(&format!(
            "navigated 30 times after its first document ({first} -> "
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!(" -> … -> {last}), ending at {last}")),
        "{said}"
    );

    let reload = TestServer::start(vec![(
        "/",
        Route::html("<script>setTimeout(() => location.reload(), 100)</script>"),
    )]);
    let load = chromium_json(&reload.url("/"), &["--audit-timeout", "3s"]);
    assert_eq!(load["partial"], true, "cut at the time limit");
    let said = notes(&load);
    let n = said
        .split("the page navigated ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(n >= 3, "{said}");
    assert!(
        said.contains(&format!("{n} of them reloading the same URL")),
        "{said}"
    );
}

/// Popups are blocked as a visitor's browser blocks those they did not ask for, and
/// downloads refused (no file saved); a note lists each with its URL, so a page that
/// tries 30 popups does not pass for one that opens none.
#[test]
fn popups_and_downloads_are_listed_in_notes_and_load_nothing() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let page = "<!doctype html><h1>pop</h1><script>\
                for (let i = 0; i < 30; i++) window.open('/popup?' + i);\
                </script><iframe src=/file></iframe>\
                <a id=a href=/saved download>x</a>\
                <script>document.getElementById('a').click()</script>";
    let file = Route::ok("application/octet-stream", vec![b'x'; 3_000_000])
        .header("Content-Disposition", "attachment; filename=\"f.bin\"");
    let site = TestServer::start(vec![
        ("/", Route::html(page)),
        ("/popup", Route::html("<img src=/popup-image>")),
        ("/file", file.clone()),
        ("/saved", file),
    ]);
    let home = tempfile::tempdir().unwrap();
    let url = site.url("/");
    let args = [
        "audit", &url, "--engine", "chromium", "--format", "json", "-q",
    ];
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .args(args)
        .env("HOME", home.path())
        .env("XDG_DOWNLOAD_DIR", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let load: Value = serde_json::from_slice(&out.stdout).unwrap();
    let said = notes(&load);
    let popup = |i: usize| site.url(&format!("/popup?{i}"));
    let listed = format!(
        "the page tried to open 30 popup windows ({}, {}, {}, {}, and 26 more): blocked",
        popup(0),
        popup(1),
        popup(2),
        popup(3)
    );
    assert!(said.contains(&listed), "{said}");
    // Which download the browser announces first is a race: either order.
    let note = (said.lines())
        .find(|l| l.starts_with("the page started 2 downloads ("))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        note.ends_with(
            "): refused (pagecost saves no file a page sends): their bytes are not in this load"
        ),
        "{note}"
    );
    for file in ["/file", "/saved"] {
        assert!(note.contains(&site.url(file)), "{note}");
    }
    let asked = site.paths();
    assert!(
        !asked.iter().any(|p| p.starts_with("/popup")),
        "no popup loaded: {asked:?}"
    );
    let total: u64 = load["totals"]["transfer_bytes"].as_u64().unwrap();
    assert!(total < 3_000_000, "no download's bytes: {total}");
    // (Chromium keeps its crash reporter's settings under HOME: not a download.)
    let saved: Vec<_> = (walk(home.path()).into_iter())
        .filter(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.len() >= 3_000_000) || p.ends_with("f.bin")
        })
        .collect();
    assert!(saved.is_empty(), "no file saved: {saved:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(walk(&p));
        } else {
            found.push(p);
        }
    }
    found
}

/// On a terminal, the browser engine's progress counts the requests that ended (it showed
/// "0/37 requests" for a whole load), through script(1)'s pseudo-terminal.
#[cfg(target_os = "linux")]
#[test]
fn the_browser_progress_counts_requests_as_they_end() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let images: String = (0..6).map(|i| format!("<img src=/i{i}.png>")).collect();
    let png = Route::ok("image/png", vec![1u8; 10]).delayed(std::time::Duration::from_millis(200));
    let routes: Vec<(String, Route)> = (0..6)
        .map(|i| (format!("/i{i}.png"), png.clone()))
        .chain([("/".to_string(), Route::html(&images))])
        .collect();
    let site = TestServer::start(
        routes
            .iter()
            .map(|(p, r)| (p.as_str(), r.clone()))
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("pagecost");
    let report = dir.path().join("out.txt");
    let cmd = format!(
        "{} audit {} --engine chromium -o {}",
        bin.display(),
        site.url("/"),
        report.display()
    );
    let tty = support::on_a_terminal(&cmd);
    let counted = tty.split(['\r', '\n']).any(|l| {
        l.split_whitespace()
            .find_map(|w| w.split_once('/'))
            .and_then(|(done, _)| done.parse::<u32>().ok())
            .is_some_and(|done| done >= 1)
            && l.contains(" requests")
    });
    assert!(counted, "requests counted as they end: {tty:?}");
}

/// A chunked response counts alike in both engines: its head as header bytes, its body with
/// the chunk framing as body bytes (as Chromium counts it), the content as decoded bytes.
#[test]
fn a_chunked_body_counts_the_same_in_both_engines() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/javascript\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    let mut raw = head.as_bytes().to_vec();
    let part = format!("/*{}*/\n", "x".repeat(1000));
    for _ in 0..10 {
        raw.extend(format!("{:x}\r\n{part}\r\n", part.len()).bytes());
    }
    raw.extend(b"0\r\n\r\n");
    let site = TestServer::start(vec![
        ("/", Route::html("<script src=/c.js></script>")),
        (
            "/c.js",
            Route::html("").action(support::Action::Raw(raw.clone())),
        ),
    ]);
    let counts = |engine: &str| {
        let load = support::audit_json(&[&site.url("/"), "--engine", engine]);
        let e = entry(&load, "/c.js").clone();
        let n = |k: &str| e[k].as_u64().unwrap();
        (
            n("transfer_bytes"),
            n("header_bytes"),
            n("body_bytes"),
            n("decoded_bytes"),
        )
    };
    let expected = (
        raw.len() as u64,
        head.len() as u64,
        (raw.len() - head.len()) as u64,
        10 * part.len() as u64,
    );
    assert_eq!(counts("static"), expected, "static");
    assert_eq!(counts("chromium"), expected, "chromium");
}

/// The tags of a load, as `(tag URL, requests)`, sorted.
fn tags_of(load: &Value) -> Vec<(String, u64)> {
    let mut tags: Vec<(String, u64)> = (load["third_party_tags"].as_array().unwrap().iter())
        .map(|t| {
            (
                t["url"].as_str().unwrap().into(),
                t["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    tags.sort();
    tags
}

/// pagecost's own HAR of a page rewritten in another producer's form of the initiator
/// (written from each producer's format): `devtools` (Chrome DevTools' `_initiator` object, a
/// script's caller only in its stack), `webpagetest` (the URL as `_initiator`, 0-based
/// `_initiator_line`), `chrome-har` (`_initiator_detail` as a JSON string beside 1-based
/// flattened fields); pagecost's own record (`_pagecost`) removed.
fn in_producers_form(har: &Value, producer: &str) -> Value {
    let mut har = har.clone();
    har["log"]["creator"] = serde_json::json!({"name": producer, "version": "1"});
    for e in har["log"]["entries"].as_array_mut().unwrap() {
        let o = e.as_object_mut().unwrap();
        o.remove("_pagecost");
        let i = o.remove("_initiator").unwrap_or(Value::Null);
        let (kind, url, line) = (i["type"].clone(), i["url"].clone(), i["lineNumber"].clone());
        let devtools = match kind.as_str() {
            Some("script") => serde_json::json!({"type": "script", "stack": {"callFrames": [
                {"functionName": "", "scriptId": "1", "url": url, "lineNumber": line, "columnNumber": 0}
            ]}}),
            _ => i.clone(),
        };
        let line_1 = line.as_u64().map_or(Value::Null, |l| (l + 1).into());
        let fields: Vec<(&str, Value)> = match producer {
            "devtools" => vec![("_initiator", devtools)],
            "webpagetest" => vec![
                ("_initiator", url.as_str().unwrap_or("").into()),
                (
                    "_initiator_line",
                    line.as_u64().map_or("".into(), Value::from),
                ),
                ("_initiator_column", "".into()),
            ],
            _ => vec![
                ("_initiator", url.clone()),
                ("_initiator_line", line_1),
                ("_initiator_type", kind.clone()),
                ("_initiator_detail", devtools.to_string().into()),
            ],
        };
        for (k, v) in fields {
            o.insert(k.into(), v);
        }
    }
    har
}

/// A page with an ad chain (the cascade's tag, library, bid, pixels and cross-site creative)
/// recorded by pagecost, then as DevTools, WebPageTest and chrome-har write their HARs: each
/// import gives the same tags, with the same requests each, as the live load.
#[test]
fn hars_in_each_producers_initiator_form_give_the_same_tags() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let har_path = dir.path().join("page.har");
    let adnet = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cascade-3p/adnet");
    let also = [
        format!("securepubads.g.doubleclick.net={adnet}"),
        format!("tpc.googlesyndication.com={adnet}"),
    ];
    let page = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cascade-3p/");
    let out = har_path.to_str().unwrap();
    let (code, _, err) = pagecost(&[
        "audit",
        page,
        "--engine",
        "chromium",
        "-q",
        "--serve-also",
        &also[0],
        "--serve-also",
        &also[1],
        "--format",
        "har",
        "-o",
        out,
    ]);
    assert_eq!(code, 0, "{err}");
    let har: Value = serde_json::from_str(&std::fs::read_to_string(&har_path).unwrap()).unwrap();
    let (code, own, err) = pagecost(&["audit", out, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let expected = tags_of(&serde_json::from_str(&own).unwrap());
    assert_eq!(expected.len(), 1, "{expected:?}");
    assert_eq!(expected[0].1, 8, "the cascade is one tag: {expected:?}");
    for producer in ["devtools", "webpagetest", "chrome-har"] {
        let path = dir.path().join(format!("{producer}.har"));
        std::fs::write(&path, in_producers_form(&har, producer).to_string()).unwrap();
        let (code, out, err) = pagecost(&["audit", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(code, 0, "{producer}: {err}");
        let load: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(tags_of(&load), expected, "{producer}");
    }
}

/// A script whose one big function never runs, and a stylesheet whose rules but one never
/// match: each is said unused, by share and by bytes (the function's own).
#[test]
fn code_never_run_and_rules_never_matched_are_unused() {
    let Some(_one) = support::browser_test() else {
        return;
    };
    // 200 characters run at load; a function of about 4,000 never called.
    let body: String = (0..100)
        .map(|i| format!("  total += {i} * Math.sqrt({i});\n"))
        .collect();
    let app = format!(
        "function used() {{ document.title = 'used'; }}\nused();\n\
         function neverCalled() {{\n  var total = 0;\n{body}  return total;\n}}\n"
    );
    let rules: String = (0..100)
        .map(|i| format!(".never-{i} {{ color: red; }}\n"))
        .collect();
    let css = format!("body {{ margin: 0; }}\n{rules}");
    let page = "<!doctype html><link rel=stylesheet href=/s.css><script src=/app.js></script><p>x";
    let server = TestServer::start(vec![
        ("/", Route::ok("text/html", page.as_bytes().to_vec())),
        (
            "/app.js",
            Route::ok("text/javascript", app.clone().into_bytes()),
        ),
        ("/s.css", Route::ok("text/css", css.clone().into_bytes())),
    ]);
    let load = chromium_json(&server.url("/"), &[]);
    let unused = load["unused_code"]
        .as_array()
        .unwrap_or_else(|| panic!("{load:#}"));
    let of = |path: &str| {
        (unused.iter())
            .find(|u| u["url"].as_str().unwrap().ends_with(path))
            .unwrap_or_else(|| panic!("{path}: {unused:#?}"))
    };
    let (js, sheet) = (of("/app.js"), of("/s.css"));
    assert_eq!(js["kind"], "script");
    let share = js["unused_share"].as_f64().unwrap();
    assert!((0.9..1.0).contains(&share), "{js:#}");
    assert_eq!(js["decoded_bytes"].as_u64().unwrap(), app.len() as u64);
    let unused_bytes = js["unused_bytes"].as_u64().unwrap();
    let never = app.find("function neverCalled").unwrap();
    let expected = (app.len() - never) as f64;
    assert!(
        (unused_bytes as f64 - expected).abs() < 0.05 * expected,
        "{js:#} vs {expected}"
    );
    assert_eq!(sheet["kind"], "stylesheet");
    let share = sheet["unused_share"].as_f64().unwrap();
    assert!((0.9..1.0).contains(&share), "only body matched: {sheet:#}");
}
