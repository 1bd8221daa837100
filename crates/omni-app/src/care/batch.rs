//! Planning a claimed batch of change requests: the records they need are
//! read with a few queries for the whole batch (care orders, then their
//! lines, then the lines' billing accounts, each with `find_many`) instead
//! of a few per change, and the jobs are split into chains. Jobs that share
//! an order or a line (or a billing account they may rewrite) are one
//! chain, run one after the other in due order and request order, each
//! starting from the records the one before wrote; different chains run at
//! once. So the worker never races itself for a version: only another node
//! (or a cancellation) can make a write conflict, and the conflict path
//! reads afresh.

use super::record::CareOrderRecord;
use crate::repo::{Record, Repo, Stored};
use omni_core::care::ChangeRequest;
use omni_core::inventory::{BillingAccount, Subscriber};
use omni_store::{Job, Store, StoreError};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a chain knows of one kind of record, by id: as last read or written
/// (`None`: known to be absent). Reads of anything else go to the store.
pub(super) struct Known<T>(HashMap<String, Option<Stored<T>>>);

impl<T> Default for Known<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<T: Record + Clone> Known<T> {
    pub async fn get(
        &mut self,
        store: &dyn Store,
        tenant: &str,
        id: &str,
    ) -> Result<Option<Stored<T>>, StoreError> {
        if let Some(known) = self.0.get(id) {
            return Ok(known.clone());
        }
        let read = Repo::<T>::new(store, tenant).find(id).await?;
        self.0.insert(id.to_string(), read.clone());
        Ok(read)
    }

    /// Records what the chain wrote (`None`: removed).
    pub fn set(&mut self, id: &str, record: Option<Stored<T>>) {
        self.0.insert(id.to_string(), record);
    }
}

/// The records a chain works on.
#[derive(Default)]
pub(super) struct Snapshot {
    pub orders: Known<CareOrderRecord>,
    pub lines: Known<Subscriber>,
    pub billing: Known<BillingAccount>,
}

impl Snapshot {
    /// Forgets everything: the next reads go to the store (after a
    /// conflict, or a refusal decided on the batch's reads).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Jobs to run one after the other (each with its place in the claimed
/// batch), with the records they start from.
pub(super) struct Chain {
    pub jobs: Vec<(usize, Job)>,
    pub snapshot: Snapshot,
}

/// The order and change a job names, from its payload.
pub(super) fn target(job: &Job) -> Option<(&str, usize)> {
    let order = job.payload.get("orderId").and_then(Value::as_str)?;
    let index = job.payload.get("index").and_then(Value::as_u64)?;
    Some((order, usize::try_from(index).ok()?))
}

/// Per tenant and id: the record as read, `None` when absent. An id missing
/// from the map was not read (its record does not decode: the job that
/// needs it reads it itself and reports why).
type Read<T> = HashMap<(String, String), Option<Stored<T>>>;

/// Reads the records of one kind that `wanted` names, one query per tenant.
async fn read_all<T: Record>(
    store: &dyn Store,
    wanted: BTreeMap<String, BTreeSet<String>>,
) -> Result<Read<T>, StoreError> {
    let mut read = HashMap::new();
    for (tenant, ids) in wanted {
        let repo = Repo::<T>::new(store, &tenant);
        let ids: Vec<String> = ids.into_iter().collect();
        match repo.find_many(&ids).await {
            Ok(mut found) => {
                for id in ids {
                    let record = found.remove(&id);
                    read.insert((tenant.clone(), id), record);
                }
            }
            Err(StoreError::Corrupt(reason)) => {
                // One record of the batch does not decode: the others are
                // read one by one, so that only the change needing it fails.
                tracing::warn!(kind = T::KIND, %tenant, %reason, "a record of a care batch does not decode");
                for id in ids {
                    match repo.find(&id).await {
                        Ok(record) => {
                            read.insert((tenant.clone(), id), record);
                        }
                        Err(StoreError::Corrupt(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(read)
}

/// Ids wanted, per tenant.
type Wanted = BTreeMap<String, BTreeSet<String>>;

fn want(wanted: &mut Wanted, tenant: &str, id: &str) {
    wanted
        .entry(tenant.to_string())
        .or_default()
        .insert(id.to_string());
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

/// A job's change and line, as the batch read them.
struct Parts<'a> {
    /// The change's own due date: a retried job's `run_at` is later.
    due: String,
    order: Option<&'a str>,
    change: Option<&'a ChangeRequest>,
    line: Option<&'a Stored<Subscriber>>,
}

/// The record of `tenant` and `id` as read: `Some(None)` when known absent,
/// `None` when not read.
fn read<'a, T>(read: &'a Read<T>, tenant: &str, id: &str) -> Option<&'a Option<Stored<T>>> {
    read.get(&(tenant.to_string(), id.to_string()))
}

/// Splits `jobs` (change requests of any tenants) into chains and reads
/// what they need. Jobs whose payload or order cannot be read still get a
/// chain of their own: running them reports the problem.
pub(super) async fn plan(store: &dyn Store, jobs: &[Job]) -> Result<Vec<Chain>, StoreError> {
    let mut wanted = Wanted::new();
    for job in jobs {
        if let Some((order, _)) = target(job) {
            want(&mut wanted, &job.tenant, order);
        }
    }
    let orders: Read<CareOrderRecord> = read_all(store, wanted).await?;
    let change_of = |job: &Job| {
        let (order, index) = target(job)?;
        let order = read(&orders, &job.tenant, order)?.as_ref()?;
        Some((order, index))
    };
    let mut wanted = Wanted::new();
    for job in jobs {
        if let Some((order, index)) = change_of(job)
            && let Some(change) = order.record.order.change_requests.get(index)
        {
            want(&mut wanted, &job.tenant, &change.ctn);
        }
    }
    let lines: Read<Subscriber> = read_all(store, wanted).await?;
    let mut wanted = Wanted::new();
    for ((tenant, _), line) in &lines {
        if let Some(line) = line {
            want(&mut wanted, tenant, &line.record.billing_account_id);
        }
    }
    let billing: Read<BillingAccount> = read_all(store, wanted).await?;

    let parts: Vec<Parts> = jobs
        .iter()
        .map(|job| {
            let order = change_of(job);
            let change = order.and_then(|(o, i)| o.record.order.change_requests.get(i));
            let line = change
                .and_then(|c| read(&lines, &job.tenant, &c.ctn))
                .and_then(Option::as_ref);
            let due = order
                .and_then(|(o, i)| o.record.changes.get(i))
                .map_or_else(|| job.run_at.clone(), |c| c.due_at.clone());
            Parts {
                due,
                order: target(job).map(|(order, _)| order),
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
        let billing_account = p.line.map(|l| l.record.billing_account_id.as_str());
        for key in keys(&job.tenant, order, p.change, billing_account) {
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
            let key = |i: usize| (&parts[i].due, parts[i].order, target(&jobs[i]).map(|t| t.1));
            key(a).cmp(&key(b))
        });
        let mut snapshot = Snapshot::default();
        for &i in &members {
            let (tenant, p) = (&jobs[i].tenant, &parts[i]);
            let Some(order) = p.order else { continue };
            if let Some(known) = read(&orders, tenant, order) {
                snapshot.orders.set(order, known.clone());
            }
            let Some(change) = p.change else { continue };
            if let Some(known) = read(&lines, tenant, &change.ctn) {
                snapshot.lines.set(&change.ctn, known.clone());
            }
            if let Some(line) = p.line
                && let Some(known) = read(&billing, tenant, &line.record.billing_account_id)
            {
                snapshot
                    .billing
                    .set(&line.record.billing_account_id, known.clone());
            }
        }
        let jobs = members.iter().map(|&i| (i, jobs[i].clone())).collect();
        chains.push(Chain { jobs, snapshot });
    }
    Ok(chains)
}
