//! What a backup needs from the embedded store: a consistent copy of the database taken
//! while others keep writing (`VACUUM INTO` reads one snapshot of the WAL database and writes
//! it compacted to a new file), the row count of every table, and SQLite's own integrity
//! check of a restored file.

use crate::{refused, Result, Store};

impl Store {
    /// Writes a consistent copy of the database to `path` (which must not exist): SQLite's
    /// `VACUUM INTO`, or a PostgreSQL store's data as the same SQLite file
    /// (`pg_move::copy_to_sqlite`), the portable archive's database.
    pub fn snapshot_into(&self, path: &std::path::Path) -> Result<()> {
        if self.conn.is_pg() {
            return crate::pg_move::copy_to_sqlite(self, path);
        }
        let p = path.to_str().ok_or_else(|| {
            refused(
                "đường dẫn tệp sao lưu không hợp lệ",
                "the backup path is not UTF-8",
            )
        })?;
        self.conn.execute("VACUUM INTO ?1", [p])?;
        Ok(())
    }

    /// Every table of the schema and its number of rows, by name.
    pub fn table_counts(&self) -> Result<Vec<(String, i64)>> {
        let names: Vec<String> = {
            let mut st = self.conn.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )?;
            let rows = st.query_map((), |r| r.get(0))?;
            rows.collect::<crate::Result<_>>()?
        };
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let n: i64 = self.conn.query_row(
                &format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\"")),
                (),
                |r| r.get(0),
            )?;
            out.push((name, n));
        }
        Ok(out)
    }

    /// SQLite's integrity check: None when the file is sound, else its first complaint.
    pub fn integrity_problem(&self) -> Result<Option<String>> {
        let first: String = self
            .conn
            .query_row("PRAGMA integrity_check(1)", (), |r| r.get(0))?;
        Ok((first != "ok").then_some(first))
    }

    /// The schema's migration number.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .lite()?
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}
