//! The evaluation in the machine-readable shape of FORMATS.md, shared by
//! `thidua evaluate --format json|csv` and the HTTP API, so both give the same rows.

use serde_json::{json, Map, Value as Json};
use thidua_domain::eval::{HeadResult, Value};
use thidua_domain::num::Dec;
use thidua_domain::plan::Plan;

/// The columns of `--format csv`, in order (JSON objects carry the same keys).
pub const CSV_COLUMNS: [&str; 13] = [
    "ma_don_vi",
    "ho_ten",
    "cap",
    "ma_chi_tieu",
    "tu_so",
    "mau_so",
    "gia_tri",
    "trang_thai",
    "du_dieu_kien",
    "diem_uu_tien",
    "thu_hang",
    "so_thang",
    "tam_tinh",
];

pub fn dec_json(d: Dec) -> Json {
    match d.to_i64() {
        Some(i) => json!(i),
        None => json!(d.to_f64()),
    }
}

/// A score as a JSON number written with exactly six decimals (`0.500000`), as shown.
fn six_decimals(d: Dec) -> Json {
    let micro = d.0;
    let text = format!(
        "{}{}.{:06}",
        if micro < 0 { "-" } else { "" },
        micro.abs() / 1_000_000,
        micro.abs() % 1_000_000
    );
    Json::Number(text.parse().expect("a decimal is a JSON number"))
}

/// One object per (head, applicable indicator), then one `_tong_hop` object per head.
pub fn rows(plan: &Plan, results: &[HeadResult]) -> Vec<Map<String, Json>> {
    let mut out = Vec::new();
    for r in results {
        let base = |code: &str| {
            let mut m = Map::new();
            m.insert("ma_don_vi".into(), json!(r.unit.code));
            m.insert("ho_ten".into(), json!(r.head.name));
            m.insert("cap".into(), json!(r.unit.tier));
            m.insert("ma_chi_tieu".into(), json!(code));
            m
        };
        for ind in plan.indicators.iter() {
            let Some(res) = r.indicator(&ind.code) else {
                continue;
            };
            let mut m = base(&ind.code);
            let (tu, mau, gia) = match res.value {
                Value::Ratio(s) => {
                    let g = if s.den == Dec::ZERO {
                        Json::Null
                    } else {
                        json!(s.num.to_f64() / s.den.to_f64())
                    };
                    (dec_json(s.num), dec_json(s.den), g)
                }
                Value::Count(n) => (Json::Null, Json::Null, json!(n)),
                Value::Bool(b) => (Json::Null, Json::Null, json!(b)),
                Value::None => (Json::Null, Json::Null, Json::Null),
            };
            m.insert("tu_so".into(), tu);
            m.insert("mau_so".into(), mau);
            m.insert("gia_tri".into(), gia);
            m.insert("trang_thai".into(), json!(res.status.code()));
            out.push(m);
        }
        let mut m = base("_tong_hop");
        m.insert("tu_so".into(), Json::Null);
        m.insert("mau_so".into(), Json::Null);
        m.insert("gia_tri".into(), Json::Null);
        m.insert("trang_thai".into(), json!(r.summary_status()));
        m.insert("du_dieu_kien".into(), json!(r.eligible));
        m.insert("diem_uu_tien".into(), six_decimals(r.score));
        m.insert("thu_hang".into(), r.rank.map_or(Json::Null, |n| json!(n)));
        m.insert("so_thang".into(), json!(r.months.len()));
        m.insert("tam_tinh".into(), json!(r.provisional));
        out.push(m);
    }
    out
}
