//! End to end: a synthetic province from `shared/tools/gen_province.py`, imported through
//! the CLI, evaluated, and checked against an independent, deliberately naive computation
//! written here from INDICATORS.md (day-by-day working days, string timestamps, no shared
//! code with the product).
//!
//! Longer than our ~500-line modules: the naive twin of INDICATORS.md written out in full is
//! the point of this file.

mod common;

use common::Env;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

fn generate(env: &Env, seed: &str, extra: &[&str]) -> PathBuf {
    let out = env.dir.path().join(format!("prov-{seed}"));
    let status = Command::new("python3")
        .arg(shared().join("tools/gen_province.py"))
        .arg(&out)
        .args(["--dossiers", "12000", "--communes", "30", "--seed", seed])
        .args(extra)
        .status()
        .expect("python3 runs the generator");
    assert!(status.success());
    out
}

// ---- the independent computation ----

type Ymd = (i32, u32, u32);

fn leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}
fn month_len(y: i32, m: u32) -> u32 {
    [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][m as usize - 1]
}
fn next_day((y, m, d): Ymd) -> Ymd {
    if d < month_len(y, m) {
        (y, m, d + 1)
    } else if m < 12 {
        (y, m + 1, 1)
    } else {
        (y + 1, 1, 1)
    }
}
/// Sakamoto: 0 = Sunday.
fn weekday((y, m, d): Ymd) -> u32 {
    let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if m < 3 { y - 1 } else { y };
    ((y + y / 4 - y / 100 + y / 400 + t[m as usize - 1] + d as i32) % 7) as u32
}

struct Cal(HashMap<Ymd, String>);
impl Cal {
    fn load() -> Cal {
        let mut map = HashMap::new();
        let mut r = csv::Reader::from_path(shared().join("data/calendar-vn.csv")).unwrap();
        for row in r.records() {
            let row = row.unwrap();
            map.insert(ymd(&row[0]), row[1].to_string());
        }
        Cal(map)
    }
    fn working(&self, d: Ymd) -> bool {
        match self.0.get(&d).map(String::as_str) {
            Some("nghi") => false,
            Some("lam_bu") => true,
            _ => !matches!(weekday(d), 0 | 6),
        }
    }
    /// Counted one day at a time.
    fn between(&self, a: Ymd, b: Ymd) -> i64 {
        let mut n = 0;
        let mut d = a;
        while d < b {
            d = next_day(d);
            n += self.working(d) as i64;
        }
        n
    }
}

fn ymd(s: &str) -> Ymd {
    (
        s[0..4].parse().unwrap(),
        s[5..7].parse().unwrap(),
        s[8..10].parse().unwrap(),
    )
}

/// "YYYY-MM-DD HH:MM" or "dd/mm/yyyy HH:MM" → "YYYY-MM-DD HH:MM" (the generator writes both).
fn norm(s: &str) -> String {
    if s.as_bytes().get(2) == Some(&b'/') {
        format!("{}-{}-{}{}", &s[6..10], &s[3..5], &s[0..2], &s[10..])
    } else {
        s.to_string()
    }
}

fn code_of(label: &str) -> &str {
    match label {
        "Trực tiếp" => "truc_tiep",
        "Trực tuyến" => "truc_tuyen",
        "Bưu chính" => "buu_chinh",
        "Đã trả kết quả" => "da_tra_ket_qua",
        "Từ chối" => "tu_choi",
        "Đang xử lý" => "dang_xu_ly",
        "Rút hồ sơ" => "rut",
        other => other,
    }
}

#[derive(Default, Clone, Copy)]
struct S {
    num: f64,
    den: f64,
}

/// (indicator, unit, "YYYY-MM") → sums, straight from INDICATORS.md section 2; the other
/// variants under `tthc_rut_ngan:cong_bo` and `dvc_truc_tuyen:giai_quyet`.
fn dossier_sums(dir: &Path, cal: &Cal) -> HashMap<(String, String, String), S> {
    let mut procs: HashMap<String, (f64, String, Option<f64>)> = HashMap::new();
    for row in csv::Reader::from_path(dir.join("procedures.csv"))
        .unwrap()
        .records()
    {
        let row = row.unwrap();
        let published = row.get(4).filter(|p| !p.is_empty()).map(|p| p.parse().unwrap());
        procs.insert(
            row[0].to_string(),
            (row[2].parse().unwrap(), row[3].to_string(), published),
        );
    }
    let mut latest: HashMap<String, Vec<String>> = HashMap::new();
    for row in csv::Reader::from_path(dir.join("dossiers.csv"))
        .unwrap()
        .records()
    {
        let row = row.unwrap();
        latest.insert(row[0].to_string(), row.iter().map(String::from).collect());
    }
    let as_of = "2023-12-31 23:59:59";
    let mut sums: HashMap<(String, String, String), S> = HashMap::new();
    let mut add = |ind: &str, unit: &str, month: &str, num: f64, den: f64| {
        let e = sums.entry((ind.into(), unit.into(), month.into())).or_default();
        e.num += num;
        e.den += den;
    };
    for r in latest.values() {
        let (unit, proc_code) = (&r[1], &r[2]);
        let (recv, due) = (norm(&r[3]), norm(&r[4]));
        let done = if r[5].is_empty() { None } else { Some(norm(&r[5])) };
        let (channel, status) = (code_of(&r[6]), code_of(&r[7]));
        let completed = matches!(status, "da_tra_ket_qua" | "tu_choi");
        let done_in_time = done.as_ref().filter(|d| completed && d.as_str() <= as_of);
        let decided_in = if let Some(d) = done_in_time {
            add(
                "tthc_dung_han",
                unit,
                &d[..7],
                if *d <= due { 1.0 } else { 0.0 },
                1.0,
            );
            Some(&d[..7])
        } else if status != "rut" && due.as_str() < as_of {
            add("tthc_dung_han", unit, &due[..7], 0.0, 1.0);
            Some(&due[..7])
        } else {
            None
        };
        let Some((statutory, level, published)) = procs.get(proc_code) else {
            continue;
        };
        if let (Some(d), "da_tra_ket_qua") = (done_in_time, status) {
            if *statutory > 0.0 {
                let used = cal.between(ymd(&recv), ymd(d)) as f64;
                add("tthc_rut_ngan", unit, &d[..7], statutory - used, *statutory);
                let cut = statutory - published.unwrap_or(*statutory);
                add("tthc_rut_ngan:cong_bo", unit, &d[..7], cut, *statutory);
            }
        }
        if let (Some(m), true) = (decided_in, level == "toan_trinh" || level == "mot_phan") {
            let online = if channel == "truc_tuyen" { 1.0 } else { 0.0 };
            add("dvc_truc_tuyen:giai_quyet", unit, m, online, 1.0);
        }
        if status != "rut" && recv.as_str() <= as_of && (level == "toan_trinh" || level == "mot_phan") {
            add(
                "dvc_truc_tuyen",
                unit,
                &recv[..7],
                if channel == "truc_tuyen" { 1.0 } else { 0.0 },
                1.0,
            );
        }
    }
    sums
}

struct Head {
    unit: String,
    name: String,
    months: Vec<String>,
}

fn heads(dir: &Path) -> Vec<Head> {
    let mut terms: Vec<(String, String, String, String)> = Vec::new();
    for row in csv::Reader::from_path(dir.join("heads.csv")).unwrap().records() {
        let row = row.unwrap();
        terms.push((row[0].into(), row[1].into(), row[3].into(), row[4].into()));
    }
    let mut out: Vec<Head> = Vec::new();
    for m in 1..=12u32 {
        let last = format!("2023-{m:02}-{:02}", month_len(2023, m));
        for (unit, name, from, to) in &terms {
            if *from <= last && (to.is_empty() || last <= *to) {
                let month = format!("2023-{m:02}");
                match out.iter_mut().find(|h| &h.unit == unit && &h.name == name) {
                    Some(h) => h.months.push(month),
                    None => out.push(Head {
                        unit: unit.clone(),
                        name: name.clone(),
                        months: vec![month],
                    }),
                }
            }
        }
    }
    out
}

fn check_province(dir: &Path, json: &Value) {
    let cal = Cal::load();
    let sums = dossier_sums(dir, &cal);
    let thresholds: HashMap<(&str, &str), f64> = HashMap::from([
        (("tthc_dung_han", "tinh"), 99.0),
        (("tthc_dung_han", "huyen"), 99.0),
        (("tthc_dung_han", "xa"), 99.0),
        (("tthc_rut_ngan", "tinh"), 35.0),
        (("tthc_rut_ngan", "huyen"), 35.0),
        (("tthc_rut_ngan", "xa"), 35.0),
        (("dvc_truc_tuyen", "tinh"), 90.0),
        (("dvc_truc_tuyen", "huyen"), 80.0),
        (("dvc_truc_tuyen", "xa"), 80.0),
    ]);
    let rows = json.as_array().unwrap();
    let heads = heads(dir);
    let mut checked = 0;
    for h in &heads {
        let mine: Vec<&Value> = rows
            .iter()
            .filter(|r| r["ma_don_vi"] == h.unit.as_str() && r["ho_ten"] == h.name.as_str())
            .collect();
        assert!(!mine.is_empty(), "head {} / {} not evaluated", h.unit, h.name);
        let summary = mine.iter().find(|r| r["ma_chi_tieu"] == "_tong_hop").unwrap();
        assert_eq!(
            summary["so_thang"].as_u64().unwrap() as usize,
            h.months.len(),
            "{} {}",
            h.unit,
            h.name
        );
        for ind in ["tthc_dung_han", "tthc_rut_ngan", "dvc_truc_tuyen"] {
            let mut s = S::default();
            for m in &h.months {
                if let Some(x) = sums.get(&(ind.to_string(), h.unit.clone(), m.clone())) {
                    s.num += x.num;
                    s.den += x.den;
                }
            }
            let row = mine.iter().find(|r| r["ma_chi_tieu"] == ind).unwrap();
            assert!(
                (row["tu_so"].as_f64().unwrap() - s.num).abs() < 1e-9,
                "{ind} {} {}: {} vs {}",
                h.unit,
                h.name,
                row["tu_so"],
                s.num
            );
            assert!(
                (row["mau_so"].as_f64().unwrap() - s.den).abs() < 1e-9,
                "{ind} {} {}",
                h.unit,
                h.name
            );
            let tier = row["cap"].as_str().unwrap();
            let expected = if s.den == 0.0 {
                "khong_phat_sinh"
            } else if (s.num * 100.0).round() as i64 >= (thresholds[&(ind, tier)] * s.den).round() as i64 {
                "dat"
            } else {
                "khong_dat"
            };
            assert_eq!(row["trang_thai"], expected, "{ind} {} {}", h.unit, h.name);
            checked += 1;
        }
        // eligibility follows from the rows
        let failing = mine
            .iter()
            .any(|r| r["trang_thai"] == "khong_dat" || r["trang_thai"] == "thieu_so_lieu");
        let initiative = mine
            .iter()
            .any(|r| r["ma_chi_tieu"] == "sang_kien" && r["trang_thai"] == "dat");
        let eligible = h.months.len() >= 6 && !failing && initiative;
        assert_eq!(
            summary["du_dieu_kien"].as_bool().unwrap(),
            eligible,
            "{} {}",
            h.unit,
            h.name
        );
        assert_eq!(
            summary["tam_tinh"], true,
            "imported values are submitted, not verified"
        );
    }
    assert!(checked > 100);
    // ranks 1..n over the eligible, with scores never rising
    let mut ranked: Vec<(u64, f64)> = rows
        .iter()
        .filter(|r| r["ma_chi_tieu"] == "_tong_hop" && !r["thu_hang"].is_null())
        .map(|r| {
            (
                r["thu_hang"].as_u64().unwrap(),
                r["diem_uu_tien"].as_f64().unwrap(),
            )
        })
        .collect();
    ranked.sort_by_key(|r| r.0);
    assert!(!ranked.is_empty());
    assert_eq!(
        ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
        (1..=ranked.len() as u64).collect::<Vec<_>>()
    );
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1));
}

fn import_all(env: &Env, dir: &Path) {
    env.ok(&["init"]);
    for kind in ["units", "heads", "procedures", "dossiers", "values"] {
        let f = dir.join(format!("{kind}.csv"));
        env.ok(&["import", kind, f.to_str().unwrap()]);
    }
}

#[test]
fn a_generated_province_evaluates_as_the_independent_computation_says() {
    let env = Env::on_backend();
    let dir = generate(&env, "5", &[]);
    import_all(&env, &dir);
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    check_province(&dir, &json);
    // the table ends with the suggested list, the first-ranked head first
    let first = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["thu_hang"] == 1)
        .unwrap();
    let table = env.ok(&["evaluate", "--year", "2023"]);
    let list = table.split("Danh sách đề xuất").nth(1).expect("a suggested list");
    let first_row = list.lines().find(|l| l.starts_with("| 1 ")).expect("rank 1");
    assert!(
        first_row.contains(first["ho_ten"].as_str().unwrap()),
        "{first_row}"
    );
    assert!(
        list.lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Hạng"))
            .count()
            <= 10
    );
}

#[test]
fn the_same_with_vietnamese_headers_labels_and_dates() {
    let env = Env::on_backend();
    let dir = generate(&env, "11", &["--date-style", "vn", "--vn-labels"]);
    import_all(&env, &dir);
    // importing the dossiers again is idempotent
    env.ok(&["import", "dossiers", dir.join("dossiers.csv").to_str().unwrap()]);
    let json = env.json(&["evaluate", "--year", "2023", "--format", "json"]);
    check_province(&dir, &json);
}

// ---- dossier-stats: the same numbers as the independent computation and the store ----

type StatRows = std::collections::BTreeMap<(String, String, String), (f64, f64)>;

fn parse_stats(out: &str) -> StatRows {
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("ind,unit,m,num,den"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                (f[0].into(), f[1].into(), f[2].into()),
                (f[3].parse().unwrap(), f[4].parse().unwrap()),
            )
        })
        .collect()
}

fn stats(env: &Env, file: &Path, procedures: &Path) -> StatRows {
    stats_with(env, file, procedures, &[])
}

fn stats_with(env: &Env, file: &Path, procedures: &Path, extra: &[&str]) -> StatRows {
    let mut args = vec![
        "dossier-stats",
        file.to_str().unwrap(),
        "--procedures",
        procedures.to_str().unwrap(),
        "--as-of",
        "2023-12-31T23:59:59",
    ];
    args.extend_from_slice(extra);
    parse_stats(&env.ok(&args))
}

/// The other variants, as `dossier-stats` is asked for them.
const OTHER_VARIANTS: [&str; 4] = ["--variant", "cong_bo", "--variant", "giai_quyet"];

/// The generated catalogue with a published time: none, half or all of the statutory time.
fn add_published_times(dir: &Path) {
    let path = dir.join("procedures.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let days: f64 = line.split(',').nth(2).unwrap().parse().unwrap_or(0.0);
        let published = match i % 3 {
            _ if i == 0 => "thoi_han_cong_bo".to_string(),
            0 => String::new(),
            1 => format!("{}", days / 2.0),
            _ => format!("{days}"),
        };
        out.push_str(&format!("{line},{published}\n"));
    }
    std::fs::write(&path, out).unwrap();
}

/// The independent sums of one reading of each formula: `other` picks the other variants.
fn independent(dir: &Path, other: bool) -> StatRows {
    dossier_sums(dir, &Cal::load())
        .into_iter()
        .filter(|(_, s)| s.den != 0.0)
        .filter_map(|((i, u, m), s)| {
            let (formula, variant) = match i.split_once(':') {
                Some((f, _)) => (f.to_string(), true),
                None => (i.clone(), false),
            };
            let keep = variant == other || (i == "tthc_dung_han");
            keep.then_some(((formula, u, m), (s.num, s.den)))
        })
        .collect()
}

fn store_rows(env: &Env) -> StatRows {
    store_rows_read(env, |r| r.is_default())
}

fn store_rows_read(env: &Env, read: impl Fn(thidua_domain::plan::Reading) -> bool) -> StatRows {
    let store = env.store();
    let units = store.units().unwrap();
    let as_of = thidua_domain::time::DateTime::parse_as_of("2023-12-31T23:59:59").unwrap();
    let tally = store.tally_dossiers(&units, as_of).unwrap();
    tally
        .cells()
        .filter(|((r, _, _), s)| s.den != thidua_domain::num::Dec::ZERO && read(*r))
        .map(|((r, u, m), s)| {
            (
                (
                    r.formula().code().to_string(),
                    units[u as usize].info.code.clone(),
                    m.iso(),
                ),
                (s.num.to_f64(), s.den.to_f64()),
            )
        })
        .collect()
}

#[test]
fn dossier_stats_store_and_independent_computation_agree_over_several_provinces() {
    for seed in ["21", "22", "23"] {
        let env = Env::on_backend();
        let dir = generate(&env, seed, &[]);
        add_published_times(&dir);
        let from_file = stats(&env, &dir.join("dossiers.csv"), &dir.join("procedures.csv"));
        assert_eq!(from_file, independent(&dir, false), "seed {seed}");
        // the other variants: the same dossiers, other numbers
        let other = stats_with(
            &env,
            &dir.join("dossiers.csv"),
            &dir.join("procedures.csv"),
            &OTHER_VARIANTS,
        );
        assert_eq!(other, independent(&dir, true), "seed {seed}, other variants");
        assert_ne!(other, from_file, "seed {seed}");
        import_all(&env, &dir);
        assert_eq!(store_rows(&env), from_file, "seed {seed}");
        assert_eq!(
            store_rows_read(&env, |r| !r.is_default() || r.formula().code() == "tthc_dung_han"),
            other,
            "seed {seed}, other variants"
        );
        // a quoted copy takes the general path and gives the same rows
        let text = std::fs::read_to_string(dir.join("dossiers.csv")).unwrap();
        let quoted: String = text
            .lines()
            .map(|l| format!("\"{}\n", l.replacen(',', "\",", 1)))
            .collect();
        let qpath = dir.join("quoted.csv");
        std::fs::write(&qpath, quoted).unwrap();
        assert_eq!(
            stats(&env, &qpath, &dir.join("procedures.csv")),
            from_file,
            "seed {seed}, quoted"
        );
    }
}

#[test]
fn dossier_stats_follows_the_edge_cases_of_indicators_md() {
    let env = Env::on_backend();
    let procs = env.file(
        "p.csv",
        "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\nP10,A,10,toan_trinh\nP0,B,0,khong\n".as_bytes(),
    );
    let body = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
R1,U1,P10,2023-01-19 08:00,2023-02-02 17:00,,truc_tuyen,dang_xu_ly\n\
W1,U1,P10,2023-03-01 08:00,2023-03-02 17:00,,truc_tiep,rut\n\
O1,U1,P10,2023-05-02 08:00,2023-06-20 17:00,,truc_tiep,dang_xu_ly\n\
X1,U1,Q99,2023-03-01 08:00,2023-03-02 17:00,2023-03-01 09:00,truc_tuyen,da_tra_ket_qua\n\
R1,U1,P10,2023-01-19 08:00,2023-02-02 17:00,2023-01-27 09:00,truc_tuyen,da_tra_ket_qua\n";
    let f = env.file("d.csv", body.as_bytes());
    let rows = stats(&env, Path::new(&f), Path::new(&procs));
    let get = |i: &str, m: &str| {
        rows.get(&(i.to_string(), "U1".to_string(), m.to_string()))
            .copied()
    };
    // R1 counted once, in January, on time, 1 working day across Tết: 10 − 1 = 9 of 10
    assert_eq!(get("tthc_dung_han", "2023-01"), Some((1.0, 1.0)));
    assert_eq!(get("tthc_rut_ngan", "2023-01"), Some((9.0, 10.0)));
    assert_eq!(get("dvc_truc_tuyen", "2023-01"), Some((1.0, 1.0)));
    // O1 overdue and unresolved: late in June, the month of its due date
    assert_eq!(get("tthc_dung_han", "2023-06"), Some((0.0, 1.0)));
    // W1 withdrawn: nowhere; X1 unknown procedure: on time in March, not in the other two
    assert_eq!(get("tthc_dung_han", "2023-03"), Some((1.0, 1.0)));
    assert_eq!(get("tthc_rut_ngan", "2023-03"), None);
    assert_eq!(get("dvc_truc_tuyen", "2023-03"), None);
    assert_eq!(get("dvc_truc_tuyen", "2023-05"), Some((0.0, 1.0)));
    assert_eq!(rows.len(), 6, "{rows:?}");
}

#[test]
fn dossier_stats_reads_the_variants_asked_for() {
    let env = Env::on_backend();
    let procs = env.file(
        "p.csv",
        "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc,thoi_han_cong_bo\n\
P10,A,10,toan_trinh,6.5\nP8,B,8,mot_phan,\n"
            .as_bytes(),
    );
    // R1 received in January, returned in February; O1 online, overdue unresolved (due in
    // March); S1 took longer than its 8 days
    let body = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
R1,U1,P10,2023-01-30 08:00,2023-02-13 17:00,2023-02-01 09:00,truc_tuyen,da_tra_ket_qua\n\
O1,U1,P10,2023-02-20 08:00,2023-03-06 17:00,,truc_tuyen,dang_xu_ly\n\
S1,U1,P8,2023-02-01 08:00,2023-02-13 17:00,2023-02-20 09:00,truc_tiep,da_tra_ket_qua\n";
    let f = env.file("d.csv", body.as_bytes());
    let get = |rows: &StatRows, i: &str, m: &str| {
        rows.get(&(i.to_string(), "U1".to_string(), m.to_string()))
            .copied()
    };
    let default = stats(&env, Path::new(&f), Path::new(&procs));
    // thuc_te: R1 2 working days of 10 (+8), S1 13 of 8 (−5): 3 of 18
    assert_eq!(get(&default, "tthc_rut_ngan", "2023-02"), Some((3.0, 18.0)));
    // tiep_nhan: R1 in January; O1 and S1 in February
    assert_eq!(get(&default, "dvc_truc_tuyen", "2023-01"), Some((1.0, 1.0)));
    assert_eq!(get(&default, "dvc_truc_tuyen", "2023-02"), Some((1.0, 2.0)));
    let other = stats_with(&env, Path::new(&f), Path::new(&procs), &OTHER_VARIANTS);
    // cong_bo: R1 10 − 6.5, S1 nothing published: 3.5 of 18
    assert_eq!(get(&other, "tthc_rut_ngan", "2023-02"), Some((3.5, 18.0)));
    // giai_quyet: R1 and S1 decided in February, O1 late in March
    assert_eq!(get(&other, "dvc_truc_tuyen", "2023-01"), None);
    assert_eq!(get(&other, "dvc_truc_tuyen", "2023-02"), Some((1.0, 2.0)));
    assert_eq!(get(&other, "dvc_truc_tuyen", "2023-03"), Some((1.0, 1.0)));
    assert_eq!(
        get(&other, "tthc_dung_han", "2023-03"),
        get(&default, "tthc_dung_han", "2023-03")
    );
    // one variant alone leaves the other formula at its default
    let one = stats_with(&env, Path::new(&f), Path::new(&procs), &["--variant", "cong_bo"]);
    assert_eq!(get(&one, "tthc_rut_ngan", "2023-02"), Some((3.5, 18.0)));
    assert_eq!(get(&one, "dvc_truc_tuyen", "2023-01"), Some((1.0, 1.0)));
    // a variant that is none of the formulas' is refused
    let (code, _, err) = env.run(
        &[
            "dossier-stats",
            &f,
            "--procedures",
            &procs,
            "--variant",
            "trung_binh",
        ],
        None,
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("trung_binh") && err.contains("cong_bo") && err.contains("giai_quyet"),
        "{err}"
    );
}

#[test]
fn dossier_stats_reports_bad_rows_and_leaves_them_out() {
    let env = Env::on_backend();
    let procs = env.file(
        "p.csv",
        "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\nP10,A,10,toan_trinh\n".as_bytes(),
    );
    let body = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
A1,U1,P10,2023-03-01 08:00,2023-03-10 17:00,2023-03-02 09:00,truc_tuyen,da_tra_ket_qua\n\
A2,U1,P10,03/13/2023,2023-03-10 17:00,,truc_tuyen,dang_xu_ly\n";
    let f = env.file("d.csv", body.as_bytes());
    let (code, out, err) = env.run(
        &[
            "dossier-stats",
            &f,
            "--procedures",
            &procs,
            "--as-of",
            "2023-12-31",
        ],
        None,
    );
    assert_eq!(code, common::REFUSED);
    assert!(
        err.contains("| 3 ") && err.contains("tháng 13") && err.contains("1 bad dossier rows"),
        "{err}"
    );
    assert_eq!(parse_stats(&out).len(), 3, "{out}");
}

#[test]
fn dossier_stats_gives_the_same_rows_when_quotes_appear_late_in_the_file() {
    let env = Env::on_backend();
    let procs = env.file(
        "p.csv",
        "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\nP10,A,10,toan_trinh\n".as_bytes(),
    );
    let mut plain = String::from(
        "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n",
    );
    for i in 0..100_000 {
        let unit = ["U1", "U2", "U3"][i % 3];
        let month = 1 + i % 12;
        plain.push_str(&format!("D{i:07},{unit},P10,2023-{month:02}-02 08:00,2023-{month:02}-12 17:00,2023-{month:02}-10 09:00,truc_tuyen,da_tra_ket_qua\n"));
    }
    let late = format!("{plain}\"D0000007\",\"U2\",\"P10\",\"2023-08-02 08:00\",\"2023-08-12 17:00\",,\"truc_tiep\",\"dang_xu_ly\"\n");
    let fixed = format!("{plain}D0000007,U2,P10,2023-08-02 08:00,2023-08-12 17:00,,truc_tiep,dang_xu_ly\n");
    let a = env.file("late.csv", late.as_bytes());
    let b = env.file("fixed.csv", fixed.as_bytes());
    let (sa, sb) = (
        stats(&env, Path::new(&a), Path::new(&procs)),
        stats(&env, Path::new(&b), Path::new(&procs)),
    );
    assert_eq!(sa, sb);
    // D0000007 (U2, August) was replaced by its unresolved, offline version
    assert_eq!(
        sa[&(
            "dvc_truc_tuyen".to_string(),
            "U2".to_string(),
            "2023-08".to_string()
        )],
        (8332.0, 8333.0)
    );
}

#[test]
fn dossier_stats_quotes_unit_codes_that_need_it() {
    let env = Env::on_backend();
    let procs = env.file(
        "p.csv",
        "ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\nP10,A,10,toan_trinh\n".as_bytes(),
    );
    let body = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n\
A1,\"U,1\",P10,2023-03-01 08:00,2023-03-10 17:00,2023-03-02 09:00,truc_tuyen,da_tra_ket_qua\n";
    let f = env.file("d.csv", body.as_bytes());
    let out = env.ok(&[
        "dossier-stats",
        &f,
        "--procedures",
        &procs,
        "--as-of",
        "2023-12-31",
    ]);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|row| &row[1] == "U,1" && row.len() == 5), "{out}");
}
