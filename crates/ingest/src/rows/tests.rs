use super::dossier::{dossier_checked, dossier_plain};
use super::*;
use crate::table::{read_table, sniff};
use crate::FileError;
use std::io::Cursor;
use thidua_domain::time::DateTime;

struct Fake;
impl Lookup for Fake {
    fn unit_known(&self, code: &str) -> bool {
        ["T01", "H01", "H01X01"].contains(&code)
    }
    fn tier(&self, label: &str) -> Option<String> {
        thidua_domain::plan::Plan::built_in()
            .resolve_tier(label)
            .map(|t| t.code.clone())
    }
    fn value_rule(&self, code: &str) -> Result<thidua_domain::plan::ValueRule, Bad> {
        match thidua_domain::plan::Plan::built_in().indicator(code) {
            Some(i) if i.kind == Kind::Computed => Err(bad("tính từ hồ sơ", "computed")),
            Some(i) => Ok(i.value_rule()),
            None => Err(bad(format!("không có chỉ tiêu mã «{code}»"), "unknown indicator")),
        }
    }
    fn procedure_known(&self, code: &str) -> bool {
        code == "1.000001"
    }
}

/// Reads `bytes` as `kind`: the good records and the errors, or a file-level error.
fn read(kind: ImportKind, bytes: &[u8]) -> Result<(Vec<Record>, Vec<RowError>, Columns), FileError> {
    let mut recs = Vec::new();
    let mut errs = Vec::new();
    let header_cols: std::cell::OnceCell<Columns> = std::cell::OnceCell::new();
    read_table(
        Cursor::new(bytes.to_vec()),
        &mut |h| {
            let _ = header_cols.set(Columns::map(kind, h)?);
            Ok(())
        },
        &mut |row, cells| match parse_row(header_cols.get().unwrap(), cells, row, &Fake) {
            Ok(r) => recs.push(r),
            Err(e) => errs.extend(e),
        },
    )?;
    Ok((recs, errs, header_cols.into_inner().unwrap()))
}

fn t(s: &str) -> DateTime {
    DateTime::parse_as_of(s).unwrap()
}

const ISO_DOSSIERS: &str =
    "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
HS1,T01,1.000001,2023-03-01 08:00,2023-03-10 17:00,2023-03-09 10:00,truc_tuyen,da_tra_ket_qua\n\
HS2,H01,9.999999,2023-03-01,2023-03-10,,truc_tiep,dang_xu_ly\n";

#[test]
fn reads_iso_csv_and_applies_day_defaults() {
    let (recs, errs, _) = read(ImportKind::Dossiers, ISO_DOSSIERS.as_bytes()).unwrap();
    assert!(errs.is_empty(), "{errs:?}");
    let Record::Dossier(d2) = &recs[1] else { panic!() };
    assert_eq!(d2.received_at, t("2023-03-01T00:00:00"));
    assert_eq!(
        d2.due_at,
        t("2023-03-10T23:59:59"),
        "a due date without time is the end of the day"
    );
    assert_eq!(d2.completed_at, None);
    assert_eq!(d2.procedure, "9.999999", "unknown procedures are accepted");
}

#[test]
fn reads_vietnamese_headers_labels_bom_crlf_semicolons_and_quotes() {
    let csv = "\u{feff}Mã hồ sơ;Mã đơn vị;Mã TTHC;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Kênh nộp;Trạng thái;Ghi chú thêm\r\n\
HS1;T01;1.000001;01/03/2023 08:00;10/03/2023 17:00;09/03/2023 10:00;Trực tuyến;Đã trả kết quả;\"có dấu ; trong ô\"\r\n\
HS2;H01;1.000001;01/03/2023;10/03/2023;;Bưu chính;Rút hồ sơ;\"dòng\r\nthứ hai\"\r\n";
    let (recs, errs, cols) = read(ImportKind::Dossiers, csv.as_bytes()).unwrap();
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(cols.unknown, vec!["Ghi chú thêm".to_string()]);
    let Record::Dossier(d1) = &recs[0] else { panic!() };
    assert_eq!(d1.channel, Channel::TrucTuyen);
    assert_eq!(d1.status, DossierStatus::DaTraKetQua);
    assert_eq!(d1.completed_at, Some(t("2023-03-09T10:00:00")));
    let Record::Dossier(d2) = &recs[1] else { panic!() };
    assert_eq!((d2.channel, d2.status), (Channel::BuuChinh, DossierStatus::Rut));
}

#[test]
fn headers_without_diacritics_and_in_capitals_match() {
    let csv =
        "MA DON VI,Ten don vi,CAP,ma don vi cha\nH02,UBND Huyện Mới,Cấp huyện,\nH02X01,UBND Xã A,xa,H02\n";
    let (recs, errs, _) = read(ImportKind::Units, csv.as_bytes()).unwrap();
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(
        recs[0],
        Record::Unit(UnitRow {
            code: "H02".into(),
            name: "UBND Huyện Mới".into(),
            tier: "huyen".into(),
            parent: None
        })
    );
    let Record::Unit(x) = &recs[1] else { panic!() };
    assert_eq!((x.tier.as_str(), x.parent.as_deref()), ("xa", Some("H02")));
}

#[test]
fn reads_xlsx_with_date_cells_and_text_dates() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "Mã hồ sơ",
        "Mã đơn vị",
        "Mã TTHC",
        "Ngày tiếp nhận",
        "Hạn xử lý",
        "Ngày có kết quả",
        "Kênh nộp",
        "Trạng thái",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let fmt = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    ws.write_string(1, 0, "HS1").unwrap();
    ws.write_string(1, 1, "T01").unwrap();
    ws.write_number(1, 2, 1001).unwrap(); // a code typed as a number
    ws.write_datetime_with_format(
        1,
        3,
        ExcelDateTime::parse_from_str("2023-03-01 08:30").unwrap(),
        &fmt,
    )
    .unwrap();
    ws.write_datetime_with_format(
        1,
        4,
        ExcelDateTime::parse_from_str("2023-03-10 17:00").unwrap(),
        &fmt,
    )
    .unwrap();
    ws.write_string(1, 5, "09/03/2023 10:00").unwrap();
    ws.write_string(1, 6, "Trực tiếp").unwrap();
    ws.write_string(1, 7, "Đã trả kết quả").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert_eq!(
        sniff(&mut Cursor::new(bytes.clone())).unwrap(),
        crate::table::Format::Xlsx
    );
    let (recs, errs, _) = read(ImportKind::Dossiers, &bytes).unwrap();
    assert!(errs.is_empty(), "{errs:?}");
    let Record::Dossier(d) = &recs[0] else { panic!() };
    assert_eq!(d.procedure, "1001");
    assert_eq!(d.received_at, t("2023-03-01T08:30:00"));
    assert_eq!(d.due_at, t("2023-03-10T17:00:00"));
    assert_eq!(d.completed_at, Some(t("2023-03-09T10:00:00")));
}

#[test]
fn refuses_files_that_are_not_tables() {
    let err = |b: &[u8]| read(ImportKind::Units, b).expect_err("refused").to_string();
    assert!(err(b"").contains("tệp rỗng"));
    assert!(err(b"\xEF\xBB\xBF  \n").contains("tệp rỗng"));
    assert!(err(b"\x7fELF\x02\x01\x01\0\0\0\0").contains("không phải CSV hoặc XLSX"));
    assert!(err(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]).contains(".xls"));
    assert!(err(b"ma_don_vi,ten_don_vi,cap\nT09,S\xe1 N\xf4i,tinh\n").contains("UTF-8"));
    assert!(err(b"PK\x03\x04 not really a zip").contains("XLSX"));
}

#[test]
fn names_every_missing_column_and_a_duplicate() {
    let e = read(
        ImportKind::Dossiers,
        b"ma_ho_so,ma_don_vi,ngay_tiep_nhan\nA,T01,2023-01-01\n",
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("Mã TTHC (ma_tthc)")
            && e.contains("Hạn xử lý (han_xu_ly)")
            && e.contains("missing required column"),
        "{e}"
    );
    let e = read(
        ImportKind::Units,
        "ma_don_vi,Mã đơn vị,ten_don_vi,cap\n".as_bytes(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("hai lần"), "{e}");
}

fn dossier_errors(row: &str) -> Vec<RowError> {
    let csv = format!(
        "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n{row}\n"
    );
    read(ImportKind::Dossiers, csv.as_bytes()).unwrap().1
}

fn value_errors(row: &str) -> Vec<RowError> {
    let csv = format!("ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\n{row}\n");
    read(ImportKind::Values, csv.as_bytes()).unwrap().1
}

#[test]
fn a_ratio_is_a_share_of_whole_things_unless_the_plan_says_otherwise() {
    // 12 of 10 documents: refused, naming the numerator
    let e = value_errors("T01,menh_lenh_hc,2023-Q1,12,10,,");
    assert_eq!(
        (e.len(), e[0].column.as_str(), e[0].value.as_str()),
        (1, "tu_so", "12")
    );
    assert!(
        e[0].vi.contains("lớn hơn mẫu số") && e[0].en.contains("above the denominator"),
        "{e:?}"
    );
    // 42,5 documents: not a whole number
    let e = value_errors("T01,phoi_hop,2023-Q1,\"42,5\",50,,");
    assert_eq!((e.len(), e[0].column.as_str()), (1, "tu_so"), "{e:?}");
    assert!(e[0].vi.contains("không phải số nguyên"), "{e:?}");
    let e = value_errors("T01,phoi_hop,2023-Q1,40,\"50,5\",,");
    assert_eq!(e[0].column, "mau_so", "{e:?}");
    // money may have decimals, and a share up to all of it passes
    assert!(value_errors("T01,giai_ngan_dtc,2023,\"1234,5\",\"2000,25\",,").is_empty());
    assert!(value_errors("T01,menh_lenh_hc,2023-Q1,10,10,,").is_empty());
    // negatives stay refused
    assert!(!value_errors("T01,menh_lenh_hc,2023-Q1,-1,10,,").is_empty());
    let e = value_errors("T01,sang_kien,2023,,,\"1,5\",");
    assert!(e[0].vi.contains("số nguyên"), "a count is whole: {e:?}");
}

#[test]
fn a_completion_date_without_a_time_means_during_that_day() {
    let csv = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
               HS1,T01,1.000001,2023-03-10 08:00,2023-03-20 17:00,2023-03-10,truc_tiep,da_tra_ket_qua\n\
               HS2,T01,1.000001,2023-03-10 08:00,2023-03-20 17:00,20/03/2023,truc_tiep,da_tra_ket_qua\n";
    let (records, errors, _) = read(ImportKind::Dossiers, csv.as_bytes()).unwrap();
    assert!(
        errors.is_empty(),
        "the same date as the reception is not before it: {errors:?}"
    );
    let done: Vec<_> = records
        .iter()
        .map(|r| match r {
            Record::Dossier(d) => d.completed_at.unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    let day = |y, m, d| Date::from_ymd(y, m, d).unwrap().start();
    assert_eq!(
        done,
        [day(2023, 3, 10), day(2023, 3, 20)],
        "the day's start: on time on the due date"
    );
    // the day before the reception is still before it, and an explicit time still counts
    let e = dossier_errors("HS3,T01,1.000001,2023-03-10 08:00,2023-03-20,2023-03-09,truc_tiep,tu_choi");
    assert!(e[0].vi.contains("ngày có kết quả trước ngày tiếp nhận"), "{e:?}");
    let e = dossier_errors("HS4,T01,1.000001,2023-03-10 08:00,2023-03-20,2023-03-10 07:59,truc_tiep,tu_choi");
    assert!(e[0].vi.contains("ngày có kết quả trước ngày tiếp nhận"), "{e:?}");
}

#[test]
fn bad_dossier_rows_name_row_column_value_and_reason() {
    let e = dossier_errors("HS1,T01,1.000001,03/13/2023,2023-03-20,,truc_tiep,dang_xu_ly");
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].row, e[0].column.as_str(), e[0].value.as_str()),
        (2, "ngay_tiep_nhan", "03/13/2023")
    );
    assert!(e[0].vi.contains("tháng 13"));
    let e = dossier_errors("HS1,T99,1.000001,2023-03-01,2023-03-20,,truc_tiep,dang_xu_ly");
    assert_eq!((e[0].column.as_str(), e[0].value.as_str()), ("ma_don_vi", "T99"));
    assert!(e[0].vi.contains("không có đơn vị") && e[0].en.contains("unknown unit"));
    let e = dossier_errors("HS1,T01,1.000001,2023-03-01,2023-03-20,,truc_tiep,da_tra_ket_qua");
    assert_eq!(e[0].column, "ngay_ket_qua");
    assert!(e[0].vi.contains("phải có ngày có kết quả"));
    let e = dossier_errors("HS1,T01,1.000001,2023-03-10,2023-03-01,,truc_tiep,dang_xu_ly");
    assert!(e[0].vi.contains("hạn xử lý trước ngày tiếp nhận"));
    let e = dossier_errors("HS1,T01,1.000001,2023-03-10,2023-03-20,2023-03-09,truc_tiep,tu_choi");
    assert!(e[0].vi.contains("ngày có kết quả trước ngày tiếp nhận"));
    let e = dossier_errors("HS1,T01,1.000001,2023-03-01,2023-03-20,,fax,xong");
    assert_eq!(e.len(), 2, "every bad field of a row is reported: {e:?}");
    let e = dossier_errors(",T01,1.000001,2023-03-01,2023-03-20,,truc_tiep,dang_xu_ly");
    assert!(e[0].vi.contains("thiếu giá trị bắt buộc"));
}

#[test]
fn values_follow_the_indicator_kind() {
    let csv = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\n\
T01,menh_lenh_hc,2023-Q1,19,20,,\n\
T01,chi_so_cchc,2023,,,Đạt,\n\
T01,ky_luat,2023,,,0,\n\
T01,noi_quy,2023-05,,,không,\n\
T01,menh_lenh_hc,2023-Q2,19,,,\n\
T01,sang_kien,2023,,,1.5,\n\
T01,tthc_dung_han,2023,1,1,,\n\
T01,khong_co,2023,,,1,\n\
T01,noi_quy,2023-Q5,,,1,\n\
T01,chi_so_cchc,2023,,,có lẽ,\n";
    let (recs, errs, _) = read(ImportKind::Values, csv.as_bytes()).unwrap();
    assert_eq!(recs.len(), 4, "{errs:?}");
    assert_eq!(
        errs.iter().map(|e| e.row).collect::<Vec<_>>(),
        [6, 7, 8, 9, 10, 11]
    );
    let Record::Value(v) = &recs[3] else { panic!() };
    assert_eq!(v.value, EntryValue::Bool(false));
    assert!(errs[2].vi.contains("tính từ hồ sơ"));
}

#[test]
fn overlapping_terms_are_reported_on_the_file_rows() {
    let d = |s: &str| thidua_domain::time::Date::parse_iso(s).unwrap();
    let h = |name: &str, from: &str, to: Option<&str>| HeadRow {
        unit: "T01".into(),
        name: name.into(),
        title: String::new(),
        from: d(from),
        to: to.map(d),
    };
    let stored = vec![h("A", "2020-01-01", None)];
    // the file closes A's term and starts B's: fine
    let ok = vec![
        (2, h("A", "2020-01-01", Some("2023-06-09"))),
        (3, h("B", "2023-06-10", None)),
    ];
    assert!(check_head_overlaps(&ok, &stored).is_empty());
    // B starts while A (stored, open-ended) still holds office
    let bad = vec![(2, h("B", "2023-06-10", None))];
    let e = check_head_overlaps(&bad, &stored);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].row, 2);
    assert!(e[0].vi.contains("nhiệm kỳ trùng nhau"), "{e:?}");
    // two file rows overlapping each other: both reported
    let both = vec![
        (2, h("A", "2020-01-01", Some("2023-07-01"))),
        (3, h("B", "2023-06-10", None)),
    ];
    assert_eq!(
        check_head_overlaps(&both, &stored)
            .iter()
            .map(|e| e.row)
            .collect::<Vec<_>>(),
        [2, 3]
    );
    // a long open term overlaps every later one, not only the next
    let stored_open = vec![h("A", "2022-01-01", None)];
    let two = vec![
        (2, h("B", "2023-03-01", Some("2023-04-30"))),
        (3, h("C", "2023-06-01", None)),
    ];
    assert_eq!(
        check_head_overlaps(&two, &stored_open)
            .iter()
            .map(|e| e.row)
            .collect::<Vec<_>>(),
        [2, 3]
    );
    // two file rows with one start date: both refused, neither silently dropped
    let same = vec![
        (2, h("A", "2023-01-01", Some("2023-06-30"))),
        (3, h("B", "2023-01-01", None)),
    ];
    assert_eq!(
        check_head_overlaps(&same, &[])
            .iter()
            .map(|e| e.row)
            .collect::<Vec<_>>(),
        [2, 3]
    );
}

#[test]
fn unit_parents_may_come_later_in_the_file_but_must_exist() {
    let u = |code: &str, parent: Option<&str>| UnitRow {
        code: code.into(),
        name: code.into(),
        tier: "xa".into(),
        parent: parent.map(String::from),
    };
    let rows = vec![
        (2, u("H02X01", Some("H02"))),
        (3, u("H02", None)),
        (4, u("H09X01", Some("H09"))),
    ];
    let e = check_unit_parents(&rows, &|c| c == "H01");
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].row, e[0].value.as_str()), (4, "H09"));
    // a parent refused in the file takes its children with it
    let chain = vec![
        (2, u("X", Some("NOPE"))),
        (3, u("Y", Some("X"))),
        (4, u("Z", Some("Y"))),
    ];
    assert_eq!(
        check_unit_parents(&chain, &|_| false)
            .iter()
            .map(|e| e.row)
            .collect::<Vec<_>>(),
        [2, 3, 4]
    );
}

#[test]
fn the_plain_shortcut_accepts_only_what_the_full_checks_accept_and_gives_the_same_record() {
    let header: Vec<String> = [
        "ma_ho_so",
        "ma_don_vi",
        "ma_tthc",
        "ngay_tiep_nhan",
        "han_xu_ly",
        "ngay_ket_qua",
        "kenh_nop",
        "trang_thai",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cols = Columns::map(ImportKind::Dossiers, &header).unwrap();
    let codes = ["HS1", " HS1", "", "Hồ"];
    let units = ["T01", "T99", "T01 "];
    let times = [
        "2023-03-01 08:00",
        "2023-03-01 08:00:30",
        "2023-03-01",
        "01/03/2023 08:00",
        "2023-03-10 17:00",
        "2023-02-30 08:00",
        "2023-03-01T25:00",
        "",
    ];
    let channels = ["truc_tuyen", "Trực tiếp", "fax", ""];
    let statuses = ["da_tra_ket_qua", "dang_xu_ly", "rut", "Từ chối", "xong"];
    let mut compared = 0;
    let mut shortcut = 0;
    for code in codes {
        for unit in units {
            for r in times {
                for d in times {
                    for done in times {
                        for ch in channels {
                            for st in statuses {
                                let cells: Vec<Cell> = [code, unit, "1.000001", r, d, done, ch, st]
                                    .iter()
                                    .map(|s| if s.is_empty() { Cell::Empty } else { Cell::Text(s) })
                                    .collect();
                                let full = dossier_checked(&cols, &cells, 2, &Fake);
                                if let Some(fast) = dossier_plain(&cols, &cells, &Fake) {
                                    assert_eq!(Ok(fast), full, "{cells:?}");
                                    shortcut += 1;
                                }
                                compared += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(shortcut >= 50 && compared > 100_000, "{shortcut} of {compared}");
}

#[test]
fn a_unit_is_never_its_own_ancestor_and_a_commune_belongs_under_a_district() {
    let u = |code: &str, tier: &str, parent: Option<&str>| UnitRow {
        code: code.into(),
        name: code.into(),
        tier: tier.into(),
        parent: parent.map(String::from),
    };
    let stored = |c: &str| match c {
        "H01" => Some(("huyen".to_string(), None)),
        "S01" => Some(("tinh".to_string(), None)),
        "H01X01" => Some(("xa".to_string(), Some("H01".to_string()))),
        _ => None,
    };
    let rules = |t: &str| (t == "xa").then(|| vec!["huyen".to_string()]);
    let rows = vec![
        (2, u("H01X02", "xa", Some("H01"))),
        (3, u("S01X01", "xa", Some("S01"))),
        (4, u("A", "huyen", Some("B"))),
        (5, u("B", "huyen", Some("A"))),
        (6, u("H01", "huyen", Some("H01X01"))),
        (7, u("S02", "tinh", None)),
    ];
    let e = check_unit_hierarchy(&rows, &stored, &rules);
    assert_eq!(e.iter().map(|e| e.row).collect::<Vec<_>>(), [3, 4, 5, 6]);
    assert!(
        e[0].vi.contains("phải trực thuộc đơn vị cấp «huyen»"),
        "{}",
        e[0].vi
    );
    assert!(e[1].vi.contains("vòng lặp"), "{}", e[1].vi);
    // a district under its own commune: a loop through the store
    assert!(e[3].vi.contains("không thể là cấp trên của chính nó"));
    // no rule for the tier: any parent will do
    assert!(check_unit_hierarchy(&[(2, u("S01X01", "xa", Some("S01")))], &stored, &|_| None).is_empty());
}

fn procedures(csv: &str) -> (Vec<Record>, Vec<RowError>) {
    let (recs, errs, _) = read(ImportKind::Procedures, csv.as_bytes()).unwrap();
    (recs, errs)
}

fn published(r: &Record) -> Option<Dec> {
    match r {
        Record::Procedure(p) => p.published_days,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_published_time_is_optional_and_within_the_statutory_time() {
    // the column may be absent
    let (recs, errs) = procedures("ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\nP1,A,10,toan_trinh\n");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(published(&recs[0]), None);
    // or empty; decimals (also with a comma), 0 and the statutory time itself are fine
    let (recs, errs) = procedures(
        "Mã TTHC;Tên TTHC;Thời hạn quy định;Mức độ DVC trực tuyến;Thời hạn công bố\n\
P1;A;10;Toàn trình;\nP2;B;10;Một phần;7,5\nP3;C;10;Không;0\nP4;D;10;khong;10\nP5;E;0,5;khong;0.5\n",
    );
    assert!(errs.is_empty(), "{errs:?}");
    let got: Vec<Option<Dec>> = recs.iter().map(published).collect();
    let d = |s: &str| Dec::parse(s);
    assert_eq!(got, [None, d("7.5"), d("0"), d("10"), d("0.5")]);
    // negative, above the statutory time, or not a number: refused, naming column and value
    let (recs, errs) = procedures(
        "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc,thoi_han_cong_bo\n\
P1,A,10,toan_trinh,-1\nP2,B,10,toan_trinh,10.5\nP3,C,10,toan_trinh,bay\nP4,D,10,toan_trinh,4\n",
    );
    assert_eq!(recs.len(), 1, "{recs:?}");
    let seen: Vec<(usize, &str, &str)> = errs
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (2, "thoi_han_cong_bo", "-1"),
            (3, "thoi_han_cong_bo", "10.5"),
            (4, "thoi_han_cong_bo", "bay")
        ]
    );
    assert!(errs[0].vi.contains("không được âm"), "{errs:?}");
    assert!(
        errs[1].vi.contains("dài hơn thời hạn quy định") && errs[1].en.contains("exceed"),
        "{errs:?}"
    );
}

#[test]
fn every_text_column_has_a_maximum_length_named_in_the_error() {
    use crate::columns::{MAX_CODE, MAX_NOTE};
    // a dossier code one over: refused by the full checks, and the shortcut leaves it to them
    let long = "H".repeat(MAX_CODE + 1);
    let e = dossier_errors(&format!(
        "{long},H01,1.000001,2023-01-02T08:00:00,2023-01-05T17:00:00,,truc_tiep,dang_xu_ly"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].vi.contains(&format!("tối đa của cột ({MAX_CODE} ký tự)")),
        "{e:?}"
    );
    assert!(
        e[0].value.chars().count() <= 41,
        "the error does not repeat the whole value"
    );
    let fields: [&str; crate::rows::dossier::DOSSIER_FIELDS] = [
        &long,
        "H01",
        "1.000001",
        "2023-01-02T08:00:00",
        "2023-01-05T17:00:00",
        "",
        "truc_tiep",
        "dang_xu_ly",
    ];
    assert!(crate::rows::dossier::dossier_plain_fields(&fields, &Fake).is_none());
    let ok = dossier_errors(&format!(
        "{},H01,1.000001,2023-01-02T08:00:00,2023-01-05T17:00:00,,truc_tiep,dang_xu_ly",
        &long[1..]
    ));
    assert!(ok.is_empty(), "{ok:?}");
    // a note of 2,001 characters with diacritics (counted in characters, not bytes)
    let note = "ễ".repeat(MAX_NOTE + 1);
    let e = value_errors(&format!("H01,sang_kien,2023,,,3,{note}"));
    assert!(
        e.iter()
            .any(|e| e.column.contains("ghi_chu") && e.vi.contains("2000 ký tự")),
        "{e:?}"
    );
    assert!(value_errors(&format!("H01,sang_kien,2023,,,3,{}", &note[..MAX_NOTE * 3])).is_empty());
    // a unit name over 255 characters
    let (_, e, _) = read(
        ImportKind::Units,
        format!("ma_don_vi,ten_don_vi,cap\nH09,{},huyen\n", "a".repeat(256)).as_bytes(),
    )
    .unwrap();
    assert!(e[0].vi.contains("255 ký tự"), "{e:?}");
}
