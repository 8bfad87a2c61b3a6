//! The administrator's setup (PRODUCT.md: units, plans, calendar): plans checked with
//! their line numbers and loaded; the calendar of days off and make-up working days; units
//! and heads edited on screen. An edit on screen is a one-row import through the same
//! validation as a file (tiers, parents, overlapping terms), in one transaction, audited.

use super::{page, Chrome};
use crate::auth::{Require, SetupKeepers};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;
use thidua_domain::calendar;
use thidua_domain::plan::Plan;
use thidua_ingest::ImportKind;
use thidua_store::import::ImportOptions;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/ke-hoach", get(plans).post(plan_upload))
        .route("/quan-tri/lich", get(calendar_page).post(calendar_upload))
        .route("/quan-tri/lich/xoa", post(calendar_delete))
        .route("/quan-tri/don-vi", get(units).post(unit_save))
        .route("/quan-tri/don-vi/{code}", get(unit_edit))
        .route("/quan-tri/nguoi-dung-dau", post(head_save))
}

#[derive(Deserialize)]
struct FlashQuery {
    tb: Option<String>,
    nam: Option<i32>,
}

// --- plans --------------------------------------------------------------------------

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

/// Reads the uploaded file and the chosen action (`kiem_tra` or `nap`).
async fn file_and_action(mut mp: Multipart) -> Result<(String, String), AppError> {
    let (mut text, mut action) = (String::new(), String::new());
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::refused(format!("Không đọc được biểu mẫu ({}).", e.body_text())))?
    {
        match field.name().unwrap_or("") {
            "tep" => {
                let bytes = crate::upload::read_limited(&mut field, 2 * 1024 * 1024)
                    .await?
                    .ok_or_else(|| AppError::TooLarge("Tệp vượt quá 2 MB.".into()))?;
                text = String::from_utf8(bytes)
                    .map_err(|_| AppError::refused("Tệp không phải văn bản UTF-8."))?;
            }
            "hanh_dong" => action = crate::upload::small_text(field).await?,
            _ => {}
        }
    }
    Ok((text, action))
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
        Ok(()) => Ok(Redirect::to("/quan-tri/ke-hoach?tb=da_cap_nhat").into_response()),
        Err(AppError::Refused(m)) => {
            let body = page(&plans_page(&state, &user, None, vec![m.vi], None).await?)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e),
    }
}

// --- calendar -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    year: i32,
    table: String,
    days: Vec<(String, String)>,
    error: Option<String>,
}

async fn calendar_view(
    state: &AppState,
    user: &crate::auth::User,
    year: Option<i32>,
    flash: Option<&str>,
    error: Option<String>,
) -> Result<CalendarPage, AppError> {
    let year = year.unwrap_or_else(|| thidua_domain::time::DateTime::now_local().date().ymd().0);
    let days = state.db(|s| Ok(s.calendar_days()?)).await?;
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
    Ok(Redirect::to("/quan-tri/lich?tb=da_cap_nhat").into_response())
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
    Ok(Redirect::to(&format!("/quan-tri/lich?nam={}&tb=da_cap_nhat", day.ymd().0)).into_response())
}

// --- units and heads ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    c: Chrome,
    table: String,
    tiers: Vec<(String, String)>,
    errors: Vec<String>,
}

async fn units_page(
    state: &AppState,
    user: &crate::auth::User,
    flash: Option<&str>,
    errors: Vec<String>,
) -> Result<UnitsPage, AppError> {
    let (units, plans) = state.db(|s| Ok((s.units()?, s.plans()?))).await?;
    let mut t = Table::new("Cơ quan, đơn vị, địa phương", &["Mã", "Tên", "Cấp", "Đơn vị cha"]);
    for u in &units {
        t.rows.push(vec![
            Cell::Link(u.info.code.clone(), format!("/quan-tri/don-vi/{}", u.info.code)),
            Cell::text(&u.info.name),
            Cell::text(&u.info.tier),
            Cell::text(u.parent.clone().unwrap_or_default()),
        ]);
    }
    let mut tiers: Vec<(String, String)> = plans
        .iter()
        .flat_map(|p| p.tiers.iter().map(|t| (t.code.clone(), t.name.clone())))
        .collect();
    tiers.sort();
    tiers.dedup_by(|a, b| a.0 == b.0);
    Ok(UnitsPage {
        c: Chrome::new(user, "/quan-tri/don-vi").with_flash(flash),
        table: t.html(),
        tiers,
        errors,
    })
}

async fn units(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    page(&units_page(&state, &user, q.tb.as_deref(), Vec::new()).await?)
}

fn csv_cell(s: &str) -> String {
    format!("\"{}\"", s.trim().replace('"', "\"\""))
}

/// Writes one row through the import service; the errors of a refused row, if any. The
/// audit record carries the row and what stood before.
async fn one_row(
    state: &AppState,
    user: &crate::auth::User,
    kind: ImportKind,
    header: &str,
    row: Vec<String>,
    before: serde_json::Value,
) -> Result<Vec<String>, AppError> {
    let csv = format!("{header}\n{}\n", row.join(","));
    let after: serde_json::Map<String, serde_json::Value> = header
        .split(',')
        .zip(&row)
        .map(|(k, v)| (k.to_string(), json!(v.trim_matches('"'))))
        .collect();
    let opts = ImportOptions {
        file_name: "(trên màn hình)".into(),
        by: user.username.clone(),
        audit: Some(user.actor.clone()),
        audit_detail: Some(json!({"before": before, "after": after})),
        ..Default::default()
    };
    let report = state
        .db(move |s| {
            Ok(s.import(
                kind,
                std::io::Cursor::new(csv.into_bytes()),
                &opts,
                &mut |_| {},
                &|_| {},
            )?)
        })
        .await?;
    Ok(report
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.column, e.vi))
        .collect())
}

#[derive(Deserialize)]
struct UnitForm {
    ma_don_vi: String,
    ten_don_vi: String,
    cap: String,
    #[serde(default)]
    ma_don_vi_cha: String,
}

async fn unit_save(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Form(f): Form<UnitForm>,
) -> Result<Response, AppError> {
    let row = vec![
        csv_cell(&f.ma_don_vi),
        csv_cell(&f.ten_don_vi),
        csv_cell(&f.cap),
        csv_cell(&f.ma_don_vi_cha),
    ];
    let code = f.ma_don_vi.trim().to_string();
    let before = state
        .db(move |s| {
            Ok(s.unit(&code)?
                .map(|u| json!({"ten_don_vi": u.info.name, "cap": u.info.tier, "ma_don_vi_cha": u.parent}))
                .unwrap_or(serde_json::Value::Null))
        })
        .await?;
    let errors = one_row(
        &state,
        &user,
        ImportKind::Units,
        "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha",
        row,
        before,
    )
    .await?;
    if errors.is_empty() {
        return Ok(
            Redirect::to(&format!("/quan-tri/don-vi/{}?tb=da_cap_nhat", f.ma_don_vi.trim())).into_response(),
        );
    }
    let body = page(&units_page(&state, &user, None, errors).await?)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

#[derive(Template)]
#[template(path = "unit_edit.html")]
struct UnitEditPage {
    c: Chrome,
    unit: thidua_store::read::UnitRecord,
    tiers: Vec<(String, String, bool)>,
    heads: Vec<(String, String, String, String)>,
    errors: Vec<String>,
}

async fn unit_edit_page(
    state: &AppState,
    user: &crate::auth::User,
    code: String,
    flash: Option<&str>,
    errors: Vec<String>,
) -> Result<UnitEditPage, AppError> {
    let c2 = code.clone();
    let (unit, heads, plans) = state
        .db(move |s| Ok((s.unit(&c2)?, s.heads()?, s.plans()?)))
        .await?;
    let unit = unit.ok_or(AppError::NotFound)?;
    let mut tiers: Vec<(String, String)> = plans
        .iter()
        .flat_map(|p| p.tiers.iter().map(|t| (t.code.clone(), t.name.clone())))
        .collect();
    tiers.sort();
    tiers.dedup_by(|a, b| a.0 == b.0);
    Ok(UnitEditPage {
        c: Chrome::new(user, "/quan-tri/don-vi").with_flash(flash),
        tiers: tiers
            .into_iter()
            .map(|(c, n)| (c.clone(), n, c == unit.info.tier))
            .collect(),
        heads: heads
            .into_iter()
            .filter(|h| h.unit == code)
            .map(|h| {
                (
                    h.name,
                    h.title,
                    h.from.vi(),
                    h.to.map(|t| t.vi()).unwrap_or_default(),
                )
            })
            .collect(),
        unit,
        errors,
    })
}

async fn unit_edit(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Path(code): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    page(&unit_edit_page(&state, &user, code, q.tb.as_deref(), Vec::new()).await?)
}

#[derive(Deserialize)]
struct HeadForm {
    ma_don_vi: String,
    ho_ten: String,
    chuc_vu: String,
    tu_ngay: String,
    #[serde(default)]
    den_ngay: String,
}

/// Adds a head's term, or changes one (same unit and start date), e.g. to close it.
async fn head_save(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Form(f): Form<HeadForm>,
) -> Result<Response, AppError> {
    let row = vec![
        csv_cell(&f.ma_don_vi),
        csv_cell(&f.ho_ten),
        csv_cell(&f.chuc_vu),
        csv_cell(&f.tu_ngay),
        csv_cell(&f.den_ngay),
    ];
    let code = f.ma_don_vi.trim().to_string();
    let c2 = code.clone();
    let before = state
        .db(move |s| {
            let terms: Vec<serde_json::Value> = s
                .heads()?
                .into_iter()
                .filter(|h| h.unit == c2)
                .map(
                    |h| json!({"ho_ten": h.name, "tu_ngay": h.from.iso(), "den_ngay": h.to.map(|t| t.iso())}),
                )
                .collect();
            Ok(serde_json::Value::Array(terms))
        })
        .await?;
    let errors = one_row(
        &state,
        &user,
        ImportKind::Heads,
        "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay",
        row,
        before,
    )
    .await?;
    if errors.is_empty() {
        return Ok(Redirect::to(&format!("/quan-tri/don-vi/{code}?tb=da_cap_nhat")).into_response());
    }
    let body = page(&unit_edit_page(&state, &user, code, None, errors).await?)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}
