use super::*;
use crate::plan::{Formula, Reading};
use crate::time::Date;

fn t(y: i32, m: u32, d: u32, h: u32) -> DateTime {
    DateTime::from_parts(Date::from_ymd(y, m, d).unwrap(), h, 0, 0).unwrap()
}

const P10: ProcedureInfo = ProcedureInfo {
    statutory_days: Dec(10 * crate::num::SCALE),
    online_level: OnlineLevel::ToanTrinh,
    published_days: None,
};

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

#[test]
fn a_completed_dossier_counts_in_its_completion_month() {
    let cal = Calendar::built_in();
    let mut tally = DossierTally::default();
    tally.add(
        &facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 15, 17),
            Some(t(2023, 4, 3, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTiep,
            Some(&P10),
        ),
        &cal,
        year_end(),
    );
    let s = tally.get(Formula::TthcDungHan, 0, Month::new(2023, 4));
    assert_eq!((s.num, s.den), (Dec::ZERO, Dec::ONE), "late, in April");
    assert_eq!(
        tally.get(Formula::TthcDungHan, 0, Month::new(2023, 3)).den,
        Dec::ZERO
    );
}

#[test]
fn overdue_unresolved_dossiers_are_late_in_the_month_of_their_due_date() {
    let cal = Calendar::built_in();
    let mut tally = DossierTally::default();
    let d = facts(
        t(2023, 5, 2, 8),
        t(2023, 6, 20, 17),
        None,
        DossierStatus::DangXuLy,
        Channel::TrucTuyen,
        Some(&P10),
    );
    tally.add(&d, &cal, year_end());
    assert_eq!(
        tally.get(Formula::TthcDungHan, 0, Month::new(2023, 6)),
        Sums {
            num: Dec::ZERO,
            den: Dec::ONE
        }
    );
    // not yet due at as-of: not counted
    let mut early = DossierTally::default();
    early.add(&d, &cal, t(2023, 6, 10, 0));
    assert!(early.cells().all(|(k, _)| k.0 != Reading::TthcDungHan));
    // completed after as-of counts as overdue-unresolved at that as-of
    let mut later = DossierTally::default();
    let done_late = facts(
        t(2023, 5, 2, 8),
        t(2023, 6, 20, 17),
        Some(t(2023, 7, 3, 9)),
        DossierStatus::DaTraKetQua,
        Channel::TrucTiep,
        Some(&P10),
    );
    later.add(&done_late, &cal, t(2023, 6, 30, 23));
    assert_eq!(
        later.get(Formula::TthcDungHan, 0, Month::new(2023, 6)).den,
        Dec::ONE
    );
    assert_eq!(
        later.get(Formula::TthcRutNgan, 0, Month::new(2023, 7)).den,
        Dec::ZERO
    );
}

#[test]
fn withdrawn_dossiers_are_excluded_everywhere() {
    let cal = Calendar::built_in();
    let mut tally = DossierTally::default();
    tally.add(
        &facts(
            t(2023, 5, 2, 8),
            t(2023, 5, 5, 17),
            Some(t(2023, 5, 3, 9)),
            DossierStatus::Rut,
            Channel::TrucTuyen,
            Some(&P10),
        ),
        &cal,
        year_end(),
    );
    tally.add(
        &facts(
            t(2023, 5, 2, 8),
            t(2023, 5, 5, 17),
            None,
            DossierStatus::Rut,
            Channel::TrucTuyen,
            Some(&P10),
        ),
        &cal,
        year_end(),
    );
    assert_eq!(tally.cells().count(), 0, "{tally:?}");
}

#[test]
fn shortened_time_uses_working_days_and_goes_negative_when_slow() {
    let cal = Calendar::built_in();
    let mut tally = DossierTally::default();
    // Thu 19/01/2023 -> Fri 27/01/2023 across Tết: 1 working day of 10 → +9
    tally.add(
        &facts(
            t(2023, 1, 19, 8),
            t(2023, 2, 2, 17),
            Some(t(2023, 1, 27, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTiep,
            Some(&P10),
        ),
        &cal,
        year_end(),
    );
    let s = tally.get(Formula::TthcRutNgan, 0, Month::new(2023, 1));
    assert_eq!((s.num, s.den), (Dec::from_int(9), Dec::from_int(10)));
    // 12 working days for a 10-day procedure: −2
    let mut slow = DossierTally::default();
    slow.add(
        &facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 15, 17),
            Some(t(2023, 3, 17, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTiep,
            Some(&P10),
        ),
        &cal,
        year_end(),
    );
    assert_eq!(
        slow.get(Formula::TthcRutNgan, 0, Month::new(2023, 3)).num,
        Dec::from_int(-2)
    );
    // refused dossiers are decided (on-time ratio) but not in the shortened ratio
    let mut refused = DossierTally::default();
    refused.add(
        &facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 15, 17),
            Some(t(2023, 3, 2, 9)),
            DossierStatus::TuChoi,
            Channel::TrucTiep,
            Some(&P10),
        ),
        &cal,
        year_end(),
    );
    assert_eq!(
        refused.get(Formula::TthcDungHan, 0, Month::new(2023, 3)).num,
        Dec::ONE
    );
    assert_eq!(
        refused.get(Formula::TthcRutNgan, 0, Month::new(2023, 3)).den,
        Dec::ZERO
    );
}

#[test]
fn zero_statutory_days_and_unknown_procedures_stay_out_of_the_shortened_ratio() {
    let cal = Calendar::built_in();
    let zero = ProcedureInfo {
        statutory_days: Dec::ZERO,
        online_level: OnlineLevel::Khong,
        published_days: None,
    };
    let mut tally = DossierTally::default();
    tally.add(
        &facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 1, 17),
            Some(t(2023, 3, 1, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTiep,
            Some(&zero),
        ),
        &cal,
        year_end(),
    );
    tally.add(
        &facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 1, 17),
            Some(t(2023, 3, 1, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTuyen,
            None,
        ),
        &cal,
        year_end(),
    );
    assert_eq!(
        tally.get(Formula::TthcRutNgan, 0, Month::new(2023, 3)).den,
        Dec::ZERO
    );
    assert_eq!(
        tally.get(Formula::DvcTrucTuyen, 0, Month::new(2023, 3)).den,
        Dec::ZERO
    );
    assert_eq!(
        tally.get(Formula::TthcDungHan, 0, Month::new(2023, 3)).den,
        Dec::from_int(2)
    );
    assert_eq!(tally.unknown_procedure[&(0, Month::new(2023, 3))], 1);
}

#[test]
fn online_share_counts_only_procedures_offered_online_in_the_month_received() {
    let cal = Calendar::built_in();
    let partial = ProcedureInfo {
        statutory_days: Dec::from_int(5),
        online_level: OnlineLevel::MotPhan,
        published_days: None,
    };
    let none = ProcedureInfo {
        statutory_days: Dec::from_int(5),
        online_level: OnlineLevel::Khong,
        published_days: None,
    };
    let mut tally = DossierTally::default();
    let add = |tally: &mut DossierTally, ch, p| {
        tally.add(
            &facts(
                t(2023, 8, 31, 8),
                t(2023, 9, 8, 17),
                None,
                DossierStatus::DangXuLy,
                ch,
                Some(p),
            ),
            &cal,
            year_end(),
        )
    };
    add(&mut tally, Channel::TrucTuyen, &P10);
    add(&mut tally, Channel::TrucTiep, &partial);
    add(&mut tally, Channel::BuuChinh, &P10);
    add(&mut tally, Channel::TrucTuyen, &none);
    let s = tally.get(Formula::DvcTrucTuyen, 0, Month::new(2023, 8));
    assert_eq!((s.num, s.den), (Dec::ONE, Dec::from_int(3)));
}

#[test]
fn codes_parse_from_codes_and_vietnamese_labels() {
    assert_eq!(DossierStatus::parse("Rút hồ sơ"), Some(DossierStatus::Rut));
    assert_eq!(
        DossierStatus::parse("da_tra_ket_qua"),
        Some(DossierStatus::DaTraKetQua)
    );
    assert_eq!(DossierStatus::parse("ĐANG XỬ LÝ"), Some(DossierStatus::DangXuLy));
    assert_eq!(Channel::parse("Trực tuyến"), Some(Channel::TrucTuyen));
    assert_eq!(OnlineLevel::parse("Một phần"), Some(OnlineLevel::MotPhan));
    assert_eq!(OnlineLevel::parse("khong"), Some(OnlineLevel::Khong));
    assert_eq!(Channel::parse("email"), None);
    assert_eq!(
        DossierStatus::from_id(DossierStatus::Rut.id()),
        Some(DossierStatus::Rut)
    );
}

#[test]
fn removing_a_dossier_takes_back_exactly_what_adding_counted() {
    let cal = Calendar::built_in();
    let rows = [
        facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 15, 17),
            Some(t(2023, 3, 17, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTuyen,
            Some(&P10),
        ),
        facts(
            t(2023, 5, 2, 8),
            t(2023, 6, 20, 17),
            None,
            DossierStatus::DangXuLy,
            Channel::TrucTiep,
            Some(&P10),
        ),
        facts(
            t(2023, 5, 2, 8),
            t(2023, 6, 20, 17),
            None,
            DossierStatus::DangXuLy,
            Channel::TrucTiep,
            None,
        ),
    ];
    let mut kept = DossierTally::default();
    kept.add(&rows[0], &cal, year_end());
    let mut tally = DossierTally::default();
    for r in &rows {
        tally.add(r, &cal, year_end());
    }
    tally.remove(&rows[1], &cal, year_end());
    tally.remove(&rows[2], &cal, year_end());
    tally.prune();
    let sorted = |t: &DossierTally| {
        let mut v: Vec<_> = t.cells().map(|(k, s)| (format!("{k:?}"), s)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(sorted(&tally), sorted(&kept));
    assert!(tally.unknown_procedure.is_empty());
}

#[test]
fn from_code_takes_exactly_the_codes() {
    for c in Channel::ALL {
        assert_eq!(Channel::from_code(c.code()), Some(*c));
        assert_eq!(Channel::from_code(c.vi()), None);
    }
    for s in DossierStatus::ALL {
        assert_eq!(DossierStatus::from_code(s.code()), Some(*s));
        assert_eq!(DossierStatus::from_code(&format!("{} ", s.code())), None);
    }
    assert_eq!(OnlineLevel::from_code("toan_trinh"), Some(OnlineLevel::ToanTrinh));
    assert_eq!(DossierStatus::from_code("RUT"), None);
}

#[test]
fn the_tally_keeps_every_month_of_every_unit_near_or_far() {
    use crate::time::Month;
    let s = |n: i64| Sums {
        num: Dec::from_int(n),
        den: Dec::from_int(n + 1),
    };
    let mut t = DossierTally::default();
    // unit 3 first, then months before, after, and one far away (a run spills, it does not grow)
    let put = [
        (3, Month::new(2023, 5), 1),
        (3, Month::new(2022, 1), 2),
        (3, Month::new(2023, 12), 3),
        (3, Month::new(2060, 1), 4),
        (0, Month::new(1990, 1), 5),
    ];
    for (u, m, n) in put {
        t.add_sums(Formula::TthcRutNgan, u, m, s(n));
    }
    t.add_sums(Formula::TthcRutNgan, 3, Month::new(2023, 5), s(10));
    let want = |n: i64| {
        if n == 1 {
            Sums {
                num: Dec::from_int(11),
                den: Dec::from_int(13),
            }
        } else {
            s(n)
        }
    };
    for (u, m, n) in put {
        assert_eq!(t.get(Formula::TthcRutNgan, u, m), want(n), "{u} {m:?}");
        assert_eq!(t.get(Formula::TthcDungHan, u, m), Sums::default());
    }
    assert_eq!(
        t.get(Formula::TthcRutNgan, 3, Month::new(2023, 6)),
        Sums::default()
    );
    assert_eq!(
        t.get(Formula::TthcRutNgan, 7, Month::new(2023, 5)),
        Sums::default()
    );
    let mut cells: Vec<_> = t.cells().collect();
    cells.sort_by_key(|((_, u, m), _)| (*u, *m));
    let mut expected: Vec<_> = put
        .iter()
        .map(|&(u, m, n)| ((Reading::from(Formula::TthcRutNgan), u, m), want(n)))
        .collect();
    expected.sort_by_key(|((_, u, m), _)| (*u, *m));
    assert_eq!(cells, expected);
    // merged under other unit numbers, and taken back to nothing
    let mut merged = DossierTally::default();
    merged.merge_mapped(t.clone(), |u| u + 1);
    assert_eq!(merged.get(Formula::TthcRutNgan, 4, Month::new(2060, 1)), s(4));
    assert_eq!(merged.get(Formula::TthcRutNgan, 1, Month::new(1990, 1)), s(5));
    for ((f, u, m), x) in t.cells() {
        merged.add_sums(
            f,
            u + 1,
            m,
            Sums {
                num: -x.num,
                den: -x.den,
            },
        );
    }
    merged.prune();
    assert_eq!(merged.cells().count(), 0);
}

/// The cache of a running year reuses a tally until its `next_change`: at every instant
/// before it the tally is the same as one computed afresh.
#[test]
fn a_tally_holds_until_its_next_change() {
    let cal = Calendar::built_in();
    let rows = [
        // decided on 10/03 09:00 (on time)
        facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 15, 17),
            Some(t(2023, 3, 10, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTuyen,
            Some(&P10),
        ),
        // pending, due 12/03 17:00: late one second after
        facts(
            t(2023, 3, 2, 8),
            t(2023, 3, 12, 17),
            None,
            DossierStatus::DangXuLy,
            Channel::TrucTiep,
            Some(&P10),
        ),
        // received 11/03 10:00 (online share), decided after its due time
        facts(
            t(2023, 3, 11, 10),
            t(2023, 3, 11, 16),
            Some(t(2023, 3, 13, 8)),
            DossierStatus::TuChoi,
            Channel::TrucTuyen,
            Some(&P10),
        ),
        // withdrawn: never changes anything
        facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 5, 17),
            None,
            DossierStatus::Rut,
            Channel::TrucTiep,
            Some(&P10),
        ),
    ];
    let tally_at = |as_of: DateTime| {
        let mut tally = DossierTally::default();
        for r in &rows {
            tally.add(r, &cal, as_of);
        }
        tally
    };
    let cells = |t: &DossierTally| {
        let mut v: Vec<_> = t.cells().map(|(k, s)| (format!("{k:?}"), s)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    // every event instant, one second either side, and every six hours of the month
    let mut instants: Vec<DateTime> = (0..31 * 4)
        .map(|i| DateTime(t(2023, 3, 1, 0).0 + i * 21_600))
        .collect();
    for r in &rows {
        for e in [Some(r.received_at), Some(r.due_at), r.completed_at]
            .into_iter()
            .flatten()
        {
            instants.extend([DateTime(e.0 - 1), e, DateTime(e.0 + 1)]);
        }
    }
    instants.sort();
    let mut changes = 0;
    for &made in &instants {
        let tally = tally_at(made);
        for &later in instants.iter().filter(|&&x| x >= made) {
            let same = cells(&tally_at(later)) == cells(&tally);
            if tally.holds_at(made, later) {
                assert!(
                    same,
                    "made at {made:?}, asked at {later:?}: the tally changed before {:?}",
                    tally.next_change
                );
            }
            // (a change of how a dossier counts may leave the sums as they were: a late
            // dossier decided late is late in the same month)
            if Some(later) == tally.next_change && !same {
                changes += 1;
            }
        }
        assert!(
            !tally.holds_at(made, DateTime(made.0 - 1)),
            "never for an earlier as-of"
        );
    }
    assert!(changes > 3, "the next change is where the sums change: {changes}");
    // after the last event the tally holds for ever
    assert_eq!(tally_at(t(2023, 4, 1, 0)).next_change, None);
}

/// `settles_at` is exactly the last change: from it on a dossier counts as at the end of
/// time (kept sums rely on that), and one second before it, it mostly counts differently
/// (the bound is tight, so few dossiers are read again). Over every order of receipt, due and completion on a
/// small grid of instants around a month's end, every status and both channels.
#[test]
fn a_dossier_settles_at_its_last_change_and_counts_as_at_the_end_of_time_from_then_on() {
    let cal = Calendar::built_in();
    let base = t(2023, 3, 31, 22).0;
    let grid: Vec<DateTime> = (0..6).map(|i| DateTime(base + i * 1_800)).collect();
    let cells = |t: &DossierTally| {
        let mut v: Vec<_> = t.cells().map(|(k, s)| (format!("{k:?}"), s)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let one = |d: &DossierFacts, as_of: DateTime| {
        let mut tally = DossierTally::default();
        tally.add(d, &cal, as_of);
        cells(&tally)
    };
    let (mut checked, mut counted, mut tight) = (0, 0, 0);
    for &recv in &grid {
        for &due in grid.iter().filter(|&&d| d >= recv) {
            let completions =
                std::iter::once(None).chain(grid.iter().filter(|&&c| c >= recv).map(|&c| Some(c)));
            for done in completions {
                for st in [
                    DossierStatus::DaTraKetQua,
                    DossierStatus::TuChoi,
                    DossierStatus::DangXuLy,
                    DossierStatus::Rut,
                ] {
                    if st.is_completed() && done.is_none() {
                        continue; // the importer refuses it
                    }
                    for ch in [Channel::TrucTuyen, Channel::TrucTiep] {
                        let d = facts(recv, due, done, st, ch, Some(&P10));
                        let settled = settles_at(st, recv, due, done);
                        let end = one(&d, DateTime::END);
                        for dt in [0, 1, 59, 3_600, 86_400 * 40] {
                            assert_eq!(
                                one(&d, DateTime(settled.0 + dt)),
                                end,
                                "{d:?} at {settled:?} + {dt}"
                            );
                        }
                        // a second before, it usually counts differently (not always: a
                        // refusal after its due time in the due time's month is late in
                        // the same month either way)
                        if !end.is_empty() {
                            counted += 1;
                            if one(&d, DateTime(settled.0 - 1)) != end {
                                tight += 1;
                            }
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
    assert!(tight * 10 > counted * 8, "{tight} of {counted}");
}

/// A bounded tally keeps the months up to its bound exactly and nothing after it.
#[test]
fn a_bounded_tally_keeps_no_month_after_its_bound() {
    let cal = Calendar::built_in();
    let rows = [
        facts(
            t(2023, 3, 1, 8),
            t(2023, 3, 10, 17),
            Some(t(2023, 3, 9, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTuyen,
            Some(&P10),
        ),
        facts(
            t(2023, 3, 20, 8),
            t(2023, 4, 10, 17),
            Some(t(2023, 4, 12, 9)),
            DossierStatus::DaTraKetQua,
            Channel::TrucTiep,
            Some(&P10),
        ),
        facts(
            t(2023, 4, 2, 8),
            t(2023, 4, 20, 17),
            None,
            DossierStatus::DangXuLy,
            Channel::TrucTuyen,
            Some(&P10),
        ),
    ];
    let march = Month::new(2023, 3);
    let (mut full, mut bounded) = (DossierTally::default(), DossierTally::bounded(march));
    for r in &rows {
        full.add(r, &cal, DateTime::END);
        bounded.add(r, &cal, DateTime::END);
    }
    let upto = |t: &DossierTally, m: Month| {
        let mut v: Vec<_> = t
            .cells()
            .filter(|((_, _, month), _)| *month <= m)
            .map(|c| format!("{c:?}"))
            .collect();
        v.sort();
        v
    };
    assert!(!upto(&bounded, march).is_empty());
    assert_eq!(upto(&bounded, march), upto(&full, march));
    assert!(bounded.cells().all(|((_, _, m), _)| m <= march));
    assert!(full.cells().any(|((_, _, m), _)| m > march));
}
