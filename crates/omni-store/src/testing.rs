//! Fresh, isolated databases for tests, on the backend `OMNI_TEST_BACKEND`
//! names (`sqlite`, the default, or `postgres`). PostgreSQL tests create one
//! database each on the server `OMNI_TEST_POSTGRES_URL` points at (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); `scripts/test` drops them.

use crate::{ConnectOptions, Store, connect};
use sqlx::Connection;
use std::sync::Arc;

pub const DATABASE_PREFIX: &str = "omni_test_";

pub fn backend() -> String {
    std::env::var("OMNI_TEST_BACKEND").unwrap_or_else(|_| "sqlite".into())
}

/// A URL for a new, empty database on the test backend.
pub async fn fresh_database_url() -> String {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    match backend().as_str() {
        "postgres" => {
            let admin = std::env::var("OMNI_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("{DATABASE_PREFIX}{suffix}");
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("cannot reach test PostgreSQL at {admin}: {e}"));
            let create = format!("CREATE DATABASE {name}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            format!("{base}/{name}")
        }
        "sqlite" => {
            let path = std::env::temp_dir().join(format!("{DATABASE_PREFIX}{suffix}.db"));
            format!("sqlite:{}", path.display())
        }
        other => panic!("OMNI_TEST_BACKEND must be sqlite or postgres, not {other}"),
    }
}

/// A migrated store on a fresh database.
pub async fn fresh_store() -> Arc<dyn Store> {
    let url = fresh_database_url().await;
    let store = connect(&url, &ConnectOptions::default())
        .await
        .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("cannot migrate {url}: {e}"));
    store
}

/// Drops a PostgreSQL database that [`fresh_database_url`] made, once
/// nothing uses it (for benchmarks, whose databases are large); other URLs
/// are left alone.
pub async fn drop_database(url: &str) -> crate::Result<()> {
    let Some((_, name)) = url.rsplit_once('/') else {
        return Ok(());
    };
    let made_here = name
        .strip_prefix(DATABASE_PREFIX)
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !url.starts_with("postgres") || !made_here {
        return Ok(());
    }
    let admin = std::env::var("OMNI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut conn = sqlx::PgConnection::connect(&admin).await?;
    // The name was checked above: the prefix and letters and digits only.
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
        .execute(&mut conn)
        .await?;
    Ok(())
}
