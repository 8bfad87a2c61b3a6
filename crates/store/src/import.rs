//! The import service: reads a file with `thidua-ingest`, validates every row, and writes
//! the good ones inside one transaction. With any bad row and no `accept_valid`, the
//! transaction is rolled back and nothing is written. Rows stream from the file to the
//! database; only the report's first errors, and the small unit and head files, are held.

use crate::lookup::StoreLookup;
use crate::sql::{params, Conn, Tx};
use crate::{now, Store, StoreError};
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek};
use thidua_domain::entry::EntryState;
use thidua_ingest::rows::{
    check_head_overlaps, check_unit_hierarchy, check_unit_parents, parse_row, HeadRow, Lookup, Record,
    UnitRow,
};
use thidua_ingest::table::read_table;
use thidua_ingest::{Columns, FileError, ImportKind, ImportReport, RowError};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("tệp không có dòng dữ liệu nào / the file has a header but no data rows")]
    NoRows,
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Store(StoreError::from(e))
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Write the good rows even when some are bad.
    pub accept_valid: bool,
    /// Values only: import entries as verified (`da_xac_nhan`) rather than submitted.
    pub verified: bool,
    pub file_name: String,
    /// Who imports (a username, or `cli`).
    pub by: String,
    /// Validate and write inside the transaction, then roll it back: the report of what
    /// the import would do (the web shows it before the user confirms).
    pub dry_run: bool,
    /// Only rows of this unit are accepted (a unit user importing its own data).
    pub only_unit: Option<String>,
    /// Who imports, for the audit log (written in the import's transaction). Each entry's
    /// versions are in `entry_history`, linked to the import by its id.
    pub audit: Option<crate::audit::Actor>,
    /// What the audit record says beyond the counts (a row edited on screen: before and after).
    pub audit_detail: Option<serde_json::Value>,
    /// Called with everything written, just before the commit: the crash test stops the
    /// command line here to kill it at the worst moment (`THIDUA_PAUSE_BEFORE_COMMIT`).
    pub before_commit: Option<fn()>,
}

/// How far an import has gone.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub rows: u64,
    /// Bytes of the file consumed, when known (CSV).
    pub bytes: u64,
}

pub(crate) const UPSERT_DOSSIER: &str =
    "INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, completed_at, channel, status, import_id, open_span)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
     ON CONFLICT (code) DO UPDATE SET unit_id = excluded.unit_id, procedure_code = excluded.procedure_code,
       received_at = excluded.received_at, due_at = excluded.due_at, completed_at = excluded.completed_at,
       channel = excluded.channel, status = excluded.status, import_id = excluded.import_id,
       open_span = excluded.open_span";

impl Store {
    /// Imports a file: dossier exports in plain CSV take the parallel hot path
    /// (`import_fast`); everything else streams through `import`.
    pub fn import_file(
        &mut self,
        kind: ImportKind,
        file: &mut std::fs::File,
        opts: &ImportOptions,
        on_error: &mut dyn FnMut(&RowError),
        progress: &dyn Fn(Progress),
    ) -> Result<ImportReport, ImportError> {
        // The hot path checks units by index; a unit-restricted import takes the general one,
        // and so does a dry run, which validates without writing (nobody waits on it).
        if kind == ImportKind::Dossiers && opts.only_unit.is_none() && !opts.dry_run {
            if let Some(layout) = thidua_ingest::fast::fast_layout(file, kind)? {
                if self.conn.is_pg() {
                    return self.import_dossiers_fast(file, layout, opts, on_error, progress);
                }
                // A bigger page cache while the dossier B-tree takes millions of rows. Foreign
                // keys are not checked row by row: the hot path writes only unit ids it read
                // from the store (units are never deleted) and the id of the import it has
                // just recorded in the same transaction. (The pragma has no effect inside a
                // transaction, so it is set around it.)
                let lite = self.conn.lite()?;
                lite.pragma_update(None, "cache_size", -262_144)?;
                lite.pragma_update(None, "foreign_keys", "OFF")?;
                let result = self.import_dossiers_fast(file, layout, opts, on_error, progress);
                let lite = self.conn.lite()?;
                lite.pragma_update(None, "foreign_keys", "ON")?;
                lite.pragma_update(None, "cache_size", -2000)?;
                return result;
            }
        }
        self.import(kind, &*file, opts, on_error, progress)
    }

    /// Imports one file of `kind`. `on_error` sees every bad row as it is found (for an
    /// errors file); `progress` is told the number of rows read from time to time.
    pub fn import<R: Read + Seek>(
        &mut self,
        kind: ImportKind,
        input: R,
        opts: &ImportOptions,
        on_error: &mut dyn FnMut(&RowError),
        progress: &dyn Fn(Progress),
    ) -> Result<ImportReport, ImportError> {
        let mut lookup = self.lookup()?;
        if let Some(unit) = &opts.only_unit {
            lookup.only_unit = Some(unit.clone());
            let mut st = self.conn.prepare(
                "SELECT e.indicator, e.period, e.state FROM entries e JOIN units u ON u.id = e.unit_id
                 WHERE u.code = ?1",
            )?;
            let rows = st.query_map([unit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (indicator, period, state) = row?;
                // The one editability rule (EntryState::unit_may_change); an unknown state
                // is never the unit's to replace.
                if !EntryState::from_code(&state).is_some_and(|s| s.unit_may_change()) {
                    lookup.locked_entries.insert((indicator, period));
                }
            }
        }
        // A dry run only reads: its transaction never takes the write lock, so sign-ins,
        // entries and other imports go on while it validates. Every other import takes the
        // write lock first (the crate's doc): what it checks against the store (units and
        // heads against the stored ones, e.g. overlapping terms; entries against the locks)
        // is read under the lock, so two imports at once cannot both pass.
        let tx = if opts.dry_run {
            self.conn.read_tx()?
        } else {
            self.conn.write_tx()?
        };
        let self_places: HashMap<String, thidua_ingest::rows::UnitPlace> = if kind == ImportKind::Units {
            crate::read::units_on(tx.db())?
                .into_iter()
                .map(|u| (u.info.code, (u.info.tier, u.parent)))
                .collect()
        } else {
            HashMap::new()
        };
        let stored_heads: Vec<HeadRow> = if kind == ImportKind::Heads {
            crate::read::heads_on(tx.db())?
                .into_iter()
                .map(|h| HeadRow {
                    unit: h.unit,
                    name: h.name,
                    title: h.title,
                    from: h.from,
                    to: h.to,
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut locks = crate::locks::ImportLocks::new(
            &tx,
            lookup.plans.clone(),
            opts.only_unit.is_some(),
            kind == ImportKind::Values,
        )?;
        let import_id = if opts.dry_run {
            0
        } else {
            start_import(&tx, kind, opts)?
        };
        let mut report = ImportReport::new(kind);
        let cols: OnceCell<Columns> = OnceCell::new();
        let mut writer = Writer::new(&tx, import_id, opts)?;
        if kind == ImportKind::Dossiers && !opts.dry_run {
            writer.sums = Some(crate::sums::Delta::new(crate::sums::Context::read(tx.db())?));
            crate::sums::watch_replaced(&tx)?;
        }
        let mut small_units: Vec<(usize, UnitRow)> = Vec::new();
        let mut small_heads: Vec<(usize, HeadRow)> = Vec::new();
        let mut write_error: Option<StoreError> = None;
        read_table(
            input,
            &mut |headers| {
                let _ = cols.set(Columns::map(kind, headers)?);
                Ok(())
            },
            &mut |row, cells| {
                report.rows_read += 1;
                if report.rows_read.is_multiple_of(65_536) {
                    progress(Progress {
                        rows: report.rows_read,
                        bytes: 0,
                    });
                }
                if write_error.is_some() {
                    return;
                }
                let parsed =
                    parse_row(cols.get().expect("header read first"), cells, row, &lookup).and_then(|rec| {
                        locks.check(
                            &lookup,
                            cols.get().expect("header read first"),
                            row,
                            &rec,
                            &mut report,
                        )?;
                        Ok(rec)
                    });
                match parsed {
                    Err(errs) => {
                        report.rows_bad += 1;
                        for e in errs {
                            on_error(&e);
                            report.push(e);
                        }
                    }
                    Ok(rec) => {
                        report.rows_ok += 1;
                        let res = match rec {
                            // A dry run validates only.
                            Record::Dossier(d) if opts.dry_run => {
                                if !lookup.procedure_known(&d.procedure) {
                                    report.unknown_procedures += 1;
                                }
                                Ok(())
                            }
                            Record::Procedure(_) | Record::Value(_) if opts.dry_run => Ok(()),
                            Record::Unit(u) => {
                                small_units.push((row, u));
                                Ok(())
                            }
                            Record::Head(h) => {
                                small_heads.push((row, h));
                                Ok(())
                            }
                            Record::Dossier(d) => {
                                if !lookup.procedure_known(&d.procedure) {
                                    report.unknown_procedures += 1;
                                }
                                writer.dossier(&lookup, &d)
                            }
                            Record::Procedure(p) => writer.procedure(&p),
                            Record::Value(v) => writer.value(&lookup, &v),
                        };
                        if let Err(e) = res {
                            write_error = Some(e);
                        }
                    }
                }
            },
        )?;
        progress(Progress {
            rows: report.rows_read,
            bytes: 0,
        });
        report.unknown_columns = cols.get().map(|c| c.unknown.clone()).unwrap_or_default();
        if let Some(e) = write_error {
            return Err(e.into());
        }
        if report.rows_read == 0 {
            return Err(ImportError::NoRows);
        }
        // Checks that need the whole file.
        let cross = match kind {
            ImportKind::Units => {
                let mut errors = check_unit_parents(&small_units, &|c| lookup.unit_known(c));
                let refused: HashSet<usize> = errors.iter().map(|e| e.row).collect();
                let kept: Vec<(usize, UnitRow)> = small_units
                    .iter()
                    .filter(|(r, _)| !refused.contains(r))
                    .cloned()
                    .collect();
                errors.extend(check_unit_hierarchy(
                    &kept,
                    &|c| self_places.get(c).cloned(),
                    &|t| lookup.parent_tiers(t),
                ));
                errors
            }
            ImportKind::Heads => {
                let mut errors = check_head_overlaps(&small_heads, &stored_heads);
                errors.extend(locks.frozen_heads(
                    cols.get().expect("header read first"),
                    &small_heads,
                    &stored_heads,
                ));
                errors
            }
            _ => Vec::new(),
        };
        let bad_rows: HashSet<usize> = cross.iter().map(|e| e.row).collect();
        report.rows_bad += bad_rows.len() as u64;
        report.rows_ok -= bad_rows.len() as u64;
        for e in cross {
            on_error(&e);
            report.push(e);
        }
        if report.rows_bad > 0 && !opts.accept_valid {
            drop(writer);
            tx.rollback()?;
            return Ok(report);
        }
        let write = !opts.dry_run;
        for (_, u) in small_units.iter().filter(|(r, _)| write && !bad_rows.contains(r)) {
            writer.unit(u)?;
        }
        for (_, h) in small_heads.iter().filter(|(r, _)| write && !bad_rows.contains(r)) {
            writer.head(&lookup.units, h)?;
        }
        // PostgreSQL: the dossiers staged, written now (the report counts the dossiers
        // written that name an unknown procedure: counted from the staged rows)
        let unknown = match write {
            true => writer.settle_staged(report.unknown_procedures)?,
            false => None,
        };
        let (sums, written_at) = (writer.sums.take(), writer.now);
        drop(writer);
        if let Some(n) = unknown {
            report.unknown_procedures = n;
        }
        if write {
            if let Some(mut sums) = sums {
                crate::sums::take_replaced(&tx, &mut sums, true)?;
                sums.write(&tx, written_at)?;
            }
            // the kept sums hold the catalogue's figures
            if kind == ImportKind::Procedures {
                crate::sums::rebuild(&tx, false)?;
            }
        }
        finish_import(tx, report, import_id, opts, unknown.is_none())
    }
}

/// Records the start of an import inside its transaction; returns its id.
pub(crate) fn start_import(tx: &Conn, kind: ImportKind, opts: &ImportOptions) -> crate::Result<i64> {
    tx.query_row(
        "INSERT INTO imports (kind, file_name, started_at, imported_by) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        (kind.code(), &opts.file_name, now(), &opts.by),
        |r| r.get(0),
    )
}

/// Completes the report and the import's record, and commits.
/// `count_unknown`: the report's count of unknown procedures is of rows; count the dossiers.
pub(crate) fn finish_import(
    tx: Tx,
    mut report: ImportReport,
    import_id: i64,
    opts: &ImportOptions,
    count_unknown: bool,
) -> Result<ImportReport, ImportError> {
    if opts.dry_run {
        // Nothing was written (`import` validates only): the report is of the rows read.
        tx.rollback()?;
        return Ok(report);
    }
    if count_unknown && report.unknown_procedures > 0 {
        // Dossiers left by this import (a later row of a code replaced an earlier one)
        // whose procedure is not in the catalogue: the report counts dossiers, not rows.
        report.unknown_procedures = tx.query_row(
            "SELECT count(*) FROM dossiers WHERE import_id = ?1 AND procedure_code NOT IN (SELECT code FROM procedures)",
            [import_id],
            |r| r.get::<_, i64>(0),
        )? as u64;
    }
    tx.execute(
        "UPDATE imports SET rows_read = ?1, rows_ok = ?2, rows_bad = ?3 WHERE id = ?4",
        params![
            report.rows_read as i64,
            report.rows_ok as i64,
            report.rows_bad as i64,
            import_id
        ],
    )?;
    // Late writes are always in the audit log, the command line's included.
    let late_actor = (report.late_rows > 0 && opts.audit.is_none()).then(crate::audit::Actor::cli);
    if let Some(actor) = opts.audit.as_ref().or(late_actor.as_ref()) {
        let mut summary = serde_json::json!({
            "import_id": import_id, "kind": report.kind.code(), "file": opts.file_name, "rows_read": report.rows_read,
            "rows_ok": report.rows_ok, "rows_bad": report.rows_bad
        });
        if let Some(detail) = &opts.audit_detail {
            summary["detail"] = detail.clone();
        }
        if report.late_rows > 0 {
            summary["tre_han"] = serde_json::json!({"rows": report.late_rows});
        }
        crate::audit::record(
            &tx,
            actor,
            "nhap_tep",
            "import",
            &import_id.to_string(),
            None,
            Some(&summary),
        )?;
    }
    if let Some(pause) = opts.before_commit {
        pause();
    }
    tx.commit()?;
    report.committed = true;
    Ok(report)
}

/// Dossier rows staged a batch at a time on PostgreSQL (`Writer::copy_staged`).
const STAGED_BATCH: usize = 8192;

/// A dossier row waiting for the staging table: its text, and its columns as stored
/// (unit, received, due, completed, channel, status, open span).
struct Staged {
    code: String,
    procedure: String,
    row: (i64, i64, i64, Option<i64>, u8, u8, Option<i64>),
}

/// Prepared statements of one import, reused for every row.
struct Writer<'t> {
    tx: &'t Conn,
    import_id: i64,
    state: EntryState,
    by: String,
    /// SQLite: the dossier upsert, a row at a time.
    dossier: Option<crate::sql::Stmt<'t>>,
    /// PostgreSQL: the dossier rows wait here and go by `COPY` into the import's staging
    /// table a batch at a time, settled at the end as the hot path's are (`import_pg`):
    /// one round trip a row cost 160 µs (100 k rows: 16 s).
    staged: Vec<Staged>,
    /// Dossier rows staged so far (their order in the file: the later row of a code wins).
    staged_rows: i64,
    /// What the dossiers written change in the kept sums (`sums`), and the import's clock.
    sums: Option<crate::sums::Delta>,
    now: i64,
}

impl<'t> Writer<'t> {
    fn new(tx: &'t Conn, import_id: i64, opts: &ImportOptions) -> crate::Result<Writer<'t>> {
        Ok(Writer {
            tx,
            import_id,
            state: if opts.verified {
                EntryState::DaXacNhan
            } else {
                EntryState::DaGui
            },
            by: if opts.by.is_empty() {
                "cli".into()
            } else {
                opts.by.clone()
            },
            dossier: match tx.is_pg() {
                true => None,
                false => Some(tx.prepare(UPSERT_DOSSIER)?),
            },
            staged: Vec::new(),
            staged_rows: 0,
            sums: None,
            now: now(),
        })
    }

    fn dossier(&mut self, lk: &StoreLookup, d: &thidua_ingest::rows::DossierRow) -> crate::Result<()> {
        let completed_at = d.completed_at.map(|t| t.0);
        let row = crate::sums::Row {
            unit_id: lk.units[&d.unit],
            procedure: std::borrow::Cow::Borrowed(&d.procedure),
            received_at: d.received_at.0,
            due_at: d.due_at.0,
            completed_at,
            channel: d.channel.id(),
            status: d.status.id(),
            open_span: crate::sums::open_span(
                d.status.id(),
                d.received_at.0,
                d.due_at.0,
                completed_at,
                self.now,
            ),
        };
        // (what it replaces is noted by `sums::watch_replaced` and taken back at the end on
        // SQLite; answered by `import_pg::settle` on PostgreSQL)
        if let Some(sums) = &mut self.sums {
            sums.row(&row, 1);
        }
        let Some(dossier) = &mut self.dossier else {
            self.staged.push(Staged {
                code: d.code.clone(),
                procedure: d.procedure.clone(),
                row: (
                    row.unit_id,
                    row.received_at,
                    row.due_at,
                    row.completed_at,
                    row.channel,
                    row.status,
                    row.open_span,
                ),
            });
            if self.staged.len() >= STAGED_BATCH {
                self.copy_staged()?;
            }
            return Ok(());
        };
        dossier.execute(params![
            d.code,
            lk.units[&d.unit],
            d.procedure,
            d.received_at.0,
            d.due_at.0,
            d.completed_at.map(|t| t.0),
            d.channel.id(),
            d.status.id(),
            self.import_id,
            row.open_span
        ])?;
        Ok(())
    }

    /// PostgreSQL: the staged rows into the staging table (made with the first batch).
    fn copy_staged(&mut self) -> crate::Result<()> {
        let Some(pg) = self.tx.pg().filter(|_| !self.staged.is_empty()) else {
            return Ok(());
        };
        if self.staged_rows == 0 {
            crate::import_pg::stage(self.tx)?;
        }
        let first = self.staged_rows;
        let rows: Vec<crate::import_pg::StagedRow> = self
            .staged
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (unit_id, received_at, due_at, completed_at, channel, status, open_span) = r.row;
                crate::import_pg::StagedRow {
                    seq: first + i as i64,
                    code: &r.code,
                    unit_id,
                    procedure: &r.procedure,
                    received_at,
                    due_at,
                    completed_at,
                    channel,
                    status,
                    import_id: self.import_id,
                    open_span,
                }
            })
            .collect();
        crate::import_pg::copy_rows(pg, &rows)?;
        self.staged_rows += rows.len() as i64;
        self.staged.clear();
        Ok(())
    }

    /// PostgreSQL: writes the staged dossiers (the latest row of each code) and takes back
    /// from the kept sums what they replace; answers how many of the dossiers written name a
    /// procedure not in the catalogue (`rows_unknown`: how many rows did). Nothing staged:
    /// `None`.
    fn settle_staged(&mut self, rows_unknown: u64) -> crate::Result<Option<u64>> {
        self.copy_staged()?;
        if self.staged_rows == 0 {
            return Ok(None);
        }
        // (a dossier import that writes always keeps its sums: `import` sets them first)
        let Some(sums) = self.sums.as_mut() else {
            return Err(crate::refused(
                "lần nhập hồ sơ không có tổng số đã giữ",
                "a dossier import wrote without its kept sums",
            ));
        };
        crate::import_pg::settle(self.tx, sums)?;
        if rows_unknown == 0 {
            return Ok(Some(0));
        }
        let unknown: i64 = self.tx.query_row(
            "SELECT count(*) FROM (SELECT DISTINCT ON (code) procedure_code FROM thidua_staging ORDER BY code, seq DESC) s
             WHERE s.procedure_code NOT IN (SELECT code FROM procedures)",
            (),
            |r| r.get(0),
        )?;
        Ok(Some(unknown as u64))
    }

    fn procedure(&mut self, p: &thidua_ingest::rows::ProcedureRow) -> crate::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO procedures (code, name, statutory_days, online_level, published_days)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, statutory_days = excluded.statutory_days,
               online_level = excluded.online_level, published_days = excluded.published_days",
            )?
            .execute(params![
                p.code,
                p.name,
                p.statutory_days.plain(),
                p.online_level.code(),
                p.published_days.map(|d| d.plain())
            ])?;
        Ok(())
    }

    fn unit(&mut self, u: &UnitRow) -> crate::Result<()> {
        self.tx.prepare_cached(
            "INSERT INTO units (code, name, tier, parent_code) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, tier = excluded.tier, parent_code = excluded.parent_code",
        )?
        .execute(params![u.code, u.name, u.tier, u.parent])?;
        Ok(())
    }

    fn head(&mut self, units: &HashMap<String, i64>, h: &HeadRow) -> crate::Result<()> {
        self.tx.prepare_cached(
            "INSERT INTO heads (unit_id, full_name, title, term_from, term_to) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (unit_id, term_from) DO UPDATE SET full_name = excluded.full_name, title = excluded.title,
               term_to = excluded.term_to",
        )?
        .execute(params![units[&h.unit], h.name, h.title, h.from.iso(), h.to.map(|d| d.iso())])?;
        Ok(())
    }

    fn value(&mut self, lk: &StoreLookup, v: &thidua_ingest::rows::ValueRow) -> crate::Result<()> {
        let (kind, num, den, val) = crate::workflow::value_columns(&v.value);
        let at = now();
        let id: i64 = self.tx.prepare_cached(crate::workflow::UPSERT_ENTRY)?.query_row(
            params![
                lk.units[&v.unit],
                v.indicator,
                v.period.code(),
                kind,
                num,
                den,
                val,
                v.note,
                self.state.code(),
                at,
                self.by
            ],
            |r| r.get(0),
        )?;
        self.tx.prepare_cached(
            "INSERT INTO entry_history (entry_id, numerator, denominator, value, note, state, changed_at, changed_by, import_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![id, num, den, val, v.note, self.state.code(), at, self.by, self.import_id])?;
        Ok(())
    }
}
