//! Generated documents (DOCX, editable in Word and LibreOffice) in the form of Nghị định
//! 30/2020/NĐ-CP (`form`). Every figure comes from the system's own evaluation; every law,
//! amount and signer from dated data or the settings.
//!
//! - `mau07`: a head's achievement report (Mẫu số 07 of Nghị định 91/2017/NĐ-CP, the form
//!   the plan names), with the measured counts as evidence and the head's particulars;
//! - `to_trinh`: the Board's (Ban Thi đua - Khen thưởng) submission to the Chairman after
//!   its appraisal, listing the heads it proposes, with the draft decision attached;
//! - `quyet_dinh`: the Chairman's decision: the list (Điều 1), the cash award (Điều 2),
//!   entry into force and execution (Điều 3), the annex by tier on its own page;
//! - `working_list`: the ranking's suggestions as a working list, titled as such — never
//!   a tờ trình or a decision;
//! - `report`: Sở Nội vụ's mid-year review and year-end report of the movement, with
//!   tables and chart images per tier.

pub mod form;
pub mod report;

use crate::error::{Error, Result};
use crate::fmt::figures;
use form::{
    annex_start, blank, body, centered, closing, grid, heading, italic_centered, letterhead, new_doc, pack,
    BODY,
};
pub use form::{Body, Dating, Signer};
use thidua_domain::eval::HeadResult;
use thidua_domain::legal::CashAward;
use thidua_domain::person::{Gender, Particulars};
use thidua_domain::plan::Plan;
use thidua_domain::time::Date;

/// The province the papers are issued in (a required setting) and the place name its
/// provincial bodies write before the date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    pub name: String,
    pub place: String,
}

impl Province {
    /// The provincial People's Committee as the issuer of the Chairman's decision.
    pub fn committee(&self, plan: &Plan) -> Body {
        Body {
            parent: None,
            name: format!("{} {}", plan.issuer, self.name),
            symbol: plan.issuing.committee_symbol.clone(),
            place: self.place.clone(),
        }
    }

    /// The Board (Ban Thi đua - Khen thưởng) under its parent body.
    pub fn board(&self, plan: &Plan) -> Body {
        Body {
            parent: Some(plan.issuing.board_parent.clone()),
            name: plan.issuing.board.clone(),
            symbol: plan.issuing.board_symbol.clone(),
            place: self.place.clone(),
        }
    }

    /// The province as its papers name it, from the plan's issuer: "tỉnh Bà Rịa - Vũng
    /// Tàu", or a city's own name ("Thành phố Hồ Chí Minh", issuer "Ủy ban nhân dân").
    pub fn area(&self, plan: &Plan) -> String {
        let kind = plan
            .issuer
            .trim()
            .strip_prefix("Ủy ban nhân dân")
            .unwrap_or("")
            .trim();
        if kind.is_empty() {
            self.name.clone()
        } else {
            format!("{kind} {}", self.name)
        }
    }

    /// The People's Committee's short name, the parent line of its agencies' papers.
    pub fn committee_short(&self, plan: &Plan) -> String {
        format!("UBND {}", self.area(plan))
    }

    /// The standing agency (Sở Nội vụ) under the provincial People's Committee: the
    /// issuer of the movement's reports.
    pub fn standing(&self, plan: &Plan) -> Body {
        Body {
            parent: Some(self.committee_short(plan)),
            name: plan.standing_agency.clone(),
            symbol: symbol_of(&plan.standing_agency),
            place: self.place.clone(),
        }
    }

    /// "Chủ tịch Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu".
    pub fn chairman(&self, plan: &Plan) -> String {
        format!("Chủ tịch {} {}", plan.issuer, self.name)
    }
}

/// Administrative words that lead a local People's Committee's area name, longest first.
const AREA_KINDS: &[&str] = &[
    "thành phố",
    "thị trấn",
    "thị xã",
    "huyện",
    "quận",
    "phường",
    "xã",
    "đặc khu",
];

fn strip_committee(name: &str) -> Option<&str> {
    ["UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân "]
        .iter()
        .find_map(|p| name.strip_prefix(p))
}

/// A People's Committee's area ("UBND thành phố Bà Rịa" → "thành phố Bà Rịa"); any other
/// unit's name as it is.
pub fn area_of(unit_name: &str) -> &str {
    strip_committee(unit_name).unwrap_or(unit_name)
}

/// The place name a local body writes before the date (Nghị định 30/2020, Phụ lục I):
/// the area's proper name without its kind ("huyện Châu Đức" → "Châu Đức"), but with it
/// when the name is a number ("phường 1" → "Phường 1").
pub fn place_of(area: &str) -> String {
    let lower = area.to_lowercase();
    for kind in AREA_KINDS {
        if let Some(rest) = lower.strip_prefix(&format!("{kind} ")) {
            let proper = &area[area.len() - rest.len()..];
            if proper.chars().all(|c| c.is_ascii_digit()) {
                let mut k = kind.chars();
                let first = k
                    .next()
                    .map(|c| c.to_uppercase().collect::<String>())
                    .unwrap_or_default();
                return format!("{first}{} {proper}", k.as_str());
            }
            return proper.to_string();
        }
    }
    area.to_string()
}

/// A unit as the issuer of its own papers: a local People's Committee ("UBND huyện Châu
/// Đức") has no parent line and writes its own area's name as the place; a provincial
/// agency has the provincial committee above it and writes the province's place.
pub fn unit_body(unit_name: &str, province: &Province, plan: &Plan) -> Body {
    match strip_committee(unit_name) {
        Some(area) => Body {
            parent: None,
            name: format!("Ủy ban nhân dân {area}"),
            symbol: "UBND".into(),
            place: place_of(area),
        },
        None => Body {
            parent: Some(province.committee_short(plan)),
            name: unit_name.replace("UBND ", "Ủy ban nhân dân "),
            symbol: symbol_of(unit_name),
            place: province.place.clone(),
        },
    }
}

/// One person on a list (tờ trình, quyết định, working list).
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub title: String,
    /// The unit's name ("UBND phường Long Hương").
    pub unit: String,
    /// The plan's tier code.
    pub tier: String,
    /// For a commune, its district's area ("thành phố Bà Rịa").
    pub district: Option<String>,
    pub gender: Option<Gender>,
    /// Indicators met of those that count ("12/13").
    pub met: String,
    /// The Board's verdict or reason (tờ trình), the rank (working list).
    pub note: String,
    pub rank: Option<u32>,
    pub score: String,
}

impl Person {
    /// "Chủ tịch UBND phường Long Hương, thành phố Bà Rịa": the title, the unit when the
    /// title does not name it, and the district of a commune.
    pub fn designation(&self) -> String {
        let mut s = self.title.clone();
        if !self.title.to_lowercase().contains(&self.unit.to_lowercase()) {
            s = if s.is_empty() {
                self.unit.clone()
            } else {
                format!("{s}, {}", self.unit)
            };
        }
        if let Some(d) = &self.district {
            s = format!("{s}, {d}");
        }
        s
    }
}

/// Sorted by the plan's tiers, then as given.
fn by_tier<'a>(plan: &'a Plan, people: &'a [Person]) -> Vec<(String, Vec<&'a Person>)> {
    let mut out: Vec<(String, Vec<&Person>)> = Vec::new();
    for t in &plan.tiers {
        let of: Vec<&Person> = people.iter().filter(|p| p.tier == t.code).collect();
        if !of.is_empty() {
            out.push((t.name.clone(), of));
        }
    }
    let other: Vec<&Person> = people.iter().filter(|p| plan.tier(&p.tier).is_none()).collect();
    if !other.is_empty() {
        out.push(("Khác".into(), other));
    }
    out
}

fn roman(n: usize) -> &'static str {
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
        .get(n)
        .copied()
        .unwrap_or("X")
}

fn period(plan: &Plan) -> String {
    format!("từ {} đến {}", plan.period_from.vi(), plan.period_to.vi())
}

fn year(plan: &Plan) -> i32 {
    plan.period_from.ymd().0
}

/// The movement and year as titles cite them.
fn movement(plan: &Plan) -> String {
    format!("phong trào thi đua “{}” năm {}", plan.movement, year(plan))
}

/// A one-paragraph document, laid out like every other: a valid DOCX for the evidence
/// upload's content checks.
pub fn sample_docx() -> Vec<u8> {
    pack(new_doc().add_paragraph(body("Báo cáo"))).expect("a one-paragraph document packs")
}

/// What a Mẫu 07 is built from.
pub struct Mau07<'a> {
    pub plan: &'a Plan,
    pub head: &'a HeadResult,
    /// The unit as issuer (`unit_body`).
    pub unit: &'a Body,
    pub particulars: &'a Particulars,
    /// The verified evidence per indicator code: file names.
    pub evidence: &'a [(String, Vec<String>)],
    pub dating: &'a Dating,
    /// The day the figures stand at.
    pub as_of: Date,
}

/// Mẫu số 07 ("Báo cáo thành tích đề nghị khen thưởng theo đợt thi đua hoặc theo chuyên
/// đề"): the head's particulars, each indicator's counts against its target with the
/// verified evidence, no score and no rank (the plan defines neither). A provisional
/// evaluation gives a draft, titled and marked as such on every page's first line.
pub fn mau07(m: &Mau07) -> Result<Vec<u8>> {
    let (plan, h, p) = (m.plan, m.head, m.particulars);
    let draft = h.provisional;
    let mut doc = new_doc()
        .add_table(letterhead(m.unit, None, m.dating))
        .add_paragraph(blank());
    if draft {
        doc = doc
            .add_paragraph(centered("DỰ THẢO — CHƯA DÙNG ĐỂ KÝ", true, BODY))
            .add_paragraph(italic_centered(
                &format!(
                    "(Một số số liệu còn chờ Sở Nội vụ xác nhận; số liệu tính đến ngày {}.)",
                    m.as_of.vi()
                ),
                form::SMALL,
            ));
    }
    doc = doc
        .add_paragraph(centered("BÁO CÁO THÀNH TÍCH", true, BODY))
        .add_paragraph(centered(&format!("ĐỀ NGHỊ TẶNG {}", plan.award.form.to_uppercase()), true, BODY))
        .add_paragraph(italic_centered(
            &format!("(Thành tích trong phong trào thi đua “{}”, {})", plan.movement, period(plan)),
            BODY,
        ))
        .add_paragraph(blank())
        .add_paragraph(heading("I. SƠ LƯỢC LÝ LỊCH"))
        .add_paragraph(body(&format!("- Họ và tên: {}; giới tính: {}.", h.head.name, p.gender.vi())))
        .add_paragraph(body(&format!("- Ngày, tháng, năm sinh: {}.", p.birth_date.vi())))
        .add_paragraph(body(&format!("- Quê quán: {}.", p.hometown)))
        .add_paragraph(body(&format!("- Nơi ở hiện nay: {}.", p.residence)))
        .add_paragraph(body(&format!("- Chức vụ: {}.", h.head.title)))
        .add_paragraph(body(&format!("- Đơn vị công tác: {}.", h.unit.name)))
        .add_paragraph(body(&format!("- Trình độ chuyên môn, nghiệp vụ: {}.", p.qualification)))
        .add_paragraph(body(&format!("- Lý luận chính trị: {}.", p.political_theory)))
        .add_paragraph(body(&format!(
            "- Thời gian giữ chức vụ người đứng đầu trong kỳ thi đua: {} tháng (từ {}{}).",
            h.months.len(),
            h.head.from.vi(),
            h.head.to.map(|t| format!(" đến {}", t.vi())).unwrap_or_default()
        )))
        .add_paragraph(heading("II. THÀNH TÍCH ĐẠT ĐƯỢC"))
        .add_paragraph(body(&format!(
            "1. Kết quả thực hiện các chỉ tiêu của Kế hoạch tính đến ngày {}: số liệu đo từ hồ sơ thủ tục hành chính trên hệ thống và số liệu đơn vị báo cáo {}.",
            m.as_of.vi(),
            if draft { "(một số còn chờ Sở Nội vụ xác nhận)" } else { "đã được Sở Nội vụ xác nhận" }
        )));
    let widths = [600, 2500, 1500, 3055, 1700];
    let rows = h
        .indicators
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let ind = plan.indicator(&r.code)?;
            let mut result = figures(ind, r);
            if let Some((_, files)) = m.evidence.iter().find(|(c, _)| c == &r.code) {
                if !files.is_empty() {
                    result = format!("{result}. Minh chứng đã xác nhận: {}", files.join("; "));
                }
            }
            let status = if r.provisional {
                format!("{} (chờ xác nhận)", r.status.vi())
            } else {
                r.status.vi().to_string()
            };
            Some(vec![
                (i + 1).to_string(),
                ind.name.clone(),
                ind.target_vi(&h.unit.tier),
                result,
                status,
            ])
        })
        .collect();
    doc = doc.add_table(grid(
        &[
            "STT",
            "Chỉ tiêu",
            "Chỉ tiêu giao",
            "Kết quả cụ thể, số liệu dẫn chứng",
            "Đánh giá",
        ],
        &widths,
        rows,
    ));
    let initiatives = plan
        .award
        .initiative_indicator
        .as_deref()
        .and_then(|code| h.indicator(code))
        .map(|r| r.value.vi())
        .unwrap_or_else(|| "0".into());
    doc = doc
        .add_paragraph(body(&format!(
            "2. Các giải pháp, sáng kiến trong thực hiện nhiệm vụ cải cách hành chính: {initiatives} giải pháp, sáng kiến được công nhận (đơn vị nêu tên và hiệu quả áp dụng của từng giải pháp, sáng kiến)."
        )))
        .add_paragraph(body("3. Các biện pháp đã áp dụng để đạt các chỉ tiêu (đơn vị nêu cụ thể)."))
        .add_paragraph(blank())
        .add_table(form::signatures(
            &["THỦ TRƯỞNG CẤP TRÌNH KHEN THƯỞNG", "XÁC NHẬN, ĐỀ NGHỊ"],
            "(Ký, đóng dấu)",
            None,
            &["NGƯỜI BÁO CÁO THÀNH TÍCH"],
            "(Ký, ghi rõ họ và tên)",
            Some(&h.head.name),
        ));
    pack(doc)
}

/// The list every paper carries: STT, name, title and unit, indicators met, and the
/// paper's own last column if it has one (the Board's verdict, the council's votes).
/// A paper's own column: its title and what it shows for a person.
type Column<'a> = (&'a str, &'a dyn Fn(&Person) -> String);

fn people_grid(people: &[Person], extra: Option<Column>) -> docx_rs::Table {
    let rows = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut row = vec![
                (i + 1).to_string(),
                p.name.clone(),
                p.designation(),
                p.met.clone(),
            ];
            if let Some((_, cell)) = extra {
                row.push(cell(p));
            }
            row
        })
        .collect();
    match extra {
        Some((title, _)) => grid(
            &["STT", "Họ và tên", "Chức vụ, đơn vị", "Chỉ tiêu đạt", title],
            &[600, 2300, 3255, 1200, 2000],
            rows,
        ),
        None => grid(
            &["STT", "Họ và tên", "Chức vụ, đơn vị", "Chỉ tiêu đạt"],
            &[600, 2600, 4655, 1500],
            rows,
        ),
    }
}

/// What the Board's tờ trình is built from.
pub struct ToTrinh<'a> {
    pub plan: &'a Plan,
    pub province: &'a Province,
    /// The heads the Board proposes after its appraisal; never empty (`award::document`
    /// refuses the paper first, `no_list`).
    pub people: &'a [Person],
    pub dating: &'a Dating,
    pub signer: &'a Signer,
    pub as_of: Date,
}

/// The Board's tờ trình to the Chairman: it appraised the dossiers Sở Nội vụ selected
/// and submits the heads it proposes with the draft decision.
pub fn to_trinh(t: &ToTrinh) -> Result<Vec<u8>> {
    let plan = t.plan;
    let board = t.province.board(plan);
    let chairman = t.province.chairman(plan);
    let mut doc = new_doc()
        .add_table(letterhead(
            &board,
            Some(t.dating.number_line("TTr", &board)),
            t.dating,
        ))
        .add_paragraph(blank())
        .add_paragraph(centered("TỜ TRÌNH", true, BODY))
        .add_paragraph(centered(
            &format!(
                "Về việc đề nghị tặng {} cho cá nhân người đứng đầu có thành tích xuất sắc trong {}",
                plan.award.form,
                movement(plan)
            ),
            true,
            BODY,
        ))
        .add_paragraph(blank())
        .add_paragraph(centered(&format!("Kính gửi: {chairman}."), false, BODY));
    for basis in &plan.legal_bases {
        doc = doc.add_paragraph(body(&format!("Căn cứ {basis};")));
    }
    doc = doc
        .add_paragraph(body(&format!("Căn cứ {};", plan.title)))
        .add_paragraph(body(&format!(
            "Trên cơ sở danh sách cá nhân người đứng đầu đủ điều kiện, tiêu chuẩn do {} lựa chọn và kết quả đánh giá các chỉ tiêu của Kế hoạch đến ngày {}, {} đã thẩm định hồ sơ đề nghị khen thưởng. {} kính trình {} xem xét, quyết định tặng {} cho {} cá nhân người đứng đầu có thành tích xuất sắc (danh sách dưới đây; tối đa {} người theo Kế hoạch).",
            plan.standing_agency,
            t.as_of.vi(),
            board.name,
            board.name,
            chairman,
            plan.award.form,
            t.people.len(),
            plan.award.quota
        )));
    doc = doc
        .add_table(people_grid(
            t.people,
            Some(("Kết quả thẩm định", &|p: &Person| p.note.clone())),
        ))
        .add_paragraph(body(
            "(Kèm theo dự thảo Quyết định khen thưởng và hồ sơ đề nghị của các cơ quan, đơn vị, địa phương.)",
        ))
        .add_paragraph(body(&format!(
            "{} kính trình {chairman} xem xét, quyết định./.",
            board.name
        )))
        .add_paragraph(blank())
        .add_table(closing(
            &["Như trên".to_string(), plan.standing_agency.clone()],
            &board.symbol,
            t.signer,
        ));
    pack(doc)
}

/// What the Chairman's decision is built from.
pub struct QuyetDinh<'a> {
    pub plan: &'a Plan,
    pub province: &'a Province,
    /// The approved heads; never empty (refused first by `award::document`).
    pub people: &'a [Person],
    pub dating: &'a Dating,
    /// The Board's tờ trình it answers.
    pub proposal: &'a Dating,
    pub signer: &'a Signer,
    /// The laws in force on the decision's date.
    pub bases: &'a [String],
    /// The cash award on the decision's date, if the plan's award carries one.
    pub cash: Option<&'a CashAward>,
}

/// The decision: Điều 1 the list, Điều 2 the cash award (coefficient × the base salary in
/// force on the decision's date, the total and its fund), Điều 3 entry into force and
/// execution; the annex on its own page, grouped by tier, "Ông/Bà <name>, <title>".
pub fn quyet_dinh(q: &QuyetDinh) -> Result<Vec<u8>> {
    let plan = q.plan;
    if let Some(p) = q.people.iter().find(|p| p.gender.is_none()) {
        return Err(Error::refused(
            format!(
                "Chưa có lý lịch của {} ({}): nhập giới tính, ngày sinh… ở trang đơn vị trước khi lập quyết định.",
                p.name, p.unit
            ),
            format!("no particulars for {} ({})", p.name, p.unit),
        ));
    }
    let committee = q.province.committee(plan);
    let board = q.province.board(plan);
    let chairman = q.province.chairman(plan);
    let n = q.people.len();
    let mut doc = new_doc()
        .add_table(letterhead(
            &committee,
            Some(q.dating.number_line("QĐ", &committee)),
            q.dating,
        ))
        .add_paragraph(blank())
        .add_paragraph(centered("QUYẾT ĐỊNH", true, BODY))
        .add_paragraph(centered(
            &format!(
                "Về việc tặng {} cho cá nhân người đứng đầu có thành tích xuất sắc trong {}",
                plan.award.form,
                movement(plan)
            ),
            true,
            BODY,
        ))
        .add_paragraph(blank())
        .add_paragraph(centered(&chairman.to_uppercase(), true, BODY))
        .add_paragraph(blank());
    for basis in q.bases {
        doc = doc.add_paragraph(body(&format!("Căn cứ {basis};")));
    }
    doc = doc
        .add_paragraph(body(&format!("Căn cứ {};", plan.title)))
        .add_paragraph(body(&format!(
            "Xét đề nghị của Trưởng {} tại Tờ trình {}.",
            board.name,
            q.proposal.cited("TTr", &board)
        )))
        .add_paragraph(centered("QUYẾT ĐỊNH:", true, BODY))
        .add_paragraph(body(&format!(
            "Điều 1. Tặng {} cho {n} cá nhân người đứng đầu (có danh sách kèm theo) đã có thành tích xuất sắc trong {}.",
            plan.award.form,
            movement(plan)
        )));
    doc = doc.add_paragraph(body(&match q.cash {
        Some(c) => {
            let each = thidua_domain::num::Dec::from_int(c.each).vi();
            let total = thidua_domain::num::Dec::from_int(c.each * n as i64).vi();
            format!(
                "Điều 2. Mỗi cá nhân có tên tại Điều 1 được tặng Bằng khen kèm theo tiền thưởng bằng {} lần mức lương cơ sở (mức lương cơ sở {} đồng theo {}), là {each} đồng. Tổng số tiền thưởng: {n} × {each} đồng = {total} đồng, chi từ {}.",
                c.coefficient.vi(),
                thidua_domain::num::Dec::from_int(c.base.amount).vi(),
                c.base.basis,
                if plan.award.cash_fund.is_empty() { "nguồn kinh phí thi đua, khen thưởng theo quy định" } else { &plan.award.cash_fund }
            )
        }
        None => "Điều 2. Hình thức khen thưởng này không kèm theo tiền thưởng.".into(),
    }));
    doc = doc
        .add_paragraph(body(&format!(
            "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng {}, Giám đốc {}, Trưởng {}, Giám đốc Sở Tài chính, thủ trưởng các cơ quan, đơn vị có liên quan và các cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
            committee.name, plan.standing_agency, board.name
        )))
        .add_paragraph(blank())
        .add_table(closing(
            &["Như Điều 3".to_string(), format!("Chủ tịch, các Phó Chủ tịch {}", committee.name)],
            &board.symbol,
            q.signer,
        ))
        .add_paragraph(annex_start("DANH SÁCH"))
        .add_paragraph(centered(
            &format!("Cá nhân người đứng đầu được tặng {}", plan.award.form),
            true,
            BODY,
        ))
        .add_paragraph(italic_centered(
            &format!(
                "(Kèm theo Quyết định {} của {chairman})",
                q.dating.cited("QĐ", &committee)
            ),
            BODY,
        ))
        .add_paragraph(blank());
    let mut i = 0;
    for (t, (tier, people)) in by_tier(plan, q.people).into_iter().enumerate() {
        doc = doc.add_paragraph(form::heading(&format!("{}. {tier}", roman(t))));
        for p in people {
            i += 1;
            let address = p.gender.map(Gender::address).unwrap_or_default();
            doc = doc.add_paragraph(body(&format!("{i}. {address} {}, {};", p.name, p.designation())));
        }
    }
    doc = doc.add_paragraph(italic_centered(&format!("(Danh sách có {n} cá nhân)./."), BODY));
    pack(doc)
}

/// The refusal of a paper with nobody on its list.
pub fn no_list(paper: &str) -> Error {
    Error::refused(
        format!(
            "Chưa có người đứng đầu nào được đề nghị hoặc phê duyệt: không lập {paper} từ kết quả xếp hạng. Danh sách tham khảo từ xếp hạng có ở mục «Danh sách tham khảo»."
        ),
        format!("no nominated or approved head: no {paper} from the ranking's suggestions"),
    )
}

/// The ranking's suggestions as a working list for the office: titled as such, no number,
/// no signature, never a tờ trình or a decision.
pub fn working_list(plan: &Plan, province: &Province, people: &[Person], as_of: Date) -> Result<Vec<u8>> {
    let mut doc = new_doc()
        .add_paragraph(centered("DANH SÁCH THAM KHẢO", true, BODY))
        .add_paragraph(centered(
            "(Tài liệu làm việc nội bộ — không phải tờ trình hay quyết định)",
            false,
            form::SMALL,
        ))
        .add_paragraph(centered(
            &format!(
                "Người đứng đầu xếp hạng cao nhất theo kết quả đánh giá các chỉ tiêu đến ngày {} — {}, {}",
                as_of.vi(),
                movement(plan),
                province.area(plan)
            ),
            false,
            BODY,
        ))
        .add_paragraph(blank());
    let rows = people
        .iter()
        .map(|p| {
            vec![
                p.rank.map(|r| r.to_string()).unwrap_or_default(),
                p.name.clone(),
                p.designation(),
                p.score.clone(),
                p.met.clone(),
            ]
        })
        .collect();
    doc = doc
        .add_table(grid(
            &["Hạng", "Họ và tên", "Chức vụ, đơn vị", "Điểm ưu tiên (hệ thống)", "Chỉ tiêu đạt"],
            &[800, 2300, 3555, 1500, 1200],
            rows,
        ))
        .add_paragraph(body(&format!(
            "Điểm ưu tiên và hạng do hệ thống tính để sắp xếp (tối đa {} người theo Kế hoạch); việc lựa chọn, thẩm định và đề nghị khen thưởng theo quy trình của Kế hoạch.",
            plan.award.quota
        )));
    pack(doc)
}

/// The symbol of a body in its papers' numbers, from its name: the initials of its words
/// ("Sở Kế hoạch và Đầu tư" → "SKHĐT", "Sở Tư pháp" → "STP"), "và" left out, an
/// abbreviation kept whole ("Văn phòng UBND tỉnh" → "VPUBNDT").
pub fn symbol_of(name: &str) -> String {
    name.split_whitespace()
        .filter(|w| *w != "và" && *w != "-")
        .map(|w| {
            if w.chars().count() > 1 && w.chars().all(|c| c.is_uppercase()) {
                w.to_string()
            } else {
                w.chars()
                    .next()
                    .map(|c| c.to_uppercase().collect())
                    .unwrap_or_default()
            }
        })
        .collect()
}

/// A unit's papers: who the unit is, who signs for it, what it proposes.
pub struct UnitPapers<'a> {
    pub plan: &'a Plan,
    pub province: &'a Province,
    /// The unit as issuer (`unit_body`).
    pub unit: &'a Body,
    /// The heads it proposes: its own and, for a district, its communes'; never empty.
    pub people: &'a [Person],
    pub dating: &'a Dating,
    /// The unit's head, who signs.
    pub signer: &'a Signer,
}

/// The proposing unit's tờ trình (a district, a provincial agency): the heads it proposes,
/// to the Chairman through Sở Nội vụ.
pub fn to_trinh_don_vi(p: &UnitPapers) -> Result<Vec<u8>> {
    let plan = p.plan;
    let chairman = p.province.chairman(plan);
    let mut doc = new_doc()
        .add_table(letterhead(p.unit, Some(p.dating.number_line("TTr", p.unit)), p.dating))
        .add_paragraph(blank())
        .add_paragraph(centered("TỜ TRÌNH", true, BODY))
        .add_paragraph(centered(
            &format!("Về việc đề nghị tặng {} cho cá nhân người đứng đầu có thành tích xuất sắc trong {}", plan.award.form, movement(plan)),
            true,
            BODY,
        ))
        .add_paragraph(blank())
        .add_paragraph(centered(&format!("Kính gửi: {chairman} (qua {}).", plan.standing_agency), false, BODY))
        .add_paragraph(body(&format!("Căn cứ {};", plan.title)))
        .add_paragraph(body(&format!(
            "Căn cứ kết quả họp Hội đồng Thi đua - Khen thưởng của {}, {} kính trình {chairman} xem xét, tặng {} cho {} cá nhân người đứng đầu có thành tích xuất sắc (danh sách dưới đây; hồ sơ kèm theo gồm báo cáo thành tích và biên bản họp Hội đồng).",
            p.unit.name,
            p.unit.name,
            plan.award.form,
            p.people.len()
        )));
    doc = doc
        .add_table(people_grid(p.people, None))
        .add_paragraph(body(&format!(
            "{} kính trình {chairman} xem xét, quyết định./.",
            p.unit.name
        )))
        .add_paragraph(blank())
        // the unit's office keeps the copy; the drafting division is the unit's to add
        .add_table(closing(
            &["Như trên".to_string(), plan.standing_agency.clone()],
            "",
            p.signer,
        ));
    pack(doc)
}

/// The minutes of the unit's Hội đồng Thi đua - Khen thưởng meeting that chose whom to
/// propose: the heads with their measured results; time, place, members and votes are
/// written in by the council's secretary.
pub fn bien_ban_hoi_dong(p: &UnitPapers) -> Result<Vec<u8>> {
    let plan = p.plan;
    let council = Body {
        symbol: "HĐTĐKT".into(),
        ..p.unit.clone()
    };
    let mut doc = new_doc()
        .add_table(letterhead(&council, Some(p.dating.number_line("BB", &council)), p.dating))
        .add_paragraph(blank())
        .add_paragraph(centered("BIÊN BẢN", true, BODY))
        .add_paragraph(centered("Họp Hội đồng Thi đua - Khen thưởng", true, BODY))
        .add_paragraph(centered(
            &format!("Xét đề nghị tặng {} trong {}", plan.award.form, movement(plan)),
            true,
            BODY,
        ))
        .add_paragraph(blank())
        .add_paragraph(body("Thời gian: ….. giờ ….., ngày ….. tháng ….. năm ….."))
        .add_paragraph(body("Địa điểm: ………………………………………………"))
        .add_paragraph(body("Thành phần: ….. /….. thành viên Hội đồng có mặt; chủ trì: ………………; thư ký: ………………"))
        .add_paragraph(heading("Nội dung"))
        .add_paragraph(body(&format!(
            "Hội đồng xem xét kết quả thực hiện các chỉ tiêu của {} đối với người đứng đầu dưới đây (số liệu đo trên hệ thống) và biểu quyết đề nghị khen thưởng:",
            plan.title
        )));
    doc = doc
        .add_table(people_grid(p.people, Some(("Số phiếu đồng ý / có mặt", &|_: &Person| String::new()))))
        .add_paragraph(body(&format!(
            "Kết luận: Hội đồng thống nhất đề nghị {} xem xét, tặng {} cho các cá nhân có số phiếu đồng ý đạt từ 70% tổng số thành viên Hội đồng trở lên.",
            p.province.chairman(plan),
            plan.award.form
        )))
        .add_paragraph(body("Cuộc họp kết thúc lúc ….. giờ ….. cùng ngày./."))
        .add_paragraph(blank())
        .add_table(form::signatures(
            &["THƯ KÝ HỘI ĐỒNG"],
            "(Ký, ghi rõ họ và tên)",
            None,
            &["CHỦ TỊCH HỘI ĐỒNG"],
            "(Ký, đóng dấu)",
            Some(&p.signer.name),
        ));
    pack(doc)
}

/// The Board's appraisal minutes: each dossier Sở Nội vụ forwarded, with the Board's
/// verdict and reason, and how many it proposes.
/// `proposed` of the `appraised` dossiers have the verdict "Đề nghị khen thưởng".
pub fn bien_ban_tham_dinh(
    plan: &Plan,
    province: &Province,
    appraised: &[Person],
    proposed: usize,
    dating: &Dating,
    signer: &Signer,
) -> Result<Vec<u8>> {
    let board = province.board(plan);
    let mut doc = new_doc()
        .add_table(letterhead(&board, Some(dating.number_line("BB", &board)), dating))
        .add_paragraph(blank())
        .add_paragraph(centered("BIÊN BẢN THẨM ĐỊNH", true, BODY))
        .add_paragraph(centered(
            &format!("Hồ sơ đề nghị tặng {} trong {}", plan.award.form, movement(plan)),
            true,
            BODY,
        ))
        .add_paragraph(blank())
        .add_paragraph(body(&format!(
            "{} thẩm định {} hồ sơ do {} lựa chọn, chuyển đến, đối chiếu tiêu chuẩn của {} và kết quả đánh giá các chỉ tiêu trên hệ thống. Kết quả thẩm định từng hồ sơ:",
            board.name,
            appraised.len(),
            plan.standing_agency,
            plan.title
        )));
    doc = doc
        .add_table(people_grid(appraised, Some(("Kết quả thẩm định", &|p: &Person| p.note.clone()))))
        .add_paragraph(body(&format!(
            "Kết luận: {} đề nghị khen thưởng {proposed}/{} hồ sơ; tờ trình và dự thảo quyết định trình {} theo danh sách đề nghị./.",
            board.name,
            appraised.len(),
            province.chairman(plan)
        )))
        .add_paragraph(blank())
        .add_table(form::signatures(
            &["NGƯỜI LẬP BIÊN BẢN"],
            "(Ký, ghi rõ họ và tên)",
            None,
            &signer.authority.iter().map(String::as_str).collect::<Vec<_>>(),
            "(Ký, đóng dấu)",
            Some(&signer.name),
        ));
    pack(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_their_symbols_and_place_names() {
        assert_eq!(symbol_of("Sở Kế hoạch và Đầu tư"), "SKHĐT");
        assert_eq!(symbol_of("Sở Tư pháp"), "STP");
        assert_eq!(symbol_of("Sở Lao động - Thương binh và Xã hội"), "SLĐTBXH");
        assert_eq!(place_of("huyện Châu Đức"), "Châu Đức");
        assert_eq!(place_of("thành phố Bà Rịa"), "Bà Rịa");
        assert_eq!(place_of("phường 1"), "Phường 1");
        assert_eq!(area_of("UBND thị xã Phú Mỹ"), "thị xã Phú Mỹ");
        let p = Province {
            name: "Bà Rịa - Vũng Tàu".into(),
            place: "Bà Rịa - Vũng Tàu".into(),
        };
        let commune = unit_body("UBND xã Bình Châu", &p, &Plan::built_in());
        assert_eq!(
            (commune.parent, commune.name.as_str(), commune.place.as_str()),
            (None, "Ủy ban nhân dân xã Bình Châu", "Bình Châu")
        );
        // a city-level province (the 2025 example) is named without "tỉnh"
        let city = Province {
            name: "Thành phố Hồ Chí Minh".into(),
            place: "Thành phố Hồ Chí Minh".into(),
        };
        let plan25 = Plan::from_toml(thidua_domain::plan::EXAMPLE_2025_TWO_TIER).unwrap();
        assert_eq!(city.committee_short(&plan25), "UBND Thành phố Hồ Chí Minh");
        assert_eq!(
            city.committee(&plan25).name,
            "Ủy ban nhân dân Thành phố Hồ Chí Minh"
        );
        assert_eq!(
            p.committee_short(&Plan::built_in()),
            "UBND tỉnh Bà Rịa - Vũng Tàu"
        );
        assert_eq!(
            unit_body("Sở Tư pháp", &city, &plan25).parent.as_deref(),
            Some("UBND Thành phố Hồ Chí Minh")
        );
        let agency = unit_body("Sở Tư pháp", &p, &Plan::built_in());
        assert_eq!(agency.parent.as_deref(), Some("UBND tỉnh Bà Rịa - Vũng Tàu"));
        assert_eq!(
            (agency.symbol.as_str(), agency.place.as_str()),
            ("STP", "Bà Rịa - Vũng Tàu")
        );
    }

    #[test]
    fn a_person_is_named_by_title_unit_and_district_once_each() {
        let person = Person {
            name: "Hoàng Ngọc Nhung".into(),
            title: "Chủ tịch UBND xã Bình Châu".into(),
            unit: "UBND xã Bình Châu".into(),
            tier: "xa".into(),
            district: Some("huyện Xuyên Mộc".into()),
            gender: Some(Gender::Nu),
            met: "12/12".into(),
            note: String::new(),
            rank: None,
            score: String::new(),
        };
        assert_eq!(
            person.designation(),
            "Chủ tịch UBND xã Bình Châu, huyện Xuyên Mộc"
        );
        let agency = Person {
            title: "Giám đốc".into(),
            unit: "Sở Tư pháp".into(),
            district: None,
            ..person
        };
        assert_eq!(agency.designation(), "Giám đốc, Sở Tư pháp");
    }
}
