//! The checks that need the whole file: a parent unit further down, the hierarchy of
//! tiers, overlapping terms of office.

use super::*;

/// The hierarchy rules that need the whole file, on rows whose parents exist: a unit is
/// never its own ancestor, and when every plan declares the parent tier of a unit's tier
/// (the 2023 plan: a commune's parent is a district), the parent is of that tier.
/// `stored` gives a stored unit's place; `parent_tiers` the parent tiers the plans allow
/// for a tier (None: no rule).
pub fn check_unit_hierarchy(
    rows: &[(usize, UnitRow)],
    stored: &dyn Fn(&str) -> Option<UnitPlace>,
    parent_tiers: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Vec<RowError> {
    let in_file: HashMap<&str, (&str, Option<&str>)> = rows
        .iter()
        .map(|(_, u)| (u.code.as_str(), (u.tier.as_str(), u.parent.as_deref())))
        .collect();
    let place = |code: &str| -> Option<UnitPlace> {
        match in_file.get(code) {
            Some((tier, parent)) => Some((tier.to_string(), parent.map(str::to_string))),
            None => stored(code),
        }
    };
    let mut errors = Vec::new();
    for (row, u) in rows {
        let Some(parent) = u.parent.as_deref() else {
            continue;
        };
        let err = |vi: String, en: String| RowError {
            row: *row,
            column: "ma_don_vi_cha".into(),
            value: parent.into(),
            vi,
            en,
        };
        // Walk up from the parent: meeting the unit again is a cycle.
        let mut at = Some(parent.to_string());
        let mut steps = 0;
        let mut cycle = false;
        while let Some(code) = at {
            if code == u.code {
                cycle = true;
                break;
            }
            steps += 1;
            if steps > 64 {
                break;
            }
            at = place(&code).and_then(|(_, p)| p);
        }
        if cycle {
            errors.push(err(
                format!(
                    "đơn vị «{}» không thể là cấp trên của chính nó (vòng lặp qua «{parent}»)",
                    u.code
                ),
                format!(
                    "unit '{}' would be its own ancestor (a loop through '{parent}')",
                    u.code
                ),
            ));
            continue;
        }
        if let (Some(allowed), Some((parent_tier, _))) = (parent_tiers(&u.tier), place(parent)) {
            if !allowed.contains(&parent_tier) {
                errors.push(err(
                    format!("đơn vị cấp «{}» phải trực thuộc đơn vị cấp «{}», nhưng «{parent}» là cấp «{parent_tier}»", u.tier, allowed.join("», «")),
                    format!("a '{}' unit belongs under a '{}' unit; '{parent}' is '{parent_tier}'", u.tier, allowed.join("', '")),
                ));
            }
        }
    }
    errors
}

/// Parents must exist in the store or in the same file.
pub fn check_unit_parents(rows: &[(usize, UnitRow)], stored: &dyn Fn(&str) -> bool) -> Vec<RowError> {
    // A parent refused in this file cannot vouch for its children: repeat until no new row
    // is refused.
    let mut refused: HashSet<usize> = HashSet::new();
    let mut errors = Vec::new();
    loop {
        let in_file: HashSet<&str> = rows
            .iter()
            .filter(|(r, _)| !refused.contains(r))
            .map(|(_, u)| u.code.as_str())
            .collect();
        let new: Vec<RowError> = rows
            .iter()
            .filter(|(r, _)| !refused.contains(r))
            .filter_map(|(row, u)| {
                let p = u.parent.as_deref()?;
                (!in_file.contains(p) && !stored(p)).then(|| RowError {
                    row: *row,
                    column: "ma_don_vi_cha".into(),
                    value: p.into(),
                    vi: format!("không có đơn vị cha mã «{p}» (hoặc đơn vị cha bị từ chối trong tệp này)"),
                    en: format!("unknown parent unit '{p}' (or the parent was refused in this file)"),
                })
            })
            .collect();
        if new.is_empty() {
            break;
        }
        refused.extend(new.iter().map(|e| e.row));
        errors.extend(new);
    }
    errors.sort_by_key(|e| e.row);
    errors
}

/// Terms of office of one unit may not overlap. A file row replaces a stored term of the
/// same unit and start date; two file rows with one start date overlap each other. Every
/// file row taking part in an overlap is reported.
pub fn check_head_overlaps(rows: &[(usize, HeadRow)], stored: &[HeadRow]) -> Vec<RowError> {
    let units: HashSet<&str> = rows.iter().map(|(_, h)| h.unit.as_str()).collect();
    let mut by_unit: BTreeMap<&str, Vec<(Option<usize>, &HeadRow)>> = BTreeMap::new();
    let replaced: HashSet<(&str, Date)> = rows.iter().map(|(_, h)| (h.unit.as_str(), h.from)).collect();
    for h in stored
        .iter()
        .filter(|h| units.contains(h.unit.as_str()) && !replaced.contains(&(h.unit.as_str(), h.from)))
    {
        by_unit.entry(&h.unit).or_default().push((None, h));
    }
    for (row, h) in rows {
        by_unit.entry(&h.unit).or_default().push((Some(*row), h));
    }
    let mut errors = Vec::new();
    let mut report = |(ra, a): (Option<usize>, &HeadRow), (rb, b): (Option<usize>, &HeadRow)| {
        let vi = format!(
            "nhiệm kỳ trùng nhau tại đơn vị «{}»: {} (từ {}) và {} (từ {})",
            a.unit,
            a.name,
            a.from.vi(),
            b.name,
            b.from.vi()
        );
        let en = format!(
            "overlapping terms at unit '{}': {} (from {}) and {} (from {})",
            a.unit, a.name, a.from, b.name, b.from
        );
        for (row, h) in [(ra, a), (rb, b)] {
            if let Some(row) = row {
                errors.push(RowError {
                    row,
                    column: "tu_ngay".into(),
                    value: h.from.vi(),
                    vi: vi.clone(),
                    en: en.clone(),
                });
            }
        }
    };
    for terms in by_unit.values_mut() {
        terms.sort_by_key(|(row, h)| (h.from, *row));
        // sweep: each term against the one reaching furthest among those before it
        let mut reach: Option<(Option<usize>, &HeadRow)> = None;
        for &(row, h) in terms.iter() {
            if let Some((rr, r)) = reach {
                if r.to.is_none_or(|t| t >= h.from) {
                    report((rr, r), (row, h));
                }
            }
            let further = match reach {
                None => true,
                Some((_, r)) => match (r.to, h.to) {
                    (None, _) => false,
                    (Some(_), None) => true,
                    (Some(a), Some(b)) => b > a,
                },
            };
            if further {
                reach = Some((row, h));
            }
        }
    }
    errors.sort_by_key(|e| e.row);
    errors.dedup_by(|a, b| a.row == b.row && a.vi == b.vi);
    errors
}
