//! The administrator's setup on the web: plans, the calendar, units and heads.

use crate::common::Server;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

async fn save_head(c: &mut crate::common::Client, name: &str, from: &str, to: &str) -> StatusCode {
    let form = [
        ("ma_don_vi", "H01X99"),
        ("ho_ten", name),
        ("chuc_vu", "Chủ tịch UBND xã"),
        ("tu_ngay", from),
        ("den_ngay", to),
    ];
    c.post_form("/quan-tri/nguoi-dung-dau", &form).await.status
}

fn file(name: &str, text: &str, action: &str) -> Form {
    Form::new().text("hanh_dong", action.to_string()).part(
        "tep",
        Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string()),
    )
}

#[tokio::test]
async fn plans_are_checked_with_their_lines_and_loaded() {
    let srv = Server::start().await;
    let mut admin = srv.signed_in("quantri").await;
    let broken = thidua_domain::plan::EXAMPLE_2025_TWO_TIER.replacen("code = ", "code_x = ", 1);
    let r = admin
        .post_multipart("/quan-tri/ke-hoach", file("kh.toml", &broken, "kiem_tra"), true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dòng "), "errors name their line: {}", r.body);
    let r = admin
        .post_multipart(
            "/quan-tri/ke-hoach",
            file("kh.toml", thidua_domain::plan::EXAMPLE_2025_TWO_TIER, "kiem_tra"),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("hợp lệ"));
    assert_eq!(srv.store().plans().unwrap().len(), 1, "checking loads nothing");
    let r = admin
        .post_multipart(
            "/quan-tri/ke-hoach",
            file("kh.toml", thidua_domain::plan::EXAMPLE_2025_TWO_TIER, "nap"),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(srv.store().plans().unwrap().len(), 2);
    // only the setup keepers, and only with the token
    let mut board = srv.signed_in("bantdkt").await;
    assert_eq!(
        board
            .post_multipart(
                "/quan-tri/ke-hoach",
                file("kh.toml", thidua_domain::plan::BUILT_IN_2023, "nap"),
                true
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin
            .post_multipart(
                "/quan-tri/ke-hoach",
                file("kh.toml", thidua_domain::plan::BUILT_IN_2023, "nap"),
                false
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_calendar_takes_a_file_of_days() {
    let srv = Server::start().await;
    let mut admin = srv.signed_in("quantri").await;
    // the page opens on a year the calendar holds, and warns of a year without days off
    let this_year = thidua_domain::time::DateTime::now_local().date().ymd().0;
    let held: Vec<i32> = srv
        .store()
        .calendar_days()
        .unwrap()
        .iter()
        .map(|d| d.date.ymd().0)
        .collect();
    let page = admin.get("/quan-tri/lich").await;
    let shown = if held.contains(&this_year) {
        this_year
    } else {
        *held.iter().max().unwrap()
    };
    assert!(
        page.body
            .contains(&format!("Ngày nghỉ và ngày làm bù năm {shown}")),
        "{shown}"
    );
    assert!(!page.body.contains("canh-bao-lich"));
    let empty = admin.get("/quan-tri/lich?nam=2031").await;
    assert!(empty.body.contains("id=\"canh-bao-lich\""));
    assert!(empty.body.contains("chưa có ngày nghỉ nào của năm 2031"));
    assert!(
        empty.body.contains("href=\"/quan-tri/lich?nam=2024\""),
        "links to the years held"
    );
    let r = admin
        .post_multipart(
            "/quan-tri/lich",
            file("lich.csv", "date,kind,note\n2027-02-30,nghi,x\n", ""),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dòng 2"), "{}", r.body);
    let before = srv.store().calendar_days().unwrap().len();
    let r = admin
        .post_multipart(
            "/quan-tri/lich",
            file(
                "lich.csv",
                "date,kind,note\n2027-09-03,nghi,Nghỉ bù Quốc khánh\n",
                "",
            ),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(srv.store().calendar_days().unwrap().len(), before + 1);
    assert!(admin
        .get("/quan-tri/lich?nam=2027")
        .await
        .body
        .contains("Nghỉ bù Quốc khánh"));
    // a day entered by mistake is removed (audited); the cache sees the change
    let mut office = srv.signed_in("bantdkt").await;
    assert_eq!(
        office
            .post_form("/quan-tri/lich/xoa", &[("ngay", "2027-09-03")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let version = srv.store().dossier_version().unwrap();
    assert_eq!(
        admin
            .post_form("/quan-tri/lich/xoa", &[("ngay", "2027-09-03")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(srv.store().calendar_days().unwrap().len(), before);
    assert_ne!(srv.store().dossier_version().unwrap(), version);
    assert_eq!(
        admin
            .post_form("/quan-tri/lich/xoa", &[("ngay", "2027-09-03")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut unit = srv.signed_in("donvi").await;
    assert_eq!(unit.get("/quan-tri/lich").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn units_and_heads_are_edited_on_screen_with_the_import_rules() {
    let srv = Server::start().await;
    let mut admin = srv.signed_in("quantri").await;
    let r = admin
        .post_form(
            "/quan-tri/don-vi",
            &[
                ("ma_don_vi", "H01X99"),
                ("ten_don_vi", "UBND xã Mới"),
                ("cap", "xa"),
                ("ma_don_vi_cha", "KHONG"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(srv.store().unit("H01X99").unwrap().is_none());
    // a commune belongs under a district (the 2023 plan's tiers), never under itself
    let r = admin
        .post_form(
            "/quan-tri/don-vi",
            &[
                ("ma_don_vi", "H01X99"),
                ("ten_don_vi", "UBND xã Mới"),
                ("cap", "xa"),
                ("ma_don_vi_cha", "S01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("phải trực thuộc đơn vị cấp «huyen»"),
        "{}",
        r.body
    );
    let r = admin
        .post_form(
            "/quan-tri/don-vi",
            &[
                ("ma_don_vi", "H01"),
                ("ten_don_vi", "UBND thành phố Bà Rịa"),
                ("cap", "huyen"),
                ("ma_don_vi_cha", "H01X01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("vòng lặp"));
    let r = admin
        .post_form(
            "/quan-tri/don-vi",
            &[
                ("ma_don_vi", "H01X99"),
                ("ten_don_vi", "UBND xã Mới"),
                ("cap", "xa"),
                ("ma_don_vi_cha", "H01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        srv.store().unit("H01X99").unwrap().unwrap().parent.as_deref(),
        Some("H01")
    );
    // a head's term; an overlapping one is refused; closing the first is a change of its row
    assert_eq!(
        save_head(&mut admin, "Lê Văn A", "01/01/2023", "").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        save_head(&mut admin, "Trần Thị B", "01/07/2023", "").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "overlaps the open term"
    );
    assert_eq!(
        save_head(&mut admin, "Lê Văn A", "01/01/2023", "30/06/2023").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        save_head(&mut admin, "Trần Thị B", "01/07/2023", "").await,
        StatusCode::SEE_OTHER
    );
    let terms: Vec<_> = srv
        .store()
        .heads()
        .unwrap()
        .into_iter()
        .filter(|h| h.unit == "H01X99")
        .collect();
    assert_eq!(terms.len(), 2);
    let page = admin.get("/quan-tri/don-vi/H01X99").await;
    assert!(page.body.contains("Trần Thị B") && page.body.contains("30/06/2023"));
    // the audit log has the edits
    let (log, _) = srv
        .store()
        .audit(&thidua_store::audit::AuditFilter {
            action: Some("nhap_tep".into()),
            username: Some("quantri".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.len(), 4, "one unit, three head rows");
    let mut unit = srv.signed_in("donvi").await;
    assert_eq!(
        unit.post_form(
            "/quan-tri/don-vi",
            &[("ma_don_vi", "H01"), ("ten_don_vi", "X"), ("cap", "huyen")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        srv.store().unit("H01").unwrap().unwrap().info.name,
        "UBND thành phố Bà Rịa"
    );
}

#[tokio::test]
async fn a_plan_that_fixes_a_period_is_refused_over_entries_of_another_period() {
    let srv = Server::start().await;
    let mut admin = srv.signed_in("quantri").await;
    // Every unit reported its initiatives for the year (the demo unit by quarter).
    let quarterly = thidua_domain::plan::BUILT_IN_2023.replacen(
        "code = \"sang_kien\"",
        "code = \"sang_kien\"\nperiod = \"quy\"",
        1,
    );
    let r = admin
        .post_multipart("/quan-tri/ke-hoach", file("kh.toml", &quarterly, "nap"), true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("số liệu theo kỳ khác") && r.body.contains("quý"),
        "{}",
        r.body
    );
    // Fixed to years instead: only the demo unit's quarters stand in the way (two sent, one draft).
    let yearly = thidua_domain::plan::BUILT_IN_2023.replacen(
        "code = \"sang_kien\"",
        "code = \"sang_kien\"\nperiod = \"nam\"",
        1,
    );
    let r = admin
        .post_multipart("/quan-tri/ke-hoach", file("kh.toml", &yearly, "nap"), true)
        .await;
    assert!(r.body.contains("đã có 3 số liệu theo kỳ khác"), "{}", r.body);
}
