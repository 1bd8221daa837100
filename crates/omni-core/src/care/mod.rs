//! Business care orders (`POST /orderingMobility/v1/careOrder`): changes to
//! existing lines. [`validate`] checks a whole request against the
//! inventory ([`InventoryLookup`]) and the catalog ([`CareCatalog`]) and
//! returns a [`CareOrder`] or every broken rule by path.

mod catalog;
mod checks;
mod decode;
mod effective;
mod formats;
mod lookup;
mod reader;
mod reasons;
mod request;
mod validate;

#[cfg(test)]
mod tests;

pub use catalog::{
    ADDON_TYPE, CareCatalog, CatalogFacts, OfferingFacts, RATE_PLAN_TYPE, swap_allowed,
};
pub use effective::{
    BadEffectiveDate, EffectiveSpec, next_bill_cycle, parse_date, resolve_effective,
};
pub use formats::*;
pub use lookup::{InventoryLookup, LineFacts};
pub use reasons::{CancelServiceReason, CancellationReason, ResumeReason, SuspendReason};
pub use request::*;
pub use validate::{MAX_CHANGE_REQUESTS, validate};
