//! The plan file's shape as TOML gives it, before any check.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlan {
    pub(super) code: Spanned<String>,
    pub(super) title: String,
    #[serde(default)]
    pub(super) movement: String,
    pub(super) issuer: String,
    #[serde(default)]
    pub(super) signer: String,
    #[serde(default)]
    pub(super) signer_title: String,
    #[serde(default)]
    pub(super) standing_agency: String,
    #[serde(default)]
    pub(super) legal_bases: Vec<String>,
    #[serde(default)]
    pub(super) purposes: Vec<String>,
    #[serde(default)]
    pub(super) scope: String,
    #[serde(default)]
    pub(super) subjects: String,
    #[serde(default)]
    pub(super) content_note: String,
    pub(super) period: Spanned<RawPeriod>,
    pub(super) tiers: Vec<Spanned<RawTier>>,
    pub(super) groups: Vec<Spanned<RawGroup>>,
    pub(super) indicators: Vec<Spanned<RawIndicator>>,
    pub(super) award: Spanned<RawAward>,
    #[serde(default)]
    pub(super) documents: Vec<Spanned<RawDocument>>,
    #[serde(default)]
    pub(super) deadlines: Option<Spanned<RawDeadlines>>,
    #[serde(default)]
    pub(super) responsibilities: Vec<RawResponsibility>,
    #[serde(default)]
    pub(super) issuing: RawIssuing,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIssuing {
    pub(super) committee_symbol: Option<String>,
    pub(super) standing_symbol: Option<String>,
    pub(super) board: Option<String>,
    pub(super) board_parent: Option<String>,
    pub(super) board_symbol: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPeriod {
    pub(super) from: Spanned<String>,
    pub(super) to: Spanned<String>,
    #[serde(default)]
    pub(super) note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTier {
    pub(super) code: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) labels: Vec<String>,
    #[serde(default)]
    pub(super) parent: Option<String>,
    #[serde(default)]
    pub(super) proposed_by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    pub(super) code: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) contents: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndicator {
    pub(super) code: String,
    pub(super) group: Spanned<String>,
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: String,
    pub(super) kind: Spanned<String>,
    #[serde(default)]
    pub(super) formula: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) variant: Option<Spanned<String>>,
    pub(super) comparison: Spanned<String>,
    pub(super) threshold: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    pub(super) aim: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    pub(super) if_any_tiers: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) not_applicable_tiers: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) tier_notes: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) weight: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub(super) share: Option<bool>,
    #[serde(default)]
    pub(super) measure: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) period: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) year_deadline: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAward {
    pub(super) form: String,
    #[serde(default)]
    pub(super) recipients: String,
    pub(super) quota: Spanned<i64>,
    #[serde(default = "default_tenure")]
    pub(super) min_tenure_months: Spanned<i64>,
    #[serde(default)]
    pub(super) required_indicators: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) initiative_indicator: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) tie_break_indicator: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) criteria: Vec<String>,
    #[serde(default)]
    pub(super) priority: String,
    #[serde(default = "default_copies")]
    pub(super) dossier_copies: u32,
    #[serde(default)]
    pub(super) discipline_indicator: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) priority_method: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) one_per_unit: bool,
    #[serde(default)]
    pub(super) units_see_ranking: bool,
    #[serde(default)]
    pub(super) cash_coefficient: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) cash_fund: String,
}

pub(super) fn default_tenure() -> Spanned<i64> {
    Spanned::new(0..0, 6)
}
pub(super) fn default_copies() -> u32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDocument {
    pub(super) code: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) note: String,
    #[serde(default)]
    pub(super) by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDeadlines {
    #[serde(default)]
    pub(super) nomination_submit: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) appraisal: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) note: String,
    #[serde(default)]
    pub(super) entries_after_month: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) entries_after_quarter: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) entries_year: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResponsibility {
    pub(super) agency: String,
    #[serde(default)]
    pub(super) tasks: Vec<String>,
}
