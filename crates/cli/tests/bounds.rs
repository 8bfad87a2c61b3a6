//! Files built to exhaust memory (issue 13): the real binary, under a 1 GiB address-space
//! limit, refuses each with the cap named (exit code 2) and writes nothing.

mod common;

use common::{Env, REFUSED};
use std::io::{Cursor, Write};
use thidua_store::Store;

const GIB: u64 = 1 << 30;

/// An XLSX-like archive whose only part, `name`, is `head`, `body` `times` times, `tail`:
/// written piece by piece, never whole in memory.
fn bomb(name: &str, head: &str, body: &str, times: usize, tail: &str) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    z.start_file(name, opts).unwrap();
    z.write_all(head.as_bytes()).unwrap();
    let chunk = body.repeat(4096);
    for _ in 0..times / 4096 {
        z.write_all(chunk.as_bytes()).unwrap();
    }
    for _ in 0..times % 4096 {
        z.write_all(body.as_bytes()).unwrap();
    }
    z.write_all(tail.as_bytes()).unwrap();
    z.finish().unwrap().into_inner()
}

fn seeded() -> Env {
    let env = Env::new();
    env.ok(&["init"]);
    let units = "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nT01,Sở Nội vụ,tinh,\n";
    let f = env.file("units.csv", units.as_bytes());
    env.ok(&["import", "units", &f]);
    env
}

fn refused_within_1_gib(env: &Env, kind: &str, name: &str, bytes: &[u8], expect: &[&str]) {
    let before = Store::open_dir(&env.data).unwrap().counts().unwrap();
    let f = env.file(name, bytes);
    let t = std::time::Instant::now();
    let (code, out, err) = env.run_limited(GIB, &["import", kind, &f]);
    assert_eq!(code, REFUSED, "{out}{err}");
    for e in ["vượt giới hạn", "exceeds a limit"].iter().chain(expect) {
        assert!(
            err.contains(e) || out.contains(e),
            "expected «{e}» in:\n{out}\n{err}"
        );
    }
    assert!(t.elapsed().as_secs() < 30, "refused in {:?}", t.elapsed());
    let after = Store::open_dir(&env.data).unwrap().counts().unwrap();
    assert_eq!(after, before, "the store must be unchanged");
}

const SST: &str = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

#[test]
fn xlsx_bombs_are_refused_in_bounded_memory() {
    let env = seeded();
    // a shared strings part inflating to 1 GiB
    let b = bomb(
        "xl/sharedStrings.xml",
        &format!("{SST}<si><t>"),
        "a",
        GIB as usize,
        "</t></si></sst>",
    );
    assert!(b.len() < 20 << 20, "{} bytes", b.len());
    refused_within_1_gib(&env, "values", "sst.xlsx", &b, &["256 MiB"]);
    // two million tiny shared strings
    let b = bomb(
        "xl/sharedStrings.xml",
        SST,
        "<si><t>x</t></si>",
        2_000_000,
        "</sst>",
    );
    refused_within_1_gib(&env, "values", "tiny.xlsx", &b, &["1000000"]);
    // a 16 MiB inline string
    let sheet = r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#;
    let b = bomb(
        "xl/worksheets/sheet1.xml",
        sheet,
        "z",
        16 << 20,
        "</t></is></c></row></sheetData></worksheet>",
    );
    refused_within_1_gib(&env, "values", "inline.xlsx", &b, &["128 KiB"]);
}

#[test]
fn csv_bombs_are_refused_in_bounded_memory() {
    let env = seeded();
    // the general reader: a 64 MiB line
    let mut f = b"ma_don_vi,ma_chi_tieu,ky,gia_tri\n".to_vec();
    f.extend(std::iter::repeat_n(b'x', 64 << 20));
    refused_within_1_gib(&env, "values", "line.csv", &f, &["1 MiB"]);
    // the dossier hot path: a 12 MiB line among plain rows
    let mut f =
        b"ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n".to_vec();
    f.extend(b"A1,T01,1.000001,2023-03-01,2023-03-10,,truc_tuyen,dang_xu_ly\n");
    f.extend(std::iter::repeat_n(b'y', 12 << 20));
    f.extend(b"\nA2,T01,1.000001,2023-03-01,2023-03-10,,truc_tuyen,dang_xu_ly\n");
    refused_within_1_gib(&env, "dossiers", "dossiers.csv", &f, &["1 MiB"]);
    // too many fields, and one field too long
    let f = format!("ma_don_vi,ten_don_vi,cap\n{}\n", ",".repeat(20_000));
    refused_within_1_gib(&env, "units", "fields.csv", f.as_bytes(), &["16384"]);
    let f = format!("ma_don_vi,ten_don_vi,cap\nT02,{},tinh\n", "n".repeat(200 << 10));
    refused_within_1_gib(&env, "units", "field.csv", f.as_bytes(), &["128 KiB"]);
}
