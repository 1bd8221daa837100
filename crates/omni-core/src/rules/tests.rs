use super::*;
use proptest::prelude::*;
use serde_json::json;

fn set(rules: Value) -> RuleSet {
    match RuleSet::from_document(&json!({
        "id": "retail-limits", "name": "Retail limits", "lifecycleStatus": "Active", "rule": rules
    })) {
        Ok(set) => set,
        Err(e) => panic!("rule set does not parse: {e:?}"),
    }
}

/// `(property, message)` of each violation.
fn found(rules: Value, payload: Value) -> Vec<(String, String)> {
    set(rules)
        .check(&payload)
        .into_iter()
        .map(|v| (v.property, v.message))
        .collect()
}

fn properties(rules: Value, payload: Value) -> Vec<String> {
    found(rules, payload).into_iter().map(|(p, _)| p).collect()
}

fn errors(doc: Value) -> Vec<String> {
    match RuleSet::from_document(&doc) {
        Ok(_) => Vec::new(),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

fn error_fields(rules: Value) -> Vec<String> {
    match RuleSet::from_document(&json!({"name": "n", "rule": rules})) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.field).collect(),
    }
}

fn item(id: &str, kind: &str, quantity: Value) -> Value {
    json!({"id": id, "action": "add", "quantity": quantity,
           "productOffering": {"id": format!("po-{id}"), "name": id, "@referredType": kind}})
}

// ---- paths ----

#[test]
fn paths_parse_and_refuse_nonsense() {
    for good in [
        "cartItem",
        "cartItem[].productOffering.id",
        "cartItem[0].product.place[].id",
        "a[][]",
        "product.productCharacteristic[name=IMEI].value",
        "cartItem[productOffering.@referredType=Mobile_Device].quantity",
        "note[author=].text",
    ] {
        assert!(Path::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        ".a",
        "a.",
        "a..b",
        "a[",
        "a[x]",
        "a[.b=1]",
        "a]b",
        "a[]b",
        "[]",
        "a=b",
        "a[99999999999999999999999]",
    ] {
        assert!(Path::parse(bad).is_err(), "{bad}");
    }
    let long = vec!["a"; MAX_SEGMENTS + 1].join(".");
    assert!(Path::parse(&long).is_err());
    assert!(Path::parse(&"a".repeat(MAX_PATH_LEN + 1)).is_err());
}

fn hits(path: &str, payload: &Value) -> Vec<String> {
    let path = Path::parse(path).expect("path");
    path.resolve(payload, "")
        .into_iter()
        .map(|h| match h {
            Hit::Found { path, value } => format!("found {path}={value}"),
            Hit::Missing { path } => format!("missing {path}"),
            Hit::WrongShape { path, expected } => format!("shape {path} {expected}"),
            Hit::NoneSelected { path, selector } => format!("none {path}{selector}"),
        })
        .collect()
}

#[test]
fn paths_walk_arrays_and_report_the_first_missing_property() {
    let cart = json!({"cartItem": [
        {"id": "1", "product": {"place": [{"id": "p1"}, {"role": "x"}]}},
        {"id": "2"},
        {"id": "3", "product": {"place": []}},
        null,
    ]});
    assert_eq!(
        hits("cartItem[].product.place[].id", &cart),
        [
            "found cartItem[0].product.place[0].id=\"p1\"",
            "missing cartItem[0].product.place[1].id",
            "missing cartItem[1].product",
            "missing cartItem[3].product",
        ]
    );
    assert_eq!(
        hits("cartItem[1].id", &cart),
        ["found cartItem[1].id=\"2\""]
    );
    assert_eq!(hits("cartItem[9].id", &cart), ["missing cartItem[9]"]);
    assert_eq!(hits("relatedParty[0].id", &cart), ["missing relatedParty"]);
    // A quantifier over an absent array finds nothing below it ...
    assert!(hits("contactMedium[].characteristic.emailAddress", &cart).is_empty());
    // ... and one that ends the path says no element was selected.
    assert_eq!(hits("contactMedium[]", &cart), ["none contactMedium[]"]);
    assert_eq!(
        hits("cartItem[].product.place[]", &cart),
        [
            "found cartItem[0].product.place[0]={\"id\":\"p1\"}",
            "found cartItem[0].product.place[1]={\"role\":\"x\"}",
            "missing cartItem[1].product",
            "none cartItem[2].product.place[]",
            "missing cartItem[3].product",
        ]
    );
}

#[test]
fn paths_report_wrong_shapes() {
    let cart = json!({"cartItem": {"id": "1"}, "note": "text", "n": [1, [2]]});
    assert_eq!(hits("cartItem[].id", &cart), ["shape cartItem an array"]);
    assert_eq!(hits("note.text", &cart), ["shape note an object"]);
    assert_eq!(
        hits("n[].x", &cart),
        ["shape n[0] an object", "shape n[1] an object"]
    );
    assert_eq!(hits("n[1][0]", &cart), ["found n[1][0]=2"]);
}

#[test]
fn filters_select_elements_by_a_nested_value() {
    let cart = json!({"cartItem": [
        item("1", "Mobile_Device", json!(1)),
        item("2", "Mobile_Offer", json!(1)),
        {"id": "3", "productOffering": {"@referredType": "Mobile_Device"}, "isGift": true, "quantity": 2},
    ]});
    assert_eq!(
        hits(
            "cartItem[productOffering.@referredType=Mobile_Device].id",
            &cart
        ),
        ["found cartItem[0].id=\"1\"", "found cartItem[2].id=\"3\""]
    );
    assert_eq!(
        hits("cartItem[isGift=true].id", &cart),
        ["found cartItem[2].id=\"3\""]
    );
    assert_eq!(
        hits("cartItem[quantity=2].id", &cart),
        ["found cartItem[2].id=\"3\""]
    );
    assert_eq!(
        hits("cartItem[productOffering.@referredType=SIM]", &cart),
        ["none cartItem[productOffering.@referredType=SIM]"]
    );
}

// ---- required ----

#[test]
fn required_properties_must_be_present_and_non_empty() {
    let rules = json!([{"id": "po", "kind": "required", "path": "cartItem[].productOffering.id"}]);
    let cart = json!({"cartItem": [
        {"productOffering": {"id": "a"}},
        {"productOffering": {"id": "  "}},
        {"productOffering": {}},
        {},
        {"productOffering": {"id": null}},
        {"productOffering": "po-1"},
    ]});
    assert_eq!(
        found(rules.clone(), cart),
        [
            (
                "cartItem[1].productOffering.id".into(),
                "must not be empty".into()
            ),
            (
                "cartItem[2].productOffering.id".into(),
                "is required".into()
            ),
            ("cartItem[3].productOffering".into(), "is required".into()),
            (
                "cartItem[4].productOffering.id".into(),
                "is required".into()
            ),
            (
                "cartItem[5].productOffering".into(),
                "must be an object".into()
            ),
        ]
    );
    // No items: nothing to check.
    assert!(properties(rules.clone(), json!({})).is_empty());
    assert!(properties(rules, json!({"cartItem": []})).is_empty());
}

#[test]
fn required_arrays_need_elements() {
    let rules = json!([
        {"kind": "required", "path": "contactMedium"},
        {"kind": "required", "path": "relatedParty[]"},
        {"kind": "required", "path": "cartItem[].product.productCharacteristic[name=IMEI].value"},
    ]);
    let cart = json!({"contactMedium": [], "cartItem": [
        {"product": {"productCharacteristic": [{"name": "IMEI", "value": "3569"}]}},
        {"product": {"productCharacteristic": [{"name": "IMEI", "value": ""}, {"name": "colour", "value": "red"}]}},
    ]});
    assert_eq!(
        found(rules, cart),
        [
            ("contactMedium".into(), "must not be empty".into()),
            (
                "relatedParty".into(),
                "must have at least one element".into()
            ),
            (
                "cartItem[1].product.productCharacteristic[0].value".into(),
                "must not be empty".into()
            ),
        ]
    );
    let rules = json!([{"kind": "required", "path": "cartItem[].product.productCharacteristic[name=IMEI]"}]);
    let cart = json!({"cartItem": [
        {"product": {"productCharacteristic": [{"name": "colour", "value": "red"}]}},
        {"product": {}},
    ]});
    assert_eq!(
        found(rules, cart),
        [
            (
                "cartItem[0].product.productCharacteristic".into(),
                "must have an element with name=IMEI".into()
            ),
            (
                "cartItem[1].product.productCharacteristic".into(),
                "must have an element with name=IMEI".into()
            ),
        ]
    );
}

// ---- allowed values ----

#[test]
fn allowed_values_check_present_values_only() {
    let rules = json!([{"id": "action", "kind": "allowedValues", "path": "cartItem[].action",
                        "values": ["add", "modify", "delete", "noChange"]}]);
    let cart = json!({"cartItem": [{"action": "add"}, {"action": "remove"}, {}, {"action": 3}]});
    assert_eq!(
        found(rules, cart),
        [
            (
                "cartItem[1].action".into(),
                "must be one of \"add\", \"modify\", \"delete\", \"noChange\" (is \"remove\")"
                    .into()
            ),
            (
                "cartItem[3].action".into(),
                "must be one of \"add\", \"modify\", \"delete\", \"noChange\" (is 3)".into()
            ),
        ]
    );
    let rules =
        json!([{"kind": "allowedValues", "path": "cartItem[].quantity", "values": [1, 2, true]}]);
    let cart = json!({"cartItem": [{"quantity": 1.0}, {"quantity": 2}, {"quantity": 3}, {"quantity": "1"}]});
    assert_eq!(
        properties(rules, cart),
        ["cartItem[2].quantity", "cartItem[3].quantity"]
    );
}

// ---- pattern ----

#[test]
fn patterns_match_values_as_text() {
    let rules = json!([{"id": "email", "kind": "pattern",
                        "path": "contactMedium[].characteristic.emailAddress",
                        "pattern": "^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$"}]);
    let cart = json!({"contactMedium": [
        {"mediumType": "email", "characteristic": {"emailAddress": "ann@example.com"}},
        {"mediumType": "email", "characteristic": {"emailAddress": "ann@example"}},
        {"mediumType": "phone", "characteristic": {"phoneNumber": "555"}},
        {"characteristic": {"emailAddress": ["a@b.cd"]}},
    ]});
    assert_eq!(
        found(rules, cart),
        [
            (
                "contactMedium[1].characteristic.emailAddress".into(),
                "must match the pattern ^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$".into()
            ),
            (
                "contactMedium[3].characteristic.emailAddress".into(),
                "must be a string matching the pattern ^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$".into()
            ),
        ]
    );
    let rules = json!([{"kind": "pattern", "path": "cartItem[].quantity", "pattern": "^[1-3]$"}]);
    assert_eq!(
        properties(
            rules,
            json!({"cartItem": [{"quantity": 2}, {"quantity": 4}]})
        ),
        ["cartItem[1].quantity"]
    );
}

#[test]
fn invalid_patterns_are_refused_naming_the_rule() {
    let errs = errors(json!({"name": "n", "rule": [
        {"kind": "required", "path": "cartItem"},
        {"id": "email", "kind": "pattern", "path": "contactMedium[].characteristic.emailAddress", "pattern": "(abc"},
    ]}));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0]
            .starts_with("rule[1].pattern: is not a valid regular expression (rule \"email\"): "),
        "{errs:?}"
    );
    assert!(errs[0].contains("unclosed group"), "{errs:?}");
    // A pattern whose automaton would be huge is refused too.
    let huge = json!([{"kind": "pattern", "path": "a", "pattern": "(\\w{100}){100}"}]);
    assert_eq!(error_fields(huge), ["rule[0].pattern"]);
}

// ---- item counts ----

#[test]
fn item_counts_limit_items_of_a_type() {
    let rules =
        json!([{"id": "max-devices", "kind": "itemCount", "itemType": "Mobile_Device", "max": 2}]);
    let cart = json!({"cartItem": [
        item("1", "Mobile_Device", json!(1)),
        item("2", "Mobile_Offer", json!(1)),
        item("3", "Mobile_Device", json!(1)),
        {"id": "4", "action": "delete", "productOffering": {"@referredType": "Mobile_Device"}},
        item("5", "Mobile_Device", json!(1)),
        item("6", "Mobile_Device", json!(1)),
    ]});
    assert_eq!(
        found(rules, cart.clone()),
        [(
            "cartItem[4]".into(),
            "at most 2 items of type Mobile_Device allowed in a cart (found 4)".into()
        )]
    );
    let rules = json!([{"kind": "itemCount", "itemType": "Mobile_Device", "max": 3, "countBy": "quantity"}]);
    let cart = json!({"cartItem": [item("1", "Mobile_Device", json!(2)), item("2", "Mobile_Device", json!(2))]});
    assert_eq!(
        found(rules, cart),
        [(
            "cartItem[1].quantity".into(),
            "at most 3 units of type Mobile_Device allowed in a cart (found 4)".into()
        )]
    );
}

#[test]
fn item_counts_demand_a_minimum() {
    let rules = json!([{"id": "not-empty", "kind": "itemCount", "min": 1}]);
    assert_eq!(
        found(rules.clone(), json!({})),
        [(
            "cartItem".into(),
            "at least 1 item required in a cart (found 0)".into()
        )]
    );
    assert!(properties(rules.clone(), json!({"cartItem": [{"id": "1"}]})).is_empty());
    // Deleted items do not count.
    assert_eq!(
        properties(
            rules,
            json!({"cartItem": [{"id": "1", "action": "delete"}]})
        ),
        ["cartItem"]
    );
    let rules =
        json!([{"kind": "itemCount", "itemType": ["Mobile_Offer", "BB_Plan"], "min": 1, "max": 1}]);
    assert_eq!(
        found(
            rules.clone(),
            json!({"cartItem": [item("1", "Mobile_Device", json!(1))]})
        ),
        [(
            "cartItem".into(),
            "at least 1 item of type Mobile_Offer or BB_Plan required in a cart (found 0)".into()
        )]
    );
    assert!(properties(rules, json!({"cartItem": [item("1", "BB_Plan", json!(1))]})).is_empty());
}

#[test]
fn item_types_come_from_the_type_path_or_item_type() {
    let cart = json!({"cartItem": [
        {"id": "1", "itemType": "Mobile_Device"},
        {"id": "2", "productOffering": {"@referredType": "Mobile_Device"}, "itemType": "SIM"},
        {"id": "3", "product": {"productCharacteristic": [{"name": "kind", "value": "Mobile_Device"}]}},
    ]});
    let rules = json!([{"kind": "itemCount", "itemType": "Mobile_Device", "max": 0}]);
    let all = found(rules, cart.clone());
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0].1,
        "at most 0 items of type Mobile_Device allowed in a cart (found 2)"
    );
    // An explicit typePath has no fallback.
    let rules = json!([{"kind": "itemCount", "itemType": "Mobile_Device", "max": 0,
                        "typePath": "product.productCharacteristic[name=kind].value"}]);
    assert_eq!(
        found(rules, cart),
        [(
            "cartItem[2]".into(),
            "at most 0 items of type Mobile_Device allowed in a cart (found 1)".into()
        )]
    );
}

// ---- requires ----

#[test]
fn requires_needs_another_item_of_the_required_type() {
    let rules = json!([{"id": "device-needs-plan", "kind": "requires",
                        "itemType": "Mobile_Device", "requiredItemType": ["Mobile_Offer", "Prepaid_Offer"]}]);
    let lonely = json!({"cartItem": [
        item("1", "Mobile_Device", json!(1)),
        item("2", "Mobile_Accessory", json!(1)),
        item("3", "Mobile_Device", json!(1)),
    ]});
    assert_eq!(
        found(rules.clone(), lonely),
        [
            (
                "cartItem[0]".into(),
                "an item of type Mobile_Device needs an item of type Mobile_Offer or Prepaid_Offer in the cart".into()
            ),
            (
                "cartItem[2]".into(),
                "an item of type Mobile_Device needs an item of type Mobile_Offer or Prepaid_Offer in the cart".into()
            ),
        ]
    );
    let with_plan = json!({"cartItem": [item("1", "Mobile_Device", json!(1)), item("2", "Prepaid_Offer", json!(1))]});
    assert!(properties(rules.clone(), with_plan).is_empty());
    // A plan that is being deleted does not count.
    let deleted = json!({"cartItem": [item("1", "Mobile_Device", json!(1)),
        {"id": "2", "action": "delete", "productOffering": {"@referredType": "Mobile_Offer"}}]});
    assert_eq!(properties(rules, deleted), ["cartItem[0]"]);
    // An item does not satisfy its own requirement.
    let rules = json!([{"kind": "requires", "itemType": "Mobile_Offer", "requiredItemType": "Mobile_Offer"}]);
    assert_eq!(
        properties(
            rules.clone(),
            json!({"cartItem": [item("1", "Mobile_Offer", json!(1))]})
        ),
        ["cartItem[0]"]
    );
    assert!(
        properties(
            rules,
            json!({"cartItem": [item("1", "Mobile_Offer", json!(1)), item("2", "Mobile_Offer", json!(1))]})
        )
        .is_empty()
    );
}

#[test]
fn requires_with_a_relationship_type_needs_a_link() {
    let rules = json!([{"kind": "requires", "itemType": "Mobile_Device",
                        "requiredItemType": "Mobile_Offer", "relationshipType": "depends on"}]);
    let mut device = item("d1", "Mobile_Device", json!(1));
    let plan = item("p1", "Mobile_Offer", json!(1));
    let unlinked = json!({"cartItem": [device.clone(), plan.clone()]});
    assert_eq!(
        found(rules.clone(), unlinked),
        [(
            "cartItem[0]".into(),
            "an item of type Mobile_Device needs an item of type Mobile_Offer related to it by depends on".into()
        )]
    );
    device["cartItemRelationship"] = json!([{"id": "p1", "relationshipType": "depends on"}]);
    let linked = json!({"cartItem": [device.clone(), plan.clone()]});
    assert!(properties(rules.clone(), linked).is_empty());
    device["cartItemRelationship"] = json!([{"id": "p1", "relationshipType": "hasAddOn"}]);
    assert_eq!(
        properties(
            rules.clone(),
            json!({"cartItem": [device.clone(), plan.clone()]})
        ),
        ["cartItem[0]"]
    );
    // The link may point the other way.
    let mut plan = plan;
    plan["cartItemRelationship"] = json!([{"id": "d1", "relationshipType": "depends on"}]);
    assert!(properties(rules, json!({"cartItem": [device, plan]})).is_empty());
}

// ---- max quantity ----

#[test]
fn max_quantity_per_item() {
    let rules = json!([{"id": "max-qty", "kind": "maxQuantity", "max": 3}]);
    let cart = json!({"cartItem": [
        item("1", "Mobile_Device", json!(3)),
        item("2", "Mobile_Device", json!(4)),
        {"id": "3"},
        {"id": "4", "quantity": "many"},
        {"id": "5", "quantity": 9, "action": "delete"},
    ]});
    assert_eq!(
        found(rules, cart.clone()),
        [
            ("cartItem[1].quantity".into(), "must be at most 3".into()),
            (
                "cartItem[3].quantity".into(),
                "must be a number of at most 3".into()
            ),
        ]
    );
    let only_accessories =
        json!([{"kind": "maxQuantity", "max": 3, "itemType": "Mobile_Accessory"}]);
    assert!(properties(only_accessories, cart).is_empty());
}

#[test]
fn custom_messages_replace_the_default() {
    let rules = json!([{"id": "max-qty", "kind": "maxQuantity", "max": 1, "message": "one of each, please"}]);
    assert_eq!(
        found(rules, json!({"cartItem": [{"quantity": 2}]})),
        [("cartItem[0].quantity".into(), "one of each, please".into())]
    );
}

// ---- rule sets ----

#[test]
fn violations_display_the_property_rule_set_and_rule() {
    let rules = json!([{"kind": "required", "path": "note"}, {"id": "max-qty", "kind": "maxQuantity", "max": 3}]);
    let payload = json!({"cartItem": [{}, {}, {"quantity": 4}]});
    let shown: Vec<String> = set(rules)
        .check(&payload)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        [
            "note: is required (rule set \"retail-limits\", rule \"rule[0]\")",
            "cartItem[2].quantity: must be at most 3 (rule set \"retail-limits\", rule \"max-qty\")",
        ]
    );
    let v = &set(json!([{"id": "max-qty", "kind": "maxQuantity", "max": 3}])).check(&payload)[0];
    let field = FieldError::from(v);
    assert_eq!(field.field, "cartItem[2].quantity");
    assert_eq!(
        field.rule,
        "must be at most 3 (rule set \"retail-limits\", rule \"max-qty\")"
    );
    assert_eq!(
        serde_json::to_value(v).expect("json"),
        json!({"ruleSet": "retail-limits", "rule": "max-qty", "property": "cartItem[2].quantity", "message": "must be at most 3"})
    );
}

#[test]
fn only_active_rule_sets_for_the_channel_are_evaluated() {
    let doc = |status: &str, channel: Value| {
        RuleSet::from_document(&json!({"id": format!("{status}-{channel}"), "name": "n",
            "lifecycleStatus": status, "channel": channel,
            "rule": [{"kind": "required", "path": "note"}]}))
        .expect("parses")
    };
    let sets = [
        doc("Active", json!(["ECOMM"])),
        doc("active", json!([{"id": "ATTR", "name": "Retail"}])),
        doc("In design", json!([])),
        doc("Retired", Value::Null),
        doc("ACTIVE", Value::Null),
    ];
    let sets_of = |channel: &str| -> Vec<String> {
        evaluate(&sets, &json!({}), channel)
            .into_iter()
            .map(|v| v.rule_set)
            .collect()
    };
    assert_eq!(sets_of("ECOMM"), ["Active-[\"ECOMM\"]", "ACTIVE-null"]);
    assert_eq!(sets_of("ecomm"), ["Active-[\"ECOMM\"]", "ACTIVE-null"]);
    assert_eq!(
        sets_of("ATTR"),
        [
            "active-[{\"id\":\"ATTR\",\"name\":\"Retail\"}]",
            "ACTIVE-null"
        ]
    );
    assert_eq!(sets_of("SelfService"), ["ACTIVE-null"]);
    assert!(evaluate(&sets, &json!({"note": [{"text": "x"}]}), "ECOMM").is_empty());
    assert!(evaluate(&[], &json!({}), "ECOMM").is_empty());
    let without_lifecycle = RuleSet::from_document(&json!({"name": "n"})).expect("parses");
    assert!(!without_lifecycle.is_active());
    assert_eq!(without_lifecycle.id(), "n");
}

#[test]
fn bad_rule_sets_name_each_attribute() {
    assert_eq!(
        error_fields(json!([
            {"kind": "required"},
            {"kind": "sometimes", "path": "a"},
            "required",
            {"kind": "required", "path": "a[", "maximum": 3},
            {"kind": "allowedValues", "path": "a", "values": []},
            {"kind": "allowedValues", "path": "a", "values": ["x", {"y": 1}]},
            {"kind": "itemCount"},
            {"kind": "itemCount", "min": 3, "max": 2, "countBy": "units"},
            {"kind": "itemCount", "max": -1, "itemType": []},
            {"kind": "requires", "itemType": "A"},
            {"kind": "maxQuantity", "max": 0},
            {"kind": "maxQuantity", "max": 2.5, "typePath": ""},
            {"id": "x", "kind": "required", "path": "a"},
            {"id": "x", "kind": "required", "path": "b"},
            {"id": "a b", "kind": "required", "path": "b", "message": 5},
        ])),
        [
            "rule[0].path",
            "rule[1].kind",
            "rule[2]",
            "rule[3].maximum",
            "rule[3].path",
            "rule[4].values",
            "rule[5].values[1]",
            "rule[6].max",
            "rule[7].countBy",
            "rule[7].min",
            "rule[8].itemType",
            "rule[8].max",
            "rule[9].requiredItemType",
            "rule[10].max",
            "rule[11].typePath",
            "rule[11].max",
            "rule[13].id",
            "rule[14].id",
            "rule[14].message",
        ]
    );
    assert_eq!(
        errors(
            json!({"name": "n", "rule": {}, "channel": [5, {"name": "x"}, "ECOMM"], "lifecycleStatus": 1})
        ),
        [
            "lifecycleStatus: must be a string",
            "channel[0]: must be a channel id or an object with a non-empty id",
            "channel[1]: must be a channel id or an object with a non-empty id",
            "rule: must be an array of at most 500 rules",
        ]
    );
    assert_eq!(errors(json!([])), ["body: must be a JSON object"]);
    let msg = errors(
        json!({"name": "n", "rule": [{"kind": "pattern", "path": "a", "pattern": "x", "max": 1}]}),
    );
    assert_eq!(
        msg,
        ["rule[0].max: is not an attribute of a pattern rule (it has path, pattern)"]
    );
}

#[test]
fn the_resource_spec_refuses_bad_rules_on_create() {
    use crate::document::Mode;
    let bad = json!({"name": "n", "rule": [{"kind": "required", "path": "a"}, {"kind": "pattern", "path": "a", "pattern": "["}]});
    let fields: Vec<String> = RULE_SET_SPEC
        .validate(&bad, Mode::Create)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["rule[1].pattern"]);
    // Type errors come first.
    let fields: Vec<String> = RULE_SET_SPEC
        .validate(&json!({"name": "n", "rule": "x"}), Mode::Create)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["rule"]);
    assert!(
        RULE_SET_SPEC
            .validate(
                &json!({"name": "n", "channel": ["ECOMM"], "rule": []}),
                Mode::Create
            )
            .is_ok()
    );
}

#[test]
fn the_documented_example_parses() {
    let start = ENCODING.find("```json").expect("example") + "```json".len();
    let end = start + ENCODING[start..].find("```").expect("end of example");
    let doc: Value = serde_json::from_str(&ENCODING[start..end]).expect("example is JSON");
    let set = RuleSet::from_document(&doc).expect("example parses");
    assert_eq!(set.rule_ids().count(), 7);
    assert!(set.applies_to("attr"));
}

// ---- properties ----

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..20).prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "",
            " ",
            "add",
            "delete",
            "Mobile_Device",
            "Mobile_Offer",
            "a@b.cd",
            "IMEI",
            "1",
            "x"
        ])
        .prop_map(|s| json!(s)),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "cartItem",
        "id",
        "action",
        "quantity",
        "productOffering",
        "@referredType",
        "itemType",
        "product",
        "productCharacteristic",
        "name",
        "value",
        "cartItemRelationship",
        "relationshipType",
        "contactMedium",
        "characteristic",
        "emailAddress",
    ]);
    json_leaf().prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

fn cart_item() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["1", "2", "3", "4"]),
        prop::sample::select(vec!["add", "delete", "modify"]),
        prop::option::of(0i64..6),
        prop::sample::select(vec!["Mobile_Device", "Mobile_Offer", "SIM", ""]),
        prop::option::of(prop::sample::select(vec!["1", "2", "3", "4"])),
        prop::option::of(prop::sample::select(vec!["", "3569", "x"])),
    )
        .prop_map(|(id, action, qty, kind, rel, imei)| {
            let mut item = json!({"id": id, "action": action,
                                  "productOffering": {"id": format!("po-{id}"), "@referredType": kind}});
            if let Some(q) = qty {
                item["quantity"] = json!(q);
            }
            if let Some(rel) = rel {
                item["cartItemRelationship"] = json!([{"id": rel, "relationshipType": "depends on"}]);
            }
            if let Some(imei) = imei {
                item["product"] = json!({"productCharacteristic": [{"name": "IMEI", "value": imei}]});
            }
            item
        })
}

fn cart() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(cart_item(), 0..7),
        prop::collection::vec(prop::sample::select(vec!["a@b.cd", "nope", ""]), 0..3),
    )
        .prop_map(|(items, emails)| {
            json!({"cartItem": items,
                   "contactMedium": emails.into_iter().map(|e| json!({"characteristic": {"emailAddress": e}})).collect::<Vec<_>>()})
        })
}

fn any_rule() -> impl Strategy<Value = Value> {
    let types = prop::sample::select(vec!["Mobile_Device", "Mobile_Offer", "SIM"]);
    let paths = prop::sample::select(vec![
        "cartItem",
        "cartItem[]",
        "cartItem[].id",
        "cartItem[].productOffering.id",
        "cartItem[].product.productCharacteristic[name=IMEI].value",
        "cartItem[productOffering.@referredType=Mobile_Device].quantity",
        "cartItem[0].action",
        "contactMedium[].characteristic.emailAddress",
        "relatedParty[].id",
    ]);
    prop_oneof![
        paths
            .clone()
            .prop_map(|p| json!({"kind": "required", "path": p})),
        (paths.clone(), prop::collection::vec(json_leaf(), 1..4)).prop_map(|(p, vs)| {
            let vs: Vec<Value> = vs.into_iter().filter(|v| !v.is_null()).collect();
            let vs = if vs.is_empty() {
                vec![json!("add")]
            } else {
                vs
            };
            json!({"kind": "allowedValues", "path": p, "values": vs})
        }),
        (
            paths,
            prop::sample::select(vec!["^a", "@", "^[0-9]+$", "^\\S+@\\S+\\.\\w+$"])
        )
            .prop_map(|(p, re)| json!({"kind": "pattern", "path": p, "pattern": re})),
        (
            prop::option::of(types.clone()),
            prop::option::of(0u64..4),
            0u64..8,
            any::<bool>()
        )
            .prop_map(|(t, min, max, q)| {
                let mut r = json!({"kind": "itemCount", "max": max + min.unwrap_or(0),
                                   "countBy": if q { "quantity" } else { "item" }});
                if let Some(t) = t {
                    r["itemType"] = json!(t);
                }
                if let Some(min) = min {
                    r["min"] = json!(min);
                }
                r
            }),
        (types.clone(), types.clone(), any::<bool>()).prop_map(|(a, b, linked)| {
            let mut r = json!({"kind": "requires", "itemType": a, "requiredItemType": b});
            if linked {
                r["relationshipType"] = json!("depends on");
            }
            r
        }),
        (prop::option::of(types), 1u64..5).prop_map(|(t, max)| {
            let mut r = json!({"kind": "maxQuantity", "max": max});
            if let Some(t) = t {
                r["itemType"] = json!(t);
            }
            r
        }),
    ]
}

fn rule_set(rules: Vec<Value>) -> RuleSet {
    set(Value::Array(rules))
}

proptest! {
    // Failures are shown with their minimal input; nothing is written to disk.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn evaluation_never_panics(payload in any_json(), rules in prop::collection::vec(any_rule(), 0..8)) {
        let set = rule_set(rules);
        let violations = evaluate(std::slice::from_ref(&set), &payload, "ECOMM");
        for v in &violations {
            prop_assert!(!v.property.is_empty());
            prop_assert_eq!(&v.rule_set, "retail-limits");
        }
    }

    #[test]
    fn parsing_never_panics(doc in any_json(), rules in prop::collection::vec(any_json(), 0..4)) {
        let _ = RuleSet::from_document(&doc);
        let _ = RuleSet::from_document(&json!({"name": "n", "rule": rules}));
    }

    #[test]
    fn rules_are_independent(payload in cart(), rules in prop::collection::vec(any_rule(), 1..8)) {
        // A set's violations are its rules' violations, one rule after another ...
        let whole = rule_set(rules.clone()).check(&payload);
        let mut one_by_one = Vec::new();
        for rule in &rules {
            one_by_one.extend(rule_set(vec![rule.clone()]).check(&payload).into_iter().map(|v| (v.property, v.message)));
        }
        let whole_pairs: Vec<(String, String)> = whole.iter().map(|v| (v.property.clone(), v.message.clone())).collect();
        prop_assert_eq!(whole_pairs, one_by_one);
    }

    #[test]
    fn a_satisfied_rule_set_stays_satisfied_without_a_rule(
        payload in cart(),
        rules in prop::collection::vec(any_rule(), 1..8),
        drop in 0usize..8,
    ) {
        let set = rule_set(rules);
        let before = set.check(&payload);
        let after = set.without_rule(drop).check(&payload);
        // Removing a rule never adds a violation.
        prop_assert!(after.iter().all(|v| before.contains(v)));
        if before.is_empty() {
            prop_assert!(after.is_empty());
        }
    }
}
