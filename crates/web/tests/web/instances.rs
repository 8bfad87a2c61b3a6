//! Two `thidua serve` instances on one store, as behind a load balancer (issue 16 part 3):
//! on PostgreSQL one database and a data folder each (the files are in the database); on
//! SQLite one data folder. A session made on one is valid on the other, and its end too;
//! what one instance writes shows on the other's next page (no cache keeps the old); a
//! file uploaded through one downloads from the other; the approval quota holds with
//! approvals sent to both at once.

use crate::award::{appraised_nomination, evaluation, nominated_units};
use crate::common::{pdf_bytes, Server};
use crate::http_entries::entry_form;
use reqwest::multipart::Part;
use reqwest::StatusCode;

#[tokio::test]
async fn two_instances_share_sessions_pages_files_and_the_quota() {
    let a = Server::start().await;
    let b = a.another_instance().await;

    // a session made on one instance is valid on the other
    let mut unit_a = a.signed_in("donvi").await;
    let mut unit_b = unit_a.at(&b);
    let page = unit_b.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đăng xuất"), "{}", page.body);

    // an entry saved with its evidence on one instance is verified on the other, and the
    // first instance's next pages show it (their caches were filled before)
    let mut office_b = b.signed_in("sonoivu").await;
    let mut office_a = office_b.at(&a);
    let before_a = office_a.get("/so-lieu?don_vi=H01&chi_tieu=sang_kien").await.body;
    let _ = unit_a.get("/don-vi/H01").await;
    let form = entry_form("sang_kien", "2023-Q3", "2", "gui")
        .part("minh_chung", Part::bytes(pdf_bytes()).file_name("Sáng kiến.pdf"));
    let r = unit_a.post_multipart("/so-lieu/luu", form, true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = crate::common::saved_entry_id(&r);
    assert!(!before_a.contains(&format!("href=\"/so-lieu/{id}\"")));
    let queue_a = office_a.get("/so-lieu?don_vi=H01&chi_tieu=sang_kien").await.body;
    assert!(
        queue_a.contains(&format!("href=\"/so-lieu/{id}\"")),
        "the other's write shows at once"
    );
    let detail = office_b.get(&format!("/so-lieu/{id}")).await.body;
    let link = detail
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap_or(""))
        .find(|h| h.contains("/tep/"))
        .unwrap_or_else(|| panic!("the evidence is listed: {detail}"))
        .to_string();
    let file = office_b.get(&link).await;
    assert_eq!(
        file.status,
        StatusCode::OK,
        "the file uploaded through the other instance"
    );
    assert_eq!(file.bytes, pdf_bytes());
    let r = office_b.post_form(&format!("/so-lieu/{id}/xac-nhan"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = unit_a.get(&format!("/so-lieu/{id}")).await.body;
    assert!(
        page.contains("Đã xác nhận"),
        "verified on the other instance: {page}"
    );

    // signing out on one instance ends the session on the other at once
    let r = unit_b.post_form("/dang-xuat", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(unit_a.get("/don-vi/H01").await.status, StatusCode::SEE_OTHER);

    // the quota: appraised nominations for more heads than the seats left, approved by
    // leaders on both instances at once; exactly the quota is approved
    let (plan, heads) = evaluation(&a);
    let approved = a.store().approvals("cchc-2023").unwrap();
    let left = (plan.award.quota - approved) as usize;
    let taken = nominated_units(&a);
    let mut ids = Vec::new();
    {
        let mut s = a.store();
        for h in heads
            .iter()
            .filter(|h| h.eligible && !taken.contains(&h.unit.code))
            .take(left + 4)
        {
            ids.push(appraised_nomination(&mut s, &plan, &heads, h));
        }
    }
    assert!(ids.len() > left, "more nominations than seats");
    const NOTE: &[(&str, &str)] = &[("ghi_chu", "Thành tích nổi bật theo đề nghị của Ban")];
    let leader_a = a.signed_in("lanhdao").await;
    let leader_b = b.signed_in("lanhdao").await;
    let mut clients: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let c = if i % 2 == 0 {
                leader_a.at(&a)
            } else {
                leader_b.at(&b)
            };
            (c, format!("/de-nghi/{id}/phe-duyet"))
        })
        .collect();
    let answers =
        futures_util::future::join_all(clients.iter_mut().map(|(c, path)| c.post_form(path, NOTE))).await;
    let ok = answers
        .iter()
        .filter(|r| r.status == StatusCode::SEE_OTHER)
        .count();
    let refused = answers
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("Đã đủ"))
        .count();
    assert_eq!(
        (ok, refused),
        (left, ids.len() - left),
        "exactly the seats left, the rest refused"
    );
    assert_eq!(b.store().approvals("cchc-2023").unwrap(), plan.award.quota);
}

/// A web import checked on one instance is confirmed, and its errors downloaded, through
/// the other (no sticky sessions needed): on PostgreSQL the upload is shared in the
/// database (`Store::share_upload`), and its parts go once it is imported.
#[tokio::test]
async fn a_web_import_uploaded_to_one_instance_is_confirmed_on_the_other() {
    let a = Server::start().await;
    let b = a.another_instance().await;
    let mut office_a = a.signed_in("sonoivu").await;
    let mut office_b = office_a.at(&b);
    let body =
        "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH09,UBND huyện Mới,huyen,\nH10,UBND xã Lạ,xa,KHONG_CO\n";
    let form = reqwest::multipart::Form::new()
        .text("loai", "units")
        .text("chap_nhan_dong_hop_le", "1")
        .part(
            "tep",
            Part::bytes(body.as_bytes().to_vec()).file_name("don-vi.csv"),
        );
    let r = office_a.post_multipart("/nhap-du-lieu", form, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let confirm = r
        .body
        .split("action=\"")
        .find(|s| s.contains("/xac-nhan"))
        .unwrap_or_else(|| panic!("a confirmation: {}", r.body))
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // the report of the bad row, from the other instance
    let x = office_b.get(&confirm.replace("/xac-nhan", "/loi.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK, "{}", x.body);
    assert_eq!(&x.bytes[..4], b"PK\x03\x04");
    let r = office_b.post_form(&confirm, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Đã ghi 1 dòng vào cơ sở dữ liệu"), "{}", r.body);
    assert!(a.store().unit("H09").unwrap().is_some());
    // imported once: a second click on either instance finds nothing
    let again = office_a.post_form(&confirm, &[]).await;
    assert_ne!(again.status, StatusCode::OK);
    if a.db.is_some() {
        let parts = a.raw_sql(false, "DELETE FROM staged_upload_parts");
        assert_eq!(parts, 0, "the shared parts go with the import");
    }
}
