//! The JSON API of FORMATS.md (stable): sessions, a unit's evaluation, the ranking, and
//! dossier pushes from the one-stop-shop system. `openapi.json` describes all of it.

use crate::auth::{self, Officials, Require, SignedIn, SoNoiVu};
use crate::error::RequestCtx;
use crate::{AppError, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::Write;
use thidua_ingest::{ImportKind, ImportReport};
use thidua_store::import::ImportOptions;

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", post(create_session).delete(delete_session))
        .route("/api/v1/units/{code}/evaluation", get(unit_evaluation))
        .route(
            "/api/v1/units/{code}/reopenings",
            get(unit_reopenings).post(reopen_period),
        )
        .route("/api/v1/ranking", get(ranking))
        .route("/api/v1/agenda", get(agenda))
        .route(
            "/api/v1/dossiers",
            post(push_dossiers).layer(axum::extract::DefaultBodyLimit::max(
                cfg.max_import + crate::SMALL_BODY,
            )),
        )
        .route("/api/v1/openapi.json", get(openapi))
}

pub const OPENAPI: &str = include_str!("../openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn create_session(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Json(c): Json<Credentials>,
) -> Result<Response, AppError> {
    let token = auth::sign_in(&state, &ctx, &c.username, &c.password).await?;
    let hash = thidua_app::credentials::token_hash(&token);
    let ttl = state.config().session_ttl;
    let (user, csrf) = state
        .db(move |s| Ok(s.session(&hash, ttl)?))
        .await?
        .ok_or(AppError::NotSignedIn)?;
    let body = json!({"ten_dang_nhap": user.username, "vai_tro": user.role, "ma_don_vi": user.unit_code, "csrf": csrf});
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&state, Some(&token)))],
        Json(body),
    )
        .into_response())
}

async fn delete_session(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<Response, AppError> {
    if let Some(hash) = user.session_hash.clone() {
        let actor = user.actor.clone();
        state
            .db(move |s| Ok(s.delete_session(&hash, Some(&actor))?))
            .await?;
        state.flush_account_events_soon();
    }
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&state, None))],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i32>,
}

async fn unit_evaluation(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let c2 = code.clone();
    let unit = state
        .db(move |s| Ok(s.unit(&c2)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_unit(unit.id)?;
    let snap = state.snapshot(q.year).await?;
    let heads: Vec<_> = snap
        .eval
        .heads
        .iter()
        .filter(|h| h.unit.code == code)
        .cloned()
        .collect();
    Ok(Json(thidua_app::contract::rows(&snap.plan, &heads)).into_response())
}

async fn unit_reopenings(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let c2 = code.clone();
    let unit = state
        .db(move |s| Ok(s.unit(&c2)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_unit(unit.id)?;
    let rows = state.db(move |s| Ok(s.reopenings(Some(unit.id))?)).await?;
    let body: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({"ky": r.period, "den_ngay": r.until.iso(), "ly_do": r.reason, "nguoi_mo": r.created_by,
                   "thoi_diem": thidua_domain::time::DateTime(r.created_at).iso()})
        })
        .collect();
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
struct Reopen {
    ky: String,
    den_ngay: String,
    ly_do: String,
}

/// The office reopens one of a unit's periods after its deadline (the web's form, as JSON).
async fn reopen_period(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(code): Path<String>,
    Json(r): Json<Reopen>,
) -> Result<Response, AppError> {
    let period = thidua_domain::entry::Period::parse(&r.ky).ok_or_else(|| {
        AppError::refused(format!(
            "kỳ «{}» không hợp lệ (ví dụ 2023, 2023-Q2, 2023-05)",
            r.ky
        ))
    })?;
    let until = thidua_domain::time::Date::parse_iso(&r.den_ngay)
        .ok_or_else(|| AppError::refused("den_ngay: cần ngày dạng YYYY-MM-DD"))?;
    let actor = user.actor.clone();
    let id = state
        .db(move |s| Ok(s.reopen_period(&actor, &code, period, until, &r.ly_do)?))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "ky": period.code(), "den_ngay": until.iso()})),
    )
        .into_response())
}

/// What awaits the caller, as their home page lists it: the tasks at their step (with the
/// page that holds them) and the deadlines of the coming days.
async fn agenda(State(state): State<AppState>, SignedIn(user): SignedIn) -> Result<Response, AppError> {
    use thidua_app::agenda;
    let today = thidua_domain::time::DateTime::now_local().date();
    let role = user.role;
    let (due, _) = crate::pages::coming_deadlines(&state, role, today).await?;
    // a session's user came with their tasks; a token's are read here
    let tasks = if user.csrf.is_some() {
        user.tasks.clone()
    } else {
        let unit = user.unit.as_ref().map(|u| (u.0, u.1.clone()));
        state
            .db(move |s| {
                Ok(agenda::tasks(
                    s,
                    role,
                    unit.as_ref().map(|(id, code)| (*id, code.as_str())),
                )?)
            })
            .await?
    };
    Ok(Json(json!({
        "viec_cho": tasks.iter().map(|t| json!({"noi_dung": t.label, "so_luong": t.count, "duong_dan": t.href})).collect::<Vec<_>>(),
        "han_sap_toi": due.iter().map(|d| json!({"ngay": d.date.iso(), "noi_dung": d.label, "duong_dan": d.href})).collect::<Vec<_>>(),
        "trong_so_ngay": agenda::DUE_WITHIN_DAYS,
    }))
    .into_response())
}

async fn ranking(
    State(state): State<AppState>,
    Require(_user, ..): Require<Officials>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let snap = state.snapshot(q.year).await?;
    // The same for every caller of this snapshot: serialised once.
    let body = state.fragment(format!("{}|api-ranking", snap.id), || {
        let mut eligible: Vec<_> = snap
            .eval
            .heads
            .iter()
            .filter(|h| h.rank.is_some())
            .cloned()
            .collect();
        eligible.sort_by_key(|h| h.rank);
        let rows: Vec<_> = thidua_app::contract::rows(&snap.plan, &eligible)
            .into_iter()
            .filter(|r| r.get("ma_chi_tieu") == Some(&json!("_tong_hop")))
            .collect();
        serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
    });
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

#[derive(Deserialize)]
struct PushQuery {
    accept_valid: Option<bool>,
}

pub fn report_json(r: &ImportReport) -> Value {
    json!({
        "da_ghi": r.committed,
        "so_dong_doc": r.rows_read,
        "so_dong_hop_le": r.rows_ok,
        "so_dong_loi": r.rows_bad,
        "ho_so_tthc_ngoai_danh_muc": r.unknown_procedures,
        "cot_khong_dung": r.unknown_columns,
        "loi": r.errors.iter().map(|e| json!({"dong": e.row, "cot": e.column, "gia_tri": e.value, "ly_do": e.vi, "reason": e.en})).collect::<Vec<_>>(),
        "so_loi_khong_liet_ke": r.errors_not_kept,
    })
}

const DOSSIER_KEYS: [&str; 8] = [
    "ma_ho_so",
    "ma_don_vi",
    "ma_tthc",
    "ngay_tiep_nhan",
    "han_xu_ly",
    "ngay_ket_qua",
    "kenh_nop",
    "trang_thai",
];

/// A JSON array of dossier objects as a CSV file with the canonical headers.
fn json_to_csv(body: &[u8]) -> Result<Vec<u8>, AppError> {
    let rows: Vec<serde_json::Map<String, Value>> = serde_json::from_slice(body).map_err(|e| {
        AppError::refused(format!(
            "Nội dung JSON không hợp lệ: cần một mảng các hồ sơ ({e})."
        ))
    })?;
    let mut out = Vec::new();
    writeln!(out, "{}", DOSSIER_KEYS.join(",")).expect("write to memory");
    for r in &rows {
        let cells: Vec<String> = DOSSIER_KEYS
            .iter()
            .map(|k| {
                let v = match r.get(*k) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                };
                format!("\"{}\"", v.replace('"', "\"\""))
            })
            .collect();
        writeln!(out, "{}", cells.join(",")).expect("write to memory");
    }
    Ok(out)
}

/// `POST /api/v1/dossiers`: CSV, XLSX or a JSON array; validated whole and written in one
/// transaction, as `thidua import dossiers`.
async fn push_dossiers(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    headers: HeaderMap,
    Query(q): Query<PushQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bytes = if ct.starts_with("application/json") {
        json_to_csv(&body)?
    } else {
        body.to_vec()
    };
    let dir = state.config().data_dir.join("uploads");
    let opts = ImportOptions {
        accept_valid: q.accept_valid.unwrap_or(false),
        file_name: "api".into(),
        by: user.username.clone(),
        audit: Some(user.actor.clone()),
        ..Default::default()
    };
    let report = state
        .db(move |s| {
            let mut tmp = tempfile::NamedTempFile::new_in(&dir)
                .map_err(|e| AppError::internal(format!("temp file: {e}")))?;
            tmp.write_all(&bytes)
                .map_err(|e| AppError::internal(format!("temp file: {e}")))?;
            let mut file = tmp
                .reopen()
                .map_err(|e| AppError::internal(format!("temp file: {e}")))?;
            Ok(s.import_file(ImportKind::Dossiers, &mut file, &opts, &mut |_| {}, &|_| {})?)
        })
        .await?;
    let status = if report.committed {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report_json(&report))).into_response())
}
