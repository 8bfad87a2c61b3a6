//! The domain of Thi Đua: the plan, the calendar, the indicators, the evaluation of every
//! head and the ranking. Pure functions over plain types: no database, web or async.

pub mod calendar;
pub mod dossier;
pub mod entry;
pub mod eval;
pub mod num;
pub mod plan;
pub mod rank;
pub mod text;
pub mod time;
