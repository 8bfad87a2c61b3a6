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
use thidua_store::queue::{EntryQuery, EntrySort};
use thidua_store::workflow::period_vi;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/so-lieu", get(list))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    trang_thai: Option<String>,
    don_vi: Option<String>,
    cap: Option<String>,
    chi_tieu: Option<String>,
    ky: Option<String>,
    sap_xep: Option<String>,
    trang: Option<i64>,
    tb: Option<String>,
    so: Option<i64>,
    dinh_dang: Option<String>,
}

/// Rows on one page of the queue.
const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "entries.html")]
struct ListPage {
    c: Chrome,
    heading: String,
    states: Vec<(&'static str, &'static str, bool)>,
    units: Vec<(String, String, bool)>,
    tiers: Vec<(String, String, bool)>,
    indicators: Vec<(String, String, bool)>,
    periods: Vec<(String, String, bool)>,
    sorts: Vec<(&'static str, &'static str, bool)>,
    can_enter: bool,
    /// The office's waiting entries: each row has a box, and the chosen are verified at once.
    can_bulk: bool,
    table: String,
    summary: String,
    pages: Vec<(i64, String, bool)>,
    xlsx_link: String,
}

/// The filters as a query string (without the page), for links that keep them.
fn query_string(q: &ListQuery, state: &str) -> String {
    use crate::pages::enc;
    let mut out = format!("trang_thai={}", enc(state));
    for (k, v) in [
        ("don_vi", &q.don_vi),
        ("cap", &q.cap),
        ("chi_tieu", &q.chi_tieu),
        ("ky", &q.ky),
        ("sap_xep", &q.sap_xep),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            out.push_str(&format!("&{k}={}", enc(v)));
        }
    }
    out
}

/// A person's name for a username (the username only when the account has no name).
pub(super) fn person(people: &std::collections::HashMap<String, String>, username: &str) -> String {
    people
        .get(username)
        .cloned()
        .unwrap_or_else(|| username.to_string())
}

fn chosen(v: &Option<String>) -> Option<String> {
    v.clone().filter(|v| !v.is_empty())
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
    let xlsx = wants_xlsx(&q.dinh_dang);
    let sort = q
        .sap_xep
        .as_deref()
        .and_then(EntrySort::parse)
        .unwrap_or_default();
    let page_no = q.trang.unwrap_or(1).max(1);
    let query = EntryQuery {
        unit_id,
        state: wanted,
        unit_code: chosen(&q.don_vi),
        tier: chosen(&q.cap),
        indicator: chosen(&q.chi_tieu),
        period: chosen(&q.ky),
        sort,
        // the workbook holds every row the filters select
        page: if xlsx { 1 } else { page_no },
        per_page: if xlsx { 500 } else { PER_PAGE },
    };
    let reads_all = user.reads_all();
    let (entries, total, units, periods, people) = state
        .db(move |s| {
            let (mut rows, total) = s.entry_page(&query)?;
            if xlsx {
                // every page, 500 rows at a time
                let mut q = query.clone();
                while (rows.len() as i64) < total {
                    q.page += 1;
                    let (more, _) = s.entry_page(&q)?;
                    if more.is_empty() {
                        break;
                    }
                    rows.extend(more);
                }
            }
            let units = if reads_all { s.units()? } else { Vec::new() };
            Ok((rows, total, units, s.entry_periods()?, s.people()?))
        })
        .await?;
    let plan = state.plan(None).await?;
    let can_bulk = user.role == crate::auth::Role::SoNoiVu && wanted == Some(EntryState::DaGui) && !xlsx;
    let mut headers = vec![
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
    ];
    if can_bulk {
        headers.insert(0, "Chọn");
    }
    let mut t = Table::new("Số liệu", &headers);
    for e in &entries {
        let name = plan
            .indicator(&e.indicator)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| e.indicator.clone());
        let mut row = vec![
            Cell::text(&e.unit_name),
            Cell::Link(name.clone(), format!("/so-lieu/{}", e.id)),
            Cell::text(period_vi(&e.period)),
            Cell::text(value_vi(e)),
            Cell::Status(e.state.vi().into(), state_class(e.state)),
            Cell::text(
                e.signed_by
                    .as_deref()
                    .map(|u| person(&people, u))
                    .unwrap_or_default(),
            ),
            Cell::text(&e.reason),
            Cell::int(e.attachments),
            Cell::text(thidua_app::fmt::date_time(e.updated_at)),
            Cell::text(person(&people, &e.updated_by)),
        ];
        if can_bulk {
            row.insert(
                0,
                Cell::Check {
                    form: "chon-xac-nhan",
                    name: "id",
                    value: e.id.to_string(),
                    label: format!("Chọn: {} — {name} — {}", e.unit_name, period_vi(&e.period)),
                },
            );
        }
        t.rows.push(row);
    }
    if xlsx {
        return t.xlsx_response("so-lieu");
    }
    let current = wanted.map(|s| s.code()).unwrap_or("tat_ca");
    let mut states = vec![("tat_ca", "Tất cả", current == "tat_ca")];
    states.extend(
        EntryState::ALL
            .iter()
            .map(|s| (s.code(), s.vi(), current == s.code())),
    );
    let is = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    let units_opts = units
        .iter()
        .map(|u| {
            (
                u.info.code.clone(),
                u.info.name.clone(),
                is(&q.don_vi, &u.info.code),
            )
        })
        .collect();
    let tiers = plan
        .tiers
        .iter()
        .map(|t| (t.code.clone(), t.name.clone(), is(&q.cap, &t.code)))
        .collect();
    let indicators = plan
        .indicators
        .iter()
        .filter(|i| i.kind != thidua_domain::plan::Kind::Computed)
        .map(|i| (i.code.clone(), i.name.clone(), is(&q.chi_tieu, &i.code)))
        .collect();
    let periods = periods
        .iter()
        .map(|p| (p.clone(), period_vi(p), is(&q.ky, p)))
        .collect();
    let sorts = EntrySort::ALL
        .iter()
        .map(|s| (s.code(), s.vi(), *s == sort))
        .collect();
    let filters = query_string(&q, current);
    let last = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let pages = (1..=last)
        .filter(|&p| p == 1 || p == last || (p - page_no).abs() <= 3)
        .map(|p| (p, format!("/so-lieu?{filters}&trang={p}"), p == page_no))
        .collect();
    let first = (page_no - 1) * PER_PAGE + 1;
    let summary = if total == 0 {
        "Không có số liệu nào theo điều kiện lọc.".to_string()
    } else {
        format!(
            "{}–{} trong {} số liệu",
            first.min(total),
            (first + entries.len() as i64 - 1).min(total),
            total
        )
    };
    let notice = match (q.tb.as_deref(), q.so) {
        (Some("da_xac_nhan_nhieu"), Some(n)) => Some(format!("Đã xác nhận {n} số liệu.")),
        _ => None,
    };
    page(&ListPage {
        c: Chrome::new(&user, "/so-lieu")
            .with_flash(q.tb.as_deref())
            .with_notice(notice)
            .printing(format!(
                "Số liệu {} — {total} dòng theo bộ lọc — in lúc {}",
                wanted
                    .map(|s| s.vi().to_lowercase())
                    .unwrap_or_else(|| "mọi trạng thái".into()),
                thidua_domain::time::DateTime::now_local().vi()
            )),
        heading: match user.role {
            crate::auth::Role::SoNoiVu => "Xác nhận số liệu".into(),
            crate::auth::Role::NguoiDungDau => "Ký duyệt số liệu của đơn vị".into(),
            _ => "Số liệu".into(),
        },
        states,
        units: units_opts,
        tiers,
        indicators,
        periods,
        sorts,
        can_enter: user.role == crate::auth::Role::DonVi,
        can_bulk,
        table: t.html(),
        summary,
        pages,
        xlsx_link: format!("/so-lieu?{filters}&dinh_dang=xlsx"),
    })
}
