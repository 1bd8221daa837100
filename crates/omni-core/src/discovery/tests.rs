use super::query::parse_characteristics;
use super::*;
use crate::time::parse_rfc3339;
use serde_json::{Value, json};

fn now() -> chrono::DateTime<chrono::Utc> {
    parse_rfc3339("2026-06-01T00:00:00Z").expect("valid")
}

fn offering(id: &str, rank: i64, extra: Value) -> Value {
    let mut base = json!({
        "id": id, "name": format!("Offer {id}"), "lifecycleStatus": "Active", "valueRank": rank,
        "productOfferingType": "Mobile_Device", "category": [{"id": "Mobile_Devices"}],
        "channel": [{"id": "ECOMM"}, {"id": "ATTR"}], "paymentType": ["Postpaid"], "losgTypes": ["NEW", "UP"],
        "offerTypes": ["standalone"], "lob": "wireless", "customerTypes": ["Consumer"], "creditRisk": ["low", "medium"],
        "markets": ["DLS"], "imeiType": "S6", "partType": "ALL",
        "validFor": {"startDateTime": "2024-01-01T00:00:00Z"},
        "productOfferingPrice": [{"id": format!("{id}-full")}, {"id": format!("{id}-inst")}],
        "cmsInfo": [{"key": "imageUrl", "value": "/x.png"}],
    });
    if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
        b.extend(e);
    }
    base
}

fn prices_for(id: &str, full: &str, inst: &str) -> Vec<Value> {
    vec![
        json!({"id": format!("{id}-full"), "name": "full", "priceType": "oneTime", "price": {"unit": "USD", "value": full}}),
        json!({"id": format!("{id}-inst"), "name": "36 months", "priceType": "installment", "recurringChargePeriodType": "month",
               "recurringChargePeriodLength": 36, "price": {"unit": "USD", "value": inst}}),
    ]
}

fn index() -> CatalogIndex {
    let mut prices = Vec::new();
    for (id, full, inst) in [
        ("a", "999.99", "27.78"),
        ("b", "799.99", "22.23"),
        ("c", "199.99", "5.56"),
    ] {
        prices.extend(prices_for(id, full, inst));
    }
    prices.extend([
        json!({"id": "plan-1", "name": "1 line", "priceType": "recurring", "recurringChargePeriodType": "month", "price": {"unit": "USD", "value": "85.99"}, "lineCountMin": 1, "lineCountMax": 1}),
        json!({"id": "plan-2", "name": "2+ lines", "priceType": "recurring", "recurringChargePeriodType": "month", "price": {"unit": "USD", "value": "75.99"}, "lineCountMin": 2}),
    ]);
    let source = CatalogSource {
        offerings: vec![
            offering(
                "a",
                2,
                json!({
                    "variantGroup": {"id": "vg1"}, "uniqueUrlName": "phone-a", "sku": "sku1", "deviceProductId": "prod1",
                    "productOfferingCharacteristic": [{"name": "SKU", "value": "sku1"}, {"name": "colour", "value": "Black"}],
                    "immediatePromotion": [{"id": "p200", "name": "$200 off", "benefitType": "discount", "discountAmount": "200.00", "appliesTo": "oneTime",
                        "validFor": {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-12-31T00:00:00Z"}}],
                    "potentialPromotion": [{"id": "coupon10", "name": "10% off", "benefitType": "discount", "discountPercent": "10", "appliesTo": "oneTime",
                        "conditions": {"couponCode": "ACTNOW"}, "qualificationMessage": "Enter ACTNOW"}],
                }),
            ),
            offering(
                "b",
                1,
                json!({
                    "variantGroup": {"id": "vg1"}, "sku": "sku2", "imeiType": "R1", "partType": "LTE", "creditRisk": ["low"],
                    "productOfferingCharacteristic": [{"name": "colour", "value": "Blue"}],
                }),
            ),
            offering(
                "c",
                3,
                json!({"channel": [{"id": "SelfService"}], "paymentType": ["Prepaid"], "sku": "sku3"}),
            ),
            offering("retired", 0, json!({"lifecycleStatus": "Retired"})),
            offering(
                "future",
                0,
                json!({"validFor": {"startDateTime": "2030-01-01T00:00:00Z"}}),
            ),
            json!({"id": "plan", "name": "Unlimited", "lifecycleStatus": "Active", "valueRank": 5, "productOfferingType": "Mobile_Offer",
                   "category": [{"id": "Mobile_Offers"}], "channel": [{"id": "ECOMM"}], "paymentType": ["Postpaid"],
                   "productOfferingPrice": [{"id": "plan-1"}, {"id": "plan-2"}]}),
            json!({"id": "addon", "name": "Intl", "lifecycleStatus": "Active", "valueRank": 6, "productOfferingType": "Mobile_Addon",
                   "category": [{"id": "Mobile_Addons"}], "channel": [{"id": "ECOMM"}],
                   "productOfferingRelationship": [{"id": "plan", "relationshipType": "addOnOf", "role": "addon"}]}),
            json!({"id": "fiber", "name": "Fiber 1000", "lifecycleStatus": "Active", "valueRank": 7, "productOfferingType": "BB_Plan",
                   "category": [{"id": "BB_Plans"}], "channel": [{"id": "ECOMM"}], "requiresServiceQualification": true,
                   "technology": "fiber", "downloadSpeedMbps": 1000}),
            json!({"id": "sim", "name": "eSIM", "lifecycleStatus": "Active", "valueRank": 8, "category": [{"id": "SIM_Cards"}], "channel": [{"id": "ECOMM"}]}),
        ],
        prices,
        categories: vec![
            json!({"id": "SIM_Cards", "name": "SIM cards", "parentId": "Mobile_Offers"}),
        ],
        places: vec![
            json!({"id": "FIBER1", "technologies": ["fiber"], "maxDownloadSpeedMbps": 5000}),
            json!({"id": "SLOW", "technologies": ["fiber"], "maxDownloadSpeedMbps": 500}),
        ],
        version: 7,
    };
    CatalogIndex::build(&source, now())
}

fn headers() -> DiscoveryHeaders {
    DiscoveryHeaders {
        client_id: Some("MyATT-MAS".into()),
        app_name: Some("onlineservices".into()),
        context: Vec::new(),
    }
}

fn request(pairs: &[(&str, &str)]) -> Result<DiscoveryRequest, Vec<crate::document::FieldError>> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    DiscoveryRequest::parse(&pairs, &headers())
}

fn search(pairs: &[(&str, &str)]) -> Vec<String> {
    let mut all = vec![("limit", "50"), ("offset", "0")];
    all.extend_from_slice(pairs);
    let req = request(&all).expect("valid request");
    let index = index();
    let result = index.search(&req, now()).expect("search");
    result
        .items
        .iter()
        .map(|&i| index.at(i).id.to_string())
        .collect()
}

fn failing(pairs: &[(&str, &str)]) -> Vec<String> {
    request(pairs)
        .expect_err("must be refused")
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn characteristics_in_every_encoding_of_the_page() {
    let cases = [
        (
            r#"[{"Streaming":"Standard-definition"}]"#,
            ("Streaming", "Standard-definition"),
        ),
        (
            r#"[{"uniqueUrlName"="apple-iphone-15-pro"}]"#,
            ("uniqueUrlName", "apple-iphone-15-pro"),
        ),
        (
            "%7BuniqueUrlName%3Dapple-iphone-15-pro%7D",
            ("uniqueUrlName", "apple-iphone-15-pro"),
        ),
        (
            "{uniqueUrlName=apple-iphone-15-pro}",
            ("uniqueUrlName", "apple-iphone-15-pro"),
        ),
        (r#"[{"SKU"="XXXX"}]"#, ("SKU", "XXXX")),
        (r#"[{"SpecialSvc"="LWI"}]"#, ("SpecialSvc", "LWI")),
        ("%7B%SpecialSvc%22%3A%22LWI%22%7D", ("SpecialSvc", "LWI")),
        (r#"{%SpecialSvc":"LWI"}"#, ("SpecialSvc", "LWI")),
    ];
    for (raw, (k, v)) in cases {
        assert_eq!(
            parse_characteristics(raw),
            Some(vec![(k.to_string(), v.to_string())]),
            "{raw}"
        );
    }
    assert_eq!(
        parse_characteristics(r#"[{"colour":"Black"},{"capacity":"128GB"}]"#).map(|p| p.len()),
        Some(2)
    );
    assert_eq!(parse_characteristics("[{}]"), None);
    assert_eq!(parse_characteristics("justtext"), None);
}

#[test]
fn the_page_s_validation_rules() {
    assert_eq!(failing(&[("limit", "5"), ("offset", "0")]), ["channel"]);
    assert_eq!(failing(&[("channel", "ECOMM")]), ["limit", "offset"]);
    assert!(
        request(&[("channel", "ECOMM"), ("ids", "a,b")]).is_ok(),
        "ids needs no paging"
    );
    assert_eq!(failing(&[("channel", "WEB"), ("ids", "a")]), ["channel"]);
    assert_eq!(
        failing(&[
            ("channel", "ECOMM"),
            ("ids", "a"),
            ("categoryName", "Phones")
        ]),
        ["categoryName"]
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("ids", "a"), ("losgTypes", "NEW,OLD")]),
        ["losgTypes"]
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("ids", "a"), ("paymentType", "Cash")]),
        ["paymentType"]
    );
    assert_eq!(
        failing(&[
            ("channel", "ECOMM"),
            ("ids", "a"),
            ("offerTypes", "standalone,free")
        ]),
        ["offerTypes"]
    );
    assert!(
        request(&[
            ("channel", "ECOMM"),
            ("ids", "a"),
            ("offerTypes", "standalone,tradein")
        ])
        .is_ok()
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("ids", "a"), ("mode", "browse")]),
        ["mode"]
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("ids", "a"), ("partType", "5G")]),
        ["partType"]
    );
    assert_eq!(
        failing(&[
            ("channel", "ECOMM"),
            ("ids", "a"),
            ("ACPClassification", "X")
        ]),
        ["ACPClassification"]
    );
    assert_eq!(
        failing(&[
            ("channel", "ECOMM"),
            ("ids", "a"),
            ("suppressSBAPricing", "yes")
        ]),
        ["suppressSBAPricing"]
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("ids", "a"), ("allVariants", "maybe")]),
        ["allVariants"]
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("limit", "0"), ("offset", "0")]),
        ["limit"]
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("limit", "5"), ("offset", "-1")]),
        ["offset"]
    );
    assert_eq!(
        failing(&[
            ("channel", "ECOMM"),
            ("ids", "a"),
            ("serviceAddressId", &"x".repeat(101))
        ]),
        ["serviceAddressId"]
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("ids", "a"), ("nonsense", "1")]),
        ["nonsense"]
    );
    assert_eq!(
        failing(&[("channel", "ECOMM"), ("ids", "a"), ("channel", "ATTR")]),
        ["channel"]
    );
    let paged = [("channel", "ECOMM"), ("limit", "5"), ("offset", "0")];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v = paged.to_vec();
        v.extend_from_slice(extra);
        v
    };
    assert_eq!(
        failing(&with(&[("categoryName", "WBB_Plans")])),
        ["serviceAddressId"]
    );
    assert!(
        request(&with(&[
            ("categoryName", "WBB_Plans"),
            ("serviceAddressId", "00010LVFT8")
        ]))
        .is_ok()
    );
    assert_eq!(
        failing(&with(&[("categoryName", "Mobile_Devices")])),
        ["characteristics"]
    );
    assert!(
        request(&with(&[
            ("categoryName", "Mobile_Devices"),
            ("productOfferingId", "x")
        ]))
        .is_ok()
    );
    assert_eq!(
        failing(&with(&[("categoryName", "Mobile_Addons")])),
        ["cartId", "productOrderItemId"]
    );
    assert!(
        request(&with(&[
            ("categoryName", "Mobile_Addons"),
            ("lobs", "wireline")
        ]))
        .is_ok()
    );
    assert_eq!(failing(&with(&[("losgTypes", "UP")])), ["ctn"]);
    assert_eq!(
        failing(&with(&[("losgTypes", "UP"), ("ctn", "12345")])),
        ["ctn"]
    );
    assert!(request(&with(&[("losgTypes", "UP"), ("ctn", "7876758046")])).is_ok());
    assert_eq!(
        failing(&with(&[("relationRole", "addon")])),
        ["relatedProductOfferingId"]
    );
}

#[test]
fn asf_clients_need_contract_context() {
    let asf = DiscoveryHeaders {
        client_id: Some("ASF".into()),
        ..headers()
    };
    let base: Vec<(String, String)> = [("channel", "ATTR"), ("ids", "a")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let fields: Vec<String> = DiscoveryRequest::parse(&base, &asf)
        .expect_err("refused")
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "fanId",
            "channelCatalog",
            "orderTransactionType",
            "subChannel"
        ]
    );
    let mut ok = base.clone();
    for (k, v) in [
        ("liabilityType", "L"),
        ("contractType", "CBE"),
        ("contractVersion", "P20"),
        ("channelCatalog", "BMG Catalog"),
        ("orderTransactionType", "New Activation"),
        ("subChannel", "S3,S4"),
    ] {
        ok.push((k.into(), v.into()));
    }
    assert!(DiscoveryRequest::parse(&ok, &asf).is_ok());
    let mut partial = ok.clone();
    partial.retain(|(k, _)| k != "contractVersion");
    assert!(DiscoveryRequest::parse(&partial, &asf).is_err());
}

#[test]
fn headers_are_required() {
    let none = DiscoveryHeaders::default();
    let pairs = vec![
        ("channel".to_string(), "ECOMM".to_string()),
        ("ids".to_string(), "a".to_string()),
    ];
    let fields: Vec<String> = DiscoveryRequest::parse(&pairs, &none)
        .expect_err("refused")
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["X-ATT-ClientId", "idpctx-appname"]);
}

#[test]
fn filters_narrow_the_answer() {
    assert_eq!(
        search(&[("channel", "ECOMM")]),
        ["b", "a", "plan", "addon", "fiber", "sim"]
    );
    assert_eq!(
        search(&[("channel", "SelfService")]),
        ["c"],
        "channel availability"
    );
    assert_eq!(
        search(&[("channel", "ECOMM"), ("paymentType", "Prepaid")]),
        Vec::<String>::new()
    );
    assert_eq!(search(&[("channel", "ECOMM"), ("imeiTypes", "R1")]), ["b"]);
    assert_eq!(search(&[("channel", "ECOMM"), ("partType", "LTE")]), ["b"]);
    assert_eq!(
        search(&[("channel", "ECOMM"), ("partType", "ALL")]).len(),
        6,
        "ALL means any part type"
    );
    assert_eq!(
        search(&[("channel", "ECOMM"), ("skus", "sku1,sku3")]),
        ["a"]
    );
    assert_eq!(
        search(&[("channel", "ECOMM"), ("atgSkuIds", "sku2")]),
        ["b"]
    );
    assert_eq!(
        search(&[("channel", "ECOMM"), ("deviceProductIds", "prod1")]),
        ["a"]
    );
    assert_eq!(
        search(&[("channel", "ECOMM"), ("creditRisk", "medium")]),
        ["a"]
    );
    assert_eq!(
        search(&[("channel", "ECOMM"), ("customerType", "consumer")]),
        ["b", "a"],
        "case-insensitive"
    );
    assert_eq!(
        search(&[("channel", "ECOMM"), ("categoryName", "Mobile_Offers")]),
        ["plan", "sim"],
        "subcategories count"
    );
    assert_eq!(
        search(&[
            ("channel", "ECOMM"),
            ("productOfferingId", "a"),
            ("categoryName", "Mobile_Devices")
        ]),
        ["a"]
    );
    assert_eq!(
        search(&[
            ("channel", "ECOMM"),
            ("characteristics", r#"[{"uniqueUrlName"="phone-a"}]"#),
            ("categoryName", "Mobile_Devices")
        ]),
        ["a"]
    );
    assert_eq!(
        search(&[
            ("channel", "ECOMM"),
            ("characteristics", r#"[{"colour":"Blue"}]"#)
        ]),
        ["b"]
    );
    assert_eq!(
        search(&[
            ("channel", "ECOMM"),
            ("characteristics", r#"[{"SKU"="sku2"}]"#)
        ]),
        ["b"]
    );
    assert_eq!(
        search(&[("channel", "ECOMM"), ("lobs", "wireless")]),
        ["b", "a"]
    );
}

#[test]
fn variants_relations_and_addresses() {
    let q = [
        ("channel", "ECOMM"),
        ("productOfferingId", "a"),
        ("categoryName", "Mobile_Devices"),
    ];
    assert_eq!(
        search(&[q[0], q[1], q[2], ("allVariants", "true")]),
        ["b", "a"]
    );
    assert_eq!(
        search(&[q[0], q[1], q[2], ("groupByVariantGroup", "true")]),
        ["b", "a"]
    );
    assert_eq!(
        search(&[
            ("channel", "ECOMM"),
            ("relatedProductOfferingId", "plan"),
            ("relationRole", "addon")
        ]),
        ["addon"]
    );
    assert_eq!(
        search(&[
            ("channel", "ECOMM"),
            ("relatedProductOfferingId", "plan"),
            ("relationType", "swap")
        ]),
        Vec::<String>::new()
    );
    assert_eq!(
        search(&[
            ("channel", "ECOMM"),
            ("categoryName", "BB_Plans"),
            ("serviceAddressId", "FIBER1")
        ]),
        ["fiber"]
    );
    assert_eq!(
        search(&[
            ("channel", "ECOMM"),
            ("categoryName", "BB_Plans"),
            ("serviceAddressId", "SLOW")
        ]),
        Vec::<String>::new()
    );
    let req = request(&[
        ("channel", "ECOMM"),
        ("limit", "5"),
        ("offset", "0"),
        ("serviceAddressId", "NOPE"),
    ])
    .expect("valid");
    assert_eq!(
        index().search(&req, now()).expect_err("unknown").field,
        "serviceAddressId"
    );
}

#[test]
fn paging_counts_everything() {
    let req = request(&[("channel", "ECOMM"), ("limit", "2"), ("offset", "1")]).expect("valid");
    let idx = index();
    let r = idx.search(&req, now()).expect("search");
    assert_eq!(r.total, 6);
    let ids: Vec<&str> = r.items.iter().map(|&i| &*idx.at(i).id).collect();
    assert_eq!(ids, ["plan", "addon"], "offset is a page number");
}

fn rendered(pairs: &[(&str, &str)], id: &str, lookup: bool) -> Value {
    let mut all = vec![("limit", "50"), ("offset", "0")];
    all.extend_from_slice(pairs);
    let req = request(&all).expect("valid");
    let idx = index();
    let i = idx.locate(id).expect("indexed");
    let text = idx.render(
        &[i],
        &req,
        "http://h/msapi/cpopoffer/v1/product-offers",
        now(),
        lookup,
    );
    let arr: Value = serde_json::from_str(&text).expect("valid JSON");
    arr[0].clone()
}

#[test]
fn prices_totals_and_promotions() {
    let a = rendered(&[("channel", "ECOMM")], "a", false);
    assert_eq!(
        a["href"],
        "http://h/msapi/cpopoffer/v1/product-offers/a?channel=ECOMM"
    );
    assert_eq!(a["productOfferingPrice"].as_array().map(Vec::len), Some(2));
    let totals = &a["productOfferingTotalPrice"];
    assert_eq!(totals[0]["priceType"], "oneTime");
    assert_eq!(
        totals[0]["price"]["value"], "799.99",
        "immediate $200 off applied"
    );
    assert_eq!(totals[0]["priceAlteration"][0]["price"]["value"], "-200.00");
    assert_eq!(totals[1]["price"]["value"], "27.78");
    assert!(a.get("cmsInfo").is_none(), "cmsInfo only on lookups");
    assert_eq!(a["potentialPromotion"][0]["id"], "coupon10");

    let coupon = rendered(
        &[("channel", "ECOMM"), ("referralCode", "actnow")],
        "a",
        false,
    );
    // 10% of the price after the $200 discount: 799.99 - 80.00 = 719.99.
    assert_eq!(
        coupon["productOfferingTotalPrice"][0]["price"]["value"],
        "719.99"
    );
    assert_eq!(
        coupon["immediatePromotion"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        coupon["promotionQualificationMessage"][0]["status"],
        "qualified"
    );

    let lookup = rendered(&[("channel", "ECOMM")], "a", true);
    assert_eq!(lookup["cmsInfo"][0]["key"], "imageUrl");

    let suppressed = rendered(
        &[("channel", "ECOMM"), ("suppressSBAPricing", "Y")],
        "a",
        false,
    );
    assert!(suppressed.get("productOfferingPrice").is_none());
    assert!(suppressed.get("productOfferingTotalPrice").is_some());

    let only = rendered(
        &[("channel", "ECOMM"), ("productOfferingOnly", "true")],
        "a",
        false,
    );
    assert!(only.get("productOfferingTotalPrice").is_none());
    assert!(only.get("productOfferingPrice").is_none());
}

#[test]
fn multi_line_pricing_follows_device_count() {
    let one = rendered(&[("channel", "ECOMM")], "plan", false);
    assert_eq!(
        one["productOfferingTotalPrice"][0]["price"]["value"],
        "85.99"
    );
    let three = rendered(&[("channel", "ECOMM"), ("deviceCount", "3")], "plan", false);
    assert_eq!(
        three["productOfferingTotalPrice"][0]["price"]["value"], "227.97",
        "3 lines at the 2+ tier"
    );
    assert_eq!(three["productOfferingPrice"][0]["id"], "plan-2");
}

#[test]
fn lookups_keep_the_asked_order_and_channel() {
    let idx = index();
    let req = request(&[("channel", "ECOMM"), ("ids", "a,c,b,nope,retired,fiber")]).expect("valid");
    let found: Vec<&str> = idx
        .lookup(&req, now())
        .expect("lookup")
        .iter()
        .map(|&i| &*idx.at(i).id)
        .collect();
    assert_eq!(found, ["a", "b", "fiber"]);
    // A service address narrows lookups too, and must be known.
    let at = |place: &str| {
        request(&[
            ("channel", "ECOMM"),
            ("ids", "a,fiber"),
            ("serviceAddressId", place),
        ])
        .expect("valid")
    };
    let found = idx.lookup(&at("SLOW"), now()).expect("lookup");
    assert_eq!(
        found.len(),
        1,
        "the 1000 Mbps fiber plan cannot be served at a 500 Mbps address"
    );
    assert_eq!(
        idx.lookup(&at("NOPE"), now()).expect_err("unknown").field,
        "serviceAddressId"
    );
}

mod props {
    use super::super::pricing::{Price, PriceContext, Promotion, money, price};
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use serde_json::json;

    fn cents() -> impl Strategy<Value = i64> {
        0i64..500_000
    }

    proptest! {
        /// Every total equals the sum of its prices times the lines, less its
        /// alterations, and is never negative.
        #[test]
        fn totals_are_the_sum_of_their_parts(
            amounts in proptest::collection::vec((cents(), 0usize..3), 1..8),
            discount in cents(),
            percent in 0i64..=100,
            lines in 1u32..6,
        ) {
            let types = ["oneTime", "recurring", "installment"];
            let prices: Vec<Price> = amounts.iter().enumerate().map(|(i, (c, t))| {
                Price::from_json(&json!({"id": format!("p{i}"), "priceType": types[*t],
                    "price": {"unit": "USD", "value": money(Decimal::new(*c, 2))}})).expect("price")
            }).collect();
            let promos = vec![
                Promotion::from_json(&json!({"id": "amt", "benefitType": "discount", "appliesTo": "oneTime",
                    "discountAmount": money(Decimal::new(discount, 2))})).expect("promo"),
                Promotion::from_json(&json!({"id": "pct", "benefitType": "discount", "appliesTo": "recurring",
                    "discountPercent": percent.to_string()})).expect("promo"),
            ];
            let mut ctx = PriceContext::default_at(chrono::Utc::now());
            ctx.lines = lines;
            let shared: Vec<std::sync::Arc<Price>> = prices.iter().cloned().map(std::sync::Arc::new).collect();
            let priced = price(&shared, &promos, &[], &ctx);
            for t in &priced.totals {
                let ty = t["priceType"].as_str().expect("type");
                let total: Decimal = t["price"]["value"].as_str().expect("v").parse().expect("decimal");
                let parts: Decimal = prices.iter().filter(|p| p.price_type() == ty).map(|p| p.amount * Decimal::from(lines)).sum();
                let altered: Decimal = t.get("priceAlteration").and_then(|a| a.as_array()).map(|a| a.iter()
                    .map(|x| x["price"]["value"].as_str().expect("v").parse::<Decimal>().expect("d")).sum()).unwrap_or_default();
                prop_assert_eq!(total, parts + altered);
                prop_assert!(total >= Decimal::ZERO);
            }
        }
    }
}

// Issue 13: the page's spellings, prices above the last tier, the cart line.

#[test]
fn the_page_s_spellings_are_read() {
    let base = [("channel", "ECOMM"), ("limit", "5"), ("offset", "0")];
    let with = |extra: &[(&str, &str)]| {
        let mut all = base.to_vec();
        all.extend_from_slice(extra);
        request(&all)
    };
    let page = with(&[
        ("categoryName", "Mobile_devices"),
        ("productOfferingId", "x"),
    ]);
    assert_eq!(
        page.expect("valid").category.as_deref(),
        Some("Mobile_Devices")
    );
    // Enums the page spells one way stay exact.
    let mut lower = base.to_vec();
    lower.push(("losgTypes", "new"));
    assert_eq!(failing(&lower), ["losgTypes"]);
    let sim = with(&[("productOfferingType", "Mobile_Sim")]).expect("valid");
    assert_eq!(sim.offering_type.as_deref(), Some("SIM"));
    let device = with(&[("productOfferingType", "Mobile_Device")]).expect("valid");
    assert_eq!(device.offering_type.as_deref(), Some("Mobile_Device"));
    assert_eq!(
        with(&[("_", "1733212345678")]).expect("valid"),
        request(&base).expect("valid")
    );
    let mut wrong = base.to_vec();
    wrong.push(("categoryName", "Mobile_Gadgets"));
    assert_eq!(failing(&wrong), ["categoryName"]);
}

#[test]
fn above_the_last_tier_its_price_applies_to_each_line() {
    let tier = |min: u32, max: Option<u32>| {
        let mut v = json!({"id": format!("t{min}"), "priceType": "recurring",
            "price": {"unit": "USD", "value": "10.00"}, "lineCountMin": min});
        if let Some(max) = max {
            v["lineCountMax"] = json!(max);
        }
        pricing::Price::from_json(&v).expect("price")
    };
    let flat = pricing::Price::from_json(&json!({"id": "fee", "priceType": "oneTime",
        "price": {"unit": "USD", "value": "35.00"}}))
    .expect("price");
    let bounded = [tier(1, Some(1)), tier(2, Some(10)), flat.clone()];
    let refs: Vec<&pricing::Price> = bounded.iter().collect();
    assert_eq!(pricing::tier_lines(&refs, 1), 1);
    assert_eq!(pricing::tier_lines(&refs, 10), 10);
    assert_eq!(pricing::tier_lines(&refs, 20), 10, "the last tier's top");
    // An open last tier already holds every count.
    let open = [tier(1, Some(1)), tier(2, None)];
    let refs: Vec<&pricing::Price> = open.iter().collect();
    assert_eq!(pricing::tier_lines(&refs, 20), 20);
    // Untiered prices apply to any count.
    assert_eq!(pricing::tier_lines(&[&flat], 20), 20);
}

#[test]
fn a_cart_line_offers_the_add_ons_that_fit_its_plan() {
    use crate::care::CatalogFacts;
    let addon = |id: &str, group: Option<&str>, plans: &[&str]| {
        json!({"id": id, "lifecycleStatus": "Active", "productOfferingType": "Mobile_Addon",
            "conflictGroup": group,
            "productOfferingRelationship": plans.iter()
                .map(|p| json!({"id": p, "relationshipType": "addOnOf"})).collect::<Vec<_>>()})
    };
    let plan = |id: &str| json!({"id": id, "lifecycleStatus": "Active", "productOfferingType": "Mobile_Offer"});
    let catalog = CatalogFacts::from_offerings(&[
        plan("premium"),
        plan("wearables"),
        json!({"id": "phone", "lifecycleStatus": "Active", "productOfferingType": "Mobile_Device"}),
        addon("intl-a", Some("INTL"), &["premium"]),
        addon("intl-b", Some("INTL"), &["premium"]),
        addon("sync", None, &["wearables"]),
        addon("any", None, &[]),
    ]);
    let item = |id: &str, offering: &str, related: &[&str]| {
        json!({"id": id, "productOffering": {"id": offering},
            "cartItemRelationship": related.iter().map(|r| json!({"id": r})).collect::<Vec<_>>()})
    };
    let cart = json!({"cartItem": [
        item("p1", "premium", &[]), item("d1", "phone", &["p1"]), item("a1", "intl-a", &[]),
        item("w1", "wearables", &[]), item("d2", "phone", &[]),
    ]});
    let facts = |id: &str| crate::care::CareCatalog::offering(&catalog, id).expect("known");
    let line = CartLine::read(&cart, "d1", &catalog).expect("the phone's plan");
    assert_eq!(line.plan, "premium");
    assert!(!line.offers(&facts("intl-a")), "already in the cart");
    assert!(
        !line.offers(&facts("intl-b")),
        "conflicts with one in the cart"
    );
    assert!(!line.offers(&facts("sync")), "fits another plan");
    assert!(line.offers(&facts("any")) && line.offers(&facts("phone")));
    let wearables = CartLine::read(&cart, "w1", &catalog).expect("a plan item");
    assert!(wearables.offers(&facts("sync")));
    // d2 relates to no plan and the cart has two: no line to add to.
    let err = CartLine::read(&cart, "d2", &catalog).expect_err("which plan?");
    assert_eq!(err.field, "productOrderItemId");
    let err = CartLine::read(&cart, "nope", &catalog).expect_err("unknown item");
    assert_eq!(err.field, "productOrderItemId");
}

/// The start-up path reads offerings and prices as stored text and copies
/// their members as written (issue 17); changes folded in later come as
/// parsed documents and are printed. Both must answer the same JSON, member
/// for member and in the stored order, including names that need escapes
/// and text outside ASCII.
#[test]
fn offerings_from_text_answer_as_offerings_from_documents() {
    let doc = offering(
        "t",
        1,
        json!({
            "description": "Caf\u{e9} \"quoted\" \\ line\nbreak",
            "odd \"name\"": {"nested": [1, 2.50, true, null]},
            "lob": "wireless",
        }),
    );
    let prices = prices_for("t", "10.00", "1.00");
    let mut from_text = IndexBuilder::new(now());
    let price_texts: Vec<String> = prices.iter().map(Value::to_string).collect();
    from_text.add_price_texts(&price_texts);
    from_text.add_offering_texts(&[doc.to_string()]);
    let from_text = from_text.finish(1);
    let mut from_docs = IndexBuilder::new(now());
    from_docs.add_prices(&prices);
    from_docs.add_offerings(std::slice::from_ref(&doc));
    let from_docs = from_docs.finish(1);

    let req = request(&[("limit", "5"), ("offset", "0"), ("channel", "ECOMM")]).expect("valid");
    let answer = |index: &CatalogIndex| -> String {
        let i = index.locate("t").expect("indexed");
        index.render(&[i], &req, "http://h/p", now(), true)
    };
    let (text, docs) = (answer(&from_text), answer(&from_docs));
    assert_eq!(text, docs, "byte for byte");
    let answered: Value = serde_json::from_str(&text).expect("valid JSON");
    let answered = &answered[0];
    let names: Vec<&String> = answered.as_object().expect("object").keys().collect();
    let stored: Vec<&String> = doc
        .as_object()
        .expect("object")
        .keys()
        .filter(|k| !["id", "productOfferingPrice", "cmsInfo"].contains(&k.as_str()))
        .collect();
    // id and href lead; the stored members follow in their order.
    assert_eq!(names[..2], ["id", "href"]);
    assert_eq!(names[2..2 + stored.len()], stored[..]);
    for name in stored {
        assert_eq!(answered[name], doc[name], "{name}");
    }
    assert_eq!(
        answered["productOfferingPrice"][0]["price"]["value"],
        "10.00"
    );
    assert_eq!(answered["cmsInfo"], doc["cmsInfo"]);
}

/// A search's total is remembered per combination of bitmaps (`Counts` in
/// `layers.rs`): asked again, for any page, the index answers what a fresh
/// index answers.
#[test]
fn remembered_totals_answer_as_a_fresh_index() {
    let remembered = index();
    let ask = |index: &CatalogIndex, pairs: &[(&str, &str)]| {
        let req = request(pairs).expect("valid request");
        index.search(&req, now()).expect("search")
    };
    for filter in [
        vec![("channel", "ECOMM")],
        vec![("channel", "ECOMM"), ("paymentType", "Postpaid")],
        vec![("channel", "ATTR"), ("customerType", "Consumer")],
    ] {
        for (limit, offset) in [("2", "0"), ("2", "1"), ("1", "2"), ("50", "0"), ("2", "0")] {
            let mut pairs = filter.clone();
            pairs.extend([("limit", limit), ("offset", offset)]);
            assert_eq!(ask(&remembered, &pairs), ask(&index(), &pairs), "{pairs:?}");
        }
    }
}
