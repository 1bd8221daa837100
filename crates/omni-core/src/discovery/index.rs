//! One layer of the in-memory catalog index: offerings in answer order, and
//! for every `field=value` key the sorted list of offerings that carry it. A
//! tenant's index ([`super::CatalogIndex`]) is a large base layer built at
//! start-up and a small layer of the offerings changed since (`layers.rs`).

use super::intern::{FastMap, Interner, TextMap, Texts};
use super::offering::{IndexedOffering, Parsed, body_of, index_keys};
use super::postings::{EMPTY, Posting, Set};
use super::pricing::Price;
use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

/// What the index is built from: stored catalog documents of one tenant.
#[derive(Debug, Default)]
pub struct CatalogSource {
    pub offerings: Vec<Value>,
    pub prices: Vec<Value>,
    pub categories: Vec<Value>,
    pub places: Vec<Value>,
    /// The catalog version these documents are at.
    pub version: i64,
}

/// A service address of the address registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub id: String,
    pub technologies: Vec<String>,
    pub max_download_mbps: u64,
    pub raw: Value,
}

impl Place {
    pub fn from_json(raw: &Value) -> Option<Self> {
        Some(Self {
            id: raw.get("id")?.as_str()?.to_string(),
            technologies: raw
                .get("technologies")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            max_download_mbps: raw
                .get("maxDownloadSpeedMbps")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            raw: raw.clone(),
        })
    }

    /// Whether an offering that needs `technology` at `speed` can be served here.
    pub fn serves(&self, technology: Option<&str>, speed: Option<u64>) -> bool {
        let tech_ok = technology.is_none_or(|t| {
            self.technologies
                .iter()
                .any(|have| have.eq_ignore_ascii_case(t))
        });
        tech_ok && speed.is_none_or(|s| s <= self.max_download_mbps)
    }
}

/// Availability facts of one offering, kept apart and small so that checking
/// thousands of candidates stays in cache.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gate {
    pub sellable: bool,
    pub needs_service_qualification: bool,
    /// Priced per line-count tier: only some line counts can be sold.
    pub line_tiers: bool,
    /// Validity window as Unix milliseconds.
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Default)]
pub(super) struct Layer {
    pub(super) offerings: Vec<IndexedOffering>,
    /// The texts of the offerings' pre-rendered members.
    pub(super) members: Texts,
    /// Offering id → position, looked up through the offerings' own ids
    /// (`position`): a million ids held twice were 50 MB.
    pub(super) by_id: HashTable<u32>,
    pub(super) id_hasher: foldhash::fast::RandomState,
    /// `field=value` key → its number; `postings[number]` lists the offerings.
    pub(super) key_ids: TextMap,
    pub(super) postings: Vec<Posting>,
    /// Per offering, what decides availability without touching the offering.
    pub(super) gates: Vec<Gate>,
    /// Offerings sellable and valid from build time until `stable_until`
    /// (Unix ms), when some offering's validity window opens or closes.
    pub(super) available: Box<[u64]>,
    pub(super) stable_until: i64,
    pub(super) variant_groups: FastMap<String, Vec<u32>>,
    /// Target offering id → offerings whose relationships point at it.
    pub(super) related_to: FastMap<String, Vec<u32>>,
    /// Offerings that bundle others (their totals are their parts' prices).
    pub(super) bundles: Vec<u32>,
}

/// Builds an index piece by piece, so that a large catalog can be read from
/// the database in pages without holding every document at once. Prices and
/// categories must be added before the offerings that use them. Parsing is
/// spread over the machine's cores, which number keys and members as they
/// go (`intern.rs`).
pub struct IndexBuilder {
    now: DateTime<Utc>,
    prices: FastMap<String, Arc<Price>>,
    parents: HashMap<String, String>,
    places: HashMap<String, Place>,
    offerings: Vec<IndexedOffering>,
    offering_keys: Vec<Box<[u32]>>,
    keys: Interner,
    members: Interner,
}

/// Applies `f` to every item on all cores, keeping the items' order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Option<R> + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    if threads == 1 || items.len() < 256 {
        return items.iter().filter_map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().filter_map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

impl IndexBuilder {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self::with_parents(now, HashMap::new())
    }

    /// A builder that files offerings under the ancestors of `parents`
    /// (category id → parent id) without reading the categories again.
    pub(super) fn with_parents(now: DateTime<Utc>, parents: HashMap<String, String>) -> Self {
        Self {
            now,
            prices: FastMap::default(),
            parents,
            places: HashMap::new(),
            offerings: Vec::new(),
            offering_keys: Vec::new(),
            keys: Interner::default(),
            members: Interner::default(),
        }
    }

    pub fn add_prices(&mut self, docs: &[Value]) {
        for p in parallel(docs, Price::from_json) {
            self.prices.insert(p.id().to_string(), Arc::new(p));
        }
    }

    /// Prices as stored JSON text.
    pub fn add_price_texts(&mut self, texts: &[String]) {
        let parsed = parallel(texts, |t| Price::from_text(t));
        for p in parsed {
            self.prices.insert(p.id().to_string(), Arc::new(p));
        }
    }

    pub fn add_categories(&mut self, docs: &[Value]) {
        for c in docs {
            if let (Some(id), Some(parent)) = (
                c.get("id").and_then(Value::as_str),
                c.get("parentId").and_then(Value::as_str),
            ) {
                self.parents.insert(id.to_string(), parent.to_string());
            }
        }
    }

    pub fn add_places(&mut self, docs: &[Value]) {
        for p in docs.iter().filter_map(Place::from_json) {
            self.places.insert(p.id.clone(), p);
        }
    }

    pub fn add_offerings(&mut self, docs: &[Value]) {
        let (prices, parents, now) = (&self.prices, &self.parents, self.now);
        let (keys, members) = (&self.keys, &self.members);
        let built = parallel(docs, |doc| {
            let mut o = IndexedOffering::from_document(doc, prices, now)?;
            o.set_body(body_of(doc, members));
            Some((o, key_ids(doc, parents, keys)))
        });
        self.push(built);
    }

    /// Offerings as stored JSON text.
    pub fn add_offering_texts(&mut self, texts: &[String]) {
        let (prices, parents, now) = (&self.prices, &self.parents, self.now);
        let (keys, members) = (&self.keys, &self.members);
        let built = parallel(texts, |text| {
            let parsed = Parsed::from_text(text)?;
            let mut o = IndexedOffering::from_document(&parsed.doc, prices, now)?;
            o.set_body(parsed.body(members));
            Some((o, key_ids(&parsed.doc, parents, keys)))
        });
        self.push(built);
    }

    fn push(&mut self, built: Vec<(IndexedOffering, Box<[u32]>)>) {
        self.offerings.reserve(built.len());
        self.offering_keys.reserve(built.len());
        for (o, keys) in built {
            self.offerings.push(o);
            self.offering_keys.push(keys);
        }
    }

    /// The whole catalog's index, at catalog `version`.
    pub fn finish(self, version: i64) -> super::CatalogIndex {
        let (layer, places, parents) = self.into_layer(&|_| None);
        super::CatalogIndex::from_base(layer, places, parents, version)
    }

    /// The layer of the offerings added so far, with what it was built
    /// from. `outside` gives the prices of an offering that is not in this
    /// layer (a changed bundle's parts may be in the base layer).
    pub(super) fn into_layer(
        self,
        outside: &dyn Fn(&str) -> Option<Vec<Arc<Price>>>,
    ) -> (Layer, HashMap<String, Place>, HashMap<String, String>) {
        let Self {
            now,
            parents,
            places,
            offerings,
            offering_keys,
            keys,
            members,
            ..
        } = self;
        let key_count = keys.len();
        // The interned texts are gathered on two other threads while this
        // one sorts (at a million offers the whole layout still took 3.7 s
        // against 3.8 s before: the sort and the loop below dominate).
        let (key_ids, members, order) = std::thread::scope(|scope| {
            let key_ids = scope.spawn(move || keys.into_map());
            let members = scope.spawn(move || members.into_table());
            // Answer order: best value rank first, then by name, then id.
            let mut order: Vec<usize> = (0..offerings.len()).collect();
            order.sort_unstable_by(|&a, &b| {
                let (a, b) = (&offerings[a], &offerings[b]);
                (a.rank, &a.name, &a.id).cmp(&(b.rank, &b.name, &b.id))
            });
            (joined(key_ids), joined(members), order)
        });
        let postings = KeyPositions::new(&order, &offering_keys, key_count);
        let mut slots: Vec<Option<IndexedOffering>> = offerings.into_iter().map(Some).collect();
        let mut index = Layer {
            key_ids,
            members,
            ..Layer::default()
        };
        let mut offerings = Vec::with_capacity(order.len());
        for (position, &old) in order.iter().enumerate() {
            let Some(o) = slots[old].take() else { continue };
            let i = u32::try_from(position).unwrap_or(u32::MAX);
            if let Some(g) = &o.variant_group {
                index
                    .variant_groups
                    .entry(g.to_string())
                    .or_default()
                    .push(i);
            }
            for r in &o.relationships {
                index
                    .related_to
                    .entry(r.target.clone())
                    .or_default()
                    .push(i);
            }
            offerings.push(o);
        }
        index.by_id = HashTable::with_capacity(offerings.len());
        for (i, o) in offerings.iter().enumerate() {
            let hasher = &index.id_hasher;
            index
                .by_id
                .insert_unique(hasher.hash_one(&*o.id), i as u32, |&j| {
                    hasher.hash_one(&*offerings[j as usize].id)
                });
        }
        let position = |id: &str| {
            index
                .by_id
                .find(index.id_hasher.hash_one(id), |&j| {
                    &*offerings[j as usize].id == id
                })
                .copied()
        };
        // A bundle has no prices of its own: its total is the sum of the
        // prices of its default parts (a part counted as often as it is in).
        let bundles: Vec<(usize, Vec<Arc<Price>>)> = offerings
            .iter()
            .enumerate()
            .filter(|(_, o)| !o.parts.is_empty())
            .map(|(i, o)| {
                let prices = o
                    .parts
                    .iter()
                    .filter_map(|(id, n)| {
                        let prices = match position(id) {
                            Some(p) => offerings[p as usize].prices.to_vec(),
                            None => outside(id)?,
                        };
                        Some((prices, *n))
                    })
                    .flat_map(|(prices, n)| std::iter::repeat_n(prices, n as usize).flatten())
                    .collect();
                (i, prices)
            })
            .collect();
        for (i, prices) in bundles {
            offerings[i].set_part_prices(prices);
            index.bundles.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        let universe = offerings.len();
        index.postings = postings
            .of()
            .map(|ids| Posting::new(ids.to_vec(), universe))
            .collect();
        drop(postings);
        index.gates = offerings
            .iter()
            .map(|o| Gate {
                sellable: o.sellable,
                needs_service_qualification: o.requires_service_qualification,
                line_tiers: o.has_line_tiers(),
                from: o.valid_from.map_or(i64::MIN, |t| t.timestamp_millis()),
                to: o.valid_to.map_or(i64::MAX, |t| t.timestamp_millis()),
            })
            .collect();
        let built = now.timestamp_millis();
        let mut available = vec![0u64; universe.div_ceil(64)];
        for (i, g) in index.gates.iter().enumerate() {
            // The bitmap answers one-line requests only (see `search`).
            let one_line = !g.line_tiers || offerings[i].sells_lines(1);
            if g.sellable && g.from <= built && built <= g.to && one_line {
                available[i / 64] |= 1 << (i % 64);
            }
        }
        index.available = available.into_boxed_slice();
        index.stable_until = index
            .gates
            .iter()
            .flat_map(|g| [g.from, g.to.saturating_add(1)])
            .filter(|&t| t > built)
            .min()
            .unwrap_or(i64::MAX);
        index.offerings = offerings;
        (index, places, parents)
    }
}

/// What a scoped thread returned; its panic goes on in the caller.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// For every key, the positions (in answer `order`) of the offerings found
/// under it, ascending: key `k`'s are `ids[starts[k]..starts[k + 1]]`.
/// Counted first and laid out in one buffer, so that a million offerings'
/// keys are not pushed onto a million growing lists.
struct KeyPositions {
    ids: Vec<u32>,
    starts: Vec<usize>,
}

impl KeyPositions {
    fn new(order: &[usize], keys: &[Box<[u32]>], key_count: usize) -> Self {
        let mut starts = vec![0usize; key_count + 1];
        for k in keys.iter().flat_map(|ks| ks.iter()) {
            starts[*k as usize + 1] += 1;
        }
        for k in 0..key_count {
            starts[k + 1] += starts[k];
        }
        let mut next = starts.clone();
        let mut ids = vec![0u32; starts[key_count]];
        for (position, &old) in order.iter().enumerate() {
            let i = u32::try_from(position).unwrap_or(u32::MAX);
            for &k in keys[old].iter() {
                ids[next[k as usize]] = i;
                next[k as usize] += 1;
            }
        }
        Self { ids, starts }
    }

    fn of(&self) -> impl Iterator<Item = &[u32]> {
        self.starts.windows(2).map(|w| &self.ids[w[0]..w[1]])
    }
}

/// The numbers of the keys `doc` is found under, in order.
fn key_ids(doc: &Value, parents: &HashMap<String, String>, keys: &Interner) -> Box<[u32]> {
    let mut ids: Vec<u32> = Vec::with_capacity(32);
    index_keys(doc, parents, &mut |k| ids.push(keys.id(k)));
    ids.sort_unstable();
    ids.dedup();
    ids.into_boxed_slice()
}

impl Layer {
    pub(super) fn len(&self) -> usize {
        self.offerings.len()
    }

    /// The position of offering `id` in this layer.
    pub(super) fn position(&self, id: &str) -> Option<u32> {
        self.by_id
            .find(self.id_hasher.hash_one(id), |&i| {
                self.offerings.get(i as usize).is_some_and(|o| &*o.id == id)
            })
            .copied()
    }

    pub(super) fn posting(&self, key: &str) -> Set<'_> {
        self.key_ids
            .get(key)
            .and_then(|k| self.postings.get(k as usize))
            .map_or(EMPTY, Posting::as_set)
    }

    pub(super) fn has_key(&self, key: &str, i: u32) -> bool {
        self.key_ids
            .get(key)
            .and_then(|k| self.postings.get(k as usize))
            .is_some_and(|p| p.contains(i))
    }
}
