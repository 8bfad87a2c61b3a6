use super::open;
use crate::Cli;
use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;
use thidua_domain::calendar;
use thidua_domain::plan::{Plan, BUILT_IN_2023};
use thidua_store::audit::Actor;
use thidua_store::users::NewUser;

/// `settings`: (key, value given on the command line, what it is) for the document settings.
pub fn run(cli: &Cli, plan_file: Option<&Path>, settings: &[(&str, Option<&str>, &str)]) -> Result<ExitCode> {
    let source = match plan_file {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("không đọc được / cannot read {}", p.display()))?,
        None => BUILT_IN_2023.to_string(),
    };
    let plan = match Plan::from_toml(&source) {
        Ok(p) => p,
        Err(errs) => {
            return Ok(super::plan::print_plan_errors(
                plan_file.unwrap_or(Path::new("(built-in)")),
                &errs,
            ))
        }
    };
    let mut store = open(cli)?;
    store.put_plan(&plan, &source)?;
    if store.calendar_days()?.is_empty() {
        store.put_calendar(&calendar::parse_csv(calendar::BUILT_IN_CSV)?)?;
    }
    println!("Đã nạp kế hoạch «{}» ({}) / plan loaded", plan.code, plan.title);
    for &(key, value, what) in settings {
        if let Some(v) = value.map(str::trim) {
            if v.is_empty() || v.chars().count() > 120 {
                anyhow::bail!("{what}: cần 1–120 ký tự / 1 to 120 characters");
            }
            store.set_setting(&Actor::cli(), key, v)?;
            println!("Đã đặt {what}: {v}");
        }
    }
    if store
        .setting(thidua_app::award::PROVINCE_KEY)?
        .is_none_or(|p| p.trim().is_empty())
    {
        println!("Chưa đặt tên tỉnh: văn bản sẽ bị từ chối cho đến khi đặt (--province hoặc trang Cài đặt) / no province set: documents are refused until it is");
    }
    if store.user_count()? == 0 {
        let password = super::user::random_password()?;
        let hash = super::user::hash(&password)?;
        store.create_user(
            &Actor::cli(),
            &NewUser {
                username: "admin",
                full_name: "Quản trị hệ thống",
                password_hash: &hash,
                role: "quan_tri",
                unit: None,
            },
        )?;
        println!("Tài khoản quản trị / admin account: admin");
        println!("Mật khẩu (chỉ hiện một lần) / password (shown once): {password}");
    }
    Ok(ExitCode::SUCCESS)
}
