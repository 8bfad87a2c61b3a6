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
    /// A measured result: shown as its status with its value (`text`, with `css`); in the
    /// workbook two columns, the value as a number (`percent`: a fraction shown as a
    /// percentage) and the status.
    Measured {
        text: String,
        css: &'static str,
        number: Option<f64>,
        percent: bool,
        status: String,
    },
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
    /// A measured result: its status and value as the screen shows them, the value as a
    /// number for the workbook (a ratio as the fraction the screen's percentage shows).
    pub fn measured(
        value: &thidua_domain::results::Value,
        status: String,
        text: String,
        css: &'static str,
    ) -> Cell {
        use thidua_domain::results::Value;
        let (number, percent) = match value {
            Value::Ratio(_) => (
                value
                    .vi()
                    .strip_suffix('%')
                    .and_then(|p| p.replace('.', "").replace(',', ".").parse::<f64>().ok())
                    .map(|p| p / 100.0),
                true,
            ),
            Value::Count(n) => (Some(*n as f64), false),
            Value::Bool(_) | Value::None => (None, false),
        };
        Cell::Measured {
            text,
            css,
            number,
            percent,
            status,
        }
    }
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    pub fn int(n: i64) -> Cell {
        Cell::Num(n as f64, thidua_domain::num::Dec::from_int(n).vi())
    }
    fn plain(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Num(_, s) | Cell::Link(s, _) | Cell::Status(s, _) => s,
            Cell::Measured { text, .. } => text,
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

/// A worksheet's name from a title: at most 31 characters, none of `[]:*?/\\`.
fn sheet_name(title: &str) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let name: String = clean.trim().chars().take(31).collect();
    if name.trim().is_empty() {
        "Bảng".into()
    } else {
        name.trim().to_string()
    }
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
                    Cell::Status(t, css) | Cell::Measured { text: t, css, .. } => {
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

    /// The workbook: a sheet named after the title, the header row frozen and filtered,
    /// numbers as numbers (percentages in percent format), a measured result as its value
    /// and its status in two columns.
    pub fn xlsx(&self) -> Result<Vec<u8>, AppError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let x = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
        ws.set_name(sheet_name(&self.title)).map_err(x)?;
        let bold = Format::new().set_bold();
        let title = Format::new().set_bold().set_font_size(13);
        let pct = Format::new().set_num_format("0.00%");
        ws.write_string_with_format(0, 0, &self.title, &title)
            .map_err(x)?;
        // a column holding measured results becomes two in the workbook
        let split: Vec<bool> = (0..self.headers.len())
            .map(|c| {
                self.rows
                    .iter()
                    .any(|r| matches!(r.get(c), Some(Cell::Measured { .. })))
            })
            .collect();
        let mut col = 0u16;
        let mut at = Vec::with_capacity(self.headers.len());
        for (c, h) in self.headers.iter().enumerate() {
            at.push(col);
            let names = if split[c] {
                vec![h.clone(), format!("{h} — kết quả")]
            } else {
                vec![h.clone()]
            };
            for name in names {
                ws.write_string_with_format(2, col, &name, &bold).map_err(x)?;
                ws.set_column_width(col, (name.chars().count() as f64 + 4.0).clamp(12.0, 60.0))
                    .map_err(x)?;
                col += 1;
            }
        }
        let last_col = col.saturating_sub(1);
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 3;
            for (c, cell) in row.iter().enumerate() {
                let c = at.get(c).copied().unwrap_or(c as u16);
                match cell {
                    Cell::Num(v, _) => ws.write_number(r, c, *v).map(|_| ()).map_err(x)?,
                    Cell::Measured {
                        number,
                        percent,
                        status,
                        ..
                    } => {
                        match number {
                            Some(v) if *percent => ws.write_number_with_format(r, c, *v, &pct).map(|_| ()),
                            Some(v) => ws.write_number(r, c, *v).map(|_| ()),
                            None => Ok(()),
                        }
                        .map_err(x)?;
                        ws.write_string(r, c + 1, status).map_err(x)?;
                    }
                    other => ws.write_string(r, c, other.plain()).map(|_| ()).map_err(x)?,
                }
            }
        }
        ws.set_freeze_panes(3, 0).map_err(x)?;
        ws.autofilter(2, 0, (self.rows.len() as u32 + 2).max(3), last_col)
            .map_err(x)?;
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
    fn a_sheet_is_named_from_its_title_within_excel_s_rules() {
        assert_eq!(sheet_name("Nhật ký thay đổi"), "Nhật ký thay đổi");
        let long = sheet_name("Kết quả theo đơn vị — Kế hoạch [2023]: tạm tính?/*");
        assert!(
            long.chars().count() <= 31 && !long.contains(['[', ']', ':', '*', '?', '/', '\\']),
            "{long}"
        );
        assert_eq!(sheet_name(" []:*?/ "), "Bảng");
    }

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
