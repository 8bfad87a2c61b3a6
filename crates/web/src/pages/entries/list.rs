//! The entries list: the office's verification queue and the head's sign-off queue by
//! default, any state on request, and the same table as a workbook.

use super::{state_class, value_vi};
use crate::auth::SignedIn;
use crate::pages::{page, wants_xlsx, Chrome};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use thidua_domain::entry::EntryState;
use thidua_store::workflow::{period_vi, EntryFilter};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/so-lieu", get(list))
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
