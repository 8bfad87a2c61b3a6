//! Accounts (the web issue builds sign-in on these).

use crate::{now, refused, Result, Store};

pub const ROLES: [&str; 5] = ["quan_tri", "so_noi_vu", "ban_tdkt", "lanh_dao", "don_vi"];

impl Store {
    /// Creates a user with an already hashed password. A `don_vi` user needs a unit.
    pub fn create_user(&self, username: &str, password_hash: &str, role: &str, unit: Option<&str>) -> Result<()> {
        if !ROLES.contains(&role) {
            return Err(refused(format!("vai trò «{role}» không hợp lệ ({})", ROLES.join(", ")), format!("invalid role '{role}'")));
        }
        let unit_id = match (role, unit) {
            ("don_vi", None) => return Err(refused("tài khoản đơn vị cần --unit", "a don_vi account needs --unit")),
            (_, Some(code)) => Some(
                self.unit(code)?
                    .ok_or_else(|| refused(format!("không có đơn vị mã «{code}»"), format!("unknown unit '{code}'")))?
                    .id,
            ),
            (_, None) => None,
        };
        let exists: i64 = self.conn.query_row("SELECT count(*) FROM users WHERE username = ?1", [username], |r| r.get(0))?;
        if exists > 0 {
            return Err(refused(format!("tên đăng nhập «{username}» đã có"), format!("username '{username}' already exists")));
        }
        self.conn.execute(
            "INSERT INTO users (username, password_hash, role, unit_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            (username, password_hash, role, unit_id, now()),
        )?;
        Ok(())
    }

    pub fn user_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
    }
}
