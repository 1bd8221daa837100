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
use std::time::Duration;

/// What the rows say about the run besides its figures.
pub struct RunInfo<'a> {
    pub backend: &'a str,
    pub sqlite_sync: &'a str,
    pub clients: usize,
    pub duration: Duration,
    pub backlog: usize,
}

pub const ACCEPT_HEADER: &str = "| scenario | backend | sync | clients | lines | changes/order | orders/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU % | bench CPU % | postgres CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

pub const PROCESS_HEADER: &str = "| scenario | backend | sync | clients | lines | changes/order | change requests | accepting s | accept p50 / p99 ms | first accept → last processed s | changes/s | after the last accept: changes/s | statuses | server CPU % | postgres CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

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

/// `care-process`: a backlog of `info.backlog` change requests accepted,
/// then drained by the server's worker.
pub async fn process(
    server: &Server,
    setup: &CareSetup,
    info: &RunInfo<'_>,
    sequence: &Arc<AtomicU64>,
) -> anyhow::Result<String> {
    let postgres = info.backend == "postgres";
    let first = sequence.fetch_add(1 << 40, Ordering::Relaxed);
    let before = Cpu::now(server, postgres);
    let result = care::process(&server.addr, setup, info.clients, info.backlog, first).await?;
    let after = Cpu::now(server, postgres);
    for (kind, (count, detail)) in &result.failures {
        eprintln!("care-process: {count} × {kind}; the first: {detail}");
    }
    let [server_cpu, _, postgres_cpu] = before.percent(&after, result.total_time.as_secs_f64());
    // Only meaningful when the worker was left a backlog to drain alone.
    let after = if result.after_accepts == 0 {
        "none left".to_string()
    } else {
        format!(
            "{} in {:.2} s: {:.0}",
            result.after_accepts,
            result.after_time.as_secs_f64(),
            result.after_per_second()
        )
    };
    let statuses: Vec<String> = result
        .statuses
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    Ok(format!(
        "| care-process | {} | {} | {} | {} | {} | {} | {:.2} | {:.1} / {:.1} | {:.2} | {:.0} | {} | {} | {server_cpu} | {postgres_cpu} |",
        info.backend,
        sync_column(info),
        info.clients,
        setup.lines,
        setup.changes,
        result.changes,
        result.accept_time.as_secs_f64(),
        care::ms(&result.accept_us, 0.5),
        care::ms(&result.accept_us, 0.99),
        result.total_time.as_secs_f64(),
        result.per_second(),
        after,
        statuses.join(", "),
    ))
}
