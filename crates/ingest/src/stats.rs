//! `dossier-stats`: the three dossier indicators per unit and month straight from a raw
//! export, without a store. Rows go through the shared validator and the domain's
//! `DossierTally` — the same computation as the store-backed evaluation.
//!
//! A dossier code seen again replaces its earlier row. Rather than holding every row,
//! each valid row is counted at once and leaves only a hash of its code and its position
//! (16 bytes, `dossier::dedupe::Key`); afterwards each shard of these keys goes through an
//! open-addressing table that finds the codes seen more than once, and every row that a
//! later row of the same code replaced is parsed again and taken back out of the sums.

use crate::columns::{Columns, ImportKind};
use crate::dossier::blocks::{block_count, read_block, read_line_at, Block};
use crate::dossier::codes::{ByCode, Units};
use crate::dossier::dedupe::{replaced_rows, AtBits, Chunks, Key, SHARDS};
use crate::dossier::layout::{fast_layout, Layout};
use crate::dossier::lines::{block_text, for_each_block_row, for_each_dossier, not_utf8, BlockText};
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
use thidua_domain::plan::Reading;
use thidua_domain::plan::ValueRule;
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
    fn value_rule(&self, _: &str) -> Result<ValueRule, Bad> {
        Err(bad("không dùng ở đây", "not used here"))
    }
    fn procedure_known(&self, _: &str) -> bool {
        true
    }
}

pub type Procedures = FxHashMap<String, ProcedureInfo>;

/// Each formula in its default variant (INDICATORS.md section 2): what `dossier-stats`
/// prints unless told otherwise.
pub const DEFAULT_READINGS: [Reading; 3] = [
    Reading::TthcDungHan,
    Reading::TthcRutNgan(thidua_domain::plan::RutNgan::ThucTe),
    Reading::DvcTrucTuyen(thidua_domain::plan::TrucTuyen::TiepNhan),
];

pub struct DossierStats {
    pub tally: DossierTally,
    /// Unit codes; the tally's unit index points here.
    pub units: Vec<String>,
    pub report: ImportReport,
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
        return Err(FileError::io(e));
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

    // Take back every row that a later row of the same code replaced, in file order, each
    // with one read of its line.
    let replaced = replaced_rows(keys, bits);
    let changed = || {
        FileError::Io(std::io::Error::other(
            "the file changed while it was read / tệp đã thay đổi trong khi đọc",
        ))
    };
    // Each chunk's tally is what its rows had added, taken back (`remove`: negative sums),
    // so that merging it subtracts them.
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
                            t.remove(&ctx.facts(&d, unit), ctx.calendar, ctx.as_of);
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
        tally.merge_mapped(t, |u| u);
    }
    tally.prune();
    report.unknown_procedures = tally.unknown_procedure.values().sum();
    Ok(DossierStats {
        tally,
        units: unit_codes,
        report,
    })
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
                            published_days: p.published_days,
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
/// denominator, sorted as text like the DuckDB baseline (`ORDER BY 1, 2, 3`). Each formula
/// is read as `readings` says (at most one reading a formula; the defaults: `DEFAULT_READINGS`)
/// and printed under the formula's code.
pub fn stat_rows<'a>(
    stats: &'a DossierStats,
    readings: &[Reading],
) -> Vec<(
    &'static str,
    &'a str,
    String,
    thidua_domain::num::Dec,
    thidua_domain::num::Dec,
)> {
    let mut rows: Vec<_> = stats
        .tally
        .cells()
        .filter(|((r, _, _), s)| s.den != thidua_domain::num::Dec::ZERO && readings.contains(r))
        .map(|((r, u, m), s)| {
            (
                r.formula().code(),
                stats.units[u as usize].as_str(),
                m.iso(),
                s.num,
                s.den,
            )
        })
        .collect();
    rows.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    rows
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
