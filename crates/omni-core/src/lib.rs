//! Omni's pure domain. Nothing here performs I/O or reads the clock: callers
//! pass `now` in, so every rule is tested directly.

pub mod care;
pub mod cart;
pub mod catalog;
pub mod channel;
pub mod discovery;
pub mod document;
pub mod eligibility;
pub mod formats;
pub mod inventory;
pub mod merge_patch;
pub mod order;
pub mod party;
pub mod pricing;
pub mod principal;
pub mod product_order;
pub mod promotion;
pub mod rules;
pub mod service_qualification;
pub mod time;
pub mod tmf630;

pub use merge_patch::merge_patch;
pub use principal::{AccessError, Principal, PrincipalKind};
