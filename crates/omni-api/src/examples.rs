//! Request examples of the OpenAPI document: a realistic body for each
//! operation that creates or asks something, naming the demo data. Those
//! that need nothing created first are accepted as they stand; those that
//! name an order (ids are the server's) show the shape. Swagger UI fills them
//! in; schemathesis sends them in its `examples` phase, so success answers of
//! every family are checked against their schemas.

use serde_json::{Map, Value, json};

const TMF620: &str = "/tmf-api/productCatalogManagement/v4";
const TMF622: &str = "/tmf-api/productOrderingManagement/v4";
const CARE: &str = "/api/orderingMobility/v1";
const ORDERS: &str = "/omni-svcs/v1";

/// The plan, phone and SIM of the README's walk-through.
const PLAN: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const PHONE: &str = "Mobile_Device_pkey73001_sku2680262";
const SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";

fn examples() -> Vec<(String, &'static str, Value)> {
    let care = |name: &str, body: Value| (format!("{CARE}/{name}"), "post", body);
    vec![
        (
            format!("{TMF620}/productOffering"),
            "post",
            json!({
            "name": "5G Starter", "lifecycleStatus": "Active", "productOfferingType": "Mobile_Offer",
            "category": [{"id": "Mobile_Offers"}], "channel": [{"id": "ECOMM"}], "paymentType": ["Postpaid"]}),
        ),
        (
            format!("{TMF620}/productOffering/{{id}}"),
            "patch",
            json!({"description": "Unlimited talk and text, 5 GB data"}),
        ),
        (
            format!("{TMF620}/category"),
            "post",
            json!({"name": "Wearables", "isRoot": false, "parentId": "Mobile_Devices"}),
        ),
        (
            format!("{TMF620}/catalog"),
            "post",
            json!({"name": "Spring catalog", "catalogType": "ProductCatalog"}),
        ),
        (
            format!("{TMF620}/productSpecification"),
            "post",
            json!({"name": "5G plan", "brand": "Omni", "lifecycleStatus": "Active"}),
        ),
        (
            format!("{TMF620}/productOfferingPrice"),
            "post",
            json!({"name": "Monthly plan price", "priceType": "recurring",
            "recurringChargePeriodType": "month", "price": {"unit": "USD", "value": 35}}),
        ),
        (
            "/tmf-api/promotionManagement/v4/promotion".into(),
            "post",
            json!({
            "name": "15% off activation online", "promotionType": "Discount", "lifecycleStatus": "Active",
            "validFor": {"startDateTime": "2025-01-01T00:00:00Z"},
            "pattern": [{"priority": 10,
                "criteriaGroup": [{"criteria": [
                    {"criteriaParameter": "channel.id", "criteriaOperator": "=", "criteriaValue": "ECOMM"},
                    {"criteriaParameter": "category.id", "criteriaOperator": "=", "criteriaValue": "Mobile_Offers"}]}],
                "action": [{"actionType": "percentOff", "actionValue": "15", "priceType": "oneTime"}]}]}),
        ),
        (
            "/tmf-api/shoppingCart/v4/validationRuleSet".into(),
            "post",
            json!({
            "name": "Retail limits", "lifecycleStatus": "Active", "channel": ["ATTR"],
            "rule": [{"id": "max-qty", "kind": "maxQuantity", "max": 3}]}),
        ),
        (
            "/tmf-api/shoppingCart/v4/shoppingCart".into(),
            "post",
            json!({"cartItem": [
            {"id": "1", "productOffering": {"id": PLAN}},
            {"id": "2", "productOffering": {"id": PHONE}},
            {"id": "3", "productOffering": {"id": SIM}}]}),
        ),
        (
            "/tmf-api/productOfferingQualification/v4/productOfferingQualification".into(),
            "post",
            json!({
            "channel": {"id": "SelfService"},
            "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "BB_Plan_fiber-5000"}}]}),
        ),
        (
            "/tmf-api/serviceQualificationManagement/v4/checkServiceQualification".into(),
            "post",
            json!({
            "serviceQualificationItem": [{"id": "1", "service": {
                "serviceSpecification": {"id": "fiber"},
                "place": [{"id": "00010LVFT8", "role": "serviceAddress"}]}}]}),
        ),
        (
            format!("{TMF622}/productOrder"),
            "post",
            json!({
            "externalId": "ECOMM-1",
            "relatedParty": [{"id": "cust-1001", "role": "customer", "@referredType": "Individual"}],
            "productOrderItem": [
                {"id": "1", "action": "add", "quantity": 1, "productOffering": {"id": PLAN}},
                {"id": "2", "action": "add", "productOffering": {"id": SIM},
                 "productOrderItemRelationship": [{"id": "1", "relationshipType": "reliesOn"}]}]}),
        ),
        (
            format!("{TMF622}/productOrder/{{id}}"),
            "patch",
            json!({"state": "inProgress"}),
        ),
        (
            format!("{TMF622}/cancelProductOrder"),
            "post",
            json!({
            "productOrder": {"id": "42"}, "cancellationReason": "ordered twice"}),
        ),
        (
            format!("{ORDERS}/order/create"),
            "post",
            json!({
            "channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]}),
        ),
        (
            format!("{ORDERS}/order/{{id}}/items"),
            "post",
            json!({"items": [
            {"action": "add", "productOfferingType": "Mobile_Offer", "productOfferingId": PLAN,
             "productOrderItemId": "line-1", "billingAccount": {"id": "556165899573", "ratingType": "postpaid"}},
            {"action": "add", "productOfferingType": "SIM", "productOfferingId": SIM,
             "rootBundleProductOrderItemId": "line-1"}]}),
        ),
        (
            format!("{ORDERS}/order/{{id}}/terms"),
            "post",
            json!({"agreements": [{"name": "ServiceAgreement"}]}),
        ),
        (
            format!("{ORDERS}/order/{{id}}/fulfillment"),
            "post",
            json!({
            "optionId": "standardShipping",
            "shippingAddress": {"addressLine1": "123 Main St", "city": "Dallas", "state": "TX", "zipCode": "75201"}}),
        ),
        (
            format!("{ORDERS}/terms"),
            "post",
            json!({"orderId": "26-46236265737394"}),
        ),
        (
            format!("{ORDERS}/fulfillment-options"),
            "post",
            json!({"orderId": "26-46236265737394"}),
        ),
        (
            format!("{ORDERS}/payment-methods"),
            "post",
            json!({"orderId": "26-46236265737394",
            "card": {"number": "4242424242424242", "expiryMonth": 12, "expiryYear": 2031, "cvv": "123", "holderName": "Jordan Rivera"}}),
        ),
        care(
            "careOrder",
            json!({"careOrderRequest": {
            "foundationAccountNumber": "81730304", "accountGroupId": "73001012763",
            "changeRequest": [{"type": "suspend", "changeRequestId": "s1", "ctn": "1234567893",
                               "suspendServiceReason": "Lost", "effectiveDate": "nextBillingCycle"}]}}),
        ),
        care(
            "careAccount",
            json!({"careAccountRequest": {"accountGroupId": "73001012763", "ctn": "1234567893"}}),
        ),
        care(
            "orderStatus/CareOrder",
            json!({"orderStatusRequest": {"accountGroupId": "73001012763"}}),
        ),
        care(
            "orderCancellation",
            json!({"orderCancellationRequest": {"orderId": "CO-0123456789abcdef"}}),
        ),
    ]
}

/// Puts each example on the JSON media type of its operation's request body.
pub fn add(paths: &mut Map<String, Value>) {
    for (path, method, example) in examples() {
        let Some(body) = paths
            .get_mut(&path)
            .and_then(|item| item.get_mut(method))
            .and_then(|op| op.get_mut("requestBody"))
            .and_then(|body| body.get_mut("content"))
            .and_then(Value::as_object_mut)
        else {
            tracing::warn!(
                path,
                method,
                "request example for an operation with no JSON body"
            );
            continue;
        };
        for (media_type, content) in body.iter_mut() {
            if media_type.contains("json") {
                content["example"] = example.clone();
            }
        }
    }
}
