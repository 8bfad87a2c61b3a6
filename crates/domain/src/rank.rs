//! Priority score and ranking (INDICATORS.md section 6).

use crate::num::{Dec, SCALE};
use crate::plan::{Comparison, Plan, Threshold};
use crate::results::{HeadResult, IndicatorResult, Status, Value};
use std::cmp::Ordering;

/// How far one met ratio goes beyond its threshold t: `e = (v − t) / (1 − t)`, clamped to
/// [0, 1], in millionths, truncated. With v = num/den and t = T/100:
/// `e = (100·num − T·den) / ((100 − T)·den)`.
fn excess(num: Dec, den: Dec, t: Dec) -> i128 {
    let hundred = 100 * SCALE;
    let (mut x, mut y) = (num.0 * 100 * SCALE - t.0 * den.0, (hundred - t.0) * den.0);
    if y < 0 {
        (x, y) = (-x, -y);
    }
    if y == 0 {
        return 0;
    }
    let e = match x.checked_mul(SCALE) {
        Some(xs) => xs / y,
        // Amounts of money in the trillions: drop precision far below a millionth first.
        None => (x / 1_000_000_000) * SCALE / (y / 1_000_000_000).max(1),
    };
    e.clamp(0, SCALE)
}

/// The weighted mean of `excess` over every ratio indicator that is met with a `>=`
/// threshold below 100%; 0 when there is none. Six decimals, truncated.
pub fn score(plan: &Plan, tier: &str, results: &[IndicatorResult]) -> Dec {
    let mut sum = 0i128;
    let mut weights = 0i128;
    for r in results.iter().filter(|r| r.status == Status::Dat) {
        let Some(ind) = plan.indicator(&r.code) else {
            continue;
        };
        let (Value::Ratio(s), Some(Threshold::Number(t))) = (r.value, ind.thresholds.get(tier)) else {
            continue;
        };
        if ind.comparison != Comparison::Ge || *t >= Dec::from_int(100) {
            continue;
        }
        sum += ind.weight.0 * excess(s.num, s.den, *t);
        weights += ind.weight.0;
    }
    if weights == 0 {
        Dec::ZERO
    } else {
        Dec(sum / weights)
    }
}

fn count_of(r: &HeadResult, code: Option<&str>) -> Option<i64> {
    match code.and_then(|c| r.indicator(c)).map(|i| i.value) {
        Some(Value::Count(n)) => Some(n),
        _ => None,
    }
}

fn ratio_of(r: &HeadResult, code: Option<&str>) -> Option<(Dec, Dec)> {
    match code.and_then(|c| r.indicator(c)).map(|i| i.value) {
        Some(Value::Ratio(s)) if s.den > Dec::ZERO => Some((s.num, s.den)),
        _ => None,
    }
}

/// The ranking order: score descending, initiatives descending, the tie-break ratio
/// descending (a head without it after those with it), unit code, term start.
pub fn ranking_order(plan: &Plan, a: &HeadResult, b: &HeadResult) -> Ordering {
    let init = plan.award.initiative_indicator.as_deref();
    let tie = plan.award.tie_break_indicator.as_deref();
    b.score
        .cmp(&a.score)
        .then_with(|| {
            count_of(b, init)
                .unwrap_or(i64::MIN)
                .cmp(&count_of(a, init).unwrap_or(i64::MIN))
        })
        .then_with(|| match (ratio_of(a, tie), ratio_of(b, tie)) {
            // exact: a.num/a.den vs b.num/b.den by cross-multiplication (dens > 0)
            (Some((an, ad)), Some((bn, bd))) => (bn.0 * ad.0).cmp(&(an.0 * bd.0)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.unit.code.cmp(&b.unit.code))
        .then_with(|| a.head.from.cmp(&b.head.from))
}

/// The score as it is shown and compared: six decimals with a decimal comma, never
/// rounded (INDICATORS.md section 6). Every screen, export and document uses this.
pub fn score_vi(score: Dec) -> String {
    format!("{},{:06}", score.0 / SCALE, score.0 % SCALE)
}

/// The ranked (eligible) heads in rank order.
pub fn ranked(heads: &[HeadResult]) -> Vec<&HeadResult> {
    let mut v: Vec<&HeadResult> = heads.iter().filter(|h| h.rank.is_some()).collect();
    v.sort_by_key(|h| h.rank);
    v
}

/// The suggested list (INDICATORS.md section 6): the top `quota` of the ranking.
pub fn suggested(heads: &[HeadResult], quota: u32) -> Vec<&HeadResult> {
    let mut v = ranked(heads);
    v.truncate(quota as usize);
    v
}

/// Numbers the eligible heads 1, 2, … in ranking order; the rest get no rank.
pub fn rank(plan: &Plan, results: &mut [HeadResult]) {
    let mut order: Vec<usize> = (0..results.len()).filter(|&i| results[i].eligible).collect();
    order.sort_by(|&i, &j| ranking_order(plan, &results[i], &results[j]));
    for (pos, i) in order.into_iter().enumerate() {
        results[i].rank = Some(pos as u32 + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Dec {
        Dec::from_int(n)
    }

    #[test]
    fn excess_is_zero_at_the_threshold_and_one_at_full() {
        assert_eq!(excess(d(99), d(100), d(99)), 0);
        assert_eq!(excess(d(100), d(100), d(99)), SCALE);
        // 99.5% against 99%: half-way
        assert_eq!(excess(d(995), d(1000), d(99)), SCALE / 2);
        // 40% shortened against 35%: (0.40-0.35)/(0.65) = 0.076923
        assert_eq!(excess(d(40), d(100), d(35)), 76_923);
        // below the threshold clamps to 0, above 100% to 1
        assert_eq!(excess(d(90), d(100), d(95)), 0);
        assert_eq!(excess(d(120), d(100), d(95)), SCALE);
    }

    #[test]
    fn excess_survives_trillions_of_dong() {
        let plan = Dec::parse("12000000000000").unwrap();
        let done = Dec::parse("11760000000000").unwrap(); // 98%
        assert_eq!(excess(done, plan, d(95)), 600_000);
    }

    #[test]
    fn the_score_shows_six_decimals_with_a_comma_never_rounded() {
        assert_eq!(score_vi(Dec(839_033)), "0,839033");
        assert_eq!(score_vi(Dec(999_999)), "0,999999");
        assert_eq!(score_vi(Dec(SCALE)), "1,000000");
        assert_eq!(score_vi(Dec::ZERO), "0,000000");
    }
}
