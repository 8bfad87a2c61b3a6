//! Parsing one cell: dates and times in the accepted forms, decimals, codes.

use crate::table::Cell;
use thidua_domain::calendar::{FIRST_YEAR, LAST_YEAR};
use thidua_domain::num::Dec;
use thidua_domain::time::{Date, DateTime};

/// A reason a value is refused, in Vietnamese and English.
#[derive(Debug, Clone, PartialEq)]
pub struct Bad {
    pub vi: String,
    pub en: String,
}

pub fn bad(vi: impl Into<String>, en: impl Into<String>) -> Bad {
    Bad {
        vi: vi.into(),
        en: en.into(),
    }
}

/// What a date without a time means.
#[derive(Debug, Clone, Copy)]
pub enum DayTime {
    StartOfDay,
    EndOfDay,
}

pub fn text(c: Cell<'_>) -> Option<std::borrow::Cow<'_, str>> {
    match c {
        Cell::Empty => None,
        Cell::Text(s) => {
            let b = s.as_bytes();
            // the common case: ASCII, non-space at both ends, so nothing to trim
            let t = match (b.first(), b.last()) {
                (Some(&f), Some(&l)) if f > b' ' && f < 0x80 && l > b' ' && l < 0x80 => s,
                _ => s.trim(),
            };
            (!t.is_empty()).then_some(std::borrow::Cow::Borrowed(t))
        }
        Cell::Number(n) | Cell::Serial(n) => {
            // codes typed as numbers in Excel ("1001" becomes 1001.0)
            Some(std::borrow::Cow::Owned(if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", n as i64)
            } else {
                format!("{n}")
            }))
        }
    }
}

fn num2(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 2 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |a, &c| a * 10 + (c - b'0') as u32))
}

fn year_ok(y: i32) -> Result<i32, Bad> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&y) {
        Ok(y)
    } else {
        Err(bad(
            format!("năm {y} nằm ngoài {FIRST_YEAR}–{LAST_YEAR}"),
            format!("year {y} outside {FIRST_YEAR}-{LAST_YEAR}"),
        ))
    }
}

const FORMS_VI: &str = "dùng YYYY-MM-DD hoặc dd/mm/yyyy, có thể kèm HH:MM[:SS]";
const FORMS_EN: &str = "use YYYY-MM-DD or dd/mm/yyyy, optionally with HH:MM[:SS]";

fn parse_date_text(s: &str) -> Result<Date, Bad> {
    let b = s.as_bytes();
    let invalid = || {
        bad(
            format!("ngày không hợp lệ «{s}» ({FORMS_VI})"),
            format!("invalid date '{s}' ({FORMS_EN})"),
        )
    };
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let y: i32 = s[..4].parse().map_err(|_| invalid())?;
        let (m, d) = (
            num2(&b[5..7]).ok_or_else(invalid)?,
            num2(&b[8..10]).ok_or_else(invalid)?,
        );
        return Date::from_ymd(year_ok(y)?, m, d).ok_or_else(|| no_such_day(s, d, m));
    }
    let mut parts = s.splitn(3, '/');
    if let (Some(d), Some(m), Some(y)) = (parts.next(), parts.next(), parts.next()) {
        if y.len() != 4 {
            return Err(invalid());
        }
        let d = num2(d.as_bytes()).ok_or_else(invalid)?;
        let m = num2(m.as_bytes()).ok_or_else(invalid)?;
        let y: i32 = y.parse().map_err(|_| invalid())?;
        if m > 12 {
            // MM/DD/YYYY is never guessed.
            return Err(bad(
                format!(
                    "«{s}»: tháng {m} không hợp lệ — ngày viết theo dd/mm/yyyy, không đoán dạng mm/dd/yyyy"
                ),
                format!("'{s}': month {m} is invalid — dates are dd/mm/yyyy, mm/dd/yyyy is never guessed"),
            ));
        }
        return Date::from_ymd(year_ok(y)?, m, d).ok_or_else(|| no_such_day(s, d, m));
    }
    Err(invalid())
}

fn no_such_day(s: &str, d: u32, m: u32) -> Bad {
    bad(
        format!("«{s}»: không có ngày {d} tháng {m}"),
        format!("'{s}': there is no day {d} in month {m}"),
    )
}

/// Excel serial (1900 date system) to a local timestamp, to the nearest second. A whole
/// number is a date without a time, read like a bare date in text.
fn from_serial(v: f64, default: DayTime) -> Result<DateTime, Bad> {
    if !v.is_finite() || !(0.0..=200_000.0).contains(&v) {
        return Err(bad(
            format!("«{v}» không phải ngày hợp lệ"),
            format!("'{v}' is not a valid date"),
        ));
    }
    let epoch = Date::from_ymd(1899, 12, 30).unwrap();
    if v.fract() == 0.0 {
        let d = Date(epoch.0 + v as i32);
        year_ok(d.ymd().0)?;
        return Ok(match default {
            DayTime::StartOfDay => d.start(),
            DayTime::EndOfDay => d.end(),
        });
    }
    let secs = (v * 86_400.0).round() as i64;
    let t = DateTime(epoch.start().0 + secs);
    year_ok(t.date().ymd().0)?;
    Ok(t)
}

pub fn parse_date(c: &Cell) -> Result<Option<Date>, Bad> {
    Ok(parse_datetime(c, DayTime::StartOfDay)?.map(DateTime::date))
}

fn d2(b: &[u8]) -> Option<u32> {
    let (x, y) = (b[0].wrapping_sub(b'0'), b[1].wrapping_sub(b'0'));
    (x < 10 && y < 10).then_some(x as u32 * 10 + y as u32)
}

/// `YYYY-MM-DD HH:MM` and `YYYY-MM-DD HH:MM:SS` (space or `T`): how one-stop-shop systems
/// export, read without any scanning. Anything else returns `None` for the full parser,
/// which also gives the error messages.
#[inline(always)]
pub(crate) fn iso_fast(b: &[u8]) -> Option<DateTime> {
    let (head, sec) = match b.len() {
        16 => (b, 0),
        19 if b[16] == b':' => (&b[..16], d2(&b[17..19])?),
        _ => return None,
    };
    let [y, mo, d, h, mi] = fields16(head.try_into().ok()?)?;
    if !(FIRST_YEAR as u32..=LAST_YEAR as u32).contains(&y) {
        return None;
    }
    DateTime::from_parts(Date::from_ymd(y as i32, mo, d)?, h, mi, sec)
}

/// Year, month, day, hour and minute of `YYYY-MM-DD HH:MM` (or `T` for the space) when
/// every digit is a digit and every separator in its place. Tens of millions of timestamps
/// a year go through here: on x86-64 the sixteen bytes are one SSE2 register, checked at
/// once and turned into numbers by two multiply-adds.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn fields16(b: &[u8; 16]) -> Option<[u32; 5]> {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of every x86-64 processor (the intrinsics are `unsafe` only for
    // their target feature); the load reads the sixteen bytes of the array, unaligned, and
    // the stores write the two four-lane arrays.
    unsafe {
        debug_assert_eq!(std::mem::size_of_val(b), std::mem::size_of::<__m128i>());
        let v = _mm_loadu_si128(b.as_ptr() as *const __m128i);
        let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
        let nine = _mm_set1_epi8(9);
        let digit = _mm_cmpeq_epi8(_mm_max_epu8(d, nine), nine);
        let (dash, colon) = (b'-' as i8, b':' as i8);
        let sep = _mm_setr_epi8(0, 0, 0, 0, dash, 0, 0, dash, 0, 0, b' ' as i8, 0, 0, colon, 0, 0);
        let sep_t = _mm_setr_epi8(0, 0, 0, 0, dash, 0, 0, dash, 0, 0, b'T' as i8, 0, 0, colon, 0, 0);
        let at_sep = _mm_or_si128(_mm_cmpeq_epi8(v, sep), _mm_cmpeq_epi8(v, sep_t));
        let digit_place = _mm_setr_epi8(-1, -1, -1, -1, 0, -1, -1, 0, -1, -1, 0, -1, -1, 0, -1, -1);
        let ok = _mm_or_si128(
            _mm_and_si128(digit_place, digit),
            _mm_andnot_si128(digit_place, at_sep),
        );
        if _mm_movemask_epi8(ok) != 0xFFFF {
            return None;
        }
        // bytes to 16-bit lanes (a separator's lane is weighted 0), then pairs of lanes
        // multiplied and added: [Y1 Y2 | Y3 Y4 | - M1 | M2 -] and [D1 D2 | - h1 | h2 - | m1 m2]
        let zero = _mm_setzero_si128();
        let (lo, hi) = (_mm_unpacklo_epi8(d, zero), _mm_unpackhi_epi8(d, zero));
        let a = _mm_madd_epi16(lo, _mm_setr_epi16(1000, 100, 10, 1, 0, 10, 1, 0));
        let c = _mm_madd_epi16(hi, _mm_setr_epi16(10, 1, 0, 10, 1, 0, 10, 1));
        let (mut x, mut z) = ([0u32; 4], [0u32; 4]);
        debug_assert_eq!(std::mem::size_of_val(&x), std::mem::size_of::<__m128i>());
        _mm_storeu_si128(x.as_mut_ptr() as *mut __m128i, a);
        _mm_storeu_si128(z.as_mut_ptr() as *mut __m128i, c);
        Some([x[0] + x[1], x[2] + x[3], z[0], z[1] + z[2], z[3]])
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn fields16(b: &[u8; 16]) -> Option<[u32; 5]> {
    fields16_words(b)
}

/// `fields16` with plain integer operations: "YYYY-MM-" and "DD HH:MM" as two words.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn fields16_words(b: &[u8; 16]) -> Option<[u32; 5]> {
    let a = u64::from_le_bytes(b[..8].try_into().ok()?);
    let c = u64::from_le_bytes(b[8..].try_into().ok()?);
    const A_DIGITS: u64 = 0x00FF_FF00_FFFF_FFFF; // bytes 0-3, 5-6
    const C_DIGITS: u64 = 0xFFFF_00FF_FF00_FFFF; // bytes 0-1, 3-4, 6-7
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let sep_c = c & !C_DIGITS;
    // '-' at 4 and 7; ' ' or 'T' at 10, ':' at 13
    if a & !A_DIGITS != 0x2D00_002D_0000_0000
        || (sep_c != 0x0000_3A00_0020_0000 && sep_c != 0x0000_3A00_0054_0000)
    {
        return None;
    }
    // digits are the bytes 0x30-0x39: high half 3, and still 3 after adding 6
    let (da, dc) = (
        (a & A_DIGITS) | (ZEROS & !A_DIGITS),
        (c & C_DIGITS) | (ZEROS & !C_DIGITS),
    );
    let digits = |x: u64| x & HIGH == ZEROS && x.wrapping_add(0x0606_0606_0606_0606) & HIGH == ZEROS;
    if !digits(da) || !digits(dc) {
        return None;
    }
    // byte i of `pairs(x)` is the two-digit number at bytes i and i + 1 of x (at most 99:
    // no byte carries into the next)
    let pairs = |x: u64| (x - ZEROS) * 10 + ((x - ZEROS) >> 8);
    let (pa, pc) = (pairs(da), pairs(dc));
    let at = |x: u64, i: u32| ((x >> (8 * i)) & 0xFF) as u32;
    Some([
        at(pa, 0) * 100 + at(pa, 2),
        at(pa, 5),
        at(pc, 0),
        at(pc, 3),
        at(pc, 6),
    ])
}

/// A date-time in any accepted form; `None` for an empty cell.
pub fn parse_datetime(c: &Cell, default: DayTime) -> Result<Option<DateTime>, Bad> {
    if let Cell::Text(s) = c {
        if let Some(t) = iso_fast(s.as_bytes()) {
            return Ok(Some(t));
        }
    }
    parse_datetime_general(c, default)
}

/// `parse_datetime` without the shortcut for ISO timestamps.
fn parse_datetime_general(c: &Cell, default: DayTime) -> Result<Option<DateTime>, Bad> {
    let s = match *c {
        Cell::Empty => return Ok(None),
        Cell::Serial(v) => return from_serial(v, default).map(Some),
        Cell::Number(v) => {
            return Err(bad(
                format!("«{v}» là số, không phải ngày ({FORMS_VI})"),
                format!("'{v}' is a number, not a date ({FORMS_EN})"),
            ))
        }
        Cell::Text(s) => s.trim(),
    };
    if s.is_empty() {
        return Ok(None);
    }
    let (date_part, time_part) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let date = parse_date_text(date_part)?;
    let t = match time_part {
        None => match default {
            DayTime::StartOfDay => date.start(),
            DayTime::EndOfDay => date.end(),
        },
        Some(tp) => {
            let mut p = tp.splitn(3, ':');
            let hms = match (p.next(), p.next(), p.next()) {
                (Some(h), Some(m), None) => {
                    num2(h.as_bytes()).zip(num2(m.as_bytes())).map(|(h, m)| (h, m, 0))
                }
                (Some(h), Some(m), Some(sec)) => {
                    let sec = sec.split('.').next().unwrap_or("");
                    match (num2(h.as_bytes()), num2(m.as_bytes()), num2(sec.as_bytes())) {
                        (Some(h), Some(m), Some(sec)) => Some((h, m, sec)),
                        _ => None,
                    }
                }
                _ => None,
            };
            hms.and_then(|(h, m, sec)| DateTime::from_parts(date, h, m, sec))
                .ok_or_else(|| {
                    bad(
                        format!("giờ không hợp lệ «{tp}» (HH:MM hoặc HH:MM:SS)"),
                        format!("invalid time '{tp}' (HH:MM or HH:MM:SS)"),
                    )
                })?
        }
    };
    Ok(Some(t))
}

/// A decimal (`12`, `12.5`, `12,5`, or a number cell).
pub fn parse_dec(c: &Cell) -> Result<Option<Dec>, Bad> {
    match *c {
        Cell::Empty => Ok(None),
        Cell::Number(v) | Cell::Serial(v) => Dec::parse(&format!("{v}"))
            .map(Some)
            .ok_or_else(|| bad(format!("số «{v}» quá lớn hoặc quá nhiều chữ số thập phân"), format!("number '{v}' too large or too precise"))),
        Cell::Text(s) if s.trim().is_empty() => Ok(None),
        Cell::Text(s) => Dec::parse(s).map(Some).ok_or_else(|| {
            bad(
                format!("«{}» không phải là số (dùng dấu phẩy hoặc dấu chấm thập phân, không dùng dấu phân cách hàng nghìn)", s.trim()),
                format!("'{}' is not a number (one decimal separator, no thousands separators)", s.trim()),
            )
        }),
    }
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
