//! The event envelope every API writes to the outbox with its change.

use chrono::{DateTime, Utc};
use omni_store::NewEvent;
use serde_json::{Value, json};

pub struct EventSource<'a> {
    pub tenant: &'a str,
    /// API domain, e.g. `productCatalogManagement`.
    pub domain: &'a str,
    /// Resource kind as named in the event body, e.g. `productOffering`.
    pub kind: &'a str,
    pub id: &'a str,
    pub correlation_id: Option<&'a str>,
}

pub fn event(
    source: &EventSource<'_>,
    event_type: &str,
    resource: &Value,
    now: DateTime<Utc>,
) -> NewEvent {
    let event_id = uuid::Uuid::now_v7().to_string();
    let time = omni_core::time::rfc3339(now);
    let payload = json!({
        "eventId": event_id,
        "eventTime": time,
        "eventType": event_type,
        "correlationId": source.correlation_id,
        "domain": source.domain,
        "title": event_type,
        "description": format!("{event_type} for {} {}", source.kind, source.id),
        "priority": "normal",
        "timeOcurred": time,
        "event": { source.kind: resource },
    });
    NewEvent {
        event_id,
        tenant: source.tenant.to_string(),
        event_type: event_type.to_string(),
        resource_kind: source.kind.to_string(),
        resource_id: source.id.to_string(),
        occurred_at: time,
        payload,
    }
}
