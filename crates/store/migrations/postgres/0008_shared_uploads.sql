-- A staged web import's file where every instance reads it (issue 16 part 3): the upload
-- is checked on the instance that received it, and may be confirmed, or its errors
-- downloaded, through another behind the same load balancer. The file goes in parts, so
-- that neither side holds a whole upload (up to the import limit) in memory at once.
-- A SQLite store has one instance: its `uploads/` folder is enough.
CREATE TABLE staged_upload_parts (
    name       TEXT COLLATE "C" NOT NULL,
    part       BIGINT NOT NULL,
    bytes      BYTEA NOT NULL,
    written_at BIGINT NOT NULL,
    PRIMARY KEY (name, part)
);
