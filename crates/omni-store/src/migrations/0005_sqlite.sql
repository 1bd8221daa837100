-- Operators list jobs by status (the failed ones, newest first) and /metrics
-- counts them by kind and status. (0004 is PostgreSQL's alone: SQLite's
-- single writer already numbers events in commit order.)
CREATE INDEX jobs_by_status ON jobs (status, updated_at);
