//! A webhook subscriber for tests: an HTTP server on an ephemeral port that
//! records every delivery and answers 204, or 503 while told to fail.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Whether it was answered with a success.
    pub accepted: bool,
}

impl Delivery {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("delivery body is JSON")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("header {name}"))
            .to_str()
            .expect("ascii header")
    }

    /// Whether the signature header is valid for `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let timestamp: i64 = self.header("x-omni-timestamp").parse().expect("timestamp");
        omni_app::webhook::sign::verify(
            secret,
            timestamp,
            &self.body,
            self.header("x-omni-signature"),
        )
    }
}

#[derive(Default)]
struct Inner {
    deliveries: Vec<Delivery>,
    failing: bool,
    /// How long each answer takes.
    delay: Duration,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        Self::serve(listener, format!("http://{addr}/events"))
    }

    /// An HTTPS subscriber on loopback with the certificate chain and key
    /// of `tls`, reached as `https://localhost:PORT/events`.
    pub async fn start_tls(tls: rustls::ServerConfig) -> Self {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = tcp.local_addr().expect("addr").port();
        let listener = TlsListener {
            tcp,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(tls)),
        };
        Self::serve(listener, format!("https://localhost:{port}/events"))
    }

    fn serve<L: axum::serve::Listener>(listener: L, url: String) -> Self
    where
        L::Addr: std::fmt::Debug,
    {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/events", post(record))
            .with_state(inner.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve receiver");
        });
        Self { url, inner }
    }

    /// Makes every answer take `delay` (a slow subscriber).
    pub fn set_delay(&self, delay: Duration) {
        self.inner.lock().expect("lock").delay = delay;
    }

    pub fn set_failing(&self, failing: bool) {
        self.inner.lock().expect("lock").failing = failing;
    }

    /// Every delivery so far, accepted or not.
    pub fn all(&self) -> Vec<Delivery> {
        self.inner.lock().expect("lock").deliveries.clone()
    }

    /// Deliveries answered with a success, in arrival order.
    pub fn accepted(&self) -> Vec<Delivery> {
        self.all().into_iter().filter(|d| d.accepted).collect()
    }

    /// Waits until `n` deliveries were accepted (panics after `secs`).
    pub async fn wait_accepted(&self, n: usize, secs: u64) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.accepted();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} deliveries arrived: {:?}",
                got.len(),
                got.iter()
                    .map(|d| d.json()["eventType"].clone())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until at least `n` attempts (accepted or not) arrived.
    pub async fn wait_attempts(&self, n: usize, secs: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while self.all().len() < n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no delivery attempt arrived"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn record(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let delay = inner.lock().expect("lock").delay;
    tokio::time::sleep(delay).await;
    let mut inner = inner.lock().expect("lock");
    let accepted = !inner.failing;
    inner.deliveries.push(Delivery {
        headers,
        body,
        accepted,
    });
    if accepted {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Accepts TLS connections; one whose handshake fails (a client that does
/// not trust the certificate) is dropped, and nothing reaches the handler.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
