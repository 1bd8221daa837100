-- Event streams by tenant and API: a webhook listener (or any reader of one
-- tenant's events of some resource kinds) reads its own slice of the outbox
-- in stream order through this index, one range per kind, instead of
-- reading every tenant's events and dropping what it does not want. Only
-- numbered events (position not null) are in a slice; see 0004.
CREATE INDEX outbox_by_tenant_kind ON outbox (tenant, resource_kind, position);
