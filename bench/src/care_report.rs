//! Runs the two care scenarios against a started server and renders their
//! table rows: latency quantiles of the 202 for `care-accept`; accept and
//! drain times and change requests per second for `care-process`. CPU is
//! percent of one core over the measured run (the server, this bench, and
//! every `postgres` process share the machine's cores).

use crate::care::{self, CareSetup};
use crate::load;
use crate::server::{self, Server};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What the rows say about the run besides its figures.
pub struct RunInfo<'a> {
    pub backend: &'a str,
    pub sqlite_sync: &'a str,
    pub clients: usize,
    pub duration: Duration,
    pub backlog: usize,
}

pub const ACCEPT_HEADER: &str = "| scenario | backend | sync | clients | lines | changes/order | orders/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU % | bench CPU % | postgres CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

pub const PROCESS_HEADER: &str = "| scenario | backend | sync | clients | lines | changes/order | change requests | accepting s | accept p50 / p99 ms | timed from | to the last processed s | changes/s | processed after the last accept | statuses | server CPU % | postgres CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

/// CPU seconds of the server, this process and PostgreSQL (when used).
struct Cpu(Option<f64>, Option<f64>, Option<f64>);

impl Cpu {
    fn now(server: &Server, postgres: bool) -> Self {
        Cpu(
            server.cpu_seconds(),
            server::cpu_seconds("/proc/self/stat"),
            postgres.then(server::postgres_cpu_seconds).flatten(),
        )
    }

    /// Percent of one core from `self` to `later` over `seconds`.
    fn percent(&self, later: &Cpu, seconds: f64) -> [String; 3] {
        let one = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.0}", (b - a) / seconds * 100.0),
            _ => "-".into(),
        };
        [
            one(self.0, later.0),
            one(self.1, later.1),
            one(self.2, later.2),
        ]
    }
}

fn sync_column<'a>(info: &RunInfo<'a>) -> &'a str {
    if info.backend == "postgres" {
        "-"
    } else {
        info.sqlite_sync
    }
}

/// `care-accept`: one second of warm-up, then `info.duration` of accepts.
pub async fn accept(
    server: &Server,
    setup: &CareSetup,
    info: &RunInfo<'_>,
    sequence: &Arc<AtomicU64>,
) -> anyhow::Result<String> {
    let make_run = |duration: Duration| {
        let setup = setup.clone();
        // Order numbers continue across runs, so change request ids and
        // label values never repeat on one server.
        let base = sequence.fetch_add(1 << 40, Ordering::Relaxed);
        let make: Arc<load::RequestFn> = Arc::new(move |i| {
            let n = base + i;
            care::post(
                &setup.auth,
                care::CARE_ORDER,
                n,
                care::order_body(&setup, n),
            )
        });
        let check: Arc<load::CheckFn> = Arc::new(care::accepted);
        load::run(&server.addr, info.clients, duration, make, check)
    };
    make_run(Duration::from_secs(1)).await?;
    let postgres = info.backend == "postgres";
    let before = Cpu::now(server, postgres);
    let result = make_run(info.duration).await?;
    let after = Cpu::now(server, postgres);
    let [server_cpu, bench_cpu, postgres_cpu] =
        before.percent(&after, result.elapsed.as_secs_f64());
    let h = &result.latency_us;
    Ok(format!(
        "| care-accept | {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {server_cpu} | {bench_cpu} | {postgres_cpu} |",
        info.backend,
        sync_column(info),
        info.clients,
        setup.lines,
        setup.changes,
        result.per_second(),
        care::ms(h, 0.5),
        care::ms(h, 0.9),
        care::ms(h, 0.99),
        h.max() as f64 / 1000.0,
        result.errors,
    ))
}

/// `care-process` (`due_in` = `None`): a backlog of `info.backlog` change
/// requests due at once, accepted as fast as the server answers while its
/// worker processes them; timed from the first accept. `care-drain`
/// (`Some`): the same backlog all due `due_in` after the start, so that the
/// worker starts on the whole of it; timed from that instant, with CPU over
/// the drain alone.
pub async fn process(
    server: &Server,
    setup: &CareSetup,
    info: &RunInfo<'_>,
    sequence: &Arc<AtomicU64>,
    due_in: Option<Duration>,
) -> anyhow::Result<String> {
    let postgres = info.backend == "postgres";
    let first = sequence.fetch_add(1 << 40, Ordering::Relaxed);
    let mut setup = setup.clone();
    let due = due_in.map(|d| {
        (
            Instant::now() + d,
            chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or_default(),
        )
    });
    setup.due = due.map(|(_, at)| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let mut before = Cpu::now(server, postgres);
    let backlog =
        care::accept_backlog(&server.addr, &setup, info.clients, info.backlog, first).await?;
    for (kind, (count, detail)) in &backlog.failures {
        eprintln!("care-process: {count} × {kind}; the first: {detail}");
    }
    let (name, origin, timed_from) = match due {
        None => ("care-process", backlog.started, "first accept".to_string()),
        Some((at, _)) => {
            let overran = Instant::now() > at;
            if overran {
                eprintln!(
                    "care-drain: accepting took longer than --care-due-in; the drain overlapped it"
                );
            }
            tokio::time::sleep_until(at.into()).await;
            before = Cpu::now(server, postgres);
            let from = if overran {
                "due time (accepts overran it)"
            } else {
                "due time"
            };
            ("care-drain", at, from.to_string())
        }
    };
    // CPU until the last order is seen done, not while every order is then
    // read to check the results.
    let mut after = None;
    let drained = care::wait_processed(&server.addr, &setup, &backlog, origin, || {
        after = Some((Cpu::now(server, postgres), Instant::now()));
    })
    .await?;
    let (after, end) = after.ok_or_else(|| anyhow::anyhow!("the drain did not end"))?;
    let window = end.saturating_duration_since(origin).as_secs_f64();
    let [server_cpu, _, postgres_cpu] = before.percent(&after, window);
    let statuses: Vec<String> = drained
        .statuses
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    Ok(format!(
        "| {name} | {} | {} | {} | {} | {} | {} | {:.2} | {:.1} / {:.1} | {timed_from} | {:.2} | {:.0} | {} | {} | {server_cpu} | {postgres_cpu} |",
        info.backend,
        sync_column(info),
        info.clients,
        setup.lines,
        setup.changes,
        drained.changes,
        backlog.accept_time.as_secs_f64(),
        care::ms(&backlog.accept_us, 0.5),
        care::ms(&backlog.accept_us, 0.99),
        drained.time.as_secs_f64(),
        drained.per_second(),
        drained.after_accepts,
        statuses.join(", "),
    ))
}
