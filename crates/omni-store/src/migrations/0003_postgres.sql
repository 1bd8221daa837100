-- Idempotency keys: the response a request got, replayed to its retries.
-- `state` is 'running' while the owning attempt works, then 'done'.
CREATE TABLE idempotency (
    tenant       TEXT    NOT NULL,
    principal    TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    lease_until  TEXT    NOT NULL,
    status       BIGINT,
    headers      TEXT,
    body         BYTEA,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    PRIMARY KEY (tenant, principal, idem_key)
);
CREATE INDEX idempotency_expiry ON idempotency (expires_at);
