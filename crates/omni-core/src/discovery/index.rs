//! The in-memory catalog index: offerings in answer order, and for every
//! `field=value` key the sorted list of offerings that carry it.

use super::offering::IndexedOffering;
use super::pricing::Price;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

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

#[derive(Debug, Default)]
pub struct CatalogIndex {
    pub version: i64,
    pub(super) offerings: Vec<IndexedOffering>,
    pub(super) by_id: HashMap<String, u32>,
    pub(super) postings: HashMap<String, Vec<u32>>,
    pub(super) variant_groups: HashMap<String, Vec<u32>>,
    /// Target offering id → offerings whose relationships point at it.
    pub(super) related_to: HashMap<String, Vec<u32>>,
    pub(super) places: HashMap<String, Place>,
}

impl CatalogIndex {
    pub fn build(source: &CatalogSource, now: DateTime<Utc>) -> Self {
        let prices: HashMap<String, Price> = source
            .prices
            .iter()
            .filter_map(Price::from_json)
            .map(|p| (p.id.clone(), p))
            .collect();
        let parents: HashMap<String, String> = source
            .categories
            .iter()
            .filter_map(|c| {
                let id = c.get("id")?.as_str()?;
                let parent = c.get("parentId")?.as_str()?;
                Some((id.to_string(), parent.to_string()))
            })
            .collect();
        let mut offerings: Vec<IndexedOffering> = source
            .offerings
            .iter()
            .filter_map(|doc| IndexedOffering::from_document(doc, &prices, &parents, now))
            .collect();
        // Answer order: best value rank first, then by name, then id.
        offerings.sort_by(|a, b| (a.rank, &a.name, &a.id).cmp(&(b.rank, &b.name, &b.id)));

        let mut index = Self {
            version: source.version,
            places: source
                .places
                .iter()
                .filter_map(Place::from_json)
                .map(|p| (p.id.clone(), p))
                .collect(),
            ..Self::default()
        };
        for (i, o) in offerings.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            index.by_id.insert(o.id.clone(), i);
            for k in &o.keys {
                index.postings.entry(k.clone()).or_default().push(i);
            }
            if let Some(g) = &o.variant_group {
                index.variant_groups.entry(g.clone()).or_default().push(i);
            }
            for r in &o.relationships {
                index
                    .related_to
                    .entry(r.target.clone())
                    .or_default()
                    .push(i);
            }
        }
        index.offerings = offerings;
        index
    }

    pub fn len(&self) -> usize {
        self.offerings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offerings.is_empty()
    }

    pub fn offering(&self, id: &str) -> Option<&IndexedOffering> {
        self.by_id.get(id).map(|&i| &self.offerings[i as usize])
    }

    pub fn place(&self, id: &str) -> Option<&Place> {
        self.places.get(id)
    }

    pub(super) fn posting(&self, key: &str) -> &[u32] {
        self.postings.get(key).map_or(&[], Vec::as_slice)
    }
}
