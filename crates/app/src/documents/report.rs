//! The movement's reports (issue 14, part 6): the mid-year review (sơ kết) and the
//! year-end report (tổng kết) of Sở Nội vụ, which the plan charges with following and
//! checking the movement, to the provincial People's Committee. Per tier: each indicator's
//! heads met / not met / without data (a table, and the same as a chart image), the heads
//! below target by name, and the awardees of the published decisions.

use super::form::{
    blank, body, centered, closing, grid, heading, letterhead, new_doc, pack, run, BODY, TEXT_WIDTH,
};
use super::{movement, people_grid, Body, Dating, Person, Province, Signer};
use crate::error::{Error, Result};
use crate::movement::{pct, TierTally};
use docx_rs::{AlignmentType, Paragraph, Pic, Run};
use thidua_domain::plan::Plan;
use thidua_domain::time::Date;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// The mid-year review, as of a day within the period.
    SoKet,
    /// The year-end report, at the period's end.
    TongKet,
}

pub struct Report<'a> {
    pub kind: ReportKind,
    pub plan: &'a Plan,
    pub province: &'a Province,
    /// Sở Nội vụ under the provincial People's Committee.
    pub issuer: &'a Body,
    pub dating: &'a Dating,
    pub signer: &'a Signer,
    pub as_of: Date,
    /// The evaluation rests on entries not yet verified, or the period is not over.
    pub provisional: bool,
    pub tiers: &'a [TierTally],
    /// The published decisions (number and date as signed) and their awardees.
    pub decisions: &'a [(String, Date)],
    pub awardees: &'a [Person],
}

/// The chart of one tier: a horizontal bar per indicator, in the table's order, split
/// into met (green), not met (red) and without data (grey) over the heads counted.
/// Drawn as plain rectangles (no text, so no font is needed where the server runs); the
/// caption and the table beside it name the bars. PNG, 900 px wide.
pub fn tier_chart(rows: &[(usize, usize, usize)]) -> Result<Vec<u8>> {
    const W: usize = 900;
    const BAR: usize = 22;
    const GAP: usize = 10;
    const PAD: usize = 12;
    let h = PAD * 2 + rows.len().max(1) * (BAR + GAP);
    let mut px = vec![255u8; W * h * 3];
    let mut fill = |x0: usize, y0: usize, x1: usize, y1: usize, rgb: [u8; 3]| {
        for y in y0..y1.min(h) {
            for x in x0..x1.min(W) {
                px[(y * W + x) * 3..(y * W + x) * 3 + 3].copy_from_slice(&rgb);
            }
        }
    };
    let (left, right) = (PAD, W - PAD);
    let span = right - left;
    // quarter lines behind the bars
    for q in 0..=4 {
        let x = left + span * q / 4;
        fill(x, PAD / 2, x + 1, h - PAD / 2, [208, 213, 221]);
    }
    for (i, (met, not_met, missing)) in rows.iter().enumerate() {
        let total = met + not_met + missing;
        let y = PAD + i * (BAR + GAP);
        if total == 0 {
            fill(left, y + BAR / 2, right, y + BAR / 2 + 1, [152, 162, 179]);
            continue;
        }
        let mut x = left;
        for (n, rgb) in [
            (met, [18, 183, 106]),
            (not_met, [217, 45, 32]),
            (missing, [152, 162, 179]),
        ] {
            let w = span * n / total;
            fill(x, y, x + w, y + BAR, rgb);
            x += w;
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, W as u32, h as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| Error::internal(format!("chart: {e}")))?;
        w.write_image_data(&px)
            .map_err(|e| Error::internal(format!("chart: {e}")))?;
    }
    Ok(out)
}

fn picture(png: Vec<u8>) -> Result<Paragraph> {
    // 900 px at the text's full width (EMU: 635 per twip).
    let (w_px, h_px) = {
        let d = png::Decoder::new(std::io::Cursor::new(&png));
        let r = d
            .read_info()
            .map_err(|e| Error::internal(format!("chart: {e}")))?;
        (r.info().width, r.info().height)
    };
    let w_emu = (TEXT_WIDTH * 635) as u32;
    let h_emu = w_emu / w_px * h_px;
    let pic = Pic::new_with_dimensions(png, w_px, h_px).size(w_emu, h_emu);
    Ok(Paragraph::new()
        .add_run(Run::new().add_image(pic))
        .align(AlignmentType::Center))
}

fn caption(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).italic().size(super::form::SMALL))
        .align(AlignmentType::Center)
}

pub fn report(r: &Report) -> Result<Vec<u8>> {
    let plan = r.plan;
    let year = super::year(plan);
    let (title, scope) = match r.kind {
        ReportKind::SoKet => (
            format!("Sơ kết phong trào thi đua “{}” năm {year}", plan.movement),
            format!("tính đến ngày {}", r.as_of.vi()),
        ),
        ReportKind::TongKet => (
            format!("Tổng kết phong trào thi đua “{}” năm {year}", plan.movement),
            format!("năm {year} (đến ngày {})", r.as_of.vi()),
        ),
    };
    let committee = r.province.committee(plan).name;
    let mut doc = new_doc()
        .add_table(letterhead(
            r.issuer,
            Some(r.dating.number_line("BC", r.issuer)),
            r.dating,
        ))
        .add_paragraph(blank())
        .add_paragraph(centered("BÁO CÁO", true, BODY))
        .add_paragraph(centered(&title, true, BODY))
        .add_paragraph(blank());
    if r.provisional {
        doc = doc.add_paragraph(centered(
            "(Số liệu tạm tính: còn số liệu chưa được xác nhận hoặc kỳ thi đua chưa kết thúc)",
            false,
            super::form::SMALL,
        ));
    }
    doc = doc
        .add_paragraph(body(&format!(
            "Thực hiện {}, {} báo cáo kết quả thực hiện phong trào thi đua {scope} như sau:",
            plan.title, r.issuer.name
        )))
        .add_paragraph(heading("I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU THI ĐUA"));
    for (n, t) in r.tiers.iter().enumerate() {
        let n = n + 1;
        doc = doc
            .add_paragraph(heading(&format!("{n}. {}", t.name)))
            .add_paragraph(body(&format!(
                "Có {} người đứng đầu được đánh giá; {} người đủ điều kiện xét khen thưởng; tỷ lệ chỉ tiêu đạt chung {}.",
                t.heads,
                t.eligible,
                t.met_pct()
            )));
        let rows = t
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                vec![
                    (i + 1).to_string(),
                    row.name.clone(),
                    row.met.to_string(),
                    row.not_met.to_string(),
                    row.missing.to_string(),
                    row.not_arising.to_string(),
                    pct(row.met, row.counted()),
                ]
            })
            .collect();
        doc = doc
            .add_paragraph(caption(&format!(
                "Bảng {n}. Số người đứng đầu theo kết quả từng chỉ tiêu — {}",
                t.name
            )))
            .add_table(grid(
                &[
                    "STT",
                    "Chỉ tiêu",
                    "Đạt",
                    "Không đạt",
                    "Chưa có số liệu",
                    "Không phát sinh",
                    "Tỷ lệ đạt",
                ],
                &[650, 3305, 900, 1000, 1100, 1100, 1250],
                rows,
            ))
            .add_paragraph(blank());
        let bars: Vec<(usize, usize, usize)> = t.rows.iter().map(|r| (r.met, r.not_met, r.missing)).collect();
        doc = doc.add_paragraph(picture(tier_chart(&bars)?)?).add_paragraph(caption(&format!(
            "Biểu đồ {n}. Tỷ lệ đạt (xanh), không đạt (đỏ), chưa có số liệu (xám) của từng chỉ tiêu, theo thứ tự các dòng của Bảng {n}"
        )));
        if t.below.is_empty() {
            doc = doc.add_paragraph(body("Không có người đứng đầu nào có chỉ tiêu không đạt."));
        } else {
            doc = doc
                .add_paragraph(body(&format!(
                    "Các cơ quan, đơn vị, địa phương có chỉ tiêu không đạt ({}):",
                    t.below.len()
                )))
                .add_table(grid(
                    &["STT", "Cơ quan, đơn vị", "Người đứng đầu", "Chỉ tiêu không đạt"],
                    &[600, 2800, 2200, 3755],
                    t.below
                        .iter()
                        .enumerate()
                        .map(|(i, b)| {
                            vec![
                                (i + 1).to_string(),
                                b.unit.clone(),
                                b.head.clone(),
                                b.indicators.join("; "),
                            ]
                        })
                        .collect(),
                ));
        }
    }
    doc = doc.add_paragraph(heading("II. KẾT QUẢ KHEN THƯỞNG"));
    if r.awardees.is_empty() {
        doc = doc.add_paragraph(body(match r.kind {
            ReportKind::SoKet => "Việc xét khen thưởng thực hiện khi kết thúc kỳ thi đua theo Kế hoạch.",
            ReportKind::TongKet => "Chưa có quyết định khen thưởng nào được công bố.",
        }));
    } else {
        let decisions: Vec<String> = r
            .decisions
            .iter()
            .map(|(no, d)| format!("Quyết định số {no} ngày {}", d.vi()))
            .collect();
        doc = doc
            .add_paragraph(body(&format!(
                "{} đã tặng {} cho {} cá nhân người đứng đầu có thành tích xuất sắc trong {} ({}):",
                r.province.chairman(plan),
                plan.award.form,
                r.awardees.len(),
                movement(plan),
                decisions.join("; ")
            )))
            .add_table(people_grid(r.awardees, None));
    }
    doc = doc
        .add_paragraph(heading("III. ĐÁNH GIÁ CHUNG, PHƯƠNG HƯỚNG"))
        .add_paragraph(body(
            "(Phần nhận xét, đánh giá và phương hướng do Sở Nội vụ soạn thảo bổ sung trước khi ký; các số liệu trên do hệ thống tính từ dữ liệu đã nhập.)",
        ))
        .add_paragraph(body(&format!("Trên đây là báo cáo {} của {}./.", title.to_lowercase(), r.issuer.name)))
        .add_paragraph(blank())
        .add_table(closing(
            &[
                format!("{committee} (báo cáo)"),
                plan.issuing.board.clone(),
                "Các cơ quan, đơn vị, địa phương".to_string(),
            ],
            &plan.issuing.board_symbol,
            r.signer,
        ));
    pack(doc)
}
