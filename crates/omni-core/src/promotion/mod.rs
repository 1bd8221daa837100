//! TMF671 promotions: the resource rules ([`resource`]), the parsed form the
//! engine reads ([`model`]) and the engine that applies promotions to a priced
//! cart ([`engine`]). Pure: the caller passes the cart, the promotions and
//! `now`; nothing here reads a clock or a database.
//!
//! # How criteria and actions are written
//!
//! A promotion is a TMF671 `Promotion`. Its conditions and benefits live in
//! `pattern[]`; [`ENCODING`] is the reference (also served in the OpenAPI
//! document and in `data/README.md`).
//!
//! # How promotions combine
//!
//! * A promotion applies when it is live (`lifecycleStatus` is `Active`,
//!   `Launched` or `release`), `now` is inside its `validFor` and inside the
//!   `validFor` of one of its patterns, and that pattern's criteria hold for
//!   the whole cart and context. Of several patterns whose criteria hold, the
//!   one with the lowest `priority` (then the first listed) is the one used:
//!   patterns are tiers, a promotion applies at most one of them.
//! * Promotions apply one after another, in ascending `priority` of the
//!   pattern used (TMF671: "smaller number means high"; a pattern without a
//!   priority comes after every numbered one), ties broken by promotion `id`.
//!   A percentage is taken of what is left of the price after the promotions
//!   applied before it, and no reduction takes a price below zero.
//! * `isExclusive: true` on a promotion: it does not combine with any other
//!   promotion on the same cart item. It applies to an item only if no
//!   promotion applied to that item before it, and once it applied, none
//!   after it does. The earlier promotion in the order above wins the item
//!   (equal priority: the smaller id). Items it does not touch stay open.

pub mod engine;
pub mod model;
pub mod resource;

#[cfg(test)]
mod tests;

pub use engine::{AppliedPromotion, LinePrice, PricedLine, PromotionContext, apply};
pub use model::Promotion;
pub use resource::{KIND, PROMOTION_RESOURCE, VERSION_COUNTER, check};
pub use rust_decimal::Decimal;

/// The encoding of criteria and actions, as documented for API clients.
pub const ENCODING: &str = r#"Criteria and actions are written in `pattern[]` (TMF671 PromotionPattern):

```json
{"name": "Premium + phone", "priority": 20,
 "criteriaGroupLogicalRelationship": "AND",
 "criteriaGroup": [{"groupName": "plan", "criteriaLogicalRelationship": "AND", "criteria": [
    {"criteriaParameter": "productOffering.id", "criteriaOperator": "=", "criteriaValue": "planA,planB"},
    {"criteriaParameter": "category.id", "criteriaOperator": "=", "criteriaValue": "Mobile_Phones"}]}],
 "action": [{"actionType": "amountOff", "actionValue": "10.00", "priceType": "recurring", "durationMonths": 12}]}
```

**Criteria** (`criteriaParameter`, `criteriaOperator`, `criteriaValue`, all strings). A list value is comma-separated; `=` means "one of", `<>` "none of".

| criteriaParameter | operators | criteriaValue | holds when |
|---|---|---|---|
| `productOffering.id` | `=` `<>` | offering ids | the cart has (`=`) or has not (`<>`) an item of one of these offerings |
| `category.id` | `=` `<>` | category ids | the cart has (or has not) an item in one of these categories |
| `productOffering[ID,ID].quantity` | `=` `<>` `>` `>=` `<` `<=` | whole number | the summed quantity of the items of these offerings compares so |
| `category[ID,ID].quantity` | same | whole number | the summed quantity of the items in these categories compares so |
| `channel.id` | `=` `<>` | channel ids | the cart's channel is (not) one of these (case-insensitive) |
| `customerType` | `=` `<>` | customer types | the customer's type is (not) one of these; `=` fails when it is unknown |
| `couponCode` | `=` | codes (1-40 letters, digits, `-`, `_`) | the buyer entered one of these codes (case-insensitive) |

Criteria of a group combine by its `criteriaLogicalRelationship` (`AND`, the default, or `OR`); groups combine by the pattern's `criteriaGroupLogicalRelationship` (`AND` default, `OR`). Dates are not criteria: the promotion's `validFor` and the pattern's `validFor` (start inclusive, end exclusive) bound when it applies.

**Actions** (`action[]`):

| field | meaning |
|---|---|
| `actionType` | `amountOff` (an amount off each unit) or `percentOff` (a percentage of the price) |
| `actionValue` | decimal string with at most two decimals: the amount (e.g. `"10.00"`, not negative) or the percentage (`"0"` to `"100"`) |
| `priceType` | Omni extension, required: the prices reduced, `oneTime`, `recurring` or `installment` |
| `durationMonths` | Omni extension, optional, recurring and installment only: how many months the reduction lasts (absent: as long as the price) |
| `maxQuantity` | Omni extension, optional: at most this many units across the cart get the benefit, the cheapest first (buy-one-get-one) |
| `unit` | Omni extension, optional, `amountOff` only: currency of the amount (default `USD`); prices in other currencies are not reduced |
| `actionEntityRef` | optional `{id, @referredType}`: the items reduced are those of this offering (`ProductOffering`, the default) or category (`Category`). Absent: the items the pattern's criteria matched (items named by `productOffering.id =`, `category.id =` and quantity criteria that hold), or every item when the pattern has no item criteria |

Amounts are per unit: an item of quantity 2 gets twice the amount off. A percentage applies to what earlier promotions left of the price. `isExclusive: true` (Omni extension on the promotion) keeps the promotion from combining with any other on the same item. Lower `priority` applies first; equal priorities go by promotion id."#;
