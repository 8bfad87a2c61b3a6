//! The award decision (seed section V): once the leaders have approved, the office records
//! the decision the Chairman signed — its number, date and signer — and it holds every
//! nomination of the plan approved and not yet in a decision; publishing it publishes them
//! all in one transaction (each through the nomination rules' `Publish` step, with the
//! results it shows from then on) and freezes the plan's year.

use crate::audit::{record, Actor};
use crate::nominations::step_in;
use crate::sql::{params, Conn, OptionalExtension, Row};
use crate::{now, refused, Result, Store};
use serde_json::json;
use thidua_domain::nomination::{DecisionTerms, Facts, NominationState, Step};
use thidua_domain::role::Role;
use thidua_domain::time::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    pub id: i64,
    pub plan_code: String,
    pub number: String,
    pub date: Date,
    pub signer: String,
    pub signer_title: String,
    pub created_at: i64,
    pub created_by: String,
    pub published_at: Option<i64>,
    /// The nominations it holds.
    pub nominations: Vec<i64>,
}

impl DecisionRecord {
    pub fn published(&self) -> bool {
        self.published_at.is_some()
    }
}

const COLUMNS: &str =
    "id, plan_code, number, date, signer, signer_title, created_at, created_by, published_at FROM decisions";

fn row(r: &Row) -> Result<DecisionRecord> {
    let date: String = r.get(3)?;
    Ok(DecisionRecord {
        id: r.get(0)?,
        plan_code: r.get(1)?,
        number: r.get(2)?,
        date: Date::parse_iso(&date).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, "bad date".into())
        })?,
        signer: r.get(4)?,
        signer_title: r.get(5)?,
        created_at: r.get(6)?,
        created_by: r.get(7)?,
        published_at: r.get(8)?,
        nominations: Vec::new(),
    })
}

fn with_nominations(conn: &Conn, mut d: DecisionRecord) -> Result<DecisionRecord> {
    let mut st = conn.prepare_cached("SELECT id FROM nominations WHERE decision_id = ?1 ORDER BY id")?;
    d.nominations = st.query_map([d.id], |r| r.get(0))?.collect::<Result<_>>()?;
    Ok(d)
}

fn snapshot(d: &DecisionRecord) -> serde_json::Value {
    json!({
        "plan": d.plan_code, "number": d.number, "date": d.date.iso(), "signer": d.signer,
        "signer_title": d.signer_title, "nominations": d.nominations, "published": d.published()
    })
}

impl Store {
    /// Records the decision: it holds every nomination of the plan approved and not yet in
    /// a decision. Refused when there is none, or the number is already recorded for the
    /// plan.
    pub fn record_decision(
        &mut self,
        actor: &Actor,
        plan_code: &str,
        terms: &DecisionTerms,
    ) -> Result<DecisionRecord> {
        let tx = self.conn.write_tx()?;
        let taken: bool = tx.query_row(
            "SELECT count(*) > 0 FROM decisions WHERE plan_code = ?1 AND number = ?2",
            params![plan_code, terms.number],
            |r| r.get(0),
        )?;
        if taken {
            return Err(refused(
                format!("Quyết định số {} đã được ghi cho kế hoạch này.", terms.number),
                format!("decision {} is already recorded for this plan", terms.number),
            ));
        }
        let pending: Vec<i64> = {
            let mut st = tx.prepare_cached(
                "SELECT id FROM nominations WHERE plan_code = ?1 AND state = ?2 AND decision_id IS NULL AND published = 0 ORDER BY id",
            )?;

            st.query_map(params![plan_code, NominationState::DaPheDuyet.code()], |r| {
                r.get(0)
            })?
            .collect::<Result<_>>()?
        };
        if pending.is_empty() {
            return Err(refused(
                "Không có hồ sơ đề nghị nào đã được phê duyệt mà chưa có quyết định: chưa ghi được quyết định.",
                "no approved nomination awaits a decision",
            ));
        }
        let at = now();
        let id: i64 = tx.query_row(
            "INSERT INTO decisions (plan_code, number, date, signer, signer_title, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            params![plan_code, terms.number, terms.date.iso(), terms.signer, terms.signer_title, at, actor.username],
            |r| r.get(0),
        )?;
        let line = format!("Quyết định số {} ngày {}", terms.number, terms.date.vi());
        for n in &pending {
            tx.execute(
                "UPDATE nominations SET decision_id = ?1, updated_at = ?2 WHERE id = ?3",
                params![id, at, n],
            )?;
            tx.execute(
                "INSERT INTO nomination_events (nomination_id, at, username, role, action, from_state, to_state, reason) VALUES (?1, ?2, ?3, ?4, 'ghi_quyet_dinh', ?5, ?5, ?6)",
                params![n, at, actor.username, Role::SoNoiVu.code(), NominationState::DaPheDuyet.code(), line],
            )?;
        }
        let d = with_nominations(
            &tx,
            tx.query_row(&format!("SELECT {COLUMNS} WHERE id = ?1"), [id], row)?,
        )?;
        record(
            &tx,
            actor,
            "ghi_quyet_dinh",
            "decision",
            &id.to_string(),
            None,
            Some(&snapshot(&d)),
        )?;
        tx.commit()?;
        Ok(d)
    }

    pub fn decision_record(&self, id: i64) -> Result<Option<DecisionRecord>> {
        let d = self
            .conn
            .query_row(&format!("SELECT {COLUMNS} WHERE id = ?1"), [id], row)
            .optional()?;
        Ok(match d {
            Some(d) => Some(with_nominations(&self.conn, d)?),
            None => None,
        })
    }

    /// The plan's decisions, the latest first.
    pub fn decision_records(&self, plan_code: &str) -> Result<Vec<DecisionRecord>> {
        let found: Vec<DecisionRecord> = {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {COLUMNS} WHERE plan_code = ?1 ORDER BY date DESC, id DESC"
            ))?;

            st.query_map([plan_code], row)?.collect::<Result<_>>()?
        };
        found
            .into_iter()
            .map(|d| with_nominations(&self.conn, d))
            .collect::<Result<_>>()
    }

    /// Publishes the decision: each of its nominations takes the `Publish` step with the
    /// results `results_of` gives for it (JSON, fixed from then on), all or none; the
    /// plan's year freezes.
    pub fn publish_decision(
        &mut self,
        actor: &Actor,
        id: i64,
        results_of: &dyn Fn(i64) -> String,
    ) -> Result<DecisionRecord> {
        let tx = self.conn.write_tx()?;
        let d = tx
            .query_row(&format!("SELECT {COLUMNS} WHERE id = ?1"), [id], row)
            .optional()?
            .ok_or_else(|| refused("Không có quyết định này.", "no such decision"))?;
        let d = with_nominations(&tx, d)?;
        if d.published() {
            return Err(refused(
                format!("Quyết định số {} đã được công bố.", d.number),
                "the decision is already published",
            ));
        }
        for n in &d.nominations {
            let step = Step::Publish {
                decision_no: d.number.clone(),
                decision_date: d.date,
                results: results_of(*n),
            };
            step_in(&tx, actor, Role::SoNoiVu, *n, &step, &Facts::default())?;
        }
        let at = now();
        tx.execute(
            "UPDATE decisions SET published_at = ?1, published_by = ?2 WHERE id = ?3",
            params![at, actor.username, id],
        )?;
        let after = with_nominations(
            &tx,
            tx.query_row(&format!("SELECT {COLUMNS} WHERE id = ?1"), [id], row)?,
        )?;
        record(
            &tx,
            actor,
            "cong_bo_quyet_dinh",
            "decision",
            &id.to_string(),
            Some(&snapshot(&d)),
            Some(&snapshot(&after)),
        )?;
        tx.commit()?;
        Ok(after)
    }
}

/// One award as decided and published in the product: who, in which unit, under which
/// plan, by which decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardRecord {
    pub nomination_id: i64,
    pub head_name: String,
    pub head_title: String,
    pub unit_code: String,
    pub unit_name: String,
    pub plan_code: String,
    pub decision_id: i64,
    pub number: String,
    pub date: Date,
    pub signer: String,
}

impl Store {
    /// Every award of every plan whose decision is published, the latest decision first.
    pub fn award_register(&self) -> Result<Vec<AwardRecord>> {
        let mut st = self.conn.prepare_cached(
            "SELECT n.id, n.head_name, n.head_title, u.code, u.name, n.plan_code, d.id, d.number, d.date, d.signer
             FROM nominations n JOIN units u ON u.id = n.unit_id JOIN decisions d ON d.id = n.decision_id
             WHERE n.published = 1 AND d.published_at IS NOT NULL
             ORDER BY d.date DESC, d.id DESC, u.code, n.head_from",
        )?;
        let rows = st
            .query_map((), |r| {
                let date: String = r.get(8)?;
                Ok(AwardRecord {
                    nomination_id: r.get(0)?,
                    head_name: r.get(1)?,
                    head_title: r.get(2)?,
                    unit_code: r.get(3)?,
                    unit_name: r.get(4)?,
                    plan_code: r.get(5)?,
                    decision_id: r.get(6)?,
                    number: r.get(7)?,
                    date: Date::parse_iso(&date).ok_or_else(|| {
                        rusqlite::Error::FromSqlConversionFailure(
                            8,
                            rusqlite::types::Type::Text,
                            "bad date".into(),
                        )
                    })?,
                    signer: r.get(9)?,
                })
            })?
            .collect::<Result<_>>()?;
        Ok(rows)
    }
}
