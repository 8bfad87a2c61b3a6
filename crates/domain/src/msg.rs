//! A message for people, in Vietnamese (what users read) and English (logs and the command
//! line), kept as two fields so no layer has to split a joined string back apart.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub vi: String,
    pub en: String,
}

impl Msg {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

/// Both languages, as the command line and the log print them.
impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.en.is_empty() {
            f.write_str(&self.vi)
        } else {
            write!(f, "{} / {}", self.vi, self.en)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Msg;

    #[test]
    fn prints_both_languages_and_keeps_them_apart() {
        let m = Msg::new("không có đơn vị", "unknown unit");
        assert_eq!(m.to_string(), "không có đơn vị / unknown unit");
        assert_eq!(m.vi, "không có đơn vị");
        assert_eq!(Msg::new("chỉ tiếng Việt", "").to_string(), "chỉ tiếng Việt");
    }
}
