//! A tenant's discovery index as two layers, so that a catalog change costs
//! the size of the change, not the size of the catalog (issue 17: a
//! million offers, a PATCH visible within a second, no second copy).
//!
//! ```text
//!   base   (built once: start-up, bulk load, a category change, or when
//!           │  the changes grow past a limit; shared, never copied)
//!   │      visible: a bitmap of the base offerings not replaced or removed
//!   delta  (rebuilt from `Pending` at every change: the changed offerings'
//!           current documents, and the prices they name)
//! ```
//!
//! A search asks each layer for its matches in answer order (rank, name,
//! id) and merges the two lists, so the answer is exactly what a full
//! rebuild of the same catalog would give; the test in `tests.rs` checks
//! that for random changes. Positions handed out (`SearchResult::items`)
//! count the base's offerings first, then the delta's.
//!
//! What changed is the caller's business (`omni_app::caches`, which reads
//! the catalog's events); this module only folds documents in.

use super::index::{IndexBuilder, Layer, Place};
use super::offering::{IndexedOffering, key};
use super::postings::{Set, intersect_all};
use super::pricing::Price;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// The documents the delta layer is built from.
#[derive(Debug, Default, Clone)]
struct Pending {
    /// Offering id → its current document, or `None` once removed.
    offerings: BTreeMap<String, Option<Arc<Value>>>,
    /// Price id → current document, for the prices pending offerings name.
    prices: HashMap<String, Arc<Value>>,
}

/// Catalog documents that changed since the index was built.
#[derive(Debug, Default)]
pub struct CatalogChanges {
    /// The catalog version these documents are at.
    pub version: i64,
    /// Offerings to index again: the current document, or `None` when the
    /// offering was removed.
    pub offerings: Vec<(String, Option<Value>)>,
    /// Current documents of the prices those offerings name, and of every
    /// changed price still in the catalog.
    pub prices: Vec<Value>,
    /// Prices removed from the catalog.
    pub removed_prices: Vec<String>,
}

/// How many offerings matched a combination of bitmaps, remembered for the
/// life of one [`CatalogIndex`]. A search's total needs every word of its
/// bitmaps ANDed and counted (at a million offers, five bitmaps of 125 KB,
/// about 20 µs), while its page is usually in the first few words; shoppers
/// ask the same few combinations (channel, category, payment, customer type)
/// page after page. The key is the bitmaps' addresses and lengths, which
/// name them exactly: they belong to the index's layers or to the index
/// itself (the mask of current offerings), none changes and none is freed
/// while the index lives, and a catalog change makes a new index with an
/// empty cache. Sets built per request (a union of several values, a list
/// of ids) have no lasting address and are never remembered.
#[derive(Debug, Default)]
pub(super) struct Counts {
    totals: std::sync::Mutex<HashMap<Box<[usize]>, usize>>,
}

/// Combinations remembered at most; the cache starts afresh when full.
const COUNTS_HELD: usize = 4_096;

impl Counts {
    /// The key of `sets` searched in `layer`, when each is a bitmap that
    /// lives as long as the index.
    pub(super) fn key(layer: &Layer, sets: &[Set<'_>]) -> Option<Box<[usize]>> {
        let mut key = Vec::with_capacity(1 + 2 * sets.len());
        key.push(std::ptr::from_ref(layer) as usize);
        for set in sets {
            match set {
                Set::Bits(std::borrow::Cow::Borrowed(bits)) => {
                    key.extend([bits.as_ptr() as usize, bits.len()]);
                }
                _ => return None,
            }
        }
        Some(key.into_boxed_slice())
    }

    pub(super) fn get(&self, key: &[usize]) -> Option<usize> {
        let totals = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        totals.get(key).copied()
    }

    pub(super) fn put(&self, key: Box<[usize]>, total: usize) {
        let mut totals = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        if totals.len() >= COUNTS_HELD {
            totals.clear();
        }
        totals.insert(key, total);
    }
}

#[derive(Debug, Default)]
pub struct CatalogIndex {
    /// The catalog version the index answers at.
    pub version: i64,
    base: Arc<Layer>,
    /// Base offerings still current; `None` while nothing is replaced.
    visible: Option<Box<[u64]>>,
    delta: Layer,
    pending: Pending,
    places: Arc<HashMap<String, Place>>,
    parents: Arc<HashMap<String, String>>,
    counts: Counts,
}

/// A layer to search, with the mask of its offerings still current and the
/// number its positions start at.
pub(super) struct Part<'a> {
    pub layer: &'a Layer,
    pub visible: Option<&'a [u64]>,
    pub start: u32,
    /// The index's remembered totals.
    pub counts: &'a Counts,
}

impl CatalogIndex {
    pub(super) fn from_base(
        base: Layer,
        places: HashMap<String, Place>,
        parents: HashMap<String, String>,
        version: i64,
    ) -> Self {
        Self {
            version,
            base: Arc::new(base),
            visible: None,
            delta: Layer::default(),
            pending: Pending::default(),
            places: Arc::new(places),
            parents: Arc::new(parents),
            counts: Counts::default(),
        }
    }

    /// Builds an index from documents already in memory.
    pub fn build(source: &super::CatalogSource, now: DateTime<Utc>) -> Self {
        let mut builder = IndexBuilder::new(now);
        builder.add_prices(&source.prices);
        builder.add_categories(&source.categories);
        builder.add_places(&source.places);
        builder.add_offerings(&source.offerings);
        builder.finish(source.version)
    }

    /// Offerings in the index.
    pub fn len(&self) -> usize {
        let hidden = self.visible.as_ref().map_or(0, |v| {
            self.base.len() - v.iter().map(|w| w.count_ones() as usize).sum::<usize>()
        });
        self.base.len() - hidden + self.delta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Offerings changed since the base layer was built (the delta's size,
    /// removals included): the caller rebuilds in full past a limit.
    pub fn changed(&self) -> usize {
        self.pending.offerings.len()
    }

    pub(super) fn parts(&self) -> Vec<Part<'_>> {
        let mut parts = vec![Part {
            layer: &self.base,
            visible: self.visible.as_deref(),
            start: 0,
            counts: &self.counts,
        }];
        if !self.delta.offerings.is_empty() {
            parts.push(Part {
                layer: &self.delta,
                visible: None,
                start: u32::try_from(self.base.len()).unwrap_or(u32::MAX),
                counts: &self.counts,
            });
        }
        parts
    }

    fn base_visible(&self, i: u32) -> bool {
        self.visible.as_ref().is_none_or(|v| {
            v.get(i as usize / 64)
                .is_some_and(|w| w & (1 << (i % 64)) != 0)
        })
    }

    /// The position of offering `id`, if it is in the catalog.
    pub(super) fn locate(&self, id: &str) -> Option<u32> {
        if let Some(j) = self.delta.position(id) {
            return Some(u32::try_from(self.base.len()).unwrap_or(u32::MAX) + j);
        }
        if self.pending.offerings.contains_key(id) {
            return None;
        }
        self.base.position(id).filter(|&i| self.base_visible(i))
    }

    /// The layer holding position `i`, and the offering's place in it.
    pub(super) fn split(&self, i: u32) -> (&Layer, u32) {
        let base = u32::try_from(self.base.len()).unwrap_or(u32::MAX);
        if i < base {
            (&self.base, i)
        } else {
            (&self.delta, i - base)
        }
    }

    /// The offering at position `i` (from a search or [`Self::locate`]).
    pub(super) fn at(&self, i: u32) -> &IndexedOffering {
        let (layer, j) = self.split(i);
        &layer.offerings[j as usize]
    }

    pub(super) fn has_key_at(&self, key: &str, i: u32) -> bool {
        let (layer, j) = self.split(i);
        layer.has_key(key, j)
    }

    /// Sorts positions of both layers into answer order.
    pub(super) fn answer_order(&self, items: &mut [u32]) {
        items.sort_by(|&a, &b| {
            let (a, b) = (self.at(a), self.at(b));
            (a.rank, &a.name, &a.id).cmp(&(b.rank, &b.name, &b.id))
        });
    }

    pub fn offering(&self, id: &str) -> Option<&IndexedOffering> {
        self.locate(id).map(|i| self.at(i))
    }

    /// Offerings filed under category `id` or one of its subcategories, in
    /// answer order (TMF679 items that name a category are answered with
    /// these).
    pub fn offerings_in_category(&self, id: &str) -> Vec<&IndexedOffering> {
        let key = key("category", id);
        let mut found = Vec::new();
        for part in self.parts() {
            let mut lists = vec![part.layer.posting(&key)];
            if let Some(v) = part.visible {
                lists.push(super::postings::Set::Bits(std::borrow::Cow::Borrowed(v)));
            }
            found.extend(intersect_all(lists).into_iter().map(|i| part.start + i));
        }
        self.answer_order(&mut found);
        found.into_iter().map(|i| self.at(i)).collect()
    }

    pub fn place(&self, id: &str) -> Option<&Place> {
        self.places.get(id)
    }

    /// Whether offering `id` is indexed under `field=value`, the keys of
    /// `offering::index_keys` (`channel`, `custtype`, `custsub`, `payment`,
    /// `credit`, `market`, …); the value compares case-insensitively, as in
    /// discovery. False for an unknown offering.
    pub fn offering_has(&self, id: &str, field: &str, value: &str) -> bool {
        self.locate(id)
            .is_some_and(|i| self.has_key_at(&key(field, value), i))
    }

    /// Offerings whose index entry depends on something that changed: those
    /// that name one of `prices`, and bundles holding one of `offerings` or
    /// of those (a bundle's total is its parts' own prices). A price change
    /// costs one pass over the catalog; an offering change, one over the
    /// bundles.
    pub fn dependents(&self, offerings: &[String], prices: &[String]) -> Vec<String> {
        if offerings.is_empty() && prices.is_empty() {
            return Vec::new();
        }
        let prices: HashSet<&str> = prices.iter().map(String::as_str).collect();
        let mut out: Vec<String> = if prices.is_empty() {
            Vec::new()
        } else {
            self.current()
                .filter(|o| o.prices.iter().any(|p| prices.contains(p.id())))
                .map(|o| o.id.to_string())
                .collect()
        };
        let changed: HashSet<&str> = offerings.iter().chain(&out).map(String::as_str).collect();
        let mut bundles = Vec::new();
        for part in self.parts() {
            for &j in &part.layer.bundles {
                let o = &part.layer.offerings[j as usize];
                let current = part.start != 0 || self.base_visible(j);
                if current && o.parts.iter().any(|(id, _)| changed.contains(id.as_str())) {
                    bundles.push(o.id.to_string());
                }
            }
        }
        out.extend(bundles);
        out
    }

    /// Every offering in the catalog, layer by layer.
    fn current(&self) -> impl Iterator<Item = &IndexedOffering> {
        let base = self
            .base
            .offerings
            .iter()
            .enumerate()
            .filter(|(i, _)| self.base_visible(u32::try_from(*i).unwrap_or(u32::MAX)))
            .map(|(_, o)| o);
        base.chain(self.delta.offerings.iter())
    }

    /// The index with `changes` folded in: the base layer is shared, the
    /// delta rebuilt from every offering changed so far. `now` is when
    /// availability is judged, as for a full build.
    pub fn with_changes(&self, changes: CatalogChanges, now: DateTime<Utc>) -> Self {
        let mut pending = self.pending.clone();
        for id in &changes.removed_prices {
            pending.prices.remove(id);
        }
        for price in changes.prices {
            if let Some(id) = price.get("id").and_then(Value::as_str) {
                pending.prices.insert(id.to_string(), Arc::new(price));
            }
        }
        for (id, doc) in changes.offerings {
            pending.offerings.insert(id, doc.map(Arc::new));
        }
        let mut builder = IndexBuilder::with_parents(now, self.parents.as_ref().clone());
        let prices: Vec<Value> = pending
            .prices
            .values()
            .map(|p| p.as_ref().clone())
            .collect();
        builder.add_prices(&prices);
        let docs: Vec<Value> = pending
            .offerings
            .values()
            .flatten()
            .map(|d| d.as_ref().clone())
            .collect();
        builder.add_offerings(&docs);
        // A changed bundle's parts not changed themselves are in the base.
        let outside = |id: &str| -> Option<Vec<Arc<Price>>> {
            if pending.offerings.contains_key(id) {
                return None;
            }
            let i = self.base.position(id)?;
            Some(self.base.offerings[i as usize].prices.to_vec())
        };
        let (delta, _, _) = builder.into_layer(&outside);
        let visible = if pending.offerings.is_empty() {
            None
        } else {
            let n = self.base.len();
            let mut bits = vec![0u64; n.div_ceil(64)];
            for i in 0..n {
                bits[i / 64] |= 1 << (i % 64);
            }
            for id in pending.offerings.keys() {
                if let Some(i) = self.base.position(id) {
                    bits[i as usize / 64] &= !(1 << (i % 64));
                }
            }
            Some(bits.into_boxed_slice())
        };
        Self {
            version: changes.version,
            base: self.base.clone(),
            visible,
            delta,
            pending,
            places: self.places.clone(),
            parents: self.parents.clone(),
            counts: Counts::default(),
        }
    }
}
