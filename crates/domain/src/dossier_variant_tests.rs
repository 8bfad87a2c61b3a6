//! The variants the plan picks (INDICATORS.md 2.2 `cong_bo`, 2.3 `giai_quyet`), boundary by
//! boundary, each beside the default reading of the same dossiers.

use super::*;
use crate::plan::{Formula, Reading, RutNgan, TrucTuyen};
use crate::time::Date;

fn t(y: i32, m: u32, d: u32, h: u32) -> DateTime {
    DateTime::from_parts(Date::from_ymd(y, m, d).unwrap(), h, 0, 0).unwrap()
}

fn dec(n: i64) -> Dec {
    Dec::from_int(n)
}

fn proc(statutory: i64, published: Option<Dec>, level: OnlineLevel) -> ProcedureInfo {
    ProcedureInfo {
        statutory_days: dec(statutory),
        online_level: level,
        published_days: published,
    }
}

fn facts<'a>(
    recv: DateTime,
    due: DateTime,
    done: Option<DateTime>,
    st: DossierStatus,
    ch: Channel,
    p: Option<&'a ProcedureInfo>,
) -> DossierFacts<'a> {
    DossierFacts {
        unit: 0,
        procedure: p,
        received_at: recv,
        due_at: due,
        completed_at: done,
        channel: ch,
        status: st,
    }
}

fn year_end() -> DateTime {
    t(2023, 12, 31, 23)
}

const CONG_BO: Reading = Reading::TthcRutNgan(RutNgan::CongBo);
const THUC_TE: Reading = Reading::TthcRutNgan(RutNgan::ThucTe);
const TIEP_NHAN: Reading = Reading::DvcTrucTuyen(TrucTuyen::TiepNhan);
const GIAI_QUYET: Reading = Reading::DvcTrucTuyen(TrucTuyen::GiaiQuyet);

fn sums(num: Dec, den: Dec) -> Sums {
    Sums { num, den }
}

/// One returned dossier of `p`, received Wed 1/3/2023, completed `done` (March).
fn returned(p: &ProcedureInfo, done: DateTime) -> DossierTally {
    let mut tally = DossierTally::default();
    tally.add(
        &facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 15, 17),
            Some(done),
            DossierStatus::DaTraKetQua,
            Channel::TrucTiep,
            Some(p),
        ),
        &Calendar::built_in(),
        year_end(),
    );
    tally
}

#[test]
fn cong_bo_counts_the_published_cut_whatever_the_dossier_took() {
    let march = Month::new(2023, 3);
    // 10 days statutory, 6 published: 4 of 10 under cong_bo
    let p = proc(10, Some(dec(6)), OnlineLevel::Khong);
    // quick: Wed 1/3 → Thu 2/3 is 1 working day, so thuc_te gives 9
    let quick = returned(&p, t(2023, 3, 2, 9));
    assert_eq!(quick.get(THUC_TE, 0, march), sums(dec(9), dec(10)));
    assert_eq!(quick.get(CONG_BO, 0, march), sums(dec(4), dec(10)));
    // slow: 12 working days, −2 under thuc_te, still the published 4 under cong_bo
    let slow = returned(&p, t(2023, 3, 17, 9));
    assert_eq!(slow.get(THUC_TE, 0, march), sums(dec(-2), dec(10)));
    assert_eq!(slow.get(CONG_BO, 0, march), sums(dec(4), dec(10)));
    // published equal to statutory: nothing cut, the denominator stays
    let same = returned(&proc(10, Some(dec(10)), OnlineLevel::Khong), t(2023, 3, 2, 9));
    assert_eq!(same.get(CONG_BO, 0, march), sums(Dec::ZERO, dec(10)));
    // no published time: contributes 0 to the numerator, the statutory days below
    let none = returned(&proc(10, None, OnlineLevel::Khong), t(2023, 3, 2, 9));
    assert_eq!(none.get(CONG_BO, 0, march), sums(Dec::ZERO, dec(10)));
    assert_eq!(none.get(THUC_TE, 0, march), sums(dec(9), dec(10)));
    // a decimal published time: 10 − 7.5 = 2.5
    let half = Dec::parse("7.5").unwrap();
    let frac = returned(&proc(10, Some(half), OnlineLevel::Khong), t(2023, 3, 2, 9));
    assert_eq!(frac.get(CONG_BO, 0, march).num, Dec::parse("2.5").unwrap());
    // a bare formula reads the default variant
    assert_eq!(
        quick.get(Formula::TthcRutNgan, 0, march),
        quick.get(THUC_TE, 0, march)
    );
}

#[test]
fn cong_bo_keeps_the_selection_of_the_default_reading() {
    let cal = Calendar::built_in();
    let p = proc(10, Some(dec(6)), OnlineLevel::Khong);
    let zero = proc(0, Some(Dec::ZERO), OnlineLevel::Khong);
    let mut tally = DossierTally::default();
    let mut add = |st, done, p| {
        tally.add(
            &facts(
                t(2023, 3, 1, 8),
                t(2023, 3, 15, 17),
                done,
                st,
                Channel::TrucTiep,
                p,
            ),
            &cal,
            t(2023, 6, 30, 23),
        )
    };
    add(DossierStatus::TuChoi, Some(t(2023, 3, 2, 9)), Some(&p)); // refused
    add(DossierStatus::DangXuLy, None, Some(&p)); // unresolved
    add(DossierStatus::Rut, Some(t(2023, 3, 2, 9)), Some(&p)); // withdrawn
    add(DossierStatus::DaTraKetQua, Some(t(2023, 7, 3, 9)), Some(&p)); // after as-of
    add(DossierStatus::DaTraKetQua, Some(t(2023, 3, 2, 9)), Some(&zero)); // 0 statutory days
    add(DossierStatus::DaTraKetQua, Some(t(2023, 3, 2, 9)), None); // unknown procedure
    assert!(
        tally
            .cells()
            .all(|((r, _, _), _)| r.formula() != Formula::TthcRutNgan),
        "{tally:?}"
    );
}

#[test]
fn giai_quyet_counts_online_dossiers_in_the_month_they_are_decided() {
    let cal = Calendar::built_in();
    let p = proc(5, None, OnlineLevel::ToanTrinh);
    let (aug, sep, oct) = (Month::new(2023, 8), Month::new(2023, 9), Month::new(2023, 10));
    let mut tally = DossierTally::default();
    let mut add = |due, done, st, ch| {
        tally.add(
            &facts(t(2023, 8, 31, 8), due, done, st, ch, Some(&p)),
            &cal,
            t(2023, 10, 20, 0),
        )
    };
    // online, overdue and unresolved: decided (late) in September, its due month
    add(
        t(2023, 9, 8, 17),
        None,
        DossierStatus::DangXuLy,
        Channel::TrucTuyen,
    );
    // received in August, returned in September
    add(
        t(2023, 9, 8, 17),
        Some(t(2023, 9, 5, 9)),
        DossierStatus::DaTraKetQua,
        Channel::TrucTiep,
    );
    // refused in October: decided
    add(
        t(2023, 10, 30, 17),
        Some(t(2023, 10, 2, 9)),
        DossierStatus::TuChoi,
        Channel::TrucTuyen,
    );
    // not yet due at as-of, unresolved: not decided
    add(
        t(2023, 10, 25, 17),
        None,
        DossierStatus::DangXuLy,
        Channel::TrucTuyen,
    );
    // withdrawn, even past its due date and with a result date: never decided
    add(
        t(2023, 9, 8, 17),
        Some(t(2023, 9, 1, 9)),
        DossierStatus::Rut,
        Channel::TrucTuyen,
    );
    assert_eq!(tally.get(GIAI_QUYET, 0, sep), sums(Dec::ONE, dec(2)));
    assert_eq!(tally.get(GIAI_QUYET, 0, oct), sums(Dec::ONE, Dec::ONE));
    assert_eq!(tally.get(GIAI_QUYET, 0, aug), Sums::default());
    // tiep_nhan counts the same dossiers (but the withdrawn) in August, when received
    assert_eq!(tally.get(TIEP_NHAN, 0, aug), sums(dec(3), dec(4)));
    assert_eq!(tally.get(TIEP_NHAN, 0, sep), Sums::default());
    // giai_quyet's months and dens are exactly the on-time indicator's
    for m in [aug, sep, oct] {
        assert_eq!(
            tally.get(GIAI_QUYET, 0, m).den,
            tally.get(Formula::TthcDungHan, 0, m).den,
            "{m:?}"
        );
    }
}

#[test]
fn giai_quyet_counts_only_procedures_offered_online() {
    let cal = Calendar::built_in();
    let offline = proc(5, None, OnlineLevel::Khong);
    let partial = proc(5, None, OnlineLevel::MotPhan);
    let mut tally = DossierTally::default();
    for p in [Some(&offline), Some(&partial), None] {
        tally.add(
            &facts(
                t(2023, 5, 2, 8),
                t(2023, 5, 9, 17),
                Some(t(2023, 5, 3, 9)),
                DossierStatus::DaTraKetQua,
                Channel::TrucTuyen,
                p,
            ),
            &cal,
            year_end(),
        );
    }
    let may = Month::new(2023, 5);
    assert_eq!(tally.get(GIAI_QUYET, 0, may), sums(Dec::ONE, Dec::ONE));
    assert_eq!(tally.get(Formula::TthcDungHan, 0, may).den, dec(3));
}

#[test]
fn removing_takes_back_every_variant_exactly() {
    let cal = Calendar::built_in();
    let published = proc(10, Some(Dec::parse("6.5").unwrap()), OnlineLevel::ToanTrinh);
    let bare = proc(10, None, OnlineLevel::MotPhan);
    let rows = [
        facts(
            t(2023, 1, 30, 8),
            t(2023, 2, 10, 17),
            Some(t(2023, 2, 3, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTuyen,
            Some(&published),
        ),
        facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 15, 17),
            Some(t(2023, 3, 17, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTiep,
            Some(&bare),
        ),
        facts(
            t(2023, 4, 28, 8),
            t(2023, 5, 12, 17),
            None,
            DossierStatus::DangXuLy,
            Channel::TrucTuyen,
            Some(&published),
        ),
        facts(
            t(2023, 6, 1, 8),
            t(2023, 6, 12, 17),
            Some(t(2023, 7, 2, 9)),
            DossierStatus::TuChoi,
            Channel::TrucTuyen,
            Some(&bare),
        ),
    ];
    let sorted = |t: &DossierTally| {
        let mut v: Vec<_> = t.cells().collect();
        v.sort_by_key(|(k, _)| *k);
        v
    };
    // every row counts in some new cell, so the comparison below sees them
    let mut all = DossierTally::default();
    for r in &rows {
        all.add(r, &cal, year_end());
    }
    for r in [CONG_BO, GIAI_QUYET] {
        assert!(all.cells().any(|((x, _, _), _)| x == r), "{r:?}");
    }
    for (i, gone) in rows.iter().enumerate() {
        let mut kept = DossierTally::default();
        for (j, r) in rows.iter().enumerate() {
            if j != i {
                kept.add(r, &cal, year_end());
            }
        }
        let mut tally = all.clone();
        tally.remove(gone, &cal, year_end());
        tally.prune();
        assert_eq!(sorted(&tally), sorted(&kept), "row {i}");
    }
}
