//! The SQL of every write, shared by both backends (SQLite accepts `$N`).
//! [`Sql::execute`] runs one [`WriteOp`] on a connection that is already
//! inside a transaction or savepoint; committing is the caller's business
//! (see `SqlStore::write` and the SQLite group-commit writer).

use super::counts::Tally;
use super::ops::{DocChange, DocRow, EffectRows, FinishRow, JobRow, Output, WriteOp};
use super::{is_unique_violation, job_error, parse_body};
use crate::{Document, Job, JobClaim, JobStatus, Result, StoreError};
use omni_core::tmf630::index;
use sqlx::{Postgres, Row, Sqlite};
use std::marker::PhantomData;
use std::sync::LazyLock;

/// Most search keys one statement writes; a document's keys beyond go in
/// further statements.
const KEYS_PER_STATEMENT: usize = 32;

/// `INSERT INTO document_keys` of `n` rows of one document (`n` from 1 to
/// [`KEYS_PER_STATEMENT`]): `$1`-`$4` are the document's, then a name and a
/// value per row. Built once per length and kept, so each is prepared once.
fn insert_keys_sql(n: usize) -> &'static str {
    static STATEMENTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        (1..=KEYS_PER_STATEMENT)
            .map(|n| {
                let rows: Vec<String> = (0..n)
                    .map(|i| format!("($1, $2, $3, $4, ${}, ${})", 5 + 2 * i, 6 + 2 * i))
                    .collect();
                let sql = format!(
                    "INSERT INTO document_keys (tenant, kind, id, created_at, name, value) VALUES {}",
                    rows.join(", ")
                );
                &*String::leak(sql)
            })
            .collect()
    });
    STATEMENTS[n.clamp(1, KEYS_PER_STATEMENT) - 1]
}

/// The rows of one document in `document_keys`: `$1` tenant, `$2` kind, `$3`
/// id, `$4` the document's creation time. Naming the creation time lets the
/// database find them through `document_keys_by_created` (migration 0008).
/// A macro so that `concat!` makes whole statements of it at compile time.
macro_rules! document_keys_of {
    () => {
        "tenant = $1 AND kind = $2 AND id = $3 AND created_at = $4"
    };
}

/// `DELETE FROM document_keys` of `n` keys of one document, binds as in
/// [`insert_keys_sql`]; kept the same way.
fn delete_keys_sql(n: usize) -> &'static str {
    static STATEMENTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        (1..=KEYS_PER_STATEMENT)
            .map(|n| {
                let keys: Vec<String> = (0..n)
                    .map(|i| format!("(name = ${} AND value = ${})", 5 + 2 * i, 6 + 2 * i))
                    .collect();
                let sql = format!(
                    "DELETE FROM document_keys WHERE {} AND ({})",
                    document_keys_of!(),
                    keys.join(" OR ")
                );
                &*String::leak(sql)
            })
            .collect()
    });
    STATEMENTS[n.clamp(1, KEYS_PER_STATEMENT) - 1]
}

/// Most documents one bulk upsert writes: nine binds a row keep 256 rows
/// far below SQLite's 32,766 variables and PostgreSQL's 65,535.
const PUT_ROWS: usize = 256;

/// Upsert of `n` documents (`n` a power of two up to [`PUT_ROWS`], so that
/// a handful of statements are prepared and kept); with `returning`, of one
/// document, answering its creation time. A document already stored keeps
/// its creation time and moves to the next version. `numbered`: `$N`
/// placeholders; else `?`, for SQLite, where sqlx looks up the name of every
/// numbered placeholder and SQLite finds each by walking the list of names,
/// which made binding a 256-row statement's 2,304 values most of a load's
/// CPU.
fn put_sql(n: usize, returning: bool, numbered: bool) -> &'static str {
    fn build(n: usize, numbered: bool) -> &'static str {
        let rows: Vec<String> = (0..n)
            .map(|r| {
                let binds: Vec<String> = (1..=9)
                    .map(|c| {
                        if numbered {
                            format!("${}", 9 * r + c)
                        } else {
                            "?".to_string()
                        }
                    })
                    .collect();
                format!("({})", binds.join(", "))
            })
            .collect();
        String::leak(format!(
            "INSERT INTO documents (tenant, kind, id, version, owner, state, created_at, updated_at, body) \
             VALUES {} \
             ON CONFLICT (tenant, kind, id) DO UPDATE SET version = documents.version + 1, \
             owner = excluded.owner, state = excluded.state, updated_at = excluded.updated_at, body = excluded.body",
            rows.join(", ")
        ))
    }
    static STATEMENTS: LazyLock<[Vec<&'static str>; 2]> = LazyLock::new(|| {
        let sizes =
            || std::iter::successors(Some(1usize), |n| Some(n * 2)).take_while(|n| *n <= PUT_ROWS);
        [
            sizes().map(|n| build(n, false)).collect(),
            sizes().map(|n| build(n, true)).collect(),
        ]
    });
    static RETURNING: LazyLock<&'static str> =
        LazyLock::new(|| String::leak(format!("{} RETURNING created_at", put_sql(1, false, true))));
    if returning {
        return *RETURNING;
    }
    let slot = n.clamp(1, PUT_ROWS).ilog2() as usize;
    STATEMENTS[usize::from(numbered)][slot]
}

/// How many of `docs` the next upsert takes: a power of two, at most
/// [`PUT_ROWS`], and no document twice (PostgreSQL refuses to change a row
/// twice in one statement; a file naming an id twice puts it twice, as
/// one statement a row did).
fn statement_rows(docs: &[&DocRow]) -> usize {
    let mut seen = std::collections::HashSet::new();
    let distinct = docs
        .iter()
        .take(PUT_ROWS)
        .take_while(|d| seen.insert((d.tenant.as_str(), d.kind.as_str(), d.id.as_str())))
        .count()
        .max(1);
    1 << distinct.ilog2()
}

/// Statements of one database, as associated functions.
pub(crate) struct Sql<DB>(PhantomData<DB>);

macro_rules! impl_sql {
    ($db:ty) => {
        impl Sql<$db> {
            pub(crate) fn document_from_row(row: &<$db as sqlx::Database>::Row) -> Result<Document> {
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

            pub(crate) fn job_from_row(row: &<$db as sqlx::Database>::Row) -> Result<Job> {
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
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            /// Runs one operation; on `Err` the caller rolls back whatever
            /// it wrote, so partial effects never survive.
            pub(crate) async fn execute(
                conn: &mut <$db as sqlx::Database>::Connection,
                op: &WriteOp,
                claim_jobs: &'static str,
            ) -> Result<Output> {
                // What the documents written add to the running totals,
                // applied after everything else (see `counts.rs`).
                let mut tally = Tally::default();
                match op {
                    WriteOp::Insert { doc, expires_at, effects } => {
                        Self::insert(conn, doc, expires_at.as_deref()).await?;
                        Self::insert_all_keys(conn, doc, &mut tally).await?;
                        Self::apply_effects(conn, effects).await?;
                    }
                    WriteOp::Update { doc, expires_at, effects } => {
                        let expires_at = expires_at.as_ref().map(|e| e.as_deref());
                        let created_at = Self::update(conn, doc, expires_at).await?;
                        Self::replace_keys(conn, doc, &created_at, true, &mut tally).await?;
                        Self::apply_effects(conn, effects).await?;
                    }
                    WriteOp::Write { writes, effects } => {
                        for change in writes {
                            match change {
                                DocChange::Insert(doc) => {
                                    Self::insert(conn, doc, None).await?;
                                    Self::insert_all_keys(conn, doc, &mut tally).await?;
                                }
                                DocChange::Update(doc) => {
                                    let created_at = Self::update(conn, doc, None).await?;
                                    Self::replace_keys(conn, doc, &created_at, true, &mut tally).await?;
                                }
                                DocChange::Delete { key, version } => {
                                    Self::delete(conn, key, Some(*version), &mut tally).await?
                                }
                            }
                        }
                        Self::apply_effects(conn, effects).await?;
                    }
                    WriteOp::Delete { key, expected_version, effects } => {
                        Self::delete(conn, key, *expected_version, &mut tally).await?;
                        Self::apply_effects(conn, effects).await?;
                    }
                    WriteOp::Put { docs } => {
                        // Kinds with search keys are put one at a time (their
                        // keys follow the stored creation time); the rest, the
                        // catalog a load writes, many rows a statement.
                        let (keyed, plain): (Vec<&DocRow>, Vec<&DocRow>) =
                            docs.iter().partition(|d| index::indexed(&d.kind).is_some());
                        Self::put_rows(conn, &plain).await?;
                        for doc in keyed {
                            // Whether the put adds a document (to the totals)
                            // or replaces one.
                            let stored: Option<i64> = sqlx::query_scalar(
                                "SELECT version FROM documents WHERE tenant = $1 AND kind = $2 AND id = $3",
                            )
                            .bind(&doc.tenant)
                            .bind(&doc.kind)
                            .bind(&doc.id)
                            .fetch_optional(&mut *conn)
                            .await?;
                            let created_at: String = sqlx::query_scalar(put_sql(1, true, true))
                                .bind(&doc.tenant)
                                .bind(&doc.kind)
                                .bind(&doc.id)
                                .bind(doc.version)
                                .bind(&doc.owner)
                                .bind(&doc.state)
                                .bind(&doc.created_at)
                                .bind(&doc.updated_at)
                                .bind(&doc.body)
                                .fetch_one(&mut *conn)
                                .await?;
                            // A replaced document keeps its creation time.
                            Self::replace_keys(conn, doc, &created_at, stored.is_some(), &mut tally).await?;
                        }
                    }
                    WriteOp::Reindex { docs } => {
                        let mut written = 0;
                        for (doc, version) in docs {
                            // Only at the version read: a document changed
                            // since has had its keys written by that change.
                            // (The no-op UPDATE also locks the row on
                            // PostgreSQL until this transaction ends.)
                            let current = sqlx::query(
                                "UPDATE documents SET version = version WHERE tenant = $1 AND kind = $2 AND id = $3 AND version = $4",
                            )
                            .bind(&doc.tenant)
                            .bind(&doc.kind)
                            .bind(&doc.id)
                            .bind(version)
                            .execute(&mut *conn)
                            .await?;
                            if current.rows_affected() == 1 {
                                Self::replace_keys(conn, doc, &doc.created_at, true, &mut tally).await?;
                                written += 1;
                            }
                        }
                        Self::apply_tally(conn, &tally).await?;
                        return Ok(Output::Count(written));
                    }
                    WriteOp::DeleteExpired { key, version, now, event } => {
                        // Only if still expired at the version read: a cart touched
                        // meanwhile (new expiry) or removed by another node stays.
                        let deleted: Option<String> = sqlx::query_scalar(
                            "DELETE FROM documents WHERE tenant = $1 AND kind = $2 AND id = $3 AND version = $4 AND expires_at < $5 \
                             RETURNING created_at",
                        )
                        .bind(&key.tenant)
                        .bind(&key.kind)
                        .bind(&key.id)
                        .bind(version)
                        .bind(now)
                        .fetch_optional(&mut *conn)
                        .await?;
                        let Some(created_at) = deleted else {
                            return Ok(Output::Finished(false));
                        };
                        Self::delete_keys(conn, key, &created_at, &mut tally).await?;
                        let effects = EffectRows { events: vec![event.clone()], ..EffectRows::default() };
                        Self::apply_effects(conn, &effects).await?;
                        Self::apply_tally(conn, &tally).await?;
                        return Ok(Output::Finished(true));
                    }
                    WriteOp::BumpCounter { name } => {
                        let value: i64 = sqlx::query_scalar(
                            "INSERT INTO counters (name, value) VALUES ($1, 1) \
                             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                        )
                        .bind(name)
                        .fetch_one(&mut *conn)
                        .await?;
                        return Ok(Output::Counter(value));
                    }
                    WriteOp::SetCounter { name, value } => {
                        sqlx::query(
                            "INSERT INTO counters (name, value) VALUES ($1, $2) \
                             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                        )
                        .bind(name)
                        .bind(value)
                        .execute(&mut *conn)
                        .await?;
                    }
                    WriteOp::EnqueueJob(job) => Self::insert_job(conn, job).await?,
                    WriteOp::ClaimJobs(claim) => return Self::claim_jobs(conn, claim, claim_jobs).await,
                    WriteOp::FinishJob(finish) => return Self::finish_job(conn, finish).await,
                    WriteOp::RetryJob { tenant, id, now } => {
                        let updated = sqlx::query(
                            "UPDATE jobs SET status = 'pending', attempts = 0, run_at = $1, updated_at = $1, \
                             lease_owner = NULL, lease_until = NULL \
                             WHERE id = $2 AND status = 'failed' AND ($3 IS NULL OR tenant = $3)",
                        )
                        .bind(now)
                        .bind(id)
                        .bind(tenant)
                        .execute(&mut *conn)
                        .await?;
                        return Ok(Output::Finished(updated.rows_affected() == 1));
                    }
                    WriteOp::Idempotency(op) => return Self::idempotency(conn, op).await,
                    WriteOp::Recount => Self::recount(conn).await?,
                    WriteOp::ClearKeys => {
                        // The counted values' totals go with the keys they
                        // count; the documents' own totals stay.
                        sqlx::query("DELETE FROM document_keys").execute(&mut *conn).await?;
                        sqlx::query("DELETE FROM document_counts WHERE name <> ''").execute(&mut *conn).await?;
                    }
                }
                Self::apply_tally(conn, &tally).await?;
                Ok(Output::Done)
            }

            async fn insert(
                conn: &mut <$db as sqlx::Database>::Connection,
                doc: &DocRow,
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
                .bind(&doc.body)
                .bind(expires_at)
                .execute(&mut *conn)
                .await;
                match inserted {
                    Err(e) if is_unique_violation(&e) => {
                        Err(StoreError::AlreadyExists { kind: doc.kind.clone(), id: doc.id.clone() })
                    }
                    other => other.map(|_| ()).map_err(StoreError::from),
                }
            }

            async fn delete(
                conn: &mut <$db as sqlx::Database>::Connection,
                key: &crate::DocumentKey,
                expected_version: Option<i64>,
                tally: &mut Tally,
            ) -> Result<()> {
                let created_at: Option<String> = sqlx::query_scalar(
                    "DELETE FROM documents WHERE tenant = $1 AND kind = $2 AND id = $3 AND ($4 IS NULL OR version = $4) \
                     RETURNING created_at",
                )
                .bind(&key.tenant)
                .bind(&key.kind)
                .bind(&key.id)
                .bind(expected_version)
                .fetch_optional(&mut *conn)
                .await?;
                let Some(created_at) = created_at else {
                    return Err(match expected_version {
                        Some(expected) => StoreError::VersionConflict { kind: key.kind.clone(), id: key.id.clone(), expected },
                        None => StoreError::NotFound { kind: key.kind.clone(), id: key.id.clone() },
                    });
                };
                Self::delete_keys(conn, key, &created_at, tally).await
            }

            /// Puts documents without search keys, up to [`PUT_ROWS`] rows a
            /// statement: one statement a row made bulk loads spend most of
            /// their time in the driver, not the database.
            async fn put_rows(conn: &mut <$db as sqlx::Database>::Connection, docs: &[&DocRow]) -> Result<()> {
                let mut rest = docs;
                while !rest.is_empty() {
                    let (chunk, after) = rest.split_at(statement_rows(rest));
                    let numbered = <$db as sqlx::Database>::NAME != "SQLite";
                    let mut query = sqlx::query(put_sql(chunk.len(), false, numbered));
                    for doc in chunk {
                        query = query
                            .bind(&doc.tenant)
                            .bind(&doc.kind)
                            .bind(&doc.id)
                            .bind(doc.version)
                            .bind(&doc.owner)
                            .bind(&doc.state)
                            .bind(&doc.created_at)
                            .bind(&doc.updated_at)
                            .bind(&doc.body);
                    }
                    query.execute(&mut *conn).await?;
                    rest = after;
                }
                Ok(())
            }

            /// Deletes every search key of a document created at `created_at`,
            /// taking the document out of the totals.
            async fn delete_keys(
                conn: &mut <$db as sqlx::Database>::Connection,
                key: &crate::DocumentKey,
                created_at: &str,
                tally: &mut Tally,
            ) -> Result<()> {
                if index::indexed(&key.kind).is_none() {
                    return Ok(());
                }
                let stored: Vec<(String, String)> =
                    sqlx::query_as(concat!("DELETE FROM document_keys WHERE ", document_keys_of!(), " RETURNING name, value"))
                        .bind(&key.tenant)
                        .bind(&key.kind)
                        .bind(&key.id)
                        .bind(created_at)
                        .fetch_all(&mut *conn)
                        .await?;
                tally.add(&key.tenant, &key.kind, stored.iter().map(|(n, v)| (n.as_str(), v.as_str())), -1);
                Ok(())
            }

            /// Makes a document's search keys those of `doc`, touching only the
            /// rows that differ: an update usually changes one attribute (a
            /// state) or none of those indexed, and every row deleted or
            /// inserted is work in the table and both its indexes. `existed`:
            /// whether the document was stored before this write (else it
            /// is new to the totals).
            async fn replace_keys(
                conn: &mut <$db as sqlx::Database>::Connection,
                doc: &DocRow,
                created_at: &str,
                existed: bool,
                tally: &mut Tally,
            ) -> Result<()> {
                if index::indexed(&doc.kind).is_none() {
                    return Ok(());
                }
                let stored: Vec<(String, String)> =
                    sqlx::query_as(concat!("SELECT name, value FROM document_keys WHERE ", document_keys_of!()))
                        .bind(&doc.tenant)
                        .bind(&doc.kind)
                        .bind(&doc.id)
                        .bind(created_at)
                        .fetch_all(&mut *conn)
                        .await?;
                let gone: Vec<(&str, &str)> = stored
                    .iter()
                    .filter(|(name, value)| !doc.keys.iter().any(|k| &k.name == name && &k.value == value))
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect();
                let added: Vec<(&str, &str)> = doc
                    .keys
                    .iter()
                    .filter(|k| !stored.iter().any(|(name, value)| &k.name == name && &k.value == value))
                    .map(|k| (k.name.as_str(), k.value.as_str()))
                    .collect();
                for chunk in gone.chunks(KEYS_PER_STATEMENT) {
                    let mut query = sqlx::query(delete_keys_sql(chunk.len()))
                        .bind(&doc.tenant)
                        .bind(&doc.kind)
                        .bind(&doc.id)
                        .bind(created_at);
                    for (name, value) in chunk {
                        query = query.bind(*name).bind(*value);
                    }
                    query.execute(&mut *conn).await?;
                }
                if existed {
                    tally.add(&doc.tenant, &doc.kind, stored.iter().map(|(n, v)| (n.as_str(), v.as_str())), -1);
                }
                tally.add(&doc.tenant, &doc.kind, doc.keys.iter().map(|k| (k.name.as_str(), k.value.as_str())), 1);
                Self::insert_keys(conn, doc, created_at, &added).await
            }

            /// Writes search keys of `doc`, several rows a statement, with the
            /// document's creation time (lists in creation order walk the key
            /// index in that order).
            async fn insert_keys(
                conn: &mut <$db as sqlx::Database>::Connection,
                doc: &DocRow,
                created_at: &str,
                keys: &[(&str, &str)],
            ) -> Result<()> {
                for chunk in keys.chunks(KEYS_PER_STATEMENT) {
                    let mut query = sqlx::query(insert_keys_sql(chunk.len()))
                        .bind(&doc.tenant)
                        .bind(&doc.kind)
                        .bind(&doc.id)
                        .bind(created_at);
                    for (name, value) in chunk {
                        query = query.bind(*name).bind(*value);
                    }
                    query.execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// Every search key of a new document, which joins the totals.
            async fn insert_all_keys(
                conn: &mut <$db as sqlx::Database>::Connection,
                doc: &DocRow,
                tally: &mut Tally,
            ) -> Result<()> {
                let keys: Vec<(&str, &str)> = doc.keys.iter().map(|k| (k.name.as_str(), k.value.as_str())).collect();
                tally.add(&doc.tenant, &doc.kind, keys.iter().copied(), 1);
                Self::insert_keys(conn, doc, &doc.created_at, &keys).await
            }

            async fn update(
                conn: &mut <$db as sqlx::Database>::Connection,
                doc: &DocRow,
                expires_at: Option<Option<&str>>,
            ) -> Result<String> {
                let expected = doc.version - 1;
                let created_at: Option<String> = sqlx::query_scalar(
                    "UPDATE documents SET version = $1, owner = $2, state = $3, updated_at = $4, body = $5, \
                     expires_at = CASE WHEN $10 THEN $11 ELSE expires_at END \
                     WHERE tenant = $6 AND kind = $7 AND id = $8 AND version = $9 RETURNING created_at",
                )
                .bind(doc.version)
                .bind(&doc.owner)
                .bind(&doc.state)
                .bind(&doc.updated_at)
                .bind(&doc.body)
                .bind(&doc.tenant)
                .bind(&doc.kind)
                .bind(&doc.id)
                .bind(expected)
                .bind(expires_at.is_some())
                .bind(expires_at.flatten())
                .fetch_optional(&mut *conn)
                .await?;
                created_at.ok_or_else(|| StoreError::VersionConflict { kind: doc.kind.clone(), id: doc.id.clone(), expected })
            }

            async fn apply_effects(
                conn: &mut <$db as sqlx::Database>::Connection,
                effects: &EffectRows,
            ) -> Result<()> {
                for name in &effects.bump {
                    sqlx::query(
                        "INSERT INTO counters (name, value) VALUES ($1, 1) \
                         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
                    )
                    .bind(name)
                    .execute(&mut *conn)
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
                    .bind(&e.payload)
                    .execute(&mut *conn)
                    .await?;
                }
                for job in &effects.jobs {
                    Self::insert_job(conn, job).await?;
                }
                for finish in &effects.finish {
                    // A lost lease fails the whole write: another worker owns
                    // the job now, and its work must not be stored twice.
                    if !Self::finish_job(conn, finish).await?.finished()? {
                        return Err(StoreError::LeaseLost { id: finish.id.clone() });
                    }
                }
                Ok(())
            }

            async fn insert_job(conn: &mut <$db as sqlx::Database>::Connection, job: &JobRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO jobs (id, tenant, kind, payload, status, run_at, attempts, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'pending', $5, 0, $6, $6)",
                )
                .bind(&job.id)
                .bind(&job.tenant)
                .bind(&job.kind)
                .bind(&job.payload)
                .bind(&job.run_at)
                .bind(&job.now)
                .execute(&mut *conn)
                .await
                .map_err(|e| job_error(e, &job.id))?;
                Ok(())
            }

            async fn claim_jobs(
                conn: &mut <$db as sqlx::Database>::Connection,
                claim: &JobClaim,
                sql: &'static str,
            ) -> Result<Output> {
                let rows = sqlx::query(sql)
                    .bind(&claim.worker)
                    .bind(&claim.lease_until)
                    .bind(&claim.now)
                    .bind(&claim.kind)
                    .bind(claim.max)
                    .fetch_all(&mut *conn)
                    .await?;
                let jobs = rows.iter().map(Self::job_from_row).collect::<Result<Vec<_>>>()?;
                Ok(Output::Jobs(jobs))
            }

            async fn finish_job(conn: &mut <$db as sqlx::Database>::Connection, f: &FinishRow) -> Result<Output> {
                let updated = sqlx::query(
                    "UPDATE jobs SET status = $1, updated_at = $2, run_at = COALESCE($3, run_at), \
                     last_error = COALESCE($4, last_error), lease_owner = NULL, lease_until = NULL, \
                     attempts = CASE WHEN $7 AND attempts > 0 THEN attempts - 1 ELSE attempts END \
                     WHERE id = $5 AND lease_owner = $6",
                )
                .bind(f.status)
                .bind(&f.now)
                .bind(&f.run_at)
                .bind(&f.error)
                .bind(&f.id)
                .bind(&f.worker)
                .bind(f.uncount)
                .execute(&mut *conn)
                .await?;
                Ok(Output::Finished(updated.rows_affected() == 1))
            }
        }
    };
}

impl_sql!(Sqlite);
impl_sql!(Postgres);
