//! The application layer's one error type. A refusal carries its message in Vietnamese (for
//! the user) and English (for logs and the command line) as separate fields; everything
//! else is a fault of ours.

use thidua_domain::msg::Msg;
use thidua_store::import::ImportError;
use thidua_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The request is understood and refused, with the reason.
    #[error("{0}")]
    Refused(Msg),
    /// A fault of ours (a library failed where it should not).
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn refused(vi: impl Into<String>, en: impl Into<String>) -> Error {
        Error::Refused(Msg::new(vi, en))
    }
    pub fn internal(detail: impl Into<String>) -> Error {
        Error::Internal(detail.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
