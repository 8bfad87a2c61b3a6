use super::*;
use thidua_domain::dossier::{Channel, DossierStatus, OnlineLevel};
use thidua_domain::num::Dec;
use thidua_domain::time::Date;

fn temp(text: &str) -> std::fs::File {
    let mut f = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
    std::io::Seek::rewind(&mut f).unwrap();
    f
}

fn procedures() -> Procedures {
    let mut procedures = Procedures::default();
    let half = Dec::parse("2.5");
    for (code, days, level, published) in [
        ("P1", 5, OnlineLevel::ToanTrinh, half),
        ("P2", 10, OnlineLevel::Khong, None),
        ("P3", 8, OnlineLevel::MotPhan, Some(Dec::from_int(8))),
    ] {
        let info = ProcedureInfo {
            statutory_days: Dec::from_int(days),
            online_level: level,
            published_days: published,
        };
        procedures.insert(code.to_string(), info);
    }
    procedures
}

fn as_of() -> DateTime {
    DateTime::from_parts(Date::from_ymd(2023, 12, 20).unwrap(), 0, 0, 0).unwrap()
}

/// The other variant of each formula that has one.
const OTHER_READINGS: [Reading; 3] = [
    Reading::TthcDungHan,
    Reading::TthcRutNgan(thidua_domain::plan::RutNgan::CongBo),
    Reading::DvcTrucTuyen(thidua_domain::plan::TrucTuyen::GiaiQuyet),
];

/// The rows of `s` under the default readings, then under the other variants.
fn printed(s: &DossierStats) -> Vec<String> {
    let default = stat_rows(s, &DEFAULT_READINGS);
    let other = stat_rows(s, &OTHER_READINGS);
    assert!(
        other.iter().all(|r| !r.0.contains(':')),
        "printed under the formula's code"
    );
    default
        .iter()
        .map(|r| format!("{r:?}"))
        .chain(other.iter().map(|r| format!("other {r:?}")))
        .collect()
}

fn stats(text: &str) -> (Vec<String>, u64) {
    let calendar = Calendar::built_in();
    let procedures = procedures();
    let s = dossier_stats(&mut temp(text), &procedures, &calendar, as_of(), &|_, _| {}).unwrap();
    (printed(&s), s.report.unknown_procedures)
}

/// The domain's tally fed one plain dossier at a time, parsed here by hand: no blocks, no
/// threads, no replacement (`lines` holds each code once).
fn naive(lines: &[&str]) -> (Vec<String>, u64) {
    let calendar = Calendar::built_in();
    let procedures = procedures();
    let at = |s: &str| DateTime::parse_as_of(&s.replace(' ', "T")).unwrap();
    let mut units: Vec<String> = Vec::new();
    let mut tally = DossierTally::default();
    for l in lines {
        let f: Vec<&str> = l.split(';').collect();
        let unit = match units.iter().position(|u| u == f[1]) {
            Some(i) => i,
            None => {
                units.push(f[1].to_string());
                units.len() - 1
            }
        };
        let facts = DossierFacts {
            unit: unit as u32,
            procedure: procedures.get(f[2]),
            received_at: at(f[3]),
            due_at: at(f[4]),
            completed_at: (!f[5].is_empty()).then(|| at(f[5])),
            channel: Channel::from_code(f[6]).unwrap(),
            status: DossierStatus::from_code(f[7]).unwrap(),
        };
        tally.add(&facts, &calendar, as_of());
    }
    tally.prune();
    let unknown = tally.unknown_procedure.values().sum();
    let s = DossierStats {
        tally,
        units,
        report: ImportReport::new(ImportKind::Dossiers),
    };
    (printed(&s), unknown)
}

/// Rows of every outcome, over several 256 KiB blocks; codes come back up to five times,
/// later rows changing unit, procedure, month and status, so that what is taken back
/// differs from what replaces it.
fn rows(n: usize) -> Vec<(usize, String)> {
    let mut state = 7u64;
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % m) as usize
    };
    (0..n)
        .map(|_| {
            let code = next(n as u64 / 3);
            let unit = ["T01", "T02", "T03"][next(3)];
            let procedure = ["P1", "P2", "P3", "PX"][next(4)];
            // valid rows only: an invalid later row would not replace a valid one
            let (month, day) = (1 + next(12), 1 + next(20));
            let due = day + next(8);
            let done = next(4);
            let result = match done {
                0 => String::new(),
                _ => format!("2023-{month:02}-{:02} 16:00", day + next(9)),
            };
            let status = ["dang_xu_ly", "da_tra_ket_qua", "tu_choi", "rut"][done];
            let channel = ["truc_tiep", "truc_tuyen"][next(2)];
            let (received, due) = (
                format!("2023-{month:02}-{day:02} 08:00"),
                format!("2023-{month:02}-{due:02} 17:00"),
            );
            let line = format!("H-{code};{unit};{procedure};{received};{due};{result};{channel};{status}");
            (code, line)
        })
        .collect()
}

const HEADER: &str = "ma_ho_so;ma_don_vi;ma_tthc;ngay_tiep_nhan;han_xu_ly;ngay_ket_qua;kenh_nop;trang_thai";

#[test]
fn replaced_rows_are_taken_back_exactly() {
    let rows = rows(20_000);
    let body: String = rows.iter().map(|(_, l)| format!("{l}\n")).collect();
    let plain = format!("{HEADER}\n{body}");
    assert!(plain.len() > 4 * READ_BLOCK, "several blocks");
    let fast = stats(&plain);
    assert!(!fast.0.is_empty() && fast.1 > 0);
    // the general path (a quote sends the file there) counts only each code's last row
    let quoted = format!("\"{}\"\n{body}", HEADER.replace(';', "\";\""));
    assert_eq!(stats(&quoted), fast);
    // and so does the fast path over a file without repeated codes
    let mut last: Vec<(usize, &str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (code, line) in rows.iter().rev() {
        if seen.insert(code) {
            last.push((*code, line));
        }
    }
    assert!(last.len() < rows.len() * 9 / 10, "many codes repeat");
    let once: String = last.iter().rev().map(|(_, l)| format!("{l}\n")).collect();
    assert_eq!(stats(&format!("{HEADER}\n{once}")), fast);
    // and so does the domain's tally fed row by row, under every variant
    let lines: Vec<&str> = last.iter().rev().map(|(_, l)| *l).collect();
    assert_eq!(naive(&lines), fast);
    for kind in ["other (\"tthc_rut_ngan\"", "other (\"dvc_truc_tuyen\""] {
        let (under, other) = (
            fast.0.iter().filter(|r| r.starts_with(&kind[6..])).count(),
            fast.0.iter().filter(|r| r.starts_with(kind)).count(),
        );
        assert!(under > 0 && other > 0, "{kind}: {under} {other}");
    }
    assert_ne!(
        fast.0
            .iter()
            .filter(|r| r.starts_with("(\"dvc"))
            .map(|r| &r[r.find(',').unwrap()..])
            .collect::<Vec<_>>(),
        fast.0
            .iter()
            .filter(|r| r.starts_with("other (\"dvc"))
            .map(|r| &r[r.find(',').unwrap()..])
            .collect::<Vec<_>>(),
        "the variants differ on these rows"
    );
}
