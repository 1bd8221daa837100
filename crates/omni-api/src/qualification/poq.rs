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

use super::{Problems, check_count, read_body, stamp, store};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use omni_core::discovery::CatalogIndex;
use omni_core::eligibility::{EligibilityContext, Reason, may_swap, qualify};
use omni_core::service_qualification::offering_serviceable;
use serde::Deserialize;
use serde_json::{Map, Value, json};

const ITEMS: &str = "productOfferingQualificationItem";

#[derive(Debug, Deserialize)]
struct IdRef {
    id: String,
}

#[derive(Debug, Deserialize)]
struct PlaceRef {
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductRef {
    product_offering: Option<IdRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Action {
    Add,
    Modify,
    Delete,
    NoChange,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Modify => "modify",
            Self::Delete => "delete",
            Self::NoChange => "noChange",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: String,
    action: Option<Action>,
    product_offering: Option<IdRef>,
    product: Option<ProductRef>,
}

impl Item {
    fn action(&self) -> Action {
        self.action.unwrap_or(Action::Add)
    }

    /// The offering of the product the item changes, when it names one.
    fn current(&self) -> Option<&str> {
        self.product
            .as_ref()
            .and_then(|p| p.product_offering.as_ref())
            .map(|o| o.id.as_str())
    }
}

/// The body as far as Omni reads it; everything else is kept as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    channel: IdRef,
    #[serde(default)]
    related_party: Vec<IdRef>,
    #[serde(default)]
    place: Vec<PlaceRef>,
    customer_type: Option<String>,
    customer_sub_type: Option<String>,
    payment_type: Option<String>,
    credit_class: Option<String>,
    market: Option<String>,
    #[serde(default)]
    existing_product_offering: Vec<IdRef>,
    product_offering_qualification_item: Vec<Item>,
    provide_unavailability_reason: Option<bool>,
}

impl Body {
    fn check(&self) -> Result<(), ApiError> {
        let mut p = Problems::default();
        p.text("channel.id", &self.channel.id);
        for (field, value) in [
            ("customerType", &self.customer_type),
            ("customerSubType", &self.customer_sub_type),
            ("paymentType", &self.payment_type),
            ("creditClass", &self.credit_class),
            ("market", &self.market),
        ] {
            p.optional_text(field, value);
        }
        for (i, party) in self.related_party.iter().enumerate() {
            p.text(format!("relatedParty[{i}].id"), &party.id);
        }
        for (i, o) in self.existing_product_offering.iter().enumerate() {
            p.text(format!("existingProductOffering[{i}].id"), &o.id);
        }
        for (i, place) in self.place.iter().enumerate() {
            if let Some(id) = &place.id {
                p.text(format!("place[{i}].id"), id);
            }
        }
        if self.place_ids().len() > 1 {
            p.add("place", "may name at most one service address");
        }
        let items = &self.product_offering_qualification_item;
        check_count(&mut p, ITEMS, items.len());
        p.unique_ids(ITEMS, items.iter().map(|i| i.id.as_str()).enumerate());
        for (i, item) in items.iter().enumerate() {
            p.text(format!("{ITEMS}[{i}].id"), &item.id);
            match (&item.product_offering, item.action()) {
                (Some(o), _) => p.text(format!("{ITEMS}[{i}].productOffering.id"), &o.id),
                (None, Action::Add | Action::Modify) => p.add(
                    format!("{ITEMS}[{i}].productOffering"),
                    format!("is required when action is {}", item.action().as_str()),
                ),
                (None, Action::Delete | Action::NoChange) if item.current().is_none() => p.add(
                    format!("{ITEMS}[{i}].productOffering"),
                    format!(
                        "is required (or product.productOffering) when action is {}",
                        item.action().as_str()
                    ),
                ),
                (None, _) => {}
            }
            if let Some(current) = item.current() {
                p.text(format!("{ITEMS}[{i}].product.productOffering.id"), current);
            }
        }
        p.finish()
    }

    fn place_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.place.iter().filter_map(|p| p.id.as_deref()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn context(&self, now: DateTime<Utc>) -> EligibilityContext {
        let mut existing: Vec<String> = self
            .existing_product_offering
            .iter()
            .map(|o| o.id.clone())
            .collect();
        existing.extend(
            self.product_offering_qualification_item
                .iter()
                .filter(|i| matches!(i.action(), Action::Modify | Action::NoChange))
                .filter_map(|i| i.current().map(str::to_string)),
        );
        EligibilityContext {
            channel: self.channel.id.clone(),
            customer_type: self.customer_type.clone(),
            customer_sub_type: self.customer_sub_type.clone(),
            payment_type: self.payment_type.clone(),
            credit_class: self.credit_class.clone(),
            market: self.market.clone(),
            existing_offering_ids: existing,
            now,
        }
    }
}

/// Why one item does not qualify; empty when it does.
fn item_reasons(
    index: &CatalogIndex,
    item: &Item,
    ctx: &EligibilityContext,
    place: Option<&str>,
) -> Vec<Reason> {
    let Some(target) = item.product_offering.as_ref().map(|o| o.id.as_str()) else {
        return Vec::new();
    };
    let mut reasons = match item.action() {
        Action::Delete | Action::NoChange => return Vec::new(),
        Action::Add | Action::Modify => qualify(index, target, ctx),
    };
    let mut extra = Vec::new();
    if item.action() == Action::Modify
        && let Some(current) = item.current()
        && current != target
        && let Err(r) = may_swap(index, current, target)
    {
        extra.push(r);
    }
    if let Some(place) = place
        && let Err(r) = offering_serviceable(index, target, place)
    {
        extra.push(r);
    }
    for r in extra {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
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
    let sent: Vec<Value> = match raw.remove(ITEMS) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let mut all_qualified = true;
    let items: Vec<Value> = body
        .product_offering_qualification_item
        .iter()
        .zip(sent)
        .map(|(item, sent)| {
            let reasons = item_reasons(index, item, &ctx, place);
            all_qualified &= reasons.is_empty();
            let mut out = match sent {
                Value::Object(map) => map,
                _ => Map::new(),
            };
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
            out.insert("state".into(), json!(super::DONE));
            let result = if reasons.is_empty() {
                "qualified"
            } else {
                "unqualified"
            };
            out.insert("qualificationItemResult".into(), json!(result));
            if !reasons.is_empty() && with_reasons {
                out.insert("eligibilityUnavailabilityReason".into(), json!(reasons));
            }
            Value::Object(out)
        })
        .collect();
    let result = if all_qualified {
        "qualified"
    } else {
        "unqualified"
    };
    stamp(super::POQ, &mut raw, result, now);
    raw.insert(ITEMS.into(), Value::Array(items));
    raw
}

pub(super) async fn create(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let (raw, body) = read_body::<Body>(super::POQ, &principal, &state, request).await?;
    body.check()?;
    let index = state.ctx.caches.catalog.get(&principal.tenant);
    let now = Utc::now();
    let catalog_href = format!("{}{}", state.ctx.config.public_url, crate::catalog::BASE);
    let answer = evaluate(&index, raw, &body, now, &catalog_href);
    store(super::POQ, &state, &principal, &headers, answer, now).await
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

    fn answer(request: Value) -> Result<Map<String, Value>, ApiError> {
        let text = serde_json::to_vec(&request).map_err(|_| ApiError::internal())?;
        let body: Body = crate::extract::decode(&text)?;
        body.check()?;
        let Value::Object(raw) = request else {
            return Err(ApiError::bad_request("not an object"));
        };
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

    #[test]
    fn bad_bodies_name_the_field() {
        let item = json!([{"id": "1", "productOffering": {"id": "a"}}]);
        assert_eq!(
            field_of(json!({"productOfferingQualificationItem": item})),
            "channel"
        );
        assert_eq!(
            field_of(json!({"channel": {"id": " "}, "productOfferingQualificationItem": item})),
            "channel.id"
        );
        assert_eq!(field_of(json!({"channel": {"id": "ECOMM"}})), ITEMS);
        assert_eq!(
            field_of(json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": []})),
            ITEMS
        );
        assert_eq!(
            field_of(
                json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"productOffering": {"id": "a"}}]})
            ),
            "productOfferingQualificationItem[0].id"
        );
        assert_eq!(
            field_of(
                json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1"}]})
            ),
            "productOfferingQualificationItem[0].productOffering"
        );
        assert_eq!(
            field_of(
                json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1", "action": "upgrade", "productOffering": {"id": "a"}}]})
            ),
            "productOfferingQualificationItem[0].action"
        );
        assert_eq!(
            field_of(
                json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [
                {"id": "1", "productOffering": {"id": "a"}}, {"id": "1", "productOffering": {"id": "b"}}]})
            ),
            "productOfferingQualificationItem[1].id"
        );
        assert_eq!(
            field_of(
                json!({"channel": {"id": "ECOMM"}, "creditClass": 3, "productOfferingQualificationItem": item})
            ),
            "creditClass"
        );
        assert_eq!(
            field_of(
                json!({"channel": {"id": "ECOMM"}, "place": [{"id": "p1", "role": "a"}, {"id": "p2", "role": "b"}],
                "productOfferingQualificationItem": item})
            ),
            "place"
        );
    }
}
