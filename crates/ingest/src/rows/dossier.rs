//! A dossier row: the full checks with their messages, and the shortcut the hot path takes
//! for the common well-formed row (the same rules; `rows/tests.rs` compares the two).

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub struct DossierRow {
    pub code: String,
    pub unit: String,
    pub procedure: String,
    pub received_at: DateTime,
    pub due_at: DateTime,
    pub completed_at: Option<DateTime>,
    pub channel: Channel,
    pub status: DossierStatus,
}

/// A dossier row borrowing its text from the file (the ingest hot path allocates nothing
/// per field).
#[derive(Debug, Clone, PartialEq)]
pub struct DossierRef<'a> {
    pub code: Cow<'a, str>,
    pub unit: Cow<'a, str>,
    pub procedure: Cow<'a, str>,
    pub received_at: DateTime,
    pub due_at: DateTime,
    pub completed_at: Option<DateTime>,
    pub channel: Channel,
    pub status: DossierStatus,
}

/// A dossier row whose text borrows from the line: what the shortcut gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlainDossier<'a> {
    pub code: &'a str,
    pub unit: &'a str,
    pub procedure: &'a str,
    pub received_at: DateTime,
    pub due_at: DateTime,
    pub completed_at: Option<DateTime>,
    pub channel: Channel,
    pub status: DossierStatus,
}

impl<'a> From<PlainDossier<'a>> for DossierRef<'a> {
    fn from(d: PlainDossier<'a>) -> Self {
        DossierRef {
            code: Cow::Borrowed(d.code),
            unit: Cow::Borrowed(d.unit),
            procedure: Cow::Borrowed(d.procedure),
            received_at: d.received_at,
            due_at: d.due_at,
            completed_at: d.completed_at,
            channel: d.channel,
            status: d.status,
        }
    }
}

impl<'a> DossierRef<'a> {
    /// The record of a CSV line, whose text borrows from the line (only a number cell of
    /// XLSX is ever turned into owned text).
    pub fn into_line(self) -> PlainDossier<'a> {
        let borrowed = |s: Cow<'a, str>| match s {
            Cow::Borrowed(s) => s,
            Cow::Owned(_) => unreachable!("CSV cells borrow from the file"),
        };
        PlainDossier {
            code: borrowed(self.code),
            unit: borrowed(self.unit),
            procedure: borrowed(self.procedure),
            received_at: self.received_at,
            due_at: self.due_at,
            completed_at: self.completed_at,
            channel: self.channel,
            status: self.status,
        }
    }

    pub fn as_plain(&self) -> PlainDossier<'_> {
        PlainDossier {
            code: &self.code,
            unit: &self.unit,
            procedure: &self.procedure,
            received_at: self.received_at,
            due_at: self.due_at,
            completed_at: self.completed_at,
            channel: self.channel,
            status: self.status,
        }
    }

    pub fn into_owned(self) -> DossierRow {
        DossierRow {
            code: self.code.into_owned(),
            unit: self.unit.into_owned(),
            procedure: self.procedure.into_owned(),
            received_at: self.received_at,
            due_at: self.due_at,
            completed_at: self.completed_at,
            channel: self.channel,
            status: self.status,
        }
    }
}

/// Validates one dossier row without copying its text: the same rules as `parse_row`.
pub fn parse_dossier<'c>(
    cols: &Columns,
    cells: &[Cell<'c>],
    row: usize,
    lk: &dyn Lookup,
) -> Result<DossierRef<'c>, Vec<RowError>> {
    if let Some(d) = dossier_plain(cols, cells, lk) {
        return Ok(d);
    }
    dossier_checked(cols, cells, row, lk)
}

/// Text with nothing to trim: ASCII, not blank, at both ends.
fn plain(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let ok = |c: u8| c > b' ' && c < 0x80;
    (!b.is_empty() && ok(b[0]) && ok(b[b.len() - 1])).then_some(s)
}

/// The shape of a well-formed export row — codes, ISO timestamps with a time — accepted
/// without the bookkeeping of the full checks. Whenever anything is unusual this gives
/// `None` and `dossier_checked` decides; both give the same record for a row both accept
/// (tested over rows of every shape). Tens of millions of rows a year take this path.
pub(super) fn dossier_plain<'c>(
    cols: &Columns,
    cells: &[Cell<'c>],
    lk: &dyn Lookup,
) -> Option<DossierRef<'c>> {
    dossier_plain_by(
        |f| match cols.get(cells, f) {
            Cell::Empty => Some(""),
            Cell::Text(s) => Some(s),
            _ => None,
        },
        lk,
    )
    .map(DossierRef::from)
}

/// Number of fields of a dossier row.
pub const DOSSIER_FIELDS: usize = DOSSIERS.len();

/// `dossier_plain` over the fields of a row already picked out of a CSV line
/// (`dossier::lines::for_each_line`): `fields[f]` is field `f`'s text, "" when empty or absent.
#[inline]
pub fn dossier_plain_fields<'c>(
    fields: &[&'c str; DOSSIER_FIELDS],
    lk: &dyn Lookup,
) -> Option<PlainDossier<'c>> {
    dossier_plain_by(|f| Some(fields[f]), lk)
}

/// The one shortcut, whatever holds the row: `field(f)` is the text of field `f` ("" when
/// empty), or `None` when the cell is not text at all.
#[inline]
fn dossier_plain_by<'c>(
    field: impl Fn(usize) -> Option<&'c str>,
    lk: &dyn Lookup,
) -> Option<PlainDossier<'c>> {
    let text = |f: usize| plain(field(f)?);
    // plain text is ASCII: its bytes are its characters; a longer code takes the full
    // checks, which refuse it with the column's maximum
    let code = text(field!(DOSSIERS, "ma_ho_so")).filter(|t| t.len() <= MAX_CODE)?;
    let unit = text(field!(DOSSIERS, "ma_don_vi"))?;
    let procedure = text(field!(DOSSIERS, "ma_tthc")).filter(|t| t.len() <= MAX_CODE)?;
    let received_at = crate::values::iso_fast(text(field!(DOSSIERS, "ngay_tiep_nhan"))?.as_bytes())?;
    let due_at = crate::values::iso_fast(text(field!(DOSSIERS, "han_xu_ly"))?.as_bytes())?;
    let completed_at = match field(field!(DOSSIERS, "ngay_ket_qua"))? {
        "" => None,
        s => Some(crate::values::iso_fast(plain(s)?.as_bytes())?),
    };
    let channel = Channel::from_code(text(field!(DOSSIERS, "kenh_nop"))?)?;
    let status = DossierStatus::from_code(text(field!(DOSSIERS, "trang_thai"))?)?;
    let consistent = due_at >= received_at
        && completed_at.is_none_or(|d| d >= received_at)
        && (completed_at.is_some() || !status.is_completed())
        && lk.unit_known(unit);
    consistent.then_some(PlainDossier {
        code,
        unit,
        procedure,
        received_at,
        due_at,
        completed_at,
        channel,
        status,
    })
}

pub(super) fn dossier_checked<'c>(
    cols: &Columns,
    cells: &[Cell<'c>],
    row: usize,
    lk: &dyn Lookup,
) -> Result<DossierRef<'c>, Vec<RowError>> {
    let mut c = RowCheck {
        cols,
        cells,
        row,
        errors: Vec::new(),
    };
    if !c.lengths_fit() {
        return Err(c.errors);
    }
    match dossier(&mut c, lk) {
        Some(d) if c.errors.is_empty() => Ok(d),
        _ => Err(c.errors),
    }
}

pub(super) fn dossier<'c>(c: &mut RowCheck<'_, 'c>, lk: &dyn Lookup) -> Option<DossierRef<'c>> {
    let code = c.required_text(field!(DOSSIERS, "ma_ho_so"));
    let unit = c.known_unit(field!(DOSSIERS, "ma_don_vi"), lk);
    let procedure = c.required_text(field!(DOSSIERS, "ma_tthc"));
    let received = c.datetime(field!(DOSSIERS, "ngay_tiep_nhan"), DayTime::StartOfDay);
    let received = match received {
        Some(None) => {
            c.fail(
                field!(DOSSIERS, "ngay_tiep_nhan"),
                bad("thiếu ngày tiếp nhận", "missing reception date"),
            );
            None
        }
        other => other.flatten(),
    };
    let due = match c.datetime(field!(DOSSIERS, "han_xu_ly"), DayTime::EndOfDay) {
        Some(None) => {
            c.fail(
                field!(DOSSIERS, "han_xu_ly"),
                bad("thiếu hạn xử lý", "missing due date"),
            );
            None
        }
        other => other.flatten(),
    };
    let completed = c.datetime(field!(DOSSIERS, "ngay_ket_qua"), DayTime::StartOfDay);
    let channel = c.code_of(
        field!(DOSSIERS, "kenh_nop"),
        Channel::parse,
        "truc_tiep, truc_tuyen, buu_chinh / Trực tiếp, Trực tuyến, Bưu chính",
    );
    let status = c.code_of(
        field!(DOSSIERS, "trang_thai"),
        DossierStatus::parse,
        "da_tra_ket_qua, tu_choi, dang_xu_ly, rut / Đã trả kết quả, Từ chối, Đang xử lý, Rút hồ sơ",
    );
    if let (Some(r), Some(d)) = (received, due) {
        if d < r {
            c.fail(
                field!(DOSSIERS, "han_xu_ly"),
                bad(
                    "hạn xử lý trước ngày tiếp nhận",
                    "due date before the reception date",
                ),
            );
        }
    }
    // A completion date without a time means "during that day" (INDICATORS.md 2.1): it is
    // kept at the day's start (on time iff the date is on or before the due date) and may
    // equal the received date. A cell has no time exactly when reading it at the day's
    // start and at its end disagree; only a completion at midnight needs the second read.
    let date_only = match completed {
        Some(Some(start)) if start == start.date().start() => matches!(
            parse_datetime(&c.cell(field!(DOSSIERS, "ngay_ket_qua")), DayTime::EndOfDay),
            Ok(Some(end)) if end != start
        ),
        _ => false,
    };
    if let (Some(r), Some(Some(done))) = (received, completed) {
        let before = if date_only {
            done.date() < r.date()
        } else {
            done < r
        };
        if before {
            c.fail(
                field!(DOSSIERS, "ngay_ket_qua"),
                bad(
                    "ngày có kết quả trước ngày tiếp nhận",
                    "result date before the reception date",
                ),
            );
        }
    }
    if let (Some(st), Some(None)) = (status, completed) {
        if st.is_completed() {
            c.fail(
                field!(DOSSIERS, "ngay_ket_qua"),
                bad(
                    format!("hồ sơ «{}» phải có ngày có kết quả", st.vi()),
                    format!("a '{}' dossier needs a result date", st.code()),
                ),
            );
        }
    }
    Some(DossierRef {
        code: code?,
        unit: unit?,
        procedure: procedure?,
        received_at: received?,
        due_at: due?,
        completed_at: completed?,
        channel: channel?,
        status: status?,
    })
}
