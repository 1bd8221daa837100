//! The add-ons and plans offered for a line are exactly those a care order
//! would be applied with.

use super::*;

#[test]
fn options_are_what_apply_accepts_on_the_line() {
    let line = line("1234567890");
    let billing = billing_of(&line);
    let catalog = catalog();
    let options = care_options(&line, &billing, &catalog, now());
    assert!(!options.addons.is_empty(), "the demo line can take add-ons");
    assert!(!options.rate_plans.is_empty(), "the demo plan swaps");
    let live: Vec<&str> = line
        .features
        .iter()
        .map(|f| f.offering_id.as_str())
        .collect();
    for addon in &options.addons {
        assert!(addon.is_addon());
        assert!(
            !live.contains(&addon.id.as_str()),
            "{} is on the line already (a duplicate)",
            addon.id
        );
        let change = apply_types::cr(
            "updateFeatures",
            "1234567890",
            json!({"items": [{"id": addon.id, "action": "add"}]}),
        );
        assert!(run("1234567890", change).is_ok(), "{} applies", addon.id);
    }
    for plan in &options.rate_plans {
        assert!(plan.is_rate_plan());
        assert_ne!(
            plan.id, line.rate_plan.offering_id,
            "not the line's own plan"
        );
    }
    let names: Vec<&str> = options.addons.iter().map(|o| o.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name");
}

#[test]
fn a_cancelled_line_is_offered_nothing() {
    let line = line("1234567892");
    let billing = billing_of(&line);
    let options = care_options(&line, &billing, &catalog(), now());
    assert_eq!(options, CareOptions::default());
}
