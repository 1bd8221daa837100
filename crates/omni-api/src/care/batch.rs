//! Planning a claimed batch of change requests: the documents they need are
//! read with a few queries for the whole batch (orders, then their lines,
//! then the lines' billing accounts) instead of a few per change, and the
//! jobs are split into chains. Jobs that share an order or a line (or a
//! billing account they may rewrite) are one chain, run one after the other
//! in due order and request order, each starting from the documents the one
//! before wrote; different chains run at once. So the worker never races
//! itself for a version: only another server (or a cancellation) can make a
//! write conflict, and the conflict path reads afresh.

use super::KIND;
use super::record::CareOrderRecord;
use omni_core::care::ChangeRequest;
use omni_core::inventory::{BILLING_ACCOUNT_KIND, SUBSCRIBER_KIND};
use omni_store::{Document, Job, Store, StoreError};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The documents a chain works on, by kind and id; `None` records a
/// document known to be absent. Reads of anything else go to the store.
#[derive(Default)]
pub(super) struct Snapshot {
    docs: HashMap<(String, String), Option<Document>>,
}

impl Snapshot {
    /// The document as last read or written by this chain.
    pub async fn get(
        &mut self,
        store: &dyn Store,
        tenant: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<Document>, StoreError> {
        let key = (kind.to_string(), id.to_string());
        if let Some(doc) = self.docs.get(&key) {
            return Ok(doc.clone());
        }
        let doc = store.get_document(tenant, kind, id).await?;
        self.docs.insert(key, doc.clone());
        Ok(doc)
    }

    /// Records what this chain just wrote.
    pub fn wrote(&mut self, doc: Document) {
        self.docs
            .insert((doc.kind.clone(), doc.id.clone()), Some(doc));
    }

    /// Drops what the chain knows of a document: the next read goes to the
    /// store (after a conflict, or a removal that may have failed).
    pub fn forget(&mut self, kind: &str, id: &str) {
        self.docs.remove(&(kind.to_string(), id.to_string()));
    }

    fn known(&mut self, kind: &str, id: &str, doc: Option<&Document>) {
        self.docs
            .insert((kind.to_string(), id.to_string()), doc.cloned());
    }
}

/// Jobs to run one after the other, with the documents they start from.
pub(super) struct Chain {
    pub jobs: Vec<Job>,
    pub snapshot: Snapshot,
}

/// The order and change a job names, from its payload.
pub(super) fn target(job: &Job) -> Option<(&str, usize)> {
    let order = job.payload.get("orderId").and_then(Value::as_str)?;
    let index = job.payload.get("index").and_then(Value::as_u64)?;
    Some((order, usize::try_from(index).ok()?))
}

/// Reads documents of one tenant and kind by id, at once; absent ids are
/// recorded as absent.
async fn read_many(
    store: &dyn Store,
    tenant: &str,
    kind: &str,
    ids: BTreeSet<String>,
) -> Result<HashMap<String, Option<Document>>, StoreError> {
    let list: Vec<String> = ids.iter().cloned().collect();
    let mut found: HashMap<String, Option<Document>> =
        ids.into_iter().map(|id| (id, None)).collect();
    for doc in store.get_documents(tenant, kind, &list).await? {
        found.insert(doc.id.clone(), Some(doc));
    }
    Ok(found)
}

/// Union-find over job positions.
struct Components(Vec<usize>);

impl Components {
    fn root(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        if a != b {
            self.0[b] = a;
        }
    }
}

/// What one job touches, for chaining: its order, its line (both numbers
/// of a `changeCTN`), and the line's billing account when the change may
/// rewrite it (a billing contact).
fn keys(
    tenant: &str,
    order: &str,
    change: Option<&ChangeRequest>,
    billing_account: Option<&str>,
) -> Vec<String> {
    let mut keys = vec![format!("{tenant}\u{0}o\u{0}{order}")];
    if let Some(change) = change {
        keys.push(format!("{tenant}\u{0}l\u{0}{}", change.ctn));
        if let Some(new) = &change.new_ctn {
            keys.push(format!("{tenant}\u{0}l\u{0}{new}"));
        }
        if let Some(id) = billing_account.filter(|_| change.billing_contact.is_some()) {
            keys.push(format!("{tenant}\u{0}b\u{0}{id}"));
        }
    }
    keys
}

/// The line document's billing account id.
fn billing_account_of(line: Option<&Document>) -> Option<&str> {
    line.and_then(|d| d.body.get("billingAccountId"))
        .and_then(Value::as_str)
}

/// Splits `jobs` (change requests of any tenants) into chains and reads
/// what they need. Jobs whose payload or order cannot be read still get a
/// chain of their own: running them reports the problem.
pub(super) async fn plan(store: &dyn Store, jobs: Vec<Job>) -> Result<Vec<Chain>, StoreError> {
    // Orders per tenant, then their records.
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for job in &jobs {
        if let Some((order, _)) = target(job) {
            wanted
                .entry(job.tenant.clone())
                .or_default()
                .insert(order.to_string());
        }
    }
    let mut orders: HashMap<(String, String), Option<Document>> = HashMap::new();
    let mut records: HashMap<(String, String), CareOrderRecord> = HashMap::new();
    let mut lines_wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (tenant, ids) in wanted {
        for (id, doc) in read_many(store, &tenant, KIND, ids).await? {
            if let Some(record) = doc
                .as_ref()
                .and_then(|d| serde_json::from_value::<CareOrderRecord>(d.body.clone()).ok())
            {
                let lines = lines_wanted.entry(tenant.clone()).or_default();
                lines.extend(record.order.change_requests.iter().map(|c| c.ctn.clone()));
                records.insert((tenant.clone(), id.clone()), record);
            }
            orders.insert((tenant.clone(), id), doc);
        }
    }
    // Lines, then their billing accounts.
    let mut lines: HashMap<(String, String), Option<Document>> = HashMap::new();
    let mut billing_wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (tenant, ids) in lines_wanted {
        for (ctn, doc) in read_many(store, &tenant, SUBSCRIBER_KIND, ids).await? {
            if let Some(id) = doc
                .as_ref()
                .and_then(|d| d.body.get("billingAccountId"))
                .and_then(Value::as_str)
            {
                billing_wanted
                    .entry(tenant.clone())
                    .or_default()
                    .insert(id.to_string());
            }
            lines.insert((tenant.clone(), ctn), doc);
        }
    }
    let mut billing: HashMap<(String, String), Option<Document>> = HashMap::new();
    for (tenant, ids) in billing_wanted {
        for (id, doc) in read_many(store, &tenant, BILLING_ACCOUNT_KIND, ids).await? {
            billing.insert((tenant.clone(), id), doc);
        }
    }

    // Each job's change, line and billing account, as read.
    struct Parts<'a> {
        due: String,
        order: Option<&'a str>,
        change: Option<&'a ChangeRequest>,
        line: Option<&'a Document>,
    }
    let parts: Vec<Parts> = jobs
        .iter()
        .map(|job| {
            let Some((order, index)) = target(job) else {
                return Parts {
                    due: job.run_at.clone(),
                    order: None,
                    change: None,
                    line: None,
                };
            };
            let record = records.get(&(job.tenant.clone(), order.to_string()));
            let change = record.and_then(|r| r.order.change_requests.get(index));
            let line = change
                .and_then(|c| lines.get(&(job.tenant.clone(), c.ctn.clone())))
                .and_then(Option::as_ref);
            // The change's own due date: a retried job's run_at is later.
            let due = record
                .and_then(|r| r.changes.get(index))
                .map_or_else(|| job.run_at.clone(), |c| c.due_at.clone());
            Parts {
                due,
                order: Some(order),
                change,
                line,
            }
        })
        .collect();

    // Chains: jobs sharing a key are joined.
    let mut components = Components((0..jobs.len()).collect());
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, (job, p)) in jobs.iter().zip(&parts).enumerate() {
        let Some(order) = p.order else { continue };
        for key in keys(&job.tenant, order, p.change, billing_account_of(p.line)) {
            match owner.get(&key) {
                Some(&j) => components.join(i, j),
                None => {
                    owner.insert(key, i);
                }
            }
        }
    }
    let mut grouped: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..jobs.len() {
        grouped.entry(components.root(i)).or_default().push(i);
    }
    let mut chains = Vec::with_capacity(grouped.len());
    for (_, mut members) in grouped {
        // Due order, then each order's requests in request order.
        members.sort_by(|&a, &b| {
            let key = |i: usize| {
                (
                    &parts[i].due,
                    parts[i].order,
                    jobs[i].payload.get("index").and_then(Value::as_u64),
                )
            };
            key(a).cmp(&key(b))
        });
        let mut snapshot = Snapshot::default();
        for &i in &members {
            let (job, p) = (&jobs[i], &parts[i]);
            let Some(order) = p.order else { continue };
            let tenant = &job.tenant;
            let doc = orders
                .get(&(tenant.clone(), order.to_string()))
                .and_then(Option::as_ref);
            snapshot.known(KIND, order, doc);
            let Some(change) = p.change else { continue };
            snapshot.known(SUBSCRIBER_KIND, &change.ctn, p.line);
            if let Some(id) = billing_account_of(p.line) {
                let doc = billing
                    .get(&(tenant.clone(), id.to_string()))
                    .and_then(Option::as_ref);
                snapshot.known(BILLING_ACCOUNT_KIND, id, doc);
            }
        }
        let jobs = members.iter().map(|&i| jobs[i].clone()).collect();
        chains.push(Chain { jobs, snapshot });
    }
    Ok(chains)
}
