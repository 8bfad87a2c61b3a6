//! The dossier ingest hot path: a year of a big province's one-stop-shop exports is tens
//! of millions of rows. Hand-written rather than the `csv` crate because the product's edge
//! is here: the file is memory-mapped, cut into chunks at line boundaries, and the chunks
//! are split into fields and validated in parallel on all cores, borrowing every field
//! from the mapping (no allocation per field). Validation itself is the one shared
//! implementation (`rows::parse_dossier`). Files with quoted fields — rare in exports, but
//! legal CSV — take the general streaming path instead (`fast_layout` returns `None`).

use crate::columns::{Columns, ImportKind};
use crate::report::RowError;
use crate::table::Cell;
use crate::FileError;
use std::ops::Range;

/// What the hot path knows of a plain (quote-free) CSV file.
#[derive(Debug, Clone)]
pub struct Layout {
    pub delimiter: u8,
    pub columns: Columns,
    /// Byte offset of the first data row.
    pub body_start: usize,
}

/// Quotes anywhere mean fields may hold delimiters or line breaks: the general path then.
fn contains_quote(file: &mut std::fs::File) -> Result<bool, FileError> {
    use std::io::{Read, Seek};
    let mut buf = vec![0u8; 1 << 20];
    let mut found = false;
    loop {
        let n = file.read(&mut buf).map_err(FileError::Io)?;
        if n == 0 {
            break;
        }
        if memchr::memchr(b'"', &buf[..n]).is_some() {
            found = true;
            break;
        }
    }
    file.rewind().map_err(FileError::Io)?;
    Ok(found)
}

/// `Ok(None)` when the file must take the general path (XLSX, or quotes in the CSV).
pub fn fast_layout(file: &mut std::fs::File, kind: ImportKind) -> Result<Option<Layout>, FileError> {
    use std::io::{Read, Seek};
    if crate::table::sniff(file)? != crate::table::Format::Csv || contains_quote(file)? {
        return Ok(None);
    }
    let mut data = vec![0u8; 1 << 20];
    let n = file.read(&mut data).map_err(FileError::Io)?;
    data.truncate(n);
    file.rewind().map_err(FileError::Io)?;
    let start = if data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let header_end = memchr::memchr(b'\n', &data[start..]).map(|i| start + i).ok_or(FileError::NoDataRows)?;
    let header = trim_cr(&data[start..header_end]);
    let header = std::str::from_utf8(header).map_err(|_| FileError::NotUtf8At(1))?;
    let delimiter = if header.matches(';').count() > header.matches(',').count() { b';' } else { b',' };
    let names: Vec<String> = header.split(delimiter as char).map(|h| h.trim().to_string()).collect();
    let columns = Columns::map(kind, &names)?;
    Ok(Some(Layout { delimiter, columns, body_start: (header_end + 1).min(data.len()) }))
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A run of whole lines read from the file, with where it starts.
pub struct Block {
    pub data: Vec<u8>,
    /// Byte offset of `data[0]` in the file.
    pub offset: u64,
    /// File line number of the first line in `data`.
    pub first_line: usize,
    /// Position of the block in the file, from 0.
    pub seq: usize,
}

pub const BLOCK_SIZE: usize = 8 << 20;

/// Reads a file as blocks of whole lines, from `start`. Memory stays at a few blocks
/// whatever the file's size (the file is read, not mapped, so it never counts towards
/// the process's resident memory).
pub struct BlockReader<R: std::io::Read> {
    inner: R,
    carry: Vec<u8>,
    offset: u64,
    line: usize,
    seq: usize,
    done: bool,
    error: Option<std::io::Error>,
}

impl<R: std::io::Read> BlockReader<R> {
    /// `inner` is positioned at byte `offset`, which is the start of line `line`.
    pub fn new(inner: R, offset: u64, line: usize) -> Self {
        BlockReader { inner, carry: Vec::new(), offset, line, seq: 0, done: false, error: None }
    }

    /// An I/O error that ended the blocks early.
    pub fn take_error(&mut self) -> Option<std::io::Error> {
        self.error.take()
    }
}

impl<R: std::io::Read> Iterator for BlockReader<R> {
    type Item = Block;
    fn next(&mut self) -> Option<Block> {
        if self.done {
            return None;
        }
        let mut buf = std::mem::take(&mut self.carry);
        let have = buf.len();
        buf.resize(have.max(BLOCK_SIZE), 0);
        let mut filled = have;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    self.done = true;
                    return None;
                }
            }
        }
        buf.truncate(filled);
        if !self.done {
            // keep the partial last line for the next block
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => self.carry = buf.split_off(i + 1),
                None => {
                    // a line longer than a block: grow the block
                    self.carry = buf;
                    return self.next();
                }
            }
        }
        if buf.is_empty() {
            return None;
        }
        let block = Block { offset: self.offset, first_line: self.line, seq: self.seq, data: buf };
        self.offset += block.data.len() as u64;
        self.line += memchr::memchr_iter(b'\n', &block.data).count();
        self.seq += 1;
        Some(block)
    }
}

/// Reads the line starting at byte `offset` of a file (to take a replaced row back out).
pub fn line_at(file: &std::fs::File, offset: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    buf.clear();
    let mut chunk = [0u8; 512];
    let mut at = offset;
    loop {
        let n = file.read_at(&mut chunk, at)?;
        if n == 0 {
            break;
        }
        match memchr::memchr(b'\n', &chunk[..n]) {
            Some(i) => {
                buf.extend_from_slice(&chunk[..i]);
                break;
            }
            None => buf.extend_from_slice(&chunk[..n]),
        }
        at += n as u64;
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(())
}

/// Calls `f(offset, line_number, line)` for every non-blank line of `range`.
pub fn for_each_line<'a>(data: &'a [u8], range: Range<usize>, first_line: usize, mut f: impl FnMut(usize, usize, &'a [u8])) {
    let mut pos = range.start;
    let mut line_no = first_line;
    while pos < range.end {
        let end = memchr::memchr(b'\n', &data[pos..range.end]).map(|i| pos + i).unwrap_or(range.end);
        let line = trim_cr(&data[pos..end]);
        if !line.iter().all(|b| b.is_ascii_whitespace()) {
            f(pos, line_no, line);
        }
        pos = end + 1;
        line_no += 1;
    }
}

/// Splits a quote-free line into cells, borrowing from it.
pub fn split<'a>(line: &'a [u8], delimiter: u8, out: &mut Vec<Cell<'a>>) -> Result<(), FileError> {
    out.clear();
    for field in line.split(|&b| b == delimiter) {
        let s = std::str::from_utf8(field).map_err(|_| FileError::NotUtf8)?;
        out.push(if s.is_empty() { Cell::Empty } else { Cell::Text(s) });
    }
    Ok(())
}

/// A bad line as a report entry (row errors come from the shared validator).
pub fn not_utf8(line_no: usize) -> RowError {
    RowError {
        row: line_no,
        column: String::new(),
        value: String::new(),
        vi: "dòng không phải văn bản UTF-8".into(),
        en: "the line is not UTF-8 text".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_hold_whole_lines_and_know_their_line_numbers() {
        let mut data = Vec::new();
        for i in 0..2_000_000 {
            data.extend_from_slice(format!("code{i},x\n").as_bytes());
        }
        let blocks: Vec<Block> = BlockReader::new(&data[..], 0, 2).collect();
        assert!(blocks.len() > 1);
        let mut expected_offset = 0u64;
        let mut seen = 0;
        for (i, b) in blocks.iter().enumerate() {
            assert_eq!((b.seq, b.offset), (i, expected_offset));
            assert_eq!(*b.data.last().unwrap(), b'\n');
            expected_offset += b.data.len() as u64;
            for_each_line(&b.data, 0..b.data.len(), b.first_line, |_, line_no, line| {
                assert_eq!(line, format!("code{},x", line_no - 2).as_bytes());
                seen += 1;
            });
        }
        assert_eq!(seen, 2_000_000);
        // a last line without a newline is still read
        let tail: Vec<Block> = BlockReader::new(&b"a\nb"[..], 0, 2).collect();
        assert_eq!(tail[0].data, b"a\nb");
    }

    #[test]
    fn quoted_files_and_xlsx_take_the_general_path() {
        let file = |bytes: &[u8]| {
            let mut f = tempfile::tempfile().unwrap();
            std::io::Write::write_all(&mut f, bytes).unwrap();
            std::io::Seek::rewind(&mut f).unwrap();
            f
        };
        let plain = b"ma_ho_so;ma_don_vi;ma_tthc;ngay_tiep_nhan;han_xu_ly;ngay_ket_qua;kenh_nop;trang_thai\r\nA;T01;1;2023-01-01;2023-01-02;;truc_tiep;dang_xu_ly\r\n";
        let l = fast_layout(&mut file(plain), ImportKind::Dossiers).unwrap().unwrap();
        assert_eq!(l.delimiter, b';');
        let mut cells = Vec::new();
        split(trim_cr(&plain[l.body_start..plain.len() - 2]), l.delimiter, &mut cells).unwrap();
        assert_eq!(cells.len(), 8);
        assert_eq!(cells[5], Cell::Empty);
        let quoted = b"ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\"A\",T01,1,2023-01-01,2023-01-02,,truc_tiep,dang_xu_ly\n";
        assert!(fast_layout(&mut file(quoted), ImportKind::Dossiers).unwrap().is_none());
        assert!(fast_layout(&mut file(b"PK\x03\x04...."), ImportKind::Dossiers).unwrap().is_none());
        assert!(fast_layout(&mut file(b"ma_ho_so,x\n"), ImportKind::Dossiers).is_err());
    }
}
