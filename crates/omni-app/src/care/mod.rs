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
//! options                   the add-ons and plans a change could name (screens)
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
mod options;
pub mod record;
pub mod request;
mod revise;
mod settle;
mod status;
pub mod worker;

pub use accept::accept;
pub use account::{CareAccount, care_account};
pub use cancel::cancel;
pub use options::{offering_names, options};
pub use record::{CareOrderRecord, ChangeState, RecordStatus, orders};
pub use request::{AccountQuery, StatusQuery};
pub use status::order_status;

use crate::error::{AppError, AppResult};
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

/// The header that names the care client on every call of the family.
pub const CLIENT_HEADER: &str = "X-ATT-ClientId";

/// The care client the caller acts for: the token's `client_id` claim,
/// never a header, so a caller cannot subscribe, remove or place orders in
/// another client's name by sending another `X-ATT-ClientId`.
pub fn client(principal: &Principal) -> AppResult<&str> {
    principal.client_id.as_deref().ok_or_else(|| {
        AppError::Forbidden(format!(
            "{CLIENT_HEADER}: the token carries no client_id claim; \
             a care token must name the client it acts for"
        ))
    })
}

/// The family still requires `X-ATT-ClientId` (it is logged and echoed),
/// but it must name the token's own client.
pub fn check_client_header(principal: &Principal, header: &str) -> AppResult<()> {
    let client = client(principal)?;
    if client == header {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "{CLIENT_HEADER} must equal the token's client_id claim"
        )))
    }
}
