//! Regressions of what schemathesis (`.ci/fuzz.sh`) found, black-box over
//! HTTP: each was a 5xx or an answer its own OpenAPI schema does not allow.
mod common;

use common::{CATALOG, TestServer};
use omni_core::PrincipalKind;
use serde_json::{Value, json};

/// A query parameter name longer than the limit whose cut-off point fell
/// inside a multi-byte character panicked (500) while naming it in the 400.
#[tokio::test]
async fn a_long_non_ascii_parameter_name_is_a_400() {
    let s = TestServer::start().await;
    let name = format!("a{}", "é".repeat(150));
    for path in [
        format!("{CATALOG}/category"),
        format!("{CATALOG}/category/some-id"),
    ] {
        let url =
            reqwest::Url::parse_with_params(&s.url(&path), [(name.as_str(), "x")]).expect("url");
        let resp = s.client.get(url).send().await.expect("send");
        assert_eq!(resp.status(), 400, "{path}");
        let body: Value = resp.json().await.expect("json");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains("longer than"), "{body}");
    }
}

/// A new resource stored `validFor.startDateTime: null`, which the schema of
/// its answer (a date-time string) does not allow; a merge patch may still
/// remove the bound with `null`.
#[tokio::test]
async fn a_null_period_bound_is_refused_on_create_and_removes_in_a_patch() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let resp = s
        .client
        .post(s.url(&format!("{CATALOG}/catalog")))
        .bearer_auth(&admin)
        .json(&json!({"id": "c", "name": "C", "validFor": {"startDateTime": null, "endDateTime": "2030-01-01T00:00:00Z"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        body["details"][0]["field"], "validFor.startDateTime",
        "{body}"
    );

    s.create(
        "catalog",
        &admin,
        json!({"id": "c", "name": "C", "validFor": {"startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2030-01-01T00:00:00Z"}}),
    )
    .await;
    let resp = s
        .client
        .patch(s.url(&format!("{CATALOG}/catalog/c")))
        .bearer_auth(&admin)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"validFor": {"startDateTime": null}}).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        body["validFor"],
        json!({"endDateTime": "2030-01-01T00:00:00Z"})
    );
}

/// A qualification request with an attribute sent as `null` was answered
/// and stored with that `null`, which the attribute's type does not allow.
#[tokio::test]
async fn a_null_attribute_of_a_qualification_request_is_not_stored() {
    let s = TestServer::start_with_demo().await;
    let token = s.token(PrincipalKind::User, &["sc.ops"], "default");
    let path = "/tmf-api/productOfferingQualification/v4/productOfferingQualification";
    let resp = s
        .client
        .post(s.url(path))
        .bearer_auth(&token)
        .json(&json!({"channel": {"id": "SelfService"}, "provideUnavailabilityReason": null,
                      "description": null,
                      "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "BB_Plan_fiber-5000"}, "state": null}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.expect("json");
    let id = created["id"].as_str().expect("id");
    let resp = s
        .client
        .get(s.url(&format!("{path}/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    let stored: Value = resp.json().await.expect("json");
    for answer in [&created, &stored] {
        let map = answer.as_object().expect("object");
        assert!(!map.contains_key("provideUnavailabilityReason"), "{answer}");
        assert!(!map.contains_key("description"), "{answer}");
        let item = &answer["productOfferingQualificationItem"][0];
        assert!(item.get("state").is_none_or(|v| !v.is_null()), "{answer}");
    }
}

/// With `fields`, reads answer only the attributes named, so the document
/// points their answers at `<Name>_Fields`, which requires none; creates and
/// changes answer the whole resource and keep `<Name>`'s required list.
#[tokio::test]
async fn projected_reads_are_documented_without_required_attributes() {
    let s = TestServer::start().await;
    let doc: Value = s
        .client
        .get(s.url("/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let item = &doc["paths"][format!("{CATALOG}/productOffering/{{id}}")];
    let ok = |op: &str| {
        item[op]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].clone()
    };
    assert_eq!(ok("get"), "#/components/schemas/ProductOffering_Fields");
    assert_eq!(ok("patch"), "#/components/schemas/ProductOffering");
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ProductOffering_Fields"].get("required").is_none());
    assert!(schemas["ProductOffering"]["required"].is_array());

    let resp = s
        .client
        .get(s.url(&format!("{CATALOG}/productOffering?fields=nosuchattribute")))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
}

/// Attributes a qualification request may carry but the engine does not
/// read (`description`, `externalId`, a reference's `name`) were stored and
/// answered back whatever their type; they are now checked against the
/// documented request schema, and a wrong type is a 400 naming them.
#[tokio::test]
async fn unread_attributes_of_a_qualification_request_are_type_checked() {
    let s = TestServer::start_with_demo().await;
    let token = s.token(PrincipalKind::User, &["sc.ops"], "default");
    let poq = "/tmf-api/productOfferingQualification/v4/productOfferingQualification";
    let sq = "/tmf-api/serviceQualificationManagement/v4/checkServiceQualification";
    let item = json!([{"id": "1", "service": {"serviceSpecification": {"id": "fiber"},
                       "place": [{"id": "00010LVFT8", "role": "serviceAddress"}]}}]);
    let cases = [
        (
            poq,
            json!({"channel": {"id": "SelfService", "name": 5}, "description": {},
                     "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "BB_Plan_fiber-5000"}}]}),
            vec!["channel.name", "description"],
        ),
        (
            sq,
            json!({"serviceQualificationItem": item, "externalId": {}}),
            vec!["externalId"],
        ),
    ];
    for (path, body, fields) in cases {
        let resp = s
            .client
            .post(s.url(path))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 400, "{path}");
        let answer: Value = resp.json().await.expect("json");
        let mut named: Vec<&str> = answer["details"]
            .as_array()
            .expect("details")
            .iter()
            .filter_map(|d| d["field"].as_str())
            .collect();
        named.sort();
        assert_eq!(named, fields, "{answer}");
    }
}

/// A cancellation stored the request's reference to the order as sent, so
/// `@referredType: 5` or any other attribute came back in the answer, which
/// the reference's schema does not allow. The reference is now the order's
/// id, link and type (and a name, when a string).
#[tokio::test]
async fn a_cancellation_answers_a_clean_reference_to_the_order() {
    let s = TestServer::start().await;
    s.load_demo().await;
    let token = s.token(PrincipalKind::User, &["order.ops"], "default");
    let orders = "/tmf-api/productOrderingManagement/v4/productOrder";
    let resp = s
        .client
        .post(s.url(orders))
        .bearer_auth(&token)
        .json(&common::product_order())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    let order: Value = resp.json().await.expect("json");
    let id = order["id"].as_str().expect("id");
    let resp = s
        .client
        .post(s.url("/tmf-api/productOrderingManagement/v4/cancelProductOrder"))
        .bearer_auth(&token)
        .json(&json!({"productOrder": {"id": id, "@referredType": 5, "name": "mine", "extra": {}}}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    let answer: Value = resp.json().await.expect("json");
    assert_eq!(
        answer["productOrder"],
        json!({"id": id, "href": s.url(&format!("{orders}/{id}")), "@referredType": "ProductOrder", "name": "mine"})
    );
}
