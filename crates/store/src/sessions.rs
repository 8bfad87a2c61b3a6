//! The sign-in side of the store in its own SQLite file beside the data
//! (`thidua.db` → `thidua-sessions.db`): sessions, sign-in throttling, when each API token
//! was last used, and the account events (sign-in, sign-out) on their way into the audit
//! chain.
//!
//! Why a second file: SQLite has one writer per file, and an import holds the data file's
//! write lock for as long as it writes (seconds to minutes for a large file). A sign-in, a
//! page view that slides its session, a throttle count or an API call writes only here, so
//! none of them waits on an import (issue 13, "nobody waits on an import"). The file holds
//! nothing an award rests on: deleting it signs everybody out and forgets the throttle
//! counts; account events not yet written into the chain would be lost, so they are moved
//! within seconds (`Store::flush_account_events`).
//!
//! The file is opened on first use, so a command that only reads (evaluate, export) never
//! opens it, and works in a read-only data folder.

use crate::audit::{record_at, Actor};
use crate::sql::{params, Conn, OptionalExtension};
use crate::users::{
    address_delay_ms, Gate, UserRecord, SESSION_MAX, THROTTLE_FAILURES, THROTTLE_LOCK, THROTTLE_WINDOW,
};
use crate::{now, Result, Store};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

/// The sessions file's schema, versioned by its own `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE meta (epoch TEXT NOT NULL);
-- The epoch tells this file's account events apart from those of a file deleted before.
INSERT INTO meta (epoch) VALUES (lower(hex(randomblob(16))));

-- Server-side sessions, shared by every instance that uses the store. Only a hash of the
-- cookie value is kept, so a copy of the file does not hand out sessions.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    csrf         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    address      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed sign-ins per key (`u:<username>` and `ip:<address>`).
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);

-- When each API token (data file's `api_tokens.id`) was last used.
CREATE TABLE token_use (
    token_id     INTEGER PRIMARY KEY,
    last_used_at INTEGER NOT NULL
);

-- Sign-ins and sign-outs, waiting to be written into the audit chain. AUTOINCREMENT:
-- ids are never reused once written events are deleted (the data file remembers the last
-- id written).
CREATE TABLE account_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    username    TEXT NOT NULL,
    address     TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    action      TEXT NOT NULL
);
"];

/// Where the sessions live, opened on first use: a file beside the data, a private
/// in-memory database, or — on PostgreSQL — the data's own database through a connection of
/// their own (their commits are not the data's; migrations `0001` hold their tables).
pub(crate) struct SessionDb {
    place: Place,
    conn: OnceCell<Conn>,
}

enum Place {
    File(PathBuf),
    Memory,
    /// The URL, and whether calls go to a thread of their own (`PgConn::new_apart`).
    Pg(String, bool),
}

/// The advisory lock the sessions' writing transactions take on PostgreSQL: not the data's
/// (`sql::WRITE_LOCK`), so a sign-in never waits on an import there either.
const SESSION_LOCK: i64 = 0x0074_6869_6475_6153;

impl SessionDb {
    /// The sessions file beside the data file `data`: `thidua.db` → `thidua-sessions.db`.
    pub(crate) fn beside(data: &Path) -> SessionDb {
        let stem = data.file_stem().and_then(|s| s.to_str()).unwrap_or("thidua");
        SessionDb {
            place: Place::File(data.with_file_name(format!("{stem}-sessions.db"))),
            conn: OnceCell::new(),
        }
    }

    pub(crate) fn in_memory() -> SessionDb {
        SessionDb {
            place: Place::Memory,
            conn: OnceCell::new(),
        }
    }

    /// The sessions of the PostgreSQL database at `url`.
    pub(crate) fn postgres(url: &str, apart: bool) -> SessionDb {
        SessionDb {
            place: Place::Pg(url.to_string(), apart),
            conn: OnceCell::new(),
        }
    }

    /// No sessions file exists yet (nothing can wait in it).
    fn absent(&self) -> bool {
        matches!(&self.place, Place::File(p) if !p.exists())
    }

    pub(crate) fn conn(&self) -> Result<&Conn> {
        if let Some(c) = self.conn.get() {
            return Ok(c);
        }
        let conn = match &self.place {
            Place::File(p) => Conn::Lite(migrated(rusqlite::Connection::open(p)?)?),
            Place::Memory => Conn::Lite(migrated(rusqlite::Connection::open_in_memory()?)?),
            Place::Pg(url, false) => Conn::Pg(Box::new(crate::sql::PgConn::new(crate::pg::connect(url)?))),
            Place::Pg(url, true) => {
                let client = std::thread::scope(|s| s.spawn(|| crate::pg::connect(url)).join())
                    .map_err(|_| crate::StoreError::Column("connecting to PostgreSQL panicked".into()))??;
                Conn::Pg(Box::new(crate::sql::PgConn::new_apart(client)))
            }
        };
        Ok(self.conn.get_or_init(|| conn))
    }
}

/// An SQLite sessions file brought up to date.
fn migrated(conn: rusqlite::Connection) -> Result<rusqlite::Connection> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Read under the write lock: several connections may open a new file at once.
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let migrated = (|| -> Result<()> {
        let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current > MIGRATIONS.len() as i64 {
            return Err(crate::StoreError::NewerSchema(current));
        }
        for sql in MIGRATIONS.iter().skip(current as usize) {
            conn.execute_batch(sql)?;
        }
        conn.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
        Ok(())
    })();
    conn.execute_batch(if migrated.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    migrated?;
    Ok(conn)
}

/// An account event waiting for the audit chain.
struct AccountEvent {
    id: i64,
    at: i64,
    actor: Actor,
    action: String,
}

impl Store {
    pub(crate) fn sess(&self) -> Result<&Conn> {
        self.sessions.conn()
    }

    // --- sessions -------------------------------------------------------------------

    /// A new session, and its sign-in as an account event (`actor` signed in).
    pub fn create_session(
        &self,
        actor: &Actor,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        ttl: i64,
    ) -> Result<()> {
        let t = now();
        let c = self.sess()?;
        let tx = c.write_tx_on(SESSION_LOCK)?;
        (|| -> Result<()> {
            c.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen_at, expires_at, address) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
                params![token_hash, user_id, csrf, t, t + ttl, actor.address],
            )?;
            // Expired sessions of anyone are cleared from time to time.
            c.execute("DELETE FROM sessions WHERE expires_at < ?1", [t])?;
            account_event(c, t, actor, "dang_nhap")
        })()?;
        tx.commit()
    }

    /// The session's user and CSRF token, if the session is live and the user active.
    /// A session seen again slides its expiry forward by `ttl` (at most once a minute), for
    /// at most `SESSION_MAX` seconds after sign-in.
    pub fn session(&self, token_hash: &str, ttl: i64) -> Result<Option<(UserRecord, String)>> {
        Ok(self.session_kept(token_hash, ttl)?.map(|(u, csrf, _)| (u, csrf)))
    }

    /// `session`, with the time until which the answer may be reused without asking again
    /// while nothing is committed to either file: the session's end (its idle expiry, its
    /// maximum age) or the minute after its last use was noted, whichever comes first (the
    /// next read then notes the use again).
    pub fn session_kept(&self, token_hash: &str, ttl: i64) -> Result<Option<(UserRecord, String, i64)>> {
        let t = now();
        let c = self.sess()?;
        let found: Option<(i64, String, i64, i64, i64)> = c
            .prepare_cached(
                "SELECT user_id, csrf, last_seen_at, expires_at, created_at FROM sessions WHERE token_hash = ?1 AND expires_at >= ?2 AND created_at >= ?2 - CAST(?3 AS BIGINT)",
            )?
            .query_row(params![token_hash, t, SESSION_MAX], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let Some((user_id, csrf, mut last_seen, mut expires, created)) = found else {
            return Ok(None);
        };
        if t - last_seen >= 60 {
            c.prepare_cached("UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE token_hash = ?3")?
                .execute(params![t, t + ttl, token_hash])?;
            (last_seen, expires) = (t, t + ttl);
        }
        let until = (last_seen + 60).min(expires).min(created + SESSION_MAX);
        Ok(self
            .user_by_id(user_id)?
            .filter(|u| u.active)
            .map(|u| (u, csrf, until)))
    }

    /// A number that changes whenever another connection has committed to the sessions
    /// (a sign-in, a sign-out, a session's use noted, a token's use noted): SQLite's
    /// `PRAGMA data_version` of the sessions file, PostgreSQL's count of the sessions'
    /// commits (`Conn::commits_seen`).
    pub fn session_commits_seen(&self) -> Result<i64> {
        self.sess()?.commits_seen("sessions")
    }

    /// Ends a session; with an actor, records the sign-out.
    pub fn delete_session(&self, token_hash: &str, signed_out: Option<&Actor>) -> Result<()> {
        let c = self.sess()?;
        c.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        if let Some(actor) = signed_out {
            account_event(c, now(), actor, "dang_xuat")?;
        }
        Ok(())
    }

    /// Ends a user's sessions (except `keep`): after the data file's change committed, so a
    /// sign-in in between cannot keep a session that the change meant to end.
    pub(crate) fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<()> {
        self.sess()?.execute(
            "DELETE FROM sessions WHERE user_id = ?1 AND token_hash != ?2",
            params![user_id, keep.unwrap_or("")],
        )?;
        Ok(())
    }

    pub fn session_count(&self) -> Result<i64> {
        self.sess()?
            .query_row("SELECT count(*) FROM sessions", (), |r| r.get(0))
    }

    // --- sign-in throttling ---------------------------------------------------------

    /// Counts a sign-in attempt before its password is checked, so parallel guesses are
    /// counted too: an account whose attempts in the window (failed or still in flight)
    /// already reach `THROTTLE_FAILURES` is refused, so the attempt that reaches the limit
    /// is still checked, and no lock is set here (`throttle_failure` sets it once that
    /// attempt has failed). The address only ever slows down.
    pub fn throttle_attempt(&self, account_key: &str, address_key: &str) -> Result<Gate> {
        let t = now();
        let c = self.sess()?;
        let tx = c.write_tx_on(SESSION_LOCK)?;
        let gate = throttle_count(c, t, account_key, address_key)?;
        if matches!(gate, Gate::Go { .. }) {
            tx.commit()?;
        }
        Ok(gate)
    }

    /// A checked attempt failed: its count stays, and the account is locked for
    /// `THROTTLE_LOCK` seconds once its failures reach the limit.
    pub fn throttle_failure(&self, account_key: &str) -> Result<()> {
        let t = now();
        self.sess()?.execute(
            "UPDATE login_throttle SET locked_until = CAST(?2 AS BIGINT) + ?3, failures = 0, first_at = ?2
             WHERE key = ?1 AND failures >= ?4",
            params![account_key, t, THROTTLE_LOCK, THROTTLE_FAILURES],
        )?;
        Ok(())
    }

    /// A successful sign-in clears the account's and the address's counts and locks.
    pub fn throttle_success(&self, account_key: &str, address_key: &str) -> Result<()> {
        self.sess()?.execute(
            "DELETE FROM login_throttle WHERE key IN (?1, ?2)",
            params![account_key, address_key],
        )?;
        Ok(())
    }

    /// When the account behind `key` is locked until (0: not locked), for tests and admins.
    pub fn throttle_locked_until(&self, key: &str) -> Result<i64> {
        Ok(self
            .sess()?
            .query_row(
                "SELECT locked_until FROM login_throttle WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    // --- API tokens' last use -------------------------------------------------------

    /// Notes a token's use, to the minute: a system calling the API many times a second
    /// reads here and writes at most once a minute.
    /// Notes a token's use (at most once a minute); answers when it was last noted.
    pub(crate) fn token_used(&self, token_id: i64) -> Result<i64> {
        let (c, t) = (self.sess()?, now());
        let last: Option<i64> = c
            .prepare_cached("SELECT last_used_at FROM token_use WHERE token_id = ?1")?
            .query_row([token_id], |r| r.get(0))
            .optional()?;
        if last.is_none_or(|l| t - l >= 60) {
            c.prepare_cached(
                "INSERT INTO token_use (token_id, last_used_at) VALUES (?1, ?2)
                 ON CONFLICT (token_id) DO UPDATE SET last_used_at = excluded.last_used_at",
            )?
            .execute(params![token_id, t])?;
            return Ok(t);
        }
        Ok(last.unwrap_or(t))
    }

    pub(crate) fn token_last_use(&self) -> Result<std::collections::HashMap<i64, i64>> {
        let c = self.sess()?;
        let mut st = c.prepare_cached("SELECT token_id, last_used_at FROM token_use")?;
        let rows = st.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_>>()
    }

    // --- account events into the audit chain ----------------------------------------

    /// Writes the waiting account events into the audit chain, each with the time it
    /// happened, and returns how many. Exactly once: the data file records, per sessions
    /// file (its epoch), the last event written, in the transaction that writes them;
    /// events are deleted here only after that commit. Waits for the data file's write
    /// lock like any writer, so callers run it in the background (the server every few
    /// seconds and after each sign-in) or before reading the log.
    pub fn flush_account_events(&mut self) -> Result<usize> {
        if self.sessions.absent() {
            return Ok(0); // no sessions file yet: nothing waits
        }
        let c = self.sessions.conn()?;
        let epoch: String = c.query_row("SELECT epoch FROM meta", (), |r| r.get(0))?;
        let mut st = c.prepare_cached(
            "SELECT id, at, username, address, request_id, action FROM account_events ORDER BY id LIMIT 10000",
        )?;
        let events = st
            .query_map((), |r| {
                Ok(AccountEvent {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: Actor {
                        username: r.get(2)?,
                        address: r.get(3)?,
                        request_id: r.get(4)?,
                    },
                    action: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>>>()?;
        let Some(last) = events.last().map(|e| e.id) else {
            return Ok(0);
        };
        let tx = self.conn.write_tx()?;
        let done: i64 = tx
            .query_row(
                "SELECT last_event FROM account_events_written WHERE epoch = ?1",
                [&epoch],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let mut written = 0;
        for e in events.iter().filter(|e| e.id > done) {
            let user = &e.actor.username;
            record_at(&tx, e.at, &e.actor, &e.action, "user", user, None, None)?;
            written += 1;
        }
        tx.execute(
            "INSERT INTO account_events_written (epoch, last_event) VALUES (?1, ?2)
             ON CONFLICT (epoch) DO UPDATE SET last_event = excluded.last_event",
            params![epoch, last.max(done)],
        )?;
        tx.commit()?;
        c.execute("DELETE FROM account_events WHERE id <= ?1", [last])?;
        Ok(written)
    }

    /// How many account events wait for the audit chain.
    pub fn account_events_waiting(&self) -> Result<i64> {
        self.sess()?
            .query_row("SELECT count(*) FROM account_events", (), |r| r.get(0))
    }
}

fn account_event(c: &Conn, at: i64, actor: &Actor, action: &str) -> Result<()> {
    c.execute(
        "INSERT INTO account_events (at, username, address, request_id, action) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, actor.username, actor.address, actor.request_id, action],
    )?;
    Ok(())
}

/// The throttle's count of one attempt (inside the sessions file's write transaction).
fn throttle_count(c: &Conn, t: i64, account_key: &str, address_key: &str) -> Result<Gate> {
    let row: Option<(i64, i64, i64)> = c
        .query_row(
            "SELECT failures, first_at, locked_until FROM login_throttle WHERE key = ?1",
            [account_key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((failures, first_at, locked_until)) = row {
        if locked_until > t {
            return Ok(Gate::Locked(locked_until));
        }
        if first_at >= t - THROTTLE_WINDOW && failures >= THROTTLE_FAILURES {
            // Attempts in flight fill the account's allowance; if they all fail the lock
            // follows.
            return Ok(Gate::Locked(t + THROTTLE_LOCK));
        }
    }
    let mut counts = [0i64; 2];
    for (i, k) in [account_key, address_key].into_iter().enumerate() {
        counts[i] = c.query_row(
            "INSERT INTO login_throttle (key, failures, first_at, locked_until) VALUES (?1, 1, ?2, 0)
             ON CONFLICT (key) DO UPDATE SET
               failures = CASE WHEN login_throttle.first_at < ?2 - CAST(?3 AS BIGINT) THEN 1 ELSE login_throttle.failures + 1 END,
               first_at = CASE WHEN login_throttle.first_at < ?2 - CAST(?3 AS BIGINT) THEN ?2 ELSE login_throttle.first_at END,
               locked_until = 0
             RETURNING failures",
            params![k, t, THROTTLE_WINDOW],
            |r| r.get(0),
        )?;
    }
    Ok(Gate::Go {
        delay_ms: address_delay_ms(counts[1]),
    })
}
