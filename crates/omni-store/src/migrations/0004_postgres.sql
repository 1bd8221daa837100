-- Sequence numbers are taken before commit, so on PostgreSQL an event with a
-- lower seq can become visible after one with a higher seq. Each row records
-- the snapshot's xmax taken after its seq was allocated: once every
-- transaction below it has ended, no lower seq can still appear (see
-- `outbox_after`). Rows written before this column existed have none and
-- are long committed.
ALTER TABLE outbox ADD COLUMN horizon xid8;
