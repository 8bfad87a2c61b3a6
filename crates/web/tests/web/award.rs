//! The award over HTTP: a nomination from draft to the honour board, every transition by
//! the wrong role, the quota under concurrent approvals, submission rules, the generated
//! documents, the public pages and the nominations export.
//!
//! Longer than our ~500-line modules: each test walks a whole nomination across four roles
//! over HTTP, and the wrong-role table lists every step; split, the stories would lose
//! their thread.

use crate::common::{pdf_bytes, Server};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use thidua_app::award;
use thidua_domain::eval::HeadResult;
use thidua_domain::nomination::{BoardVerdict, OfficeVerdict, Step};
use thidua_domain::plan::Plan;
use thidua_domain::role::Role;
use thidua_store::audit::Actor;
use thidua_store::workflow::NewAttachment;

pub(crate) fn evaluation(srv: &Server) -> (Plan, Vec<HeadResult>) {
    let plan = Plan::built_in();
    let heads = srv.store().evaluate(&plan, plan.period_to.end()).unwrap();
    (plan, heads)
}

/// The demo unit's draft nomination (the demo prepares one for H01's head).
fn h01_draft(srv: &Server) -> i64 {
    let s = srv.store();
    let unit = s.unit("H01").unwrap().unwrap();
    s.nominations("cchc-2023", Some(unit.id))
        .unwrap()
        .into_iter()
        .find(|n| n.state == "nhap")
        .expect("the demo's draft")
        .id
}

fn state_of(srv: &Server, id: i64) -> (String, usize) {
    let s = srv.store();
    (
        s.nomination(id).unwrap().unwrap().state.code().to_string(),
        s.nomination_events(id).unwrap().len(),
    )
}

fn document_part(code: &str) -> Form {
    Form::new()
        .text("loai_tai_lieu", code.to_string())
        .part("tep", Part::bytes(pdf_bytes()).file_name(format!("{code}.pdf")))
}

/// The text of a DOCX's body, after checking that the archive and its XML are well formed.
pub(crate) fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP package");
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("word/document.xml").expect("word/document.xml"),
        &mut xml,
    )
    .unwrap();
    // well-formed XML from start to end
    let mut reader = quick_xml::Reader::from_str(&xml);
    loop {
        if let quick_xml::events::Event::Eof = reader.read_event().expect("well-formed XML") {
            break;
        }
    }
    // the text: paragraphs on their own lines, tags removed, entities decoded
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.replace("</w:p>", "</w:p>\n").chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    assert!(xml.contains("Times New Roman"), "the administrative font");
    text
}

#[tokio::test]
async fn a_nomination_goes_from_draft_to_the_honour_board() {
    let srv = Server::start().await;
    let (code, h) = crate::common::eligible_unit_account(&srv, "daumoi");
    let mut unit = srv.signed_in("daumoi").await;
    // the unit opens the nomination for its head, beside the head's evaluation
    let list = unit.get("/de-nghi").await;
    assert!(list.body.contains(&h.head.name), "the head is offered");
    let plan_code = "cchc-2023";
    let r = unit
        .post_form(
            "/de-nghi",
            &[("tu_ngay", &h.head.from.iso()), ("ke_hoach", plan_code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id: i64 = r
        .location()
        .trim_start_matches("/de-nghi/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = unit.get(&format!("/de-nghi/{id}")).await;
    assert!(
        page.body.contains("id=\"ket-qua-danh-gia\">Đủ điều kiện<"),
        "the evaluation beside the form"
    );
    // submitting with documents missing is refused
    let r = unit.post_form(&format!("/de-nghi/{id}/nop"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("còn thiếu tài liệu"));
    // named as the plan names them, on the nomination's own page (not a dead end)
    assert!(r.body.contains("id=\"loi-nop\""), "beside the submit form");
    let plan = thidua_domain::plan::Plan::built_in();
    let missing = r.body.split("id=\"loi-nop\">").nth(1).unwrap();
    let missing = &missing[..missing.find("</p>").unwrap()];
    for d in &plan.documents {
        assert!(missing.contains(&d.name), "{} in {missing}", d.name);
        assert!(!missing.contains(&d.code), "no code in {missing}");
    }
    for code in ["to_trinh", "bien_ban", "bao_cao_thanh_tich"] {
        assert_eq!(
            unit.post_multipart(&format!("/de-nghi/{id}/tai-lieu"), document_part(code), true)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
    let r = unit.post_form(&format!("/de-nghi/{id}/nop"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // the page after says what was done, not a bare "updated"
    let after = unit.get(r.location()).await;
    assert!(
        after.body.contains("Đã thực hiện: nộp hồ sơ đề nghị."),
        "{}",
        r.location()
    );
    // the office's queue holds it; it forwards it
    let mut office = srv.signed_in("sonoivu").await;
    assert!(
        office
            .get("/de-nghi")
            .await
            .body
            .split("Tất cả")
            .next()
            .unwrap()
            .contains(&format!("/de-nghi/{id}\"")),
        "in the office's queue"
    );
    assert_eq!(
        office
            .post_form(
                &format!("/de-nghi/{id}/chuyen"),
                &[("ket_luan", "du_dieu_kien"), ("ly_do", "")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut board = srv.signed_in("bantdkt").await;
    let page = board.get(&format!("/de-nghi/{id}")).await;
    assert!(
        page.body.contains("id=\"ket-luan-so-noi-vu\">Đủ điều kiện<"),
        "the office's verdict is shown"
    );
    assert_eq!(
        board
            .post_form(
                &format!("/de-nghi/{id}/tham-dinh"),
                &[("ket_luan", "de_nghi"), ("ly_do", "Đề nghị khen")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // the leader approves; not public until the decision is recorded
    let mut leader = srv.signed_in("lanhdao").await;
    assert_eq!(
        leader
            .post_form(&format!("/de-nghi/{id}/phe-duyet"), &[("ghi_chu", "Đồng ý")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut public = srv.client();
    assert!(!public.get("/bang-vang").await.body.contains(&h.head.name));
    // the office records the decision the Chairman signed: it holds every approval so far
    let r = office
        .post_form(
            "/quyet-dinh",
            &[
                ("ke_hoach", "cchc-2023"),
                ("so_quyet_dinh", "789/QĐ-UBND"),
                ("ngay_quyet_dinh", "05/02/2024"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let decisions = srv.store().decision_records("cchc-2023").unwrap();
    let mut approved_ids: Vec<i64> = srv
        .store()
        .nominations("cchc-2023", None)
        .unwrap()
        .iter()
        .filter(|n| n.state.code() == "da_phe_duyet")
        .map(|n| n.id)
        .collect();
    approved_ids.sort();
    assert_eq!(decisions.len(), 1);
    assert_eq!(
        decisions[0].nominations, approved_ids,
        "one decision for all awardees"
    );
    assert!(approved_ids.len() > 1 && approved_ids.contains(&id));
    assert_eq!(
        decisions[0].signer,
        thidua_domain::plan::Plan::built_in().signer,
        "the signer from the settings or the plan"
    );
    assert!(
        !public.get("/bang-vang").await.body.contains(&h.head.name),
        "recorded, not yet published"
    );
    // the decision's paper carries its recorded number, date and signer and its awardees
    let paper = office
        .get(&format!(
            "/van-ban/quyet-dinh?ke_hoach=cchc-2023&quyet_dinh={}",
            decisions[0].id
        ))
        .await;
    assert_eq!(paper.status, StatusCode::OK, "{}", paper.body);
    let text = docx_text(&paper.bytes);
    assert!(
        text.contains("Số: 789/QĐ-UBND") && text.contains(&decisions[0].signer),
        "{text}"
    );
    for n in srv.store().nominations("cchc-2023", None).unwrap() {
        assert_eq!(
            text.contains(&n.head_name),
            approved_ids.contains(&n.id),
            "{}",
            n.head_name
        );
    }
    let draft = office
        .get("/van-ban/quyet-dinh?ke_hoach=cchc-2023&du_thao=1")
        .await;
    assert_eq!(
        draft.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no draft: every approval is in the recorded decision"
    );
    let publish = format!("/quyet-dinh/{}/cong-bo", decisions[0].id);
    assert_eq!(
        office.post_form(&publish, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let again = office.post_form(&publish, &[]).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a published decision is not published again"
    );
    assert!(again.body.contains("đã được công bố"));
    let page = office.get("/quyet-dinh?ke_hoach=cchc-2023").await.body;
    assert!(
        page.contains("789/QĐ-UBND") && page.contains("Đã công bố"),
        "{page}"
    );
    let board_page = public.get("/bang-vang").await;
    assert!(
        board_page.body.contains("href=\"/khen-thuong\""),
        "the honour board links to the register"
    );
    // the register: every published award, searchable without diacritics, exportable
    let folded = thidua_domain::text::fold(&h.head.name);
    let register = public
        .get(&format!("/khen-thuong?q={}", folded.replace(' ', "+")))
        .await;
    assert_eq!(register.status, StatusCode::OK);
    assert!(
        register.body.contains(&h.head.name)
            && register.body.contains("789/QĐ-UBND")
            && register.body.contains("05/02/2024"),
        "{}",
        register.body
    );
    assert!(register
        .body
        .contains(&thidua_domain::plan::Plan::built_in().award.form));
    // a search of any length answers, bounded
    let huge = public
        .get(&format!("/khen-thuong?q={}", "a".repeat(20_000)))
        .await;
    assert_eq!(huge.status, StatusCode::OK);
    let nobody = public.get("/khen-thuong?q=khong+co+ai+ten+nay").await;
    assert!(nobody.body.contains("Không có khen thưởng nào khớp"));
    let everyone = public.get("/khen-thuong?nam=2023").await.body;
    for n in srv.store().nominations("cchc-2023", None).unwrap() {
        assert_eq!(
            everyone.contains(&n.head_name),
            n.published,
            "{} in the register",
            n.head_name
        );
    }
    let xlsx = public.get("/khen-thuong?dinh_dang=xlsx&nam=2023").await;
    {
        use calamine::{DataType, Reader, Xlsx};
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes)).unwrap();
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        assert!(
            sheet
                .rows()
                .any(|r| r.iter().any(|c| c.to_string() == h.head.name)
                    && r.iter().any(|c| c.as_string().as_deref() == Some("789/QĐ-UBND"))),
            "the export holds the award"
        );
    }
    let api: serde_json::Value = serde_json::from_str(
        &public
            .get(&format!("/api/v1/awards?q={}", folded.replace(' ', "+")))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(api[0]["so_quyet_dinh"], "789/QĐ-UBND");

    assert_eq!(board_page.status, StatusCode::OK);
    assert!(
        board_page.body.contains(&h.head.name)
            && board_page
                .body
                .contains("Quyết định số 789/QĐ-UBND ngày 05/02/2024")
    );
    let thidua_domain::eval::Value::Ratio(s) = h.indicator("tthc_dung_han").unwrap().value else {
        panic!()
    };
    assert!(
        board_page
            .body
            .contains(&thidua_domain::num::percent_vi(s.num, s.den).unwrap()),
        "with the measured results"
    );
    let events = srv.store().nomination_events(id).unwrap();
    let who: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.action != "tai_tai_lieu")
        .map(|e| (e.username.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        who,
        [
            ("daumoi", "tao"),
            ("daumoi", "nop"),
            ("sonoivu", "chuyen_ban_tdkt"),
            ("bantdkt", "tham_dinh"),
            ("lanhdao", "phe_duyet"),
            ("sonoivu", "ghi_quyet_dinh"),
            ("sonoivu", "cong_bo")
        ]
    );
    assert_eq!(code, srv.store().nomination(id).unwrap().unwrap().unit_code);
}

#[tokio::test]
async fn an_ineligible_head_goes_forward_with_a_reason_but_is_never_approved() {
    let srv = Server::start().await;
    let id = h01_draft(&srv);
    let mut unit = srv.signed_in("donvi").await;
    for code in ["to_trinh", "bien_ban", "bao_cao_thanh_tich"] {
        unit.post_multipart(&format!("/de-nghi/{id}/tai-lieu"), document_part(code), true)
            .await;
    }
    assert_eq!(
        unit.post_form(&format!("/de-nghi/{id}/nop"), &[("ly_do", "")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed"
    );
    let reason = "Đơn vị có 2 sáng kiến được UBND tỉnh công nhận; hồ sơ trễ hạn do lỗi liên thông";
    assert_eq!(
        unit.post_form(&format!("/de-nghi/{id}/nop"), &[("ly_do", reason)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut office = srv.signed_in("sonoivu").await;
    assert_eq!(
        office
            .post_form(
                &format!("/de-nghi/{id}/chuyen"),
                &[("ket_luan", "khong_du_dieu_kien"), ("ly_do", "")]
            )
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason for the negative verdict"
    );
    assert_eq!(
        office
            .post_form(
                &format!("/de-nghi/{id}/chuyen"),
                &[
                    ("ket_luan", "khong_du_dieu_kien"),
                    ("ly_do", "Tỷ lệ đúng hạn dưới 99%")
                ]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut board = srv.signed_in("bantdkt").await;
    let page = board.get(&format!("/de-nghi/{id}")).await;
    assert!(
        page.body.contains(reason),
        "the unit's reason is shown to every later reviewer"
    );
    assert_eq!(
        board
            .post_form(
                &format!("/de-nghi/{id}/tham-dinh"),
                &[("ket_luan", "de_nghi"), ("ly_do", "Xem xét đặc cách")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut leader = srv.signed_in("lanhdao").await;
    let page = leader.get(&format!("/de-nghi/{id}")).await;
    assert!(
        page.body.contains(reason)
            && page.body.contains("Không phê duyệt được")
            && !page.body.contains("action=\"/de-nghi/{id}/phe-duyet\"")
    );
    let r = leader.post_form(&format!("/de-nghi/{id}/phe-duyet"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không đủ điều kiện"));
    assert_eq!(state_of(&srv, id).0, "da_tham_dinh");
}

#[tokio::test]
async fn a_verdict_outside_the_codes_is_refused_and_changes_nothing() {
    let srv = Server::start().await;
    let noms = srv.store().nominations("cchc-2023", None).unwrap();
    let forwarded = noms.iter().find(|n| n.state == "da_chuyen").unwrap().clone();
    let before = state_of(&srv, forwarded.id);
    let mut board = srv.signed_in("bantdkt").await;
    for verdict in ["de_nghi'; --", "DE NGHI", ""] {
        let r = board
            .post_form(
                &format!("/de-nghi/{}/tham-dinh", forwarded.id),
                &[("ket_luan", verdict), ("ly_do", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{verdict:?}");
    }
    assert_eq!(state_of(&srv, forwarded.id), before, "no step, no event");
}

#[tokio::test]
async fn the_board_s_refusal_and_pending_discipline_block_approval() {
    let srv = Server::start().await;
    let noms = srv.store().nominations("cchc-2023", None).unwrap();
    let appraised = noms.iter().find(|n| n.state == "da_tham_dinh").unwrap().clone();
    let forwarded = noms.iter().find(|n| n.state == "da_chuyen").unwrap().clone();
    // the Board does not propose the forwarded one: no approval
    let mut board = srv.signed_in("bantdkt").await;
    assert_eq!(
        board
            .post_form(
                &format!("/de-nghi/{}/tham-dinh", forwarded.id),
                &[("ket_luan", "khong_de_nghi"), ("ly_do", "Chưa tiêu biểu")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut leader = srv.signed_in("lanhdao").await;
    let r = leader
        .post_form(&format!("/de-nghi/{}/phe-duyet", forwarded.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không đề nghị"));
    // the appraised head gets a discipline case (ky_luat: 1, verified): no approval
    let values = format!(
        "ma_don_vi,ma_chi_tieu,ky,gia_tri\n{},ky_luat,2023,1\n",
        appraised.unit_code
    );
    let opts = thidua_store::import::ImportOptions {
        verified: true,
        ..Default::default()
    };
    let r = srv
        .store()
        .import(
            thidua_ingest::ImportKind::Values,
            std::io::Cursor::new(values.into_bytes()),
            &opts,
            &mut |_| {},
            &|_| {},
        )
        .unwrap();
    assert!(r.committed);
    let r = leader
        .post_form(&format!("/de-nghi/{}/phe-duyet", appraised.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("kỷ luật"), "{}", r.body);
    assert_eq!(state_of(&srv, appraised.id).0, "da_tham_dinh");
}

#[tokio::test]
async fn every_transition_by_the_wrong_role_is_refused_and_changes_nothing() {
    let srv = Server::start().await;
    // one nomination in each state the demo holds
    let s = srv.store();
    let noms = s.nominations("cchc-2023", None).unwrap();
    drop(s);
    let by_state = |st: &str| {
        noms.iter()
            .find(|n| n.state == st)
            .unwrap_or_else(|| panic!("a nomination in {st}"))
            .id
    };
    let (draft, submitted, forwarded, appraised, approved) = (
        h01_draft(&srv),
        by_state("da_nop"),
        by_state("da_chuyen"),
        by_state("da_tham_dinh"),
        by_state("da_phe_duyet"),
    );
    let everyone = [
        "quantri",
        "sonoivu",
        "bantdkt",
        "lanhdao",
        "donvi",
        "donvi2",
        "thutruong",
    ];
    // (path, form, nomination, the accounts allowed)
    type Attempt<'a> = (String, Vec<(&'a str, &'a str)>, i64, &'a [&'a str]);
    let steps: Vec<Attempt> = vec![
        (
            format!("/de-nghi/{draft}/nop"),
            vec![("ly_do", "x")],
            draft,
            &["donvi"],
        ),
        (
            format!("/de-nghi/{submitted}/tra-lai"),
            vec![("ly_do", "x")],
            submitted,
            &["sonoivu"],
        ),
        (
            format!("/de-nghi/{submitted}/chuyen"),
            vec![("ket_luan", "du_dieu_kien"), ("ly_do", "")],
            submitted,
            &["sonoivu"],
        ),
        (
            format!("/de-nghi/{forwarded}/tham-dinh"),
            vec![("ket_luan", "de_nghi"), ("ly_do", "x")],
            forwarded,
            &["bantdkt"],
        ),
        (
            format!("/de-nghi/{appraised}/phe-duyet"),
            vec![],
            appraised,
            &["lanhdao"],
        ),
        (
            format!("/de-nghi/{appraised}/khong-phe-duyet"),
            vec![("ly_do", "x")],
            appraised,
            &["lanhdao"],
        ),
        (
            "/quyet-dinh".into(),
            vec![
                ("ke_hoach", "cchc-2023"),
                ("so_quyet_dinh", "1/QĐ"),
                ("ngay_quyet_dinh", "01/02/2024"),
            ],
            approved,
            &["sonoivu"],
        ),
    ];
    let mut clients = Vec::new();
    for u in everyone {
        clients.push((u, srv.signed_in(u).await));
    }
    for (path, form, id, allowed) in &steps {
        let before = state_of(&srv, *id);
        for (u, c) in clients.iter_mut().filter(|(u, _)| !allowed.contains(u)) {
            assert_eq!(
                c.post_form(path, form).await.status,
                StatusCode::FORBIDDEN,
                "{u} {path}"
            );
        }
        for (u, c) in clients.iter_mut().filter(|(u, _)| allowed.contains(u)) {
            assert_eq!(
                c.post_form_raw(path, form).await.status,
                StatusCode::FORBIDDEN,
                "{u} {path} without CSRF"
            );
        }
        assert_eq!(
            srv.client().post_form_raw(path, form).await.status,
            StatusCode::UNAUTHORIZED,
            "anonymous {path}"
        );
        assert_eq!(state_of(&srv, *id), before, "{path} changed nothing");
    }
    // only the unit's reporter adds documents or opens a nomination; another unit sees nothing
    let before = srv.store().nominations("cchc-2023", None).unwrap().len();
    for (u, c) in clients.iter_mut().filter(|(u, _)| *u != "donvi") {
        assert_eq!(
            c.post_multipart(
                &format!("/de-nghi/{draft}/tai-lieu"),
                document_part("to_trinh"),
                true
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{u} uploads"
        );
        // another unit's reporter may open nominations, but only for its own heads
        let expected = if *u == "donvi2" {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::FORBIDDEN
        };
        let h01_head = srv.store().nomination(draft).unwrap().unwrap().head_from;
        assert_eq!(
            c.post_form("/de-nghi", &[("tu_ngay", &h01_head), ("ke_hoach", "cchc-2023")])
                .await
                .status,
            expected,
            "{u} opens a nomination for H01's head"
        );
    }
    assert_eq!(srv.store().nominations("cchc-2023", None).unwrap().len(), before);
    assert!(srv.store().nomination_documents(draft).unwrap().is_empty());
    let (_, other) = clients.iter_mut().find(|(u, _)| *u == "donvi2").unwrap();
    assert_eq!(
        other.get(&format!("/de-nghi/{draft}")).await.status,
        StatusCode::FORBIDDEN
    );
    let doc = srv.store().nomination_documents(submitted).unwrap()[0].id;
    assert_eq!(
        other.get(&format!("/de-nghi/tai-lieu/{doc}")).await.status,
        StatusCode::FORBIDDEN,
        "another unit's document"
    );
    let (_, board) = clients.iter_mut().find(|(u, _)| *u == "bantdkt").unwrap();
    assert_eq!(
        board.get(&format!("/de-nghi/tai-lieu/{doc}")).await.bytes,
        pdf_bytes(),
        "the officials read it"
    );
}

#[tokio::test]
async fn the_quota_holds_when_two_approvers_click_at_the_same_moment() {
    let srv = Server::start().await;
    let (plan, heads) = evaluation(&srv);
    let approved = srv.store().approvals("cchc-2023").unwrap();
    let left = plan.award.quota - approved;
    // appraised nominations for more heads than the seats left, plus one
    let taken = nominated_units(&srv);
    let mut ids = Vec::new();
    {
        let mut s = srv.store();
        for h in heads
            .iter()
            .filter(|h| h.eligible && !taken.contains(&h.unit.code))
            .take(left as usize + 1)
        {
            ids.push(appraised_nomination(&mut s, &plan, &heads, h));
        }
    }
    assert_eq!(ids.len(), left as usize + 1);
    let mut a = srv.signed_in("lanhdao").await;
    // (heads outside the ranking's suggestions are approved with a written reason)
    const NOTE: &[(&str, &str)] = &[("ghi_chu", "Thành tích nổi bật theo đề nghị của Ban")];
    for id in &ids[..left as usize - 1] {
        assert_eq!(
            a.post_form(&format!("/de-nghi/{id}/phe-duyet"), NOTE)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
    // one seat left, two approvers at once
    let mut b = srv.signed_in("lanhdao").await;
    let (x, y) = (ids[left as usize - 1], ids[left as usize]);
    let (px, py) = (
        format!("/de-nghi/{x}/phe-duyet"),
        format!("/de-nghi/{y}/phe-duyet"),
    );
    let (ra, rb) = tokio::join!(a.post_form(&px, NOTE), b.post_form(&py, NOTE));
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY]
    );
    let loser = if ra.status == StatusCode::SEE_OTHER {
        rb
    } else {
        ra
    };
    assert!(loser.body.contains("Đã đủ 10 suất"), "{}", loser.body);
    assert_eq!(srv.store().approvals("cchc-2023").unwrap(), plan.award.quota);
}

#[tokio::test]
async fn submission_is_refused_after_the_deadline() {
    let srv = Server::start().await;
    let id = h01_draft(&srv);
    let mut unit = srv.signed_in("donvi").await;
    for code in ["to_trinh", "bien_ban", "bao_cao_thanh_tich"] {
        unit.post_multipart(&format!("/de-nghi/{id}/tai-lieu"), document_part(code), true)
            .await;
    }
    let mut office = srv.signed_in("sonoivu").await;
    let r = office
        .post_form(
            "/cai-dat",
            &[
                ("ten_tinh", "Bà Rịa - Vũng Tàu"),
                ("dia_danh", "Bà Rịa - Vũng Tàu"),
                ("han_nop", "15/01/2024"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = unit
        .post_form(&format!("/de-nghi/{id}/nop"), &[("ly_do", "Lý do")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Đã quá hạn nộp hồ sơ đề nghị (15/01/2024)"),
        "{}",
        r.body
    );
    assert_eq!(state_of(&srv, id).0, "nhap");
    // an executable is not a document
    let exe = Form::new().text("loai_tai_lieu", "to_trinh").part(
        "tep",
        Part::bytes(b"MZ\x90\x00".to_vec()).file_name("to-trinh.pdf"),
    );
    assert_eq!(
        unit.post_multipart(&format!("/de-nghi/{id}/tai-lieu"), exe, true)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn the_documents_are_docx_with_the_heads_figures_in_vietnamese() {
    let srv = Server::start().await;
    let (plan, heads) = evaluation(&srv);
    let h = heads
        .iter()
        .filter(|h| h.unit.code == "H01")
        .max_by_key(|h| h.head.from)
        .unwrap();
    let mut unit = srv.signed_in("donvi").await;
    let r = unit.get("/van-ban/mau07/H01").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .contains("wordprocessingml"));
    let text = docx_text(&r.bytes);
    for needle in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO THÀNH TÍCH",
        "THỦ TRƯỞNG CẤP TRÌNH KHEN THƯỞNG",
        // a district writes its own place name (Nghị định 30/2020)
        "Bà Rịa, ngày",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    assert!(text.contains(&h.head.name));
    let thidua_domain::eval::Value::Ratio(s) = h.indicator("tthc_dung_han").unwrap().value else {
        panic!()
    };
    let pct = thidua_domain::num::percent_vi(s.num, s.den).unwrap();
    assert!(text.contains(&pct), "the measured {pct} in the report");
    // another unit's head's report is not the unit's to download
    assert_eq!(unit.get("/van-ban/mau07/S01").await.status, StatusCode::FORBIDDEN);
    assert_eq!(unit.get("/van-ban/to-trinh").await.status, StatusCode::FORBIDDEN);

    // the tờ trình lists the heads the Board proposes; the decision the approved ones
    let noms = srv.store().nominations("cchc-2023", None).unwrap();
    let mut office = srv.signed_in("sonoivu").await;
    let to_trinh = docx_text(&office.get("/van-ban/to-trinh").await.bytes);
    assert!(to_trinh.contains("TỜ TRÌNH") && !to_trinh.contains("đề xuất từ kết quả xếp hạng"));
    for n in noms
        .iter()
        .filter(|n| n.board_verdict == Some(BoardVerdict::DeNghi))
    {
        assert!(to_trinh.contains(&n.head_name), "{} proposed", n.head_name);
    }
    let decision = docx_text(&office.get("/van-ban/quyet-dinh").await.bytes);
    assert!(decision.contains("QUYẾT ĐỊNH") && decision.contains(&plan.signer));
    for n in &noms {
        assert_eq!(
            decision.contains(&n.head_name),
            n.state == "da_phe_duyet",
            "{} in the decision",
            n.head_name
        );
    }
    // the ranking's suggestions only as a working list, titled as such
    let list = docx_text(&office.get("/van-ban/danh-sach-tham-khao").await.bytes);
    assert!(
        list.contains("DANH SÁCH THAM KHẢO") && !list.contains("TỜ TRÌNH"),
        "{list}"
    );
    let first = heads.iter().find(|h| h.rank == Some(1)).unwrap();
    assert!(list.contains(&first.head.name));

    // LibreOffice opens each: converted to PDF, the text is there
    let docs = [
        ("mau07", r.bytes.clone(), vec![h.head.name.clone(), pct.clone()]),
        (
            "to-trinh",
            office.get("/van-ban/to-trinh").await.bytes,
            vec!["TỜ TRÌNH".to_string()],
        ),
        (
            "quyet-dinh",
            office.get("/van-ban/quyet-dinh").await.bytes,
            vec![plan.signer.clone()],
        ),
    ];
    for (name, bytes, expected) in docs {
        let text = crate::documents::pdf_pages(&format!("award-{name}"), &bytes).join("\n");
        for e in expected {
            assert!(text.contains(&e), "{e} in {name}.pdf: {text}");
        }
    }
}

#[tokio::test]
async fn public_pages_show_only_what_is_published() {
    let srv = Server::start_published().await;
    let noms = srv.store().nominations("cchc-2023", None).unwrap();
    let mut public = srv.client();
    let board = public.get("/bang-vang").await;
    assert_eq!(board.status, StatusCode::OK);
    for n in &noms {
        assert_eq!(
            board.body.contains(&n.head_name),
            n.published,
            "{} on the board",
            n.head_name
        );
    }
    assert!(
        noms.iter().any(|n| n.published) && noms.iter().any(|n| n.state == "da_phe_duyet" && !n.published)
    );
    let progress = public.get("/tien-do").await;
    assert!(
        progress.body.contains("UBND cấp xã")
            && progress.body.contains("tỷ lệ người đứng đầu đạt từng chỉ tiêu")
    );
    let mut office = srv.signed_in("sonoivu").await;
    office
        .post_form(
            "/cai-dat",
            &[
                ("ten_tinh", "Bà Rịa - Vũng Tàu"),
                ("dia_danh", "Bà Rịa - Vũng Tàu"),
                ("han_nop", ""),
            ],
        )
        .await;
    let progress = public.get("/tien-do").await;
    assert!(progress.body.contains("chưa công bố") && !progress.body.contains("UBND cấp xã"));
    // nothing else is public
    for path in ["/de-nghi", "/tong-quan", "/van-ban/to-trinh", "/cai-dat"] {
        assert_eq!(public.get(path).await.status, StatusCode::SEE_OTHER, "{path}");
    }
}

#[tokio::test]
async fn every_nomination_exports_with_its_state_and_history() {
    let srv = Server::start().await;
    let noms = srv.store().nominations("cchc-2023", None).unwrap();
    let mut office = srv.signed_in("sonoivu").await;
    let r = office.get("/de-nghi?dinh_dang=xlsx").await;
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 3 + noms.len());
    let returned = noms.iter().find(|n| n.state == "tra_lai").unwrap();
    let row = sheet
        .rows()
        .find(|r| r.first() == Some(&Data::String(returned.head_name.clone())))
        .expect("its row");
    let history = row.last().unwrap().to_string();
    assert!(
        history.contains("Bị trả lại") && history.contains("thiếu chữ ký"),
        "{history}"
    );
}

#[tokio::test]
async fn a_second_plan_does_not_disturb_the_first_plans_nominations() {
    let srv = Server::start().await;
    srv.store()
        .put_plan(
            &Plan::from_toml(thidua_domain::plan::EXAMPLE_2025_TWO_TIER).unwrap(),
            thidua_domain::plan::EXAMPLE_2025_TWO_TIER,
        )
        .unwrap();
    let submitted = srv
        .store()
        .nominations("cchc-2023", None)
        .unwrap()
        .into_iter()
        .find(|n| n.state == "da_nop")
        .unwrap();
    let mut office = srv.signed_in("sonoivu").await;
    let page = office.get(&format!("/de-nghi/{}", submitted.id)).await;
    assert!(
        page.body.contains("id=\"ket-qua-danh-gia\">Đủ điều kiện<"),
        "evaluated under its own plan, 2023"
    );
    assert_eq!(
        office
            .post_form(
                &format!("/de-nghi/{}/chuyen", submitted.id),
                &[("ket_luan", "du_dieu_kien"), ("ly_do", "")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        srv.store().nomination(submitted.id).unwrap().unwrap().state,
        "da_chuyen"
    );
}

/// A nomination of `h` taken through submission, the office and the Board (with every
/// document), waiting for the leaders.
pub(crate) fn appraised_nomination(
    s: &mut thidua_store::Store,
    plan: &Plan,
    heads: &[HeadResult],
    h: &HeadResult,
) -> i64 {
    let unit = s.unit(&h.unit.code).unwrap().unwrap();
    let who = Actor {
        username: "test".into(),
        ..Default::default()
    };
    let id = s
        .create_nomination(
            &who,
            Role::DonVi,
            "cchc-2023",
            unit.id,
            h.head.from,
            &h.head.name,
            &h.head.title,
        )
        .unwrap();
    // a commune's district adds its papers and forwards it (the plan's proposing level)
    let proposed = plan.proposer_tier(&h.unit.tier).is_some();
    let file = |d: &thidua_domain::plan::DossierDocument| {
        NewAttachment::new(format!("{id}-{}.pdf", d.code), "x.pdf", "application/pdf", 1)
    };
    let by_district = |d: &thidua_domain::plan::DossierDocument| {
        proposed && d.by == thidua_domain::plan::DocumentBy::CapTrinh
    };
    for d in plan.documents.iter().filter(|d| !by_district(d)) {
        s.add_nomination_document(&who, id, &d.code, &file(d)).unwrap();
    }
    let facts = award::facts(s, plan, &h.unit.tier, heads, Some(h)).unwrap();
    let submit = Step::Submit {
        reason: String::new(),
    };
    s.nomination_step(&who, Role::DonVi, id, &submit, &facts).unwrap();
    if proposed {
        for d in plan.documents.iter().filter(|d| by_district(d)) {
            s.add_proposer_document(&who, id, &d.code, &file(d)).unwrap();
        }
        let propose = Step::Propose {
            reason: String::new(),
        };
        s.nomination_step(&who, Role::DonVi, id, &propose, &facts)
            .unwrap();
    }
    for step in [
        Step::Forward {
            verdict: OfficeVerdict::DuDieuKien,
            reason: String::new(),
        },
        Step::Appraise {
            verdict: BoardVerdict::DeNghi,
            reason: "x".into(),
        },
    ] {
        s.nomination_step(&who, Role::LanhDao, id, &step, &facts).unwrap();
    }
    id
}

/// Issue 15: the leaders' queue shows each head's rank, score, eligibility and whether the
/// ranking suggests them; approving a head outside the suggestions asks for a written
/// reason, which later readers and the audit log see.
#[tokio::test]
async fn approving_outside_the_ranking_suggestions_asks_for_a_written_reason() {
    let srv = Server::start().await;
    let (plan, heads) = evaluation(&srv);
    let suggested = thidua_domain::rank::suggested(&heads, &plan.award);
    let taken = nominated_units(&srv);
    let h = heads
        .iter()
        .find(|h| h.eligible && !taken.contains(&h.unit.code) && !suggested.contains(h))
        .expect("an eligible head beyond the suggestions");
    let id = appraised_nomination(&mut srv.store(), &plan, &heads, h);
    let mut leader = srv.signed_in("lanhdao").await;
    let queue = leader.get("/de-nghi").await;
    for column in [
        "Thứ hạng",
        "Điểm ưu tiên",
        "Kết quả đánh giá",
        "Đề xuất theo xếp hạng",
    ] {
        assert!(queue.body.contains(column), "{column}");
    }
    let page = leader.get(&format!("/de-nghi/{id}")).await;
    assert!(page.body.contains("không thuộc danh sách đề xuất theo xếp hạng"));
    let r = leader.post_form(&format!("/de-nghi/{id}/phe-duyet"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("cần ghi lý do phê duyệt"), "{}", r.body);
    let reason = "Thành tích đột xuất trong chuyển đổi số được Bộ Nội vụ ghi nhận";
    let r = leader
        .post_form(&format!("/de-nghi/{id}/phe-duyet"), &[("ghi_chu", reason)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut office = srv.signed_in("sonoivu").await;
    // a returned nomination says why at the top, not only in its history
    let returned = nomination_in(&srv, thidua_domain::nomination::NominationState::TraLai);
    let why = srv
        .store()
        .nomination_events(returned.id)
        .unwrap()
        .into_iter()
        .rev()
        .find(|e| e.to_state == thidua_domain::nomination::NominationState::TraLai)
        .unwrap()
        .reason;
    let body = office.get(&format!("/de-nghi/{}", returned.id)).await.body;
    let banner = body.split("id=\"ly-do-tra-lai\"").nth(1).expect("the banner");
    assert!(banner[..banner.find("</p>").unwrap()].contains(&why), "{why}");
    let later = office.get(&format!("/de-nghi/{id}")).await;
    assert!(later.body.contains("Ý kiến của lãnh đạo khi phê duyệt"));
    assert!(later.body.contains(reason));
    let (log, _) = srv
        .store()
        .audit(&thidua_store::audit::AuditFilter {
            object_type: Some("nomination".into()),
            limit: 1000,
            ..Default::default()
        })
        .unwrap();
    assert!(
        log.iter()
            .any(|r| r.after.as_deref().is_some_and(|a| a.contains(reason))),
        "the reason is in the audit log"
    );
}

/// Issue 15, "dead ends": a refused step shows the nomination's page again — navigation,
/// the reason beside its form as a sentence, named documents, what was typed kept —
/// answered 422, not a bare error page.
#[tokio::test]
async fn a_refused_step_keeps_the_page_the_reason_and_what_was_typed() {
    let srv = Server::start().await;
    let approved = nomination_in(&srv, thidua_domain::nomination::NominationState::DaPheDuyet);
    assert!(
        !approved.published,
        "the working demo's decision is not published"
    );
    let mut office = srv.signed_in("sonoivu").await;
    let r = office
        .post_form(
            "/quyet-dinh",
            &[
                ("ke_hoach", "cchc-2023"),
                ("so_quyet_dinh", "125/QĐ-UBND"),
                ("ngay_quyet_dinh", "30/02/2024"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Đăng xuất"), "the navigation stays");
    assert!(r.body.contains("id=\"loi-ghi\""), "the reason beside its form");
    assert!(
        r.body.contains("Ngày quyết định «30/02/2024» không hợp lệ"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"30/02/2024\"") && r.body.contains("value=\"125/QĐ-UBND\""));
    assert!(srv.store().decision_records("cchc-2023").unwrap().is_empty());
    let unpublished = srv.store().nomination(approved.id).unwrap().unwrap();
    assert!(!unpublished.published && unpublished.decision_id.is_none());
    // a blank return reason: the domain's clause as a sentence, beside the return form
    let submitted = nomination_in(&srv, thidua_domain::nomination::NominationState::DaNop);
    let r = office
        .post_form(&format!("/de-nghi/{}/tra-lai", submitted.id), &[("ly_do", "  ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let at = r
        .body
        .split("id=\"loi-tra-lai\">")
        .nth(1)
        .expect("beside the return form");
    assert!(at.starts_with("Cần "), "a sentence: {}", &at[..at.len().min(80)]);
}

/// The first of the demo's nominations in `state` (the demo has one in every state).
fn nomination_in(
    srv: &Server,
    state: thidua_domain::nomination::NominationState,
) -> thidua_store::nominations::Nomination {
    srv.store()
        .nominations("cchc-2023", None)
        .unwrap()
        .into_iter()
        .find(|n| n.state == state)
        .unwrap_or_else(|| panic!("the demo has a nomination in state {state:?}"))
}

/// The units that already have a nomination in the demo.
pub(crate) fn nominated_units(srv: &Server) -> Vec<String> {
    srv.store()
        .nominations("cchc-2023", None)
        .unwrap()
        .into_iter()
        .map(|n| n.unit_code)
        .collect()
}

/// The id of the nomination a `POST /de-nghi` redirected to.
pub(crate) fn opened_id(r: &crate::common::Resp) -> i64 {
    r.location()
        .trim_start_matches("/de-nghi/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_unit_replaces_a_document_while_it_prepares_and_not_after_submitting() {
    let srv = Server::start().await;
    let (_, h) = crate::common::eligible_unit_account(&srv, "daumoi");
    let mut unit = srv.signed_in("daumoi").await;
    let r = unit
        .post_form(
            "/de-nghi",
            &[("tu_ngay", &h.head.from.iso()), ("ke_hoach", "cchc-2023")],
        )
        .await;
    let id = opened_id(&r);
    for code in ["to_trinh", "to_trinh", "bien_ban", "bao_cao_thanh_tich"] {
        let r = unit
            .post_multipart(&format!("/de-nghi/{id}/tai-lieu"), document_part(code), true)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().ends_with("tb=da_tai_tai_lieu"));
    }
    let docs = srv.store().nomination_documents(id).unwrap();
    let first = docs.iter().find(|d| d.doc_code == "to_trinh").unwrap().clone();
    assert!(srv.attachments().contains(&first.stored_name));
    // the page offers removal; the office and another unit may not remove
    let page = unit.get(&format!("/de-nghi/{id}")).await;
    assert!(page.body.contains(&format!("/de-nghi/tai-lieu/{}/xoa", first.id)));
    let mut office = srv.signed_in("sonoivu").await;
    let r = office
        .post_form(&format!("/de-nghi/tai-lieu/{}/xoa", first.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut other = srv.signed_in("donvi2").await;
    let r = other
        .post_form(&format!("/de-nghi/tai-lieu/{}/xoa", first.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // the unit removes the older file: gone from the dossier and the disk, in the history
    let r = unit
        .post_form(&format!("/de-nghi/tai-lieu/{}/xoa", first.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = unit.get(r.location()).await;
    assert!(page.body.contains("Đã xóa tệp tài liệu khỏi hồ sơ."));
    assert!(page.body.contains("Đã xóa Tờ trình"), "named in the history");
    assert!(!page.body.contains("to_trinh:"), "no code in the history");
    assert!(!srv.attachments().contains(&first.stored_name));
    let left = srv.store().nomination_documents(id).unwrap();
    assert_eq!(left.len(), 3);
    assert!(left.iter().all(|d| d.id != first.id));
    let (audit, _) = srv
        .store()
        .audit(&thidua_store::audit::AuditFilter {
            action: Some("xoa_tai_lieu_de_nghi".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(audit.len(), 1);
    // over the API too: upload, then remove (204)
    let extra = Form::new()
        .text("loai", "bien_ban")
        .part("tep", Part::bytes(pdf_bytes()).file_name("bb.pdf"));
    let r = unit
        .post_multipart_api(&format!("/api/v1/nominations/{id}/documents"), extra)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let extra: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let r = unit
        .delete_api(&format!("/api/v1/nominations/{id}/documents/{}", extra["id"]))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(srv.store().nomination_documents(id).unwrap().len(), 3);
    // once submitted, nothing is removed (page or API)
    let r = unit.post_form(&format!("/de-nghi/{id}/nop"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let doc = left[0].id;
    let r = unit.post_form(&format!("/de-nghi/tai-lieu/{doc}/xoa"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không tải lên hoặc thay được"));
    let r = unit
        .delete_api(&format!("/api/v1/nominations/{id}/documents/{doc}"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // a document of another nomination through this one's address: 404
    let r = unit
        .delete_api(&format!("/api/v1/nominations/{}/documents/{doc}", id + 1000))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(srv.store().nomination_documents(id).unwrap().len(), 3);
}
