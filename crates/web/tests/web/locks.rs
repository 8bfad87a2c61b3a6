//! Deadlines, reopenings and the frozen year over real HTTP: the form, the unit's page,
//! and the API.

use crate::common::{eligible_unit_account, Server};
use crate::http_entries::entry_form;
use reqwest::StatusCode;
use serde_json::json;

fn soon() -> String {
    thidua_domain::time::Date(thidua_domain::time::DateTime::now_local().date().0 + 7).iso()
}

#[tokio::test]
async fn a_unit_is_refused_after_the_deadline_until_the_office_reopens_its_period() {
    let srv = Server::start().await;
    let (code, _) = eligible_unit_account(&srv, "donvi9");
    let mut unit = srv.signed_in("donvi9").await;
    let period = "2023-Q4";
    // The unit reported its initiatives for the whole year; its fourth quarter is closed.
    let r = unit
        .post_multipart("/so-lieu/luu", entry_form("sang_kien", period, "1", "gui"), true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("quá hạn nộp số liệu kỳ Quý IV/2023") && r.body.contains("10/01/2024"),
        "{}",
        r.body
    );

    // The unit cannot reopen its own period, on the page or through the API.
    let own = unit
        .post_form(
            &format!("/don-vi/{code}/mo-lai-ky"),
            &[("ky", period), ("den_ngay", &soon()), ("ly_do", "x")],
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let api = unit
        .post_json(
            &format!("/api/v1/units/{code}/reopenings"),
            &json!({"ky": period, "den_ngay": soon(), "ly_do": "x"}),
            true,
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);

    // The form says so beside each period.
    let form = unit.get("/so-lieu/nhap").await;
    assert!(
        form.body.contains("Quý IV/2023 (đã quá hạn nộp 10/01/2024)"),
        "{}",
        form.body
    );
    // The office reopens it with a reason, through the unit's page.
    let mut office = srv.signed_in("sonoivu").await;
    let blank = office
        .post_form(
            &format!("/don-vi/{code}/mo-lai-ky"),
            &[("ky", period), ("den_ngay", &soon()), ("ly_do", " ")],
        )
        .await;
    assert_eq!(
        blank.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let done = office
        .post_form(
            &format!("/don-vi/{code}/mo-lai-ky"),
            &[
                ("ky", period),
                ("den_ngay", &soon()),
                ("ly_do", "Đơn vị bổ sung minh chứng quý IV"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let form = unit.get("/so-lieu/nhap").await;
    assert!(
        form.body.contains("Quý IV/2023 (quá hạn, được mở lại đến"),
        "{}",
        form.body
    );
    let page = unit.get(&format!("/don-vi/{code}")).await;
    assert!(
        page.body.contains("Đơn vị bổ sung minh chứng quý IV") && page.body.contains("Đang mở"),
        "visible on the unit's page"
    );
    let listed = unit.get(&format!("/api/v1/units/{code}/reopenings")).await;
    assert!(listed.body.contains("\"ky\":\"2023-Q4\""), "{}", listed.body);
    // Open again, the quarter is now refused only because the year's entry holds its months.
    let r = unit
        .post_multipart("/so-lieu/luu", entry_form("sang_kien", period, "1", "gui"), true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("trùng tháng") && !r.body.contains("quá hạn nộp số liệu kỳ"),
        "{}",
        r.body
    );
    // The API reopens too, and the audit log has both.
    let api = office
        .post_json(
            &format!("/api/v1/units/{code}/reopenings"),
            &json!({"ky": "2023-Q3", "den_ngay": soon(), "ly_do": "Bổ sung"}),
            true,
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
    let log = srv
        .store()
        .audit(&thidua_store::audit::AuditFilter {
            action: Some("mo_lai_ky".into()),
            limit: 100,
            ..Default::default()
        })
        .unwrap()
        .0;
    assert_eq!(log.iter().filter(|a| a.object_id == code).count(), 2);
}

#[tokio::test]
async fn after_the_decision_the_year_is_frozen_on_the_form_the_page_and_the_api() {
    let srv = Server::start_published().await;
    let before = srv.client().get("/bang-vang").await.body;
    let mut unit = srv.signed_in("donvi").await;
    // The demo unit's reopened quarter, and its draft there: frozen with the year.
    let page = unit.get("/don-vi/H01").await;
    assert!(
        page.body.contains("Quyết định khen thưởng số 256/QĐ-UBND"),
        "the unit's page says why"
    );
    assert!(
        page.body.contains("Công văn số 125/UBND-VP"),
        "the demo's reopening is listed"
    );
    assert!(
        !page.body.contains("Đang mở"),
        "but no longer in force in a frozen year"
    );
    let r = unit
        .post_multipart("/so-lieu/luu", entry_form("ky_luat", "2023-Q4", "1", "gui"), true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("256/QĐ-UBND"), "{}", r.body);
    let mut office = srv.signed_in("sonoivu").await;
    office.get("/don-vi/H01").await;
    let api = office
        .post_json(
            "/api/v1/units/H01/reopenings",
            &json!({"ky": "2023-12", "den_ngay": soon(), "ly_do": "Bổ sung"}),
            true,
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
    // A waiting entry can no longer be verified.
    let waiting = srv
        .store()
        .entry_list(&thidua_store::workflow::EntryFilter {
            state: Some(thidua_domain::entry::EntryState::DaGui),
            ..Default::default()
        })
        .unwrap();
    if let Some(e) = waiting.first() {
        let r = office
            .post_form(&format!("/so-lieu/{}/xac-nhan", e.id), &[])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    assert_eq!(
        srv.client().get("/bang-vang").await.body,
        before,
        "the honour board is unchanged"
    );
}
