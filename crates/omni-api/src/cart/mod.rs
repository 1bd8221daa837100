//! TMF663 Shopping Cart: `/tmf-api/shoppingCart/v4/shoppingCart`. Every
//! create and update runs the page's validations (eligibility, service
//! qualification, the tenant's rule sets, item relationships), prices the
//! items from the catalog and applies promotions automatically.

mod access;
mod build;
mod customer;
mod expiry;
mod handlers;
pub mod openapi;

pub use expiry::{run as run_expiry, sweep as sweep_expired};
pub use handlers::router;

pub const BASE: &str = "/tmf-api/shoppingCart/v4";
pub const PATH: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
pub const KIND: &str = "shoppingCart";
