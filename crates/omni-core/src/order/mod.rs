//! Partner order capture (omni-svcs `/order/...`): the decisions between
//! "items were added" and "the order may be submitted".
//!
//! Four steps, each a pure module: nothing here reads the clock, draws random
//! numbers or touches storage. Callers pass `now` and random bytes in, so each
//! rule is tested directly and two nodes given the same input decide the same.
//!
//! - [`terms`]: which agreements an order's items call for, and recording
//!   consent to them (`POST /terms`, `POST /order/{id}/terms`).
//! - [`payment`]: card checks and the built-in test gateway
//!   (`POST /payment-methods`); only a token leaves it, never a card number.
//! - [`fulfillment`]: shipping methods and store pick-up for what is physical
//!   (`POST /fulfillment-options`, `POST /order/{id}/fulfillment`).
//! - [`readiness`]: the `validation` object every order response carries,
//!   and whether the order may be submitted.
//!
//! The HTTP layer turns an order's stored items into [`ItemFacts`] once and
//! hands the same slice to every step, so the steps agree on what the order
//! holds.

pub mod action;
pub mod apply;
pub mod capture;
pub mod fulfillment;
pub mod payment;
pub mod readiness;
pub mod terms;

#[cfg(test)]
mod tests;

use crate::document::FieldError;

pub use action::{Action, ActionReason};
pub use capture::{CaptureFacts, CapturedItem, ItemError, capture};

/// An order id as the partner pages show them: two digits (the year), a
/// dash, fourteen digits, e.g. `26-46236265737394`.
pub fn order_id(year: i32, random: u64) -> String {
    format!(
        "{:02}-{:014}",
        year.rem_euclid(100),
        random % 100_000_000_000_000
    )
}

/// Whether `id` has the order id format.
pub fn is_order_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 17 && b[2] == b'-' && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
}
use serde::{Deserialize, Serialize};

/// What the order steps need to know about one order item, read from the
/// item as the partner sent it (and the catalog offering it names).
///
/// The flags are facts the caller resolves (from characteristics such as
/// `isBYOD`, `eSIM_Enabled`, the chosen price, the SIM offering), so that the
/// steps never parse partner payloads themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFacts {
    /// `productOrderItemId`; agreements and shipments name the items that
    /// call for them by this id.
    pub item_id: String,
    /// `action` as sent: `add`, `noChange`, `modify`, `terminate`, or a
    /// composite such as `swap;add` (parts separated by `;`).
    pub action: String,
    /// `productOfferingType`, e.g. `Mobile_Device`, `Mobile_Offer`, `SIM`.
    pub offering_type: String,
    /// `productOfferingId`; absent on items that act on an existing product
    /// (a `terminate` names the product instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offering_id: Option<String>,
    /// The customer brings their own device (`isBYOD` = `true`).
    #[serde(default)]
    pub byod: bool,
    /// The line will use an eSIM: an `eSIM_Enabled` device, or a SIM
    /// offering the catalog marks as one (`simType` eSIM).
    #[serde(default)]
    pub esim: bool,
    /// A device paid by monthly installments (the 36-month price was chosen)
    /// rather than in full today.
    #[serde(default)]
    pub financed: bool,
    /// The item belongs to a line the order creates (no subscriber yet).
    #[serde(default)]
    pub new_line: bool,
    /// Something to ship or hand over: a non-BYOD device, a physical SIM, an
    /// accessory, rented equipment. [`ItemFacts::ships_by_default`] gives the
    /// usual answer from the offering type.
    #[serde(default)]
    pub physical: bool,
}

impl ItemFacts {
    /// The parts of a composite action, trimmed, empty parts skipped:
    /// `"swap;add"` gives `["swap", "add"]`.
    pub fn action_parts(&self) -> impl Iterator<Item = &str> {
        self.action
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }

    fn has_part(&self, part: &str) -> bool {
        self.action_parts().any(|p| p.eq_ignore_ascii_case(part))
    }

    /// The item removes something (`terminate`, alone or in a composite).
    pub fn terminates(&self) -> bool {
        self.has_part("terminate")
    }

    /// The item brings something new or changes it: any part other than
    /// `noChange` and `terminate`. Unknown parts count as changes, so an
    /// unexpected action asks for more consent rather than less.
    pub fn changes(&self) -> bool {
        self.action_parts()
            .any(|p| !p.eq_ignore_ascii_case("noChange") && !p.eq_ignore_ascii_case("terminate"))
    }

    /// Whether an item of this kind is usually something to ship or hand
    /// over, for callers filling [`ItemFacts::physical`]: a changing item
    /// that is a device not brought by the customer, a SIM that is not an
    /// eSIM, an accessory or rented equipment. Plans, add-ons, `noChange`
    /// and `terminate` items ship nothing.
    pub fn ships_by_default(&self) -> bool {
        if !self.changes() {
            return false;
        }
        match self.offering_type.as_str() {
            "Mobile_Device" => !self.byod,
            "SIM" => !self.esim,
            "Mobile_Accessory" | "Rented_Equipment" => true,
            _ => false,
        }
    }
}

/// A bad value in a request, naming the field (a JSON path such as
/// `shippingAddress.zipCode`) and the rule it breaks. Serializable, unlike
/// [`FieldError`], so a step can return it inside its own answer; it converts
/// into [`FieldError`] for the API's 400 responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{field}: {rule}")]
pub struct InputError {
    pub field: String,
    pub rule: String,
}

impl InputError {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl From<InputError> for FieldError {
    fn from(e: InputError) -> Self {
        FieldError::new(e.field, e.rule)
    }
}

/// One entry of the partner error object's `errorList`
/// (`{action, errorCode, errorDescription, errorDetails[]}`), for errors that
/// carry their own code (e.g. `TERMS-001`) rather than one per response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorListEntry {
    /// The step that failed, e.g. `terms`, `payment`, `fulfillment`.
    pub action: String,
    pub error_code: String,
    pub error_description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_details: Vec<ErrorDetail>,
}

/// `errorDetails[]`: what a downstream system said, when one was involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    pub system: String,
    pub error_code: String,
    pub error_description: String,
}

/// Decimal money with its currency, e.g. `{"value": "14.99", "unit": "USD"}`
/// (values serialize as strings, so no client ever sees a float).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    pub value: rust_decimal::Decimal,
    pub unit: String,
}
