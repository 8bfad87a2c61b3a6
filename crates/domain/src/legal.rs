//! Dated legal data: the base salary (mức lương cơ sở) in force on a day, the laws a
//! decision on an award cites on a day, and the cash award they give. Read from
//! `data/phap-ly.toml` (built in); amounts and laws are data with their dates, never
//! constants in code.

use crate::num::{Dec, SCALE};
use crate::time::Date;
use serde::Deserialize;

const BUILT_IN: &str = include_str!("../../../data/phap-ly.toml");

/// One base salary and the decree that sets it, in force from `from` until the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseSalary {
    pub from: Date,
    /// Đồng per month.
    pub amount: i64,
    pub basis: String,
}

/// A law cited in a decision, in force from `from` through `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    pub text: String,
    pub from: Date,
    pub to: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct Legal {
    pub base_salary: Vec<BaseSalary>,
    pub decision_bases: Vec<Basis>,
    pub award_round_up_to: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    award_round_up_to: i64,
    base_salary: Vec<RawSalary>,
    decision_bases: Vec<RawBasis>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSalary {
    from: String,
    amount: i64,
    basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBasis {
    text: String,
    from: String,
    to: Option<String>,
}

/// A cash award: the coefficient times the base salary in force, rounded up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashAward {
    /// Đồng per person.
    pub each: i64,
    pub base: BaseSalary,
    pub coefficient: Dec,
}

impl Legal {
    pub fn built_in() -> Legal {
        Legal::from_toml(BUILT_IN).expect("the built-in legal data is valid")
    }

    pub fn from_toml(text: &str) -> Result<Legal, String> {
        let raw: Raw = toml::from_str(text).map_err(|e| e.to_string())?;
        let date = |s: &str| Date::parse_iso(s).ok_or_else(|| format!("not a date: {s}"));
        let mut base_salary = raw
            .base_salary
            .into_iter()
            .map(|r| {
                if r.amount <= 0 {
                    return Err(format!("base salary from {} is not positive", r.from));
                }
                Ok(BaseSalary {
                    from: date(&r.from)?,
                    amount: r.amount,
                    basis: r.basis,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        base_salary.sort_by_key(|b| b.from);
        if base_salary.windows(2).any(|w| w[0].from == w[1].from) {
            return Err("two base salaries start on the same day".into());
        }
        let decision_bases = raw
            .decision_bases
            .into_iter()
            .map(|r| {
                let b = Basis {
                    text: r.text,
                    from: date(&r.from)?,
                    to: r.to.as_deref().map(date).transpose()?,
                };
                match b.to {
                    Some(to) if to < b.from => Err(format!("«{}» ends before it starts", b.text)),
                    _ => Ok(b),
                }
            })
            .collect::<Result<Vec<_>, String>>()?;
        if raw.award_round_up_to <= 0 {
            return Err("award_round_up_to must be positive".into());
        }
        Ok(Legal {
            base_salary,
            decision_bases,
            award_round_up_to: raw.award_round_up_to,
        })
    }

    /// The base salary in force on `day`.
    pub fn base_salary_on(&self, day: Date) -> Option<&BaseSalary> {
        self.base_salary.iter().rev().find(|b| b.from <= day)
    }

    /// The laws in force on `day`, in the order a decision cites them.
    pub fn decision_bases_on(&self, day: Date) -> impl Iterator<Item = &Basis> {
        self.decision_bases
            .iter()
            .filter(move |b| b.from <= day && b.to.is_none_or(|t| day <= t))
    }

    /// `coefficient` × the base salary in force on `day`, rounded up to the data's unit.
    pub fn cash_award(&self, coefficient: Dec, day: Date) -> Option<CashAward> {
        let base = self.base_salary_on(day)?.clone();
        // Dec holds millionths: amount × coefficient / SCALE, rounded up to the unit.
        let exact = base.amount as i128 * coefficient.0;
        let unit = self.award_round_up_to as i128 * SCALE;
        let each = (exact + unit - 1).div_euclid(unit) * self.award_round_up_to as i128;
        Some(CashAward {
            each: i64::try_from(each).ok()?,
            base,
            coefficient,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd(y, m, day).unwrap()
    }

    #[test]
    fn the_base_salary_is_the_one_in_force_on_the_day() {
        let l = Legal::built_in();
        assert_eq!(l.base_salary_on(d(2024, 1, 15)).unwrap().amount, 1_800_000);
        assert_eq!(l.base_salary_on(d(2024, 6, 30)).unwrap().amount, 1_800_000);
        assert_eq!(l.base_salary_on(d(2024, 7, 1)).unwrap().amount, 2_340_000);
        assert_eq!(l.base_salary_on(d(2024, 8, 15)).unwrap().amount, 2_340_000);
        assert_eq!(l.base_salary_on(d(2023, 6, 30)).unwrap().amount, 1_490_000);
        assert!(l.base_salary_on(d(2019, 6, 30)).is_none());
    }

    #[test]
    fn the_cash_award_is_rounded_up_to_ten_thousand() {
        let l = Legal::built_in();
        let one = Dec::parse("1,0").unwrap();
        assert_eq!(l.cash_award(one, d(2024, 1, 15)).unwrap().each, 1_800_000);
        assert_eq!(l.cash_award(one, d(2024, 8, 15)).unwrap().each, 2_340_000);
        // 0,3 × 1.490.000 = 447.000 → 450.000; 1,5 × 1.800.000 exactly 2.700.000
        assert_eq!(
            l.cash_award(Dec::parse("0,3").unwrap(), d(2020, 1, 1))
                .unwrap()
                .each,
            450_000
        );
        assert_eq!(
            l.cash_award(Dec::parse("1,5").unwrap(), d(2023, 9, 1))
                .unwrap()
                .each,
            2_700_000
        );
    }

    #[test]
    fn a_decision_cites_the_laws_in_force_on_its_date() {
        let l = Legal::built_in();
        let on = |day| {
            l.decision_bases_on(day)
                .map(|b| b.text.clone())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let early = on(d(2023, 12, 20));
        assert!(early.contains("Nghị định số 91/2017/NĐ-CP"), "{early}");
        assert!(early.contains("ngày 26 tháng 11 năm 2003"), "{early}");
        assert!(!early.contains("98/2023"), "{early}");
        let later = on(d(2024, 1, 15));
        assert!(
            later.contains("Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022"),
            "{later}"
        );
        assert!(later.contains("Nghị định số 98/2023/NĐ-CP"), "{later}");
        assert!(later.contains("ngày 19 tháng 6 năm 2015"), "{later}");
        assert!(!later.contains("91/2017"), "{later}");
        let after_reform = on(d(2025, 8, 1));
        assert!(
            after_reform.contains("ngày 16 tháng 6 năm 2025"),
            "{after_reform}"
        );
        assert!(!after_reform.contains("năm 2015"), "{after_reform}");
        assert!(
            after_reform.contains("Nghị định số 152/2025/NĐ-CP"),
            "{after_reform}"
        );
        // Luật 72/2025/QH15 is in force from the day it was passed, 16/6/2025
        let passed = on(d(2025, 6, 20));
        assert!(
            passed.contains("ngày 16 tháng 6 năm 2025") && !passed.contains("ngày 19 tháng 02 năm 2025"),
            "{passed}"
        );
        assert!(!passed.contains("152/2025"), "{passed}");
    }

    #[test]
    fn bad_legal_data_is_refused() {
        let bad = "award_round_up_to = 10000\n[[base_salary]]\nfrom = \"2024-13-01\"\namount = 1\nbasis = \"x\"\n[[decision_bases]]\ntext = \"x\"\nfrom = \"2024-01-01\"\n";
        assert!(Legal::from_toml(bad).unwrap_err().contains("2024-13-01"));
        let backwards = "award_round_up_to = 10000\nbase_salary = []\n[[decision_bases]]\ntext = \"x\"\nfrom = \"2024-01-01\"\nto = \"2023-01-01\"\n";
        assert!(Legal::from_toml(backwards).unwrap_err().contains("ends before"));
    }
}
