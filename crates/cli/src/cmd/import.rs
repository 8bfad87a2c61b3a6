use super::{open_initialised, refused};
use crate::Cli;
use anyhow::{Context, Result};
use clap::Args;
use comfy_table::Table;
use std::path::PathBuf;
use std::process::ExitCode;
use thidua_ingest::report::ErrorCsv;
use thidua_ingest::{ImportKind, ImportReport};
use thidua_store::import::{ImportError, ImportOptions, Progress};

#[derive(Args)]
pub struct ImportArgs {
    /// units | heads | procedures | dossiers | values
    #[arg(value_parser = ["units", "heads", "procedures", "dossiers", "values"])]
    kind: String,
    file: PathBuf,
    /// Write the good rows even when some rows are bad.
    #[arg(long)]
    accept_valid: bool,
    /// Values only: import as verified by the movement office (da_xac_nhan).
    #[arg(long)]
    verified: bool,
    /// Write every bad row to this CSV file.
    #[arg(long)]
    errors_out: Option<PathBuf>,
}

/// How many bad rows the terminal table shows (the errors file has them all).
const SHOWN: usize = 50;

pub fn run(cli: &Cli, a: &ImportArgs) -> Result<ExitCode> {
    let kind = ImportKind::parse(&a.kind).expect("clap checked the kind");
    if a.verified && kind != ImportKind::Values {
        anyhow::bail!("--verified chỉ dùng cho values / --verified applies to values only");
    }
    let mut store = open_initialised(cli)?;
    let mut file = std::fs::File::open(&a.file)
        .with_context(|| format!("không mở được tệp / cannot open {}", a.file.display()))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut errors_csv = match &a.errors_out {
        Some(p) => Some(ErrorCsv::new(std::io::BufWriter::new(
            std::fs::File::create(p)
                .with_context(|| format!("không tạo được / cannot create {}", p.display()))?,
        ))?),
        None => None,
    };
    let mut write_failed: Option<std::io::Error> = None;
    // Hidden automatically when standard error is not a terminal. Plain CSV dossier files
    // report bytes, which gives the time left; other imports count rows.
    let bar = super::progress_bar(total);
    let started = std::time::Instant::now();
    let opts = ImportOptions {
        accept_valid: a.accept_valid,
        verified: a.verified,
        file_name: a
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        by: "cli".into(),
        dry_run: false,
        only_unit: None,
        audit: Some(thidua_store::audit::Actor::cli()),
        audit_detail: None,
        before_commit: std::env::var_os(PAUSE_ENV).map(|_| pause_before_commit as fn()),
    };
    let result = store.import_file(
        kind,
        &mut file,
        &opts,
        &mut |e| {
            if let (Some(w), None) = (errors_csv.as_mut(), &write_failed) {
                if let Err(err) = w.write(e) {
                    write_failed = Some(err);
                }
            }
        },
        &|p: Progress| {
            if p.bytes > 0 {
                bar.set_position(p.bytes);
            }
            let rate = p.rows as f64 / started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{} dòng / rows, {:.0} dòng/giây / rows/s", p.rows, rate));
        },
    );
    bar.finish_and_clear();
    if let Some(w) = errors_csv {
        w.finish()?;
    }
    if let Some(e) = write_failed {
        return Err(e).context("không ghi được tệp lỗi / cannot write the errors file");
    }
    match result {
        Ok(report) => Ok(print_report(&report, a)),
        // A rule refusing the file whole (a frozen year on the hot path) is rejected input.
        Err(ImportError::Store(thidua_store::StoreError::Refused(m))) => {
            eprintln!("{}: {m}", a.file.display());
            Ok(refused())
        }
        Err(ImportError::Store(e)) => Err(e.into()),
        Err(e) => {
            eprintln!("{}: {e}", a.file.display());
            Ok(refused())
        }
    }
}

/// The bad rows as a terminal table (the first `SHOWN`; the errors file has them all).
pub fn print_errors(r: &ImportReport, errors_out: Option<&std::path::Path>) {
    if !r.errors.is_empty() {
        let mut t = Table::new();
        t.set_header(["Dòng / row", "Cột / column", "Giá trị / value", "Lý do", "Reason"]);
        for e in r.errors.iter().take(SHOWN) {
            t.add_row([
                e.row.to_string(),
                e.column.clone(),
                e.value.clone(),
                e.vi.clone(),
                e.en.clone(),
            ]);
        }
        eprintln!("{t}");
        let more = r.error_count().saturating_sub(SHOWN as u64);
        if more > 0 {
            eprintln!(
                "… và {more} lỗi khác / and {more} more errors{}",
                match errors_out {
                    Some(p) => format!(" ({})", p.display()),
                    None => " (--errors-out FILE.csv để xem hết / to see them all)".into(),
                }
            );
        }
    }
}

fn print_report(r: &ImportReport, a: &ImportArgs) -> ExitCode {
    print_errors(r, a.errors_out.as_deref());
    println!("{}", r.summary());
    if r.committed {
        ExitCode::SUCCESS
    } else {
        refused()
    }
}

/// The crash test's pause point: with `THIDUA_PAUSE_BEFORE_COMMIT=FILE`, an import that has
/// written everything says so on stderr and waits (at most a minute) for FILE to exist
/// before it commits, so the test can kill it at exactly that moment or let it go on.
const PAUSE_ENV: &str = "THIDUA_PAUSE_BEFORE_COMMIT";

fn pause_before_commit() {
    let Some(go) = std::env::var_os(PAUSE_ENV) else {
        return;
    };
    eprintln!("{PAUSE_ENV}: ready to commit");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::path::Path::new(&go).exists() && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
