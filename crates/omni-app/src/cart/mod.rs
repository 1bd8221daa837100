//! TMF663 Shopping Cart (the shopping cart page): carts a prospect, a
//! customer or an agent fills in a channel, each one a free-form TMF
//! document owned by its customer party. Every create and change runs the
//! page's validations, prices the items from the catalog and applies
//! promotions automatically ([`build`]).
//!
//! ```text
//! create   access → customer facts → build → insert (event, expiry)
//! list/get access → read what the caller may see
//! patch    access → read → merge → customer facts → build → write at the
//!          version read; another writer first: read again (RetryPolicy)
//! delete   access → read → delete at the version read (event)
//! ```
//!
//! The request's time is read once and used for the cart's validity,
//! eligibility, promotions and events. Who may touch which cart is
//! [`access`]; expired carts are swept by [`expiry`].

mod access;
mod build;
pub(crate) mod customer;
mod expiry;
mod items;

pub use crate::tmf::Versioned;
pub use access::{Access, READ_ROLE, WRITE_ROLE};
pub use expiry::{SWEEP_INTERVAL, sweep_expired, task as expiry_task};
/// How a cart item's device is paid for (the console shows and changes it).
pub use items::payment as item_payment;

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::events::{EventSource, event};
use crate::limits::ItemShape;
use crate::repo::RetryPolicy;
use crate::tmf::{self, list_documents, with_id_and_href};
use build::{Basis, Built};
use chrono::{DateTime, Utc};
use omni_core::tmf630::{ListQuery, Page};
use omni_core::{AccessError, Principal};
use omni_store::{Document, DocumentQuery, Effects, NewEvent, StoreError};
use serde_json::Value;

pub const BASE: &str = "/tmf-api/shoppingCart/v4";
pub const PATH: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
pub const KIND: &str = "shoppingCart";

pub fn href(public_url: &str, id: &str) -> String {
    format!("{public_url}{PATH}/{id}")
}

/// The cart as clients see it: `id` and `href` first, then the body.
fn render(public_url: &str, doc: &Document) -> Value {
    with_id_and_href(doc, href(public_url, &doc.id))
}

/// Checked before a create's or change's body is even read: a user or
/// machine without the role gets 401/403 however its payload looks.
pub fn authorize_write(principal: &Principal) -> AppResult<()> {
    access::for_write(principal).map(drop)
}

/// Where a cart item keeps its characteristics and relationships.
const CART_ITEM: ItemShape = ItemShape {
    characteristics: Some("/product/productCharacteristic"),
    relationships: Some("/cartItemRelationship"),
};

/// A merge patch (RFC 7386) of a cart: an object that leaves `id` alone.
#[derive(Debug, Clone, PartialEq)]
pub struct CartPatch(Value);

impl CartPatch {
    pub fn new(patch: Value) -> AppResult<Self> {
        if !patch.is_object() {
            return Err(AppError::field(
                "body",
                "must be a JSON object (a merge patch)",
            ));
        }
        if patch.get("id").is_some() {
            return Err(AppError::field("id", "may not be changed"));
        }
        Ok(Self(patch))
    }
}

/// `ShoppingCart{what}Event` of the cart as answered.
fn cart_event(
    principal: &Principal,
    id: &str,
    what: &str,
    cart: &Value,
    correlation: Option<&str>,
    now: DateTime<Utc>,
) -> NewEvent {
    let source = EventSource {
        tenant: &principal.tenant,
        domain: "shoppingCart",
        kind: KIND,
        id,
        correlation_id: correlation,
    };
    event(&source, &format!("ShoppingCart{what}Event"), cart, now)
}

/// The change event of a cart that became a partner order
/// (`crate::order::from_cart`).
pub fn ordered_event(
    ctx: &Context,
    principal: &Principal,
    doc: &Document,
    now: DateTime<Utc>,
) -> NewEvent {
    let rendered = render(&ctx.config.public_url, doc);
    cart_event(
        principal,
        &doc.id,
        "AttributeValueChange",
        &rendered,
        None,
        now,
    )
}

/// A cart that became an order is closed: it names the order, and changing
/// or deleting it is a conflict.
fn still_open(doc: &Document) -> AppResult<()> {
    match crate::order::from_cart::ordered_as(&doc.body) {
        None => Ok(()),
        Some(order) => Err(AppError::conflict(format!(
            "cart '{}' became order '{order}'; it can no longer change",
            doc.id
        ))),
    }
}

/// Reads what the pipeline needs (the customer's facts from the inventory,
/// the tenant's catalog, promotions and rule sets from the caches) and
/// builds the cart.
async fn build_for(
    ctx: &Context,
    principal: &Principal,
    access: &Access,
    channel: &str,
    input: Value,
    now: DateTime<Utc>,
    assumed: Option<&customer::CustomerFacts>,
) -> AppResult<Built> {
    // Before anything is read or priced: a cart of thousands of items is
    // refused at once.
    let items = input
        .get("cartItem")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    ctx.config.limits.items("cartItem", items, CART_ITEM)?;
    let customer = match access.customer_of(&input) {
        Some(party) => customer::load(ctx.store(), &principal.tenant, &party).await?,
        None => None,
    };
    let index = ctx.caches.catalog.get(&principal.tenant);
    let promotions = ctx.caches.promotions.get(&principal.tenant);
    let rule_sets = ctx.caches.rule_sets.get(&principal.tenant);
    build::build(
        input,
        &Basis {
            index: &index,
            channel,
            access,
            promotions: &promotions,
            rule_sets: &rule_sets,
            customer: customer.as_ref(),
            assumed,
            now,
        },
    )
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// A new cart in `channel`, with the client's `id` or a new one.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    channel: &str,
    mut input: Value,
    correlation: Option<&str>,
) -> AppResult<Versioned> {
    let access = access::for_write(principal)?;
    let id = match input.as_object_mut().and_then(|m| m.remove("id")) {
        None => uuid::Uuid::new_v4().to_string(),
        Some(Value::String(id)) if valid_id(&id) => id,
        Some(_) => {
            return Err(AppError::field(
                "id",
                "must be 1 to 100 letters, digits, '-', '_', '.' or ':'",
            ));
        }
    };
    let now = ctx.now();
    let built = build_for(ctx, principal, &access, channel, input, now, None).await?;
    let time = omni_core::time::rfc3339(now);
    let doc = Document {
        tenant: principal.tenant.clone(),
        kind: KIND.into(),
        id: id.clone(),
        version: 1,
        owner: built.owner,
        state: None,
        created_at: time.clone(),
        updated_at: time,
        body: built.body,
    };
    let rendered = render(&ctx.config.public_url, &doc);
    let effects = Effects {
        events: vec![cart_event(
            principal,
            &id,
            "Create",
            &rendered,
            correlation,
            now,
        )],
        expires_at: Some(Some(built.expires_at)),
        ..Effects::none()
    };
    match ctx.store.insert_document(&doc, &effects).await {
        Ok(()) => Ok(Versioned {
            body: rendered,
            version: doc.version,
        }),
        Err(StoreError::AlreadyExists { .. }) => Err(AppError::conflict(format!(
            "a shopping cart with id '{id}' already exists"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// What a new cart holding `input` would be if a prospect built it in
/// `channel` now: the same checks, eligibility, rule sets, prices and
/// promotions as [`create`] (the one [`build`] pipeline, from the same
/// caches), answered as the cart would be, without an `id`. Nothing is
/// stored and no event is written. With `customer_type`, the buyer is
/// assumed to be of that type (as a known customer's accounts would say):
/// offerings sold only to that type are eligible and promotions for it
/// apply.
///
/// It is open to every caller, as a prospect's cart is: it shows no more
/// than a cart anyone may create without a token, and discovery answers
/// any customer type's offers to anyone. The catalog manager's console
/// uses it to show what a price or promotion change does to a new cart
/// before anyone buys.
pub async fn quote(
    ctx: &Context,
    principal: &Principal,
    channel: &str,
    customer_type: Option<&str>,
    input: Value,
) -> AppResult<Value> {
    if input.get("id").is_some() {
        return Err(AppError::field(
            "id",
            "is not given to a quote: nothing is stored",
        ));
    }
    let assumed = customer_type.map(|t| customer::CustomerFacts {
        customer_type: Some(t.to_string()),
        ..customer::CustomerFacts::default()
    });
    let now = ctx.now();
    let built = build_for(
        ctx,
        principal,
        &Access::Prospect,
        channel,
        input,
        now,
        assumed.as_ref(),
    )
    .await?;
    Ok(built.body)
}

/// The carts the caller may see (a customer's own; every cart of the
/// tenant for users and machines), as a TMF630 page.
pub async fn list(
    ctx: &Context,
    principal: &Principal,
    pairs: &[(String, String)],
) -> AppResult<Page> {
    let owner = match access::for_read(principal)? {
        Access::Any => None,
        Access::Owner(me) => Some(me),
        // A prospect holds a cart's id, not a list of everyone's carts.
        Access::Prospect => return Err(AccessError::Unauthenticated.into()),
    };
    let query = ListQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), &[])?;
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: KIND.into(),
        owner,
        page: None,
    };
    let public_url = &ctx.config.public_url;
    list_documents(ctx, stored, &query, |d| render(public_url, d)).await
}

/// The cart if this caller may see it; anything else is "not found", so a
/// cart's existence never leaks to someone who may not read it.
async fn visible(
    ctx: &Context,
    principal: &Principal,
    access: &Access,
    id: &str,
) -> AppResult<Document> {
    match ctx.store.get_document(&principal.tenant, KIND, id).await? {
        Some(doc) if access.can_see(&doc) => Ok(doc),
        _ => Err(AppError::not_found(KIND, id)),
    }
}

/// The body of cart `id` when this caller may read it, else `None`: an
/// unknown cart and one the caller may not read look the same, so another
/// family (discovery's cart context) leaks nothing either. Storage failures
/// are errors.
pub async fn readable(ctx: &Context, principal: &Principal, id: &str) -> AppResult<Option<Value>> {
    let Ok(access) = access::for_read(principal) else {
        return Ok(None);
    };
    match visible(ctx, principal, &access, id).await {
        Ok(doc) => Ok(Some(doc.body)),
        Err(AppError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// One cart; `pairs` may only name `fields`.
pub async fn get(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    pairs: &[(String, String)],
) -> AppResult<Versioned> {
    let access = access::for_read(principal)?;
    let query = tmf::single_resource_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let doc = visible(ctx, principal, &access, id).await?;
    Ok(Versioned {
        body: query.project(render(&ctx.config.public_url, &doc)),
        version: doc.version,
    })
}

/// Merges `patch` into the latest version of the cart, or into the version
/// `expected` names (`If-Match`), and builds the result again in `channel`.
/// Without `expected`, a write that another writer beat is redone from a
/// fresh read ([`RetryPolicy::REQUEST`]), so concurrent changes all land.
/// The customer's facts are read again on each attempt: the merged cart may
/// name another customer.
pub async fn patch(
    ctx: &Context,
    principal: &Principal,
    channel: &str,
    id: &str,
    patch: &CartPatch,
    expected: Option<i64>,
    correlation: Option<&str>,
) -> AppResult<Versioned> {
    let access = access::for_write(principal)?;
    let now = ctx.now();
    let mut retry = RetryPolicy::REQUEST.begin(expected.is_some());
    loop {
        let mut doc = visible(ctx, principal, &access, id).await?;
        if expected.is_some_and(|v| v != doc.version) {
            return Err(AppError::PreconditionFailed);
        }
        still_open(&doc)?;
        let mut merged = build::strip_computed(doc.body.clone());
        omni_core::merge_patch(&mut merged, &patch.0);
        let built = build_for(ctx, principal, &access, channel, merged, now, None).await?;
        doc.version += 1;
        doc.updated_at = omni_core::time::rfc3339(now);
        doc.owner = built.owner;
        doc.body = built.body;
        let rendered = render(&ctx.config.public_url, &doc);
        let effects = Effects {
            events: vec![cart_event(
                principal,
                id,
                "AttributeValueChange",
                &rendered,
                correlation,
                now,
            )],
            expires_at: Some(Some(built.expires_at)),
            ..Effects::none()
        };
        match ctx.store.update_document(&doc, &effects).await {
            Ok(()) => {
                return Ok(Versioned {
                    body: rendered,
                    version: doc.version,
                });
            }
            Err(StoreError::VersionConflict { .. }) => retry.conflict("cart").await?,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Deletes the cart at the version read (or the one `expected` names). A
/// cart changed meanwhile is not deleted: the caller decides again on what
/// it now holds.
pub async fn delete(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    expected: Option<i64>,
    correlation: Option<&str>,
) -> AppResult<()> {
    let access = access::for_write(principal)?;
    let doc = visible(ctx, principal, &access, id).await?;
    if expected.is_some_and(|v| v != doc.version) {
        return Err(AppError::PreconditionFailed);
    }
    still_open(&doc)?;
    let now = ctx.now();
    let rendered = render(&ctx.config.public_url, &doc);
    let effects = Effects::events(vec![cart_event(
        principal,
        id,
        "Delete",
        &rendered,
        correlation,
        now,
    )]);
    match ctx
        .store
        .delete_document(&doc.key(), Some(doc.version), &effects)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::VersionConflict { .. }) if expected.is_some() => {
            Err(AppError::PreconditionFailed)
        }
        Err(StoreError::VersionConflict { .. } | StoreError::NotFound { .. }) => Err(
            AppError::conflict("the cart changed while it was being deleted; retry"),
        ),
        Err(e) => Err(e.into()),
    }
}
