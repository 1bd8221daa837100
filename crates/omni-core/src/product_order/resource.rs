//! Attribute tables of `ProductOrder` and `CancelProductOrder` and the rules
//! a whole resource must satisfy.

use super::items::{ItemStates, check_items};
use super::state::State;
use crate::document::{AttrRule, AttrType::*, FieldError, ResourceSpec, attr, required};
use crate::time::parse_rfc3339;
use serde_json::Value;

const ORDER: &[AttrRule] = &[
    required(
        "productOrderItem",
        Array,
        "Order items: id and action (add, modify, delete, noChange) each, with productOffering and/or product",
    ),
    attr("relatedParty", Array, "Parties: id and @referredType each"),
    attr("channel", Array, "Channels the order came through: id each"),
    attr("note", Array, "Notes: text each"),
    attr("billingAccount", Object, "Billing account reference: id"),
    attr(
        "externalId",
        Text(255),
        "The consumer's own id of the order",
    ),
    attr("priority", Text(1), "0 (highest) to 4 (lowest)"),
    attr("description", Text(2000), "Description of the order"),
    attr(
        "category",
        Text(255),
        "Business category, e.g. residential or enterprise",
    ),
    attr(
        "requestedStartDate",
        DateTime,
        "Fulfilment must not start before this",
    ),
    attr(
        "requestedCompletionDate",
        DateTime,
        "Delivery the requestor asks for",
    ),
    attr(
        "expectedCompletionDate",
        DateTime,
        "Delivery the provider expects; set by the provider (PATCH), not in a new order",
    ),
    attr(
        "notificationContact",
        Text(255),
        "Contact for news about the order",
    ),
    attr(
        "cancellationReason",
        Text(2000),
        "Why the order was cancelled",
    ),
    attr(
        "state",
        Text(40),
        "Lifecycle state: acknowledged on creation, then changed along the TMF622 state machine",
    ),
    attr("agreement", Array, "Agreement references"),
    attr(
        "orderTotalPrice",
        Array,
        "Prices of the whole order, as the requestor gives them",
    ),
    attr("payment", Array, "Payment references"),
    attr(
        "productOfferingQualification",
        Array,
        "Qualification references",
    ),
    attr("quote", Array, "Quote references"),
    attr("@type", Text(255), "Class name (defaults to ProductOrder)"),
    attr("@baseType", Text(255), "Super-class when sub-classing"),
    attr(
        "@schemaLocation",
        Text(2000),
        "URI of a JSON schema for extension attributes",
    ),
];

/// TMF622 `ProductOrder`. `state` and the items' states are the server's on
/// creation (see [`super::validate_new`]) and change by PATCH afterwards.
pub const PRODUCT_ORDER: ResourceSpec = ResourceSpec {
    kind: super::KIND,
    type_name: "ProductOrder",
    attrs: ORDER,
    default_lifecycle: None,
    server_owned: &[
        "id",
        "href",
        "orderDate",
        "completionDate",
        "cancellationDate",
    ],
    check: Some(check_order),
};

const CANCEL: &[AttrRule] = &[
    required(
        "productOrder",
        Object,
        "The order to cancel: a ProductOrderRef with id",
    ),
    attr(
        "cancellationReason",
        Text(2000),
        "Why the order is cancelled",
    ),
    attr(
        "requestedCancellationDate",
        DateTime,
        "When the order should be cancelled; it must not be in the future (cancellations are immediate)",
    ),
    attr(
        "@type",
        Text(255),
        "Class name (defaults to CancelProductOrder)",
    ),
    attr("@baseType", Text(255), "Super-class when sub-classing"),
    attr(
        "@schemaLocation",
        Text(2000),
        "URI of a JSON schema for extension attributes",
    ),
];

/// TMF622 `CancelProductOrder`, a task: its state is the server's.
pub const CANCEL_PRODUCT_ORDER: ResourceSpec = ResourceSpec {
    kind: super::CANCEL_KIND,
    type_name: "CancelProductOrder",
    attrs: CANCEL,
    default_lifecycle: None,
    server_owned: &["id", "href", "state", "effectiveCancellationDate"],
    check: Some(check_cancel),
};

/// Rules of a whole order once its attributes are well typed.
fn check_order(order: &Value) -> Vec<FieldError> {
    let mut errors = check_items(order, ItemStates::Allowed);
    if let Some(state) = order.get("state")
        && state.as_str().and_then(State::parse).is_none()
    {
        errors.push(FieldError::new(
            "state",
            format!("must be one of {}", state_names()),
        ));
    }
    if let Some(p) = order.get("priority").and_then(Value::as_str)
        && !matches!(p, "0" | "1" | "2" | "3" | "4")
    {
        errors.push(FieldError::new(
            "priority",
            "must be \"0\" (highest) to \"4\" (lowest)",
        ));
    }
    let date = |name| {
        order
            .get(name)
            .and_then(Value::as_str)
            .and_then(parse_rfc3339)
    };
    if let (Some(start), Some(end)) = (date("requestedStartDate"), date("requestedCompletionDate"))
        && end < start
    {
        errors.push(FieldError::new(
            "requestedCompletionDate",
            "must not be before requestedStartDate",
        ));
    }
    for (i, party) in array(order, "relatedParty").iter().enumerate() {
        for key in ["id", "@referredType"] {
            if !party.get(key).is_some_and(non_empty_string) {
                errors.push(FieldError::new(
                    format!("relatedParty[{i}].{key}"),
                    "is required and must be a string",
                ));
            }
        }
    }
    for (i, channel) in array(order, "channel").iter().enumerate() {
        if !channel.get("id").is_some_and(non_empty_string) {
            errors.push(FieldError::new(
                format!("channel[{i}].id"),
                "is required and must be a string",
            ));
        }
    }
    for (i, note) in array(order, "note").iter().enumerate() {
        if !note.get("text").is_some_and(Value::is_string) {
            errors.push(FieldError::new(
                format!("note[{i}].text"),
                "is required and must be a string",
            ));
        }
    }
    if let Some(account) = order.get("billingAccount")
        && !account.get("id").is_some_and(non_empty_string)
    {
        errors.push(FieldError::new(
            "billingAccount.id",
            "is required and must be a string",
        ));
    }
    errors
}

fn check_cancel(request: &Value) -> Vec<FieldError> {
    match request.get("productOrder").and_then(|o| o.get("id")) {
        Some(id) if non_empty_string(id) => Vec::new(),
        _ => vec![FieldError::new(
            "productOrder.id",
            "is required and must be a string",
        )],
    }
}

fn array<'v>(body: &'v Value, name: &str) -> &'v [Value] {
    body.get(name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn non_empty_string(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}

pub(crate) fn state_names() -> String {
    State::ALL
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
