//! TM Forum resources stored as documents (TMF620 catalog, TMF671
//! promotions, cart validation rule sets): create, list, read, merge-patch
//! and delete, following TMF630. An API names its resources in a
//! [`TmfResource`] table (roles, event domain, version counter); everything
//! else is shared, and `omni-api` serves the five endpoints of each from
//! the same table.
//!
//! Every write stores its event (`…CreateEvent`, `…AttributeValueChangeEvent`,
//! `…StateChangeEvent`, `…DeleteEvent`) and bumps the table's version counter
//! in its own transaction, so caches on every node see the change.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::events::{EventSource, event};
use crate::repo::{RetryPolicy, change_document};
use omni_core::document::{Mode, ResourceSpec};
use omni_core::tmf630::index::{self, KeyQuery};
use omni_core::tmf630::{ListQuery, Page};
use omni_core::{Principal, merge_patch};
use omni_store::{Document, DocumentKey, DocumentQuery, Effects, NewEvent};
use serde_json::{Map, Value};

/// One TM Forum resource as served by an API.
#[derive(Debug, Clone, Copy)]
pub struct TmfResource {
    /// Mount point of the API, e.g. `/tmf-api/productCatalogManagement/v4`.
    pub api_base: &'static str,
    /// Event domain, e.g. `productCatalogManagement`.
    pub domain: &'static str,
    pub spec: &'static ResourceSpec,
    /// Role needed to create, change or delete.
    pub write_role: &'static str,
    /// Role needed to read; `None` lets anyone read, prospects included.
    pub read_role: Option<&'static str>,
    /// Section of the OpenAPI document.
    pub tag: &'static str,
    /// Counter bumped (per tenant, as `counter:tenant`) with every write, for
    /// data that nodes cache in memory and refresh when it changes.
    pub version_counter: Option<&'static str>,
}

/// A resource as answered, with the version its `ETag` names.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    pub body: Value,
    pub version: i64,
}

impl TmfResource {
    pub fn href(&self, public_url: &str, id: &str) -> String {
        format!("{public_url}{}/{}/{id}", self.api_base, self.spec.kind)
    }

    /// The resource as clients see it: `id` and `href` first, then the body.
    pub fn render(&self, public_url: &str, doc: &Document) -> Value {
        with_id_and_href(doc, self.href(public_url, &doc.id))
    }

    /// Checked before a write's body is even read: a caller without the
    /// role gets 401/403 however its payload looks.
    pub fn authorize_write(&self, principal: &Principal) -> AppResult<()> {
        Ok(principal.require_role(self.write_role)?)
    }

    /// Writers may always read what they write.
    pub fn authorize_read(&self, principal: &Principal) -> AppResult<()> {
        match self.read_role {
            None => Ok(()),
            Some(_) if principal.has_role(self.write_role) => Ok(()),
            Some(role) => Ok(principal.require_role(role)?),
        }
    }

    fn event(
        &self,
        principal: &Principal,
        doc: &Document,
        rendered: &Value,
        what: &str,
        correlation: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> NewEvent {
        let source = EventSource {
            tenant: &principal.tenant,
            domain: self.domain,
            kind: self.spec.kind,
            id: &doc.id,
            correlation_id: correlation,
        };
        event(
            &source,
            &format!("{}{what}Event", self.spec.type_name),
            rendered,
            now,
        )
    }

    /// The write's events, plus the version bump of the data it belongs to.
    fn effects(&self, principal: &Principal, events: Vec<NewEvent>) -> Effects {
        Effects {
            events,
            bump: self
                .version_counter
                .map(|c| format!("{c}:{}", principal.tenant))
                .into_iter()
                .collect(),
            ..Effects::none()
        }
    }

    fn key(&self, principal: &Principal, id: &str) -> DocumentKey {
        DocumentKey {
            tenant: principal.tenant.clone(),
            kind: self.spec.kind.to_string(),
            id: id.to_string(),
        }
    }
}

/// A stored document as clients see it: `id` and `href` first, then the body.
pub fn with_id_and_href(doc: &Document, href: String) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::String(doc.id.clone()));
    out.insert("href".into(), Value::String(href));
    if let Value::Object(body) = &doc.body {
        for (k, v) in body {
            if k != "id" && k != "href" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The query of a single-resource read: only `fields` is meaningful there.
pub fn single_resource_query<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> AppResult<ListQuery> {
    let query = ListQuery::parse(pairs, &[])?;
    if !query.filters.is_empty()
        || query.offset != 0
        || query.limit.is_some()
        || !query.sort.is_empty()
    {
        return Err(AppError::bad_request(
            "a single resource accepts only the 'fields' query parameter",
        ));
    }
    Ok(query)
}

/// A TMF630 list of stored documents.
///
/// - Nothing to filter or sort: the database pages the kind in creation order.
/// - Every filter and the sort on indexed attributes
///   (`omni_core::tmf630::index::INDEXED`): the database filters, sorts,
///   counts and pages; one page of documents is read.
/// - Otherwise the indexed filters select candidates in the database and the
///   whole query runs over them in memory, if there are at most
///   `max_scan` of them; past that the list is refused (400) naming the
///   attribute that is not indexed, rather than reading without bound or
///   answering from a part of the data.
pub async fn list_documents(
    ctx: &Context,
    mut stored: DocumentQuery,
    query: &ListQuery,
    render: impl Fn(&Document) -> Value,
) -> AppResult<Page> {
    let limit = query
        .limit
        .unwrap_or(ctx.config.default_limit)
        .min(ctx.config.max_limit);
    if query.needs_scan() {
        let plan = index::plan(&stored.kind, query);
        let Some(rest) = plan.rest else {
            let total = ctx.store.count_keyed(&stored, &plan.keys).await?;
            stored.page = Some((query.offset as u64, limit as u64));
            let docs = ctx.store.list_keyed(&stored, &plan.keys).await?;
            return Ok(Page {
                total: usize::try_from(total).unwrap_or(usize::MAX),
                items: docs.iter().map(|d| query.project(render(d))).collect(),
            });
        };
        let candidates = KeyQuery {
            filters: plan.keys.filters,
            sort: Vec::new(),
        };
        let count = ctx.store.count_keyed(&stored, &candidates).await?;
        if count > ctx.config.max_scan as u64 {
            return Err(AppError::field(
                &rest.parameter,
                format!(
                    "{}; a list matching more than {} resources filters and sorts only on indexed attributes",
                    rest.rule, ctx.config.max_scan
                ),
            ));
        }
        let docs = ctx.store.list_keyed(&stored, &candidates).await?;
        return Ok(query.apply(docs.iter().map(&render).collect(), limit));
    }
    let total = ctx.store.count_documents(&stored).await?;
    stored.page = Some((query.offset as u64, limit as u64));
    let docs = ctx.store.list_documents(&stored).await?;
    Ok(Page {
        total: usize::try_from(total).unwrap_or(usize::MAX),
        items: docs.iter().map(|d| query.project(render(d))).collect(),
    })
}

pub async fn create(
    ctx: &Context,
    res: &TmfResource,
    principal: &Principal,
    body: Value,
    correlation: Option<&str>,
) -> AppResult<Versioned> {
    res.authorize_write(principal)?;
    res.spec
        .validate(&body, Mode::Create)
        .map_err(AppError::fields)?;
    let Value::Object(mut body) = body else {
        return Err(AppError::field("body", "must be a JSON object"));
    };
    let id = match body.get("id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let now = ctx.now();
    res.spec.stamp_new(&mut body, &id, now);
    let time = omni_core::time::rfc3339(now);
    let doc = Document {
        tenant: principal.tenant.clone(),
        kind: res.spec.kind.to_string(),
        id,
        version: 1,
        owner: None,
        state: lifecycle(&body),
        created_at: time.clone(),
        updated_at: time,
        body: Value::Object(body),
    };
    let rendered = res.render(&ctx.config.public_url, &doc);
    let events = vec![res.event(principal, &doc, &rendered, "Create", correlation, now)];
    ctx.store
        .insert_document(&doc, &res.effects(principal, events))
        .await?;
    Ok(Versioned {
        body: rendered,
        version: doc.version,
    })
}

fn lifecycle(body: &Map<String, Value>) -> Option<String> {
    body.get("lifecycleStatus")
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub async fn list(
    ctx: &Context,
    res: &TmfResource,
    principal: &Principal,
    query: &ListQuery,
) -> AppResult<Page> {
    res.authorize_read(principal)?;
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: res.spec.kind.to_string(),
        owner: None,
        page: None,
    };
    let public_url = &ctx.config.public_url;
    list_documents(ctx, stored, query, |d| res.render(public_url, d)).await
}

pub async fn get(
    ctx: &Context,
    res: &TmfResource,
    principal: &Principal,
    id: &str,
    query: &ListQuery,
) -> AppResult<Versioned> {
    res.authorize_read(principal)?;
    let doc = ctx
        .store
        .get_document(&principal.tenant, res.spec.kind, id)
        .await?
        .ok_or_else(|| AppError::not_found(res.spec.kind, id))?;
    Ok(Versioned {
        body: query.project(res.render(&ctx.config.public_url, &doc)),
        version: doc.version,
    })
}

/// The resources among `ids` that exist, in the order of `ids`, read in one
/// query: what a resource that lists others by id (an offering's prices)
/// shows of them, without a read per id or a scan of the kind.
pub async fn get_many(
    ctx: &Context,
    res: &TmfResource,
    principal: &Principal,
    ids: &[String],
) -> AppResult<Vec<Value>> {
    res.authorize_read(principal)?;
    let docs = ctx
        .store
        .get_documents(&principal.tenant, res.spec.kind, ids)
        .await?;
    let mut found: Vec<Value> = Vec::with_capacity(docs.len());
    for id in ids {
        if let Some(doc) = docs.iter().find(|d| &d.id == id)
            && !found
                .iter()
                .any(|f| f.get("id").and_then(Value::as_str) == Some(id))
        {
            found.push(res.render(&ctx.config.public_url, doc));
        }
    }
    Ok(found)
}

/// Applies a merge patch (RFC 7386) to the latest version, or to the
/// version `expected` names (`If-Match`); the merged resource must still be
/// valid as a whole.
pub async fn patch(
    ctx: &Context,
    res: &TmfResource,
    principal: &Principal,
    id: &str,
    patch: &Value,
    expected: Option<i64>,
    correlation: Option<&str>,
) -> AppResult<Versioned> {
    res.authorize_write(principal)?;
    res.spec
        .validate(patch, Mode::Patch)
        .map_err(AppError::fields)?;
    let public_url = &ctx.config.public_url;
    let mut rendered = Value::Null;
    let doc = change_document(
        ctx.store(),
        &res.key(principal, id),
        res.spec.kind,
        expected,
        &RetryPolicy::REQUEST,
        |doc| {
            let before = doc.body.get("lifecycleStatus").cloned();
            merge_patch(&mut doc.body, patch);
            let mut whole = doc.body.clone();
            if let Value::Object(map) = &mut whole {
                for owned in res.spec.server_owned {
                    map.remove(*owned);
                }
            }
            res.spec
                .validate(&whole, Mode::Create)
                .map_err(AppError::fields)?;
            let now = ctx.now();
            if let Value::Object(map) = &mut doc.body {
                res.spec.stamp_update(map, now);
                doc.state = lifecycle(map);
            }
            doc.updated_at = omni_core::time::rfc3339(now);
            rendered = res.render(public_url, doc);
            let mut events = vec![res.event(
                principal,
                doc,
                &rendered,
                "AttributeValueChange",
                correlation,
                now,
            )];
            if doc.body.get("lifecycleStatus") != before.as_ref() {
                events.push(res.event(principal, doc, &rendered, "StateChange", correlation, now));
            }
            Ok(res.effects(principal, events))
        },
    )
    .await?;
    Ok(Versioned {
        body: rendered,
        version: doc.version,
    })
}

pub async fn delete(
    ctx: &Context,
    res: &TmfResource,
    principal: &Principal,
    id: &str,
    expected: Option<i64>,
    correlation: Option<&str>,
) -> AppResult<()> {
    res.authorize_write(principal)?;
    let doc = ctx
        .store
        .get_document(&principal.tenant, res.spec.kind, id)
        .await?
        .ok_or_else(|| AppError::not_found(res.spec.kind, id))?;
    if expected.is_some_and(|v| v != doc.version) {
        return Err(AppError::PreconditionFailed);
    }
    let rendered = res.render(&ctx.config.public_url, &doc);
    let now = ctx.now();
    let events = vec![res.event(principal, &doc, &rendered, "Delete", correlation, now)];
    ctx.store
        .delete_document(&doc.key(), expected, &res.effects(principal, events))
        .await?;
    Ok(())
}
