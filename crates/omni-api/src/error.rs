//! One error type for every API family. A handler returns [`ApiError`]; the
//! response carries it as an extension and the family's router renders it in
//! its own shape ([`tmf_body`], [`render_partner`]), so a rule is written once
//! however many families use it. Internal errors are logged, never shown.
//!
//! Use cases answer [`AppError`]; `From<AppError>` below is the one place a
//! domain error becomes a status, a code and a message.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omni_app::error::{AppError, RefusalKind};
use omni_core::AccessError;
use omni_core::document::FieldError;
use omni_core::order::ErrorListEntry;
use omni_store::StoreError;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable code, e.g. `INVALID_FIELD`.
    pub code: &'static str,
    pub reason: String,
    pub message: String,
    /// One entry per failing field or item.
    pub details: Vec<FieldError>,
    /// What a partner-family error names as the failing action.
    pub action: Option<String>,
    /// Partner-family `errorList` entries, when each failing item has its
    /// own action and code; otherwise one entry per detail is made.
    pub entries: Vec<PartnerEntry>,
    /// A partner order step refused with the order's `validation` beside the
    /// error (the terms page's shape); rendered that way in every family.
    pub refusal: Option<(Value, Vec<ErrorListEntry>)>,
    www_authenticate: Option<&'static str>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        reason: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            reason: reason.into(),
            message: message.into(),
            details: Vec::new(),
            action: None,
            entries: Vec::new(),
            refusal: None,
            www_authenticate: None,
        }
    }

    /// 400 for one named field.
    pub fn field(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::fields(vec![FieldError::new(field, rule)])
    }

    /// 400 naming every failing field.
    pub fn fields(details: Vec<FieldError>) -> Self {
        let message = details
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
            "Invalid request",
            message,
        );
        e.details = details;
        e
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Bad request",
            message,
        )
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Not found",
            format!("{what} with id '{id}' does not exist"),
        )
    }

    pub fn no_route(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NO_SUCH_RESOURCE",
            "Not found",
            format!("no resource at {path}"),
        )
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", "Conflict", message)
    }

    pub fn unauthorized(message: impl Into<String>, challenge: &'static str) -> Self {
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Unauthorized",
            message,
        );
        e.www_authenticate = Some(challenge);
        e
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "Internal error",
            "the server could not complete the request; it has been logged",
        )
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "Service unavailable",
            message,
        )
    }

    pub fn with_action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }
}

pub use omni_app::error::PartnerEntry;

pub const CHALLENGE: &str = "Bearer realm=\"omni\"";
pub const CHALLENGE_INVALID: &str = "Bearer realm=\"omni\", error=\"invalid_token\"";

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match &e {
            AccessError::Unauthenticated => {
                Self::unauthorized("a bearer token is required", CHALLENGE)
            }
            AccessError::MissingRole(role) => Self::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "Forbidden",
                format!("missing role '{role}'"),
            ),
            AccessError::CustomerRole(_) => Self::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "Forbidden",
                e.to_string(),
            ),
            AccessError::KindNotAllowed(kind) => Self::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "Forbidden",
                format!("principal type '{kind}' may not call this operation"),
            ),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Access(access) => access.into(),
            AppError::Forbidden(message) => {
                Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", "Forbidden", message)
            }
            AppError::Invalid(invalid) => {
                let message = invalid.message();
                let (status, reason) = match invalid.code {
                    "BAD_REQUEST" => (StatusCode::BAD_REQUEST, "Bad request"),
                    // Well formed, but the resource's state forbids it.
                    "STATE_CONFLICT" => (StatusCode::CONFLICT, "Conflict"),
                    // Order capture's items, each refused with its own code.
                    _ if !invalid.entries.is_empty() => {
                        (StatusCode::BAD_REQUEST, "Validation Failure")
                    }
                    _ => (StatusCode::BAD_REQUEST, "Invalid request"),
                };
                let mut e = Self::new(status, invalid.code, reason, message);
                e.details = invalid.details;
                e.action = invalid.action;
                e.entries = invalid.entries;
                e
            }
            AppError::NotFound { what, id } => Self::not_found(&what, &id),
            AppError::Conflict { message, action } => {
                let mut e = Self::conflict(message);
                e.action = action;
                e
            }
            AppError::PreconditionFailed => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "PRECONDITION_FAILED",
                "Precondition failed",
                "If-Match does not match the resource's current ETag",
            ),
            e @ AppError::Contention { .. } => Self::new(
                StatusCode::CONFLICT,
                "CONTENTION",
                "Conflict",
                e.to_string(),
            ),
            AppError::Refused(refusal) => {
                let (status, code) = match refusal.kind {
                    RefusalKind::Invalid => (StatusCode::BAD_REQUEST, "INVALID_FIELD"),
                    RefusalKind::PaymentDeclined => {
                        (StatusCode::PAYMENT_REQUIRED, "PAYMENT_DECLINED")
                    }
                    RefusalKind::NotReady => (StatusCode::CONFLICT, "NOT_READY"),
                };
                let message = refusal
                    .entries
                    .iter()
                    .map(|e| e.error_description.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut e = Self::new(status, code, "Validation Failure", message);
                e.refusal = Some((refusal.validation, refusal.entries));
                e
            }
            e @ AppError::TooLarge { .. } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "DOCUMENT_TOO_LARGE",
                "Payload too large",
                e.to_string(),
            ),
            AppError::Unavailable(message) => Self::unavailable(message),
            AppError::Internal(_) => Self::internal(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists { kind, id } => {
                Self::conflict(format!("{kind} with id '{id}' already exists"))
            }
            StoreError::NotFound { kind, id } => Self::not_found(&kind, &id),
            StoreError::VersionConflict { kind, id, .. } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "VERSION_CONFLICT",
                "Precondition failed",
                format!("{kind} '{id}' was changed by someone else"),
            ),
            StoreError::InvalidInput(reason) => Self::bad_request(reason),
            e @ StoreError::TooLarge { .. } => AppError::from(e).into(),
            other => {
                tracing::error!(error = %other, "storage failure");
                Self::unavailable("storage is unavailable; retry later")
            }
        }
    }
}

impl From<omni_core::tmf630::QueryError> for ApiError {
    fn from(e: omni_core::tmf630::QueryError) -> Self {
        Self::field(e.parameter, e.rule)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some((validation, entries)) = &self.refusal {
            // Already in the partner shape, whatever the family's router does.
            return (
                self.status,
                Json(refusal_body(self.status, validation, entries)),
            )
                .into_response();
        }
        let mut response = (self.status, Json(tmf_body(&self))).into_response();
        if let Some(challenge) = self.www_authenticate {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// The partner error object with the order's validation beside it, as the
/// terms page shows them.
pub fn refusal_body(status: StatusCode, validation: &Value, entries: &[ErrorListEntry]) -> Value {
    let kind = if status == StatusCode::PAYMENT_REQUIRED {
        "PAYMENT-DECLINED"
    } else {
        "INVALID-REQUEST"
    };
    let list: Vec<Value> = entries
        .iter()
        .map(|x| {
            let mut entry = json!(x);
            if x.error_details.is_empty() {
                entry["errorDetails"] = own_details(&x.error_code, &x.error_description);
            }
            entry
        })
        .collect();
    json!({
        "validation": validation,
        "error": {
            "errorCode": format!("{}-{kind}", status.as_u16()),
            "errorDescription": "Validation Failure",
            "errorList": list,
        }
    })
}

/// The `system` a partner error's `errorDetails` names when Omni itself
/// decided (no downstream system was asked).
pub const OWN_SYSTEM: &str = "OMNI";

/// `errorDetails` of an entry Omni decided: the terms page (seed 003) gives
/// every `errorList` entry `errorDetails[{system, errorCode,
/// errorDescription}]`, naming the system that refused; here that is Omni.
fn own_details(code: &str, description: &str) -> Value {
    json!([{"system": OWN_SYSTEM, "errorCode": code, "errorDescription": description}])
}

/// TMF630 error object.
pub fn tmf_body(e: &ApiError) -> Value {
    let mut body = json!({
        "code": e.code,
        "reason": e.reason,
        "message": e.message,
        "status": e.status.as_u16().to_string(),
        "@type": "Error",
    });
    if !e.details.is_empty() {
        body["details"] = json!(
            e.details
                .iter()
                .map(|d| json!({"field": d.field, "rule": d.rule}))
                .collect::<Vec<_>>()
        );
    }
    body
}

/// The partner shape of the omni-svcs pages: `error.errorCode`,
/// `errorDescription` and one `errorList` entry per failing field or item.
pub fn partner_body(e: &ApiError) -> Value {
    let action = e.action.clone().unwrap_or_else(|| "request".to_string());
    let list: Vec<Value> = if !e.entries.is_empty() {
        e.entries
            .iter()
            .map(|x| {
                let mut entry = json!({
                    "action": x.action,
                    "errorCode": x.code,
                    "errorDescription": x.description,
                    "errorDetails": own_details(&x.code, &x.description),
                });
                if let Some(f) = &x.field {
                    entry["field"] = json!(f);
                }
                entry
            })
            .collect()
    } else if e.details.is_empty() {
        vec![json!({
            "action": action,
            "errorCode": e.code,
            "errorDescription": e.message,
            "errorDetails": own_details(e.code, &e.message),
        })]
    } else {
        e.details
            .iter()
            .map(|d| {
                let description = d.to_string();
                json!({
                    "action": action,
                    "errorCode": e.code,
                    "errorDetails": own_details(e.code, &description),
                    "errorDescription": description,
                    "field": d.field,
                })
            })
            .collect()
    };
    json!({
        "error": {
            "errorCode": format!("{}-{}", e.status.as_u16(), partner_code(e.status)),
            "errorDescription": e.reason,
            "errorList": list,
        }
    })
}

fn partner_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID-REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT-FOUND",
        409 => "CONFLICT",
        412 => "PRECONDITION-FAILED",
        413 => "PAYLOAD-TOO-LARGE",
        415 => "UNSUPPORTED-MEDIA-TYPE",
        422 => "UNPROCESSABLE-ENTITY",
        429 => "TOO-MANY-REQUESTS",
        431 => "HEADERS-TOO-LARGE",
        503 => "SERVICE-UNAVAILABLE",
        _ => "ERROR",
    }
}

/// Response middleware for a family whose errors use the partner shape.
pub async fn render_partner(response: Response) -> Response {
    rerender(response, partner_body)
}

fn rerender(mut response: Response, shape: fn(&ApiError) -> Value) -> Response {
    let Some(error) = response.extensions_mut().remove::<ApiError>() else {
        return response;
    };
    let mut new = (error.status, Json(shape(&error))).into_response();
    for name in [header::WWW_AUTHENTICATE] {
        if let Some(v) = response.headers().get(&name) {
            new.headers_mut().insert(name, v.clone());
        }
    }
    new
}
