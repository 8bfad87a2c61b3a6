//! The movement plan as data (sections II–V of the seed) and its validation.
//!
//! A plan is a TOML file; `Plan::from_toml` checks it whole and names every error with its
//! line. Tiers, indicators, thresholds, the award and its rules are all data: the two-tier
//! local government of 2025 is another file (`plans/cchc-2025-hai-cap.toml`), not code.

use crate::entry::{Cadence, Period};
use crate::num::Dec;
use crate::time::{Date, Month};
use std::collections::{BTreeMap, BTreeSet};

pub const BUILT_IN_2023: &str = include_str!("../../../../plans/cchc-2023.toml");
pub const EXAMPLE_2025_TWO_TIER: &str = include_str!("../../../../plans/cchc-2025-hai-cap.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Ratio,
    Count,
    Boolean,
    /// Computed from raw dossier records by one of the `Formula`s.
    Computed,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Ratio => "ratio",
            Kind::Count => "count",
            Kind::Boolean => "boolean",
            Kind::Computed => "computed",
        }
    }
}

/// The three dossier-based indicators of INDICATORS.md section 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Formula {
    TthcDungHan,
    TthcRutNgan,
    DvcTrucTuyen,
}

impl Formula {
    pub const ALL: [Formula; 3] = [Formula::TthcDungHan, Formula::TthcRutNgan, Formula::DvcTrucTuyen];
    pub fn code(self) -> &'static str {
        match self {
            Formula::TthcDungHan => "tthc_dung_han",
            Formula::TthcRutNgan => "tthc_rut_ngan",
            Formula::DvcTrucTuyen => "dvc_truc_tuyen",
        }
    }
    pub fn parse(s: &str) -> Option<Formula> {
        Formula::ALL.into_iter().find(|f| f.code() == s)
    }
    /// The variant codes the plan may pick for this formula (none for `tthc_dung_han`).
    pub fn variant_codes(self) -> Vec<&'static str> {
        Reading::ALL
            .into_iter()
            .filter(|r| r.formula() == self)
            .filter_map(Reading::variant_code)
            .collect()
    }
}

/// How `tthc_rut_ngan` measures the time shortened (INDICATORS.md 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RutNgan {
    /// The working days each dossier actually took.
    ThucTe,
    /// The shortened time the province published for the procedure.
    CongBo,
}

crate::codes!(RutNgan {
    ThucTe = "thuc_te" / "Thời gian giải quyết thực tế",
    CongBo = "cong_bo" / "Thời hạn công bố",
});

/// Which dossiers `dvc_truc_tuyen` counts (INDICATORS.md 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrucTuyen {
    /// Those received in the period.
    TiepNhan,
    /// Those decided in the period, as for `tthc_dung_han`.
    GiaiQuyet,
}

crate::codes!(TrucTuyen {
    TiepNhan = "tiep_nhan" / "Hồ sơ tiếp nhận",
    GiaiQuyet = "giai_quyet" / "Hồ sơ giải quyết",
});

/// A formula as the plan reads it: the formula with its variant. The dossier tally keeps
/// one sum per reading, so one tally serves plans that pick different variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reading {
    TthcDungHan,
    TthcRutNgan(RutNgan),
    DvcTrucTuyen(TrucTuyen),
}

impl Reading {
    pub const ALL: [Reading; 5] = [
        Reading::TthcDungHan,
        Reading::TthcRutNgan(RutNgan::ThucTe),
        Reading::TthcRutNgan(RutNgan::CongBo),
        Reading::DvcTrucTuyen(TrucTuyen::TiepNhan),
        Reading::DvcTrucTuyen(TrucTuyen::GiaiQuyet),
    ];
    pub fn formula(self) -> Formula {
        match self {
            Reading::TthcDungHan => Formula::TthcDungHan,
            Reading::TthcRutNgan(_) => Formula::TthcRutNgan,
            Reading::DvcTrucTuyen(_) => Formula::DvcTrucTuyen,
        }
    }
    pub fn variant_code(self) -> Option<&'static str> {
        match self {
            Reading::TthcDungHan => None,
            Reading::TthcRutNgan(v) => Some(v.code()),
            Reading::DvcTrucTuyen(v) => Some(v.code()),
        }
    }
    /// `formula` read with the variant `code`; `None` when the code is not one of its variants.
    pub fn parse(formula: Formula, code: &str) -> Option<Reading> {
        Reading::ALL
            .into_iter()
            .find(|r| r.formula() == formula && r.variant_code() == Some(code))
    }
    pub fn is_default(self) -> bool {
        Reading::from(self.formula()) == self
    }
    /// Its place among `ALL`.
    #[inline(always)]
    pub fn slot(self) -> usize {
        match self {
            Reading::TthcDungHan => 0,
            Reading::TthcRutNgan(RutNgan::ThucTe) => 1,
            Reading::TthcRutNgan(RutNgan::CongBo) => 2,
            Reading::DvcTrucTuyen(TrucTuyen::TiepNhan) => 3,
            Reading::DvcTrucTuyen(TrucTuyen::GiaiQuyet) => 4,
        }
    }
}

/// A formula read the default way (the plan names no variant).
impl From<Formula> for Reading {
    fn from(f: Formula) -> Reading {
        match f {
            Formula::TthcDungHan => Reading::TthcDungHan,
            Formula::TthcRutNgan => Reading::TthcRutNgan(RutNgan::ThucTe),
            Formula::DvcTrucTuyen => Reading::DvcTrucTuyen(TrucTuyen::TiepNhan),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Ge,
    Le,
    Eq,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Ge => ">=",
            Comparison::Le => "<=",
            Comparison::Eq => "==",
        }
    }
    pub fn vi(self) -> &'static str {
        match self {
            Comparison::Ge => "≥",
            Comparison::Le => "≤",
            Comparison::Eq => "=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// A percentage for ratios and computed indicators, a number for counts.
    Number(Dec),
    Bool(bool),
}

#[derive(Debug, Clone)]
pub struct Tier {
    pub code: String,
    pub name: String,
    pub labels: Vec<String>,
    pub parent: Option<String>,
    /// The tier that proposes this tier's heads for the award (2023: communes are
    /// proposed by their district); None = the unit proposes its own head.
    pub proposed_by: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub contents: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub code: String,
    pub group: String,
    pub name: String,
    pub description: String,
    pub kind: Kind,
    pub formula: Option<Formula>,
    /// The formula with the variant the plan picked (the default when it names none);
    /// `Some` exactly when `formula` is.
    pub reading: Option<Reading>,
    pub comparison: Comparison,
    /// One threshold per applicable tier.
    pub thresholds: BTreeMap<String, Threshold>,
    /// "phấn đấu" — the aim beyond the threshold, shown, never decisive.
    pub aims: BTreeMap<String, Dec>,
    /// Tiers where the indicator is "nếu có" (if any).
    pub if_any_tiers: BTreeSet<String>,
    pub not_applicable_tiers: BTreeSet<String>,
    pub tier_notes: BTreeMap<String, String>,
    /// Weight in the priority score (ratio indicators only).
    pub weight: Dec,
    /// An entered ratio is a share of its denominator: the numerator never exceeds it.
    pub share: bool,
    /// What an entered ratio counts: things (documents, dossiers, people: whole numbers)
    /// or an amount (money: decimals allowed).
    pub measure: Measure,
    /// The only period entries may cover, when the plan fixes it (the 2023 plan fixes none).
    pub cadence: Option<Cadence>,
    /// The year's entries are due by this day of the next year instead of the plan's
    /// general one (e.g. public investment disbursement runs to 31 January).
    pub year_deadline: Option<MonthDay>,
}

/// A day of the year (`01-31`), for deadlines that fall in the year after a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    /// `MM-DD`; 29 February is refused, not every year has it.
    pub fn parse(s: &str) -> Option<MonthDay> {
        let (m, d) = s.trim().split_once('-')?;
        let (month, day): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
        let ok = (1..=12).contains(&month) && day >= 1 && day <= crate::time::days_in_month(2023, month);
        ok.then_some(MonthDay { month, day })
    }
    pub fn in_year(self, year: i32) -> Date {
        Date::from_ymd(year, self.month, self.day).expect("checked on parse")
    }
}

/// What an entered ratio's numerator and denominator count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    SoLuong,
    GiaTri,
}

crate::codes!(Measure {
    SoLuong = "so_luong" / "Số lượng (số nguyên)",
    GiaTri = "gia_tri" / "Giá trị (số tiền)",
});

/// The checks an entered value of one indicator must pass (INDICATORS.md section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueRule {
    pub kind: Kind,
    pub share: bool,
    pub whole: bool,
    pub cadence: Option<Cadence>,
}

impl Indicator {
    pub fn applies_to(&self, tier: &str) -> bool {
        self.thresholds.contains_key(tier) && !self.not_applicable_tiers.contains(tier)
    }
    pub fn is_if_any(&self, tier: &str) -> bool {
        self.if_any_tiers.contains(tier)
    }
    pub fn value_rule(&self) -> ValueRule {
        ValueRule {
            kind: self.kind,
            share: self.share,
            whole: self.kind == Kind::Count || self.measure == Measure::SoLuong,
            cadence: self.cadence,
        }
    }
    /// Ratio-valued (entered ratio or computed ratio).
    pub fn is_ratio(&self) -> bool {
        matches!(self.kind, Kind::Ratio | Kind::Computed)
    }
    /// "≥ 95%", "= 0", "đạt", with "(nếu có)" where it applies.
    pub fn target_vi(&self, tier: &str) -> String {
        let base = match self.thresholds.get(tier) {
            None => return "—".into(),
            Some(Threshold::Bool(true)) => "Đạt".to_string(),
            Some(Threshold::Bool(false)) => "Không đạt".to_string(),
            Some(Threshold::Number(t)) if self.is_ratio() => format!("{} {}%", self.comparison.vi(), t.vi()),
            Some(Threshold::Number(t)) => format!("{} {}", self.comparison.vi(), t.vi()),
        };
        let mut s = base;
        if let Some(aim) = self.aims.get(tier) {
            s.push_str(&format!(" (phấn đấu {}%)", aim.vi()));
        }
        if self.is_if_any(tier) {
            s.push_str(" (nếu có)");
        }
        s
    }
}

#[derive(Debug, Clone)]
pub struct Award {
    pub form: String,
    pub recipients: String,
    pub quota: u32,
    pub min_tenure_months: u32,
    /// Indicators that must be `dat` for eligibility (the plan: an initiative).
    pub required_indicators: Vec<String>,
    /// The count indicator whose value breaks score ties (number of initiatives).
    pub initiative_indicator: Option<String>,
    /// The ratio indicator whose value breaks the next ties.
    pub tie_break_indicator: Option<String>,
    pub criteria: Vec<String>,
    pub priority: String,
    pub dossier_copies: u32,
    /// The indicator whose `khong_dat` or missing value blocks approval (2023: `ky_luat`).
    pub discipline_indicator: Option<String>,
    /// How a met ratio's excess over its threshold is measured for the priority score.
    pub priority_method: PriorityMethod,
    /// At most one awarded head per unit (off in 2023): the suggested list skips a unit's
    /// later-ranked heads, and a second approval in one unit is refused.
    pub one_per_unit: bool,
    /// The units' own accounts may read the province's ranking (read-only; 2023: yes, the
    /// plan publishes results to every unit).
    pub units_see_ranking: bool,
    /// The cash award as a multiple of the base salary in force on the decision's date
    /// (`data/phap-ly.toml`); None when the plan's award carries no cash.
    pub cash_coefficient: Option<Dec>,
    /// Where the cash award is paid from.
    pub cash_fund: String,
}

/// Who issues the award's papers besides the units: the provincial committee (the
/// Chairman's decision), the standing agency (Sở Nội vụ) and the Board (Ban Thi đua - Khen
/// thưởng), with the symbols of their numbers (Nghị định 30/2020, Phụ lục I).
#[derive(Debug, Clone)]
pub struct Issuing {
    pub committee_symbol: String,
    pub standing_symbol: String,
    pub board: String,
    /// The line above the Board's name: the body it belongs to.
    pub board_parent: String,
    pub board_symbol: String,
}

/// The priority score's measure of excess (INDICATORS.md section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PriorityMethod {
    ChuanHoa,
    VuotTuongDoi,
    SoChiTieuVuot,
}

crate::codes!(PriorityMethod {
    ChuanHoa = "chuan_hoa" / "Chuẩn hóa: (v − t)/(1 − t)",
    VuotTuongDoi = "vuot_tuong_doi" / "Vượt tương đối: (v − t)/t",
    SoChiTieuVuot = "so_chi_tieu_vuot" / "Số chỉ tiêu vượt",
});

#[derive(Debug, Clone)]
pub struct DossierDocument {
    pub code: String,
    pub name: String,
    pub note: String,
    /// Who uploads it: the unit, or the proposing level (its tờ trình, its council's
    /// minutes) — the unit itself when its tier has no proposing level.
    pub by: DocumentBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentBy {
    DonVi,
    CapTrinh,
}

#[derive(Debug, Clone, Default)]
pub struct Deadlines {
    /// Last day a unit may submit a nomination; `None` until the office sets it.
    pub nomination_submit: Option<Date>,
    pub appraisal: Option<Date>,
    pub note: String,
    /// Entered values of a month are due this many days after the month ends.
    pub entries_after_month: Option<u32>,
    /// ... of a quarter, this many days after the quarter ends.
    pub entries_after_quarter: Option<u32>,
    /// ... of a year, by this day of the next year (an indicator may set its own).
    pub entries_year: Option<MonthDay>,
}

#[derive(Debug, Clone)]
pub struct Responsibility {
    pub agency: String,
    pub tasks: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub code: String,
    pub title: String,
    pub movement: String,
    pub issuer: String,
    pub signer: String,
    pub signer_title: String,
    pub standing_agency: String,
    pub legal_bases: Vec<String>,
    pub purposes: Vec<String>,
    pub scope: String,
    pub subjects: String,
    pub content_note: String,
    pub period_from: Date,
    pub period_to: Date,
    pub period_note: String,
    pub tiers: Vec<Tier>,
    pub groups: Vec<Group>,
    pub indicators: Vec<Indicator>,
    pub award: Award,
    pub documents: Vec<DossierDocument>,
    pub deadlines: Deadlines,
    pub responsibilities: Vec<Responsibility>,
    pub issuing: Issuing,
}

impl Plan {
    pub fn built_in() -> Plan {
        Plan::from_toml(BUILT_IN_2023).expect("the built-in plan is valid")
    }

    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    pub fn tier(&self, code: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.code == code)
    }

    /// The tier that proposes `tier`'s heads, if not the unit itself.
    pub fn proposer_tier(&self, tier: &str) -> Option<&Tier> {
        self.tier(tier)?.proposed_by.as_deref().and_then(|p| self.tier(p))
    }

    /// The documents (code, name) `by` uploads.
    pub fn documents_by(&self, by: DocumentBy) -> Vec<(String, String)> {
        self.documents
            .iter()
            .filter(|d| d.by == by)
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect()
    }

    /// The months of the plan period, in order.
    pub fn months(&self) -> Vec<Month> {
        (self.period_from.month().0..=self.period_to.month().0)
            .map(Month)
            .collect()
    }

    pub fn covers_year(&self, year: i32) -> bool {
        self.period_from.ymd().0 <= year && year <= self.period_to.ymd().0
    }

    /// The last day a unit may create, change or send an entry of `indicator` for `period`
    /// (INDICATORS.md section 3); `None` when the plan sets no deadline for it.
    pub fn entry_deadline(&self, indicator: &str, period: Period) -> Option<Date> {
        let d = &self.deadlines;
        let after = |days: Option<u32>| days.map(|n| Date(period.last_month().last_day().0 + n as i32));
        match period {
            Period::Month(_) => after(d.entries_after_month),
            Period::Quarter(..) => after(d.entries_after_quarter),
            Period::Year(y) => self
                .indicator(indicator)
                .and_then(|i| i.year_deadline)
                .or(d.entries_year)
                .map(|md| md.in_year(y + 1)),
        }
    }

    /// The entries' deadlines falling in `from..=to`, earliest first: (deadline, period),
    /// one per period and day (a year's indicators may each have their own day), for the
    /// periods of the plan and the cadences its indicators allow.
    pub fn entry_deadlines_between(&self, from: Date, to: Date) -> Vec<(Date, Period)> {
        let (first, last) = (self.period_from.month(), self.period_to.month());
        let mut out = Vec::new();
        for y in self.period_from.ymd().0..=self.period_to.ymd().0 {
            for p in Period::all_of_year(y) {
                if p.last_month() < first || p.first_month() > last {
                    continue;
                }
                for i in self
                    .indicators
                    .iter()
                    .filter(|i| i.cadence.is_none_or(|c| c == p.cadence()))
                {
                    if let Some(d) = self.entry_deadline(&i.code, p) {
                        if from <= d && d <= to && !out.contains(&(d, p)) {
                            out.push((d, p));
                        }
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Finds a tier by code or by one of its Vietnamese labels, ignoring case and diacritics.
    pub fn resolve_tier(&self, s: &str) -> Option<&Tier> {
        let key = crate::text::fold(s);
        self.tiers.iter().find(|t| {
            crate::text::fold(&t.code) == key || t.labels.iter().any(|l| crate::text::fold(l) == key)
        })
    }
}

/// One problem in a plan file, with its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dòng {}: {}", self.line, self.message)
    }
}

mod parse;
mod raw;
#[cfg(test)]
mod tests;
