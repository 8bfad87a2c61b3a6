//! Imports of units, heads, procedures, dossiers and values from CSV and XLSX
//! (FORMATS.md): reading, header matching, and validation of each row into domain records.
//! No database here: the store writes what this crate accepts.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod columns;
pub mod dossier;
pub mod fast;
pub mod report;
pub mod rows;
pub mod stats;
pub mod table;
pub mod values;

pub use columns::{Columns, Field, ImportKind};
pub use report::{ImportReport, RowError};

/// A file that cannot be read as a table at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("không đọc được tệp / cannot read the file: {0}")]
    Io(std::io::Error),
    #[error("tệp rỗng, không có dòng tiêu đề / the file is empty (no header row)")]
    Empty,
    #[error("tệp Excel 97-2003 (.xls) không được hỗ trợ, hãy lưu thành .xlsx / Excel 97-2003 (.xls) is not supported, save it as .xlsx")]
    OldExcel,
    #[error("tệp không phải CSV hoặc XLSX / the file is neither CSV nor XLSX")]
    NotTable,
    #[error("tệp CSV phải mã hóa UTF-8 / a CSV file must be UTF-8 encoded")]
    NotUtf8,
    #[error("tệp CSV phải mã hóa UTF-8 (lỗi ở dòng {0}) / a CSV file must be UTF-8 encoded (bad bytes on line {0})")]
    NotUtf8At(usize),
    #[error("tệp CSV không hợp lệ / invalid CSV: {0}")]
    Csv(String),
    #[error("tệp XLSX không đọc được / unreadable XLSX: {0}")]
    Xlsx(String),
    #[error("thiếu cột bắt buộc: {} / missing required column(s): {}", vi_list(.0), en_list(.0))]
    MissingColumns(Vec<(&'static str, &'static str)>),
    #[error("tệp không có dòng dữ liệu nào / the file has a header but no data rows")]
    NoDataRows,
    #[error("cột «{0}» xuất hiện hai lần / column '{0}' appears twice")]
    DuplicateColumn(String),
}

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
