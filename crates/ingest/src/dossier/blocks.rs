//! Reading a file in blocks of whole lines: mapped (the store's import, which keeps rows
//! borrowed from the file until they are written) or read by offset (`dossier-stats`, whose
//! workers read blocks in any order into reused buffers).

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
        debug_assert!(
            data.as_ptr() as usize >= base && data.as_ptr() as usize + data.len() <= base + self.map.len(),
            "the released bytes lie in this mapping"
        );
        let start = (data.as_ptr() as usize - base).div_ceil(PAGE) * PAGE;
        let end = (data.as_ptr() as usize - base + data.len()) / PAGE * PAGE;
        if end > start {
            debug_assert!(end <= self.map.len());
            // SAFETY: the range lies in the mapping, and a file-backed read-only mapping
            // refaults the same bytes (see above), so no borrow of it sees a change.
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
            // a line over the cap is refused (`Limit::io`) before it is read on: one check
            // per read, at a block's end
            None if want - end > crate::limits::CSV_MAX_LINE_BYTES => {
                return Err(crate::limits::Limit::CsvLine.io())
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossier::lines::for_each_row;
    use crate::dossier::temp;
    use crate::table::Cell;

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
}
