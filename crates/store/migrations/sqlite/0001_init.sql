-- Thi Đua store, SQLite. Timestamps are local (Asia/Ho_Chi_Minh) seconds since 1970-01-01;
-- dates are ISO text; decimals are exact decimal text.

CREATE TABLE plans (
    code        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    source      TEXT NOT NULL,          -- the TOML, re-validated on every load
    loaded_at   INTEGER NOT NULL
);

CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('nghi', 'lam_bu')),
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    tier        TEXT NOT NULL,
    parent_code TEXT
);

CREATE TABLE heads (
    id        INTEGER PRIMARY KEY,
    unit_id   INTEGER NOT NULL REFERENCES units(id),
    full_name TEXT NOT NULL,
    title     TEXT NOT NULL DEFAULT '',
    term_from TEXT NOT NULL,
    term_to   TEXT,
    UNIQUE (unit_id, term_from)
);

CREATE TABLE procedures (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL DEFAULT '',
    statutory_days TEXT NOT NULL,
    online_level   TEXT NOT NULL CHECK (online_level IN ('toan_trinh', 'mot_phan', 'khong'))
);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    rows_read   INTEGER NOT NULL DEFAULT 0,
    rows_ok     INTEGER NOT NULL DEFAULT 0,
    rows_bad    INTEGER NOT NULL DEFAULT 0,
    imported_by TEXT NOT NULL DEFAULT 'cli'
);

-- One row per dossier code: a later import replaces the row (the latest export wins).
CREATE TABLE dossiers (
    code           TEXT PRIMARY KEY,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    procedure_code TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    due_at         INTEGER NOT NULL,
    completed_at   INTEGER,
    channel        INTEGER NOT NULL,   -- thidua_domain::dossier::Channel::id
    status         INTEGER NOT NULL,   -- thidua_domain::dossier::DossierStatus::id
    import_id      INTEGER REFERENCES imports(id)
) WITHOUT ROWID;

-- The current value of each (unit, indicator, period); every version is in entry_history.
CREATE TABLE entries (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    indicator   TEXT NOT NULL,
    period      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('ratio', 'count', 'boolean')),
    numerator   TEXT,
    denominator TEXT,
    value       INTEGER,               -- a count, or 1/0 for a boolean
    note        TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL CHECK (state IN ('nhap', 'da_gui', 'da_xac_nhan', 'tra_lai')),
    reason      TEXT NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL,
    UNIQUE (unit_id, indicator, period)
);

CREATE TABLE entry_history (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES entries(id),
    numerator   TEXT,
    denominator TEXT,
    value       INTEGER,
    note        TEXT NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    changed_at  INTEGER NOT NULL,
    changed_by  TEXT NOT NULL,
    import_id   INTEGER REFERENCES imports(id)
);
CREATE INDEX entry_history_entry ON entry_history(entry_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('quan_tri', 'so_noi_vu', 'ban_tdkt', 'lanh_dao', 'don_vi')),
    unit_id       INTEGER REFERENCES units(id),
    created_at    INTEGER NOT NULL
);
