//! Kept dossier sums (issue 16, part 4): what every dossier counts at the end of time, per
//! (unit, month), kept up to date by each import in the same transaction, so that an
//! evaluation reads a few thousand sums instead of every dossier.
//!
//! Exactness at an as-of `A` (INDICATORS.md §2). A dossier counts at `A` as at the end of
//! time once `A` has reached its `settles_at` (`domain::dossier::settles_at`); every count
//! lies in a month at or after its receipt. So, with `M` the month of `A`, the tally at `A`
//! over the months up to `M` is the kept sums of those months, corrected — minus what they
//! count at the end of time, plus what they count at `A` — for the dossiers received by the
//! end of `M` that settle after `A`. Each dossier is corrected one of two ways:
//! - **read**: a dossier that settles after it was written (an import's clock), or in a
//!   month more than `MAX_ENDS` after its receipt, has `open_span` = the months between
//!   its receipt and the month it settles in (a partial index holds these rows only); an
//!   evaluation reads those received from `M` − span (from `M` − span + 1 at the end of
//!   `M`: what settles within `M` has settled then) and corrects each;
//! - **kept**: for every other dossier open across the end of a month (received by then,
//!   settling later), its correction at that month's end is kept in `dossier_ends` at
//!   write time; it settled before it was written, so at any later as-of it needs none.
//!
//! An as-of at the end of a month (a plan period's end) reads the sums, that month's kept
//! corrections and the few rows read; an as-of not before the latest write (`written_at`:
//! "now") reads the sums and the rows read. Otherwise (the middle of a month before the
//! latest import) the evaluation reads every dossier, as before. The unknown-procedure
//! counts do not depend on an as-of. Kept sums and corrections hold the catalogue's and
//! the calendar's figures: a procedures import or a change of the calendar counts them
//! again (`rebuild`), in its transaction.

use crate::portable::{Db, Val};
use crate::sql::{params, Conn, OptionalExtension, Param};
use crate::{Result, Store};
use std::collections::{BTreeMap, HashMap};
use thidua_domain::calendar::Calendar;
use thidua_domain::dossier::{
    settles_at, Cell, Channel, DossierFacts, DossierStatus, DossierTally, ProcedureInfo, Sums, READINGS,
};
use thidua_domain::num::Dec;
use thidua_domain::time::{DateTime, Month};

/// A dossier row, as the sums read it (its procedure code borrowed from an import's text,
/// or owned when read from the store).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row<'a> {
    pub unit_id: i64,
    pub procedure: std::borrow::Cow<'a, str>,
    pub received_at: i64,
    pub due_at: i64,
    pub completed_at: Option<i64>,
    pub channel: u8,
    pub status: u8,
    /// `dossiers.open_span` as written (`open_span`): how the row's corrections are kept.
    pub open_span: Option<i64>,
}

pub(crate) const ROW_COLUMNS: &str =
    "unit_id, procedure_code, received_at, due_at, completed_at, channel, status, open_span";

impl Row<'static> {
    /// From the values of `ROW_COLUMNS` (either backend).
    pub fn from_vals(r: &[Val]) -> Row<'static> {
        Row {
            unit_id: r[0].int().unwrap_or(-1),
            procedure: std::borrow::Cow::Owned(r[1].string()),
            received_at: r[2].int().unwrap_or_default(),
            due_at: r[3].int().unwrap_or_default(),
            completed_at: r[4].int(),
            channel: r[5].int().unwrap_or(-1) as u8,
            status: r[6].int().unwrap_or(-1) as u8,
            open_span: r[7].int(),
        }
    }

    /// From the columns of `ROW_COLUMNS`, starting at `at`.
    pub fn read(r: &crate::sql::Row, at: usize) -> crate::Result<Row<'static>> {
        Ok(Row {
            unit_id: r.get(at)?,
            procedure: std::borrow::Cow::Owned(r.get(at + 1)?),
            received_at: r.get(at + 2)?,
            due_at: r.get(at + 3)?,
            completed_at: r.get(at + 4)?,
            channel: r.get(at + 5)?,
            status: r.get(at + 6)?,
            open_span: r.get(at + 7)?,
        })
    }
}

/// The months from receipt to the month it settles in beyond which a dossier's month-end
/// corrections are not kept (`dossier_ends`) but its row is read (a due date years ahead).
const MAX_ENDS: i32 = 24;

/// A dossier's month of receipt, the month it settles in and the instant (`settles_at`),
/// or None for a status that cannot be read.
fn months(
    status: u8,
    received_at: i64,
    due_at: i64,
    completed_at: Option<i64>,
) -> Option<(i32, i32, DateTime)> {
    let status = DossierStatus::from_id(status)?;
    let settles = settles_at(
        status,
        DateTime(received_at),
        DateTime(due_at),
        completed_at.map(DateTime),
    );
    Some((DateTime(received_at).month().0, settles.month().0, settles))
}

/// `dossiers.open_span` of a row written at `written_at` (see the module's comment): the
/// months from its receipt to the month it settles in, for a row the evaluations read
/// before it settles — one that settles after it was written, or so far ahead that its
/// month-end corrections are not kept; None for the others.
pub(crate) fn open_span(
    status: u8,
    received_at: i64,
    due_at: i64,
    completed_at: Option<i64>,
    written_at: i64,
) -> Option<i64> {
    let (received, settled, settles) = months(status, received_at, due_at, completed_at)?;
    let span = settled - received;
    (settles.0 > written_at || span > MAX_ENDS).then_some(span as i64)
}

/// What the formulas need besides the rows.
#[derive(Clone)]
pub(crate) struct Context {
    calendar: Calendar,
    /// Looked up for every row an import writes: a fast hash.
    procedures: rustc_hash::FxHashMap<String, ProcedureInfo>,
}

impl Context {
    pub fn read(db: Db) -> Result<Context> {
        Ok(Context {
            calendar: Calendar::new(&crate::calendar_days_on(db)?),
            procedures: crate::read::procedures_on(db)?.into_iter().collect(),
        })
    }

    /// Adds (`sign` 1) or takes back (-1) what `row` counts at the end of time into `tally`
    /// (units by id).
    pub fn count(&self, tally: &mut DossierTally, row: &Row, sign: i8) {
        if let Ok(unit) = u32::try_from(row.unit_id) {
            self.apply(tally, unit, row, DateTime::END, sign);
        }
    }

    /// Adds (`sign` 1) or takes back (-1) a row's month-end corrections (a row the
    /// evaluations do not read, `open_span` None): for the end of each month `M` from its
    /// receipt to before the month it settles in, what it counts then minus what it
    /// counts at the end of time, into `ends[M]` (of which the months up to `M` are kept).
    pub fn count_ends(&self, ends: &mut Ends, row: &Row, sign: i8) {
        if row.open_span.is_some() {
            return;
        }
        let (Ok(unit), Some((received, settled, _))) = (
            u32::try_from(row.unit_id),
            months(row.status, row.received_at, row.due_at, row.completed_at),
        ) else {
            return;
        };
        for m in received..settled {
            let tally = ends.entry(m).or_insert_with(|| DossierTally::bounded(Month(m)));
            self.apply(tally, unit, row, Month(m).last_day().end(), sign);
            self.apply(tally, unit, row, DateTime::END, -sign);
        }
    }

    /// Adds (`sign` 1) or takes back (-1) what `row` counts at `as_of` under unit index
    /// `unit`; a row whose channel or status cannot be read counts nothing (as in the
    /// full count).
    pub(crate) fn apply(&self, tally: &mut DossierTally, unit: u32, row: &Row, as_of: DateTime, sign: i8) {
        let (Some(channel), Some(status)) =
            (Channel::from_id(row.channel), DossierStatus::from_id(row.status))
        else {
            return;
        };
        let facts = DossierFacts {
            unit,
            procedure: self.procedures.get(&*row.procedure),
            received_at: DateTime(row.received_at),
            due_at: DateTime(row.due_at),
            completed_at: row.completed_at.map(DateTime),
            channel,
            status,
        };
        if sign > 0 {
            tally.add(&facts, &self.calendar, as_of)
        } else {
            tally.remove(&facts, &self.calendar, as_of)
        }
    }
}

/// Month-end corrections per month `M` (units by id).
pub(crate) type Ends = rustc_hash::FxHashMap<i32, DossierTally>;

/// What one import changes in the kept sums and month-end corrections: units by id
/// (`unit_id` as the tally's index).
pub(crate) struct Delta {
    context: Context,
    tally: DossierTally,
    ends: Ends,
}

impl Delta {
    pub fn new(context: Context) -> Delta {
        Delta {
            context,
            tally: DossierTally::default(),
            ends: Ends::default(),
        }
    }

    /// A row written (`sign` 1) or replaced (-1).
    pub fn row(&mut self, row: &Row, sign: i8) {
        self.context.count(&mut self.tally, row, sign);
        self.context.count_ends(&mut self.ends, row, sign);
    }

    /// Adds what a block's rows count (`Context::count` and `count_ends` into tallies of
    /// its own).
    pub fn merge(&mut self, block: DossierTally, ends: Ends) {
        self.tally.merge_mapped(block, |u| u);
        for (m, t) in ends {
            self.ends
                .entry(m)
                .or_insert_with(|| DossierTally::bounded(Month(m)))
                .merge_mapped(t, |u| u);
        }
    }

    /// Adds the changes to the kept sums and notes the write's time.
    pub fn write(self, conn: &Conn, written_at: i64) -> Result<()> {
        let mut sums: BTreeMap<[i64; 2], Kept> = BTreeMap::new();
        for ((u, m), c) in self.tally.all() {
            if c != [Sums::default(); READINGS] {
                sums.entry([u as i64, i64::from(m.0)]).or_default().cell = c;
            }
        }
        for (&(u, m), &n) in &self.tally.unknown_procedure {
            sums.entry([u as i64, i64::from(m.0)]).or_default().unknown = n as i64;
        }
        add_kept(conn, "dossier_sums", ["unit_id", "month"], true, sums)?;
        let mut ends: BTreeMap<[i64; 3], Kept> = BTreeMap::new();
        for (end, tally) in &self.ends {
            for ((u, m), cell) in tally.all() {
                // what a month after `end` would hold is not part of the correction
                if m.0 > *end || cell == [Sums::default(); READINGS] {
                    continue;
                }
                ends.insert(
                    [u as i64, i64::from(*end), i64::from(m.0)],
                    Kept { cell, unknown: 0 },
                );
            }
        }
        add_kept(
            conn,
            "dossier_ends",
            ["unit_id", "month_end", "month"],
            false,
            ends,
        )?;
        conn.execute(
            "UPDATE dossier_sums_meta SET written_at = CASE WHEN written_at > ?1 THEN written_at ELSE ?1 END",
            [written_at],
        )?;
        Ok(())
    }
}

/// Statements over many keys at once, in a few fixed batch sizes (each text is prepared
/// once per connection): one round trip a batch instead of one a key. On PostgreSQL the
/// 1,600 round trips of a province's monthly re-import were a fifth of its time.
pub(crate) const BATCHES: [usize; 3] = [256, 16, 1];

pub(crate) fn in_batches<T>(items: &[T], mut each: impl FnMut(&[T]) -> Result<()>) -> Result<()> {
    let mut rest = items;
    for size in BATCHES {
        while rest.len() >= size {
            let (now, later) = rest.split_at(size);
            each(now)?;
            rest = later;
        }
    }
    Ok(())
}

/// `(?1, ?2), (?3, ?4)`: `rows` tuples of `cols` parameters.
pub(crate) fn tuples(rows: usize, cols: usize) -> String {
    tuples_of(rows, cols, |i| format!("?{i}"))
}

/// The same, each parameter an integer (in a `VALUES` list compared with integer columns,
/// PostgreSQL would take an untyped parameter for text).
pub(crate) fn int_tuples(rows: usize, cols: usize) -> String {
    tuples_of(rows, cols, |i| format!("CAST(?{i} AS BIGINT)"))
}

fn tuples_of(rows: usize, cols: usize, one: impl Fn(usize) -> String) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols).map(|c| one(r * cols + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn ints<const N: usize>(keys: &[[i64; N]]) -> Vec<Param<'static>> {
    keys.iter().flatten().map(|&k| Param::Int(k)).collect()
}

/// A kept row's value: the readings' sums, and (`dossier_sums` only) how many dossiers
/// name a procedure not in the catalogue.
#[derive(Clone, Copy, PartialEq)]
struct Kept {
    cell: Cell,
    unknown: i64,
}

impl Default for Kept {
    fn default() -> Self {
        Kept {
            cell: [Sums::default(); READINGS],
            unknown: 0,
        }
    }
}

/// Adds `deltas` to the rows of the kept table `table` (keyed by the columns `keys`; with
/// an `unknown` column or not), many keys to a statement; a row that falls to nothing is
/// removed.
fn add_kept<const K: usize>(
    conn: &Conn,
    table: &str,
    keys: [&str; K],
    with_unknown: bool,
    deltas: BTreeMap<[i64; K], Kept>,
) -> Result<()> {
    let key_list = keys.join(", ");
    let (columns, set) = match with_unknown {
        true => (
            "cells, unknown",
            "cells = excluded.cells, unknown = excluded.unknown",
        ),
        false => ("cells", "cells = excluded.cells"),
    };
    let all: Vec<[i64; K]> = deltas.keys().copied().collect();
    let mut stored: HashMap<[i64; K], Kept> = HashMap::new();
    in_batches(&all, |chunk| {
        conn.stream(
            &format!(
                "SELECT {key_list}, {columns} FROM {table} WHERE ({key_list}) IN (VALUES {})",
                int_tuples(chunk.len(), K)
            ),
            ints(chunk),
            |r| {
                let mut key = [0i64; K];
                for (i, k) in key.iter_mut().enumerate() {
                    *k = r.get(i)?;
                }
                let cell = decode(&r.get::<_, Vec<u8>>(K)?);
                let unknown = if with_unknown { r.get(K + 1)? } else { 0 };
                stored.insert(key, Kept { cell, unknown });
                Ok(())
            },
        )
    })?;
    let (mut puts, mut drops) = (Vec::new(), Vec::new());
    for (key, delta) in deltas {
        let mut kept = stored.remove(&key).unwrap_or_default();
        for (x, y) in kept.cell.iter_mut().zip(delta.cell) {
            *x += y;
        }
        kept.unknown += delta.unknown;
        if kept == Kept::default() {
            drops.push(key);
        } else {
            puts.push((key, encode(&kept.cell), kept.unknown));
        }
    }
    let width = K + 1 + usize::from(with_unknown);
    in_batches(&puts, |chunk| {
        let mut args = Vec::with_capacity(chunk.len() * width);
        for (key, cell, unknown) in chunk {
            args.extend(key.iter().map(|&k| Param::Int(k)));
            args.push(Param::Blob(cell));
            if with_unknown {
                args.push(Param::Int(*unknown));
            }
        }
        conn.execute(
            &format!(
                "INSERT INTO {table} ({key_list}, {columns}) VALUES {}
                 ON CONFLICT ({key_list}) DO UPDATE SET {set}",
                tuples(chunk.len(), width)
            ),
            args,
        )
        .map(|_| ())
    })?;
    in_batches(&drops, |chunk| {
        conn.execute(
            &format!(
                "DELETE FROM {table} WHERE ({key_list}) IN (VALUES {})",
                int_tuples(chunk.len(), K)
            ),
            ints(chunk),
        )
        .map(|_| ())
    })
}

/// From now until `take_replaced(.., true)` or the end of the transaction, every dossier
/// row an upsert replaces (a stored one, or one written earlier by the same import) is
/// noted in a temporary table, by a temporary trigger on this connection only: an insert
/// costs nothing more, a replacement one small insert — cheaper than asking for every
/// code first (BENCHMARKS.md, "Kept dossier sums").
/// (PostgreSQL's upserts answer the row they replace instead: nothing to watch.)
pub(crate) fn watch_replaced(conn: &Conn) -> crate::Result<()> {
    if conn.is_pg() {
        return Ok(());
    }
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS replaced_dossiers ({ROW_COLUMNS});
         DELETE FROM temp.replaced_dossiers;
         CREATE TEMP TRIGGER IF NOT EXISTS dossiers_replaced AFTER UPDATE ON main.dossiers
         BEGIN
           INSERT INTO replaced_dossiers ({ROW_COLUMNS})
           VALUES (OLD.unit_id, OLD.procedure_code, OLD.received_at, OLD.due_at, OLD.completed_at, OLD.channel, OLD.status, OLD.open_span);
         END;"
    ))
}

/// Takes back from `sums` what the rows replaced since the last call counted; `done`:
/// the import is over, the trigger and its table go.
pub(crate) fn take_replaced(conn: &Conn, sums: &mut Delta, done: bool) -> crate::Result<()> {
    if conn.is_pg() {
        return Ok(());
    }
    {
        let mut st = conn
            .lite()?
            .prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM temp.replaced_dossiers"))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            sums.row(&Row::read(&crate::sql::Row::Lite(r), 0)?, -1);
        }
    }
    if done {
        conn.execute_batch(
            "DROP TRIGGER IF EXISTS temp.dossiers_replaced; DROP TABLE IF EXISTS temp.replaced_dossiers;",
        )
    } else {
        conn.execute("DELETE FROM temp.replaced_dossiers", ()).map(|_| ())
    }
}

fn encode(cell: &Cell) -> Vec<u8> {
    let mut out = Vec::with_capacity(READINGS * 32);
    for s in cell {
        out.extend_from_slice(&s.num.0.to_le_bytes());
        out.extend_from_slice(&s.den.0.to_le_bytes());
    }
    out
}

/// A cell from its bytes; a blob of another length (written by a build with other
/// readings) never reaches here: `valid` refuses the sums then.
fn decode(bytes: &[u8]) -> Cell {
    let mut cell = [Sums::default(); READINGS];
    for (i, s) in cell.iter_mut().enumerate() {
        let at = i * 32;
        if let (Some(n), Some(d)) = (bytes.get(at..at + 16), bytes.get(at + 16..at + 32)) {
            s.num = Dec(i128::from_le_bytes(n.try_into().expect("16 bytes")));
            s.den = Dec(i128::from_le_bytes(d.try_into().expect("16 bytes")));
        }
    }
    cell
}

/// The time of the latest write the `open_span` marks are relative to, when the kept sums
/// are usable (made with this build's readings).
fn written_at(db: Db) -> Result<Option<i64>> {
    Ok(db
        .row(
            "SELECT written_at FROM dossier_sums_meta WHERE readings = ?1",
            &[Val::Int(READINGS as i64)],
        )?
        .and_then(|r| r[0].int()))
}

/// Counts the kept sums again from every dossier (the catalogue or the calendar changed,
/// or the sums were made by a build with other readings). With `marks`, also every
/// dossier's `open_span` against now (the migration that brings the sums).
pub(crate) fn rebuild(conn: &Conn, marks: bool) -> Result<()> {
    let now = crate::now();
    if marks {
        // The frozen years' guards refuse any update of their dossiers: lifted for this
        // one column (which no guarded figure reads), then set again.
        crate::locks::unguard_dossiers(conn)?;
        let mut changed: Vec<(String, Option<i64>)> = Vec::new();
        conn.stream(
            "SELECT code, status, received_at, due_at, completed_at, open_span FROM dossiers",
            (),
            |r| {
                let span = open_span(r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, now);
                if span != r.get::<_, Option<i64>>(5)? {
                    changed.push((r.get(0)?, span));
                }
                Ok(())
            },
        )?;
        for (code, span) in &changed {
            conn.execute(
                "UPDATE dossiers SET open_span = ?2 WHERE code = ?1",
                params![code, span],
            )?;
        }
        crate::locks::guard_dossiers(conn)?;
    }
    let mut delta = Delta::new(Context::read(conn.db())?);
    conn.stream(&format!("SELECT {ROW_COLUMNS} FROM dossiers"), (), |r| {
        delta.row(&Row::read(r, 0)?, 1);
        Ok(())
    })?;
    conn.execute("DELETE FROM dossier_sums", ())?;
    conn.execute("DELETE FROM dossier_ends", ())?;
    let kept: Option<i64> = conn
        .query_row("SELECT written_at FROM dossier_sums_meta", (), |r| r.get(0))
        .optional()?;
    conn.execute("DELETE FROM dossier_sums_meta", ())?;
    conn.execute(
        "INSERT INTO dossier_sums_meta (id, readings, written_at) VALUES (1, ?1, ?2)",
        params![READINGS as i64, if marks { now } else { kept.unwrap_or(now) }],
    )?;
    delta.write(conn, 0)
}

/// On opening a store: sums made by a build with other readings are counted again (a
/// read-only store keeps them, and its evaluations read every dossier).
pub(crate) fn refresh_on_open(conn: &Conn) -> Result<()> {
    let stale: bool = conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM dossier_sums_meta WHERE readings = ?1)",
        [READINGS as i64],
        |r| r.get(0),
    )?;
    if stale {
        let tx = conn.write_tx()?;
        let marks = !tx.query_row("SELECT EXISTS (SELECT 1 FROM dossier_sums_meta)", (), |r| {
            r.get::<_, bool>(0)
        })?;
        rebuild(&tx, marks)?;
        tx.commit()?;
    }
    Ok(())
}

impl Store {
    /// The tally from every dossier row (an as-of the kept sums cannot answer; tests
    /// compare the two).
    pub(crate) fn count_dossiers(&self, index: &HashMap<i64, u32>, as_of: DateTime) -> Result<DossierTally> {
        // The rows are borrowed from SQLite as they stream by (no allocation per row);
        // `sums::Context::apply` makes their facts, as for the kept sums and PostgreSQL.
        let context = Context::read(self.conn.db())?;
        let mut tally = DossierTally::default();
        if self.conn.is_pg() {
            self.conn
                .stream(&format!("SELECT {ROW_COLUMNS} FROM dossiers"), (), |r| {
                    let row = Row::read(r, 0)?;
                    if let Some(&unit) = index.get(&row.unit_id) {
                        context.apply(&mut tally, unit, &row, as_of, 1);
                    }
                    Ok(())
                })?;
            return Ok(tally);
        }
        let mut st = self
            .conn
            .lite()?
            .prepare_cached(&format!("SELECT {} FROM dossiers", ROW_COLUMNS))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let Some(&unit) = index.get(&r.get::<_, i64>(0)?) else {
                continue;
            };
            let row = Row {
                unit_id: r.get(0)?,
                procedure: std::borrow::Cow::Borrowed(r.get_ref(1)?.as_str().unwrap_or("")),
                received_at: r.get(2)?,
                due_at: r.get(3)?,
                completed_at: r.get(4)?,
                channel: r.get(5)?,
                status: r.get(6)?,
                open_span: r.get(7)?,
            };
            context.apply(&mut tally, unit, &row, as_of, 1);
        }
        Ok(tally)
    }

    /// The dossier tally at `as_of` from the kept sums (`tally_from_sums_on`).
    pub(crate) fn tally_from_sums(
        &self,
        index: &HashMap<i64, u32>,
        as_of: DateTime,
    ) -> Result<Option<DossierTally>> {
        tally_from_sums_on(self.conn.db(), index, as_of)
    }

    /// The kept sums as a tally (units by id), for tests comparing them with a full count.
    #[cfg(test)]
    pub(crate) fn kept_sums(&self) -> Result<DossierTally> {
        let mut tally = DossierTally::default();
        add_kept_sums(
            self.conn.db(),
            &mut tally,
            |id| u32::try_from(id).ok(),
            Month(i32::MAX),
        )?;
        Ok(tally)
    }
}

/// The dossier tally at `as_of` from the kept sums (see the module's comment), on either
/// backend, or None when they cannot answer exactly at this as-of (the caller counts every
/// dossier).
pub(crate) fn tally_from_sums_on(
    db: Db,
    index: &HashMap<i64, u32>,
    as_of: DateTime,
) -> Result<Option<DossierTally>> {
    let Some(written) = written_at(db)? else {
        return Ok(None);
    };
    let m = as_of.month();
    let month_end = m.last_day().end();
    if as_of < month_end && as_of.0 < written {
        return Ok(None);
    }
    let context = Context::read(db)?;
    let mut tally = DossierTally::default();
    add_kept_sums(db, &mut tally, |id| index.get(&id).copied(), m)?;
    // At the end of `M`: the kept corrections of the dossiers open across it.
    let at_month_end = as_of >= month_end;
    if at_month_end {
        db.for_each(
            "SELECT unit_id, month, cells FROM dossier_ends WHERE month_end = ?1",
            &[Val::Int(m.0.into())],
            |r| {
                if let (Some(&unit), Some(month)) = (index.get(&r[0].int().unwrap_or(-1)), r[1].int()) {
                    tally.add_cell(unit, Month(month as i32), &decode(r[2].blob()));
                }
                Ok(())
            },
        )?;
    }
    // The dossiers the evaluations read before they settle (`open_span`) and not settled
    // by `as_of`: what they count then, instead of what they will.
    let max_span = db
        .row(
            "SELECT max(open_span) FROM dossiers WHERE open_span IS NOT NULL",
            &[],
        )?
        .and_then(|r| r[0].int());
    let sql =
        format!("SELECT {ROW_COLUMNS} FROM dossiers WHERE open_span = ?1 AND received_at BETWEEN ?2 AND ?3");
    // At the end of `M`, a dossier that settles within `M` has settled: only those
    // settling in a later month are read (of span `s`, received from `M − s + 1`).
    for span in 0..=max_span.unwrap_or(-1) {
        if at_month_end && span == 0 {
            continue;
        }
        let first = m.0 - span as i32 + at_month_end as i32;
        let from = Month(first).first_day().start();
        db.for_each(
            &sql,
            &[Val::Int(span), Val::Int(from.0), Val::Int(month_end.0)],
            |r| {
                let row = Row::from_vals(r);
                if let Some(&unit) = index.get(&row.unit_id) {
                    context.apply(&mut tally, unit, &row, as_of, 1);
                    context.apply(&mut tally, unit, &row, DateTime::END, -1);
                }
                Ok(())
            },
        )?;
    }
    tally.clear_after(m);
    tally.prune();
    // Nothing that has not settled by `as_of` was left out above; dossiers received in a
    // later month change the tally no earlier than that month.
    let next_month = Month(m.0 + 1).first_day().start();
    tally.next_change = Some(tally.next_change.map_or(next_month, |n| n.min(next_month)));
    Ok(Some(tally))
}

/// Adds the kept sums of the months up to `up_to` into `tally` (units by `unit`; a unit it
/// does not know is left out), and every month's unknown-procedure count.
fn add_kept_sums(
    db: Db,
    tally: &mut DossierTally,
    unit: impl Fn(i64) -> Option<u32>,
    up_to: Month,
) -> Result<()> {
    db.for_each(
        "SELECT unit_id, month, cells, unknown FROM dossier_sums",
        &[],
        |r| {
            let (Some(unit), Some(month)) = (r[0].int().and_then(&unit), r[1].int()) else {
                return Ok(());
            };
            let month = Month(month as i32);
            if month <= up_to {
                tally.add_cell(unit, month, &decode(r[2].blob()));
            }
            let unknown = r[3].int().unwrap_or(0);
            if unknown != 0 {
                let n = tally.unknown_procedure.entry((unit, month)).or_default();
                *n = n.wrapping_add(unknown as u64);
            }
            Ok(())
        },
    )
}
