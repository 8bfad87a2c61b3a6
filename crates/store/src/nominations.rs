//! Nominations for the award (seed sections III–V): the unit prepares its head's dossier
//! (the plan's documents) and submits it; the movement office returns it or forwards it
//! with its verdict; the Board appraises; the approver approves or rejects, never beyond
//! the plan's quota; the office records the decision and publishes it. Every step records
//! who, when and why (`nomination_events`) and writes the audit log, in one transaction.
//!
//! What the evaluation says (eligibility, pending discipline) and the calendar facts
//! (today, the deadline) come in as `Facts`, so the rules here are checked on every step.

use crate::audit::{record, Actor};
use crate::sql::{params, Conn, OptionalExtension, Row};
use crate::workflow::NewAttachment;
use crate::{now, refused, Result, Store};
use serde_json::json;
use thidua_domain::nomination::{
    may_upload, transition, BoardVerdict, Change, Current, Facts, NominationState, OfficeVerdict, Step,
    Uploader,
};
use thidua_domain::role::Role;
use thidua_domain::time::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nomination {
    pub id: i64,
    pub plan_code: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// The unit's tier and the code of the unit above it (a commune's district).
    pub unit_tier: String,
    pub unit_parent: Option<String>,
    pub head_from: String,
    pub head_name: String,
    pub head_title: String,
    pub state: NominationState,
    pub unit_reason: String,
    pub office_verdict: Option<OfficeVerdict>,
    pub office_reason: String,
    pub board_verdict: Option<BoardVerdict>,
    pub board_reason: String,
    pub decision_reason: String,
    pub decision_no: String,
    pub decision_date: Option<String>,
    pub published: bool,
    pub published_results: String,
    /// The decision record holding it (`decisions`), once the office recorded one.
    pub decision_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NominationDocument {
    pub id: i64,
    pub nomination_id: i64,
    pub doc_code: String,
    pub stored_name: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub uploaded_at: i64,
    pub uploaded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NominationEvent {
    pub at: i64,
    pub username: String,
    pub role: String,
    pub action: String,
    pub from_state: Option<NominationState>,
    pub to_state: NominationState,
    pub reason: String,
}

const COLUMNS: &str = "n.id, n.plan_code, n.unit_id, u.code, u.name, n.head_from, n.head_name, n.head_title, n.state, n.unit_reason,
    n.office_verdict, n.office_reason, n.board_verdict, n.board_reason, n.decision_reason, n.decision_no, n.decision_date,
    n.published, n.created_at, n.updated_at, n.published_results, u.tier, u.parent_code, n.decision_id FROM nominations n JOIN units u ON u.id = n.unit_id";

fn row(r: &Row) -> Result<Nomination> {
    Ok(Nomination {
        id: r.get(0)?,
        plan_code: r.get(1)?,
        unit_id: r.get(2)?,
        unit_code: r.get(3)?,
        unit_name: r.get(4)?,
        head_from: r.get(5)?,
        head_name: r.get(6)?,
        head_title: r.get(7)?,
        state: code(r, 8, NominationState::from_code)?,
        unit_reason: r.get(9)?,
        office_verdict: optional_code(r, 10, OfficeVerdict::from_code)?,
        office_reason: r.get(11)?,
        board_verdict: optional_code(r, 12, BoardVerdict::from_code)?,
        board_reason: r.get(13)?,
        decision_reason: r.get(14)?,
        decision_no: r.get(15)?,
        decision_date: r.get(16)?,
        published: r.get::<_, i64>(17)? != 0,
        created_at: r.get(18)?,
        updated_at: r.get(19)?,
        published_results: r.get(20)?,
        unit_tier: r.get(21)?,
        unit_parent: r.get(22)?,
        decision_id: r.get(23)?,
    })
}

/// A code column read back into its enum; an unknown code is a corrupt row.
fn code<T>(r: &Row, i: usize, parse: fn(&str) -> Option<T>) -> Result<T> {
    let s: String = r.get(i)?;
    parse(&s).ok_or_else(|| crate::StoreError::Column(format!("column {i}: unknown code '{s}'")))
}

fn optional_code<T>(r: &Row, i: usize, parse: fn(&str) -> Option<T>) -> Result<Option<T>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(_) => code(r, i, parse).map(Some),
    }
}

fn snapshot(n: &Nomination) -> serde_json::Value {
    json!({
        "unit": n.unit_code, "head": n.head_name, "state": n.state.code(), "unit_reason": n.unit_reason,
        "office_verdict": n.office_verdict.map(|v| v.code()), "office_reason": n.office_reason,
        "board_verdict": n.board_verdict.map(|v| v.code()),
        "board_reason": n.board_reason, "decision_reason": n.decision_reason, "decision_no": n.decision_no,
        "decision_date": n.decision_date, "published": n.published
    })
}

/// Files one nomination may hold (every version of its documents).
pub const MAX_DOCUMENTS: i64 = 30;

impl Store {
    /// The unit opens a nomination for one of its heads in a plan.
    // Each argument is a column of the new row or who writes it; a struct would only
    // rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn create_nomination(
        &mut self,
        actor: &Actor,
        role: Role,
        plan_code: &str,
        unit_id: i64,
        head_from: Date,
        head_name: &str,
        head_title: &str,
    ) -> Result<i64> {
        let tx = self.conn.write_tx()?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT id FROM nominations WHERE plan_code = ?1 AND unit_id = ?2 AND head_from = ?3",
                params![plan_code, unit_id, head_from.iso()],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            return Err(refused(
                "người đứng đầu này đã có hồ sơ đề nghị trong kế hoạch",
                "this head already has a nomination in the plan",
            ));
        }
        let at = now();
        let id: i64 = tx.query_row(
            "INSERT INTO nominations (plan_code, unit_id, head_from, head_name, head_title, state, created_at, created_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'nhap', ?6, ?7, ?6) RETURNING id",
            params![plan_code, unit_id, head_from.iso(), head_name, head_title, at, actor.username],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO nomination_events (nomination_id, at, username, role, action, from_state, to_state) VALUES (?1, ?2, ?3, ?4, 'tao', NULL, 'nhap')",
            params![id, at, actor.username, role.code()],
        )?;
        record(
            &tx,
            actor,
            "tao_de_nghi",
            "nomination",
            &id.to_string(),
            None,
            Some(&json!({"plan": plan_code, "unit_id": unit_id, "head": head_name})),
        )?;
        tx.commit()?;
        Ok(id)
    }

    pub fn nomination(&self, id: i64) -> Result<Option<Nomination>> {
        self.conn
            .query_row(&format!("SELECT {COLUMNS} WHERE n.id = ?1"), [id], row)
            .optional()
    }

    /// Nominations of a plan, of one unit or all; in state order, then by unit.
    pub fn nominations(&self, plan_code: &str, unit_id: Option<i64>) -> Result<Vec<Nomination>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} WHERE n.plan_code = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR n.unit_id = ?2) ORDER BY u.code, n.head_from"
        ))?;
        let rows = st.query_map(params![plan_code, unit_id], row)?;
        rows.collect::<Result<_>>()
    }

    /// A unit's reader's view: the unit's nominations and those of the units directly
    /// below it (a district's communes, which it proposes).
    pub fn nominations_in_scope(&self, plan_code: &str, unit_id: i64) -> Result<Vec<Nomination>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} WHERE n.plan_code = ?1
               AND (n.unit_id = ?2 OR u.parent_code = (SELECT p.code FROM units p WHERE p.id = ?2))
             ORDER BY u.code, n.head_from"
        ))?;
        let rows = st.query_map(params![plan_code, unit_id], row)?;
        rows.collect::<Result<_>>()
    }

    pub fn nomination_documents(&self, id: i64) -> Result<Vec<NominationDocument>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, nomination_id, doc_code, stored_name, file_name, media_type, size, uploaded_at, uploaded_by
             FROM nomination_documents WHERE nomination_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([id], doc_row)?;
        rows.collect::<Result<_>>()
    }

    pub fn nomination_document(&self, doc_id: i64) -> Result<Option<NominationDocument>> {
        self
            .conn
            .query_row(
                "SELECT id, nomination_id, doc_code, stored_name, file_name, media_type, size, uploaded_at, uploaded_by
                 FROM nomination_documents WHERE id = ?1",
                [doc_id],
                doc_row,
            )
            .optional()
    }

    pub fn nomination_events(&self, id: i64) -> Result<Vec<NominationEvent>> {
        let mut st = self.conn.prepare_cached(
            "SELECT at, username, role, action, from_state, to_state, reason FROM nomination_events WHERE nomination_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([id], |r| {
            Ok(NominationEvent {
                at: r.get(0)?,
                username: r.get(1)?,
                role: r.get(2)?,
                action: r.get(3)?,
                from_state: optional_code(r, 4, NominationState::from_code)?,
                to_state: code(r, 5, NominationState::from_code)?,
                reason: r.get(6)?,
            })
        })?;
        rows.collect::<Result<_>>()
    }

    /// The unit adds (or replaces) one of the plan's documents while it prepares the dossier.
    pub fn add_nomination_document(
        &mut self,
        actor: &Actor,
        id: i64,
        doc_code: &str,
        file: &NewAttachment,
    ) -> Result<()> {
        self.add_document_as(actor, Uploader::Unit, id, doc_code, file)
    }

    /// The proposing level (a commune's district) adds its papers while the nomination
    /// waits for it.
    pub fn add_proposer_document(
        &mut self,
        actor: &Actor,
        id: i64,
        doc_code: &str,
        file: &NewAttachment,
    ) -> Result<()> {
        self.add_document_as(actor, Uploader::Proposer, id, doc_code, file)
    }

    /// One document by `who`, if the domain's `may_upload` allows it in the nomination's
    /// state (read under the write lock).
    fn add_document_as(
        &mut self,
        actor: &Actor,
        who: Uploader,
        id: i64,
        doc_code: &str,
        file: &NewAttachment,
    ) -> Result<()> {
        let (stored_name, file_name, media_type, size) =
            (&file.stored_name, &file.file_name, &file.media_type, file.size);
        let n = self
            .nomination(id)?
            .ok_or_else(|| refused("không có hồ sơ đề nghị này", "no such nomination"))?;
        let plan = self.plan_for(None, Some(&n.plan_code))?;
        let doc_name = document_name(&plan, doc_code)?;
        let tx = self.conn.write_tx()?;
        let state = may_change_document(&tx, &plan, &n, who, doc_code)?;
        let count: i64 = tx.query_row(
            "SELECT count(*) FROM nomination_documents WHERE nomination_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        if count >= MAX_DOCUMENTS {
            return Err(refused(
                format!("mỗi hồ sơ có tối đa {MAX_DOCUMENTS} tệp tài liệu"),
                "too many documents",
            ));
        }
        tx.execute(
            "INSERT INTO nomination_events (nomination_id, at, username, role, action, from_state, to_state, reason) VALUES (?1, ?2, ?3, 'don_vi', ?6, ?4, ?4, ?5)",
            params![
                id,
                now(),
                actor.username,
                state,
                format!("{doc_name}: {file_name}"),
                match who {
                    Uploader::Unit => "tai_tai_lieu",
                    Uploader::Proposer => "cap_trinh_tai_tai_lieu",
                }
            ],
        )?;
        tx.execute(
            "INSERT INTO nomination_documents (nomination_id, doc_code, stored_name, file_name, media_type, size, uploaded_at, uploaded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, doc_code, stored_name, file_name, media_type, size, now(), actor.username],
        )?;
        record(
            &tx,
            actor,
            "tai_tai_lieu_de_nghi",
            "nomination",
            &id.to_string(),
            None,
            Some(&json!({"document": doc_code, "file": file_name})),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes one document of a nomination, as `who`, while the rules let `who` change
    /// documents of its kind (the rule of uploading: a unit while it prepares, the
    /// proposing level while the nomination waits for it). Returns the nomination's id and
    /// the stored file's name, for the caller to delete once this has committed.
    pub fn remove_nomination_document(
        &mut self,
        actor: &Actor,
        who: Uploader,
        doc_id: i64,
    ) -> Result<(i64, String)> {
        let d = self
            .nomination_document(doc_id)?
            .ok_or_else(|| refused("không có tài liệu này", "no such document"))?;
        let n = self
            .nomination(d.nomination_id)?
            .ok_or_else(|| refused("không có hồ sơ đề nghị này", "no such nomination"))?;
        let plan = self.plan_for(None, Some(&n.plan_code))?;
        let doc_name = document_name(&plan, &d.doc_code)?;
        let tx = self.conn.write_tx()?;
        let state = may_change_document(&tx, &plan, &n, who, &d.doc_code)?;
        tx.execute(
            "INSERT INTO nomination_events (nomination_id, at, username, role, action, from_state, to_state, reason) VALUES (?1, ?2, ?3, 'don_vi', 'xoa_tai_lieu', ?4, ?4, ?5)",
            params![n.id, now(), actor.username, state, format!("Đã xóa {doc_name}: {}", d.file_name)],
        )?;
        tx.execute("DELETE FROM nomination_documents WHERE id = ?1", [doc_id])?;
        record(
            &tx,
            actor,
            "xoa_tai_lieu_de_nghi",
            "nomination",
            &n.id.to_string(),
            Some(&json!({"document": d.doc_code, "file": d.file_name})),
            None,
        )?;
        tx.commit()?;
        Ok((n.id, d.stored_name))
    }

    /// Approvals so far in a plan.
    pub fn approvals(&self, plan_code: &str) -> Result<u32> {
        self.conn.query_row(
            "SELECT count(*) FROM nominations WHERE plan_code = ?1 AND state = ?2",
            params![plan_code, NominationState::DaPheDuyet.code()],
            |r| r.get(0),
        )
    }

    /// Takes one step of the lifecycle: the nomination, its documents and the plan's
    /// approvals are read under the write lock (`BEGIN IMMEDIATE`), so two approvers at the
    /// same moment are serialised and the quota count is exact; the domain's `transition`
    /// decides; the change, the history and the audit record are written together.
    pub fn nomination_step(
        &mut self,
        actor: &Actor,
        role: Role,
        id: i64,
        step: &Step,
        facts: &Facts,
    ) -> Result<()> {
        let tx = self.conn.write_tx()?;
        if matches!(step, Step::Publish { .. }) {
            // One decision holds its awardees: they are published together
            // (`Store::publish_decision`), never one by one.
            return Err(refused(
                "Chỉ công bố qua quyết định khen thưởng đã ghi (gồm mọi hồ sơ được phê duyệt).",
                "a nomination is published only through its recorded decision",
            ));
        }
        step_in(&tx, actor, role, id, step, facts)?;
        tx.commit()?;
        Ok(())
    }
    // --- settings ---------------------------------------------------------------------

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    }

    pub fn set_setting(&mut self, actor: &Actor, key: &str, value: &str) -> Result<()> {
        let tx = self.conn.write_tx()?;
        let before: Option<String> = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        tx.execute(
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            params![key, value, now(), actor.username],
        )?;
        record(
            &tx,
            actor,
            "cai_dat",
            "setting",
            key,
            before.map(|b| json!(b)).as_ref(),
            Some(&json!(value)),
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn doc_row(r: &Row) -> Result<NominationDocument> {
    Ok(NominationDocument {
        id: r.get(0)?,
        nomination_id: r.get(1)?,
        doc_code: r.get(2)?,
        stored_name: r.get(3)?,
        file_name: r.get(4)?,
        media_type: r.get(5)?,
        size: r.get(6)?,
        uploaded_at: r.get(7)?,
        uploaded_by: r.get(8)?,
    })
}

/// One step inside the caller's write transaction: the rules decide under the lock, then
/// the change, the history and the audit record are written.
pub(crate) fn step_in(
    tx: &Conn,
    actor: &Actor,
    role: Role,
    id: i64,
    step: &Step,
    facts: &Facts,
) -> Result<()> {
    let before = tx
        .query_row(&format!("SELECT {COLUMNS} WHERE n.id = ?1"), [id], row)
        .optional()?
        .ok_or_else(|| refused("không có hồ sơ đề nghị này", "no such nomination"))?;
    let documents: Vec<String> = {
        let mut st =
            tx.prepare_cached("SELECT DISTINCT doc_code FROM nomination_documents WHERE nomination_id = ?1")?;

        st.query_map([id], |r| r.get(0))?.collect::<Result<_>>()?
    };
    let approved: u32 = tx.query_row(
        "SELECT count(*) FROM nominations WHERE plan_code = ?1 AND state = ?2",
        params![before.plan_code, NominationState::DaPheDuyet.code()],
        |r| r.get(0),
    )?;
    let unit_approved: bool = tx.query_row(
            "SELECT count(*) > 0 FROM nominations WHERE plan_code = ?1 AND unit_id = ?2 AND state = ?3 AND id != ?4",
            params![before.plan_code, before.unit_id, NominationState::DaPheDuyet.code(), id],
            |r| r.get(0),
        )?;
    let current = Current {
        state: before.state,
        board_verdict: before.board_verdict,
        published: before.published,
        documents: &documents,
        approved,
        unit_approved,
    };
    let t = transition(&current, step, facts).map_err(|m| refused(m.vi, m.en))?;
    match &t.change {
        Change::UnitReason(r) => {
            tx.execute(
                "UPDATE nominations SET unit_reason = ?1 WHERE id = ?2",
                params![r, id],
            )?;
        }
        Change::Office { verdict, reason } => {
            tx.execute(
                "UPDATE nominations SET office_verdict = ?1, office_reason = ?2 WHERE id = ?3",
                params![verdict.code(), reason, id],
            )?;
        }
        Change::Board { verdict, reason } => {
            tx.execute(
                "UPDATE nominations SET board_verdict = ?1, board_reason = ?2 WHERE id = ?3",
                params![verdict.code(), reason, id],
            )?;
        }
        Change::DecisionReason(r) => {
            tx.execute(
                "UPDATE nominations SET decision_reason = ?1 WHERE id = ?2",
                params![r, id],
            )?;
        }
        Change::Publication {
            decision_no,
            decision_date,
            results,
        } => {
            tx.execute(
                    "UPDATE nominations SET decision_no = ?1, decision_date = ?2, published = 1, published_results = ?3 WHERE id = ?4",
                    params![decision_no, decision_date.iso(), results, id],
                )?;
            // The decision freezes its plan's year (INDICATORS.md section 3).
            crate::locks::freeze_on(tx, &before.plan_code, decision_no, &actor.username)?;
        }
        Change::Nothing => {}
    }
    let at = now();
    tx.execute(
        "UPDATE nominations SET state = ?1, updated_at = ?2 WHERE id = ?3",
        params![t.to.code(), at, id],
    )?;
    tx.execute(
            "INSERT INTO nomination_events (nomination_id, at, username, role, action, from_state, to_state, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, at, actor.username, role.code(), step.action(), before.state.code(), t.to.code(), t.reason],
        )?;
    let after = tx.query_row(&format!("SELECT {COLUMNS} WHERE n.id = ?1"), [id], row)?;
    let mut after = snapshot(&after);
    // The step's own reason (an approval outside the ranking's suggestions, a return…)
    if !t.reason.is_empty() {
        after["step_reason"] = json!(t.reason);
    }
    record(
        tx,
        actor,
        step.action(),
        "nomination",
        &id.to_string(),
        Some(&snapshot(&before)),
        Some(&after),
    )?;
    Ok(())
}

/// The name the plan gives a kind of document (refused when the plan has no such kind).
fn document_name(plan: &thidua_domain::plan::Plan, doc_code: &str) -> Result<String> {
    plan.documents
        .iter()
        .find(|d| d.code == doc_code)
        .map(|d| d.name.clone())
        .ok_or_else(|| {
            refused(
                "kế hoạch không có loại tài liệu này",
                "the plan has no such document",
            )
        })
}

/// The nomination's state (read in `tx`, under the write lock) when `who` may change its
/// documents of `doc_code` now (the domain's `may_upload`); refused otherwise.
fn may_change_document(
    tx: &Conn,
    plan: &thidua_domain::plan::Plan,
    n: &Nomination,
    who: Uploader,
    doc_code: &str,
) -> Result<String> {
    let by = plan
        .documents
        .iter()
        .find(|d| d.code == doc_code)
        .map(|d| d.by)
        .ok_or_else(|| {
            refused(
                "kế hoạch không có loại tài liệu này",
                "the plan has no such document",
            )
        })?;
    let proposed_by_parent = plan.proposer_tier(&n.unit_tier).is_some();
    let state: String = tx
        .query_row("SELECT state FROM nominations WHERE id = ?1", [n.id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| refused("không có hồ sơ đề nghị này", "no such nomination"))?;
    let allowed =
        NominationState::from_code(&state).is_some_and(|s| may_upload(s, who, by, proposed_by_parent));
    if !allowed {
        return Err(refused(
            "Ở bước này của hồ sơ, tài khoản của bạn không tải lên hoặc thay được loại tài liệu này.",
            "this document cannot be uploaded or changed by this level at this step",
        ));
    }
    Ok(state)
}
