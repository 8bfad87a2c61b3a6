//! Checks an XLSX file against the caps of `limits` before calamine opens it.
//!
//! Why a pass of our own rather than a reader of our own: calamine reads the whole shared
//! strings part into memory (and reserves room for as many strings as the part announces),
//! and its XML reader buffers each tag or text run whole, so a 2 MB file can make it
//! allocate gigabytes. Replacing calamine would mean redoing its handling of styles, dates,
//! rich text and the workbook's relationships; instead this pass opens the archive itself
//! with the same `zip` crate, inflates every entry once through a counter (the declared
//! sizes are checked but never trusted), and runs a small streaming tokenizer over every
//! XML part that keeps at most one tag (`XLSX_MAX_XML_RUN`) in memory and counts shared
//! strings, their text, rows, columns and each cell's text. Only a file within every cap
//! reaches calamine, whose reading is then bounded too: the same bytes inflate the same way.
//! The price is inflating the file twice, for XLSX only (the dossier hot path is CSV).

use crate::limits::{self, Limit};
use crate::FileError;
use std::io::{Read, Seek};

/// Refuses a file over a cap (`FileError::TooLarge`) or that is not a readable ZIP.
pub(crate) fn check_xlsx<R: Read + Seek>(r: &mut R) -> Result<(), FileError> {
    let start = r.stream_position().map_err(FileError::Io)?;
    let mut zip = zip::ZipArchive::new(&mut *r).map_err(zip_error)?;
    if zip.len() as u64 > limits::XLSX_MAX_ENTRIES {
        return Err(FileError::TooLarge(Limit::XlsxEntries));
    }
    let mut total = 0u64;
    let mut chunk = vec![0u8; 64 << 10];
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            // An entry this build cannot inflate (encrypted, unknown method): calamine, with
            // the same crate, cannot inflate it either, so it costs nothing.
            Err(_) => continue,
        };
        let name = entry.name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        // Sheets are streamed by the reader; every other part is held in memory.
        let (cap, limit) = if name.starts_with("xl/worksheets/") {
            (limits::XLSX_MAX_SHEET_BYTES, Limit::XlsxSheet)
        } else {
            (limits::XLSX_MAX_PART_BYTES, Limit::XlsxPart)
        };
        if entry.size() > cap {
            return Err(FileError::TooLarge(limit));
        }
        let mut scan = (name.ends_with(".xml") || name.ends_with(".rels")).then(Scan::default);
        let mut part = 0u64;
        loop {
            let n = match entry.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(FileError::Xlsx(format!("{name}: {e}"))),
            };
            part += n as u64;
            total += n as u64;
            if part > cap {
                return Err(FileError::TooLarge(limit));
            }
            if total > limits::XLSX_MAX_TOTAL_BYTES {
                return Err(FileError::TooLarge(Limit::XlsxTotal));
            }
            if let Some(s) = scan.as_mut() {
                s.feed(&chunk[..n]).map_err(FileError::TooLarge)?;
            }
        }
    }
    drop(zip);
    r.seek(std::io::SeekFrom::Start(start)).map_err(FileError::Io)?;
    Ok(())
}

fn zip_error(e: zip::result::ZipError) -> FileError {
    match e {
        zip::result::ZipError::Io(io) => FileError::io(io),
        other => FileError::Xlsx(other.to_string()),
    }
}

/// The streaming tokenizer over one XML part: text runs are skipped with `memchr` (only
/// their lengths matter), markup is gathered into `markup` up to the run cap and looked at
/// when complete.
#[derive(Default)]
struct Scan {
    /// Inside markup (`<` seen, its end not yet).
    in_markup: bool,
    markup: Vec<u8>,
    /// Inside a tag, the quote character of the attribute value being read.
    quote: u8,
    /// Bytes of the current text run.
    run: u64,
    in_si: bool,
    in_cell: bool,
    shared_count: u64,
    shared_text: u64,
    /// Bytes of the current shared string's or cell's text.
    text: u64,
    row: u64,
    col: u64,
}

impl Scan {
    fn feed(&mut self, mut data: &[u8]) -> Result<(), Limit> {
        while !data.is_empty() {
            if !self.in_markup {
                let n = memchr::memchr(b'<', data).unwrap_or(data.len());
                self.text_bytes(n as u64)?;
                data = &data[n..];
                if data.is_empty() {
                    break;
                }
                self.in_markup = true;
                self.quote = 0;
                self.markup.clear();
            }
            // inside markup: byte by byte (tags are short) up to its end
            let mut used = data.len();
            for (i, &b) in data.iter().enumerate() {
                self.markup.push(b);
                if self.markup.len() as u64 > limits::XLSX_MAX_XML_RUN {
                    return Err(Limit::XmlRun);
                }
                let is_tag = self.markup.len() >= 2 && !matches!(self.markup[1], b'!' | b'?');
                if is_tag && (b == b'"' || b == b'\'') {
                    if self.quote == 0 {
                        self.quote = b;
                    } else if self.quote == b {
                        self.quote = 0;
                    }
                } else if b == b'>' && self.quote == 0 && self.markup_complete() {
                    used = i + 1;
                    self.in_markup = false;
                    break;
                }
            }
            data = &data[used..];
            if !self.in_markup {
                self.run = 0;
                self.markup_done()?;
            }
        }
        Ok(())
    }

    fn text_bytes(&mut self, n: u64) -> Result<(), Limit> {
        self.run += n;
        if self.run > limits::XLSX_MAX_XML_RUN {
            return Err(Limit::XmlRun);
        }
        if self.in_si || self.in_cell {
            self.text += n;
            if self.text > limits::MAX_CELL_BYTES {
                return Err(Limit::CellText);
            }
        }
        if self.in_si {
            self.shared_text += n;
            if self.shared_text > limits::XLSX_MAX_SHARED_TEXT {
                return Err(Limit::SharedText);
            }
        }
        Ok(())
    }

    /// Whether the markup gathered, ending with `>`, is whole.
    fn markup_complete(&self) -> bool {
        let m = &self.markup[..];
        if m.starts_with(b"<!--") {
            m.len() >= 7 && m.ends_with(b"-->")
        } else if m.starts_with(b"<![CDATA[") {
            m.len() >= 12 && m.ends_with(b"]]>")
        } else if m.starts_with(b"<?") {
            m.ends_with(b"?>")
        } else if m.starts_with(b"<!") {
            // a document type declaration may hold `>` inside its brackets
            let open = m.iter().filter(|&&b| b == b'[').count();
            open == m.iter().filter(|&&b| b == b']').count()
        } else {
            true
        }
    }

    fn markup_done(&mut self) -> Result<(), Limit> {
        let m = std::mem::take(&mut self.markup);
        let r = self.markup_is(&m);
        self.markup = m;
        r
    }

    fn markup_is(&mut self, m: &[u8]) -> Result<(), Limit> {
        if m.starts_with(b"<![CDATA[") {
            return self.text_bytes(m.len() as u64 - 12);
        }
        if m.len() < 3 || matches!(m[1], b'!' | b'?') {
            return Ok(());
        }
        let closing = m[1] == b'/';
        let empty = m.ends_with(b"/>");
        let body = &m[if closing { 2 } else { 1 }..m.len() - 1];
        let name_end = body
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(body.len());
        let name = &body[..name_end];
        let local = match memchr::memrchr(b':', name) {
            Some(i) => &name[i + 1..],
            None => name,
        };
        let attrs = &body[name_end..];
        match (local, closing) {
            (b"sst", false) => {
                for key in [&b"count"[..], b"uniqueCount"] {
                    if let Some(v) = attr(attrs, key) {
                        if number(v).is_some_and(|n| n > limits::XLSX_MAX_SHARED_STRINGS) {
                            return Err(Limit::SharedStrings);
                        }
                    }
                }
            }
            (b"si", false) => {
                self.shared_count += 1;
                if self.shared_count > limits::XLSX_MAX_SHARED_STRINGS {
                    return Err(Limit::SharedStrings);
                }
                self.in_si = !empty;
                self.text = 0;
            }
            (b"si", true) => self.in_si = false,
            (b"row", false) => {
                self.row = match attr(attrs, b"r") {
                    Some(r) => prefix_number(r.trim_ascii_start()),
                    None => self.row + 1,
                };
                if self.row > limits::MAX_ROWS {
                    return Err(Limit::Rows);
                }
                self.col = 0;
            }
            (b"c", false) => {
                match attr(attrs, b"r") {
                    Some(r) => {
                        let (col, _) = reference(r)?;
                        self.col = if col == 0 { self.col + 1 } else { col };
                    }
                    None => self.col += 1,
                }
                if self.col > limits::MAX_COLUMNS {
                    return Err(Limit::Columns);
                }
                self.in_cell = !empty;
                self.text = 0;
            }
            // ranges calamine reads: the sheet's dimension, a shared formula's range
            (b"dimension" | b"f", false) => {
                if let Some(range) = attr(attrs, b"ref") {
                    for r in range.split(|&b| b == b':') {
                        reference(r)?;
                    }
                }
            }
            (b"c", true) => self.in_cell = false,
            _ => {}
        }
        Ok(())
    }
}

/// The value of attribute `key` (without a namespace prefix) in a tag's attribute text.
fn attr<'a>(mut s: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    loop {
        let start = s.iter().position(|b| !b.is_ascii_whitespace())?;
        s = &s[start..];
        let eq = memchr::memchr(b'=', s)?;
        let name = s[..eq].trim_ascii();
        s = s[eq + 1..].trim_ascii_start();
        let q = *s.first()?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let end = memchr::memchr(q, &s[1..])?;
        let value = &s[1..1 + end];
        if name == key {
            return Some(value);
        }
        s = &s[end + 2..];
    }
}

/// The (column, row) of a cell reference as calamine reads one (letters, then digits; both
/// from 1, 0 when absent), refused when out of Excel's grid: calamine's own arithmetic on
/// them overflows (a panic in a debug build, a wrong cell in a release one).
fn reference(r: &[u8]) -> Result<(u64, u64), Limit> {
    let r = r.trim_ascii();
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let col = r[..letters].iter().fold(0u64, |c, b| {
        c.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1))
    });
    if col > limits::MAX_COLUMNS {
        return Err(Limit::Columns);
    }
    let row = prefix_number(&r[letters..]);
    if row > limits::MAX_ROWS {
        return Err(Limit::Rows);
    }
    Ok((col, row))
}

/// The number its leading digits make, saturating (0 when none).
fn prefix_number(s: &[u8]) -> u64 {
    s.iter().take_while(|b| b.is_ascii_digit()).fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    })
}

/// A decimal number, saturating (a huge one is over any cap): `None` if not all digits.
fn number(s: &[u8]) -> Option<u64> {
    let s = s.trim_ascii();
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}
