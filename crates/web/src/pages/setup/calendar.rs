//! The calendar: a year's days off and make-up working days, loaded from a CSV file or
//! deleted one by one.

use super::{file_and_action, FlashQuery};
use crate::auth::{Require, SetupKeepers};
use crate::pages::{page, Chrome};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use thidua_domain::calendar;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/lich", get(calendar_page).post(calendar_upload))
        .route("/quan-tri/lich/xoa", post(calendar_delete))
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    year: i32,
    table: String,
    days: Vec<(String, String)>,
    error: Option<String>,
    /// The years the calendar holds days of, for links.
    years: Vec<i32>,
    /// The shown year has no day off: its working days count weekends only.
    no_holidays: bool,
}

/// The year the page opens on: this year when the calendar holds its days, else the
/// latest year before it that it holds, else the first after it, else this year.
fn default_year(years: &[i32], this_year: i32) -> i32 {
    if years.contains(&this_year) {
        return this_year;
    }
    years
        .iter()
        .rev()
        .find(|y| **y < this_year)
        .or(years.first())
        .copied()
        .unwrap_or(this_year)
}

async fn calendar_view(
    state: &AppState,
    user: &crate::auth::User,
    year: Option<i32>,
    flash: Option<&str>,
    error: Option<String>,
) -> Result<CalendarPage, AppError> {
    let days = state.db(|s| Ok(s.calendar_days()?)).await?;
    let mut years: Vec<i32> = days.iter().map(|d| d.date.ymd().0).collect();
    years.dedup();
    let this_year = thidua_domain::time::DateTime::now_local().date().ymd().0;
    let year = year.unwrap_or_else(|| default_year(&years, this_year));
    let no_holidays = !days
        .iter()
        .any(|d| d.date.ymd().0 == year && d.kind == calendar::DayKind::Nghi);
    let mut t = Table::new(
        format!("Ngày nghỉ và ngày làm bù năm {year}"),
        &["Ngày", "Loại", "Ghi chú"],
    );
    for d in days.iter().filter(|d| d.date.ymd().0 == year) {
        t.rows.push(vec![
            Cell::text(d.date.vi()),
            Cell::text(if d.kind == calendar::DayKind::Nghi {
                "Nghỉ"
            } else {
                "Làm bù"
            }),
            Cell::text(&d.note),
        ]);
    }
    let listed = days
        .iter()
        .filter(|d| d.date.ymd().0 == year)
        .map(|d| (d.date.iso(), d.date.vi()))
        .collect();
    Ok(CalendarPage {
        c: Chrome::new(user, "/quan-tri/lich").with_flash(flash),
        year,
        table: t.html(),
        days: listed,
        error,
        years,
        no_holidays,
    })
}

async fn calendar_page(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    page(&calendar_view(&state, &user, q.nam, q.tb.as_deref(), None).await?)
}

async fn calendar_upload(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let (text, _) = file_and_action(mp).await?;
    let days = match calendar::parse_csv(&text) {
        Ok(d) => d,
        Err(e) => {
            let msg = e.message().vi;
            let body = page(&calendar_view(&state, &user, None, None, Some(msg)).await?)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let actor = user.actor.clone();
    state
        .db(move |s| Ok(s.put_calendar_audited(&actor, &days)?))
        .await?;
    Ok(Redirect::to("/quan-tri/lich?tb=da_nhap_lich").into_response())
}

#[derive(Deserialize)]
struct DeleteDay {
    ngay: String,
}

async fn calendar_delete(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Form(f): Form<DeleteDay>,
) -> Result<Response, AppError> {
    let day = thidua_domain::time::Date::parse_iso(&f.ngay)
        .ok_or_else(|| AppError::refused("Ngày không hợp lệ."))?;
    let actor = user.actor.clone();
    state.db(move |s| Ok(s.delete_calendar_day(&actor, day)?)).await?;
    Ok(Redirect::to(&format!("/quan-tri/lich?nam={}&tb=da_xoa_ngay_lich", day.ymd().0)).into_response())
}

#[cfg(test)]
mod tests {
    use super::default_year;

    #[test]
    fn the_page_opens_on_a_year_the_calendar_holds() {
        assert_eq!(default_year(&[2023, 2024, 2025], 2024), 2024);
        assert_eq!(default_year(&[2023, 2024, 2025], 2026), 2025);
        assert_eq!(default_year(&[2027, 2028], 2026), 2027);
        assert_eq!(default_year(&[], 2026), 2026);
    }
}
