use crate::document::{AttrRule, AttrType::*, FieldError, ResourceSpec, attr, required};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

const SERVER_OWNED: &[&str] = &["href", "lastUpdate"];

macro_rules! common {
    ($($extra:expr),* $(,)?) => {
        &[
            required("name", Text(255), "Name of the resource"),
            attr("description", Text(4000), "Explanatory text"),
            attr("lifecycleStatus", Text(50), "Lifecycle state, e.g. In design, Active, Retired"),
            attr("version", Text(20), "Version of the resource"),
            attr("validFor", Period, "When the resource is valid"),
            attr("@type", Text(255), "Class name of the resource (defaults to the resource's type)"),
            attr("@baseType", Text(255), "Super-class when sub-classing"),
            attr("@schemaLocation", Text(2000), "URI of a JSON schema for extension attributes"),
            $($extra),*
        ]
    };
}

const OFFERING: &[AttrRule] = common![
    attr(
        "isBundle",
        Boolean,
        "True when the offering bundles other offerings"
    ),
    attr(
        "isSellable",
        Boolean,
        "False when the offering is sold only inside a bundle"
    ),
    attr(
        "statusReason",
        Text(255),
        "Why the lifecycle status was set"
    ),
    attr("agreement", Array, "Agreements the offering needs"),
    attr("attachment", Array, "Pictures, documents"),
    attr(
        "bundledProductOffering",
        Array,
        "Offerings inside this bundle"
    ),
    attr("category", Array, "Categories the offering belongs to"),
    attr("channel", Array, "Sales channels where it is available"),
    attr("marketSegment", Array, "Market segments it targets"),
    attr("place", Array, "Places where it is available"),
    attr(
        "prodSpecCharValueUse",
        Array,
        "Characteristic values the offering fixes"
    ),
    attr("productOfferingPrice", Array, "Prices of the offering"),
    attr(
        "productOfferingRelationship",
        Array,
        "Relationships to other offerings"
    ),
    attr("productOfferingTerm", Array, "Commitment terms"),
    attr("productSpecification", Object, "The specification it sells"),
    attr("resourceCandidate", Object, "Resource candidate"),
    attr("serviceCandidate", Object, "Service candidate"),
    attr("serviceLevelAgreement", Object, "Service level agreement"),
    // Attributes the Product Discovery page (seed 002) answers; typed here
    // so that discovery answers them in the page's shape.
    attr(
        "orderItem",
        Array,
        "Order items ordering the offering creates"
    ),
    attr(
        "bundledProductOfferingGroupOption",
        Array,
        "Choice groups inside a bundle"
    ),
    attr(
        "parentProdOfferGroupOption",
        Array,
        "Bundle choice groups the offering is an option of"
    ),
    attr(
        "isEnabledBy",
        Boolean,
        "True when another offering must enable this one"
    ),
    attr(
        "omsreqrescomponents",
        Array,
        "Components order management sends or gets back"
    ),
];

const PRICE: &[AttrRule] = common![
    attr(
        "isBundle",
        Boolean,
        "True when the price bundles other prices"
    ),
    attr(
        "percentage",
        Number,
        "Percentage when the price is a discount"
    ),
    attr(
        "priceType",
        Text(50),
        "oneTime, recurring, usage, installment…"
    ),
    attr(
        "recurringChargePeriodLength",
        Number,
        "Number of periods of a recurring charge"
    ),
    attr("recurringChargePeriodType", Text(50), "month, week, day…"),
    attr("bundledPopRelationship", Array, "Prices inside this bundle"),
    attr("constraint", Array, "Constraints on the price"),
    attr("place", Array, "Places where the price applies"),
    attr("popRelationship", Array, "Related prices"),
    attr(
        "price",
        Object,
        "The amount: {unit, value}, value a decimal (\"85.99\" or a number)"
    ),
    attr("pricingLogicAlgorithm", Array, "How the price is computed"),
    attr(
        "prodSpecCharValueUse",
        Array,
        "Characteristic values the price depends on"
    ),
    attr("productOfferingTerm", Array, "Commitment terms"),
    attr("tax", Array, "Taxes"),
    attr("unitOfMeasure", Object, "Unit of measure of usage prices"),
];

const SPECIFICATION: &[AttrRule] = common![
    attr("brand", Text(255), "Manufacturer or trademark"),
    attr(
        "isBundle",
        Boolean,
        "True when the specification bundles others"
    ),
    attr("productNumber", Text(255), "Manufacturer's number"),
    attr("attachment", Array, "Pictures, documents"),
    attr(
        "bundledProductSpecification",
        Array,
        "Specifications inside this bundle"
    ),
    attr(
        "productSpecCharacteristic",
        Array,
        "Characteristics the product has"
    ),
    attr(
        "productSpecificationRelationship",
        Array,
        "Related specifications"
    ),
    attr("relatedParty", Array, "Parties involved"),
    attr(
        "resourceSpecification",
        Array,
        "Resources the product needs"
    ),
    attr("serviceSpecification", Array, "Services the product needs"),
    attr("targetProductSchema", Object, "Schema of product instances"),
];

const CATEGORY: &[AttrRule] = common![
    attr("isRoot", Boolean, "True for a top-level category"),
    attr("parentId", Text(100), "Id of the parent category"),
    attr("productOffering", Array, "Offerings in the category"),
    attr("subCategory", Array, "Child categories"),
];

const CATALOG: &[AttrRule] = common![
    attr("catalogType", Text(100), "Kind of catalog"),
    attr("category", Array, "Categories of the catalog"),
    attr("relatedParty", Array, "Parties involved"),
];

const fn spec(
    kind: &'static str,
    type_name: &'static str,
    attrs: &'static [AttrRule],
) -> ResourceSpec {
    ResourceSpec {
        kind,
        type_name,
        attrs,
        default_lifecycle: Some("In design"),
        server_owned: SERVER_OWNED,
        check: None,
    }
}

pub const CATALOG_RESOURCES: [ResourceSpec; 5] = [
    spec("productOffering", "ProductOffering", OFFERING),
    ResourceSpec {
        check: Some(check_price),
        ..spec("productOfferingPrice", "ProductOfferingPrice", PRICE)
    },
    spec(
        "productSpecification",
        "ProductSpecification",
        SPECIFICATION,
    ),
    spec("category", "Category", CATEGORY),
    spec("catalog", "Catalog", CATALOG),
];

/// A price's amount must be one that carts, orders and discovery can use:
/// they read `price.value` as a decimal (a string such as `"85.99"`, as the
/// demo data writes money, or a JSON number), and skip a price whose value
/// is anything else. Refusing it here names the field instead of letting
/// the price silently vanish from every answer.
fn check_price(doc: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    // Multi-line plan tiers (an Omni extension, see data/README.md): carts
    // read them as whole numbers of lines and ignore anything else.
    let mut tier = [None, None];
    for (n, name) in ["lineCountMin", "lineCountMax"].into_iter().enumerate() {
        match doc.get(name) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64().filter(|n| *n >= 1) {
                Some(lines) => tier[n] = Some(lines),
                None => errors.push(FieldError::new(
                    name,
                    "must be a whole number of lines, at least 1",
                )),
            },
        }
    }
    if let [Some(min), Some(max)] = tier
        && max < min
    {
        errors.push(FieldError::new(
            "lineCountMax",
            "must not be less than lineCountMin",
        ));
    }
    let Some(price) = doc.get("price") else {
        return errors;
    };
    match price.get("value") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if Decimal::from_str(s.trim()).is_ok() => {}
        Some(Value::Number(n)) if Decimal::from_str(&n.to_string()).is_ok() => {}
        Some(Value::Number(n)) if Decimal::from_scientific(&n.to_string()).is_ok() => {}
        Some(_) => errors.push(FieldError::new(
            "price.value",
            "must be a decimal amount, e.g. \"85.99\"",
        )),
    }
    match price.get("unit") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(_) => errors.push(FieldError::new(
            "price.unit",
            "must be a currency code, e.g. \"USD\"",
        )),
    }
    errors
}

pub fn resource_spec(kind: &str) -> Option<&'static ResourceSpec> {
    CATALOG_RESOURCES.iter().find(|s| s.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Mode;
    use serde_json::json;

    fn price_errors(body: Value) -> Vec<String> {
        let spec = resource_spec("productOfferingPrice").expect("price spec");
        match spec.validate(&body, Mode::Create) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_price_amount_is_a_decimal() {
        let ok = |value: Value| json!({"name": "p", "price": {"unit": "USD", "value": value}});
        assert!(price_errors(ok(json!("85.99"))).is_empty());
        assert!(price_errors(ok(json!(12))).is_empty());
        assert!(price_errors(ok(json!(12.5))).is_empty());
        assert!(price_errors(json!({"name": "no amount yet"})).is_empty());
        assert_eq!(
            price_errors(ok(json!("85,99"))),
            ["price.value: must be a decimal amount, e.g. \"85.99\""]
        );
        assert_eq!(
            price_errors(json!({"name": "p", "lineCountMin": 3, "lineCountMax": 2})),
            ["lineCountMax: must not be less than lineCountMin"]
        );
        assert_eq!(
            price_errors(json!({"name": "p", "lineCountMin": "two"})),
            ["lineCountMin: must be a whole number of lines, at least 1"]
        );
        assert_eq!(
            price_errors(json!({"name": "p", "price": {"unit": 1, "value": "1"}})),
            ["price.unit: must be a currency code, e.g. \"USD\""]
        );
    }
}
