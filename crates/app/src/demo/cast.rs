//! Who does well and who does not, and the units, heads and procedures files.

use super::csv_text::row;
use super::places::*;
use super::procedures::*;
use super::rng::*;
use std::collections::BTreeSet;
use thidua_domain::time::Date;

// Who does well and who does not: chosen per seed, in fixed numbers, so every seed gives
// a province with a ranking worth reading and a few heads visibly short of a target.

/// How a unit handles its dossiers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Conduct {
    /// Chance that a dossier is resolved after its due date.
    pub(super) late: f64,
    /// Chance that a dossier of an online procedure is filed online.
    pub(super) online: f64,
    /// The share of the statutory time a timely dossier takes, drawn from this range.
    pub(super) pace: (f64, f64),
}

pub(super) struct Cast {
    pub(super) conduct: Vec<Conduct>,
    /// Units that miss the target of one entered indicator.
    pub(super) fails_value: Vec<bool>,
    /// Units that forgot to report one required indicator.
    pub(super) misses_value: Vec<bool>,
    /// Units whose values the movement office has verified (the others are submitted).
    pub(super) verified: Vec<bool>,
    /// Units that filed dossiers under the uncatalogued procedure.
    pub(super) uncatalogued: Vec<bool>,
}

impl Cast {
    pub(super) fn choose(units: &[DemoUnit], rng: &mut Rng) -> Cast {
        let n = units.len();
        let conduct = units
            .iter()
            .map(|u| {
                let online = if u.tier == "tinh" {
                    rng.between(0.965, 0.99)
                } else {
                    rng.between(0.88, 0.97)
                };
                Conduct {
                    late: 0.0005,
                    online,
                    pace: (0.15, 0.70),
                }
            })
            .collect();
        let mut cast = Cast {
            conduct,
            fails_value: vec![false; n],
            misses_value: vec![false; n],
            verified: vec![false; n],
            uncatalogued: vec![false; n],
        };
        let protected = |u: &DemoUnit| u.code == HEAD_CHANGE_UNIT || u.code == SHORT_TENURE_UNIT;
        let mut taken: BTreeSet<usize> = BTreeSet::new();
        let mut pick = |rng: &mut Rng, count: usize, ok: &dyn Fn(&DemoUnit) -> bool| {
            let mut pool: Vec<usize> = (0..n)
                .filter(|&i| !taken.contains(&i) && !protected(&units[i]) && ok(&units[i]))
                .collect();
            rng.shuffle(&mut pool);
            pool.truncate(count);
            taken.extend(pool.iter().copied());
            pool
        };
        // Late units fail `tthc_dung_han` (≥ 99%); slow ones `tthc_rut_ngan` (≥ 35%);
        // offline ones `dvc_truc_tuyen` (≥ 80%).
        let late: Vec<usize> = [
            pick(rng, 1, &|u| u.tier == "tinh" && u.dossiers >= 500),
            pick(rng, 1, &|u| u.tier == "huyen"),
            pick(rng, 2, &|u| u.tier == "xa"),
        ]
        .concat();
        for i in late {
            cast.conduct[i].late = rng.between(0.03, 0.06);
        }
        for i in [
            pick(rng, 1, &|u| u.tier == "tinh" && u.dossiers >= 500),
            pick(rng, 1, &|u| u.tier == "huyen"),
        ]
        .concat()
        {
            cast.conduct[i].pace = (0.7, 1.0);
        }
        for i in pick(rng, 2, &|u| u.tier != "tinh") {
            cast.conduct[i].online = rng.between(0.62, 0.74);
        }
        for i in pick(rng, n * 15 / 100, &|_| true) {
            cast.fails_value[i] = true;
        }
        for i in pick(rng, 1, &|_| true) {
            cast.misses_value[i] = true;
        }
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        for &i in &order[..n * 7 / 10] {
            cast.verified[i] = true;
        }
        let mut districts: Vec<usize> = (0..n).filter(|&i| units[i].tier == "huyen").collect();
        rng.shuffle(&mut districts);
        for &i in &districts[..2] {
            cast.uncatalogued[i] = true;
        }
        cast
    }
}

pub(super) fn units_csv(units: &[DemoUnit]) -> String {
    let mut out = String::from("ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\n");
    for u in units {
        row(
            &mut out,
            &[&u.code, &u.name, u.tier, u.parent.as_deref().unwrap_or("")],
        );
    }
    out
}

pub(super) fn heads_csv(units: &[DemoUnit], year: i32, rng: &mut Rng) -> String {
    let ymd = |y: i32, m: u32, d: u32| Date::from_ymd(y, m, d).expect("a valid date");
    let mut out = String::from("ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\n");
    let mut names = BTreeSet::new();
    for u in units {
        let terms = if u.code == HEAD_CHANGE_UNIT {
            vec![
                (ymd(year - 2, 6, 25), Some(ymd(year, 6, 30))),
                (ymd(year, 7, 1), None),
            ]
        } else if u.code == SHORT_TENURE_UNIT {
            vec![(ymd(year, 10, 1), None)]
        } else if u.tier == "tinh" {
            // Directors are appointed any time.
            vec![(rng.date(ymd(year - 5, 1, 1), ymd(year - 1, 12, 31)), None)]
        } else if rng.chance(0.75) {
            // Chairs are elected by the councils of the 2021–2026 term, most in the first
            // sessions, a few later.
            vec![(rng.date(ymd(year - 2, 6, 20), ymd(year - 2, 7, 15)), None)]
        } else {
            vec![(rng.date(ymd(year - 2, 8, 1), ymd(year - 1, 12, 31)), None)]
        };
        for (from, to) in terms {
            let name = rng.person(&mut names);
            row(
                &mut out,
                &[
                    &u.code,
                    &name,
                    &u.title,
                    &from.iso(),
                    &to.map(Date::iso).unwrap_or_default(),
                ],
            );
        }
    }
    out
}

pub(super) fn procedures_csv() -> String {
    let mut out = String::from("ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\n");
    for p in PROCEDURES {
        let days = if p.half_days % 2 == 0 {
            (p.half_days / 2).to_string()
        } else {
            format!("{}.5", p.half_days / 2)
        };
        row(&mut out, &[p.code, p.name, &days, p.level.code()]);
    }
    out
}
