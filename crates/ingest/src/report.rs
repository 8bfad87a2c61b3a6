//! The import report: every bad row with its row number, column, value and reason in
//! Vietnamese and English. Memory stays bounded: the report keeps the first `MAX_KEPT`
//! errors and counts the rest; `--errors-out` streams all of them to a file as they occur.

use crate::columns::ImportKind;

pub const MAX_KEPT: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// Row number in the file (the header is row 1).
    pub row: usize,
    /// The column's header as written in the file.
    pub column: String,
    pub value: String,
    pub vi: String,
    pub en: String,
}

#[derive(Debug, Clone)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub rows_read: u64,
    pub rows_ok: u64,
    /// Rows with at least one error.
    pub rows_bad: u64,
    /// The first `MAX_KEPT` errors.
    pub errors: Vec<RowError>,
    /// Errors beyond `errors`, counted only.
    pub errors_not_kept: u64,
    pub unknown_columns: Vec<String>,
    /// Dossiers whose procedure is not in the catalogue (accepted, counted).
    pub unknown_procedures: u64,
    /// Whether anything was written.
    pub committed: bool,
    /// Values written after their period's deadline by the office or the command line
    /// (allowed, and recorded as late in the audit log).
    pub late_rows: u64,
}

impl ImportReport {
    pub fn new(kind: ImportKind) -> ImportReport {
        ImportReport {
            kind,
            rows_read: 0,
            rows_ok: 0,
            rows_bad: 0,
            errors: Vec::new(),
            errors_not_kept: 0,
            unknown_columns: Vec::new(),
            unknown_procedures: 0,
            committed: false,
            late_rows: 0,
        }
    }

    pub fn push(&mut self, e: RowError) {
        if self.errors.len() < MAX_KEPT {
            self.errors.push(e);
        } else {
            self.errors_not_kept += 1;
        }
    }

    pub fn error_count(&self) -> u64 {
        self.errors.len() as u64 + self.errors_not_kept
    }

    /// One line for the terminal, in Vietnamese then English.
    pub fn summary(&self) -> String {
        let what = self.kind.vi();
        let vi = if self.committed {
            format!(
                "Đã nhập {} dòng {what}; {} dòng lỗi bị bỏ qua",
                self.rows_ok, self.rows_bad
            )
        } else {
            format!(
                "Không nhập gì: {} dòng lỗi trên {} dòng {what}",
                self.rows_bad, self.rows_read
            )
        };
        let en = if self.committed {
            format!(
                "imported {} {} rows; {} bad rows skipped",
                self.rows_ok,
                self.kind.code(),
                self.rows_bad
            )
        } else {
            format!(
                "nothing imported: {} bad rows of {} {} rows",
                self.rows_bad,
                self.rows_read,
                self.kind.code()
            )
        };
        let mut s = format!("{vi} / {en}");
        if self.unknown_procedures > 0 {
            s.push_str(&format!(
                "; {} hồ sơ có mã TTHC không có trong danh mục / {} dossiers with a procedure code not in the catalogue",
                self.unknown_procedures, self.unknown_procedures
            ));
        }
        if !self.unknown_columns.is_empty() {
            s.push_str(&format!(
                "; cột bỏ qua / ignored columns: {}",
                self.unknown_columns.join(", ")
            ));
        }
        s
    }
}

/// Writes error rows as CSV (UTF-8 with BOM so that Excel shows the diacritics).
pub struct ErrorCsv<W: std::io::Write> {
    w: csv::Writer<W>,
}

impl<W: std::io::Write> ErrorCsv<W> {
    pub fn new(mut inner: W) -> std::io::Result<ErrorCsv<W>> {
        inner.write_all(b"\xEF\xBB\xBF")?;
        let mut w = csv::Writer::from_writer(inner);
        w.write_record(["dong", "cot", "gia_tri", "ly_do", "reason"])?;
        Ok(ErrorCsv { w })
    }
    pub fn write(&mut self, e: &RowError) -> std::io::Result<()> {
        // The column and value come from the user's file: shown, never run as a formula.
        use thidua_domain::text::spreadsheet_safe as safe;
        let row = e.row.to_string();
        self.w
            .write_record([row.as_str(), &safe(&e.column), &safe(&e.value), &e.vi, &e.en])?;
        Ok(())
    }
    pub fn finish(mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}
