//! The TMF679 request as Omni reads it, and the rules it must follow
//! (`channel.id`, one to 1000 items with unique ids, short non-blank texts,
//! at most one service address, and what each item names: "at least a
//! category OR a productOffering OR a product must be provided per item",
//! the TMF679 conformance profile). What it says of the customer becomes
//! the eligibility engine's context, unless the customer's own facts
//! (their accounts here) replace it.

use crate::cart::customer::CustomerFacts;
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
    id: Option<String>,
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
    pub(super) category: Option<IdRef>,
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

    /// The id of the customer's product the item changes, when it names one.
    pub(super) fn product_id(&self) -> Option<&str> {
        self.product.as_ref().and_then(|p| p.id.as_deref())
    }

    /// The offering of the product the item changes: named, or that of the
    /// customer's product `product.id` among `products` (product id and its
    /// offering, from the customer's inventory).
    pub(super) fn current_in<'a>(&'a self, products: &'a [(String, String)]) -> Option<&'a str> {
        self.current().or_else(|| {
            let id = self.product_id()?;
            products
                .iter()
                .find(|(product, _)| product == id)
                .map(|(_, offering)| offering.as_str())
        })
    }

    /// What the item must name for its action (the profile: a category, a
    /// productOffering or a product): `add` an offering or a category;
    /// `modify`, `delete` and `noChange` an offering or the product changed.
    fn check(&self, at: &str, p: &mut Problems) {
        let action = self.action().as_str();
        let names_product = self.current().is_some() || self.product_id().is_some();
        if let Some(o) = &self.product_offering {
            p.text(format!("{at}.productOffering.id"), &o.id);
        }
        if let Some(c) = &self.category {
            p.text(format!("{at}.category.id"), &c.id);
        }
        if let Some(current) = self.current() {
            p.text(format!("{at}.product.productOffering.id"), current);
        }
        if let Some(id) = self.product_id() {
            p.text(format!("{at}.product.id"), id);
        }
        match (self.action(), &self.product_offering, &self.category) {
            (Action::Add, Some(_), Some(_)) => p.add(
                format!("{at}.category"),
                "name either productOffering or category, not both",
            ),
            (Action::Add, None, None) => p.add(
                format!("{at}.productOffering"),
                "is required (or category) when action is add",
            ),
            (_, _, Some(_)) if self.action() != Action::Add => p.add(
                format!("{at}.category"),
                format!("is only for action add, not {action}"),
            ),
            (_, None, _) if self.action() != Action::Add && !names_product => p.add(
                format!("{at}.productOffering"),
                format!("is required (or product) when action is {action}"),
            ),
            _ => {}
        }
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
    pub(super) provide_alternative: Option<bool>,
    pub(super) provide_only_available: Option<bool>,
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
            let at = format!("{ITEMS}[{i}]");
            p.text(format!("{at}.id"), &item.id);
            item.check(&at, &mut p);
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

    /// The customer's situation as the eligibility engine reads it: the
    /// customer's own facts when their party has accounts here (the same
    /// facts carts use), else what the request says; the products the
    /// items change count as held either way.
    pub(super) fn context(
        &self,
        now: DateTime<Utc>,
        facts: Option<&CustomerFacts>,
    ) -> EligibilityContext {
        let mut ctx = EligibilityContext {
            channel: self.channel.id.clone(),
            customer_type: self.customer_type.clone(),
            customer_sub_type: self.customer_sub_type.clone(),
            payment_type: self.payment_type.clone(),
            credit_class: self.credit_class.clone(),
            market: self.market.clone(),
            existing_offering_ids: self
                .existing_product_offering
                .iter()
                .map(|o| o.id.clone())
                .collect(),
            now,
        };
        if let Some(facts) = facts {
            facts.apply(&mut ctx);
        }
        let products = facts.map_or(&[][..], |f| f.products.as_slice());
        ctx.existing_offering_ids.extend(
            self.product_offering_qualification_item
                .iter()
                .filter(|i| matches!(i.action(), Action::Modify | Action::NoChange))
                .filter_map(|i| i.current_in(products).map(str::to_string)),
        );
        ctx
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
                json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1", "action": "modify", "category": {"id": "c"}}]})
            ),
            "productOfferingQualificationItem[0].category"
        );
        assert_eq!(
            field_of(
                json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1", "category": {"id": "c"}, "productOffering": {"id": "a"}}]})
            ),
            "productOfferingQualificationItem[0].category"
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
