//! Business care orders (the orderingMobility care order page): changes to a
//! business customer's existing lines, accepted whole and applied when due.
//!
//! ```text
//! accept (careOrder)        validate the whole body against the inventory and
//!   │                        the catalog facts → store the order, its status
//!   │                        event and one job per change request, together
//!   └─ worker ── batch       claim due changes, read what they need at once,
//!        │                   split them into chains (one order or line each)
//!        ├─ change           apply one change: line, billing account, the
//!        │                   order's result, its event, the job's end: one write
//!        └─ settle           start and end dated features on their dates
//! order_status (orderStatus) one order, or the orders of a group or period
//! care_account (careAccount) a line as it is now, with its accounts
//! cancel (orderCancellation) only while none of its changes was processed
//! ```
//!
//! Every use case checks the caller ([`authorize`]); the HTTP layer checks
//! the family's required headers and wraps bodies as `xxxRequest` /
//! `xxxResponse`.

mod accept;
mod account;
mod batch;
mod cancel;
mod change;
mod facts;
mod failed;
pub mod record;
pub mod request;
mod revise;
mod settle;
mod status;
pub mod worker;

pub use accept::accept;
pub use account::{CareAccount, care_account};
pub use cancel::cancel;
pub use record::{CareOrderRecord, ChangeState, RecordStatus, orders};
pub use request::{AccountQuery, StatusQuery};
pub use status::order_status;

use crate::error::AppResult;
use omni_core::{Principal, PrincipalKind};

/// Stored care orders.
pub const KIND: &str = "careOrder";
/// Role of the systems and agents that place care orders.
pub const ROLE: &str = "care.ops";

/// Users and machines with the care role; customers and prospects never.
pub fn authorize(principal: &Principal) -> AppResult<()> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    principal.require_role(ROLE)?;
    Ok(())
}
