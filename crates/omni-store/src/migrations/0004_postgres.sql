-- Sequence numbers are taken before commit, so on PostgreSQL an event with a
-- lower seq can become visible after one with a higher seq, and a reader that
-- kept "the last seq seen" would skip it. Committed events are therefore
-- numbered again, after commit, by one sequencer at a time (an advisory
-- lock): `position` is the order readers of the stream follow.
ALTER TABLE outbox ADD COLUMN position BIGINT;
CREATE UNIQUE INDEX outbox_by_position ON outbox (position);
CREATE INDEX outbox_unpositioned ON outbox (seq) WHERE position IS NULL;
