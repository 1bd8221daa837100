use super::items::{item, seed_items};
use crate::inventory::UsAddress;
use crate::order::ItemFacts;
use crate::order::fulfillment::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn address(state: &str, zip: &str) -> UsAddress {
    UsAddress {
        address_line1: "208 S Akard St".to_string(),
        address_line2: None,
        city: "Dallas".to_string(),
        state: state.to_string(),
        zip_code: zip.to_string(),
    }
}

fn stores() -> Vec<Store> {
    vec![
        Store {
            id: "store-dal-1".to_string(),
            name: "Dallas Downtown".to_string(),
            address: address("TX", "75202"),
            hours: Some("Mon-Sat 10:00-20:00".to_string()),
        },
        Store {
            id: "store-hou-1".to_string(),
            name: "Houston Galleria".to_string(),
            address: address("TX", "77056"),
            hours: None,
        },
    ]
}

fn phone_and_case() -> Vec<ItemFacts> {
    let mut phone = item("phone", "add", "Mobile_Device");
    phone.physical = true;
    let mut case = item("case", "add", "Mobile_Accessory");
    case.physical = true;
    vec![item("plan", "add", "Mobile_Offer"), phone, case]
}

fn choice(option: &str, store: Option<&str>, to: Option<UsAddress>) -> FulfillmentChoice {
    FulfillmentChoice {
        option_id: option.to_string(),
        store_id: store.map(str::to_string),
        shipping_address: to,
    }
}

fn fields(r: Result<Fulfillment, Vec<crate::order::InputError>>) -> Vec<String> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn nothing_physical_needs_nothing() {
    let mut byod = item("d", "add", "Mobile_Device");
    byod.byod = true;
    let o = options(&[item("plan", "add", "Mobile_Offer"), byod], &stores());
    assert_eq!(o.need, Need::NotRequired);
    assert!(o.options.is_empty() && o.item_ids.is_empty());
    let e = choose(
        &o,
        &choice(STANDARD_SHIPPING, None, Some(address("TX", "75202"))),
    );
    assert_eq!(fields(e), ["optionId"]);
    let v = serde_json::to_value(&o).expect("serializes");
    assert_eq!(v["need"], "notRequired");
}

#[test]
fn shipping_methods_and_pickup() {
    let o = options(&phone_and_case(), &stores());
    assert_eq!(o.need, Need::Required);
    assert_eq!(o.item_ids, ["phone", "case"]);
    let ids: Vec<&str> = o.options.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            STANDARD_SHIPPING,
            EXPRESS_SHIPPING,
            OVERNIGHT_SHIPPING,
            STORE_PICKUP
        ]
    );
    assert_eq!(o.options[0].price.value, Decimal::ZERO);
    assert_eq!(
        (
            o.options[0].min_business_days,
            o.options[0].max_business_days
        ),
        (3, 5)
    );
    assert_eq!(o.options[1].price.value, Decimal::new(1499, 2));
    assert_eq!(o.options[2].price.value, Decimal::new(2999, 2));
    assert_eq!(o.options[3].stores.len(), 2);
    assert!(o.options[..3].iter().all(|x| x.stores.is_empty()));

    let v = serde_json::to_value(&o).expect("serializes");
    assert_eq!(v["options"][1]["type"], "shipping");
    assert_eq!(v["options"][1]["price"]["value"], "14.99");
    assert_eq!(v["options"][0]["price"]["value"], "0.00");
    assert_eq!(v["options"][1]["price"]["unit"], "USD");
    assert_eq!(v["options"][3]["type"], "storePickup");
    assert_eq!(v["options"][3]["stores"][0]["address"]["zipCode"], "75202");
    assert!(v["options"][0].get("stores").is_none());

    // No stores nearby: shipping only.
    let o = options(&phone_and_case(), &[]);
    assert_eq!(o.options.len(), 3);
    assert!(
        o.options
            .iter()
            .all(|x| x.kind == FulfillmentType::Shipping)
    );
}

#[test]
fn seed_order_ships_its_physical_sim() {
    let o = options(&seed_items(), &[]);
    assert_eq!(o.need, Need::Required);
    assert_eq!(o.item_ids, ["sim-new"]);
}

#[test]
fn choosing_shipping() {
    let o = options(&phone_and_case(), &stores());
    let f = choose(
        &o,
        &choice(EXPRESS_SHIPPING, None, Some(address("TX", "75202-1234"))),
    )
    .expect("valid");
    assert_eq!(f.kind, FulfillmentType::Shipping);
    assert_eq!(f.price.value, Decimal::new(1499, 2));
    assert_eq!(f.item_ids, ["phone", "case"]);
    assert_eq!(
        f.shipping_address.as_ref().map(|a| a.zip_code.as_str()),
        Some("75202-1234")
    );
    assert!(f.store.is_none());
    let v = serde_json::to_value(&f).expect("serializes");
    assert_eq!(v["optionId"], "expressShipping");
    assert_eq!(v["type"], "shipping");
    assert!(v.get("store").is_none());
    let back: Fulfillment = serde_json::from_value(v).expect("round trip");
    assert_eq!(back, f);

    assert_eq!(
        fields(choose(&o, &choice(STANDARD_SHIPPING, None, None))),
        ["shippingAddress"]
    );
    assert_eq!(
        fields(choose(
            &o,
            &choice(
                STANDARD_SHIPPING,
                Some("store-dal-1"),
                Some(address("TX", "75202"))
            )
        )),
        ["storeId"]
    );
    assert_eq!(
        fields(choose(&o, &choice("drone", None, None))),
        ["optionId"]
    );
    let e = choose(&o, &choice("drone", None, None)).expect_err("unknown");
    assert!(
        e[0].rule.contains("'drone'") && e[0].rule.contains(STORE_PICKUP),
        "{}",
        e[0]
    );
}

#[test]
fn shipping_addresses_are_checked() {
    let o = options(&phone_and_case(), &stores());
    let ship = |a: UsAddress| fields(choose(&o, &choice(STANDARD_SHIPPING, None, Some(a))));
    assert_eq!(ship(address("Texas", "75202")), ["shippingAddress.state"]);
    assert_eq!(ship(address("tx", "75202")), ["shippingAddress.state"]);
    assert_eq!(ship(address("XX", "75202")), ["shippingAddress.state"]);
    for zip in [
        "7520",
        "752021",
        "75202-12",
        "75202-12345",
        "7520a",
        "75202 1234",
        "",
    ] {
        assert_eq!(
            ship(address("TX", zip)),
            ["shippingAddress.zipCode"],
            "{zip}"
        );
    }
    let mut a = address("PR", "00901");
    assert!(ship(a.clone()).is_empty());
    a.address_line1 = " ".to_string();
    a.city = String::new();
    a.address_line2 = Some("x".repeat(MAX_ADDRESS_TEXT + 1));
    assert_eq!(
        ship(a),
        [
            "shippingAddress.addressLine1",
            "shippingAddress.addressLine2",
            "shippingAddress.city"
        ]
    );
}

#[test]
fn choosing_pickup() {
    let o = options(&phone_and_case(), &stores());
    let f = choose(&o, &choice(STORE_PICKUP, Some("store-hou-1"), None)).expect("valid");
    assert_eq!(f.kind, FulfillmentType::StorePickup);
    assert_eq!(
        f.store.as_ref().map(|s| s.name.as_str()),
        Some("Houston Galleria")
    );
    assert!(f.shipping_address.is_none());
    assert_eq!(f.price.value, Decimal::ZERO);

    assert_eq!(
        fields(choose(&o, &choice(STORE_PICKUP, None, None))),
        ["storeId"]
    );
    let e = choose(&o, &choice(STORE_PICKUP, Some("store-nyc-9"), None)).expect_err("unknown");
    assert_eq!(e[0].field, "storeId");
    assert!(e[0].rule.contains("'store-nyc-9'"));
    assert_eq!(
        fields(choose(
            &o,
            &choice(STORE_PICKUP, None, Some(address("TX", "75202")))
        )),
        ["shippingAddress", "storeId"]
    );
    // Without stores, pick-up is not an option at all.
    let shipping_only = options(&phone_and_case(), &[]);
    assert_eq!(
        fields(choose(
            &shipping_only,
            &choice(STORE_PICKUP, Some("store-dal-1"), None)
        )),
        ["optionId"]
    );
}

#[test]
fn choices_deserialize_from_partner_json() {
    let c: FulfillmentChoice = serde_json::from_value(serde_json::json!({
        "optionId": "standardShipping",
        "shippingAddress": {"addressLine1": "1 Main St", "city": "Austin", "state": "TX", "zipCode": "78701"}
    }))
    .expect("valid shape");
    assert_eq!(
        c.shipping_address.map(|a| a.city),
        Some("Austin".to_string())
    );
    let c: FulfillmentChoice =
        serde_json::from_value(serde_json::json!({"optionId": "storePickup", "storeId": "s1"}))
            .expect("valid shape");
    assert_eq!(c.store_id.as_deref(), Some("s1"));
}

fn arb_item() -> impl Strategy<Value = ItemFacts> {
    (0u8..5, any::<bool>()).prop_map(|(id, physical)| {
        let mut i = item(&format!("i{id}"), "add", "Mobile_Device");
        i.physical = physical;
        i
    })
}

proptest! {
    /// Fulfillment is needed exactly when an item is physical; options list
    /// each physical item once; every offered shipping option accepts a
    /// valid address and every store can be chosen for pick-up.
    #[test]
    fn options_follow_items(items in prop::collection::vec(arb_item(), 0..6), with_stores in any::<bool>()) {
        let given = if with_stores { stores() } else { Vec::new() };
        let o = options(&items, &given);
        let physical = items.iter().any(|i| i.physical);
        prop_assert_eq!(o.need == Need::Required, physical);
        prop_assert_eq!(o.options.is_empty(), !physical);
        for (i, id) in o.item_ids.iter().enumerate() {
            prop_assert!(items.iter().any(|it| it.physical && &it.item_id == id));
            prop_assert!(!o.item_ids[..i].contains(id));
        }
        for opt in &o.options {
            match opt.kind {
                FulfillmentType::Shipping => {
                    let f = choose(&o, &choice(&opt.id, None, Some(address("CA", "94105"))));
                    prop_assert!(f.is_ok());
                }
                FulfillmentType::StorePickup => {
                    for s in &given {
                        let f = choose(&o, &choice(&opt.id, Some(&s.id), None));
                        prop_assert_eq!(f.ok().and_then(|f| f.store).map(|st| st.id), Some(s.id.clone()));
                    }
                }
            }
            prop_assert!(opt.price.value >= Decimal::ZERO);
            prop_assert!(opt.min_business_days <= opt.max_business_days);
        }
    }

    #[test]
    fn zip_codes(zip in "[0-9]{5}(-[0-9]{4})?") {
        prop_assert!(valid_zip(&zip));
    }
}
