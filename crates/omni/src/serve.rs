use crate::cli::{Cli, redact};
use anyhow::Context;
use omni::load;
use omni_api::state::{ApiConfig, AppState};
use omni_app::AppConfig;
use omni_app::jobs::JobConfig;
use omni_app::webhook::client::read_ca_file;
use omni_app::webhook::{AddressPolicy, WebhookConfig};
use std::time::Duration;

pub async fn serve(cli: &Cli) -> anyhow::Result<()> {
    let limits = cli.limits()?;
    let http = cli.http()?;
    // Bad webhook settings stop the start before anything is written.
    let webhooks = WebhookConfig {
        max_attempts: cli.webhook_max_attempts,
        backoff_base: Duration::from_millis(cli.webhook_backoff_ms),
        timeout: Duration::from_millis(cli.webhook_timeout_ms),
        allow: AddressPolicy::parse(&cli.webhook_allow)
            .map_err(|e| anyhow::anyhow!("OMNI_WEBHOOK_ALLOW: {e}"))?,
        extra_roots: match &cli.webhook_ca_file {
            Some(path) => read_ca_file(path).map_err(anyhow::Error::msg)?,
            None => Vec::new(),
        },
        ..WebhookConfig::default()
    };
    let event_stream = cli.event_stream()?;
    let console = cli.console()?;
    let listener = tokio::net::TcpListener::bind(&cli.listen)
        .await
        .with_context(|| format!("listening on {}", cli.listen))?;
    let addr = listener.local_addr()?;
    // The development secret is fine for one person's machine, not for a
    // server others can reach: there a real secret must be configured. This
    // is checked before anything is written (secret file, database).
    // With an identity provider and no explicit secret, no HS256 token is
    // accepted at all, so no development secret is made.
    anyhow::ensure!(
        !cli.accepts_hs256()
            || cli.jwt_secret.as_deref().is_some_and(|s| !s.is_empty())
            || addr.ip().is_loopback(),
        "OMNI_JWT_SECRET is not set and {addr} is not a loopback address: set a secret of \
         at least 32 bytes, or an identity provider (OMNI_OIDC_ISSUER) (without either, Omni \
         serves on 127.0.0.1 only)"
    );
    anyhow::ensure!(
        cli.secrets_key.as_deref().is_some_and(|s| !s.is_empty()) || addr.ip().is_loopback(),
        "OMNI_SECRETS_KEY is not set and {addr} is not a loopback address: set a key \
         (base64 of 32 bytes, e.g. `openssl rand -base64 32`) to seal webhook secrets with"
    );
    // Checked before the secret file is written.
    cli.auth(None)?;
    let secret = if cli.accepts_hs256() {
        Some(cli.secret(true)?)
    } else {
        None
    };
    let (secret_keys, key_file) = cli.secret_keys(true)?;
    if let Some(file) = &key_file {
        tracing::warn!(file = %file.display(), "OMNI_SECRETS_KEY is not set: webhook secrets are sealed with this database's development key");
    }
    if let Some(file) = secret.as_ref().and_then(|s| s.development_file.as_ref()) {
        tracing::warn!(file = %file.display(), "OMNI_JWT_SECRET is not set: tokens are signed with this database's development secret");
        eprintln!(
            "Note: OMNI_JWT_SECRET is not set; tokens are signed with the development secret in {} \
             (`omni token` reads it). Set OMNI_JWT_SECRET in production.",
            file.display()
        );
    }
    let store = cli.connect().await?;
    store.migrate().await.context("migrating the database")?;
    if let Some(report) =
        load::load_demo_once(store.as_ref(), &cli.data_dir, &cli.default_tenant).await?
    {
        tracing::info!(%report, "demo data loaded");
    }
    let public_url = cli
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let config = ApiConfig {
        app: AppConfig {
            public_url: public_url.trim_end_matches('/').to_string(),
            webhooks,
            jobs: JobConfig {
                max_attempts: cli.job_max_attempts,
                backoff_base: Duration::from_millis(cli.job_backoff_ms),
                ..JobConfig::default()
            },
            limits: cli.app_limits(),
            secrets: secret_keys,
            event_stream: event_stream.clone(),
            ..AppConfig::default()
        },
        limits,
        http,
        ..ApiConfig::default()
    };
    let auth = cli.auth(secret.as_ref())?;
    if let Some(keys) = auth.key_set() {
        // Fetched now so the first request need not wait; a failure is
        // logged and retried when a token comes (503 until it succeeds).
        keys.refresh().await;
    }
    let state = AppState::new(store.clone(), auth, config);
    let started = std::time::Instant::now();
    omni_app::workers::warm_up(&state.ctx)
        .await
        .context("building the discovery index and caches")?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "discovery index ready"
    );
    if let Some(stream) = &event_stream {
        // Only the database is needed here: NATS may be away, the publisher
        // waits for it.
        omni_app::event_stream::install(&state.ctx, stream)
            .await
            .context("installing the event stream publisher")?;
        tracing::info!(url = %redact(&stream.url), stream = %stream.stream, "events are published to NATS JetStream");
    }
    let (stop_workers, workers_stopped) = tokio::sync::watch::channel(false);
    let workers = omni_app::workers::spawn(&state.ctx, workers_stopped);
    let app = omni_console::app_with(state, console);
    tracing::info!(%addr, database = %redact(&cli.database_url), backend = store.backend(), "listening");
    println!(
        "Omni listening on http://{addr} ({} database)",
        store.backend()
    );
    println!("API docs: http://{addr}/docs  (OpenAPI: http://{addr}/openapi.json)");
    println!("Console: http://{addr}/console");
    // The peer address keys the rate limit of callers without a token.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    // In-flight requests are done; now the background workers.
    let _ = stop_workers.send(true);
    for worker in workers {
        if let Err(e) = worker.await {
            tracing::error!(error = %e, "a background worker ended abnormally");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM; in-flight requests then finish before exit.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
