//! The caps on what one imported file may hold (ARCHITECTURE.md, "Bounded reading"). A file
//! over a cap is refused whole (`FileError::TooLarge`), found out while streaming and before
//! anything is allocated for the part over the cap, so that a small file that inflates to
//! gigabytes costs bounded memory and time.

/// Entries in an XLSX (ZIP) archive. Excel writes a dozen or two.
pub const XLSX_MAX_ENTRIES: u64 = 1_000;
/// Inflated bytes of one XLSX part (ZIP entry) other than a sheet: declared and actually
/// inflated. Shared strings, styles and the rest are held in memory by the reader.
pub const XLSX_MAX_PART_BYTES: u64 = 256 << 20;
/// Inflated bytes of one sheet (`xl/worksheets/*`), which is read as a stream: a full
/// Excel grid of our widest import (1,048,575 dossiers, 8 columns) is ~540 MB as Excel and
/// rust_xlsxwriter write it; 2 GiB leaves room for verbose writers.
pub const XLSX_MAX_SHEET_BYTES: u64 = 2 << 30;
/// Inflated bytes of all XLSX parts together.
pub const XLSX_MAX_TOTAL_BYTES: u64 = (2 << 30) + (512 << 20);
/// Shared strings (`<si>` items, and the `count`/`uniqueCount` a file announces).
pub const XLSX_MAX_SHARED_STRINGS: u64 = 1_000_000;
/// Bytes of text of all shared strings together.
pub const XLSX_MAX_SHARED_TEXT: u64 = 64 << 20;
/// One XML tag, comment or run of text between two tags, in bytes as written.
pub const XLSX_MAX_XML_RUN: u64 = 1 << 20;
/// Rows of a sheet (Excel's own grid).
pub const MAX_ROWS: u64 = 1_048_576;
/// Columns of a sheet (Excel's own grid, A to XFD) or fields of a CSV line.
pub const MAX_COLUMNS: u64 = 16_384;
/// UTF-8 bytes of one cell's or one CSV field's text: every text column of every import.
/// Excel holds at most 32 767 characters in a cell, at most 4 bytes each.
pub const MAX_CELL_BYTES: u64 = 128 << 10;
/// Bytes of one CSV line (a record, with the line breaks inside its quoted fields).
pub const CSV_MAX_LINE_BYTES: u64 = 1 << 20;

/// Which cap a file went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    XlsxEntries,
    XlsxPart,
    XlsxSheet,
    XlsxTotal,
    SharedStrings,
    SharedText,
    XmlRun,
    Rows,
    Columns,
    CellText,
    CsvLine,
    CsvFields,
}

impl Limit {
    /// The cap's value.
    pub fn value(self) -> u64 {
        match self {
            Limit::XlsxEntries => XLSX_MAX_ENTRIES,
            Limit::XlsxPart => XLSX_MAX_PART_BYTES,
            Limit::XlsxSheet => XLSX_MAX_SHEET_BYTES,
            Limit::XlsxTotal => XLSX_MAX_TOTAL_BYTES,
            Limit::SharedStrings => XLSX_MAX_SHARED_STRINGS,
            Limit::SharedText => XLSX_MAX_SHARED_TEXT,
            Limit::XmlRun => XLSX_MAX_XML_RUN,
            Limit::Rows => MAX_ROWS,
            Limit::Columns | Limit::CsvFields => MAX_COLUMNS,
            Limit::CellText => MAX_CELL_BYTES,
            Limit::CsvLine => CSV_MAX_LINE_BYTES,
        }
    }

    /// What is capped, in Vietnamese and English, with the cap.
    pub fn describe(self) -> (String, String) {
        let n = self.value();
        let size = human(n);
        match self {
            Limit::XlsxEntries => (
                format!("số thành phần trong tệp XLSX (tối đa {n})"),
                format!("entries in the XLSX archive (at most {n})"),
            ),
            Limit::XlsxPart => (
                format!("dung lượng giải nén của một thành phần XLSX (tối đa {size})"),
                format!("inflated size of one XLSX part (at most {size})"),
            ),
            Limit::XlsxSheet => (
                format!("dung lượng giải nén của một trang tính XLSX (tối đa {size})"),
                format!("inflated size of one XLSX sheet (at most {size})"),
            ),
            Limit::XlsxTotal => (
                format!("tổng dung lượng giải nén của tệp XLSX (tối đa {size})"),
                format!("total inflated size of the XLSX file (at most {size})"),
            ),
            Limit::SharedStrings => (
                format!("số chuỗi dùng chung (shared strings) (tối đa {n})"),
                format!("number of shared strings (at most {n})"),
            ),
            Limit::SharedText => (
                format!("tổng độ dài các chuỗi dùng chung (tối đa {size})"),
                format!("total length of the shared strings (at most {size})"),
            ),
            Limit::XmlRun => (
                format!("độ dài một thẻ hoặc đoạn văn bản XML (tối đa {size})"),
                format!("length of one XML tag or text run (at most {size})"),
            ),
            Limit::Rows => (
                format!("số dòng của trang tính (tối đa {n})"),
                format!("rows in a sheet (at most {n})"),
            ),
            Limit::Columns => (
                format!("số cột của trang tính (tối đa {n})"),
                format!("columns in a sheet (at most {n})"),
            ),
            Limit::CellText => (
                format!("độ dài nội dung một ô (tối đa {size})"),
                format!("length of one cell's text (at most {size})"),
            ),
            Limit::CsvLine => (
                format!("độ dài một dòng CSV (tối đa {size})"),
                format!("length of one CSV line (at most {size})"),
            ),
            Limit::CsvFields => (
                format!("số trường trên một dòng CSV (tối đa {n})"),
                format!("fields on one CSV line (at most {n})"),
            ),
        }
    }

    /// An I/O error carrying this cap, for readers that can only fail with one; `FileError::io`
    /// turns it back into `FileError::TooLarge`.
    pub fn io(self) -> std::io::Error {
        std::io::Error::other(Exceeded(self))
    }

    /// The cap an I/O error made by `Limit::io` carries.
    pub fn of_io(e: &std::io::Error) -> Option<Limit> {
        e.get_ref()?.downcast_ref::<Exceeded>().map(|x| x.0)
    }
}

/// The payload of `Limit::io`.
#[derive(Debug)]
struct Exceeded(Limit);

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.describe().1)
    }
}

impl std::error::Error for Exceeded {}

fn human(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}
