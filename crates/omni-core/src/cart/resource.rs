use crate::document::{AttrRule, AttrType::*, ResourceSpec, attr};

const CART: &[AttrRule] = &[
    attr(
        "cartItem",
        Array,
        "Items: productOffering, quantity, action, product (with place for service addresses), cartItemRelationship",
    ),
    attr("contactMedium", Array, "How to reach the buyer"),
    attr(
        "relatedParty",
        Array,
        "Parties; a customer's own cart names them automatically",
    ),
    attr("note", Array, "Notes"),
    attr("@type", Text(255), "Class name (defaults to ShoppingCart)"),
    attr("@baseType", Text(255), "Super-class when sub-classing"),
    attr(
        "@schemaLocation",
        Text(2000),
        "URI of a JSON schema for extension attributes",
    ),
];

/// TMF663 `ShoppingCart`: totals and validity are computed, never sent.
pub const SHOPPING_CART: ResourceSpec = ResourceSpec {
    kind: "shoppingCart",
    type_name: "ShoppingCart",
    attrs: CART,
    default_lifecycle: None,
    server_owned: &["href", "cartTotalPrice", "validFor"],
    check: None,
};
