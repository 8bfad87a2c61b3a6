//! Evaluation of every head (INDICATORS.md sections 3–5): months attributed to each head,
//! aggregation of their data, and the status of each applicable indicator.

use crate::dossier::{DossierTally, Sums};
use crate::entry::{Entry, EntryState, EntryValue, Period};
use crate::num::Dec;
use crate::plan::{Comparison, Indicator, Kind, Plan, Threshold};
use crate::time::{DateTime, Month};
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

// The results are the evaluation's output; they live in their own module so that the
// ranking (which reads them) and the evaluation (which calls the ranking) do not import
// each other.
pub use crate::results::*;

pub struct EvalInput<'a> {
    pub plan: &'a Plan,
    /// Units in the order of the tally's dense unit index.
    pub units: &'a [UnitInfo],
    pub heads: &'a [HeadTerm],
    pub tally: &'a DossierTally,
    pub entries: &'a [Entry],
    pub as_of: DateTime,
}

/// The months of the plan attributed to `head`: month m belongs to the head in office on its
/// last day. For an evaluation during the period, months not yet begun are left out and the
/// current month belongs to the head in office on the as-of day.
pub fn attributed_months(
    plan: &Plan,
    heads_of_unit: &[&HeadTerm],
    head: &HeadTerm,
    as_of: DateTime,
) -> Vec<Month> {
    let today = as_of.date();
    plan.months()
        .into_iter()
        .filter(|m| m.first_day() <= today)
        .filter(|m| {
            let day = m.last_day().min(today).min(plan.period_to);
            heads_of_unit
                .iter()
                .filter(|h| h.holds(day))
                .max_by_key(|h| h.from)
                .is_some_and(|h| *h == head)
        })
        .collect()
}

pub fn evaluate(input: &EvalInput) -> Vec<HeadResult> {
    let plan = input.plan;
    let unit_index: HashMap<&str, u32> = input
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i as u32))
        .collect();
    let mut entries_by_unit: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for e in input.entries.iter().filter(|e| e.state.counts()) {
        entries_by_unit.entry(e.unit.as_str()).or_default().push(e);
    }
    let mut heads_by_unit: HashMap<&str, Vec<&HeadTerm>> = HashMap::new();
    for h in input.heads {
        heads_by_unit.entry(h.unit.as_str()).or_default().push(h);
    }
    let mut results = Vec::new();
    for unit in input.units {
        if plan.tier(&unit.tier).is_none() {
            continue;
        }
        let Some(heads) = heads_by_unit.get(unit.code.as_str()) else {
            continue;
        };
        let uidx = unit_index[unit.code.as_str()];
        let unit_entries = entries_by_unit
            .get(unit.code.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for head in heads {
            let months = attributed_months(plan, heads, head, input.as_of);
            if months.is_empty() {
                continue;
            }
            results.push(evaluate_head(
                plan,
                unit,
                head,
                uidx,
                months,
                input.tally,
                unit_entries,
            ));
        }
    }
    crate::rank::rank(plan, &mut results);
    results
}

/// `months` are the head's months, all inside the plan period.
fn entry_applies(period: Period, months: &BTreeSet<Month>) -> bool {
    match period {
        Period::Year(y) => months.iter().any(|m| m.year() == y),
        p => months.contains(&p.last_month()),
    }
}

fn evaluate_head(
    plan: &Plan,
    unit: &UnitInfo,
    head: &HeadTerm,
    uidx: u32,
    months: Vec<Month>,
    tally: &DossierTally,
    entries: &[&Entry],
) -> HeadResult {
    let month_set: BTreeSet<Month> = months.iter().copied().collect();
    let mut indicators = Vec::new();
    for ind in plan.indicators.iter().filter(|i| i.applies_to(&unit.tier)) {
        let mut provisional = false;
        let mut used = 0;
        let value = if let Some(r) = ind.reading {
            let mut s = Sums::default();
            for m in &months {
                s += tally.get(r, uidx, *m);
            }
            Value::Ratio(s)
        } else {
            let mine: Vec<&&Entry> = entries
                .iter()
                .filter(|e| e.indicator == ind.code && entry_applies(e.period, &month_set))
                .collect();
            used = mine.len();
            provisional = mine.iter().any(|e| e.state == EntryState::DaGui);
            aggregate(ind.kind, mine.iter().map(|e| e.value))
        };
        let status = status_of(ind, &unit.tier, &value);
        indicators.push(IndicatorResult {
            code: ind.code.clone(),
            value,
            status,
            provisional,
            entries_used: used,
        });
    }
    let unknown_procedures = months
        .iter()
        .map(|m| tally.unknown_procedure.get(&(uidx, *m)).copied().unwrap_or(0))
        .sum();
    let tenure_ok = months.len() as u32 >= plan.award.min_tenure_months;
    let all_met = indicators
        .iter()
        .all(|r| !matches!(r.status, Status::KhongDat | Status::ThieuSoLieu));
    let required_met = plan.award.required_indicators.iter().all(|code| {
        indicators
            .iter()
            .any(|r| &r.code == code && r.status == Status::Dat)
    });
    let provisional = indicators.iter().any(|r| r.provisional);
    let mut r = HeadResult {
        unit: unit.clone(),
        head: head.clone(),
        months,
        indicators,
        tenure_ok,
        eligible: tenure_ok && all_met && required_met,
        score: Dec::ZERO,
        rank: None,
        provisional,
        unknown_procedures,
    };
    r.score = crate::rank::score(plan, &unit.tier, &r.indicators);
    r
}

/// ratio = Σnum/Σden; count = Σ; boolean = every entry true. Entries of another kind than
/// the indicator's are ignored (imports refuse them).
pub fn aggregate(kind: Kind, values: impl Iterator<Item = EntryValue>) -> Value {
    let mut out = Value::None;
    for v in values {
        out = match (kind, out, v) {
            (Kind::Ratio, Value::None, EntryValue::Ratio { num, den }) => Value::Ratio(Sums { num, den }),
            (Kind::Ratio, Value::Ratio(mut s), EntryValue::Ratio { num, den }) => {
                s += Sums { num, den };
                Value::Ratio(s)
            }
            (Kind::Count, Value::None, EntryValue::Count(n)) => Value::Count(n),
            (Kind::Count, Value::Count(a), EntryValue::Count(n)) => Value::Count(a.saturating_add(n)),
            (Kind::Boolean, Value::None, EntryValue::Bool(b)) => Value::Bool(b),
            (Kind::Boolean, Value::Bool(a), EntryValue::Bool(b)) => Value::Bool(a && b),
            (_, keep, _) => keep,
        };
    }
    out
}

fn compare(c: Comparison, o: Ordering) -> bool {
    match c {
        Comparison::Ge => o != Ordering::Less,
        Comparison::Le => o != Ordering::Greater,
        Comparison::Eq => o == Ordering::Equal,
    }
}

/// The status of one indicator. Ratios compare `num * 100` with `threshold * den` exactly.
pub fn status_of(ind: &Indicator, tier: &str, value: &Value) -> Status {
    let met = |b: bool| if b { Status::Dat } else { Status::KhongDat };
    let threshold = ind.thresholds.get(tier);
    match (value, threshold) {
        (Value::None, _) if ind.is_if_any(tier) => Status::KhongPhatSinh,
        (Value::None, _) => Status::ThieuSoLieu,
        (Value::Ratio(s), _) if s.den == Dec::ZERO => Status::KhongPhatSinh,
        (Value::Ratio(s), Some(Threshold::Number(t))) => {
            // num·100 against t·den; the threshold's scale multiplies the right side, so the
            // left takes the same factor.
            let (lhs, rhs) = (s.num.0 * 100 * crate::num::SCALE, t.0 * s.den.0);
            let o = if s.den.0 > 0 { lhs.cmp(&rhs) } else { rhs.cmp(&lhs) };
            met(compare(ind.comparison, o))
        }
        (Value::Count(n), Some(Threshold::Number(t))) => {
            met(compare(ind.comparison, Dec::from_int(*n).cmp(t)))
        }
        (Value::Bool(b), Some(Threshold::Bool(t))) => met(b == t),
        _ => Status::ThieuSoLieu,
    }
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
