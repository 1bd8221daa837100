//! Related parties (TMF630 `relatedParty`) as every family reads them.

use serde_json::Value;

/// The id of the party with role `customer` among `parties` (the role in
/// any case: the shopping cart page, seed 004, spells it either way). Carts,
/// partner orders and qualifications name their customer this way.
pub fn customer(parties: &[Value]) -> Option<&str> {
    parties
        .iter()
        .find(|p| {
            p.get("role")
                .and_then(Value::as_str)
                .is_some_and(|r| r.eq_ignore_ascii_case("customer"))
        })
        .and_then(|p| p.get("id").and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::customer;
    use serde_json::json;

    #[test]
    fn the_customer_is_the_party_of_role_customer_in_any_case() {
        let parties = [
            json!({"id": "d-1", "role": "dealer"}),
            json!({"id": "c-1", "role": "Customer"}),
        ];
        assert_eq!(customer(&parties), Some("c-1"));
        assert_eq!(customer(&parties[..1]), None);
    }
}
