//! The `validationRuleSet` resource: its attributes, and the check that
//! parses its rules so that a rule set that cannot be evaluated is never
//! stored.

use super::RuleSet;
use crate::document::{AttrRule, AttrType::*, FieldError, ResourceSpec, attr, required};
use serde_json::Value;

/// Path segment and stored kind.
pub const RULE_SET_KIND: &str = "validationRuleSet";
/// Default `@type`.
pub const RULE_SET_TYPE: &str = "ValidationRuleSet";

const ATTRS: &[AttrRule] = &[
    required("name", Text(255), "Name of the rule set"),
    attr("description", Text(4000), "Explanatory text"),
    attr(
        "lifecycleStatus",
        Text(50),
        "Only an `Active` rule set is evaluated; a new one defaults to `In design`",
    ),
    attr("version", Text(20), "Version of the rule set"),
    attr(
        "channel",
        Array,
        "Channels whose carts the set checks: ids, or objects with an `id`; absent or empty means every channel",
    ),
    attr(
        "rule",
        Array,
        "The rules, each `{kind, id?, description?, message?, …}`: see the ValidationRuleSet description",
    ),
    attr(
        "@type",
        Text(255),
        "Class name of the resource (defaults to ValidationRuleSet)",
    ),
    attr("@baseType", Text(255), "Super-class when sub-classing"),
    attr(
        "@schemaLocation",
        Text(2000),
        "URI of a JSON schema for extension attributes",
    ),
];

fn check(doc: &Value) -> Vec<FieldError> {
    RuleSet::from_document(doc).err().unwrap_or_default()
}

/// Validation of `validationRuleSet` creates, patches and loaded files.
pub const RULE_SET_SPEC: ResourceSpec = ResourceSpec {
    kind: RULE_SET_KIND,
    type_name: RULE_SET_TYPE,
    attrs: ATTRS,
    default_lifecycle: Some("In design"),
    server_owned: &["href", "lastUpdate"],
    check: Some(check),
};
