//! The award decision (seed section V): the office records the decision the Chairman
//! signed — number, date, signer — holding every approval not yet decided, then publishes
//! it on the honour board; officials read the decisions and download their papers.

use crate::auth::{Officials, Require, SoNoiVu, User};
use crate::pages::{page, Chrome};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use thidua_app::award;
use thidua_domain::nomination::NominationState;
use thidua_domain::time::DateTime;
use thidua_store::decisions::DecisionRecord;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/quyet-dinh", get(list).post(record))
        .route("/quyet-dinh/{id}/cong-bo", post(publish))
}

pub struct DecisionRow {
    pub id: i64,
    pub number: String,
    pub date: String,
    pub signer: String,
    pub people: usize,
    pub published: bool,
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct DecisionsPage {
    c: Chrome,
    plan_title: String,
    plan_code: String,
    /// Approved nominations no decision holds yet.
    pending: usize,
    decisions: Vec<DecisionRow>,
    can_record: bool,
    signer: String,
    signer_title: String,
    /// A refused form: its name (`ghi` or the decision id), the reason, what was typed.
    problem: Option<(String, String)>,
    typed: Vec<(&'static str, String)>,
}

impl DecisionsPage {
    fn typed<'a>(&'a self, field: &str, or: &'a str) -> &'a str {
        self.typed
            .iter()
            .find(|(k, _)| *k == field)
            .map_or(or, |(_, v)| v.as_str())
    }
    fn problem_at(&self, form: &str) -> Option<&str> {
        self.problem
            .as_ref()
            .filter(|(f, _)| f == form)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Deserialize)]
struct ListQuery {
    nam: Option<i32>,
    ke_hoach: Option<String>,
    tb: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Require(user, ..): Require<Officials>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let flash = match q.tb.as_deref() {
        Some("da_ghi") => Some("Đã ghi quyết định khen thưởng.".to_string()),
        Some("da_cong_bo") => Some("Đã công bố quyết định trên bảng vàng.".to_string()),
        _ => None,
    };
    render(&state, &user, q.nam, q.ke_hoach, flash, None, Vec::new()).await
}

async fn render(
    state: &AppState,
    user: &User,
    year: Option<i32>,
    plan_code: Option<String>,
    notice: Option<String>,
    problem: Option<(String, String)>,
    typed: Vec<(&'static str, String)>,
) -> Result<Response, AppError> {
    let plan = match plan_code {
        Some(code) => state.plan(Some(code)).await?,
        None => state.snapshot(year).await?.plan.clone(),
    };
    let p2 = plan.clone();
    let (records, noms, signer) = state
        .db(move |s| {
            let signer = award::decision_signer(s, &p2).ok();
            Ok((
                s.decision_records(&p2.code)?,
                s.nominations(&p2.code, None)?,
                signer,
            ))
        })
        .await?;
    let pending = noms
        .iter()
        .filter(|n| n.state == NominationState::DaPheDuyet && n.decision_id.is_none())
        .count();
    let status = if problem.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let body = page(&DecisionsPage {
        c: Chrome::new(user, "/de-nghi").with_notice(notice),
        plan_title: plan.title.clone(),
        plan_code: plan.code.clone(),
        pending,
        decisions: records
            .iter()
            .map(|d| DecisionRow {
                id: d.id,
                number: d.number.clone(),
                date: d.date.vi(),
                signer: d.signer.clone(),
                people: d.nominations.len(),
                published: d.published(),
            })
            .collect(),
        can_record: user.role == crate::auth::Role::SoNoiVu,
        signer: signer.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        signer_title: signer.as_ref().map(|s| s.title()).unwrap_or_default(),
        problem,
        typed,
    })?;
    Ok((status, body).into_response())
}

#[derive(Deserialize)]
struct RecordForm {
    ke_hoach: String,
    so_quyet_dinh: String,
    ngay_quyet_dinh: String,
    #[serde(default)]
    nguoi_ky: String,
    #[serde(default)]
    chuc_vu_ky: String,
}

async fn record(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Form(f): Form<RecordForm>,
) -> Result<Response, AppError> {
    let plan = state.plan(Some(f.ke_hoach.clone())).await?;
    let signer = (f.nguoi_ky.clone(), f.chuc_vu_ky.clone());
    let done = record_decision(&state, &user, &plan, &f.so_quyet_dinh, &f.ngay_quyet_dinh, signer).await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/quyet-dinh?ke_hoach={}&tb=da_ghi", plan.code)).into_response()),
        Err(AppError::Refused(m)) => {
            let typed = vec![
                ("so_quyet_dinh", f.so_quyet_dinh),
                ("ngay_quyet_dinh", f.ngay_quyet_dinh),
                ("nguoi_ky", f.nguoi_ky),
                ("chuc_vu_ky", f.chuc_vu_ky),
            ];
            let problem = Some(("ghi".to_string(), thidua_app::fmt::sentence(&m.vi)));
            render(&state, &user, None, Some(plan.code), None, problem, typed).await
        }
        Err(e) => Err(e),
    }
}

async fn publish(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let record = state
        .db(move |s| Ok(s.decision_record(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let done = publish_decision(&state, &user, id).await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!(
            "/quyet-dinh?ke_hoach={}&tb=da_cong_bo",
            record.plan_code
        ))
        .into_response()),
        Err(AppError::Refused(m)) => {
            let problem = Some((id.to_string(), thidua_app::fmt::sentence(&m.vi)));
            render(
                &state,
                &user,
                None,
                Some(record.plan_code),
                None,
                problem,
                Vec::new(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Records the decision the Chairman signed (the form's and the API's one way): every
/// approval of `plan` not yet decided; a blank signer is the settings' or the plan's.
pub(crate) async fn record_decision(
    state: &AppState,
    user: &User,
    plan: &thidua_domain::plan::Plan,
    number: &str,
    date: &str,
    signer: (String, String),
) -> Result<DecisionRecord, AppError> {
    let (actor, plan, number, date) = (
        user.actor.clone(),
        plan.clone(),
        number.to_string(),
        date.to_string(),
    );
    state
        .db(move |s| {
            let today = DateTime::now_local().date();
            Ok(award::record_decision(
                s,
                &plan,
                &actor,
                &number,
                &date,
                Some((&signer.0, &signer.1)),
                today,
            )?)
        })
        .await
}

/// Publishes a recorded decision with its awardees' results as the evaluation of its plan
/// gives them now.
pub(crate) async fn publish_decision(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<DecisionRecord, AppError> {
    let record = state
        .db(move |s| Ok(s.decision_record(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let snap = state.snapshot_of(&record.plan_code).await?;
    let actor = user.actor.clone();
    state
        .db(move |s| {
            Ok(award::publish_decision(
                s,
                &snap.plan,
                &snap.eval.heads,
                &actor,
                id,
            )?)
        })
        .await
}
