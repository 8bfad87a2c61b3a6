//! Benchmark helper: writes a dossier export as XLSX with up to 1,048,576 rows (Excel's
//! limit) from a CSV export, in constant memory.
//!   cargo run --release --example make_xlsx -- IN.csv OUT.xlsx [ROWS]
use rust_xlsxwriter::Workbook;
use std::io::BufRead;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (input, output) = (&args[1], &args[2]);
    let limit: u32 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(1_048_576);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    let reader = std::io::BufReader::new(std::fs::File::open(input)?);
    for (row, line) in reader.lines().enumerate().take(limit as usize) {
        for (col, field) in line?.split(',').enumerate() {
            ws.write_string(row as u32, col as u16, field)?;
        }
    }
    wb.save(output)?;
    Ok(())
}
