//! The award's shared pieces: the facts a nomination step needs from the evaluation, the
//! lists the tờ trình and the decision carry (nominations, or the ranking's suggestions
//! when there are none yet), and the generated documents — for the web and the command
//! line alike.

use crate::documents::{self, Issue, Person};
use crate::error::{Error, Result};
use crate::fmt::{met_count, tier_name};
use thidua_domain::eval::{HeadResult, Status};
use thidua_domain::nomination::{BoardVerdict, Facts, NominationState};
use thidua_domain::plan::Plan;
use thidua_domain::rank;
use thidua_domain::time::{Date, DateTime};
use thidua_store::nominations::Nomination;
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

/// Where and when documents are issued today.
pub fn issue(store: &Store) -> Result<Issue> {
    let province = store.setting(PROVINCE_KEY)?.unwrap_or_default();
    let place = store
        .setting(PLACE_KEY)?
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| {
            if province.is_empty() {
                "……".into()
            } else {
                province.clone()
            }
        });
    let today = DateTime::now_local().date();
    Ok(Issue {
        province,
        place,
        date: today,
        results_as_of: today,
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

/// The facts for a step on the nomination of `h`, whose evaluation is among `heads` (the
/// plan's evaluation, for the ranking's suggestions).
pub fn facts(store: &Store, plan: &Plan, heads: &[HeadResult], h: Option<&HeadResult>) -> Result<Facts> {
    Ok(Facts {
        outside_suggestions: outside_suggestions(plan, heads, h),
        evaluated: h.is_some(),
        eligible: h.is_some_and(|h| h.eligible),
        discipline_pending: discipline_pending(plan, h),
        today: Some(DateTime::now_local().date()),
        deadline: deadline(store, plan)?,
        required_documents: plan
            .documents
            .iter()
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect(),
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

fn person(plan: &Plan, h: &HeadResult, note: String) -> Person {
    Person {
        name: h.head.name.clone(),
        title: h.head.title.clone(),
        unit: format!("{} ({})", h.unit.name, tier_name(plan, &h.unit.tier)),
        score: rank::score_vi(h.score),
        met: met_count(h),
        note,
    }
}

/// The top of the ranking (at most the quota), marked as suggestions; a head passed over
/// under the plan's one-head-per-unit option is not listed (`rank::suggested` keeps why).
fn suggestions(plan: &Plan, heads: &[HeadResult]) -> Vec<Person> {
    rank::suggested(heads, &plan.award)
        .heads
        .into_iter()
        .map(|h| {
            person(
                plan,
                h,
                format!("Đề xuất từ xếp hạng (hạng {})", h.rank.unwrap_or(0)),
            )
        })
        .collect()
}

fn listed(
    plan: &Plan,
    heads: &[HeadResult],
    noms: &[&Nomination],
    note: impl Fn(&Nomination) -> String,
) -> Vec<Person> {
    noms.iter()
        .map(|n| match head_of(heads, &n.unit_code, &n.head_from) {
            Some(h) => person(plan, h, note(n)),
            None => Person {
                name: n.head_name.clone(),
                title: n.head_title.clone(),
                unit: n.unit_name.clone(),
                score: "—".into(),
                met: "—".into(),
                note: note(n),
            },
        })
        .collect()
}

/// The tờ trình's list: nominations the Board proposes; else the ranking's suggestions.
pub fn proposed(plan: &Plan, heads: &[HeadResult], noms: &[Nomination]) -> (Vec<Person>, bool) {
    let chosen: Vec<&Nomination> = noms
        .iter()
        .filter(|n| {
            n.board_verdict == Some(BoardVerdict::DeNghi) && n.state != NominationState::KhongPheDuyet
        })
        .collect();
    if chosen.is_empty() {
        (suggestions(plan, heads), true)
    } else {
        (
            listed(plan, heads, &chosen, |_| {
                "Ban Thi đua - Khen thưởng đề nghị".into()
            }),
            false,
        )
    }
}

/// The decision's list: approved nominations; else the ranking's suggestions.
pub fn awardees(plan: &Plan, heads: &[HeadResult], noms: &[Nomination]) -> (Vec<Person>, bool) {
    let chosen: Vec<&Nomination> = noms
        .iter()
        .filter(|n| n.state == NominationState::DaPheDuyet)
        .collect();
    if chosen.is_empty() {
        (suggestions(plan, heads), true)
    } else {
        (listed(plan, heads, &chosen, |_| String::new()), false)
    }
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
    QuyetDinh,
}

/// Builds a document from an evaluation and the stored nominations; returns the bytes and
/// a file name.
pub fn document(
    store: &Store,
    plan: &Plan,
    heads: &[HeadResult],
    kind: &DocKind,
) -> Result<(Vec<u8>, String)> {
    let mut issue = issue(store)?;
    // The results stand as of today, or the period's end once it is over.
    issue.results_as_of = issue.results_as_of.min(plan.period_to);
    let year = plan.period_from.ymd().0;
    match kind {
        DocKind::Mau07 { unit, head_from } => {
            let u = store.unit(unit)?.ok_or_else(|| {
                Error::refused(
                    format!("không có đơn vị mã «{unit}»"),
                    format!("unknown unit {unit}"),
                )
            })?;
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
            let parent = match &u.parent {
                Some(p) => store.unit(p)?.map(|p| p.info.name),
                None => None,
            };
            let superior = documents::superior_of(plan, &u.info.tier, parent.as_deref(), &issue.province);
            Ok((
                documents::mau07(plan, h, &superior, &issue)?,
                format!("mau07-{unit}-{year}.docx"),
            ))
        }
        DocKind::ToTrinh => {
            let noms = store.nominations(&plan.code, None)?;
            let (people, sugg) = proposed(plan, heads, &noms);
            Ok((
                documents::to_trinh(plan, &people, sugg, &issue)?,
                format!("to-trinh-{year}.docx"),
            ))
        }
        DocKind::QuyetDinh => {
            let noms = store.nominations(&plan.code, None)?;
            let (people, sugg) = awardees(plan, heads, &noms);
            Ok((
                documents::quyet_dinh(plan, &people, sugg, &issue)?,
                format!("quyet-dinh-{year}.docx"),
            ))
        }
    }
}
