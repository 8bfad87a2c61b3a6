//! Dossier-based indicators (INDICATORS.md section 2): the one place they are computed.
//!
//! `DossierTally::add` folds one dossier into per (indicator, unit, month) sums. The
//! store-backed evaluation and the `dossier-stats` fast path both feed rows through it,
//! so the two agree by construction.

use crate::calendar::Calendar;
use crate::num::Dec;
use crate::plan::Formula;
use crate::time::{DateTime, Month};
use rustc_hash::FxHashMap as HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    TrucTiep,
    TrucTuyen,
    BuuChinh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DossierStatus {
    DaTraKetQua,
    TuChoi,
    DangXuLy,
    Rut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnlineLevel {
    ToanTrinh,
    MotPhan,
    Khong,
}

macro_rules! codes {
    ($t:ty { $($v:ident = $code:literal / $vi:literal),* $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            pub fn code(self) -> &'static str { match self { $(<$t>::$v => $code),* } }
            pub fn vi(self) -> &'static str { match self { $(<$t>::$v => $vi),* } }
            /// The code or the Vietnamese label, ignoring case and diacritics. Exact
            /// spellings are matched first: this runs once per dossier on the hot path.
            pub fn parse(s: &str) -> Option<$t> {
                let s = s.trim();
                if let Some(v) = Self::ALL.iter().copied().find(|v| v.code() == s || v.vi() == s) {
                    return Some(v);
                }
                let k = crate::text::fold(s);
                Self::ALL.iter().copied().find(|v| crate::text::fold(v.code()) == k || crate::text::fold(v.vi()) == k)
            }
            /// Exactly the code (a `match`: a few compares of known length, no loop).
            #[inline]
            pub fn from_code(s: &str) -> Option<$t> {
                match s { $($code => Some(<$t>::$v),)* _ => None }
            }
            /// A small stable number for storage.
            pub fn id(self) -> u8 { Self::ALL.iter().position(|v| *v == self).unwrap() as u8 }
            pub fn from_id(id: u8) -> Option<$t> { Self::ALL.get(id as usize).copied() }
        }
    };
}
codes!(Channel { TrucTiep = "truc_tiep" / "Trực tiếp", TrucTuyen = "truc_tuyen" / "Trực tuyến", BuuChinh = "buu_chinh" / "Bưu chính" });
codes!(DossierStatus { DaTraKetQua = "da_tra_ket_qua" / "Đã trả kết quả", TuChoi = "tu_choi" / "Từ chối", DangXuLy = "dang_xu_ly" / "Đang xử lý", Rut = "rut" / "Rút hồ sơ" });
codes!(OnlineLevel { ToanTrinh = "toan_trinh" / "Toàn trình", MotPhan = "mot_phan" / "Một phần", Khong = "khong" / "Không" });

impl DossierStatus {
    pub fn is_completed(self) -> bool {
        matches!(self, DossierStatus::DaTraKetQua | DossierStatus::TuChoi)
    }
}

/// What the formulas need of a procedure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcedureInfo {
    pub statutory_days: Dec,
    pub online_level: OnlineLevel,
}

/// One dossier as the formulas see it; `unit` is the caller's dense unit index.
#[derive(Debug, Clone, Copy)]
pub struct DossierFacts<'a> {
    pub unit: u32,
    pub procedure: Option<&'a ProcedureInfo>,
    pub received_at: DateTime,
    pub due_at: DateTime,
    pub completed_at: Option<DateTime>,
    pub channel: Channel,
    pub status: DossierStatus,
}

/// Numerator and denominator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub num: Dec,
    pub den: Dec,
}

impl std::ops::AddAssign for Sums {
    fn add_assign(&mut self, o: Sums) {
        self.num += o.num;
        self.den += o.den;
    }
}

/// Sums per (indicator, unit, month): kept per (unit, month) with the three indicators
/// side by side, since a dossier's contributions mostly fall in one month — one hash
/// lookup instead of three on the ingest hot path (FxHash: the keys are small integers).
#[derive(Debug, Clone, Default)]
pub struct DossierTally {
    months: HashMap<(u32, Month), [Sums; 3]>,
    /// Dossiers whose procedure code is not in the catalogue, by (unit, month received).
    pub unknown_procedure: HashMap<(u32, Month), u64>,
}

fn slot(f: Formula) -> usize {
    match f {
        Formula::TthcDungHan => 0,
        Formula::TthcRutNgan => 1,
        Formula::DvcTrucTuyen => 2,
    }
}

impl DossierTally {
    pub fn add(&mut self, d: &DossierFacts, cal: &Calendar, as_of: DateTime) {
        self.apply(d, cal, as_of, 1)
    }

    /// Takes back what `add` counted for `d`: when a later row of the same dossier code
    /// replaces an earlier one, the earlier one's contribution is removed.
    pub fn remove(&mut self, d: &DossierFacts, cal: &Calendar, as_of: DateTime) {
        self.apply(d, cal, as_of, -1)
    }

    fn apply(&mut self, d: &DossierFacts, cal: &Calendar, as_of: DateTime, sign: i8) {
        let one = if sign > 0 { Dec::ONE } else { -Dec::ONE };
        let signed = |x: Dec| if sign > 0 { x } else { -x };
        // (indicator, month, sums): at most one per indicator
        let mut adds: [(usize, Month, Sums); 3] = [(0, Month(0), Sums::default()); 3];
        let mut n = 0;
        let done = d.completed_at.filter(|c| d.status.is_completed() && *c <= as_of);
        // 2.1 on time: decided in the month of completion, or late in the month of the due date
        if let Some(c) = done {
            let on_time = if c <= d.due_at { one } else { Dec::ZERO };
            adds[n] = (0, c.month(), Sums { num: on_time, den: one });
            n += 1;
        } else if d.status != DossierStatus::Rut && d.due_at < as_of {
            adds[n] = (0, d.due_at.month(), Sums { num: Dec::ZERO, den: one });
            n += 1;
        }
        match d.procedure {
            None => {
                let c = self.unknown_procedure.entry((d.unit, d.received_at.month())).or_default();
                *c = c.wrapping_add_signed(sign as i64);
            }
            Some(p) => {
                // 2.2 time shortened against the statutory time
                if let (Some(c), DossierStatus::DaTraKetQua) = (done, d.status) {
                    if p.statutory_days > Dec::ZERO {
                        let used = Dec::from_int(cal.working_days(d.received_at, c));
                        adds[n] = (1, c.month(), Sums { num: signed(p.statutory_days - used), den: signed(p.statutory_days) });
                        n += 1;
                    }
                }
                // 2.3 online share among procedures offered online
                if d.status != DossierStatus::Rut
                    && d.received_at <= as_of
                    && matches!(p.online_level, OnlineLevel::ToanTrinh | OnlineLevel::MotPhan)
                {
                    let online = if d.channel == Channel::TrucTuyen { one } else { Dec::ZERO };
                    adds[n] = (2, d.received_at.month(), Sums { num: online, den: one });
                    n += 1;
                }
            }
        }
        // one lookup per distinct month
        let mut applied = [false; 3];
        for i in 0..n {
            if applied[i] {
                continue;
            }
            let cell = self.months.entry((d.unit, adds[i].1)).or_default();
            for j in i..n {
                if !applied[j] && adds[j].1 == adds[i].1 {
                    cell[adds[j].0] += adds[j].2;
                    applied[j] = true;
                }
            }
        }
    }

    /// Adds `s` to one cell.
    pub fn add_sums(&mut self, f: Formula, unit: u32, m: Month, s: Sums) {
        self.months.entry((unit, m)).or_default()[slot(f)] += s;
    }

    pub fn get(&self, f: Formula, unit: u32, m: Month) -> Sums {
        self.months.get(&(unit, m)).map(|c| c[slot(f)]).unwrap_or_default()
    }

    /// Every cell that holds something, as ((indicator, unit, month), sums).
    pub fn cells(&self) -> impl Iterator<Item = ((Formula, u32, Month), Sums)> + '_ {
        self.months.iter().flat_map(|(&(u, m), c)| {
            Formula::ALL.into_iter().map(move |f| ((f, u, m), c[slot(f)])).filter(|(_, s)| *s != Sums::default())
        })
    }

    /// Adds every cell of `other`, its units renumbered by `unit`.
    pub fn merge_mapped(&mut self, other: DossierTally, unit: impl Fn(u32) -> u32) {
        for ((u, m), c) in other.months {
            let cell = self.months.entry((unit(u), m)).or_default();
            for i in 0..3 {
                cell[i] += c[i];
            }
        }
        for ((u, m), n) in other.unknown_procedure {
            let c = self.unknown_procedure.entry((unit(u), m)).or_default();
            *c = c.wrapping_add(n);
        }
    }

    /// Drops what removals brought back to zero, so that "a non-zero denominator" means
    /// what it says.
    pub fn prune(&mut self) {
        self.months.retain(|_, c| c.iter().any(|s| *s != Sums::default()));
        self.unknown_procedure.retain(|_, n| *n != 0);
    }
}

#[cfg(test)]
#[path = "dossier_tests.rs"]
mod tests;
