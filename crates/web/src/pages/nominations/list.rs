//! The nominations list: each role's queue beside all of the plan's nominations, the
//! workbook of them with each one's history, and a unit creating one for an evaluated head.

use super::state_class;
use crate::auth::{DonVi, Require, Role, SignedIn, User};
use crate::pages::{page, wants_xlsx, Chrome};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use thidua_app::award::{self, head_of};
use thidua_app::fmt::summary_vi;
use thidua_domain::nomination::{BoardVerdict, NominationState};
use thidua_domain::time::Date;
use thidua_store::nominations::Nomination;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/de-nghi", get(list).post(create))
}

/// What waits on each role.
/// The nomination waits on this user: on its role, and for a unit's steps on the right
/// level (its own unit prepares it; the level above takes `cho_cap_trinh`).
fn waits_on(user: &User, n: &Nomination) -> bool {
    if n.state.awaits(n.published) != Some(user.role) {
        return false;
    }
    match n.state {
        NominationState::ChoCapTrinh => user.check_proposer_of(n.unit_parent.as_deref()).is_ok(),
        NominationState::Nhap | NominationState::TraLai => user.check_own_unit(n.unit_id).is_ok(),
        _ => true,
    }
}

#[derive(Deserialize)]
struct ListQuery {
    nam: Option<i32>,
    tb: Option<String>,
    dinh_dang: Option<String>,
}

#[derive(Template)]
#[template(path = "nominations.html")]
struct ListPage {
    c: Chrome,
    plan_title: String,
    quota: u32,
    approved: u32,
    deadline: String,
    queue: String,
    all: String,
    can_create: bool,
    plan_code: String,
    candidates: Vec<(String, String)>,
    officials: bool,
    /// A unit that proposes its own heads (not a commune): the code for its papers' links.
    own_papers: Option<String>,
    xlsx_link: String,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if user.role == Role::QuanTri {
        return Err(AppError::Forbidden);
    }
    let snap = state.snapshot(q.nam).await?;
    let unit_id = if user.reads_all() {
        None
    } else {
        Some(user.unit.as_ref().ok_or(AppError::Forbidden)?.0)
    };
    let (plan_code, plan2) = (snap.plan.code.clone(), snap.plan.clone());
    let xlsx = wants_xlsx(&q.dinh_dang);
    let (noms, approved, deadline, events) = state
        .db(move |s| {
            let noms = match unit_id {
                None => s.nominations(&plan_code, None)?,
                Some(u) => s.nominations_in_scope(&plan_code, u)?,
            };
            // The history goes only into the workbook.
            let events: Vec<_> = if xlsx {
                noms.iter()
                    .map(|n| s.nomination_events(n.id))
                    .collect::<Result<_, _>>()?
            } else {
                Vec::new()
            };
            Ok((
                noms,
                s.approvals(&plan_code)?,
                award::deadline(s, &plan2)?,
                events,
            ))
        })
        .await?;
    let headers = [
        "Người đứng đầu",
        "Đơn vị",
        "Thứ hạng",
        "Điểm ưu tiên",
        "Kết quả đánh giá",
        "Đề xuất theo xếp hạng",
        "Trạng thái",
        "Kết luận Sở Nội vụ",
        "Thẩm định",
        "Quyết định",
        "Cập nhật",
    ];
    // The ranking's suggestions: the top of the ranking within the quota.
    let suggested = thidua_domain::rank::suggested(&snap.eval.heads, &snap.plan.award);
    let row = |n: &Nomination| {
        let h = head_of(&snap.eval.heads, &n.unit_code, &n.head_from);
        let is_suggested = h.is_some_and(|h| suggested.contains(h));
        vec![
            Cell::Link(n.head_name.clone(), format!("/de-nghi/{}", n.id)),
            Cell::text(&n.unit_name),
            match h.and_then(|h| h.rank) {
                Some(r) => Cell::int(r as i64),
                None => Cell::text("—"),
            },
            Cell::text(
                h.map(|h| thidua_domain::rank::score_vi(h.score))
                    .unwrap_or_default(),
            ),
            match h {
                Some(h) if h.eligible => Cell::Status("Đủ điều kiện".into(), "st-dat"),
                Some(_) => Cell::Status("Chưa đủ điều kiện".into(), "st-khong-dat"),
                None => Cell::text("Không có kết quả đánh giá"),
            },
            Cell::text(if is_suggested { "Có" } else { "Không" }),
            Cell::Status(n.state.vi().into(), state_class(n.state)),
            Cell::text(n.office_verdict.map(|v| v.vi()).unwrap_or("")),
            Cell::text(match n.board_verdict {
                Some(BoardVerdict::DeNghi) => "Đề nghị",
                Some(BoardVerdict::KhongDeNghi) => "Không đề nghị",
                None => "",
            }),
            Cell::text(if n.published {
                format!(
                    "{} ngày {}",
                    n.decision_no,
                    n.decision_date
                        .as_deref()
                        .and_then(Date::parse_iso)
                        .map(|d| d.vi())
                        .unwrap_or_default()
                )
            } else {
                String::new()
            }),
            Cell::text(thidua_app::fmt::date_time(n.updated_at)),
        ]
    };
    if xlsx {
        let mut t = Table::new(
            format!("Hồ sơ đề nghị khen thưởng — {}", snap.plan.title),
            &[
                &headers[..],
                &[
                    "Lý do của đơn vị",
                    "Ý kiến Sở Nội vụ",
                    "Ý kiến thẩm định",
                    "Lý do không phê duyệt",
                    "Lịch sử",
                ],
            ]
            .concat(),
        );
        for (n, ev) in noms.iter().zip(&events) {
            let mut r = row(n);
            let history = ev
                .iter()
                .map(|e| {
                    format!(
                        "{} {} ({}): {}{}",
                        thidua_app::fmt::date_time(e.at),
                        e.username,
                        e.role,
                        e.to_state.vi(),
                        if e.reason.is_empty() {
                            String::new()
                        } else {
                            format!(" — {}", e.reason)
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            r.extend([
                Cell::text(&n.unit_reason),
                Cell::text(&n.office_reason),
                Cell::text(&n.board_reason),
                Cell::text(&n.decision_reason),
                Cell::text(history),
            ]);
            t.rows.push(r);
        }
        return t.xlsx_response(&format!("de-nghi-{}", snap.plan.code));
    }
    let mut queue = Table::new("Hồ sơ chờ xử lý", &headers);
    let mut all = Table::new("Tất cả hồ sơ đề nghị", &headers);
    for n in &noms {
        if waits_on(&user, n) {
            queue.rows.push(row(n));
        }
        all.rows.push(row(n));
    }
    // The unit's heads evaluated in the plan without a nomination yet.
    let candidates = match (&user.role, &user.unit) {
        (Role::DonVi, Some((_, code, _))) => snap
            .eval
            .heads
            .iter()
            .filter(|h| &h.unit.code == code && !noms.iter().any(|n| n.head_from == h.head.from.iso()))
            .map(|h| {
                (
                    h.head.from.iso(),
                    format!(
                        "{} — {} ({})",
                        h.head.name,
                        h.head.title,
                        summary_vi(h.summary_status())
                    ),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    page(&ListPage {
        c: Chrome::new(&user, "/de-nghi").with_flash(q.tb.as_deref()),
        plan_title: snap.plan.title.clone(),
        quota: snap.plan.award.quota,
        approved,
        deadline: deadline.map(|d| d.vi()).unwrap_or_else(|| "chưa đặt".into()),
        queue: queue.html(),
        all: all.html(),
        can_create: user.role == Role::DonVi,
        plan_code: snap.plan.code.clone(),
        candidates,
        officials: user.reads_all(),
        own_papers: match (&user.role, &user.unit) {
            (Role::DonVi, Some((_, code, _))) => snap
                .eval
                .heads
                .iter()
                .find(|h| &h.unit.code == code)
                .filter(|h| snap.plan.proposer_tier(&h.unit.tier).is_none())
                .map(|_| code.clone()),
            _ => None,
        },
        xlsx_link: format!(
            "/de-nghi?dinh_dang=xlsx{}",
            q.nam.map(|y| format!("&nam={y}")).unwrap_or_default()
        ),
    })
}

#[derive(Deserialize)]
struct CreateForm {
    tu_ngay: String,
    ke_hoach: String,
}

async fn create(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    let (_, code, _) = user.unit.clone().ok_or(AppError::Forbidden)?;
    let id = open_nomination(&state, &user, &f.ke_hoach, &code, Some(&f.tu_ngay)).await?;
    Ok(Redirect::to(&format!("/de-nghi/{id}?tb=da_lap_de_nghi")).into_response())
}

/// Opens a nomination of a unit's head (the one whose term began on `head_from`, else the
/// one in office at the period's end): by the unit's own reporter, or by the level that
/// proposes it (a commune's district).
pub(crate) async fn open_nomination(
    state: &AppState,
    user: &User,
    plan_code: &str,
    unit_code: &str,
    head_from: Option<&str>,
) -> Result<i64, AppError> {
    let c2 = unit_code.to_string();
    let unit = state
        .db(move |s| Ok(s.unit(&c2)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let snap = state.snapshot_of(plan_code).await?;
    if user.check_own_unit(unit.id).is_err() {
        user.check_proposer_of(unit.parent.as_deref())?;
        if snap.plan.proposer_tier(&unit.info.tier).is_none() {
            return Err(AppError::Forbidden);
        }
    }
    let mine = snap.eval.heads.iter().filter(|h| h.unit.code == unit_code);
    let h = match head_from {
        Some(from) => head_of(&snap.eval.heads, unit_code, from),
        None => mine.max_by_key(|h| h.head.from),
    }
    .ok_or_else(|| AppError::refused("Không có người đứng đầu này trong kết quả đánh giá của đơn vị."))?;
    let (plan, from, name, title, actor, unit_id) = (
        snap.plan.code.clone(),
        h.head.from,
        h.head.name.clone(),
        h.head.title.clone(),
        user.actor.clone(),
        unit.id,
    );
    state
        .db(move |s| Ok(s.create_nomination(&actor, Role::DonVi, &plan, unit_id, from, &name, &title)?))
        .await
}
