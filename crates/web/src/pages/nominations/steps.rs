//! The workflow's steps on one nomination: the unit submits; the office returns or
//! forwards; the Board appraises; the leaders approve or reject; the office publishes.

use super::load;
use crate::auth::{BanTdkt, DonVi, LanhDao, Require, SoNoiVu, User};
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
        .route("/de-nghi/{id}/chuyen", post(forward))
        .route("/de-nghi/{id}/tham-dinh", post(appraise))
        .route("/de-nghi/{id}/phe-duyet", post(approve))
        .route("/de-nghi/{id}/khong-phe-duyet", post(reject))
        .route("/de-nghi/{id}/cong-bo", post(publish))
}

/// Takes a step with the facts of the head's evaluation.
async fn step(state: &AppState, user: &User, n: &Nomination, step: Step) -> Result<Response, AppError> {
    let snap = state.snapshot_of(&n.plan_code).await?;
    let h = head_of(&snap.eval.heads, &n.unit_code, &n.head_from).cloned();
    let (actor, role, id) = (user.actor.clone(), user.role, n.id);
    state
        .db(move |s| {
            let facts = award::facts(s, &snap.plan, &snap.eval.heads, h.as_ref())?;
            Ok(s.nomination_step(&actor, role, id, &step, &facts)?)
        })
        .await?;
    Ok(Redirect::to(&format!("/de-nghi/{id}?tb=da_cap_nhat")).into_response())
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
    user.check_own_unit(n.unit_id)?;
    step(&state, &user, &n, Step::Submit { reason: f.ly_do }).await
}

async fn return_it(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    step(&state, &user, &n, Step::Return { reason: f.ly_do }).await
}

async fn forward(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<VerdictForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    step(
        &state,
        &user,
        &n,
        Step::Forward {
            verdict: OfficeVerdict::from_code(&f.ket_luan)
                .ok_or_else(|| AppError::refused("kết luận không hợp lệ"))?,
            reason: f.ly_do,
        },
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
    step(
        &state,
        &user,
        &n,
        Step::Appraise {
            verdict: BoardVerdict::from_code(&f.ket_luan)
                .ok_or_else(|| AppError::refused("kết luận thẩm định không hợp lệ"))?,
            reason: f.ly_do,
        },
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
    step(&state, &user, &n, Step::Approve { note: f.ghi_chu }).await
}

async fn reject(
    State(state): State<AppState>,
    Require(user, ..): Require<LanhDao>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    step(&state, &user, &n, Step::Reject { reason: f.ly_do }).await
}

#[derive(Deserialize)]
struct PublishForm {
    so_quyet_dinh: String,
    ngay_quyet_dinh: String,
}

async fn publish(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let date = thidua_ingest::values::parse_date(&thidua_ingest::table::Cell::Text(f.ngay_quyet_dinh.trim()))
        .ok()
        .flatten()
        .ok_or_else(|| AppError::refused("Ngày quyết định không hợp lệ (dd/mm/yyyy)."))?;
    // The measured results are fixed with the decision: the honour board shows these.
    let snap = state.snapshot_of(&n.plan_code).await?;
    let results = head_of(&snap.eval.heads, &n.unit_code, &n.head_from)
        .map(|h| award::results_json(&snap.plan, h))
        .unwrap_or_else(|| "[]".into());
    step(
        &state,
        &user,
        &n,
        Step::Publish {
            decision_no: f.so_quyet_dinh,
            decision_date: date,
            results,
        },
    )
    .await
}
