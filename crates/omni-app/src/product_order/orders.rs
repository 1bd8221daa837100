//! `productOrder`: create, merge PATCH and DELETE (lists and reads are the
//! generic TM Forum ones, see the module above).

use super::{Change, KIND, can_write, href, order_event, render, revise};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::RetryPolicy;
use crate::tmf::Versioned;
use omni_core::Principal;
use omni_core::product_order as domain;
use omni_store::{Document, Effects, StoreError};
use serde_json::Value;

/// A new order, `acknowledged`; answers it with where it lives.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    body: Value,
    correlation: Option<&str>,
) -> AppResult<(Versioned, String)> {
    can_write(principal)?;
    domain::validate_new(&body).map_err(AppError::fields)?;
    let Value::Object(mut body) = body else {
        return Err(AppError::field("body", "must be a JSON object"));
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = ctx.now();
    domain::stamp_new(&mut body, &id, now);
    let time = omni_core::time::rfc3339(now);
    let doc = Document {
        tenant: principal.tenant.clone(),
        kind: KIND.into(),
        id: id.clone(),
        version: 1,
        owner: None,
        state: Some(domain::State::INITIAL.as_str().into()),
        created_at: time.clone(),
        updated_at: time,
        body: Value::Object(body),
    };
    let public_url = &ctx.config.public_url;
    let rendered = render(public_url, &doc);
    let event = order_event(
        &principal.tenant,
        &id,
        "Create",
        &rendered,
        correlation,
        now,
    );
    ctx.store
        .insert_document(&doc, &Effects::events(vec![event]))
        .await?;
    Ok((
        Versioned {
            body: rendered,
            version: doc.version,
        },
        href(public_url, &id),
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
