//! The line reader: a block's text split into fields and rows in one pass, and the dossier
//! rows validated on the way.

use super::blocks::Block;
use super::cuts::Cuts;
use super::layout::Layout;
use super::simd::quote_and_ascii;
use crate::report::RowError;
use crate::table::Cell;

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
        debug_assert!(data.is_ascii());
        // SAFETY: ASCII bytes are UTF-8.
        return BlockText::Text(unsafe { std::str::from_utf8_unchecked(data) });
    }
    match std::str::from_utf8(data) {
        Ok(text) => BlockText::Text(text),
        Err(_) => BlockText::NotUtf8,
    }
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
        debug_assert!(a <= b && text.is_char_boundary(a) && text.is_char_boundary(b));
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
        debug_assert!(field_start <= end && text.is_char_boundary(field_start) && text.is_char_boundary(end));
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
        debug_assert!(line_start <= end && text.is_char_boundary(line_start) && text.is_char_boundary(end));
        // SAFETY: as above: `line_start` is 0 or just after a line break.
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
    use proptest::prelude::*;

    /// Text of fields, delimiters, line breaks, white space and characters of two and three
    /// bytes, whose cuts must fall between characters.
    fn text() -> impl Strategy<Value = String> {
        let c = prop::sample::select(vec![
            'a', 'Z', ',', ';', '\n', '\r', ' ', '\t', 'đ', 'ồ', '\u{a0}',
        ]);
        prop::collection::vec(c, 0..300).prop_map(String::from_iter)
    }

    fn delimiter() -> impl Strategy<Value = u8> {
        prop::sample::select(b",;".to_vec())
    }

    /// Up to two bytes of a block replaced by a quote or a byte that is not UTF-8 alone.
    fn noise() -> impl Strategy<Value = Vec<(prop::sample::Index, u8)>> {
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::sample::select(b"\"\x80\xFF".to_vec()),
            ),
            0..3,
        )
    }

    /// `for_each_row` one line and one field at a time: (offset, line, cells as text).
    fn naive_rows(text: &str, delimiter: char) -> (Vec<(usize, usize, Vec<String>)>, usize) {
        let (mut rows, mut offset, mut lines) = (Vec::new(), 0, 0);
        for (line_no, line) in text.split_terminator('\n').enumerate() {
            let fields: Vec<&str> = line.strip_suffix('\r').unwrap_or(line).split(delimiter).collect();
            if !fields.iter().all(|f| Cell::Text(f).is_empty()) {
                rows.push((offset, line_no, fields.iter().map(|f| f.to_string()).collect()));
            }
            offset += line.len() + 1;
            lines = line_no + 1;
        }
        (rows, lines)
    }

    proptest! {
        #[test]
        fn rows_of_any_text_match_the_naive_split(text in text(), delim in delimiter()) {
            let mut rows = Vec::new();
            let n = for_each_row(&text, 0, delim, &mut Vec::new(), |o, line, r| {
                rows.push((o, line, r.iter().map(Cell::display).collect::<Vec<_>>()));
            });
            prop_assert_eq!((rows, n), naive_rows(&text, delim as char));
        }

        #[test]
        fn lines_of_any_text_pick_the_fields_of_rows(text in text(), delim in delimiter()) {
            // columns 0 and 2 into slots 1 and 0; column 3 into no slot
            let map = [1u8, 255, 0, 7];
            let mut rows = Vec::new();
            let n = for_each_row(&text, 0, delim, &mut Vec::new(), |o, line, r| {
                let get = |c: usize| r.get(c).map(Cell::display).unwrap_or_default();
                rows.push((o, line, [get(2), get(0)]));
            });
            let mut lines = Vec::new();
            let m = for_each_line::<2>(&text, delim, &map, |o, line, fields, _| {
                lines.push((o, line, fields.map(String::from)));
            });
            prop_assert_eq!((m, lines), (n, rows));
        }

        #[test]
        fn block_text_of_any_bytes_is_what_a_naive_check_finds(
            mut bytes in text().prop_map(String::into_bytes),
            noise in noise(),
        ) {
            for (at, b) in noise {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
            }
            let naive = match std::str::from_utf8(&bytes) {
                _ if bytes.contains(&b'"') => BlockText::Quoted,
                Ok(text) => BlockText::Text(text),
                Err(_) => BlockText::NotUtf8,
            };
            prop_assert_eq!(block_text(&bytes), naive);
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
