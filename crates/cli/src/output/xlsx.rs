use super::table::summary_vi;
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;
use thidua_domain::eval::{HeadResult, Value};
use thidua_domain::num::Dec;
use thidua_domain::plan::Plan;
use thidua_domain::time::DateTime;

/// A ratio for a spreadsheet cell, truncated to hundredths of a percent so that Excel's
/// own rounding can never show 98.996% as 99,00%.
fn truncated_ratio(num: Dec, den: Dec) -> f64 {
    (num.0 * 10_000 / den.0) as f64 / 10_000.0
}

pub fn write_xlsx(path: &Path, plan: &Plan, results: &[HeadResult], as_of: DateTime) -> anyhow::Result<()> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.00%");
    let sheet = wb.add_worksheet().set_name("Kết quả")?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{} — đánh giá đến {}", plan.title, as_of.vi()),
        &bold,
    )?;
    let headers = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Cấp",
        "Người đứng đầu",
        "Mã chỉ tiêu",
        "Chỉ tiêu",
        "Tử số",
        "Mẫu số",
        "Kết quả",
        "Chỉ tiêu giao",
        "Trạng thái",
        "Tạm tính",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    let mut row = 3u32;
    for r in results {
        for ind in &plan.indicators {
            let Some(res) = r.indicator(&ind.code) else {
                continue;
            };
            sheet.write_string(row, 0, &r.unit.code)?;
            sheet.write_string(row, 1, &r.unit.name)?;
            sheet.write_string(row, 2, &r.unit.tier)?;
            sheet.write_string(row, 3, &r.head.name)?;
            sheet.write_string(row, 4, &ind.code)?;
            sheet.write_string(row, 5, &ind.name)?;
            match res.value {
                Value::Ratio(s) => {
                    sheet.write_number(row, 6, s.num.to_f64())?;
                    sheet.write_number(row, 7, s.den.to_f64())?;
                    if s.den != Dec::ZERO {
                        sheet.write_number_with_format(row, 8, truncated_ratio(s.num, s.den), &pct)?;
                    }
                }
                Value::Count(n) => {
                    sheet.write_number(row, 8, n as f64)?;
                }
                v @ Value::Bool(_) => {
                    sheet.write_string(row, 8, v.vi())?;
                }
                Value::None => {}
            }
            sheet.write_string(row, 9, ind.target_vi(&r.unit.tier))?;
            sheet.write_string(row, 10, res.status.vi())?;
            sheet.write_string(row, 11, if res.provisional { "Có" } else { "" })?;
            row += 1;
        }
    }
    sheet.autofit();
    let rank = wb.add_worksheet().set_name("Xếp hạng")?;
    let headers = [
        "Hạng",
        "Mã đơn vị",
        "Tên đơn vị",
        "Cấp",
        "Người đứng đầu",
        "Chức vụ",
        "Số tháng",
        "Điểm ưu tiên",
        "Đủ điều kiện",
        "Tạm tính",
        "Ghi chú",
    ];
    for (c, h) in headers.iter().enumerate() {
        rank.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut order: Vec<&HeadResult> = results.iter().collect();
    order.sort_by_key(|r| (r.rank.is_none(), r.rank, r.unit.code.clone()));
    for (i, r) in order.iter().enumerate() {
        let row = i as u32 + 1;
        if let Some(n) = r.rank {
            rank.write_number(row, 0, n as f64)?;
        }
        rank.write_string(row, 1, &r.unit.code)?;
        rank.write_string(row, 2, &r.unit.name)?;
        rank.write_string(row, 3, &r.unit.tier)?;
        rank.write_string(row, 4, &r.head.name)?;
        rank.write_string(row, 5, &r.head.title)?;
        rank.write_number(row, 6, r.months.len() as f64)?;
        rank.write_number_with_format(
            row,
            7,
            r.score.to_f64(),
            &Format::new().set_num_format("0.000000"),
        )?;
        rank.write_string(row, 8, if r.eligible { "Có" } else { "Không" })?;
        rank.write_string(row, 9, if r.provisional { "Có" } else { "" })?;
        rank.write_string(row, 10, summary_vi(r))?;
    }
    rank.autofit();
    wb.save(path)?;
    Ok(())
}
