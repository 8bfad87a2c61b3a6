//! What the evaluation produces for each head (INDICATORS.md sections 4–6): indicator
//! values and statuses, eligibility, the priority score and the rank.

use crate::dossier::Sums;
use crate::num::{percent_vi, Dec};
use crate::time::{Date, Month};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInfo {
    pub code: String,
    pub name: String,
    pub tier: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadTerm {
    pub unit: String,
    pub name: String,
    pub title: String,
    pub from: Date,
    pub to: Option<Date>,
}

impl HeadTerm {
    pub fn holds(&self, d: Date) -> bool {
        self.from <= d && self.to.is_none_or(|t| d <= t)
    }
}

/// `dat`, `khong_dat`, `khong_phat_sinh`, `thieu_so_lieu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Dat,
    KhongDat,
    KhongPhatSinh,
    ThieuSoLieu,
}

crate::codes!(Status {
    Dat = "dat" / "Đạt",
    KhongDat = "khong_dat" / "Không đạt",
    KhongPhatSinh = "khong_phat_sinh" / "Không phát sinh",
    ThieuSoLieu = "thieu_so_lieu" / "Thiếu số liệu",
});

/// The aggregated value of one indicator for one head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Ratio(Sums),
    Count(i64),
    Bool(bool),
    None,
}

impl Value {
    /// The value as people read it: `98,99%`, `3`, `Đạt`.
    pub fn vi(&self) -> String {
        match self {
            Value::Ratio(s) => percent_vi(s.num, s.den).unwrap_or_else(|| "—".into()),
            Value::Count(n) => Dec::from_int(*n).vi(),
            Value::Bool(true) => "Đạt".into(),
            Value::Bool(false) => "Không đạt".into(),
            Value::None => "—".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct IndicatorResult {
    pub code: String,
    pub value: Value,
    pub status: Status,
    /// Rests on at least one entry that is submitted but not yet verified.
    pub provisional: bool,
    /// Entries that made the value (none for dossier indicators).
    pub entries_used: usize,
}

#[derive(Debug, Clone)]
pub struct HeadResult {
    pub unit: UnitInfo,
    pub head: HeadTerm,
    pub months: Vec<Month>,
    pub indicators: Vec<IndicatorResult>,
    pub tenure_ok: bool,
    pub eligible: bool,
    /// Priority score in [0, 1], six decimals.
    pub score: Dec,
    pub rank: Option<u32>,
    pub provisional: bool,
    /// Dossiers in the head's months whose procedure is not in the catalogue.
    pub unknown_procedures: u64,
}

impl HeadResult {
    pub fn indicator(&self, code: &str) -> Option<&IndicatorResult> {
        self.indicators.iter().find(|i| i.code == code)
    }
    /// `du_dieu_kien`, `chua_du_thoi_gian` or `khong_du_dieu_kien`.
    pub fn summary_status(&self) -> &'static str {
        if self.eligible {
            "du_dieu_kien"
        } else if !self.tenure_ok {
            "chua_du_thoi_gian"
        } else {
            "khong_du_dieu_kien"
        }
    }
}
