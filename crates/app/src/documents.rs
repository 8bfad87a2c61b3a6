//! Generated documents (DOCX, editable in Word and LibreOffice) in the standard Vietnamese
//! administrative layout (Nghị định 30/2020/NĐ-CP): the agency top left, the national
//! motto top right with place and date, Times New Roman 13–14 pt, A4 with 2/3/1.5 cm
//! margins. Every figure comes from the system's own evaluation.
//!
//! - `mau07`: the achievement report draft of a head, in the shape of Mẫu số 07 of
//!   Nghị định 91/2017/NĐ-CP;
//! - `to_trinh`: the movement office's submission to the Chairman listing proposed heads;
//! - `quyet_dinh`: the draft decision on the award with its list of awardees.

use crate::error::{Error, Result};
use crate::fmt::{indicator_views, tier_name};
use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType, Table,
    TableCell, TableRow, WidthType,
};
use thidua_domain::eval::HeadResult;
use thidua_domain::plan::Plan;
use thidua_domain::time::Date;

/// Where and when a document is issued.
#[derive(Debug, Clone)]
pub struct Issue {
    /// The province's name (`Bà Rịa - Vũng Tàu`), from the settings.
    pub province: String,
    /// The place written before the date.
    pub place: String,
    pub date: Date,
    /// The day the evaluation's figures stand at.
    pub results_as_of: Date,
}

impl Issue {
    /// `Bà Rịa - Vũng Tàu, ngày 05 tháng 02 năm 2024` (day below 10 and months 1–2 with a
    /// leading zero, as Nghị định 30/2020 asks).
    pub fn line(&self) -> String {
        let (y, m, d) = self.date.ymd();
        let month = if m <= 2 { format!("{m:02}") } else { m.to_string() };
        format!("{}, ngày {d:02} tháng {month} năm {y}", self.place)
    }
}

/// One person on a list (tờ trình, quyết định).
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub title: String,
    pub unit: String,
    pub score: String,
    pub met: String,
    /// "Đề xuất từ xếp hạng" for suggestions, the Board's verdict for nominations.
    pub note: String,
}

const FONT: &str = "Times New Roman";
const BODY: usize = 28; // half-points: 14 pt
const SMALL: usize = 26; // 13 pt
const HEAD: usize = 24; // 12 pt: the letterhead's uppercase lines
const TEXT_WIDTH: usize = 9355; // A4 minus 3 cm + 1.5 cm, in twentieths of a point

fn run(text: &str) -> Run {
    Run::new()
        .add_text(text)
        .fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT))
}

fn para(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text))
        .line_spacing(LineSpacing::new().before(60).after(60))
}

/// A body paragraph, justified, first line indented 1 cm.
fn body(text: &str) -> Paragraph {
    para(text)
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(567)), None, None)
}

fn centered(text: &str, bold: bool, size: usize) -> Paragraph {
    let r = run(text).size(size);
    Paragraph::new()
        .add_run(if bold { r.bold() } else { r })
        .align(AlignmentType::Center)
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).bold())
        .line_spacing(LineSpacing::new().before(120).after(60))
}

fn cell(p: Paragraph, width: usize) -> TableCell {
    TableCell::new().add_paragraph(p).width(width, WidthType::Dxa)
}

fn text_cell(text: &str, width: usize, bold: bool) -> TableCell {
    let r = run(text).size(SMALL);
    cell(Paragraph::new().add_run(if bold { r.bold() } else { r }), width)
}

fn new_doc() -> Docx {
    Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(1134)
                .bottom(1134)
                .left(1701)
                .right(850)
                .header(720)
                .footer(720),
        )
        .default_fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT))
        .default_size(BODY)
}

/// The two-column head of every administrative document.
fn letterhead(superior: &str, agency: &str, number: &str, issue: &Issue) -> Table {
    let left = TableCell::new()
        .width(3700, WidthType::Dxa)
        .add_paragraph(centered(&superior.to_uppercase(), false, HEAD))
        .add_paragraph(centered(&agency.to_uppercase(), true, HEAD))
        .add_paragraph(centered("———", false, HEAD))
        .add_paragraph(centered(number, false, SMALL));
    let right = TableCell::new()
        .width(5655, WidthType::Dxa)
        .add_paragraph(centered("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", true, HEAD))
        .add_paragraph(centered("Độc lập - Tự do - Hạnh phúc", true, SMALL))
        .add_paragraph(centered("———————————", false, HEAD))
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&issue.line()).italic().size(SMALL))
                .align(AlignmentType::Center),
        );
    Table::without_borders(vec![TableRow::new(vec![left, right])])
        .set_grid(vec![3700, 5655])
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// Two signature blocks side by side (left may be empty).
fn signatures(left: &[(&str, bool, bool)], right: &[(&str, bool, bool)]) -> Table {
    let block = |lines: &[(&str, bool, bool)], width: usize| {
        let mut c = TableCell::new().width(width, WidthType::Dxa);
        for (text, bold, italic) in lines {
            let mut r = run(text).size(if *italic { SMALL } else { BODY });
            if *bold {
                r = r.bold();
            }
            if *italic {
                r = r.italic();
            }
            c = c.add_paragraph(Paragraph::new().add_run(r).align(AlignmentType::Center));
        }
        c
    };
    Table::without_borders(vec![TableRow::new(vec![block(left, 4677), block(right, 4678)])])
        .set_grid(vec![4677, 4678])
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// A one-paragraph document, laid out like every other: a valid DOCX for the evidence
/// upload's content checks.
pub fn sample_docx() -> Vec<u8> {
    pack(new_doc().add_paragraph(body("Báo cáo"))).expect("a one-paragraph document packs")
}

fn blank() -> Paragraph {
    Paragraph::new()
}

fn pack(doc: Docx) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| Error::internal(format!("docx: {e}")))?;
    Ok(out.into_inner())
}

/// The agency above a unit, for the top left: the province's committee for provincial
/// agencies and districts; for a commune, its district when known.
pub fn superior_of(plan: &Plan, tier: &str, parent_name: Option<&str>, province: &str) -> String {
    match (tier, parent_name) {
        ("xa", Some(p)) => p.to_string(),
        _ => format!("{} {province}", plan.issuer),
    }
}

/// Mẫu số 07 (Nghị định 91/2017/NĐ-CP, "Báo cáo thành tích đề nghị khen thưởng theo đợt
/// thi đua hoặc theo chuyên đề"): the achievement report draft of one head.
pub fn mau07(plan: &Plan, h: &HeadResult, superior: &str, issue: &Issue) -> Result<Vec<u8>> {
    let views = indicator_views(plan, h);
    let provenance = if h.provisional {
        "một số số liệu đơn vị báo cáo còn chờ Sở Nội vụ xác nhận (tạm tính)"
    } else {
        "số liệu đơn vị báo cáo đã được Sở Nội vụ xác nhận"
    };
    let mut doc = new_doc()
        .add_table(letterhead(superior, &h.unit.name, "", issue))
        .add_paragraph(blank())
        .add_paragraph(centered("BÁO CÁO THÀNH TÍCH", true, BODY))
        .add_paragraph(centered(&format!("ĐỀ NGHỊ TẶNG {}", plan.award.form.to_uppercase()), true, BODY))
        .add_paragraph(Paragraph::new().add_run(run(&format!("(Thành tích trong phong trào thi đua “{}”, {})", plan.movement, period(plan))).italic()).align(AlignmentType::Center))
        .add_paragraph(blank())
        .add_paragraph(heading("I. THÔNG TIN CHUNG"))
        .add_paragraph(body(&format!("- Họ và tên: {}", h.head.name)))
        .add_paragraph(body(&format!("- Chức vụ: {}", h.head.title)))
        .add_paragraph(body(&format!("- Đơn vị công tác: {} ({})", h.unit.name, tier_name(plan, &h.unit.tier))))
        .add_paragraph(body(&format!(
            "- Thời gian giữ chức vụ người đứng đầu trong kỳ thi đua: {} tháng (từ {}{}).",
            h.months.len(),
            h.head.from.vi(),
            h.head.to.map(|t| format!(" đến {}", t.vi())).unwrap_or_default()
        )))
        .add_paragraph(body(&format!(
            "- Quyền hạn, nhiệm vụ được giao: lãnh đạo, chỉ đạo thực hiện nhiệm vụ cải cách hành chính của đơn vị theo {}.",
            plan.title
        )))
        .add_paragraph(heading("II. THÀNH TÍCH ĐẠT ĐƯỢC"))
        .add_paragraph(body(&format!(
            "1. Kết quả thực hiện các chỉ tiêu của Kế hoạch, tính đến ngày {}, do hệ thống đo từ hồ sơ thủ tục hành chính và {provenance}: đạt {} chỉ tiêu.",
            issue.results_as_of.vi(),
            crate::fmt::met_count(h)
        )));
    let widths = [750, 3450, 1650, 1900, 1605];
    let mut rows = vec![TableRow::new(
        ["STT", "Chỉ tiêu", "Kết quả đạt được", "Chỉ tiêu giao", "Đánh giá"]
            .iter()
            .zip(widths)
            .map(|(t, w)| text_cell(t, w, true))
            .collect(),
    )];
    for (i, v) in views.iter().enumerate() {
        let status = if v.provisional {
            format!("{} (tạm tính)", v.status)
        } else {
            v.status.to_string()
        };
        rows.push(TableRow::new(vec![
            text_cell(&(i + 1).to_string(), widths[0], false),
            text_cell(&v.name, widths[1], false),
            text_cell(&v.value, widths[2], false),
            text_cell(&v.target, widths[3], false),
            text_cell(&status, widths[4], false),
        ]));
    }
    doc = doc.add_table(
        Table::new(rows)
            .set_grid(widths.to_vec())
            .width(TEXT_WIDTH, WidthType::Dxa),
    );
    let initiatives = plan
        .award
        .initiative_indicator
        .as_deref()
        .and_then(|code| h.indicator(code))
        .map(|r| r.value.vi())
        .unwrap_or_else(|| "—".into());
    doc = doc
        .add_paragraph(body(&format!(
            "Điểm ưu tiên theo Kế hoạch: {}{}.",
            thidua_domain::rank::score_vi(h.score),
            h.rank.map(|r| format!(", xếp thứ {r} trong số người đứng đầu đủ điều kiện")).unwrap_or_default()
        )))
        .add_paragraph(body(&format!(
            "2. Các giải pháp, sáng kiến trong thực hiện nhiệm vụ cải cách hành chính: {initiatives} giải pháp, sáng kiến được công nhận. (Nêu tên, hiệu quả áp dụng của từng sáng kiến: ……………………)"
        )))
        .add_paragraph(body("3. Các biện pháp, giải pháp đã áp dụng để đạt các chỉ tiêu: ……………………………………………"))
        .add_paragraph(blank())
        .add_table(signatures(
            &[("XÁC NHẬN CỦA CẤP TRÌNH KHEN THƯỞNG", true, false), ("(Ký, đóng dấu)", false, true)],
            &[("NGƯỜI BÁO CÁO THÀNH TÍCH", true, false), ("(Ký, ghi rõ họ và tên)", false, true), ("", false, false), ("", false, false), ("", false, false), (&h.head.name, true, false)],
        ));
    pack(doc)
}

fn period(plan: &Plan) -> String {
    format!("từ {} đến {}", plan.period_from.vi(), plan.period_to.vi())
}

fn people_table(people: &[Person], with_results: bool) -> Table {
    let widths: Vec<usize> = if with_results {
        vec![750, 2200, 2850, 1200, 1155, 1200]
    } else {
        vec![750, 3000, 4205, 1400]
    };
    let head: Vec<&str> = if with_results {
        vec![
            "STT",
            "Họ và tên",
            "Chức vụ, đơn vị",
            "Điểm ưu tiên",
            "Chỉ tiêu đạt",
            "Ghi chú",
        ]
    } else {
        vec!["STT", "Họ và tên", "Chức vụ, đơn vị", "Ghi chú"]
    };
    let mut rows = vec![TableRow::new(
        head.iter()
            .zip(&widths)
            .map(|(t, w)| text_cell(t, *w, true))
            .collect(),
    )];
    for (i, p) in people.iter().enumerate() {
        let mut cells = vec![
            text_cell(&(i + 1).to_string(), widths[0], false),
            text_cell(&p.name, widths[1], false),
            text_cell(&format!("{}, {}", p.title, p.unit), widths[2], false),
        ];
        if with_results {
            cells.push(text_cell(&p.score, widths[3], false));
            cells.push(text_cell(&p.met, widths[4], false));
        }
        cells.push(text_cell(&p.note, *widths.last().expect("columns"), false));
        rows.push(TableRow::new(cells));
    }
    Table::new(rows)
        .set_grid(widths)
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// The movement office's tờ trình to the Chairman. `suggestions` marks a list taken from
/// the ranking because no nomination has been proposed yet.
pub fn to_trinh(plan: &Plan, people: &[Person], suggestions: bool, issue: &Issue) -> Result<Vec<u8>> {
    let year = plan.period_from.ymd().0;
    let mut doc = new_doc()
        .add_table(letterhead(&format!("{} {}", plan.issuer, issue.province), &plan.standing_agency, "Số:       /TTr-SNV", issue))
        .add_paragraph(blank())
        .add_paragraph(centered("TỜ TRÌNH", true, BODY))
        .add_paragraph(centered(
            &format!("Về việc đề nghị tặng {} cho cá nhân người đứng đầu có thành tích xuất sắc trong phong trào thi đua “{}” năm {year}", plan.award.form, plan.movement),
            true,
            BODY,
        ))
        .add_paragraph(blank())
        .add_paragraph(centered(&format!("Kính gửi: Chủ tịch {} {}.", plan.issuer, issue.province), false, BODY));
    for basis in plan.legal_bases.iter().take(4) {
        doc = doc.add_paragraph(body(&format!("Căn cứ {basis};")));
    }
    doc = doc
        .add_paragraph(body(&format!("Căn cứ {};", plan.title)))
        .add_paragraph(body(&if suggestions {
            format!(
                "Chưa có hồ sơ đề nghị được Ban Thi đua - Khen thưởng thẩm định. Trên cơ sở kết quả đánh giá các chỉ tiêu của Kế hoạch đến ngày {}, {} báo cáo danh sách {} người đứng đầu xếp hạng cao nhất (đề xuất từ kết quả xếp hạng của hệ thống, để tham khảo; tối đa {} người theo Kế hoạch).",
                issue.results_as_of.vi(),
                plan.standing_agency,
                people.len(),
                plan.award.quota
            )
        } else {
            format!(
                "Trên cơ sở kết quả đánh giá các chỉ tiêu của Kế hoạch đến ngày {} và kết quả thẩm định của Ban Thi đua - Khen thưởng, {} kính trình Chủ tịch {} {} xem xét, tặng {} cho {} cá nhân người đứng đầu có thành tích xuất sắc (danh sách kèm theo; tối đa {} người theo Kế hoạch).",
                issue.results_as_of.vi(),
                plan.standing_agency,
                plan.issuer,
                issue.province,
                plan.award.form,
                people.len(),
                plan.award.quota
            )
        }));
    doc = doc
        .add_table(people_table(people, true))
        .add_paragraph(body(&format!(
            "{} kính trình Chủ tịch {} {} xem xét, quyết định./.",
            plan.standing_agency, plan.issuer, issue.province
        )))
        .add_paragraph(blank())
        .add_table(signatures(
            &[
                ("Nơi nhận:", true, false),
                ("- Như trên;", false, true),
                ("- Ban Thi đua - Khen thưởng;", false, true),
                ("- Lưu: VT.", false, true),
            ],
            &[
                ("GIÁM ĐỐC", true, false),
                ("", false, false),
                ("", false, false),
                ("", false, false),
            ],
        ));
    pack(doc)
}

/// The draft quyết định khen thưởng with its list.
pub fn quyet_dinh(plan: &Plan, people: &[Person], suggestions: bool, issue: &Issue) -> Result<Vec<u8>> {
    let year = plan.period_from.ymd().0;
    let committee = format!("{} {}", plan.issuer, issue.province);
    // "KT. CHỦ TỊCH — PHÓ CHỦ TỊCH": one line each
    let signer_lines: Vec<String> = plan
        .signer_title
        .split('—')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut doc = new_doc()
        .add_table(letterhead("", &committee, "Số:       /QĐ-UBND", issue))
        .add_paragraph(blank())
        .add_paragraph(centered(if suggestions { "DỰ THẢO QUYẾT ĐỊNH (DANH SÁCH ĐỀ XUẤT)" } else { "QUYẾT ĐỊNH" }, true, BODY))
        .add_paragraph(centered(&format!("Về việc tặng {}", plan.award.form), true, BODY))
        .add_paragraph(if suggestions {
            body("(Chưa có hồ sơ đề nghị được phê duyệt: danh sách tại Điều 1 là đề xuất từ kết quả xếp hạng của hệ thống, để tham khảo.)")
        } else {
            blank()
        })
        .add_paragraph(centered(&format!("CHỦ TỊCH {}", committee.to_uppercase()), true, BODY))
        .add_paragraph(blank())
        .add_paragraph(body("Căn cứ Luật Tổ chức chính quyền địa phương;"))
        .add_paragraph(body("Căn cứ Luật Thi đua, khen thưởng và các văn bản hướng dẫn thi hành;"))
        .add_paragraph(body(&format!("Căn cứ {};", plan.title)))
        .add_paragraph(body(&format!("Xét đề nghị của Giám đốc {} tại Tờ trình số      /TTr-SNV ngày     /     /{}.", plan.standing_agency, issue.date.ymd().0)))
        .add_paragraph(centered("QUYẾT ĐỊNH:", true, BODY))
        .add_paragraph(body(&format!(
            "Điều 1. Tặng {} cho {} cá nhân (có danh sách kèm theo) đã có thành tích xuất sắc trong phong trào thi đua “{}” năm {year}.",
            plan.award.form,
            people.len(),
            plan.movement
        )))
        .add_paragraph(body("Điều 2. Quyết định này có hiệu lực kể từ ngày ký."))
        .add_paragraph(body(&format!(
            "Điều 3. Chánh Văn phòng {committee}, Giám đốc {}, Trưởng Ban Thi đua - Khen thưởng, thủ trưởng các cơ quan, đơn vị liên quan và các cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
            plan.standing_agency
        )))
        .add_paragraph(blank())
        .add_table(signatures(
            &[("Nơi nhận:", true, false), ("- Như Điều 3;", false, true), ("- Lưu: VT.", false, true)],
            &signer_lines.iter().map(|l| (l.as_str(), true, false)).chain([("", false, false), ("", false, false), ("", false, false), (plan.signer.as_str(), true, false)]).collect::<Vec<_>>(),
        ))
        .add_paragraph(blank())
        .add_paragraph(centered("DANH SÁCH", true, BODY))
        .add_paragraph(centered(&format!("Cá nhân được tặng {}", plan.award.form), true, BODY))
        .add_paragraph(Paragraph::new().add_run(run("(Kèm theo Quyết định số      /QĐ-UBND của Chủ tịch UBND tỉnh)").italic()).align(AlignmentType::Center));
    if suggestions {
        doc = doc.add_paragraph(body(
            "(Danh sách đề xuất từ kết quả xếp hạng của hệ thống, để tham khảo.)",
        ));
    }
    doc = doc.add_table(people_table(people, false));
    pack(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_line_follows_decree_30() {
        let d = Date::from_ymd(2024, 2, 5).unwrap();
        let i = Issue {
            province: "Bà Rịa - Vũng Tàu".into(),
            place: "Bà Rịa - Vũng Tàu".into(),
            date: d,
            results_as_of: d,
        };
        assert_eq!(i.line(), "Bà Rịa - Vũng Tàu, ngày 05 tháng 02 năm 2024");
        let i = Issue {
            date: Date::from_ymd(2024, 11, 26).unwrap(),
            ..i
        };
        assert_eq!(i.line(), "Bà Rịa - Vũng Tàu, ngày 26 tháng 11 năm 2024");
    }
}
