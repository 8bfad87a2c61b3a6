//! Embedded migrations, applied in order on open; `PRAGMA user_version` records the last.

use crate::sql::Conn;

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
    include_str!("../migrations/sqlite/0010_proposing_level.sql"),
    include_str!("../migrations/sqlite/0011_decisions.sql"),
    include_str!("../migrations/sqlite/0012_mail.sql"),
    include_str!("../migrations/sqlite/0013_dossier_sums.sql"),
];

/// The migration after which the audit records already there are sealed into the chain
/// and the tokens already there get an expiry.
const AUDIT_CHAIN: usize = 6;

pub(crate) fn run(conn: &Conn) -> crate::Result<()> {
    let lite = conn.lite()?;
    let current: i64 = lite.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > MIGRATIONS.len() as i64 {
        return Err(crate::StoreError::NewerSchema(current));
    }
    if current == MIGRATIONS.len() as i64 {
        return Ok(());
    }
    // SQLite's procedure for rebuilding a table: foreign keys off while a migration runs
    // (a parent table dropped and recreated under the same name would otherwise orphan its
    // children), then every reference checked before the migration commits.
    lite.pragma_update(None, "foreign_keys", "OFF")?;
    let result = apply(conn, current);
    lite.pragma_update(None, "foreign_keys", "ON")?;
    result
}

fn apply(conn: &Conn, current: i64) -> crate::Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.write_tx()?;
        tx.execute_batch(sql)?;
        let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", (), |r| r.get(0))?;
        if broken > 0 {
            return Err(crate::refused(
                format!(
                    "nâng cấp kho dữ liệu (bước {}) làm hỏng {broken} liên kết dữ liệu, đã hủy",
                    i + 1
                ),
                format!(
                    "migration {} leaves {broken} broken foreign keys; rolled back",
                    i + 1
                ),
            ));
        }
        if i + 1 == AUDIT_CHAIN {
            crate::audit::seal_existing(&tx)?;
            crate::users::expire_legacy_tokens(&tx)?;
        }
        tx.lite()?.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
