//! The discovery endpoints' part of the OpenAPI document, generated from the
//! parameter list the validator uses.

use super::BASE;
use omni_core::discovery::{PARAMETERS, parameter_schema};
use serde_json::{Map, Value, json};

fn describe(name: &str) -> &'static str {
    match name {
        "ids" => {
            "Comma-separated offering ids to look up; limit and offset are then not used and cmsInfo is returned"
        }
        "limit" => "Page size, 1 to 200 (required unless ids is given)",
        "offset" => {
            "Zero-based page number: the answer starts at offset × limit (required unless ids is given)"
        }
        "channel" => "SelfService, ATTR or ECOMM: only offers sold in this channel",
        "categoryName" => {
            "WBB_Plans, tobrInitiator, tobrAcceptor, Mobile_Devices, Mobile_Offers, Mobile_Accessories, Mobile_Addons or BB_Plans (subcategories included; any case, as the page writes Mobile_devices)"
        }
        "productOfferingType" => {
            "The catalog's productOfferingType (e.g. Mobile_Device, SIM); the page's Mobile_Sim means SIM"
        }
        "cartId" => {
            "Cart whose line the add-ons are for (with productOrderItemId; required for wireless add-ons). Unknown or not readable by the caller: 400"
        }
        "productOrderItemId" => {
            "Item of cartId whose rate plan the add-ons must fit; add-ons the cart holds, or conflicting with one it holds, are left out of the answer"
        }
        "serviceAddressId" => {
            "Place id: only offers serviceable at this address (required for WBB searches)"
        }
        "characteristics" => {
            "URL-encoded key/value pairs, e.g. [{\"uniqueUrlName\"=\"apple-iphone-15-pro\"}]; all must match"
        }
        "productOfferingId" => "One offering (device details)",
        "relatedProductOfferingId" => {
            "Offers related to this one (its add-ons, swaps, dependencies)"
        }
        "relationType" => "Relationship type of related offers (CommercialRelation matches any)",
        "relationRole" => "Comma-separated relationship roles, e.g. addon",
        "deviceCount" => {
            "Lines or devices priced (1 to 100); picks multi-line price tiers, and above an offer's last tier each line costs that tier's price"
        }
        "referralCode" | "checkEligibilityForCoupon" => {
            "Coupon code: unlocks the promotions it gates"
        }
        "allVariants" | "groupByVariantGroup" => {
            "true: answer every variant of the matching devices' variant groups"
        }
        "suppressSBAPricing" => "Y: leave out productOfferingPrice of devices",
        "productOfferingOnly" => "true: offerings without prices and promotions",
        "losgTypes" => "NEW, UP or AL (comma-separated); UP needs ctn",
        "ctn" => "10-digit telephone number; required when losgTypes is UP",
        _ => "See the README's Product Discovery section for its effect",
    }
}

fn offering_schema() -> Value {
    let string = json!({"type": "string"});
    let array = json!({"type": "array", "items": {"type": "object"}});
    let boolean = json!({"type": "boolean"});
    let mut props = Map::new();
    for name in [
        "id",
        "name",
        "localizedName",
        "description",
        "href",
        "productOfferingType",
        "productOfferingTypeGroup",
        "offerClassification",
    ] {
        props.insert(name.into(), string.clone());
    }
    for name in [
        "mustBeBundled",
        "isBundle",
        "isEnabledBy",
        "primary",
        "serialized",
        "isRestricted",
    ] {
        props.insert(name.into(), boolean.clone());
    }
    for name in [
        "category",
        "bundledProductOffering",
        "productOfferingCharacteristic",
        "immediatePromotion",
        "productOfferingRelationship",
        "productOfferingTotalPrice",
        "productOfferingPrice",
        "cmsInfo",
        "promotionQualificationMessage",
        "orderItem",
        "bundledProductOfferingGroupOption",
        "attachment",
        "parentProdOfferGroupOption",
        "potentialPromotion",
        "omsreqrescomponents",
    ] {
        props.insert(name.into(), array.clone());
    }
    props.insert("variantGroup".into(), json!({"type": "object"}));
    props.insert(
        "validFor".into(),
        json!({"$ref": "#/components/schemas/TimePeriod"}),
    );
    props.insert("valueRank".into(), json!({"type": "integer"}));
    json!({"type": "object", "required": ["id", "name", "href"], "properties": props,
           "description": "A sellable offer with its prices; money amounts are decimal strings"})
}

pub fn fragment() -> (Map<String, Value>, Map<String, Value>) {
    let mut params: Vec<Value> = PARAMETERS
        .iter()
        .chain(["suppressSBAPricing"].iter())
        .map(|name| {
            json!({"name": name, "in": "query", "required": *name == "channel",
                          "description": describe(name), "schema": parameter_schema(name)})
        })
        .collect();
    params.push(json!({"name": "X-ATT-ClientId", "in": "header", "required": true, "schema": {"type": "string", "maxLength": 100},
                       "description": "Calling application; ASF clients must send contract context"}));
    params.push(json!({"name": "idpctx-appname", "in": "header", "required": true, "schema": {"type": "string", "maxLength": 100}}));
    let error = json!({"description": "Invalid request: the message names each parameter and rule",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let one = json!({"$ref": "#/components/schemas/DiscoveryOffering"});
    let mut paths = Map::new();
    paths.insert(BASE.into(), json!({"get": {
        "tags": ["Product Discovery"], "operationId": "discoverProductOfferings",
        "summary": "Offers a customer may buy in a channel, with prices and promotions",
        "parameters": params.clone(), "security": [{}, {"bearerAuth": []}],
        "responses": {"200": {"description": "Matching offers in answer order",
            "headers": {"X-Total-Count": {"schema": {"type": "integer"}}, "X-Result-Count": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"type": "array", "items": one.clone()}}}},
            "400": error.clone(), "401": error.clone()}
    }}));
    let mut single: Vec<Value> = params.into_iter().filter(|p| p["name"] != "ids").collect();
    single.insert(
        0,
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}),
    );
    paths.insert(format!("{BASE}/{{id}}"), json!({"get": {
        "tags": ["Product Discovery"], "operationId": "getProductOffering",
        "summary": "One offer by id, with cmsInfo", "parameters": single, "security": [{}, {"bearerAuth": []}],
        "responses": {"200": {"description": "The offer", "content": {"application/json": {"schema": one}}},
            "400": error.clone(), "401": error.clone(), "404": error}
    }}));
    let mut schemas = Map::new();
    schemas.insert("DiscoveryOffering".into(), offering_schema());
    (paths, schemas)
}
