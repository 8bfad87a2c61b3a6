//! The web application of Thi Đua: server-rendered pages in Vietnamese (askama templates,
//! checked at build time), forms that work without JavaScript, and the JSON API of
//! FORMATS.md. The store is synchronous (rusqlite); handlers run store work on the blocking
//! pool through `AppState::db`, each call on a pooled connection.
//!
//! Every permission is checked on the server: the role extractors in `auth` make a
//! handler's required role part of its signature, and every handler that takes a unit
//! checks it against the signed-in user (`User::check_unit`).

// Only the dossier hot path (thidua-ingest) needs `unsafe`.
#![forbid(unsafe_code)]

pub mod api;
mod api_award;
mod api_entries;
pub mod auth;
mod cache;
mod error;
mod pages;
mod svg;
mod table;
mod upload;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thidua_store::Store;

pub use error::AppError;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data folder: attachments and staged uploads (and the database unless `database_url`).
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// Every client connects over HTTPS: mark cookies `Secure` always (on unless serving
    /// plain HTTP on a loopback address, or `--insecure-cookies`).
    pub cookie_secure: bool,
    /// Largest evidence file, in bytes.
    pub max_upload: usize,
    /// Largest import file on the web, in bytes.
    pub max_import: usize,
    /// Session lifetime without activity, in seconds.
    pub session_ttl: i64,
    /// Behind a reverse proxy: the client's address is the last one in `X-Forwarded-For`
    /// (for sign-in throttling and the audit log), and the connection is HTTPS when the last
    /// `X-Forwarded-Proto` says `https` (cookies are then `Secure`). Off: the connection's
    /// address, and both headers are ignored.
    pub trust_proxy: bool,
    /// The longest an address's sign-in slowdown makes an attempt wait (tests shorten it).
    pub sign_in_max_delay: std::time::Duration,
    /// A client must send a request's whole header within this time, or its connection is
    /// closed (slow clients holding connections open).
    pub header_read_timeout: Duration,
    /// A request body that sends nothing for this long fails (408) and its connection
    /// closes.
    pub body_read_timeout: Duration,
    /// Connections served at once; further clients wait in the listen queue.
    pub max_connections: usize,
    /// How often the mail worker queues the day's reminders and sends what waits.
    pub mail_interval: Duration,
}

impl Config {
    pub fn new(data_dir: PathBuf, database_url: Option<String>) -> Config {
        Config {
            data_dir,
            database_url,
            cookie_secure: true,
            max_upload: 10 * 1024 * 1024,
            max_import: 512 * 1024 * 1024,
            session_ttl: 8 * 3600,
            trust_proxy: false,
            sign_in_max_delay: std::time::Duration::from_millis(
                thidua_store::users::THROTTLE_ADDRESS_MAX_DELAY_MS,
            ),
            header_read_timeout: Duration::from_secs(15),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1024,
            mail_interval: Duration::from_secs(60),
        }
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    pool: Mutex<Vec<Store>>,
    /// One permit per pooled connection: a request waits for a connection rather than
    /// open one of its own (opening reads the schema and costs more than most pages).
    slots: tokio::sync::Semaphore,
    cache: cache::EvalCache,
    /// A task is writing account events into the audit chain / another was asked for.
    flushing: std::sync::atomic::AtomicBool,
    flush_again: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// Opens the store once to run its migrations and check it is initialised.
    pub fn open(config: Config) -> Result<AppState, AppError> {
        // On a thread of its own: PostgreSQL's synchronous client cannot connect from inside
        // an async runtime (a caller may be one).
        let (store, initialised) = std::thread::scope(|s| {
            s.spawn(|| -> Result<(Store, bool), AppError> {
                let store = open_store(&config)?;
                let initialised = store.is_initialised()?;
                Ok((store, initialised))
            })
            .join()
        })
        .map_err(|_| AppError::internal("opening the store panicked"))??;
        if !initialised {
            return Err(AppError::Startup(
                "kho dữ liệu chưa được khởi tạo — hãy chạy `thidua init` trước / the store is not initialised: run `thidua init` first".into(),
            ));
        }
        for dir in ["attachments", "uploads"] {
            std::fs::create_dir_all(config.data_dir.join(dir)).map_err(|e| {
                AppError::Startup(format!("không tạo được thư mục {dir} / cannot create {dir}: {e}"))
            })?;
        }
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                pool: Mutex::new(vec![store]),
                slots: tokio::sync::Semaphore::new(POOL_SIZE),
                cache: cache::EvalCache::default(),
                flushing: Default::default(),
                flush_again: Default::default(),
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Runs `f` on a pooled store connection on the blocking thread pool.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, AppError> + Send + 'static,
    {
        let state = self.clone();
        let permit = self
            .inner
            .slots
            .acquire()
            .await
            .map_err(|_| AppError::internal("the connection pool is closed"))?;
        let out = tokio::task::spawn_blocking(move || {
            let taken = state.inner.pool.lock().expect("pool lock").pop();
            let mut store = match taken {
                Some(s) => s,
                None => open_store(&state.inner.config)?,
            };
            let out = f(&mut store);
            state.inner.pool.lock().expect("pool lock").push(store);
            out
        })
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?;
        drop(permit);
        out
    }

    /// Writes the sign-ins and sign-outs noted in the sessions file into the audit chain,
    /// in the background (it waits for the data file's write lock, which an import may
    /// hold): one task at a time, which runs again when asked while it ran.
    pub fn flush_account_events_soon(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        self.inner.flush_again.store(true, SeqCst);
        if self.inner.flushing.swap(true, SeqCst) {
            return;
        }
        let state = self.clone();
        tokio::spawn(async move {
            while state.inner.flush_again.swap(false, SeqCst) {
                state.flush_account_events().await;
            }
            state.inner.flushing.store(false, SeqCst);
            // Asked for between the last run and the flag's release: run again.
            if state.inner.flush_again.load(SeqCst) {
                state.flush_account_events_soon();
            }
        });
    }

    /// Writes the waiting account events into the audit chain now (a failure is logged;
    /// the events wait for the next try).
    pub async fn flush_account_events(&self) {
        match self.db(|s| Ok(s.flush_account_events()?)).await {
            Ok(n) if n > 0 => tracing::debug!(written = n, "account events written into the audit log"),
            Ok(_) => {}
            // another writer (an import) holds the data file: the next run writes them
            Err(AppError::Refused(m)) => tracing::debug!("account events wait for the audit log: {}", m.en),
            Err(e) => tracing::warn!("account events wait for the audit log: {e}"),
        }
    }

    /// Sweeps the data folder's files that no record refers to and that are at least
    /// `min_age` old (`upload::sweep_orphans`); returns how many went.
    pub async fn sweep_orphan_files(&self, min_age: Duration) -> Result<usize, AppError> {
        let referenced = self.db(|s| Ok(s.stored_file_names()?)).await?;
        let names = referenced.clone();
        let stored = self.db(move |s| Ok(s.sweep_files(&names, min_age)?)).await?;
        let dir = self.config().data_dir.clone();
        let staged = tokio::task::spawn_blocking(move || upload::sweep_orphans(&dir, &referenced, min_age))
            .await
            .map_err(|e| AppError::internal(format!("sweep: {e}")))?
            .map_err(|e| AppError::internal(format!("sweep: {e}")))?;
        if stored > 0 {
            tracing::info!(swept = stored, "swept stored files no record refers to");
        }
        Ok(stored + staged)
    }

    /// How many evaluations this server has computed (the rest were served from the cache).
    pub fn evaluations_computed(&self) -> u64 {
        self.inner
            .cache
            .computed
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn cache(&self) -> &cache::EvalCache {
        &self.inner.cache
    }
}

fn open_store(config: &Config) -> Result<Store, AppError> {
    Ok(match &config.database_url {
        Some(url) => Store::open_url(url)?,
        None => Store::open_dir(&config.data_dir)?,
    })
}

/// The cache's probe on SQLite, asked from async code (a PRAGMA of microseconds); on
/// PostgreSQL the probe is an ordinary store read on a blocking thread
/// (`Cache::both_commits_seen`).
pub(crate) fn open_probe(config: &Config) -> Result<Store, AppError> {
    Ok(Store::open_dir(&config.data_dir)?)
}

/// How old a file no record refers to must be before it is swept: longer than any upload's
/// transaction.
pub const ORPHAN_AGE: Duration = Duration::from_secs(15 * 60);

/// Connections to the store kept open, and database calls running at once (a write waiting
/// on an import holds one for up to the busy timeout: 16 leave room for the readers).
pub const POOL_SIZE: usize = 16;

/// The largest body of a form or JSON request (uploads have their own limits).
pub const SMALL_BODY: usize = 256 * 1024;

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let cfg = state.config().clone();
    pages::routes(&cfg)
        .merge(api::routes(&cfg))
        .merge(api_award::routes(&cfg))
        .merge(api_entries::routes(&cfg))
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/readyz", axum::routing::get(readyz))
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_guard,
        ))
        // A bug that panics still answers with the error page (and its request id).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::request_context,
        ))
        // Small bodies everywhere; the upload routes set their own, larger limits.
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        // A body that stalls fails its read (and the request), so its connection closes.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            cfg.body_read_timeout,
        ))
        .with_state(state)
}

/// Ready when the database answers (a read of the plans, within 5 s): 200 "ok", else 503.
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    use axum::http::StatusCode;
    let check = state.db(|s| Ok(s.is_initialised()?));
    match tokio::time::timeout(Duration::from_secs(5), check).await {
        Ok(Ok(true)) => (StatusCode::OK, "ok"),
        Ok(Ok(false)) => (StatusCode::SERVICE_UNAVAILABLE, "not initialised"),
        Ok(Err(e)) => {
            tracing::warn!("readiness: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database timeout"),
    }
}

/// Serves until Ctrl-C. `ready` hears the bound address (port 0 picks a free one).
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    // The audit chain's head goes to the log (kept apart from the database): an anchor
    // for `thidua audit verify --anchor`.
    match state.db(|s| Ok(s.verify_chain(None)?)).await {
        Ok(r) if r.is_intact() => tracing::info!(
            head = %format!("{}:{}", r.head.0, r.head.1),
            "{}",
            r.message().en
        ),
        Ok(r) => tracing::error!("{}", r.message().en),
        Err(e) => tracing::error!("audit chain: {e}"),
    }
    serve_until(state, listen, ready, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves HTTP/1.1 until `shutdown` completes, then lets the open connections finish.
/// Each connection must send its request headers within `Config::header_read_timeout`
/// (hyper's header read timeout); request bodies time out in `router`.
pub async fn serve_until(
    state: AppState,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let listener = tokio::net::TcpListener::bind(listen).await?;
    ready(listener.local_addr()?);
    let cfg = state.config().clone();
    let state_for_end = state.clone();
    // Account events left by an earlier run, and any a busy moment kept waiting.
    let flusher = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            for tick in 0u64.. {
                every.tick().await;
                state.flush_account_events_soon();
                // at start, then hourly: files a killed server wrote without their record
                if tick % 720 == 0 {
                    if let Err(e) = state.sweep_orphan_files(ORPHAN_AGE).await {
                        tracing::warn!("{e}");
                    }
                }
            }
        })
    };
    let mailer = tokio::spawn(mail_worker(state.clone()));
    let app = router(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(cfg.max_connections.max(1)));
    // Closed when the server stops: each connection then finishes its request and closes.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("semaphore never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(remote));
            let mut app = app.clone();
            async move { tower_service::Service::call(&mut app, req.map(axum::body::Body::new)).await }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(cfg.header_read_timeout);
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!("connection from {remote}: {e}");
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
            drop(stop);
        });
    }
    drop(listener);
    drop(stop_rx);
    // Wake every connection, then wait until they have all dropped their receivers.
    let _ = stop_tx.send(());
    stop_tx.closed().await;
    flusher.abort();
    mailer.abort();
    // What the last requests noted goes into the chain before the server stops.
    state_for_end.flush_account_events().await;
    Ok(())
}

/// Every `Config::mail_interval`: queues the reminders of the coming deadlines (each once
/// per account, however often this runs) and sends the messages that wait, up to 50 a
/// round. Nothing here fails a page: errors are logged and tried again next round.
async fn mail_worker(state: AppState) {
    let mut every = tokio::time::interval(state.config().mail_interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let today = thidua_domain::time::DateTime::now_local().date();
        if let Ok(plan) = state.plan(None).await {
            match state
                .db(move |s| Ok(thidua_app::mail::queue_reminders(s, &plan, today)?))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} deadline reminders queued"),
                Err(e) => tracing::warn!("reminders: {e}"),
            }
        }
        let now = thidua_domain::time::DateTime::now_local().0;
        match state
            .db(move |s| Ok(thidua_app::mail::deliver(s, now, 50, thidua_app::mail::send)?))
            .await
        {
            Ok(r) if r.failed > 0 => tracing::warn!(sent = r.sent, failed = r.failed, "mail round"),
            Ok(r) if r.sent > 0 => tracing::info!(sent = r.sent, "mail round"),
            Ok(_) => {}
            Err(e) => tracing::warn!("mail: {e}"),
        }
    }
}

/// Runs the server on its own runtime until Ctrl-C (for the command line).
pub fn serve_blocking(
    state: AppState,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(state, listen, ready))
}
