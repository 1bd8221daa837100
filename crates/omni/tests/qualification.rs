//! TMF679 Product Offering Qualification and TMF645 Service Qualification,
//! black-box over HTTP against the demo data of `data/`: every reason code,
//! swaps, the demo service addresses, validation, access, tenant isolation,
//! and reading stored answers back.
mod common;

use common::{SECRET, TestServer};
use omni_api::auth::{Auth, Claims};
use omni_core::PrincipalKind;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

const POQ: &str = "/tmf-api/productOfferingQualification/v4/productOfferingQualification";
const SQ: &str = "/tmf-api/serviceQualificationManagement/v4/checkServiceQualification";

// Offerings of the demo catalog.
const UNLIMITED_PREMIUM: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const UNLIMITED_EXTRA: &str = "Mobile_Offer_unlimited-extra";
const UNLIMITED_ELITE: &str = "Mobile_Offer_unlimited-elite";
const BUSINESS_PERFORMANCE: &str = "Mobile_Offer_business-unlimited-performance";
const IPHONE_15_PRO_128: &str = "Mobile_Device_prod11070255_sku6910280";
const PREPAID_SIM_KIT: &str = "SIM_prepaid-kit_prod10900071";
const PHYSICAL_SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";
const ESIM: &str = "SIM_eSIM_prod10900055";
const FIBER_300: &str = "BB_Plan_fiber-300";
const FIBER_1000: &str = "BB_Plan_fiber-1000";
const FIBER_5000: &str = "BB_Plan_fiber-5000";
const INTERNET_AIR: &str = "WBB_Plan_prod11920327";
const WBB_BUNDLE: &str = "ibbndl_prod11920327_prod8580387_rwd-43100015_prod9040405";

// Addresses of the demo registry.
const FIXED_WIRELESS_ONLY: &str = "00010LVFT8";
const FIBER_AND_WIRELESS: &str = "000011VYAA";
const NO_SERVICE: &str = "00010NOSV1";

struct Reply {
    status: u16,
    location: Option<String>,
    total: Option<usize>,
    count: Option<usize>,
    body: Value,
}

impl Reply {
    fn item(&self, list: &str, id: &str) -> &Value {
        self.body[list]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["id"] == id))
            .unwrap_or_else(|| panic!("no item {id} in {}", self.body))
    }

    /// An item's reason codes.
    fn codes(&self, list: &str, id: &str) -> Vec<String> {
        self.item(list, id)["eligibilityUnavailabilityReason"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["code"].as_str().expect("code").to_string())
            .collect()
    }

    fn poq_codes(&self, id: &str) -> Vec<String> {
        self.codes("productOfferingQualificationItem", id)
    }

    fn poq_result(&self, id: &str) -> &str {
        self.item("productOfferingQualificationItem", id)["qualificationItemResult"]
            .as_str()
            .expect("result")
    }

    fn sq_result(&self, id: &str) -> &str {
        self.item("serviceQualificationItem", id)["qualificationResult"]
            .as_str()
            .expect("result")
    }

    /// Technologies proposed instead of an item, sorted.
    fn alternatives(&self, id: &str) -> Vec<String> {
        let mut out: Vec<String> =
            self.item("serviceQualificationItem", id)["alternateServiceProposal"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    p["alternateService"]["serviceSpecification"]["id"]
                        .as_str()
                        .expect("technology")
                        .to_string()
                })
                .collect();
        out.sort();
        out
    }

    /// The field named by the first detail of an error.
    fn field(&self) -> &str {
        self.body["details"][0]["field"].as_str().unwrap_or("")
    }
}

async fn reply(resp: reqwest::Response) -> Reply {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let location = header(LOCATION.as_str());
    let total = header("x-total-count").and_then(|v| v.parse().ok());
    let count = header("x-result-count").and_then(|v| v.parse().ok());
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        location,
        total,
        count,
        body,
    }
}

async fn post(s: &TestServer, path: &str, token: Option<&str>, body: &Value) -> Reply {
    let mut req = s.client.post(s.url(path)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    reply(req.send().await.expect("send")).await
}

async fn get(s: &TestServer, path: &str, token: Option<&str>) -> Reply {
    let mut req = s.client.get(s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    reply(req.send().await.expect("send")).await
}

/// A qualification by an unauthenticated prospect, which must be answered.
async fn ask(s: &TestServer, body: Value) -> Reply {
    let r = post(s, POQ, None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r
}

async fn check(s: &TestServer, body: Value) -> Reply {
    let r = post(s, SQ, None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r
}

fn items(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(id, offering)| json!({"id": id, "productOffering": {"id": offering}}))
            .collect(),
    )
}

/// A TMF645 item asking about `place` with `service` members.
fn sq_item(id: &str, place: &str, mut service: Value) -> Value {
    service["place"] = json!([{"id": place, "role": "installationAddress"}]);
    json!({"id": id, "service": service})
}

fn technology(t: &str) -> Value {
    json!({"serviceSpecification": {"id": t}})
}

fn characteristics(pairs: &[(&str, Value)]) -> Value {
    json!({"serviceCharacteristic": pairs.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>()})
}

fn token_for(kind: PrincipalKind, sub: &str, roles: &[&str], tenant: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    Auth::new(SECRET, "default")
        .mint(&Claims {
            sub: sub.into(),
            kind,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            tenant: tenant.into(),
            client_id: None,
            iat: now,
            exp: now + 3600,
        })
        .expect("mint")
}

fn staff(s: &TestServer, roles: &[&str]) -> String {
    s.token(PrincipalKind::User, roles, "default")
}

#[tokio::test]
async fn every_eligibility_reason_code() {
    let s = TestServer::start_with_demo().await;
    // An offering whose sale starts in the future, visible to the index at once.
    s.create(
        "productOffering",
        &s.admin(),
        json!({"id": "future-plan", "name": "Future plan", "lifecycleStatus": "Active",
               "productOfferingType": "Mobile_Offer", "channel": [{"id": "ECOMM"}],
               "validFor": {"startDateTime": "2099-01-01T00:00:00Z"}}),
    )
    .await;
    omni_app::workers::warm_up(&s.state.ctx)
        .await
        .expect("refresh");

    let r = ask(
        &s,
        json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": items(&[
            ("ok", UNLIMITED_PREMIUM), ("missing", "no-such-offer"), ("retired", UNLIMITED_ELITE),
            ("future", "future-plan"), ("store-only", PREPAID_SIM_KIT), ("upgrade-only", FIBER_5000),
        ])}),
    )
    .await;
    assert_eq!(r.body["state"], "done");
    assert_eq!(r.body["qualificationResult"], "unqualified");
    assert_eq!(r.poq_result("ok"), "qualified");
    assert!(
        r.item("productOfferingQualificationItem", "ok")
            .get("eligibilityUnavailabilityReason")
            .is_none()
    );
    assert_eq!(r.poq_result("missing"), "unqualified");
    assert_eq!(r.poq_codes("missing"), ["NOT_FOUND"]);
    // Retired, with a validFor that ended on 2025-12-31.
    assert_eq!(r.poq_codes("retired"), ["NOT_SELLABLE", "EXPIRED"]);
    assert_eq!(r.poq_codes("future"), ["NOT_YET_VALID"]);
    assert_eq!(r.poq_codes("store-only"), ["CHANNEL"]);
    assert_eq!(r.poq_codes("upgrade-only"), ["REQUIRES_EXISTING_PRODUCT"]);
    let reason = &r.item("productOfferingQualificationItem", "store-only")["eligibilityUnavailabilityReason"]
        [0];
    assert!(
        reason["label"]
            .as_str()
            .is_some_and(|l| l.contains(PREPAID_SIM_KIT) && l.contains("ECOMM")),
        "{reason}"
    );

    // The customer's situation, one attribute per request.
    for (attribute, value, offering, code) in [
        (
            "customerType",
            "Consumer",
            BUSINESS_PERFORMANCE,
            "CUSTOMER_TYPE",
        ),
        (
            "customerSubType",
            "Individual",
            BUSINESS_PERFORMANCE,
            "CUSTOMER_SUB_TYPE",
        ),
        ("paymentType", "Prepaid", UNLIMITED_PREMIUM, "PAYMENT_TYPE"),
        ("creditClass", "high", IPHONE_15_PRO_128, "CREDIT_CLASS"),
        ("market", "MIA", FIBER_300, "MARKET"),
    ] {
        let mut body = json!({"channel": {"id": "ATTR"},
            "productOfferingQualificationItem": items(&[("1", offering), ("2", UNLIMITED_EXTRA)])});
        body[attribute] = json!(value);
        if code == "PAYMENT_TYPE" {
            body["productOfferingQualificationItem"][1]["productOffering"]["id"] =
                json!("Mobile_Offer_prepaid-unlimited");
        }
        let r = ask(&s, body).await;
        assert_eq!(r.poq_codes("1"), [code], "{attribute}: {}", r.body);
        assert_eq!(r.poq_result("2"), "qualified", "{attribute}: {}", r.body);
    }
    // Naming the values an offering lists qualifies it.
    let r = ask(
        &s,
        json!({"channel": {"id": "ATTR"}, "customerType": "Business", "customerSubType": "Enterprise",
               "paymentType": "Postpaid", "creditClass": "low", "market": "DLS",
               "productOfferingQualificationItem": items(&[("1", BUSINESS_PERFORMANCE), ("2", IPHONE_15_PRO_128)])}),
    )
    .await;
    assert_eq!(r.body["qualificationResult"], "qualified", "{}", r.body);
}

#[tokio::test]
async fn swaps_and_existing_products() {
    let s = TestServer::start_with_demo().await;
    let modify = |id: &str, from: &str, to: &str| json!({"id": id, "action": "modify", "productOffering": {"id": to}, "product": {"productOffering": {"id": from}}});
    let r = ask(
        &s,
        json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [
            modify("plan", UNLIMITED_PREMIUM, UNLIMITED_EXTRA),
            modify("sim", PHYSICAL_SIM, ESIM),
            modify("sim-back", ESIM, PHYSICAL_SIM),
            // Fiber 5 Gig is upgrade-only: the 1 Gig product being changed counts.
            modify("speed", FIBER_1000, FIBER_5000),
            modify("business", UNLIMITED_PREMIUM, BUSINESS_PERFORMANCE),
            modify("plan-to-addon", UNLIMITED_PREMIUM, "sku12037300017"),
            modify("unknown", "no-such-offer", FIBER_300),
        ]}),
    )
    .await;
    for id in ["plan", "sim", "sim-back", "speed"] {
        assert_eq!(r.poq_result(id), "qualified", "{id}: {}", r.body);
    }
    assert_eq!(r.poq_codes("business"), ["SWAP_NOT_ALLOWED"]);
    assert_eq!(r.poq_codes("plan-to-addon"), ["SWAP_NOT_ALLOWED"]);
    assert_eq!(r.poq_codes("unknown"), ["NOT_FOUND"]);
    assert_eq!(r.body["qualificationResult"], "unqualified");

    // Upgrade-only: qualified for a customer who has a fiber plan or the
    // fiber bundle, by the top-level extension too.
    for (existing, ok) in [
        (json!([{"id": FIBER_300}]), true),
        (json!([{"id": "BB_Offer_fiber-1000-complete"}]), true),
        (json!([{"id": UNLIMITED_PREMIUM}]), false),
        (json!([]), false),
    ] {
        let r = ask(
            &s,
            json!({"channel": {"id": "ECOMM"}, "existingProductOffering": existing,
                   "productOfferingQualificationItem": items(&[("1", FIBER_5000)])}),
        )
        .await;
        assert_eq!(
            r.poq_result("1") == "qualified",
            ok,
            "{existing}: {}",
            r.body
        );
    }
    // delete and noChange items always qualify; a noChange product counts as held.
    let r = ask(
        &s,
        json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [
            {"id": "keep", "action": "noChange", "product": {"productOffering": {"id": FIBER_300}}},
            {"id": "drop", "action": "delete", "productOffering": {"id": UNLIMITED_ELITE}},
            {"id": "add", "productOffering": {"id": FIBER_5000}},
        ]}),
    )
    .await;
    assert_eq!(r.body["qualificationResult"], "qualified", "{}", r.body);
}

#[tokio::test]
async fn offering_qualification_at_a_place() {
    let s = TestServer::start_with_demo().await;
    let at = |place: &str| {
        json!({"channel": {"id": "ECOMM"}, "place": [{"id": place, "role": "serviceAddress"}],
               "productOfferingQualificationItem": items(&[("fiber", FIBER_300), ("air", INTERNET_AIR), ("plan", UNLIMITED_PREMIUM)])})
    };
    let celina = ask(&s, at(FIXED_WIRELESS_ONLY)).await;
    assert_eq!(celina.poq_codes("fiber"), ["TECHNOLOGY_NOT_AVAILABLE"]);
    assert_eq!(celina.poq_result("air"), "qualified");
    assert_eq!(celina.poq_result("plan"), "qualified");
    let dallas = ask(&s, at(FIBER_AND_WIRELESS)).await;
    assert_eq!(
        dallas.body["qualificationResult"], "qualified",
        "{}",
        dallas.body
    );
    let unknown = ask(&s, at("NO-SUCH-PLACE")).await;
    assert_eq!(unknown.poq_codes("fiber"), ["UNKNOWN_ADDRESS"]);
    assert_eq!(unknown.poq_result("plan"), "qualified");
}

#[tokio::test]
async fn service_qualification_at_the_demo_addresses() {
    let s = TestServer::start_with_demo().await;
    let speed = |mbps: u64| characteristics(&[("downloadSpeedMbps", json!(mbps))]);
    let offering = |id: &str| characteristics(&[("productOfferingId", json!(id))]);

    // 00010LVFT8: fixed wireless only, 225 Mbps.
    let r = check(
        &s,
        json!({"serviceQualificationItem": [
            sq_item("fiber", FIXED_WIRELESS_ONLY, technology("fiber")),
            sq_item("fw", FIXED_WIRELESS_ONLY, characteristics(&[("technology", json!("fixedWireless")), ("downloadSpeedMbps", json!(225))])),
            sq_item("fw-fast", FIXED_WIRELESS_ONLY, {
                let mut s = technology("fixedWireless");
                s["serviceCharacteristic"] = json!([{"name": "downloadSpeedMbps", "value": "300"}]);
                s
            }),
            sq_item("air", FIXED_WIRELESS_ONLY, offering(INTERNET_AIR)),
            sq_item("bundle", FIXED_WIRELESS_ONLY, offering(WBB_BUNDLE)),
            sq_item("fiber-plan", FIXED_WIRELESS_ONLY, offering(FIBER_300)),
            sq_item("phone-plan", FIXED_WIRELESS_ONLY, offering(UNLIMITED_PREMIUM)),
        ]}),
    )
    .await;
    assert_eq!(r.body["state"], "done");
    assert_eq!(r.body["qualificationResult"], "unqualified");
    assert_eq!(r.sq_result("fiber"), "unqualified");
    assert_eq!(
        r.codes("serviceQualificationItem", "fiber"),
        ["TECHNOLOGY_NOT_AVAILABLE"]
    );
    assert_eq!(r.alternatives("fiber"), ["fixedWireless"]);
    let proposal = &r.item("serviceQualificationItem", "fiber")["alternateServiceProposal"][0];
    assert_eq!(
        proposal["alternateService"]["place"][0]["id"],
        FIXED_WIRELESS_ONLY
    );
    assert!(
        proposal["alternateService"]["serviceCharacteristic"]
            .as_array()
            .expect("characteristics")
            .contains(&json!({"name": "maxDownloadSpeedMbps", "value": 225})),
        "{proposal}"
    );
    assert_eq!(r.sq_result("fw"), "qualified");
    assert!(
        r.item("serviceQualificationItem", "fw")
            .get("alternateServiceProposal")
            .is_none()
    );
    assert_eq!(
        r.codes("serviceQualificationItem", "fw-fast"),
        ["SPEED_NOT_AVAILABLE"]
    );
    assert_eq!(r.alternatives("fw-fast"), ["fixedWireless"]);
    assert_eq!(r.sq_result("air"), "qualified");
    assert_eq!(r.sq_result("bundle"), "qualified");
    assert_eq!(
        r.codes("serviceQualificationItem", "fiber-plan"),
        ["TECHNOLOGY_NOT_AVAILABLE", "SPEED_NOT_AVAILABLE"]
    );
    assert_eq!(r.sq_result("phone-plan"), "qualified");

    // 000011VYAA: fiber up to 5000 Mbps and fixed wireless.
    let r = check(
        &s,
        json!({"serviceQualificationItem": [
            sq_item("fiber", FIBER_AND_WIRELESS, {
                let mut s = technology("fiber");
                s["serviceCharacteristic"] = speed(5000)["serviceCharacteristic"].clone();
                s
            }),
            sq_item("fw", FIBER_AND_WIRELESS, technology("fixedWireless")),
            sq_item("5g", FIBER_AND_WIRELESS, offering(FIBER_5000)),
            sq_item("too-fast", FIBER_AND_WIRELESS, speed(6000)),
        ]}),
    )
    .await;
    for id in ["fiber", "fw", "5g"] {
        assert_eq!(r.sq_result(id), "qualified", "{id}: {}", r.body);
    }
    assert_eq!(
        r.codes("serviceQualificationItem", "too-fast"),
        ["SPEED_NOT_AVAILABLE"]
    );
    assert_eq!(r.alternatives("too-fast"), ["fiber", "fixedWireless"]);

    // 00010NOSV1: no service at all; and an address nobody knows.
    let r = check(
        &s,
        json!({"serviceQualificationItem": [
            sq_item("any", NO_SERVICE, json!({})),
            sq_item("air", NO_SERVICE, offering(INTERNET_AIR)),
            sq_item("unknown", "NO-SUCH-PLACE", technology("fiber")),
        ]}),
    )
    .await;
    assert_eq!(
        r.codes("serviceQualificationItem", "any"),
        ["TECHNOLOGY_NOT_AVAILABLE"]
    );
    assert!(r.alternatives("any").is_empty());
    assert_eq!(r.sq_result("air"), "unqualified");
    assert_eq!(
        r.codes("serviceQualificationItem", "unknown"),
        ["UNKNOWN_ADDRESS"]
    );
    assert!(r.alternatives("unknown").is_empty());

    // Everything qualified: the whole answer is; the flags leave parts out.
    let r = check(
        &s,
        json!({"serviceQualificationItem": [sq_item("1", FIBER_AND_WIRELESS, technology("fiber"))]}),
    )
    .await;
    assert_eq!(r.body["qualificationResult"], "qualified");
    let r = check(
        &s,
        json!({"provideAlternative": false, "provideUnavailabilityReason": false,
               "serviceQualificationItem": [sq_item("1", FIXED_WIRELESS_ONLY, technology("fiber"))]}),
    )
    .await;
    assert_eq!(r.sq_result("1"), "unqualified");
    let item = r.item("serviceQualificationItem", "1");
    assert!(
        item.get("alternateServiceProposal").is_none()
            && item.get("eligibilityUnavailabilityReason").is_none()
    );
}

#[tokio::test]
async fn bad_input_names_the_field() {
    let s = TestServer::start_with_demo().await;
    let one = items(&[("1", UNLIMITED_PREMIUM)]);
    for (body, field) in [
        (json!({"productOfferingQualificationItem": one}), "channel"),
        (
            json!({"channel": {}, "productOfferingQualificationItem": one}),
            "channel.id",
        ),
        (
            json!({"channel": {"id": ""}, "productOfferingQualificationItem": one}),
            "channel.id",
        ),
        (
            json!({"channel": {"id": "ECOMM"}}),
            "productOfferingQualificationItem",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": []}),
            "productOfferingQualificationItem",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1"}]}),
            "productOfferingQualificationItem[0].productOffering",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1", "productOffering": {}}]}),
            "productOfferingQualificationItem[0].productOffering.id",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1", "action": "swap", "productOffering": {"id": "x"}}]}),
            "productOfferingQualificationItem[0].action",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"productOffering": {"id": "x"}}]}),
            "productOfferingQualificationItem[0].id",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": items(&[("1", "a"), ("1", "b")])}),
            "productOfferingQualificationItem[1].id",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "paymentType": "", "productOfferingQualificationItem": one}),
            "paymentType",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "market": ["DLS"], "productOfferingQualificationItem": one}),
            "market",
        ),
        (
            json!({"channel": {"id": "ECOMM"}, "existingProductOffering": [{"name": "x"}], "productOfferingQualificationItem": one}),
            "existingProductOffering[0].id",
        ),
        (json!([]), "body"),
    ] {
        let r = post(&s, POQ, None, &body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.field(), field, "{body}: {}", r.body);
        assert_eq!(r.body["code"], "INVALID_FIELD");
    }
    let place = |id: &str| json!([{"id": id, "role": "serviceAddress"}]);
    for (body, field) in [
        (json!({}), "serviceQualificationItem"),
        (
            json!({"serviceQualificationItem": []}),
            "serviceQualificationItem",
        ),
        (
            json!({"serviceQualificationItem": [{"id": "1"}]}),
            "serviceQualificationItem[0].service",
        ),
        (
            json!({"serviceQualificationItem": [{"service": {"serviceSpecification": {"id": "fiber"}}}]}),
            "serviceQualificationItem[0].service.place",
        ),
        (
            json!({"serviceQualificationItem": [{"service": {"place": [{"id": "a", "role": "x"}, {"id": "b", "role": "y"}]}}]}),
            "serviceQualificationItem[0].service.place",
        ),
        (
            json!({"serviceQualificationItem": [{"service": {"place": place(NO_SERVICE),
                "serviceCharacteristic": [{"name": "downloadSpeedMbps", "value": -5}]}}]}),
            "serviceQualificationItem[0].service.serviceCharacteristic[0].value",
        ),
        (
            json!({"serviceQualificationItem": [{"service": {"place": place(NO_SERVICE),
                "serviceCharacteristic": [{"name": "speed", "value": 5}]}}]}),
            "serviceQualificationItem[0].service.serviceCharacteristic[0].name",
        ),
        (
            json!({"serviceQualificationItem": [{"service": {"place": place(NO_SERVICE),
                "serviceCharacteristic": [{"name": "technology"}]}}]}),
            "serviceQualificationItem[0].service.serviceCharacteristic[0].value",
        ),
        (
            json!({"serviceQualificationItem": [{"service": {"place": place(NO_SERVICE), "serviceSpecification": {"id": "fiber"},
                "serviceCharacteristic": [{"name": "productOfferingId", "value": FIBER_300}]}}]}),
            "serviceQualificationItem[0].service",
        ),
        (
            json!({"serviceQualificationItem": [
                {"id": "x", "service": {"place": place(NO_SERVICE)}},
                {"id": "x", "service": {"place": place(NO_SERVICE)}}]}),
            "serviceQualificationItem[1].id",
        ),
    ] {
        let r = post(&s, SQ, None, &body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.field(), field, "{body}: {}", r.body);
    }
    // Not JSON at all.
    for path in [POQ, SQ] {
        let resp = s
            .client
            .post(s.url(path))
            .header(CONTENT_TYPE, "text/plain")
            .body("hello")
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 415);
        let resp = s
            .client
            .post(s.url(path))
            .header(CONTENT_TYPE, "application/json")
            .body("{\"channel\":")
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 400);
    }
    // Nothing was stored by a refused request.
    let r = get(&s, POQ, Some(&staff(&s, &["sc.view"]))).await;
    assert_eq!(r.total, Some(0));
}

/// A JSON body with a number where an action belongs names the action; it
/// was once refused as "body: is not valid JSON".
#[tokio::test]
async fn a_number_for_an_action_names_the_action() {
    let s = TestServer::start().await;
    let body = json!({"channel": {"id": "ECOMM"},
        "productOfferingQualificationItem": [{"id": "1", "action": 5, "productOffering": {"id": UNLIMITED_PREMIUM}}]});
    let r = post(&s, POQ, None, &body).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.field(), "productOfferingQualificationItem[0].action");
}

#[tokio::test]
async fn who_may_ask_and_read() {
    let s = TestServer::start_with_demo().await;
    let body = json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": items(&[("1", UNLIMITED_PREMIUM)])});
    let sq_body = json!({"serviceQualificationItem": [sq_item("1", FIBER_AND_WIRELESS, technology("fiber"))]});
    let ops = staff(&s, &["sc.ops"]);
    let view = staff(&s, &["sc.view"]);
    let other = staff(&s, &["catalog.admin"]);
    let m2m = s.token(PrincipalKind::M2m, &["sc.ops"], "default");
    let m2m_without = s.token(PrincipalKind::M2m, &[], "default");
    let alice = token_for(PrincipalKind::Customer, "alice", &[], "default");
    let bob = token_for(PrincipalKind::Customer, "bob", &[], "default");
    for path in [POQ, SQ] {
        let body = if path == POQ { &body } else { &sq_body };
        for (who, token, status) in [
            ("prospect", None, 201),
            ("customer", Some(alice.as_str()), 201),
            ("user with sc.ops", Some(ops.as_str()), 201),
            ("m2m with sc.ops", Some(m2m.as_str()), 201),
            ("user with sc.view", Some(view.as_str()), 403),
            ("user without roles", Some(other.as_str()), 403),
            ("m2m without roles", Some(m2m_without.as_str()), 403),
            ("bad token", Some("not-a-jwt"), 401),
        ] {
            let r = post(&s, path, token, body).await;
            assert_eq!(r.status, status, "{path} {who}: {}", r.body);
        }
        // The role is checked before the body is read.
        let r = post(&s, path, Some(&other), &json!({"nonsense": true})).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(
            r.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("sc.ops")),
            "{}",
            r.body
        );

        // Reading: staff see the tenant's four answers, a customer its own.
        let r = get(&s, path, None).await;
        assert_eq!(r.status, 401);
        for token in [&other, &m2m_without] {
            let r = get(&s, path, Some(token)).await;
            assert_eq!(r.status, 403, "{}", r.body);
        }
        for token in [&ops, &view, &m2m] {
            let r = get(&s, path, Some(token)).await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.total, Some(4), "{}", r.body);
        }
        let mine = get(&s, path, Some(&alice)).await;
        assert_eq!(mine.status, 200);
        assert_eq!(mine.total, Some(1), "{}", mine.body);
        let id = mine.body[0]["id"].as_str().expect("id").to_string();
        assert_eq!(
            get(&s, &format!("{path}/{id}"), Some(&alice)).await.status,
            200
        );
        let theirs = get(&s, path, Some(&bob)).await;
        assert_eq!(theirs.total, Some(0), "{}", theirs.body);
        assert_eq!(
            get(&s, &format!("{path}/{id}"), Some(&bob)).await.status,
            404
        );
        assert_eq!(get(&s, &format!("{path}/{id}"), None).await.status, 401);
        assert_eq!(
            get(&s, &format!("{path}/{id}"), Some(&view)).await.status,
            200
        );
    }
}

#[tokio::test]
async fn answers_are_stored_and_listed() {
    let s = TestServer::start_with_demo().await;
    let ops = staff(&s, &["sc.ops"]);
    let first = ask(
        &s,
        json!({"channel": {"id": "ECOMM"}, "description": "kept as sent",
               "relatedParty": [{"id": "cust-1", "role": "customer", "@referredType": "Individual"}],
               "productOfferingQualificationItem": items(&[("1", UNLIMITED_PREMIUM)])}),
    )
    .await;
    let id = first.body["id"].as_str().expect("id");
    let href = format!("{}{POQ}/{id}", s.base);
    assert_eq!(first.body["href"], href.as_str());
    assert_eq!(first.location.as_deref(), Some(href.as_str()));
    assert_eq!(first.body["@type"], "ProductOfferingQualification");
    assert_eq!(first.body["description"], "kept as sent");
    assert_eq!(first.body["relatedParty"][0]["id"], "cust-1");
    assert!(first.body["creationDate"].is_string());
    let item = first.item("productOfferingQualificationItem", "1");
    assert_eq!(item["action"], "add");
    assert_eq!(item["state"], "done");
    assert_eq!(item["productOffering"]["name"], "Unlimited Premium");
    ask(
        &s,
        json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": items(&[("1", "nope")])}),
    )
    .await;
    ask(
        &s,
        json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": items(&[("1", UNLIMITED_EXTRA)])}),
    )
    .await;

    // GET by id answers what POST answered.
    let again = get(&s, &format!("{POQ}/{id}"), Some(&ops)).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    let some = get(&s, &format!("{POQ}/{id}?fields=state"), Some(&ops)).await;
    assert_eq!(some.body, json!({"state": "done"}));
    assert_eq!(
        get(&s, &format!("{POQ}/nope"), Some(&ops)).await.status,
        404
    );
    assert_eq!(
        get(&s, &format!("{POQ}/{id}?limit=2"), Some(&ops))
            .await
            .status,
        400
    );

    // Lists follow TMF630.
    let all = get(&s, POQ, Some(&ops)).await;
    assert_eq!((all.total, all.count), (Some(3), Some(3)));
    let page = get(&s, &format!("{POQ}?limit=2&offset=1"), Some(&ops)).await;
    assert_eq!((page.total, page.count), (Some(3), Some(2)));
    let qualified = get(
        &s,
        &format!("{POQ}?qualificationResult=qualified"),
        Some(&ops),
    )
    .await;
    assert_eq!(qualified.total, Some(2), "{}", qualified.body);
    let unqualified = get(
        &s,
        &format!("{POQ}?qualificationResult=unqualified&fields=id,qualificationResult"),
        Some(&ops),
    )
    .await;
    assert_eq!(unqualified.total, Some(1));
    let only = unqualified.body[0].as_object().expect("object");
    let mut keys: Vec<&str> = only.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "qualificationResult"]);
    let bad = get(&s, &format!("{POQ}?limit=x"), Some(&ops)).await;
    assert_eq!(bad.status, 400);

    // Service qualifications too.
    let sq = check(
        &s,
        json!({"externalId": "ext-1", "serviceQualificationItem": [sq_item("1", FIBER_AND_WIRELESS, technology("fiber"))]}),
    )
    .await;
    assert_eq!(sq.body["@type"], "CheckServiceQualification");
    assert_eq!(sq.body["externalId"], "ext-1");
    let sq_id = sq.body["id"].as_str().expect("id");
    let listed = get(&s, SQ, Some(&ops)).await;
    assert_eq!(listed.total, Some(1));
    assert_eq!(listed.body[0], sq.body);
    let one = get(&s, &format!("{SQ}/{sq_id}"), Some(&ops)).await;
    assert_eq!(one.body, sq.body);
    // A POQ id is not an SQ id.
    assert_eq!(get(&s, &format!("{SQ}/{id}"), Some(&ops)).await.status, 404);

    // Each answer wrote its create event.
    let events = s.store.outbox_after(0, 1000).await.expect("outbox");
    let created: Vec<&str> = events
        .iter()
        .map(|e| e.event.event_type.as_str())
        .filter(|t| t.contains("Qualification"))
        .collect();
    assert_eq!(
        created
            .iter()
            .filter(|t| **t == "ProductOfferingQualificationCreateEvent")
            .count(),
        3
    );
    assert_eq!(
        created
            .iter()
            .filter(|t| **t == "CheckServiceQualificationCreateEvent")
            .count(),
        1
    );
    // Neither kind can be changed or deleted.
    let resp = s
        .client
        .delete(s.url(&format!("{POQ}/{id}")))
        .bearer_auth(&ops)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 405);
}

#[tokio::test]
async fn tenants_are_isolated() {
    let s = TestServer::start_with_demo().await;
    let acme = token_for(PrincipalKind::User, "acme-agent", &["sc.ops"], "acme");
    let ours = staff(&s, &["sc.ops"]);
    // acme has no catalog and no address registry: nothing qualifies there.
    let theirs = post(
        &s,
        POQ,
        Some(&acme),
        &json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": items(&[("1", UNLIMITED_PREMIUM)])}),
    )
    .await;
    assert_eq!(theirs.status, 201);
    assert_eq!(theirs.poq_codes("1"), ["NOT_FOUND"]);
    let sq = post(
        &s,
        SQ,
        Some(&acme),
        &json!({"serviceQualificationItem": [sq_item("1", FIBER_AND_WIRELESS, technology("fiber"))]}),
    )
    .await;
    assert_eq!(sq.status, 201);
    assert_eq!(
        sq.codes("serviceQualificationItem", "1"),
        ["UNKNOWN_ADDRESS"]
    );
    // The default tenant's answer, for the same question, qualifies.
    let mine = ask(
        &s,
        json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": items(&[("1", UNLIMITED_PREMIUM)])}),
    )
    .await;
    assert_eq!(mine.poq_result("1"), "qualified");

    for (path, answer) in [(POQ, &theirs), (SQ, &sq)] {
        let id = answer.body["id"].as_str().expect("id");
        let listed = get(&s, path, Some(&acme)).await;
        assert_eq!(listed.total, Some(1), "{}", listed.body);
        assert_eq!(listed.body[0]["id"], id);
        assert_eq!(
            get(&s, &format!("{path}/{id}"), Some(&acme)).await.status,
            200
        );
        // The default tenant sees none of acme's answers.
        assert_eq!(
            get(&s, &format!("{path}/{id}"), Some(&ours)).await.status,
            404
        );
        let listed = get(&s, path, Some(&ours)).await;
        assert!(
            listed
                .body
                .as_array()
                .expect("list")
                .iter()
                .all(|a| a["id"] != id),
            "{}",
            listed.body
        );
    }
    let mine_id = mine.body["id"].as_str().expect("id");
    assert_eq!(
        get(&s, &format!("{POQ}/{mine_id}"), Some(&acme))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_openapi_document_describes_both_apis() {
    let s = TestServer::start().await;
    let api = get(&s, "/openapi.json", None).await;
    assert_eq!(api.status, 200);
    for path in [POQ, SQ] {
        let ops = &api.body["paths"][path];
        assert!(ops["post"].is_object() && ops["get"].is_object(), "{path}");
        assert!(
            api.body["paths"][format!("{path}/{{id}}")]["get"].is_object(),
            "{path}"
        );
        let described = ops["post"]["description"].as_str().unwrap_or_default();
        assert!(
            described.contains("sc.ops") && described.contains("sc.view"),
            "{described}"
        );
    }
    for schema in [
        "ProductOfferingQualification",
        "ProductOfferingQualification_Create",
        "CheckServiceQualification",
        "CheckServiceQualification_Create",
        "EligibilityUnavailabilityReason",
    ] {
        assert!(
            api.body["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
    let create =
        &api.body["components"]["schemas"]["ProductOfferingQualification_Create"]["properties"];
    for extension in [
        "customerType",
        "creditClass",
        "market",
        "existingProductOffering",
    ] {
        assert!(create[extension]["description"].is_string(), "{extension}");
    }
}

const ITEMS: &str = "productOfferingQualificationItem";
const BUSINESS_ESSENTIALS: &str = "Mobile_Offer_business-unlimited-essentials";
const UNLIMITED_STARTER: &str = "Mobile_Offer_unlimited-starter";
const PREPAID_UNLIMITED: &str = "Mobile_Offer_prepaid-unlimited";
/// cust-1001's rate-plan product (of UNLIMITED_PREMIUM), in data/inventory.
const CUST_1001_PLAN_PRODUCT: &str = "47777581441708015";

/// The offering ids an item proposes (`alternateProductOfferingProposal`).
fn proposed(item: &Value) -> Vec<&str> {
    item["alternateProductOfferingProposal"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["alternateProductOffering"]["id"].as_str())
        .collect()
}

fn for_customer(party: &str, mut body: Value) -> Value {
    body["relatedParty"] =
        json!([{"id": party, "role": "customer", "@referredType": "Individual"}]);
    body
}

/// The TMF679 conformance profile makes these mandatory in every answer:
/// `id`, `href`, `state`, `productOfferingQualificationDate`, at least one
/// `relatedParty` (the requester when the request names none; a customer
/// themselves), and each item's `id` and `state`. TMF645 answers name
/// their parties the same way.
#[tokio::test]
async fn every_answer_carries_the_profiles_mandatory_attributes() {
    let s = TestServer::start_with_demo().await;
    let ops = staff(&s, &["sc.ops"]);
    let body = json!({"channel": {"id": "ECOMM"}, ITEMS: items(&[("1", UNLIMITED_PREMIUM), ("2", "nope")])});
    let customer = token_for(PrincipalKind::Customer, "cust-1001", &[], "default");
    let cases = [
        (None, json!("anonymous"), "requester"),
        (Some(ops.clone()), Value::Null, "requester"),
        (Some(customer), json!("cust-1001"), "customer"),
    ];
    for (token, party, role) in cases {
        let r = post(&s, POQ, token.as_deref(), &body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.body["id"].as_str().expect("id");
        let stored = get(&s, &format!("{POQ}/{id}"), Some(&ops)).await;
        for answer in [&r.body, &stored.body] {
            for name in ["id", "href", "state", "productOfferingQualificationDate"] {
                assert!(answer[name].is_string(), "{name}: {answer}");
            }
            let parties = answer["relatedParty"].as_array().expect("relatedParty");
            assert_eq!(parties.len(), 1, "{answer}");
            assert_eq!(parties[0]["role"], role, "{answer}");
            assert!(parties[0]["id"].is_string(), "{answer}");
            // RelatedParty requires `@referredType` (TMF679 and TMF645 alike).
            assert!(parties[0]["@referredType"].is_string(), "{answer}");
            if !party.is_null() {
                assert_eq!(parties[0]["id"], party, "{answer}");
            }
            for item in answer[ITEMS].as_array().expect("items") {
                assert!(item["id"].is_string() && item["state"] == "done", "{item}");
            }
        }
    }
    // Parties the request names are kept as sent.
    let r = ask(&s, for_customer("cust-1002", body.clone())).await;
    assert_eq!(r.body["relatedParty"][0]["id"], "cust-1002");

    let sq = check(
        &s,
        json!({"serviceQualificationItem": [sq_item("1", FIBER_AND_WIRELESS, technology("fiber"))]}),
    )
    .await;
    assert!(sq.body["checkServiceQualificationDate"].is_string());
    assert_eq!(
        sq.body["relatedParty"],
        json!([{"id": "anonymous", "role": "requester", "@referredType": "Individual"}])
    );
}

/// The `relatedParty` of role customer decides eligibility with the
/// customer's own facts (the inventory, as for carts), whatever the
/// request claims; a customer is judged on their own facts and may name
/// no one else; a prospect's parties decide nothing.
#[tokio::test]
async fn the_customers_own_facts_decide_eligibility() {
    let s = TestServer::start_with_demo().await;
    let agent = staff(&s, &["sc.ops"]);
    // cust-1001 is a Consumer: claiming Business does not make the
    // business plan eligible.
    let mut body = json!({"channel": {"id": "ECOMM"}, "customerType": "Business",
        ITEMS: items(&[("1", BUSINESS_PERFORMANCE), ("2", UNLIMITED_PREMIUM)])});
    let r = post(
        &s,
        POQ,
        Some(&agent),
        &for_customer("cust-1001", body.clone()),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(
        r.poq_codes("1").contains(&"CUSTOMER_TYPE".to_string()),
        "{}",
        r.body
    );
    assert_eq!(r.poq_result("2"), "qualified");
    // Asked by cust-1001 themselves: the same facts.
    let customer = token_for(PrincipalKind::Customer, "cust-1001", &[], "default");
    let r = post(&s, POQ, Some(&customer), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(
        r.poq_codes("1").contains(&"CUSTOMER_TYPE".to_string()),
        "{}",
        r.body
    );
    // ...who may not ask as someone else.
    let r = post(
        &s,
        POQ,
        Some(&customer),
        &for_customer("cust-1002", body.clone()),
    )
    .await;
    assert_eq!((r.status, r.field()), (400, "relatedParty"), "{}", r.body);

    // cust-1002 is prepaid with a high credit class.
    body = json!({"channel": {"id": "ECOMM"},
        ITEMS: items(&[("1", UNLIMITED_STARTER), ("2", PREPAID_UNLIMITED), ("3", IPHONE_15_PRO_128)])});
    let r = post(
        &s,
        POQ,
        Some(&agent),
        &for_customer("cust-1002", body.clone()),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.poq_codes("1"), ["PAYMENT_TYPE"]);
    assert_eq!(r.poq_result("2"), "qualified");
    assert!(
        r.poq_codes("3").contains(&"CREDIT_CLASS".to_string()),
        "{}",
        r.body
    );
    // A prospect naming cust-1002 learns nothing of them: channel alone.
    let r = ask(&s, for_customer("cust-1002", body)).await;
    assert_eq!(r.poq_result("1"), "qualified", "{}", r.body);
}

/// Items may name a `category` (its qualifying offerings are proposed; the
/// item qualifies when one does) or, to change it, a customer's `product`
/// by id (its offering is read from the customer's inventory).
#[tokio::test]
async fn category_and_product_items() {
    let s = TestServer::start_with_demo().await;
    let agent = staff(&s, &["sc.ops"]);
    let body = for_customer(
        "cust-1001",
        json!({"channel": {"id": "ECOMM"}, ITEMS: [
            {"id": "1", "category": {"id": "Mobile_Offers"}},
            {"id": "2", "action": "modify", "product": {"id": CUST_1001_PLAN_PRODUCT}},
            {"id": "3", "action": "modify", "productOffering": {"id": BUSINESS_PERFORMANCE},
             "product": {"id": CUST_1001_PLAN_PRODUCT}},
            {"id": "4", "category": {"id": "No_Such_Category"}},
            {"id": "5", "action": "delete", "product": {"id": CUST_1001_PLAN_PRODUCT}},
        ]}),
    );
    let r = post(&s, POQ, Some(&agent), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let category = r.item(ITEMS, "1");
    assert_eq!(category["qualificationItemResult"], "qualified");
    let offers = proposed(category);
    assert!(offers.contains(&UNLIMITED_PREMIUM), "{category}");
    for not_for_cust_1001 in [BUSINESS_PERFORMANCE, BUSINESS_ESSENTIALS, UNLIMITED_ELITE] {
        assert!(!offers.contains(&not_for_cust_1001), "{category}");
    }
    assert_eq!(
        category["alternateProductOfferingProposal"][0]["alternateProductOffering"]["href"],
        format!(
            "{}/tmf-api/productCatalogManagement/v4/productOffering/{}",
            s.base, offers[0]
        )
    );
    assert_eq!(r.poq_result("2"), "qualified");
    assert!(
        r.poq_codes("3").contains(&"CUSTOMER_TYPE".to_string()),
        "{}",
        r.body
    );
    assert_eq!(r.poq_codes("4"), ["NOT_FOUND"]);
    assert_eq!(r.poq_result("5"), "qualified");

    // A product the customer does not have is named.
    let body = for_customer(
        "cust-1001",
        json!({"channel": {"id": "ECOMM"}, ITEMS: [
            {"id": "1", "action": "modify", "product": {"id": "no-such-product"}}]}),
    );
    let r = post(&s, POQ, Some(&agent), &body).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.field(), "productOfferingQualificationItem[0].product.id");
    // A category is for adding; an item names what it qualifies.
    for (item, field) in [
        (
            json!({"id": "1", "action": "modify", "category": {"id": "Mobile_Offers"}}),
            "category",
        ),
        (json!({"id": "1", "action": "modify"}), "productOffering"),
    ] {
        let r = post(
            &s,
            POQ,
            Some(&agent),
            &json!({"channel": {"id": "ECOMM"}, ITEMS: [item]}),
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(
            r.field(),
            format!("productOfferingQualificationItem[0].{field}")
        );
    }
}

/// `provideAlternative` proposes qualifying offerings of the same category
/// for an unqualified one (result `alternate`); `provideOnlyAvailable`
/// leaves unqualified items out; `provideUnavailabilityReason: false`
/// leaves reasons out. Without them every item is answered, with reasons
/// and without proposals.
#[tokio::test]
async fn the_three_provide_flags_take_effect() {
    let s = TestServer::start_with_demo().await;
    let body = |flags: Value| {
        let mut b = json!({"channel": {"id": "ECOMM"}, "customerType": "Consumer", "paymentType": "Postpaid",
            ITEMS: items(&[("1", UNLIMITED_PREMIUM), ("2", BUSINESS_PERFORMANCE)])});
        if let (Value::Object(b), Value::Object(f)) = (&mut b, flags) {
            b.extend(f);
        }
        b
    };
    let plain = ask(&s, body(json!({}))).await;
    assert_eq!(plain.poq_result("2"), "unqualified");
    assert_eq!(plain.poq_codes("2"), ["CUSTOMER_TYPE"]);
    assert!(
        plain
            .item(ITEMS, "2")
            .get("alternateProductOfferingProposal")
            .is_none()
    );

    let alt = ask(&s, body(json!({"provideAlternative": true}))).await;
    let item = alt.item(ITEMS, "2");
    assert_eq!(item["qualificationItemResult"], "alternate", "{item}");
    let offers = proposed(item);
    assert!(offers.contains(&UNLIMITED_PREMIUM), "{item}");
    assert!(!offers.contains(&BUSINESS_ESSENTIALS), "{item}");
    assert!(!offers.contains(&BUSINESS_PERFORMANCE), "{item}");
    assert_eq!(alt.body["qualificationResult"], "unqualified");

    let only = ask(&s, body(json!({"provideOnlyAvailable": true}))).await;
    let ids: Vec<&Value> = only.body[ITEMS]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(ids, [&json!("1")], "{}", only.body);
    assert_eq!(only.body["qualificationResult"], "unqualified");

    let quiet = ask(&s, body(json!({"provideUnavailabilityReason": false}))).await;
    let item = quiet.item(ITEMS, "2");
    assert_eq!(item["qualificationItemResult"], "unqualified");
    assert!(
        item.get("eligibilityUnavailabilityReason").is_none(),
        "{item}"
    );

    let bad = post(&s, POQ, None, &body(json!({"provideOnlyAvailable": "yes"}))).await;
    assert_eq!(
        (bad.status, bad.field()),
        (400, "provideOnlyAvailable"),
        "{}",
        bad.body
    );
}
