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
/// every block (`has_quote`) and its callers fall back when one appears further on.
pub fn fast_layout(file: &mut std::fs::File, kind: ImportKind) -> Result<Option<Layout>, FileError> {
    use std::io::{Read, Seek};
    if crate::table::sniff(file)? != crate::table::Format::Csv {
        return Ok(None);
    }
    let mut data = vec![0u8; 1 << 20];
    let n = file.read(&mut data).map_err(FileError::Io)?;
    data.truncate(n);
    file.rewind().map_err(FileError::Io)?;
    if has_quote(&data) {
        return Ok(None);
    }
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

/// Whether quoted fields may appear: then only the general CSV reader reads it right.
pub fn has_quote(data: &[u8]) -> bool {
    memchr::memchr(b'"', data).is_some()
}

/// A run of whole lines of the file, with where it starts.
pub struct Block<'a> {
    pub data: &'a [u8],
    /// Byte offset of `data[0]` in the file.
    pub offset: u64,
    /// Position of the block in the file, from 0.
    pub seq: usize,
}

pub const BLOCK_SIZE: usize = 8 << 20;

/// A file mapped into memory: reading it costs no copy, and the pages of a block that is
/// done with are handed back (`release`), so resident memory stays at a few blocks
/// whatever the file's size.
pub struct Mapped {
    map: memmap2::Mmap,
}

impl Mapped {
    pub fn open(file: &std::fs::File) -> std::io::Result<Mapped> {
        // SAFETY: the mapping is read-only and private to this process. Were another
        // process to truncate the file while it is read, access would fault (SIGBUS); an
        // import reads an export file that nothing else writes at that moment.
        let map = unsafe { memmap2::Mmap::map(file)? };
        map.advise(memmap2::Advice::Sequential).ok();
        Ok(Mapped { map })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Drops this process's pages of `data` (which lies in the mapping). The file's
    /// contents stay in the kernel's cache and a later read of the range reads the same
    /// bytes again, so this never changes what the program sees.
    pub fn release(&self, data: &[u8]) {
        const PAGE: usize = 4096;
        let base = self.map.as_ptr() as usize;
        let start = (data.as_ptr() as usize - base).div_ceil(PAGE) * PAGE;
        let end = (data.as_ptr() as usize - base + data.len()) / PAGE * PAGE;
        if end > start {
            // SAFETY: see above — a file-backed read-only mapping refaults the same bytes.
            unsafe { self.map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start).ok() };
        }
    }

    /// Blocks of about `BLOCK_SIZE` bytes of whole lines, from byte `start`. Cutting touches
    /// only the bytes around each cut: the workers, not this iterator, read the blocks (and
    /// count their lines), so reading is never serialised behind it.
    pub fn blocks(&self, start: usize) -> impl Iterator<Item = Block<'_>> + Send {
        let data = self.bytes();
        let mut pos = start;
        let mut seq = 0;
        std::iter::from_fn(move || {
            if pos >= data.len() {
                return None;
            }
            let mut end = (pos + BLOCK_SIZE).min(data.len());
            if end < data.len() {
                end = memchr::memchr(b'\n', &data[end..]).map(|i| end + i + 1).unwrap_or(data.len());
            }
            let block = Block { data: &data[pos..end], offset: pos as u64, seq };
            pos = end;
            seq += 1;
            Some(block)
        })
    }

    /// The line that starts at byte `offset`, without its line break.
    pub fn line_at(&self, offset: u64) -> &[u8] {
        let data = &self.bytes()[offset as usize..];
        let end = memchr::memchr(b'\n', data).unwrap_or(data.len());
        data[..end].strip_suffix(b"\r").unwrap_or(&data[..end])
    }
}

/// Positions of `delimiter` and `\n` in `bytes`, in order, eight bytes at a time (SWAR):
/// fields are short, so one SIMD search per field costs more than it saves.
struct Cuts<'a> {
    bytes: &'a [u8],
    /// Start of the current 8-byte word.
    word: usize,
    /// Bit mask (one high bit per byte) of the matches left in the current word.
    mask: u64,
    delim: u64,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// One high bit for every byte of `x` equal to the byte repeated in `pat` (exact, no false
/// positives).
#[inline]
fn eq_mask(x: u64, pat: u64) -> u64 {
    let y = x ^ pat;
    !(((y & !HI) + !HI) | y) & HI
}

impl<'a> Cuts<'a> {
    fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        let mut c = Cuts { bytes, word: 0, mask: 0, delim: LO * delimiter as u64 };
        c.mask = c.load(0);
        c
    }
    #[inline]
    fn load(&self, at: usize) -> u64 {
        let rest = &self.bytes[at.min(self.bytes.len())..];
        let x = if rest.len() >= 8 {
            u64::from_le_bytes(rest[..8].try_into().expect("eight bytes"))
        } else {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            // bytes past the end must match nothing
            let mut x = u64::from_le_bytes(buf);
            for i in rest.len()..8 {
                x |= 0x80 << (i * 8);
            }
            return if rest.is_empty() { 0 } else { (eq_mask(x, self.delim) | eq_mask(x, LO * b'\n' as u64)) & ((1u64 << (rest.len() * 8)) - 1) };
        };
        eq_mask(x, self.delim) | eq_mask(x, LO * b'\n' as u64)
    }
}

impl Iterator for Cuts<'_> {
    type Item = usize;
    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.word += 8;
            if self.word >= self.bytes.len() {
                return None;
            }
            self.mask = self.load(self.word);
        }
        let bit = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.word + bit / 8)
    }
}

/// Calls `f(offset, line_number, cells)` for every non-blank line of a block of text,
/// split at `delimiter`: one pass over the block finds every delimiter and line break (both
/// ASCII, so every cut is a character boundary). Returns the number of lines.
pub fn for_each_row<'a>(text: &'a str, first_line: usize, delimiter: u8, cells: &mut Vec<Cell<'a>>, mut f: impl FnMut(usize, usize, &[Cell<'a>])) -> usize {
    let bytes = text.as_bytes();
    let mut line_start = 0;
    let mut field_start = 0;
    let mut line_no = first_line;
    cells.clear();
    let push = |cells: &mut Vec<Cell<'a>>, a: usize, b: usize| {
        let field = &text[a..b];
        cells.push(if field.is_empty() { Cell::Empty } else { Cell::Text(field) });
    };
    for pos in Cuts::new(bytes, delimiter).chain(std::iter::once(bytes.len())) {
        if pos < bytes.len() && bytes[pos] == delimiter {
            push(cells, field_start, pos);
            field_start = pos + 1;
            continue;
        }
        // the end of a line, or of the text
        if pos == bytes.len() && line_start == pos {
            break;
        }
        let end = if pos > field_start && bytes[pos - 1] == b'\r' { pos - 1 } else { pos };
        push(cells, field_start, end.max(field_start));
        let blank = cells.iter().all(Cell::is_empty);
        if !blank {
            f(line_start, line_no, cells);
        }
        cells.clear();
        line_no += 1;
        line_start = pos + 1;
        field_start = pos + 1;
    }
    line_no - first_line
}

/// Every row of a block: `f(offset in block, line number within the block from 0, cells or
/// the line number of a line that is not UTF-8)`. The block is checked as UTF-8 once, not
/// field by field. Returns the number of lines, so that the caller, which knows the blocks'
/// order, can turn line numbers within blocks into line numbers in the file.
pub fn for_each_block_row<'a>(block: &Block<'a>, delimiter: u8, cells: &mut Vec<Cell<'a>>, mut f: impl FnMut(usize, usize, Result<&[Cell<'a>], usize>)) -> usize {
    if let Ok(text) = std::str::from_utf8(block.data) {
        return for_each_row(text, 0, delimiter, cells, |o, n, row| f(o, n, Ok(row)));
    }
    // rare: find the bad lines one by one
    let mut pos = 0;
    let mut line_no = 0;
    while pos < block.data.len() {
        let end = memchr::memchr(b'\n', &block.data[pos..]).map(|i| pos + i + 1).unwrap_or(block.data.len());
        match std::str::from_utf8(&block.data[pos..end]) {
            Ok(line) => {
                for_each_row(line, line_no, delimiter, cells, |o, n, row| f(pos + o, n, Ok(row)));
            }
            Err(_) => f(pos, line_no, Err(line_no)),
        }
        pos = end;
        line_no += 1;
    }
    line_no
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

    fn temp(bytes: &[u8]) -> std::fs::File {
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        std::io::Seek::rewind(&mut f).unwrap();
        f
    }

    #[test]
    fn blocks_hold_whole_lines_and_know_their_line_numbers() {
        let mut data = b"header\n".to_vec();
        for i in 0..2_000_000 {
            data.extend_from_slice(format!("code{i},x\r\n").as_bytes());
        }
        let mapped = Mapped::open(&temp(&data)).unwrap();
        let blocks: Vec<Block> = mapped.blocks(7).collect();
        assert!(blocks.len() > 1);
        let mut expected_offset = 7u64;
        let mut seen = 0;
        let mut cells = Vec::new();
        let mut first_line = 2;
        for (i, b) in blocks.iter().enumerate() {
            assert_eq!((b.seq, b.offset), (i, expected_offset));
            assert_eq!(*b.data.last().unwrap(), b'\n');
            expected_offset += b.data.len() as u64;
            let text = std::str::from_utf8(b.data).unwrap();
            first_line += for_each_row(text, first_line, b',', &mut cells, |offset, line_no, row| {
                let code = format!("code{}", line_no - 2);
                assert_eq!(row, [Cell::Text(&code), Cell::Text("x")]);
                assert_eq!(mapped.line_at(b.offset + offset as u64), format!("{code},x").as_bytes());
                seen += 1;
            });
            mapped.release(b.data);
        }
        assert_eq!(seen, 2_000_000);
    }

    #[test]
    fn cuts_find_exactly_the_delimiters_and_line_breaks() {
        let samples: [&[u8]; 5] = [b"", b",", b"abc,def\nghij;k,\n\n,x", "đ,ễ\n\u{80},".as_bytes(), &[b','; 17]];
        for delim in [b',', b';'] {
            for s in samples {
                for start in 0..s.len().min(9) {
                    let s = &s[start..];
                    let naive: Vec<usize> = (0..s.len()).filter(|&i| s[i] == delim || s[i] == b'\n').collect();
                    assert_eq!(Cuts::new(s, delim).collect::<Vec<_>>(), naive, "{s:?}");
                }
            }
        }
        // every byte value next to the delimiter
        let all: Vec<u8> = (0..=255u8).flat_map(|b| [b, b',']).collect();
        let naive: Vec<usize> = (0..all.len()).filter(|&i| all[i] == b',' || all[i] == b'\n').collect();
        assert_eq!(Cuts::new(&all, b',').collect::<Vec<_>>(), naive);
    }

    #[test]
    fn rows_skip_blank_lines_and_keep_empty_fields() {
        let mut cells = Vec::new();
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        for_each_row("a,,c\n\n  \r\nd,e,\nlast", 2, b',', &mut cells, |_, n, r| {
            rows.push((n, r.iter().map(Cell::display).collect()));
        });
        let row = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(rows, vec![(2, row(&["a", "", "c"])), (5, row(&["d", "e", ""])), (6, row(&["last"]))]);
    }

    #[test]
    fn quoted_files_and_xlsx_take_the_general_path() {
        let file = temp;
        let plain = b"ma_ho_so;ma_don_vi;ma_tthc;ngay_tiep_nhan;han_xu_ly;ngay_ket_qua;kenh_nop;trang_thai\r\nA;T01;1;2023-01-01;2023-01-02;;truc_tiep;dang_xu_ly\r\n";
        let l = fast_layout(&mut file(plain), ImportKind::Dossiers).unwrap().unwrap();
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
        assert!(fast_layout(&mut file(quoted), ImportKind::Dossiers).unwrap().is_none());
        assert!(fast_layout(&mut file(b"PK\x03\x04...."), ImportKind::Dossiers).unwrap().is_none());
        assert!(fast_layout(&mut file(b"ma_ho_so,x\n"), ImportKind::Dossiers).is_err());
    }
}
