//! Generic TM Forum resource endpoints (create, list, get, merge PATCH,
//! DELETE) over stored JSON documents, following TMF630. An API family names
//! its resources and roles; everything else is shared.

mod handlers;
pub mod openapi;

pub use handlers::{RESULT_COUNT, TOTAL_COUNT, router};
pub(crate) use handlers::{
    if_match, list_page, precondition_failed, single_resource_query, with_etag, with_id_and_href,
};
use omni_core::document::ResourceSpec;

/// One TM Forum resource as served by an API.
#[derive(Debug, Clone, Copy)]
pub struct TmfResource {
    /// Mount point of the API, e.g. `/tmf-api/productCatalogManagement/v4`.
    pub api_base: &'static str,
    /// Event domain, e.g. `productCatalogManagement`.
    pub domain: &'static str,
    pub spec: &'static ResourceSpec,
    /// Role needed to create, change or delete.
    pub write_role: &'static str,
    /// Role needed to read; `None` lets anyone read, prospects included.
    pub read_role: Option<&'static str>,
    /// Section of the OpenAPI document.
    pub tag: &'static str,
    /// Counter bumped (per tenant, as `counter:tenant`) with every write, for
    /// data that nodes cache in memory and refresh when it changes.
    pub version_counter: Option<&'static str>,
}
