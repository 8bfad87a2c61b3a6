//! What pages show: Vietnamese dates (dd/mm/yyyy), decimals with a comma, percentages
//! truncated as INDICATORS.md says, statuses with their colours, and the arithmetic behind
//! each indicator's status.

use thidua_domain::eval::{HeadResult, IndicatorResult, Status, Value};
use thidua_domain::num::{percent_vi, Dec};
use thidua_domain::plan::{Indicator, Plan, Reading, RutNgan, Threshold, TrucTuyen};
use thidua_domain::time::DateTime;

pub fn date_time(secs: i64) -> String {
    DateTime(secs).vi()
}

/// A CSS class per status (colour plus a text label on the page: never colour alone).
pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Dat => "st-dat",
        Status::KhongDat => "st-khong-dat",
        Status::KhongPhatSinh => "st-kps",
        Status::ThieuSoLieu => "st-tsl",
    }
}

pub fn summary_vi(code: &str) -> &'static str {
    match code {
        "du_dieu_kien" => "Đủ điều kiện",
        "chua_du_thoi_gian" => "Chưa đủ thời gian giữ chức vụ",
        _ => "Không đủ điều kiện",
    }
}

pub fn tier_name(plan: &Plan, tier: &str) -> String {
    plan.tier(tier)
        .map(|t| t.name.clone())
        .unwrap_or_else(|| tier.to_string())
}

/// One indicator of one head, ready to show.
#[derive(Debug, Clone)]
pub struct IndicatorView {
    pub code: String,
    pub name: String,
    pub group: String,
    pub target: String,
    pub value: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub css: &'static str,
    pub arithmetic: String,
    pub provisional: bool,
}

/// What the numerator and the denominator count, in the variant the plan picked.
fn formula_terms(r: Reading) -> (&'static str, &'static str) {
    match r {
        Reading::TthcDungHan => ("hồ sơ giải quyết đúng hạn", "hồ sơ đã đến hạn hoặc đã giải quyết"),
        Reading::TthcRutNgan(RutNgan::ThucTe) => {
            ("ngày làm việc rút ngắn", "ngày làm việc theo thời hạn quy định")
        }
        Reading::TthcRutNgan(RutNgan::CongBo) => (
            "ngày làm việc rút ngắn theo thời hạn công bố",
            "ngày làm việc theo thời hạn quy định",
        ),
        Reading::DvcTrucTuyen(TrucTuyen::TiepNhan) => {
            ("hồ sơ nộp trực tuyến", "hồ sơ của TTHC có DVC trực tuyến")
        }
        Reading::DvcTrucTuyen(TrucTuyen::GiaiQuyet) => (
            "hồ sơ nộp trực tuyến",
            "hồ sơ đã giải quyết hoặc quá hạn của TTHC có DVC trực tuyến",
        ),
    }
}

/// The target of `ind` for `tier` as the arithmetic states it (`≥ 95%`, `yêu cầu Đạt`).
fn target_phrase(ind: &Indicator, tier: &str) -> String {
    match ind.thresholds.get(tier) {
        Some(Threshold::Number(t)) if ind.is_ratio() => format!("{} {}%", ind.comparison.vi(), t.vi()),
        Some(Threshold::Number(t)) => format!("{} {}", ind.comparison.vi(), t.vi()),
        Some(Threshold::Bool(b)) => format!("yêu cầu {}", if *b { "Đạt" } else { "Không đạt" }),
        None => String::new(),
    }
}

/// What was measured, with its counts: `1.234 hồ sơ giải quyết đúng hạn / 1.250 hồ sơ đã
/// đến hạn hoặc đã giải quyết = 98,72%`, `Tổng = 2 (4 kỳ báo cáo)` — the figures a report
/// cites as evidence, without a verdict.
pub fn figures(ind: &Indicator, r: &IndicatorResult) -> String {
    match r.value {
        Value::Ratio(s) if s.den == Dec::ZERO => match ind.reading {
            Some(f) => format!("Không có {} trong kỳ (mẫu số = 0)", formula_terms(f).1),
            None => "Mẫu số = 0".into(),
        },
        Value::Ratio(s) => {
            let pct = percent_vi(s.num, s.den).unwrap_or_default();
            match ind.reading {
                Some(f) => {
                    let (n, d) = formula_terms(f);
                    format!("{} {n} / {} {d} = {pct}", s.num.vi(), s.den.vi())
                }
                None => format!("Tổng tử số {} / tổng mẫu số {} = {pct}", s.num.vi(), s.den.vi()),
            }
        }
        Value::Count(n) => format!("Tổng = {} ({} kỳ báo cáo)", Dec::from_int(n).vi(), r.entries_used),
        Value::Bool(b) => format!(
            "{} ({} kỳ báo cáo; đạt khi mọi kỳ đạt)",
            if b { "Đạt" } else { "Không đạt" },
            r.entries_used
        ),
        Value::None if r.status == Status::KhongPhatSinh => {
            "Chỉ tiêu «nếu có»: chưa phát sinh số liệu".into()
        }
        Value::None => "Chưa có số liệu đã gửi cho các tháng của người đứng đầu".into(),
    }
}

/// The arithmetic behind a status, e.g. `1.234 / 1.250 = 98,72% ≥ 95% → Đạt`.
pub fn arithmetic(ind: &Indicator, tier: &str, r: &IndicatorResult) -> String {
    let verdict = r.status.vi();
    let measured = figures(ind, r);
    match r.value {
        Value::Ratio(s) if s.den != Dec::ZERO => {
            format!("{measured}, {} → {verdict}", target_phrase(ind, tier))
        }
        Value::Count(_) | Value::Bool(_) => format!("{measured}, {} → {verdict}", target_phrase(ind, tier)),
        _ => format!("{measured} → {verdict}"),
    }
}

pub fn indicator_views(plan: &Plan, h: &HeadResult) -> Vec<IndicatorView> {
    h.indicators
        .iter()
        .filter_map(|r| {
            let ind = plan.indicator(&r.code)?;
            let group = plan
                .groups
                .iter()
                .find(|g| g.code == ind.group)
                .map(|g| g.name.clone())
                .unwrap_or_default();
            Some(IndicatorView {
                code: r.code.clone(),
                name: ind.name.clone(),
                group,
                target: ind.target_vi(&h.unit.tier),
                value: r.value.vi(),
                status: r.status.vi(),
                status_code: r.status.code(),
                css: status_class(r.status),
                arithmetic: arithmetic(ind, &h.unit.tier, r),
                provisional: r.provisional,
            })
        })
        .collect()
}

/// How far a value is below its target, in the indicator's unit (percentage points for
/// ratios); None when the target is met or there is nothing to compare.
pub fn shortfall(ind: &Indicator, tier: &str, r: &IndicatorResult) -> Option<String> {
    if r.status != Status::KhongDat {
        return None;
    }
    // Below a floor is "còn thiếu"; above a ceiling (a count of disciplined staff, at most
    // 0) is "vượt", never "còn thiếu 1".
    let say = |below: bool, gap: String| {
        if below {
            format!("còn thiếu {gap}")
        } else {
            format!("vượt {gap}")
        }
    };
    match (r.value, ind.thresholds.get(tier)) {
        (Value::Ratio(s), Some(Threshold::Number(t))) if s.den != Dec::ZERO => {
            // t − 100·num/den in hundredths of a point, truncated.
            let v = s.num.0 * 10_000 / s.den.0; // hundredths of a percent
            let gap = (t.0 / 10_000) - v; // t in millionths → hundredths
            let below = gap > 0;
            let gap = gap.abs();
            Some(say(
                below,
                format!("{},{:02} điểm phần trăm", gap / 100, gap % 100),
            ))
        }
        (Value::Count(n), Some(Threshold::Number(t))) => {
            let gap = Dec::from_int(n) - *t;
            let below = gap < Dec::ZERO;
            Some(say(below, gap.vi().trim_start_matches('-').to_string()))
        }
        (Value::Bool(_), _) => Some("chưa đạt".into()),
        _ => None,
    }
}

/// "12/13": indicators met over those that count ("không phát sinh" counts neither way).
pub fn met_count(h: &HeadResult) -> String {
    let counted = h
        .indicators
        .iter()
        .filter(|r| r.status != Status::KhongPhatSinh)
        .count();
    format!(
        "{}/{counted}",
        h.indicators.iter().filter(|r| r.status == Status::Dat).count()
    )
}

/// A message as a sentence for a page: its first letter a capital, ending with a full stop
/// (the domain's refusals are clauses: "cần ghi lý do trả lại").
pub fn sentence(message: &str) -> String {
    let m = message.trim();
    let mut chars = m.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

/// What an audit record changed, for people: each field that differs between `before` and
/// `after` (JSON) as "label: old → new", labels from `domain::audit::FIELDS`, states by
/// their Vietnamese names; a record with only one side lists that side.
/// The name of a nomination document's code, as the plans that ship name it.
fn document_vi(code: &str) -> Option<&'static str> {
    static NAMES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            let plan = thidua_domain::plan::Plan::built_in();
            plan.documents
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect()
        })
        .iter()
        .find(|(c, _)| c == code)
        .map(|(_, n)| n.as_str())
}

pub fn audit_change(before: Option<&str>, after: Option<&str>) -> String {
    use serde_json::Value;
    fn show(key: &str, v: &Value) -> String {
        match v {
            Value::Null => "—".into(),
            Value::Bool(b) => if *b { "có" } else { "không" }.into(),
            Value::Number(n) => n.to_string(),
            Value::String(s) if key == "state" || key.ends_with("_state") => {
                thidua_domain::entry::EntryState::from_code(s)
                    .map(|st| st.vi().to_string())
                    .or_else(|| {
                        thidua_domain::nomination::NominationState::from_code(s).map(|st| st.vi().to_string())
                    })
                    .unwrap_or_else(|| s.clone())
            }
            Value::String(s) if key.ends_with("verdict") => {
                thidua_domain::nomination::OfficeVerdict::from_code(s)
                    .map(|v| v.vi().to_string())
                    .or_else(|| {
                        thidua_domain::nomination::BoardVerdict::from_code(s).map(|v| v.vi().to_string())
                    })
                    .unwrap_or_else(|| s.clone())
            }
            Value::String(s) if key == "document" => document_vi(s).unwrap_or(s).to_string(),
            Value::String(s) => s.clone(),
            Value::Array(items) if items.is_empty() => "—".into(),
            Value::Array(items) => items.iter().map(|i| show(key, i)).collect::<Vec<_>>().join(", "),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| format!("{}: {}", thidua_domain::audit::field_vi(k), show(k, v)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
    let parse = |s: Option<&str>| s.and_then(|t| serde_json::from_str::<Value>(t).ok());
    match (parse(before), parse(after)) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let mut keys: Vec<&String> = a.keys().collect();
            keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
            keys.into_iter()
                .filter_map(|k| {
                    let (old, new) = (b.get(k).unwrap_or(&Value::Null), a.get(k).unwrap_or(&Value::Null));
                    (old != new).then(|| {
                        format!(
                            "{}: {} → {}",
                            thidua_domain::audit::field_vi(k),
                            show(k, old),
                            show(k, new)
                        )
                    })
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
        (None, Some(a)) => show("", &a),
        (Some(b), None) => format!("{} → —", show("", &b)),
        (Some(b), Some(a)) if b != a => format!("{} → {}", show("", &b), show("", &a)),
        _ => String::new(),
    }
}

#[cfg(test)]
mod sentence_tests {
    use super::audit_change;
    #[test]
    fn a_clause_becomes_a_sentence() {
        assert_eq!(super::sentence("cần ghi lý do trả lại"), "Cần ghi lý do trả lại.");
        assert_eq!(super::sentence("đã đủ 10 suất."), "Đã đủ 10 suất.");
        assert_eq!(super::sentence(" "), "");
    }

    #[test]
    fn an_audit_change_names_the_fields_and_states_that_changed() {
        let before = r#"{"state":"nhap","value":2,"note":"a","files":[]}"#;
        let after = r#"{"state":"da_gui","value":3,"note":"a","files":["x.pdf"],"reason":null}"#;
        let c = audit_change(Some(before), Some(after));
        assert_eq!(
            c,
            format!(
                "trạng thái: {} → {}; giá trị: 2 → 3; tệp minh chứng: — → x.pdf",
                thidua_domain::entry::EntryState::Nhap.vi(),
                thidua_domain::entry::EntryState::DaGui.vi()
            )
        );
        assert_eq!(audit_change(None, Some(r#""Bà Rịa""#)), "Bà Rịa");
        assert_eq!(
            audit_change(Some(r#"{"active":true}"#), Some(r#"{"active":false}"#)),
            "đang hoạt động: có → không"
        );
        assert_eq!(audit_change(None, None), "");
    }

    #[test]
    fn a_shortfall_says_below_or_above_the_target() {
        use thidua_domain::eval::{IndicatorResult, Status, Value};
        use thidua_domain::num::Dec;
        let plan = thidua_domain::plan::Plan::built_in();
        let r = |value| IndicatorResult {
            code: String::new(),
            value,
            status: Status::KhongDat,
            provisional: false,
            entries_used: 0,
        };
        let ind = |c: &str| plan.indicator(c).unwrap();
        assert_eq!(
            super::shortfall(ind("ky_luat"), "tinh", &r(Value::Count(1))).unwrap(),
            "vượt 1"
        );
        assert_eq!(
            super::shortfall(ind("sang_kien"), "tinh", &r(Value::Count(0))).unwrap(),
            "còn thiếu 1"
        );
        let ratio = Value::Ratio(thidua_domain::dossier::Sums {
            num: Dec::from_int(97),
            den: Dec::from_int(100),
        });
        assert_eq!(
            super::shortfall(ind("tthc_dung_han"), "tinh", &r(ratio)).unwrap(),
            "còn thiếu 2,00 điểm phần trăm"
        );
    }
}
