//! `thidua token create USERNAME`: a bearer token for API clients (printed once; only its
//! hash is stored).

use super::open_initialised;
use crate::Cli;
use anyhow::{bail, Result};
use clap::Subcommand;
use std::process::ExitCode;
use thidua_store::audit::Actor;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an existing account.
    Create {
        username: String,
        /// What the token is for (e.g. "hệ thống một cửa").
        #[arg(long, default_value = "")]
        label: String,
    },
}

pub fn run(cli: &Cli, c: &TokenCommand) -> Result<ExitCode> {
    match c {
        TokenCommand::Create { username, label } => {
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
            )?;
            println!("{token}");
            eprintln!("Token của «{username}» (chỉ hiện một lần; gửi trong tiêu đề Authorization: Bearer …) / shown once");
            Ok(ExitCode::SUCCESS)
        }
    }
}
