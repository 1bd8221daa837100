//! TMF620 Product Catalog Management: offerings, prices, specifications,
//! categories and catalogs. Reads are open to anyone; writes need
//! `catalog.admin`.

use crate::state::AppState;
use crate::tmf::{self, TmfResource};
use axum::Router;
use omni_core::catalog::CATALOG_RESOURCES;

pub const BASE: &str = "/tmf-api/productCatalogManagement/v4";
pub const WRITE_ROLE: &str = "catalog.admin";
/// Stored kind of the address registry's service addresses.
pub const PLACE_KIND: &str = "place";
/// Bumped with every catalog write; discovery indexes poll it.
pub const VERSION_COUNTER: &str = "catalog";

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

/// Routes relative to [`BASE`].
pub fn router() -> Router<AppState> {
    resources().fold(Router::new(), |router, res| router.merge(tmf::router(res)))
}
