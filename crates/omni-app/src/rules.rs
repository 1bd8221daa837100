//! Tenant validation rule sets for shopping carts (`validationRuleSet`,
//! beside TMF663), served as a generic TM Forum resource ([`tmf`]) to a
//! tenant administrator only. A rule set is parsed by the rules engine
//! before it is stored, so a rule that cannot be evaluated is a 400 naming
//! it (`rule[1].pattern`). Every write bumps `rules:<tenant>`, which the
//! cache of rule sets polls.
//!
//! [`tmf`]: crate::tmf

use crate::tmf::TmfResource;
use omni_core::rules::{RULE_SET_SPEC, RuleSet};
use omni_store::{DocumentQuery, Store, StoreError};
use serde_json::Value;

pub const BASE: &str = "/tmf-api/shoppingCart/v4";
/// Role needed to read and to write rule sets.
pub const ROLE: &str = "tenant.admin";
/// Bumped with every rule-set write, per tenant (`rules:<tenant>`).
pub const VERSION_COUNTER: &str = "rules";
/// Stored kind of rule sets.
pub const KIND: &str = omni_core::rules::RULE_SET_KIND;
/// Section of the OpenAPI document.
pub const TAG: &str = "Cart validation rules";

pub fn resources() -> impl Iterator<Item = TmfResource> {
    std::iter::once(TmfResource {
        api_base: BASE,
        domain: "shoppingCart",
        spec: &RULE_SET_SPEC,
        write_role: ROLE,
        read_role: Some(ROLE),
        tag: TAG,
        version_counter: Some(VERSION_COUNTER),
    })
}

/// Parses a stored rule set; `None` (logged) for one that no longer parses,
/// which the API never stores.
pub fn parse_stored(body: &Value) -> Option<RuleSet> {
    match RuleSet::from_document(body) {
        Ok(set) => Some(set),
        Err(errors) => {
            let id = body.get("id").and_then(Value::as_str).unwrap_or_default();
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            tracing::error!(rule_set = id, errors = %list.join("; "), "stored validation rule set does not parse; skipped");
            None
        }
    }
}

/// Every rule set of `tenant`, parsed, in id order (inactive ones included:
/// `omni_core::rules::evaluate` skips them).
pub async fn load_rule_sets(store: &dyn Store, tenant: &str) -> Result<Vec<RuleSet>, StoreError> {
    let docs = store
        .list_documents(&DocumentQuery {
            tenant: tenant.to_string(),
            kind: KIND.to_string(),
            owner: None,
            page: None,
        })
        .await?;
    Ok(docs.iter().filter_map(|d| parse_stored(&d.body)).collect())
}
