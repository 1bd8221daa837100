//! A store that lets a test step in around every multi-document write
//! (`write_documents`): just before it reaches the database (to play another
//! writer getting in first) and just after (to look at what it left). Every
//! other call goes straight to the real store. Include it with
//! `#[path = "common/hooked_store.rs"] mod hooked_store;` where needed.

use async_trait::async_trait;
use omni_store::{
    BodyRow, Document, DocumentKey, DocumentQuery, DocumentWrite, Effects, IdempotencyRecord,
    IdempotencyReservation, IdempotencyScope, Job, JobClaim, JobCount, JobOutcome, JobQuery,
    NewEvent, NewJob, Reservation, Result, Store, StoredEvent, StoredResponse,
};
use std::sync::Arc;

#[async_trait]
pub trait WriteHook: Send + Sync + 'static {
    /// Runs before `writes` go to `store`.
    async fn before(&self, _store: &dyn Store, _writes: &[DocumentWrite], _effects: &Effects) {}

    /// Runs after, with what the write answered.
    async fn after(
        &self,
        _store: &dyn Store,
        _writes: &[DocumentWrite],
        _effects: &Effects,
        _result: &Result<()>,
    ) {
    }
}

pub struct HookedStore<H> {
    pub inner: Arc<dyn Store>,
    pub hook: H,
}

#[async_trait]
impl<H: WriteHook> Store for HookedStore<H> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn write_documents(&self, writes: &[DocumentWrite], effects: &Effects) -> Result<()> {
        let store = self.inner.as_ref();
        self.hook.before(store, writes, effects).await;
        let result = store.write_documents(writes, effects).await;
        self.hook.after(store, writes, effects, &result).await;
        result
    }

    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }
    async fn migrate(&self) -> Result<()> {
        self.inner.migrate().await
    }
    async fn insert_document(&self, doc: &Document, effects: &Effects) -> Result<()> {
        self.inner.insert_document(doc, effects).await
    }
    async fn put_documents(&self, docs: &[Document]) -> Result<()> {
        self.inner.put_documents(docs).await
    }
    async fn get_document(&self, tenant: &str, kind: &str, id: &str) -> Result<Option<Document>> {
        self.inner.get_document(tenant, kind, id).await
    }
    async fn get_documents(
        &self,
        tenant: &str,
        kind: &str,
        ids: &[String],
    ) -> Result<Vec<Document>> {
        self.inner.get_documents(tenant, kind, ids).await
    }
    async fn update_document(&self, doc: &Document, effects: &Effects) -> Result<()> {
        self.inner.update_document(doc, effects).await
    }
    async fn delete_document(
        &self,
        key: &DocumentKey,
        expected_version: Option<i64>,
        effects: &Effects,
    ) -> Result<()> {
        self.inner
            .delete_document(key, expected_version, effects)
            .await
    }
    async fn list_documents(&self, query: &DocumentQuery) -> Result<Vec<Document>> {
        self.inner.list_documents(query).await
    }
    async fn count_documents(&self, query: &DocumentQuery) -> Result<u64> {
        self.inner.count_documents(query).await
    }
    async fn list_keyed(
        &self,
        query: &DocumentQuery,
        keys: &omni_store::KeyQuery,
    ) -> Result<Vec<Document>> {
        self.inner.list_keyed(query, keys).await
    }
    async fn count_keyed(&self, query: &DocumentQuery, keys: &omni_store::KeyQuery) -> Result<u64> {
        self.inner.count_keyed(query, keys).await
    }
    async fn delete_expired(
        &self,
        kind: &str,
        now: &str,
        limit: i64,
        event_for: for<'d> fn(&'d Document) -> NewEvent,
    ) -> Result<Vec<DocumentKey>> {
        self.inner.delete_expired(kind, now, limit, event_for).await
    }
    async fn document_bodies(
        &self,
        tenant: &str,
        kind: &str,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> Result<Vec<BodyRow>> {
        self.inner.document_bodies(tenant, kind, after, limit).await
    }
    async fn outbox_after(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>> {
        self.inner.outbox_after(after_seq, limit).await
    }
    async fn outbox_stream(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>> {
        self.inner.outbox_stream(after, limit).await
    }
    async fn outbox_slice(
        &self,
        tenant: &str,
        resource_kinds: &[String],
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        self.inner
            .outbox_slice(tenant, resource_kinds, after, limit)
            .await
    }
    async fn sequence_committed(&self) -> Result<()> {
        self.inner.sequence_committed().await
    }
    async fn outbox_stream_head(&self) -> Result<i64> {
        self.inner.outbox_stream_head().await
    }
    async fn bump_counter(&self, name: &str) -> Result<i64> {
        self.inner.bump_counter(name).await
    }
    async fn read_counter(&self, name: &str) -> Result<i64> {
        self.inner.read_counter(name).await
    }
    async fn counters_with_prefix(&self, prefix: &str) -> Result<Vec<(String, i64)>> {
        self.inner.counters_with_prefix(prefix).await
    }
    async fn enqueue_job(&self, job: &NewJob) -> Result<()> {
        self.inner.enqueue_job(job).await
    }
    async fn claim_jobs(&self, claim: &JobClaim) -> Result<Vec<Job>> {
        self.inner.claim_jobs(claim).await
    }
    async fn finish_job(&self, id: &str, worker: &str, outcome: &JobOutcome) -> Result<bool> {
        self.inner.finish_job(id, worker, outcome).await
    }
    async fn get_job(&self, id: &str) -> Result<Option<Job>> {
        self.inner.get_job(id).await
    }
    async fn list_jobs(&self, query: &JobQuery) -> Result<Vec<Job>> {
        self.inner.list_jobs(query).await
    }
    async fn count_jobs(&self) -> Result<Vec<JobCount>> {
        self.inner.count_jobs().await
    }
    async fn retry_job(&self, tenant: Option<&str>, id: &str, now: &str) -> Result<bool> {
        self.inner.retry_job(tenant, id, now).await
    }
    async fn reserve_idempotency(
        &self,
        reservation: &IdempotencyReservation,
    ) -> Result<Reservation> {
        self.inner.reserve_idempotency(reservation).await
    }
    async fn finish_idempotency(
        &self,
        scope: &IdempotencyScope,
        owner: &str,
        response: &StoredResponse,
    ) -> Result<bool> {
        self.inner.finish_idempotency(scope, owner, response).await
    }
    async fn release_idempotency(&self, scope: &IdempotencyScope, owner: &str) -> Result<bool> {
        self.inner.release_idempotency(scope, owner).await
    }
    async fn get_idempotency(&self, scope: &IdempotencyScope) -> Result<Option<IdempotencyRecord>> {
        self.inner.get_idempotency(scope).await
    }
    async fn delete_expired_idempotency(&self, now: &str, limit: i64) -> Result<u64> {
        self.inner.delete_expired_idempotency(now, limit).await
    }
}
