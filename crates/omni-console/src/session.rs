//! Signing in and staying signed in.
//!
//! 1. `GET /console/sign-in` sets a short-lived `omni_console_sign_in` cookie
//!    holding a random value and puts the same value in the form (a login
//!    form is protected against CSRF too: another site must not sign a
//!    browser in as someone else).
//! 2. `POST /console/sign-in` checks the two agree, then checks the token the
//!    way every API does ([`omni_api::auth::Auth::principal`]). A `customer`
//!    token, or none, is refused.
//! 3. The session is one cookie, `omni_console`: the token and a random CSRF
//!    value, sealed with the server's key (AES-256-GCM, the key webhook
//!    secrets are sealed with), `HttpOnly`, `SameSite=Strict`, `Secure` when
//!    the public URL is https. Nothing is kept on the server, so any node of
//!    a cluster reads it and a restart signs nobody out.
//! 4. Every request opens the cookie and checks the token again: an expired
//!    or revoked-by-rotation token ends the session at once.
//! 5. Every form carries the CSRF value in a hidden `csrf` field; a POST
//!    whose value differs from the session's is refused ([`Posted`]).

use crate::oidc::ConsoleConfig;
use crate::page::{self, Refusal};
use axum::Extension;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::html;
use omni_api::state::AppState;
use omni_core::{Principal, PrincipalKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The session cookie.
pub const COOKIE_NAME: &str = "omni_console";
/// The sign-in form's CSRF cookie.
const SIGN_IN_COOKIE: &str = "omni_console_sign_in";
/// Largest sign-in or form body read, in bytes: a token is a few KB at most.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// What the session cookie holds, before sealing.
#[derive(Serialize, Deserialize)]
struct Sealed {
    /// The bearer token, checked again on every request.
    token: String,
    /// The value every form of this session must carry.
    csrf: String,
}

/// A signed-in console user: the token's principal and the session's CSRF
/// value, which every form puts in its hidden `csrf` field.
#[derive(Debug, Clone)]
pub struct Agent {
    pub principal: Principal,
    pub csrf: String,
}

impl Agent {
    /// The name shown in the header: the token's subject.
    pub fn name(&self) -> &str {
        self.principal.subject.as_deref().unwrap_or("")
    }

    /// Whether the principal holds any of `roles`.
    pub fn has_any(&self, roles: &[&str]) -> bool {
        roles.iter().any(|r| self.principal.has_role(r))
    }

    /// Refuses with a 403 page naming `roles` unless the principal holds one.
    pub fn require_any(&self, roles: &'static [&'static str]) -> Result<(), Refusal> {
        if self.has_any(roles) {
            Ok(())
        } else {
            Err(Refusal::Forbidden(roles))
        }
    }
}

pub(crate) fn random_value() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The value of cookie `name`, if the request sent it.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Compares without stopping at the first difference, so the time taken
/// does not tell an attacker how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `Set-Cookie` for `name`, `SameSite=Strict`: `max_age` `None` keeps it for
/// the browser session; `Some(0)` deletes it.
fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<u32>) -> HeaderValue {
    cookie_header(state, name, value, max_age, "Strict")
}

/// `Set-Cookie` for `name` with the given `SameSite` (`Lax` only for the
/// sign-in flow's cookie, which must come back on the identity provider's
/// redirect to the console).
pub(crate) fn cookie_header(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: Option<u32>,
    same_site: &str,
) -> HeaderValue {
    let secure = if state.ctx.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let text = format!(
        "{name}={value}; Path={}; HttpOnly; SameSite={same_site}{secure}{age}",
        crate::BASE
    );
    // Values are base64 and the sealed format's characters: always valid.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The principal a token names, if the console lets it in.
pub(crate) async fn check_token(state: &AppState, token: &str) -> Result<Principal, String> {
    let token = token.trim();
    if token.is_empty() {
        return Err("Paste a token to sign in.".into());
    }
    let principal = state
        .auth
        .principal(Some(&format!("Bearer {token}")))
        .await
        .map_err(|e| e.message)?;
    match principal.kind {
        PrincipalKind::User | PrincipalKind::M2m => Ok(principal),
        PrincipalKind::Customer => Err(
            "Customer tokens cannot sign in to the console: it is for the operator's staff.".into(),
        ),
        PrincipalKind::Unauthenticated => Err("The token names no principal.".into()),
    }
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refusal> {
        let sealed = cookie(&parts.headers, COOKIE_NAME).ok_or(Refusal::SignIn)?;
        let plain = state
            .ctx
            .config
            .secrets
            .open_sealed(sealed)
            .map_err(|_| Refusal::SignIn)?;
        let session: Sealed = serde_json::from_str(&plain).map_err(|_| Refusal::SignIn)?;
        // An expired token, or one the server no longer accepts, ends the
        // session: the user signs in again.
        let principal = check_token(state, &session.token)
            .await
            .map_err(|_| Refusal::SignIn)?;
        Ok(Agent {
            principal,
            csrf: session.csrf,
        })
    }
}

/// A form posted by a signed-in user, its CSRF value checked.
pub struct Posted {
    pub agent: Agent,
    pairs: Vec<(String, String)>,
    body: axum::body::Bytes,
}

impl Posted {
    /// The form's fields as `T` (absent fields are `None`/default where `T`
    /// says so); a field that does not fit is named.
    pub fn value<T: DeserializeOwned>(&self) -> Result<T, Refusal> {
        serde_urlencoded::from_bytes(&self.body)
            .map_err(|e| Refusal::BadForm(format!("the form does not fit: {e}")))
    }

    /// The first value of field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of field `name` (checkboxes, repeated inputs).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl FromRequest<AppState> for Posted {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Refusal> {
        let (mut parts, body) = request.into_parts();
        let agent = Agent::from_request_parts(&mut parts, state).await?;
        let body = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| Refusal::BadForm("the form is larger than 64 KiB".into()))?;
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if !same(sent, &agent.csrf) {
            return Err(Refusal::Csrf);
        }
        Ok(Posted { agent, pairs, body })
    }
}

/// The sign-in page, with a fresh CSRF value for its form.
pub async fn sign_in_page(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<ConsoleConfig>>,
) -> Response {
    sign_in_answer(&state, &config, StatusCode::OK, None)
}

pub(crate) fn sign_in_answer(
    state: &AppState,
    config: &ConsoleConfig,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let csrf = random_value();
    let single_sign_on = config.oidc.is_some() && state.auth.key_set().is_some();
    let body = html! {
        h1 { "Omni Console" }
        @if single_sign_on {
            p { a class="button" id="single-sign-on" href="/console/oidc/start" {
                "Sign in with your identity provider" } }
            p { "Or paste a token (service accounts, development):" }
        } @else {
            p { "Sign in with a token from your identity provider, or in development one that "
                code { "omni token --role <role>" } " prints." }
        }
        form id="sign-in" method="post" action="/console/sign-in" {
            input type="hidden" name="csrf" value=(csrf);
            div class="field" {
                label for="token" { "Token" }
                textarea id="token" name="token" rows="5" required
                    autocomplete="off" spellcheck="false"
                    aria-describedby=[error.map(|_| "token-error")]
                    aria-invalid=[error.map(|_| "true")] {}
                @if let Some(error) = error {
                    p id="token-error" class="error" role="alert" { (error) }
                }
            }
            button type="submit" { "Sign in" }
        }
    };
    let mut response = (status, page::bare("Sign in", body)).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(state, SIGN_IN_COOKIE, &csrf, Some(15 * 60)),
    );
    response
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

/// Checks the token and starts the session.
pub async fn sign_in(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<ConsoleConfig>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return sign_in_answer(
            &state,
            &config,
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("The token is larger than 64 KiB."),
        );
    };
    let form: SignInForm = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(_) => {
            return sign_in_answer(
                &state,
                &config,
                StatusCode::BAD_REQUEST,
                Some("The form was not sent whole."),
            );
        }
    };
    let expected = cookie(&parts.headers, SIGN_IN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(&form.csrf, expected) {
        return sign_in_answer(
            &state,
            &config,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired or came from another site; try again."),
        );
    }
    match check_token(&state, &form.token).await {
        Err(why) => sign_in_answer(&state, &config, StatusCode::UNAUTHORIZED, Some(&why)),
        Ok(principal) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            response
                .headers_mut()
                .insert(LOCATION, HeaderValue::from_static(crate::BASE));
            start_session(&state, &principal, form.token.trim(), response)
        }
    }
}

/// Adds the session cookie for `token` (already checked: it names
/// `principal`) to `response`, and removes the sign-in form's cookie.
pub(crate) fn start_session(
    state: &AppState,
    principal: &Principal,
    token: &str,
    mut response: Response,
) -> Response {
    tracing::info!(subject = ?principal.subject, tenant = %principal.tenant, "console sign-in");
    let sealed = Sealed {
        token: token.to_string(),
        csrf: random_value(),
    };
    let Ok(json) = serde_json::to_string(&sealed) else {
        return Refusal::BadForm("the token could not be kept".into()).into_response();
    };
    let value = state.ctx.config.secrets.seal(&json);
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, set_cookie(state, COOKIE_NAME, &value, None));
    headers.append(SET_COOKIE, set_cookie(state, SIGN_IN_COOKIE, "", Some(0)));
    response
}

/// Ends the session (a form, so another site cannot sign the user out).
pub async fn sign_out(State(state): State<AppState>, _form: Posted) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(LOCATION, HeaderValue::from_static("/console/sign-in"));
    headers.append(SET_COOKIE, set_cookie(&state, COOKIE_NAME, "", Some(0)));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; omni_console=enc:v1:x; b=2"),
        );
        assert_eq!(cookie(&headers, COOKIE_NAME), Some("enc:v1:x"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn comparison_needs_equal_values() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }
}
