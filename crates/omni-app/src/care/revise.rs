//! A read-change-write of one record that may decide to write nothing: a
//! care order cancelled twice, a change request's failure recorded or taken
//! back only while it is still what it was, a line whose dated features have
//! nothing to settle. [`crate::repo::Repo::change`] always writes; this is
//! the same optimistic loop (read, decide, write at the version read, start
//! over from a fresh read when another writer got in first) for decisions
//! that may be "leave it as it is".

use crate::error::AppError;
use crate::repo::{Record, Repo, RetryPolicy, Stored};
use omni_store::{Effects, StoreError};

/// What a revision decided.
pub(super) enum Revision<R> {
    /// Leave the record as it is.
    Keep(R),
    /// Write the record as changed, with these effects.
    Write(R, Effects),
}

/// Reads the record, lets `decide` change it, and writes it over the version
/// read (changed `now`) when it says so, retried by `policy`. `None` when
/// there is no record with that id. The answer's `bool` says whether it
/// was written.
///
/// `E` is the caller's error: [`AppError`] for requests; a worker keeps the
/// store's error apart (a lost lease is not a failure).
pub(super) async fn revise<T, R, E>(
    repo: &Repo<'_, T>,
    id: &str,
    now: &str,
    policy: &RetryPolicy,
    mut decide: impl FnMut(&mut T) -> Result<Revision<R>, E>,
) -> Result<Option<(Stored<T>, R, bool)>, E>
where
    T: Record,
    E: From<StoreError> + From<AppError>,
{
    let mut retry = policy.begin(false);
    loop {
        let Some(mut stored) = repo.find(id).await? else {
            return Ok(None);
        };
        let (answer, effects) = match decide(&mut stored.record)? {
            Revision::Keep(answer) => return Ok(Some((stored, answer, false))),
            Revision::Write(answer, effects) => (answer, effects),
        };
        match repo.update(&stored, now, &effects).await {
            Ok(()) => {
                stored.version += 1;
                stored.updated_at = now.to_string();
                return Ok(Some((stored, answer, true)));
            }
            Err(StoreError::VersionConflict { .. }) => retry.conflict(T::NAME).await?,
            Err(e) => return Err(e.into()),
        }
    }
}
