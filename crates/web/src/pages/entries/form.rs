//! The unit's entry form and its save: the value, a note and evidence files, kept as a
//! draft or submitted; a refused value comes back on the form with the reasons.

use crate::auth::{DonVi, Require, User, CSRF_FIELD};
use crate::pages::{page, Chrome};
use crate::upload::{display_name, sniff};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use thidua_domain::entry::EntryState;
use thidua_domain::entry::{Period, Window};
use thidua_domain::plan::Kind;
use thidua_store::workflow::{NewAttachment, ValueForm};

pub(super) fn routes(cfg: &crate::Config) -> Router<AppState> {
    // Up to MAX_FILES evidence files and the form's fields.
    let limit = cfg.max_upload * MAX_FILES + crate::SMALL_BODY;
    Router::new().route("/so-lieu/nhap", get(form)).route(
        "/so-lieu/luu",
        post(save).layer(axum::extract::DefaultBodyLimit::max(limit)),
    )
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
    // Each period says where it stands against its deadline (the unit's own reopenings).
    let reopenings = state.db(move |s| Ok(s.reopenings(Some(unit_id))?)).await?;
    let today = thidua_domain::time::DateTime::now_local().date();
    let periods = Period::all_of_year(y)
        .into_iter()
        .map(|p| {
            let (c, l) = (p.code(), p.vi());
            // Newest first: the first of the period is the one in force.
            let until = reopenings.iter().find(|r| r.period == c).map(|r| r.until);
            let deadline = plan.entry_deadline(&f.indicator, p);
            let label = match Window::at(deadline, until, today) {
                Window::Open => match deadline {
                    Some(d) => format!("{l} (hạn nộp {})", d.vi()),
                    None => l,
                },
                Window::Reopened { until, .. } => format!("{l} (quá hạn, được mở lại đến {})", until.vi()),
                Window::Closed { deadline } => format!("{l} (đã quá hạn nộp {})", deadline.vi()),
            };
            let selected = c == f.period;
            (c, label, selected)
        })
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
            f = form_of(&e);
        }
    }
    page(&form_page(&state, &user, f, Vec::new()).await?)
}

/// A saved entry as its form shows it (decimals with a comma), to edit or send again.
pub(crate) fn form_of(e: &thidua_store::workflow::EntryRecord) -> ValueForm {
    ValueForm {
        unit: e.unit_code.clone(),
        indicator: e.indicator.clone(),
        period: e.period.clone(),
        numerator: e.numerator.clone().unwrap_or_default().replace('.', ","),
        denominator: e.denominator.clone().unwrap_or_default().replace('.', ","),
        value: e.value.map(|v| v.to_string()).unwrap_or_default(),
        note: e.note.clone(),
    }
}

impl EntryUpload {
    /// A saved entry sent again as it is, with the files `more` adds (the API's evidence
    /// and send actions).
    pub(crate) fn again(
        e: &thidua_store::workflow::EntryRecord,
        submit: bool,
        more: EntryUpload,
    ) -> EntryUpload {
        EntryUpload {
            form: form_of(e),
            submit,
            files: more.files,
            errors: more.errors,
        }
    }

    /// No value, no files: a body carrying only what `again` needs.
    pub(crate) fn empty() -> EntryUpload {
        EntryUpload {
            form: ValueForm::default(),
            submit: false,
            files: Written {
                files: Vec::new(),
                keep: false,
                state: None,
            },
            errors: Vec::new(),
        }
    }
}

/// Evidence files per save (each up to `Config::max_upload`).
const MAX_FILES: usize = 10;

/// One uploaded evidence file, checked and written under a server-made name.
struct Saved {
    meta: NewAttachment,
}

/// The files written so far; removed on every way out but a committed save (an error,
/// a refused value, a dropped connection).
struct Written {
    files: Vec<Saved>,
    keep: bool,
    /// Where they were written (none yet without it).
    state: Option<AppState>,
}

impl Drop for Written {
    fn drop(&mut self) {
        if let (false, Some(state)) = (self.keep, &self.state) {
            state.remove_files_soon(self.files.iter().map(|f| f.meta.stored_name.clone()).collect());
        }
    }
}

async fn save(
    State(state): State<AppState>,
    Require(user, ..): Require<DonVi>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let (_, unit_code, _) = user.unit.clone().ok_or(AppError::Forbidden)?;
    let read = read_entry(&state, mp, unit_code).await?;
    let (f, submit) = (read.form.clone(), read.submit);
    match save_entry(&state, &user, read).await? {
        Ok(id) => Ok(Redirect::to(&format!(
            "/so-lieu/{id}?tb={}",
            if submit { "da_gui" } else { "da_luu_nhap" }
        ))
        .into_response()),
        Err(errors) => {
            let body = page(&form_page(&state, &user, f, errors).await?)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

/// An entry as sent (the form's fields, or the API's): the value for `unit`, whether to
/// submit it, its evidence files already checked and written, and what was wrong.
pub(crate) struct EntryUpload {
    pub form: ValueForm,
    pub submit: bool,
    files: Written,
    errors: Vec<String>,
}

/// Reads an entry's multipart body: `chi_tieu`, `ky`, `tu_so`, `mau_so`, `gia_tri`,
/// `ghi_chu`, `hanh_dong` (`gui` submits) and up to `MAX_FILES` files `minh_chung`, each
/// within the upload limit and sniffed by content.
pub(crate) async fn read_entry(
    state: &AppState,
    mut mp: Multipart,
    unit: String,
) -> Result<EntryUpload, AppError> {
    let mut up = EntryUpload {
        form: ValueForm {
            unit,
            ..Default::default()
        },
        submit: false,
        files: Written {
            files: Vec::new(),
            keep: false,
            state: Some(state.clone()),
        },
        errors: Vec::new(),
    };
    let (f, files, errors) = (&mut up.form, &mut up.files, &mut up.errors);
    let max = state.config().max_upload;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(AppError::multipart(e, "Không đọc được biểu mẫu gửi lên")),
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
            // Listed before it is written, so a failed write is cleaned up too.
            files.files.push(Saved {
                meta: NewAttachment {
                    stored_name: stored_name.clone(),
                    file_name: shown,
                    media_type: media_type.into(),
                    size: bytes.len() as i64,
                },
            });
            state
                .put_file(stored_name, bytes)
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
            "hanh_dong" => up.submit = text == "gui",
            n if n == CSRF_FIELD => {}
            _ => {}
        }
    }
    Ok(up)
}

/// Checks and saves an entry (a draft, or submitted) with its files: the entry's id, or
/// what is wrong, each reason a sentence naming its field. The files are kept only when
/// the entry is saved.
pub(crate) async fn save_entry(
    state: &AppState,
    user: &User,
    up: EntryUpload,
) -> Result<Result<i64, Vec<String>>, AppError> {
    let EntryUpload {
        form: f,
        submit,
        mut files,
        errors,
    } = up;
    let out = save_checked(state, user, f, submit, &mut files, errors).await;
    // Files of a save that did not commit go before the answer (the drop is only the net
    // for a request cut off on the way).
    if !files.keep {
        let names: Vec<String> = files.files.drain(..).map(|f| f.meta.stored_name).collect();
        state.remove_files(names).await;
    }
    out
}

async fn save_checked(
    state: &AppState,
    user: &User,
    f: ValueForm,
    submit: bool,
    files: &mut Written,
    mut errors: Vec<String>,
) -> Result<Result<i64, Vec<String>>, AppError> {
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
        _ => return Ok(Err(errors)),
    };
    let actor = user.actor.clone();
    let metas: Vec<NewAttachment> = files.files.iter().map(|s| s.meta.clone()).collect();
    match state
        .db(move |s| Ok(s.save_entry(&actor, &row, submit, &metas)?))
        .await
    {
        Ok(id) => {
            files.keep = true;
            Ok(Ok(id))
        }
        Err(AppError::Refused(m)) => Ok(Err(vec![m.vi])),
        Err(e) => Err(e),
    }
}

pub(crate) fn field_label(column: &str) -> &str {
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
