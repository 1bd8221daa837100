//! Who may touch which cart. Users and machines act for anyone in their
//! tenant with the right role; a customer only ever sees their own carts
//! (another's is a 404, not a 403); a prospect reaches the unowned cart whose
//! id they hold.

use crate::error::ApiError;
use omni_core::{Principal, PrincipalKind};
use omni_store::Document;
use serde_json::{Value, json};

pub const WRITE_ROLE: &str = "sc.ops";
pub const READ_ROLE: &str = "sc.view";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Any,
    Owner(String),
    Prospect,
}

pub fn for_write(p: &Principal) -> Result<Access, ApiError> {
    match p.kind {
        PrincipalKind::User | PrincipalKind::M2m => {
            p.require_role(WRITE_ROLE)?;
            Ok(Access::Any)
        }
        PrincipalKind::Customer => Ok(Access::Owner(p.subject.clone().unwrap_or_default())),
        PrincipalKind::Unauthenticated => Ok(Access::Prospect),
    }
}

pub fn for_read(p: &Principal) -> Result<Access, ApiError> {
    match p.kind {
        PrincipalKind::User | PrincipalKind::M2m => {
            if p.has_role(WRITE_ROLE) {
                Ok(Access::Any)
            } else {
                p.require_role(READ_ROLE)?;
                Ok(Access::Any)
            }
        }
        _ => for_write(p),
    }
}

impl Access {
    pub fn can_see(&self, doc: &Document) -> bool {
        match self {
            Self::Any => true,
            Self::Owner(party) => doc.owner.as_deref() == Some(party),
            Self::Prospect => doc.owner.is_none(),
        }
    }

    /// Applies the page's related-party rules to a cart payload and returns
    /// the cart's owner (the customer party), adding a customer's own party
    /// when they name none.
    /// The party `related_parties` will name as the cart's customer, if the
    /// cart is acceptable (read before building, to load its facts).
    pub fn customer_of(&self, cart: &Value) -> Option<String> {
        match self {
            Self::Prospect => None,
            Self::Owner(me) => Some(me.clone()),
            Self::Any => cart
                .get("relatedParty")
                .and_then(Value::as_array)?
                .iter()
                .find(|p| {
                    p.get("role")
                        .and_then(Value::as_str)
                        .is_some_and(|r| r.eq_ignore_ascii_case("customer"))
                })
                .and_then(|p| p.get("id").and_then(Value::as_str))
                .map(str::to_string),
        }
    }

    pub fn related_parties(&self, cart: &mut Value) -> Result<Option<String>, ApiError> {
        let parties: Vec<Value> = match cart.get("relatedParty") {
            Some(Value::Array(p)) => p.clone(),
            _ => Vec::new(),
        };
        match self {
            Self::Prospect if !parties.is_empty() => {
                Err(page_error("Authorization required to set Related Party!"))
            }
            Self::Prospect => Ok(None),
            Self::Owner(me) => {
                if parties
                    .iter()
                    .any(|p| p.get("id").and_then(Value::as_str) != Some(me))
                {
                    return Err(page_error("Invalid id for related party!"));
                }
                if parties.is_empty() {
                    cart["relatedParty"] =
                        json!([{"id": me, "role": "customer", "@referredType": "Individual"}]);
                }
                Ok(Some(me.clone()))
            }
            Self::Any => Ok(parties
                .iter()
                .find(|p| {
                    p.get("role")
                        .and_then(Value::as_str)
                        .is_some_and(|r| r.eq_ignore_ascii_case("customer"))
                })
                .and_then(|p| p.get("id").and_then(Value::as_str))
                .map(str::to_string)),
        }
    }
}

/// The page's exact message, with the field named in the details.
fn page_error(message: &str) -> ApiError {
    let mut e = ApiError::field("relatedParty", message);
    e.message = message.to_string();
    e
}
