//! What the hot path needs to know of a file before it reads the body: whether it may read
//! it at all, its delimiter, and where each column goes.

use crate::columns::{Columns, ImportKind};
use crate::FileError;

/// What the hot path knows of a plain (quote-free) CSV file.
#[derive(Debug, Clone)]
pub struct Layout {
    pub delimiter: u8,
    pub columns: Columns,
    /// Byte offset of the first data row.
    pub body_start: usize,
}

/// `Ok(None)` when the file must take the general path: XLSX, or a quote in its first
/// mebibyte. Quotes mean fields may hold delimiters or line breaks; the hot path also checks
/// every block (`block_text`) and its callers fall back when one appears further on.
pub fn fast_layout(file: &mut std::fs::File, kind: ImportKind) -> Result<Option<Layout>, FileError> {
    use std::io::{Read, Seek};
    if crate::table::sniff(file)? != crate::table::Format::Csv {
        return Ok(None);
    }
    // The header is one line, so within the line cap (CSV_MAX_LINE_BYTES, 1 MiB).
    let cap = crate::limits::CSV_MAX_LINE_BYTES;
    let mut data = Vec::with_capacity(cap as usize);
    (&mut *file)
        .take(cap)
        .read_to_end(&mut data)
        .map_err(FileError::Io)?;
    file.rewind().map_err(FileError::Io)?;
    if has_quote(&data) {
        return Ok(None);
    }
    let start = if data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let header_end = match memchr::memchr(b'\n', &data[start..]) {
        Some(i) => start + i,
        // a header line longer than a line may be: say so, not "no data rows"
        None if data.len() as u64 == cap => return Err(FileError::TooLarge(crate::limits::Limit::CsvLine)),
        None => return Err(FileError::NoDataRows),
    };
    let header = trim_cr(&data[start..header_end]);
    let header = std::str::from_utf8(header).map_err(|_| FileError::NotUtf8At(1))?;
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    let names: Vec<String> = header
        .split(delimiter as char)
        .map(|h| h.trim().to_string())
        .collect();
    let columns = Columns::map(kind, &names)?;
    Ok(Some(Layout {
        delimiter,
        columns,
        body_start: (header_end + 1).min(data.len()),
    }))
}

impl Layout {
    /// For `for_each_line`: file column -> field number (255: not a field).
    pub fn dossier_map(&self) -> Vec<u8> {
        column_map(&self.columns)
    }
}

/// File column -> field number of `columns` (255: a column no field reads).
pub fn column_map(columns: &Columns) -> Vec<u8> {
    let mut map = vec![u8::MAX; columns.index.iter().flatten().max().map_or(0, |m| m + 1)];
    for (field, column) in columns.index.iter().enumerate() {
        if let Some(c) = column {
            map[*c] = field as u8;
        }
    }
    map
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Whether quoted fields may appear: then only the general CSV reader reads it right.
fn has_quote(data: &[u8]) -> bool {
    memchr::memchr(b'"', data).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossier::lines::for_each_row;
    use crate::dossier::temp;
    use crate::table::Cell;

    #[test]
    fn quoted_files_and_xlsx_take_the_general_path() {
        let file = temp;
        let plain = b"ma_ho_so;ma_don_vi;ma_tthc;ngay_tiep_nhan;han_xu_ly;ngay_ket_qua;kenh_nop;trang_thai\r\nA;T01;1;2023-01-01;2023-01-02;;truc_tiep;dang_xu_ly\r\n";
        let l = fast_layout(&mut file(plain), ImportKind::Dossiers)
            .unwrap()
            .unwrap();
        assert_eq!(l.delimiter, b';');
        let mut cells = Vec::new();
        let text = std::str::from_utf8(&plain[l.body_start..]).unwrap();
        let mut n = 0;
        for_each_row(text, 2, l.delimiter, &mut cells, |_, line_no, row| {
            assert_eq!((line_no, row.len(), row[5]), (2, 8, Cell::Empty));
            n += 1;
        });
        assert_eq!(n, 1);
        let quoted = b"ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\"A\",T01,1,2023-01-01,2023-01-02,,truc_tiep,dang_xu_ly\n";
        assert!(fast_layout(&mut file(quoted), ImportKind::Dossiers)
            .unwrap()
            .is_none());
        assert!(fast_layout(&mut file(b"PK\x03\x04...."), ImportKind::Dossiers)
            .unwrap()
            .is_none());
        assert!(fast_layout(&mut file(b"ma_ho_so,x\n"), ImportKind::Dossiers).is_err());
    }
}
