//! The dossier import hot path: blocks of the file are parsed and validated on every core
//! (`thidua_ingest::fast`, the shared validator) while this thread writes the parsed rows,
//! in file order, 64 to a statement, inside the import's single transaction.

use crate::import::{ImportError, ImportOptions, Progress};
use crate::lookup::StoreLookup;
use crate::sums::{open_span, Context, Delta, Ends, Row};
use crate::Store;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::mpsc::sync_channel;
use thidua_domain::dossier::DossierTally;
use thidua_ingest::dossier::blocks::BLOCK_SIZE;
use thidua_ingest::fast::{
    block_text, for_each_block_row, for_each_dossier, not_utf8, Block, BlockText, Layout, Mapped,
};
use thidua_ingest::rows::{parse_dossier, DossierRef, Lookup, PlainDossier};
use thidua_ingest::table::Cell;
use thidua_ingest::{ImportKind, ImportReport, RowError};

/// A valid row's columns other than its text, as stored.
#[derive(Clone, Copy)]
struct Values {
    unit_id: i64,
    received_at: i64,
    due_at: i64,
    completed_at: Option<i64>,
    channel: u8,
    status: u8,
}

/// A valid row, borrowing its text from the mapped file.
struct Parsed<'m> {
    /// The procedure is not in the catalogue.
    unknown: bool,
    code: &'m str,
    procedure: &'m str,
    values: Values,
}

/// A row ready for the writer: its code and procedure code are byte ranges of `Done::text`.
struct Ready {
    /// `dossiers.open_span` (`sums::open_span`).
    open: Option<i64>,
    /// A hash of the code, for `Unknown`.
    hash: u64,
    unknown: bool,
    code: (u32, u32),
    procedure: (u32, u32),
    values: Values,
}

/// What a worker makes of one block.
struct Done<'m> {
    block: Block<'m>,
    /// The valid rows in code order.
    rows: Vec<Ready>,
    /// Their text, one after the other: the writer reads it straight through instead of
    /// jumping about the file (which cost it a cache miss per row).
    text: String,
    read: u64,
    bad: u64,
    unknown_procedures: u64,
    errors: Vec<Vec<RowError>>,
    /// A quote in the block: the file must be read by the general CSV reader.
    quoted: bool,
    /// Lines in the block; row numbers in `errors` count from the block's first line.
    lines: usize,
    /// What the block's rows count in the kept sums, and their month-end corrections.
    sums: DossierTally,
    ends: Ends,
}

/// Rows per INSERT statement: one statement for many rows saves SQLite's per-statement
/// work, which is most of the cost of a row once parsing runs on other cores.
const BATCH: usize = 64;

fn upsert_many(n: usize) -> String {
    let one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let values = vec![one; n].join(", ");
    crate::import::UPSERT_DOSSIER.replacen(
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &format!("VALUES {values}"),
        1,
    )
}

/// What a worker needs besides the block: the layout, the store's codes, the formulas'
/// context and the import's clock.
struct Shared<'a> {
    layout: &'a Layout,
    lookup: &'a StoreLookup,
    context: &'a Context,
    now: i64,
}

fn parse_block<'m>(block: Block<'m>, shared: &Shared) -> Done<'m> {
    let (layout, lookup) = (shared.layout, shared.lookup);
    let text = block_text(block.data);
    let quoted = text == BlockText::Quoted;
    let mut done = Done {
        rows: Vec::new(),
        text: String::new(),
        read: 0,
        bad: 0,
        unknown_procedures: 0,
        errors: Vec::new(),
        quoted,
        lines: 0,
        block,
        sums: DossierTally::default(),
        ends: Ends::default(),
    };
    if quoted {
        return done;
    }
    let mut parsed: Vec<Parsed> = Vec::with_capacity(done.block.data.len() / 100);
    let mut cells: Vec<Cell> = Vec::with_capacity(16);
    let block = Block {
        data: done.block.data,
        offset: done.block.offset,
        seq: done.block.seq,
    };
    let row =
        |done: &mut Done<'m>, parsed: &mut Vec<Parsed<'m>>, d: Result<PlainDossier<'m>, Vec<RowError>>| {
            done.read += 1;
            match d {
                Ok(d) => {
                    let unknown = !lookup.procedure_known(d.procedure);
                    done.unknown_procedures += unknown as u64;
                    parsed.push(Parsed {
                        unknown,
                        code: d.code,
                        procedure: d.procedure,
                        values: Values {
                            unit_id: lookup.units[d.unit],
                            received_at: d.received_at.0,
                            due_at: d.due_at.0,
                            completed_at: d.completed_at.map(|t| t.0),
                            channel: d.channel.id(),
                            status: d.status.id(),
                        },
                    });
                }
                Err(errs) => {
                    done.bad += 1;
                    done.errors.push(errs);
                }
            }
        };
    let (cols, delimiter) = (&layout.columns, layout.delimiter);
    done.lines = match text {
        BlockText::Text(text) => {
            for_each_dossier(text, layout, &layout.dossier_map(), lookup, |_, _, _, d| {
                row(&mut done, &mut parsed, d)
            })
        }
        BlockText::Quoted => unreachable!("a quoted block returns above"),
        BlockText::NotUtf8 => for_each_block_row(&block, delimiter, &mut cells, |_, line_no, r| match r {
            Ok(r) => {
                let d = parse_dossier(cols, r, line_no, lookup).map(DossierRef::into_line);
                row(&mut done, &mut parsed, d)
            }
            Err(line_no) => {
                done.read += 1;
                done.bad += 1;
                done.errors.push(vec![not_utf8(line_no)]);
            }
        }),
    };
    // In key order the B-tree is walked once per block instead of jumping about. The sort
    // is stable: of two rows with one code, the later still comes later, and wins.
    parsed.sort_by(|a, b| a.code.cmp(b.code));
    done.text
        .reserve(parsed.iter().map(|r| r.code.len() + r.procedure.len()).sum());
    let mut put = |s: &str| {
        let start = done.text.len() as u32;
        done.text.push_str(s);
        (start, done.text.len() as u32)
    };
    // Every row counts: one replaced (by a later row of its code, here or in a later
    // block) is taken back when it is (`sums::watch_replaced`).
    let mut rows: Vec<Ready> = Vec::with_capacity(parsed.len());
    for r in &parsed {
        let v = &r.values;
        let open = open_span(v.status, v.received_at, v.due_at, v.completed_at, shared.now);
        let row = Row {
            unit_id: v.unit_id,
            procedure: std::borrow::Cow::Borrowed(r.procedure),
            received_at: v.received_at,
            due_at: v.due_at,
            completed_at: v.completed_at,
            channel: v.channel,
            status: v.status,
            open_span: open,
        };
        shared.context.count(&mut done.sums, &row, 1);
        shared.context.count_ends(&mut done.ends, &row, 1);
        rows.push(Ready {
            open,
            hash: rustc_hash::FxBuildHasher.hash_one(r.code),
            unknown: r.unknown,
            code: put(r.code),
            procedure: put(r.procedure),
            values: r.values,
        });
    }
    done.rows = rows;
    done
}

/// The codes written so far whose last row names a procedure not in the catalogue: the
/// report counts dossiers, not rows, and a later row of a code may change its procedure.
/// Kept as the rows are written (the parsers hash the codes), so that no query has to scan
/// the whole dossier table afterwards.
#[derive(Default)]
struct Unknown {
    by_hash: rustc_hash::FxHashMap<u64, Vec<Box<str>>>,
    count: u64,
}

impl Unknown {
    fn written(&mut self, rows: &[Ready], text: &str) {
        for r in rows {
            let code = &text[r.code.0 as usize..r.code.1 as usize];
            if self.count > 0 {
                if let Some(codes) = self.by_hash.get_mut(&r.hash) {
                    if let Some(i) = codes.iter().position(|c| &**c == code) {
                        codes.swap_remove(i);
                        self.count -= 1;
                    }
                }
            }
            if r.unknown {
                self.by_hash.entry(r.hash).or_default().push(code.into());
                self.count += 1;
            }
        }
    }
}

/// Where the writer puts the parsed rows.
enum Sink<'c> {
    Lite {
        one: rusqlite::Statement<'c>,
        many: rusqlite::Statement<'c>,
    },
    Pg(crate::import_pg::Copy<'c>),
}

impl Sink<'_> {
    /// Writes a block's rows (block `seq`, in code order, the later of two rows of one code
    /// after the earlier).
    fn write(&mut self, seq: usize, rows: &[Ready], text: &str, import_id: i64) -> crate::Result<()> {
        match self {
            Sink::Lite { one, many } => write_rows(one, many, rows, text, import_id),
            Sink::Pg(copy) => {
                let of = |(a, b): (u32, u32)| &text[a as usize..b as usize];
                for (i, r) in rows.iter().enumerate() {
                    let v = &r.values;
                    copy.write(&crate::import_pg::StagedRow {
                        seq: ((seq as i64) << 32) | i as i64,
                        code: of(r.code),
                        unit_id: v.unit_id,
                        procedure: of(r.procedure),
                        received_at: v.received_at,
                        due_at: v.due_at,
                        completed_at: v.completed_at,
                        channel: v.channel,
                        status: v.status,
                        import_id,
                        open_span: r.open,
                    })?;
                }
                Ok(())
            }
        }
    }
}

fn write_rows(
    one: &mut rusqlite::Statement,
    many: &mut rusqlite::Statement,
    rows: &[Ready],
    text: &str,
    import_id: i64,
) -> crate::Result<()> {
    let mut chunks = rows.chunks_exact(BATCH);
    for chunk in &mut chunks {
        for (i, r) in chunk.iter().enumerate() {
            bind(many, i * 10, r, text, import_id)?;
        }
        many.raw_execute()?;
    }
    for r in chunks.remainder() {
        bind(one, 0, r, text, import_id)?;
        one.raw_execute()?;
    }
    Ok(())
}

fn bind(st: &mut rusqlite::Statement, at: usize, r: &Ready, text: &str, import_id: i64) -> crate::Result<()> {
    let of = |(a, b): (u32, u32)| &text[a as usize..b as usize];
    st.raw_bind_parameter(at + 1, of(r.code))?;
    let v = &r.values;
    st.raw_bind_parameter(at + 2, v.unit_id)?;
    st.raw_bind_parameter(at + 3, of(r.procedure))?;
    st.raw_bind_parameter(at + 4, v.received_at)?;
    st.raw_bind_parameter(at + 5, v.due_at)?;
    st.raw_bind_parameter(at + 6, v.completed_at)?;
    st.raw_bind_parameter(at + 7, v.channel)?;
    st.raw_bind_parameter(at + 8, v.status)?;
    st.raw_bind_parameter(at + 9, import_id)?;
    Ok(st.raw_bind_parameter(at + 10, r.open)?)
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
        let lookup = self.lookup()?;
        let context = Context::read(self.conn.db())?;
        let now = crate::now();
        let tx = self.conn.write_tx()?;
        let import_id = crate::import::start_import(&tx, ImportKind::Dossiers, opts)?;
        let mut report = ImportReport::new(ImportKind::Dossiers);
        report.unknown_columns = layout.columns.unknown.clone();
        let mut write_error: Option<crate::StoreError> = None;
        let mut quoted_from: Option<usize> = None;
        // A line over the cap (refused whole): the hot path borrows every field from the
        // mapping and allocates nothing per line, so one cheap check per block suffices: a
        // block longer than its size plus the cap holds a line over it (ARCHITECTURE.md).
        let mut too_long = false;
        let mut unknown = Unknown::default();
        let mut sums = Delta::new(context.clone());
        let mapped = Mapped::open(file).map_err(|e| ImportError::File(thidua_ingest::FileError::Io(e)))?;
        {
            // SQLite: 64-row upserts, replaced rows noted by a trigger; PostgreSQL: a binary
            // COPY into a staging table, settled after the file (`import_pg`).
            let mut pg_client = match tx.pg() {
                Some(pg) => {
                    crate::import_pg::stage(&tx)?;
                    Some(pg.client_for_copy())
                }
                None => None,
            };
            let mut sink = match &mut pg_client {
                Some(client) => Sink::Pg(crate::import_pg::Copy::open(client)?),
                None => Sink::Lite {
                    one: tx.lite()?.prepare(crate::import::UPSERT_DOSSIER)?,
                    many: tx.lite()?.prepare(&upsert_many(BATCH))?,
                },
            };
            crate::sums::watch_replaced(&tx)?;
            let (sender, receiver) = sync_channel::<Done>(4);
            // Set when the rest of the file need not be parsed here (a write failed, or a
            // quote sends the file to the general reader).
            let stop = std::sync::atomic::AtomicBool::new(false);
            let shared = Shared {
                layout: &layout,
                lookup: &lookup,
                context: &context,
                now,
            };
            std::thread::scope(|s| {
                let (layout, shared, stop) = (&layout, &shared, &stop);
                let mapped = &mapped;
                s.spawn(move || {
                    // The writer (this thread) is the bottleneck: parsing takes the other
                    // cores, not the writer's.
                    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
                    let parse = || {
                        mapped
                            .blocks(layout.body_start)
                            .par_bridge()
                            .for_each_with(sender, |tx, block| {
                                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                                    return;
                                }
                                // A closed channel means the writer stopped on an error.
                                let _ = tx.send(parse_block(block, shared));
                            })
                    };
                    match rayon::ThreadPoolBuilder::new()
                        .num_threads((cores - 1).max(1))
                        .build()
                    {
                        Ok(pool) => pool.install(parse),
                        Err(_) => parse(),
                    }
                });
                let mut pending: BTreeMap<usize, Done> = BTreeMap::new();
                let mut next = 0usize;
                let mut first_line = 2usize;
                let mut bytes = layout.body_start as u64;
                for mut done in receiver {
                    // A block's counts join the import's at once (not when its turn to be
                    // written comes): they are only written if the whole import is, and
                    // a province of thousands of units makes them megabytes per block.
                    sums.merge(std::mem::take(&mut done.sums), std::mem::take(&mut done.ends));
                    pending.insert(done.block.seq, done);
                    while let Some(d) = pending.remove(&next) {
                        next += 1;
                        if quoted_from.is_some() || too_long {
                            continue;
                        }
                        if d.block.data.len()
                            > BLOCK_SIZE + thidua_ingest::limits::CSV_MAX_LINE_BYTES as usize
                        {
                            too_long = true;
                            stop.store(true, std::sync::atomic::Ordering::Relaxed);
                            continue;
                        }
                        if d.quoted {
                            quoted_from = Some(first_line);
                            stop.store(true, std::sync::atomic::Ordering::Relaxed);
                            continue;
                        }
                        report.rows_read += d.read;
                        report.rows_bad += d.bad;
                        report.unknown_procedures += d.unknown_procedures;
                        for mut e in d.errors.into_iter().flatten() {
                            e.row += first_line;
                            on_error(&e);
                            report.push(e);
                        }
                        first_line += d.lines;
                        bytes += d.block.data.len() as u64;
                        if write_error.is_none() && (report.rows_bad == 0 || opts.accept_valid) {
                            let written = sink
                                .write(d.block.seq, &d.rows, &d.text, import_id)
                                .and_then(|()| crate::sums::take_replaced(&tx, &mut sums, false));
                            match written {
                                Ok(()) => unknown.written(&d.rows, &d.text),
                                Err(e) => {
                                    write_error = Some(e);
                                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                                }
                            }
                        }
                        mapped.release(d.block.data);
                        progress(Progress {
                            rows: report.rows_read,
                            bytes,
                        });
                    }
                }
            });
            if let Sink::Pg(copy) = sink {
                if let Err(e) = copy.finish() {
                    write_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = write_error {
            return Err(e.into());
        }
        if too_long && quoted_from.is_none() {
            return Err(ImportError::File(thidua_ingest::FileError::TooLarge(
                thidua_ingest::limits::Limit::CsvLine,
            )));
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
        // dossiers, not rows (every row was written)
        report.unknown_procedures = unknown.count;
        if tx.is_pg() {
            crate::import_pg::settle(&tx, &mut sums)?;
        }
        crate::sums::take_replaced(&tx, &mut sums, true)?;
        sums.write(&tx, now)?;
        crate::import::finish_import(tx, report, import_id, opts, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_procedures_are_counted_by_the_last_row_of_each_code() {
        let mut text = String::new();
        // (code, unknown, hash): B and Z share a hash on purpose
        let rows: Vec<Ready> = [
            ("A", true, 1),
            ("B", true, 7),
            ("Z", true, 7),
            ("A", false, 1),
            ("C", true, 3),
            ("C", true, 3),
            ("D", false, 4),
            ("D", true, 4),
            ("B", false, 7),
        ]
        .iter()
        .map(|&(code, unknown, hash)| {
            let start = text.len() as u32;
            text.push_str(code);
            Ready {
                open: None,
                hash,
                unknown,
                code: (start, text.len() as u32),
                procedure: (0, 0),
                values: Values {
                    unit_id: 1,
                    received_at: 0,
                    due_at: 0,
                    completed_at: None,
                    channel: 0,
                    status: 0,
                },
            }
        })
        .collect();
        let mut u = Unknown::default();
        u.written(&rows[..4], &text);
        assert_eq!(u.count, 2, "B and Z");
        u.written(&rows[4..], &text);
        // A known at last, B replaced by a known row, Z kept, C once, D unknown at last
        assert_eq!(u.count, 3);
        assert_eq!(u.by_hash[&7].iter().map(|c| &**c).collect::<Vec<_>>(), ["Z"]);
    }
}
