//! The review of a submitted entry: the head signs it off, the office verifies it or
//! returns it with a reason.

use crate::auth::{NguoiDungDau, Require, SoNoiVu};
use crate::pages::{page, Chrome};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use thidua_store::workflow::period_vi;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/so-lieu/{id}/xac-nhan", post(verify))
        .route("/so-lieu/{id}/tra-lai", post(return_entry))
        .route("/so-lieu/{id}/ky-duyet", post(sign_off))
        .route("/so-lieu/{id}/mo-lai-xac-nhan", post(reopen))
        .route("/so-lieu/xac-nhan-nhieu", post(verify_many))
        .route("/so-lieu/{id}/xoa", post(delete_draft))
}

/// A refused review shows the entry's page again with the reason beside the form; other
/// errors stay errors.
async fn refused(
    state: &AppState,
    user: &crate::auth::User,
    id: i64,
    action: &'static str,
    e: AppError,
    typed: String,
) -> Result<Response, AppError> {
    match e {
        AppError::Refused(m) => {
            let problem = super::detail::Problem {
                action,
                message: thidua_app::fmt::sentence(&m.vi),
                typed,
            };
            super::detail::render(state, user, id, Default::default(), Some(problem)).await
        }
        other => Err(other),
    }
}

/// After the office decides on an entry: the next one waiting (the queue's order), else
/// the queue, with what happened said on arrival.
async fn next_after(state: &AppState, id: i64, done: &str) -> Result<Response, AppError> {
    let next = state.db(move |s| Ok(s.next_waiting_entry(id)?)).await?;
    Ok(match next {
        Some(n) => Redirect::to(&format!("/so-lieu/{n}?tb={done}&truoc={id}")),
        None => Redirect::to(&format!("/so-lieu?tb={done}")),
    }
    .into_response())
}

#[derive(Template)]
#[template(path = "entries_confirm.html")]
struct ConfirmPage {
    c: Chrome,
    rows: Vec<(i64, String)>,
}

/// Verifying many at once: the chosen entries are listed for a confirmation first; the
/// confirmed form verifies them all, or none with the reason.
async fn verify_many(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    body: String,
) -> Result<Response, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&body).map_err(|_| AppError::refused("Biểu mẫu không hợp lệ."))?;
    let mut ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::refused(
            "Chưa chọn số liệu nào: hãy đánh dấu các số liệu cần xác nhận trong danh sách.",
        ));
    }
    if ids.len() > 500 {
        return Err(AppError::refused("Mỗi lần xác nhận tối đa 500 số liệu."));
    }
    let confirmed = pairs.iter().any(|(k, v)| k == "dong_y" && v == "1");
    if !confirmed {
        let plan = state.plan(None).await?;
        let wanted = ids.clone();
        let entries = state
            .db(move |s| {
                let mut out = Vec::new();
                for id in wanted {
                    out.extend(s.entry(id)?);
                }
                Ok(out)
            })
            .await?;
        let rows = entries
            .iter()
            .map(|e| {
                let name = plan
                    .indicator(&e.indicator)
                    .map_or(e.indicator.as_str(), |i| i.name.as_str());
                (
                    e.id,
                    format!(
                        "{} — {name} — {}: {}",
                        e.unit_name,
                        period_vi(&e.period),
                        super::value_vi(e)
                    ),
                )
            })
            .collect();
        return page(&ConfirmPage {
            c: Chrome::new(&user, "/so-lieu"),
            rows,
        });
    }
    let actor = user.actor.clone();
    let n = state.db(move |s| Ok(s.verify_entries(&actor, &ids)?)).await?;
    Ok(Redirect::to(&format!("/so-lieu?tb=da_xac_nhan_nhieu&so={n}")).into_response())
}

#[derive(Deserialize)]
struct ReopenForm {
    ly_do: String,
}

/// The office takes back a verification, with a reason.
async fn reopen(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<ReopenForm>,
) -> Result<Response, AppError> {
    let (actor, typed) = (user.actor.clone(), f.ly_do.clone());
    match state
        .db(move |s| Ok(s.reopen_verification(&actor, id, &f.ly_do)?))
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/so-lieu/{id}?tb=da_mo_lai_xac_nhan")).into_response()),
        Err(e) => refused(&state, &user, id, "mo-lai-xac-nhan", e, typed).await,
    }
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
    match state.db(move |s| Ok(s.verify_entry(&actor, id)?)).await {
        Ok(()) => next_after(&state, id, "da_xac_nhan").await,
        Err(e) => refused(&state, &user, id, "xac-nhan", e, String::new()).await,
    }
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
    let (actor, typed) = (user.actor.clone(), f.ly_do.clone());
    let done = state
        .db(move |s| Ok(return_and_tell(s, &actor, id, &f.ly_do)?))
        .await;
    match done {
        Ok(()) => next_after(&state, id, "da_tra_lai").await,
        Err(e) => refused(&state, &user, id, "tra-lai", e, typed).await,
    }
}

/// Returns an entry to its unit and queues the notice to its reporters (a notice that
/// cannot be queued is logged: the return stands). The page and the API both return here.
pub(crate) fn return_and_tell(
    s: &mut thidua_store::Store,
    actor: &thidua_store::audit::Actor,
    id: i64,
    reason: &str,
) -> thidua_store::Result<()> {
    s.return_entry(actor, id, reason)?;
    if let Err(e) = thidua_app::mail::entry_returned(s, id) {
        tracing::warn!("notice of returned entry {id} not queued: {e}");
    }
    Ok(())
}

/// The unit deletes a draft it never sent, with its evidence files.
async fn delete_draft(
    State(state): State<AppState>,
    Require(user, ..): Require<crate::auth::DonVi>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match delete_entry_draft(&state, &user, id).await {
        Ok(()) => Ok(Redirect::to("/so-lieu?tb=da_xoa_nhap").into_response()),
        Err(e) => refused(&state, &user, id, "xoa", e, String::new()).await,
    }
}

/// Deletes the user's own unit's never-sent draft (the form's and the API's one way), then
/// its evidence files.
pub(crate) async fn delete_entry_draft(
    state: &AppState,
    user: &crate::auth::User,
    id: i64,
) -> Result<(), AppError> {
    let e = state
        .db(move |s| Ok(s.entry(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_own_unit(e.unit_id)?;
    let actor = user.actor.clone();
    let files = state.db(move |s| Ok(s.delete_draft_entry(&actor, id)?)).await?;
    state.remove_files(files).await;
    Ok(())
}
