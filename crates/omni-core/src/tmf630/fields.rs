//! Attribute selection (`fields`, TMF630 Part 1): the one projection every
//! TMF API answers through, lists and single reads alike.
//!
//! A name selects a first-level attribute whole; a dotted path
//! (`productOfferingQualificationItem.state`) selects inside it, applied to
//! every element when the attribute is an array; `none` selects the
//! resource's `id` and `href` only ("fields=none", TMF630 Part 1).

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a selection keeps of one attribute.
#[derive(Debug, Default)]
enum Pick {
    /// The attribute as it is.
    #[default]
    Whole,
    /// Only the named attributes inside it.
    Inside(BTreeMap<String, Pick>),
}

/// The resource with only the attributes `fields` names, in the resource's
/// own order; attributes it lacks are simply absent.
pub(super) fn project(fields: &[String], resource: Value) -> Value {
    let mut picks = BTreeMap::new();
    for field in fields {
        if field == "none" {
            picks.insert("id".to_string(), Pick::Whole);
            picks.insert("href".to_string(), Pick::Whole);
            continue;
        }
        add(&mut picks, &field.split('.').collect::<Vec<_>>());
    }
    keep(resource, &picks).unwrap_or(Value::Object(Map::new()))
}

fn add(picks: &mut BTreeMap<String, Pick>, path: &[&str]) {
    match path {
        [] => {}
        // A whole attribute wins over any part of it named elsewhere.
        [name] => {
            picks.insert((*name).to_string(), Pick::Whole);
        }
        [name, rest @ ..] => {
            let pick = picks
                .entry((*name).to_string())
                .or_insert_with(|| Pick::Inside(BTreeMap::new()));
            if let Pick::Inside(inner) = pick {
                add(inner, rest);
            }
        }
    }
}

/// `None` when a path goes on into a value that has no attributes (a text,
/// a number): that path selects nothing.
fn keep(value: Value, picks: &BTreeMap<String, Pick>) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (name, v) in map {
                let kept = match picks.get(&name) {
                    None => None,
                    Some(Pick::Whole) => Some(v),
                    Some(Pick::Inside(inner)) => keep(v, inner),
                };
                if let Some(v) = kept {
                    out.insert(name, v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(|i| keep(i, picks)).collect(),
        )),
        _ => None,
    }
}
