//! Decoding the parts of a care order request (contacts, addresses,
//! device, voicemail, items, labels) with their format rules. The validator
//! builds the order only when no error at all was recorded, so a `None`
//! returned here never stands for a valid value.

use super::effective::EffectiveSpec;
use super::reader::{Errors, Obj};
use super::request::*;
use crate::formats::*;
use crate::inventory::{PersonName, Phone, Udl, UsAddress};
use std::collections::HashSet;

fn name_part(e: &mut Errors, o: &Obj, key: &str) -> Option<String> {
    let s = o.str(e, key, true)?;
    if s.chars().count() > 50 {
        e.add(o.at(key), "must be at most 50 characters");
        None
    } else if !is_person_name(s) {
        e.add(
            o.at(key),
            "must be letters, spaces, apostrophes, hyphens or periods, starting with a letter",
        );
        None
    } else {
        Some(s.to_string())
    }
}

/// `{firstName, lastName}`, both required.
pub(crate) fn person_name(
    e: &mut Errors,
    parent: &Obj,
    key: &str,
    required: bool,
) -> Option<PersonName> {
    let o = parent.obj(e, key, &["firstName", "lastName"], required)?;
    let first_name = name_part(e, &o, "firstName");
    let last_name = name_part(e, &o, "lastName");
    Some(PersonName {
        first_name: first_name?,
        last_name: last_name?,
    })
}

/// `{number, extension}`: 10 digits, and 1 to 6 digits.
pub(crate) fn phone(e: &mut Errors, parent: &Obj, key: &str, required: bool) -> Option<Phone> {
    let o = parent.obj(e, key, &["number", "extension"], required)?;
    let number = o.shaped(e, "number", true, is_phone_number, PHONE_RULE);
    let extension = o.shaped(e, "extension", false, is_extension, "must be 1 to 6 digits");
    Some(Phone {
        number: number?,
        extension,
    })
}

/// A US address: two-letter state, ZIP or ZIP+4.
pub(crate) fn address(
    e: &mut Errors,
    parent: &Obj,
    key: &str,
    required: bool,
) -> Option<UsAddress> {
    let known = ["addressLine1", "addressLine2", "city", "state", "zipCode"];
    let o = parent.obj(e, key, &known, required)?;
    let line1 = o.text(e, "addressLine1", 100, true);
    let line2 = o.text(e, "addressLine2", 100, false);
    let city = o.text(e, "city", 50, true);
    let state = o.shaped(
        e,
        "state",
        true,
        is_us_state,
        "must be a two-letter US state code, e.g. TX",
    );
    let zip = o.shaped(
        e,
        "zipCode",
        true,
        is_zip,
        "must be a ZIP code (75201) or ZIP+4 (75201-1234)",
    );
    Some(UsAddress {
        address_line1: line1?,
        address_line2: line2,
        city: city?,
        state: state?,
        zip_code: zip?,
    })
}

pub(crate) fn email(e: &mut Errors, o: &Obj, key: &str) -> Option<String> {
    o.shaped(e, key, false, is_email, "must be an e-mail address")
}

pub(crate) fn order_contact(e: &mut Errors, parent: &Obj) -> Option<OrderContact> {
    let o = parent.obj(e, "orderContact", &["contact", "phone", "email"], false)?;
    let contact = person_name(e, &o, "contact", true);
    let phone = phone(e, &o, "phone", false);
    let email = email(e, &o, "email");
    Some(OrderContact {
        contact: contact?,
        phone,
        email,
    })
}

pub(crate) fn billing_contact(e: &mut Errors, parent: &Obj) -> Option<BillingContactChange> {
    let known = [
        "contactName",
        "attentionTo",
        "address",
        "addressIndicator",
        "phone",
    ];
    let o = parent.obj(e, "billingContact", &known, false)?;
    let contact_name = person_name(e, &o, "contactName", true);
    let attention_to = o.text(e, "attentionTo", 100, false);
    let address = address(e, &o, "address", true);
    let address_indicator = o.flag(e, "addressIndicator");
    let phone = phone(e, &o, "phone", false);
    Some(BillingContactChange {
        contact_name: contact_name?,
        attention_to,
        address: address?,
        address_indicator,
        phone,
    })
}

pub(crate) fn subscriber_contact(e: &mut Errors, parent: &Obj) -> Option<SubscriberContactChange> {
    let known = ["name", "address", "phone", "email"];
    let o = parent.obj(e, "subscriberContact", &known, false)?;
    let name = person_name(e, &o, "name", true);
    let address = address(e, &o, "address", false);
    let phone = phone(e, &o, "phone", false);
    let email = email(e, &o, "email");
    Some(SubscriberContactChange {
        name: name?,
        address,
        phone,
        email,
    })
}

pub(crate) fn device(e: &mut Errors, parent: &Obj) -> Option<DeviceChange> {
    let o = parent.obj(e, "device", &["imei", "iccid", "networkBlock"], false)?;
    let imei = o.shaped(e, "imei", false, is_imei, IMEI_RULE);
    let iccid = o.shaped(e, "iccid", false, is_iccid, ICCID_RULE);
    let network_block = o.flag(e, "networkBlock");
    if !(o.has("imei") || o.has("iccid") || o.has("networkBlock")) {
        e.add(o.path.clone(), "must give imei, iccid or networkBlock");
    }
    Some(DeviceChange {
        imei,
        iccid,
        network_block,
    })
}

/// The PIN is checked here and dropped: see [`VoicemailReset`].
pub(crate) fn reset_voicemail(e: &mut Errors, parent: &Obj) -> Option<VoicemailReset> {
    let o = parent.obj(e, "resetVoiceMail", &["pin", "autogeneratedPin"], false)?;
    let autogenerated_pin = o.flag(e, "autogeneratedPin").unwrap_or(false);
    if !autogenerated_pin {
        o.shaped(
            e,
            "pin",
            true,
            is_voicemail_pin,
            "must be 4 to 8 digits (or set autogeneratedPin)",
        );
    }
    Some(VoicemailReset { autogenerated_pin })
}

/// `items[]`; `check_id` gives the rule an offering id breaks (the
/// validator asks the catalog), so each error keeps its item's index.
pub(crate) fn items(
    e: &mut Errors,
    parent: &Obj,
    check_id: &dyn Fn(&str) -> Option<String>,
) -> Option<Vec<ItemChange>> {
    let list = parent.array(e, "items")?;
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for (j, value) in list.iter().enumerate() {
        let path = format!("{}[{j}]", parent.at("items"));
        let known = ["id", "action", "effectiveDate", "expirationDate"];
        let Some(o) = Obj::open(e, path, value, &known) else {
            continue;
        };
        let id = o.text(e, "id", 100, true);
        if let Some(id) = &id {
            if !seen.insert(id.clone()) {
                e.add(o.at("id"), "appears twice in items");
            } else if let Some(rule) = check_id(id) {
                e.add(o.at("id"), rule);
            }
        }
        let action = match o.str(e, "action", true) {
            Some("add") => Some(ItemAction::Add),
            Some("remove") => Some(ItemAction::Remove),
            Some(_) => {
                e.add(o.at("action"), "must be add or remove");
                None
            }
            None => None,
        };
        let effective_date = o.effective(e, "effectiveDate", false);
        let expiration_date = o.date(e, "expirationDate");
        if let (Some(EffectiveSpec::At(from)), Some(to)) = (effective_date, expiration_date)
            && to <= from
        {
            e.add(o.at("expirationDate"), "must be after effectiveDate");
        }
        if let (Some(id), Some(action)) = (id, action) {
            items.push(ItemChange {
                id,
                action,
                effective_date,
                expiration_date,
            });
        }
    }
    Some(items)
}

pub(crate) fn udl(e: &mut Errors, parent: &Obj) -> Option<Vec<Udl>> {
    let list = parent.array(e, "udl")?;
    let mut seen = HashSet::new();
    let mut labels = Vec::new();
    for (j, value) in list.iter().enumerate() {
        let path = format!("{}[{j}]", parent.at("udl"));
        let Some(o) = Obj::open(e, path, value, &["type", "value"]) else {
            continue;
        };
        let label_type = o.text(e, "type", 50, true);
        let value = o.text(e, "value", 100, true);
        if let Some(t) = &label_type
            && !seen.insert(t.clone())
        {
            e.add(o.at("type"), "appears twice in udl");
        }
        if let (Some(label_type), Some(value)) = (label_type, value) {
            labels.push(Udl { label_type, value });
        }
    }
    Some(labels)
}
