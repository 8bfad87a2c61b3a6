-- A tamper-evident audit log: each record carries the SHA-256 of the previous record's
-- hash and its own content (see audit.rs). Records written before this migration are
-- sealed by `audit::seal_existing` in the same transaction (the update trigger is dropped
-- and recreated around it).
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- API tokens expire. Tokens made before this migration get `TOKEN_DAYS_DEFAULT` days from
-- the upgrade (set by `users::expire_legacy_tokens` in the same transaction).
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
