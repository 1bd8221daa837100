//! Tenant validation rule sets for shopping carts: a small declarative
//! language over the cart as posted (a TMF663 `ShoppingCart`). A tenant
//! stores rule sets as `validationRuleSet` resources; the cart evaluates the
//! tenant's active ones for its channel and refuses a cart that breaks any
//! rule, naming the payload property that does not match.
//!
//! ```text
//! let sets: Vec<RuleSet> = docs.iter().filter_map(|d| RuleSet::from_document(d).ok()).collect();
//! let violations = evaluate(&sets, &cart, "ECOMM");
//! // cartItem[2].quantity: must be at most 3 (rule set "retail-limits", rule "max-qty")
//! ```
//!
//! The encoding is documented in [`ENCODING`] (also served in the OpenAPI
//! document and in `data/README.md`). Regular expressions are compiled once,
//! when the rule set is parsed; evaluation allocates only for what it reports.

mod path;
mod resource;
mod rule;
#[cfg(test)]
mod tests;

pub use path::{Hit, MAX_PATH_LEN, MAX_SEGMENTS, Path};
pub use resource::{RULE_SET_KIND, RULE_SET_SPEC, RULE_SET_TYPE};
pub use rule::{DEFAULT_TYPE_PATH, FALLBACK_TYPE_PROPERTY, KINDS, MAX_PATTERN_LEN, MAX_VALUES};

use crate::document::FieldError;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// Most rules in one rule set.
pub const MAX_RULES: usize = 500;
/// Most channels one rule set names.
pub const MAX_CHANNELS: usize = 100;

/// How a rule set is written, for API and data documentation (Markdown).
pub const ENCODING: &str = r#"A validation rule set is a tenant's own checks on the shopping carts it accepts. The cart is refused when it breaks any rule of an **active** rule set (`lifecycleStatus` `Active`, in any letter case; new rule sets default to `In design`, which is not evaluated) that applies to the request's channel.

```json
{
  "id": "retail-limits",
  "name": "Retail cart limits",
  "lifecycleStatus": "Active",
  "channel": ["ECOMM", {"id": "ATTR"}],
  "rule": [
    {"id": "offering-id", "kind": "required", "path": "cartItem[].productOffering.id"},
    {"id": "action", "kind": "allowedValues", "path": "cartItem[].action", "values": ["add", "modify", "delete", "noChange"]},
    {"id": "email", "kind": "pattern", "path": "contactMedium[].characteristic.emailAddress", "pattern": "^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$"},
    {"id": "max-devices", "kind": "itemCount", "itemType": "Mobile_Device", "max": 5, "countBy": "quantity"},
    {"id": "not-empty", "kind": "itemCount", "min": 1, "message": "add something to the cart"},
    {"id": "device-needs-plan", "kind": "requires", "itemType": "Mobile_Device", "requiredItemType": ["Mobile_Offer"]},
    {"id": "max-qty", "kind": "maxQuantity", "max": 10}
  ]
}
```

**Channels.** `channel` lists the channels (strings, or objects with an `id`) whose carts the set checks, compared ignoring letter case; absent or empty means every channel.

**Every rule** has a `kind` and may have an `id` (unique in the set; a rule without one is called `rule[N]`, its position), a `description`, and a `message` that replaces the default message of its violations. Attributes a kind does not have are refused, so a misspelt one is never silently ignored.

**Paths** are dotted property names from the top of the cart, each optionally followed by selectors on the array it names: `[]` every element, `[N]` the element at index N (from 0), `[key=value]` every element whose `key` (property names joined by `.`) equals `value` (a string, or the text of a number or boolean), e.g. `cartItem[productOffering.@referredType=Mobile_Device].product.productCharacteristic[name=IMEI].value`. An array followed by `[]` or `[key=value]` that is absent, null or empty has no elements, so nothing below it is checked: add a `required` rule on the array itself (`contactMedium`, or `contactMedium[]`) to demand one. A violation names the concrete property, e.g. `cartItem[2].productOffering.id`.

| kind | attributes | breaks when |
|---|---|---|
| `required` | `path` | a property along the path is absent or null (named at the first missing one, e.g. `cartItem[1].product`), a value is empty (`""`, blanks, `[]`, `{}`), or the path goes through a value of the wrong shape. A path ending in `[]` needs at least one element, one ending in `[key=value]` at least one such element. |
| `allowedValues` | `path`, `values` (1 to 1000 strings, numbers or booleans) | a value found at the path is not in `values` (numbers compare by value). Absent values are not checked: combine with `required`. |
| `pattern` | `path`, `pattern` | a value found at the path does not match the regular expression (Rust `regex` syntax, compiled when the rule set is saved; not anchored, so write `^…$` to match the whole value; numbers and booleans are matched as text). Absent values are not checked. |
| `itemCount` | `min`, `max` (at least one), `itemType`, `typePath`, `countBy` | the cart has fewer than `min` or more than `max` items of the type (every item when `itemType` is absent). `countBy` `item` (default) counts items, `quantity` adds up their `quantity` (1 when absent). |
| `requires` | `itemType`, `requiredItemType`, `typePath`, `relationshipType` | an item of type `itemType` is in the cart without another item of type `requiredItemType`; with `relationshipType` (one or a list, e.g. `depends on`), that other item must also be linked to it by `cartItemRelationship` (in either direction) with that type. |
| `maxQuantity` | `max` (at least 1), `itemType`, `typePath` | an item's `quantity` is more than `max` (or not a number). |

**Item types.** `itemType` and `requiredItemType` are a type name or a list of them (any matches). An item's type is read at `typePath` (a path inside the item) when given; otherwise at `productOffering.@referredType`, falling back to the item's own `itemType` property. Item rules look at the top-level `cartItem[]` objects and skip items whose `action` is `delete`.

**Errors.** A rule set that breaks this encoding is refused with a 400 naming the attribute, e.g. `rule[1].pattern: is not a valid regular expression (rule "email"): unclosed group`."#;

/// A parsed rule set, ready to evaluate.
#[derive(Debug, Clone)]
pub struct RuleSet {
    id: String,
    name: String,
    active: bool,
    channels: Vec<String>,
    rules: Vec<rule::Rule>,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// Id of the rule set (its name when it has no id).
    pub rule_set: String,
    /// The rule's `id`, or `rule[N]` when it has none.
    pub rule: String,
    /// The concrete payload path that fails, e.g. `cartItem[2].productOffering.id`.
    pub property: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (rule set \"{}\", rule \"{}\")",
            self.property, self.message, self.rule_set, self.rule
        )
    }
}

impl From<&Violation> for FieldError {
    /// The field is the failing property; the rule is the message with the
    /// rule set and rule named, as [`Violation`]'s `Display` shows it.
    fn from(v: &Violation) -> FieldError {
        FieldError::new(
            v.property.clone(),
            format!(
                "{} (rule set \"{}\", rule \"{}\")",
                v.message, v.rule_set, v.rule
            ),
        )
    }
}

impl RuleSet {
    /// Parses a `validationRuleSet` document; every error names the
    /// attribute, e.g. `rule[1].pattern` or `channel[0]`.
    pub fn from_document(doc: &Value) -> Result<RuleSet, Vec<FieldError>> {
        let Value::Object(map) = doc else {
            return Err(vec![FieldError::new("body", "must be a JSON object")]);
        };
        let mut errors = Vec::new();
        let text = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_string);
        let name = text("name").unwrap_or_default();
        let id = text("id").unwrap_or_else(|| name.clone());
        let active = match map.get("lifecycleStatus") {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("active"),
            Some(_) => {
                errors.push(FieldError::new("lifecycleStatus", "must be a string"));
                false
            }
        };
        let channels = parse_channels(map.get("channel"), &mut errors);
        let rules = parse_rules(map.get("rule"), &mut errors);
        if errors.is_empty() {
            Ok(RuleSet {
                id,
                name,
                active,
                channels,
                rules,
            })
        } else {
            Err(errors)
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `lifecycleStatus` is `Active` (in any letter case).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The channels it is limited to; empty means every channel.
    pub fn channels(&self) -> &[String] {
        &self.channels
    }

    /// Ids of its rules, in order (`rule[N]` for a rule without one).
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.id.as_str())
    }

    /// True when the set is active and covers `channel`.
    pub fn applies_to(&self, channel: &str) -> bool {
        self.active
            && (self.channels.is_empty()
                || self
                    .channels
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(channel)))
    }

    /// Every violation of this set's rules in `payload`, whatever the set's
    /// status and channels.
    pub fn check(&self, payload: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        for rule in &self.rules {
            for (property, message) in rule.check(payload) {
                out.push(Violation {
                    rule_set: self.id.clone(),
                    rule: rule.id.clone(),
                    property,
                    message,
                });
            }
        }
        out
    }

    /// The same set without its rule at `index` (no change when there is none).
    pub fn without_rule(&self, index: usize) -> RuleSet {
        let mut copy = self.clone();
        if index < copy.rules.len() {
            copy.rules.remove(index);
        }
        copy
    }
}

/// Every violation in `payload` of the rule sets that are active and apply
/// to `channel`, in rule-set, rule and payload order. Empty: the cart passes.
pub fn evaluate(rule_sets: &[RuleSet], payload: &Value, channel: &str) -> Vec<Violation> {
    rule_sets
        .iter()
        .filter(|set| set.applies_to(channel))
        .flat_map(|set| set.check(payload))
        .collect()
}

fn parse_channels(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_CHANNELS => items,
        Some(_) => {
            errors.push(FieldError::new(
                "channel",
                format!("must be an array of at most {MAX_CHANNELS} channels"),
            ));
            return Vec::new();
        }
    };
    let mut channels = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = match item {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        };
        match id {
            Some(id) if !id.is_empty() => channels.push(id.to_string()),
            _ => errors.push(FieldError::new(
                format!("channel[{i}]"),
                "must be a channel id or an object with a non-empty id",
            )),
        }
    }
    channels
}

fn parse_rules(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<rule::Rule> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_RULES => items,
        Some(_) => {
            errors.push(FieldError::new(
                "rule",
                format!("must be an array of at most {MAX_RULES} rules"),
            ));
            return Vec::new();
        }
    };
    let mut rules: Vec<rule::Rule> = Vec::new();
    let mut ids: Vec<(String, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(id) = item.get("id").and_then(Value::as_str) {
            if let Some((_, first)) = ids.iter().find(|(seen, _)| seen == id) {
                errors.push(FieldError::new(
                    format!("rule[{i}].id"),
                    format!("'{id}' is already the id of rule[{first}]"),
                ));
            } else {
                ids.push((id.to_string(), i));
            }
        }
        if let Some(rule) = rule::parse(i, item, errors) {
            rules.push(rule);
        }
    }
    rules
}
