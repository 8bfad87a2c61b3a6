//! The PostgreSQL schema against a real server: each test makes its own database on the
//! server at 127.0.0.1:5432 (user `postgres`, trust; `scripts/test.sh` installs and starts
//! one where none answers) and drops it afterwards. Never skipped: without a server these
//! tests fail and say why.

use super::*;
use crate::testing::TestDb;

/// Every table and column of a fresh SQLite store (its data file and its sessions file),
/// with the column's type as SQLite declares it.
fn sqlite_columns() -> Vec<(String, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::Store::open_dir(dir.path()).unwrap();
    store.sessions.conn().unwrap(); // the sessions file opens on first use
    drop(store);
    let mut out = Vec::new();
    for file in ["thidua.db", "thidua-sessions.db"] {
        let conn = rusqlite::Connection::open(dir.path().join(file)).unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for t in tables {
            let cols: Vec<(String, String)> = conn
                .prepare(&format!("SELECT name, type FROM pragma_table_info('{t}')"))
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            for (c, ty) in cols {
                out.push((t.clone(), c, ty));
            }
        }
    }
    out
}

#[test]
fn the_schema_applies_once_and_holds_every_sqlite_table_and_column() {
    let db = TestDb::new("thidua_test");
    let mut c = db.client();
    assert_eq!(schema_version(&mut c).unwrap(), 0);
    migrate(&mut c).unwrap();
    migrate(&mut c).unwrap(); // a second start changes nothing
    assert_eq!(schema_version(&mut c).unwrap(), MIGRATIONS.len() as i64);
    let pg: Vec<(String, String, String)> = c
        .query(
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (table, column, ty) in sqlite_columns() {
        let found = pg
            .iter()
            .find(|(t, c, _)| *t == table && *c == column)
            .unwrap_or_else(|| panic!("{table}.{column} is missing in PostgreSQL"));
        let expected = match ty.as_str() {
            "INTEGER" => "bigint",
            "TEXT" => "text",
            "BLOB" => "bytea",
            other => panic!("{table}.{column}: a SQLite type {other} to map"),
        };
        assert_eq!(found.2, expected, "{table}.{column}");
    }
    // a database made by a newer version is refused
    c.execute("UPDATE thidua_schema SET version = 99", &[]).unwrap();
    assert!(matches!(migrate(&mut c), Err(StoreError::NewerSchema(99))));
}

#[test]
fn instances_starting_together_migrate_once() {
    let db = TestDb::new("thidua_test");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || connect(&url).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    assert_eq!(schema_version(&mut db.client()).unwrap(), MIGRATIONS.len() as i64);
}

#[test]
fn the_guards_refuse_as_in_sqlite() {
    let db = TestDb::new("thidua_test");
    let mut c = connect(&db.url).unwrap();
    let refusal = |c: &mut postgres::Client, sql: &str| -> String {
        let e = c.batch_execute(sql).expect_err(sql);
        e.as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_default()
    };
    c.batch_execute(
        "INSERT INTO audit_log (at, username, action, object_type, object_id) VALUES (1, 'a', 'x', 'y', 'z');
         INSERT INTO units (code, name, tier) VALUES ('H01', 'UBND', 'huyen');",
    )
    .unwrap();
    assert_eq!(refusal(&mut c, "DELETE FROM audit_log"), "audit log is read-only");
    assert_eq!(
        refusal(&mut c, "UPDATE audit_log SET username = 'b'"),
        "audit log is read-only"
    );
    let entry = |period: &str| {
        format!(
            "INSERT INTO entries (unit_id, indicator, period, kind, value, state, updated_at, updated_by)
             SELECT id, 'sang_kien', '{period}', 'count', 1, 'nhap', 1, 'a' FROM units WHERE code = 'H01'"
        )
    };
    c.batch_execute(&entry("2023-Q1")).unwrap();
    // a month counted once: 2023-02 lies in 2023-Q1, 2023-04 does not
    assert!(refusal(&mut c, &entry("2023-02")).contains("shares a month"));
    assert!(refusal(&mut c, &entry("2023")).contains("shares a month"));
    c.batch_execute(&entry("2023-04")).unwrap();
    // a frozen year keeps its entries, heads, calendar and plan
    c.batch_execute(
        "INSERT INTO plans (code, title, period_from, period_to, source, loaded_at) VALUES ('p', 't', '2023-01-01', '2023-12-31', '', 1);
         INSERT INTO heads (unit_id, full_name, term_from) SELECT id, 'A', '2020-01-01' FROM units;
         INSERT INTO frozen_years VALUES ('p', 24276, 24287, '2023-01-01', '2023-12-31', 1, '256/QĐ-UBND', 1, 'a');",
    )
    .unwrap();
    for sql in [
        entry("2023-08"),
        "UPDATE entries SET value = 2".to_string(),
        "DELETE FROM entries".to_string(),
        "UPDATE heads SET full_name = 'B'".to_string(),
        "INSERT INTO calendar_days (day, kind) VALUES ('2023-05-02', 'nghi')".to_string(),
        "UPDATE plans SET title = 'u'".to_string(),
    ] {
        assert_eq!(refusal(&mut c, &sql), "thidua: frozen", "{sql}");
    }
    assert!(refusal(&mut c, "DELETE FROM frozen_years").contains("stays frozen"));
    // a dossier's unit and import must exist, and stay (checked per row, migration 0007)
    c.batch_execute(
        "INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status)
         SELECT 'D1', id, 'p', 2000000000, 2000000000, 0, 0 FROM units WHERE code = 'H01'",
    )
    .unwrap();
    assert!(refusal(
        &mut c,
        "INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status) VALUES ('D2', 999, 'p', 2000000000, 2000000000, 0, 0)"
    )
    .contains("does not exist"));
    assert!(refusal(&mut c, "INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status, import_id) SELECT 'D3', id, 'p', 2000000000, 2000000000, 0, 0, 999 FROM units WHERE code = 'H01'")
        .contains("does not exist"));
    assert!(refusal(&mut c, "UPDATE dossiers SET unit_id = 999").contains("does not exist"));
    // a writer that checked its rows itself says so for its own transaction only
    c.batch_execute(
        "BEGIN; SET LOCAL thidua.dossier_refs = 'checked';
         INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status) VALUES ('D5', 999, 'p', 2000000000, 2000000000, 0, 0);
         ROLLBACK;",
    )
    .unwrap();
    assert!(refusal(
        &mut c,
        "INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status) VALUES ('D5', 999, 'p', 2000000000, 2000000000, 0, 0)"
    )
    .contains("does not exist"));
    c.batch_execute(
        "INSERT INTO units (code, name, tier) VALUES ('H02', 'UBND', 'huyen');
         INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status)
         SELECT 'D4', id, 'p', 2000000000, 2000000000, 0, 0 FROM units WHERE code = 'H02';
         UPDATE units SET name = 'UBND huyện' WHERE code = 'H02';",
    )
    .unwrap();
    assert!(refusal(&mut c, "DELETE FROM units WHERE code = 'H02'").contains("refers to the unit"));
    // outside the frozen year, nothing is refused
    c.batch_execute("INSERT INTO calendar_days (day, kind) VALUES ('2024-05-02', 'nghi')")
        .unwrap();
    assert!(refusal(&mut c, "INSERT INTO reopenings (unit_id, period, until_day, reason, created_at, created_by) SELECT id, '2023', '2024-01-01', '  ', 1, 'a' FROM units")
        .contains("reopenings"));
}
