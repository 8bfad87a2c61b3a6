//! Priority score and ranking (INDICATORS.md section 6).

use crate::num::{Dec, SCALE};
use crate::plan::{Award, Comparison, Plan, PriorityMethod, Threshold};
use crate::results::{HeadResult, IndicatorResult, Status, Value};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use std::cmp::Ordering;

/// How far one met ratio goes beyond its threshold (INDICATORS.md section 6), exactly, as
/// the plan's method says, clamped to [0, 1]. With v = num/den and t = T/100:
/// `chuan_hoa` e = (v − t)/(1 − t); `vuot_tuong_doi` e = (v − t)/t (a threshold of 0:
/// 1 when v > 0); `so_chi_tieu_vuot` e = 1 when v > t, else 0.
fn excess(method: PriorityMethod, num: Dec, den: Dec, t: Dec) -> BigRational {
    let zero = BigRational::zero();
    if den.0 == 0 {
        return zero;
    }
    let v = BigRational::new(BigInt::from(num.0), BigInt::from(den.0));
    let t = BigRational::new(BigInt::from(t.0), BigInt::from(100 * SCALE));
    let one = BigRational::one();
    let e = match method {
        PriorityMethod::ChuanHoa if t < one => (&v - &t) / (&one - &t),
        PriorityMethod::ChuanHoa => zero.clone(),
        PriorityMethod::VuotTuongDoi if t.is_zero() => {
            if v > zero {
                one.clone()
            } else {
                zero.clone()
            }
        }
        PriorityMethod::VuotTuongDoi => (&v - &t) / &t,
        PriorityMethod::SoChiTieuVuot if v > t => one.clone(),
        PriorityMethod::SoChiTieuVuot => zero.clone(),
    };
    e.clamp(zero, one)
}

/// The weighted mean of `excess` over every ratio indicator that is met with a `>=`
/// threshold below 100%; 0 when there is none. Computed exactly and truncated once to six
/// decimals: the shown score is the compared one.
pub fn score(plan: &Plan, tier: &str, results: &[IndicatorResult]) -> Dec {
    let mut sum = BigRational::zero();
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
        let e = excess(plan.award.priority_method, s.num, s.den, *t);
        sum += e * BigRational::from_integer(BigInt::from(ind.weight.0));
        weights += ind.weight.0;
    }
    if weights == 0 {
        return Dec::ZERO;
    }
    let mean = sum * BigRational::new(BigInt::from(SCALE), BigInt::from(weights));
    // the mean lies in [0, 1]: its millionths fit an i128
    Dec(mean.floor().to_integer().to_i128().unwrap_or(0))
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

/// The suggested list (INDICATORS.md section 6): the top `quota` of the ranking; with the
/// plan's one-head-per-unit option, a unit's later-ranked heads are passed over, each kept
/// with the head of its unit that is suggested.
pub struct Suggested<'a> {
    pub heads: Vec<&'a HeadResult>,
    /// (passed over, the same unit's head suggested instead)
    pub passed_over: Vec<(&'a HeadResult, &'a HeadResult)>,
}

impl Suggested<'_> {
    /// Whether `h` (a head of a unit, by unit and term start) is among the suggestions.
    pub fn contains(&self, h: &HeadResult) -> bool {
        self.heads
            .iter()
            .any(|s| s.unit.code == h.unit.code && s.head.from == h.head.from)
    }
}

pub fn suggested<'a>(heads: &'a [HeadResult], award: &Award) -> Suggested<'a> {
    let mut out = Suggested {
        heads: Vec::new(),
        passed_over: Vec::new(),
    };
    for h in ranked(heads) {
        if out.heads.len() >= award.quota as usize {
            break;
        }
        match out
            .heads
            .iter()
            .find(|s| award.one_per_unit && s.unit.code == h.unit.code)
        {
            Some(first) => out.passed_over.push((h, *first)),
            None => out.heads.push(h),
        }
    }
    out
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

    /// `excess` in millionths, truncated, for readable expectations.
    fn e(method: PriorityMethod, num: Dec, den: Dec, t: Dec) -> i128 {
        let x = excess(method, num, den, t) * BigRational::from_integer(BigInt::from(SCALE));
        x.floor().to_integer().to_i128().unwrap()
    }

    #[test]
    fn excess_is_zero_at_the_threshold_and_one_at_full() {
        let c = PriorityMethod::ChuanHoa;
        assert_eq!(e(c, d(99), d(100), d(99)), 0);
        assert_eq!(e(c, d(100), d(100), d(99)), SCALE);
        // 99.5% against 99%: half-way
        assert_eq!(e(c, d(995), d(1000), d(99)), SCALE / 2);
        // 40% shortened against 35%: (0.40-0.35)/(0.65) = 0.076923
        assert_eq!(e(c, d(40), d(100), d(35)), 76_923);
        // below the threshold clamps to 0, above 100% to 1
        assert_eq!(e(c, d(90), d(100), d(95)), 0);
        assert_eq!(e(c, d(120), d(100), d(95)), SCALE);
    }

    #[test]
    fn the_other_methods_measure_the_excess_as_the_plan_says() {
        let (r, n) = (PriorityMethod::VuotTuongDoi, PriorityMethod::SoChiTieuVuot);
        // (0.40 − 0.35)/0.35 = 0.142857…
        assert_eq!(e(r, d(40), d(100), d(35)), 142_857);
        assert_eq!(e(r, d(35), d(100), d(35)), 0);
        assert_eq!(e(r, d(100), d(100), d(35)), SCALE, "clamped to 1");
        assert_eq!(
            e(r, d(1), d(100), d(0)),
            SCALE,
            "a threshold of 0: any excess is full"
        );
        assert_eq!(e(n, d(36), d(100), d(35)), SCALE);
        assert_eq!(e(n, d(35), d(100), d(35)), 0, "at the threshold is not above it");
    }

    #[test]
    fn excess_survives_trillions_of_dong() {
        let plan = Dec::parse("12000000000000").unwrap();
        let done = Dec::parse("11760000000000").unwrap(); // 98%
        assert_eq!(e(PriorityMethod::ChuanHoa, done, plan, d(95)), 600_000);
    }

    #[test]
    fn the_mean_is_exact_and_truncated_once() {
        // two ratios met against 35%: 40% and 45%, equal weights. Each excess truncated
        // first gives (76_923 + 153_846) / 2 = 115_384; the exact mean is
        // (1/13 + 2/13) / 2 = 3/26 = 0.115384615…, truncated once 115_384 — and with
        // thirds the two differ: 1/3 and 1/3 of the way give 0.333333 either way, but
        // 1/3 and 2/3 truncated first give (333_333 + 666_666)/2 = 499_999, exactly 500_000.
        let mut plan = Plan::built_in();
        plan.award.priority_method = PriorityMethod::ChuanHoa;
        let code = "tthc_rut_ngan";
        let ind = plan.indicator(code).unwrap().clone();
        let Some(Threshold::Number(t)) = ind.thresholds.get("tinh").copied() else {
            panic!("a numeric threshold")
        };
        // v such that e = 1/3 and 2/3: v = t + e(1 − t)
        let tt = t.0; // millionths of a percent
        let third = |k: i128| {
            // v = (3t + k(100 − t)) / 300, as num/den over 300·SCALE
            (Dec(3 * tt + k * (100 * SCALE - tt)), Dec(300 * SCALE))
        };
        let mk = |code: &str, (num, den): (Dec, Dec)| IndicatorResult {
            code: code.into(),
            value: Value::Ratio(crate::dossier::Sums { num, den }),
            status: Status::Dat,
            provisional: false,
            entries_used: 0,
        };
        let other = plan
            .indicators
            .iter()
            .find(|i| {
                i.code != code
                    && i.is_ratio()
                    && i.comparison == Comparison::Ge
                    && i.thresholds.get("tinh") == Some(&Threshold::Number(t))
            })
            .map(|i| i.code.clone());
        let Some(other) = other else {
            // no second ratio with the same threshold: make one
            let mut twin = ind.clone();
            twin.code = "rut_ngan_2".into();
            plan.indicators.push(twin);
            return the_mean_is_exact_with(&plan, code, "rut_ngan_2", third(1), third(2), mk);
        };
        the_mean_is_exact_with(&plan, code, &other, third(1), third(2), mk);
    }

    fn the_mean_is_exact_with(
        plan: &Plan,
        a: &str,
        b: &str,
        x: (Dec, Dec),
        y: (Dec, Dec),
        mk: impl Fn(&str, (Dec, Dec)) -> IndicatorResult,
    ) {
        let results = [mk(a, x), mk(b, y)];
        assert_eq!(score(plan, "tinh", &results), Dec(500_000));
    }

    #[test]
    fn the_score_shows_six_decimals_with_a_comma_never_rounded() {
        assert_eq!(score_vi(Dec(839_033)), "0,839033");
        assert_eq!(score_vi(Dec(999_999)), "0,999999");
        assert_eq!(score_vi(Dec(SCALE)), "1,000000");
        assert_eq!(score_vi(Dec::ZERO), "0,000000");
    }
}
