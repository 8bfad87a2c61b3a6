//! The web application in Debian's Chromium through chromedriver (W3C WebDriver, spoken
//! directly over HTTP: a dozen commands do not need a client crate). `scripts/test.sh`
//! installs `chromium` and `chromium-driver` when missing; without them this test fails
//! rather than skips.
//!
//! The story of issue 3: a unit enters a value with an evidence file and submits; the
//! office returns it with a reason; the unit resubmits; the office verifies; the overview
//! shows the new status. Screenshots of the overview and of the unit page are kept in
//! `target/test-artifacts/`.

use crate::common::{Server, PASSWORD};
use base64::Engine;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use thidua_domain::entry::Period;
use thidua_domain::eval::Status;
use thidua_domain::plan::{Kind, Plan};

struct Driver {
    http: reqwest::Client,
    url: String,
    process: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

struct Browser<'a> {
    d: &'a Driver,
    session: String,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver() -> Driver {
    let path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("chromedriver is missing: scripts/test.sh installs Debian's chromium and chromium-driver");
    let port = free_port();
    let process = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let d = Driver {
        http: reqwest::Client::new(),
        url: format!("http://127.0.0.1:{port}"),
        process,
    };
    for _ in 0..100 {
        if d.http.get(format!("{}/status", d.url)).send().await.is_ok() {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

impl Driver {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if let Some(err) = v["value"].get("error") {
            panic!("webdriver {path}: {err} {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    async fn open(&self, base: &str, profile: &std::path::Path) -> Browser<'_> {
        self.open_sized(base, profile, 1280, 1800).await
    }

    async fn open_sized(
        &self,
        base: &str,
        profile: &std::path::Path,
        width: u32,
        height: u32,
    ) -> Browser<'_> {
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic", format!("--window-size={width},{height}"), format!("--user-data-dir={}", profile.display())]
        }}}});
        let v = self.call(reqwest::Method::POST, "/session", Some(caps)).await;
        Browser {
            d: self,
            session: v["sessionId"].as_str().unwrap().to_string(),
            base: base.to_string(),
        }
    }
}

impl Browser<'_> {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.d
            .call(method, &format!("/session/{}{path}", self.session), body)
            .await
    }
    async fn go(&self, path: &str) {
        self.cmd(
            reqwest::Method::POST,
            "/url",
            Some(json!({"url": format!("{}{path}", self.base)})),
        )
        .await;
    }
    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }
    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
    }
    async fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/clear"),
            Some(json!({})),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }
    async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{e}/text"), None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }
    async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }
    async fn current_path(&self) -> String {
        let url = self
            .cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_string();
        url.trim_start_matches(&self.base).to_string()
    }
    async fn screenshot(&self, name: &str) {
        let b64 = self
            .cmd(reqwest::Method::GET, "/screenshot", None)
            .await
            .as_str()
            .unwrap()
            .to_string();
        let png = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
    /// Waits (up to 10 s) until the browser is on a page whose path satisfies `ok`: a click
    /// that submits a form may return before the next page has loaded.
    async fn wait_path(&self, ok: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            let p = self.current_path().await;
            if ok(&p)
                && self
                    .cmd(
                        reqwest::Method::POST,
                        "/execute/sync",
                        Some(json!({"script": "return document.readyState", "args": []})),
                    )
                    .await
                    == "complete"
            {
                return p;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "the browser stayed on {} — {}",
            self.current_path().await,
            self.source().await
        );
    }
    async fn sign_in(&self, username: &str) {
        self.go("/dang-nhap").await;
        self.type_in("#username", username).await;
        self.type_in("#password", PASSWORD).await;
        self.click("form.stack button[type=submit]").await;
        self.wait_path(|p| !p.starts_with("/dang-nhap")).await;
    }
    async fn sign_out(&self) {
        self.click("header .who button[type=submit]").await;
        self.wait_path(|p| p.starts_with("/dang-nhap")).await;
    }
    /// What the page wrote to the console since the last call (errors, CSP refusals).
    async fn console(&self) -> Vec<String> {
        self.cmd(reqwest::Method::POST, "/se/log", Some(json!({"type": "browser"})))
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|e| e["level"] != "DEBUG" && e["level"] != "INFO")
            .map(|e| e["message"].as_str().unwrap_or("").to_string())
            .collect()
    }
    /// The page printed by the browser (its print stylesheet), as PDF.
    async fn print(&self) -> Vec<u8> {
        let b64 = self
            .cmd(reqwest::Method::POST, "/print", Some(json!({})))
            .await
            .as_str()
            .unwrap()
            .to_string();
        base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
    }
    async fn close(self) {
        self.cmd(reqwest::Method::DELETE, "", None).await;
    }
}

/// The overview's H01 row, filtered to one group, and the status shown for one indicator.
fn cell_status(page: &str, indicator_name: &str) -> String {
    let header_cells: Vec<&str> = page
        .split("<th scope=\"col\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    let col = header_cells
        .iter()
        .position(|h| h.starts_with(indicator_name))
        .expect("the indicator's column");
    let row = page
        .split("<tr>")
        .find(|r| r.contains(">H01<"))
        .expect("the H01 row");
    let cell = row.split("<td").nth(col + 1).unwrap();
    // the cell's text without its tags
    let cell = cell.split_once('>').unwrap().1.split("</td>").next().unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in cell.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_submits_the_office_returns_the_unit_resubmits_the_office_verifies() {
    let srv = Server::start().await;
    // A yes/no indicator H01 meets today, and a quarter it has not reported: reporting
    // "không đạt" for it changes the status the overview shows.
    let plan = Plan::built_in();
    let store = srv.store();
    let unit = store.unit("H01").unwrap().unwrap();
    let heads = store.evaluate(&plan, plan.period_to.end()).unwrap();
    let h = heads
        .iter()
        .filter(|h| h.unit.code == "H01")
        .max_by_key(|h| h.head.from)
        .unwrap();
    let ind = plan
        .indicators
        .iter()
        .find(|i| {
            i.kind == Kind::Boolean
                && h.indicator(&i.code).is_some_and(|r| r.status == Status::Dat)
                && store
                    .entry_list(&thidua_store::workflow::EntryFilter {
                        unit_id: Some(unit.id),
                        indicator: Some(i.code.clone()),
                        ..Default::default()
                    })
                    .unwrap()
                    .iter()
                    .all(|e| {
                        !Period::parse(&e.period)
                            .unwrap()
                            .overlaps(Period::Quarter(2023, 4))
                    })
        })
        .expect("a met yes/no indicator without an entry for the fourth quarter's months");
    drop(store);
    let overview = format!("/tong-quan?q=ba+ria&nhom={}", ind.group);

    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = driver.open(&srv.base, profile.path()).await;

    b.sign_in("sonoivu").await;
    b.go(&overview).await;
    assert!(cell_status(&b.source().await, &ind.name).starts_with("Đạt"));
    b.sign_out().await;

    // the unit enters "không đạt" for Q4 with an evidence file and submits
    let evidence = srv.dir.path().join("bien-ban-kiem-tra.pdf");
    std::fs::write(&evidence, crate::common::pdf_bytes()).unwrap();
    b.sign_in("donvi").await;
    b.go("/so-lieu/nhap").await;
    b.click(&format!("#chi_tieu option[value=\"{}\"]", ind.code))
        .await;
    b.click("#ky option[value=\"2023-Q4\"]").await;
    b.type_in("#gia_tri", "không đạt").await;
    b.type_in("#ghi_chu", "Kiểm tra quý IV chưa đạt").await;
    let file_input = b.find("#minh_chung").await;
    b.cmd(
        reqwest::Method::POST,
        &format!("/element/{file_input}/value"),
        Some(json!({"text": evidence.display().to_string()})),
    )
    .await;
    b.click("button[value=gui]").await;
    let entry_path = b
        .wait_path(|p| p.starts_with("/so-lieu/") && p.contains("?tb="))
        .await
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(b.text("#trang-thai").await, "Đã gửi, chờ xác nhận");
    assert!(b.source().await.contains("bien-ban-kiem-tra.pdf"));
    b.sign_out().await;

    // the office returns it with a reason
    b.sign_in("sonoivu").await;
    b.go(&entry_path).await;
    b.type_in("#ly_do", "Đề nghị bổ sung biên bản có chữ ký").await;
    b.click("button.danger").await;
    // the office goes on to the next waiting entry, told what happened to this one
    b.wait_path(|p| p.contains("tb=da_tra_lai")).await;
    assert!(b.source().await.contains("Đã trả lại số liệu"));
    b.go(&entry_path).await;
    assert_eq!(b.text("#trang-thai").await, "Bị trả lại");
    b.sign_out().await;

    // the unit sees the reason and resubmits
    b.sign_in("donvi").await;
    b.go(&entry_path).await;
    assert!(b.source().await.contains("Đề nghị bổ sung biên bản có chữ ký"));
    b.click("a.button[href^=\"/so-lieu/nhap\"]").await;
    b.wait_path(|p| p.starts_with("/so-lieu/nhap")).await;
    assert!(
        b.source().await.contains("Đề nghị bổ sung biên bản có chữ ký"),
        "the reason beside the form"
    );
    b.type_in("#ghi_chu", "Đã bổ sung biên bản").await;
    b.click("button[value=gui]").await;
    b.wait_path(|p| p.contains("tb=da_gui")).await;
    assert_eq!(b.text("#trang-thai").await, "Đã gửi, chờ xác nhận");
    b.sign_out().await;

    // the office verifies; the overview shows the new status, no longer provisional
    b.sign_in("sonoivu").await;
    b.go(&entry_path).await;
    b.click("form[action$=\"/xac-nhan\"] button").await;
    b.wait_path(|p| p.contains("tb=da_xac_nhan")).await;
    b.go(&entry_path).await;
    assert_eq!(b.text("#trang-thai").await, "Đã xác nhận");
    b.go(&overview).await;
    let status = cell_status(&b.source().await, &ind.name);
    assert_eq!(status, "Không đạt", "the overview shows the verified value");
    b.go("/tong-quan").await;
    b.screenshot("tong-quan.png").await;
    b.go("/don-vi/H01").await;
    b.screenshot("don-vi-H01.png").await;
    b.close().await;
}

/// Uploads a PDF as the nomination's document `code` from its page `path`.
async fn upload(b: &Browser<'_>, srv: &Server, path: &str, code: &str) {
    let file = srv.dir.path().join(format!("{code}.pdf"));
    std::fs::write(&file, crate::common::pdf_bytes()).unwrap();
    b.click(&format!("#loai_tai_lieu option[value=\"{code}\"]")).await;
    let input = b.find("#tep").await;
    b.cmd(
        reqwest::Method::POST,
        &format!("/element/{input}/value"),
        Some(json!({"text": file.display().to_string()})),
    )
    .await;
    b.click("form[action$=\"/tai-lieu\"] button").await;
    b.wait_path(|p| p.contains("tb=da_tai_tai_lieu")).await;
    assert!(b.source().await.contains(&format!("{code}.pdf")));
    b.go(path).await;
}

/// Issue 14: a commune's nomination goes through its district (the plan's proposing level)
/// in the browser: the commune submits its report, the district adds its own papers and
/// forwards it, the office receives it with them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commune_s_nomination_goes_through_its_district_in_the_browser() {
    use thidua_domain::nomination::NominationState;
    let srv = Server::start().await;
    let (head, _) = crate::common::communes_of(&srv, "H01", "H02");
    crate::common::add_unit_user(&srv, "xa_h01", &head.unit.code);
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = driver.open(&srv.base, profile.path()).await;

    b.sign_in("xa_h01").await;
    b.go("/de-nghi").await;
    b.click(&format!("#tu_ngay option[value=\"{}\"]", head.head.from.iso()))
        .await;
    b.click("form[action=\"/de-nghi\"] button").await;
    let path = b
        .wait_path(|p| p.starts_with("/de-nghi/") && p.contains("tb="))
        .await
        .split('?')
        .next()
        .unwrap()
        .to_string();
    // the commune uploads its own report; the district's papers are not offered to it
    assert!(!b.source().await.contains("<option value=\"to_trinh\">"));
    upload(&b, &srv, &path, "bao_cao_thanh_tich").await;
    b.click("form[action$=\"/nop\"] button").await;
    b.wait_path(|p| p.contains("tb=")).await;
    assert_eq!(b.text("#trang-thai").await, NominationState::ChoCapTrinh.vi());
    b.sign_out().await;

    // the district finds it in its queue, adds its tờ trình and minutes, and forwards it
    b.sign_in("donvi").await;
    b.go("/de-nghi").await;
    assert!(
        b.source().await.contains(&head.head.name),
        "in the district's queue"
    );
    b.go(&path).await;
    for code in ["to_trinh", "bien_ban"] {
        upload(&b, &srv, &path, code).await;
    }
    b.type_in("#ly_do_de_nghi", "UBND thành phố Bà Rịa đề nghị.")
        .await;
    b.click("form[action$=\"/cap-trinh-de-nghi\"] button").await;
    b.wait_path(|p| p.contains("tb=")).await;
    assert_eq!(b.text("#trang-thai").await, NominationState::DaNop.vi());
    b.screenshot("de-nghi-qua-cap-huyen.png").await;
    b.sign_out().await;

    // the province receives it with the district's papers
    b.sign_in("sonoivu").await;
    b.go(&path).await;
    let page = b.source().await;
    assert!(page.contains("to_trinh.pdf") && page.contains("bao_cao_thanh_tich.pdf"));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nomination_goes_from_the_unit_to_the_honour_board_in_the_browser() {
    let srv = Server::start().await;
    let (_, head) = crate::common::eligible_unit_account(&srv, "daumoi");
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = driver.open(&srv.base, profile.path()).await;

    // the unit opens its head's nomination, uploads the three documents and submits
    b.sign_in("daumoi").await;
    b.go("/de-nghi").await;
    b.click(&format!("#tu_ngay option[value=\"{}\"]", head.head.from.iso()))
        .await;
    b.click("form[action=\"/de-nghi\"] button").await;
    let path = b
        .wait_path(|p| p.starts_with("/de-nghi/") && p.contains("tb="))
        .await
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(
        b.source().await.contains("id=\"ket-qua-danh-gia\">Đủ điều kiện<"),
        "the evaluation beside the form"
    );
    for code in ["to_trinh", "bien_ban", "bao_cao_thanh_tich"] {
        upload(&b, &srv, &path, code).await;
    }
    b.click("form[action$=\"/nop\"] button").await;
    b.wait_path(|p| p.contains("tb=")).await;
    assert_eq!(b.text("#trang-thai").await, "Đã nộp, chờ Sở Nội vụ kiểm tra");
    b.sign_out().await;

    // the office forwards, the Board appraises, the leader approves, the office publishes
    b.sign_in("sonoivu").await;
    b.go(&path).await;
    b.click("#ket_luan option[value=\"du_dieu_kien\"]").await;
    b.click("form[action$=\"/chuyen\"] button").await;
    b.wait_path(|p| p.contains("tb=")).await;
    b.sign_out().await;
    b.sign_in("bantdkt").await;
    b.go(&path).await;
    assert_eq!(
        b.text("#ket-luan-so-noi-vu").await,
        "Đủ điều kiện",
        "the office's verdict reaches the Board"
    );
    b.type_in("#ly_do_td", "Đề nghị khen thưởng").await;
    b.click("form[action$=\"/tham-dinh\"] button").await;
    b.wait_path(|p| p.contains("tb=")).await;
    b.sign_out().await;
    b.sign_in("lanhdao").await;
    b.go(&path).await;
    // a note (a reason when the head is outside the ranking's suggestions)
    b.type_in("#ghi_chu", "Thành tích nổi bật trong năm.").await;
    b.click("form[action$=\"/phe-duyet\"] button").await;
    b.wait_path(|p| p.contains("tb=")).await;
    assert_eq!(b.text("#trang-thai").await, "Được phê duyệt khen thưởng");
    b.sign_out().await;
    b.sign_in("sonoivu").await;
    // the decision the Chairman signed is recorded, holding every approval, then published
    b.go("/quyet-dinh").await;
    b.type_in("#so_quyet_dinh", "321/QĐ-UBND").await;
    b.type_in("#ngay_quyet_dinh", "06/02/2024").await;
    b.click("form[action=\"/quyet-dinh\"] button").await;
    b.wait_path(|p| p.contains("tb=da_ghi")).await;
    b.click("form[action$=\"/cong-bo\"] button").await;
    b.wait_path(|p| p.contains("tb=da_cong_bo")).await;
    b.screenshot("quyet-dinh.png").await;
    b.sign_out().await;

    // the public honour board, without signing in
    b.go("/bang-vang").await;
    let page = b.source().await;
    assert!(page.contains(&head.head.name) && page.contains("Quyết định số 321/QĐ-UBND ngày 06/02/2024"));
    b.screenshot("bang-vang.png").await;
    b.close().await;
}

/// Runs a script in the page and returns its value.
async fn eval(b: &Browser<'_>, script: &str) -> Value {
    b.cmd(
        reqwest::Method::POST,
        "/execute/sync",
        Some(json!({"script": script, "args": []})),
    )
    .await
}

/// The page's visible text without what is meant to be typed as is (`code`, `kbd`) and
/// without file names (a document keeps the name it was uploaded with).
const VISIBLE_TEXT: &str = r#"
const main = document.body.cloneNode(true);
main.querySelectorAll('code, kbd, samp, script, style, title, .sr-only').forEach(e => e.remove());
document.body.appendChild(main); main.style.display = 'block';
const t = main.innerText; main.remove();
return t.replace(/\S+\.(pdf|docx|xlsx|csv|png|jpe?g)\b/gi, ' ');
"#;

/// Words of English a page must not show (labels exist for all of them).
const ENGLISH: &[&str] = &[
    "Reason",
    "Status",
    "Error",
    "error",
    "null",
    "undefined",
    "true",
    "false",
    "None",
    "Submit",
    "Save",
    "Delete",
    "Cancel",
    "Next",
    "Previous",
    "Unit",
    "Indicator",
    "Period",
    "Draft",
    "Returned",
    "Verified",
];

/// Every page of every role, at a phone's width and a desktop's: nothing wider than the
/// screen, no snake_case code or English word in the visible text, no message in the
/// console (a CSP refusal of an inline style or script is one); the home pages and the
/// overview kept as screenshots. Then the pages people print, printed to PDF through the
/// browser: landscape, every column, no navigation, the plan and the as-of on every sheet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_speaks_vietnamese_and_prints_in_landscape() {
    let srv = Server::start().await;
    let store = srv.store();
    let entry = store
        .entry_page(&thidua_store::queue::EntryQuery {
            unit_code: Some("H01".into()),
            page: 1,
            per_page: 1,
            ..Default::default()
        })
        .unwrap()
        .0[0]
        .id;
    let nomination = store.nominations("cchc-2023", None).unwrap()[0].id;
    let thread = store.threads(None).unwrap()[0].id;
    let head = {
        let plan = thidua_domain::plan::Plan::built_in();
        let heads = store.evaluate(&plan, plan.period_to.end()).unwrap();
        let h = heads.iter().find(|h| h.unit.code == "H01").unwrap();
        format!("/danh-gia/H01/{}", h.head.from.iso())
    };
    drop(store);
    let (entry, nomination, thread) = (
        format!("/so-lieu/{entry}"),
        format!("/de-nghi/{nomination}"),
        format!("/kien-nghi/{thread}"),
    );
    let officials = [
        "/",
        "/tong-quan",
        "/xep-hang",
        "/canh-bao",
        "/de-nghi",
        "/kien-nghi",
        "/don-vi/H01",
        "/mat-khau",
        head.as_str(),
        nomination.as_str(),
        thread.as_str(),
    ];
    let office: Vec<&str> = officials
        .iter()
        .copied()
        .chain([
            "/so-lieu",
            "/so-lieu?trang_thai=tat_ca",
            entry.as_str(),
            "/quyet-dinh",
            "/nhap-du-lieu",
            "/cai-dat",
            "/nhat-ky",
            "/quan-tri/lich",
            "/quan-tri/ke-hoach",
            "/quan-tri/don-vi",
        ])
        .collect();
    let unit = [
        "/",
        "/don-vi/H01",
        "/so-lieu",
        entry.as_str(),
        "/so-lieu/nhap",
        "/nhap-du-lieu",
        "/de-nghi",
        "/kien-nghi",
        thread.as_str(),
        "/mat-khau",
        head.as_str(),
        "/xep-hang",
    ];
    let roles: Vec<(Option<&str>, Vec<&str>)> = vec![
        (None, vec!["/bang-vang", "/tien-do", "/khen-thuong", "/dang-nhap"]),
        (Some("sonoivu"), office),
        (Some("bantdkt"), officials.to_vec()),
        (Some("lanhdao"), officials.to_vec()),
        (Some("donvi"), unit.to_vec()),
        (
            Some("thutruong"),
            vec!["/", "/don-vi/H01", "/so-lieu", "/de-nghi", "/mat-khau"],
        ),
        (
            Some("quantri"),
            vec![
                "/",
                "/quan-tri/tai-khoan",
                "/quan-tri/don-vi",
                "/quan-tri/ke-hoach",
                "/quan-tri/lich",
                "/cai-dat",
                "/nhat-ky",
                "/mat-khau",
            ],
        ),
    ];
    let snake = regex_lite_snake();
    let driver = start_driver().await;
    let mut problems = Vec::new();
    for (width, height) in [(390, 844), (1280, 900)] {
        let profile = tempfile::tempdir().unwrap();
        let b = driver.open_sized(&srv.base, profile.path(), width, height).await;
        for (who, pages) in &roles {
            if let Some(u) = who {
                b.sign_in(u).await;
            }
            for page in pages {
                b.go(page).await;
                let title = b.text("h1").await;
                assert!(!title.contains("mã lỗi"), "{who:?} {page}: {title}");
                let tab = eval(&b, "return document.title").await;
                let tab = tab.as_str().unwrap();
                if tab.contains('<') || tab.chars().count() > 160 || !tab.ends_with("Thi Đua CCHC") {
                    problems.push(format!("{who:?} {page}: the tab's title is «{tab}»"));
                }
                let (scroll, inner) = (
                    eval(&b, "return document.documentElement.scrollWidth").await,
                    eval(&b, "return window.innerWidth").await,
                );
                if scroll.as_i64() > inner.as_i64() {
                    problems.push(format!("{who:?} {page} at {width} px: {scroll} px wide"));
                }
                let text = eval(&b, VISIBLE_TEXT).await.as_str().unwrap().to_string();
                for token in snake(&text) {
                    problems.push(format!("{who:?} {page}: code «{token}» on screen"));
                }
                for word in text.split(|c: char| !c.is_alphanumeric()) {
                    if ENGLISH.contains(&word) {
                        problems.push(format!("{who:?} {page}: English «{word}»"));
                    }
                }
                for entry in b.console().await {
                    problems.push(format!("{who:?} {page}: console: {entry}"));
                }
                if width == 390 && (*page == "/" || *page == "/tong-quan" || *page == "/bang-vang") {
                    let name = format!(
                        "dien-thoai-{}-{}.png",
                        who.unwrap_or("khach"),
                        page.trim_matches('/').replace('/', "-")
                    );
                    b.screenshot(&name.replace("-.png", "-trang-chu.png")).await;
                }
            }
            if who.is_some() {
                b.go("/mat-khau").await;
                b.sign_out().await;
            }
        }
        // the unit page's charts are readable at their size
        if width == 390 {
            b.sign_in("sonoivu").await;
            b.go("/don-vi/H01").await;
            let px = eval(&b, "const t = document.querySelector('svg.chart text'); return t ? t.getBoundingClientRect().height : 99").await;
            assert!(
                px.as_f64().unwrap() >= 10.0,
                "chart labels {px} px high on a phone"
            );
            b.sign_out().await;
        }
        b.close().await;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // printed: landscape, every indicator column, no navigation, the head on every sheet
    let profile = tempfile::tempdir().unwrap();
    let b = driver.open(&srv.base, profile.path()).await;
    b.sign_in("sonoivu").await;
    let plan = thidua_domain::plan::Plan::built_in();
    for page in [
        "/tong-quan",
        "/xep-hang",
        "/don-vi/H01",
        "/so-lieu?trang_thai=tat_ca",
    ] {
        b.go(page).await;
        let pdf = b.print().await;
        let name = format!("in-{}.pdf", page.trim_matches('/').replace(['/', '?', '='], "-"));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
        std::fs::write(dir.join(&name), &pdf).unwrap();
        let info = Command::new("pdfinfo").arg(dir.join(&name)).output().unwrap();
        let info = String::from_utf8_lossy(&info.stdout).to_string();
        let size = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .unwrap()
            .to_string();
        let dims: Vec<f64> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        assert!(dims[0] > dims[1], "{page} prints in landscape: {size}");
        let pages: usize = info
            .lines()
            .find(|l| l.starts_with("Pages:"))
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap();
        for n in 1..=pages {
            let text = Command::new("pdftotext")
                .args(["-f", &n.to_string(), "-l", &n.to_string(), "-layout"])
                .arg(dir.join(&name))
                .arg("-")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&text.stdout).to_string();
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat.contains("tính đến") || flat.contains("in lúc"),
                "{page}, sheet {n} of {pages}: no head\n{flat}"
            );
            assert!(
                !flat.contains("Đăng xuất") && !flat.contains("Việc cần làm"),
                "{page}: the navigation is printed"
            );
        }
        if page == "/tong-quan" {
            let all = Command::new("pdftotext")
                .arg(dir.join(&name))
                .arg("-")
                .output()
                .unwrap();
            let flat = String::from_utf8_lossy(&all.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let last = plan.indicators.last().unwrap();
            let words: Vec<&str> = last.name.split_whitespace().take(2).collect();
            assert!(
                flat.contains(&words.join(" ")),
                "the last column ({}) is printed",
                last.name
            );
        }
    }
    b.close().await;
}

/// The snake_case tokens of a text (lower-case words joined by underscores).
fn regex_lite_snake() -> impl Fn(&str) -> Vec<String> {
    |text: &str| {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| {
                w.contains('_')
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                    && w.split('_').filter(|p| !p.is_empty()).count() >= 2
            })
            .map(str::to_string)
            .collect()
    }
}

/// Issue 15 items 1 and 4 in the browser: the office filters its queue, pages through it,
/// chooses entries and verifies them at once after a confirmation; a leader approving a head
/// outside the ranking's suggestions writes why, and later readers see it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_verifies_a_filtered_selection_and_a_leader_explains_an_approval_outside_the_list() {
    use thidua_domain::entry::EntryState;
    use thidua_store::queue::EntryQuery;
    let srv = Server::start().await;
    // a unit with at least two entries waiting
    let waiting = srv
        .store()
        .entry_page(&EntryQuery {
            state: Some(EntryState::DaGui),
            page: 1,
            per_page: 500,
            ..Default::default()
        })
        .unwrap()
        .0;
    let unit = waiting
        .iter()
        .map(|e| e.unit_code.clone())
        .find(|u| waiting.iter().filter(|e| &e.unit_code == u).count() >= 2)
        .expect("a unit with two entries waiting");
    // a head beyond the suggestions, appraised and waiting for the leaders
    let (plan, heads) = crate::award::evaluation(&srv);
    let suggested = thidua_domain::rank::suggested(&heads, &plan.award);
    let taken = crate::award::nominated_units(&srv);
    let h = heads
        .iter()
        .find(|h| h.eligible && !taken.contains(&h.unit.code) && !suggested.contains(h))
        .expect("an eligible head beyond the suggestions")
        .clone();
    let nomination = crate::award::appraised_nomination(&mut srv.store(), &plan, &heads, &h);

    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = driver.open(&srv.base, profile.path()).await;
    b.sign_in("sonoivu").await;
    b.go("/so-lieu").await;
    // paging keeps the filters
    b.click("#trang_thai option[value=\"tat_ca\"]").await;
    b.click("form.filters button").await;
    b.wait_path(|p| p.contains("trang_thai=tat_ca")).await;
    b.click("nav.pages a").await;
    let paged = b.wait_path(|p| p.contains("trang=2")).await;
    assert!(paged.contains("trang_thai=tat_ca"), "{paged}");
    // the unit's waiting entries: filtered, remembered in the address
    b.go("/so-lieu").await;
    b.click(&format!("#don_vi option[value=\"{unit}\"]")).await;
    b.click("form.filters button").await;
    let filtered = b.wait_path(|p| p.contains("don_vi=")).await;
    assert!(filtered.contains(&format!("don_vi={unit}")), "{filtered}");
    // two chosen, confirmed, verified together
    let boxes = b
        .cmd(
            reqwest::Method::POST,
            "/elements",
            Some(json!({"using": "css selector", "value": "input[type=checkbox][form=\"chon-xac-nhan\"]"})),
        )
        .await;
    let boxes: Vec<String> = boxes
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e.as_object()
                .unwrap()
                .values()
                .next()
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(boxes.len() >= 2, "{} checkboxes", boxes.len());
    let mut chosen = Vec::new();
    for e in &boxes[..2] {
        b.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
        let v = b
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{e}/property/value"),
                None,
            )
            .await;
        chosen.push(v.as_str().unwrap().parse::<i64>().unwrap());
    }
    b.click("#chon-xac-nhan button").await;
    b.wait_path(|p| p.starts_with("/so-lieu/xac-nhan-nhieu")).await;
    assert_eq!(b.text("h1").await, "Xác nhận 2 số liệu?");
    b.screenshot("xac-nhan-nhieu.png").await;
    b.click("form[action=\"/so-lieu/xac-nhan-nhieu\"] button").await;
    // (not the confirmation page itself, which is also under /so-lieu/: under load the
    // check ran before the form was sent)
    b.wait_path(|p| {
        (p.starts_with("/so-lieu?") || p.starts_with("/so-lieu/"))
            && !p.starts_with("/so-lieu/xac-nhan-nhieu")
    })
    .await;
    assert!(b.source().await.contains("Đã xác nhận 2 số liệu."));
    for id in &chosen {
        assert_eq!(
            srv.store().entry(*id).unwrap().unwrap().state,
            EntryState::DaXacNhan
        );
    }
    b.sign_out().await;

    // the leader's queue ranks the heads; outside the list, approving asks why
    b.sign_in("lanhdao").await;
    b.go("/de-nghi").await;
    let queue = b.source().await;
    for column in ["Thứ hạng", "Điểm ưu tiên", "Đề xuất theo xếp hạng"] {
        assert!(queue.contains(column), "{column}");
    }
    b.go(&format!("/de-nghi/{nomination}")).await;
    assert!(b
        .source()
        .await
        .contains("không thuộc danh sách đề xuất theo xếp hạng"));
    let required = b
        .cmd(
            reqwest::Method::GET,
            &format!("/element/{}/property/required", b.find("#ghi_chu").await),
            None,
        )
        .await;
    assert_eq!(
        required,
        json!(true),
        "the reason is required before the form goes"
    );
    let reason = "Thành tích đột xuất trong chuyển đổi số";
    b.type_in("#ghi_chu", reason).await;
    b.click("form[action$=\"/phe-duyet\"] button").await;
    b.wait_path(|p| p.contains("tb=")).await;
    b.sign_out().await;
    b.sign_in("sonoivu").await;
    b.go(&format!("/de-nghi/{nomination}")).await;
    assert!(
        b.text("#ly-do-phe-duyet").await.contains(reason),
        "shown to later readers"
    );
    b.screenshot("phe-duyet-ngoai-de-xuat.png").await;
    b.close().await;
}
