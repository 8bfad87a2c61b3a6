use comfy_table::Table;
use thidua_domain::eval::HeadResult;
use thidua_domain::plan::Plan;
use thidua_domain::rank::{self, score_vi};
use thidua_domain::time::DateTime;

pub fn summary_vi(r: &HeadResult) -> String {
    let mut s = match r.summary_status() {
        "du_dieu_kien" => "Đủ điều kiện".to_string(),
        "chua_du_thoi_gian" => "Chưa đủ thời gian giữ chức vụ".to_string(),
        _ => "Không đủ điều kiện".to_string(),
    };
    s.push_str(&format!("; điểm ưu tiên {}", score_vi(r.score)));
    if let Some(rank) = r.rank {
        s.push_str(&format!("; hạng {rank}"));
    }
    s.push_str(&format!("; {} tháng", r.months.len()));
    if r.unknown_procedures > 0 {
        s.push_str(&format!(
            "; {} hồ sơ có mã TTHC ngoài danh mục (không tính rút ngắn thời gian)",
            r.unknown_procedures
        ));
    }
    if r.provisional {
        s.push_str("; tạm tính");
    }
    s
}

pub fn print_table(plan: &Plan, results: &[HeadResult], as_of: DateTime) {
    println!("{} — đánh giá đến {}", plan.code, as_of.vi());
    let mut t = Table::new();
    t.set_header([
        "Mã ĐV",
        "Người đứng đầu",
        "Cấp",
        "Chỉ tiêu",
        "Kết quả",
        "Chỉ tiêu giao",
        "Trạng thái",
    ]);
    for r in results {
        for ind in &plan.indicators {
            let Some(res) = r.indicator(&ind.code) else {
                continue;
            };
            let status = if res.provisional {
                format!("{} (tạm tính)", res.status.vi())
            } else {
                res.status.vi().to_string()
            };
            t.add_row([
                r.unit.code.clone(),
                r.head.name.clone(),
                r.unit.tier.clone(),
                ind.code.clone(),
                res.value.vi(),
                ind.target_vi(&r.unit.tier),
                status,
            ]);
        }
        t.add_row([
            r.unit.code.clone(),
            r.head.name.clone(),
            r.unit.tier.clone(),
            "_tong_hop".into(),
            String::new(),
            String::new(),
            summary_vi(r),
        ]);
    }
    println!("{t}");
    let suggested = rank::suggested(results, &plan.award);
    if !suggested.heads.is_empty() {
        println!(
            "Danh sách đề xuất theo thứ tự ưu tiên (tối đa {} người) / suggested list:",
            plan.award.quota
        );
        let mut top = Table::new();
        top.set_header([
            "Hạng",
            "Mã ĐV",
            "Đơn vị",
            "Người đứng đầu",
            "Điểm ưu tiên",
            "Ghi chú",
        ]);
        for r in &suggested.heads {
            top.add_row([
                r.rank.map(|n| n.to_string()).unwrap_or_default(),
                r.unit.code.clone(),
                r.unit.name.clone(),
                r.head.name.clone(),
                score_vi(r.score),
                if r.provisional {
                    "tạm tính".to_string()
                } else {
                    String::new()
                },
            ]);
        }
        println!("{top}");
        // the plan's one-head-per-unit option: who was passed over, and for whom
        for (left, first) in &suggested.passed_over {
            println!(
                "Không đề xuất {} (hạng {}): đơn vị {} đã có {} (hạng {}) trong danh sách; kế hoạch chỉ khen thưởng một người mỗi đơn vị / passed over: one head per unit",
                left.head.name,
                left.rank.unwrap_or(0),
                left.unit.name,
                first.head.name,
                first.rank.unwrap_or(0)
            );
        }
    }
    let eligible = results.iter().filter(|r| r.eligible).count();
    println!(
        "{} người đứng đầu được đánh giá, {} đủ điều kiện; đề xuất tối đa {} người / {} heads evaluated, {} eligible",
        results.len(),
        eligible,
        plan.award.quota,
        results.len(),
        eligible
    );
}
