//! What the import's row checks need to know of the store (units, the plans' tiers and
//! indicator kinds, procedures, a unit's entries it may no longer replace), read once
//! before an import.

use crate::Store;
use std::collections::{HashMap, HashSet};
use thidua_domain::plan::{Kind, ValueRule};
use thidua_ingest::rows::Lookup;
use thidua_ingest::values::{bad, Bad};

/// What validation knows of the store, loaded once per import.
pub(crate) struct StoreLookup {
    pub(crate) units: HashMap<String, i64>,
    /// The stored plans (their tiers, and the deadlines an import's locks need).
    pub(crate) plans: Vec<thidua_domain::plan::Plan>,
    indicators: HashMap<String, ValueRule>,
    conflicting: HashSet<String>,
    procedures: HashSet<String>,
    pub(crate) only_unit: Option<String>,
    /// For a unit's own import: its entries the office has under review or verified.
    pub(crate) locked_entries: HashSet<(String, String)>,
}

impl StoreLookup {
    /// The parent tiers the plans allow for a tier: None when a plan defining the tier sets
    /// no parent tier (then any parent will do).
    pub(crate) fn parent_tiers(&self, tier: &str) -> Option<Vec<String>> {
        let mut allowed = Vec::new();
        for t in self.plans.iter().filter_map(|p| p.tier(tier)) {
            allowed.push(t.parent.clone()?);
        }
        (!allowed.is_empty()).then_some(allowed)
    }
}

impl Lookup for StoreLookup {
    fn unit_known(&self, code: &str) -> bool {
        self.units.contains_key(code)
    }
    fn unit_refused(&self, code: &str) -> Option<Bad> {
        let only = self.only_unit.as_deref()?;
        (code != only).then(|| {
            bad(
                format!("dòng của đơn vị «{code}»: tài khoản chỉ được nhập số liệu của đơn vị «{only}»"),
                format!("a row of unit '{code}': this account may import only unit '{only}'"),
            )
        })
    }
    fn tier(&self, label: &str) -> Option<String> {
        self.plans
            .iter()
            .find_map(|p| p.resolve_tier(label))
            .map(|t| t.code.clone())
    }
    fn entry_refused(&self, _unit: &str, indicator: &str, period: &str) -> Option<Bad> {
        self.locked_entries.contains(&(indicator.to_string(), period.to_string())).then(|| {
            bad(
                format!("số liệu «{indicator}» kỳ {period} đã gửi hoặc đã được xác nhận, đơn vị không thay thế được"),
                format!("entry '{indicator}' {period} is submitted or verified; a unit cannot replace it"),
            )
        })
    }
    fn value_rule(&self, code: &str) -> Result<ValueRule, Bad> {
        if self.conflicting.contains(code) {
            return Err(bad(
                format!("chỉ tiêu «{code}» có loại khác nhau giữa các kế hoạch"),
                format!("indicator '{code}' has different kinds in different plans"),
            ));
        }
        match self.indicators.get(code) {
            Some(r) if r.kind == Kind::Computed => Err(bad(
                format!("chỉ tiêu «{code}» được tính từ hồ sơ TTHC, không nhập trực tiếp"),
                format!("indicator '{code}' is computed from dossiers, not entered"),
            )),
            Some(r) => Ok(*r),
            None => Err(bad(
                format!("không có chỉ tiêu mã «{code}» trong kế hoạch"),
                format!("unknown indicator '{code}'"),
            )),
        }
    }
    fn procedure_known(&self, code: &str) -> bool {
        self.procedures.contains(code)
    }
}

impl Store {
    pub(crate) fn lookup(&self) -> crate::Result<StoreLookup> {
        let units = self.units()?.into_iter().map(|u| (u.info.code, u.id)).collect();
        let plans = self.plans()?;
        let mut indicators = HashMap::new();
        let mut conflicting = HashSet::new();
        for i in plans.iter().flat_map(|p| &p.indicators) {
            if let Some(r) = indicators.insert(i.code.clone(), i.value_rule()) {
                if r != i.value_rule() {
                    conflicting.insert(i.code.clone());
                }
            }
        }
        let procedures = self.procedures()?.into_keys().collect();
        Ok(StoreLookup {
            units,
            plans,
            indicators,
            conflicting,
            procedures,
            only_unit: None,
            locked_entries: HashSet::new(),
        })
    }
}
