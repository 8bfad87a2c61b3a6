//! Text folding for matching what people type: headers with or without diacritics,
//! Vietnamese labels, and search ("ba ria" finds "Bà Rịa").

use unicode_normalization::UnicodeNormalization;

/// Lowercase, without diacritics (đ → d), every run of non-alphanumerics as one space,
/// trimmed: `"Mã đơn vị"`, `"ma_don_vi"` and `" MA DON VI "` all fold to `"ma don vi"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_vietnamese_and_snake_case_alike() {
        assert_eq!(fold("Mã đơn vị"), "ma don vi");
        assert_eq!(fold("ma_don_vi"), "ma don vi");
        assert_eq!(fold("  MÃ ĐƠN VỊ  "), "ma don vi");
        assert_eq!(fold("Ngày có kết quả"), "ngay co ket qua");
        assert_eq!(fold("Hạn xử lý / Ngày hẹn trả"), "han xu ly ngay hen tra");
        assert_eq!(fold("Bà Rịa"), "ba ria");
        assert_eq!(fold("\u{feff}ma_ho_so"), "ma ho so");
    }
}

/// A text cell for a CSV people open in a spreadsheet: one that starts like a formula (`=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, so a value a user
/// typed (a unit's name, a bad cell of an import) is shown, never run (CSV injection).
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

#[cfg(test)]
mod spreadsheet_tests {
    use super::spreadsheet_safe;

    #[test]
    fn a_cell_that_starts_like_a_formula_is_shown_not_run() {
        for bad in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(spreadsheet_safe(bad), format!("'{bad}"));
        }
        for ok in ["UBND huyện Đất Đỏ", "", "2023-Q1", "a=b"] {
            assert_eq!(spreadsheet_safe(ok), ok);
        }
    }
}
