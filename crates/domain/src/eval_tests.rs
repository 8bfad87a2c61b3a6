//! The evaluation against INDICATORS.md sections 3–6, boundary by boundary. Longer than
//! our ~500-line modules because every rule has its cases here.

use super::*;
use crate::dossier::Sums;
use crate::plan::Formula;
use crate::time::Date;

fn dec(n: i64) -> Dec {
    Dec::from_int(n)
}
fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}
fn year_end() -> DateTime {
    date(2023, 12, 31).end()
}
fn unit(code: &str, tier: &str) -> UnitInfo {
    UnitInfo {
        code: code.into(),
        name: format!("Đơn vị {code}"),
        tier: tier.into(),
    }
}
fn head(unit: &str, name: &str, from: Date, to: Option<Date>) -> HeadTerm {
    HeadTerm {
        unit: unit.into(),
        name: name.into(),
        title: "Giám đốc".into(),
        from,
        to,
    }
}
fn entry(unit: &str, ind: &str, period: &str, value: EntryValue) -> Entry {
    Entry {
        unit: unit.into(),
        indicator: ind.into(),
        period: Period::parse(period).unwrap(),
        value,
        state: EntryState::DaXacNhan,
    }
}
fn ratio(n: i64, d: i64) -> EntryValue {
    EntryValue::Ratio {
        num: dec(n),
        den: dec(d),
    }
}

/// Every entered indicator met for a unit of `tier`, for the year.
fn all_met(unit: &str, tier: &str) -> Vec<Entry> {
    let mut v = vec![
        entry(unit, "menh_lenh_hc", "2023", ratio(100, 100)),
        entry(unit, "phoi_hop", "2023", ratio(10, 10)),
        entry(unit, "chi_so_cchc", "2023", EntryValue::Bool(true)),
        entry(unit, "sang_kien", "2023", EntryValue::Count(1)),
        entry(unit, "the_che", "2023", ratio(3, 3)),
        entry(unit, "mot_cua", "2023", EntryValue::Bool(true)),
        entry(unit, "sap_xep_bo_may", "2023", EntryValue::Bool(true)),
        entry(unit, "noi_quy", "2023", EntryValue::Bool(true)),
        entry(unit, "ky_luat", "2023", EntryValue::Count(0)),
    ];
    if tier != "xa" {
        v.push(entry(unit, "phan_cap", "2023", EntryValue::Bool(true)));
        v.push(entry(unit, "giai_ngan_dtc", "2023", ratio(96, 100)));
    }
    v
}

/// A tally where unit 0 meets the three dossier indicators every month of 2023 exactly at
/// (num, den) per month for each formula.
fn tally_for(units: usize, per_month: &[(Formula, i64, i64)]) -> DossierTally {
    let mut t = DossierTally::default();
    for u in 0..units as u32 {
        for m in 1..=12 {
            for &(f, n, d) in per_month {
                t.add_sums(
                    f,
                    u,
                    Month::new(2023, m),
                    Sums {
                        num: dec(n),
                        den: dec(d),
                    },
                );
            }
        }
    }
    t
}

fn good_dossiers() -> Vec<(Formula, i64, i64)> {
    vec![
        (Formula::TthcDungHan, 100, 100),
        (Formula::TthcRutNgan, 40, 100),
        (Formula::DvcTrucTuyen, 95, 100),
    ]
}

fn run(
    plan: &Plan,
    units: &[UnitInfo],
    heads: &[HeadTerm],
    tally: &DossierTally,
    entries: &[Entry],
) -> Vec<HeadResult> {
    evaluate(&EvalInput {
        plan,
        units,
        heads,
        tally,
        entries,
        as_of: year_end(),
    })
}

fn status(r: &HeadResult, code: &str) -> Status {
    r.indicator(code)
        .unwrap_or_else(|| panic!("{code} not evaluated"))
        .status
}

#[test]
fn ratio_thresholds_are_exact_at_the_boundary() {
    let plan = Plan::built_in();
    let ind = plan.indicator("tthc_dung_han").unwrap();
    let st = |n: i64, d: i64| {
        status_of(
            ind,
            "tinh",
            &Value::Ratio(Sums {
                num: dec(n),
                den: dec(d),
            }),
        )
    };
    assert_eq!(st(99, 100), Status::Dat);
    assert_eq!(st(9_899, 10_000), Status::KhongDat);
    assert_eq!(st(98_996, 100_000), Status::KhongDat);
    assert_eq!(
        Value::Ratio(Sums {
            num: dec(98_996),
            den: dec(100_000)
        })
        .vi(),
        "98,99%"
    );
    assert_eq!(st(0, 0), Status::KhongPhatSinh);
    let eq100 = plan.indicator("phoi_hop").unwrap();
    let st100 = |n: i64, d: i64| {
        status_of(
            eq100,
            "xa",
            &Value::Ratio(Sums {
                num: dec(n),
                den: dec(d),
            }),
        )
    };
    assert_eq!(st100(10, 10), Status::Dat);
    assert_eq!(st100(999_999, 1_000_000), Status::KhongDat);
}

#[test]
fn counts_and_booleans_compare_as_the_plan_says() {
    let plan = Plan::built_in();
    let ky_luat = plan.indicator("ky_luat").unwrap();
    assert_eq!(status_of(ky_luat, "tinh", &Value::Count(0)), Status::Dat);
    assert_eq!(status_of(ky_luat, "tinh", &Value::Count(1)), Status::KhongDat);
    let sk = plan.indicator("sang_kien").unwrap();
    assert_eq!(status_of(sk, "xa", &Value::Count(1)), Status::Dat);
    assert_eq!(status_of(sk, "xa", &Value::Count(0)), Status::KhongDat);
    let mc = plan.indicator("mot_cua").unwrap();
    assert_eq!(status_of(mc, "huyen", &Value::Bool(false)), Status::KhongDat);
    assert_eq!(status_of(mc, "huyen", &Value::None), Status::ThieuSoLieu);
}

#[test]
fn if_any_without_data_arose_nothing_but_missing_elsewhere_is_missing() {
    let plan = Plan::built_in();
    let the_che = plan.indicator("the_che").unwrap();
    assert_eq!(status_of(the_che, "xa", &Value::None), Status::KhongPhatSinh);
    assert_eq!(status_of(the_che, "tinh", &Value::None), Status::ThieuSoLieu);
    let gn = plan.indicator("giai_ngan_dtc").unwrap();
    assert_eq!(status_of(gn, "tinh", &Value::None), Status::KhongPhatSinh);
    assert_eq!(status_of(gn, "huyen", &Value::None), Status::ThieuSoLieu);
}

#[test]
fn pooled_ratio_meets_where_the_mean_of_monthly_rates_would_not() {
    // Month 1: 1 of 2 on time (50%); month 2: 999 of 1000 (99.9%).
    // Pooled: 1000/1002 = 99.80% ≥ 99%; the mean of rates (74.95%) would fail.
    let plan = Plan::built_in();
    let units = [unit("T01", "tinh")];
    let heads = [head("T01", "A", date(2020, 1, 1), None)];
    let mut tally = tally_for(
        1,
        &[(Formula::TthcRutNgan, 40, 100), (Formula::DvcTrucTuyen, 95, 100)],
    );
    tally.add_sums(
        Formula::TthcDungHan,
        0,
        Month::new(2023, 1),
        Sums {
            num: dec(1),
            den: dec(2),
        },
    );
    tally.add_sums(
        Formula::TthcDungHan,
        0,
        Month::new(2023, 2),
        Sums {
            num: dec(999),
            den: dec(1000),
        },
    );
    let r = &run(&plan, &units, &heads, &tally, &all_met("T01", "tinh"))[0];
    assert_eq!(
        r.indicator("tthc_dung_han").unwrap().value,
        Value::Ratio(Sums {
            num: dec(1000),
            den: dec(1002)
        })
    );
    assert_eq!(status(r, "tthc_dung_han"), Status::Dat);
}

#[test]
fn a_mid_year_change_of_head_gives_five_and_seven_months() {
    let plan = Plan::built_in();
    let units = [unit("H01", "huyen")];
    // the new head takes office on 10/06: May's last day belongs to A, June's to B
    let heads = [
        head("H01", "A", date(2019, 1, 1), Some(date(2023, 6, 9))),
        head("H01", "B", date(2023, 6, 10), None),
    ];
    let tally = tally_for(1, &good_dossiers());
    let res = run(&plan, &units, &heads, &tally, &all_met("H01", "huyen"));
    let a = res.iter().find(|r| r.head.name == "A").unwrap();
    let b = res.iter().find(|r| r.head.name == "B").unwrap();
    assert_eq!(a.months.len(), 5);
    assert_eq!(b.months.len(), 7);
    assert!(!a.tenure_ok && !a.eligible && a.summary_status() == "chua_du_thoi_gian");
    assert!(b.tenure_ok && b.eligible, "{b:?}");
    // each head answers for the dossiers of their own months
    assert_eq!(
        a.indicator("tthc_dung_han").unwrap().value,
        Value::Ratio(Sums {
            num: dec(500),
            den: dec(500)
        })
    );
    assert_eq!(
        b.indicator("tthc_dung_han").unwrap().value,
        Value::Ratio(Sums {
            num: dec(700),
            den: dec(700)
        })
    );
    // a head who left before the period is not evaluated
    let gone = [
        head("H01", "C", date(2015, 1, 1), Some(date(2022, 12, 31))),
        head("H01", "D", date(2023, 1, 1), None),
    ];
    let res = run(&plan, &units, &gone, &tally, &[]);
    assert_eq!(res.len(), 1);
    assert_eq!(res[0].head.name, "D");
}

#[test]
fn quarterly_entries_belong_to_the_head_of_the_quarters_last_month_and_yearly_to_all() {
    let plan = Plan::built_in();
    let units = [unit("T01", "tinh")];
    let heads = [
        head("T01", "A", date(2019, 1, 1), Some(date(2023, 5, 31))),
        head("T01", "B", date(2023, 6, 1), None),
    ];
    let mut entries = all_met("T01", "tinh");
    entries.retain(|e| e.indicator != "menh_lenh_hc");
    entries.push(entry("T01", "menh_lenh_hc", "2023-Q1", ratio(10, 10)));
    entries.push(entry("T01", "menh_lenh_hc", "2023-Q2", ratio(1, 10)));
    entries.push(entry("T01", "menh_lenh_hc", "2023-05", ratio(5, 5)));
    let res = run(&plan, &units, &heads, &tally_for(1, &good_dossiers()), &entries);
    let a = res.iter().find(|r| r.head.name == "A").unwrap();
    let b = res.iter().find(|r| r.head.name == "B").unwrap();
    assert_eq!(
        a.indicator("menh_lenh_hc").unwrap().value,
        Value::Ratio(Sums {
            num: dec(15),
            den: dec(15)
        })
    );
    assert_eq!(
        b.indicator("menh_lenh_hc").unwrap().value,
        Value::Ratio(Sums {
            num: dec(1),
            den: dec(10)
        })
    );
    // the yearly sang_kien entry applies to both
    assert_eq!(a.indicator("sang_kien").unwrap().value, Value::Count(1));
    assert_eq!(b.indicator("sang_kien").unwrap().value, Value::Count(1));
}

#[test]
fn booleans_fail_on_any_false_and_counts_add_up() {
    let plan = Plan::built_in();
    let units = [unit("X01", "xa")];
    let heads = [head("X01", "A", date(2019, 1, 1), None)];
    let mut entries = all_met("X01", "xa");
    entries.push(entry("X01", "noi_quy", "2023-Q3", EntryValue::Bool(false)));
    entries.push(entry("X01", "ky_luat", "2023-Q2", EntryValue::Count(1)));
    entries.push(entry("X01", "sang_kien", "2023-Q1", EntryValue::Count(2)));
    let r = &run(&plan, &units, &heads, &tally_for(1, &good_dossiers()), &entries)[0];
    assert_eq!(status(r, "noi_quy"), Status::KhongDat);
    assert_eq!(r.indicator("ky_luat").unwrap().value, Value::Count(1));
    assert_eq!(r.indicator("sang_kien").unwrap().value, Value::Count(3));
    assert!(!r.eligible);
    assert!(r.indicator("phan_cap").is_none(), "not applicable at xa");
}

#[test]
fn drafts_and_returned_entries_do_not_count_and_submitted_ones_are_provisional() {
    let plan = Plan::built_in();
    let units = [unit("T01", "tinh")];
    let heads = [head("T01", "A", date(2019, 1, 1), None)];
    let tally = tally_for(1, &good_dossiers());
    let mut entries = all_met("T01", "tinh");
    for e in entries.iter_mut().filter(|e| e.indicator == "chi_so_cchc") {
        e.state = EntryState::Nhap;
    }
    let r = &run(&plan, &units, &heads, &tally, &entries)[0];
    assert_eq!(status(r, "chi_so_cchc"), Status::ThieuSoLieu);
    assert!(!r.eligible && !r.provisional);
    for e in entries.iter_mut().filter(|e| e.indicator == "chi_so_cchc") {
        e.state = EntryState::DaGui;
    }
    let r = &run(&plan, &units, &heads, &tally, &entries)[0];
    assert!(r.eligible && r.provisional && r.indicator("chi_so_cchc").unwrap().provisional);
    for e in entries.iter_mut().filter(|e| e.indicator == "chi_so_cchc") {
        e.state = EntryState::TraLai;
    }
    assert_eq!(
        status(&run(&plan, &units, &heads, &tally, &entries)[0], "chi_so_cchc"),
        Status::ThieuSoLieu
    );
}

#[test]
fn eligibility_needs_an_initiative() {
    let plan = Plan::built_in();
    let units = [unit("T01", "tinh")];
    let heads = [head("T01", "A", date(2019, 1, 1), None)];
    let mut entries = all_met("T01", "tinh");
    entries.retain(|e| e.indicator != "sang_kien");
    let r = &run(&plan, &units, &heads, &tally_for(1, &good_dossiers()), &entries)[0];
    assert_eq!(status(r, "sang_kien"), Status::ThieuSoLieu);
    assert!(!r.eligible && r.rank.is_none() && r.summary_status() == "khong_du_dieu_kien");
}

#[test]
fn the_score_averages_how_far_each_met_ratio_exceeds_its_target() {
    let plan = Plan::built_in();
    let units = [unit("T01", "tinh")];
    let heads = [head("T01", "A", date(2019, 1, 1), None)];
    // menh_lenh_hc 100% vs 95 → 1; giai_ngan 96% vs 95 → 0.2; tthc_dung_han 100% vs 99 → 1;
    // tthc_rut_ngan 40% vs 35 → 0.076923; dvc 95% vs 90 → 0.5. Equal weights → mean.
    // (phoi_hop and the_che are "= 100%": not part of the score.)
    let r = &run(
        &plan,
        &units,
        &heads,
        &tally_for(1, &good_dossiers()),
        &all_met("T01", "tinh"),
    )[0];
    assert_eq!(
        r.score,
        Dec((1_000_000 + 200_000 + 1_000_000 + 76_923 + 500_000) / 5)
    );
    assert_eq!(r.score.plain(), "0.555384");
}

#[test]
fn ties_are_broken_by_initiatives_then_on_time_rate_then_unit_code_then_term_start() {
    let plan = Plan::built_in();
    let units = [
        unit("T03", "tinh"),
        unit("T02", "tinh"),
        unit("T01", "tinh"),
        unit("T04", "tinh"),
    ];
    let heads = [
        head("T01", "A", date(2019, 1, 1), None),
        head("T02", "B", date(2019, 1, 1), None),
        head("T03", "C", date(2019, 1, 1), None),
        head("T04", "D", date(2019, 1, 1), None),
    ];
    let mut entries: Vec<Entry> = ["T01", "T02", "T03", "T04"]
        .iter()
        .flat_map(|u| all_met(u, "tinh"))
        .collect();
    // T04 has two initiatives: first despite the same score
    entries.push(entry("T04", "sang_kien", "2023-Q1", EntryValue::Count(1)));
    // all four at 100% on time (score equal); T02 has more dossiers — still equal value
    let mut tally = tally_for(4, &good_dossiers());
    for m in 1..=12 {
        tally.add_sums(
            Formula::TthcDungHan,
            1,
            Month::new(2023, m),
            Sums {
                num: dec(300),
                den: dec(300),
            },
        );
    }
    let res = run(&plan, &units, &heads, &tally, &entries);
    let rank = |name: &str| res.iter().find(|r| r.head.name == name).unwrap().rank.unwrap();
    assert_eq!(rank("D"), 1, "more initiatives");
    assert_eq!(rank("A"), 2, "same on-time value: unit code T01 before T02, T03");
    assert_eq!(rank("B"), 3);
    assert_eq!(rank("C"), 4);

    // the on-time value breaks a tie before the unit code (exactly, not by display)
    let mut tally2 = tally.clone();
    for m in 1..=12 {
        // T03 (index 0): 100%; T01 (index 2): 99.5% → lower e too, so lift its score through dvc
        tally2.add_sums(
            Formula::TthcDungHan,
            2,
            Month::new(2023, m),
            Sums {
                num: dec(199),
                den: dec(200),
            },
        );
    }
    let res = run(&plan, &units, &heads, &tally2, &entries);
    let a = res.iter().find(|r| r.head.name == "A").unwrap();
    let c = res.iter().find(|r| r.head.name == "C").unwrap();
    assert!(a.score < c.score && a.rank > c.rank);
}

#[test]
fn the_on_time_tie_break_orders_heads_without_a_value_last() {
    let plan = Plan::built_in();
    let mk = |code: &str, num: i64, den: i64| {
        let u = unit(code, "tinh");
        let h = head(code, code, date(2019, 1, 1), None);
        let v = Value::Ratio(Sums {
            num: dec(num),
            den: dec(den),
        });
        HeadResult {
            unit: u,
            head: h,
            months: vec![],
            indicators: vec![
                IndicatorResult {
                    code: "tthc_dung_han".into(),
                    value: v,
                    status: Status::Dat,
                    provisional: false,
                    entries_used: 0,
                },
                IndicatorResult {
                    code: "sang_kien".into(),
                    value: Value::Count(1),
                    status: Status::Dat,
                    provisional: false,
                    entries_used: 0,
                },
            ],
            tenure_ok: true,
            eligible: true,
            score: Dec(500_000),
            rank: None,
            provisional: false,
            unknown_procedures: 0,
        }
    };
    let mut res = vec![mk("T01", 0, 0), mk("T02", 989, 1000), mk("T03", 99, 100)];
    crate::rank::rank(&plan, &mut res);
    assert_eq!(res.iter().map(|r| r.rank.unwrap()).collect::<Vec<_>>(), [3, 2, 1]);
    // the suggested list is the top of the ranking, in rank order, never past the quota
    let codes = |v: Vec<&HeadResult>| v.iter().map(|h| h.unit.code.clone()).collect::<Vec<_>>();
    let mut award = plan.award.clone();
    award.quota = 2;
    assert_eq!(codes(crate::rank::suggested(&res, &award).heads), ["T03", "T02"]);
    award.quota = 10;
    assert_eq!(
        codes(crate::rank::suggested(&res, &award).heads),
        ["T03", "T02", "T01"]
    );
    // one head per unit: a unit's second head is passed over, and the next unit takes the place
    let mut twice = res.clone();
    twice[1].unit.code = "T03".into(); // T02's head now heads T03 too, ranked 2nd
    award.quota = 2;
    award.one_per_unit = true;
    let s = crate::rank::suggested(&twice, &award);
    assert_eq!(codes(s.heads), ["T03", "T01"]);
    assert_eq!(s.passed_over.len(), 1);
    assert_eq!(
        (s.passed_over[0].0.rank, s.passed_over[0].1.rank),
        (Some(2), Some(1))
    );
    award.one_per_unit = false;
    assert_eq!(
        codes(crate::rank::suggested(&twice, &award).heads),
        ["T03", "T03"]
    );
    res[0].rank = None;
    assert_eq!(
        codes(crate::rank::ranked(&res)),
        ["T03", "T02"],
        "only ranked heads are suggested"
    );
    // same unit, two heads with equal everything: earlier term first
    let mut a = mk("T05", 1, 1);
    let mut b = mk("T05", 1, 1);
    a.head.from = date(2023, 7, 1);
    b.head.from = date(2023, 1, 1);
    let mut two = vec![a, b];
    crate::rank::rank(&plan, &mut two);
    assert_eq!((two[0].rank, two[1].rank), (Some(2), Some(1)));
}

#[test]
fn a_mid_year_evaluation_leaves_out_months_not_begun() {
    let plan = Plan::built_in();
    let units = [unit("T01", "tinh")];
    let heads = [
        head("T01", "A", date(2019, 1, 1), None),
        head("T02", "Z", date(2023, 11, 1), None),
    ];
    let units2 = [unit("T01", "tinh"), unit("T02", "tinh")];
    let res = evaluate(&EvalInput {
        plan: &plan,
        units: &units2,
        heads: &heads,
        tally: &DossierTally::default(),
        entries: &[],
        as_of: date(2023, 6, 15).end(),
    });
    let _ = units;
    assert_eq!(
        res.len(),
        1,
        "the head taking office in November is not evaluated in June"
    );
    assert_eq!(res[0].months.len(), 6);
}

#[test]
fn units_outside_the_plans_tiers_are_not_evaluated() {
    let plan = Plan::from_toml(crate::plan::EXAMPLE_2025_TWO_TIER).unwrap();
    let units = [unit("H01", "huyen"), unit("X01", "xa")];
    let heads = [
        head("H01", "A", date(2019, 1, 1), None),
        head("X01", "B", date(2019, 1, 1), None),
    ];
    let res = evaluate(&EvalInput {
        plan: &plan,
        units: &units,
        heads: &heads,
        tally: &DossierTally::default(),
        entries: &[],
        as_of: date(2025, 12, 31).end(),
    });
    assert_eq!(res.len(), 1);
    assert_eq!(res[0].unit.code, "X01");
    assert_eq!(res[0].months.len(), 6);
    assert!(
        res[0].indicator("phan_cap").is_some(),
        "communes answer for delegation after 2025"
    );
}

#[test]
fn the_plans_variant_picks_the_cells_the_evaluation_reads() {
    use crate::plan::{Reading, RutNgan, TrucTuyen, BUILT_IN_2023};
    let units = [unit("T01", "tinh")];
    let heads = [head("T01", "A", date(2020, 1, 1), None)];
    // defaults: 40% shortened, 95% online; the other variants: 20% and 85%, below target
    let mut tally = tally_for(1, &good_dossiers());
    for m in 1..=12 {
        let s = |n: i64| Sums {
            num: dec(n),
            den: dec(100),
        };
        tally.add_sums(
            Reading::TthcRutNgan(RutNgan::CongBo),
            0,
            Month::new(2023, m),
            s(20),
        );
        tally.add_sums(
            Reading::DvcTrucTuyen(TrucTuyen::GiaiQuyet),
            0,
            Month::new(2023, m),
            s(85),
        );
    }
    let entries = all_met("T01", "tinh");
    let value = |r: &HeadResult, code: &str| r.indicator(code).unwrap().value;
    let year = |n: i64| {
        Value::Ratio(Sums {
            num: dec(n * 12),
            den: dec(1200),
        })
    };
    let default = &run(&Plan::built_in(), &units, &heads, &tally, &entries)[0];
    assert_eq!(value(default, "tthc_rut_ngan"), year(40));
    assert_eq!(value(default, "dvc_truc_tuyen"), year(95));
    assert_eq!(status(default, "tthc_rut_ngan"), Status::Dat);
    let picked = Plan::from_toml(
        &BUILT_IN_2023
            .replace("variant = \"thuc_te\"", "variant = \"cong_bo\"")
            .replace("variant = \"tiep_nhan\"", "variant = \"giai_quyet\""),
    )
    .unwrap();
    let r = &run(&picked, &units, &heads, &tally, &entries)[0];
    assert_eq!(value(r, "tthc_rut_ngan"), year(20));
    assert_eq!(value(r, "dvc_truc_tuyen"), year(85));
    assert_eq!(status(r, "tthc_rut_ngan"), Status::KhongDat);
    assert_eq!(status(r, "dvc_truc_tuyen"), Status::KhongDat);
    assert_eq!(value(r, "tthc_dung_han"), value(default, "tthc_dung_han"));
}
