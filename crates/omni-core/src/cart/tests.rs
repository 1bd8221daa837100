use super::*;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;

fn fields(errors: Vec<crate::document::FieldError>) -> Vec<String> {
    errors.into_iter().map(|e| e.field).collect()
}

#[test]
fn relationships_pass_the_page_s_four_checks() {
    let ok = vec![
        json!({"id": "1", "cartItemRelationship": [{"id": "2", "relationshipType": "hasAddOn"}]}),
        json!({"id": "2"}),
    ];
    assert!(check_relationships(&ok).is_empty());
    let missing_id =
        vec![json!({"id": "1", "cartItemRelationship": [{"relationshipType": "swap"}]})];
    assert_eq!(
        fields(check_relationships(&missing_id)),
        ["cartItem[0].cartItemRelationship[0].id"]
    );
    let dangling =
        vec![json!({"id": "1", "cartItemRelationship": [{"id": "9", "relationshipType": "swap"}]})];
    let e = check_relationships(&dangling);
    assert!(e[0].rule.contains("no other cart item has id '9'"), "{e:?}");
    let bad_type = vec![
        json!({"id": "1", "cartItemRelationship": [{"id": "2", "relationshipType": "likes"}]}),
        json!({"id": "2"}),
    ];
    assert_eq!(
        fields(check_relationships(&bad_type)),
        ["cartItem[0].cartItemRelationship[0].relationshipType"]
    );
    let own =
        vec![json!({"id": "1", "cartItemRelationship": [{"id": "1", "relationshipType": "swap"}]})];
    assert!(check_relationships(&own)[0].rule.contains("its own item"));
    for kind in RELATIONSHIP_TYPES {
        let items = vec![
            json!({"id": "a", "cartItemRelationship": [{"id": "b", "relationshipType": kind}]}),
            json!({"id": "b"}),
        ];
        assert!(check_relationships(&items).is_empty(), "{kind}");
    }
}

fn charge(price_type: &str, period: Option<&str>, cents: i64) -> ItemCharge {
    ItemCharge {
        price_id: format!("p-{price_type}"),
        name: price_type.into(),
        price_type: price_type.into(),
        period: period.map(str::to_string),
        unit_amount: Decimal::new(cents, 2),
        currency: "USD".into(),
    }
}

#[test]
fn totals_multiply_by_quantity_and_apply_reductions() {
    let phone = PricedItem {
        quantity: 2,
        charges: vec![
            charge("oneTime", None, 99_999),
            charge("installment", Some("month"), 2_778),
        ],
        reductions: vec![Reduction {
            promotion_id: "p".into(),
            name: "$100 off".into(),
            price_type: "oneTime".into(),
            period: None,
            amount: Decimal::new(10_000, 2),
            duration_months: None,
        }],
        start_date: None,
        active: true,
    };
    let t = item_totals(&phone);
    assert_eq!(t.groups[0].amount, Decimal::new(189_998, 2));
    assert_eq!(t.groups[1].amount, Decimal::new(5_556, 2));
    let json = t.to_json();
    assert_eq!(json[0]["price"]["taxIncludedAmount"]["value"], "1899.98");
    assert_eq!(
        json[0]["priceAlteration"][0]["price"]["taxIncludedAmount"]["value"],
        "-100.00"
    );
    assert_eq!(
        item_charges(&phone)[0]["price"]["taxIncludedAmount"]["value"],
        "1999.98"
    );
}

#[test]
fn upfront_counts_only_items_due_now() {
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let item = |start: Option<NaiveDate>, active: bool| PricedItem {
        quantity: 1,
        charges: vec![
            charge("oneTime", None, 1_000),
            charge("recurring", Some("month"), 500),
        ],
        reductions: vec![],
        start_date: start,
        active,
    };
    let items = vec![
        item(None, true),
        item(Some(today), true),
        item(today.succ_opt(), true),
        item(None, false),
    ];
    assert_eq!(
        upfront_due(&items, today).map(|d| d.0),
        Some(Decimal::new(2_000, 2))
    );
    let totals = cart_totals(&items);
    assert_eq!(
        totals.groups[0].amount,
        Decimal::new(3_000, 2),
        "saved-for-later items are left out"
    );
    assert_eq!(totals.groups[1].amount, Decimal::new(1_500, 2));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn items() -> impl Strategy<Value = Vec<PricedItem>> {
        let types = ["oneTime", "recurring", "installment"];
        proptest::collection::vec(
            (
                1u32..5,
                proptest::collection::vec((0usize..3, 0i64..200_000), 0..4),
                proptest::collection::vec((0usize..3, 0i64..300_000), 0..3),
                any::<bool>(),
            ),
            0..6,
        )
        .prop_map(move |raw| {
            raw.into_iter()
                .map(|(quantity, charges, cuts, active)| PricedItem {
                    quantity,
                    charges: charges
                        .into_iter()
                        .map(|(t, c)| charge(types[t], (t > 0).then_some("month"), c))
                        .collect(),
                    reductions: cuts
                        .into_iter()
                        .map(|(t, c)| Reduction {
                            promotion_id: "x".into(),
                            name: "x".into(),
                            price_type: types[t].into(),
                            period: (t > 0).then(|| "month".to_string()),
                            amount: Decimal::new(c, 2),
                            duration_months: None,
                        })
                        .collect(),
                    start_date: None,
                    active,
                })
                .collect()
        })
    }

    proptest! {
        /// The cart's totals are the sums of its active items' totals, each
        /// item total is its charges less its applied reductions, and nothing
        /// is negative.
        #[test]
        fn totals_equal_the_sum_of_their_parts(items in items()) {
            let cart = cart_totals(&items);
            for group in &cart.groups {
                let parts: Decimal = items.iter().filter(|i| i.active)
                    .flat_map(|i| item_totals(i).groups)
                    .filter(|g| g.price_type == group.price_type && g.period == group.period)
                    .map(|g| g.amount).sum();
                prop_assert_eq!(group.amount, parts);
                prop_assert!(group.amount >= Decimal::ZERO);
            }
            for item in &items {
                for g in item_totals(item).groups {
                    let charged: Decimal = item.charges.iter()
                        .filter(|c| c.price_type == g.price_type && c.period == g.period)
                        .map(|c| c.unit_amount * Decimal::from(item.quantity)).sum();
                    let cut: Decimal = g.reductions.iter().map(|r| r.amount).sum();
                    prop_assert_eq!(g.amount, charged - cut);
                    prop_assert!(g.amount >= Decimal::ZERO);
                }
            }
        }
    }
}
