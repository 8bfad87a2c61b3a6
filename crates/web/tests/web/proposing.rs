//! The proposing level (issue 14, part 1): a commune's head is proposed by its district.
//! The commune submits to its district, which reads its communes (and only its own),
//! adds its own papers, and forwards the nomination to the province or returns it.

use crate::common::{add_unit_user, pdf_bytes, Server};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use thidua_domain::plan::Plan;
use thidua_domain::role::Role;
use thidua_store::audit::Actor;

fn document(code: &str) -> Form {
    Form::new()
        .text("loai_tai_lieu", code.to_string())
        .part("tep", Part::bytes(pdf_bytes()).file_name(format!("{code}.pdf")))
}

fn state_of(srv: &Server, id: i64) -> String {
    srv.store()
        .nomination(id)
        .unwrap()
        .unwrap()
        .state
        .code()
        .to_string()
}

#[tokio::test]
async fn a_commune_s_nomination_goes_through_its_district_to_the_province() {
    let srv = Server::start().await;
    let plan = Plan::built_in();
    // an eligible commune head of H01 (the demo's district account `donvi`), not nominated
    let (h, elsewhere) = crate::common::communes_of(&srv, "H01", "H02");
    let (h, elsewhere) = (&h, &elsewhere);
    let s = srv.store();
    add_unit_user(&srv, "xa_h01", &h.unit.code);
    add_unit_user(&srv, "huyen_h02", "H02");
    let commune_unit = s.unit(&h.unit.code).unwrap().unwrap();
    let id = srv
        .store()
        .create_nomination(
            &Actor::cli(),
            Role::DonVi,
            &plan.code,
            commune_unit.id,
            h.head.from,
            &h.head.name,
            &h.head.title,
        )
        .unwrap();
    let page = format!("/de-nghi/{id}");

    let mut commune = srv.signed_in("xa_h01").await;
    let mut district = srv.signed_in("donvi").await;
    let mut other = srv.signed_in("huyen_h02").await;
    // the commune uploads its report, not its district's papers
    let r = commune
        .post_multipart(&format!("{page}/tai-lieu"), document("bao_cao_thanh_tich"), true)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = commune
        .post_multipart(&format!("{page}/tai-lieu"), document("to_trinh"), true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = commune.post_form(&format!("{page}/nop"), &[("ly_do", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(state_of(&srv, id), "cho_cap_trinh");

    // the district reads its commune (unit page, nomination, list, entries), not others'
    assert_eq!(
        district.get(&format!("/don-vi/{}", h.unit.code)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        district
            .get(&format!("/don-vi/{}", elsewhere.unit.code))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let list = district.get("/de-nghi").await;
    assert!(
        list.body.contains(&h.head.name),
        "the district's list holds its commune's nomination"
    );
    let entries = district.get(&format!("/so-lieu?don_vi={}", h.unit.code)).await;
    assert_eq!(entries.status, StatusCode::OK);
    let detail = district.get(&page).await;
    assert!(detail.body.contains("Cấp trình khen xem xét"), "{}", detail.body);
    // nobody else takes the district's steps: another district, the commune, the office
    for c in [&mut other] {
        assert_eq!(c.get(&page).await.status, StatusCode::FORBIDDEN);
    }
    for (who, c) in [("another district", &mut other), ("the commune", &mut commune)] {
        let r = c
            .post_form(&format!("{page}/cap-trinh-de-nghi"), &[("ly_do", "")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let r = c
            .post_multipart(&format!("{page}/tai-lieu"), document("to_trinh"), true)
            .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{who}"
        );
    }
    let mut office = srv.signed_in("sonoivu").await;
    let r = office
        .post_form(&format!("{page}/cap-trinh-de-nghi"), &[("ly_do", "")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = office
        .post_form(&format!("{page}/tra-lai"), &[("ly_do", "Thiếu")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the office cannot skip the district"
    );
    assert_eq!(state_of(&srv, id), "cho_cap_trinh");

    // the district returns it with a reason; the commune sees who and why, and resubmits
    let r = district
        .post_form(&format!("{page}/cap-trinh-tra-lai"), &[("ly_do", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = district
        .post_form(
            &format!("{page}/cap-trinh-tra-lai"),
            &[("ly_do", "Báo cáo thiếu số liệu quý IV.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(state_of(&srv, id), "tra_lai");
    let seen = commune.get(&page).await;
    assert!(
        seen.body
            .contains("Cấp trình khen (UBND cấp huyện) trả lại hồ sơ:")
            && seen.body.contains("Báo cáo thiếu số liệu quý IV."),
        "{}",
        seen.body
    );
    let r = commune.post_form(&format!("{page}/nop"), &[("ly_do", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // forwarding needs the district's own papers, which only it uploads
    let r = district
        .post_form(&format!("{page}/cap-trinh-de-nghi"), &[("ly_do", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Tờ trình đề nghị khen thưởng"),
        "the missing paper named"
    );
    for code in ["to_trinh", "bien_ban"] {
        let r = district
            .post_multipart(&format!("{page}/tai-lieu"), document(code), true)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{code}: {}", r.body);
    }
    let r = district
        .post_form(
            &format!("{page}/cap-trinh-de-nghi"),
            &[("ly_do", "UBND thành phố đề nghị.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(state_of(&srv, id), "da_nop");
    // the province receives it with the district's papers; the district no longer acts
    let detail = office.get(&page).await;
    assert!(detail.body.contains("Sở Nội vụ kiểm tra") && detail.body.contains("to_trinh.pdf"));
    let r = district
        .post_form(&format!("{page}/cap-trinh-tra-lai"), &[("ly_do", "x")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let actions: Vec<String> = srv
        .store()
        .nomination_events(id)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.ends_with(&[
        "cap_trinh_tai_tai_lieu".to_string(),
        "cap_trinh_tai_tai_lieu".to_string(),
        "cap_trinh_de_nghi".to_string()
    ]));
}
