//! How an audit runs. Defaults are defined here once; the CLI's help cites these constants.

pub mod block;
pub(crate) mod textfile;
pub mod units;

use crate::error::{Error, Result, Setting};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Most requests in flight at once, over all origins.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Most requests in flight at once to one origin: what a browser allows over HTTP/1.1.
pub const DEFAULT_PER_ORIGIN: usize = 6;
/// Per-request timeout, from issuing the request to its last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Timeout for setting up one connection (DNS, TCP, TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time limit for the whole audit; what has not finished by then is reported as aborted.
pub const DEFAULT_MAX_TIME: Duration = Duration::from_secs(300);
/// Largest response body read (as received, encoded). Past it the request is `too_large`.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 200 * 1024 * 1024;
/// Largest decoded body (a gzip bomb stops here with `too_large`).
pub const DEFAULT_MAX_DECODED_BYTES: u64 = 100 * 1024 * 1024;
/// Most of an HTML or CSS body kept for parsing; the rest is counted but not parsed.
pub const DEFAULT_MAX_PARSE_BYTES: usize = 16 * 1024 * 1024;
/// Redirect hops followed before a chain is an error (browsers stop at 20 too).
pub const DEFAULT_MAX_REDIRECTS: u32 = 20;
/// Deepest iframe nesting loaded (the page is depth 0).
pub const DEFAULT_MAX_FRAME_DEPTH: u32 = 3;
/// Most references taken from one document or stylesheet; the rest are counted as skipped.
pub const DEFAULT_MAX_REFS_PER_DOC: usize = 10_000;
/// Most nested `@import` levels followed.
pub const DEFAULT_MAX_IMPORT_DEPTH: u32 = 8;
/// The User-Agent sent by default: a current desktop Chrome, so servers answer as they
/// would to a browser, with the tool named at the end.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ",
    "Chrome/156.0.0.0 Safari/537.36 pagecost/",
    env!("CARGO_PKG_VERSION")
);

/// A host name pinned to an address, as curl's `--resolve HOST:PORT:ADDR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    /// Host name as it appears in URLs (lowercase).
    pub host: String,
    /// Port the override is meant for (informative: the URL's own port is used to connect).
    pub port: u16,
    /// Address to connect to.
    pub addr: IpAddr,
}

impl ResolveOverride {
    /// Parses `HOST:PORT:ADDR` (ADDR may be an IPv6 address, with or without brackets).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |reason: &str| Error::setting(Setting::Resolve, s, reason);
        let mut parts = s.splitn(3, ':');
        let host = parts.next().filter(|h| !h.is_empty());
        let port = parts.next();
        let addr = parts.next();
        let (Some(host), Some(port), Some(addr)) = (host, port, addr) else {
            return Err(bad("expected HOST:PORT:ADDR"));
        };
        let port: u16 = port
            .parse()
            .map_err(|_| bad("PORT is not a number 0-65535"))?;
        let addr = addr.trim_start_matches('[').trim_end_matches(']');
        let addr: IpAddr = addr.parse().map_err(|_| bad("ADDR is not an IP address"))?;
        Ok(ResolveOverride {
            host: url_host(host).map_err(|_| bad("HOST is not a valid host name"))?,
            port,
            addr,
        })
    }

    /// The socket address to hand to the HTTP client.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.addr, self.port)
    }
}

/// A host name as URLs carry it: lowercase, and a Unicode name in its ASCII (punycode) form,
/// so that `--resolve bücher.test:...` applies to `http://bücher.test/` (whose host is
/// `xn--bcher-kva.test`).
pub fn url_host(host: &str) -> std::result::Result<String, url::ParseError> {
    url::Host::parse(host).map(|h| h.to_string())
}

/// Parses a request header as `Name: value`.
pub fn parse_header(h: &str) -> Result<(String, String)> {
    let (name, value) = h
        .split_once(':')
        .ok_or_else(|| Error::setting(Setting::Header, h, "expected \"Name: value\""))?;
    Ok((name.trim().into(), value.trim().into()))
}

/// Everything that shapes an audit. Build with [`AuditConfig::default`] and adjust.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// Most requests in flight at once.
    pub concurrency: usize,
    /// Most requests in flight at once to one origin.
    pub per_origin: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Connection set-up timeout.
    pub connect_timeout: Duration,
    /// Time limit for the whole audit.
    pub max_time: Duration,
    /// User-Agent header.
    pub user_agent: String,
    /// Extra request headers (name, value), sent with every request.
    pub headers: Vec<(String, String)>,
    /// Keep secret header values (cookies, authorization, API keys, the added headers) in
    /// the load; by default they are redacted (`model::secrets`).
    pub keep_secrets: bool,
    /// Accept invalid TLS certificates (self-signed staging servers).
    pub insecure: bool,
    /// Host names pinned to addresses.
    pub resolve: Vec<ResolveOverride>,
    /// Largest body read, encoded.
    pub max_body_bytes: u64,
    /// Largest body after decoding.
    pub max_decoded_bytes: u64,
    /// Most of an HTML or CSS body kept for parsing.
    pub max_parse_bytes: usize,
    /// Redirect hops followed.
    pub max_redirects: u32,
    /// Deepest iframe nesting loaded.
    pub max_frame_depth: u32,
    /// Most references taken from one document or stylesheet.
    pub max_refs_per_doc: usize,
    /// Most nested `@import` levels.
    pub max_import_depth: u32,
    /// Network profile applied while loading.
    pub throttle: Option<crate::model::Profile>,
    /// Hosts that count as first party besides the page's own site (`*.cdn.example`).
    pub first_party: Vec<String>,
    /// Requests to a (host, port) sent to another address, as curl's `--connect-to`.
    pub connect_to: Vec<ConnectTo>,
    /// Requests not made (their references are listed as blocked entries).
    pub block: Vec<crate::config::block::BlockRule>,
    /// Block every third-party request.
    pub block_third_parties: bool,
    /// How the load's bytes become grams of CO2e.
    pub carbon: crate::model::carbon::CarbonModel,
    /// The mobile data price a view is counted at (`--price-country`, `--price-per-gb`);
    /// none: no data cost.
    pub data_price: Option<crate::model::price::DataPrice>,
    /// Say what the page could weigh (`--savings`, [`crate::model::savings`]): the static
    /// engine keeps each uncompressed text body (up to `max_decoded_bytes`) and compresses
    /// it off the load's path.
    pub savings: bool,
    /// The JPEG qualities a JPEG image is re-encoded at with `--savings` (`--quality`).
    pub savings_qualities: Vec<u8>,
    /// Browser engine: pause every request for the block rules even when there are none,
    /// so that both sides of a comparison pay the interception's cost alike.
    pub intercept_all: bool,
    /// Stops a load early (Ctrl-C): what finished is kept, the rest is `aborted`, the load is
    /// marked partial.
    pub cancel: Option<Cancel>,
    /// The key the static engine shows its loopback folder servers (set by the source that
    /// serves them): sent to their origins only, never recorded.
    pub local_key: Option<LocalKey>,
}

/// What opens a loopback folder server to the static engine and to no one else on the
/// machine: a random key, sent in [`LocalKey::HEADER`] to the servers' origins.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalKey {
    /// The origins of the folder servers (`http://127.0.0.1:PORT`, `--serve-also` hosts).
    pub origins: Vec<url::Origin>,
    /// The key.
    pub key: String,
}

impl LocalKey {
    /// The request header that carries it.
    pub const HEADER: &'static str = "x-pagecost-key";
}

/// A cancellation token shared by the caller (the CLI cancels it on a stop) and the engine.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    inner: std::sync::Arc<(std::sync::atomic::AtomicBool, tokio::sync::Notify)>,
}

impl Cancel {
    /// Tells every load using this to stop.
    pub fn cancel(&self) {
        self.inner
            .0
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.1.notify_waiters();
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.1.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// curl's `--connect-to HOST:PORT:ADDR:PORT2`: requests for HOST:PORT go to ADDR:PORT2 (the
/// URL, Host header and TLS name stay HOST).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// Host name as in URLs (lowercase).
    pub host: String,
    /// Port as in URLs (the scheme's default when the URL has none).
    pub port: u16,
    /// Where to connect instead.
    pub to: SocketAddr,
}

impl ConnectTo {
    /// Parses `HOST:PORT:ADDR:PORT2` (ADDR may be a bracketed IPv6 address).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |reason: &str| Error::setting(Setting::ConnectTo, s, reason);
        let (host, rest) = s
            .split_once(':')
            .ok_or_else(|| bad("expected HOST:PORT:ADDR:PORT2"))?;
        let (port, rest) = rest
            .split_once(':')
            .ok_or_else(|| bad("expected HOST:PORT:ADDR:PORT2"))?;
        let (addr, port2) = rest
            .rsplit_once(':')
            .ok_or_else(|| bad("expected HOST:PORT:ADDR:PORT2"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| bad("PORT is not a number 0-65535"))?;
        let port2: u16 = port2
            .parse()
            .map_err(|_| bad("PORT2 is not a number 0-65535"))?;
        let ip: IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| bad("ADDR is not an IP address"))?;
        if host.is_empty() {
            return Err(bad("HOST is empty"));
        }
        Ok(ConnectTo {
            host: url_host(host).map_err(|_| bad("HOST is not a valid host name"))?,
            port,
            to: SocketAddr::new(ip, port2),
        })
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            concurrency: DEFAULT_CONCURRENCY,
            per_origin: DEFAULT_PER_ORIGIN,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_time: DEFAULT_MAX_TIME,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            headers: Vec::new(),
            keep_secrets: false,
            insecure: false,
            resolve: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_decoded_bytes: DEFAULT_MAX_DECODED_BYTES,
            max_parse_bytes: DEFAULT_MAX_PARSE_BYTES,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            max_frame_depth: DEFAULT_MAX_FRAME_DEPTH,
            max_refs_per_doc: DEFAULT_MAX_REFS_PER_DOC,
            max_import_depth: DEFAULT_MAX_IMPORT_DEPTH,
            throttle: None,
            first_party: Vec::new(),
            connect_to: Vec::new(),
            block: Vec::new(),
            block_third_parties: false,
            carbon: Default::default(),
            data_price: None,
            savings: false,
            savings_qualities: vec![85],
            intercept_all: false,
            cancel: None,
            local_key: None,
        }
    }
}

impl AuditConfig {
    /// What stops a request to `url` on a page at `page_host` (`--block` or third-party
    /// blocking), in words; `None` when it may go. Both engines ask this one question.
    pub fn blocked_by(&self, url: &url::Url, page_host: &str) -> Option<String> {
        if self.block.is_empty() && !self.block_third_parties {
            return None;
        }
        let host = url.host_str()?;
        let party = crate::model::party::classify(host, page_host, &self.first_party);
        if self.block_third_parties && !party.first_party {
            return Some("third-party blocking".into());
        }
        self.block
            .iter()
            .find(|r| r.matches(url, &party))
            .map(|r| format!("block pattern {}", r.describe()))
    }

    /// Checks the settings that can be wrong (zero limits).
    pub fn validate(&self) -> Result<()> {
        let zero = |setting| Error::setting(setting, "0", "must be at least 1");
        if self.concurrency == 0 {
            return Err(zero(Setting::Concurrency));
        }
        if self.per_origin == 0 {
            return Err(zero(Setting::PerOrigin));
        }
        if self.timeout.is_zero() {
            return Err(zero(Setting::Timeout));
        }
        let g = self.carbon.grid_intensity;
        if !(g.is_finite() && g >= 0.0) {
            let why = "must be a number of grams of CO2e per kWh, 0 or more";
            return Err(Error::setting(Setting::GridIntensity, g.to_string(), why));
        }
        let price = self.data_price.as_ref().map_or(0.0, |p| p.usd_per_gb);
        if !(price.is_finite() && price >= 0.0) {
            let why = "must be a number of US dollars a gigabyte, 0 or more";
            return Err(Error::setting(Setting::PricePerGb, price.to_string(), why));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_override_parses_curl_syntax() {
        let r = ResolveOverride::parse("Ads.Example.com:8080:127.0.0.1").unwrap();
        assert_eq!(r.host, "ads.example.com");
        assert_eq!(r.socket_addr(), "127.0.0.1:8080".parse().unwrap());
        let r6 = ResolveOverride::parse("x.test:443:[::1]").unwrap();
        assert_eq!(r6.addr, "::1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_unicode_host_is_compared_in_the_punycode_form_urls_carry() {
        let r = ResolveOverride::parse("B\u{fc}cher.test:80:127.0.0.1").unwrap();
        let u = url::Url::parse("http://b\u{fc}cher.test/").unwrap();
        assert_eq!(Some(r.host.as_str()), u.host_str());
        assert_eq!(r.host, "xn--bcher-kva.test");
        let c = ConnectTo::parse("b\u{fc}cher.test:80:127.0.0.1:8080").unwrap();
        assert_eq!(c.host, "xn--bcher-kva.test");
        assert!(ResolveOverride::parse("bad host:80:127.0.0.1").is_err());
    }

    #[test]
    fn resolve_override_rejects_garbage_with_the_reason() {
        let e = ResolveOverride::parse("host:notaport:127.0.0.1").unwrap_err();
        assert!(e.to_string().contains("PORT"), "{e}");
        assert!(ResolveOverride::parse("host:80").is_err());
        assert!(ResolveOverride::parse("host:80:nope").is_err());
    }
}
