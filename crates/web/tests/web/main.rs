//! The web application's tests in one binary, so the demo province is built once
//! (`common::template`) and every server starts from a copy of it.

mod api_award;
mod api_entries;
mod award;
mod browser;
mod common;
mod documents;
mod http_access;
mod http_accounts;
mod http_entries;
mod http_hardening;
mod http_pages;
mod instances;
mod locks;
mod mail;
mod proposing;
mod setup;
