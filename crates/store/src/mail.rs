//! The outbox: e-mail notices and reminders waiting for the SMTP server. A message is
//! queued by whoever decided to send it and kept until the server accepts it; a failure
//! is recorded and retried later (the sender decides when); a reminder's key keeps it from
//! being queued twice.

use crate::sql::params;
use crate::{Result, Store};
use thidua_domain::role::Role;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// A message as the outbox lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub last_error: String,
}

/// Attempts after which a message is given up (it stays listed with its last error).
pub const MAX_ATTEMPTS: i64 = 8;

impl Store {
    /// Queues a message; with a `dedupe` key, only the first message under that key is
    /// queued (false when one was already).
    pub fn enqueue_mail(
        &mut self,
        recipient: &str,
        subject: &str,
        body: &str,
        dedupe: Option<&str>,
    ) -> Result<bool> {
        let now = crate::now();
        let n = self.conn.execute(
            "INSERT INTO outbox (recipient, subject, body, dedupe, created_at, next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (dedupe) DO NOTHING",
            params![recipient, subject, body, dedupe, now],
        )?;
        Ok(n == 1)
    }

    /// Messages due for sending at `now` (oldest first, at most `limit`).
    pub fn due_mail(&self, now: i64, limit: i64) -> Result<Vec<OutMail>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, recipient, subject, body, attempts FROM outbox
             WHERE sent_at IS NULL AND attempts < ?1 AND next_at <= ?2 ORDER BY id LIMIT ?3",
        )?;
        let rows = st.query_map(params![MAX_ATTEMPTS, now, limit], |r| {
            Ok(OutMail {
                id: r.get(0)?,
                recipient: r.get(1)?,
                subject: r.get(2)?,
                body: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        rows.collect::<Result<_>>()
    }

    pub fn mail_sent(&mut self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET sent_at = ?1, attempts = attempts + 1, last_error = '' WHERE id = ?2",
            params![crate::now(), id],
        )?;
        Ok(())
    }

    /// Records a failed attempt; the next is not before `retry_at`.
    pub fn mail_failed(&mut self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?1, next_at = ?2 WHERE id = ?3",
            params![error, retry_at, id],
        )?;
        Ok(())
    }

    /// The most recent messages, newest first.
    pub fn outbox(&self, limit: i64) -> Result<Vec<OutboxRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, recipient, subject, created_at, sent_at, attempts, last_error FROM outbox ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit], |r| {
            Ok(OutboxRow {
                id: r.get(0)?,
                recipient: r.get(1)?,
                subject: r.get(2)?,
                created_at: r.get(3)?,
                sent_at: r.get(4)?,
                attempts: r.get(5)?,
                last_error: r.get(6)?,
            })
        })?;
        rows.collect::<Result<_>>()
    }

    /// The active accounts of `role` (of `unit_id` when given) that have an address:
    /// (username, full name, address).
    pub fn mail_recipients(&self, role: Role, unit_id: Option<i64>) -> Result<Vec<(String, String, String)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT username, full_name, email FROM users
             WHERE active = 1 AND email != '' AND role = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR unit_id = ?2) ORDER BY username",
        )?;
        let rows = st.query_map(params![role.code(), unit_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<Result<_>>()
    }
}
