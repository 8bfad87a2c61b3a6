//! Nominations (seed sections III–V): the unit prepares its head's dossier beside the
//! head's evaluation and submits it; the office returns or forwards it; the Board
//! appraises; the leaders approve or reject within the quota; the office records the
//! decision and publishes it. Each role's queue is what waits on it.

use super::{page, wants_xlsx, Chrome};
use crate::auth::{BanTdkt, DonVi, LanhDao, Require, Role, SignedIn, SoNoiVu, User};
use crate::table::{Cell, Table};
use crate::upload::{display_name, sniff};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use thidua_app::award::{self, head_of, DocKind};
use thidua_app::fmt::{indicator_views, summary_vi, IndicatorView};
use thidua_domain::nomination::{BoardVerdict, NominationState, OfficeVerdict, Step};
use thidua_domain::time::Date;
use thidua_store::nominations::Nomination;

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    Router::new()
        .route("/de-nghi", get(list).post(create))
        .route("/de-nghi/{id}", get(detail))
        .route(
            "/de-nghi/{id}/tai-lieu",
            post(upload_document).layer(axum::extract::DefaultBodyLimit::max(
                cfg.max_upload + crate::SMALL_BODY,
            )),
        )
        .route("/de-nghi/tai-lieu/{doc}", get(download_document))
        .route("/de-nghi/{id}/nop", post(submit))
        .route("/de-nghi/{id}/tra-lai", post(return_it))
        .route("/de-nghi/{id}/chuyen", post(forward))
        .route("/de-nghi/{id}/tham-dinh", post(appraise))
        .route("/de-nghi/{id}/phe-duyet", post(approve))
        .route("/de-nghi/{id}/khong-phe-duyet", post(reject))
        .route("/de-nghi/{id}/cong-bo", post(publish))
        .route("/van-ban/mau07/{unit}", get(doc_mau07))
        .route("/van-ban/to-trinh", get(doc_to_trinh))
        .route("/van-ban/quyet-dinh", get(doc_quyet_dinh))
}

fn state_class(s: NominationState) -> &'static str {
    match s {
        NominationState::Nhap => "st-kps",
        NominationState::TraLai | NominationState::KhongPheDuyet => "st-khong-dat",
        NominationState::DaPheDuyet => "st-dat",
        _ => "st-cho",
    }
}

/// What waits on each role.
fn waits_on(role: Role, n: &Nomination) -> bool {
    n.state.awaits(n.published) == Some(role)
}

#[derive(Deserialize)]
struct ListQuery {
    nam: Option<i32>,
    tb: Option<String>,
    dinh_dang: Option<String>,
}

#[derive(Template)]
#[template(path = "nominations.html")]
struct ListPage {
    c: Chrome,
    plan_title: String,
    quota: u32,
    approved: u32,
    deadline: String,
    queue: String,
    all: String,
    can_create: bool,
    plan_code: String,
    candidates: Vec<(String, String)>,
    officials: bool,
    xlsx_link: String,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if user.role == Role::QuanTri {
        return Err(AppError::Forbidden);
    }
    let snap = state.snapshot(q.nam).await?;
    let unit_id = if user.reads_all() {
        None
    } else {
        Some(user.unit.as_ref().ok_or(AppError::Forbidden)?.0)
    };
    let (plan_code, plan2) = (snap.plan.code.clone(), snap.plan.clone());
    let xlsx = wants_xlsx(&q.dinh_dang);
    let (noms, approved, deadline, events) = state
        .db(move |s| {
            let noms = s.nominations(&plan_code, unit_id)?;
            // The history goes only into the workbook.
            let events: Vec<_> = if xlsx {
                noms.iter()
                    .map(|n| s.nomination_events(n.id))
                    .collect::<Result<_, _>>()?
            } else {
                Vec::new()
            };
            Ok((
                noms,
                s.approvals(&plan_code)?,
                award::deadline(s, &plan2)?,
                events,
            ))
        })
        .await?;
    let headers = [
        "Người đứng đầu",
        "Đơn vị",
        "Trạng thái",
        "Kết luận Sở Nội vụ",
        "Thẩm định",
        "Quyết định",
        "Cập nhật",
    ];
    let row = |n: &Nomination| {
        vec![
            Cell::Link(n.head_name.clone(), format!("/de-nghi/{}", n.id)),
            Cell::text(&n.unit_name),
            Cell::Status(n.state.vi().into(), state_class(n.state)),
            Cell::text(n.office_verdict.map(|v| v.vi()).unwrap_or("")),
            Cell::text(match n.board_verdict {
                Some(BoardVerdict::DeNghi) => "Đề nghị",
                Some(BoardVerdict::KhongDeNghi) => "Không đề nghị",
                None => "",
            }),
            Cell::text(if n.published {
                format!(
                    "{} ngày {}",
                    n.decision_no,
                    n.decision_date
                        .as_deref()
                        .and_then(Date::parse_iso)
                        .map(|d| d.vi())
                        .unwrap_or_default()
                )
            } else {
                String::new()
            }),
            Cell::text(thidua_app::fmt::date_time(n.updated_at)),
        ]
    };
    if xlsx {
        let mut t = Table::new(
            format!("Hồ sơ đề nghị khen thưởng — {}", snap.plan.title),
            &[
                &headers[..],
                &[
                    "Lý do của đơn vị",
                    "Ý kiến Sở Nội vụ",
                    "Ý kiến thẩm định",
                    "Lý do không phê duyệt",
                    "Lịch sử",
                ],
            ]
            .concat(),
        );
        for (n, ev) in noms.iter().zip(&events) {
            let mut r = row(n);
            let history = ev
                .iter()
                .map(|e| {
                    format!(
                        "{} {} ({}): {}{}",
                        thidua_app::fmt::date_time(e.at),
                        e.username,
                        e.role,
                        e.to_state.vi(),
                        if e.reason.is_empty() {
                            String::new()
                        } else {
                            format!(" — {}", e.reason)
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            r.extend([
                Cell::text(&n.unit_reason),
                Cell::text(&n.office_reason),
                Cell::text(&n.board_reason),
                Cell::text(&n.decision_reason),
                Cell::text(history),
            ]);
            t.rows.push(r);
        }
        return t.xlsx_response(&format!("de-nghi-{}", snap.plan.code));
    }
    let mut queue = Table::new("Hồ sơ chờ xử lý", &headers);
    let mut all = Table::new("Tất cả hồ sơ đề nghị", &headers);
    for n in &noms {
        if waits_on(user.role, n) {
            queue.rows.push(row(n));
        }
        all.rows.push(row(n));
    }
    // The unit's heads evaluated in the plan without a nomination yet.
    let candidates = match (&user.role, &user.unit) {
        (Role::DonVi, Some((_, code, _))) => snap
            .eval
            .heads
            .iter()
            .filter(|h| &h.unit.code == code && !noms.iter().any(|n| n.head_from == h.head.from.iso()))
            .map(|h| {
                (
                    h.head.from.iso(),
                    format!(
                        "{} — {} ({})",
                        h.head.name,
                        h.head.title,
                        summary_vi(h.summary_status())
                    ),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    page(&ListPage {
        c: Chrome::new(&user, "/de-nghi").with_flash(q.tb.as_deref()),
        plan_title: snap.plan.title.clone(),
        quota: snap.plan.award.quota,
        approved,
        deadline: deadline.map(|d| d.vi()).unwrap_or_else(|| "chưa đặt".into()),
        queue: queue.html(),
        all: all.html(),
        can_create: user.role == Role::DonVi,
        plan_code: snap.plan.code.clone(),
        candidates,
        officials: user.reads_all(),
        xlsx_link: format!(
            "/de-nghi?dinh_dang=xlsx{}",
            q.nam.map(|y| format!("&nam={y}")).unwrap_or_default()
        ),
    })
}

#[derive(Deserialize)]
struct CreateForm {
    tu_ngay: String,
    ke_hoach: String,
}

async fn create(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    let (unit_id, code, _) = user.unit.clone().ok_or(AppError::Forbidden)?;
    let snap = state.snapshot_of(&f.ke_hoach).await?;
    let h = head_of(&snap.eval.heads, &code, &f.tu_ngay)
        .ok_or_else(|| AppError::refused("Không có người đứng đầu này trong kết quả đánh giá của đơn vị."))?;
    let (plan, from, name, title, actor) = (
        snap.plan.code.clone(),
        h.head.from,
        h.head.name.clone(),
        h.head.title.clone(),
        user.actor.clone(),
    );
    let id = state
        .db(move |s| Ok(s.create_nomination(&actor, Role::DonVi, &plan, unit_id, from, &name, &title)?))
        .await?;
    Ok(Redirect::to(&format!("/de-nghi/{id}?tb=da_cap_nhat")).into_response())
}

pub struct DocView {
    pub code: String,
    pub name: String,
    pub files: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "nomination.html")]
struct DetailPage {
    c: Chrome,
    n: Nomination,
    state_vi: &'static str,
    css: &'static str,
    summary: &'static str,
    eligible: bool,
    discipline: bool,
    score: String,
    rank: String,
    indicators: Vec<IndicatorView>,
    docs: Vec<DocView>,
    events: Vec<(String, String, String, &'static str, String)>,
    can_edit: bool,
    can_office: bool,
    can_publish: bool,
    can_board: bool,
    can_approve: bool,
    office_verdict: &'static str,
    board_verdict: &'static str,
    plan_code: String,
    deadline: String,
    quota_left: u32,
    decision_date: String,
}

#[derive(Deserialize)]
struct FlashQuery {
    tb: Option<String>,
}

async fn load(state: &AppState, user: &User, id: i64) -> Result<Nomination, AppError> {
    let n = state
        .db(move |s| Ok(s.nomination(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_unit(n.unit_id)?;
    Ok(n)
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let snap = state.snapshot_of(&n.plan_code).await?;
    let plan = snap.plan.clone();
    let (docs, events, approved, deadline) = state
        .db(move |s| {
            Ok((
                s.nomination_documents(id)?,
                s.nomination_events(id)?,
                s.approvals(&plan.code)?,
                award::deadline(s, &plan)?,
            ))
        })
        .await?;
    let h = head_of(&snap.eval.heads, &n.unit_code, &n.head_from);
    let docs = snap
        .plan
        .documents
        .iter()
        .map(|d| DocView {
            code: d.code.clone(),
            name: d.name.clone(),
            files: docs
                .iter()
                .filter(|x| x.doc_code == d.code)
                .map(|x| {
                    (
                        x.id,
                        x.file_name.clone(),
                        thidua_app::fmt::date_time(x.uploaded_at),
                    )
                })
                .collect(),
        })
        .collect();
    let events = events
        .iter()
        .map(|e| {
            (
                thidua_app::fmt::date_time(e.at),
                e.username.clone(),
                Role::parse(&e.role).map(|r| r.vi()).unwrap_or("").to_string(),
                e.to_state.vi(),
                e.reason.clone(),
            )
        })
        .collect();
    let editable = n.state.unit_edits();
    page(&DetailPage {
        c: Chrome::new(&user, "/de-nghi").with_flash(q.tb.as_deref()),
        state_vi: n.state.vi(),
        css: state_class(n.state),
        summary: h
            .map(|h| summary_vi(h.summary_status()))
            .unwrap_or("Chưa có kết quả đánh giá"),
        eligible: h.is_some_and(|h| h.eligible),
        discipline: award::discipline_pending(&snap.plan, h),
        score: h
            .map(|h| thidua_domain::rank::score_vi(h.score))
            .unwrap_or_else(|| "—".into()),
        rank: h
            .and_then(|h| h.rank)
            .map(|r| r.to_string())
            .unwrap_or_else(|| "—".into()),
        indicators: h.map(|h| indicator_views(&snap.plan, h)).unwrap_or_default(),
        docs,
        events,
        can_edit: editable && user.check_own_unit(n.unit_id).is_ok(),
        can_office: user.role == Role::SoNoiVu && n.state == NominationState::DaNop,
        can_publish: user.role == Role::SoNoiVu && n.state == NominationState::DaPheDuyet && !n.published,
        can_board: user.role == Role::BanTdkt && n.state == NominationState::DaChuyen,
        // Rejection stays possible; approval only for an eligible head the Board proposes.
        can_approve: user.role == Role::LanhDao && n.state == NominationState::DaThamDinh,
        office_verdict: n.office_verdict.map(|v| v.vi()).unwrap_or(""),
        board_verdict: n.board_verdict.map(|v| v.vi()).unwrap_or(""),
        plan_code: n.plan_code.clone(),
        deadline: deadline.map(|d| d.vi()).unwrap_or_else(|| "chưa đặt".into()),
        quota_left: snap.plan.award.quota.saturating_sub(approved),
        decision_date: n
            .decision_date
            .as_deref()
            .and_then(Date::parse_iso)
            .map(|d| d.vi())
            .unwrap_or_default(),
        n,
    })
}

async fn upload_document(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    user.check_own_unit(n.unit_id)?;
    let plan = state.plan(Some(n.plan_code.clone())).await?;
    let max = state.config().max_upload;
    let (mut code, mut file) = (None, None);
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::refused(format!("Không đọc được biểu mẫu ({}).", e.body_text())))?
    {
        match field.name().unwrap_or("") {
            "loai_tai_lieu" => code = Some(crate::upload::small_text(field).await?),
            "tep" => {
                let name = display_name(field.file_name().unwrap_or(""));
                let bytes = crate::upload::read_limited(&mut field, max)
                    .await?
                    .ok_or_else(|| AppError::TooLarge(format!("Tệp vượt quá {} MB.", max / (1024 * 1024))))?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
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
    let path = state.config().data_dir.join("attachments").join(&stored);
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|e| AppError::internal(format!("write document: {e}")))?;
    let (actor, size) = (user.actor.clone(), bytes.len() as i64);
    let s2 = stored.clone();
    let file = thidua_store::workflow::NewAttachment::new(s2, name, media_type, size);
    if let Err(e) = state
        .db(move |s| Ok(s.add_nomination_document(&actor, id, &code, &file)?))
        .await
    {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(Redirect::to(&format!("/de-nghi/{id}?tb=da_cap_nhat")).into_response())
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

/// Takes a step with the facts of the head's evaluation.
async fn step(state: &AppState, user: &User, n: &Nomination, step: Step) -> Result<Response, AppError> {
    let snap = state.snapshot_of(&n.plan_code).await?;
    let h = head_of(&snap.eval.heads, &n.unit_code, &n.head_from).cloned();
    let (plan, actor, role, id) = (snap.plan.clone(), user.actor.clone(), user.role, n.id);
    state
        .db(move |s| {
            let facts = award::facts(s, &plan, h.as_ref())?;
            Ok(s.nomination_step(&actor, role, id, &step, &facts)?)
        })
        .await?;
    Ok(Redirect::to(&format!("/de-nghi/{id}?tb=da_cap_nhat")).into_response())
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    ly_do: String,
}

#[derive(Deserialize)]
struct VerdictForm {
    ket_luan: String,
    #[serde(default)]
    ly_do: String,
}

async fn submit(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    user.check_own_unit(n.unit_id)?;
    step(&state, &user, &n, Step::Submit { reason: f.ly_do }).await
}

async fn return_it(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    step(&state, &user, &n, Step::Return { reason: f.ly_do }).await
}

async fn forward(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<VerdictForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    step(
        &state,
        &user,
        &n,
        Step::Forward {
            verdict: OfficeVerdict::from_code(&f.ket_luan)
                .ok_or_else(|| AppError::refused("kết luận không hợp lệ"))?,
            reason: f.ly_do,
        },
    )
    .await
}

async fn appraise(
    State(state): State<AppState>,
    Require(user, ..): Require<BanTdkt>,
    Path(id): Path<i64>,
    Form(f): Form<VerdictForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    step(
        &state,
        &user,
        &n,
        Step::Appraise {
            verdict: BoardVerdict::from_code(&f.ket_luan)
                .ok_or_else(|| AppError::refused("kết luận thẩm định không hợp lệ"))?,
            reason: f.ly_do,
        },
    )
    .await
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    ghi_chu: String,
}

async fn approve(
    State(state): State<AppState>,
    Require(user, ..): Require<LanhDao>,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    step(&state, &user, &n, Step::Approve { note: f.ghi_chu }).await
}

async fn reject(
    State(state): State<AppState>,
    Require(user, ..): Require<LanhDao>,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    step(&state, &user, &n, Step::Reject { reason: f.ly_do }).await
}

#[derive(Deserialize)]
struct PublishForm {
    so_quyet_dinh: String,
    ngay_quyet_dinh: String,
}

async fn publish(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> Result<Response, AppError> {
    let n = load(&state, &user, id).await?;
    let date = thidua_ingest::values::parse_date(&thidua_ingest::table::Cell::Text(f.ngay_quyet_dinh.trim()))
        .ok()
        .flatten()
        .ok_or_else(|| AppError::refused("Ngày quyết định không hợp lệ (dd/mm/yyyy)."))?;
    // The measured results are fixed with the decision: the honour board shows these.
    let snap = state.snapshot_of(&n.plan_code).await?;
    let results = head_of(&snap.eval.heads, &n.unit_code, &n.head_from)
        .map(|h| award::results_json(&snap.plan, h))
        .unwrap_or_else(|| "[]".into());
    step(
        &state,
        &user,
        &n,
        Step::Publish {
            decision_no: f.so_quyet_dinh,
            decision_date: date,
            results,
        },
    )
    .await
}

#[derive(Deserialize)]
struct DocQuery {
    nam: Option<i32>,
    /// The plan, by code (a nomination's own plan); otherwise by year.
    ke_hoach: Option<String>,
    tu: Option<String>,
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
    let snap = match &q.ke_hoach {
        Some(code) => state.snapshot_of(code).await?,
        None => state.snapshot(q.nam).await?,
    };
    let (bytes, name) = state
        .db(move |s| Ok(award::document(s, &snap.plan, &snap.eval.heads, &kind)?))
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
    let u2 = unit.clone();
    let u = state
        .db(move |s| Ok(s.unit(&u2)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_unit(u.id)?;
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
    make(&state, &q, DocKind::QuyetDinh).await
}
