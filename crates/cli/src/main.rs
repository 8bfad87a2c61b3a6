//! `thidua` — the command line of Thi Đua. Every subcommand is one function in `cmd/`.
//! Exit codes: 0 done, 1 failure, 2 input refused (bad rows, invalid plan).

// Only the dossier hot path (thidua-ingest) needs `unsafe`.
#![forbid(unsafe_code)]

mod cmd;
mod output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "thidua",
    version,
    about = "Thi Đua — phong trào thi đua cải cách hành chính / the administrative-reform emulation movement"
)]
pub struct Cli {
    /// Data folder holding the embedded database and attachments.
    #[arg(long, global = true, default_value = "./thidua-data", env = "THIDUA_DATA_DIR")]
    data_dir: PathBuf,
    /// Database URL (sqlite://FILE or postgres://…); overrides --data-dir for the database.
    #[arg(long, global = true, env = "THIDUA_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the store, load the plan, the Vietnamese calendar and an admin account.
    Init {
        /// Plan file (TOML); default: the built-in 2023 plan.
        #[arg(long)]
        plan: Option<PathBuf>,
        /// The province's name printed on every document ("Bà Rịa - Vũng Tàu"); documents
        /// are refused until it is set (here or on the settings page).
        #[arg(long)]
        province: Option<String>,
        /// The place name written before a provincial paper's date; default the province.
        #[arg(long)]
        place: Option<String>,
        /// Who signs the Board's tờ trình (name); required before a tờ trình is written.
        #[arg(long)]
        board_signer: Option<String>,
        /// The Board signer's title lines, split at "—" (default "TRƯỞNG BAN").
        #[arg(long)]
        board_signer_title: Option<String>,
        /// Who signs Sở Nội vụ's reports of the movement (sơ kết, tổng kết).
        #[arg(long)]
        office_signer: Option<String>,
    },
    /// Plans: check a file, load it into the store, list the stored ones.
    #[command(subcommand)]
    Plan(cmd::plan::PlanCommand),
    /// The calendar of days off and make-up working days.
    #[command(subcommand)]
    Calendar(cmd::calendar::CalendarCommand),
    /// Import units, heads, procedures, dossiers or values from CSV or XLSX.
    Import(cmd::import::ImportArgs),
    /// The three dossier indicators per unit and month, straight from an export (no store).
    DossierStats(cmd::dossier_stats::DossierStatsArgs),
    /// Evaluate every head of a plan year.
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// Accounts.
    #[command(subcommand)]
    User(cmd::user::UserCommand),
    /// API tokens for other systems.
    #[command(subcommand)]
    Token(cmd::token::TokenCommand),
    /// Generated documents (DOCX): mau07, to-trinh, quyet-dinh.
    #[command(subcommand)]
    Document(cmd::document::DocumentCommand),
    /// The audit log: `verify` checks its hash chain.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// One archive of the whole store (database and files), consistent while serving.
    Backup(cmd::backup::BackupArgs),
    /// Restores an archive into a new or empty data folder (--data-dir).
    Restore(cmd::backup::BackupArgs),
    /// Moves the embedded store (and its files) into an empty PostgreSQL database.
    Migrate(cmd::backup::MigrateArgs),
    /// The web application.
    Serve(cmd::serve::ServeArgs),
    /// A fresh temporary store with a realistic demo province, served with demo accounts.
    Demo(cmd::serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Init {
            plan,
            province,
            place,
            board_signer,
            board_signer_title,
            office_signer,
        } => cmd::init::run(
            &cli,
            plan.as_deref(),
            &[
                (
                    thidua_app::award::PROVINCE_KEY,
                    province.as_deref(),
                    "tên tỉnh / province",
                ),
                (
                    thidua_app::award::PLACE_KEY,
                    place.as_deref(),
                    "địa danh / place name",
                ),
                (
                    thidua_app::award::BOARD_SIGNER_KEY,
                    board_signer.as_deref(),
                    "người ký tờ trình / Board signer",
                ),
                (
                    thidua_app::award::BOARD_SIGNER_TITLE_KEY,
                    board_signer_title.as_deref(),
                    "chức danh người ký / signer's title",
                ),
                (
                    thidua_app::award::OFFICE_SIGNER_KEY,
                    office_signer.as_deref(),
                    "người ký báo cáo của Sở Nội vụ / report signer",
                ),
            ],
        ),
        Command::Plan(c) => cmd::plan::run(&cli, c),
        Command::Calendar(c) => cmd::calendar::run(&cli, c),
        Command::Import(a) => cmd::import::run(&cli, a),
        Command::Evaluate(a) => cmd::evaluate::run(&cli, a),
        Command::DossierStats(a) => cmd::dossier_stats::run(&cli, a),
        Command::User(c) => cmd::user::run(&cli, c),
        Command::Token(c) => cmd::token::run(&cli, c),
        Command::Document(c) => cmd::document::run(&cli, c),
        Command::Audit(c) => cmd::audit::run(&cli, c),
        Command::Backup(a) => cmd::backup::backup(&cli, a),
        Command::Restore(a) => cmd::backup::restore(&cli, a),
        Command::Migrate(a) => cmd::backup::migrate(&cli, a),
        Command::Serve(a) => cmd::serve::serve(&cli, a),
        Command::Demo(a) => cmd::serve::demo(&cli, a),
    };
    match result {
        Ok(code) => code,
        // `thidua evaluate … | head` closes the pipe early: not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lỗi / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
