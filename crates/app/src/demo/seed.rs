//! A deterministic demo province for `thidua demo`, modelled on Bà Rịa - Vũng Tàu in 2023:
//! provincial agencies, districts and their communes, heads with terms of office, a
//! procedure catalogue, a year of one-stop-shop dossiers and the entered indicator values.
//!
//! Nothing is written behind the importer's back: the generator writes the FORMATS.md CSV
//! files in memory and imports them as an office would, so the demo passes the same
//! validation as real data, and a bad row is a bug here, reported as an error.
//!
//! The same seed gives the same files byte for byte: a self-contained splitmix64, one
//! stream per part (units' conduct, heads, values, each unit's dossiers) so that changing one
//! part does not reshuffle the others, and no hash-map iteration anywhere.

use super::cast::*;
use super::dossiers::*;
use super::places::*;
use super::rng::*;
use super::values::*;
use thidua_domain::calendar::Calendar;
use thidua_domain::plan::Plan;
use thidua_ingest::{ImportKind, ImportReport};
use thidua_store::import::{ImportError, ImportOptions};
use thidua_store::{refused, Store, StoreError};

/// What `seed_demo` imported: rows accepted by each import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub units: usize,
    /// Terms of office (one district has two).
    pub heads: usize,
    pub procedures: usize,
    pub dossiers: u64,
    /// Entered values, verified and submitted together.
    pub entries: u64,
}

/// Fills an initialised store (plan cchc-2023 and calendar already loaded) with a realistic province for `year` (2023).
pub fn seed_demo(store: &mut Store, year: i32, seed: u64) -> Result<DemoSummary, ImportError> {
    let plan = store.plan_for(Some(year), None)?;
    let files = DemoFiles::build(&plan, &store.calendar()?, year, seed)?;
    let units = import_csv(store, ImportKind::Units, "demo-don-vi.csv", &files.units, false)?;
    let heads = import_csv(
        store,
        ImportKind::Heads,
        "demo-nguoi-dung-dau.csv",
        &files.heads,
        false,
    )?;
    let procedures = import_csv(
        store,
        ImportKind::Procedures,
        "demo-thu-tuc-hanh-chinh.csv",
        &files.procedures,
        false,
    )?;
    let dossiers = import_csv(
        store,
        ImportKind::Dossiers,
        &format!("demo-ho-so-{year}.csv"),
        &files.dossiers,
        false,
    )?;
    let mut entries = 0;
    // Most units' figures are already verified by the movement office; the rest are only
    // submitted, so their results show as provisional.
    let values = [
        (&files.values_verified, true, "demo-so-lieu-da-xac-nhan.csv"),
        (&files.values_submitted, false, "demo-so-lieu-da-gui.csv"),
    ];
    for (text, verified, name) in values {
        if text.lines().nth(1).is_some() {
            entries += import_csv(store, ImportKind::Values, name, text, verified)?.rows_ok;
        }
    }
    Ok(DemoSummary {
        units: units.rows_ok as usize,
        heads: heads.rows_ok as usize,
        procedures: procedures.rows_ok as usize,
        dossiers: dossiers.rows_ok,
        entries,
    })
}

/// Imports one generated file; any bad row is the generator's bug and fails the seeding.
fn import_csv(
    store: &mut Store,
    kind: ImportKind,
    file_name: &str,
    text: &str,
    verified: bool,
) -> Result<ImportReport, ImportError> {
    let opts = ImportOptions {
        file_name: file_name.into(),
        by: "demo".into(),
        verified,
        ..Default::default()
    };
    let report = store.import(
        kind,
        std::io::Cursor::new(text.as_bytes()),
        &opts,
        &mut |_| {},
        &|_| {},
    )?;
    if report.rows_bad > 0 || !report.committed {
        let (vi, en) = report
            .errors
            .first()
            .map(|e| {
                (
                    format!("dòng {}, cột {} «{}»: {}", e.row, e.column, e.value, e.vi),
                    format!("row {}, column {} '{}': {}", e.row, e.column, e.value, e.en),
                )
            })
            .unwrap_or_default();
        return Err(ImportError::Store(refused(
            format!("dữ liệu mẫu «{file_name}» có {} dòng lỗi — {vi}", report.rows_bad),
            format!("demo file '{file_name}' has {} bad rows — {en}", report.rows_bad),
        )));
    }
    Ok(report)
}

/// The generated CSV files (FORMATS.md columns, ASCII codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DemoFiles {
    pub units: String,
    pub heads: String,
    pub procedures: String,
    pub dossiers: String,
    pub values_verified: String,
    pub values_submitted: String,
}

impl DemoFiles {
    pub(crate) fn build(
        plan: &Plan,
        calendar: &Calendar,
        year: i32,
        seed: u64,
    ) -> Result<DemoFiles, StoreError> {
        if let Some(t) = ["tinh", "huyen", "xa"]
            .into_iter()
            .find(|t| plan.tier(t).is_none())
        {
            return Err(refused(
                format!(
                    "tỉnh mẫu cần kế hoạch có cấp «{t}»; kế hoạch «{}» không có",
                    plan.code
                ),
                format!(
                    "the demo province needs a plan with tier '{t}'; plan '{}' has none",
                    plan.code
                ),
            ));
        }
        let units = province();
        let cast = Cast::choose(&units, &mut Rng::stream(seed, "cast"));
        let (values_verified, values_submitted) =
            values_csv(plan, &units, &cast, year, &mut Rng::stream(seed, "values"));
        Ok(DemoFiles {
            units: units_csv(&units),
            heads: heads_csv(&units, year, &mut Rng::stream(seed, "heads")),
            procedures: procedures_csv(),
            dossiers: dossiers_csv(&units, &cast, calendar, year, seed),
            values_verified,
            values_submitted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Mutex, MutexGuard, OnceLock};
    use thidua_domain::calendar;
    use thidua_domain::eval::{HeadResult, Status};
    use thidua_domain::plan::BUILT_IN_2023;
    use thidua_domain::time::DateTime;

    const SEED: u64 = 2023;

    fn initialised() -> Store {
        let mut s = Store::in_memory().unwrap();
        s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
        s.put_calendar(&calendar::parse_csv(calendar::BUILT_IN_CSV).unwrap())
            .unwrap();
        s
    }

    /// Seeding takes a moment in a debug build, so the tests that only read share one
    /// province.
    fn province() -> MutexGuard<'static, (Store, DemoSummary)> {
        static PROVINCE: OnceLock<Mutex<(Store, DemoSummary)>> = OnceLock::new();
        PROVINCE
            .get_or_init(|| {
                let mut s = initialised();
                let summary = seed_demo(&mut s, 2023, SEED).expect("the demo imports without a bad row");
                Mutex::new((s, summary))
            })
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn year_end() -> DateTime {
        DateTime::parse_as_of("2023-12-31T23:59:59").unwrap()
    }

    fn evaluation(s: &Store) -> Vec<HeadResult> {
        s.evaluate(&s.plan_for(Some(2023), None).unwrap(), year_end())
            .unwrap()
    }

    #[test]
    fn the_discipline_indicator_that_blocks_approval_is_the_plans() {
        let guard = province();
        let (s, _) = &*guard;
        let mut plan = s.plan_for(Some(2023), None).unwrap();
        let mut h = evaluation(s).into_iter().find(|h| h.eligible).unwrap();
        let ky_luat = h.indicators.iter_mut().find(|r| r.code == "ky_luat").unwrap();
        ky_luat.status = Status::KhongDat;
        assert!(crate::award::discipline_pending(&plan, Some(&h)));
        // another plan names another indicator, or none
        plan.award.discipline_indicator = Some("sang_kien".into());
        assert!(!crate::award::discipline_pending(&plan, Some(&h)));
        plan.award.discipline_indicator = None;
        assert!(!crate::award::discipline_pending(&plan, Some(&h)));
    }

    #[test]
    fn every_units_late_dossiers_are_the_tallys_late_count_at_every_instant() {
        use thidua_domain::num::Dec;
        use thidua_domain::plan::Reading;
        let guard = province();
        let (s, _) = &*guard;
        let plan = s.plan_for(Some(2023), None).unwrap();
        let (start, end) = (DateTime(i64::MIN), DateTime(i64::MAX));
        let mut late_seen = 0;
        for as_of in [
            "2023-03-31T12:00:00",
            "2023-07-15T08:00:00",
            "2023-12-31T23:59:59",
            "2024-06-30",
        ] {
            let as_of = DateTime::parse_as_of(as_of).unwrap();
            let ev = s.evaluation(&plan, as_of).unwrap();
            for (i, u) in ev.units.iter().enumerate() {
                let late_in_tally: Dec = ev
                    .tally
                    .cells()
                    .filter(|((f, unit, _), _)| *f == Reading::TthcDungHan && *unit == i as u32)
                    .map(|(_, sums)| sums.den - sums.num)
                    .sum();
                let (page, total) = s.late_dossiers(u.id, start, end, as_of, 5, 0).unwrap();
                assert_eq!(
                    Dec::from_int(total),
                    late_in_tally,
                    "unit {} at {as_of:?}",
                    u.info.code
                );
                assert!(page.len() as i64 == total.min(5));
                late_seen += total;
            }
        }
        assert!(late_seen > 0, "the demo has late dossiers to compare");
    }

    #[test]
    fn the_demo_province_imports_without_a_bad_row_and_the_store_holds_what_the_summary_says() {
        let guard = province();
        let (s, summary) = &*guard;
        let c = s.counts().unwrap();
        assert_eq!(
            (
                c.units as usize,
                c.heads as usize,
                c.procedures as usize,
                c.dossiers as u64,
                c.entries as u64
            ),
            (
                summary.units,
                summary.heads,
                summary.procedures,
                summary.dossiers,
                summary.entries
            )
        );
        assert_eq!(
            summary.heads,
            summary.units + 1,
            "one term per unit, two at the district that changes head"
        );
        assert!((35..=45).contains(&summary.procedures), "{summary:?}");
        assert!((55_000..=65_000).contains(&summary.dossiers), "{summary:?}");
        let units = s.units().unwrap();
        for tier in ["tinh", "huyen", "xa"] {
            assert!(
                units.iter().filter(|u| u.info.tier == tier).count() >= 8,
                "tier {tier}"
            );
        }
        assert!(units
            .iter()
            .filter(|u| u.info.tier == "xa")
            .all(|u| u.parent.as_deref().is_some_and(|p| p.starts_with('H'))));
        let folded: Vec<String> = units
            .iter()
            .map(|u| thidua_domain::text::fold(&u.info.name))
            .collect();
        assert!(
            folded.iter().any(|n| n.contains("ba ria")),
            "a search for «ba ria» finds Bà Rịa"
        );
        let verified = s
            .entries()
            .unwrap()
            .iter()
            .filter(|e| e.state == thidua_domain::entry::EntryState::DaXacNhan)
            .count() as u64;
        assert!(
            verified * 10 > summary.entries * 5 && verified < summary.entries,
            "most, not all, entries verified"
        );
    }

    #[test]
    fn the_year_end_evaluation_has_eligible_heads_to_rank_and_heads_short_of_a_target() {
        let guard = province();
        let results = evaluation(&guard.0);
        let eligible = results.iter().filter(|r| r.eligible).count();
        let not_eligible = results.len() - eligible;
        assert!(eligible >= 12, "{eligible} eligible");
        assert!(not_eligible >= 3, "{not_eligible} not eligible");
        let ranks: Vec<u32> = results.iter().filter_map(|r| r.rank).collect();
        assert_eq!(ranks.len(), eligible);
        let short = results.iter().find(|r| r.unit.code == SHORT_TENURE_UNIT).unwrap();
        assert_eq!(
            (short.months.len(), short.summary_status()),
            (3, "chua_du_thoi_gian")
        );
        let failed = |code: &str| {
            results
                .iter()
                .filter(|r| r.indicator(code).is_some_and(|i| i.status == Status::KhongDat))
                .count()
        };
        for code in ["tthc_dung_han", "tthc_rut_ngan", "dvc_truc_tuyen"] {
            assert!(failed(code) >= 1, "someone misses {code}");
        }
        let if_any_none = |code: &str| {
            results.iter().any(|r| {
                r.indicator(code)
                    .is_some_and(|i| i.status == Status::KhongPhatSinh && i.entries_used == 0)
            })
        };
        assert!(
            if_any_none("the_che") && if_any_none("giai_ngan_dtc"),
            "some «nếu có» indicators have no entry"
        );
        assert!(results.iter().any(|r| r.provisional) && results.iter().any(|r| !r.provisional));
        assert!(
            results.iter().map(|r| r.unknown_procedures).sum::<u64>() > 0,
            "a few dossiers name an uncatalogued procedure"
        );
    }

    #[test]
    fn the_mid_year_change_of_head_gives_the_district_two_evaluated_heads() {
        let guard = province();
        let heads: Vec<HeadResult> = evaluation(&guard.0)
            .into_iter()
            .filter(|r| r.unit.code == HEAD_CHANGE_UNIT)
            .collect();
        assert_eq!(heads.len(), 2);
        assert_ne!(heads[0].head.name, heads[1].head.name);
        assert_eq!(heads.iter().map(|h| h.months.len()).collect::<Vec<_>>(), [6, 6]);
        assert!(heads.iter().all(|h| h.tenure_ok));
    }

    #[test]
    fn the_same_seed_gives_the_same_province() {
        let (plan, cal) = (Plan::built_in(), Calendar::built_in());
        let a = DemoFiles::build(&plan, &cal, 2023, SEED).unwrap();
        assert!(
            a == DemoFiles::build(&plan, &cal, 2023, SEED).unwrap(),
            "same seed, same files"
        );
        let other = DemoFiles::build(&plan, &cal, 2023, SEED + 1).unwrap();
        assert_eq!(
            a.units, other.units,
            "the province's map does not depend on the seed"
        );
        assert_ne!(a.dossiers, other.dossiers);
        let mut s = initialised();
        let again = seed_demo(&mut s, 2023, SEED).unwrap();
        assert_eq!(again, province().1);
    }

    #[test]
    fn a_bad_row_in_a_demo_file_is_an_error_not_a_silent_skip() {
        let mut s = initialised();
        let err = import_csv(
            &mut s,
            ImportKind::Units,
            "demo-x.csv",
            "ma_don_vi,ten_don_vi,cap\nX01,Sở Nội vụ,khong_co\n",
            false,
        )
        .unwrap_err();
        assert!(err.to_string().contains("demo-x.csv"), "{err}");
        assert_eq!(s.counts().unwrap().units, 0);
    }

    #[test]
    fn a_plan_without_the_three_tiers_is_refused() {
        let plan = Plan::from_toml(thidua_domain::plan::EXAMPLE_2025_TWO_TIER).unwrap();
        assert!(DemoFiles::build(&plan, &Calendar::built_in(), 2025, SEED).is_err());
    }
}
