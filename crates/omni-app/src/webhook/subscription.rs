//! A registered callback and its delivery state (one `eventSubscription`
//! record), and registering or removing one. The TM Forum hubs
//! ([`super::hub`]) and the care family's notification subscriptions
//! ([`super::notify`]) both come here; they differ in who may register, how
//! their errors name the fields and the scope they set.
//!
//! A registration is checked whole (every bad field named at once), stored
//! with its delivery job in one write, and starts at the outbox's head: it
//! receives the events committed from then on.

use super::address::AddressPolicy;
use super::{DELIVERY_JOB, SUBSCRIPTION_KIND, sign};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::{Record, Repo, Stored};
use chrono::{DateTime, Utc};
use omni_core::document::FieldError;
use omni_core::time::{parse_rfc3339, rfc3339};
use omni_core::tmf630::ListQuery;
use omni_store::{DocumentKey, Effects, NewJob, Store, StoreError, StoredEvent};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Shortest secret a subscriber may choose.
const MIN_SECRET_LEN: usize = 16;
const MAX_SECRET_LEN: usize = 256;
const MAX_CALLBACK_LEN: usize = 2048;

/// An exact match on one attribute of the event envelope, set by the API
/// that registers the subscription (e.g. the care client's own orders).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    /// Dotted path in the envelope, e.g. `event.careOrder.clientId`.
    pub path: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub callback: String,
    /// TMF630 filter over the event envelope, as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Event domain of the API it was registered with.
    pub domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The signing secret, sealed (`enc:v1:…`, [`crate::secrets`]); in
    /// clear when stored by an earlier build.
    pub secret: String,
    /// Who registered it (the principal's subject).
    pub created_by: String,
    pub created_at: String,
    /// Last stream position handled (delivered, skipped or parked): every
    /// event of its slice up to it is.
    pub cursor: i64,
    /// Failed attempts at the event after `cursor`.
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default)]
    pub delivered: u64,
    #[serde(default)]
    pub dead_lettered: u64,
}

impl Record for Subscription {
    const KIND: &'static str = SUBSCRIPTION_KIND;
    /// Both families answer "hub with id … does not exist".
    const NAME: &'static str = "hub";

    fn id(&self) -> &str {
        &self.id
    }

    /// The domain is the queried column: operators list by API.
    fn state(&self) -> Option<&str> {
        Some(&self.domain)
    }
}

pub fn subscriptions<'a>(store: &'a dyn Store, tenant: &'a str) -> Repo<'a, Subscription> {
    Repo::new(store, tenant)
}

impl Subscription {
    /// Whether `event` (of this subscription's tenant) is for it.
    pub fn wants(&self, tenant: &str, event: &StoredEvent, filter: &ListQuery) -> bool {
        let payload = &event.event.payload;
        event.event.tenant == tenant
            && payload.get("domain").and_then(Value::as_str) == Some(self.domain.as_str())
            && self.scope.as_ref().is_none_or(|s| {
                let mut at = payload;
                for step in s.path.split('.') {
                    match at.get(step) {
                        Some(next) => at = next,
                        None => return false,
                    }
                }
                at.as_str() == Some(s.value.as_str())
            })
            && filter.matches(payload)
    }

    /// The resource kinds of the events it can want: those its API writes
    /// ([`crate::events::domain_kinds`]); none, meaning every kind, for a
    /// domain no API writes, so that [`Self::wants`] still sees every
    /// event of the tenant it could want. Its deliveries read only the
    /// tenant's events of these kinds (`Store::outbox_slice`).
    pub fn slice_kinds(&self) -> Vec<String> {
        crate::events::domain_kinds(&self.domain)
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Its stored filter; a stored query that no longer parses is corrupt.
    pub fn filter(&self) -> Result<ListQuery, StoreError> {
        parse_query(self.query.as_deref()).map_err(|rule| {
            StoreError::Corrupt(format!("{SUBSCRIPTION_KIND} '{}': query {rule}", self.id))
        })
    }

    /// When the next attempt at the event after the cursor is due, if a
    /// delivery failed; a stored time that does not parse is corrupt.
    pub fn next_attempt(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        match self.next_attempt_at.as_deref() {
            None => Ok(None),
            Some(text) => parse_rfc3339(text).map(Some).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "{SUBSCRIPTION_KIND} '{}': nextAttemptAt '{text}'",
                    self.id
                ))
            }),
        }
    }

    /// The TMF hub view: what was registered, never the secret.
    pub fn render(&self) -> Value {
        json!({"id": self.id, "callback": self.callback, "query": self.query})
    }

    /// The delivery state, for operators.
    pub fn render_state(&self) -> Value {
        json!({
            "id": self.id,
            "callback": self.callback,
            "query": self.query,
            "domain": self.domain,
            "createdAt": self.created_at,
            "createdBy": self.created_by,
            "cursor": self.cursor,
            "delivered": self.delivered,
            "deadLettered": self.dead_lettered,
            "failedAttempts": self.attempts,
            "nextAttemptAt": self.next_attempt_at,
            "lastError": self.last_error,
        })
    }
}

/// What a caller asks to register.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registration {
    pub callback: Option<String>,
    /// TMF630 attribute filters over the event envelope.
    pub query: Option<String>,
    /// Signing secret; generated (and answered once) when absent.
    pub secret: Option<String>,
}

/// A stored registration, with the secret when Omni generated it: the only
/// time it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    pub subscription: Subscription,
    pub secret: Option<String>,
}

/// How a family names the fields of a registration in its errors.
pub(super) struct FieldNames {
    pub callback: &'static str,
    pub secret: &'static str,
}

/// What a family registers for, besides the request itself.
pub(super) struct Target {
    pub domain: &'static str,
    pub scope: Option<Scope>,
}

/// Parses a stored or requested TMF630 query; `None` and `""` match all.
pub fn parse_query(query: Option<&str>) -> Result<ListQuery, String> {
    let text = query.unwrap_or("").trim_start_matches('?');
    let pairs: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let parsed = ListQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), &[])
        .map_err(|e| format!("{}: {}", e.parameter, e.rule))?;
    if parsed.fields.is_some()
        || !parsed.sort.is_empty()
        || parsed.limit.is_some()
        || parsed.offset > 0
    {
        return Err("only attribute filters are allowed (no fields, sort, limit or offset)".into());
    }
    Ok(parsed)
}

/// Checks the form of a callback; the URL when it is usable.
fn check_callback(
    callback: Option<&str>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> (String, Option<reqwest::Url>) {
    let Some(text) = callback.map(str::trim).filter(|c| !c.is_empty()) else {
        errors.push(FieldError::new(field, "is required"));
        return (String::new(), None);
    };
    if text.len() > MAX_CALLBACK_LEN {
        errors.push(FieldError::new(
            field,
            format!("must be at most {MAX_CALLBACK_LEN} characters"),
        ));
        return (String::new(), None);
    }
    let url = match reqwest::Url::parse(text) {
        Ok(url) if ["http", "https"].contains(&url.scheme()) && url.host().is_some() => {
            if url.username() != "" || url.password().is_some() {
                errors.push(FieldError::new(
                    field,
                    "must not carry credentials; deliveries are signed instead",
                ));
                None
            } else {
                Some(url)
            }
        }
        _ => {
            errors.push(FieldError::new(
                field,
                "must be an absolute http or https URL with a host",
            ));
            None
        }
    };
    (text.to_string(), url)
}

/// How long registration waits for a callback's host to resolve.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The address rule at registration: an address literal the rule refuses,
/// or a host name all of whose addresses it refuses, is refused now rather
/// than at every delivery. A name that does not resolve (yet) is accepted;
/// deliveries check again on the addresses they connect to.
async fn check_address(
    policy: &AddressPolicy,
    url: &reqwest::Url,
    field: &str,
    errors: &mut Vec<FieldError>,
) {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let rule = |reason: &str| {
        format!(
            "must not point to {reason}; the address policy refuses it \
             (OMNI_WEBHOOK_ALLOW lists the operator's exceptions)"
        )
    };
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        if let Err(reason) = policy.check(None, ip) {
            errors.push(FieldError::new(field, rule(reason)));
        }
        return;
    }
    if policy.allows_host(bare) {
        return;
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let lookup = tokio::net::lookup_host((bare, port));
    let Ok(Ok(found)) = tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await else {
        return;
    };
    let mut refusal = None;
    for addr in found {
        match policy.check(Some(bare), addr.ip()) {
            Ok(()) => return,
            Err(reason) => refusal = Some(reason),
        }
    }
    if let Some(reason) = refusal {
        errors.push(FieldError::new(
            field,
            rule(&format!("{reason} (what {bare} resolves to)")),
        ));
    }
}

/// Checks and stores a subscription of the caller's tenant, with its
/// delivery job, in one write. The caller was authorized by the family.
pub(super) async fn subscribe(
    ctx: &Context,
    tenant: &str,
    created_by: &str,
    target: Target,
    request: Registration,
    names: &FieldNames,
) -> AppResult<Registered> {
    let mut errors = Vec::new();
    let (callback, url) = check_callback(request.callback.as_deref(), names.callback, &mut errors);
    if let Some(url) = &url {
        check_address(&ctx.config.webhooks.allow, url, names.callback, &mut errors).await;
    }
    if let Err(rule) = parse_query(request.query.as_deref()) {
        errors.push(FieldError::new("query", rule));
    }
    if let Some(secret) = &request.secret
        && !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.len())
    {
        errors.push(FieldError::new(
            names.secret,
            format!("must be {MIN_SECRET_LEN} to {MAX_SECRET_LEN} characters"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let generated = request.secret.is_none().then(sign::new_secret);
    let now = rfc3339(ctx.now());
    let subscription = Subscription {
        id: uuid::Uuid::now_v7().to_string(),
        callback,
        query: request.query.filter(|q| !q.is_empty()),
        domain: target.domain.to_string(),
        scope: target.scope,
        // Stored sealed; the caller sees a generated secret once, in clear.
        secret: ctx.config.secrets.seal(
            request
                .secret
                .as_deref()
                .or(generated.as_deref())
                .unwrap_or_default(),
        ),
        created_by: created_by.to_string(),
        created_at: now.clone(),
        cursor: ctx.store.outbox_stream_head().await?,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        delivered: 0,
        dead_lettered: 0,
    };
    let job = NewJob {
        id: delivery_job_id(tenant, &subscription.id),
        tenant: tenant.to_string(),
        kind: DELIVERY_JOB.into(),
        payload: json!({"subscriptionId": subscription.id}),
        run_at: now.clone(),
        now: now.clone(),
    };
    let stored = Stored::new(subscription, Some(created_by.to_string()), &now);
    let effects = Effects {
        jobs: vec![job],
        ..Effects::none()
    };
    subscriptions(ctx.store(), tenant)
        .insert(&stored, &effects)
        .await?;
    Ok(Registered {
        subscription: stored.record,
        secret: generated,
    })
}

pub fn delivery_job_id(tenant: &str, subscription: &str) -> String {
    format!("{DELIVERY_JOB}:{tenant}:{subscription}")
}

/// Removes a subscription of `domain`; its job ends when it next runs.
/// `scope_value` restricts removal to subscriptions with that scope value
/// (a care client removes only its own). Another API's, another client's
/// and a missing subscription all answer "not found".
pub(super) async fn unsubscribe(
    ctx: &Context,
    tenant: &str,
    domain: &str,
    id: &str,
    scope_value: Option<&str>,
) -> AppResult<()> {
    let not_found = || AppError::not_found(Subscription::NAME, id);
    let sub = subscriptions(ctx.store(), tenant)
        .find(id)
        .await?
        .ok_or_else(not_found)?;
    let same_scope = match scope_value {
        None => true,
        Some(v) => sub.record.scope.as_ref().is_some_and(|s| s.value == v),
    };
    if sub.record.domain != domain || !same_scope {
        return Err(not_found());
    }
    let key = DocumentKey {
        tenant: tenant.to_string(),
        kind: SUBSCRIPTION_KIND.into(),
        id: id.to_string(),
    };
    // Any version: the delivery worker moves the cursor all the time, and
    // removal does not depend on the delivery state.
    match ctx
        .store
        .delete_document(&key, None, &Effects::none())
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::NotFound { .. }) => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// What [`reseal_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Subscriptions looked at, in every tenant.
    pub checked: u64,
    /// Secrets sealed again with the current key (from clear or an old key).
    pub resealed: u64,
    /// Subscriptions whose secret no configured key opens (id and why):
    /// left as they are.
    pub unreadable: Vec<(String, String)>,
}

/// Seals every stored signing secret that is in clear or sealed with an
/// old key with the current key (`omni rotate-secrets`), so that the old
/// key can then be dropped. Subscriptions are found through their delivery
/// jobs, which name every tenant; each is rewritten over the version read,
/// retried when a delivery worker moved its cursor meanwhile.
pub async fn reseal_all(ctx: &Context) -> AppResult<Resealed> {
    const PAGE: u64 = 500;
    let keys = &ctx.config.secrets;
    let mut done = Resealed::default();
    let mut offset = 0;
    loop {
        let jobs = ctx
            .store
            .list_jobs(&omni_store::JobQuery {
                tenant: None,
                kind: Some(DELIVERY_JOB.into()),
                status: None,
                offset,
                limit: PAGE,
            })
            .await?;
        for job in &jobs {
            let Some(id) = job.payload.get("subscriptionId").and_then(Value::as_str) else {
                continue;
            };
            let repo = subscriptions(ctx.store(), &job.tenant);
            let Some(stored) = repo.find(id).await? else {
                continue;
            };
            done.checked += 1;
            if !keys.is_stale(&stored.record.secret) {
                continue;
            }
            if let Err(e) = keys.open(&stored.record.secret) {
                done.unreadable.push((id.to_string(), e.to_string()));
                continue;
            }
            let now = rfc3339(ctx.now());
            let changed = repo
                .change(id, None, &now, &crate::repo::RetryPolicy::REQUEST, |sub| {
                    let plain = keys.open(&sub.secret).map_err(|e| {
                        AppError::Internal(format!("subscription '{}': {e}", sub.id))
                    })?;
                    let fresh = keys.is_stale(&sub.secret);
                    if fresh {
                        sub.secret = keys.seal(&plain);
                    }
                    Ok((fresh, Effects::none()))
                })
                .await;
            match changed {
                Ok((_, true)) => done.resealed += 1,
                Ok((_, false)) => {}
                // Removed meanwhile.
                Err(AppError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if (jobs.len() as u64) < PAGE {
            return Ok(done);
        }
        offset += PAGE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_filters_only() {
        assert!(parse_query(None).is_ok());
        assert!(parse_query(Some("")).is_ok());
        assert!(parse_query(Some("eventType=ProductOrderStateChangeEvent")).is_ok());
        assert!(parse_query(Some("?eventType=A,B&event.productOrder.state=completed")).is_ok());
        assert!(parse_query(Some("limit=3")).is_err());
        assert!(parse_query(Some("fields=id")).is_err());
        assert!(parse_query(Some("sort=id")).is_err());
    }

    #[test]
    fn callbacks_must_be_http_or_https_urls() {
        let check = |c: &str| {
            let mut errors = Vec::new();
            let (_, url) = check_callback(Some(c), "callback", &mut errors);
            errors.is_empty() && url.is_some()
        };
        assert!(check("http://127.0.0.1:9000/listener"));
        assert!(check("http://partner.example/events?x=1"));
        assert!(check("https://partner.example/events"));
        assert!(!check("ftp://partner.example/"));
        assert!(!check("not a url"));
        assert!(!check("http://user:pw@partner.example/"));
        let mut errors = Vec::new();
        check_callback(None, "callback", &mut errors);
        assert_eq!(errors.len(), 1);
    }
}
