use super::open;
use crate::Cli;
use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;
use thidua_domain::calendar;
use thidua_domain::plan::{Plan, BUILT_IN_2023};
use thidua_store::audit::Actor;
use thidua_store::users::NewUser;

pub fn run(cli: &Cli, plan_file: Option<&Path>) -> Result<ExitCode> {
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
