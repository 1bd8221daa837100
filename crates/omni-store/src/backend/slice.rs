//! One tenant's slice of the event stream (`Store::outbox_slice`), read
//! through `outbox_by_tenant_kind` (tenant, resource kind, stream position;
//! migration 0009).
//!
//! The statement is one branch per kind, each an index range that stops at
//! the limit, merged in stream order: `kind IN (…) ORDER BY position`
//! instead let PostgreSQL walk the whole stream's position index from the
//! cursor and filter (for a listener whose cursor is old, every event of
//! every tenant since then), which is what slices are for avoiding.
//!
//! Binds: `$1` tenant, `$2` after, `$3` limit, `$4` the last position read
//! (`i64::MAX` when any), then one kind per branch. Each kind count is a
//! statement shape of its own, which each connection prepares once.

/// Stream order's column: `seq` on SQLite, `position` on PostgreSQL.
pub(crate) fn slice_sql(column: &str, kinds: usize) -> String {
    let branches: Vec<String> = (0..kinds)
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT {column} AS stream_position, event_id, tenant, event_type, \
                 resource_kind, resource_id, occurred_at, payload FROM outbox \
                 WHERE tenant = $1 AND resource_kind = ${} AND {column} > $2 AND {column} <= $4 \
                 ORDER BY {column} LIMIT $3) AS k{i}",
                i + 5
            )
        })
        .collect();
    format!(
        "{} ORDER BY stream_position LIMIT $3",
        branches.join(" UNION ALL ")
    )
}

/// The resource kinds one tenant has events of, with the stream's last
/// position, in one statement (so one snapshot): an index descent per kind
/// (a loose index scan), not a read of the tenant's events. A slice of
/// "every kind" reads those kinds up to that position only, so that an
/// event of a kind first written after this read cannot be passed over by
/// a reader that moves its cursor to the last event it got.
pub(crate) fn tenant_kinds_sql(column: &str) -> String {
    format!(
        "WITH RECURSIVE kinds(k) AS ( \
             SELECT MIN(resource_kind) FROM outbox WHERE tenant = $1 \
             UNION ALL \
             SELECT (SELECT MIN(resource_kind) FROM outbox WHERE tenant = $1 AND resource_kind > kinds.k) \
             FROM kinds WHERE kinds.k IS NOT NULL) \
         SELECT k, (SELECT MAX({column}) FROM outbox) AS head FROM kinds WHERE k IS NOT NULL"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bounded_branch_per_kind() {
        let sql = slice_sql("position", 2);
        assert_eq!(sql.matches("UNION ALL").count(), 1);
        assert!(sql.contains("resource_kind = $5 AND position > $2 AND position <= $4"));
        assert!(sql.contains("resource_kind = $6 AND"));
        assert!(sql.ends_with("ORDER BY stream_position LIMIT $3"), "{sql}");
    }
}
