//! `event-stream`: events published to NATS JetStream under `cart-create`
//! load (issue 17, point 5). Needs a NATS with JetStream (`OMNI_NATS_URL`,
//! default `nats://127.0.0.1:4222`); the run publishes to a stream of its
//! own and deletes it at the end.
//!
//! 1. **Baseline**: the server without NATS, `cart-create` for the run's
//!    duration; its events stay in the outbox (a backlog).
//! 2. **Catch-up**: the same database, the server restarted with NATS: the
//!    publisher starts at the outbox's beginning; the time until its position
//!    reaches the head gives the publish throughput (events/s).
//! 3. **Live**: a consumer reads the stream's new messages while
//!    `cart-create` runs again; each message's lag is its arrival at the
//!    consumer minus its envelope's `eventTime` (taken from the server's
//!    clock in the request, just before the commit; same machine, same
//!    clock, millisecond resolution).

use crate::load;
use crate::scenarios::{self, Drive};
use crate::server::{Server, ServerConfig};
use anyhow::{Context, bail};
use async_nats::jetstream;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Run<'a> {
    pub binary: &'a Path,
    pub database_url: &'a str,
    pub backend: &'a str,
    pub sqlite_sync: &'a str,
    pub connections: usize,
    pub duration: Duration,
}

const SECRET: &str = "bench-secret-of-at-least-thirty-two-bytes";

pub async fn run(run: &Run<'_>) -> anyhow::Result<String> {
    let nats_url =
        std::env::var("OMNI_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let js = jetstream::new(
        async_nats::connect(nats_url.as_str())
            .await
            .with_context(|| format!("connecting to NATS at {nats_url}"))?,
    );
    let tag = chrono::Utc::now().format("%Y%m%d%H%M%S%f").to_string();
    let (stream, prefix) = (format!("BENCH_{tag}"), format!("omnibench{tag}"));
    let result = phases(run, &js, &nats_url, &stream, &prefix).await;
    let _ = js.delete_stream(&stream).await;
    result
}

async fn phases(
    run: &Run<'_>,
    js: &jetstream::Context,
    nats_url: &str,
    stream: &str,
    prefix: &str,
) -> anyhow::Result<String> {
    let data = Path::new("data");
    let start = |envs: &[(&str, &str)]| {
        Server::start(&ServerConfig {
            binary: run.binary,
            database_url: run.database_url,
            data_dir: data,
            secret: SECRET,
            sqlite_sync: run.sqlite_sync,
            anonymous_limit: false,
            envs,
        })
    };
    let mut rows = Vec::new();

    // 1. Without NATS: the baseline, and a backlog.
    let server = start(&[])?;
    let baseline = carts(&server.addr, run).await?;
    rows.push(format!(
        "| cart-create, no NATS | {} | {} | {:.0} | {:.2} / {:.2} | - | - |",
        run.backend,
        run.connections,
        baseline.per_second(),
        baseline.percentile_ms(0.5),
        baseline.percentile_ms(0.99),
    ));
    drop(server);

    // 2. With NATS: the backlog published from the start of the outbox.
    let envs = [
        ("OMNI_NATS_URL", nats_url),
        ("OMNI_NATS_STREAM", stream),
        ("OMNI_NATS_SUBJECT_PREFIX", prefix),
    ];
    let started = Instant::now();
    let server = start(&envs)?;
    let head = wait_caught_up(&server.addr, Duration::from_secs(600)).await?;
    let took = started.elapsed();
    rows.push(format!(
        "| catch-up: {head} events already committed | {} | - | - | - | **{:.0} events/s** ({:.1} s, server start included) | - |",
        run.backend,
        head as f64 / took.as_secs_f64(),
        took.as_secs_f64(),
    ));

    // 3. Live: lag behind commits under load.
    let consumer = js
        .get_stream(stream)
        .await
        .context("the stream the server made")?
        .create_consumer(jetstream::consumer::pull::Config {
            deliver_policy: jetstream::consumer::DeliverPolicy::New,
            ack_policy: jetstream::consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .context("a consumer")?;
    let mut messages = consumer.messages().await.context("reading")?;
    let lag = Arc::new(Mutex::new(Histogram::<u64>::new(3)?));
    let received = Arc::new(AtomicU64::new(0));
    let reader = {
        let (lag, received) = (lag.clone(), received.clone());
        tokio::spawn(async move {
            while let Some(Ok(message)) = messages.next().await {
                let arrived = chrono::Utc::now();
                if let Some(behind) = crate::meter::event_lag_us(&message.payload, arrived) {
                    let us = behind.max(0) as u64;
                    if let Ok(mut h) = lag.lock() {
                        let _ = h.record(us);
                    }
                }
                received.fetch_add(1, Ordering::AcqRel);
            }
        })
    };
    let load_started = Instant::now();
    let live = carts(&server.addr, run).await?;
    let loaded = load_started.elapsed();
    let new_head = wait_caught_up(&server.addr, Duration::from_secs(600)).await?;
    let expected = (new_head - head) as u64;
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.load(Ordering::Acquire) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drained = load_started.elapsed();
    reader.abort();
    let got = received.load(Ordering::Acquire);
    if got < expected {
        bail!("the consumer received {got} of {expected} events");
    }
    let h = lag.lock().map_err(|_| anyhow::anyhow!("lag histogram"))?;
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    rows.push(format!(
        "| cart-create, publishing live | {} | {} | {:.0} | {:.2} / {:.2} | {:.0} events/s ({expected} in {:.1} s; last one {:.2} s after the load) | **{:.1} / {:.1}** (max {:.1}) |",
        run.backend,
        run.connections,
        live.per_second(),
        live.percentile_ms(0.5),
        live.percentile_ms(0.99),
        expected as f64 / loaded.as_secs_f64(),
        loaded.as_secs_f64(),
        (drained - loaded).as_secs_f64(),
        ms(0.5),
        ms(0.99),
        h.max() as f64 / 1000.0,
    ));
    drop(server);
    Ok(format!(
        "| phase | backend | connections | carts/s | p50 / p99 ms | published | lag commit→consumer p50 / p99 ms |\n|---|---|---|---|---|---|---|\n{}",
        rows.join("\n")
    ))
}

/// `cart-create` for one second of warm-up, then the run's duration.
async fn carts(addr: &str, run: &Run<'_>) -> anyhow::Result<load::LoadResult> {
    let Some(Drive::Requests(build)) = scenarios::all()
        .into_iter()
        .find(|s| s.name == "cart-create")
        .map(|s| s.drive)
    else {
        bail!("no cart-create scenario");
    };
    let (make, check) = build()?;
    load::run(
        addr,
        run.connections,
        Duration::from_secs(1),
        make.clone(),
        check.clone(),
    )
    .await?;
    load::run(addr, run.connections, run.duration, make, check).await
}

/// Waits until the publisher's position is the outbox's head; the head.
async fn wait_caught_up(addr: &str, limit: Duration) -> anyhow::Result<i64> {
    let deadline = Instant::now() + limit;
    loop {
        let position = gauge(addr, "omni_event_stream_position").await;
        let head = gauge(addr, "omni_event_stream_head").await;
        if let (Some(p), Some(h)) = (position, head)
            && p == h
        {
            return Ok(h);
        }
        if Instant::now() > deadline {
            bail!("the publisher did not catch up: position {position:?}, head {head:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The first sample of a metric on `/metrics`.
async fn gauge(addr: &str, name: &str) -> Option<i64> {
    let mut socket = tokio::net::TcpStream::connect(addr).await.ok()?;
    socket
        .write_all(b"GET /metrics HTTP/1.0\r\nhost: bench\r\n\r\n")
        .await
        .ok()?;
    let mut text = String::new();
    socket.read_to_string(&mut text).await.ok()?;
    text.lines()
        .find(|l| l.starts_with(&format!("{name}{{")))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}
