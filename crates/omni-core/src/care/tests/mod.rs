//! Care order tests against the demo inventory and catalog.

mod requirements;
mod validation;

use super::*;
use crate::inventory::Inventory;
use serde_json::{Value, json};

const DEMO_OFFERINGS: &str = include_str!("../../../../../data/catalog/productOffering.json");
const ACCOUNTS: &str = include_str!("../../../../../data/inventory/accounts.json");
const BILLING_ACCOUNTS: &str = include_str!("../../../../../data/inventory/billingAccounts.json");
const SUBSCRIBERS: &str = include_str!("../../../../../data/inventory/subscribers.json");

fn inventory() -> Inventory {
    Inventory {
        accounts: serde_json::from_str(ACCOUNTS).expect("accounts"),
        billing_accounts: serde_json::from_str(BILLING_ACCOUNTS).expect("billing accounts"),
        subscribers: serde_json::from_str(SUBSCRIBERS).expect("subscribers"),
    }
}

fn catalog() -> CatalogFacts {
    let offerings: Vec<Value> = serde_json::from_str(DEMO_OFFERINGS).expect("offerings");
    CatalogFacts::from_offerings(&offerings)
}

/// An order for the account (and group) of the first change's line, with
/// consent to recurring charges.
fn order_of(changes: Vec<Value>) -> Value {
    let ctn = changes[0]["ctn"].as_str().unwrap_or("1234567890");
    let line = inventory().line(ctn).expect("demo line");
    let mut order = json!({
        "foundationAccountNumber": line.account_id,
        "consentToRecurringCharges": true,
        "changeRequest": changes,
    });
    if let Some(group) = line.account_group_id {
        order["accountGroupId"] = json!(group);
    }
    json!({ "careOrderRequest": order })
}

fn check(body: &Value) -> Result<CareOrder, Vec<crate::document::FieldError>> {
    validate(body, &inventory(), &catalog())
}

/// The one change request of a valid order around `change`.
fn change(change: Value) -> ChangeRequest {
    let order = check(&order_of(vec![change])).expect("valid order");
    order
        .change_requests
        .into_iter()
        .next()
        .expect("one change")
}

/// The paths of the errors validation reports for `body`.
fn error_paths(body: &Value) -> Vec<String> {
    match check(body) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.field).collect(),
    }
}
