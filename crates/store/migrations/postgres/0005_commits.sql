-- What SQLite's `PRAGMA data_version` tells a connection, for every instance on the shared
-- database (issue 16 part 3): a count of the commits that wrote the data, and one of those
-- that wrote the sessions. Caches (the plans, a page's kept content, a signed-in user) keep
-- what they read while the count they read it at is unchanged. Statement-level triggers
-- bump the count in the writing transaction, so it changes exactly when that commits (and
-- a rolled-back write leaves it as it was). A table added by a later migration adds its
-- trigger there (`thidua_count_commits`).

-- SQLite's sessions file calls its epoch table `meta`: one name for both backends.
ALTER TABLE session_meta RENAME TO meta;

CREATE TABLE thidua_commits (
    name TEXT PRIMARY KEY,
    n    BIGINT NOT NULL
);
INSERT INTO thidua_commits (name, n) VALUES ('data', 0), ('sessions', 0);

-- Counts a commit to the table and to the whole it belongs to (`data` or `sessions`), so a
-- cache can also key on the few tables it reads (`Store::data_version`): SQLite's caches
-- use `max(id)` there, which PostgreSQL's identities do not give in commit order.
-- Once per transaction and table: a transaction-local setting remembers what it bumped
-- already (a statement trigger that bumped on every statement made an import of many
-- statements quadratic: each update of a row already updated in the transaction walks its
-- versions). The whole's row first, then the table's: every writing transaction locks them
-- in that order, so two never wait on each other (one row each, in one order, would
-- deadlock a transaction that wrote `sessions` then `account_events` against one deleting
-- events).
CREATE FUNCTION thidua_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('thidua.bumped.' || TG_TABLE_NAME, true) IS DISTINCT FROM 'y' THEN
        IF current_setting('thidua.bumped.' || TG_ARGV[0], true) IS DISTINCT FROM 'y' THEN
            UPDATE thidua_commits SET n = n + 1 WHERE name = TG_ARGV[0];
            PERFORM set_config('thidua.bumped.' || TG_ARGV[0], 'y', true);
        END IF;
        UPDATE thidua_commits SET n = n + 1 WHERE name = TG_TABLE_NAME;
        PERFORM set_config('thidua.bumped.' || TG_TABLE_NAME, 'y', true);
    END IF;
    RETURN NULL;
END $$;

-- Counts the commits to `tbl` as the sessions' (`sessions` true) or the data's.
CREATE FUNCTION thidua_count_commits(tbl TEXT, sessions BOOLEAN) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO thidua_commits (name, n) VALUES (tbl, 0) ON CONFLICT (name) DO NOTHING;
    EXECUTE format(
        'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION thidua_commit(%L)',
        tbl || '_commits', tbl, CASE WHEN sessions THEN 'sessions' ELSE 'data' END);
END $$;

DO $$
DECLARE t TEXT;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema()
               AND tablename NOT IN ('thidua_commits', 'thidua_schema')
    LOOP
        PERFORM thidua_count_commits(t, t IN ('meta', 'sessions', 'login_throttle', 'token_use', 'account_events'));
    END LOOP;
END $$;

-- Text compares and sorts byte by byte, as in SQLite, whatever the server's locale: the same
-- order on both backends (and no locale-dependent index).
DO $$
DECLARE r RECORD;
BEGIN
    FOR r IN SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND data_type = 'text'
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE TEXT COLLATE "C"', r.table_name, r.column_name);
    END LOOP;
END $$;

-- When each stored file was written: a file no record refers to is swept once it is old
-- enough (what an instance stopped between writing a file and committing its row left).
ALTER TABLE stored_files ADD COLUMN written_at BIGINT NOT NULL DEFAULT 0;
