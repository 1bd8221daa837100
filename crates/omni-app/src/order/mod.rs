//! Partner order capture (the omni-svcs order pages: add items, seed 000;
//! terms, seed 003): a partner creates an order, adds items checked against
//! the catalog and the customer's inventory, consents to the agreements the
//! items call for, chooses fulfillment, pays what is due today and submits.
//! A submitted order becomes a TMF622 product order that the order worker
//! completes in the background, applying it to the inventory.
//!
//! ```text
//! capture.rs     create, add items (facts.rs: the inventory they name), read back ─┐
//! checkout.rs    terms, fulfillment, payment                                      ├─ record.rs
//! submission.rs  submit: order + TMF622 product order + completion job, one write ─┘  Repo<OrderRecord>
//! view.rs        what every answer shows: item facts, prices (prices.rs), validation
//! worker/        the job that completes a submitted order (a jobs::JobHandler)
//! ```
//!
//! Callers are users or m2m principals with `order.ops`; errors use the
//! partner shape, and a refused step (terms, payment, submit) answers the
//! order's `validation` beside the error ([`crate::AppError::refused`]).

pub mod capture;
pub mod checkout;
pub mod facts;
pub mod from_cart;
pub mod prices;
pub mod record;
pub mod submission;
pub mod view;
pub mod worker;

use crate::error::{AppError, AppResult};
use omni_core::{Principal, PrincipalKind};
use record::{OrderRecord, OrderState};

pub use record::KIND;

/// Role of the partner systems and agents that capture orders.
pub const ROLE: &str = "order.ops";
/// Where submitted orders are read as TMF622 product orders.
pub const PRODUCT_ORDER_PATH: &str = crate::product_order::ORDERS;
/// Stored kind of the pick-up stores (`data/stores/`).
pub const STORE_KIND: &str = "store";

pub fn authorize(principal: &Principal) -> AppResult<()> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    principal.require_role(ROLE)?;
    Ok(())
}

/// A draft order may change; any other is refused naming the step tried.
fn draft(record: &OrderRecord, action: &str) -> AppResult<()> {
    if record.state == OrderState::Draft {
        Ok(())
    } else {
        Err(AppError::conflict(format!(
            "order '{}' is {}; it can no longer change",
            record.id,
            record.state.as_str()
        ))
        .with_action(action))
    }
}
