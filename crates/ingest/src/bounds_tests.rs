//! Hostile files: each bomb is built here, in memory, and must be refused with its cap
//! named, quickly and in bounded memory (issue 13).

use crate::limits::{self, Limit};
use crate::table::{read_table, Cell};
use crate::FileError;
use std::io::{Cursor, Write};

/// Writes a part's content.
pub(crate) type Writer = Box<dyn FnOnce(&mut dyn Write)>;

/// An archive with `parts`, each written by its closure (so that a part of hundreds of
/// mebibytes is never whole in memory).
pub(crate) fn zip_of(parts: Vec<(&str, Writer)>) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, write) in parts {
        z.start_file(name, opts).unwrap();
        write(&mut z);
    }
    z.finish().unwrap().into_inner()
}

/// `head`, then `body` `times` times, then `tail`.
pub(crate) fn repeated(head: &str, body: &str, times: usize, tail: &str) -> Writer {
    let per = 1024.min(times.max(1));
    let (head, one, body, tail) = (
        head.to_string(),
        body.to_string(),
        body.repeat(per),
        tail.to_string(),
    );
    Box::new(move |w: &mut dyn Write| {
        w.write_all(head.as_bytes()).unwrap();
        for _ in 0..times / per {
            w.write_all(body.as_bytes()).unwrap();
        }
        for _ in 0..times % per {
            w.write_all(one.as_bytes()).unwrap();
        }
        w.write_all(tail.as_bytes()).unwrap();
    })
}

fn one(name: &'static str, content: String) -> Vec<u8> {
    zip_of(vec![(
        name,
        Box::new(move |w: &mut dyn Write| w.write_all(content.as_bytes()).unwrap()),
    )])
}

/// Reads `bytes` as a table, counting rows.
fn read(bytes: Vec<u8>) -> Result<usize, FileError> {
    let mut rows = 0;
    read_table(Cursor::new(bytes), &mut |_| Ok(()), &mut |_, _: &[Cell]| {
        rows += 1
    })?;
    Ok(rows)
}

#[track_caller]
fn refused(bytes: Vec<u8>, limit: Limit) {
    let t = std::time::Instant::now();
    match read(bytes) {
        Err(FileError::TooLarge(l)) => assert_eq!(l, limit),
        other => panic!("expected {limit:?}, got {other:?}"),
    }
    let e = FileError::TooLarge(limit).message();
    assert!(
        e.vi.contains("vượt giới hạn") && e.en.contains("exceeds a limit"),
        "{e:?}"
    );
    assert!(t.elapsed().as_secs() < 20, "refused in {:?}", t.elapsed());
}

const SST: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
const SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;

#[test]
fn the_message_names_the_cap() {
    let m = FileError::TooLarge(Limit::SharedStrings).message();
    assert!(
        m.vi.contains("chuỗi dùng chung") && m.vi.contains("1000000"),
        "{m:?}"
    );
    assert!(
        m.en.contains("shared strings") && m.en.contains("1000000"),
        "{m:?}"
    );
    let m = FileError::TooLarge(Limit::XlsxPart).message();
    assert!(m.en.contains("256 MiB"), "{m:?}");
}

#[test]
fn a_shared_strings_part_that_inflates_to_gigabytes_is_refused() {
    // 2 GiB of shared strings in a 2 MB file: the part's size is over its cap
    let sst = |n: usize| repeated(&format!("{SST}<si><t>"), "a", n, "</t></si></sst>");
    refused(
        zip_of(vec![("xl/sharedStrings.xml", sst(2 << 30))]),
        Limit::XlsxPart,
    );
    // one string of 10 MiB: over the cell cap
    refused(
        zip_of(vec![("xl/sharedStrings.xml", sst(10 << 20))]),
        Limit::CellText,
    );
    // many strings of 100 KiB each: over the total of the shared strings
    let s = "b".repeat(100 << 10);
    refused(
        zip_of(vec![(
            "xl/sharedStrings.xml",
            repeated(SST, &format!("<si><t>{s}</t></si>"), 1000, "</sst>"),
        )]),
        Limit::SharedText,
    );
}

#[test]
fn fifty_million_tiny_shared_strings_are_refused_at_the_count() {
    let tiny = |n: usize| {
        zip_of(vec![(
            "xl/sharedStrings.xml",
            repeated(SST, "<si><t>x</t></si>", n, "</sst>"),
        )])
    };
    // 50 million: 850 MB inflated, over the part's cap
    refused(tiny(50_000_000), Limit::XlsxPart);
    // 2 million: within the part's cap, over the count
    refused(tiny(2_000_000), Limit::SharedStrings);
    // the count a file announces is checked too: calamine reserves room for it
    refused(
        one(
            "xl/sharedStrings.xml",
            r#"<sst count="50000000" uniqueCount="50000000">"#.to_string(),
        ),
        Limit::SharedStrings,
    );
}

#[test]
fn a_huge_inline_string_is_refused() {
    let inline = |n: usize| {
        zip_of(vec![(
            "xl/worksheets/sheet1.xml",
            repeated(
                &format!(r#"{SHEET}<row r="1"><c r="A1" t="inlineStr"><is><t>"#),
                "z",
                n,
                "</t></is></c></row></sheetData></worksheet>",
            ),
        )])
    };
    // Found at the cell's cap, long before the sheet's.
    refused(inline(1 << 30), Limit::CellText);
    refused(inline(1 << 20), Limit::CellText);
}

#[test]
fn too_many_rows_or_columns_are_refused() {
    let sheet = |rows: &str| {
        one(
            "xl/worksheets/sheet1.xml",
            format!("{SHEET}{rows}</sheetData></worksheet>"),
        )
    };
    refused(
        sheet(r#"<row r="1048577"><c r="A1048577"><v>1</v></c></row>"#),
        Limit::Rows,
    );
    refused(sheet(r#"<row><c r="A9999999"><v>1</v></c></row>"#), Limit::Rows);
    refused(
        sheet(r#"<row r="1"><c r="XFE1"><v>1</v></c></row>"#),
        Limit::Columns,
    );
    refused(
        sheet(r#"<row r="1"><c r="AAAAAAAAAAAAAAAAAAAAAA1"/></row>"#),
        Limit::Columns,
    );
    // rows and cells without references count one by one
    refused(
        zip_of(vec![(
            "xl/worksheets/sheet1.xml",
            repeated(&format!("{SHEET}<row>"), "<c/>", 16_385, "</row>"),
        )]),
        Limit::Columns,
    );
    refused(
        zip_of(vec![(
            "xl/worksheets/sheet1.xml",
            repeated(SHEET, "<row/>", 1_048_577, ""),
        )]),
        Limit::Rows,
    );
}

#[test]
fn a_huge_tag_or_text_run_is_refused() {
    let big = "q".repeat(2 << 20);
    refused(
        one("xl/styles.xml", format!(r#"<styleSheet a="{big}"/>"#)),
        Limit::XmlRun,
    );
    // `>` inside an attribute value does not end the tag
    refused(
        one(
            "xl/styles.xml",
            format!(r#"<styleSheet a="{}"/>"#, ">".repeat(2 << 20)),
        ),
        Limit::XmlRun,
    );
    refused(
        one("xl/styles.xml", format!("<styleSheet>{big}</styleSheet>")),
        Limit::XmlRun,
    );
    refused(one("xl/styles.xml", format!("<!--{big}-->")), Limit::XmlRun);
}

#[test]
fn a_part_over_its_cap_is_refused_whatever_size_it_declares() {
    // honest: the declared size is over the cap
    let bomb = zip_of(vec![(
        "xl/styles.xml",
        repeated(SHEET, &format!("{}<x/>", " ".repeat(4000)), 70_000, ""),
    )]);
    refused(bomb.clone(), Limit::XlsxPart);
    // lying: the sizes in the archive say 1000 bytes; the inflated bytes are counted (and the
    // zip crate refuses an entry longer than it says, before our count gets to the cap)
    let mut lying = bomb;
    lie_about_sizes(&mut lying, 1000);
    match read(lying) {
        Err(FileError::Xlsx(e)) => assert!(e.contains("larger than its declared"), "{e}"),
        other => panic!("{other:?}"),
    }
}

/// Sets every uncompressed size in the local headers and the central directory to `size`.
fn lie_about_sizes(zip: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 4 <= zip.len() {
        match &zip[i..i + 4] {
            b"PK\x03\x04" => zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes()),
            b"PK\x01\x02" => zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes()),
            _ => {}
        }
        i += 1;
    }
}

#[test]
fn too_many_entries_are_refused() {
    let parts = (0..limits::XLSX_MAX_ENTRIES + 1)
        .map(|i| {
            let name: &'static str = Box::leak(format!("x/{i}.bin").into_boxed_str());
            (name, Box::new(|_: &mut dyn Write| {}) as Writer)
        })
        .collect();
    refused(zip_of(parts), Limit::XlsxEntries);
}

#[test]
fn a_normal_workbook_passes_the_checks() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "ma_don_vi").unwrap();
    ws.write_string(0, 1, "ghi_chu").unwrap();
    for r in 1..200 {
        ws.write_string(r, 0, format!("T{r:02}")).unwrap();
        ws.write_string(r, 1, "Đơn vị <có> \"ghi chú\" & 'dấu'").unwrap();
    }
    // a cell at Excel's last column is within the cap
    ws.write_number(5, 16_383, 1.0).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert_eq!(read(bytes).unwrap(), 199);
}

#[test]
fn csv_lines_fields_and_field_lengths_are_capped() {
    let mut huge_line = b"a,b\n".to_vec();
    huge_line.extend(std::iter::repeat_n(b'x', 2 << 20));
    refused(huge_line, Limit::CsvLine);
    // a quoted field's line breaks do not end the record
    let mut quoted = b"a,b\n1,\"".to_vec();
    quoted.extend("dòng\n".repeat(300_000).as_bytes());
    quoted.extend(b"\"\n");
    refused(quoted, Limit::CsvLine);
    let mut fields = b"a,b\n".to_vec();
    fields.extend(",".repeat(limits::MAX_COLUMNS as usize).as_bytes());
    refused(fields, Limit::CsvFields);
    let long = format!("a,b\n1,{}\n", "y".repeat(limits::MAX_CELL_BYTES as usize + 1));
    refused(long.into_bytes(), Limit::CellText);
    let header = format!("a,{}\n1,2\n", "h".repeat(limits::MAX_CELL_BYTES as usize + 1));
    refused(header.into_bytes(), Limit::CellText);
}

#[test]
fn csv_quotes_are_followed_as_the_csv_crate_does() {
    // stray quotes inside unquoted fields are literal: the lines stay short records
    let mut f = b"a;b\n".to_vec();
    for i in 0..40_000 {
        f.extend(format!("{i};man hinh 5\" rong\r\n").as_bytes());
    }
    // escaped quotes and delimiters and line breaks inside quoted fields
    f.extend(b"x;\"a \"\"b\"\"; c\nd\"\n");
    assert_eq!(read(f).unwrap(), 40_001);
    // a semicolon file with a comma before a quote: the quote is literal
    let mut f = b"a;b\n".to_vec();
    for _ in 0..40_000 {
        f.extend(b"1,\"2;3\n");
    }
    assert_eq!(read(f).unwrap(), 40_000);
}

#[test]
fn a_full_grid_sheet_of_a_wide_import_is_within_the_sheet_cap() {
    // ~300 bytes a row, a million rows: above the in-memory part cap (256 MiB), as a
    // full Excel export of dossiers is (~540 MB); sheets are streamed and allowed 2 GiB.
    let cell = r#"<c t="inlineStr"><is><t>HS0000000000123</t></is></c>"#;
    let row = format!("<row>{}</row>", cell.repeat(6));
    let sheet = repeated(SHEET, &row, 1_000_000, "</sheetData></worksheet>");
    let bytes = zip_of(vec![("xl/worksheets/sheet1.xml", sheet)]);
    crate::xlsx_guard::check_xlsx(&mut Cursor::new(bytes)).unwrap();
}

// The sheet above is over the in-memory cap, and a full grid of dossiers within the sheet's.
const _: () = assert!(limits::XLSX_MAX_SHEET_BYTES > 540 << 20 && limits::XLSX_MAX_PART_BYTES < 300 << 20);

/// Issue 13: a header line over 8 MiB was refused as "a header but no data rows" by the
/// dossier hot path; it is a line over the line cap, and says so.
#[test]
fn an_oversized_header_line_is_refused_as_a_long_line() {
    use crate::columns::ImportKind;
    use crate::dossier::layout::fast_layout;
    let mut head =
        b"ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai,".to_vec();
    head.resize(head.len() + (9 << 20), b'x');
    head.extend_from_slice(b"\nA1,H01,1,2023-01-02T08:00:00,2023-01-05T17:00:00,,truc_tiep,dang_xu_ly\n");
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&head).unwrap();
    std::io::Seek::rewind(&mut f).unwrap();
    match fast_layout(&mut f, ImportKind::Dossiers) {
        Err(FileError::TooLarge(Limit::CsvLine)) => {}
        other => panic!("expected the line cap, got {other:?}"),
    }
    // the general reader says the same
    refused(head, Limit::CsvLine);
    // and a header alone, short, is still "no data rows"
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(b"ma_ho_so,ma_don_vi").unwrap();
    std::io::Seek::rewind(&mut f).unwrap();
    assert!(matches!(
        fast_layout(&mut f, ImportKind::Dossiers),
        Err(FileError::NoDataRows)
    ));
}
