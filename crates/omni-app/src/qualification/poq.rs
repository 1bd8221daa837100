//! `POST /tmf-api/productOfferingQualification/v4/productOfferingQualification`:
//! may this customer buy these offerings in this channel?
//!
//! The TMF679 body names the channel (`channel.id`, required), the items
//! (`productOfferingQualificationItem[]`: `id`, `productOffering.id`,
//! `action`) and optionally `place[]` (a service address id: offerings that
//! need service qualification are then checked there too) and
//! `relatedParty[]` (recorded only). TMF679 has no attributes for the rest of
//! the customer's situation, so Omni reads these extensions: `customerType`,
//! `customerSubType`, `paymentType`, `creditClass` (matched against the
//! offering's `creditRisk`), `market`, and `existingProductOffering[]`
//! (`{id}` of offerings whose products the customer has).
//!
//! Actions: `add` (the default) qualifies the offering; `modify` qualifies
//! the target `productOffering` and, when `product.productOffering.id` names
//! the offering the customer has now, also checks that it may be swapped for
//! the target; `delete` and `noChange` always qualify. The offering of a
//! `modify` or `noChange` item's `product` counts as a product the customer
//! has.
//!
//! The request's way: `omni-api`'s handler reads the JSON document and
//! calls [`create`], which checks who may ask (`access.rs`), reads the
//! document (`question.rs`) and its rules (`poq/body.rs`),
//! answers each item from the tenant's catalog index, and stores the answer
//! with its create event (`answers.rs`) in one write.

mod body;

use super::access::may_ask;
use super::{POQ, answers, question};
use crate::context::Context;
use crate::error::AppResult;
use crate::tmf::Versioned;
use body::{Action, Body, ITEMS, Item};
use chrono::{DateTime, Utc};
use omni_core::Principal;
use omni_core::discovery::CatalogIndex;
use omni_core::eligibility::{EligibilityContext, ItemAction, Reason, item_reasons};
use omni_core::service_qualification::offering_serviceable;
use serde_json::{Map, Value, json};

/// Answers a TMF679 request document (`POST` on the collection) and stores
/// the answer; `correlation` is the conversation its event belongs to.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    document: Value,
    correlation: Option<&str>,
) -> AppResult<Versioned> {
    may_ask(principal)?;
    let (raw, body) = question::read::<Body>(POQ, document)?;
    body.check()?;
    let index = ctx.caches.catalog.get(&principal.tenant);
    let now = ctx.now();
    let catalog_href = format!("{}{}", ctx.config.public_url, crate::catalog::BASE);
    let answer = evaluate(&index, raw, &body, now, &catalog_href);
    answers::save(ctx, POQ, principal, answer, correlation, now).await
}

/// Why one item does not qualify; empty when it does.
fn reasons_of(
    index: &CatalogIndex,
    item: &Item,
    ctx: &EligibilityContext,
    place: Option<&str>,
) -> Vec<Reason> {
    let Some(target) = item.product_offering.as_ref().map(|o| o.id.as_str()) else {
        return Vec::new();
    };
    let action = match item.action() {
        Action::Add => ItemAction::Add,
        Action::Modify => ItemAction::Modify,
        Action::Delete => ItemAction::Delete,
        Action::NoChange => ItemAction::NoChange,
    };
    if matches!(action, ItemAction::Delete | ItemAction::NoChange) {
        return Vec::new();
    }
    let current = item.current().filter(|_| action == ItemAction::Modify);
    let mut reasons = item_reasons(index, action, target, current, ctx);
    if let Some(place) = place
        && let Err(r) = offering_serviceable(index, target, place)
        && !reasons.contains(&r)
    {
        reasons.push(r);
    }
    reasons
}

/// The answer: the request as sent, each item with its result, and the
/// attributes of a completed qualification.
fn evaluate(
    index: &CatalogIndex,
    mut raw: Map<String, Value>,
    body: &Body,
    now: DateTime<Utc>,
    catalog_href: &str,
) -> Map<String, Value> {
    let ctx = body.context(now);
    let place = body.place_ids().first().copied();
    let with_reasons = body.provide_unavailability_reason != Some(false);
    let mut all_qualified = true;
    let items: Vec<Value> = body
        .product_offering_qualification_item
        .iter()
        .zip(answers::sent_items(&mut raw, ITEMS))
        .map(|(item, mut out)| {
            let reasons = reasons_of(index, item, &ctx, place);
            all_qualified &= reasons.is_empty();
            out.insert("action".into(), json!(item.action().as_str()));
            if let Some(Value::Object(offering)) = out.get_mut("productOffering")
                && let Some(known) = item
                    .product_offering
                    .as_ref()
                    .and_then(|o| index.offering(&o.id))
            {
                offering.insert(
                    "href".into(),
                    json!(format!("{catalog_href}/productOffering/{}", known.id)),
                );
                if !offering.contains_key("name") {
                    offering.insert("name".into(), json!(known.name));
                }
            }
            answers::answer_item(&mut out, "qualificationItemResult", &reasons, with_reasons);
            Value::Object(out)
        })
        .collect();
    answers::stamp(POQ, &mut raw, all_qualified, now);
    raw.insert(ITEMS.into(), Value::Array(items));
    raw
}

#[cfg(test)]
mod tests {
    use super::*;
    use omni_core::discovery::CatalogSource;

    fn index() -> CatalogIndex {
        let offer = |id: &str, extra: Value| {
            let mut o = json!({"id": id, "name": format!("Offer {id}"), "lifecycleStatus": "Active",
                "productOfferingType": "Mobile_Offer", "channel": [{"id": "ECOMM"}], "paymentType": ["Postpaid"]});
            if let (Value::Object(o), Value::Object(e)) = (&mut o, extra) {
                o.extend(e);
            }
            o
        };
        CatalogIndex::build(
            &CatalogSource {
                offerings: vec![
                    offer(
                        "a",
                        json!({"productOfferingRelationship": [{"id": "b", "relationshipType": "swap"}]}),
                    ),
                    offer("b", json!({})),
                    offer("c", json!({"requiresExistingProduct": ["a"]})),
                ],
                ..CatalogSource::default()
            },
            Utc::now(),
        )
    }

    fn answer(request: Value) -> AppResult<Map<String, Value>> {
        let (raw, body) = question::read::<Body>(POQ, request)?;
        body.check()?;
        Ok(evaluate(&index(), raw, &body, Utc::now(), "http://x/tmf"))
    }

    fn results(answer: &Map<String, Value>) -> Vec<(String, Vec<String>)> {
        answer[ITEMS]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                let codes = i["eligibilityUnavailabilityReason"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["code"].as_str().map(str::to_string))
                    .collect();
                (
                    i["qualificationItemResult"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    codes,
                )
            })
            .collect()
    }

    #[test]
    fn items_swaps_and_existing_products() {
        let a = answer(json!({
            "channel": {"id": "ECOMM"}, "paymentType": "Prepaid", "note": [{"text": "kept"}],
            "productOfferingQualificationItem": [
                {"id": "1", "productOffering": {"id": "b"}},
                {"id": "2", "action": "modify", "productOffering": {"id": "b"}, "product": {"productOffering": {"id": "a"}}},
                {"id": "3", "action": "modify", "productOffering": {"id": "a"}, "product": {"productOffering": {"id": "c"}}},
                {"id": "4", "productOffering": {"id": "c"}},
                {"id": "5", "action": "delete", "product": {"productOffering": {"id": "zzz"}}},
            ]
        }))
        .expect("answer");
        let got = results(&a);
        let want = |r: &str, codes: &[&str]| {
            (
                r.to_string(),
                codes.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            got,
            [
                want("unqualified", &["PAYMENT_TYPE"]),
                want("unqualified", &["PAYMENT_TYPE"]),
                want("unqualified", &["PAYMENT_TYPE", "SWAP_NOT_ALLOWED"]),
                // Item 2 says the customer has an "a" product.
                want("unqualified", &["PAYMENT_TYPE"]),
                want("qualified", &[]),
            ]
        );
        assert_eq!(a["qualificationResult"], "unqualified");
        assert_eq!(a["state"], "done");
        assert_eq!(a["note"][0]["text"], "kept");
        assert_eq!(a[ITEMS][0]["action"], "add");
        assert_eq!(a[ITEMS][0]["productOffering"]["name"], "Offer b");
        assert_eq!(
            a[ITEMS][0]["productOffering"]["href"],
            "http://x/tmf/productOffering/b"
        );
    }

    #[test]
    fn reasons_can_be_left_out() {
        let a = answer(json!({
            "channel": {"id": "SelfService"}, "provideUnavailabilityReason": false,
            "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "a"}}]
        }))
        .expect("answer");
        assert_eq!(a[ITEMS][0]["qualificationItemResult"], "unqualified");
        assert!(a[ITEMS][0].get("eligibilityUnavailabilityReason").is_none());
    }
}
