//! The store's own refusal of text no backend can keep: a NUL character,
//! which PostgreSQL rejects in text and jsonb while SQLite stores it. The
//! HTTP layer refuses it first; this second line makes a document write
//! that carries one fail the same typed way on both backends
//! ([`StoreError::InvalidInput`]) instead of as a database outage. A value
//! of a searchable attribute (`omni_core::tmf630::index`) longer than an
//! index entry may be is refused the same way.

use crate::{Document, DocumentWrite, Effects, Result, StoreError};
use omni_core::formats::{NUL_RULE, has_nul, nul_path};
use omni_core::tmf630::index;

pub(super) fn document(doc: &Document) -> Result<()> {
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
    let keys = index::keys(&doc.kind, &doc.body);
    match index::too_long(&keys) {
        Some(name) => Err(StoreError::InvalidInput(format!(
            "{} field '{name}' is longer than {} bytes, the most a searchable attribute holds",
            doc.kind,
            index::MAX_KEY_BYTES - 2
        ))),
        None => Ok(()),
    }
}

pub(super) fn writes(writes: &[DocumentWrite], effects: &Effects) -> Result<()> {
    for write in writes {
        if let DocumentWrite::Insert(doc) | DocumentWrite::Update(doc) = write {
            document(doc)?;
        }
    }
    self::effects(effects)
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
