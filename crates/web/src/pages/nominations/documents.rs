//! Documents: the dossier's files a unit uploads to its nomination and whoever may see the
//! nomination downloads, and the drafts generated as DOCX (a head's Mẫu 07, the tờ trình,
//! the quyết định).

use super::load;
use crate::auth::{DonVi, Require, SignedIn};
use crate::table::Cell;
use crate::upload::{display_name, sniff};
use crate::{AppError, AppState};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use thidua_app::award::{self, DecisionPick, DocKind, PaperInputs};
use thidua_app::documents::Dating;

pub(super) fn routes(cfg: &crate::Config) -> Router<AppState> {
    Router::new()
        .route(
            "/de-nghi/{id}/tai-lieu",
            post(upload_document).layer(axum::extract::DefaultBodyLimit::max(
                cfg.max_upload + crate::SMALL_BODY,
            )),
        )
        .route("/de-nghi/tai-lieu/{doc}", get(download_document))
        .route("/de-nghi/tai-lieu/{doc}/xoa", post(remove_document))
        .route("/van-ban/mau07/{unit}", get(doc_mau07))
        .route("/van-ban/to-trinh", get(doc_to_trinh))
        .route("/van-ban/quyet-dinh", get(doc_quyet_dinh))
        .route("/van-ban/danh-sach-tham-khao", get(doc_working_list))
        .route("/van-ban/to-trinh-don-vi/{unit}", get(doc_unit_to_trinh))
        .route("/van-ban/bien-ban-hoi-dong/{unit}", get(doc_unit_minutes))
        .route("/van-ban/bien-ban-tham-dinh", get(doc_appraisal_minutes))
        .route("/van-ban/chi-tien-thuong", get(payment_list))
        .route("/van-ban/so-ket", get(doc_mid_year))
        .route("/van-ban/tong-ket", get(doc_year_end))
}

async fn upload_document(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let (code, file) = read_document_form(&state, mp, "loai_tai_lieu").await?;
    add_document(&state, &user, &n, code, file).await?;
    Ok(Redirect::to(&format!("/de-nghi/{id}?tb=da_tai_tai_lieu")).into_response())
}

/// A document's form: its kind (the field `kind_field`) and the file (`tep`), within the
/// upload limit.
pub(crate) async fn read_document_form(
    state: &AppState,
    mut mp: Multipart,
    kind_field: &str,
) -> Result<(Option<String>, Option<(String, Vec<u8>)>), AppError> {
    let max = state.config().max_upload;
    let (mut code, mut file) = (None, None);
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::multipart(e, "Không đọc được biểu mẫu"))?
    {
        match field.name().unwrap_or("") {
            "tep" => {
                let name = display_name(field.file_name().unwrap_or(""));
                let bytes = crate::upload::read_limited(&mut field, max)
                    .await?
                    .ok_or_else(|| AppError::TooLarge(format!("Tệp vượt quá {} MB.", max / (1024 * 1024))))?;
                file = Some((name, bytes));
            }
            k if k == kind_field => code = Some(crate::upload::small_text(field).await?),
            _ => {}
        }
    }
    Ok((code, file))
}

/// Adds a document to the nomination: the unit's own documents, or the proposing level's
/// papers (a commune's district), as the nomination rules allow at its step.
pub(crate) async fn add_document(
    state: &AppState,
    user: &crate::auth::User,
    n: &thidua_store::nominations::Nomination,
    code: Option<String>,
    file: Option<(String, Vec<u8>)>,
) -> Result<(), AppError> {
    let as_proposer = match user.check_own_unit(n.unit_id) {
        Ok(()) => false,
        Err(_) => {
            user.check_proposer_of(n.unit_parent.as_deref())?;
            true
        }
    };
    let plan = state.plan(Some(n.plan_code.clone())).await?;
    let code = code
        .filter(|c| plan.documents.iter().any(|d| &d.code == c))
        .ok_or_else(|| AppError::refused("Hãy chọn loại tài liệu."))?;
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::refused("Hãy chọn tệp tài liệu."))?;
    let (media_type, ext) = sniff(&bytes).ok_or_else(|| {
        AppError::refused(format!(
            "Tệp «{name}» không phải PDF, JPEG, PNG, DOCX hoặc XLSX (kiểm tra theo nội dung tệp)."
        ))
    })?;
    let stored = format!("{}.{ext}", thidua_app::credentials::random_token());
    let (actor, size, id) = (user.actor.clone(), bytes.len() as i64, n.id);
    state
        .put_file(stored.clone(), bytes)
        .await
        .map_err(|e| AppError::internal(format!("write document: {e}")))?;
    let file = thidua_store::workflow::NewAttachment::new(stored.clone(), name, media_type, size);
    if let Err(e) = state
        .db(move |s| {
            if as_proposer {
                s.add_proposer_document(&actor, id, &code, &file)?;
            } else {
                s.add_nomination_document(&actor, id, &code, &file)?;
            }
            Ok(())
        })
        .await
    {
        state.remove_files(vec![stored]).await;
        return Err(e);
    }
    Ok(())
}

/// Removes one document (the unit's own while it prepares; a district's papers while the
/// nomination waits for it); the file goes once the removal has committed.
async fn remove_document(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(doc): Path<i64>,
) -> Result<Response, AppError> {
    let id = remove_document_of(&state, &user, doc, None).await?;
    Ok(Redirect::to(&format!("/de-nghi/{id}?tb=da_xoa_tai_lieu")).into_response())
}

/// Removes one document of a nomination (of `nomination` when given: 404 otherwise) as the
/// unit or its proposing level, and then its file. Returns the nomination's id.
pub(crate) async fn remove_document_of(
    state: &AppState,
    user: &crate::auth::User,
    doc: i64,
    nomination: Option<i64>,
) -> Result<i64, AppError> {
    let d = state
        .db(move |s| Ok(s.nomination_document(doc)?))
        .await?
        .filter(|d| nomination.is_none_or(|id| id == d.nomination_id))
        .ok_or(AppError::NotFound)?;
    let n = load(state, user, d.nomination_id).await?;
    let who = if user.check_own_unit(n.unit_id).is_ok() {
        thidua_domain::nomination::Uploader::Unit
    } else {
        user.check_proposer_of(n.unit_parent.as_deref())?;
        thidua_domain::nomination::Uploader::Proposer
    };
    let actor = user.actor.clone();
    let (id, stored) = state
        .db(move |s| Ok(s.remove_nomination_document(&actor, who, doc)?))
        .await?;
    state.remove_files(vec![stored]).await;
    Ok(id)
}

async fn download_document(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(doc): Path<i64>,
) -> Result<Response, AppError> {
    let d = state
        .db(move |s| Ok(s.nomination_document(doc)?))
        .await?
        .ok_or(AppError::NotFound)?;
    load(&state, &user, d.nomination_id).await?;
    crate::upload::download(
        &state,
        &d.stored_name,
        &d.media_type,
        &d.file_name,
        &format!("tai-lieu-{}", d.id),
    )
    .await
}

#[derive(Deserialize)]
struct DocQuery {
    nam: Option<i32>,
    /// The plan, by code (a nomination's own plan); otherwise by year.
    ke_hoach: Option<String>,
    tu: Option<String>,
    /// The paper's number and date (blank = to fill by hand).
    so: Option<String>,
    ngay: Option<String>,
    /// The decision's: the Board's tờ trình it answers.
    tt_so: Option<String>,
    tt_ngay: Option<String>,
    /// The decision: a recorded one (`quyet_dinh=ID`), the draft of the next one
    /// (`du_thao=1`), else the latest recorded (with none, the draft).
    quyet_dinh: Option<i64>,
    du_thao: Option<String>,
    /// A mid-year review's day (dd/mm/yyyy); default the end of the period's sixth month.
    den_ngay: Option<String>,
}

impl DocQuery {
    fn decision(&self) -> DecisionPick {
        match (self.quyet_dinh, &self.du_thao) {
            (Some(id), _) => DecisionPick::Recorded(id),
            (None, Some(_)) => DecisionPick::Draft,
            (None, None) => DecisionPick::Latest,
        }
    }

    fn inputs(&self) -> Result<PaperInputs, AppError> {
        Ok(PaperInputs {
            dating: Dating::typed(self.so.as_deref(), self.ngay.as_deref(), "văn bản")?,
            proposal: Dating::typed(self.tt_so.as_deref(), self.tt_ngay.as_deref(), "tờ trình")?,
        })
    }
}

fn docx(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn make(state: &AppState, q: &DocQuery, kind: DocKind) -> Result<Response, AppError> {
    make_doc(state, q.ke_hoach.clone(), q.nam, q.inputs()?, kind).await
}

/// The evaluation of the plan with this code, else of the plan of `year`.
async fn snapshot_for(
    state: &AppState,
    plan_code: &Option<String>,
    year: Option<i32>,
) -> Result<std::sync::Arc<crate::cache::Snapshot>, AppError> {
    match plan_code {
        Some(code) => state.snapshot_of(code).await,
        None => state.snapshot(year).await,
    }
}

/// A generated paper of the plan (by code, else by year) as a DOCX download.
pub(crate) async fn make_doc(
    state: &AppState,
    plan_code: Option<String>,
    year: Option<i32>,
    inputs: PaperInputs,
    kind: DocKind,
) -> Result<Response, AppError> {
    let snap = snapshot_for(state, &plan_code, year).await?;
    let (bytes, name) = state
        .db(move |s| Ok(award::document(s, &snap.plan, &snap.eval.heads, &kind, &inputs)?))
        .await?;
    Ok(docx(bytes, &name))
}

/// A head's Mẫu 07 draft: the unit's own people and the officials.
async fn doc_mau07(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(unit): Path<String>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    readable_unit(&state, &user, &unit).await?;
    let kind = DocKind::Mau07 {
        unit,
        head_from: q.tu.clone(),
    };
    make(&state, &q, kind).await
}

async fn doc_to_trinh(
    State(state): State<AppState>,
    Require(_user, ..): Require<crate::auth::Officials>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    make(&state, &q, DocKind::ToTrinh).await
}

async fn doc_quyet_dinh(
    State(state): State<AppState>,
    Require(_user, ..): Require<crate::auth::Officials>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    make(&state, &q, DocKind::QuyetDinh(q.decision())).await
}

/// The ranking's suggestions as a working list (never a tờ trình).
async fn doc_working_list(
    State(state): State<AppState>,
    Require(_user, ..): Require<crate::auth::Officials>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    make(&state, &q, DocKind::DanhSachThamKhao).await
}

/// The unit of a unit's paper, if the user may read it.
pub(crate) async fn readable_unit(
    state: &AppState,
    user: &crate::auth::User,
    unit: &str,
) -> Result<(), AppError> {
    let code = unit.to_string();
    let u = state
        .db(move |s| Ok(s.unit(&code)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_unit(u.id)
}

/// A proposing unit's tờ trình: its own people and the officials.
async fn doc_unit_to_trinh(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(unit): Path<String>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    readable_unit(&state, &user, &unit).await?;
    make(&state, &q, DocKind::ToTrinhDonVi { unit }).await
}

/// The minutes of a proposing unit's council.
async fn doc_unit_minutes(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(unit): Path<String>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    readable_unit(&state, &user, &unit).await?;
    make(&state, &q, DocKind::BienBanHoiDong { unit }).await
}

/// The Board's appraisal minutes.
async fn doc_appraisal_minutes(
    State(state): State<AppState>,
    Require(_user, ..): Require<crate::auth::Officials>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    make(&state, &q, DocKind::BienBanThamDinh).await
}

/// Sở Nội vụ's mid-year review of the movement, as of `den_ngay`.
async fn doc_mid_year(
    State(state): State<AppState>,
    Require(_user, ..): Require<crate::auth::Officials>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    let as_of = award::report_day(q.den_ngay.as_deref())?;
    make(&state, &q, DocKind::SoKet { as_of }).await
}

/// Sở Nội vụ's year-end report of the movement.
async fn doc_year_end(
    State(state): State<AppState>,
    Require(_user, ..): Require<crate::auth::Officials>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    make(&state, &q, DocKind::TongKet).await
}

/// The decision's payment list (XLSX): each awardee, the amount in đồng (numbers), the
/// total; the base salary and decree of the decision's date in the title.
async fn payment_list(
    State(state): State<AppState>,
    Require(_user, ..): Require<crate::auth::Officials>,
    Query(q): Query<DocQuery>,
) -> Result<Response, AppError> {
    let snap = snapshot_for(&state, &q.ke_hoach, q.nam).await?;
    let (typed, pick) = (q.inputs()?.dating, q.decision());
    let plan = snap.plan.clone();
    let (people, decision) = state
        .db(move |s| Ok(award::payments(s, &snap.plan, &snap.eval.heads, pick, &typed)?))
        .await?;
    let cash = decision.cash.expect("payments() refuses an award without cash");
    let title = format!(
        "Danh sách chi tiền thưởng {} — {} × mức lương cơ sở {} đồng ({})",
        plan.award.form,
        cash.coefficient.vi(),
        thidua_domain::num::Dec::from_int(cash.base.amount).vi(),
        cash.base.basis
    );
    let mut t = crate::table::Table::new(title, &["STT", "Họ và tên", "Chức vụ, đơn vị", "Số tiền (đồng)"]);
    for (i, p) in people.iter().enumerate() {
        t.rows.push(vec![
            Cell::int(i as i64 + 1),
            Cell::text(&p.name),
            Cell::text(p.designation()),
            Cell::int(cash.each),
        ]);
    }
    t.rows.push(vec![
        Cell::text(""),
        Cell::text("Tổng cộng"),
        Cell::text(format!("{} người", people.len())),
        Cell::int(cash.each * people.len() as i64),
    ]);
    t.xlsx_response(&format!("chi-tien-thuong-{}", plan.code))
}
