//! A head's particulars (sơ lược lý lịch), entered once per head on the unit page and
//! printed in the achievement report (Mẫu 07) and the decision's annex ("Ông/Bà …").

use crate::time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Nam,
    Nu,
}

impl Gender {
    pub fn parse(code: &str) -> Option<Gender> {
        match code {
            "nam" => Some(Gender::Nam),
            "nu" => Some(Gender::Nu),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Gender::Nam => "nam",
            Gender::Nu => "nu",
        }
    }
    pub fn vi(self) -> &'static str {
        match self {
            Gender::Nam => "Nam",
            Gender::Nu => "Nữ",
        }
    }
    /// How a decision names the person: "Ông", "Bà".
    pub fn address(self) -> &'static str {
        match self {
            Gender::Nam => "Ông",
            Gender::Nu => "Bà",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Particulars {
    pub gender: Gender,
    pub birth_date: Date,
    /// Quê quán.
    pub hometown: String,
    /// Nơi ở hiện nay.
    pub residence: String,
    /// Trình độ chuyên môn, nghiệp vụ.
    pub qualification: String,
    /// Trình độ lý luận chính trị.
    pub political_theory: String,
}

/// Longest text a particular may hold.
pub const MAX_CHARS: usize = 255;

impl Particulars {
    /// Checks a form's fields; every one is required. Errors name the field in Vietnamese.
    pub fn from_fields(
        gender: &str,
        birth_date: Option<Date>,
        hometown: &str,
        residence: &str,
        qualification: &str,
        political_theory: &str,
        today: Date,
    ) -> Result<Particulars, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let g = Gender::parse(gender);
        if g.is_none() {
            errors.push(("gioi_tinh", "Hãy chọn giới tính.".to_string()));
        }
        match birth_date {
            None => errors.push((
                "ngay_sinh",
                "Ngày sinh không phải ngày hợp lệ (dd/mm/yyyy).".into(),
            )),
            Some(d) if d >= today => errors.push(("ngay_sinh", "Ngày sinh phải trước hôm nay.".into())),
            Some(d) if today.ymd().0 - d.ymd().0 < 18 => {
                errors.push(("ngay_sinh", "Người đứng đầu phải đủ 18 tuổi.".into()))
            }
            _ => {}
        }
        let texts = [
            ("que_quan", "quê quán", hometown),
            ("noi_o", "nơi ở hiện nay", residence),
            ("trinh_do_chuyen_mon", "trình độ chuyên môn", qualification),
            (
                "ly_luan_chinh_tri",
                "trình độ lý luận chính trị",
                political_theory,
            ),
        ];
        for (field, label, value) in texts {
            let v = value.trim();
            if v.is_empty() {
                errors.push((field, format!("Hãy nhập {label}.")));
            } else if v.chars().count() > MAX_CHARS {
                errors.push((field, format!("Mục {label} dài quá {MAX_CHARS} ký tự.")));
            }
        }
        match (g, birth_date) {
            (Some(gender), Some(birth_date)) if errors.is_empty() => Ok(Particulars {
                gender,
                birth_date,
                hometown: hometown.trim().into(),
                residence: residence.trim().into(),
                qualification: qualification.trim().into(),
                political_theory: political_theory.trim().into(),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_particular_is_required_and_checked() {
        let today = Date::from_ymd(2024, 1, 10).unwrap();
        let born = Date::from_ymd(1975, 3, 2);
        let ok = Particulars::from_fields("nu", born, "Bà Rịa", "Vũng Tàu", "Cử nhân Luật", "Cao cấp", today)
            .unwrap();
        assert_eq!(ok.gender.address(), "Bà");
        let err = Particulars::from_fields("", None, " ", "x", "x", "", today).unwrap_err();
        let fields: Vec<&str> = err.iter().map(|e| e.0).collect();
        assert_eq!(
            fields,
            ["gioi_tinh", "ngay_sinh", "que_quan", "ly_luan_chinh_tri"]
        );
        let young = Particulars::from_fields("nam", Date::from_ymd(2010, 1, 1), "a", "b", "c", "d", today)
            .unwrap_err();
        assert_eq!(young[0].0, "ngay_sinh");
        assert_eq!(Date::parse_typed("2/3/1970"), Date::from_ymd(1970, 3, 2));
        assert_eq!(Date::parse_typed("31/02/1970"), None);
        assert_eq!(Date::parse_typed("02/03/70"), None);
        let long = "a".repeat(MAX_CHARS + 1);
        assert!(Particulars::from_fields("nam", born, &long, "b", "c", "d", today).is_err());
    }
}
