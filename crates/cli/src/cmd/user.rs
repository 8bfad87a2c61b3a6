use super::open_initialised;
use crate::Cli;
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use std::io::Read;
use std::process::ExitCode;
use thidua_store::audit::Actor;
use thidua_store::users::NewUser;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account: roles quan_tri, so_noi_vu, ban_tdkt, lanh_dao, don_vi and nguoi_dung_dau (both need --unit).
    Add {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: Option<String>,
        /// Full name shown in the web application.
        #[arg(long)]
        full_name: Option<String>,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the accounts: username, role, unit, state.
    List,
    /// Set a new password (read from standard input): ends the account's sessions and
    /// revokes its API tokens.
    Passwd {
        username: String,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Lock an account: its sessions end, its tokens stop working, it cannot sign in.
    Lock { username: String },
    /// Unlock a locked account.
    Unlock { username: String },
    /// Set where an account's notices and reminders go ("" for none).
    Email { username: String, address: String },
}

/// The new password of `username` on standard input (one line), under the password rule.
fn password_from_stdin(username: &str) -> Result<String> {
    let mut pw = String::new();
    std::io::stdin().read_to_string(&mut pw)?;
    let pw = pw.trim_end_matches(['\r', '\n']);
    if let Some(m) = thidua_app::credentials::password_problem(pw, username) {
        bail!("{} / {}", m.vi, m.en);
    }
    Ok(pw.to_string())
}

fn account(store: &thidua_store::Store, username: &str) -> Result<thidua_store::users::UserRecord> {
    match store.user_by_name(username)? {
        Some(u) => Ok(u),
        None => bail!("không có tài khoản «{username}» / no account '{username}'"),
    }
}

/// Argon2id with a fresh salt, as a PHC string (the web application's own hashing).
pub fn hash(password: &str) -> Result<String> {
    thidua_app::credentials::hash_password(password).map_err(|e| anyhow!("argon2: {e}"))
}

/// 16 characters from an alphabet without look-alikes.
pub fn random_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("getrandom: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

pub fn run(cli: &Cli, c: &UserCommand) -> Result<ExitCode> {
    match c {
        UserCommand::Add {
            username,
            role,
            unit,
            full_name,
            password_stdin: _,
        } => {
            let hash = hash(&password_from_stdin(username)?)?;
            let new = NewUser {
                username,
                full_name: full_name.as_deref().unwrap_or(""),
                password_hash: &hash,
                role,
                unit: unit.as_deref(),
            };
            open_initialised(cli)?.create_user(&Actor::cli(), &new)?;
            println!("Đã tạo tài khoản «{username}» ({role}) / account created");
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List => {
            let store = open_initialised(cli)?;
            println!(
                "{:<16} {:<26} {:<16} {:<10} {:<30} Trạng thái / state",
                "Tài khoản", "Họ tên / name", "Vai trò / role", "Đơn vị", "Thư / e-mail"
            );
            for u in store.users_list()? {
                println!(
                    "{:<16} {:<26} {:<16} {:<10} {:<30} {}",
                    u.username,
                    u.full_name,
                    u.role,
                    u.unit_code.as_deref().unwrap_or("—"),
                    if u.email.is_empty() {
                        "—"
                    } else {
                        u.email.as_str()
                    },
                    if u.active {
                        "hoạt động / active"
                    } else {
                        "đã khóa / locked"
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Passwd {
            username,
            password_stdin: _,
        } => {
            let hash = hash(&password_from_stdin(username)?)?;
            let mut store = open_initialised(cli)?;
            let u = account(&store, username)?;
            store.set_password(&Actor::cli(), u.id, &hash, None)?;
            println!("Đã đổi mật khẩu của «{username}»; các phiên và token của tài khoản đã kết thúc / password changed; sessions and tokens ended");
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Lock { username } | UserCommand::Unlock { username } => {
            let lock = matches!(c, UserCommand::Lock { .. });
            let mut store = open_initialised(cli)?;
            let u = account(&store, username)?;
            if u.active != lock {
                bail!(
                    "tài khoản «{username}» {} / account '{username}' is already {}",
                    if lock {
                        "đã bị khóa"
                    } else {
                        "đang hoạt động"
                    },
                    if lock { "locked" } else { "active" }
                );
            }
            store.set_user_active(&Actor::cli(), u.id, !lock)?;
            if lock {
                println!("Đã khóa tài khoản «{username}» / account locked");
            } else {
                println!("Đã mở khóa tài khoản «{username}» / account unlocked");
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Email { username, address } => {
            let address = match thidua_app::mail::check_address(address) {
                Ok(a) => a,
                Err(m) => {
                    eprintln!("{m} / not an e-mail address");
                    return Ok(super::refused());
                }
            };
            let mut store = open_initialised(cli)?;
            let u = account(&store, username)?;
            store.set_user_email(&Actor::cli(), u.id, &address)?;
            if address.is_empty() {
                println!("Tài khoản «{username}» không nhận thư / no e-mail for '{username}'");
            } else {
                println!("Thư của «{username}» gửi tới {address} / e-mail set");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
