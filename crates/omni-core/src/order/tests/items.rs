//! `ItemFacts` helpers and the seed's add-items example, shared by the
//! other test files.

use crate::order::ItemFacts;

/// The demo catalog's physical SIM card (its `simType` is `physical`).
const PHYSICAL_SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";

pub fn item(id: &str, action: &str, offering_type: &str) -> ItemFacts {
    ItemFacts {
        item_id: id.to_string(),
        action: action.to_string(),
        offering_type: offering_type.to_string(),
        ..ItemFacts::default()
    }
}

/// The five items of the seed's `POST /order/{id}/items` example: a kept
/// plan, a terminated device, a BYOD eSIM device swapped in, a terminated
/// SIM and a physical SIM swapped in.
pub fn seed_items() -> Vec<ItemFacts> {
    let mut device = item("device-new", "swap;add", "Mobile_Device");
    device.offering_id = Some("Mobile_Device_pkey73001_sku2680262".to_string());
    device.byod = true;
    device.esim = true;
    let mut sim = item("sim-new", "swap;add", "SIM");
    sim.offering_id = Some(PHYSICAL_SIM.to_string());
    let mut items = vec![
        item("plan", "noChange", "Mobile_Offer"),
        item("device-old", "terminate", "Mobile_Device"),
        device,
        item("sim-old", "terminate", "SIM"),
        sim,
    ];
    for i in &mut items {
        i.physical = i.ships_by_default();
    }
    items
}

#[test]
fn composite_actions_split_on_semicolons() {
    let i = item("a", " swap ; add ;", "Mobile_Device");
    assert_eq!(i.action_parts().collect::<Vec<_>>(), ["swap", "add"]);
    assert!(i.changes());
    assert!(!i.terminates());
    assert!(item("a", "terminate", "SIM").terminates());
    assert!(!item("a", "terminate", "SIM").changes());
    assert!(!item("a", "noChange", "SIM").changes());
    assert!(!item("a", "", "SIM").changes());
    assert!(item("a", "NOCHANGE;Terminate", "SIM").terminates());
    // Unknown parts count as changes: more consent, never less.
    assert!(item("a", "upgrade", "SIM").changes());
}

#[test]
fn what_ships_by_default() {
    let items = seed_items();
    let physical: Vec<&str> = items
        .iter()
        .filter(|i| i.physical)
        .map(|i| i.item_id.as_str())
        .collect();
    // The BYOD device stays with the customer; the physical SIM ships.
    assert_eq!(physical, ["sim-new"]);

    // An eSIM offering (the catalog's `simType`) ships nothing.
    let mut esim = item("e", "add", "SIM");
    esim.esim = true;
    assert!(!esim.ships_by_default());
    assert!(item("d", "add", "Mobile_Device").ships_by_default());
    assert!(item("x", "add", "Mobile_Accessory").ships_by_default());
    assert!(item("r", "add", "Rented_Equipment").ships_by_default());
    assert!(!item("p", "add", "Mobile_Offer").ships_by_default());
    assert!(!item("f", "add", "Mobile_Addon").ships_by_default());
    assert!(!item("d", "noChange", "Mobile_Device").ships_by_default());
}

#[test]
fn input_errors_convert_to_field_errors() {
    let e = crate::order::InputError::new("cvv", "must be 3 digits");
    assert_eq!(e.to_string(), "cvv: must be 3 digits");
    let f: crate::document::FieldError = e.into();
    assert_eq!(f.field, "cvv");
    assert_eq!(f.rule, "must be 3 digits");
}
