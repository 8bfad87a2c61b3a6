//! One nomination's page: the head's evaluation beside the dossier, its history, and the
//! actions open to the user in its current state.

use super::{load, state_class};
use crate::auth::{Role, SignedIn};
use crate::pages::{page, Chrome};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use thidua_app::award::{self, head_of};
use thidua_app::fmt::{indicator_views, summary_vi, IndicatorView};
use thidua_domain::nomination::{may_upload, NominationState, Uploader};
use thidua_domain::time::Date;
use thidua_store::nominations::Nomination;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/de-nghi/{id}", get(detail))
}

pub struct DocView {
    pub name: String,
    pub files: Vec<(i64, String, String)>,
    /// This user may remove (and so replace) its files now: the rule of uploading.
    pub removable: bool,
}

#[derive(Template)]
#[template(path = "nomination.html")]
struct DetailPage {
    c: Chrome,
    n: Nomination,
    state_vi: &'static str,
    css: &'static str,
    summary: &'static str,
    eligible: bool,
    discipline: bool,
    score: String,
    rank: String,
    indicators: Vec<IndicatorView>,
    docs: Vec<DocView>,
    /// The documents this user may upload now (code, name): the domain's `may_upload`.
    upload_docs: Vec<(String, String)>,
    events: Vec<(String, String, String, &'static str, String)>,
    can_edit: bool,
    /// The user is the proposing level (a commune's district) and the nomination waits
    /// for it.
    can_propose: bool,
    /// Who returned the nomination ("Sở Nội vụ", "cấp trình khen").
    returned_by: &'static str,
    can_office: bool,
    can_board: bool,
    can_approve: bool,
    office_verdict: &'static str,
    board_verdict: &'static str,
    plan_code: String,
    deadline: String,
    quota_left: u32,
    decision_date: String,
    /// The office's reason when the nomination came back to the unit.
    returned_reason: String,
    /// The head is outside the ranking's suggestions: approving needs a written reason.
    outside_suggestions: bool,
    /// The leaders' reason for approving a head outside the suggestions.
    approval_note: String,
    /// A step that was refused: why, and what the user typed, shown again in its form.
    problem: Option<Problem>,
}

/// A refused step: the form it came from (`action`, the route's last segment), the reason
/// in Vietnamese, and the text the user typed in each field, kept.
pub struct Problem {
    pub action: &'static str,
    pub message: String,
    pub fields: Vec<(&'static str, String)>,
}

impl DetailPage {
    /// What the user typed in `field` of the form `action`, after a refusal; else `or`.
    fn typed<'a>(&'a self, action: &str, field: &str, or: &'a str) -> &'a str {
        self.problem
            .as_ref()
            .filter(|p| p.action == action)
            .and_then(|p| p.fields.iter().find(|(k, _)| *k == field))
            .map_or(or, |(_, v)| v.as_str())
    }
    fn problem_at(&self, action: &str) -> bool {
        self.problem.as_ref().is_some_and(|p| p.action == action)
    }
}

#[derive(Deserialize)]
struct FlashQuery {
    tb: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    render(&state, &user, id, q.tb.as_deref(), None).await
}

/// The nomination's page; after a refused step, with the reason beside its form and what
/// the user typed kept (answered 422), never a dead end.
pub(super) async fn render(
    state: &AppState,
    user: &crate::auth::User,
    id: i64,
    flash: Option<&str>,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    let n = load(state, user, id).await?;
    let snap = state.snapshot_of(&n.plan_code).await?;
    let plan = snap.plan.clone();
    let (docs, events, approved, deadline, people) = state
        .db(move |s| {
            Ok((
                s.nomination_documents(id)?,
                s.nomination_events(id)?,
                s.approvals(&plan.code)?,
                award::deadline(s, &plan)?,
                s.people()?,
            ))
        })
        .await?;
    let h = head_of(&snap.eval.heads, &n.unit_code, &n.head_from);
    let proposed_by_parent = snap.plan.proposer_tier(&n.unit_tier).is_some();
    let uploader = if user.check_own_unit(n.unit_id).is_ok() {
        Some(Uploader::Unit)
    } else if user.check_proposer_of(n.unit_parent.as_deref()).is_ok() {
        Some(Uploader::Proposer)
    } else {
        None
    };
    let may_change = |by| uploader.is_some_and(|who| may_upload(n.state, who, by, proposed_by_parent));
    let docs = snap
        .plan
        .documents
        .iter()
        .map(|d| DocView {
            removable: may_change(d.by),
            name: d.name.clone(),
            files: docs
                .iter()
                .filter(|x| x.doc_code == d.code)
                .map(|x| {
                    (
                        x.id,
                        x.file_name.clone(),
                        thidua_app::fmt::date_time(x.uploaded_at),
                    )
                })
                .collect(),
        })
        .collect();
    let last_reason = |to: NominationState| {
        events
            .iter()
            .rev()
            .find(|e| e.to_state == to)
            .map(|e| e.reason.clone())
            .unwrap_or_default()
    };
    let returned_reason = if n.state == NominationState::TraLai {
        last_reason(NominationState::TraLai)
    } else {
        String::new()
    };
    let returned_by = match events
        .iter()
        .rev()
        .find(|e| e.to_state == NominationState::TraLai)
    {
        Some(e) if e.action == "cap_trinh_tra_lai" => "Cấp trình khen (UBND cấp huyện)",
        _ => "Sở Nội vụ",
    };
    let upload_docs = snap
        .plan
        .documents
        .iter()
        .filter(|d| may_change(d.by))
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect();
    let can_propose = n.state == NominationState::ChoCapTrinh && uploader == Some(Uploader::Proposer);
    let approval_note = if matches!(n.state, NominationState::DaPheDuyet) {
        last_reason(NominationState::DaPheDuyet)
    } else {
        String::new()
    };
    let outside_suggestions = award::outside_suggestions(&snap.plan, &snap.eval.heads, h);
    let events = events
        .iter()
        .map(|e| {
            (
                thidua_app::fmt::date_time(e.at),
                people
                    .get(&e.username)
                    .cloned()
                    .unwrap_or_else(|| e.username.clone()),
                Role::parse(&e.role).map(|r| r.vi()).unwrap_or("").to_string(),
                e.to_state.vi(),
                e.reason.clone(),
            )
        })
        .collect();
    let editable = n.state.unit_edits();
    let refused = problem.is_some();
    let refused_now = problem;
    page(&DetailPage {
        c: Chrome::new(user, "/de-nghi").with_flash(flash),
        state_vi: n.state.vi(),
        css: state_class(n.state),
        summary: h
            .map(|h| summary_vi(h.summary_status()))
            .unwrap_or("Chưa có kết quả đánh giá"),
        eligible: h.is_some_and(|h| h.eligible),
        discipline: award::discipline_pending(&snap.plan, h),
        score: h
            .map(|h| thidua_domain::rank::score_vi(h.score))
            .unwrap_or_else(|| "—".into()),
        rank: h
            .and_then(|h| h.rank)
            .map(|r| r.to_string())
            .unwrap_or_else(|| "—".into()),
        indicators: h.map(|h| indicator_views(&snap.plan, h)).unwrap_or_default(),
        docs,
        events,
        can_edit: editable && user.check_own_unit(n.unit_id).is_ok(),
        can_propose,
        returned_by,
        upload_docs,
        can_office: user.role == Role::SoNoiVu && n.state == NominationState::DaNop,
        can_board: user.role == Role::BanTdkt && n.state == NominationState::DaChuyen,
        // Rejection stays possible; approval only for an eligible head the Board proposes.
        can_approve: user.role == Role::LanhDao && n.state == NominationState::DaThamDinh,
        office_verdict: n.office_verdict.map(|v| v.vi()).unwrap_or(""),
        board_verdict: n.board_verdict.map(|v| v.vi()).unwrap_or(""),
        plan_code: n.plan_code.clone(),
        deadline: deadline.map(|d| d.vi()).unwrap_or_else(|| "chưa đặt".into()),
        quota_left: snap.plan.award.quota.saturating_sub(approved),
        decision_date: n
            .decision_date
            .as_deref()
            .and_then(Date::parse_iso)
            .map(|d| d.vi())
            .unwrap_or_default(),
        returned_reason,
        outside_suggestions,
        approval_note,
        n,
        problem: refused_now,
    })
    .map(|page| {
        if refused {
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        } else {
            page
        }
    })
}
