-- Kept dossier sums (issue 16, part 4; `store::sums`): what every dossier counts at the
-- end of time, per (unit, month), kept by each import in its transaction. `cells` holds
-- each reading's numerator and denominator (i128 little-endian, millionths); `unknown`
-- the dossiers of an unknown procedure received that month.
CREATE TABLE dossier_sums (
    unit_id INTEGER NOT NULL,
    month   INTEGER NOT NULL,   -- thidua_domain::time::Month
    cells   BLOB NOT NULL,
    unknown INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month)
) WITHOUT ROWID;

-- Month-end corrections: for the end of each month `month_end`, what the dossiers open
-- across it (received by then, settling later) count then minus what they count at the
-- end of time, in their months up to `month_end` — except the dossiers the evaluations read
-- (`open_span` not null).
CREATE TABLE dossier_ends (
    unit_id   INTEGER NOT NULL,
    month_end INTEGER NOT NULL,
    month     INTEGER NOT NULL,
    cells     BLOB NOT NULL,
    PRIMARY KEY (month_end, unit_id, month)
) WITHOUT ROWID;

-- The build's count of readings the sums were made with, and the time of the latest write
-- that `open_span` is relative to. Empty: the sums are counted when the store is opened.
CREATE TABLE dossier_sums_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    readings   INTEGER NOT NULL,
    written_at INTEGER NOT NULL
);

-- The months from a dossier's receipt to the month it settles in, for the dossiers the
-- evaluations read before they settle (settling after they were written, or years ahead;
-- `sums::open_span`); NULL for the others, which the partial index leaves out.
ALTER TABLE dossiers ADD COLUMN open_span INTEGER;
CREATE INDEX dossiers_open ON dossiers(open_span, received_at) WHERE open_span IS NOT NULL;
