//! The PostgreSQL backend's connection and schema (issue 16): `migrations/postgres/`, the
//! state SQLite's migrations arrive at with the same guards as PL/pgSQL triggers, applied
//! once under an advisory lock, so instances starting together migrate once. The store's
//! operations run on it through `sql::Conn` (`Store::open_url("postgres://…")`); the move
//! of an embedded store into it is `pg_move`. ARCHITECTURE.md "The store and PostgreSQL".

use crate::{Result, StoreError};

pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/0001_schema.sql"),
    include_str!("../migrations/postgres/0002_mail.sql"),
    include_str!("../migrations/postgres/0003_dossier_sums.sql"),
    include_str!("../migrations/postgres/0004_stored_files.sql"),
    include_str!("../migrations/postgres/0005_commits.sql"),
    include_str!("../migrations/postgres/0006_dossier_refs.sql"),
    include_str!("../migrations/postgres/0007_dossier_refs_rows.sql"),
    include_str!("../migrations/postgres/0008_shared_uploads.sql"),
];

/// The advisory lock key migrations hold ("thidua" in ASCII).
const MIGRATION_LOCK: i64 = 0x7468_6964_7561;

/// A database error, except a refusal by one of the store's own guards (the same messages
/// as SQLite's triggers), which says in both languages what happened.
impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
            // another writer (a long import) held the write lock past `lock_timeout`
            return StoreError::Refused(crate::busy_msg());
        }
        match e
            .as_db_error()
            .and_then(|d| crate::locks::trigger_refusal(d.message()))
        {
            Some(m) => StoreError::Refused(m),
            None => StoreError::Postgres(e),
        }
    }
}

/// Connects to `url` (`postgres://USER@HOST[:PORT]/DB`) and brings its schema up to date.
pub fn connect(url: &str) -> Result<postgres::Client> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    migrate(&mut client)?;
    // A write waits for another writer (an import holds the write lock for its whole
    // transaction) at most as long as SQLite's busy timeout, then is refused in words.
    client.batch_execute("SET lock_timeout = '10s'")?;
    Ok(client)
}

/// Applies the migrations this version knows and the database lacks, in one transaction
/// holding the migration lock; refuses a database made by a newer version.
pub fn migrate(client: &mut postgres::Client) -> Result<()> {
    // Every connection of every instance comes here: an up-to-date schema is one read, not
    // a transaction holding the migration lock.
    if schema_version(client)? == MIGRATIONS.len() as i64 {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS thidua_schema (version BIGINT NOT NULL)")?;
    let current: i64 = match tx.query_opt("SELECT version FROM thidua_schema", &[])? {
        Some(row) => row.get(0),
        None => {
            tx.execute("INSERT INTO thidua_schema (version) VALUES (0)", &[])?;
            0
        }
    };
    if current > MIGRATIONS.len() as i64 {
        return Err(StoreError::NewerSchema(current));
    }
    for sql in MIGRATIONS.iter().skip(current as usize) {
        tx.batch_execute(sql)?;
    }
    tx.execute(
        "UPDATE thidua_schema SET version = $1",
        &[&(MIGRATIONS.len() as i64)],
    )?;
    tx.commit()?;
    Ok(())
}

/// The schema version a database holds (0 before the first migration).
pub fn schema_version(client: &mut postgres::Client) -> Result<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('thidua_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_opt("SELECT version FROM thidua_schema", &[])?
        .map_or(0, |r| r.get(0)))
}

#[cfg(test)]
#[path = "pg_tests.rs"]
mod tests;
