//! Difficulties and proposals (seed section V): a unit reports a difficulty (khó khăn,
//! vướng mắc) to the Chairman through the movement office; the office answers, or
//! escalates it to the provincial leaders; both sides see the whole thread and its state.

use crate::audit::{record, Actor};
use crate::sql::{params, OptionalExtension, Row};
use crate::{now, refused, Result, Store};
use serde_json::json;

/// `moi` → `da_tra_loi` | `da_chuyen_lanh_dao` → … → `da_dong`.
pub const THREAD_STATES: [(&str, &str); 4] = [
    ("moi", "Mới gửi"),
    ("da_tra_loi", "Đã trả lời"),
    ("da_chuyen_lanh_dao", "Đã chuyển lãnh đạo UBND tỉnh"),
    ("da_dong", "Đã đóng"),
];

pub fn thread_state_vi(code: &str) -> &'static str {
    THREAD_STATES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, v)| *v)
        .unwrap_or("")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub title: String,
    pub state: String,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    pub at: i64,
    pub author: String,
    pub role: String,
    pub action: String,
    pub body: String,
}

/// What a reply does to the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadAction {
    /// The unit adds to its thread (reopens it when answered).
    UnitReply,
    /// The office or the leaders answer.
    Answer,
    /// The office escalates to the Chairman / leaders.
    Escalate,
    Close,
}

impl ThreadAction {
    fn code(self) -> &'static str {
        match self {
            ThreadAction::UnitReply => "gui",
            ThreadAction::Answer => "tra_loi",
            ThreadAction::Escalate => "chuyen_lanh_dao",
            ThreadAction::Close => "dong",
        }
    }
}

const THREAD_COLUMNS: &str =
    "t.id, t.unit_id, u.code, u.name, t.title, t.state, t.created_at, t.created_by, t.updated_at FROM threads t JOIN units u ON u.id = t.unit_id";

fn thread_row(r: &Row) -> Result<Thread> {
    Ok(Thread {
        id: r.get(0)?,
        unit_id: r.get(1)?,
        unit_code: r.get(2)?,
        unit_name: r.get(3)?,
        title: r.get(4)?,
        state: r.get(5)?,
        created_at: r.get(6)?,
        created_by: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

impl Store {
    pub fn open_thread(
        &mut self,
        actor: &Actor,
        role: &str,
        unit_id: i64,
        title: &str,
        body: &str,
    ) -> Result<i64> {
        let (title, body) = (title.trim(), body.trim());
        if title.is_empty() || body.is_empty() {
            return Err(refused(
                "cần nhập tiêu đề và nội dung",
                "a title and a body are needed",
            ));
        }
        let at = now();
        let tx = self.conn.write_tx()?;
        let id: i64 = tx.query_row(
            "INSERT INTO threads (unit_id, title, state, created_at, created_by, updated_at) VALUES (?1, ?2, 'moi', ?3, ?4, ?3) RETURNING id",
            params![unit_id, title, at, actor.username],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO thread_messages (thread_id, at, author, role, action, body) VALUES (?1, ?2, ?3, ?4, 'gui', ?5)",
            params![id, at, actor.username, role, body],
        )?;
        record(
            &tx,
            actor,
            "gui_kien_nghi",
            "thread",
            &id.to_string(),
            None,
            Some(&json!({"unit_id": unit_id, "title": title, "body": body})),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Adds a message and moves the thread's state. A closed thread takes no more messages.
    pub fn reply_thread(
        &mut self,
        actor: &Actor,
        role: &str,
        id: i64,
        action: ThreadAction,
        body: &str,
    ) -> Result<()> {
        let body = body.trim();
        if body.is_empty() && action != ThreadAction::Close {
            return Err(refused("cần nhập nội dung", "a message body is needed"));
        }
        let tx = self.conn.write_tx()?;
        let state: String = tx
            .query_row("SELECT state FROM threads WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| refused("không có kiến nghị này", "no such thread"))?;
        if state == "da_dong" {
            return Err(refused("kiến nghị đã đóng", "the thread is closed"));
        }
        let next = match action {
            // A unit's addition reopens an answered thread; one with the leaders stays there.
            ThreadAction::UnitReply if state == "da_tra_loi" => "moi",
            ThreadAction::UnitReply => state.as_str(),
            ThreadAction::Answer => "da_tra_loi",
            ThreadAction::Escalate => "da_chuyen_lanh_dao",
            ThreadAction::Close => "da_dong",
        };
        let at = now();
        let next = next.to_string();
        tx.execute(
            "UPDATE threads SET state = ?1, updated_at = ?2 WHERE id = ?3",
            params![next, at, id],
        )?;
        tx.execute(
            "INSERT INTO thread_messages (thread_id, at, author, role, action, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, at, actor.username, role, action.code(), body],
        )?;
        record(
            &tx,
            actor,
            "phan_hoi_kien_nghi",
            "thread",
            &id.to_string(),
            Some(&json!({"state": state})),
            Some(&json!({"state": next, "action": action.code(), "body": body})),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn thread(&self, id: i64) -> Result<Option<Thread>> {
        self.conn
            .query_row(
                &format!("SELECT {THREAD_COLUMNS} WHERE t.id = ?1"),
                [id],
                thread_row,
            )
            .optional()
    }

    /// Threads of one unit, or of every unit; the latest activity first.
    pub fn threads(&self, unit_id: Option<i64>) -> Result<Vec<Thread>> {
        let mut st = self.conn.prepare_cached(&format!("SELECT {THREAD_COLUMNS} WHERE (CAST(?1 AS BIGINT) IS NULL OR t.unit_id = ?1) ORDER BY t.updated_at DESC, t.id DESC"))?;
        let rows = st.query_map([unit_id], thread_row)?;
        rows.collect::<Result<_>>()
    }

    pub fn thread_messages(&self, id: i64) -> Result<Vec<ThreadMessage>> {
        let mut st = self.conn.prepare_cached(
            "SELECT at, author, role, action, body FROM thread_messages WHERE thread_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([id], |r| {
            Ok(ThreadMessage {
                at: r.get(0)?,
                author: r.get(1)?,
                role: r.get(2)?,
                action: r.get(3)?,
                body: r.get(4)?,
            })
        })?;
        rows.collect::<Result<_>>()
    }
}
