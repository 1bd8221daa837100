//! Single sign-on: the OpenID Connect authorization-code flow with PKCE
//! (RFC 7636), when the server accepts an issuer's tokens
//! (`OMNI_OIDC_ISSUER`) and the console has a client id at that issuer
//! (`OMNI_CONSOLE_OIDC_CLIENT_ID`).
//!
//! 1. `GET /console/oidc/start`: a random `state` and code verifier are
//!    sealed into a ten-minute cookie (`SameSite=Lax`: it must come back on
//!    the issuer's redirect, a navigation from another site); the browser
//!    goes to the issuer's `authorization_endpoint` with the verifier's
//!    SHA-256 as `code_challenge` (S256).
//! 2. The user signs in at the issuer, which redirects to
//!    `GET /console/oidc/callback?code=…&state=…`.
//! 3. The callback checks `state` against the cookie, exchanges the code at
//!    the `token_endpoint` with the verifier (a stolen code is useless
//!    without it), and checks the access token exactly as every API does:
//!    issuer, audience, signature, roles, tenant. Then the session starts
//!    as with a pasted token ([`crate::session`]).
//! 4. The answer is a page that moves on to `/console` itself: the session
//!    cookie is `SameSite=Strict`, and a browser does not send it on a
//!    redirect chain that a navigation from the issuer's site began.

use crate::page;
use crate::session::{self, cookie, cookie_header, random_value};
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::html;
use omni_api::state::AppState;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The console's client at the identity provider.
#[derive(Debug, Clone)]
pub struct OidcClient {
    pub client_id: String,
    /// For a confidential client; a public client (PKCE alone) has none.
    pub client_secret: Option<String>,
    /// Space-separated; `openid` at least.
    pub scopes: String,
}

/// Settings of the console, from the binary's configuration.
#[derive(Debug, Clone, Default)]
pub struct ConsoleConfig {
    /// Single sign-on through the API's OpenID issuer; `None`: tokens are
    /// pasted on the sign-in page.
    pub oidc: Option<OidcClient>,
}

/// The flow's cookie.
const FLOW_COOKIE: &str = "omni_console_oidc";
/// How long a user may take at the issuer, in seconds.
const FLOW_SECS: u32 = 600;

#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    verifier: String,
}

fn redirect_uri(state: &AppState) -> String {
    format!(
        "{}{}/oidc/callback",
        state.ctx.config.public_url.trim_end_matches('/'),
        crate::BASE
    )
}

/// The code challenge of `verifier` (RFC 7636, S256).
fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn sign_in_error(
    state: &AppState,
    config: &ConsoleConfig,
    status: StatusCode,
    why: &str,
) -> Response {
    session::sign_in_answer(state, config, status, Some(why))
}

/// Step 1: to the issuer's sign-in page.
pub async fn start(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<ConsoleConfig>>,
) -> Response {
    let (Some(client), Some(keys)) = (&config.oidc, state.auth.key_set()) else {
        return page::Refusal::NotFound.into_response();
    };
    let endpoints = match keys.endpoints().await {
        Ok(endpoints) => endpoints,
        Err(why) => {
            tracing::warn!(%why, "console sign-in: the identity provider is out of reach");
            return sign_in_error(
                &state,
                &config,
                StatusCode::SERVICE_UNAVAILABLE,
                "The identity provider cannot be reached; try again later.",
            );
        }
    };
    let flow = Flow {
        state: random_value(),
        verifier: random_value(),
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", &redirect_uri(&state))
        .append_pair("scope", &client.scopes)
        .append_pair("state", &flow.state)
        .append_pair("code_challenge", &challenge(&flow.verifier))
        .append_pair("code_challenge_method", "S256")
        .finish();
    let separator = if endpoints.authorization.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{}{separator}{query}", endpoints.authorization);
    let (Ok(location), Ok(json)) = (
        HeaderValue::from_str(&location),
        serde_json::to_string(&flow),
    ) else {
        return page::Refusal::BadForm(
            "the issuer's authorization endpoint is not a valid URL".into(),
        )
        .into_response();
    };
    let sealed = state.ctx.config.secrets.seal(&json);
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(LOCATION, location);
    headers.append(
        SET_COOKIE,
        cookie_header(&state, FLOW_COOKIE, &sealed, Some(FLOW_SECS), "Lax"),
    );
    response
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Steps 3 and 4: the code becomes a session.
pub async fn callback(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<ConsoleConfig>>,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Response {
    let (Some(client), Some(keys)) = (&config.oidc, state.auth.key_set()) else {
        return page::Refusal::NotFound.into_response();
    };
    let refuse = |status, why: &str| {
        let mut response = sign_in_error(&state, &config, status, why);
        response.headers_mut().append(
            SET_COOKIE,
            cookie_header(&state, FLOW_COOKIE, "", Some(0), "Lax"),
        );
        response
    };
    if let Some(error) = &answer.error {
        let detail = answer.error_description.as_deref().unwrap_or("");
        return refuse(
            StatusCode::UNAUTHORIZED,
            &format!("The identity provider did not sign you in: {error} {detail}"),
        );
    }
    let flow = cookie(&headers, FLOW_COOKIE)
        .and_then(|sealed| state.ctx.config.secrets.open_sealed(sealed).ok())
        .and_then(|json| serde_json::from_str::<Flow>(&json).ok());
    let (Some(flow), Some(code), Some(returned)) = (flow, &answer.code, &answer.state) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The sign-in expired or did not start here; start again.",
        );
    };
    if flow.state != *returned {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The sign-in answer does not belong to this browser's sign-in; start again.",
        );
    }
    let endpoints = match keys.endpoints().await {
        Ok(endpoints) => endpoints,
        Err(why) => {
            tracing::warn!(%why, "console sign-in: the identity provider is out of reach");
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "The identity provider cannot be reached; try again later.",
            );
        }
    };
    let redirect = redirect_uri(&state);
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect.as_str()),
        ("client_id", client.client_id.as_str()),
        ("code_verifier", flow.verifier.as_str()),
    ];
    if let Some(secret) = &client.client_secret {
        form.push(("client_secret", secret.as_str()));
    }
    let tokens = match keys.post_form(&endpoints.token, &form).await {
        Ok(tokens) => tokens,
        Err(why) => {
            tracing::warn!(%why, "console sign-in: the code exchange failed");
            return refuse(
                StatusCode::UNAUTHORIZED,
                "The identity provider did not exchange the sign-in code; start again.",
            );
        }
    };
    let Some(token) = tokens.get("access_token").and_then(|t| t.as_str()) else {
        return refuse(
            StatusCode::BAD_GATEWAY,
            "The identity provider answered without an access token.",
        );
    };
    let principal = match session::check_token(&state, token).await {
        Ok(principal) => principal,
        Err(why) => return refuse(StatusCode::UNAUTHORIZED, &why),
    };
    let onward = html! {
        meta http-equiv="refresh" content="0; url=/console";
        h1 { "Signed in" }
        p { a href="/console" id="continue" { "Continue to the console" } }
    };
    let mut response = page::bare("Signed in", onward).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        cookie_header(&state, FLOW_COOKIE, "", Some(0), "Lax"),
    );
    session::start_session(&state, &principal, token, response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_verifiers_sha256_in_base64url() {
        // Computed apart, with Python's hashlib and base64.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mJ92ZLBfRlA9cFNN7Ou-bh8G1LJ0qY"),
            "TnzoUdn097Pi5V3Clyj0cjvkIO4xWUL5T6lNgTk6W9A"
        );
    }
}
