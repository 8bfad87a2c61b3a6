//! The audit log's hash chain against someone who edits the database file directly (an
//! embedded store: the tests edit the file with SQLite).

use crate::audit::{Actor, ChainBreak, GENESIS};
use crate::Store;

fn actor(name: &str) -> Actor {
    Actor {
        username: name.into(),
        address: "10.0.0.1".into(),
        request_id: "r1".into(),
    }
}

/// A store with `n` audit records.
fn logged(n: usize) -> Store {
    let s = Store::in_memory().unwrap();
    for i in 0..n {
        s.audit_record(
            &actor("sonoivu"),
            "cai_dat",
            "user",
            &format!("u{i}"),
            Some(&serde_json::json!({"i": i})),
        )
        .unwrap();
    }
    s
}

/// What an attacker with the file does first.
fn drop_triggers(s: &Store) {
    s.conn
        .lite()
        .unwrap()
        .execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
}

#[test]
fn an_untouched_log_is_an_intact_chain() {
    let s = logged(5);
    let r = s.verify_chain(None).unwrap();
    assert!(r.is_intact(), "{r:?}");
    assert_eq!(r.records, 5);
    assert_eq!(r.head.0, 5);
    assert_eq!(r.message().vi, "Chuỗi nhật ký nguyên vẹn (5 bản ghi).");
    let empty = Store::in_memory().unwrap().verify_chain(None).unwrap();
    assert!(empty.is_intact());
    assert_eq!(empty.head, (0, GENESIS.to_string()));
    // each record's hash follows from the previous one
    let hashes: Vec<String> = {
        let mut st = s
            .conn
            .lite()
            .unwrap()
            .prepare("SELECT hash FROM audit_log ORDER BY id")
            .unwrap();
        let rows = st.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    };
    assert_eq!(hashes.len(), 5);
    assert!(hashes.iter().all(|h| h.len() == 64));
    assert_eq!(hashes[4], r.head.1);
}

#[test]
fn an_altered_record_breaks_the_chain_where_it_was_altered() {
    let s = logged(6);
    drop_triggers(&s);
    s.conn
        .lite()
        .unwrap()
        .execute("UPDATE audit_log SET username = 'ke-gian' WHERE id = 3", [])
        .unwrap();
    let r = s.verify_chain(None).unwrap();
    assert_eq!(r.first_break, Some(ChainBreak::Altered { id: 3 }));
    assert!(r.message().vi.contains("bản ghi số 3"), "{}", r.message().vi);
    // changing a hash to match its own content does not help: the next record breaks
    let s = logged(6);
    drop_triggers(&s);
    s.conn
        .lite()
        .unwrap()
        .execute("UPDATE audit_log SET after = '{\"i\":99}' WHERE id = 2", [])
        .unwrap();
    let prev: String = s
        .conn
        .lite()
        .unwrap()
        .query_row("SELECT hash FROM audit_log WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    let (rec, _) = s
        .audit(&crate::audit::AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    let two = rec.iter().find(|r| r.id == 2).unwrap();
    s.conn
        .lite()
        .unwrap()
        .execute(
            "UPDATE audit_log SET hash = ?1 WHERE id = 2",
            [crate::audit::content_hash(&prev, two)],
        )
        .unwrap();
    assert_eq!(
        s.verify_chain(None).unwrap().first_break,
        Some(ChainBreak::Altered { id: 3 })
    );
}

#[test]
fn a_deleted_record_is_reported_missing() {
    let s = logged(6);
    drop_triggers(&s);
    s.conn
        .lite()
        .unwrap()
        .execute("DELETE FROM audit_log WHERE id IN (3, 4)", [])
        .unwrap();
    let r = s.verify_chain(None).unwrap();
    assert_eq!(r.first_break, Some(ChainBreak::Missing { from: 3, to: 4 }));
    assert!(r.message().vi.contains("thiếu các bản ghi số 3 đến 4"));
    // removed and the ids closed up: the record now holding the id breaks
    let s = logged(6);
    drop_triggers(&s);
    s.conn
        .lite()
        .unwrap()
        .execute("DELETE FROM audit_log WHERE id = 2", [])
        .unwrap();
    s.conn
        .lite()
        .unwrap()
        .execute("UPDATE audit_log SET id = id - 1 WHERE id > 2", [])
        .unwrap();
    assert_eq!(
        s.verify_chain(None).unwrap().first_break,
        Some(ChainBreak::Altered { id: 2 })
    );
}

#[test]
fn a_rewritten_or_cut_log_does_not_match_a_noted_head() {
    let s = logged(6);
    let head = s.verify_chain(None).unwrap().head;
    assert!(s.verify_chain(Some((head.0, &head.1))).unwrap().is_intact());
    // the attacker alters record 2 and recomputes every hash after it
    drop_triggers(&s);
    s.conn
        .lite()
        .unwrap()
        .execute("UPDATE audit_log SET username = 'ke-gian' WHERE id = 2", [])
        .unwrap();
    let (mut recs, _) = s
        .audit(&crate::audit::AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    recs.reverse();
    let mut prev = GENESIS.to_string();
    for r in &recs {
        prev = crate::audit::content_hash(&prev, r);
        s.conn
            .lite()
            .unwrap()
            .execute(
                "UPDATE audit_log SET hash = ?1 WHERE id = ?2",
                rusqlite::params![prev, r.id],
            )
            .unwrap();
    }
    assert!(
        s.verify_chain(None).unwrap().is_intact(),
        "a full rewrite is self-consistent"
    );
    assert_eq!(
        s.verify_chain(Some((head.0, &head.1))).unwrap().first_break,
        Some(ChainBreak::AnchorMismatch { id: 6 })
    );
    // cut short before the anchor
    let s = logged(6);
    let head = s.verify_chain(None).unwrap().head;
    drop_triggers(&s);
    s.conn
        .lite()
        .unwrap()
        .execute("DELETE FROM audit_log WHERE id >= 5", [])
        .unwrap();
    assert_eq!(
        s.verify_chain(Some((head.0, &head.1))).unwrap().first_break,
        Some(ChainBreak::AnchorMismatch { id: 6 })
    );
}

#[test]
fn the_migration_seals_earlier_records_and_gives_earlier_tokens_an_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("thidua.db");
    {
        // a store at migration 0005, with records and no hashes
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in &crate::migrate::MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        for i in 0..3 {
            conn.execute(
                "INSERT INTO audit_log (at, username, action, object_type, object_id) VALUES (?1, 'cu', 'thu', 'user', 'x')",
                [i],
            )
            .unwrap();
        }
        // and an API token made before tokens expired
        conn.execute_batch(
            "INSERT INTO users (id, username, password_hash, role, created_at) VALUES (1, 'motcua', 'h', 'so_noi_vu', 0);
             INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (1, 'cu', 0);",
        )
        .unwrap();
    }
    let s = Store::open_file(&path).unwrap();
    // the old token lives on for the default term from the upgrade
    let token = &s.tokens_list().unwrap()[0];
    let term = crate::now() + crate::users::TOKEN_DAYS_DEFAULT * 86_400;
    assert!((token.expires_at - term).abs() <= 2, "{token:?}");
    assert!(s.user_by_token("cu").unwrap().is_some());
    let r = s.verify_chain(None).unwrap();
    assert!(r.is_intact(), "{r:?}");
    assert_eq!(r.records, 3);
    // new records chain on, the triggers are back
    s.audit_record(&actor("moi"), "cai_dat", "user", "y", None)
        .unwrap();
    assert!(s.verify_chain(None).unwrap().is_intact());
    assert!(s
        .conn
        .lite()
        .unwrap()
        .execute("UPDATE audit_log SET username = 'x'", [])
        .is_err());
    assert!(s
        .conn
        .lite()
        .unwrap()
        .execute("DELETE FROM audit_log", [])
        .is_err());
    // an old record altered after the upgrade is found like any other
    drop_triggers(&s);
    s.conn
        .lite()
        .unwrap()
        .execute("UPDATE audit_log SET at = 99 WHERE id = 2", [])
        .unwrap();
    assert_eq!(
        s.verify_chain(None).unwrap().first_break,
        Some(ChainBreak::Altered { id: 2 })
    );
}
