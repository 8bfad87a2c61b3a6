use super::*;
use thidua_domain::plan::{BUILT_IN_2023, EXAMPLE_2025_TWO_TIER};

fn with_plan(src: &str) -> crate::testing::TestStore {
    let s = crate::testing::store();
    s.put_plan(&Plan::from_toml(src).unwrap(), src).unwrap();
    s
}

#[test]
fn a_file_store_runs_in_wal_with_foreign_keys_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open_dir(dir.path()).unwrap();
        s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
        let mode: String = s
            .conn
            .lite()
            .unwrap()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = s
            .conn
            .lite()
            .unwrap()
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }
    let s = Store::open_dir(dir.path()).unwrap();
    assert!(s.is_initialised().unwrap(), "data survives reopening");
    let v: i64 = s
        .conn
        .lite()
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(
        v as usize,
        crate::migrate::MIGRATIONS.len(),
        "every migration ran"
    );
    // a dossier pointing at no unit is refused by the database itself
    let err = s.conn.lite().unwrap().execute(
        "INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status) VALUES ('x', 999, 'p', 0, 0, 0, 0)",
        [],
    );
    assert!(err.is_err());
}

#[test]
fn a_store_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("thidua.db");
    drop(Store::open_file(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    assert!(matches!(
        Store::open_file(&path),
        Err(StoreError::NewerSchema(99))
    ));
}

#[test]
fn database_urls_choose_the_backend() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sub/x.db").display());
    assert!(Store::open_url(&url).is_ok());
    let db = crate::testing::TestDb::new("thidua_url");
    assert!(Store::open_url(&db.url).unwrap().conn.is_pg());
    assert!(matches!(Store::open_url("mysql://x"), Err(StoreError::BadUrl(_))));
}

#[test]
fn the_plan_for_a_year_is_the_only_one_covering_it_or_the_one_named() {
    let s = with_plan(BUILT_IN_2023);
    assert_eq!(s.plan_for(Some(2023), None).unwrap().code, "cchc-2023");
    assert!(s
        .plan_for(Some(2025), None)
        .unwrap_err()
        .to_string()
        .contains("không có kế hoạch nào cho năm 2025"));
    s.put_plan(
        &Plan::from_toml(EXAMPLE_2025_TWO_TIER).unwrap(),
        EXAMPLE_2025_TWO_TIER,
    )
    .unwrap();
    assert_eq!(s.plan_for(Some(2025), None).unwrap().code, "cchc-2025-hai-cap");
    let other = BUILT_IN_2023.replace("code = \"cchc-2023\"", "code = \"don-vi-2023\"");
    s.put_plan(&Plan::from_toml(&other).unwrap(), &other).unwrap();
    assert!(s
        .plan_for(Some(2023), None)
        .unwrap_err()
        .to_string()
        .contains("--plan"));
    assert_eq!(
        s.plan_for(Some(2023), Some("don-vi-2023")).unwrap().code,
        "don-vi-2023"
    );
    assert!(s.plan_for(None, Some("khong-co")).is_err());
    assert_eq!(s.plans().unwrap().len(), 3);
}

#[test]
fn calendar_days_are_replaced_by_date() {
    let mut s = crate::testing::store();
    let days = thidua_domain::calendar::parse_csv("date,kind,note\n2023-03-15,nghi,a\n").unwrap();
    s.put_calendar(&days).unwrap();
    let days = thidua_domain::calendar::parse_csv("date,kind,note\n2023-03-15,lam_bu,b\n2023-03-16,nghi,c\n")
        .unwrap();
    s.put_calendar(&days).unwrap();
    let stored = s.calendar_days().unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].kind, thidua_domain::calendar::DayKind::LamBu);
}

#[test]
fn the_fast_dossier_import_leaves_foreign_keys_on_and_writes_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
    let file = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::File::open(&p).unwrap()
    };
    let opts = crate::import::ImportOptions::default();
    let import = |s: &mut Store, kind, mut f: std::fs::File| {
        s.import_file(kind, &mut f, &opts, &mut |_| {}, &|_| {}).unwrap()
    };
    import(
        &mut s,
        thidua_ingest::ImportKind::Units,
        file(
            "units.csv",
            "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nT01,Sở Nội vụ,tinh,\n",
        ),
    );
    import(
        &mut s,
        thidua_ingest::ImportKind::Procedures,
        file(
            "p.csv",
            "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\n1.0002,Thủ tục,5,toan_trinh\n",
        ),
    );
    let mut body = String::from(
        "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n",
    );
    for i in (0..500).rev() {
        body.push_str(&format!("HS{i:04},T01,1.0001,2023-05-02 08:00,2023-05-12 17:00,2023-05-10 09:00,truc_tuyen,da_tra_ket_qua\n"));
    }
    // a later row of one code wins
    body.push_str("HS0007,T01,1.0002,2023-06-02 08:00,2023-06-12 17:00,,truc_tiep,dang_xu_ly\n");
    let report = import(&mut s, thidua_ingest::ImportKind::Dossiers, file("hs.csv", &body));
    assert_eq!((report.rows_read, report.rows_ok, report.rows_bad), (501, 501, 0));
    // 1.0001 is not in the catalogue; HS0007's last row names 1.0002, which is
    let unknown: i64 = s
        .conn
        .lite()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM dossiers WHERE procedure_code NOT IN (SELECT code FROM procedures)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((report.unknown_procedures, unknown), (499, 499));
    let fk: i64 = s
        .conn
        .lite()
        .unwrap()
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1, "foreign keys are checked again after the import");
    let n: i64 = s
        .conn
        .lite()
        .unwrap()
        .query_row("SELECT count(*) FROM dossiers", [], |r| r.get(0))
        .unwrap();
    let p: String = s
        .conn
        .lite()
        .unwrap()
        .query_row(
            "SELECT procedure_code FROM dossiers WHERE code = 'HS0007'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((n, p.as_str()), (500, "1.0002"));
    let mut st = s
        .conn
        .lite()
        .unwrap()
        .prepare("SELECT code FROM dossiers WHERE code IN ('HS0000', 'HS0499') ORDER BY code")
        .unwrap();
    let codes: Vec<String> = st
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    assert_eq!(codes, ["HS0000", "HS0499"]);
}

#[test]
fn the_published_time_round_trips_and_the_plans_variant_decides_the_figure() {
    use thidua_domain::dossier::Sums;
    use thidua_domain::num::Dec;
    use thidua_domain::results::Value;
    use thidua_domain::time::DateTime;
    use thidua_ingest::ImportKind;
    let mut s = with_plan(BUILT_IN_2023);
    let opts = crate::import::ImportOptions::default();
    let import = |s: &mut Store, kind, body: &str| {
        let r = s
            .import(
                kind,
                std::io::Cursor::new(body.as_bytes().to_vec()),
                &opts,
                &mut |_| {},
                &|_| {},
            )
            .unwrap();
        assert_eq!(r.rows_bad, 0, "{body}");
    };
    import(
        &mut s,
        ImportKind::Units,
        "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nT01,Sở Nội vụ,tinh,\n",
    );
    import(
        &mut s,
        ImportKind::Heads,
        "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nT01,Nguyễn Văn A,Giám đốc,2020-01-01,\n",
    );
    let catalogue = "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc,thoi_han_cong_bo\n\
P1,A,10,toan_trinh,6\nP2,B,10,mot_phan,\nP3,C,4,khong,2.5\n";
    import(&mut s, ImportKind::Procedures, catalogue);
    let published = |s: &Store, code: &str| s.procedures().unwrap()[code].published_days;
    assert_eq!(published(&s, "P1"), Some(Dec::from_int(6)));
    assert_eq!(published(&s, "P2"), None);
    assert_eq!(published(&s, "P3"), Dec::parse("2.5"));
    // a catalogue without the column says no published time
    import(
        &mut s,
        ImportKind::Procedures,
        "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\nP3,C,4,khong\n",
    );
    assert_eq!(published(&s, "P3"), None);
    import(&mut s, ImportKind::Procedures, catalogue);
    // D1: 1 working day of 10, published 6 (thuc_te 9, cong_bo 4), online, decided in March;
    // D2: Fri 31/3 → Mon 3/4, 1 of 10, nothing published (9 and 0), at the counter,
    //     received in March, decided in April;
    // D3: online, received in December, due in January: not decided at year-end.
    import(
        &mut s,
        ImportKind::Dossiers,
        "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
D1,T01,P1,2023-03-01 08:00,2023-03-15 17:00,2023-03-02 09:00,truc_tuyen,da_tra_ket_qua\n\
D2,T01,P2,2023-03-31 08:00,2023-04-14 17:00,2023-04-03 09:00,truc_tiep,da_tra_ket_qua\n\
D3,T01,P1,2023-12-28 08:00,2024-01-10 17:00,,truc_tuyen,dang_xu_ly\n",
    );
    let as_of = DateTime::parse_as_of("2023-12-31T23:59:59").unwrap();
    let ratio = |n: i64, d: i64| {
        Value::Ratio(Sums {
            num: Dec::from_int(n),
            den: Dec::from_int(d),
        })
    };
    let figures = |plan: &Plan| {
        let r = &s.evaluate(plan, as_of).unwrap()[0];
        let v = |code: &str| r.indicator(code).unwrap().value;
        (v("tthc_rut_ngan"), v("dvc_truc_tuyen"))
    };
    assert_eq!(figures(&Plan::built_in()), (ratio(18, 20), ratio(2, 3)));
    let picked = Plan::from_toml(
        &BUILT_IN_2023
            .replace("variant = \"thuc_te\"", "variant = \"cong_bo\"")
            .replace("variant = \"tiep_nhan\"", "variant = \"giai_quyet\""),
    )
    .unwrap();
    assert_eq!(figures(&picked), (ratio(4, 20), ratio(1, 2)));
}

#[test]
fn a_units_late_dossiers_are_read_through_its_index() {
    // SQLite's query plan (PostgreSQL's planner chooses by its statistics)
    let s = Store::in_memory().unwrap();
    let plan: Vec<String> = s
        .conn
        .lite()
        .unwrap()
        .prepare(&format!("EXPLAIN QUERY PLAN {}", crate::read::LATE_DOSSIERS))
        .unwrap()
        .query_map([1i64, 0i64], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(
        plan.iter().any(|p| p.contains("USING INDEX dossiers_unit_due")),
        "{plan:?}"
    );
}
