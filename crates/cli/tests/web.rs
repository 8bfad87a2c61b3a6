//! `thidua token create`, `thidua serve` and `thidua demo` through the real binary.

mod common;

use common::Env;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// One HTTP/1.1 request over a plain socket; returns (status, body).
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        text.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default(),
    )
}

/// The server process, and the temporary folder its demo data goes to (removed with it,
/// since a killed server cannot clean up after itself).
struct Running {
    child: Child,
    _data: tempfile::TempDir,
}
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `thidua [--data-dir D] ARGS --listen 127.0.0.1:0` and reads the address it prints.
fn start(env: Option<&Env>, args: &[&str]) -> (Running, String, Vec<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_thidua"));
    if let Some(env) = env {
        cmd.arg("--data-dir").arg(&env.data);
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut child = cmd
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let running = Running { child, _data: tmp };
    loop {
        let line = lines.next().expect("the server printed its address").unwrap();
        seen.push(line.clone());
        if let Some(i) = line.find("http://") {
            let addr = line[i + 7..].trim_end_matches('/').to_string();
            // the demo prints its accounts after the address
            if args[0] == "demo" {
                for l in lines.by_ref().take(8) {
                    seen.push(l.unwrap());
                }
            }
            // keep draining what the server prints, as a terminal would
            std::thread::spawn(move || for _ in lines {});
            return (running, addr, seen);
        }
    }
}

#[test]
fn serve_answers_pages_and_takes_dossiers_from_a_token() {
    let env = Env::new();
    let (code, _, err) = env.run(&["serve", "--listen", "127.0.0.1:0"], None);
    assert_eq!(code, 1);
    assert!(err.contains("thidua init"), "{err}");
    env.ok(&["init"]);
    let units = env.file(
        "u.csv",
        "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH01,UBND thành phố Bà Rịa,huyen,\n".as_bytes(),
    );
    env.ok(&["import", "units", &units]);
    env.ok_stdin(
        &[
            "user",
            "add",
            "motcua",
            "--role",
            "so_noi_vu",
            "--full-name",
            "Hệ thống một cửa",
            "--password-stdin",
        ],
        "mat-khau-dai-du\n",
    );
    let token = env
        .ok(&["token", "create", "motcua", "--label", "một cửa"])
        .trim()
        .to_string();
    assert!(
        token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "{token}"
    );
    let (code, _, err) = env.run(&["token", "create", "khong-co"], None);
    assert_eq!(code, 1);
    assert!(err.contains("không có tài khoản"));

    let (_server, addr, _) = start(Some(&env), &["serve"]);
    let (status, body) = http(&addr, "GET", "/dang-nhap", &[], b"");
    assert_eq!(status, 200);
    assert!(body.contains("Đăng nhập"));
    let csv = "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\nHS-1,H01,X,2023-05-02 08:00,2023-05-10,2023-05-09 10:00,truc_tuyen,da_tra_ket_qua\n";
    let auth = format!("Bearer {token}");
    let (status, body) = http(
        &addr,
        "POST",
        "/api/v1/dossiers",
        &[("Authorization", &auth), ("Content-Type", "text/csv")],
        csv.as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"da_ghi\":true"));
    // (no body: the server answers before reading one, and an unread body may reset the socket)
    let (status, _) = http(
        &addr,
        "POST",
        "/api/v1/dossiers",
        &[("Authorization", "Bearer sai"), ("Content-Type", "text/csv")],
        b"",
    );
    assert_eq!(status, 401);
}

#[test]
fn demo_serves_a_province_and_prints_one_account_per_role() {
    let (_server, addr, lines) = start(None, &["demo"]);
    let text = lines.join("\n");
    for role in ["quan_tri", "so_noi_vu", "ban_tdkt", "lanh_dao", "don_vi"] {
        assert!(text.contains(role), "{role} in {text}");
    }
    let password = text
        .split("password: ")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_string();
    let body = serde_json::json!({"username": "bantdkt", "password": password}).to_string();
    let (status, _) = http(
        &addr,
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(status, 200);
}

#[test]
fn documents_are_written_from_the_command_line() {
    let env = Env::new();
    env.ok(&["init"]);
    let units = env.file(
        "u.csv",
        "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH01,UBND thành phố Bà Rịa,huyen,\n".as_bytes(),
    );
    let heads = env.file("h.csv", "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nH01,Trương Hồng Hương,Chủ tịch UBND thành phố,2021-07-06,\n".as_bytes());
    env.ok(&["import", "units", &units]);
    env.ok(&["import", "heads", &heads]);
    let out = env.dir.path().join("ds.docx");
    let list = [
        "document",
        "danh-sach-tham-khao",
        "--year",
        "2023",
        "--out",
        out.to_str().unwrap(),
    ];
    // no province yet: refused with the setting's name, nothing written
    let (code, _, err) = env.run(&list, None);
    assert_eq!(code, 1);
    assert!(err.contains("Tên tỉnh"), "{err}");
    assert!(!out.exists());
    env.ok(&[
        "init",
        "--province",
        "Bà Rịa - Vũng Tàu",
        "--board-signer",
        "Lê Văn Tâm",
    ]);
    env.ok(&list);
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"PK\x03\x04") && bytes.windows(17).any(|w| w == b"word/document.xml"),
        "a DOCX package"
    );
    // no nomination: no tờ trình, minutes or decision from the ranking
    for kind in [
        "to-trinh",
        "quyet-dinh",
        "bien-ban-tham-dinh",
        "to-trinh-don-vi --unit H01",
        "bien-ban-hoi-dong --unit H01",
    ] {
        let mut args = vec!["document"];
        args.extend(kind.split(' '));
        args.extend(["--year", "2023", "--out", "x.docx"]);
        let (code, _, err) = env.run(&args, None);
        assert_eq!(code, 1, "{kind}");
        assert!(err.contains("không lập"), "{kind}: {err}");
    }
    // the head's particulars are entered on the unit page before the report
    let (code, _, err) = env.run(
        &[
            "document", "mau07", "--unit", "H01", "--year", "2023", "--out", "x.docx",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("Chưa có lý lịch của Trương Hồng Hương"), "{err}");
    let (code, _, err) = env.run(
        &[
            "document", "mau07", "--unit", "KHONG", "--year", "2023", "--out", "x.docx",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("Không có đơn vị mã «KHONG»"), "{err}");
    let (code, _, err) = env.run(
        &[
            "document",
            "quyet-dinh",
            "--year",
            "2023",
            "--ngay",
            "30/02/2024",
            "--out",
            "x.docx",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("30/02/2024"), "{err}");
    // the movement's reports: refused without their signer, then written
    let bc = env.dir.path().join("bc.docx");
    let bc = bc.to_str().unwrap();
    let report = |kind: &'static str, extra: &'static [&'static str]| {
        let mut args = vec!["document", kind, "--year", "2023", "--out", bc];
        args.extend(extra);
        args
    };
    let (code, _, err) = env.run(&report("tong-ket", &[]), None);
    assert_eq!(code, 1);
    assert!(err.contains("Người ký báo cáo của Sở Nội vụ"), "{err}");
    env.ok(&["init", "--office-signer", "Trần Văn Tuấn"]);
    env.ok(&report("so-ket", &["--as-of", "30/06/2023", "--so", "12"]));
    let text = String::from_utf8_lossy(&std::fs::read(bc).unwrap()).to_string();
    assert!(
        text.contains("word/media/"),
        "the chart is an image of the package"
    );
    env.ok(&report("tong-ket", &[]));
    let (code, _, err) = env.run(&report("so-ket", &["--as-of", "2024-02-01"]), None);
    assert_eq!(code, 1);
    assert!(err.contains("ngoài kỳ thi đua"), "{err}");
}
