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
/// every block (`block_text`) and its callers fall back when one appears further on.
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
    let header_end = memchr::memchr(b'\n', &data[start..])
        .map(|i| start + i)
        .ok_or(FileError::NoDataRows)?;
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

/// What a block of the hot path holds.
#[derive(Debug, PartialEq, Eq)]
pub enum BlockText<'a> {
    /// Quoted fields may appear: the whole file goes to the general reader.
    Quoted,
    /// Text without a quote.
    Text(&'a str),
    /// Some line is not UTF-8: each line is checked on its own.
    NotUtf8,
}

/// Finds out in one pass over the bytes whether a block has a quote and whether it is all
/// ASCII, as export files are; only a block with other bytes is checked as UTF-8 too.
pub fn block_text(data: &[u8]) -> BlockText<'_> {
    let (quote, ascii) = quote_and_ascii(data);
    if quote {
        return BlockText::Quoted;
    }
    if ascii {
        // SAFETY: ASCII bytes are UTF-8.
        return BlockText::Text(unsafe { std::str::from_utf8_unchecked(data) });
    }
    match std::str::from_utf8(data) {
        Ok(text) => BlockText::Text(text),
        Err(_) => BlockText::NotUtf8,
    }
}

/// (any `"`, all bytes below 0x80), 64 bytes at a time.
fn quote_and_ascii(data: &[u8]) -> (bool, bool) {
    let mut chunks = data.chunks_exact(64);
    let (mut quote, mut high) = (false, false);
    for w in &mut chunks {
        let (q, h) = quote_and_high64(w.try_into().expect("64 bytes"));
        quote |= q;
        high |= h;
    }
    let rest = chunks.remainder();
    (quote || rest.contains(&b'"'), !high && rest.is_ascii())
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn quote_and_high64(w: &[u8; 64]) -> (bool, bool) {
    use std::arch::x86_64::*;
    // SAFETY: as in `mask64`: SSE2 is baseline on x86-64; unaligned loads within the array.
    unsafe {
        let q = _mm_set1_epi8(b'"' as i8);
        let (mut any, mut quotes) = (_mm_setzero_si128(), _mm_setzero_si128());
        for i in 0..4 {
            let v = _mm_loadu_si128(w.as_ptr().add(i * 16) as *const __m128i);
            any = _mm_or_si128(any, v);
            quotes = _mm_or_si128(quotes, _mm_cmpeq_epi8(v, q));
        }
        (_mm_movemask_epi8(quotes) != 0, _mm_movemask_epi8(any) != 0)
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn quote_and_high64(w: &[u8; 64]) -> (bool, bool) {
    (w.contains(&b'"'), !w.is_ascii())
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
            unsafe {
                self.map
                    .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
                    .ok()
            };
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
                end = memchr::memchr(b'\n', &data[end..])
                    .map(|i| end + i + 1)
                    .unwrap_or(data.len());
            }
            let block = Block {
                data: &data[pos..end],
                offset: pos as u64,
                seq,
            };
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

/// Bytes read past a block's end to find the end of its last line; longer lines read on.
const TAIL: usize = 64 << 10;

/// Reads block `seq` of a file cut into blocks of `size` bytes from `body_start`: the lines
/// that *start* in the block's byte range, whole, into `buf` (reused from block to block).
/// Blocks are found by arithmetic, so workers read them in any order at once, and a read
/// copies the kernel's cached pages instead of faulting them into a mapping one by one.
pub fn read_block<'b>(
    file: &std::fs::File,
    file_len: u64,
    body_start: u64,
    size: usize,
    seq: usize,
    buf: &'b mut Vec<u8>,
) -> std::io::Result<Block<'b>> {
    let start = body_start + (seq * size) as u64;
    let end = (start + size as u64).min(file_len);
    // one byte before the block: whether a line starts at `start`
    let from = if seq == 0 { start } else { start - 1 };
    let mut want = (end + TAIL as u64).min(file_len);
    let mut have = 0usize;
    let stop = loop {
        let n = (want - from) as usize;
        if buf.len() < n {
            buf.resize(n, 0);
        }
        read_exact_at(file, &mut buf[have..n], from + have as u64)?;
        have = n;
        // the line holding the block's last byte ends the block
        let last = (end - 1 - from) as usize;
        match memchr::memchr(b'\n', &buf[last..have]) {
            Some(i) => break last + i + 1,
            None if want == file_len => break have,
            None => want = (want + (TAIL as u64).max(want - from)).min(file_len),
        }
    };
    let begin = if seq == 0 {
        0
    } else {
        memchr::memchr(b'\n', &buf[..stop]).map_or(stop, |i| i + 1)
    };
    Ok(Block {
        data: &buf[begin..stop],
        offset: from + begin as u64,
        seq,
    })
}

/// The line at byte `offset` of a file, without its line break, read into `buf`: `len` is
/// its length when known (0: not known, read on to the line break).
pub fn read_line_at<'b>(
    file: &std::fs::File,
    file_len: u64,
    offset: u64,
    len: usize,
    buf: &'b mut Vec<u8>,
) -> std::io::Result<&'b [u8]> {
    if len > 0 {
        buf.resize(len, 0);
        read_exact_at(file, buf, offset)?;
        return Ok(buf);
    }
    buf.clear();
    let mut at = offset;
    while at < file_len {
        let n = (TAIL as u64).min(file_len - at) as usize;
        let old = buf.len();
        buf.resize(old + n, 0);
        read_exact_at(file, &mut buf[old..], at)?;
        at += n as u64;
        if let Some(i) = memchr::memchr(b'\n', &buf[old..]) {
            buf.truncate(old + i);
            break;
        }
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(buf)
}

/// The number of blocks `read_block` cuts a file into.
pub fn block_count(file_len: u64, body_start: u64, size: usize) -> usize {
    (file_len.saturating_sub(body_start) as usize).div_ceil(size)
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Positions of `delimiter` and `\n` in `bytes`, in order, each with whether it is the line
/// break, found 64 bytes at a time: bit masks of the window's matches (SSE2 on x86-64,
/// eight-byte words elsewhere), whose set bits are then read off one by one. Fields are
/// short, so one `memchr` call per field would cost more than it saves.
struct Cuts<'a> {
    bytes: &'a [u8],
    /// Start of the current 64-byte window.
    base: usize,
    /// The matches left in the window, bit `i` for byte `base + i`.
    mask: u64,
    /// The window's line breaks.
    breaks: u64,
    delimiter: u8,
}

impl<'a> Cuts<'a> {
    fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        let (mask, breaks) = window(bytes, 0, delimiter);
        Cuts {
            bytes,
            base: 0,
            mask,
            breaks,
            delimiter,
        }
    }
}

impl Iterator for Cuts<'_> {
    /// (position, whether it is a line break)
    type Item = (usize, bool);
    #[inline]
    fn next(&mut self) -> Option<(usize, bool)> {
        while self.mask == 0 {
            self.base += 64;
            if self.base >= self.bytes.len() {
                return None;
            }
            (self.mask, self.breaks) = window(self.bytes, self.base, self.delimiter);
        }
        let bit = self.mask.trailing_zeros();
        self.mask &= self.mask - 1;
        Some((self.base + bit as usize, self.breaks >> bit & 1 == 1))
    }
}

/// (bit `i` set when `bytes[at + i]` is `delimiter` or `\n`, bit `i` set when it is `\n`),
/// for the (up to) 64 bytes from `at`.
#[inline]
fn window(bytes: &[u8], at: usize, delimiter: u8) -> (u64, u64) {
    match bytes.get(at..at + 64) {
        Some(w) => mask64(w.try_into().expect("64 bytes"), delimiter),
        None => bytes[at.min(bytes.len())..]
            .iter()
            .enumerate()
            .fold((0, 0), |(m, n), (i, &b)| {
                (
                    m | (((b == delimiter || b == b'\n') as u64) << i),
                    n | (((b == b'\n') as u64) << i),
                )
            }),
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn mask64(w: &[u8; 64], delimiter: u8) -> (u64, u64) {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of every x86-64 processor (the intrinsics are `unsafe` only
    // for their target feature); each load reads bytes 16i..16i+16 of the 64-byte array
    // and needs no alignment.
    unsafe {
        let d = _mm_set1_epi8(delimiter as i8);
        let n = _mm_set1_epi8(b'\n' as i8);
        let (mut m, mut breaks) = (0u64, 0u64);
        for i in 0..4 {
            let v = _mm_loadu_si128(w.as_ptr().add(i * 16) as *const __m128i);
            let nl = _mm_cmpeq_epi8(v, n);
            let hit = _mm_or_si128(_mm_cmpeq_epi8(v, d), nl);
            m |= (_mm_movemask_epi8(hit) as u32 as u64 & 0xFFFF) << (i * 16);
            breaks |= (_mm_movemask_epi8(nl) as u32 as u64 & 0xFFFF) << (i * 16);
        }
        (m, breaks)
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn mask64(w: &[u8; 64], delimiter: u8) -> (u64, u64) {
    mask64_words(w, delimiter)
}

/// `mask64` with plain integer operations, eight bytes at a time (SWAR).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
fn mask64_words(w: &[u8; 64], delimiter: u8) -> (u64, u64) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // one high bit for every byte of `x` equal to the byte repeated in `pat` (exact)
    let eq = |x: u64, pat: u64| {
        let y = x ^ pat;
        !(((y & !HI) + !HI) | y) & HI
    };
    // gather the eight high bits into one byte, byte 0's bit lowest
    let gather = |x: u64| x.wrapping_mul(0x0002_0408_1020_4081) >> 56;
    let (d, n) = (LO * delimiter as u64, LO * b'\n' as u64);
    let (mut m, mut breaks) = (0u64, 0u64);
    for (i, word) in w.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let nl = eq(x, n);
        m |= gather(eq(x, d) | nl) << (i * 8);
        breaks |= gather(nl) << (i * 8);
    }
    (m, breaks)
}

/// Calls `f(offset, line_number, cells)` for every non-blank line of a block of text,
/// split at `delimiter`: one pass over the block finds every delimiter and line break (both
/// ASCII, so every cut is a character boundary). Returns the number of lines.
pub fn for_each_row<'a>(
    text: &'a str,
    first_line: usize,
    delimiter: u8,
    cells: &mut Vec<Cell<'a>>,
    mut f: impl FnMut(usize, usize, &[Cell<'a>]),
) -> usize {
    assert!(delimiter.is_ascii() && delimiter != b'\r', "an ASCII delimiter");
    let bytes = text.as_bytes();
    let field = |a: usize, b: usize| {
        if a == b {
            return Cell::Empty;
        }
        // SAFETY: `a` is 0 or just after an ASCII delimiter or line break, and `b` is at
        // one, at a `\r` before one, or the end of `text`: both are character boundaries,
        // and a <= b. (The checked `text[a..b]` costs a tenth of the whole split here.)
        Cell::Text(unsafe { text.get_unchecked(a..b) })
    };
    let mut line_start = 0;
    let mut field_start = 0;
    let mut line_no = first_line;
    cells.clear();
    let mut cuts = Cuts::new(bytes, delimiter);
    loop {
        let (pos, last, ends_line) = match cuts.next() {
            Some((pos, ends_line)) => (pos, false, ends_line),
            None => (bytes.len(), true, true),
        };
        if !ends_line {
            cells.push(field(field_start, pos));
            field_start = pos + 1;
            continue;
        }
        // the end of a line, or of the text
        if last && line_start == pos {
            break;
        }
        let end = if pos > field_start && bytes[pos - 1] == b'\r' {
            pos - 1
        } else {
            pos
        };
        cells.push(field(field_start, end));
        if !cells.iter().all(Cell::is_empty) {
            f(line_start, line_no, cells);
        }
        cells.clear();
        line_no += 1;
        line_start = pos + 1;
        field_start = pos + 1;
        if last {
            break;
        }
    }
    line_no - first_line
}

/// `for_each_row` for the hot path: instead of a cell per column, the columns a caller
/// wants go straight into `fields` (`fields[map[column]]`; "" when empty or absent, other
/// columns skipped), and `f(offset, line_number, fields, line)` gets the line's text too
/// (without its line break), for the general path when the shortcut declines a row.
/// Blank lines are skipped as in `for_each_row`. Returns the number of lines.
pub fn for_each_line<'a, const N: usize>(
    text: &'a str,
    delimiter: u8,
    map: &[u8],
    mut f: impl FnMut(usize, usize, &[&'a str; N], &'a str),
) -> usize {
    assert!(delimiter.is_ascii() && delimiter != b'\r', "an ASCII delimiter");
    let bytes = text.as_bytes();
    let mut fields: [&'a str; N] = [""; N];
    let (mut line_start, mut field_start, mut column, mut line_no) = (0, 0, 0, 0);
    let mut cuts = Cuts::new(bytes, delimiter);
    loop {
        let (pos, last, ends_line) = match cuts.next() {
            Some((pos, ends_line)) => (pos, false, ends_line),
            None => (bytes.len(), true, true),
        };
        if last && line_start == pos {
            break;
        }
        let end = if ends_line && pos > field_start && bytes[pos - 1] == b'\r' {
            pos - 1
        } else {
            pos
        };
        // SAFETY: as in `for_each_row`: both ends are character boundaries, in order.
        let field = unsafe { text.get_unchecked(field_start..end) };
        if let Some(&slot) = map.get(column) {
            if let Some(to) = fields.get_mut(slot as usize) {
                *to = field;
            }
        }
        column += 1;
        field_start = pos + 1;
        if !ends_line {
            continue;
        }
        // a short line leaves the fields of the columns it lacks empty
        for &slot in map.get(column..).unwrap_or_default() {
            if let Some(to) = fields.get_mut(slot as usize) {
                *to = "";
            }
        }
        // SAFETY: as above.
        let line = unsafe { text.get_unchecked(line_start..end) };
        if !blank(line, delimiter) {
            f(line_start, line_no, &fields, line);
        }
        column = 0;
        line_no += 1;
        line_start = pos + 1;
        if last {
            break;
        }
    }
    line_no
}

/// Whether every field of a line (without its line break) is empty or white space, as for
/// `for_each_row`. Most lines start with a visible ASCII character: one compare.
#[inline(always)]
fn blank(line: &str, delimiter: u8) -> bool {
    match line.as_bytes().first() {
        Some(&c) if c > b' ' && c < 0x80 && c != delimiter => false,
        _ => blank_fields(line, delimiter),
    }
}

#[cold]
fn blank_fields(line: &str, delimiter: u8) -> bool {
    line.split(delimiter as char).all(|f| Cell::Text(f).is_empty())
}

/// Every line of plain CSV text as a dossier or its errors: `f(offset, line number from 0,
/// the line's length (0: not known), dossier)`. The hot path of `dossier-stats` and the
/// import: the shortcut of the one validator on the fields picked out of each line
/// (`rows::dossier_plain_fields`), the full checks (and their error messages) on the cells
/// of a line it declines. Returns the number of lines.
pub fn for_each_dossier<'t>(
    text: &'t str,
    layout: &Layout,
    map: &[u8],
    lk: &dyn crate::rows::Lookup,
    mut f: impl FnMut(usize, usize, usize, Result<crate::rows::PlainDossier<'t>, Vec<RowError>>),
) -> usize {
    use crate::rows::{dossier_plain_fields, parse_dossier, DOSSIER_FIELDS};
    let mut cells: Vec<Cell<'t>> = Vec::new();
    for_each_line::<DOSSIER_FIELDS>(text, layout.delimiter, map, |offset, line_no, fields, line| {
        match dossier_plain_fields(fields, lk) {
            Some(d) => f(offset, line_no, line.len(), Ok(d)),
            None => {
                for_each_row(
                    line,
                    line_no,
                    layout.delimiter,
                    &mut cells,
                    |_, _, r| match parse_dossier(&layout.columns, r, line_no, lk) {
                        Ok(d) => f(offset, line_no, line.len(), Ok(d.into_line())),
                        Err(e) => f(offset, line_no, 0, Err(e)),
                    },
                );
            }
        }
    })
}

/// Every row of a block: `f(offset in block, line number within the block from 0, cells or
/// the line number of a line that is not UTF-8)`. The block is checked as UTF-8 once, not
/// field by field. Returns the number of lines, so that the caller, which knows the blocks'
/// order, can turn line numbers within blocks into line numbers in the file.
pub fn for_each_block_row<'a>(
    block: &Block<'a>,
    delimiter: u8,
    cells: &mut Vec<Cell<'a>>,
    mut f: impl FnMut(usize, usize, Result<&[Cell<'a>], usize>),
) -> usize {
    if let Ok(text) = std::str::from_utf8(block.data) {
        return for_each_row(text, 0, delimiter, cells, |o, n, row| f(o, n, Ok(row)));
    }
    // rare: find the bad lines one by one
    let mut pos = 0;
    let mut line_no = 0;
    while pos < block.data.len() {
        let end = memchr::memchr(b'\n', &block.data[pos..])
            .map(|i| pos + i + 1)
            .unwrap_or(block.data.len());
        match std::str::from_utf8(&block.data[pos..end]) {
            Ok(line) => {
                for_each_row(line, line_no, delimiter, cells, |o, n, row| {
                    f(pos + o, n, Ok(row))
                });
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
                assert_eq!(
                    mapped.line_at(b.offset + offset as u64),
                    format!("{code},x").as_bytes()
                );
                seen += 1;
            });
            mapped.release(b.data);
        }
        assert_eq!(seen, 2_000_000);
    }

    #[test]
    fn read_blocks_hold_each_line_once_whatever_the_block_size() {
        // lines of every length around the block size, a long line, a last line without
        // a break, CRLF and blank lines
        let mut data = b"header\n".to_vec();
        let mut lines = Vec::new();
        for i in 0..400usize {
            let line = format!(
                "{i},{}",
                "x".repeat((i * 37) % 23 + if i == 200 { 300 } else { 0 })
            );
            data.extend_from_slice(line.as_bytes());
            data.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
            if i % 50 == 0 {
                data.extend_from_slice(b"\n");
            }
            lines.push(line);
        }
        data.extend_from_slice(b"last,line");
        lines.push("last,line".into());
        let file = temp(&data);
        for size in [1, 2, 7, 16, 64, 100, 1000, data.len()] {
            let mut buf = Vec::new();
            let mut seen = Vec::new();
            for seq in 0..block_count(data.len() as u64, 7, size) {
                let mut cells = Vec::new();
                let b = read_block(&file, data.len() as u64, 7, size, seq, &mut buf).unwrap();
                assert_eq!(b.seq, seq);
                let text = std::str::from_utf8(b.data).unwrap();
                for_each_row(text, 0, b',', &mut cells, |offset, _, row| {
                    let line: Vec<String> = row.iter().map(Cell::display).collect();
                    let at = b.offset as usize + offset;
                    assert!(at == 7 || data[at - 1] == b'\n', "a row starts a line");
                    seen.push(line.join(","));
                });
            }
            assert_eq!(seen, lines, "block size {size}");
        }
    }

    #[test]
    fn a_line_is_read_back_with_or_without_its_length() {
        let data = format!("head\nab,c\r\n{}\nlast", "x".repeat(200_000));
        let file = temp(data.as_bytes());
        let len = data.len() as u64;
        let mut buf = Vec::new();
        assert_eq!(read_line_at(&file, len, 5, 0, &mut buf).unwrap(), b"ab,c");
        assert_eq!(read_line_at(&file, len, 5, 4, &mut buf).unwrap(), b"ab,c");
        assert_eq!(read_line_at(&file, len, 11, 0, &mut buf).unwrap().len(), 200_000);
        assert_eq!(read_line_at(&file, len, 200_012, 0, &mut buf).unwrap(), b"last");
        assert!(
            read_line_at(&file, len, 200_012, 9, &mut buf).is_err(),
            "past the end"
        );
    }

    #[test]
    fn cuts_find_exactly_the_delimiters_and_line_breaks() {
        let samples: [&[u8]; 5] = [
            b"",
            b",",
            b"abc,def\nghij;k,\n\n,x",
            "đ,ễ\n\u{80},".as_bytes(),
            &[b','; 17],
        ];
        for delim in [b',', b';'] {
            for s in samples {
                for start in 0..s.len().min(9) {
                    let s = &s[start..];
                    let naive: Vec<(usize, bool)> = (0..s.len())
                        .filter(|&i| s[i] == delim || s[i] == b'\n')
                        .map(|i| (i, s[i] == b'\n'))
                        .collect();
                    assert_eq!(Cuts::new(s, delim).collect::<Vec<_>>(), naive, "{s:?}");
                }
            }
        }
        // every byte value next to the delimiter, from every start within a window
        let all: Vec<u8> = (0..=255u8).flat_map(|b| [b, b',', b'\n', b]).collect();
        for delim in [b',', b';'] {
            for start in 0..130 {
                let s = &all[start..];
                let naive: Vec<(usize, bool)> = (0..s.len())
                    .filter(|&i| s[i] == delim || s[i] == b'\n')
                    .map(|i| (i, s[i] == b'\n'))
                    .collect();
                assert_eq!(Cuts::new(s, delim).collect::<Vec<_>>(), naive, "from {start}");
            }
        }
    }

    #[test]
    fn both_window_masks_agree_with_a_byte_by_byte_search() {
        let all: Vec<u8> = (0..=255u8).flat_map(|b| [b, b',', b'\n', b';', b]).collect();
        for start in 0..all.len() - 64 {
            let w: &[u8; 64] = all[start..start + 64].try_into().unwrap();
            for delim in [b',', b';'] {
                let naive = (0..64).fold(0u64, |m, i| m | (((w[i] == delim || w[i] == b'\n') as u64) << i));
                let breaks = (0..64).fold(0u64, |m, i| m | (((w[i] == b'\n') as u64) << i));
                assert_eq!(mask64(w, delim), (naive, breaks));
                assert_eq!(mask64_words(w, delim), (naive, breaks));
            }
        }
    }

    #[test]
    fn lines_pick_the_same_fields_as_rows() {
        let text = "a,,c\n\n  \r\nd,e,\r\n , ,x\nlast\nf;g,h,i,j,k\n,,\n\u{a0},ồ\n \r\n";
        // columns 0 and 2 into slots 1 and 0; column 3 into no slot
        let map = [1u8, 255, 0, 7];
        let mut rows: Vec<(usize, usize, [String; 2])> = Vec::new();
        let mut cells = Vec::new();
        let n = for_each_row(text, 0, b',', &mut cells, |o, line, r| {
            let get = |c: usize| r.get(c).map(Cell::display).unwrap_or_default();
            rows.push((o, line, [get(2), get(0)]));
        });
        let mut lines: Vec<(usize, usize, [String; 2])> = Vec::new();
        let m = for_each_line::<2>(text, b',', &map, |o, line, fields, whole| {
            assert_eq!(&text[o..o + whole.len()], whole);
            assert!(!whole.ends_with('\r') && !whole.contains('\n'));
            lines.push((o, line, fields.map(String::from)));
        });
        assert_eq!((m, &lines), (n, &rows));
        assert_eq!(lines.len(), 6, "{lines:?}");
    }

    #[test]
    fn rows_skip_blank_lines_and_keep_empty_fields() {
        let mut cells = Vec::new();
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        for_each_row("a,,c\n\n  \r\nd,e,\nlast", 2, b',', &mut cells, |_, n, r| {
            rows.push((n, r.iter().map(Cell::display).collect()));
        });
        let row = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rows,
            vec![
                (2, row(&["a", "", "c"])),
                (5, row(&["d", "e", ""])),
                (6, row(&["last"]))
            ]
        );
    }

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

    #[test]
    fn block_text_finds_quotes_and_other_bytes_anywhere() {
        for len in [0, 1, 63, 64, 65, 200] {
            let plain = "a,b\n".repeat(len).into_bytes();
            let plain = &plain[..len];
            assert_eq!(
                block_text(plain),
                BlockText::Text(std::str::from_utf8(plain).unwrap())
            );
            for at in 0..len {
                let mut q = plain.to_vec();
                q[at] = b'"';
                assert_eq!(block_text(&q), BlockText::Quoted, "{len} {at}");
                let mut bad = plain.to_vec();
                bad[at] = 0xFF;
                assert_eq!(block_text(&bad), BlockText::NotUtf8, "{len} {at}");
            }
        }
        let vi = "Hồ sơ,Đã trả\n".repeat(9);
        assert_eq!(block_text(vi.as_bytes()), BlockText::Text(&vi));
    }
}
