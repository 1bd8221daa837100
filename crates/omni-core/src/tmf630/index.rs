//! Search keys: the attributes TMF630 lists filter and sort on, kept beside
//! each document so that the database answers a filtered, sorted page
//! without reading every document of the kind.
//!
//! The flow:
//! 1. [`INDEXED`] names, per stored kind, the attributes lists may filter on
//!    (dotted paths, arrays searched element by element as [`super::Filter`]
//!    does) and those they may sort on. It is the one table of them.
//! 2. On every write, the store asks [`keys`] for the document's keys and
//!    replaces its rows in the `document_keys` table in the same transaction.
//! 3. A list asks [`plan`] to turn its filters and sort into [`KeyFilter`]s and
//!    [`KeySort`]s; the store runs them as SQL. What [`plan`] cannot express
//!    exactly (an attribute not in the table, a range on a number) stays with
//!    the in-memory [`super::ListQuery::apply`].
//!
//! A key's value is text whose first two characters say how the in-memory
//! filter compares it, so that plain SQL text comparison (bytewise: SQLite's
//! default, `COLLATE "C"` on PostgreSQL) gives the same answers:
//!
//! | prefix | leaf | compared as |
//! |---|---|---|
//! | `s:` | a string that is neither an instant nor a decimal | text |
//! | `r:` | a string that is an instant, as written | text, against a value that is not an instant |
//! | `i:` | the same instant in UTC, nanoseconds, fixed width | instant, against an instant |
//! | `d:` | a string that is a decimal, as written | text, against a value that is not a decimal |
//! | `n:` | a decimal string or a JSON number, normalised | equality with a decimal value |
//! | `o:` | a sort value (the attribute's text, not searched through arrays) | text |

use super::filter::{Filter, FilterOp, collect_leaves, number_to_decimal, parse_instant};
use super::{ListQuery, text_of};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// The attributes lists filter and sort on, per stored kind.
#[derive(Debug, Clone, Copy)]
pub struct IndexedKind {
    pub kind: &'static str,
    /// Dotted paths filters may use in SQL.
    pub filters: &'static [&'static str],
    /// Paths lists may sort on in SQL: attributes holding one string (dates
    /// as the server writes them, states), never inside an array.
    pub sorts: &'static [&'static str],
    /// Filters answered from running totals ([`super::totals`]): attributes
    /// of one value per document and few distinct values (states, types),
    /// whose matches are too many to count per request.
    pub counted: &'static [&'static str],
}

/// Bumped whenever [`INDEXED`] or the key encoding changes: a store that
/// finds keys of another version rebuilds them all at start-up.
pub const INDEX_VERSION: i64 = 2;

/// The kinds that grow without bound, and what their lists ask for.
pub const INDEXED: &[IndexedKind] = &[
    IndexedKind {
        kind: "shoppingCart",
        filters: &[
            "relatedParty.id",
            "relatedParty.role",
            "@type",
            "status",
            "validFor.startDateTime",
            "validFor.endDateTime",
        ],
        sorts: &["validFor.startDateTime", "validFor.endDateTime"],
        counted: &["status", "@type"],
    },
    IndexedKind {
        kind: "productOrder",
        filters: &[
            "state",
            "relatedParty.id",
            "relatedParty.role",
            "externalId",
            "@type",
            "orderDate",
            "completionDate",
            "requestedCompletionDate",
            "channel.id",
            "billingAccount.id",
        ],
        sorts: &["orderDate", "completionDate", "state", "externalId"],
        counted: &["state", "@type"],
    },
    IndexedKind {
        kind: "cancelProductOrder",
        filters: &["state", "productOrder.id", "@type", "creationDate"],
        sorts: &["creationDate", "state"],
        counted: &["state", "@type"],
    },
    IndexedKind {
        kind: "productOfferingQualification",
        filters: &[
            "state",
            "relatedParty.id",
            "qualificationResult",
            "externalId",
            "@type",
            "creationDate",
            "effectiveQualificationDate",
        ],
        sorts: &["creationDate", "effectiveQualificationDate", "state"],
        counted: &["state", "qualificationResult", "@type"],
    },
    IndexedKind {
        kind: "checkServiceQualification",
        filters: &[
            "state",
            "relatedParty.id",
            "qualificationResult",
            "externalId",
            "@type",
            "checkServiceQualificationDate",
            "effectiveQualificationDate",
        ],
        sorts: &[
            "checkServiceQualificationDate",
            "effectiveQualificationDate",
            "state",
        ],
        counted: &["state", "qualificationResult", "@type"],
    },
    // Partner orders are read by operators by state and creation time (the
    // console's Operations screen, `omni_app::operations`).
    IndexedKind {
        kind: "order",
        filters: &["state", "createdAt"],
        sorts: &["createdAt", "state"],
        counted: &["state"],
    },
    // Dead letters are read by operators by status, newest first.
    IndexedKind {
        kind: "deadLetter",
        filters: &["status", "deadLetteredAt", "subscriptionId"],
        sorts: &["deadLetteredAt"],
        counted: &["status"],
    },
    // Care orders are read by `orderStatus` (client, account group, dates).
    IndexedKind {
        kind: "careOrder",
        filters: &["clientId", "order.accountGroupId", "createdAt", "status"],
        sorts: &["createdAt"],
        counted: &["status"],
    },
];

/// Longest key value, in bytes. Longer values cannot be indexed on every
/// database (PostgreSQL refuses index entries of a few kilobytes), so a write
/// holding one in an indexed attribute is refused ([`too_long`]).
pub const MAX_KEY_BYTES: usize = 512;

/// The table row of `kind`, when its lists are indexed.
pub fn indexed(kind: &str) -> Option<&'static IndexedKind> {
    INDEXED.iter().find(|k| k.kind == kind)
}

/// One search key of a document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    /// The attribute's dotted path.
    pub name: String,
    /// The encoded value (see the module header).
    pub value: String,
}

/// Every key of a document of `kind` (none for kinds not in [`INDEXED`]),
/// sorted, each once.
pub fn keys(kind: &str, body: &Value) -> Vec<Key> {
    let Some(spec) = indexed(kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in spec.filters {
        let path: Vec<String> = name.split('.').map(str::to_string).collect();
        let mut leaves = Vec::new();
        collect_leaves(body, &path, &mut leaves);
        for leaf in leaves {
            for value in encode_leaf(leaf) {
                out.push(Key {
                    name: (*name).to_string(),
                    value,
                });
            }
        }
    }
    for name in spec.sorts {
        let path: Vec<String> = name.split('.').map(str::to_string).collect();
        if let Some(v) = super::lookup(body, &path) {
            out.push(Key {
                name: (*name).to_string(),
                value: format!("o:{}", text_of(v)),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The first key too long to index, as the attribute's path.
pub fn too_long(keys: &[Key]) -> Option<&str> {
    keys.iter()
        .find(|k| k.value.len() > MAX_KEY_BYTES)
        .map(|k| k.name.as_str())
}

fn canonical_instant(text: &str) -> Option<String> {
    parse_instant(text).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string())
}

fn canonical_decimal(text: &str) -> Option<String> {
    Decimal::from_str(text)
        .ok()
        .map(|d| d.normalize().to_string())
}

/// The keys of one leaf. Booleans, nulls, objects and numbers that are no
/// decimal get none: a filter value that could match them is never planned
/// in SQL (see [`plan_filter`]).
fn encode_leaf(leaf: &Value) -> Vec<String> {
    match leaf {
        Value::String(s) => {
            if let Some(instant) = canonical_instant(s) {
                vec![format!("r:{s}"), format!("i:{instant}")]
            } else if let Some(decimal) = canonical_decimal(s) {
                vec![format!("d:{s}"), format!("n:{decimal}")]
            } else {
                vec![format!("s:{s}")]
            }
        }
        Value::Number(n) => number_to_decimal(n)
            .map(|d| vec![format!("n:{}", d.normalize())])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// One end of a range of key values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    Included(String),
    Excluded(String),
}

/// A condition on one key value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// Equal to one of these.
    In(Vec<String>),
    /// Within both bounds.
    Range { low: Bound, high: Bound },
}

/// Documents having a key `name` whose value meets any of `any`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFilter {
    pub name: String,
    pub any: Vec<Cond>,
}

/// Order by the sort key `name` (documents without one last, or first when
/// descending, as the in-memory sort does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySort {
    pub name: String,
    pub descending: bool,
}

/// Filters and sort in the database's terms; empty means every document of
/// the kind in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyQuery {
    pub filters: Vec<KeyFilter>,
    pub sort: Vec<KeySort>,
}

/// Why a list cannot be answered by the keys alone: the query parameter
/// and what about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotIndexed {
    pub parameter: String,
    pub rule: String,
}

/// What the database can do of a list: the key query, and, when some filter
/// or the sort is not indexed, the first such parameter (the caller then
/// filters the candidates the key query selects in memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub keys: KeyQuery,
    pub rest: Option<NotIndexed>,
}

/// Splits `query` into what SQL answers exactly and what it cannot.
pub fn plan(kind: &str, query: &ListQuery) -> Plan {
    let spec = indexed(kind);
    let mut keys = KeyQuery::default();
    let mut rest = None;
    for filter in &query.filters {
        match spec.and_then(|s| plan_filter(s, filter)) {
            Some(f) => keys.filters.push(f),
            None => {
                rest.get_or_insert_with(|| NotIndexed {
                    parameter: filter.path.join("."),
                    rule: not_indexed_rule(spec, filter),
                });
            }
        }
    }
    for key in &query.sort {
        let name = key.path.join(".");
        match spec.filter(|s| s.sorts.contains(&name.as_str())) {
            Some(_) => keys.sort.push(KeySort {
                name,
                descending: key.descending,
            }),
            None => {
                keys.sort.clear();
                rest.get_or_insert_with(|| NotIndexed {
                    parameter: "sort".into(),
                    rule: format!(
                        "'{name}' is not an indexed sort attribute{}",
                        choices(spec.map(|s| s.sorts))
                    ),
                });
                break;
            }
        }
    }
    if rest.as_ref().is_some_and(|r| r.parameter == "sort") {
        keys.sort.clear();
    }
    Plan { keys, rest }
}

fn not_indexed_rule(spec: Option<&IndexedKind>, filter: &Filter) -> String {
    let name = filter.path.join(".");
    match spec {
        Some(s) if s.filters.contains(&name.as_str()) => format!(
            "the values of '{name}' are not indexed for this operator (a range on a number, or true/false/null)"
        ),
        _ => format!(
            "'{name}' is not an indexed attribute{}",
            choices(spec.map(|s| s.filters))
        ),
    }
}

fn choices(names: Option<&[&str]>) -> String {
    match names {
        Some(names) if !names.is_empty() => format!(" (indexed: {})", names.join(", ")),
        _ => String::new(),
    }
}

/// The SQL form of one filter: every comma-separated value becomes
/// conditions on the encoded keys matching exactly the leaves the in-memory
/// comparison accepts; `None` when a value cannot be expressed so.
fn plan_filter(spec: &IndexedKind, filter: &Filter) -> Option<KeyFilter> {
    let name = filter.path.join(".");
    if !spec.filters.contains(&name.as_str()) {
        return None;
    }
    let mut any = Vec::new();
    for wanted in &filter.values {
        if matches!(wanted.as_str(), "true" | "false" | "null") {
            return None;
        }
        let instant = canonical_instant(wanted);
        let decimal = canonical_decimal(wanted);
        if filter.op == FilterOp::Eq {
            any.push(Cond::In(match (instant, decimal) {
                (Some(i), _) => vec![format!("i:{i}")],
                (None, Some(d)) => vec![format!("n:{d}")],
                (None, None) => vec![format!("s:{wanted}")],
            }));
            continue;
        }
        // Ranges on numbers would need a numeric order of keys.
        if decimal.is_some() {
            return None;
        }
        any.push(range("s", wanted, filter.op));
        any.push(range("d", wanted, filter.op));
        match instant {
            Some(i) => any.push(range("i", &i, filter.op)),
            None => any.push(range("r", wanted, filter.op)),
        }
    }
    Some(KeyFilter { name, any })
}

/// Values of class `class` (`s`, `d`, `r`, `i`) in relation `op` to `value`:
/// the class's prefix bounds the other end.
fn range(class: &str, value: &str, op: FilterOp) -> Cond {
    let at = format!("{class}:{value}");
    let start = Bound::Included(format!("{class}:"));
    let end = Bound::Excluded(format!("{class};"));
    let (low, high) = match op {
        FilterOp::Gt => (Bound::Excluded(at), end),
        FilterOp::Gte => (Bound::Included(at), end),
        FilterOp::Lt => (start, Bound::Excluded(at)),
        FilterOp::Lte => (start, Bound::Included(at)),
        FilterOp::Eq => (Bound::Included(at.clone()), Bound::Included(at)),
    };
    Cond::Range { low, high }
}

/// Whether `keys` (one document's) meet `query`: the SQL answer computed in
/// memory, for tests that compare it with [`ListQuery::matches`].
pub fn keys_match(keys: &[Key], query: &KeyQuery) -> bool {
    query.filters.iter().all(|f| {
        keys.iter()
            .filter(|k| k.name == f.name && !k.value.starts_with("o:"))
            .any(|k| f.any.iter().any(|c| cond_holds(c, &k.value)))
    })
}

fn cond_holds(cond: &Cond, value: &str) -> bool {
    match cond {
        Cond::In(values) => values.iter().any(|v| v == value),
        Cond::Range { low, high } => {
            let above = match low {
                Bound::Included(b) => value >= b.as_str(),
                Bound::Excluded(b) => value > b.as_str(),
            };
            let below = match high {
                Bound::Included(b) => value <= b.as_str(),
                Bound::Excluded(b) => value < b.as_str(),
            };
            above && below
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(pairs: &[(&str, &str)]) -> ListQuery {
        ListQuery::parse(pairs.iter().copied(), &[]).expect("valid query")
    }

    /// Varied leaves: plain text, instants in several spellings, decimals
    /// as text and as numbers, arrays, missing attributes.
    fn orders() -> Vec<Value> {
        vec![
            json!({"state": "completed", "externalId": "10", "orderDate": "2024-01-01T00:00:00Z",
                   "relatedParty": [{"id": "a"}, {"id": "b"}]}),
            json!({"state": "acknowledged", "externalId": "10.0", "orderDate": "2024-01-01T01:00:00+01:00",
                   "relatedParty": [{"id": "c"}]}),
            json!({"state": "held", "externalId": 10, "orderDate": "2024-06-01",
                   "relatedParty": {"id": "a"}}),
            json!({"state": "2024-01-01", "externalId": "ext-9", "orderDate": "not a date"}),
            json!({"state": "inProgress", "externalId": "Z", "orderDate": "2025-03-04T05:06:07.123Z",
                   "relatedParty": [{"id": "10"}, {"role": "x"}]}),
            json!({"externalId": true, "relatedParty": []}),
        ]
    }

    #[test]
    fn planned_filters_answer_as_the_in_memory_filter() {
        let docs = orders();
        let queries: Vec<Vec<(&str, &str)>> = vec![
            vec![("state", "completed")],
            vec![("state", "completed,held")],
            vec![("state", "2024-01-01T00:00:00Z")],
            vec![("state.gt", "h")],
            vec![("state.lte", "held")],
            vec![("state.lt", "2025-01-01")],
            vec![("externalId", "10")],
            vec![("externalId", "10.00,Z")],
            vec![("externalId.gte", "a")],
            vec![("externalId.lt", "f")],
            vec![("orderDate", "2024-01-01T00:00:00Z")],
            vec![("orderDate.gt", "2024-01-01T00:00:00Z")],
            vec![("orderDate.gte", "2024-01-01")],
            vec![("orderDate.lt", "2024-06-01T00:00:00.000Z")],
            vec![("orderDate.lte", "2024-06-01")],
            vec![("orderDate.gt", "m")],
            vec![("relatedParty.id", "a")],
            vec![("relatedParty.id", "10")],
            vec![("relatedParty.id", "b,c")],
            vec![("relatedParty.id.gte", "b")],
            vec![("relatedParty.id", "a"), ("state", "held")],
        ];
        for pairs in queries {
            let query = q(&pairs);
            let plan = plan("productOrder", &query);
            assert_eq!(plan.rest, None, "{pairs:?}");
            for doc in &docs {
                assert_eq!(
                    keys_match(&keys("productOrder", doc), &plan.keys),
                    query.matches(doc),
                    "{pairs:?} on {doc}"
                );
            }
        }
    }

    #[test]
    fn what_sql_cannot_answer_is_left_to_memory_and_named() {
        let plan = plan("productOrder", &q(&[("state", "held"), ("note.text", "x")]));
        assert_eq!(plan.keys.filters.len(), 1);
        let rest = plan.rest.expect("not indexed");
        assert_eq!(rest.parameter, "note.text");
        assert!(
            rest.rule.contains("not an indexed attribute"),
            "{}",
            rest.rule
        );
        let plan = super::plan("productOrder", &q(&[("externalId.gt", "5")]));
        assert_eq!(plan.rest.expect("numeric range").parameter, "externalId");
        let plan = super::plan("productOrder", &q(&[("sort", "-orderDate,note")]));
        assert!(plan.keys.sort.is_empty());
        assert_eq!(plan.rest.expect("sort").parameter, "sort");
        let plan = super::plan("productOffering", &q(&[("name", "x")]));
        assert!(plan.rest.is_some());
    }

    #[test]
    fn keys_are_sorted_unique_and_long_ones_are_found() {
        let doc = json!({"relatedParty": [{"id": "a"}, {"id": "a"}], "state": "x".repeat(600)});
        let k = keys("productOrder", &doc);
        assert_eq!(k.iter().filter(|k| k.value == "s:a").count(), 1);
        assert_eq!(too_long(&k), Some("state"));
        assert!(keys("productOffering", &doc).is_empty());
    }
}
