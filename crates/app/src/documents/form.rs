//! The form of an administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I): A4, margins
//! 20/20/30/15 mm, Times New Roman; the issuing body (its parent above it only where the
//! form wants one) over a solid rule, the number and symbol; the national motto over a
//! solid rule, the place and date; page numbers centred in the top margin from page 2;
//! "Nơi nhận" left, bold italic 12 pt with 11 pt items ending with "Lưu: VT, …"; the
//! signer's authority and name; tables whose header row repeats on every page and whose
//! rows never split; an annex on its own page.

use crate::error::{Error, Result};
use docx_rs::{
    AlignmentType, BorderType, Docx, Header, HeightRule, LineSpacing, PageMargin, PageNum, Paragraph,
    ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, SpecialIndentType, Table,
    TableCell, TableRow, WidthType,
};
use std::io::{Read, Write};
use thidua_domain::time::Date;

pub(super) const FONT: &str = "Times New Roman";
pub(super) const BODY: usize = 28; // half-points: 14 pt
pub(super) const SMALL: usize = 26; // 13 pt
pub(super) const HEAD: usize = 24; // 12 pt: the parent body's line, "Nơi nhận:"
pub(super) const ITEM: usize = 22; // 11 pt: the items of "Nơi nhận"
/// A4 minus 30 mm + 15 mm, in twentieths of a point.
pub(super) const TEXT_WIDTH: usize = 9355;
const LEFT_COLUMN: usize = 3800;
const RIGHT_COLUMN: usize = TEXT_WIDTH - LEFT_COLUMN;
/// The height given to a table's header row, which `pack` turns into a repeated header:
/// docx-rs has no `w:tblHeader`, so the row is marked with this height and the mark is
/// rewritten in the package's XML (a row of at least 0.7 cm is what the header is anyway).
const HEADER_MARK: u32 = 397;

/// An issuing body as its letterhead prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The line above the name, e.g. "UBND TỈNH BÀ RỊA - VŨNG TÀU" above "SỞ NỘI VỤ"; none
    /// for a People's Committee, which has no parent line.
    pub parent: Option<String>,
    /// Written in full ("Ủy ban nhân dân huyện Châu Đức").
    pub name: String,
    /// The body's abbreviation after the kind of paper: "UBND", "SNV", "BTĐKT".
    pub symbol: String,
    /// The place name before the date ("Bà Rịa - Vũng Tàu", "Châu Đức", "Long Hương").
    pub place: String,
}

/// A paper's number and date, typed by the office (`--so`, `--ngay`, the web form);
/// left empty they are blanks to fill by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dating {
    pub number: Option<String>,
    pub date: Option<Date>,
}

/// Longest number an office types for a paper (without its symbol).
pub const MAX_NUMBER_CHARS: usize = 20;

impl Dating {
    /// The number and date as typed (the web form, `--so`/`--ngay`); blank fields stay
    /// blanks. `what` names the paper in the refusal ("quyết định").
    pub fn typed(number: Option<&str>, date: Option<&str>, what: &str) -> Result<Dating> {
        let date = match date.map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => Some(Date::parse_typed(d).ok_or_else(|| {
                Error::refused(
                    format!("Ngày {what} «{d}» không phải ngày hợp lệ (dd/mm/yyyy)."),
                    format!("the date of the {what} «{d}» is not a valid date (dd/mm/yyyy or YYYY-MM-DD)"),
                )
            })?),
        };
        let number = number.map(str::trim).filter(|n| !n.is_empty());
        if number.is_some_and(|n| n.chars().count() > MAX_NUMBER_CHARS) {
            return Err(Error::refused(
                format!("Số {what} dài quá {MAX_NUMBER_CHARS} ký tự."),
                format!("the number of the {what} is longer than {MAX_NUMBER_CHARS} characters"),
            ));
        }
        Ok(Dating {
            number: number.map(str::to_string),
            date,
        })
    }

    /// `Số: 12/TTr-BTĐKT`, or `Số:        /TTr-BTĐKT` to fill by hand.
    pub fn number_line(&self, kind: &str, body: &Body) -> String {
        match &self.number {
            Some(n) => format!("Số: {n}/{kind}-{}", body.symbol),
            None => format!("Số:        /{kind}-{}", body.symbol),
        }
    }

    /// `Châu Đức, ngày 05 tháng 02 năm 2024` (day below 10 and months 1–2 with a leading
    /// zero); blanks when the date is left to be written by hand.
    pub fn place_line(&self, place: &str) -> String {
        match self.date {
            Some(d) => {
                let (y, m, day) = d.ymd();
                let month = if m <= 2 { format!("{m:02}") } else { m.to_string() };
                format!("{place}, ngày {day:02} tháng {month} năm {y}")
            }
            None => format!("{place}, ngày      tháng      năm 20   "),
        }
    }

    /// `số 12/QĐ-UBND ngày 15/01/2024` as another paper cites this one, or blanks.
    pub fn cited(&self, kind: &str, body: &Body) -> String {
        let number = match &self.number {
            Some(n) => format!("{n}/{kind}-{}", body.symbol),
            None => format!("      /{kind}-{}", body.symbol),
        };
        let date = self
            .date
            .map(|d| d.vi())
            .unwrap_or_else(|| "     /     /20   ".into());
        format!("số {number} ngày {date}")
    }
}

/// Who signs: the authority lines ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") and the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub authority: Vec<String>,
    pub name: String,
}

impl Signer {
    /// The authority lines as one title, as the settings keep it ("KT. CHỦ TỊCH — PHÓ CHỦ TỊCH").
    pub fn title(&self) -> String {
        self.authority.join(" — ")
    }
}

pub(super) fn run(text: &str) -> Run {
    Run::new()
        .add_text(text)
        .fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT))
}

pub(super) fn para(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text))
        .line_spacing(LineSpacing::new().before(60).after(60))
}

/// A body paragraph, justified, first line indented 1 cm.
pub(super) fn body(text: &str) -> Paragraph {
    para(text)
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(567)), None, None)
}

pub(super) fn centered(text: &str, bold: bool, size: usize) -> Paragraph {
    let r = run(text).size(size);
    Paragraph::new()
        .add_run(if bold { r.bold() } else { r })
        .align(AlignmentType::Center)
}

pub(super) fn italic_centered(text: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).italic().size(size))
        .align(AlignmentType::Center)
}

pub(super) fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).bold())
        .line_spacing(LineSpacing::new().before(120).after(60))
}

pub(super) fn blank() -> Paragraph {
    Paragraph::new()
}

/// A solid rule of `width` twips centred in a column of `column` twips: an empty paragraph
/// whose top border is the line.
fn rule(width: usize, column: usize) -> Paragraph {
    let side = ((column.saturating_sub(width)) / 2) as i32;
    Paragraph::new()
        .add_run(run("").size(2))
        .indent(Some(side), None, Some(side), None)
        .line_spacing(LineSpacing::new().before(0).after(0).line(40))
        .set_borders(
            ParagraphBorders::with_empty().set(
                ParagraphBorder::new(ParagraphBorderPosition::Top)
                    .val(BorderType::Single)
                    .size(6)
                    .space(0)
                    .color("000000"),
            ),
        )
}

/// An A4 document with the decree's margins, its font, and page numbers from page 2.
pub(super) fn new_doc() -> Docx {
    let number = Header::new().add_paragraph(
        Paragraph::new()
            .add_run(run("").size(SMALL))
            .add_page_num(PageNum::new())
            .align(AlignmentType::Center),
    );
    Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(1134)
                .bottom(1134)
                .left(1701)
                .right(850)
                .header(567)
                .footer(567),
        )
        .default_fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT))
        .default_size(BODY)
        .header(number)
        // the first page has its own, empty header: no number on page 1
        .first_header(Header::new())
}

/// The two-column head: the issuing body (parent line, name, rule, number) and the motto
/// (rule, place and date). `number` is None for a paper without one (a person's report).
pub(super) fn letterhead(issuer: &Body, number: Option<String>, dating: &Dating) -> Table {
    let mut left = TableCell::new().width(LEFT_COLUMN, WidthType::Dxa);
    if let Some(parent) = &issuer.parent {
        left = left.add_paragraph(centered(&parent.to_uppercase(), false, HEAD));
    }
    left = left
        .add_paragraph(centered(&issuer.name.to_uppercase(), true, HEAD))
        .add_paragraph(rule(1300, LEFT_COLUMN));
    if let Some(n) = number {
        left = left.add_paragraph(centered(&n, false, SMALL));
    }
    let right = TableCell::new()
        .width(RIGHT_COLUMN, WidthType::Dxa)
        .add_paragraph(centered("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", true, HEAD))
        .add_paragraph(centered("Độc lập - Tự do - Hạnh phúc", true, SMALL))
        .add_paragraph(rule(3500, RIGHT_COLUMN))
        .add_paragraph(italic_centered(&dating.place_line(&issuer.place), SMALL));
    Table::without_borders(vec![TableRow::new(vec![left, right])])
        .set_grid(vec![LEFT_COLUMN, RIGHT_COLUMN])
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// "Nơi nhận" (left) and the signature (right). `recipients` are the items without their
/// dashes; the last item is always "Lưu: VT, <drafting body>".
pub(super) fn closing(recipients: &[String], archive: &str, signer: &Signer) -> Table {
    let mut left = TableCell::new().width(4400, WidthType::Dxa).add_paragraph(
        Paragraph::new()
            .add_run(run("Nơi nhận:").bold().italic().size(HEAD))
            .align(AlignmentType::Left),
    );
    for r in recipients {
        left = left.add_paragraph(item(&format!("- {r};")));
    }
    left = left.add_paragraph(item(&if archive.is_empty() {
        "- Lưu: VT.".to_string()
    } else {
        format!("- Lưu: VT, {archive}.")
    }));
    let mut right = TableCell::new().width(TEXT_WIDTH - 4400, WidthType::Dxa);
    for a in &signer.authority {
        right = right.add_paragraph(centered(&a.to_uppercase(), true, BODY));
    }
    for _ in 0..4 {
        right = right.add_paragraph(blank());
    }
    right = right.add_paragraph(centered(&signer.name, true, BODY));
    Table::without_borders(vec![TableRow::new(vec![left, right]).cant_split()])
        .set_grid(vec![4400, TEXT_WIDTH - 4400])
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// Two signature blocks side by side, each: title lines (bold), a note in italics ("(Ký,
/// đóng dấu)"), room to sign, and the name when known.
pub(super) fn signatures(
    left: &[&str],
    left_note: &str,
    left_name: Option<&str>,
    right: &[&str],
    right_note: &str,
    right_name: Option<&str>,
) -> Table {
    let half = TEXT_WIDTH / 2;
    let block = |title: &[&str], note: &str, name: Option<&str>| {
        let mut c = TableCell::new().width(half, WidthType::Dxa);
        for t in title {
            c = c.add_paragraph(centered(t, true, SMALL));
        }
        c = c.add_paragraph(italic_centered(note, SMALL));
        for _ in 0..4 {
            c = c.add_paragraph(blank());
        }
        if let Some(n) = name {
            c = c.add_paragraph(centered(n, true, BODY));
        }
        c
    };
    Table::without_borders(vec![TableRow::new(vec![
        block(left, left_note, left_name),
        block(right, right_note, right_name),
    ])
    .cant_split()])
    .set_grid(vec![half, TEXT_WIDTH - half])
    .width(TEXT_WIDTH, WidthType::Dxa)
}

fn item(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).size(ITEM))
        .align(AlignmentType::Left)
        .line_spacing(LineSpacing::new().before(0).after(0))
}

/// A bordered table: the header row repeats on every page, no row splits across pages.
pub(super) fn grid(head: &[&str], widths: &[usize], rows: Vec<Vec<String>>) -> Table {
    let cell = |text: &str, width: usize, bold: bool| {
        let r = run(text).size(SMALL);
        TableCell::new()
            .add_paragraph(
                Paragraph::new()
                    .add_run(if bold { r.bold() } else { r })
                    .align(if bold {
                        AlignmentType::Center
                    } else {
                        AlignmentType::Left
                    }),
            )
            .width(width, WidthType::Dxa)
    };
    let mut out = vec![
        TableRow::new(head.iter().zip(widths).map(|(t, w)| cell(t, *w, true)).collect())
            .cant_split()
            .row_height(HEADER_MARK as f32)
            .height_rule(HeightRule::AtLeast),
    ];
    for row in rows {
        out.push(
            TableRow::new(row.iter().zip(widths).map(|(t, w)| cell(t, *w, false)).collect()).cant_split(),
        );
    }
    Table::new(out)
        .set_grid(widths.to_vec())
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// The first paragraph of an annex: it starts a new page.
pub(super) fn annex_start(text: &str) -> Paragraph {
    centered(text, true, BODY).page_break_before(true)
}

/// Builds the package and marks the header rows as repeated headers (see `HEADER_MARK`).
pub(super) fn pack(doc: Docx) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| Error::internal(format!("docx: {e}")))?;
    repeat_header_rows(&out.into_inner())
}

fn repeat_header_rows(docx: &[u8]) -> Result<Vec<u8>> {
    let bad = |e: zip::result::ZipError| Error::internal(format!("docx package: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(bad)?;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mark = format!(r#"<w:trHeight w:val="{HEADER_MARK}" w:hRule="atLeast" />"#);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(bad)?;
        if file.name().map_err(bad)? == "word/document.xml" {
            let mut xml = String::new();
            file.read_to_string(&mut xml)
                .map_err(|e| Error::internal(format!("docx xml: {e}")))?;
            let xml = xml.replace(&mark, &format!("{mark}<w:tblHeader />"));
            let options =
                zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            writer.start_file("word/document.xml", options).map_err(bad)?;
            writer
                .write_all(xml.as_bytes())
                .map_err(|e| Error::internal(format!("docx xml: {e}")))?;
        } else {
            writer.raw_copy_file(file).map_err(bad)?;
        }
    }
    Ok(writer.finish().map_err(bad)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(place: &str) -> Body {
        Body {
            parent: None,
            name: "Ban Thi đua - Khen thưởng".into(),
            symbol: "BTĐKT".into(),
            place: place.into(),
        }
    }

    #[test]
    fn the_date_line_follows_decree_30_or_leaves_blanks() {
        let d = Dating {
            number: Some("12".into()),
            date: Date::from_ymd(2024, 2, 5),
        };
        assert_eq!(
            d.place_line("Bà Rịa - Vũng Tàu"),
            "Bà Rịa - Vũng Tàu, ngày 05 tháng 02 năm 2024"
        );
        let d2 = Dating {
            date: Date::from_ymd(2024, 11, 26),
            ..d.clone()
        };
        assert_eq!(d2.place_line("Châu Đức"), "Châu Đức, ngày 26 tháng 11 năm 2024");
        assert_eq!(d.number_line("TTr", &body_of("x")), "Số: 12/TTr-BTĐKT");
        assert_eq!(d.cited("TTr", &body_of("x")), "số 12/TTr-BTĐKT ngày 05/02/2024");
        let blank = Dating::default();
        assert_eq!(blank.number_line("QĐ", &body_of("x")), "Số:        /QĐ-BTĐKT");
        assert!(!blank.place_line("Long Hương").contains("ngày 0"));
        assert!(blank.place_line("Long Hương").starts_with("Long Hương, ngày "));
        let typed = Dating::typed(Some(" 12 "), Some("5/2/2024"), "tờ trình").unwrap();
        assert_eq!(
            (typed.number.as_deref(), typed.date),
            (Some("12"), Date::from_ymd(2024, 2, 5))
        );
        assert_eq!(
            Dating::typed(Some(""), Some(" "), "x").unwrap(),
            Dating::default()
        );
        assert!(Dating::typed(None, Some("30/02/2024"), "x").is_err());
        assert!(Dating::typed(Some(&"1".repeat(MAX_NUMBER_CHARS + 1)), None, "x").is_err());
    }

    #[test]
    fn header_rows_repeat_and_no_row_splits() {
        let doc = new_doc().add_table(grid(
            &["STT", "Họ và tên"],
            &[1000, 8355],
            vec![vec!["1".into(), "Nguyễn Văn A".into()]],
        ));
        let bytes = pack(doc).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert_eq!(xml.matches("<w:tblHeader />").count(), 1, "{xml}");
        assert_eq!(xml.matches("<w:cantSplit />").count(), 2, "{xml}");
        assert!(xml.contains("<w:titlePg"), "no number on the first page");
        let mut headers = String::new();
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).unwrap();
            if f.name().unwrap().starts_with("word/header") {
                f.read_to_string(&mut headers).unwrap();
            }
        }
        assert_eq!(
            headers.matches("PAGE").count(),
            1,
            "one header with a page number field"
        );
    }
}
