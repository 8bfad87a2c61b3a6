//! `dossier-stats`: the three dossier indicators per unit and month straight from a raw
//! export, without a store. Rows go through the shared validator and the domain's
//! `DossierTally` — the same computation as the store-backed evaluation.
//!
//! A dossier code seen again replaces its earlier row. Rather than holding every row,
//! each valid row is counted at once and leaves only a hash of its code and its position
//! (16 bytes, `Key`); afterwards each shard of these keys goes through an open-addressing
//! table that finds the codes seen more than once, and every row that a later row of the
//! same code replaced is parsed again and taken back out of the sums.

use crate::columns::{Columns, ImportKind};
use crate::fast::{
    block_count, block_text, fast_layout, for_each_block_row, for_each_dossier, not_utf8, read_block,
    read_line_at, Block, BlockText, Layout,
};
use crate::report::{ImportReport, RowError, MAX_KEPT};
use crate::rows::{parse_dossier, Lookup, PlainDossier};
use crate::table::{read_table, Cell};
use crate::values::{bad, Bad};
use crate::FileError;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cell::OnceCell;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use thidua_domain::calendar::Calendar;
use thidua_domain::dossier::{DossierFacts, DossierTally, ProcedureInfo};
use thidua_domain::plan::Kind;
use thidua_domain::time::DateTime;
use xxhash_rust::xxh3::xxh3_128;

/// Any unit code is accepted: there is no unit catalogue without a store.
struct AnyUnit;
impl Lookup for AnyUnit {
    fn unit_known(&self, _: &str) -> bool {
        true
    }
    fn tier(&self, _: &str) -> Option<String> {
        None
    }
    fn indicator_kind(&self, _: &str) -> Result<Kind, Bad> {
        Err(bad("không dùng ở đây", "not used here"))
    }
    fn procedure_known(&self, _: &str) -> bool {
        true
    }
}

pub type Procedures = FxHashMap<String, ProcedureInfo>;

pub struct DossierStats {
    pub tally: DossierTally,
    /// Unit codes; the tally's unit index points here.
    pub units: Vec<String>,
    pub report: ImportReport,
}

/// A code of up to 16 bytes as a hash key that needs no string compare: its first and
/// last eight (or four, or single) bytes and its length, which together hold every byte.
/// Unit and procedure codes are looked up once per row; codes are short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Short {
    a: u64,
    b: u64,
    len: u32,
}

impl std::hash::Hash for Short {
    /// One well-mixed word (a folded multiply): codes such as `1.010000`–`1.010399` differ
    /// only in their last bytes, which FxHash alone would leave in the hash's high bits.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let x = self.a ^ self.b.rotate_left(29) ^ (self.len as u64) << 59;
        let m = x as u128 * 0x9E37_79B9_7F4A_7C15;
        state.write_u64(m as u64 ^ (m >> 64) as u64);
    }
}

impl Short {
    #[inline]
    fn of(s: &str) -> Option<Short> {
        let s = s.as_bytes();
        let n = s.len();
        let word = |i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("eight bytes"));
        let half = |i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("four bytes")) as u64;
        let (a, b) = match n {
            0 => (0, 0),
            1..=3 => (s[0] as u64 | (s[n / 2] as u64) << 8 | (s[n - 1] as u64) << 16, 0),
            4..=7 => (half(0), half(n - 4)),
            8..=16 => (word(0), word(n - 8)),
            _ => return None,
        };
        Some(Short { a, b, len: n as u32 })
    }
}

/// A map by code that looks short codes up by `Short`.
struct ByCode<V> {
    short: FxHashMap<Short, V>,
    long: FxHashMap<Box<str>, V>,
}

impl<V> Default for ByCode<V> {
    fn default() -> Self {
        ByCode {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
        }
    }
}

impl<V> ByCode<V> {
    #[inline]
    fn get(&self, code: &str) -> Option<&V> {
        match Short::of(code) {
            Some(k) => self.short.get(&k),
            None => self.long.get(code),
        }
    }
    fn insert(&mut self, code: &str, v: V) {
        match Short::of(code) {
            Some(k) => self.short.insert(k, v),
            None => self.long.insert(code.into(), v),
        };
    }
}

/// Dense unit numbers by code.
#[derive(Default)]
struct Units {
    index: ByCode<u32>,
    codes: Vec<Box<str>>,
}

impl Units {
    #[inline]
    fn get(&mut self, code: &str) -> u32 {
        if let Some(&i) = self.index.get(code) {
            return i;
        }
        let i = self.codes.len() as u32;
        self.codes.push(code.into());
        self.index.insert(code, i);
        i
    }
}

struct Ctx<'p> {
    procedures: ByCode<&'p ProcedureInfo>,
    calendar: &'p Calendar,
    as_of: DateTime,
    progress: Progress<'p>,
    /// Rows and bytes read so far, for `progress`.
    rows: AtomicU64,
    bytes: AtomicU64,
}

impl Ctx<'_> {
    fn read(&self, rows: u64, bytes: u64) {
        let rows = self.rows.fetch_add(rows, Relaxed) + rows;
        let bytes = self.bytes.fetch_add(bytes, Relaxed) + bytes;
        (self.progress)(rows, bytes);
    }

    fn facts(&self, d: &PlainDossier<'_>, unit: u32) -> DossierFacts<'_> {
        DossierFacts {
            unit,
            procedure: self.procedures.get(d.procedure).copied(),
            received_at: d.received_at,
            due_at: d.due_at,
            completed_at: d.completed_at,
            channel: d.channel,
            status: d.status,
        }
    }
}

/// Bytes per block the workers read: small enough that a block read stays in the core's
/// cache until it is parsed.
const READ_BLOCK: usize = 256 << 10;

/// Row keys are spread over shards by hash, so that finding repeated codes needs one
/// shard's keys at a time, not a second copy of all of them. Few shards, so that the ends
/// of the shards' vectors, where every row writes, stay in the core's cache.
const SHARDS: usize = 64;
/// Each shard is cut again into parts whose tables fit in a core's cache.
const PARTS: usize = 64;

/// A valid row's code hash and where it is, in 16 bytes. `hash` is 64 bits of the code's
/// 128-bit hash; `at` holds, from its high bits down, the row's byte offset in the file, the
/// length of its line (`LEN_BITS`, 0 when longer), and as many further bits of the hash as
/// the file's length leaves (`AtBits`). Two codes are taken as equal when all these hash
/// bits are, and the 12 bits of the shard and part are the same for every key compared: at
/// least 64 + 12 bits for any file under 2^52 bytes, 94 or more for files up to 10 GB —
/// for 10^8 rows the chance of any collision is then about 10^-13.
#[derive(Clone, Copy, Default, Debug)]
struct Key {
    hash: u64,
    /// Ordered like the rows in the file (the offset is in the high bits), and never 0
    /// (the header comes first), so 0 marks an empty slot of the table.
    at: u64,
}

/// Bits of `Key::at` for the line's length: exact up to 4,095 bytes (an export's line is
/// about a hundred), so that a replaced row is read back with one exact read.
const LEN_BITS: u32 = 12;

/// How `Key::at` is shared out for one file.
#[derive(Clone, Copy, Debug)]
struct AtBits {
    /// Bits of the hash below the length.
    extra: u32,
}

impl AtBits {
    /// The offset takes the bits the file's length needs; `None` for a file of 2^52 bytes
    /// (4 PiB) or more.
    fn for_file(file_len: u64) -> Option<AtBits> {
        let offset = 64 - file_len.leading_zeros();
        (offset <= 52).then(|| AtBits {
            extra: 64 - LEN_BITS - offset,
        })
    }
    fn extra_mask(self) -> u64 {
        (1u64 << self.extra) - 1
    }
    fn offset(self, at: u64) -> u64 {
        at >> (self.extra + LEN_BITS)
    }
    /// The line's length, 0 when not kept.
    fn len(self, at: u64) -> usize {
        (at >> self.extra) as usize & ((1 << LEN_BITS) - 1)
    }
}

impl Key {
    #[inline]
    fn new(code: &str, offset: u64, len: usize, bits: AtBits) -> Key {
        let h = xxh3_128(code.as_bytes());
        let len = if len < 1 << LEN_BITS { len as u64 } else { 0 };
        let at = (offset << LEN_BITS | len) << bits.extra | h as u64 & bits.extra_mask();
        Key {
            hash: (h >> 64) as u64,
            at,
        }
    }
    #[inline]
    fn shard(&self) -> usize {
        (self.hash >> 58) as usize
    }
    /// The part of its shard (the next six bits of the hash).
    #[inline]
    fn part(&self) -> usize {
        (self.hash >> 52) as usize % PARTS
    }
}

/// Keys of one shard, in chunks that are never moved once allocated (a growing vector would
/// copy hundreds of megabytes over a big file).
#[derive(Default)]
struct Chunks(Vec<Vec<Key>>);

const CHUNK: usize = 1024;

impl Chunks {
    #[inline]
    fn push(&mut self, k: Key) {
        match self.0.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(k),
            _ => self.grow(k),
        }
    }
    #[cold]
    fn grow(&mut self, k: Key) {
        let mut c = Vec::with_capacity(CHUNK);
        c.push(k);
        self.0.push(c);
    }
    fn iter(&self) -> impl Iterator<Item = &Key> {
        self.0.iter().flatten()
    }
}

/// Where the rows of one shard are (`Key::at`) that a later row of the same code replaced,
/// in no particular order. `table` is scratch space reused from shard to shard. Hand-written
/// rather than a `HashMap` because it runs ten million times in a tight loop: the keys are
/// already uniform hashes, so a slot is their low bits, and an empty slot is `at` 0.
fn replaced_in_shard(
    keys: impl Iterator<Item = Key>,
    n: usize,
    bits: AtBits,
    table: &mut Vec<Key>,
    out: &mut Vec<u64>,
) {
    let cap = (n * 2).next_power_of_two().max(16);
    table.clear();
    table.resize(cap, Key::default());
    let mask = cap - 1;
    let extra = bits.extra_mask();
    for k in keys {
        let mut i = k.hash as usize & mask;
        loop {
            let slot = &mut table[i];
            if slot.at == 0 {
                *slot = k;
                break;
            }
            if slot.hash == k.hash && (slot.at ^ k.at) & extra == 0 {
                // the later row in the file wins
                out.push(slot.at.min(k.at));
                slot.at = slot.at.max(k.at);
                break;
            }
            i = (i + 1) & mask;
        }
    }
}

/// What `dossier_stats` has read so far: rows, and bytes of the file when known (plain CSV).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Computes the statistics of a dossier export file; `progress` hears of every block read.
pub fn dossier_stats(
    file: &mut std::fs::File,
    procedures: &Procedures,
    calendar: &Calendar,
    as_of: DateTime,
    progress: Progress,
) -> Result<DossierStats, FileError> {
    let mut by_code = ByCode::default();
    for (code, p) in procedures {
        by_code.insert(code, p);
    }
    let ctx = Ctx {
        procedures: by_code,
        calendar,
        as_of,
        progress,
        rows: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
    };
    match fast_layout(file, ImportKind::Dossiers)? {
        Some(layout) => fast(&*file, &layout, &ctx),
        None => general(&*file, &ctx),
    }
}

/// What one worker gathers from the blocks it is given (rayon `fold`: a few per thread,
/// so the sums and the unit numbering stay warm in cache across blocks).
struct Acc {
    tally: DossierTally,
    units: Units,
    /// The valid rows' keys, per shard.
    keys: Vec<Chunks>,
    /// The current block's keys, in its order; spread over `keys` when the block is done, so
    /// that a shard's end is touched once a block rather than once a row.
    block_keys: Vec<Key>,
    rows: u64,
    bad: u64,
    /// (block, error with its row counted within the block): the first `MAX_KEPT` of each
    /// block, which is enough to find the first `MAX_KEPT` of the file.
    errors: Vec<(usize, RowError)>,
    errors_not_kept: u64,
    /// Errors kept of the current block.
    kept: usize,
    /// A block with a quote: the whole file goes to the general path.
    quoted: bool,
    /// (block, number of lines), to turn rows within blocks into file lines.
    lines: Vec<(usize, usize)>,
    /// A read that failed: the file cannot be counted.
    failed: Option<std::io::Error>,
}

impl Acc {
    fn new() -> Self {
        Acc {
            tally: DossierTally::default(),
            units: Units::default(),
            keys: (0..SHARDS).map(|_| Chunks::default()).collect(),
            block_keys: Vec::new(),
            rows: 0,
            bad: 0,
            errors: Vec::new(),
            errors_not_kept: 0,
            kept: 0,
            quoted: false,
            lines: Vec::new(),
            failed: None,
        }
    }

    fn block(&mut self, block: &Block<'_>, layout: &Layout, map: &[u8], bits: AtBits, ctx: &Ctx) {
        if self.quoted {
            return;
        }
        let mut cells: Vec<Cell> = Vec::with_capacity(16);
        self.kept = 0;
        let seq = block.seq;
        let row = |acc: &mut Acc, offset: usize, len: usize, d: Result<PlainDossier, Vec<RowError>>| {
            acc.rows += 1;
            match d {
                Ok(d) => {
                    acc.block_keys
                        .push(Key::new(d.code, block.offset + offset as u64, len, bits));
                    let unit = acc.units.get(d.unit);
                    acc.tally.add(&ctx.facts(&d, unit), ctx.calendar, ctx.as_of);
                }
                Err(errs) => {
                    acc.bad += 1;
                    for e in errs {
                        acc.fail(seq, e);
                    }
                }
            }
        };
        let lines = match block_text(block.data) {
            BlockText::Quoted => {
                self.quoted = true;
                return;
            }
            BlockText::Text(text) => for_each_dossier(text, layout, map, &AnyUnit, |offset, _, len, d| {
                row(self, offset, len, d)
            }),
            BlockText::NotUtf8 => for_each_block_row(
                block,
                layout.delimiter,
                &mut cells,
                |offset, line_no, r| match r {
                    Ok(r) => match parse_dossier(&layout.columns, r, line_no, &AnyUnit) {
                        Ok(d) => row(self, offset, 0, Ok(d.as_plain())),
                        Err(e) => row(self, offset, 0, Err(e)),
                    },
                    Err(line_no) => {
                        self.rows += 1;
                        self.bad += 1;
                        self.fail(seq, not_utf8(line_no));
                    }
                },
            ),
        };
        self.lines.push((seq, lines));
        for k in self.block_keys.drain(..) {
            self.keys[k.shard()].push(k);
        }
    }

    /// Keeps the first `MAX_KEPT` errors of a block and counts the rest.
    fn fail(&mut self, seq: usize, e: RowError) {
        if self.kept < MAX_KEPT {
            self.errors.push((seq, e));
            self.kept += 1;
        } else {
            self.errors_not_kept += 1;
        }
    }
}

fn fast(file: &std::fs::File, layout: &Layout, ctx: &Ctx) -> Result<DossierStats, FileError> {
    let body_start = layout.body_start;
    let len = file.metadata().map_err(FileError::Io)?.len();
    let bits = AtBits::for_file(len).ok_or_else(|| {
        FileError::Io(std::io::Error::other(
            "the file is too large (4 PiB or more) / tệp quá lớn",
        ))
    })?;
    let map = layout.dossier_map();
    let blocks = block_count(len, body_start as u64, READ_BLOCK);
    // Runs of at least 1/32 of the file per accumulator: few accumulators, each warm, and
    // still enough runs to share the work evenly.
    let accs: Vec<Acc> = (0..blocks)
        .into_par_iter()
        .with_min_len((blocks / 32).max(1))
        .fold(
            || (Acc::new(), Vec::new()),
            |(mut acc, mut buf), seq| {
                if acc.failed.is_none() && !acc.quoted {
                    match read_block(file, len, body_start as u64, READ_BLOCK, seq, &mut buf) {
                        Ok(block) => {
                            let before = acc.rows;
                            acc.block(&block, layout, &map, bits, ctx);
                            ctx.read(acc.rows - before, block.data.len() as u64);
                        }
                        Err(e) => acc.failed = Some(e),
                    }
                }
                (acc, buf)
            },
        )
        .map(|(acc, _)| acc)
        .collect();
    let mut accs = accs;
    if let Some(e) = accs.iter_mut().find_map(|a| a.failed.take()) {
        return Err(FileError::Io(e));
    }
    if accs.iter().any(|a| a.quoted) {
        drop(accs);
        return general(file, ctx);
    }
    // Line numbers: each block's first line, from the blocks' line counts in file order.
    let mut lines: Vec<(usize, usize)> = accs.iter().flat_map(|a| a.lines.iter().copied()).collect();
    lines.sort_unstable();
    let mut first_line = vec![0usize; lines.len()];
    let mut next = 2;
    for (seq, n) in lines {
        first_line[seq] = next;
        next += n;
    }
    // Merge under one numbering of units.
    let mut report = ImportReport::new(ImportKind::Dossiers);
    report.unknown_columns = layout.columns.unknown.clone();
    let mut unit_index: FxHashMap<String, u32> = FxHashMap::default();
    let mut unit_codes: Vec<String> = Vec::new();
    let mut tally = DossierTally::default();
    let mut keys: Vec<Vec<Chunks>> = Vec::with_capacity(accs.len());
    let mut errors: Vec<RowError> = Vec::new();
    for a in accs {
        let mut map: Vec<u32> = Vec::with_capacity(a.units.codes.len());
        for u in a.units.codes {
            let next = unit_codes.len() as u32;
            let i = *unit_index.entry(u.to_string()).or_insert(next);
            if i == next {
                unit_codes.push(u.to_string());
            }
            map.push(i);
        }
        tally.merge_mapped(a.tally, |u| map[u as usize]);
        keys.push(a.keys);
        report.rows_read += a.rows;
        report.rows_bad += a.bad;
        report.errors_not_kept += a.errors_not_kept;
        errors.extend(a.errors.into_iter().map(|(seq, mut e)| {
            e.row += first_line[seq];
            e
        }));
    }
    errors.sort_by_key(|e| e.row);
    for e in errors {
        report.push(e);
    }
    report.rows_ok = report.rows_read - report.rows_bad;

    // Take back every row that a later row of the same code replaced.
    let mut replaced: Vec<u64> = (0..SHARDS)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(table, parts), sh| {
                // the shard's keys, grouped by part (a counting sort on six bits)
                let shard = || keys.iter().flat_map(|k| k[sh].iter());
                let mut start = [0usize; PARTS + 1];
                for k in shard() {
                    start[k.part() + 1] += 1;
                }
                for i in 0..PARTS {
                    start[i + 1] += start[i];
                }
                parts.clear();
                parts.resize(start[PARTS], Key::default());
                let mut next = start;
                for k in shard() {
                    parts[next[k.part()]] = *k;
                    next[k.part()] += 1;
                }
                let mut out = Vec::new();
                for p in 0..PARTS {
                    let part = &parts[start[p]..start[p + 1]];
                    replaced_in_shard(part.iter().copied(), part.len(), bits, table, &mut out);
                }
                out
            },
        )
        .flatten_iter()
        .collect();
    drop(keys);
    // In file order, each with one read of its line.
    replaced.par_sort_unstable();
    let changed = || {
        FileError::Io(std::io::Error::other(
            "the file changed while it was read / tệp đã thay đổi trong khi đọc",
        ))
    };
    let taken_back: Vec<DossierTally> = replaced
        .par_chunks(4096)
        .map(|chunk| {
            let mut t = DossierTally::default();
            let mut buf = Vec::new();
            for &at in chunk {
                let line = read_line_at(file, len, bits.offset(at), bits.len(at), &mut buf)
                    .map_err(FileError::Io)?;
                let text = std::str::from_utf8(line).map_err(|_| changed())?;
                // the same row as when it was counted, or the file is not the same file
                let mut counted = false;
                for_each_dossier(text, layout, &map, &AnyUnit, |_, _, _, d| {
                    if let Ok(d) = d {
                        if let Some(&unit) = unit_index.get(d.unit) {
                            t.add(&ctx.facts(&d, unit), ctx.calendar, ctx.as_of);
                            counted = true;
                        }
                    }
                });
                if !counted {
                    return Err(changed());
                }
            }
            Ok(t)
        })
        .collect::<Result<_, FileError>>()?;
    for t in taken_back {
        for ((f, u, m), s) in t.cells() {
            tally.add_sums(f, u, m, negate(s));
        }
        for (k, n) in t.unknown_procedure {
            let c = tally.unknown_procedure.entry(k).or_default();
            *c = c.wrapping_sub(n);
        }
    }
    tally.prune();
    report.unknown_procedures = tally.unknown_procedure.values().sum();
    Ok(DossierStats {
        tally,
        units: unit_codes,
        report,
    })
}

fn negate(s: thidua_domain::dossier::Sums) -> thidua_domain::dossier::Sums {
    thidua_domain::dossier::Sums {
        num: -s.num,
        den: -s.den,
    }
}

/// Quoted CSV and XLSX: two streaming passes — the first finds, by hashed code, the last
/// row of every dossier; the second counts only those.
fn general(file: &std::fs::File, ctx: &Ctx) -> Result<DossierStats, FileError> {
    let mut last: FxHashMap<u128, usize> = FxHashMap::default();
    let mut report = ImportReport::new(ImportKind::Dossiers);
    pass(file, &mut |cols, cells, row| {
        report.rows_read += 1;
        if report.rows_read.is_multiple_of(1 << 16) {
            ctx.read(1 << 16, 0);
        }
        match parse_dossier(cols, cells, row, &AnyUnit) {
            Ok(d) => {
                last.insert(xxh3_128(d.code.as_bytes()), row);
            }
            Err(errs) => {
                report.rows_bad += 1;
                for e in errs {
                    report.push(e);
                }
            }
        }
    })?;
    report.rows_ok = report.rows_read - report.rows_bad;
    let mut units: Vec<String> = Vec::new();
    let mut index: FxHashMap<String, u32> = FxHashMap::default();
    let mut tally = DossierTally::default();
    let cols_unknown = pass(file, &mut |cols, cells, row| {
        let Ok(d) = parse_dossier(cols, cells, row, &AnyUnit) else {
            return;
        };
        if last.get(&xxh3_128(d.code.as_bytes())) != Some(&row) {
            return;
        }
        let unit = *index.entry(d.unit.to_string()).or_insert_with(|| {
            units.push(d.unit.to_string());
            units.len() as u32 - 1
        });
        tally.add(&ctx.facts(&d.as_plain(), unit), ctx.calendar, ctx.as_of);
    })?;
    report.unknown_columns = cols_unknown;
    report.unknown_procedures = tally.unknown_procedure.values().sum();
    Ok(DossierStats { tally, units, report })
}

fn pass(file: &std::fs::File, f: &mut dyn FnMut(&Columns, &[Cell], usize)) -> Result<Vec<String>, FileError> {
    use std::io::Seek;
    let mut file = file;
    file.rewind().map_err(FileError::Io)?;
    let cols: OnceCell<Columns> = OnceCell::new();
    read_table(
        file,
        &mut |h| {
            let _ = cols.set(Columns::map(ImportKind::Dossiers, h)?);
            Ok(())
        },
        &mut |row, cells| f(cols.get().expect("header first"), cells, row),
    )?;
    Ok(cols.get().map(|c| c.unknown.clone()).unwrap_or_default())
}

/// Reads a procedure catalogue (any accepted CSV/XLSX form); bad rows are returned.
pub fn read_procedures(file: &mut std::fs::File) -> Result<(Procedures, ImportReport), FileError> {
    let mut report = ImportReport::new(ImportKind::Procedures);
    let mut out = Procedures::default();
    let cols: OnceCell<Columns> = OnceCell::new();
    read_table(
        &*file,
        &mut |h| {
            let _ = cols.set(Columns::map(ImportKind::Procedures, h)?);
            Ok(())
        },
        &mut |row, cells| {
            report.rows_read += 1;
            match crate::rows::parse_row(cols.get().expect("header first"), cells, row, &AnyUnit) {
                Ok(crate::rows::Record::Procedure(p)) => {
                    report.rows_ok += 1;
                    out.insert(
                        p.code,
                        ProcedureInfo {
                            statutory_days: p.statutory_days,
                            online_level: p.online_level,
                        },
                    );
                }
                Ok(_) => unreachable!("procedure columns give procedure records"),
                Err(errs) => {
                    report.rows_bad += 1;
                    for e in errs {
                        report.push(e);
                    }
                }
            }
        },
    )?;
    Ok((out, report))
}

/// The rows of `dossier-stats`: `(indicator, unit, YYYY-MM, num, den)` with a non-zero
/// denominator, sorted as text like the DuckDB baseline (`ORDER BY 1, 2, 3`).
pub fn stat_rows(
    stats: &DossierStats,
) -> Vec<(
    &'static str,
    &str,
    String,
    thidua_domain::num::Dec,
    thidua_domain::num::Dec,
)> {
    let mut rows: Vec<_> = stats
        .tally
        .cells()
        .filter(|(_, s)| s.den != thidua_domain::num::Dec::ZERO)
        .map(|((f, u, m), s)| (f.code(), stats.units[u as usize].as_str(), m.iso(), s.num, s.den))
        .collect();
    rows.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_tell_every_code_of_up_to_16_bytes_apart() {
        // every string of 'a' and 'b' of length 0 to 16, and a few of three bytes a letter
        let mut all = Vec::new();
        for n in 0..=16u32 {
            for bits in 0..1u32 << n {
                all.push(
                    (0..n)
                        .map(|i| if bits >> i & 1 == 1 { 'b' } else { 'a' })
                        .collect::<String>(),
                );
            }
        }
        all.extend(["Hồ", "ồH", "Hồồ", "ồồồồồ", "ồồồồồa"].map(String::from));
        let keys: std::collections::HashSet<Short> = all.iter().map(|s| Short::of(s).unwrap()).collect();
        assert_eq!(keys.len(), all.len());
        assert_eq!(Short::of(&"x".repeat(17)), None);
        let mut m = ByCode::default();
        m.insert("T01", 1);
        m.insert("a code longer than sixteen bytes", 2);
        assert_eq!(
            (
                m.get("T01"),
                m.get("a code longer than sixteen bytes"),
                m.get("T02")
            ),
            (Some(&1), Some(&2), None)
        );
    }

    #[test]
    fn the_table_finds_every_replaced_row_whatever_the_order_of_the_keys() {
        // codes c0..c999 seen 1 to 4 times each, keys shuffled; the table must give back
        // every offset but the largest of each code
        let bits = AtBits::for_file(1 << 20).unwrap();
        let mut keys = Vec::new();
        let mut expected = Vec::new();
        let mut offset = 10u64;
        for c in 0..1000 {
            let code = format!("c{c}");
            let times = 1 + c % 4;
            let offsets: Vec<u64> = (0..times)
                .map(|_| {
                    offset += 7;
                    offset
                })
                .collect();
            expected.extend_from_slice(&offsets[..offsets.len() - 1]);
            keys.extend(offsets.iter().map(|&o| Key::new(&code, o, 0, bits)));
        }
        // a fixed shuffle
        let mut state = 42u64;
        for i in (1..keys.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            keys.swap(i, (state >> 33) as usize % (i + 1));
        }
        let mut table = vec![Key::new("left over", 5, 1, bits); 3];
        let mut out = Vec::new();
        replaced_in_shard(keys.iter().copied(), keys.len(), bits, &mut table, &mut out);
        let mut out: Vec<u64> = out.iter().map(|&at| bits.offset(at)).collect();
        out.sort_unstable();
        expected.sort_unstable();
        assert_eq!(out, expected);
        // the same table again, with nothing repeated
        out.clear();
        replaced_in_shard(keys.iter().copied().take(1), 1, bits, &mut table, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_key_keeps_the_offset_and_length_and_tells_codes_apart_by_its_extra_hash_bits() {
        for file_len in [2, 1 << 20, 1_115_220_577, 11 << 30, (1 << 52) - 1] {
            let bits = AtBits::for_file(file_len).unwrap();
            let last = file_len - 1;
            for (offset, len) in [(1, 100), (last, 4095), (last / 2, 4096), (last, 0)] {
                let k = Key::new("H05X05-2023-00000001", offset, len, bits);
                assert_eq!(
                    (bits.offset(k.at), bits.len(k.at)),
                    (offset, if len < 4096 { len } else { 0 }),
                    "{file_len}"
                );
                assert_ne!(k.at, 0);
            }
            // keys are ordered by offset whatever their hash
            let (a, b) = (Key::new("x", 5, 7, bits), Key::new("y", 6, 1, bits));
            assert!(file_len < 7 || a.at < b.at);
        }
        assert!(AtBits::for_file(1 << 52).is_none());
        // a file of a gigabyte leaves 21 bits of the hash in `at`
        let bits = AtBits::for_file(1_115_220_577).unwrap();
        assert_eq!(bits.extra, 21);
        // two codes whose 64-bit `hash` collides but whose further bits differ are two codes
        let a = Key {
            hash: 7,
            at: 1 << 40 | 1,
        };
        let b = Key {
            hash: 7,
            at: 2 << 40 | 2,
        };
        let mut out = Vec::new();
        replaced_in_shard([a, b].into_iter(), 2, bits, &mut Vec::new(), &mut out);
        assert!(out.is_empty());
        let c = Key {
            hash: 7,
            at: 3 << 40 | 1,
        };
        replaced_in_shard([a, b, c].into_iter(), 3, bits, &mut Vec::new(), &mut out);
        assert_eq!(out, vec![a.at]);
    }

    #[test]
    fn chunks_keep_every_key_in_order() {
        let mut c = Chunks::default();
        for i in 1..=(3 * CHUNK as u64 + 5) {
            c.push(Key { hash: i, at: i });
        }
        assert_eq!(c.0.len(), 4);
        assert!(c.iter().map(|k| k.hash).eq(1..=(3 * CHUNK as u64 + 5)));
    }
}
