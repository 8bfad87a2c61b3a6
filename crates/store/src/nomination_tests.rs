//! The nomination lifecycle's rules, the quota under concurrent approvals included.
//!
//! Just over ~500 lines: the lifecycle from draft to publication is one story.

use crate::audit::Actor;
use crate::workflow::NewAttachment;
use crate::Store;
use std::io::Cursor;
use thidua_domain::nomination::{BoardVerdict, DecisionTerms, Facts, OfficeVerdict, Step};
use thidua_domain::plan::{Plan, BUILT_IN_2023};
use thidua_domain::role::Role;
use thidua_domain::time::Date;
use thidua_ingest::ImportKind;

pub(crate) fn actor(name: &str) -> Actor {
    Actor {
        username: name.into(),
        address: "10.0.0.9".into(),
        request_id: "r".into(),
    }
}

fn file(stored: impl Into<String>, name: &str, size: i64) -> NewAttachment {
    NewAttachment::new(stored, name, "application/pdf", size)
}

fn day(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}

pub(crate) fn facts() -> Facts {
    Facts {
        evaluated: true,
        eligible: true,
        discipline_pending: false,
        today: Some(day(2024, 1, 10)),
        deadline: Some(day(2024, 1, 15)),
        required_documents: ["to_trinh", "bien_ban", "bao_cao_thanh_tich"]
            .map(|c| (c.to_string(), format!("Tài liệu {c}")))
            .to_vec(),
        quota: 10,
        one_per_unit: false,
        outside_suggestions: false,
        proposed_by_parent: false,
        proposer_documents: vec![],
    }
}

pub(crate) fn seeded(store: &mut Store, units: usize) {
    store.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
    let mut csv = String::from("ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\n");
    for i in 0..units {
        csv.push_str(&format!("S{i:02},Sở {i},tinh,\n"));
    }
    let r = store
        .import(
            ImportKind::Units,
            Cursor::new(csv.into_bytes()),
            &Default::default(),
            &mut |_| {},
            &|_| {},
        )
        .unwrap();
    assert!(r.committed);
}

/// A nomination of unit `i` taken to `da_tham_dinh` with the Board's proposal.
pub(crate) fn appraised(s: &mut Store, i: usize) -> i64 {
    appraised_head(s, i, day(2023, 1, 1))
}

/// The same for the unit's head whose term began on `from`.
fn appraised_head(s: &mut Store, i: usize, from: Date) -> i64 {
    let unit = s.unit(&format!("S{i:02}")).unwrap().unwrap();
    let id = s
        .create_nomination(
            &actor("donvi"),
            Role::DonVi,
            "cchc-2023",
            unit.id,
            from,
            &format!("Giám đốc {i}"),
            "Giám đốc",
        )
        .unwrap();
    for (n, doc) in ["to_trinh", "bien_ban", "bao_cao_thanh_tich"].iter().enumerate() {
        s.add_nomination_document(
            &actor("donvi"),
            id,
            doc,
            &file(format!("{id}-{n}.pdf"), "x.pdf", 10),
        )
        .unwrap();
    }
    let f = facts();
    s.nomination_step(
        &actor("donvi"),
        Role::DonVi,
        id,
        &Step::Submit {
            reason: String::new(),
        },
        &f,
    )
    .unwrap();
    s.nomination_step(
        &actor("sonoivu"),
        Role::SoNoiVu,
        id,
        &Step::Forward {
            verdict: OfficeVerdict::DuDieuKien,
            reason: String::new(),
        },
        &f,
    )
    .unwrap();
    s.nomination_step(
        &actor("bantdkt"),
        Role::BanTdkt,
        id,
        &Step::Appraise {
            verdict: BoardVerdict::DeNghi,
            reason: "Thành tích xuất sắc".into(),
        },
        &f,
    )
    .unwrap();
    id
}

#[test]
fn a_nomination_goes_from_draft_to_the_published_decision_with_every_step_recorded() {
    let mut s = crate::testing::store();
    seeded(&mut s, 1);
    let unit = s.unit("S00").unwrap().unwrap();
    let id = s
        .create_nomination(
            &actor("donvi"),
            Role::DonVi,
            "cchc-2023",
            unit.id,
            day(2023, 1, 1),
            "Nguyễn Văn A",
            "Giám đốc",
        )
        .unwrap();
    assert!(
        s.create_nomination(
            &actor("donvi"),
            Role::DonVi,
            "cchc-2023",
            unit.id,
            day(2023, 1, 1),
            "Nguyễn Văn A",
            ""
        )
        .is_err(),
        "one per head"
    );
    let f = facts();
    // a missing document refuses the submission
    s.add_nomination_document(
        &actor("donvi"),
        id,
        "to_trinh",
        &file("a.pdf", "to-trinh.pdf", 10),
    )
    .unwrap();
    let err = s
        .nomination_step(
            &actor("donvi"),
            Role::DonVi,
            id,
            &Step::Submit {
                reason: String::new(),
            },
            &f,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("bien_ban") && err.to_string().contains("bao_cao_thanh_tich"),
        "{err}"
    );
    s.add_nomination_document(
        &actor("donvi"),
        id,
        "bien_ban",
        &file("b.pdf", "bien-ban.pdf", 10),
    )
    .unwrap();
    s.add_nomination_document(
        &actor("donvi"),
        id,
        "bao_cao_thanh_tich",
        &file("c.pdf", "bao-cao.pdf", 10),
    )
    .unwrap();
    // after the deadline: refused
    let late = Facts {
        today: Some(day(2024, 1, 16)),
        ..facts()
    };
    assert!(s
        .nomination_step(
            &actor("donvi"),
            Role::DonVi,
            id,
            &Step::Submit {
                reason: String::new()
            },
            &late
        )
        .unwrap_err()
        .to_string()
        .contains("quá hạn"));
    // an ineligible head needs a written reason, kept for every later reviewer
    let ineligible = Facts {
        eligible: false,
        ..facts()
    };
    assert!(s
        .nomination_step(
            &actor("donvi"),
            Role::DonVi,
            id,
            &Step::Submit { reason: " ".into() },
            &ineligible
        )
        .is_err());
    s.nomination_step(
        &actor("donvi"),
        Role::DonVi,
        id,
        &Step::Submit {
            reason: "Đủ 6 tháng nếu tính cả thời gian quyền Giám đốc".into(),
        },
        &ineligible,
    )
    .unwrap();
    assert!(
        s.add_nomination_document(&actor("donvi"), id, "to_trinh", &file("d.pdf", "x.pdf", 1))
            .is_err(),
        "documents are frozen once submitted"
    );
    // returned, resubmitted, forwarded, appraised, approved, published
    assert!(s
        .nomination_step(
            &actor("sonoivu"),
            Role::SoNoiVu,
            id,
            &Step::Return { reason: "".into() },
            &f
        )
        .is_err());
    s.nomination_step(
        &actor("sonoivu"),
        Role::SoNoiVu,
        id,
        &Step::Return {
            reason: "Biên bản thiếu chữ ký".into(),
        },
        &f,
    )
    .unwrap();
    s.add_nomination_document(
        &actor("donvi"),
        id,
        "bien_ban",
        &file("e.pdf", "bien-ban-ky.pdf", 10),
    )
    .unwrap();
    // a returned dossier may come back after the deadline
    let returned_late = Facts {
        eligible: false,
        today: Some(day(2024, 1, 20)),
        ..facts()
    };
    s.nomination_step(
        &actor("donvi"),
        Role::DonVi,
        id,
        &Step::Submit {
            reason: "Đủ 6 tháng nếu tính cả thời gian quyền Giám đốc".into(),
        },
        &returned_late,
    )
    .unwrap();
    assert!(
        s.nomination_step(
            &actor("bantdkt"),
            Role::BanTdkt,
            id,
            &Step::Appraise {
                verdict: BoardVerdict::DeNghi,
                reason: "x".into()
            },
            &f
        )
        .is_err(),
        "not before the office"
    );
    s.nomination_step(
        &actor("sonoivu"),
        Role::SoNoiVu,
        id,
        &Step::Forward {
            verdict: OfficeVerdict::DuDieuKien,
            reason: "".into(),
        },
        &f,
    )
    .unwrap();
    s.nomination_step(
        &actor("bantdkt"),
        Role::BanTdkt,
        id,
        &Step::Appraise {
            verdict: BoardVerdict::DeNghi,
            reason: "Đề nghị khen".into(),
        },
        &f,
    )
    .unwrap();
    let ineligible_now = Facts {
        eligible: false,
        ..facts()
    };
    assert!(s
        .nomination_step(
            &actor("lanhdao"),
            Role::LanhDao,
            id,
            &Step::Approve { note: String::new() },
            &ineligible_now
        )
        .unwrap_err()
        .to_string()
        .contains("không đủ điều kiện"));
    let no_evaluation = Facts {
        evaluated: false,
        ..facts()
    };
    assert!(s
        .nomination_step(
            &actor("lanhdao"),
            Role::LanhDao,
            id,
            &Step::Approve { note: String::new() },
            &no_evaluation
        )
        .is_err());
    let pending = Facts {
        discipline_pending: true,
        ..facts()
    };
    assert!(s
        .nomination_step(
            &actor("lanhdao"),
            Role::LanhDao,
            id,
            &Step::Approve { note: String::new() },
            &pending
        )
        .unwrap_err()
        .to_string()
        .contains("kỷ luật"));
    s.nomination_step(
        &actor("lanhdao"),
        Role::LanhDao,
        id,
        &Step::Approve { note: String::new() },
        &f,
    )
    .unwrap();
    assert!(
        !s.nomination(id).unwrap().unwrap().published,
        "not public before the decision is recorded"
    );
    let direct = Step::Publish {
        decision_no: "123/QĐ-UBND".into(),
        decision_date: day(2024, 2, 1),
        results: "[]".into(),
    };
    assert!(
        s.nomination_step(&actor("sonoivu"), Role::SoNoiVu, id, &direct, &f)
            .unwrap_err()
            .to_string()
            .contains("quyết định"),
        "one nomination is never published outside a decision"
    );
    let terms = DecisionTerms::new(
        "123/QĐ-UBND",
        day(2024, 2, 1),
        "Nguyễn Văn Thọ",
        "CHỦ TỊCH",
        day(2024, 2, 2),
    )
    .unwrap();
    let d = s.record_decision(&actor("sonoivu"), "cchc-2023", &terms).unwrap();
    assert_eq!(d.nominations, [id]);
    assert!(
        !s.nomination(id).unwrap().unwrap().published,
        "recorded, not yet public"
    );
    let d = s
        .publish_decision(&actor("sonoivu"), d.id, &|_| "[]".into())
        .unwrap();
    assert!(d.published());
    assert!(
        s.publish_decision(&actor("sonoivu"), d.id, &|_| "[]".into())
            .is_err(),
        "a published decision is not published again"
    );
    assert!(
        s.record_decision(
            &actor("sonoivu"),
            "cchc-2023",
            &DecisionTerms {
                number: "999/QĐ-UBND".into(),
                ..terms
            }
        )
        .unwrap_err()
        .to_string()
        .contains("chưa có quyết định"),
        "a second decision holds nobody already decided"
    );
    let n = s.nomination(id).unwrap().unwrap();
    assert_eq!(
        (n.state.code(), n.published, n.decision_no.as_str()),
        ("da_phe_duyet", true, "123/QĐ-UBND")
    );
    assert_eq!(n.unit_reason, "Đủ 6 tháng nếu tính cả thời gian quyền Giám đốc");
    let events = s.nomination_events(id).unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e.action.as_str())
        .filter(|a| *a != "tai_tai_lieu")
        .collect();
    assert_eq!(
        actions,
        [
            "tao",
            "nop",
            "tra_lai",
            "nop",
            "chuyen_ban_tdkt",
            "tham_dinh",
            "phe_duyet",
            "ghi_quyet_dinh",
            "cong_bo"
        ]
    );
    assert_eq!(
        events.iter().filter(|e| e.action == "tai_tai_lieu").count(),
        4,
        "every upload is a step of its own"
    );
    assert!(events.iter().any(|e| e.reason == "Biên bản thiếu chữ ký"));
    assert!(
        events.iter().any(|e| e.reason == "Đủ điều kiện"),
        "the office's verdict is in the history"
    );
    assert!(
        events
            .iter()
            .any(|e| e.reason == "Đề nghị khen thưởng: Đề nghị khen"),
        "the Board's verdict and reason"
    );
}

#[test]
fn the_board_must_propose_and_a_rejection_needs_a_reason() {
    let mut s = crate::testing::store();
    seeded(&mut s, 1);
    let id = appraised(&mut s, 0);
    let f = facts();
    assert!(s
        .nomination_step(
            &actor("lanhdao"),
            Role::LanhDao,
            id,
            &Step::Reject { reason: "".into() },
            &f
        )
        .is_err());
    s.nomination_step(
        &actor("lanhdao"),
        Role::LanhDao,
        id,
        &Step::Reject {
            reason: "Chưa tiêu biểu".into(),
        },
        &f,
    )
    .unwrap();
    assert!(
        s.nomination_step(
            &actor("lanhdao"),
            Role::LanhDao,
            id,
            &Step::Approve { note: String::new() },
            &f
        )
        .is_err(),
        "a rejection is final"
    );
}

#[test]
fn never_more_approvals_than_the_quota_even_at_the_same_moment() {
    let dir = tempfile::tempdir().unwrap();
    let quota = 3;
    let ids: Vec<i64> = {
        let mut s = Store::open_dir(dir.path()).unwrap();
        seeded(&mut s, 8);
        (0..8).map(|i| appraised(&mut s, i)).collect()
    };
    // Eight approvers, each on its own connection, approve at once.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(ids.len()));
    let handles: Vec<_> = ids
        .iter()
        .map(|&id| {
            let (dir, barrier) = (dir.path().to_path_buf(), barrier.clone());
            std::thread::spawn(move || {
                let mut s = Store::open_dir(&dir).unwrap();
                barrier.wait();
                s.nomination_step(
                    &actor("lanhdao"),
                    Role::LanhDao,
                    id,
                    &Step::Approve { note: String::new() },
                    &Facts { quota, ..facts() },
                )
                .is_ok()
            })
        })
        .collect();
    let ok = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|b| *b)
        .count();
    assert_eq!(ok, quota as usize);
    assert_eq!(
        Store::open_dir(dir.path())
            .unwrap()
            .approvals("cchc-2023")
            .unwrap(),
        quota
    );
}

#[test]
fn with_one_head_per_unit_a_units_second_head_is_not_approved() {
    let mut s = crate::testing::store();
    seeded(&mut s, 2);
    let (first, second) = (appraised(&mut s, 0), appraised_head(&mut s, 0, day(2023, 7, 1)));
    let other_unit = appraised(&mut s, 1);
    let one = Facts {
        one_per_unit: true,
        ..facts()
    };
    let approve = Step::Approve { note: String::new() };
    s.nomination_step(&actor("lanhdao"), Role::LanhDao, first, &approve, &one)
        .unwrap();
    let err = s
        .nomination_step(&actor("lanhdao"), Role::LanhDao, second, &approve, &one)
        .unwrap_err()
        .to_string();
    assert!(err.contains("một người mỗi đơn vị"), "{err}");
    s.nomination_step(&actor("lanhdao"), Role::LanhDao, other_unit, &approve, &one)
        .unwrap();
    // without the option, the unit's second head may be approved
    s.nomination_step(&actor("lanhdao"), Role::LanhDao, second, &approve, &facts())
        .unwrap();
    assert_eq!(s.approvals("cchc-2023").unwrap(), 3);
}

/// A district and one of its communes, and the commune head's draft nomination.
fn commune_draft(s: &mut Store) -> i64 {
    s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
    let csv = "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH01,UBND thành phố Bà Rịa,huyen,\nH01X01,UBND phường Long Hương,xa,H01\n";
    let r = s
        .import(
            ImportKind::Units,
            Cursor::new(csv.as_bytes().to_vec()),
            &Default::default(),
            &mut |_| {},
            &|_| {},
        )
        .unwrap();
    assert!(r.committed);
    let unit = s.unit("H01X01").unwrap().unwrap();
    s.create_nomination(
        &actor("xa"),
        Role::DonVi,
        "cchc-2023",
        unit.id,
        day(2023, 1, 1),
        "Bà A",
        "Chủ tịch UBND phường Long Hương",
    )
    .unwrap()
}

#[test]
fn a_commune_s_dossier_waits_for_its_district_which_adds_its_own_papers() {
    let mut s = crate::testing::store();
    let id = commune_draft(&mut s);
    let n = s.nomination(id).unwrap().unwrap();
    assert_eq!(
        (n.unit_tier.as_str(), n.unit_parent.as_deref()),
        ("xa", Some("H01"))
    );
    // the commune uploads its report, not the district's tờ trình
    s.add_nomination_document(
        &actor("xa"),
        id,
        "bao_cao_thanh_tich",
        &file("c1.pdf", "bc.pdf", 10),
    )
    .unwrap();
    let err = s
        .add_nomination_document(&actor("xa"), id, "to_trinh", &file("c2.pdf", "tt.pdf", 10))
        .unwrap_err();
    assert!(err.to_string().contains("không tải lên"), "{err}");
    // nor can the district before the commune has submitted
    assert!(s
        .add_proposer_document(&actor("huyen"), id, "to_trinh", &file("c3.pdf", "tt.pdf", 10))
        .is_err());
    let plan = Plan::built_in();
    let f = Facts {
        required_documents: plan.documents_by(thidua_domain::plan::DocumentBy::DonVi),
        proposer_documents: plan.documents_by(thidua_domain::plan::DocumentBy::CapTrinh),
        proposed_by_parent: true,
        ..facts()
    };
    let submit = Step::Submit {
        reason: String::new(),
    };
    s.nomination_step(&actor("xa"), Role::DonVi, id, &submit, &f)
        .unwrap();
    assert_eq!(s.nomination(id).unwrap().unwrap().state.code(), "cho_cap_trinh");
    let propose = Step::Propose {
        reason: String::new(),
    };
    assert!(
        s.nomination_step(&actor("huyen"), Role::DonVi, id, &propose, &f)
            .is_err(),
        "its papers first"
    );
    for (k, doc) in ["to_trinh", "bien_ban"].iter().enumerate() {
        s.add_proposer_document(&actor("huyen"), id, doc, &file(format!("p{k}.pdf"), "x.pdf", 10))
            .unwrap();
    }
    // the commune cannot change its report while the district holds it
    assert!(s
        .add_nomination_document(
            &actor("xa"),
            id,
            "bao_cao_thanh_tich",
            &file("c4.pdf", "bc.pdf", 10)
        )
        .is_err());
    s.nomination_step(&actor("huyen"), Role::DonVi, id, &propose, &f)
        .unwrap();
    assert_eq!(s.nomination(id).unwrap().unwrap().state.code(), "da_nop");
    let actions: Vec<String> = s
        .nomination_events(id)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "tao",
            "tai_tai_lieu",
            "nop",
            "cap_trinh_tai_tai_lieu",
            "cap_trinh_tai_tai_lieu",
            "cap_trinh_de_nghi"
        ]
    );
}

#[test]
fn the_migration_that_rebuilds_the_nominations_keeps_them_and_their_documents() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let mut s = Store::open_dir(dir.path()).unwrap();
        let id = commune_draft(&mut s);
        s.add_nomination_document(
            &actor("xa"),
            id,
            "bao_cao_thanh_tich",
            &file("m1.pdf", "bc.pdf", 10),
        )
        .unwrap();
        id
    };
    // run the rebuild again over the data (as an upgrade from the version before it)
    let before = back_to_version_9(dir.path());
    let s = Store::open_dir(dir.path()).unwrap();
    let n = s.nomination(id).unwrap().unwrap();
    assert_eq!((n.state.code(), n.head_name.as_str()), ("nhap", "Bà A"));
    assert_eq!(s.nomination_documents(id).unwrap().len(), 1);
    let conn = rusqlite::Connection::open(dir.path().join("thidua.db")).unwrap();
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(broken, 0);
    assert_eq!(
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .unwrap(),
        before
    );
}

/// Takes a store back to schema 9 (before 0010 and 0011), keeping its rows: 0011's table
/// and column removed. Returns the version it was at.
fn back_to_version_9(dir: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("thidua.db")).unwrap();
    let before: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(before, crate::migrate::MIGRATIONS.len() as i64);
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('nominations') WHERE name != 'decision_id' ORDER BY cid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF; DROP INDEX nominations_decision;
         CREATE TABLE nominations_v10 AS SELECT {} FROM nominations; DROP TABLE nominations;
         ALTER TABLE nominations_v10 RENAME TO nominations; DROP TABLE decisions;
         DROP TABLE outbox; ALTER TABLE users DROP COLUMN email;
         DROP TABLE dossier_sums; DROP TABLE dossier_sums_meta; DROP TABLE dossier_ends; DROP INDEX dossiers_open;
         ALTER TABLE dossiers DROP COLUMN open_span;",
        columns.join(", ")
    ))
    .unwrap();
    // what migrations 10 and later added is gone (11: decisions, 12: mail, 13: sums)
    conn.pragma_update(None, "user_version", 9).unwrap();
    before
}

#[test]
fn decisions_published_before_the_decision_records_become_records() {
    let dir = tempfile::tempdir().unwrap();
    let ids = {
        let mut s = Store::open_dir(dir.path()).unwrap();
        seeded(&mut s, 3);
        let ids: Vec<i64> = (0..3).map(|i| appraised(&mut s, i)).collect();
        ids
    };
    back_to_version_9(dir.path());
    // as the version before published them: one nomination at a time, two share a number
    let conn = rusqlite::Connection::open(dir.path().join("thidua.db")).unwrap();
    for (id, no) in ids.iter().zip(["256/QĐ-UBND", "256/QĐ-UBND", ""]) {
        conn.execute(
            "UPDATE nominations SET state = 'da_phe_duyet', decision_no = ?1, decision_date = '2024-02-05', published = ?2 WHERE id = ?3",
            rusqlite::params![no, !no.is_empty(), id],
        )
        .unwrap();
    }
    drop(conn);
    let s = Store::open_dir(dir.path()).unwrap();
    let records = s.decision_records("cchc-2023").unwrap();
    assert_eq!(records.len(), 1, "one record per number");
    let d = &records[0];
    assert_eq!(
        (d.number.as_str(), d.date.iso().as_str()),
        ("256/QĐ-UBND", "2024-02-05")
    );
    assert!(d.published());
    assert_eq!(d.nominations, ids[..2]);
    assert_eq!(
        s.nomination(ids[2]).unwrap().unwrap().decision_id,
        None,
        "approved, awaiting a decision"
    );
}

#[test]
fn a_decision_number_is_recorded_once_and_each_decision_holds_the_approvals_before_it() {
    let mut s = crate::testing::store();
    seeded(&mut s, 2);
    let approve = |s: &mut Store, id: i64| {
        s.nomination_step(
            &actor("lanhdao"),
            Role::LanhDao,
            id,
            &Step::Approve { note: String::new() },
            &facts(),
        )
        .unwrap();
    };
    let first = appraised(&mut s, 0);
    approve(&mut s, first);
    let terms = |no: &str| {
        DecisionTerms::new(no, day(2024, 2, 1), "Nguyễn Văn Thọ", "CHỦ TỊCH", day(2024, 2, 2)).unwrap()
    };
    let d1 = s
        .record_decision(&actor("sonoivu"), "cchc-2023", &terms("1/QĐ-UBND"))
        .unwrap();
    let second = appraised(&mut s, 1);
    approve(&mut s, second);
    assert!(s
        .record_decision(&actor("sonoivu"), "cchc-2023", &terms("1/QĐ-UBND"))
        .unwrap_err()
        .to_string()
        .contains("đã được ghi"));
    let d2 = s
        .record_decision(&actor("sonoivu"), "cchc-2023", &terms("2/QĐ-UBND"))
        .unwrap();
    assert_eq!((d1.nominations, d2.nominations), (vec![first], vec![second]));
}
