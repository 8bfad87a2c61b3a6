//! Helpers the tests of every crate share (the `testing` feature, enabled only by
//! dev-dependencies): a PostgreSQL database of one's own on the local test server, and a
//! small deterministic random source.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The advisory lock every writing transaction takes on PostgreSQL (a test holds it as an
/// import would).
pub const WRITE_LOCK: i64 = crate::sql::WRITE_LOCK;

/// Holds the store's write lock from another connection, as an import in progress does —
/// on the PostgreSQL database at `url`, else on the SQLite file `data_file` — until the
/// returned sender sends or is dropped; returns once the lock is held.
pub fn hold_write_lock(
    data_file: std::path::PathBuf,
    url: Option<String>,
) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (release, held_until) = std::sync::mpsc::channel::<()>();
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || match url {
        Some(url) => {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let mut tx = c.transaction().unwrap();
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
                .unwrap();
            tx.batch_execute("UPDATE settings SET value = value").unwrap();
            locked.send(()).unwrap();
            let _ = held_until.recv();
            tx.commit().unwrap();
        }
        None => {
            let conn = rusqlite::Connection::open(data_file).unwrap();
            conn.execute_batch("BEGIN IMMEDIATE; UPDATE settings SET value = value;")
                .unwrap();
            locked.send(()).unwrap();
            let _ = held_until.recv();
            conn.execute_batch("COMMIT").unwrap();
        }
    });
    is_locked.recv().unwrap();
    (release, holder)
}

/// The maintenance database of the test server.
const SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh database on the server at 127.0.0.1:5432 (user `postgres`, trust;
/// `scripts/test.sh` installs and starts one where none answers), dropped with this value.
/// Never skipped: without a server it panics and says why.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A database named after `prefix`, the process and a counter.
    pub fn new(prefix: &str) -> TestDb {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = postgres::Client::connect(SERVER, postgres::NoTls).unwrap_or_else(|e| {
            panic!("no PostgreSQL server answers at 127.0.0.1:5432 ({e}): scripts/test.sh installs and starts one")
        });
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        TestDb {
            url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
            name,
        }
    }

    /// A database of its own made as a copy of the database `template` (which nobody may
    /// be connected to): PostgreSQL copies its files, much faster than filling it again.
    pub fn copy_of(prefix: &str, template: &str) -> TestDb {
        let db = TestDb::new(prefix);
        let mut admin = postgres::Client::connect(SERVER, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE {}", db.name))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {} TEMPLATE {template}", db.name))
            .unwrap();
        db
    }

    /// Keeps the database after this value (a template that lives as long as the process);
    /// `drop_stale` removes those of processes that ended.
    pub fn keep(self) -> String {
        let name = self.name.clone();
        std::mem::forget(self);
        name
    }

    /// Drops the databases named `prefix_PID_…` of processes other than this one.
    pub fn drop_stale(prefix: &str) {
        let mut admin = postgres::Client::connect(SERVER, postgres::NoTls).unwrap();
        let mine = format!("{prefix}_{}_", std::process::id());
        let names: Vec<String> = admin
            .query(
                "SELECT datname::text FROM pg_database WHERE datname LIKE $1",
                &[&format!("{prefix}\\_%")],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for name in names.into_iter().filter(|n| !n.starts_with(&mine)) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // on a thread of its own: the synchronous client cannot run inside an async test
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(mut admin) = postgres::Client::connect(SERVER, postgres::NoTls) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

/// xorshift64*: the same numbers on every run, so a failing case can be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// Whether this run's storage tests go to PostgreSQL (`THIDUA_TEST_BACKEND=postgres`, as
/// `scripts/test.sh` runs them a second time) rather than embedded SQLite.
pub fn postgres_wanted() -> bool {
    std::env::var("THIDUA_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A fresh store of this run's backend (`postgres_wanted`): a private in-memory SQLite
/// store, or a database of its own on the test server, dropped with it.
pub struct TestStore {
    // the store goes before its database
    store: crate::Store,
    db: Option<TestDb>,
}

impl TestStore {
    /// The database's URL, when on PostgreSQL (to open a second connection to it).
    pub fn url(&self) -> Option<&str> {
        self.db.as_ref().map(|d| d.url.as_str())
    }
}

pub fn store() -> TestStore {
    if postgres_wanted() {
        let db = TestDb::new("thidua_store");
        TestStore {
            store: crate::Store::open_url(&db.url).unwrap(),
            db: Some(db),
        }
    } else {
        TestStore {
            store: crate::Store::in_memory().unwrap(),
            db: None,
        }
    }
}

impl std::ops::Deref for TestStore {
    type Target = crate::Store;
    fn deref(&self) -> &crate::Store {
        &self.store
    }
}

impl std::ops::DerefMut for TestStore {
    fn deref_mut(&mut self) -> &mut crate::Store {
        &mut self.store
    }
}
