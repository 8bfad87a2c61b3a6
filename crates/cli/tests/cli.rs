//! The command-line contract, driven through the real binary against a fresh store.
//!
//! Longer than our ~500-line modules: one test per command-line contract (exit code,
//! message, store unchanged), each a few dozen lines of real invocations.

mod common;

use common::{Env, REFUSED};
use serde_json::Value;

const UNITS: &str = "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nT01,Sở Nội vụ,tinh,\nH01,UBND Huyện Châu Đức,huyen,\nH01X01,UBND Xã Bình Ba,xa,H01\n";
const HEADS: &str = "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nT01,Nguyễn Văn An,Giám đốc,2020-01-01,\nH01,Trần Thị Bình,Chủ tịch UBND,2019-05-01,2023-06-09\nH01,Lê Văn Cường,Chủ tịch UBND,2023-06-10,\nH01X01,Phạm Thị Dung,Chủ tịch UBND,2021-01-01,\n";
const PROCEDURES: &str = "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\n1.000001,Cấp giấy phép,10,toan_trinh\n1.000002,Chứng thực,0.5,khong\n";
const DOSSIERS: &str =
    "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
A1,T01,1.000001,2023-03-01 08:00,2023-03-10 17:00,,truc_tuyen,dang_xu_ly\n\
A2,T01,1.000001,2023-03-01 08:00,2023-03-10 17:00,2023-03-03 09:00,truc_tiep,da_tra_ket_qua\n\
A1,T01,1.000001,2023-03-01 08:00,2023-03-10 17:00,2023-03-08 09:00,truc_tuyen,da_tra_ket_qua\n";

/// A store of this run's backend with the small province.
fn seeded() -> Env {
    seeded_with(Env::on_backend())
}

fn seeded_with(env: Env) -> Env {
    env.ok(&["init"]);
    for (kind, text) in [
        ("units", UNITS),
        ("heads", HEADS),
        ("procedures", PROCEDURES),
        ("dossiers", DOSSIERS),
    ] {
        let f = env.file(&format!("{kind}.csv"), text.as_bytes());
        env.ok(&["import", kind, &f]);
    }
    env
}

fn counts(env: &Env) -> thidua_store::read::Counts {
    env.store().counts().unwrap()
}

#[test]
fn init_loads_the_plan_calendar_and_prints_an_admin_password_once() {
    let env = Env::on_backend();
    let out = env.ok(&["init"]);
    assert!(out.contains("cchc-2023") && out.contains("admin"), "{out}");
    let again = env.ok(&["init"]);
    assert!(
        !again.contains("Mật khẩu"),
        "the password is printed once: {again}"
    );
    let store = env.store();
    assert_eq!(store.user_count().unwrap(), 1);
    assert!(store.calendar_days().unwrap().len() > 30);
}

#[test]
fn commands_refuse_a_store_that_was_never_initialised() {
    let env = Env::on_backend();
    let f = env.file("u.csv", UNITS.as_bytes());
    let (code, _, err) = env.run(&["import", "units", &f], None);
    assert_eq!(code, 1);
    assert!(err.contains("thidua init"), "{err}");
}

#[test]
fn a_good_import_prints_a_summary_and_a_dossier_seen_twice_is_stored_once() {
    let env = seeded();
    let c = counts(&env);
    assert_eq!((c.units, c.heads, c.procedures, c.dossiers), (3, 4, 2, 2));
    // importing the same file again changes nothing
    let f = env.file("again.csv", DOSSIERS.as_bytes());
    let out = env.ok(&["import", "dossiers", &f]);
    assert!(out.contains("Đã nhập 3 dòng hồ sơ TTHC"), "{out}");
    assert_eq!(counts(&env).dossiers, 2);
    // the later row of A1 won: it is completed, on time
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    let row = common::find(&json, "T01", "tthc_dung_han");
    assert_eq!(
        (row["tu_so"].as_i64(), row["mau_so"].as_i64()),
        (Some(2), Some(2))
    );
}

#[test]
fn a_completion_date_without_a_time_counts_on_its_day() {
    let env = seeded();
    // completed the day it was received (no time), and on the due date (no time): both on
    // time; completed the day after the due date: late
    let f = env.file(
        "ngay.csv",
        "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
         D1,T01,1.000001,2023-04-03 08:00,2023-04-14 17:00,2023-04-03,truc_tiep,da_tra_ket_qua\n\
         D2,T01,1.000001,2023-04-03 08:00,2023-04-14 17:00,14/04/2023,truc_tiep,da_tra_ket_qua\n\
         D3,T01,1.000001,2023-04-03 08:00,2023-04-14 17:00,2023-04-15,truc_tiep,da_tra_ket_qua\n"
            .as_bytes(),
    );
    env.ok(&["import", "dossiers", &f]);
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    let row = common::find(&json, "T01", "tthc_dung_han");
    // the seeded two (on time) and these three
    assert_eq!(
        (row["tu_so"].as_i64(), row["mau_so"].as_i64()),
        (Some(4), Some(5))
    );
}

fn assert_refused_and_unchanged(env: &Env, kind: &str, name: &str, bytes: &[u8], expect: &[&str]) {
    let before = counts(env);
    let f = env.file(name, bytes);
    let (code, out, err) = env.run(&["import", kind, &f], None);
    assert_eq!(code, REFUSED, "{out}{err}");
    for e in expect {
        assert!(
            err.contains(e) || out.contains(e),
            "expected «{e}» in:\n{out}\n{err}"
        );
    }
    assert_eq!(counts(env), before, "the store must be unchanged");
}

#[test]
fn bad_files_are_refused_whole_and_nothing_is_written() {
    let env = seeded();
    assert_refused_and_unchanged(&env, "units", "empty.csv", b"", &["tệp rỗng"]);
    assert_refused_and_unchanged(
        &env,
        "units",
        "header-only.csv",
        b"ma_don_vi,ten_don_vi,cap\n",
        &["không có dòng dữ liệu"],
    );
    assert_refused_and_unchanged(
        &env,
        "units",
        "prog.pdf",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0",
        &["không phải CSV hoặc XLSX"],
    );
    assert_refused_and_unchanged(
        &env,
        "dossiers",
        "cols.csv",
        b"ma_ho_so,ma_don_vi\nX,T01\n",
        &["thiếu cột bắt buộc", "ma_tthc"],
    );
    // one bad row among good ones: nothing at all is written
    let mixed = format!("{DOSSIERS}B1,T01,1.000001,2023-04-01,2023-04-20,,truc_tiep,dang_xu_ly\nB2,T01,1.000001,04/13/2023,2023-04-20,,truc_tiep,dang_xu_ly\n");
    assert_refused_and_unchanged(
        &env,
        "dossiers",
        "mixed.csv",
        mixed.as_bytes(),
        &["04/13/2023", "tháng 13", "never guessed", "Không nhập gì"],
    );
    let unknown_unit = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\nC1,X99,1.000001,2023-04-01,2023-04-20,,truc_tiep,dang_xu_ly\n";
    assert_refused_and_unchanged(
        &env,
        "dossiers",
        "unit.csv",
        unknown_unit.as_bytes(),
        &["X99", "không có đơn vị"],
    );
    let no_date = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\nC1,T01,1.000001,2023-04-01,2023-04-20,,truc_tiep,Đã trả kết quả\n";
    assert_refused_and_unchanged(
        &env,
        "dossiers",
        "nodate.csv",
        no_date.as_bytes(),
        &["phải có ngày có kết quả"],
    );
    let bad_date = "ma_don_vi,ho_ten,tu_ngay\nT01,Ai Đó,2023-02-30\n";
    assert_refused_and_unchanged(
        &env,
        "heads",
        "date.csv",
        bad_date.as_bytes(),
        &["không có ngày 30 tháng 2"],
    );
    let overlap = "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nT01,Người Mới,Giám đốc,2023-07-01,\n";
    assert_refused_and_unchanged(
        &env,
        "heads",
        "overlap.csv",
        overlap.as_bytes(),
        &["nhiệm kỳ trùng nhau", "overlapping terms"],
    );
}

#[test]
fn accept_valid_writes_the_good_rows_and_errors_out_lists_the_bad() {
    let env = seeded();
    let body = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
B1,T01,1.000001,2023-04-01,2023-04-20,,truc_tiep,dang_xu_ly\n\
B2,T01,1.000001,2023-04-01,2023-04-20,,truc_tiep,???\n\
B3,H01,1.000002,2023-04-01,2023-04-20,,truc_tiep,dang_xu_ly\n";
    let f = env.file("mixed.csv", body.as_bytes());
    let errs = env.dir.path().join("loi.csv");
    let out = env.ok(&[
        "import",
        "dossiers",
        &f,
        "--accept-valid",
        "--errors-out",
        errs.to_str().unwrap(),
    ]);
    assert!(
        out.contains("Đã nhập 2 dòng") && out.contains("1 dòng lỗi"),
        "{out}"
    );
    assert_eq!(counts(&env).dossiers, 4);
    let report = std::fs::read_to_string(errs).unwrap();
    assert!(report.starts_with('\u{feff}'));
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 2, "{report}");
    assert!(lines[1].starts_with("3,trang_thai,???,"), "{report}");
}

#[test]
fn a_share_above_its_whole_and_half_a_document_are_refused_in_both_languages() {
    let env = seeded();
    let f = env.file(
        "sai.csv",
        "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\n\
         T01,menh_lenh_hc,2023-Q1,12,10,,\n\
         T01,phoi_hop,2023-Q1,\"42,5\",50,,\n"
            .as_bytes(),
    );
    let before = counts(&env);
    let (code, _, err) = env.run(&["import", "values", &f], None);
    assert_eq!(code, REFUSED);
    assert!(
        err.contains("tỷ lệ không vượt quá 100%") && err.contains("a share cannot exceed 100%"),
        "{err}"
    );
    assert!(
        err.contains("không phải số nguyên") && err.contains("is not a whole number"),
        "{err}"
    );
    assert_eq!(counts(&env), before, "nothing written");
}

#[test]
fn values_replace_earlier_entries_and_keep_their_history() {
    let env = seeded();
    let v1 = env.file(
        "v1.csv",
        "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nT01,menh_lenh_hc,2023-Q1,9,10,,\n".as_bytes(),
    );
    env.ok(&["import", "values", &v1]);
    let v2 = env.file(
        "v2.csv",
        "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nT01,menh_lenh_hc,2023-Q1,10,10,,sửa\n"
            .as_bytes(),
    );
    env.ok(&["import", "values", &v2, "--verified"]);
    let c = counts(&env);
    assert_eq!((c.entries, c.entry_versions), (1, 2));
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    let row = common::find(&json, "T01", "menh_lenh_hc");
    assert_eq!(
        (
            row["tu_so"].as_i64(),
            row["mau_so"].as_i64(),
            row["trang_thai"].as_str()
        ),
        (Some(10), Some(10), Some("dat"))
    );
    let summary = common::find(&json, "T01", "_tong_hop");
    assert_eq!(
        summary["tam_tinh"],
        Value::Bool(false),
        "verified entries are not provisional"
    );
}

#[test]
fn evaluate_json_follows_the_contract() {
    let env = seeded();
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    let arr = json.as_array().unwrap();
    let keys: Vec<&str> = arr[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "ma_don_vi",
            "ho_ten",
            "cap",
            "ma_chi_tieu",
            "tu_so",
            "mau_so",
            "gia_tri",
            "trang_thai"
        ]
    );
    // H01 changed head on 10/06: 5 and 7 months, each with its own summary row
    let h01: Vec<&Value> = arr
        .iter()
        .filter(|r| r["ma_don_vi"] == "H01" && r["ma_chi_tieu"] == "_tong_hop")
        .collect();
    let months: Vec<i64> = h01.iter().map(|r| r["so_thang"].as_i64().unwrap()).collect();
    assert_eq!(months, [5, 7]);
    assert_eq!(h01[0]["trang_thai"], "chua_du_thoi_gian");
    for k in ["du_dieu_kien", "diem_uu_tien", "thu_hang", "so_thang", "tam_tinh"] {
        assert!(h01[0].get(k).is_some(), "{k}");
    }
    // xã: phan_cap and giai_ngan_dtc do not apply; the_che is "nếu có"
    let xa: Vec<&str> = arr
        .iter()
        .filter(|r| r["ma_don_vi"] == "H01X01")
        .map(|r| r["ma_chi_tieu"].as_str().unwrap())
        .collect();
    assert!(!xa.contains(&"phan_cap") && !xa.contains(&"giai_ngan_dtc") && xa.contains(&"the_che"));
    assert_eq!(
        common::find(&json, "H01X01", "the_che")["trang_thai"],
        "khong_phat_sinh"
    );
    assert_eq!(
        common::find(&json, "T01", "the_che")["trang_thai"],
        "thieu_so_lieu"
    );
    // an unknown procedure is not in the shortened-time ratio; gia_tri is null without data
    assert_eq!(
        common::find(&json, "H01X01", "menh_lenh_hc")["gia_tri"],
        Value::Null
    );
}

#[test]
fn evaluate_csv_table_and_xlsx() {
    let env = seeded();
    let csv = env.ok(&[
        "evaluate",
        "--year",
        "2023",
        "--format",
        "csv",
        "--as-of",
        "2023-12-31T23:59:59",
    ]);
    assert!(csv.starts_with("ma_don_vi,ho_ten,cap,ma_chi_tieu,tu_so,mau_so,gia_tri,trang_thai,du_dieu_kien,diem_uu_tien,thu_hang,so_thang,tam_tinh\n"));
    let table = env.ok(&["evaluate", "--year", "2023"]);
    assert!(
        table.contains("Thiếu số liệu") && table.contains("≥ 99%") && table.contains("31/12/2023"),
        "{table}"
    );
    assert!(
        !table.contains("Danh sách đề xuất"),
        "nobody is eligible without entered values: {table}"
    );
    let x = env.dir.path().join("kq.xlsx");
    env.ok(&[
        "evaluate",
        "--year",
        "2023",
        "--format",
        "json",
        "--xlsx",
        x.to_str().unwrap(),
    ]);
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(&x).unwrap();
    assert_eq!(wb.sheet_names(), ["Kết quả", "Xếp hạng"]);
    let r = wb.worksheet_range("Xếp hạng").unwrap();
    assert_eq!(r.get_size().0, 5, "a header and four heads");
}

#[test]
fn evaluate_rejects_a_bad_as_of_and_a_year_without_plan() {
    let env = seeded();
    let (code, _, err) = env.run(&["evaluate", "--year", "2023", "--as-of", "31/12/2023"], None);
    assert_eq!(code, 1);
    assert!(err.contains("--as-of"), "{err}");
    let (code, _, err) = env.run(&["evaluate", "--year", "2019"], None);
    assert_eq!(code, 1);
    assert!(err.contains("không có kế hoạch nào cho năm 2019"), "{err}");
}

#[test]
fn plan_check_names_each_error_with_its_line() {
    let env = Env::on_backend();
    let good = env.file("good.toml", thidua_domain::plan::EXAMPLE_2025_TWO_TIER.as_bytes());
    let out = env.ok(&["plan", "check", &good]);
    assert!(
        out.contains("cchc-2025-hai-cap") && out.contains("2 cấp"),
        "{out}"
    );
    let bad_text = thidua_domain::plan::BUILT_IN_2023.replace("quota = 10", "quota = -1");
    let line = bad_text.lines().position(|l| l == "quota = -1").unwrap() + 1;
    let bad = env.file("bad.toml", bad_text.as_bytes());
    let (code, _, err) = env.run(&["plan", "check", &bad], None);
    assert_eq!(code, REFUSED);
    assert!(err.contains(&format!("bad.toml:{line}: award.quota")), "{err}");
}

#[test]
fn several_plans_need_a_choice_and_tiers_come_from_the_plan() {
    let env = seeded();
    let two_tier = thidua_domain::plan::EXAMPLE_2025_TWO_TIER
        .replace("from = \"2025-07-01\"", "from = \"2023-07-01\"")
        .replace("to = \"2025-12-31\"", "to = \"2023-12-31\"");
    let f = env.file("two.toml", two_tier.as_bytes());
    env.ok(&["plan", "load", &f]);
    let (code, _, err) = env.run(&["evaluate", "--year", "2023"], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("--plan") && err.contains("cchc-2025-hai-cap"),
        "{err}"
    );
    let json = env.json(&[
        "evaluate",
        "--year",
        "2023",
        "--plan",
        "cchc-2025-hai-cap",
        "--format",
        "json",
    ]);
    let units: std::collections::BTreeSet<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ma_don_vi"].as_str().unwrap())
        .collect();
    assert_eq!(
        units.into_iter().collect::<Vec<_>>(),
        ["H01X01", "T01"],
        "no district tier in the two-tier plan"
    );
}

#[test]
fn calendar_import_changes_working_days() {
    let env = seeded();
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    // A2: received Wed 01/03, done Fri 03/03: 2 working days of 10 → 8; A1: 01/03 → 08/03: 5 → 5
    let row = common::find(&json, "T01", "tthc_rut_ngan");
    assert_eq!(
        (row["tu_so"].as_i64(), row["mau_so"].as_i64()),
        (Some(13), Some(20))
    );
    let cal = env.file("cal.csv", b"date,kind,note\n2023-03-02,nghi,Ngh\xc3\xac\n");
    env.ok(&["calendar", "import", &cal]);
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    let row = common::find(&json, "T01", "tthc_rut_ngan");
    assert_eq!(row["tu_so"].as_i64(), Some(15));
    let bad = env.file("bad.csv", b"date,kind,note\n2023-13-01,nghi,x\n");
    let (code, _, err) = env.run(&["calendar", "import", &bad], None);
    assert_eq!(code, REFUSED);
    assert!(err.contains("dòng 2"), "{err}");
}

#[test]
fn user_add_checks_role_unit_and_password() {
    let env = seeded();
    env.ok_stdin(
        &[
            "user",
            "add",
            "sonoivu",
            "--role",
            "so_noi_vu",
            "--password-stdin",
        ],
        "mat-khau-dai-du\n",
    );
    env.ok_stdin(
        &[
            "user",
            "add",
            "xa1",
            "--role",
            "don_vi",
            "--unit",
            "H01X01",
            "--password-stdin",
        ],
        "mat-khau-dai-du\n",
    );
    for (args, msg) in [
        (
            vec!["user", "add", "x", "--role", "vua", "--password-stdin"],
            "vai trò",
        ),
        (
            vec!["user", "add", "y", "--role", "don_vi", "--password-stdin"],
            "--unit",
        ),
        (
            vec![
                "user",
                "add",
                "sonoivu",
                "--role",
                "so_noi_vu",
                "--password-stdin",
            ],
            "đã có",
        ),
        (
            vec!["user", "add", "z", "--role", "ban_tdkt", "--password-stdin"],
            "ít nhất 10",
        ),
        (
            vec!["user", "add", "z", "--role", "ban_tdkt", "--password-stdin"],
            "quá phổ biến",
        ),
        (
            vec!["user", "add", "z", "--role", "ban_tdkt", "--password-stdin"],
            "lặp lại",
        ),
    ] {
        let stdin = match msg {
            "ít nhất 10" => "ngan\n",
            "quá phổ biến" => "qwertyuiop123\n",
            "lặp lại" => "aaaaaaaaaaaa\n",
            _ => "mat-khau-dai-du\n",
        };
        let (code, _, err) = env.run(&args, Some(stdin));
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(msg), "{err}");
    }
    assert_eq!(env.store().user_count().unwrap(), 3);
}

#[test]
fn an_import_killed_half_way_leaves_nothing_behind() {
    use std::io::BufRead;
    let env = seeded();
    let mut body = String::from(
        "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n",
    );
    for i in 0..300_000 {
        body.push_str(&format!("K{i},T01,1.000001,2023-05-02 08:00,2023-05-12 17:00,2023-05-10 09:00,truc_tuyen,da_tra_ket_qua\n"));
    }
    let f = env.file("big.csv", body.as_bytes());
    let before = counts(&env).dossiers;
    // The import pauses with every row written, just before its commit, until `go` exists.
    let go = env.dir.path().join("go");
    let import = || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_thidua"))
            .arg("--data-dir")
            .arg(&env.data)
            .args(env.database_args())
            .args(["import", "dossiers", &f])
            .env("THIDUA_PAUSE_BEFORE_COMMIT", &go)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        for line in stderr.by_ref() {
            if line.unwrap().contains("ready to commit") {
                return (child, stderr);
            }
        }
        child.wait().unwrap();
        panic!("the import ended without reaching its commit");
    };
    // Killed at the last moment before the commit: nothing of it is in the store.
    let (mut child, _stderr) = import();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        counts(&env).dossiers,
        before,
        "a killed import must leave nothing half-written"
    );
    // Let go, the same import commits every row.
    let (mut child, stderr) = import();
    std::fs::write(&go, b"").unwrap();
    stderr.for_each(drop); // read to the end, so the summary on stderr never blocks
    assert!(child.wait().unwrap().success());
    assert_eq!(counts(&env).dossiers, before + 300_000);
}

#[test]
fn xlsx_imports_go_through_the_same_validation() {
    use rust_xlsxwriter::Workbook;
    let env = seeded();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "Mã đơn vị",
        "Mã chỉ tiêu",
        "Kỳ",
        "Tử số",
        "Mẫu số",
        "Giá trị",
        "Ghi chú",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "T01").unwrap();
    ws.write_string(1, 1, "giai_ngan_dtc").unwrap();
    ws.write_string(1, 2, "2023").unwrap();
    ws.write_number(1, 3, 960_000_000_000.0).unwrap();
    ws.write_number(1, 4, 1_000_000_000_000.0).unwrap();
    ws.write_string(2, 0, "T01").unwrap();
    ws.write_string(2, 1, "ky_luat").unwrap();
    ws.write_number(2, 2, 2023.0).unwrap();
    ws.write_string(2, 5, "nhiều").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let f = env.file("so-lieu.xlsx", &bytes);
    let before = counts(&env);
    let (code, _, err) = env.run(&["import", "values", &f], None);
    assert_eq!(code, REFUSED);
    assert!(
        err.contains("«nhiều» không phải là số") && err.contains("| 3 "),
        "{err}"
    );
    assert_eq!(counts(&env), before);
    let out = env.ok(&["import", "values", &f, "--accept-valid"]);
    assert!(out.contains("Đã nhập 1 dòng"), "{out}");
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    let row = common::find(&json, "T01", "giai_ngan_dtc");
    assert_eq!(
        (row["gia_tri"].as_f64(), row["trang_thai"].as_str()),
        (Some(0.96), Some("dat"))
    );
}

/// A plain export of `n` rows, with a bad date on row 3 and, after the first 8 MiB block,
/// one row with quoted fields.
fn export_with_late_quote(n: usize) -> String {
    let mut body = String::from(
        "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n",
    );
    for i in 0..n {
        let received = if i == 1 {
            "2023-02-30 08:00"
        } else {
            "2023-05-02 08:00"
        };
        body.push_str(&format!(
            "L{i:07},T01,1.000001,{received},2023-05-12 17:00,2023-05-10 09:00,truc_tuyen,da_tra_ket_qua\n"
        ));
    }
    body.push_str("\"Q1\",\"T01\",\"1.000001\",\"2023-05-02 08:00\",\"2023-05-12 17:00\",,\"truc_tiep\",\"dang_xu_ly\"\n");
    body
}

#[test]
fn quotes_after_the_first_block_send_the_import_to_the_general_reader_without_repeating_errors() {
    let env = seeded();
    let body = export_with_late_quote(100_000);
    assert!(body.len() > 9 << 20);
    let f = env.file("late.csv", body.as_bytes());
    let before = counts(&env);
    let (code, out, _) = env.run(&["import", "dossiers", &f], None);
    assert_eq!(code, REFUSED, "{out}");
    assert_eq!(counts(&env), before);
    let errs = env.dir.path().join("loi.csv");
    let out = env.ok(&[
        "import",
        "dossiers",
        &f,
        "--accept-valid",
        "--errors-out",
        errs.to_str().unwrap(),
    ]);
    assert!(
        out.contains("Đã nhập 100000 dòng") && out.contains("1 dòng lỗi"),
        "{out}"
    );
    let report = std::fs::read_to_string(errs).unwrap();
    assert_eq!(
        report.lines().count(),
        2,
        "the bad row is reported once: {report}"
    );
    assert!(
        report
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("3,ngay_tiep_nhan,2023-02-30 08:00,"),
        "{report}"
    );
    assert_eq!(counts(&env).dossiers, before.dossiers + 100_000);
}

#[test]
fn unknown_procedures_are_counted_per_dossier_and_scores_have_six_decimals() {
    let env = seeded();
    let body = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
U1,T01,X99,2023-04-03 08:00,2023-04-20 17:00,,truc_tiep,dang_xu_ly\n\
U1,T01,X99,2023-04-03 08:00,2023-04-20 17:00,2023-04-10 09:00,truc_tiep,da_tra_ket_qua\n";
    let f = env.file("u.csv", body.as_bytes());
    let out = env.ok(&["import", "dossiers", &f]);
    assert!(
        out.contains("; 1 hồ sơ có mã TTHC không có trong danh mục"),
        "{out}"
    );
    let text = env.ok(&["evaluate", "--year", "2023", "--format", "json"]);
    let scores: Vec<&str> = text.lines().filter(|l| l.contains("\"diem_uu_tien\"")).collect();
    assert!(!scores.is_empty());
    for l in scores {
        let v = l
            .trim()
            .trim_start_matches("\"diem_uu_tien\": ")
            .trim_end_matches(',');
        assert!(v.len() == 8 && v.as_bytes()[1] == b'.', "six decimals: {l}");
    }
}

/// The same dossiers written as a plain file (hot path), with BOM, CRLF, `;`, blank lines
/// and no final line break (hot path), and with every field quoted (general reader).
#[test]
fn the_hot_path_and_the_general_reader_store_the_same_dossiers() {
    let mut rows = Vec::new();
    for i in 0..3000 {
        let unit = ["T01", "H01", "H01X01"][i % 3];
        let m = 1 + i % 12;
        let done = if i % 5 == 0 {
            String::new()
        } else {
            format!("2023-{m:02}-{:02} 10:00", 3 + i % 9)
        };
        let status = if i % 5 == 0 {
            "dang_xu_ly"
        } else if i % 7 == 0 {
            "tu_choi"
        } else {
            "da_tra_ket_qua"
        };
        let channel = if i % 2 == 0 { "truc_tuyen" } else { "truc_tiep" };
        rows.push([
            format!("R{}", i % 2500),
            unit.into(),
            "1.000001".into(),
            format!("2023-{m:02}-02 08:00"),
            format!("2023-{m:02}-12 17:00"),
            done,
            channel.into(),
            status.into(),
        ]);
    }
    let header = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai";
    let plain: String = std::iter::once(header.to_string())
        .chain(rows.iter().map(|r| r.join(",")))
        .map(|l| l + "\n")
        .collect();
    let mut odd = String::from("\u{feff}");
    odd.push_str(&header.replace(',', ";"));
    for (i, r) in rows.iter().enumerate() {
        odd.push_str("\r\n");
        if i % 100 == 0 {
            odd.push_str(";;\r\n");
        }
        odd.push_str(&r.join(";"));
    }
    let quoted: String = std::iter::once(header.to_string())
        .chain(
            rows.iter()
                .map(|r| r.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(",")),
        )
        .map(|l| l + "\n")
        .collect();
    let tallies: Vec<Vec<String>> = [plain, odd, quoted]
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let env = seeded();
            let f = env.file(&format!("v{i}.csv"), text.as_bytes());
            let out = env.ok(&["import", "dossiers", &f]);
            assert!(out.contains("Đã nhập 3000 dòng"), "variant {i}: {out}");
            let store = env.store();
            assert_eq!(store.counts().unwrap().dossiers, 2 + 2500, "variant {i}");
            let units = store.units().unwrap();
            let as_of = thidua_domain::time::DateTime::parse_as_of("2023-12-31").unwrap();
            let mut cells: Vec<String> = store
                .tally_dossiers(&units, as_of)
                .unwrap()
                .cells()
                .map(|c| format!("{c:?}"))
                .collect();
            cells.sort();
            cells
        })
        .collect();
    assert!(!tallies[0].is_empty());
    assert_eq!(tallies[0], tallies[1], "BOM, CRLF, ';' and blank lines");
    assert_eq!(tallies[0], tallies[2], "quoted, general reader");
}

#[test]
fn a_month_counted_twice_is_refused_and_late_values_are_on_the_record() {
    let env = seeded();
    let year = env.file(
        "nam.csv",
        "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nT01,sang_kien,2023,,,2,\n".as_bytes(),
    );
    env.ok(&["import", "values", &year]);
    assert_refused_and_unchanged(
        &env,
        "values",
        "thang.csv",
        "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nT01,sang_kien,2023-12,,,1,\n".as_bytes(),
        &[
            "trùng tháng",
            "Năm 2023",
            "shares a month with the existing entry of 2023",
        ],
    );
    // The command line is not bound by 2023's deadlines, but its late write is recorded.
    let store = env.store();
    let (log, _) = store
        .audit(&thidua_store::audit::AuditFilter {
            action: Some("nhap_tep".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(
        log.iter().any(|a| a.username == "cli"
            && a.after
                .as_deref()
                .unwrap_or("")
                .contains("\"tre_han\":{\"rows\":1}")),
        "{log:?}"
    );
}

#[test]
fn plan_check_explains_a_bad_period_or_deadline_and_load_refuses_a_period_entries_break() {
    let env = seeded();
    let bad_text = thidua_domain::plan::BUILT_IN_2023
        .replace("entries_after_quarter = 10", "entries_after_quarter = 400")
        .replacen(
            "code = \"sang_kien\"",
            "code = \"sang_kien\"\nperiod = \"tuan\"",
            1,
        );
    let line_of = |needle: &str| bad_text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let bad = env.file("bad.toml", bad_text.as_bytes());
    let (code, _, err) = env.run(&["plan", "check", &bad], None);
    assert_eq!(code, REFUSED);
    assert!(
        err.contains(&format!("bad.toml:{}:", line_of("entries_after_quarter = 400")))
            && err.contains("số ngày sau khi kỳ kết thúc phải từ 0 đến 366"),
        "{err}"
    );
    assert!(
        err.contains(&format!("bad.toml:{}:", line_of("period = \"tuan\"")))
            && err.contains("chọn thang, quy hoặc nam"),
        "{err}"
    );
    // A plan fixing the initiatives to quarters, over a yearly entry: refused with the count.
    let year = env.file(
        "nam.csv",
        "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nT01,sang_kien,2023,,,2,\n".as_bytes(),
    );
    env.ok(&["import", "values", &year]);
    let fixed_text = thidua_domain::plan::BUILT_IN_2023.replacen(
        "code = \"sang_kien\"",
        "code = \"sang_kien\"\nperiod = \"quy\"",
        1,
    );
    let fixed = env.file("fixed.toml", fixed_text.as_bytes());
    let (code, out, err) = env.run(&["plan", "load", &fixed], None);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("1 số liệu") && err.contains("1 entries of its years have another period"),
        "{err}"
    );
}

/// Publishes an award decision for T01's head through the store's own steps (the
/// command line has no nomination commands: the web is where offices take them).
fn publish_decision(env: &Env) {
    use thidua_domain::nomination::{BoardVerdict, Facts, OfficeVerdict, Step};
    use thidua_domain::role::Role;
    use thidua_domain::time::Date;
    let mut s = env.store();
    let actor = |name: &str| thidua_store::audit::Actor {
        username: name.into(),
        ..Default::default()
    };
    let unit = s.unit("T01").unwrap().unwrap();
    let from = Date::from_ymd(2020, 1, 1).unwrap();
    let id = s
        .create_nomination(
            &actor("donvi"),
            Role::DonVi,
            "cchc-2023",
            unit.id,
            from,
            "Nguyễn Văn An",
            "Giám đốc",
        )
        .unwrap();
    let plan = thidua_domain::plan::Plan::built_in();
    for d in &plan.documents {
        let file = thidua_store::workflow::NewAttachment::new(
            format!("{}.pdf", d.code),
            "x.pdf",
            "application/pdf",
            10,
        );
        s.add_nomination_document(&actor("donvi"), id, &d.code, &file)
            .unwrap();
    }
    let facts = Facts {
        evaluated: true,
        eligible: true,
        discipline_pending: false,
        today: Date::from_ymd(2024, 1, 10),
        deadline: Date::from_ymd(2024, 1, 15),
        required_documents: plan
            .documents
            .iter()
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect(),
        quota: 10,
        one_per_unit: false,
        outside_suggestions: false,
        proposed_by_parent: false,
        proposer_documents: vec![],
    };
    let steps = [
        (
            "donvi",
            Role::DonVi,
            Step::Submit {
                reason: String::new(),
            },
        ),
        (
            "sonoivu",
            Role::SoNoiVu,
            Step::Forward {
                verdict: OfficeVerdict::DuDieuKien,
                reason: String::new(),
            },
        ),
        (
            "bantdkt",
            Role::BanTdkt,
            Step::Appraise {
                verdict: BoardVerdict::DeNghi,
                reason: "Xuất sắc".into(),
            },
        ),
        ("lanhdao", Role::LanhDao, Step::Approve { note: String::new() }),
    ];
    for (who, role, step) in steps {
        s.nomination_step(&actor(who), role, id, &step, &facts).unwrap();
    }
    let day = Date::from_ymd(2024, 2, 5).unwrap();
    let terms =
        thidua_domain::nomination::DecisionTerms::new("256/QĐ-UBND", day, "Nguyễn Văn Thọ", "CHỦ TỊCH", day)
            .unwrap();
    let d = s.record_decision(&actor("sonoivu"), &plan.code, &terms).unwrap();
    s.publish_decision(&actor("sonoivu"), d.id, &|_| "[]".into())
        .unwrap();
}

#[test]
fn after_the_decision_every_change_of_its_year_is_refused_by_the_command_line_too() {
    let env = seeded();
    let values = env.file(
        "v.csv",
        "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nT01,sang_kien,2023,,,2,\n".as_bytes(),
    );
    env.ok(&["import", "values", &values, "--verified"]);
    let before = env.ok(&["evaluate", "--year", "2023", "--format", "json"]);
    publish_decision(&env);
    let decision = ["256/QĐ-UBND", "award decision 256/QĐ-UBND"];
    // Values, heads and dossiers (through the general reader, with a row named)...
    let bad_values = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nT01,sang_kien,2023,,,5,\n";
    assert_refused_and_unchanged(&env, "values", "v2.csv", bad_values.as_bytes(), &decision);
    let heads = "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nT01,Hồ Văn Mới,Giám đốc,2023-07-01,\n";
    assert_refused_and_unchanged(&env, "heads", "h.csv", heads.as_bytes(), &decision);
    // ...and the dossier hot path, which the store itself refuses whole.
    let dossiers = DOSSIERS.replace("2023-03-08 09:00", "2023-03-09 09:00");
    assert_refused_and_unchanged(
        &env,
        "dossiers",
        "d.csv",
        dossiers.as_bytes(),
        &["quyết định khen thưởng"],
    );
    // The plan cannot be loaded again.
    let plan = env.file("plan.toml", thidua_domain::plan::BUILT_IN_2023.as_bytes());
    let (code, _, err) = env.run(&["plan", "load", &plan], None);
    assert!(code != 0 && err.contains("256/QĐ-UBND"), "{err}");
    // The next year's dossiers still come in; the year's figures are what they were.
    let next = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
                B1,T01,1.000001,2024-03-01 08:00,2024-03-10 17:00,,truc_tuyen,dang_xu_ly\n";
    let f = env.file("next.csv", next.as_bytes());
    env.ok(&["import", "dossiers", &f]);
    assert_eq!(
        env.ok(&["evaluate", "--year", "2023", "--format", "json"]),
        before
    );
}

#[test]
fn csv_the_product_writes_shows_formulas_from_users_never_runs_them() {
    let env = seeded();
    let body = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
C1,T01,1.000001,2023-04-01,2023-04-20,,truc_tiep,=HYPERLINK(\"http://x\")\n";
    let f = env.file("bom.csv", body.as_bytes());
    let errs = env.dir.path().join("loi.csv");
    let (code, _, _) = env.run(
        &["import", "dossiers", &f, "--errors-out", errs.to_str().unwrap()],
        None,
    );
    assert_eq!(code, REFUSED);
    let report = std::fs::read_to_string(errs).unwrap();
    assert!(report.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{report}");
    let heads = "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nT01,@SUM(A1) An,Giám đốc,2020-01-01,\n";
    let h = env.file("h.csv", heads.as_bytes());
    env.ok(&["import", "heads", &h]);
    let csv = env.ok(&["evaluate", "--year", "2023", "--format", "csv"]);
    assert!(csv.contains(",'@SUM(A1) An,") && !csv.contains(",@SUM"), "{csv}");
}

#[test]
fn audit_verify_finds_the_first_altered_or_missing_record() {
    // (the embedded store: the test edits its file with SQLite)
    let env = seeded_with(Env::new());
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("Chuỗi nhật ký nguyên vẹn"), "{out}");
    let head = out
        .lines()
        .find_map(|l| l.rsplit_once("head: ").map(|(_, h)| h.trim().to_string()))
        .expect("the head is printed");
    let (last, _) = head.split_once(':').unwrap();
    let last: i64 = last.parse().unwrap();
    assert!(last >= 4, "{out}");
    assert!(env
        .ok(&["audit", "verify", "--anchor", &head])
        .contains("nguyên vẹn"));
    let (code, _, err) = env.run(&["audit", "verify", "--anchor", "1:xyz"], None);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("mốc «1:xyz» không hợp lệ"), "{err}");
    // an attacker with the file drops the triggers, cuts the last record: only the anchor
    // noted before tells
    let db = rusqlite::Connection::open(env.data.join("thidua.db")).unwrap();
    db.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    db.execute("DELETE FROM audit_log WHERE id = ?1", [last]).unwrap();
    assert!(env.ok(&["audit", "verify"]).contains("nguyên vẹn"));
    let (code, _, err) = env.run(&["audit", "verify", "--anchor", &head], None);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("Bản ghi số {last} không khớp mốc")),
        "{err}"
    );
    // ... deletes one in the middle
    db.execute("DELETE FROM audit_log WHERE id = 3", []).unwrap();
    let (code, _, err) = env.run(&["audit", "verify"], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("thiếu bản ghi số 3") && err.contains("record 3 is missing"),
        "{err}"
    );
    // ... and edits an earlier one: the first break is reported
    db.execute("UPDATE audit_log SET username = 'ke-gian' WHERE id = 2", [])
        .unwrap();
    let (code, _, err) = env.run(&["audit", "verify"], None);
    assert_eq!(code, 1);
    assert!(err.contains("bị phá vỡ tại bản ghi số 2"), "{err}");
}

#[test]
fn accounts_and_tokens_are_listed_locked_and_revoked_from_the_command_line() {
    let env = seeded();
    env.ok_stdin(
        &[
            "user",
            "add",
            "motcua",
            "--role",
            "so_noi_vu",
            "--full-name",
            "Hệ thống một cửa",
            "--password-stdin",
        ],
        "mat-khau-dai-du\n",
    );
    let list = env.ok(&["user", "list"]);
    assert!(
        list.contains("admin") && list.contains("motcua") && list.contains("Hệ thống một cửa"),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("motcua") && l.contains("hoạt động")),
        "{list}"
    );
    // tokens: created with an expiry, listed, revoked once
    let token = env.ok(&["token", "create", "motcua", "--label", "một cửa", "--days", "30"]);
    assert_eq!(token.trim().len(), 64, "{token}");
    let (code, _, err) = env.run(&["token", "create", "motcua", "--days", "400"], None);
    assert_eq!(code, 1);
    assert!(err.contains("từ 1 đến 365 ngày"), "{err}");
    env.ok(&["token", "create", "motcua"]);
    let store = || env.store();
    let tokens = store().tokens_list().unwrap();
    assert_eq!(tokens.len(), 2);
    let (second, first) = (tokens[0].id, tokens[1].id);
    let list = env.ok(&["token", "list"]);
    assert!(
        list.contains("một cửa") && list.matches("còn hiệu lực").count() == 2,
        "{list}"
    );
    env.ok(&["token", "revoke", &first.to_string()]);
    assert!(store()
        .user_by_token(&thidua_app::credentials::token_hash(token.trim()))
        .unwrap()
        .is_none());
    let (code, _, err) = env.run(&["token", "revoke", &first.to_string()], None);
    assert_eq!(code, 1);
    assert!(err.contains("đã bị thu hồi"), "{err}");
    assert!(env.ok(&["token", "list"]).contains("đã thu hồi"));
    // a new password revokes the rest
    env.ok_stdin(
        &["user", "passwd", "motcua", "--password-stdin"],
        "mat-khau-moi-du-dai\n",
    );
    assert!(store()
        .tokens_list()
        .unwrap()
        .iter()
        .all(|t| t.revoked && t.id <= second));
    let (code, _, err) = env.run(&["user", "passwd", "motcua", "--password-stdin"], Some("ngan\n"));
    assert_eq!(code, 1);
    assert!(err.contains("ít nhất 10"), "{err}");
    // lock and unlock
    env.ok(&["user", "lock", "motcua"]);
    assert!(!store().user_by_name("motcua").unwrap().unwrap().active);
    assert!(env
        .ok(&["user", "list"])
        .lines()
        .any(|l| l.starts_with("motcua") && l.contains("đã khóa")));
    let (code, _, err) = env.run(&["user", "lock", "motcua"], None);
    assert_eq!(code, 1);
    assert!(err.contains("đã bị khóa"), "{err}");
    env.ok(&["user", "unlock", "motcua"]);
    assert!(store().user_by_name("motcua").unwrap().unwrap().active);
    let (code, _, err) = env.run(&["user", "lock", "khong-co"], None);
    assert_eq!(code, 1);
    assert!(err.contains("không có tài khoản «khong-co»"), "{err}");
    // where notices go: checked, listed, cleared
    env.ok(&["user", "email", "motcua", "motcua@example.gov.vn"]);
    assert_eq!(
        store().user_by_name("motcua").unwrap().unwrap().email,
        "motcua@example.gov.vn"
    );
    assert!(env
        .ok(&["user", "list"])
        .lines()
        .any(|l| l.starts_with("motcua") && l.contains("motcua@example.gov.vn")));
    let (code, _, err) = env.run(&["user", "email", "motcua", "khong hop le"], None);
    assert_eq!(code, REFUSED);
    assert!(err.contains("không phải địa chỉ thư điện tử"), "{err}");
    env.ok(&["user", "email", "motcua", ""]);
    assert_eq!(store().user_by_name("motcua").unwrap().unwrap().email, "");
    // every change is in the audit log, and the chain holds
    assert!(env.ok(&["audit", "verify"]).contains("nguyên vẹn"));
}

/// Issue 13: a read-only data folder (a copy on read-only media, an auditor's account):
/// the commands that read work, a write is refused in both languages and changes nothing.
#[test]
fn read_commands_work_in_a_read_only_data_folder() {
    use std::os::unix::fs::PermissionsExt;
    // (the embedded store: its folder is what is read-only)
    let env = seeded_with(Env::new());
    let units = env.file("more-units.csv", b"ma_don_vi,ten_don_vi,cap\nX9,UBND X9,huyen\n");
    let set = |p: &std::path::Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    for e in std::fs::read_dir(&env.data).unwrap() {
        let p = e.unwrap().path();
        set(&p, if p.is_dir() { 0o555 } else { 0o444 });
    }
    set(&env.data, 0o555);
    set(env.dir.path(), 0o755);
    std::fs::set_permissions(&units, std::fs::Permissions::from_mode(0o444)).unwrap();
    // root writes whatever the modes say: run as nobody then
    let run = |args: &[&str]| {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .unwrap()
            .stdout
            == b"0\n";
        let mut cmd = if root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_thidua"));
            c
        } else {
            std::process::Command::new(env!("CARGO_BIN_EXE_thidua"))
        };
        let out = cmd
            .arg("--data-dir")
            .arg(&env.data)
            .args(args)
            .env_remove("THIDUA_DATABASE_URL")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for args in [
        &["evaluate", "--year", "2023", "--format", "json"][..],
        &["plan", "list"],
        &["audit", "verify"],
        &["user", "list"],
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, 0, "{args:?} in a read-only folder:\n{out}\n{err}");
    }
    let (code, _, err) = run(&["import", "units", &units]);
    assert_ne!(code, 0);
    assert!(err.contains("chỉ đọc được") && err.contains("read-only"), "{err}");
    set(&env.data, 0o755);
    assert_eq!(counts(&env).units, 3, "nothing was written");
}

/// Issue 13: a second import while another holds the store's write lock waited and then
/// failed with a bare "database is locked". It waits the busy timeout (10 s), then says why
/// in both languages, and writes nothing; once the other is done it goes through.
#[test]
fn a_second_import_waits_then_says_why() {
    let env = seeded();
    let more = env.file(
        "more.csv",
        format!(
            "{}B9,T01,1.000001,2023-03-01 08:00,2023-03-10 17:00,,truc_tuyen,dang_xu_ly\n",
            &DOSSIERS[..DOSSIERS.find('\n').unwrap() + 1]
        )
        .as_bytes(),
    );
    let (release, holder) = env.hold_write_lock();
    let before = counts(&env).dossiers;
    let (code, _, err) = env.run(&["import", "dossiers", &more], None);
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(code, REFUSED, "{err}");
    assert!(
        err.contains("vui lòng thử lại sau") && err.contains("try again"),
        "{err}"
    );
    assert!(!err.contains("database is locked"), "{err}");
    assert_eq!(counts(&env).dossiers, before);
    env.ok(&["import", "dossiers", &more]);
    assert_eq!(counts(&env).dossiers, before + 1);
}

#[test]
fn backup_and_restore_round_trip_and_restore_refuses_an_occupied_folder() {
    let env = seeded();
    let archive = env.dir.path().join("sao-luu.zip");
    let out = env.ok(&["backup", archive.to_str().unwrap()]);
    assert!(out.contains("đã sao lưu") && out.contains("backed up"), "{out}");
    // the same archive twice: refused, exit 2
    let (code, _, err) = env.run(&["backup", archive.to_str().unwrap()], None);
    assert_eq!(code, REFUSED, "{err}");
    // into the live store (its folder, its database): refused, exit 2
    let (code, _, err) = env.run(&["restore", archive.to_str().unwrap()], None);
    assert_eq!(code, REFUSED, "{err}");
    assert!(
        err.contains("không trống") || (env.db.is_some() && err.contains("đã có dữ liệu")),
        "{err}"
    );
    // into a new folder: the same evaluation
    let copy = Env::on_backend();
    let out = copy.ok(&["restore", archive.to_str().unwrap()]);
    assert!(out.contains("đã khôi phục"), "{out}");
    assert_eq!(counts(&copy), counts(&env));
    let a = env.ok(&["evaluate", "--year", "2023", "--format", "json"]);
    let b = copy.ok(&["evaluate", "--year", "2023", "--format", "json"]);
    assert_eq!(a, b);
    let v = copy.ok(&["audit", "verify"]);
    assert!(!v.is_empty());
}

/// `thidua migrate --to postgres://…` moves the store into an empty database (the server
/// at 127.0.0.1:5432 that `scripts/test.sh` starts where none answers), says what it
/// moved, and refuses a database that holds data or an address that is not PostgreSQL.
#[test]
fn migrate_moves_the_store_into_an_empty_postgres_database_once() {
    // (from the embedded store, by definition)
    let env = seeded_with(Env::new());
    let db = thidua_store::testing::TestDb::new("thidua_cli_move");
    let url = db.url.clone();
    let out = env.ok(&["migrate", "--to", &url]);
    assert!(out.contains("đã chuyển") && out.contains("moved"), "{out}");
    let mut pg = db.client();
    let n: i64 = pg.query_one("SELECT count(*) FROM dossiers", &[]).unwrap().get(0);
    assert_eq!(n, counts(&env).dossiers);
    // the evaluation reads the same on PostgreSQL
    let here = env.ok(&["evaluate", "--year", "2023", "--format", "json"]);
    let there = env.ok(&[
        "--database-url",
        &url,
        "evaluate",
        "--year",
        "2023",
        "--format",
        "json",
    ]);
    assert_eq!(there, here);
    // again: the database holds data now
    let (code, _, err) = env.run(&["migrate", "--to", &url], None);
    assert_eq!(code, REFUSED, "{err}");
    assert!(
        err.contains("đã có dữ liệu") && err.contains("already holds data"),
        "{err}"
    );
    // from a named embedded store, into something that is not PostgreSQL
    let from = format!("sqlite://{}", env.data.join("thidua.db").display());
    let (code, _, err) = env.run(&["migrate", "--from", &from, "--to", "sqlite:///tmp/x.db"], None);
    assert_ne!(code, 0);
    assert!(err.contains("postgres://"), "{err}");
    drop(pg);
}
