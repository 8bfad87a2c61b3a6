//! The award's shared pieces: the facts a nomination step needs from the evaluation, the
//! lists the tờ trình and the decision carry (nominations, or the ranking's suggestions
//! when there are none yet), and the generated documents — for the web and the command
//! line alike.

use crate::documents::report::ReportKind;
use crate::documents::{self, Dating, Person, Province, Signer};
use crate::error::{Error, Result};
use crate::fmt::met_count;
use thidua_domain::eval::{HeadResult, Status};
use thidua_domain::nomination::{BoardVerdict, DecisionTerms, Facts, NominationState};
use thidua_domain::plan::{DocumentBy, Plan};
use thidua_domain::rank;
use thidua_domain::time::{Date, DateTime};
use thidua_store::audit::Actor;
use thidua_store::decisions::DecisionRecord;
use thidua_store::nominations::Nomination;
use thidua_store::read::UnitRecord;
use thidua_store::Store;

pub const PROVINCE_KEY: &str = "ten_tinh";
pub const PLACE_KEY: &str = "dia_danh";

pub fn deadline_key(plan: &str) -> String {
    format!("han_nop_de_nghi:{plan}")
}

pub fn progress_key(plan: &str) -> String {
    format!("cong_bo_tien_do:{plan}")
}

/// The nomination deadline: the office's setting, else the plan's.
pub fn deadline(store: &Store, plan: &Plan) -> Result<Option<Date>> {
    Ok(store
        .setting(&deadline_key(&plan.code))?
        .as_deref()
        .and_then(Date::parse_iso)
        .or(plan.deadlines.nomination_submit))
}

/// Who signs the Board's tờ trình (name; title lines split at "—", default "TRƯỞNG BAN").
pub const BOARD_SIGNER_KEY: &str = "nguoi_ky_ban_tdkt";
pub const BOARD_SIGNER_TITLE_KEY: &str = "chuc_danh_ky_ban_tdkt";
/// Who signs Sở Nội vụ's reports of the movement (title default "GIÁM ĐỐC").
pub const OFFICE_SIGNER_KEY: &str = "nguoi_ky_so_noi_vu";
pub const OFFICE_SIGNER_TITLE_KEY: &str = "chuc_danh_ky_so_noi_vu";
/// Who signs the decision (default the plan's signer and title).
pub const DECISION_SIGNER_KEY: &str = "nguoi_ky_quyet_dinh";
pub const DECISION_SIGNER_TITLE_KEY: &str = "chuc_danh_ky_quyet_dinh";

fn setting(store: &Store, key: &str) -> Result<Option<String>> {
    Ok(store
        .setting(key)?
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty()))
}

fn missing_setting(label: &str, key: &str) -> Error {
    Error::refused(
        format!(
            "Chưa cài đặt «{label}» (trang Cài đặt): văn bản không được in với chỗ trống thay cho mục này."
        ),
        format!("setting {key} is empty"),
    )
}

/// The province the papers are issued in: refused, naming the setting, when it is not set.
pub fn province(store: &Store) -> Result<Province> {
    let name = setting(store, PROVINCE_KEY)?.ok_or_else(|| missing_setting("Tên tỉnh", PROVINCE_KEY))?;
    let place = setting(store, PLACE_KEY)?.unwrap_or_else(|| name.clone());
    Ok(Province { name, place })
}

fn title_lines(title: &str) -> Vec<String> {
    title
        .split('—')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The Board's signer: both settings required.
pub fn board_signer(store: &Store) -> Result<Signer> {
    let name = setting(store, BOARD_SIGNER_KEY)?.ok_or_else(|| {
        missing_setting(
            "Người ký tờ trình của Ban Thi đua - Khen thưởng",
            BOARD_SIGNER_KEY,
        )
    })?;
    let title = setting(store, BOARD_SIGNER_TITLE_KEY)?.unwrap_or_else(|| "TRƯỞNG BAN".into());
    Ok(Signer {
        authority: title_lines(&title),
        name,
    })
}

/// The signer of Sở Nội vụ's reports: the name required.
pub fn office_signer(store: &Store) -> Result<Signer> {
    let name = setting(store, OFFICE_SIGNER_KEY)?
        .ok_or_else(|| missing_setting("Người ký báo cáo của Sở Nội vụ", OFFICE_SIGNER_KEY))?;
    let title = setting(store, OFFICE_SIGNER_TITLE_KEY)?.unwrap_or_else(|| "GIÁM ĐỐC".into());
    Ok(Signer {
        authority: title_lines(&title),
        name,
    })
}

/// The decision's signer: the settings, else the plan's.
pub fn decision_signer(store: &Store, plan: &Plan) -> Result<Signer> {
    let name = setting(store, DECISION_SIGNER_KEY)?
        .or_else(|| Some(plan.signer.clone()).filter(|s| !s.trim().is_empty()))
        .ok_or_else(|| missing_setting("Người ký quyết định khen thưởng", DECISION_SIGNER_KEY))?;
    let title = setting(store, DECISION_SIGNER_TITLE_KEY)?
        .or_else(|| Some(plan.signer_title.clone()).filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "CHỦ TỊCH".into());
    Ok(Signer {
        authority: title_lines(&title),
        name,
    })
}

/// The evaluation of a nomination's head, if the head has months in the plan.
pub fn head_of<'a>(heads: &'a [HeadResult], unit_code: &str, head_from: &str) -> Option<&'a HeadResult> {
    heads
        .iter()
        .find(|h| h.unit.code == unit_code && h.head.from.iso() == head_from)
}

/// The plan's discipline indicator is not met, or has no data: the head cannot be approved.
pub fn discipline_pending(plan: &Plan, h: Option<&HeadResult>) -> bool {
    let Some(code) = plan.award.discipline_indicator.as_deref() else {
        return false;
    };
    h.and_then(|h| h.indicator(code))
        .is_some_and(|r| matches!(r.status, Status::KhongDat | Status::ThieuSoLieu))
}

/// The head `h` is evaluated but not among the ranking's suggestions (approving it needs a
/// written reason).
pub fn outside_suggestions(plan: &Plan, heads: &[HeadResult], h: Option<&HeadResult>) -> bool {
    let suggested = rank::suggested(heads, &plan.award);
    h.is_some_and(|h| !suggested.contains(h))
}

/// The facts for a step on a nomination of a unit of `tier` for the head `h`, whose
/// evaluation is among `heads` (the plan's evaluation, for the ranking's suggestions).
pub fn facts(
    store: &Store,
    plan: &Plan,
    tier: &str,
    heads: &[HeadResult],
    h: Option<&HeadResult>,
) -> Result<Facts> {
    Ok(Facts {
        outside_suggestions: outside_suggestions(plan, heads, h),
        evaluated: h.is_some(),
        eligible: h.is_some_and(|h| h.eligible),
        discipline_pending: discipline_pending(plan, h),
        today: Some(DateTime::now_local().date()),
        deadline: deadline(store, plan)?,
        required_documents: plan.documents_by(DocumentBy::DonVi),
        proposed_by_parent: plan.proposer_tier(tier).is_some(),
        proposer_documents: plan.documents_by(DocumentBy::CapTrinh),
        quota: plan.award.quota,
        one_per_unit: plan.award.one_per_unit,
    })
}

/// The measured results as the honour board shows them, fixed at publication (JSON).
pub fn results_json(plan: &Plan, h: &HeadResult) -> String {
    let rows: Vec<serde_json::Value> = crate::fmt::indicator_views(plan, h)
        .into_iter()
        .map(|v| serde_json::json!({"ten": v.name, "gia_tri": v.value, "chi_tieu": v.target, "ket_qua": v.status, "css": v.css, "tam_tinh": v.provisional}))
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// The district's area of a commune ("thành phố Bà Rịa"), from its parent unit's name.
fn district_of(store: &Store, plan: &Plan, unit_code: &str) -> Result<Option<String>> {
    let Some(u) = store.unit(unit_code)? else {
        return Ok(None);
    };
    let has_parent_tier = plan.tier(&u.info.tier).is_some_and(|t| t.parent.is_some());
    match (&u.parent, has_parent_tier) {
        (Some(p), true) => Ok(store
            .unit(p)?
            .map(|p| documents::area_of(&p.info.name).to_string())),
        _ => Ok(None),
    }
}

fn person(store: &Store, plan: &Plan, h: &HeadResult, note: String) -> Result<Person> {
    Ok(Person {
        name: h.head.name.clone(),
        title: h.head.title.clone(),
        unit: h.unit.name.clone(),
        tier: h.unit.tier.clone(),
        district: district_of(store, plan, &h.unit.code)?,
        gender: store.particulars(&h.unit.code, h.head.from)?.map(|p| p.gender),
        met: met_count(h),
        note,
        rank: h.rank,
        score: rank::score_vi(h.score),
    })
}

/// The top of the ranking (at most the quota); a head passed over under the plan's
/// one-head-per-unit option is not listed (`rank::suggested` keeps why).
pub fn suggestions(store: &Store, plan: &Plan, heads: &[HeadResult]) -> Result<Vec<Person>> {
    rank::suggested(heads, &plan.award)
        .heads
        .into_iter()
        .map(|h| person(store, plan, h, String::new()))
        .collect()
}

fn listed(
    store: &Store,
    plan: &Plan,
    heads: &[HeadResult],
    noms: &[&Nomination],
    note: impl Fn(&Nomination) -> String,
) -> Result<Vec<Person>> {
    noms.iter()
        .map(|n| match head_of(heads, &n.unit_code, &n.head_from) {
            Some(h) => person(store, plan, h, note(n)),
            None => Ok(Person {
                name: n.head_name.clone(),
                title: n.head_title.clone(),
                unit: n.unit_name.clone(),
                tier: store.unit(&n.unit_code)?.map(|u| u.info.tier).unwrap_or_default(),
                district: district_of(store, plan, &n.unit_code)?,
                gender: Date::parse_iso(&n.head_from)
                    .map(|d| store.particulars(&n.unit_code, d))
                    .transpose()?
                    .flatten()
                    .map(|p| p.gender),
                met: "—".into(),
                note: note(n),
                rank: None,
                score: String::new(),
            }),
        })
        .collect()
}

/// The tờ trình's list: the nominations the Board proposes (never the ranking's).
pub fn proposed(
    store: &Store,
    plan: &Plan,
    heads: &[HeadResult],
    noms: &[Nomination],
) -> Result<Vec<Person>> {
    let chosen: Vec<&Nomination> = noms
        .iter()
        .filter(|n| {
            n.board_verdict == Some(BoardVerdict::DeNghi) && n.state != NominationState::KhongPheDuyet
        })
        .collect();
    listed(store, plan, heads, &chosen, |n| {
        if n.board_reason.trim().is_empty() {
            "Đủ điều kiện, đề nghị khen thưởng".into()
        } else {
            n.board_reason.clone()
        }
    })
}

/// Which decision a paper is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionPick {
    /// The draft of the next decision: the approvals not yet in a recorded one.
    Draft,
    /// A recorded decision.
    Recorded(i64),
    /// The latest recorded decision of the plan; with none recorded, the draft.
    Latest,
}

/// The decision's terms: its number and date (recorded, else typed), its signer, the cash
/// award on its date (a date left blank: `today`'s), the laws it cites.
pub struct Decision {
    pub dating: Dating,
    pub signer: Signer,
    pub cash: Option<thidua_domain::legal::CashAward>,
    pub bases: Vec<String>,
}

/// A decision's list (the approved nominations it holds, never the ranking's) and terms.
pub fn decision(
    store: &Store,
    plan: &Plan,
    heads: &[HeadResult],
    pick: DecisionPick,
    typed: &Dating,
    today: Date,
) -> Result<(Vec<Person>, Decision)> {
    let record = match pick {
        DecisionPick::Recorded(id) => Some(
            store
                .decision_record(id)?
                .filter(|d| d.plan_code == plan.code)
                .ok_or_else(|| {
                    Error::refused(
                        "Không có quyết định này trong kế hoạch.",
                        "no such decision in the plan",
                    )
                })?,
        ),
        DecisionPick::Latest => store.decision_records(&plan.code)?.into_iter().next(),
        DecisionPick::Draft => None,
    };
    let noms = store.nominations(&plan.code, None)?;
    let chosen: Vec<&Nomination> = match &record {
        Some(d) => noms.iter().filter(|n| n.decision_id == Some(d.id)).collect(),
        None => noms
            .iter()
            .filter(|n| n.state == NominationState::DaPheDuyet && n.decision_id.is_none())
            .collect(),
    };
    let people = listed(store, plan, heads, &chosen, |_| String::new())?;
    if people.is_empty() {
        return Err(documents::no_list("quyết định"));
    }
    let (dating, signer) = match &record {
        Some(d) => (
            Dating {
                // The form prints the symbol after the number.
                number: Some(d.number.split('/').next().unwrap_or(&d.number).to_string()),
                date: Some(d.date),
            },
            Signer {
                authority: title_lines(&d.signer_title),
                name: d.signer.clone(),
            },
        ),
        None => (typed.clone(), decision_signer(store, plan)?),
    };
    let day = dating.date.unwrap_or(today);
    let legal = thidua_domain::legal::Legal::built_in();
    let cash = match plan.award.cash_coefficient {
        Some(c) => Some(legal.cash_award(c, day).ok_or_else(|| {
            Error::refused(
                format!("Không có mức lương cơ sở áp dụng cho ngày {}.", day.vi()),
                format!("no base salary in force on {}", day.iso()),
            )
        })?),
        None => None,
    };
    let bases = legal.decision_bases_on(day).map(|b| b.text.clone()).collect();
    Ok((
        people,
        Decision {
            dating,
            signer,
            cash,
            bases,
        },
    ))
}

/// Records the decision the Chairman signed: its number, date (typed dd/mm/yyyy) and
/// signer (blank: the settings' or the plan's). It holds every approval not yet decided.
pub fn record_decision(
    store: &mut Store,
    plan: &Plan,
    actor: &Actor,
    number: &str,
    date: &str,
    signer: Option<(&str, &str)>,
    today: Date,
) -> Result<DecisionRecord> {
    let day = Date::parse_typed(date).ok_or_else(|| {
        Error::refused(
            format!(
                "Ngày quyết định «{}» không hợp lệ: hãy ghi một ngày có thật, dạng dd/mm/yyyy.",
                date.trim()
            ),
            "the decision's date is not a valid date",
        )
    })?;
    let (name, title) = match signer.filter(|(n, _)| !n.trim().is_empty()) {
        Some((n, t)) => (n.to_string(), t.to_string()),
        None => {
            let s = decision_signer(store, plan)?;
            (s.name.clone(), s.title())
        }
    };
    let terms =
        DecisionTerms::new(number, day, &name, &title, today).map_err(|m| Error::refused(m.vi, m.en))?;
    Ok(store.record_decision(actor, &plan.code, &terms)?)
}

/// Publishes a recorded decision: each awardee's results as the evaluation gives them now
/// are fixed with it (the honour board shows these).
pub fn publish_decision(
    store: &mut Store,
    plan: &Plan,
    heads: &[HeadResult],
    actor: &Actor,
    id: i64,
) -> Result<DecisionRecord> {
    if store
        .decision_record(id)?
        .is_none_or(|d| d.plan_code != plan.code)
    {
        return Err(Error::refused(
            "Không có quyết định này trong kế hoạch.",
            "no such decision in the plan",
        ));
    }
    let noms = store.nominations(&plan.code, None)?;
    let results = |nid: i64| {
        noms.iter()
            .find(|n| n.id == nid)
            .and_then(|n| head_of(heads, &n.unit_code, &n.head_from))
            .map(|h| results_json(plan, h))
            .unwrap_or_else(|| "[]".into())
    };
    Ok(store.publish_decision(actor, id, &results)?)
}

/// The payment list of the decision's cash award: each awardee and the amount (đồng).
pub fn payments(
    store: &Store,
    plan: &Plan,
    heads: &[HeadResult],
    pick: DecisionPick,
    typed: &Dating,
) -> Result<(Vec<Person>, Decision)> {
    let (people, d) = decision(store, plan, heads, pick, typed, DateTime::now_local().date())?;
    if d.cash.is_none() {
        return Err(Error::refused(
            "Hình thức khen thưởng của kế hoạch không kèm tiền thưởng.",
            "the plan's award carries no cash",
        ));
    }
    Ok((people, d))
}

/// Which document.
#[derive(Debug, Clone)]
pub enum DocKind {
    /// A head's Mẫu 07: the unit, and the head's term start (the latest head when None).
    Mau07 {
        unit: String,
        head_from: Option<String>,
    },
    ToTrinh,
    QuyetDinh(DecisionPick),
    /// The ranking's suggestions as a working list.
    DanhSachThamKhao,
    /// A proposing unit's tờ trình (a district's covers its communes).
    ToTrinhDonVi {
        unit: String,
    },
    /// The minutes of a proposing unit's council meeting.
    BienBanHoiDong {
        unit: String,
    },
    /// The Board's appraisal minutes.
    BienBanThamDinh,
    /// Sở Nội vụ's mid-year review of the movement, as of a day within the period (none:
    /// `mid_year`).
    SoKet {
        as_of: Option<Date>,
    },
    /// Sở Nội vụ's year-end report of the movement.
    TongKet,
}

/// The heads a unit proposes: its own nominations (while it prepares them, and after) and
/// those of the units it proposes for (a district's communes), once they have reached it.
fn unit_proposals(
    store: &Store,
    plan: &Plan,
    heads: &[HeadResult],
    unit: &UnitRecord,
) -> Result<Vec<Person>> {
    let noms = store.nominations_in_scope(&plan.code, unit.id)?;
    let chosen: Vec<&Nomination> = noms
        .iter()
        .filter(|n| n.state != NominationState::KhongPheDuyet)
        .filter(|n| {
            n.unit_id == unit.id
                || (plan
                    .proposer_tier(&n.unit_tier)
                    .is_some_and(|t| t.code == unit.info.tier)
                    && !matches!(n.state, NominationState::Nhap | NominationState::TraLai))
        })
        .collect();
    listed(store, plan, heads, &chosen, |_| String::new())
}

/// The unit's head on `day` (else its latest), who signs its papers: the title without the
/// unit's name ("Chủ tịch UBND huyện Long Điền" → "CHỦ TỊCH").
fn unit_signer(store: &Store, unit: &UnitRecord, day: Date) -> Result<Signer> {
    let heads: Vec<_> = store
        .heads()?
        .into_iter()
        .filter(|h| h.unit == unit.info.code)
        .collect();
    let head = heads
        .iter()
        .find(|h| h.holds(day))
        .or_else(|| heads.iter().max_by_key(|h| h.from))
        .ok_or_else(|| {
            Error::refused(
                format!(
                    "Đơn vị «{}» chưa có người đứng đầu để ký văn bản.",
                    unit.info.name
                ),
                format!("unit {} has no head to sign", unit.info.code),
            )
        })?;
    let authority = head
        .title
        .replace(&unit.info.name, "")
        .trim()
        .trim_end_matches(',')
        .trim()
        .to_uppercase();
    Ok(Signer {
        authority: vec![if authority.is_empty() {
            "THỦ TRƯỞNG ĐƠN VỊ".into()
        } else {
            authority
        }],
        name: head.name.clone(),
    })
}

/// What the office types for a paper: its number and date, and for the decision the
/// number and date of the Board's tờ trình it answers. Empty = blanks to fill by hand.
#[derive(Debug, Clone, Default)]
pub struct PaperInputs {
    pub dating: Dating,
    pub proposal: Dating,
}

/// Builds a document from an evaluation and the stored nominations; returns the bytes and
/// a file name.
pub fn document(
    store: &Store,
    plan: &Plan,
    heads: &[HeadResult],
    kind: &DocKind,
    inputs: &PaperInputs,
) -> Result<(Vec<u8>, String)> {
    let province = province(store)?;
    let today = DateTime::now_local().date();
    // The results stand as of today, or the period's end once it is over.
    let as_of = today.min(plan.period_to);
    let year = plan.period_from.ymd().0;
    match kind {
        DocKind::Mau07 { unit, head_from } => {
            if store.unit(unit)?.is_none() {
                return Err(Error::refused(
                    format!("Không có đơn vị mã «{unit}»."),
                    format!("unknown unit {unit}"),
                ));
            }
            let h = heads
                .iter()
                .filter(|h| {
                    &h.unit.code == unit && head_from.as_ref().is_none_or(|f| &h.head.from.iso() == f)
                })
                .max_by_key(|h| h.head.from)
                .ok_or_else(|| {
                    Error::refused(
                        format!("Đơn vị «{unit}» chưa có người đứng đầu được đánh giá trong kế hoạch."),
                        format!("unit {unit} has no evaluated head in the plan"),
                    )
                })?;
            let particulars = store.particulars(unit, h.head.from)?.ok_or_else(|| {
                Error::refused(
                    format!(
                        "Chưa có lý lịch của {} (giới tính, ngày sinh, quê quán, nơi ở, trình độ chuyên môn, lý luận chính trị): nhập ở trang đơn vị, mục «Lý lịch người đứng đầu».",
                        h.head.name
                    ),
                    format!("no particulars for the head of {unit} from {}", h.head.from.iso()),
                )
            })?;
            let (first, last) = match (h.months.first(), h.months.last()) {
                (Some(f), Some(l)) => (*f, *l),
                _ => (plan.period_from.month(), plan.period_to.month()),
            };
            let evidence = store.verified_evidence(unit, first, last)?;
            let body = documents::unit_body(&h.unit.name, &province, plan);
            let bytes = documents::mau07(&documents::Mau07 {
                plan,
                head: h,
                unit: &body,
                particulars: &particulars,
                evidence: &evidence,
                dating: &inputs.dating,
                as_of,
            })?;
            Ok((bytes, format!("mau07-{unit}-{year}.docx")))
        }
        DocKind::ToTrinh => {
            let noms = store.nominations(&plan.code, None)?;
            let people = proposed(store, plan, heads, &noms)?;
            if people.is_empty() {
                return Err(documents::no_list("tờ trình"));
            }
            let signer = board_signer(store)?;
            let bytes = documents::to_trinh(&documents::ToTrinh {
                plan,
                province: &province,
                people: &people,
                dating: &inputs.dating,
                signer: &signer,
                as_of,
            })?;
            Ok((bytes, format!("to-trinh-{year}.docx")))
        }
        DocKind::QuyetDinh(pick) => {
            let (people, d) = decision(store, plan, heads, *pick, &inputs.dating, today)?;
            let Decision {
                dating,
                signer,
                cash,
                bases,
            } = d;
            let bytes = documents::quyet_dinh(&documents::QuyetDinh {
                plan,
                province: &province,
                people: &people,
                dating: &dating,
                proposal: &inputs.proposal,
                signer: &signer,
                bases: &bases,
                cash: cash.as_ref(),
            })?;
            Ok((bytes, format!("quyet-dinh-{year}.docx")))
        }
        DocKind::ToTrinhDonVi { unit } | DocKind::BienBanHoiDong { unit } => {
            let u = store.unit(unit)?.ok_or_else(|| {
                Error::refused(
                    format!("Không có đơn vị mã «{unit}»."),
                    format!("unknown unit {unit}"),
                )
            })?;
            if plan.proposer_tier(&u.info.tier).is_some() {
                return Err(Error::refused(
                    format!(
                        "{} không tự trình khen: cấp trình khen của đơn vị lập tờ trình và biên bản.",
                        u.info.name
                    ),
                    format!("unit {unit} is proposed by the level above it"),
                ));
            }
            let people = unit_proposals(store, plan, heads, &u)?;
            if people.is_empty() {
                return Err(documents::no_list(
                    if matches!(kind, DocKind::ToTrinhDonVi { .. }) {
                        "tờ trình"
                    } else {
                        "biên bản"
                    },
                ));
            }
            let signer = unit_signer(store, &u, inputs.dating.date.unwrap_or(today))?;
            let body = documents::unit_body(&u.info.name, &province, plan);
            let papers = documents::UnitPapers {
                plan,
                province: &province,
                unit: &body,
                people: &people,
                dating: &inputs.dating,
                signer: &signer,
            };
            Ok(match kind {
                DocKind::ToTrinhDonVi { .. } => (
                    documents::to_trinh_don_vi(&papers)?,
                    format!("to-trinh-{unit}-{year}.docx"),
                ),
                _ => (
                    documents::bien_ban_hoi_dong(&papers)?,
                    format!("bien-ban-hoi-dong-{unit}-{year}.docx"),
                ),
            })
        }
        DocKind::BienBanThamDinh => {
            let noms = store.nominations(&plan.code, None)?;
            let appraised: Vec<&Nomination> = noms.iter().filter(|n| n.board_verdict.is_some()).collect();
            let proposed = appraised
                .iter()
                .filter(|n| n.board_verdict == Some(BoardVerdict::DeNghi))
                .count();
            let people = listed(store, plan, heads, &appraised, |n| {
                let verdict = n.board_verdict.map(|v| v.vi()).unwrap_or_default();
                if n.board_reason.is_empty() {
                    verdict.to_string()
                } else {
                    format!("{verdict}: {}", n.board_reason)
                }
            })?;
            if people.is_empty() {
                return Err(documents::no_list("biên bản thẩm định"));
            }
            let signer = board_signer(store)?;
            let bytes =
                documents::bien_ban_tham_dinh(plan, &province, &people, proposed, &inputs.dating, &signer)?;
            Ok((bytes, format!("bien-ban-tham-dinh-{year}.docx")))
        }
        DocKind::DanhSachThamKhao => {
            let people = suggestions(store, plan, heads)?;
            let bytes = documents::working_list(plan, &province, &people, as_of)?;
            Ok((bytes, format!("danh-sach-tham-khao-{year}.docx")))
        }
        DocKind::SoKet { .. } | DocKind::TongKet => {
            let (report, day, name) = match kind {
                DocKind::SoKet { as_of } => (
                    ReportKind::SoKet,
                    as_of.unwrap_or_else(|| mid_year(plan)),
                    "so-ket",
                ),
                _ => (ReportKind::TongKet, plan.period_to, "tong-ket"),
            };
            if day < plan.period_from || day > plan.period_to {
                return Err(Error::refused(
                    format!(
                        "Ngày báo cáo {} nằm ngoài kỳ thi đua ({} – {}).",
                        day.vi(),
                        plan.period_from.vi(),
                        plan.period_to.vi()
                    ),
                    "the report's day is outside the plan's period",
                ));
            }
            // The evaluation as of the report's day (a mid-year review reads that far).
            let evaluated = store.evaluate(plan, day.end())?;
            let tiers = crate::movement::tallies(plan, &evaluated);
            let provisional = day > today || evaluated.iter().any(|h| h.provisional);
            let records: Vec<_> = store
                .decision_records(&plan.code)?
                .into_iter()
                .filter(|d| d.published())
                .collect();
            let noms = store.nominations(&plan.code, None)?;
            let published: Vec<&Nomination> = noms.iter().filter(|n| n.published).collect();
            let awardees = listed(store, plan, &evaluated, &published, |_| String::new())?;
            let mut decisions: Vec<(String, Date)> =
                records.iter().map(|d| (d.number.clone(), d.date)).collect();
            decisions.reverse();
            let issuer = province.standing(plan);
            let signer = office_signer(store)?;
            let bytes = documents::report::report(&documents::report::Report {
                kind: report,
                plan,
                province: &province,
                issuer: &issuer,
                dating: &inputs.dating,
                signer: &signer,
                as_of: day,
                provisional,
                tiers: &tiers,
                decisions: &decisions,
                awardees: &awardees,
            })?;
            Ok((bytes, format!("{name}-{year}.docx")))
        }
    }
}

/// A report's day as typed (dd/mm/yyyy or ISO; blank: none, the default), for the web, the
/// API and the command line alike.
pub fn report_day(typed: Option<&str>) -> Result<Option<Date>> {
    match typed.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => Date::parse_typed(t).map(Some).ok_or_else(|| {
            Error::refused(
                format!("Ngày báo cáo «{t}» không hợp lệ: hãy ghi một ngày có thật, dạng dd/mm/yyyy."),
                format!("the report's day '{t}' is not a date (dd/mm/yyyy or YYYY-MM-DD)"),
            )
        }),
    }
}

/// The default day of the mid-year review: the last day of the period's sixth month
/// (30/06 for a calendar year), or the period's end if it is shorter.
pub fn mid_year(plan: &Plan) -> Date {
    let (y, m, _) = plan.period_from.ymd();
    let months = y * 12 + m as i32 - 1 + 6;
    Date::from_ymd(months / 12, (months % 12) as u32 + 1, 1)
        .map(|first| Date(first.0 - 1))
        .unwrap_or(plan.period_to)
        .min(plan.period_to)
}

/// One line of the award register: the person, the award, the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterLine {
    pub name: String,
    pub title: String,
    pub unit_code: String,
    pub unit: String,
    /// The plan's year (its period's last year) and title.
    pub year: i32,
    pub plan_title: String,
    pub award: String,
    pub decision_no: String,
    pub decision_date: Date,
    pub signer: String,
}

/// The register of every award decided in the product (published decisions), across plans
/// and years, the latest first.
pub fn register(store: &Store) -> Result<Vec<RegisterLine>> {
    let plans = store.plans()?;
    Ok(store
        .award_register()?
        .into_iter()
        .filter_map(|a| {
            let plan = plans.iter().find(|p| p.code == a.plan_code)?;
            Some(RegisterLine {
                name: a.head_name,
                title: a.head_title,
                unit_code: a.unit_code,
                unit: a.unit_name,
                year: plan.period_to.ymd().0,
                plan_title: plan.title.clone(),
                award: plan.award.form.clone(),
                decision_no: a.number,
                decision_date: a.date,
                signer: a.signer,
            })
        })
        .collect())
}

/// The register's lines a search keeps: `query` matches a person's or unit's name or code,
/// or the decision's number, with or without diacritics; `year` the plan's year.
pub fn search_register(lines: Vec<RegisterLine>, query: &str, year: Option<i32>) -> Vec<RegisterLine> {
    let wanted = thidua_domain::text::fold(query);
    lines
        .into_iter()
        .filter(|l| year.is_none_or(|y| l.year == y))
        .filter(|l| {
            wanted.is_empty()
                || [&l.name, &l.unit, &l.unit_code, &l.decision_no]
                    .iter()
                    .any(|t| thidua_domain::text::fold(t).contains(&wanted))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mid_year_review_defaults_to_the_end_of_the_period_s_sixth_month() {
        let d = |y, m, day| Date::from_ymd(y, m, day).unwrap();
        assert_eq!(mid_year(&Plan::built_in()), d(2023, 6, 30));
        // a half-year plan (July–December) ends before six months are out
        let half = Plan::from_toml(thidua_domain::plan::EXAMPLE_2025_TWO_TIER).unwrap();
        assert_eq!(mid_year(&half), d(2025, 12, 31));
        assert_eq!(report_day(Some(" 30/06/2023 ")).unwrap(), Some(d(2023, 6, 30)));
        assert_eq!(report_day(Some("2023-06-30")).unwrap(), Some(d(2023, 6, 30)));
        assert_eq!(report_day(Some("")).unwrap(), None);
        assert!(report_day(Some("31/06/2023"))
            .unwrap_err()
            .to_string()
            .contains("31/06/2023"));
    }
}
