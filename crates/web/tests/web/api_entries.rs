//! Entries over the JSON API alone (issue 15, part 8): a unit's own system reports a value
//! with evidence and sends it; the office returns it with a reason and verifies it — the
//! same checks as the forms: another unit and the wrong role 403, a refused value 422 with
//! its field named, a review the rules refuse now 409.

use crate::api_award::json_of;
use crate::common::{api_client, pdf_bytes, Server};
use crate::http_entries::entry_form;
use reqwest::multipart::Part;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_unit_reports_through_the_api_and_the_office_reviews_it() {
    let srv = Server::start().await;
    let mut unit = api_client(&srv, "donvi").await;
    let mut other = api_client(&srv, "donvi2").await;
    let mut office = api_client(&srv, "sonoivu").await;
    let mut board = api_client(&srv, "bantdkt").await;

    // a draft with its evidence
    let form = entry_form("sang_kien", "2023-Q3", "2", "luu")
        .part("minh_chung", Part::bytes(pdf_bytes()).file_name("Sáng kiến.pdf"));
    let r = unit.post_multipart_api("/api/v1/entries", form).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e = json_of(&r);
    let id = e["id"].as_i64().unwrap();
    assert_eq!(
        (e["trang_thai"].as_str(), e["gia_tri"].as_i64()),
        (Some("nhap"), Some(2))
    );
    // a refused value names its field; the office may not write a unit's value
    let r = unit
        .post_multipart_api("/api/v1/entries", entry_form("sang_kien", "2023-Q3", "-1", "gui"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json_of(&r)["cac_loi"][0].as_str().unwrap().starts_with("Giá trị"),
        "{}",
        r.body
    );
    let r = office
        .post_multipart_api("/api/v1/entries", entry_form("sang_kien", "2023-Q3", "2", "gui"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // more evidence, then sent; nobody else may read or send it
    let more = reqwest::multipart::Form::new().part(
        "minh_chung",
        Part::bytes(pdf_bytes()).file_name("Quyết định công nhận.pdf"),
    );
    let r = unit
        .post_multipart_api(&format!("/api/v1/entries/{id}/evidence"), more)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r)["so_tep_minh_chung"], 2);
    let send = format!("/api/v1/entries/{id}/send");
    assert_eq!(
        other.get(&format!("/api/v1/entries/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other.post_json(&send, &json!({}), true).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        office.post_json(&send, &json!({}), true).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        unit.post_json(&send, &json!({}), false).await.status,
        StatusCode::FORBIDDEN,
        "no CSRF header"
    );
    let r = unit.post_json(&send, &json!({}), true).await;
    assert_eq!(json_of(&r)["trang_thai"], "da_gui", "{}", r.body);
    let r = unit.post_json(&send, &json!({}), true).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "it waits for the office"
    );

    // the office returns it with a reason (none: 422), the unit reads why and sends again
    let back = format!("/api/v1/entries/{id}/return");
    assert_eq!(
        board.post_json(&back, &json!({"ly_do": "x"}), true).await.status,
        StatusCode::FORBIDDEN
    );
    let r = office.post_json(&back, &json!({"ly_do": " "}), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = office
        .post_json(
            &back,
            &json!({"ly_do": "Thiếu quyết định công nhận sáng kiến."}),
            true,
        )
        .await;
    assert_eq!(json_of(&r)["trang_thai"], "tra_lai", "{}", r.body);
    let seen = json_of(&unit.get(&format!("/api/v1/entries/{id}")).await);
    assert_eq!(seen["ly_do"], "Thiếu quyết định công nhận sáng kiến.");
    assert_eq!(seen["minh_chung"].as_array().unwrap().len(), 2);
    assert!(seen["lich_su"].as_array().unwrap().len() >= 3);
    assert_eq!(
        json_of(&unit.post_json(&send, &json!({}), true).await)["trang_thai"],
        "da_gui"
    );

    // the office's queue over the API, then the verification (once: again is 409)
    let queue = json_of(
        &office
            .get("/api/v1/entries?trang_thai=da_gui&ma_don_vi=H01")
            .await,
    );
    assert!(queue["so_lieu"].as_array().unwrap().iter().any(|e| e["id"] == id));
    assert!(json_of(&other.get("/api/v1/entries").await)["so_lieu"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["ma_don_vi"] != "H01"));
    let verify = format!("/api/v1/entries/{id}/verify");
    assert_eq!(
        json_of(&office.post_json(&verify, &json!({}), true).await)["trang_thai"],
        "da_xac_nhan"
    );
    let r = office.post_json(&verify, &json!({}), true).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // a verified value is the unit's no longer; the office may reopen it with a reason
    let r = unit
        .post_multipart_api("/api/v1/entries", entry_form("sang_kien", "2023-Q3", "5", "gui"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reopen = format!("/api/v1/entries/{id}/reopen");
    assert_eq!(
        office.post_json(&reopen, &json!({}), true).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = office
        .post_json(&reopen, &json!({"ly_do": "Xác nhận nhầm đơn vị."}), true)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_ne!(json_of(&r)["trang_thai"], "da_xac_nhan");
    assert!(srv
        .store()
        .audit(&thidua_store::audit::AuditFilter {
            limit: 50,
            ..Default::default()
        })
        .unwrap()
        .0
        .iter()
        .any(|a| a
            .after
            .as_deref()
            .is_some_and(|t| t.contains("Xác nhận nhầm đơn vị."))));
}

/// Issue 15: a unit deletes a draft it never sent (with its evidence), on the page or over
/// the API; a sent entry keeps its history and cannot be deleted; another unit cannot.
#[tokio::test]
async fn a_unit_deletes_a_draft_it_never_sent_and_nothing_else() {
    let srv = Server::start().await;
    let mut unit = api_client(&srv, "donvi").await;
    let mut other = api_client(&srv, "donvi2").await;
    let draft = |period: &str| {
        entry_form("sang_kien", period, "1", "luu")
            .part("minh_chung", Part::bytes(pdf_bytes()).file_name("Nháp.pdf"))
    };
    let before = srv.attachments();
    let id = json_of(&unit.post_multipart_api("/api/v1/entries", draft("2023-Q3")).await)["id"]
        .as_i64()
        .unwrap();
    assert_eq!(srv.attachments().len(), before.len() + 1);
    let path = format!("/api/v1/entries/{id}");
    let delete = |c: &mut crate::common::Client, path: String| {
        let req = c
            .http
            .delete(format!("{}{path}", c.base))
            .header(
                reqwest::header::COOKIE,
                c.cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default());
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(delete(&mut other, path.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(delete(&mut unit, path.clone()).await, StatusCode::NO_CONTENT);
    assert!(srv.store().entry(id).unwrap().is_none());
    assert_eq!(srv.attachments(), before, "its evidence file is gone too");
    assert!(srv
        .store()
        .audit(&thidua_store::audit::AuditFilter {
            action: Some("xoa_nhap_so_lieu".into()),
            limit: 5,
            ..Default::default()
        })
        .unwrap()
        .0
        .iter()
        .any(|a| a.object_id == id.to_string()));
    // a sent entry (even returned to a draft) keeps its history: refused, on the page too
    let id = json_of(&unit.post_multipart_api("/api/v1/entries", draft("2023-Q3")).await)["id"]
        .as_i64()
        .unwrap();
    unit.post_json(&format!("/api/v1/entries/{id}/send"), &json!({}), true)
        .await;
    let mut office = api_client(&srv, "sonoivu").await;
    office
        .post_json(
            &format!("/api/v1/entries/{id}/return"),
            &json!({"ly_do": "Bổ sung"}),
            true,
        )
        .await;
    let more =
        reqwest::multipart::Form::new().part("minh_chung", Part::bytes(pdf_bytes()).file_name("Bổ sung.pdf"));
    let r = unit
        .post_multipart_api(&format!("/api/v1/entries/{id}/evidence"), more)
        .await;
    assert_eq!(json_of(&r)["trang_thai"], "nhap", "a draft again, once sent");
    let mut page = srv.signed_in("donvi").await;
    assert!(!page
        .get(&format!("/so-lieu/{id}"))
        .await
        .body
        .contains("Xóa bản nháp"));
    let r = page.post_form(&format!("/so-lieu/{id}/xoa"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"loi-xoa\"") && r.body.contains("chưa từng gửi"),
        "{}",
        r.body
    );
    assert!(srv.store().entry(id).unwrap().is_some());
}
