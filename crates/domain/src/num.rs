//! Exact decimal quantities and the Vietnamese number display.
//!
//! Every threshold decision in INDICATORS.md must be exact, so values are fixed-point
//! integers with six decimals (`Dec`), compared by cross-multiplication in `i128`; floats
//! are used nowhere a status depends on them.

use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub};

/// A decimal with exactly six fractional digits, stored as an integer count of millionths.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec(pub i128);

pub const SCALE: i128 = 1_000_000;
/// Numbers read from files stay below this (whole part).
pub const MAX_WHOLE: i128 = 1_000_000_000_000_000_000;
const SCALE_DIGITS: usize = 6;

impl Dec {
    pub const ZERO: Dec = Dec(0);
    pub const ONE: Dec = Dec(SCALE);

    pub fn from_int(v: i64) -> Dec {
        Dec(v as i128 * SCALE)
    }

    /// Parses `12`, `-3`, `12.5`, `12,5` (one decimal separator, at most six decimals).
    /// Thousands separators are refused: `1.234` and `1,234` are read as decimals, which is
    /// what both a Vietnamese and an English writer of a *decimal* mean; a grouped integer
    /// like `1.234.567` is an error, never a guess.
    pub fn parse(s: &str) -> Option<Dec> {
        let s = s.trim();
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        if body.is_empty() {
            return None;
        }
        let mut int: i128 = 0;
        let mut frac: i128 = 0;
        let mut frac_digits = 0usize;
        let mut seen_sep = false;
        let mut any_digit = false;
        for c in body.bytes() {
            match c {
                b'0'..=b'9' => {
                    any_digit = true;
                    if seen_sep {
                        frac_digits += 1;
                        if frac_digits > SCALE_DIGITS {
                            // Extra digits are allowed only when they are zeros.
                            if c != b'0' {
                                return None;
                            }
                            continue;
                        }
                        frac = frac * 10 + (c - b'0') as i128;
                    } else {
                        int = int.checked_mul(10)?.checked_add((c - b'0') as i128)?;
                        // Beyond 10^18 (a quintillion đồng) is a typo; the cap keeps every
                        // cross-multiplication of the evaluation inside i128.
                        if int >= MAX_WHOLE {
                            return None;
                        }
                    }
                }
                b'.' | b',' if !seen_sep => seen_sep = true,
                _ => return None,
            }
        }
        if !any_digit {
            return None;
        }
        let used = frac_digits.min(SCALE_DIGITS);
        let v = int * SCALE + frac * 10i128.pow((SCALE_DIGITS - used) as u32);
        Some(Dec(if neg { -v } else { v }))
    }

    pub fn is_integer(self) -> bool {
        self.0 % SCALE == 0
    }

    pub fn to_i64(self) -> Option<i64> {
        if self.is_integer() {
            i64::try_from(self.0 / SCALE).ok()
        } else {
            None
        }
    }

    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    /// The plain machine form: `-12.5`, `3`, `0.000001` (dot, no trailing zeros).
    pub fn plain(self) -> String {
        let neg = self.0 < 0;
        let a = self.0.unsigned_abs();
        let int = a / SCALE as u128;
        let frac = a % SCALE as u128;
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(&int.to_string());
        if frac != 0 {
            let f = format!("{frac:06}");
            s.push('.');
            s.push_str(f.trim_end_matches('0'));
        }
        s
    }

    /// Vietnamese display: comma decimal, dot thousands (`1.234.567,5`).
    pub fn vi(self) -> String {
        let plain = self.plain();
        let (sign, rest) = plain.strip_prefix('-').map_or(("", plain.as_str()), |r| ("-", r));
        let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
        let mut out = String::from(sign);
        out.push_str(&group_thousands(int));
        if !frac.is_empty() {
            out.push(',');
            out.push_str(frac);
        }
        out
    }
}

fn group_thousands(int: &str) -> String {
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain())
    }
}

impl Add for Dec {
    type Output = Dec;
    fn add(self, o: Dec) -> Dec {
        Dec(self.0 + o.0)
    }
}
impl Sub for Dec {
    type Output = Dec;
    fn sub(self, o: Dec) -> Dec {
        Dec(self.0 - o.0)
    }
}
impl Neg for Dec {
    type Output = Dec;
    fn neg(self) -> Dec {
        Dec(-self.0)
    }
}
impl AddAssign for Dec {
    fn add_assign(&mut self, o: Dec) {
        self.0 += o.0
    }
}
impl std::iter::Sum for Dec {
    fn sum<I: Iterator<Item = Dec>>(iter: I) -> Dec {
        iter.fold(Dec::ZERO, |a, b| a + b)
    }
}

/// A ratio `num / den` as a percentage truncated (never rounded) to two decimals, in
/// Vietnamese form: 98.996% shows as `98,99%`, so a value under a target never appears
/// to meet it. `None` when `den` is zero.
pub fn percent_vi(num: Dec, den: Dec) -> Option<String> {
    if den.0 == 0 {
        return None;
    }
    // hundredths of a percent, truncated toward zero: num * 10000 / den
    let (n, d) = if den.0 < 0 {
        (-num.0, -den.0)
    } else {
        (num.0, den.0)
    };
    let h = n * 10_000 / d;
    let sign = if h < 0 { "-" } else { "" };
    let a = h.unsigned_abs();
    Some(format!(
        "{sign}{},{:02}%",
        group_thousands(&(a / 100).to_string()),
        a % 100
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_decimal_separators_exactly() {
        assert_eq!(Dec::parse("12,5"), Some(Dec(12_500_000)));
        assert_eq!(Dec::parse("12.5"), Some(Dec(12_500_000)));
        assert_eq!(Dec::parse("-0.000001"), Some(Dec(-1)));
        assert_eq!(Dec::parse("7"), Some(Dec::from_int(7)));
        assert_eq!(Dec::parse("1.50000000"), Some(Dec(1_500_000)));
        assert_eq!(Dec::parse("1.0000001"), None);
        assert_eq!(Dec::parse("1.234.567"), None);
        assert_eq!(Dec::parse("1000000000000000000"), None);
        assert!(Dec::parse("999999999999999999.5").is_some());
        assert_eq!(Dec::parse("abc"), None);
        assert_eq!(Dec::parse(""), None);
        assert_eq!(Dec::parse("."), None);
    }

    #[test]
    fn displays_in_vietnamese_and_plain() {
        assert_eq!(Dec::parse("1234567.5").unwrap().vi(), "1.234.567,5");
        assert_eq!(Dec::parse("-12.25").unwrap().plain(), "-12.25");
        assert_eq!(Dec::from_int(100).vi(), "100");
    }

    #[test]
    fn percentages_truncate_never_round() {
        // 98.996% must not show as 99,00%
        assert_eq!(
            percent_vi(Dec::from_int(98_996), Dec::from_int(100_000)).unwrap(),
            "98,99%"
        );
        assert_eq!(
            percent_vi(Dec::from_int(99), Dec::from_int(100)).unwrap(),
            "99,00%"
        );
        assert_eq!(percent_vi(Dec::from_int(2), Dec::from_int(3)).unwrap(), "66,66%");
        assert_eq!(
            percent_vi(Dec::from_int(-1), Dec::from_int(3)).unwrap(),
            "-33,33%"
        );
        assert_eq!(percent_vi(Dec::from_int(1), Dec::ZERO), None);
    }
}
