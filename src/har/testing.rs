//! Loads for unit tests, made the way a user would: imported from a HAR.

use crate::model::Load;

/// A load of `n` same-origin requests of 10 bytes, each taking `ms`.
pub(crate) fn load_of(n: usize, ms: f64) -> Load {
    let entry = |i: usize| {
        format!(
            r#"{{"startedDateTime": "2026-01-10T10:00:00.000Z", "time": {ms},
            "request": {{"method": "GET", "url": "https://a.example/{i}", "headers": []}},
            "response": {{"status": 200, "headers": [], "content": {{"size": 10, "mimeType": "text/html"}},
            "bodySize": 10, "headersSize": 20}},
            "timings": {{"send": 0, "wait": {ms}, "receive": 0}}}}"#
        )
    };
    let entries: Vec<String> = (0..n).map(entry).collect();
    let har = format!(r#"{{"log": {{"entries": [{}]}}}}"#, entries.join(","));
    crate::har::import(&har, "t.har", None).unwrap()
}

/// A load of one request per `(path, bytes on the wire)`, on https://a.example (a path
/// that is a whole URL stays as it is); a path ending in `/` is an HTML page, the rest
/// images.
pub(crate) fn load_sized(requests: &[(&str, u64)]) -> Load {
    let entry = |(path, bytes): &(&str, u64)| {
        let url = match path.starts_with("http") {
            true => path.to_string(),
            false => format!("https://a.example{path}"),
        };
        let mime = if path.ends_with('/') {
            "text/html"
        } else {
            "image/png"
        };
        format!(
            r#"{{"startedDateTime": "2026-01-10T10:00:00.000Z", "time": 5,
            "request": {{"method": "GET", "url": "{url}", "headers": []}},
            "response": {{"status": 200, "headers": [], "content": {{"size": {bytes}, "mimeType": "{mime}"}},
            "bodySize": {bytes}}}, "_transferSize": {bytes},
            "timings": {{"send": 0, "wait": 5, "receive": 0}}}}"#
        )
    };
    let entries: Vec<String> = requests.iter().map(entry).collect();
    let har = format!(r#"{{"log": {{"entries": [{}]}}}}"#, entries.join(","));
    crate::har::import(&har, "t.har", None).unwrap()
}
