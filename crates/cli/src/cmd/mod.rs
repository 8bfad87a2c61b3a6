pub mod audit;
pub mod backup;
pub mod calendar;
pub mod document;
pub mod dossier_stats;
pub mod evaluate;
pub mod import;
pub mod init;
pub mod plan;
pub mod serve;
pub mod token;
pub mod user;

use crate::Cli;
use anyhow::{bail, Result};
use std::process::ExitCode;
use thidua_store::Store;

/// Exit code for refused input.
pub const REFUSED: u8 = 2;

pub fn refused() -> ExitCode {
    ExitCode::from(REFUSED)
}

/// Opens the store named by the global options.
pub fn open(cli: &Cli) -> Result<Store> {
    Ok(match &cli.database_url {
        Some(url) => Store::open_url(url)?,
        None => Store::open_dir(&cli.data_dir)?,
    })
}

/// Opens a store that `thidua init` has prepared.
pub fn open_initialised(cli: &Cli) -> Result<Store> {
    let store = open(cli)?;
    if !store.is_initialised()? {
        bail!("kho dữ liệu chưa được khởi tạo, hãy chạy «thidua init» trước / the store is not initialised, run 'thidua init' first");
    }
    Ok(store)
}

/// A bar over `total` bytes of a file with rows and rows/s in its message, on standard
/// error; hidden automatically when standard error is not a terminal.
pub fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, còn / left {eta}) {msg}",
        )
        .expect("valid template"),
    );
    bar
}
