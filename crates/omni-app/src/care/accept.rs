//! `careOrder`: accept a care order. The whole body is validated against the
//! lines it names and the catalog before anything is stored; then each
//! change request's due date is resolved once (an immediate one is due now,
//! `nextBillingCycle` on its line's billing account's cycle day), and the
//! whole order is rehearsed on copies of its lines with the worker's own
//! rules, in the worker's order (`omni_core::care::rehearse`): a change
//! that would fail when due, were the line unchanged till then (an add-on
//! that does not fit the plan, a status move the order's earlier changes or
//! the line's state make illegal), refuses the whole order with a 400
//! naming it by path and code. Then the order, its status event and one job
//! per change request are stored in one write, and the worker applies each
//! change when its job falls due. Ownership: every line must be on the
//! order's foundation account (`omni_core::inventory::ownership_problem`,
//! the rule order capture uses too).

use super::facts::StoredInventory;
use super::record::{CareOrderRecord, ChangeState, RecordStatus, orders};
use super::{authorize, client, worker};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::inventory::billing_accounts;
use crate::limits::ItemShape;
use crate::repo::Stored;
use omni_core::Principal;
use omni_core::care::{ChangeResult, InventoryLookup, rehearse, validate};
use omni_core::time::rfc3339;
use omni_store::Effects;
use serde_json::Value;
use std::collections::BTreeSet;

/// Accepts the care order `body` (`careOrderRequest`), placed by the
/// token's client (which scopes its notifications).
pub async fn accept(
    ctx: &Context,
    principal: &Principal,
    body: &Value,
) -> AppResult<CareOrderRecord> {
    authorize(principal)?;
    let client = client(principal)?;
    // Counted before the lines they name are read.
    let changes = body
        .pointer("/careOrderRequest/changeRequest")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    ctx.config.limits.items(
        "careOrderRequest.changeRequest",
        changes,
        ItemShape::default(),
    )?;
    let (store, tenant) = (ctx.store(), principal.tenant.as_str());
    let inventory = StoredInventory::load(store, tenant, body).await?;
    let catalog = ctx.caches.care_catalog.get(store, tenant).await?;
    let order = validate(body, &inventory, catalog.as_ref()).map_err(AppError::fields)?;
    let now = ctx.now();
    // Validation found every line; their billing accounts in one read.
    let billing_ids: BTreeSet<String> = order
        .change_requests
        .iter()
        .filter_map(|change| inventory.line(&change.ctn))
        .map(|line| line.billing_account_id)
        .collect();
    let billing_ids: Vec<String> = billing_ids.into_iter().collect();
    let billing = billing_accounts(store, tenant)
        .find_many(&billing_ids)
        .await?;
    let mut changes = Vec::with_capacity(order.change_requests.len());
    let mut due = Vec::with_capacity(order.change_requests.len());
    for change in &order.change_requests {
        // A line or account missing now was removed after validation.
        let Some(line) = inventory.line(&change.ctn) else {
            return Err(AppError::conflict(format!(
                "line '{}' was removed meanwhile",
                change.ctn
            )));
        };
        let Some(account) = billing.get(&line.billing_account_id) else {
            return Err(AppError::conflict(format!(
                "billing account '{}' of line '{}' does not exist",
                line.billing_account_id, change.ctn
            )));
        };
        let at = change.due_at(now, account.record.bill_cycle_day);
        due.push(at);
        changes.push(ChangeState {
            due_at: rfc3339(at),
            result: ChangeResult::pending(change.change_request_id.clone()),
            processed_at: None,
        });
    }
    let id = format!("CO-{}", uuid::Uuid::now_v7().simple());
    // What the worker would refuse on the lines as they are now is refused
    // here (see `omni_core::care::rehearse`).
    let accounts = billing
        .into_iter()
        .map(|(id, stored)| (id, stored.record))
        .collect();
    rehearse(
        &order,
        &due,
        inventory.subscribers(),
        accounts,
        catalog.as_ref(),
        &id,
    )
    .map_err(AppError::fields)?;
    let stamp = rfc3339(now);
    let record = CareOrderRecord {
        id,
        client_id: client.to_string(),
        status: RecordStatus::InProgress,
        created_at: stamp.clone(),
        updated_at: stamp.clone(),
        order,
        changes,
    };
    let jobs = record
        .changes
        .iter()
        .enumerate()
        .map(|(index, c)| worker::change_job(tenant, &record.id, index, &c.due_at, &stamp))
        .collect();
    let effects = Effects {
        events: vec![record.status_event(tenant, now)],
        jobs,
        ..Effects::default()
    };
    let stored = Stored::new(record, None, &stamp);
    orders(store, tenant).insert(&stored, &effects).await?;
    // A wake with no worker waiting is kept for its next wait.
    ctx.signals.care.notify_one();
    Ok(stored.record)
}
