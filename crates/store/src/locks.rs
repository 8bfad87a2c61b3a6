//! Deadlines, reopenings and frozen years (INDICATORS.md section 3) as the store applies
//! them. The rules are the domain's (`entry::Window`, `Plan::entry_deadline`,
//! `entry::overlapping`); this module reads what they need under the writer's lock, and
//! records the office's reopenings and the freeze a published decision sets. The
//! triggers of migration 0004 are the backstop: whatever writes the tables, a frozen
//! year's data and a month counted twice are refused there too.

use crate::audit::{record, Actor};
use crate::sql::{params, Conn, OptionalExtension};
use crate::{now, refused, Result, Store, StoreError};
use serde_json::json;
use std::collections::HashMap;
use thidua_domain::entry::{overlap_refusal, overlapping, Period, Window};
use thidua_domain::msg::Msg;
use thidua_domain::plan::Plan;
use thidua_domain::time::{Date, DateTime};

/// The office reopened one unit's period after its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reopening {
    pub id: i64,
    pub unit_id: i64,
    pub period: String,
    pub until: Date,
    pub reason: String,
    pub created_at: i64,
    pub created_by: String,
}

/// A plan year whose award decision is published: nothing it rests on changes again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenYear {
    pub plan_code: String,
    pub first_day: Date,
    pub last_day: Date,
    pub decision_no: String,
    pub frozen_at: i64,
}

impl FrozenYear {
    pub fn covers(&self, p: Period) -> bool {
        self.first_day.month() <= p.last_month() && p.first_month() <= self.last_day.month()
    }
    pub fn covers_day(&self, d: Date) -> bool {
        self.first_day <= d && d <= self.last_day
    }
    /// The instant through which a received dossier belongs to the frozen year.
    pub fn until(&self) -> DateTime {
        self.last_day.end()
    }
    pub fn refusal(&self) -> Msg {
        Msg::new(
            format!(
                "số liệu từ {} đến {} đã được dùng cho quyết định khen thưởng số {} đã công bố (kế hoạch «{}»): không thay đổi được nữa",
                self.first_day.vi(),
                self.last_day.vi(),
                self.decision_no,
                self.plan_code
            ),
            format!(
                "the data of {}..{} underlies the published award decision {} (plan '{}') and can no longer change",
                self.first_day.iso(),
                self.last_day.iso(),
                self.decision_no,
                self.plan_code
            ),
        )
    }
}

/// What the store answers a change of a frozen year's data, in its generic form.
pub(crate) fn frozen_data() -> Msg {
    Msg::new(
        "số liệu thuộc năm đã có quyết định khen thưởng công bố: không thay đổi được nữa",
        "the data belongs to a year whose award decision is published and cannot change",
    )
}

/// A trigger of migration 0004 refused a write: the generic form of the refusals the Rust
/// code gives first with names and periods.
pub(crate) fn trigger_refusal(text: &str) -> Option<Msg> {
    if text.contains("thidua: frozen") {
        Some(frozen_data())
    } else if text.contains("thidua: entry shares a month") {
        Some(Msg::new(
            "số liệu trùng tháng với một số liệu khác của cùng đơn vị và chỉ tiêu: một tháng chỉ được tính một lần",
            "the entry shares a month with another entry of its unit and indicator",
        ))
    } else {
        None
    }
}

pub(crate) fn frozen_on(conn: &Conn) -> Result<Vec<FrozenYear>> {
    let mut st = conn.prepare_cached(
        "SELECT plan_code, first_day, last_day, decision_no, frozen_at FROM frozen_years ORDER BY first_day",
    )?;
    let rows = st.query_map((), |r| {
        let day = |s: String| Date::parse_iso(&s).unwrap_or(Date(0));
        Ok(FrozenYear {
            plan_code: r.get(0)?,
            first_day: day(r.get(1)?),
            last_day: day(r.get(2)?),
            decision_no: r.get(3)?,
            frozen_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// The refusal for a write of `period` when a frozen year covers it.
pub(crate) fn frozen_refusal(frozen: &[FrozenYear], period: Period) -> Option<Msg> {
    frozen.iter().find(|f| f.covers(period)).map(FrozenYear::refusal)
}

/// Freezes the plan's year when its award decision is published (inside that step's
/// transaction). A later publication under the same plan keeps the first freeze.
pub(crate) fn freeze_on(conn: &Conn, plan_code: &str, decision_no: &str, by: &str) -> Result<()> {
    let period: Option<(String, String)> = conn
        .query_row(
            "SELECT period_from, period_to FROM plans WHERE code = ?1",
            [plan_code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((from, to)) = period else {
        return Ok(());
    };
    let (Some(from), Some(to)) = (Date::parse_iso(&from), Date::parse_iso(&to)) else {
        return Ok(());
    };
    conn.execute(
        "INSERT INTO frozen_years (plan_code, first_month, last_month, first_day, last_day, until_at, decision_no, frozen_at, frozen_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (plan_code) DO NOTHING",
        params![
            plan_code,
            from.month().0,
            to.month().0,
            from.iso(),
            to.iso(),
            to.end().0,
            decision_no,
            now(),
            by
        ],
    )?;
    guard_dossiers(conn)
}

/// (Re)creates the dossier triggers with the latest frozen instant written in (see
/// migration 0004): a dossier received by then cannot be inserted, changed or deleted.
pub(crate) fn guard_dossiers(conn: &Conn) -> Result<()> {
    let until: Option<i64> = conn.query_row("SELECT max(until_at) FROM frozen_years", (), |r| r.get(0))?;
    let Some(until) = until else { return Ok(()) };
    conn.execute_batch(&dossier_guard_sql(until, conn.is_pg()))
}

/// The dossier guard's triggers with the frozen instant `until` written in, in either
/// backend's dialect. (`until` is an integer read from the table: written into the SQL, it
/// cannot inject.)
pub(crate) fn dossier_guard_sql(until: i64, postgres: bool) -> String {
    if postgres {
        // One trigger per operation, each with its condition in `WHEN` as on SQLite: the
        // condition is evaluated by the server itself, so the dossiers of later years pay no
        // PL/pgSQL call each (10 M rows: tens of seconds).
        return format!(
            "CREATE OR REPLACE FUNCTION thidua_dossiers_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               RAISE EXCEPTION 'thidua: frozen';
             END $$;
             DROP TRIGGER IF EXISTS dossiers_frozen ON dossiers;
             DROP TRIGGER IF EXISTS dossiers_frozen_insert ON dossiers;
             DROP TRIGGER IF EXISTS dossiers_frozen_update ON dossiers;
             DROP TRIGGER IF EXISTS dossiers_frozen_delete ON dossiers;
             CREATE TRIGGER dossiers_frozen_insert BEFORE INSERT ON dossiers FOR EACH ROW
               WHEN (NEW.received_at <= {until}) EXECUTE FUNCTION thidua_dossiers_frozen();
             CREATE TRIGGER dossiers_frozen_update BEFORE UPDATE ON dossiers FOR EACH ROW
               WHEN (OLD.received_at <= {until} OR NEW.received_at <= {until}) EXECUTE FUNCTION thidua_dossiers_frozen();
             CREATE TRIGGER dossiers_frozen_delete BEFORE DELETE ON dossiers FOR EACH ROW
               WHEN (OLD.received_at <= {until}) EXECUTE FUNCTION thidua_dossiers_frozen();"
        );
    }
    format!(
        "DROP TRIGGER IF EXISTS dossiers_frozen_insert;
         DROP TRIGGER IF EXISTS dossiers_frozen_update;
         DROP TRIGGER IF EXISTS dossiers_frozen_delete;
         CREATE TRIGGER dossiers_frozen_insert BEFORE INSERT ON dossiers
         WHEN NEW.received_at <= {until}
         BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
         CREATE TRIGGER dossiers_frozen_update BEFORE UPDATE ON dossiers
         WHEN OLD.received_at <= {until} OR NEW.received_at <= {until}
         BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;
         CREATE TRIGGER dossiers_frozen_delete BEFORE DELETE ON dossiers
         WHEN OLD.received_at <= {until}
         BEGIN SELECT RAISE(ABORT, 'thidua: frozen'); END;"
    )
}

/// Lifts the guard on changing the dossiers of frozen years, for a change no guarded figure
/// reads (the kept sums' marks); `guard_dossiers` sets it again in the same transaction.
pub(crate) fn unguard_dossiers(conn: &Conn) -> Result<()> {
    conn.execute_batch(if conn.is_pg() {
        "DROP TRIGGER IF EXISTS dossiers_frozen ON dossiers; DROP TRIGGER IF EXISTS dossiers_frozen_update ON dossiers;"
    } else {
        "DROP TRIGGER IF EXISTS dossiers_frozen_update;"
    })
}

/// The periods of the entries a unit already has for an indicator.
pub(crate) fn stored_periods(conn: &Conn, unit_id: i64, indicator: &str) -> Result<Vec<Period>> {
    let mut st = conn.prepare_cached("SELECT period FROM entries WHERE unit_id = ?1 AND indicator = ?2")?;
    let rows = st.query_map(params![unit_id, indicator], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for p in rows {
        out.extend(Period::parse(&p?));
    }
    Ok(out)
}

/// Refuses an entry of `period` that would share a month with another stored one.
pub(crate) fn check_overlap(conn: &Conn, unit_id: i64, indicator: &str, period: Period) -> Result<()> {
    match overlapping(period, stored_periods(conn, unit_id, indicator)?) {
        Some(other) => Err(StoreError::Refused(overlap_refusal(indicator, period, other))),
        None => Ok(()),
    }
}

/// An entry's deadline, from the plan covering its year that has the indicator.
fn deadline_for(plans: &[Plan], indicator: &str, period: Period) -> Option<Date> {
    plans
        .iter()
        .find(|p| p.covers_year(period.year()) && p.indicator(indicator).is_some())
        .and_then(|p| p.entry_deadline(indicator, period))
}

/// The reopening in force for a unit's period (the latest), if any.
pub(crate) fn reopened_until(conn: &Conn, unit_id: i64, period: Period) -> Result<Option<Date>> {
    let day: Option<String> = conn
        .query_row(
            "SELECT until_day FROM reopenings WHERE unit_id = ?1 AND period = ?2 ORDER BY id DESC LIMIT 1",
            params![unit_id, period.code()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(day.and_then(|d| Date::parse_iso(&d)))
}

/// Whether a unit may write an entry now, and the deadline it is measured against. The
/// reopenings are read only once the deadline has passed.
pub(crate) fn window_on(
    conn: &Conn,
    plans: &[Plan],
    unit_id: i64,
    indicator: &str,
    period: Period,
    today: Date,
) -> Result<(Window, Option<Date>)> {
    let deadline = deadline_for(plans, indicator, period);
    let until = match deadline {
        Some(d) if today > d => reopened_until(conn, unit_id, period)?,
        _ => None,
    };
    Ok((Window::at(deadline, until, today), deadline))
}

pub(crate) fn today() -> Date {
    DateTime::now_local().date()
}

impl Store {
    pub fn frozen_years(&self) -> Result<Vec<FrozenYear>> {
        frozen_on(&self.conn)
    }

    /// The reopenings of a unit (all units when `None`), newest first.
    pub fn reopenings(&self, unit_id: Option<i64>) -> Result<Vec<Reopening>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, unit_id, period, until_day, reason, created_at, created_by FROM reopenings
             WHERE CAST(?1 AS BIGINT) IS NULL OR unit_id = ?1 ORDER BY id DESC",
        )?;
        let rows = st.query_map([unit_id], |r| {
            Ok(Reopening {
                id: r.get(0)?,
                unit_id: r.get(1)?,
                period: r.get(2)?,
                until: Date::parse_iso(&r.get::<_, String>(3)?).unwrap_or(Date(0)),
                reason: r.get(4)?,
                created_at: r.get(5)?,
                created_by: r.get(6)?,
            })
        })?;
        rows.collect::<Result<_>>()
    }

    /// The window of a unit's entry today (the entry form shows it).
    pub fn entry_window(
        &self,
        unit_id: i64,
        indicator: &str,
        period: Period,
    ) -> Result<(Window, Option<Date>)> {
        let plans = self.plans()?;
        window_on(&self.conn, &plans, unit_id, indicator, period, today())
    }

    /// The movement office reopens one unit's period after its deadline, with a written
    /// reason, through `until` (audited). Refused for a frozen year, a past date, or a
    /// blank reason.
    pub fn reopen_period(
        &mut self,
        actor: &Actor,
        unit_code: &str,
        period: Period,
        until: Date,
        reason: &str,
    ) -> Result<i64> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(refused(
                "cần ghi lý do mở lại kỳ báo cáo",
                "a reopening needs a written reason",
            ));
        }
        if until < today() {
            return Err(refused(
                format!("ngày hết hạn mở lại {} đã qua", until.vi()),
                format!("the reopening's last day {} has passed", until.iso()),
            ));
        }
        let unit = self.unit(unit_code)?.ok_or_else(|| {
            refused(
                format!("không có đơn vị mã «{unit_code}»"),
                format!("unknown unit '{unit_code}'"),
            )
        })?;
        let tx = self.conn.write_tx()?;
        if let Some(m) = frozen_refusal(&frozen_on(&tx)?, period) {
            return Err(StoreError::Refused(m));
        }
        let id: i64 = tx.query_row(
            "INSERT INTO reopenings (unit_id, period, until_day, reason, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![unit.id, period.code(), until.iso(), reason, now(), actor.username],
            |r| r.get(0),
        )?;
        record(
            &tx,
            actor,
            "mo_lai_ky",
            "unit",
            &unit.info.code,
            None,
            Some(&json!({"period": period.code(), "until": until.iso(), "reason": reason})),
        )?;
        tx.commit()?;
        Ok(id)
    }
}

/// A plan may be loaded again unless its year is frozen, and may fix an indicator's
/// period only when no entry of its years has another period (their count is named).
pub(crate) fn check_plan_load(conn: &Conn, plan: &Plan) -> Result<()> {
    if let Some(f) = frozen_on(conn)?.into_iter().find(|f| f.plan_code == plan.code) {
        return Err(refused(
            format!(
                "kế hoạch «{}» đã có quyết định khen thưởng số {} công bố: không nạp lại hay sửa được nữa",
                plan.code, f.decision_no
            ),
            format!(
                "plan '{}' has its award decision {} published and can no longer be reloaded",
                plan.code, f.decision_no
            ),
        ));
    }
    let mut st = conn.prepare_cached("SELECT period FROM entries WHERE indicator = ?1")?;
    for ind in &plan.indicators {
        let Some(cadence) = ind.cadence else { continue };
        let periods: Vec<String> = st.query_map([&ind.code], |r| r.get(0))?.collect::<Result<_>>()?;
        let other = periods
            .iter()
            .filter_map(|p| Period::parse(p))
            .filter(|p| plan.covers_year(p.year()) && p.cadence() != cadence)
            .count();
        if other > 0 {
            return Err(refused(
                format!(
                    "kế hoạch quy định chỉ tiêu «{}» báo cáo theo kỳ {}, nhưng đã có {other} số liệu theo kỳ khác trong năm của kế hoạch: sửa hoặc bỏ chúng trước",
                    ind.code,
                    cadence.vi().to_lowercase()
                ),
                format!(
                    "the plan fixes indicator '{}' to {} periods, but {other} entries of its years have another period",
                    ind.code,
                    cadence.code()
                ),
            ));
        }
    }
    Ok(())
}

/// What an import checks beyond a row's own values: frozen years, months counted twice
/// (against the store and the file's earlier rows), and deadlines.
pub(crate) struct ImportLocks {
    frozen: Vec<FrozenYear>,
    plans: Vec<Plan>,
    /// A unit's own import: bound by deadlines (the office and the command line are not).
    unit_bound: bool,
    today: Date,
    /// The periods each (unit, indicator) has: the store's, then the file's accepted rows.
    periods: HashMap<(i64, String), Vec<Period>>,
    /// The reopening in force per (unit, period code): the latest.
    reopened: HashMap<(i64, String), Date>,
}

/// Every row of a query returning an id and two texts.
fn id_and_two_texts(conn: &Conn, sql: &str) -> Result<Vec<(i64, String, String)>> {
    let mut st = conn.prepare_cached(sql)?;
    let rows = st.query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

fn row_error(
    cols: &thidua_ingest::Columns,
    field: &str,
    row: usize,
    value: String,
    m: Msg,
) -> thidua_ingest::RowError {
    let index = cols
        .kind
        .fields()
        .iter()
        .position(|f| f.code == field)
        .unwrap_or(0);
    thidua_ingest::RowError {
        row,
        column: cols.header(index),
        value,
        vi: m.vi,
        en: m.en,
    }
}

impl ImportLocks {
    /// Reads what the checks need once, inside the import's transaction: for a values file,
    /// the entries' periods and the reopenings (a province has thousands of entries, not
    /// millions); other files need only the frozen years.
    pub(crate) fn new(conn: &Conn, plans: Vec<Plan>, unit_bound: bool, values: bool) -> Result<ImportLocks> {
        let mut periods: HashMap<(i64, String), Vec<Period>> = HashMap::new();
        let mut reopened = HashMap::new();
        if values {
            let sql = "SELECT unit_id, indicator, period FROM entries";
            for (unit, indicator, period) in id_and_two_texts(conn, sql)? {
                periods
                    .entry((unit, indicator))
                    .or_default()
                    .extend(Period::parse(&period));
            }
            let sql = "SELECT unit_id, period, until_day FROM reopenings ORDER BY id";
            for (unit, period, until) in id_and_two_texts(conn, sql)? {
                // Later rows replace earlier ones: the latest reopening is in force.
                if let Some(d) = Date::parse_iso(&until) {
                    reopened.insert((unit, period), d);
                }
            }
        }
        Ok(ImportLocks {
            frozen: frozen_on(conn)?,
            plans,
            unit_bound,
            today: today(),
            periods,
            reopened,
        })
    }

    /// Refuses a parsed row that a lock forbids; counts the office's late values.
    pub(crate) fn check(
        &mut self,
        lk: &crate::lookup::StoreLookup,
        cols: &thidua_ingest::Columns,
        row: usize,
        rec: &thidua_ingest::rows::Record,
        report: &mut thidua_ingest::ImportReport,
    ) -> std::result::Result<(), Vec<thidua_ingest::RowError>> {
        use thidua_ingest::rows::Record;
        let fail = |field: &str, value: String, m: Msg| Err(vec![row_error(cols, field, row, value, m)]);
        match rec {
            Record::Value(v) => {
                if let Some(m) = frozen_refusal(&self.frozen, v.period) {
                    return fail("ky", v.period.code(), m);
                }
                let unit_id = lk.units[&v.unit];
                let known = self.periods.entry((unit_id, v.indicator.clone())).or_default();
                if let Some(other) = overlapping(v.period, known.iter().copied()) {
                    return fail(
                        "ky",
                        v.period.code(),
                        overlap_refusal(&v.indicator, v.period, other),
                    );
                }
                let window = Window::at(
                    deadline_for(&self.plans, &v.indicator, v.period),
                    self.reopened.get(&(unit_id, v.period.code())).copied(),
                    self.today,
                );
                if self.unit_bound {
                    if let Some(m) = window.refusal(v.period) {
                        return fail("ky", v.period.code(), m);
                    }
                } else if window.is_late() {
                    report.late_rows += 1;
                }
                if !known.contains(&v.period) {
                    known.push(v.period);
                }
                Ok(())
            }
            Record::Dossier(d) => match self.frozen.iter().find(|f| d.received_at <= f.until()) {
                Some(f) => fail("ngay_tiep_nhan", d.received_at.vi(), f.refusal()),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Head rows that would change a frozen year: a new term in it, or a stored term whose
    /// days in it or name would change (closing a term after the year is allowed).
    pub(crate) fn frozen_heads(
        &self,
        cols: &thidua_ingest::Columns,
        rows: &[(usize, thidua_ingest::rows::HeadRow)],
        stored: &[thidua_ingest::rows::HeadRow],
    ) -> Vec<thidua_ingest::RowError> {
        let mut out = Vec::new();
        for (row, h) in rows {
            let old = stored.iter().find(|s| s.unit == h.unit && s.from == h.from);
            for f in &self.frozen {
                let clip = |from: Date, to: Option<Date>| {
                    let (a, b) = (
                        from.max(f.first_day),
                        to.unwrap_or(Date(i32::MAX)).min(f.last_day),
                    );
                    (a <= b).then_some((a, b))
                };
                let new = clip(h.from, h.to);
                let changed = match old {
                    Some(o) => clip(o.from, o.to) != new || (new.is_some() && o.name != h.name),
                    None => new.is_some(),
                };
                if changed {
                    out.push(row_error(cols, "tu_ngay", *row, h.from.vi(), f.refusal()));
                    break;
                }
            }
        }
        out
    }
}
