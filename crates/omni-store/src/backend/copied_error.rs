//! A copy of a `sqlx::Error`, for answering every caller of a failed group
//! commit with the same error.

use sqlx::error::{DatabaseError, ErrorKind};
use std::borrow::Cow;

/// `sqlx::Error` is not `Clone`; every caller of a failed batch gets an
/// equivalent error (same message, code and kind for database errors).
pub(crate) fn copy(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::Database(db) => sqlx::Error::Database(Box::new(CopiedError {
            message: db.message().to_string(),
            code: db.code().map(Cow::into_owned),
            kind: same_kind(&db.kind()),
        })),
        sqlx::Error::Io(io) => sqlx::Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        sqlx::Error::WorkerCrashed => sqlx::Error::WorkerCrashed,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct CopiedError {
    message: String,
    code: Option<String>,
    kind: ErrorKind,
}

impl DatabaseError for CopiedError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        self.code.as_deref().map(Cow::Borrowed)
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        same_kind(&self.kind)
    }
}

/// `ErrorKind` is neither `Clone` nor exhaustive.
fn same_kind(kind: &ErrorKind) -> ErrorKind {
    match kind {
        ErrorKind::UniqueViolation => ErrorKind::UniqueViolation,
        ErrorKind::ForeignKeyViolation => ErrorKind::ForeignKeyViolation,
        ErrorKind::NotNullViolation => ErrorKind::NotNullViolation,
        ErrorKind::CheckViolation => ErrorKind::CheckViolation,
        ErrorKind::ExclusionViolation => ErrorKind::ExclusionViolation,
        _ => ErrorKind::Other,
    }
}
