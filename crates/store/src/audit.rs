//! The audit log: every change, with who, when, from where, what, before and after.
//! Written in the transaction of the change it records; read-only afterwards (triggers
//! refuse UPDATE and DELETE).

use crate::{now, Result, Store};
use rusqlite::{params_from_iter, Connection};

/// Who makes a change, and from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub username: String,
    pub address: String,
    pub request_id: String,
}

impl Actor {
    /// The command line on this machine.
    pub fn cli() -> Actor {
        Actor {
            username: "cli".into(),
            address: "local".into(),
            request_id: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub username: String,
    pub address: String,
    pub request_id: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    /// Local seconds, inclusive.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Records one change. `before`/`after` are JSON documents (or None for create/delete).
pub(crate) fn record(
    conn: &Connection,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, username, address, request_id, action, object_type, object_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute((
        now(),
        &actor.username,
        &actor.address,
        &actor.request_id,
        action,
        object_type,
        object_id,
        before.map(|v| v.to_string()),
        after.map(|v| v.to_string()),
    ))?;
    Ok(())
}

impl Store {
    /// Records a change made outside a store transaction (e.g. an import, which keeps its
    /// own record in `imports`).
    pub fn audit_record(
        &self,
        actor: &Actor,
        action: &str,
        object_type: &str,
        object_id: &str,
        after: Option<&serde_json::Value>,
    ) -> Result<()> {
        Ok(record(
            &self.conn,
            actor,
            action,
            object_type,
            object_id,
            None,
            after,
        )?)
    }

    /// The matching records, newest first, and how many match in all.
    pub fn audit(&self, f: &AuditFilter) -> Result<(Vec<AuditRecord>, i64)> {
        let mut clauses = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut add = |clause: &str, v: rusqlite::types::Value| {
            args.push(v);
            clauses.push(clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(u) = f.username.as_deref().filter(|s| !s.is_empty()) {
            add("username = ?", u.to_string().into());
        }
        if let Some(a) = f.action.as_deref().filter(|s| !s.is_empty()) {
            add("action = ?", a.to_string().into());
        }
        if let Some(t) = f.object_type.as_deref().filter(|s| !s.is_empty()) {
            add("object_type = ?", t.to_string().into());
        }
        if let Some(from) = f.from {
            add("at >= ?", from.into());
        }
        if let Some(to) = f.to {
            add("at <= ?", to.into());
        }
        let cond = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM audit_log {cond}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let sql = format!(
            "SELECT id, at, username, address, request_id, action, object_type, object_id, before, after
             FROM audit_log {cond} ORDER BY id DESC LIMIT {} OFFSET {}",
            f.limit.clamp(1, 1_000_000),
            f.offset.max(0)
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(params_from_iter(args.iter()), |r| {
            Ok(AuditRecord {
                id: r.get(0)?,
                at: r.get(1)?,
                username: r.get(2)?,
                address: r.get(3)?,
                request_id: r.get(4)?,
                action: r.get(5)?,
                object_type: r.get(6)?,
                object_id: r.get(7)?,
                before: r.get(8)?,
                after: r.get(9)?,
            })
        })?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total))
    }
}
