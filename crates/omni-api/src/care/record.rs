//! A stored care order: the validated order, when each change request is
//! due, and each one's result. One document per order; the worker rewrites
//! it (version checked) in the same transaction as the line it changes, so
//! a change's result and its effect are stored together or not at all.

use super::KIND;
use omni_app::events::{EventSource, event};
use omni_core::care::{CareOrder, ChangeResult, ChangeStatus, OrderStatus, order_outcome};
use omni_store::{Document, NewEvent, StoreError};
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
                let mut entry = json!({
                    "changeRequestId": request.change_request_id,
                    "type": request.change_type.as_str(),
                    "ctn": request.ctn,
                    "status": status,
                    "dueDate": state.due_at,
                });
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
        json!({
            "orderId": self.id,
            "status": self.status.as_str(),
            "foundationAccountNumber": self.order.foundation_account_number,
            "accountGroupId": self.order.account_group_id,
            "orderDate": self.created_at,
            "lastUpdateDate": self.updated_at,
            "changeRequest": changes,
        })
    }

    pub fn document(&self, tenant: &str, version: i64) -> Result<Document, StoreError> {
        Ok(Document {
            tenant: tenant.to_string(),
            kind: KIND.into(),
            id: self.id.clone(),
            version,
            owner: None,
            state: Some(self.status.as_str().into()),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            body: serde_json::to_value(self).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        })
    }

    /// `CareOrderStatusChangeEvent` with the order as answered.
    pub fn status_event(&self, tenant: &str) -> NewEvent {
        let source = EventSource {
            tenant,
            domain: "orderingMobility",
            kind: KIND,
            id: &self.id,
            correlation_id: None,
        };
        // Notification subscriptions are scoped by the client that placed the order.
        let mut order = self.render();
        order["clientId"] = json!(self.client_id);
        event(
            &source,
            "CareOrderStatusChangeEvent",
            &order,
            chrono::Utc::now(),
        )
    }
}
