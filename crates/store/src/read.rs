//! Reading the store into the domain's types, and the store-backed evaluation.

use crate::portable::Db;
use crate::sql::{params, OptionalExtension};
use crate::{Result, Store};
use std::collections::HashMap;
use std::sync::Arc;
use thidua_domain::dossier::{timeliness, Channel, DossierStatus, DossierTally, OnlineLevel, ProcedureInfo};
use thidua_domain::entry::{Entry, EntryState, EntryValue, Period};
use thidua_domain::eval::{evaluate, EvalInput, HeadResult, HeadTerm, UnitInfo};
use thidua_domain::num::Dec;
use thidua_domain::plan::Plan;
use thidua_domain::time::{Date, DateTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRecord {
    pub id: i64,
    pub info: UnitInfo,
    pub parent: Option<String>,
}

/// Counts for a quick look at what the store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub units: i64,
    pub heads: i64,
    pub procedures: i64,
    pub dossiers: i64,
    pub entries: i64,
    pub entry_versions: i64,
}

fn date_of(s: Option<String>) -> Option<Date> {
    s.as_deref().and_then(Date::parse_iso)
}

/// Every unit by code, on either backend, on a connection or inside a transaction.
pub(crate) fn units_on(db: Db) -> Result<Vec<UnitRecord>> {
    let mut out: Vec<UnitRecord> = db
        .rows("SELECT id, code, name, tier, parent_code FROM units", &[])?
        .into_iter()
        .map(|r| UnitRecord {
            id: r[0].int().unwrap_or_default(),
            info: UnitInfo {
                code: r[1].string(),
                name: r[2].string(),
                tier: r[3].string(),
            },
            parent: r[4].opt_string(),
        })
        .collect();
    out.sort_by(|a, b| a.info.code.cmp(&b.info.code));
    Ok(out)
}

/// Every head's term by unit and start, on either backend, on a connection or inside a
/// transaction.
pub(crate) fn heads_on(db: Db) -> Result<Vec<HeadTerm>> {
    let mut out = Vec::new();
    for r in db.rows(
        "SELECT u.code, h.full_name, h.title, h.term_from, h.term_to FROM heads h JOIN units u ON u.id = h.unit_id",
        &[],
    )? {
        if let Some(from) = r[3].text().and_then(Date::parse_iso) {
            out.push(HeadTerm {
                unit: r[0].string(),
                name: r[1].string(),
                title: r[2].string(),
                from,
                to: date_of(r[4].opt_string()),
            });
        }
    }
    out.sort_by(|a, b| (&a.unit, a.from).cmp(&(&b.unit, b.from)));
    Ok(out)
}

impl Store {
    pub fn counts(&self) -> Result<Counts> {
        let c = |t: &str| {
            self.conn
                .query_row(&format!("SELECT count(*) FROM {t}"), (), |r| r.get::<_, i64>(0))
        };
        Ok(Counts {
            units: c("units")?,
            heads: c("heads")?,
            procedures: c("procedures")?,
            dossiers: c("dossiers")?,
            entries: c("entries")?,
            entry_versions: c("entry_history")?,
        })
    }

    pub fn units(&self) -> Result<Vec<UnitRecord>> {
        units_on(self.conn.db())
    }

    pub fn unit(&self, code: &str) -> Result<Option<UnitRecord>> {
        self.conn
            .query_row(
                "SELECT id, code, name, tier, parent_code FROM units WHERE code = ?1",
                [code],
                |r| {
                    Ok(UnitRecord {
                        id: r.get(0)?,
                        info: UnitInfo {
                            code: r.get(1)?,
                            name: r.get(2)?,
                            tier: r.get(3)?,
                        },
                        parent: r.get(4)?,
                    })
                },
            )
            .optional()
    }

    pub fn heads(&self) -> Result<Vec<HeadTerm>> {
        heads_on(self.conn.db())
    }

    pub fn procedures(&self) -> Result<HashMap<String, ProcedureInfo>> {
        procedures_on(self.conn.db())
    }

    pub fn entries(&self) -> Result<Vec<Entry>> {
        entries_on(self.conn.db())
    }

    /// Feeds every stored dossier through the domain's formulas (one computation for the
    /// store and for `dossier-stats`). Units are indexed by their position in `units`.
    pub fn tally_dossiers(&self, units: &[UnitRecord], as_of: DateTime) -> Result<DossierTally> {
        let index: HashMap<i64, u32> = units.iter().enumerate().map(|(i, u)| (u.id, i as u32)).collect();
        match self.tally_from_sums(&index, as_of)? {
            Some(tally) => Ok(tally),
            None => self.count_dossiers(&index, as_of),
        }
    }

    /// Evaluates every head under `plan` as of `as_of`.
    pub fn evaluate(&self, plan: &Plan, as_of: DateTime) -> Result<Vec<HeadResult>> {
        Ok(self.evaluation(plan, as_of)?.heads)
    }

    /// The evaluation with what it was computed from: the units (in the tally's index
    /// order) and the dossier tally, for month-by-month charts from the same numbers.
    pub fn evaluation(&self, plan: &Plan, as_of: DateTime) -> Result<Evaluation> {
        let (units, tally) = self.dossier_facts(as_of)?;
        self.evaluation_with(plan, as_of, units, tally)
    }

    /// The expensive half of an evaluation: the units and every dossier through the formulas.
    /// It changes only with imports, plans and the calendar (`dossier_version`), so a cache
    /// can keep it while entries change.
    pub fn dossier_facts(&self, as_of: DateTime) -> Result<(Vec<UnitRecord>, Arc<DossierTally>)> {
        let units = self.units()?;
        let tally = self.tally_dossiers(&units, as_of)?;
        Ok((units, Arc::new(tally)))
    }

    /// The evaluation over prepared dossier facts (from `dossier_facts` at the same as-of).
    pub fn evaluation_with(
        &self,
        plan: &Plan,
        as_of: DateTime,
        units: Vec<UnitRecord>,
        tally: Arc<DossierTally>,
    ) -> Result<Evaluation> {
        evaluation_with_on(self.conn.db(), plan, as_of, units, tally)
    }

    /// The late dossiers of a unit counted in `[from, to]`, by the one on-time rule
    /// (`dossier::timeliness`, INDICATORS.md 2.1), the latest first, and how many there are
    /// in all. A late dossier's due time has passed at `as_of` (it was decided after it, or
    /// is still unresolved), so only those rows are read.
    pub fn late_dossiers(
        &self,
        unit_id: i64,
        from: DateTime,
        to: DateTime,
        as_of: DateTime,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<DossierRecord>, i64)> {
        let mut st = self.conn.prepare_cached(LATE_DOSSIERS)?;
        let rows = st.query_map(params![unit_id, as_of.0], |r| {
            Ok(DossierRecord {
                code: r.get(0)?,
                procedure: r.get(1)?,
                received_at: DateTime(r.get(2)?),
                due_at: DateTime(r.get(3)?),
                completed_at: r.get::<_, Option<i64>>(4)?.map(DateTime),
                channel: Channel::from_id(r.get::<_, u8>(5)?).unwrap_or(Channel::TrucTiep),
                status: DossierStatus::from_id(r.get::<_, u8>(6)?).unwrap_or(DossierStatus::DangXuLy),
            })
        })?;
        let mut late: Vec<(DateTime, DossierRecord)> = Vec::new();
        for row in rows {
            let d = row?;
            match timeliness(d.status, d.due_at, d.completed_at, as_of) {
                Some(t) if !t.on_time && from <= t.at && t.at <= to => late.push((t.at, d)),
                _ => {}
            }
        }
        late.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.code.cmp(&b.1.code)));
        let total = late.len() as i64;
        let page = late
            .into_iter()
            .skip(offset.max(0) as usize)
            .take(limit.max(0) as usize)
            .map(|(_, d)| d)
            .collect();
        Ok((page, total))
    }
}

/// A unit's dossiers due before an instant that were not completed by their due date (the
/// candidates for its late list), read through the partial index on (unit, due date): a
/// unit's page never reads the province's other dossiers.
pub(crate) const LATE_DOSSIERS: &str =
    "SELECT code, procedure_code, received_at, due_at, completed_at, channel, status
     FROM dossiers WHERE unit_id = ?1 AND due_at < ?2 AND (completed_at IS NULL OR completed_at > due_at)";

/// One evaluation run: units in the tally's index order, the tally, every head's result.
pub struct Evaluation {
    pub units: Vec<UnitRecord>,
    pub tally: Arc<DossierTally>,
    pub heads: Vec<HeadResult>,
}

impl Evaluation {
    /// The tally's index of a unit.
    pub fn unit_index(&self, code: &str) -> Option<u32> {
        self.units
            .iter()
            .position(|u| u.info.code == code)
            .map(|i| i as u32)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierRecord {
    pub code: String,
    pub procedure: String,
    pub received_at: DateTime,
    pub due_at: DateTime,
    pub completed_at: Option<DateTime>,
    pub channel: Channel,
    pub status: DossierStatus,
}

/// The calendar's days and kinds, summed: a day changed from off to make-up changes it.
const CALENDAR_VERSION: &str = "(SELECT count(*) || ':' || coalesce(sum(CAST(julianday(day) AS INTEGER) * (CASE kind WHEN 'nghi' THEN 1 ELSE 3 END)), 0) FROM calendar_days)";

impl Store {
    /// Changes whenever the dossier facts may have changed: units, procedures and dossiers
    /// change only by imports; plans and the calendar by their own loads.
    pub fn dossier_version(&self) -> Result<String> {
        if self.conn.is_pg() {
            return self.commit_counts(&[
                "imports",
                "dossiers",
                "units",
                "procedures",
                "plans",
                "calendar_days",
            ]);
        }
        self.conn.query_row(
            &format!("SELECT (SELECT coalesce(max(id), 0) FROM imports) || '.' || (SELECT coalesce(max(loaded_at), 0) FROM plans) || '.' || {CALENDAR_VERSION}"),
            (),
            |r| r.get(0),
        )
    }

    /// Changes whenever data an evaluation reads may have changed (every change of an entry
    /// writes its history, units, heads and dossiers change only by imports, plans record
    /// their load time), for caches to key on. Sign-ins and other audit-only events do not
    /// change it.
    pub fn data_version(&self) -> Result<String> {
        if self.conn.is_pg() {
            return self.commit_counts(&[
                "entry_history",
                "entries",
                "imports",
                "dossiers",
                "units",
                "heads",
                "procedures",
                "plans",
                "calendar_days",
            ]);
        }
        self.conn.query_row(
            &format!(
                "SELECT (SELECT coalesce(max(id), 0) FROM entry_history) || '.' || (SELECT coalesce(max(id), 0) FROM imports)
                 || '.' || (SELECT coalesce(max(loaded_at), 0) FROM plans) || '.' || {CALENDAR_VERSION}"
            ),
            (),
            |r| r.get(0),
        )
    }
}

impl Store {
    /// On PostgreSQL, the commits counted to each of `tables` (migration `0005`), as one key.
    /// (The names are this crate's constants, never input.)
    fn commit_counts(&self, tables: &[&str]) -> Result<String> {
        let names: Vec<String> = tables.iter().map(|t| format!("'{t}'")).collect();
        self.conn.query_row(
            &format!(
                "SELECT string_agg(CAST(n AS TEXT), '.' ORDER BY name) FROM thidua_commits WHERE name IN ({})",
                names.join(", ")
            ),
            (),
            |r| r.get(0),
        )
    }
}

/// The procedure catalogue as the formulas need it, on either backend.
pub(crate) fn procedures_on(db: Db) -> Result<HashMap<String, ProcedureInfo>> {
    let mut out = HashMap::new();
    for r in db.rows(
        "SELECT code, statutory_days, online_level, published_days FROM procedures",
        &[],
    )? {
        let (days, level) = (r[1].text().unwrap_or_default(), r[2].text().unwrap_or_default());
        if let (Some(statutory_days), Some(online_level)) = (Dec::parse(days), OnlineLevel::parse(level)) {
            out.insert(
                r[0].string(),
                ProcedureInfo {
                    statutory_days,
                    online_level,
                    published_days: r[3].text().and_then(Dec::parse),
                },
            );
        }
    }
    Ok(out)
}

/// Every submitted or verified (or other) entry's value, on either backend.
pub(crate) fn entries_on(db: Db) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for r in db.rows(
        "SELECT u.code, e.indicator, e.period, e.numerator, e.denominator, e.value, e.state, e.kind
         FROM entries e JOIN units u ON u.id = e.unit_id",
        &[],
    )? {
        let value = match (
            r[7].text().unwrap_or_default(),
            r[3].text().and_then(Dec::parse),
            r[4].text().and_then(Dec::parse),
            r[5].int(),
        ) {
            ("ratio", Some(num), Some(den), _) => EntryValue::Ratio { num, den },
            ("count", _, _, Some(v)) => EntryValue::Count(v),
            ("boolean", _, _, Some(v)) => EntryValue::Bool(v != 0),
            _ => continue,
        };
        let (Some(period), Some(state)) = (
            r[2].text().and_then(Period::parse),
            r[6].text().and_then(EntryState::parse),
        ) else {
            continue;
        };
        out.push(Entry {
            unit: r[0].string(),
            indicator: r[1].string(),
            period,
            value,
            state,
        });
    }
    Ok(out)
}

/// The evaluation over prepared dossier facts, on either backend.
pub(crate) fn evaluation_with_on(
    db: Db,
    plan: &Plan,
    as_of: DateTime,
    units: Vec<UnitRecord>,
    tally: Arc<DossierTally>,
) -> Result<Evaluation> {
    let infos: Vec<UnitInfo> = units.iter().map(|u| u.info.clone()).collect();
    let heads = heads_on(db)?;
    let entries = entries_on(db)?;
    let heads = evaluate(&EvalInput {
        plan,
        units: &infos,
        heads: &heads,
        tally: &tally,
        entries: &entries,
        as_of,
    });
    Ok(Evaluation { units, tally, heads })
}
