//! The TMF645 request as Omni reads it: each item's address (exactly one
//! place id) and what it asks for there (an offering's service, or a
//! technology and a least download speed), checked with every failing
//! field named.

use crate::error::AppResult;
use crate::qualification::question::Problems;
use omni_core::service_qualification::ServiceNeed;
use serde::Deserialize;
use serde_json::Value;

pub(super) const ITEMS: &str = "serviceQualificationItem";
/// Characteristic naming the offering whose service is asked for.
const OFFERING: &str = "productOfferingId";
/// Characteristic naming the access technology.
pub(super) const TECHNOLOGY: &str = "technology";
/// Characteristic naming the least download speed, in Mbps.
const SPEED: &str = "downloadSpeedMbps";
/// Role of the place in alternative proposals when the item gives none.
const DEFAULT_ROLE: &str = "serviceAddress";

#[derive(Debug, Deserialize)]
struct IdRef {
    id: String,
}

#[derive(Debug, Deserialize)]
struct SpecRef {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Characteristic {
    name: String,
    value: Value,
}

#[derive(Debug, Deserialize)]
struct PlaceRef {
    id: Option<String>,
    role: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    service_specification: Option<SpecRef>,
    #[serde(default)]
    service_characteristic: Vec<Characteristic>,
    #[serde(default)]
    place: Vec<PlaceRef>,
}

#[derive(Debug, Deserialize)]
struct Item {
    id: Option<String>,
    service: Service,
}

/// The body as far as Omni reads it; everything else is kept as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Body {
    service_qualification_item: Vec<Item>,
    #[serde(default)]
    related_party: Vec<IdRef>,
    pub(super) provide_alternative: Option<bool>,
    pub(super) provide_unavailability_reason: Option<bool>,
}

/// One item, decoded: its id, address (and the place's role) and need.
#[derive(Debug)]
pub(super) struct Question {
    pub(super) id: String,
    pub(super) place: String,
    pub(super) role: String,
    pub(super) need: ServiceNeed,
}

/// A whole number of Mbps, given as a JSON number or a numeric string.
fn mbps(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The item's id; its position (from 1) when it has none.
fn item_id(i: usize, item: &Item) -> String {
    item.id.clone().unwrap_or_else(|| (i + 1).to_string())
}

/// The question of item `i`; `None` (with its problems added) when the
/// item breaks a rule.
fn question(i: usize, item: &Item, p: &mut Problems) -> Option<Question> {
    let at = format!("{ITEMS}[{i}].service");
    let before = p.len();
    let places: Vec<&PlaceRef> = item
        .service
        .place
        .iter()
        .filter(|r| r.id.is_some())
        .collect();
    let place = match places.as_slice() {
        [one] => one,
        [] => {
            p.add(
                format!("{at}.place"),
                "must name the service address: [{\"id\": \"<address id>\", \"role\": \"serviceAddress\"}]",
            );
            return None;
        }
        _ => {
            p.add(
                format!("{at}.place"),
                "must name exactly one service address",
            );
            return None;
        }
    };
    let place_id = place.id.clone().unwrap_or_default();
    p.text(format!("{at}.place.id"), &place_id);
    let mut technology: Option<String> = None;
    if let Some(spec) = &item.service.service_specification {
        match spec.id.as_ref().or(spec.name.as_ref()) {
            Some(t) => {
                p.text(format!("{at}.serviceSpecification.id"), t);
                technology = Some(t.clone());
            }
            None => p.add(
                format!("{at}.serviceSpecification.id"),
                "must name the access technology, e.g. fiber or fixedWireless",
            ),
        }
    }
    let mut offering: Option<String> = None;
    let mut speed: Option<u64> = None;
    let mut seen: Vec<&str> = Vec::new();
    for (j, c) in item.service.service_characteristic.iter().enumerate() {
        let field = format!("{at}.serviceCharacteristic[{j}]");
        if seen.contains(&c.name.as_str()) {
            p.add(
                format!("{field}.name"),
                format!("'{}' is given twice", c.name),
            );
            continue;
        }
        seen.push(&c.name);
        match c.name.as_str() {
            OFFERING => match c.value.as_str() {
                Some(id) => {
                    p.text(format!("{field}.value"), id);
                    offering = Some(id.to_string());
                }
                None => p.add(format!("{field}.value"), "must be a product offering id"),
            },
            TECHNOLOGY => match (c.value.as_str(), &technology) {
                (None, _) => p.add(
                    format!("{field}.value"),
                    "must be a technology, e.g. fiber or fixedWireless",
                ),
                (Some(t), Some(spec)) if !spec.eq_ignore_ascii_case(t) => p.add(
                    format!("{field}.value"),
                    format!("contradicts serviceSpecification '{spec}'"),
                ),
                (Some(t), _) => {
                    p.text(format!("{field}.value"), t);
                    technology = Some(t.to_string());
                }
            },
            SPEED => match mbps(&c.value) {
                Some(s) => speed = Some(s),
                None => p.add(
                    format!("{field}.value"),
                    "must be a whole number of Mbps (0 or more)",
                ),
            },
            _ => p.add(
                format!("{field}.name"),
                format!("must be {OFFERING}, {TECHNOLOGY} or {SPEED}"),
            ),
        }
    }
    let need = match offering {
        Some(_) if technology.is_some() || speed.is_some() => {
            p.add(
                at,
                format!("names either a {OFFERING} or a technology and speed, not both"),
            );
            return None;
        }
        Some(id) => ServiceNeed::Offering(id),
        None => ServiceNeed::Technology {
            technology,
            min_download_mbps: speed,
        },
    };
    if p.len() > before {
        return None;
    }
    Some(Question {
        id: item_id(i, item),
        place: place_id,
        role: place.role.clone().unwrap_or_else(|| DEFAULT_ROLE.into()),
        need,
    })
}

impl Body {
    /// Each item's question, or every failing field at once.
    pub(super) fn questions(&self) -> AppResult<Vec<Question>> {
        let mut p = Problems::default();
        let items = &self.service_qualification_item;
        p.count(ITEMS, items.len());
        for (i, party) in self.related_party.iter().enumerate() {
            p.text(format!("relatedParty[{i}].id"), &party.id);
        }
        for (i, item) in items.iter().enumerate() {
            if let Some(id) = &item.id {
                p.text(format!("{ITEMS}[{i}].id"), id);
            }
        }
        let questions: Vec<Question> = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| question(i, item, &mut p))
            .collect();
        let ids: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, item)| item_id(i, item))
            .collect();
        p.unique_ids(ITEMS, ids.iter().map(String::as_str).enumerate());
        p.finish()?;
        Ok(questions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(place: &str, spec: Option<&str>, chars: Value) -> Value {
        let mut service = json!({"place": [{"id": place, "role": "installationAddress"}], "serviceCharacteristic": chars});
        if let Some(s) = spec {
            service["serviceSpecification"] = json!({"id": s});
        }
        json!({"service": service})
    }

    fn field_of(request: Value) -> String {
        match crate::request::decode::<Body>(&request).and_then(|body| body.questions()) {
            Err(e) => e
                .details()
                .first()
                .map(|d| d.field.clone())
                .unwrap_or_default(),
            Ok(questions) => panic!("accepted: {questions:?}"),
        }
    }

    #[test]
    fn bad_items_name_the_field() {
        assert_eq!(field_of(json!({})), ITEMS);
        assert_eq!(field_of(json!({"serviceQualificationItem": []})), ITEMS);
        assert_eq!(
            field_of(json!({"serviceQualificationItem": [{"id": "1"}]})),
            "serviceQualificationItem[0].service"
        );
        assert_eq!(
            field_of(
                json!({"serviceQualificationItem": [{"service": {"serviceCharacteristic": []}}]})
            ),
            "serviceQualificationItem[0].service.place"
        );
        assert_eq!(
            field_of(
                json!({"serviceQualificationItem": [item("fw", None, json!([{"name": "colour", "value": "red"}]))]})
            ),
            "serviceQualificationItem[0].service.serviceCharacteristic[0].name"
        );
        assert_eq!(
            field_of(
                json!({"serviceQualificationItem": [item("fw", None, json!([{"name": "downloadSpeedMbps", "value": "fast"}]))]})
            ),
            "serviceQualificationItem[0].service.serviceCharacteristic[0].value"
        );
        assert_eq!(
            field_of(
                json!({"serviceQualificationItem": [item("fw", Some("fiber"), json!([{"name": "technology", "value": "fixedWireless"}]))]})
            ),
            "serviceQualificationItem[0].service.serviceCharacteristic[0].value"
        );
        assert_eq!(
            field_of(
                json!({"serviceQualificationItem": [item("fw", Some("fiber"), json!([{"name": "productOfferingId", "value": "fiber-1g"}]))]})
            ),
            "serviceQualificationItem[0].service"
        );
        let mut dup = item("fw", None, json!([]));
        dup["id"] = json!("a");
        assert_eq!(
            field_of(json!({"serviceQualificationItem": [dup.clone(), dup]})),
            "serviceQualificationItem[1].id"
        );
    }
}
