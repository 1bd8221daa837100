//! Reading many documents by id in one statement. The statement has one
//! placeholder per id, so each list length would be a statement of its own;
//! lists are padded (with their last id, which `IN` answers once) to a power
//! of two, leaving a handful of statements that each connection prepares
//! once.

use std::sync::LazyLock;

/// Most ids one statement takes; longer lists are read in chunks of it.
pub(crate) const MAX_IDS: usize = 256;

/// The statement for `n` ids (`n` ≥ 1, at most [`MAX_IDS`]) and how many
/// placeholders it has: `n` rounded up to a power of two.
pub(crate) fn select_by_ids(n: usize) -> (&'static str, usize) {
    static STATEMENTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        (0..=MAX_IDS.trailing_zeros())
            .map(|power| {
                let list: Vec<String> = (0..1usize << power)
                    .map(|i| format!("${}", i + 3))
                    .collect();
                let sql = format!(
                    "SELECT tenant, kind, id, version, owner, state, created_at, updated_at, body \
                     FROM documents WHERE tenant = $1 AND kind = $2 AND id IN ({})",
                    list.join(", ")
                );
                // Built once per process and kept for its life.
                &*String::leak(sql)
            })
            .collect()
    });
    let size = n.clamp(1, MAX_IDS).next_power_of_two();
    (STATEMENTS[size.trailing_zeros() as usize], size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_up_to_a_power_of_two() {
        assert_eq!(select_by_ids(1).1, 1);
        assert_eq!(select_by_ids(3).1, 4);
        assert_eq!(select_by_ids(256).1, 256);
        let (sql, n) = select_by_ids(5);
        assert_eq!(n, 8);
        assert!(
            sql.ends_with("id IN ($3, $4, $5, $6, $7, $8, $9, $10)"),
            "{sql}"
        );
    }
}
