//! The review of a submitted entry: the head signs it off, the office verifies it or
//! returns it with a reason.

use crate::auth::{NguoiDungDau, Require, SoNoiVu};
use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/so-lieu/{id}/xac-nhan", post(verify))
        .route("/so-lieu/{id}/tra-lai", post(return_entry))
        .route("/so-lieu/{id}/ky-duyet", post(sign_off))
}

async fn sign_off(
    State(state): State<AppState>,
    Require(user, ..): Require<NguoiDungDau>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let e = state
        .db(move |s| Ok(s.entry(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_own_head(e.unit_id)?;
    let actor = user.actor.clone();
    state.db(move |s| Ok(s.sign_off_entry(&actor, id)?)).await?;
    Ok(Redirect::to(&format!("/so-lieu/{id}?tb=da_ky_duyet")).into_response())
}

async fn verify(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    state.db(move |s| Ok(s.verify_entry(&actor, id)?)).await?;
    Ok(Redirect::to(&format!("/so-lieu/{id}?tb=da_xac_nhan")).into_response())
}

#[derive(Deserialize)]
struct ReturnForm {
    ly_do: String,
}

async fn return_entry(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<ReturnForm>,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    state
        .db(move |s| Ok(s.return_entry(&actor, id, &f.ly_do)?))
        .await?;
    Ok(Redirect::to(&format!("/so-lieu/{id}?tb=da_tra_lai")).into_response())
}
