//! Public pages, no sign-in (seed section V: publicity for exemplary heads): the honour
//! board of awarded heads with their decision and measured results, and the movement's
//! progress per tier. Only what the office has published is shown.

use super::{page, Chrome};
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use thidua_app::award;
use thidua_domain::time::Date;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bang-vang", get(honour_board))
        .route("/tien-do", get(progress))
        .route("/khen-thuong", get(register))
}

#[derive(Deserialize)]
struct YearQuery {
    nam: Option<i32>,
}

/// One measured result as published with the decision.
#[derive(Deserialize)]
pub struct Published {
    pub ten: String,
    pub gia_tri: String,
    pub chi_tieu: String,
    pub ket_qua: String,
    pub css: String,
}

pub struct Awardee {
    pub name: String,
    pub title: String,
    pub unit: String,
    pub decision: String,
    pub indicators: Vec<Published>,
}

#[derive(Template)]
#[template(path = "honour.html")]
struct HonourPage {
    c: Chrome,
    plan_title: String,
    award: String,
    people: Vec<Awardee>,
}

async fn honour_board(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    // The year asked for, else the latest year with a published decision. Both reads are
    // kept while no one commits (`read_kept`): a public page under load.
    let year = match q.nam {
        Some(y) => Some(y),
        None => {
            state
                .read_kept("honour-year", |s| Ok(award::register(s)?.first().map(|l| l.year)))
                .await?
        }
    };
    let snap = state.snapshot(year).await?;
    let code = snap.plan.code.clone();
    let noms = state
        .read_kept(&format!("honour|{code}"), move |s| {
            Ok(std::sync::Arc::new(s.nominations(&code, None)?))
        })
        .await?;
    let people = noms
        .iter()
        .filter(|n| n.published && n.state == "da_phe_duyet")
        .map(|n| Awardee {
            name: n.head_name.clone(),
            title: n.head_title.clone(),
            unit: n.unit_name.clone(),
            decision: format!(
                "Quyết định số {} ngày {}",
                n.decision_no,
                n.decision_date
                    .as_deref()
                    .and_then(Date::parse_iso)
                    .map(|d| d.vi())
                    .unwrap_or_default()
            ),
            // The results as they stood at the decision, not as they move afterwards.
            indicators: serde_json::from_str(&n.published_results).unwrap_or_default(),
        })
        .collect();
    page(&HonourPage {
        c: Chrome::public("/bang-vang"),
        plan_title: snap.plan.title.clone(),
        award: snap.plan.award.form.clone(),
        people,
    })
}

pub struct TierProgress {
    pub name: String,
    pub heads: usize,
    pub eligible: usize,
    pub met_pct: String,
    pub rows: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    c: Chrome,
    plan_title: String,
    as_of: String,
    published: bool,
    tiers: Vec<TierProgress>,
}

async fn progress(State(state): State<AppState>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let snap = state.snapshot(q.nam).await?;
    let key = award::progress_key(&snap.plan.code);
    let published = state
        .db(move |s| Ok(s.setting(&key)?.as_deref() == Some("1")))
        .await?;
    let tiers = if !published {
        Vec::new()
    } else {
        thidua_app::movement::tallies(&snap.plan, &snap.eval.heads)
            .into_iter()
            .map(|t| TierProgress {
                met_pct: t.met_pct(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| (r.name.clone(), thidua_app::movement::pct(r.met, r.counted())))
                    .collect(),
                name: t.name,
                heads: t.heads,
                eligible: t.eligible,
            })
            .collect()
    };
    page(&ProgressPage {
        c: Chrome::public("/tien-do"),
        plan_title: snap.plan.title.clone(),
        as_of: snap.as_of.vi(),
        published,
        tiers,
    })
}

#[derive(Deserialize)]
struct RegisterQuery {
    #[serde(default)]
    q: String,
    nam: Option<i32>,
    dinh_dang: Option<String>,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    c: Chrome,
    q: String,
    year: String,
    years: Vec<i32>,
    count: usize,
    table: String,
    xlsx_link: String,
}

/// The award register (issue 14, part 7): every award decided and published in the
/// product, per person and unit across plans and years; searchable, exportable.
async fn register(
    State(state): State<AppState>,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, AppError> {
    let (query, year) = (q.q.trim().chars().take(100).collect::<String>(), q.nam);
    let all = state.db(move |s| Ok(award::register(s)?)).await?;
    let mut years: Vec<i32> = all.iter().map(|l| l.year).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let lines = award::search_register(all, &query, year);
    let mut t = Table::new(
        "Sổ khen thưởng",
        &[
            "Họ và tên",
            "Chức vụ",
            "Đơn vị",
            "Năm",
            "Hình thức khen thưởng",
            "Số quyết định",
            "Ngày quyết định",
            "Người ký",
        ],
    );
    for l in &lines {
        t.rows.push(vec![
            Cell::text(&l.name),
            Cell::text(&l.title),
            Cell::text(&l.unit),
            Cell::int(l.year as i64),
            Cell::text(&l.award),
            Cell::text(&l.decision_no),
            Cell::text(l.decision_date.vi()),
            Cell::text(&l.signer),
        ]);
    }
    if crate::pages::wants_xlsx(&q.dinh_dang) {
        return t.xlsx_response("so-khen-thuong");
    }
    let mut link = String::from("/khen-thuong?dinh_dang=xlsx");
    if !query.is_empty() {
        let q = percent_encoding::utf8_percent_encode(&query, percent_encoding::NON_ALPHANUMERIC);
        link.push_str(&format!("&q={q}"));
    }
    if let Some(y) = year {
        link.push_str(&format!("&nam={y}"));
    }
    page(&RegisterPage {
        c: Chrome::public("/khen-thuong"),
        q: query,
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        years,
        count: lines.len(),
        table: t.html(),
        xlsx_link: link,
    })
}
