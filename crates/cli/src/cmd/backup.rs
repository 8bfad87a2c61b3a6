//! `thidua backup FILE` — one portable archive of the store (a consistent snapshot of the
//! database, taken while the server may keep serving, and every stored file), and
//! `thidua restore FILE` into a new or empty data folder (`thidua_app::backup`); `thidua
//! migrate --to postgres://…` moves the store into an empty PostgreSQL database.

use super::{open_initialised, refused};
use crate::Cli;
use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use thidua_app::backup::Manifest;

#[derive(Args)]
pub struct BackupArgs {
    /// The archive to write (must not exist).
    pub file: PathBuf,
}

fn summary(m: &Manifest) -> String {
    let rows: i64 = m.tables.iter().map(|(_, n)| n).sum();
    let bytes: u64 = m.files.iter().map(|(_, n, _)| n).sum();
    format!(
        "{} bảng, {rows} dòng, {} tệp ({:.1} MB), nhật ký {} bản ghi, đầu chuỗi {}:{} / {} tables, {rows} rows, {} files, audit head {}:{}",
        m.tables.len(),
        m.files.len(),
        bytes as f64 / 1e6,
        m.audit_records,
        m.audit_head.0,
        m.audit_head.1,
        m.tables.len(),
        m.files.len(),
        m.audit_head.0,
        m.audit_head.1,
    )
}

fn report(result: thidua_app::error::Result<Manifest>, done: &str) -> Result<ExitCode> {
    match result {
        Ok(m) => {
            println!("{done}: {}", summary(&m));
            Ok(ExitCode::SUCCESS)
        }
        Err(thidua_app::error::Error::Refused(m))
        | Err(thidua_app::error::Error::Store(thidua_store::StoreError::Refused(m))) => {
            eprintln!("{} / {}", m.vi, m.en);
            Ok(refused())
        }
        Err(e) => Err(e.into()),
    }
}

pub fn backup(cli: &Cli, a: &BackupArgs) -> Result<ExitCode> {
    let store = open_initialised(cli)?;
    report(
        thidua_app::backup::backup(&store, &a.file),
        "đã sao lưu / backed up",
    )
}

pub fn restore(cli: &Cli, a: &BackupArgs) -> Result<ExitCode> {
    match cli.database_url.as_deref() {
        // into an empty PostgreSQL database: checked in a folder, then moved in
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => report(
            thidua_app::backup::restore_to_postgres(&a.file, url),
            "đã khôi phục / restored",
        ),
        Some(_) => bail!("khôi phục vào một thư mục dữ liệu (--data-dir) hoặc một cơ sở dữ liệu postgres://… trống / a restore goes into a data folder (--data-dir) or an empty postgres://… database"),
        None => report(
            thidua_app::backup::restore(&a.file, &cli.data_dir),
            "đã khôi phục / restored",
        ),
    }
}

#[derive(Args)]
pub struct MigrateArgs {
    /// The embedded store to move: `sqlite:///path/to/thidua.db` (default: --data-dir's).
    #[arg(long)]
    pub from: Option<String>,
    /// The empty PostgreSQL database to move it into: `postgres://USER@HOST[:PORT]/DB`.
    #[arg(long)]
    pub to: String,
}

pub fn migrate(cli: &Cli, a: &MigrateArgs) -> Result<ExitCode> {
    if !(a.to.starts_with("postgres://") || a.to.starts_with("postgresql://")) {
        bail!("--to phải là một địa chỉ postgres://… / --to must be a postgres://… address");
    }
    let store = match &a.from {
        None => open_initialised(cli)?,
        Some(url) => {
            let Some(path) = url.strip_prefix("sqlite://").filter(|p| !p.is_empty()) else {
                bail!(
                    "--from phải là một kho nhúng sqlite://… / --from must be an embedded sqlite://… store"
                );
            };
            let path = PathBuf::from(path);
            if !path.is_file() {
                bail!(
                    "không có kho dữ liệu {} / no store at {}",
                    path.display(),
                    path.display()
                );
            }
            thidua_store::Store::open_file(&path)?
        }
    };
    match thidua_app::backup::move_to_postgres(&store, &a.to) {
        Ok(m) => {
            let rows: i64 = m.tables.iter().map(|(_, n)| n).sum();
            let head = m
                .audit_head
                .map(|(id, h)| format!("{id}:{h}"))
                .unwrap_or_else(|| "—".into());
            println!(
                "đã chuyển {} bảng, {rows} dòng, {} tệp ({:.1} MB), đầu chuỗi nhật ký {head} / moved {} tables, {rows} rows, {} files, audit head {head}",
                m.tables.len(),
                m.files,
                m.file_bytes as f64 / 1e6,
                m.tables.len(),
                m.files,
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(thidua_app::error::Error::Refused(m))
        | Err(thidua_app::error::Error::Store(thidua_store::StoreError::Refused(m))) => {
            eprintln!("{} / {}", m.vi, m.en);
            Ok(refused())
        }
        Err(e) => Err(e.into()),
    }
}
