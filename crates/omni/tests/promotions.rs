//! TMF671 promotions, black-box over HTTP: CRUD, roles, validation errors
//! that name the path, tenancy, the version counter, the OpenAPI document,
//! and the demo promotions (loaded, and applying to the demo catalog).
mod common;

use common::{CATALOG, TestServer};
use omni_core::PrincipalKind;
use omni_core::discovery::money;
use omni_core::promotion::{
    AppliedPromotion, LinePrice, PricedLine, Promotion, PromotionContext, apply,
};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH};
use serde_json::{Value, json};

const PROMOTIONS: &str = "/tmf-api/promotionManagement/v4/promotion";

fn admin(s: &TestServer) -> String {
    s.token(PrincipalKind::User, &["promotion.admin"], "default")
}

fn viewer(s: &TestServer) -> String {
    s.token(PrincipalKind::User, &["promotion.view"], "default")
}

fn url(s: &TestServer, id: Option<&str>) -> String {
    match id {
        Some(id) => s.url(&format!("{PROMOTIONS}/{id}")),
        None => s.url(PROMOTIONS),
    }
}

fn criterion(parameter: &str, op: &str, value: &str) -> Value {
    json!({"criteriaParameter": parameter, "criteriaOperator": op, "criteriaValue": value})
}

/// A valid promotion: 15% off the activation fee of plans bought online.
fn sample(id: &str) -> Value {
    json!({
        "id": id,
        "name": "15% off activation online",
        "promotionType": "Discount",
        "validFor": {"startDateTime": "2025-01-01T00:00:00Z"},
        "pattern": [{
            "priority": 10,
            "criteriaGroup": [{"criteria": [
                criterion("channel.id", "=", "ECOMM"),
                criterion("category.id", "=", "Mobile_Offers"),
            ]}],
            "action": [{"actionType": "percentOff", "actionValue": "15", "priceType": "oneTime"}]
        }]
    })
}

async fn post(s: &TestServer, token: &str, body: &Value) -> reqwest::Response {
    s.client
        .post(url(s, None))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("send")
}

async fn patch(s: &TestServer, token: &str, id: &str, body: &Value) -> reqwest::Response {
    s.client
        .patch(url(s, Some(id)))
        .bearer_auth(token)
        .header(CONTENT_TYPE, "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .expect("send")
}

async fn get(s: &TestServer, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = s.client.get(s.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("send")
}

/// The fields a 400 names, in order.
async fn error_fields(resp: reqwest::Response) -> Vec<String> {
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "INVALID_FIELD", "{body}");
    body["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn counter(s: &TestServer, tenant: &str) -> i64 {
    s.store
        .read_counter(&format!("promotion:{tenant}"))
        .await
        .expect("counter")
}

#[tokio::test]
async fn create_read_list_patch_delete() {
    let s = TestServer::start().await;
    let token = admin(&s);
    let before = counter(&s, "default").await;

    let resp = post(&s, &token, &sample("promo-a")).await;
    assert_eq!(resp.status(), 201);
    assert!(resp.headers().get(ETAG).is_some());
    let created: Value = resp.json().await.expect("json");
    assert_eq!(created["id"], "promo-a");
    assert_eq!(created["@type"], "Promotion");
    assert_eq!(
        created["lifecycleStatus"], "draft",
        "new promotions are drafts"
    );
    assert_eq!(created["href"], url(&s, Some("promo-a")));
    assert!(created["lastUpdate"].is_string());
    assert_eq!(created["pattern"][0]["action"][0]["actionValue"], "15");
    assert_eq!(counter(&s, "default").await, before + 1);

    // A second one without an id gets a generated one.
    let mut other = sample("x");
    other.as_object_mut().expect("object").remove("id");
    other["isExclusive"] = json!(true);
    let resp = post(&s, &token, &other).await;
    assert_eq!(resp.status(), 201);
    let second: Value = resp.json().await.expect("json");
    let second_id = second["id"].as_str().expect("id").to_string();
    assert!(!second_id.is_empty());

    // The same id twice is a conflict.
    assert_eq!(post(&s, &token, &sample("promo-a")).await.status(), 409);

    let view = viewer(&s);
    let resp = get(&s, Some(&view), &format!("{PROMOTIONS}/promo-a")).await;
    assert_eq!(resp.status(), 200);
    let etag = resp
        .headers()
        .get(ETAG)
        .expect("etag")
        .to_str()
        .expect("ascii")
        .to_string();
    let read: Value = resp.json().await.expect("json");
    assert_eq!(read, created);

    // TMF630 list: count headers, filters (also into pattern[]), fields.
    let resp = get(&s, Some(&view), PROMOTIONS).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-total-count"], "2");
    let resp = get(
        &s,
        Some(&view),
        &format!("{PROMOTIONS}?isExclusive=true&fields=id,name"),
    )
    .await;
    let list: Vec<Value> = resp.json().await.expect("json");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], second_id.as_str());
    assert!(list[0].get("pattern").is_none());
    let resp = get(
        &s,
        Some(&view),
        &format!("{PROMOTIONS}?pattern.action.actionType=percentOff"),
    )
    .await;
    assert_eq!(resp.headers()["x-total-count"], "2");

    // Merge patch: release it and change the benefit.
    let mut changed_pattern = created["pattern"].clone();
    changed_pattern[0]["action"][0]["actionValue"] = json!("100");
    let resp = s
        .client
        .patch(url(&s, Some("promo-a")))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/merge-patch+json")
        .header(IF_MATCH, &etag)
        .body(json!({"lifecycleStatus": "Active", "pattern": changed_pattern}).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let patched: Value = resp.json().await.expect("json");
    assert_eq!(patched["lifecycleStatus"], "Active");
    assert_eq!(patched["pattern"][0]["action"][0]["actionValue"], "100");
    assert_eq!(patched["name"], created["name"]);
    assert_eq!(counter(&s, "default").await, before + 3);
    // The stale ETag no longer matches.
    let resp = s
        .client
        .patch(url(&s, Some("promo-a")))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/merge-patch+json")
        .header(IF_MATCH, &etag)
        .body(json!({"description": "late"}).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 412);

    // What the store holds is what the engine reads.
    let stored = get(&s, Some(&view), &format!("{PROMOTIONS}/promo-a"))
        .await
        .json::<Value>()
        .await
        .expect("json");
    let promotion = Promotion::from_document(&stored).expect("engine reads it");
    assert!(promotion.is_live(chrono::Utc::now()));

    let resp = s
        .client
        .delete(url(&s, Some("promo-a")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);
    assert_eq!(counter(&s, "default").await, before + 4);
    let resp = get(&s, Some(&view), &format!("{PROMOTIONS}/promo-a")).await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn roles_guard_reads_and_writes() {
    let s = TestServer::start().await;
    let token = admin(&s);
    assert_eq!(post(&s, &token, &sample("p1")).await.status(), 201);
    let item = format!("{PROMOTIONS}/p1");

    // Nobody reads without a token: promotions carry coupon codes.
    assert_eq!(get(&s, None, PROMOTIONS).await.status(), 401);
    assert_eq!(get(&s, None, &item).await.status(), 401);
    // Cart and catalog roles do not read promotions.
    for role in ["sc.ops", "sc.view", "catalog.admin"] {
        let t = s.token(PrincipalKind::User, &[role], "default");
        let resp = get(&s, Some(&t), PROMOTIONS).await;
        assert_eq!(resp.status(), 403, "{role}");
        let body: Value = resp.json().await.expect("json");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("promotion.view")),
            "{body}"
        );
    }
    // Viewers read, admins read and write.
    let view = viewer(&s);
    assert_eq!(get(&s, Some(&view), &item).await.status(), 200);
    assert_eq!(get(&s, Some(&token), &item).await.status(), 200);
    let m2m = s.token(PrincipalKind::M2m, &["promotion.view"], "default");
    assert_eq!(get(&s, Some(&m2m), PROMOTIONS).await.status(), 200);

    // Viewers do not write; the 403 names the role, whatever the body.
    for resp in [
        post(&s, &view, &json!({"bad": true})).await,
        patch(&s, &view, "p1", &json!({"name": "x"})).await,
        s.client
            .delete(url(&s, Some("p1")))
            .bearer_auth(&view)
            .send()
            .await
            .expect("send"),
    ] {
        assert_eq!(resp.status(), 403);
        let body: Value = resp.json().await.expect("json");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("promotion.admin")),
            "{body}"
        );
    }
    assert_eq!(post(&s, "", &sample("p2")).await.status(), 401);
    let unauthenticated = s
        .client
        .post(url(&s, None))
        .json(&sample("p3"))
        .send()
        .await
        .expect("send");
    assert_eq!(unauthenticated.status(), 401);
}

#[tokio::test]
async fn promotions_stay_in_their_tenant() {
    let s = TestServer::start().await;
    let other_admin = s.token(PrincipalKind::User, &["promotion.admin"], "other");
    assert_eq!(post(&s, &other_admin, &sample("p1")).await.status(), 201);
    assert_eq!(counter(&s, "other").await, 1);
    assert_eq!(counter(&s, "default").await, 0);
    let view = viewer(&s);
    assert_eq!(
        get(&s, Some(&view), &format!("{PROMOTIONS}/p1"))
            .await
            .status(),
        404
    );
    let resp = get(&s, Some(&view), PROMOTIONS).await;
    assert_eq!(resp.headers()["x-total-count"], "0");
    // The same id is free in this tenant.
    assert_eq!(post(&s, &admin(&s), &sample("p1")).await.status(), 201);
}

#[tokio::test]
async fn criteria_and_actions_are_validated_with_their_paths() {
    let s = TestServer::start().await;
    let token = admin(&s);
    let mut body = sample("bad");
    body["pattern"][0]["criteriaGroup"][0]["criteria"] = json!([
        criterion("channel.id", "=", "ECOMM"),
        criterion("moonPhase", "=", "full"),
        criterion("couponCode", "=", "ACT NOW"),
        criterion("productOffering[plan].quantity", ">=", "two"),
        criterion("productOffering.id", ">", "plan"),
    ]);
    body["pattern"][0]["action"] = json!([
        {"actionType": "amountOff", "actionValue": "10.00", "priceType": "recurring"},
        {"actionType": "amountOff", "actionValue": "-5.00", "priceType": "recurring"},
        {"actionType": "percentOff", "actionValue": "120", "priceType": "oneTime"},
        {"actionType": "amountOff", "actionValue": "ten", "priceType": "oneTime"},
        {"actionType": "freeDinner", "actionValue": "1", "priceType": "oneTime"},
        {"actionType": "amountOff", "actionValue": "1.00", "priceType": "oneTime", "durationMonths": 12},
    ]);
    let criteria = "pattern[0].criteriaGroup[0].criteria";
    let actions = "pattern[0].action";
    assert_eq!(
        error_fields(post(&s, &token, &body).await).await,
        [
            format!("{criteria}[1].criteriaParameter"),
            format!("{criteria}[2].criteriaValue"),
            format!("{criteria}[3].criteriaValue"),
            format!("{criteria}[4].criteriaOperator"),
            format!("{actions}[1].actionValue"),
            format!("{actions}[2].actionValue"),
            format!("{actions}[3].actionValue"),
            format!("{actions}[4].actionType"),
            format!("{actions}[5].durationMonths"),
        ]
    );

    // The message says what is wrong, not just where.
    let mut body = sample("bad2");
    body["pattern"][0]["action"][0]["actionValue"] = json!("150");
    let resp = post(&s, &token, &body).await;
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("json");
    assert_eq!(
        err["details"][0]["field"],
        "pattern[0].action[0].actionValue"
    );
    assert_eq!(
        err["details"][0]["rule"],
        "must be a percentage from 0 to 100"
    );

    // Structure and attribute types.
    let resp = post(
        &s,
        &token,
        &json!({"name": "x", "pattern": [{"criteriaGroup": []}], "isExclusive": "no"}),
    )
    .await;
    assert_eq!(error_fields(resp).await, ["isExclusive"]);
    let resp = post(
        &s,
        &token,
        &json!({"name": "x", "pattern": [{"criteriaGroup": []}]}),
    )
    .await;
    assert_eq!(
        error_fields(resp).await,
        ["pattern[0].criteriaGroup", "pattern[0].action"]
    );
    let resp = post(&s, &token, &json!({"pattern": []})).await;
    assert_eq!(error_fields(resp).await, ["name"]);

    // A patch is judged on the whole result, and a refused one changes nothing.
    assert_eq!(post(&s, &token, &sample("good")).await.status(), 201);
    let mut broken = sample("good")["pattern"].clone();
    broken[0]["action"][0]["priceType"] = json!("usage");
    let resp = patch(&s, &token, "good", &json!({"pattern": broken})).await;
    assert_eq!(error_fields(resp).await, ["pattern[0].action[0].priceType"]);
    let stored: Value = get(&s, Some(&token), &format!("{PROMOTIONS}/good"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stored["pattern"][0]["action"][0]["priceType"], "oneTime");
    let resp = patch(
        &s,
        &token,
        "good",
        &json!({"lastUpdate": "2020-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(error_fields(resp).await, ["lastUpdate"]);
}

#[tokio::test]
async fn the_openapi_document_describes_promotions() {
    let s = TestServer::start().await;
    let api: Value = get(&s, None, "/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let paths = &api["paths"];
    assert!(paths[PROMOTIONS]["post"].is_object());
    assert!(paths[format!("{PROMOTIONS}/{{id}}")]["patch"].is_object());
    let schemas = &api["components"]["schemas"];
    let description = schemas["Promotion"]["description"]
        .as_str()
        .expect("description");
    for word in [
        "criteriaParameter",
        "couponCode",
        "percentOff",
        "durationMonths",
        "isExclusive",
        "promotion.admin",
    ] {
        assert!(description.contains(word), "{word}");
    }
    assert_eq!(
        schemas["Promotion_Create"]["properties"]["pattern"]["items"]["$ref"],
        "#/components/schemas/PromotionPattern"
    );
    assert!(schemas["PromotionAction"]["properties"]["actionType"].is_object());
}

// ---- the demo promotions ------------------------------------------------------

/// A cart line priced from the demo catalog: the offering's prices that
/// pass `keep` (by the price document).
async fn demo_line(
    s: &TestServer,
    item: &str,
    offering: &str,
    quantity: u32,
    keep: impl Fn(&Value) -> bool,
) -> PricedLine {
    let o: Value = get(s, None, &format!("{CATALOG}/productOffering/{offering}"))
        .await
        .json()
        .await
        .expect("json");
    let mut prices = Vec::new();
    for reference in o["productOfferingPrice"].as_array().expect("prices") {
        let id = reference["id"].as_str().expect("id");
        let p: Value = get(s, None, &format!("{CATALOG}/productOfferingPrice/{id}"))
            .await
            .json()
            .await
            .expect("json");
        if keep(&p) {
            prices.push(LinePrice {
                price_type: p["priceType"].as_str().expect("type").to_string(),
                period: p["recurringChargePeriodType"].as_str().map(str::to_string),
                unit_amount: p["price"]["value"]
                    .as_str()
                    .expect("value")
                    .parse()
                    .expect("decimal"),
                unit: p["price"]["unit"].as_str().expect("unit").to_string(),
            });
        }
    }
    PricedLine {
        item_id: item.into(),
        offering_id: offering.into(),
        categories: o["category"]
            .as_array()
            .expect("categories")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect(),
        quantity,
        prices,
    }
}

/// One-line tier of a plan, or any price without tiers; devices outright.
fn single_line_or_outright(p: &Value) -> bool {
    p["priceType"] != "installment" && p.get("lineCountMin").is_none_or(|m| m == 1)
}

fn rows(applied: &[AppliedPromotion]) -> Vec<String> {
    applied
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {}{}",
                a.promotion_id,
                a.item_id,
                a.price_type,
                money(a.amount),
                a.duration_months
                    .map(|m| format!(" x{m}"))
                    .unwrap_or_default()
            )
        })
        .collect()
}

#[tokio::test]
async fn demo_promotions_load_and_apply_to_the_demo_catalog() {
    let s = TestServer::start_with_demo().await;
    assert_eq!(
        counter(&s, "default").await,
        1,
        "the load bumps the version"
    );
    let view = viewer(&s);
    let resp = get(&s, Some(&view), &format!("{PROMOTIONS}?limit=100")).await;
    assert_eq!(resp.status(), 200);
    let docs: Vec<Value> = resp.json().await.expect("json");
    let mut ids: Vec<&str> = docs.iter().filter_map(|d| d["id"].as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "promo-actnow-premium-first-month",
            "promo-bogo-galaxy-s24",
            "promo-business-unlimited-20",
            "promo-no-activation-fee-online",
            "promo-summer-2024-addons",
            "promo-unlimited-with-phone",
        ]
    );
    let promotions: Vec<Promotion> = docs
        .iter()
        .map(|d| Promotion::from_document(d).expect("the engine reads every demo promotion"))
        .collect();
    assert!(docs.iter().all(|d| d["@type"] == "Promotion"));

    let premium = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
    let plan = demo_line(&s, "plan", premium, 1, single_line_or_outright).await;
    let phone = demo_line(
        &s,
        "phone",
        "Mobile_Device_pkey97049_sku2470220",
        1,
        single_line_or_outright,
    )
    .await;
    let now = chrono::Utc::now();
    let online = PromotionContext {
        channel: "ECOMM".into(),
        customer_type: Some("Consumer".into()),
        coupon_codes: Vec::new(),
        now,
    };
    // Online, plan and phone: no activation fee, $10 off for 12 months.
    assert_eq!(
        rows(&apply(&[plan.clone(), phone.clone()], &promotions, &online)),
        [
            "promo-no-activation-fee-online plan oneTime 35.00",
            "promo-unlimited-with-phone plan recurring 10.00 x12",
        ]
    );
    // In a store, with ACTNOW: the rest of the first month is free too.
    let store_with_coupon = PromotionContext {
        channel: "ATTR".into(),
        coupon_codes: vec!["actnow".into()],
        ..online.clone()
    };
    assert_eq!(
        rows(&apply(
            &[plan.clone(), phone.clone()],
            &promotions,
            &store_with_coupon
        )),
        [
            "promo-unlimited-with-phone plan recurring 10.00 x12",
            "promo-actnow-premium-first-month plan recurring 75.99 x1",
        ]
    );
    // The plan alone loses the phone promotion (a cart update that breaks
    // the criteria removes it).
    assert_eq!(
        rows(&apply(std::slice::from_ref(&plan), &promotions, &online)),
        ["promo-no-activation-fee-online plan oneTime 35.00"]
    );
    // Two Galaxy S24 outright: the cheaper is free, and exclusive.
    let s24_128 = demo_line(
        &s,
        "s24-a",
        "Mobile_Device_pkey73001_sku2680262",
        1,
        single_line_or_outright,
    )
    .await;
    let s24_256 = demo_line(
        &s,
        "s24-b",
        "Mobile_Device_pkey73001_sku2680266",
        1,
        single_line_or_outright,
    )
    .await;
    let cheaper = money(s24_128.prices[0].unit_amount);
    assert_eq!(
        rows(&apply(&[s24_256, s24_128], &promotions, &online)),
        [format!("promo-bogo-galaxy-s24 s24-a oneTime {cheaper}")]
    );
    // Business customers: 20% off Business Unlimited for 24 months.
    let business_plan = demo_line(
        &s,
        "biz",
        "Mobile_Offer_business-unlimited-performance",
        2,
        single_line_or_outright,
    )
    .await;
    let business = PromotionContext {
        channel: "ATTR".into(),
        customer_type: Some("Business".into()),
        ..online.clone()
    };
    let monthly = business_plan
        .prices
        .iter()
        .find(|p| p.price_type == "recurring")
        .expect("monthly")
        .unit_amount;
    let expected = money(
        monthly * omni_core::promotion::Decimal::from(2) / omni_core::promotion::Decimal::from(5),
    );
    assert_eq!(
        rows(&apply(&[business_plan], &promotions, &business)),
        [format!(
            "promo-business-unlimited-20 biz recurring {expected} x24"
        )]
    );
    // The summer promotion ended: add-ons get nothing.
    let addon = demo_line(&s, "addon", "sku12037300060", 1, |_| true).await;
    assert!(apply(&[addon], &promotions, &online).is_empty());
}

#[tokio::test]
async fn a_bad_promotion_file_is_refused_whole() {
    let s = TestServer::start().await;
    let dir = std::env::temp_dir().join(format!("omni-promotions-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("catalog")).expect("mkdir");
    std::fs::create_dir_all(dir.join("promotions")).expect("mkdir");
    let mut bad = sample("bad");
    bad["pattern"][0]["action"][0]["actionValue"] = json!("-1");
    std::fs::write(
        dir.join("promotions/promotions.json"),
        json!([sample("good"), bad]).to_string(),
    )
    .expect("write");
    let err = omni::load::load_dir(s.store.as_ref(), &dir, "default")
        .await
        .expect_err("refused");
    let text = format!("{err:#}");
    assert!(text.contains("'bad'"), "{text}");
    assert!(text.contains("pattern[0].action[0].actionValue"), "{text}");
    assert_eq!(counter(&s, "default").await, 0);
    let resp = get(&s, Some(&viewer(&s)), PROMOTIONS).await;
    assert_eq!(resp.headers()["x-total-count"], "0");

    std::fs::write(
        dir.join("promotions/promotions.json"),
        json!([sample("good")]).to_string(),
    )
    .expect("write");
    let report = omni::load::load_dir(s.store.as_ref(), &dir, "default")
        .await
        .expect("loaded");
    assert_eq!(report.counts.get("promotion"), Some(&1));
    assert_eq!(counter(&s, "default").await, 1);
    let _ = std::fs::remove_dir_all(&dir);
}
