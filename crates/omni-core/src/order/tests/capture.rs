use crate::inventory::{Account, BillingAccount, Owner, Subscriber};
use crate::order::capture::*;
use crate::order::*;
use serde_json::{Value, json};
use std::collections::HashMap;

struct Facts {
    offerings: HashMap<&'static str, &'static str>,
    billing: Vec<BillingAccount>,
    accounts: Vec<Account>,
    customer: Option<&'static str>,
    subscribers: Vec<Subscriber>,
    ineligible: Vec<&'static str>,
}

impl CaptureFacts for Facts {
    fn offering_type(&self, id: &str) -> Option<String> {
        self.offerings.get(id).map(|t| t.to_string())
    }
    fn ineligible(
        &self,
        id: &str,
        _: Option<&BillingAccount>,
        _: Option<&Subscriber>,
    ) -> Vec<String> {
        if self.ineligible.contains(&id) {
            vec!["CHANNEL: not sold here".into()]
        } else {
            Vec::new()
        }
    }
    fn billing_account(&self, id: &str) -> Option<&BillingAccount> {
        self.billing.iter().find(|b| b.id == id)
    }
    fn subscriber(&self, ctn: &str) -> Option<&Subscriber> {
        self.subscribers.iter().find(|s| s.ctn == ctn)
    }
    fn place_exists(&self, id: &str) -> bool {
        id == "000011VYAA"
    }
    fn owner(&self) -> Owner<'_> {
        self.customer.map_or(Owner::Nobody, Owner::Party)
    }
    fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

fn facts() -> Facts {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/inventory");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    Facts {
        offerings: HashMap::from([
            ("0b690f7e-3f41-49bf-a6cf-6f65caa650ca", "Mobile_Offer"),
            ("Mobile_Offer_unlimited-extra", "Mobile_Offer"),
            ("Mobile_Device_pkey73001_sku2680262", "Mobile_Device"),
            ("790650ec-b512-4bee-ae7f-535668eadf1b", "SIM"),
            ("sku12037300040", "Mobile_Addon"),
        ]),
        billing: serde_json::from_str(&read("billingAccounts.json")).expect("billing"),
        accounts: serde_json::from_str(&read("accounts.json")).expect("accounts"),
        // The page's lines are cust-1001's.
        customer: Some("cust-1001"),
        subscribers: serde_json::from_str(&read("subscribers.json")).expect("subscribers"),
        ineligible: Vec::new(),
    }
}

/// The add-items page's example, verbatim.
pub fn page_example() -> Value {
    json!({"items": [
        {"action": "noChange", "productOfferingType": "Mobile_Offer",
         "productOfferingId": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca",
         "productOrderItemId": "10000001-3f41-49bf-a6cf-6f65caa650ca",
         "billingAccount": {"ratingType": "postpaid", "id": "556165899573"},
         "subscriberNumber": "4690002221"},
        {"productOfferingType": "Mobile_Device", "action": "terminate",
         "rootBundleProductOrderItemId": "10000001-3f41-49bf-a6cf-6f65caa650ca",
         "actionReason": {"reasonText": "Memo text required if selected", "name": "LC"},
         "product": {"id": "47777581441708014", "primaryProductId": "47777581441708014"}},
        {"action": "swap;add", "productOfferingType": "Mobile_Device",
         "productOfferingId": "Mobile_Device_pkey73001_sku2680262",
         "rootBundleProductOrderItemId": "10000001-3f41-49bf-a6cf-6f65caa650ca",
         "actionReason": {"reasonText": "Memo text required if selected", "name": "LC", "action": "swap"},
         "product": {"place": [{"role": "PPU", "name": "ppuAddress", "id": "000011VYAA"}]},
         "characteristic": [{"name": "isBYOD", "value": "true"}, {"name": "IMEI", "value": "358073464620280"},
                            {"name": "eSIM_Enabled", "value": "true"}]},
        {"productOfferingType": "SIM", "action": "terminate",
         "rootBundleProductOrderItemId": "10000001-3f41-49bf-a6cf-6f65caa650ca",
         "actionReason": {"reasonText": "Memo text required if selected", "name": "LC"},
         "product": {"id": "47777581441708014", "primaryProductId": "47777581441708014"}},
        {"productOfferingType": "SIM", "productOfferingId": "790650ec-b512-4bee-ae7f-535668eadf1b",
         "rootBundleProductOrderItemId": "10000001-3f41-49bf-a6cf-6f65caa650ca", "action": "swap;add",
         "actionReason": {"reasonText": "Memo text required if selected", "name": "LC"},
         "characteristic": [{"name": "ICCID", "value": "89014103270197479933"}]}
    ]})
}

fn errors(body: Value) -> Vec<ItemError> {
    capture(&body, &[], &facts()).expect_err("should be refused")
}

fn one(body: Value) -> ItemError {
    let e = errors(body);
    assert_eq!(e.len(), 1, "{e:?}");
    e[0].clone()
}

fn with(mut body: Value, item: usize, pointer: &str, value: Value) -> Value {
    *body["items"][item].pointer_mut(pointer).expect(pointer) = value;
    body
}

#[test]
fn the_page_example_is_accepted_and_inherits_the_line() {
    let items = capture(&page_example(), &[], &facts()).expect("accepted");
    assert_eq!(items.len(), 5);
    for item in &items[1..] {
        assert_eq!(item.subscriber_number.as_deref(), Some("4690002221"));
        assert_eq!(item.billing_account_id.as_deref(), Some("556165899573"));
    }
    assert_eq!(items[2].actions, vec![Action::Swap, Action::Add]);
    assert!(items[2].flag("isBYOD"));
    assert_eq!(items[2].place_id.as_deref(), Some("000011VYAA"));
    assert_eq!(items[1].id, "item-2");
}

#[test]
fn unknown_and_mismatched_offerings() {
    let e = one(with(page_example(), 2, "/productOfferingId", json!("nope")));
    assert_eq!(
        (e.code, e.field.as_str(), e.action.as_str()),
        (UNKNOWN_OFFERING, "items[2].productOfferingId", "swap;add")
    );
    let e = one(with(
        page_example(),
        4,
        "/productOfferingType",
        json!("Mobile_Device"),
    ));
    assert_eq!(e.code, TYPE_MISMATCH);
}

#[test]
fn ineligible_offerings_are_refused_with_the_reason() {
    let mut f = facts();
    f.ineligible.push("Mobile_Device_pkey73001_sku2680262");
    let e = capture(&page_example(), &[], &f).expect_err("refused");
    assert_eq!(e[0].code, INELIGIBLE);
    assert!(e[0].description.contains("CHANNEL"), "{e:?}");
}

#[test]
fn root_bundle_items_must_be_in_the_order() {
    let e = errors(with(
        page_example(),
        1,
        "/rootBundleProductOrderItemId",
        json!("missing"),
    ));
    assert_eq!(e[0].code, UNKNOWN_ROOT_ITEM);
    assert_eq!(e[0].field, "items[1].rootBundleProductOrderItemId");
}

#[test]
fn earlier_items_can_be_roots() {
    let body = page_example();
    let first =
        capture(&json!({"items": [body["items"][0].clone()]}), &[], &facts()).expect("root");
    let rest = json!({"items": body["items"].as_array().expect("items")[1..].to_vec()});
    let later = capture(&rest, &first, &facts()).expect("rest");
    assert_eq!(later.len(), 4);
    // The root item cannot be sent again.
    let again = capture(
        &json!({"items": [body["items"][0].clone()]}),
        &first,
        &facts(),
    )
    .expect_err("dup");
    assert_eq!(again[0].code, DUPLICATE_ITEM);
}

#[test]
fn billing_accounts_and_subscribers_must_exist_and_match() {
    let e = one(with(page_example(), 0, "/billingAccount/id", json!("000")));
    assert_eq!(
        (e.code, e.field.as_str()),
        (BILLING_ACCOUNT, "items[0].billingAccount.id")
    );
    let e = one(with(
        page_example(),
        0,
        "/billingAccount/ratingType",
        json!("prepaid"),
    ));
    assert_eq!(e.field, "items[0].billingAccount.ratingType");
    let e = errors(with(
        page_example(),
        0,
        "/subscriberNumber",
        json!("5125550101"),
    ));
    // Another customer's line: refused as not theirs, nothing said about it.
    assert!(
        e.iter()
            .any(|e| e.code == NOT_OWNED && e.field == "items[0].subscriberNumber"),
        "{e:?}"
    );
    assert!(!e.iter().any(|e| e.code == SUBSCRIBER), "{e:?}");
    let e = errors(with(
        page_example(),
        0,
        "/subscriberNumber",
        json!("9999999999"),
    ));
    assert_eq!(e[0].code, SUBSCRIBER);
    let e = errors(with(page_example(), 0, "/subscriberNumber", json!("12345")));
    assert_eq!(e[0].field, "items[0].subscriberNumber");
}

#[test]
fn only_the_orders_customer_touches_its_inventory() {
    for customer in [None, Some("cust-1002"), Some("cust-9999")] {
        let mut f = facts();
        f.customer = customer;
        let e = capture(&page_example(), &[], &f).expect_err("refused");
        let fields: Vec<(&str, &str)> = e.iter().map(|e| (e.code, e.field.as_str())).collect();
        // The root item is refused; its children inherit its line and say nothing more.
        assert_eq!(
            fields,
            [
                (NOT_OWNED, "items[0].billingAccount.id"),
                (NOT_OWNED, "items[0].subscriberNumber")
            ],
            "{customer:?}"
        );
    }
    // An order with no customer may still add what touches no inventory.
    let mut f = facts();
    f.customer = None;
    let accessory = json!({"items": [{"productOfferingType": "Mobile_Addon",
        "productOfferingId": "sku12037300040"}]});
    capture(&accessory, &[], &f).expect("nothing existing is touched");
}

#[test]
fn products_must_belong_to_the_line() {
    let e = one(with(
        page_example(),
        1,
        "/product/id",
        json!("47777581441708100"),
    ));
    assert_eq!(
        (e.code, e.field.as_str()),
        (NOT_IN_INVENTORY, "items[1].product.id")
    );
    let e = one(with(
        page_example(),
        0,
        "/productOfferingId",
        json!("Mobile_Offer_unlimited-extra"),
    ));
    assert_eq!(e.code, NOT_IN_INVENTORY);
}

#[test]
fn reasons_and_memos() {
    let mut body = page_example();
    body["items"][1]
        .as_object_mut()
        .expect("item")
        .remove("actionReason");
    let e = one(body);
    assert_eq!(
        (e.code, e.field.as_str()),
        (ACTION_REASON, "items[1].actionReason")
    );
    let e = one(with(
        page_example(),
        1,
        "/actionReason/reasonText",
        json!("  "),
    ));
    assert_eq!(e.field, "items[1].actionReason.reasonText");
    let e = one(with(page_example(), 1, "/actionReason/name", json!("ZZ")));
    assert_eq!(e.field, "items[1].actionReason.name");
    // A code without a memo requirement needs no text.
    let ok = with(
        with(page_example(), 1, "/actionReason/name", json!("UP")),
        1,
        "/actionReason/reasonText",
        Value::Null,
    );
    capture(&ok, &[], &facts()).expect("UP needs no memo");
}

#[test]
fn characteristic_formats() {
    // One IMEI rule for carts, orders and care (`formats::is_imei`): 15
    // digits, so neither 14 (no check digit) nor 16 (an IMEISV).
    for (item, ch, value, ok) in [
        (2, 1, "358073464620280", true),
        (2, 1, "35807346462028", false),
        (2, 1, "3580734646202801", false),
        (2, 1, "3580734646202", false),
        (2, 1, "35807346462028A", false),
        (4, 0, "8901410327019747993", true),
        (4, 0, "7901410327019747993", false),
        (4, 0, "890141032701974799333", false),
        (2, 0, "TRUE", true),
        (2, 0, "yes", false),
    ] {
        let body = with(
            page_example(),
            item,
            &format!("/characteristic/{ch}/value"),
            json!(value),
        );
        match capture(&body, &[], &facts()) {
            Ok(_) => assert!(ok, "{value} should be refused"),
            Err(e) => {
                assert!(!ok, "{value}: {e:?}");
                assert_eq!(e[0].code, CHARACTERISTIC);
                assert_eq!(
                    e[0].field,
                    format!("items[{item}].characteristic[{ch}].value")
                );
            }
        }
    }
}

#[test]
fn places_must_be_registered() {
    let e = one(with(
        page_example(),
        2,
        "/product/place/0/id",
        json!("NOWHERE"),
    ));
    assert_eq!(
        (e.code, e.field.as_str()),
        (UNKNOWN_PLACE, "items[2].product.place")
    );
}

#[test]
fn actions_are_checked() {
    let e = one(with(page_example(), 0, "/action", json!("upgrade")));
    assert_eq!(
        (e.code, e.field.as_str()),
        (UNSUPPORTED_ACTION, "items[0].action")
    );
    assert!(
        parse_ok("swap;add")
            && parse_ok("terminate")
            && !parse_ok("add;add")
            && !parse_ok("swap")
            && !parse_ok("add;terminate")
    );
}

fn parse_ok(a: &str) -> bool {
    action::parse_action(a).is_ok()
}

#[test]
fn every_problem_is_reported_in_item_order() {
    let body = with(
        with(page_example(), 3, "/product/id", json!("1")),
        0,
        "/billingAccount/id",
        json!("x"),
    );
    let e = errors(body);
    assert!(e.len() >= 2, "{e:?}");
    assert!(e.windows(2).all(|w| w[0].index <= w[1].index));
}

#[test]
fn a_new_line_needs_a_billing_account() {
    let body = json!({"items": [{"action": "add", "productOfferingType": "Mobile_Offer",
        "productOfferingId": "Mobile_Offer_unlimited-extra"}]});
    let e = one(body.clone());
    assert_eq!(e.code, BILLING_ACCOUNT);
    let body = with(body, 0, "/productOfferingType", json!("Mobile_Offer"));
    let mut body = body;
    body["items"][0]["billingAccount"] = json!({"id": "556165899573", "ratingType": "postpaid"});
    let items = capture(&body, &[], &facts()).expect("new line");
    assert!(items[0].starts_line());
}

#[test]
fn order_ids_have_the_page_format() {
    let id = order_id(2026, 46236265737394);
    assert_eq!(id, "26-46236265737394");
    assert!(is_order_id(&id));
    assert!(!is_order_id("26-4623626573739"));
    assert!(!is_order_id("2x-46236265737394"));
    assert!(is_order_id(&order_id(2026, u64::MAX)));
}

mod applying {
    use super::*;
    use crate::inventory::{FeatureStatus, SubscriberStatus};
    use crate::order::apply::{ApplyError, apply_to_line, new_line};

    const NOW: &str = "2026-11-23T12:00:00.000Z";

    #[test]
    fn the_page_example_swaps_device_and_sim() {
        let f = facts();
        let items = capture(&page_example(), &[], &f).expect("accepted");
        let line = f.subscriber("4690002221").expect("line");
        let refs: Vec<&CapturedItem> = items.iter().collect();
        let after = apply_to_line(line, &refs, "26-00000000000001", NOW).expect("applied");
        let device = after.device.as_ref().expect("device");
        assert_eq!(device.imei, "358073464620280");
        assert!(device.byod);
        assert_eq!(
            device.offering_id.as_deref(),
            Some("Mobile_Device_pkey73001_sku2680262")
        );
        let sim = after.sim.as_ref().expect("sim");
        assert_eq!(sim.iccid, "89014103270197479933");
        assert_eq!(after.status, SubscriberStatus::Active);
        assert_eq!(after.rate_plan, line.rate_plan);
        let changes: Vec<&str> = after.history.iter().map(|h| h.change.as_str()).collect();
        assert!(
            changes.ends_with(&["deviceRemoved", "deviceSwapped", "simRemoved", "simSwapped"]),
            "{changes:?}"
        );
        // Applying again from the same starting line gives the same line.
        assert_eq!(
            apply_to_line(line, &refs, "26-00000000000001", NOW),
            Ok(after)
        );
    }

    #[test]
    fn terminating_the_plan_cancels_the_line_and_features_end() {
        let f = facts();
        let body = json!({"items": [
            {"action": "terminate", "productOfferingType": "Mobile_Addon", "subscriberNumber": "4690002221",
             "billingAccount": {"id": "556165899573"},
             "actionReason": {"name": "CR"}, "product": {"id": "47777581441708024"}},
            {"action": "terminate", "productOfferingType": "Mobile_Offer", "subscriberNumber": "4690002222",
             "actionReason": {"name": "CR"}, "product": {"id": "47777581441708030"}}
        ]});
        let items = capture(&body, &[], &f).expect("accepted");
        let line = f.subscriber("4690002221").expect("line");
        let after = apply_to_line(line, &[&items[0]], "26-00000000000002", NOW).expect("applied");
        assert_eq!(after.features[0].status, FeatureStatus::Ended);
        let other = f.subscriber("4690002222").expect("line");
        let after = apply_to_line(other, &[&items[1]], "26-00000000000002", NOW).expect("applied");
        assert_eq!(after.status, SubscriberStatus::Cancelled);
        assert_eq!(
            apply_to_line(&after, &[&items[1]], "26-00000000000002", NOW),
            Err(ApplyError::LineNotActive("4690002222".into()))
        );
    }

    #[test]
    fn a_new_line_gets_its_components() {
        let f = facts();
        let body = json!({"items": [
            {"action": "add", "productOfferingType": "Mobile_Offer", "productOrderItemId": "plan",
             "productOfferingId": "Mobile_Offer_unlimited-extra",
             "billingAccount": {"id": "556165899573", "ratingType": "postpaid"}},
            {"action": "add", "productOfferingType": "SIM", "rootBundleProductOrderItemId": "plan",
             "productOfferingId": "790650ec-b512-4bee-ae7f-535668eadf1b",
             "characteristic": [{"name": "ICCID", "value": "8901410327019747000"}]},
            {"action": "add", "productOfferingType": "Mobile_Addon", "rootBundleProductOrderItemId": "plan",
             "productOfferingId": "sku12037300040"}
        ]});
        let items = capture(&body, &[], &f).expect("accepted");
        assert!(
            items[1].subscriber_number.is_none()
                && items[1].billing_account_id.as_deref() == Some("556165899573")
        );
        let billing = f.billing_account("556165899573").expect("billing");
        let line = new_line(
            &items[0],
            &[&items[1], &items[2]],
            billing,
            "4690100001",
            "26-00000000000003",
            NOW,
        );
        assert_eq!(line.ctn, "4690100001");
        assert_eq!(line.rate_plan.offering_id, "Mobile_Offer_unlimited-extra");
        assert_eq!(
            line.sim.as_ref().map(|s| s.iccid.as_str()),
            Some("8901410327019747000")
        );
        assert_eq!(line.features.len(), 1);
        assert_eq!(line.account_id, "CA-1001");
    }
}

/// The inventory holds mobile lines only: a fixed service (broadband, fixed
/// wireless, their rented equipment) is refused when captured, naming the
/// item, instead of being "completed" by the worker with nothing applied.
#[test]
fn fixed_services_are_refused_not_completed_without_effect() {
    let mut f = facts();
    f.offerings.insert("BB_Plan_fiber-300", "BB_Plan");
    let request = json!({"items": [
        {"action": "add", "productOfferingType": "BB_Plan", "productOfferingId": "BB_Plan_fiber-300",
         "productOrderItemId": "fiber", "billingAccount": {"id": "556165899573"}},
        {"action": "add", "productOfferingType": "Mobile_Offer",
         "productOfferingId": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca",
         "productOrderItemId": "plan", "billingAccount": {"id": "556165899573"}}]});
    let errors = capture(&request, &[], &f).expect_err("refused");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, UNSUPPORTED_ACTION);
    assert_eq!(errors[0].field, "items[0].productOfferingType");
    assert!(errors[0].description.contains("fixed service"));
}
