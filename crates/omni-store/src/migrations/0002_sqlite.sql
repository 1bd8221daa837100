-- Documents that expire (shopping carts) carry when; a worker removes them.
ALTER TABLE documents ADD COLUMN expires_at TEXT;
CREATE INDEX documents_expiry ON documents (kind, expires_at);
