//! The engine, per criterion and action, priority, exclusivity, coupons and
//! dates; then properties over random carts and promotions.

use super::*;
use crate::time::parse_rfc3339;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::str::FromStr;

fn at(text: &str) -> DateTime<Utc> {
    parse_rfc3339(text).expect("time")
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal")
}

fn ctx() -> PromotionContext {
    PromotionContext {
        channel: "ECOMM".into(),
        customer_type: Some("Consumer".into()),
        coupon_codes: Vec::new(),
        now: at("2025-06-01T12:00:00Z"),
    }
}

fn price(price_type: &str, amount: &str) -> LinePrice {
    LinePrice {
        price_type: price_type.into(),
        period: (price_type != "oneTime").then(|| "month".to_string()),
        unit_amount: d(amount),
        unit: "USD".into(),
    }
}

fn line(item: &str, offering: &str, categories: &[&str], quantity: u32) -> PricedLine {
    PricedLine {
        item_id: item.into(),
        offering_id: offering.into(),
        categories: categories.iter().map(|c| c.to_string()).collect(),
        quantity,
        prices: Vec::new(),
    }
}

fn with(mut l: PricedLine, prices: &[LinePrice]) -> PricedLine {
    l.prices = prices.to_vec();
    l
}

/// A plan (85.99 a month + 35.00 activation) and a phone (799.99 once).
fn plan_and_phone() -> Vec<PricedLine> {
    vec![
        with(
            line("i1", "plan", &["Mobile_Offers"], 1),
            &[price("recurring", "85.99"), price("oneTime", "35.00")],
        ),
        with(
            line("i2", "phone", &["Mobile_Devices", "Mobile_Phones"], 1),
            &[price("oneTime", "799.99")],
        ),
    ]
}

fn criterion(parameter: &str, op: &str, value: &str) -> Value {
    json!({"criteriaParameter": parameter, "criteriaOperator": op, "criteriaValue": value})
}

fn off(kind: &str, value: &str, price_type: &str) -> Value {
    json!({"actionType": kind, "actionValue": value, "priceType": price_type})
}

fn doc(id: &str, priority: Option<u32>, criteria: Vec<Value>, actions: Vec<Value>) -> Value {
    let mut pattern = json!({"criteriaGroup": [{"criteria": criteria}], "action": actions});
    if let Some(p) = priority {
        pattern["priority"] = json!(p);
    }
    json!({"id": id, "name": format!("Promotion {id}"), "lifecycleStatus": "Active", "pattern": [pattern]})
}

fn promo(document: Value) -> Promotion {
    Promotion::from_document(&document).expect("valid promotion")
}

fn simple(id: &str, criteria: Vec<Value>, action: Value) -> Promotion {
    promo(doc(id, None, criteria, vec![action]))
}

/// `(promotion, item, price type, amount)` of each reduction.
fn summary(applied: &[AppliedPromotion]) -> Vec<(String, String, String, String)> {
    applied
        .iter()
        .map(|a| {
            (
                a.promotion_id.clone(),
                a.item_id.clone(),
                a.price_type.clone(),
                a.amount.to_string(),
            )
        })
        .collect()
}

fn row(p: &str, item: &str, price_type: &str, amount: &str) -> (String, String, String, String) {
    (p.into(), item.into(), price_type.into(), amount.into())
}

fn applies(promotion: &Promotion, lines: &[PricedLine], ctx: &PromotionContext) -> bool {
    !apply(lines, std::slice::from_ref(promotion), ctx).is_empty()
}

// ---- criteria -------------------------------------------------------------

#[test]
fn offering_present_and_absent() {
    let lines = plan_and_phone();
    let has = simple(
        "p",
        vec![criterion("productOffering.id", "=", "other, phone")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(applies(&has, &lines, &ctx()));
    assert!(!applies(&has, &lines[..1], &ctx()));
    let lacks = simple(
        "p",
        vec![criterion("productOffering.id", "<>", "phone")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(!applies(&lacks, &lines, &ctx()));
    assert!(applies(&lacks, &lines[..1], &ctx()));
    // An item of quantity 0 is not in the cart.
    let mut zero = lines.clone();
    zero[1].quantity = 0;
    assert!(!applies(&has, &zero, &ctx()));
}

#[test]
fn category_present_and_absent() {
    let lines = plan_and_phone();
    let has = simple(
        "p",
        vec![criterion("category.id", "=", "Mobile_Phones")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(applies(&has, &lines, &ctx()));
    assert!(!applies(&has, &lines[..1], &ctx()));
    let lacks = simple(
        "p",
        vec![criterion("category.id", "<>", "Mobile_Phones")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(applies(&lacks, &lines[..1], &ctx()));
    assert!(!applies(&lacks, &lines, &ctx()));
}

#[test]
fn minimum_quantities_of_offerings_and_categories() {
    let mut lines = plan_and_phone();
    lines.push(with(
        line("i3", "phone2", &["Mobile_Devices", "Mobile_Phones"], 2),
        &[price("oneTime", "100.00")],
    ));
    let at_least = |param: &str, n: &str| {
        simple(
            "p",
            vec![criterion(param, ">=", n)],
            off("percentOff", "10", "oneTime"),
        )
    };
    assert!(applies(
        &at_least("category[Mobile_Phones].quantity", "3"),
        &lines,
        &ctx()
    ));
    assert!(!applies(
        &at_least("category[Mobile_Phones].quantity", "4"),
        &lines,
        &ctx()
    ));
    assert!(applies(
        &at_least("productOffering[phone2].quantity", "2"),
        &lines,
        &ctx()
    ));
    assert!(!applies(
        &at_least("productOffering[phone].quantity", "2"),
        &lines,
        &ctx()
    ));
    assert!(applies(
        &at_least("productOffering[phone,phone2].quantity", "3"),
        &lines,
        &ctx()
    ));
    let exactly = simple(
        "p",
        vec![criterion("productOffering[phone2].quantity", "=", "2")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(applies(&exactly, &lines, &ctx()));
    let fewer = simple(
        "p",
        vec![criterion("category[Mobile_Offers].quantity", "<", "2")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(applies(&fewer, &lines, &ctx()));
}

#[test]
fn channel_and_customer_type() {
    let lines = plan_and_phone();
    let online = simple(
        "p",
        vec![criterion("channel.id", "=", "ecomm,SelfService")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(applies(&online, &lines, &ctx()));
    let store = PromotionContext {
        channel: "ATTR".into(),
        ..ctx()
    };
    assert!(!applies(&online, &lines, &store));
    let not_online = simple(
        "p",
        vec![criterion("channel.id", "<>", "ECOMM")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(applies(&not_online, &lines, &store));

    let business = simple(
        "p",
        vec![criterion("customerType", "=", "Business")],
        off("percentOff", "10", "oneTime"),
    );
    let not_business = simple(
        "p",
        vec![criterion("customerType", "<>", "Business")],
        off("percentOff", "10", "oneTime"),
    );
    assert!(!applies(&business, &lines, &ctx()));
    assert!(applies(&not_business, &lines, &ctx()));
    let prospect = PromotionContext {
        customer_type: None,
        ..ctx()
    };
    assert!(!applies(&business, &lines, &prospect));
    assert!(applies(&not_business, &lines, &prospect));
    let biz = PromotionContext {
        customer_type: Some("business".into()),
        ..ctx()
    };
    assert!(applies(&business, &lines, &biz));
}

#[test]
fn coupon_codes_unlock() {
    let lines = plan_and_phone();
    let coupon = simple(
        "p",
        vec![criterion("couponCode", "=", "ACTNOW")],
        off("amountOff", "5.00", "oneTime"),
    );
    assert!(!applies(&coupon, &lines, &ctx()));
    let entered = |codes: &[&str]| PromotionContext {
        coupon_codes: codes.iter().map(|c| c.to_string()).collect(),
        ..ctx()
    };
    assert!(applies(&coupon, &lines, &entered(&["actnow"])));
    assert!(applies(&coupon, &lines, &entered(&["OTHER", " ACTNOW "])));
    assert!(!applies(&coupon, &lines, &entered(&["ACTNOW2"])));
}

#[test]
fn validity_dates_and_status() {
    let lines = plan_and_phone();
    let mut document = doc(
        "p",
        None,
        vec![criterion("channel.id", "=", "ECOMM")],
        vec![off("percentOff", "10", "oneTime")],
    );
    document["validFor"] =
        json!({"startDateTime": "2025-06-01T00:00:00Z", "endDateTime": "2025-07-01T00:00:00Z"});
    let p = promo(document.clone());
    assert!(applies(&p, &lines, &ctx()));
    let later = PromotionContext {
        now: at("2025-07-01T00:00:00Z"),
        ..ctx()
    };
    assert!(!applies(&p, &lines, &later));
    let earlier = PromotionContext {
        now: at("2025-05-31T23:59:59Z"),
        ..ctx()
    };
    assert!(!applies(&p, &lines, &earlier));

    // The pattern's own window counts too.
    let mut windowed = document.clone();
    windowed["validFor"] = Value::Null;
    windowed["pattern"][0]["validFor"] = json!({"endDateTime": "2025-06-01T00:00:00Z"});
    assert!(!applies(&promo(windowed), &lines, &ctx()));

    for status in ["draft", "Retired", "suspend"] {
        let mut off_status = document.clone();
        off_status["lifecycleStatus"] = json!(status);
        assert!(!applies(&promo(off_status), &lines, &ctx()), "{status}");
    }
}

#[test]
fn logical_relationships() {
    let lines = plan_and_phone();
    let group_or = promo(
        json!({"id": "p", "name": "x", "lifecycleStatus": "Active", "pattern": [{
        "criteriaGroup": [{"criteriaLogicalRelationship": "OR", "criteria": [
            criterion("productOffering.id", "=", "missing"),
            criterion("channel.id", "=", "ECOMM")]}],
        "action": [{"actionType": "percentOff", "actionValue": "10", "priceType": "oneTime",
                    "actionEntityRef": {"id": "phone"}}]}]}),
    );
    assert!(applies(&group_or, &lines, &ctx()));
    let store = PromotionContext {
        channel: "ATTR".into(),
        ..ctx()
    };
    assert!(!applies(&group_or, &lines, &store));
    let groups_and = promo(
        json!({"id": "p", "name": "x", "lifecycleStatus": "Active", "pattern": [{
        "criteriaGroup": [
            {"criteria": [criterion("productOffering.id", "=", "missing")]},
            {"criteria": [criterion("channel.id", "=", "ECOMM")]}],
        "action": [off("percentOff", "10", "oneTime")]}]}),
    );
    assert!(!applies(&groups_and, &lines, &ctx()));
    let groups_or = promo(
        json!({"id": "p", "name": "x", "lifecycleStatus": "Active", "pattern": [{
        "criteriaGroupLogicalRelationship": "OR",
        "criteriaGroup": [
            {"criteria": [criterion("productOffering.id", "=", "missing")]},
            {"criteria": [criterion("productOffering.id", "=", "phone")]}],
        "action": [off("percentOff", "10", "oneTime")]}]}),
    );
    // Only the phone matched: the plan's one-time fee is not reduced.
    assert_eq!(
        summary(&apply(&lines, &[groups_or], &ctx())),
        [row("p", "i2", "oneTime", "80.00")]
    );
}

// ---- actions --------------------------------------------------------------

#[test]
fn amount_off_is_per_unit_and_capped() {
    let lines = vec![with(
        line("i1", "plan", &["Mobile_Offers"], 3),
        &[price("recurring", "40.00"), price("oneTime", "35.00")],
    )];
    let p = simple(
        "p",
        vec![criterion("productOffering.id", "=", "plan")],
        off("amountOff", "10.00", "recurring"),
    );
    let applied = apply(&lines, &[p], &ctx());
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].amount, d("30.00"));
    assert_eq!(applied[0].period.as_deref(), Some("month"));
    assert_eq!(applied[0].unit, "USD");
    assert_eq!(applied[0].name, "Promotion p");

    let huge = simple(
        "p",
        vec![criterion("productOffering.id", "=", "plan")],
        off("amountOff", "50.00", "oneTime"),
    );
    assert_eq!(
        summary(&apply(&lines, &[huge], &ctx())),
        [row("p", "i1", "oneTime", "105.00")]
    );
}

#[test]
fn percent_off_rounds_to_cents() {
    let lines = vec![with(
        line("i1", "plan", &[], 1),
        &[price("recurring", "85.99")],
    )];
    let p = simple(
        "p",
        vec![criterion("productOffering.id", "=", "plan")],
        off("percentOff", "15", "recurring"),
    );
    // 12.8985 rounds to 12.90.
    assert_eq!(
        summary(&apply(&lines, &[p], &ctx())),
        [row("p", "i1", "recurring", "12.90")]
    );
    let zero = simple(
        "p",
        vec![criterion("productOffering.id", "=", "plan")],
        off("percentOff", "0", "recurring"),
    );
    assert!(apply(&lines, &[zero], &ctx()).is_empty());
}

#[test]
fn actions_reduce_only_their_price_type_for_their_months() {
    let lines = vec![with(
        line("i1", "phone", &["Mobile_Phones"], 1),
        &[price("installment", "22.22"), price("oneTime", "0.00")],
    )];
    let p = simple(
        "p",
        vec![criterion("category.id", "=", "Mobile_Phones")],
        json!({"actionType": "amountOff", "actionValue": "22.22", "priceType": "installment", "durationMonths": 36}),
    );
    let applied = apply(&lines, &[p], &ctx());
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].price_type, "installment");
    assert_eq!(applied[0].duration_months, Some(36));
    assert_eq!(applied[0].amount, d("22.22"));
    let recurring = simple(
        "p",
        vec![criterion("category.id", "=", "Mobile_Phones")],
        off("amountOff", "5.00", "recurring"),
    );
    assert!(apply(&lines, &[recurring], &ctx()).is_empty());
}

#[test]
fn matching_items_named_offering_and_category_targets() {
    let lines = plan_and_phone();
    // Matching items: the phone only (the plan is not named by a criterion).
    let matching = simple(
        "m",
        vec![
            criterion("category.id", "=", "Mobile_Phones"),
            criterion("channel.id", "=", "ECOMM"),
        ],
        off("percentOff", "10", "oneTime"),
    );
    assert_eq!(
        summary(&apply(&lines, &[matching], &ctx())),
        [row("m", "i2", "oneTime", "80.00")]
    );
    // No item criteria: every item.
    let everything = simple(
        "e",
        vec![criterion("channel.id", "=", "ECOMM")],
        off("percentOff", "10", "oneTime"),
    );
    assert_eq!(
        summary(&apply(&lines, &[everything], &ctx())),
        [
            row("e", "i1", "oneTime", "3.50"),
            row("e", "i2", "oneTime", "80.00")
        ]
    );
    // A named offering, whatever the criteria matched.
    let named = simple(
        "n",
        vec![criterion("category.id", "=", "Mobile_Phones")],
        json!({"actionType": "percentOff", "actionValue": "100", "priceType": "oneTime",
               "actionEntityRef": {"id": "plan", "@referredType": "ProductOffering"}}),
    );
    assert_eq!(
        summary(&apply(&lines, &[named], &ctx())),
        [row("n", "i1", "oneTime", "35.00")]
    );
    let category = simple(
        "c",
        vec![criterion("productOffering.id", "=", "plan")],
        json!({"actionType": "amountOff", "actionValue": "100.00", "priceType": "oneTime",
               "actionEntityRef": {"id": "Mobile_Devices", "@referredType": "Category"}}),
    );
    assert_eq!(
        summary(&apply(&lines, &[category], &ctx())),
        [row("c", "i2", "oneTime", "100.00")]
    );
}

#[test]
fn max_quantity_goes_to_the_cheapest_units() {
    let lines = vec![
        with(
            line("big", "s24-256", &["S24"], 1),
            &[price("oneTime", "859.99")],
        ),
        with(
            line("small", "s24-128", &["S24"], 2),
            &[price("oneTime", "799.99")],
        ),
    ];
    let bogo = simple(
        "bogo",
        vec![criterion("category[S24].quantity", ">=", "2")],
        json!({"actionType": "percentOff", "actionValue": "100", "priceType": "oneTime", "maxQuantity": 1}),
    );
    assert_eq!(
        summary(&apply(&lines, std::slice::from_ref(&bogo), &ctx())),
        [row("bogo", "small", "oneTime", "799.99")]
    );
    let two = simple(
        "two",
        vec![criterion("category[S24].quantity", ">=", "2")],
        json!({"actionType": "amountOff", "actionValue": "1000", "priceType": "oneTime", "maxQuantity": 3}),
    );
    assert_eq!(
        summary(&apply(&lines, &[two], &ctx())),
        [
            row("two", "big", "oneTime", "859.99"),
            row("two", "small", "oneTime", "1599.98")
        ]
    );
    assert!(apply(&lines[..1], &[bogo], &ctx()).is_empty());
}

#[test]
fn amounts_reduce_prices_of_their_currency_only() {
    let mut eur = price("oneTime", "100.00");
    eur.unit = "EUR".into();
    let lines = vec![with(
        line("i1", "x", &[], 1),
        &[eur, price("oneTime", "50.00")],
    )];
    let usd = simple(
        "usd",
        vec![criterion("productOffering.id", "=", "x")],
        off("amountOff", "10.00", "oneTime"),
    );
    let applied = apply(&lines, &[usd], &ctx());
    assert_eq!(applied.len(), 1);
    assert_eq!(
        (applied[0].unit.as_str(), applied[0].amount),
        ("USD", d("10.00"))
    );
    let pct = simple(
        "pct",
        vec![criterion("productOffering.id", "=", "x")],
        off("percentOff", "10", "oneTime"),
    );
    let units: Vec<String> = apply(&lines, &[pct], &ctx())
        .into_iter()
        .map(|a| format!("{} {}", a.unit, a.amount))
        .collect();
    assert_eq!(units, ["EUR 10.00", "USD 5.00"]);
}

// ---- priority, exclusivity -------------------------------------------------

#[test]
fn lower_priority_applies_first_and_percent_takes_what_is_left() {
    let lines = vec![with(
        line("i1", "plan", &[], 1),
        &[price("recurring", "100.00")],
    )];
    let ten_off = promo(doc(
        "z-amount",
        Some(1),
        vec![criterion("productOffering.id", "=", "plan")],
        vec![off("amountOff", "10.00", "recurring")],
    ));
    let half = promo(doc(
        "a-percent",
        Some(2),
        vec![criterion("productOffering.id", "=", "plan")],
        vec![off("percentOff", "50", "recurring")],
    ));
    let expected = [
        row("z-amount", "i1", "recurring", "10.00"),
        row("a-percent", "i1", "recurring", "45.00"),
    ];
    assert_eq!(
        summary(&apply(&lines, &[half.clone(), ten_off.clone()], &ctx())),
        expected
    );
    // Swap priorities: the percentage goes first.
    let mut half_first = half.clone();
    half_first.patterns[0].priority = Some(0);
    assert_eq!(
        summary(&apply(&lines, &[ten_off.clone(), half_first], &ctx())),
        [
            row("a-percent", "i1", "recurring", "50.00"),
            row("z-amount", "i1", "recurring", "10.00"),
        ]
    );
    // Without priorities: after every numbered one; ties by id.
    let mut unnumbered = half.clone();
    unnumbered.patterns[0].priority = None;
    let mut also_one = ten_off.clone();
    also_one.id = "b-amount".into();
    let applied = apply(&lines, &[unnumbered, ten_off, also_one], &ctx());
    let order: Vec<&str> = applied.iter().map(|a| a.promotion_id.as_str()).collect();
    assert_eq!(order, ["b-amount", "z-amount", "a-percent"]);
}

#[test]
fn patterns_are_tiers() {
    let lines = vec![with(
        line("i1", "plan", &[], 4),
        &[price("recurring", "50.00")],
    )];
    let tiers = promo(
        json!({"id": "tiers", "name": "More lines, more off", "lifecycleStatus": "Active",
        "pattern": [
            {"priority": 2, "criteriaGroup": [{"criteria": [criterion("productOffering[plan].quantity", ">=", "2")]}],
             "action": [off("percentOff", "10", "recurring")]},
            {"priority": 1, "criteriaGroup": [{"criteria": [criterion("productOffering[plan].quantity", ">=", "4")]}],
             "action": [off("percentOff", "20", "recurring")]}]}),
    );
    assert_eq!(
        summary(&apply(&lines, std::slice::from_ref(&tiers), &ctx())),
        [row("tiers", "i1", "recurring", "40.00")]
    );
    let mut three = lines.clone();
    three[0].quantity = 3;
    assert_eq!(
        summary(&apply(&three, &[tiers], &ctx())),
        [row("tiers", "i1", "recurring", "15.00")]
    );
}

#[test]
fn exclusive_promotions_do_not_combine_on_an_item() {
    let lines = plan_and_phone();
    let exclusive = |id: &str, priority: u32, target: &str| {
        let mut d = doc(
            id,
            Some(priority),
            vec![criterion("productOffering.id", "=", target)],
            vec![off("amountOff", "10.00", "oneTime")],
        );
        d["isExclusive"] = json!(true);
        promo(d)
    };
    let shared = |id: &str, priority: u32| {
        promo(doc(
            id,
            Some(priority),
            vec![criterion("channel.id", "=", "ECOMM")],
            vec![off("amountOff", "1.00", "oneTime")],
        ))
    };
    // Exclusive first: it takes the phone; the shared one still reduces the plan.
    assert_eq!(
        summary(&apply(
            &lines,
            &[shared("s", 2), exclusive("x", 1, "phone")],
            &ctx()
        )),
        [
            row("x", "i2", "oneTime", "10.00"),
            row("s", "i1", "oneTime", "1.00"),
        ]
    );
    // Shared first: the exclusive one finds the phone taken.
    assert_eq!(
        summary(&apply(
            &lines,
            &[exclusive("x", 3, "phone"), shared("s", 2)],
            &ctx()
        )),
        [
            row("s", "i1", "oneTime", "1.00"),
            row("s", "i2", "oneTime", "1.00"),
        ]
    );
    // Two exclusive ones at the same priority: the smaller id wins the item.
    assert_eq!(
        summary(&apply(
            &lines,
            &[exclusive("b", 1, "phone"), exclusive("a", 1, "phone")],
            &ctx()
        )),
        [row("a", "i2", "oneTime", "10.00")]
    );
}

#[test]
fn one_promotion_sums_its_actions_on_a_price() {
    let lines = vec![with(line("i1", "x", &[], 1), &[price("oneTime", "100.00")])];
    let p = promo(doc(
        "p",
        None,
        vec![criterion("productOffering.id", "=", "x")],
        vec![
            off("amountOff", "10.00", "oneTime"),
            off("percentOff", "50", "oneTime"),
        ],
    ));
    assert_eq!(
        summary(&apply(&lines, &[p], &ctx())),
        [row("p", "i1", "oneTime", "55.00")]
    );
}

#[test]
fn nothing_to_reduce_gives_nothing() {
    let p = simple(
        "p",
        vec![criterion("channel.id", "=", "ECOMM")],
        off("percentOff", "50", "oneTime"),
    );
    assert!(apply(&[], std::slice::from_ref(&p), &ctx()).is_empty());
    let free = vec![with(line("i1", "x", &[], 1), &[price("oneTime", "0.00")])];
    assert!(apply(&free, &[p], &ctx()).is_empty());
}

// ---- properties -------------------------------------------------------------

const OFFERINGS: &[&str] = &["o1", "o2", "o3", "o4"];
const CATEGORIES: &[&str] = &["c1", "c2", "c3"];
const PRICE_TYPES: &[&str] = &["oneTime", "recurring", "installment"];

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_string)
}

fn money_text() -> impl Strategy<Value = String> {
    (0u32..50_000).prop_map(|cents| format!("{}.{:02}", cents / 100, cents % 100))
}

fn line_strategy() -> impl Strategy<Value = (String, Vec<String>, u32, Vec<LinePrice>)> {
    let prices = prop::collection::vec(
        (
            pick(PRICE_TYPES),
            prop::bool::ANY,
            0u32..200_000,
            prop::bool::weighted(0.9),
        )
            .prop_map(|(price_type, period, cents, usd)| LinePrice {
                period: period.then(|| "month".to_string()),
                price_type,
                unit_amount: Decimal::new(i64::from(cents), 2),
                unit: if usd { "USD" } else { "EUR" }.into(),
            }),
        0..4,
    );
    (
        pick(OFFERINGS),
        prop::collection::vec(pick(CATEGORIES), 0..3),
        0u32..4,
        prices,
    )
}

fn lines_strategy() -> impl Strategy<Value = Vec<PricedLine>> {
    prop::collection::vec(line_strategy(), 0..6).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(
                |(i, (offering_id, categories, quantity, prices))| PricedLine {
                    item_id: format!("item{i}"),
                    offering_id,
                    categories,
                    quantity,
                    prices,
                },
            )
            .collect()
    })
}

fn criterion_strategy() -> impl Strategy<Value = Value> {
    let op = prop::sample::select(&["=", "<>"][..]);
    let cmp = prop::sample::select(&["=", "<>", ">", ">=", "<", "<="][..]);
    prop_oneof![
        (op.clone(), pick(OFFERINGS)).prop_map(|(o, v)| criterion("productOffering.id", o, &v)),
        (op.clone(), pick(CATEGORIES)).prop_map(|(o, v)| criterion("category.id", o, &v)),
        (cmp.clone(), pick(OFFERINGS), 0u32..5).prop_map(|(o, id, n)| criterion(
            &format!("productOffering[{id}].quantity"),
            o,
            &n.to_string()
        )),
        (cmp, pick(CATEGORIES), 0u32..5).prop_map(|(o, id, n)| criterion(
            &format!("category[{id}].quantity"),
            o,
            &n.to_string()
        )),
        (op.clone(), prop::sample::select(&["ECOMM", "ATTR"][..])).prop_map(|(o, v)| criterion(
            "channel.id",
            o,
            v
        )),
        (op, prop::sample::select(&["Consumer", "Business"][..])).prop_map(|(o, v)| criterion(
            "customerType",
            o,
            v
        )),
        prop::sample::select(&["ACTNOW", "SAVE10"][..]).prop_map(|v| criterion(
            "couponCode",
            "=",
            v
        )),
    ]
}

fn action_strategy() -> impl Strategy<Value = Value> {
    (
        prop::bool::ANY,
        money_text(),
        0u32..=100,
        pick(PRICE_TYPES),
        prop::option::of(1u32..24),
        prop::option::of(1u32..4),
        prop::option::of(prop_oneof![
            pick(OFFERINGS).prop_map(|id| json!({"id": id})),
            pick(CATEGORIES).prop_map(|id| json!({"id": id, "@referredType": "Category"})),
        ]),
    )
        .prop_map(|(amount, money, pct, price_type, months, max, target)| {
            let mut a = if amount {
                off("amountOff", &money, &price_type)
            } else {
                off("percentOff", &pct.to_string(), &price_type)
            };
            if let Some(m) = months.filter(|_| price_type != "oneTime") {
                a["durationMonths"] = json!(m);
            }
            if let Some(q) = max {
                a["maxQuantity"] = json!(q);
            }
            if let Some(t) = target {
                a["actionEntityRef"] = t;
            }
            a
        })
}

fn pattern_strategy() -> impl Strategy<Value = Value> {
    (
        prop::option::of(0u32..4),
        prop::bool::ANY,
        prop::collection::vec(
            (prop::bool::ANY, prop::collection::vec(criterion_strategy(), 1..3)),
            1..3,
        ),
        prop::collection::vec(action_strategy(), 1..3),
    )
        .prop_map(|(priority, or, groups, actions)| {
            let groups: Vec<Value> = groups
                .into_iter()
                .map(|(or, criteria)| {
                    json!({"criteriaLogicalRelationship": if or { "OR" } else { "AND" }, "criteria": criteria})
                })
                .collect();
            let mut p = json!({"criteriaGroupLogicalRelationship": if or { "OR" } else { "AND" },
                               "criteriaGroup": groups, "action": actions});
            if let Some(n) = priority {
                p["priority"] = json!(n);
            }
            p
        })
}

fn promotions_strategy() -> impl Strategy<Value = Vec<Promotion>> {
    prop::collection::vec(
        (
            prop::bool::weighted(0.3),
            prop::collection::vec(pattern_strategy(), 1..3),
        ),
        0..6,
    )
    .prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (exclusive, patterns))| {
                promo(json!({"id": format!("promo{i}"), "name": format!("P{i}"),
                    "lifecycleStatus": "Active", "isExclusive": exclusive, "pattern": patterns}))
            })
            .collect()
    })
}

fn context_strategy() -> impl Strategy<Value = PromotionContext> {
    (
        prop::sample::select(&["ECOMM", "ATTR"][..]),
        prop::option::of(prop::sample::select(&["Consumer", "Business"][..])),
        prop::collection::vec(prop::sample::select(&["ACTNOW", "SAVE10", "x"][..]), 0..2),
    )
        .prop_map(|(channel, customer, codes)| PromotionContext {
            channel: channel.into(),
            customer_type: customer.map(str::to_string),
            coupon_codes: codes.into_iter().map(str::to_string).collect(),
            now: at("2025-06-01T00:00:00Z"),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reductions_never_exceed_the_price(
        lines in lines_strategy(),
        promotions in promotions_strategy(),
        ctx in context_strategy(),
    ) {
        let applied = apply(&lines, &promotions, &ctx);
        for a in &applied {
            prop_assert!(a.amount > Decimal::ZERO, "{a:?}");
        }
        for line in &lines {
            let mut keys: Vec<(&str, Option<&str>, &str)> = line
                .prices
                .iter()
                .map(|p| (p.price_type.as_str(), p.period.as_deref(), p.unit.as_str()))
                .collect();
            keys.sort();
            keys.dedup();
            for (price_type, period, unit) in keys {
                let amount: Decimal = line
                    .prices
                    .iter()
                    .filter(|p| p.price_type == price_type && p.period.as_deref() == period && p.unit == unit)
                    .map(|p| p.unit_amount * Decimal::from(line.quantity))
                    .sum();
                let reduced: Decimal = applied
                    .iter()
                    .filter(|a| a.item_id == line.item_id && a.price_type == price_type
                        && a.period.as_deref() == period && a.unit == unit)
                    .map(|a| a.amount)
                    .sum();
                prop_assert!(reduced <= amount, "{} {price_type}: {reduced} > {amount}", line.item_id);
            }
        }
        // Every reduction is of a price the line has.
        for a in &applied {
            let line = lines.iter().find(|l| l.item_id == a.item_id);
            prop_assert!(line.is_some_and(|l| l.prices.iter().any(|p| p.price_type == a.price_type)));
        }
    }

    #[test]
    fn the_order_promotions_come_in_does_not_matter(
        lines in lines_strategy(),
        (promotions, shuffled) in promotions_strategy()
            .prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
        ctx in context_strategy(),
    ) {
        let first = apply(&lines, &promotions, &ctx);
        prop_assert_eq!(&first, &apply(&lines, &promotions, &ctx));
        prop_assert_eq!(&first, &apply(&lines, &shuffled, &ctx));
    }

    #[test]
    fn exclusive_promotions_stand_alone_on_their_items(
        lines in lines_strategy(),
        promotions in promotions_strategy(),
        ctx in context_strategy(),
    ) {
        let applied = apply(&lines, &promotions, &ctx);
        for a in &applied {
            let exclusive = promotions.iter().any(|p| p.id == a.promotion_id && p.exclusive);
            if exclusive {
                prop_assert!(applied.iter().all(|b| b.item_id != a.item_id || b.promotion_id == a.promotion_id),
                    "{a:?} shares its item: {applied:?}");
            }
        }
    }

    #[test]
    fn promotions_apply_in_priority_order(
        lines in lines_strategy(),
        promotions in promotions_strategy(),
        ctx in context_strategy(),
    ) {
        // The promotion ids in output order never go back to an earlier one.
        let applied = apply(&lines, &promotions, &ctx);
        let mut seen: Vec<&str> = Vec::new();
        for a in &applied {
            if seen.last() != Some(&a.promotion_id.as_str()) {
                prop_assert!(!seen.contains(&a.promotion_id.as_str()), "{applied:?}");
                seen.push(&a.promotion_id);
            }
        }
    }
}
