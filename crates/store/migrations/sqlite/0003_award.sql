-- The award: settings the office keeps, nominations with their documents and every step.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

-- One nomination per head term of a plan. States: nhap → da_nop → (tra_lai → da_nop …)
-- → da_chuyen → da_tham_dinh → da_phe_duyet | khong_phe_duyet.
CREATE TABLE nominations (
    id              INTEGER PRIMARY KEY,
    plan_code       TEXT NOT NULL REFERENCES plans(code),
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    head_from       TEXT NOT NULL,
    head_name       TEXT NOT NULL,
    head_title      TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('nhap', 'da_nop', 'tra_lai', 'da_chuyen', 'da_tham_dinh', 'da_phe_duyet', 'khong_phe_duyet')),
    unit_reason     TEXT NOT NULL DEFAULT '',
    office_verdict  TEXT CHECK (office_verdict IN ('du_dieu_kien', 'khong_du_dieu_kien')),
    office_reason   TEXT NOT NULL DEFAULT '',
    board_verdict   TEXT CHECK (board_verdict IN ('de_nghi', 'khong_de_nghi')),
    board_reason    TEXT NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL DEFAULT '',
    decision_no     TEXT NOT NULL DEFAULT '',
    decision_date   TEXT,
    published       INTEGER NOT NULL DEFAULT 0,
    -- The measured results as published with the decision (JSON), fixed from then on.
    published_results TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (plan_code, unit_id, head_from)
);
CREATE INDEX nominations_state ON nominations(plan_code, state);

CREATE TABLE nomination_documents (
    id            INTEGER PRIMARY KEY,
    nomination_id INTEGER NOT NULL REFERENCES nominations(id),
    doc_code      TEXT NOT NULL,
    stored_name   TEXT NOT NULL UNIQUE,
    file_name     TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    size          INTEGER NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    uploaded_by   TEXT NOT NULL
);
CREATE INDEX nomination_documents_nomination ON nomination_documents(nomination_id);

CREATE TABLE nomination_events (
    id            INTEGER PRIMARY KEY,
    nomination_id INTEGER NOT NULL REFERENCES nominations(id),
    at            INTEGER NOT NULL,
    username      TEXT NOT NULL,
    role          TEXT NOT NULL,
    action        TEXT NOT NULL,
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX nomination_events_nomination ON nomination_events(nomination_id);
