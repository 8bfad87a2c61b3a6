//! Reads both backends run from one text (issue 16, the first operations on PostgreSQL):
//! SQL both dialects read alike, with `?N` placeholders (rewritten to `$N` for
//! PostgreSQL), answered as rows of plain values. The evaluation's reads go through here —
//! the plans, units, heads, entries, catalogue, calendar and kept sums — so an evaluation
//! on PostgreSQL is the same code as on SQLite. Orders that depend on text collation are
//! made in Rust (PostgreSQL's collation is not SQLite's byte order).

use crate::Result;

/// A connection of either backend.
#[derive(Clone, Copy)]
pub(crate) enum Db<'a> {
    Lite(&'a rusqlite::Connection),
    Pg(&'a crate::sql::PgConn),
}

impl crate::sql::Conn {
    /// The reader of this module on the connection.
    pub(crate) fn db(&self) -> Db<'_> {
        match self {
            crate::sql::Conn::Lite(c) => Db::Lite(c),
            crate::sql::Conn::Pg(p) => Db::Pg(p),
        }
    }
}

/// One value of a row or a parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl Val {
    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(n) => Some(*n),
            _ => None,
        }
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn blob(&self) -> &[u8] {
        match self {
            Val::Blob(b) => b,
            _ => &[],
        }
    }
    pub fn string(&self) -> String {
        self.text().unwrap_or_default().to_string()
    }
    pub fn opt_string(&self) -> Option<String> {
        self.text().map(str::to_string)
    }
}

impl Db<'_> {
    /// Calls `each` with every row `sql` answers, in order.
    pub fn for_each(
        &self,
        sql: &str,
        params: &[Val],
        mut each: impl FnMut(&[Val]) -> Result<()>,
    ) -> Result<()> {
        match self {
            Db::Lite(conn) => {
                let mut st = conn.prepare_cached(sql)?;
                for (i, p) in params.iter().enumerate() {
                    match p {
                        Val::Null => st.raw_bind_parameter(i + 1, rusqlite::types::Null)?,
                        Val::Int(n) => st.raw_bind_parameter(i + 1, n)?,
                        Val::Text(s) => st.raw_bind_parameter(i + 1, s)?,
                        Val::Blob(b) => st.raw_bind_parameter(i + 1, b)?,
                    }
                }
                let n = st.column_count();
                let mut rows = st.raw_query();
                let mut row = Vec::with_capacity(n);
                while let Some(r) = rows.next()? {
                    row.clear();
                    for i in 0..n {
                        use rusqlite::types::ValueRef;
                        row.push(match r.get_ref(i)? {
                            ValueRef::Null => Val::Null,
                            ValueRef::Integer(n) => Val::Int(n),
                            ValueRef::Real(f) => Val::Int(f as i64),
                            ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                            ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                        });
                    }
                    each(&row)?;
                }
                Ok(())
            }
            Db::Pg(conn) => {
                let params: Vec<crate::sql::Param> = params
                    .iter()
                    .map(|p| match p {
                        Val::Null => crate::sql::Param::Null,
                        Val::Int(n) => crate::sql::Param::Int(*n),
                        Val::Text(s) => crate::sql::Param::Text(s),
                        Val::Blob(b) => crate::sql::Param::Blob(b),
                    })
                    .collect();
                let mut row = Vec::new();
                conn.stream(sql, params, |r| {
                    use postgres::types::Type;
                    let read = crate::sql::Row::Pg(r);
                    row.clear();
                    for (i, c) in r.columns().iter().enumerate() {
                        let t = c.type_();
                        row.push(if *t == Type::BYTEA {
                            read.get::<_, Option<Vec<u8>>>(i)?.map_or(Val::Null, Val::Blob)
                        } else if [Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME].contains(t) {
                            read.get::<_, Option<String>>(i)?.map_or(Val::Null, Val::Text)
                        } else {
                            read.get::<_, Option<i64>>(i)?.map_or(Val::Null, Val::Int)
                        });
                    }
                    each(&row)
                })
            }
        }
    }

    /// Every row `sql` answers.
    pub fn rows(&self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
        let mut out = Vec::new();
        self.for_each(sql, params, |r| {
            out.push(r.to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row, if any.
    pub fn row(&self, sql: &str, params: &[Val]) -> Result<Option<Vec<Val>>> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
}
