//! The evaluation in the machine-readable shape of FORMATS.md (json, csv) and for people
//! (a terminal table, an XLSX workbook).

mod table;
mod xlsx;

pub use table::print_table;
pub use xlsx::write_xlsx;

use serde_json::{Map, Value as Json};

pub use thidua_app::contract::{rows, CSV_COLUMNS};

pub fn write_json(mut w: impl std::io::Write, rows: &[Map<String, Json>]) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut w, rows)?;
    writeln!(w)?;
    Ok(())
}

pub fn write_csv(w: impl std::io::Write, rows: &[Map<String, Json>]) -> anyhow::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(CSV_COLUMNS)?;
    for r in rows {
        c.write_record(CSV_COLUMNS.iter().map(|k| match r.get(*k) {
            None | Some(Json::Null) => String::new(),
            // Names come from imports: shown, never run as a formula (numbers stay numbers).
            Some(Json::String(s)) => thidua_domain::text::spreadsheet_safe(s).into_owned(),
            Some(v) => v.to_string(),
        }))?;
    }
    c.flush()?;
    Ok(())
}
