-- Entered data an office can sign (INDICATORS.md section 3): no month counted twice,
-- periods reopened after their deadline, and years frozen by a published award decision.
-- The rules live in thidua_domain::entry and the store's Rust code, which refuse first
-- with a message naming the collision; these triggers are the backstop whatever writes.

-- A period code's months as y*12 + m - 1: `2023` is 24276..24287, `2023-Q2` 24279..24281,
-- `2023-05` 24280.
-- (The expressions are repeated in each trigger: SQLite has no SQL functions of its own.)

CREATE TRIGGER entries_no_shared_month BEFORE INSERT ON entries
WHEN EXISTS (
    SELECT 1 FROM entries e
    WHERE e.unit_id = NEW.unit_id AND e.indicator = NEW.indicator AND e.period <> NEW.period
      AND CAST(substr(e.period, 1, 4) AS INTEGER) * 12
          + CASE WHEN length(e.period) = 4 THEN 0
                 WHEN substr(e.period, 6, 1) = 'Q' THEN (CAST(substr(e.period, 7, 1) AS INTEGER) - 1) * 3
                 ELSE CAST(substr(e.period, 6, 2) AS INTEGER) - 1 END
        <= CAST(substr(NEW.period, 1, 4) AS INTEGER) * 12
          + CASE WHEN length(NEW.period) = 4 THEN 11
                 WHEN substr(NEW.period, 6, 1) = 'Q' THEN (CAST(substr(NEW.period, 7, 1) AS INTEGER) - 1) * 3 + 2
                 ELSE CAST(substr(NEW.period, 6, 2) AS INTEGER) - 1 END
      AND CAST(substr(NEW.period, 1, 4) AS INTEGER) * 12
          + CASE WHEN length(NEW.period) = 4 THEN 0
                 WHEN substr(NEW.period, 6, 1) = 'Q' THEN (CAST(substr(NEW.period, 7, 1) AS INTEGER) - 1) * 3
                 ELSE CAST(substr(NEW.period, 6, 2) AS INTEGER) - 1 END
        <= CAST(substr(e.period, 1, 4) AS INTEGER) * 12
          + CASE WHEN length(e.period) = 4 THEN 11
                 WHEN substr(e.period, 6, 1) = 'Q' THEN (CAST(substr(e.period, 7, 1) AS INTEGER) - 1) * 3 + 2
                 ELSE CAST(substr(e.period, 6, 2) AS INTEGER) - 1 END
)
BEGIN
    SELECT RAISE(ABORT, 'thidua: entry shares a month with another entry of its unit and indicator');
END;

-- The office reopens one unit's period after its deadline, with a reason, through a day.
-- The latest reopening of a (unit, period) is the one in force; all are kept.
CREATE TABLE reopenings (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    period     TEXT NOT NULL,
    until_day  TEXT NOT NULL,
    reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX reopenings_unit ON reopenings(unit_id, period);

-- A plan's year whose award decision is published: nothing it rests on changes again.
CREATE TABLE frozen_years (
    plan_code    TEXT PRIMARY KEY,
    first_month  INTEGER NOT NULL,   -- y*12 + m - 1 of the period's first month
    last_month   INTEGER NOT NULL,
    first_day    TEXT NOT NULL,      -- the plan period, ISO dates
    last_day     TEXT NOT NULL,
    until_at     INTEGER NOT NULL,   -- the period's last instant: a dossier received by then is frozen
    decision_no  TEXT NOT NULL,
    frozen_at    INTEGER NOT NULL,
    frozen_by    TEXT NOT NULL
);
CREATE TRIGGER frozen_years_kept_update BEFORE UPDATE ON frozen_years
BEGIN SELECT RAISE(ABORT, 'thidua: a frozen year stays frozen'); END;
CREATE TRIGGER frozen_years_kept_delete BEFORE DELETE ON frozen_years
BEGIN SELECT RAISE(ABORT, 'thidua: a frozen year stays frozen'); END;

CREATE TRIGGER entries_frozen_insert BEFORE INSERT ON entries
WHEN EXISTS (SELECT 1 FROM frozen_years f
    WHERE f.first_month <= CAST(substr(NEW.period, 1, 4) AS INTEGER) * 12 + 11
      AND CAST(substr(NEW.period, 1, 4) AS INTEGER) * 12 <= f.last_month)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
CREATE TRIGGER entries_frozen_update BEFORE UPDATE ON entries
WHEN EXISTS (SELECT 1 FROM frozen_years f
    WHERE f.first_month <= CAST(substr(OLD.period, 1, 4) AS INTEGER) * 12 + 11
      AND CAST(substr(OLD.period, 1, 4) AS INTEGER) * 12 <= f.last_month)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
CREATE TRIGGER entries_frozen_delete BEFORE DELETE ON entries
WHEN EXISTS (SELECT 1 FROM frozen_years f
    WHERE f.first_month <= CAST(substr(OLD.period, 1, 4) AS INTEGER) * 12 + 11
      AND CAST(substr(OLD.period, 1, 4) AS INTEGER) * 12 <= f.last_month)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;

-- Dossiers received by the end of a frozen year (the only ones its figures can count) are
-- guarded by triggers that `store::locks::freeze_on` creates with the instant written in:
-- a constant compare, so the dossier hot path pays nothing before the first decision and
-- next to nothing after it (a subquery per row cost ~12 % of a bulk import).

-- Heads whose term meets a frozen year. (An upsert fires the insert trigger first: a row
-- that replaces a stored term is judged by the update trigger.)
CREATE TRIGGER heads_frozen_insert BEFORE INSERT ON heads
WHEN EXISTS (SELECT 1 FROM frozen_years f
    WHERE NEW.term_from <= f.last_day AND (NEW.term_to IS NULL OR NEW.term_to >= f.first_day))
  AND NOT EXISTS (SELECT 1 FROM heads h WHERE h.unit_id = NEW.unit_id AND h.term_from = NEW.term_from)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
-- A change is refused when it changes the head's days inside a frozen year or the name
-- those days were evaluated under (closing a term after the year is allowed).
CREATE TRIGGER heads_frozen_update BEFORE UPDATE ON heads
WHEN EXISTS (SELECT 1 FROM frozen_years f
    WHERE ((OLD.term_from <= f.last_day AND (OLD.term_to IS NULL OR OLD.term_to >= f.first_day))
        OR (NEW.term_from <= f.last_day AND (NEW.term_to IS NULL OR NEW.term_to >= f.first_day)))
      AND (max(OLD.term_from, f.first_day) IS NOT max(NEW.term_from, f.first_day)
        OR min(coalesce(OLD.term_to, '9999-12-31'), f.last_day) IS NOT min(coalesce(NEW.term_to, '9999-12-31'), f.last_day)
        OR OLD.full_name IS NOT NEW.full_name OR OLD.unit_id IS NOT NEW.unit_id))
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
CREATE TRIGGER heads_frozen_delete BEFORE DELETE ON heads
WHEN EXISTS (SELECT 1 FROM frozen_years f
    WHERE OLD.term_from <= f.last_day AND (OLD.term_to IS NULL OR OLD.term_to >= f.first_day))
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;

-- The working days of a frozen year.
CREATE TRIGGER calendar_frozen_insert BEFORE INSERT ON calendar_days
WHEN EXISTS (SELECT 1 FROM frozen_years f WHERE NEW.day BETWEEN f.first_day AND f.last_day)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
CREATE TRIGGER calendar_frozen_update BEFORE UPDATE ON calendar_days
WHEN EXISTS (SELECT 1 FROM frozen_years f WHERE OLD.day BETWEEN f.first_day AND f.last_day)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
CREATE TRIGGER calendar_frozen_delete BEFORE DELETE ON calendar_days
WHEN EXISTS (SELECT 1 FROM frozen_years f WHERE OLD.day BETWEEN f.first_day AND f.last_day)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;

-- The frozen plan itself.
CREATE TRIGGER plans_frozen_update BEFORE UPDATE ON plans
WHEN EXISTS (SELECT 1 FROM frozen_years f WHERE f.plan_code = OLD.code)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
CREATE TRIGGER plans_frozen_delete BEFORE DELETE ON plans
WHEN EXISTS (SELECT 1 FROM frozen_years f WHERE f.plan_code = OLD.code)
BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
