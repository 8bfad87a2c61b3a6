//! Dossier-based indicators (INDICATORS.md section 2): the one place they are computed.
//!
//! `DossierTally::add` folds one dossier into per (reading, unit, month) sums, a reading
//! being a formula in one of its variants (`plan::Reading`). The store-backed evaluation
//! and the `dossier-stats` fast path both feed rows through it, so the two agree by
//! construction; an evaluation reads the cells of the variant its plan picked.

use crate::calendar::Calendar;
use crate::num::Dec;
use crate::plan::{Reading, RutNgan, TrucTuyen};
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

crate::codes!(Channel { TrucTiep = "truc_tiep" / "Trực tiếp", TrucTuyen = "truc_tuyen" / "Trực tuyến", BuuChinh = "buu_chinh" / "Bưu chính" });
crate::codes!(DossierStatus { DaTraKetQua = "da_tra_ket_qua" / "Đã trả kết quả", TuChoi = "tu_choi" / "Từ chối", DangXuLy = "dang_xu_ly" / "Đang xử lý", Rut = "rut" / "Rút hồ sơ" });
crate::codes!(OnlineLevel { ToanTrinh = "toan_trinh" / "Toàn trình", MotPhan = "mot_phan" / "Một phần", Khong = "khong" / "Không" });

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
    /// The shortened time the province published (`thoi_han_cong_bo`), when it did.
    pub published_days: Option<Dec>,
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

/// How a dossier counts for the on-time indicator (INDICATORS.md 2.1) at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeliness {
    /// When it counts: its completion, or the due time of an overdue unresolved dossier.
    pub at: DateTime,
    pub on_time: bool,
}

/// The one on-time rule (INDICATORS.md 2.1): a dossier decided (returned or refused) by
/// `as_of` counts at its completion, on time when completed by the due time; one still
/// unresolved (not withdrawn) counts as late at its due time once that has passed;
/// otherwise it does not count yet. The tally and the list of late dossiers both ask this.
#[inline(always)]
pub fn timeliness(
    status: DossierStatus,
    due_at: DateTime,
    completed_at: Option<DateTime>,
    as_of: DateTime,
) -> Option<Timeliness> {
    timeliness_of(decided(status, completed_at, as_of), status, due_at, as_of)
}

/// The completion that counts at `as_of`: a decision (a result or a refusal) made by then.
#[inline(always)]
fn decided(status: DossierStatus, completed_at: Option<DateTime>, as_of: DateTime) -> Option<DateTime> {
    completed_at.filter(|c| status.is_completed() && *c <= as_of)
}

#[inline(always)]
fn timeliness_of(
    done: Option<DateTime>,
    status: DossierStatus,
    due_at: DateTime,
    as_of: DateTime,
) -> Option<Timeliness> {
    match done {
        Some(c) => Some(Timeliness {
            at: c,
            on_time: c <= due_at,
        }),
        None if status != DossierStatus::Rut && due_at < as_of => Some(Timeliness {
            at: due_at,
            on_time: false,
        }),
        None => None,
    }
}

/// The instant from which a dossier counts, at every later as-of, exactly as it will for
/// ever (as at the end of time): its receipt, its decision, or — undecided and not
/// withdrawn — the second after its due time, whichever is last (each mirrors a test of
/// `timeliness` and `DossierTally::apply`). Kept sums hold what each dossier counts at the
/// end of time; an evaluation at an earlier as-of corrects only the dossiers that have not
/// settled by then.
pub fn settles_at(
    status: DossierStatus,
    received_at: DateTime,
    due_at: DateTime,
    completed_at: Option<DateTime>,
) -> DateTime {
    match decided(status, completed_at, DateTime::END) {
        Some(c) => c.max(received_at),
        None if status != DossierStatus::Rut => received_at.max(DateTime(due_at.0 + 1)),
        None => received_at,
    }
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

/// How many readings (formula × variant) a tally cell holds.
pub const READINGS: usize = Reading::ALL.len();

/// One tally cell: the sums of every reading, in `Reading::slot` order.
pub type Cell = [Sums; READINGS];

/// Sums per (reading, unit, month), every formula in every variant side by side, so one
/// tally serves plans that pick different variants. Units are the
/// caller's dense indexes, so each unit has a run of months in a plain vector: a dossier
/// costs an index computation, not a hash lookup, on the ingest hot path. A unit's run
/// covers at most `MAX_RUN` months; months beyond it (a stray far date) go to `far`.
#[derive(Debug, Clone, Default)]
pub struct DossierTally {
    units: Vec<UnitMonths>,
    far: HashMap<(u32, Month), [Sums; READINGS]>,
    /// Dossiers whose procedure code is not in the catalogue, by (unit, month received).
    pub unknown_procedure: HashMap<(u32, Month), u64>,
    /// The earliest instant after the as-of at which a dossier counted here would count
    /// differently (a completion, a due time passing, a receipt still ahead): the tally
    /// holds for every as-of from its own up to (not including) this one. None: for ever.
    pub next_change: Option<DateTime>,
    /// Cells after this month are not kept (`bounded`): what would go there is dropped.
    bound: Option<i32>,
    /// Where a dropped contribution goes.
    scratch: Cell,
}

/// One unit's months `first`, `first + 1`, …
#[derive(Debug, Clone, Default)]
struct UnitMonths {
    first: i32,
    cells: Vec<[Sums; READINGS]>,
}

/// Twenty years of months.
const MAX_RUN: usize = 240;

impl DossierTally {
    /// A tally that keeps no cell after month `m` (a month-end correction needs only the
    /// months up to its own): it never makes room for later months.
    pub fn bounded(m: Month) -> DossierTally {
        DossierTally {
            bound: Some(m.0),
            ..Default::default()
        }
    }

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
        if d.procedure.is_none() {
            let c = self
                .unknown_procedure
                .entry((d.unit, d.received_at.month()))
                .or_default();
            *c = c.wrapping_add_signed(sign as i64);
        }
        // 2.3 counts only procedures offered online; its numerator is the online channel
        let offered_online = d
            .procedure
            .is_some_and(|p| matches!(p.online_level, OnlineLevel::ToanTrinh | OnlineLevel::MotPhan));
        let online = Sums {
            num: if d.channel == Channel::TrucTuyen {
                one
            } else {
                Dec::ZERO
            },
            den: one,
        };
        let done = decided(d.status, d.completed_at, as_of);
        self.note_change(d, done, as_of);
        // Everything counted in the month the dossier is decided (2.1): one cell lookup.
        if let Some(t) = timeliness_of(done, d.status, d.due_at, as_of) {
            let cell = self.cell(d.unit, t.at.month());
            // 2.1 on time
            cell[Reading::TthcDungHan.slot()] += Sums {
                num: if t.on_time { one } else { Dec::ZERO },
                den: one,
            };
            // 2.3 giai_quyet: the online share among the dossiers decided
            if offered_online {
                cell[Reading::DvcTrucTuyen(TrucTuyen::GiaiQuyet).slot()] += online;
            }
            // 2.2 time shortened, for a result returned (then `t.at` is its completion)
            if let (Some(p), Some(c), DossierStatus::DaTraKetQua) = (d.procedure, done, d.status) {
                if p.statutory_days > Dec::ZERO {
                    let used = Dec::from_int(cal.working_days(d.received_at, c));
                    // cong_bo: the published cut; a procedure without one has cut nothing
                    let published = p.published_days.unwrap_or(p.statutory_days);
                    let den = signed(p.statutory_days);
                    cell[Reading::TthcRutNgan(RutNgan::ThucTe).slot()] += Sums {
                        num: signed(p.statutory_days - used),
                        den,
                    };
                    cell[Reading::TthcRutNgan(RutNgan::CongBo).slot()] += Sums {
                        num: signed(p.statutory_days - published),
                        den,
                    };
                }
            }
        }
        // 2.3 tiep_nhan: the online share among the dossiers received by as-of
        if offered_online && d.status != DossierStatus::Rut && d.received_at <= as_of {
            self.cell(d.unit, d.received_at.month())[Reading::DvcTrucTuyen(TrucTuyen::TiepNhan).slot()] +=
                online;
        }
    }

    /// Where `d` changes how it counts after `as_of` (each test mirrors one in `apply` and
    /// `timeliness_of`): its decision still ahead, its due time not yet passed while
    /// undecided, its receipt still ahead.
    #[inline(always)]
    fn note_change(&mut self, d: &DossierFacts, done: Option<DateTime>, as_of: DateTime) {
        let mut at = i64::MAX;
        if let Some(c) = d.completed_at.filter(|c| d.status.is_completed() && *c > as_of) {
            at = c.0;
        }
        if done.is_none() && d.status != DossierStatus::Rut && d.due_at >= as_of {
            // counted as late once the as-of is past the due time
            at = at.min(d.due_at.0 + 1);
        }
        if d.received_at > as_of {
            at = at.min(d.received_at.0);
        }
        if at != i64::MAX && self.next_change.is_none_or(|n| at < n.0) {
            self.next_change = Some(DateTime(at));
        }
    }

    /// Whether this tally, made at `made_at`, is also the tally at `as_of`.
    pub fn holds_at(&self, made_at: DateTime, as_of: DateTime) -> bool {
        made_at <= as_of && self.next_change.is_none_or(|n| as_of < n)
    }

    /// The sums of one unit and month, made when missing.
    #[inline]
    fn cell(&mut self, unit: u32, m: Month) -> &mut [Sums; READINGS] {
        if self.bound.is_some_and(|b| m.0 > b) {
            self.scratch = Default::default();
            return &mut self.scratch;
        }
        let u = unit as usize;
        if let Some(i) = self.units.get(u).and_then(|r| r.index(m)) {
            return &mut self.units[u].cells[i];
        }
        self.cell_slow(unit, m)
    }

    #[cold]
    fn cell_slow(&mut self, unit: u32, m: Month) -> &mut [Sums; READINGS] {
        let u = unit as usize;
        if self.units.len() <= u {
            self.units.resize_with(u + 1, UnitMonths::default);
        }
        let run = &mut self.units[u];
        if run.cells.is_empty() {
            run.first = m.0;
            run.cells.push(Default::default());
            return &mut run.cells[0];
        }
        let (lo, hi) = (
            run.first.min(m.0),
            (run.first + run.cells.len() as i32 - 1).max(m.0),
        );
        if (hi - lo) as usize >= MAX_RUN {
            return self.far.entry((unit, m)).or_default();
        }
        let before = (run.first - lo) as usize;
        run.cells
            .splice(0..0, std::iter::repeat_n([Sums::default(); READINGS], before));
        run.first = lo;
        run.cells.resize((hi - lo + 1) as usize, Default::default());
        let i = (m.0 - lo) as usize;
        &mut run.cells[i]
    }

    /// Adds `s` to one cell; a bare `Formula` means its default reading.
    pub fn add_sums(&mut self, r: impl Into<Reading>, unit: u32, m: Month, s: Sums) {
        self.cell(unit, m)[r.into().slot()] += s;
    }

    /// The sums of one reading (a bare `Formula`: its default reading) for a unit and month.
    pub fn get(&self, r: impl Into<Reading>, unit: u32, m: Month) -> Sums {
        let slot = r.into().slot();
        let dense = self
            .units
            .get(unit as usize)
            .and_then(|r| r.index(m).map(|i| r.cells[i]));
        dense
            .or_else(|| self.far.get(&(unit, m)).copied())
            .map(|c| c[slot])
            .unwrap_or_default()
    }

    /// Every (unit, month) with its sums (cells of a run may be all zero).
    pub fn all(&self) -> impl Iterator<Item = ((u32, Month), [Sums; READINGS])> + '_ {
        let dense = self.units.iter().enumerate().flat_map(|(u, r)| {
            r.cells
                .iter()
                .enumerate()
                .map(move |(i, c)| ((u as u32, Month(r.first + i as i32)), *c))
        });
        dense.chain(self.far.iter().map(|(k, c)| (*k, *c)))
    }

    /// Every cell that holds something, as ((reading, unit, month), sums).
    pub fn cells(&self) -> impl Iterator<Item = ((Reading, u32, Month), Sums)> + '_ {
        self.all().flat_map(|((u, m), c)| {
            Reading::ALL
                .into_iter()
                .map(move |r| ((r, u, m), c[r.slot()]))
                .filter(|(_, s)| *s != Sums::default())
        })
    }

    /// Adds every cell of `other`, its units renumbered by `unit`.
    pub fn merge_mapped(&mut self, other: DossierTally, unit: impl Fn(u32) -> u32) {
        for ((u, m), c) in other.all() {
            if c != [Sums::default(); READINGS] {
                let cell = self.cell(unit(u), m);
                for (x, y) in cell.iter_mut().zip(c) {
                    *x += y;
                }
            }
        }
        for ((u, m), n) in other.unknown_procedure {
            let c = self.unknown_procedure.entry((unit(u), m)).or_default();
            *c = c.wrapping_add(n);
        }
        self.next_change = match (self.next_change, other.next_change) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// Adds a whole cell (kept sums read back).
    pub fn add_cell(&mut self, unit: u32, m: Month, c: &Cell) {
        for (x, y) in self.cell(unit, m).iter_mut().zip(c) {
            *x += *y;
        }
    }

    /// Clears every cell after month `m` (`unknown_procedure` does not depend on an as-of
    /// and stays).
    pub fn clear_after(&mut self, m: Month) {
        for run in &mut self.units {
            for (i, c) in run.cells.iter_mut().enumerate() {
                if run.first + i as i32 > m.0 {
                    *c = Default::default();
                }
            }
        }
        self.far.retain(|(_, month), _| month.0 <= m.0);
    }

    /// Drops what removals brought back to zero, so that "a non-zero denominator" means
    /// what it says (`cells` leaves out zero sums in any case).
    pub fn prune(&mut self) {
        self.far.retain(|_, c| c.iter().any(|s| *s != Sums::default()));
        self.unknown_procedure.retain(|_, n| *n != 0);
    }
}

impl UnitMonths {
    #[inline]
    fn index(&self, m: Month) -> Option<usize> {
        let i = m.0.wrapping_sub(self.first) as u32 as usize;
        (i < self.cells.len()).then_some(i)
    }
}

#[cfg(test)]
#[path = "dossier_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "dossier_variant_tests.rs"]
mod variant_tests;
