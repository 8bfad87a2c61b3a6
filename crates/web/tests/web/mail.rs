//! E-mail notices and reminders against a real SMTP server: aiosmtpd, started here on a
//! free port (`tests/support/smtp_sink.py`; `scripts/test.sh` installs it from PyPI), which
//! decodes every message it receives into a file the test reads.

use crate::common::{Server, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Sink {
    process: Child,
    port: u16,
    out: tempfile::NamedTempFile,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Sink {
    fn start() -> Sink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let out = tempfile::NamedTempFile::new().unwrap();
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut process = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(out.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the SMTP sink");
        let mut line = String::new();
        std::io::BufReader::new(process.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start: is aiosmtpd installed? (scripts/test.sh installs it)"
        );
        Sink { process, port, out }
    }

    fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(self.out.path())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits (up to 15 s) for a message to `to` whose subject contains `subject`.
    async fn wait_for(&self, to: &str, subject: &str) -> Value {
        for _ in 0..150 {
            if let Some(m) = self.messages().into_iter().find(|m| {
                m["to"].as_array().unwrap().iter().any(|t| t == to)
                    && m["subject"].as_str().unwrap().contains(subject)
            }) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no message to {to} about «{subject}»: {:?}", self.messages());
    }
}

async fn set_email(c: &mut crate::common::Client, address: &str) {
    let r = c.post_form("/tai-khoan/thu-dien-tu", &[("email", address)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn notices_and_reminders_reach_a_real_smtp_server() {
    let sink = Sink::start();
    let srv = Server::start_with(|c| c.mail_interval = Duration::from_millis(200)).await;
    // the office sets the mail server (a bad port is refused beside the form)
    let mut office = srv.signed_in("sonoivu").await;
    let port = sink.port.to_string();
    let mut fields = vec![
        ("smtp_may_chu", "127.0.0.1"),
        ("smtp_cong", "70000"),
        ("smtp_bao_mat", "khong"),
        ("smtp_ten_dang_nhap", ""),
        ("smtp_dia_chi_gui", "thidua@snv.example.gov.vn"),
        ("dia_chi_trang", "https://thidua.example.gov.vn"),
    ];
    let r = office.post_form("/cai-dat/thu-dien-tu", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Cổng «70000» phải là số từ 1 đến 65535."));
    fields[1].1 = &port;
    let r = office.post_form("/cai-dat/thu-dien-tu", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // each person gives their own address; a malformed one keeps the form with the reason
    let mut unit = srv.signed_in("donvi").await;
    let r = unit
        .post_form("/tai-khoan/thu-dien-tu", &[("email", "khong-phai-dia-chi")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"loi-email\"") && r.body.contains("value=\"khong-phai-dia-chi\""));
    set_email(&mut unit, "daumoi.h01@example.gov.vn").await;
    set_email(&mut office, "vanthu.snv@example.gov.vn").await;
    let mut board = srv.signed_in("bantdkt").await;
    set_email(&mut board, "ban.tdkt@example.gov.vn").await;
    assert!(unit
        .get("/mat-khau")
        .await
        .body
        .contains("value=\"daumoi.h01@example.gov.vn\""));

    // a returned entry: its unit hears why, with the link
    let id = crate::common::send_entry(&mut unit, "sang_kien", "2023-Q3", "2").await;
    let r = office
        .post_form(
            &format!("/so-lieu/{id}/tra-lai"),
            &[("ly_do", "Thiếu quyết định công nhận sáng kiến")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let m = sink
        .wait_for("daumoi.h01@example.gov.vn", "Số liệu bị trả lại")
        .await;
    let body = m["body"].as_str().unwrap();
    assert!(body.contains("Thiếu quyết định công nhận sáng kiến"), "{body}");
    assert!(
        body.contains(&format!("https://thidua.example.gov.vn/so-lieu/{id}")),
        "{body}"
    );
    assert!(m["from"].as_str().unwrap().contains("thidua@snv.example.gov.vn"));

    // a nomination: submitted → the office; returned → the unit; forwarded → the Board
    let (_, h) = crate::common::eligible_unit_account(&srv, "daumoi");
    let mut proposer = srv.client();
    proposer.sign_in("daumoi", PASSWORD).await;
    set_email(&mut proposer, "daumoi.de-nghi@example.gov.vn").await;
    let r = proposer
        .post_form(
            "/de-nghi",
            &[("tu_ngay", &h.head.from.iso()), ("ke_hoach", "cchc-2023")],
        )
        .await;
    let n = crate::award::opened_id(&r);
    for code in ["to_trinh", "bien_ban", "bao_cao_thanh_tich"] {
        let form = reqwest::multipart::Form::new().text("loai_tai_lieu", code).part(
            "tep",
            reqwest::multipart::Part::bytes(crate::common::pdf_bytes()).file_name(format!("{code}.pdf")),
        );
        let r = proposer
            .post_multipart(&format!("/de-nghi/{n}/tai-lieu"), form, true)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        proposer.post_form(&format!("/de-nghi/{n}/nop"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let m = sink.wait_for("vanthu.snv@example.gov.vn", "chờ kiểm tra").await;
    assert!(m["body"].as_str().unwrap().contains(&h.head.name));
    let r = office
        .post_form(
            &format!("/de-nghi/{n}/tra-lai"),
            &[("ly_do", "Bổ sung biên bản họp có chữ ký")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let m = sink.wait_for("daumoi.de-nghi@example.gov.vn", "bị trả lại").await;
    assert!(m["body"]
        .as_str()
        .unwrap()
        .contains("Bổ sung biên bản họp có chữ ký"));
    assert_eq!(
        proposer.post_form(&format!("/de-nghi/{n}/nop"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let r = office
        .post_form(
            &format!("/de-nghi/{n}/chuyen"),
            &[("ket_luan", "du_dieu_kien"), ("ly_do", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let m = sink.wait_for("ban.tdkt@example.gov.vn", "chờ thẩm định").await;
    assert!(m["body"].as_str().unwrap().contains(&format!("/de-nghi/{n}")));

    // a deadline three days ahead: one reminder per unit account, however many rounds pass
    let today = thidua_domain::time::DateTime::now_local().date();
    let due = thidua_domain::time::Date(today.0 + 3);
    crate::common::set_nomination_deadline(&srv, due);
    let m = sink
        .wait_for(
            "daumoi.h01@example.gov.vn",
            "Nhắc hạn nộp hồ sơ đề nghị khen thưởng",
        )
        .await;
    assert!(m["body"].as_str().unwrap().contains(&due.vi()));
    tokio::time::sleep(Duration::from_millis(1000)).await; // several more rounds
    let reminders = sink
        .messages()
        .into_iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with("Nhắc hạn nộp hồ sơ"))
        .count();
    assert_eq!(
        reminders, 2,
        "once to each unit account with an address (donvi, daumoi)"
    );
    assert!(
        !sink
            .messages()
            .iter()
            .any(|m| m["to"][0] == "ban.tdkt@example.gov.vn"
                && m["subject"].as_str().unwrap().starts_with("Nhắc hạn")),
        "the Board is not reminded of the units' deadline"
    );
    // the settings page lists what went
    let page = office.get("/cai-dat").await;
    assert!(page.body.contains("Đã gửi"), "the outbox on the settings page");
}
