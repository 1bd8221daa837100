-- Resources are JSON documents with the few columns we query on beside them.
CREATE TABLE documents (
    tenant      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    version     BIGINT NOT NULL,
    owner       TEXT,
    state       TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    PRIMARY KEY (tenant, kind, id)
);
CREATE INDEX documents_by_created ON documents (tenant, kind, created_at, id);
CREATE INDEX documents_by_owner ON documents (tenant, kind, owner);

-- Events written in the same transaction as the change they describe.
CREATE TABLE outbox (
    seq            BIGSERIAL PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    tenant         TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    resource_kind  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    payload        TEXT NOT NULL
);

-- Background work, claimed by lease so that several processes can share it.
CREATE TABLE jobs (
    id           TEXT    PRIMARY KEY,
    tenant       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    run_at       TEXT    NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  TEXT,
    last_error   TEXT,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX jobs_due ON jobs (kind, status, run_at);

-- Monotonic counters, e.g. the catalog version every node polls.
CREATE TABLE counters (
    name   TEXT    PRIMARY KEY,
    value  BIGINT NOT NULL
);
