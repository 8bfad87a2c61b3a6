//! Plans: the list of loaded plans, and an uploaded plan file checked with its line numbers
//! or loaded.

use super::{file_and_action, FlashQuery};
use crate::auth::{Require, SetupKeepers};
use crate::pages::{page, Chrome};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use thidua_domain::plan::Plan;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/quan-tri/ke-hoach", get(plans).post(plan_upload))
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    c: Chrome,
    table: String,
    errors: Vec<String>,
    checked: Option<String>,
}

async fn plans_page(
    state: &AppState,
    user: &crate::auth::User,
    flash: Option<&str>,
    errors: Vec<String>,
    checked: Option<String>,
) -> Result<PlansPage, AppError> {
    let plans = state.db(|s| Ok(s.plans()?)).await?;
    let mut t = Table::new(
        "Kế hoạch trong hệ thống",
        &[
            "Mã",
            "Tên kế hoạch",
            "Từ ngày",
            "Đến ngày",
            "Số chỉ tiêu",
            "Suất khen thưởng",
        ],
    );
    for p in &plans {
        t.rows.push(vec![
            Cell::text(&p.code),
            Cell::text(&p.title),
            Cell::text(p.period_from.vi()),
            Cell::text(p.period_to.vi()),
            Cell::int(p.indicators.len() as i64),
            Cell::int(p.award.quota as i64),
        ]);
    }
    Ok(PlansPage {
        c: Chrome::new(user, "/quan-tri/ke-hoach").with_flash(flash),
        table: t.html(),
        errors,
        checked,
    })
}

async fn plans(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    page(&plans_page(&state, &user, q.tb.as_deref(), Vec::new(), None).await?)
}

async fn plan_upload(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let (source, action) = file_and_action(mp).await?;
    let plan = match Plan::from_toml(&source) {
        Ok(p) => p,
        Err(errs) => {
            let body = page(
                &plans_page(
                    &state,
                    &user,
                    None,
                    errs.iter().map(|e| e.to_string()).collect(),
                    None,
                )
                .await?,
            )?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    if action != "nap" {
        let note = format!(
            "Kế hoạch «{}» ({}) hợp lệ: {} chỉ tiêu, {} cấp, từ {} đến {}.",
            plan.title,
            plan.code,
            plan.indicators.len(),
            plan.tiers.len(),
            plan.period_from.vi(),
            plan.period_to.vi()
        );
        return page(&plans_page(&state, &user, None, Vec::new(), Some(note)).await?);
    }
    let actor = user.actor.clone();
    match state
        .db(move |s| Ok(s.put_plan_audited(&actor, &plan, &source)?))
        .await
    {
        Ok(()) => Ok(Redirect::to("/quan-tri/ke-hoach?tb=da_nap_ke_hoach").into_response()),
        Err(AppError::Refused(m)) => {
            let body = page(&plans_page(&state, &user, None, vec![m.vi], None).await?)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e),
    }
}
