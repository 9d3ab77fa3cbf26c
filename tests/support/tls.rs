//! An in-process HTTPS server on 127.0.0.1 port 0 with a generated certificate (valid for
//! `localhost` and 127.0.0.1, or expired), speaking HTTP/2 or HTTP/1.1 as ALPN decides.
//! It counts the TCP connections it accepted.

use super::Route;
use bytes::Bytes;
use http_body_util::Full;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub struct TlsServer {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl TlsServer {
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{}", self.addr.port(), path)
    }
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Starts the server. `h2`: offer HTTP/2 by ALPN (else HTTP/1.1 only). `expired`: serve a
/// certificate that expired in 2001.
pub fn start(routes: Vec<(&str, Route)>, h2: bool, expired: bool) -> TlsServer {
    start_with(routes, h2, expired, None)
}

/// Like [`start`]; with `goaway_after`, each HTTP/2 connection is shut down gracefully (a
/// GOAWAY frame) once it has served that many requests.
pub fn start_with(
    routes: Vec<(&str, Route)>,
    h2: bool,
    expired: bool,
    goaway_after: Option<usize>,
) -> TlsServer {
    let routes: Arc<HashMap<String, Route>> = Arc::new(
        routes
            .into_iter()
            .map(|(p, r)| (p.to_string(), r))
            .collect(),
    );
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    }
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    cfg.alpn_protocols = if h2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let addr = std_listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let conns = Arc::clone(&connections);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                conns.fetch_add(1, Ordering::SeqCst);
                let (acceptor, routes) = (acceptor.clone(), Arc::clone(&routes));
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let is_h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                    let io = hyper_util::rt::TokioIo::new(tls);
                    let served = Arc::new(AtomicUsize::new(0));
                    let enough = Arc::new(tokio::sync::Notify::new());
                    let (served2, enough2) = (Arc::clone(&served), Arc::clone(&enough));
                    let svc = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let routes = Arc::clone(&routes);
                            let n = served2.fetch_add(1, Ordering::SeqCst) + 1;
                            if goaway_after.is_some_and(|g| n >= g) {
                                enough2.notify_one();
                            }
                            async move {
                                let path = req
                                    .uri()
                                    .path_and_query()
                                    .map(|p| p.to_string())
                                    .unwrap_or_default();
                                let route = routes
                                    .get(&path)
                                    .cloned()
                                    .unwrap_or_else(|| Route::status(404));
                                tokio::time::sleep(route.delay).await;
                                let mut resp = hyper::Response::new(Full::new(Bytes::from(
                                    route.body.clone(),
                                )));
                                *resp.status_mut() =
                                    hyper::StatusCode::from_u16(route.status).unwrap();
                                for (n, v) in &route.headers {
                                    resp.headers_mut().append(
                                        hyper::header::HeaderName::from_bytes(n.as_bytes())
                                            .unwrap(),
                                        v.parse().unwrap(),
                                    );
                                }
                                Ok::<_, std::convert::Infallible>(resp)
                            }
                        },
                    );
                    if is_h2 {
                        let conn = hyper::server::conn::http2::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(io, svc);
                        tokio::pin!(conn);
                        tokio::select! {
                            _ = conn.as_mut() => {}
                            () = enough.notified() => {
                                conn.as_mut().graceful_shutdown();
                                let _ = conn.await;
                            }
                        }
                    } else {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, svc)
                            .await;
                    }
                });
            }
        });
    });
    TlsServer { addr, connections }
}
