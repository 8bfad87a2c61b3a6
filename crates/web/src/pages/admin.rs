//! Administration: accounts (the administrator creates users with a role and a unit, locks
//! and unlocks them) and the read-only audit log.

use super::{page, wants_xlsx, with_param, Chrome};
use crate::auth::{self, Auditors, QuanTri, Require, Role, SetupKeepers};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use thidua_app::award;
use thidua_app::credentials::password_problem;
use thidua_app::mail;
use thidua_domain::time::Date;
use thidua_store::audit::AuditFilter;
use thidua_store::users::NewUser;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/tai-khoan", get(users).post(create_user))
        .route("/quan-tri/tai-khoan/{id}/trang-thai", post(set_active))
        .route("/nhat-ky", get(audit))
        .route("/cai-dat", get(settings).post(save_settings))
        .route("/cai-dat/thu-dien-tu", axum::routing::post(save_mail_settings))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    table: String,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    error: Option<String>,
    users: Vec<(i64, String, bool)>,
    xlsx: Table,
}

#[derive(Deserialize)]
struct FlashQuery {
    tb: Option<String>,
    dinh_dang: Option<String>,
}

async fn users_page(
    state: &AppState,
    user: &auth::User,
    flash: Option<&str>,
    error: Option<String>,
) -> Result<UsersPage, AppError> {
    let (list, units) = state.db(|s| Ok((s.users_list()?, s.units()?))).await?;
    let mut t = Table::new(
        "Tài khoản",
        &[
            "Tên đăng nhập",
            "Họ tên",
            "Vai trò",
            "Đơn vị",
            "Thư điện tử",
            "Trạng thái",
        ],
    );
    for u in &list {
        t.rows.push(vec![
            Cell::text(&u.username),
            Cell::text(&u.full_name),
            Cell::text(Role::parse(&u.role).map(|r| r.vi()).unwrap_or("")),
            Cell::text(u.unit_name.clone().unwrap_or_default()),
            Cell::text(if u.email.is_empty() {
                "—"
            } else {
                u.email.as_str()
            }),
            if u.active {
                Cell::Status("Đang hoạt động".into(), "st-dat")
            } else {
                Cell::Status("Đã khóa".into(), "st-khong-dat")
            },
        ]);
    }
    Ok(UsersPage {
        c: Chrome::new(user, "/quan-tri/tai-khoan").with_flash(flash),
        table: t.html(),
        xlsx: t,
        roles: Role::ALL.iter().map(|r| (r.code(), r.vi())).collect(),
        units: units.into_iter().map(|u| (u.info.code, u.info.name)).collect(),
        error,
        users: list
            .into_iter()
            .filter(|u| u.id != user.id)
            .map(|u| (u.id, u.username, u.active))
            .collect(),
    })
}

async fn users(
    State(state): State<AppState>,
    Require(user, ..): Require<QuanTri>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    let p = users_page(&state, &user, q.tb.as_deref(), None).await?;
    if wants_xlsx(&q.dinh_dang) {
        return p.xlsx.xlsx_response("tai-khoan");
    }
    page(&p)
}

#[derive(Deserialize)]
struct NewUserForm {
    username: String,
    full_name: String,
    role: String,
    unit: Option<String>,
    password: String,
}

async fn create_user(
    State(state): State<AppState>,
    Require(user, ..): Require<QuanTri>,
    Form(f): Form<NewUserForm>,
) -> Result<Response, AppError> {
    if let Some(problem) = password_problem(&f.password, &f.username) {
        let body = page(&users_page(&state, &user, None, Some(problem.vi)).await?)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let pw = f.password.clone();
    let hash = tokio::task::spawn_blocking(move || thidua_app::credentials::hash_password(&pw))
        .await
        .map_err(|e| AppError::internal(e.to_string()))??;
    let actor = user.actor.clone();
    let unit = f.unit.clone().filter(|u| {
        !u.is_empty() && thidua_domain::role::Role::from_code(&f.role).is_some_and(|r| r.is_unit_role())
    });
    let res = state
        .db(move |s| {
            let new = NewUser {
                username: &f.username,
                full_name: &f.full_name,
                password_hash: &hash,
                role: &f.role,
                unit: unit.as_deref(),
            };
            Ok(s.create_user(&actor, &new)?)
        })
        .await;
    match res {
        Ok(_) => Ok(Redirect::to("/quan-tri/tai-khoan?tb=da_tao_tai_khoan").into_response()),
        Err(AppError::Refused(m)) => {
            let body = page(&users_page(&state, &user, None, Some(m.vi)).await?)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct ActiveForm {
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    Require(user, ..): Require<QuanTri>,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, AppError> {
    if id == user.id {
        return Err(AppError::refused("Không thể tự khóa tài khoản của mình."));
    }
    let actor = user.actor.clone();
    state
        .db(move |s| {
            s.user_by_id(id)?.ok_or(AppError::NotFound)?;
            Ok(s.set_user_active(&actor, id, f.active == "1")?)
        })
        .await?;
    Ok(Redirect::to("/quan-tri/tai-khoan?tb=da_doi_trang_thai").into_response())
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    nguoi: Option<String>,
    thao_tac: Option<String>,
    doi_tuong: Option<String>,
    tu_ngay: Option<String>,
    den_ngay: Option<String>,
    trang: Option<i64>,
    dinh_dang: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    q: (String, String, String, String, String),
    table: String,
    total: i64,
    page_no: i64,
    pages: i64,
    prev_link: Option<String>,
    next_link: Option<String>,
    xlsx_link: String,
    /// The hash chain's state: intact (with its head) or where it breaks.
    chain_ok: bool,
    chain: String,
    head_id: i64,
    head_hash: String,
    /// The filters' choices: (code, label) of every action and kind of object.
    actions: &'static [(&'static str, &'static str)],
    objects: &'static [(&'static str, &'static str)],
    /// A date filter that is not a date, said rather than ignored.
    bad_dates: Vec<String>,
}

fn day(s: &Option<String>) -> Option<Date> {
    let s = s.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    thidua_ingest::values::parse_date(&thidua_ingest::table::Cell::Text(s))
        .ok()
        .flatten()
}

async fn audit(
    State(state): State<AppState>,
    Require(user, ..): Require<Auditors>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    const SIZE: i64 = 100;
    let xlsx = wants_xlsx(&q.dinh_dang);
    let page_no = q.trang.unwrap_or(1).max(1);
    let filter = AuditFilter {
        username: q.nguoi.clone(),
        action: q.thao_tac.clone().filter(|a| !a.is_empty()),
        object_type: q.doi_tuong.clone().filter(|o| !o.is_empty()),
        from: day(&q.tu_ngay).map(|d| d.start().0),
        to: day(&q.den_ngay).map(|d| d.end().0),
        limit: if xlsx { 1_000_000 } else { SIZE },
        offset: if xlsx { 0 } else { (page_no - 1) * SIZE },
    };
    // Sign-ins noted a moment ago are in the log the reader sees.
    state.flush_account_events().await;
    let (records, total) = state.db(move |s| Ok(s.audit(&filter)?)).await?;
    let mut head = vec![
        "Thời điểm",
        "Người thực hiện",
        "Địa chỉ",
        "Thao tác",
        "Đối tượng",
        "Thay đổi",
        "Mã yêu cầu",
    ];
    // the workbook keeps the records' before and after as written, for an auditor
    if xlsx {
        head.extend(["Trước (JSON)", "Sau (JSON)"]);
    }
    let mut t = Table::new("Nhật ký thay đổi", &head);
    for r in &records {
        let mut row = vec![
            Cell::text(thidua_app::fmt::date_time(r.at)),
            Cell::text(&r.username),
            Cell::text(&r.address),
            Cell::text(thidua_domain::audit::action_vi(&r.action).unwrap_or(&r.action)),
            Cell::text(format!(
                "{} {}",
                thidua_domain::audit::object_vi(&r.object_type).unwrap_or(&r.object_type),
                r.object_id
            )),
            Cell::text(thidua_app::fmt::audit_change(
                r.before.as_deref(),
                r.after.as_deref(),
            )),
            Cell::text(&r.request_id),
        ];
        if xlsx {
            row.extend([
                Cell::text(r.before.clone().unwrap_or_default()),
                Cell::text(r.after.clone().unwrap_or_default()),
            ]);
        }
        t.rows.push(row);
    }
    if xlsx {
        return t.xlsx_response("nhat-ky");
    }
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let params = [
        ("nguoi", s(&q.nguoi)),
        ("thao_tac", s(&q.thao_tac)),
        ("doi_tuong", s(&q.doi_tuong)),
        ("tu_ngay", s(&q.tu_ngay)),
        ("den_ngay", s(&q.den_ngay)),
    ];
    let pages = ((total + SIZE - 1) / SIZE).max(1);
    let report = state.db(|s| Ok(s.verify_chain(None)?)).await?;
    page(&AuditPage {
        chain_ok: report.is_intact(),
        chain: report.message().vi,
        head_id: report.head.0,
        head_hash: report.head.1.clone(),
        actions: thidua_domain::audit::ACTIONS,
        objects: thidua_domain::audit::OBJECTS,
        bad_dates: [&q.tu_ngay, &q.den_ngay]
            .into_iter()
            .filter_map(|d| d.as_deref().map(str::trim).filter(|t| !t.is_empty()))
            .filter(|t| day(&Some(t.to_string())).is_none())
            .map(|t| format!("Ngày «{t}» không hợp lệ (dd/mm/yyyy): bộ lọc theo ngày này chưa được áp dụng."))
            .collect(),
        c: Chrome::new(&user, "/nhat-ky"),
        q: (
            s(&q.nguoi),
            s(&q.thao_tac),
            s(&q.doi_tuong),
            s(&q.tu_ngay),
            s(&q.den_ngay),
        ),
        table: t.html(),
        total,
        page_no,
        pages,
        prev_link: (page_no > 1).then(|| with_param(&params, "trang", &(page_no - 1).to_string())),
        next_link: (page_no < pages).then(|| with_param(&params, "trang", &(page_no + 1).to_string())),
        xlsx_link: with_param(&params, "dinh_dang", "xlsx"),
    })
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    c: Chrome,
    plan_title: String,
    plan_code: String,
    plans: Vec<(String, String)>,
    province: String,
    place: String,
    /// (field, label, value) of the signers' settings.
    signers: Vec<(&'static str, &'static str, String)>,
    deadline: String,
    plan_deadline: String,
    publish_progress: bool,
    error: Option<String>,
    /// The mail server's settings: (field, label, value).
    mail: Vec<(&'static str, &'static str, String)>,
    /// (code, label, chosen) of the connection's protection.
    security: Vec<(&'static str, &'static str, bool)>,
    /// The mail server's password is in the environment.
    password_set: bool,
    /// The latest messages: (queued at, to, subject, state).
    outbox: Vec<(String, String, String, String)>,
}

/// The mail server's settings as text fields: (key = form field, label).
const MAIL_FIELDS: &[(&str, &str)] = &[
    (
        mail::SMTP_HOST_KEY,
        "Máy chủ thư (SMTP) — để trống: chưa gửi thư, thư chờ trong hàng đợi",
    ),
    (
        mail::SMTP_PORT_KEY,
        "Cổng (để trống: theo cách bảo mật: 587, 465 hoặc 25)",
    ),
    (
        mail::SMTP_USER_KEY,
        "Tên đăng nhập máy chủ thư (để trống nếu không cần)",
    ),
    (
        mail::SMTP_FROM_KEY,
        "Địa chỉ gửi (ví dụ: thidua@snv.example.gov.vn)",
    ),
    (
        mail::SITE_URL_KEY,
        "Địa chỉ trang web ghi trong thư (ví dụ: https://thidua.example.gov.vn)",
    ),
];

async fn settings_page(
    state: &AppState,
    user: &auth::User,
    plan: Option<&str>,
    flash: Option<&str>,
    error: Option<String>,
) -> Result<SettingsPage, AppError> {
    let chosen = state.plan(plan.map(str::to_string)).await?;
    let plan = chosen.clone();
    let (mail_values, outbox) = state
        .db(|s| {
            let mut values = Vec::new();
            for (key, label) in MAIL_FIELDS.iter().chain([(mail::SMTP_SECURITY_KEY, "")].iter()) {
                values.push((*key, *label, s.setting(key)?.unwrap_or_default()));
            }
            Ok((values, s.outbox(20)?))
        })
        .await?;
    let chosen_security = mail_values
        .iter()
        .find(|(k, ..)| *k == mail::SMTP_SECURITY_KEY)
        .and_then(|(.., v)| mail::Security::parse(v))
        .unwrap_or(mail::Security::StartTls);
    let (province, place, deadline, publish, signers) = state
        .db(move |s| {
            let mut signers = Vec::new();
            for (key, label) in SIGNER_FIELDS {
                signers.push((*key, *label, s.setting(key)?.unwrap_or_default()));
            }
            Ok((
                s.setting(award::PROVINCE_KEY)?.unwrap_or_default(),
                s.setting(award::PLACE_KEY)?.unwrap_or_default(),
                s.setting(&award::deadline_key(&plan.code))?
                    .as_deref()
                    .and_then(Date::parse_iso),
                s.setting(&award::progress_key(&plan.code))?.as_deref() == Some("1"),
                signers,
            ))
        })
        .await?;
    let plans_list = state
        .db(|s| {
            Ok(s.plans()?
                .into_iter()
                .map(|p| (p.code, p.title))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(SettingsPage {
        c: Chrome::new(user, "/cai-dat").with_flash(flash),
        plan_title: chosen.title.clone(),
        plan_code: chosen.code.clone(),
        plans: plans_list,
        province,
        place,
        signers,
        deadline: deadline.map(|d| d.vi()).unwrap_or_default(),
        plan_deadline: chosen
            .deadlines
            .nomination_submit
            .map(|d| d.vi())
            .unwrap_or_else(|| "kế hoạch không quy định".into()),
        publish_progress: publish,
        error,
        mail: mail_values
            .into_iter()
            .filter(|(k, ..)| *k != mail::SMTP_SECURITY_KEY)
            .collect(),
        security: mail::Security::ALL
            .iter()
            .map(|x| (x.code(), x.vi(), *x == chosen_security))
            .collect(),
        password_set: std::env::var_os(mail::PASSWORD_ENV).is_some(),
        outbox: outbox
            .into_iter()
            .map(|m| {
                let state = match (m.sent_at, m.attempts) {
                    (Some(t), _) => format!("Đã gửi {}", thidua_app::fmt::date_time(t)),
                    (None, 0) => "Chờ gửi".to_string(),
                    (None, n) if n >= thidua_store::mail::MAX_ATTEMPTS => {
                        format!("Không gửi được sau {n} lần: {}", m.last_error)
                    }
                    (None, n) => format!("Chờ gửi lại (đã thử {n} lần: {})", m.last_error),
                };
                (
                    thidua_app::fmt::date_time(m.created_at),
                    m.recipient,
                    m.subject,
                    state,
                )
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct MailForm {
    smtp_may_chu: String,
    smtp_cong: String,
    smtp_bao_mat: String,
    smtp_ten_dang_nhap: String,
    smtp_dia_chi_gui: String,
    dia_chi_trang: String,
}

/// The mail server: checked (port a number, addresses well formed), then saved.
async fn save_mail_settings(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Form(f): Form<MailForm>,
) -> Result<Response, AppError> {
    let mut errors = Vec::new();
    let port = f.smtp_cong.trim();
    if !port.is_empty() && port.parse::<u16>().map_or(true, |p| p == 0) {
        errors.push(format!("Cổng «{port}» phải là số từ 1 đến 65535."));
    }
    let security = mail::Security::parse(&f.smtp_bao_mat);
    if security.is_none() {
        errors.push("Hãy chọn cách bảo mật kết nối.".to_string());
    }
    let from = match mail::check_address(&f.smtp_dia_chi_gui) {
        Ok(a) => a,
        Err(e) => {
            errors.push(format!("Địa chỉ gửi: {e}"));
            String::new()
        }
    };
    let site = f.dia_chi_trang.trim().trim_end_matches('/').to_string();
    if !(site.is_empty() || site.starts_with("https://") || site.starts_with("http://")) {
        errors.push("Địa chỉ trang web bắt đầu bằng https:// (hoặc http://).".to_string());
    }
    let texts = [&f.smtp_may_chu, &f.smtp_ten_dang_nhap, &f.dia_chi_trang];
    if texts.iter().any(|t| t.trim().chars().count() > 200) {
        errors.push("Mỗi mục dài tối đa 200 ký tự.".to_string());
    }
    if !errors.is_empty() {
        let body = page(&settings_page(&state, &user, None, None, Some(errors.join(" "))).await?)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let actor = user.actor.clone();
    let security = security.map(|x| x.code()).unwrap_or_default();
    state
        .db(move |s| {
            for (key, value) in [
                (mail::SMTP_HOST_KEY, f.smtp_may_chu.trim()),
                (mail::SMTP_PORT_KEY, f.smtp_cong.trim()),
                (mail::SMTP_SECURITY_KEY, security),
                (mail::SMTP_USER_KEY, f.smtp_ten_dang_nhap.trim()),
                (mail::SMTP_FROM_KEY, &from),
                (mail::SITE_URL_KEY, &site),
            ] {
                s.set_setting(&actor, key, value)?;
            }
            Ok(())
        })
        .await?;
    Ok(Redirect::to("/cai-dat?tb=da_luu_thu_dien_tu#thu-dien-tu").into_response())
}

#[derive(Deserialize)]
struct SettingsQuery {
    tb: Option<String>,
    ke_hoach: Option<String>,
}

async fn settings(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, AppError> {
    page(&settings_page(&state, &user, q.ke_hoach.as_deref(), q.tb.as_deref(), None).await?)
}

/// The signers' settings: (key = form field, label).
const SIGNER_FIELDS: &[(&str, &str)] = &[
    (award::BOARD_SIGNER_KEY, "Họ tên người ký tờ trình của Ban Thi đua - Khen thưởng"),
    (
        award::BOARD_SIGNER_TITLE_KEY,
        "Chức danh người ký tờ trình (các dòng cách nhau bởi «—», ví dụ: KT. TRƯỞNG BAN — PHÓ TRƯỞNG BAN; để trống: TRƯỞNG BAN)",
    ),
    (
        award::DECISION_SIGNER_KEY,
        "Họ tên người ký quyết định khen thưởng (để trống: theo kế hoạch)",
    ),
    (
        award::DECISION_SIGNER_TITLE_KEY,
        "Chức danh người ký quyết định (ví dụ: KT. CHỦ TỊCH — PHÓ CHỦ TỊCH; để trống: theo kế hoạch)",
    ),
    (award::OFFICE_SIGNER_KEY, "Họ tên người ký báo cáo sơ kết, tổng kết của Sở Nội vụ"),
    (
        award::OFFICE_SIGNER_TITLE_KEY,
        "Chức danh người ký báo cáo (ví dụ: KT. GIÁM ĐỐC — PHÓ GIÁM ĐỐC; để trống: GIÁM ĐỐC)",
    ),
];

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    ke_hoach: Option<String>,
    ten_tinh: String,
    dia_danh: String,
    han_nop: String,
    #[serde(default)]
    cong_bo_tien_do: Option<String>,
    #[serde(default)]
    nguoi_ky_ban_tdkt: String,
    #[serde(default)]
    chuc_danh_ky_ban_tdkt: String,
    #[serde(default)]
    nguoi_ky_quyet_dinh: String,
    #[serde(default)]
    chuc_danh_ky_quyet_dinh: String,
    #[serde(default)]
    nguoi_ky_so_noi_vu: String,
    #[serde(default)]
    chuc_danh_ky_so_noi_vu: String,
}

async fn save_settings(
    State(state): State<AppState>,
    Require(user, ..): Require<SetupKeepers>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let texts = [
        &f.ten_tinh,
        &f.dia_danh,
        &f.nguoi_ky_ban_tdkt,
        &f.chuc_danh_ky_ban_tdkt,
        &f.nguoi_ky_quyet_dinh,
        &f.chuc_danh_ky_quyet_dinh,
        &f.nguoi_ky_so_noi_vu,
        &f.chuc_danh_ky_so_noi_vu,
    ];
    // the settings page again, with what is wrong above the form
    let refused = |error: String| async {
        let body = page(&settings_page(&state, &user, f.ke_hoach.as_deref(), None, Some(error)).await?)?;
        Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
    };
    if texts.iter().any(|t| t.trim().chars().count() > 120) {
        return refused("Mỗi mục cài đặt dài tối đa 120 ký tự.".into()).await;
    }
    let deadline = match f.han_nop.trim() {
        "" => None,
        t => match thidua_ingest::values::parse_date(&thidua_ingest::table::Cell::Text(t)) {
            Ok(Some(d)) => Some(d),
            _ => return refused(format!("Hạn nộp «{t}» không phải ngày hợp lệ (dd/mm/yyyy).")).await,
        },
    };
    let chosen = state.plan(f.ke_hoach.clone().filter(|c| !c.is_empty())).await?;
    let (plan, actor) = (chosen.code.clone(), user.actor.clone());
    state
        .db(move |s| {
            s.set_setting(&actor, award::PROVINCE_KEY, f.ten_tinh.trim())?;
            s.set_setting(&actor, award::PLACE_KEY, f.dia_danh.trim())?;
            for (key, value) in [
                (award::BOARD_SIGNER_KEY, &f.nguoi_ky_ban_tdkt),
                (award::BOARD_SIGNER_TITLE_KEY, &f.chuc_danh_ky_ban_tdkt),
                (award::DECISION_SIGNER_KEY, &f.nguoi_ky_quyet_dinh),
                (award::DECISION_SIGNER_TITLE_KEY, &f.chuc_danh_ky_quyet_dinh),
                (award::OFFICE_SIGNER_KEY, &f.nguoi_ky_so_noi_vu),
                (award::OFFICE_SIGNER_TITLE_KEY, &f.chuc_danh_ky_so_noi_vu),
            ] {
                s.set_setting(&actor, key, value.trim())?;
            }
            s.set_setting(
                &actor,
                &award::deadline_key(&plan),
                &deadline.map(|d| d.iso()).unwrap_or_default(),
            )?;
            s.set_setting(
                &actor,
                &award::progress_key(&plan),
                if f.cong_bo_tien_do.is_some() { "1" } else { "0" },
            )?;
            Ok(())
        })
        .await?;
    Ok(Redirect::to(&format!(
        "/cai-dat?tb=da_luu_cai_dat&ke_hoach={}",
        crate::pages::enc(&chosen.code)
    ))
    .into_response())
}
