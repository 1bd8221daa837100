//! Product Discovery: which offers a customer may buy in a channel, served
//! from an in-memory index of the catalog. The index is built from stored
//! TMF620 documents and never touches a database while answering.

mod cart;
mod index;
mod intern;
mod layers;
mod offering;
mod postings;
mod price;
pub mod pricing;
mod query;
mod search;

pub use cart::CartLine;
pub use index::{CatalogSource, IndexBuilder, Place};
pub use layers::{CatalogChanges, CatalogIndex};
pub use offering::{IndexedOffering, Sections};
pub use pricing::{Price, PriceContext, Pricing, money};
pub use query::{DiscoveryHeaders, DiscoveryRequest, PARAMETERS, parameter_schema};
pub use search::SearchResult;

#[cfg(test)]
mod layer_tests;
#[cfg(test)]
mod tests;
