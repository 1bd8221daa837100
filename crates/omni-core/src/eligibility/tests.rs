use super::*;
use crate::discovery::CatalogSource;
use crate::time::parse_rfc3339;
use serde_json::{Value, json};

const DEMO_OFFERINGS: &str = include_str!("../../../../data/catalog/productOffering.json");

const UNLIMITED_PREMIUM: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const UNLIMITED_EXTRA: &str = "Mobile_Offer_unlimited-extra";
const UNLIMITED_ELITE: &str = "Mobile_Offer_unlimited-elite";
const BUSINESS_PERFORMANCE: &str = "Mobile_Offer_business-unlimited-performance";
const IPHONE_15_PRO_128: &str = "Mobile_Device_prod11070255_sku6910280";
const IPHONE_15_PRO_1TB: &str = "Mobile_Device_prod11070255_sku6910292";
const PREPAID_SIM_KIT: &str = "SIM_prepaid-kit_prod10900071";
const PHYSICAL_SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";
const ESIM: &str = "SIM_eSIM_prod10900055";
const FIBER_300: &str = "BB_Plan_fiber-300";
const FIBER_1000: &str = "BB_Plan_fiber-1000";
const FIBER_5000: &str = "BB_Plan_fiber-5000";
const FIBER_COMPLETE: &str = "BB_Offer_fiber-1000-complete";

fn now() -> DateTime<Utc> {
    parse_rfc3339("2026-06-01T00:00:00Z").expect("time")
}

fn demo() -> CatalogIndex {
    let offerings: Vec<Value> = serde_json::from_str(DEMO_OFFERINGS).expect("demo offerings");
    CatalogIndex::build(
        &CatalogSource {
            offerings,
            ..CatalogSource::default()
        },
        now(),
    )
}

fn ctx(channel: &str) -> EligibilityContext {
    EligibilityContext::new(channel, now())
}

fn codes(reasons: &[Reason]) -> Vec<&str> {
    reasons.iter().map(|r| r.code.as_str()).collect()
}

#[test]
fn a_plain_plan_qualifies_in_every_channel() {
    let index = demo();
    for channel in ["ECOMM", "ATTR", "SelfService", "ecomm"] {
        assert_eq!(
            qualify(&index, UNLIMITED_PREMIUM, &ctx(channel)),
            [],
            "{channel}"
        );
    }
    let full = EligibilityContext {
        customer_type: Some("Consumer".into()),
        customer_sub_type: Some("Individual".into()),
        payment_type: Some("postpaid".into()),
        credit_class: Some("high".into()),
        market: Some("MIA".into()),
        ..ctx("ECOMM")
    };
    assert_eq!(qualify(&index, UNLIMITED_PREMIUM, &full), []);
}

#[test]
fn unknown_offerings_have_one_reason() {
    let reasons = qualify(&demo(), "no-such-offer", &ctx("ECOMM"));
    assert_eq!(codes(&reasons), ["NOT_FOUND"]);
    assert!(reasons[0].label.contains("no-such-offer"));
}

#[test]
fn retired_offerings_are_not_sellable_and_expired() {
    let reasons = qualify(&demo(), UNLIMITED_ELITE, &ctx("ECOMM"));
    assert_eq!(codes(&reasons), ["NOT_SELLABLE", "EXPIRED"]);
    assert!(
        reasons[1].label.contains("2025-12-31T23:59:59.000Z"),
        "{reasons:?}"
    );
    // Before its end date it was only not sellable.
    let earlier = EligibilityContext {
        now: parse_rfc3339("2025-06-01T00:00:00Z").expect("time"),
        ..ctx("ECOMM")
    };
    assert_eq!(
        codes(&qualify(&demo(), UNLIMITED_ELITE, &earlier)),
        ["NOT_SELLABLE"]
    );
}

#[test]
fn validity_starts_and_ends_inclusively() {
    let offer = json!({"id": "later", "name": "later", "lifecycleStatus": "Launched", "channel": [{"id": "ECOMM"}],
        "validFor": {"startDateTime": "2027-01-01T00:00:00Z", "endDateTime": "2027-12-31T00:00:00Z"}});
    let index = CatalogIndex::build(
        &CatalogSource {
            offerings: vec![offer],
            ..CatalogSource::default()
        },
        now(),
    );
    let at = |t: &str| EligibilityContext {
        now: parse_rfc3339(t).expect("time"),
        ..ctx("ECOMM")
    };
    let reasons = qualify(&index, "later", &at("2026-12-31T23:59:59Z"));
    assert_eq!(codes(&reasons), ["NOT_YET_VALID"]);
    assert!(reasons[0].label.contains("2027-01-01T00:00:00.000Z"));
    assert_eq!(qualify(&index, "later", &at("2027-01-01T00:00:00Z")), []);
    assert_eq!(qualify(&index, "later", &at("2027-12-31T00:00:00Z")), []);
    assert_eq!(
        codes(&qualify(&index, "later", &at("2027-12-31T00:00:01Z"))),
        ["EXPIRED"]
    );
}

#[test]
fn channels() {
    let index = demo();
    // The 1TB iPhone 15 Pro is sold online only; the starter kit in stores only.
    assert_eq!(qualify(&index, IPHONE_15_PRO_1TB, &ctx("ECOMM")), []);
    let reasons = qualify(&index, IPHONE_15_PRO_1TB, &ctx("SelfService"));
    assert_eq!(codes(&reasons), ["CHANNEL"]);
    assert!(reasons[0].label.contains("SelfService"));
    assert_eq!(
        codes(&qualify(&index, PREPAID_SIM_KIT, &ctx("ECOMM"))),
        ["CHANNEL"]
    );
    assert_eq!(
        codes(&qualify(&index, PREPAID_SIM_KIT, &ctx("Telesales"))),
        ["CHANNEL"]
    );
    assert_eq!(qualify(&index, PREPAID_SIM_KIT, &ctx("ATTR")), []);
}

#[test]
fn customer_payment_credit_and_market() {
    let index = demo();
    let with = |f: &dyn Fn(&mut EligibilityContext)| {
        let mut c = ctx("ECOMM");
        f(&mut c);
        c
    };
    let consumer = with(&|c| c.customer_type = Some("Consumer".into()));
    assert_eq!(
        codes(&qualify(&index, BUSINESS_PERFORMANCE, &consumer)),
        ["CUSTOMER_TYPE"]
    );
    let business = with(&|c| c.customer_type = Some("business".into()));
    assert_eq!(qualify(&index, BUSINESS_PERFORMANCE, &business), []);
    let individual = with(&|c| c.customer_sub_type = Some("Individual".into()));
    assert_eq!(
        codes(&qualify(&index, BUSINESS_PERFORMANCE, &individual)),
        ["CUSTOMER_SUB_TYPE"]
    );
    let prepaid = with(&|c| c.payment_type = Some("Prepaid".into()));
    assert_eq!(
        codes(&qualify(&index, UNLIMITED_PREMIUM, &prepaid)),
        ["PAYMENT_TYPE"]
    );
    let high = with(&|c| c.credit_class = Some("high".into()));
    let reasons = qualify(&index, IPHONE_15_PRO_128, &high);
    assert_eq!(codes(&reasons), ["CREDIT_CLASS"]);
    assert!(reasons[0].label.contains("'high'"));
    let miami = with(&|c| c.market = Some("MIA".into()));
    assert_eq!(codes(&qualify(&index, FIBER_300, &miami)), ["MARKET"]);
    // Every reason at once, in the documented order.
    let everything = EligibilityContext {
        customer_type: Some("Consumer".into()),
        customer_sub_type: Some("Individual".into()),
        payment_type: Some("Prepaid".into()),
        credit_class: Some("none".into()),
        market: Some("MIA".into()),
        ..ctx("SelfService")
    };
    assert_eq!(
        codes(&qualify(
            &index,
            "Mobile_Offer_business-unlimited-essentials",
            &everything
        )),
        [
            "CHANNEL",
            "CUSTOMER_TYPE",
            "CUSTOMER_SUB_TYPE",
            "PAYMENT_TYPE",
            "CREDIT_CLASS"
        ]
    );
}

#[test]
fn upgrade_only_offers_need_an_existing_product() {
    let index = demo();
    let reasons = qualify(&index, FIBER_5000, &ctx("ECOMM"));
    assert_eq!(codes(&reasons), ["REQUIRES_EXISTING_PRODUCT"]);
    assert!(reasons[0].label.contains("BB_Plan"), "{reasons:?}");
    let having = |ids: &[&str]| EligibilityContext {
        existing_offering_ids: ids.iter().map(|s| s.to_string()).collect(),
        ..ctx("ECOMM")
    };
    // By type (any fiber plan, even a retired one), or by id.
    for ids in [
        &[FIBER_1000][..],
        &["BB_Plan_fiber-100"],
        &[FIBER_COMPLETE],
        &[UNLIMITED_PREMIUM, FIBER_300],
    ] {
        assert_eq!(qualify(&index, FIBER_5000, &having(ids)), [], "{ids:?}");
    }
    for ids in [&[UNLIMITED_PREMIUM][..], &["unknown-offer"], &[]] {
        assert_eq!(
            codes(&qualify(&index, FIBER_5000, &having(ids))),
            ["REQUIRES_EXISTING_PRODUCT"],
            "{ids:?}"
        );
    }
    // Offers without the attribute ignore what the customer has.
    assert_eq!(qualify(&index, FIBER_1000, &having(&[])), []);
}

#[test]
fn swaps_follow_swap_relationships() {
    let index = demo();
    assert_eq!(may_swap(&index, UNLIMITED_PREMIUM, UNLIMITED_EXTRA), Ok(()));
    assert_eq!(may_swap(&index, PHYSICAL_SIM, ESIM), Ok(()));
    assert_eq!(may_swap(&index, ESIM, PHYSICAL_SIM), Ok(()));
    assert_eq!(may_swap(&index, FIBER_300, FIBER_5000), Ok(()));
    // Unlimited Elite (retired) names Premium; Premium does not name it back.
    assert_eq!(may_swap(&index, UNLIMITED_ELITE, UNLIMITED_PREMIUM), Ok(()));
    assert_eq!(may_swap(&index, UNLIMITED_PREMIUM, UNLIMITED_ELITE), Ok(()));

    let refused = may_swap(&index, UNLIMITED_PREMIUM, BUSINESS_PERFORMANCE).expect_err("no swap");
    assert!(refused.is(ReasonCode::SwapNotAllowed), "{refused}");
    assert!(refused.label.contains(BUSINESS_PERFORMANCE));
    // A plan and an add-on are related, but not by a swap.
    let addon = may_swap(&index, UNLIMITED_PREMIUM, "sku12037300017").expect_err("addOnOf");
    assert!(addon.is(ReasonCode::SwapNotAllowed));
    let same = may_swap(&index, FIBER_300, FIBER_300).expect_err("itself");
    assert!(same.is(ReasonCode::SwapNotAllowed));
    let target = may_swap(&index, FIBER_300, "nope").expect_err("target");
    assert!(target.is(ReasonCode::NotFound) && target.label.contains("nope"));
    let source = may_swap(&index, "nope", FIBER_300).expect_err("source");
    assert!(source.is(ReasonCode::NotFound) && source.label.contains("nope"));
}

/// A swap is allowed in both directions or in neither, for every pair of
/// demo offerings.
#[test]
fn swaps_are_symmetric() {
    let index = demo();
    let offerings: Vec<Value> = serde_json::from_str(DEMO_OFFERINGS).expect("demo offerings");
    let ids: Vec<&str> = offerings.iter().filter_map(|o| o["id"].as_str()).collect();
    let mut allowed = 0;
    for a in &ids {
        for b in &ids {
            let there = may_swap(&index, a, b).is_ok();
            assert_eq!(there, may_swap(&index, b, a).is_ok(), "{a} <-> {b}");
            allowed += usize::from(there);
        }
    }
    assert!(allowed > 20, "{allowed}");
}

#[test]
fn reason_codes_are_stable_and_distinct() {
    let mut seen = std::collections::HashSet::new();
    for code in ReasonCode::ALL {
        assert!(seen.insert(code.as_str()), "{code}");
        assert_eq!(ReasonCode::parse(code.as_str()), Some(code));
        assert!(
            code.as_str()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_')
        );
    }
    assert_eq!(ReasonCode::parse("nope"), None);
    let r = Reason::new(ReasonCode::Channel, "x");
    assert_eq!(
        serde_json::to_value(&r).expect("json"),
        json!({"code": "CHANNEL", "label": "x"})
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::subsequence;

    const CHANNELS: [&str; 3] = ["ECOMM", "ATTR", "SelfService"];
    const TYPES: [&str; 3] = ["Consumer", "Business", "IRU"];
    const SUBTYPES: [&str; 2] = ["Individual", "Enterprise"];
    const PAYMENTS: [&str; 2] = ["Prepaid", "Postpaid"];
    const CREDIT: [&str; 3] = ["low", "medium", "high"];
    const MARKETS: [&str; 3] = ["DLS", "MIA", "ATL"];

    /// An offering as the catalog stores it, from the generated attributes.
    #[derive(Debug, Clone)]
    struct Offer {
        lifecycle: &'static str,
        is_sellable: Option<bool>,
        start: Option<&'static str>,
        end: Option<&'static str>,
        channels: Vec<&'static str>,
        types: Vec<&'static str>,
        subtypes: Vec<&'static str>,
        payments: Vec<&'static str>,
        credit: Vec<&'static str>,
        markets: Vec<&'static str>,
        requires: Vec<&'static str>,
    }

    fn instant() -> impl Strategy<Value = Option<&'static str>> {
        proptest::option::of(prop_oneof![
            Just("2020-01-01T00:00:00Z"),
            Just("2026-06-01T00:00:00Z"),
            Just("2030-01-01T00:00:00Z"),
        ])
    }

    fn offer() -> impl Strategy<Value = Offer> {
        (
            (
                prop_oneof![
                    Just("Active"),
                    Just("Launched"),
                    Just("Retired"),
                    Just("In design")
                ],
                proptest::option::of(any::<bool>()),
                instant(),
                instant(),
            ),
            (
                subsequence(CHANNELS.to_vec(), 0..=3),
                subsequence(TYPES.to_vec(), 0..=3),
                subsequence(SUBTYPES.to_vec(), 0..=2),
                subsequence(PAYMENTS.to_vec(), 0..=2),
                subsequence(CREDIT.to_vec(), 0..=3),
                subsequence(MARKETS.to_vec(), 0..=3),
                subsequence(vec!["BB_Plan", "plan-x"], 0..=2),
            ),
        )
            .prop_map(
                |(
                    (lifecycle, is_sellable, start, end),
                    (channels, types, subtypes, payments, credit, markets, requires),
                )| Offer {
                    lifecycle,
                    is_sellable,
                    start,
                    end,
                    channels,
                    types,
                    subtypes,
                    payments,
                    credit,
                    markets,
                    requires,
                },
            )
    }

    impl Offer {
        fn document(&self) -> Value {
            let mut doc = json!({
                "id": "o", "name": "o", "lifecycleStatus": self.lifecycle,
                "productOfferingType": "Mobile_Offer",
                "channel": self.channels.iter().map(|c| json!({"id": c})).collect::<Vec<_>>(),
                "customerTypes": self.types, "customerSubTypes": self.subtypes,
                "paymentType": self.payments, "creditRisk": self.credit, "markets": self.markets,
                "validFor": {},
            });
            if let Some(s) = self.is_sellable {
                doc["isSellable"] = json!(s);
            }
            if let Some(s) = self.start {
                doc["validFor"]["startDateTime"] = json!(s);
            }
            if let Some(e) = self.end {
                doc["validFor"]["endDateTime"] = json!(e);
            }
            if !self.requires.is_empty() {
                doc["requiresExistingProduct"] = json!(self.requires);
            }
            doc
        }

        /// The rules, written out once more from the attributes themselves.
        fn expected(&self, c: &EligibilityContext) -> Vec<&'static str> {
            let listed = |list: &[&str], v: &Option<String>| {
                v.as_ref()
                    .is_none_or(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v)))
            };
            let at = |t: &str| parse_rfc3339(t).expect("time");
            let mut out = Vec::new();
            if !matches!(self.lifecycle, "Active" | "Launched") || self.is_sellable == Some(false) {
                out.push("NOT_SELLABLE");
            }
            if self.start.is_some_and(|s| c.now < at(s)) {
                out.push("NOT_YET_VALID");
            }
            if self.end.is_some_and(|e| c.now > at(e)) {
                out.push("EXPIRED");
            }
            if !listed(&self.channels, &Some(c.channel.clone())) {
                out.push("CHANNEL");
            }
            for (list, value, code) in [
                (&self.types, &c.customer_type, "CUSTOMER_TYPE"),
                (&self.subtypes, &c.customer_sub_type, "CUSTOMER_SUB_TYPE"),
                (&self.payments, &c.payment_type, "PAYMENT_TYPE"),
                (&self.credit, &c.credit_class, "CREDIT_CLASS"),
                (&self.markets, &c.market, "MARKET"),
            ] {
                if !listed(list, value) {
                    out.push(code);
                }
            }
            // `fiber` is a BB_Plan; `plan-x` is only known by its id.
            let satisfied = c.existing_offering_ids.iter().any(|e| {
                (e == "fiber" && self.requires.contains(&"BB_Plan"))
                    || (e == "plan-x" && self.requires.contains(&"plan-x"))
            });
            if !self.requires.is_empty() && !satisfied {
                out.push("REQUIRES_EXISTING_PRODUCT");
            }
            out
        }
    }

    fn value_of(pool: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
        proptest::option::of(
            prop_oneof![proptest::sample::select(pool), Just("other")].prop_map(|v| {
                // Case must not matter.
                if v.len() % 2 == 0 {
                    v.to_uppercase()
                } else {
                    v.to_string()
                }
            }),
        )
    }

    fn context() -> impl Strategy<Value = EligibilityContext> {
        (
            prop_oneof![
                proptest::sample::select(&CHANNELS[..]).prop_map(str::to_string),
                Just("ecomm".to_string()),
                Just("Dealer".to_string()),
            ],
            value_of(&TYPES),
            value_of(&SUBTYPES),
            value_of(&PAYMENTS),
            value_of(&CREDIT),
            value_of(&MARKETS),
            subsequence(vec!["fiber", "plan-x", "ghost", "PLAN-X"], 0..=4),
            instant(),
        )
            .prop_map(|(channel, ty, sub, pay, credit, market, existing, t)| {
                EligibilityContext {
                    channel,
                    customer_type: ty,
                    customer_sub_type: sub,
                    payment_type: pay,
                    credit_class: credit,
                    market,
                    existing_offering_ids: existing.into_iter().map(str::to_string).collect(),
                    now: parse_rfc3339(t.unwrap_or("2026-06-01T00:00:01Z")).expect("time"),
                }
            })
    }

    fn catalog(offer: &Offer) -> CatalogIndex {
        let others = [
            json!({"id": "fiber", "name": "fiber", "productOfferingType": "BB_Plan", "lifecycleStatus": "Active"}),
            json!({"id": "plan-x", "name": "plan x", "productOfferingType": "Mobile_Offer", "lifecycleStatus": "Active",
                   "productOfferingRelationship": [{"id": "o", "relationshipType": "swap"}]}),
        ];
        let mut offerings = vec![offer.document()];
        offerings.extend(others);
        CatalogIndex::build(
            &CatalogSource {
                offerings,
                ..CatalogSource::default()
            },
            now(),
        )
    }

    proptest! {
        /// `qualify` gives exactly the reasons the rules call for, in order.
        #[test]
        fn qualify_matches_the_rules(offer in offer(), c in context()) {
            let index = catalog(&offer);
            let got = qualify(&index, "o", &c);
            prop_assert_eq!(codes(&got), offer.expected(&c));
            for r in &got {
                prop_assert!(ReasonCode::parse(&r.code).is_some());
                prop_assert!(r.label.contains("'o'"));
            }
        }

        /// Naming more of the context can only add reasons, never remove them.
        #[test]
        fn more_context_never_helps(offer in offer(), c in context()) {
            let index = catalog(&offer);
            let bare = EligibilityContext { existing_offering_ids: c.existing_offering_ids.clone(), ..EligibilityContext::new(c.channel.clone(), c.now) };
            let fewer = qualify(&index, "o", &bare);
            let more = qualify(&index, "o", &c);
            for r in &fewer {
                prop_assert!(more.contains(r), "{} lost", r);
            }
        }
    }
}
