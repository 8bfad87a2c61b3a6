//! The application layer of Thi Đua, shared by the web application and the command line:
//! the award's rules and lists, the generated documents, the evaluation's JSON/CSV
//! contract, credentials, how numbers and results read in Vietnamese, and the demo
//! province. It holds no HTTP and no terminal code; the store below it holds no rule.

// Only the dossier hot path (thidua-ingest) needs `unsafe`.
#![forbid(unsafe_code)]

pub mod agenda;
pub mod award;
pub mod backup;
pub mod contract;
pub mod credentials;
pub mod demo;
pub mod documents;
pub mod error;
pub mod fmt;
pub mod mail;
pub mod movement;

pub use error::{Error, Result};
