//! The TMF679 request as Omni reads it, and the rules it must follow
//! (`channel.id`, one to 1000 items with unique ids, an offering for `add`
//! and `modify`, short non-blank texts, at most one service address). What
//! it says of the customer becomes the eligibility engine's context.

use crate::error::AppResult;
use crate::qualification::question::Problems;
use chrono::{DateTime, Utc};
use omni_core::eligibility::EligibilityContext;
use serde::Deserialize;

pub(super) const ITEMS: &str = "productOfferingQualificationItem";

#[derive(Debug, Deserialize)]
pub(super) struct IdRef {
    pub(super) id: String,
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
pub(super) enum Action {
    Add,
    Modify,
    Delete,
    NoChange,
}

impl Action {
    pub(super) fn as_str(self) -> &'static str {
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
pub(super) struct Item {
    pub(super) id: String,
    action: Option<Action>,
    pub(super) product_offering: Option<IdRef>,
    product: Option<ProductRef>,
}

impl Item {
    pub(super) fn action(&self) -> Action {
        self.action.unwrap_or(Action::Add)
    }

    /// The offering of the product the item changes, when it names one.
    pub(super) fn current(&self) -> Option<&str> {
        self.product
            .as_ref()
            .and_then(|p| p.product_offering.as_ref())
            .map(|o| o.id.as_str())
    }
}

/// The body as far as Omni reads it; everything else is kept as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Body {
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
    pub(super) product_offering_qualification_item: Vec<Item>,
    pub(super) provide_unavailability_reason: Option<bool>,
}

impl Body {
    /// Every rule of the request Omni checks by hand, all failures at once.
    pub(super) fn check(&self) -> AppResult<()> {
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
        p.count(ITEMS, items.len());
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

    /// The service address ids named in `place`, each once.
    pub(super) fn place_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.place.iter().filter_map(|p| p.id.as_deref()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The customer's situation as the eligibility engine reads it.
    pub(super) fn context(&self, now: DateTime<Utc>) -> EligibilityContext {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn field_of(request: Value) -> String {
        let checked =
            crate::request::decode::<Body>(&request).and_then(|body| body.check().map(|()| body));
        match checked {
            Err(e) => e
                .details()
                .first()
                .map(|d| d.field.clone())
                .unwrap_or_default(),
            Ok(body) => panic!("accepted: {body:?}"),
        }
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
        // A number where an action belongs is named as such (decoded from the
        // text again, it was once refused as "body: is not valid JSON").
        assert_eq!(
            field_of(
                json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1", "action": 5, "productOffering": {"id": "a"}}]})
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
