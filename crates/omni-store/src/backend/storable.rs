//! The store's own refusal of text no backend can keep: a NUL character,
//! which PostgreSQL rejects in text and jsonb while SQLite stores it. The
//! HTTP layer refuses it first; this second line makes a document write
//! that carries one fail the same typed way on both backends
//! ([`StoreError::InvalidInput`]) instead of as a database outage. A value
//! of a searchable attribute (`omni_core::tmf630::index`) longer than an
//! index entry may be is refused the same way.

use super::ops::{DocChange, DocRow};
use crate::{Document, DocumentWrite, Effects, Result, StoreError};
use omni_core::formats::{NUL_RULE, has_nul, nul_path};
use omni_core::tmf630::index::{self, Key};

/// The row of `doc` once checked: its search keys are computed once, for
/// the check and for the write.
pub(super) fn row(doc: &Document) -> Result<DocRow> {
    let row = DocRow::from(doc);
    document(doc, &row.keys)?;
    Ok(row)
}

fn document(doc: &Document, keys: &[Key]) -> Result<()> {
    let texts = [
        ("tenant", Some(&doc.tenant)),
        ("kind", Some(&doc.kind)),
        ("id", Some(&doc.id)),
        ("owner", doc.owner.as_ref()),
        ("state", doc.state.as_ref()),
    ];
    if let Some((name, _)) = texts
        .iter()
        .find(|(_, text)| text.is_some_and(|t| has_nul(t)))
    {
        return Err(refused(&doc.kind, name));
    }
    if let Some(path) = nul_path(&doc.body) {
        return Err(refused(&doc.kind, &path));
    }
    // A search key must fit an index entry on both databases.
    match index::too_long(keys) {
        Some(name) => Err(StoreError::InvalidInput(format!(
            "{} field '{name}' is longer than {} bytes, the most a searchable attribute holds",
            doc.kind,
            index::MAX_KEY_BYTES - 2
        ))),
        None => Ok(()),
    }
}

/// The rows of `writes` once checked, with `effects` checked too.
pub(super) fn writes(writes: &[DocumentWrite], effects: &Effects) -> Result<Vec<DocChange>> {
    let changes = writes
        .iter()
        .map(|write| {
            Ok(match write {
                DocumentWrite::Insert(doc) => DocChange::Insert(row(doc)?),
                DocumentWrite::Update(doc) => DocChange::Update(row(doc)?),
                DocumentWrite::Delete { key, version } => DocChange::Delete {
                    key: key.clone(),
                    version: *version,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    self::effects(effects)?;
    Ok(changes)
}

pub(super) fn effects(effects: &Effects) -> Result<()> {
    for event in &effects.events {
        if let Some(path) = nul_path(&event.payload) {
            return Err(refused("event", &path));
        }
    }
    Ok(())
}

fn refused(kind: &str, field: &str) -> StoreError {
    StoreError::InvalidInput(format!("{kind} field '{field}' {NUL_RULE}"))
}
