//! The cart's OpenAPI fragment: the generic TMF resource description, plus
//! the `channelId` header and the page's roles.

use super::BASE;
use crate::tmf::TmfResource;
use omni_core::cart::SHOPPING_CART;
use serde_json::{Map, Value, json};

pub fn fragment() -> (Map<String, Value>, Map<String, Value>) {
    let res = TmfResource {
        api_base: BASE,
        domain: "shoppingCart",
        spec: &SHOPPING_CART,
        write_role: omni_app::cart::WRITE_ROLE,
        read_role: Some(omni_app::cart::READ_ROLE),
        tag: "TMF663 Shopping Cart",
        version_counter: None,
    };
    let (mut paths, schemas) = crate::tmf::openapi::fragment(&res);
    let channel = json!({"name": "channelId", "in": "header", "required": true,
        "description": "Channel of the request", "schema": {"type": "string", "enum": omni_core::channel::CHANNELS}});
    let who = "Callers: user and m2m principals need sc.ops to write and sc.view (or sc.ops) to read any cart of their tenant; \
               a customer reaches only their own carts (another's is a 404); an unauthenticated prospect may create a cart \
               and reach an unowned cart by its id. Creating and updating validate eligibility (400 'Offerings with ids: … are \
               ineligible!'), service qualification (unservable items become savedForLater), the tenant's validation rule sets \
               and item relationships, then price the items and apply promotions.";
    for item in paths.values_mut() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if matches!(method.as_str(), "post" | "patch") {
                if let Some(Value::Array(params)) = op.get_mut("parameters") {
                    params.push(channel.clone());
                } else {
                    op["parameters"] = json!([channel.clone()]);
                }
            }
            op["description"] = json!(who);
            op["security"] = json!([{}, {"bearerAuth": []}]);
            if method == "delete" {
                op["responses"]["409"] = json!({"description": "The cart changed while it was being deleted; retry",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
            }
        }
    }
    (paths, schemas)
}
