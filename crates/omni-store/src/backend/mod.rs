//! The two backends share one implementation: the SQL is portable (SQLite
//! accepts `$N` placeholders), and the few differences (schema DDL, row locking
//! when claiming jobs, pool shape, how writes commit) are data in [`Dialect`]
//! and [`SqlStore`]. Writes are [`ops::WriteOp`] values run by [`exec`]; on
//! PostgreSQL each commits in its own transaction, on SQLite they go to the
//! group-commit writer of [`sqlite_writer`].

mod copied_error;
mod counts;
mod exec;
#[cfg(test)]
mod group_tests;
mod idempotency;
mod keyed;
mod many;
mod ops;
mod sequencer;
mod slice;
mod sqlite_writer;
mod storable;
mod store;

use crate::{Result, Store, StoreError};
use sqlite_writer::GroupWriter;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Postgres, Sqlite};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The columns a [`crate::Job`] is read from, in every statement that answers
/// jobs (a macro, so that statements stay `&'static str` via `concat!`).
macro_rules! job_columns {
    () => {
        "id, tenant, kind, payload, status, run_at, attempts, lease_owner, lease_until, last_error, created_at, updated_at"
    };
}
pub(crate) use job_columns;

struct Dialect {
    name: &'static str,
    migrations: &'static [(i64, &'static str)],
    claim_jobs: &'static str,
    /// Run after a bulk load, so that the planner sees the table as it is.
    /// PostgreSQL, before a table's first ANALYZE, finds lookups by id as
    /// cheap through `documents_by_owner` as through the primary key, and
    /// then reads every document of the kind for each one (autovacuum's
    /// first ANALYZE comes up to a minute later). The search keys the load
    /// wrote are analysed with them. SQLite always takes the primary key
    /// for them.
    analyze_after_load: Option<&'static str>,
}

const SQLITE: Dialect = Dialect {
    name: "sqlite",
    analyze_after_load: None,
    migrations: &[
        (1, include_str!("../migrations/0001_sqlite.sql")),
        (2, include_str!("../migrations/0002_sqlite.sql")),
        (3, include_str!("../migrations/0003_sqlite.sql")),
        (5, include_str!("../migrations/0005_sqlite.sql")),
        (7, include_str!("../migrations/0007_sqlite.sql")),
        (8, include_str!("../migrations/0008_sqlite.sql")),
        (9, include_str!("../migrations/0009_sqlite.sql")),
        (10, include_str!("../migrations/0010_sqlite.sql")),
    ],
    // One writer connection serialises claims, so no row locks are needed.
    claim_jobs: concat!(
        "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE kind = $4 AND status = 'pending' AND run_at <= $3 \
         AND (lease_until IS NULL OR lease_until < $3) ORDER BY run_at, id LIMIT $5) RETURNING ",
        job_columns!()
    ),
};

const POSTGRES: Dialect = Dialect {
    name: "postgres",
    analyze_after_load: Some("ANALYZE documents, document_keys"),
    migrations: &[
        (1, include_str!("../migrations/0001_postgres.sql")),
        (2, include_str!("../migrations/0002_postgres.sql")),
        (3, include_str!("../migrations/0003_postgres.sql")),
        (4, include_str!("../migrations/0004_postgres.sql")),
        (5, include_str!("../migrations/0005_postgres.sql")),
        (7, include_str!("../migrations/0007_postgres.sql")),
        (8, include_str!("../migrations/0008_postgres.sql")),
        (9, include_str!("../migrations/0009_postgres.sql")),
        (10, include_str!("../migrations/0010_postgres.sql")),
    ],
    claim_jobs: concat!(
        "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE kind = $4 AND status = 'pending' AND run_at <= $3 \
         AND (lease_until IS NULL OR lease_until < $3) ORDER BY run_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) RETURNING ",
        job_columns!()
    ),
};

/// Options for [`connect`].
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub max_connections: u32,
    /// SQLite only: fsync the WAL on every commit. Off trades durability across
    /// a power loss (not a process crash) for write speed.
    pub sqlite_sync_full: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            sqlite_sync_full: true,
        }
    }
}

pub struct SqlStore<DB: sqlx::Database> {
    /// Reads go here; for SQLite a pool of readers beside the single writer.
    reader: Pool<DB>,
    /// Writes on PostgreSQL; on an SQLite file only migrations and the expiry
    /// sweep's read use it (one connection), every other write goes to `group`.
    writer: Pool<DB>,
    /// SQLite's group-commit writer; `None` on PostgreSQL, whose concurrent
    /// connections commit in parallel already, and on an in-memory SQLite.
    group: Option<GroupWriter>,
    dialect: &'static Dialect,
    /// When PostgreSQL's stream numbering last ran on this node.
    sequencer: sequencer::Sequencer,
    /// Rows bulk puts have written since the store opened, and how many at
    /// the last [`Dialect::analyze_after_load`].
    put_rows: std::sync::Mutex<(u64, u64)>,
}

impl<DB: sqlx::Database> SqlStore<DB> {
    /// Whether a bulk put of `rows` should be followed by the dialect's
    /// ANALYZE: the first, then whenever the rows put have doubled since the
    /// last. After every batch, a million offers' load ran hundreds of them;
    /// statistics within a factor of two of the table choose the same plans.
    fn analyze_due(&self, rows: usize) -> bool {
        let mut put = self.put_rows.lock().unwrap_or_else(|p| p.into_inner());
        put.0 += rows as u64;
        if put.0 >= put.1.saturating_mul(2).max(1) {
            put.1 = put.0;
            return true;
        }
        false
    }
}

/// Opens the database a URL names: `sqlite:PATH` (or `sqlite::memory:`) or
/// `postgres://…`. The schema is not touched; call [`Store::migrate`].
pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let connect = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect)
            .await?;
        return Ok(Arc::new(SqlStore::<Postgres> {
            reader: pool.clone(),
            writer: pool,
            group: None,
            put_rows: Default::default(),
            dialect: &POSTGRES,
            sequencer: Default::default(),
        }));
    }
    if !url.starts_with("sqlite:") {
        return Err(StoreError::UnsupportedUrl(url.to_string()));
    }
    let sync = if options.sqlite_sync_full {
        SqliteSynchronous::Full
    } else {
        SqliteSynchronous::Normal
    };
    let connect = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sync)
        .busy_timeout(Duration::from_secs(10));
    if !url.contains(":memory:") && !url.contains("mode=memory") {
        create_private(connect.get_filename())?;
    }
    // SQLite has one writer at a time; a single writing connection queues
    // writes in-process instead of failing them with SQLITE_BUSY. On a file
    // that is the group writer's, and the pool of one beside it serves
    // migrations (which run before any write) and the expiry sweep's read.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(connect.clone())
        .await?;
    if url.contains(":memory:") {
        // Connections to one in-memory database share its cache and lock its
        // tables against each other, so one connection does everything; with
        // no fsync to share, group commit would gain nothing.
        return Ok(Arc::new(SqlStore::<Sqlite> {
            reader: writer.clone(),
            writer,
            group: None,
            put_rows: Default::default(),
            dialect: &SQLITE,
            sequencer: Default::default(),
        }));
    }
    let group = Some(GroupWriter::start(connect.clone(), SQLITE.claim_jobs).await?);
    // sqlx hands each row from the connection's thread to the caller through
    // a channel of 50 by default: a page of 5,000 catalog documents then
    // woke the two threads for every few rows, and a third of a million
    // offers' start-up went to those wake-ups (issue 17). A reader may
    // buffer a page; at most 8 readers, each row a document.
    let reader = SqlitePoolOptions::new()
        .max_connections(options.max_connections.clamp(1, 8))
        .connect_with(connect.read_only(true).row_buffer_size(1024))
        .await?;
    Ok(Arc::new(SqlStore::<Sqlite> {
        reader,
        writer,
        group,
        dialect: &SQLITE,
        sequencer: Default::default(),
        put_rows: Default::default(),
    }))
}

/// Creates a new database file readable and writable by its owner only
/// (orders and care orders hold customers' details). SQLite gives the
/// `-wal` and `-shm` files it makes beside it the same mode. An existing
/// file is left as it is: its mode is its owner's choice.
fn create_private(path: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if path.as_os_str().is_empty() || path.exists() {
            return Ok(());
        }
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Ok(_) => {}
            // Made at the same moment by another process: theirs to own.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::Database(sqlx::Error::Io(e))),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

fn job_error(e: sqlx::Error, id: &str) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::AlreadyExists {
            kind: "job".into(),
            id: id.to_string(),
        }
    } else {
        e.into()
    }
}

fn parse_body(text: &str, what: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
