//! Entries over the JSON API (FORMATS.md, issue 15 part 8): a unit's own system reports
//! without the forms — create (a draft or submitted, with evidence files), attach evidence,
//! send; the head signs off; the office verifies, returns with a reason, or reopens. The
//! handlers call the forms' own functions (`pages::entries`), so every check is the same.

use crate::auth::{DonVi, NguoiDungDau, Require, SignedIn, SoNoiVu, User};
use crate::pages::entries::{read_entry, save_entry, EntryUpload};
use crate::{AppError, AppState};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use thidua_domain::entry::EntryState;
use thidua_store::queue::EntryQuery;
use thidua_store::workflow::EntryRecord;

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    // up to ten evidence files and the fields, as the form
    let limit = axum::extract::DefaultBodyLimit::max(cfg.max_upload * 10 + crate::SMALL_BODY);
    Router::new()
        .route("/api/v1/entries", get(list).post(create).layer(limit))
        .route("/api/v1/entries/{id}", get(one).delete(delete_draft))
        .route("/api/v1/entries/{id}/evidence", post(evidence).layer(limit))
        .route("/api/v1/entries/{id}/send", post(send))
        .route("/api/v1/entries/{id}/sign-off", post(sign_off))
        .route("/api/v1/entries/{id}/verify", post(verify))
        .route("/api/v1/entries/{id}/return", post(return_entry))
        .route("/api/v1/entries/{id}/reopen", post(reopen))
}

fn entry_json(e: &EntryRecord) -> Value {
    json!({
        "id": e.id, "ma_don_vi": e.unit_code, "ten_don_vi": e.unit_name, "ma_chi_tieu": e.indicator,
        "ky": e.period, "tu_so": e.numerator, "mau_so": e.denominator, "gia_tri": e.value, "ghi_chu": e.note,
        "trang_thai": e.state.code(), "ly_do": e.reason, "so_tep_minh_chung": e.attachments,
        "nguoi_ky_duyet": e.signed_by,
    })
}

/// The entry, if the user may read it (its unit, the unit above it, the officials).
async fn load(state: &AppState, user: &User, id: i64) -> Result<EntryRecord, AppError> {
    let e = state
        .db(move |s| Ok(s.entry(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_unit(e.unit_id)?;
    Ok(e)
}

/// A refused value: 422 with each reason.
fn refused(errors: Vec<String>) -> Response {
    let body = json!({"loi": "Không thực hiện được", "chi_tiet": errors.join(" "), "cac_loi": errors});
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

async fn saved(state: &AppState, id: i64, status: StatusCode) -> Result<Response, AppError> {
    let e = state
        .db(move |s| Ok(s.entry(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((status, Json(entry_json(&e))).into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    trang_thai: Option<String>,
    ma_don_vi: Option<String>,
    ma_chi_tieu: Option<String>,
    ky: Option<String>,
    trang: Option<i64>,
}

/// The entries the user may read, 500 a page, filtered as the office's queue.
async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let unit_id = if user.reads_all() {
        None
    } else {
        Some(user.unit.as_ref().ok_or(AppError::Forbidden)?.0)
    };
    let query = EntryQuery {
        unit_id,
        state: q.trang_thai.as_deref().and_then(EntryState::parse),
        unit_code: q.ma_don_vi,
        indicator: q.ma_chi_tieu,
        period: q.ky,
        page: q.trang.unwrap_or(1).max(1),
        per_page: 500,
        ..Default::default()
    };
    let (rows, total) = state.db(move |s| Ok(s.entry_page(&query)?)).await?;
    Ok(
        Json(json!({"tong_so": total, "so_lieu": rows.iter().map(entry_json).collect::<Vec<_>>()}))
            .into_response(),
    )
}

async fn one(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let e = load(&state, &user, id).await?;
    let (files, history) = state
        .db(move |s| Ok((s.attachments(id)?, s.entry_history(id)?)))
        .await?;
    let mut body = entry_json(&e);
    body["minh_chung"] = json!(files
        .iter()
        .map(|f| json!({"id": f.id, "ten_tep": f.file_name, "kich_thuoc": f.size}))
        .collect::<Vec<_>>());
    body["lich_su"] = json!(history
        .iter()
        .map(|h| json!({"trang_thai": h.state, "ly_do": h.reason, "thoi_diem": thidua_domain::time::DateTime(h.changed_at).iso()}))
        .collect::<Vec<_>>());
    Ok(Json(body).into_response())
}

/// Creates or updates the unit's entry for an indicator and period: the form's multipart
/// fields (`chi_tieu`, `ky`, `tu_so`, `mau_so`, `gia_tri`, `ghi_chu`, `hanh_dong=gui` to
/// submit, files `minh_chung`) → 201 with the entry, or 422 with each reason.
async fn create(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let (_, unit, _) = user.unit.clone().ok_or(AppError::Forbidden)?;
    let up = read_entry(&state, mp, unit).await?;
    match save_entry(&state, &user, up).await? {
        Ok(id) => saved(&state, id, StatusCode::CREATED).await,
        Err(errors) => Ok(refused(errors)),
    }
}

/// Saves the unit's own entry again as it is, with `more` files; `submit` sends it.
async fn again(
    state: &AppState,
    user: &User,
    id: i64,
    submit: bool,
    more: EntryUpload,
) -> Result<Response, AppError> {
    let e = load(state, user, id).await?;
    user.check_own_unit(e.unit_id)?;
    match save_entry(state, user, EntryUpload::again(&e, submit, more)).await? {
        Ok(id) => saved(state, id, StatusCode::OK).await,
        Err(errors) => Ok(refused(errors)),
    }
}

/// Adds evidence files (`minh_chung`) to a draft or returned entry (it stays a draft).
async fn evidence(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let e = load(&state, &user, id).await?;
    user.check_own_unit(e.unit_id)?;
    let more = read_entry(&state, mp, e.unit_code.clone()).await?;
    again(&state, &user, id, false, more).await
}

/// Sends a draft or returned entry to the office.
async fn send(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    again(&state, &user, id, true, EntryUpload::empty()).await
}

async fn sign_off(
    State(state): State<AppState>,
    Require(user, ..): Require<NguoiDungDau>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let e = load(&state, &user, id).await?;
    user.check_own_head(e.unit_id)?;
    let actor = user.actor.clone();
    conflict(state.db(move |s| Ok(s.sign_off_entry(&actor, id)?)).await)?;
    saved(&state, id, StatusCode::OK).await
}

/// A review the rules refuse now answers 409 with the reason.
fn conflict(r: Result<(), AppError>) -> Result<(), AppError> {
    match r {
        Err(AppError::Refused(m)) => Err(AppError::Conflict(m)),
        other => other,
    }
}

async fn verify(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    conflict(state.db(move |s| Ok(s.verify_entry(&actor, id)?)).await)?;
    saved(&state, id, StatusCode::OK).await
}

#[derive(Deserialize)]
struct Reason {
    #[serde(default)]
    ly_do: String,
}

async fn return_entry(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Json(r): Json<Reason>,
) -> Result<Response, AppError> {
    with_reason(
        &state,
        &user,
        id,
        r,
        "trả lại",
        crate::pages::entries::return_and_tell,
    )
    .await
}

async fn reopen(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Json(r): Json<Reason>,
) -> Result<Response, AppError> {
    with_reason(&state, &user, id, r, "mở lại xác nhận", |s, a, id, why| {
        s.reopen_verification(a, id, why)
    })
    .await
}

/// An office's review that needs a written reason: a blank one is bad input (422, before
/// the store, whose refusals here mean "not now": 409).
async fn with_reason(
    state: &AppState,
    user: &User,
    id: i64,
    r: Reason,
    what: &str,
    review: fn(&mut thidua_store::Store, &thidua_store::audit::Actor, i64, &str) -> thidua_store::Result<()>,
) -> Result<Response, AppError> {
    if r.ly_do.trim().is_empty() {
        return Ok(refused(vec![format!("Cần ghi lý do {what}.")]));
    }
    let actor = user.actor.clone();
    conflict(state.db(move |s| Ok(review(s, &actor, id, &r.ly_do)?)).await)?;
    saved(state, id, StatusCode::OK).await
}

/// The unit deletes a draft it never sent → 204.
async fn delete_draft(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    crate::pages::entries::delete_entry_draft(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
