//! The cart context of an add-on search (the Product Discovery page, seed
//! 002: `cartId` and `productOrderItemId` are "used to get the cart
//! context" when getting wireless add-ons). The named cart item's rate plan
//! decides which add-ons fit, by the same catalog rules care orders apply to
//! a line ([`OfferingFacts::fits_plan`], [`OfferingFacts::conflicts_with`]);
//! add-ons the cart already holds, and those conflicting with them, are
//! left out of the answer.

use crate::care::{CareCatalog, OfferingFacts};
use crate::document::FieldError;
use serde_json::Value;

/// What the cart says about the line an add-on would join.
#[derive(Debug, Clone, PartialEq)]
pub struct CartLine {
    /// The rate plan's offering id.
    pub plan: String,
    /// Add-ons the cart already holds.
    pub held: Vec<OfferingFacts>,
}

fn offering_of(item: &Value) -> Option<&str> {
    item.pointer("/productOffering/id").and_then(Value::as_str)
}

fn id_of(item: &Value) -> Option<&str> {
    item.get("id").and_then(Value::as_str)
}

/// The ids of the items `item` names in `cartItemRelationship`.
fn related_ids(item: &Value) -> Vec<&str> {
    crate::cart::relationships(item).map(|(id, _)| id).collect()
}

impl CartLine {
    /// The line of cart item `item_id` of `cart` (a stored TMF663 cart). Its
    /// plan is the item itself when it is a rate plan, else a rate plan the
    /// item is related to (`cartItemRelationship`, either way), else the
    /// cart's only rate plan. An item the cart lacks, or one with no plan,
    /// is refused naming `productOrderItemId`.
    pub fn read(
        cart: &Value,
        item_id: &str,
        catalog: &dyn CareCatalog,
    ) -> Result<Self, FieldError> {
        let items: &[Value] = cart
            .get("cartItem")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let Some(item) = items.iter().find(|i| id_of(i) == Some(item_id)) else {
            return Err(FieldError::new(
                "productOrderItemId",
                format!("'{item_id}' is not an item of the cart"),
            ));
        };
        let plan_of = |i: &Value| {
            offering_of(i)
                .and_then(|o| catalog.offering(o))
                .filter(OfferingFacts::is_rate_plan)
        };
        let mine = related_ids(item);
        let related = items.iter().filter(|other| {
            id_of(other).is_some_and(|id| mine.contains(&id))
                || related_ids(other).contains(&item_id)
        });
        let plans: Vec<OfferingFacts> = items.iter().filter_map(plan_of).collect();
        let plan = plan_of(item)
            .or_else(|| related.filter_map(plan_of).next())
            .or_else(|| (plans.len() == 1).then(|| plans[0].clone()));
        let Some(plan) = plan else {
            return Err(FieldError::new(
                "productOrderItemId",
                format!("item '{item_id}' of the cart has no rate plan to add add-ons to"),
            ));
        };
        let held = items
            .iter()
            .filter_map(|i| offering_of(i).and_then(|o| catalog.offering(o)))
            .filter(OfferingFacts::is_addon)
            .collect();
        Ok(Self {
            plan: plan.id,
            held,
        })
    }

    /// Whether offering `facts` belongs in the answer: anything but an
    /// add-on does; an add-on must fit the plan, not be held already, and
    /// not conflict with one held.
    pub fn offers(&self, facts: &OfferingFacts) -> bool {
        !facts.is_addon()
            || (facts.fits_plan(&self.plan)
                && !self
                    .held
                    .iter()
                    .any(|h| h.id == facts.id || h.conflicts_with(facts)))
    }
}
