//! Typed repositories over the [`Store`]'s documents, and the one retry
//! policy every read-change-write uses.
//!
//! - A [`Record`] is a struct stored as one document: it names its kind, its
//!   id and its state (a queried column). A [`Repo`] loads records decoded
//!   (a document that does not decode is an error naming it, never silently
//!   skipped) as [`Stored`] values, which keep the document's other columns
//!   (owner party, creation time) so that an update never loses them; it
//!   inserts them and reads many at once.
//! - [`Writes`] gathers inserts, updates and deletes of any kinds, typed or
//!   not, and commits them with their effects (events, jobs, counter bumps,
//!   the end of the job doing the work) in one transaction.
//! - [`RetryPolicy::begin`] starts the optimistic loop: read, change, write
//!   at the version read; when another writer got in first, wait a jittered,
//!   growing moment and start over from a fresh read. A caller that named a
//!   version (`If-Match`) is never retried: a stale version is its answer.
//!   [`Repo::change`] and [`change_document`] are that loop for a record and
//!   for a raw TMF document.

use crate::error::{AppError, AppResult};
use omni_store::{Document, DocumentKey, DocumentQuery, DocumentWrite, Effects, Store, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::time::Duration;

/// A struct stored as one document of [`Record::KIND`].
pub trait Record: Serialize + DeserializeOwned + Send + Sync {
    /// The stored kind, e.g. `order`.
    const KIND: &'static str;
    /// How errors name it, e.g. `order`, `care order`.
    const NAME: &'static str;

    fn id(&self) -> &str;

    /// Its lifecycle state, when it has one (a queried column).
    fn state(&self) -> Option<&str> {
        None
    }
}

/// A record as read, with the version it was read at and the document's
/// other columns, which an update keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored<T> {
    pub record: T,
    pub version: i64,
    /// The party that owns it (access checks, lookups by owner).
    pub owner: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl<T: Record> Stored<T> {
    /// A record not stored yet, owned by `owner`, created `now`.
    pub fn new(record: T, owner: Option<String>, now: &str) -> Self {
        Self {
            record,
            version: 0,
            owner,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        }
    }

    /// The document that stores this record at `version`, changed at
    /// `updated_at`.
    pub fn document(
        &self,
        tenant: &str,
        version: i64,
        updated_at: &str,
    ) -> Result<Document, StoreError> {
        let id = self.record.id();
        Ok(Document {
            tenant: tenant.to_string(),
            kind: T::KIND.to_string(),
            id: id.to_string(),
            version,
            owner: self.owner.clone(),
            state: self.record.state().map(str::to_string),
            created_at: self.created_at.clone(),
            updated_at: updated_at.to_string(),
            body: serde_json::to_value(&self.record)
                .map_err(|e| StoreError::Corrupt(format!("{} '{id}': {e}", T::KIND)))?,
        })
    }
}

/// Decodes a stored document as `T`; a body that does not decode is
/// corrupt data, named in the error (and the log).
pub fn decode<T: Record>(doc: &Document) -> Result<Stored<T>, StoreError> {
    T::deserialize(&doc.body)
        .map(|record| Stored {
            record,
            version: doc.version,
            owner: doc.owner.clone(),
            created_at: doc.created_at.clone(),
            updated_at: doc.updated_at.clone(),
        })
        .map_err(|e| StoreError::Corrupt(format!("{} '{}': {e}", doc.kind, doc.id)))
}

/// The records of one kind in one tenant.
pub struct Repo<'a, T> {
    store: &'a dyn Store,
    tenant: &'a str,
    kind: PhantomData<fn() -> T>,
}

impl<'a, T: Record> Repo<'a, T> {
    pub fn new(store: &'a dyn Store, tenant: &'a str) -> Self {
        Self {
            store,
            tenant,
            kind: PhantomData,
        }
    }

    /// The record, or `None` when there is none with that id.
    pub async fn find(&self, id: &str) -> Result<Option<Stored<T>>, StoreError> {
        match self.store.get_document(self.tenant, T::KIND, id).await? {
            Some(doc) => decode(&doc).map(Some),
            None => Ok(None),
        }
    }

    /// The record, or `NotFound` naming it.
    pub async fn get(&self, id: &str) -> AppResult<Stored<T>> {
        self.find(id)
            .await?
            .ok_or_else(|| AppError::not_found(T::NAME, id))
    }

    /// The records among `ids`, by id, read in one query (ids that name
    /// nothing are absent from the map).
    pub async fn find_many(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Stored<T>>, StoreError> {
        let docs = self.store.get_documents(self.tenant, T::KIND, ids).await?;
        docs.iter()
            .map(|doc| Ok((doc.id.clone(), decode(doc)?)))
            .collect()
    }

    /// Every record `owner` owns (a customer party's accounts, say).
    pub async fn owned_by(&self, owner: &str) -> Result<Vec<Stored<T>>, StoreError> {
        let query = DocumentQuery {
            tenant: self.tenant.to_string(),
            kind: T::KIND.to_string(),
            owner: Some(owner.to_string()),
            page: None,
        };
        let docs = self.store.list_documents(&query).await?;
        docs.iter().map(decode).collect()
    }

    /// Stores a new record (version 1); `AlreadyExists` when its id is taken.
    pub async fn insert(&self, new: &Stored<T>, effects: &Effects) -> Result<(), StoreError> {
        let doc = new.document(self.tenant, 1, &new.updated_at)?;
        self.store.insert_document(&doc, effects).await
    }

    /// Writes the record over the version it was read at, changed `now`.
    pub async fn update(
        &self,
        read: &Stored<T>,
        now: &str,
        effects: &Effects,
    ) -> Result<(), StoreError> {
        let doc = read.document(self.tenant, read.version + 1, now)?;
        self.store.update_document(&doc, effects).await
    }

    /// Reads the record, lets `change` edit it (and say what the write
    /// carries besides), and writes it over the version read, changed `now`,
    /// retried from a fresh read by `policy` when another writer got in
    /// first. `expected` (`If-Match`) turns a stale version into
    /// `PreconditionFailed` instead. `change` may refuse with an error; then
    /// nothing is written.
    pub async fn change<R>(
        &self,
        id: &str,
        expected: Option<i64>,
        now: &str,
        policy: &RetryPolicy,
        mut change: impl FnMut(&mut T) -> AppResult<(R, Effects)>,
    ) -> AppResult<(Stored<T>, R)> {
        let mut retry = policy.begin(expected.is_some());
        loop {
            let mut stored = self.get(id).await?;
            if expected.is_some_and(|v| v != stored.version) {
                return Err(AppError::PreconditionFailed);
            }
            let (answer, effects) = change(&mut stored.record)?;
            match self.update(&stored, now, &effects).await {
                Ok(()) => {
                    stored.version += 1;
                    stored.updated_at = now.to_string();
                    return Ok((stored, answer));
                }
                Err(StoreError::VersionConflict { .. }) => retry.conflict(T::NAME).await?,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Inserts, updates and deletes of any kinds, committed with their effects
/// in one transaction: all of them, or none.
#[derive(Debug, Default)]
pub struct Writes {
    writes: Vec<DocumentWrite>,
    pub effects: Effects,
}

impl Writes {
    pub fn new(effects: Effects) -> Self {
        Self {
            writes: Vec::new(),
            effects,
        }
    }

    /// A new record (version 1).
    pub fn insert<T: Record>(&mut self, tenant: &str, new: &Stored<T>) -> Result<(), StoreError> {
        let doc = new.document(tenant, 1, &new.updated_at)?;
        self.writes.push(DocumentWrite::Insert(doc));
        Ok(())
    }

    /// The record over the version it was read at, changed `now`.
    pub fn update<T: Record>(
        &mut self,
        tenant: &str,
        read: &Stored<T>,
        now: &str,
    ) -> Result<(), StoreError> {
        let doc = read.document(tenant, read.version + 1, now)?;
        self.writes.push(DocumentWrite::Update(doc));
        Ok(())
    }

    /// Removes a record of `T`'s kind stored at `version`.
    pub fn delete<T: Record>(&mut self, tenant: &str, id: &str, version: i64) {
        self.delete_document(
            DocumentKey {
                tenant: tenant.to_string(),
                kind: T::KIND.to_string(),
                id: id.to_string(),
            },
            version,
        );
    }

    pub fn delete_document(&mut self, key: DocumentKey, version: i64) {
        self.writes.push(DocumentWrite::Delete { key, version });
    }

    /// A document that is not a typed record (a TMF resource, a product
    /// order), already at the version to write.
    pub fn document(&mut self, write: DocumentWrite) {
        self.writes.push(write);
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// What will be written, in order.
    pub fn pending(&self) -> &[DocumentWrite] {
        &self.writes
    }

    pub async fn commit(&self, store: &dyn Store) -> Result<(), StoreError> {
        store.write_documents(&self.writes, &self.effects).await
    }
}

/// How a read-change-write is retried when another writer got in first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// Longest wait after the first conflict; it doubles with each further
    /// one, up to `max`, and the wait is a random part of it (full jitter),
    /// so writers that collided do not collide again in step.
    pub base: Duration,
    pub max: Duration,
}

impl RetryPolicy {
    /// Requests that change one resource (PATCH without `If-Match`, the
    /// steps of a partner order). 32 concurrent writers of one document must
    /// all get through: with the SQLite group writer each round commits one
    /// winner per resource, so the budget covers a few dozen rounds with
    /// room to spare (at most about 3 s of waiting in all).
    pub const REQUEST: Self = Self {
        attempts: 64,
        base: Duration::from_millis(2),
        max: Duration::from_millis(50),
    };

    /// Workers, which have their own job retries behind this one.
    pub const WORKER: Self = Self {
        attempts: 8,
        base: Duration::from_millis(5),
        max: Duration::from_millis(100),
    };

    /// The wait after the `conflicts`-th conflict, for a `jitter` in [0, 1).
    pub fn delay(&self, conflicts: u32, jitter: f64) -> Duration {
        let full = self
            .base
            .saturating_mul(1u32 << conflicts.saturating_sub(1).min(20))
            .min(self.max);
        full.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// Starts the loop of one read-change-write; `pinned` when the caller
    /// named the version (`If-Match`), which is never retried.
    pub fn begin(&self, pinned: bool) -> Retrying {
        Retrying {
            policy: *self,
            conflicts: 0,
            pinned,
        }
    }
}

/// One read-change-write loop in progress:
///
/// ```ignore
/// let mut retry = RetryPolicy::REQUEST.begin(expected.is_some());
/// loop {
///     match attempt().await {
///         Err(AppError::PreconditionFailed) => retry.conflict("cart").await?,
///         other => return other,
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Retrying {
    policy: RetryPolicy,
    conflicts: u32,
    pinned: bool,
}

impl Retrying {
    /// After a version conflict: waits a jittered, growing moment and
    /// answers `Ok` for another attempt; `PreconditionFailed` when the
    /// version was pinned, `Contention` naming `what` when attempts ran out.
    pub async fn conflict(&mut self, what: &str) -> AppResult<()> {
        if self.pinned {
            return Err(AppError::PreconditionFailed);
        }
        self.conflicts += 1;
        if self.conflicts >= self.policy.attempts {
            return Err(AppError::contention(what));
        }
        let wait = self.policy.delay(self.conflicts, rand::random::<f64>());
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

/// [`Repo::change`] for a document that is not a typed record (a TMF
/// resource): `change` edits the document read (body and columns; the
/// version is moved on here) and answers the write's effects.
pub async fn change_document(
    store: &dyn Store,
    key: &DocumentKey,
    what: &str,
    expected: Option<i64>,
    policy: &RetryPolicy,
    mut change: impl FnMut(&mut Document) -> AppResult<Effects>,
) -> AppResult<Document> {
    let mut retry = policy.begin(expected.is_some());
    loop {
        let mut doc = store
            .get_document(&key.tenant, &key.kind, &key.id)
            .await?
            .ok_or_else(|| AppError::not_found(what, &key.id))?;
        if expected.is_some_and(|v| v != doc.version) {
            return Err(AppError::PreconditionFailed);
        }
        let effects = change(&mut doc)?;
        doc.version += 1;
        match store.update_document(&doc, &effects).await {
            Ok(()) => return Ok(doc),
            Err(StoreError::VersionConflict { .. }) => retry.conflict(what).await?,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_then_cap_and_never_exceed_the_full_step() {
        let p = RetryPolicy::REQUEST;
        assert_eq!(
            p.delay(1, 0.999_999),
            Duration::from_millis(2).mul_f64(0.999_999)
        );
        assert!(p.delay(3, 0.5) <= Duration::from_millis(8));
        assert!(p.delay(40, 0.999) <= p.max);
        assert_eq!(p.delay(5, 0.0), Duration::ZERO);
    }

    #[tokio::test]
    async fn conflicts_are_retried_until_attempts_run_out() {
        let policy = RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(1),
            max: Duration::from_millis(1),
        };
        let mut retry = policy.begin(false);
        assert!(retry.conflict("thing").await.is_ok());
        assert!(retry.conflict("thing").await.is_ok());
        assert!(matches!(
            retry.conflict("thing").await,
            Err(AppError::Contention { .. })
        ));
    }

    #[tokio::test]
    async fn a_pinned_version_is_not_retried() {
        let mut retry = RetryPolicy::REQUEST.begin(true);
        assert!(matches!(
            retry.conflict("thing").await,
            Err(AppError::PreconditionFailed)
        ));
    }
}
