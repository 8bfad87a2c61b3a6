//! Difficulties and proposals (seed section V): a unit opens a thread to the Chairman
//! through the movement office; the office answers or escalates to the provincial leaders;
//! both sides see its history and state.

use super::{page, Chrome};
use crate::auth::{DonVi, Require, Role, SignedIn, ThreadAnswerers};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use thidua_store::threads::{thread_state_vi, Thread, ThreadAction};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kien-nghi", get(list).post(open))
        .route("/kien-nghi/{id}", get(detail))
        .route("/kien-nghi/{id}/phan-hoi", post(reply))
}

#[derive(Template)]
#[template(path = "threads.html")]
struct ListPage {
    c: Chrome,
    table: String,
    can_open: bool,
}

#[derive(Deserialize)]
struct FlashQuery {
    tb: Option<String>,
    dinh_dang: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    let unit_id = if user.reads_all() {
        None
    } else {
        Some(user.unit.as_ref().ok_or(AppError::Forbidden)?.0)
    };
    let threads = state.db(move |s| Ok(s.threads(unit_id)?)).await?;
    let mut t = Table::new(
        "Khó khăn, vướng mắc, kiến nghị",
        &["Tiêu đề", "Đơn vị", "Trạng thái", "Người gửi", "Cập nhật"],
    );
    for th in &threads {
        t.rows.push(vec![
            Cell::Link(th.title.clone(), format!("/kien-nghi/{}", th.id)),
            Cell::text(&th.unit_name),
            Cell::Status(thread_state_vi(&th.state).into(), state_class(&th.state)),
            Cell::text(&th.created_by),
            Cell::text(thidua_app::fmt::date_time(th.updated_at)),
        ]);
    }
    if super::wants_xlsx(&q.dinh_dang) {
        return t.xlsx_response("kien-nghi");
    }
    page(&ListPage {
        c: Chrome::new(&user, "/kien-nghi").with_flash(q.tb.as_deref()),
        table: t.html(),
        can_open: user.role == Role::DonVi,
    })
}

fn state_class(s: &str) -> &'static str {
    match s {
        "moi" => "st-cho",
        "da_tra_loi" => "st-dat",
        "da_chuyen_lanh_dao" => "st-tsl",
        _ => "st-kps",
    }
}

#[derive(Deserialize)]
struct OpenForm {
    tieu_de: String,
    noi_dung: String,
}

async fn open(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Form(f): Form<OpenForm>,
) -> Result<Response, AppError> {
    let unit_id = user.unit.as_ref().ok_or(AppError::Forbidden)?.0;
    let actor = user.actor.clone();
    let id = state
        .db(move |s| Ok(s.open_thread(&actor, "don_vi", unit_id, &f.tieu_de, &f.noi_dung)?))
        .await?;
    Ok(Redirect::to(&format!("/kien-nghi/{id}?tb=da_gui_kien_nghi")).into_response())
}

pub struct MessageView {
    pub at: String,
    pub author: String,
    pub role: &'static str,
    pub action: &'static str,
    pub body: String,
}

#[derive(Template)]
#[template(path = "thread.html")]
struct DetailPage {
    c: Chrome,
    t: Thread,
    state_vi: &'static str,
    css: &'static str,
    messages: Vec<MessageView>,
    can_reply_unit: bool,
    can_answer: bool,
    can_escalate: bool,
    closed: bool,
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    let (t, msgs) = state
        .db(move |s| Ok((s.thread(id)?.ok_or(AppError::NotFound)?, s.thread_messages(id)?)))
        .await?;
    user.check_unit(t.unit_id)?;
    let messages = msgs
        .into_iter()
        .map(|m| MessageView {
            at: thidua_app::fmt::date_time(m.at),
            author: m.author,
            role: Role::parse(&m.role).map(|r| r.vi()).unwrap_or(""),
            action: match m.action.as_str() {
                "gui" => "gửi",
                "tra_loi" => "trả lời",
                "chuyen_lanh_dao" => "chuyển lãnh đạo UBND tỉnh",
                _ => "đóng kiến nghị",
            },
            body: m.body,
        })
        .collect();
    let closed = t.state == "da_dong";
    page(&DetailPage {
        c: Chrome::new(&user, "/kien-nghi").with_flash(q.tb.as_deref()),
        state_vi: thread_state_vi(&t.state),
        css: state_class(&t.state),
        messages,
        can_reply_unit: !closed && user.check_own_unit(t.unit_id).is_ok(),
        can_answer: !closed && matches!(user.role, Role::SoNoiVu | Role::LanhDao),
        can_escalate: !closed && user.role == Role::SoNoiVu,
        closed,
        t,
    })
}

#[derive(Deserialize)]
struct ReplyForm {
    hanh_dong: String,
    noi_dung: String,
}

/// The unit writes in its own thread; the office answers, escalates or closes; the leaders
/// answer. The action decides who may take it.
async fn reply(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> Result<Response, AppError> {
    let t = state
        .db(move |s| Ok(s.thread(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let action = match f.hanh_dong.as_str() {
        "gui" => {
            user.check_own_unit(t.unit_id)?;
            ThreadAction::UnitReply
        }
        "tra_loi" => {
            require_answerer(&user)?;
            ThreadAction::Answer
        }
        "chuyen_lanh_dao" | "dong" if user.role == Role::SoNoiVu => {
            if f.hanh_dong == "dong" {
                ThreadAction::Close
            } else {
                ThreadAction::Escalate
            }
        }
        "chuyen_lanh_dao" | "dong" => return Err(AppError::Forbidden),
        _ => return Err(AppError::refused("Thao tác không hợp lệ.")),
    };
    let (actor, role) = (user.actor.clone(), user.role.code());
    state
        .db(move |s| Ok(s.reply_thread(&actor, role, id, action, &f.noi_dung)?))
        .await?;
    Ok(Redirect::to(&format!("/kien-nghi/{id}?tb=da_phan_hoi")).into_response())
}

fn require_answerer(user: &crate::auth::User) -> Result<(), AppError> {
    use crate::auth::Roles;
    if ThreadAnswerers::ROLES.contains(&user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
