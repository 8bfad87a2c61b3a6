//! The award over the JSON API alone (issue 14, part 8): a commune's nomination goes
//! through its district to the published decision with the same checks as the forms —
//! each role and unit scope refused where the forms refuse it (403), a step the rules
//! refuse now answered 409 with the reason.

use crate::common::{add_unit_user, api_client, pdf_bytes, Client, Resp, Server};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};
use thidua_domain::plan::Plan;

pub(crate) fn json_of(r: &Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

async fn upload(c: &mut Client, id: i64, code: &str) -> Resp {
    let form = Form::new()
        .text("loai", code.to_string())
        .part("tep", Part::bytes(pdf_bytes()).file_name(format!("{code}.pdf")));
    c.post_multipart_api(&format!("/api/v1/nominations/{id}/documents"), form)
        .await
}

async fn step(c: &mut Client, id: i64, body: Value) -> Resp {
    c.post_json(&format!("/api/v1/nominations/{id}/actions"), &body, true)
        .await
}

#[tokio::test]
async fn a_commune_s_nomination_reaches_the_published_decision_through_the_api_alone() {
    let srv = Server::start().await;
    let plan = Plan::built_in();
    let (h, elsewhere) = crate::common::communes_of(&srv, "H01", "H02");
    let elsewhere = elsewhere.unit.code;
    add_unit_user(&srv, "xa_h01", &h.unit.code);
    add_unit_user(&srv, "huyen_h02", "H02");
    let mut commune = api_client(&srv, "xa_h01").await;
    let mut district = api_client(&srv, "donvi").await;
    let mut other = api_client(&srv, "huyen_h02").await;
    let mut office = api_client(&srv, "sonoivu").await;
    let mut board = api_client(&srv, "bantdkt").await;
    let mut leader = api_client(&srv, "lanhdao").await;

    // another district cannot open it, the commune opens it (the head at the period's end)
    let open = json!({"ma_don_vi": h.unit.code, "nam": 2023});
    let r = other.post_json("/api/v1/nominations", &open, true).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = other
        .post_json(
            "/api/v1/nominations",
            &json!({"ma_don_vi": elsewhere, "nam": 2023}),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF header, no write");
    let r = commune.post_json("/api/v1/nominations", &open, true).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = json_of(&r)["id"].as_i64().unwrap();
    let n = json_of(&commune.get(&format!("/api/v1/nominations/{id}")).await);
    assert_eq!(
        (n["trang_thai"].as_str(), n["nguoi_dung_dau"].as_str()),
        (Some("nhap"), Some(h.head.name.as_str()))
    );
    let r = commune.post_json("/api/v1/nominations", &open, true).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one nomination per head"
    );
    assert_eq!(
        other.get(&format!("/api/v1/nominations/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    let listed = json_of(&district.get("/api/v1/nominations?nam=2023").await);
    assert!(
        listed.as_array().unwrap().iter().any(|n| n["id"] == id),
        "the district lists its commune's nomination"
    );
    assert!(!json_of(&other.get("/api/v1/nominations?nam=2023").await)
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["id"] == id));

    // the commune's report and submission; the district's papers are the district's
    assert_eq!(
        upload(&mut commune, id, "bao_cao_thanh_tich").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        upload(&mut commune, id, "to_trinh").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        upload(&mut other, id, "to_trinh").await.status,
        StatusCode::FORBIDDEN
    );
    let r = step(&mut commune, id, json!({"hanh_dong": "gui"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r)["trang_thai"], "cho_cap_trinh");

    // nobody but the district acts now: another district 403, the office 409 (with why)
    assert_eq!(
        step(&mut other, id, json!({"hanh_dong": "gui"})).await.status,
        StatusCode::FORBIDDEN
    );
    let r = step(&mut office, id, json!({"hanh_dong": "tra_lai", "ly_do": "Thiếu"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(json_of(&r)["chi_tiet"]
        .as_str()
        .unwrap()
        .contains("không thực hiện được bước này"));
    let r = step(&mut district, id, json!({"hanh_dong": "gui"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the district's papers first");
    for code in ["to_trinh", "bien_ban"] {
        assert_eq!(
            upload(&mut district, id, code).await.status,
            StatusCode::CREATED,
            "{code}"
        );
    }
    let r = step(
        &mut district,
        id,
        json!({"hanh_dong": "gui", "ly_do": "UBND thành phố đề nghị."}),
    )
    .await;
    assert_eq!(json_of(&r)["trang_thai"], "da_nop", "{}", r.body);

    // the office, the Board, the leader — each only its own step
    let forward = json!({"hanh_dong": "chuyen", "ket_luan": "du_dieu_kien"});
    assert_eq!(
        step(&mut board, id, forward.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        step(&mut district, id, forward.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let r = step(&mut office, id, json!({"hanh_dong": "chuyen", "ket_luan": "dat"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown verdict");
    let r = step(&mut office, id, json!({"hanh_dong": "bay"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown action");
    assert_eq!(
        json_of(&step(&mut office, id, forward).await)["trang_thai"],
        "da_chuyen"
    );
    let appraise = json!({"hanh_dong": "tham_dinh", "ket_luan": "de_nghi", "ly_do": "Đề nghị khen"});
    assert_eq!(
        step(&mut leader, id, appraise.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        json_of(&step(&mut board, id, appraise).await)["trang_thai"],
        "da_tham_dinh"
    );
    let approve = json!({"hanh_dong": "phe_duyet", "ly_do": "Thành tích nổi bật trong năm."});
    assert_eq!(
        step(&mut office, id, approve.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let r = step(&mut leader, id, approve).await;
    assert_eq!(json_of(&r)["trang_thai"], "da_phe_duyet", "{}", r.body);
    let r = step(&mut leader, id, json!({"hanh_dong": "tu_choi", "ly_do": "x"})).await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "an approved nomination is not rejected"
    );

    // the decision: only the office records and publishes it; it holds every approval
    let terms = json!({"nam": 2023, "so": "300/QĐ-UBND", "ngay": "2024-02-20"});
    for c in [&mut commune, &mut district, &mut board, &mut leader] {
        assert_eq!(
            c.post_json("/api/v1/decisions", &terms, true).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let r = office
        .post_json(
            "/api/v1/decisions",
            &json!({"nam": 2023, "so": "300/QĐ-UBND", "ngay": "2099-01-01"}),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a date to come");
    let r = office.post_json("/api/v1/decisions", &terms, true).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = json_of(&r);
    let decision = d["id"].as_i64().unwrap();
    assert!(d["de_nghi"].as_array().unwrap().contains(&json!(id)));
    assert_eq!(
        d["nguoi_ky"],
        plan.signer.as_str(),
        "the plan's signer by default"
    );
    let approved = srv
        .store()
        .nominations(&plan.code, None)
        .unwrap()
        .iter()
        .filter(|n| n.state.code() == "da_phe_duyet")
        .count();
    assert_eq!(
        d["de_nghi"].as_array().unwrap().len(),
        approved,
        "one decision for all"
    );
    let r = office
        .post_json(
            "/api/v1/decisions",
            &json!({"nam": 2023, "so": "301/QĐ-UBND", "ngay": "2024-02-21"}),
            true,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nobody left to decide"
    );

    // its papers: the decision to officials, the head's report to the commune
    let r = office
        .get(&format!(
            "/api/v1/documents/quyet_dinh?nam=2023&quyet_dinh={decision}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = crate::award::docx_text(&r.bytes);
    assert!(
        text.contains("Số: 300/QĐ-UBND") && text.contains(&h.head.name),
        "{text}"
    );
    assert_eq!(
        commune.get("/api/v1/documents/quyet_dinh?nam=2023").await.status,
        StatusCode::FORBIDDEN
    );
    let r = commune
        .get(&format!("/api/v1/documents/mau07?de_nghi={id}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(crate::award::docx_text(&r.bytes).contains(&h.head.name));
    assert_eq!(
        other
            .get(&format!("/api/v1/documents/mau07?de_nghi={id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        office.get("/api/v1/documents/bang_khen?nam=2023").await.status,
        StatusCode::NOT_FOUND
    );

    // publication: the office only, once; then the honour board shows the head
    let publish = format!("/api/v1/decisions/{decision}/publish");
    assert_eq!(
        leader.post_json(&publish, &json!({}), true).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!srv.client().get("/bang-vang").await.body.contains(&h.head.name));
    let r = office.post_json(&publish, &json!({}), true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r)["da_cong_bo"], true);
    assert_eq!(
        office.post_json(&publish, &json!({}), true).await.status,
        StatusCode::CONFLICT
    );
    let n = json_of(&commune.get(&format!("/api/v1/nominations/{id}")).await);
    assert_eq!(
        (n["da_cong_bo"].as_bool(), n["so_quyet_dinh"].as_str()),
        (Some(true), Some("300/QĐ-UBND"))
    );
    assert!(srv.client().get("/bang-vang").await.body.contains(&h.head.name));
    let listed = json_of(&leader.get("/api/v1/decisions?nam=2023").await);
    assert_eq!(listed[0]["so"], "300/QĐ-UBND");
    assert_eq!(
        commune.get("/api/v1/decisions?nam=2023").await.status,
        StatusCode::FORBIDDEN
    );
}
