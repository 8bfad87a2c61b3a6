//! Nominations for the award (seed sections III–V): the unit prepares its head's dossier
//! (the plan's documents) and submits it; the movement office returns it or forwards it
//! with its verdict; the Board appraises; the approver approves or rejects, never beyond
//! the plan's quota; the office records the decision and publishes it. Every step records
//! who, when and why (`nomination_events`) and writes the audit log, in one transaction.
//!
//! What the evaluation says (eligibility, pending discipline) and the calendar facts
//! (today, the deadline) come in as `Facts`, so the rules here are checked on every step.

use crate::audit::{record, Actor};
use crate::workflow::NewAttachment;
use crate::{now, refused, Result, Store};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde_json::json;
use thidua_domain::time::Date;

pub const STATES: [(&str, &str); 7] = [
    ("nhap", "Đang chuẩn bị"),
    ("da_nop", "Đã nộp, chờ Sở Nội vụ kiểm tra"),
    ("tra_lai", "Bị trả lại"),
    ("da_chuyen", "Đã chuyển Ban Thi đua - Khen thưởng"),
    ("da_tham_dinh", "Đã thẩm định, chờ lãnh đạo UBND tỉnh"),
    ("da_phe_duyet", "Được phê duyệt khen thưởng"),
    ("khong_phe_duyet", "Không được phê duyệt"),
];

pub fn state_vi(code: &str) -> &'static str {
    STATES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, v)| *v)
        .unwrap_or("")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nomination {
    pub id: i64,
    pub plan_code: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub head_from: String,
    pub head_name: String,
    pub head_title: String,
    pub state: String,
    pub unit_reason: String,
    pub office_verdict: Option<String>,
    pub office_reason: String,
    pub board_verdict: Option<String>,
    pub board_reason: String,
    pub decision_reason: String,
    pub decision_no: String,
    pub decision_date: Option<String>,
    pub published: bool,
    pub published_results: String,
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
    pub from_state: Option<String>,
    pub to_state: String,
    pub reason: String,
}

/// What the rules need to know beyond the nomination itself.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The head has an evaluation in the plan (months attributed).
    pub evaluated: bool,
    /// The evaluation finds the head eligible.
    pub eligible: bool,
    /// The head is under pending discipline (the discipline indicator is not met, or
    /// has no data).
    pub discipline_pending: bool,
    pub today: Option<Date>,
    /// The last day to submit, when one is set.
    pub deadline: Option<Date>,
    /// The plan's documents (codes) that must all be uploaded before submitting.
    pub required_documents: Vec<String>,
    /// The plan's quota of awards.
    pub quota: u32,
}

/// A step of the lifecycle, with what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The unit submits; `reason` is required when the head is ineligible.
    Submit {
        reason: String,
    },
    /// The office returns it to the unit.
    Return {
        reason: String,
    },
    /// The office forwards it to the Board with its verdict (`du_dieu_kien`, `khong_du_dieu_kien`).
    Forward {
        verdict: String,
        reason: String,
    },
    /// The Board appraises (`de_nghi`, `khong_de_nghi`).
    Appraise {
        verdict: String,
        reason: String,
    },
    /// The approver approves (an optional note).
    Approve {
        note: String,
    },
    Reject {
        reason: String,
    },
    /// The office records the decision (number, date) and publishes it on the honour board
    /// with the measured results as they stand (JSON), fixed from then on.
    Publish {
        decision_no: String,
        decision_date: Date,
        results: String,
    },
}

impl Step {
    fn action(&self) -> &'static str {
        match self {
            Step::Submit { .. } => "nop",
            Step::Return { .. } => "tra_lai",
            Step::Forward { .. } => "chuyen_ban_tdkt",
            Step::Appraise { .. } => "tham_dinh",
            Step::Approve { .. } => "phe_duyet",
            Step::Reject { .. } => "khong_phe_duyet",
            Step::Publish { .. } => "cong_bo",
        }
    }
}

const COLUMNS: &str = "n.id, n.plan_code, n.unit_id, u.code, u.name, n.head_from, n.head_name, n.head_title, n.state, n.unit_reason,
    n.office_verdict, n.office_reason, n.board_verdict, n.board_reason, n.decision_reason, n.decision_no, n.decision_date,
    n.published, n.created_at, n.updated_at, n.published_results FROM nominations n JOIN units u ON u.id = n.unit_id";

fn row(r: &Row) -> rusqlite::Result<Nomination> {
    Ok(Nomination {
        id: r.get(0)?,
        plan_code: r.get(1)?,
        unit_id: r.get(2)?,
        unit_code: r.get(3)?,
        unit_name: r.get(4)?,
        head_from: r.get(5)?,
        head_name: r.get(6)?,
        head_title: r.get(7)?,
        state: r.get(8)?,
        unit_reason: r.get(9)?,
        office_verdict: r.get(10)?,
        office_reason: r.get(11)?,
        board_verdict: r.get(12)?,
        board_reason: r.get(13)?,
        decision_reason: r.get(14)?,
        decision_no: r.get(15)?,
        decision_date: r.get(16)?,
        published: r.get::<_, i64>(17)? != 0,
        created_at: r.get(18)?,
        updated_at: r.get(19)?,
        published_results: r.get(20)?,
    })
}

fn snapshot(n: &Nomination) -> serde_json::Value {
    json!({
        "unit": n.unit_code, "head": n.head_name, "state": n.state, "unit_reason": n.unit_reason,
        "office_verdict": n.office_verdict, "office_reason": n.office_reason, "board_verdict": n.board_verdict,
        "board_reason": n.board_reason, "decision_reason": n.decision_reason, "decision_no": n.decision_no,
        "decision_date": n.decision_date, "published": n.published
    })
}

/// Files one nomination may hold (every version of its documents).
pub const MAX_DOCUMENTS: i64 = 30;

fn verdict_line(verdict: &str, why: &str) -> String {
    if why.is_empty() {
        verdict.to_string()
    } else {
        format!("{verdict}: {why}")
    }
}

fn need(reason: &str, what: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        Err(refused(format!("cần ghi {what}"), "a reason is needed"))
    } else {
        Ok(r.to_string())
    }
}

impl Store {
    /// The unit opens a nomination for one of its heads in a plan.
    pub fn create_nomination(
        &mut self,
        actor: &Actor,
        role: &str,
        plan_code: &str,
        unit_id: i64,
        head_from: Date,
        head_name: &str,
        head_title: &str,
    ) -> Result<i64> {
        let tx = self.conn.transaction()?;
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
        tx.execute(
            "INSERT INTO nominations (plan_code, unit_id, head_from, head_name, head_title, state, created_at, created_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'nhap', ?6, ?7, ?6)",
            params![plan_code, unit_id, head_from.iso(), head_name, head_title, at, actor.username],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO nomination_events (nomination_id, at, username, role, action, from_state, to_state) VALUES (?1, ?2, ?3, ?4, 'tao', NULL, 'nhap')",
            params![id, at, actor.username, role],
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
        Ok(self
            .conn
            .query_row(&format!("SELECT {COLUMNS} WHERE n.id = ?1"), [id], row)
            .optional()?)
    }

    /// Nominations of a plan, of one unit or all; in state order, then by unit.
    pub fn nominations(&self, plan_code: &str, unit_id: Option<i64>) -> Result<Vec<Nomination>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {COLUMNS} WHERE n.plan_code = ?1 AND (?2 IS NULL OR n.unit_id = ?2) ORDER BY u.code, n.head_from"
        ))?;
        let rows = st.query_map(params![plan_code, unit_id], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn nomination_documents(&self, id: i64) -> Result<Vec<NominationDocument>> {
        let mut st = self.conn.prepare(
            "SELECT id, nomination_id, doc_code, stored_name, file_name, media_type, size, uploaded_at, uploaded_by
             FROM nomination_documents WHERE nomination_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([id], doc_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn nomination_document(&self, doc_id: i64) -> Result<Option<NominationDocument>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, nomination_id, doc_code, stored_name, file_name, media_type, size, uploaded_at, uploaded_by
                 FROM nomination_documents WHERE id = ?1",
                [doc_id],
                doc_row,
            )
            .optional()?)
    }

    pub fn nomination_events(&self, id: i64) -> Result<Vec<NominationEvent>> {
        let mut st = self.conn.prepare(
            "SELECT at, username, role, action, from_state, to_state, reason FROM nomination_events WHERE nomination_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([id], |r| {
            Ok(NominationEvent {
                at: r.get(0)?,
                username: r.get(1)?,
                role: r.get(2)?,
                action: r.get(3)?,
                from_state: r.get(4)?,
                to_state: r.get(5)?,
                reason: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The unit adds (or replaces) one of the plan's documents while it prepares the dossier.
    pub fn add_nomination_document(
        &mut self,
        actor: &Actor,
        id: i64,
        doc_code: &str,
        file: &NewAttachment,
    ) -> Result<()> {
        let (stored_name, file_name, media_type, size) =
            (&file.stored_name, &file.file_name, &file.media_type, file.size);
        let tx = self.conn.transaction()?;
        let state: String = tx
            .query_row("SELECT state FROM nominations WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| refused("không có hồ sơ đề nghị này", "no such nomination"))?;
        if state != "nhap" && state != "tra_lai" {
            return Err(refused(
                "hồ sơ đã nộp, không thay đổi tài liệu được",
                "the nomination is submitted; its documents cannot change",
            ));
        }
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
            "INSERT INTO nomination_events (nomination_id, at, username, role, action, from_state, to_state, reason) VALUES (?1, ?2, ?3, 'don_vi', 'tai_tai_lieu', ?4, ?4, ?5)",
            params![id, now(), actor.username, state, format!("{doc_code}: {file_name}")],
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

    /// Approvals so far in a plan.
    pub fn approvals(&self, plan_code: &str) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM nominations WHERE plan_code = ?1 AND state = 'da_phe_duyet'",
            [plan_code],
            |r| r.get(0),
        )?)
    }

    /// Takes one step of the lifecycle. The write lock is taken first (`BEGIN IMMEDIATE`),
    /// so two approvers at the same moment are serialised and the quota count is exact.
    pub fn nomination_step(
        &mut self,
        actor: &Actor,
        role: &str,
        id: i64,
        step: &Step,
        facts: &Facts,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = tx
            .query_row(&format!("SELECT {COLUMNS} WHERE n.id = ?1"), [id], row)
            .optional()?
            .ok_or_else(|| refused("không có hồ sơ đề nghị này", "no such nomination"))?;
        let wrong_state = |expected: &str| {
            refused(
                format!(
                    "hồ sơ đang ở trạng thái «{}», không thực hiện được bước này",
                    state_vi(&before.state)
                ),
                format!("the nomination is '{}', not '{expected}'", before.state),
            )
        };
        let mut reason = String::new();
        let to = match step {
            Step::Submit { reason: r } => {
                if before.state != "nhap" && before.state != "tra_lai" {
                    return Err(wrong_state("nhap|tra_lai"));
                }
                // A dossier the office returned may be resubmitted after the deadline.
                if let (Some(today), Some(deadline), "nhap") =
                    (facts.today, facts.deadline, before.state.as_str())
                {
                    if today > deadline {
                        return Err(refused(
                            format!("đã quá hạn nộp hồ sơ đề nghị ({})", deadline.vi()),
                            "the nomination deadline has passed",
                        ));
                    }
                }
                let have: Vec<String> = {
                    let mut st = tx.prepare(
                        "SELECT DISTINCT doc_code FROM nomination_documents WHERE nomination_id = ?1",
                    )?;
                    let v = st
                        .query_map([id], |r| r.get(0))?
                        .collect::<rusqlite::Result<Vec<String>>>()?;
                    v
                };
                let missing: Vec<&String> = facts
                    .required_documents
                    .iter()
                    .filter(|d| !have.contains(d))
                    .collect();
                if !missing.is_empty() {
                    return Err(refused(
                        format!(
                            "còn thiếu tài liệu: {}",
                            missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                        "documents are missing",
                    ));
                }
                if !facts.eligible {
                    reason = need(r, "lý do đề nghị dù kết quả đánh giá chưa đủ điều kiện")?;
                    tx.execute(
                        "UPDATE nominations SET unit_reason = ?1 WHERE id = ?2",
                        params![reason, id],
                    )?;
                } else {
                    tx.execute("UPDATE nominations SET unit_reason = '' WHERE id = ?1", [id])?;
                }
                "da_nop"
            }
            Step::Return { reason: r } => {
                if before.state != "da_nop" {
                    return Err(wrong_state("da_nop"));
                }
                reason = need(r, "lý do trả lại")?;
                "tra_lai"
            }
            Step::Forward { verdict, reason: r } => {
                if before.state != "da_nop" {
                    return Err(wrong_state("da_nop"));
                }
                if verdict != "du_dieu_kien" && verdict != "khong_du_dieu_kien" {
                    return Err(refused("kết luận không hợp lệ", "invalid verdict"));
                }
                let why = if verdict == "khong_du_dieu_kien" {
                    need(r, "lý do không đủ điều kiện")?
                } else {
                    r.trim().to_string()
                };
                tx.execute(
                    "UPDATE nominations SET office_verdict = ?1, office_reason = ?2 WHERE id = ?3",
                    params![verdict, why, id],
                )?;
                reason = verdict_line(
                    if verdict == "du_dieu_kien" {
                        "Đủ điều kiện"
                    } else {
                        "Không đủ điều kiện"
                    },
                    &why,
                );
                "da_chuyen"
            }
            Step::Appraise { verdict, reason: r } => {
                if before.state != "da_chuyen" {
                    return Err(wrong_state("da_chuyen"));
                }
                if verdict != "de_nghi" && verdict != "khong_de_nghi" {
                    return Err(refused("kết luận thẩm định không hợp lệ", "invalid verdict"));
                }
                let why = need(r, "ý kiến thẩm định")?;
                tx.execute(
                    "UPDATE nominations SET board_verdict = ?1, board_reason = ?2 WHERE id = ?3",
                    params![verdict, why, id],
                )?;
                reason = verdict_line(
                    if verdict == "de_nghi" {
                        "Đề nghị khen thưởng"
                    } else {
                        "Không đề nghị"
                    },
                    &why,
                );
                "da_tham_dinh"
            }
            Step::Approve { note } => {
                if before.state != "da_tham_dinh" {
                    return Err(wrong_state("da_tham_dinh"));
                }
                if !facts.evaluated {
                    return Err(refused(
                        "người đứng đầu không có kết quả đánh giá trong kế hoạch, không phê duyệt được",
                        "the head has no evaluation in the plan",
                    ));
                }
                if facts.discipline_pending {
                    return Err(refused("người đứng đầu đang trong thời gian xem xét kỷ luật, không phê duyệt khen thưởng được", "the head is under pending discipline"));
                }
                if !facts.eligible {
                    return Err(refused(
                        "kết quả đánh giá: người đứng đầu không đủ điều kiện, không phê duyệt khen thưởng được",
                        "the evaluation finds the head ineligible",
                    ));
                }
                reason = note.trim().to_string();
                if before.board_verdict.as_deref() != Some("de_nghi") {
                    return Err(refused(
                        "Ban Thi đua - Khen thưởng không đề nghị khen thưởng hồ sơ này",
                        "the Board did not propose this nomination",
                    ));
                }
                let approved: u32 = tx.query_row(
                    "SELECT count(*) FROM nominations WHERE plan_code = ?1 AND state = 'da_phe_duyet'",
                    [&before.plan_code],
                    |r| r.get(0),
                )?;
                if approved >= facts.quota {
                    return Err(refused(
                        format!("đã đủ {} suất khen thưởng của kế hoạch", facts.quota),
                        "the quota is reached",
                    ));
                }
                "da_phe_duyet"
            }
            Step::Reject { reason: r } => {
                if before.state != "da_tham_dinh" {
                    return Err(wrong_state("da_tham_dinh"));
                }
                reason = need(r, "lý do không phê duyệt")?;
                tx.execute(
                    "UPDATE nominations SET decision_reason = ?1 WHERE id = ?2",
                    params![reason, id],
                )?;
                "khong_phe_duyet"
            }
            Step::Publish {
                decision_no,
                decision_date,
                results,
            } => {
                if before.state != "da_phe_duyet" {
                    return Err(wrong_state("da_phe_duyet"));
                }
                if before.published {
                    return Err(refused(
                        "quyết định đã được ghi và công bố",
                        "the decision is already published",
                    ));
                }
                let no = need(decision_no, "số quyết định")?;
                tx.execute(
                    "UPDATE nominations SET decision_no = ?1, decision_date = ?2, published = 1, published_results = ?3 WHERE id = ?4",
                    params![no, decision_date.iso(), results, id],
                )?;
                reason = format!("Quyết định số {no} ngày {}", decision_date.vi());
                "da_phe_duyet"
            }
        };
        let at = now();
        tx.execute(
            "UPDATE nominations SET state = ?1, updated_at = ?2 WHERE id = ?3",
            params![to, at, id],
        )?;
        tx.execute(
            "INSERT INTO nomination_events (nomination_id, at, username, role, action, from_state, to_state, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, at, actor.username, role, step.action(), before.state, to, reason],
        )?;
        let after = tx.query_row(&format!("SELECT {COLUMNS} WHERE n.id = ?1"), [id], row)?;
        record(
            &tx,
            actor,
            step.action(),
            "nomination",
            &id.to_string(),
            Some(&snapshot(&before)),
            Some(&snapshot(&after)),
        )?;
        tx.commit()?;
        Ok(())
    }

    // --- settings ---------------------------------------------------------------------

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_setting(&mut self, actor: &Actor, key: &str, value: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
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

fn doc_row(r: &Row) -> rusqlite::Result<NominationDocument> {
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
