//! What the pages and the JSON API show over real HTTP: the overview, a unit's page and
//! its late dossiers, ranking and warnings, difficulty threads, the API contract.

use crate::common::{api_token, Server, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn the_overview_filters_searches_without_diacritics_and_downloads() {
    let srv = Server::start().await;
    let mut c = srv.signed_in("sonoivu").await;
    let r = c.get("/tong-quan?q=ba+ria").await;
    assert!(r.body.contains("UBND thành phố Bà Rịa"));
    assert!(!r.body.contains("UBND huyện Long Điền"));
    let all = c.get("/tong-quan").await;
    let communes = c.get("/tong-quan?cap=xa").await;
    assert!(communes.body.matches("<tr>").count() < all.body.matches("<tr>").count());
    assert!(!communes.body.contains(">UBND thành phố Bà Rịa<"));
    let x = c.get("/tong-quan?dinh_dang=xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes.clone())).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    let heads = srv
        .store()
        .evaluate(
            &thidua_domain::plan::Plan::built_in(),
            thidua_domain::time::Date::from_ymd(2023, 12, 31).unwrap().end(),
        )
        .unwrap();
    assert_eq!(
        sheet.height(),
        3 + heads.len(),
        "title, blank, header, one row per head"
    );
    // a named sheet; each measured result as its value (a number, a ratio in percent
    // format) beside its status, as the screen shows them (issue 15, part 7)
    assert!(
        wb.sheet_names()[0].starts_with("Kết quả theo đơn vị"),
        "{:?}",
        wb.sheet_names()
    );
    let plan = thidua_domain::plan::Plan::built_in();
    let ind = plan.indicator("tthc_dung_han").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = header
        .iter()
        .position(|h| *h == ind.name)
        .expect("the indicator's column");
    assert_eq!(header[col + 1], format!("{} — kết quả", ind.name));
    let h = heads.iter().find(|h| h.unit.code == "H01").unwrap();
    let r = h.indicator("tthc_dung_han").unwrap();
    let row = sheet
        .rows()
        .find(|row| {
            row.first()
                .is_some_and(|c| *c == calamine::Data::String("H01".into()))
        })
        .unwrap();
    let shown = r
        .value
        .vi()
        .trim_end_matches('%')
        .replace(',', ".")
        .parse::<f64>()
        .unwrap()
        / 100.0;
    assert_eq!(row[col], calamine::Data::Float(shown), "a number, not text");
    assert_eq!(row[col + 1].to_string(), r.status.vi());
    let styles = {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(x.bytes.clone())).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut xml).unwrap();
        xml
    };
    assert!(styles.contains("0.00%"), "percent format");
    let mut admin = srv.signed_in("quantri").await;
    let users = admin.get("/quan-tri/tai-khoan?dinh_dang=xlsx").await;
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(users.bytes)).unwrap();
    assert_eq!(
        wb.worksheet_range_at(0).unwrap().unwrap().height(),
        3 + 7,
        "the seven demo accounts"
    );
    for path in [
        "/xep-hang?dinh_dang=xlsx",
        "/canh-bao?dinh_dang=xlsx",
        "/so-lieu?trang_thai=tat_ca&dinh_dang=xlsx",
        "/nhat-ky?dinh_dang=xlsx",
        "/kien-nghi?dinh_dang=xlsx",
        "/don-vi/H01?dinh_dang=xlsx",
        "/don-vi/H01?bang=theo_thang&dinh_dang=xlsx",
        "/don-vi/H01?bang=chi_tieu&dinh_dang=xlsx",
        "/don-vi/H01?bang=so_lieu&dinh_dang=xlsx",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes)).unwrap();
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        if path.contains("theo_thang") {
            assert_eq!(
                sheet.height(),
                3 + 3 * 12,
                "three dossier indicators × twelve months"
            );
        }
        if path.contains("chi_tieu") {
            let h = heads.iter().find(|h| h.unit.code == "H01").unwrap();
            assert_eq!(sheet.height(), 3 + h.indicators.len());
        }
    }
}

#[tokio::test]
async fn the_unit_page_agrees_with_the_evaluation_and_pages_its_late_dossiers() {
    let srv = Server::start().await;
    let mut c = srv.signed_in("donvi").await;
    let page = c.get("/don-vi/H01").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<svg class=\"chart\"").count(),
        3,
        "three dossier charts"
    );
    let plan = thidua_domain::plan::Plan::built_in();
    let heads = srv.store().evaluate(&plan, plan.period_to.end()).unwrap();
    let h = heads.iter().find(|h| h.unit.code == "H01").unwrap();
    let thidua_domain::eval::Value::Ratio(s) = h.indicator("tthc_dung_han").unwrap().value else {
        panic!()
    };
    let late = (s.den - s.num).to_i64().unwrap();
    assert!(
        page.body.contains(&format!("Hồ sơ trễ hạn ({late})")),
        "late dossiers = decided − on time = {late}"
    );
    assert!(page
        .body
        .contains(&thidua_domain::num::percent_vi(s.num, s.den).unwrap()));
    if late > 50 {
        let p2 = c.get("/don-vi/H01?trang=2").await;
        assert!(p2.body.contains("Trang 2/"));
    }
    let x = c.get("/don-vi/H01?dinh_dang=xlsx").await;
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes)).unwrap();
    assert_eq!(
        wb.worksheet_range_at(0).unwrap().unwrap().height() as i64,
        3 + late
    );
}

#[tokio::test]
async fn ranking_and_warnings_show_the_evaluation() {
    let srv = Server::start().await;
    let mut c = srv.signed_in("lanhdao").await;
    let r = c.get("/xep-hang").await;
    assert!(r.body.contains("Trong 10 suất khen thưởng"));
    assert_eq!(r.body.matches("Trong 10 suất khen thưởng").count(), 10);
    let w = c.get("/canh-bao").await;
    assert!(
        w.body.contains("điểm phần trăm"),
        "ratio shortfalls in percentage points"
    );
}

#[tokio::test]
async fn difficulties_go_from_the_unit_through_the_office_to_the_leaders() {
    let srv = Server::start().await;
    let mut unit = srv.signed_in("donvi").await;
    let r = unit
        .post_form(
            "/kien-nghi",
            &[
                ("tieu_de", "Thiếu máy quét tài liệu"),
                ("noi_dung", "Bộ phận Một cửa cần thêm 2 máy quét."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let path = r.location().split('?').next().unwrap().to_string();
    let mut other = srv.signed_in("donvi2").await;
    assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        other
            .post_form(
                &format!("{path}/phan-hoi"),
                &[("hanh_dong", "gui"), ("noi_dung", "x")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(!other.get("/kien-nghi").await.body.contains("Thiếu máy quét"));
    let mut board = srv.signed_in("bantdkt").await;
    assert_eq!(
        board
            .post_form(
                &format!("{path}/phan-hoi"),
                &[("hanh_dong", "tra_loi"), ("noi_dung", "x")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut office = srv.signed_in("sonoivu").await;
    assert_eq!(
        office
            .post_form(
                &format!("{path}/phan-hoi"),
                &[
                    ("hanh_dong", "chuyen_lanh_dao"),
                    ("noi_dung", "Kính chuyển lãnh đạo UBND tỉnh")
                ]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut leader = srv.signed_in("lanhdao").await;
    assert_eq!(
        leader
            .post_form(
                &format!("{path}/phan-hoi"),
                &[("hanh_dong", "dong"), ("noi_dung", "")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        leader
            .post_form(
                &format!("{path}/phan-hoi"),
                &[
                    ("hanh_dong", "tra_loi"),
                    ("noi_dung", "Giao Sở Tài chính bố trí kinh phí.")
                ]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = unit.get(&path).await;
    assert!(
        page.body.contains("Đã trả lời")
            && page.body.contains("Giao Sở Tài chính bố trí kinh phí.")
            && page.body.contains("chuyển lãnh đạo UBND tỉnh")
    );
}

#[tokio::test]
async fn the_json_api_follows_the_contract() {
    let srv = Server::start().await;
    let mut unit = srv.client();
    let r = unit
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": "donvi", "password": PASSWORD}),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let me: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(me["ma_don_vi"], "H01");
    let r = unit.get("/api/v1/units/H01/evaluation?year=2023").await;
    assert_eq!(r.status, StatusCode::OK);
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(&r.body).unwrap();
    let keys = [
        "ma_don_vi",
        "ho_ten",
        "cap",
        "ma_chi_tieu",
        "tu_so",
        "mau_so",
        "gia_tri",
        "trang_thai",
    ];
    assert!(rows
        .iter()
        .all(|row| keys.iter().all(|k| row.contains_key(*k)) && row["ma_don_vi"] == "H01"));
    let summary = rows.iter().find(|r| r["ma_chi_tieu"] == "_tong_hop").unwrap();
    for k in ["du_dieu_kien", "diem_uu_tien", "thu_hang", "so_thang", "tam_tinh"] {
        assert!(summary.contains_key(k), "{k}");
    }
    assert_eq!(
        unit.get("/api/v1/units/S01/evaluation?year=2023").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        unit.get("/api/v1/ranking?year=2023").await.status,
        StatusCode::FORBIDDEN
    );

    let mut board = srv.client();
    board
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": "bantdkt", "password": PASSWORD}),
            false,
        )
        .await;
    let r = board.get("/api/v1/ranking?year=2023").await;
    let ranking: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
    let ranks: Vec<i64> = ranking.iter().map(|r| r["thu_hang"].as_i64().unwrap()).collect();
    assert!(!ranks.is_empty() && ranks.windows(2).all(|w| w[0] < w[1]));
    assert!(ranking.iter().all(|r| r["du_dieu_kien"] == true));

    // dossiers: a bearer token needs no CSRF; a browser session does
    let mut office = srv.client();
    let login = office
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": "sonoivu", "password": PASSWORD}),
            false,
        )
        .await;
    let csrf = serde_json::from_str::<serde_json::Value>(&login.body).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_string();
    // the unit page before, to see the pushed dossier counted after (the cached tally is renewed)
    let late_before = office_late_count(&mut unit).await;
    let dossiers = serde_json::json!([
        {"ma_ho_so": "API-LATE", "ma_don_vi": "H01", "ma_tthc": "X", "ngay_tiep_nhan": "2023-10-02 08:00", "han_xu_ly": "2023-10-05", "ngay_ket_qua": "2023-10-20 10:00", "kenh_nop": "truc_tiep", "trang_thai": "da_tra_ket_qua"},
        {"ma_ho_so": "API-1", "ma_don_vi": "H01", "ma_tthc": "X", "ngay_tiep_nhan": "2023-11-01 08:00", "han_xu_ly": "2023-11-10", "ngay_ket_qua": "2023-11-05 10:00", "kenh_nop": "truc_tuyen", "trang_thai": "da_tra_ket_qua"}
    ]);
    let body = serde_json::to_vec(&dossiers).unwrap();
    office.csrf = None;
    let r = office
        .post_body("/api/v1/dossiers", "application/json", body.clone(), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a session without the CSRF header"
    );
    office.csrf = Some(csrf);
    let r = office
        .post_body("/api/v1/dossiers", "application/json", body.clone(), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rep: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (rep["da_ghi"].as_bool(), rep["so_dong_hop_le"].as_i64()),
        (Some(true), Some(2))
    );
    assert_eq!(
        office_late_count(&mut unit).await,
        late_before + 1,
        "the new late dossier is counted"
    );

    let token = api_token(&srv, "sonoivu", 90);
    let before = srv.store().counts().unwrap().dossiers;
    let csv = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\nAPI-2,H01,X,2023-11-01,2023-11-10,,truc_tiep,dang_xu_ly\nAPI-3,KHONG,X,2023-11-01,2023-11-10,,truc_tiep,dang_xu_ly\n";
    let mut bot = srv.client();
    let r = bot
        .post_body(
            "/api/v1/dossiers",
            "text/csv",
            csv.as_bytes().to_vec(),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rep: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(rep["da_ghi"], false);
    assert_eq!(rep["loi"][0]["dong"], 3);
    assert_eq!(srv.store().counts().unwrap().dossiers, before, "all or nothing");
    let r = bot
        .post_body(
            "/api/v1/dossiers?accept_valid=true",
            "text/csv",
            csv.as_bytes().to_vec(),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(srv.store().counts().unwrap().dossiers, before + 1);
    let r = bot
        .post_body(
            "/api/v1/dossiers",
            "text/csv",
            csv.as_bytes().to_vec(),
            Some("not-a-token"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // the OpenAPI description lists every API route
    let spec: serde_json::Value =
        serde_json::from_str(&srv.client().get("/api/v1/openapi.json").await.body).unwrap();
    for p in [
        "/api/v1/session",
        "/api/v1/units/{code}/evaluation",
        "/api/v1/ranking",
        "/api/v1/agenda",
        "/api/v1/dossiers",
        "/api/v1/openapi.json",
        "/api/v1/units/{code}/reopenings",
        "/api/v1/nominations",
        "/api/v1/nominations/{id}",
        "/api/v1/nominations/{id}/documents",
        "/api/v1/nominations/{id}/documents/{doc}",
        "/api/v1/nominations/{id}/actions",
        "/api/v1/decisions",
        "/api/v1/decisions/{id}/publish",
        "/api/v1/documents/{kind}",
        "/api/v1/awards",
        "/api/v1/entries",
        "/api/v1/entries/{id}",
        "/api/v1/entries/{id}/evidence",
        "/api/v1/entries/{id}/send",
        "/api/v1/entries/{id}/sign-off",
        "/api/v1/entries/{id}/verify",
        "/api/v1/entries/{id}/return",
        "/api/v1/entries/{id}/reopen",
    ] {
        assert!(spec["paths"].get(p).is_some(), "{p}");
    }
}

/// H01's decided dossiers as its page's on-time arithmetic shows them (from the tally),
/// checked against the late-dossier heading (from a query of its own).
async fn office_late_count(c: &mut crate::common::Client) -> i64 {
    let page = c.get("/don-vi/H01").await;
    let number = |text: &str| -> i64 { text.replace('.', "").trim().parse().unwrap() };
    let i = page
        .body
        .find("Hồ sơ trễ hạn (")
        .expect("the late dossiers heading")
        + "Hồ sơ trễ hạn (".len();
    let late = number(page.body[i..].split(')').next().unwrap());
    let arithmetic = page
        .body
        .split("hồ sơ giải quyết đúng hạn / ")
        .nth(1)
        .expect("the on-time arithmetic");
    let on_time = number(
        page.body
            .split(" hồ sơ giải quyết đúng hạn / ")
            .next()
            .unwrap()
            .rsplit('>')
            .next()
            .unwrap(),
    );
    let decided = number(arithmetic.split(' ').next().unwrap());
    assert_eq!(decided - on_time, late, "the tally and the query agree");
    late
}

#[tokio::test]
async fn a_crowd_at_once_makes_one_evaluation_and_every_page_answers() {
    let srv = Server::start().await;
    let before = srv.state.evaluations_computed();
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let mut c = srv.client();
        tasks.push(tokio::spawn(async move { c.get("/bang-vang").await.status }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), reqwest::StatusCode::OK);
    }
    assert_eq!(
        srv.state.evaluations_computed() - before,
        1,
        "one computation for the crowd"
    );
    // A change of data makes the next request compute once more, and only once.
    let units = "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH98,UBND huyện Thử,huyen,\n";
    let r = srv
        .store()
        .import(
            thidua_ingest::ImportKind::Units,
            std::io::Cursor::new(units.as_bytes().to_vec()),
            &Default::default(),
            &mut |_| {},
            &|_| {},
        )
        .unwrap();
    assert!(r.committed);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut c = srv.client();
        tasks.push(tokio::spawn(async move { c.get("/bang-vang").await.status }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        srv.state.evaluations_computed() - before,
        2,
        "one more for the new data"
    );
}

/// Issue 15: no code where a name exists — the units page names each unit's tier and
/// parent.
#[tokio::test]
async fn the_units_page_names_tiers_and_parents() {
    let srv = crate::common::Server::start().await;
    let mut office = srv.signed_in("sonoivu").await;
    let page = office.get("/quan-tri/don-vi").await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.body.contains("<td>UBND cấp huyện</td>"), "the tier's name");
    // the office is sent to the import page; the administrator, who may not import, is not
    assert!(page.body.contains("href=\"/nhap-du-lieu#dinh-dang-units\""));
    let mut admin = srv.signed_in("quantri").await;
    let admin_page = admin.get("/quan-tri/don-vi").await.body;
    assert!(
        !admin_page.contains("href=\"/nhap-du-lieu"),
        "no link to a page that answers 403"
    );
    assert_eq!(
        admin.get("/nhap-du-lieu").await.status,
        reqwest::StatusCode::FORBIDDEN
    );
    for code in ["<td>huyen</td>", "<td>xa</td>", "<td>tinh</td>"] {
        assert!(!page.body.contains(code), "no tier code: {code}");
    }
    let parent = srv
        .store()
        .units()
        .unwrap()
        .into_iter()
        .find(|u| u.parent.is_some())
        .unwrap();
    let parent_name = srv
        .store()
        .unit(parent.parent.as_deref().unwrap())
        .unwrap()
        .unwrap()
        .info
        .name;
    assert!(
        page.body.contains(&format!("<td>{parent_name}</td>")),
        "the parent's name"
    );
}

/// The count shown beside a navigation item, if any.
fn nav_count(body: &str, href: &str) -> Option<i64> {
    let nav = body.split("<nav class=\"main\"").nth(1)?.split("</nav>").next()?;
    let item = nav
        .split(&format!("<a href=\"{href}\""))
        .nth(1)?
        .split("</a>")
        .next()?;
    let badge = item.split("<span class=\"badge\">").nth(1)?;
    badge
        .split("</span>")
        .nth(1)?
        .split('<')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The entries of one state (of one unit when given).
fn entries_in(
    srv: &Server,
    unit: Option<&str>,
    state: thidua_domain::entry::EntryState,
) -> Vec<thidua_store::workflow::EntryRecord> {
    srv.store()
        .entry_page(&thidua_store::queue::EntryQuery {
            state: Some(state),
            unit_code: unit.map(str::to_string),
            page: 1,
            per_page: 500,
            ..Default::default()
        })
        .unwrap()
        .0
}

#[tokio::test]
async fn each_role_s_home_page_lists_what_awaits_it_and_the_navigation_counts_it() {
    use thidua_domain::entry::EntryState;
    let srv = Server::start().await;
    // H01's reporter sends a value; it waits for the office
    let mut unit = srv.signed_in("donvi").await;
    crate::common::send_entry(&mut unit, "sang_kien", "2023-Q3", "2").await;
    let waiting = entries_in(&srv, None, EntryState::DaGui).len() as i64;
    assert!(waiting > 0, "the demo has entries waiting for the office");
    // the office: entries waiting for it, counted on the home page and in the navigation
    let mut office = srv.signed_in("sonoivu").await;
    let home = office.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<h1>Việc cần làm</h1>"));
    assert!(
        home.body.contains(&format!(
            "<span class=\"count\">{waiting}</span> Số liệu chờ Sở Nội vụ xác nhận"
        )),
        "{}",
        home.body
    );
    assert!(home.body.contains("href=\"/so-lieu?trang_thai=da_gui\""));
    assert_eq!(
        nav_count(&home.body, "/so-lieu"),
        Some(waiting),
        "the counter on every page"
    );
    // the same over the API, for an office's own tools
    let api = office.get("/api/v1/agenda").await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let verify = api["viec_cho"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["noi_dung"] == "Số liệu chờ Sở Nội vụ xác nhận")
        .expect("the office's queue in the API");
    assert_eq!(verify["so_luong"], waiting);
    assert_eq!(verify["duong_dan"], "/so-lieu?trang_thai=da_gui");
    assert_eq!(
        srv.client().get("/api/v1/agenda").await.status,
        StatusCode::UNAUTHORIZED
    );
    // a token's caller gets the same tasks (read for it, not carried by a session)
    let token = api_token(&srv, "sonoivu", 30);
    let by_token = srv
        .client()
        .http
        .get(format!("{}/api/v1/agenda", srv.base))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let by_token: serde_json::Value = serde_json::from_str(&by_token).unwrap();
    assert_eq!(by_token["viec_cho"], api["viec_cho"]);
    let other_page = office.get("/tong-quan").await;
    assert_eq!(nav_count(&other_page.body, "/so-lieu"), Some(waiting));
    // the office returns one of H01's: the unit's home says so, with the link to it
    let before = nav_count(&unit.get("/").await.body, "/so-lieu").unwrap_or(0);
    let sent = entries_in(&srv, Some("H01"), EntryState::DaGui)
        .into_iter()
        .next()
        .expect("an entry of H01 waiting");
    let r = office
        .post_form(
            &format!("/so-lieu/{}/tra-lai", sent.id),
            &[("ly_do", "Thiếu minh chứng")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = unit.get("/").await;
    let returned = entries_in(&srv, Some("H01"), EntryState::TraLai).len() as i64;
    assert!(home.body.contains(&format!(
        "<span class=\"count\">{returned}</span> Số liệu bị trả lại, cần sửa và gửi lại"
    )));
    assert!(
        home.body
            .contains("href=\"/so-lieu?trang_thai=tra_lai&#38;don_vi=H01\""),
        "{}",
        home.body
    );
    assert_eq!(nav_count(&home.body, "/so-lieu"), Some(before + 1));
    assert_eq!(
        nav_count(&office.get("/").await.body, "/so-lieu"),
        Some(waiting - 1),
        "one fewer for the office"
    );
    // a deadline three days ahead is on the home page of those it binds
    let today = thidua_domain::time::DateTime::now_local().date();
    let due = thidua_domain::time::Date(today.0 + 3);
    crate::common::set_nomination_deadline(&srv, due);
    let home = unit.get("/").await;
    assert!(
        home.body.contains(&format!(
            "<strong>{}</strong> (còn 3 ngày): Hạn nộp hồ sơ đề nghị khen thưởng",
            due.vi()
        )),
        "{}",
        home.body
    );
    let board = srv.signed_in("bantdkt").await.get("/").await;
    assert!(
        !board.body.contains("Hạn nộp hồ sơ đề nghị"),
        "not the Board's deadline"
    );
    // the administrator: the settings the product still needs
    let mut admin = srv.signed_in("quantri").await;
    let home = admin.get("/").await;
    let this_year = today.ymd().0;
    let has_days = srv
        .store()
        .calendar_days()
        .unwrap()
        .iter()
        .any(|d| d.date.ymd().0 == this_year);
    assert_eq!(
        home.body.contains("Lịch chưa có ngày nghỉ của năm nay"),
        !has_days
    );
    // nothing waiting: said in words, no counter
    let mut head = srv.signed_in("thutruong").await;
    let home = head.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Đang chờ bạn"));
    // the 2023 plan lets units read the ranking (read-only), linked from their home page
    assert!(unit.get("/").await.body.contains("href=\"/xep-hang\""));
    let ranking = unit.get("/xep-hang").await;
    assert_eq!(ranking.status, StatusCode::OK);
    assert!(!ranking.body.contains("<form class=\"stack\""), "read-only");
    // anonymous visitors go to the honour board
    let r = srv.client().get("/").await;
    assert_eq!(r.location(), "/bang-vang");
}

/// The overview and a unit's page are sent from kept content (issue 13): to a browser
/// that takes gzip, one gzip stream — the reader's own shell in stored blocks around the
/// content compressed once — that decodes to exactly the page sent uncompressed; each
/// reader's shell is their own, the content the same.
#[tokio::test]
async fn kept_pages_go_gzip_to_browsers_and_decode_to_the_same_page() {
    use std::io::Read;
    let srv = Server::start().await;
    let mut office = srv.signed_in("sonoivu").await;
    let mut head = srv.signed_in("thutruong").await;
    for path in [
        "/tong-quan",
        "/tong-quan?cap=xa&q=ba",
        "/don-vi/H01",
        "/don-vi/H01?trang=2",
    ] {
        // the office reads the overview; the unit's head its unit
        let office = if path.starts_with("/don-vi") {
            &mut head
        } else {
            &mut office
        };
        let plain = office.get(path).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert!(plain.headers.get("content-encoding").is_none());
        // twice: the first makes the compressed content, the second reads it kept
        for _ in 0..2 {
            let gz = office.get_gzip(path).await;
            assert_eq!(gz.status, StatusCode::OK, "{path}");
            assert_eq!(gz.headers["content-encoding"], "gzip", "{path}");
            assert_eq!(gz.headers["vary"], "accept-encoding");
            assert_eq!(
                gz.headers["content-length"].to_str().unwrap(),
                gz.bytes.len().to_string()
            );
            let mut text = String::new();
            flate2::read::GzDecoder::new(&gz.bytes[..])
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text, plain.body, "{path}");
            assert!(gz.bytes.len() < plain.body.len(), "{path}: compressed");
            if plain.body.len() > 20_000 {
                assert!(gz.bytes.len() * 3 < plain.body.len(), "{path}: compressed");
            }
        }
    }
    // the office's unit page holds the reopening form's token: never compressed
    let r = office.get_gzip("/don-vi/H01").await;
    assert!(r.headers.get("content-encoding").is_none());
    assert!(r.body.contains("/mo-lai-ky"));
    // (a reader without the form gets it compressed)
    let mut unit = srv.signed_in("donvi").await;
    let r = unit.get_gzip("/don-vi/H01").await;
    assert_eq!(r.headers["content-encoding"], "gzip");
    // and the office's kept content (its form, its token) never reaches another reader
    let office_csrf = office.csrf.clone().unwrap();
    let plain = unit.get("/don-vi/H01").await.body;
    assert!(!plain.contains("action=\"/don-vi/H01/mo-lai-ky\""));
    assert!(!plain.contains(&office_csrf));
    // another reader: their own name and token around the same content
    let mut leader = srv.signed_in("lanhdao").await;
    let theirs = leader.get("/tong-quan").await.body;
    let mine = office.get("/tong-quan").await.body;
    assert_ne!(theirs, mine);
    let table = |b: &str| b[b.find("<table").unwrap()..b.rfind("</table>").unwrap()].to_string();
    assert_eq!(table(&theirs), table(&mine));
    // a browser that refuses gzip gets the page as it is
    let r = reqwest::Client::new()
        .get(format!("{}/tong-quan", srv.base))
        .header(
            "cookie",
            office
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .header("accept-encoding", "gzip;q=0, identity")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.text().await.unwrap(), mine);
}
