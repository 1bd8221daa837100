//! `listener-slice`: what webhook listeners cost the database when events
//! come from many tenants (issue 17, point 3). Writers create catalog
//! categories spread evenly over [`TENANTS`] tenants on `--connections`
//! connections; `--listeners` of those tenants (the first ones) each have
//! one catalog hub whose callback is a receiver in this process.
//!
//! Measured over the load and over an idle time after it:
//!
//! - outbox rows the listeners read per delivered event: PostgreSQL's count
//!   of rows fetched through the indexes listeners read by
//!   (`pg_stat_user_indexes`: `outbox_by_position`, the whole stream's
//!   order, and `outbox_by_tenant_kind`, slices; the sequencer's reading
//!   of the highest position adds at most one a run), over the events the
//!   receiver got; and every outbox row read, the sequencer's numbering
//!   included (`pg_stat_user_tables`: sequential + index fetches);
//! - sequencer runs per second: each run reads the outbox's highest position
//!   once, through `outbox_by_position`, and before slices existed each run
//!   also was the one scan of `outbox_unpositioned` (no check came first);
//!   so runs are that index's scans on a server whose migrations stop
//!   before 0009 (`outbox_by_tenant_kind` absent) and the position index's
//!   scans on one with it (nothing else reads that index in this run);
//! - delivery lag: the receiver's arrival time minus the event's
//!   `eventTime` (server clock at the write, same machine), p50 / p99;
//! - the server's CPU time.
//!
//! PostgreSQL's counters reach the statistics within about a second of
//! each statement, so a phase's counts are good to about a second's worth.
//! On SQLite only the lag and the CPU are reported.

use crate::load;
use crate::server::{Server, ServerConfig};
use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use http_body_util::Full;
use hyper::Request;
use hyper::body::Bytes;
use sqlx::{Connection, Row};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Tenants the writes are spread over.
pub const TENANTS: usize = 20;
const CATALOG: &str = "/tmf-api/productCatalogManagement/v4";
const SECRET: &str = "bench-secret-of-at-least-thirty-two-bytes";
/// How long the server is left without writes after the load.
const IDLE: Duration = Duration::from_secs(5);

pub struct Run<'a> {
    pub binary: &'a Path,
    pub database_url: &'a str,
    pub backend: &'a str,
    pub sqlite_sync: &'a str,
    pub connections: usize,
    pub listeners: usize,
    pub duration: Duration,
}

/// What the receiver got.
#[derive(Default)]
struct Received {
    count: AtomicU64,
    lag_us: Mutex<Option<Histogram<u64>>>,
}

pub async fn run(run: &Run<'_>) -> anyhow::Result<String> {
    anyhow::ensure!(
        (1..=TENANTS).contains(&run.listeners),
        "--listeners must be 1 to {TENANTS}"
    );
    let received = Arc::new(Received::default());
    let callback = receive(received.clone()).await?;
    let server = Server::start(&ServerConfig {
        binary: run.binary,
        database_url: run.database_url,
        data_dir: Path::new("data"),
        secret: SECRET,
        sqlite_sync: run.sqlite_sync,
        anonymous_limit: false,
        envs: &[("OMNI_WEBHOOK_ALLOW", "127.0.0.0/8")],
    })?;
    let tokens: Vec<String> = (0..TENANTS)
        .map(|t| token(run.binary, &tenant(t)))
        .collect::<anyhow::Result<_>>()?;
    for token in tokens.iter().take(run.listeners) {
        register(&server.addr, token, &callback).await?;
    }
    let auth: Arc<Vec<String>> = Arc::new(tokens.iter().map(|t| format!("Bearer {t}")).collect());
    let make: Arc<load::RequestFn> = Arc::new(move |i| {
        // Consecutive requests of a connection go to consecutive tenants.
        let body = format!("{{\"name\":\"bench category {i}\"}}");
        Request::post(format!("{CATALOG}/category"))
            .header("host", "bench")
            .header("content-type", "application/json")
            .header(
                "authorization",
                auth[(i % TENANTS as u64) as usize].as_str(),
            )
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_default()
    });
    let check: Arc<load::CheckFn> = Arc::new(|status, _| status == 201);
    let stats = Stats::open(run.database_url).await?;

    let (cpu0, at0, s0) = (
        crate::server::cpu_seconds(&format!("/proc/{}/stat", server.pid())),
        Instant::now(),
        stats.read().await?,
    );
    let load = load::run(&server.addr, run.connections, run.duration, make, check).await?;
    let wanted = stats.listened_events(run.listeners).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = (u64::MAX, Instant::now());
    while Instant::now() < deadline {
        let now = received.count.load(Ordering::Acquire);
        match wanted {
            Some(n) if now >= n => break,
            // SQLite: until nothing arrives for a second.
            None if now == last.0 && last.1.elapsed() > Duration::from_secs(1) => break,
            None if now != last.0 => last = (now, Instant::now()),
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = received.count.load(Ordering::Acquire);
    if let Some(n) = wanted
        && delivered < n
    {
        bail!("the listeners received {delivered} of {n} events");
    }
    // The statistics of the last statements arrive within about a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (cpu1, at1, s1) = (
        crate::server::cpu_seconds(&format!("/proc/{}/stat", server.pid())),
        Instant::now(),
        stats.read().await?,
    );
    tokio::time::sleep(IDLE).await;
    let (cpu2, at2, s2) = (
        crate::server::cpu_seconds(&format!("/proc/{}/stat", server.pid())),
        Instant::now(),
        stats.read().await?,
    );
    drop(server);

    let lag = received
        .lag_us
        .lock()
        .map_err(|_| anyhow::anyhow!("lag histogram"))?
        .take()
        .context("no event was delivered")?;
    let ms = |q: f64| lag.value_at_quantile(q) as f64 / 1000.0;
    let cpu = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.1}", b - a),
        _ => "-".into(),
    };
    let loaded = at1 - at0;
    let idle = at2 - at1;
    let per_event = |n: i64| n as f64 / delivered.max(1) as f64;
    let (read, runs) = match (&s0, &s1) {
        (Some(a), Some(b)) => (
            format!(
                "{:.1} ({:.1})",
                per_event(b.listened - a.listened),
                per_event(b.rows_read - a.rows_read)
            ),
            format!("{:.1}", (b.runs - a.runs) as f64 / loaded.as_secs_f64()),
        ),
        _ => ("-".into(), "-".into()),
    };
    let per_second = |n: i64| n as f64 / idle.as_secs_f64();
    let (idle_read, idle_runs) = match (&s1, &s2) {
        (Some(a), Some(b)) => (
            format!(
                "{:.0} rows/s ({:.0})",
                per_second(b.listened - a.listened),
                per_second(b.rows_read - a.rows_read)
            ),
            format!("{:.1}", per_second(b.runs - a.runs)),
        ),
        _ => ("-".into(), "-".into()),
    };
    let version = match &s1 {
        Some(s) if s.slices => "with slices",
        Some(_) => "whole stream",
        None => "-",
    };
    Ok(format!(
        "| phase | backend | server | writes/s (p50 / p99 ms) | delivered | outbox rows listeners read per delivered event (all outbox reads) | sequencer runs/s | lag commit→callback p50 / p99 ms | server CPU s |\n\
         |---|---|---|---|---|---|---|---|---|\n\
         | load: {TENANTS} tenants, {} listener(s), {} connections, {:.0} s | {} | {version} | {:.0} ({:.2} / {:.2}) | {delivered} | {read} | {runs} | {:.1} / {:.1} | {} |\n\
         | idle after it, {:.0} s | {} | {version} | - | - | {idle_read} | {idle_runs} | - | {} |",
        run.listeners,
        run.connections,
        loaded.as_secs_f64(),
        run.backend,
        load.per_second(),
        load.percentile_ms(0.5),
        load.percentile_ms(0.99),
        ms(0.5),
        ms(0.99),
        cpu(cpu0, cpu1),
        idle.as_secs_f64(),
        run.backend,
        cpu(cpu1, cpu2),
    ))
}

fn tenant(t: usize) -> String {
    format!("bench-t{t}")
}

/// A `catalog.admin` user's token in `tenant`, minted by the server binary.
fn token(binary: &Path, tenant: &str) -> anyhow::Result<String> {
    let output = Command::new(binary)
        .args([
            "token",
            "--type",
            "user",
            "--ttl",
            "7200",
            "--role",
            "catalog.admin",
        ])
        .args(["--tenant", tenant])
        .env("OMNI_JWT_SECRET", SECRET)
        .env("OMNI_LOG", "warn")
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {} token", binary.display()))?;
    anyhow::ensure!(output.status.success(), "omni token failed");
    Ok(String::from_utf8(output.stdout)?.trim().to_string())
}

/// Registers a catalog hub calling `callback`.
async fn register(addr: &str, token: &str, callback: &str) -> anyhow::Result<()> {
    let body = format!("{{\"callback\":\"{callback}\"}}");
    let request = Request::post(format!("{CATALOG}/hub"))
        .header("host", "bench")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body)))?;
    let mut sender = load::connect(addr).await?;
    let response = sender.send_request(request).await?;
    anyhow::ensure!(
        response.status() == 201,
        "registering a hub answered {}",
        response.status()
    );
    Ok(())
}

/// Starts the receiver: answers 204 to every request, counting them and
/// recording each event's lag. Its callback URL.
async fn receive(received: Arc<Received>) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/listener", listener.local_addr()?);
    *received
        .lag_us
        .lock()
        .map_err(|_| anyhow::anyhow!("lag histogram"))? = Some(Histogram::new(3)?);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, received.clone()));
        }
    });
    Ok(url)
}

/// One keep-alive connection of the receiver (HTTP/1.1, bodies with a
/// `content-length`, as the server sends them).
async fn serve(mut socket: TcpStream, received: Arc<Received>) {
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            let mut chunk = [0u8; 8192];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < end + 4 + length {
            let mut chunk = [0u8; 8192];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let arrived = chrono::Utc::now();
        let body: Vec<u8> = buffer.drain(..end + 4 + length).skip(end + 4).collect();
        if let Some(lag) = crate::meter::event_lag_us(&body, arrived) {
            let us = lag.max(1) as u64;
            if let Ok(mut lag) = received.lag_us.lock()
                && let Some(h) = lag.as_mut()
            {
                let _ = h.record(us);
            }
        }
        received.count.fetch_add(1, Ordering::AcqRel);
        let answer = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
        if socket.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// PostgreSQL's statistics of the outbox table (nothing on SQLite).
struct Stats {
    conn: Option<tokio::sync::Mutex<sqlx::PgConnection>>,
}

/// One reading of the counters.
struct Counters {
    /// Outbox rows read by sequential and index scans.
    rows_read: i64,
    /// Outbox rows fetched through the stream's and the slices' indexes.
    listened: i64,
    /// Sequencer runs (see the module's comment).
    runs: i64,
    /// Whether the server's schema has slices (migration 0009).
    slices: bool,
}

impl Stats {
    async fn open(url: &str) -> anyhow::Result<Self> {
        if !url.starts_with("postgres") {
            return Ok(Self { conn: None });
        }
        let conn = sqlx::PgConnection::connect(url).await?;
        Ok(Self {
            conn: Some(tokio::sync::Mutex::new(conn)),
        })
    }

    async fn read(&self) -> anyhow::Result<Option<Counters>> {
        let Some(conn) = &self.conn else {
            return Ok(None);
        };
        let mut conn = conn.lock().await;
        let rows_read: i64 = sqlx::query_scalar(
            "SELECT (COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0))::BIGINT \
             FROM pg_stat_user_tables WHERE relname = 'outbox'",
        )
        .fetch_one(&mut *conn)
        .await?;
        let scans = sqlx::query(
            "SELECT indexrelname::TEXT AS name, idx_scan::BIGINT AS scans, idx_tup_fetch::BIGINT AS fetched \
             FROM pg_stat_user_indexes WHERE relname = 'outbox'",
        )
        .fetch_all(&mut *conn)
        .await?;
        let column_of = |index: &str, column: &str| -> anyhow::Result<Option<i64>> {
            for row in &scans {
                if row.try_get::<String, _>("name")? == index {
                    return Ok(Some(row.try_get(column)?));
                }
            }
            Ok(None)
        };
        let scans_of = |index: &str| column_of(index, "scans");
        let listened = column_of("outbox_by_position", "fetched")?.unwrap_or(0)
            + column_of("outbox_by_tenant_kind", "fetched")?.unwrap_or(0);
        let slices = scans_of("outbox_by_tenant_kind")?.is_some();
        let runs = if slices {
            scans_of("outbox_by_position")?
        } else {
            scans_of("outbox_unpositioned")?
        };
        Ok(Some(Counters {
            rows_read,
            listened,
            runs: runs.unwrap_or(0),
            slices,
        }))
    }

    /// Events the listeners are owed: those of their tenants (every
    /// event of this run is a catalog event). `None` on SQLite, where the
    /// run waits until deliveries stop instead.
    async fn listened_events(&self, listeners: usize) -> anyhow::Result<Option<u64>> {
        let Some(conn) = &self.conn else {
            return Ok(None);
        };
        let tenants: Vec<String> = (0..listeners).map(tenant).collect();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE tenant = ANY($1)")
            .bind(&tenants)
            .fetch_one(&mut *conn.lock().await)
            .await?;
        Ok(Some(u64::try_from(n).unwrap_or(0)))
    }
}
