//! The administrator's setup (PRODUCT.md: units, plans, calendar): plans checked with
//! their line numbers and loaded; the calendar of days off and make-up working days; units
//! and heads edited on screen. An edit on screen is a one-row import through the same
//! validation as a file (tiers, parents, overlapping terms), in one transaction, audited.
//!
//! Each submodule owns its routes; the notice query and the file upload that plans and
//! the calendar both read live here.

mod calendar;
mod plans;
mod units;

use crate::{AppError, AppState};
use axum::extract::Multipart;
use axum::Router;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(plans::routes())
        .merge(calendar::routes())
        .merge(units::routes())
}

#[derive(Deserialize)]
struct FlashQuery {
    tb: Option<String>,
    nam: Option<i32>,
}

/// Reads the uploaded file and the chosen action (`kiem_tra` or `nap`).
async fn file_and_action(mut mp: Multipart) -> Result<(String, String), AppError> {
    let (mut text, mut action) = (String::new(), String::new());
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::multipart(e, "Không đọc được biểu mẫu"))?
    {
        match field.name().unwrap_or("") {
            "tep" => {
                let bytes = crate::upload::read_limited(&mut field, 2 * 1024 * 1024)
                    .await?
                    .ok_or_else(|| AppError::TooLarge("Tệp vượt quá 2 MB.".into()))?;
                text = String::from_utf8(bytes)
                    .map_err(|_| AppError::refused("Tệp không phải văn bản UTF-8."))?;
            }
            "hanh_dong" => action = crate::upload::small_text(field).await?,
            _ => {}
        }
    }
    Ok((text, action))
}
