//! `thidua document mau07|to-trinh|quyet-dinh`: the generated DOCX documents, from the
//! same evaluation and nominations as the web application.

use super::open_initialised;
use crate::Cli;
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use thidua_app::award::{self, DocKind};
use thidua_domain::time::DateTime;

#[derive(Subcommand)]
pub enum DocumentCommand {
    /// The achievement report draft (Mẫu số 07, Nghị định 91/2017) of a unit's head.
    Mau07 {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: i32,
        /// The head's term start (YYYY-MM-DD) when the unit had several heads; default the latest.
        #[arg(long)]
        head_from: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// The movement office's tờ trình to the Chairman listing the proposed heads.
    ToTrinh {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
    },
    /// The draft decision on the award with its list.
    QuyetDinh {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cli: &Cli, c: &DocumentCommand) -> Result<ExitCode> {
    let store = open_initialised(cli)?;
    let (year, out, kind) = match c {
        DocumentCommand::Mau07 {
            unit,
            year,
            head_from,
            out,
        } => (
            *year,
            out,
            DocKind::Mau07 {
                unit: unit.clone(),
                head_from: head_from.clone(),
            },
        ),
        DocumentCommand::ToTrinh { year, out } => (*year, out, DocKind::ToTrinh),
        DocumentCommand::QuyetDinh { year, out } => (*year, out, DocKind::QuyetDinh),
    };
    let plan = store.plan_for(Some(year), None)?;
    let now = DateTime::now_local();
    let end = plan.period_to.end();
    let heads = store.evaluate(&plan, if now.0 < end.0 { now } else { end })?;
    let (bytes, _) = award::document(&store, &plan, &heads, &kind).map_err(|e| anyhow!("{e}"))?;
    std::fs::write(out, bytes).with_context(|| format!("không ghi được / cannot write {}", out.display()))?;
    println!("Đã tạo / written {}", out.display());
    Ok(ExitCode::SUCCESS)
}
