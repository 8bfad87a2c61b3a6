//! `thidua serve` and `thidua demo`: the web application.

use crate::Cli;
use anyhow::{anyhow, Result};
use clap::Args;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use thidua_web::{AppState, Config};

/// A line for whoever started the server; a closed stdout (a supervisor, a closed terminal)
/// must not stop a running server, so write errors are ignored.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Send the session cookie over plain HTTP too (a LAN without HTTPS). By default the
    /// cookie is `Secure` unless the server listens on a loopback address.
    #[arg(long)]
    insecure_cookies: bool,
    /// Largest evidence file in MB.
    #[arg(long, default_value_t = 10)]
    max_upload_mb: usize,
    /// Behind a reverse proxy: take the client's address from X-Forwarded-For, and mark
    /// cookies `Secure` when X-Forwarded-Proto says the client connected over HTTPS.
    #[arg(long)]
    trust_proxy: bool,
}

fn config(cli: &Cli, a: &ServeArgs, data_dir: std::path::PathBuf, database_url: Option<String>) -> Config {
    let mut c = Config::new(data_dir, database_url);
    c.cookie_secure = !a.insecure_cookies && !a.listen.ip().is_loopback();
    c.max_upload = a.max_upload_mb * 1024 * 1024;
    c.trust_proxy = a.trust_proxy;
    let _ = cli;
    c
}

pub fn serve(cli: &Cli, a: &ServeArgs) -> Result<ExitCode> {
    let cfg = config(cli, a, cli.data_dir.clone(), cli.database_url.clone());
    let secure = cfg.cookie_secure;
    let state = AppState::open(cfg).map_err(|e| anyhow!("{e}"))?;
    thidua_web::serve_blocking(state, a.listen, |addr| {
        say(&format!("Thi Đua đang chạy tại / serving at http://{addr}/"));
        if secure {
            say("Cookie phiên có cờ Secure: hãy đặt máy chủ sau HTTPS, hoặc dùng --insecure-cookies trong mạng nội bộ / session cookies are Secure: serve behind HTTPS or pass --insecure-cookies");
        }
        say("Nhấn Ctrl-C để dừng / press Ctrl-C to stop");
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn demo(cli: &Cli, a: &ServeArgs) -> Result<ExitCode> {
    let dir = tempfile::Builder::new().prefix("thidua-demo-").tempdir()?;
    say(&format!(
        "Đang tạo tỉnh trình diễn / building the demo province in {} …",
        dir.path().display()
    ));
    let password = crate::cmd::user::random_password()?;
    let accounts = thidua_app::demo::prepare(dir.path(), &password).map_err(|e| anyhow!("{e}"))?;
    let cfg = config(cli, a, dir.path().to_path_buf(), None);
    let state = AppState::open(cfg).map_err(|e| anyhow!("{e}"))?;
    thidua_web::serve_blocking(state, a.listen, |addr| {
        say(&format!(
            "Thi Đua (bản trình diễn) đang chạy tại / demo serving at http://{addr}/"
        ));
        say(&format!(
            "Tài khoản trình diễn / demo accounts (mật khẩu chung / shared password: {password}):"
        ));
        for acc in &accounts {
            say(&format!(
                "  {:<10} {:<10} {}",
                acc.username,
                acc.role,
                acc.unit.unwrap_or("")
            ));
        }
        say("Dữ liệu tạm bị xóa khi dừng / the temporary data is removed on exit. Ctrl-C để dừng / to stop.");
    })?;
    drop(dir);
    Ok(ExitCode::SUCCESS)
}
