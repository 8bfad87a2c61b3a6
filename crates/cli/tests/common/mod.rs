//! Running the real `thidua` binary against a fresh data folder.
#![allow(dead_code)]

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub const REFUSED: i32 = 2;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    /// The store's PostgreSQL database, when a test runs on PostgreSQL (`on_backend`).
    pub db: Option<thidua_store::testing::TestDb>,
}

impl Env {
    /// A fresh data folder with the embedded store.
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        Env { dir, data, db: None }
    }

    /// `new`, with the store on this run's backend: PostgreSQL when the tests run there
    /// (`THIDUA_TEST_BACKEND=postgres`; every command gets `--database-url`).
    pub fn on_backend() -> Env {
        let mut env = Env::new();
        if thidua_store::testing::postgres_wanted() {
            env.db = Some(thidua_store::testing::TestDb::new("thidua_cli"));
        }
        env
    }

    /// The store the commands use.
    pub fn store(&self) -> thidua_store::Store {
        match &self.db {
            Some(db) => thidua_store::Store::open_url(&db.url).unwrap(),
            None => thidua_store::Store::open_dir(&self.data).unwrap(),
        }
    }

    /// Holds the store's write lock from another connection, as an import in progress does
    /// (`thidua_store::testing::hold_write_lock`).
    pub fn hold_write_lock(&self) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
        thidua_store::testing::hold_write_lock(
            self.data.join("thidua.db"),
            self.db.as_ref().map(|d| d.url.clone()),
        )
    }

    /// `--database-url URL` when the store is on PostgreSQL.
    pub fn database_args(&self) -> Vec<String> {
        match &self.db {
            Some(db) => vec!["--database-url".into(), db.url.clone()],
            None => Vec::new(),
        }
    }

    /// Runs `thidua --data-dir … ARGS`; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_thidua"))
            .arg("--data-dir")
            .arg(&self.data)
            .args(self.database_args())
            .args(args)
            .env_remove("THIDUA_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `run` under an address-space limit of `bytes` (`ulimit -v`): what a file makes the
    /// program allocate must fit.
    pub fn run_limited(&self, bytes: u64, args: &[&str]) -> (i32, String, String) {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", bytes / 1024))
            .arg(env!("CARGO_BIN_EXE_thidua"))
            .arg("--data-dir")
            .arg(&self.data)
            .args(self.database_args())
            .args(args)
            .env_remove("THIDUA_DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args, None);
        assert_eq!(code, 0, "thidua {args:?} failed:\n{out}\n{err}");
        out
    }

    pub fn ok_stdin(&self, args: &[&str], stdin: &str) -> String {
        let (code, out, err) = self.run(args, Some(stdin));
        assert_eq!(code, 0, "thidua {args:?} failed:\n{out}\n{err}");
        out
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// Writes a file in the temporary folder and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    }
}

/// The first row of `unit` and `indicator` in an evaluation.
pub fn find<'a>(json: &'a Value, unit: &str, indicator: &str) -> &'a Value {
    json.as_array()
        .unwrap()
        .iter()
        .find(|r| r["ma_don_vi"] == unit && r["ma_chi_tieu"] == indicator)
        .unwrap_or_else(|| panic!("no row {unit}/{indicator}"))
}
