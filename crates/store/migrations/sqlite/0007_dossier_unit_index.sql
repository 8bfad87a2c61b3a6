-- A unit's page lists its late dossiers: by unit and due date, without reading the
-- province's other dossiers (issue 13). Partial: only the dossiers that can ever be late
-- (unresolved, or completed after their due date) are indexed, a small share of an
-- export, so the bulk import pays little (BENCHMARKS.md). `read::LATE_DOSSIERS` repeats
-- the condition so SQLite uses the index; a dossier completed on or before its due date
-- is on time at any as-of instant (`domain::dossier::timeliness`).
CREATE INDEX dossiers_unit_due ON dossiers(unit_id, due_at)
    WHERE completed_at IS NULL OR completed_at > due_at;
