//! Accounts, server-side sessions, sign-in throttling and API tokens. The store keeps only
//! hashes of session cookies and tokens; hashing and password checks live in `thidua-app`.

use crate::audit::{record, Actor};
use crate::sql::{params, Conn, OptionalExtension, Row};
use crate::{now, refused, Result, Store};
use serde_json::json;
use thidua_domain::role::Role;

/// Sign-in throttling. An account takes `THROTTLE_FAILURES` failed attempts in
/// `THROTTLE_WINDOW` seconds, then is locked for `THROTTLE_LOCK` seconds (guessing one
/// account). An address (an office's shared connection holds many people) is never locked:
/// after `THROTTLE_ADDRESS_FAILURES` failures in the window, each further attempt from it
/// waits a growing delay (`address_delay_ms`) before its password is checked, so one
/// person's mistakes or an attacker behind the same NAT slow everyone down a little but
/// lock nobody out.
pub const THROTTLE_FAILURES: i64 = 5;
pub const THROTTLE_ADDRESS_FAILURES: i64 = 10;
pub const THROTTLE_WINDOW: i64 = 15 * 60;
pub const THROTTLE_LOCK: i64 = 15 * 60;
/// The address's delay: 250 ms after its free failures, doubling, at most 8 s.
pub const THROTTLE_ADDRESS_DELAY_MS: u64 = 250;
pub const THROTTLE_ADDRESS_MAX_DELAY_MS: u64 = 8_000;
/// An API token's life when none is given, and the longest allowed (days).
pub const TOKEN_DAYS_DEFAULT: i64 = 90;
pub const TOKEN_DAYS_MAX: i64 = 365;
/// A session ends 7 days after sign-in however active it is.
pub const SESSION_MAX: i64 = 7 * 24 * 3600;

/// How long an attempt from an address that counts `attempts` (this one included) in the
/// window waits before its password is checked.
pub fn address_delay_ms(attempts: i64) -> u64 {
    let over = attempts - THROTTLE_ADDRESS_FAILURES;
    if over <= 0 {
        return 0;
    }
    let shift = (over - 1).min(16) as u32;
    (THROTTLE_ADDRESS_DELAY_MS << shift).min(THROTTLE_ADDRESS_MAX_DELAY_MS)
}

/// What a sign-in attempt may do before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Check the password after waiting `delay_ms` (the address's slowdown).
    Go { delay_ms: u64 },
    /// The account is locked (or its attempts in flight already reach the limit) until
    /// this instant; the password is not checked.
    Locked(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub active: bool,
    pub password_hash: String,
    /// The units directly below the user's unit (a district's communes), which it reads.
    pub children: Vec<i64>,
    /// Where notices and reminders go ('' for none).
    pub email: String,
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.full_name, u.role, u.unit_id, n.code, n.name, u.active, u.password_hash,
     (SELECT string_agg(CAST(c.id AS TEXT), ',') FROM units c WHERE c.parent_code = n.code), u.email
     FROM users u LEFT JOIN units n ON n.id = u.unit_id";

fn user_row(r: &Row) -> Result<UserRecord> {
    Ok(UserRecord {
        id: r.get(0)?,
        username: r.get(1)?,
        full_name: r.get(2)?,
        role: r.get(3)?,
        unit_id: r.get(4)?,
        unit_code: r.get(5)?,
        unit_name: r.get(6)?,
        active: r.get::<_, i64>(7)? != 0,
        password_hash: r.get(8)?,
        children: r
            .get::<_, Option<String>>(9)?
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.parse().ok())
            .collect(),
        email: r.get(10)?,
    })
}

/// An API token as listed (never its secret: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub username: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
    pub revoked: bool,
}

impl TokenRecord {
    /// Live: neither revoked nor expired at `t`.
    pub fn live_at(&self, t: i64) -> bool {
        !self.revoked && self.expires_at > t
    }
}

/// Migration 0006: tokens made before tokens expired get `TOKEN_DAYS_DEFAULT` days from
/// the upgrade, so integrations keep working while they are renewed.
pub(crate) fn expire_legacy_tokens(conn: &Conn) -> Result<()> {
    conn.execute(
        "UPDATE api_tokens SET expires_at = ?1 WHERE expires_at IS NULL",
        [now() + TOKEN_DAYS_DEFAULT * 86_400],
    )?;
    Ok(())
}

/// A new account, its password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub unit: Option<&'a str>,
}

impl Store {
    /// Creates an account. A `don_vi` user needs a unit; usernames are unique.
    pub fn create_user(&mut self, actor: &Actor, u: &NewUser) -> Result<i64> {
        let Some(role) = Role::from_code(u.role) else {
            let codes: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
            return Err(refused(
                format!("vai trò «{}» không hợp lệ ({})", u.role, codes.join(", ")),
                format!("invalid role '{}'", u.role),
            ));
        };
        let username = u.username.trim();
        if username.is_empty()
            || username.len() > 64
            || username.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(refused(
                "tên đăng nhập không được trống và không chứa khoảng trắng",
                "the username must be non-empty without spaces",
            ));
        }
        let unit_id = match (role, u.unit.filter(|c| !c.is_empty())) {
            (role, None) if role.is_unit_role() => {
                return Err(refused(
                    "tài khoản đơn vị cần chọn đơn vị (--unit)",
                    "a unit account needs a unit (--unit)",
                ))
            }
            (_, Some(code)) => Some(
                self.unit(code)?
                    .ok_or_else(|| {
                        refused(
                            format!("không có đơn vị mã «{code}»"),
                            format!("unknown unit '{code}'"),
                        )
                    })?
                    .id,
            ),
            (_, None) => None,
        };
        let tx = self.conn.write_tx()?;
        let exists: i64 = tx.query_row(
            "SELECT count(*) FROM users WHERE username = ?1",
            [username],
            |r| r.get(0),
        )?;
        if exists > 0 {
            return Err(refused(
                format!("tên đăng nhập «{username}» đã có"),
                format!("username '{username}' already exists"),
            ));
        }
        let id: i64 = tx.query_row(
            "INSERT INTO users (username, full_name, password_hash, role, unit_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![username, u.full_name.trim(), u.password_hash, u.role, unit_id, now()],
            |r| r.get(0),
        )?;
        let after =
            json!({"username": username, "full_name": u.full_name.trim(), "role": u.role, "unit": u.unit});
        record(&tx, actor, "tao_tai_khoan", "user", username, None, Some(&after))?;
        tx.commit()?;
        Ok(id)
    }

    pub fn user_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM users", (), |r| r.get(0))
    }

    pub fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
        self.conn
            .query_row(
                &format!("SELECT {USER_COLUMNS} WHERE u.username = ?1"),
                [username],
                user_row,
            )
            .optional()
    }

    pub fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>> {
        self.conn
            .query_row(&format!("SELECT {USER_COLUMNS} WHERE u.id = ?1"), [id], user_row)
            .optional()
    }

    /// People's names by username, for pages that say who did something (a username is
    /// shown only where an account has no name). `cli` is the command line.
    pub fn people(&self) -> Result<std::collections::HashMap<String, String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT username, full_name FROM users WHERE full_name != ''")?;
        let rows = st.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut out: std::collections::HashMap<String, String> = rows.collect::<Result<_>>()?;
        out.entry("cli".into())
            .or_insert_with(|| "Dòng lệnh (nhập tệp)".into());
        Ok(out)
    }

    pub fn users_list(&self) -> Result<Vec<UserRecord>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLUMNS} ORDER BY u.username"))?;
        let rows = st.query_map((), user_row)?;
        rows.collect::<Result<_>>()
    }

    /// Sets a new password hash, ends the user's other sessions and revokes their tokens.
    pub fn set_password(
        &mut self,
        actor: &Actor,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let tx = self.conn.write_tx()?;
        let username: String = tx.query_row("SELECT username FROM users WHERE id = ?1", [user_id], |r| {
            r.get(0)
        })?;
        tx.execute(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2",
            params![password_hash, user_id],
        )?;
        // A new password also ends the account's API tokens (a leaked password may have
        // made them).
        let revoked = tx.execute(
            "UPDATE api_tokens SET revoked = 1 WHERE user_id = ?1 AND revoked = 0",
            [user_id],
        )?;
        record(
            &tx,
            actor,
            "doi_mat_khau",
            "user",
            &username,
            None,
            (revoked > 0).then(|| json!({"tokens_revoked": revoked})).as_ref(),
        )?;
        tx.commit()?;
        self.end_sessions(user_id, keep_session)
    }

    /// Locks or unlocks an account; a locked account's sessions and tokens stop working.
    pub fn set_user_active(&mut self, actor: &Actor, user_id: i64, active: bool) -> Result<()> {
        let tx = self.conn.write_tx()?;
        let username: String = tx.query_row("SELECT username FROM users WHERE id = ?1", [user_id], |r| {
            r.get(0)
        })?;
        tx.execute(
            "UPDATE users SET active = ?1 WHERE id = ?2",
            params![active as i64, user_id],
        )?;
        record(
            &tx,
            actor,
            if active {
                "mo_khoa_tai_khoan"
            } else {
                "khoa_tai_khoan"
            },
            "user",
            &username,
            Some(&json!({"active": !active})),
            Some(&json!({"active": active})),
        )?;
        tx.commit()?;
        if !active {
            self.end_sessions(user_id, None)?;
        }
        Ok(())
    }

    /// Sets where an account's notices go ('' for none; the caller checks the address).
    pub fn set_user_email(&mut self, actor: &Actor, user_id: i64, email: &str) -> Result<()> {
        let tx = self.conn.write_tx()?;
        let (username, before): (String, String) = tx
            .query_row(
                "SELECT username, email FROM users WHERE id = ?1",
                [user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| crate::refused("không có tài khoản này", "no such account"))?;
        tx.execute(
            "UPDATE users SET email = ?1 WHERE id = ?2",
            params![email, user_id],
        )?;
        record(
            &tx,
            actor,
            "cap_nhat_email",
            "user",
            &username,
            Some(&json!({"email": before})),
            Some(&json!({"email": email})),
        )?;
        tx.commit()?;
        Ok(())
    }

    // --- API tokens -----------------------------------------------------------------

    /// A token for `user_id`, live for `days` days (1 to `TOKEN_DAYS_MAX`).
    pub fn create_token(
        &mut self,
        actor: &Actor,
        user_id: i64,
        token_hash: &str,
        label: &str,
        days: i64,
    ) -> Result<i64> {
        if !(1..=TOKEN_DAYS_MAX).contains(&days) {
            return Err(refused(
                format!("thời hạn token phải từ 1 đến {TOKEN_DAYS_MAX} ngày"),
                format!("a token lives 1 to {TOKEN_DAYS_MAX} days"),
            ));
        }
        let t = now();
        let expires_at = t + days * 86_400;
        let tx = self.conn.write_tx()?;
        let username: String = tx.query_row("SELECT username FROM users WHERE id = ?1", [user_id], |r| {
            r.get(0)
        })?;
        let id: i64 = tx.query_row(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![user_id, token_hash, label, t, expires_at],
            |r| r.get(0),
        )?;
        record(
            &tx,
            actor,
            "tao_token",
            "user",
            &username,
            None,
            Some(&json!({"token_id": id, "label": label, "expires_at": expires_at})),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Every token, newest first.
    pub fn tokens_list(&self) -> Result<Vec<TokenRecord>> {
        let mut st = self.conn.prepare_cached(
            "SELECT t.id, u.username, t.label, t.created_at, t.last_used_at, coalesce(t.expires_at, 0), t.revoked
             FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC",
        )?;
        let rows = st.query_map((), |r| {
            Ok(TokenRecord {
                id: r.get(0)?,
                username: r.get(1)?,
                label: r.get(2)?,
                created_at: r.get(3)?,
                last_used_at: r.get(4)?,
                expires_at: r.get(5)?,
                revoked: r.get::<_, i64>(6)? != 0,
            })
        })?;
        let mut out: Vec<TokenRecord> = rows.collect::<Result<_>>()?;
        // Use before migration 0008 is in the data file; since, in the sessions file.
        let used = self.token_last_use()?;
        for t in &mut out {
            if let Some(&at) = used.get(&t.id) {
                t.last_used_at = Some(at);
            }
        }
        Ok(out)
    }

    /// Revokes a token by its id (listed by `tokens_list`).
    pub fn revoke_token(&mut self, actor: &Actor, token_id: i64) -> Result<()> {
        let tx = self.conn.write_tx()?;
        let found: Option<(String, String, i64)> = tx
            .query_row(
                "SELECT u.username, t.label, t.revoked FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?1",
                [token_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((username, label, revoked)) = found else {
            return Err(refused(
                format!("không có token số {token_id}"),
                format!("no token {token_id}"),
            ));
        };
        if revoked != 0 {
            return Err(refused(
                format!("token số {token_id} đã bị thu hồi"),
                format!("token {token_id} is already revoked"),
            ));
        }
        tx.execute("UPDATE api_tokens SET revoked = 1 WHERE id = ?1", [token_id])?;
        record(
            &tx,
            actor,
            "thu_hoi_token",
            "user",
            &username,
            Some(&json!({"token_id": token_id, "label": label, "revoked": false})),
            Some(&json!({"token_id": token_id, "label": label, "revoked": true})),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The active user a live (unrevoked, unexpired) token belongs to.
    pub fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>> {
        Ok(self.user_by_token_kept(token_hash)?.map(|(u, _)| u))
    }

    /// `user_by_token`, with the time until which the answer may be reused while nothing
    /// is committed to either file: the token's expiry or the minute after its use was
    /// noted, whichever comes first.
    pub fn user_by_token_kept(&self, token_hash: &str) -> Result<Option<(UserRecord, i64)>> {
        let id: Option<(i64, i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT id, user_id, expires_at FROM api_tokens WHERE token_hash = ?1 AND revoked = 0 AND expires_at > ?2",
            )?
            .query_row(params![token_hash, now()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((token_id, user_id, expires)) = id else {
            return Ok(None);
        };
        // Noted in the sessions file: an API call never waits on an import.
        let used = self.token_used(token_id)?;
        let until = (used + 60).min(expires);
        Ok(self.user_by_id(user_id)?.filter(|u| u.active).map(|u| (u, until)))
    }
}
