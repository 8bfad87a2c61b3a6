use super::open_initialised;
use crate::output;
use crate::Cli;
use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use thidua_domain::eval::HeadResult;
use thidua_domain::plan::Plan;
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

/// The store an evaluation reads: the embedded one, or a PostgreSQL one (whose other
/// operations are not built yet, issue 16).
enum Reader {
    Lite(thidua_store::Store),
    Pg(thidua_store::pg_store::PgStore),
}

impl Reader {
    fn open(cli: &Cli) -> Result<Reader> {
        match &cli.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let pg = thidua_store::pg_store::PgStore::open(url)?;
                if !pg.is_initialised()? {
                    bail!("kho dữ liệu chưa được khởi tạo, hãy chạy «thidua init» hoặc «thidua migrate» trước / the store is not initialised, run 'thidua init' or 'thidua migrate' first");
                }
                Ok(Reader::Pg(pg))
            }
            _ => Ok(Reader::Lite(open_initialised(cli)?)),
        }
    }

    fn plan_for(&self, year: Option<i32>, code: Option<&str>) -> thidua_store::Result<Plan> {
        match self {
            Reader::Lite(s) => s.plan_for(year, code),
            Reader::Pg(s) => s.plan_for(year, code),
        }
    }

    fn evaluate(&self, plan: &Plan, as_of: DateTime) -> thidua_store::Result<Vec<HeadResult>> {
        match self {
            Reader::Lite(s) => s.evaluate(plan, as_of),
            Reader::Pg(s) => s.evaluate(plan, as_of),
        }
    }
}

pub fn run(cli: &Cli, a: &EvaluateArgs) -> Result<ExitCode> {
    let store = Reader::open(cli)?;
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
