//! TMF671 Promotion Management: the `promotion` resource, served as a
//! generic TM Forum resource ([`tmf`]). Its criteria and actions are
//! validated by `omni_core::promotion::check`; carts and orders apply live
//! promotions automatically, from the context's cache.
//!
//! Roles: writes need `promotion.admin`; reads need `promotion.view` (or
//! `promotion.admin`). Reads are not open, nor granted by the cart roles,
//! because a promotion's criteria include its coupon codes, and the callers
//! of the cart APIs (channel apps acting for customers, customers
//! themselves) must not be able to list them. Every write bumps
//! `promotion:<tenant>`, so that caches reload.
//!
//! [`tmf`]: crate::tmf

use crate::tmf::TmfResource;
use omni_core::promotion::{PROMOTION_RESOURCE, Promotion};
use serde_json::Value;

pub const BASE: &str = "/tmf-api/promotionManagement/v4";
pub const WRITE_ROLE: &str = "promotion.admin";
pub const READ_ROLE: &str = "promotion.view";
pub const VERSION_COUNTER: &str = omni_core::promotion::VERSION_COUNTER;

pub fn resources() -> impl Iterator<Item = TmfResource> {
    std::iter::once(TmfResource {
        api_base: BASE,
        domain: "promotionManagement",
        spec: &PROMOTION_RESOURCE,
        write_role: WRITE_ROLE,
        read_role: Some(READ_ROLE),
        tag: "TMF671 Promotion",
        version_counter: Some(VERSION_COUNTER),
    })
}

/// Parses a stored promotion; `None` (logged) for one that no longer
/// parses, which the API never stores.
pub fn parse_stored(body: &Value) -> Option<Promotion> {
    match Promotion::from_document(body) {
        Ok(promotion) => Some(promotion),
        Err(errors) => {
            let id = body.get("id").and_then(Value::as_str).unwrap_or_default();
            tracing::error!(promotion = id, errors = ?errors, "stored promotion does not parse; skipped");
            None
        }
    }
}
