//! Items a partner adds to an order, checked against the catalog and what the
//! customer already has. Every problem of every item is reported (one entry
//! per problem, naming the item's action and the field), so a partner fixes a
//! request in one round trip.

use super::action::{Action, ActionReason, parse_action, reason_problem};
use crate::inventory::{Account, BillingAccount, Component, Owner, Subscriber, ownership_problem};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the caller knows about the catalog, inventory and address registry.
pub trait CaptureFacts {
    /// The offering's `productOfferingType`; `None` when no such offering exists.
    fn offering_type(&self, offering_id: &str) -> Option<String>;
    /// Why the offering cannot be sold to the owner of `billing` in this
    /// order's channel; empty when it can.
    fn ineligible(
        &self,
        offering_id: &str,
        billing: Option<&BillingAccount>,
        line: Option<&Subscriber>,
    ) -> Vec<String>;
    fn billing_account(&self, id: &str) -> Option<&BillingAccount>;
    fn subscriber(&self, ctn: &str) -> Option<&Subscriber>;
    /// Whether the address registry holds `place_id`.
    fn place_exists(&self, place_id: &str) -> bool;
    /// Who the order acts for: its customer party, or nobody.
    fn owner(&self) -> Owner<'_>;
    /// The account with this id (the owner of billing accounts and lines).
    fn account(&self, id: &str) -> Option<&Account>;
}

/// One checked item, as the order keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapturedItem {
    pub id: String,
    pub actions: Vec<Action>,
    pub offering_type: String,
    pub offering_id: Option<String>,
    pub root_item_id: Option<String>,
    /// Of the item or inherited from its root bundle item.
    pub billing_account_id: Option<String>,
    /// Of the item or inherited from its root bundle item; `None` for a new line.
    pub subscriber_number: Option<String>,
    pub product_id: Option<String>,
    /// Characteristic values by name, as sent (booleans as `true`/`false`).
    pub characteristics: BTreeMap<String, String>,
    pub place_id: Option<String>,
    pub reason: Option<ActionReason>,
    /// The item as sent, with its id filled in.
    pub body: Value,
}

impl CapturedItem {
    pub fn characteristic(&self, name: &str) -> Option<&str> {
        self.characteristics.get(name).map(String::as_str)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.characteristic(name).and_then(crate::formats::flag) == Some(true)
    }

    pub fn has(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// Adds something the customer pays for or receives.
    pub fn adds(&self) -> bool {
        self.has(Action::Add) || self.has(Action::Modify)
    }

    /// A new line: a plan added with no existing subscriber.
    pub fn starts_line(&self) -> bool {
        self.has(Action::Add)
            && self.offering_type == "Mobile_Offer"
            && self.subscriber_number.is_none()
    }
}

/// One problem with one item, in the partner error list's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub index: usize,
    pub action: String,
    pub code: &'static str,
    pub field: String,
    pub description: String,
}

pub const INVALID_FIELD: &str = "ITEM-001";
pub const UNKNOWN_OFFERING: &str = "ITEM-002";
pub const TYPE_MISMATCH: &str = "ITEM-003";
pub const INELIGIBLE: &str = "ITEM-004";
pub const UNKNOWN_ROOT_ITEM: &str = "ITEM-005";
pub const BILLING_ACCOUNT: &str = "ITEM-006";
pub const SUBSCRIBER: &str = "ITEM-007";
pub const NOT_IN_INVENTORY: &str = "ITEM-008";
pub const ACTION_REASON: &str = "ITEM-009";
pub const CHARACTERISTIC: &str = "ITEM-010";
pub const UNKNOWN_PLACE: &str = "ITEM-011";
pub const DUPLICATE_ITEM: &str = "ITEM-012";
pub const UNSUPPORTED_ACTION: &str = "ITEM-013";
pub const NOT_OWNED: &str = "ITEM-014";

struct Problems {
    list: Vec<ItemError>,
}

impl Problems {
    fn add(&mut self, index: usize, action: &str, code: &'static str, field: &str, text: String) {
        self.list.push(ItemError {
            index,
            action: action.to_string(),
            code,
            field: format!(
                "items[{index}]{}{field}",
                if field.is_empty() { "" } else { "." }
            ),
            description: text,
        });
    }
}

/// Checks the `items` of a request against `facts`, given the order's
/// `earlier` items. Returns the new items, or every problem found.
pub fn capture(
    request: &Value,
    earlier: &[CapturedItem],
    facts: &dyn CaptureFacts,
) -> Result<Vec<CapturedItem>, Vec<ItemError>> {
    let mut p = Problems { list: Vec::new() };
    let items = match request.get("items") {
        // How many one request may add is the application's limit, checked
        // before this.
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => {
            p.list.push(ItemError {
                index: 0,
                action: "items".into(),
                code: INVALID_FIELD,
                field: "items".into(),
                description: "must be an array of at least one item".into(),
            });
            return Err(p.list);
        }
    };
    let mut ids: Vec<String> = earlier.iter().map(|i| i.id.clone()).collect();
    let mut shaped = Vec::new();
    // Items already refused: one naming them as root gets no second error.
    let mut refused = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let known = ids.len();
        match shape(n, item, earlier.len() + n + 1, &mut ids, &mut p) {
            Some(c) => shaped.push((n, c)),
            None => refused.extend(ids.get(known..).unwrap_or_default().iter().cloned()),
        }
    }
    // Lines come from the item or its root, so roots are resolved first.
    let all: Vec<&CapturedItem> = earlier
        .iter()
        .chain(shaped.iter().map(|(_, c)| c))
        .collect();
    let mut resolved = Vec::new();
    for (n, item) in &shaped {
        let n = *n;
        let mut item = item.clone();
        let mut inherited = false;
        if let Some(root) = &item.root_item_id {
            match all.iter().find(|i| &i.id == root) {
                None if refused.contains(root) => continue,
                None => p.add(
                    n,
                    &action_text(&item),
                    UNKNOWN_ROOT_ITEM,
                    "rootBundleProductOrderItemId",
                    format!("no item '{root}' in this order"),
                ),
                Some(r) => {
                    if item.billing_account_id.is_none() && item.subscriber_number.is_none() {
                        item.billing_account_id = r.billing_account_id.clone();
                        item.subscriber_number = r.subscriber_number.clone();
                        inherited = true;
                    }
                }
            }
        }
        resolved.push((n, item, inherited));
    }
    for (n, item, inherited) in &resolved {
        check_against_facts(*n, item, *inherited, facts, &mut p);
    }
    if p.list.is_empty() {
        Ok(resolved.into_iter().map(|(_, item, _)| item).collect())
    } else {
        p.list.sort_by_key(|e| e.index);
        Err(p.list)
    }
}

fn action_text(item: &CapturedItem) -> String {
    item.body
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("add")
        .to_string()
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// The item's own fields and formats, before anything is looked up.
fn shape(
    n: usize,
    item: &Value,
    position: usize,
    ids: &mut Vec<String>,
    p: &mut Problems,
) -> Option<CapturedItem> {
    let Value::Object(map) = item else {
        p.add(n, "items", INVALID_FIELD, "", "must be an object".into());
        return None;
    };
    let action = text(map, "action").unwrap_or("add").to_string();
    let before = p.list.len();
    let actions = match parse_action(&action) {
        Ok(a) => a,
        Err(rule) => {
            p.add(n, &action, UNSUPPORTED_ACTION, "action", rule);
            Vec::new()
        }
    };
    let id = match map.get("productOrderItemId") {
        None => format!("item-{position}"),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 100 => s.clone(),
        Some(_) => {
            p.add(
                n,
                &action,
                INVALID_FIELD,
                "productOrderItemId",
                "must be a string of 1 to 100 characters".into(),
            );
            String::new()
        }
    };
    if !id.is_empty() {
        if ids.contains(&id) {
            p.add(
                n,
                &action,
                DUPLICATE_ITEM,
                "productOrderItemId",
                format!("'{id}' is already an item of this order"),
            );
        }
        ids.push(id.clone());
    }
    let offering_type = match text(map, "productOfferingType") {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => {
            p.add(
                n,
                &action,
                INVALID_FIELD,
                "productOfferingType",
                "is required".into(),
            );
            String::new()
        }
    };
    let offering_id = text(map, "productOfferingId").map(str::to_string);
    let needs_offering = actions
        .iter()
        .any(|a| matches!(a, Action::Add | Action::Modify | Action::NoChange));
    if needs_offering && offering_id.as_deref().is_none_or(str::is_empty) {
        p.add(
            n,
            &action,
            INVALID_FIELD,
            "productOfferingId",
            format!("is required for action '{action}'"),
        );
    }
    let product_id = map
        .get("product")
        .and_then(|x| x.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if actions.contains(&Action::Terminate) && product_id.is_none() {
        p.add(
            n,
            &action,
            INVALID_FIELD,
            "product.id",
            "is required: it names the product to terminate".into(),
        );
    }
    let reason = match map.get("actionReason") {
        None => None,
        Some(r) => match ActionReason::from_value(r) {
            Ok(r) => Some(r),
            Err((field, rule)) => {
                p.add(
                    n,
                    &action,
                    ACTION_REASON,
                    &format!("actionReason.{field}"),
                    rule,
                );
                None
            }
        },
    };
    if let Some(rule) = reason_problem(&actions, reason.as_ref())
        && map.get("actionReason").is_none()
    {
        p.add(n, &action, ACTION_REASON, "actionReason", rule);
    }
    let (billing_account_id, rating_type) = match map.get("billingAccount") {
        None => (None, None),
        Some(b) => {
            let id = b
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            let rating = b.get("ratingType").and_then(Value::as_str);
            if id.is_none() {
                p.add(
                    n,
                    &action,
                    INVALID_FIELD,
                    "billingAccount.id",
                    "is required".into(),
                );
            }
            if !matches!(rating, None | Some("postpaid" | "prepaid")) {
                p.add(
                    n,
                    &action,
                    INVALID_FIELD,
                    "billingAccount.ratingType",
                    "must be postpaid or prepaid".into(),
                );
            }
            (id.map(str::to_string), rating.map(str::to_string))
        }
    };
    let subscriber_number = match map.get("subscriberNumber") {
        None => None,
        Some(Value::String(s)) if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        Some(_) => {
            p.add(
                n,
                &action,
                INVALID_FIELD,
                "subscriberNumber",
                "must be a 10-digit number".into(),
            );
            None
        }
    };
    let characteristics = characteristics(n, &action, map, p);
    let place_id = places(n, &action, map, p);
    if p.list.len() > before {
        return None;
    }
    let mut body = Value::Object(map.clone());
    body["productOrderItemId"] = Value::String(id.clone());
    if let Some(r) = rating_type {
        body["billingAccount"]["ratingType"] = Value::String(r);
    }
    Some(CapturedItem {
        id,
        actions,
        offering_type,
        offering_id,
        root_item_id: text(map, "rootBundleProductOrderItemId").map(str::to_string),
        billing_account_id,
        subscriber_number,
        product_id,
        characteristics,
        place_id,
        reason,
        body,
    })
}

fn characteristics(
    n: usize,
    action: &str,
    map: &Map<String, Value>,
    p: &mut Problems,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let list = match map.get("characteristic") {
        None => return out,
        Some(Value::Array(list)) => list,
        Some(_) => {
            p.add(
                n,
                action,
                INVALID_FIELD,
                "characteristic",
                "must be an array of {name, value}".into(),
            );
            return out;
        }
    };
    for (c, ch) in list.iter().enumerate() {
        let field = format!("characteristic[{c}].value");
        let Some(name) = ch.get("name").and_then(Value::as_str) else {
            p.add(
                n,
                action,
                INVALID_FIELD,
                &format!("characteristic[{c}].name"),
                "is required".into(),
            );
            continue;
        };
        let value = match ch.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => {
                p.add(
                    n,
                    action,
                    CHARACTERISTIC,
                    &field,
                    format!("{name} needs a string value"),
                );
                continue;
            }
        };
        if let Some(rule) = super::action::characteristic_problem(name, &value) {
            p.add(n, action, CHARACTERISTIC, &field, rule);
            continue;
        }
        let value = if matches!(name, "isBYOD" | "eSIM_Enabled") {
            value.to_ascii_lowercase()
        } else {
            value
        };
        out.insert(name.to_string(), value);
    }
    out
}

fn places(n: usize, action: &str, map: &Map<String, Value>, p: &mut Problems) -> Option<String> {
    let list = map.get("product").and_then(|x| x.get("place"))?;
    let Value::Array(list) = list else {
        p.add(
            n,
            action,
            INVALID_FIELD,
            "product.place",
            "must be an array of places".into(),
        );
        return None;
    };
    let mut found = None;
    for (i, place) in list.iter().enumerate() {
        let id = place
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        if id.is_none() {
            p.add(
                n,
                action,
                INVALID_FIELD,
                &format!("product.place[{i}].id"),
                "is required".into(),
            );
        }
        if place.get("role").and_then(Value::as_str) == Some("PPU") {
            found = id.map(str::to_string);
        }
    }
    found
}

/// The line an item acts on, when it names one that exists.
fn line<'a>(item: &CapturedItem, facts: &'a dyn CaptureFacts) -> Option<&'a Subscriber> {
    item.subscriber_number
        .as_deref()
        .and_then(|ctn| facts.subscriber(ctn))
}

/// The one ownership rule (shared with care orders) for something on the
/// account `account_id`.
fn owner_problem(facts: &dyn CaptureFacts, what: &str, account_id: &str) -> Option<String> {
    ownership_problem(facts.owner(), what, account_id, facts.account(account_id))
}

/// `inherited`: the item's line comes from its root item, which is checked
/// (and reported) on its own.
fn check_against_facts(
    n: usize,
    item: &CapturedItem,
    inherited: bool,
    facts: &dyn CaptureFacts,
    p: &mut Problems,
) {
    let action = action_text(item);
    let billing = item
        .billing_account_id
        .as_deref()
        .and_then(|id| facts.billing_account(id));
    // Another customer's inventory: the refusal says so and nothing more
    // about it (its status, plan or products). An inherited line is its
    // root item's, which reports it.
    let mut foreign = false;
    if let Some(b) = billing
        && let Some(problem) =
            owner_problem(facts, &format!("billing account '{}'", b.id), &b.account_id)
    {
        foreign = true;
        if !inherited {
            p.add(n, &action, NOT_OWNED, "billingAccount.id", problem);
        }
    }
    if let Some(s) = line(item, facts)
        && let Some(problem) =
            owner_problem(facts, &format!("subscriber '{}'", s.ctn), &s.account_id)
    {
        foreign = true;
        if !inherited {
            p.add(n, &action, NOT_OWNED, "subscriberNumber", problem);
        }
    }
    if foreign {
        return;
    }
    if inherited {
        // Nothing to report about the line here.
    } else if let Some(id) = &item.billing_account_id {
        match billing {
            None => p.add(
                n,
                &action,
                BILLING_ACCOUNT,
                "billingAccount.id",
                format!("billing account '{id}' does not exist"),
            ),
            Some(b) => {
                let sent = item
                    .body
                    .pointer("/billingAccount/ratingType")
                    .and_then(Value::as_str);
                if sent.is_some_and(|r| r != b.rating_type.as_str()) {
                    p.add(
                        n,
                        &action,
                        BILLING_ACCOUNT,
                        "billingAccount.ratingType",
                        format!("billing account '{id}' is {}", b.rating_type.as_str()),
                    );
                }
                if b.status != "active" {
                    p.add(
                        n,
                        &action,
                        BILLING_ACCOUNT,
                        "billingAccount.id",
                        format!("billing account '{id}' is {}", b.status),
                    );
                }
            }
        }
    }
    let existing_line = item.actions.iter().any(|a| !matches!(a, Action::Add))
        || item.root_item_id.is_some() && item.subscriber_number.is_some();
    if inherited {
        // As above.
    } else if let Some(ctn) = &item.subscriber_number {
        match facts.subscriber(ctn) {
            None => p.add(
                n,
                &action,
                SUBSCRIBER,
                "subscriberNumber",
                format!("subscriber '{ctn}' does not exist"),
            ),
            Some(s) => {
                if billing.is_some()
                    && item
                        .billing_account_id
                        .as_deref()
                        .is_some_and(|b| b != s.billing_account_id)
                {
                    p.add(
                        n,
                        &action,
                        SUBSCRIBER,
                        "subscriberNumber",
                        format!(
                            "subscriber '{ctn}' is not on billing account '{}'",
                            item.billing_account_id.as_deref().unwrap_or_default()
                        ),
                    );
                }
                if !s.is_active() {
                    p.add(
                        n,
                        &action,
                        SUBSCRIBER,
                        "subscriberNumber",
                        format!("subscriber '{ctn}' is {}", s.status.as_str()),
                    );
                }
            }
        }
    } else if existing_line {
        p.add(n, &action, SUBSCRIBER, "subscriberNumber", format!("action '{action}' needs an existing line: give subscriberNumber or a rootBundleProductOrderItemId that has one"));
    } else if item.starts_line() && item.billing_account_id.is_none() {
        p.add(
            n,
            &action,
            BILLING_ACCOUNT,
            "billingAccount",
            "a new line needs the billing account it is added to".into(),
        );
    }
    if !crate::inventory::holds(&item.offering_type) {
        p.add(
            n,
            &action,
            UNSUPPORTED_ACTION,
            "productOfferingType",
            format!(
                "a {} is a fixed service, which Omni's inventory does not hold yet (it holds mobile lines): it cannot be ordered here",
                item.offering_type
            ),
        );
        return;
    }
    if let Some(offering) = &item.offering_id {
        match facts.offering_type(offering) {
            None => p.add(
                n,
                &action,
                UNKNOWN_OFFERING,
                "productOfferingId",
                format!("product offering '{offering}' does not exist"),
            ),
            Some(t) => {
                if t != item.offering_type {
                    p.add(
                        n,
                        &action,
                        TYPE_MISMATCH,
                        "productOfferingType",
                        format!(
                            "product offering '{offering}' is a {t}, not a {}",
                            item.offering_type
                        ),
                    );
                } else if item.adds() {
                    let reasons = facts.ineligible(offering, billing, line(item, facts));
                    if !reasons.is_empty() {
                        p.add(
                            n,
                            &action,
                            INELIGIBLE,
                            "productOfferingId",
                            format!(
                                "product offering '{offering}' is not eligible: {}",
                                reasons.join("; ")
                            ),
                        );
                    }
                }
            }
        }
    }
    if let Some(s) = line(item, facts) {
        check_inventory(n, &action, item, s, p);
    }
    if let Some(place) = &item.place_id
        && !facts.place_exists(place)
    {
        p.add(
            n,
            &action,
            UNKNOWN_PLACE,
            "product.place",
            format!("place '{place}' (role PPU) is not in the address registry"),
        );
    }
    if item.offering_type == "Mobile_Device"
        && item.flag("isBYOD")
        && item.characteristic("IMEI").is_none()
        && item.has(Action::Add)
    {
        p.add(
            n,
            &action,
            CHARACTERISTIC,
            "characteristic",
            "a brought-in device (isBYOD true) needs its IMEI".into(),
        );
    }
}

/// `noChange`, `terminate` and swaps act on what the line has.
fn check_inventory(
    n: usize,
    action: &str,
    item: &CapturedItem,
    line: &Subscriber,
    p: &mut Problems,
) {
    let component = Component::for_offering_type(&item.offering_type);
    if item.has(Action::NoChange)
        && item.offering_type == "Mobile_Offer"
        && item.offering_id.as_deref() != Some(line.rate_plan.offering_id.as_str())
    {
        p.add(
            n,
            action,
            NOT_IN_INVENTORY,
            "productOfferingId",
            format!(
                "subscriber '{}' has rate plan '{}', not '{}'",
                line.ctn,
                line.rate_plan.offering_id,
                item.offering_id.as_deref().unwrap_or_default()
            ),
        );
    }
    if let Some(product) = &item.product_id
        && item.has(Action::Terminate)
    {
        if !line.owns_product(product) {
            p.add(
                n,
                action,
                NOT_IN_INVENTORY,
                "product.id",
                format!(
                    "product '{product}' is not a product of subscriber '{}'",
                    line.ctn
                ),
            );
        } else if let Some(c) = component
            && product == &line.primary_product_id
            && !line.has(c)
        {
            p.add(
                n,
                action,
                NOT_IN_INVENTORY,
                "product.id",
                format!(
                    "subscriber '{}' has no {} to terminate",
                    line.ctn, item.offering_type
                ),
            );
        }
    }
    if item.has(Action::Swap) && component.is_none() {
        p.add(
            n,
            action,
            UNSUPPORTED_ACTION,
            "action",
            format!("a {} cannot be swapped", item.offering_type),
        );
    }
}
