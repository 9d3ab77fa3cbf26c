//! `links --check`: request each link (HEAD, then GET when HEAD fails), follow redirects
//! hop by hop, retry connection errors and 429/500/502/503/504 with exponential backoff
//! (honouring `Retry-After`, capped), concurrently under a per-host limit.

use crate::error::{Error, Result, Setting};
use crate::links::{CheckOutcome as Outcome, CheckResult, Link};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use url::Url;

/// Default retries after the first attempt.
pub const DEFAULT_RETRIES: u32 = 2;
/// Default base delay: the n-th retry waits `backoff * 2^(n-1)`.
pub const DEFAULT_BACKOFF: Duration = Duration::from_secs(1);
/// Longest wait before a retry (also caps `Retry-After`).
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How links are checked.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// Timeout per request.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// Base delay of the exponential backoff.
    pub backoff: Duration,
    /// Cap on any single wait.
    pub max_backoff: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests in flight at once per host.
    pub per_host: usize,
    /// Redirect hops followed.
    pub max_redirects: u32,
    /// User-Agent.
    pub user_agent: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Accept invalid certificates.
    pub insecure: bool,
    /// Host name overrides.
    pub resolve: Vec<crate::config::ResolveOverride>,
}

fn client(cfg: &CheckConfig) -> Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut headers = reqwest::header::HeaderMap::new();
    for (n, v) in &cfg.headers {
        let bad = |reason: String| Error::setting(Setting::Header, format!("{n}: {v}"), reason);
        headers.append(
            reqwest::header::HeaderName::from_bytes(n.as_bytes())
                .map_err(|e| bad(e.to_string()))?,
            reqwest::header::HeaderValue::from_str(v).map_err(|e| bad(e.to_string()))?,
        );
    }
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(cfg.timeout)
        .user_agent(cfg.user_agent.clone())
        .default_headers(headers)
        .danger_accept_invalid_certs(cfg.insecure)
        .pool_max_idle_per_host(cfg.per_host)
        .no_proxy();
    for r in &cfg.resolve {
        b = b.resolve(&r.host, r.socket_addr());
    }
    b.build().map_err(|e| Error::Client(e.to_string()))
}

/// Checks links concurrently; results come back in the links' order.
pub async fn check_all(links: &[Link], cfg: &CheckConfig) -> Result<Vec<CheckResult>> {
    let http = client(cfg)?;
    let global = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
    let hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>> = Arc::default();
    let mut set = tokio::task::JoinSet::new();
    for (i, l) in links.iter().enumerate() {
        let (http, global, hosts, cfg) = (
            http.clone(),
            Arc::clone(&global),
            Arc::clone(&hosts),
            cfg.clone(),
        );
        let link = l.clone();
        set.spawn(async move {
            let t = Instant::now();
            let host = link
                .url
                .as_deref()
                .and_then(|u| Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_string));
            let sem = host.map(|h| {
                let mut m = hosts.lock().unwrap_or_else(|p| p.into_inner());
                Arc::clone(
                    m.entry(h)
                        .or_insert_with(|| Arc::new(Semaphore::new(cfg.per_host.max(1)))),
                )
            });
            let _h = match &sem {
                Some(s) => Some(Arc::clone(s).acquire_owned().await.expect("never closed")),
                None => None,
            };
            let _g = global.acquire_owned().await.expect("never closed");
            let mut r = check_one(&http, &link, &cfg).await;
            r.time_ms = (t.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
            (i, r)
        });
    }
    let mut out: Vec<Option<CheckResult>> = vec![None; links.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, r)) = joined {
            out[i] = Some(r);
        }
    }
    Ok(out
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                broken(
                    links[i].url_or_raw(),
                    "internal error: the check did not finish",
                )
            })
        })
        .collect())
}

fn broken(url: &str, why: &str) -> CheckResult {
    CheckResult {
        url: url.to_string(),
        outcome: Outcome::Broken,
        status: None,
        final_url: None,
        redirects: 0,
        method: "HEAD".into(),
        attempts: 0,
        time_ms: 0.0,
        error: Some(why.to_string()),
    }
}

async fn check_one(http: &reqwest::Client, link: &Link, cfg: &CheckConfig) -> CheckResult {
    let Some(url) = link.url.as_deref().and_then(|u| Url::parse(u).ok()) else {
        return broken(&link.raw, "invalid URL");
    };
    match url.scheme() {
        "http" | "https" => {}
        "file" => return check_file(&url),
        _ => {
            let mut r = broken(url.as_str(), "");
            r.outcome = Outcome::Skipped;
            r.error = None;
            return r;
        }
    }
    let mut attempts = 0;
    let mut last = broken(url.as_str(), "not checked");
    for attempt in 0..=cfg.retries {
        attempts += 1;
        let (r, retry_after) = follow(http, &url, cfg).await;
        last = r;
        last.attempts = attempts;
        let transient = match last.status {
            Some(s) => transient_status(s),
            None => last.outcome == Outcome::Broken,
        };
        if !transient || attempt == cfg.retries {
            break;
        }
        let backoff = cfg.backoff.saturating_mul(2u32.saturating_pow(attempt));
        let wait = retry_after.unwrap_or(backoff).min(cfg.max_backoff);
        tokio::time::sleep(wait).await;
    }
    last
}

/// Follows one URL's redirects; returns the result and a `Retry-After` to honour.
/// A status worth retrying after a wait: rate limited, or a server error that passes.
fn transient_status(s: u16) -> bool {
    matches!(s, 429 | 500 | 502 | 503 | 504)
}

async fn follow(
    http: &reqwest::Client,
    start: &Url,
    cfg: &CheckConfig,
) -> (CheckResult, Option<Duration>) {
    let mut url = start.clone();
    let mut r = broken(start.as_str(), "");
    r.error = None;
    let mut chain = vec![url.clone()];
    loop {
        let (method, resp) = head_or_get(http, &url).await;
        r.method = method.to_string();
        let resp = match resp {
            Ok(x) => x,
            Err(e) => return (broke(r, describe(&e, cfg)), None),
        };
        let status = resp.status().as_u16();
        r.status = Some(status);
        if (300..400).contains(&status) && status != 304 {
            match next_hop(&url, &resp, &chain, r.redirects, cfg) {
                Ok(next) => {
                    r.redirects += 1;
                    r.final_url = Some(next.to_string());
                    chain.push(next.clone());
                    url = next;
                    continue;
                }
                Err(why) => return (broke(r, why), None),
            }
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        r.outcome = match status {
            200..=299 if r.redirects > 0 => Outcome::Redirected,
            200..=299 => Outcome::Ok,
            _ => Outcome::Broken,
        };
        if r.outcome == Outcome::Broken {
            r.error = Some(format!("HTTP {status}"));
        }
        return (r, retry_after);
    }
}

/// One request for a link: HEAD, asked again with GET when HEAD fails. Many servers refuse
/// HEAD (403, 404, 405, 501 ...) and answer GET, as lychee also assumes; a transient failure
/// (429, 503 ..., a timeout, no connection) is not asked again here but retried as it is
/// after a backoff.
async fn head_or_get(
    http: &reqwest::Client,
    url: &Url,
) -> (reqwest::Method, reqwest::Result<reqwest::Response>) {
    let resp = http.head(url.as_str()).send().await;
    let refused = match &resp {
        Ok(x) => x.status().as_u16() >= 400 && !transient_status(x.status().as_u16()),
        Err(e) => !e.is_timeout() && !e.is_connect(),
    };
    if refused {
        (reqwest::Method::GET, http.get(url.as_str()).send().await)
    } else {
        (reqwest::Method::HEAD, resp)
    }
}

/// Where a redirect leads, or why it breaks the link: no or an unparseable Location, a loop
/// back to a URL already visited, one hop too many.
fn next_hop(
    url: &Url,
    resp: &reqwest::Response,
    chain: &[Url],
    redirects: u32,
    cfg: &CheckConfig,
) -> std::result::Result<Url, String> {
    let status = resp.status().as_u16();
    let loc = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("{status} without a Location"))?;
    let next = url
        .join(loc.trim())
        .map_err(|_| format!("unparseable Location {loc:?}"))?;
    if chain.contains(&next) {
        return Err(format!("redirect loop back to {next}"));
    }
    if redirects >= cfg.max_redirects {
        return Err(format!("more than {} redirects", cfg.max_redirects));
    }
    Ok(next)
}

/// The check's result, marked broken for this reason.
fn broke(mut r: CheckResult, why: String) -> CheckResult {
    r.outcome = Outcome::Broken;
    r.error = Some(why);
    r
}

fn describe(e: &reqwest::Error, cfg: &CheckConfig) -> String {
    if e.is_timeout() {
        return format!("timeout: no answer within {:?}", cfg.timeout);
    }
    let mut parts = vec![];
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    let kind = if e.is_connect() { "connect" } else { "request" };
    format!(
        "{kind}: {}",
        parts.last().cloned().unwrap_or_else(|| e.to_string())
    )
}

/// `Retry-After`: seconds, or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate_to_unix(v.trim())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(when.saturating_sub(now)))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds.
fn httpdate_to_unix(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, mon, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| x == mon)? as i64 + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [h, mi, se] = hms.as_slice() else {
        return None;
    };
    let days = crate::model::dates::days_from_civil(y, m, d);
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + se).ok()
}

fn check_file(url: &Url) -> CheckResult {
    let mut r = broken(url.as_str(), "");
    r.error = None;
    r.method = "GET".into();
    r.attempts = 1;
    match url.to_file_path() {
        Ok(p) if p.is_file() || p.join("index.html").is_file() => {
            r.outcome = Outcome::Ok;
            r.status = Some(200);
        }
        Ok(p) => {
            r.outcome = Outcome::Broken;
            r.status = Some(404);
            r.error = Some(format!("{}: no such file", p.display()));
        }
        Err(()) => {
            r.outcome = Outcome::Broken;
            r.error = Some("not a local file path".into());
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            httpdate_to_unix("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
