//! A registered callback and its delivery state, and registering one.

use super::{DELIVERY_JOB, SUBSCRIPTION_KIND, sign};
use crate::error::ApiError;
use crate::state::AppState;
use omni_core::document::FieldError;
use omni_core::time::rfc3339;
use omni_core::tmf630::ListQuery;
use omni_store::{Document, DocumentKey, DocumentWrite, Effects, NewJob, StoredEvent};
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
    pub secret: String,
    /// Who registered it (the principal's subject).
    pub created_by: String,
    pub created_at: String,
    /// Last outbox seq handled (delivered, skipped or parked).
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

/// What a caller asks for.
pub struct SubscriptionRequest {
    pub tenant: String,
    pub domain: String,
    pub callback: Option<String>,
    pub query: Option<String>,
    pub secret: Option<String>,
    pub scope: Option<Scope>,
    pub created_by: String,
    /// How the family names the callback field in errors.
    pub callback_field: &'static str,
}

impl Subscription {
    pub fn from_document(doc: &Document) -> Result<Self, String> {
        serde_json::from_value(doc.body.clone()).map_err(|e| e.to_string())
    }

    pub fn document(&self, tenant: &str, version: i64, now: &str) -> Result<Document, ApiError> {
        Ok(Document {
            tenant: tenant.to_string(),
            kind: SUBSCRIPTION_KIND.into(),
            id: self.id.clone(),
            version,
            owner: Some(self.created_by.clone()),
            state: Some(self.domain.clone()),
            created_at: self.created_at.clone(),
            updated_at: now.to_string(),
            body: serde_json::to_value(self).map_err(|_| ApiError::internal())?,
        })
    }

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

fn check_callback(callback: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> String {
    let Some(text) = callback.map(str::trim).filter(|c| !c.is_empty()) else {
        errors.push(FieldError::new(field, "is required"));
        return String::new();
    };
    if text.len() > MAX_CALLBACK_LEN {
        errors.push(FieldError::new(
            field,
            format!("must be at most {MAX_CALLBACK_LEN} characters"),
        ));
        return String::new();
    }
    match reqwest::Url::parse(text) {
        Ok(url) if url.scheme() == "http" && url.host().is_some() => {
            if url.username() != "" || url.password().is_some() {
                errors.push(FieldError::new(field, "must not carry credentials; deliveries are signed instead"));
            }
        }
        Ok(url) if url.scheme() == "https" => errors.push(FieldError::new(
            field,
            "https callbacks are not supported by this build (deliveries are plain http; put a TLS-terminating proxy in front of the receiver)",
        )),
        _ => errors.push(FieldError::new(field, "must be an absolute http URL with a host")),
    }
    text.to_string()
}

/// Validates and stores a subscription; it receives the events committed
/// from now on. Returns it, and the secret when Omni generated it (the only
/// time it is shown).
pub async fn subscribe(
    state: &AppState,
    request: SubscriptionRequest,
) -> Result<(Subscription, Option<String>), ApiError> {
    let mut errors = Vec::new();
    let callback = check_callback(
        request.callback.as_deref(),
        request.callback_field,
        &mut errors,
    );
    if let Err(rule) = parse_query(request.query.as_deref()) {
        errors.push(FieldError::new("query", rule));
    }
    let chosen = request.secret.clone();
    if let Some(secret) = &chosen
        && !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.len())
    {
        errors.push(FieldError::new(
            "secret",
            format!("must be {MIN_SECRET_LEN} to {MAX_SECRET_LEN} characters"),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let generated = chosen.is_none().then(sign::new_secret);
    let now = rfc3339(chrono::Utc::now());
    let subscription = Subscription {
        id: uuid::Uuid::now_v7().to_string(),
        callback,
        query: request.query.filter(|q| !q.is_empty()),
        domain: request.domain,
        scope: request.scope,
        secret: chosen.or_else(|| generated.clone()).unwrap_or_default(),
        created_by: request.created_by,
        created_at: now.clone(),
        cursor: state.ctx.store.outbox_stream_head().await?,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        delivered: 0,
        dead_lettered: 0,
    };
    let doc = subscription.document(&request.tenant, 1, &now)?;
    let job = NewJob {
        id: delivery_job_id(&request.tenant, &subscription.id),
        tenant: request.tenant.clone(),
        kind: DELIVERY_JOB.into(),
        payload: json!({"subscriptionId": subscription.id}),
        run_at: now.clone(),
        now,
    };
    let effects = Effects {
        jobs: vec![job],
        ..Effects::default()
    };
    state
        .ctx
        .store
        .write_documents(&[DocumentWrite::Insert(doc)], &effects)
        .await?;
    Ok((subscription, generated))
}

pub fn delivery_job_id(tenant: &str, subscription: &str) -> String {
    format!("{DELIVERY_JOB}:{tenant}:{subscription}")
}

/// Removes a subscription of `domain`; its job ends when it next runs.
/// `owned_by` restricts removal to subscriptions with that scope value.
pub async fn unsubscribe(
    state: &AppState,
    tenant: &str,
    domain: &str,
    id: &str,
    scope_value: Option<&str>,
) -> Result<(), ApiError> {
    let what = "hub";
    let doc = state
        .ctx
        .store
        .get_document(tenant, SUBSCRIPTION_KIND, id)
        .await?
        .ok_or_else(|| ApiError::not_found(what, id))?;
    let sub = Subscription::from_document(&doc).map_err(|_| ApiError::internal())?;
    let same_scope = match scope_value {
        None => true,
        Some(v) => sub.scope.as_ref().is_some_and(|s| s.value == v),
    };
    if sub.domain != domain || !same_scope {
        return Err(ApiError::not_found(what, id));
    }
    let key = DocumentKey {
        tenant: tenant.to_string(),
        kind: SUBSCRIPTION_KIND.into(),
        id: id.to_string(),
    };
    match state
        .ctx
        .store
        .delete_document(&key, None, &Effects::default())
        .await
    {
        Ok(()) => Ok(()),
        Err(omni_store::StoreError::NotFound { .. }) => Err(ApiError::not_found(what, id)),
        Err(e) => Err(e.into()),
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
    fn callbacks_must_be_plain_http_urls() {
        let check = |c: &str| {
            let mut errors = Vec::new();
            check_callback(Some(c), "callback", &mut errors);
            errors.is_empty()
        };
        assert!(check("http://127.0.0.1:9000/listener"));
        assert!(check("http://partner.example/events?x=1"));
        assert!(!check("https://partner.example/events"));
        assert!(!check("ftp://partner.example/"));
        assert!(!check("not a url"));
        assert!(!check("http://user:pw@partner.example/"));
        let mut errors = Vec::new();
        check_callback(None, "callback", &mut errors);
        assert_eq!(errors.len(), 1);
    }
}
