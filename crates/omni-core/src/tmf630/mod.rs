//! TM Forum REST conventions (TMF630) for list operations: paging, attribute
//! selection, filtering and sorting over JSON resources.
//!
//! Resources are deep JSON documents, so every operation here works on
//! `serde_json::Value`; the HTTP layer only has to hand over the decoded query
//! pairs. Filtering is pure so that it can be tested without a server.

mod fields;
mod filter;
pub mod index;
mod parse;
pub mod totals;

pub use filter::{Filter, FilterOp};
pub use parse::QueryError;

use serde_json::Value;
use std::cmp::Ordering;

/// Query parameters that are conventions, never attribute filters.
pub const RESERVED: [&str; 4] = ["fields", "offset", "limit", "sort"];

/// A list request decoded from its query string.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub offset: usize,
    /// `None` when the client sent no `limit`; the caller applies its default.
    pub limit: Option<usize>,
    /// Attributes to return (names, dotted paths `a.b.c`, or `none`);
    /// `None` returns whole resources.
    pub fields: Option<Vec<String>>,
    pub sort: Vec<SortKey>,
    pub filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub path: Vec<String>,
    pub descending: bool,
}

/// One page of a filtered list, with the count TMF630 reports as `X-Total-Count`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub total: usize,
    pub items: Vec<Value>,
}

impl ListQuery {
    /// Decodes query pairs. `extra_reserved` names API-specific parameters that
    /// must not be read as filters (for example `channel` on discovery).
    pub fn parse<'a, I>(pairs: I, extra_reserved: &[&str]) -> Result<Self, QueryError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        parse::parse(pairs, extra_reserved)
    }

    /// True when the query needs every candidate in memory (filters or sorting);
    /// false when the store can page by itself.
    pub fn needs_scan(&self) -> bool {
        !self.filters.is_empty() || !self.sort.is_empty()
    }

    pub fn matches(&self, resource: &Value) -> bool {
        self.filters.iter().all(|f| f.matches(resource))
    }

    /// Filters, sorts, pages and projects `resources`; `limit` is the effective
    /// page size after the caller's default and cap.
    pub fn apply(&self, resources: Vec<Value>, limit: usize) -> Page {
        let mut matching: Vec<Value> = resources.into_iter().filter(|r| self.matches(r)).collect();
        if !self.sort.is_empty() {
            matching.sort_by(|a, b| self.compare(a, b));
        }
        let total = matching.len();
        let items = matching
            .into_iter()
            .skip(self.offset)
            .take(limit)
            .map(|r| self.project(r))
            .collect();
        Page { total, items }
    }

    fn compare(&self, a: &Value, b: &Value) -> Ordering {
        for key in &self.sort {
            let ord = compare_values(lookup(a, &key.path), lookup(b, &key.path));
            let ord = if key.descending { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }

    /// Keeps exactly the attributes `fields` selects; the one projection of
    /// every TMF API's answers.
    pub fn project(&self, resource: Value) -> Value {
        match &self.fields {
            Some(fields) => fields::project(fields, resource),
            None => resource,
        }
    }
}

fn lookup<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// Orders two optional JSON values: numbers numerically, everything else by its
/// text; a missing value sorts last.
fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            filter::number_to_decimal(x).cmp(&filter::number_to_decimal(y))
        }
        (Some(x), Some(y)) => text_of(x).cmp(&text_of(y)),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
