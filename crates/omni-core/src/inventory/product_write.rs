//! TMF637 writes: what an inventory administrator may change of a line
//! through its products (`PATCH` and `DELETE` of `/product/{id}`).
//!
//! A product is a view of one component of a line (see [`super::products`]),
//! so a write is a change of the line: [`patch`] and [`remove`] take the line
//! as stored and answer the line as it should be stored next, or why not.
//! The caller diffs the products before and after (`product_changes`) for
//! the events, exactly as the order and care workers do.
//!
//! What is writable, and why only this:
//! - `status` of the line's own product: `active`, `suspended` or
//!   `terminated`, moved by the subscriber state machine care orders use
//!   ([`SubscriberStatus::transition`]); `terminated` cancels the line as a
//!   care cancel does ([`crate::care::close_line`]: its features end too).
//! - `status` of a feature's product: `terminated` ends the feature now, by
//!   care's rule ([`crate::care::end_feature_of`]).
//! - `productCharacteristic` `IMEI` of the device and `ICCID` of the SIM
//!   (a correction of what was recorded), in the formats of
//!   [`crate::formats`].
//!
//! Every other attribute is derived from the line: a patch may repeat its
//! current value (a client sending back what it read), but not change it.
//!
//! `DELETE` removes a feature, the device or the SIM from the line (the
//! product is gone afterwards); the line and its rate plan cannot be
//! deleted (they are the line: terminate it, which keeps it on record).

use super::{HistoryEntry, Subscriber, SubscriberStatus};
use crate::care::{close_line, end_feature_of};
use crate::document::FieldError;
use crate::formats::characteristic_problem;
use crate::time::rfc3339;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The reason a line suspended or cancelled through TMF637 records (a line
/// that is not active always has one).
pub const ADMIN_REASON: &str = "InventoryAdministration";

/// Which component of a line a product is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductKind {
    Line,
    RatePlan,
    /// The feature at this index of the line's features.
    Feature(usize),
    Device,
    Sim,
}

impl ProductKind {
    /// The product `product_id` of `line`, if the line has it.
    pub fn of(line: &Subscriber, product_id: &str) -> Option<Self> {
        if line.primary_product_id == product_id {
            Some(Self::Line)
        } else if line.rate_plan.product_id == product_id {
            Some(Self::RatePlan)
        } else if line
            .device
            .as_ref()
            .is_some_and(|d| d.product_id == product_id)
        {
            Some(Self::Device)
        } else if line
            .sim
            .as_ref()
            .is_some_and(|s| s.product_id == product_id)
        {
            Some(Self::Sim)
        } else {
            line.features
                .iter()
                .position(|f| f.product_id == product_id)
                .map(Self::Feature)
        }
    }

    /// The one characteristic a patch may change, if any.
    fn writable_characteristic(self) -> Option<&'static str> {
        match self {
            Self::Device => Some("IMEI"),
            Self::Sim => Some("ICCID"),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Line => "line",
            Self::RatePlan => "rate plan",
            Self::Feature(_) => "feature",
            Self::Device => "device",
            Self::Sim => "SIM",
        }
    }
}

/// Why a write was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    /// The request names attributes it may not set, or values they may not
    /// take (a 400 naming each field).
    #[error("invalid product change")]
    Invalid(Vec<FieldError>),
    /// The line's state, or the kind of product, forbids the write.
    #[error("{0}")]
    Conflict(String),
}

/// Where the line's history says a TMF637 write came from, and when.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    pub now: DateTime<Utc>,
    pub source: &'a str,
}

/// How the line's history says a change came through TMF637.
const VIA: &str = "through the product inventory (TMF637)";

impl Stamp<'_> {
    fn record(&self, line: &mut Subscriber, change: &str, detail: String) {
        line.history.push(HistoryEntry {
            at: rfc3339(self.now),
            change: change.to_string(),
            source: self.source.to_string(),
            detail: Some(detail),
        });
    }
}

const READ_ONLY: &str = "is derived from the line and read-only (writable: status of the line or of a feature, \
    productCharacteristic IMEI of a device, ICCID of a SIM)";

fn cancelled(line: &Subscriber) -> WriteError {
    WriteError::Conflict(format!(
        "line '{}' is cancelled: its products can no longer change",
        line.ctn
    ))
}

/// The line after applying the merge patch `patch` to its product
/// `product_id`, whose current view is `view` (as [`super::products`] made
/// it). Every failing field is reported at once; nothing changes on error.
/// A patch that changes nothing answers the line unchanged.
pub fn patch(
    line: &Subscriber,
    product_id: &str,
    view: &Value,
    patch: &Value,
    stamp: Stamp<'_>,
) -> Result<Subscriber, WriteError> {
    let Some(kind) = ProductKind::of(line, product_id) else {
        return Err(WriteError::Conflict(format!(
            "line '{}' has no product '{product_id}'",
            line.ctn
        )));
    };
    let Value::Object(members) = patch else {
        return Err(WriteError::Invalid(vec![FieldError::new(
            "body",
            "must be a JSON object (a merge patch of the product)",
        )]));
    };
    let mut next = line.clone();
    let mut problems = Vec::new();
    for (name, value) in members {
        let current = view.get(name);
        match name.as_str() {
            "status" => {
                if current != Some(value)
                    && let Err(e) = set_status(&mut next, kind, value, stamp)
                {
                    match e {
                        WriteError::Invalid(mut p) => problems.append(&mut p),
                        conflict => return Err(conflict),
                    }
                }
            }
            "productCharacteristic" => {
                characteristics(&mut next, kind, view, value, stamp, &mut problems)
            }
            _ if current == Some(value) => {}
            _ => problems.push(FieldError::new(name.as_str(), READ_ONLY)),
        }
    }
    if !problems.is_empty() {
        return Err(WriteError::Invalid(problems));
    }
    if next != *line && line.status == SubscriberStatus::Cancelled {
        return Err(cancelled(line));
    }
    Ok(next)
}

fn set_status(
    line: &mut Subscriber,
    kind: ProductKind,
    value: &Value,
    stamp: Stamp<'_>,
) -> Result<(), WriteError> {
    let invalid = |rule: String| WriteError::Invalid(vec![FieldError::new("status", rule)]);
    let Some(to) = value.as_str() else {
        return Err(invalid("must be a string".into()));
    };
    match kind {
        ProductKind::Line => {
            let target = match to {
                "active" => SubscriberStatus::Active,
                "suspended" => SubscriberStatus::Suspended,
                "terminated" => SubscriberStatus::Cancelled,
                other => {
                    return Err(invalid(format!(
                        "a line's status may become active, suspended or terminated, not '{other}'"
                    )));
                }
            };
            if line.status == SubscriberStatus::Cancelled {
                return Err(cancelled(line));
            }
            line.status = line.status.transition(target).map_err(|e| {
                WriteError::Conflict(format!(
                    "line '{}' is {}, so it cannot be {}",
                    line.ctn, e.from, e.to
                ))
            })?;
            match target {
                SubscriberStatus::Suspended => {
                    line.status_reason = Some(ADMIN_REASON.into());
                    stamp.record(line, "suspended", VIA.into());
                }
                SubscriberStatus::Active => {
                    line.status_reason = None;
                    stamp.record(line, "resumed", VIA.into());
                }
                SubscriberStatus::Cancelled => {
                    close_line(line, stamp.now, stamp.source, ADMIN_REASON, VIA);
                }
            }
            Ok(())
        }
        ProductKind::Feature(index) => {
            if to != "terminated" {
                return Err(invalid(format!(
                    "a feature's status may only become terminated (it otherwise follows its line and its dates), \
                     not '{to}'"
                )));
            }
            if line.status == SubscriberStatus::Cancelled {
                return Err(cancelled(line));
            }
            let (now, source) = (stamp.now, stamp.source);
            end_feature_of(line, now, source, index, now, "featureEnded", VIA);
            Ok(())
        }
        other => Err(invalid(format!(
            "the {}'s status is its line's: change the status of the line's product '{}'",
            other.name(),
            line.primary_product_id
        ))),
    }
}

/// Applies the patch's `productCharacteristic` entries: the product's
/// writable one (IMEI, ICCID) may take a new value in its format; any other
/// must repeat its current value. Entries not named keep their value.
fn characteristics(
    line: &mut Subscriber,
    kind: ProductKind,
    view: &Value,
    value: &Value,
    stamp: Stamp<'_>,
    problems: &mut Vec<FieldError>,
) {
    let Some(entries) = value.as_array() else {
        problems.push(FieldError::new(
            "productCharacteristic",
            "must be an array of {name, value}",
        ));
        return;
    };
    let current: Vec<&Map<String, Value>> = view
        .get("productCharacteristic")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    for (i, entry) in entries.iter().enumerate() {
        let Some(name) = entry.get("name").and_then(Value::as_str) else {
            problems.push(FieldError::new(
                format!("productCharacteristic[{i}].name"),
                "is required (a string)",
            ));
            continue;
        };
        let field = format!("productCharacteristic.{name}");
        let now = current
            .iter()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name));
        let new = entry.get("value");
        if now.map(|c| c.get("value")) == Some(new) {
            continue;
        }
        if kind.writable_characteristic() != Some(name) {
            problems.push(FieldError::new(field, READ_ONLY));
            continue;
        }
        let Some(new) = new.and_then(Value::as_str) else {
            problems.push(FieldError::new(field, "must be a string"));
            continue;
        };
        if let Some(rule) = characteristic_problem(name, new) {
            problems.push(FieldError::new(field, rule));
            continue;
        }
        let change = match (kind, line.device.as_mut(), line.sim.as_mut()) {
            (ProductKind::Device, Some(d), _) => {
                let old = std::mem::replace(&mut d.imei, new.to_string());
                Some(("deviceChanged", format!("IMEI {old} → {new}")))
            }
            (ProductKind::Sim, _, Some(s)) => {
                let old = std::mem::replace(&mut s.iccid, new.to_string());
                Some(("simChanged", format!("ICCID {old} → {new}")))
            }
            _ => None,
        };
        if let Some((change, detail)) = change {
            stamp.record(line, change, format!("{detail} {VIA}"));
        }
    }
}

/// The line without its product `product_id`: a feature, the device or the
/// SIM is removed from it (the product no longer exists afterwards). The
/// line itself and its rate plan are refused.
pub fn remove(
    line: &Subscriber,
    product_id: &str,
    stamp: Stamp<'_>,
) -> Result<Subscriber, WriteError> {
    let kind = ProductKind::of(line, product_id).ok_or_else(|| {
        WriteError::Conflict(format!("line '{}' has no product '{product_id}'", line.ctn))
    })?;
    if matches!(kind, ProductKind::Line | ProductKind::RatePlan) {
        return Err(WriteError::Conflict(format!(
            "product '{product_id}' is line '{}' (its {}): a line is not deleted but terminated (PATCH the line's \
             product with status terminated, a TMF622 product order with action delete, or a care order of type \
             cancel); DELETE removes a feature, the device or the SIM",
            line.ctn,
            if kind == ProductKind::Line {
                "own product"
            } else {
                "rate plan"
            },
        )));
    }
    if line.status == SubscriberStatus::Cancelled {
        return Err(cancelled(line));
    }
    let mut next = line.clone();
    let (change, detail) = match kind {
        ProductKind::Feature(i) => {
            let f = next.features.remove(i);
            (
                "featureRemoved",
                format!("product {} ({})", f.product_id, f.offering_id),
            )
        }
        ProductKind::Device => match next.device.take() {
            Some(d) => ("deviceRemoved", format!("IMEI {}", d.imei)),
            None => return Ok(next),
        },
        _ => match next.sim.take() {
            Some(s) => ("simRemoved", format!("ICCID {}", s.iccid)),
            None => return Ok(next),
        },
    };
    stamp.record(&mut next, change, format!("{detail}: deleted {VIA}"));
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::product::tests::{account, href, line};
    use crate::inventory::{FeatureStatus, ProductChange, product_changes, products};
    use serde_json::json;

    const NOW: &str = "2026-01-01T00:00:00.000Z";

    fn at() -> Stamp<'static> {
        Stamp {
            now: crate::time::parse_rfc3339(NOW).unwrap_or_default(),
            source: "productInventory:admin",
        }
    }

    fn view(l: &Subscriber, id: &str) -> Value {
        let a = account();
        products(l, Some(&a), None, &href)
            .into_iter()
            .find(|p| p["id"] == id)
            .unwrap_or_default()
    }

    fn changes(before: &Subscriber, after: &Subscriber) -> Vec<(ProductChange, String)> {
        let a = account();
        let ps = |l| products(l, Some(&a), None, &href);
        product_changes(&ps(before), &ps(after))
            .into_iter()
            .map(|(c, p)| (c, p["id"].as_str().unwrap_or_default().to_string()))
            .collect()
    }

    fn fields(e: WriteError) -> Vec<String> {
        match e {
            WriteError::Invalid(d) => d.into_iter().map(|f| f.field).collect(),
            WriteError::Conflict(m) => vec![format!("conflict: {m}")],
        }
    }

    #[test]
    fn the_line_is_suspended_and_resumed_by_its_state_machine() {
        let l = line(SubscriberStatus::Active);
        let p = json!({"status": "suspended"});
        let next = patch(&l, "P0", &view(&l, "P0"), &p, at()).expect("suspend");
        assert_eq!(next.status, SubscriberStatus::Suspended);
        assert_eq!(next.status_reason.as_deref(), Some(ADMIN_REASON));
        assert_eq!(
            next.history.last().map(|h| h.change.as_str()),
            Some("suspended")
        );
        assert!(changes(&l, &next).contains(&(ProductChange::StateChange, "P0".into())));
        let back = patch(
            &next,
            "P0",
            &view(&next, "P0"),
            &json!({"status": "active"}),
            at(),
        )
        .expect("resume");
        assert_eq!(
            (back.status, back.status_reason),
            (SubscriberStatus::Active, None)
        );
        // A status a line cannot take is refused.
        for status in ["pendingActive", "cancelled"] {
            let e = patch(&l, "P0", &view(&l, "P0"), &json!({"status": status}), at());
            assert_eq!(e.map_err(fields), Err(vec!["status".to_string()]));
        }
        // A cancelled line changes no more.
        let gone = line(SubscriberStatus::Cancelled);
        let e = patch(&gone, "P0", &view(&gone, "P0"), &p, at()).map_err(fields);
        assert!(
            matches!(e, Err(ref v) if v[0].starts_with("conflict")),
            "{e:?}"
        );
    }

    #[test]
    fn terminating_the_line_cancels_it_as_care_does() {
        let mut l = line(SubscriberStatus::Suspended);
        // A live feature (the fixture's starts in 2030: make it started).
        l.features[0].status = FeatureStatus::Active;
        l.features[0].effective_date = "2025-01-01T00:00:00.000Z".into();
        let p = json!({"status": "terminated"});
        let next = patch(&l, "P0", &view(&l, "P0"), &p, at()).expect("terminate");
        assert_eq!(next.status, SubscriberStatus::Cancelled);
        assert_eq!(next.status_reason.as_deref(), Some(ADMIN_REASON));
        assert_eq!(next.cancelled_at.as_deref(), Some(NOW));
        assert_eq!(next.features[0].status, FeatureStatus::Ended);
        let changes: Vec<&str> = next.history.iter().map(|h| h.change.as_str()).collect();
        assert_eq!(changes, ["featureEnded", "cancelled"]);
        let v = view(&next, "P2");
        assert_eq!(v["status"], "terminated");
    }

    #[test]
    fn derived_attributes_are_read_only_unless_repeated() {
        let l = line(SubscriberStatus::Active);
        let v = view(&l, "P3");
        // The whole product sent back as read changes nothing.
        assert_eq!(patch(&l, "P3", &v, &v, at()), Ok(l.clone()));
        let p = json!({"name": "mine", "status": "suspended",
            "productCharacteristic": [{"name": "byod", "value": false}]});
        let e = patch(&l, "P3", &v, &p, at()).map_err(fields);
        assert_eq!(
            e,
            Err(vec![
                "name".to_string(),
                "status".into(),
                "productCharacteristic.byod".into()
            ])
        );
    }

    #[test]
    fn imei_and_iccid_change_in_their_formats() {
        let l = line(SubscriberStatus::Active);
        let p = json!({"productCharacteristic": [{"name": "IMEI", "value": "490154203237518"}]});
        let next = patch(&l, "P3", &view(&l, "P3"), &p, at()).expect("imei");
        assert_eq!(
            next.device.as_ref().map(|d| d.imei.as_str()),
            Some("490154203237518")
        );
        assert_eq!(
            view(&next, "P3")["realizingResource"][0]["id"],
            "490154203237518"
        );
        assert!(changes(&l, &next).contains(&(ProductChange::AttributeValueChange, "P3".into())));
        let bad = json!({"productCharacteristic": [{"name": "IMEI", "value": "12"}]});
        assert_eq!(
            patch(&l, "P3", &view(&l, "P3"), &bad, at()).map_err(fields),
            Err(vec!["productCharacteristic.IMEI".to_string()])
        );
        // The SIM takes an ICCID, not an IMEI.
        let e = patch(&l, "P4", &view(&l, "P4"), &p, at()).map_err(fields);
        assert_eq!(e, Err(vec!["productCharacteristic.IMEI".to_string()]));
        let sim =
            json!({"productCharacteristic": [{"name": "ICCID", "value": "8901410321111851072"}]});
        let next = patch(&l, "P4", &view(&l, "P4"), &sim, at()).expect("iccid");
        assert_eq!(
            next.sim.map(|s| s.iccid),
            Some("8901410321111851072".to_string())
        );
    }

    #[test]
    fn a_feature_is_terminated_or_deleted() {
        let l = line(SubscriberStatus::Active);
        let p = json!({"status": "terminated"});
        let ended = patch(&l, "P2", &view(&l, "P2"), &p, at()).expect("end");
        assert_eq!(ended.features[0].status, FeatureStatus::Ended);
        assert_eq!(ended.features[0].expiration_date.as_deref(), Some(NOW));
        assert_eq!(view(&ended, "P2")["status"], "terminated");
        let e = patch(
            &l,
            "P2",
            &view(&l, "P2"),
            &json!({"status": "active"}),
            at(),
        );
        assert_eq!(e.map_err(fields), Err(vec!["status".to_string()]));

        let removed = remove(&l, "P2", at()).expect("delete");
        assert!(removed.features.is_empty());
        let c = changes(&l, &removed);
        assert!(c.contains(&(ProductChange::Delete, "P2".into())), "{c:?}");
        let no_device = remove(&l, "P3", at()).expect("delete device");
        assert!(no_device.device.is_none());
        assert!(remove(&l, "P4", at()).expect("delete sim").sim.is_none());
    }

    #[test]
    fn the_line_and_its_plan_are_not_deleted() {
        let l = line(SubscriberStatus::Active);
        for id in ["P0", "P1"] {
            let e = remove(&l, id, at()).map_err(fields);
            assert!(
                matches!(e, Err(ref v) if v[0].contains("care order")),
                "{e:?}"
            );
        }
    }
}
