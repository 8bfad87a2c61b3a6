-- Sessions and sign-in throttling move to their own file beside the data
-- (`thidua-sessions.db`, crates/store/src/sessions.rs), so that nothing a sign-in or a page
-- view writes waits on an import's write lock. Sessions open at the upgrade end (people
-- sign in again); throttle counts restart.
DROP TABLE sessions;
DROP TABLE login_throttle;

-- Sign-ins and sign-outs are noted in the sessions file first and written into the audit
-- chain within seconds; this records, per sessions file (its random epoch), the last
-- event written, in the same transaction as the records, so each is written once.
CREATE TABLE account_events_written (
    epoch      TEXT PRIMARY KEY,
    last_event INTEGER NOT NULL
);
