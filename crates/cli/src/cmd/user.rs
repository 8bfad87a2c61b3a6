use super::open_initialised;
use crate::Cli;
use anyhow::{anyhow, bail, Result};
use argon2::password_hash::PasswordHasher;
use argon2::Argon2;
use clap::Subcommand;
use std::io::Read;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account: roles quan_tri, so_noi_vu, ban_tdkt, lanh_dao, don_vi (needs --unit).
    Add {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

/// Argon2id with a fresh salt, as a PHC string.
pub fn hash(password: &str) -> Result<String> {
    Ok(Argon2::default().hash_password(password.as_bytes()).map_err(|e| anyhow!("argon2: {e}"))?.to_string())
}

/// 16 characters from an alphabet without look-alikes.
pub fn random_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("getrandom: {e}"))?;
    Ok(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

pub fn run(cli: &Cli, c: &UserCommand) -> Result<ExitCode> {
    match c {
        UserCommand::Add { username, role, unit, password_stdin: _ } => {
            let mut pw = String::new();
            std::io::stdin().read_to_string(&mut pw)?;
            let pw = pw.trim_end_matches(['\r', '\n']);
            if pw.chars().count() < 10 {
                bail!("mật khẩu cần ít nhất 10 ký tự / the password needs at least 10 characters");
            }
            open_initialised(cli)?.create_user(username, &hash(pw)?, role, unit.as_deref())?;
            println!("Đã tạo tài khoản «{username}» ({role}) / account created");
            Ok(ExitCode::SUCCESS)
        }
    }
}
