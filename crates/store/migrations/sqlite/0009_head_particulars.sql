-- A head's particulars (sơ lược lý lịch) for the achievement report and the decision's
-- annex, keyed like the head's term. Not evaluation data: kept apart from `heads`, whose
-- rows a frozen year forbids changing.
CREATE TABLE head_particulars (
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    term_from        TEXT NOT NULL,
    gender           TEXT NOT NULL CHECK (gender IN ('nam', 'nu')),
    birth_date       TEXT NOT NULL,
    hometown         TEXT NOT NULL,
    residence        TEXT NOT NULL,
    qualification    TEXT NOT NULL,
    political_theory TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    PRIMARY KEY (unit_id, term_from)
) WITHOUT ROWID;
