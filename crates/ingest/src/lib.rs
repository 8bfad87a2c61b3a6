//! Imports of units, heads, procedures, dossiers and values from CSV and XLSX
//! (FORMATS.md): reading, header matching, and validation of each row into domain records.
//! No database here: the store writes what this crate accepts.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod columns;
pub mod dossier;
pub mod fast;
pub mod limits;
pub mod report;
pub mod rows;
pub mod stats;
pub mod table;
pub mod values;
mod xlsx_guard;

#[cfg(test)]
mod bounds_tests;
#[cfg(test)]
mod fuzz_tests;

pub use columns::{Columns, Field, ImportKind};
pub use report::{ImportReport, RowError};
use thidua_domain::msg::Msg;

/// A file that cannot be read as a table at all.
#[derive(Debug)]
pub enum FileError {
    Io(std::io::Error),
    Empty,
    OldExcel,
    NotTable,
    NotUtf8,
    NotUtf8At(usize),
    Csv(String),
    Xlsx(String),
    MissingColumns(Vec<(&'static str, &'static str)>),
    NoDataRows,
    DuplicateColumn(String),
    /// The file goes over one of the caps of `limits`: refused whole, whatever else it holds.
    TooLarge(limits::Limit),
}

impl FileError {
    /// What went wrong, in Vietnamese for the user and English for the log.
    pub fn message(&self) -> Msg {
        let (vi, en) = match self {
            FileError::Io(e) => ("không đọc được tệp".into(), format!("cannot read the file: {e}")),
            FileError::Empty => (
                "tệp rỗng, không có dòng tiêu đề".into(),
                "the file is empty (no header row)".into(),
            ),
            FileError::OldExcel => (
                "tệp Excel 97-2003 (.xls) không được hỗ trợ, hãy lưu thành .xlsx".into(),
                "Excel 97-2003 (.xls) is not supported, save it as .xlsx".into(),
            ),
            FileError::NotTable => (
                "tệp không phải CSV hoặc XLSX".into(),
                "the file is neither CSV nor XLSX".into(),
            ),
            FileError::NotUtf8 => (
                "tệp CSV phải mã hóa UTF-8".into(),
                "a CSV file must be UTF-8 encoded".into(),
            ),
            FileError::NotUtf8At(n) => (
                format!("tệp CSV phải mã hóa UTF-8 (lỗi ở dòng {n})"),
                format!("a CSV file must be UTF-8 encoded (bad bytes on line {n})"),
            ),
            FileError::Csv(e) => ("tệp CSV không hợp lệ".into(), format!("invalid CSV: {e}")),
            FileError::Xlsx(e) => ("tệp XLSX không đọc được".into(), format!("unreadable XLSX: {e}")),
            FileError::MissingColumns(c) => (
                format!("thiếu cột bắt buộc: {}", vi_list(c)),
                format!("missing required column(s): {}", en_list(c)),
            ),
            FileError::NoDataRows => (
                "tệp không có dòng dữ liệu nào".into(),
                "the file has a header but no data rows".into(),
            ),
            FileError::DuplicateColumn(c) => (
                format!("cột «{c}» xuất hiện hai lần"),
                format!("column '{c}' appears twice"),
            ),
            FileError::TooLarge(limit) => {
                let (vi, en) = limit.describe();
                (
                    format!("tệp bị từ chối vì vượt giới hạn: {vi}"),
                    format!("the file is refused, it exceeds a limit: {en}"),
                )
            }
        };
        Msg::new(vi, en)
    }
}

impl FileError {
    /// An I/O error as a file error: one that carries a cap (`limits::Limit::io`) is
    /// `TooLarge`.
    pub fn io(e: std::io::Error) -> FileError {
        match limits::Limit::of_io(&e) {
            Some(limit) => FileError::TooLarge(limit),
            None => FileError::Io(e),
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for FileError {}

fn vi_list(cols: &[(&str, &str)]) -> String {
    cols.iter()
        .map(|(code, vi)| format!("{vi} ({code})"))
        .collect::<Vec<_>>()
        .join(", ")
}
fn en_list(cols: &[(&str, &str)]) -> String {
    cols.iter()
        .map(|(code, _)| code.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
