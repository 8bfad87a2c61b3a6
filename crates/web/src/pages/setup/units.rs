//! Units and heads edited on screen, each edit a one-row import (see the parent module).

use super::FlashQuery;
use crate::auth::{Require, SetupKeepers};
use crate::pages::{page, Chrome};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;
use thidua_ingest::ImportKind;
use thidua_store::import::ImportOptions;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/don-vi", get(units).post(unit_save))
        .route("/quan-tri/don-vi/{code}", get(unit_edit))
        .route("/quan-tri/nguoi-dung-dau", post(head_save))
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    c: Chrome,
    table: String,
    tiers: Vec<(String, String)>,
    errors: Vec<String>,
    /// The user may import files (the movement office; the administrator may not).
    can_import: bool,
}

async fn units_page(
    state: &AppState,
    user: &crate::auth::User,
    flash: Option<&str>,
    errors: Vec<String>,
) -> Result<UnitsPage, AppError> {
    let (units, plans) = state.db(|s| Ok((s.units()?, s.plans()?))).await?;
    let tiers = plan_tiers(&plans);
    // Names where people read them: the tier's name, the parent's name (codes link).
    let tier_name = |code: &str| {
        tiers
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, n)| n.clone())
    };
    let unit_name = |code: &str| {
        units
            .iter()
            .find(|u| u.info.code == code)
            .map_or_else(|| code.to_string(), |u| u.info.name.clone())
    };
    let mut t = Table::new("Cơ quan, đơn vị, địa phương", &["Mã", "Tên", "Cấp", "Đơn vị cha"]);
    for u in &units {
        t.rows.push(vec![
            Cell::Link(u.info.code.clone(), format!("/quan-tri/don-vi/{}", u.info.code)),
            Cell::text(&u.info.name),
            Cell::text(tier_name(&u.info.tier)),
            Cell::text(u.parent.as_deref().map(unit_name).unwrap_or_default()),
        ]);
    }
    Ok(UnitsPage {
        can_import: user.role == crate::auth::Role::SoNoiVu,
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
        return Ok(Redirect::to(&format!(
            "/quan-tri/don-vi/{}?tb=da_luu_don_vi",
            f.ma_don_vi.trim()
        ))
        .into_response());
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
    let tiers = plan_tiers(&plans);
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
        return Ok(
            Redirect::to(&format!("/quan-tri/don-vi/{code}?tb=da_luu_nguoi_dung_dau")).into_response(),
        );
    }
    let body = page(&unit_edit_page(&state, &user, code, None, errors).await?)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

/// Every stored plan's tiers, (code, name), once each by code.
fn plan_tiers(plans: &[thidua_domain::plan::Plan]) -> Vec<(String, String)> {
    let mut tiers: Vec<(String, String)> = plans
        .iter()
        .flat_map(|p| p.tiers.iter().map(|t| (t.code.clone(), t.name.clone())))
        .collect();
    tiers.sort();
    tiers.dedup_by(|a, b| a.0 == b.0);
    tiers
}
