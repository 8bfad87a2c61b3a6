//! Errors as a civil servant reads them: a page in Vietnamese with the request id to quote
//! to the administrator, never a stack trace or a database message (those go to the log,
//! under the same id). API requests get the same as JSON.

use askama::Template;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use thidua_domain::msg::Msg;

#[derive(Debug)]
pub enum AppError {
    /// No session: pages redirect to sign-in, the API answers 401.
    NotSignedIn,
    /// Wrong credentials (one answer whether the user exists or not).
    BadCredentials,
    /// Signed in, but this is not theirs to see or do.
    Forbidden,
    NotFound,
    /// The request is understood and refused, with the reason (the page shows the
    /// Vietnamese, the log the English when there is one).
    Refused(Msg),
    /// The step is not allowed now (the API's 409), with the reason.
    Conflict(Msg),
    /// Sign-in locked after repeated failures, until a local time (dd/mm/yyyy hh:mm).
    Throttled(String),
    /// The CSRF token is missing or wrong.
    Csrf,
    TooLarge(String),
    /// The request body stalled past `Config::body_read_timeout`.
    Timeout,
    /// A fault of ours: logged with the request id, shown as a generic message.
    Internal(String),
    Startup(String),
}

impl AppError {
    /// A body that could not be read: over its limit (413), stalled (408), or else
    /// malformed (400-like refusal with `what`).
    pub(crate) fn body(e: &(dyn std::error::Error + 'static), what: &str) -> AppError {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = cur {
            if err.is::<http_body_util::LengthLimitError>() {
                return AppError::TooLarge("Nội dung gửi lên vượt quá dung lượng cho phép.".into());
            }
            if err.is::<tower_http::timeout::TimeoutError>() {
                return AppError::Timeout;
            }
            cur = err.source();
        }
        AppError::refused(format!("{what} ({e})."))
    }

    /// A multipart form that could not be read (see `body`).
    pub(crate) fn multipart(e: axum::extract::multipart::MultipartError, what: &str) -> AppError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::TooLarge("Nội dung gửi lên vượt quá dung lượng cho phép.".into());
        }
        AppError::body(&e, what)
    }

    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError::Internal(detail.into())
    }
    /// A refusal worded for the user only (the web's own form checks).
    pub fn refused(vi: impl Into<String>) -> AppError {
        AppError::Refused(Msg::new(vi, ""))
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Startup(s) | AppError::Internal(s) | AppError::TooLarge(s) => f.write_str(s),
            AppError::Refused(m) | AppError::Conflict(m) => m.fmt(f),
            AppError::NotSignedIn => f.write_str("chưa đăng nhập / not signed in"),
            AppError::BadCredentials => {
                f.write_str("tên đăng nhập hoặc mật khẩu không đúng / wrong username or password")
            }
            AppError::Forbidden => f.write_str("không có quyền / forbidden"),
            AppError::NotFound => f.write_str("không tìm thấy / not found"),
            AppError::Throttled(until) => write!(f, "tạm khóa đăng nhập đến {until} / sign-in locked"),
            AppError::Csrf => f.write_str("thiếu mã chống giả mạo biểu mẫu / missing CSRF token"),
            AppError::Timeout => f.write_str("hết thời gian nhận dữ liệu / request body timed out"),
        }
    }
}

impl std::error::Error for AppError {}

impl From<thidua_store::StoreError> for AppError {
    fn from(e: thidua_store::StoreError) -> Self {
        match e {
            thidua_store::StoreError::Refused(m) => AppError::Refused(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<thidua_store::import::ImportError> for AppError {
    fn from(e: thidua_store::import::ImportError) -> Self {
        use thidua_ingest::FileError;
        use thidua_store::import::ImportError;
        match e {
            ImportError::Store(s) => s.into(),
            // The web reads files it staged itself: failing to read one is our fault.
            ImportError::File(FileError::Io(io)) => {
                AppError::Internal(format!("reading a staged file: {io}"))
            }
            ImportError::File(f) => AppError::Refused(f.message()),
            ImportError::NoRows => AppError::Refused(FileError::NoDataRows.message()),
        }
    }
}

impl From<thidua_app::Error> for AppError {
    fn from(e: thidua_app::Error) -> Self {
        match e {
            thidua_app::Error::Store(s) => s.into(),
            thidua_app::Error::Import(i) => i.into(),
            thidua_app::Error::Refused(m) => AppError::Refused(m),
            thidua_app::Error::Internal(detail) => AppError::Internal(detail),
        }
    }
}

/// What the error page says, attached to the response for `request_context` to render
/// (and, for a fault of ours, to log once with the request id).
#[derive(Clone, Debug)]
pub(crate) struct ErrorInfo {
    pub title: &'static str,
    pub message: String,
    /// A page request without a session goes to the sign-in page.
    pub sign_in: bool,
    /// The cause of a 500, for the log only.
    pub cause: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let sign_in = matches!(self, AppError::NotSignedIn);
        let (status, title, message) = match self {
            AppError::NotSignedIn => (
                StatusCode::UNAUTHORIZED,
                "Chưa đăng nhập",
                "Vui lòng đăng nhập để tiếp tục.".to_string(),
            ),
            AppError::BadCredentials => (
                StatusCode::UNAUTHORIZED,
                "Đăng nhập không thành công",
                "Tên đăng nhập hoặc mật khẩu không đúng.".to_string(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Không có quyền truy cập",
                "Tài khoản của anh/chị không có quyền xem hoặc thực hiện thao tác này.".to_string(),
            ),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Không tìm thấy",
                "Trang hoặc dữ liệu được yêu cầu không tồn tại.".to_string(),
            ),
            AppError::Refused(m) => {
                let mut info = info("Không thực hiện được", m.vi);
                if !m.en.is_empty() {
                    info.cause = Some(m.en);
                }
                return respond(StatusCode::UNPROCESSABLE_ENTITY, info);
            }
            AppError::Conflict(m) => {
                let mut info = info("Không thực hiện được lúc này", m.vi);
                if !m.en.is_empty() {
                    info.cause = Some(m.en);
                }
                return respond(StatusCode::CONFLICT, info);
            }
            AppError::Throttled(until) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Tạm khóa đăng nhập",
                format!("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {until}."),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Phiên làm việc không hợp lệ",
                "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.".to_string(),
            ),
            AppError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "Tệp quá lớn", m),
            AppError::Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                "Hết thời gian chờ",
                "Máy chủ không nhận được dữ liệu gửi lên trong thời gian cho phép. Vui lòng thử lại."
                    .to_string(),
            ),
            AppError::Internal(detail) | AppError::Startup(detail) => {
                let mut info = info(
                    "Đã có lỗi xảy ra",
                    "Hệ thống gặp sự cố khi xử lý yêu cầu. Vui lòng thử lại; nếu vẫn lỗi, hãy báo quản trị hệ thống kèm mã yêu cầu.".to_string(),
                );
                info.cause = Some(detail);
                return respond(StatusCode::INTERNAL_SERVER_ERROR, info);
            }
        };
        let mut info = info(title, message);
        info.sign_in = sign_in;
        respond(status, info)
    }
}

fn info(title: &'static str, message: String) -> ErrorInfo {
    ErrorInfo {
        title,
        message,
        sign_in: false,
        cause: None,
    }
}

/// The plain response carries the page's text; `request_context` renders it.
fn respond(status: StatusCode, info: ErrorInfo) -> Response {
    let mut res = (status, info.message.clone()).into_response();
    res.extensions_mut().insert(info);
    res
}

/// A handler panicked: logged, answered like any internal error.
pub(crate) fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    AppError::Internal(format!("panic: {detail}")).into_response()
}

/// The request's id and the client's address, for logs, audit and error pages.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub id: String,
    pub address: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    request_id: &'a str,
    status: u16,
    sign_in: bool,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn new_request_id() -> String {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    format!(
        "{:08x}-{:04x}",
        u32::from_le_bytes(b),
        COUNTER.fetch_add(1, Ordering::Relaxed) & 0xffff
    )
}

/// Marks every cookie the response sets `Secure`.
fn secure_cookies(h: &mut axum::http::HeaderMap) {
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return;
    }
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let text = c.to_str().unwrap_or("");
        let secure = text.split(';').any(|a| a.trim().eq_ignore_ascii_case("secure"));
        let v = if secure {
            c
        } else {
            HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(c)
        };
        h.append(header::SET_COOKIE, v);
    }
}

/// Gives each request an id, logs it, and renders error responses as pages or JSON.
pub(crate) async fn request_context(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let id = new_request_id();
    let forwarded = state
        .config()
        .trust_proxy
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(|a| a.trim().to_string())
        })
        .flatten()
        .filter(|a| a.parse::<std::net::IpAddr>().is_ok());
    let address = forwarded.unwrap_or_else(|| {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default()
    });
    // The client's connection is HTTPS when we serve it (cookie_secure says we are behind
    // HTTPS) or a trusted proxy says so; its cookies are then `Secure`.
    let https = state.config().cookie_secure
        || (state.config().trust_proxy
            && req
                .headers()
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https")));
    let is_api = req.uri().path().starts_with("/api/");
    // The log keeps the query, except the CSRF token of multipart forms.
    let path_and_query = match req.uri().query() {
        Some(q) => {
            let kept: Vec<&str> = q.split('&').filter(|p| !p.starts_with("_csrf=")).collect();
            if kept.is_empty() {
                req.uri().path().to_string()
            } else {
                format!("{}?{}", req.uri().path(), kept.join("&"))
            }
        }
        None => req.uri().path().to_string(),
    };
    let method = req.method().clone();
    req.extensions_mut().insert(RequestCtx {
        id: id.clone(),
        address: address.clone(),
    });
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    // axum's own rejections (a malformed path, form or JSON) are plain English text:
    // answer them as our own refusal.
    if res.extensions().get::<ErrorInfo>().is_none()
        && res.status().is_client_error()
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"))
    {
        let status = res.status();
        let (title, message) = match status {
            StatusCode::PAYLOAD_TOO_LARGE => {
                ("Tệp quá lớn", "Nội dung gửi lên vượt quá dung lượng cho phép.")
            }
            StatusCode::NOT_FOUND => ("Không tìm thấy", "Trang hoặc dữ liệu được yêu cầu không tồn tại."),
            _ => (
                "Yêu cầu không hợp lệ",
                "Dữ liệu gửi lên không đúng định dạng. Vui lòng kiểm tra lại biểu mẫu hoặc địa chỉ trang.",
            ),
        };
        res = respond(status, info(title, message.to_string()));
    }
    let status = res.status();
    tracing::info!(request_id = %id, %method, path = %path_and_query, status = status.as_u16(), ms = started.elapsed().as_millis() as u64, %address);
    if let Some(info) = res.extensions_mut().remove::<ErrorInfo>() {
        // A fault of ours is logged here, once, under the request's id; a refusal's
        // English reason goes to the log at a lower level.
        match (&info.cause, status.is_server_error()) {
            (Some(cause), true) => tracing::error!(request_id = %id, %cause, "internal error"),
            (Some(cause), false) => tracing::info!(request_id = %id, %cause, "refused"),
            _ => {}
        }
        if info.sign_in && !is_api && method == axum::http::Method::GET {
            let target = format!(
                "/dang-nhap?tiep={}",
                percent_encoding::utf8_percent_encode(&path_and_query, percent_encoding::NON_ALPHANUMERIC)
            );
            res = Redirect::to(&target).into_response();
        } else if is_api {
            let body = serde_json::json!({"loi": info.title, "chi_tiet": info.message, "ma_yeu_cau": id});
            res = (status, axum::Json(body)).into_response();
        } else {
            let page = ErrorPage {
                title: info.title,
                message: &info.message,
                request_id: &id,
                status: status.as_u16(),
                sign_in: status == StatusCode::UNAUTHORIZED,
            };
            let html = page.render().unwrap_or_else(|_| info.message.clone());
            res = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    if https {
        secure_cookies(res.headers_mut());
    }
    let h = res.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.entry("content-security-policy").or_insert(HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
    ));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use thidua_ingest::FileError;
    use thidua_store::import::ImportError;

    fn info_of(e: AppError) -> (StatusCode, ErrorInfo) {
        let res = e.into_response();
        let info = res.extensions().get::<ErrorInfo>().cloned().expect("error info");
        (res.status(), info)
    }

    #[test]
    fn only_a_missing_session_sends_a_page_to_sign_in() {
        let (status, info) = info_of(AppError::NotSignedIn);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(info.sign_in);
        let (status, info) = info_of(AppError::BadCredentials);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(!info.sign_in, "wrong credentials stay on the form");
        assert!(
            !info_of(AppError::refused("Chưa đăng nhập")).1.sign_in,
            "not chosen by the wording"
        );
    }

    #[test]
    fn our_own_io_failure_is_a_500_with_its_cause_for_the_log_only() {
        let io = std::io::Error::other("disk gone");
        let (status, info) = info_of(ImportError::File(FileError::Io(io)).into());
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(info.cause.as_deref().is_some_and(|c| c.contains("disk gone")));
        assert!(
            !info.message.contains("disk gone"),
            "the page never shows the cause"
        );
    }

    #[test]
    fn a_refused_file_shows_the_vietnamese_and_logs_the_english() {
        let (status, info) = info_of(ImportError::File(FileError::NotUtf8At(7)).into());
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(info.message, "tệp CSV phải mã hóa UTF-8 (lỗi ở dòng 7)");
        assert_eq!(
            info.cause.as_deref(),
            Some("a CSV file must be UTF-8 encoded (bad bytes on line 7)")
        );
        let (_, info) = info_of(ImportError::NoRows.into());
        assert_eq!(info.message, "tệp không có dòng dữ liệu nào");
    }
}
