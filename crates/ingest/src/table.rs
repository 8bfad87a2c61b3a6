//! Reading a spreadsheet-like file row by row: CSV (UTF-8 with or without BOM, `,` or `;`,
//! CRLF or LF, RFC 4180 quoting) or XLSX (first sheet, first row = headers). Streaming:
//! one row is in memory at a time, whatever the file's size.

use crate::limits::{self, Limit};
use crate::FileError;
use calamine::{DataRef, Reader, Xlsx};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

/// One cell as read: text from CSV or an XLSX string cell, or a number / date serial from XLSX.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    /// An Excel date-time serial (days since 1899-12-30, fraction = time of day).
    Serial(f64),
}

impl Cell<'_> {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            // most cells start with a visible ASCII character: no need to trim them
            Cell::Text(s) => match s.as_bytes().first() {
                Some(&c) if c > b' ' && c < 0x80 => false,
                _ => s.trim().is_empty(),
            },
            _ => false,
        }
    }
    /// How the value appears in an error report.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::Number(n) | Cell::Serial(n) => format!("{n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Looks at the first bytes: XLSX is a ZIP; old binary Excel, other binaries, non-UTF-8 text
/// and empty files are refused with a message that says what the file is.
pub fn sniff<R: Read + Seek>(r: &mut R) -> Result<Format, FileError> {
    let mut head = vec![0u8; 8192];
    let mut n = 0;
    while n < head.len() {
        let k = r.read(&mut head[n..]).map_err(FileError::Io)?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    r.seek(SeekFrom::Start(0)).map_err(FileError::Io)?;
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FileError::Empty);
    }
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Format::Xlsx);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(FileError::OldExcel);
    }
    if head.contains(&0) {
        return Err(FileError::NotTable);
    }
    match std::str::from_utf8(&head) {
        Ok(_) => Ok(Format::Csv),
        // a multi-byte character cut by the 8 KiB window is still UTF-8
        Err(e) if e.error_len().is_none() => Ok(Format::Csv),
        Err(_) => Err(FileError::NotUtf8),
    }
}

/// Reads a whole table: `on_header` once with the header row, then `on_row` with each
/// non-blank row and its 1-based row number in the file (the header is row 1).
pub fn read_table<R: Read + Seek>(
    mut r: R,
    on_header: &mut dyn FnMut(&[String]) -> Result<(), FileError>,
    on_row: &mut dyn FnMut(usize, &[Cell]),
) -> Result<Format, FileError> {
    let format = sniff(&mut r)?;
    match format {
        Format::Csv => read_csv(r, on_header, on_row)?,
        Format::Xlsx => read_xlsx(r, on_header, on_row)?,
    }
    Ok(format)
}

fn detect_delimiter(first_line: &str) -> u8 {
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for c in first_line.bytes() {
        match c {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas {
        b';'
    } else {
        b','
    }
}

fn read_csv<R: Read>(
    r: R,
    on_header: &mut dyn FnMut(&[String]) -> Result<(), FileError>,
    on_row: &mut dyn FnMut(usize, &[Cell]),
) -> Result<(), FileError> {
    let mut br = BufReader::with_capacity(1 << 16, r);
    let delimiter = {
        let buf = br.fill_buf().map_err(FileError::Io)?;
        let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
        detect_delimiter(&String::from_utf8_lossy(&buf[..end]))
    };
    let br = CsvGuard::new(br, delimiter);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(br);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    check_record(headers.iter().map(String::as_str), headers.len())?;
    on_header(&headers)?;
    let mut rec = csv::StringRecord::new();
    loop {
        let more = rdr.read_record(&mut rec).map_err(csv_error)?;
        if !more {
            break;
        }
        check_record(rec.iter(), rec.len())?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cells: Vec<Cell> = rec
            .iter()
            .map(|f| if f.is_empty() { Cell::Empty } else { Cell::Text(f) })
            .collect();
        on_row(line, &cells);
    }
    Ok(())
}

fn csv_error(e: csv::Error) -> FileError {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => {
            FileError::NotUtf8At(pos.as_ref().map(|p| p.line() as usize).unwrap_or(0))
        }
        csv::ErrorKind::Io(io) => match Limit::of_io(io) {
            Some(limit) => FileError::TooLarge(limit),
            None => FileError::Csv(e.to_string()),
        },
        _ => FileError::Csv(e.to_string()),
    }
}

/// The caps on one CSV record once read (its size is capped while reading, by `CsvGuard`).
fn check_record<'a>(mut fields: impl Iterator<Item = &'a str>, count: usize) -> Result<(), FileError> {
    if count as u64 > limits::MAX_COLUMNS {
        return Err(FileError::TooLarge(Limit::CsvFields));
    }
    if fields.any(|f| f.len() as u64 > limits::MAX_CELL_BYTES) {
        return Err(FileError::TooLarge(Limit::CellText));
    }
    Ok(())
}

/// Refuses, while reading and before the `csv` crate buffers it, a record (a line, with the
/// line breaks inside its quoted fields) longer than `CSV_MAX_LINE_BYTES`. It follows the
/// quoting as the `csv` crate does (a quote opens a quoted field only at the field's start;
/// a stray quote inside an unquoted field is literal), jumping from one delimiter, quote or
/// line break to the next with `memchr`: no work per byte.
struct CsvGuard<R> {
    inner: R,
    delimiter: u8,
    field_start: bool,
    in_quotes: bool,
    /// In a quoted field, just after a quote: an escaped quote (`""`) or the closing one.
    quote_pending: bool,
    /// Bytes of the current record read so far.
    record: u64,
}

impl<R: Read> Read for CsvGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n])?;
        Ok(n)
    }
}

impl<R> CsvGuard<R> {
    fn new(inner: R, delimiter: u8) -> Self {
        CsvGuard {
            inner,
            delimiter,
            field_start: true,
            in_quotes: false,
            quote_pending: false,
            record: 0,
        }
    }

    fn scan(&mut self, data: &[u8]) -> std::io::Result<()> {
        let (mut i, mut from) = (0, 0);
        while i < data.len() {
            if self.in_quotes {
                if self.quote_pending {
                    self.quote_pending = false;
                    if data[i] == b'"' {
                        i += 1;
                    } else {
                        self.in_quotes = false;
                    }
                    continue;
                }
                match memchr::memchr(b'"', &data[i..]) {
                    Some(k) => {
                        self.quote_pending = true;
                        i += k + 1;
                    }
                    None => i = data.len(),
                }
                continue;
            }
            if self.field_start && data[i] == b'"' {
                self.in_quotes = true;
                self.field_start = false;
                i += 1;
                continue;
            }
            let Some(k) = memchr::memchr3(self.delimiter, b'\n', b'\r', &data[i..]) else {
                self.field_start = false;
                break;
            };
            let end = i + k;
            if data[end] != self.delimiter {
                self.record += (end - from) as u64;
                self.check()?;
                self.record = 0;
                from = end + 1;
            }
            i = end + 1;
            self.field_start = true;
        }
        self.record += (data.len() - from) as u64;
        self.check()
    }

    fn check(&self) -> std::io::Result<()> {
        if self.record > limits::CSV_MAX_LINE_BYTES {
            return Err(Limit::CsvLine.io());
        }
        Ok(())
    }
}

fn read_xlsx<R: Read + Seek>(
    r: R,
    on_header: &mut dyn FnMut(&[String]) -> Result<(), FileError>,
    on_row: &mut dyn FnMut(usize, &[Cell]),
) -> Result<(), FileError> {
    let mut r = r;
    crate::xlsx_guard::check_xlsx(&mut r)?;
    let mut wb: Xlsx<R> = Xlsx::new(r).map_err(|e| FileError::Xlsx(e.to_string()))?;
    let sheet = wb.sheet_names().first().cloned().ok_or(FileError::Empty)?;
    let mut cells_reader = wb
        .worksheet_cells_reader(&sheet)
        .map_err(|e| FileError::Xlsx(e.to_string()))?;
    let mut row: Vec<DataRef> = Vec::new();
    let mut current: Option<u32> = None;
    let mut header: Option<Vec<String>> = None;
    let mut flush =
        |rowno: u32, row: &mut Vec<DataRef>, header: &mut Option<Vec<String>>| -> Result<(), FileError> {
            if header.is_none() {
                let h: Vec<String> = row.iter().map(|c| data_text(c).trim().to_string()).collect();
                let h = trim_trailing_empty(h);
                on_header(&h)?;
                *header = Some(h);
            } else {
                let cells: Vec<Cell> = row.iter().map(to_cell).collect();
                if !cells.iter().all(Cell::is_empty) {
                    on_row(rowno as usize + 1, &cells);
                }
            }
            row.clear();
            Ok(())
        };
    while let Some(cell) = cells_reader
        .next_cell()
        .map_err(|e| FileError::Xlsx(e.to_string()))?
    {
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(prev) = current {
                flush(prev, &mut row, &mut header)?;
            }
            current = Some(r);
        }
        // `check_xlsx` bounds the columns already; this bounds the row's allocation whatever
        // calamine makes of a cell reference
        if u64::from(c) >= limits::MAX_COLUMNS {
            return Err(FileError::TooLarge(Limit::Columns));
        }
        let c = c as usize;
        if row.len() <= c {
            row.resize(c + 1, DataRef::Empty);
        }
        row[c] = cell.get_value().clone();
    }
    if let Some(prev) = current {
        flush(prev, &mut row, &mut header)?;
    }
    if header.is_none() {
        return Err(FileError::Empty);
    }
    Ok(())
}

fn trim_trailing_empty(mut h: Vec<String>) -> Vec<String> {
    while h.last().is_some_and(|s| s.is_empty()) {
        h.pop();
    }
    h
}

fn data_text(d: &DataRef) -> String {
    match d {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format!("{f}"),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => format!("{}", d.as_f64()),
        DataRef::Error(e) => format!("{e}"),
        DataRef::Empty => String::new(),
    }
}

fn to_cell<'a>(d: &'a DataRef) -> Cell<'a> {
    match d {
        DataRef::String(s) | DataRef::DateTimeIso(s) => Cell::Text(s),
        DataRef::SharedString(s) => Cell::Text(s),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Text(if *b { "1" } else { "0" }),
        DataRef::DateTime(d) if d.is_datetime() => Cell::Serial(d.as_f64()),
        DataRef::DateTime(d) => Cell::Number(d.as_f64()),
        DataRef::DurationIso(s) => Cell::Text(s),
        DataRef::Error(_) => Cell::Text("#ERROR"),
        DataRef::Empty => Cell::Empty,
    }
}
