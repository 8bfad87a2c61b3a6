//! Accounts and permissions: Argon2id passwords, server-side sessions in the store (only a
//! hash of the cookie is kept), API bearer tokens, CSRF tokens, and the role extractors
//! that make each handler's required role visible in its signature.

use crate::error::{AppError, RequestCtx};
use crate::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::marker::PhantomData;
use thidua_app::credentials::{dummy_hash, random_token, same_secret, token_hash, verify_password};
use thidua_store::audit::Actor;
use thidua_store::users::UserRecord;

pub const SESSION_COOKIE: &str = "thidua_sid";
/// Before sign-in: a double-submit token for the sign-in form.
pub const PRE_COOKIE: &str = "thidua_pre";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

// --- roles --------------------------------------------------------------------------

pub use thidua_domain::role::Role;

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    /// The unit of a `don_vi` user: (id, code, name).
    pub unit: Option<(i64, String, String)>,
    /// The units directly below it (a district's communes): read, never written.
    pub children: Vec<i64>,
    /// The session's CSRF token (None for bearer tokens).
    pub csrf: Option<String>,
    pub session_hash: Option<String>,
    pub actor: Actor,
    /// What awaits the user (pages only: a session's user), for the navigation's counters.
    pub tasks: Vec<thidua_app::agenda::Task>,
}

impl User {
    fn from_record(
        u: UserRecord,
        csrf: Option<String>,
        session_hash: Option<String>,
        ctx: &RequestCtx,
    ) -> Option<User> {
        let role = Role::parse(&u.role)?;
        let unit = match (u.unit_id, u.unit_code, u.unit_name) {
            (Some(id), Some(code), Some(name)) => Some((id, code, name)),
            _ => None,
        };
        Some(User {
            id: u.id,
            actor: Actor {
                username: u.username.clone(),
                address: ctx.address.clone(),
                request_id: ctx.id.clone(),
            },
            username: u.username,
            full_name: u.full_name,
            role,
            unit,
            children: u.children,
            csrf,
            session_hash,
            tasks: Vec::new(),
        })
    }

    /// The roles of one unit: its reporter and its head.
    pub fn is_unit_role(&self) -> bool {
        self.role.is_unit_role()
    }

    /// The movement's officials read every unit. A unit's own people read only their unit;
    /// the administrator manages accounts and settings, not the movement's data.
    pub fn reads_all(&self) -> bool {
        self.role.reads_all()
    }

    /// A unit user may see only their own unit and the units below it (a district its
    /// communes): 403 otherwise.
    pub fn check_unit(&self, unit_id: i64) -> Result<(), AppError> {
        if self.reads_all()
            || self.unit.as_ref().is_some_and(|u| u.0 == unit_id)
            || self.children.contains(&unit_id)
        {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Only a unit's own `don_vi` users write its data (values, threads).
    pub fn check_own_unit(&self, unit_id: i64) -> Result<(), AppError> {
        if self.role == Role::DonVi && self.unit.as_ref().is_some_and(|u| u.0 == unit_id) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Only the reporter of the unit directly above (a commune's district) takes the
    /// proposing level's steps on a nomination; the plan decides whether there is one.
    pub fn check_proposer_of(&self, parent_code: Option<&str>) -> Result<(), AppError> {
        let mine = self.unit.as_ref().map(|u| u.1.as_str());
        if self.role == Role::DonVi && mine.is_some() && mine == parent_code {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Only the unit's own head signs off its submissions.
    pub fn check_own_head(&self, unit_id: i64) -> Result<(), AppError> {
        if self.role == Role::NguoiDungDau && self.unit.as_ref().is_some_and(|u| u.0 == unit_id) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn display_name(&self) -> &str {
        if self.full_name.is_empty() {
            &self.username
        } else {
            &self.full_name
        }
    }
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// The request's bearer token, honoured only under `/api/`: a token is for programs, and a
/// page request carrying one is treated as if it had none (its cookie, its CSRF check).
fn bearer(parts: &Parts) -> Option<&str> {
    if !parts.uri.path().starts_with("/api/") {
        return None;
    }
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A session's or a token's user as last read, for `current_user` to reuse.
#[derive(Clone)]
pub(crate) struct KeptUser {
    /// The probe's counts of commits (data file, sessions file) read before it was read.
    commits: (i64, i64),
    /// Reused only before this time (the store's `session_kept` / `user_by_token_kept`).
    until: i64,
    record: UserRecord,
    csrf: Option<String>,
    tasks: Vec<thidua_app::agenda::Task>,
}

/// At most this many users are kept; past it the map starts again.
const KEPT_USERS: usize = 4096;

/// The user of a request, from a bearer token or a session cookie; None when anonymous.
///
/// Every page and API call asks, so the answer is kept per token while the probe
/// connection shows no commit anywhere (a sign-out, a revoked token, a deactivated
/// account, a changed entry behind the counters: each is a commit) and until the
/// session's end or the minute after its use was last noted, when the store is asked
/// again and notes the use. Without the probe, the store is asked every time.
pub async fn current_user(parts: &Parts, state: &AppState) -> Result<Option<User>, AppError> {
    if let Some(u) = parts.extensions.get::<Option<User>>() {
        return Ok(u.clone());
    }
    let ctx = parts
        .extensions
        .get::<RequestCtx>()
        .cloned()
        .unwrap_or(RequestCtx {
            id: String::new(),
            address: String::new(),
        });
    let (hash, is_session) = if let Some(token) = bearer(parts) {
        (token_hash(token), false)
    } else if let Some(sid) = cookie(parts, SESSION_COOKIE) {
        (token_hash(sid), true)
    } else {
        return Ok(None);
    };
    let commits = state.both_commits_seen().await;
    let now = thidua_domain::time::DateTime::now_local().0;
    // A session's and a token's users are kept apart: a cookie's value sent as a bearer
    // token must not find the session.
    let key = format!("{}{hash}", if is_session { 's' } else { 't' });
    let kept = commits.and_then(|c| {
        let users = state.cache().users.lock().expect("cache lock");
        users
            .get(&key)
            .filter(|k| k.commits == c && now < k.until)
            .cloned()
    });
    let kept = match kept {
        Some(k) => Some(k),
        None => {
            let fresh = read_user(state, hash.clone(), is_session, commits.unwrap_or_default()).await?;
            if let (Some(_), Some(k)) = (commits, &fresh) {
                let mut users = state.cache().users.lock().expect("cache lock");
                if users.len() >= KEPT_USERS {
                    users.clear();
                }
                users.insert(key, k.clone());
            }
            fresh
        }
    };
    Ok(kept.and_then(|k| {
        let session_hash = is_session.then_some(hash);
        let mut user = User::from_record(k.record, k.csrf, session_hash, &ctx)?;
        user.tasks = k.tasks;
        Some(user)
    }))
}

/// A token's user, or a session's with what awaits them (a few counts), in one trip;
/// `commits` is what the probe read before it (kept with the answer).
async fn read_user(
    state: &AppState,
    hash: String,
    is_session: bool,
    commits: (i64, i64),
) -> Result<Option<KeptUser>, AppError> {
    if !is_session {
        let rec = state.db(move |s| Ok(s.user_by_token_kept(&hash)?)).await?;
        return Ok(rec.map(|(record, until)| KeptUser {
            commits,
            until,
            record,
            csrf: None,
            tasks: Vec::new(),
        }));
    }
    let ttl = state.config().session_ttl;
    state
        .db(move |s| {
            let Some((record, csrf, until)) = s.session_kept(&hash, ttl)? else {
                return Ok(None);
            };
            let unit = record.unit_id.zip(record.unit_code.as_deref());
            let tasks = match Role::parse(&record.role) {
                Some(role) => thidua_app::agenda::tasks(s, role, unit)?,
                None => Vec::new(),
            };
            Ok(Some(KeptUser {
                commits,
                until,
                record,
                csrf: Some(csrf),
                tasks,
            }))
        })
        .await
}

/// Any signed-in user, or the request is refused (401 / redirect to sign-in).
pub struct SignedIn(pub User);

/// A signed-in user or nobody (public pages, the sign-in page).
pub struct MaybeUser(pub Option<User>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let u = current_user(parts, state).await?;
        parts.extensions.insert(u.clone());
        Ok(MaybeUser(u))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        MaybeUser::from_request_parts(parts, state)
            .await?
            .0
            .map(SignedIn)
            .ok_or(AppError::NotSignedIn)
    }
}

/// A set of roles a route admits.
pub trait Roles: Send + Sync {
    const ROLES: &'static [Role];
}

/// A signed-in user whose role is in `R`; 403 otherwise. `Require<SoNoiVu>` in a handler's
/// signature says who may call it.
pub struct Require<R: Roles>(pub User, pub PhantomData<R>);

impl<R: Roles> FromRequestParts<AppState> for Require<R> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let SignedIn(u) = SignedIn::from_request_parts(parts, state).await?;
        if R::ROLES.contains(&u.role) {
            Ok(Require(u, PhantomData))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

macro_rules! roles {
    ($($(#[$m:meta])* $name:ident = [$($r:ident),*];)*) => {$(
        $(#[$m])*
        pub struct $name;
        impl Roles for $name {
            const ROLES: &'static [Role] = &[$(Role::$r),*];
        }
    )*};
}

roles! {
    /// Sở Nội vụ, the movement office: verifies entries, imports, answers difficulties.
    SoNoiVu = [SoNoiVu];
    /// Ban Thi đua - Khen thưởng, the Board: appraises nominations.
    BanTdkt = [BanTdkt];
    /// Lãnh đạo UBND tỉnh, the leaders: approve or reject appraised nominations.
    LanhDao = [LanhDao];
    /// Quản trị hệ thống, the administrator: accounts.
    QuanTri = [QuanTri];
    /// A unit's reporter (đầu mối): enters its values, opens its difficulty threads.
    DonVi = [DonVi];
    /// A unit's head: reads the unit, signs off its submissions.
    NguoiDungDau = [NguoiDungDau];
    /// The province's officials (office, Board, leaders): read every unit, see the
    /// ranking and the early warnings.
    Officials = [SoNoiVu, BanTdkt, LanhDao];
    /// Who reads the audit log.
    Auditors = [QuanTri, SoNoiVu];
    /// Who sets the movement up and keeps its settings: plans, the calendar, units and
    /// heads, the province name, the nomination deadline, publication.
    SetupKeepers = [QuanTri, SoNoiVu];
    /// Who imports files on the web: the office (every kind), a unit (its own values).
    Importers = [SoNoiVu, DonVi];
    /// Who may write in a difficulty thread as the province (answer, escalate, close).
    ThreadAnswerers = [SoNoiVu, LanhDao];
}

// --- CSRF ---------------------------------------------------------------------------

/// Refuses every state-changing request that lacks its CSRF token. A session's forms carry
/// `_csrf` (an urlencoded body, or the first field of a multipart body); scripts send the
/// `X-CSRF-Token` header; bearer-token API clients need none; the sign-in form's token must
/// match the `thidua_pre` cookie (double submit); other anonymous requests go on to their
/// handler, whose extractor refuses them with 401. `POST /api/v1/session` with a
/// JSON body is exempt: browsers cannot send JSON across sites without CORS, which we
/// never allow.
pub(crate) async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    if bearer(&parts).is_some() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if parts.method == Method::POST
        && parts.uri.path() == "/api/v1/session"
        && content_type.starts_with("application/json")
    {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let expected = match current_user(&parts, &state).await {
        Ok(Some(u)) => {
            parts.extensions.insert(Some(u.clone()));
            u.csrf
        }
        Ok(None) if parts.uri.path() == "/dang-nhap" => {
            parts.extensions.insert(None::<User>);
            cookie(&parts, PRE_COOKIE).map(str::to_string)
        }
        // Anonymous requests elsewhere change nothing: the handler's extractor answers 401
        // (or the sign-in redirect).
        Ok(None) => {
            parts.extensions.insert(None::<User>);
            return next.run(Request::from_parts(parts, body)).await;
        }
        Err(e) => return e.into_response(),
    };
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return AppError::Csrf.into_response();
    };
    let from_header = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(t) = from_header {
        if same_secret(&t, &expected) {
            return next.run(Request::from_parts(parts, body)).await;
        }
        return AppError::Csrf.into_response();
    }
    if content_type.starts_with("multipart/form-data") {
        // The token is the form's first field, read before anything else of the body (so
        // it never sits in a URL, a log or a browser's history); the rest streams on.
        let Some(boundary) = multipart_boundary(&content_type) else {
            return AppError::Csrf.into_response();
        };
        use futures_util::StreamExt;
        let (head, rest) = match first_part(body, &boundary).await {
            Ok(x) => x,
            Err(e) => return e.into_response(),
        };
        if multipart_token(&head, &boundary).is_some_and(|t| same_secret(&t, &expected)) {
            let stream = futures_util::stream::once(async move { Ok::<_, axum::Error>(head) })
                .chain(rest.into_data_stream());
            return next
                .run(Request::from_parts(parts, axum::body::Body::from_stream(stream)))
                .await;
        }
        return AppError::Csrf.into_response();
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = match axum::body::to_bytes(body, crate::SMALL_BODY).await {
            Ok(b) => b,
            Err(e) => return AppError::body(&e, "Không đọc được biểu mẫu").into_response(),
        };
        if form_field(&bytes, CSRF_FIELD).is_some_and(|t| same_secret(&t, &expected)) {
            return next
                .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await;
        }
    }
    AppError::Csrf.into_response()
}

/// The boundary of a `multipart/form-data` content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// The longest first part a form may send before its CSRF token has been read.
const CSRF_PREFIX: usize = 4096;

/// Reads the body until the first part is whole (its closing boundary seen) or
/// `CSRF_PREFIX` bytes: what was read, and the body's remainder.
async fn first_part(
    body: axum::body::Body,
    boundary: &str,
) -> Result<(axum::body::Bytes, axum::body::Body), AppError> {
    use http_body_util::BodyExt;
    let close = format!("\r\n--{boundary}");
    let mut body = body;
    let mut head = Vec::new();
    while head.len() < CSRF_PREFIX {
        let Some(frame) = body.frame().await else { break };
        let frame = frame.map_err(|e| AppError::body(&e, "Không đọc được biểu mẫu"))?;
        if let Ok(data) = frame.into_data() {
            head.extend_from_slice(&data);
            // the closing boundary of the first part: after the opening one
            if head
                .windows(close.len())
                .skip(2 + boundary.len())
                .any(|w| w == close.as_bytes())
            {
                break;
            }
        }
    }
    Ok((head.into(), body))
}

/// The value of the first part of a multipart body when that part is the `_csrf` field.
fn multipart_token(head: &[u8], boundary: &str) -> Option<String> {
    let text = std::str::from_utf8(head.get(..head.len().min(CSRF_PREFIX))?)
        .ok()
        .or_else(|| {
            // the rest of the prefix may be a file's bytes: the token part is ASCII and first
            let end = head.iter().position(|b| !b.is_ascii()).unwrap_or(head.len());
            std::str::from_utf8(&head[..end]).ok()
        })?;
    let text = text.strip_prefix(&format!("--{boundary}\r\n"))?;
    let (headers, rest) = text.split_once("\r\n\r\n")?;
    let named = headers.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("content-disposition:") && l.contains(&format!("name=\"{CSRF_FIELD}\""))
    });
    let (value, _) = rest.split_once(&format!("\r\n--{boundary}"))?;
    named.then(|| value.trim().to_string())
}

/// One field of an urlencoded form.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    body.split(|b| *b == b'&').find_map(|pair| {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = it.next()?;
        let v = it.next().unwrap_or(b"");
        (k == name.as_bytes()).then(|| {
            percent_encoding::percent_decode(v)
                .decode_utf8_lossy()
                .replace('+', " ")
        })
    })
}

// --- sign-in ------------------------------------------------------------------------

/// Checks a password with throttling per account and per address (`throttle_attempt`
/// counts every attempt before the check, so parallel guesses count too). The password is
/// checked before a failure can lock the account, and a success clears both counts; an
/// address is slowed down, never locked. One answer for an unknown user and a wrong
/// password, in the same time (unknown names are counted and locked like real ones).
pub async fn check_password(
    state: &AppState,
    ctx: &RequestCtx,
    username: &str,
    password: &str,
) -> Result<UserRecord, AppError> {
    use thidua_store::users::Gate;
    let username = username.trim().to_string();
    let (account_key, address_key) = (
        format!("u:{}", username.to_lowercase()),
        format!("ip:{}", ctx.address),
    );
    let (k1, k2) = (account_key.clone(), address_key.clone());
    match state.db(move |s| Ok(s.throttle_attempt(&k1, &k2)?)).await? {
        Gate::Locked(until) => {
            tracing::warn!(username = %username, address = %ctx.address, "sign-in refused: account locked");
            return Err(AppError::Throttled(thidua_domain::time::DateTime(until).vi()));
        }
        Gate::Go { delay_ms } => {
            let delay = std::time::Duration::from_millis(delay_ms).min(state.config().sign_in_max_delay);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }
    let name = username.clone();
    let user = state.db(move |s| Ok(s.user_by_name(&name)?)).await?;
    let password = password.to_string();
    let ok = match &user {
        Some(u) if u.active => {
            let phc = u.password_hash.clone();
            tokio::task::spawn_blocking(move || verify_password(&password, &phc))
                .await
                .unwrap_or(false)
        }
        _ => {
            tokio::task::spawn_blocking(move || verify_password(&password, dummy_hash()))
                .await
                .ok();
            false
        }
    };
    match user.filter(|_| ok) {
        Some(user) => {
            state
                .db(move |s| Ok(s.throttle_success(&account_key, &address_key)?))
                .await?;
            Ok(user)
        }
        None => {
            state.db(move |s| Ok(s.throttle_failure(&account_key)?)).await?;
            tracing::warn!(username = %username, address = %ctx.address, "failed sign-in");
            Err(AppError::BadCredentials)
        }
    }
}

/// Checks credentials and creates a session; returns its cookie value.
pub async fn sign_in(
    state: &AppState,
    ctx: &RequestCtx,
    username: &str,
    password: &str,
) -> Result<String, AppError> {
    let user = check_password(state, ctx, username, password).await?;
    let token = random_token();
    let (hash, csrf, ttl) = (token_hash(&token), random_token(), state.config().session_ttl);
    let actor = Actor {
        username: user.username.clone(),
        address: ctx.address.clone(),
        request_id: ctx.id.clone(),
    };
    // The sessions file only: a sign-in never waits on an import. The sign-in enters the
    // audit chain right after, in the background.
    state
        .db(move |s| Ok(s.create_session(&actor, &hash, user.id, &csrf, ttl)?))
        .await?;
    state.flush_account_events_soon();
    Ok(token)
}

/// `Set-Cookie` for the session (or to clear it with `None`). `request_context` adds
/// `Secure` whenever the client's connection is HTTPS.
pub fn session_cookie(_state: &AppState, token: Option<&str>) -> String {
    match token {
        // No Max-Age: the server's sliding expiry decides; the cookie ends with the browser.
        Some(t) => format!("{SESSION_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax"),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    }
}

pub fn pre_cookie(_state: &AppState, token: &str) -> String {
    format!("{PRE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600")
}

pub fn pre_token(parts_headers: &axum::http::HeaderMap) -> Option<String> {
    parts_headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == PRE_COOKIE && v.len() == 64).then(|| v.to_string())
        })
}
