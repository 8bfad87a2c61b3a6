//! `thidua token create|list|revoke`: bearer tokens for API clients (printed once; only
//! their hash is stored). A token expires (`--days`, 90 by default), works only under
//! `/api/`, and ends when its account's password changes.

use super::open_initialised;
use crate::Cli;
use anyhow::{bail, Result};
use clap::Subcommand;
use std::process::ExitCode;
use thidua_store::audit::Actor;
use thidua_store::users::TOKEN_DAYS_DEFAULT;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an existing account.
    Create {
        username: String,
        /// What the token is for (e.g. "hệ thống một cửa").
        #[arg(long, default_value = "")]
        label: String,
        /// Days until the token expires (1 to 365).
        #[arg(long, default_value_t = TOKEN_DAYS_DEFAULT)]
        days: i64,
    },
    /// List the tokens: id, account, label, created, last used, expiry, state.
    List,
    /// Revoke a token by its id (from `token list`).
    Revoke { id: i64 },
}

pub fn run(cli: &Cli, c: &TokenCommand) -> Result<ExitCode> {
    match c {
        TokenCommand::Create {
            username,
            label,
            days,
        } => {
            let mut store = open_initialised(cli)?;
            let Some(user) = store.user_by_name(username)? else {
                bail!("không có tài khoản «{username}» / no account '{username}'");
            };
            let token = thidua_app::credentials::random_token();
            store.create_token(
                &Actor::cli(),
                user.id,
                &thidua_app::credentials::token_hash(&token),
                label,
                *days,
            )?;
            println!("{token}");
            eprintln!("Token của «{username}», hết hạn sau {days} ngày (chỉ hiện một lần; gửi trong tiêu đề Authorization: Bearer …, chỉ dùng cho /api/) / shown once, expires in {days} days, API only");
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List => {
            let store = open_initialised(cli)?;
            let now = thidua_domain::time::DateTime::now_local().0;
            let fmt = |t: i64| thidua_domain::time::DateTime(t).vi();
            println!(
                "{:>4}  {:<14} {:<20} {:<17} {:<17} {:<17} Trạng thái / state",
                "Số", "Tài khoản", "Nhãn / label", "Tạo / created", "Dùng / used", "Hết hạn / expires"
            );
            for t in store.tokens_list()? {
                let state = if t.revoked {
                    "đã thu hồi / revoked"
                } else if t.expires_at <= now {
                    "hết hạn / expired"
                } else {
                    "còn hiệu lực / live"
                };
                println!(
                    "{:>4}  {:<14} {:<20} {:<17} {:<17} {:<17} {state}",
                    t.id,
                    t.username,
                    t.label,
                    fmt(t.created_at),
                    t.last_used_at.map(fmt).unwrap_or_else(|| "—".into()),
                    fmt(t.expires_at),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { id } => {
            open_initialised(cli)?.revoke_token(&Actor::cli(), *id)?;
            println!("Đã thu hồi token số {id} / token {id} revoked");
            Ok(ExitCode::SUCCESS)
        }
    }
}
