//! Care order tests against the demo inventory and catalog.

mod apply_types;
mod features;
mod options;
mod props;
mod rehearsal;
mod requirements;
mod seed;
mod status;
mod validation;

use super::*;
use crate::inventory::{BillingAccount, Inventory, Subscriber};
use crate::time::parse_rfc3339;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

const DEMO_OFFERINGS: &str = include_str!("../../../../../data/catalog/productOffering.json");
const ACCOUNTS: &str = include_str!("../../../../../data/inventory/accounts.json");
const BILLING_ACCOUNTS: &str = include_str!("../../../../../data/inventory/billingAccounts.json");
const SUBSCRIBERS: &str = include_str!("../../../../../data/inventory/subscribers.json");

const ORDER_ID: &str = "CO-1";

fn now() -> DateTime<Utc> {
    at("2026-06-01T12:00:00Z")
}

fn at(text: &str) -> DateTime<Utc> {
    parse_rfc3339(text).expect("test time")
}

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

fn line(ctn: &str) -> Subscriber {
    inventory()
        .subscribers
        .into_iter()
        .find(|s| s.ctn == ctn)
        .expect("demo line")
}

fn billing_of(subscriber: &Subscriber) -> BillingAccount {
    inventory()
        .billing_accounts
        .into_iter()
        .find(|b| b.id == subscriber.billing_account_id)
        .expect("demo billing account")
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

/// Validates `change` in an order, then applies it to its line at `when`.
fn run_at(
    subscriber: &Subscriber,
    body: Value,
    when: DateTime<Utc>,
) -> Result<Applied, ChangeFailure> {
    let request = change(body);
    apply(
        subscriber,
        &billing_of(subscriber),
        &request,
        &catalog(),
        ORDER_ID,
        when,
    )
}

fn run(ctn: &str, body: Value) -> Result<Applied, ChangeFailure> {
    run_at(&line(ctn), body, now())
}

fn code(result: Result<Applied, ChangeFailure>) -> FailureCode {
    result.expect_err("the change should fail").code
}

/// The paths of the errors validation reports for `body`.
fn error_paths(body: &Value) -> Vec<String> {
    match check(body) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.field).collect(),
    }
}

/// History entries (change names) added past the line's `before` ones.
fn new_history(before: &Subscriber, after: &Subscriber) -> Vec<String> {
    after.history[before.history.len()..]
        .iter()
        .map(|h| h.change.clone())
        .collect()
}
