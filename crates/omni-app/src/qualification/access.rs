//! Who may ask a qualification question and whose answers a caller may read
//! (the rules are listed in the family's header, `qualification/mod.rs`).
//! `omni-api` also checks [`may_ask`] before it reads a request's body, so a
//! caller who may not ask gets 401/403 whatever it sent.

use crate::cart::Access;
use crate::error::{AppError, AppResult};
use omni_core::{AccessError, Principal, PrincipalKind};
use serde_json::{Map, Value, json};

/// Role a staff or system principal needs to ask.
pub const OPS_ROLE: &str = "sc.ops";
/// Role that lets a staff or system principal read answers (as does `sc.ops`).
pub const VIEW_ROLE: &str = "sc.view";

/// Whether `principal` may ask a question.
pub fn may_ask(principal: &Principal) -> AppResult<()> {
    match principal.kind {
        PrincipalKind::Unauthenticated | PrincipalKind::Customer => Ok(()),
        PrincipalKind::User | PrincipalKind::M2m => Ok(principal.require_role(OPS_ROLE)?),
    }
}

/// Which stored answers `principal` may read: `Ok(None)` all of its
/// tenant's, `Ok(Some(owner))` only those `owner` asked.
pub fn read_scope(principal: &Principal) -> AppResult<Option<String>> {
    match principal.kind {
        PrincipalKind::Unauthenticated => Err(AccessError::Unauthenticated.into()),
        PrincipalKind::Customer => principal
            .subject
            .clone()
            .map(Some)
            .ok_or_else(|| AccessError::Unauthenticated.into()),
        PrincipalKind::User | PrincipalKind::M2m => {
            if principal.has_role(OPS_ROLE) || principal.has_role(VIEW_ROLE) {
                Ok(None)
            } else {
                Err(AppError::Forbidden(format!(
                    "missing role '{VIEW_ROLE}' (or '{OPS_ROLE}')"
                )))
            }
        }
    }
}

/// The owner recorded on an answer: the customer who asked, so that it can
/// read the answer again.
pub fn owner_of(principal: &Principal) -> Option<String> {
    match principal.kind {
        PrincipalKind::Customer => principal.subject.clone(),
        _ => None,
    }
}

/// The customer party whose facts decide a TMF679 answer, by the carts'
/// related-party rules (the shopping cart page, seed 004): a customer is
/// always judged on their own facts (and may name no one else); staff and
/// systems on the `relatedParty` of role customer. A prospect's parties
/// are recorded only: naming a customer must not reveal their facts.
/// Each answer names at least one party (the TMF679 conformance profile):
/// when the request names none, the one who asked, as `requester`.
pub fn customer_party(
    principal: &Principal,
    body: &mut Map<String, Value>,
) -> AppResult<Option<String>> {
    let access = match principal.kind {
        PrincipalKind::Customer => Access::Owner(principal.subject.clone().unwrap_or_default()),
        PrincipalKind::User | PrincipalKind::M2m => Access::Any,
        PrincipalKind::Unauthenticated => Access::Prospect,
    };
    let mut doc = Value::Object(std::mem::take(body));
    let party = match access {
        Access::Prospect => Ok(None),
        _ => access.related_parties(&mut doc),
    };
    if let Value::Object(map) = doc {
        *body = map;
    }
    let party = party?;
    let named = body
        .get("relatedParty")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    if !named {
        let id = principal.subject.as_deref().unwrap_or("anonymous");
        // TMF679 and TMF645 both require `@referredType` of a RelatedParty:
        // a machine caller is a partner organization, anyone else a person.
        let referred = match principal.kind {
            PrincipalKind::M2m => "Organization",
            _ => "Individual",
        };
        body.insert(
            "relatedParty".into(),
            json!([{"id": id, "role": "requester", "@referredType": referred}]),
        );
    }
    Ok(party)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(kind: PrincipalKind, roles: &[&str]) -> Principal {
        Principal {
            kind,
            subject: Some("s1".into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            tenant: "t".into(),
            client_id: None,
        }
    }

    /// What an answer to `principal` would be: 401, 403, or allowed.
    fn status<T>(answer: AppResult<T>) -> Result<T, u16> {
        answer.map_err(|e| match e {
            AppError::Access(AccessError::Unauthenticated) => 401,
            AppError::Access(_) | AppError::Forbidden(_) => 403,
            _ => 500,
        })
    }

    #[test]
    fn who_may_ask_and_read() {
        let anonymous = Principal::unauthenticated("t");
        assert!(may_ask(&anonymous).is_ok());
        assert_eq!(status(read_scope(&anonymous)), Err(401));

        let customer = principal(PrincipalKind::Customer, &[]);
        assert!(may_ask(&customer).is_ok());
        assert_eq!(status(read_scope(&customer)), Ok(Some("s1".to_string())));
        assert_eq!(owner_of(&customer).as_deref(), Some("s1"));

        for kind in [PrincipalKind::User, PrincipalKind::M2m] {
            let ops = principal(kind, &[OPS_ROLE]);
            assert!(may_ask(&ops).is_ok());
            assert_eq!(status(read_scope(&ops)), Ok(None));
            assert_eq!(owner_of(&ops), None);
            let view = principal(kind, &[VIEW_ROLE]);
            assert_eq!(status(may_ask(&view)), Err(403));
            assert_eq!(status(read_scope(&view)), Ok(None));
            let none = principal(kind, &["catalog.admin"]);
            assert_eq!(status(may_ask(&none)), Err(403));
            assert_eq!(status(read_scope(&none)), Err(403));
        }
    }
}
