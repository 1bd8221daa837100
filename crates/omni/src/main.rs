//! `omni`: the server and its command-line tools.

mod cli;
mod serve;

use omni::{generate, load};

use anyhow::Context;
use clap::Parser;
use cli::{Cli, Command};

// Request handling builds and drops many small JSON values on every worker
// thread; glibc's allocator spent about a third of the server's CPU on them
// in the cart benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Returns mimalloc's free pages to the kernel (after a full build of a
/// discovery index, which parses every offering).
fn release_free_memory() {
    // SAFETY: mi_collect frees only memory no allocation uses any more.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    omni_app::caches::set_memory_release(release_free_memory);
    let cli = Cli::parse();
    init_logging(&cli.log);
    match cli.command.clone().unwrap_or(Command::Serve) {
        Command::Serve => serve::serve(&cli).await,
        Command::Migrate => {
            let store = cli.connect().await?;
            store.migrate().await.context("migrating the database")?;
            println!("schema is up to date ({})", store.backend());
            Ok(())
        }
        Command::Load { dir, tenant } => {
            let store = cli.connect().await?;
            store.migrate().await.context("migrating the database")?;
            let report = load::load_dir(store.as_ref(), &dir, &tenant).await?;
            println!("{report}");
            Ok(())
        }
        Command::GenCatalog { offers, out, seed } => {
            println!("{}", generate::generate(offers, &out, seed)?);
            Ok(())
        }
        Command::Openapi => {
            let doc = omni_api::openapi();
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
        Command::Token(args) => {
            println!("{}", cli.mint_token(&args)?);
            Ok(())
        }
        Command::RotateSecrets => rotate_secrets(&cli).await,
    }
}

/// Seals every stored webhook secret with the current key, so that the
/// keys in OMNI_SECRETS_OLD_KEYS can then be dropped. Safe while servers
/// run: each subscription is rewritten over the version it was read at.
async fn rotate_secrets(cli: &Cli) -> anyhow::Result<()> {
    let (keys, _) = cli.secret_keys(false)?;
    let store = cli.connect().await?;
    store.migrate().await?;
    let current = keys.current_id().to_string();
    let ctx = omni_app::Context::new(
        store,
        omni_app::AppConfig {
            secrets: keys,
            ..omni_app::AppConfig::default()
        },
    );
    let done = omni_app::webhook::subscription::reseal_all(&ctx)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{} webhook subscriptions checked; {} secrets sealed again with key {current}",
        done.checked, done.resealed
    );
    for (id, why) in &done.unreadable {
        eprintln!("subscription {id}: its secret cannot be opened: {why}");
    }
    anyhow::ensure!(
        done.unreadable.is_empty(),
        "{} secrets could not be opened: add the key they were sealed with to OMNI_SECRETS_OLD_KEYS and run again",
        done.unreadable.len()
    );
    Ok(())
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
