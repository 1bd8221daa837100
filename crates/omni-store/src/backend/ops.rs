//! Every write the store makes, as owned data: one [`WriteOp`] is one unit of
//! atomicity (a transaction on PostgreSQL, a savepoint inside a group commit
//! on SQLite). Owning its data lets an operation travel to SQLite's writer
//! task; bodies and payloads are serialised to JSON text here, by the caller,
//! so that this work is spread over the callers' threads instead of being done
//! one operation after the other by the single writer.

use super::idempotency::IdemOp;
use crate::{
    Document, DocumentKey, Effects, Job, JobClaim, JobOutcome, NewEvent, NewJob, StoreError,
};
use omni_core::tmf630::index::{self, Key};

/// A document as its row is written.
#[derive(Debug, Clone)]
pub(crate) struct DocRow {
    pub tenant: String,
    pub kind: String,
    pub id: String,
    pub version: i64,
    pub owner: Option<String>,
    pub state: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub body: String,
    /// Its search keys (`omni_core::tmf630::index`), replaced with the row.
    pub keys: Vec<Key>,
}

impl From<&Document> for DocRow {
    fn from(doc: &Document) -> Self {
        Self {
            tenant: doc.tenant.clone(),
            kind: doc.kind.clone(),
            id: doc.id.clone(),
            version: doc.version,
            owner: doc.owner.clone(),
            state: doc.state.clone(),
            created_at: doc.created_at.clone(),
            updated_at: doc.updated_at.clone(),
            body: doc.body.to_string(),
            keys: index::keys(&doc.kind, &doc.body),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct EventRow {
    pub event_id: String,
    pub tenant: String,
    pub event_type: String,
    pub resource_kind: String,
    pub resource_id: String,
    pub occurred_at: String,
    pub payload: String,
}

impl From<&NewEvent> for EventRow {
    fn from(e: &NewEvent) -> Self {
        Self {
            event_id: e.event_id.clone(),
            tenant: e.tenant.clone(),
            event_type: e.event_type.clone(),
            resource_kind: e.resource_kind.clone(),
            resource_id: e.resource_id.clone(),
            occurred_at: e.occurred_at.clone(),
            payload: e.payload.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct JobRow {
    pub id: String,
    pub tenant: String,
    pub kind: String,
    pub payload: String,
    pub run_at: String,
    pub now: String,
}

impl From<&NewJob> for JobRow {
    fn from(job: &NewJob) -> Self {
        Self {
            id: job.id.clone(),
            tenant: job.tenant.clone(),
            kind: job.kind.clone(),
            payload: job.payload.to_string(),
            run_at: job.run_at.clone(),
            now: job.now.clone(),
        }
    }
}

/// [`Effects`] less the expiry, which the document's own statement writes.
#[derive(Debug, Clone, Default)]
pub(crate) struct EffectRows {
    pub bump: Vec<String>,
    pub events: Vec<EventRow>,
    pub jobs: Vec<JobRow>,
    /// Leased jobs marked `done`; each must still be leased to its worker.
    pub finish: Vec<FinishRow>,
}

impl From<&Effects> for EffectRows {
    fn from(effects: &Effects) -> Self {
        Self {
            bump: effects.bump.clone(),
            events: effects.events.iter().map(EventRow::from).collect(),
            jobs: effects.jobs.iter().map(JobRow::from).collect(),
            finish: effects
                .finish_jobs
                .iter()
                .map(|j| {
                    let outcome = match &j.failed {
                        None => JobOutcome::Done { now: j.now.clone() },
                        Some(error) => JobOutcome::Failed {
                            now: j.now.clone(),
                            error: error.clone(),
                        },
                    };
                    FinishRow::new(&j.id, &j.worker, &outcome)
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FinishRow {
    pub id: String,
    pub worker: String,
    pub status: &'static str,
    pub now: String,
    pub run_at: Option<String>,
    pub error: Option<String>,
    /// Takes back the attempt the claim counted (see [`JobOutcome::Later`]).
    pub uncount: bool,
}

impl FinishRow {
    pub fn new(id: &str, worker: &str, outcome: &JobOutcome) -> Self {
        let (status, now, run_at, error, uncount) = match outcome {
            JobOutcome::Done { now } => ("done", now, None, None, false),
            JobOutcome::Retry { now, run_at, error } => (
                "pending",
                now,
                Some(run_at.clone()),
                Some(error.clone()),
                false,
            ),
            JobOutcome::Failed { now, error } => ("failed", now, None, Some(error.clone()), false),
            JobOutcome::Later { now, run_at, note } => (
                "pending",
                now,
                Some(run_at.clone()),
                Some(note.clone()),
                true,
            ),
        };
        Self {
            id: id.to_string(),
            worker: worker.to_string(),
            status,
            now: now.clone(),
            run_at,
            error,
            uncount,
        }
    }
}

/// Row of [`WriteOp::Write`]: what happens to one document.
#[derive(Debug, Clone)]
pub(crate) enum DocChange {
    Insert(DocRow),
    Update(DocRow),
    Delete { key: DocumentKey, version: i64 },
}

#[derive(Debug, Clone)]
pub(crate) enum WriteOp {
    Insert {
        doc: DocRow,
        expires_at: Option<String>,
        effects: EffectRows,
    },
    Update {
        doc: DocRow,
        /// As [`Effects::expires_at`]: `None` keeps the stored expiry.
        expires_at: Option<Option<String>>,
        effects: EffectRows,
    },
    Write {
        writes: Vec<DocChange>,
        effects: EffectRows,
    },
    Delete {
        key: DocumentKey,
        expected_version: Option<i64>,
        effects: EffectRows,
    },
    Put {
        docs: Vec<DocRow>,
    },
    /// Rewrites the search keys of documents still at the version given
    /// (start-up, when the key table is of another version); answers
    /// [`Output::Count`] with how many were rewritten.
    Reindex {
        docs: Vec<(DocRow, i64)>,
    },
    /// One document of a sweep, deleted only if it is still at the version
    /// read and still expired; answers [`Output::Finished`].
    DeleteExpired {
        key: DocumentKey,
        version: i64,
        now: String,
        event: EventRow,
    },
    BumpCounter {
        name: String,
    },
    /// Sets a counter to `value` (the search keys' version).
    SetCounter {
        name: String,
        value: i64,
    },
    EnqueueJob(JobRow),
    ClaimJobs(JobClaim),
    FinishJob(FinishRow),
    /// A failed job made pending again, its attempts reset (an operator's
    /// retry); answers [`Output::Finished`] with whether it was failed.
    RetryJob {
        tenant: Option<String>,
        id: String,
        now: String,
    },
    Idempotency(IdemOp),
    /// Refills the running totals from the stored documents and keys
    /// (start-up, when they were filled for other counted attributes).
    Recount,
    /// Deletes every search key and the totals of their values (start-up,
    /// before the keys are rebuilt), in one transaction.
    ClearKeys,
}

impl WriteOp {
    #[cfg(test)]
    pub fn insert(doc: &Document, effects: &Effects) -> Self {
        Self::insert_row(doc.into(), effects)
    }

    #[cfg(test)]
    pub fn update(doc: &Document, effects: &Effects) -> Self {
        Self::update_row(doc.into(), effects)
    }

    /// [`WriteOp::Insert`] of a row already made (and checked).
    pub fn insert_row(doc: DocRow, effects: &Effects) -> Self {
        Self::Insert {
            doc,
            expires_at: effects.expires_at.clone().flatten(),
            effects: effects.into(),
        }
    }

    /// [`WriteOp::Update`] of a row already made (and checked).
    pub fn update_row(doc: DocRow, effects: &Effects) -> Self {
        Self::Update {
            doc,
            expires_at: effects.expires_at.clone(),
            effects: effects.into(),
        }
    }

    pub fn write(writes: Vec<DocChange>, effects: &Effects) -> Self {
        Self::Write {
            writes,
            effects: effects.into(),
        }
    }

    pub fn delete(key: &DocumentKey, expected_version: Option<i64>, effects: &Effects) -> Self {
        Self::Delete {
            key: key.clone(),
            expected_version,
            effects: effects.into(),
        }
    }

    /// Operations of one statement, atomic without an explicit transaction.
    pub fn is_single_statement(&self) -> bool {
        matches!(
            self,
            Self::BumpCounter { .. }
                | Self::SetCounter { .. }
                | Self::EnqueueJob(_)
                | Self::ClaimJobs(_)
                | Self::FinishJob(_)
                | Self::RetryJob { .. }
                | Self::Idempotency(_)
        )
    }

    pub fn delete_expired(doc: &Document, now: &str, event: &NewEvent) -> Self {
        Self::DeleteExpired {
            key: doc.key(),
            version: doc.version,
            now: now.to_string(),
            event: event.into(),
        }
    }
}

/// What a [`WriteOp`] answers; each operation has one shape.
#[derive(Debug)]
pub(crate) enum Output {
    Done,
    Counter(i64),
    Jobs(Vec<Job>),
    /// Whether the row was changed (a lease still held, an expired document
    /// still there).
    Finished(bool),
    Reserved(crate::Reservation),
    /// Rows a bulk statement changed.
    Count(u64),
}

impl Output {
    pub fn done(self) -> crate::Result<()> {
        match self {
            Self::Done => Ok(()),
            other => Err(mismatch(&other)),
        }
    }

    pub fn counter(self) -> crate::Result<i64> {
        match self {
            Self::Counter(value) => Ok(value),
            other => Err(mismatch(&other)),
        }
    }

    pub fn jobs(self) -> crate::Result<Vec<Job>> {
        match self {
            Self::Jobs(jobs) => Ok(jobs),
            other => Err(mismatch(&other)),
        }
    }

    pub fn reserved(self) -> crate::Result<crate::Reservation> {
        match self {
            Self::Reserved(r) => Ok(r),
            other => Err(mismatch(&other)),
        }
    }

    pub fn count(self) -> crate::Result<u64> {
        match self {
            Self::Count(n) => Ok(n),
            other => Err(mismatch(&other)),
        }
    }

    pub fn finished(self) -> crate::Result<bool> {
        match self {
            Self::Finished(changed) => Ok(changed),
            other => Err(mismatch(&other)),
        }
    }
}

/// Each operation answers one shape by construction; this is a bug if seen.
fn mismatch(output: &Output) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "write answered an unexpected {output:?}"
    )))
}
