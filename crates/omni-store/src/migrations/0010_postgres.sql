-- Running totals of documents of the indexed kinds (omni_core::tmf630::totals):
-- per tenant and kind, how many documents there are (name and value empty)
-- and how many hold each value of a counted attribute (a state, a type).
-- Written in the transaction that writes the documents' keys, so that a
-- list's X-Total-Count on a state sums these rows instead of counting a
-- fifth of a million key rows. Concurrent writers add to different slots
-- (one row per slot), so they do not wait on one row; a total is the sum
-- over its slots. Filled from the stored documents at start-up
-- (`Store::migrate`), and again whenever the counted attributes change.
CREATE TABLE document_counts (
    tenant  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   TEXT COLLATE "C" NOT NULL,
    slot    INTEGER NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (tenant, kind, name, value, slot)
);
