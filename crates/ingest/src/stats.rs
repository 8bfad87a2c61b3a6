//! `dossier-stats`: the three dossier indicators per unit and month straight from a raw
//! export, without a store. Rows go through the shared validator and the domain's
//! `DossierTally` — the same computation as the store-backed evaluation.
//!
//! A dossier code seen again replaces its earlier row. Rather than holding every row,
//! each valid row is counted at once and leaves only a 128-bit hash of its code and its
//! position (24 bytes); afterwards the positions are sorted by hash, and every row that a
//! later row of the same code replaced is parsed again and taken back out of the sums.

use crate::columns::{Columns, ImportKind};
use crate::fast::{fast_layout, for_each_block_row, for_each_row, has_quote, not_utf8, Block, Mapped};
use crate::report::{ImportReport, RowError, MAX_KEPT};
use crate::rows::{parse_dossier, DossierRef, Lookup};
use crate::table::{read_table, Cell};
use crate::values::{bad, Bad};
use crate::FileError;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cell::OnceCell;
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

/// Dense unit numbers by code.
#[derive(Default)]
struct Units<'a> {
    index: FxHashMap<&'a str, u32>,
    codes: Vec<&'a str>,
}

impl<'a> Units<'a> {
    fn get(&mut self, code: &'a str) -> u32 {
        if let Some(&i) = self.index.get(code) {
            return i;
        }
        let i = self.codes.len() as u32;
        self.codes.push(code);
        self.index.insert(code, i);
        i
    }
}

struct Ctx<'p> {
    procedures: &'p Procedures,
    calendar: &'p Calendar,
    as_of: DateTime,
}

impl Ctx<'_> {
    fn facts(&self, d: &DossierRef<'_>, unit: u32) -> DossierFacts<'_> {
        DossierFacts {
            unit,
            procedure: self.procedures.get(d.procedure.as_ref()),
            received_at: d.received_at,
            due_at: d.due_at,
            completed_at: d.completed_at,
            channel: d.channel,
            status: d.status,
        }
    }
}

/// Row keys are spread over shards by hash, so that finding repeated codes needs one
/// shard's keys at a time, not a second copy of all of them.
const SHARDS: usize = 64;

fn shard(h: u128) -> usize {
    (h >> 122) as usize
}

/// What one block of the file yields.
struct Part {
    tally: DossierTally,
    units: Vec<String>,
    /// (hash of the dossier code, byte offset of the row) per shard.
    keys: Vec<Vec<(u128, u64)>>,
    rows: u64,
    bad: u64,
    errors: Vec<RowError>,
    errors_not_kept: u64,
    /// The block has a quote: the whole file goes to the general path.
    quoted: bool,
    /// The block's place in the file and its number of lines: row numbers in `errors`
    /// count from the block's first line until the merge makes them file line numbers.
    seq: usize,
    lines: usize,
}

fn keep(errors: &mut Vec<RowError>, not_kept: &mut u64, e: RowError) {
    if errors.len() < MAX_KEPT {
        errors.push(e);
    } else {
        *not_kept += 1;
    }
}

/// Computes the statistics of a dossier export file.
pub fn dossier_stats(file: &mut std::fs::File, procedures: &Procedures, calendar: &Calendar, as_of: DateTime) -> Result<DossierStats, FileError> {
    let ctx = Ctx { procedures, calendar, as_of };
    match fast_layout(file, ImportKind::Dossiers)? {
        Some(layout) => fast(&*file, &layout.columns, layout.delimiter, layout.body_start, &ctx),
        None => general(&*file, &ctx),
    }
}

fn block_part(block: &Block, cols: &Columns, delimiter: u8, ctx: &Ctx) -> Part {
    let mut p = Part {
        tally: DossierTally::default(),
        units: Vec::new(),
        keys: (0..SHARDS).map(|_| Vec::with_capacity(block.data.len() / 100 / SHARDS + 16)).collect(),
        rows: 0,
        bad: 0,
        errors: Vec::new(),
        errors_not_kept: 0,
        quoted: has_quote(block.data),
        seq: block.seq,
        lines: 0,
    };
    if p.quoted {
        return p;
    }
    let mut units = Units::default();
    let mut cells: Vec<Cell> = Vec::with_capacity(16);
    p.lines = for_each_block_row(block, delimiter, &mut cells, |offset, line_no, row| {
        p.rows += 1;
        let Ok(row) = row else {
            p.bad += 1;
            keep(&mut p.errors, &mut p.errors_not_kept, not_utf8(line_no));
            return;
        };
        match parse_dossier(cols, row, line_no, &AnyUnit) {
            Ok(d) => {
                let h = xxh3_128(d.code.as_bytes());
                p.keys[shard(h)].push((h, block.offset + offset as u64));
                let unit = match d.unit {
                    std::borrow::Cow::Borrowed(u) => units.get(u),
                    std::borrow::Cow::Owned(_) => unreachable!("CSV text is borrowed"),
                };
                p.tally.add(&ctx.facts(&d, unit), ctx.calendar, ctx.as_of);
            }
            Err(errs) => {
                p.bad += 1;
                for e in errs {
                    keep(&mut p.errors, &mut p.errors_not_kept, e);
                }
            }
        }
    });
    p.units = units.codes.iter().map(|u| u.to_string()).collect();
    p
}

fn fast(file: &std::fs::File, cols: &Columns, delimiter: u8, body_start: usize, ctx: &Ctx) -> Result<DossierStats, FileError> {
    let mapped = Mapped::open(file).map_err(FileError::Io)?;
    let mut parts: Vec<Part> = mapped
        .blocks(body_start)
        .par_bridge()
        .map(|block| {
            let part = block_part(&block, cols, delimiter, ctx);
            mapped.release(block.data);
            part
        })
        .collect();
    if parts.iter().any(|p| p.quoted) {
        drop(parts);
        return general(file, ctx);
    }
    // Merge the parts, in file order, under one numbering of units.
    parts.sort_by_key(|p| p.seq);
    let mut first_line = 2;
    let mut report = ImportReport::new(ImportKind::Dossiers);
    report.unknown_columns = cols.unknown.clone();
    let mut unit_index: FxHashMap<String, u32> = FxHashMap::default();
    let mut unit_codes: Vec<String> = Vec::new();
    let mut tally = DossierTally::default();
    let mut keys: Vec<Vec<Vec<(u128, u64)>>> = Vec::with_capacity(parts.len());
    for p in parts {
        let mut map: Vec<u32> = Vec::with_capacity(p.units.len());
        for u in p.units {
            let next = unit_codes.len() as u32;
            let i = *unit_index.entry(u.clone()).or_insert(next);
            if i == next {
                unit_codes.push(u);
            }
            map.push(i);
        }
        tally.merge_mapped(p.tally, |u| map[u as usize]);
        keys.push(p.keys);
        report.rows_read += p.rows;
        report.rows_bad += p.bad;
        report.errors_not_kept += p.errors_not_kept;
        for mut e in p.errors {
            e.row += first_line;
            report.push(e);
        }
        first_line += p.lines;
    }
    report.rows_ok = report.rows_read - report.rows_bad;

    // Take back every row that a later row of the same code replaced: per shard, sort the
    // keys; in a run of one hash, every row but the last in the file was replaced.
    let mut replaced: Vec<u64> = (0..SHARDS)
        .into_par_iter()
        .flat_map_iter(|sh| {
            let mut v: Vec<(u128, u64)> = keys.iter().flat_map(|k| k[sh].iter().copied()).collect();
            v.sort_unstable();
            v.chunk_by(|a, b| a.0 == b.0).flat_map(|run| run[..run.len() - 1].iter().map(|k| k.1)).collect::<Vec<u64>>()
        })
        .collect();
    drop(keys);
    // In file order, through the mapping: neighbouring rows share pages, and each stretch
    // is released once read.
    replaced.par_sort_unstable();
    let taken_back: Vec<DossierTally> = replaced
        .par_chunks(4096)
        .map(|offsets| {
            let mut t = DossierTally::default();
            let mut cells: Vec<Cell> = Vec::with_capacity(16);
            for &offset in offsets {
                let text = std::str::from_utf8(mapped.line_at(offset)).expect("validated before");
                for_each_row(text, 0, delimiter, &mut cells, |_, _, row| {
                    let d = parse_dossier(cols, row, 0, &AnyUnit).expect("validated before");
                    t.add(&ctx.facts(&d, unit_index[d.unit.as_ref()]), ctx.calendar, ctx.as_of);
                });
            }
            let (first, last) = (offsets[0] as usize, *offsets.last().expect("a chunk is never empty") as usize);
            mapped.release(&mapped.bytes()[first..last + mapped.line_at(last as u64).len()]);
            t
        })
        .collect();
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
    report.errors.sort_by_key(|e| e.row);
    Ok(DossierStats { tally, units: unit_codes, report })
}

fn negate(s: thidua_domain::dossier::Sums) -> thidua_domain::dossier::Sums {
    thidua_domain::dossier::Sums { num: -s.num, den: -s.den }
}

/// Quoted CSV and XLSX: two streaming passes — the first finds, by hashed code, the last
/// row of every dossier; the second counts only those.
fn general(file: &std::fs::File, ctx: &Ctx) -> Result<DossierStats, FileError> {
    let mut last: FxHashMap<u128, usize> = FxHashMap::default();
    let mut report = ImportReport::new(ImportKind::Dossiers);
    pass(file, &mut |cols, cells, row| {
        report.rows_read += 1;
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
        let Ok(d) = parse_dossier(cols, cells, row, &AnyUnit) else { return };
        if last.get(&xxh3_128(d.code.as_bytes())) != Some(&row) {
            return;
        }
        let unit = *index.entry(d.unit.to_string()).or_insert_with(|| {
            units.push(d.unit.to_string());
            units.len() as u32 - 1
        });
        tally.add(&ctx.facts(&d, unit), ctx.calendar, ctx.as_of);
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
                    out.insert(p.code, ProcedureInfo { statutory_days: p.statutory_days, online_level: p.online_level });
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
pub fn stat_rows(stats: &DossierStats) -> Vec<(&'static str, &str, String, thidua_domain::num::Dec, thidua_domain::num::Dec)> {
    let mut rows: Vec<_> = stats
        .tally
        .cells()
        .filter(|(_, s)| s.den != thidua_domain::num::Dec::ZERO)
        .map(|((f, u, m), s)| (f.code(), stats.units[u as usize].as_str(), m.iso(), s.num, s.den))
        .collect();
    rows.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    rows
}
