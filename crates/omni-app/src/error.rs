//! The one error type of every use case. It says what went wrong in the
//! domain's words (a field breaks a rule, a resource does not exist, its
//! state forbids the change, the caller may not do it) and nothing about
//! HTTP: `omni-api` maps each variant to a status and to its family's wire
//! shape (the TMF error object, or the partner shape of the omni-svcs pages)
//! in one place. Storage failures are logged where they are converted and
//! reach the caller as "unavailable", never with their text.

use omni_core::AccessError;
use omni_core::document::FieldError;
use omni_core::order::ErrorListEntry;
use omni_store::StoreError;

/// One `errorList` entry of a partner-family error, when each failing item
/// has its own action and code (order capture's `ITEM-0nn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerEntry {
    pub action: String,
    pub code: String,
    pub description: String,
    pub field: Option<String>,
}

/// A request that breaks a rule: each detail names the field and the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// Stable code: `INVALID_FIELD` when fields are named, `BAD_REQUEST`
    /// for a request that is wrong as a whole, `STATE_CONFLICT` for a well
    /// formed request the resource's state forbids (a 409 naming fields).
    pub code: &'static str,
    /// One entry per failing field or item.
    pub details: Vec<FieldError>,
    /// Replaces the message made from the details (a page's own wording,
    /// e.g. the shopping cart's "Offerings with ids: … are ineligible!").
    pub message: Option<String>,
    /// What a partner-family error names as the failing action.
    pub action: Option<String>,
    /// Partner-family entries; otherwise one entry per detail is made.
    pub entries: Vec<PartnerEntry>,
}

impl Invalid {
    pub fn message(&self) -> String {
        match &self.message {
            Some(m) => m.clone(),
            None => self
                .details
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// Why a partner order step was refused, in the terms page's shape: the
/// order's `validation` beside an `error` whose entries carry their codes.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// The order's `validation` as it stands.
    pub validation: serde_json::Value,
    pub entries: Vec<ErrorListEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The request breaks a rule of the step (an unknown agreement).
    Invalid,
    /// The payment gateway declined the card.
    PaymentDeclined,
    /// The order is not ready for the step (submit before terms).
    NotReady,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// No token where one is needed, a missing role, a principal type that
    /// may not call the operation.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The caller is known but may not do this (a message of its own, e.g.
    /// "missing role: one of …").
    #[error("{0}")]
    Forbidden(String),
    #[error("{}", .0.message())]
    Invalid(Box<Invalid>),
    #[error("{what} with id '{id}' does not exist")]
    NotFound { what: String, id: String },
    /// The resource's state forbids the request now (an order already
    /// submitted, an id already taken).
    #[error("{message}")]
    Conflict {
        message: String,
        action: Option<String>,
    },
    /// `If-Match` names a version that is no longer the resource's.
    #[error("If-Match does not match the resource's current ETag")]
    PreconditionFailed,
    /// Concurrent writers kept winning until the retry policy gave up.
    #[error("the {what} is being changed by many clients at once; retry")]
    Contention { what: String },
    #[error("{:?}", .0.kind)]
    Refused(Box<Refusal>),
    /// The document the request would store is larger than the limit.
    #[error(
        "the {what} '{id}' would be {bytes} bytes, more than the {limit} allowed (OMNI_MAX_DOCUMENT_BYTES)"
    )]
    TooLarge {
        what: String,
        id: String,
        bytes: usize,
        limit: usize,
    },
    /// Storage is out of reach; retrying later may work.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or corrupt stored data; logged where it was converted.
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// One field breaks one rule.
    pub fn field(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::fields(vec![FieldError::new(field, rule)])
    }

    /// Every failing field, at once.
    pub fn fields(details: Vec<FieldError>) -> Self {
        Self::Invalid(Box::new(Invalid {
            code: "INVALID_FIELD",
            details,
            message: None,
            action: None,
            entries: Vec::new(),
        }))
    }

    /// A request that is wrong as a whole.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::Invalid(Box::new(Invalid {
            code: "BAD_REQUEST",
            details: Vec::new(),
            message: Some(message.into()),
            action: None,
            entries: Vec::new(),
        }))
    }

    pub fn not_found(what: impl Into<String>, id: impl Into<String>) -> Self {
        Self::NotFound {
            what: what.into(),
            id: id.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            action: None,
        }
    }

    pub fn contention(what: impl Into<String>) -> Self {
        Self::Contention { what: what.into() }
    }

    pub fn refused(
        kind: RefusalKind,
        validation: serde_json::Value,
        entries: Vec<ErrorListEntry>,
    ) -> Self {
        Self::Refused(Box::new(Refusal {
            kind,
            validation,
            entries,
        }))
    }

    /// Names the partner action that failed (`terms`, `payment`, …).
    pub fn with_action(mut self, name: impl Into<String>) -> Self {
        match &mut self {
            Self::Invalid(invalid) => invalid.action = Some(name.into()),
            Self::Conflict { action, .. } => *action = Some(name.into()),
            _ => {}
        }
        self
    }

    /// Replaces the message of an invalid request with a page's own wording.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        if let Self::Invalid(invalid) = &mut self {
            invalid.message = Some(message.into());
        }
        self
    }

    /// Partner `errorList` entries of an invalid request.
    pub fn with_entries(mut self, entries: Vec<PartnerEntry>) -> Self {
        if let Self::Invalid(invalid) = &mut self {
            invalid.entries = entries;
        }
        self
    }

    /// The fields an invalid request names (empty for other errors).
    pub fn details(&self) -> &[FieldError] {
        match self {
            Self::Invalid(invalid) => &invalid.details,
            _ => &[],
        }
    }

    /// Stored data that does not decode: logged here, internal to callers.
    pub fn corrupt(what: &str, id: &str, reason: impl std::fmt::Display) -> Self {
        tracing::error!(what, id, error = %reason, "stored data does not decode");
        Self::Internal(format!("stored {what} '{id}' could not be read"))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists { kind, id } => {
                Self::conflict(format!("{kind} with id '{id}' already exists"))
            }
            StoreError::NotFound { kind, id } => Self::not_found(kind, id),
            StoreError::VersionConflict { .. } => Self::PreconditionFailed,
            StoreError::InvalidInput(reason) => Self::bad_request(reason),
            StoreError::TooLarge {
                kind,
                id,
                bytes,
                limit,
            } => Self::TooLarge {
                what: kind,
                id,
                bytes,
                limit,
            },
            StoreError::Corrupt(reason) => {
                tracing::error!(error = %reason, "stored data is corrupt");
                Self::Internal("stored data could not be read".into())
            }
            other => {
                tracing::error!(error = %other, "storage failure");
                Self::Unavailable("storage is unavailable; retry later".into())
            }
        }
    }
}

impl From<omni_core::tmf630::QueryError> for AppError {
    fn from(e: omni_core::tmf630::QueryError) -> Self {
        Self::field(e.parameter, e.rule)
    }
}
