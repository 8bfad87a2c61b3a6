//! Entered data an office can sign (INDICATORS.md section 3): a month counted once, a
//! period fixed by the plan, deadlines that bind units and reopenings by the office, and a
//! year frozen by its published decision — through every way data reaches the store.

use crate::audit::AuditFilter;
use crate::import::ImportOptions;
use crate::nomination_tests::{actor, appraised, facts, seeded};
use crate::workflow::ValueForm;
use crate::{Store, StoreError};
use std::io::Cursor;
use thidua_domain::entry::Period;
use thidua_domain::nomination::{DecisionTerms, Step};
use thidua_domain::plan::{Plan, BUILT_IN_2023};
use thidua_domain::role::Role;
use thidua_domain::time::Date;
use thidua_ingest::{ImportKind, ImportReport};

fn import(s: &mut Store, kind: ImportKind, body: &str, opts: &ImportOptions) -> ImportReport {
    s.import(
        kind,
        Cursor::new(body.as_bytes().to_vec()),
        opts,
        &mut |_| {},
        &|_| {},
    )
    .unwrap()
}

const VALUES: &str = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\n";

fn office() -> ImportOptions {
    ImportOptions {
        verified: true,
        by: "sonoivu".into(),
        audit: Some(actor("sonoivu")),
        ..Default::default()
    }
}

fn soon() -> Date {
    Date(crate::locks::today().0 + 5)
}

fn p(s: &str) -> Period {
    Period::parse(s).unwrap()
}

fn form(unit: &str, period: &str, value: &str) -> ValueForm {
    ValueForm {
        unit: unit.into(),
        indicator: "sang_kien".into(),
        period: period.into(),
        value: value.into(),
        ..Default::default()
    }
}

fn refusal(r: crate::Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(StoreError::Refused(m)) => m.vi,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn count_entries(s: &Store) -> i64 {
    s.conn
        .query_row("SELECT count(*) FROM entries", (), |r| r.get(0))
        .unwrap()
}

#[test]
fn no_two_entries_of_a_unit_and_indicator_share_a_month_on_the_form_in_imports_or_in_sql() {
    let mut s = crate::testing::store();
    seeded(&mut s, 2);
    let r = import(
        &mut s,
        ImportKind::Values,
        &format!("{VALUES}S00,sang_kien,2023,,,2,\n"),
        &office(),
    );
    assert!(r.committed);
    // A month inside the year: refused, naming the year's entry, nothing written.
    let r = import(
        &mut s,
        ImportKind::Values,
        &format!("{VALUES}S00,sang_kien,2023-12,,,1,\nS01,sang_kien,2023-12,,,1,\n"),
        &office(),
    );
    assert!(!r.committed && r.rows_bad == 1, "{r:?}");
    assert_eq!(
        (
            r.errors[0].row,
            r.errors[0].column.as_str(),
            r.errors[0].value.as_str()
        ),
        (2, "ky", "2023-12")
    );
    assert!(
        r.errors[0].vi.contains("Năm 2023") && r.errors[0].en.contains("shares a month"),
        "{:?}",
        r.errors[0]
    );
    assert_eq!(count_entries(&s), 1);
    // Within one file: the second row collides with the first.
    let r = import(
        &mut s,
        ImportKind::Values,
        &format!(
            "{VALUES}S01,sang_kien,2023-Q1,,,1,\nS01,sang_kien,2023-02,,,1,\nS01,sang_kien,2023-Q1,,,2,\n"
        ),
        &office(),
    );
    assert_eq!((r.committed, r.rows_bad, r.errors[0].row), (false, 1, 3), "{r:?}");
    assert!(r.errors[0].vi.contains("Quý I/2023"));
    // The same period replaces; another indicator or unit does not collide.
    let r = import(
        &mut s,
        ImportKind::Values,
        &format!("{VALUES}S00,sang_kien,2023,,,3,\nS00,ky_luat,2023-12,,,1,\nS01,sang_kien,2023-Q4,,,1,\n"),
        &office(),
    );
    assert!(r.committed && r.rows_bad == 0, "{r:?}");
    // The form: the office reopened the quarter, the year's entry still blocks it.
    s.reopen_period(&actor("sonoivu"), "S00", p("2023-Q4"), soon(), "Bổ sung số liệu")
        .unwrap();
    let row = s.check_value(&form("S00", "2023-Q4", "1")).unwrap().unwrap();
    let m = refusal(s.save_entry(&actor("donvi"), &row, true, &[]));
    assert!(m.contains("Quý IV/2023") && m.contains("Năm 2023"), "{m}");
    // The store itself: a write that skips every check is refused by the trigger.
    let unit: i64 = s.unit("S00").unwrap().unwrap().id;
    let raw = s.conn.execute(
        "INSERT INTO entries (unit_id, indicator, period, kind, value, state, updated_at, updated_by)
         VALUES (?1, 'sang_kien', '2023-05', 'count', 1, 'nhap', 0, 'x')",
        [unit],
    );
    let m = refusal(raw);
    assert!(m.contains("trùng tháng"), "{m}");
    for (a, b, overlap) in [
        ("2023-Q2", "2023-06", true),
        ("2023-Q2", "2023-07", false),
        ("2024", "2023-12", false),
    ] {
        let fresh = s
            .conn
            .execute("DELETE FROM entry_history", ())
            .and_then(|_| s.conn.execute("DELETE FROM entries", ()));
        fresh.unwrap();
        for period in [a, b] {
            let r = s.conn.execute(
                "INSERT INTO entries (unit_id, indicator, period, kind, value, state, updated_at, updated_by)
                 VALUES (?1, 'sang_kien', ?2, 'count', 1, 'nhap', 0, 'x')",
                crate::sql::params![unit, period],
            );
            if period == b {
                assert_eq!(r.is_err(), overlap, "{a} then {b}");
                assert_eq!(p(a).overlaps(p(b)), overlap, "the trigger and the domain agree");
            }
        }
    }
}

#[test]
fn a_plan_that_fixes_the_period_refuses_other_periods_and_cannot_load_over_them() {
    let fixed_src = BUILT_IN_2023.replacen(
        "code = \"sang_kien\"",
        "code = \"sang_kien\"\nperiod = \"quy\"",
        1,
    );
    let fixed = Plan::from_toml(&fixed_src).unwrap();
    let mut s = crate::testing::store();
    seeded(&mut s, 2);
    let body =
        format!("{VALUES}S00,sang_kien,2023,,,2,\nS01,sang_kien,2023-05,,,1,\nS01,ky_luat,2023,,,1,\n");
    assert!(import(&mut s, ImportKind::Values, &body, &office()).committed);
    let m = refusal(s.put_plan(&fixed, &fixed_src));
    assert!(
        m.contains("sang_kien") && m.contains("2 số liệu") && m.contains("quý"),
        "{m}"
    );
    let m = refusal(s.put_plan_audited(&actor("sonoivu"), &fixed, &fixed_src));
    assert!(m.contains("2 số liệu"), "{m}");
    // On a store without them the plan loads, and a month is refused with the expected period.
    let mut s = crate::testing::store();
    seeded(&mut s, 1);
    s.put_plan(&fixed, &fixed_src).unwrap();
    let errs = s.check_value(&form("S00", "2023-05", "1")).unwrap().unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].vi.contains("theo quý") && errs[0].vi.contains("2023-Q1"),
        "{:?}",
        errs[0]
    );
    assert!(errs[0].en.contains("quy"), "{:?}", errs[0]);
    assert!(s.check_value(&form("S00", "2023-Q2", "1")).unwrap().is_ok());
}

#[test]
fn deadlines_bind_units_and_the_office_writes_late_on_the_record() {
    let mut s = crate::testing::store();
    seeded(&mut s, 2);
    // Long after 10/10/2023, the third quarter's deadline.
    let row = s.check_value(&form("S01", "2023-Q3", "1")).unwrap().unwrap();
    let m = refusal(s.save_entry(&actor("donvi"), &row, false, &[]));
    assert!(m.contains("quá hạn") && m.contains("10/10/2023"), "{m}");
    assert_eq!(count_entries(&s), 0);
    // Reopening needs a reason and a day not yet past.
    let m = refusal(s.reopen_period(&actor("sonoivu"), "S01", p("2023-Q3"), soon(), "  "));
    assert!(m.contains("lý do"), "{m}");
    let m = refusal(s.reopen_period(
        &actor("sonoivu"),
        "S01",
        p("2023-Q3"),
        Date(crate::locks::today().0 - 1),
        "x",
    ));
    assert!(m.contains("đã qua"), "{m}");
    s.reopen_period(
        &actor("sonoivu"),
        "S01",
        p("2023-Q3"),
        soon(),
        "Đơn vị bổ sung minh chứng",
    )
    .unwrap();
    let id = s.save_entry(&actor("donvi"), &row, true, &[]).unwrap();
    let unit = s.unit("S01").unwrap().unwrap();
    let (window, deadline) = s.entry_window(unit.id, "sang_kien", p("2023-Q3")).unwrap();
    assert_eq!(deadline, Date::from_ymd(2023, 10, 10));
    assert_eq!(
        window,
        thidua_domain::entry::Window::Reopened {
            deadline: deadline.unwrap(),
            until: soon()
        }
    );
    let listed = s.reopenings(Some(unit.id)).unwrap();
    assert_eq!(
        (listed.len(), listed[0].reason.as_str()),
        (1, "Đơn vị bổ sung minh chứng")
    );
    let log = |s: &Store, action: &str| {
        s.audit(&AuditFilter {
            action: Some(action.into()),
            limit: 50,
            ..Default::default()
        })
        .unwrap()
        .0
    };
    assert_eq!(log(&s, "mo_lai_ky").len(), 1);
    let sent = log(&s, "gui_so_lieu");
    assert!(sent
        .iter()
        .any(|a| a.object_id == id.to_string() && a.after.as_deref().unwrap_or("").contains("tre_han")));
    // Another period of the unit stays closed; so does the same period of another unit.
    let row = s.check_value(&form("S01", "2023-Q2", "1")).unwrap().unwrap();
    assert!(refusal(s.save_entry(&actor("donvi"), &row, false, &[])).contains("quá hạn"));
    // A unit's own import is bound too, row by row.
    let unit_import = ImportOptions {
        only_unit: Some("S01".into()),
        by: "donvi".into(),
        ..Default::default()
    };
    let r = import(
        &mut s,
        ImportKind::Values,
        &format!("{VALUES}S01,sang_kien,2023-Q2,,,1,\n"),
        &unit_import,
    );
    assert!(!r.committed && r.errors[0].vi.contains("10/07/2023"), "{r:?}");
    // The office's import and the command line's are written, and recorded as late.
    let r = import(
        &mut s,
        ImportKind::Values,
        &format!("{VALUES}S01,sang_kien,2023-Q2,,,1,\n"),
        &office(),
    );
    assert!(r.committed && r.late_rows == 1, "{r:?}");
    let cli = ImportOptions {
        verified: true,
        ..Default::default()
    };
    let r = import(
        &mut s,
        ImportKind::Values,
        &format!("{VALUES}S00,sang_kien,2023-Q2,,,1,\n"),
        &cli,
    );
    assert!(r.committed && r.late_rows == 1, "{r:?}");
    let imports = log(&s, "nhap_tep");
    let late: Vec<&str> = imports
        .iter()
        .filter(|a| a.after.as_deref().unwrap_or("").contains("tre_han"))
        .map(|a| a.username.as_str())
        .collect();
    assert_eq!(late, ["cli", "sonoivu"], "newest first");
}

/// Everything a decision rests on, read back the way the decision reads it.
fn figures(s: &Store) -> String {
    let plan = s.plan_for(None, Some("cchc-2023")).unwrap();
    // A term closed after the year is the one change allowed; the year's figures are not.
    let heads = s.evaluate(&plan, plan.period_to.end()).unwrap();
    let rows: Vec<String> = heads
        .iter()
        .map(|h| {
            let f = (&h.unit, &h.head.name, h.head.from, &h.months, &h.indicators);
            format!(
                "{f:?} {} {:?} {:?} {}",
                h.eligible, h.score, h.rank, h.provisional
            )
        })
        .collect();
    rows.join("\n")
}

#[test]
fn a_published_decision_freezes_its_year_for_everyone() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = crate::testing::store();
    seeded(&mut s, 2);
    let heads = "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nS00,Nguyễn Văn An,Giám đốc,2021-01-01,\nS01,Trần Thị Bình,Giám đốc,2022-06-01,\n";
    assert!(import(&mut s, ImportKind::Heads, heads, &office()).committed);
    let dossiers = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
        HS1,S00,1.0001,2023-05-02 08:00,2023-05-12 17:00,2023-05-10 09:00,truc_tuyen,da_tra_ket_qua\n";
    assert!(import(&mut s, ImportKind::Dossiers, dossiers, &office()).committed);
    let body = format!("{VALUES}S00,sang_kien,2023,,,2,\nS00,ky_luat,2023,,,1,\n");
    assert!(import(&mut s, ImportKind::Values, &body, &office()).committed);
    // One entry waits for the office when the decision comes out.
    s.reopen_period(&actor("sonoivu"), "S01", p("2023-Q4"), soon(), "Bổ sung")
        .unwrap();
    let row = s.check_value(&form("S01", "2023-Q4", "1")).unwrap().unwrap();
    let waiting = s.save_entry(&actor("donvi"), &row, true, &[]).unwrap();
    let before = figures(&s);

    let id = appraised(&mut s, 0);
    let f = facts();
    s.nomination_step(
        &actor("lanhdao"),
        Role::LanhDao,
        id,
        &Step::Approve { note: String::new() },
        &f,
    )
    .unwrap();
    assert!(
        s.frozen_years().unwrap().is_empty(),
        "approval alone freezes nothing"
    );
    let date = Date::from_ymd(2024, 2, 5).unwrap();
    let terms = DecisionTerms::new("256/QĐ-UBND", date, "Nguyễn Văn Thọ", "CHỦ TỊCH", date).unwrap();
    let d = s.record_decision(&actor("sonoivu"), "cchc-2023", &terms).unwrap();
    assert!(
        s.frozen_years().unwrap().is_empty(),
        "recording alone freezes nothing"
    );
    s.publish_decision(&actor("sonoivu"), d.id, &|_| "[]".into())
        .unwrap();
    let frozen = s.frozen_years().unwrap();
    assert_eq!((frozen.len(), frozen[0].decision_no.as_str()), (1, "256/QĐ-UBND"));

    let decision = |m: &str| assert!(m.contains("256/QĐ-UBND"), "{m}");
    // The unit's form, even where the office had reopened the period.
    decision(&refusal(s.save_entry(&actor("donvi"), &row, true, &[])));
    // The office's verification and the head's sign-off.
    decision(&refusal(s.verify_entry(&actor("sonoivu"), waiting)));
    decision(&refusal(s.sign_off_entry(&actor("nguoidungdau"), waiting)));
    // Reopening a period of the year.
    decision(&refusal(s.reopen_period(
        &actor("sonoivu"),
        "S00",
        p("2023-12"),
        soon(),
        "x",
    )));
    // Imports of values, by the office and by the command line.
    for opts in [office(), ImportOptions::default()] {
        let r = import(
            &mut s,
            ImportKind::Values,
            &format!("{VALUES}S01,ky_luat,2023,,,0,\n"),
            &opts,
        );
        assert!(!r.committed, "{r:?}");
        decision(&r.errors[0].vi);
    }
    // Dossiers received in the year (the general path names the row)...
    let late = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
        HS1,S00,1.0001,2023-05-02 08:00,2023-05-12 17:00,2023-05-20 09:00,truc_tuyen,da_tra_ket_qua\n";
    let r = import(&mut s, ImportKind::Dossiers, late, &office());
    assert!(!r.committed && r.errors[0].column == "ngay_tiep_nhan", "{r:?}");
    // ...and the hot path for a whole export, refused by the store itself; also a
    // re-export of the year's row as it is stored (PostgreSQL's hot path does not write such
    // a row again, and still refuses it).
    let path = dir.path().join("hs.csv");
    for body in [late, dossiers] {
        std::fs::write(&path, body).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        let err = s
            .import_file(
                ImportKind::Dossiers,
                &mut file,
                &ImportOptions::default(),
                &mut |_| {},
                &|_| {},
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("quyết định khen thưởng"),
            "{body}: {err}"
        );
    }
    // A dossier of the next year still comes in.
    let next = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
        HS2,S00,1.0001,2024-03-04 08:00,2024-03-14 17:00,,truc_tiep,dang_xu_ly\n";
    assert!(import(&mut s, ImportKind::Dossiers, next, &office()).committed);
    // Heads: a new term in the year is refused; closing a term after the year is not.
    let r = import(
        &mut s,
        ImportKind::Heads,
        "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nS01,Lê Văn Cường,Giám đốc,2023-09-01,\n",
        &office(),
    );
    assert!(!r.committed, "{r:?}");
    decision(&r.errors.last().unwrap().vi);
    let r = import(
        &mut s,
        ImportKind::Heads,
        "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nS00,Nguyễn Văn An,Giám đốc,2021-01-01,2026-06-30\n",
        &office(),
    );
    assert!(r.committed, "{r:?}");
    let r = import(
        &mut s,
        ImportKind::Heads,
        "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nS00,Nguyễn Văn An,Giám đốc,2021-01-01,2023-06-30\n",
        &office(),
    );
    assert!(
        !r.committed,
        "shortening the term inside the year is refused: {r:?}"
    );
    // The plan itself, from the command line and from the web.
    decision(&refusal(s.put_plan(&Plan::built_in(), BUILT_IN_2023)));
    decision(&refusal(s.put_plan_audited(
        &actor("quantri"),
        &Plan::built_in(),
        BUILT_IN_2023,
    )));
    // The working days of the year.
    let day = thidua_domain::calendar::parse_csv("date,kind,note\n2023-03-15,nghi,x\n").unwrap();
    assert!(refusal(s.put_calendar(&day)).contains("quyết định khen thưởng"));
    // The store itself refuses a dossier of the year written past every check.
    let raw = |code: &str, received: Date| {
        s.conn.execute(
            "INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status) VALUES (?1, ?2, 'p', ?3, ?3, 0, 0)",
            crate::sql::params![code, s.unit("S00").unwrap().unwrap().id, received.start().0],
        )
    };
    assert!(raw("X1", Date::from_ymd(2023, 12, 31).unwrap()).is_err());
    assert!(raw("X2", Date::from_ymd(2024, 1, 1).unwrap()).is_ok());
    // counting the kept dossier sums again, with their marks, lifts no guard
    crate::sums::rebuild(&s.conn, true).unwrap();
    assert!(raw("X3", Date::from_ymd(2023, 12, 30).unwrap()).is_err());
    assert!(s
        .conn
        .execute("UPDATE dossiers SET status = 1 WHERE code = 'HS1'", ())
        .is_err());
    assert!(s
        .conn
        .execute("DELETE FROM dossiers WHERE code = 'HS1'", ())
        .is_err());
    // The frozen year itself cannot be unfrozen in SQL.
    assert!(s.conn.execute("DELETE FROM frozen_years", ()).is_err());
    assert_eq!(figures(&s), before, "the figures the decision shows never change");
}
