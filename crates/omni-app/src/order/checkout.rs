//! From captured items to an order ready to submit: the agreements it needs
//! and the consents to them (the terms page, seed 003), the ways to fulfil
//! it and the choice of one, and the card that pays what is due today.
//!
//! Each change is one read-change-write of the draft order through
//! [`crate::repo::Repo::change`] under the request retry policy. A step the
//! rules refuse answers [`AppError::refused`] with the order's `validation`
//! as it stands (an unknown agreement is a 400, a declined card a 402), and
//! writes nothing.

use super::record::{OrderRecord, orders};
use super::view::{CatalogView, stores};
use super::{authorize, draft};
use crate::context::Context;
use crate::error::{AppError, AppResult, RefusalKind};
use crate::repo::{RetryPolicy, Stored};
use omni_core::Principal;
use omni_core::document::FieldError;
use omni_core::order::fulfillment::{self, FulfillmentChoice};
use omni_core::order::payment::{self, CardInput, PaymentError};
use omni_core::order::terms::{self, GivenConsent};
use omni_store::Effects;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The `orderId` a body names.
fn order_id_of(body: &Value) -> AppResult<String> {
    body.get("orderId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 100)
        .map(str::to_string)
        .ok_or_else(|| AppError::field("orderId", "is required"))
}

/// The order a step's body names (`orderId`), for a caller who may read it.
async fn order_named(
    ctx: &Context,
    principal: &Principal,
    body: &Value,
) -> AppResult<(String, OrderRecord)> {
    authorize(principal)?;
    let id = order_id_of(body)?;
    let record = orders(ctx.store(), &principal.tenant)
        .get(&id)
        .await?
        .record;
    Ok((id, record))
}

/// Reads the draft order, lets `change` edit it (or refuse), and writes it
/// over the version read, changed `view.now`; a concurrent writer makes it
/// start over from a fresh read.
async fn change_draft(
    ctx: &Context,
    tenant: &str,
    id: &str,
    action: &str,
    view: &CatalogView,
    mut change: impl FnMut(&mut OrderRecord) -> AppResult<()>,
) -> AppResult<Stored<OrderRecord>> {
    let stamp = omni_core::time::rfc3339(view.now);
    let (stored, ()) = orders(ctx.store(), tenant)
        .change(id, None, &stamp, &RetryPolicy::REQUEST, |record| {
            draft(record, action)?;
            change(record)?;
            record.updated_at = stamp.clone();
            Ok(((), Effects::none()))
        })
        .await?;
    Ok(stored)
}

/// `POST /terms`: the agreements the order's items call for, the consents
/// given so far, and the order's validation.
pub async fn required_terms(
    ctx: &Context,
    principal: &Principal,
    body: &Value,
) -> AppResult<Value> {
    let (id, record) = order_named(ctx, principal, body).await?;
    let view = CatalogView::new(ctx, &principal.tenant, ctx.now());
    let offered = terms::required_agreements(&view.item_facts(&record.items));
    Ok(json!({
        "orderId": id,
        "agreements": offered,
        "consents": record.consents,
        "validation": view.validation(&record),
    }))
}

/// `POST /order/{id}/terms`: records consent to the agreements named.
pub async fn consent(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    body: &Value,
) -> AppResult<Value> {
    authorize(principal)?;
    let given: Vec<GivenConsent> = match body.get("agreements") {
        Some(list @ Value::Array(_)) => serde_json::from_value(list.clone()).map_err(|e| {
            AppError::field(
                "agreements",
                format!("each agreement is {{name, extensions[{{name, value}}]}}: {e}"),
            )
            .with_action("terms")
        })?,
        _ => {
            return Err(
                AppError::field("agreements", "is required: an array of agreements")
                    .with_action("terms"),
            );
        }
    };
    let view = CatalogView::new(ctx, &principal.tenant, ctx.now());
    let changed = change_draft(ctx, &principal.tenant, id, "terms", &view, |record| {
        let offered = terms::required_agreements(&view.item_facts(&record.items));
        let new = terms::consent(&offered, &given, view.now).map_err(|errors| {
            let entries = errors.iter().map(|e| e.to_entry()).collect();
            AppError::refused(RefusalKind::Invalid, view.validation_json(record), entries)
        })?;
        record.consents = terms::record(&record.consents, new, &offered);
        Ok(())
    })
    .await?;
    Ok(json!({"validation": view.validation(&changed.record)}))
}

/// `POST /fulfillment-options`: shipping methods, and pick-up at the
/// tenant's stores, for the order's physical items.
pub async fn fulfillment_options(
    ctx: &Context,
    principal: &Principal,
    body: &Value,
) -> AppResult<Value> {
    let (_, record) = order_named(ctx, principal, body).await?;
    let stores = stores(ctx, &principal.tenant).await?;
    let view = CatalogView::new(ctx, &principal.tenant, ctx.now());
    Ok(json!(view.options(&record, &stores)))
}

/// `POST /order/{id}/fulfillment`: records one of the options.
pub async fn choose_fulfillment(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    body: &Value,
) -> AppResult<Value> {
    authorize(principal)?;
    let choice: FulfillmentChoice = serde_json::from_value(body.clone()).map_err(|e| {
        AppError::field(
            "body",
            format!("must be {{optionId, storeId?, shippingAddress?}}: {e}"),
        )
        .with_action("fulfillment")
    })?;
    let stores = stores(ctx, &principal.tenant).await?;
    let view = CatalogView::new(ctx, &principal.tenant, ctx.now());
    let changed = change_draft(ctx, &principal.tenant, id, "fulfillment", &view, |record| {
        let offered = view.options(record, &stores);
        let chosen = fulfillment::choose(&offered, &choice).map_err(|errors| {
            AppError::fields(errors.into_iter().map(Into::into).collect())
                .with_action("fulfillment")
        })?;
        record.fulfillment = Some(chosen);
        Ok(())
    })
    .await?;
    Ok(json!({
        "fulfillment": changed.record.fulfillment,
        "validation": view.validation(&changed.record),
    }))
}

/// `POST /payment-methods`: authorizes the card for what is due today and
/// keeps the payment method (a token, never the card number).
pub async fn add_payment_method(
    ctx: &Context,
    principal: &Principal,
    body: &Value,
) -> AppResult<Value> {
    authorize(principal)?;
    let id = order_id_of(body)?;
    let card: CardInput = match body.get("card") {
        Some(card) => serde_json::from_value(card.clone())
            .map_err(|e| AppError::field("card", format!("{e}")).with_action("payment"))?,
        None => return Err(AppError::field("card", "is required").with_action("payment")),
    };
    // Drawn once: a retried write authorizes with the same token.
    let nonce = *uuid::Uuid::new_v4().as_bytes();
    let view = CatalogView::new(ctx, &principal.tenant, ctx.now());
    let changed = change_draft(ctx, &principal.tenant, &id, "payment", &view, |record| {
        let (due, currency) = view.due_today(record);
        if due <= Decimal::ZERO {
            return Err(AppError::field(
                "orderId",
                "nothing is due today on this order; no payment is needed",
            )
            .with_action("payment"));
        }
        let method =
            payment::authorize(&card, due, &currency, view.now, nonce).map_err(|e| match e {
                PaymentError::Invalid(errors) => AppError::fields(
                    errors
                        .into_iter()
                        .map(|e| FieldError::new(format!("card.{}", e.field), e.rule))
                        .collect(),
                )
                .with_action("payment"),
                PaymentError::Declined(decline) => AppError::refused(
                    RefusalKind::PaymentDeclined,
                    view.validation_json(record),
                    vec![decline.to_entry()],
                ),
            })?;
        record.payment = Some(method);
        Ok(())
    })
    .await?;
    Ok(json!({
        "paymentMethod": changed.record.payment,
        "validation": view.validation(&changed.record),
    }))
}
