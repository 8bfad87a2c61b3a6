-- The web application: sessions, sign-in throttling, API tokens, evidence files, the audit
-- log, difficulty threads and staged web imports.

-- Accounts gain a full name, a lock, and the unit head's role (nguoi_dung_dau): SQLite
-- cannot change a CHECK constraint, so the table is rebuilt (nothing references it yet).
CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('quan_tri', 'so_noi_vu', 'ban_tdkt', 'lanh_dao', 'don_vi', 'nguoi_dung_dau')),
    unit_id       INTEGER REFERENCES units(id),
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);
INSERT INTO users_new (id, username, password_hash, role, unit_id, created_at)
    SELECT id, username, password_hash, role, unit_id, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- The unit head's sign-off of a submitted entry (cleared when the entry changes).
ALTER TABLE entries ADD COLUMN signed_by TEXT;
ALTER TABLE entries ADD COLUMN signed_at INTEGER;

-- Server-side sessions, shared by every instance that uses the store. Only a hash of the
-- cookie value is kept, so a copy of the database does not hand out sessions.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    address      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed sign-ins per key (`u:<username>` and `ip:<address>`).
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked      INTEGER NOT NULL DEFAULT 0
);

-- Evidence files of an entry, stored on disk under a server-made name.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES entries(id),
    stored_name TEXT NOT NULL UNIQUE,
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX attachments_entry ON attachments(entry_id);

-- Every change: who, when, from where, what, before and after (JSON). Never updated.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    username    TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is read-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is read-only'); END;

-- Difficulties and proposals (seed section V): a unit writes to the Chairman through the office.
CREATE TABLE threads (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    title      TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('moi', 'da_tra_loi', 'da_chuyen_lanh_dao', 'da_dong')),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX threads_unit ON threads(unit_id);

CREATE TABLE thread_messages (
    id        INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES threads(id),
    at        INTEGER NOT NULL,
    author    TEXT NOT NULL,
    role      TEXT NOT NULL,
    action    TEXT NOT NULL,   -- gui, tra_loi, chuyen_lanh_dao, dong
    body      TEXT NOT NULL
);
CREATE INDEX thread_messages_thread ON thread_messages(thread_id);

-- A web upload waiting for confirmation after its validation report was shown.
CREATE TABLE staged_imports (
    token       TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    accept_valid INTEGER NOT NULL,
    verified    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
