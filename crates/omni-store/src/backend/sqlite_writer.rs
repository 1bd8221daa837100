//! SQLite group commit. SQLite allows one writer at a time, and with
//! `synchronous=FULL` every commit waits for an fsync of the WAL; committing
//! each write on its own caps throughput at one write per fsync. Instead every
//! write of the store is sent to one writer (a thread with the only writing
//! connection). It takes everything queued (up to [`MAX_BATCH`]), runs it in
//! one transaction, and commits once: one fsync for the whole batch. While
//! that fsync runs, new writes queue up and form the next batch, so batches
//! grow with the load and no timer is needed.
//!
//! Each caller learns its own outcome: an operation that fails (a duplicate
//! id, a stale version) is rolled back to a savepoint taken just before it,
//! and only its caller sees the error; its events and jobs are gone with it.
//! (Savepoints cost two statements per write, so a batch first runs without
//! them and is run again with them only when one of its writes fails.) Callers whose
//! operation succeeded are answered only after the COMMIT returned, so `Ok`
//! still means durable. If the transaction cannot be finished (the COMMIT
//! fails, or SQLite rolled the whole transaction back on its own), every
//! caller whose write was in it gets that error.

use super::copied_error::copy;
use super::exec::Sql;
use super::ops::{Output, WriteOp};
use crate::{Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Sqlite, Transaction};
use tokio::sync::{mpsc, oneshot};

/// Most operations in one transaction: bounds how long the first caller of a
/// batch waits for the last one to run.
const MAX_BATCH: usize = 256;

/// Writes waiting for the writer; a full queue makes callers wait to send.
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<Result<Output>>;

struct Pending {
    op: WriteOp,
    reply: Reply,
}

/// The handle callers hold; the writer thread ends when it is dropped.
pub(crate) struct GroupWriter {
    queue: mpsc::Sender<Pending>,
}

impl GroupWriter {
    /// Opens the writing connection (so that a bad path fails here, not on
    /// the first write) and starts the writer. `claim_jobs` is the dialect's
    /// statement for [`WriteOp::ClaimJobs`].
    ///
    /// The writer runs on a thread of its own, with a runtime of its own: as
    /// one task among the server's request tasks, it waited in the runtime's
    /// queue behind them at every statement, and the whole batch, and so every
    /// writer, waited with it.
    pub(crate) async fn start(
        options: SqliteConnectOptions,
        claim_jobs: &'static str,
    ) -> Result<Self> {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let (opened, open_result) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        std::thread::Builder::new()
            .name("omni-sqlite-writer".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match options.connect().await {
                        Ok(conn) => {
                            let _ = opened.send(Ok(()));
                            run(conn, options, receiver, claim_jobs).await;
                        }
                        Err(e) => {
                            let _ = opened.send(Err(e));
                        }
                    }
                });
            })
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        open_result
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))??;
        Ok(Self { queue })
    }

    /// Queues a write and answers once the batch holding it has committed.
    pub(crate) async fn submit(&self, op: WriteOp) -> Result<Output> {
        let answer = self.enqueue(op).await?;
        receive(answer).await
    }

    /// Queues a write without waiting for it, so that several writes of one
    /// caller can share a batch; await the answer with [`receive`].
    pub(crate) async fn enqueue(&self, op: WriteOp) -> Result<oneshot::Receiver<Result<Output>>> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { op, reply })
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?;
        Ok(answer)
    }
}

pub(crate) async fn receive(answer: oneshot::Receiver<Result<Output>>) -> Result<Output> {
    // A dropped reply means the writer task ended without answering.
    answer
        .await
        .unwrap_or_else(|_| Err(StoreError::Database(sqlx::Error::WorkerCrashed)))
}

async fn run(
    conn: SqliteConnection,
    options: SqliteConnectOptions,
    mut receiver: mpsc::Receiver<Pending>,
    claim_jobs: &'static str,
) {
    let mut conn = Some(conn);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut writer = match conn.take() {
            Some(c) => c,
            None => match options.connect().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "cannot reopen the SQLite writer");
                    fail_batch(&mut batch, &e);
                    continue;
                }
            },
        };
        if commit_batch(&mut writer, &mut batch, claim_jobs).await {
            conn = Some(writer);
        } else {
            // SQLite may have rolled back on its own, leaving sqlx's count of
            // open transactions wrong; a fresh connection starts clean.
            let _ = writer.close().await;
        }
    }
    if let Some(c) = conn {
        let _ = c.close().await;
    }
}

/// Runs and answers one batch; `false` when the connection should be replaced.
async fn commit_batch(
    conn: &mut SqliteConnection,
    batch: &mut Vec<Pending>,
    claim_jobs: &'static str,
) -> bool {
    // Writes rarely fail, and every statement is a round trip to sqlx's SQLite
    // thread, so the batch first runs without savepoints. When a write fails,
    // the batch is rolled back and run again with a savepoint around each
    // write; from the same state and in the same order every write meets the
    // same outcome.
    match without_savepoints(conn, batch, claim_jobs).await {
        Some(healthy) => healthy,
        None => with_savepoints(conn, batch, claim_jobs).await,
    }
}

/// `Some(healthy)` when the batch was answered, `None` when a write failed
/// and the batch was rolled back, to be run again with savepoints.
async fn without_savepoints(
    conn: &mut SqliteConnection,
    batch: &mut Vec<Pending>,
    claim_jobs: &'static str,
) -> Option<bool> {
    let Some(mut tx) = begin(conn, batch).await else {
        return Some(false);
    };
    let mut outputs = Vec::with_capacity(batch.len());
    for p in batch.iter() {
        match Sql::<Sqlite>::execute(&mut tx, &p.op, claim_jobs).await {
            Ok(output) => outputs.push(output),
            Err(failed) if batch.len() == 1 => {
                // A lone write: rolling back the transaction undoes it alone.
                let rolled_back = tx.rollback().await.is_ok();
                if let Some(p) = batch.pop() {
                    let _ = p.reply.send(Err(failed));
                }
                return Some(rolled_back);
            }
            Err(failed) => {
                return match tx.rollback().await {
                    Ok(()) => None,
                    // SQLite already ended the transaction (disk full, I/O
                    // error): report the cause rather than the failed rollback.
                    Err(e) => {
                        let cause = match &failed {
                            StoreError::Database(db) => copy(db),
                            _ => e,
                        };
                        fail_batch(batch, &cause);
                        Some(false)
                    }
                };
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            let mut outputs = outputs.into_iter();
            for p in batch.drain(..) {
                if let Some(output) = outputs.next() {
                    let _ = p.reply.send(Ok(output));
                }
            }
            Some(true)
        }
        Err(e) => {
            tracing::error!(error = %e, writes = batch.len(), "group commit failed");
            fail_batch(batch, &e);
            Some(false)
        }
    }
}

async fn with_savepoints(
    conn: &mut SqliteConnection,
    batch: &mut Vec<Pending>,
    claim_jobs: &'static str,
) -> bool {
    let Some(mut tx) = begin(conn, batch).await else {
        return false;
    };
    let mut answers: Vec<(Reply, Result<Output>)> = Vec::with_capacity(batch.len());
    let mut pending = batch.drain(..);
    while let Some(Pending { op, reply }) = pending.next() {
        match in_savepoint(&mut tx, &op, claim_jobs).await {
            Ok(result) => answers.push((reply, result)),
            Err((cause, own)) => {
                // The transaction is unusable: nothing of it will commit.
                let _ = reply.send(own);
                fail_all(answers, &cause);
                for p in pending {
                    let _ = p.reply.send(Err(copy(&cause).into()));
                }
                return false;
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (reply, result) in answers {
                let _ = reply.send(result);
            }
            true
        }
        Err(e) => {
            tracing::error!(error = %e, writes = answers.len(), "group commit failed");
            fail_all(answers, &e);
            false
        }
    }
}

/// Starts the batch's transaction, or answers the whole batch with the error.
async fn begin<'c>(
    conn: &'c mut SqliteConnection,
    batch: &mut Vec<Pending>,
) -> Option<Transaction<'c, Sqlite>> {
    // IMMEDIATE takes the write lock now, waiting for another process (a
    // migration, `omni load`) instead of failing halfway through the batch.
    match conn.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => Some(tx),
        Err(e) => {
            fail_batch(batch, &e);
            None
        }
    }
}

fn fail_batch(batch: &mut Vec<Pending>, e: &sqlx::Error) {
    for p in batch.drain(..) {
        let _ = p.reply.send(Err(copy(e).into()));
    }
}

/// Runs one operation inside a savepoint and rolls it back alone on error.
/// `Err((cause, own))` means the enclosing transaction broke: `cause` for the
/// others in the batch, `own` for this operation's caller.
async fn in_savepoint(
    tx: &mut Transaction<'_, Sqlite>,
    op: &WriteOp,
    claim_jobs: &'static str,
) -> std::result::Result<Result<Output>, (sqlx::Error, Result<Output>)> {
    let mut savepoint = match Connection::begin(&mut **tx).await {
        Ok(s) => s,
        Err(e) => {
            let own = Err(copy(&e).into());
            return Err((e, own));
        }
    };
    match Sql::<Sqlite>::execute(&mut savepoint, op, claim_jobs).await {
        Ok(output) => match savepoint.commit().await {
            Ok(()) => Ok(Ok(output)),
            Err(e) => {
                let own = Err(copy(&e).into());
                Err((e, own))
            }
        },
        Err(failed) => match savepoint.rollback().await {
            Ok(()) => Ok(Err(failed)),
            // Rolling back to the savepoint fails when SQLite already ended the
            // whole transaction (disk full, I/O error): report the first cause.
            Err(e) => {
                let cause = match &failed {
                    StoreError::Database(db) => copy(db),
                    _ => e,
                };
                Err((cause, Err(failed)))
            }
        },
    }
}

/// Callers whose write had succeeded get the error that undid it; callers
/// whose own write had failed keep their own error, which is still true.
fn fail_all(answers: Vec<(Reply, Result<Output>)>, cause: &sqlx::Error) {
    for (reply, result) in answers {
        let _ = reply.send(match result {
            Ok(_) => Err(copy(cause).into()),
            own => own,
        });
    }
}
