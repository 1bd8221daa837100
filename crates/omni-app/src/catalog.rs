//! TMF620 Product Catalog Management: offerings, prices, specifications,
//! categories and catalogs, served as generic TM Forum resources ([`tmf`]).
//! Reads are open to anyone; writes need `catalog.admin` and bump the
//! tenant's catalog version, which every node's discovery index polls.
//!
//! [`tmf`]: crate::tmf

use crate::tmf::TmfResource;
use omni_core::catalog::CATALOG_RESOURCES;

pub const BASE: &str = "/tmf-api/productCatalogManagement/v4";
pub const WRITE_ROLE: &str = "catalog.admin";
/// Stored kind of offerings.
pub const OFFERING_KIND: &str = "productOffering";
/// Stored kind of the address registry's service addresses.
pub const PLACE_KIND: &str = "place";
/// Bumped with every catalog write (as `catalog:<tenant>`).
pub const VERSION_COUNTER: &str = "catalog";
/// Bumped (as `catalogLoad:<tenant>`) by a bulk load, which writes documents
/// without events: the discovery index is then built again in full, since
/// the event stream cannot tell it what changed.
pub const LOAD_COUNTER: &str = "catalogLoad";

pub fn resources() -> impl Iterator<Item = TmfResource> {
    CATALOG_RESOURCES.iter().map(|spec| TmfResource {
        api_base: BASE,
        domain: "productCatalogManagement",
        spec,
        write_role: WRITE_ROLE,
        read_role: None,
        tag: "TMF620 Product Catalog",
        version_counter: Some(VERSION_COUNTER),
    })
}
