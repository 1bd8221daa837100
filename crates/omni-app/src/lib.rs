//! Omni's application layer: the use cases of every API family and the
//! workers that finish their work in the background. It knows nothing of
//! HTTP. A request flows one way:
//!
//! ```text
//! omni-api handler      extract (path, query, body, token → Principal), call, render
//!   └─ omni-app use case   authorize, read what the rules need (repositories,
//!        │                  caches), decide with the pure domain, write once
//!        ├─ omni-core        the rules themselves: no I/O, no clock
//!        └─ repo / Store     one transaction: state + events + jobs
//! ```
//!
//! Every use case takes a [`Context`] (store, caches, clock, settings) and
//! the caller's [`omni_core::Principal`], and answers a typed result or an
//! [`AppError`]; `omni-api` maps errors to both wire shapes in one place.
//! Workers ([`workers`]) run on the same context, on one job runner
//! ([`jobs`]): lease, backoff, a maximum number of attempts, then a
//! terminal `failed` state operators can see and retry.

pub mod caches;
pub mod care;
pub mod cart;
pub mod catalog;
pub mod clock;
pub mod context;
pub mod customers;
pub mod discovery;
pub mod error;
pub mod event_stream;
pub mod events;
pub mod idempotency;
pub mod inventory;
pub mod jobs;
pub mod limits;
pub mod operations;
pub mod order;
pub mod product_inventory;
pub mod product_order;
pub mod promotion;
pub mod qualification;
pub mod repo;
pub mod request;
pub mod rules;
pub mod secrets;
pub mod tmf;
pub mod webhook;
pub mod workers;

pub use context::{AppConfig, Context};
pub use error::{AppError, AppResult};
