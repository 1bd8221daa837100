use super::*;
use proptest::prelude::*;

fn status() -> impl Strategy<Value = SubscriberStatus> {
    prop_oneof![
        Just(SubscriberStatus::Active),
        Just(SubscriberStatus::Suspended),
        Just(SubscriberStatus::Cancelled),
    ]
}

proptest! {
    /// Whatever is asked, a cancelled line stays cancelled, and a refused
    /// change names both ends.
    #[test]
    fn cancelled_is_final(steps in proptest::collection::vec(status(), 0..20)) {
        let mut now = SubscriberStatus::Active;
        let mut cancelled = false;
        for to in steps {
            match now.transition(to) {
                Ok(next) => {
                    prop_assert!(!cancelled);
                    prop_assert_ne!(next, now);
                    now = next;
                }
                Err(e) => prop_assert_eq!(e.from, now.as_str()),
            }
            cancelled |= now == SubscriberStatus::Cancelled;
        }
    }
}

#[test]
fn the_transitions_the_care_page_allows() {
    use SubscriberStatus::*;
    assert_eq!(Active.transition(Suspended), Ok(Suspended));
    assert_eq!(Suspended.transition(Active), Ok(Active));
    assert_eq!(Suspended.transition(Cancelled), Ok(Cancelled));
    assert!(Active.transition(Active).is_err());
    assert_eq!(
        Cancelled.transition(Active).unwrap_err().to_string(),
        "a cancelled subscriber cannot be resumed"
    );
}

#[test]
fn pool_numbers_have_ten_digits() {
    assert_eq!(pool_number(1), "4690100001");
    assert_eq!(pool_number(-5), "4690100000");
}

#[test]
fn component_of_an_offering_type() {
    assert_eq!(Component::for_offering_type("SIM"), Some(Component::Sim));
    assert_eq!(Component::for_offering_type("Mobile_Accessory"), None);
}

#[test]
fn the_demo_inventory_is_consistent() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/inventory");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    let inventory = Inventory {
        accounts: serde_json::from_str(&read("accounts.json")).expect("accounts"),
        billing_accounts: serde_json::from_str(&read("billingAccounts.json")).expect("billing"),
        subscribers: serde_json::from_str(&read("subscribers.json")).expect("subscribers"),
    };
    assert_eq!(inventory.check(), Vec::<String>::new());
    let line = inventory
        .subscribers
        .iter()
        .find(|s| s.ctn == "4690002221")
        .expect("the order page's line");
    assert!(line.owns_product("47777581441708014"));
    assert!(line.has(Component::Device) && line.has(Component::Sim));
}

#[test]
fn broken_references_are_named() {
    let mut inventory = Inventory::default();
    inventory.billing_accounts.push(BillingAccount {
        id: "b1".into(),
        account_id: "nobody".into(),
        account_group_id: None,
        rating_type: RatingType::Postpaid,
        name: "x".into(),
        status: "active".into(),
        bill_cycle_day: 30,
        market: "DLS".into(),
        credit_class: "low".into(),
        billing_contact: None,
    });
    let problems = inventory.check();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("account 'nobody' does not exist")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("billCycleDay")),
        "{problems:?}"
    );
}
