use super::open_initialised;
use crate::output;
use crate::Cli;
use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use thidua_domain::time::DateTime;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Args)]
pub struct EvaluateArgs {
    #[arg(long)]
    year: i32,
    /// Plan code, when more than one plan covers the year.
    #[arg(long)]
    plan: Option<String>,
    /// The instant of the evaluation (YYYY-MM-DD[THH:MM[:SS]]; a bare date means its end);
    /// default: now, or the end of the plan period once it is over.
    #[arg(long)]
    as_of: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Also write the results to an XLSX workbook.
    #[arg(long)]
    xlsx: Option<PathBuf>,
}

pub fn run(cli: &Cli, a: &EvaluateArgs) -> Result<ExitCode> {
    let store = open_initialised(cli)?;
    let plan = store.plan_for(Some(a.year), a.plan.as_deref())?;
    if !plan.covers_year(a.year) {
        bail!(
            "kế hoạch «{}» không bao gồm năm {} / the plan does not cover {}",
            plan.code,
            a.year,
            a.year
        );
    }
    let as_of = match &a.as_of {
        Some(s) => DateTime::parse_as_of(s).ok_or_else(|| {
            anyhow::anyhow!(
                "--as-of «{s}» không hợp lệ (YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM:SS) / invalid --as-of"
            )
        })?,
        None => DateTime::now_local().min(plan.period_to.end()),
    };
    let results = store.evaluate(&plan, as_of)?;
    let rows = output::rows(&plan, &results);
    let stdout = std::io::stdout();
    match a.format {
        Format::Json => output::write_json(stdout.lock(), &rows)?,
        Format::Csv => output::write_csv(stdout.lock(), &rows)?,
        Format::Table => output::print_table(&plan, &results, as_of),
    }
    if let Some(path) = &a.xlsx {
        output::write_xlsx(path, &plan, &results, as_of)?;
        eprintln!("Đã ghi / written: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
