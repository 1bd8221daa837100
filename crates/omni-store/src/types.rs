use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub tenant: String,
    pub kind: String,
    pub id: String,
    /// Starts at 1 and grows by one with each update (optimistic concurrency).
    pub version: i64,
    /// The party that owns the resource (a customer), when access depends on it.
    pub owner: Option<String>,
    /// Lifecycle state, when the resource has one.
    pub state: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    pub body: Value,
}

impl Document {
    pub fn key(&self) -> DocumentKey {
        DocumentKey {
            tenant: self.tenant.clone(),
            kind: self.kind.clone(),
            id: self.id.clone(),
        }
    }
}

/// One part of an atomic multi-document write.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentWrite {
    /// Creates the document; the whole write fails with `AlreadyExists` if its id is taken.
    Insert(Document),
    /// Replaces the document stored at `version - 1`; the whole write fails
    /// with `VersionConflict` otherwise.
    Update(Document),
    /// Removes the document stored at `version`; the whole write fails with
    /// `VersionConflict` otherwise (a line that moves to a new number is an
    /// insert under the new key and a delete of the old one, together).
    Delete { key: DocumentKey, version: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentKey {
    pub tenant: String,
    pub kind: String,
    pub id: String,
}

/// A document body as stored text, with its position in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyRow {
    pub created_at: String,
    pub id: String,
    pub body: String,
}

#[derive(Debug, Clone, Default)]
pub struct DocumentQuery {
    pub tenant: String,
    pub kind: String,
    pub owner: Option<String>,
    /// `(offset, limit)` applied by the database; `None` returns everything.
    pub page: Option<(u64, u64)>,
}

/// What a write does besides changing its document, in the same transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Events for the outbox.
    pub events: Vec<NewEvent>,
    /// Counters to add one to (e.g. the catalog version other nodes poll).
    pub bump: Vec<String>,
    /// Sets (`Some(Some(t))`) or clears (`Some(None)`) when the written
    /// document expires; `None` leaves it as it is.
    pub expires_at: Option<Option<String>>,
    /// Background work that must start if, and only if, the write commits.
    pub jobs: Vec<NewJob>,
    /// Leased jobs this write completes (`done`), in its transaction: the
    /// work and the job's end are stored together or not at all. The whole
    /// write fails with `LeaseLost` when one of them is no longer leased to
    /// the worker named (its lease ran out and another worker claimed it).
    pub finish_jobs: Vec<JobDone>,
}

impl Effects {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn events(events: Vec<NewEvent>) -> Self {
        Self {
            events,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_id: String,
    pub tenant: String,
    pub event_type: String,
    pub resource_kind: String,
    pub resource_id: String,
    pub occurred_at: String,
    pub payload: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event: NewEvent,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub id: String,
    pub tenant: String,
    pub kind: String,
    pub payload: Value,
    /// Not claimed before this time (RFC 3339).
    pub run_at: String,
    pub now: String,
}

/// A leased job that a write ends, see [`Effects::finish_jobs`].
#[derive(Debug, Clone, PartialEq)]
pub struct JobDone {
    pub id: String,
    /// The worker that holds the lease.
    pub worker: String,
    pub now: String,
    /// `None`: the job is done. `Some(reason)`: it failed for good, and the
    /// same write recorded that failure on what the job was working on.
    pub failed: Option<String>,
}

impl JobDone {
    pub fn done(id: &str, worker: &str, now: &str) -> Self {
        Self {
            id: id.to_string(),
            worker: worker.to_string(),
            now: now.to_string(),
            failed: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct JobClaim {
    pub kind: String,
    pub worker: String,
    pub now: String,
    pub lease_until: String,
    pub max: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub tenant: String,
    pub kind: String,
    pub payload: Value,
    pub status: JobStatus,
    pub run_at: String,
    /// Claims that counted as attempts (a claim whose run ended in
    /// [`JobOutcome::Later`] does not count; one whose worker died does).
    pub attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Which jobs [`crate::Store::list_jobs`] answers, newest change first.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    /// `None`: every tenant (operators of the whole installation).
    pub tenant: Option<String>,
    pub kind: Option<String>,
    pub status: Option<JobStatus>,
    pub offset: u64,
    pub limit: u64,
}

/// How many jobs of one kind are in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCount {
    pub kind: String,
    pub status: JobStatus,
    pub count: u64,
}

#[derive(Debug, Clone)]
pub enum JobOutcome {
    Done {
        now: String,
    },
    /// Try again at `run_at`.
    Retry {
        now: String,
        run_at: String,
        error: String,
    },
    Failed {
        now: String,
        error: String,
    },
    /// Not due yet (waiting for something else, a subscription idle):
    /// pending again at `run_at` without counting the claim as an attempt.
    Later {
        now: String,
        run_at: String,
        note: String,
    },
}
