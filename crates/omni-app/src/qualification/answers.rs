//! The stored answers of both APIs: saving one (the document and its
//! `…CreateEvent`, in one write), and reading them back, as a TMF630 list
//! or one by id. Answers never change, so they stay at version 1; their
//! `ETag` names it like every resource's.

use super::access::{owner_of, read_scope};
use super::{DONE, Kind};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::events::{EventSource, event};
use crate::tmf::{self, Versioned};
use chrono::{DateTime, Utc};
use omni_core::Principal;
use omni_core::eligibility::Reason;
use omni_core::tmf630::{ListQuery, Page};
use omni_store::{Document, DocumentQuery, Effects};
use serde_json::{Map, Value, json};

/// The items of the request as sent, each to be answered in place (an item
/// that is not an object is answered as an empty one).
pub(super) fn sent_items(raw: &mut Map<String, Value>, list: &str) -> Vec<Map<String, Value>> {
    let items = match raw.remove(list) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(map) => map,
            _ => Map::new(),
        })
        .collect()
}

fn result(qualified: bool) -> &'static str {
    if qualified {
        "qualified"
    } else {
        "unqualified"
    }
}

/// Writes an item's answer into it: `state`, `qualified` or `unqualified`
/// under `result_field` (TMF679 and TMF645 name it differently), and why
/// not, unless the client asked to leave reasons out.
pub(super) fn answer_item(
    item: &mut Map<String, Value>,
    result_field: &str,
    reasons: &[Reason],
    with_reasons: bool,
) {
    item.insert("state".into(), json!(DONE));
    item.insert(result_field.into(), json!(result(reasons.is_empty())));
    if !reasons.is_empty() && with_reasons {
        item.insert("eligibilityUnavailabilityReason".into(), json!(reasons));
    }
}

/// Attributes every answer carries, replacing any the client sent.
pub(super) fn stamp(
    kind: Kind,
    body: &mut Map<String, Value>,
    all_qualified: bool,
    now: DateTime<Utc>,
) {
    let time = Value::String(omni_core::time::rfc3339(now));
    body.remove("id");
    body.remove("href");
    body.insert("@type".into(), Value::String(kind.type_name.into()));
    body.insert("state".into(), Value::String(DONE.into()));
    body.insert(
        "qualificationResult".into(),
        Value::String(result(all_qualified).into()),
    );
    body.insert("creationDate".into(), time.clone());
    body.insert("effectiveQualificationDate".into(), time);
}

/// Stores the answer, owned by the customer who asked, with its create
/// event; answers it as clients see it.
pub(super) async fn save(
    ctx: &Context,
    kind: Kind,
    principal: &Principal,
    body: Map<String, Value>,
    correlation: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Versioned> {
    let id = uuid::Uuid::new_v4().to_string();
    let time = omni_core::time::rfc3339(now);
    let doc = Document {
        tenant: principal.tenant.clone(),
        kind: kind.kind.to_string(),
        id: id.clone(),
        version: 1,
        owner: owner_of(principal),
        state: Some(DONE.to_string()),
        created_at: time.clone(),
        updated_at: time,
        body: Value::Object(body),
    };
    let rendered = kind.render(&ctx.config.public_url, &doc);
    let source = EventSource {
        tenant: &principal.tenant,
        domain: kind.domain,
        kind: kind.kind,
        id: &id,
        correlation_id: correlation,
    };
    let events = vec![event(
        &source,
        &format!("{}CreateEvent", kind.type_name),
        &rendered,
        now,
    )];
    ctx.store
        .insert_document(
            &doc,
            &Effects {
                events,
                ..Effects::default()
            },
        )
        .await?;
    Ok(Versioned {
        body: rendered,
        version: doc.version,
    })
}

/// `GET` on the collection: a TMF630 page of the answers `principal` may
/// read (`query` is the request's query pairs).
pub async fn list(
    ctx: &Context,
    kind: Kind,
    principal: &Principal,
    query: &[(String, String)],
) -> AppResult<Page> {
    let owner = read_scope(principal)?;
    let query = ListQuery::parse(pairs(query), &[])?;
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: kind.kind.to_string(),
        owner,
        page: None,
    };
    let public_url = &ctx.config.public_url;
    tmf::list_documents(ctx, stored, &query, |d| kind.render(public_url, d)).await
}

/// `GET` on one answer; only `fields` may narrow it.
pub async fn get(
    ctx: &Context,
    kind: Kind,
    principal: &Principal,
    id: &str,
    query: &[(String, String)],
) -> AppResult<Versioned> {
    let owner = read_scope(principal)?;
    let query = tmf::single_resource_query(pairs(query))?;
    let doc = ctx
        .store
        .get_document(&principal.tenant, kind.kind, id)
        .await?
        // A customer learns nothing of answers it did not ask for.
        .filter(|d| owner.is_none() || d.owner == owner)
        .ok_or_else(|| AppError::not_found(kind.kind, id))?;
    Ok(Versioned {
        body: query.project(kind.render(&ctx.config.public_url, &doc)),
        version: doc.version,
    })
}

fn pairs(query: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    query.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}
