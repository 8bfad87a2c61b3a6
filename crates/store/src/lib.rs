//! The store: SQLite embedded in the data folder (WAL, foreign keys, busy timeout) or a
//! PostgreSQL database (`--database-url postgres://…`), migrations embedded per backend and
//! run on open, and the import service that writes what `thidua-ingest` accepts in one
//! transaction.
//!
//! Backend choice (see ARCHITECTURE.md): the domain never sees SQL. This crate exposes
//! domain-typed operations, written once over `sql::Conn` (either backend); what only one
//! backend does takes its own connection. The storage tests run against both.

//! Every transaction that writes is `Conn::write_tx`: on SQLite it begins `IMMEDIATE`, taking
//! the write lock (waiting up to the busy timeout) before it reads; on PostgreSQL it takes the
//! writers' advisory lock. A deferred transaction that reads and then
//! writes fails at once with SQLITE_BUSY when another writer committed in between (the busy
//! timeout does not apply), which a background write (an account event entering the audit
//! chain right after a sign-in) made visible as a refused settings form.

// Only the dossier hot path (thidua-ingest) needs `unsafe`.
#![forbid(unsafe_code)]

pub mod agenda;
pub mod audit;
pub mod backup;
pub mod decisions;
pub mod files;
pub mod import;
mod import_fast;
mod import_pg;
pub mod locks;
mod lookup;
pub mod mail;
mod migrate;
pub mod nominations;
pub mod particulars;
pub mod pg;
pub mod pg_move;
pub(crate) mod portable;
pub mod queue;
pub mod read;
pub mod sessions;
pub(crate) mod sql;
pub mod staged;
mod sums;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod threads;
pub mod users;
pub mod workflow;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use thidua_domain::calendar::{Calendar, CalendarDay};
use thidua_domain::msg::Msg;
use thidua_domain::plan::Plan;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("lỗi cơ sở dữ liệu / database error: {0}")]
    Db(rusqlite::Error),
    #[error("lỗi cơ sở dữ liệu PostgreSQL / PostgreSQL error: {0}")]
    Postgres(postgres::Error),
    #[error("không tạo được thư mục dữ liệu {0} / cannot create the data folder: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error(
        "địa chỉ cơ sở dữ liệu không hợp lệ «{0}» (sqlite://… hoặc postgres://…) / invalid database URL"
    )]
    BadUrl(String),
    /// An operation of the embedded store asked of a PostgreSQL one (a fault of ours).
    #[error("thao tác này chỉ có ở kho nhúng SQLite / this operation is for the embedded SQLite store only")]
    SqliteOnly,
    /// A column of a type the store does not read that way (a fault of ours).
    #[error("cột dữ liệu không đọc được / unreadable column: {0}")]
    Column(String),
    #[error("kho dữ liệu được tạo bởi phiên bản mới hơn (lược đồ {0}) / the store was made by a newer version (schema {0})")]
    NewerSchema(i64),
    #[error("kế hoạch «{code}» lưu trong kho không hợp lệ / stored plan '{code}' is invalid: {detail}")]
    BadStoredPlan { code: String, detail: String },
    /// Understood and refused: the reason in Vietnamese and English.
    #[error("{0}")]
    Refused(Msg),
}

/// A database error, except a refusal by one of the store's own triggers (migration 0004)
/// and a write that waited past the busy timeout, which say in both languages what
/// happened.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
            // Another writer (a long import) held the lock past the busy timeout: say so.
            return StoreError::Refused(busy_msg());
        }
        if read_only_refusal(&e) {
            return StoreError::Refused(read_only_msg());
        }
        match locks::trigger_refusal(&e.to_string()) {
            Some(m) => StoreError::Refused(m),
            None => StoreError::Db(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// SQLite could not write where the store is (a read-only folder or file).
fn read_only_refusal(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
    )
}

/// Another writer held the store's write lock past the wait (SQLite's busy timeout,
/// PostgreSQL's `lock_timeout`; both 10 s).
pub(crate) fn busy_msg() -> Msg {
    Msg::new(
        "đang có một lần ghi dữ liệu khác (ví dụ một lần nhập tệp lớn), vui lòng thử lại sau ít phút",
        "another write (e.g. a large import) holds the database; try again in a few minutes",
    )
}

fn read_only_msg() -> Msg {
    Msg::new(
        "kho dữ liệu chỉ đọc được (thư mục dữ liệu không ghi được): không thay đổi được dữ liệu",
        "the store is read-only (its data folder cannot be written): nothing can change",
    )
}

impl StoreError {
    fn is_read_only(&self) -> bool {
        match self {
            StoreError::Db(e) => read_only_refusal(e),
            StoreError::Refused(m) => *m == read_only_msg(),
            _ => false,
        }
    }
}

pub fn refused(vi: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Refused(Msg::new(vi, en))
}

pub struct Store {
    /// The data: an SQLite file, or a PostgreSQL database (`sql::Conn`).
    pub(crate) conn: sql::Conn,
    /// Sessions and throttling, in their own file (see `sessions`).
    pub(crate) sessions: sessions::SessionDb,
    /// Where evidence files and documents live (`files`).
    pub(crate) files: files::Files,
    /// The parsed plans and the `data_version` they were read at (`plans`).
    plans_cache: std::cell::RefCell<Option<(i64, std::sync::Arc<Vec<Plan>>)>>,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir/thidua.db`.
    pub fn open_dir(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::DataDir(data_dir.to_path_buf(), e))?;
        Store::open_file(&data_dir.join("thidua.db"))
    }

    /// `sqlite:///path/to/file.db`, `sqlite://relative.db`, or `postgres://…`.
    pub fn open_url(url: &str) -> Result<Store> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::BadUrl(url.into()));
            }
            let p = Path::new(path);
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::DataDir(dir.to_path_buf(), e))?;
            }
            Store::open_file(p)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Store::open_postgres(url, false)
        } else {
            Err(StoreError::BadUrl(url.into()))
        }
    }

    /// The store in the PostgreSQL database at `url`, its schema brought up to date (once,
    /// however many instances start together); the sessions in the same database.
    fn open_postgres(url: &str, apart: bool) -> Result<Store> {
        let client = if apart {
            std::thread::scope(|s| s.spawn(|| pg::connect(url)).join())
                .map_err(|_| StoreError::Column("connecting to PostgreSQL panicked".into()))??
        } else {
            pg::connect(url)?
        };
        let conn = sql::Conn::Pg(Box::new(if apart {
            sql::PgConn::new_apart(client)
        } else {
            sql::PgConn::new(client)
        }));
        sums::refresh_on_open(&conn)?;
        Ok(Store {
            conn,
            sessions: sessions::SessionDb::postgres(url, apart),
            files: files::Files::Database,
            plans_cache: Default::default(),
        })
    }

    /// `open_url` for use on an async runtime's own threads (a test that checks a server's
    /// store from its async body): on PostgreSQL every call runs on a thread of its own
    /// (the synchronous client cannot block inside a runtime). The server itself calls the
    /// store from blocking threads and uses `open_url`.
    pub fn open_url_in_async(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Store::open_postgres(url, true)
        } else {
            Store::open_url(url)
        }
    }

    pub fn open_file(path: &Path) -> Result<Store> {
        let writable = Connection::open(path).map_err(StoreError::from).and_then(|conn| {
            Store::setup(
                conn,
                sessions::SessionDb::beside(path),
                files::Files::Folder(attachments_beside(path)),
            )
        });
        match writable {
            Err(e) if path.exists() && e.is_read_only() => Store::open_read_only(path),
            other => other,
        }
    }

    /// A store in a folder this process cannot write (a copy on read-only media, an
    /// auditor's account): commands that read work; a write is refused in both languages.
    /// The file is opened immutable, which needs no lock file; a write-ahead log not yet
    /// merged into it (left by a server that did not stop cleanly) cannot be read that way,
    /// and is refused rather than silently left out.
    fn open_read_only(path: &Path) -> Result<Store> {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            return Err(refused(
                format!(
                    "thư mục dữ liệu chỉ đọc được, nhưng còn nhật ký ghi {} chưa gộp vào kho: hãy mở kho một lần với quyền ghi (ví dụ chạy lại `thidua serve` rồi dừng)",
                    Path::new(&wal).display()
                ),
                "the data folder is read-only but holds a write-ahead log not merged into the store: open it once with write access",
            ));
        }
        let uri = format!("file:{}?immutable=1", path.display());
        let conn = Connection::open_with_flags(
            uri,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )?;
        let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current != migrate::MIGRATIONS.len() as i64 {
            return Err(refused(
                "kho dữ liệu cần được nâng cấp nhưng thư mục chỉ đọc được",
                "the store needs an upgrade but its folder is read-only",
            ));
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Store {
            conn: sql::Conn::Lite(conn),
            sessions: sessions::SessionDb::beside(path),
            files: files::Files::Folder(attachments_beside(path)),
            plans_cache: Default::default(),
        })
    }

    /// A private in-memory store, for tests.
    pub fn in_memory() -> Result<Store> {
        Store::setup(
            Connection::open_in_memory()?,
            sessions::SessionDb::in_memory(),
            files::Files::Nowhere,
        )
    }

    fn setup(conn: Connection, sessions: sessions::SessionDb, files: files::Files) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Pages run the same reads on every request: keep their prepared statements.
        conn.set_prepared_statement_cache_capacity(128);
        // Larger pages make the dossier B-tree shallower (only a new file takes this).
        conn.pragma_update(None, "page_size", 16_384)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let conn = sql::Conn::Lite(conn);
        migrate::run(&conn)?;
        sums::refresh_on_open(&conn)?;
        let store = Store {
            conn,
            sessions,
            files,
            plans_cache: Default::default(),
        };
        Ok(store)
    }

    /// Whether `init` has run (a plan is loaded).
    pub fn is_initialised(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM plans", (), |r| r.get::<_, i64>(0))?
            > 0)
    }

    /// Stores a validated plan (replacing one with the same code).
    pub fn put_plan(&self, plan: &Plan, source: &str) -> Result<()> {
        self.plans_cache.take();
        locks::check_plan_load(&self.conn, plan)?;
        self.conn.execute(
            "INSERT INTO plans (code, title, period_from, period_to, source, loaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (code) DO UPDATE SET title = excluded.title, period_from = excluded.period_from,
               period_to = excluded.period_to, source = excluded.source, loaded_at = excluded.loaded_at",
            (&plan.code, &plan.title, plan.period_from.iso(), plan.period_to.iso(), source, now()),
        )?;
        Ok(())
    }

    /// Loads a plan from the web: refused when it would take the quota below the approvals
    /// already given, or change the documents of nominations under way; audited in the same
    /// transaction.
    pub fn put_plan_audited(&mut self, actor: &audit::Actor, plan: &Plan, source: &str) -> Result<()> {
        let approved: u32 = self.approvals(&plan.code)?;
        if plan.award.quota < approved {
            return Err(refused(
                format!(
                    "kế hoạch mới chỉ có {} suất khen thưởng nhưng đã phê duyệt {approved}",
                    plan.award.quota
                ),
                "the quota would fall below the approvals given",
            ));
        }
        if let Some(old) = self.plans()?.into_iter().find(|p| p.code == plan.code) {
            let docs = |p: &Plan| p.documents.iter().map(|d| d.code.clone()).collect::<Vec<_>>();
            if docs(&old) != docs(plan) && !self.nominations(&plan.code, None)?.is_empty() {
                return Err(refused(
                    "đã có hồ sơ đề nghị theo kế hoạch này: không đổi danh mục tài liệu được",
                    "nominations exist: the documents cannot change",
                ));
            }
        }
        self.plans_cache.take();
        let tx = self.conn.write_tx()?;
        locks::check_plan_load(&tx, plan)?;
        tx.execute(
            "INSERT INTO plans (code, title, period_from, period_to, source, loaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (code) DO UPDATE SET title = excluded.title, period_from = excluded.period_from,
               period_to = excluded.period_to, source = excluded.source, loaded_at = excluded.loaded_at",
            (&plan.code, &plan.title, plan.period_from.iso(), plan.period_to.iso(), source, now()),
        )?;
        let after = serde_json::json!({"title": plan.title, "from": plan.period_from.iso(), "to": plan.period_to.iso(), "quota": plan.award.quota});
        audit::record(&tx, actor, "nap_ke_hoach", "plan", &plan.code, None, Some(&after))?;
        tx.commit()?;
        Ok(())
    }

    /// Every stored plan, parsed. Pages ask on every request, so the parsed plans are kept
    /// per connection while `PRAGMA data_version` says no other connection has committed
    /// (this connection's own plan loads clear them).
    pub fn plans(&self) -> Result<Vec<Plan>> {
        Ok(self.plans_shared()?.as_ref().clone())
    }

    /// A number that changes whenever another connection, of this process or another
    /// (another instance on PostgreSQL), has committed to the data: SQLite's
    /// `PRAGMA data_version` on this connection (a connection that never writes sees every
    /// commit this way, without a query of a table), PostgreSQL's count of the data's
    /// commits (`sql::Conn::commits_seen`).
    pub fn commits_seen(&self) -> Result<i64> {
        self.conn.commits_seen("data")
    }

    /// `commits_seen` and `session_commits_seen` together: on PostgreSQL one query (both
    /// counts are rows of one table), on SQLite a `PRAGMA` on each file.
    pub fn both_commits_seen(&self) -> Result<(i64, i64)> {
        if self.conn.is_pg() {
            return self.conn.query_row(
                "SELECT max(n) FILTER (WHERE name = 'data'), max(n) FILTER (WHERE name = 'sessions')
                 FROM thidua_commits WHERE name IN ('data', 'sessions')",
                (),
                |r| {
                    Ok((
                        r.get::<_, Option<i64>>(0)?.unwrap_or(0),
                        r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                    ))
                },
            );
        }
        Ok((self.commits_seen()?, self.session_commits_seen()?))
    }

    /// `plans` without copying them (a page picks one of them on every request).
    fn plans_shared(&self) -> Result<std::sync::Arc<Vec<Plan>>> {
        let version = self.commits_seen()?;
        if let Some((v, plans)) = &*self.plans_cache.borrow() {
            if *v == version {
                return Ok(plans.clone());
            }
        }
        let plans = std::sync::Arc::new(self.read_plans()?);
        *self.plans_cache.borrow_mut() = Some((version, plans.clone()));
        Ok(plans)
    }

    fn read_plans(&self) -> Result<Vec<Plan>> {
        plans_on(self.conn.db())
    }

    /// The plan to use for `year`: the one named by `code`, or the only plan covering the year.
    pub fn plan_for(&self, year: Option<i32>, code: Option<&str>) -> Result<Plan> {
        pick_plan(&self.plans_shared()?, year, code)
    }

    /// Adds or replaces calendar days (by date).
    pub fn put_calendar(&mut self, days: &[CalendarDay]) -> Result<()> {
        let tx = self.conn.write_tx()?;
        insert_days(&tx, days)?;
        // the kept dossier sums hold working days
        sums::rebuild(&tx, false)?;
        tx.commit()?;
        Ok(())
    }

    /// Adds or replaces calendar days from the web, with its audit record, in one transaction.
    pub fn put_calendar_audited(&mut self, actor: &audit::Actor, days: &[CalendarDay]) -> Result<()> {
        let tx = self.conn.write_tx()?;
        insert_days(&tx, days)?;
        // the kept dossier sums hold working days
        sums::rebuild(&tx, false)?;
        let after: Vec<serde_json::Value> = days
            .iter()
            .map(|d| serde_json::json!([d.date.iso(), d.kind.code(), d.note]))
            .collect();
        audit::record(
            &tx,
            actor,
            "nhap_lich",
            "calendar",
            "",
            None,
            Some(&serde_json::Value::Array(after)),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes one calendar day (a day entered by mistake), audited.
    pub fn delete_calendar_day(
        &mut self,
        actor: &audit::Actor,
        day: thidua_domain::time::Date,
    ) -> Result<()> {
        let tx = self.conn.write_tx()?;
        let before: Option<(String, String)> = {
            use crate::sql::OptionalExtension;
            tx.query_row(
                "SELECT kind, note FROM calendar_days WHERE day = ?1",
                [day.iso()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
        };
        let Some((kind, note)) = before else {
            return Err(refused(
                format!("lịch không có ngày {}", day.vi()),
                "no such calendar day",
            ));
        };
        tx.execute("DELETE FROM calendar_days WHERE day = ?1", [day.iso()])?;
        sums::rebuild(&tx, false)?;
        audit::record(
            &tx,
            actor,
            "xoa_ngay_lich",
            "calendar",
            &day.iso(),
            Some(&serde_json::json!([day.iso(), kind, note])),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn calendar_days(&self) -> Result<Vec<CalendarDay>> {
        calendar_days_on(self.conn.db())
    }

    pub fn calendar(&self) -> Result<Calendar> {
        Ok(Calendar::new(&self.calendar_days()?))
    }
}

/// The data folder's `attachments/` beside the data file `path`.
fn attachments_beside(path: &Path) -> PathBuf {
    path.parent().unwrap_or(Path::new(".")).join("attachments")
}

/// The plan named by `code`, or the only one covering `year` (either backend).
pub(crate) fn pick_plan(plans: &[Plan], year: Option<i32>, code: Option<&str>) -> Result<Plan> {
    if let Some(code) = code {
        return plans.iter().find(|p| p.code == code).cloned().ok_or_else(|| {
            refused(
                format!("không có kế hoạch mã «{code}»"),
                format!("no plan with code '{code}'"),
            )
        });
    }
    let mut matching: Vec<&Plan> = plans
        .iter()
        .filter(|p| year.is_none_or(|y| p.covers_year(y)))
        .collect();
    match matching.len() {
        1 => Ok(matching.remove(0).clone()),
        0 => Err(refused(
            format!(
                "không có kế hoạch nào cho năm {}",
                year.map(|y| y.to_string()).unwrap_or_default()
            ),
            "no plan covers that year",
        )),
        _ => Err(refused(
            format!(
                "có nhiều kế hoạch cho năm này ({}), hãy chọn bằng --plan",
                matching
                    .iter()
                    .map(|p| p.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "several plans cover that year; choose one with --plan",
        )),
    }
}

pub(crate) fn calendar_days_on(db: portable::Db) -> Result<Vec<CalendarDay>> {
    let mut out = Vec::new();
    for r in db.rows("SELECT day, kind, note FROM calendar_days", &[])? {
        if let (Some(date), Some(kind)) = (
            r[0].text().and_then(thidua_domain::time::Date::parse_iso),
            r[1].text().and_then(thidua_domain::calendar::DayKind::parse),
        ) {
            out.push(CalendarDay {
                date,
                kind,
                note: r[2].string(),
            });
        }
    }
    out.sort_by_key(|d| d.date);
    Ok(out)
}

/// Every stored plan, parsed, by the start of its period and its code, on either backend.
pub(crate) fn plans_on(db: portable::Db) -> Result<Vec<Plan>> {
    let mut out = Vec::new();
    for r in db.rows("SELECT code, source FROM plans", &[])? {
        let code = r[0].string();
        let plan =
            Plan::from_toml(r[1].text().unwrap_or_default()).map_err(|errs| StoreError::BadStoredPlan {
                code: code.clone(),
                detail: errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "),
            })?;
        out.push(plan);
    }
    out.sort_by(|a, b| (a.period_from, &a.code).cmp(&(b.period_from, &b.code)));
    Ok(out)
}

/// Adds or replaces calendar days (by date).
fn insert_days(conn: &sql::Conn, days: &[CalendarDay]) -> Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO calendar_days (day, kind, note) VALUES (?1, ?2, ?3)
         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, note = excluded.note",
    )?;
    for d in days {
        st.execute((d.date.iso(), d.kind.code(), &d.note))?;
    }
    Ok(())
}

pub(crate) fn now() -> i64 {
    thidua_domain::time::DateTime::now_local().0
}

#[cfg(test)]
mod audit_tests;
#[cfg(test)]
mod lock_tests;
#[cfg(test)]
mod nomination_tests;
#[cfg(test)]
mod sums_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod web_tests;
