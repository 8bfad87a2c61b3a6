//! The award's nominations (seed sections III–V; INDICATORS.md section 6): the states, the
//! verdicts, and the one transition function that decides every step. The store loads the
//! nomination and the facts under its lock, calls `transition`, and saves what it returns.

use crate::msg::Msg;
use crate::plan::DocumentBy;
use crate::role::Role;
use crate::time::Date;

/// `nhap → [cho_cap_trinh →] da_nop (→ tra_lai → …) → da_chuyen → da_tham_dinh →
/// da_phe_duyet | khong_phe_duyet`; publication keeps `da_phe_duyet` and sets the
/// nomination's flag. `cho_cap_trinh` is the proposing level's step (a commune's head is
/// proposed by its district, the plan's `tiers.proposed_by`): it forwards the nomination
/// to the province with its own papers, or returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NominationState {
    Nhap,
    ChoCapTrinh,
    DaNop,
    TraLai,
    DaChuyen,
    DaThamDinh,
    DaPheDuyet,
    KhongPheDuyet,
}

crate::codes!(NominationState {
    Nhap = "nhap" / "Đang chuẩn bị",
    ChoCapTrinh = "cho_cap_trinh" / "Đã nộp, chờ cấp trình khen xem xét",
    DaNop = "da_nop" / "Đã nộp, chờ Sở Nội vụ kiểm tra",
    TraLai = "tra_lai" / "Bị trả lại",
    DaChuyen = "da_chuyen" / "Đã chuyển Ban Thi đua - Khen thưởng",
    DaThamDinh = "da_tham_dinh" / "Đã thẩm định, chờ lãnh đạo UBND tỉnh",
    DaPheDuyet = "da_phe_duyet" / "Được phê duyệt khen thưởng",
    KhongPheDuyet = "khong_phe_duyet" / "Không được phê duyệt",
});

impl NominationState {
    /// The unit prepares the dossier: its documents may change.
    pub fn unit_edits(self) -> bool {
        matches!(self, NominationState::Nhap | NominationState::TraLai)
    }

    /// The role whose move it is (the office again once approved, until it publishes).
    pub fn awaits(self, published: bool) -> Option<Role> {
        match self {
            NominationState::Nhap | NominationState::TraLai | NominationState::ChoCapTrinh => {
                Some(Role::DonVi)
            }
            NominationState::DaNop => Some(Role::SoNoiVu),
            NominationState::DaChuyen => Some(Role::BanTdkt),
            NominationState::DaThamDinh => Some(Role::LanhDao),
            NominationState::DaPheDuyet if !published => Some(Role::SoNoiVu),
            NominationState::DaPheDuyet | NominationState::KhongPheDuyet => None,
        }
    }
}

/// Who uploads a nomination's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploader {
    /// The nominated head's unit.
    Unit,
    /// The level that proposes the unit's head (a commune's district).
    Proposer,
}

/// May `who` upload a document the plan says `by` provides, while the nomination is in
/// `state`? The unit prepares its own documents (and the proposing level's too when it
/// proposes itself) until it submits; the level above adds its papers while the
/// nomination waits for it.
pub fn may_upload(state: NominationState, who: Uploader, by: DocumentBy, proposed_by_parent: bool) -> bool {
    match who {
        Uploader::Unit => state.unit_edits() && (by == DocumentBy::DonVi || !proposed_by_parent),
        Uploader::Proposer => {
            proposed_by_parent && state == NominationState::ChoCapTrinh && by == DocumentBy::CapTrinh
        }
    }
}

/// The movement office's verdict when it forwards a nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfficeVerdict {
    DuDieuKien,
    KhongDuDieuKien,
}

crate::codes!(OfficeVerdict {
    DuDieuKien = "du_dieu_kien" / "Đủ điều kiện",
    KhongDuDieuKien = "khong_du_dieu_kien" / "Không đủ điều kiện",
});

/// The Board's appraisal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoardVerdict {
    DeNghi,
    KhongDeNghi,
}

crate::codes!(BoardVerdict {
    DeNghi = "de_nghi" / "Đề nghị khen thưởng",
    KhongDeNghi = "khong_de_nghi" / "Không đề nghị",
});

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
    /// The proposing level (a commune's district) forwards it to the province with its
    /// own papers.
    Propose {
        reason: String,
    },
    /// The proposing level returns it to the unit.
    ProposerReturn {
        reason: String,
    },
    /// The office forwards it to the Board with its verdict.
    Forward {
        verdict: OfficeVerdict,
        reason: String,
    },
    /// The Board appraises.
    Appraise {
        verdict: BoardVerdict,
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
    /// The code of the step in the nomination's history and the audit log.
    pub fn action(&self) -> &'static str {
        match self {
            Step::Submit { .. } => "nop",
            Step::Return { .. } => "tra_lai",
            Step::Propose { .. } => "cap_trinh_de_nghi",
            Step::ProposerReturn { .. } => "cap_trinh_tra_lai",
            Step::Forward { .. } => "chuyen_ban_tdkt",
            Step::Appraise { .. } => "tham_dinh",
            Step::Approve { .. } => "phe_duyet",
            Step::Reject { .. } => "khong_phe_duyet",
            Step::Publish { .. } => "cong_bo",
        }
    }
}

/// The terms an award decision is recorded with, as the Chairman signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionTerms {
    /// Its number and symbol, e.g. "256/QĐ-UBND".
    pub number: String,
    pub date: Date,
    pub signer: String,
    pub signer_title: String,
}

/// The longest decision number and symbol, and signer's name or title, a record keeps.
pub const MAX_DECISION_NUMBER: usize = 40;
pub const MAX_SIGNER: usize = 120;

impl DecisionTerms {
    /// The terms as typed: a number and a signer are required; a decision is recorded once
    /// signed, so its date is not after `today`.
    pub fn new(
        number: &str,
        date: Date,
        signer: &str,
        signer_title: &str,
        today: Date,
    ) -> Result<DecisionTerms, Msg> {
        let number = number.trim();
        if number.is_empty() {
            return Err(Msg::new(
                "Cần ghi số quyết định.",
                "the decision's number is required",
            ));
        }
        if number.chars().count() > MAX_DECISION_NUMBER {
            return Err(Msg::new(
                format!("Số quyết định dài quá {MAX_DECISION_NUMBER} ký tự."),
                format!("the decision's number is longer than {MAX_DECISION_NUMBER} characters"),
            ));
        }
        let (signer, title) = (signer.trim(), signer_title.trim());
        if signer.is_empty() {
            return Err(Msg::new(
                "Cần ghi người ký quyết định.",
                "the decision's signer is required",
            ));
        }
        if signer.chars().count() > MAX_SIGNER || title.chars().count() > MAX_SIGNER {
            return Err(Msg::new(
                format!("Tên hoặc chức vụ người ký dài quá {MAX_SIGNER} ký tự."),
                format!("the signer's name or title is longer than {MAX_SIGNER} characters"),
            ));
        }
        if date > today {
            return Err(Msg::new(
                format!(
                    "Ngày quyết định {} chưa đến: chỉ ghi quyết định đã ký.",
                    date.vi()
                ),
                "the decision's date is in the future: only a signed decision is recorded",
            ));
        }
        Ok(DecisionTerms {
            number: number.to_string(),
            date,
            signer: signer.to_string(),
            signer_title: title.to_string(),
        })
    }
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
    /// The plan's documents (code, name) the unit uploads before submitting.
    pub required_documents: Vec<(String, String)>,
    /// The nomination's unit is proposed by the level above it (the plan's
    /// `tiers.proposed_by`): submitting sends it there first.
    pub proposed_by_parent: bool,
    /// The documents (code, name) the proposing level uploads before forwarding (its tờ
    /// trình, its council's minutes); with no level above, the unit's own.
    pub proposer_documents: Vec<(String, String)>,
    /// The plan's quota of awards.
    pub quota: u32,
    /// The plan awards at most one head per unit.
    pub one_per_unit: bool,
    /// The head is not among the ranking's suggestions (the top of the ranking within the
    /// quota, `rank::suggested`): approving needs a written reason.
    pub outside_suggestions: bool,
}

/// What the store holds and reads under its lock, for the rules.
#[derive(Debug, Clone)]
pub struct Current<'a> {
    pub state: NominationState,
    pub board_verdict: Option<BoardVerdict>,
    pub published: bool,
    /// The document codes uploaded so far.
    pub documents: &'a [String],
    /// Approvals so far in the nomination's plan.
    pub approved: u32,
    /// Another head of the same unit is already approved in the plan.
    pub unit_approved: bool,
}

/// What a step changes besides the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The unit's reason for proposing an ineligible head (empty when eligible).
    UnitReason(String),
    Office {
        verdict: OfficeVerdict,
        reason: String,
    },
    Board {
        verdict: BoardVerdict,
        reason: String,
    },
    DecisionReason(String),
    Publication {
        decision_no: String,
        decision_date: Date,
        results: String,
    },
    Nothing,
}

/// A step the rules allow: the new state, the reason kept in the history, the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub to: NominationState,
    pub reason: String,
    pub change: Change,
}

fn need(reason: &str, what: &str) -> Result<String, Msg> {
    let r = reason.trim();
    if r.is_empty() {
        Err(Msg::new(format!("cần ghi {what}"), "a reason is needed"))
    } else {
        Ok(r.to_string())
    }
}

/// Every document of `required` is among the uploaded `codes`; else the missing ones,
/// named as the plan names them.
fn all_uploaded(required: &[(String, String)], codes: &[String]) -> Result<(), Msg> {
    let missing: Vec<&(String, String)> = required
        .iter()
        .filter(|(code, _)| !codes.contains(code))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|(_, name)| name.as_str()).collect();
    let codes: Vec<&str> = missing.iter().map(|(code, _)| code.as_str()).collect();
    Err(Msg::new(
        format!(
            "Hồ sơ còn thiếu tài liệu: {}. Hãy tải lên trước khi nộp.",
            names.join("; ")
        ),
        format!("documents are missing: {}", codes.join(", ")),
    ))
}

fn verdict_line(verdict: &str, why: &str) -> String {
    if why.is_empty() {
        verdict.to_string()
    } else {
        format!("{verdict}: {why}")
    }
}

/// Decides one step (INDICATORS.md section 6): the new state and what it changes, or the
/// reason it is refused, in Vietnamese and English.
pub fn transition(cur: &Current, step: &Step, facts: &Facts) -> Result<Transition, Msg> {
    use NominationState as S;
    let expect = |allowed: &[S]| {
        if allowed.contains(&cur.state) {
            Ok(())
        } else {
            let codes: Vec<&str> = allowed.iter().map(|s| s.code()).collect();
            Err(Msg::new(
                format!(
                    "hồ sơ đang ở trạng thái «{}», không thực hiện được bước này",
                    cur.state.vi()
                ),
                format!(
                    "the nomination is '{}', not '{}'",
                    cur.state.code(),
                    codes.join("|")
                ),
            ))
        }
    };
    let done = |to, reason, change| Ok(Transition { to, reason, change });
    match step {
        Step::Submit { reason } => {
            expect(&[S::Nhap, S::TraLai])?;
            // A dossier the office returned may be resubmitted after the deadline.
            if let (Some(today), Some(deadline), S::Nhap) = (facts.today, facts.deadline, cur.state) {
                if today > deadline {
                    return Err(Msg::new(
                        format!("đã quá hạn nộp hồ sơ đề nghị ({})", deadline.vi()),
                        "the nomination deadline has passed",
                    ));
                }
            }
            let mut required = facts.required_documents.clone();
            if !facts.proposed_by_parent {
                required.extend(facts.proposer_documents.iter().cloned());
            }
            all_uploaded(&required, cur.documents)?;
            let why = if facts.eligible {
                String::new()
            } else {
                need(reason, "lý do đề nghị dù kết quả đánh giá chưa đủ điều kiện")?
            };
            let to = if facts.proposed_by_parent {
                S::ChoCapTrinh
            } else {
                S::DaNop
            };
            done(to, why.clone(), Change::UnitReason(why))
        }
        Step::Propose { reason } => {
            expect(&[S::ChoCapTrinh])?;
            all_uploaded(&facts.proposer_documents, cur.documents)?;
            done(S::DaNop, reason.trim().to_string(), Change::Nothing)
        }
        Step::ProposerReturn { reason } => {
            expect(&[S::ChoCapTrinh])?;
            done(S::TraLai, need(reason, "lý do trả lại")?, Change::Nothing)
        }
        Step::Return { reason } => {
            expect(&[S::DaNop])?;
            done(S::TraLai, need(reason, "lý do trả lại")?, Change::Nothing)
        }
        Step::Forward { verdict, reason } => {
            expect(&[S::DaNop])?;
            let why = match verdict {
                OfficeVerdict::KhongDuDieuKien => need(reason, "lý do không đủ điều kiện")?,
                OfficeVerdict::DuDieuKien => reason.trim().to_string(),
            };
            let line = verdict_line(verdict.vi(), &why);
            done(
                S::DaChuyen,
                line,
                Change::Office {
                    verdict: *verdict,
                    reason: why,
                },
            )
        }
        Step::Appraise { verdict, reason } => {
            expect(&[S::DaChuyen])?;
            let why = need(reason, "ý kiến thẩm định")?;
            let line = verdict_line(verdict.vi(), &why);
            done(
                S::DaThamDinh,
                line,
                Change::Board {
                    verdict: *verdict,
                    reason: why,
                },
            )
        }
        Step::Approve { note } => {
            expect(&[S::DaThamDinh])?;
            if !facts.evaluated {
                return Err(Msg::new(
                    "người đứng đầu không có kết quả đánh giá trong kế hoạch, không phê duyệt được",
                    "the head has no evaluation in the plan",
                ));
            }
            if facts.discipline_pending {
                return Err(Msg::new(
                    "người đứng đầu đang trong thời gian xem xét kỷ luật, không phê duyệt khen thưởng được",
                    "the head is under pending discipline",
                ));
            }
            if !facts.eligible {
                return Err(Msg::new(
                    "kết quả đánh giá: người đứng đầu không đủ điều kiện, không phê duyệt khen thưởng được",
                    "the evaluation finds the head ineligible",
                ));
            }
            if cur.board_verdict != Some(BoardVerdict::DeNghi) {
                return Err(Msg::new(
                    "Ban Thi đua - Khen thưởng không đề nghị khen thưởng hồ sơ này",
                    "the Board did not propose this nomination",
                ));
            }
            if facts.one_per_unit && cur.unit_approved {
                return Err(Msg::new(
                    "đơn vị đã có người đứng đầu được phê duyệt khen thưởng; kế hoạch chỉ khen thưởng một người mỗi đơn vị",
                    "another head of this unit is approved; the plan awards one head per unit",
                ));
            }
            if cur.approved >= facts.quota {
                return Err(Msg::new(
                    format!("đã đủ {} suất khen thưởng của kế hoạch", facts.quota),
                    "the quota is reached",
                ));
            }
            if facts.outside_suggestions && note.trim().is_empty() {
                return Err(Msg::new(
                    format!(
                        "người đứng đầu không thuộc danh sách đề xuất theo xếp hạng ({} suất): cần ghi lý do phê duyệt",
                        facts.quota
                    ),
                    "the head is outside the ranking's suggestions: approving needs a written reason",
                ));
            }
            done(S::DaPheDuyet, note.trim().to_string(), Change::Nothing)
        }
        Step::Reject { reason } => {
            expect(&[S::DaThamDinh])?;
            let why = need(reason, "lý do không phê duyệt")?;
            done(S::KhongPheDuyet, why.clone(), Change::DecisionReason(why))
        }
        Step::Publish {
            decision_no,
            decision_date,
            results,
        } => {
            expect(&[S::DaPheDuyet])?;
            if cur.published {
                return Err(Msg::new(
                    "quyết định đã được ghi và công bố",
                    "the decision is already published",
                ));
            }
            let no = need(decision_no, "số quyết định")?;
            let line = format!("Quyết định số {no} ngày {}", decision_date.vi());
            let change = Change::Publication {
                decision_no: no,
                decision_date: *decision_date,
                results: results.clone(),
            };
            done(S::DaPheDuyet, line, change)
        }
    }
}

#[cfg(test)]
#[path = "nomination_tests.rs"]
mod tests;
