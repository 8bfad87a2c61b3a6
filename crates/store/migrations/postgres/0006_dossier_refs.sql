-- A dossier's references (its unit, its import) checked once per statement, set against
-- set, instead of one lookup per row: the dossier hot path writes millions of rows in one
-- statement, where the row-by-row foreign-key checks took four fifths of its time
-- (BENCHMARKS.md, "PostgreSQL"). Every writer is still checked, with the same refusal.

ALTER TABLE dossiers DROP CONSTRAINT dossiers_import_id_fkey;
ALTER TABLE dossiers DROP CONSTRAINT dossiers_unit_id_fkey;

CREATE FUNCTION thidua_dossiers_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM written w WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = w.unit_id))
       OR EXISTS (SELECT 1 FROM written w WHERE w.import_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM imports i WHERE i.id = w.import_id)) THEN
        RAISE EXCEPTION 'thidua: a dossier refers to a unit or an import that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER dossiers_refs_insert AFTER INSERT ON dossiers
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION thidua_dossiers_refs();
CREATE TRIGGER dossiers_refs_update AFTER UPDATE ON dossiers
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION thidua_dossiers_refs();

-- The other side: a unit or an import a dossier refers to is neither deleted nor renumbered
-- (its old id no longer there while a dossier still refers to it).
CREATE FUNCTION thidua_units_dossier_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone g
               WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = g.id)
                 AND EXISTS (SELECT 1 FROM dossiers d WHERE d.unit_id = g.id)) THEN
        RAISE EXCEPTION 'thidua: a dossier refers to the unit' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION thidua_imports_dossier_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone g
               WHERE NOT EXISTS (SELECT 1 FROM imports i WHERE i.id = g.id)
                 AND EXISTS (SELECT 1 FROM dossiers d WHERE d.import_id = g.id)) THEN
        RAISE EXCEPTION 'thidua: a dossier refers to the import' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER units_dossier_refs_delete AFTER DELETE ON units
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION thidua_units_dossier_refs();
CREATE TRIGGER units_dossier_refs_update AFTER UPDATE ON units
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION thidua_units_dossier_refs();
CREATE TRIGGER imports_dossier_refs_delete AFTER DELETE ON imports
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION thidua_imports_dossier_refs();
CREATE TRIGGER imports_dossier_refs_update AFTER UPDATE ON imports
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION thidua_imports_dossier_refs();
