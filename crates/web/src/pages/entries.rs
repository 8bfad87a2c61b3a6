//! Entered values: a unit enters a value per period with a note and evidence files, saves
//! a draft or submits; the movement office verifies it or returns it with a reason; the
//! unit sees the reason and resubmits. Each entry shows its whole history.

use super::{page, wants_xlsx, Chrome};
use crate::auth::{DonVi, NguoiDungDau, Require, SignedIn, SoNoiVu, User, CSRF_FIELD};
use crate::table::{Cell, Table};
use crate::upload::{display_name, sniff};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use thidua_domain::entry::EntryState;
use thidua_domain::plan::Kind;
use thidua_store::workflow::{
    period_vi, Attachment, EntryFilter, EntryRecord, HistoryRecord, NewAttachment, ValueForm,
};

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    // Up to MAX_FILES evidence files and the form's fields.
    let limit = cfg.max_upload * MAX_FILES + crate::SMALL_BODY;
    Router::new()
        .route("/so-lieu", get(list))
        .route("/so-lieu/nhap", get(form))
        .route(
            "/so-lieu/luu",
            post(save).layer(axum::extract::DefaultBodyLimit::max(limit)),
        )
        .route("/so-lieu/{id}", get(detail))
        .route("/so-lieu/{id}/xac-nhan", post(verify))
        .route("/so-lieu/{id}/tra-lai", post(return_entry))
        .route("/so-lieu/{id}/ky-duyet", post(sign_off))
        .route("/tep/{id}", get(download))
}

pub fn state_class(s: EntryState) -> &'static str {
    match s {
        EntryState::Nhap => "st-kps",
        EntryState::DaGui => "st-cho",
        EntryState::DaXacNhan => "st-dat",
        EntryState::TraLai => "st-khong-dat",
    }
}

fn dec_vi(s: &Option<String>) -> String {
    s.as_deref()
        .and_then(thidua_domain::num::Dec::parse)
        .map(|d| d.vi())
        .unwrap_or_default()
}

fn value_text(kind: &str, num: &Option<String>, den: &Option<String>, value: Option<i64>) -> String {
    match kind {
        "ratio" => {
            let pct = match (
                num.as_deref().and_then(thidua_domain::num::Dec::parse),
                den.as_deref().and_then(thidua_domain::num::Dec::parse),
            ) {
                (Some(n), Some(d)) => thidua_domain::num::percent_vi(n, d).unwrap_or_else(|| "—".into()),
                _ => "—".into(),
            };
            format!("{} / {} = {pct}", dec_vi(num), dec_vi(den))
        }
        "count" => value
            .map(|v| thidua_domain::num::Dec::from_int(v).vi())
            .unwrap_or_default(),
        _ => match value {
            Some(0) => "Không đạt".into(),
            Some(_) => "Đạt".into(),
            None => String::new(),
        },
    }
}

pub fn value_vi(e: &EntryRecord) -> String {
    value_text(&e.kind, &e.numerator, &e.denominator, e.value)
}

#[derive(Deserialize)]
struct ListQuery {
    trang_thai: Option<String>,
    tb: Option<String>,
    dinh_dang: Option<String>,
}

#[derive(Template)]
#[template(path = "entries.html")]
struct ListPage {
    c: Chrome,
    heading: String,
    states: Vec<(&'static str, &'static str, bool)>,
    can_enter: bool,
    table: String,
    xlsx_link: String,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let unit_id = if user.reads_all() {
        None
    } else {
        Some(user.unit.as_ref().ok_or(AppError::Forbidden)?.0)
    };
    // The office's queue is what waits on it; everyone else starts from all states.
    let default_state = if matches!(
        user.role,
        crate::auth::Role::SoNoiVu | crate::auth::Role::NguoiDungDau
    ) {
        Some("da_gui")
    } else {
        None
    };
    let wanted = match q.trang_thai.as_deref() {
        Some("") | Some("tat_ca") => None,
        Some(s) => EntryState::parse(s),
        None => default_state.and_then(EntryState::parse),
    };
    let entries = state
        .db(move |s| {
            Ok(s.entry_list(&EntryFilter {
                unit_id,
                state: wanted,
                indicator: None,
            })?)
        })
        .await?;
    let plan = state.plan(None).await?;
    let mut t = Table::new(
        "Số liệu",
        &[
            "Đơn vị",
            "Chỉ tiêu",
            "Kỳ",
            "Giá trị",
            "Trạng thái",
            "Thủ trưởng ký duyệt",
            "Lý do trả lại",
            "Minh chứng",
            "Cập nhật",
            "Người cập nhật",
        ],
    );
    for e in &entries {
        let name = plan
            .indicator(&e.indicator)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| e.indicator.clone());
        t.rows.push(vec![
            Cell::text(&e.unit_name),
            Cell::Link(name, format!("/so-lieu/{}", e.id)),
            Cell::text(period_vi(&e.period)),
            Cell::text(value_vi(e)),
            Cell::Status(e.state.vi().into(), state_class(e.state)),
            Cell::text(e.signed_by.clone().unwrap_or_default()),
            Cell::text(&e.reason),
            Cell::int(e.attachments),
            Cell::text(thidua_app::fmt::date_time(e.updated_at)),
            Cell::text(&e.updated_by),
        ]);
    }
    if wants_xlsx(&q.dinh_dang) {
        return t.xlsx_response("so-lieu");
    }
    let current = wanted.map(|s| s.code()).unwrap_or("tat_ca");
    let mut states = vec![("tat_ca", "Tất cả", current == "tat_ca")];
    states.extend(
        EntryState::ALL
            .iter()
            .map(|s| (s.code(), s.vi(), current == s.code())),
    );
    page(&ListPage {
        c: Chrome::new(&user, "/so-lieu").with_flash(q.tb.as_deref()),
        heading: match user.role {
            crate::auth::Role::SoNoiVu => "Xác nhận số liệu".into(),
            crate::auth::Role::NguoiDungDau => "Ký duyệt số liệu của đơn vị".into(),
            _ => "Số liệu".into(),
        },
        states,
        can_enter: user.role == crate::auth::Role::DonVi,
        table: t.html(),
        xlsx_link: format!("/so-lieu?trang_thai={current}&dinh_dang=xlsx"),
    })
}

pub struct IndicatorOption {
    pub code: String,
    pub label: String,
    pub kind: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "entry_form.html")]
struct FormPage {
    c: Chrome,
    unit_name: String,
    indicators: Vec<IndicatorOption>,
    periods: Vec<(String, String, bool)>,
    f: ValueForm,
    errors: Vec<String>,
    reason: String,
    max_mb: usize,
}

#[derive(Deserialize)]
struct FormQuery {
    chi_tieu: Option<String>,
    ky: Option<String>,
}

async fn form_page(
    state: &AppState,
    user: &User,
    f: ValueForm,
    errors: Vec<String>,
) -> Result<FormPage, AppError> {
    let plan = state.plan(None).await?;
    let (unit_id, _, unit_name) = user.unit.clone().ok_or(AppError::Forbidden)?;
    let tier = state
        .db(move |s| {
            Ok(s.units()?
                .into_iter()
                .find(|u| u.id == unit_id)
                .map(|u| u.info.tier))
        })
        .await?
        .unwrap_or_default();
    let indicators = plan
        .indicators
        .iter()
        .filter(|i| i.kind != Kind::Computed && i.applies_to(&tier))
        .map(|i| IndicatorOption {
            code: i.code.clone(),
            label: format!("{} — {}", i.name, i.target_vi(&tier)),
            kind: match i.kind {
                Kind::Ratio => "tỷ lệ: nhập tử số và mẫu số",
                Kind::Count => "số lượng: nhập giá trị",
                _ => "đạt/không đạt: nhập giá trị",
            },
            selected: i.code == f.indicator,
        })
        .collect();
    let y = plan.period_from.ymd().0;
    let mut periods = vec![(format!("{y}"), format!("Năm {y}"))];
    periods.extend((1..=4).map(|q| (format!("{y}-Q{q}"), period_vi(&format!("{y}-Q{q}")))));
    periods.extend((1..=12).map(|m| (format!("{y}-{m:02}"), period_vi(&format!("{y}-{m:02}")))));
    let periods = periods
        .into_iter()
        .map(|(c, l)| (c.clone(), l, c == f.period))
        .collect();
    // A returned entry shows the office's reason beside the form.
    let (ind, per) = (f.indicator.clone(), f.period.clone());
    let existing = state
        .db(move |s| Ok(s.entry_by_key(unit_id, &ind, &per)?))
        .await?;
    let reason = existing
        .filter(|e| e.state == EntryState::TraLai)
        .map(|e| e.reason)
        .unwrap_or_default();
    Ok(FormPage {
        c: Chrome::new(user, "/so-lieu"),
        unit_name,
        indicators,
        periods,
        f,
        errors,
        reason,
        max_mb: state.config().max_upload / (1024 * 1024),
    })
}

async fn form(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    Query(q): Query<FormQuery>,
) -> Result<Response, AppError> {
    let (unit_id, unit_code, _) = user.unit.clone().ok_or(AppError::Forbidden)?;
    let mut f = ValueForm {
        unit: unit_code,
        indicator: q.chi_tieu.unwrap_or_default(),
        period: q.ky.unwrap_or_default(),
        ..Default::default()
    };
    if !f.indicator.is_empty() && !f.period.is_empty() {
        let (ind, per) = (f.indicator.clone(), f.period.clone());
        if let Some(e) = state
            .db(move |s| Ok(s.entry_by_key(unit_id, &ind, &per)?))
            .await?
        {
            f.numerator = e.numerator.unwrap_or_default().replace('.', ",");
            f.denominator = e.denominator.unwrap_or_default().replace('.', ",");
            f.value = e.value.map(|v| v.to_string()).unwrap_or_default();
            f.note = e.note;
        }
    }
    page(&form_page(&state, &user, f, Vec::new()).await?)
}

/// Evidence files per save (each up to `Config::max_upload`).
const MAX_FILES: usize = 10;

/// One uploaded evidence file, checked and written under a server-made name.
struct Saved {
    path: std::path::PathBuf,
    meta: NewAttachment,
}

/// The files written so far; removed on every way out but a committed save (an error,
/// a refused value, a dropped connection).
struct Written {
    files: Vec<Saved>,
    keep: bool,
}

impl Drop for Written {
    fn drop(&mut self) {
        if !self.keep {
            for f in &self.files {
                let _ = std::fs::remove_file(&f.path);
            }
        }
    }
}

async fn save(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    let (_, unit_code, _) = user.unit.clone().ok_or(AppError::Forbidden)?;
    let mut f = ValueForm {
        unit: unit_code,
        ..Default::default()
    };
    let mut submit = false;
    let mut files = Written {
        files: Vec::new(),
        keep: false,
    };
    let mut errors: Vec<String> = Vec::new();
    let max = state.config().max_upload;
    let dir = state.config().data_dir.join("attachments");
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return Err(AppError::refused(format!(
                    "Không đọc được biểu mẫu gửi lên ({}).",
                    e.body_text()
                )))
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "minh_chung" {
            let raw_name = field.file_name().unwrap_or("").to_string();
            let mut field = field;
            let read = crate::upload::read_limited(&mut field, max).await?;
            let too_big = read.is_none();
            let bytes = read.unwrap_or_default();
            if raw_name.is_empty() && bytes.is_empty() {
                continue; // the file input left empty
            }
            let shown = display_name(&raw_name);
            if files.files.len() >= MAX_FILES {
                errors.push(format!(
                    "Mỗi lần gửi tối đa {MAX_FILES} tệp minh chứng; tệp «{shown}» chưa được nhận."
                ));
                continue;
            }
            if too_big {
                errors.push(format!(
                    "Tệp «{shown}» vượt quá dung lượng cho phép ({} MB).",
                    max / (1024 * 1024)
                ));
                continue;
            }
            let Some((media_type, ext)) = sniff(&bytes) else {
                errors.push(format!("Tệp «{shown}» không phải PDF, JPEG, PNG, DOCX hoặc XLSX (kiểm tra theo nội dung tệp, không theo tên)."));
                continue;
            };
            let stored_name = format!("{}.{ext}", thidua_app::credentials::random_token());
            let path = dir.join(&stored_name);
            // Listed before it is written, so a failed write is cleaned up too.
            files.files.push(Saved {
                path: path.clone(),
                meta: NewAttachment {
                    stored_name,
                    file_name: shown,
                    media_type: media_type.into(),
                    size: bytes.len() as i64,
                },
            });
            tokio::fs::write(&path, &bytes)
                .await
                .map_err(|e| AppError::internal(format!("write attachment: {e}")))?;
            continue;
        }
        let text = crate::upload::small_text(field).await?;
        match name.as_str() {
            "chi_tieu" => f.indicator = text,
            "ky" => f.period = text,
            "tu_so" => f.numerator = text,
            "mau_so" => f.denominator = text,
            "gia_tri" => f.value = text,
            "ghi_chu" => f.note = text,
            "hanh_dong" => submit = text == "gui",
            n if n == CSRF_FIELD => {}
            _ => {}
        }
    }
    // On screen, a dot is the Vietnamese thousands separator: "1.234" is never guessed.
    for (label, v) in [
        ("Tử số", &f.numerator),
        ("Mẫu số", &f.denominator),
        ("Giá trị", &f.value),
    ] {
        if v.contains('.') {
            errors.push(format!("{label}: dùng dấu phẩy cho phần thập phân và không dùng dấu chấm phân cách hàng nghìn («{v}»)."));
        }
    }
    let form = f.clone();
    let checked = state.db(move |s| Ok(s.check_value(&form)?)).await?;
    let row = match checked {
        Ok(row) => Some(row),
        Err(errs) => {
            errors.extend(
                errs.into_iter()
                    .map(|e| format!("{}: {}", field_label(&e.column), e.vi)),
            );
            None
        }
    };
    let row = match row {
        Some(row) if errors.is_empty() => row,
        _ => {
            let body = page(&form_page(&state, &user, f, errors).await?)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let actor = user.actor.clone();
    let metas: Vec<NewAttachment> = files.files.iter().map(|s| s.meta.clone()).collect();
    match state
        .db(move |s| Ok(s.save_entry(&actor, &row, submit, &metas)?))
        .await
    {
        Ok(id) => {
            files.keep = true;
            Ok(Redirect::to(&format!(
                "/so-lieu/{id}?tb={}",
                if submit { "da_gui" } else { "da_luu_nhap" }
            ))
            .into_response())
        }
        Err(AppError::Refused(m)) => {
            let body = page(&form_page(&state, &user, f, vec![m.vi]).await?)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e),
    }
}

fn field_label(column: &str) -> &str {
    match column {
        "ma_chi_tieu" => "Chỉ tiêu",
        "ky" => "Kỳ báo cáo",
        "tu_so" => "Tử số",
        "mau_so" => "Mẫu số",
        "gia_tri" => "Giá trị",
        "ghi_chu" => "Ghi chú",
        "ma_don_vi" => "Đơn vị",
        other => other,
    }
}

pub struct HistoryView {
    pub at: String,
    pub by: String,
    pub state: &'static str,
    pub css: &'static str,
    pub value: String,
    pub note: String,
    pub reason: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct DetailPage {
    c: Chrome,
    e: EntryRecord,
    indicator_name: String,
    period: String,
    value: String,
    state: &'static str,
    css: &'static str,
    history: Vec<HistoryView>,
    files: Vec<(i64, String, String, String)>,
    can_review: bool,
    can_edit: bool,
    can_sign: bool,
    signed: Option<String>,
}

#[derive(Deserialize)]
struct FlashQuery {
    tb: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    let (e, history, files) = state
        .db(move |s| {
            let e = s.entry(id)?.ok_or(AppError::NotFound)?;
            Ok((e, s.entry_history(id)?, s.attachments(id)?))
        })
        .await?;
    user.check_unit(e.unit_id)?;
    let plan = state.plan(None).await?;
    let history = history
        .iter()
        .map(|h: &HistoryRecord| {
            let st = EntryState::parse(&h.state).unwrap_or(EntryState::Nhap);
            HistoryView {
                at: thidua_app::fmt::date_time(h.changed_at),
                by: h.changed_by.clone(),
                state: st.vi(),
                css: state_class(st),
                value: value_text(&e.kind, &h.numerator, &h.denominator, h.value),
                note: h.note.clone(),
                reason: h.reason.clone(),
                source: h
                    .import_id
                    .map(|i| format!("nhập từ tệp (lần nhập số {i})"))
                    .unwrap_or_else(|| "trên màn hình".into()),
            }
        })
        .collect();
    let files = files
        .iter()
        .map(|a: &Attachment| {
            (
                a.id,
                a.file_name.clone(),
                format!("{} KB", (a.size + 1023) / 1024),
                thidua_app::fmt::date_time(a.uploaded_at),
            )
        })
        .collect();
    page(&DetailPage {
        c: Chrome::new(&user, "/so-lieu").with_flash(q.tb.as_deref()),
        indicator_name: plan
            .indicator(&e.indicator)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| e.indicator.clone()),
        period: period_vi(&e.period),
        value: value_vi(&e),
        state: e.state.vi(),
        css: state_class(e.state),
        history,
        files,
        can_review: user.role == crate::auth::Role::SoNoiVu && e.state == EntryState::DaGui,
        can_edit: user.check_own_unit(e.unit_id).is_ok()
            && matches!(e.state, EntryState::Nhap | EntryState::TraLai),
        can_sign: user.check_own_head(e.unit_id).is_ok()
            && e.state == EntryState::DaGui
            && e.signed_by.is_none(),
        signed: e
            .signed_by
            .as_ref()
            .map(|by| format!("{by}, {}", thidua_app::fmt::date_time(e.signed_at.unwrap_or(0)))),
        e,
    })
}

async fn sign_off(
    State(state): State<AppState>,
    Require(user, ..): Require<NguoiDungDau>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let e = state
        .db(move |s| Ok(s.entry(id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    user.check_own_head(e.unit_id)?;
    let actor = user.actor.clone();
    state.db(move |s| Ok(s.sign_off_entry(&actor, id)?)).await?;
    Ok(Redirect::to(&format!("/so-lieu/{id}?tb=da_ky_duyet")).into_response())
}

async fn verify(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    state.db(move |s| Ok(s.verify_entry(&actor, id)?)).await?;
    Ok(Redirect::to(&format!("/so-lieu/{id}?tb=da_xac_nhan")).into_response())
}

#[derive(Deserialize)]
struct ReturnForm {
    ly_do: String,
}

async fn return_entry(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(id): Path<i64>,
    Form(f): Form<ReturnForm>,
) -> Result<Response, AppError> {
    let actor = user.actor.clone();
    state
        .db(move |s| Ok(s.return_entry(&actor, id, &f.ly_do)?))
        .await?;
    Ok(Redirect::to(&format!("/so-lieu/{id}?tb=da_tra_lai")).into_response())
}

async fn download(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (a, e) = state
        .db(move |s| {
            let a = s.attachment(id)?.ok_or(AppError::NotFound)?;
            let e = s.entry(a.entry_id)?.ok_or(AppError::NotFound)?;
            Ok((a, e))
        })
        .await?;
    user.check_unit(e.unit_id)?;
    crate::upload::download(
        &state,
        &a.stored_name,
        &a.media_type,
        &a.file_name,
        &format!("minh-chung-{}", a.id),
    )
    .await
}
