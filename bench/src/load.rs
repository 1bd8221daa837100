//! A closed-loop load generator: `connections` keep-alive HTTP/1.1
//! connections, each sending its next request as soon as the previous answer
//! is read, for a fixed time. Latencies go into an HDR histogram.

use anyhow::Context;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Builds the i-th request of a connection; scenarios vary ids and bodies with it.
pub type RequestFn = dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync;

/// Judges a response: `true` when it is what the scenario expects.
pub type CheckFn = dyn Fn(u16, &[u8]) -> bool + Send + Sync;

pub struct LoadResult {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub latency_us: Histogram<u64>,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64 / 1000.0
    }
}

pub async fn run(
    addr: &str,
    connections: usize,
    duration: Duration,
    make: Arc<RequestFn>,
    check: Arc<CheckFn>,
) -> anyhow::Result<LoadResult> {
    run_spread(&[addr.to_string()], connections, duration, make, check).await
}

/// As [`run`], with connection `c` to `addrs[c % addrs.len()]`: the load
/// spread round-robin over several nodes, as a load balancer would.
pub async fn run_spread(
    addrs: &[String],
    connections: usize,
    duration: Duration,
    make: Arc<RequestFn>,
    check: Arc<CheckFn>,
) -> anyhow::Result<LoadResult> {
    anyhow::ensure!(!addrs.is_empty(), "no server to send requests to");
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let addr = addrs[c % addrs.len()].clone();
        let (make, check) = (make.clone(), check.clone());
        tasks.push(tokio::spawn(async move {
            connection(&addr, c as u64, deadline, make, check).await
        }));
    }
    let mut total = LoadResult {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latency_us: Histogram::new(3)?,
    };
    for t in tasks {
        let (requests, errors, hist) = t.await.context("load task")??;
        total.requests += requests;
        total.errors += errors;
        total.latency_us.add(hist)?;
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

async fn connection(
    addr: &str,
    index: u64,
    deadline: Instant,
    make: Arc<RequestFn>,
    check: Arc<CheckFn>,
) -> anyhow::Result<(u64, u64, Histogram<u64>)> {
    let mut hist = Histogram::<u64>::new(3)?;
    let (mut requests, mut errors) = (0u64, 0u64);
    let mut sender = connect(addr).await?;
    let mut i = index * 1_000_000;
    while Instant::now() < deadline {
        let request = make(i);
        i += 1;
        let sent = Instant::now();
        let outcome: anyhow::Result<Response<Bytes>> = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await?.to_bytes();
            Ok(Response::from_parts(parts, bytes))
        }
        .await;
        let micros = sent.elapsed().as_micros().min(u128::from(u64::MAX)) as u64;
        requests += 1;
        match outcome {
            Ok(response) => {
                hist.record(micros.max(1))?;
                if !check(response.status().as_u16(), response.body()) {
                    errors += 1;
                }
            }
            Err(_) => {
                errors += 1;
                sender = connect(addr).await?;
            }
        }
    }
    Ok((requests, errors, hist))
}

pub async fn connect(
    addr: &str,
) -> anyhow::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}
