-- Search keys found by their document through its creation time instead of
-- its id. Ids are random (UUIDs), so every new document's keys went into a
-- random page of the old (tenant, kind, id) index, and each commit rewrote
-- one such page per document; creation times grow, so a new document's keys
-- go at the end of this index, where the other new ones already are.
-- Writers read and delete a document's keys by (tenant, kind, created_at,
-- id), which they know: it is the document's own `created_at`, written into
-- its keys (see `omni-store`'s backend/exec.rs). The index holds name and
-- value too, so that it answers those reads alone: without them SQLite
-- preferred to scan every key of the kind in `document_keys_lookup`, which
-- holds every column.
DROP INDEX document_keys_by_document;
CREATE INDEX document_keys_by_created ON document_keys (tenant, kind, created_at, id, name, value);
