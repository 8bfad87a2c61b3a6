//! A year of one-stop-shop dossiers.

use super::cast::*;
use super::places::*;
use super::procedures::*;
use super::rng::*;
use std::fmt::Write as _;
use thidua_domain::calendar::Calendar;
use thidua_domain::dossier::OnlineLevel::{Khong, MotPhan, ToanTrinh};
use thidua_domain::dossier::{Channel, DossierStatus};
use thidua_domain::time::{Date, DateTime};

/// Relative dossier traffic per month: quieter around Tết, busier at the year's end.
pub(super) const MONTH_WEIGHT: [u64; 12] = [80, 90, 110, 100, 95, 105, 100, 105, 95, 105, 105, 115];

pub(super) const OPEN: u32 = 7 * 3600 + 30 * 60;
pub(super) const NOON: u32 = 12 * 3600;
pub(super) const LUNCH: (u32, u32) = (11 * 3600 + 30 * 60, 13 * 3600 + 30 * 60);
/// Reception closes half an hour before the end of the day.
pub(super) const LAST_RECEIPT: u32 = 16 * 3600 + 30 * 60;
pub(super) const CLOSE: u32 = 17 * 3600;

/// The year's working days, weighted by month, to draw reception days from.
pub(super) struct WorkingDays {
    pub(super) days: Vec<Date>,
    pub(super) cumulative: Vec<u64>,
}

impl WorkingDays {
    pub(super) fn of_year(cal: &Calendar, year: i32) -> WorkingDays {
        let (mut days, mut cumulative, mut total) = (Vec::new(), Vec::new(), 0);
        let mut d = Date::from_ymd(year, 1, 1).expect("1 January");
        while d.ymd().0 == year {
            if cal.is_working_day(d) {
                total += MONTH_WEIGHT[d.ymd().1 as usize - 1];
                days.push(d);
                cumulative.push(total);
            }
            d = d.succ();
        }
        WorkingDays { days, cumulative }
    }
    pub(super) fn draw(&self, rng: &mut Rng) -> Date {
        let x = rng.below(*self.cumulative.last().expect("a year has working days"));
        self.days[self.cumulative.partition_point(|&c| c <= x)]
    }
}

/// The `n`-th working day after `d` (`d` itself for 0).
pub(super) fn add_working_days(cal: &Calendar, mut d: Date, mut n: u32) -> Date {
    while n > 0 {
        d = d.succ();
        if cal.is_working_day(d) {
            n -= 1;
        }
    }
    d
}

pub(super) fn at(d: Date, secs: u32) -> DateTime {
    DateTime(d.start().0 + secs as i64)
}

pub(super) struct Dossier {
    pub(super) procedure: &'static str,
    pub(super) received: DateTime,
    pub(super) due: DateTime,
    pub(super) done: Option<DateTime>,
    pub(super) channel: Channel,
    pub(super) status: DossierStatus,
}

/// One dossier of procedure `p` at a unit of conduct `c`, received in the year.
pub(super) fn dossier(
    p: &Procedure,
    c: &Conduct,
    days: &WorkingDays,
    cal: &Calendar,
    year_end: Date,
    rng: &mut Rng,
) -> Dossier {
    let day = days.draw(rng);
    let t0 = if rng.chance(0.6) {
        rng.between_u32(OPEN, LUNCH.0)
    } else {
        rng.between_u32(LUNCH.1, LAST_RECEIPT)
    };
    // Due: whole statutory days after reception at the close of day; half a day more is
    // the same afternoon for a morning reception, else the next working morning.
    let whole = p.half_days / 2;
    let mut due_day = add_working_days(cal, day, whole);
    let mut due_secs = CLOSE;
    if p.half_days % 2 == 1 && t0 >= NOON {
        due_day = add_working_days(cal, due_day, 1);
        due_secs = LUNCH.0;
    }
    let due = at(due_day, due_secs);
    let online = match p.level {
        ToanTrinh => (c.online + 0.03).min(0.995),
        MotPhan => c.online - 0.02,
        Khong => 0.0,
    };
    let channel = if rng.chance(online) {
        Channel::TrucTuyen
    } else if rng.chance(0.12) {
        Channel::BuuChinh
    } else {
        Channel::TrucTiep
    };
    let roll = rng.unit();
    let mut status = if roll < 0.008 {
        DossierStatus::Rut
    } else if roll < 0.028 {
        DossierStatus::TuChoi
    } else {
        DossierStatus::DaTraKetQua
    };
    let mut done = None;
    if status != DossierStatus::Rut {
        let finished = if status == DossierStatus::DaTraKetQua && rng.chance(c.late) {
            let d = add_working_days(cal, due_day, 1 + rng.below(5) as u32);
            at(d, rng.between_u32(OPEN, CLOSE))
        } else {
            // A refusal comes early; a result takes a share of the statutory time.
            let pace = if status == DossierStatus::TuChoi {
                rng.between(0.0, 0.5)
            } else {
                rng.between(c.pace.0, c.pace.1)
            };
            let k = (whole as f64 * pace).floor() as u32;
            let d = add_working_days(cal, day, k.min(whole));
            let lo = if d == day { t0 + 600 } else { OPEN };
            let hi = if d == due_day { due_secs } else { CLOSE };
            at(d, rng.between_u32(lo, hi))
        };
        // Not finished by the year's end: still in progress in this year's export.
        if finished.date() > year_end {
            status = DossierStatus::DangXuLy;
        } else {
            done = Some(finished);
        }
    }
    Dossier {
        procedure: p.code,
        received: at(day, t0),
        due,
        done,
        channel,
        status,
    }
}

pub(super) fn dossiers_csv(units: &[DemoUnit], cast: &Cast, cal: &Calendar, year: i32, seed: u64) -> String {
    let days = WorkingDays::of_year(cal, year);
    let year_end = Date::from_ymd(year, 12, 31).expect("31 December");
    let mut out = String::with_capacity(64 * 100_000);
    out.push_str("ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n");
    for (i, u) in units.iter().enumerate() {
        let rng = &mut Rng::stream(seed, &format!("dossiers/{}", u.code));
        let procedures: Vec<&Procedure> = u.procedures.iter().map(|&p| &PROCEDURES[p]).collect();
        let total: u64 = procedures.iter().map(|p| p.weight as u64).sum();
        let count = u.dossiers as u64 * (85 + rng.below(31)) / 100;
        let mut list: Vec<Dossier> = (0..count)
            .map(|_| {
                // A procedure with probability proportional to its weight.
                let mut x = rng.below(total);
                let mut chosen = procedures[0];
                for p in &procedures {
                    if x < p.weight as u64 {
                        chosen = p;
                        break;
                    }
                    x -= p.weight as u64;
                }
                dossier(chosen, &cast.conduct[i], &days, cal, year_end, rng)
            })
            .collect();
        if cast.uncatalogued[i] {
            for _ in 0..3 + rng.below(4) {
                list.push(dossier(
                    &UNCATALOGUED,
                    &cast.conduct[i],
                    &days,
                    cal,
                    year_end,
                    rng,
                ));
            }
        }
        // An export lists dossiers by reception; codes number them per unit and day.
        list.sort_by_key(|d| d.received);
        let mut seq = (Date(0), 0);
        for d in &list {
            let day = d.received.date();
            seq = if seq.0 == day { (day, seq.1 + 1) } else { (day, 1) };
            let (y, m, dd) = day.ymd();
            let _ = write!(
                out,
                "{}-{:02}{m:02}{dd:02}-{:04},{},{},",
                u.code,
                y % 100,
                seq.1,
                u.code,
                d.procedure
            );
            push_stamp(&mut out, Some(d.received));
            out.push(',');
            push_stamp(&mut out, Some(d.due));
            out.push(',');
            push_stamp(&mut out, d.done);
            let _ = writeln!(out, ",{},{}", d.channel.code(), d.status.code());
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS`, as one-stop-shop exports write it; nothing for `None`.
pub(super) fn push_stamp(out: &mut String, t: Option<DateTime>) {
    if let Some(t) = t {
        let (h, m, s) = t.hms();
        let _ = write!(out, "{} {h:02}:{m:02}:{s:02}", t.date().iso());
    }
}
