//! Working days (INDICATORS.md section 1).
//!
//! A working day is Monday–Friday that is not a day off (`nghi`), plus any weekend day
//! marked as a make-up working day (`lam_bu`). `working_days(a, b)` counts working days D
//! with `date(a) < D <= date(b)` in O(1): one subtraction of prefix sums.

use crate::time::{Date, DateTime};
use std::collections::BTreeMap;

/// The Vietnamese calendar that ships with the product (copied from
/// `shared/data/calendar-vn.csv`; a test checks the copy against the source).
pub const BUILT_IN_CSV: &str = include_str!("../calendar-vn.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// `nghi` — a day off.
    Nghi,
    /// `lam_bu` — a make-up working day.
    LamBu,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Nghi => "nghi",
            DayKind::LamBu => "lam_bu",
        }
    }
    pub fn parse(s: &str) -> Option<DayKind> {
        match s.trim() {
            "nghi" => Some(DayKind::Nghi),
            "lam_bu" => Some(DayKind::LamBu),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalendarDay {
    pub date: Date,
    pub kind: DayKind,
    pub note: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalendarError {
    #[error("{}", self.message())]
    Line { line: usize, vi: String, en: String },
}

impl CalendarError {
    pub fn message(&self) -> crate::msg::Msg {
        match self {
            CalendarError::Line { line, vi, en } => {
                crate::msg::Msg::new(format!("dòng {line}: {vi}"), format!("line {line}: {en}"))
            }
        }
    }
}

/// Parses `date,kind,note` (header required, ISO dates).
pub fn parse_csv(text: &str) -> Result<Vec<CalendarDay>, CalendarError> {
    let mut out = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if i == 0 {
            if !line.to_ascii_lowercase().starts_with("date") {
                return Err(CalendarError::Line {
                    line: 1,
                    vi: "thiếu dòng tiêu đề date,kind,note".into(),
                    en: "missing header date,kind,note".into(),
                });
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ',');
        let d = parts.next().unwrap_or("").trim();
        let k = parts.next().unwrap_or("").trim();
        let note = parts.next().unwrap_or("").trim().trim_matches('"').to_string();
        let date = Date::parse_iso(d).ok_or_else(|| CalendarError::Line {
            line: line_no,
            vi: format!("ngày không hợp lệ «{d}» (cần YYYY-MM-DD)"),
            en: format!("invalid date '{d}' (expected YYYY-MM-DD)"),
        })?;
        let kind = DayKind::parse(k).ok_or_else(|| CalendarError::Line {
            line: line_no,
            vi: format!("loại ngày không hợp lệ «{k}» (nghi hoặc lam_bu)"),
            en: format!("invalid kind '{k}' (nghi or lam_bu)"),
        })?;
        out.push(CalendarDay { date, kind, note });
    }
    Ok(out)
}

/// Prefix sums of working days over a fixed span. Dates outside the span are clamped;
/// imports refuse years outside it, so clamping never decides a real figure.
#[derive(Debug, Clone)]
pub struct Calendar {
    first: Date,
    /// cum[i] = number of working days in [first, first + i]
    cum: Vec<u32>,
}

pub const FIRST_YEAR: i32 = 1990;
pub const LAST_YEAR: i32 = 2100;

impl Calendar {
    pub fn new(days: &[CalendarDay]) -> Calendar {
        let first = Date::from_ymd(FIRST_YEAR, 1, 1).unwrap();
        let last = Date::from_ymd(LAST_YEAR, 12, 31).unwrap();
        let special: BTreeMap<Date, DayKind> = days.iter().map(|d| (d.date, d.kind)).collect();
        let n = (last.0 - first.0 + 1) as usize;
        let mut cum = Vec::with_capacity(n);
        let mut c = 0u32;
        for i in 0..n {
            let d = Date(first.0 + i as i32);
            let work = match special.get(&d) {
                Some(DayKind::Nghi) => false,
                Some(DayKind::LamBu) => true,
                None => d.weekday() < 5,
            };
            c += work as u32;
            cum.push(c);
        }
        Calendar { first, cum }
    }

    pub fn built_in() -> Calendar {
        Calendar::new(&parse_csv(BUILT_IN_CSV).expect("bundled calendar parses"))
    }

    #[inline]
    fn idx(&self, d: Date) -> usize {
        (d.0 - self.first.0).clamp(0, self.cum.len() as i32 - 1) as usize
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        let i = self.idx(d);
        let before = if i == 0 { 0 } else { self.cum[i - 1] };
        self.cum[i] > before
    }

    /// Working days D with `a < D <= b` (dates); negative when `b < a`.
    #[inline]
    pub fn working_days_between(&self, a: Date, b: Date) -> i64 {
        self.cum[self.idx(b)] as i64 - self.cum[self.idx(a)] as i64
    }

    /// `working_days(a, b)` of INDICATORS.md section 1, for two timestamps.
    #[inline]
    pub fn working_days(&self, a: DateTime, b: DateTime) -> i64 {
        self.working_days_between(a.date(), b.date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd(y, m, dd).unwrap()
    }
    fn t(y: i32, m: u32, dd: u32, h: u32) -> DateTime {
        DateTime::from_parts(d(y, m, dd), h, 0, 0).unwrap()
    }

    #[test]
    fn same_day_is_zero_and_sunday_to_monday_is_one() {
        let c = Calendar::built_in();
        assert_eq!(c.working_days(t(2023, 3, 15, 8), t(2023, 3, 15, 17)), 0);
        assert_eq!(c.working_days(t(2023, 3, 19, 9), t(2023, 3, 20, 9)), 1); // Sun -> Mon
        assert_eq!(c.working_days(t(2023, 3, 17, 9), t(2023, 3, 20, 9)), 1); // Fri -> Mon
    }

    #[test]
    fn tet_2023_is_not_counted() {
        let c = Calendar::built_in();
        // Thu 19/01/2023 -> Fri 27/01/2023: 20, 23-26 are Tết; only 27 counts.
        assert_eq!(c.working_days(t(2023, 1, 19, 9), t(2023, 1, 27, 9)), 1);
        // 02/01/2023 is the New Year make-up day off.
        assert_eq!(c.working_days(t(2022, 12, 30, 9), t(2023, 1, 3, 9)), 1);
    }

    #[test]
    fn the_2024_make_up_saturday_counts() {
        let c = Calendar::built_in();
        // Sat 04/05/2024 is a make-up working day; Mon 29/04 swapped off, 30/04, 01/05 holidays.
        assert!(c.is_working_day(d(2024, 5, 4)));
        assert!(!c.is_working_day(d(2024, 4, 29)));
        // Fri 26/04 -> Mon 06/05: working days are Thu 02, Fri 03, Sat 04, Mon 06.
        assert_eq!(c.working_days(t(2024, 4, 26, 9), t(2024, 5, 6, 9)), 4);
    }

    #[test]
    fn user_calendar_replaces_the_built_in_one() {
        let days = parse_csv("date,kind,note\n2023-03-15,nghi,test\n2023-03-18,lam_bu,\n").unwrap();
        let c = Calendar::new(&days);
        assert!(!c.is_working_day(d(2023, 3, 15)));
        assert!(c.is_working_day(d(2023, 3, 18)));
        assert_eq!(c.working_days_between(d(2023, 3, 14), d(2023, 3, 20)), 4); // 16,17,18,20
    }

    #[test]
    fn calendar_csv_errors_name_the_line() {
        let e = parse_csv("date,kind,note\n2023-02-30,nghi,x\n").unwrap_err();
        assert!(e.to_string().contains("dòng 2"), "{e}");
        let e = parse_csv("date,kind,note\n2023-02-03,holiday,x\n").unwrap_err();
        assert!(e.to_string().contains("nghi hoặc lam_bu"), "{e}");
    }

    #[test]
    fn bundled_calendar_matches_the_shared_source() {
        let shared = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/calendar-vn.csv"
        );
        let text = std::fs::read_to_string(shared).expect("shared/ lies beside the project");
        assert_eq!(text, BUILT_IN_CSV, "refresh crates/domain/calendar-vn.csv");
    }
}
