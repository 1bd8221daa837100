//! The [`Store`] trait for both databases: reads go straight to the reader
//! pool; every write becomes a [`WriteOp`] for [`SqlStore::write`].

use super::counts::{COUNTS_VERSION, COUNTS_VERSION_COUNTER, count_sql};
use super::exec::Sql;
use super::idempotency::IdemOp;
use super::keyed::keyed_sql;
use super::many::{MAX_IDS, select_by_ids};
use super::ops::{DocRow, FinishRow, Output, WriteOp};
use super::sequencer::Turn;
use super::slice::{slice_sql, tenant_kinds_sql};
use super::sqlite_writer::receive;
use super::{SqlStore, is_unique_violation, job_columns, parse_body};
use crate::{
    BodyRow, Document, DocumentKey, DocumentQuery, DocumentWrite, Effects, IdempotencyRecord,
    IdempotencyReservation, IdempotencyScope, Job, JobClaim, JobCount, JobOutcome, JobQuery,
    JobStatus, KeyQuery, NewEvent, NewJob, Reservation, Result, Store, StoredEvent, StoredResponse,
};
use omni_core::tmf630::{index, totals};

/// The counter holding the [`index::INDEX_VERSION`] the search keys were
/// built with.
const KEYS_VERSION_COUNTER: &str = "omni:document_keys_version";

/// Documents read and rewritten per write when keys are rebuilt.
const REINDEX_BATCH: i64 = 500;

/// Events one transaction of PostgreSQL's sequencer numbers at most.
const SEQUENCE_BATCH: i64 = 5000;
use async_trait::async_trait;
use sqlx::{Postgres, Row, Sqlite};

macro_rules! impl_store {
    ($db:ty) => {
        impl SqlStore<$db> {
            /// Commits one write: through SQLite's group writer, or in a
            /// transaction of its own. A single statement needs no explicit
            /// transaction, which saves PostgreSQL two round trips.
            async fn write(&self, op: WriteOp) -> Result<Output> {
                if let Some(group) = &self.group {
                    return group.submit(op).await;
                }
                let claim = self.dialect.claim_jobs;
                if op.is_single_statement() {
                    let mut conn = self.writer.acquire().await?;
                    return Sql::<$db>::execute(&mut conn, &op, claim).await;
                }
                let mut tx = self.writer.begin().await?;
                let output = Sql::<$db>::execute(&mut tx, &op, claim).await?;
                tx.commit().await?;
                Ok(output)
            }

            fn event_from_row(row: &<$db as sqlx::Database>::Row, position: &str) -> Result<StoredEvent> {
                let payload: String = row.try_get("payload")?;
                let event_id: String = row.try_get("event_id")?;
                Ok(StoredEvent {
                    seq: row.try_get(position)?,
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
            }

            /// Stream order's column: seq on SQLite, whose single writer
            /// makes it commit order; on PostgreSQL the position numbered
            /// after commit (see migration 0004).
            fn stream_column(&self) -> &'static str {
                if self.dialect.name == "sqlite" { "seq" } else { "position" }
            }

            /// PostgreSQL only (see migration 0004): numbers up to
            /// [`SEQUENCE_BATCH`] committed events that have no stream
            /// position yet, after every number given so far, in seq order.
            /// Runs are serialised by an advisory lock, so positions become
            /// visible in increasing order. True when it numbered every
            /// event it saw.
            async fn number_batch(&self) -> Result<bool> {
                let mut tx = self.writer.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7264001)")
                    .execute(&mut *tx)
                    .await?;
                let numbered = sqlx::query(
                    "WITH pending AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n \
                         FROM (SELECT seq FROM outbox WHERE position IS NULL ORDER BY seq LIMIT $1) AS p), \
                     base AS (SELECT COALESCE(MAX(position), 0) AS b FROM outbox) \
                     UPDATE outbox SET position = base.b + pending.n FROM pending, base \
                     WHERE outbox.seq = pending.seq",
                )
                .bind(SEQUENCE_BATCH)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(numbered < SEQUENCE_BATCH as u64)
            }

            /// Runs the sequencer in `turn`, if given (see
            /// `sequencer.rs`): nothing when no event is unnumbered (a
            /// look at the partial index `outbox_unpositioned`, outside any
            /// transaction); else one batch, or with `complete` batches
            /// until every event it sees is numbered.
            async fn sequence(&self, turn: Option<Turn<'_>>, complete: bool) -> Result<()> {
                let Some(turn) = turn else { return Ok(()) };
                let pending: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outbox WHERE position IS NULL)")
                    .fetch_one(&self.writer)
                    .await?;
                let mut all = !pending;
                while !all {
                    all = self.number_batch().await?;
                    if !complete {
                        break;
                    }
                }
                turn.done(all);
                Ok(())
            }

            /// A polling reader's run, shared with the others of this node.
            async fn sequence_recent(&self) -> Result<()> {
                if self.dialect.name == "sqlite" {
                    return Ok(());
                }
                self.sequence(self.sequencer.poll(), false).await
            }

            /// Writes the search keys of every document of an indexed kind when
            /// they were written by another [`index::INDEX_VERSION`] (or never:
            /// documents stored before the key table existed), page by page;
            /// then records the version. Several processes may run it at
            /// once: each document's keys are replaced in one write, at the
            /// version read.
            async fn rebuild_keys(&self) -> Result<()> {
                let built: Option<i64> = sqlx::query_scalar("SELECT value FROM counters WHERE name = $1")
                    .bind(KEYS_VERSION_COUNTER)
                    .fetch_optional(&self.writer)
                    .await?;
                if built == Some(index::INDEX_VERSION) {
                    return Ok(());
                }
                let started = std::time::Instant::now();
                let mut total = 0u64;
                self.write(WriteOp::ClearKeys).await?.done()?;
                for spec in index::INDEXED {
                    let mut after: (String, String) = (String::new(), String::new());
                    loop {
                        let rows = sqlx::query(
                            "SELECT tenant, kind, id, version, owner, state, created_at, updated_at, body \
                             FROM documents WHERE kind = $1 AND (tenant > $2 OR (tenant = $2 AND id > $3)) \
                             ORDER BY tenant, id LIMIT $4",
                        )
                        .bind(spec.kind)
                        .bind(&after.0)
                        .bind(&after.1)
                        .bind(REINDEX_BATCH)
                        .fetch_all(&self.writer)
                        .await?;
                        let Some(last) = rows.last() else { break };
                        after = (last.try_get("tenant")?, last.try_get("id")?);
                        let mut docs = Vec::with_capacity(rows.len());
                        for row in &rows {
                            let doc = Sql::<$db>::document_from_row(row)?;
                            let mut stored = DocRow::from(&doc);
                            // Values too long for an index entry, stored before
                            // they were refused, stay out of the keys (logged).
                            if let Some(name) = index::too_long(&stored.keys) {
                                tracing::warn!(kind = %doc.kind, id = %doc.id, attribute = name,
                                    "a value too long to index is left out of the search keys");
                                stored.keys.retain(|k| k.value.len() <= index::MAX_KEY_BYTES);
                            }
                            docs.push((stored, doc.version));
                        }
                        total += self.write(WriteOp::Reindex { docs }).await?.count()?;
                    }
                }
                let op = WriteOp::SetCounter { name: KEYS_VERSION_COUNTER.into(), value: index::INDEX_VERSION };
                self.write(op).await?.done()?;
                tracing::info!(documents = total, seconds = started.elapsed().as_secs_f64(), "search keys built");
                Ok(())
            }

            /// Fills the running totals from the stored documents when they
            /// were filled for another [`COUNTS_VERSION`] (or never: the
            /// first start after migration 0010).
            async fn fill_counts(&self) -> Result<()> {
                let filled: Option<i64> = sqlx::query_scalar("SELECT value FROM counters WHERE name = $1")
                    .bind(COUNTS_VERSION_COUNTER)
                    .fetch_optional(&self.writer)
                    .await?;
                if filled == Some(COUNTS_VERSION) {
                    return Ok(());
                }
                let started = std::time::Instant::now();
                self.write(WriteOp::Recount).await?.done()?;
                let op = WriteOp::SetCounter { name: COUNTS_VERSION_COUNTER.into(), value: COUNTS_VERSION };
                self.write(op).await?.done()?;
                tracing::info!(seconds = started.elapsed().as_secs_f64(), "running totals counted");
                Ok(())
            }

            /// The count of `keys` summed from the running totals, when they
            /// answer it (see `omni_core::tmf630::totals`).
            async fn summed_count(&self, query: &DocumentQuery, keys: &KeyQuery) -> Result<Option<u64>> {
                if query.owner.is_some() {
                    return Ok(None);
                }
                let Some((name, values)) = totals::counted_query(&query.kind, keys) else {
                    return Ok(None);
                };
                let sql = sqlx::AssertSqlSafe(count_sql(values.len()));
                let mut q = sqlx::query_as::<_, (i64, i64)>(sql).bind(&query.tenant).bind(&query.kind).bind(&name);
                for value in &values {
                    q = q.bind(value.as_str());
                }
                let (n, several) = q.bind(totals::SEVERAL_VALUES).fetch_one(&self.reader).await?;
                Ok((several == 0).then(|| u64::try_from(n).unwrap_or(0)))
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
                self.rebuild_keys().await?;
                self.fill_counts().await
            }

            async fn insert_document(&self, doc: &Document, effects: &Effects) -> Result<()> {
                let row = super::storable::row(doc)?;
                super::storable::effects(effects)?;
                self.write(WriteOp::insert_row(row, effects)).await?.done()
            }

            async fn write_documents(&self, writes: &[DocumentWrite], effects: &Effects) -> Result<()> {
                let changes = super::storable::writes(writes, effects)?;
                self.write(WriteOp::write(changes, effects)).await?.done()
            }

            async fn put_documents(&self, docs: &[Document]) -> Result<()> {
                let rows = docs.len();
                let docs = docs.iter().map(super::storable::row).collect::<Result<Vec<_>>>()?;
                self.write(WriteOp::Put { docs }).await?.done()?;
                if let Some(analyze) = self.dialect.analyze_after_load
                    && self.analyze_due(rows)
                {
                    sqlx::query(analyze).execute(&self.writer).await?;
                }
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
                row.as_ref().map(Sql::<$db>::document_from_row).transpose()
            }

            async fn get_documents(&self, tenant: &str, kind: &str, ids: &[String]) -> Result<Vec<Document>> {
                // Each id once, so that chunks never answer a document twice.
                let mut ids: Vec<&String> = ids.iter().collect();
                ids.sort_unstable();
                ids.dedup();
                let mut docs = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(MAX_IDS) {
                    let Some(last) = chunk.last() else { continue };
                    let (sql, size) = select_by_ids(chunk.len());
                    let mut query = sqlx::query(sql).bind(tenant).bind(kind);
                    for id in chunk.iter().chain(std::iter::repeat_n(last, size - chunk.len())) {
                        query = query.bind(id.as_str());
                    }
                    for row in query.fetch_all(&self.reader).await? {
                        docs.push(Sql::<$db>::document_from_row(&row)?);
                    }
                }
                Ok(docs)
            }

            async fn update_document(&self, doc: &Document, effects: &Effects) -> Result<()> {
                let row = super::storable::row(doc)?;
                super::storable::effects(effects)?;
                self.write(WriteOp::update_row(row, effects)).await?.done()
            }

            async fn delete_document(
                &self,
                key: &DocumentKey,
                expected_version: Option<i64>,
                effects: &Effects,
            ) -> Result<()> {
                self.write(WriteOp::delete(key, expected_version, effects)).await?.done()
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
                rows.iter().map(Sql::<$db>::document_from_row).collect()
            }

            async fn list_keyed(&self, query: &DocumentQuery, keys: &KeyQuery) -> Result<Vec<Document>> {
                let statement = keyed_sql(keys, false, query.owner.is_some());
                let (offset, limit) = query.page.unwrap_or((0, i64::MAX as u64));
                // The text holds placeholders only; every value is bound.
                let sql = sqlx::AssertSqlSafe(statement.sql);
                let mut q = sqlx::query(sql).bind(&query.tenant).bind(&query.kind).bind(&query.owner);
                for text in &statement.texts {
                    q = q.bind(text.as_str());
                }
                let rows = q
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(Sql::<$db>::document_from_row).collect()
            }

            async fn count_keyed(&self, query: &DocumentQuery, keys: &KeyQuery) -> Result<u64> {
                if let Some(n) = self.summed_count(query, keys).await? {
                    return Ok(n);
                }
                let statement = keyed_sql(keys, true, query.owner.is_some());
                let sql = sqlx::AssertSqlSafe(statement.sql);
                let mut q = sqlx::query_scalar::<_, i64>(sql)
                    .bind(&query.tenant)
                    .bind(&query.kind)
                    .bind(&query.owner);
                for text in &statement.texts {
                    q = q.bind(text.as_str());
                }
                let n = q.fetch_one(&self.reader).await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn count_documents(&self, query: &DocumentQuery) -> Result<u64> {
                if let Some(n) = self.summed_count(query, &KeyQuery::default()).await? {
                    return Ok(n);
                }
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
                let docs = rows.iter().map(Sql::<$db>::document_from_row).collect::<Result<Vec<_>>>()?;
                // Each document is deleted on its own (a transaction, or a
                // savepoint in SQLite's batch); SQLite's are queued together so
                // that the sweep costs one commit, not one per document.
                let ops = docs.iter().map(|d| WriteOp::delete_expired(d, now, &event_for(d)));
                let mut removed = Vec::new();
                if let Some(group) = &self.group {
                    let mut answers = Vec::with_capacity(docs.len());
                    for op in ops {
                        answers.push(group.enqueue(op).await?);
                    }
                    for (doc, answer) in docs.iter().zip(answers) {
                        if receive(answer).await?.finished()? {
                            removed.push(doc.key());
                        }
                    }
                } else {
                    for (doc, op) in docs.iter().zip(ops) {
                        if self.write(op).await?.finished()? {
                            removed.push(doc.key());
                        }
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
                // The first page starts before every row (no creation time
                // is empty). One row-value comparison, not `$3 IS NULL OR
                // ...`: SQLite seeks `documents_by_created` to it, where the
                // OR made it walk every earlier row of the kind again for
                // each page (pages of a million offers read 100 million).
                let (created, id) = match after {
                    Some((c, i)) => (c.as_str(), i.as_str()),
                    None => ("", ""),
                };
                let rows = sqlx::query(
                    "SELECT created_at, id, body FROM documents WHERE tenant = $1 AND kind = $2 \
                     AND (created_at, id) > ($3, $4) \
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
                rows.iter().map(|row| Self::event_from_row(row, "seq")).collect()
            }

            async fn outbox_stream(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>> {
                if self.dialect.name == "sqlite" {
                    return self.outbox_after(after, limit).await;
                }
                self.sequence_recent().await?;
                let rows = sqlx::query(
                    "SELECT position, event_id, tenant, event_type, resource_kind, resource_id, occurred_at, payload \
                     FROM outbox WHERE position > $1 ORDER BY position LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(|row| Self::event_from_row(row, "position")).collect()
            }

            async fn outbox_slice(
                &self,
                tenant: &str,
                resource_kinds: &[String],
                after: i64,
                limit: i64,
            ) -> Result<Vec<StoredEvent>> {
                self.sequence_recent().await?;
                let column = self.stream_column();
                let mut kinds: Vec<String> = resource_kinds.to_vec();
                let mut upto = i64::MAX;
                if kinds.is_empty() {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(tenant_kinds_sql(column)))
                        .bind(tenant)
                        .fetch_all(&self.reader)
                        .await?;
                    for row in &rows {
                        kinds.push(row.try_get("k")?);
                        upto = row.try_get::<Option<i64>, _>("head")?.unwrap_or(0);
                    }
                }
                kinds.sort_unstable();
                kinds.dedup();
                if kinds.is_empty() || limit <= 0 {
                    return Ok(Vec::new());
                }
                // The text holds placeholders only; every value is bound.
                let mut query = sqlx::query(sqlx::AssertSqlSafe(slice_sql(column, kinds.len())))
                    .bind(tenant)
                    .bind(after)
                    .bind(limit)
                    .bind(upto);
                for kind in &kinds {
                    query = query.bind(kind.as_str());
                }
                let rows = query.fetch_all(&self.reader).await?;
                rows.iter().map(|row| Self::event_from_row(row, "stream_position")).collect()
            }

            async fn sequence_committed(&self) -> Result<()> {
                if self.dialect.name == "sqlite" {
                    return Ok(());
                }
                let since = std::time::Instant::now();
                self.sequence(self.sequencer.after(since).await, true).await
            }

            async fn outbox_stream_head(&self) -> Result<i64> {
                self.sequence_committed().await?;
                let sql = if self.dialect.name == "sqlite" {
                    "SELECT MAX(seq) FROM outbox"
                } else {
                    "SELECT MAX(position) FROM outbox"
                };
                let head: Option<i64> = sqlx::query_scalar(sql).fetch_one(&self.reader).await?;
                Ok(head.unwrap_or(0))
            }

            async fn bump_counter(&self, name: &str) -> Result<i64> {
                self.write(WriteOp::BumpCounter { name: name.to_string() }).await?.counter()
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
                self.write(WriteOp::EnqueueJob(job.into())).await?.done()
            }

            async fn claim_jobs(&self, claim: &JobClaim) -> Result<Vec<Job>> {
                self.write(WriteOp::ClaimJobs(claim.clone())).await?.jobs()
            }

            async fn finish_job(&self, id: &str, worker: &str, outcome: &JobOutcome) -> Result<bool> {
                self.write(WriteOp::FinishJob(FinishRow::new(id, worker, outcome))).await?.finished()
            }

            async fn get_job(&self, id: &str) -> Result<Option<Job>> {
                let row = sqlx::query(concat!("SELECT ", job_columns!(), " FROM jobs WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(Sql::<$db>::job_from_row).transpose()
            }

            async fn list_jobs(&self, query: &JobQuery) -> Result<Vec<Job>> {
                let rows = sqlx::query(concat!(
                    "SELECT ", job_columns!(), " FROM jobs \
                     WHERE ($1 IS NULL OR tenant = $1) AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR status = $3) \
                     ORDER BY updated_at DESC, id LIMIT $4 OFFSET $5"
                ))
                .bind(&query.tenant)
                .bind(&query.kind)
                .bind(query.status.as_ref().map(JobStatus::as_str))
                .bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
                .bind(i64::try_from(query.offset).unwrap_or(i64::MAX))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(Sql::<$db>::job_from_row).collect()
            }

            async fn count_jobs(&self) -> Result<Vec<JobCount>> {
                let rows = sqlx::query("SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status ORDER BY kind, status")
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|r| {
                        let status: String = r.try_get("status")?;
                        let n: i64 = r.try_get("n")?;
                        Ok(JobCount {
                            kind: r.try_get("kind")?,
                            status: JobStatus::parse(&status)
                                .ok_or_else(|| crate::StoreError::Corrupt(format!("job status {status}")))?,
                            count: u64::try_from(n).unwrap_or(0),
                        })
                    })
                    .collect()
            }

            async fn retry_job(&self, tenant: Option<&str>, id: &str, now: &str) -> Result<bool> {
                let op = WriteOp::RetryJob {
                    tenant: tenant.map(str::to_string),
                    id: id.to_string(),
                    now: now.to_string(),
                };
                self.write(op).await?.finished()
            }

            async fn reserve_idempotency(&self, reservation: &IdempotencyReservation) -> Result<Reservation> {
                self.write(WriteOp::Idempotency(IdemOp::Reserve(reservation.clone()))).await?.reserved()
            }

            async fn finish_idempotency(
                &self,
                scope: &IdempotencyScope,
                owner: &str,
                response: &StoredResponse,
            ) -> Result<bool> {
                self.write(WriteOp::Idempotency(IdemOp::finish(scope, owner, response))).await?.finished()
            }

            async fn release_idempotency(&self, scope: &IdempotencyScope, owner: &str) -> Result<bool> {
                let op = IdemOp::Release { scope: scope.clone(), owner: owner.to_string() };
                self.write(WriteOp::Idempotency(op)).await?.finished()
            }

            async fn get_idempotency(&self, scope: &IdempotencyScope) -> Result<Option<IdempotencyRecord>> {
                Sql::<$db>::get_idempotency(&self.reader, scope).await
            }

            async fn delete_expired_idempotency(&self, now: &str, limit: i64) -> Result<u64> {
                let op = IdemOp::DeleteExpired { now: now.to_string(), limit };
                self.write(WriteOp::Idempotency(op)).await?.count()
            }
        }
    };
}

impl_store!(Sqlite);
impl_store!(Postgres);
