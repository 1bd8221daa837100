//! The layered index answers exactly as a full rebuild of the same catalog:
//! random catalogs, random changes folded in as `omni_app::caches` folds
//! them (the changed offerings, their dependents, the prices they name),
//! then every kind of request compared with an index built from scratch.

use super::*;
use crate::time::parse_rfc3339;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn now() -> chrono::DateTime<chrono::Utc> {
    parse_rfc3339("2026-06-01T00:00:00Z").expect("valid")
}

/// One offering's random traits; `n` offerings exist, named `o0…`.
#[derive(Debug, Clone)]
struct Shape {
    rank: i64,
    name: u8,
    channels: u8,
    category: u8,
    group: u8,
    sellable: bool,
    window: u8,
    prices: u8,
    part: Option<u8>,
    addon_of: Option<u8>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        0i64..4,
        0u8..3,
        1u8..4,
        0u8..3,
        0u8..3,
        prop::bool::weighted(0.85),
        0u8..4,
        0u8..8,
        prop::option::weighted(0.2, 0u8..12),
        prop::option::weighted(0.2, 0u8..12),
    )
        .prop_map(
            |(rank, name, channels, category, group, sellable, window, prices, part, addon_of)| {
                Shape {
                    rank,
                    name,
                    channels,
                    category,
                    group,
                    sellable,
                    window,
                    prices,
                    part,
                    addon_of,
                }
            },
        )
}

fn offering(id: &str, s: &Shape) -> Value {
    let mut channels = Vec::new();
    if s.channels & 1 != 0 {
        channels.push(json!({"id": "ECOMM"}));
    }
    if s.channels & 2 != 0 {
        channels.push(json!({"id": "SelfService"}));
    }
    let category = ["Mobile_Devices", "Mobile_Offers", "Mobile_Addons"][s.category as usize];
    let prices: Vec<Value> = (0..3)
        .filter(|b| s.prices & (1 << b) != 0)
        .map(|b| json!({"id": format!("p{b}")}))
        .collect();
    let mut doc = json!({
        "id": id, "name": format!("Offer {}", s.name), "valueRank": s.rank,
        "lifecycleStatus": if s.sellable { "Active" } else { "Retired" },
        "productOfferingType": "Mobile_Device", "category": [{"id": category}],
        "channel": channels, "paymentType": ["Postpaid"], "productOfferingPrice": prices,
    });
    let map = doc.as_object_mut().expect("an object");
    if s.group > 0 {
        map.insert(
            "variantGroup".into(),
            json!({"id": format!("g{}", s.group)}),
        );
    }
    match s.window {
        1 => map.insert(
            "validFor".into(),
            json!({"startDateTime": "2030-01-01T00:00:00Z"}),
        ),
        2 => map.insert(
            "validFor".into(),
            json!({"endDateTime": "2020-01-01T00:00:00Z"}),
        ),
        _ => None,
    };
    if let Some(p) = s.part {
        map.insert(
            "bundledProductOffering".into(),
            json!([{"id": format!("o{p}")}]),
        );
    }
    if let Some(t) = s.addon_of {
        map.insert(
            "productOfferingRelationship".into(),
            json!([{"id": format!("o{t}"), "relationshipType": "addOnOf", "role": "addon"}]),
        );
    }
    doc
}

fn price(id: &str, value: u32) -> Value {
    json!({"id": id, "name": id, "priceType": "recurring", "recurringChargePeriodType": "month",
           "price": {"unit": "USD", "value": format!("{value}.99")}})
}

/// A change to the catalog: offering `o<n>` gets a new shape or is
/// removed; price `p<n>` gets a new amount or is removed.
#[derive(Debug, Clone)]
enum Change {
    Offering(u8, Option<Shape>),
    Price(u8, Option<u32>),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => (0u8..14, prop::option::weighted(0.8, shape())).prop_map(|(n, s)| Change::Offering(n, s)),
        1 => (0u8..3, prop::option::weighted(0.8, 1u32..50)).prop_map(|(n, v)| Change::Price(n, v)),
    ]
}

#[derive(Debug, Clone, Default)]
struct Catalog {
    offerings: BTreeMap<String, Value>,
    prices: BTreeMap<String, Value>,
}

impl Catalog {
    fn index(&self, version: i64) -> CatalogIndex {
        CatalogIndex::build(
            &CatalogSource {
                offerings: self.offerings.values().cloned().collect(),
                prices: self.prices.values().cloned().collect(),
                categories: vec![json!({"id": "Mobile_Addons", "parentId": "Mobile_Offers"})],
                version,
                ..CatalogSource::default()
            },
            now(),
        )
    }

    /// What the cache reads for a batch of changes, as `omni_app` does.
    fn changes(&self, index: &CatalogIndex, batch: &[Change], version: i64) -> CatalogChanges {
        let mut offerings: Vec<String> = Vec::new();
        let mut prices: Vec<String> = Vec::new();
        for c in batch {
            match c {
                Change::Offering(n, _) => offerings.push(format!("o{n}")),
                Change::Price(n, _) => prices.push(format!("p{n}")),
            }
        }
        offerings.extend(index.dependents(&offerings, &prices));
        offerings.sort();
        offerings.dedup();
        let docs: Vec<(String, Option<Value>)> = offerings
            .iter()
            .map(|id| (id.clone(), self.offerings.get(id).cloned()))
            .collect();
        let mut named: Vec<String> = prices.clone();
        for (_, doc) in &docs {
            if let Some(Value::Array(refs)) =
                doc.as_ref().and_then(|d| d.get("productOfferingPrice"))
            {
                named.extend(
                    refs.iter()
                        .filter_map(|r| r.get("id")?.as_str().map(str::to_string)),
                );
            }
        }
        named.sort();
        named.dedup();
        CatalogChanges {
            version,
            offerings: docs,
            prices: named
                .iter()
                .filter_map(|id| self.prices.get(id).cloned())
                .collect(),
            removed_prices: prices
                .into_iter()
                .filter(|id| !self.prices.contains_key(id))
                .collect(),
        }
    }

    fn apply(&mut self, c: &Change) {
        match c {
            Change::Offering(n, Some(s)) => {
                let id = format!("o{n}");
                self.offerings.insert(id.clone(), offering(&id, s));
            }
            Change::Offering(n, None) => {
                self.offerings.remove(&format!("o{n}"));
            }
            Change::Price(n, Some(v)) => {
                let id = format!("p{n}");
                self.prices.insert(id.clone(), price(&id, *v));
            }
            Change::Price(n, None) => {
                self.prices.remove(&format!("p{n}"));
            }
        }
    }
}

const REQUESTS: [&[(&str, &str)]; 9] = [
    &[("channel", "ECOMM")],
    &[("channel", "SelfService"), ("limit", "3"), ("offset", "1")],
    &[("channel", "ECOMM"), ("categoryName", "Mobile_Offers")],
    &[("channel", "ECOMM"), ("allVariants", "true")],
    &[
        ("channel", "ECOMM"),
        ("allVariants", "true"),
        ("limit", "2"),
        ("offset", "1"),
    ],
    &[("channel", "ECOMM"), ("relatedProductOfferingId", "o1")],
    &[
        ("channel", "ECOMM"),
        ("relatedProductOfferingId", "o3"),
        ("relationType", "addOnOf"),
    ],
    &[("channel", "ECOMM"), ("deviceCount", "2")],
    &[("channel", "ECOMM"), ("ids", "o0,o5,o13,o2")],
];

/// Everything a caller can see of an index: each request's rendered answer
/// and count, category listings, and each offering's facts.
fn answers(index: &CatalogIndex) -> Vec<String> {
    let headers = DiscoveryHeaders {
        client_id: Some("MyATT-MAS".into()),
        app_name: Some("onlineservices".into()),
        context: Vec::new(),
    };
    let mut out = Vec::new();
    for pairs in REQUESTS {
        let mut all: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in [("limit", "50"), ("offset", "0")] {
            if !pairs.iter().any(|(have, _)| *have == k)
                && !pairs.iter().any(|(have, _)| *have == "ids")
            {
                all.push((k.into(), v.into()));
            }
        }
        let req = DiscoveryRequest::parse(&all, &headers).expect("valid request");
        let (items, total) = if req.ids.is_empty() {
            let r = index.search(&req, now()).expect("search");
            (r.items, r.total)
        } else {
            let r = index.lookup(&req, now()).expect("lookup");
            let n = r.len();
            (r, n)
        };
        let body = index.render(&items, &req, "http://h", now(), !req.ids.is_empty());
        out.push(format!("{pairs:?} total {total}: {body}"));
    }
    for category in ["Mobile_Devices", "Mobile_Offers", "Mobile_Addons"] {
        let ids: Vec<&str> = index
            .offerings_in_category(category)
            .iter()
            .map(|o| &*o.id)
            .collect();
        out.push(format!("{category}: {ids:?}"));
    }
    for n in 0..14 {
        let id = format!("o{n}");
        out.push(format!(
            "{id}: {:?} {}",
            index
                .offering(&id)
                .map(|o| (&o.name, o.prices.len(), o.part_prices.len())),
            index.offering_has(&id, "channel", "selfservice")
        ));
    }
    out.push(format!("len {}", index.len()));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn layers_answer_as_a_full_rebuild(
        shapes in prop::collection::vec(shape(), 0..12),
        amounts in prop::collection::vec(1u32..50, 3),
        batches in prop::collection::vec(prop::collection::vec(change(), 1..5), 1..4),
    ) {
        let mut catalog = Catalog::default();
        for (n, s) in shapes.iter().enumerate() {
            let id = format!("o{n}");
            catalog.offerings.insert(id.clone(), offering(&id, s));
        }
        for (n, v) in amounts.iter().enumerate() {
            let id = format!("p{n}");
            catalog.prices.insert(id.clone(), price(&id, *v));
        }
        let mut index = catalog.index(1);
        for (b, batch) in batches.iter().enumerate() {
            for c in batch {
                catalog.apply(c);
            }
            let version = 2 + b as i64;
            index = index.with_changes(catalog.changes(&index, batch, version), now());
            let rebuilt = catalog.index(version);
            prop_assert_eq!(index.version, version);
            prop_assert_eq!(answers(&index), answers(&rebuilt));
        }
    }
}
