//! Civil dates and local timestamps.
//!
//! All times in the product are local to Asia/Ho_Chi_Minh (UTC+7, no daylight saving), so a
//! timestamp is a count of seconds since 1970-01-01 00:00 local and a date is a count of
//! days. Hand-written (Howard Hinnant's civil-from-days algorithm) rather than taken from
//! chrono because the dossier ingest parses tens of millions of timestamps and needs
//! exactly the formats of FORMATS.md, nothing guessed.

use std::fmt;

/// A calendar date as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

/// A local timestamp as seconds since 1970-01-01 00:00:00 (Asia/Ho_Chi_Minh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub i64);

/// A month as `year * 12 + (month - 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i32);

pub const SECONDS_PER_DAY: i64 = 86_400;
/// Vietnam is UTC+7 all year.
pub const LOCAL_OFFSET_SECONDS: i64 = 7 * 3600;

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Day numbers of the first of every month from 1990 to 2100, and the month of every day
/// in that span: dates are converted tens of millions of times on the ingest hot path.
struct Tables {
    month_start: Vec<i32>,
    first_day: i32,
    month_of_day: Vec<i32>,
}

const TABLE_FIRST_YEAR: i32 = 1990;
const TABLE_LAST_YEAR: i32 = 2100;

#[inline]
fn tables() -> &'static Tables {
    static TABLES: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut month_start = Vec::new();
        let mut month_of_day = Vec::new();
        for y in TABLE_FIRST_YEAR..=TABLE_LAST_YEAR {
            for m in 1..=12 {
                month_start.push(Date::civil(y, m, 1));
                for _ in 0..days_in_month(y, m) {
                    month_of_day.push(Month::new(y, m).0);
                }
            }
        }
        // the day after the last month, so that every month's length is a difference
        month_start.push(Date::civil(TABLE_LAST_YEAR + 1, 1, 1));
        Tables {
            first_day: month_start[0],
            month_start,
            month_of_day,
        }
    })
}

impl Date {
    /// `None` unless `m` is 1..=12 and `d` exists in that month.
    #[inline(always)]
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 {
            return None;
        }
        if !(TABLE_FIRST_YEAR..=TABLE_LAST_YEAR).contains(&y) {
            return Date::from_ymd_outside_tables(y, m, d);
        }
        // two loads of one table: the month's first day and the next month's
        let t = tables();
        let i = ((y - TABLE_FIRST_YEAR) * 12 + m as i32 - 1) as usize;
        let (start, next) = (t.month_start[i], t.month_start[i + 1]);
        (d as i32 <= next - start).then_some(Date(start + d as i32 - 1))
    }

    #[cold]
    fn from_ymd_outside_tables(y: i32, m: u32, d: u32) -> Option<Date> {
        (d <= days_in_month(y, m)).then(|| Date(Date::civil(y, m, d)))
    }

    /// Days since 1970-01-01 of a valid date (Howard Hinnant's days_from_civil).
    fn civil(y: i32, m: u32, d: u32) -> i32 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = (y - era * 400) as i64;
        let m = m as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era as i64 * 146_097 + doe - 719_468) as i32
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 as i64 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
    }

    /// 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        ((self.0 as i64 + 3).rem_euclid(7)) as u32
    }

    #[inline]
    pub fn month(self) -> Month {
        let t = tables();
        match t.month_of_day.get((self.0 - t.first_day) as usize) {
            Some(&m) if self.0 >= t.first_day => Month(m),
            _ => {
                let (y, m, _) = self.ymd();
                Month::new(y, m)
            }
        }
    }

    #[inline]
    pub fn start(self) -> DateTime {
        DateTime(self.0 as i64 * SECONDS_PER_DAY)
    }

    pub fn end(self) -> DateTime {
        DateTime(self.0 as i64 * SECONDS_PER_DAY + SECONDS_PER_DAY - 1)
    }

    pub fn succ(self) -> Date {
        Date(self.0 + 1)
    }

    /// ISO `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y = digits(&b[0..4])? as i32;
        Date::from_ymd(y, digits(&b[5..7])?, digits(&b[8..10])?)
    }

    pub fn iso(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// `dd/mm/yyyy` (one-digit day and month allowed) or ISO, for any year from 1900: a
    /// date a person types, such as a birth date (imports read recent years only).
    pub fn parse_typed(s: &str) -> Option<Date> {
        let s = s.trim();
        if let Some(d) = Date::parse_iso(s) {
            return Some(d);
        }
        let mut parts = s.split('/');
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || y.len() != 4
            || d.is_empty()
            || d.len() > 2
            || m.is_empty()
            || m.len() > 2
        {
            return None;
        }
        let y: i32 = y.parse().ok().filter(|y| (1900..=2200).contains(y))?;
        Date::from_ymd(y, m.parse().ok()?, d.parse().ok()?)
    }

    /// Vietnamese display: dd/mm/yyyy.
    pub fn vi(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{d:02}/{m:02}/{y:04}")
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl DateTime {
    /// Later than any instant a file can hold: the as-of "at the end of time".
    pub const END: DateTime = DateTime(i64::MAX);

    #[inline]
    pub fn from_parts(date: Date, h: u32, mi: u32, s: u32) -> Option<DateTime> {
        if h > 23 || mi > 59 || s > 59 {
            return None;
        }
        Some(DateTime(date.start().0 + (h * 3600 + mi * 60 + s) as i64))
    }

    #[inline]
    pub fn date(self) -> Date {
        Date(self.0.div_euclid(SECONDS_PER_DAY) as i32)
    }

    #[inline]
    pub fn month(self) -> Month {
        self.date().month()
    }

    pub fn hms(self) -> (u32, u32, u32) {
        let s = self.0.rem_euclid(SECONDS_PER_DAY) as u32;
        (s / 3600, s / 60 % 60, s % 60)
    }

    /// The current local time.
    pub fn now_local() -> DateTime {
        let utc = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        DateTime(utc + LOCAL_OFFSET_SECONDS)
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DDTHH:MM[:SS]`. A bare date means
    /// the end of that day (23:59:59): "as of 30/06" includes all of 30/06.
    pub fn parse_as_of(s: &str) -> Option<DateTime> {
        let s = s.trim();
        if s.len() == 10 {
            return Date::parse_iso(s).map(Date::end);
        }
        let b = s.as_bytes();
        if b.len() < 16 || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' {
            return None;
        }
        let date = Date::parse_iso(&s[..10])?;
        let (h, mi) = (digits(&b[11..13])?, digits(&b[14..16])?);
        let sec = match b.len() {
            16 => 0,
            19 if b[16] == b':' => digits(&b[17..19])?,
            _ => return None,
        };
        DateTime::from_parts(date, h, mi, sec)
    }

    pub fn iso(self) -> String {
        let (h, m, s) = self.hms();
        format!("{}T{h:02}:{m:02}:{s:02}", self.date().iso())
    }

    pub fn vi(self) -> String {
        let (h, m, _) = self.hms();
        format!("{} {h:02}:{m:02}", self.date().vi())
    }
}

impl Month {
    pub fn new(y: i32, m: u32) -> Month {
        Month(y * 12 + m as i32 - 1)
    }
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }
    /// 1..=12
    pub fn number(self) -> u32 {
        (self.0.rem_euclid(12) + 1) as u32
    }
    pub fn first_day(self) -> Date {
        Date::from_ymd(self.year(), self.number(), 1).expect("valid month")
    }
    pub fn last_day(self) -> Date {
        let (y, m) = (self.year(), self.number());
        Date::from_ymd(y, m, days_in_month(y, m)).expect("valid month")
    }
    /// `YYYY-MM`
    pub fn iso(self) -> String {
        format!("{:04}-{:02}", self.year(), self.number())
    }
    pub fn vi(self) -> String {
        format!("{:02}/{:04}", self.number(), self.year())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_of_two_centuries() {
        let start = Date::from_ymd(1990, 1, 1).unwrap();
        let end = Date::from_ymd(2100, 12, 31).unwrap();
        let mut d = start;
        while d <= end {
            let (y, m, dd) = d.ymd();
            assert_eq!(Date::from_ymd(y, m, dd), Some(d));
            d = d.succ();
        }
    }

    #[test]
    fn knows_weekdays_and_invalid_dates() {
        assert_eq!(Date::from_ymd(2023, 1, 22).unwrap().weekday(), 6); // Sunday
        assert_eq!(Date::from_ymd(2024, 5, 4).unwrap().weekday(), 5); // Saturday
        assert_eq!(Date::from_ymd(2023, 2, 29), None);
        assert!(Date::from_ymd(2024, 2, 29).is_some());
        assert_eq!(Date::from_ymd(2023, 13, 1), None);
        assert_eq!(Date::from_ymd(2023, 4, 31), None);
    }

    #[test]
    fn parses_as_of_with_and_without_time() {
        let d = DateTime::parse_as_of("2023-06-30").unwrap();
        assert_eq!(d.iso(), "2023-06-30T23:59:59");
        assert_eq!(
            DateTime::parse_as_of("2023-12-31T23:59:59").unwrap().iso(),
            "2023-12-31T23:59:59"
        );
        assert_eq!(
            DateTime::parse_as_of("2023-12-31 08:05").unwrap().iso(),
            "2023-12-31T08:05:00"
        );
        assert!(DateTime::parse_as_of("31/12/2023").is_none());
        assert!(DateTime::parse_as_of("2023-12-31T25:00").is_none());
    }

    #[test]
    fn months_know_their_bounds() {
        let m = Month::new(2024, 2);
        assert_eq!(m.last_day().iso(), "2024-02-29");
        assert_eq!(m.first_day().iso(), "2024-02-01");
        assert_eq!(Month(m.0 + 11).iso(), "2025-01");
        assert_eq!(Date::from_ymd(2023, 7, 9).unwrap().vi(), "09/07/2023");
    }
}
