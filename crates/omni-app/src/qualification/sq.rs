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
//!
//! The request's way: `omni-api`'s handler reads the JSON document and
//! calls [`create`], which checks who may ask (`access.rs`), reads the
//! document (`question.rs`) and each item's question (`sq/body.rs`),
//! answers each item from the tenant's catalog index, and stores the answer
//! with its create event (`answers.rs`) in one write.

mod body;

use super::access::{customer_party, may_ask};
use super::{SQ, answers, question};
use crate::context::Context;
use crate::error::AppResult;
use crate::tmf::Versioned;
use body::{Body, ITEMS, Question, TECHNOLOGY};
use chrono::{DateTime, Utc};
use omni_core::Principal;
use omni_core::discovery::CatalogIndex;
use omni_core::service_qualification::{ServiceQualification, qualify_service};
use serde_json::{Map, Value, json};

/// Answers a TMF645 request document (`POST` on the collection) and stores
/// the answer; `correlation` is the conversation its event belongs to.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    document: Value,
    correlation: Option<&str>,
) -> AppResult<Versioned> {
    may_ask(principal)?;
    let (mut raw, body) = question::read::<Body>(SQ, document)?;
    let questions = body.questions()?;
    // The parties are recorded (with the same rules as TMF679's); they do
    // not change whether an address can be served.
    customer_party(principal, &mut raw)?;
    let index = ctx.caches.catalog.get(&principal.tenant);
    let now = ctx.now();
    let answer = evaluate(&index, raw, &body, &questions, now);
    answers::save(ctx, SQ, principal, answer, correlation, now).await
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
    let mut all_qualified = true;
    let items: Vec<Value> = questions
        .iter()
        .zip(answers::sent_items(&mut raw, ITEMS))
        .map(|(q, mut out)| {
            let answer = qualify_service(index, &q.place, &q.need);
            all_qualified &= answer.qualified;
            out.insert("id".into(), json!(q.id));
            answers::answer_item(
                &mut out,
                "qualificationResult",
                &answer.reasons,
                with_reasons,
            );
            let proposed = proposals(q, &answer);
            if !proposed.is_empty() && with_alternatives {
                out.insert("alternateServiceProposal".into(), Value::Array(proposed));
            }
            Value::Object(out)
        })
        .collect();
    answers::stamp(SQ, &mut raw, all_qualified, now);
    raw.insert(
        "checkServiceQualificationDate".into(),
        json!(omni_core::time::rfc3339(now)),
    );
    raw.insert(ITEMS.into(), Value::Array(items));
    raw
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

    fn answer(request: Value) -> AppResult<Map<String, Value>> {
        let (raw, body) = question::read::<Body>(SQ, request)?;
        let questions = body.questions()?;
        Ok(evaluate(&index(), raw, &body, &questions, Utc::now()))
    }

    fn item(place: &str, spec: Option<&str>, chars: Value) -> Value {
        let mut service = json!({"place": [{"id": place, "role": "installationAddress"}], "serviceCharacteristic": chars});
        if let Some(s) = spec {
            service["serviceSpecification"] = json!({"id": s});
        }
        json!({"service": service})
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
}
