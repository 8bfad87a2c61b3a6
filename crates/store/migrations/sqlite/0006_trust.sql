-- A tamper-evident audit log: each record carries the SHA-256 of the previous record's
-- hash and its own content (see audit.rs). Records written before this migration are
-- sealed by `audit::seal_existing` in the same transaction (the update trigger is dropped
-- and recreated around it).
ALTER TABLE audit_log ADD COLUMN hash TEXT;
