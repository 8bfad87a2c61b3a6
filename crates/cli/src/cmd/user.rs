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
            let mut pw = String::new();
            std::io::stdin().read_to_string(&mut pw)?;
            let pw = pw.trim_end_matches(['\r', '\n']);
            if pw.chars().count() < 10 {
                bail!("mật khẩu cần ít nhất 10 ký tự / the password needs at least 10 characters");
            }
            let hash = hash(pw)?;
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
    }
}
