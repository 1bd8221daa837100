//! Bearer tokens: HS256 JWTs whose claims name the principal, its roles and
//! its tenant. No token means the unauthenticated principal; a token that is
//! present but invalid is always a 401, never a silent downgrade.

use crate::error::{ApiError, CHALLENGE_INVALID};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use omni_core::{Principal, PrincipalKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    /// Principal type: `user`, `m2m` or `customer`.
    #[serde(rename = "typ")]
    pub kind: PrincipalKind,
    #[serde(default)]
    pub roles: Vec<String>,
    pub tenant: String,
    /// The care client the caller acts for (`X-ATT-ClientId` must name it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub default_tenant: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("principal type 'unauthenticated' cannot be put in a token")]
    UnauthenticatedKind,
    #[error("could not sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

impl Auth {
    pub fn new(secret: &[u8], default_tenant: impl Into<String>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            default_tenant: default_tenant.into(),
        }
    }

    pub fn mint(&self, claims: &Claims) -> Result<String, TokenError> {
        if claims.kind == PrincipalKind::Unauthenticated {
            return Err(TokenError::UnauthenticatedKind);
        }
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// The principal a request's `Authorization` header names.
    pub fn principal(&self, authorization: Option<&str>) -> Result<Principal, ApiError> {
        let Some(value) = authorization else {
            return Ok(Principal::unauthenticated(self.default_tenant.clone()));
        };
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("Authorization must be 'Bearer <token>'", CHALLENGE_INVALID)
            })?;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                ApiError::unauthorized(format!("invalid bearer token: {e}"), CHALLENGE_INVALID)
            })?;
        let claims = data.claims;
        // A claim no database can store names no principal (see `input`).
        let nul = [("sub", &claims.sub), ("tenant", &claims.tenant)]
            .into_iter()
            .chain(claims.roles.iter().map(|r| ("roles", r)))
            .chain(claims.client_id.iter().map(|c| ("client_id", c)))
            .find(|(_, v)| omni_core::formats::has_nul(v));
        if let Some((claim, _)) = nul {
            return Err(ApiError::unauthorized(
                format!(
                    "invalid bearer token: claim '{claim}' {}",
                    omni_core::formats::NUL_RULE
                ),
                CHALLENGE_INVALID,
            ));
        }
        if claims.kind == PrincipalKind::Unauthenticated {
            return Err(ApiError::unauthorized(
                "a token cannot name the unauthenticated principal",
                CHALLENGE_INVALID,
            ));
        }
        if claims.tenant.is_empty() {
            return Err(ApiError::unauthorized(
                "the token names no tenant",
                CHALLENGE_INVALID,
            ));
        }
        Ok(Principal {
            kind: claims.kind,
            subject: Some(claims.sub),
            roles: claims.roles,
            tenant: claims.tenant,
            // An empty claim names no client; treated as absent.
            client_id: claims.client_id.filter(|c| !c.trim().is_empty()),
        })
    }
}

/// The calling principal, as an extractor.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = match parts.headers.get(AUTHORIZATION) {
            None => None,
            Some(v) => Some(v.to_str().map_err(|_| {
                ApiError::unauthorized("Authorization is not valid text", CHALLENGE_INVALID)
            })?),
        };
        state.auth.principal(header).map(Caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(kind: PrincipalKind, exp_offset: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: "agent-7".into(),
            kind,
            roles: vec!["sc.ops".into()],
            tenant: "acme".into(),
            client_id: Some("client-7".into()),
            iat: now,
            exp: now + exp_offset,
        }
    }

    #[test]
    fn minted_tokens_round_trip() {
        let auth = Auth::new(b"secret", "default");
        let token = auth.mint(&claims(PrincipalKind::M2m, 600)).expect("mint");
        let p = auth
            .principal(Some(&format!("Bearer {token}")))
            .expect("valid");
        assert_eq!(p.kind, PrincipalKind::M2m);
        assert_eq!(p.tenant, "acme");
        assert!(p.has_role("sc.ops"));
        assert_eq!(p.client_id.as_deref(), Some("client-7"));
    }

    #[test]
    fn bad_tokens_are_401() {
        let auth = Auth::new(b"secret", "default");
        let other = Auth::new(b"other", "default");
        let forged = other.mint(&claims(PrincipalKind::User, 600)).expect("mint");
        let expired = auth
            .mint(&claims(PrincipalKind::User, -3600))
            .expect("mint");
        for header in [
            format!("Bearer {forged}"),
            format!("Bearer {expired}"),
            "Basic abc".into(),
            "Bearer ".into(),
        ] {
            let err = auth.principal(Some(&header)).expect_err("must be refused");
            assert_eq!(err.status.as_u16(), 401, "{header}");
        }
    }

    #[test]
    fn no_token_is_the_unauthenticated_principal() {
        let p = Auth::new(b"s", "default").principal(None).expect("ok");
        assert_eq!(p.kind, PrincipalKind::Unauthenticated);
        assert_eq!(p.tenant, "default");
    }
}
