use super::*;

#[test]
fn the_built_in_2023_plan_holds_every_indicator_of_section_ii4() {
    let p = Plan::built_in();
    assert_eq!(p.code, "cchc-2023");
    let codes: Vec<&str> = p.indicators.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "menh_lenh_hc",
            "phoi_hop",
            "chi_so_cchc",
            "sang_kien",
            "the_che",
            "tthc_dung_han",
            "tthc_rut_ngan",
            "mot_cua",
            "sap_xep_bo_may",
            "phan_cap",
            "noi_quy",
            "ky_luat",
            "giai_ngan_dtc",
            "dvc_truc_tuyen"
        ]
    );
    assert_eq!(
        p.tiers.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(),
        ["tinh", "huyen", "xa"]
    );
    let phan_cap = p.indicator("phan_cap").unwrap();
    assert!(phan_cap.applies_to("huyen") && !phan_cap.applies_to("xa"));
    let giai_ngan = p.indicator("giai_ngan_dtc").unwrap();
    assert!(giai_ngan.is_if_any("tinh") && !giai_ngan.is_if_any("huyen") && !giai_ngan.applies_to("xa"));
    assert!(p.indicator("the_che").unwrap().is_if_any("xa"));
    let dvc = p.indicator("dvc_truc_tuyen").unwrap();
    assert_eq!(dvc.thresholds["tinh"], Threshold::Number(Dec::from_int(90)));
    assert_eq!(dvc.thresholds["xa"], Threshold::Number(Dec::from_int(80)));
    let rut = p.indicator("tthc_rut_ngan").unwrap();
    assert_eq!(rut.aims["tinh"], Dec::from_int(40));
    assert_eq!(rut.target_vi("tinh"), "≥ 35% (phấn đấu 40%)");
    assert_eq!(p.indicator("ky_luat").unwrap().target_vi("xa"), "= 0");
    assert_eq!(p.award.quota, 10);
    assert_eq!(p.award.min_tenure_months, 6);
    assert_eq!(p.documents.len(), 3);
    assert_eq!(p.legal_bases.len(), 4);
    assert_eq!(p.months().len(), 12);
    assert!(p
        .responsibilities
        .iter()
        .any(|r| r.agency == "Ban Thi đua - Khen thưởng tỉnh"));
}

#[test]
fn the_two_tier_example_plan_has_no_district_tier() {
    let p = Plan::from_toml(EXAMPLE_2025_TWO_TIER).unwrap();
    assert_eq!(
        p.tiers.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(),
        ["tinh", "xa"]
    );
    assert_eq!(p.months().len(), 6);
    assert!(p.resolve_tier("Đặc khu").is_some_and(|t| t.code == "xa"));
    assert!(p.resolve_tier("huyen").is_none());
}

#[test]
fn tiers_resolve_by_label_without_diacritics() {
    let p = Plan::built_in();
    assert_eq!(p.resolve_tier("Cấp huyện").unwrap().code, "huyen");
    assert_eq!(p.resolve_tier("cap xa").unwrap().code, "xa");
    assert_eq!(p.resolve_tier("TỈNH").unwrap().code, "tinh");
    assert!(p.resolve_tier("thôn").is_none());
}

fn errors_of(src: &str) -> Vec<PlanError> {
    Plan::from_toml(src).expect_err("plan must be refused")
}

#[test]
fn every_error_names_its_line() {
    let bad = BUILT_IN_2023
        .replace("group = \"the_che\"\nname", "group = \"khong_co\"\nname")
        .replace(
            "threshold = { tinh = 99, huyen = 99, xa = 99 }",
            "threshold = { tinh = 99, huyen = 99 }",
        )
        .replace(
            "comparison = \">=\"\nthreshold = { tinh = 95, huyen = 95, xa = 95 }",
            "comparison = \">>\"\nthreshold = { tinh = 95, huyen = 95, xa = 95 }",
        )
        .replace("quota = 10", "quota = 0");
    let errs = errors_of(&bad);
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let find = |frag: &str| {
        errs.iter()
            .find(|e| e.message.contains(frag))
            .unwrap_or_else(|| panic!("no '{frag}' in {errs:?}"))
    };
    assert_eq!(find("khong_co").line, line_of("group = \"khong_co\""));
    assert!(find("thiếu ngưỡng cho cấp «xa»")
        .message
        .contains("tthc_dung_han"));
    assert_eq!(find("«>>»").line, line_of("comparison = \">>\""));
    assert_eq!(find("quota").line, line_of("quota = 0"));
    assert_eq!(errs.len(), 4, "{errs:?}");
}

#[test]
fn syntax_errors_and_unknown_keys_are_refused_with_a_line() {
    let errs = errors_of("code = \"x\"\ntitle = \"t\"\nissuer = [\n");
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.starts_with("TOML không hợp lệ"));
    let bad = BUILT_IN_2023.replace("quota = 10", "quota = 10\nqouta_typo = 3");
    let errs = errors_of(&bad);
    assert!(errs[0].message.contains("qouta_typo"), "{errs:?}");
    assert_eq!(
        errs[0].line,
        bad.lines().position(|l| l.starts_with("qouta_typo")).unwrap() + 1
    );
}

#[test]
fn thresholds_are_checked_against_kind_and_tiers() {
    let bad = BUILT_IN_2023
        .replace(
            "threshold = { tinh = 1, huyen = 1, xa = 1 }",
            "threshold = { tinh = 1.5, huyen = 1, xa = 1 }",
        )
        .replace(
            "threshold = { tinh = 90, huyen = 80, xa = 80 }",
            "threshold = { tinh = 190, huyen = 80, xa = 80, thon = 5 }",
        )
        .replace(
            "threshold = { tinh = true, huyen = true }\nnot_applicable_tiers = [\"xa\"]",
            "threshold = { tinh = true, huyen = 1 }\nnot_applicable_tiers = [\"xa\"]",
        );
    let errs = errors_of(&bad);
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("sang_kien") && m.contains("số nguyên")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("dvc_truc_tuyen") && m.contains("0 đến 100")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("«thon»")), "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("phan_cap") && m.contains("true/false")),
        "{msgs:?}"
    );
}

#[test]
fn award_rules_must_name_real_indicators() {
    let bad = BUILT_IN_2023
        .replace(
            "initiative_indicator = \"sang_kien\"",
            "initiative_indicator = \"phoi_hop\"",
        )
        .replace(
            "required_indicators = [\"sang_kien\"]",
            "required_indicators = [\"sang_kien_x\"]",
        )
        .replace("min_tenure_months = 6", "min_tenure_months = 13");
    let msgs: Vec<String> = errors_of(&bad).into_iter().map(|e| e.message).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("initiative_indicator") && m.contains("count")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("sang_kien_x")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("min_tenure_months")), "{msgs:?}");
}

#[test]
fn the_discipline_indicator_and_the_priority_method_come_from_the_plan() {
    let plan = Plan::built_in();
    assert_eq!(plan.award.discipline_indicator.as_deref(), Some("ky_luat"));
    assert_eq!(plan.award.priority_method, PriorityMethod::ChuanHoa);
    let other = BUILT_IN_2023.replace(
        "priority_method = \"chuan_hoa\"",
        "priority_method = \"so_chi_tieu_vuot\"",
    );
    assert_eq!(
        Plan::from_toml(&other).unwrap().award.priority_method,
        PriorityMethod::SoChiTieuVuot
    );
    let bad = BUILT_IN_2023
        .replace(
            "discipline_indicator = \"ky_luat\"",
            "discipline_indicator = \"ky_luat_x\"",
        )
        .replace(
            "priority_method = \"chuan_hoa\"",
            "priority_method = \"trung_binh\"",
        );
    let errs = errors_of(&bad);
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        errs.iter()
            .any(|e| e.message.contains("ky_luat_x") && e.line == line_of("ky_luat_x")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.message.contains("priority_method") && e.line == line_of("trung_binh")),
        "{errs:?}"
    );
}

#[test]
fn a_ratio_says_whether_it_is_a_share_and_what_it_counts() {
    let plan = Plan::built_in();
    let rule = |code: &str| plan.indicator(code).unwrap().value_rule();
    assert!(rule("menh_lenh_hc").share && rule("menh_lenh_hc").whole);
    assert!(
        rule("giai_ngan_dtc").share && !rule("giai_ngan_dtc").whole,
        "money has decimals"
    );
    assert!(rule("sang_kien").whole, "a count is whole");
    let bad = BUILT_IN_2023.replace("measure = \"gia_tri\"", "measure = \"tien\"");
    let errs = errors_of(&bad);
    let line = bad
        .lines()
        .position(|l| l.contains("measure = \"tien\""))
        .unwrap()
        + 1;
    assert!(
        errs.iter()
            .any(|e| e.message.contains("measure") && e.line == line),
        "{errs:?}"
    );
}

#[test]
fn each_period_has_its_submission_deadline_from_the_plan() {
    let plan = Plan::built_in();
    let p = |s| crate::entry::Period::parse(s).unwrap();
    let d = |s| Date::parse_iso(s).unwrap();
    assert_eq!(
        plan.entry_deadline("sang_kien", p("2023-01")),
        Some(d("2023-02-10"))
    );
    assert_eq!(
        plan.entry_deadline("sang_kien", p("2023-02")),
        Some(d("2023-03-10"))
    );
    assert_eq!(
        plan.entry_deadline("sang_kien", p("2023-Q4")),
        Some(d("2024-01-10"))
    );
    assert_eq!(plan.entry_deadline("sang_kien", p("2023")), Some(d("2024-01-15")));
    // Disbursement runs to 31 January: its year is due later.
    assert_eq!(
        plan.entry_deadline("giai_ngan_dtc", p("2023")),
        Some(d("2024-02-10"))
    );
    assert_eq!(
        plan.entry_deadline("giai_ngan_dtc", p("2023-Q4")),
        Some(d("2024-01-10"))
    );
    // The 2023 plan fixes no reporting period.
    assert!(plan.indicators.iter().all(|i| i.cadence.is_none()));
    // A plan without deadlines binds nobody.
    let open = BUILT_IN_2023
        .replace("entries_after_month = 10\n", "")
        .replace("entries_after_quarter = 10\n", "");
    let open = Plan::from_toml(&open).unwrap();
    assert_eq!(open.entry_deadline("sang_kien", p("2023-05")), None);
    assert_eq!(open.entry_deadline("sang_kien", p("2023")), Some(d("2024-01-15")));
}

#[test]
fn a_bad_period_or_deadline_is_explained_with_its_line() {
    let bad = BUILT_IN_2023
        .replace("entries_after_month = 10", "entries_after_month = -3")
        .replace("entries_year = \"01-15\"", "entries_year = \"02-30\"")
        .replace("year_deadline = \"02-10\"", "year_deadline = \"31/01\"")
        .replacen(
            "code = \"sang_kien\"",
            "code = \"sang_kien\"\nperiod = \"tuan\"",
            1,
        )
        .replacen(
            "code = \"tthc_dung_han\"",
            "code = \"tthc_dung_han\"\nperiod = \"quy\"",
            1,
        );
    let errs = errors_of(&bad);
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let has = |frag: &str, line: usize| {
        assert!(
            errs.iter().any(|e| e.message.contains(frag) && e.line == line),
            "no '{frag}' on line {line}: {errs:?}"
        )
    };
    has("số ngày sau khi kỳ kết thúc", line_of("entries_after_month = -3"));
    has("«02-30»", line_of("entries_year = \"02-30\""));
    has("«31/01»", line_of("year_deadline = \"31/01\""));
    has("kỳ báo cáo «tuan» không hợp lệ", line_of("period = \"tuan\""));
    has("không có kỳ báo cáo", line_of("period = \"quy\""));
    assert_eq!(errs.len(), 5, "{errs:?}");
    // A fixed period is kept.
    let fixed = BUILT_IN_2023.replacen(
        "code = \"sang_kien\"",
        "code = \"sang_kien\"\nperiod = \"quy\"",
        1,
    );
    let plan = Plan::from_toml(&fixed).unwrap();
    assert_eq!(
        plan.indicator("sang_kien").unwrap().value_rule().cadence,
        Some(crate::entry::Cadence::Quy)
    );
}

#[test]
fn the_plan_picks_each_formulas_variant_and_defaults_to_the_spec() {
    let plan = Plan::built_in();
    let reading = |p: &Plan, code: &str| p.indicator(code).unwrap().reading;
    assert_eq!(reading(&plan, "tthc_dung_han"), Some(Reading::TthcDungHan));
    assert_eq!(
        reading(&plan, "tthc_rut_ngan"),
        Some(Reading::TthcRutNgan(RutNgan::ThucTe))
    );
    assert_eq!(
        reading(&plan, "dvc_truc_tuyen"),
        Some(Reading::DvcTrucTuyen(TrucTuyen::TiepNhan))
    );
    assert_eq!(reading(&plan, "sang_kien"), None);
    // the two-tier example names no variant: the defaults
    let two = Plan::from_toml(EXAMPLE_2025_TWO_TIER).unwrap();
    assert_eq!(
        reading(&two, "tthc_rut_ngan"),
        Some(Reading::TthcRutNgan(RutNgan::ThucTe))
    );
    assert_eq!(
        reading(&two, "dvc_truc_tuyen"),
        Some(Reading::DvcTrucTuyen(TrucTuyen::TiepNhan))
    );
    let picked = BUILT_IN_2023
        .replace("variant = \"thuc_te\"", "variant = \"cong_bo\"")
        .replace("variant = \"tiep_nhan\"", "variant = \"giai_quyet\"");
    let picked = Plan::from_toml(&picked).unwrap();
    assert_eq!(
        reading(&picked, "tthc_rut_ngan"),
        Some(Reading::TthcRutNgan(RutNgan::CongBo))
    );
    assert_eq!(
        reading(&picked, "dvc_truc_tuyen"),
        Some(Reading::DvcTrucTuyen(TrucTuyen::GiaiQuyet))
    );
    assert_eq!(
        picked.indicator("dvc_truc_tuyen").unwrap().formula,
        Some(Formula::DvcTrucTuyen)
    );
}

#[test]
fn a_variant_of_another_formula_or_kind_is_refused_with_its_line() {
    let bad = BUILT_IN_2023
        // a variant of dvc_truc_tuyen on tthc_rut_ngan
        .replace("variant = \"thuc_te\"", "variant = \"giai_quyet\"")
        // not a variant at all
        .replace("variant = \"tiep_nhan\"", "variant = \"ca_hai\"")
        // tthc_dung_han has none
        .replace(
            "formula = \"tthc_dung_han\"",
            "formula = \"tthc_dung_han\"\nvariant = \"thuc_te\"",
        )
        // an entered indicator has no formula, so no variant
        .replace(
            "measure = \"gia_tri\"",
            "measure = \"gia_tri\"\nvariant = \"cong_bo\"",
        );
    let errs = errors_of(&bad);
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let find = |frag: &str, line: usize| {
        assert!(
            errs.iter().any(|e| e.message.contains(frag) && e.line == line),
            "no '{frag}' at line {line} in {errs:?}"
        )
    };
    find(
        "biến thể «giai_quyet» không thuộc công thức tthc_rut_ngan (variant: thuc_te, cong_bo)",
        line_of("variant = \"giai_quyet\""),
    );
    find(
        "biến thể «ca_hai» không thuộc công thức dvc_truc_tuyen (variant: tiep_nhan, giai_quyet)",
        line_of("variant = \"ca_hai\""),
    );
    find(
        "công thức tthc_dung_han không có biến thể",
        line_of("variant = \"thuc_te\""),
    );
    find(
        "chỉ loại computed mới có variant",
        line_of("variant = \"cong_bo\""),
    );
    assert_eq!(errs.len(), 4, "{errs:?}");
}

#[test]
fn who_proposes_whom_and_who_uploads_what_are_plan_data() {
    let plan = Plan::built_in();
    assert_eq!(plan.proposer_tier("xa").map(|t| t.code.as_str()), Some("huyen"));
    assert!(plan.proposer_tier("huyen").is_none() && plan.proposer_tier("tinh").is_none());
    let by_proposer: Vec<String> = plan
        .documents_by(DocumentBy::CapTrinh)
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(by_proposer, ["to_trinh", "bien_ban"]);
    let two_tier = Plan::from_toml(include_str!("../../../../plans/cchc-2025-hai-cap.toml")).unwrap();
    assert!(two_tier
        .tiers
        .iter()
        .all(|t| two_tier.proposer_tier(&t.code).is_none()));
    // the proposing tier must be the parent; the provider must be known
    let bad = BUILT_IN_2023
        .replace("proposed_by = \"huyen\"", "proposed_by = \"tinh\"")
        .replace(
            "by = \"cap_trinh\"\n\n[[documents]]\ncode = \"bien_ban\"",
            "by = \"cap_tren\"\n\n[[documents]]\ncode = \"bien_ban\"",
        );
    let errors: Vec<String> = errors_of(&bad).into_iter().map(|e| e.message).collect();
    assert!(
        errors.iter().any(|e| e.contains("proposed_by «tinh»")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("by «cap_tren»")), "{errors:?}");
}

/// Issue 14: the two-tier example states the facts after the 2025 mergers and marks what no
/// source gives as assumptions at the top of the file.
#[test]
fn the_two_tier_example_follows_the_2025_mergers_and_marks_its_assumptions() {
    let text = crate::plan::EXAMPLE_2025_TWO_TIER;
    let plan = Plan::from_toml(text).unwrap();
    let data: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    for gone in [
        "4047/QĐ-UBND",
        "Sở Thông tin và Truyền thông",
        "Báo Bà Rịa - Vũng Tàu",
        "cấp huyện",
        "Đặng Minh Thông",
    ] {
        assert!(!data.contains(gone), "{gone} in the 2025 plan's data");
    }
    assert!(plan
        .legal_bases
        .iter()
        .any(|b| b.contains("109/KH-UBND ngày 26/9/2025")));
    assert_eq!(
        plan.issuer, "Ủy ban nhân dân",
        "a city-level province names itself"
    );
    assert_eq!(plan.award.cash_coefficient, crate::num::Dec::parse("1,5"));
    let head: String = text
        .lines()
        .take_while(|l| l.starts_with('#') || l.is_empty())
        .collect();
    assert!(head.contains("ASSUMPTIONS") && head.contains("A2") && head.contains("A13"));
}

#[test]
fn the_entries_deadlines_in_a_window_are_listed_by_day() {
    let plan = Plan::built_in();
    let d = |s: &str| Date::parse_iso(s).unwrap();
    // 2023: a month's values by the 10th day after it ends, a quarter's too
    let got = plan.entry_deadlines_between(d("2023-07-05"), d("2023-07-12"));
    assert_eq!(
        got,
        vec![
            (d("2023-07-10"), Period::Quarter(2023, 2)),
            (d("2023-07-10"), Period::Month(crate::time::Month::new(2023, 6))),
        ]
    );
    // the year's by 15 January of the next year; nothing in an empty window
    let got = plan.entry_deadlines_between(d("2024-01-14"), d("2024-01-16"));
    assert!(got.contains(&(d("2024-01-15"), Period::Year(2023))), "{got:?}");
    assert!(plan
        .entry_deadlines_between(d("2023-07-11"), d("2023-08-09"))
        .is_empty());
    // months before the plan's period are not the plan's
    assert!(plan
        .entry_deadlines_between(d("2022-01-01"), d("2022-12-31"))
        .is_empty());
}
