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
