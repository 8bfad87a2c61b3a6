//! Embedded migrations, applied in order on open; `PRAGMA user_version` records the last.

use rusqlite::Connection;

pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_web.sql"),
    include_str!("../migrations/sqlite/0003_award.sql"),
    include_str!("../migrations/sqlite/0004_locks.sql"),
    include_str!("../migrations/sqlite/0005_published_time.sql"),
    include_str!("../migrations/sqlite/0006_trust.sql"),
    include_str!("../migrations/sqlite/0007_dossier_unit_index.sql"),
    include_str!("../migrations/sqlite/0008_sessions_file.sql"),
    include_str!("../migrations/sqlite/0009_head_particulars.sql"),
];

/// The migration after which the audit records already there are sealed into the chain
/// and the tokens already there get an expiry.
const AUDIT_CHAIN: usize = 6;

pub(crate) fn run(conn: &mut Connection) -> crate::Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > MIGRATIONS.len() as i64 {
        return Err(crate::StoreError::NewerSchema(current));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if i + 1 == AUDIT_CHAIN {
            crate::audit::seal_existing(&tx)?;
            crate::users::expire_legacy_tokens(&tx)?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
