//! The product catalog (TMF620): resource rules for offerings, prices,
//! specifications, categories and catalogs.

mod resources;

pub use resources::{CATALOG_RESOURCES, resource_spec};
