//! The domain of Thi Đua: the plan, the calendar, the indicators, the evaluation of every
//! head and the ranking. Pure functions over plain types: no database, web or async.

// Only the dossier hot path (thidua-ingest) needs `unsafe`.
#![forbid(unsafe_code)]

pub mod audit;
pub mod calendar;
pub mod codes;
pub mod dossier;
pub mod entry;
pub mod eval;
pub mod legal;
pub mod msg;
pub mod nomination;
pub mod num;
pub mod person;
pub mod plan;
pub mod rank;
pub mod results;
pub mod role;
pub mod text;
pub mod time;
