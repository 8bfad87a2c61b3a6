//! One connection over both backends (issue 16): the store's operations are written once,
//! against `Conn`, whose surface follows rusqlite's (`execute`, `query_row`,
//! `prepare_cached(…).query_map`, `optional`) so the SQLite code reads as before, and which
//! runs the same text on PostgreSQL (`?N` placeholders become `$N`, each statement is
//! prepared once per connection). Parameters are borrowed (`Param`), bound on SQLite through
//! `ToSql` and on PostgreSQL as the type the server inferred for each placeholder; a row is
//! read through `Row::get` on either backend.
//!
//! Transactions: `write_tx` is the one way to write several statements together. On SQLite
//! it is `BEGIN IMMEDIATE` (the file's one writer); on PostgreSQL `BEGIN` and then a
//! transaction-level advisory lock that every writing transaction of every instance takes,
//! so the rules that rely on a single writer (the approval quota, the audit chain's head, an
//! entry's workflow, an import) hold across instances exactly as on SQLite. `read_tx` gives a
//! consistent snapshot (`REPEATABLE READ` on PostgreSQL).
//!
//! What only one backend does (the dossier hot path, SQLite's pragmas and online backup)
//! takes the backend's own connection (`lite`, `pg`).

use crate::{Result, StoreError};
use std::cell::RefCell;
use std::collections::HashMap;

/// The advisory lock every writing transaction takes on PostgreSQL ("thiduaW" in ASCII).
pub(crate) const WRITE_LOCK: i64 = 0x0074_6869_6475_6157;

/// A connection of either backend.
pub(crate) enum Conn {
    Lite(rusqlite::Connection),
    Pg(Box<PgConn>),
}

/// A PostgreSQL client and the statements it prepared (by their `?N` text).
pub(crate) struct PgConn {
    /// Always `Some` until dropped (see `Drop`).
    client: RefCell<Option<postgres::Client>>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    /// Whether a transaction is open (`Tx`).
    in_tx: std::cell::Cell<bool>,
    /// Every call to the server on a thread of its own (`with`).
    apart: bool,
}

impl PgConn {
    pub(crate) fn new(client: postgres::Client) -> PgConn {
        PgConn {
            client: RefCell::new(Some(client)),
            statements: RefCell::new(HashMap::new()),
            in_tx: std::cell::Cell::new(false),
            apart: false,
        }
    }

    /// A connection used from an async runtime's own threads (a test checking a server's
    /// store from its async body): the synchronous client blocks on a runtime of its own,
    /// which panics inside another, so each call goes to a thread of its own.
    pub(crate) fn new_apart(client: postgres::Client) -> PgConn {
        let mut conn = PgConn::new(client);
        conn.apart = true;
        conn
    }

    fn client(&self) -> std::cell::RefMut<'_, postgres::Client> {
        std::cell::RefMut::map(self.client.borrow_mut(), |c| {
            c.as_mut().expect("open until dropped")
        })
    }

    /// The client itself, for a `COPY` that streams rows into it (`import_pg`).
    pub(crate) fn client_for_copy(&self) -> std::cell::RefMut<'_, postgres::Client> {
        self.client()
    }

    /// Runs `f` with the client: here, or on a thread of its own (`new_apart`).
    pub(crate) fn with<T: Send>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> std::result::Result<T, postgres::Error> + Send,
    ) -> Result<T> {
        let mut client = self.client();
        let client: &mut postgres::Client = &mut client;
        if self.apart {
            std::thread::scope(|s| s.spawn(move || f(client)).join())
                .map_err(|_| StoreError::Column("a PostgreSQL call panicked".into()))?
                .map_err(StoreError::from)
        } else {
            Ok(f(client)?)
        }
    }

    /// Calls `each` with every row, streamed (read whole first on a connection `apart`):
    /// `each` must not use this connection.
    pub(crate) fn stream(
        &self,
        sql: &str,
        params: impl Params,
        mut each: impl FnMut(&postgres::Row) -> Result<()>,
    ) -> Result<()> {
        if self.apart {
            for r in &self.rows(sql, params)? {
                each(r)?;
            }
            return Ok(());
        }
        use postgres::fallible_iterator::FallibleIterator;
        let st = self.statement(sql)?;
        let values = params.values();
        let mut client = self.client();
        let mut rows = client.query_raw(&st, values.iter())?;
        while let Some(r) = rows.next()? {
            each(&r)?;
        }
        Ok(())
    }

    fn statement(&self, sql: &str) -> Result<postgres::Statement> {
        if let Some(st) = self.statements.borrow().get(sql) {
            return Ok(st.clone());
        }
        let text = dollars(sql);
        let st = self.with(|c| c.prepare(&text)).inspect_err(|e| {
            if cfg!(test) || std::env::var_os("THIDUA_LOG_SQL").is_some() {
                eprintln!("PostgreSQL refused to prepare: {e}\n{sql}");
            }
        })?;
        let mut cache = self.statements.borrow_mut();
        if cache.len() >= 512 {
            cache.clear();
        }
        cache.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Every row `sql` answers (read whole: the client serves one statement at a time, and
    /// a caller may run another while it goes through the rows).
    fn rows(&self, sql: &str, params: impl Params) -> Result<Vec<postgres::Row>> {
        let st = self.statement(sql)?;
        let values = params.values();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = values
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        self.with(|c| c.query(&st, &refs))
    }

    fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        let st = self.statement(sql)?;
        let values = params.values();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = values
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        Ok(self.with(|c| c.execute(&st, &refs))? as usize)
    }
}

/// The synchronous client closes its connection by blocking on its own runtime, which
/// panics inside another (a server's task, an async test): it is closed on a thread of its
/// own.
impl Drop for PgConn {
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

/// `?N` placeholders as PostgreSQL's `$N` (a `?` inside a quoted literal is left alone).
pub(crate) fn dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if !quoted && c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// The store's connection is on the other backend than an operation needs.
fn other_backend() -> StoreError {
    StoreError::SqliteOnly
}

impl Conn {
    /// The SQLite connection, for what only SQLite does.
    pub(crate) fn lite(&self) -> Result<&rusqlite::Connection> {
        match self {
            Conn::Lite(c) => Ok(c),
            Conn::Pg(_) => Err(other_backend()),
        }
    }

    #[cfg(test)]
    pub(crate) fn lite_mut(&mut self) -> Result<&mut rusqlite::Connection> {
        match self {
            Conn::Lite(c) => Ok(c),
            Conn::Pg(_) => Err(other_backend()),
        }
    }

    /// A number that changes whenever another connection has committed: SQLite's
    /// `PRAGMA data_version` (of this connection's file), or on PostgreSQL the count of
    /// commits that wrote `which` (`data` or `sessions`), kept by statement triggers
    /// (migration `0005`). Caches compare it; they never order by it.
    pub(crate) fn commits_seen(&self, which: &str) -> Result<i64> {
        match self {
            Conn::Lite(c) => Ok(c
                .prepare_cached("PRAGMA data_version")?
                .query_row([], |r| r.get(0))?),
            Conn::Pg(_) => self.query_row("SELECT n FROM thidua_commits WHERE name = ?1", [which], |r| {
                r.get(0)
            }),
        }
    }

    /// Whether a transaction is open on this connection.
    pub(crate) fn in_transaction(&self) -> bool {
        match self {
            Conn::Lite(c) => !c.is_autocommit(),
            Conn::Pg(p) => p.in_tx.get(),
        }
    }

    fn set_in_tx(&self, open: bool) {
        if let Conn::Pg(p) = self {
            p.in_tx.set(open);
        }
    }

    /// The PostgreSQL connection, if this is one.
    pub(crate) fn pg(&self) -> Option<&PgConn> {
        match self {
            Conn::Lite(_) => None,
            Conn::Pg(p) => Some(p),
        }
    }

    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    /// Runs one statement; the number of rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        match self {
            Conn::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                Ok(st.execute(rusqlite::params_from_iter(params.values()))?)
            }
            Conn::Pg(p) => p.execute(sql, params),
        }
    }

    /// Runs statements without parameters, one after another.
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Lite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(p) => p.with(|c| c.batch_execute(sql)),
        }
    }

    /// The first row's mapping; "no rows" (`optional` turns it into `None`) if there is none.
    pub(crate) fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        match self {
            Conn::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.values()))?;
                match rows.next()? {
                    Some(r) => f(&Row::Lite(r)),
                    None => Err(no_rows()),
                }
            }
            Conn::Pg(p) => match p.rows(sql, params)?.first() {
                Some(r) => f(&Row::Pg(r)),
                None => Err(no_rows()),
            },
        }
    }

    /// Every row's mapping, in order.
    pub(crate) fn query_all<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.for_each(sql, params, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `each` with every row, in order (streamed on SQLite).
    pub(crate) fn for_each(
        &self,
        sql: &str,
        params: impl Params,
        mut each: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        match self {
            Conn::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.values()))?;
                while let Some(r) = rows.next()? {
                    each(&Row::Lite(r))?;
                }
                Ok(())
            }
            Conn::Pg(p) => {
                for r in &p.rows(sql, params)? {
                    each(&Row::Pg(r))?;
                }
                Ok(())
            }
        }
    }

    /// Calls `each` with every row, streamed from both backends (a scan of every dossier):
    /// `each` must not use this connection (on PostgreSQL the client is busy with the rows).
    pub(crate) fn stream(
        &self,
        sql: &str,
        params: impl Params,
        mut each: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        match self {
            Conn::Lite(_) => self.for_each(sql, params, each),
            Conn::Pg(p) => p.stream(sql, params, |r| each(&Row::Pg(r))),
        }
    }

    /// A statement to run (prepared once per connection on both backends).
    pub(crate) fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(Stmt {
            conn: self,
            sql: sql.to_string(),
        })
    }

    /// `prepare_cached` (every statement is kept).
    pub(crate) fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        self.prepare_cached(sql)
    }

    /// A writing transaction: the one writer at a time (see the module's text).
    pub(crate) fn write_tx(&self) -> Result<Tx<'_>> {
        self.write_tx_on(WRITE_LOCK)
    }

    /// A writing transaction holding, on PostgreSQL, the advisory lock `lock` (the data's
    /// writers take `WRITE_LOCK`; the sessions their own).
    pub(crate) fn write_tx_on(&self, lock: i64) -> Result<Tx<'_>> {
        match self {
            Conn::Lite(c) => c.execute_batch("BEGIN IMMEDIATE")?,
            Conn::Pg(p) => p.with(|client| {
                client.batch_execute("BEGIN")?;
                if let Err(e) = client.execute("SELECT pg_advisory_xact_lock($1)", &[&lock]) {
                    let _ = client.batch_execute("ROLLBACK");
                    return Err(e);
                }
                Ok(())
            })?,
        }
        self.set_in_tx(true);
        Ok(Tx {
            conn: self,
            open: true,
        })
    }

    /// A transaction that takes no lock (a write no other writer's checks read: the parts
    /// of a shared upload).
    pub(crate) fn plain_tx(&self) -> Result<Tx<'_>> {
        self.execute_batch("BEGIN")?;
        self.set_in_tx(true);
        Ok(Tx {
            conn: self,
            open: true,
        })
    }

    /// A transaction that reads one consistent state.
    pub(crate) fn read_tx(&self) -> Result<Tx<'_>> {
        match self {
            Conn::Lite(c) => c.execute_batch("BEGIN")?,
            Conn::Pg(p) => p.with(|c| c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))?,
        }
        self.set_in_tx(true);
        Ok(Tx {
            conn: self,
            open: true,
        })
    }
}

/// The "no rows" error both backends answer from `query_row`.
fn no_rows() -> StoreError {
    StoreError::Db(rusqlite::Error::QueryReturnedNoRows)
}

/// `optional()` as rusqlite's `OptionalExtension`: "no rows" becomes `None`.
pub(crate) trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::Db(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// An open transaction: committed by `commit`, rolled back when dropped otherwise. It reads
/// and writes as its connection does.
pub(crate) struct Tx<'c> {
    conn: &'c Conn,
    open: bool,
}

impl Tx<'_> {
    pub(crate) fn commit(mut self) -> Result<()> {
        self.open = false;
        self.conn.set_in_tx(false);
        self.conn.execute_batch("COMMIT")
    }

    pub(crate) fn rollback(mut self) -> Result<()> {
        self.open = false;
        self.conn.set_in_tx(false);
        self.conn.execute_batch("ROLLBACK")
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            self.conn.set_in_tx(false);
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The rows `query_map` answers, as results like rusqlite's.
pub(crate) type Rows<T> = std::iter::Map<std::vec::IntoIter<T>, fn(T) -> Result<T>>;

/// A statement of a connection (rusqlite's `Statement` surface).
pub(crate) struct Stmt<'c> {
    conn: &'c Conn,
    sql: String,
}

impl Stmt<'_> {
    pub(crate) fn execute(&mut self, params: impl Params) -> Result<usize> {
        self.conn.execute(&self.sql, params)
    }

    pub(crate) fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        self.conn.query_row(&self.sql, params, f)
    }

    /// Every row's mapping (read whole), as an iterator of results like rusqlite's.
    pub(crate) fn query_map<T>(
        &mut self,
        params: impl Params,
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Rows<T>> {
        Ok(self
            .conn
            .query_all(&self.sql, params, f)?
            .into_iter()
            .map(Ok as fn(T) -> Result<T>))
    }

    pub(crate) fn for_each(
        &mut self,
        params: impl Params,
        each: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        self.conn.for_each(&self.sql, params, each)
    }
}

// --- parameters ---------------------------------------------------------------------------

/// One parameter's value, borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// What can be bound as a parameter on both backends.
pub(crate) trait ToParam {
    fn param(&self) -> Param<'_>;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn param(&self) -> Param<'_> {
                Param::Int(*self as i64)
            }
        }
    )*};
}
int_param!(i64, i32, i16, i8, u32, u16, u8, usize);

impl ToParam for bool {
    fn param(&self) -> Param<'_> {
        Param::Int(*self as i64)
    }
}
impl ToParam for f64 {
    fn param(&self) -> Param<'_> {
        Param::Real(*self)
    }
}
impl ToParam for str {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for String {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for [u8] {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl ToParam for Vec<u8> {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl<T: ToParam + ?Sized> ToParam for &T {
    fn param(&self) -> Param<'_> {
        (**self).param()
    }
}
impl<T: ToParam> ToParam for Option<T> {
    fn param(&self) -> Param<'_> {
        match self {
            Some(v) => v.param(),
            None => Param::Null,
        }
    }
}
impl ToParam for Param<'_> {
    fn param(&self) -> Param<'_> {
        *self
    }
}
/// SQL NULL.
impl ToParam for () {
    fn param(&self) -> Param<'_> {
        Param::Null
    }
}

/// A statement's parameters: `()`, an array `[a, b]`, a tuple `(a, b, …)` of values of
/// different types, or `params![a, b, …]`.
pub(crate) trait Params {
    fn values(&self) -> Vec<Param<'_>>;
}

impl Params for () {
    fn values(&self) -> Vec<Param<'_>> {
        Vec::new()
    }
}
impl Params for &[&dyn ToParam] {
    fn values(&self) -> Vec<Param<'_>> {
        self.iter().map(|p| p.param()).collect()
    }
}
impl Params for Vec<Param<'_>> {
    fn values(&self) -> Vec<Param<'_>> {
        self.clone()
    }
}
impl<T: ToParam, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<Param<'_>> {
        self.iter().map(|p| p.param()).collect()
    }
}
macro_rules! tuple_params {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: ToParam),+> Params for ($($t,)+) {
            fn values(&self) -> Vec<Param<'_>> {
                vec![$(self.$i.param()),+]
            }
        }
    )*};
}
tuple_params! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
}

/// `params![a, b, …]`: the parameters of a statement, borrowed.
macro_rules! params {
    ($($x:expr),* $(,)?) => {
        &[$(&$x as &dyn $crate::sql::ToParam),*] as &[&dyn $crate::sql::ToParam]
    };
}
pub(crate) use params;

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => ValueRef::Null,
            Param::Int(n) => ValueRef::Integer(n),
            Param::Real(f) => ValueRef::Real(f),
            Param::Text(s) => ValueRef::Text(s.as_bytes()),
            Param::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Bound as the type PostgreSQL inferred for the placeholder.
impl postgres::types::ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::{IsNull, Type};
        let wrong = || -> Box<dyn std::error::Error + Sync + Send> {
            format!("parameter {self:?} cannot be sent as {ty}").into()
        };
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(n) => match *ty {
                Type::INT8 => n.to_sql(ty, out),
                Type::INT4 => i32::try_from(n).map_err(|_| wrong())?.to_sql(ty, out),
                Type::INT2 => i16::try_from(n).map_err(|_| wrong())?.to_sql(ty, out),
                Type::BOOL => (n != 0).to_sql(ty, out),
                Type::FLOAT8 => (n as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => n.to_string().as_str().to_sql(ty, out),
                _ => Err(wrong()),
            },
            Param::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                _ => Err(wrong()),
            },
            Param::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => s.to_sql(ty, out),
                Type::INT8 => s.parse::<i64>().map_err(|_| wrong())?.to_sql(ty, out),
                _ => Err(wrong()),
            },
            Param::Blob(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ => Err(wrong()),
            },
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

// --- rows ---------------------------------------------------------------------------------

/// A row of either backend.
pub(crate) enum Row<'a> {
    Lite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

/// A column's position (rusqlite's `get::<_, T>(i)` spelling).
pub(crate) trait ColumnIndex {
    fn index(self) -> usize;
}
impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl Row<'_> {
    pub(crate) fn get<I: ColumnIndex, T: FromColumn>(&self, i: I) -> Result<T> {
        let i = i.index();
        match self {
            Row::Lite(r) => Ok(r.get::<_, T>(i)?),
            Row::Pg(r) => {
                let ty = r.columns()[i].type_().clone();
                let raw = r.try_get::<_, Raw>(i)?.0;
                T::from_pg(raw, &ty).ok_or_else(|| {
                    StoreError::Column(format!(
                        "column {i} ({}) of type {ty} cannot be read as {}",
                        r.columns()[i].name(),
                        std::any::type_name::<T>()
                    ))
                })
            }
        }
    }
}

/// A column's bytes as PostgreSQL sent them (binary format), or None for NULL.
struct Raw<'a>(Option<&'a [u8]>);

impl<'a> postgres::types::FromSql<'a> for Raw<'a> {
    fn from_sql(
        _: &postgres::types::Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(Some(raw)))
    }
    fn from_sql_null(
        _: &postgres::types::Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(None))
    }
    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
}

/// What a column can be read as on both backends.
pub(crate) trait FromColumn: rusqlite::types::FromSql + Sized {
    /// From PostgreSQL's binary value of type `ty` (None: not readable as `Self`).
    fn from_pg(raw: Option<&[u8]>, ty: &postgres::types::Type) -> Option<Self>;
}

/// An integer of any of PostgreSQL's integer types (and `numeric` without a fraction, as
/// `sum(bigint)` answers).
fn pg_int(raw: &[u8], ty: &postgres::types::Type) -> Option<i64> {
    use postgres::types::Type;
    match *ty {
        Type::INT8 => Some(i64::from_be_bytes(raw.try_into().ok()?)),
        Type::INT4 => Some(i32::from_be_bytes(raw.try_into().ok()?).into()),
        Type::INT2 => Some(i16::from_be_bytes(raw.try_into().ok()?).into()),
        Type::BOOL => Some((raw.first()? != &0) as i64),
        Type::NUMERIC => numeric_int(raw),
        _ => None,
    }
}

/// PostgreSQL's binary `numeric` (base-10000 digits) as an integer, if it is one.
fn numeric_int(raw: &[u8]) -> Option<i64> {
    let word = |i: usize| -> Option<i16> { Some(i16::from_be_bytes(raw.get(i..i + 2)?.try_into().ok()?)) };
    let (ndigits, weight, sign) = (word(0)?, word(2)?, word(4)? as u16);
    let mut value: i128 = 0;
    for d in 0..ndigits as usize {
        let digit = word(8 + 2 * d)? as i128;
        let power = weight as i32 - d as i32;
        if power < 0 {
            if digit != 0 {
                return None;
            }
            continue;
        }
        value = value.checked_add(digit.checked_mul(10_000i128.checked_pow(power as u32)?)?)?;
    }
    match sign {
        0x0000 => i64::try_from(value).ok(),
        0x4000 => i64::try_from(-value).ok(),
        _ => None,
    }
}

macro_rules! int_column {
    ($($t:ty),*) => {$(
        impl FromColumn for $t {
            fn from_pg(raw: Option<&[u8]>, ty: &postgres::types::Type) -> Option<Self> {
                <$t>::try_from(pg_int(raw?, ty)?).ok()
            }
        }
    )*};
}
int_column!(i64, i32, u32, u16, u8, usize);

impl FromColumn for bool {
    fn from_pg(raw: Option<&[u8]>, ty: &postgres::types::Type) -> Option<Self> {
        Some(pg_int(raw?, ty)? != 0)
    }
}

impl FromColumn for f64 {
    fn from_pg(raw: Option<&[u8]>, ty: &postgres::types::Type) -> Option<Self> {
        use postgres::types::Type;
        let raw = raw?;
        match *ty {
            Type::FLOAT8 => Some(f64::from_be_bytes(raw.try_into().ok()?)),
            Type::FLOAT4 => Some(f32::from_be_bytes(raw.try_into().ok()?).into()),
            _ => Some(pg_int(raw, ty)? as f64),
        }
    }
}

impl FromColumn for String {
    fn from_pg(raw: Option<&[u8]>, ty: &postgres::types::Type) -> Option<Self> {
        use postgres::types::Type;
        match *ty {
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                String::from_utf8(raw?.to_vec()).ok()
            }
            _ => None,
        }
    }
}

impl FromColumn for Vec<u8> {
    fn from_pg(raw: Option<&[u8]>, ty: &postgres::types::Type) -> Option<Self> {
        (*ty == postgres::types::Type::BYTEA).then(|| raw.map(<[u8]>::to_vec))?
    }
}

impl<T: FromColumn> FromColumn for Option<T> {
    fn from_pg(raw: Option<&[u8]>, ty: &postgres::types::Type) -> Option<Self> {
        match raw {
            None => Some(None),
            Some(_) => T::from_pg(raw, ty).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_dollars_outside_literals_only() {
        assert_eq!(
            super::dollars("SELECT a FROM t WHERE b = ?1 AND c BETWEEN ?2 AND ?10 AND d = '?1'"),
            "SELECT a FROM t WHERE b = $1 AND c BETWEEN $2 AND $10 AND d = '?1'"
        );
    }

    #[test]
    fn numeric_integers_are_read_exactly_and_fractions_refused() {
        // 123456789 = [1, 2345, 6789] with weight 2; -5 = [5] weight 0, negative.
        let enc = |digits: &[i16], weight: i16, sign: u16, scale: i16| {
            let mut v = Vec::new();
            for w in [digits.len() as i16, weight, sign as i16, scale] {
                v.extend_from_slice(&w.to_be_bytes());
            }
            for d in digits {
                v.extend_from_slice(&d.to_be_bytes());
            }
            v
        };
        assert_eq!(
            super::numeric_int(&enc(&[1, 2345, 6789], 2, 0, 0)),
            Some(123_456_789)
        );
        assert_eq!(super::numeric_int(&enc(&[5], 0, 0x4000, 0)), Some(-5));
        assert_eq!(super::numeric_int(&enc(&[], 0, 0, 0)), Some(0));
        assert_eq!(super::numeric_int(&enc(&[7], 1, 0, 0)), Some(70_000));
        assert_eq!(super::numeric_int(&enc(&[1, 5000], 0, 0, 1)), None);
        assert_eq!(super::numeric_int(&enc(&[1], 0, 0xC000, 0)), None);
    }
}
