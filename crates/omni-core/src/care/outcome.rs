//! How a change request ended, and the order's status from its results.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a change request failed. Codes are part of the API (callers match on
/// them): never renamed, new ones may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailureCode {
    /// The change request lacks what its type needs (only possible when it
    /// was built by hand rather than by `validate`).
    InvalidRequest,
    /// The subscriber or billing account given is not the change's line.
    WrongLine,
    /// A cancelled line takes no more changes.
    LineCancelled,
    /// The status machine refuses the change (e.g. resuming an active line).
    IllegalTransition,
    /// The line already has the feature and `replaceDuplicateFeatures` is false.
    DuplicateFeature,
    /// The line has a feature of the same conflict group and
    /// `replaceConflictingFeatures` is false.
    ConflictingFeature,
    /// Removing a feature the line does not have.
    FeatureNotFound,
    /// The add-on does not fit the line's rate plan (`addOnOf`).
    FeatureNotCompatible,
    /// The offering is not on sale (retired, not sellable, outside `validFor`).
    NotSellable,
    /// The offering is not sold with the billing account's payment type.
    PaymentTypeMismatch,
    /// The catalog no longer has the offering.
    UnknownOffering,
    /// Changing to the plan the line already has.
    SameRatePlan,
    /// The line's plan cannot be swapped for the new one.
    RatePlanNotAllowed,
    /// A device change on a line without a device.
    NoDevice,
    /// A SIM change on a line without a SIM.
    NoSim,
    /// An item's expiration is not after its effective date once resolved.
    InvalidDates,
    /// The change could not be applied however often it was tried (stored
    /// data that no longer reads, an outage that outlasted every retry); the
    /// message says why. An operator may retry it once the cause is fixed.
    ProcessingFailed,
}

impl FailureCode {
    /// The code as answered, e.g. `DUPLICATE_FEATURE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "INVALID_REQUEST",
            Self::WrongLine => "WRONG_LINE",
            Self::LineCancelled => "LINE_CANCELLED",
            Self::IllegalTransition => "ILLEGAL_TRANSITION",
            Self::DuplicateFeature => "DUPLICATE_FEATURE",
            Self::ConflictingFeature => "CONFLICTING_FEATURE",
            Self::FeatureNotFound => "FEATURE_NOT_FOUND",
            Self::FeatureNotCompatible => "FEATURE_NOT_COMPATIBLE",
            Self::NotSellable => "NOT_SELLABLE",
            Self::PaymentTypeMismatch => "PAYMENT_TYPE_MISMATCH",
            Self::UnknownOffering => "UNKNOWN_OFFERING",
            Self::SameRatePlan => "SAME_RATE_PLAN",
            Self::RatePlanNotAllowed => "RATE_PLAN_NOT_ALLOWED",
            Self::NoDevice => "NO_DEVICE",
            Self::NoSim => "NO_SIM",
            Self::InvalidDates => "INVALID_DATES",
            Self::ProcessingFailed => "PROCESSING_FAILED",
        }
    }
}

impl fmt::Display for FailureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change request that could not be applied; the line is untouched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ChangeFailure {
    pub code: FailureCode,
    /// For a person: what was refused and why.
    pub message: String,
    /// The field of the change request refused, when one is (`type` for a
    /// status move, `items[1]`, `ratePlan`, `device`), relative to the
    /// change request: acceptance names it by path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

impl ChangeFailure {
    pub fn new(code: FailureCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            part: None,
        }
    }

    /// The failure, naming `part` of the change request as the refused
    /// field (an inner, more precise part is kept).
    pub fn at(mut self, part: impl Into<String>) -> Self {
        self.part.get_or_insert_with(|| part.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeStatus {
    /// Accepted, not yet due or not yet applied.
    Pending,
    Completed,
    Failed,
}

/// The result of one change request, as the order reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeResult {
    pub change_request_id: String,
    pub status: ChangeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ChangeFailure>,
}

impl ChangeResult {
    pub fn pending(change_request_id: impl Into<String>) -> Self {
        Self {
            change_request_id: change_request_id.into(),
            status: ChangeStatus::Pending,
            failure: None,
        }
    }

    pub fn completed(change_request_id: impl Into<String>) -> Self {
        Self {
            change_request_id: change_request_id.into(),
            status: ChangeStatus::Completed,
            failure: None,
        }
    }

    pub fn failed(change_request_id: impl Into<String>, failure: ChangeFailure) -> Self {
        Self {
            change_request_id: change_request_id.into(),
            status: ChangeStatus::Failed,
            failure: Some(failure),
        }
    }
}

/// A care order's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Some change requests are still pending.
    InProgress,
    /// Every change request completed.
    Completed,
    /// Some completed, some failed, none pending.
    PartiallyCompleted,
    /// Every change request failed.
    Failed,
}

/// The order's status from its change requests' results: `InProgress`
/// while any is pending, then `Completed`, `PartiallyCompleted` or
/// `Failed`. An order with no results is `Completed` (nothing failed;
/// validation never lets such an order in).
pub fn order_outcome(results: &[ChangeResult]) -> OrderStatus {
    let count = |s: ChangeStatus| results.iter().filter(|r| r.status == s).count();
    let (pending, failed) = (count(ChangeStatus::Pending), count(ChangeStatus::Failed));
    if pending > 0 {
        OrderStatus::InProgress
    } else if failed == 0 {
        OrderStatus::Completed
    } else if failed == results.len() {
        OrderStatus::Failed
    } else {
        OrderStatus::PartiallyCompleted
    }
}
