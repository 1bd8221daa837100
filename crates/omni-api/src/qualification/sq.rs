//! `POST /tmf-api/serviceQualificationManagement/v4/checkServiceQualification`:
//! can these addresses be served?
//!
//! Each `serviceQualificationItem[]` names its address in `service.place[]`
//! (exactly one place id from the address registry) and what it asks for in
//! `service`:
//! - an offering: `serviceCharacteristic` `{"name": "productOfferingId",
//!   "value": "<offering id>"}`; qualified when the offering needs no service
//!   qualification, or its technology and speed are available there;
//! - or a technology and speed: `serviceSpecification.id` (or `name`) or the
//!   characteristic `technology` names the access technology (`fiber`,
//!   `fixedWireless`), and the characteristic `downloadSpeedMbps` the least
//!   download speed wanted. Both are optional: neither asks whether the
//!   address has any service at all.
//!
//! An item is `qualified` or `unqualified` (Omni does not use TMF645's
//! `alternate`): an unqualified item has `eligibilityUnavailabilityReason[]`
//! (`UNKNOWN_ADDRESS`, `TECHNOLOGY_NOT_AVAILABLE`, `SPEED_NOT_AVAILABLE`,
//! `NOT_FOUND`) and `alternateServiceProposal[]`, one per technology the
//! address has, with its best download speed. `provideUnavailabilityReason:
//! false` and `provideAlternative: false` leave them out. The whole answer is
//! `qualified` when every item is.

use super::{Problems, check_count, read_body, stamp, store};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use omni_core::discovery::CatalogIndex;
use omni_core::service_qualification::{ServiceNeed, ServiceQualification, qualify_service};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const ITEMS: &str = "serviceQualificationItem";
/// Characteristic naming the offering whose service is asked for.
const OFFERING: &str = "productOfferingId";
/// Characteristic naming the access technology.
const TECHNOLOGY: &str = "technology";
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
struct Body {
    service_qualification_item: Vec<Item>,
    #[serde(default)]
    related_party: Vec<IdRef>,
    provide_alternative: Option<bool>,
    provide_unavailability_reason: Option<bool>,
}

/// One item, decoded: its id, address (and the place's role) and need.
#[derive(Debug)]
struct Question {
    id: String,
    place: String,
    role: String,
    need: ServiceNeed,
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

fn question(i: usize, item: &Item, p: &mut Problems) -> Option<Question> {
    let at = format!("{ITEMS}[{i}].service");
    let before = p.0.len();
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
    if p.0.len() > before {
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
    fn questions(&self) -> Result<Vec<Question>, ApiError> {
        let mut p = Problems::default();
        let items = &self.service_qualification_item;
        check_count(&mut p, ITEMS, items.len());
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

fn proposals(q: &Question, answer: &ServiceQualification) -> Vec<Value> {
    answer
        .alternatives
        .iter()
        .enumerate()
        .map(|(n, alt)| {
            json!({
                "id": (n + 1).to_string(),
                "alternateService": {
                    "serviceSpecification": {"id": alt.technology, "name": alt.technology},
                    "serviceCharacteristic": [
                        {"name": TECHNOLOGY, "value": alt.technology},
                        {"name": "maxDownloadSpeedMbps", "value": alt.max_download_mbps},
                    ],
                    "place": [{"id": q.place, "role": q.role}],
                },
            })
        })
        .collect()
}

/// The answer: the request as sent, each item with its result, and the
/// attributes of a completed qualification.
fn evaluate(
    index: &CatalogIndex,
    mut raw: Map<String, Value>,
    body: &Body,
    questions: &[Question],
    now: DateTime<Utc>,
) -> Map<String, Value> {
    let with_reasons = body.provide_unavailability_reason != Some(false);
    let with_alternatives = body.provide_alternative != Some(false);
    let sent: Vec<Value> = match raw.remove(ITEMS) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let mut all_qualified = true;
    let items: Vec<Value> = questions
        .iter()
        .zip(sent)
        .map(|(q, sent)| {
            let answer = qualify_service(index, &q.place, &q.need);
            all_qualified &= answer.qualified;
            let mut out = match sent {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            out.insert("id".into(), json!(q.id));
            out.insert("state".into(), json!(super::DONE));
            let result = if answer.qualified {
                "qualified"
            } else {
                "unqualified"
            };
            out.insert("qualificationResult".into(), json!(result));
            if !answer.reasons.is_empty() && with_reasons {
                out.insert(
                    "eligibilityUnavailabilityReason".into(),
                    json!(answer.reasons),
                );
            }
            let proposed = proposals(q, &answer);
            if !proposed.is_empty() && with_alternatives {
                out.insert("alternateServiceProposal".into(), Value::Array(proposed));
            }
            Value::Object(out)
        })
        .collect();
    let result = if all_qualified {
        "qualified"
    } else {
        "unqualified"
    };
    stamp(super::SQ, &mut raw, result, now);
    raw.insert(
        "checkServiceQualificationDate".into(),
        json!(omni_core::time::rfc3339(now)),
    );
    raw.insert(ITEMS.into(), Value::Array(items));
    raw
}

pub(super) async fn create(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let (raw, body) = read_body::<Body>(super::SQ, &principal, &state, request).await?;
    let questions = body.questions()?;
    let index = state.ctx.caches.catalog.get(&principal.tenant);
    let now = Utc::now();
    let answer = evaluate(&index, raw, &body, &questions, now);
    store(super::SQ, &state, &principal, &headers, answer, now).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use omni_core::discovery::CatalogSource;

    fn index() -> CatalogIndex {
        CatalogIndex::build(
            &CatalogSource {
                offerings: vec![
                    json!({"id": "fiber-1g", "name": "Fiber 1G", "lifecycleStatus": "Active",
                    "requiresServiceQualification": true, "technology": "fiber", "downloadSpeedMbps": 1000}),
                ],
                places: vec![
                    json!({"id": "fw", "technologies": ["fixedWireless"], "maxDownloadSpeedMbps": 225}),
                    json!({"id": "both", "technologies": ["fiber", "fixedWireless"], "maxDownloadSpeedMbps": 5000}),
                ],
                ..CatalogSource::default()
            },
            Utc::now(),
        )
    }

    fn answer(request: Value) -> Result<Map<String, Value>, ApiError> {
        let text = serde_json::to_vec(&request).map_err(|_| ApiError::internal())?;
        let body: Body = crate::extract::decode(&text)?;
        let questions = body.questions()?;
        let Value::Object(raw) = request else {
            return Err(ApiError::bad_request("not an object"));
        };
        Ok(evaluate(&index(), raw, &body, &questions, Utc::now()))
    }

    fn item(place: &str, spec: Option<&str>, chars: Value) -> Value {
        let mut service = json!({"place": [{"id": place, "role": "installationAddress"}], "serviceCharacteristic": chars});
        if let Some(s) = spec {
            service["serviceSpecification"] = json!({"id": s});
        }
        json!({"service": service})
    }

    fn field_of(request: Value) -> String {
        match answer(request) {
            Err(e) => e
                .details
                .first()
                .map(|d| d.field.clone())
                .unwrap_or_default(),
            Ok(a) => panic!("accepted: {a:?}"),
        }
    }

    #[test]
    fn items_by_offering_and_by_technology() {
        let a = answer(json!({"serviceQualificationItem": [
            item("fw", Some("fiber"), json!([])),
            item("both", None, json!([{"name": "technology", "value": "fiber"}, {"name": "downloadSpeedMbps", "value": "1000"}])),
            item("fw", None, json!([{"name": "productOfferingId", "value": "fiber-1g"}])),
            item("nowhere", None, json!([])),
        ]}))
        .expect("answer");
        let items = a[ITEMS].as_array().expect("items");
        let result = |i: usize| items[i]["qualificationResult"].as_str().unwrap_or_default();
        assert_eq!(
            (result(0), result(1), result(2), result(3)),
            ("unqualified", "qualified", "unqualified", "unqualified")
        );
        assert_eq!(items[0]["id"], "1");
        assert_eq!(
            items[0]["eligibilityUnavailabilityReason"][0]["code"],
            "TECHNOLOGY_NOT_AVAILABLE"
        );
        let proposal = &items[0]["alternateServiceProposal"][0]["alternateService"];
        assert_eq!(proposal["serviceSpecification"]["id"], "fixedWireless");
        assert_eq!(proposal["serviceCharacteristic"][1]["value"], 225);
        assert_eq!(proposal["place"][0]["role"], "installationAddress");
        assert!(items[1].get("alternateServiceProposal").is_none());
        assert_eq!(
            items[3]["eligibilityUnavailabilityReason"][0]["code"],
            "UNKNOWN_ADDRESS"
        );
        assert_eq!(a["qualificationResult"], "unqualified");
        assert_eq!(a["state"], "done");
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
