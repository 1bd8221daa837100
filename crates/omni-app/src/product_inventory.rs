//! TMF637 Product Inventory v4 (`/tmf-api/productInventory/v4/product`):
//! the products customers hold, read straight from the inventory's lines
//! (`omni_core::inventory::products` maps a line to its products), so
//! every completed order and care change shows at once. Staff read with
//! `inventory.view` or `inventory.admin`; a customer reads the products of
//! the accounts their party owns (the ownership rule orders and care orders
//! use, `omni_core::inventory::ownership_problem`).
//!
//! A product is a view of its line, so lists and reads go over the lines in
//! scope: the customer's own (read by owner), or the tenant's for staff. The
//! TMF630 filters, sorting, paging and `fields` then apply to the products
//! in memory: products are views, not stored documents, so they have no
//! search keys (`omni_core::tmf630::index`) as stored TM Forum lists do.
//!
//! Writes (`PATCH`, `DELETE`) take `inventory.admin`. A write is a change of
//! the product's line: find the line that has the product, let
//! `omni_core::inventory::{patch_product, remove_product}` decide the line's
//! next state, and store it through the lines' repository (the one care
//! uses, with its retry policy and `If-Match` as the line's version) in one
//! write with the TMF637 events its products' difference makes
//! ([`events`], the function the order and care workers use).

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::events::{EventSource, event};
use crate::inventory::{accounts, billing_accounts, lines};
use crate::repo::{RetryPolicy, Stored, decode};
use crate::tmf::Versioned;
use chrono::{DateTime, Utc};
use omni_core::inventory::{
    Account, BillingAccount, Owner, Stamp, Subscriber, WriteError, ownership_problem,
    patch_product, product_changes, products, remove_product,
};
use omni_core::time::rfc3339;
use omni_core::tmf630::{ListQuery, Page};
use omni_core::{Principal, PrincipalKind};
use omni_store::{DocumentQuery, Effects, NewEvent, Store, StoreError};
use serde_json::Value;

pub const BASE: &str = "/tmf-api/productInventory/v4";
pub const PRODUCTS: &str = "/tmf-api/productInventory/v4/product";
pub const VIEW_ROLE: &str = "inventory.view";
pub const ADMIN_ROLE: &str = "inventory.admin";
pub const TAG: &str = "TMF637 Product Inventory";
/// Event domain (the TMF637 hub's).
pub const DOMAIN: &str = "productInventory";
/// Resource kind of its events.
pub const KIND: &str = "product";

pub fn href(public_url: &str, id: &str) -> String {
    format!("{public_url}{PRODUCTS}/{id}")
}

/// Whose products a caller may read.
enum Scope {
    Tenant,
    Party(String),
}

/// Customers read their own; staff need `inventory.view` (or the admin
/// role, whose holders may read what they write); anyone else gets 401/403.
fn scope(principal: &Principal) -> AppResult<Scope> {
    if principal.kind == PrincipalKind::Customer {
        return Ok(Scope::Party(principal.subject.clone().unwrap_or_default()));
    }
    if !principal.has_role(ADMIN_ROLE) {
        principal.require_role(VIEW_ROLE)?;
    }
    Ok(Scope::Tenant)
}

/// The caller's products, each with the version of the line it is a view
/// of (its `ETag`).
async fn visible(ctx: &Context, principal: &Principal) -> AppResult<Vec<(Value, i64)>> {
    let scope = scope(principal)?;
    let tenant = principal.tenant.as_str();
    let query = DocumentQuery {
        tenant: tenant.to_string(),
        kind: omni_core::inventory::SUBSCRIBER_KIND.to_string(),
        owner: match &scope {
            Scope::Tenant => None,
            Scope::Party(party) => Some(party.clone()),
        },
        page: None,
    };
    let lines: Vec<Stored<Subscriber>> = ctx
        .store
        .list_documents(&query)
        .await?
        .iter()
        .map(decode)
        .collect::<Result<_, _>>()?;
    let mut account_ids: Vec<String> = lines.iter().map(|l| l.record.account_id.clone()).collect();
    account_ids.sort();
    account_ids.dedup();
    let mut billing_ids: Vec<String> = lines
        .iter()
        .map(|l| l.record.billing_account_id.clone())
        .collect();
    billing_ids.sort();
    billing_ids.dedup();
    let accounts = accounts(ctx.store(), tenant)
        .find_many(&account_ids)
        .await?;
    let billing = billing_accounts(ctx.store(), tenant)
        .find_many(&billing_ids)
        .await?;
    let public_url = &ctx.config.public_url;
    let link = |id: &str| href(public_url, id);
    let mut out = Vec::new();
    for line in &lines {
        let l = &line.record;
        let account = accounts.get(&l.account_id).map(|a| &a.record);
        if let Scope::Party(party) = &scope
            && ownership_problem(Owner::Party(party), "line", &l.account_id, account).is_some()
        {
            continue;
        }
        let billing = billing.get(&l.billing_account_id).map(|b| &b.record);
        out.extend(
            products(l, account, billing, &link)
                .into_iter()
                .map(|p| (p, line.version)),
        );
    }
    Ok(out)
}

/// A TMF630 list of the caller's products.
pub async fn list(ctx: &Context, principal: &Principal, query: &ListQuery) -> AppResult<Page> {
    let limit = query
        .limit
        .unwrap_or(ctx.config.default_limit)
        .min(ctx.config.max_limit);
    let all = visible(ctx, principal).await?;
    Ok(query.apply(all.into_iter().map(|(p, _)| p).collect(), limit))
}

/// One product the caller may read; one they may not is as absent as one
/// that does not exist (404), so ids of others' products tell nothing.
pub async fn get(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    query: &ListQuery,
) -> AppResult<Versioned> {
    visible(ctx, principal)
        .await?
        .into_iter()
        .find(|(p, _)| p["id"] == id)
        .map(|(p, version)| Versioned {
            body: query.project(p),
            version,
        })
        .ok_or_else(|| AppError::not_found("product", id))
}

/// The line of the tenant that has product `id` (its own product or one of
/// its components), or 404 naming the product.
async fn line_of(ctx: &Context, tenant: &str, id: &str) -> AppResult<Stored<Subscriber>> {
    let query = DocumentQuery {
        tenant: tenant.to_string(),
        kind: omni_core::inventory::SUBSCRIBER_KIND.to_string(),
        owner: None,
        page: None,
    };
    for doc in ctx.store.list_documents(&query).await? {
        let line: Stored<Subscriber> = decode(&doc)?;
        if line.record.owns_product(id) {
            return Ok(line);
        }
    }
    Err(AppError::not_found("product", id))
}

fn refused(e: WriteError) -> AppError {
    match e {
        WriteError::Invalid(details) => AppError::fields(details),
        WriteError::Conflict(message) => AppError::Conflict {
            message,
            action: None,
        },
    }
}

/// Changes product `id` of the tenant's inventory by the merge patch
/// `patch` (`inventory.admin` only), at the line version `expected`
/// (`If-Match`) when given; answers the product as changed, with its line's
/// new version. A patch that changes nothing writes nothing.
pub async fn patch(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    patch: &Value,
    expected: Option<i64>,
) -> AppResult<Versioned> {
    principal.require_role(ADMIN_ROLE)?;
    let tenant = principal.tenant.as_str();
    let found = line_of(ctx, tenant, id).await?;
    let (account, billing) = parties_of(ctx.store(), tenant, &found.record).await?;
    let public_url = &ctx.config.public_url;
    let link = |pid: &str| href(public_url, pid);
    let view_of = |line: &Subscriber| {
        products(line, account.as_ref(), billing.as_ref(), &link)
            .into_iter()
            .find(|p| p["id"] == id)
    };
    let now = ctx.now();
    let stamp = rfc3339(now);
    let source = source(principal);
    let at = Stamp {
        now,
        source: &source,
    };
    let change = |line: &Subscriber| -> AppResult<Option<Subscriber>> {
        let view = view_of(line).ok_or_else(|| AppError::not_found("product", id))?;
        let next = patch_product(line, id, &view, patch, at).map_err(refused)?;
        Ok((next != *line).then_some(next))
    };
    if change(&found.record)?.is_none() {
        // Nothing to change: answer the product as it is, without a write
        // (and without an event), as long as the caller's version holds.
        if expected.is_some_and(|v| v != found.version) {
            return Err(AppError::PreconditionFailed);
        }
        return answer(view_of(&found.record), found.version, id);
    }
    let parties = (account.as_ref(), billing.as_ref());
    let (stored, ()) = lines(ctx.store(), tenant)
        .change(
            &found.record.ctn,
            expected,
            &stamp,
            &RetryPolicy::REQUEST,
            |line| {
                let before = line.clone();
                if let Some(next) = change(line)? {
                    *line = next;
                }
                let events = events(public_url, tenant, parties, Some(&before), Some(line), now);
                Ok(((), Effects::events(events)))
            },
        )
        .await?;
    answer(view_of(&stored.record), stored.version, id)
}

fn answer(view: Option<Value>, version: i64, id: &str) -> AppResult<Versioned> {
    view.map(|body| Versioned { body, version })
        .ok_or_else(|| AppError::not_found("product", id))
}

/// Deletes product `id` (`inventory.admin` only): a feature, the device or
/// the SIM is removed from its line, with a `ProductDeleteEvent` (and the
/// line's own attribute change); the line and its rate plan are refused
/// (409: terminate a line through an order or a care order).
pub async fn delete(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    expected: Option<i64>,
) -> AppResult<()> {
    principal.require_role(ADMIN_ROLE)?;
    let tenant = principal.tenant.as_str();
    let found = line_of(ctx, tenant, id).await?;
    let (account, billing) = parties_of(ctx.store(), tenant, &found.record).await?;
    let public_url = &ctx.config.public_url;
    let now = ctx.now();
    let stamp = rfc3339(now);
    let source = source(principal);
    let at = Stamp {
        now,
        source: &source,
    };
    let parties = (account.as_ref(), billing.as_ref());
    lines(ctx.store(), tenant)
        .change(
            &found.record.ctn,
            expected,
            &stamp,
            &RetryPolicy::REQUEST,
            |line| {
                // Another writer may have removed it since it was found.
                if !line.owns_product(id) {
                    return Err(AppError::not_found("product", id));
                }
                let before = line.clone();
                *line = remove_product(line, id, at).map_err(refused)?;
                let events = events(public_url, tenant, parties, Some(&before), Some(line), now);
                Ok(((), Effects::events(events)))
            },
        )
        .await?;
    Ok(())
}

/// What the line's history names as the source of a TMF637 write: the API
/// and the caller.
fn source(principal: &Principal) -> String {
    format!(
        "productInventory:{}",
        principal.subject.as_deref().unwrap_or("unknown")
    )
}

/// The account and billing account of `line`, for its products' parties.
pub async fn parties_of(
    store: &dyn Store,
    tenant: &str,
    line: &Subscriber,
) -> Result<(Option<Account>, Option<BillingAccount>), StoreError> {
    let account = accounts(store, tenant).find(&line.account_id).await?;
    let billing = billing_accounts(store, tenant)
        .find(&line.billing_account_id)
        .await?;
    Ok((account.map(|a| a.record), billing.map(|b| b.record)))
}

/// The TMF637 events of a line's change, written by the order worker and
/// the care worker in the same transaction as the line: the difference of
/// the line's products `before` and `after` (`None`: no such line), as
/// `omni_core::inventory::product_changes` decides it.
pub async fn line_events(
    store: &dyn Store,
    public_url: &str,
    tenant: &str,
    before: Option<&Subscriber>,
    after: Option<&Subscriber>,
    now: DateTime<Utc>,
) -> Result<Vec<NewEvent>, StoreError> {
    let Some(any) = after.or(before) else {
        return Ok(Vec::new());
    };
    let (account, billing) = parties_of(store, tenant, any).await?;
    let parties = (account.as_ref(), billing.as_ref());
    Ok(events(public_url, tenant, parties, before, after, now))
}

/// As [`line_events`], with the line's account and billing account already
/// read (for a write decided in a closure that cannot read).
pub fn events(
    public_url: &str,
    tenant: &str,
    (account, billing): (Option<&Account>, Option<&BillingAccount>),
    before: Option<&Subscriber>,
    after: Option<&Subscriber>,
    now: DateTime<Utc>,
) -> Vec<NewEvent> {
    let link = |id: &str| href(public_url, id);
    let view = |line: Option<&Subscriber>| {
        line.map(|l| products(l, account, billing, &link))
            .unwrap_or_default()
    };
    product_changes(&view(before), &view(after))
        .into_iter()
        .map(|(change, product)| {
            let id = product["id"].as_str().unwrap_or_default().to_string();
            let source = EventSource {
                tenant,
                domain: DOMAIN,
                kind: KIND,
                id: &id,
                correlation_id: None,
            };
            event(&source, change.event_type(), &product, now)
        })
        .collect()
}
