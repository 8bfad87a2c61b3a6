-- A dossier's references (its unit, its import) checked row by row again, by a trigger the
-- writer that has checked its rows itself switches off for its own transaction
-- (`SET LOCAL thidua.dossier_refs = 'checked'`):
-- - the dossier hot path: every staged row's unit id is one of the units it read in the same
--   transaction, under the write lock that every change of units also takes, and the import
--   id is the import's own row (`import_pg`);
-- - the move from SQLite: it checks the moved dossiers in one statement (`pg_move`).
-- The statement-level check of 0006 kept every written row in a transition table and
-- scanned it again: a fifth of a 10 M-row import's time (BENCHMARKS.md, "PostgreSQL").
-- Every other writer (the general import path, any hand-written statement) is checked per
-- row, with the same refusal; the parents' side (0006) is unchanged.

DROP TRIGGER dossiers_refs_insert ON dossiers;
DROP TRIGGER dossiers_refs_update ON dossiers;
DROP FUNCTION thidua_dossiers_refs();

CREATE FUNCTION thidua_dossier_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM units u WHERE u.id = NEW.unit_id)
       OR (NEW.import_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM imports i WHERE i.id = NEW.import_id)) THEN
        RAISE EXCEPTION 'thidua: a dossier refers to a unit or an import that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER dossiers_refs AFTER INSERT OR UPDATE OF unit_id, import_id ON dossiers
    FOR EACH ROW WHEN (current_setting('thidua.dossier_refs', true) IS DISTINCT FROM 'checked')
    EXECUTE FUNCTION thidua_dossier_refs();
