-- A unit's page lists its late dossiers: by unit and due date, without reading the
-- province's other dossiers (issue 13; the cost to the dossier import is in BENCHMARKS.md).
CREATE INDEX dossiers_unit_due ON dossiers(unit_id, due_at);
