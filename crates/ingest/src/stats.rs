//! `dossier-stats`: the three dossier indicators per unit and month straight from a raw
//! export, without a store. Rows go through the shared validator and the domain's
//! `DossierTally` — the same computation as the store-backed evaluation.
//!
//! A dossier code seen again replaces its earlier row. Rather than holding every row,
//! each valid row is counted at once and leaves only a 128-bit hash of its code and its
//! position (24 bytes); afterwards the positions are sorted by hash, and every row that a
//! later row of the same code replaced is parsed again and taken back out of the sums.

use crate::columns::{Columns, ImportKind};
use crate::fast::{fast_layout, for_each_line, line_at, not_utf8, split, Block, BlockReader};
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

/// What one block of the file yields.
struct Part {
    tally: DossierTally,
    units: Vec<String>,
    keys: Vec<(u128, u64)>,
    rows: u64,
    bad: u64,
    errors: Vec<RowError>,
    errors_not_kept: u64,
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
        Some(layout) => fast(file, &layout.columns, layout.delimiter, layout.body_start, &ctx),
        None => general(file, &ctx),
    }
}

fn block_part(block: &Block, cols: &Columns, delimiter: u8, ctx: &Ctx) -> Part {
    let data = &block.data;
    let mut p = Part { tally: DossierTally::default(), units: Vec::new(), keys: Vec::new(), rows: 0, bad: 0, errors: Vec::new(), errors_not_kept: 0 };
    let mut units = Units::default();
    let mut cells: Vec<Cell> = Vec::with_capacity(16);
    for_each_line(data, 0..data.len(), block.first_line, |offset, line_no, line| {
                p.rows += 1;
                if split(line, delimiter, &mut cells).is_err() {
                    p.bad += 1;
                    keep(&mut p.errors, &mut p.errors_not_kept, not_utf8(line_no));
                    return;
                }
                match parse_dossier(cols, &cells, line_no, &AnyUnit) {
                    Ok(d) => {
                        p.keys.push((xxh3_128(d.code.as_bytes()), block.offset + offset as u64));
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

fn fast(file: &mut std::fs::File, cols: &Columns, delimiter: u8, body_start: usize, ctx: &Ctx) -> Result<DossierStats, FileError> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(body_start as u64)).map_err(FileError::Io)?;
    let mut reader = BlockReader::new(&*file, body_start as u64, 2);
    let parts: Vec<Part> = (&mut reader).par_bridge().map(|block| block_part(&block, cols, delimiter, ctx)).collect();
    if let Some(e) = reader.take_error() {
        return Err(FileError::Io(e));
    }

    // Merge the parts under one numbering of units.
    let mut report = ImportReport::new(ImportKind::Dossiers);
    report.unknown_columns = cols.unknown.clone();
    let mut unit_index: FxHashMap<String, u32> = FxHashMap::default();
    let mut unit_codes: Vec<String> = Vec::new();
    let mut tally = DossierTally::default();
    let mut keys: Vec<(u128, u64)> = Vec::with_capacity(parts.iter().map(|p| p.keys.len()).sum());
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
        for ((f, u, m), s) in p.tally.cells {
            *tally.cells.entry((f, map[u as usize], m)).or_default() += s;
        }
        for ((u, m), n) in p.tally.unknown_procedure {
            *tally.unknown_procedure.entry((map[u as usize], m)).or_default() += n;
        }
        keys.extend(p.keys);
        report.rows_read += p.rows;
        report.rows_bad += p.bad;
        report.errors_not_kept += p.errors_not_kept;
        for e in p.errors {
            report.push(e);
        }
    }
    report.rows_ok = report.rows_read - report.rows_bad;

    // Take back every row that a later row of the same code replaced.
    keys.par_sort_unstable();
    let mut line = Vec::new();
    for run in keys.chunk_by(|a, b| a.0 == b.0) {
        for &(_, offset) in &run[..run.len() - 1] {
            line_at(file, offset, &mut line).map_err(FileError::Io)?;
            let mut cells: Vec<Cell> = Vec::with_capacity(16);
            split(&line, delimiter, &mut cells).expect("validated before");
            let d = parse_dossier(cols, &cells, 0, &AnyUnit).expect("validated before");
            let unit = unit_index[d.unit.as_ref()];
            tally.remove(&ctx.facts(&d, unit), ctx.calendar, ctx.as_of);
        }
    }
    tally.prune();
    report.unknown_procedures = tally.unknown_procedure.values().sum();
    report.errors.sort_by_key(|e| e.row);
    Ok(DossierStats { tally, units: unit_codes, report })
}

/// Quoted CSV and XLSX: two streaming passes — the first finds, by hashed code, the last
/// row of every dossier; the second counts only those.
fn general(file: &mut std::fs::File, ctx: &Ctx) -> Result<DossierStats, FileError> {
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

fn pass(file: &mut std::fs::File, f: &mut dyn FnMut(&Columns, &[Cell], usize)) -> Result<Vec<String>, FileError> {
    use std::io::Seek;
    file.rewind().map_err(FileError::Io)?;
    let cols: OnceCell<Columns> = OnceCell::new();
    read_table(
        &*file,
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
        .cells
        .iter()
        .filter(|(_, s)| s.den != thidua_domain::num::Dec::ZERO)
        .map(|((f, u, m), s)| (f.code(), stats.units[*u as usize].as_str(), m.iso(), s.num, s.den))
        .collect();
    rows.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    rows
}
