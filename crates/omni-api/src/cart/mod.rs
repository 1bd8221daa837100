//! TMF663 Shopping Cart: `/tmf-api/shoppingCart/v4/shoppingCart`. The
//! handlers extract the caller, the `channelId` header, the body and
//! `If-Match`, call the use cases of `omni_app::cart` (which validate, price
//! and apply promotions) and render the cart with its `Location` and `ETag`.

mod handlers;
pub mod openapi;

pub use handlers::router;
pub use omni_app::cart::{BASE, KIND, PATH};
