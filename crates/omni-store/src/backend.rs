//! The two backends share one implementation: the SQL is portable (SQLite
//! accepts `$N` placeholders), and the few differences (schema DDL, row locking
//! when claiming jobs, pool shape) are data in [`Dialect`].

use crate::{
    BodyRow, Document, DocumentKey, DocumentQuery, DocumentWrite, Effects, Job, JobClaim,
    JobOutcome, JobStatus, NewEvent, NewJob, Result, Store, StoreError, StoredEvent,
};
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Postgres, Row, Sqlite};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

struct Dialect {
    name: &'static str,
    migrations: &'static [(i64, &'static str)],
    claim_jobs: &'static str,
}

const SQLITE: Dialect = Dialect {
    name: "sqlite",
    migrations: &[
        (1, include_str!("migrations/0001_sqlite.sql")),
        (2, include_str!("migrations/0002_sqlite.sql")),
    ],
    // One writer connection serialises claims, so no row locks are needed.
    claim_jobs: "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE kind = $4 AND status = 'pending' AND run_at <= $3 \
         AND (lease_until IS NULL OR lease_until < $3) ORDER BY run_at, id LIMIT $5) \
         RETURNING id, tenant, kind, payload, status, run_at, attempts, lease_owner, lease_until, last_error",
};

const POSTGRES: Dialect = Dialect {
    name: "postgres",
    migrations: &[
        (1, include_str!("migrations/0001_postgres.sql")),
        (2, include_str!("migrations/0002_postgres.sql")),
    ],
    claim_jobs: "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE kind = $4 AND status = 'pending' AND run_at <= $3 \
         AND (lease_until IS NULL OR lease_until < $3) ORDER BY run_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) \
         RETURNING id, tenant, kind, payload, status, run_at, attempts, lease_owner, lease_until, last_error",
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
    writer: Pool<DB>,
    dialect: &'static Dialect,
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
            dialect: &POSTGRES,
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
    // SQLite has one writer at a time; a single writer connection queues
    // writes in-process instead of failing them with SQLITE_BUSY.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(connect.clone())
        .await?;
    let reader = if url.contains(":memory:") {
        writer.clone()
    } else {
        SqlitePoolOptions::new()
            .max_connections(options.max_connections.clamp(1, 8))
            .connect_with(connect.read_only(true))
            .await?
    };
    Ok(Arc::new(SqlStore::<Sqlite> {
        reader,
        writer,
        dialect: &SQLITE,
    }))
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

macro_rules! impl_store {
    ($db:ty) => {
        impl SqlStore<$db> {
            fn document_from_row(row: &<$db as sqlx::Database>::Row) -> Result<Document> {
                let body: String = row.try_get("body")?;
                let id: String = row.try_get("id")?;
                Ok(Document {
                    tenant: row.try_get("tenant")?,
                    kind: row.try_get("kind")?,
                    body: parse_body(&body, &id)?,
                    id,
                    version: row.try_get("version")?,
                    owner: row.try_get("owner")?,
                    state: row.try_get("state")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn job_from_row(row: &<$db as sqlx::Database>::Row) -> Result<Job> {
                let payload: String = row.try_get("payload")?;
                let status: String = row.try_get("status")?;
                let id: String = row.try_get("id")?;
                Ok(Job {
                    payload: parse_body(&payload, &id)?,
                    status: JobStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("job {id} status {status}")))?,
                    id,
                    tenant: row.try_get("tenant")?,
                    kind: row.try_get("kind")?,
                    run_at: row.try_get("run_at")?,
                    attempts: row.try_get("attempts")?,
                    lease_owner: row.try_get("lease_owner")?,
                    lease_until: row.try_get("lease_until")?,
                    last_error: row.try_get("last_error")?,
                })
            }

            async fn apply_effects(
                tx: &mut sqlx::Transaction<'static, $db>,
                effects: &Effects,
            ) -> Result<()> {
                // The expiry is written by the insert or update itself.
                for name in &effects.bump {
                    sqlx::query(
                        "INSERT INTO counters (name, value) VALUES ($1, 1) \
                         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
                    )
                    .bind(name)
                    .execute(&mut **tx)
                    .await?;
                }
                for e in &effects.events {
                    sqlx::query(
                        "INSERT INTO outbox (event_id, tenant, event_type, resource_kind, resource_id, occurred_at, payload) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&e.event_id)
                    .bind(&e.tenant)
                    .bind(&e.event_type)
                    .bind(&e.resource_kind)
                    .bind(&e.resource_id)
                    .bind(&e.occurred_at)
                    .bind(e.payload.to_string())
                    .execute(&mut **tx)
                    .await?;
                }
                for job in &effects.jobs {
                    sqlx::query(
                        "INSERT INTO jobs (id, tenant, kind, payload, status, run_at, attempts, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, 'pending', $5, 0, $6, $6)",
                    )
                    .bind(&job.id)
                    .bind(&job.tenant)
                    .bind(&job.kind)
                    .bind(job.payload.to_string())
                    .bind(&job.run_at)
                    .bind(&job.now)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| job_error(e, &job.id))?;
                }
                Ok(())
            }

            async fn insert_in(
                tx: &mut sqlx::Transaction<'static, $db>,
                doc: &Document,
                expires_at: Option<&str>,
            ) -> Result<()> {
                let inserted = sqlx::query(
                    "INSERT INTO documents (tenant, kind, id, version, owner, state, created_at, updated_at, body, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&doc.tenant)
                .bind(&doc.kind)
                .bind(&doc.id)
                .bind(doc.version)
                .bind(&doc.owner)
                .bind(&doc.state)
                .bind(&doc.created_at)
                .bind(&doc.updated_at)
                .bind(doc.body.to_string())
                .bind(expires_at)
                .execute(&mut **tx)
                .await;
                match inserted {
                    Err(e) if is_unique_violation(&e) => {
                        Err(StoreError::AlreadyExists { kind: doc.kind.clone(), id: doc.id.clone() })
                    }
                    other => other.map(|_| ()).map_err(StoreError::from),
                }
            }

            async fn update_in(
                tx: &mut sqlx::Transaction<'static, $db>,
                doc: &Document,
                expires_at: Option<Option<&str>>,
            ) -> Result<()> {
                let expected = doc.version - 1;
                let updated = sqlx::query(
                    "UPDATE documents SET version = $1, owner = $2, state = $3, updated_at = $4, body = $5, \
                     expires_at = CASE WHEN $10 THEN $11 ELSE expires_at END \
                     WHERE tenant = $6 AND kind = $7 AND id = $8 AND version = $9",
                )
                .bind(doc.version)
                .bind(&doc.owner)
                .bind(&doc.state)
                .bind(&doc.updated_at)
                .bind(doc.body.to_string())
                .bind(&doc.tenant)
                .bind(&doc.kind)
                .bind(&doc.id)
                .bind(expected)
                .bind(expires_at.is_some())
                .bind(expires_at.flatten())
                .execute(&mut **tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::VersionConflict { kind: doc.kind.clone(), id: doc.id.clone(), expected });
                }
                Ok(())
            }

            async fn apply_migration(&self, version: i64, sql: &'static str) -> Result<()> {
                let mut tx = self.writer.begin().await?;
                // The marker row goes first: a second process applying the same
                // migration waits on it and then finds the work done.
                let marked = sqlx::query("INSERT INTO omni_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(version)
                    .bind(omni_core::time::rfc3339(chrono::Utc::now()))
                    .execute(&mut *tx)
                    .await;
                match marked {
                    Err(e) if is_unique_violation(&e) => return Ok(()),
                    other => other?,
                };
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl Store for SqlStore<$db> {
            fn backend(&self) -> &'static str {
                self.dialect.name
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.reader).await?;
                Ok(())
            }

            async fn migrate(&self) -> Result<()> {
                let create = "CREATE TABLE IF NOT EXISTS omni_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)";
                if let Err(e) = sqlx::query(create).execute(&self.writer).await {
                    // Two processes racing on CREATE TABLE IF NOT EXISTS can
                    // collide in PostgreSQL's catalog; the loser just retries.
                    tracing::debug!(error = %e, "retrying migrations table creation");
                    sqlx::query(create).execute(&self.writer).await?;
                }
                for (version, sql) in self.dialect.migrations {
                    let done: Option<i64> = sqlx::query_scalar("SELECT version FROM omni_migrations WHERE version = $1")
                        .bind(*version)
                        .fetch_optional(&self.writer)
                        .await?;
                    if done.is_none() {
                        self.apply_migration(*version, sql).await?;
                    }
                }
                Ok(())
            }

            async fn insert_document(&self, doc: &Document, effects: &Effects) -> Result<()> {
                let mut tx = self.writer.begin().await?;
                Self::insert_in(&mut tx, doc, effects.expires_at.as_ref().and_then(|e| e.as_deref())).await?;
                Self::apply_effects(&mut tx, effects).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn write_documents(&self, writes: &[DocumentWrite], effects: &Effects) -> Result<()> {
                let mut tx = self.writer.begin().await?;
                for write in writes {
                    match write {
                        DocumentWrite::Insert(doc) => Self::insert_in(&mut tx, doc, None).await?,
                        DocumentWrite::Update(doc) => Self::update_in(&mut tx, doc, None).await?,
                    }
                }
                Self::apply_effects(&mut tx, effects).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn put_documents(&self, docs: &[Document]) -> Result<()> {
                let mut tx = self.writer.begin().await?;
                for doc in docs {
                    sqlx::query(
                        "INSERT INTO documents (tenant, kind, id, version, owner, state, created_at, updated_at, body) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (tenant, kind, id) DO UPDATE SET version = documents.version + 1, \
                         owner = excluded.owner, state = excluded.state, updated_at = excluded.updated_at, body = excluded.body",
                    )
                    .bind(&doc.tenant)
                    .bind(&doc.kind)
                    .bind(&doc.id)
                    .bind(doc.version)
                    .bind(&doc.owner)
                    .bind(&doc.state)
                    .bind(&doc.created_at)
                    .bind(&doc.updated_at)
                    .bind(doc.body.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn get_document(&self, tenant: &str, kind: &str, id: &str) -> Result<Option<Document>> {
                let row = sqlx::query(
                    "SELECT tenant, kind, id, version, owner, state, created_at, updated_at, body \
                     FROM documents WHERE tenant = $1 AND kind = $2 AND id = $3",
                )
                .bind(tenant)
                .bind(kind)
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(Self::document_from_row).transpose()
            }

            async fn update_document(&self, doc: &Document, effects: &Effects) -> Result<()> {
                let mut tx = self.writer.begin().await?;
                let expires_at = effects.expires_at.as_ref().map(|e| e.as_deref());
                Self::update_in(&mut tx, doc, expires_at).await?;
                Self::apply_effects(&mut tx, effects).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_document(
                &self,
                key: &DocumentKey,
                expected_version: Option<i64>,
                effects: &Effects,
            ) -> Result<()> {
                let mut tx = self.writer.begin().await?;
                let deleted = sqlx::query(
                    "DELETE FROM documents WHERE tenant = $1 AND kind = $2 AND id = $3 AND ($4 IS NULL OR version = $4)",
                )
                .bind(&key.tenant)
                .bind(&key.kind)
                .bind(&key.id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?;
                if deleted.rows_affected() == 0 {
                    return Err(match expected_version {
                        Some(expected) => StoreError::VersionConflict { kind: key.kind.clone(), id: key.id.clone(), expected },
                        None => StoreError::NotFound { kind: key.kind.clone(), id: key.id.clone() },
                    });
                }
                Self::apply_effects(&mut tx, effects).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_documents(&self, query: &DocumentQuery) -> Result<Vec<Document>> {
                let (offset, limit) = query.page.unwrap_or((0, i64::MAX as u64));
                let rows = sqlx::query(
                    "SELECT tenant, kind, id, version, owner, state, created_at, updated_at, body \
                     FROM documents WHERE tenant = $1 AND kind = $2 AND ($3 IS NULL OR owner = $3) \
                     ORDER BY created_at, id LIMIT $4 OFFSET $5",
                )
                .bind(&query.tenant)
                .bind(&query.kind)
                .bind(&query.owner)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(Self::document_from_row).collect()
            }

            async fn count_documents(&self, query: &DocumentQuery) -> Result<u64> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM documents WHERE tenant = $1 AND kind = $2 AND ($3 IS NULL OR owner = $3)",
                )
                .bind(&query.tenant)
                .bind(&query.kind)
                .bind(&query.owner)
                .fetch_one(&self.reader)
                .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn delete_expired(
                &self,
                kind: &str,
                now: &str,
                limit: i64,
                event_for: for<'d> fn(&'d Document) -> NewEvent,
            ) -> Result<Vec<DocumentKey>> {
                let rows = sqlx::query(
                    "SELECT tenant, kind, id, version, owner, state, created_at, updated_at, body \
                     FROM documents WHERE kind = $1 AND expires_at IS NOT NULL AND expires_at < $2 \
                     ORDER BY expires_at LIMIT $3",
                )
                .bind(kind)
                .bind(now)
                .bind(limit)
                .fetch_all(&self.writer)
                .await?;
                let mut removed = Vec::new();
                for row in &rows {
                    let doc = Self::document_from_row(row)?;
                    let mut tx = self.writer.begin().await?;
                    // Only if still expired at the version read: a cart touched
                    // meanwhile (new expiry) or removed by another node stays.
                    let deleted = sqlx::query(
                        "DELETE FROM documents WHERE tenant = $1 AND kind = $2 AND id = $3 AND version = $4 AND expires_at < $5",
                    )
                    .bind(&doc.tenant)
                    .bind(&doc.kind)
                    .bind(&doc.id)
                    .bind(doc.version)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if deleted.rows_affected() == 1 {
                        let effects = Effects::events(vec![event_for(&doc)]);
                        Self::apply_effects(&mut tx, &effects).await?;
                        tx.commit().await?;
                        removed.push(doc.key());
                    }
                }
                Ok(removed)
            }

            async fn document_bodies(
                &self,
                tenant: &str,
                kind: &str,
                after: Option<&(String, String)>,
                limit: i64,
            ) -> Result<Vec<BodyRow>> {
                let (created, id) = match after {
                    Some((c, i)) => (Some(c.as_str()), Some(i.as_str())),
                    None => (None, None),
                };
                let rows = sqlx::query(
                    "SELECT created_at, id, body FROM documents WHERE tenant = $1 AND kind = $2 \
                     AND ($3 IS NULL OR created_at > $3 OR (created_at = $3 AND id > $4)) \
                     ORDER BY created_at, id LIMIT $5",
                )
                .bind(tenant)
                .bind(kind)
                .bind(created)
                .bind(id)
                .bind(limit)
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(BodyRow {
                            created_at: r.try_get("created_at")?,
                            id: r.try_get("id")?,
                            body: r.try_get("body")?,
                        })
                    })
                    .collect()
            }

            async fn outbox_after(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>> {
                let rows = sqlx::query(
                    "SELECT seq, event_id, tenant, event_type, resource_kind, resource_id, occurred_at, payload \
                     FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        let payload: String = row.try_get("payload")?;
                        let event_id: String = row.try_get("event_id")?;
                        Ok(StoredEvent {
                            seq: row.try_get("seq")?,
                            event: NewEvent {
                                payload: parse_body(&payload, &event_id)?,
                                event_id,
                                tenant: row.try_get("tenant")?,
                                event_type: row.try_get("event_type")?,
                                resource_kind: row.try_get("resource_kind")?,
                                resource_id: row.try_get("resource_id")?,
                                occurred_at: row.try_get("occurred_at")?,
                            },
                        })
                    })
                    .collect()
            }

            async fn bump_counter(&self, name: &str) -> Result<i64> {
                let value: i64 = sqlx::query_scalar(
                    "INSERT INTO counters (name, value) VALUES ($1, 1) \
                     ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                )
                .bind(name)
                .fetch_one(&self.writer)
                .await?;
                Ok(value)
            }

            async fn read_counter(&self, name: &str) -> Result<i64> {
                let value: Option<i64> = sqlx::query_scalar("SELECT value FROM counters WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.reader)
                    .await?;
                Ok(value.unwrap_or(0))
            }

            async fn counters_with_prefix(&self, prefix: &str) -> Result<Vec<(String, i64)>> {
                // SUBSTR rather than LIKE, so '%' or '_' in a prefix mean nothing special.
                let length = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
                let rows = sqlx::query("SELECT name, value FROM counters WHERE SUBSTR(name, 1, CAST($2 AS INTEGER)) = $1 ORDER BY name")
                    .bind(prefix)
                    .bind(length)
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("name")?, r.try_get("value")?))).collect()
            }

            async fn enqueue_job(&self, job: &NewJob) -> Result<()> {
                sqlx::query(
                    "INSERT INTO jobs (id, tenant, kind, payload, status, run_at, attempts, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'pending', $5, 0, $6, $6)",
                )
                .bind(&job.id)
                .bind(&job.tenant)
                .bind(&job.kind)
                .bind(job.payload.to_string())
                .bind(&job.run_at)
                .bind(&job.now)
                .execute(&self.writer)
                .await
                .map_err(|e| job_error(e, &job.id))?;
                Ok(())
            }

            async fn claim_jobs(&self, claim: &JobClaim) -> Result<Vec<Job>> {
                let rows = sqlx::query(self.dialect.claim_jobs)
                    .bind(&claim.worker)
                    .bind(&claim.lease_until)
                    .bind(&claim.now)
                    .bind(&claim.kind)
                    .bind(claim.max)
                    .fetch_all(&self.writer)
                    .await?;
                rows.iter().map(Self::job_from_row).collect()
            }

            async fn finish_job(&self, id: &str, worker: &str, outcome: &JobOutcome) -> Result<bool> {
                let (status, now, run_at, error) = match outcome {
                    JobOutcome::Done { now } => ("done", now, None, None),
                    JobOutcome::Retry { now, run_at, error } => ("pending", now, Some(run_at), Some(error)),
                    JobOutcome::Failed { now, error } => ("failed", now, None, Some(error)),
                };
                let updated = sqlx::query(
                    "UPDATE jobs SET status = $1, updated_at = $2, run_at = COALESCE($3, run_at), \
                     last_error = COALESCE($4, last_error), lease_owner = NULL, lease_until = NULL \
                     WHERE id = $5 AND lease_owner = $6",
                )
                .bind(status)
                .bind(now)
                .bind(run_at)
                .bind(error)
                .bind(id)
                .bind(worker)
                .execute(&self.writer)
                .await?;
                Ok(updated.rows_affected() == 1)
            }

            async fn get_job(&self, id: &str) -> Result<Option<Job>> {
                let row = sqlx::query(
                    "SELECT id, tenant, kind, payload, status, run_at, attempts, lease_owner, lease_until, last_error \
                     FROM jobs WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(Self::job_from_row).transpose()
            }
        }
    };
}

impl_store!(Sqlite);
impl_store!(Postgres);
