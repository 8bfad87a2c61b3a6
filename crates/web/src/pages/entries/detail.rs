//! One entry's page (its value, whole history and evidence files, with the review actions
//! open to the user) and the download of an evidence file.

use super::{state_class, value_text, value_vi};
use crate::auth::SignedIn;
use crate::pages::{page, Chrome};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
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
    /// A draft the unit never sent: it may delete it.
    can_delete: bool,
    can_sign: bool,
    can_reopen: bool,
    signed: Option<String>,
    /// What the plan asks of this unit's tier for the indicator.
    target: String,
    /// The unit's other entries of this indicator: id, period, value, state and its class.
    others: Vec<(i64, String, String, &'static str, &'static str)>,
    problem: Option<Problem>,
}

impl DetailPage {
    /// The refusal's reason when it came from the form `action`.
    fn problem_at(&self, action: &str) -> Option<&str> {
        self.problem
            .as_ref()
            .filter(|p| p.action == action)
            .map(|p| p.message.as_str())
    }
    /// What was typed in the form `action` before its refusal.
    fn typed(&self, action: &str) -> &str {
        self.problem
            .as_ref()
            .filter(|p| p.action == action)
            .map_or("", |p| p.typed.as_str())
    }
}

#[derive(Deserialize, Default)]
pub(super) struct FlashQuery {
    tb: Option<String>,
    /// The entry the office has just decided on (this page is the next one waiting).
    truoc: Option<i64>,
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    render(&state, &user, id, q, None).await
}

/// A refused review: the form it came from (`tra-lai`, `xac-nhan`, `mo-lai-xac-nhan`,
/// `ky-duyet`), the reason as a sentence, and the reason the user typed, kept.
pub(super) struct Problem {
    pub action: &'static str,
    pub message: String,
    pub typed: String,
}

/// The entry's page; after a refused review, with the reason beside its form and the text
/// typed kept (answered 422), never a dead end.
pub(super) async fn render(
    state: &AppState,
    user: &crate::auth::User,
    id: i64,
    q: FlashQuery,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    let (e, history, files, others, tier, people) = state
        .db(move |s| {
            let e = s.entry(id)?.ok_or(AppError::NotFound)?;
            let others = s
                .entry_page(&thidua_store::queue::EntryQuery {
                    unit_id: Some(e.unit_id),
                    indicator: Some(e.indicator.clone()),
                    sort: thidua_store::queue::EntrySort::Period,
                    per_page: 100,
                    ..Default::default()
                })?
                .0;
            let tier = s.unit(&e.unit_code)?.map(|u| u.info.tier).unwrap_or_default();
            Ok((
                e,
                s.entry_history(id)?,
                s.attachments(id)?,
                others,
                tier,
                s.people()?,
            ))
        })
        .await?;
    user.check_unit(e.unit_id)?;
    let plan = state.plan(None).await?;
    // "Đã trả lại số liệu … của UBND …": what happened to the entry decided just before
    let decided = match q.truoc {
        Some(prev) if user.reads_all() => state.db(move |s| Ok(s.entry(prev)?)).await?,
        _ => None,
    };
    let notice = decided.map(|d| {
        let name = plan
            .indicator(&d.indicator)
            .map_or(d.indicator.as_str(), |i| i.name.as_str());
        let done = match d.state {
            EntryState::DaXacNhan => "Đã xác nhận",
            EntryState::TraLai => "Đã trả lại",
            _ => "Đã cập nhật",
        };
        format!(
            "{done} số liệu «{name}» {} của {}. Dưới đây là số liệu chờ xác nhận tiếp theo.",
            period_vi(&d.period),
            d.unit_name
        )
    });
    let target = plan
        .indicator(&e.indicator)
        .map(|i| i.target_vi(&tier))
        .unwrap_or_default();
    let others = others
        .iter()
        .filter(|o| o.id != e.id)
        .map(|o| {
            (
                o.id,
                period_vi(&o.period),
                value_vi(o),
                o.state.vi(),
                state_class(o.state),
            )
        })
        .collect();
    let never_sent = history.iter().all(|h| h.state == EntryState::Nhap.code());
    let history = history
        .iter()
        .map(|h: &HistoryRecord| {
            let st = EntryState::parse(&h.state).unwrap_or(EntryState::Nhap);
            HistoryView {
                at: thidua_app::fmt::date_time(h.changed_at),
                by: super::list::person(&people, &h.changed_by),
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
    let refused = problem.is_some();
    page(&DetailPage {
        c: Chrome::new(user, "/so-lieu")
            .with_flash(q.tb.as_deref())
            .with_notice(notice),
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
        can_delete: user.check_own_unit(e.unit_id).is_ok() && e.state == EntryState::Nhap && never_sent,
        can_sign: user.check_own_head(e.unit_id).is_ok()
            && e.state == EntryState::DaGui
            && e.signed_by.is_none(),
        can_reopen: user.role == crate::auth::Role::SoNoiVu && e.state == EntryState::DaXacNhan,
        target,
        others,
        signed: e.signed_by.as_ref().map(|by| {
            format!(
                "{}, {}",
                super::list::person(&people, by),
                thidua_app::fmt::date_time(e.signed_at.unwrap_or(0))
            )
        }),
        e,
        problem,
    })
    .map(|page| {
        if refused {
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        } else {
            page
        }
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
