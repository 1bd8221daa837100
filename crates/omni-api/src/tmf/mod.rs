//! The five endpoints of every TM Forum resource stored as a document
//! (create, list, get, merge PATCH, DELETE), following TMF630: extract,
//! call `omni_app::tmf`, render. An API family names its resources in a
//! table of [`TmfResource`]s; the same table drives the OpenAPI document.

mod handlers;
pub mod openapi;

pub use handlers::{RESULT_COUNT, TOTAL_COUNT, router};
pub(crate) use handlers::{correlation, if_match, render_page, retrieve, with_etag};
pub use omni_app::tmf::TmfResource;
