//! Readiness: the `validation` object of the omni-svcs order responses
//! (`{status, readyToSubmit, validationMessage[], configuration[]}`) and the
//! rule that submission waits for it.
//!
//! Four steps, always listed in this order in `configuration[]`:
//!
//! | type | required when | complete when | postOrderConfigurable |
//! |---|---|---|---|
//! | `items` | always | at least one item, none with a problem | no: the order is what was submitted |
//! | `terms` | a required agreement exists | every required agreement is consented to | no: consent must precede the contract |
//! | `fulfillment` | an item is physical | a fulfillment option is chosen | yes: the shipping method or pick-up store may change until the order ships |
//! | `payment` | something is due today (> 0) | an authorization covers the amount due | no: nothing ships unpaid |
//!
//! A step that is not required has status `notRequired`; a required one is
//! `complete` or `incomplete`. `readyToSubmit` is true exactly when the order
//! is not yet submitted, has an item, and every required step is complete;
//! `status` is then `Ready`, before that `Incomplete`, after submission
//! `Submitted` (and never ready to submit again).
//!
//! `validationMessage[]` has one `error` per missing thing, with a
//! `parameter[]` naming it, and `warning`s for choices that no longer matter
//! (a fulfillment choice when nothing is physical, an authorization when
//! nothing is due): they do not block submission.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What [`validate`] needs to know about an order; the caller gathers it from
/// the stored order and the other steps.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessInput {
    pub item_count: usize,
    /// What the item checks found wrong (unknown offering, bad IMEI...);
    /// empty when every item is valid.
    #[serde(default)]
    pub item_problems: Vec<ItemProblem>,
    /// The required agreements and whether each is consented to
    /// ([`super::terms::agreement_states`]).
    #[serde(default)]
    pub agreements: Vec<AgreementState>,
    /// Whether an item is physical ([`super::fulfillment::Need::Required`]).
    pub fulfillment_needed: bool,
    pub fulfillment_chosen: bool,
    /// What the customer pays today (one-time charges, shipping).
    pub amount_due_today: Decimal,
    pub currency: String,
    /// The amount the stored payment method authorized, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_authorized: Option<Decimal>,
    pub submitted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProblem {
    pub item_id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgreementState {
    pub name: String,
    pub title: String,
    pub consented: bool,
}

/// The seed's `validation` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    pub status: OrderStatus,
    pub ready_to_submit: bool,
    pub validation_message: Vec<ValidationMessage>,
    pub configuration: Vec<ConfigurationStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    Incomplete,
    Ready,
    Submitted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationMessage {
    pub text: String,
    #[serde(rename = "type")]
    pub kind: MessageType,
    pub parameter: Vec<Parameter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MessageType {
    /// Blocks submission.
    Error,
    /// Worth showing; does not block.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationStep {
    #[serde(rename = "type")]
    pub kind: StepType,
    pub status: StepStatus,
    pub required: bool,
    pub post_order_configurable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepType {
    Items,
    Terms,
    Fulfillment,
    Payment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepStatus {
    Complete,
    Incomplete,
    NotRequired,
}

/// The order's `validation`. See the module doc for the rules.
pub fn validate(input: &ReadinessInput) -> Validation {
    let mut messages = Vec::new();

    if input.item_count == 0 {
        messages.push(error(
            "The order has no items; add at least one.",
            Vec::new(),
        ));
    }
    for p in &input.item_problems {
        messages.push(error(
            &format!("Item '{}': {}", p.item_id, p.text),
            vec![param("productOrderItemId", &p.item_id)],
        ));
    }
    let items = step(
        StepType::Items,
        true,
        input.item_count > 0 && input.item_problems.is_empty(),
    );

    for a in input.agreements.iter().filter(|a| !a.consented) {
        messages.push(error(
            &format!("Consent to the {} ({}) is required.", a.title, a.name),
            vec![param("agreement", &a.name)],
        ));
    }
    let terms = step(
        StepType::Terms,
        !input.agreements.is_empty(),
        input.agreements.iter().all(|a| a.consented),
    );

    if input.fulfillment_needed && !input.fulfillment_chosen {
        messages.push(error(
            "Choose a shipping method or a store for pick-up.",
            vec![param("step", "fulfillment")],
        ));
    } else if !input.fulfillment_needed && input.fulfillment_chosen {
        messages.push(warning(
            "Nothing in the order is shipped or picked up any more; the fulfillment choice will be ignored.",
            vec![param("step", "fulfillment")],
        ));
    }
    let fulfillment = step(
        StepType::Fulfillment,
        input.fulfillment_needed,
        input.fulfillment_chosen,
    );

    let due = input.amount_due_today;
    let paid = input.payment_authorized.is_some_and(|a| a >= due);
    let payment_needed = due > Decimal::ZERO;
    if payment_needed && !paid {
        let text = match input.payment_authorized {
            None => format!(
                "A payment method is required for {} {} due today.",
                amount(due),
                input.currency
            ),
            Some(a) => format!(
                "The payment authorized ({} {}) no longer covers the {} {} due today; add the payment method again.",
                amount(a),
                input.currency,
                amount(due),
                input.currency
            ),
        };
        messages.push(error(
            &text,
            vec![
                param("amountDue", &amount(due)),
                param("currency", &input.currency),
            ],
        ));
    } else if !payment_needed && input.payment_authorized.is_some() {
        messages.push(warning(
            "Nothing is due today; the payment authorization will be released.",
            vec![param("step", "payment")],
        ));
    }
    let payment = step(StepType::Payment, payment_needed, paid);

    let configuration = vec![items, terms, fulfillment, payment];
    let complete = configuration
        .iter()
        .all(|s| s.status != StepStatus::Incomplete);
    let ready_to_submit = !input.submitted && input.item_count > 0 && complete;
    let status = if input.submitted {
        OrderStatus::Submitted
    } else if ready_to_submit {
        OrderStatus::Ready
    } else {
        OrderStatus::Incomplete
    };
    Validation {
        status,
        ready_to_submit,
        validation_message: messages,
        configuration,
    }
}

/// Why an order may not be submitted: its validation's error texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("the order is not ready to submit: {}", reasons.join("; "))]
pub struct NotReady {
    pub reasons: Vec<String>,
}

/// `Ok` when `validation` allows submission, else the blocking messages
/// (or "already submitted").
pub fn check_submit(validation: &Validation) -> Result<(), NotReady> {
    if validation.ready_to_submit {
        return Ok(());
    }
    let mut reasons: Vec<String> = validation
        .validation_message
        .iter()
        .filter(|m| m.kind == MessageType::Error)
        .map(|m| m.text.clone())
        .collect();
    if validation.status == OrderStatus::Submitted {
        reasons.insert(0, "The order has already been submitted.".to_string());
    }
    Err(NotReady { reasons })
}

fn step(kind: StepType, required: bool, done: bool) -> ConfigurationStep {
    let status = match (required, done) {
        (false, _) => StepStatus::NotRequired,
        (true, true) => StepStatus::Complete,
        (true, false) => StepStatus::Incomplete,
    };
    ConfigurationStep {
        kind,
        status,
        required,
        post_order_configurable: kind == StepType::Fulfillment,
    }
}

fn error(text: &str, parameter: Vec<Parameter>) -> ValidationMessage {
    ValidationMessage {
        text: text.to_string(),
        kind: MessageType::Error,
        parameter,
    }
}

fn warning(text: &str, parameter: Vec<Parameter>) -> ValidationMessage {
    ValidationMessage {
        text: text.to_string(),
        kind: MessageType::Warning,
        parameter,
    }
}

fn param(name: &str, value: &str) -> Parameter {
    Parameter {
        name: name.to_string(),
        value: value.to_string(),
    }
}

fn amount(d: Decimal) -> String {
    crate::discovery::money(d)
}
