//! The dossier import hot path: blocks of the file are parsed and validated on every core
//! (`thidua_ingest::fast`, the shared validator) while this thread writes the parsed rows,
//! in file order, through one prepared statement inside the import's single transaction.

use crate::import::{ImportError, ImportOptions, Progress, StoreLookup};
use crate::{now, Store};
use rayon::prelude::*;
use rusqlite::params;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::mpsc::sync_channel;
use thidua_ingest::fast::{for_each_block_row, has_quote, not_utf8, Block, Layout, Mapped};
use thidua_ingest::rows::{parse_dossier, Lookup};
use thidua_ingest::table::Cell;
use thidua_ingest::{ImportKind, ImportReport, RowError};

/// A valid row; its text is a byte range of its block.
struct Parsed {
    code: (u32, u32),
    procedure: (u32, u32),
    unit_id: i64,
    received_at: i64,
    due_at: i64,
    completed_at: Option<i64>,
    channel: u8,
    status: u8,
}

/// What a worker makes of one block.
struct Done<'m> {
    block: Block<'m>,
    rows: Vec<Parsed>,
    read: u64,
    bad: u64,
    unknown_procedures: u64,
    errors: Vec<Vec<RowError>>,
    /// A quote in the block: the file must be read by the general CSV reader.
    quoted: bool,
}

fn range_in(base: &[u8], s: &Cow<'_, str>) -> (u32, u32) {
    let start = s.as_ptr() as usize - base.as_ptr() as usize;
    (start as u32, (start + s.len()) as u32)
}

fn parse_block<'m>(block: Block<'m>, layout: &Layout, lookup: &StoreLookup) -> Done<'m> {
    let data = block.data;
    let quoted = has_quote(data);
    let mut done = Done { rows: Vec::new(), read: 0, bad: 0, unknown_procedures: 0, errors: Vec::new(), quoted, block };
    if quoted {
        return done;
    }
    done.rows.reserve(data.len() / 100);
    let mut cells: Vec<Cell> = Vec::with_capacity(16);
    for_each_block_row(&done.block, layout.delimiter, &mut cells, |_, line_no, row| {
        done.read += 1;
        let Ok(row) = row else {
            done.bad += 1;
            done.errors.push(vec![not_utf8(line_no)]);
            return;
        };
        match parse_dossier(&layout.columns, row, line_no, lookup) {
            Ok(d) => {
                if !lookup.procedure_known(&d.procedure) {
                    done.unknown_procedures += 1;
                }
                done.rows.push(Parsed {
                    code: range_in(data, &d.code),
                    procedure: range_in(data, &d.procedure),
                    unit_id: lookup.units[d.unit.as_ref()],
                    received_at: d.received_at.0,
                    due_at: d.due_at.0,
                    completed_at: d.completed_at.map(|t| t.0),
                    channel: d.channel.id(),
                    status: d.status.id(),
                });
            }
            Err(errs) => {
                done.bad += 1;
                done.errors.push(errs);
            }
        }
    });
    done
}

fn text(data: &[u8], (a, b): (u32, u32)) -> &str {
    // The validator produced these ranges from UTF-8 text.
    std::str::from_utf8(&data[a as usize..b as usize]).expect("validated UTF-8")
}

impl Store {
    pub(crate) fn import_dossiers_fast(
        &mut self,
        file: &std::fs::File,
        layout: Layout,
        opts: &ImportOptions,
        on_error: &mut dyn FnMut(&RowError),
        progress: &dyn Fn(Progress),
    ) -> Result<ImportReport, ImportError> {
        // A bigger page cache while the dossier B-tree takes millions of rows.
        self.conn.pragma_update(None, "cache_size", -262_144)?;
        let result = self.import_dossiers_tx(file, layout, opts, on_error, progress);
        self.conn.pragma_update(None, "cache_size", -2000)?;
        result
    }

    fn import_dossiers_tx(
        &mut self,
        file: &std::fs::File,
        layout: Layout,
        opts: &ImportOptions,
        on_error: &mut dyn FnMut(&RowError),
        progress: &dyn Fn(Progress),
    ) -> Result<ImportReport, ImportError> {
        let lookup = self.lookup()?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO imports (kind, file_name, started_at, imported_by) VALUES (?1, ?2, ?3, ?4)",
            (ImportKind::Dossiers.code(), &opts.file_name, now(), &opts.by),
        )?;
        let import_id = tx.last_insert_rowid();
        let mut report = ImportReport::new(ImportKind::Dossiers);
        report.unknown_columns = layout.columns.unknown.clone();
        let mut write_error: Option<rusqlite::Error> = None;
        let mut quoted_from: Option<usize> = None;
        let mapped = Mapped::open(file).map_err(|e| ImportError::File(thidua_ingest::FileError::Io(e)))?;
        {
            let mut stmt = tx.prepare(crate::import::UPSERT_DOSSIER)?;
            let (sender, receiver) = sync_channel::<Done>(4);
            std::thread::scope(|s| {
                let (layout, lookup) = (&layout, &lookup);
                let mapped = &mapped;
                s.spawn(move || {
                    mapped.blocks(layout.body_start).par_bridge().for_each_with(sender, |tx, block| {
                        // A closed channel means the writer stopped on an error.
                        let _ = tx.send(parse_block(block, layout, lookup));
                    });
                });
                let mut pending: BTreeMap<usize, Done> = BTreeMap::new();
                let mut next = 0usize;
                let mut bytes = layout.body_start as u64;
                for done in receiver {
                    pending.insert(done.block.seq, done);
                    while let Some(d) = pending.remove(&next) {
                        next += 1;
                        if quoted_from.is_some() {
                            continue;
                        }
                        if d.quoted {
                            quoted_from = Some(d.block.first_line);
                            continue;
                        }
                        report.rows_read += d.read;
                        report.rows_bad += d.bad;
                        report.unknown_procedures += d.unknown_procedures;
                        for e in d.errors.into_iter().flatten() {
                            on_error(&e);
                            report.push(e);
                        }
                        bytes += d.block.data.len() as u64;
                        if write_error.is_none() && (report.rows_bad == 0 || opts.accept_valid) {
                            let data = d.block.data;
                            for r in &d.rows {
                                let res = stmt.execute(params![
                                    text(data, r.code),
                                    r.unit_id,
                                    text(data, r.procedure),
                                    r.received_at,
                                    r.due_at,
                                    r.completed_at,
                                    r.channel,
                                    r.status,
                                    import_id
                                ]);
                                if let Err(e) = res {
                                    write_error = Some(e);
                                    break;
                                }
                            }
                        }
                        mapped.release(d.block.data);
                        progress(Progress { rows: report.rows_read, bytes });
                    }
                }
            });
        }
        if let Some(e) = write_error {
            return Err(e.into());
        }
        if let Some(line) = quoted_from {
            // Quoted fields further on: start again with the general reader, in a new
            // transaction; the rows before `line` have had their errors reported already.
            tx.rollback()?;
            let mut later_errors = |e: &RowError| {
                if e.row >= line {
                    on_error(e)
                }
            };
            return self.import(ImportKind::Dossiers, file, opts, &mut later_errors, progress);
        }
        report.rows_ok = report.rows_read - report.rows_bad;
        if report.rows_read == 0 {
            return Err(ImportError::NoRows);
        }
        if report.rows_bad > 0 && !opts.accept_valid {
            tx.rollback()?;
            return Ok(report);
        }
        tx.execute(
            "UPDATE imports SET rows_read = ?1, rows_ok = ?2, rows_bad = ?3 WHERE id = ?4",
            params![report.rows_read as i64, report.rows_ok as i64, report.rows_bad as i64, import_id],
        )?;
        tx.commit()?;
        report.committed = true;
        Ok(report)
    }
}
