//! The province overview (units × indicators by status), the ranking and the early warning.

use super::{page, wants_xlsx, with_param, Chrome};
use crate::auth::{Officials, Require};
use crate::cache::Snapshot;
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;
use thidua_app::fmt::{self, status_class, summary_vi, tier_name};
use thidua_domain::eval::{HeadResult, Status};
use thidua_domain::rank::{self, score_vi};
use thidua_domain::text::fold;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tong-quan", get(overview))
        .route("/xep-hang", get(ranking))
        .route("/canh-bao", get(warnings))
}

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    pub nam: Option<i32>,
    pub cap: Option<String>,
    pub nhom: Option<String>,
    pub q: Option<String>,
    pub dinh_dang: Option<String>,
}

pub struct TierCard {
    pub name: String,
    pub heads: usize,
    pub eligible: usize,
    pub met: usize,
    pub not_met: usize,
    pub missing: usize,
}

#[derive(Template)]
#[template(path = "overview_body.html")]
struct OverviewBody {
    title: String,
    as_of: String,
    provisional_note: bool,
    cards: Vec<TierCard>,
    tiers: Vec<(String, String, bool)>,
    groups: Vec<(String, String, bool)>,
    q: String,
    year: i32,
    table: Arc<String>,
    xlsx_link: String,
}

pub fn head_link(h: &HeadResult) -> String {
    format!("/danh-gia/{}/{}", h.unit.code, h.head.from.iso())
}

/// What every printed sheet of a page of results says at its top.
pub fn print_head(s: &Snapshot) -> String {
    format!(
        "{} — số liệu tính đến {}{}",
        s.plan.title,
        s.as_of.vi(),
        if s.year_closed {
            " (kết quả cuối kỳ)"
        } else {
            " (tạm tính)"
        }
    )
}

pub fn snapshot_title(s: &Snapshot) -> String {
    format!("{} (đến {})", s.plan.title, s.as_of.vi())
}

async fn overview(
    State(state): State<AppState>,
    request: axum::http::HeaderMap,
    Require(user, ..): Require<Officials>,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let snap = state.snapshot(q.nam).await?;
    let plan = &snap.plan;
    let cap = q.cap.clone().filter(|c| plan.tier(c).is_some());
    let nhom = q
        .nhom
        .clone()
        .filter(|g| plan.groups.iter().any(|x| &x.code == g));
    let search = fold(q.q.as_deref().unwrap_or("").trim());
    let indicators: Vec<_> = plan
        .indicators
        .iter()
        .filter(|i| nhom.as_ref().is_none_or(|g| &i.group == g))
        .collect();
    let mut headers = vec![
        "Mã đơn vị".to_string(),
        "Đơn vị".into(),
        "Cấp".into(),
        "Người đứng đầu".into(),
        "Số tháng".into(),
    ];
    // The plan's names only: codes are for files and the API.
    headers.extend(indicators.iter().map(|i| i.name.clone()));
    headers.push("Kết quả".into());
    let xlsx = wants_xlsx(&q.dinh_dang);
    // The table is the same for every official with these filters: rendered once per
    // snapshot (a busy morning reads it thousands of times).
    let key = format!(
        "{}|tong-quan|{}|{}|{search}",
        snap.id,
        cap.as_deref().unwrap_or(""),
        nhom.as_deref().unwrap_or("")
    );
    let build = || {
        let mut table = Table {
            title: format!("Kết quả theo đơn vị — {}", snapshot_title(&snap)),
            headers,
            rows: Vec::new(),
        };
        let shown: Vec<&HeadResult> = snap
            .eval
            .heads
            .iter()
            .filter(|h| cap.as_ref().is_none_or(|c| &h.unit.tier == c))
            .filter(|h| {
                search.is_empty()
                    || fold(&h.unit.name).contains(&search)
                    || fold(&h.unit.code).contains(&search)
                    || fold(&h.head.name).contains(&search)
            })
            .collect();
        for h in &shown {
            let mut row = vec![
                Cell::Link(h.unit.code.clone(), format!("/don-vi/{}", h.unit.code)),
                Cell::text(&h.unit.name),
                Cell::text(tier_name(plan, &h.unit.tier)),
                Cell::Link(h.head.name.clone(), head_link(h)),
                Cell::int(h.months.len() as i64),
            ];
            for ind in &indicators {
                row.push(match h.indicator(&ind.code) {
                    Some(r) => {
                        let mark = if r.provisional { " (tạm tính)" } else { "" };
                        // A yes/no value or no value says nothing the status does not
                        // ("Đạt: Đạt", "Không phát sinh: —"): the status alone then.
                        let text = match r.value {
                            thidua_domain::results::Value::Bool(_) | thidua_domain::results::Value::None => {
                                format!("{}{mark}", r.status.vi())
                            }
                            _ => format!("{}: {}{mark}", r.status.vi(), r.value.vi()),
                        };
                        Cell::measured(
                            &r.value,
                            format!("{}{mark}", r.status.vi()),
                            text,
                            status_class(r.status),
                        )
                    }
                    None => Cell::text("—"),
                });
            }
            let css = if h.eligible { "st-dat" } else { "st-khong-dat" };
            row.push(Cell::Status(summary_vi(h.summary_status()).to_string(), css));
            table.rows.push(row);
        }
        table
    };
    if xlsx {
        return build().xlsx_response(&format!("tong-quan-{}", plan.code));
    }
    // The page's content is the same for every official too: kept under the same key.
    let body_key = format!("{key}|body|{}", q.q.as_deref().unwrap_or(""));
    let body = match state.kept::<Arc<super::KeptBody>>(&body_key) {
        Some(b) => b,
        None => {
            let table = state.fragment(key, || build().html());
            let b = super::KeptBody::new(super::render(&overview_body(
                &snap,
                &q,
                cap.clone(),
                nhom.clone(),
                table,
            ))?);
            state.keep(body_key, b.clone());
            b
        }
    };
    super::shell_page(
        Chrome::new(&user, "/tong-quan").printing(print_head(&snap)),
        "Tổng quan",
        body,
        super::accepts_gzip(&request),
    )
}

fn overview_body(
    snap: &Snapshot,
    q: &OverviewQuery,
    cap: Option<String>,
    nhom: Option<String>,
    table: Arc<String>,
) -> OverviewBody {
    let plan = &snap.plan;
    let cards = plan
        .tiers
        .iter()
        .map(|t| {
            let hs: Vec<&HeadResult> = snap.eval.heads.iter().filter(|h| h.unit.tier == t.code).collect();
            let count = |st: Status| {
                hs.iter()
                    .flat_map(|h| &h.indicators)
                    .filter(|r| r.status == st)
                    .count()
            };
            TierCard {
                name: t.name.clone(),
                heads: hs.len(),
                eligible: hs.iter().filter(|h| h.eligible).count(),
                met: count(Status::Dat),
                not_met: count(Status::KhongDat),
                missing: count(Status::ThieuSoLieu),
            }
        })
        .collect();
    let params = [
        ("nam", q.nam.map(|y| y.to_string()).unwrap_or_default()),
        ("cap", cap.clone().unwrap_or_default()),
        ("nhom", nhom.clone().unwrap_or_default()),
        ("q", q.q.clone().unwrap_or_default()),
    ];
    OverviewBody {
        title: plan.title.clone(),
        as_of: snap.as_of.vi(),
        provisional_note: snap.eval.heads.iter().any(|h| h.provisional),
        cards,
        tiers: plan
            .tiers
            .iter()
            .map(|t| (t.code.clone(), t.name.clone(), cap.as_ref() == Some(&t.code)))
            .collect(),
        groups: plan
            .groups
            .iter()
            .map(|g| (g.code.clone(), g.name.clone(), nhom.as_ref() == Some(&g.code)))
            .collect(),
        q: q.q.clone().unwrap_or_default(),
        year: plan.period_from.ymd().0,
        table,
        xlsx_link: with_param(&params, "dinh_dang", "xlsx"),
    }
}

#[derive(Deserialize)]
pub struct YearQuery {
    pub nam: Option<i32>,
    pub dinh_dang: Option<String>,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub c: Chrome,
    pub heading: String,
    pub intro: Vec<String>,
    pub table: String,
    pub xlsx_link: Option<String>,
}

pub fn ranking_table(snap: &Snapshot) -> Table {
    let plan = &snap.plan;
    let mut t = Table::new(
        format!("Xếp hạng người đứng đầu đủ điều kiện — {}", snapshot_title(snap)),
        &[
            "Hạng",
            "Người đứng đầu",
            "Chức vụ",
            "Đơn vị",
            "Cấp",
            "Điểm ưu tiên",
            "Số tháng",
            "Số liệu",
            "Đề xuất",
        ],
    );
    let suggested = rank::suggested(&snap.eval.heads, &plan.award);
    for h in rank::ranked(&snap.eval.heads) {
        let rank = h.rank.unwrap_or(0);
        t.rows.push(vec![
            Cell::int(rank as i64),
            Cell::Link(h.head.name.clone(), head_link(h)),
            Cell::text(&h.head.title),
            Cell::Link(h.unit.name.clone(), format!("/don-vi/{}", h.unit.code)),
            Cell::text(tier_name(plan, &h.unit.tier)),
            Cell::Num(h.score.0 as f64 / 1e6, score_vi(h.score)),
            Cell::int(h.months.len() as i64),
            if h.provisional {
                Cell::Status("Tạm tính (còn số liệu chờ xác nhận)".into(), "st-cho")
            } else {
                Cell::text("Đã xác nhận")
            },
            if suggested.heads.iter().any(|s| std::ptr::eq(*s, h)) {
                Cell::Status(format!("Trong {} suất khen thưởng", plan.award.quota), "st-dat")
            } else if let Some((_, first)) = suggested.passed_over.iter().find(|(p, _)| std::ptr::eq(*p, h)) {
                Cell::Status(
                    format!(
                        "Không đề xuất: đơn vị đã có {} (hạng {}); mỗi đơn vị một người",
                        first.head.name,
                        first.rank.unwrap_or(0)
                    ),
                    "st-cho",
                )
            } else {
                Cell::text("")
            },
        ]);
    }
    t
}

/// The ranking: the province's officials; a unit's people too (read-only) where the plan
/// says so.
async fn ranking(
    State(state): State<AppState>,
    crate::auth::SignedIn(user): crate::auth::SignedIn,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let snap = state.snapshot(q.nam).await?;
    let allowed = <Officials as crate::auth::Roles>::ROLES.contains(&user.role)
        || (user.is_unit_role() && snap.plan.award.units_see_ranking);
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let table = ranking_table(&snap);
    if wants_xlsx(&q.dinh_dang) {
        return table.xlsx_response(&format!("xep-hang-{}", snap.plan.code));
    }
    let total = snap.eval.heads.len();
    let eligible = snap.eval.heads.iter().filter(|h| h.eligible).count();
    let mut intro = vec![
        format!("{eligible} trên {total} người đứng đầu đủ điều kiện. Hình thức khen thưởng: {}, tối đa {} người.", snap.plan.award.form, snap.plan.award.quota),
        format!("Thứ tự ưu tiên: {}", snap.plan.award.priority),
    ];
    if !snap.year_closed {
        intro.push("Kỳ thi đua chưa kết thúc: xếp hạng tính đến hôm nay và còn thay đổi.".into());
    }
    page(&ListPage {
        c: Chrome::new(&user, "/xep-hang").printing(print_head(&snap)),
        heading: "Xếp hạng".into(),
        intro,
        table: table.html(),
        xlsx_link: Some(with_param(
            &[("nam", q.nam.map(|y| y.to_string()).unwrap_or_default())],
            "dinh_dang",
            "xlsx",
        )),
    })
}

async fn warnings(
    State(state): State<AppState>,
    Require(user, ..): Require<Officials>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let snap = state.snapshot(q.nam).await?;
    let plan = &snap.plan;
    let mut t = Table::new(
        format!("Đơn vị dưới chỉ tiêu — {}", snapshot_title(&snap)),
        &[
            "Đơn vị",
            "Người đứng đầu",
            "Chỉ tiêu",
            "Giá trị lũy kế",
            "Chỉ tiêu đặt ra",
            "Khoảng cách đến chỉ tiêu",
            "Tình trạng",
        ],
    );
    for h in &snap.eval.heads {
        for r in h
            .indicators
            .iter()
            .filter(|r| matches!(r.status, Status::KhongDat | Status::ThieuSoLieu))
        {
            let Some(ind) = plan.indicator(&r.code) else {
                continue;
            };
            t.rows.push(vec![
                Cell::Link(h.unit.name.clone(), format!("/don-vi/{}", h.unit.code)),
                Cell::text(&h.head.name),
                Cell::text(&ind.name),
                Cell::text(r.value.vi()),
                Cell::text(ind.target_vi(&h.unit.tier)),
                Cell::text(fmt::shortfall(ind, &h.unit.tier, r).unwrap_or_else(|| "—".into())),
                Cell::Status(r.status.vi().to_string(), status_class(r.status)),
            ]);
        }
    }
    if wants_xlsx(&q.dinh_dang) {
        return t.xlsx_response(&format!("canh-bao-{}", plan.code));
    }
    page(&ListPage {
        c: Chrome::new(&user, "/canh-bao").printing(print_head(&snap)),
        heading: "Cảnh báo sớm".into(),
        intro: vec![format!(
            "{} chỉ tiêu của {} đơn vị đang dưới mức đặt ra hoặc thiếu số liệu (giá trị lũy kế từ đầu kỳ đến {}).",
            t.rows.len(),
            {
                let mut units: Vec<&str> = t.rows.iter().filter_map(|r| if let Cell::Link(n, _) = &r[0] { Some(n.as_str()) } else { None }).collect();
                units.dedup();
                units.len()
            },
            snap.as_of.vi()
        )],
        table: t.html(),
        xlsx_link: Some(with_param(&[("nam", q.nam.map(|y| y.to_string()).unwrap_or_default())], "dinh_dang", "xlsx")),
    })
}
