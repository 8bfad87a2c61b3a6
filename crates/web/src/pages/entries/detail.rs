//! One entry's page (its value, whole history and evidence files, with the review actions
//! open to the user) and the download of an evidence file.

use super::{state_class, value_text, value_vi};
use crate::auth::SignedIn;
use crate::pages::{page, Chrome};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use thidua_domain::entry::EntryState;
use thidua_store::workflow::{period_vi, Attachment, EntryRecord, HistoryRecord};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/so-lieu/{id}", get(detail))
        .route("/tep/{id}", get(download))
}

pub struct HistoryView {
    pub at: String,
    pub by: String,
    pub state: &'static str,
    pub css: &'static str,
    pub value: String,
    pub note: String,
    pub reason: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct DetailPage {
    c: Chrome,
    e: EntryRecord,
    indicator_name: String,
    period: String,
    value: String,
    state: &'static str,
    css: &'static str,
    history: Vec<HistoryView>,
    files: Vec<(i64, String, String, String)>,
    can_review: bool,
    can_edit: bool,
    can_sign: bool,
    signed: Option<String>,
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
    let (e, history, files) = state
        .db(move |s| {
            let e = s.entry(id)?.ok_or(AppError::NotFound)?;
            Ok((e, s.entry_history(id)?, s.attachments(id)?))
        })
        .await?;
    user.check_unit(e.unit_id)?;
    let plan = state.plan(None).await?;
    let history = history
        .iter()
        .map(|h: &HistoryRecord| {
            let st = EntryState::parse(&h.state).unwrap_or(EntryState::Nhap);
            HistoryView {
                at: thidua_app::fmt::date_time(h.changed_at),
                by: h.changed_by.clone(),
                state: st.vi(),
                css: state_class(st),
                value: value_text(&e.kind, &h.numerator, &h.denominator, h.value),
                note: h.note.clone(),
                reason: h.reason.clone(),
                source: h
                    .import_id
                    .map(|i| format!("nhập từ tệp (lần nhập số {i})"))
                    .unwrap_or_else(|| "trên màn hình".into()),
            }
        })
        .collect();
    let files = files
        .iter()
        .map(|a: &Attachment| {
            (
                a.id,
                a.file_name.clone(),
                format!("{} KB", (a.size + 1023) / 1024),
                thidua_app::fmt::date_time(a.uploaded_at),
            )
        })
        .collect();
    page(&DetailPage {
        c: Chrome::new(&user, "/so-lieu").with_flash(q.tb.as_deref()),
        indicator_name: plan
            .indicator(&e.indicator)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| e.indicator.clone()),
        period: period_vi(&e.period),
        value: value_vi(&e),
        state: e.state.vi(),
        css: state_class(e.state),
        history,
        files,
        can_review: user.role == crate::auth::Role::SoNoiVu && e.state == EntryState::DaGui,
        can_edit: user.check_own_unit(e.unit_id).is_ok()
            && matches!(e.state, EntryState::Nhap | EntryState::TraLai),
        can_sign: user.check_own_head(e.unit_id).is_ok()
            && e.state == EntryState::DaGui
            && e.signed_by.is_none(),
        signed: e
            .signed_by
            .as_ref()
            .map(|by| format!("{by}, {}", thidua_app::fmt::date_time(e.signed_at.unwrap_or(0)))),
        e,
    })
}

async fn download(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (a, e) = state
        .db(move |s| {
            let a = s.attachment(id)?.ok_or(AppError::NotFound)?;
            let e = s.entry(a.entry_id)?.ok_or(AppError::NotFound)?;
            Ok((a, e))
        })
        .await?;
    user.check_unit(e.unit_id)?;
    crate::upload::download(
        &state,
        &a.stored_name,
        &a.media_type,
        &a.file_name,
        &format!("minh-chung-{}", a.id),
    )
    .await
}
