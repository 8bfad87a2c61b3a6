use super::{open_initialised, refused};
use crate::Cli;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use thidua_domain::calendar::parse_csv;

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Add or replace days from a CSV `date,kind,note` (kind: nghi | lam_bu).
    Import { file: PathBuf },
}

pub fn run(cli: &Cli, c: &CalendarCommand) -> Result<ExitCode> {
    match c {
        CalendarCommand::Import { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("không đọc được / cannot read {}", file.display()))?;
            let days = match parse_csv(&text) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return Ok(refused());
                }
            };
            open_initialised(cli)?.put_calendar(&days)?;
            println!(
                "Đã nhập {} ngày vào lịch / imported {} calendar days",
                days.len(),
                days.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
