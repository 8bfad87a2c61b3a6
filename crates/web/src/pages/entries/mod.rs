//! Entered values: a unit enters a value per period with a note and evidence files, saves
//! a draft or submits; the movement office verifies it or returns it with a reason; the
//! unit sees the reason and resubmits. Each entry shows its whole history.
//!
//! Each submodule owns its routes, so its handlers and forms stay private to it; how an
//! entry's state and value read, shared with the unit page, lives here.

mod detail;
mod form;
mod list;
mod review;

pub(crate) use form::{read_entry, save_entry, EntryUpload};
pub(crate) use review::{delete_entry_draft, return_and_tell};

use crate::AppState;
use axum::Router;
use thidua_domain::entry::EntryState;
use thidua_store::workflow::EntryRecord;

pub fn routes(cfg: &crate::Config) -> Router<AppState> {
    Router::new()
        .merge(list::routes())
        .merge(form::routes(cfg))
        .merge(detail::routes())
        .merge(review::routes())
}

pub fn state_class(s: EntryState) -> &'static str {
    match s {
        EntryState::Nhap => "st-kps",
        EntryState::DaGui => "st-cho",
        EntryState::DaXacNhan => "st-dat",
        EntryState::TraLai => "st-khong-dat",
    }
}

fn dec_vi(s: &Option<String>) -> String {
    s.as_deref()
        .and_then(thidua_domain::num::Dec::parse)
        .map(|d| d.vi())
        .unwrap_or_default()
}

fn value_text(kind: &str, num: &Option<String>, den: &Option<String>, value: Option<i64>) -> String {
    match kind {
        "ratio" => {
            let pct = match (
                num.as_deref().and_then(thidua_domain::num::Dec::parse),
                den.as_deref().and_then(thidua_domain::num::Dec::parse),
            ) {
                (Some(n), Some(d)) => thidua_domain::num::percent_vi(n, d).unwrap_or_else(|| "—".into()),
                _ => "—".into(),
            };
            format!("{} / {} = {pct}", dec_vi(num), dec_vi(den))
        }
        "count" => value
            .map(|v| thidua_domain::num::Dec::from_int(v).vi())
            .unwrap_or_default(),
        _ => match value {
            Some(0) => "Không đạt".into(),
            Some(_) => "Đạt".into(),
            None => String::new(),
        },
    }
}

pub fn value_vi(e: &EntryRecord) -> String {
    value_text(&e.kind, &e.numerator, &e.denominator, e.value)
}
