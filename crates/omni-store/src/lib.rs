//! Omni's persistence: one [`Store`] trait, two backends. SQLite is the
//! embedded default; PostgreSQL lets several `omni` processes share one
//! database. Every write that changes a resource also writes its events in the
//! same transaction (the outbox), and background work is claimed by lease.

mod backend;
mod idempotency;
mod types;

/// Test support (fresh databases, dropping them): only with the `testing`
/// feature, which test and benchmark crates turn on, so that nothing able to
/// drop a database is compiled into the server.
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use backend::{ConnectOptions, connect};
pub use idempotency::*;
pub use types::*;

/// The search-key query of [`Store::list_keyed`], from the pure rules.
pub use omni_core::tmf630::index::KeyQuery;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} '{id}' already exists")]
    AlreadyExists { kind: String, id: String },
    #[error("{kind} '{id}' not found")]
    NotFound { kind: String, id: String },
    /// Someone else changed the document since it was read.
    #[error("{kind} '{id}' was changed concurrently (expected version {expected})")]
    VersionConflict {
        kind: String,
        id: String,
        expected: i64,
    },
    /// A write that finishes a job found its lease held by another worker
    /// (see [`Effects::finish_jobs`]); nothing of the write was stored.
    #[error("job '{id}' is no longer leased to this worker")]
    LeaseLost { id: String },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A document larger than the largest one the application lets be
    /// written (checked before the write; nothing was stored).
    #[error("{kind} '{id}' would be {bytes} bytes, more than the {limit} allowed")]
    TooLarge {
        kind: String,
        id: String,
        bytes: usize,
        limit: usize,
    },
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    /// A value the database cannot store (a NUL character in text or JSON,
    /// which PostgreSQL refuses); the caller's input, not an outage.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

/// SQLSTATEs PostgreSQL answers for a NUL in text (`22021`, invalid byte
/// sequence) or `\u0000` in jsonb (`22P05`, untranslatable character). The
/// HTTP layer refuses NUL before it gets here; this keeps any other way in
/// from being reported as an unavailable database.
const INVALID_TEXT_STATES: [&str; 2] = ["22021", "22P05"];

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db
                .code()
                .is_some_and(|code| INVALID_TEXT_STATES.contains(&code.as_ref()))
        {
            return Self::InvalidInput(format!(
                "a value cannot be stored ({}); text must not contain the NUL character",
                db.message()
            ));
        }
        Self::Database(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Cheap round trip, for readiness checks.
    async fn ping(&self) -> Result<()>;

    /// Brings the schema up to date; safe to run from several processes at once.
    async fn migrate(&self) -> Result<()>;

    /// Creates a document; `AlreadyExists` if its id is taken in that tenant and kind.
    async fn insert_document(&self, doc: &Document, effects: &Effects) -> Result<()>;

    /// Creates or replaces documents in one transaction (bulk loads).
    async fn put_documents(&self, docs: &[Document]) -> Result<()>;

    async fn get_document(&self, tenant: &str, kind: &str, id: &str) -> Result<Option<Document>>;

    /// The documents of one tenant and kind among `ids`, in one query (ids
    /// that name nothing are left out; the order is unspecified).
    async fn get_documents(
        &self,
        tenant: &str,
        kind: &str,
        ids: &[String],
    ) -> Result<Vec<Document>>;

    /// Replaces a document whose stored version is `doc.version - 1`;
    /// `VersionConflict` when another writer got there first.
    async fn update_document(&self, doc: &Document, effects: &Effects) -> Result<()>;

    /// Inserts and updates several documents in one transaction: all of them
    /// are written, with `effects`, or none is.
    async fn write_documents(&self, writes: &[DocumentWrite], effects: &Effects) -> Result<()>;

    /// Deletes a document, at `expected_version` when given.
    async fn delete_document(
        &self,
        key: &DocumentKey,
        expected_version: Option<i64>,
        effects: &Effects,
    ) -> Result<()>;

    /// Documents of one tenant and kind, oldest first.
    async fn list_documents(&self, query: &DocumentQuery) -> Result<Vec<Document>>;

    async fn count_documents(&self, query: &DocumentQuery) -> Result<u64>;

    /// Documents of one tenant and kind (and owner, when given) whose search
    /// keys meet `keys` (see `omni_core::tmf630::index`), in `keys.sort`
    /// order then creation order, paged by `query.page`.
    async fn list_keyed(&self, query: &DocumentQuery, keys: &KeyQuery) -> Result<Vec<Document>>;

    /// How many documents [`Store::list_keyed`] would answer without a page.
    async fn count_keyed(&self, query: &DocumentQuery, keys: &KeyQuery) -> Result<u64>;

    /// Deletes up to `limit` documents of `kind` whose expiry is before `now`,
    /// each with the event `event_for` makes, in its own transaction; safe
    /// when several nodes run it at once. Returns what was deleted.
    async fn delete_expired(
        &self,
        kind: &str,
        now: &str,
        limit: i64,
        event_for: for<'d> fn(&'d Document) -> NewEvent,
    ) -> Result<Vec<DocumentKey>>;

    /// Bodies of one tenant's documents of `kind` as stored JSON text, in
    /// creation order, after the `(created_at, id)` position `after`: for
    /// reading a large collection page by page without parsing it twice.
    async fn document_bodies(
        &self,
        tenant: &str,
        kind: &str,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> Result<Vec<BodyRow>>;

    /// Events in the outbox after `after_seq`, in seq order (for inspection:
    /// on PostgreSQL a lower seq can become visible after a higher one).
    async fn outbox_after(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>>;

    /// Committed events in stream order after position `after` (each
    /// `StoredEvent::seq` is its position). Positions only ever become
    /// visible in increasing order, so a reader that keeps the last position
    /// it handled never misses an event, whenever its transaction committed.
    /// SQLite's single writer makes seq that order; PostgreSQL numbers
    /// committed events after commit (see migration 0004), at most once per
    /// node every few tens of milliseconds for all polling readers, so an
    /// event can appear a little after its commit: call
    /// [`Store::sequence_committed`] first to see every event committed
    /// before that call.
    async fn outbox_stream(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>>;

    /// Committed events of one tenant whose resource kind is one of `resource_kinds`, in stream order
    /// after position `after` (each `StoredEvent::seq` is its stream position, as in `outbox_stream`).
    /// Empty `resource_kinds` means every kind of the tenant. Read through
    /// an index on (tenant, kind, position), so its cost is the slice's
    /// events, not the whole stream's. Numbered as [`Store::outbox_stream`]
    /// (the same guarantee: a reader that keeps the last position it
    /// handled never misses an event of its slice; call
    /// [`Store::sequence_committed`] first to see every event committed
    /// before that call).
    async fn outbox_slice(
        &self,
        tenant: &str,
        resource_kinds: &[String],
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>>;

    /// Numbers every event committed before this call, so that the next
    /// [`Store::outbox_stream`] or [`Store::outbox_slice`] returns it: for
    /// a caller that must see everything committed before a point (e.g. a
    /// counter it read). Concurrent callers of a node share one run, and a
    /// run that started after the call is enough. Nothing to do on SQLite.
    async fn sequence_committed(&self) -> Result<()>;

    /// The last position of the stream, counting every event committed
    /// before the call (it runs [`Store::sequence_committed`]); 0 when empty.
    async fn outbox_stream_head(&self) -> Result<i64>;

    /// Adds one to a counter and returns the new value.
    async fn bump_counter(&self, name: &str) -> Result<i64>;

    /// A counter's value; 0 when it was never bumped.
    async fn read_counter(&self, name: &str) -> Result<i64>;

    /// Every counter whose name starts with `prefix`, with its value.
    async fn counters_with_prefix(&self, prefix: &str) -> Result<Vec<(String, i64)>>;

    async fn enqueue_job(&self, job: &NewJob) -> Result<()>;

    /// Leases up to `max` due jobs of `kind` to `worker` until `lease_until`.
    /// A job whose lease ran out (its worker died) is due again.
    async fn claim_jobs(&self, claim: &JobClaim) -> Result<Vec<Job>>;

    /// Ends a leased job; `false` when the lease was lost to another worker,
    /// in which case nothing is changed.
    async fn finish_job(&self, id: &str, worker: &str, outcome: &JobOutcome) -> Result<bool>;

    async fn get_job(&self, id: &str) -> Result<Option<Job>>;

    /// Jobs as [`JobQuery`] selects them, most recently changed first (for
    /// operators: failed jobs and why).
    async fn list_jobs(&self, query: &JobQuery) -> Result<Vec<Job>>;

    /// How many jobs each kind has in each status (for `/metrics`).
    async fn count_jobs(&self) -> Result<Vec<JobCount>>;

    /// Makes a failed job pending again, due at `now`, with its attempts
    /// reset (an operator's retry); `false` when no failed job of that id
    /// (in that tenant, when given) exists.
    async fn retry_job(&self, tenant: Option<&str>, id: &str, now: &str) -> Result<bool>;

    /// Claims an idempotency key for one attempt, atomically: the key is
    /// reserved when it is new, expired, or running under a lease that has
    /// passed with the same fingerprint; otherwise the record that holds it
    /// is returned. Two concurrent reservations of one key never both win.
    async fn reserve_idempotency(
        &self,
        reservation: &IdempotencyReservation,
    ) -> Result<Reservation>;

    /// Stores the response of the attempt `owner`; `false` (nothing changed)
    /// when the key is no longer that attempt's.
    async fn finish_idempotency(
        &self,
        scope: &IdempotencyScope,
        owner: &str,
        response: &StoredResponse,
    ) -> Result<bool>;

    /// Forgets a running reservation of `owner` so that a retry runs afresh;
    /// `false` when the key is no longer that attempt's.
    async fn release_idempotency(&self, scope: &IdempotencyScope, owner: &str) -> Result<bool>;

    /// A key's record, expired or not (the caller compares `expires_at`).
    async fn get_idempotency(&self, scope: &IdempotencyScope) -> Result<Option<IdempotencyRecord>>;

    /// Deletes up to `limit` records that expired at or before `now`;
    /// returns how many.
    async fn delete_expired_idempotency(&self, now: &str, limit: i64) -> Result<u64>;
}
