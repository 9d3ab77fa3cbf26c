//! Opening one connection, phase by phase (DNS, TCP, TLS with ALPN), and metering what
//! passes over it, so that every figure of a request is measured, not inferred.

use super::throttle::{Throttle, Throttled};
use crate::model::{EntryError, ErrorKind};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Byte counts and the moments a request's phases turn over, for one connection.
#[derive(Debug, Default)]
pub(crate) struct IoStats {
    pub read_bytes: AtomicU64,
    pub written_bytes: AtomicU64,
    marks: Mutex<Marks>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Marks {
    last_write: Option<Instant>,
    first_read: Option<Instant>,
}

impl IoStats {
    /// Starts a new request on this connection: forget the previous request's moments.
    pub(crate) fn mark(&self) -> u64 {
        *self.marks.lock().unwrap_or_else(|p| p.into_inner()) = Marks::default();
        self.read_bytes.load(Ordering::Relaxed)
    }

    /// (last write of the request, first byte of the response) since the mark.
    pub(crate) fn moments(&self) -> (Option<Instant>, Option<Instant>) {
        let m = *self.marks.lock().unwrap_or_else(|p| p.into_inner());
        (m.last_write, m.first_read)
    }
}

/// An I/O stream that counts bytes and notes when the request went out and the response
/// began. It sits above TLS, so it counts HTTP bytes (status line, headers, framing, body).
pub(crate) struct Metered<T> {
    inner: T,
    stats: Arc<IoStats>,
}

impl<T> Metered<T> {
    pub(crate) fn new(inner: T, stats: Arc<IoStats>) -> Self {
        Metered { inner, stats }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Metered<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            self.stats.read_bytes.fetch_add(n as u64, Ordering::Relaxed);
            let mut m = self.stats.marks.lock().unwrap_or_else(|p| p.into_inner());
            if m.first_read.is_none() {
                m.first_read = Some(Instant::now());
            }
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Metered<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = r {
            if n > 0 {
                self.stats
                    .written_bytes
                    .fetch_add(n as u64, Ordering::Relaxed);
                let mut m = self.stats.marks.lock().unwrap_or_else(|p| p.into_inner());
                if m.first_read.is_none() {
                    m.last_write = Some(Instant::now());
                }
            }
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Plain TCP or TLS over TCP, both possibly throttled underneath.
pub(crate) enum Stream {
    Plain(Throttled<TcpStream>),
    Tls(Box<tokio_rustls::client::TlsStream<Throttled<TcpStream>>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, data),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, data),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The phases of opening a connection, in milliseconds (`None`: did not happen).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OpenTimings {
    pub dns_ms: Option<f64>,
    /// TCP and TLS together, as HAR's `connect`.
    pub connect_ms: f64,
    pub ssl_ms: Option<f64>,
}

/// A freshly opened connection.
pub(crate) struct Opened {
    pub stream: Metered<Stream>,
    pub stats: Arc<IoStats>,
    pub remote: SocketAddr,
    pub h2: bool,
    pub timings: OpenTimings,
}

/// The TLS client configuration, built on first use: loading the system's root certificates
/// costs a few milliseconds of CPU (more than a whole audit of a small plain-HTTP page), so a
/// load that never opens a TLS connection does not pay it. A load whose document is https
/// builds it before the first request is timed ([`Tls::prepare`]); otherwise the first TLS
/// connection waits for it in its `blocked` phase, before its connect starts.
pub(crate) struct Tls {
    insecure: bool,
    config: std::sync::OnceLock<Arc<rustls::ClientConfig>>,
}

impl Tls {
    pub(crate) fn new(insecure: bool) -> Tls {
        Tls {
            insecure,
            config: std::sync::OnceLock::new(),
        }
    }

    /// The configuration, built (and warmed up) on the first call.
    pub(crate) fn prepare(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(self.config.get_or_init(|| {
            let cfg = tls_config(self.insecure);
            warm_up(&cfg);
            cfg
        }))
    }
}

/// Starts a TLS client session once, so the crypto provider's tables and the key exchange
/// code are initialised before the first timed handshake.
fn warm_up(tls: &Arc<rustls::ClientConfig>) {
    if let Ok(name) = rustls::pki_types::ServerName::try_from("warm-up.invalid") {
        let _ = rustls::ClientConnection::new(Arc::clone(tls), name);
    }
}

/// What is needed to open connections.
pub(crate) struct Connector {
    pub tls: Tls,
    pub overrides: Vec<(String, IpAddr)>,
    /// `--connect-to`: (host, port) served by another address and port.
    pub connect_to: Vec<(String, u16, SocketAddr)>,
    pub connect_timeout: Duration,
    pub throttle: Option<Arc<Throttle>>,
    /// Host -> addresses, so later connections to a host do not pay DNS again (a browser's
    /// host cache).
    pub dns_cache: Mutex<std::collections::HashMap<String, Vec<IpAddr>>>,
}

fn err(kind: ErrorKind, message: impl Into<String>) -> EntryError {
    EntryError {
        kind,
        message: message.into(),
    }
}

impl Connector {
    /// Resolves a host: `--resolve` overrides and IP literals need no lookup (`None`), a
    /// cached host costs 0 ms, else the system resolver is timed.
    async fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> Result<(Vec<IpAddr>, Option<f64>), EntryError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok((vec![ip], None));
        }
        let lower = bare.to_ascii_lowercase();
        if let Some((_, ip)) = self.overrides.iter().find(|(h, _)| *h == lower) {
            return Ok((vec![*ip], None));
        }
        if let Some(ips) = self
            .dns_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&lower)
        {
            return Ok((ips.clone(), Some(0.0)));
        }
        let t = Instant::now();
        let addrs = tokio::net::lookup_host((lower.as_str(), port))
            .await
            .map_err(|e| err(ErrorKind::Dns, format!("cannot resolve {host}: {e}")))?;
        let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if ips.is_empty() {
            return Err(err(ErrorKind::Dns, format!("{host} has no addresses")));
        }
        self.dns_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(lower, ips.clone());
        Ok((ips, Some(ms)))
    }

    /// Opens a connection to `host:port`, with TLS (ALPN h2, http/1.1) when `tls`.
    pub(crate) async fn open(
        &self,
        host: &str,
        port: u16,
        tls: bool,
    ) -> Result<Opened, EntryError> {
        let (addrs, dns_ms) = self.addresses(host, port).await?;
        let t_connect = Instant::now();
        let (tcp, remote) = self.connect_first(addrs).await?;
        let _ = tcp.set_nodelay(true);
        let throttled = Throttled::new(tcp, self.throttle.clone());
        if let Some(t) = &self.throttle {
            // The TCP handshake is one round trip.
            tokio::time::sleep(t.rtt()).await;
        }
        let stats = Arc::new(IoStats::default());
        if !tls {
            let connect_ms = t_connect.elapsed().as_secs_f64() * 1000.0;
            return Ok(Opened {
                stream: Metered::new(Stream::Plain(throttled), Arc::clone(&stats)),
                stats,
                remote,
                h2: false,
                timings: OpenTimings {
                    dns_ms,
                    connect_ms,
                    ssl_ms: None,
                },
            });
        }
        let t_tls = Instant::now();
        let tls_stream = self.handshake(host, throttled).await?;
        let h2 = tls_stream.get_ref().1.alpn_protocol() == Some(b"h2");
        let ssl_ms = t_tls.elapsed().as_secs_f64() * 1000.0;
        let connect_ms = t_connect.elapsed().as_secs_f64() * 1000.0;
        Ok(Opened {
            stream: Metered::new(Stream::Tls(Box::new(tls_stream)), Arc::clone(&stats)),
            stats,
            remote,
            h2,
            timings: OpenTimings {
                dns_ms,
                connect_ms,
                ssl_ms: Some(ssl_ms),
            },
        })
    }

    /// Where `host:port` is: `--connect-to`'s address (no lookup), else the resolver's, with
    /// the lookup's time (none when cached).
    async fn addresses(
        &self,
        host: &str,
        port: u16,
    ) -> Result<(Vec<SocketAddr>, Option<f64>), EntryError> {
        let lower = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let mapped = self
            .connect_to
            .iter()
            .find(|(h, p, _)| *h == lower && *p == port);
        if let Some((_, _, to)) = mapped {
            return Ok((vec![*to], None));
        }
        let (ips, dns) = self.resolve(host, port).await?;
        let addrs = ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect();
        Ok((addrs, dns))
    }

    /// A TCP connection to the first address that answers, each given the connect timeout;
    /// the last address's error when none does.
    async fn connect_first(
        &self,
        addrs: Vec<SocketAddr>,
    ) -> Result<(TcpStream, SocketAddr), EntryError> {
        let mut last_err = None;
        for addr in addrs {
            match tokio::time::timeout(self.connect_timeout, TcpStream::connect(addr)).await {
                Ok(Ok(s)) => return Ok((s, addr)),
                Ok(Err(e)) => last_err = Some(err(ErrorKind::Connect, format!("{addr}: {e}"))),
                Err(_) => {
                    last_err = Some(err(
                        ErrorKind::Timeout,
                        format!("{addr}: connect timed out after {:?}", self.connect_timeout),
                    ))
                }
            }
        }
        Err(last_err.unwrap_or_else(|| err(ErrorKind::Connect, "no address to connect to")))
    }

    /// The TLS handshake over a connected socket, for the host's name, within the connect
    /// timeout.
    async fn handshake(
        &self,
        host: &str,
        throttled: Throttled<TcpStream>,
    ) -> Result<tokio_rustls::client::TlsStream<Throttled<TcpStream>>, EntryError> {
        let bare = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let name = rustls::pki_types::ServerName::try_from(bare)
            .map_err(|e| err(ErrorKind::Tls, format!("invalid server name {host}: {e}")))?;
        let connector = tokio_rustls::TlsConnector::from(self.tls.prepare());
        tokio::time::timeout(self.connect_timeout, connector.connect(name, throttled))
            .await
            .map_err(|_| {
                err(
                    ErrorKind::Timeout,
                    format!("TLS handshake timed out after {:?}", self.connect_timeout),
                )
            })?
            .map_err(|e| err(ErrorKind::Tls, e.to_string()))
    }
}

/// The TLS configuration: system roots (or none when `insecure`), ALPN h2 then http/1.1.
pub(crate) fn tls_config(insecure: bool) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    let mut cfg = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(cfg)
}

/// `--insecure`: accepts any certificate (signatures are still checked for well-formedness).
#[derive(Debug)]
struct AcceptAnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
