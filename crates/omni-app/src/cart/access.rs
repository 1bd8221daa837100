//! Who may touch which cart (the shopping cart page, TMF663). Users and
//! machines act for anyone in their tenant with the right role; a customer
//! only ever sees their own carts (another's is "not found", not
//! "forbidden", so a cart's existence never leaks); a prospect (no token)
//! reaches the unowned cart whose id they hold.
//!
//! The same [`Access`] also applies the page's related-party rules to a
//! cart's content and names the cart's owner, the customer party.

use crate::error::{AppError, AppResult};
use omni_core::{Principal, PrincipalKind};
use omni_store::Document;
use serde_json::{Value, json};

/// Role of users and machines that create, change and delete carts.
pub const WRITE_ROLE: &str = "sc.ops";
/// Role of users and machines that only read carts.
pub const READ_ROLE: &str = "sc.view";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Every cart of the tenant.
    Any,
    /// The carts of this customer party.
    Owner(String),
    /// Carts that belong to nobody yet.
    Prospect,
}

/// What the caller may change; a user or machine without the role is
/// refused at once.
pub fn for_write(p: &Principal) -> AppResult<Access> {
    match p.kind {
        PrincipalKind::User | PrincipalKind::M2m => {
            p.require_role(WRITE_ROLE)?;
            Ok(Access::Any)
        }
        PrincipalKind::Customer => Ok(Access::Owner(p.subject.clone().unwrap_or_default())),
        PrincipalKind::Unauthenticated => Ok(Access::Prospect),
    }
}

/// What the caller may read: writers read what they write.
pub fn for_read(p: &Principal) -> AppResult<Access> {
    match p.kind {
        PrincipalKind::User | PrincipalKind::M2m => {
            if !p.has_role(WRITE_ROLE) {
                p.require_role(READ_ROLE)?;
            }
            Ok(Access::Any)
        }
        _ => for_write(p),
    }
}

/// The customer of a cart's `relatedParty` ([`omni_core::party::customer`]).
fn customer_party(parties: &[Value]) -> Option<String> {
    omni_core::party::customer(parties).map(str::to_string)
}

impl Access {
    pub fn can_see(&self, doc: &Document) -> bool {
        match self {
            Self::Any => true,
            Self::Owner(party) => doc.owner.as_deref() == Some(party),
            Self::Prospect => doc.owner.is_none(),
        }
    }

    /// The party [`Self::related_parties`] will name as the cart's customer
    /// if the cart is acceptable: read before building, to load the
    /// customer's facts.
    pub fn customer_of(&self, cart: &Value) -> Option<String> {
        match self {
            Self::Prospect => None,
            Self::Owner(me) => Some(me.clone()),
            Self::Any => customer_party(cart.get("relatedParty").and_then(Value::as_array)?),
        }
    }

    /// Applies the page's related-party rules to a cart's content and
    /// answers the cart's owner (the customer party), adding a customer's
    /// own party when they name none.
    pub fn related_parties(&self, cart: &mut Value) -> AppResult<Option<String>> {
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
            Self::Any => Ok(customer_party(&parties)),
        }
    }
}

/// The shopping cart page's exact message, with the field named in the
/// details.
fn page_error(message: &str) -> AppError {
    AppError::field("relatedParty", message).with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(kind: PrincipalKind, roles: &[&str]) -> Principal {
        Principal {
            kind,
            subject: Some("party-1".into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            tenant: "default".into(),
            client_id: None,
        }
    }

    #[test]
    fn roles_and_kinds_decide_the_access() {
        let viewer = principal(PrincipalKind::User, &[READ_ROLE]);
        assert!(matches!(for_read(&viewer), Ok(Access::Any)));
        assert!(matches!(for_write(&viewer), Err(AppError::Access(_))));
        let customer = principal(PrincipalKind::Customer, &[]);
        assert!(matches!(for_write(&customer), Ok(Access::Owner(p)) if p == "party-1"));
        let prospect = Principal::unauthenticated("default");
        assert!(matches!(for_read(&prospect), Ok(Access::Prospect)));
    }

    #[test]
    fn a_customer_may_name_only_themselves() {
        let access = Access::Owner("me".into());
        let mut cart = json!({});
        assert!(matches!(access.related_parties(&mut cart), Ok(Some(p)) if p == "me"));
        assert_eq!(cart["relatedParty"][0]["id"], "me");
        let mut other = json!({"relatedParty": [{"id": "someone", "role": "customer"}]});
        let refused = access.related_parties(&mut other);
        assert!(
            matches!(&refused, Err(e) if e.to_string() == "Invalid id for related party!"),
            "{refused:?}"
        );
    }
}
