//! A server on port 0 over a fresh copy of the demo province, and a small client that
//! keeps its session cookie and CSRF token like a browser.

#![allow(dead_code)]

use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Client as Http, StatusCode};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use thidua_web::{AppState, Config};

pub const PASSWORD: &str = "mat-khau-demo-2023";

/// The demo province is built once for the one web test binary, then copied for each
/// server: as `thidua demo` makes it (the year's decision published, the year frozen), or
/// stopped before the decision with the office having reopened every period of the two
/// demo units (the working copy most tests write to: 2023's deadlines are long past).
fn template(published: bool) -> &'static Path {
    static PUBLISHED: OnceLock<PathBuf> = OnceLock::new();
    static OPEN: OnceLock<PathBuf> = OnceLock::new();
    let cell = if published { &PUBLISHED } else { &OPEN };
    cell.get_or_init(|| {
        // Under target/tmp (cargo clean removes it): statics are never dropped.
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("web-template-{published}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        thidua_app::demo::prepare_with(&dir, PASSWORD, published).unwrap();
        // Fold the WAL into the database file so a plain copy holds everything.
        let mut s = thidua_store::Store::open_dir(&dir).unwrap();
        if !published {
            let office = thidua_store::audit::Actor {
                username: "sonoivu".into(),
                ..Default::default()
            };
            let until = thidua_domain::time::Date(thidua_domain::time::DateTime::now_local().date().0 + 60);
            for unit in [thidua_app::demo::DEMO_UNIT, thidua_app::demo::OTHER_UNIT] {
                for p in thidua_domain::entry::Period::all_of_year(2023) {
                    s.reopen_period(&office, unit, p, until, "Mở lại cho kiểm thử")
                        .unwrap();
                }
            }
        }
        drop(s);
        dir
    })
}

/// On PostgreSQL (`THIDUA_TEST_BACKEND=postgres`): the template moved once into a database
/// of its own (its files too), which each server's database is copied from.
fn pg_template(published: bool) -> &'static str {
    static PUBLISHED: OnceLock<String> = OnceLock::new();
    static OPEN: OnceLock<String> = OnceLock::new();
    let cell = if published { &PUBLISHED } else { &OPEN };
    cell.get_or_init(|| {
        static STALE: std::sync::Once = std::sync::Once::new();
        STALE.call_once(|| thidua_store::testing::TestDb::drop_stale("thidua_webtpl"));
        let dir = template(published);
        let db = thidua_store::testing::TestDb::new("thidua_webtpl");
        let store = thidua_store::Store::open_dir(dir).unwrap();
        thidua_app::backup::move_to_postgres(&store, &db.url).unwrap();
        db.keep()
    })
}

/// The store and its files (evidence, nomination documents).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A server's data folder (removed with the server that made it).
pub struct Dir {
    path: PathBuf,
    _own: Option<tempfile::TempDir>,
}

impl Dir {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

pub struct Server {
    pub base: String,
    pub dir: Dir,
    pub addr: SocketAddr,
    pub state: AppState,
    /// The server's PostgreSQL database, when the tests run on PostgreSQL (shared with the
    /// other instances started from it: `another_instance`).
    pub db: Option<std::sync::Arc<thidua_store::testing::TestDb>>,
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    /// Over the demo as `thidua demo` makes it: the decision published, the year frozen.
    pub async fn start_published() -> Server {
        Server::start_from(true, |_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Server {
        Server::start_from(false, tune).await
    }

    async fn start_from(published: bool, tune: impl FnOnce(&mut Config)) -> Server {
        let src = template(published);
        let dir = tempfile::Builder::new()
            .prefix("thidua-web-test-")
            .tempdir()
            .unwrap();
        copy_dir(src, dir.path());
        // (PostgreSQL's synchronous client on a thread of its own, outside the test's runtime)
        let db = thidua_store::testing::postgres_wanted().then(|| {
            std::thread::spawn(move || {
                thidua_store::testing::TestDb::copy_of("thidua_web", pg_template(published))
            })
            .join()
            .unwrap()
        });
        let db = db.map(std::sync::Arc::new);
        let mut config = Config::new(dir.path().to_path_buf(), db.as_ref().map(|d| d.url.clone()));
        config.cookie_secure = false;
        tune(&mut config);
        let dir = Dir {
            path: dir.path().to_path_buf(),
            _own: Some(dir),
        };
        Server::serve(config, dir, db).await
    }

    /// A second `thidua serve` on the same store, as behind a load balancer: on PostgreSQL
    /// the same database with a data folder of its own (its files are in the database); on
    /// SQLite the same data folder.
    pub async fn another_instance(&self) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("thidua-web-test-")
            .tempdir()
            .unwrap();
        let data_dir = match &self.db {
            Some(_) => dir.path().to_path_buf(),
            None => self.dir.path().to_path_buf(),
        };
        let mut config = Config::new(data_dir, self.db.as_ref().map(|d| d.url.clone()));
        config.cookie_secure = false;
        let shared = Dir {
            path: config.data_dir.clone(),
            _own: Some(dir),
        };
        Server::serve(config, shared, self.db.clone()).await
    }

    async fn serve(
        config: Config,
        dir: Dir,
        db: Option<std::sync::Arc<thidua_store::testing::TestDb>>,
    ) -> Server {
        let state = AppState::open(config).unwrap();
        let served = state.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let state = served;
            thidua_web::serve(state, "127.0.0.1:0".parse().unwrap(), move |a| {
                let _ = tx.send(a);
            })
            .await
            .unwrap();
        });
        let addr = rx.await.unwrap();
        Server {
            base: format!("http://{addr}"),
            dir,
            addr,
            state,
            db,
        }
    }

    pub fn client(&self) -> Client {
        self.client_from("127.0.0.1")
    }

    /// A client connecting from another loopback address (sign-in throttling is per address).
    pub fn client_from(&self, ip: &str) -> Client {
        Client {
            http: Http::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(ip.parse::<std::net::IpAddr>().unwrap())
                .build()
                .unwrap(),
            base: self.base.clone(),
            cookies: Vec::new(),
            csrf: None,
        }
    }

    /// A client signed in as one of the demo accounts.
    pub async fn signed_in(&self, username: &str) -> Client {
        let mut c = self.client();
        let res = c.sign_in(username, PASSWORD).await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "sign-in of {username}: {}",
            res.body
        );
        c
    }

    /// A store handle on the server's database (for checking what changed).
    pub fn store(&self) -> thidua_store::Store {
        match &self.db {
            Some(db) => thidua_store::Store::open_url_in_async(&db.url).unwrap(),
            None => thidua_store::Store::open_dir(self.dir.path()).unwrap(),
        }
    }

    /// What another process (a second instance, an administrator's `sqlite3` or `psql`) does
    /// to the server's database behind its back: runs `sql` (statements without
    /// parameters) on the data file, or on the sessions file with `sessions`; on PostgreSQL
    /// on the one database. Returns the rows the last statement changed.
    pub fn raw_sql(&self, sessions: bool, sql: &str) -> u64 {
        match &self.db {
            Some(db) => {
                let (url, sql) = (db.url.clone(), sql.to_string());
                // (the synchronous client on a thread of its own, outside the test's runtime)
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    let mut changed = 0;
                    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                        changed = c.execute(statement, &[]).unwrap();
                    }
                    changed
                })
                .join()
                .unwrap()
            }
            None => {
                let file = if sessions {
                    "thidua-sessions.db"
                } else {
                    "thidua.db"
                };
                let c = rusqlite::Connection::open(self.dir.path().join(file)).unwrap();
                c.execute_batch(sql).unwrap();
                c.changes()
            }
        }
    }

    /// The backend's text for dropping one of the store's triggers (`name` on `table`).
    pub fn drop_trigger_sql(&self, name: &str, table: &str) -> String {
        if self.db.is_some() {
            format!("DROP TRIGGER {name} ON {table}")
        } else {
            format!("DROP TRIGGER {name}")
        }
    }

    /// The stored files' names: the data folder's `attachments/`, or on PostgreSQL the
    /// database's `stored_files`.
    pub fn attachments(&self) -> Vec<String> {
        match &self.db {
            Some(db) => {
                let url = db.url.clone();
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    c.query("SELECT name FROM stored_files", &[])
                        .unwrap()
                        .iter()
                        .map(|r| {
                            r.get::<_, String>(0)
                                .trim_start_matches("attachments/")
                                .to_string()
                        })
                        .collect()
                })
                .join()
                .unwrap()
            }
            None => std::fs::read_dir(self.dir.path().join("attachments"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
        }
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub struct Client {
    pub http: Http,
    pub base: String,
    pub cookies: Vec<(String, String)>,
    pub csrf: Option<String>,
}

impl Client {
    /// The same browser (its session cookie and CSRF token) sent to another instance.
    pub fn at(&self, srv: &Server) -> Client {
        Client {
            http: self.http.clone(),
            base: srv.base.clone(),
            cookies: self.cookies.clone(),
            csrf: self.csrf.clone(),
        }
    }
}

fn hidden_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[i..].split('"').next()?.to_string())
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, res: reqwest::Response) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        for sc in headers.get_all(SET_COOKIE) {
            let sc = sc.to_str().unwrap();
            let (kv, _) = sc.split_once(';').unwrap_or((sc, ""));
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !sc.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        let bytes = res.bytes().await.unwrap().to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(t) = hidden_csrf(&body) {
            if self.cookies.iter().any(|(k, _)| k == "thidua_sid") {
                self.csrf = Some(t);
            }
        }
        Resp {
            status,
            headers,
            body,
            bytes,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    /// A GET as a browser sends it, taking a gzip body (left compressed in `bytes`).
    pub async fn get_gzip(&mut self, path: &str) -> Resp {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    /// Posts a form with the session's CSRF token (fetched from a page first if needed).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        if self.csrf.is_none() {
            self.get("/mat-khau").await;
        }
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        all.push(("_csrf", &token));
        self.post_form_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    pub async fn post_multipart(
        &mut self,
        path: &str,
        form: reqwest::multipart::Form,
        with_csrf: bool,
    ) -> Resp {
        if self.csrf.is_none() {
            self.get("/mat-khau").await;
        }
        // The pages' forms send the token as the body's first field (a test of its own
        // builds such bodies by hand); reqwest's forms cannot put a field first, so the
        // header here.
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header());
        if with_csrf {
            req = req.header("x-csrf-token", self.csrf.clone().unwrap_or_default());
        }
        let res = req.multipart(form).send().await.unwrap();
        self.finish(res).await
    }

    /// `DELETE` with the session's cookie and CSRF header.
    pub async fn delete_api(&mut self, path: &str) -> Resp {
        let res = self
            .http
            .delete(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("x-csrf-token", self.csrf.clone().unwrap_or_default())
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    /// A multipart body to the API: the session's CSRF token in its header.
    pub async fn post_multipart_api(&mut self, path: &str, form: reqwest::multipart::Form) -> Resp {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("x-csrf-token", self.csrf.clone().unwrap_or_default())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    pub async fn post_json(&mut self, path: &str, body: &serde_json::Value, csrf_header: bool) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .json(body);
        if csrf_header {
            req = req.header("x-csrf-token", self.csrf.clone().unwrap_or_default());
        }
        let res = req.send().await.unwrap();
        self.finish(res).await
    }

    /// Posts a body as is: no token in a header (the body carries it, or nothing does).
    pub async fn post_body_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    pub async fn post_body(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        bearer: Option<&str>,
    ) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header(CONTENT_TYPE, content_type)
            .body(body);
        if let Some(t) = bearer {
            req = req.header("authorization", format!("Bearer {t}"));
        } else if let Some(c) = &self.csrf {
            req = req.header("x-csrf-token", c);
        }
        let res = req.send().await.unwrap();
        self.finish(res).await
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> Resp {
        let page = self.get("/dang-nhap").await;
        let token = hidden_csrf(&page.body).expect("the sign-in form has a token");
        self.post_form_raw(
            "/dang-nhap",
            &[
                ("_csrf", &token),
                ("username", username),
                ("password", password),
                ("tiep", "/"),
            ],
        )
        .await
    }
}

/// A unit's reporter sends the value `value` of `indicator` for `period` with an evidence
/// file; the new entry's id.
pub async fn send_entry(c: &mut Client, indicator: &str, period: &str, value: &str) -> i64 {
    let form = reqwest::multipart::Form::new()
        .text("chi_tieu", indicator.to_string())
        .text("ky", period.to_string())
        .text("gia_tri", value.to_string())
        .text("hanh_dong", "gui")
        .part(
            "minh_chung",
            reqwest::multipart::Part::bytes(pdf_bytes()).file_name("minh-chung.pdf"),
        );
    let r = c.post_multipart("/so-lieu/luu", form, true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    saved_entry_id(&r)
}

/// The id of the entry a save redirected to (`/so-lieu/ID?…`).
pub fn saved_entry_id(r: &Resp) -> i64 {
    r.location()
        .trim_start_matches("/so-lieu/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Sets the nomination deadline of every stored plan to `day` (as the office does on the
/// settings page).
pub fn set_nomination_deadline(srv: &Server, day: thidua_domain::time::Date) {
    let mut s = srv.store();
    let actor = thidua_store::audit::Actor {
        username: "sonoivu".into(),
        ..Default::default()
    };
    for plan in s.plans().unwrap() {
        s.set_setting(&actor, &thidua_app::award::deadline_key(&plan.code), &day.iso())
            .unwrap();
    }
}

/// A small valid PDF.
pub fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

/// A unit whose head the year-end evaluation finds eligible and who has no nomination yet,
/// with a new unit account for it (the demo's `donvi` unit, H01, misses a target).
pub fn eligible_unit_account(srv: &Server, username: &str) -> (String, thidua_domain::eval::HeadResult) {
    let mut s = srv.store();
    let plan = thidua_domain::plan::Plan::built_in();
    let heads = s.evaluate(&plan, plan.period_to.end()).unwrap();
    let taken: Vec<String> = s
        .nominations(&plan.code, None)
        .unwrap()
        .into_iter()
        .map(|n| n.unit_code)
        .collect();
    let h = heads
        .into_iter()
        // a unit that proposes its own head (a commune goes through its district:
        // `proposing.rs`)
        .find(|h| h.eligible && !taken.contains(&h.unit.code) && plan.proposer_tier(&h.unit.tier).is_none())
        .expect("an eligible head without a nomination");
    let hash = thidua_app::credentials::hash_password(PASSWORD).unwrap();
    let new = thidua_store::users::NewUser {
        username,
        full_name: "Cán bộ đầu mối",
        password_hash: &hash,
        role: "don_vi",
        unit: Some(&h.unit.code),
    };
    s.create_user(&thidua_store::audit::Actor::cli(), &new).unwrap();
    (h.unit.code.clone(), h)
}

/// A unit account (`don_vi`) for the unit `code`.
pub fn add_unit_user(srv: &Server, username: &str, code: &str) {
    let hash = thidua_app::credentials::hash_password(PASSWORD).unwrap();
    let new = thidua_store::users::NewUser {
        username,
        full_name: "Cán bộ đầu mối",
        password_hash: &hash,
        role: "don_vi",
        unit: Some(code),
    };
    srv.store()
        .create_user(&thidua_store::audit::Actor::cli(), &new)
        .unwrap();
}

/// A client signed in through `POST /api/v1/session`, holding the CSRF token it answered.
/// A new API token of `username` (made as on the command line), valid for `days`.
pub fn api_token(srv: &Server, username: &str, days: i64) -> String {
    let token = thidua_app::credentials::random_token();
    let mut s = srv.store();
    let id = s.user_by_name(username).unwrap().unwrap().id;
    s.create_token(
        &thidua_store::audit::Actor::cli(),
        id,
        &thidua_app::credentials::token_hash(&token),
        "kiểm thử",
        days,
    )
    .unwrap();
    token
}

pub async fn api_client(srv: &Server, username: &str) -> Client {
    let mut c = srv.client();
    let r = c
        .post_json(
            "/api/v1/session",
            &serde_json::json!({"username": username, "password": PASSWORD}),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{username}: {}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    c.csrf = Some(v["csrf"].as_str().unwrap().to_string());
    c
}

/// A commune of `district` whose head the year-end evaluation finds eligible and who has no
/// nomination yet (the demo's district account `donvi` is H01's), and a commune of
/// `other` (any head).
pub fn communes_of(
    srv: &Server,
    district: &str,
    other: &str,
) -> (thidua_domain::eval::HeadResult, thidua_domain::eval::HeadResult) {
    let plan = thidua_domain::plan::Plan::built_in();
    let s = srv.store();
    let heads = s.evaluate(&plan, plan.period_to.end()).unwrap();
    let taken: Vec<String> = s
        .nominations(&plan.code, None)
        .unwrap()
        .into_iter()
        .map(|n| n.unit_code)
        .collect();
    let parent_of = |code: &str| s.unit(code).unwrap().unwrap().parent;
    let mine = heads
        .iter()
        .find(|h| {
            h.unit.tier == "xa"
                && h.eligible
                && !taken.contains(&h.unit.code)
                && parent_of(&h.unit.code).as_deref() == Some(district)
        })
        .unwrap_or_else(|| panic!("an eligible commune of {district}"))
        .clone();
    let theirs = heads
        .iter()
        .find(|h| h.unit.tier == "xa" && parent_of(&h.unit.code).as_deref() == Some(other))
        .unwrap_or_else(|| panic!("a commune of {other}"))
        .clone();
    (mine, theirs)
}
