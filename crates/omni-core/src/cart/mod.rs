//! Shopping carts (TMF663): the checks a cart's own content must pass and
//! the arithmetic of its prices. The HTTP layer composes these with
//! eligibility, service qualification, tenant rules and promotions.

mod pricing;
mod relationships;
mod resource;

pub use pricing::{
    ItemCharge, PricedItem, Reduction, TotalGroup, Totals, cart_totals, item_charges, item_totals,
    upfront_due,
};
pub use relationships::{RELATIONSHIP_TYPES, check_relationships, relationships};
pub use resource::SHOPPING_CART;

/// How long a cart lives after its last change, and when it is empty.
pub const ACTIVE_DAYS: i64 = 90;
pub const EMPTY_DAYS: i64 = 7;

/// Cart item statuses.
pub const ACTIVE: &str = "active";
pub const SAVED_FOR_LATER: &str = "savedForLater";

#[cfg(test)]
mod tests;
