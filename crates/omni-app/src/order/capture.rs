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
use super::from_cart;
use super::record::{OrderRecord, OrderState, orders};
use super::view::CatalogView;
use crate::context::Context;
use crate::error::{AppError, AppResult, PartnerEntry};
use crate::limits::ItemShape;
use crate::repo::{RetryPolicy, Stored, Writes};
use chrono::{DateTime, Datelike, Utc};
use omni_core::Principal;
use omni_core::document::FieldError;
use omni_core::order::{self, ItemError};
use omni_store::{Effects, StoreError};
use serde_json::{Value, json};

const PARTY_ROLES: [&str; 5] = ["customer", "dealerLocation", "dealer", "partner", "owner"];
const MAX_PARTIES: usize = 10;
/// What `POST /order/create` reads.
const CREATE_MEMBERS: [&str; 3] = ["channel", "relatedParty", "cartId"];
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

pub(crate) fn new_id(now: DateTime<Utc>) -> String {
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

/// `POST /order/create`: a new draft order; answers its id. With `cartId`
/// the order is made from that TMF663 cart ([`super::from_cart`]): its
/// items, their payment choices and its customer, in one write with the
/// cart marked ordered; asked again, the answer is the same order.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    body: &Value,
    channel_header: Option<&str>,
) -> AppResult<String> {
    authorize(principal)?;
    let Some(members) = body.as_object() else {
        return Err(AppError::field("body", "must be a JSON object"));
    };
    // A member the create does not read would be lost without a word: it is
    // refused, as care orders refuse theirs (README, API conventions).
    if let Some(unknown) = members
        .keys()
        .find(|k| !CREATE_MEMBERS.contains(&k.as_str()))
    {
        return Err(AppError::field(
            unknown.clone(),
            format!(
                "is not a member of an order create ({})",
                CREATE_MEMBERS.join(", ")
            ),
        ));
    }
    let channel = channel(body, channel_header)?;
    let mut parties = related_parties(body)?;
    let cart_id = match body.get("cartId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 100 => Some(s.as_str()),
        Some(_) => {
            return Err(AppError::field(
                "cartId",
                "must be a cart id: a string of 1 to 100 characters",
            ));
        }
    };
    let tenant = principal.tenant.as_str();
    let now = ctx.now();
    let stamp = omni_core::time::rfc3339(now);
    let mut retry = RetryPolicy::REQUEST.begin(false);
    'attempt: loop {
        let mut record = OrderRecord::draft(String::new(), channel.clone(), Vec::new(), &stamp);
        let mut closing = None;
        if let Some(cart_id) = cart_id {
            match from_cart(ctx, tenant, cart_id, &channel, &mut parties, now).await? {
                FromCart::Ordered(order) => return Ok(order),
                FromCart::Items(items, cart) => {
                    record.items = items;
                    record.cart_id = Some(cart_id.to_string());
                    closing = Some(*cart);
                }
            }
        }
        record.related_party = parties.clone();
        record.customer_type = match omni_core::party::customer(&parties) {
            Some(party) => crate::cart::customer::customer_type(ctx.store(), tenant, party).await?,
            None => None,
        };
        for _ in 0..ID_TRIES {
            record.id = new_id(now);
            let mut attempt = Writes::new(Effects::none());
            attempt.insert(tenant, &Stored::new(record.clone(), None, &stamp))?;
            if let Some(cart) = &closing {
                close_cart(
                    ctx,
                    principal,
                    cart.clone(),
                    &record.id,
                    &stamp,
                    now,
                    &mut attempt,
                );
            }
            match attempt.commit(ctx.store()).await {
                Ok(()) => return Ok(record.id),
                Err(StoreError::AlreadyExists { .. }) => continue,
                // Another request turned the cart into an order first: read
                // it again (and answer that order).
                Err(StoreError::VersionConflict { .. }) => {
                    retry.conflict("cart").await?;
                    continue 'attempt;
                }
                Err(e) => return Err(e.into()),
            }
        }
        return Err(AppError::Unavailable(
            "could not allocate an order id; retry".into(),
        ));
    }
}

/// What a cart gives an order: the order it already became, or its items
/// checked for this order, with the cart as read (to close it).
enum FromCart {
    Ordered(String),
    Items(Vec<order::CapturedItem>, Box<omni_store::Document>),
}

/// Reads the cart (its customer becomes the order's when the order names
/// none) and checks its items as `add_items` checks items, against the
/// inventory of the order's customer; errors name the cart's items.
async fn from_cart(
    ctx: &Context,
    tenant: &str,
    cart_id: &str,
    channel: &str,
    parties: &mut Vec<Value>,
    now: DateTime<Utc>,
) -> AppResult<FromCart> {
    let cart = cart_for_order(ctx, tenant, cart_id, parties, now).await?;
    if let Some(order) = from_cart::ordered_as(&cart.body) {
        return Ok(FromCart::Ordered(order.to_string()));
    }
    let index = ctx.caches.catalog.get(tenant);
    let items = from_cart::order_items(&cart.body, &index)?;
    let request_items = items.request["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ctx.config
        .limits
        .items("cartId", &request_items, ORDER_ITEM)?;
    let facts = StoredFacts::load(
        ctx.store(),
        tenant,
        &index,
        channel,
        &request_items,
        &[],
        now,
    )
    .await?
    .owned_by(omni_core::party::customer(parties));
    let captured = order::capture(&items.request, &[], &facts)
        .map_err(|e| item_errors(from_cart::on_cart(e, &items.origin)))?;
    Ok(FromCart::Items(captured, Box::new(cart)))
}

/// The cart an order is made from: it must exist in the tenant, be valid
/// now and belong to the order's customer. An order naming no customer
/// takes the cart's.
async fn cart_for_order(
    ctx: &Context,
    tenant: &str,
    cart_id: &str,
    parties: &mut Vec<Value>,
    now: DateTime<Utc>,
) -> AppResult<omni_store::Document> {
    let unknown = || AppError::field("cartId", format!("no cart '{cart_id}' of this customer"));
    let Some(cart) = ctx
        .store()
        .get_document(tenant, crate::cart::KIND, cart_id)
        .await?
    else {
        return Err(unknown());
    };
    match (omni_core::party::customer(parties), cart.owner.as_deref()) {
        (Some(customer), Some(owner)) if customer != owner => return Err(unknown()),
        (None, Some(owner)) => parties.push(json!({"id": owner, "role": "customer"})),
        _ => {}
    }
    let ends = cart
        .body
        .pointer("/validFor/endDateTime")
        .and_then(Value::as_str)
        .and_then(omni_core::time::parse_rfc3339);
    if from_cart::ordered_as(&cart.body).is_none() && ends.is_some_and(|e| e < now) {
        return Err(AppError::field(
            "cartId",
            format!("cart '{cart_id}' has expired"),
        ));
    }
    Ok(cart)
}

/// The cart, closed to changes: `status` ordered and the order it became,
/// written with the order and with its change event.
fn close_cart(
    ctx: &Context,
    principal: &Principal,
    mut cart: omni_store::Document,
    order_id: &str,
    stamp: &str,
    now: DateTime<Utc>,
    writes: &mut Writes,
) {
    cart.version += 1;
    cart.updated_at = stamp.to_string();
    cart.state = Some(from_cart::ORDERED.to_string());
    cart.body[from_cart::CART_STATUS] = json!(from_cart::ORDERED);
    cart.body[from_cart::CART_ORDER] = json!({
        "id": order_id,
        "href": format!("{}/omni-svcs/v1/order/{order_id}", ctx.config.public_url),
    });
    writes
        .effects
        .events
        .push(crate::cart::ordered_event(ctx, principal, &cart, now));
    writes.document(omni_store::DocumentWrite::Update(cart));
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
