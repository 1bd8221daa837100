//! A stored care order: the validated order, when each change request is
//! due, and each one's result. One `careOrder` document per order; the
//! worker rewrites it (version checked) in the same transaction as the line
//! it changes, so a change's result and its effect are stored together or
//! not at all.

use super::KIND;
use crate::events::{EventSource, event};
use crate::repo::{Record, Repo};
// Care clients are notified of exactly this event (notification subscriptions).
use crate::webhook::notify::{DOMAIN, EVENT_TYPE};
use chrono::{DateTime, Utc};
use omni_core::care::{
    CareOrder, ChangeFailure, ChangeResult, ChangeStatus, FailureCode, OrderStatus, order_outcome,
};
use omni_store::{NewEvent, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The order's status as answered: the domain's four, plus `Cancelled`
/// (cancelled before any change was processed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordStatus {
    InProgress,
    Completed,
    PartiallyCompleted,
    Failed,
    Cancelled,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Completed => "Completed",
            Self::PartiallyCompleted => "PartiallyCompleted",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }

    pub fn from_outcome(status: OrderStatus) -> Self {
        match status {
            OrderStatus::InProgress => Self::InProgress,
            OrderStatus::Completed => Self::Completed,
            OrderStatus::PartiallyCompleted => Self::PartiallyCompleted,
            OrderStatus::Failed => Self::Failed,
        }
    }
}

/// One change request's schedule and result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeState {
    /// Resolved once, at acceptance (RFC 3339).
    pub due_at: String,
    pub result: ChangeResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CareOrderRecord {
    pub id: String,
    pub client_id: String,
    pub status: RecordStatus,
    pub created_at: String,
    pub updated_at: String,
    /// Validated, so it holds no voicemail PIN.
    pub order: CareOrder,
    /// One per change request, in request order.
    pub changes: Vec<ChangeState>,
}

impl Record for CareOrderRecord {
    const KIND: &'static str = KIND;
    const NAME: &'static str = "care order";

    fn id(&self) -> &str {
        &self.id
    }

    fn state(&self) -> Option<&str> {
        Some(self.status.as_str())
    }
}

/// The tenant's care orders.
pub fn orders<'a>(store: &'a dyn Store, tenant: &'a str) -> Repo<'a, CareOrderRecord> {
    Repo::new(store, tenant)
}

impl CareOrderRecord {
    /// The status from the results, unless the order was cancelled.
    pub fn settle_status(&mut self) {
        if self.status != RecordStatus::Cancelled {
            let results: Vec<ChangeResult> =
                self.changes.iter().map(|c| c.result.clone()).collect();
            self.status = RecordStatus::from_outcome(order_outcome(&results));
        }
    }

    /// Whether no change request was processed yet.
    pub fn untouched(&self) -> bool {
        self.changes
            .iter()
            .all(|c| c.result.status == ChangeStatus::Pending)
    }

    /// Stores change request `index`'s result, processed `now`, and settles
    /// the order's status.
    pub fn record_result(&mut self, index: usize, result: ChangeResult, now: &str) {
        if let Some(slot) = self.changes.get_mut(index) {
            slot.result = result;
            slot.processed_at = Some(now.to_string());
        }
        self.updated_at = now.to_string();
        self.settle_status();
    }

    /// Change request `index` failed for good however often it was tried
    /// (`PROCESSING_FAILED`, `reason` as its message). `false` when there is
    /// nothing to mark: it was processed meanwhile, or the order cancelled.
    pub fn fail_change(&mut self, index: usize, reason: &str, now: &str) -> bool {
        let pending = self
            .changes
            .get(index)
            .filter(|c| c.result.status == ChangeStatus::Pending)
            .map(|c| c.result.change_request_id.clone());
        let Some(id) = pending.filter(|_| self.status != RecordStatus::Cancelled) else {
            return false;
        };
        let failure = ChangeFailure::new(FailureCode::ProcessingFailed, reason);
        self.record_result(index, ChangeResult::failed(id, failure), now);
        true
    }

    /// Takes back what [`Self::fail_change`] recorded, so that an operator's
    /// retry applies the change: pending again, the order in progress.
    /// `false` for any other result (a refusal of the change itself stays).
    pub fn reopen_change(&mut self, index: usize, now: &str) -> bool {
        let Some(slot) = self.changes.get_mut(index) else {
            return false;
        };
        let by_runner = slot
            .result
            .failure
            .as_ref()
            .is_some_and(|f| f.code == FailureCode::ProcessingFailed);
        if !by_runner {
            return false;
        }
        slot.result = ChangeResult::pending(slot.result.change_request_id.clone());
        slot.processed_at = None;
        self.updated_at = now.to_string();
        self.settle_status();
        true
    }

    /// The order as the family answers it (`careOrderResponse` and
    /// `orderStatusResponse` entries).
    pub fn render(&self) -> Value {
        let changes: Vec<Value> = self
            .order
            .change_requests
            .iter()
            .zip(&self.changes)
            .map(|(request, state)| {
                let status = if self.status == RecordStatus::Cancelled {
                    "cancelled"
                } else {
                    match state.result.status {
                        ChangeStatus::Pending => "pending",
                        ChangeStatus::Completed => "completed",
                        ChangeStatus::Failed => "failed",
                    }
                };
                // Every field the change was placed with (the care order
                // page, seed 001), as validated: a PIN is never kept.
                let mut entry = match serde_json::to_value(request) {
                    Ok(Value::Object(mut placed)) => {
                        placed.remove("ignored");
                        Value::Object(placed)
                    }
                    _ => json!({}),
                };
                entry["changeRequestId"] = json!(request.change_request_id);
                entry["type"] = json!(request.change_type.as_str());
                entry["ctn"] = json!(request.ctn);
                entry["status"] = json!(status);
                entry["dueDate"] = json!(state.due_at);
                if let Some(at) = &state.processed_at {
                    entry["processedDate"] = json!(at);
                }
                if let Some(f) = &state.result.failure {
                    entry["errors"] = json!([{"code": f.code.as_str(), "message": f.message}]);
                }
                if !request.ignored.is_empty() {
                    entry["ignoredFields"] = json!(request.ignored);
                }
                entry
            })
            .collect();
        let mut order = json!({
            "orderId": self.id,
            "status": self.status.as_str(),
            "foundationAccountNumber": self.order.foundation_account_number,
            "accountGroupId": self.order.account_group_id,
            "orderDate": self.created_at,
            "lastUpdateDate": self.updated_at,
            "changeRequest": changes,
        });
        // The order's own fields, as placed (the care order page, seed 001).
        let placed = &self.order;
        if let Some(po) = &placed.po_number {
            order["poNumber"] = json!(po);
        }
        if let Some(consent) = placed.consent_to_recurring_charges {
            order["consentToRecurringCharges"] = json!(consent);
        }
        if let Some(contact) = &placed.order_contact {
            order["orderContact"] = json!(contact);
        }
        order
    }

    /// What the order was placed with that has no effect, each naming the
    /// field by its path and why (the `warnings` of the 202).
    pub fn warnings(&self) -> Vec<Value> {
        let changes = self.order.change_requests.iter().enumerate();
        changes
            .flat_map(|(i, change)| {
                change.ignored.iter().map(move |field| {
                    json!({
                        "field": format!("careOrderRequest.changeRequest[{i}].{field}"),
                        "message": change.change_type.ignored_because(field),
                    })
                })
            })
            .collect()
    }

    /// `CareOrderStatusChangeEvent` ([`EVENT_TYPE`]) with the order as
    /// answered, at `now`.
    pub fn status_event(&self, tenant: &str, now: DateTime<Utc>) -> NewEvent {
        let source = EventSource {
            tenant,
            domain: DOMAIN,
            kind: KIND,
            id: &self.id,
            correlation_id: None,
        };
        // Notification subscriptions are scoped by the client that placed the order.
        let mut order = self.render();
        order["clientId"] = json!(self.client_id);
        event(&source, EVENT_TYPE, &order, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An order with two change requests, both pending (the requests
    /// themselves do not matter to results).
    fn order() -> CareOrderRecord {
        let pending = |id: &str| ChangeState {
            due_at: "2026-01-01T00:00:00Z".into(),
            result: ChangeResult::pending(id),
            processed_at: None,
        };
        CareOrderRecord {
            id: "CO-1".into(),
            client_id: "client".into(),
            status: RecordStatus::InProgress,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            order: CareOrder {
                foundation_account_number: "81730304".into(),
                account_group_id: None,
                po_number: None,
                consent_to_recurring_charges: None,
                order_contact: None,
                change_requests: Vec::new(),
            },
            changes: vec![pending("a"), pending("b")],
        }
    }

    const NOW: &str = "2026-01-02T00:00:00Z";

    #[test]
    fn a_failure_for_good_is_recorded_on_a_pending_change_and_taken_back() {
        let mut o = order();
        assert!(o.fail_change(0, "gave up", NOW));
        let failure = o.changes[0].result.failure.clone().expect("failure");
        assert_eq!(failure.code, FailureCode::ProcessingFailed);
        assert_eq!(failure.message, "gave up");
        assert_eq!(o.status, RecordStatus::InProgress, "b is still pending");
        assert!(!o.fail_change(0, "again", NOW), "already failed");

        assert!(o.reopen_change(0, NOW));
        assert_eq!(o.changes[0].result, ChangeResult::pending("a"));
        assert_eq!(o.changes[0].processed_at, None);
        assert!(!o.reopen_change(0, NOW), "nothing left to take back");
    }

    #[test]
    fn a_refusal_stays_and_a_cancelled_order_records_nothing() {
        let mut o = order();
        let refused = ChangeFailure::new(FailureCode::IllegalTransition, "no");
        o.record_result(0, ChangeResult::failed("a", refused), NOW);
        o.record_result(1, ChangeResult::completed("b"), NOW);
        assert_eq!(o.status, RecordStatus::PartiallyCompleted);
        assert!(!o.reopen_change(0, NOW), "the line's own refusal is final");
        assert!(!o.fail_change(1, "late", NOW), "already completed");

        let mut o = order();
        o.status = RecordStatus::Cancelled;
        assert!(!o.fail_change(0, "gave up", NOW));
        assert_eq!(o.status, RecordStatus::Cancelled);
    }
}
