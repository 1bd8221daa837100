//! Creating an order, adding items to it (the add-items page, seed 000),
//! and reading it back.
//!
//! Adding items reads the order, reads the inventory its items name, runs
//! the pure capture checks (among them ownership: every billing account and
//! line an item touches must be the order's customer's, the `relatedParty`
//! with role `customer`; an order naming none touches no existing
//! inventory) and writes the order at the version read; a
//! concurrent writer makes it start over from fresh reads under the request
//! retry policy, so no item is lost and none is checked against stale facts.

use super::authorize;
use super::facts::StoredFacts;
use super::record::{OrderRecord, OrderState, orders};
use super::view::CatalogView;
use crate::context::Context;
use crate::error::{AppError, AppResult, PartnerEntry};
use crate::limits::ItemShape;
use crate::repo::{RetryPolicy, Stored};
use chrono::{DateTime, Datelike, Utc};
use omni_core::Principal;
use omni_core::document::FieldError;
use omni_core::order::{self, ItemError};
use omni_store::{Effects, StoreError};
use serde_json::Value;

const PARTY_ROLES: [&str; 5] = ["customer", "dealerLocation", "dealer", "partner", "owner"];
const MAX_PARTIES: usize = 10;
/// Fresh ids tried when a random one is taken (a clash is very unlikely).
const ID_TRIES: usize = 4;

/// The channel the body names (a channel id, or `{id}`), else the one of
/// the `channelId` header.
fn channel(body: &Value, header: Option<&str>) -> AppResult<String> {
    let from_body = match body.get("channel") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        Some(_) => return Err(AppError::field("channel", "must be a channel id or {id}")),
    };
    let Some(channel) = from_body.or(header) else {
        return Err(AppError::field(
            "channel",
            "is required (in the body, or the channelId header)",
        ));
    };
    omni_core::channel::parse(channel)
        .map(str::to_string)
        .ok_or_else(|| AppError::field("channel", omni_core::channel::rule()))
}

fn related_parties(body: &Value) -> AppResult<Vec<Value>> {
    let list = match body.get("relatedParty") {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) if list.len() <= MAX_PARTIES => list,
        Some(_) => {
            return Err(AppError::field(
                "relatedParty",
                format!("must be an array of at most {MAX_PARTIES} parties"),
            ));
        }
    };
    let mut errors = Vec::new();
    let mut customers = 0;
    for (n, party) in list.iter().enumerate() {
        let id = party.get("id").and_then(Value::as_str).unwrap_or_default();
        if id.is_empty() || id.len() > 100 {
            errors.push(FieldError::new(
                format!("relatedParty[{n}].id"),
                "is required, 1 to 100 characters",
            ));
        }
        match party.get("role").and_then(Value::as_str) {
            Some(r) if PARTY_ROLES.contains(&r) => customers += usize::from(r == "customer"),
            _ => errors.push(FieldError::new(
                format!("relatedParty[{n}].role"),
                format!("must be one of {}", PARTY_ROLES.join(", ")),
            )),
        }
    }
    if customers > 1 {
        errors.push(FieldError::new(
            "relatedParty",
            "names more than one customer",
        ));
    }
    if errors.is_empty() {
        Ok(list.clone())
    } else {
        Err(AppError::fields(errors))
    }
}

fn new_id(now: DateTime<Utc>) -> String {
    let random = u64::from_le_bytes(
        uuid::Uuid::new_v4().as_bytes()[..8]
            .try_into()
            .unwrap_or([0; 8]),
    );
    order::order_id(now.year(), random)
}

/// Where an order item keeps its characteristics (it has no relationships).
const ORDER_ITEM: ItemShape = ItemShape {
    characteristics: Some("/characteristic"),
    relationships: None,
};

/// `POST /order/create`: a new draft order; answers its id.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    body: &Value,
    channel_header: Option<&str>,
) -> AppResult<String> {
    authorize(principal)?;
    if !body.is_object() {
        return Err(AppError::field("body", "must be a JSON object"));
    }
    let channel = channel(body, channel_header)?;
    let parties = related_parties(body)?;
    let now = ctx.now();
    let stamp = omni_core::time::rfc3339(now);
    let repo = orders(ctx.store(), &principal.tenant);
    for _ in 0..ID_TRIES {
        let id = new_id(now);
        let record = OrderRecord::draft(id.clone(), channel.clone(), parties.clone(), &stamp);
        match repo
            .insert(&Stored::new(record, None, &stamp), &Effects::none())
            .await
        {
            Ok(()) => return Ok(id),
            Err(StoreError::AlreadyExists { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable(
        "could not allocate an order id; retry".into(),
    ))
}

/// The partner error for refused items: one `errorList` entry per problem,
/// each with its own action and `ITEM-0nn` code.
pub fn item_errors(errors: Vec<ItemError>) -> AppError {
    let details = errors
        .iter()
        .map(|e| FieldError::new(e.field.clone(), e.description.clone()))
        .collect();
    let entries = errors
        .into_iter()
        .map(|e| PartnerEntry {
            action: e.action,
            code: e.code.to_string(),
            description: e.description,
            field: Some(e.field),
        })
        .collect();
    AppError::fields(details).with_entries(entries)
}

/// `POST /order/{id}/items`: checks every item of `body` against the
/// catalog and the inventory, and adds them all, or none.
pub async fn add_items(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    body: &Value,
) -> AppResult<()> {
    authorize(principal)?;
    let tenant = principal.tenant.as_str();
    let now = ctx.now();
    let stamp = omni_core::time::rfc3339(now);
    let index = ctx.caches.catalog.get(tenant);
    let request_items = body
        .get("items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let limits = &ctx.config.limits;
    limits
        .items("items", request_items, ORDER_ITEM)
        .map_err(|e| e.with_action("items"))?;
    let repo = orders(ctx.store(), tenant);
    // The facts depend on the order's earlier items, so they are read again
    // with the order on every attempt.
    let mut retry = RetryPolicy::REQUEST.begin(false);
    loop {
        let mut stored = repo.get(id).await?;
        let record = &mut stored.record;
        if record.state != OrderState::Draft {
            return Err(AppError::conflict(format!(
                "order '{id}' is {}; items can only be added to a draft order",
                record.state.as_str()
            ))
            .with_action("items"));
        }
        limits
            .total_items("items", record.items.len(), request_items.len())
            .map_err(|e| e.with_action("items"))?;
        let facts = StoredFacts::load(
            ctx.store(),
            tenant,
            &index,
            &record.channel,
            request_items,
            &record.items,
            now,
        )
        .await?
        .owned_by(record.customer());
        let added = order::capture(body, &record.items, &facts).map_err(item_errors)?;
        record.items.extend(added);
        record.updated_at = stamp.clone();
        match repo.update(&stored, &stamp, &Effects::none()).await {
            Ok(()) => return Ok(()),
            Err(StoreError::VersionConflict { .. }) => retry.conflict("order").await?,
            Err(e) => return Err(e.into()),
        }
    }
}

/// `GET /order/{id}`: the whole order, priced and validated as of now.
pub async fn get(ctx: &Context, principal: &Principal, id: &str) -> AppResult<Value> {
    authorize(principal)?;
    let stored = orders(ctx.store(), &principal.tenant).get(id).await?;
    Ok(CatalogView::new(ctx, &principal.tenant, ctx.now()).render(&stored.record))
}
