//! The generated documents in the form of Nghị định 30/2020, read the way an office reads
//! them: DOCX → PDF through LibreOffice, then the text of each page (`pdftotext`) and the
//! DOCX XML. Issuing bodies and place names for a provincial agency, a district and a
//! commune; page numbers from page 2; repeated table headers and rows that never split;
//! "Nơi nhận"; the decision's cash award on two dates; the annex on its own page; no score
//! or rank in Mẫu 07; no tờ trình without a nomination; required settings; the heads'
//! particulars form.

use crate::award::docx_text;
use crate::common::Server;
use reqwest::StatusCode;
use thidua_domain::plan::Plan;
use thidua_store::audit::Actor;

/// The pages of a DOCX as LibreOffice lays them out, as text.
pub(crate) fn pdf_pages(name: &str, bytes: &[u8]) -> Vec<String> {
    let soffice = ["/usr/bin/soffice", "/usr/bin/libreoffice"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("LibreOffice is missing: scripts/test.sh installs libreoffice-writer-nogui");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.docx"));
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}/profile",
            dir.path().display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pdf = dir.path().join(format!("{name}.pdf"));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"), "{name}.pdf");
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    let _ = std::fs::create_dir_all(&artifacts);
    let _ = std::fs::copy(&pdf, artifacts.join(format!("{name}.pdf")));
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&text.stdout)
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn document_xml(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    xml
}

/// The run properties of the run holding `text`.
fn run_props<'a>(xml: &'a str, text: &str) -> &'a str {
    let at = xml
        .find(&format!(">{text}<"))
        .unwrap_or_else(|| panic!("{text} in the XML"));
    let start = xml[..at].rfind("<w:r>").expect("a run");
    &xml[start..at]
}

fn first_line(page: &str) -> String {
    page.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// Page numbers: none on page 1, then 2, 3… centred at the top of each page.
fn numbered_from_page_two(name: &str, pages: &[String]) {
    assert!(pages.len() >= 2, "{name}: {} page(s)", pages.len());
    assert_ne!(first_line(&pages[0]), "1", "{name}: page 1 carries no number");
    for (i, p) in pages.iter().enumerate().skip(1) {
        assert_eq!(first_line(p), (i + 1).to_string(), "{name}: page {}", i + 1);
    }
}

/// The form every table keeps: the header row repeats, no row splits.
fn tables_keep_their_form(name: &str, xml: &str) {
    let rows = xml.matches("<w:tr>").count();
    assert!(xml.contains("<w:tblHeader />"), "{name}: a repeated header row");
    assert!(
        xml.matches("<w:cantSplit />").count() + 1 >= rows,
        "{name}: rows never split ({} of {rows})",
        xml.matches("<w:cantSplit />").count()
    );
    assert!(
        xml.contains("<w:titlePg"),
        "{name}: page 1 has its own (empty) header"
    );
}

#[tokio::test]
async fn every_document_is_in_the_legal_form_of_decree_30() {
    let srv = Server::start().await;
    let plan = Plan::built_in();
    let heads = srv.store().evaluate(&plan, plan.period_to.end()).unwrap();
    let commune = heads
        .iter()
        .find(|h| h.unit.tier == "xa" && h.months.len() >= 6)
        .expect("an evaluated commune head");
    let commune_unit = srv.store().unit(&commune.unit.code).unwrap().unwrap();
    assert!(commune_unit.parent.is_some(), "a commune under its district");
    let mut office = srv.signed_in("sonoivu").await;

    // Mẫu 07 of a provincial agency, a district and a commune: body, parent line, place
    let cases = [
        (
            "S03",
            "UBND TỈNH BÀ RỊA - VŨNG TÀU",
            "SỞ TƯ PHÁP".to_string(),
            "Bà Rịa - Vũng Tàu, ngày".to_string(),
        ),
        (
            "H01",
            "",
            "ỦY BAN NHÂN DÂN THÀNH PHỐ BÀ RỊA".to_string(),
            "Bà Rịa, ngày".to_string(),
        ),
        (
            commune.unit.code.as_str(),
            "",
            format!(
                "ỦY BAN NHÂN DÂN {}",
                commune.unit.name.trim_start_matches("UBND ").to_uppercase()
            ),
            format!(
                "{}, ngày",
                thidua_app::documents::place_of(commune.unit.name.trim_start_matches("UBND "))
            ),
        ),
    ];
    for (unit, parent, name, place) in cases {
        let r = office.get(&format!("/van-ban/mau07/{unit}")).await;
        assert_eq!(r.status, StatusCode::OK, "{unit}: {}", r.body);
        let text = docx_text(&r.bytes);
        assert!(text.contains(&name), "{unit}: {name} in {text}");
        assert!(text.contains(&place), "{unit}: {place} in {text}");
        let head = &text[..text.find("CỘNG HÒA").unwrap()];
        if parent.is_empty() {
            assert_eq!(head.trim(), name, "{unit}: the body alone, no parent line");
        } else {
            assert!(text.contains(parent), "{unit}: {parent}");
        }
        // the counts as evidence, the particulars; no score, no rank, nothing provisional
        assert!(text.contains("hồ sơ giải quyết đúng hạn /"), "{unit}: the counts");
        assert!(
            text.contains("Ngày, tháng, năm sinh:") && text.contains("Quê quán:"),
            "{unit}"
        );
        for banned in ["Điểm ưu tiên", "xếp thứ", "tạm tính", "……"] {
            assert!(!text.contains(banned), "{unit}: «{banned}» in Mẫu 07");
        }
        let xml = document_xml(&r.bytes);
        tables_keep_their_form(unit, &xml);
        assert!(!xml.contains("———"), "{unit}: rules, not typed dashes");
        assert!(
            xml.contains("<w:pBdr><w:top w:val=\"single\""),
            "{unit}: a solid rule"
        );
        let pages = pdf_pages(&format!("mau07-{unit}"), &r.bytes);
        numbered_from_page_two(unit, &pages);
        assert!(pages[0].contains(&place), "{unit}: {place} on page 1");
    }

    // the Board's tờ trình: its number, date, parent line, Nơi nhận, signer from settings
    let r = office.get("/van-ban/to-trinh?so=15&ngay=10/01/2024").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = docx_text(&r.bytes);
    for needle in [
        "SỞ NỘI VỤ",
        "BAN THI ĐUA - KHEN THƯỞNG",
        "Số: 15/TTr-BTĐKT",
        "Bà Rịa - Vũng Tàu, ngày 10 tháng 01 năm 2024",
        "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu.",
        "- Như trên;",
        "- Lưu: VT, BTĐKT.",
        "PHÓ TRƯỞNG BAN",
        "Lê Thị Hồng Nhung",
    ] {
        assert!(text.contains(needle), "tờ trình: {needle} in {text}");
    }
    let xml = document_xml(&r.bytes);
    let heading = run_props(&xml, "Nơi nhận:");
    assert!(
        heading.contains("<w:b />")
            && heading.contains("<w:i />")
            && heading.contains("<w:sz w:val=\"24\" />"),
        "Nơi nhận: bold italic 12 pt: {heading}"
    );
    let item = run_props(&xml, "- Lưu: VT, BTĐKT.");
    assert!(
        item.contains("<w:sz w:val=\"22\" />") && !item.contains("<w:b />"),
        "items 11 pt: {item}"
    );
    let props = &xml[xml[..xml.find(">Nơi nhận:<").unwrap()].rfind("<w:pPr>").unwrap()..];
    assert!(
        props[..props.find("</w:pPr>").unwrap()].contains("<w:jc w:val=\"left\""),
        "Nơi nhận is left: {props:.300}"
    );
    tables_keep_their_form("to-trinh", &xml);
    let pages = pdf_pages("to-trinh", &r.bytes);
    numbered_from_page_two("to-trinh", &pages);

    // the decision on two dates: the base salary in force on each, the laws with dates
    let approved: Vec<_> = srv
        .store()
        .nominations("cchc-2023", None)
        .unwrap()
        .into_iter()
        .filter(|n| n.state == "da_phe_duyet")
        .collect();
    assert!(!approved.is_empty());
    let n = approved.len() as i64;
    for (date, each, decree) in [
        ("15/01/2024", 1_800_000i64, "Nghị định số 24/2023/NĐ-CP"),
        ("15/08/2024", 2_340_000, "Nghị định số 73/2024/NĐ-CP"),
    ] {
        let r = office
            .get(&format!(
                "/van-ban/quyet-dinh?so=120&ngay={date}&tt_so=15&tt_ngay=10/01/2024"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let text = docx_text(&r.bytes);
        let vi = |v: i64| thidua_domain::num::Dec::from_int(v).vi();
        for needle in [
            "ỦY BAN NHÂN DÂN TỈNH BÀ RỊA - VŨNG TÀU".to_string(),
            "Số: 120/QĐ-UBND".to_string(),
            format!("là {} đồng", vi(each)),
            format!("{n} × {} đồng = {} đồng", vi(each), vi(each * n)),
            decree.to_string(),
            "Quỹ Thi đua, khen thưởng của tỉnh".to_string(),
            "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022".to_string(),
            "Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023".to_string(),
            "Xét đề nghị của Trưởng Ban Thi đua - Khen thưởng tại Tờ trình số 15/TTr-BTĐKT ngày 10/01/2024"
                .to_string(),
            "Điều 3. Quyết định này có hiệu lực kể từ ngày ký.".to_string(),
            "(Kèm theo Quyết định số 120/QĐ-UBND ngày ".to_string(),
        ] {
            assert!(text.contains(&needle), "decision of {date}: {needle} in {text}");
        }
        assert!(
            !text.contains("Giám đốc Sở Nội vụ tại"),
            "the Board proposes, not Sở Nội vụ"
        );
        assert!(!text.contains("(UBND cấp xã)") && !text.contains("(Cơ quan hành chính cấp tỉnh)"));
        for a in &approved {
            assert!(
                text.contains(&format!("Ông {}", a.head_name))
                    || text.contains(&format!("Bà {}", a.head_name)),
                "Ông/Bà {} in the annex",
                a.head_name
            );
        }
        let xml = document_xml(&r.bytes);
        assert!(xml.contains("<w:pageBreakBefore"), "the annex starts a page");
        let pages = pdf_pages("quyet-dinh", &r.bytes);
        numbered_from_page_two("quyet-dinh", &pages);
        let annex = pages
            .iter()
            .position(|p| p.lines().map(str::trim).filter(|l| !l.is_empty()).nth(1) == Some("DANH SÁCH"))
            .expect("a page that starts with the annex");
        assert!(annex >= 1 && !pages[annex - 1].contains("Cá nhân người đứng đầu được tặng"));
    }

    // the payment list: amounts as numbers at the base salary of the decision's date
    for (date, each) in [("15/01/2024", 1_800_000f64), ("15/08/2024", 2_340_000f64)] {
        use calamine::{Data, Reader, Xlsx};
        let r = office.get(&format!("/van-ban/chi-tien-thuong?ngay={date}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes)).unwrap();
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        let amounts: Vec<f64> = sheet
            .rows()
            .filter_map(|row| match row.get(3) {
                Some(Data::Float(f)) => Some(*f),
                Some(Data::Int(i)) => Some(*i as f64),
                _ => None,
            })
            .collect();
        assert_eq!(
            amounts.len() as i64,
            n + 1,
            "one row per awardee and the total: {amounts:?}"
        );
        assert!(
            amounts[..amounts.len() - 1].iter().all(|a| *a == each),
            "{date}: {amounts:?}"
        );
        assert_eq!(amounts[amounts.len() - 1], each * n as f64);
    }
    let mut unit = srv.signed_in("donvi").await;
    assert_eq!(
        unit.get("/van-ban/chi-tien-thuong").await.status,
        StatusCode::FORBIDDEN
    );

    // a bad date is refused on the form's page, never printed
    let r = office.get("/van-ban/quyet-dinh?ngay=30/02/2024").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("30/02/2024"));

    // a required setting left empty: refused with its name
    srv.store()
        .set_setting(&Actor::cli(), thidua_app::award::BOARD_SIGNER_KEY, "")
        .unwrap();
    let r = office.get("/van-ban/to-trinh").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Người ký tờ trình của Ban Thi đua - Khen thưởng"),
        "{}",
        r.body
    );
    srv.store()
        .set_setting(&Actor::cli(), thidua_app::award::PROVINCE_KEY, "")
        .unwrap();
    let r = office.get("/van-ban/mau07/H01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Tên tỉnh"), "{}", r.body);
}

#[tokio::test]
async fn no_tờ_trình_or_decision_without_nominations_only_a_working_list() {
    let srv = Server::start().await;
    {
        // a second plan year with no nomination at all
        srv.raw_sql(
            false,
            "DELETE FROM nomination_documents; DELETE FROM nomination_events; DELETE FROM nominations;",
        );
    }
    let mut office = srv.signed_in("sonoivu").await;
    for path in ["/van-ban/to-trinh", "/van-ban/quyet-dinh"] {
        let r = office.get(path).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(r.body.contains("không lập"), "{path}: {}", r.body);
    }
    let r = office.get("/van-ban/danh-sach-tham-khao").await;
    assert_eq!(r.status, StatusCode::OK);
    let text = docx_text(&r.bytes);
    assert!(text.contains("DANH SÁCH THAM KHẢO") && text.contains("không phải tờ trình hay quyết định"));
}

#[tokio::test]
async fn a_unit_enters_its_head_s_particulars_and_a_bad_form_keeps_what_was_typed() {
    let srv = Server::start().await;
    let plan = Plan::built_in();
    let heads = srv.store().evaluate(&plan, plan.period_to.end()).unwrap();
    let h = heads
        .iter()
        .filter(|h| h.unit.code == "H01")
        .max_by_key(|h| h.head.from)
        .unwrap();
    let path = format!("/danh-gia/H01/{}/ly-lich", h.head.from.iso());
    let mut unit = srv.signed_in("donvi").await;
    let r = unit
        .post_form(
            &path,
            &[
                ("gioi_tinh", "nu"),
                ("ngay_sinh", "31/02/1970"),
                ("que_quan", "Xuyên Mộc"),
                ("noi_o", ""),
                ("trinh_do_chuyen_mon", "Thạc sĩ Quản lý công"),
                ("ly_luan_chinh_tri", "Cao cấp"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for needle in [
        "Ngày sinh không phải ngày hợp lệ",
        "Hãy nhập nơi ở hiện nay.",
        "value=\"Xuyên Mộc\"",
        "value=\"31/02/1970\"",
        "<nav",
    ] {
        assert!(r.body.contains(needle), "{needle} in the re-rendered form");
    }
    let r = unit
        .post_form(
            &path,
            &[
                ("gioi_tinh", "nu"),
                ("ngay_sinh", "02/03/1970"),
                ("que_quan", "Xuyên Mộc"),
                ("noi_o", "Bà Rịa"),
                ("trinh_do_chuyen_mon", "Thạc sĩ Quản lý công"),
                ("ly_luan_chinh_tri", "Cao cấp"),
            ],
        )
        .await;
    assert!(
        r.status == StatusCode::SEE_OTHER || r.body.contains("Đã lưu lý lịch người đứng đầu."),
        "{} {}",
        r.status,
        r.body
            .lines()
            .filter(|l| l.contains("field-error") || l.contains("error-box"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let p = srv.store().particulars("H01", h.head.from).unwrap().unwrap();
    assert_eq!(
        (p.hometown.as_str(), p.birth_date.vi()),
        ("Xuyên Mộc", "02/03/1970".to_string())
    );
    let text = docx_text(&unit.get("/van-ban/mau07/H01").await.bytes);
    assert!(
        text.contains("Quê quán: Xuyên Mộc.") && text.contains("giới tính: Nữ"),
        "{text}"
    );
    // officials read them, only the unit writes them; another unit's account gets 403
    let mut office = srv.signed_in("sonoivu").await;
    let page = office.get(&format!("/danh-gia/H01/{}", h.head.from.iso())).await;
    assert!(page.body.contains("Xuyên Mộc") && !page.body.contains("Lưu lý lịch"));
    let refused = office.post_form(&path, &[("gioi_tinh", "nam")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let other = heads.iter().find(|h| h.unit.code == "S03").unwrap();
    let r = unit
        .post_form(
            &format!("/danh-gia/S03/{}/ly-lich", other.head.from.iso()),
            &[("gioi_tinh", "nam")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_signers_are_settings_with_bounded_lengths() {
    let srv = Server::start().await;
    let mut office = srv.signed_in("sonoivu").await;
    let long = "Bà Rịa - Vũng Tàu ".repeat(7); // 126 characters
    let r = office
        .post_form(
            "/cai-dat",
            &[
                ("ten_tinh", long.as_str()),
                ("dia_danh", ""),
                ("han_nop", ""),
                ("nguoi_ky_ban_tdkt", "Phạm Văn Quang"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("tối đa 120 ký tự") && r.body.contains("<nav"),
        "{}",
        r.body
    );
    let s = srv.store();
    assert_eq!(
        s.setting(thidua_app::award::PROVINCE_KEY).unwrap().as_deref(),
        Some("Bà Rịa - Vũng Tàu")
    );
    assert_eq!(
        s.setting(thidua_app::award::BOARD_SIGNER_KEY).unwrap().as_deref(),
        Some("Lê Thị Hồng Nhung"),
        "nothing saved from a refused form"
    );
    let r = office
        .post_form(
            "/cai-dat",
            &[
                ("ten_tinh", "Bà Rịa - Vũng Tàu"),
                ("dia_danh", ""),
                ("han_nop", ""),
                ("nguoi_ky_ban_tdkt", "Phạm Văn Quang"),
                ("chuc_danh_ky_ban_tdkt", ""),
                ("nguoi_ky_quyet_dinh", "Nguyễn Văn Thọ"),
                ("chuc_danh_ky_quyet_dinh", "CHỦ TỊCH"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let text = docx_text(&office.get("/van-ban/to-trinh").await.bytes);
    assert!(
        text.contains("Phạm Văn Quang") && text.contains("TRƯỞNG BAN") && !text.contains("PHÓ TRƯỞNG BAN")
    );
    let text = docx_text(&office.get("/van-ban/quyet-dinh").await.bytes);
    assert!(
        text.contains("Nguyễn Văn Thọ") && !text.contains("KT. CHỦ TỊCH"),
        "{text}"
    );
    // a number longer than the form allows is refused, not printed
    let r = office
        .get(&format!("/van-ban/to-trinh?so={}", "9".repeat(21)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dài quá 20 ký tự"));
}

#[tokio::test]
async fn each_level_drafts_its_own_papers() {
    let srv = Server::start().await;
    let s = srv.store();
    let noms = s.nominations("cchc-2023", None).unwrap();
    let h01 = s.unit("H01").unwrap().unwrap();
    let own = noms
        .iter()
        .find(|n| n.unit_id == h01.id)
        .expect("the demo's H01 draft");
    let head = s
        .heads()
        .unwrap()
        .into_iter()
        .filter(|h| h.unit == "H01")
        .max_by_key(|h| h.from)
        .unwrap();
    let mut district = srv.signed_in("donvi").await;
    // the district's tờ trình and its council's minutes, in its own name and place
    let r = district
        .get("/van-ban/to-trinh-don-vi/H01?so=7&ngay=08/01/2024")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = docx_text(&r.bytes);
    for needle in [
        "ỦY BAN NHÂN DÂN THÀNH PHỐ BÀ RỊA",
        "Số: 7/TTr-UBND",
        "Bà Rịa, ngày 08 tháng 01 năm 2024",
        "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu (qua Sở Nội vụ).",
        own.head_name.as_str(),
        head.name.as_str(),
        "- Lưu: VT.",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    assert!(
        !text.contains("UBND TỈNH"),
        "a district's committee has no parent line"
    );
    let r = district.get("/van-ban/bien-ban-hoi-dong/H01").await;
    assert_eq!(r.status, StatusCode::OK);
    let text = docx_text(&r.bytes);
    for needle in [
        "BIÊN BẢN",
        "Số:        /BB-HĐTĐKT",
        "CHỦ TỊCH HỘI ĐỒNG",
        own.head_name.as_str(),
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    let pages = crate::documents::pdf_pages("bien-ban-hoi-dong-H01", &r.bytes);
    assert!(pages[0].contains("BIÊN BẢN"));
    // another unit's papers are not its to read; a commune does not propose itself
    let mut other = srv.signed_in("donvi2").await;
    assert_eq!(
        other.get("/van-ban/to-trinh-don-vi/H01").await.status,
        StatusCode::FORBIDDEN
    );
    let commune = s
        .units()
        .unwrap()
        .into_iter()
        .find(|u| u.parent.as_deref() == Some("H01"))
        .unwrap();
    let r = district
        .get(&format!("/van-ban/to-trinh-don-vi/{}", commune.info.code))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không tự trình khen"), "{}", r.body);
    // the Board's appraisal minutes: every appraised dossier with its verdict
    let mut office = srv.signed_in("bantdkt").await;
    let r = office
        .get("/van-ban/bien-ban-tham-dinh?so=3&ngay=05/01/2024")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = docx_text(&r.bytes);
    let appraised: Vec<_> = noms.iter().filter(|n| n.board_verdict.is_some()).collect();
    assert!(!appraised.is_empty());
    for n in &appraised {
        assert!(
            text.contains(&n.head_name) && text.contains(&n.board_reason),
            "{} in {text}",
            n.head_name
        );
    }
    for needle in [
        "BIÊN BẢN THẨM ĐỊNH",
        "Số: 3/BB-BTĐKT",
        "SỞ NỘI VỤ",
        "Lê Thị Hồng Nhung",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    assert!(text.contains(&format!(
        "đề nghị khen thưởng {}/{} hồ sơ",
        appraised.len(),
        appraised.len()
    )));
    assert_eq!(
        district.get("/van-ban/bien-ban-tham-dinh").await.status,
        StatusCode::FORBIDDEN
    );
}

/// Issue 14, part 6: Sở Nội vụ's reports of the movement. Per tier each indicator's heads
/// met / not met / without data as the evaluation of the report's day finds them, a chart
/// image per tier, the heads below target, the awardees of the published decision; in the
/// legal form; refused without their signer or outside the period.
#[tokio::test]
async fn the_mid_year_and_year_end_reports_carry_each_tier_s_figures_and_charts() {
    let srv = Server::start_published().await;
    let plan = Plan::built_in();
    let mut office = srv.signed_in("sonoivu").await;
    let r = office
        .get("/van-ban/so-ket?den_ngay=30/06/2023&so=12&ngay=05/07/2023")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = docx_text(&r.bytes);
    for needle in [
        "UBND TỈNH BÀ RỊA - VŨNG TÀU",
        "SỞ NỘI VỤ",
        "Số: 12/BC-SNV",
        "BÁO CÁO",
        "Sơ kết phong trào thi đua",
        "tính đến ngày 30/06/2023",
        "Bảng 1.",
        "Biểu đồ 1.",
        "Trần Văn Tuấn",
        "Lưu: VT",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    // the figures are the evaluation of 30/06/2023, tier by tier
    let day = thidua_domain::time::Date::from_ymd(2023, 6, 30).unwrap();
    let mid = srv.store().evaluate(&plan, day.end()).unwrap();
    let tallies = thidua_app::movement::tallies(&plan, &mid);
    let year_end =
        thidua_app::movement::tallies(&plan, &srv.store().evaluate(&plan, plan.period_to.end()).unwrap());
    assert_ne!(
        tallies, year_end,
        "mid-year and year-end figures differ in the demo"
    );
    let xml = document_xml(&r.bytes);
    for (n, t) in tallies.iter().enumerate() {
        assert!(text.contains(&t.name), "{}", t.name);
        let row = &t.rows[0];
        let cells = [row.met, row.not_met, row.missing, row.not_arising].map(|n| format!(">{n}<"));
        let table = xml.find(&format!(">Bảng {}. ", n + 1)).expect("the tier's table");
        let at = table
            + xml[table..]
                .find(&format!(">{}<", row.name))
                .expect("the indicator's row");
        let rest = &xml[at..at + xml[at..].find("</w:tr>").unwrap()];
        let mut from = 0;
        for c in &cells {
            let i = rest[from..]
                .find(c.as_str())
                .unwrap_or_else(|| panic!("{c} after {} in {rest}", row.name));
            from += i + c.len();
        }
        for b in &t.below {
            assert!(text.contains(&b.head), "{} below target", b.head);
        }
    }
    // one chart image per tier, a real PNG
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.bytes.clone())).unwrap();
    let images: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .filter(|n| n.starts_with("word/media/") && n.ends_with(".png"))
        .collect();
    assert_eq!(images.len(), tallies.len(), "{images:?}");
    let mut png = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(&images[0]).unwrap(), &mut png).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    tables_keep_their_form("so-ket", &xml);
    let pages = pdf_pages("so-ket", &r.bytes);
    numbered_from_page_two("so-ket", &pages);

    // the year-end report: the published decision's awardees
    let r = office.get("/van-ban/tong-ket").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = docx_text(&r.bytes);
    assert!(text.contains("Tổng kết phong trào thi đua") && text.contains("Quyết định số 256/QĐ-UBND"));
    for n in srv.store().nominations(&plan.code, None).unwrap() {
        if n.published {
            assert!(text.contains(&n.head_name), "{} awarded", n.head_name);
        }
    }
    // the API gives the same papers; a unit gets none; a day outside the period is refused
    let r = office
        .get("/api/v1/documents/so_ket?nam=2023&den_ngay=2023-06-30")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(docx_text(&r.bytes).contains("tính đến ngày 30/06/2023"));
    let mut unit = srv.signed_in("donvi").await;
    assert_eq!(unit.get("/van-ban/tong-ket").await.status, StatusCode::FORBIDDEN);
    let r = office.get("/van-ban/so-ket?den_ngay=01/02/2024").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("ngoài kỳ thi đua"));
    // the signer is a setting: without it, refused by name
    srv.store()
        .set_setting(&Actor::cli(), thidua_app::award::OFFICE_SIGNER_KEY, "")
        .unwrap();
    let r = office.get("/van-ban/tong-ket").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Người ký báo cáo của Sở Nội vụ"), "{}", r.body);
}

/// Issue 14: the demo holds one of each paper — every generated document answers from the
/// demo's own data, and its nominations hold each uploaded document kind.
#[tokio::test]
async fn the_demo_holds_one_of_each_document() {
    let srv = Server::start_published().await;
    let plan = Plan::built_in();
    let noms = srv.store().nominations(&plan.code, None).unwrap();
    let published = noms.iter().find(|n| n.published).expect("a published award");
    let mut office = srv.signed_in("sonoivu").await;
    let unit = &published.unit_code;
    let proposer = published
        .unit_parent
        .clone()
        .filter(|_| published.unit_tier == "xa")
        .unwrap_or(unit.clone());
    for path in [
        format!("/van-ban/mau07/{unit}?tu={}", published.head_from),
        format!("/van-ban/to-trinh-don-vi/{proposer}"),
        format!("/van-ban/bien-ban-hoi-dong/{proposer}"),
        "/van-ban/bien-ban-tham-dinh".to_string(),
        "/van-ban/to-trinh".to_string(),
        "/van-ban/quyet-dinh".to_string(),
        "/van-ban/chi-tien-thuong".to_string(),
        "/van-ban/danh-sach-tham-khao".to_string(),
        "/van-ban/so-ket".to_string(),
        "/van-ban/tong-ket".to_string(),
    ] {
        let r = office.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(r.bytes.starts_with(b"PK\x03\x04"), "{path}: an Office package");
    }
    for d in &plan.documents {
        assert!(
            noms.iter().any(|n| srv
                .store()
                .nomination_documents(n.id)
                .unwrap()
                .iter()
                .any(|f| f.doc_code == d.code)),
            "an uploaded {}",
            d.code
        );
    }
}
