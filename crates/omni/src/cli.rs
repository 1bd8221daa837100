use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use omni_api::auth::{Auth, AuthConfig, ClaimNames, Claims, OidcConfig};
use omni_api::hygiene::HttpConfig;
use omni_api::limits::{Limits, RateLimit};
use omni_app::secrets::SecretKeys;
use omni_core::PrincipalKind;
use omni_store::{ConnectOptions, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Shortest HS256 secret accepted: as long as the SHA-256 output it keys
/// (RFC 7518, section 3.2). A short secret can be guessed offline from any
/// one token.
pub const MIN_SECRET_BYTES: usize = 32;

/// The HS256 secret tokens are signed with, and where it came from.
pub struct Secret {
    pub value: String,
    /// `Some` when no `OMNI_JWT_SECRET` was set: this database's development
    /// secret, generated once and kept in this owner-only file.
    pub development_file: Option<PathBuf>,
}

#[derive(Parser, Debug, Clone)]
#[command(
    name = "omni",
    version,
    about = "Omni telecom commerce and ordering engine"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on.
    #[arg(
        long,
        env = "OMNI_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: String,

    /// `sqlite:PATH` or `postgres://…`.
    #[arg(
        long,
        env = "OMNI_DATABASE_URL",
        default_value = "sqlite:omni.db",
        global = true
    )]
    pub database_url: String,

    /// HS256 secret for bearer tokens, at least 32 bytes. Unset: a random
    /// development secret kept beside the database (loopback addresses only).
    #[arg(long, env = "OMNI_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// Tenant of unauthenticated callers and of `load` by default.
    #[arg(
        long,
        env = "OMNI_DEFAULT_TENANT",
        default_value = "default",
        global = true
    )]
    pub default_tenant: String,

    /// Base URL written into `href`s (default: http://LISTEN).
    #[arg(long, env = "OMNI_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Demo data loaded into an empty database at start.
    #[arg(long, env = "OMNI_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Largest database connection pool.
    #[arg(
        long,
        env = "OMNI_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,

    /// SQLite only: `full` fsyncs every commit (survives power loss), `normal` survives process crashes only.
    #[arg(long, env = "OMNI_SQLITE_SYNC", default_value = "full", value_parser = ["full", "normal"], global = true)]
    pub sqlite_sync: String,

    /// Requests per second each caller may sustain (token bucket, per process); 0 turns rate limiting off.
    #[arg(
        long,
        env = "OMNI_RATE_LIMIT_PER_SECOND",
        default_value_t = 0.0,
        global = true
    )]
    pub rate_limit_per_second: f64,

    /// Requests a caller may send at once; 0 means one second's worth of the rate.
    #[arg(long, env = "OMNI_RATE_BURST", default_value_t = 0, global = true)]
    pub rate_burst: u32,

    /// Requests served at once; more are answered 503 with Retry-After. 0: no cap.
    #[arg(
        long,
        env = "OMNI_MAX_IN_FLIGHT",
        default_value_t = 1024,
        global = true
    )]
    pub max_in_flight: usize,

    /// Seconds a request may take before it is answered 503. 0: no limit.
    #[arg(
        long,
        env = "OMNI_REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Largest request target plus headers, in bytes; 431 above.
    #[arg(
        long,
        env = "OMNI_MAX_HEADER_BYTES",
        default_value_t = 32 * 1024,
        global = true
    )]
    pub max_header_bytes: usize,

    /// Attempts at delivering one event to a subscriber before it is parked as a dead letter.
    #[arg(long, env = "OMNI_WEBHOOK_MAX_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100), global = true)]
    pub webhook_max_attempts: u32,

    /// Wait after a failed delivery, in ms; doubled after each further failure (with jitter), at most 10 minutes.
    #[arg(long, env = "OMNI_WEBHOOK_BACKOFF_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=600_000), global = true)]
    pub webhook_backoff_ms: u64,

    /// Time a subscriber has to answer one delivery, in ms.
    #[arg(long, env = "OMNI_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=60_000), global = true)]
    pub webhook_timeout_ms: u64,

    /// Addresses webhooks may reach although they are not public (loopback, private, link-local, ...): comma-separated CIDRs or host names, e.g. `10.20.0.0/16,hooks.internal`; empty: public addresses only.
    #[arg(long, env = "OMNI_WEBHOOK_ALLOW", default_value = "", global = true)]
    pub webhook_allow: String,

    /// PEM file of extra CA certificates trusted for https callbacks (a private CA), besides the public webpki roots.
    #[arg(long, env = "OMNI_WEBHOOK_CA_FILE", global = true)]
    pub webhook_ca_file: Option<std::path::PathBuf>,

    /// Counted attempts at a background job (completing an order, applying a care change) before it fails for good.
    #[arg(long, env = "OMNI_JOB_MAX_ATTEMPTS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub job_max_attempts: u32,

    /// Wait after a job's failed attempt, in ms; doubled after each further one (with jitter), at most 5 minutes.
    #[arg(long, env = "OMNI_JOB_BACKOFF_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=300_000), global = true)]
    pub job_backoff_ms: u64,

    /// NATS server to publish every committed event to (JetStream), e.g. `nats://127.0.0.1:4222`; unset: events are not published.
    #[arg(long, env = "OMNI_NATS_URL", global = true)]
    pub nats_url: Option<String>,

    /// JetStream stream the events go to; created at start when missing.
    #[arg(long, env = "OMNI_NATS_STREAM", default_value = "OMNI", global = true)]
    pub nats_stream: String,

    /// First token of every event's subject (`<prefix>.<tenant>.<api>.<eventType>`); the stream takes `<prefix>.>`.
    #[arg(
        long,
        env = "OMNI_NATS_SUBJECT_PREFIX",
        default_value = "omni",
        global = true
    )]
    pub nats_subject_prefix: String,

    /// The stream's duplicate window, in seconds, at least: an event published again after a crash within it is dropped by the stream.
    #[arg(long, env = "OMNI_NATS_DUPLICATE_WINDOW_SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(60..=86_400), global = true)]
    pub nats_duplicate_window_secs: u64,

    /// Origins whose browser pages may call the API (CORS), comma-separated and exact, e.g. `https://shop.example.com`; empty: no CORS headers.
    #[arg(long, env = "OMNI_CORS_ORIGINS", default_value = "", global = true)]
    pub cors_origins: String,

    /// Bearer token `/metrics` requires; unset or empty: `/metrics` is open.
    #[arg(
        long,
        env = "OMNI_METRICS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub metrics_token: Option<String>,

    /// Most items one cart, one order (and one add-items call) and one care order (changeRequest) may hold; 400 above.
    #[arg(long, env = "OMNI_MAX_ITEMS", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000), global = true)]
    pub max_items: u32,

    /// Most characteristics one cart or order item may carry; 400 above.
    #[arg(long, env = "OMNI_MAX_ITEM_CHARACTERISTICS", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000), global = true)]
    pub max_item_characteristics: u32,

    /// Most relationships (cartItemRelationship) one cart item may carry; 400 above.
    #[arg(long, env = "OMNI_MAX_ITEM_RELATIONSHIPS", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000), global = true)]
    pub max_item_relationships: u32,

    /// Largest document the server stores, in bytes of JSON as it built it; a write above is refused with 413.
    #[arg(long, env = "OMNI_MAX_DOCUMENT_BYTES", default_value_t = 256 * 1024, value_parser = clap::value_parser!(u64).range(4096..=64 * 1024 * 1024), global = true)]
    pub max_document_bytes: u64,

    /// OpenID Connect issuer whose tokens are accepted (RS256, ES256, EdDSA… verified against its JWKS), e.g. `https://idp.example.com/realms/omni`; tokens' `iss` must equal it. An https issuer needs a build with TLS support.
    #[arg(long, env = "OMNI_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,

    /// Audience the tokens must name in `aud`; required with OMNI_OIDC_ISSUER. Omni's own HS256 tokens that carry an `aud` must name it too.
    #[arg(long, env = "OMNI_OIDC_AUDIENCE", global = true)]
    pub oidc_audience: Option<String>,

    /// Client id of the Omni Console at the OpenID issuer (OMNI_OIDC_ISSUER): with it the console's sign-in page offers single sign-on (authorization code with PKCE, redirect URI `<OMNI_PUBLIC_URL>/console/oidc/callback`).
    #[arg(long, env = "OMNI_CONSOLE_OIDC_CLIENT_ID", global = true)]
    pub console_oidc_client_id: Option<String>,

    /// Client secret of the console's client, for an issuer that treats it as confidential; unset: a public client (PKCE alone).
    #[arg(
        long,
        env = "OMNI_CONSOLE_OIDC_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub console_oidc_client_secret: Option<String>,

    /// Scopes the console asks the issuer for, space-separated.
    #[arg(
        long,
        env = "OMNI_CONSOLE_OIDC_SCOPES",
        default_value = "openid",
        global = true
    )]
    pub console_oidc_scopes: String,

    /// Shortest time between two fetches of the issuer's keys (an unknown `kid` asks for one), in seconds.
    #[arg(long, env = "OMNI_OIDC_REFRESH_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub oidc_refresh_secs: u64,

    /// Claim (or dotted path) naming the tenant in the identity provider's tokens.
    #[arg(
        long,
        env = "OMNI_CLAIM_TENANT",
        default_value = "tenant",
        global = true
    )]
    pub claim_tenant: String,

    /// Claim (or dotted path, e.g. `realm_access.roles`) listing the roles in the identity provider's tokens.
    #[arg(long, env = "OMNI_CLAIM_ROLES", default_value = "roles", global = true)]
    pub claim_roles: String,

    /// Claim naming the care client in the identity provider's tokens (Keycloak: `azp`).
    #[arg(
        long,
        env = "OMNI_CLAIM_CLIENT",
        default_value = "client_id",
        global = true
    )]
    pub claim_client: String,

    /// Claim naming the principal type (user, m2m or customer) in the identity provider's tokens; absent or any other value: user.
    #[arg(long, env = "OMNI_CLAIM_TYPE", default_value = "typ", global = true)]
    pub claim_type: String,

    /// Clock skew tolerated on a token's exp, nbf and iat, in seconds.
    #[arg(long, env = "OMNI_TOKEN_LEEWAY_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=300), global = true)]
    pub token_leeway_secs: u64,

    /// Longest lifetime of a token (exp - iat, or exp - now without iat), in seconds; longer ones are refused.
    #[arg(long, env = "OMNI_TOKEN_MAX_LIFETIME_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(60..=31_536_000), global = true)]
    pub token_max_lifetime_secs: u64,

    // Secrets at rest and anonymous writes (issue 14), kept together.
    /// Key webhook signing secrets are stored sealed with (AES-256-GCM): base64 of 32 bytes, e.g. `openssl rand -base64 32`. Unset: a development key kept beside the database (loopback addresses only).
    #[arg(long, env = "OMNI_SECRETS_KEY", hide_env_values = true, global = true)]
    pub secrets_key: Option<String>,

    /// Earlier keys, comma-separated, still accepted for reading sealed secrets while they are rotated (`omni rotate-secrets`).
    #[arg(
        long,
        env = "OMNI_SECRETS_OLD_KEYS",
        hide_env_values = true,
        default_value = "",
        global = true
    )]
    pub secrets_old_keys: String,

    /// Writes (POST, PATCH, DELETE) per second each client address may send without a token (token bucket, per process); 0 turns this limit off.
    #[arg(
        long,
        env = "OMNI_ANONYMOUS_WRITE_RATE",
        default_value_t = 20.0,
        global = true
    )]
    pub anonymous_write_rate: f64,

    /// Writes a client address without a token may send at once.
    #[arg(
        long,
        env = "OMNI_ANONYMOUS_WRITE_BURST",
        default_value_t = 40,
        global = true
    )]
    pub anonymous_write_burst: u32,

    /// Log filter (tracing syntax), e.g. `info` or `omni_api=debug`.
    #[arg(long, env = "OMNI_LOG", default_value = "info", global = true)]
    pub log: String,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Serve the APIs (the default).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Import catalog JSON from DIR (files DIR/catalog/<resource>.json).
    Load {
        dir: PathBuf,
        #[arg(long, default_value = "default")]
        tenant: String,
    },
    /// Write a synthetic catalog of N offers (for scale tests) that `load` reads.
    GenCatalog {
        #[arg(long)]
        offers: usize,
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Mint a development bearer token.
    Token(TokenArgs),
    /// Seal every stored webhook secret with OMNI_SECRETS_KEY (those in clear and those sealed with one of OMNI_SECRETS_OLD_KEYS), then exit.
    RotateSecrets,
}

#[derive(Args, Debug, Clone)]
pub struct TokenArgs {
    /// Principal type: user, m2m or customer.
    #[arg(long = "type", default_value = "user", value_parser = ["user", "m2m", "customer"])]
    pub kind: String,
    /// Role to grant; repeat for several.
    #[arg(long = "role")]
    pub roles: Vec<String>,
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Subject (`sub`); for a customer, their party id.
    #[arg(long, default_value = "dev")]
    pub sub: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 86_400)]
    pub ttl: i64,
    /// Care client the token acts for (claim `client_id`); care calls must send it as `X-ATT-ClientId`.
    #[arg(long = "client")]
    pub client: Option<String>,
}

impl Cli {
    /// The secret of bearer tokens: `OMNI_JWT_SECRET` when set (refused when
    /// shorter than [`MIN_SECRET_BYTES`]); otherwise this database's
    /// development secret, which `serve` generates on its first start
    /// (`create`) and `omni token` reads, so that the README's two commands
    /// work without a public, well-known secret.
    pub fn secret(&self, create: bool) -> anyhow::Result<Secret> {
        if let Some(value) = self.jwt_secret.as_deref().filter(|s| !s.is_empty()) {
            anyhow::ensure!(
                value.len() >= MIN_SECRET_BYTES,
                "OMNI_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long (it has {}); \
                 e.g. `openssl rand -base64 48`",
                value.len()
            );
            return Ok(Secret {
                value: value.to_string(),
                development_file: None,
            });
        }
        let file = development_file(&self.database_url, "jwt-secret", "OMNI_JWT_SECRET")?;
        let value = match std::fs::read_to_string(&file) {
            Ok(text) => text.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                // 366 random bits: three v4 UUIDs, from the operating
                // system's generator.
                let value: String = (0..3)
                    .map(|_| uuid::Uuid::new_v4().simple().to_string())
                    .collect();
                write_new_file(&file, &value)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
                "OMNI_JWT_SECRET is not set and this database has no development secret yet \
                 ({}): start `omni serve` with this database once, or set OMNI_JWT_SECRET",
                file.display()
            ),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("reading the development secret {}", file.display()));
            }
        };
        anyhow::ensure!(
            value.len() >= MIN_SECRET_BYTES,
            "the development secret in {} is shorter than {MIN_SECRET_BYTES} bytes; \
             delete the file and start again",
            file.display()
        );
        Ok(Secret {
            value,
            development_file: Some(file),
        })
    }

    /// The keys webhook secrets are sealed with: `OMNI_SECRETS_KEY` (and
    /// `OMNI_SECRETS_OLD_KEYS`) when set; otherwise this database's
    /// development key, generated on the first start (`create`) beside the
    /// database like the development JWT secret, under the same rule: a
    /// server without a configured key serves on loopback addresses only.
    /// The second value is the development key's file, if one is used.
    pub fn secret_keys(&self, create: bool) -> anyhow::Result<(SecretKeys, Option<PathBuf>)> {
        if let Some(value) = self.secrets_key.as_deref().filter(|s| !s.is_empty()) {
            let keys = SecretKeys::from_base64(value, &self.secrets_old_keys)
                .map_err(anyhow::Error::msg)?;
            return Ok((keys, None));
        }
        let file = development_file(&self.database_url, "secrets-key", "OMNI_SECRETS_KEY")?;
        let value = match std::fs::read_to_string(&file) {
            Ok(text) => text.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                write_new_file(&file, &omni_app::secrets::new_key_base64())?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
                "OMNI_SECRETS_KEY is not set and this database has no development key yet ({}): \
                 start `omni serve` with this database once, or set OMNI_SECRETS_KEY",
                file.display()
            ),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("reading the development key {}", file.display()));
            }
        };
        let keys = SecretKeys::from_base64(&value, &self.secrets_old_keys)
            .map_err(|e| anyhow::anyhow!("the development key in {}: {e}", file.display()))?;
        Ok((keys, Some(file)))
    }

    /// The anonymous write limit these settings ask for; `None` when off.
    pub fn anonymous_writes(&self) -> anyhow::Result<Option<RateLimit>> {
        let per_second = self.anonymous_write_rate;
        if !per_second.is_finite() || per_second < 0.0 {
            anyhow::bail!("OMNI_ANONYMOUS_WRITE_RATE must be 0 (off) or a positive number");
        }
        Ok((per_second > 0.0).then(|| RateLimit {
            per_second,
            burst: self.anonymous_write_burst.max(1),
        }))
    }

    /// The configured OpenID issuer, if any (an empty value is none).
    pub fn issuer(&self) -> Option<&str> {
        self.oidc_issuer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The console's settings: single sign-on when both an issuer and the
    /// console's client id are set.
    pub fn console(&self) -> anyhow::Result<omni_console::ConsoleConfig> {
        let client_id = self
            .console_oidc_client_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let oidc = match (client_id, self.issuer()) {
            (None, _) => None,
            (Some(_), None) => anyhow::bail!(
                "OMNI_CONSOLE_OIDC_CLIENT_ID needs OMNI_OIDC_ISSUER: the console signs in at the issuer whose tokens the APIs accept"
            ),
            (Some(id), Some(_)) => {
                anyhow::ensure!(
                    self.console_oidc_scopes
                        .split_whitespace()
                        .any(|s| s == "openid"),
                    "OMNI_CONSOLE_OIDC_SCOPES must include openid"
                );
                Some(omni_console::oidc::OidcClient {
                    client_id: id.to_string(),
                    client_secret: self
                        .console_oidc_client_secret
                        .as_deref()
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                    scopes: self.console_oidc_scopes.trim().to_string(),
                })
            }
        };
        Ok(omni_console::ConsoleConfig { oidc })
    }

    /// Whether Omni's own HS256 tokens are accepted: always without an
    /// issuer; with one, only when OMNI_JWT_SECRET is set explicitly, so a
    /// production server that trusts its identity provider does not also
    /// trust a development secret lying beside the database.
    pub fn accepts_hs256(&self) -> bool {
        self.issuer().is_none() || self.jwt_secret.as_deref().is_some_and(|s| !s.is_empty())
    }

    /// How tokens are verified. `secret` is `None` when HS256 tokens are
    /// not accepted (see [`Self::accepts_hs256`]).
    pub fn auth(&self, secret: Option<&Secret>) -> anyhow::Result<Auth> {
        let audience = self
            .oidc_audience
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let oidc = match self.issuer() {
            None => None,
            Some(issuer) => {
                let audience = audience.context(
                    "OMNI_OIDC_AUDIENCE must be set with OMNI_OIDC_ISSUER: the audience the \
                     identity provider puts in tokens meant for Omni",
                )?;
                anyhow::ensure!(
                    issuer.starts_with("http://") || issuer.starts_with("https://"),
                    "OMNI_OIDC_ISSUER must be an http:// or https:// URL"
                );
                for (name, value) in [
                    ("OMNI_CLAIM_TENANT", &self.claim_tenant),
                    ("OMNI_CLAIM_ROLES", &self.claim_roles),
                    ("OMNI_CLAIM_CLIENT", &self.claim_client),
                    ("OMNI_CLAIM_TYPE", &self.claim_type),
                ] {
                    anyhow::ensure!(!value.trim().is_empty(), "{name} must not be empty");
                }
                let mut oidc = OidcConfig::new(issuer, audience);
                oidc.claims = ClaimNames {
                    tenant: self.claim_tenant.trim().to_string(),
                    roles: self.claim_roles.trim().to_string(),
                    client: self.claim_client.trim().to_string(),
                    kind: self.claim_type.trim().to_string(),
                };
                oidc.min_refresh_interval = Duration::from_secs(self.oidc_refresh_secs);
                Some(oidc)
            }
        };
        Ok(Auth::from_config(AuthConfig {
            hs256_secret: secret.map(|s| s.value.as_bytes().to_vec()),
            default_tenant: self.default_tenant.clone(),
            leeway_secs: self.token_leeway_secs,
            max_lifetime_secs: self.token_max_lifetime_secs,
            audience: audience.map(str::to_string),
            oidc,
        }))
    }

    /// The request limits these settings ask for.
    pub fn limits(&self) -> anyhow::Result<Limits> {
        let per_second = self.rate_limit_per_second;
        if !per_second.is_finite() || per_second < 0.0 {
            anyhow::bail!("OMNI_RATE_LIMIT_PER_SECOND must be 0 (off) or a positive number");
        }
        let rate = (per_second > 0.0).then(|| RateLimit {
            per_second,
            burst: match self.rate_burst {
                0 => per_second.ceil().min(f64::from(u32::MAX)) as u32,
                n => n,
            },
        });
        Ok(Limits {
            rate,
            anonymous_writes: self.anonymous_writes()?,
            max_in_flight: (self.max_in_flight > 0).then_some(self.max_in_flight),
            request_timeout: (self.request_timeout_secs > 0)
                .then(|| Duration::from_secs(self.request_timeout_secs)),
            max_header_bytes: self.max_header_bytes,
        })
    }

    /// The CORS origins and metrics token these settings ask for.
    pub fn http(&self) -> anyhow::Result<HttpConfig> {
        let mut cors_origins = Vec::new();
        for origin in self.cors_origins.split(',').map(str::trim) {
            if origin.is_empty() {
                continue;
            }
            if !is_origin(origin) {
                anyhow::bail!(
                    "OMNI_CORS_ORIGINS: '{origin}' is not an origin; write each as scheme://host[:port], without a path or a trailing slash"
                );
            }
            // Browsers send the scheme and host in lower case.
            cors_origins.push(origin.to_ascii_lowercase());
        }
        Ok(HttpConfig {
            cors_origins,
            metrics_token: self.metrics_token.clone().filter(|t| !t.is_empty()),
        })
    }

    /// Where events are published, when `OMNI_NATS_URL` is set; a stream
    /// name or prefix NATS would refuse stops the start.
    pub fn event_stream(
        &self,
    ) -> anyhow::Result<Option<omni_app::event_stream::EventStreamConfig>> {
        let Some(url) = self.nats_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let config = omni_app::event_stream::EventStreamConfig {
            stream: self.nats_stream.clone(),
            prefix: self.nats_subject_prefix.clone(),
            duplicate_window: std::time::Duration::from_secs(self.nats_duplicate_window_secs),
            ..omni_app::event_stream::EventStreamConfig::new(url.trim())
        };
        config.check().map_err(anyhow::Error::msg)?;
        Ok(Some(config))
    }

    /// What one request may make, as these settings ask.
    pub fn app_limits(&self) -> omni_app::limits::Limits {
        // Each setting is bounded by its parser, so the conversions hold.
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        omni_app::limits::Limits {
            max_items: self.max_items as usize,
            max_item_characteristics: self.max_item_characteristics as usize,
            max_item_relationships: self.max_item_relationships as usize,
            max_document_bytes: size(self.max_document_bytes),
        }
    }

    pub async fn connect(&self) -> anyhow::Result<Arc<dyn Store>> {
        let options = ConnectOptions {
            max_connections: self.db_max_connections,
            sqlite_sync_full: self.sqlite_sync == "full",
        };
        omni_store::connect(&self.database_url, &options)
            .await
            .with_context(|| format!("opening database {}", redact(&self.database_url)))
    }

    pub fn mint_token(&self, args: &TokenArgs) -> anyhow::Result<String> {
        let kind = match args.kind.as_str() {
            "m2m" => PrincipalKind::M2m,
            "customer" => PrincipalKind::Customer,
            _ => PrincipalKind::User,
        };
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: args.sub.clone(),
            kind,
            roles: args.roles.clone(),
            tenant: args.tenant.clone(),
            client_id: args.client.clone(),
            iat: now,
            exp: now + args.ttl,
        };
        anyhow::ensure!(
            self.accepts_hs256(),
            "OMNI_OIDC_ISSUER is set and OMNI_JWT_SECRET is not: the server accepts only the \
             identity provider's tokens, so `omni token` has nothing to sign with"
        );
        anyhow::ensure!(
            u64::try_from(args.ttl).map_or(true, |ttl| ttl <= self.token_max_lifetime_secs),
            "--ttl must be at most OMNI_TOKEN_MAX_LIFETIME_SECS ({} s): the server would refuse a longer-lived token",
            self.token_max_lifetime_secs
        );
        let secret = self.secret(false)?;
        Ok(self.auth(Some(&secret))?.mint(&claims)?)
    }
}

/// Where a database's development secret `name` lives: beside a SQLite
/// file (`omni.db` → `omni.db.jwt-secret`, so deleting `omni.db*` starts
/// over with a new one), or for PostgreSQL in the working directory, one
/// file per URL. `setting` is what to set instead.
fn development_file(database_url: &str, name: &str, setting: &str) -> anyhow::Result<PathBuf> {
    if let Some(rest) = database_url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or_default();
        anyhow::ensure!(
            !path.is_empty() && path != ":memory:",
            "an in-memory database keeps no development secret: set {setting}"
        );
        return Ok(PathBuf::from(format!("{path}.{name}")));
    }
    // FNV-1a: only to give each URL its own stable file name.
    let hash = database_url
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    Ok(PathBuf::from(format!(".omni-{name}-{hash:016x}")))
}

/// Writes `value` to a new file only its owner may read, and answers it.
fn write_new_file(file: &std::path::Path, value: &str) -> anyhow::Result<String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options
        .open(file)
        .with_context(|| format!("creating the development secret {}", file.display()))?;
    out.write_all(value.as_bytes())
        .and_then(|()| out.sync_all())
        .with_context(|| format!("writing the development secret {}", file.display()))?;
    Ok(value.to_string())
}

/// `http(s)://host[:port]`: what a browser sends as `Origin`. A wildcard
/// is refused: the list is of sites trusted by name.
fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// Hides a password in a database URL before it is logged.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_writes_are_limited_by_default_and_zero_turns_it_off() {
        let cli = Cli::parse_from(["omni"]);
        if std::env::var_os("OMNI_ANONYMOUS_WRITE_RATE").is_none() {
            assert_eq!(
                cli.anonymous_writes().ok().flatten(),
                Some(RateLimit {
                    per_second: 20.0,
                    burst: 40
                })
            );
        }
        let off = Cli::parse_from(["omni", "--anonymous-write-rate", "0"]);
        assert_eq!(off.anonymous_writes().ok().flatten(), None);
        let bad = Cli::parse_from(["omni", "--anonymous-write-rate=-1"]);
        assert!(bad.anonymous_writes().is_err());
    }
}
