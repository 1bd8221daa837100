//! `POST /tmf-api/productOfferingQualification/v4/productOfferingQualification`:
//! may this customer buy these offerings in this channel?
//!
//! The TMF679 body names the channel (`channel.id`, required), the items
//! (`productOfferingQualificationItem[]`: `id`, `action`, and a
//! `productOffering`, a `category` or a `product`) and optionally `place[]`
//! (a service address id: offerings that need service qualification are
//! then checked there too) and `relatedParty[]`. The party of role
//! customer (a customer principal: themselves) is judged on their own facts
//! from the inventory, the ones carts use (`cart::customer::load`); for
//! anyone else Omni reads these extensions: `customerType`,
//! `customerSubType`, `paymentType`, `creditClass` (matched against the
//! offering's `creditRisk`), `market`, and `existingProductOffering[]`
//! (`{id}` of offerings whose products the customer has).
//!
//! Actions: `add` (the default) qualifies the offering, or each offering of
//! the category (the item qualifies when one does; those are proposed);
//! `modify` qualifies the target `productOffering` (without one, the
//! product's own offering) and, when the product's offering is known
//! (`product.productOffering.id`, or `product.id` among the customer's
//! products), also checks that it may be swapped for the target; `delete`
//! and `noChange` always qualify. The offering of a `modify` or `noChange`
//! item's `product` counts as a product the customer has.
//!
//! `provideAlternative`, `provideOnlyAvailable` and
//! `provideUnavailabilityReason` are read as the TMF679 specification
//! describes them (see `Asked::evaluate`); every answer carries what the
//! TMF679 conformance profile makes mandatory.
//!
//! The request's way: `omni-api`'s handler reads the JSON document and
//! calls [`create`], which checks who may ask (`access.rs`), reads the
//! document (`question.rs`) and its rules (`poq/body.rs`),
//! answers each item from the tenant's catalog index, and stores the answer
//! with its create event (`answers.rs`) in one write.

mod body;

use super::access::{customer_party, may_ask};
use super::{POQ, answers, question};
use crate::cart::customer::{self, CustomerFacts};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::tmf::Versioned;
use body::{Action, Body, ITEMS, Item};
use chrono::{DateTime, Utc};
use omni_core::Principal;
use omni_core::discovery::CatalogIndex;
use omni_core::eligibility::{EligibilityContext, ItemAction, Reason, ReasonCode, item_reasons};
use omni_core::service_qualification::offering_serviceable;
use serde_json::{Map, Value, json};

/// Most offerings proposed for one item (alternatives, or a category's).
const MAX_PROPOSALS: usize = 20;

/// Answers a TMF679 request document (`POST` on the collection) and stores
/// the answer; `correlation` is the conversation its event belongs to.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    document: Value,
    correlation: Option<&str>,
) -> AppResult<Versioned> {
    may_ask(principal)?;
    let (mut raw, body) = question::read::<Body>(POQ, document)?;
    body.check()?;
    let facts = match customer_party(principal, &mut raw)? {
        Some(party) => customer::load(ctx.store(), &principal.tenant, &party).await?,
        None => None,
    };
    let index = ctx.caches.catalog.get(&principal.tenant);
    let now = ctx.now();
    let catalog_href = format!("{}{}", ctx.config.public_url, crate::catalog::BASE);
    let asked = Asked {
        index: &index,
        body: &body,
        facts: facts.as_ref(),
        catalog_href: &catalog_href,
    };
    let answer = asked.evaluate(raw, now)?;
    answers::save(ctx, POQ, principal, answer, correlation, now).await
}

/// One question and what answers it.
struct Asked<'a> {
    index: &'a CatalogIndex,
    body: &'a Body,
    facts: Option<&'a CustomerFacts>,
    catalog_href: &'a str,
}

/// One item's answer: why the offering does not qualify (empty when it
/// does) and the qualifying offerings proposed instead (or, for a
/// category, the category's qualifying offerings).
struct Judged {
    reasons: Vec<Reason>,
    proposals: Vec<String>,
}

impl Asked<'_> {
    fn products(&self) -> &[(String, String)] {
        self.facts.map_or(&[][..], |f| f.products.as_slice())
    }

    /// Why offering `target` does not qualify for this item's action; the
    /// one per-item decision is `item_reasons`, the one carts call.
    fn reasons(
        &self,
        action: ItemAction,
        target: &str,
        current: Option<&str>,
        ctx: &EligibilityContext,
    ) -> Vec<Reason> {
        let mut reasons = item_reasons(self.index, action, target, current, ctx);
        if let Some(place) = self.body.place_ids().first()
            && let Err(r) = offering_serviceable(self.index, target, place)
            && !reasons.contains(&r)
        {
            reasons.push(r);
        }
        reasons
    }

    /// The offerings of `candidates` that qualify as added, in catalog order.
    fn qualifying<'o>(
        &self,
        candidates: impl Iterator<Item = &'o str>,
        ctx: &EligibilityContext,
    ) -> Vec<String> {
        candidates
            .filter(|id| self.reasons(ItemAction::Add, id, None, ctx).is_empty())
            .take(MAX_PROPOSALS)
            .map(str::to_string)
            .collect()
    }

    /// Other offerings filed under a category of `target` that qualify:
    /// what `provideAlternative` proposes for an unqualified offering.
    fn alternatives(&self, target: &str, ctx: &EligibilityContext) -> Vec<String> {
        let Some(offering) = self.index.offering(target) else {
            return Vec::new();
        };
        let mut seen = vec![target];
        let mut candidates = Vec::new();
        for category in &offering.categories {
            for o in self.index.offerings_in_category(category) {
                if !seen.contains(&&*o.id) {
                    seen.push(&*o.id);
                    candidates.push(&*o.id);
                }
            }
        }
        self.qualifying(candidates.into_iter(), ctx)
    }

    fn judge(&self, at: &str, item: &Item, ctx: &EligibilityContext) -> AppResult<Judged> {
        let action = match item.action() {
            Action::Add => ItemAction::Add,
            Action::Modify => ItemAction::Modify,
            // Removing or keeping a product always qualifies.
            Action::Delete | Action::NoChange => {
                return Ok(Judged {
                    reasons: Vec::new(),
                    proposals: Vec::new(),
                });
            }
        };
        if let Some(category) = &item.category {
            return Ok(self.judge_category(&category.id, ctx));
        }
        let current = item.current_in(self.products());
        let target = match (&item.product_offering, current) {
            (Some(o), _) => &*o.id,
            (None, Some(current)) => current,
            (None, None) => {
                return Err(AppError::field(
                    format!("{at}.product.id"),
                    "is not a live product of the customer (relatedParty with role customer)",
                ));
            }
        };
        let reasons = self.reasons(action, target, current, ctx);
        let proposals = if !reasons.is_empty() && self.body.provide_alternative == Some(true) {
            self.alternatives(target, ctx)
        } else {
            Vec::new()
        };
        Ok(Judged { reasons, proposals })
    }

    /// A category item qualifies when one of its offerings does; those are
    /// proposed. When none does, the reasons are each offering's, one per
    /// code.
    fn judge_category(&self, category: &str, ctx: &EligibilityContext) -> Judged {
        let offerings = self.index.offerings_in_category(category);
        let proposals = self.qualifying(offerings.iter().map(|o| &*o.id), ctx);
        if !proposals.is_empty() {
            return Judged {
                reasons: Vec::new(),
                proposals,
            };
        }
        let mut reasons: Vec<Reason> = Vec::new();
        for o in &offerings {
            for r in self.reasons(ItemAction::Add, &o.id, None, ctx) {
                if !reasons.iter().any(|have| have.code == r.code) {
                    reasons.push(r);
                }
            }
        }
        if reasons.is_empty() {
            reasons.push(Reason::new(
                ReasonCode::NotFound,
                format!("The catalog has no offering in category '{category}'"),
            ));
        }
        Judged {
            reasons,
            proposals: Vec::new(),
        }
    }

    /// A reference to offering `id` as answers name it.
    fn offering_ref(&self, id: &str) -> Value {
        let mut out =
            json!({"id": id, "href": format!("{}/productOffering/{id}", self.catalog_href)});
        if let Some(known) = self.index.offering(id) {
            out["name"] = json!(known.name);
        }
        out
    }

    /// The answer: the request as sent, each item with its result, and the
    /// attributes of a completed qualification. With `provideOnlyAvailable`
    /// the items that do not qualify are left out (the overall result still
    /// counts them).
    fn evaluate(
        &self,
        mut raw: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> AppResult<Map<String, Value>> {
        let ctx = self.body.context(now, self.facts);
        let with_reasons = self.body.provide_unavailability_reason != Some(false);
        let only_available = self.body.provide_only_available == Some(true);
        let mut all_qualified = true;
        let mut items = Vec::new();
        for (i, (item, mut out)) in self
            .body
            .product_offering_qualification_item
            .iter()
            .zip(answers::sent_items(&mut raw, ITEMS))
            .enumerate()
        {
            let judged = self.judge(&format!("{ITEMS}[{i}]"), item, &ctx)?;
            let qualified = judged.reasons.is_empty();
            all_qualified &= qualified;
            out.insert("action".into(), json!(item.action().as_str()));
            if let Some(Value::Object(offering)) = out.get_mut("productOffering")
                && let Some(known) = item
                    .product_offering
                    .as_ref()
                    .and_then(|o| self.index.offering(&o.id))
            {
                offering.insert(
                    "href".into(),
                    json!(format!(
                        "{}/productOffering/{}",
                        self.catalog_href, known.id
                    )),
                );
                if !offering.contains_key("name") {
                    offering.insert("name".into(), json!(known.name));
                }
            }
            answers::answer_item(
                &mut out,
                "qualificationItemResult",
                &judged.reasons,
                with_reasons,
            );
            if !judged.proposals.is_empty() {
                if !qualified {
                    // TMF679: "alternate (requested not available but
                    // proposal available)".
                    out.insert("qualificationItemResult".into(), json!("alternate"));
                }
                let proposals: Vec<Value> = judged
                    .proposals
                    .iter()
                    .enumerate()
                    .map(|(n, id)| {
                        json!({"id": (n + 1).to_string(),
                               "alternateProductOffering": self.offering_ref(id)})
                    })
                    .collect();
                out.insert("alternateProductOfferingProposal".into(), json!(proposals));
            }
            if qualified || !only_available {
                items.push(Value::Object(out));
            }
        }
        answers::stamp(POQ, &mut raw, all_qualified, now);
        raw.insert(
            "productOfferingQualificationDate".into(),
            json!(omni_core::time::rfc3339(now)),
        );
        raw.insert(ITEMS.into(), Value::Array(items));
        Ok(raw)
    }
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
        let index = index();
        let asked = Asked {
            index: &index,
            body: &body,
            facts: None,
            catalog_href: "http://x/tmf",
        };
        asked.evaluate(raw, Utc::now())
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
