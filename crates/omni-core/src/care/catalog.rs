//! The catalog facts care orders need, as plain input: which offering is an
//! add-on or a rate plan, its conflict group, payment types, whether it is
//! on sale, which plans an add-on fits and which plans a plan may be
//! swapped for. Taking them through [`CareCatalog`] keeps validation and
//! `apply` pure; [`CatalogFacts`] builds them from TMF620 offering documents.

use crate::inventory::RatingType;
use crate::time::parse_rfc3339;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// `productOfferingType` of a rate plan.
pub const RATE_PLAN_TYPE: &str = "Mobile_Offer";
/// `productOfferingType` of an add-on feature.
pub const ADDON_TYPE: &str = "Mobile_Addon";

/// What care orders know of one offering.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferingFacts {
    pub id: String,
    pub name: String,
    /// `productOfferingType`, e.g. `Mobile_Addon`, `Mobile_Offer`.
    pub offering_type: String,
    /// Extension `conflictGroup`: a line has at most one live add-on per group.
    pub conflict_group: Option<String>,
    /// `paymentType`, e.g. `["Postpaid"]`; empty means any.
    pub payment_types: Vec<String>,
    /// Lifecycle `Active` or `Launched`, and `isSellable` not false.
    pub sellable: bool,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_to: Option<DateTime<Utc>>,
    /// Targets of `addOnOf` relationships: the plans an add-on fits; empty
    /// means any plan.
    pub add_on_of: Vec<String>,
    /// Targets of `swap` relationships.
    pub swaps_to: Vec<String>,
}

impl OfferingFacts {
    /// The facts of a TMF620 offering document; `None` without an `id`.
    pub fn from_json(doc: &Value) -> Option<Self> {
        let text = |key: &str| doc.get(key).and_then(Value::as_str);
        let id = text("id")?.to_string();
        let lifecycle = text("lifecycleStatus").unwrap_or("In design");
        let related = |kind: &str| -> Vec<String> {
            doc.get("productOfferingRelationship")
                .and_then(Value::as_array)
                .map(|rels| {
                    rels.iter()
                        .filter(|r| {
                            r.get("relationshipType")
                                .and_then(Value::as_str)
                                .is_some_and(|t| t.eq_ignore_ascii_case(kind))
                        })
                        .filter_map(|r| r.get("id").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let instant = |p: &str| {
            doc.pointer(p)
                .and_then(Value::as_str)
                .and_then(parse_rfc3339)
        };
        Some(Self {
            name: text("name").unwrap_or_default().to_string(),
            offering_type: text("productOfferingType").unwrap_or_default().to_string(),
            conflict_group: text("conflictGroup")
                .filter(|g| !g.is_empty())
                .map(str::to_string),
            payment_types: doc
                .get("paymentType")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            sellable: matches!(lifecycle, "Active" | "Launched")
                && doc.get("isSellable") != Some(&Value::Bool(false)),
            valid_from: instant("/validFor/startDateTime"),
            valid_to: instant("/validFor/endDateTime"),
            add_on_of: related("addOnOf"),
            swaps_to: related("swap"),
            id,
        })
    }

    /// Sellable and inside its `validFor` window at `now`.
    pub fn on_sale(&self, now: DateTime<Utc>) -> bool {
        self.sellable
            && self.valid_from.is_none_or(|t| t <= now)
            && self.valid_to.is_none_or(|t| now <= t)
    }

    /// Whether a billing account of `rating` may have it.
    pub fn allows_payment(&self, rating: RatingType) -> bool {
        self.payment_types.is_empty()
            || self
                .payment_types
                .iter()
                .any(|p| p.eq_ignore_ascii_case(rating.payment_type()))
    }

    /// Whether this add-on fits a line on rate plan `plan_offering_id`.
    pub fn fits_plan(&self, plan_offering_id: &str) -> bool {
        self.add_on_of.is_empty() || self.add_on_of.iter().any(|p| p == plan_offering_id)
    }

    /// Whether this add-on and `other` may not both be live on one line:
    /// different offerings of the same conflict group.
    pub fn conflicts_with(&self, other: &OfferingFacts) -> bool {
        self.id != other.id
            && self.conflict_group.is_some()
            && self.conflict_group == other.conflict_group
    }

    pub fn is_addon(&self) -> bool {
        self.offering_type == ADDON_TYPE
    }

    pub fn is_rate_plan(&self) -> bool {
        self.offering_type == RATE_PLAN_TYPE
    }
}

/// Catalog facts by offering id. The lead implements it over the tenant's
/// catalog; [`CatalogFacts`] is the in-memory implementation.
pub trait CareCatalog {
    fn offering(&self, id: &str) -> Option<OfferingFacts>;
}

/// Whether a product of offering `from` may be exchanged for `to`: either
/// offering lists a `swap` relationship to the other (the rule TMF679
/// qualification uses). An offering missing from the catalog swaps only
/// where the target lists it.
pub fn swap_allowed(catalog: &dyn CareCatalog, from: &str, to: &str) -> bool {
    let lists = |a: &str, b: &str| {
        catalog
            .offering(a)
            .is_some_and(|o| o.swaps_to.iter().any(|t| t == b))
    };
    lists(from, to) || lists(to, from)
}

/// An in-memory [`CareCatalog`]: the facts of every offering when they were
/// read in full, shared, and the offerings changed since, kept apart so that
/// a change to a large catalog costs the size of the change
/// ([`Self::with_changes`]).
#[derive(Debug, Clone, Default)]
pub struct CatalogFacts {
    offerings: Arc<HashMap<String, OfferingFacts>>,
    /// Offering id → its facts now, or `None` once removed.
    changed: HashMap<String, Option<OfferingFacts>>,
}

impl CatalogFacts {
    /// The facts of every offering document that has an id.
    pub fn from_offerings(docs: &[Value]) -> Self {
        let mut facts = Self::default();
        for doc in docs {
            if let Some(o) = OfferingFacts::from_json(doc) {
                facts.insert(o);
            }
        }
        facts
    }

    pub fn insert(&mut self, facts: OfferingFacts) {
        self.changed.remove(&facts.id);
        Arc::make_mut(&mut self.offerings).insert(facts.id.clone(), facts);
    }

    /// These facts with the offerings of `docs` replaced: each id with its
    /// current document, or `None` when it was removed.
    pub fn with_changes(&self, docs: Vec<(String, Option<Value>)>) -> Self {
        let mut changed = self.changed.clone();
        for (id, doc) in docs {
            changed.insert(id, doc.as_ref().and_then(OfferingFacts::from_json));
        }
        Self {
            offerings: self.offerings.clone(),
            changed,
        }
    }

    /// Offerings changed since the facts were read in full.
    pub fn changed(&self) -> usize {
        self.changed.len()
    }

    /// Every offering's facts, in no particular order.
    pub fn offerings(&self) -> impl Iterator<Item = &OfferingFacts> {
        let kept = self
            .offerings
            .values()
            .filter(|o| !self.changed.contains_key(&o.id));
        kept.chain(self.changed.values().flatten())
    }

    pub fn len(&self) -> usize {
        self.offerings().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl CareCatalog for CatalogFacts {
    fn offering(&self, id: &str) -> Option<OfferingFacts> {
        match self.changed.get(id) {
            Some(now) => now.clone(),
            None => self.offerings.get(id).cloned(),
        }
    }
}
