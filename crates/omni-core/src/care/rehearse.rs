//! Acceptance's dress rehearsal of a care order (issue 13): every change
//! request is applied, with the worker's own [`apply()`], to copies of its
//! line as it is now, in the order the worker will apply them (due date,
//! then request order), each change meeting the line as the order's earlier
//! changes leave it. A change that would fail then is refused at once with
//! the worker's code (`FEATURE_NOT_COMPATIBLE`, `ILLEGAL_TRANSITION`, …),
//! so a 202 means the order applies unless its lines change in between.
//!
//! One failing change refuses the whole order (400, nothing stored), as a
//! validation failure does: the client fixes the order and sends it again,
//! rather than receiving half of it done. Every failing change is named by
//! path (`careOrderRequest.changeRequest[0].items[1]`), with its code.

use super::apply::apply;
use super::catalog::CareCatalog;
use super::request::CareOrder;
use crate::document::FieldError;
use crate::inventory::{BillingAccount, Subscriber};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Rehearses `order` (validated, due at `due[i]` change by change) on
/// `lines` and their `billing` accounts as they are now; `order_id` stamps
/// the copies' history. Every change that would fail, by path, or nothing.
/// A change whose line or billing account is not given is not rehearsed
/// (the caller reads every line the order names).
pub fn rehearse(
    order: &CareOrder,
    due: &[DateTime<Utc>],
    mut lines: HashMap<String, Subscriber>,
    mut billing: HashMap<String, BillingAccount>,
    catalog: &dyn CareCatalog,
    order_id: &str,
) -> Result<(), Vec<FieldError>> {
    let mut sequence: Vec<(DateTime<Utc>, usize)> = order
        .change_requests
        .iter()
        .enumerate()
        .filter_map(|(i, _)| due.get(i).map(|at| (*at, i)))
        .collect();
    sequence.sort();
    let mut errors = Vec::new();
    let mut moved: Vec<String> = Vec::new();
    for (at, i) in sequence {
        let change = &order.change_requests[i];
        let path = format!("careOrderRequest.changeRequest[{i}]");
        let Some(line) = lines.get(&change.ctn) else {
            // Every line named is given, so only an earlier changeCTN of
            // this order can have moved it away.
            if moved.contains(&change.ctn) {
                errors.push(FieldError::new(
                    format!("{path}.ctn"),
                    format!(
                        "WRONG_LINE: an earlier change request of this order moves line '{}' to another number",
                        change.ctn
                    ),
                ));
            }
            continue;
        };
        let Some(account) = billing.get(&line.billing_account_id) else {
            continue;
        };
        match apply(line, account, change, catalog, order_id, at) {
            Ok(applied) => {
                if let Some(account) = applied.billing_account {
                    billing.insert(account.id.clone(), account);
                }
                if let Some(old) = applied.previous_ctn {
                    lines.remove(&old);
                    moved.push(old);
                }
                lines.insert(applied.subscriber.ctn.clone(), applied.subscriber);
            }
            Err(failure) => {
                let field = match &failure.part {
                    Some(part) => format!("{path}.{part}"),
                    None => path,
                };
                errors.push(FieldError::new(
                    field,
                    format!(
                        "{}: {} (as the line will be when the change is due)",
                        failure.code, failure.message
                    ),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
