//! The audit log: every change, with who, when, from where, what, before and after.
//! Written in the transaction of the change it records; read-only afterwards (triggers
//! refuse UPDATE and DELETE).
//!
//! The log is a hash chain: each record's `hash` is the SHA-256 of the previous record's
//! hash and its own content (`content_hash`), so someone who edits the database file
//! directly (dropping the triggers) breaks the chain at the first record they alter or
//! delete, and `verify_chain` finds it. Rewriting every later hash as well is possible for
//! whoever holds the file, so the head of the chain (last id and hash) is printed by
//! `thidua audit verify` and logged when the server starts: a head noted elsewhere is an
//! anchor (`verify_chain(Some(anchor))`) that no rewrite can match.

use crate::sql::{params, Conn, OptionalExtension, Param, Row};
use crate::{now, Result, Store};
use sha2::{Digest, Sha256};
use thidua_domain::msg::Msg;

/// The previous hash of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// The hash of a record: SHA-256 over the previous hash and every field, each field
/// length-prefixed (and None told apart from empty), as lowercase hex.
pub fn content_hash(prev: &str, r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    h.update(b"thidua-audit-v1\0");
    h.update(prev.as_bytes());
    h.update(r.id.to_le_bytes());
    h.update(r.at.to_le_bytes());
    let text = [
        Some(&r.username),
        Some(&r.address),
        Some(&r.request_id),
        Some(&r.action),
        Some(&r.object_type),
        Some(&r.object_id),
        r.before.as_ref(),
        r.after.as_ref(),
    ];
    for field in text {
        match field {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The last record's id and hash (0 and `GENESIS` for an empty log).
fn head(conn: &Conn) -> Result<(i64, String)> {
    Ok(conn
        .prepare_cached("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")?
        .query_row((), |r| Ok((r.get(0)?, r.get::<_, Option<String>>(1)?)))
        .optional()?
        .map(|(id, h)| (id, h.unwrap_or_default()))
        .unwrap_or((0, GENESIS.to_string())))
}

/// Records one change. `before`/`after` are JSON documents (or None for create/delete).
/// The record is chained to the last one, read in the same transaction: SQLite has one
/// writer, so two records cannot chain to the same predecessor (a transaction that only
/// read before this fails to take the write lock rather than fork the chain).
pub(crate) fn record(
    conn: &Conn,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    record_at(conn, now(), actor, action, object_type, object_id, before, after)
}

/// `record` for a change made at `at`: an account event (sign-in, sign-out) is written
/// into the chain after it happened (`Store::flush_account_events`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_at(
    conn: &Conn,
    at: i64,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    if !conn.in_transaction() {
        let tx = conn.write_tx()?;
        record_at(&tx, at, actor, action, object_type, object_id, before, after)?;
        return tx.commit();
    }
    debug_assert!(
        thidua_domain::audit::action_vi(action).is_some()
            && thidua_domain::audit::object_vi(object_type).is_some(),
        "the audit action {action} on {object_type} has no label in thidua_domain::audit"
    );
    let (last_id, prev) = head(conn)?;
    let rec = AuditRecord {
        id: last_id + 1,
        at,
        username: actor.username.clone(),
        address: actor.address.clone(),
        request_id: actor.request_id.clone(),
        action: action.to_string(),
        object_type: object_type.to_string(),
        object_id: object_id.to_string(),
        before: before.map(|v| v.to_string()),
        after: after.map(|v| v.to_string()),
    };
    let hash = content_hash(&prev, &rec);
    conn.prepare_cached(
        "INSERT INTO audit_log (id, at, username, address, request_id, action, object_type, object_id, before, after, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        rec.id,
        rec.at,
        rec.username,
        rec.address,
        rec.request_id,
        rec.action,
        rec.object_type,
        rec.object_id,
        rec.before,
        rec.after,
        hash
    ])?;
    Ok(())
}

const RECORD_COLUMNS: &str =
    "id, at, username, address, request_id, action, object_type, object_id, before, after";

fn record_row(r: &Row) -> Result<AuditRecord> {
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
}

/// Seals the records written before the chain existed (migration 0006), in its
/// transaction: they are as trustworthy as they were at the upgrade, and chained from then
/// on.
pub(crate) fn seal_existing(conn: &Conn) -> Result<()> {
    conn.execute_batch("DROP TRIGGER audit_log_no_update")?;
    let rows: Vec<AuditRecord> = {
        let mut st = conn.prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM audit_log ORDER BY id"))?;
        let rows = st.query_map((), record_row)?;
        rows.collect::<Result<_>>()?
    };
    let mut prev = GENESIS.to_string();
    let mut up = conn.prepare_cached("UPDATE audit_log SET hash = ?1 WHERE id = ?2")?;
    for r in &rows {
        prev = content_hash(&prev, r);
        up.execute(params![prev, r.id])?;
    }
    conn.execute_batch(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is read-only'); END;",
    )?;
    Ok(())
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record's content or hash was changed (or a record before it was removed and the
    /// ids closed up).
    Altered { id: i64 },
    /// Records `from..=to` are missing (the next one present is `to + 1`).
    Missing { from: i64, to: i64 },
    /// The anchor's record is gone or holds another hash: the log was rewritten up to it,
    /// or cut short before it.
    AnchorMismatch { id: i64 },
}

impl ChainBreak {
    pub fn message(&self) -> Msg {
        match self {
            ChainBreak::Altered { id } => Msg::new(
                format!("Chuỗi nhật ký bị phá vỡ tại bản ghi số {id}: bản ghi đã bị sửa (hoặc bản ghi trước nó bị xóa)."),
                format!("the audit chain breaks at record {id}: it was altered (or a record before it removed)"),
            ),
            ChainBreak::Missing { from, to } if from == to => Msg::new(
                format!("Chuỗi nhật ký bị phá vỡ: thiếu bản ghi số {from}."),
                format!("the audit chain breaks: record {from} is missing"),
            ),
            ChainBreak::Missing { from, to } => Msg::new(
                format!("Chuỗi nhật ký bị phá vỡ: thiếu các bản ghi số {from} đến {to}."),
                format!("the audit chain breaks: records {from} to {to} are missing"),
            ),
            ChainBreak::AnchorMismatch { id } => Msg::new(
                format!("Bản ghi số {id} không khớp mốc đã lưu: nhật ký đã bị viết lại hoặc cắt bớt."),
                format!("record {id} does not match the saved anchor: the log was rewritten or cut short"),
            ),
        }
    }
}

/// The chain's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub records: i64,
    /// The last record's id and stored hash (0 and `GENESIS` when empty).
    pub head: (i64, String),
    pub first_break: Option<ChainBreak>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }

    /// "Chuỗi nhật ký nguyên vẹn" or where it breaks.
    pub fn message(&self) -> Msg {
        match &self.first_break {
            None => Msg::new(
                format!("Chuỗi nhật ký nguyên vẹn ({} bản ghi).", self.records),
                format!("the audit chain is intact ({} records)", self.records),
            ),
            Some(b) => b.message(),
        }
    }
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
        record(&self.conn, actor, action, object_type, object_id, None, after)
    }

    /// Recomputes the chain from the first record and reports where it first breaks.
    /// `anchor` is a head noted earlier (`id`, `hash`): that record must still hold it.
    pub fn verify_chain(&self, anchor: Option<(i64, &str)>) -> Result<ChainReport> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS}, hash FROM audit_log ORDER BY id"
        ))?;
        let (mut prev, mut last_id, mut records) = (GENESIS.to_string(), 0i64, 0i64);
        let mut first_break = None;
        let mut anchor_seen = false;
        st.for_each((), |row| {
            let rec = record_row(row)?;
            let stored: Option<String> = row.get(10)?;
            records += 1;
            if let Some((id, hash)) = anchor {
                if rec.id == id {
                    anchor_seen = true;
                    if stored.as_deref() != Some(hash) && first_break.is_none() {
                        first_break = Some(ChainBreak::AnchorMismatch { id });
                    }
                }
            }
            if first_break.is_none() {
                if rec.id != last_id + 1 {
                    first_break = Some(ChainBreak::Missing {
                        from: last_id + 1,
                        to: rec.id - 1,
                    });
                } else if stored.as_deref() != Some(content_hash(&prev, &rec).as_str()) {
                    first_break = Some(ChainBreak::Altered { id: rec.id });
                }
            }
            prev = stored.unwrap_or_default();
            last_id = rec.id;
            Ok(())
        })?;
        if let Some((id, _)) = anchor {
            if !anchor_seen && first_break.is_none() {
                first_break = Some(ChainBreak::AnchorMismatch { id });
            }
        }
        Ok(ChainReport {
            records,
            head: if records == 0 {
                (0, GENESIS.to_string())
            } else {
                (last_id, prev)
            },
            first_break,
        })
    }

    /// The matching records, newest first, and how many match in all.
    pub fn audit<'a>(&self, f: &'a AuditFilter) -> Result<(Vec<AuditRecord>, i64)> {
        let mut clauses = Vec::new();
        let mut args: Vec<Param> = Vec::new();
        let mut add = |clause: &str, v: Param<'a>| {
            args.push(v);
            clauses.push(clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(u) = f.username.as_deref().filter(|s| !s.is_empty()) {
            add("username = ?", Param::Text(u));
        }
        if let Some(a) = f.action.as_deref().filter(|s| !s.is_empty()) {
            add("action = ?", Param::Text(a));
        }
        if let Some(t) = f.object_type.as_deref().filter(|s| !s.is_empty()) {
            add("object_type = ?", Param::Text(t));
        }
        if let Some(from) = f.from {
            add("at >= ?", Param::Int(from));
        }
        if let Some(to) = f.to {
            add("at <= ?", Param::Int(to));
        }
        let cond = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM audit_log {cond}"),
            args.clone(),
            |r| r.get(0),
        )?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM audit_log {cond} ORDER BY id DESC LIMIT {} OFFSET {}",
            f.limit.clamp(1, 1_000_000),
            f.offset.max(0)
        );
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(args.clone(), record_row)?;
        Ok((rows.collect::<Result<_>>()?, total))
    }
}
