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

/// Appends `s` to `out` escaped for HTML text and attribute values (tables of thousands
/// of cells are written without a string per cell).
pub fn escape_into(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
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
        let cells: usize = self.rows.iter().map(Vec::len).sum();
        let mut s = String::with_capacity(256 + 96 * (cells + self.headers.len()));
        let e = escape_into;
        s.push_str("<div class=\"table-wrap\"><table><caption>");
        e(&mut s, &self.title);
        s.push_str("</caption><thead><tr>");
        for h in &self.headers {
            s.push_str("<th scope=\"col\">");
            e(&mut s, h);
            s.push_str("</th>");
        }
        s.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            s.push_str("<tr>");
            for c in row {
                match c {
                    Cell::Text(t) => {
                        s.push_str("<td>");
                        e(&mut s, t);
                    }
                    Cell::Num(_, t) => {
                        s.push_str("<td class=\"num\">");
                        e(&mut s, t);
                    }
                    Cell::Link(t, href) => {
                        s.push_str("<td><a href=\"");
                        e(&mut s, href);
                        s.push_str("\">");
                        e(&mut s, t);
                        s.push_str("</a>");
                    }
                    Cell::Status(t, css) => {
                        s.push_str("<td><span class=\"st ");
                        s.push_str(css);
                        s.push_str("\">");
                        e(&mut s, t);
                        s.push_str("</span>");
                    }
                    Cell::Check {
                        form,
                        name,
                        value,
                        label,
                    } => {
                        s.push_str("<td><input type=\"checkbox\" form=\"");
                        s.push_str(form);
                        s.push_str("\" name=\"");
                        s.push_str(name);
                        s.push_str("\" value=\"");
                        e(&mut s, value);
                        s.push_str("\" aria-label=\"");
                        e(&mut s, label);
                        s.push_str("\" title=\"");
                        e(&mut s, label);
                        s.push_str("\">");
                    }
                }
                s.push_str("</td>");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_is_escaped() {
        let mut t = Table::new("<b>Bảng</b>", &["A&B"]);
        t.rows
            .push(vec![Cell::Link("x\"'<>".into(), "/a?b=1&c=\"".into())]);
        t.rows.push(vec![Cell::Check {
            form: "f",
            name: "id",
            value: "1\"><script>".into(),
            label: "Chọn: O'Neil & Co".into(),
        }]);
        let h = t.html();
        assert!(h.contains("<caption>&lt;b&gt;Bảng&lt;/b&gt;</caption>"));
        assert!(h.contains("<th scope=\"col\">A&amp;B</th>"));
        assert!(h.contains("<a href=\"/a?b=1&amp;c=&quot;\">x&quot;&#39;&lt;&gt;</a>"));
        assert!(h.contains("value=\"1&quot;&gt;&lt;script&gt;\""));
        assert!(h.contains("aria-label=\"Chọn: O&#39;Neil &amp; Co\""));
        assert!(!h.contains("<script>"));
    }
}
