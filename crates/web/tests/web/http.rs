//! The web application over real HTTP: a server on port 0 over a fresh demo store.

use crate::common::{pdf_bytes, Server, PASSWORD};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use thidua_domain::entry::EntryState;
use thidua_store::workflow::EntryFilter;

fn entry_form(indicator: &str, period: &str, value: &str, action: &str) -> Form {
    Form::new()
        .text("chi_tieu", indicator.to_string())
        .text("ky", period.to_string())
        .text("gia_tri", value.to_string())
        .text("ghi_chu", "Báo cáo quý")
        .text("hanh_dong", action.to_string())
}

#[tokio::test]
async fn every_page_answers_each_role_and_refuses_the_others() {
    let srv = Server::start().await;
    // (path, roles that may see it)
    const OFFICIALS: [&str; 3] = ["sonoivu", "bantdkt", "lanhdao"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        OFFICIALS.iter().copied().chain(extra.iter().copied()).collect()
    };
    let pages: Vec<(&str, Vec<&str>)> = vec![
        ("/tong-quan", with(&[])),
        ("/tong-quan?cap=xa&nhom=&q=", with(&[])),
        (
            "/so-lieu?trang_thai=tat_ca",
            with(&["donvi", "donvi2", "thutruong"]),
        ),
        ("/xep-hang", with(&[])),
        ("/canh-bao", with(&[])),
        ("/so-lieu", with(&["donvi", "donvi2", "thutruong"])),
        ("/so-lieu/nhap", vec!["donvi", "donvi2"]),
        ("/nhap-du-lieu", vec!["sonoivu", "donvi", "donvi2"]),
        ("/kien-nghi", with(&["donvi", "donvi2", "thutruong"])),
        ("/nhat-ky", vec!["quantri", "sonoivu"]),
        ("/quan-tri/tai-khoan", vec!["quantri"]),
        ("/mat-khau", with(&["quantri", "donvi", "donvi2", "thutruong"])),
        ("/don-vi/H01", with(&["donvi", "thutruong"])),
        ("/don-vi/S01", with(&["donvi2"])),
        ("HEAD_PAGE", with(&["donvi", "thutruong"])),
        ("/de-nghi", with(&["donvi", "donvi2", "thutruong"])),
        ("/de-nghi?dinh_dang=xlsx", with(&["donvi", "donvi2", "thutruong"])),
        ("NOMINATION_PAGE", with(&["donvi", "thutruong"])),
        ("/cai-dat", vec!["sonoivu", "quantri"]),
        ("/quan-tri/ke-hoach", vec!["sonoivu", "quantri"]),
        ("/quan-tri/lich", vec!["sonoivu", "quantri"]),
        ("/quan-tri/don-vi", vec!["sonoivu", "quantri"]),
        ("/quan-tri/don-vi/H01", vec!["sonoivu", "quantri"]),
        ("/van-ban/mau07/H01", with(&["donvi", "thutruong"])),
        ("/van-ban/to-trinh", with(&[])),
        ("/van-ban/quyet-dinh", with(&[])),
        ("/bang-vang", with(&["quantri", "donvi", "donvi2", "thutruong"])),
        ("/tien-do", with(&["quantri", "donvi", "donvi2", "thutruong"])),
    ];
    let h01 = srv.store().unit("H01").unwrap().unwrap().id;
    let nomination_page = format!(
        "/de-nghi/{}",
        srv.store().nominations("cchc-2023", Some(h01)).unwrap()[0].id
    );
    let h01_from = srv
        .store()
        .heads()
        .unwrap()
        .into_iter()
        .find(|h| h.unit == "H01")
        .unwrap()
        .from
        .iso();
    let head_page = format!("/danh-gia/H01/{h01_from}");
    let users = [
        "quantri",
        "sonoivu",
        "bantdkt",
        "lanhdao",
        "donvi",
        "donvi2",
        "thutruong",
    ];
    let mut clients = Vec::new();
    for u in users {
        clients.push((u, srv.signed_in(u).await));
    }
    for (path, allowed) in &pages {
        let path = match *path {
            "HEAD_PAGE" => head_page.as_str(),
            "NOMINATION_PAGE" => nomination_page.as_str(),
            p => p,
        };
        for (u, c) in clients.iter_mut() {
            let r = c.get(path).await;
            if allowed.contains(u) {
                assert_eq!(
                    r.status,
                    StatusCode::OK,
                    "{u} {path}: {}",
                    &r.body[..r.body.len().min(400)]
                );
                let downloads = path.contains("dinh_dang=xlsx") || path.starts_with("/van-ban/");
                assert!(downloads || r.body.contains("<html lang=\"vi\">"));
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} {path}");
                assert!(r.body.contains("Không có quyền truy cập"));
            }
        }
    }
    // The public pages need no sign-in.
    for path in ["/bang-vang", "/tien-do"] {
        assert_eq!(srv.client().get(path).await.status, StatusCode::OK, "{path}");
    }
    // A unit user who guesses another unit's URL gets 403, never the data.
    let (_, donvi) = clients.iter_mut().find(|(u, _)| *u == "donvi").unwrap();
    let r = donvi.get("/don-vi/S01").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains("Sở Nội vụ tỉnh"), "no data of the other unit");
    let s01_from = srv
        .store()
        .heads()
        .unwrap()
        .into_iter()
        .find(|h| h.unit == "S01")
        .unwrap()
        .from
        .iso();
    assert_eq!(
        donvi.get(&format!("/danh-gia/S01/{s01_from}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        donvi.get("/don-vi/S01?dinh_dang=xlsx").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn without_a_session_pages_redirect_to_sign_in_and_the_api_answers_401() {
    let srv = Server::start().await;
    let mut c = srv.client();
    for path in [
        "/tong-quan",
        "/don-vi/H01",
        "/so-lieu",
        "/nhat-ky",
        "/xep-hang?nam=2023",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.location().starts_with("/dang-nhap?tiep=%2F"),
            "{path} → {}",
            r.location()
        );
    }
    let r = c.get("/api/v1/units/H01/evaluation?year=2023").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(j["ma_yeu_cau"].as_str().is_some_and(|s| !s.is_empty()));
    // a form post without a session is refused as not signed in
    let r = c.post_form_raw("/so-lieu/1/xac-nhan", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Chưa đăng nhập"));
}

#[tokio::test]
async fn sign_in_gives_one_answer_throttles_and_sets_a_strict_cookie() {
    let srv = Server::start_with(|c| c.cookie_secure = true).await;
    let mut a = srv.client();
    let wrong = a.sign_in("donvi", "sai-mat-khau-1").await;
    let mut b = srv.client_from("127.0.0.2");
    let unknown = b.sign_in("khong-ton-tai", "sai-mat-khau-1").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let msg = "Tên đăng nhập hoặc mật khẩu không đúng.";
    assert!(wrong.body.contains(msg) && unknown.body.contains(msg));
    // the sign-in form needs its own token (double submit)
    let r = srv
        .client()
        .post_form_raw("/dang-nhap", &[("username", "donvi"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // success: an HttpOnly, SameSite, Secure session cookie
    let mut ok = srv.client();
    let r = ok.sign_in("donvi", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("thidua_sid=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Secure"),
        "{cookie}"
    );
    // (the success cleared the account's count) five failures lock the account, even with
    // the right password and from another address
    let mut a = srv.client_from("127.0.0.6");
    for _ in 0..5 {
        assert_eq!(
            a.sign_in("donvi", "sai-mat-khau-1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = srv.client_from("127.0.0.3").sign_in("donvi", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("thử lại sau"));
    // twenty attempts from one address lock the address, whatever the account
    for i in 0..19 {
        assert_eq!(
            b.sign_in(&format!("ai-do-{i}"), "sai").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        srv.client_from("127.0.0.2")
            .sign_in("lanhdao", PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        srv.client_from("127.0.0.4")
            .sign_in("lanhdao", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // the API gives the same single answer
    let mut api = srv.client_from("127.0.0.5");
    let r = api
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": "bantdkt", "password": "x"}),
            false,
        )
        .await;
    let r2 = api
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": "nobody", "password": "x"}),
            false,
        )
        .await;
    assert_eq!(
        (r.status, r2.status),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    let j1: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let j2: serde_json::Value = serde_json::from_str(&r2.body).unwrap();
    assert_eq!(j1["chi_tiet"], j2["chi_tiet"]);
    // signing out ends the session on the server
    let mut c = srv.signed_in("sonoivu").await;
    let sid = c
        .cookies
        .iter()
        .find(|(k, _)| k == "thidua_sid")
        .unwrap()
        .1
        .clone();
    assert_eq!(c.post_form("/dang-xuat", &[]).await.status, StatusCode::SEE_OTHER);
    c.cookies.push(("thidua_sid".into(), sid));
    assert_eq!(c.get("/tong-quan").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_entry_is_submitted_returned_resubmitted_and_verified() {
    let srv = Server::start().await;
    let mut unit = srv.signed_in("donvi").await;
    let form = entry_form("sang_kien", "2023-Q3", "2", "gui").part(
        "minh_chung",
        Part::bytes(pdf_bytes()).file_name("Báo cáo sáng kiến.pdf"),
    );
    let r = unit.post_multipart("/so-lieu/luu", form, true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/so-lieu/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = unit.get(&format!("/so-lieu/{id}")).await;
    assert!(page.body.contains("Đã gửi, chờ xác nhận") && page.body.contains("Báo cáo sáng kiến.pdf"));

    // the board may not verify; the other unit may not even look
    let mut board = srv.signed_in("bantdkt").await;
    assert_eq!(
        board
            .post_form(&format!("/so-lieu/{id}/xac-nhan"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut other = srv.signed_in("donvi2").await;
    assert_eq!(
        other.get(&format!("/so-lieu/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        unit.post_form(&format!("/so-lieu/{id}/xac-nhan"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(srv.store().entry(id).unwrap().unwrap().state, EntryState::DaGui);

    // the office returns it; without a CSRF token nothing happens
    let mut office = srv.signed_in("sonoivu").await;
    assert!(
        office
            .get("/so-lieu")
            .await
            .body
            .contains(&format!("href=\"/so-lieu/{id}\"")),
        "the office's queue holds it"
    );
    let r = office
        .post_form_raw(
            &format!("/so-lieu/{id}/tra-lai"),
            &[("ly_do", "Thiếu quyết định công nhận sáng kiến")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(srv.store().entry(id).unwrap().unwrap().state, EntryState::DaGui);
    let r = office
        .post_form(
            &format!("/so-lieu/{id}/tra-lai"),
            &[("ly_do", "Thiếu quyết định công nhận sáng kiến")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // the unit sees the reason beside the form and resubmits
    let form_page = unit.get("/so-lieu/nhap?chi_tieu=sang_kien&ky=2023-Q3").await;
    assert!(form_page.body.contains("Thiếu quyết định công nhận sáng kiến"));
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form("sang_kien", "2023-Q3", "3", "gui"),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = office.post_form(&format!("/so-lieu/{id}/xac-nhan"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = unit.get(&format!("/so-lieu/{id}")).await;
    assert!(page.body.contains("Đã xác nhận"));
    for step in ["Đã gửi, chờ xác nhận", "Bị trả lại", "Đã xác nhận"] {
        assert!(page.body.contains(step), "history shows {step}");
    }
    let e = srv.store().entry(id).unwrap().unwrap();
    assert_eq!((e.state, e.value), (EntryState::DaXacNhan, Some(3)));
    // the evaluation follows: the unit page's initiatives row has the verified quarter in it
    let unit_page = unit.get("/don-vi/H01").await;
    let plan = thidua_domain::plan::Plan::built_in();
    let heads = srv.store().evaluate(&plan, plan.period_to.end()).unwrap();
    let h = heads
        .iter()
        .filter(|h| h.unit.code == "H01")
        .max_by_key(|h| h.head.from)
        .unwrap();
    let thidua_domain::eval::Value::Count(n) = h.indicator("sang_kien").unwrap().value else {
        panic!("a count")
    };
    assert!(
        unit_page.body.contains(&format!("Tổng = {n} (")),
        "the page shows the sum {n} the evaluation makes"
    );
    let (log, _) = srv
        .store()
        .audit(&thidua_store::audit::AuditFilter {
            username: Some("sonoivu".into()),
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    assert!(log
        .iter()
        .any(|r| r.action == "tra_lai_so_lieu" && r.address == "127.0.0.1" && !r.request_id.is_empty()));
    let audit_page = office.get("/nhat-ky?thao_tac=xac_nhan_so_lieu").await;
    assert!(audit_page.body.contains("xac_nhan_so_lieu") && !audit_page.body.contains("tra_lai_so_lieu"));
}

#[tokio::test]
async fn uploads_are_checked_by_content_size_and_name() {
    let srv = Server::start_with(|c| c.max_upload = 64 * 1024).await;
    let mut unit = srv.signed_in("donvi").await;
    let before = srv.store().counts().unwrap().entries;
    // files the demo already holds (its nominations' documents)
    let existing = srv.attachments();
    let new_files = |srv: &Server| -> Vec<String> {
        srv.attachments()
            .into_iter()
            .filter(|f| !existing.contains(f))
            .collect()
    };
    let exe = entry_form("sang_kien", "2023-Q4", "1", "gui").part(
        "minh_chung",
        Part::bytes(b"MZ\x90\x00\x03\x00\x00\x00 this program".to_vec()).file_name("bao-cao.pdf"),
    );
    let r = unit.post_multipart("/so-lieu/luu", exe, true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("không phải PDF, JPEG, PNG, DOCX hoặc XLSX"),
        "{}",
        r.body
    );
    let big = entry_form("sang_kien", "2023-Q4", "1", "gui").part(
        "minh_chung",
        Part::bytes([pdf_bytes(), vec![b' '; 70 * 1024]].concat()).file_name("lon.pdf"),
    );
    let r = unit.post_multipart("/so-lieu/luu", big, true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("vượt quá dung lượng"));
    // a valid file with a wrong value: the file written is removed again
    let bad_value = entry_form("sang_kien", "2023-Q4", "-1", "gui")
        .part("minh_chung", Part::bytes(pdf_bytes()).file_name("ok.pdf"));
    assert_eq!(
        unit.post_multipart("/so-lieu/luu", bad_value, true).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(srv.store().counts().unwrap().entries, before, "nothing saved");
    assert!(new_files(&srv).is_empty(), "no file left behind");
    // a path in the name is dropped; the file is stored under a server-made name
    let sneaky = entry_form("sang_kien", "2023-Q4", "1", "gui").part(
        "minh_chung",
        Part::bytes(pdf_bytes()).file_name("../../etc/passwd.pdf"),
    );
    let r = unit.post_multipart("/so-lieu/luu", sneaky, true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored = new_files(&srv);
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].len() == 64 + 4 && stored[0].ends_with(".pdf") && !stored[0].contains("passwd"),
        "{stored:?}"
    );
    let id: i64 = r
        .location()
        .trim_start_matches("/so-lieu/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let a = &srv.store().attachments(id).unwrap()[0];
    assert_eq!(a.file_name, "passwd.pdf");
    // the evidence downloads for its unit and the office, not for another unit
    let att = format!("/tep/{}", a.id);
    assert_eq!(unit.get(&att).await.bytes, pdf_bytes());
    assert_eq!(
        srv.signed_in("sonoivu").await.get(&att).await.status,
        StatusCode::OK
    );
    assert_eq!(
        srv.signed_in("donvi2").await.get(&att).await.status,
        StatusCode::FORBIDDEN
    );
    // a multipart form without the CSRF token is refused
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form("sang_kien", "2023-12", "1", "gui"),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_wrong_value_is_explained_in_vietnamese_and_nothing_is_saved() {
    let srv = Server::start().await;
    let mut unit = srv.signed_in("donvi").await;
    let before = srv.store().counts().unwrap();
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form("sang_kien", "2023-Q4", "-3", "gui"),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Giá trị: số lượng không được âm"), "{}", r.body);
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form("tthc_dung_han", "2023", "1", "gui"),
            true,
        )
        .await;
    assert!(r.body.contains("được tính từ hồ sơ TTHC"));
    assert_eq!(srv.store().counts().unwrap(), before);
    // an entry waiting for the office cannot be changed by the unit
    let unit_id = srv.store().unit("H01").unwrap().unwrap().id;
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form("sang_kien", "2023-11", "1", "gui"),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let e = srv
        .store()
        .entry_by_key(unit_id, "sang_kien", "2023-11")
        .unwrap()
        .expect("the entry waits");
    assert_eq!(e.state, EntryState::DaGui);
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form(&e.indicator, &e.period, "9", "gui"),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("đang chờ Sở Nội vụ xác nhận"));
    // a dot is the thousands separator on screen: never guessed as a decimal point
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form("sang_kien", "2023-12", "1.234", "gui"),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dùng dấu phẩy cho phần thập phân"));
}

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
async fn web_imports_report_every_bad_row_and_write_only_on_confirmation() {
    let srv = Server::start().await;
    let mut office = srv.signed_in("sonoivu").await;
    let bad =
        "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH09,UBND huyện Mới,huyen,\nH10,UBND xã Lạ,xa,KHONG_CO\n";
    let form = Form::new().text("loai", "units").part(
        "tep",
        Part::bytes(bad.as_bytes().to_vec()).file_name("don-vi.csv"),
    );
    let r = office.post_multipart("/nhap-du-lieu", form, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("1 dòng lỗi") && r.body.contains("KHONG_CO"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("Xác nhận nhập"),
        "no confirmation while a row is bad"
    );
    let link = r
        .body
        .split("href=\"")
        .find(|s| s.starts_with("/nhap-du-lieu/") && s.contains("loi.xlsx"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let x = office.get(&link).await;
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes)).unwrap();
    assert_eq!(
        wb.worksheet_range_at(0).unwrap().unwrap().height(),
        4,
        "title, blank, header, one bad row"
    );
    assert!(
        srv.store().unit("H09").unwrap().is_none(),
        "the report wrote nothing"
    );
    // accept the valid rows, then confirm
    let form = Form::new()
        .text("loai", "units")
        .text("chap_nhan_dong_hop_le", "1")
        .part(
            "tep",
            Part::bytes(bad.as_bytes().to_vec()).file_name("don-vi.csv"),
        );
    let r = office.post_multipart("/nhap-du-lieu", form, true).await;
    let confirm = r
        .body
        .split("action=\"")
        .find(|s| s.contains("/xac-nhan"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // another importer cannot confirm this upload, nor download its report
    let mut unit = srv.signed_in("donvi").await;
    assert_eq!(unit.post_form(&confirm, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        unit.get(&confirm.replace("/xac-nhan", "/loi.xlsx")).await.status,
        StatusCode::FORBIDDEN
    );
    let r = office.post_form(&confirm, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Đã ghi vào cơ sở dữ liệu"));
    // a second click imports nothing twice
    let again = office.post_form(&confirm, &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "the staged upload is gone");
    let (log, _) = srv
        .store()
        .audit(&thidua_store::audit::AuditFilter {
            action: Some("nhap_tep".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.len(), 1, "the import is in the audit log once");
    assert_eq!(log[0].username, "sonoivu");
    assert!(srv.store().unit("H09").unwrap().is_some());
    assert!(srv.store().unit("H10").unwrap().is_none());
    // a file that is not a table
    let form = Form::new()
        .text("loai", "dossiers")
        .part("tep", Part::bytes(b"\x00\x01binary".to_vec()).file_name("x.csv"));
    let r = office.post_multipart("/nhap-du-lieu", form, true).await;
    assert!(r.body.contains("không nhập được"), "{}", r.body);
    // units may not import units
    let form = Form::new().text("loai", "units").part(
        "tep",
        Part::bytes(bad.as_bytes().to_vec()).file_name("don-vi.csv"),
    );
    assert_eq!(
        unit.post_multipart("/nhap-du-lieu", form, true).await.status,
        StatusCode::FORBIDDEN
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
async fn the_administrator_creates_accounts_and_users_change_passwords() {
    let srv = Server::start().await;
    let mut admin = srv.signed_in("quantri").await;
    let r = admin
        .post_form(
            "/quan-tri/tai-khoan",
            &[
                ("username", "xa01"),
                ("full_name", "Lê Thị Bình"),
                ("role", "don_vi"),
                ("unit", ""),
                ("password", "mat-khau-du-dai"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("cần chọn đơn vị"));
    let r = admin
        .post_form(
            "/quan-tri/tai-khoan",
            &[
                ("username", "xa01"),
                ("full_name", "Lê Thị Bình"),
                ("role", "don_vi"),
                ("unit", "H01X01"),
                ("password", "mat-khau-du-dai"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut c = srv.client();
    assert_eq!(c.sign_in("xa01", "mat-khau-du-dai").await.location(), "/");
    assert_eq!(c.get("/").await.location(), "/don-vi/H01X01");
    // only the administrator manages accounts
    let mut office = srv.signed_in("sonoivu").await;
    assert_eq!(
        office
            .post_form(
                "/quan-tri/tai-khoan",
                &[
                    ("username", "y"),
                    ("full_name", ""),
                    ("role", "quan_tri"),
                    ("password", "mat-khau-du-dai")
                ]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(srv.store().user_by_name("y").unwrap().is_none());
    // password change
    let r = c
        .post_form(
            "/mat-khau",
            &[
                ("current", "sai"),
                ("new", "mat-khau-moi-123"),
                ("confirm", "mat-khau-moi-123"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_form(
            "/mat-khau",
            &[
                ("current", "mat-khau-du-dai"),
                ("new", "mat-khau-moi-123"),
                ("confirm", "mat-khau-moi-123"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        srv.client().sign_in("xa01", "mat-khau-du-dai").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        srv.client().sign_in("xa01", "mat-khau-moi-123").await.status,
        StatusCode::SEE_OTHER
    );
    // locking an account ends its sessions
    let id = srv.store().user_by_name("xa01").unwrap().unwrap().id;
    assert_eq!(
        admin
            .post_form(
                &format!("/quan-tri/tai-khoan/{id}/trang-thai"),
                &[("active", "0")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(c.get("/don-vi/H01X01").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn errors_are_pages_with_a_request_id_and_no_internals() {
    let srv = Server::start().await;
    let mut c = srv.signed_in("sonoivu").await;
    let r = c.get("/so-lieu/99999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let id = r.headers["x-request-id"].to_str().unwrap().to_string();
    assert!(r.body.contains("Không tìm thấy") && r.body.contains(&id));
    let r = c.get("/don-vi/KHONG-CO").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.get("/tong-quan?nam=1999").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không có kế hoạch nào cho năm 1999"));
    assert!(!r.body.contains("rusqlite") && !r.body.contains("panicked") && !r.body.contains("SELECT"));
    assert!(r.headers.contains_key("content-security-policy"));
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

    let token = thidua_app::credentials::random_token();
    {
        let mut s = srv.store();
        let id = s.user_by_name("sonoivu").unwrap().unwrap().id;
        s.create_token(
            &thidua_store::audit::Actor::cli(),
            id,
            &thidua_app::credentials::token_hash(&token),
            "một cửa",
        )
        .unwrap();
    }
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
        "/api/v1/dossiers",
        "/api/v1/openapi.json",
    ] {
        assert!(spec["paths"].get(p).is_some(), "{p}");
    }
}

/// Every route that changes data, tried by every role that may not use it, by nobody, and
/// by an allowed user without the CSRF token: 403 (or 401 without a session) and nothing
/// changes.
#[tokio::test]
async fn every_route_that_changes_data_refuses_wrong_roles_anonymous_and_missing_csrf() {
    let srv = Server::start().await;
    let store = srv.store();
    let h01 = store.unit("H01").unwrap().unwrap();
    let entry = store
        .entry_list(&EntryFilter {
            state: Some(EntryState::DaGui),
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    let thread = store.threads(Some(h01.id)).unwrap()[0].id;
    let some_user = store.user_by_name("bantdkt").unwrap().unwrap().id;
    drop(store);
    let everyone = [
        "quantri",
        "sonoivu",
        "bantdkt",
        "lanhdao",
        "donvi",
        "donvi2",
        "thutruong",
    ];
    let mut clients = Vec::new();
    for u in everyone {
        let mut c = srv.signed_in(u).await;
        c.get("/mat-khau").await; // load the CSRF token
        clients.push((u, c));
    }
    // (path, form, who may)
    let verify = format!("/so-lieu/{entry}/xac-nhan");
    let ret = format!("/so-lieu/{entry}/tra-lai");
    let reply = format!("/kien-nghi/{thread}/phan-hoi");
    let lock = format!("/quan-tri/tai-khoan/{some_user}/trang-thai");
    let sign = format!("/so-lieu/{entry}/ky-duyet");
    let entry_unit = srv.store().entry(entry).unwrap().unwrap().unit_code;
    let sign_allowed: &[&str] = if entry_unit == "H01" { &["thutruong"] } else { &[] };
    // (path, form, the accounts allowed)
    type Route<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [&'a str]);
    let routes: Vec<Route> = vec![
        (&sign, vec![], sign_allowed),
        (&verify, vec![], &["sonoivu"]),
        (&ret, vec![("ly_do", "x")], &["sonoivu"]),
        (
            "/kien-nghi",
            vec![("tieu_de", "x"), ("noi_dung", "y")],
            &["donvi", "donvi2"],
        ),
        (&reply, vec![("hanh_dong", "gui"), ("noi_dung", "y")], &["donvi"]),
        (
            &reply,
            vec![("hanh_dong", "tra_loi"), ("noi_dung", "y")],
            &["sonoivu", "lanhdao"],
        ),
        (
            &reply,
            vec![("hanh_dong", "chuyen_lanh_dao"), ("noi_dung", "y")],
            &["sonoivu"],
        ),
        (
            &reply,
            vec![("hanh_dong", "dong"), ("noi_dung", "")],
            &["sonoivu"],
        ),
        (
            "/quan-tri/tai-khoan",
            vec![
                ("username", "moi"),
                ("full_name", ""),
                ("role", "ban_tdkt"),
                ("password", "mat-khau-du-dai"),
            ],
            &["quantri"],
        ),
        (&lock, vec![("active", "0")], &["quantri"]),
    ];
    let fingerprint = |srv: &Server| {
        let s = srv.store();
        let audit = s
            .audit(&thidua_store::audit::AuditFilter {
                limit: 1,
                ..Default::default()
            })
            .unwrap()
            .1;
        (s.data_version().unwrap(), s.counts().unwrap(), audit)
    };
    let before = fingerprint(&srv);
    for (path, form, allowed) in &routes {
        for (u, c) in clients.iter_mut() {
            if allowed.contains(u) {
                // allowed, but without the token
                let r = c.post_form_raw(path, form).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} {path} without CSRF");
            } else {
                let r = c.post_form(path, form).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} {path} {form:?}");
            }
        }
        let r = srv.client().post_form_raw(path, form).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "anonymous {path}");
        assert_eq!(fingerprint(&srv), before, "{path} changed data");
    }
    // multipart routes and the API
    for (u, c) in clients.iter_mut() {
        let entry = Form::new()
            .text("chi_tieu", "sang_kien")
            .text("ky", "2023-12")
            .text("gia_tri", "1")
            .text("hanh_dong", "gui");
        let r = c
            .post_multipart("/so-lieu/luu", entry, !u.starts_with("donvi"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} /so-lieu/luu");
        let import = Form::new().text("loai", "units").part(
            "tep",
            Part::bytes(b"ma_don_vi,ten_don_vi,cap\nZ1,Z,huyen\n".to_vec()).file_name("u.csv"),
        );
        // the office without the token; units and everyone else with it (a unit may not import units)
        let r = c.post_multipart("/nhap-du-lieu", import, *u != "sonoivu").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} /nhap-du-lieu");
        let csv = b"ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\nZ-1,H01,X,2023-11-01,2023-11-10,,truc_tiep,dang_xu_ly\n".to_vec();
        let saved = c.csrf.clone();
        if *u == "sonoivu" {
            c.csrf = None; // the office, without the CSRF header
        }
        let r = c.post_body("/api/v1/dossiers", "text/csv", csv, None).await;
        c.csrf = saved;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} /api/v1/dossiers");
    }
    // routes every signed-in user may take: refused without the token, or without a session
    for (u, c) in clients.iter_mut() {
        let r = c
            .post_form_raw(
                "/mat-khau",
                &[
                    ("current", PASSWORD),
                    ("new", "mat-khau-moi-123"),
                    ("confirm", "mat-khau-moi-123"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} /mat-khau without CSRF");
        assert_eq!(
            c.post_form_raw("/dang-xuat", &[]).await.status,
            StatusCode::FORBIDDEN,
            "{u} /dang-xuat without CSRF"
        );
        let del = c
            .http
            .delete(format!("{}/api/v1/session", c.base))
            .header(
                "cookie",
                format!(
                    "thidua_sid={}",
                    c.cookies.iter().find(|(k, _)| k == "thidua_sid").unwrap().1
                ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            del.status(),
            StatusCode::FORBIDDEN,
            "{u} DELETE /api/v1/session without CSRF"
        );
    }
    // a staged import: only the office user who uploaded it confirms it, with the token
    let (_, office) = clients.iter_mut().find(|(u, _)| *u == "sonoivu").unwrap();
    let upload = Form::new().text("loai", "units").part(
        "tep",
        Part::bytes(b"ma_don_vi,ten_don_vi,cap\nZ1,Z,huyen\n".to_vec()).file_name("u.csv"),
    );
    let r = office.post_multipart("/nhap-du-lieu", upload, true).await;
    let confirm = r
        .body
        .split("action=\"")
        .find(|s| s.contains("/xac-nhan"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        office.post_form_raw(&confirm, &[]).await.status,
        StatusCode::FORBIDDEN,
        "confirm without CSRF"
    );
    for (u, c) in clients.iter_mut().filter(|(u, _)| *u != "sonoivu") {
        assert_eq!(
            c.post_form(&confirm, &[]).await.status,
            StatusCode::FORBIDDEN,
            "{u} confirms another's upload"
        );
    }
    let mut anon = srv.client();
    assert_eq!(
        anon.post_form_raw(&confirm, &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        anon.post_form_raw("/mat-khau", &[("current", "x")]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        anon.http
            .delete(format!("{}/api/v1/session", anon.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let r = anon
        .post_multipart("/so-lieu/luu", Form::new().text("chi_tieu", "sang_kien"), false)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = anon
        .post_body("/api/v1/dossiers", "text/csv", b"x".to_vec(), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fingerprint(&srv), before, "nothing changed");
}

#[tokio::test]
async fn a_unit_imports_only_its_own_values_and_never_as_verified() {
    let srv = Server::start().await;
    let mut unit = srv.signed_in("donvi").await;
    let mixed = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nH01,sang_kien,2023-11,,,1,\nS01,sang_kien,2023-11,,,1,\n";
    let form = Form::new().text("loai", "values").part(
        "tep",
        Part::bytes(mixed.as_bytes().to_vec()).file_name("so-lieu.csv"),
    );
    let r = unit.post_multipart("/nhap-du-lieu", form, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("chỉ được nhập số liệu của đơn vị «H01»"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("Xác nhận nhập"));
    let own = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nH01,sang_kien,2023-11,,,1,Sáng kiến tháng 11\n";
    let form = Form::new().text("loai", "values").text("da_xac_nhan", "1").part(
        "tep",
        Part::bytes(own.as_bytes().to_vec()).file_name("so-lieu.csv"),
    );
    let r = unit.post_multipart("/nhap-du-lieu", form, true).await;
    let confirm = r
        .body
        .split("action=\"")
        .find(|s| s.contains("/xac-nhan"))
        .expect("confirmation offered")
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(unit.post_form(&confirm, &[]).await.status, StatusCode::OK);
    let s = srv.store();
    let h01 = s.unit("H01").unwrap().unwrap();
    let e = s.entry_by_key(h01.id, "sang_kien", "2023-11").unwrap().unwrap();
    assert_eq!(e.state, EntryState::DaGui, "a unit's import waits for the office");
    assert!(s
        .entry_by_key(s.unit("S01").unwrap().unwrap().id, "sang_kien", "2023-11")
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn the_unit_head_reads_the_unit_and_signs_off_its_submissions() {
    let srv = Server::start().await;
    let mut unit = srv.signed_in("donvi").await;
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form("sang_kien", "2023-10", "1", "gui"),
            true,
        )
        .await;
    let id: i64 = r
        .location()
        .trim_start_matches("/so-lieu/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut head = srv.signed_in("thutruong").await;
    assert!(
        head.get("/so-lieu")
            .await
            .body
            .contains(&format!("href=\"/so-lieu/{id}\"")),
        "the head's queue"
    );
    assert!(head
        .get(&format!("/so-lieu/{id}"))
        .await
        .body
        .contains("Ký duyệt số liệu"));
    // the head neither enters values nor verifies
    assert_eq!(head.get("/so-lieu/nhap").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        head.post_form(&format!("/so-lieu/{id}/xac-nhan"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        head.post_form(&format!("/so-lieu/{id}/ky-duyet"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        srv.store().entry(id).unwrap().unwrap().signed_by.as_deref(),
        Some("thutruong")
    );
    let r = head.post_form(&format!("/so-lieu/{id}/ky-duyet"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "signed once");
    let mut office = srv.signed_in("sonoivu").await;
    assert!(office
        .get(&format!("/so-lieu/{id}"))
        .await
        .body
        .contains("Thủ trưởng đơn vị đã ký duyệt: thutruong"));
    // a change by the unit (after a return) clears the sign-off
    office
        .post_form(&format!("/so-lieu/{id}/tra-lai"), &[("ly_do", "Sai kỳ")])
        .await;
    unit.post_multipart(
        "/so-lieu/luu",
        entry_form("sang_kien", "2023-10", "2", "gui"),
        true,
    )
    .await;
    assert_eq!(srv.store().entry(id).unwrap().unwrap().signed_by, None);
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
async fn behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for() {
    for (trust, expected) in [(true, "203.0.113.7"), (false, "127.0.0.1")] {
        let srv = Server::start_with(|c| c.trust_proxy = trust).await;
        let mut c = srv.client();
        let page = c.get("/dang-nhap").await;
        let token = page
            .body
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let cookie = c
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let r = c
            .http
            .post(format!("{}/dang-nhap", c.base))
            .header("cookie", cookie)
            .header("x-forwarded-for", "10.9.9.9, 203.0.113.7")
            .form(&[
                ("_csrf", token.as_str()),
                ("username", "sonoivu"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (log, _) = srv
            .store()
            .audit(&thidua_store::audit::AuditFilter {
                action: Some("dang_nhap".into()),
                limit: 1,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(log[0].address, expected, "trust_proxy = {trust}");
    }
}
