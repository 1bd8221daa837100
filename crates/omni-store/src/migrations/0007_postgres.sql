-- Search keys of documents (omni_core::tmf630::index): the attributes TMF630
-- lists filter and sort on, one row per value, written with the document in
-- the same transaction. `value` starts with its class (`s:`, `i:`, `o:`…) and
-- compares bytewise (COLLATE "C", whatever the database's collation). Filled for existing
-- documents at start-up (see `Store::migrate`).
CREATE TABLE document_keys (
    tenant      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX document_keys_lookup ON document_keys (tenant, kind, name, value, created_at, id);
CREATE INDEX document_keys_by_document ON document_keys (tenant, kind, id);
