//! Entered indicator values (INDICATORS.md section 3).

use crate::num::Dec;
use crate::time::Month;

/// The period an entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(Month),
}

impl Period {
    /// `2023`, `2023-Q2` (or `2023-q2`), `2023-05`.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let b = s.as_bytes();
        let year = |x: &str| x.parse::<i32>().ok().filter(|y| (1990..=2100).contains(y));
        match b.len() {
            4 => year(s).map(Period::Year),
            7 if b[4] == b'-' && (b[5] == b'Q' || b[5] == b'q') => {
                let q = (b[6] as char).to_digit(10).filter(|q| (1..=4).contains(q))?;
                Some(Period::Quarter(year(&s[..4])?, q))
            }
            7 if b[4] == b'-' => {
                let m: u32 = s[5..].parse().ok().filter(|m| (1..=12).contains(m))?;
                Some(Period::Month(Month::new(year(&s[..4])?, m)))
            }
            _ => None,
        }
    }

    pub fn code(self) -> String {
        match self {
            Period::Year(y) => format!("{y}"),
            Period::Quarter(y, q) => format!("{y}-Q{q}"),
            Period::Month(m) => m.iso(),
        }
    }

    /// The last month of the period: a quarter belongs to whoever holds its last month.
    pub fn last_month(self) -> Month {
        match self {
            Period::Year(y) => Month::new(y, 12),
            Period::Quarter(y, q) => Month::new(y, q * 3),
            Period::Month(m) => m,
        }
    }
}

/// `nhap` → `da_gui` → `da_xac_nhan` | `tra_lai`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryState {
    Nhap,
    DaGui,
    DaXacNhan,
    TraLai,
}

crate::codes!(EntryState {
    Nhap = "nhap" / "Nháp",
    DaGui = "da_gui" / "Đã gửi, chờ xác nhận",
    DaXacNhan = "da_xac_nhan" / "Đã xác nhận",
    TraLai = "tra_lai" / "Bị trả lại",
});

impl EntryState {
    /// Evaluation uses submitted and verified entries only.
    pub fn counts(self) -> bool {
        matches!(self, EntryState::DaGui | EntryState::DaXacNhan)
    }

    /// The unit may still change the entry: a draft, or one the office returned. A
    /// submitted entry waits for the office; a verified one is final (INDICATORS.md
    /// section 3). The form, the API and a unit's own imports all ask this.
    pub fn unit_may_change(self) -> bool {
        matches!(self, EntryState::Nhap | EntryState::TraLai)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryValue {
    Ratio { num: Dec, den: Dec },
    Count(i64),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub unit: String,
    pub indicator: String,
    pub period: Period,
    pub value: EntryValue,
    pub state: EntryState,
}

/// `1/0`, `dat/khong_dat`, `có/không`, `Đạt/Không đạt` (case and diacritics ignored).
pub fn parse_bool(s: &str) -> Option<bool> {
    match crate::text::fold(s).as_str() {
        "1" | "dat" | "co" | "true" | "x" => Some(true),
        "0" | "khong dat" | "khong" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_period_forms() {
        assert_eq!(Period::parse("2023"), Some(Period::Year(2023)));
        assert_eq!(Period::parse("2023-Q2"), Some(Period::Quarter(2023, 2)));
        assert_eq!(Period::parse("2023-05"), Some(Period::Month(Month::new(2023, 5))));
        assert_eq!(Period::parse("2023-Q5"), None);
        assert_eq!(Period::parse("2023-13"), None);
        assert_eq!(Period::parse("05/2023"), None);
        assert_eq!(Period::Quarter(2023, 2).last_month(), Month::new(2023, 6));
    }

    #[test]
    fn parses_every_boolean_spelling() {
        for t in ["1", "dat", "đạt", "Đạt", "có", "Có"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["0", "khong_dat", "Không đạt", "không", "KHÔNG"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
