use super::*;
use thidua_domain::dossier::OnlineLevel;
use thidua_domain::num::Dec;
use thidua_domain::time::Date;

fn temp(text: &str) -> std::fs::File {
    let mut f = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
    std::io::Seek::rewind(&mut f).unwrap();
    f
}

fn stats(text: &str) -> (Vec<String>, u64) {
    let mut procedures = Procedures::default();
    for (code, days, level) in [("P1", 5, OnlineLevel::ToanTrinh), ("P2", 10, OnlineLevel::Khong)] {
        let info = ProcedureInfo {
            statutory_days: Dec::from_int(days),
            online_level: level,
        };
        procedures.insert(code.to_string(), info);
    }
    let as_of = DateTime::from_parts(Date::from_ymd(2024, 1, 1).unwrap(), 0, 0, 0).unwrap();
    let calendar = Calendar::built_in();
    let s = dossier_stats(&mut temp(text), &procedures, &calendar, as_of, &|_, _| {}).unwrap();
    let rows = stat_rows(&s).iter().map(|r| format!("{r:?}")).collect();
    (rows, s.report.unknown_procedures)
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
            let procedure = ["P1", "P2", "PX"][next(3)];
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
}
