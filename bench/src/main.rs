//! `omni-bench`: starts the release server on a fresh database, drives each
//! scenario with a closed-loop load generator on this machine, and prints one
//! markdown table. Scenarios are code in `scenarios.rs`.

mod abuse;
mod capacity;
mod care;
mod care_data;
mod care_report;
mod console;
mod event_stream;
mod flow;
mod listener_slice;
mod lists;
mod load;
mod meter;
mod scenarios;
mod server;
mod store;

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(about = "Benchmarks Omni; prints a markdown table")]
struct Args {
    /// Comma-separated scenario names (see --list).
    #[arg(long, default_value = "health,discovery-search,discovery-lookup")]
    scenarios: String,
    /// Print the scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Seconds of measurement per scenario (after one second of warm-up).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Concurrent keep-alive connections (order-flow: virtual clients, one connection each).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// `sqlite` or `postgres` (a fresh database on OMNI_TEST_POSTGRES_URL's server).
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// SQLite synchronous mode for the server: full or normal.
    #[arg(long, default_value = "full")]
    sqlite_sync: String,
    /// care-accept, care-process: generated business lines the change requests spread over.
    #[arg(long, default_value_t = 2000)]
    care_lines: usize,
    /// care-accept, care-process: change requests per care order, each on another line.
    #[arg(long, default_value_t = 1)]
    care_changes: usize,
    /// care-process, care-drain: change requests accepted, then drained.
    #[arg(long, default_value_t = 20_000)]
    care_backlog: usize,
    /// care-drain: seconds from the start until every change request is due
    /// (accepting the backlog must take less).
    #[arg(long, default_value_t = 30)]
    care_due_in: u64,
    /// order-flow: milliseconds between polls of a submitted order.
    #[arg(long, default_value_t = 5)]
    poll_ms: u64,
    /// list-party, list-state: product orders in the database.
    #[arg(long, default_value_t = 100_000)]
    list_documents: usize,
    /// listener-slice: tenants with one catalog hub each (of 20 written to).
    #[arg(long, default_value_t = 1)]
    listeners: usize,
    /// Offers of the generated catalog the discovery scenarios run on.
    #[arg(long, default_value_t = 100_000)]
    offers: usize,
    /// An existing database that already holds the generated catalog of
    /// `--offers` offers (`bench/million.sh` loads one): the discovery
    /// scenarios' server starts on it, nothing is loaded, and it is kept.
    /// The list scenarios use it too: filled with `--list-documents` orders
    /// when it holds fewer, then kept, so that a second build runs on the
    /// same data without a second fill.
    #[arg(long)]
    database: Option<String>,
    /// The server binary.
    #[arg(long, default_value = "target/release/omni")]
    omni_bin: PathBuf,
    /// Omni nodes on the one database (PostgreSQL only). discovery-*,
    /// cart-create, order-flow and the care scenarios spread their
    /// connections round-robin over them; the others use the first node.
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Also append the capacity table's rows to this file, one JSON object a line.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The scenario that drives omni-store in this process instead of a server.
const STORE_INSERT: &str = "store-insert";
/// The scenario that restarts its server with and without NATS.
const EVENT_STREAM: &str = "event-stream";
/// The scenario with webhook listeners of some of many tenants.
const LISTENER_SLICE: &str = "listener-slice";

async fn store_insert(args: &Args) -> anyhow::Result<String> {
    let scratch = server::Scratch::new("store")?;
    let database_url = match args.backend.as_str() {
        "postgres" => {
            // SAFETY of intent: the test helper reads this to pick PostgreSQL.
            unsafe { std::env::set_var("OMNI_TEST_BACKEND", "postgres") };
            omni_store::testing::fresh_database_url().await
        }
        _ => format!("sqlite:{}", scratch.0.join("store.db").display()),
    };
    let result = store::run(
        &database_url,
        args.sqlite_sync == "full",
        args.connections,
        Duration::from_secs(args.duration),
    )
    .await?;
    forget_database(&database_url).await;
    Ok(format!(
        "| {STORE_INSERT} | {} | {} | {:.0} | {:.2} | {:.2} | {} | - | - |",
        args.backend,
        args.connections,
        result.per_second(),
        result.percentile_ms(0.5),
        result.percentile_ms(0.99),
        result.errors,
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    scenarios::OFFERS.store(args.offers, std::sync::atomic::Ordering::Relaxed);
    let all = scenarios::all();
    if args.list {
        for s in &all {
            println!("{:<20} {}", s.name, s.description);
        }
        println!(
            "{STORE_INSERT:<20} insert cart-sized documents with an event through omni-store directly, no HTTP"
        );
        println!(
            "{EVENT_STREAM:<20} cart-create with events published to NATS JetStream (OMNI_NATS_URL, default 127.0.0.1:4222): catch-up throughput, lag behind commits"
        );
        println!(
            "{LISTENER_SLICE:<20} catalog writes spread over 20 tenants, --listeners of them with a hub: outbox rows read per delivered event, sequencer runs/s (PostgreSQL), delivery lag"
        );
        return Ok(());
    }
    anyhow::ensure!(
        args.nodes >= 1 && (args.nodes == 1 || args.backend == "postgres"),
        "--nodes above 1 needs --backend postgres: only PostgreSQL is shared by several processes"
    );
    let wanted: Vec<&str> = args.scenarios.split(',').map(str::trim).collect();
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|s| wanted.contains(&s.name))
        .collect();
    anyhow::ensure!(
        !chosen.is_empty()
            || [STORE_INSERT, EVENT_STREAM, LISTENER_SLICE]
                .iter()
                .any(|s| wanted.contains(s)),
        "no scenario matches {:?}; see --list",
        args.scenarios
    );

    let mut rows = Vec::new();
    if wanted.contains(&STORE_INSERT) {
        rows.push(store_insert(&args).await?);
    }
    if wanted.contains(&EVENT_STREAM) {
        let scratch = server::Scratch::new("events")?;
        let database_url = match args.backend.as_str() {
            "postgres" => {
                // SAFETY of intent: the test helper reads this to pick PostgreSQL.
                unsafe { std::env::set_var("OMNI_TEST_BACKEND", "postgres") };
                omni_store::testing::fresh_database_url().await
            }
            _ => format!("sqlite:{}", scratch.0.join("events.db").display()),
        };
        let run = event_stream::Run {
            binary: &args.omni_bin,
            database_url: &database_url,
            backend: &args.backend,
            sqlite_sync: &args.sqlite_sync,
            connections: args.connections,
            duration: Duration::from_secs(args.duration),
        };
        let table = event_stream::run(&run).await;
        forget_database(&database_url).await;
        println!("{}", table?);
    }
    if wanted.contains(&LISTENER_SLICE) {
        let scratch = server::Scratch::new("slices")?;
        let database_url = match args.backend.as_str() {
            "postgres" => {
                // SAFETY of intent: the test helper reads this to pick PostgreSQL.
                unsafe { std::env::set_var("OMNI_TEST_BACKEND", "postgres") };
                omni_store::testing::fresh_database_url().await
            }
            _ => format!("sqlite:{}", scratch.0.join("slices.db").display()),
        };
        let run = listener_slice::Run {
            binary: &args.omni_bin,
            database_url: &database_url,
            backend: &args.backend,
            sqlite_sync: &args.sqlite_sync,
            connections: args.connections,
            listeners: args.listeners,
            duration: Duration::from_secs(args.duration),
        };
        let table = listener_slice::run(&run).await;
        forget_database(&database_url).await;
        println!("{}", table?);
    }
    let (mut flow_rows, mut step_tables) = (Vec::new(), Vec::new());
    let (mut accept_rows, mut process_rows) = (Vec::new(), Vec::new());
    // Scenarios that need the same data set share one server start.
    let care_sequence = Arc::new(AtomicU64::new(0));
    let mut abuse_rows = Vec::new();
    let mut capacity_rows = Vec::new();
    // ... and the same limit on anonymous writes.
    let mut groups: Vec<((scenarios::DataSet, bool), Vec<&scenarios::Scenario>)> = Vec::new();
    for s in &chosen {
        let key = (s.data, s.anonymous_limit);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(s),
            None => groups.push((key, vec![s])),
        }
    }
    for ((data, anonymous_limit), list) in groups {
        let scratch = server::Scratch::new("run")?;
        let given = args.database.clone().filter(|_| {
            matches!(
                data,
                scenarios::DataSet::Generated | scenarios::DataSet::Orders
            )
        });
        let database_url = match (&given, args.backend.as_str()) {
            (Some(url), _) => url.clone(),
            (None, "postgres") => {
                // SAFETY of intent: the test helper reads this to pick PostgreSQL.
                unsafe { std::env::set_var("OMNI_TEST_BACKEND", "postgres") };
                omni_store::testing::fresh_database_url().await
            }
            _ => format!("sqlite:{}", scratch.0.join("bench.db").display()),
        };
        if data == scenarios::DataSet::Orders
            && !lists::filled(&database_url, args.list_documents).await?
        {
            let seconds = lists::fill(&database_url, args.list_documents).await?;
            eprintln!(
                "{} product orders written in {seconds:.1} s",
                args.list_documents
            );
        }
        let data_dir = if given.is_some() && data == scenarios::DataSet::Generated {
            // The catalog is in the database already; no demo data either.
            let empty = scratch.0.join("no-demo-data");
            std::fs::create_dir_all(&empty)?;
            empty
        } else {
            scenarios::prepare(
                data,
                &args.omni_bin,
                &scratch.0,
                &database_url,
                args.care_lines,
            )?
        };
        let secret = "bench-secret-of-at-least-thirty-two-bytes";
        let nodes = server::Nodes::start(
            &server::ServerConfig {
                binary: &args.omni_bin,
                database_url: &database_url,
                data_dir: &data_dir,
                secret,
                sqlite_sync: &args.sqlite_sync,
                anonymous_limit,
                envs: &[],
            },
            args.nodes,
        )
        .context("starting the server")?;
        let server = nodes.first();
        let mut meter = meter::Meter::new(&nodes, &database_url).await?;
        eprintln!(
            "{} server(s) up on {} ({}, data set {:?}); the first in {:.2} s, RSS {:.0} MiB",
            nodes.len(),
            nodes.addrs().join(", "),
            args.backend,
            data,
            server.startup.as_secs_f64(),
            nodes.rss_mib().unwrap_or(0.0)
        );
        for s in list {
            let connections = s.connections.unwrap_or(args.connections);
            let build = match s.drive {
                scenarios::Drive::Requests(build) => build,
                scenarios::Drive::List(filter) => {
                    let auth = format!(
                        "Bearer {}",
                        server::mint_token(&args.omni_bin, secret, "order.ops", None)?
                    );
                    let parties = lists::parties(args.list_documents) as u64;
                    let make: Arc<load::RequestFn> = Arc::new(move |i| {
                        let query = match filter {
                            scenarios::ListFilter::Party => {
                                format!("relatedParty.id=cust-{}", i.wrapping_mul(7919) % parties)
                            }
                            scenarios::ListFilter::State => {
                                format!("state={}", lists::STATES[(i % 5) as usize])
                            }
                        };
                        hyper::Request::get(format!("{}?{query}&limit=20", lists::ORDERS))
                            .header("host", "bench")
                            .header("authorization", auth.as_str())
                            .body(http_body_util::Full::new(hyper::body::Bytes::new()))
                            .unwrap_or_default()
                    });
                    let check: Arc<load::CheckFn> =
                        Arc::new(|status, body| status == 200 && body.starts_with(b"[{"));
                    let rss_before = server.rss_mib().unwrap_or(0.0);
                    load::run(
                        &server.addr,
                        connections,
                        Duration::from_secs(1),
                        make.clone(),
                        check.clone(),
                    )
                    .await?;
                    let result = load::run(
                        &server.addr,
                        connections,
                        Duration::from_secs(args.duration),
                        make,
                        check,
                    )
                    .await?;
                    rows.push(format!(
                        "| {} ({} orders) | {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0} → {:.0} | {:.2} |",
                        s.name,
                        args.list_documents,
                        args.backend,
                        connections,
                        result.per_second(),
                        result.percentile_ms(0.5),
                        result.percentile_ms(0.99),
                        result.errors,
                        rss_before,
                        server.rss_mib().unwrap_or(0.0),
                        server.startup.as_secs_f64(),
                    ));
                    continue;
                }
                scenarios::Drive::Console => {
                    let token =
                        server::mint_token_with(&args.omni_bin, secret, console::ROLES, None)?;
                    let placed = console::place_orders(&server.addr, &token).await?;
                    eprintln!("{placed} product orders placed for the console pages");
                    let session = console::sign_in(&server.addr, &token).await?;
                    let pages = console::run(
                        &server.addr,
                        &session,
                        connections,
                        Duration::from_secs(args.duration),
                    )
                    .await?;
                    for page in pages {
                        rows.push(format!(
                            "| {} GET {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {:.2} |",
                            s.name,
                            page.path,
                            args.backend,
                            connections,
                            page.result.per_second(),
                            page.result.percentile_ms(0.5),
                            page.result.percentile_ms(0.99),
                            page.result.errors,
                            server.rss_mib().unwrap_or(0.0),
                            server.startup.as_secs_f64(),
                        ));
                    }
                    continue;
                }
                scenarios::Drive::OrderFlow => {
                    let (row, steps, capacity) =
                        order_flow(&args, &nodes, &mut meter, secret, connections).await?;
                    flow_rows.push(row);
                    step_tables.push(steps);
                    capacity_rows.push(capacity);
                    continue;
                }
                scenarios::Drive::CartAbuse => {
                    let token = server::mint_token(&args.omni_bin, secret, "sc.ops", None)?;
                    let r = abuse::run(
                        &server.addr,
                        connections,
                        Duration::from_secs(args.duration),
                        &token,
                    )
                    .await?;
                    abuse_rows.push(format!(
                        "| {} | {} | {} | {:.0} | {:.2} / {:.2} | {} | {:.0} | {:.2} / {:.2} | {} | {:.2} | {:.0} | {} / {} / {} |",
                        s.name,
                        args.backend,
                        connections,
                        r.quiet.per_second(),
                        r.quiet.percentile_ms(0.5),
                        r.quiet.percentile_ms(0.99),
                        r.quiet.errors,
                        r.abused.per_second(),
                        r.abused.percentile_ms(0.5),
                        r.abused.percentile_ms(0.99),
                        r.abused.errors,
                        r.abused.percentile_ms(0.99) / r.quiet.percentile_ms(0.99).max(0.001),
                        r.abuser.per_second(),
                        r.abuser_created,
                        r.abuser_throttled,
                        r.abuser_other,
                    ));
                    continue;
                }
                scenarios::Drive::CareAccept
                | scenarios::Drive::CareProcess
                | scenarios::Drive::CareDrain => {
                    let setup = care::CareSetup {
                        lines: args.care_lines,
                        changes: args.care_changes,
                        auth: Arc::new(format!(
                            "Bearer {}",
                            server::mint_token(
                                &args.omni_bin,
                                secret,
                                "care.ops",
                                Some(care::CLIENT)
                            )?
                        )),
                        due: None,
                    };
                    let info = care_report::RunInfo {
                        backend: &args.backend,
                        sqlite_sync: &args.sqlite_sync,
                        clients: connections,
                        duration: Duration::from_secs(args.duration),
                        backlog: args.care_backlog,
                    };
                    let due_in = match s.drive {
                        scenarios::Drive::CareDrain => Some(Duration::from_secs(args.care_due_in)),
                        _ => None,
                    };
                    let capacity = if let scenarios::Drive::CareAccept = s.drive {
                        let (row, capacity) =
                            care_report::accept(&nodes, &mut meter, &setup, &info, &care_sequence)
                                .await?;
                        accept_rows.push(row);
                        capacity
                    } else {
                        let (row, capacity) = care_report::process(
                            &nodes,
                            &mut meter,
                            &setup,
                            &info,
                            &care_sequence,
                            due_in,
                        )
                        .await?;
                        process_rows.push(row);
                        capacity
                    };
                    capacity_rows.push(capacity);
                    continue;
                }
            };
            let (make, check) = build()?;
            let addrs = nodes.addrs();
            load::run_spread(
                &addrs,
                connections,
                Duration::from_secs(1),
                make.clone(),
                check.clone(),
            )
            .await?;
            let window = capacity::Window::open(meter.read().await);
            let result = load::run_spread(
                &addrs,
                connections,
                Duration::from_secs(args.duration),
                make,
                check,
            )
            .await?;
            capacity_rows.push(capacity::Row {
                scenario: s.name.to_string(),
                backend: args.backend.clone(),
                nodes: nodes.len(),
                connections,
                unit: "request",
                units: result.requests,
                requests: result.requests,
                usage: window.start.until(&meter.read().await),
                load: window.load(),
            });
            rows.push(format!(
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {:.2} |",
                s.name,
                args.backend,
                connections,
                result.per_second(),
                result.percentile_ms(0.5),
                result.percentile_ms(0.99),
                result.errors,
                nodes.rss_mib().unwrap_or(0.0),
                server.startup.as_secs_f64(),
            ));
        }
        drop(meter);
        drop(nodes);
        if given.is_none() {
            forget_database(&database_url).await;
        }
    }
    if !rows.is_empty() {
        println!(
            "| scenario | backend | connections | requests/s | p50 ms | p99 ms | errors | server RSS MiB | server start s |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for r in rows {
            println!("{r}");
        }
    }
    if !abuse_rows.is_empty() {
        println!(
            "| scenario | backend | normal connections | quiet carts/s | quiet p50 / p99 ms | quiet errors | abused carts/s | abused p50 / p99 ms | abused errors | p99 abused / quiet | abuser requests/s | abuser 201 / 429 / other |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for r in abuse_rows {
            println!("{r}");
        }
    }
    for (header, list) in [
        (care_report::ACCEPT_HEADER, accept_rows),
        (care_report::PROCESS_HEADER, process_rows),
    ] {
        if !list.is_empty() {
            println!("{header}");
            for r in list {
                println!("{r}");
            }
        }
    }
    if !flow_rows.is_empty() {
        println!(
            "| scenario | backend | sync | clients | orders/s | flow p50 ms | flow p99 ms | submit→completed p50 ms | submit→completed p99 ms | errors | server CPU % | bench CPU % | postgres CPU % | server RSS MiB |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for r in flow_rows {
            println!("{r}");
        }
        for t in step_tables {
            println!("\n{t}");
        }
    }
    if !capacity_rows.is_empty() {
        println!("\n{}", capacity::HEADER);
        for r in &capacity_rows {
            println!("{}", r.markdown());
        }
        if let Some(path) = &args.json {
            capacity::append_json(path, &capacity_rows)?;
        }
    }
    Ok(())
}

/// Drops a PostgreSQL database the run made, once its server stopped: a
/// care run leaves about 100 MB.
async fn forget_database(url: &str) {
    if let Err(e) = omni_store::testing::drop_database(url).await {
        eprintln!("could not drop the run's database: {e}");
    }
}

/// Runs the `order-flow` scenario: one second of warm-up, then the measured
/// run, its clients spread over the nodes; returns its table row, its
/// per-step table and its capacity row. CPU figures are percent of one
/// core over the measured run (this machine's cores are shared by the
/// servers, the bench and PostgreSQL).
async fn order_flow(
    args: &Args,
    nodes: &server::Nodes,
    meter: &mut meter::Meter,
    secret: &str,
    clients: usize,
) -> anyhow::Result<(String, String, capacity::Row)> {
    let mut options = flow::FlowOptions {
        clients,
        duration: Duration::from_secs(1),
        poll: Duration::from_millis(args.poll_ms),
        token: server::mint_token(&args.omni_bin, secret, "order.ops", None)?,
    };
    let addrs = nodes.addrs();
    let sequence = Arc::new(AtomicU64::new(0));
    let warm = flow::run(&addrs, &options, sequence.clone()).await?;
    print_errors("order-flow warm-up", &warm);
    options.duration = Duration::from_secs(args.duration);
    let postgres = args.backend == "postgres";
    let window = capacity::Window::open(meter.read().await);
    let result = flow::run(&addrs, &options, sequence).await?;
    let usage = window.start.until(&meter.read().await);
    print_errors("order-flow", &result);
    let [server_cpu, bench_cpu, postgres_cpu] = usage.percents(postgres);
    let row = format!(
        "| order-flow | {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {server_cpu} | {bench_cpu} | {postgres_cpu} | {:.0} |",
        args.backend,
        if postgres { "-" } else { &args.sqlite_sync },
        clients,
        result.per_second(),
        flow::ms(&result.flow_us, 0.5),
        flow::ms(&result.flow_us, 0.99),
        flow::ms(&result.completion_us, 0.5),
        flow::ms(&result.completion_us, 0.99),
        result.errors,
        nodes.rss_mib().unwrap_or(0.0),
    );
    let mut steps = format!(
        "order-flow steps ({}, {clients} clients; {} orders completed, {:.1} polls each at {} ms):\n\
         | step | answers | p50 ms | p99 ms |\n|---|---|---|---|",
        args.backend,
        result.completed,
        result.steps_us[flow::Step::Poll as usize].len() as f64 / result.completed.max(1) as f64,
        args.poll_ms,
    );
    for step in flow::Step::ALL {
        let h = &result.steps_us[step as usize];
        steps.push_str(&format!(
            "\n| {} | {} | {:.2} | {:.2} |",
            step.name(),
            h.len(),
            flow::ms(h, 0.5),
            flow::ms(h, 0.99)
        ));
    }
    let capacity = capacity::Row {
        scenario: "order-flow".into(),
        backend: args.backend.clone(),
        nodes: nodes.len(),
        connections: clients,
        unit: "order completed",
        units: result.completed,
        requests: result.answers(),
        usage,
        load: window.load(),
    };
    Ok((row, steps, capacity))
}

fn print_errors(what: &str, result: &flow::FlowResult) {
    if result.errors == 0 {
        return;
    }
    eprintln!("{what}: {} orders failed:", result.errors);
    for (kind, (count, first)) in &result.failures {
        eprintln!("  {count} × {kind}; the first: {first}");
    }
}
