//! The TMF622 v4 product order lifecycle.
//!
//! The specification's state descriptions (user guide, `ProductOrderStateType`):
//! an order is `acknowledged` once received and stored; it is `rejected` when
//! it fails validation or business rules; fulfilment moves it to `inProgress`;
//! it may wait (`pending`) or be stopped by a provider issue (`held`) and then
//! continue; it ends `completed`, `failed` (every item failed) or `partial`
//! (some failed). A cancellation request puts an in-flight order in
//! `assessingCancellation`; if accepted it goes to `pendingCancellation` and
//! then `cancelled`, otherwise it returns to `inProgress`, `held` or
//! `pending`. An order whose fulfilment has not started (acknowledged,
//! pending, held) may be cancelled at once.
//!
//! Order items follow the same machine without `partial`, which only
//! describes a whole order.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    Acknowledged,
    Rejected,
    Pending,
    Held,
    InProgress,
    Cancelled,
    Completed,
    Failed,
    Partial,
    AssessingCancellation,
    PendingCancellation,
}

use State::*;

impl State {
    pub const ALL: [State; 11] = [
        Acknowledged,
        Rejected,
        Pending,
        Held,
        InProgress,
        Cancelled,
        Completed,
        Failed,
        Partial,
        AssessingCancellation,
        PendingCancellation,
    ];

    /// Every order starts here.
    pub const INITIAL: State = Acknowledged;

    pub fn as_str(self) -> &'static str {
        match self {
            Acknowledged => "acknowledged",
            Rejected => "rejected",
            Pending => "pending",
            Held => "held",
            InProgress => "inProgress",
            Cancelled => "cancelled",
            Completed => "completed",
            Failed => "failed",
            Partial => "partial",
            AssessingCancellation => "assessingCancellation",
            PendingCancellation => "pendingCancellation",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// No transition leaves a final state.
    pub fn is_final(self) -> bool {
        matches!(self, Rejected | Cancelled | Completed | Failed | Partial)
    }

    /// `partial` describes a whole order only; items have the other ten.
    pub fn is_item_state(self) -> bool {
        self != Partial
    }

    /// The states an order may move to from this one.
    pub fn successors(self) -> &'static [State] {
        match self {
            Acknowledged => &[Rejected, InProgress, Pending, Held, Cancelled],
            InProgress => &[
                Completed,
                Failed,
                Partial,
                Held,
                Pending,
                AssessingCancellation,
            ],
            Pending => &[InProgress, Held, AssessingCancellation, Cancelled],
            Held => &[InProgress, Pending, AssessingCancellation, Cancelled],
            // Assessed: accepted, or refused and back to where fulfilment was.
            AssessingCancellation => &[PendingCancellation, InProgress, Held, Pending],
            PendingCancellation => &[Cancelled],
            Rejected | Cancelled | Completed | Failed | Partial => &[],
        }
    }

    /// The dated attribute a move into this state stamps, if any.
    pub fn stamps(self) -> Option<&'static str> {
        match self {
            Completed | Failed | Partial => Some("completionDate"),
            Cancelled => Some("cancellationDate"),
            _ => None,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot move from {from} to {to}")]
pub struct IllegalTransition {
    pub from: State,
    pub to: State,
}

/// Checks one move of a product order. Staying in the same state is not a
/// move, so it is refused too; callers skip unchanged states.
pub fn transition(from: State, to: State) -> Result<State, IllegalTransition> {
    if from.successors().contains(&to) {
        Ok(to)
    } else {
        Err(IllegalTransition { from, to })
    }
}

/// Checks one move of a product order item: the order's machine restricted
/// to the item states.
pub fn item_transition(from: State, to: State) -> Result<State, IllegalTransition> {
    if from.is_item_state() && to.is_item_state() {
        transition(from, to)
    } else {
        Err(IllegalTransition { from, to })
    }
}

/// What a cancellation request can do to an order in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancellation {
    /// Fulfilment has not started: the order is cancelled at once.
    Immediate,
    /// The request is refused; the text says why.
    Refused(&'static str),
}

/// Omni decides cancellations synchronously. Once fulfilment is under way
/// nothing in Omni can assess whether the point of no return has passed, so
/// rather than park the order in `assessingCancellation` with nobody to
/// finish the assessment, such a request is refused.
pub fn cancellation(state: State) -> Cancellation {
    match state {
        Acknowledged | Pending | Held => Cancellation::Immediate,
        InProgress => Cancellation::Refused(
            "fulfilment has started; an order in progress cannot be cancelled",
        ),
        AssessingCancellation | PendingCancellation => {
            Cancellation::Refused("a cancellation of this order is already under way")
        }
        Rejected | Cancelled | Completed | Failed | Partial => {
            Cancellation::Refused("the order is in a final state")
        }
    }
}
