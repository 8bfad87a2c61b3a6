//! Tables shown on pages and downloaded as XLSX from the same rows, so what an auditor
//! downloads is what the screen shows (numbers stay numbers in the workbook).

use crate::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

pub enum Cell {
    Text(String),
    /// A number: its value for the workbook and its Vietnamese display.
    Num(f64, String),
    Link(String, String),
    /// A status with its CSS class.
    Status(String, &'static str),
    /// A box to choose the row, belonging to the form with id `form` (left out of the
    /// workbook's text).
    Check {
        form: &'static str,
        name: &'static str,
        value: String,
        label: String,
    },
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    pub fn int(n: i64) -> Cell {
        Cell::Num(n as f64, thidua_domain::num::Dec::from_int(n).vi())
    }
    fn plain(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Num(_, s) | Cell::Link(s, _) | Cell::Status(s, _) => s,
            Cell::Check { .. } => "",
        }
    }
}

pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Table {
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Table {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// The table as HTML (every text escaped), inside a scrolling wrapper for phones.
    pub fn html(&self) -> String {
        let mut s = String::from("<div class=\"table-wrap\"><table>");
        s.push_str(&format!("<caption>{}</caption><thead><tr>", escape(&self.title)));
        for h in &self.headers {
            s.push_str(&format!("<th scope=\"col\">{}</th>", escape(h)));
        }
        s.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            s.push_str("<tr>");
            for c in row {
                match c {
                    Cell::Text(t) => s.push_str(&format!("<td>{}</td>", escape(t))),
                    Cell::Num(_, t) => s.push_str(&format!("<td class=\"num\">{}</td>", escape(t))),
                    Cell::Link(t, href) => s.push_str(&format!(
                        "<td><a href=\"{}\">{}</a></td>",
                        escape(href),
                        escape(t)
                    )),
                    Cell::Status(t, css) => {
                        s.push_str(&format!("<td><span class=\"st {css}\">{}</span></td>", escape(t)))
                    }
                    Cell::Check {
                        form,
                        name,
                        value,
                        label,
                    } => s.push_str(&format!(
                        "<td><input type=\"checkbox\" form=\"{form}\" name=\"{name}\" value=\"{}\" aria-label=\"{}\" title=\"{}\"></td>",
                        escape(value),
                        escape(label),
                        escape(label)
                    )),
                }
            }
            s.push_str("</tr>");
        }
        if self.rows.is_empty() {
            s.push_str(&format!(
                "<tr><td colspan=\"{}\">Không có dữ liệu.</td></tr>",
                self.headers.len().max(1)
            ));
        }
        s.push_str("</tbody></table></div>");
        s
    }

    pub fn xlsx(&self) -> Result<Vec<u8>, AppError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let bold = Format::new().set_bold();
        let title = Format::new().set_bold().set_font_size(13);
        let x = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
        ws.write_string_with_format(0, 0, &self.title, &title)
            .map_err(x)?;
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, h, &bold).map_err(x)?;
            ws.set_column_width(c as u16, (h.chars().count() as f64 + 4.0).max(12.0))
                .map_err(x)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 3;
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Num(v, _) => ws.write_number(r, c as u16, *v).map(|_| ()).map_err(x)?,
                    other => ws
                        .write_string(r, c as u16, other.plain())
                        .map(|_| ())
                        .map_err(x)?,
                }
            }
        }
        ws.set_freeze_panes(3, 0).map_err(x)?;
        wb.save_to_buffer().map_err(x)
    }

    /// The workbook as a download named `stem.xlsx`.
    pub fn xlsx_response(&self, stem: &str) -> Result<Response, AppError> {
        let bytes = self.xlsx()?;
        Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{stem}.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response())
    }
}
