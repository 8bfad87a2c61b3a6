//! The award over the JSON API (FORMATS.md): nominations, their documents and steps, the
//! decision and its publication, and the generated papers — the same rules as the forms
//! (`pages::nominations`), which these handlers call rather than repeat.

use crate::auth::{Officials, Require, Role, SignedIn, SoNoiVu, User};
use crate::pages::nominations::{
    add_document, load, make_doc, open_nomination, publish_decision, read_document_form, readable_unit,
    record_decision, remove_document_of, take_step,
};
use crate::{AppError, AppState};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use thidua_app::award::{self, DecisionPick, DocKind, PaperInputs};
use thidua_domain::nomination::{BoardVerdict, OfficeVerdict, Step};
use thidua_store::decisions::DecisionRecord;
use thidua_store::nominations::Nomination;

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    Router::new()
        .route("/api/v1/nominations", get(list).post(create))
        .route("/api/v1/nominations/{id}", get(one))
        .route(
            "/api/v1/nominations/{id}/documents",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(
                cfg.max_upload + crate::SMALL_BODY,
            )),
        )
        .route(
            "/api/v1/nominations/{id}/documents/{doc}",
            axum::routing::delete(remove),
        )
        .route("/api/v1/nominations/{id}/actions", post(act))
        .route("/api/v1/decisions", get(decisions).post(record))
        .route("/api/v1/decisions/{id}/publish", post(publish))
        .route("/api/v1/documents/{kind}", get(document))
        .route("/api/v1/awards", get(awards))
}

fn nomination_json(n: &Nomination) -> Value {
    json!({
        "id": n.id, "ke_hoach": n.plan_code, "ma_don_vi": n.unit_code, "ten_don_vi": n.unit_name,
        "nguoi_dung_dau": n.head_name, "chuc_vu": n.head_title, "tu_ngay": n.head_from,
        "trang_thai": n.state.code(), "trang_thai_vi": n.state.vi(),
        "ket_luan_so_noi_vu": n.office_verdict.map(|v| v.code()), "ket_luan_tham_dinh": n.board_verdict.map(|v| v.code()),
        "quyet_dinh": n.decision_id, "so_quyet_dinh": n.decision_no, "ngay_quyet_dinh": n.decision_date,
        "da_cong_bo": n.published,
    })
}

fn decision_json(d: &DecisionRecord) -> Value {
    json!({
        "id": d.id, "ke_hoach": d.plan_code, "so": d.number, "ngay": d.date.iso(), "nguoi_ky": d.signer,
        "chuc_vu_nguoi_ky": d.signer_title, "de_nghi": d.nominations, "da_cong_bo": d.published(),
    })
}

#[derive(Deserialize)]
struct YearQuery {
    nam: Option<i32>,
}

/// The plan's code for a year (the current plan when none).
async fn plan_code(state: &AppState, year: Option<i32>) -> Result<String, AppError> {
    Ok(state.snapshot(year).await?.plan.code.clone())
}

/// The nominations the user may read: all for officials, its own and its communes' for a
/// unit.
async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    if user.role == Role::QuanTri {
        return Err(AppError::Forbidden);
    }
    let code = plan_code(&state, q.nam).await?;
    let unit = if user.reads_all() {
        None
    } else {
        Some(user.unit.as_ref().ok_or(AppError::Forbidden)?.0)
    };
    let noms = state
        .db(move |s| {
            Ok(match unit {
                None => s.nominations(&code, None)?,
                Some(u) => s.nominations_in_scope(&code, u)?,
            })
        })
        .await?;
    Ok(Json(noms.iter().map(nomination_json).collect::<Vec<_>>()).into_response())
}

async fn one(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    Ok(Json(nomination_json(&n)).into_response())
}

#[derive(Deserialize)]
struct Create {
    ma_don_vi: String,
    nam: Option<i32>,
}

/// Opens a nomination of the head in office at the period's end.
async fn create(
    State(state): State<AppState>,
    Require(user, ..): Require<crate::auth::DonVi>,
    Json(c): Json<Create>,
) -> Result<Response, AppError> {
    let code = plan_code(&state, c.nam).await?;
    let id = open_nomination(&state, &user, &code, &c.ma_don_vi, None).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

async fn upload(
    State(state): State<AppState>,
    Require(user, ..): Require<crate::auth::DonVi>,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let (code, file) = read_document_form(&state, mp, "loai").await?;
    add_document(&state, &user, &n, code, file).await?;
    let docs = state.db(move |s| Ok(s.nomination_documents(id)?)).await?;
    let last = docs.iter().max_by_key(|d| d.id).map(|d| d.id);
    Ok((StatusCode::CREATED, Json(json!({"id": last, "de_nghi": id}))).into_response())
}

/// Removes one of the nomination's documents (to replace it: upload the new one, remove
/// the old), under the rule of uploading.
async fn remove(
    State(state): State<AppState>,
    Require(user, ..): Require<crate::auth::DonVi>,
    Path((id, doc)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    remove_document_of(&state, &user, doc, Some(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct Action {
    hanh_dong: String,
    #[serde(default)]
    ket_luan: String,
    #[serde(default)]
    ly_do: String,
}

/// The step an action names, for this user on this nomination: `gui` is the unit's
/// submission or, from the level above, its proposal; `tra_lai` the office's return or the
/// level above's.
fn step_of(user: &User, n: &Nomination, a: Action) -> Result<Step, AppError> {
    let verdict_refused = || {
        AppError::refused(format!(
            "Kết luận «{}» không hợp lệ cho hành động «{}».",
            a.ket_luan, a.hanh_dong
        ))
    };
    let upper = user.check_proposer_of(n.unit_parent.as_deref()).is_ok();
    Ok(match a.hanh_dong.as_str() {
        "gui" if upper => Step::Propose { reason: a.ly_do },
        "gui" => Step::Submit { reason: a.ly_do },
        "tra_lai" if upper => Step::ProposerReturn { reason: a.ly_do },
        "tra_lai" => Step::Return { reason: a.ly_do },
        "chuyen" => Step::Forward {
            verdict: OfficeVerdict::from_code(&a.ket_luan).ok_or_else(verdict_refused)?,
            reason: a.ly_do,
        },
        "tham_dinh" => Step::Appraise {
            verdict: BoardVerdict::from_code(&a.ket_luan).ok_or_else(verdict_refused)?,
            reason: a.ly_do,
        },
        "phe_duyet" => Step::Approve { note: a.ly_do },
        "tu_choi" => Step::Reject { reason: a.ly_do },
        other => {
            return Err(AppError::refused(format!(
                "Hành động «{other}» không có (gui, chuyen, tra_lai, tham_dinh, phe_duyet, tu_choi)."
            )))
        }
    })
}

/// One step: 403 for a role or unit that may not take it, 409 with the reason when the
/// rules refuse it now, else the nomination in its new state.
async fn act(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Json(a): Json<Action>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let step = step_of(&user, &n, a)?;
    match take_step(&state, &user, &n, step).await {
        Ok(()) => {}
        Err(AppError::Refused(m)) => return Err(AppError::Conflict(m)),
        Err(e) => return Err(e),
    }
    let n = load(&state, &user, id).await?;
    Ok(Json(nomination_json(&n)).into_response())
}

async fn decisions(
    State(state): State<AppState>,
    Require(_user, ..): Require<Officials>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let code = plan_code(&state, q.nam).await?;
    let records = state.db(move |s| Ok(s.decision_records(&code)?)).await?;
    Ok(Json(records.iter().map(decision_json).collect::<Vec<_>>()).into_response())
}

#[derive(Deserialize)]
struct Record {
    nam: Option<i32>,
    so: String,
    ngay: String,
    #[serde(default)]
    nguoi_ky: String,
    #[serde(default)]
    chuc_vu_nguoi_ky: String,
}

/// Records the signed decision: it holds every approval of the year not yet decided.
async fn record(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Json(r): Json<Record>,
) -> Result<Response, AppError> {
    let plan = state.snapshot(r.nam).await?.plan.clone();
    let d = record_decision(
        &state,
        &user,
        &plan,
        &r.so,
        &r.ngay,
        (r.nguoi_ky, r.chuc_vu_nguoi_ky),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(decision_json(&d))).into_response())
}

async fn publish(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let done = publish_decision(&state, &user, id).await;
    match done {
        Ok(d) => Ok(Json(decision_json(&d)).into_response()),
        Err(AppError::Refused(m)) => Err(AppError::Conflict(m)),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct DocumentQuery {
    nam: Option<i32>,
    ma_don_vi: Option<String>,
    de_nghi: Option<i64>,
    quyet_dinh: Option<i64>,
    du_thao: Option<bool>,
    so: Option<String>,
    ngay: Option<String>,
    /// The mid-year review's day (YYYY-MM-DD or dd/mm/yyyy).
    den_ngay: Option<String>,
}

/// A generated paper: `mau07` (the unit's head, or the nomination's with `de_nghi`),
/// `to_trinh`, `quyet_dinh` (`quyet_dinh=ID`, `du_thao=true`, else the latest recorded),
/// `bien_ban_tham_dinh`, `danh_sach_tham_khao`, `to_trinh_don_vi` and `bien_ban_hoi_dong`
/// (with `ma_don_vi`), `so_ket` (`den_ngay`) and `tong_ket`. Who may download each is as
/// on the web.
async fn document(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(kind): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    let dating = thidua_app::documents::Dating::typed(q.so.as_deref(), q.ngay.as_deref(), "văn bản")?;
    let inputs = PaperInputs {
        dating,
        ..Default::default()
    };
    let unit_code = || {
        q.ma_don_vi
            .clone()
            .ok_or_else(|| AppError::refused("Cần mã đơn vị (ma_don_vi)."))
    };
    // the web's `Require<Officials>`, asked here because the kind is in the path
    let official = || {
        if <Officials as crate::auth::Roles>::ROLES.contains(&user.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    };
    let (plan, kind) = match kind.as_str() {
        "mau07" => match q.de_nghi {
            Some(id) => {
                let n = load(&state, &user, id).await?;
                let kind = DocKind::Mau07 {
                    unit: n.unit_code.clone(),
                    head_from: Some(n.head_from.clone()),
                };
                (Some(n.plan_code), kind)
            }
            None => {
                let unit = unit_code()?;
                readable_unit(&state, &user, &unit).await?;
                (
                    None,
                    DocKind::Mau07 {
                        unit,
                        head_from: None,
                    },
                )
            }
        },
        "to_trinh_don_vi" | "bien_ban_hoi_dong" => {
            let unit = unit_code()?;
            readable_unit(&state, &user, &unit).await?;
            let kind = if kind == "to_trinh_don_vi" {
                DocKind::ToTrinhDonVi { unit }
            } else {
                DocKind::BienBanHoiDong { unit }
            };
            (None, kind)
        }
        "to_trinh" => (official().map(|_| None)?, DocKind::ToTrinh),
        "bien_ban_tham_dinh" => (official().map(|_| None)?, DocKind::BienBanThamDinh),
        "danh_sach_tham_khao" => (official().map(|_| None)?, DocKind::DanhSachThamKhao),
        "quyet_dinh" => {
            official()?;
            let pick = match (q.quyet_dinh, q.du_thao) {
                (Some(id), _) => DecisionPick::Recorded(id),
                (None, Some(true)) => DecisionPick::Draft,
                _ => DecisionPick::Latest,
            };
            (None, DocKind::QuyetDinh(pick))
        }
        "so_ket" => {
            official()?;
            let as_of = award::report_day(q.den_ngay.as_deref())?;
            (None, DocKind::SoKet { as_of })
        }
        "tong_ket" => (official().map(|_| None)?, DocKind::TongKet),
        _ => return Err(AppError::NotFound),
    };
    make_doc(&state, plan, q.nam, inputs, kind).await
}

#[derive(Deserialize)]
struct RegisterQuery {
    #[serde(default)]
    q: String,
    nam: Option<i32>,
}

/// The award register, as public as the honour board it extends.
async fn awards(State(state): State<AppState>, Query(q): Query<RegisterQuery>) -> Result<Response, AppError> {
    let lines = state
        .db(move |s| Ok(award::search_register(award::register(s)?, &q.q, q.nam)))
        .await?;
    let rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({"ho_ten": l.name, "chuc_vu": l.title, "ma_don_vi": l.unit_code, "ten_don_vi": l.unit, "nam": l.year,
                   "hinh_thuc": l.award, "so_quyet_dinh": l.decision_no, "ngay_quyet_dinh": l.decision_date.iso(),
                   "nguoi_ky": l.signer})
        })
        .collect();
    Ok(Json(rows).into_response())
}
