//! `thidua audit verify`: recomputes the audit log's hash chain and reports the first
//! altered or missing record (exit 1), or that it is intact with its head to note
//! elsewhere (exit 0). `--anchor ID:HASH` checks a head noted earlier is still in the chain.

use super::open_initialised;
use crate::Cli;
use anyhow::{bail, Result};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain.
    Verify {
        /// A head noted earlier (printed by a previous verify, or logged by the server at
        /// start): `ID:HASH`. The log must still hold that record with that hash.
        #[arg(long)]
        anchor: Option<String>,
    },
}

fn parse_anchor(a: &str) -> Result<(i64, String)> {
    let parsed = a.split_once(':').and_then(|(id, hash)| {
        let id = id.trim().parse::<i64>().ok()?;
        let hash = hash.trim().to_ascii_lowercase();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some((id, hash))
    });
    match parsed {
        Some(p) => Ok(p),
        None => bail!("mốc «{a}» không hợp lệ, cần dạng SỐ:MÃ_BĂM (64 ký tự hex) / invalid anchor '{a}', expected ID:HASH"),
    }
}

pub fn run(cli: &Cli, c: &AuditCommand) -> Result<ExitCode> {
    match c {
        AuditCommand::Verify { anchor } => {
            let anchor = anchor.as_deref().map(parse_anchor).transpose()?;
            let mut store = open_initialised(cli)?;
            // Sign-ins a server noted a moment ago are checked too; where the data folder
            // cannot be written, the chain as it stands is checked.
            if let Err(e) = store.flush_account_events() {
                eprintln!("{e}");
            }
            let report = store.verify_chain(anchor.as_ref().map(|(id, h)| (*id, h.as_str())))?;
            if report.is_intact() {
                println!("{}", report.message());
                println!(
                    "Đầu chuỗi (ghi lại để đối chiếu lần sau với --anchor) / head: {}:{}",
                    report.head.0, report.head.1
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{}", report.message());
                Ok(ExitCode::from(1))
            }
        }
    }
}
