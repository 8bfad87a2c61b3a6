//! Web uploads waiting for confirmation: the file is on disk under a server-made name; the
//! row says what it is and who may confirm it.

use crate::sql::{params, OptionalExtension};
use crate::{now, Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedImport {
    pub token: String,
    pub kind: String,
    pub file_name: String,
    pub stored_name: String,
    pub user_id: i64,
    pub accept_valid: bool,
    pub verified: bool,
    pub created_at: i64,
}

impl Store {
    pub fn put_staged(&self, s: &StagedImport) -> Result<()> {
        self.conn.execute(
            "INSERT INTO staged_imports (token, kind, file_name, stored_name, user_id, accept_valid, verified, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![s.token, s.kind, s.file_name, s.stored_name, s.user_id, s.accept_valid as i64, s.verified as i64, now()],
        )?;
        Ok(())
    }

    pub fn staged(&self, token: &str) -> Result<Option<StagedImport>> {
        self
            .conn
            .query_row(
                "SELECT token, kind, file_name, stored_name, user_id, accept_valid, verified, created_at FROM staged_imports WHERE token = ?1",
                [token],
                |r| {
                    Ok(StagedImport {
                        token: r.get(0)?,
                        kind: r.get(1)?,
                        file_name: r.get(2)?,
                        stored_name: r.get(3)?,
                        user_id: r.get(4)?,
                        accept_valid: r.get::<_, i64>(5)? != 0,
                        verified: r.get::<_, i64>(6)? != 0,
                        created_at: r.get(7)?,
                    })
                },
            )
            .optional()
    }

    /// Forgets uploads staged more than `age` seconds ago and returns their stored names
    /// (for the caller to delete the files).
    pub fn stale_staged(&self, age: i64) -> Result<Vec<String>> {
        let cutoff = now() - age;
        let mut st = self
            .conn
            .prepare_cached("SELECT stored_name FROM staged_imports WHERE created_at < ?1")?;
        let names = st
            .query_map([cutoff], |r| r.get(0))?
            .collect::<Result<Vec<String>>>()?;
        self.conn
            .execute("DELETE FROM staged_imports WHERE created_at < ?1", [cutoff])?;
        Ok(names)
    }

    /// Takes a staged upload off the queue; false when it was already taken (a second
    /// click on "confirm" imports nothing twice).
    pub fn take_staged(&self, token: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM staged_imports WHERE token = ?1", [token])?
            == 1)
    }

    /// The names of every file the store refers to (evidence, nomination documents, staged
    /// uploads): a file of the data folder not among them was left by a write whose
    /// transaction never committed (a killed server), and may be swept.
    pub fn stored_file_names(&self) -> Result<std::collections::HashSet<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT stored_name FROM attachments UNION ALL SELECT stored_name FROM nomination_documents
             UNION ALL SELECT stored_name FROM staged_imports",
        )?;
        let names = st.query_map((), |r| r.get(0))?;
        names.collect::<Result<_>>()
    }
}
