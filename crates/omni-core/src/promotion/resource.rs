//! The TMF671 `Promotion` resource: its first-level attributes (TMF671 v4.1
//! plus Omni's `isExclusive`) and the domain check that validates the
//! criteria and actions in `pattern[]` (see [`super::ENCODING`]).

use super::model;
use crate::document::{AttrRule, AttrType::*, FieldError, ResourceSpec, attr, required};
use serde_json::Value;

/// Path segment and stored kind.
pub const KIND: &str = "promotion";
/// Counter bumped (as `promotion:<tenant>`) with every promotion write, so
/// that nodes caching promotions know to reload them.
pub const VERSION_COUNTER: &str = "promotion";

const ATTRS: &[AttrRule] = &[
    required("name", Text(255), "Name of the promotion"),
    attr(
        "description",
        Text(4000),
        "Details about the purpose of the promotion",
    ),
    attr(
        "lifecycleStatus",
        Text(50),
        "draft (the default), test, waitForApproval, release, suspend, retirement; or Active, Launched, Retired. Only Active, Launched and release promotions apply to carts",
    ),
    attr(
        "promotionType",
        Text(50),
        "Award, Discount or Reduction (informational: the actions say what the promotion does)",
    ),
    attr(
        "validFor",
        Period,
        "When the promotion applies: start inclusive, end exclusive",
    ),
    attr(
        "pattern",
        Array,
        "Conditions (criteriaGroup[].criteria[]) and benefits (action[]) of the promotion; see the Promotion schema's description for the encoding",
    ),
    attr("attachment", Array, "Pictures, documents"),
    attr(
        "isExclusive",
        Boolean,
        "Omni extension: true when the promotion does not combine with any other promotion on the same cart item",
    ),
    attr(
        "@type",
        Text(255),
        "Class name of the resource (defaults to Promotion)",
    ),
    attr("@baseType", Text(255), "Super-class when sub-classing"),
    attr(
        "@schemaLocation",
        Text(2000),
        "URI of a JSON schema for extension attributes",
    ),
];

/// Checks the criteria and actions of a whole promotion; each error names
/// its path, e.g. `pattern[0].action[1].actionValue`.
pub fn check(doc: &Value) -> Vec<FieldError> {
    model::validate(doc)
}

pub static PROMOTION_RESOURCE: ResourceSpec = ResourceSpec {
    kind: KIND,
    type_name: "Promotion",
    attrs: ATTRS,
    default_lifecycle: Some("draft"),
    server_owned: &["href", "lastUpdate"],
    check: Some(check),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Mode;
    use serde_json::json;

    fn fields(body: Value, mode: Mode) -> Vec<String> {
        PROMOTION_RESOURCE
            .validate(&body, mode)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn attributes_then_domain_rules() {
        assert_eq!(fields(json!({}), Mode::Create), ["name"]);
        assert_eq!(
            fields(json!({"name": "x", "isExclusive": "yes"}), Mode::Create),
            ["isExclusive"]
        );
        assert_eq!(
            fields(json!({"name": "x", "lastUpdate": "now"}), Mode::Create),
            ["lastUpdate"]
        );
        let bad_action = json!({"name": "x", "pattern": [{
            "criteriaGroup": [{"criteria": [{"criteriaParameter": "channel.id", "criteriaOperator": "=", "criteriaValue": "ECOMM"}]}],
            "action": [{"actionType": "percentOff", "actionValue": "150", "priceType": "oneTime"}]}]});
        assert_eq!(
            fields(bad_action, Mode::Create),
            ["pattern[0].action[0].actionValue"]
        );
    }

    #[test]
    fn new_promotions_are_drafts() {
        let mut body = serde_json::Map::new();
        body.insert("name".into(), json!("x"));
        PROMOTION_RESOURCE.stamp_new(&mut body, "p1", chrono::Utc::now());
        assert_eq!(body["lifecycleStatus"], "draft");
        assert_eq!(body["@type"], "Promotion");
    }
}
