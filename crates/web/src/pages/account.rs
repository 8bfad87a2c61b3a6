//! Sign-in, sign-out and password change.

use super::{page, Chrome};
use crate::auth::{self, MaybeUser, SignedIn};
use crate::error::RequestCtx;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use thidua_app::credentials::password_problem;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dang-nhap", get(sign_in_form).post(sign_in))
        .route("/dang-xuat", post(sign_out))
        .route("/mat-khau", get(password_form).post(change_password))
        .route("/tai-khoan/thu-dien-tu", axum::routing::post(save_email))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    tiep: Option<String>,
}

/// Only a path of this site: never `//host` or `https://…` (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n[1..].starts_with(['/', '\\'])
                && !n
                    .chars()
                    .any(|c| c.is_control() || c == '\\' || c.is_whitespace())
                && n.parse::<axum::http::Uri>()
                    .is_ok_and(|u| u.scheme().is_none() && u.authority().is_none()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        assert_eq!(safe_next(Some("/don-vi/H01?nam=2023")), "/don-vi/H01?nam=2023");
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "/\t/evil.com",
            "/\n",
            "https://evil.com",
            "evil.com",
            "/%0a",
            "/a b",
        ] {
            let expect = if bad == "/%0a" { "/%0a" } else { "/" };
            assert_eq!(safe_next(Some(bad)), expect, "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

async fn sign_in_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    if user.is_some() {
        return Ok(Redirect::to(&safe_next(q.tiep.as_deref())).into_response());
    }
    let token = auth::pre_token(&headers).unwrap_or_else(thidua_app::credentials::random_token);
    let body = page(&LoginPage {
        c: Chrome::anonymous(),
        csrf: token.clone(),
        next: safe_next(q.tiep.as_deref()),
        username: String::new(),
        error: None,
    })?;
    Ok(([(header::SET_COOKIE, auth::pre_cookie(&state, &token))], body).into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    tiep: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    match auth::sign_in(&state, &ctx, &f.username, &f.password).await {
        Ok(token) => Ok((
            [(header::SET_COOKIE, auth::session_cookie(&state, Some(&token)))],
            Redirect::to(&safe_next(f.tiep.as_deref())),
        )
            .into_response()),
        Err(e @ (AppError::BadCredentials | AppError::Throttled(_))) => {
            let (status, message) = match &e {
                AppError::Throttled(until) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {until}."),
                ),
                _ => (
                    StatusCode::UNAUTHORIZED,
                    "Tên đăng nhập hoặc mật khẩu không đúng.".to_string(),
                ),
            };
            let csrf = auth::pre_token(&headers).unwrap_or_default();
            let body = page(&LoginPage {
                c: Chrome::anonymous(),
                csrf,
                next: safe_next(f.tiep.as_deref()),
                username: f.username,
                error: Some(message),
            })?;
            Ok((status, body).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn sign_out(State(state): State<AppState>, SignedIn(user): SignedIn) -> Result<Response, AppError> {
    if let Some(hash) = user.session_hash.clone() {
        let actor = user.actor.clone();
        state
            .db(move |s| Ok(s.delete_session(&hash, Some(&actor))?))
            .await?;
        state.flush_account_events_soon();
    }
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&state, None))],
        Redirect::to("/dang-nhap"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    error: Option<String>,
    /// The account's address for notices, as stored or as typed.
    email: String,
    email_error: Option<String>,
}

/// The account's stored address.
async fn email_of(state: &AppState, id: i64) -> Result<String, AppError> {
    Ok(state
        .db(move |s| Ok(s.user_by_id(id)?))
        .await?
        .map(|u| u.email)
        .unwrap_or_default())
}

#[derive(Deserialize)]
struct FlashQuery {
    tb: Option<String>,
}

async fn password_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    page(&PasswordPage {
        email: email_of(&state, user.id).await?,
        c: Chrome::new(&user, "/mat-khau").with_flash(q.tb.as_deref()),
        error: None,
        email_error: None,
    })
}

#[derive(Deserialize)]
struct EmailForm {
    email: String,
}

/// The user's own address for notices and reminders (blank: none), audited.
async fn save_email(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Form(f): Form<EmailForm>,
) -> Result<Response, AppError> {
    match thidua_app::mail::check_address(&f.email) {
        Ok(address) => {
            let (actor, id) = (user.actor.clone(), user.id);
            state
                .db(move |s| Ok(s.set_user_email(&actor, id, &address)?))
                .await?;
            Ok(Redirect::to("/mat-khau?tb=da_luu_email").into_response())
        }
        Err(e) => {
            let body = page(&PasswordPage {
                c: Chrome::new(&user, "/mat-khau"),
                error: None,
                email: f.email.chars().take(300).collect(),
                email_error: Some(e),
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    SignedIn(user): SignedIn,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let problem = if let Some(m) = password_problem(&f.new, &user.username) {
        Some(m.vi)
    } else if f.new != f.confirm {
        Some("Nhập lại mật khẩu mới không khớp.".to_string())
    } else if f.new == f.current {
        Some("Mật khẩu mới phải khác mật khẩu hiện tại.".to_string())
    } else {
        None
    };
    let id = user.id;
    // The current password is checked with the sign-in's throttling.
    let problem = match auth::check_password(&state, &ctx, &user.username, &f.current).await {
        Ok(_) => problem,
        Err(AppError::BadCredentials) => Some("Mật khẩu hiện tại không đúng.".to_string()),
        Err(e) => return Err(e),
    };
    if let Some(error) = problem {
        let body = page(&PasswordPage {
            email: email_of(&state, user.id).await?,
            c: Chrome::new(&user, "/mat-khau"),
            error: Some(error),
            email_error: None,
        })?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let hash = tokio::task::spawn_blocking(move || thidua_app::credentials::hash_password(&f.new))
        .await
        .map_err(|e| AppError::internal(e.to_string()))??;
    let (actor, keep) = (user.actor.clone(), user.session_hash.clone());
    state
        .db(move |s| Ok(s.set_password(&actor, id, &hash, keep.as_deref())?))
        .await?;
    Ok(Redirect::to("/mat-khau?tb=da_doi_mat_khau").into_response())
}
