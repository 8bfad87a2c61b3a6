//! Who may do what over real HTTP: every page and every route that changes data, for
//! every role, anonymous, and without the CSRF token.

use crate::common::{Server, PASSWORD};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;
use thidua_domain::entry::EntryState;
use thidua_store::workflow::EntryFilter;
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
        // the 2023 plan lets the units read it
        ("/xep-hang", with(&["donvi", "donvi2", "thutruong"])),
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
        ("/quyet-dinh", with(&[])),
        ("/bang-vang", with(&["quantri", "donvi", "donvi2", "thutruong"])),
        ("/khen-thuong", with(&["quantri", "donvi", "donvi2", "thutruong"])),
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
    let waiting = waiting_for_h01(&srv);
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
    let reopen = format!("/so-lieu/{entry}/mo-lai-xac-nhan");
    let propose = format!("/de-nghi/{waiting}/cap-trinh-de-nghi");
    let proposer_return = format!("/de-nghi/{waiting}/cap-trinh-tra-lai");
    let waiting_doc = srv.store().nomination_documents(waiting).unwrap()[0].id;
    let remove_doc = format!("/de-nghi/tai-lieu/{waiting_doc}/xoa");
    let entry_id = entry.to_string();
    let entry_unit = srv.store().entry(entry).unwrap().unwrap().unit_code;
    let sign_allowed: &[&str] = if entry_unit == "H01" { &["thutruong"] } else { &[] };
    // (path, form, the accounts allowed)
    type Route<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [&'a str]);
    let routes: Vec<Route> = vec![
        (&sign, vec![], sign_allowed),
        (&verify, vec![], &["sonoivu"]),
        (&ret, vec![("ly_do", "x")], &["sonoivu"]),
        (&reopen, vec![("ly_do", "x")], &["sonoivu"]),
        (
            "/so-lieu/xac-nhan-nhieu",
            vec![("id", entry_id.as_str()), ("dong_y", "1")],
            &["sonoivu"],
        ),
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
        // a commune's nomination waiting for its district (H01, the account `donvi`)
        (&propose, vec![("ly_do", "x")], &["donvi"]),
        (&proposer_return, vec![("ly_do", "x")], &["donvi"]),
        // the district's reporter reaches the removal (the rules then refuse the commune's
        // own document: `award.rs`)
        (&remove_doc, vec![], &["donvi"]),
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
    // the award's JSON API: the same roles and scope as its forms
    let actions = format!("/api/v1/nominations/{waiting}/actions");
    let documents = format!("/api/v1/nominations/{waiting}/documents");
    type ApiRoute<'a> = (&'a str, serde_json::Value, &'a [&'a str]);
    let api: Vec<ApiRoute> = vec![
        (
            "/api/v1/nominations",
            json!({"ma_don_vi": "H01", "nam": 2023}),
            &["donvi"],
        ),
        (&actions, json!({"hanh_dong": "gui"}), &["donvi"]),
        // the office may return nominations, not this one now (409: `api_award.rs`)
        (
            &actions,
            json!({"hanh_dong": "tra_lai", "ly_do": "x"}),
            &["donvi", "sonoivu"],
        ),
        (
            &actions,
            json!({"hanh_dong": "chuyen", "ket_luan": "du_dieu_kien"}),
            &["sonoivu"],
        ),
        (
            &actions,
            json!({"hanh_dong": "tham_dinh", "ket_luan": "de_nghi"}),
            &["bantdkt"],
        ),
        (&actions, json!({"hanh_dong": "phe_duyet"}), &["lanhdao"]),
        (
            &actions,
            json!({"hanh_dong": "tu_choi", "ly_do": "x"}),
            &["lanhdao"],
        ),
        (
            "/api/v1/decisions",
            json!({"nam": 2023, "so": "9/QĐ-UBND", "ngay": "2024-02-01"}),
            &["sonoivu"],
        ),
        ("/api/v1/decisions/1/publish", json!({}), &["sonoivu"]),
    ];
    // entries over the API: the entry waiting for the office, of `entry_unit`
    let own: &[&str] = match entry_unit.as_str() {
        "H01" => &["donvi"],
        "S01" => &["donvi2"],
        _ => &[],
    };
    let (e_send, e_sign, e_verify, e_return, e_reopen) = (
        format!("/api/v1/entries/{entry}/send"),
        format!("/api/v1/entries/{entry}/sign-off"),
        format!("/api/v1/entries/{entry}/verify"),
        format!("/api/v1/entries/{entry}/return"),
        format!("/api/v1/entries/{entry}/reopen"),
    );
    let mut api = api;
    api.extend::<Vec<ApiRoute>>(vec![
        (&e_send, json!({}), own),
        (&e_sign, json!({}), sign_allowed),
        (&e_verify, json!({}), &["sonoivu"]),
        (&e_return, json!({"ly_do": "x"}), &["sonoivu"]),
        (&e_reopen, json!({"ly_do": "x"}), &["sonoivu"]),
    ]);
    for (path, body, allowed) in &api {
        for (u, c) in clients.iter_mut() {
            let mine = allowed.contains(u);
            let r = c.post_json(path, body, !mine).await;
            let why = if mine { "without CSRF" } else { "" };
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{u} {path} {body} {why}: {}",
                r.body
            );
        }
        let r = srv.client().post_json(path, body, false).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "anonymous {path}");
        assert_eq!(fingerprint(&srv), before, "{path} {body} changed data");
    }
    for (u, c) in clients.iter_mut().filter(|(u, _)| *u != "donvi") {
        let doc = Form::new()
            .text("loai", "to_trinh")
            .part("tep", Part::bytes(crate::common::pdf_bytes()).file_name("tt.pdf"));
        let r = c.post_multipart_api(&documents, doc).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} {documents}");
    }
    let api_remove = format!("/api/v1/nominations/{waiting}/documents/{waiting_doc}");
    for (u, c) in clients.iter_mut() {
        let saved = c.csrf.clone();
        if *u == "donvi" {
            c.csrf = None; // the one who may, without the CSRF header
        }
        let r = c.delete_api(&api_remove).await;
        c.csrf = saved;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{u} DELETE {api_remove}");
    }
    let r = srv.client().delete_api(&api_remove).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "anonymous DELETE {api_remove}"
    );
    assert_eq!(fingerprint(&srv), before, "an API upload or removal changed data");
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

/// A nomination of a commune of H01 that its commune has submitted: it waits for the
/// district.
fn waiting_for_h01(srv: &Server) -> i64 {
    use thidua_domain::nomination::Step;
    let mut s = srv.store();
    let plan = thidua_domain::plan::Plan::built_in();
    let heads = s.evaluate(&plan, plan.period_to.end()).unwrap();
    let taken = crate::award::nominated_units(srv);
    let h = heads
        .iter()
        .find(|h| {
            h.unit.tier == "xa"
                && !taken.contains(&h.unit.code)
                && s.unit(&h.unit.code).unwrap().unwrap().parent.as_deref() == Some("H01")
        })
        .expect("a commune of H01");
    let unit = s.unit(&h.unit.code).unwrap().unwrap();
    let who = thidua_store::audit::Actor::cli();
    let id = s
        .create_nomination(
            &who,
            thidua_domain::role::Role::DonVi,
            &plan.code,
            unit.id,
            h.head.from,
            &h.head.name,
            &h.head.title,
        )
        .unwrap();
    let file =
        thidua_store::workflow::NewAttachment::new(format!("{id}.pdf"), "bc.pdf", "application/pdf", 1);
    s.add_nomination_document(&who, id, "bao_cao_thanh_tich", &file)
        .unwrap();
    let facts = thidua_app::award::facts(&s, &plan, "xa", &heads, Some(h)).unwrap();
    let submit = Step::Submit { reason: "x".into() };
    s.nomination_step(&who, thidua_domain::role::Role::DonVi, id, &submit, &facts)
        .unwrap();
    assert_eq!(s.nomination(id).unwrap().unwrap().state.code(), "cho_cap_trinh");
    id
}
