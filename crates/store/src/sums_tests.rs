//! The kept dossier sums (`sums`) against a full count of every dossier: after random
//! sequences of imports and re-imports (both import paths, codes repeated within and
//! across files and blocks), a catalogue import and calendar changes; and the evaluation
//! from them at many as-of instants, exactly equal to the full count's.

use crate::import::ImportOptions;
use crate::testing::Rng;
use crate::Store;
use std::collections::HashMap;
use thidua_domain::dossier::DossierTally;
use thidua_domain::plan::Plan;
use thidua_domain::time::{DateTime, Month};
use thidua_ingest::ImportKind;

fn when(t: DateTime) -> String {
    let (h, m, _) = t.hms();
    format!("{} {h:02}:{m:02}", t.date().iso())
}

const HEADER: &str = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n";

/// `n` dossier rows over `codes` codes, around `now` (some received, due or decided in
/// the future), every status and channel, some procedures unknown.
fn rows(rng: &mut Rng, n: usize, codes: usize, now: DateTime) -> String {
    let mut out = String::new();
    for _ in 0..n {
        let code = format!("HS{:06}", rng.below(codes));
        let unit = ["T01", "H01", "H01X01"][rng.below(3)];
        let procedure = ["P1", "P2", "P3", "X9"][rng.below(4)];
        let received = DateTime(now.0 - 150 * 86_400 + rng.below(170 * 86_400) as i64);
        // now and then a due date years ahead (its month-end corrections are not kept:
        // the evaluations read its row)
        let ahead = if rng.below(40) == 0 { 800 } else { 30 };
        let due = DateTime(received.0 + rng.below(ahead * 86_400) as i64);
        let status = ["da_tra_ket_qua", "tu_choi", "dang_xu_ly", "rut"][rng.below(4)];
        let completed = if status == "da_tra_ket_qua" || status == "tu_choi" || rng.below(4) == 0 {
            let c = DateTime(received.0 + rng.below(40 * 86_400) as i64);
            // now and then a completion exported as a date only
            if rng.below(5) == 0 {
                c.date().iso()
            } else {
                when(c)
            }
        } else {
            String::new()
        };
        let channel = ["truc_tiep", "truc_tuyen", "buu_chinh"][rng.below(3)];
        out.push_str(&format!(
            "{code},{unit},{procedure},{},{},{completed},{channel},{status}\n",
            when(received),
            when(due)
        ));
    }
    out
}

/// A tally's non-zero cells, and its unknown-procedure counts, in order.
type Sorted = (Vec<String>, Vec<((u32, Month), u64)>);

fn sorted_cells(t: &DossierTally) -> Sorted {
    let mut cells: Vec<String> = t.cells().map(|c| format!("{c:?}")).collect();
    cells.sort();
    let mut unknown: Vec<_> = t
        .unknown_procedure
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(k, n)| (*k, *n))
        .collect();
    unknown.sort();
    (cells, unknown)
}

struct Setup {
    dir: tempfile::TempDir,
    store: Store,
    /// The store's database on PostgreSQL (`THIDUA_TEST_BACKEND=postgres`), dropped last.
    _db: Option<crate::testing::TestDb>,
}

impl Setup {
    /// A store of this run's backend (its files read from a folder of their own).
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::testing::postgres_wanted().then(|| crate::testing::TestDb::new("thidua_sums"));
        let store = match &db {
            Some(db) => Store::open_url(&db.url).unwrap(),
            None => Store::open_dir(dir.path()).unwrap(),
        };
        store
            .put_plan(&Plan::built_in(), thidua_domain::plan::BUILT_IN_2023)
            .unwrap();
        let mut s = Setup { dir, store, _db: db };
        s.import(
            ImportKind::Units,
            "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nT01,Sở Nội vụ,tinh,\nH01,Huyện Một,huyen,\nH01X01,Xã Một,xa,H01\n",
        );
        s.import(
            ImportKind::Procedures,
            "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc,thoi_han_cong_bo\nP1,Một,5,toan_trinh,4\nP2,Hai,3.5,khong,\nP3,Ba,0,mot_phan,\n",
        );
        s
    }

    fn import(&mut self, kind: ImportKind, body: &str) -> thidua_ingest::ImportReport {
        let p = self.dir.path().join("in.csv");
        std::fs::write(&p, body).unwrap();
        let mut f = std::fs::File::open(&p).unwrap();
        let report = self
            .store
            .import_file(kind, &mut f, &ImportOptions::default(), &mut |_| {}, &|_| {})
            .unwrap();
        assert!(report.committed, "{report:?}");
        report
    }

    /// Every unit's id as its own index (how the kept sums are stored).
    fn by_id(&self) -> HashMap<i64, u32> {
        self.store
            .units()
            .unwrap()
            .iter()
            .map(|u| (u.id, u.id as u32))
            .collect()
    }

    /// The kept sums equal a full count at the end of time.
    fn check_kept(&self, step: &str) {
        let kept = self.store.kept_sums().unwrap();
        let full = self.store.count_dossiers(&self.by_id(), DateTime::END).unwrap();
        assert_eq!(sorted_cells(&kept), sorted_cells(&full), "after {step}");
    }

    /// The evaluation's tally at `as_of` equals the full count; answers whether the kept
    /// sums answered.
    fn check_at(&self, as_of: DateTime, step: &str) -> bool {
        let units = self.store.units().unwrap();
        let index: HashMap<i64, u32> = units.iter().enumerate().map(|(i, u)| (u.id, i as u32)).collect();
        let kept = self.store.tally_from_sums(&index, as_of).unwrap();
        let full = self.store.count_dossiers(&index, as_of).unwrap();
        if let Some(kept) = &kept {
            assert_eq!(
                sorted_cells(kept),
                sorted_cells(&full),
                "after {step}, as of {}",
                as_of.iso()
            );
            // the kept tally holds no longer than the full one
            if let Some(n) = full.next_change {
                assert!(kept.next_change.is_some_and(|k| k <= n), "{step}");
            }
        }
        assert_eq!(
            sorted_cells(&self.store.tally_dossiers(&units, as_of).unwrap()),
            sorted_cells(&full)
        );
        kept.is_some()
    }
}

#[test]
fn kept_sums_equal_a_full_count_after_random_imports_and_answer_every_as_of_exactly() {
    let mut s = Setup::new();
    let now = DateTime::now_local();
    let mut rng = Rng(0x7e57_5eed_2026_1204);
    let (mut answered, mut asked) = (0, 0);
    for step in 0..10 {
        let mut body = String::from(HEADER);
        let n = 120 + rng.below(120);
        body.push_str(&rows(&mut rng, n, 400, now));
        // every other file has a quoted field: the general reader takes it
        if step % 2 == 1 {
            body = body.replacen(",T01,", ",\"T01\",", 1);
        }
        s.import(ImportKind::Dossiers, &body);
        match step {
            4 => {
                // the catalogue changes: a procedure's days, another's online level
                s.import(
                    ImportKind::Procedures,
                    "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc,thoi_han_cong_bo\nP1,Một,7,mot_phan,6\nP3,Ba,2,khong,\nX9,Chín,1,toan_trinh,\n",
                );
            }
            6 => {
                // a day off in the middle of the data, then removed again
                let day = (now.date().0 - 40).to_string();
                let d = thidua_domain::time::Date(day.parse().unwrap());
                let days =
                    thidua_domain::calendar::parse_csv(&format!("date,kind,note\n{},nghi,x\n", d.iso()))
                        .unwrap();
                s.store.put_calendar(&days).unwrap();
                s.check_kept("a day off");
                s.store
                    .delete_calendar_day(&crate::audit::Actor::cli(), d)
                    .unwrap();
            }
            8 => {
                // counted again from every row, with the marks (as the migration does)
                crate::sums::rebuild(&s.store.conn, true).unwrap();
            }
            _ => {}
        }
        let name = format!("import {step}");
        s.check_kept(&name);
        // as-of instants: now and later (after every write), the ends of past months,
        // and instants in the middle of past months (before the writes: a full count)
        let mut instants = vec![now, DateTime(now.0 + 3_600), DateTime(now.0 + 9 * 86_400 + 123)];
        for back in 0..6 {
            let m = Month(now.month().0 - back);
            instants.push(m.last_day().end());
            instants.push(DateTime(m.first_day().start().0 + rng.below(27 * 86_400) as i64));
        }
        instants.push(DateTime(now.0 + rng.below(40 * 86_400) as i64));
        for as_of in instants {
            asked += 1;
            if s.check_at(as_of, &name) {
                answered += 1;
            }
        }
    }
    assert!(
        answered * 2 > asked,
        "the kept sums answered {answered} of {asked}"
    );
}

/// Codes repeated across the fast path's 8 MiB blocks: each code's last row counts once,
/// whatever block it is in.
#[test]
fn kept_sums_follow_codes_repeated_across_the_import_blocks() {
    let mut s = Setup::new();
    let now = DateTime::now_local();
    let mut rng = Rng(0xb10c_5eed);
    let mut body = String::from(HEADER);
    while body.len() < 9 << 20 {
        body.push_str(&rows(&mut rng, 1_000, 40_000, now));
    }
    let report = s.import(ImportKind::Dossiers, &body);
    assert!(report.rows_read > 90_000);
    s.check_kept("a file of two blocks");
    let mut again = String::from(HEADER);
    again.push_str(&rows(&mut rng, 5_000, 40_000, now));
    s.import(ImportKind::Dossiers, &again);
    s.check_kept("a re-import");
    // the same file again: its rows equal the stored ones (PostgreSQL writes none of them)
    s.import(ImportKind::Dossiers, &again);
    s.check_kept("the same re-import");
    if s.store.conn.is_pg() {
        let rewritten: i64 = s
            .store
            .conn
            .query_row(
                "SELECT count(*) FROM dossiers WHERE import_id = (SELECT max(id) FROM imports)",
                (),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rewritten, 0, "an unchanged row is not written again");
    }
    assert!(s.check_at(DateTime::now_local(), "a re-import"));
    assert!(s.check_at(Month(now.month().0 - 2).last_day().end(), "a re-import"));
    // the imports checked their own rows' references (on PostgreSQL the row check was off
    // for their transactions, migration 0007): the next writer is checked again
    let dangling = s.store.conn.execute(
        "INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, channel, status) VALUES ('ZZ-1', 999999, 'P1', 0, 0, 0, 0)",
        (),
    );
    assert!(dangling.is_err(), "{dangling:?}");
}

/// `body`'s rows with their unit (second column) given by `unit`.
fn with_units(body: &str, mut unit: impl FnMut() -> String) -> String {
    body.lines()
        .map(|l| {
            let mut cols: Vec<&str> = l.split(',').collect();
            let u = unit();
            cols[1] = &u;
            cols.join(",") + "\n"
        })
        .collect()
}

/// Many units: the kept cells are read and written many keys to a statement
/// (`sums::in_batches`, every batch size), and a cell that falls to nothing is removed.
#[test]
fn kept_sums_of_many_units_are_written_in_batches_and_emptied_cells_removed() {
    let mut s = Setup::new();
    let mut units = String::from("ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\n");
    for i in 0..60 {
        units.push_str(&format!("H01X{:03},Xã {i},xa,H01\n", i + 100));
    }
    s.import(ImportKind::Units, &units);
    let now = DateTime::now_local();
    let mut rng = Rng(0x0ba7_c4e5);
    let plain = rows(&mut rng, 3_000, 3_000, now);
    let mut pick = Rng(7);
    let spread = with_units(&plain, || format!("H01X{:03}", pick.below(60) + 100));
    s.import(ImportKind::Dossiers, &format!("{HEADER}{spread}"));
    s.check_kept("rows over 60 more units");
    let cells = |s: &Setup| -> i64 {
        s.store
            .conn
            .query_row(
                "SELECT count(*) FROM dossier_sums WHERE unit_id IN (SELECT id FROM units WHERE code LIKE 'H01X1%')",
                (),
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(cells(&s) > 256, "{} cells", cells(&s));
    // every code moves to one unit: the 60 units' cells fall to nothing and go
    let moved = with_units(&plain, || "T01".to_string());
    s.import(ImportKind::Dossiers, &format!("{HEADER}{moved}"));
    s.check_kept("every row moved to one unit");
    assert_eq!(cells(&s), 0);
    assert!(s.check_at(now, "every row moved to one unit"));
}

#[test]
fn batches_take_every_key_once_in_order() {
    use crate::sums::{in_batches, int_tuples, tuples, BATCHES};
    for n in [0, 1, 15, 16, 17, 255, 256, 257, 530] {
        let keys: Vec<usize> = (0..n).collect();
        let (mut seen, mut sizes) = (Vec::new(), Vec::new());
        in_batches(&keys, |c| {
            seen.extend_from_slice(c);
            sizes.push(c.len());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, keys);
        assert!(sizes.iter().all(|s| BATCHES.contains(s)), "{sizes:?}");
    }
    assert_eq!(tuples(2, 2), "(?1, ?2), (?3, ?4)");
    assert_eq!(int_tuples(1, 2), "(CAST(?1 AS BIGINT), CAST(?2 AS BIGINT))");
}

/// The general reader (a quoted field) over several of PostgreSQL's staged batches
/// (`import::STAGED_BATCH`), codes repeated across them: each code's last row counts once,
/// and the report counts the dossiers (not rows) left naming an unknown procedure.
#[test]
fn the_general_path_keeps_the_last_row_of_each_code_across_its_batches() {
    let mut s = Setup::new();
    let now = DateTime::now_local();
    let mut rng = Rng(0x6e4e_5a11);
    let rows_text = rows(&mut rng, 20_000, 6_000, now);
    let body = format!("{HEADER}{}", rows_text.replacen(",T01,", ",\"T01\",", 1));
    let report = s.import(ImportKind::Dossiers, &body);
    assert_eq!(report.rows_read, 20_000);
    s.check_kept("the general path");
    // the naive count: the last row of each code, its procedure unknown (X9)
    let mut last: HashMap<&str, &str> = HashMap::new();
    for l in rows_text.lines() {
        let cols: Vec<&str> = l.split(',').collect();
        last.insert(cols[0], cols[2]);
    }
    let unknown = last.values().filter(|p| **p == "X9").count() as u64;
    assert_eq!(report.unknown_procedures, unknown);
    let stored: i64 = s
        .store
        .conn
        .query_row("SELECT count(*) FROM dossiers", (), |r| r.get(0))
        .unwrap();
    assert_eq!(stored as usize, last.len());
    // again, the same file: nothing changes
    let report = s.import(ImportKind::Dossiers, &body);
    assert_eq!(report.unknown_procedures, unknown);
    s.check_kept("the same file again");
}
