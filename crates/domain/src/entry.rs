//! Entered indicator values (INDICATORS.md section 3): periods and what they cover, the
//! states, and the rules that keep one month counted once and a period closed after its
//! deadline.

use crate::msg::Msg;
use crate::num::Dec;
use crate::time::{Date, Month};

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

    pub fn first_month(self) -> Month {
        match self {
            Period::Year(y) => Month::new(y, 1),
            Period::Quarter(y, q) => Month::new(y, q * 3 - 2),
            Period::Month(m) => m,
        }
    }

    pub fn year(self) -> i32 {
        self.last_month().year()
    }

    /// Every period of a year, as the forms list them: the year, its quarters, its months.
    pub fn all_of_year(y: i32) -> Vec<Period> {
        let mut out = vec![Period::Year(y)];
        out.extend((1..=4).map(|q| Period::Quarter(y, q)));
        out.extend((1..=12).map(|m| Period::Month(Month::new(y, m))));
        out
    }

    /// Two periods share a month (the same period shares all of them).
    pub fn overlaps(self, other: Period) -> bool {
        self.first_month() <= other.last_month() && other.first_month() <= self.last_month()
    }

    pub fn cadence(self) -> Cadence {
        match self {
            Period::Year(_) => Cadence::Nam,
            Period::Quarter(..) => Cadence::Quy,
            Period::Month(_) => Cadence::Thang,
        }
    }

    /// `Năm 2023`, `Quý IV/2023`, `Tháng 05/2023`.
    pub fn vi(self) -> String {
        match self {
            Period::Year(y) => format!("Năm {y}"),
            Period::Quarter(y, q) => format!("Quý {}/{y}", ["I", "II", "III", "IV"][(q - 1) as usize]),
            Period::Month(m) => format!("Tháng {:02}/{}", m.number(), m.year()),
        }
    }
}

/// How often an indicator is reported, when the plan fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cadence {
    Thang,
    Quy,
    Nam,
}

crate::codes!(Cadence {
    Thang = "thang" / "Tháng",
    Quy = "quy" / "Quý",
    Nam = "nam" / "Năm",
});

impl Cadence {
    /// A period code of this cadence in `year`, for messages.
    pub fn example(self, year: i32) -> String {
        match self {
            Cadence::Thang => format!("{year}-01"),
            Cadence::Quy => format!("{year}-Q1"),
            Cadence::Nam => format!("{year}"),
        }
    }
}

/// The one rule against double counting (INDICATORS.md section 3): a new entry of `period`
/// may not share a month with another stored entry of the same unit and indicator. Saving
/// the same period again replaces it and is no overlap. Returns the first one it collides
/// with. (The store's trigger on `entries` is the backstop of the same rule.)
pub fn overlapping(period: Period, stored: impl IntoIterator<Item = Period>) -> Option<Period> {
    stored.into_iter().find(|p| *p != period && p.overlaps(period))
}

/// The refusal naming the entry a new one collides with.
pub fn overlap_refusal(indicator: &str, period: Period, other: Period) -> Msg {
    Msg::new(
        format!(
            "chỉ tiêu «{indicator}»: kỳ {} trùng tháng với số liệu đã có của kỳ {} — một tháng chỉ được tính một lần; sửa số liệu kỳ {} hoặc xóa nó trước",
            period.vi(),
            other.vi(),
            other.vi()
        ),
        format!(
            "indicator '{indicator}': period {} shares a month with the existing entry of {}; a month counts once",
            period.code(),
            other.code()
        ),
    )
}

/// Whether a unit may still write an entry of a period (INDICATORS.md section 3, deadlines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// No deadline, or on or before it.
    Open,
    /// After the deadline, but the office reopened the unit's period through `until`.
    Reopened { deadline: Date, until: Date },
    /// After the deadline (and any reopening).
    Closed { deadline: Date },
}

impl Window {
    /// `deadline` and `reopened_until` are last days (inclusive), `today` the local date.
    pub fn at(deadline: Option<Date>, reopened_until: Option<Date>, today: Date) -> Window {
        match deadline {
            Some(d) if today > d => match reopened_until {
                Some(u) if today <= u => Window::Reopened {
                    deadline: d,
                    until: u,
                },
                _ => Window::Closed { deadline: d },
            },
            _ => Window::Open,
        }
    }

    /// The write comes after the period's deadline (a reopening makes it allowed, not timely).
    pub fn is_late(self) -> bool {
        !matches!(self, Window::Open)
    }

    /// The refusal a unit gets when the window is closed.
    pub fn refusal(self, period: Period) -> Option<Msg> {
        match self {
            Window::Closed { deadline } => Some(Msg::new(
                format!(
                    "đã quá hạn nộp số liệu kỳ {} (hạn {}); đơn vị không tạo, sửa hoặc gửi được số liệu kỳ này — đề nghị Sở Nội vụ mở lại kỳ nếu cần",
                    period.vi(),
                    deadline.vi()
                ),
                format!(
                    "the submission deadline of {} was {}; ask the office to reopen the period",
                    period.code(),
                    deadline.iso()
                ),
            )),
            _ => None,
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
        assert_eq!(Period::Quarter(2023, 2).first_month(), Month::new(2023, 4));
        let all: Vec<String> = Period::all_of_year(2023).into_iter().map(Period::code).collect();
        assert_eq!(
            (all.len(), all[0].as_str(), all[1].as_str(), all[5].as_str()),
            (17, "2023", "2023-Q1", "2023-01")
        );
    }

    #[test]
    fn periods_that_share_a_month_overlap() {
        let p = |s| Period::parse(s).unwrap();
        assert!(p("2023-Q1").overlaps(p("2023-03")));
        assert!(p("2023-03").overlaps(p("2023-Q1")));
        assert!(!p("2023-Q1").overlaps(p("2023-04")));
        assert!(p("2023").overlaps(p("2023-12")));
        assert!(p("2023").overlaps(p("2023-Q4")));
        assert!(!p("2023").overlaps(p("2024-01")));
        assert!(!p("2023-Q4").overlaps(p("2024-Q1")));
        assert!(p("2023-05").overlaps(p("2023-05")));
        // The same period replaces; a different one sharing a month collides.
        assert_eq!(overlapping(p("2023-Q2"), [p("2023-Q2")]), None);
        assert_eq!(
            overlapping(p("2023-05"), [p("2023-04"), p("2023-Q2")]),
            Some(p("2023-Q2"))
        );
        assert_eq!(
            overlapping(p("2023"), [p("2022"), p("2023-12")]),
            Some(p("2023-12"))
        );
        assert_eq!(overlapping(p("2023-07"), [p("2023-Q2"), p("2023-06")]), None);
        let m = overlap_refusal("sang_kien", p("2023-12"), p("2023"));
        assert!(
            m.vi.contains("Tháng 12/2023") && m.vi.contains("Năm 2023"),
            "{}",
            m.vi
        );
        assert_eq!(p("2023-Q4").vi(), "Quý IV/2023");
        assert_eq!(p("2023-Q4").cadence(), Cadence::Quy);
    }

    #[test]
    fn a_window_closes_the_day_after_its_deadline_and_a_reopening_holds_through_its_date() {
        let d = |s| Date::parse_iso(s).unwrap();
        let deadline = Some(d("2023-04-10"));
        assert_eq!(Window::at(deadline, None, d("2023-04-10")), Window::Open);
        assert_eq!(
            Window::at(deadline, None, d("2023-04-11")),
            Window::Closed {
                deadline: d("2023-04-10")
            }
        );
        assert_eq!(Window::at(None, None, d("2030-01-01")), Window::Open);
        let reopened = Window::at(deadline, Some(d("2023-05-02")), d("2023-05-02"));
        assert_eq!(
            reopened,
            Window::Reopened {
                deadline: d("2023-04-10"),
                until: d("2023-05-02")
            }
        );
        assert!(reopened.is_late() && reopened.refusal(Period::Quarter(2023, 1)).is_none());
        let closed = Window::at(deadline, Some(d("2023-05-02")), d("2023-05-03"));
        let m = closed.refusal(Period::Quarter(2023, 1)).unwrap();
        assert!(
            m.vi.contains("10/04/2023") && m.vi.contains("kỳ Quý I/2023"),
            "{}",
            m.vi
        );
        assert!(!Window::Open.is_late());
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
