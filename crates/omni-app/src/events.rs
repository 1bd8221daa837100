//! The event envelope every API writes to the outbox with its change, and
//! which resource kinds each API domain writes events of.

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
    // A pair missing from `written_kinds` would never reach its API's
    // listeners; every test that writes one stops here.
    debug_assert!(
        domain_kinds(source.domain).is_none_or(|kinds| kinds.contains(&source.kind)),
        "events of {} in domain {} must be listed in events::written_kinds",
        source.kind,
        source.domain
    );
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

/// Every (domain, resource kind) pair of the events the APIs write.
fn written_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    use crate::{
        care, cart, catalog, product_inventory, product_order, promotion, qualification, rules,
    };
    let tmf = catalog::resources()
        .chain(promotion::resources())
        .chain(rules::resources())
        .chain([
            product_order::ORDER_RESOURCE,
            product_order::CANCEL_RESOURCE,
        ])
        .map(|res| (res.domain, res.spec.kind));
    tmf.chain([
        ("shoppingCart", cart::KIND),
        (product_inventory::DOMAIN, product_inventory::KIND),
        (qualification::POQ.domain, qualification::POQ.kind),
        (qualification::SQ.domain, qualification::SQ.kind),
        (crate::webhook::notify::DOMAIN, care::KIND),
    ])
}

/// The resource kinds whose events carry `domain`, so that a reader of one
/// API's events reads only those (`Store::outbox_slice`); `None` for a
/// domain no API writes, whose readers must read every kind.
pub fn domain_kinds(domain: &str) -> Option<Vec<&'static str>> {
    let kinds: Vec<&'static str> = written_kinds()
        .filter(|(d, _)| *d == domain)
        .map(|(_, kind)| kind)
        .collect();
    (!kinds.is_empty()).then_some(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_domain_has_its_kinds() {
        let catalog = domain_kinds("productCatalogManagement").expect("catalog");
        for kind in ["productOffering", "productOfferingPrice", "category"] {
            assert!(catalog.contains(&kind), "{kind} in {catalog:?}");
        }
        let carts = domain_kinds("shoppingCart").expect("carts");
        assert!(carts.contains(&crate::cart::KIND) && carts.contains(&crate::rules::KIND));
        assert_eq!(domain_kinds("productInventory"), Some(vec!["product"]));
        assert_eq!(domain_kinds("noSuchApi"), None);
    }
}
