//! TMF630 lists answered by the database: a [`KeyQuery`] (built by
//! `omni_core::tmf630::index::plan`) becomes one SELECT over `documents`
//! and the `document_keys` rows written beside them.
//!
//! - Each filter is `d.id IN (SELECT f.id FROM document_keys f WHERE …)`:
//!   a document matches when any of its keys of that name (any element of
//!   an array) meets any condition (comma means OR); filters are ANDed.
//! - A filter of one exact value with no sort walks the key index in
//!   creation order and stops at the page: `(tenant, kind, name, value,
//!   created_at, id)` is the order of the answer.
//! - Each sort key is a LEFT JOIN on the document's `o:` key of that name
//!   (found by the document's creation time and id, `document_keys_by_created`);
//!   documents without one come last (first when descending), ties keep
//!   creation order, as `ListQuery::apply` sorts.
//!
//! Statement shapes repeat (the values are bound, `$1` tenant, `$2` kind,
//! `$3` owner or NULL, then the texts, then limit and offset), so each
//! connection prepares each shape once.

use omni_core::tmf630::index::{Bound, Cond, KeyQuery};

/// A statement and its text binds from `$4` on.
pub(crate) struct KeyedSql {
    pub sql: String,
    pub texts: Vec<String>,
}

const COLUMNS: &str =
    "d.tenant, d.kind, d.id, d.version, d.owner, d.state, d.created_at, d.updated_at, d.body";

/// The SELECT (or, with `count`, the COUNT) of the documents `keys`
/// selects; a page adds `LIMIT` and `OFFSET` binds after the texts.
/// `owner`: whether the query names an owner (`$3` is bound either way; a
/// statement of its own for each case lets the planner see which).
pub(crate) fn keyed_sql(keys: &KeyQuery, count: bool, owner: bool) -> KeyedSql {
    let owned = if owner {
        "d.owner = $3"
    } else {
        "CAST($3 AS TEXT) IS NULL"
    };
    let mut texts = Vec::new();
    let bind = |text: &str, texts: &mut Vec<String>| {
        texts.push(text.to_string());
        format!("${}", texts.len() + 3)
    };
    let mut filters = keys.filters.iter();
    // One exact value, creation order: drive from the key index.
    let single = match keys.filters.first() {
        Some(first) if keys.sort.is_empty() => match first.any.as_slice() {
            [Cond::In(values)] if values.len() == 1 => Some((first, &values[0])),
            _ => None,
        },
        _ => None,
    };
    let mut sql = String::new();
    let mut order = String::new();
    if let Some((first, value)) = single {
        filters.next();
        let name = bind(&first.name, &mut texts);
        let value = bind(value, &mut texts);
        if count && keys.filters.len() == 1 && !owner {
            // A document has one row per value: counting the index range
            // is counting the documents, without reading them.
            sql.push_str(&format!(
                "SELECT COUNT(*) FROM document_keys k WHERE k.tenant = $1 AND k.kind = $2 \
                 AND k.name = {name} AND k.value = {value} AND {owned}"
            ));
            return KeyedSql { sql, texts };
        }
        sql.push_str(&format!(
            "SELECT {} FROM document_keys k JOIN documents d \
             ON d.tenant = k.tenant AND d.kind = k.kind AND d.id = k.id \
             WHERE k.tenant = $1 AND k.kind = $2 AND k.name = {name} AND k.value = {value} \
             AND {owned}",
            if count { "COUNT(*)" } else { COLUMNS }
        ));
        order.push_str(" ORDER BY k.created_at, k.id");
    } else {
        let mut joins = String::new();
        let mut sorts = Vec::new();
        // A count needs no order, so no sort joins (nor their binds).
        let sort_keys = if count { &[][..] } else { keys.sort.as_slice() };
        for (i, sort) in sort_keys.iter().enumerate() {
            let name = bind(&sort.name, &mut texts);
            joins.push_str(&format!(
                " LEFT JOIN document_keys s{i} ON s{i}.tenant = d.tenant AND s{i}.kind = d.kind \
                 AND s{i}.created_at = d.created_at AND s{i}.id = d.id \
                 AND s{i}.name = {name} AND s{i}.value >= 'o:' AND s{i}.value < 'o;'"
            ));
            let dir = if sort.descending { " DESC" } else { "" };
            sorts.push(format!("(s{i}.value IS NULL){dir}, s{i}.value{dir}"));
        }
        sorts.push("d.created_at, d.id".into());
        sql.push_str(&format!(
            "SELECT {} FROM documents d{} WHERE d.tenant = $1 AND d.kind = $2 AND {owned}",
            if count { "COUNT(*)" } else { COLUMNS },
            joins
        ));
        order = format!(" ORDER BY {}", sorts.join(", "));
    }
    for filter in filters {
        let name = bind(&filter.name, &mut texts);
        let conds: Vec<String> = filter
            .any
            .iter()
            .map(|cond| match cond {
                Cond::In(values) => {
                    let list: Vec<String> = values.iter().map(|v| bind(v, &mut texts)).collect();
                    format!("f.value IN ({})", list.join(", "))
                }
                Cond::Range { low, high } => {
                    let low = match low {
                        Bound::Included(v) => format!("f.value >= {}", bind(v, &mut texts)),
                        Bound::Excluded(v) => format!("f.value > {}", bind(v, &mut texts)),
                    };
                    let high = match high {
                        Bound::Included(v) => format!("f.value <= {}", bind(v, &mut texts)),
                        Bound::Excluded(v) => format!("f.value < {}", bind(v, &mut texts)),
                    };
                    format!("({low} AND {high})")
                }
            })
            .collect();
        sql.push_str(&format!(
            " AND d.id IN (SELECT f.id FROM document_keys f WHERE f.tenant = $1 AND f.kind = $2 \
             AND f.name = {name} AND ({}))",
            conds.join(" OR ")
        ));
    }
    if !count {
        sql.push_str(&order);
        sql.push_str(&format!(
            " LIMIT ${} OFFSET ${}",
            texts.len() + 4,
            texts.len() + 5
        ));
    }
    KeyedSql { sql, texts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omni_core::tmf630::index::{KeyFilter, KeySort};

    #[test]
    fn one_exact_value_walks_the_key_index() {
        let keys = KeyQuery {
            filters: vec![KeyFilter {
                name: "state".into(),
                any: vec![Cond::In(vec!["s:held".into()])],
            }],
            sort: vec![],
        };
        let q = keyed_sql(&keys, false, false);
        assert!(
            q.sql.contains("FROM document_keys k JOIN documents d"),
            "{}",
            q.sql
        );
        assert!(
            q.sql
                .ends_with("ORDER BY k.created_at, k.id LIMIT $6 OFFSET $7"),
            "{}",
            q.sql
        );
        assert_eq!(q.texts, ["state", "s:held"]);
    }

    #[test]
    fn sorts_join_their_keys_and_filters_are_subqueries() {
        let keys = KeyQuery {
            filters: vec![KeyFilter {
                name: "state".into(),
                any: vec![Cond::In(vec!["s:a".into(), "s:b".into()])],
            }],
            sort: vec![KeySort {
                name: "orderDate".into(),
                descending: true,
            }],
        };
        let q = keyed_sql(&keys, false, false);
        assert!(q.sql.contains("LEFT JOIN document_keys s0"), "{}", q.sql);
        assert!(q.sql.contains("f.value IN ($6, $7)"), "{}", q.sql);
        assert!(
            q.sql
                .contains("ORDER BY (s0.value IS NULL) DESC, s0.value DESC, d.created_at, d.id"),
            "{}",
            q.sql
        );
        let count = keyed_sql(&keys, true, false);
        assert!(!count.sql.contains("LEFT JOIN"), "{}", count.sql);
        assert_eq!(count.texts, ["state", "s:a", "s:b"]);
    }
}
