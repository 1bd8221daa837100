//! What a completed order does to the inventory: new lines get a number and
//! their components, swaps replace a line's device or SIM, terminations end a
//! component or the line. Pure: the caller reads the lines, calls these, and
//! writes every changed line in one transaction with the order's new state.

use super::action::Action;
use super::capture::CapturedItem;
use crate::inventory::{
    BillingAccount, Device, Feature, FeatureStatus, HistoryEntry, RatePlan, Sim, Subscriber,
    SubscriberStatus, Voicemail,
};

/// A product id that is the same however often the order is applied, so a
/// resumed worker writes exactly what an uninterrupted one would have.
pub fn product_id(order_id: &str, item_id: &str) -> String {
    format!("P{}-{item_id}", order_id.replace('-', ""))
}

/// What the inventory holds for one item of a completed order: the line's
/// number (a new line's allocated number, which its components share) and
/// the product the item created or changed (for a removal or an unchanged
/// product, the one it names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    pub item_id: String,
    pub subscriber_number: Option<String>,
    pub product_id: Option<String>,
}

/// The outcome of every item, as [`new_line`] and the line changes apply
/// them: the same product ids, the numbers the order was given.
pub fn outcomes(
    items: &[CapturedItem],
    new_line_numbers: &[(String, String)],
    order_id: &str,
) -> Vec<ItemOutcome> {
    let number_of = |item_id: &str| {
        new_line_numbers
            .iter()
            .find(|(i, _)| i == item_id)
            .map(|(_, n)| n.clone())
    };
    items
        .iter()
        .map(|item| {
            let subscriber_number = item.subscriber_number.clone().or_else(|| {
                number_of(&item.id).or_else(|| item.root_item_id.as_deref().and_then(number_of))
            });
            let product_id = if item.adds() && item.offering_id.is_some() {
                Some(product_id(order_id, &item.id))
            } else {
                item.product_id.clone()
            };
            ItemOutcome {
                item_id: item.id.clone(),
                subscriber_number,
                product_id,
            }
        })
        .collect()
}

/// Why an item could not be applied to its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("subscriber '{0}' is no longer active")]
    LineNotActive(String),
    #[error("subscriber '{ctn}' has no product '{product}' any more")]
    ProductGone { ctn: String, product: String },
}

fn history(line: &mut Subscriber, at: &str, change: &str, order_id: &str, detail: String) {
    line.history.push(HistoryEntry {
        at: at.to_string(),
        change: change.to_string(),
        source: order_id.to_string(),
        detail: Some(detail),
    });
}

/// Applies one order's items for an existing line, in item order.
pub fn apply_to_line(
    line: &Subscriber,
    items: &[&CapturedItem],
    order_id: &str,
    now: &str,
) -> Result<Subscriber, ApplyError> {
    if line.status != SubscriberStatus::Active {
        return Err(ApplyError::LineNotActive(line.ctn.clone()));
    }
    let mut next = line.clone();
    for item in items {
        if item.has(Action::Terminate) {
            terminate(&mut next, item, order_id, now)?;
        }
        if item.has(Action::Add) || item.has(Action::Modify) {
            add(&mut next, item, order_id, now);
        }
    }
    Ok(next)
}

fn terminate(
    line: &mut Subscriber,
    item: &CapturedItem,
    order_id: &str,
    now: &str,
) -> Result<(), ApplyError> {
    let product = item.product_id.clone().unwrap_or_default();
    if !line.owns_product(&product) {
        return Err(ApplyError::ProductGone {
            ctn: line.ctn.clone(),
            product,
        });
    }
    let primary = product == line.primary_product_id;
    let is = |id: Option<&String>| id.is_some_and(|id| *id == product);
    let reason = item
        .reason
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    match item.offering_type.as_str() {
        "Mobile_Device" if primary || is(line.device.as_ref().map(|d| &d.product_id)) => {
            if let Some(d) = line.device.take() {
                history(
                    line,
                    now,
                    "deviceRemoved",
                    order_id,
                    format!("IMEI {} ({reason})", d.imei),
                );
            }
        }
        "SIM" if primary || is(line.sim.as_ref().map(|s| &s.product_id)) => {
            if let Some(s) = line.sim.take() {
                history(
                    line,
                    now,
                    "simRemoved",
                    order_id,
                    format!("ICCID {} ({reason})", s.iccid),
                );
            }
        }
        "Mobile_Offer" if primary || line.rate_plan.product_id == product => {
            line.status = SubscriberStatus::Cancelled;
            line.status_reason = Some(reason.clone());
            line.cancelled_at = Some(now.to_string());
            history(
                line,
                now,
                "cancelled",
                order_id,
                format!("line terminated ({reason})"),
            );
        }
        _ => {
            for f in line.features.iter_mut().filter(|f| f.product_id == product) {
                f.status = FeatureStatus::Ended;
                f.expiration_date = Some(now.to_string());
            }
            history(
                line,
                now,
                "featureRemoved",
                order_id,
                format!("product {product} ({reason})"),
            );
        }
    }
    Ok(())
}

fn add(line: &mut Subscriber, item: &CapturedItem, order_id: &str, now: &str) {
    let Some(offering) = item.offering_id.clone() else {
        return;
    };
    let id = product_id(order_id, &item.id);
    let swapped = if item.has(Action::Swap) {
        "Swapped"
    } else {
        "Added"
    };
    match item.offering_type.as_str() {
        "Mobile_Device" => {
            // A device from the warehouse gets its IMEI when it ships.
            let imei = item.characteristic("IMEI").unwrap_or_default().to_string();
            let byod = item.flag("isBYOD");
            history(
                line,
                now,
                &format!("device{swapped}"),
                order_id,
                format!("{offering}, IMEI {imei}, BYOD {byod}"),
            );
            line.device = Some(Device {
                product_id: id,
                offering_id: Some(offering),
                imei,
                byod,
                network_block: false,
            });
        }
        "SIM" => {
            let iccid = item.characteristic("ICCID").unwrap_or_default().to_string();
            let esim = item.flag("eSIM_Enabled") || offering.contains("eSIM");
            history(
                line,
                now,
                &format!("sim{swapped}"),
                order_id,
                format!("{offering}, ICCID {iccid}"),
            );
            line.sim = Some(Sim {
                product_id: id,
                offering_id: offering,
                iccid,
                esim,
            });
        }
        "Mobile_Offer" => {
            history(
                line,
                now,
                "ratePlanChanged",
                order_id,
                format!("{} to {offering}", line.rate_plan.offering_id),
            );
            line.rate_plan = RatePlan {
                product_id: id,
                offering_id: offering,
                since: now.to_string(),
            };
        }
        "Mobile_Addon" => {
            history(line, now, "featureAdded", order_id, offering.clone());
            line.features.push(Feature {
                product_id: id,
                offering_id: offering,
                status: FeatureStatus::Active,
                effective_date: now.to_string(),
                expiration_date: None,
            });
        }
        // Accessories and equipment are shipped, not provisioned on a line.
        _ => {}
    }
}

/// A new line started by `root` (a plan added without a subscriber) with the
/// items whose root it is, numbered `ctn`.
pub fn new_line(
    root: &CapturedItem,
    children: &[&CapturedItem],
    billing: &BillingAccount,
    ctn: &str,
    order_id: &str,
    now: &str,
) -> Subscriber {
    let mut line = Subscriber {
        ctn: ctn.to_string(),
        billing_account_id: billing.id.clone(),
        account_id: billing.account_id.clone(),
        account_group_id: billing.account_group_id.clone(),
        status: SubscriberStatus::Active,
        status_reason: None,
        primary_product_id: product_id(order_id, &format!("{}-line", root.id)),
        rate_plan: RatePlan {
            product_id: product_id(order_id, &root.id),
            offering_id: root.offering_id.clone().unwrap_or_default(),
            since: now.to_string(),
        },
        features: Vec::new(),
        device: None,
        sim: None,
        contact: None,
        udl: Vec::new(),
        voicemail: Voicemail::default(),
        activated_at: now.to_string(),
        cancelled_at: None,
        history: Vec::new(),
    };
    history(
        &mut line,
        now,
        "activated",
        order_id,
        format!("new line on {}", billing.id),
    );
    for child in children {
        add(&mut line, child, order_id, now);
    }
    line
}
