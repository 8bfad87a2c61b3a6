-- Evidence files and generated documents where every instance reads them (issue 16 part 3;
-- a SQLite store keeps them in its data folder). `thidua migrate` moves an office's files
-- here.
CREATE TABLE stored_files (
    name    TEXT PRIMARY KEY,
    content BYTEA NOT NULL
);
