//! What one request may make. A request body is at most 1 MiB, but without
//! these a small body can still become a very large stored document (a cart
//! of thousands of items, each priced and echoed in its event), and every
//! later read, write and delivery of it pays for that. The counts are
//! checked where each family reads its lists, with the functions here, so
//! the rule and its wording live in one place; the size of every stored
//! document is checked by [`LimitedStore`], under every family's writes.

use crate::error::{AppError, AppResult};
use async_trait::async_trait;
use omni_core::document::FieldError;
use omni_store::{
    BodyRow, Document, DocumentKey, DocumentQuery, DocumentWrite, Effects, IdempotencyRecord,
    IdempotencyReservation, IdempotencyScope, Job, JobClaim, JobCount, JobOutcome, JobQuery,
    NewEvent, NewJob, Reservation, Result, Store, StoreError, StoredEvent, StoredResponse,
};
use serde_json::Value;
use std::sync::Arc;

/// The bounds, settable per deployment (`omni` flags and `OMNI_MAX_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Items of one cart, one order capture call and one order in total, and
    /// change requests of one care order.
    pub max_items: usize,
    /// Characteristics of one item.
    pub max_item_characteristics: usize,
    /// Relationships of one item to other items.
    pub max_item_relationships: usize,
    /// Largest document the server writes, in bytes of its JSON body.
    pub max_document_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_items: 100,
            max_item_characteristics: 50,
            max_item_relationships: 50,
            max_document_bytes: 256 * 1024,
        }
    }
}

/// Names of the settings, as an operator would look for them.
const ITEMS_SETTING: &str = "OMNI_MAX_ITEMS";
const CHARACTERISTICS_SETTING: &str = "OMNI_MAX_ITEM_CHARACTERISTICS";
const RELATIONSHIPS_SETTING: &str = "OMNI_MAX_ITEM_RELATIONSHIPS";

/// Where an item keeps its lists, in a family's shape (JSON pointers into
/// one item). The default is an item with neither (a care change request).
#[derive(Debug, Clone, Copy, Default)]
pub struct ItemShape {
    /// The item's characteristics, e.g. `/product/productCharacteristic`.
    pub characteristics: Option<&'static str>,
    /// The item's relationships to other items, when the family has them.
    pub relationships: Option<&'static str>,
}

/// The one wording of a count over its limit, naming the field.
fn over(field: String, len: usize, max: usize, setting: &str) -> FieldError {
    FieldError::new(
        field,
        format!("has {len} entries, more than the {max} allowed ({setting})"),
    )
}

impl Limits {
    /// Checks a request's list of items at `field` and, in each item, its
    /// characteristics and relationships; every list over its limit is
    /// named at once (a 400). Lists that are not arrays are left to the
    /// family's own validation.
    pub fn items(&self, field: &str, items: &[Value], shape: ItemShape) -> AppResult<()> {
        let mut errors = Vec::new();
        if items.len() > self.max_items {
            errors.push(over(
                field.into(),
                items.len(),
                self.max_items,
                ITEMS_SETTING,
            ));
        }
        for (n, item) in items.iter().enumerate() {
            let mut list = |pointer: &str, max: usize, setting: &str| {
                let len = item
                    .pointer(pointer)
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                if len > max {
                    let path = pointer.trim_start_matches('/').replace('/', ".");
                    errors.push(over(format!("{field}[{n}].{path}"), len, max, setting));
                }
            };
            if let Some(pointer) = shape.characteristics {
                list(
                    pointer,
                    self.max_item_characteristics,
                    CHARACTERISTICS_SETTING,
                );
            }
            if let Some(pointer) = shape.relationships {
                list(pointer, self.max_item_relationships, RELATIONSHIPS_SETTING);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::fields(errors))
        }
    }

    /// An order that already holds `earlier` items and is given `adding`
    /// more may hold at most [`Self::max_items`] in all.
    pub fn total_items(&self, field: &str, earlier: usize, adding: usize) -> AppResult<()> {
        let total = earlier.saturating_add(adding);
        if total <= self.max_items {
            return Ok(());
        }
        Err(AppError::field(
            field,
            format!(
                "would bring the order to {total} items, more than the {} allowed ({ITEMS_SETTING})",
                self.max_items
            ),
        ))
    }

    /// Whether `doc` may be written.
    pub fn document(&self, doc: &Document) -> Result<()> {
        let bytes = json_len(&doc.body);
        if bytes <= self.max_document_bytes {
            return Ok(());
        }
        Err(StoreError::TooLarge {
            kind: doc.kind.clone(),
            id: doc.id.clone(),
            bytes,
            limit: self.max_document_bytes,
        })
    }
}

/// Bytes of `value` as compact JSON, counted without building the text.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Count(0);
    // Writing to a counter cannot fail; were it to, nothing is counted and
    // the write goes on to the database, which has its own bounds.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

/// The store every use case and worker writes through: each document
/// inserted or updated is checked against [`Limits::max_document_bytes`]
/// before it reaches the database, so no family can store more than that
/// however it built the document. Bulk catalog loads (`put_documents`) are
/// the operator's and are not limited.
pub struct LimitedStore {
    pub inner: Arc<dyn Store>,
    pub limits: Limits,
}

impl LimitedStore {
    pub fn wrap(inner: Arc<dyn Store>, limits: Limits) -> Arc<dyn Store> {
        Arc::new(Self { inner, limits })
    }
}

#[async_trait]
impl Store for LimitedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn insert_document(&self, doc: &Document, effects: &Effects) -> Result<()> {
        self.limits.document(doc)?;
        self.inner.insert_document(doc, effects).await
    }
    async fn update_document(&self, doc: &Document, effects: &Effects) -> Result<()> {
        self.limits.document(doc)?;
        self.inner.update_document(doc, effects).await
    }
    async fn write_documents(&self, writes: &[DocumentWrite], effects: &Effects) -> Result<()> {
        for write in writes {
            if let DocumentWrite::Insert(doc) | DocumentWrite::Update(doc) = write {
                self.limits.document(doc)?;
            }
        }
        self.inner.write_documents(writes, effects).await
    }

    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }
    async fn migrate(&self) -> Result<()> {
        self.inner.migrate().await
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
    async fn delete_document(
        &self,
        key: &DocumentKey,
        version: Option<i64>,
        effects: &Effects,
    ) -> Result<()> {
        self.inner.delete_document(key, version, effects).await
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(body: Value) -> Document {
        Document {
            tenant: "t".into(),
            kind: "shoppingCart".into(),
            id: "c1".into(),
            version: 1,
            owner: None,
            state: None,
            created_at: String::new(),
            updated_at: String::new(),
            body,
        }
    }

    #[test]
    fn a_document_at_the_limit_is_written_one_byte_more_is_not() {
        let body = json!({"note": "x".repeat(100)});
        let exact = serde_json::to_vec(&body)
            .map(|v| v.len())
            .unwrap_or_default();
        let at = Limits {
            max_document_bytes: exact,
            ..Limits::default()
        };
        assert!(at.document(&doc(body.clone())).is_ok());
        let under = Limits {
            max_document_bytes: exact - 1,
            ..Limits::default()
        };
        match under.document(&doc(body)) {
            Err(StoreError::TooLarge { kind, bytes, .. }) => {
                assert_eq!((kind.as_str(), bytes), ("shoppingCart", exact));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_list_over_its_limit_is_named_at_once() {
        let limits = Limits {
            max_items: 2,
            max_item_characteristics: 1,
            max_item_relationships: 1,
            ..Limits::default()
        };
        let shape = ItemShape {
            characteristics: Some("/product/productCharacteristic"),
            relationships: Some("/cartItemRelationship"),
        };
        let ok = [
            json!({"product": {"productCharacteristic": [1]}, "cartItemRelationship": [1]}),
            json!({}),
        ];
        assert!(limits.items("cartItem", &ok, shape).is_ok());
        let over = [
            json!({}),
            json!({"product": {"productCharacteristic": [1, 2]}, "cartItemRelationship": [1, 2]}),
            json!({}),
        ];
        let err = limits.items("cartItem", &over, shape).err();
        let fields: Vec<String> = err
            .iter()
            .flat_map(|e| e.details().iter().map(|d| d.field.clone()))
            .collect();
        assert_eq!(
            fields,
            [
                "cartItem",
                "cartItem[1].product.productCharacteristic",
                "cartItem[1].cartItemRelationship"
            ]
        );
    }
}
