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

/// `?N` placeholders as PostgreSQL's `$N`.
fn dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
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
            Db::Pg(client) => {
                use postgres::fallible_iterator::FallibleIterator;
                use postgres::types::{ToSql, Type};
                let values: Vec<Box<dyn ToSql + Sync>> = params
                    .iter()
                    .map(|p| -> Box<dyn ToSql + Sync> {
                        match p {
                            Val::Null => Box::new(None::<i64>),
                            Val::Int(n) => Box::new(*n),
                            Val::Text(s) => Box::new(s.clone()),
                            Val::Blob(b) => Box::new(b.clone()),
                        }
                    })
                    .collect();
                let mut client = client.client();
                let st = client.prepare(&dollars(sql))?;
                let mut rows = client.query_raw(&st, values.iter().map(|v| v.as_ref() as &dyn ToSql))?;
                let mut row = Vec::new();
                while let Some(r) = rows.next()? {
                    row.clear();
                    for (i, c) in r.columns().iter().enumerate() {
                        let t = c.type_();
                        row.push(if *t == Type::INT8 {
                            r.get::<_, Option<i64>>(i).map_or(Val::Null, Val::Int)
                        } else if *t == Type::INT4 {
                            r.get::<_, Option<i32>>(i)
                                .map_or(Val::Null, |n| Val::Int(n.into()))
                        } else if *t == Type::BOOL {
                            r.get::<_, Option<bool>>(i)
                                .map_or(Val::Null, |b| Val::Int(b.into()))
                        } else if *t == Type::BYTEA {
                            r.get::<_, Option<Vec<u8>>>(i).map_or(Val::Null, Val::Blob)
                        } else {
                            r.get::<_, Option<String>>(i).map_or(Val::Null, Val::Text)
                        });
                    }
                    each(&row)?;
                }
                Ok(())
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

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_dollars_and_nothing_else_changes() {
        assert_eq!(
            super::dollars("SELECT a FROM t WHERE b = ?1 AND c BETWEEN ?2 AND ?10 AND d = '?'"),
            "SELECT a FROM t WHERE b = $1 AND c BETWEEN $2 AND $10 AND d = '?'"
        );
    }
}
