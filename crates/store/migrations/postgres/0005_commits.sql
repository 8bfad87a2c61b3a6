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

CREATE FUNCTION thidua_commit_data() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE thidua_commits SET n = n + 1 WHERE name = 'data';
    RETURN NULL;
END $$;

CREATE FUNCTION thidua_commit_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE thidua_commits SET n = n + 1 WHERE name = 'sessions';
    RETURN NULL;
END $$;

-- Counts the commits to `tbl` as the sessions' (`sessions` true) or the data's.
CREATE FUNCTION thidua_count_commits(tbl TEXT, sessions BOOLEAN) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION %I()',
        tbl || '_commits', tbl,
        CASE WHEN sessions THEN 'thidua_commit_sessions' ELSE 'thidua_commit_data' END);
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
