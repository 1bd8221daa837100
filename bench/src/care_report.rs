//! Runs the two care scenarios against a started server and renders their
//! table rows: latency quantiles of the 202 for `care-accept`; accept and
//! drain times and change requests per second for `care-process`. CPU is
//! percent of one core over the measured run (the server, this bench, and
//! PostgreSQL share the machine's cores); each run also gives a row of the
//! capacity table. Accepts are spread over every node; any node answers
//! the status calls, since they share the database.

use crate::capacity::{self, Window};
use crate::care::{self, CareSetup};
use crate::load;
use crate::meter::Meter;
use crate::server::Nodes;
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

fn sync_column<'a>(info: &RunInfo<'a>) -> &'a str {
    if info.backend == "postgres" {
        "-"
    } else {
        info.sqlite_sync
    }
}

/// `care-accept`: one second of warm-up, then `info.duration` of accepts.
pub async fn accept(
    nodes: &Nodes,
    meter: &mut Meter,
    setup: &CareSetup,
    info: &RunInfo<'_>,
    sequence: &Arc<AtomicU64>,
) -> anyhow::Result<(String, capacity::Row)> {
    let addrs = nodes.addrs();
    let make_run = |duration: Duration| {
        let setup = setup.clone();
        // Order numbers continue across runs, so change request ids and
        // label values never repeat on one database.
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
        load::run_spread(&addrs, info.clients, duration, make, check)
    };
    make_run(Duration::from_secs(1)).await?;
    let window = Window::open(meter.read().await);
    let result = make_run(info.duration).await?;
    let usage = window.start.until(&meter.read().await);
    let [server_cpu, bench_cpu, postgres_cpu] = usage.percents(info.backend == "postgres");
    let h = &result.latency_us;
    let row = format!(
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
    );
    let capacity = capacity::Row {
        scenario: format!("care-accept ({} change/order)", setup.changes),
        backend: info.backend.to_string(),
        nodes: nodes.len(),
        connections: info.clients,
        unit: "order accepted",
        units: result.requests,
        requests: result.requests,
        usage,
        load: window.load(),
    };
    Ok((row, capacity))
}

/// `care-process` (`due_in` = `None`): a backlog of `info.backlog` change
/// requests due at once, accepted as fast as the servers answer while
/// their workers process them; timed from the first accept. `care-drain`
/// (`Some`): the same backlog all due `due_in` after the start, so that the
/// workers start on the whole of it; timed from that instant, with CPU over
/// the drain alone.
pub async fn process(
    nodes: &Nodes,
    meter: &mut Meter,
    setup: &CareSetup,
    info: &RunInfo<'_>,
    sequence: &Arc<AtomicU64>,
    due_in: Option<Duration>,
) -> anyhow::Result<(String, capacity::Row)> {
    let first = sequence.fetch_add(1 << 40, Ordering::Relaxed);
    let mut setup = setup.clone();
    let due = due_in.map(|d| {
        (
            Instant::now() + d,
            chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or_default(),
        )
    });
    setup.due = due.map(|(_, at)| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let mut window = Window::open(meter.read().await);
    let backlog =
        care::accept_backlog(&nodes.addrs(), &setup, info.clients, info.backlog, first).await?;
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
            window = Window::open(meter.read().await);
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
    let (drained, end) =
        care::wait_processed(&nodes.first().addr, &setup, &backlog, origin, async || {
            meter.read().await
        })
        .await?;
    let usage = window.start.until(&end);
    let [server_cpu, _, postgres_cpu] = usage.percents(info.backend == "postgres");
    let statuses: Vec<String> = drained
        .statuses
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    let row = format!(
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
    );
    // care-process's window holds the accepts; care-drain's only the polls.
    let accepts = if due.is_none() {
        backlog.orders() as u64
    } else {
        0
    };
    let capacity = capacity::Row {
        scenario: format!("{name} ({} change/order)", setup.changes),
        backend: info.backend.to_string(),
        nodes: nodes.len(),
        connections: info.clients,
        unit: "change request",
        units: drained.changes as u64,
        requests: accepts + drained.polls,
        usage,
        load: window.load(),
    };
    Ok((row, capacity))
}
