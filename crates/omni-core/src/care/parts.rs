//! The parts of a line a change request rewrites in place: labels,
//! contacts, device and SIM. Each records what it changed and nothing when
//! the line already had the value.

use super::apply::Editor;
use super::outcome::{ChangeFailure, FailureCode};
use super::request::{ChangeRequest, DeviceChange};
use crate::inventory::{BillingAccount, BillingContact, Device, SubscriberContact};

fn fail<T>(code: FailureCode, message: String) -> Result<T, ChangeFailure> {
    Err(ChangeFailure::new(code, message))
}

/// Each label replaces the line's label of the same type, or is added.
pub(crate) fn update_udl(ed: &mut Editor, change: &ChangeRequest) {
    for label in &change.udl {
        match ed
            .sub
            .udl
            .iter_mut()
            .find(|l| l.label_type == label.label_type)
        {
            Some(have) if have.value == label.value => continue,
            Some(have) => have.value = label.value.clone(),
            None => ed.sub.udl.push(label.clone()),
        }
        ed.record(
            "udlUpdated",
            format!("{}: {}", label.label_type, label.value),
        );
    }
}

/// Contact fields the request leaves out keep their current values; each
/// contact is updated only when its flag says the change type acts on it.
pub(crate) fn update_contacts(
    ed: &mut Editor,
    change: &ChangeRequest,
    billing: &BillingAccount,
    billing_contact: bool,
    subscriber_contact: bool,
) {
    if let Some(c) = change.billing_contact.as_ref().filter(|_| billing_contact) {
        let have = billing.billing_contact.as_ref();
        let contact = BillingContact {
            contact_name: c.contact_name.clone(),
            attention_to: c
                .attention_to
                .clone()
                .or_else(|| have.and_then(|h| h.attention_to.clone())),
            address: c.address.clone(),
            phone: c
                .phone
                .clone()
                .or_else(|| have.and_then(|h| h.phone.clone())),
        };
        if have != Some(&contact) {
            let mut updated = billing.clone();
            updated.billing_contact = Some(contact);
            ed.billing = Some(updated);
            ed.record(
                "billingContactUpdated",
                format!("billing account {}", billing.id),
            );
        }
    }
    if let Some(c) = change
        .subscriber_contact
        .as_ref()
        .filter(|_| subscriber_contact)
    {
        let have = ed.sub.contact.as_ref();
        let contact = SubscriberContact {
            name: c.name.clone(),
            address: c
                .address
                .clone()
                .or_else(|| have.and_then(|h| h.address.clone())),
            phone: c
                .phone
                .clone()
                .or_else(|| have.and_then(|h| h.phone.clone())),
            email: c
                .email
                .clone()
                .or_else(|| have.and_then(|h| h.email.clone())),
        };
        if have != Some(&contact) {
            let name = format!("{} {}", contact.name.first_name, contact.name.last_name);
            ed.sub.contact = Some(contact);
            ed.record("contactUpdated", name);
        }
    }
}

/// A new IMEI swaps the device: the block belonged to the old one and is
/// cleared, while the model is kept, since the care order page's `device`
/// names no model and a swap by IMEI is the same model's replacement (a
/// device update used to drop it, issue 13); a new ICCID
/// swaps the SIM; `networkBlock` then blocks or unblocks the resulting
/// device.
pub(crate) fn update_device(
    ed: &mut Editor,
    change: &DeviceChange,
    change_request_id: &str,
) -> Result<(), ChangeFailure> {
    if let Some(imei) = &change.imei {
        match &mut ed.sub.device {
            Some(d) if &d.imei == imei => {}
            Some(d) => {
                let old = std::mem::replace(&mut d.imei, imei.clone());
                d.network_block = false;
                ed.record("deviceChanged", format!("IMEI {old} → {imei}"));
            }
            None => {
                ed.sub.device = Some(Device {
                    product_id: format!("{}.{change_request_id}.device", ed.source),
                    offering_id: None,
                    imei: imei.clone(),
                    byod: true,
                    network_block: false,
                });
                ed.record("deviceChanged", format!("IMEI {imei} added"));
            }
        }
    }
    if let Some(iccid) = &change.iccid {
        let Some(sim) = &mut ed.sub.sim else {
            return fail(
                FailureCode::NoSim,
                format!("line '{}' has no SIM to swap", ed.sub.ctn),
            );
        };
        if &sim.iccid != iccid {
            let old = std::mem::replace(&mut sim.iccid, iccid.clone());
            ed.record("simChanged", format!("ICCID {old} → {iccid}"));
        }
    }
    if let Some(block) = change.network_block {
        let Some(device) = &mut ed.sub.device else {
            return fail(
                FailureCode::NoDevice,
                format!("line '{}' has no device to block", ed.sub.ctn),
            );
        };
        if device.network_block != block {
            device.network_block = block;
            let imei = device.imei.clone();
            ed.record(
                if block {
                    "networkBlocked"
                } else {
                    "networkUnblocked"
                },
                format!("IMEI {imei}"),
            );
        }
    }
    Ok(())
}
