//! The running totals of `document_counts` (migration 0010; what they count
//! and why is `omni_core::tmf630::totals`'s header).
//!
//! - A write collects what each document adds and takes away in a [`Tally`]
//!   while it writes the documents' keys (`exec.rs`), and applies it last,
//!   in one pass over the totals in sorted order.
//! - Applying last and sorted is what keeps PostgreSQL's writers from
//!   deadlocking on the totals. A transaction takes its row locks on them
//!   only at its end, always in the same order, and waits for nothing else
//!   afterwards.
//! - On PostgreSQL each write adds to one of [`PG_SLOTS`] rows of each
//!   total, taken in turn, so that concurrent writers rarely wait on one
//!   another's row. SQLite's single writer uses one.
//! - [`count_sql`] sums a total's rows and its attribute's
//!   [`SEVERAL_VALUES`] marker in one statement.
//! - [`Sql::recount`] fills the table from the stored documents and keys. It
//!   runs at start-up when the recorded [`COUNTS_VERSION`] differs.

use super::exec::Sql;
use crate::Result;
use omni_core::tmf630::index::INDEXED;
use omni_core::tmf630::totals::{COUNTED_CLASSES, SEVERAL_VALUES, tallies};
use sqlx::{Postgres, Sqlite};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The counter holding the version of the counted attributes the totals
/// were filled for; bump it when `IndexedKind::counted` or the tallies
/// change, and every store recounts at its next start.
pub(crate) const COUNTS_VERSION_COUNTER: &str = "omni:document_counts_version";
pub(crate) const COUNTS_VERSION: i64 = 1;

/// Rows per total on PostgreSQL.
const PG_SLOTS: usize = 16;

/// Most totals one statement writes.
const TOTALS_PER_STATEMENT: usize = 16;

/// A total: (tenant, kind, attribute, value).
type Total = (String, String, String, String);

/// What one write adds to each total.
#[derive(Debug, Default)]
pub(crate) struct Tally(BTreeMap<Total, i64>);

impl Tally {
    /// Adds `sign` (1 or -1) to every total a document of `kind` with keys
    /// `keys` counts in.
    pub fn add<'k>(
        &mut self,
        tenant: &str,
        kind: &str,
        keys: impl IntoIterator<Item = (&'k str, &'k str)>,
        sign: i64,
    ) {
        for (name, value) in tallies(kind, keys) {
            *self
                .0
                .entry((tenant.into(), kind.into(), name.into(), value.into()))
                .or_default() += sign;
        }
    }

    /// The totals that change, in key order (the lock order).
    fn changes(&self) -> Vec<(&Total, i64)> {
        self.0
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|(k, n)| (k, *n))
            .collect()
    }
}

/// The slot this write adds to: the next in turn on PostgreSQL.
fn slot(postgres: bool) -> i64 {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    if postgres {
        (NEXT.fetch_add(1, Ordering::Relaxed) % PG_SLOTS) as i64
    } else {
        0
    }
}

/// Upsert of `n` totals (1 to [`TOTALS_PER_STATEMENT`]), six binds a row;
/// built once per length, so each is prepared once.
fn upsert_sql(n: usize) -> &'static str {
    static STATEMENTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        (1..=TOTALS_PER_STATEMENT)
            .map(|n| {
                let rows: Vec<String> = (0..n)
                    .map(|i| {
                        let b = 6 * i;
                        format!(
                            "(${}, ${}, ${}, ${}, ${}, ${})",
                            b + 1,
                            b + 2,
                            b + 3,
                            b + 4,
                            b + 5,
                            b + 6
                        )
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO document_counts (tenant, kind, name, value, slot, n) VALUES {} \
                     ON CONFLICT (tenant, kind, name, value, slot) DO UPDATE SET n = document_counts.n + excluded.n",
                    rows.join(", ")
                );
                &*String::leak(sql)
            })
            .collect()
    });
    STATEMENTS[n.clamp(1, TOTALS_PER_STATEMENT) - 1]
}

/// The sum of the totals of `values` (bound from `$4`) of attribute `$3`,
/// and the attribute's [`SEVERAL_VALUES`] total (bound last).
pub(crate) fn count_sql(values: usize) -> String {
    let list: Vec<String> = (0..=values).map(|i| format!("${}", i + 4)).collect();
    let marker = values + 4;
    format!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN value = ${marker} THEN 0 ELSE n END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN value = ${marker} THEN n ELSE 0 END), 0) AS BIGINT) \
         FROM document_counts WHERE tenant = $1 AND kind = $2 AND name = $3 AND value IN ({})",
        list.join(", ")
    )
}

/// `value` within one of the classes equality looks for (the keys the
/// tallies count), as SQL over `document_keys`.
fn counted_classes_sql() -> String {
    let ranges: Vec<String> = COUNTED_CLASSES
        .iter()
        .map(|c| {
            let after = format!("{};", &c[..c.len() - 1]);
            format!("(value >= '{c}' AND value < '{after}')")
        })
        .collect();
    format!("({})", ranges.join(" OR "))
}

macro_rules! impl_counts {
    ($db:ty, $postgres:expr) => {
        impl Sql<$db> {
            /// Adds a write's tally to the totals.
            pub(crate) async fn apply_tally(
                conn: &mut <$db as sqlx::Database>::Connection,
                tally: &Tally,
            ) -> Result<()> {
                let changes = tally.changes();
                let slot = slot($postgres);
                for chunk in changes.chunks(TOTALS_PER_STATEMENT) {
                    let mut query = sqlx::query(upsert_sql(chunk.len()));
                    for ((tenant, kind, name, value), n) in chunk {
                        query = query.bind(tenant).bind(kind).bind(name).bind(value).bind(slot).bind(*n);
                    }
                    query.execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// Refills every total from the stored documents and keys. On
            /// PostgreSQL the table is locked against writers first: a writer
            /// that has added to a total waits until then (and is counted
            /// here), one that has not yet waits for this (and adds after).
            pub(crate) async fn recount(conn: &mut <$db as sqlx::Database>::Connection) -> Result<()> {
                if $postgres {
                    sqlx::query("LOCK TABLE document_counts IN SHARE ROW EXCLUSIVE MODE").execute(&mut *conn).await?;
                }
                sqlx::query("DELETE FROM document_counts").execute(&mut *conn).await?;
                let classes = counted_classes_sql();
                for spec in INDEXED {
                    sqlx::query(
                        "INSERT INTO document_counts (tenant, kind, name, value, slot, n) \
                         SELECT tenant, kind, '', '', 0, COUNT(*) FROM documents WHERE kind = $1 GROUP BY tenant, kind",
                    )
                    .bind(spec.kind)
                    .execute(&mut *conn)
                    .await?;
                    for name in spec.counted {
                        let values = format!(
                            "INSERT INTO document_counts (tenant, kind, name, value, slot, n) \
                             SELECT tenant, kind, name, value, 0, COUNT(*) FROM document_keys \
                             WHERE kind = $1 AND name = $2 AND {classes} GROUP BY tenant, kind, name, value"
                        );
                        // The text holds constants and placeholders only.
                        sqlx::query(sqlx::AssertSqlSafe(values))
                            .bind(spec.kind)
                            .bind(*name)
                            .execute(&mut *conn)
                            .await?;
                        let several = format!(
                            "INSERT INTO document_counts (tenant, kind, name, value, slot, n) \
                             SELECT tenant, kind, name, $3, 0, COUNT(*) FROM \
                             (SELECT tenant, kind, name, id FROM document_keys \
                              WHERE kind = $1 AND name = $2 AND {classes} \
                              GROUP BY tenant, kind, name, id HAVING COUNT(*) > 1) m \
                             GROUP BY tenant, kind, name"
                        );
                        sqlx::query(sqlx::AssertSqlSafe(several))
                            .bind(spec.kind)
                            .bind(*name)
                            .bind(SEVERAL_VALUES)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                Ok(())
            }
        }
    };
}

impl_counts!(Sqlite, false);
impl_counts!(Postgres, true);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_keeps_what_changes_in_lock_order() {
        let mut t = Tally::default();
        let held = [("state", "s:held")];
        let done = [("state", "s:completed")];
        t.add("t", "productOrder", held, -1);
        t.add("t", "productOrder", done, 1);
        let changes: Vec<(String, i64)> = t
            .changes()
            .into_iter()
            .map(|((_, _, name, value), n)| (format!("{name}={value}"), n))
            .collect();
        assert_eq!(
            changes,
            [("state=s:completed".into(), 1), ("state=s:held".into(), -1)]
        );
    }

    #[test]
    fn count_sql_binds_the_values_then_the_marker() {
        let sql = count_sql(2);
        assert!(sql.contains("value IN ($4, $5, $6)"), "{sql}");
        assert!(sql.contains("WHEN value = $6 THEN n"), "{sql}");
    }
}
