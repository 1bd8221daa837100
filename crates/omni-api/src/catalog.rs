//! TMF620 Product Catalog Management: the generic TM Forum endpoints for
//! the resources `omni_app::catalog` names.

use crate::state::AppState;
use crate::tmf;
use axum::Router;
pub use omni_app::catalog::{
    BASE, LOAD_COUNTER, PLACE_KIND, VERSION_COUNTER, WRITE_ROLE, resources,
};

/// Routes relative to [`BASE`].
pub fn router() -> Router<AppState> {
    resources().fold(Router::new(), |router, res| router.merge(tmf::router(res)))
}
