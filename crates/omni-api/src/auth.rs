//! Bearer tokens. Two kinds are verified:
//!
//! - Omni's own HS256 tokens (`omni token`, the tests), signed with
//!   `OMNI_JWT_SECRET` or the development secret, with Omni's claim names;
//! - with an OpenID Connect issuer configured, an identity provider's tokens
//!   (RS256/384/512, PS256/384/512, ES256/384, EdDSA) verified against the
//!   issuer's JWKS, with configurable claim names (Keycloak-style tokens).
//!
//! Both obey the same time rules: `exp` required, `nbf` and `iat` checked when
//! present (numbers only) with a bounded leeway, and a maximum lifetime. No
//! token means the unauthenticated principal; a token that is present but
//! invalid is always a 401, never a silent downgrade.

mod jwks;

use crate::error::{ApiError, CHALLENGE_INVALID};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use omni_core::{Principal, PrincipalKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

pub use jwks::KeySet;

/// Default clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Largest leeway accepted: more would make `exp` meaningless.
pub const MAX_LEEWAY_SECS: u64 = 300;
/// Default longest lifetime of a token, in seconds (one day).
pub const DEFAULT_MAX_LIFETIME_SECS: u64 = 86_400;

/// The claims of Omni's own tokens.
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

/// Where an identity provider's token keeps what Omni reads. Each name may be
/// a dotted path into nested objects, e.g. `realm_access.roles`.
#[derive(Debug, Clone)]
pub struct ClaimNames {
    pub tenant: String,
    pub roles: String,
    pub client: String,
    pub kind: String,
}

impl Default for ClaimNames {
    /// The names of Omni's own tokens.
    fn default() -> Self {
        Self {
            tenant: "tenant".into(),
            roles: "roles".into(),
            client: "client_id".into(),
            kind: "typ".into(),
        }
    }
}

/// An OpenID Connect issuer whose tokens are accepted.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// Must equal the tokens' `iss`; its discovery document is
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// Must be one of the tokens' `aud`.
    pub audience: String,
    pub claims: ClaimNames,
    /// Shortest time between two fetches of the key set.
    pub min_refresh_interval: Duration,
    /// Age after which the key set is fetched again (so a key the issuer
    /// removed stops verifying even when no unknown `kid` comes along).
    pub max_key_age: Duration,
    pub fetch_timeout: Duration,
}

impl OidcConfig {
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            claims: ClaimNames::default(),
            min_refresh_interval: Duration::from_secs(30),
            max_key_age: Duration::from_secs(600),
            fetch_timeout: Duration::from_secs(5),
        }
    }
}

/// How bearer tokens are verified.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The HS256 secret of Omni's own tokens; `None`: none are accepted.
    pub hs256_secret: Option<Vec<u8>>,
    pub default_tenant: String,
    pub leeway_secs: u64,
    pub max_lifetime_secs: u64,
    /// The audience an HS256 token's `aud` must name when it has one
    /// (without one, a token with an `aud` is refused: it was meant for
    /// another service). An OpenID issuer's audience is in [`OidcConfig`].
    pub audience: Option<String>,
    pub oidc: Option<OidcConfig>,
}

impl AuthConfig {
    /// Omni's own tokens signed with `secret`, default time rules.
    pub fn hs256(secret: &[u8], default_tenant: impl Into<String>) -> Self {
        Self {
            hs256_secret: Some(secret.to_vec()),
            default_tenant: default_tenant.into(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            max_lifetime_secs: DEFAULT_MAX_LIFETIME_SECS,
            audience: None,
            oidc: None,
        }
    }
}

struct Oidc {
    keys: KeySet,
    claims: ClaimNames,
    validation: Validation,
}

struct Hs256 {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

#[derive(Clone)]
pub struct Auth {
    hs256: Option<Arc<Hs256>>,
    oidc: Option<Arc<Oidc>>,
    leeway: i64,
    max_lifetime: i64,
    pub default_tenant: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("principal type 'unauthenticated' cannot be put in a token")]
    UnauthenticatedKind,
    #[error(
        "no HS256 secret is configured: this server accepts only its identity provider's tokens"
    )]
    NoSecret,
    #[error("could not sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

/// The time rules both kinds of token share; `jsonwebtoken` checks `exp`,
/// `nbf` (a non-numeric one is refused) and, when given, `iss` and `aud`.
fn validation(algorithms: Vec<Algorithm>, leeway: u64, audience: Option<&str>) -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.algorithms = algorithms;
    v.leeway = leeway;
    v.validate_exp = true;
    v.validate_nbf = true;
    v.set_required_spec_claims(&["exp", "sub"]);
    // Without a configured audience any `aud` is refused (RFC 7519, 4.1.3).
    if let Some(audience) = audience {
        v.set_audience(&[audience]);
    }
    v
}

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::unauthorized(
        format!("invalid bearer token: {message}"),
        CHALLENGE_INVALID,
    )
}

impl Auth {
    /// Omni's own HS256 tokens only, default time rules.
    pub fn new(secret: &[u8], default_tenant: impl Into<String>) -> Self {
        Self::from_config(AuthConfig::hs256(secret, default_tenant))
    }

    pub fn from_config(config: AuthConfig) -> Self {
        let leeway = config.leeway_secs.min(MAX_LEEWAY_SECS);
        let hs256 = config.hs256_secret.as_deref().map(|secret| {
            Arc::new(Hs256 {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation: validation(vec![Algorithm::HS256], leeway, config.audience.as_deref()),
            })
        });
        let oidc = config.oidc.map(|o| {
            // The algorithms are narrowed per key, by its type, before use.
            let mut v = validation(vec![Algorithm::RS256], leeway, Some(&o.audience));
            v.set_issuer(&[&o.issuer]);
            v.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
            Arc::new(Oidc {
                keys: KeySet::new(
                    o.issuer,
                    o.min_refresh_interval,
                    o.max_key_age,
                    o.fetch_timeout,
                ),
                claims: o.claims,
                validation: v,
            })
        });
        Self {
            hs256,
            oidc,
            leeway: i64::try_from(leeway).unwrap_or(i64::MAX),
            max_lifetime: i64::try_from(config.max_lifetime_secs).unwrap_or(i64::MAX),
            default_tenant: config.default_tenant,
        }
    }

    /// The identity provider's key set, when an issuer is configured (to
    /// fetch it at start rather than on the first request).
    pub fn key_set(&self) -> Option<&KeySet> {
        self.oidc.as_deref().map(|o| &o.keys)
    }

    pub fn mint(&self, claims: &Claims) -> Result<String, TokenError> {
        if claims.kind == PrincipalKind::Unauthenticated {
            return Err(TokenError::UnauthenticatedKind);
        }
        let hs256 = self.hs256.as_ref().ok_or(TokenError::NoSecret)?;
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &hs256.encoding,
        )?)
    }

    /// The principal a request's `Authorization` header names.
    pub async fn principal(&self, authorization: Option<&str>) -> Result<Principal, ApiError> {
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
        // `alg: none` and unknown algorithms fail here.
        let header = jsonwebtoken::decode_header(token).map_err(invalid)?;
        let (claims, names, strict_kind) = if header.alg == Algorithm::HS256 {
            let hs256 = self
                .hs256
                .as_ref()
                .ok_or_else(|| invalid("HS256 tokens are not accepted by this server"))?;
            let data = jsonwebtoken::decode::<Map<String, Value>>(
                token,
                &hs256.decoding,
                &hs256.validation,
            )
            .map_err(invalid)?;
            (data.claims, ClaimNames::default(), true)
        } else {
            let oidc = self.oidc.as_ref().ok_or_else(|| {
                invalid(format!(
                    "{:?} tokens are not accepted by this server",
                    header.alg
                ))
            })?;
            let kid = header
                .kid
                .as_deref()
                .ok_or_else(|| invalid("the token names no key (kid)"))?;
            let key = oidc.keys.key(kid).await.map_err(|e| match e {
                jwks::KeyError::Unknown => invalid("unknown signing key (kid)"),
                jwks::KeyError::Unavailable(message) => ApiError::unavailable(message),
            })?;
            // Only the algorithms of the key's own type: a token cannot pick
            // HMAC and have the public key used as its secret.
            if !key.algorithms.contains(&header.alg) {
                return Err(invalid(format!(
                    "algorithm {:?} does not match the key's type",
                    header.alg
                )));
            }
            let mut validation = oidc.validation.clone();
            validation.algorithms = key.algorithms.clone();
            let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
                .map_err(invalid)?;
            (data.claims, oidc.claims.clone(), false)
        };
        self.check_times(&claims)?;
        principal_from(&claims, &names, strict_kind)
    }

    /// `iat` and the lifetime, which `jsonwebtoken` does not check.
    fn check_times(&self, claims: &Map<String, Value>) -> Result<(), ApiError> {
        let now = chrono::Utc::now().timestamp();
        let exp = numeric(claims, "exp")?.ok_or_else(|| invalid("claim 'exp' is required"))?;
        let iat = numeric(claims, "iat")?;
        if let Some(iat) = iat
            && iat > now.saturating_add(self.leeway)
        {
            return Err(invalid("claim 'iat' is in the future"));
        }
        let lifetime = exp.saturating_sub(iat.unwrap_or(now));
        if lifetime > self.max_lifetime {
            return Err(invalid(format!(
                "its lifetime ({lifetime} s) is longer than the {} s allowed",
                self.max_lifetime
            )));
        }
        Ok(())
    }
}

/// A time claim as whole seconds: absent is `None`, anything but a number
/// is refused.
fn numeric(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, ApiError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| invalid(format!("claim '{name}' is not a NumericDate"))),
        Some(_) => Err(invalid(format!("claim '{name}' must be a number"))),
    }
}

/// The value at a dotted path (`realm_access.roles`); a name that is itself
/// a key (some providers put dots in claim names) wins over the path.
fn lookup<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    let mut parts = path.split('.');
    let mut current = claims.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

fn string_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match lookup(claims, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("claim '{name}' must be a string"))),
    }
}

/// The principal verified claims name. Omni's own tokens must name their
/// type (`strict_kind`); an identity provider's token whose type claim is
/// absent or not one of Omni's (Keycloak's `typ` is `Bearer`) is a `user`.
fn principal_from(
    claims: &Map<String, Value>,
    names: &ClaimNames,
    strict_kind: bool,
) -> Result<Principal, ApiError> {
    let sub = string_claim(claims, "sub")?.ok_or_else(|| invalid("claim 'sub' is required"))?;
    let tenant = string_claim(claims, &names.tenant)?.unwrap_or_default();
    let client_id = string_claim(claims, &names.client)?;
    let roles = match lookup(claims, &names.roles) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| r.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid(format!("claim '{}' must be a list of strings", names.roles)))?,
        Some(_) => {
            return Err(invalid(format!(
                "claim '{}' must be a list of strings",
                names.roles
            )));
        }
    };
    let kind_text = string_claim(claims, &names.kind).ok().flatten();
    // A claim no database can store names no principal (see `input`).
    let nul = [("sub", &sub), (names.tenant.as_str(), &tenant)]
        .into_iter()
        .chain(roles.iter().map(|r| (names.roles.as_str(), r)))
        .chain(client_id.iter().map(|c| (names.client.as_str(), c)))
        .chain(kind_text.iter().map(|k| (names.kind.as_str(), k)))
        .find(|(_, v)| omni_core::formats::has_nul(v));
    if let Some((claim, _)) = nul {
        return Err(invalid(format!(
            "claim '{claim}' {}",
            omni_core::formats::NUL_RULE
        )));
    }
    let kind = match kind_text.as_deref() {
        Some("user") => PrincipalKind::User,
        Some("m2m") => PrincipalKind::M2m,
        Some("customer") => PrincipalKind::Customer,
        Some("unauthenticated") => {
            return Err(ApiError::unauthorized(
                "a token cannot name the unauthenticated principal",
                CHALLENGE_INVALID,
            ));
        }
        _ if strict_kind => {
            return Err(invalid(format!(
                "claim '{}' must be user, m2m or customer",
                names.kind
            )));
        }
        _ => PrincipalKind::User,
    };
    if tenant.is_empty() {
        return Err(ApiError::unauthorized(
            "the token names no tenant",
            CHALLENGE_INVALID,
        ));
    }
    Ok(Principal {
        kind,
        subject: Some(sub),
        roles,
        tenant,
        // An empty claim names no client; treated as absent.
        client_id: client_id.filter(|c| !c.trim().is_empty()),
    })
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
        state.auth.principal(header).await.map(Caller)
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

    fn sign(secret: &[u8], claims: &Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret),
        )
        .expect("sign")
    }

    #[tokio::test]
    async fn minted_tokens_round_trip() {
        let auth = Auth::new(b"secret", "default");
        let token = auth.mint(&claims(PrincipalKind::M2m, 600)).expect("mint");
        let p = auth
            .principal(Some(&format!("Bearer {token}")))
            .await
            .expect("valid");
        assert_eq!(p.kind, PrincipalKind::M2m);
        assert_eq!(p.tenant, "acme");
        assert!(p.has_role("sc.ops"));
        assert_eq!(p.client_id.as_deref(), Some("client-7"));
    }

    #[tokio::test]
    async fn bad_tokens_are_401() {
        let auth = Auth::new(b"secret", "default");
        let other = Auth::new(b"other", "default");
        let forged = other.mint(&claims(PrincipalKind::User, 600)).expect("mint");
        let expired = auth
            .mint(&claims(PrincipalKind::User, -3600))
            .expect("mint");
        let too_long = auth
            .mint(&claims(PrincipalKind::User, 86_400 + 60))
            .expect("mint");
        let now = chrono::Utc::now().timestamp();
        let base =
            serde_json::json!({"sub": "s", "typ": "user", "tenant": "acme", "exp": now + 600});
        let with = |key: &str, value: Value| {
            let mut c = base.clone();
            c[key] = value;
            sign(b"secret", &c)
        };
        for header in [
            format!("Bearer {forged}"),
            format!("Bearer {expired}"),
            format!("Bearer {too_long}"),
            format!("Bearer {}", with("nbf", "soon".into())),
            format!("Bearer {}", with("nbf", (now + 3600).into())),
            format!("Bearer {}", with("iat", "now".into())),
            format!("Bearer {}", with("iat", (now + 3600).into())),
            format!("Bearer {}", with("aud", "some-other-service".into())),
            format!("Bearer {}", with("typ", "Bearer".into())),
            format!("Bearer {}", with("roles", "sc.ops".into())),
            "Basic abc".into(),
            "Bearer ".into(),
        ] {
            let err = auth
                .principal(Some(&header))
                .await
                .expect_err("must be refused");
            assert_eq!(err.status.as_u16(), 401, "{header}");
        }
        // Within the leeway, and a lifetime under the cap without `iat`.
        for token in [
            with("nbf", (now + 10).into()),
            with("iat", (now + 10).into()),
        ] {
            auth.principal(Some(&format!("Bearer {token}")))
                .await
                .expect("accepted");
        }
    }

    #[tokio::test]
    async fn an_hs256_audience_must_be_the_configured_one() {
        let mut config = AuthConfig::hs256(b"secret", "default");
        config.audience = Some("omni".into());
        let auth = Auth::from_config(config);
        let now = chrono::Utc::now().timestamp();
        let token = |aud: Value| {
            sign(
                b"secret",
                &serde_json::json!({"sub": "s", "typ": "user", "tenant": "acme", "exp": now + 600, "aud": aud}),
            )
        };
        for ok in [
            token("omni".into()),
            token(serde_json::json!(["x", "omni"])),
        ] {
            auth.principal(Some(&format!("Bearer {ok}")))
                .await
                .expect("accepted");
        }
        let err = auth
            .principal(Some(&format!("Bearer {}", token("other".into()))))
            .await
            .expect_err("refused");
        assert_eq!(err.status.as_u16(), 401);
    }

    #[tokio::test]
    async fn hs256_is_refused_without_a_secret() {
        let mut config = AuthConfig::hs256(b"secret", "default");
        config.hs256_secret = None;
        let auth = Auth::from_config(config);
        let token = Auth::new(b"secret", "default")
            .mint(&claims(PrincipalKind::User, 600))
            .expect("mint");
        let err = auth
            .principal(Some(&format!("Bearer {token}")))
            .await
            .expect_err("refused");
        assert_eq!(err.status.as_u16(), 401);
        assert!(auth.mint(&claims(PrincipalKind::User, 600)).is_err());
    }

    #[test]
    fn dotted_paths_reach_nested_claims() {
        let claims = serde_json::json!({"realm_access": {"roles": ["a"]}, "a.b": 1});
        let map = claims.as_object().expect("object");
        assert_eq!(
            lookup(map, "realm_access.roles"),
            Some(&serde_json::json!(["a"]))
        );
        assert_eq!(lookup(map, "a.b"), Some(&serde_json::json!(1)));
        assert_eq!(lookup(map, "realm_access.missing"), None);
    }

    #[tokio::test]
    async fn no_token_is_the_unauthenticated_principal() {
        let p = Auth::new(b"s", "default")
            .principal(None)
            .await
            .expect("ok");
        assert_eq!(p.kind, PrincipalKind::Unauthenticated);
        assert_eq!(p.tenant, "default");
    }
}
