//! A unit's page (its heads' indicators with the arithmetic, month-by-month charts of the
//! dossier indicators, the late dossiers, its entries) and a head's evaluation page.

use super::overview::{head_link, snapshot_title};
use super::{page, wants_xlsx, with_param, Chrome};
use crate::auth::{Require, SignedIn, SoNoiVu};
use crate::cache::Snapshot;
use crate::table::{Cell, Table};
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use thidua_app::fmt::{indicator_views, summary_vi, tier_name, IndicatorView};
use thidua_domain::eval::HeadResult;
use thidua_domain::num::percent_vi;
use thidua_domain::person::Particulars;
use thidua_domain::plan::{Reading, Threshold};
use thidua_domain::rank::score_vi;
use thidua_domain::time::Date;
use thidua_store::read::UnitRecord;
use thidua_store::workflow::{period_vi, EntryFilter};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/don-vi/{code}", get(unit_page))
        .route("/don-vi/{code}/mo-lai-ky", post(reopen))
        .route("/danh-gia/{code}/{from}", get(head_page))
        .route("/danh-gia/{code}/{from}/ly-lich", post(save_particulars))
}

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
struct UnitQuery {
    nam: Option<i32>,
    trang: Option<i64>,
    dinh_dang: Option<String>,
    /// Which table to download: `tre_han` (default), `theo_thang`, `chi_tieu`, `so_lieu`.
    bang: Option<String>,
}

pub struct ChartView {
    pub title: String,
    pub svg: String,
    pub table: String,
}

pub struct HeadSummary {
    pub name: String,
    pub title: String,
    pub link: String,
    pub months: String,
    pub summary: &'static str,
    pub eligible: bool,
    pub score: String,
    pub rank: String,
    pub provisional: bool,
    pub indicators: Vec<IndicatorView>,
}

fn head_summary(snap: &Snapshot, h: &HeadResult) -> HeadSummary {
    HeadSummary {
        name: h.head.name.clone(),
        title: h.head.title.clone(),
        link: head_link(h),
        months: format!(
            "{} tháng ({})",
            h.months.len(),
            h.months.iter().map(|m| m.vi()).collect::<Vec<_>>().join(", ")
        ),
        summary: summary_vi(h.summary_status()),
        eligible: h.eligible,
        score: score_vi(h.score),
        rank: h.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
        provisional: h.provisional,
        indicators: indicator_views(&snap.plan, h),
    }
}

#[derive(Template)]
#[template(path = "unit_body.html")]
struct UnitBody {
    /// The reopening form's token (the office's session; empty for other readers).
    csrf: String,
    unit: UnitRecord,
    tier: String,
    heading_note: String,
    heads: Vec<HeadSummary>,
    /// Drawn once per snapshot and unit (`AppState::kept`).
    charts: Arc<Vec<ChartView>>,
    unknown_procedures: u64,
    late_table: String,
    late_total: i64,
    late_page: i64,
    late_pages: i64,
    prev_link: Option<String>,
    next_link: Option<String>,
    late_xlsx: String,
    month_xlsx: String,
    indicators_xlsx: String,
    entries_xlsx: String,
    entries_table: String,
    can_enter: bool,
    /// The movement office may reopen one of the unit's periods.
    can_reopen: bool,
    reopenings: Vec<ReopeningView>,
    /// The plan years frozen by a published decision, as sentences.
    frozen: Vec<String>,
    /// Period codes and labels the office may reopen (the plan's year).
    periods: Vec<(String, String)>,
    today: String,
}

pub struct ReopeningView {
    pub period: String,
    pub until: String,
    pub reason: String,
    pub by: String,
    pub at: String,
    pub in_force: bool,
}

#[derive(Deserialize)]
struct ReopenForm {
    ky: String,
    den_ngay: String,
    ly_do: String,
}

/// The office reopens one of the unit's periods after its deadline (audited, shown on
/// the unit's page).
async fn reopen(
    State(state): State<AppState>,
    Require(user, ..): Require<SoNoiVu>,
    Path(code): Path<String>,
    Form(f): Form<ReopenForm>,
) -> Result<Response, AppError> {
    let period = thidua_domain::entry::Period::parse(&f.ky).ok_or_else(|| {
        AppError::refused(format!(
            "kỳ «{}» không hợp lệ (ví dụ 2023, 2023-Q2, 2023-05)",
            f.ky
        ))
    })?;
    let until = Date::parse_iso(&f.den_ngay)
        .ok_or_else(|| AppError::refused("cần ngày hết hạn mở lại (ngày/tháng/năm)"))?;
    let actor = user.actor.clone();
    let code2 = code.clone();
    state
        .db(move |s| Ok(s.reopen_period(&actor, &code2, period, until, &f.ly_do)?))
        .await?;
    Ok(Redirect::to(&format!("/don-vi/{code}#mo-lai-ky")).into_response())
}

fn reopening_views(
    rows: &[thidua_store::locks::Reopening],
    frozen: &[thidua_store::locks::FrozenYear],
    today: Date,
) -> Vec<ReopeningView> {
    let mut seen = std::collections::HashSet::new();
    // A reopening inside a year frozen since is no longer in force.
    let thawed = |code: &str| {
        thidua_domain::entry::Period::parse(code).is_some_and(|p| !frozen.iter().any(|f| f.covers(p)))
    };
    rows.iter()
        .map(|r| ReopeningView {
            period: period_vi(&r.period),
            until: r.until.vi(),
            reason: r.reason.clone(),
            by: r.created_by.clone(),
            at: thidua_app::fmt::date_time(r.created_at),
            // The newest of a period is the one in force (rows come newest first).
            in_force: seen.insert(r.period.clone()) && r.until >= today && thawed(&r.period),
        })
        .collect()
}

fn charts(snap: &Snapshot, unit: &UnitRecord) -> Vec<ChartView> {
    let Some(idx) = snap.eval.unit_index(&unit.info.code) else {
        return Vec::new();
    };
    let months: Vec<_> = snap
        .plan
        .months()
        .into_iter()
        .filter(|m| m.first_day() <= snap.as_of.date())
        .collect();
    let mut out = Vec::new();
    for ind in snap
        .plan
        .indicators
        .iter()
        .filter(|i| i.reading.is_some() && i.applies_to(&unit.info.tier))
    {
        // the variant the plan picked, as in the evaluation
        let f: Reading = ind.reading.expect("filtered");
        let target = match ind.thresholds.get(&unit.info.tier) {
            Some(Threshold::Number(t)) => Some(t.to_f64()),
            _ => None,
        };
        let mut table = Table::new(
            format!("{} theo tháng", ind.name),
            &["Tháng", "Tử số", "Mẫu số", "Tỷ lệ"],
        );
        let points: Vec<(String, Option<f64>)> = months
            .iter()
            .map(|m| {
                let s = snap.eval.tally.get(f, idx, *m);
                table.rows.push(vec![
                    Cell::text(m.vi()),
                    Cell::Num(s.num.to_f64(), s.num.vi()),
                    Cell::Num(s.den.to_f64(), s.den.vi()),
                    Cell::text(percent_vi(s.num, s.den).unwrap_or_else(|| "—".into())),
                ]);
                let v = (s.den.0 != 0).then(|| s.num.to_f64() / s.den.to_f64() * 100.0);
                (format!("{:02}", m.number()), v)
            })
            .collect();
        out.push(ChartView {
            title: format!("{} (chỉ tiêu {})", ind.name, ind.target_vi(&unit.info.tier)),
            svg: crate::svg::percent_chart(&ind.name, &points, target),
            table: table.html(),
        });
    }
    out
}

/// The three dossier indicators month by month, as one table.
fn monthly_table(snap: &Snapshot, unit: &UnitRecord) -> Table {
    let mut t = Table::new(
        format!("Chỉ tiêu từ hồ sơ TTHC theo tháng — {}", unit.info.name),
        &["Chỉ tiêu", "Tháng", "Tử số", "Mẫu số", "Tỷ lệ"],
    );
    let Some(idx) = snap.eval.unit_index(&unit.info.code) else {
        return t;
    };
    let months: Vec<_> = snap
        .plan
        .months()
        .into_iter()
        .filter(|m| m.first_day() <= snap.as_of.date())
        .collect();
    for ind in snap
        .plan
        .indicators
        .iter()
        .filter(|i| i.reading.is_some() && i.applies_to(&unit.info.tier))
    {
        for m in &months {
            let s = snap.eval.tally.get(ind.reading.expect("filtered"), idx, *m);
            t.rows.push(vec![
                Cell::text(&ind.name),
                Cell::text(m.vi()),
                Cell::Num(s.num.to_f64(), s.num.vi()),
                Cell::Num(s.den.to_f64(), s.den.vi()),
                Cell::text(percent_vi(s.num, s.den).unwrap_or_else(|| "—".into())),
            ]);
        }
    }
    t
}

/// Every head's indicators with the arithmetic, as one table.
fn indicators_table(heads: &[HeadSummary], unit: &UnitRecord) -> Table {
    let mut t = Table::new(
        format!("Kết quả các chỉ tiêu — {}", unit.info.name),
        &[
            "Người đứng đầu",
            "Chỉ tiêu",
            "Nhóm",
            "Giá trị",
            "Chỉ tiêu đặt ra",
            "Kết quả",
            "Tạm tính",
            "Cách tính",
        ],
    );
    for h in heads {
        for i in &h.indicators {
            t.rows.push(vec![
                Cell::text(&h.name),
                Cell::text(format!("{} ({})", i.name, i.code)),
                Cell::text(&i.group),
                Cell::text(&i.value),
                Cell::text(&i.target),
                Cell::Status(i.status.into(), i.css),
                Cell::text(if i.provisional { "Tạm tính" } else { "" }),
                Cell::text(&i.arithmetic),
            ]);
        }
    }
    t
}

async fn unit_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<UnitQuery>,
) -> Result<Response, AppError> {
    let snap = state.snapshot(q.nam).await?;
    // Units change only by imports, which give a new snapshot: the unit is read once per
    // snapshot, as are its charts (drawn from the snapshot alone).
    let unit_key = format!("{}|unit|{code}", snap.id);
    let unit = match state.kept::<Arc<UnitRecord>>(&unit_key) {
        Some(u) => u,
        None => {
            let u = Arc::new(unit_by_code(&state, &code).await?);
            state.keep(unit_key, u.clone());
            u
        }
    };
    user.check_unit(unit.id)?;
    // The page's content follows from the snapshot, what is committed (entries,
    // reopenings), the page asked for and the kind of reader: kept under all of them.
    let page_no = q.trang.unwrap_or(1).max(1);
    let today = thidua_domain::time::DateTime::now_local().date();
    let can_enter = user.check_own_unit(unit.id).is_ok();
    let can_reopen = user.role == thidua_domain::role::Role::SoNoiVu;
    let csrf = if can_reopen {
        user.csrf.clone().unwrap_or_default()
    } else {
        String::new()
    };
    let body_key = state.commits_seen().await.map(|c| {
        format!(
            "{}|unit-body|{}|{page_no}|{:?}|{can_enter}|{can_reopen}|{csrf}|{}|commits {c}",
            snap.id, unit.id, q.nam, today.0
        )
    });
    let gzip = super::accepts_gzip(&headers);
    let chrome = || {
        Chrome::new(&user, &format!("/don-vi/{}", unit.info.code)).printing(format!(
            "{} — {}",
            unit.info.name,
            super::overview::print_head(&snap)
        ))
    };
    if !wants_xlsx(&q.dinh_dang) {
        if let Some(body) = body_key
            .as_ref()
            .and_then(|k| state.kept::<Arc<super::KeptBody>>(k))
        {
            return super::shell_page(chrome(), &unit.info.name, body, gzip);
        }
    }
    let charts_key = format!("{}|charts|{}", snap.id, unit.id);
    let unit_charts = match state.kept::<Arc<Vec<ChartView>>>(&charts_key) {
        Some(c) => c,
        None => {
            let c = Arc::new(charts(&snap, &unit));
            state.keep(charts_key, c.clone());
            c
        }
    };
    let (from, to) = (snap.plan.period_from.start(), snap.plan.period_to.end());
    let as_of = snap.as_of;
    let unit_id = unit.id;
    let heads: Vec<HeadSummary> = snap
        .eval
        .heads
        .iter()
        .filter(|h| h.unit.code == unit.info.code)
        .map(|h| head_summary(&snap, h))
        .collect();
    let code = unit.info.code.clone();
    if wants_xlsx(&q.dinh_dang) {
        match q.bang.as_deref() {
            Some("theo_thang") => {
                return monthly_table(&snap, &unit).xlsx_response(&format!("theo-thang-{code}"))
            }
            Some("chi_tieu") => {
                return indicators_table(&heads, &unit).xlsx_response(&format!("chi-tieu-{code}"))
            }
            Some("so_lieu") => {}
            _ => {
                let (rows, _) = state
                    .db(move |s| Ok(s.late_dossiers(unit_id, from, to, as_of, 1_000_000, 0)?))
                    .await?;
                return late_table(&unit, &snap, &rows).xlsx_response(&format!("ho-so-tre-han-{code}"));
            }
        }
    }
    // A page of late dossiers follows from the snapshot (its as-of and the imports it
    // saw): read once per snapshot, unit and page.
    let late_key = format!("{}|late|{unit_id}|{page_no}", snap.id);
    let late_kept = state.kept::<Arc<(Vec<thidua_store::read::DossierRecord>, i64)>>(&late_key);
    let late_page = match late_kept {
        Some(kept) => kept,
        None => {
            let read = Arc::new(
                state
                    .db(move |s| {
                        Ok(s.late_dossiers(unit_id, from, to, as_of, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)?)
                    })
                    .await?,
            );
            state.keep(late_key, read.clone());
            read
        }
    };
    // The unit's entries and reopenings are outside the snapshot's key (a sign-off, a
    // reopening): kept while nothing is committed anywhere.
    let kept = state
        .read_kept(&format!("unit-entries|{unit_id}"), move |s| {
            Ok(Arc::new((
                s.entry_list(&EntryFilter {
                    unit_id: Some(unit_id),
                    ..Default::default()
                })?,
                (s.reopenings(Some(unit_id))?, s.frozen_years()?),
            )))
        })
        .await?;
    let (entries, (reopenings, frozen)) = (&kept.0, (&kept.1 .0, &kept.1 .1));
    let (late, late_total) = (&late_page.0, late_page.1);
    let unknown_procedures = snap
        .eval
        .heads
        .iter()
        .filter(|h| h.unit.code == unit.info.code)
        .map(|h| h.unknown_procedures)
        .sum();
    let mut et = Table::new(
        "Số liệu đã nhập",
        &["Chỉ tiêu", "Kỳ", "Giá trị", "Trạng thái", "Cập nhật"],
    );
    for e in entries {
        let name = snap
            .plan
            .indicator(&e.indicator)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| e.indicator.clone());
        et.rows.push(vec![
            Cell::Link(name, format!("/so-lieu/{}", e.id)),
            Cell::text(period_vi(&e.period)),
            Cell::text(super::entries::value_vi(e)),
            Cell::Status(e.state.vi().into(), super::entries::state_class(e.state)),
            Cell::text(thidua_app::fmt::date_time(e.updated_at)),
        ]);
    }
    if wants_xlsx(&q.dinh_dang) {
        return et.xlsx_response(&format!("so-lieu-{code}"));
    }
    let late_pages = ((late_total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let params = [("nam", q.nam.map(|y| y.to_string()).unwrap_or_default())];
    // the reopening form's token: the content holds a secret, never compressed
    let secret = !csrf.is_empty();
    let body = super::KeptBody::holding_secret(super::render(&UnitBody {
        csrf,
        tier: tier_name(&snap.plan, &unit.info.tier),
        heading_note: snapshot_title(&snap),
        heads,
        charts: unit_charts,
        unknown_procedures,
        late_table: late_table(&unit, &snap, late).html(),
        late_total,
        late_page: page_no,
        late_pages,
        prev_link: (page_no > 1).then(|| with_param(&params, "trang", &(page_no - 1).to_string())),
        next_link: (page_no < late_pages).then(|| with_param(&params, "trang", &(page_no + 1).to_string())),
        late_xlsx: with_param(&params, "dinh_dang", "xlsx"),
        month_xlsx: with_param(
            &[params[0].clone(), ("bang", "theo_thang".into())],
            "dinh_dang",
            "xlsx",
        ),
        indicators_xlsx: with_param(
            &[params[0].clone(), ("bang", "chi_tieu".into())],
            "dinh_dang",
            "xlsx",
        ),
        entries_xlsx: with_param(
            &[params[0].clone(), ("bang", "so_lieu".into())],
            "dinh_dang",
            "xlsx",
        ),
        entries_table: et.html(),
        can_enter,
        can_reopen,
        reopenings: reopening_views(reopenings, frozen, today),
        frozen: frozen
            .iter()
            .map(|f| {
                format!(
                    "Số liệu từ {} đến {} đã được dùng cho Quyết định khen thưởng số {} đã công bố: không thay đổi được nữa.",
                    f.first_day.vi(),
                    f.last_day.vi(),
                    f.decision_no
                )
            })
            .collect(),
        periods: year_periods(snap.plan.period_from.ymd().0),
        today: today.iso(),
        unit: (*unit).clone(),
    })?, secret);
    if let Some(k) = body_key {
        state.keep(k, body.clone());
    }
    super::shell_page(chrome(), &unit.info.name, body, gzip)
}

/// Every period of a year, year first, for the reopening form.
fn year_periods(y: i32) -> Vec<(String, String)> {
    thidua_domain::entry::Period::all_of_year(y)
        .into_iter()
        .map(|p| (p.code(), p.vi()))
        .collect()
}

fn late_table(unit: &UnitRecord, snap: &Snapshot, rows: &[thidua_store::read::DossierRecord]) -> Table {
    let mut t = Table::new(
        format!("Hồ sơ trễ hạn của {} — {}", unit.info.name, snapshot_title(snap)),
        &[
            "Mã hồ sơ",
            "Mã TTHC",
            "Ngày tiếp nhận",
            "Hạn xử lý",
            "Ngày có kết quả",
            "Kênh nộp",
            "Trạng thái",
        ],
    );
    for d in rows {
        t.rows.push(vec![
            Cell::text(&d.code),
            Cell::text(&d.procedure),
            Cell::text(d.received_at.vi()),
            Cell::text(d.due_at.vi()),
            Cell::text(
                d.completed_at
                    .map(|c| c.vi())
                    .unwrap_or_else(|| "Chưa có kết quả".into()),
            ),
            Cell::text(d.channel.vi()),
            Cell::text(d.status.vi()),
        ]);
    }
    t
}

#[derive(Template)]
#[template(path = "head.html")]
struct HeadPage {
    c: Chrome,
    unit: UnitRecord,
    tier: String,
    heading_note: String,
    h: HeadSummary,
    tenure_note: String,
    /// The head's term start (ISO), for the particulars form's address.
    from: String,
    p: ParticularsForm,
    /// The unit's own accounts edit the particulars; officials read them.
    can_edit: bool,
    /// (field, message) of a refused save.
    errors: Vec<(&'static str, String)>,
}

/// The particulars as the form shows and sends them (dd/mm/yyyy dates).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct ParticularsForm {
    #[serde(default)]
    gioi_tinh: String,
    #[serde(default)]
    ngay_sinh: String,
    #[serde(default)]
    que_quan: String,
    #[serde(default)]
    noi_o: String,
    #[serde(default)]
    trinh_do_chuyen_mon: String,
    #[serde(default)]
    ly_luan_chinh_tri: String,
}

impl ParticularsForm {
    fn of(p: &Particulars) -> ParticularsForm {
        ParticularsForm {
            gioi_tinh: p.gender.code().into(),
            ngay_sinh: p.birth_date.vi(),
            que_quan: p.hometown.clone(),
            noi_o: p.residence.clone(),
            trinh_do_chuyen_mon: p.qualification.clone(),
            ly_luan_chinh_tri: p.political_theory.clone(),
        }
    }
}

impl HeadPage {
    /// The error beside a field, if any.
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.0 == field).map(|e| e.1.as_str())
    }
}

/// The unit with this code, or 404.
async fn unit_by_code(state: &AppState, code: &str) -> Result<UnitRecord, AppError> {
    let code = code.to_string();
    state
        .db(move |s| Ok(s.unit(&code)?))
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
struct HeadQuery {
    nam: Option<i32>,
    tb: Option<String>,
}

async fn save_particulars(
    State(state): State<AppState>,
    Require(user, ..): Require<crate::auth::DonVi>,
    Path((code, from)): Path<(String, String)>,
    Form(f): Form<ParticularsForm>,
) -> Result<Response, AppError> {
    let unit = unit_by_code(&state, &code).await?;
    user.check_own_unit(unit.id)?;
    let day = Date::parse_iso(&from).ok_or(AppError::NotFound)?;
    let birth = Date::parse_typed(&f.ngay_sinh);
    let checked = Particulars::from_fields(
        &f.gioi_tinh,
        birth,
        &f.que_quan,
        &f.noi_o,
        &f.trinh_do_chuyen_mon,
        &f.ly_luan_chinh_tri,
        thidua_domain::time::DateTime::now_local().date(),
    );
    match checked {
        Ok(p) => {
            let actor = user.actor.clone();
            state
                .db(move |s| Ok(s.set_particulars(&actor, &code, day, &p)?))
                .await?;
            Ok(
                Redirect::to(&format!("/danh-gia/{}/{from}?tb=da_luu_ly_lich", unit.info.code))
                    .into_response(),
            )
        }
        Err(errors) => {
            let body = head_view(&state, &user, unit, day, None, None, Some((f, errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

async fn head_page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((code, from)): Path<(String, String)>,
    Query(q): Query<HeadQuery>,
) -> Result<Response, AppError> {
    let unit = unit_by_code(&state, &code).await?;
    user.check_unit(unit.id)?;
    let from = Date::parse_iso(&from).ok_or(AppError::NotFound)?;
    head_view(&state, &user, unit, from, q.nam, q.tb.as_deref(), None).await
}

/// The head's page; `typed` keeps a refused form's input and its errors.
async fn head_view(
    state: &AppState,
    user: &crate::auth::User,
    unit: UnitRecord,
    from: Date,
    year: Option<i32>,
    flash: Option<&str>,
    typed: Option<(ParticularsForm, Vec<(&'static str, String)>)>,
) -> Result<Response, AppError> {
    let snap = state.snapshot(year).await?;
    let code = unit.info.code.clone();
    let h = snap
        .eval
        .heads
        .iter()
        .find(|h| h.unit.code == code && h.head.from == from)
        .ok_or(AppError::NotFound)?;
    let stored = state.db(move |s| Ok(s.particulars(&code, from)?)).await?;
    let (p, errors) = match typed {
        Some((f, e)) => (f, e),
        None => (
            stored.as_ref().map(ParticularsForm::of).unwrap_or_default(),
            Vec::new(),
        ),
    };
    page(&HeadPage {
        c: Chrome::new(user, "").with_flash(flash),
        tier: tier_name(&snap.plan, &unit.info.tier),
        heading_note: snapshot_title(&snap),
        tenure_note: format!(
            "Giữ chức vụ từ {}{}; cần tối thiểu {} tháng trong kỳ thi đua.",
            h.head.from.vi(),
            h.head.to.map(|t| format!(" đến {}", t.vi())).unwrap_or_default(),
            snap.plan.award.min_tenure_months
        ),
        h: head_summary(&snap, h),
        from: from.iso(),
        can_edit: user.check_own_unit(unit.id).is_ok(),
        p,
        errors,
        unit,
    })
}
