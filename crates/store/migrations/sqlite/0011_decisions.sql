-- One award decision (number, date, signer) holds every nomination approved before it was
-- recorded and not yet in a decision; publishing it publishes them all at once. The
-- decisions already published one nomination at a time become records here.

CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY,
    plan_code    TEXT NOT NULL REFERENCES plans(code),
    number       TEXT NOT NULL,
    date         TEXT NOT NULL,
    signer       TEXT NOT NULL DEFAULT '',
    signer_title TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    published_at INTEGER,
    published_by TEXT,
    UNIQUE (plan_code, number)
);

ALTER TABLE nominations ADD COLUMN decision_id INTEGER REFERENCES decisions(id);
CREATE INDEX nominations_decision ON nominations(decision_id);

INSERT INTO decisions (plan_code, number, date, created_at, created_by, published_at, published_by)
SELECT plan_code, decision_no, min(decision_date), min(updated_at), 'migration', max(updated_at), 'migration'
FROM nominations
WHERE decision_no != '' AND decision_date IS NOT NULL AND published = 1
GROUP BY plan_code, decision_no;

UPDATE nominations SET decision_id = (
    SELECT d.id FROM decisions d WHERE d.plan_code = nominations.plan_code AND d.number = nominations.decision_no
) WHERE decision_no != '' AND published = 1;
