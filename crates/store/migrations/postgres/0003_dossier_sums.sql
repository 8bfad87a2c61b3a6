-- Kept dossier sums (sqlite/0013_dossier_sums.sql, `store::sums`).

CREATE TABLE dossier_sums (
    unit_id BIGINT NOT NULL,
    month   BIGINT NOT NULL,
    cells   BYTEA NOT NULL,
    unknown BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month)
);

CREATE TABLE dossier_ends (
    unit_id   BIGINT NOT NULL,
    month_end BIGINT NOT NULL,
    month     BIGINT NOT NULL,
    cells     BYTEA NOT NULL,
    PRIMARY KEY (month_end, unit_id, month)
);

CREATE TABLE dossier_sums_meta (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    readings   BIGINT NOT NULL,
    written_at BIGINT NOT NULL
);

ALTER TABLE dossiers ADD COLUMN open_span BIGINT;
CREATE INDEX dossiers_open ON dossiers(open_span, received_at) WHERE open_span IS NOT NULL;
