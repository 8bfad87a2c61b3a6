//! The workflow's steps on one nomination: the unit submits; the office returns or
//! forwards; the Board appraises; the leaders approve or reject (the decision that follows
//! holds every approval: `decisions`).

use super::detail::{render, Problem};
use super::load;
use crate::auth::{BanTdkt, DonVi, LanhDao, Require, Role, SoNoiVu, User};
use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use thidua_app::award::{self, head_of};
use thidua_domain::nomination::{BoardVerdict, OfficeVerdict, Step};
use thidua_store::nominations::Nomination;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/de-nghi/{id}/nop", post(submit))
        .route("/de-nghi/{id}/tra-lai", post(return_it))
        .route("/de-nghi/{id}/cap-trinh-de-nghi", post(propose))
        .route("/de-nghi/{id}/cap-trinh-tra-lai", post(proposer_return))
        .route("/de-nghi/{id}/chuyen", post(forward))
        .route("/de-nghi/{id}/tham-dinh", post(appraise))
        .route("/de-nghi/{id}/phe-duyet", post(approve))
        .route("/de-nghi/{id}/khong-phe-duyet", post(reject))
}

/// Who may take which step (one rule for the forms and the API): the unit's own reporter
/// submits; the reporter of the level above (a commune's district) proposes or returns;
/// the office returns or forwards; the Board appraises; the leaders approve or reject.
/// Publication goes only through a recorded decision (`decisions`).
pub(crate) fn may_take(user: &User, n: &Nomination, step: &Step) -> Result<(), AppError> {
    let role = |r: Role| {
        if user.role == r {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    };
    match step {
        Step::Submit { .. } => user.check_own_unit(n.unit_id),
        Step::Propose { .. } | Step::ProposerReturn { .. } => {
            user.check_proposer_of(n.unit_parent.as_deref())
        }
        Step::Return { .. } | Step::Forward { .. } => role(Role::SoNoiVu),
        Step::Appraise { .. } => role(Role::BanTdkt),
        Step::Approve { .. } | Step::Reject { .. } => role(Role::LanhDao),
        Step::Publish { .. } => Err(AppError::Forbidden),
    }
}

/// Takes a step with the facts of the head's evaluation, if the user may take it.
pub(crate) async fn take_step(
    state: &AppState,
    user: &User,
    n: &Nomination,
    step: Step,
) -> Result<(), AppError> {
    may_take(user, n, &step)?;
    let snap = state.snapshot_of(&n.plan_code).await?;
    let h = head_of(&snap.eval.heads, &n.unit_code, &n.head_from).cloned();
    let (actor, role, id, tier) = (user.actor.clone(), user.role, n.id, n.unit_tier.clone());
    state
        .db(move |s| {
            let facts = award::facts(s, &snap.plan, &tier, &snap.eval.heads, h.as_ref())?;
            s.nomination_step(&actor, role, id, &step, &facts)?;
            // whoever takes the next step is told; a notice that cannot be queued is
            // logged, the step stands
            if let Err(e) = thidua_app::mail::nomination_moved(s, id) {
                tracing::warn!("notice of nomination {id} not queued: {e}");
            }
            Ok(())
        })
        .await
}

/// Takes a step from its form. A refusal shows the nomination's page again with the
/// reason beside the form and what was typed in `fields` kept.
async fn step(
    state: &AppState,
    user: &User,
    n: &Nomination,
    step: Step,
    action: &'static str,
    fields: Vec<(&'static str, String)>,
) -> Result<Response, AppError> {
    let done = step.action();
    match take_step(state, user, n, step).await {
        Ok(()) => Ok(Redirect::to(&format!("/de-nghi/{}?tb=buoc_{done}", n.id)).into_response()),
        Err(AppError::Refused(m)) => refused(state, user, n.id, action, m.vi, fields).await,
        Err(e) => Err(e),
    }
}

/// The page again, with `message` beside the form `action`.
async fn refused(
    state: &AppState,
    user: &User,
    id: i64,
    action: &'static str,
    message: String,
    fields: Vec<(&'static str, String)>,
) -> Result<Response, AppError> {
    let message = thidua_app::fmt::sentence(&message);
    let problem = Problem {
        action,
        message,
        fields,
    };
    render(state, user, id, None, Some(problem)).await
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    ly_do: String,
}

#[derive(Deserialize)]
struct VerdictForm {
    ket_luan: String,
    #[serde(default)]
    ly_do: String,
}

async fn submit(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let kept = vec![("ly_do", f.ly_do.clone())];
    step(&state, &user, &n, Step::Submit { reason: f.ly_do }, "nop", kept).await
}

/// The proposing level (a commune's district) forwards the nomination to the province.
async fn propose(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let kept = vec![("ly_do", f.ly_do.clone())];
    let step_ = Step::Propose { reason: f.ly_do };
    step(&state, &user, &n, step_, "cap-trinh-de-nghi", kept).await
}

/// The proposing level returns the nomination to the unit with a reason.
async fn proposer_return(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let kept = vec![("ly_do", f.ly_do.clone())];
    let step_ = Step::ProposerReturn { reason: f.ly_do };
    step(&state, &user, &n, step_, "cap-trinh-tra-lai", kept).await
}

async fn return_it(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let kept = vec![("ly_do", f.ly_do.clone())];
    step(
        &state,
        &user,
        &n,
        Step::Return { reason: f.ly_do },
        "tra-lai",
        kept,
    )
    .await
}

async fn forward(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<VerdictForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let kept = vec![("ly_do", f.ly_do.clone())];
    let Some(verdict) = OfficeVerdict::from_code(&f.ket_luan) else {
        return refused(&state, &user, id, "chuyen", "Hãy chọn kết luận.".into(), kept).await;
    };
    step(
        &state,
        &user,
        &n,
        Step::Forward {
            verdict,
            reason: f.ly_do,
        },
        "chuyen",
        kept,
    )
    .await
}

async fn appraise(
    State(state): State<AppState>,
    Require(user, ..): Require<BanTdkt>,
    Path(id): Path<i64>,
    Form(f): Form<VerdictForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let kept = vec![("ly_do", f.ly_do.clone())];
    let Some(verdict) = BoardVerdict::from_code(&f.ket_luan) else {
        return refused(
            &state,
            &user,
            id,
            "tham-dinh",
            "Hãy chọn kết luận thẩm định.".into(),
            kept,
        )
        .await;
    };
    step(
        &state,
        &user,
        &n,
        Step::Appraise {
            verdict,
            reason: f.ly_do,
        },
        "tham-dinh",
        kept,
    )
    .await
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    ghi_chu: String,
}

async fn approve(
    State(state): State<AppState>,
    Require(user, ..): Require<LanhDao>,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let kept = vec![("ghi_chu", f.ghi_chu.clone())];
    step(
        &state,
        &user,
        &n,
        Step::Approve { note: f.ghi_chu },
        "phe-duyet",
        kept,
    )
    .await
}

async fn reject(
    State(state): State<AppState>,
    Require(user, ..): Require<LanhDao>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let kept = vec![("ly_do", f.ly_do.clone())];
    step(
        &state,
        &user,
        &n,
        Step::Reject { reason: f.ly_do },
        "khong-phe-duyet",
        kept,
    )
    .await
}
