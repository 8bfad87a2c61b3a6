-- A commune's nomination waits for its district (the plan's `tiers.proposed_by`): the state
-- `cho_cap_trinh`. SQLite cannot change a CHECK constraint, so the table is rebuilt (with
-- foreign keys off, `migrate::run`; its documents and events are checked before the commit).

CREATE TABLE nominations_new (
    id              INTEGER PRIMARY KEY,
    plan_code       TEXT NOT NULL REFERENCES plans(code),
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    head_from       TEXT NOT NULL,
    head_name       TEXT NOT NULL,
    head_title      TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('nhap', 'cho_cap_trinh', 'da_nop', 'tra_lai', 'da_chuyen', 'da_tham_dinh', 'da_phe_duyet', 'khong_phe_duyet')),
    unit_reason     TEXT NOT NULL DEFAULT '',
    office_verdict  TEXT CHECK (office_verdict IN ('du_dieu_kien', 'khong_du_dieu_kien')),
    office_reason   TEXT NOT NULL DEFAULT '',
    board_verdict   TEXT CHECK (board_verdict IN ('de_nghi', 'khong_de_nghi')),
    board_reason    TEXT NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL DEFAULT '',
    decision_no     TEXT NOT NULL DEFAULT '',
    decision_date   TEXT,
    published       INTEGER NOT NULL DEFAULT 0,
    published_results TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (plan_code, unit_id, head_from)
);
INSERT INTO nominations_new SELECT * FROM nominations;
DROP TABLE nominations;
ALTER TABLE nominations_new RENAME TO nominations;
CREATE INDEX nominations_state ON nominations(plan_code, state);

-- A district's account reads its communes: the units below a unit, found by their parent.
CREATE INDEX IF NOT EXISTS units_parent ON units(parent_code);
