use super::refused;
use crate::Cli;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use thidua_domain::calendar::{parse_csv, Calendar};
use thidua_domain::plan::{Formula, Reading};
use thidua_domain::time::DateTime;
use thidua_ingest::stats::{dossier_stats, read_procedures, stat_rows, DEFAULT_READINGS};

#[derive(Args)]
pub struct DossierStatsArgs {
    /// A raw dossier export (CSV or XLSX).
    file: PathBuf,
    /// The procedure catalogue (CSV or XLSX).
    #[arg(long)]
    procedures: PathBuf,
    /// The evaluation instant (YYYY-MM-DD[THH:MM[:SS]]); default: now.
    #[arg(long)]
    as_of: Option<String>,
    /// A calendar CSV (date,kind,note) instead of the built-in Vietnamese one.
    #[arg(long)]
    calendar: Option<PathBuf>,
    /// Read a formula in another variant (INDICATORS.md 2.2–2.3): `cong_bo` for
    /// tthc_rut_ngan, `giai_quyet` for dvc_truc_tuyen (defaults: thuc_te, tiep_nhan).
    /// Repeatable; rows keep the formula's code.
    #[arg(long = "variant", value_name = "BIEN_THE")]
    variants: Vec<String>,
}

/// The reading of each formula: the defaults, with each `--variant` in its formula's place.
fn readings(variants: &[String]) -> Result<Vec<Reading>> {
    let mut out = DEFAULT_READINGS.to_vec();
    for v in variants {
        let r = Formula::ALL
            .into_iter()
            .find_map(|f| Reading::parse(f, v.trim()))
            .ok_or_else(|| {
                let known: Vec<&str> = Reading::ALL
                    .into_iter()
                    .filter_map(Reading::variant_code)
                    .collect();
                anyhow::anyhow!(
                    "--variant «{v}» không hợp lệ, chọn một trong / invalid, use one of: {}",
                    known.join(", ")
                )
            })?;
        for slot in out.iter_mut().filter(|x| x.formula() == r.formula()) {
            *slot = r;
        }
    }
    Ok(out)
}

fn open(p: &PathBuf) -> Result<std::fs::File> {
    std::fs::File::open(p).with_context(|| format!("không mở được tệp / cannot open {}", p.display()))
}

/// Prints `ind,unit,m,num,den` for every (indicator, unit, month) with a non-zero
/// denominator. Bad rows are left out and reported on standard error; then the exit code is 2.
pub fn run(_cli: &Cli, a: &DossierStatsArgs) -> Result<ExitCode> {
    let readings = readings(&a.variants)?;
    let as_of = match &a.as_of {
        Some(s) => DateTime::parse_as_of(s)
            .ok_or_else(|| anyhow::anyhow!("--as-of «{s}» không hợp lệ / invalid --as-of"))?,
        None => DateTime::now_local(),
    };
    let calendar = match &a.calendar {
        Some(p) => Calendar::new(&parse_csv(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )?),
        None => Calendar::built_in(),
    };
    let (procedures, proc_report) = match read_procedures(&mut open(&a.procedures)?) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}: {e}", a.procedures.display());
            return Ok(refused());
        }
    };
    if proc_report.rows_bad > 0 {
        super::import::print_errors(&proc_report, None);
        eprintln!("{}: {}", a.procedures.display(), proc_report.summary());
        return Ok(refused());
    }
    let mut file = open(&a.file)?;
    let bar = super::progress_bar(file.metadata().map(|m| m.len()).unwrap_or(0));
    let started = std::time::Instant::now();
    let result = dossier_stats(&mut file, &procedures, &calendar, as_of, &|rows, bytes| {
        if bytes > 0 {
            bar.set_position(bytes);
        }
        let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!("{rows} dòng / rows, {rate:.0} dòng/giây / rows/s"));
    });
    bar.finish_and_clear();
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", a.file.display());
            return Ok(refused());
        }
    };
    let mut out = csv::Writer::from_writer(std::io::BufWriter::with_capacity(
        1 << 16,
        std::io::stdout().lock(),
    ));
    out.write_record(["ind", "unit", "m", "num", "den"])?;
    for (ind, unit, m, num, den) in stat_rows(&stats, &readings) {
        out.write_record([ind, unit, &m, &num.plain(), &den.plain()])?;
    }
    out.flush()?;
    let r = &stats.report;
    if r.rows_bad > 0 {
        super::import::print_errors(r, None);
        eprintln!(
            "{} dòng hồ sơ lỗi bị bỏ qua trên {} dòng / {} bad dossier rows left out of {}",
            r.rows_bad, r.rows_read, r.rows_bad, r.rows_read
        );
        return Ok(refused());
    }
    if r.unknown_procedures > 0 {
        eprintln!(
            "{} hồ sơ có mã TTHC không có trong danh mục / {} dossiers with a procedure code not in the catalogue",
            r.unknown_procedures, r.unknown_procedures
        );
    }
    Ok(ExitCode::SUCCESS)
}
