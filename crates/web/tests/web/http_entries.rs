//! Entered values over real HTTP: the entry workflow, evidence uploads, value checks, web
//! imports, a unit's own imports and the head's sign-off.

use crate::common::{pdf_bytes, Server};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use thidua_domain::entry::EntryState;

pub(crate) fn entry_form(indicator: &str, period: &str, value: &str, action: &str) -> Form {
    Form::new()
        .text("chi_tieu", indicator.to_string())
        .text("ky", period.to_string())
        .text("gia_tri", value.to_string())
        .text("ghi_chu", "Báo cáo quý")
        .text("hanh_dong", action.to_string())
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
    let id: i64 = crate::common::saved_entry_id(&r);
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
            .get("/so-lieu?don_vi=H01&chi_tieu=sang_kien")
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
    // the audit page names actions, objects and changes in Vietnamese; its filter takes the
    // action from a list
    let audit_page = office.get("/nhat-ky?thao_tac=xac_nhan_so_lieu").await;
    let table = &audit_page.body[audit_page.body.find("<table").expect("the log's table")..];
    assert!(
        table.contains("<td>Xác nhận số liệu</td>") && !table.contains("Trả lại số liệu"),
        "{table}"
    );
    assert!(
        !table.contains("xac_nhan_so_lieu") && !table.contains("\"state\""),
        "no code, no raw JSON: {table}"
    );
    assert!(
        table.contains(&format!(
            "trạng thái: {} → {}",
            EntryState::DaGui.vi(),
            EntryState::DaXacNhan.vi()
        )),
        "{table}"
    );
    assert!(audit_page
        .body
        .contains("<option value=\"xac_nhan_so_lieu\" selected>Xác nhận số liệu</option>"));
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
    let id: i64 = crate::common::saved_entry_id(&r);
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
    // a ratio of documents: a share, counted whole (the plan says so)
    let ratio = |num: &str, den: &str| {
        Form::new()
            .text("chi_tieu", "menh_lenh_hc")
            .text("ky", "2023-Q4")
            .text("tu_so", num.to_string())
            .text("mau_so", den.to_string())
            .text("ghi_chu", "")
            .text("hanh_dong", "gui")
    };
    let r = unit.post_multipart("/so-lieu/luu", ratio("12", "10"), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("tỷ lệ không vượt quá 100%"), "{}", r.body);
    let r = unit
        .post_multipart("/so-lieu/luu", ratio("42,5", "50"), true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không phải số nguyên"), "{}", r.body);
    assert_eq!(srv.store().counts().unwrap(), before);
    // an entry waiting for the office cannot be changed by the unit
    let unit_id = srv.store().unit("H01").unwrap().unwrap().id;
    let r = unit
        .post_multipart(
            "/so-lieu/luu",
            entry_form("sang_kien", "2023-08", "1", "gui"),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let e = srv
        .store()
        .entry_by_key(unit_id, "sang_kien", "2023-08")
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
    // says what it wrote and where to see it
    assert!(r.body.contains("Đã ghi 1 dòng vào cơ sở dữ liệu"), "{}", r.body);
    assert!(r
        .body
        .contains("Đã ghi 1 dòng cơ quan, đơn vị, địa phương từ tệp «don-vi.csv»."));
    assert!(r.body.contains("href=\"/quan-tri/don-vi\""));
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
    // (The demo's own imports, made long after 2023's deadlines, are on record as late.)
    let log: Vec<_> = log.into_iter().filter(|a| a.username != "cli").collect();
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
async fn a_unit_imports_only_its_own_values_and_never_as_verified() {
    let srv = Server::start().await;
    let mut unit = srv.signed_in("donvi").await;
    let mixed = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nH01,sang_kien,2023-08,,,1,\nS01,sang_kien,2023-08,,,1,\n";
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
    let own = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nH01,sang_kien,2023-08,,,1,Sáng kiến tháng 8\n";
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
    let e = s.entry_by_key(h01.id, "sang_kien", "2023-08").unwrap().unwrap();
    assert_eq!(e.state, EntryState::DaGui, "a unit's import waits for the office");
    assert!(s
        .entry_by_key(s.unit("S01").unwrap().unwrap().id, "sang_kien", "2023-08")
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
            entry_form("sang_kien", "2023-09", "1", "gui"),
            true,
        )
        .await;
    let id: i64 = crate::common::saved_entry_id(&r);
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
    assert!(
        office
            .get(&format!("/so-lieu/{id}"))
            .await
            .body
            .contains("Thủ trưởng đơn vị đã ký duyệt: Trương Hồng Hương"),
        "a person's name, not the username"
    );
    // a change by the unit (after a return) clears the sign-off
    office
        .post_form(&format!("/so-lieu/{id}/tra-lai"), &[("ly_do", "Sai kỳ")])
        .await;
    unit.post_multipart(
        "/so-lieu/luu",
        entry_form("sang_kien", "2023-09", "2", "gui"),
        true,
    )
    .await;
    assert_eq!(srv.store().entry(id).unwrap().unwrap().signed_by, None);
}

/// An XLSX-like archive whose shared strings are `body` `times` times, written piece by
/// piece: a few hundred kilobytes that inflate to gigabytes.
fn shared_strings_bomb(body: &str, times: usize) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    z.start_file("xl/sharedStrings.xml", opts).unwrap();
    z.write_all(b"<sst><si><t>").unwrap();
    let chunk = body.repeat(4096);
    for _ in 0..times / 4096 {
        z.write_all(chunk.as_bytes()).unwrap();
    }
    z.write_all(b"</t></si></sst>").unwrap();
    z.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_unit_uploading_a_file_bomb_is_refused_and_the_server_lives_on() {
    let srv = Server::start().await;
    let mut unit = srv.signed_in("donvi").await;
    for (bomb, cap) in [
        // 1 GiB of shared strings (the testers sent 2 GiB: the same refusal, twice as slow
        // to build here)
        (shared_strings_bomb("a", 1 << 30), "256 MiB"),
        // two million tiny shared strings
        (shared_strings_bomb("</t></si><si><t>x", 2_000_000), "1000000"),
    ] {
        assert!(
            bomb.len() < 20 << 20,
            "under the upload limit: {} bytes",
            bomb.len()
        );
        let form = Form::new()
            .text("loai", "values")
            .part("tep", Part::bytes(bomb).file_name("so-lieu.xlsx"));
        let r = unit.post_multipart("/nhap-du-lieu", form, true).await;
        assert!(
            r.body.contains("vượt giới hạn") && r.body.contains(cap),
            "{}: {}",
            r.status,
            r.body
        );
        assert!(!r.body.contains("Xác nhận nhập"));
        // the server still answers
        assert_eq!(unit.get("/de-nghi").await.status, StatusCode::OK);
    }
}

/// Issue 15, the office's queue: filtered and paged in the URL; many verified at once after
/// a confirmation that lists them; the next waiting entry after a decision; a verification
/// taken back with a reason; the detail shows the target and the unit's other periods.
#[tokio::test]
async fn the_office_queue_filters_pages_verifies_in_bulk_and_reopens() {
    use thidua_store::queue::EntryQuery;
    let srv = Server::start().await;
    let waiting = |unit: Option<&str>| {
        srv.store()
            .entry_page(&EntryQuery {
                state: Some(EntryState::DaGui),
                unit_code: unit.map(Into::into),
                per_page: 500,
                ..Default::default()
            })
            .unwrap()
            .0
    };
    let all = waiting(None);
    assert!(all.len() >= 2, "the demo has entries waiting: {}", all.len());
    let unit = all[0].unit_code.clone();
    let mut office = srv.signed_in("sonoivu").await;
    // the filter by unit is in the URL and selects only that unit's rows
    let page = office
        .get(&format!("/so-lieu?trang_thai=da_gui&don_vi={unit}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let mine = waiting(Some(&unit));
    for e in &all {
        let shown = page.body.contains(&format!("href=\"/so-lieu/{}\"", e.id));
        assert_eq!(shown, e.unit_code == unit, "entry {} of {}", e.id, e.unit_code);
    }
    assert!(page
        .body
        .contains(&format!("1–{} trong {} số liệu", mine.len(), mine.len())));
    assert!(page.body.contains("name=\"id\""), "a box per row for the office");
    // bulk: first a confirmation listing them, nothing verified yet
    let ids: Vec<String> = all.iter().take(2).map(|e| e.id.to_string()).collect();
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|i| ("id", i.as_str())).collect();
    let confirm = office.post_form("/so-lieu/xac-nhan-nhieu", &fields).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    assert!(confirm.body.contains("Xác nhận 2 số liệu"), "{}", confirm.body);
    assert!(all.iter().take(2).all(|e| confirm.body.contains(&e.unit_name)));
    assert_eq!(
        srv.store().entry(all[0].id).unwrap().unwrap().state,
        EntryState::DaGui
    );
    fields.push(("dong_y", "1"));
    let done = office.post_form("/so-lieu/xac-nhan-nhieu", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/so-lieu?tb=da_xac_nhan_nhieu&so=2");
    assert!(office
        .get(done.location())
        .await
        .body
        .contains("Đã xác nhận 2 số liệu."));
    for e in all.iter().take(2) {
        assert_eq!(
            srv.store().entry(e.id).unwrap().unwrap().state,
            EntryState::DaXacNhan
        );
    }
    // a unit cannot verify in bulk
    let mut unit_user = srv.signed_in("donvi").await;
    let r = unit_user
        .post_form(
            "/so-lieu/xac-nhan-nhieu",
            &[("id", ids[0].as_str()), ("dong_y", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // the detail of a verified entry: its target, and the office may take it back
    let first = all[0].id;
    let detail = office.get(&format!("/so-lieu/{first}")).await;
    assert!(detail.body.contains("Chỉ tiêu giao") && detail.body.contains("id=\"chi-tieu-giao\""));
    assert!(detail.body.contains("Mở lại xác nhận"));
    let r = office
        .post_form(
            &format!("/so-lieu/{first}/mo-lai-xac-nhan"),
            &[("ly_do", "Nhầm kỳ báo cáo")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let e = srv.store().entry(first).unwrap().unwrap();
    assert_eq!(
        (e.state, e.reason.as_str()),
        (EntryState::DaGui, "Nhầm kỳ báo cáo")
    );
    // a blank return reason: the entry's page again, the reason as a sentence beside the
    // form (issue 15: it was a bare error page)
    let r = office
        .post_form(&format!("/so-lieu/{first}/tra-lai"), &[("ly_do", "   ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Đăng xuất"), "the navigation stays");
    assert!(
        r.body.contains("id=\"loi-tra-lai\">Cần ghi lý do trả lại.<"),
        "{}",
        r.body
    );
    assert_eq!(
        srv.store().entry(first).unwrap().unwrap().state,
        EntryState::DaGui
    );
    // deciding on it leads to the next waiting entry, saying what was done
    let r = office.post_form(&format!("/so-lieu/{first}/xac-nhan"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let next = r.location().to_string();
    if let Some(rest) = next.strip_prefix("/so-lieu/") {
        assert!(rest.contains(&format!("truoc={first}")), "{next}");
        let page = office.get(&next).await;
        assert!(page.body.contains("Đã xác nhận số liệu"), "{}", page.body);
        assert!(page.body.contains("số liệu chờ xác nhận tiếp theo"));
    } else {
        assert!(next.starts_with("/so-lieu?tb=da_xac_nhan"), "{next}");
    }
}

/// Issue 15, part 7: each kind has a template (its columns, one example row, the codes its
/// columns take on a second sheet), and the template as downloaded passes the import's own
/// checks; the page helps for each kind without inline styles.
#[tokio::test]
async fn each_import_kind_has_a_template_the_import_accepts() {
    use calamine::{Reader, Xlsx};
    let srv = Server::start().await;
    let mut office = srv.signed_in("sonoivu").await;
    let page = office.get("/nhap-du-lieu").await;
    assert!(!page.body.contains("style=\""), "no inline style under the CSP");
    for kind in thidua_ingest::ImportKind::ALL {
        let code = kind.code();
        assert!(
            page.body.contains(&format!("id=\"dinh-dang-{code}\"")),
            "help for {code}"
        );
        let r = office.get(&format!("/nhap-du-lieu/mau/{code}.xlsx")).await;
        assert_eq!(r.status, StatusCode::OK, "{code}");
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.clone())).unwrap();
        assert_eq!(wb.sheet_names(), ["Mẫu", "Danh mục mã"], "{code}");
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        let header: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let labels: Vec<&str> = kind.fields().iter().map(|f| f.vi).collect();
        assert_eq!(header, labels, "{code}");
        assert_eq!(sheet.height(), 2, "{code}: the header and one example");
        let codes = wb.worksheet_range_at(1).unwrap().unwrap();
        if kind != thidua_ingest::ImportKind::Heads {
            assert!(codes.height() > 1, "{code}: its codes and labels");
        }
        // the template as it is: read without a column error, its example row valid
        let form = Form::new()
            .text("loai", code.to_string())
            .part("tep", Part::bytes(r.bytes).file_name(format!("mau-{code}.xlsx")));
        let report = office.post_multipart("/nhap-du-lieu", form, true).await;
        assert_eq!(report.status, StatusCode::OK, "{code}: {}", report.body);
        if kind == thidua_ingest::ImportKind::Values {
            // read and checked; the demo already counts that month of S01 (a data
            // conflict, named as such, not a format error)
            assert!(
                report.body.contains("0 dòng lỗi") || report.body.contains("một tháng chỉ được tính một lần"),
                "{code}: {}",
                report.body
            );
        } else {
            assert!(report.body.contains("0 dòng lỗi"), "{code}: {}", report.body);
        }
    }
    // a unit imports its values only: its template, not the units'
    let mut unit = srv.signed_in("donvi").await;
    assert_eq!(
        unit.get("/nhap-du-lieu/mau/values.xlsx").await.status,
        StatusCode::OK
    );
    assert_eq!(
        unit.get("/nhap-du-lieu/mau/units.xlsx").await.status,
        StatusCode::NOT_FOUND
    );
}
