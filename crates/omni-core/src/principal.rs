//! Who is calling: the principal a bearer token names, or the unauthenticated
//! prospect when there is no token.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    User,
    M2m,
    Customer,
    Unauthenticated,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::M2m => "m2m",
            Self::Customer => "customer",
            Self::Unauthenticated => "unauthenticated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// The token's `sub`; `None` for the unauthenticated principal.
    pub subject: Option<String>,
    pub roles: Vec<String>,
    pub tenant: String,
    /// The token's `client_id`: the care client (the system an
    /// `X-ATT-ClientId` header names) the caller acts for. It comes from the
    /// signed token only, so a caller cannot act for another client by
    /// sending another header.
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("missing role '{0}'")]
    MissingRole(String),
    #[error("principal type '{0}' may not call this operation")]
    KindNotAllowed(&'static str),
    /// A customer's token named a staff role: it grants nothing.
    #[error("missing role '{0}': a customer token's roles grant nothing")]
    CustomerRole(String),
}

impl Principal {
    pub fn unauthenticated(tenant: impl Into<String>) -> Self {
        Self {
            kind: PrincipalKind::Unauthenticated,
            subject: None,
            roles: Vec::new(),
            tenant: tenant.into(),
            client_id: None,
        }
    }

    /// Roles are staff's: only users and machines hold them. A customer
    /// reaches only their own resources, through the rules of the families
    /// that serve customers (carts, qualifications), whatever roles their
    /// token carries; so no role check anywhere lets a customer read every
    /// party's orders, promotions or listeners, or write the catalog.
    pub fn has_role(&self, role: &str) -> bool {
        matches!(self.kind, PrincipalKind::User | PrincipalKind::M2m)
            && self.roles.iter().any(|r| r == role)
    }

    /// An unauthenticated caller gets `Unauthenticated` (401) rather than
    /// `MissingRole` (403): a token might fix it.
    pub fn require_role(&self, role: &str) -> Result<(), AccessError> {
        if self.kind == PrincipalKind::Unauthenticated {
            return Err(AccessError::Unauthenticated);
        }
        if self.kind == PrincipalKind::Customer && self.roles.iter().any(|r| r == role) {
            return Err(AccessError::CustomerRole(role.to_string()));
        }
        if self.has_role(role) {
            Ok(())
        } else {
            Err(AccessError::MissingRole(role.to_string()))
        }
    }

    pub fn require_kind(&self, allowed: &[PrincipalKind]) -> Result<(), AccessError> {
        if allowed.contains(&self.kind) {
            Ok(())
        } else if self.kind == PrincipalKind::Unauthenticated {
            Err(AccessError::Unauthenticated)
        } else {
            Err(AccessError::KindNotAllowed(self.kind.as_str()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[&str]) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            subject: Some("u1".into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            tenant: "default".into(),
            client_id: None,
        }
    }

    #[test]
    fn roles_decide_between_401_and_403() {
        assert_eq!(
            Principal::unauthenticated("t").require_role("sc.ops"),
            Err(AccessError::Unauthenticated)
        );
        assert_eq!(
            user(&["sc.view"]).require_role("sc.ops"),
            Err(AccessError::MissingRole("sc.ops".into()))
        );
        assert_eq!(user(&["sc.ops"]).require_role("sc.ops"), Ok(()));
    }

    #[test]
    fn a_customers_roles_grant_nothing() {
        let mut customer = user(&["order.view", "promotion.admin"]);
        customer.kind = PrincipalKind::Customer;
        assert!(!customer.has_role("order.view"));
        assert_eq!(
            customer.require_role("promotion.admin"),
            Err(AccessError::CustomerRole("promotion.admin".into()))
        );
        assert_eq!(
            customer.require_role("catalog.admin"),
            Err(AccessError::MissingRole("catalog.admin".into()))
        );
    }

    #[test]
    fn kinds_are_checked() {
        let allowed = [PrincipalKind::User, PrincipalKind::M2m];
        assert!(user(&[]).require_kind(&allowed).is_ok());
        assert_eq!(
            Principal::unauthenticated("t").require_kind(&allowed),
            Err(AccessError::Unauthenticated)
        );
    }
}
