//! The entered indicator values.

use super::cast::*;
use super::csv_text::row;
use super::places::*;
use super::rng::*;
use thidua_domain::num::{Dec, SCALE};
use thidua_domain::plan::{Comparison, Indicator, Kind, Plan, Threshold};

/// Indicators reported per quarter (tasks and coordination requests are tallied quarterly);
/// the others once for the year.
pub(super) const QUARTERLY: &[&str] = &["menh_lenh_hc", "phoi_hop"];

/// The denominator's range for a ratio per period, by indicator and tier.
pub(super) fn ratio_scale(code: &str, tier: &str) -> (u64, u64) {
    match (code, tier) {
        ("menh_lenh_hc", "xa") => (10, 30),
        ("menh_lenh_hc", _) => (20, 90),
        ("phoi_hop", "xa") => (10, 40),
        ("phoi_hop", _) => (30, 150),
        // Legal documents drafted in the year; some agencies draft none.
        ("the_che", "tinh") => (0, 8),
        ("the_che", _) => (1, 5),
        // Public investment plan, million VND.
        ("giai_ngan_dtc", "tinh") => (15_000, 450_000),
        ("giai_ngan_dtc", _) => (250_000, 1_800_000),
        _ => (10, 100),
    }
}

#[derive(Clone, Copy)]
pub(super) enum Val {
    Ratio(i64, i64),
    Count(i64),
    Bool(bool),
}

/// `den · t%`, rounded down or up.
pub(super) fn pct(den: i64, t: Dec, up: bool) -> i64 {
    let x = den as i128 * t.0;
    let q = x.div_euclid(100 * SCALE);
    (if up && x.rem_euclid(100 * SCALE) != 0 {
        q + 1
    } else {
        q
    }) as i64
}

/// Whether a value can miss the threshold (a count "≥ 0" cannot).
pub(super) fn can_fail(ind: &Indicator, tier: &str) -> bool {
    match (ind.comparison, ind.thresholds.get(tier)) {
        (Comparison::Ge, Some(Threshold::Number(t))) => *t > Dec::ZERO,
        (Comparison::Le, Some(Threshold::Number(t))) => ind.kind != Kind::Ratio || *t < Dec::from_int(100),
        (_, Some(_)) => true,
        (_, None) => false,
    }
}

/// A value meeting (or, with `fail`, missing) the indicator's threshold for `tier`; a
/// ratio's denominator is drawn from `scale`.
pub(super) fn value_for(
    ind: &Indicator,
    tier: &str,
    fail: bool,
    scale: (u64, u64),
    rng: &mut Rng,
) -> Option<Val> {
    let cmp = ind.comparison;
    Some(match (ind.kind, *ind.thresholds.get(tier)?) {
        (Kind::Ratio, Threshold::Number(t)) => {
            let (lo, hi) = scale;
            let den = rng.between_u64(if fail { lo.max(2) } else { lo }, hi.max(2)) as i64;
            let (floor, ceil) = (pct(den, t, false), pct(den, t, true));
            let num = match (cmp, fail) {
                (Comparison::Ge, false) => rng.between_u64(ceil as u64, den as u64) as i64,
                (Comparison::Ge, true) => (ceil - 1 - rng.below((den as u64 / 15).max(1)) as i64).max(0),
                (Comparison::Eq, false) => floor,
                (Comparison::Eq, true) => (floor - 1).max(0),
                (Comparison::Le, false) => rng.between_u64(0, floor as u64) as i64,
                (Comparison::Le, true) => (floor + 1).min(den),
            };
            Val::Ratio(num, den)
        }
        (Kind::Count, Threshold::Number(t)) => {
            let n = t.to_i64().unwrap_or_else(|| pct(100, t, true) / 100);
            Val::Count(match (cmp, fail) {
                // Initiatives: mostly one or two, sometimes three.
                (Comparison::Ge, false) => n + rng.below(3) as i64 / 2 + rng.below(2) as i64,
                (Comparison::Ge, true) => (n - 1).max(0),
                (Comparison::Eq, false) => n,
                (Comparison::Le, false) => rng.between_u64(0, n.max(0) as u64) as i64,
                (_, true) => n + 1,
            })
        }
        (Kind::Boolean, Threshold::Bool(b)) => Val::Bool(b != fail),
        _ => return None,
    })
}

/// The note an office would write next to the figure.
pub(super) fn note(code: &str, v: Val, year: i32) -> String {
    match (code, v) {
        ("menh_lenh_hc", Val::Ratio(n, d)) => format!("{n}/{d} nhiệm vụ cấp trên giao hoàn thành đúng hạn"),
        ("phoi_hop", Val::Ratio(n, d)) => format!("{n}/{d} văn bản phối hợp trả lời đúng hạn"),
        ("the_che", Val::Ratio(_, 0)) => "Không có văn bản QPPL phải tham mưu trong năm".into(),
        ("the_che", Val::Ratio(n, d)) => {
            format!("{n}/{d} văn bản QPPL ban hành đúng thời hạn, đúng quy định")
        }
        ("giai_ngan_dtc", Val::Ratio(n, d)) => {
            format!("Đã giải ngân {n}/{d} triệu đồng kế hoạch vốn được giao")
        }
        ("sang_kien", Val::Count(0)) => "Chưa có giải pháp, sáng kiến được công nhận".into(),
        ("sang_kien", Val::Count(n)) => format!("{n} giải pháp, sáng kiến được Hội đồng sáng kiến công nhận"),
        ("ky_luat", Val::Count(0)) => "Không có cán bộ, công chức, viên chức bị xử lý kỷ luật".into(),
        ("ky_luat", Val::Count(n)) => format!("{n} công chức bị xử lý kỷ luật hình thức khiển trách"),
        (_, Val::Bool(true)) => format!("Theo kết quả kiểm tra công tác CCHC năm {year}"),
        (_, Val::Bool(false)) => {
            "Chưa đạt theo kết quả kiểm tra công tác CCHC, đã có văn bản chấn chỉnh".into()
        }
        _ => String::new(),
    }
}

/// Every unit's values for every entered indicator of its tier, as two files: verified
/// units' and submitted units'. A few "nếu có" indicators are left without an entry.
pub(super) fn values_csv(
    plan: &Plan,
    units: &[DemoUnit],
    cast: &Cast,
    year: i32,
    rng: &mut Rng,
) -> (String, String) {
    let header = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\n";
    let (mut verified, mut submitted) = (String::from(header), String::from(header));
    for (i, u) in units.iter().enumerate() {
        let out = if cast.verified[i] {
            &mut verified
        } else {
            &mut submitted
        };
        let entered: Vec<&Indicator> = plan
            .indicators
            .iter()
            .filter(|ind| ind.kind != Kind::Computed && ind.applies_to(u.tier))
            .collect();
        let choose = |rng: &mut Rng, ok: &dyn Fn(&Indicator) -> bool| {
            let pool: Vec<&str> = entered
                .iter()
                .filter(|ind| ok(ind))
                .map(|ind| ind.code.as_str())
                .collect();
            (!pool.is_empty()).then(|| *rng.pick(&pool))
        };
        // "Nếu có": investment capital only where an agency has projects; other such
        // indicators arise at about half the units.
        let no_projects = |ind: &Indicator| ind.code == "giai_ngan_dtc" && !u.invests;
        let failing = if cast.fails_value[i] {
            choose(rng, &|ind| can_fail(ind, u.tier) && !no_projects(ind))
        } else {
            None
        };
        let missing = if cast.misses_value[i] {
            choose(rng, &|ind| !ind.is_if_any(u.tier))
        } else {
            None
        };
        for ind in &entered {
            let code = ind.code.as_str();
            let fail = failing == Some(code);
            if missing == Some(code) {
                continue;
            }
            if ind.is_if_any(u.tier)
                && !fail
                && (no_projects(ind) || (code != "giai_ngan_dtc" && rng.chance(0.5)))
            {
                continue;
            }
            if QUARTERLY.contains(&code) {
                // An "= 100%" target is missed by one late answer in one quarter; a "≥"
                // target by falling short all year.
                let bad_quarter = rng.below(4) as u32 + 1;
                // A unit's workload is much the same from one quarter to the next.
                let (lo, hi) = ratio_scale(code, u.tier);
                let base = rng.between_u64(lo, hi);
                let scale = (base * 4 / 5, base * 6 / 5);
                for q in 1..=4 {
                    let fail_here = fail && (ind.comparison != Comparison::Eq || q == bad_quarter);
                    if let Some(v) = value_for(ind, u.tier, fail_here, scale, rng) {
                        let note = format!(
                            "Quý {}: {}",
                            ["I", "II", "III", "IV"][q as usize - 1],
                            note(code, v, year)
                        );
                        value_row(out, &u.code, code, &format!("{year}-Q{q}"), v, &note);
                    }
                }
            } else if let Some(v) = value_for(ind, u.tier, fail, ratio_scale(code, u.tier), rng) {
                if u.code == super::DEMO_UNIT && code == "sang_kien" {
                    // The demo unit reports its initiatives by quarter and has sent the
                    // first half so far (the same year's total): the rest is its to enter.
                    value_row(out, &u.code, code, &format!("{year}-Q1"), v, &note(code, v, year));
                    let none = match v {
                        Val::Count(_) => Val::Count(0),
                        other => other,
                    };
                    value_row(
                        out,
                        &u.code,
                        code,
                        &format!("{year}-Q2"),
                        none,
                        "Quý II: chưa có sáng kiến mới",
                    );
                } else if u.code == super::DEMO_UNIT && code == "noi_quy" {
                    // ... and the rules kept, quarter by quarter, through the third.
                    for q in 1..=3 {
                        let note = format!("Quý {}: {}", ["I", "II", "III"][q - 1], note(code, v, year));
                        value_row(out, &u.code, code, &format!("{year}-Q{q}"), v, &note);
                    }
                } else {
                    value_row(out, &u.code, code, &year.to_string(), v, &note(code, v, year));
                }
            }
        }
    }
    (verified, submitted)
}

pub(super) fn value_row(out: &mut String, unit: &str, code: &str, period: &str, v: Val, note: &str) {
    let (num, den, value) = match v {
        Val::Ratio(n, d) => (n.to_string(), d.to_string(), String::new()),
        Val::Count(n) => (String::new(), String::new(), n.to_string()),
        Val::Bool(b) => (
            String::new(),
            String::new(),
            if b { "Đạt" } else { "Không đạt" }.to_string(),
        ),
    };
    row(out, &[unit, code, period, &num, &den, &value, note]);
}
