//! `omni-bench`: starts the release server on a fresh database, drives each
//! scenario with a closed-loop load generator on this machine, and prints one
//! markdown table. Scenarios are code in `scenarios.rs`.

mod load;
mod scenarios;
mod server;
mod store;

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
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
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// `sqlite` or `postgres` (a fresh database on OMNI_TEST_POSTGRES_URL's server).
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// SQLite synchronous mode for the server: full or normal.
    #[arg(long, default_value = "full")]
    sqlite_sync: String,
    /// The server binary.
    #[arg(long, default_value = "target/release/omni")]
    omni_bin: PathBuf,
}

/// The scenario that drives omni-store in this process instead of a server.
const STORE_INSERT: &str = "store-insert";

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
    let all = scenarios::all();
    if args.list {
        for s in &all {
            println!("{:<20} {}", s.name, s.description);
        }
        println!(
            "{STORE_INSERT:<20} insert cart-sized documents with an event through omni-store directly, no HTTP"
        );
        return Ok(());
    }
    let wanted: Vec<&str> = args.scenarios.split(',').map(str::trim).collect();
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|s| wanted.contains(&s.name))
        .collect();
    anyhow::ensure!(
        !chosen.is_empty() || wanted.contains(&STORE_INSERT),
        "no scenario matches {:?}; see --list",
        args.scenarios
    );

    let mut rows = Vec::new();
    if wanted.contains(&STORE_INSERT) {
        rows.push(store_insert(&args).await?);
    }
    // Scenarios that need the same data set share one server start.
    let mut groups: Vec<(scenarios::DataSet, Vec<&scenarios::Scenario>)> = Vec::new();
    for s in &chosen {
        match groups.iter_mut().find(|(d, _)| *d == s.data) {
            Some((_, list)) => list.push(s),
            None => groups.push((s.data, vec![s])),
        }
    }
    for (data, list) in groups {
        let scratch = server::Scratch::new("run")?;
        let database_url = match args.backend.as_str() {
            "postgres" => {
                // SAFETY of intent: the test helper reads this to pick PostgreSQL.
                unsafe { std::env::set_var("OMNI_TEST_BACKEND", "postgres") };
                omni_store::testing::fresh_database_url().await
            }
            _ => format!("sqlite:{}", scratch.0.join("bench.db").display()),
        };
        let data_dir = scenarios::prepare(data, &args.omni_bin, &scratch.0, &database_url)?;
        let secret = "bench-secret";
        let server = server::Server::start(&server::ServerConfig {
            binary: &args.omni_bin,
            database_url: &database_url,
            data_dir: &data_dir,
            secret,
            sqlite_sync: &args.sqlite_sync,
        })
        .context("starting the server")?;
        eprintln!(
            "server up on {} ({}, data set {:?}) in {:.2} s, RSS {:.0} MiB",
            server.addr,
            args.backend,
            data,
            server.startup.as_secs_f64(),
            server.rss_mib().unwrap_or(0.0)
        );
        for s in list {
            let (make, check) = (s.build)()?;
            let connections = s.connections.unwrap_or(args.connections);
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
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {:.2} |",
                s.name,
                args.backend,
                connections,
                result.per_second(),
                result.percentile_ms(0.5),
                result.percentile_ms(0.99),
                result.errors,
                server.rss_mib().unwrap_or(0.0),
                server.startup.as_secs_f64(),
            ));
        }
    }
    println!(
        "| scenario | backend | connections | requests/s | p50 ms | p99 ms | errors | server RSS MiB | server start s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
