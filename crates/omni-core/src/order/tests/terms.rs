use super::items::{item, seed_items};
use crate::order::ItemFacts;
use crate::order::terms::*;
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn given(name: &str, extensions: &[(&str, &str)]) -> GivenConsent {
    GivenConsent {
        name: name.to_string(),
        extensions: extensions
            .iter()
            .map(|(n, v)| Extension {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect(),
    }
}

fn names(agreements: &[Agreement]) -> Vec<&str> {
    agreements.iter().map(|a| a.name.as_str()).collect()
}

fn codes(r: Result<Vec<Consent>, Vec<TermsError>>) -> Vec<String> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.code)
        .collect()
}

fn financed_phone() -> Vec<ItemFacts> {
    let mut phone = item("phone", "add", "Mobile_Device");
    phone.financed = true;
    phone.new_line = true;
    let mut plan = item("plan", "add", "Mobile_Offer");
    plan.new_line = true;
    vec![plan, phone]
}

#[test]
fn seed_order_agreements() {
    let agreements = required_agreements(&seed_items());
    assert_eq!(
        names(&agreements),
        [SERVICE_AGREEMENT, ESIM_TERMS, BYOD_TERMS, EARLY_TERMINATION]
    );
    assert_eq!(agreements[0].item_ids, ["device-new", "sim-new"]);
    assert_eq!(agreements[1].item_ids, ["device-new"]);
    assert_eq!(agreements[3].item_ids, ["device-old", "sim-old"]);
    assert!(agreements.iter().all(|a| a.required));
}

#[test]
fn financed_new_line_agreements() {
    let agreements = required_agreements(&financed_phone());
    assert_eq!(
        names(&agreements),
        [SERVICE_AGREEMENT, INSTALLMENT_AGREEMENT, MARKETING_CONSENT]
    );
    assert_eq!(agreements[1].item_ids, ["phone"]);
    assert_eq!(agreements[1].version, "2024.1");
    assert!(!agreements[2].required, "marketing is only offered");
    assert_eq!(
        names(
            &missing(&agreements, &[])
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        ),
        [SERVICE_AGREEMENT, INSTALLMENT_AGREEMENT]
    );
}

#[test]
fn unchanged_items_ask_for_nothing() {
    let mut kept = item("d", "noChange", "Mobile_Device");
    kept.financed = true;
    kept.byod = true;
    assert!(required_agreements(&[kept]).is_empty());
    assert!(required_agreements(&[]).is_empty());
}

#[test]
fn json_shapes() {
    let a = &required_agreements(&financed_phone())[1];
    let v = serde_json::to_value(a).expect("serializes");
    assert_eq!(v["name"], "InstallmentAgreement");
    assert_eq!(v["itemIds"][0], "phone");
    assert_eq!(v["required"], true);
    let g: GivenConsent = serde_json::from_value(serde_json::json!(
        {"name": "ServiceAgreement", "extensions": [{"name": "acceptanceMethod", "value": "click"}]}
    ))
    .expect("the seed's request shape");
    assert_eq!(g.extensions[0].value, "click");
    let bare: GivenConsent =
        serde_json::from_value(serde_json::json!({"name": "ServiceAgreement"})).expect("bare");
    assert!(bare.extensions.is_empty());
    let c = consent(&required_agreements(&financed_phone()), &[g], now()).expect("valid");
    let v = serde_json::to_value(&c[0]).expect("serializes");
    assert_eq!(v["consentedAt"], "2024-05-01T12:00:00Z");
    assert_eq!(v["version"], "2024.1");
}

#[test]
fn consent_records_version_extensions_and_time() {
    let offered = required_agreements(&financed_phone());
    let c = consent(
        &offered,
        &[
            given(
                SERVICE_AGREEMENT,
                &[("version", "2024.1"), ("capturedBy", "rep 42")],
            ),
            given(INSTALLMENT_AGREEMENT, &[]),
        ],
        now(),
    )
    .expect("valid");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].name, SERVICE_AGREEMENT);
    assert_eq!(c[0].version, "2024.1");
    assert_eq!(c[0].extensions[1].value, "rep 42");
    assert_eq!(c[1].consented_at, now());
    assert!(missing(&offered, &c).is_empty());
}

#[test]
fn unknown_agreement_is_named() {
    let offered = required_agreements(&financed_phone());
    let errors = consent(&offered, &[given("eSIMTerms", &[])], now()).expect_err("not offered");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, UNKNOWN_AGREEMENT);
    assert_eq!(errors[0].field, "agreements[0].name");
    assert!(
        errors[0].description.contains("'eSIMTerms'"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0]
            .to_string()
            .starts_with("TERMS-001 unknown agreement 'eSIMTerms'")
    );
    let entry = errors[0].to_entry();
    assert_eq!(entry.action, "terms");
    assert_eq!(entry.error_code, "TERMS-001");
    let v = serde_json::to_value(&entry).expect("serializes");
    assert_eq!(v["errorDescription"], entry.error_description.as_str());
    assert!(v.get("errorDetails").is_none());
}

#[test]
fn every_problem_is_reported_and_nothing_recorded() {
    let offered = required_agreements(&financed_phone());
    let errors = consent(
        &offered,
        &[
            given(SERVICE_AGREEMENT, &[("version", "2023.9")]),
            given(SERVICE_AGREEMENT, &[]),
            given(
                INSTALLMENT_AGREEMENT,
                &[("", "x"), ("a b", "x"), ("note", "1"), ("note", "2")],
            ),
            given(
                MARKETING_CONSENT,
                &[("acceptanceMethod", "telepathy"), ("memo", "a\u{0}b")],
            ),
            given("Nope", &[]),
        ],
        now(),
    )
    .expect_err("bad");
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.code.as_str(), e.field.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (VERSION_MISMATCH, "agreements[0].extensions[0].value"),
            (DUPLICATE_AGREEMENT, "agreements[1].name"),
            (MALFORMED_EXTENSION, "agreements[2].extensions[0].name"),
            (MALFORMED_EXTENSION, "agreements[2].extensions[1].name"),
            (DUPLICATE_EXTENSION, "agreements[2].extensions[3].name"),
            (MALFORMED_EXTENSION, "agreements[3].extensions[0].value"),
            (MALFORMED_EXTENSION, "agreements[3].extensions[1].value"),
            (UNKNOWN_AGREEMENT, "agreements[4].name"),
        ]
    );
}

#[test]
fn empty_requests_and_long_values_are_refused() {
    let offered = required_agreements(&financed_phone());
    assert_eq!(codes(consent(&offered, &[], now())), [NO_AGREEMENTS]);
    let long = "x".repeat(MAX_EXTENSION_VALUE + 1);
    assert_eq!(
        codes(consent(
            &offered,
            &[given(SERVICE_AGREEMENT, &[("memo", &long)])],
            now()
        )),
        [MALFORMED_EXTENSION]
    );
    let long_name = format!("a{}", "b".repeat(MAX_EXTENSION_NAME));
    assert_eq!(
        codes(consent(
            &offered,
            &[given(SERVICE_AGREEMENT, &[(&long_name, "v")])],
            now()
        )),
        [MALFORMED_EXTENSION]
    );
    for method in ACCEPTANCE_METHODS {
        assert!(
            consent(
                &offered,
                &[given(SERVICE_AGREEMENT, &[("acceptanceMethod", method)])],
                now()
            )
            .is_ok()
        );
    }
}

#[test]
fn reconsent_replaces_and_changed_orders_drop_stale_consents() {
    let offered = required_agreements(&financed_phone());
    let first = consent(
        &offered,
        &[
            given(INSTALLMENT_AGREEMENT, &[]),
            given(SERVICE_AGREEMENT, &[("memo", "first")]),
        ],
        now(),
    )
    .expect("valid");
    let stored = record(&[], first, &offered);
    assert_eq!(
        stored.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        [SERVICE_AGREEMENT, INSTALLMENT_AGREEMENT],
        "kept in the order agreements are listed"
    );
    let later = now() + chrono::Duration::minutes(5);
    let again = consent(
        &offered,
        &[given(SERVICE_AGREEMENT, &[("memo", "second")])],
        later,
    )
    .expect("valid");
    let stored = record(&stored, again, &offered);
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].extensions[0].value, "second");
    assert_eq!(stored[0].consented_at, later);

    // The customer switches to paying the phone in full.
    let mut items = financed_phone();
    items[1].financed = false;
    let offered = required_agreements(&items);
    let stored = record(&stored, Vec::new(), &offered);
    assert_eq!(
        stored.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        [SERVICE_AGREEMENT]
    );
    assert!(missing(&offered, &stored).is_empty());
}

#[test]
fn consent_to_an_old_version_does_not_count() {
    let offered = required_agreements(&financed_phone());
    let old = Consent {
        name: SERVICE_AGREEMENT.to_string(),
        version: "2019.1".to_string(),
        extensions: Vec::new(),
        consented_at: now(),
    };
    let names: Vec<&str> = missing(&offered, std::slice::from_ref(&old))
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, [SERVICE_AGREEMENT, INSTALLMENT_AGREEMENT]);
    let states = agreement_states(&offered, &[old]);
    assert_eq!(states.len(), 2, "optional agreements are not steps");
    assert!(states.iter().all(|s| !s.consented));
}

fn arb_item() -> impl Strategy<Value = ItemFacts> {
    let actions = prop::sample::select(vec![
        "add",
        "noChange",
        "modify",
        "terminate",
        "swap;add",
        "noChange;terminate",
    ]);
    let types = prop::sample::select(vec!["Mobile_Device", "Mobile_Offer", "SIM", "Mobile_Addon"]);
    (0u8..6, actions, types, any::<[bool; 5]>()).prop_map(|(id, action, ty, f)| {
        let mut i = item(&format!("i{id}"), action, ty);
        [i.byod, i.esim, i.financed, i.new_line, i.physical] = f;
        i
    })
}

proptest! {
    /// Every agreement names only items that exist, each once; names are
    /// unique; and consenting to everything offered leaves nothing missing.
    #[test]
    fn agreements_are_consistent(items in prop::collection::vec(arb_item(), 0..8)) {
        let offered = required_agreements(&items);
        for (i, a) in offered.iter().enumerate() {
            prop_assert!(!a.item_ids.is_empty());
            prop_assert!(offered[..i].iter().all(|b| b.name != a.name));
            for (j, id) in a.item_ids.iter().enumerate() {
                prop_assert!(items.iter().any(|it| &it.item_id == id));
                prop_assert!(!a.item_ids[..j].contains(id));
            }
        }
        let has_change = items.iter().any(ItemFacts::changes);
        prop_assert_eq!(offered.iter().any(|a| a.name == SERVICE_AGREEMENT), has_change);
        prop_assert_eq!(
            offered.iter().any(|a| a.name == EARLY_TERMINATION),
            items.iter().any(ItemFacts::terminates)
        );
        let all: Vec<GivenConsent> = offered.iter().map(|a| given(&a.name, &[])).collect();
        if all.is_empty() {
            prop_assert!(consent(&offered, &all, now()).is_err());
        } else {
            let c = consent(&offered, &all, now()).expect("all offered");
            let stored = record(&[], c, &offered);
            prop_assert!(missing(&offered, &stored).is_empty());
            prop_assert_eq!(stored.len(), offered.len());
        }
    }

    /// Recording never keeps a consent the order does not ask for, nor two
    /// for one agreement.
    #[test]
    fn record_keeps_only_offered(
        before in prop::collection::vec(arb_item(), 0..6),
        after in prop::collection::vec(arb_item(), 0..6),
    ) {
        let first = required_agreements(&before);
        let all: Vec<GivenConsent> = first.iter().map(|a| given(&a.name, &[])).collect();
        let stored = record(&[], consent(&first, &all, now()).unwrap_or_default(), &first);
        let offered = required_agreements(&after);
        let kept = record(&stored, Vec::new(), &offered);
        for (i, c) in kept.iter().enumerate() {
            prop_assert!(offered.iter().any(|a| a.name == c.name));
            prop_assert!(kept[..i].iter().all(|d| d.name != c.name));
        }
    }
}
