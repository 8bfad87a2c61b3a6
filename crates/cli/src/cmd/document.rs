//! `thidua document mau07|to-trinh|quyet-dinh|danh-sach-tham-khao`: the generated DOCX
//! documents, from the same evaluation and nominations as the web application. A paper's
//! number and date are inputs (`--so`, `--ngay`); left out, they are blanks to fill by hand.

use super::open_initialised;
use crate::Cli;
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use thidua_app::award::{self, DecisionPick, DocKind, PaperInputs};
use thidua_app::documents::Dating;
use thidua_domain::time::DateTime;

/// A paper's number and date.
#[derive(clap::Args, Clone, Default)]
pub struct PaperArgs {
    /// The paper's number, without its symbol (e.g. 125); default a blank to fill by hand.
    #[arg(long = "so")]
    number: Option<String>,
    /// The paper's date (YYYY-MM-DD or dd/mm/yyyy); default a blank to fill by hand.
    #[arg(long = "ngay")]
    date: Option<String>,
}

fn dating(number: &Option<String>, date: &Option<String>, what: &str) -> Result<Dating> {
    Dating::typed(number.as_deref(), date.as_deref(), what).map_err(|e| anyhow!("{e}"))
}

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
    /// The Board's tờ trình to the Chairman listing the heads it proposes after appraisal.
    ToTrinh {
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        paper: PaperArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// The Chairman's decision on the award: the list, the cash award, the annex.
    QuyetDinh {
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        paper: PaperArgs,
        /// The number of the Board's tờ trình the decision answers.
        #[arg(long = "to-trinh-so")]
        proposal_number: Option<String>,
        /// The date of that tờ trình.
        #[arg(long = "to-trinh-ngay")]
        proposal_date: Option<String>,
        /// A recorded decision (its id); default the latest recorded, else the draft.
        #[arg(long, conflicts_with = "draft")]
        decision: Option<i64>,
        /// The draft of the next decision: the approvals not yet in a recorded one.
        #[arg(long)]
        draft: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// A proposing unit's tờ trình (a district's covers its communes' nominations).
    ToTrinhDonVi {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        paper: PaperArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// The minutes of a proposing unit's Hội đồng Thi đua - Khen thưởng meeting.
    BienBanHoiDong {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        paper: PaperArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// The Board's appraisal minutes.
    BienBanThamDinh {
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        paper: PaperArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// The ranking's suggestions as a working list (not a tờ trình).
    DanhSachThamKhao {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Sở Nội vụ's mid-year review of the movement, as of a day within the period.
    SoKet {
        #[arg(long)]
        year: i32,
        /// The day the figures are read to (YYYY-MM-DD or dd/mm/yyyy).
        #[arg(long)]
        as_of: String,
        #[command(flatten)]
        paper: PaperArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Sở Nội vụ's year-end report of the movement.
    TongKet {
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        paper: PaperArgs,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cli: &Cli, c: &DocumentCommand) -> Result<ExitCode> {
    let store = open_initialised(cli)?;
    let mut inputs = PaperInputs::default();
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
        DocumentCommand::ToTrinh { year, paper, out } => {
            inputs.dating = dating(&paper.number, &paper.date, "tờ trình")?;
            (*year, out, DocKind::ToTrinh)
        }
        DocumentCommand::QuyetDinh {
            year,
            paper,
            proposal_number,
            proposal_date,
            decision,
            draft,
            out,
        } => {
            inputs.dating = dating(&paper.number, &paper.date, "quyết định")?;
            inputs.proposal = dating(proposal_number, proposal_date, "tờ trình")?;
            let pick = match (decision, draft) {
                (Some(id), _) => DecisionPick::Recorded(*id),
                (None, true) => DecisionPick::Draft,
                (None, false) => DecisionPick::Latest,
            };
            (*year, out, DocKind::QuyetDinh(pick))
        }
        DocumentCommand::ToTrinhDonVi {
            unit,
            year,
            paper,
            out,
        } => {
            inputs.dating = dating(&paper.number, &paper.date, "tờ trình")?;
            (*year, out, DocKind::ToTrinhDonVi { unit: unit.clone() })
        }
        DocumentCommand::BienBanHoiDong {
            unit,
            year,
            paper,
            out,
        } => {
            inputs.dating = dating(&paper.number, &paper.date, "biên bản")?;
            (*year, out, DocKind::BienBanHoiDong { unit: unit.clone() })
        }
        DocumentCommand::SoKet {
            year,
            as_of,
            paper,
            out,
        } => {
            inputs.dating = dating(&paper.number, &paper.date, "báo cáo")?;
            let day = award::report_day(Some(as_of))?;
            (*year, out, DocKind::SoKet { as_of: day })
        }
        DocumentCommand::TongKet { year, paper, out } => {
            inputs.dating = dating(&paper.number, &paper.date, "báo cáo")?;
            (*year, out, DocKind::TongKet)
        }
        DocumentCommand::BienBanThamDinh { year, paper, out } => {
            inputs.dating = dating(&paper.number, &paper.date, "biên bản")?;
            (*year, out, DocKind::BienBanThamDinh)
        }
        DocumentCommand::DanhSachThamKhao { year, out } => (*year, out, DocKind::DanhSachThamKhao),
    };
    let plan = store.plan_for(Some(year), None)?;
    let now = DateTime::now_local();
    let end = plan.period_to.end();
    let heads = store.evaluate(&plan, if now.0 < end.0 { now } else { end })?;
    let (bytes, _) = award::document(&store, &plan, &heads, &kind, &inputs).map_err(|e| anyhow!("{e}"))?;
    std::fs::write(out, bytes).with_context(|| format!("không ghi được / cannot write {}", out.display()))?;
    println!("Đã tạo / written {}", out.display());
    Ok(ExitCode::SUCCESS)
}
