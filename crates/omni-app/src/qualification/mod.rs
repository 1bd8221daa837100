//! TMF679 Product Offering Qualification and TMF645 Service Qualification:
//! may this customer buy these offerings, can these addresses be served?
//!
//! A question is answered at once (`state: done`) and the answer is stored
//! so that it can be read again:
//!
//! ```text
//! poq::create / sq::create          (POST on the collection)
//!   ├─ access::may_ask               who may ask
//!   ├─ question::read                the request document: typed view,
//!   │    └─ shape::check              documented schema (schema.rs),
//!   │                                 nulls dropped
//!   ├─ poq/body.rs, sq/body.rs       the rules of each question
//!   ├─ evaluate                      the tenant's catalog index
//!   │                                 (ctx.caches.catalog) with the pure
//!   │                                 engines omni_core::eligibility (the
//!   │                                 one carts use) and
//!   │                                 omni_core::service_qualification
//!   └─ answers::save                 one document + its create event
//! answers::list / answers::get      (GET), scoped by access::read_scope
//! ```
//!
//! Who may call, following the shopping-cart page ("user, m2m, customer,
//! unauthenticated"; role `sc.ops`), since carts ask these questions:
//! - asking: prospects without a token and `customer` tokens may ask for
//!   themselves; `user` and `m2m` tokens need `sc.ops`.
//! - reading: answers can hold a customer's situation (credit class,
//!   products held), so reading needs an identity. `user`/`m2m` with
//!   `sc.ops` or `sc.view` read every answer of their tenant; a `customer`
//!   reads only the answers it asked for (others do not exist for it).
//!
//! No request crosses tenants: the catalog, the address registry and the
//! stored answers are the caller's tenant's.
//!
//! Answers stay [`omni_store::Document`]s rather than typed records: they
//! are the client's TMF request as sent, with the results written in.

pub mod access;
pub mod answers;
pub mod poq;
mod question;
pub mod schema;
mod shape;
pub mod sq;

pub use access::{OPS_ROLE, VIEW_ROLE};

use omni_store::Document;
use serde_json::Value;

pub const POQ_BASE: &str = "/tmf-api/productOfferingQualification/v4";
pub const SQ_BASE: &str = "/tmf-api/serviceQualificationManagement/v4";
/// The `state` of every answer and item: qualification is synchronous.
const DONE: &str = "done";
/// Most items one request may qualify.
pub const MAX_ITEMS: usize = 1000;

/// One stored kind of answer.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub base: &'static str,
    /// Stored kind and path segment, e.g. `productOfferingQualification`.
    pub kind: &'static str,
    /// `@type`, and the prefix of schema and event names.
    pub type_name: &'static str,
    /// Event domain.
    pub domain: &'static str,
}

pub const POQ: Kind = Kind {
    base: POQ_BASE,
    kind: "productOfferingQualification",
    type_name: "ProductOfferingQualification",
    domain: "productOfferingQualification",
};

pub const SQ: Kind = Kind {
    base: SQ_BASE,
    kind: "checkServiceQualification",
    type_name: "CheckServiceQualification",
    domain: "serviceQualificationManagement",
};

impl Kind {
    /// Path of the collection, e.g. `…/v4/productOfferingQualification`.
    pub fn collection(&self) -> String {
        format!("{}/{}", self.base, self.kind)
    }

    pub fn href(&self, public_url: &str, id: &str) -> String {
        format!("{public_url}{}/{}/{id}", self.base, self.kind)
    }

    /// The answer as clients see it: `id` and `href` first, then the body.
    pub fn render(&self, public_url: &str, doc: &Document) -> Value {
        crate::tmf::with_id_and_href(doc, self.href(public_url, &doc.id))
    }
}

#[cfg(test)]
mod tests;
