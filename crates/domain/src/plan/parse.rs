//! Reading a plan from TOML: the checker that names each error's line (the file's raw
//! shape is `raw`).
//!
//! Just over ~500 lines: one pass over the file's sections, each key checked where it is
//! read so that every error carries its line.

use super::*;
use crate::num::Dec;
use crate::time::Date;
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;

use super::raw::*;

struct Checker<'a> {
    src: &'a str,
    errors: Vec<PlanError>,
}

impl Checker<'_> {
    fn line(&self, pos: usize) -> usize {
        self.src[..pos.min(self.src.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            + 1
    }
    fn err(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        let line = self.line(span.start);
        self.errors.push(PlanError {
            line,
            message: message.into(),
        });
    }
    fn date(&mut self, s: &Spanned<String>, what: &str) -> Option<Date> {
        let d = Date::parse_iso(s.get_ref());
        if d.is_none() {
            self.err(
                s.span(),
                format!("{what}: ngày không hợp lệ «{}» (cần YYYY-MM-DD)", s.get_ref()),
            );
        }
        d
    }
    fn month_day(&mut self, s: &Spanned<String>, what: &str) -> Option<MonthDay> {
        let d = MonthDay::parse(s.get_ref());
        if d.is_none() {
            self.err(
                s.span(),
                format!(
                    "{what}: ngày trong năm sau không hợp lệ «{}» (cần MM-DD, ví dụ 01-31) / invalid day of the next year",
                    s.get_ref()
                ),
            );
        }
        d
    }
    /// Days after a period's end, for a deadline: 0 to 366.
    fn days_after(&mut self, n: &Spanned<i64>, what: &str) -> Option<u32> {
        let v = *n.get_ref();
        if (0..=366).contains(&v) {
            Some(v as u32)
        } else {
            self.err(
                n.span(),
                format!("{what}: số ngày sau khi kỳ kết thúc phải từ 0 đến 366, không phải {v} (days after the period: 0 to 366)"),
            );
            None
        }
    }
}

fn toml_number(v: &toml::Value) -> Option<Dec> {
    match v {
        toml::Value::Integer(i) => Some(Dec::from_int(*i)),
        // Shortest round-trip form of a human-written float is its decimal text.
        toml::Value::Float(f) => Dec::parse(&format!("{f}")),
        toml::Value::String(s) => Dec::parse(s),
        _ => None,
    }
}

impl Plan {
    /// Parses and validates a plan; every problem is reported, each with its line.
    pub fn from_toml(src: &str) -> Result<Plan, Vec<PlanError>> {
        let raw: RawPlan = match toml::from_str(src) {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .span()
                    .map(|s| src[..s.start.min(src.len())].matches('\n').count() + 1)
                    .unwrap_or(1);
                return Err(vec![PlanError {
                    line,
                    message: format!("TOML không hợp lệ: {}", e.message()),
                }]);
            }
        };
        let mut c = Checker {
            src,
            errors: Vec::new(),
        };
        let code = raw.code.get_ref().trim().to_string();
        if code.is_empty()
            || !code
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            c.err(
                raw.code.span(),
                "mã kế hoạch (code) chỉ gồm chữ, số, '-' và '_' (plan code: letters, digits, '-', '_')",
            );
        }
        let period_span = raw.period.span();
        let period = raw.period.into_inner();
        let from = c.date(&period.from, "period.from");
        let to = c.date(&period.to, "period.to");
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                c.err(
                    period_span.clone(),
                    "period.from phải trước period.to (period starts after it ends)",
                );
            }
        }

        let mut tiers = Vec::new();
        let mut tier_codes = BTreeSet::new();
        for t in &raw.tiers {
            let r = t.get_ref();
            if !tier_codes.insert(r.code.clone()) {
                c.err(
                    t.span(),
                    format!("cấp «{}» khai báo hai lần (tier declared twice)", r.code),
                );
            }
        }
        if raw.tiers.is_empty() {
            c.err(0..0, "kế hoạch cần ít nhất một cấp [[tiers]] (at least one tier)");
        }
        for t in raw.tiers {
            let span = t.span();
            let r = t.into_inner();
            if let Some(p) = &r.parent {
                if !tier_codes.contains(p) {
                    c.err(
                        span.clone(),
                        format!("cấp cha «{p}» không có trong [[tiers]] (unknown parent tier)"),
                    );
                }
            }
            if let Some(by) = &r.proposed_by {
                if r.parent.as_ref() != Some(by) {
                    c.err(
                        span,
                        format!(
                            "cấp «{}»: proposed_by «{by}» phải là cấp cha của nó (the proposing tier must be the parent tier)",
                            r.code
                        ),
                    );
                }
            }
            tiers.push(Tier {
                code: r.code,
                name: r.name,
                labels: r.labels,
                parent: r.parent,
                proposed_by: r.proposed_by,
            });
        }

        let mut group_codes = BTreeSet::new();
        let mut groups = Vec::new();
        for g in raw.groups {
            let span = g.span();
            let r = g.into_inner();
            if !group_codes.insert(r.code.clone()) {
                c.err(
                    span,
                    format!("nhóm «{}» khai báo hai lần (group declared twice)", r.code),
                );
            }
            groups.push(Group {
                code: r.code,
                name: r.name,
                contents: r.contents,
            });
        }

        let mut indicators: Vec<Indicator> = Vec::new();
        for ind in raw.indicators {
            let span = ind.span();
            let r = ind.into_inner();
            if indicators.iter().any(|i| i.code == r.code) {
                c.err(
                    span.clone(),
                    format!(
                        "chỉ tiêu «{}» khai báo hai lần (indicator declared twice)",
                        r.code
                    ),
                );
            }
            if !group_codes.contains(r.group.get_ref()) {
                c.err(
                    r.group.span(),
                    format!(
                        "chỉ tiêu «{}»: nhóm «{}» không có trong [[groups]] (unknown group)",
                        r.code,
                        r.group.get_ref()
                    ),
                );
            }
            let kind = match r.kind.get_ref().as_str() {
                "ratio" => Kind::Ratio,
                "count" => Kind::Count,
                "boolean" => Kind::Boolean,
                "computed" => Kind::Computed,
                other => {
                    c.err(r.kind.span(), format!("chỉ tiêu «{}»: loại «{other}» không hợp lệ (kind: ratio, count, boolean, computed)", r.code));
                    Kind::Ratio
                }
            };
            let formula = match (&r.formula, kind) {
                (Some(f), Kind::Computed) => {
                    let parsed = Formula::parse(f.get_ref());
                    if parsed.is_none() {
                        c.err(f.span(), format!("chỉ tiêu «{}»: công thức «{}» không hợp lệ (formula: tthc_dung_han, tthc_rut_ngan, dvc_truc_tuyen)", r.code, f.get_ref()));
                    }
                    parsed
                }
                (None, Kind::Computed) => {
                    c.err(
                        span.clone(),
                        format!(
                            "chỉ tiêu «{}»: loại computed cần formula (computed needs a formula)",
                            r.code
                        ),
                    );
                    None
                }
                (Some(f), _) => {
                    c.err(f.span(), format!("chỉ tiêu «{}»: chỉ loại computed mới có formula (only computed indicators have a formula)", r.code));
                    None
                }
                (None, _) => None,
            };
            let reading = match (&r.variant, formula) {
                (None, f) => f.map(Reading::from),
                (Some(v), Some(f)) => {
                    let parsed = Reading::parse(f, v.get_ref());
                    if parsed.is_none() {
                        let allowed = f.variant_codes();
                        let msg = if allowed.is_empty() {
                            format!("chỉ tiêu «{}»: công thức {} không có biến thể, bỏ variant «{}» (formula {} has no variants)", r.code, f.code(), v.get_ref(), f.code())
                        } else {
                            format!(
                                "chỉ tiêu «{}»: biến thể «{}» không thuộc công thức {} (variant: {})",
                                r.code,
                                v.get_ref(),
                                f.code(),
                                allowed.join(", ")
                            )
                        };
                        c.err(v.span(), msg);
                    }
                    parsed.or(Some(Reading::from(f)))
                }
                (Some(v), None) => {
                    if kind != Kind::Computed {
                        c.err(v.span(), format!("chỉ tiêu «{}»: chỉ loại computed mới có variant (only computed indicators have a variant)", r.code));
                    }
                    None
                }
            };
            let comparison = match r.comparison.get_ref().as_str() {
                ">=" => Comparison::Ge,
                "<=" => Comparison::Le,
                "==" => Comparison::Eq,
                other => {
                    c.err(
                        r.comparison.span(),
                        format!(
                            "chỉ tiêu «{}»: phép so sánh «{other}» không hợp lệ (comparison: >=, <=, ==)",
                            r.code
                        ),
                    );
                    Comparison::Ge
                }
            };
            if kind == Kind::Boolean && comparison != Comparison::Eq {
                c.err(r.comparison.span(), format!("chỉ tiêu «{}»: chỉ tiêu đạt/không đạt chỉ so sánh bằng == (boolean compares with ==)", r.code));
            }
            let mut not_applicable = BTreeSet::new();
            for t in &r.not_applicable_tiers {
                if !tier_codes.contains(t.get_ref()) {
                    c.err(
                        t.span(),
                        format!(
                            "chỉ tiêu «{}»: cấp «{}» không có trong [[tiers]] (unknown tier)",
                            r.code,
                            t.get_ref()
                        ),
                    );
                }
                not_applicable.insert(t.get_ref().clone());
            }
            let mut if_any = BTreeSet::new();
            for t in &r.if_any_tiers {
                if !tier_codes.contains(t.get_ref()) {
                    c.err(
                        t.span(),
                        format!(
                            "chỉ tiêu «{}»: cấp «{}» không có trong [[tiers]] (unknown tier)",
                            r.code,
                            t.get_ref()
                        ),
                    );
                } else if not_applicable.contains(t.get_ref()) {
                    c.err(t.span(), format!("chỉ tiêu «{}»: cấp «{}» vừa «nếu có» vừa không áp dụng (both if-any and not applicable)", r.code, t.get_ref()));
                }
                if_any.insert(t.get_ref().clone());
            }
            let mut thresholds = BTreeMap::new();
            for (tier, v) in &r.threshold {
                if !tier_codes.contains(tier) {
                    c.err(v.span(), format!("chỉ tiêu «{}»: ngưỡng cho cấp «{tier}» không có trong [[tiers]] (threshold for unknown tier)", r.code));
                    continue;
                }
                if not_applicable.contains(tier) {
                    c.err(v.span(), format!("chỉ tiêu «{}»: cấp «{tier}» không áp dụng nhưng có ngưỡng (threshold for a not-applicable tier)", r.code));
                    continue;
                }
                let th = match (kind, v.get_ref()) {
                    (Kind::Boolean, toml::Value::Boolean(b)) => Some(Threshold::Bool(*b)),
                    (Kind::Boolean, _) => None,
                    (_, val) => toml_number(val).map(Threshold::Number),
                };
                match th {
                    None => c.err(v.span(), format!("chỉ tiêu «{}»: ngưỡng cấp «{tier}» phải là {} (threshold must be {})", r.code,
                        if kind == Kind::Boolean { "true/false" } else { "một số" }, if kind == Kind::Boolean { "a boolean" } else { "a number" })),
                    Some(Threshold::Number(n)) if matches!(kind, Kind::Ratio | Kind::Computed) && (n < Dec::ZERO || n > Dec::from_int(100)) =>
                        c.err(v.span(), format!("chỉ tiêu «{}»: ngưỡng tỷ lệ cấp «{tier}» phải từ 0 đến 100 (percent between 0 and 100)", r.code)),
                    Some(Threshold::Number(n)) if kind == Kind::Count && (!n.is_integer() || n < Dec::ZERO) =>
                        c.err(v.span(), format!("chỉ tiêu «{}»: ngưỡng số lượng cấp «{tier}» phải là số nguyên không âm (count threshold: a whole number)", r.code)),
                    Some(t) => {
                        thresholds.insert(tier.clone(), t);
                    }
                }
            }
            for tier in &tier_codes {
                if !not_applicable.contains(tier) && !r.threshold.contains_key(tier) {
                    c.err(span.clone(), format!("chỉ tiêu «{}»: thiếu ngưỡng cho cấp «{tier}» — thêm ngưỡng hoặc ghi vào not_applicable_tiers (missing threshold for tier)", r.code));
                }
            }
            let mut aims = BTreeMap::new();
            for (tier, v) in &r.aim {
                match toml_number(v.get_ref()) {
                    Some(a) if tier_codes.contains(tier) => {
                        aims.insert(tier.clone(), a);
                    }
                    _ => c.err(
                        v.span(),
                        format!(
                            "chỉ tiêu «{}»: mức phấn đấu cấp «{tier}» không hợp lệ (invalid aim)",
                            r.code
                        ),
                    ),
                }
            }
            let weight = match &r.weight {
                None => Dec::ONE,
                Some(w) => {
                    match toml_number(w.get_ref()) {
                        Some(d) if d >= Dec::ZERO => d,
                        _ => {
                            c.err(w.span(), format!("chỉ tiêu «{}»: trọng số phải là số không âm (weight: a non-negative number)", r.code));
                            Dec::ONE
                        }
                    }
                }
            };
            let measure = match &r.measure {
                None => Measure::SoLuong,
                Some(m) => Measure::from_code(m.get_ref()).unwrap_or_else(|| {
                    c.err(
                        m.span(),
                        format!(
                            "chỉ tiêu «{}»: measure «{}» không hợp lệ, chọn so_luong hoặc gia_tri (unknown measure)",
                            r.code,
                            m.get_ref()
                        ),
                    );
                    Measure::SoLuong
                }),
            };
            let cadence = r.period.as_ref().and_then(|p| {
                let c_ = Cadence::from_code(p.get_ref());
                if c_.is_none() {
                    c.err(
                        p.span(),
                        format!(
                            "chỉ tiêu «{}»: kỳ báo cáo «{}» không hợp lệ, chọn thang, quy hoặc nam (period: thang, quy or nam)",
                            r.code,
                            p.get_ref()
                        ),
                    );
                } else if kind == Kind::Computed {
                    c.err(
                        p.span(),
                        format!(
                            "chỉ tiêu «{}»: chỉ tiêu tính từ hồ sơ TTHC không có kỳ báo cáo (a computed indicator has no reporting period)",
                            r.code
                        ),
                    );
                }
                c_
            });
            let year_deadline = r
                .year_deadline
                .as_ref()
                .and_then(|s| c.month_day(s, &format!("chỉ tiêu «{}»: year_deadline", r.code)));
            indicators.push(Indicator {
                code: r.code,
                group: r.group.into_inner(),
                name: r.name,
                description: r.description,
                kind,
                formula,
                reading,
                comparison,
                thresholds,
                aims,
                if_any_tiers: if_any,
                not_applicable_tiers: not_applicable,
                tier_notes: r.tier_notes,
                weight,
                // a ratio is a share unless the plan says otherwise
                share: r.share.unwrap_or(true),
                measure,
                cadence,
                year_deadline,
            });
        }
        if indicators.is_empty() {
            c.err(
                0..0,
                "kế hoạch cần ít nhất một chỉ tiêu [[indicators]] (at least one indicator)",
            );
        }

        let award_span = raw.award.span();
        let a = raw.award.into_inner();
        if *a.quota.get_ref() < 1 {
            c.err(
                a.quota.span(),
                "award.quota phải ít nhất là 1 (quota must be at least 1)",
            );
        }
        let months_in_period = match (from, to) {
            (Some(f), Some(t)) if f <= t => (t.month().0 - f.month().0 + 1) as i64,
            _ => 12,
        };
        let tenure = *a.min_tenure_months.get_ref();
        if tenure < 0 || tenure > months_in_period {
            let span = if a.min_tenure_months.span() == (0..0) {
                award_span.clone()
            } else {
                a.min_tenure_months.span()
            };
            c.err(
                span,
                format!(
                    "award.min_tenure_months phải từ 0 đến {months_in_period} (tenure within the period)"
                ),
            );
        }
        let known = |code: &str| indicators.iter().find(|i| i.code == code);
        for r in &a.required_indicators {
            if known(r.get_ref()).is_none() {
                c.err(
                    r.span(),
                    format!(
                        "award.required_indicators: chỉ tiêu «{}» không có (unknown indicator)",
                        r.get_ref()
                    ),
                );
            }
        }
        if let Some(i) = &a.initiative_indicator {
            match known(i.get_ref()) {
                Some(ind) if ind.kind == Kind::Count => {}
                Some(_) => c.err(
                    i.span(),
                    "award.initiative_indicator phải là chỉ tiêu loại count (must be a count indicator)",
                ),
                None => c.err(
                    i.span(),
                    format!(
                        "award.initiative_indicator: chỉ tiêu «{}» không có (unknown indicator)",
                        i.get_ref()
                    ),
                ),
            }
        }
        if let Some(i) = &a.tie_break_indicator {
            match known(i.get_ref()) {
                Some(ind) if ind.is_ratio() => {}
                Some(_) => c.err(
                    i.span(),
                    "award.tie_break_indicator phải là chỉ tiêu tỷ lệ (must be a ratio indicator)",
                ),
                None => c.err(
                    i.span(),
                    format!(
                        "award.tie_break_indicator: chỉ tiêu «{}» không có (unknown indicator)",
                        i.get_ref()
                    ),
                ),
            }
        }
        if let Some(i) = &a.discipline_indicator {
            if known(i.get_ref()).is_none() {
                c.err(
                    i.span(),
                    format!(
                        "award.discipline_indicator: chỉ tiêu «{}» không có (unknown indicator)",
                        i.get_ref()
                    ),
                );
            }
        }
        let priority_method = match &a.priority_method {
            None => PriorityMethod::ChuanHoa,
            Some(m) => PriorityMethod::from_code(m.get_ref()).unwrap_or_else(|| {
                c.err(
                    m.span(),
                    format!(
                        "award.priority_method: «{}» không hợp lệ, chọn chuan_hoa, vuot_tuong_doi hoặc so_chi_tieu_vuot (unknown method)",
                        m.get_ref()
                    ),
                );
                PriorityMethod::ChuanHoa
            }),
        };
        let cash_coefficient = a.cash_coefficient.as_ref().and_then(|v| {
            match Dec::parse(v.get_ref()).filter(|d| *d > Dec::ZERO) {
                Some(d) => Some(d),
                None => {
                    c.err(
                        v.span(),
                        format!(
                            "award.cash_coefficient: «{}» không phải hệ số dương, ví dụ \"1,0\" (not a positive coefficient)",
                            v.get_ref()
                        ),
                    );
                    None
                }
            }
        });
        let award = Award {
            form: a.form,
            recipients: a.recipients,
            quota: (*a.quota.get_ref()).max(0) as u32,
            min_tenure_months: tenure.max(0) as u32,
            required_indicators: a
                .required_indicators
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            initiative_indicator: a.initiative_indicator.map(Spanned::into_inner),
            tie_break_indicator: a.tie_break_indicator.map(Spanned::into_inner),
            criteria: a.criteria,
            priority: a.priority,
            dossier_copies: a.dossier_copies,
            discipline_indicator: a.discipline_indicator.map(Spanned::into_inner),
            priority_method,
            one_per_unit: a.one_per_unit,
            units_see_ranking: a.units_see_ranking,
            cash_coefficient,
            cash_fund: a.cash_fund,
        };

        let mut documents = Vec::new();
        for d in raw.documents {
            let span = d.span();
            let r = d.into_inner();
            if documents.iter().any(|x: &DossierDocument| x.code == r.code) {
                c.err(
                    span.clone(),
                    format!("hồ sơ «{}» khai báo hai lần (document declared twice)", r.code),
                );
            }
            let by = match r.by.as_deref() {
                None | Some("don_vi") => DocumentBy::DonVi,
                Some("cap_trinh") => DocumentBy::CapTrinh,
                Some(other) => {
                    c.err(
                        span,
                        format!(
                            "hồ sơ «{}»: by «{other}» không hợp lệ, chọn don_vi hoặc cap_trinh (unknown provider)",
                            r.code
                        ),
                    );
                    DocumentBy::DonVi
                }
            };
            documents.push(DossierDocument {
                code: r.code,
                name: r.name,
                note: r.note,
                by,
            });
        }
        if documents.is_empty() {
            c.err(award_span, "kế hoạch cần danh mục hồ sơ đề nghị khen thưởng [[documents]] (the nomination dossier's documents)");
        }
        let deadlines = match raw.deadlines {
            None => Deadlines::default(),
            Some(d) => {
                let d = d.into_inner();
                Deadlines {
                    nomination_submit: d
                        .nomination_submit
                        .as_ref()
                        .and_then(|s| c.date(s, "deadlines.nomination_submit")),
                    appraisal: d
                        .appraisal
                        .as_ref()
                        .and_then(|s| c.date(s, "deadlines.appraisal")),
                    note: d.note,
                    entries_after_month: d
                        .entries_after_month
                        .as_ref()
                        .and_then(|n| c.days_after(n, "deadlines.entries_after_month")),
                    entries_after_quarter: d
                        .entries_after_quarter
                        .as_ref()
                        .and_then(|n| c.days_after(n, "deadlines.entries_after_quarter")),
                    entries_year: d
                        .entries_year
                        .as_ref()
                        .and_then(|s| c.month_day(s, "deadlines.entries_year")),
                }
            }
        };
        if !c.errors.is_empty() {
            c.errors.sort_by_key(|e| e.line);
            return Err(c.errors);
        }
        let issuing = Issuing {
            committee_symbol: raw.issuing.committee_symbol.unwrap_or_else(|| "UBND".into()),
            standing_symbol: raw.issuing.standing_symbol.unwrap_or_else(|| "SNV".into()),
            board: raw
                .issuing
                .board
                .unwrap_or_else(|| "Ban Thi đua - Khen thưởng".into()),
            board_parent: raw
                .issuing
                .board_parent
                .unwrap_or_else(|| raw.standing_agency.clone()),
            board_symbol: raw.issuing.board_symbol.unwrap_or_else(|| "BTĐKT".into()),
        };
        Ok(Plan {
            code,
            title: raw.title,
            movement: raw.movement,
            issuer: raw.issuer,
            signer: raw.signer,
            signer_title: raw.signer_title,
            standing_agency: raw.standing_agency,
            legal_bases: raw.legal_bases,
            purposes: raw.purposes,
            scope: raw.scope,
            subjects: raw.subjects,
            content_note: raw.content_note,
            period_from: from.expect("checked"),
            period_to: to.expect("checked"),
            period_note: period.note,
            tiers,
            groups,
            indicators,
            award,
            documents,
            deadlines,
            responsibilities: raw
                .responsibilities
                .into_iter()
                .map(|r| Responsibility {
                    agency: r.agency,
                    tasks: r.tasks,
                })
                .collect(),
            issuing,
        })
    }
}
