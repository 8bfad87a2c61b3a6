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

/// Sums per (indicator, unit, month). Hashed with FxHash: the keys are small integers and
/// this map is touched three times per dossier on the ingest hot path.
#[derive(Debug, Clone, Default)]
pub struct DossierTally {
    pub cells: HashMap<(Formula, u32, Month), Sums>,
    /// Dossiers whose procedure code is not in the catalogue, by (unit, month received).
    pub unknown_procedure: HashMap<(u32, Month), u64>,
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
        let done = d.completed_at.filter(|c| d.status.is_completed() && *c <= as_of);
        // 2.1 on time: decided in the month of completion, or late in the month of the due date
        if let Some(c) = done {
            let on_time = if c <= d.due_at { one } else { Dec::ZERO };
            *self.cells.entry((Formula::TthcDungHan, d.unit, c.month())).or_default() += Sums { num: on_time, den: one };
        } else if d.status != DossierStatus::Rut && d.due_at < as_of {
            *self.cells.entry((Formula::TthcDungHan, d.unit, d.due_at.month())).or_default() += Sums { num: Dec::ZERO, den: one };
        }
        match d.procedure {
            None => {
                let n = self.unknown_procedure.entry((d.unit, d.received_at.month())).or_default();
                *n = n.wrapping_add_signed(sign as i64);
            }
            Some(p) => {
                // 2.2 time shortened against the statutory time
                if let (Some(c), DossierStatus::DaTraKetQua) = (done, d.status) {
                    if p.statutory_days > Dec::ZERO {
                        let used = Dec::from_int(cal.working_days(d.received_at, c));
                        *self.cells.entry((Formula::TthcRutNgan, d.unit, c.month())).or_default() +=
                            Sums { num: signed(p.statutory_days - used), den: signed(p.statutory_days) };
                    }
                }
                // 2.3 online share among procedures offered online
                if d.status != DossierStatus::Rut
                    && d.received_at <= as_of
                    && matches!(p.online_level, OnlineLevel::ToanTrinh | OnlineLevel::MotPhan)
                {
                    let online = if d.channel == Channel::TrucTuyen { one } else { Dec::ZERO };
                    *self.cells.entry((Formula::DvcTrucTuyen, d.unit, d.received_at.month())).or_default() +=
                        Sums { num: online, den: one };
                }
            }
        }
    }

    pub fn merge(&mut self, other: DossierTally) {
        for (k, v) in other.cells {
            *self.cells.entry(k).or_default() += v;
        }
        for (k, v) in other.unknown_procedure {
            *self.unknown_procedure.entry(k).or_default() += v;
        }
        self.prune();
    }

    /// Drops cells that removals brought back to zero, so that "a non-zero denominator"
    /// means what it says.
    pub fn prune(&mut self) {
        self.cells.retain(|_, s| s.den != Dec::ZERO || s.num != Dec::ZERO);
        self.unknown_procedure.retain(|_, n| *n != 0);
    }

    pub fn get(&self, f: Formula, unit: u32, m: Month) -> Sums {
        self.cells.get(&(f, unit, m)).copied().unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "dossier_tests.rs"]
mod tests;
