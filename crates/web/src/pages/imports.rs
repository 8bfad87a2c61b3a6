//! Imports on the web: upload a CSV or XLSX of any kind, see the validation report with
//! every bad row (downloadable as XLSX), then confirm. The same service as the command
//! line validates and writes, in one transaction; the report is a dry run of it.

use super::{page, Chrome};
use crate::auth::{Importers, Require, Role, User};
use crate::table::{Cell, Table};
use crate::upload::display_name;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use thidua_ingest::{ImportKind, ImportReport, RowError};
use thidua_store::import::ImportOptions;
use thidua_store::staged::StagedImport;

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    Router::new()
        .route(
            "/nhap-du-lieu",
            get(form).post(upload).layer(axum::extract::DefaultBodyLimit::max(
                cfg.max_import + crate::SMALL_BODY,
            )),
        )
        .route("/nhap-du-lieu/{token}/loi.xlsx", get(errors_xlsx))
        .route("/nhap-du-lieu/mau/{kind}", get(template))
        .route("/nhap-du-lieu/{token}/xac-nhan", post(confirm))
}

/// The largest values file a unit uploads.
const UNIT_MAX_IMPORT: usize = 20 * 1024 * 1024;

const KINDS: [ImportKind; 5] = [
    ImportKind::Units,
    ImportKind::Heads,
    ImportKind::Procedures,
    ImportKind::Dossiers,
    ImportKind::Values,
];

#[derive(Template)]
#[template(path = "import.html")]
struct FormPage {
    c: Chrome,
    kinds: Vec<(&'static str, &'static str)>,
    office: bool,
    error: Option<String>,
    help: Vec<KindHelp>,
}

/// The office imports every kind; a unit imports only its own values.
fn kinds_for(user: &User) -> Vec<ImportKind> {
    if user.role == Role::DonVi {
        vec![ImportKind::Values]
    } else {
        KINDS.to_vec()
    }
}

fn form_page(user: &User, error: Option<String>) -> Result<Response, AppError> {
    page(&FormPage {
        c: Chrome::new(user, "/nhap-du-lieu"),
        kinds: kinds_for(user).iter().map(|k| (k.code(), k.vi())).collect(),
        office: user.role == Role::SoNoiVu,
        error,
        help: help_for(user),
    })
}

async fn form(Require(user, ..): Require<Importers>) -> Result<Response, AppError> {
    form_page(&user, None)
}

#[derive(Template)]
#[template(path = "import_report.html")]
struct ReportPage {
    c: Chrome,
    kind: &'static str,
    file_name: String,
    token: String,
    r: ImportReport,
    errors_table: String,
    can_confirm: bool,
    done: bool,
    /// After a committed import: where its rows are to be seen (link, label).
    rows_link: Option<(String, &'static str)>,
}

/// Runs the import of a staged file: a dry run for the report, or for real.
async fn run(
    state: &AppState,
    user: &User,
    staged: &StagedImport,
    dry_run: bool,
    all_errors: bool,
) -> Result<(ImportReport, Vec<RowError>), AppError> {
    let kind = ImportKind::parse(&staged.kind).ok_or(AppError::NotFound)?;
    let path = state.config().data_dir.join("uploads").join(&staged.stored_name);
    let stored_name = staged.stored_name.clone();
    let only_unit = match user.role {
        Role::DonVi => Some(user.unit.as_ref().ok_or(AppError::Forbidden)?.1.clone()),
        _ => None,
    };
    let opts = ImportOptions {
        accept_valid: staged.accept_valid,
        // only the office imports entries as verified
        verified: staged.verified && only_unit.is_none(),
        file_name: staged.file_name.clone(),
        by: user.username.clone(),
        dry_run,
        only_unit,
        audit: (!dry_run).then(|| user.actor.clone()),
        audit_detail: None,
        before_commit: None,
    };
    state
        .db(move |s| {
            // received by another instance of a PostgreSQL store: its shared copy
            if !s.fetch_upload(&stored_name, &path)? {
                return Err(AppError::refused("Tệp này đã được nhập hoặc đã hết hạn."));
            }
            let mut file = std::fs::File::open(&path)
                .map_err(|e| AppError::internal(format!("open staged import: {e}")))?;
            let mut errors = Vec::new();
            let report = s.import_file(
                kind,
                &mut file,
                &opts,
                &mut |e: &RowError| {
                    if all_errors && errors.len() < 1_000_000 {
                        errors.push(e.clone())
                    }
                },
                &|_| {},
            )?;
            Ok((report, errors))
        })
        .await
}

fn errors_table(errors: &[RowError]) -> Table {
    // In Vietnamese only: the English reasons are for the command line and the logs.
    let mut t = Table::new("Các dòng lỗi", &["Dòng", "Cột", "Giá trị", "Lý do"]);
    for e in errors {
        t.rows.push(vec![
            Cell::int(e.row as i64),
            Cell::text(&e.column),
            Cell::text(&e.value),
            Cell::text(&e.vi),
        ]);
    }
    t
}

async fn upload(
    State(state): State<AppState>,
    Require(user, ..): Require<Importers>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    let mut kind = None;
    let (mut accept_valid, mut verified) = (false, false);
    // The file streams to disk under a server-made name (an export can be hundreds of MB).
    let token = thidua_app::credentials::random_token();
    let uploads = state.config().data_dir.join("uploads");
    let path = uploads.join(&token);
    let mut file: Option<(String, u64, [u8; 4])> = None;
    // A unit's own values file is small; the office's exports may be large.
    let max = if user.role == Role::DonVi {
        UNIT_MAX_IMPORT.min(state.config().max_import) as u64
    } else {
        state.config().max_import as u64
    };
    let read = async {
        use tokio::io::AsyncWriteExt;
        while let Some(mut field) = mp
            .next_field()
            .await
            .map_err(|e| AppError::multipart(e, "Không đọc được biểu mẫu"))?
        {
            match field.name().unwrap_or("") {
                "loai" => kind = ImportKind::parse(&crate::upload::small_text(field).await?),
                "chap_nhan_dong_hop_le" => accept_valid = true,
                "da_xac_nhan" => verified = true,
                "tep" => {
                    let name = display_name(field.file_name().unwrap_or(""));
                    let mut out = tokio::fs::File::create(&path)
                        .await
                        .map_err(|e| AppError::internal(format!("write upload: {e}")))?;
                    let (mut size, mut head) = (0u64, [0u8; 4]);
                    while let Some(chunk) = field
                        .chunk()
                        .await
                        .map_err(|e| AppError::multipart(e, "Tải tệp không thành công"))?
                    {
                        if size + chunk.len() as u64 > max {
                            return Err(AppError::TooLarge(format!(
                                "Tệp vượt quá {} MB; hãy nhập bằng dòng lệnh `thidua import`.",
                                max / (1024 * 1024)
                            )));
                        }
                        for (i, b) in chunk
                            .iter()
                            .take(4usize.saturating_sub(size as usize))
                            .enumerate()
                        {
                            head[size as usize + i] = *b;
                        }
                        size += chunk.len() as u64;
                        out.write_all(&chunk)
                            .await
                            .map_err(|e| AppError::internal(format!("write upload: {e}")))?;
                    }
                    out.flush()
                        .await
                        .map_err(|e| AppError::internal(format!("write upload: {e}")))?;
                    file = Some((name, size, head));
                }
                _ => {}
            }
        }
        Ok(())
    };
    if let Err(e) = read.await {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    let retry = |msg: &str| -> Result<Response, AppError> {
        let _ = std::fs::remove_file(&path);
        form_page(&user, Some(msg.into()))
    };
    let Some(kind) = kind else {
        return retry("Hãy chọn loại dữ liệu cần nhập.");
    };
    if !kinds_for(&user).contains(&kind) {
        let _ = std::fs::remove_file(&path);
        return Err(AppError::Forbidden);
    }
    let Some((file_name, _, head)) = file.filter(|(_, size, _)| *size > 0) else {
        return retry("Hãy chọn tệp CSV hoặc XLSX cần nhập.");
    };
    let ext = if &head == b"PK\x03\x04" { "xlsx" } else { "csv" };
    let stored_name = format!("{token}.{ext}");
    let staged_path = uploads.join(&stored_name);
    std::fs::rename(&path, &staged_path).map_err(|e| AppError::internal(format!("stage upload: {e}")))?;
    let path = staged_path;
    // Uploads never confirmed are removed after a day.
    let stale_dir = uploads.clone();
    state
        .db(move |s| {
            for old in s.stale_staged(24 * 3600)? {
                let _ = std::fs::remove_file(stale_dir.join(&old));
                s.unshare_upload(&old)?;
            }
            Ok(())
        })
        .await?;
    // Every instance of a PostgreSQL store can confirm it (`Store::share_upload`).
    let (name, at) = (stored_name.clone(), path.clone());
    if let Err(e) = state.db(move |s| Ok(s.share_upload(&name, &at)?)).await {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    let staged = StagedImport {
        token: token.clone(),
        kind: kind.code().into(),
        file_name: file_name.clone(),
        stored_name,
        user_id: user.id,
        accept_valid,
        verified,
        created_at: 0,
    };
    let s2 = staged.clone();
    state.db(move |s| Ok(s.put_staged(&s2)?)).await?;
    let (report, _) = match run(&state, &user, &staged, true, false).await {
        Ok(r) => r,
        Err(AppError::Refused(m)) => {
            let name = staged.stored_name.clone();
            let _ = state.db(move |s| Ok(s.unshare_upload(&name)?)).await;
            let _ = std::fs::remove_file(&path);
            return retry(&format!("Tệp «{file_name}» không nhập được: {}", m.vi));
        }
        Err(e) => return Err(e),
    };
    let can_confirm = report.rows_ok > 0 && (report.rows_bad == 0 || accept_valid);
    page(&ReportPage {
        c: Chrome::new(&user, "/nhap-du-lieu"),
        kind: kind.vi(),
        file_name,
        token,
        errors_table: errors_table(&report.errors).html(),
        r: report,
        can_confirm,
        done: false,
        rows_link: None,
    })
}

async fn staged_of(state: &AppState, user: &User, token: String) -> Result<StagedImport, AppError> {
    let staged = state
        .db(move |s| Ok(s.staged(&token)?))
        .await?
        .ok_or(AppError::NotFound)?;
    if staged.user_id != user.id {
        return Err(AppError::Forbidden);
    }
    Ok(staged)
}

async fn errors_xlsx(
    State(state): State<AppState>,
    Require(user, ..): Require<Importers>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let staged = staged_of(&state, &user, token).await?;
    let (_, errors) = run(&state, &user, &staged, true, true).await?;
    errors_table(&errors).xlsx_response("bao-cao-loi-nhap")
}

async fn confirm(
    State(state): State<AppState>,
    Require(user, ..): Require<Importers>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let staged = staged_of(&state, &user, token.clone()).await?;
    // Off the queue first: a second click finds nothing to import.
    if !state.db(move |s| Ok(s.take_staged(&token)?)).await? {
        return Err(AppError::refused("Tệp này đã được nhập hoặc đã hết hạn."));
    }
    let path = state.config().data_dir.join("uploads").join(&staged.stored_name);
    let result = run(&state, &user, &staged, false, false).await;
    let _ = std::fs::remove_file(&path);
    let name = staged.stored_name.clone();
    if let Err(e) = state.db(move |s| Ok(s.unshare_upload(&name)?)).await {
        // swept later (`sweep_files`): the import itself is done
        tracing::warn!("removing a shared upload: {e}");
    }
    let (report, _) = result?;
    if !report.committed {
        return Ok(Redirect::to("/nhap-du-lieu").into_response());
    }
    let parsed = ImportKind::parse(&staged.kind);
    let kind = parsed.map(|k| k.vi()).unwrap_or("");
    let rows_link = parsed.map(|k| match k {
        ImportKind::Values => ("/so-lieu?trang_thai=tat_ca".to_string(), "Xem các số liệu"),
        ImportKind::Units | ImportKind::Heads => ("/quan-tri/don-vi".to_string(), "Xem danh sách đơn vị"),
        ImportKind::Procedures | ImportKind::Dossiers => ("/tong-quan".to_string(), "Xem kết quả đánh giá"),
    });
    let notice = format!(
        "Đã ghi {} dòng {kind} từ tệp «{}».",
        report.rows_ok, staged.file_name
    );
    page(&ReportPage {
        c: Chrome::new(&user, "/nhap-du-lieu").with_notice(Some(notice)),
        kind,
        file_name: staged.file_name,
        token: String::new(),
        errors_table: errors_table(&report.errors).html(),
        r: report,
        can_confirm: false,
        done: true,
        rows_link,
    })
}

/// One example row of each kind, in the order of its fields: what a filled file looks like.
fn example(kind: ImportKind, plan: &thidua_domain::plan::Plan) -> Vec<String> {
    let tier = |i: usize| plan.tiers.get(i).map(|t| t.code.clone()).unwrap_or_default();
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
    match kind {
        ImportKind::Units => vec!["S01".into(), "Sở Tư pháp".into(), tier(0), String::new()],
        ImportKind::Heads => v(&[
            "S01",
            "Nguyễn Văn An",
            "Giám đốc Sở Tư pháp",
            "01/01/2016",
            "30/06/2018",
        ]),
        ImportKind::Procedures => v(&["1.001234", "Cấp phiếu lý lịch tư pháp", "10", "toan_trinh", "7"]),
        ImportKind::Dossiers => v(&[
            "000.00.23.H01-230301-0001",
            "S01",
            "1.001234",
            "01/03/2023 08:00",
            "15/03/2023 17:00",
            "10/03/2023 10:30",
            "truc_tuyen",
            "da_tra_ket_qua",
        ]),
        ImportKind::Values => {
            let ind = plan
                .indicators
                .iter()
                .find(|i| i.kind == thidua_domain::plan::Kind::Count)
                .map(|i| i.code.clone())
                .unwrap_or_default();
            vec![
                "S01".into(),
                ind,
                "2023-Q1".into(),
                String::new(),
                String::new(),
                "1".into(),
                "Sáng kiến được công nhận".into(),
            ]
        }
    }
}

/// The codes a kind's columns take, with their labels: (column, code, label).
fn code_lists(kind: ImportKind, plan: &thidua_domain::plan::Plan) -> Vec<(String, String, String)> {
    use thidua_domain::dossier::{Channel, DossierStatus, OnlineLevel};
    let mut out = Vec::new();
    let mut add =
        |col: &str, code: &str, label: &str| out.push((col.to_string(), code.to_string(), label.to_string()));
    match kind {
        ImportKind::Units => {
            for t in &plan.tiers {
                add("Cấp", &t.code, &t.name);
            }
        }
        ImportKind::Procedures => {
            for l in OnlineLevel::ALL {
                add("Mức độ DVC trực tuyến", l.code(), l.vi());
            }
        }
        ImportKind::Dossiers => {
            for c in Channel::ALL {
                add("Kênh nộp", c.code(), c.vi());
            }
            for s in DossierStatus::ALL {
                add("Trạng thái", s.code(), s.vi());
            }
        }
        ImportKind::Values => {
            for i in &plan.indicators {
                add("Mã chỉ tiêu", &i.code, &i.name);
            }
            add("Kỳ", "2023", "cả năm");
            add("Kỳ", "2023-Q1", "quý (Q1–Q4)");
            add("Kỳ", "2023-05", "tháng");
        }
        ImportKind::Heads => {}
    }
    out
}

/// The template of a kind (XLSX): its columns as headers, one example row, and on a second
/// sheet the codes its columns take with their labels.
async fn template(
    State(state): State<AppState>,
    Require(user, ..): Require<Importers>,
    Path(kind): Path<String>,
) -> Result<Response, AppError> {
    let kind = kinds_for(&user)
        .into_iter()
        .find(|k| format!("{}.xlsx", k.code()) == kind)
        .ok_or(AppError::NotFound)?;
    let plan = state.plan(None).await?;
    let x = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Mẫu").map_err(x)?;
    for (c, (f, ex)) in kind.fields().iter().zip(example(kind, &plan)).enumerate() {
        ws.write_string_with_format(0, c as u16, f.vi, &bold).map_err(x)?;
        ws.write_string(1, c as u16, &ex).map_err(x)?;
        ws.set_column_width(
            c as u16,
            (f.vi.chars().count().max(ex.chars().count()) as f64 + 4.0).min(50.0),
        )
        .map_err(x)?;
    }
    ws.set_freeze_panes(1, 0).map_err(x)?;
    let lists = wb.add_worksheet();
    lists.set_name("Danh mục mã").map_err(x)?;
    for (c, h) in ["Cột", "Mã", "Ý nghĩa"].iter().enumerate() {
        lists
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(x)?;
    }
    for (r, (col, code, label)) in code_lists(kind, &plan).iter().enumerate() {
        let r = r as u32 + 1;
        lists.write_string(r, 0, col).map_err(x)?;
        lists.write_string(r, 1, code).map_err(x)?;
        lists.write_string(r, 2, label).map_err(x)?;
    }
    lists.set_column_width(0, 24).map_err(x)?;
    lists.set_column_width(1, 24).map_err(x)?;
    lists.set_column_width(2, 80).map_err(x)?;
    let bytes = wb.save_to_buffer().map_err(x)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"mau-{}.xlsx\"", kind.code()),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A kind's columns as the format help shows them.
pub struct KindHelp {
    pub code: &'static str,
    pub name: &'static str,
    /// (label, code, required, max characters)
    pub columns: Vec<(&'static str, &'static str, bool, usize)>,
}

fn help_for(user: &User) -> Vec<KindHelp> {
    kinds_for(user)
        .iter()
        .map(|k| KindHelp {
            code: k.code(),
            name: k.vi(),
            columns: k
                .fields()
                .iter()
                .map(|f| (f.vi, f.code, f.required, f.max_chars))
                .collect(),
        })
        .collect()
}
