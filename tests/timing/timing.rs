//! Connections, phases and bytes: what a browser's network panel would show.

use crate::support;

use std::io::Write as _;
use std::time::Duration;
use support::{audit_json, entries, entry, tls, Route, TestServer};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0123456789abcdef0123456789abcdef";

fn twelve_images() -> Vec<(String, Route)> {
    let mut page = String::new();
    let mut routes = vec![];
    for i in 0..12 {
        page.push_str(&format!("<img src=/img{i}.png>"));
        routes.push((
            format!("/img{i}.png"),
            Route::ok("image/png", PNG).delayed(Duration::from_millis(100)),
        ));
    }
    routes.insert(0, ("/".to_string(), Route::html(&page)));
    routes
}

fn as_refs(r: &[(String, Route)]) -> Vec<(&str, Route)> {
    r.iter().map(|(p, r)| (p.as_str(), r.clone())).collect()
}

#[test]
fn twelve_http1_resources_open_exactly_six_connections_and_the_rest_wait_blocked() {
    let routes = twelve_images();
    let s = TestServer::start(as_refs(&routes));
    let load = audit_json(&[&s.url("/")]);
    let conns = load["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 6, "{conns:#?}");
    assert!(conns.iter().all(|c| c["protocol"] == "HTTP/1.1"));
    let served: u64 = conns.iter().map(|c| c["requests"].as_u64().unwrap()).sum();
    assert_eq!(served, 13);
    let imgs: Vec<&serde_json::Value> = entries(&load)
        .iter()
        .filter(|e| e["resource_type"] == "image")
        .collect();
    let waited = imgs
        .iter()
        .filter(|e| e["timings_ms"]["blocked_ms"].as_f64().unwrap() >= 90.0)
        .count();
    assert_eq!(waited, 6, "six wait for a free connection (100 ms each)");
    // Those six reuse a connection: no dns, no connect.
    for e in imgs
        .iter()
        .filter(|e| e["timings_ms"]["blocked_ms"].as_f64().unwrap() >= 90.0)
    {
        assert_eq!(e["connection_reused"], true);
        assert!(e["timings_ms"]["dns_ms"].is_null());
        assert!(e["timings_ms"]["connect_ms"].is_null());
    }
}

#[test]
fn phases_add_up_to_the_duration_and_wait_holds_the_server_delay() {
    let s = TestServer::start(vec![
        ("/", Route::html("<img src=/slow.png>")),
        (
            "/slow.png",
            Route::ok("image/png", PNG).delayed(Duration::from_millis(200)),
        ),
    ]);
    let load = audit_json(&[&s.url("/")]);
    for e in entries(&load) {
        let t = &e["timings_ms"];
        let sum: f64 = [
            "blocked_ms",
            "dns_ms",
            "connect_ms",
            "send_ms",
            "wait_ms",
            "receive_ms",
        ]
        .iter()
        .filter_map(|k| t[*k].as_f64())
        .sum();
        let d = e["duration_ms"].as_f64().unwrap();
        assert!(
            (sum - d).abs() < 0.01,
            "phases {sum} != duration {d} for {}",
            e["url"]
        );
    }
    let w = entry(&load, "/slow.png")["timings_ms"]["wait_ms"]
        .as_f64()
        .unwrap();
    assert!((200.0..1000.0).contains(&w), "wait {w}");
    // The page's own connection was opened for it: connect is measured, dns did not happen.
    let doc = &entries(&load)[0];
    assert!(doc["timings_ms"]["connect_ms"].as_f64().unwrap() >= 0.0);
    assert!(
        doc["timings_ms"]["dns_ms"].is_null(),
        "an IP address needs no lookup"
    );
}

#[test]
fn an_http2_tls_origin_uses_one_connection_for_everything() {
    let routes = twelve_images();
    let s = tls::start(as_refs(&routes), true, false);
    let load = audit_json(&[&s.url("/"), "--insecure"]);
    assert_eq!(s.connections(), 1, "the server accepted one TCP connection");
    let conns = load["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0]["protocol"], "HTTP/2");
    assert!(conns[0]["ssl_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(conns[0]["requests"], 13);
    assert!(entries(&load)
        .iter()
        .all(|e| e["http_version"] == "HTTP/2" && e["status"] == 200));
    // Multiplexed: no image waited for another (all twelve were in flight together).
    let blocked_max = entries(&load)
        .iter()
        .skip(1)
        .map(|e| e["timings_ms"]["blocked_ms"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(blocked_max < 90.0, "blocked {blocked_max}");
}

#[test]
fn an_http1_tls_origin_pays_dns_connect_and_ssl_once_per_connection() {
    let s = tls::start(
        vec![
            ("/", Route::html("<img src=/a.png>")),
            ("/a.png", Route::ok("image/png", PNG)),
        ],
        false,
        false,
    );
    let load = audit_json(&[&s.url("/"), "--insecure"]);
    let doc = &entries(&load)[0];
    assert_eq!(doc["http_version"], "HTTP/1.1");
    let t = &doc["timings_ms"];
    assert!(t["dns_ms"].as_f64().is_some(), "localhost is looked up");
    assert!(t["ssl_ms"].as_f64().unwrap() > 0.0);
    assert!(
        t["connect_ms"].as_f64().unwrap() >= t["ssl_ms"].as_f64().unwrap(),
        "ssl is inside connect"
    );
    let a = entry(&load, "/a.png");
    assert_eq!(a["connection_reused"], true);
    assert!(a["timings_ms"]["ssl_ms"].is_null());
}

#[test]
fn a_self_signed_certificate_fails_without_insecure() {
    let s = tls::start(vec![("/", Route::html("hi"))], true, false);
    let (code, _, err) = support::pagecost(&["audit", &s.url("/")]);
    assert_eq!(code, 2);
    assert!(err.contains("tls"), "{err}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
    w.write_all(data).unwrap();
    drop(w);
    out
}

#[test]
fn gzip_and_brotli_bodies_count_wire_and_decoded_bytes_exactly() {
    let css = "p { color: #123456; margin: 0 }\n".repeat(400);
    let js = "console.log('pagecost');\n".repeat(400);
    let (gz, br) = (gzip(css.as_bytes()), brotli(js.as_bytes()));
    let s = TestServer::start(vec![
        (
            "/",
            Route::html("<link rel=stylesheet href=/s.css><script src=/a.js></script>"),
        ),
        (
            "/s.css",
            Route::ok("text/css", gz.clone()).header("Content-Encoding", "gzip"),
        ),
        (
            "/a.js",
            Route::ok("text/javascript", br.clone()).header("Content-Encoding", "br"),
        ),
    ]);
    let load = audit_json(&[&s.url("/")]);
    for (path, wire, plain) in [
        ("/s.css", gz.len(), css.len()),
        ("/a.js", br.len(), js.len()),
    ] {
        let e = entry(&load, path);
        assert_eq!(e["body_bytes"], wire, "{path}");
        assert_eq!(e["decoded_bytes"], plain, "{path}");
        let transfer = e["transfer_bytes"].as_u64().unwrap();
        assert_eq!(transfer, wire as u64 + e["header_bytes"].as_u64().unwrap());
        assert!(transfer < plain as u64);
    }
}

#[test]
fn a_body_that_lies_about_its_encoding_is_a_decode_error_entry() {
    let s = TestServer::start(vec![
        (
            "/",
            Route::html("<script src=/bad.js></script><img src=/ok.png>"),
        ),
        (
            "/bad.js",
            Route::ok("text/javascript", "plain text, not gzip").header("Content-Encoding", "gzip"),
        ),
        ("/ok.png", Route::ok("image/png", PNG)),
    ]);
    let load = audit_json(&[&s.url("/")]);
    assert_eq!(entry(&load, "/bad.js")["error"]["kind"], "decode");
    assert_eq!(entry(&load, "/ok.png")["status"], 200);
}
