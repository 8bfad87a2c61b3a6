//! `thidua demo`: a fresh store holding a realistic province (the store's demo generator:
//! every tier, a year of dossiers, entered values), entries in every state (verified,
//! waiting, one returned with a reason, one draft), a difficulty thread, and one account
//! per role.

use crate::credentials::hash_password;
use crate::error::{Error, Result};
use std::path::Path;
use thidua_domain::calendar;
use thidua_domain::entry::EntryState;
use thidua_domain::nomination::{BoardVerdict, OfficeVerdict, Step};
use thidua_domain::plan::{Plan, BUILT_IN_2023};
use thidua_domain::role::Role;
use thidua_store::audit::Actor;
use thidua_store::threads::ThreadAction;
use thidua_store::users::NewUser;
use thidua_store::workflow::{EntryFilter, NewAttachment, ValueForm};
use thidua_store::Store;

mod cast;
mod csv_text;
mod dossiers;
mod places;
mod procedures;
mod rng;
mod seed;
mod values;
pub use places::{HEAD_CHANGE_UNIT, SHORT_TENURE_UNIT};
pub use seed::DemoSummary;

/// The unit of the demo's unit accounts (UBND thành phố Bà Rịa) and a second unit.
pub const DEMO_UNIT: &str = "H01";
pub const OTHER_UNIT: &str = "S01";

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: &'static str,
    pub unit: Option<&'static str>,
}

fn actor(name: &str) -> Actor {
    Actor {
        username: name.into(),
        address: "demo".into(),
        request_id: String::new(),
    }
}

/// Fills a new store in `data_dir` and returns the demo accounts with their passwords.
/// The year's award decision is published, so the year is frozen: the demo shows what an
/// office sees after its decision.
pub fn prepare(data_dir: &Path, password: &str) -> Result<Vec<DemoAccount>> {
    prepare_with(data_dir, password, true)
}

/// The demo, with the decision published (`publish`) or stopped just before it: the year
/// still open to the office's verifications and to reopened periods (the web tests'
/// working copy).
pub fn prepare_with(data_dir: &Path, password: &str, publish: bool) -> Result<Vec<DemoAccount>> {
    let mut store = Store::open_dir(data_dir)?;
    if store.is_initialised()? {
        return Err(Error::refused(
            "Thư mục đã có dữ liệu; bản trình diễn cần thư mục mới.",
            "the demo needs a fresh folder",
        ));
    }
    let plan = Plan::from_toml(BUILT_IN_2023).map_err(|_| Error::internal("the built-in plan is invalid"))?;
    store.put_plan(&plan, BUILT_IN_2023)?;
    store.put_calendar(
        &calendar::parse_csv(calendar::BUILT_IN_CSV).map_err(|e| Error::internal(e.to_string()))?,
    )?;
    seed::seed_demo(&mut store, 2023, 2023)?;

    let accounts = vec![
        DemoAccount {
            username: "quantri".into(),
            password: password.into(),
            role: "quan_tri",
            unit: None,
        },
        DemoAccount {
            username: "sonoivu".into(),
            password: password.into(),
            role: "so_noi_vu",
            unit: None,
        },
        DemoAccount {
            username: "bantdkt".into(),
            password: password.into(),
            role: "ban_tdkt",
            unit: None,
        },
        DemoAccount {
            username: "lanhdao".into(),
            password: password.into(),
            role: "lanh_dao",
            unit: None,
        },
        DemoAccount {
            username: "donvi".into(),
            password: password.into(),
            role: "don_vi",
            unit: Some(DEMO_UNIT),
        },
        DemoAccount {
            username: "donvi2".into(),
            password: password.into(),
            role: "don_vi",
            unit: Some(OTHER_UNIT),
        },
        DemoAccount {
            username: "thutruong".into(),
            password: password.into(),
            role: "nguoi_dung_dau",
            unit: Some(DEMO_UNIT),
        },
    ];
    let hash = hash_password(password)?;
    let names = [
        "Nguyễn Văn Quản",
        "Trần Thị Nội Vụ",
        "Lê Văn Thi Đua",
        "Phạm Minh Lãnh Đạo",
        "Võ Thị Đầu Mối",
        "Đặng Văn Đầu Mối",
        "Trương Hồng Hương",
    ];
    for (a, name) in accounts.iter().zip(names) {
        store.create_user(
            &actor("demo"),
            &NewUser {
                username: &a.username,
                full_name: name,
                password_hash: &hash,
                role: a.role,
                unit: a.unit,
            },
        )?;
    }

    // One submitted entry of the demo unit is returned with a reason, for the unit to fix.
    let unit = store
        .unit(DEMO_UNIT)?
        .ok_or_else(|| Error::internal("demo unit missing"))?;
    let waiting = store.entry_list(&EntryFilter {
        unit_id: Some(unit.id),
        state: Some(EntryState::DaGui),
        indicator: None,
    })?;
    let any_waiting = match waiting.first() {
        Some(e) => Some(e.clone()),
        None => store
            .entry_list(&EntryFilter {
                state: Some(EntryState::DaGui),
                ..Default::default()
            })?
            .into_iter()
            .next(),
    };
    if let Some(e) = any_waiting {
        store.return_entry(
            &actor("sonoivu"),
            e.id,
            "Thiếu văn bản minh chứng kèm theo; đề nghị bổ sung báo cáo có chữ ký, đóng dấu.",
        )?;
    }
    // The fourth quarter's deadline has long passed: the office reopened it for the demo
    // unit, which keeps a draft of an indicator it had not reported.
    let quarter = thidua_domain::entry::Period::Quarter(plan.period_to.ymd().0, 4);
    let until = thidua_domain::time::Date(thidua_domain::time::DateTime::now_local().date().0 + 30);
    store.reopen_period(
        &actor("sonoivu"),
        DEMO_UNIT,
        quarter,
        until,
        "Đơn vị đề nghị bổ sung số liệu quý IV do hệ thống một cửa cập nhật chậm (Công văn số 125/UBND-VP).",
    )?;
    let reported: Vec<(String, String)> = store
        .entry_list(&EntryFilter {
            unit_id: Some(unit.id),
            ..Default::default()
        })?
        .into_iter()
        .map(|e| (e.indicator, e.period))
        .collect();
    // An indicator with no entry sharing a month with the quarter.
    let free = |code: &str| {
        !reported.iter().any(|(i, p)| {
            i == code && thidua_domain::entry::Period::parse(p).is_some_and(|p| p.overlaps(quarter))
        })
    };
    if let Some(ind) = plan.indicators.iter().find(|i| {
        matches!(
            i.kind,
            thidua_domain::plan::Kind::Count | thidua_domain::plan::Kind::Ratio
        ) && i.applies_to(&unit.info.tier)
            && free(&i.code)
    }) {
        let ratio = ind.kind == thidua_domain::plan::Kind::Ratio;
        let form = ValueForm {
            unit: DEMO_UNIT.into(),
            indicator: ind.code.clone(),
            period: quarter.code(),
            value: if ratio { String::new() } else { "1".into() },
            numerator: if ratio { "9".into() } else { String::new() },
            denominator: if ratio { "10".into() } else { String::new() },
            note: "Đang tổng hợp".into(),
        };
        if let Ok(row) = store.check_value(&form)? {
            store.save_entry(&actor("donvi"), &row, false, &[])?;
        }
    }
    let t = store.open_thread(
        &actor("donvi"),
        "don_vi",
        unit.id,
        "Vướng mắc khi liên thông hồ sơ đất đai",
        "Hệ thống một cửa chưa đồng bộ trạng thái hồ sơ liên thông với Văn phòng Đăng ký đất đai, làm hồ sơ bị tính trễ hạn. Đề nghị Sở Nội vụ kiến nghị UBND tỉnh chỉ đạo khắc phục.",
    )?;
    store.reply_thread(
        &actor("sonoivu"),
        "so_noi_vu",
        t,
        ThreadAction::Answer,
        "Sở Nội vụ đã ghi nhận, đang phối hợp Sở Thông tin và Truyền thông kiểm tra việc đồng bộ.",
    )?;
    nominations(&mut store, &plan, data_dir, publish)?;
    Ok(accounts)
}

/// Every head's particulars, as units enter them on their pages (made up, deterministic).
fn particulars(store: &mut Store) -> Result<()> {
    use thidua_domain::person::{Gender, Particulars};
    const PLACES: &[&str] = &[
        "Bà Rịa - Vũng Tàu",
        "Đồng Nai",
        "Bình Định",
        "Quảng Ngãi",
        "Nghệ An",
        "Thái Bình",
    ];
    const DEGREES: &[&str] = &[
        "Cử nhân Luật",
        "Thạc sĩ Quản lý công",
        "Cử nhân Kinh tế",
        "Kỹ sư Xây dựng",
        "Thạc sĩ Hành chính công",
    ];
    let office = actor("sonoivu");
    for (i, h) in store.heads()?.into_iter().enumerate() {
        // the cast draws women's names from their own list of given names
        let given = h.name.rsplit(' ').next().unwrap_or_default();
        let gender = if rng::GIVEN_NAMES.1.contains(&given) {
            Gender::Nu
        } else {
            Gender::Nam
        };
        let p = Particulars {
            gender,
            birth_date: thidua_domain::time::Date::from_ymd(
                1965 + (i % 20) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            )
            .expect("a valid day"),
            hometown: PLACES[i % PLACES.len()].to_string(),
            residence: PLACES[0].to_string(),
            qualification: DEGREES[i % DEGREES.len()].to_string(),
            political_theory: if i % 3 == 0 { "Cao cấp" } else { "Trung cấp" }.to_string(),
        };
        store.set_particulars(&office, &h.unit, h.from, &p)?;
    }
    Ok(())
}

/// The settings an office keeps, and nominations in every state: the top of the ranking
/// from a published award down to one just returned, and the demo unit's draft.
fn nominations(store: &mut Store, plan: &Plan, data_dir: &Path, publish: bool) -> Result<()> {
    let office = actor("sonoivu");
    store.set_setting(&office, crate::award::PROVINCE_KEY, "Bà Rịa - Vũng Tàu")?;
    store.set_setting(&office, crate::award::PLACE_KEY, "Bà Rịa - Vũng Tàu")?;
    let deadline = thidua_domain::time::DateTime::now_local().date().0 + 30;
    store.set_setting(
        &office,
        &crate::award::deadline_key(&plan.code),
        &thidua_domain::time::Date(deadline).iso(),
    )?;
    store.set_setting(&office, &crate::award::progress_key(&plan.code), "1")?;
    store.set_setting(&office, crate::award::BOARD_SIGNER_KEY, "Lê Thị Hồng Nhung")?;
    store.set_setting(&office, crate::award::OFFICE_SIGNER_KEY, "Trần Văn Tuấn")?;
    store.set_setting(
        &office,
        crate::award::BOARD_SIGNER_TITLE_KEY,
        "KT. TRƯỞNG BAN — PHÓ TRƯỞNG BAN",
    )?;
    particulars(store)?;
    let heads = store.evaluate(plan, plan.period_to.end())?;
    let attachments = data_dir.join("attachments");
    std::fs::create_dir_all(&attachments).map_err(|e| Error::internal(format!("attachments folder: {e}")))?;
    let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
    let ranked = thidua_domain::rank::ranked(&heads)
        .into_iter()
        .filter(|h| h.unit.code != DEMO_UNIT);
    // How far each of the first six goes.
    let targets = ["cong_bo", "phe_duyet", "tham_dinh", "chuyen", "nop", "tra_lai"];
    for (depth, (h, target)) in ranked.zip(targets).enumerate() {
        let unit = store.unit(&h.unit.code)?.ok_or_else(|| Error::internal("unit"))?;
        let id = store.create_nomination(
            &actor("donvi"),
            Role::DonVi,
            &plan.code,
            unit.id,
            h.head.from,
            &h.head.name,
            &h.head.title,
        )?;
        // The unit's documents, then its submission; a commune's district adds its own
        // papers and forwards it (the plan's proposing level).
        let proposed = plan.proposer_tier(&h.unit.tier).is_some();
        let facts = crate::award::facts(store, plan, &h.unit.tier, &heads, Some(h))?;
        let upload = |store: &mut Store, code: &str, by_district: bool| -> Result<()> {
            let stored = format!("{}.pdf", crate::credentials::random_token());
            std::fs::write(attachments.join(&stored), pdf)
                .map_err(|e| Error::internal(format!("demo document: {e}")))?;
            let file = NewAttachment::new(
                &stored,
                format!("{code}.pdf"),
                "application/pdf",
                pdf.len() as i64,
            );
            if by_district {
                store.add_proposer_document(&actor("donvi"), id, code, &file)?;
            } else {
                store.add_nomination_document(&actor("donvi"), id, code, &file)?;
            }
            Ok(())
        };
        let by_district = |d: &&thidua_domain::plan::DossierDocument| {
            proposed && d.by == thidua_domain::plan::DocumentBy::CapTrinh
        };
        for d in plan.documents.iter().filter(|d| !by_district(d)) {
            upload(store, &d.code, false)?;
        }
        let submit = Step::Submit {
            reason: String::new(),
        };
        store.nomination_step(&actor("donvi"), Role::DonVi, id, &submit, &facts)?;
        if proposed {
            for d in plan.documents.iter().filter(by_district) {
                upload(store, &d.code, true)?;
            }
            let propose = Step::Propose {
                reason: "UBND cấp huyện đề nghị.".into(),
            };
            store.nomination_step(&actor("donvi"), Role::DonVi, id, &propose, &facts)?;
        }
        let mut steps = Vec::new();
        if target == "tra_lai" {
            steps.push((
                office.clone(),
                Role::SoNoiVu,
                Step::Return {
                    reason: "Biên bản họp Hội đồng thiếu chữ ký của Chủ tịch Hội đồng.".into(),
                },
            ));
        }
        if depth <= 3 {
            steps.push((
                office.clone(),
                Role::SoNoiVu,
                Step::Forward {
                    verdict: OfficeVerdict::DuDieuKien,
                    reason: "Hồ sơ đầy đủ, đạt các chỉ tiêu.".into(),
                },
            ));
        }
        if depth <= 2 {
            steps.push((
                actor("bantdkt"),
                Role::BanTdkt,
                Step::Appraise {
                    verdict: BoardVerdict::DeNghi,
                    reason: "Thành tích xuất sắc, vượt chỉ tiêu giao.".into(),
                },
            ));
        }
        if depth <= 1 {
            steps.push((
                actor("lanhdao"),
                Role::LanhDao,
                Step::Approve { note: String::new() },
            ));
        }
        for (who, role, step) in steps {
            store.nomination_step(&who, role, id, &step, &facts)?;
        }
        if target == "cong_bo" && publish {
            // The Chairman's decision, recorded and published: it holds this one approval
            // (the next one approved waits for a later decision).
            let date = thidua_domain::time::Date::from_ymd(plan.period_to.ymd().0 + 1, 2, 5)
                .unwrap_or(plan.period_to);
            let d =
                crate::award::record_decision(store, plan, &office, "256/QĐ-UBND", &date.iso(), None, date)?;
            crate::award::publish_decision(store, plan, &heads, &office, d.id)?;
        }
    }
    // The demo unit's own head: a draft to continue.
    if let Some(h) = heads
        .iter()
        .filter(|h| h.unit.code == DEMO_UNIT)
        .max_by_key(|h| h.head.from)
    {
        let unit = store.unit(DEMO_UNIT)?.ok_or_else(|| Error::internal("unit"))?;
        store.create_nomination(
            &actor("donvi"),
            Role::DonVi,
            &plan.code,
            unit.id,
            h.head.from,
            &h.head.name,
            &h.head.title,
        )?;
    }
    Ok(())
}
