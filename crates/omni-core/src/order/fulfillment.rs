//! Fulfillment: how the physical part of an order reaches the customer.
//!
//! `POST /fulfillment-options` answers [`options`]; `POST
//! /order/{id}/fulfillment` passes the partner's choice to [`choose`] and
//! stores the [`Fulfillment`]. Only items with [`ItemFacts::physical`] need
//! it: an order of plans, add-ons, eSIMs and BYOD devices has nothing to send,
//! and its options say [`Need::NotRequired`] so the order's validation marks
//! the step `notRequired` rather than waiting forever.
//!
//! | option id | what | price | business days |
//! |---|---|---|---|
//! | `standardShipping` | Standard shipping | 0.00 USD | 3-5 |
//! | `expressShipping` | Express shipping | 14.99 USD | 2 |
//! | `overnightShipping` | Overnight shipping | 29.99 USD | 1 |
//! | `storePickup` | Pick up in store, at one of the stores listed | 0.00 USD | 0 (same day) |
//!
//! `storePickup` is offered only when the caller passes stores (those near
//! the customer, stocked, open); the choice then names one of them.

use super::{InputError, ItemFacts, Money};
use crate::inventory::UsAddress;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub const STANDARD_SHIPPING: &str = "standardShipping";
pub const EXPRESS_SHIPPING: &str = "expressShipping";
pub const OVERNIGHT_SHIPPING: &str = "overnightShipping";
pub const STORE_PICKUP: &str = "storePickup";

/// `(id, name, price in cents, min days, max days)`.
const SHIPPING: [(&str, &str, i64, u32, u32); 3] = [
    (STANDARD_SHIPPING, "Standard shipping", 0, 3, 5),
    (EXPRESS_SHIPPING, "Express shipping", 1499, 2, 2),
    (OVERNIGHT_SHIPPING, "Overnight shipping", 2999, 1, 1),
];

/// Currency of every fulfillment price.
pub const CURRENCY: &str = "USD";

/// USPS codes a shipping address's `state` may take: the states, DC, the
/// territories and the armed forces codes.
pub const US_STATES: [&str; 59] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP", "AA", "AE", "AP",
];

/// Longest address line or city.
pub const MAX_ADDRESS_TEXT: usize = 100;

/// A store where items can be picked up, as the caller knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Store {
    pub id: String,
    pub name: String,
    pub address: UsAddress,
    /// Opening hours as shown to people, e.g. `Mon-Sat 10:00-20:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
}

/// Whether the order has anything to ship or hand over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Need {
    Required,
    NotRequired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FulfillmentType {
    Shipping,
    StorePickup,
}

/// The answer of `POST /fulfillment-options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOptions {
    pub need: Need,
    /// The physical items, which every option delivers together.
    pub item_ids: Vec<String>,
    /// Empty when `need` is `notRequired`.
    pub options: Vec<FulfillmentOption>,
}

/// One way to get the physical items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOption {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FulfillmentType,
    pub name: String,
    pub price: Money,
    /// Business days from submission to delivery or readiness for pick-up.
    pub min_business_days: u32,
    pub max_business_days: u32,
    /// For `storePickup`: the stores to choose from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<Store>,
}

/// What the partner chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentChoice {
    pub option_id: String,
    /// Required for `storePickup`, refused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// Required for shipping, refused for `storePickup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<UsAddress>,
}

/// A valid choice, as stored on the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fulfillment {
    pub option_id: String,
    #[serde(rename = "type")]
    pub kind: FulfillmentType,
    pub name: String,
    pub price: Money,
    pub item_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<Store>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<UsAddress>,
}

/// The ways to fulfil `items`: the shipping methods of the table above and,
/// when `stores` is not empty, store pick-up at any of them. Nothing physical
/// means no options and [`Need::NotRequired`].
pub fn options(items: &[ItemFacts], stores: &[Store]) -> FulfillmentOptions {
    let mut item_ids: Vec<String> = Vec::new();
    for item in items.iter().filter(|i| i.physical) {
        if !item_ids.contains(&item.item_id) {
            item_ids.push(item.item_id.clone());
        }
    }
    if item_ids.is_empty() {
        return FulfillmentOptions {
            need: Need::NotRequired,
            item_ids,
            options: Vec::new(),
        };
    }
    let mut options: Vec<FulfillmentOption> = SHIPPING
        .iter()
        .map(|&(id, name, cents, min, max)| FulfillmentOption {
            id: id.to_string(),
            kind: FulfillmentType::Shipping,
            name: name.to_string(),
            price: usd(cents),
            min_business_days: min,
            max_business_days: max,
            stores: Vec::new(),
        })
        .collect();
    if !stores.is_empty() {
        options.push(FulfillmentOption {
            id: STORE_PICKUP.to_string(),
            kind: FulfillmentType::StorePickup,
            name: "Pick up in store".to_string(),
            price: usd(0),
            min_business_days: 0,
            max_business_days: 0,
            stores: stores.to_vec(),
        });
    }
    FulfillmentOptions {
        need: Need::Required,
        item_ids,
        options,
    }
}

fn usd(cents: i64) -> Money {
    Money {
        value: Decimal::new(cents, 2),
        unit: CURRENCY.to_string(),
    }
}

/// Checks `choice` against `offered` (the current [`options`] of the order)
/// and returns what to store, or every broken rule naming its field:
/// `optionId` unknown (or the order needs no fulfillment), `storeId` missing
/// or not offered for pick-up, `shippingAddress` missing or invalid for
/// shipping, and whichever of the two does not belong to the chosen option.
pub fn choose(
    offered: &FulfillmentOptions,
    choice: &FulfillmentChoice,
) -> Result<Fulfillment, Vec<InputError>> {
    if offered.need == Need::NotRequired {
        return Err(vec![InputError::new(
            "optionId",
            "this order has nothing to ship or pick up; no fulfillment is needed",
        )]);
    }
    let Some(option) = offered.options.iter().find(|o| o.id == choice.option_id) else {
        let ids: Vec<&str> = offered.options.iter().map(|o| o.id.as_str()).collect();
        return Err(vec![InputError::new(
            "optionId",
            format!(
                "unknown option '{}': choose one of {}",
                choice.option_id,
                ids.join(", ")
            ),
        )]);
    };
    let mut errors = Vec::new();
    let mut store = None;
    match option.kind {
        FulfillmentType::StorePickup => {
            if choice.shipping_address.is_some() {
                errors.push(InputError::new(
                    "shippingAddress",
                    "must not be given for store pick-up",
                ));
            }
            match &choice.store_id {
                None => errors.push(InputError::new("storeId", "is required for store pick-up")),
                Some(id) => match option.stores.iter().find(|s| &s.id == id) {
                    Some(s) => store = Some(s.clone()),
                    None => errors.push(InputError::new(
                        "storeId",
                        format!("store '{id}' is not offered for pick-up"),
                    )),
                },
            }
        }
        FulfillmentType::Shipping => {
            if choice.store_id.is_some() {
                errors.push(InputError::new("storeId", "must not be given for shipping"));
            }
            match &choice.shipping_address {
                None => errors.push(InputError::new(
                    "shippingAddress",
                    "is required for shipping",
                )),
                Some(a) => errors.extend(check_address("shippingAddress", a)),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Fulfillment {
        option_id: option.id.clone(),
        kind: option.kind,
        name: option.name.clone(),
        price: option.price.clone(),
        item_ids: offered.item_ids.clone(),
        store,
        shipping_address: choice.shipping_address.clone(),
    })
}

/// Every broken rule of a US postal address, fields named under `at`:
/// non-empty first line and city, a USPS state code (two upper-case letters
/// from [`US_STATES`]), a ZIP of 5 digits or ZIP+4 (`12345-6789`).
pub fn check_address(at: &str, a: &UsAddress) -> Vec<InputError> {
    let mut errors = Vec::new();
    let mut text = |field: &str, value: &str, required: bool| {
        let v = value.trim();
        if required && v.is_empty() {
            errors.push(InputError::new(
                format!("{at}.{field}"),
                "must not be empty",
            ));
        } else if v.chars().count() > MAX_ADDRESS_TEXT || v.chars().any(char::is_control) {
            errors.push(InputError::new(
                format!("{at}.{field}"),
                format!("must be at most {MAX_ADDRESS_TEXT} characters with no control characters"),
            ));
        }
    };
    text("addressLine1", &a.address_line1, true);
    if let Some(line2) = &a.address_line2 {
        text("addressLine2", line2, false);
    }
    text("city", &a.city, true);
    if !US_STATES.contains(&a.state.as_str()) {
        errors.push(InputError::new(
            format!("{at}.state"),
            "must be a two-letter USPS state code such as TX",
        ));
    }
    if !valid_zip(&a.zip_code) {
        errors.push(InputError::new(
            format!("{at}.zipCode"),
            "must be a ZIP code of 5 digits or ZIP+4 (12345-6789)",
        ));
    }
    errors
}

/// `12345` or `12345-6789`.
pub fn valid_zip(zip: &str) -> bool {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match zip.split_once('-') {
        None => zip.len() == 5 && digits(zip),
        Some((five, four)) => five.len() == 5 && four.len() == 4 && digits(five) && digits(four),
    }
}
