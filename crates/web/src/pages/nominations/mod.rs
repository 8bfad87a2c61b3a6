//! Nominations (seed sections III–V): the unit prepares its head's dossier beside the
//! head's evaluation and submits it; the office returns or forwards it; the Board
//! appraises; the leaders approve or reject within the quota; the office records the
//! decision and publishes it. Each role's queue is what waits on it.
//!
//! Each submodule owns its routes, so its handlers and forms stay private to it; what they
//! share (loading a nomination the user may see, a state's colour) lives here.

mod decisions;
mod detail;
mod documents;
mod list;
mod steps;

pub(crate) use decisions::{publish_decision, record_decision};
pub(crate) use documents::{add_document, make_doc, read_document_form, readable_unit, remove_document_of};
pub(crate) use list::open_nomination;
pub(crate) use steps::take_step;

use crate::auth::User;
use crate::{AppError, AppState};
use axum::Router;
use thidua_domain::nomination::NominationState;
use thidua_store::nominations::Nomination;

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    Router::new()
        .merge(list::routes())
        .merge(decisions::routes())
        .merge(detail::routes())
        .merge(documents::routes(cfg))
        .merge(steps::routes())
}

fn state_class(s: NominationState) -> &'static str {
    match s {
        NominationState::Nhap => "st-kps",
        NominationState::TraLai | NominationState::KhongPheDuyet => "st-khong-dat",
        NominationState::DaPheDuyet => "st-dat",
        _ => "st-cho",
    }
}

pub(crate) async fn load(state: &AppState, user: &User, id: i64) -> Result<Nomination, AppError> {
    let n = state
        .db(move |s| Ok(s.nomination(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_unit(n.unit_id)?;
    Ok(n)
}
