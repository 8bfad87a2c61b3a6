//! Server-rendered pages. Each module owns its routes; `Chrome` is what every page's
//! layout shows (navigation by role, the user, the CSRF token for forms, a notice).

mod account;
mod admin;
pub(crate) mod entries;
mod imports;
pub(crate) mod nominations;
mod overview;
mod public;
mod setup;
mod threads;
mod unit;

use crate::auth::{Role, User};
use crate::{AppError, AppState};
use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/app.css", get(css))
        .route("/favicon.ico", get(favicon))
        .route("/static/favicon.svg", get(favicon))
        .merge(account::routes())
        .merge(overview::routes())
        .merge(unit::routes())
        .merge(entries::routes(cfg))
        .merge(imports::routes(cfg))
        .merge(threads::routes())
        .merge(admin::routes())
        .merge(nominations::routes(cfg))
        .merge(public::routes())
        .merge(setup::routes())
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

/// The product's mark (a star on the brand's blue), for the browser's tab; `/favicon.ico`
/// too, which browsers ask for whatever the page links.
async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
        .into_response()
}

/// The deadlines of the coming days that concern `role` under the current plan, and that
/// plan (none before a plan is loaded: the administrator's tasks then say what to load).
pub(crate) async fn coming_deadlines(
    state: &AppState,
    role: Role,
    today: thidua_domain::time::Date,
) -> Result<(Vec<thidua_app::agenda::Due>, Option<thidua_domain::plan::Plan>), AppError> {
    let Ok(plan) = state.plan(None).await else {
        return Ok((Vec::new(), None));
    };
    let p = plan.clone();
    let due = state
        .db(move |s| Ok(thidua_app::agenda::due(s, &p, role, today)?))
        .await?;
    Ok((due, Some(plan)))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    tasks: Vec<thidua_app::agenda::Task>,
    /// (date, what, how far, link)
    due: Vec<(String, String, String, String)>,
    within: i32,
    /// Where the role's own work starts (a unit's page, the overview, accounts).
    start: (String, String),
    /// A unit's people may read the ranking (the plan says so).
    ranking: bool,
}

/// The signed-in user's home: what awaits them and the deadlines of the coming days.
/// Anonymous visitors go to the honour board.
async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::auth::MaybeUser(user): crate::auth::MaybeUser,
) -> Result<Response, AppError> {
    use thidua_app::agenda;
    let Some(user) = user else {
        return Ok(Redirect::to("/bang-vang").into_response());
    };
    let today = thidua_domain::time::DateTime::now_local().date();
    let role = user.role;
    let (due, plan) = coming_deadlines(&state, role, today).await?;
    let ranking = user.is_unit_role() && plan.is_some_and(|p| p.award.units_see_ranking);
    let start = match (&user.role, &user.unit) {
        (Role::DonVi | Role::NguoiDungDau, Some((_, code, name))) => {
            (format!("/don-vi/{code}"), format!("Kết quả của {name}"))
        }
        (Role::QuanTri, _) => ("/quan-tri/tai-khoan".into(), "Quản lý tài khoản".into()),
        _ => ("/tong-quan".into(), "Tổng quan kết quả đánh giá".into()),
    };
    page(&HomePage {
        c: Chrome::new(&user, "/"),
        tasks: user.tasks.clone(),
        due: due
            .into_iter()
            .map(|d| (d.date.vi(), d.label, agenda::days_left(d.date, today), d.href))
            .collect(),
        within: agenda::DUE_WITHIN_DAYS,
        start,
        ranking,
    })
}

/// What the layout shows around every page.
pub struct Chrome {
    pub signed_in: bool,
    pub user_name: String,
    pub role_vi: &'static str,
    pub unit_name: Option<String>,
    pub csrf: String,
    /// (href, label, current, what awaits the user there)
    pub nav: Vec<(String, &'static str, bool, i64)>,
    pub flash: Option<String>,
    /// Printed at the top of every sheet (the plan and the as-of date), for the pages
    /// people print: the overview, the ranking, a unit's page, the queue.
    pub print_head: Option<String>,
}

impl Chrome {
    /// The line printed at the top of every sheet of this page.
    pub fn printing(mut self, head: impl Into<String>) -> Chrome {
        self.print_head = Some(head.into());
        self
    }

    pub fn new(user: &User, current: &str) -> Chrome {
        let mut nav: Vec<(String, &'static str)> = vec![("/".into(), "Việc cần làm")];
        match user.role {
            Role::DonVi => {
                if let Some((_, code, _)) = &user.unit {
                    nav.push((format!("/don-vi/{code}"), "Đơn vị của tôi"));
                }
                nav.push(("/so-lieu".into(), "Nhập số liệu"));
                nav.push(("/nhap-du-lieu".into(), "Nhập từ tệp"));
                nav.push(("/de-nghi".into(), "Đề nghị khen thưởng"));
                nav.push(("/kien-nghi".into(), "Khó khăn, kiến nghị"));
            }
            Role::NguoiDungDau => {
                if let Some((_, code, _)) = &user.unit {
                    nav.push((format!("/don-vi/{code}"), "Đơn vị của tôi"));
                }
                nav.push(("/so-lieu".into(), "Ký duyệt số liệu"));
                nav.push(("/de-nghi".into(), "Đề nghị khen thưởng"));
                nav.push(("/kien-nghi".into(), "Khó khăn, kiến nghị"));
            }
            Role::QuanTri => {
                nav.extend(
                    [
                        ("/quan-tri/tai-khoan", "Tài khoản"),
                        ("/quan-tri/don-vi", "Đơn vị"),
                        ("/quan-tri/ke-hoach", "Kế hoạch"),
                        ("/quan-tri/lich", "Lịch nghỉ"),
                        ("/cai-dat", "Cài đặt"),
                        ("/nhat-ky", "Nhật ký"),
                    ]
                    .map(|(h, l)| (h.to_string(), l)),
                );
            }
            Role::SoNoiVu => {
                nav.extend(
                    [
                        ("/tong-quan", "Tổng quan"),
                        ("/xep-hang", "Xếp hạng"),
                        ("/canh-bao", "Cảnh báo sớm"),
                        ("/so-lieu", "Xác nhận số liệu"),
                        ("/de-nghi", "Đề nghị khen thưởng"),
                        ("/nhap-du-lieu", "Nhập dữ liệu"),
                        ("/kien-nghi", "Kiến nghị"),
                        ("/cai-dat", "Cài đặt"),
                        ("/nhat-ky", "Nhật ký"),
                    ]
                    .map(|(h, l)| (h.to_string(), l)),
                );
            }
            Role::BanTdkt | Role::LanhDao => {
                nav.extend(
                    [
                        ("/tong-quan", "Tổng quan"),
                        ("/xep-hang", "Xếp hạng"),
                        ("/canh-bao", "Cảnh báo sớm"),
                        ("/de-nghi", "Đề nghị khen thưởng"),
                        ("/kien-nghi", "Kiến nghị"),
                    ]
                    .map(|(h, l)| (h.to_string(), l)),
                );
            }
        }
        Chrome {
            signed_in: true,
            user_name: user.display_name().to_string(),
            role_vi: user.role.vi(),
            unit_name: user.unit.as_ref().map(|u| u.2.clone()),
            csrf: user.csrf.clone().unwrap_or_default(),
            nav: nav
                .into_iter()
                .map(|(h, l)| {
                    let cur = h == current;
                    let waiting = user.tasks.iter().filter(|t| t.nav == h).map(|t| t.count).sum();
                    (h, l, cur, waiting)
                })
                .collect(),
            flash: None,
            print_head: None,
        }
    }

    /// The public pages' frame: the honour board, the progress, sign-in.
    pub fn public(current: &str) -> Chrome {
        let nav = [
            ("/bang-vang", "Bảng vàng"),
            ("/tien-do", "Tiến độ phong trào"),
            ("/khen-thuong", "Sổ khen thưởng"),
            ("/dang-nhap", "Đăng nhập"),
        ];
        Chrome {
            nav: nav
                .iter()
                .map(|(h, l)| (h.to_string(), *l, *h == current, 0))
                .collect(),
            ..Chrome::anonymous()
        }
    }

    pub fn anonymous() -> Chrome {
        Chrome {
            signed_in: false,
            user_name: String::new(),
            role_vi: "",
            unit_name: None,
            csrf: String::new(),
            nav: Vec::new(),
            flash: None,
            print_head: None,
        }
    }

    /// A notice after a redirect (`?tb=code`): fixed texts only, never echoed input.
    pub fn with_flash(mut self, code: Option<&str>) -> Chrome {
        // a nomination's step, named as the audit log names it
        if let Some(label) = code
            .and_then(|c| c.strip_prefix("buoc_"))
            .and_then(thidua_domain::audit::action_vi)
        {
            self.flash = Some(format!("Đã thực hiện: {}.", label.to_lowercase()));
            return self;
        }
        self.flash = code
            .and_then(|c| match c {
                "da_luu_nhap" => Some("Đã lưu nháp."),
                "da_gui" => Some("Đã gửi số liệu tới Sở Nội vụ."),
                "da_xac_nhan" => Some("Đã xác nhận số liệu."),
                "da_tra_lai" => Some("Đã trả lại số liệu kèm lý do."),
                "da_doi_mat_khau" => Some("Đã đổi mật khẩu."),
                "da_tao_tai_khoan" => Some("Đã tạo tài khoản."),
                "da_lap_de_nghi" => {
                    Some("Đã lập hồ sơ đề nghị khen thưởng: tải lên các tài liệu rồi nộp hồ sơ.")
                }
                "da_phan_hoi" => Some("Đã ghi phản hồi vào kiến nghị."),
                "da_nhap_lich" => Some("Đã nhập lịch ngày nghỉ, ngày làm bù."),
                "da_xoa_ngay_lich" => Some("Đã xóa ngày khỏi lịch."),
                "da_nap_ke_hoach" => Some("Đã nạp kế hoạch."),
                "da_luu_don_vi" => Some("Đã lưu đơn vị."),
                "da_luu_nguoi_dung_dau" => Some("Đã lưu người đứng đầu của đơn vị."),
                "da_doi_trang_thai" => Some("Đã cập nhật trạng thái tài khoản."),
                "da_luu_cai_dat" => Some("Đã lưu cài đặt."),
                "da_luu_ly_lich" => Some("Đã lưu lý lịch người đứng đầu."),
                "da_nhap" => Some("Đã nhập dữ liệu."),
                "da_gui_kien_nghi" => Some("Đã gửi kiến nghị."),
                "da_ky_duyet" => Some("Đã ký duyệt số liệu."),
                "da_mo_lai_xac_nhan" => Some("Đã mở lại xác nhận: số liệu chờ Sở Nội vụ xem xét lại."),
                "da_xoa_nhap" => Some("Đã xóa bản nháp số liệu."),
                "da_xoa_tai_lieu" => Some("Đã xóa tệp tài liệu khỏi hồ sơ."),
                "da_luu_thu_dien_tu" => Some("Đã lưu cài đặt thư điện tử."),
                "da_luu_email" => Some("Đã lưu địa chỉ thư điện tử."),
                "da_tai_tai_lieu" => Some("Đã tải lên tài liệu của hồ sơ."),
                _ => None,
            })
            .map(String::from);
        self
    }

    /// A notice the handler composed from what it did (numbers and names from the store,
    /// never echoed input).
    pub fn with_notice(mut self, notice: Option<String>) -> Chrome {
        if notice.is_some() {
            self.flash = notice;
        }
        self
    }
}

/// Renders a template as an HTML page.
/// Content rendered once and kept (`AppState::kept`), with its compressed form made the
/// first time a browser that takes gzip asks for it.
pub struct KeptBody {
    text: String,
    /// It holds a secret (a form's CSRF token): never compressed (BREACH, SECURITY.md).
    secret: bool,
    deflated: std::sync::OnceLock<Deflated>,
}

/// Raw deflate of the content ending in a sync flush (byte-aligned, not final), and the
/// CRC-32 of the content, to be spliced into a gzip stream (`gzip_parts`).
struct Deflated {
    data: bytes::Bytes,
    crc: crc32fast::Hasher,
}

impl KeptBody {
    /// Content that holds no secret.
    pub fn new(text: String) -> std::sync::Arc<KeptBody> {
        KeptBody::holding_secret(text, false)
    }

    /// Content that may hold a secret (`secret`): then it goes uncompressed.
    pub fn holding_secret(text: String, secret: bool) -> std::sync::Arc<KeptBody> {
        std::sync::Arc::new(KeptBody {
            text,
            secret,
            deflated: std::sync::OnceLock::new(),
        })
    }

    fn deflated(&self) -> &Deflated {
        self.deflated.get_or_init(|| {
            use std::io::Write;
            let mut enc = flate2::write::DeflateEncoder::new(
                Vec::with_capacity(self.text.len() / 4),
                flate2::Compression::default(),
            );
            // writing into a Vec cannot fail
            let _ = enc.write_all(self.text.as_bytes());
            let _ = enc.flush();
            let mut crc = crc32fast::Hasher::new();
            crc.update(self.text.as_bytes());
            Deflated {
                data: bytes::Bytes::from(std::mem::take(enc.get_mut())),
                crc,
            }
        })
    }
}

/// Whether the request takes a gzip body (`Accept-Encoding`, a `q=0` refuses it).
pub fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            parts.next().is_some_and(|c| c.eq_ignore_ascii_case("gzip"))
                && parts.all(|p| {
                    !matches!(
                        p.replace(' ', "").as_str(),
                        "q=0" | "q=0.0" | "q=0.00" | "q=0.000"
                    )
                })
        })
}

/// The page around content rendered once and kept: the reader's own chrome (navigation,
/// counters, name, sign-out form) is rendered per request, and the content is sent from
/// where it is kept, between the two halves of the shell — no copy of it per request (the
/// overview's is 128 KB). To a browser that takes gzip, the content goes compressed once
/// and kept, the shell's halves as stored deflate blocks around it (no compression work
/// per request): one gzip stream.
pub fn shell_page(
    c: Chrome,
    title: &str,
    body: std::sync::Arc<KeptBody>,
    gzip: bool,
) -> Result<Response, AppError> {
    use axum::http::header;
    let shell = Shell { c, title }
        .render()
        .map_err(|e| AppError::internal(format!("template: {e}")))?;
    let at = shell
        .find(BODY_MARK)
        .ok_or_else(|| AppError::internal("the page shell lost its mark"))?;
    let (before, after) = (&shell[..at], &shell[at + BODY_MARK.len()..]);
    let html = (header::CONTENT_TYPE, "text/html; charset=utf-8");
    let vary = (header::VARY, "accept-encoding");
    // Compressed content never holds a secret next to what a request put there (BREACH).
    if gzip && !body.secret {
        let chunks = gzip_parts(
            before.as_bytes(),
            body.deflated(),
            body.text.len(),
            after.as_bytes(),
        );
        return Ok((
            [html, vary, (header::CONTENT_ENCODING, "gzip")],
            axum::body::Body::new(Parts { chunks }),
        )
            .into_response());
    }
    let shell = bytes::Bytes::from(shell);
    let chunks = [
        shell.slice(..at),
        bytes::Bytes::from_owner(Kept(body)),
        shell.slice(at + BODY_MARK.len()..),
    ];
    Ok((
        [html, vary],
        axum::body::Body::new(Parts {
            chunks: chunks.into(),
        }),
    )
        .into_response())
}

/// One gzip member (RFC 1952): the header, `before` as stored deflate blocks, the kept
/// content's deflate data, `after` as stored blocks ending the stream, the CRC-32 of the
/// three and their length.
fn gzip_parts(
    before: &[u8],
    body: &Deflated,
    body_len: usize,
    after: &[u8],
) -> std::collections::VecDeque<bytes::Bytes> {
    let mut head = Vec::with_capacity(before.len() + 32);
    head.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    stored_blocks(&mut head, before, false);
    let mut tail = Vec::with_capacity(after.len() + 32);
    stored_blocks(&mut tail, after, true);
    let mut crc = crc32fast::Hasher::new();
    crc.update(before);
    crc.combine(&body.crc);
    crc.update(after);
    tail.extend_from_slice(&crc.finalize().to_le_bytes());
    let len = before.len() + body_len + after.len();
    tail.extend_from_slice(&(len as u32).to_le_bytes());
    [head.into(), body.data.clone(), tail.into()].into()
}

/// `data` as deflate stored blocks (RFC 1951 3.2.4), at a byte boundary; `last`: the final
/// block is among them (an empty one when `data` is empty).
fn stored_blocks(out: &mut Vec<u8>, data: &[u8], last: bool) {
    let mut chunks = data.chunks(0xffff).peekable();
    if chunks.peek().is_none() {
        if last {
            out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
        }
        return;
    }
    while let Some(chunk) = chunks.next() {
        let fin = last && chunks.peek().is_none();
        let n = chunk.len() as u16;
        out.push(fin as u8);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

/// Kept content as the bytes of a response.
struct Kept(std::sync::Arc<KeptBody>);

impl AsRef<[u8]> for Kept {
    fn as_ref(&self) -> &[u8] {
        self.0.text.as_bytes()
    }
}

/// A response body of a few chunks whose length is known (sent with `Content-Length`).
struct Parts {
    chunks: std::collections::VecDeque<bytes::Bytes>,
}

impl hyper::body::Body for Parts {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.chunks.pop_front().map(|b| Ok(hyper::body::Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.chunks.iter().map(|c| c.len() as u64).sum())
    }
}

/// Where `shell.html` takes its content.
const BODY_MARK: &str = "<!--thidua:body-->";

#[derive(Template)]
#[template(path = "shell.html")]
struct Shell<'a> {
    c: Chrome,
    title: &'a str,
}

/// Renders `t` into a string, for content kept and put in a shell (`shell_page`).
pub fn render(t: &impl Template) -> Result<String, AppError> {
    t.render()
        .map_err(|e| AppError::internal(format!("template: {e}")))
}

pub fn page(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(
        t.render()
            .map_err(|e| AppError::internal(format!("template: {e}")))?,
    )
    .into_response())
}

/// `?dinh_dang=xlsx` asks for the page's table as a workbook.
pub fn wants_xlsx(format: &Option<String>) -> bool {
    format.as_deref() == Some("xlsx")
}

/// What a query value escapes: everything but letters, digits and `-_.~` (RFC 3986's
/// unreserved characters), so codes such as `tat_ca` stay readable in the address bar.
pub const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A query value, escaped.
pub fn enc(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, QUERY_VALUE).to_string()
}

/// A query string with one parameter replaced (for paging and download links).
pub fn with_param(pairs: &[(&str, String)], key: &str, value: &str) -> String {
    let mut out: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| *k != key && !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    out.push(format!("{key}={}", enc(value)));
    format!("?{}", out.join("&"))
}

#[cfg(test)]
mod gzip_tests {
    use super::*;
    use std::io::Read;

    /// The spliced stream decodes to the three parts in order, whatever their sizes: a
    /// shell half over one stored block's 65,535 bytes, an empty one, an empty content.
    #[test]
    fn a_spliced_gzip_stream_decodes_to_its_parts() {
        let big: String = (0..70_000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        for (before, content, after) in [
            ("<head>", "<table>…</table>", "</html>"),
            (big.as_str(), "nội dung", ""),
            ("", "", big.as_str()),
            ("a", big.as_str(), "b"),
        ] {
            let kept = KeptBody::new(content.to_string());
            let parts = gzip_parts(
                before.as_bytes(),
                kept.deflated(),
                content.len(),
                after.as_bytes(),
            );
            let bytes: Vec<u8> = parts.iter().flat_map(|b| b.iter().copied()).collect();
            let mut text = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text, format!("{before}{content}{after}"));
        }
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let h = |v: &str| {
            let mut m = axum::http::HeaderMap::new();
            m.insert(axum::http::header::ACCEPT_ENCODING, v.parse().unwrap());
            accepts_gzip(&m)
        };
        assert!(h("gzip, deflate, br"));
        assert!(h("br;q=1.0, GZIP;q=0.5"));
        assert!(!h("gzip;q=0"));
        assert!(!h("gzip; q=0.000, identity"));
        assert!(!h("deflate, br"));
        assert!(!accepts_gzip(&axum::http::HeaderMap::new()));
    }
}
