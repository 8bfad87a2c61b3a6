//! The parsers fed hostile input (issue 13): valid files mutated (bytes flipped, inserted,
//! deleted, runs duplicated, truncated) and random bytes. Each must end in `Ok` or a clean
//! error, never a panic, within bounded time. A few dozen cases per property in the normal
//! run (`PROPTEST_CASES` overrides it); `scripts/fuzz.sh` runs many more.

use crate::limits::Limit;
use crate::rows::{parse_row, Lookup};
use crate::table::{read_table, Cell};
use crate::values::{bad, Bad};
use crate::{Columns, ImportKind};
use proptest::prelude::*;
use std::io::{Cursor, Write};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use thidua_domain::plan::{Plan, ValueRule};

/// Cases per property: `PROPTEST_CASES`, else 48.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// What a mutated file may take at most (generous: debug builds on a shared machine).
const BOUND: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    /// Copies `len` bytes from `from` to `to`.
    Duplicate(usize, usize, usize),
    Truncate(usize),
}

/// Bytes that mean something to one of the parsers.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b",",
    b";",
    b"\n",
    b"\r",
    b"\r\n",
    b"<",
    b">",
    b"/>",
    b"&",
    b"&amp;",
    b"&#x0;",
    b"'",
    b"=",
    b"\xff",
    b"\xc3",
    b"\0",
    b"\xEF\xBB\xBF",
    b"<si>",
    b"</si>",
    b"<t>",
    b"<row>",
    b"<c r=\"XFD1048576\">",
    b"<c r=\"A1\" t=\"s\"><v>99999999</v></c>",
    b"<c t=\"inlineStr\"><is><t>",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?",
    b"?>",
    b"[",
    b"]",
    b"]]",
    b"[[",
    b"=",
    b"\"\"\"",
    b"'''",
    b"1e999",
    b"-0",
    b"9999999999999999999999",
    b"2023-02-30",
    b"nan",
    b"inf",
    b"{",
    b"}",
    b"#",
    b"\\u{0}",
    b"\\",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Flip(at, b)),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(at, t)| Edit::Insert(at, t.to_vec())),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), any::<usize>(), 1usize..256).prop_map(|(f, t, n)| Edit::Duplicate(f, t, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..8)
}

fn apply(base: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut v = base.to_vec();
    for e in edits {
        let len = v.len().max(1);
        match e {
            Edit::Flip(at, b) => {
                if !v.is_empty() {
                    v[at % len] ^= b | 1;
                }
            }
            Edit::Insert(at, bytes) => {
                let at = at % (v.len() + 1);
                v.splice(at..at, bytes.iter().copied());
            }
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(v.len());
                if at < end {
                    v.drain(at..end);
                }
            }
            Edit::Duplicate(from, to, n) => {
                let from = from % len;
                let end = (from + n).min(v.len());
                let piece: Vec<u8> = v.get(from..end).unwrap_or(&[]).to_vec();
                let to = to % (v.len() + 1);
                v.splice(to..to, piece);
            }
            Edit::Truncate(at) => v.truncate(at % (v.len() + 1)),
        }
    }
    v
}

struct Any;
impl Lookup for Any {
    fn unit_known(&self, code: &str) -> bool {
        code.starts_with('T') || code.starts_with('H')
    }
    fn tier(&self, label: &str) -> Option<String> {
        plan().resolve_tier(label).map(|t| t.code.clone())
    }
    fn value_rule(&self, code: &str) -> Result<ValueRule, Bad> {
        match plan().indicator(code) {
            Some(i) => Ok(i.value_rule()),
            None => Err(bad("không có chỉ tiêu", "unknown indicator")),
        }
    }
    fn procedure_known(&self, code: &str) -> bool {
        code.starts_with('1')
    }
}

fn plan() -> &'static Plan {
    static P: OnceLock<Plan> = OnceLock::new();
    P.get_or_init(Plan::built_in)
}

/// Reads `bytes` as each import kind, validating every row: whatever the outcome, it must
/// not panic, and must end within `BOUND`.
fn read_all_kinds(bytes: &[u8]) {
    for kind in ImportKind::ALL {
        let t = Instant::now();
        let cols: std::cell::OnceCell<Columns> = std::cell::OnceCell::new();
        let _ = read_table(
            Cursor::new(bytes),
            &mut |h| {
                let _ = cols.set(Columns::map(kind, h)?);
                Ok(())
            },
            &mut |row, cells: &[Cell]| {
                let _ = parse_row(cols.get().unwrap(), cells, row, &Any);
            },
        );
        assert!(t.elapsed() < BOUND, "{kind:?} took {:?}", t.elapsed());
    }
}

const CSV_SEEDS: &[&str] = &[
    "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nT01,Sở Nội vụ,tinh,\nH01,\"UBND Huyện \"\"Châu\"\" Đức\",huyen,\nH01X01,UBND Xã Bình Ba,xa,H01\n",
    "ma_ho_so;ma_don_vi;ma_tthc;ngay_tiep_nhan;han_xu_ly;ngay_ket_qua;kenh_nop;trang_thai\r\nA1;T01;1.000001;2023-03-01 08:00;2023-03-10 17:00;;truc_tuyen;dang_xu_ly\r\nA2;T01;1.000001;01/03/2023;10/03/2023;03/03/2023 09:00;truc_tiep;da_tra_ket_qua\r\n",
    "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nH01,sang_kien,2023-08,,,1,\"ghi chú,\nnhiều dòng\"\nT01,ty_le_ho_so_dung_han,2023,3,4,,\n",
    "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nT01,Nguyễn Văn An,Giám đốc,2020-01-01,\nH01,Trần Thị Bình,Chủ tịch UBND,2019-05-01,2023-06-09\n",
    "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\n1.000001,Cấp giấy phép,10,toan_trinh\n1.000002,Chứng thực,0.5,khong\n",
];

/// A small workbook as Excel files are: shared strings, numbers, a date, a formula.
fn xlsx_seed() -> &'static [u8] {
    static X: OnceLock<Vec<u8>> = OnceLock::new();
    X.get_or_init(|| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        for (c, h) in [
            "ma_don_vi",
            "ma_chi_tieu",
            "ky",
            "tu_so",
            "mau_so",
            "gia_tri",
            "ngay",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for r in 1..4u32 {
            ws.write_string(r, 0, "H01").unwrap();
            ws.write_string(r, 1, "sang_kien").unwrap();
            ws.write_string(r, 2, "2023-08").unwrap();
            ws.write_number(r, 5, f64::from(r)).unwrap();
            ws.write_formula(r, 4, "=1+1").unwrap();
            ws.write_datetime_with_format(
                r,
                6,
                rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 3, r as u8).unwrap(),
                &date,
            )
            .unwrap();
        }
        wb.save_to_buffer().unwrap()
    })
}

/// The seed's parts, uncompressed: mutating these reaches the XML parsers, where mutating
/// the compressed bytes mostly stops at a checksum.
fn xlsx_parts() -> &'static [(String, Vec<u8>)] {
    static P: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    P.get_or_init(|| {
        let mut z = zip::ZipArchive::new(Cursor::new(xlsx_seed())).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut v = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut v).unwrap();
                (f.name().unwrap().to_string(), v)
            })
            .collect()
    })
}

fn zip_parts(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn csv_mutated(seed in 0..CSV_SEEDS.len(), e in edits()) {
        read_all_kinds(&apply(CSV_SEEDS[seed].as_bytes(), &e));
    }

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        read_all_kinds(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = Plan::from_toml(&text);
    }

    #[test]
    fn xlsx_mutated_whole(e in edits()) {
        read_all_kinds(&apply(xlsx_seed(), &e));
    }

    #[test]
    fn xlsx_mutated_parts(part in any::<prop::sample::Index>(), e in edits()) {
        let mut parts = xlsx_parts().to_vec();
        let i = part.index(parts.len());
        parts[i].1 = apply(&parts[i].1, &e);
        read_all_kinds(&zip_parts(&parts));
    }

    #[test]
    fn plan_mutated(two_tier in any::<bool>(), e in edits()) {
        let base = if two_tier {
            thidua_domain::plan::EXAMPLE_2025_TWO_TIER
        } else {
            thidua_domain::plan::BUILT_IN_2023
        };
        let text = String::from_utf8_lossy(&apply(base.as_bytes(), &e)).into_owned();
        let t = Instant::now();
        let _ = Plan::from_toml(&text);
        prop_assert!(t.elapsed() < BOUND, "took {:?}", t.elapsed());
    }
}

/// Found by `xlsx_mutated_parts`: digits inserted at the start of a cell reference made
/// calamine's row arithmetic overflow (a panic in debug builds). Such references, and the
/// like in the sheet's dimension and a shared formula's range, are refused before calamine.
#[test]
fn regression_cell_reference_overflowing_calamine() {
    for (sheet, limit) in [
        (
            r#"<row r="4"><c r="9999999999999999999999F4"><v>1</v></c></row>"#,
            Limit::Rows,
        ),
        (
            r#"<row r="4"><c r="ABCDEFGHIJ4"><v>1</v></c></row>"#,
            Limit::Columns,
        ),
        (r#"<row r="99999999999999999999x"/>"#, Limit::Rows),
    ] {
        let mut parts = xlsx_parts().to_vec();
        let s = parts
            .iter_mut()
            .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .unwrap();
        let text = String::from_utf8(s.1.clone()).unwrap();
        s.1 = text
            .replace("</sheetData>", &format!("{sheet}</sheetData>"))
            .into_bytes();
        match read_table(Cursor::new(zip_parts(&parts)), &mut |_| Ok(()), &mut |_, _| {}) {
            Err(crate::FileError::TooLarge(l)) => assert_eq!(l, limit, "{sheet}"),
            other => panic!("{sheet}: {other:?}"),
        }
    }
    let mut parts = xlsx_parts().to_vec();
    let s = parts
        .iter_mut()
        .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
        .unwrap();
    let text = String::from_utf8(s.1.clone()).unwrap();
    let start = text.find("<dimension ref=\"").unwrap() + 16;
    s.1 = format!("{}99999999999{}", &text[..start], &text[start..]).into_bytes();
    assert!(matches!(
        read_table(Cursor::new(zip_parts(&parts)), &mut |_| Ok(()), &mut |_, _| {}),
        Err(crate::FileError::TooLarge(Limit::Rows))
    ));
}
