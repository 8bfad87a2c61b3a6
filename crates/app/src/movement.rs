//! The movement at a glance (seed section V: Sở Nội vụ follows and checks the movement):
//! per tier, how many heads meet, miss or lack data for each indicator, and who is below
//! target. One computation for the public progress page and the sơ kết / tổng kết reports.

use thidua_domain::eval::{HeadResult, Status};
use thidua_domain::num::{percent_vi, Dec};
use thidua_domain::plan::Plan;

/// One indicator's count of heads in a tier by status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorTally {
    pub code: String,
    pub name: String,
    pub met: usize,
    pub not_met: usize,
    pub missing: usize,
    pub not_arising: usize,
}

impl IndicatorTally {
    /// Heads the indicator counts for (it arose for them).
    pub fn counted(&self) -> usize {
        self.met + self.not_met + self.missing
    }
}

/// A head with at least one indicator not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Below {
    pub unit: String,
    pub head: String,
    pub indicators: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierTally {
    pub code: String,
    pub name: String,
    pub heads: usize,
    pub eligible: usize,
    pub rows: Vec<IndicatorTally>,
    pub below: Vec<Below>,
}

impl TierTally {
    /// Indicators met over those counted, all indicators of the tier together.
    pub fn met_pct(&self) -> String {
        let met = self.rows.iter().map(|r| r.met).sum::<usize>();
        let counted = self.rows.iter().map(|r| r.counted()).sum::<usize>();
        pct(met, counted)
    }
}

/// `a / b` as a Vietnamese percentage ("97,61%"), "—" when nothing is counted.
pub fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        return "—".into();
    }
    percent_vi(Dec::from_int(a as i64), Dec::from_int(b as i64)).unwrap_or_else(|| "—".into())
}

/// The plan's tiers in order, each with its indicators' counts and the heads below target.
pub fn tallies(plan: &Plan, heads: &[HeadResult]) -> Vec<TierTally> {
    plan.tiers
        .iter()
        .map(|t| {
            let hs: Vec<&HeadResult> = heads.iter().filter(|h| h.unit.tier == t.code).collect();
            let rows = plan
                .indicators
                .iter()
                .filter(|i| i.applies_to(&t.code))
                .map(|i| {
                    let mut row = IndicatorTally {
                        code: i.code.clone(),
                        name: i.name.clone(),
                        met: 0,
                        not_met: 0,
                        missing: 0,
                        not_arising: 0,
                    };
                    for r in hs.iter().filter_map(|h| h.indicator(&i.code)) {
                        match r.status {
                            Status::Dat => row.met += 1,
                            Status::KhongDat => row.not_met += 1,
                            Status::ThieuSoLieu => row.missing += 1,
                            Status::KhongPhatSinh => row.not_arising += 1,
                        }
                    }
                    row
                })
                .collect();
            let below = hs
                .iter()
                .filter_map(|h| {
                    let missed: Vec<String> = h
                        .indicators
                        .iter()
                        .filter(|r| r.status == Status::KhongDat)
                        .map(|r| plan.indicator(&r.code).map_or(r.code.clone(), |i| i.name.clone()))
                        .collect();
                    (!missed.is_empty()).then(|| Below {
                        unit: h.unit.name.clone(),
                        head: h.head.name.clone(),
                        indicators: missed,
                    })
                })
                .collect();
            TierTally {
                code: t.code.clone(),
                name: t.name.clone(),
                heads: hs.len(),
                eligible: hs.iter().filter(|h| h.eligible).count(),
                rows,
                below,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use thidua_domain::eval::{IndicatorResult, Value};
    use thidua_domain::results::{HeadTerm, UnitInfo};
    use thidua_domain::time::Date;

    fn head(code: &str, tier: &str, statuses: &[(&str, Status)]) -> HeadResult {
        HeadResult {
            unit: UnitInfo {
                code: code.into(),
                name: format!("Đơn vị {code}"),
                tier: tier.into(),
            },
            head: HeadTerm {
                unit: code.into(),
                name: format!("Người {code}"),
                title: "Giám đốc".into(),
                from: Date::from_ymd(2020, 1, 1).unwrap(),
                to: None,
            },
            months: vec![],
            indicators: statuses
                .iter()
                .map(|(c, s)| IndicatorResult {
                    code: c.to_string(),
                    value: Value::Count(1),
                    status: *s,
                    provisional: false,
                    entries_used: 0,
                })
                .collect(),
            tenure_ok: true,
            eligible: !statuses.iter().any(|(_, s)| *s == Status::KhongDat),
            score: Dec(0),
            rank: None,
            provisional: false,
            unknown_procedures: 0,
        }
    }

    #[test]
    fn each_head_counts_once_per_indicator_by_status_and_the_misses_are_named() {
        let plan = Plan::built_in();
        let heads = vec![
            head(
                "S01",
                "tinh",
                &[("sang_kien", Status::Dat), ("ky_luat", Status::Dat)],
            ),
            head(
                "S02",
                "tinh",
                &[("sang_kien", Status::KhongDat), ("ky_luat", Status::ThieuSoLieu)],
            ),
            head(
                "S03",
                "tinh",
                &[("sang_kien", Status::Dat), ("ky_luat", Status::KhongPhatSinh)],
            ),
            head("X01", "xa", &[("sang_kien", Status::KhongDat)]),
        ];
        let t = tallies(&plan, &heads);
        assert_eq!(t.len(), plan.tiers.len());
        let tinh = t.iter().find(|t| t.code == "tinh").unwrap();
        assert_eq!((tinh.heads, tinh.eligible), (3, 2));
        let row = |code: &str| tinh.rows.iter().find(|r| r.code == code).unwrap();
        let s = row("sang_kien");
        assert_eq!((s.met, s.not_met, s.missing, s.not_arising), (2, 1, 0, 0));
        let k = row("ky_luat");
        assert_eq!(
            (k.met, k.not_met, k.missing, k.not_arising, k.counted()),
            (1, 0, 1, 1, 2)
        );
        assert_eq!(tinh.below.len(), 1);
        assert_eq!(tinh.below[0].head, "Người S02");
        assert_eq!(
            tinh.below[0].indicators,
            [plan.indicator("sang_kien").unwrap().name.clone()]
        );
        // 3 met of 5 counted (not arising left out)
        assert_eq!(tinh.met_pct(), "60,00%");
        let xa = t.iter().find(|t| t.code == "xa").unwrap();
        assert_eq!((xa.heads, xa.below.len()), (1, 1));
        assert_eq!(pct(1, 3), "33,33%");
        assert_eq!(pct(0, 0), "—");
    }
}
