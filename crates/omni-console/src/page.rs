//! The frame every console page shares (header, navigation by role, main
//! content), the refusal pages, and the display of a use case's error next
//! to the fields it names.

use crate::screen::{SCREENS, Screen};
use crate::session::Agent;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use omni_api::error::ApiError;
use omni_app::AppError;
use omni_core::document::FieldError;

/// The `<head>` and skip link every page has.
fn document(title: &str, header: Markup, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Omni Console" }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                (header)
                main id="main" tabindex="-1" { (main) }
            }
        }
    }
}

/// A page without navigation: sign-in and refusals.
pub fn bare(title: &str, main: Markup) -> Markup {
    let header = html! {
        header class="top" { a class="brand" href="/console" { "Omni Console" } }
    };
    document(title, header, main)
}

/// A signed-in page: the header with the user and sign-out, the screens
/// their roles open, and `main`. `current` marks the screen in the nav.
pub fn layout(agent: &Agent, title: &str, current: Option<&Screen>, main: Markup) -> Markup {
    let header = html! {
        header class="top" {
            a class="brand" href="/console" { "Omni Console" }
            nav aria-label="Console" {
                ul {
                    @for screen in SCREENS.iter().filter(|s| agent.has_any(s.roles)) {
                        li {
                            a href=(screen.path)
                              aria-current=[current.filter(|c| c.path == screen.path).map(|_| "page")] {
                                (screen.title)
                            }
                        }
                    }
                }
            }
            div class="who" {
                span id="signed-in-as" { (agent.name()) }
                span class="tenant" { " · tenant " (agent.principal.tenant) }
                form id="sign-out" method="post" action="/console/sign-out" {
                    (csrf(agent))
                    button type="submit" class="link" { "Sign out" }
                }
            }
        }
    };
    document(title, header, main)
}

/// The hidden CSRF field every form must carry.
pub fn csrf(agent: &Agent) -> Markup {
    html! { input type="hidden" name="csrf" value=(agent.csrf); }
}

/// Why a console request was not served, as a page.
#[derive(Debug)]
pub enum Refusal {
    /// No session, or one whose token no longer passes: to the sign-in page.
    SignIn,
    /// Signed in, without any of these roles.
    Forbidden(&'static [&'static str]),
    /// A form without this session's CSRF value.
    Csrf,
    /// A form that could not be read.
    BadForm(String),
    /// What a use case refused (shown with its status and message).
    App(AppError),
    NotFound,
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            Refusal::SignIn => {
                let mut response = StatusCode::SEE_OTHER.into_response();
                response
                    .headers_mut()
                    .insert(LOCATION, HeaderValue::from_static("/console/sign-in"));
                return response;
            }
            Refusal::Forbidden(roles) => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                format!("This screen needs one of the roles: {}.", roles.join(", ")),
            ),
            Refusal::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "The form was not sent from this session's page (it expired, or came from another site). Go back, reload the page and try again.".into(),
            ),
            Refusal::BadForm(why) => (StatusCode::BAD_REQUEST, "Form not understood", why),
            Refusal::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "No console page has this address.".into(),
            ),
            Refusal::App(e) => {
                let api = ApiError::from(e);
                let title = if api.status == StatusCode::FORBIDDEN {
                    "Not allowed"
                } else {
                    "Could not be done"
                };
                (api.status, title, api.message)
            }
        };
        let main = html! {
            h1 { (title) }
            p id="refusal" { (text) }
            p { a href="/console" { "Back to the console" } }
        };
        (status, bare(title, main)).into_response()
    }
}

pub async fn not_found() -> Refusal {
    Refusal::NotFound
}

/// A use case's refusal of a form, kept to be shown beside the fields it
/// names ([`Problems::at`]) and, for what names no field on the form, at the
/// top ([`Problems::summary`]).
#[derive(Debug, Default)]
pub struct Problems {
    pub message: Option<String>,
    pub fields: Vec<FieldError>,
}

impl Problems {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.message.is_none() && self.fields.is_empty()
    }

    /// The rule broken by `field`, if any.
    pub fn rule(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.rule.as_str())
    }

    /// The message under an input: `<p id="<id>-error" role="alert">`, to be
    /// named by the input's `aria-describedby`.
    pub fn at(&self, field: &str, id: &str) -> Markup {
        html! {
            @if let Some(rule) = self.rule(field) {
                p id={ (id) "-error" } class="error" role="alert" { (rule) }
            }
        }
    }

    /// The box at the top of a form: the message and every field's rule.
    pub fn summary(&self) -> Markup {
        html! {
            @if !self.is_empty() {
                div class="problems" role="alert" id="problems" {
                    @if let Some(message) = &self.message { p { (message) } }
                    @if !self.fields.is_empty() {
                        ul {
                            @for f in &self.fields { li { code { (f.field) } ": " (f.rule) } }
                        }
                    }
                }
            }
        }
    }
}

impl From<AppError> for Problems {
    fn from(e: AppError) -> Self {
        let api = ApiError::from(e);
        let mut fields = api.details;
        // Order capture's item refusals carry their field in their entries.
        for entry in &api.entries {
            if let Some(field) = &entry.field {
                fields.push(FieldError::new(
                    field.clone(),
                    format!("{} ({})", entry.description, entry.code),
                ));
            }
        }
        if let Some((_, entries)) = &api.refusal {
            for entry in entries {
                fields.push(FieldError::new(
                    entry.action.clone(),
                    format!("{} ({})", entry.error_description, entry.error_code),
                ));
            }
        }
        Self {
            message: Some(api.message),
            fields,
        }
    }
}

/// An amount of money as the pages show it: two decimals and the currency.
pub fn money(amount: &rust_decimal::Decimal, currency: &str) -> String {
    format!("{} {currency}", amount.round_dp(2))
}

/// Text the page must not escape (the SVG of a chart drawn here).
pub fn trusted(markup: String) -> PreEscaped<String> {
    PreEscaped(markup)
}
