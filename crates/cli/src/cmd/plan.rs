use super::{open, refused};
use crate::Cli;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use thidua_domain::plan::{Plan, PlanError};

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Validate a plan file; every error is named with its line.
    Check { file: PathBuf },
    /// Validate a plan file and store it (a plan with the same code is replaced).
    Load { file: PathBuf },
    /// List the stored plans.
    List,
}

pub fn print_plan_errors(file: &Path, errs: &[PlanError]) -> ExitCode {
    for e in errs {
        eprintln!("{}:{}: {}", file.display(), e.line, e.message);
    }
    eprintln!(
        "Kế hoạch không hợp lệ: {} lỗi / invalid plan: {} error(s)",
        errs.len(),
        errs.len()
    );
    refused()
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("không đọc được / cannot read {}", file.display()))
}

pub fn run(cli: &Cli, c: &PlanCommand) -> Result<ExitCode> {
    match c {
        PlanCommand::Check { file } => match Plan::from_toml(&read(file)?) {
            Ok(p) => {
                println!(
                    "Kế hoạch hợp lệ / valid plan: {} — {} cấp, {} chỉ tiêu, {} → {}",
                    p.code,
                    p.tiers.len(),
                    p.indicators.len(),
                    p.period_from.vi(),
                    p.period_to.vi()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(errs) => Ok(print_plan_errors(file, &errs)),
        },
        PlanCommand::Load { file } => {
            let source = read(file)?;
            match Plan::from_toml(&source) {
                Ok(p) => {
                    super::open_initialised(cli)?.put_plan(&p, &source)?;
                    println!("Đã nạp kế hoạch «{}» / plan loaded", p.code);
                    Ok(ExitCode::SUCCESS)
                }
                Err(errs) => Ok(print_plan_errors(file, &errs)),
            }
        }
        PlanCommand::List => {
            for p in open(cli)?.plans()? {
                println!(
                    "{}\t{} → {}\t{}",
                    p.code,
                    p.period_from.vi(),
                    p.period_to.vi(),
                    p.title
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
