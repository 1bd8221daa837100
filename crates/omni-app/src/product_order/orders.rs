//! `productOrder`: create, merge PATCH and DELETE (lists and reads are the
//! generic TM Forum ones, see the module above).

use super::{Change, KIND, can_write, checked, href, order_event, render, revise};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::order::submission::handover;
use crate::repo::{RetryPolicy, Stored, Writes};
use crate::tmf::Versioned;
use omni_core::Principal;
use omni_core::product_order as domain;
use omni_store::{DocumentWrite, Effects, StoreError};
use serde_json::Value;

/// Fresh ids tried when a random one is taken (a clash is very unlikely).
const ID_TRIES: usize = 4;

/// A new order, `acknowledged`, checked, priced and handed to the order
/// worker like a captured one ([`super::checked`]): the partner order it is
/// kept as, the product order, its create event and the completion job in
/// one write. Answers the order with where it lives.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    body: Value,
    correlation: Option<&str>,
) -> AppResult<(Versioned, String)> {
    can_write(principal)?;
    domain::validate_new(&body).map_err(AppError::fields)?;
    let Value::Object(body) = body else {
        return Err(AppError::field("body", "must be a JSON object"));
    };
    let tenant = principal.tenant.as_str();
    let now = ctx.now();
    let stamp = omni_core::time::rfc3339(now);
    let public_url = &ctx.config.public_url;
    // Checked and priced once; only the id changes if a random one is taken.
    // The partner order's id scheme: the two records share the id, as a
    // submitted captured order and its product order do.
    let mut order = Value::Object(body);
    let mut record = checked::check(ctx, tenant, &order, now).await?;
    checked::price(ctx, tenant, &record, &mut order);
    let Value::Object(body) = order else {
        return Err(AppError::field("body", "must be a JSON object"));
    };
    let owner = omni_core::party::customer(&record.related_party).map(str::to_string);
    for _ in 0..ID_TRIES {
        let id = crate::order::capture::new_id(now);
        record.id = id.clone();
        record.product_order_id = Some(id.clone());
        let mut stamped = body.clone();
        domain::stamp_new(&mut stamped, &id, now);
        let mut order = Value::Object(stamped);
        order["href"] = Value::String(href(public_url, &id));
        let (po, effects) = handover(tenant, &id, order, owner.clone(), correlation, now);
        let rendered = render(public_url, &po);
        let mut writes = Writes::new(effects);
        writes.insert(tenant, &Stored::new(record.clone(), owner.clone(), &stamp))?;
        let version = po.version;
        writes.document(DocumentWrite::Insert(po));
        match writes.commit(ctx.store()).await {
            Ok(()) => {
                ctx.signals.orders.notify_one();
                return Ok((
                    Versioned {
                        body: rendered,
                        version,
                    },
                    href(public_url, &id),
                ));
            }
            Err(StoreError::AlreadyExists { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable(
        "could not allocate an order id; retry".into(),
    ))
}

/// A merge patch of the latest version, or of the version `expected` names.
pub async fn patch(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    patch: &Value,
    expected: Option<i64>,
    correlation: Option<&str>,
) -> AppResult<Versioned> {
    can_write(principal)?;
    domain::validate_patch(patch).map_err(AppError::fields)?;
    let change = Change {
        tenant: &principal.tenant,
        id,
        patch,
        expected,
        by_client: true,
        correlation_id: correlation,
    };
    let (doc, body) = revise(ctx, &change, ctx.now()).await?;
    Ok(Versioned {
        body,
        version: doc.version,
    })
}

/// Deletion is for administration (the specification's words): allowed in
/// any state, and announced with a `ProductOrderDeleteEvent`.
pub async fn delete(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    expected: Option<i64>,
    correlation: Option<&str>,
) -> AppResult<()> {
    can_write(principal)?;
    let now = ctx.now();
    let mut retry = RetryPolicy::REQUEST.begin(expected.is_some());
    loop {
        let doc = ctx
            .store
            .get_document(&principal.tenant, KIND, id)
            .await?
            .ok_or_else(|| AppError::not_found(KIND, id))?;
        if expected.is_some_and(|v| v != doc.version) {
            return Err(AppError::PreconditionFailed);
        }
        let rendered = render(&ctx.config.public_url, &doc);
        let event = order_event(&principal.tenant, id, "Delete", &rendered, correlation, now);
        // Deleting at the version read keeps the event's content true: a
        // change in between makes us read again (or 412 under If-Match).
        match ctx
            .store
            .delete_document(&doc.key(), Some(doc.version), &Effects::events(vec![event]))
            .await
        {
            Ok(()) => return Ok(()),
            Err(StoreError::VersionConflict { .. }) => retry.conflict(super::NAME).await?,
            Err(StoreError::NotFound { .. }) => return Err(AppError::not_found(KIND, id)),
            Err(e) => return Err(e.into()),
        }
    }
}
