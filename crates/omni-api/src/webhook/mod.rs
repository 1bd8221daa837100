//! Event delivery over HTTP: the TM Forum hubs (`{api}/hub`, [`hub`]) and
//! operators' delivery admin (`/admin/v1/eventSubscription`,
//! `/admin/v1/deadLetter`, [`admin`]); the care family's notification
//! subscriptions are routed with the family (`crate::care::notify`).
//! Handlers extract, call `omni_app::webhook`, and render; registration,
//! delivery, signing and dead letters are all there.

pub mod admin;
pub mod hub;
pub mod openapi;

pub use omni_app::webhook::WebhookConfig;
