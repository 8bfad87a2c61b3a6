//! Validation of one row of each kind into a typed record, and the checks that need the
//! whole file (a parent unit further down, overlapping terms of office).

use crate::columns::{index_of, Columns, ImportKind, DOSSIERS, HEADS, PROCEDURES, UNITS, VALUES};

/// The position of a field in its kind's list, found at compile time.
macro_rules! field {
    ($kind:ident, $code:literal) => {{
        const I: usize = index_of($kind, $code);
        I
    }};
}
use crate::report::RowError;
use crate::table::Cell;
use crate::values::{bad, parse_date, parse_datetime, parse_dec, text, Bad, DayTime};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use thidua_domain::dossier::{Channel, DossierStatus, OnlineLevel};
use thidua_domain::entry::{parse_bool, EntryValue, Period};
use thidua_domain::num::Dec;
use thidua_domain::plan::Kind;
use thidua_domain::time::{Date, DateTime};

/// What validation needs to know of the store and the plans.
pub trait Lookup {
    fn unit_known(&self, code: &str) -> bool;
    /// Why rows of this known unit may not be imported here (a unit user importing another
    /// unit's data), if they may not.
    fn unit_refused(&self, _code: &str) -> Option<Bad> {
        None
    }
    /// Why an entry (unit, indicator, period) may not be replaced here (a unit importing
    /// over a value the office has under review or has verified), if it may not.
    fn entry_refused(&self, _unit: &str, _indicator: &str, _period: &str) -> Option<Bad> {
        None
    }
    /// The tier code for a code or Vietnamese label of any stored plan's tiers.
    fn tier(&self, label: &str) -> Option<String>;
    /// The kind of an indicator code, or a reason it cannot be entered.
    fn indicator_kind(&self, code: &str) -> Result<Kind, Bad>;
    fn procedure_known(&self, code: &str) -> bool;
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub tier: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeadRow {
    pub unit: String,
    pub name: String,
    pub title: String,
    pub from: Date,
    pub to: Option<Date>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureRow {
    pub code: String,
    pub name: String,
    pub statutory_days: Dec,
    pub online_level: OnlineLevel,
}

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
fn dossier_plain<'c>(cols: &Columns, cells: &[Cell<'c>], lk: &dyn Lookup) -> Option<DossierRef<'c>> {
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
    let code = text(field!(DOSSIERS, "ma_ho_so"))?;
    let unit = text(field!(DOSSIERS, "ma_don_vi"))?;
    let procedure = text(field!(DOSSIERS, "ma_tthc"))?;
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

fn dossier_checked<'c>(
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
    match dossier(&mut c, lk) {
        Some(d) if c.errors.is_empty() => Ok(d),
        _ => Err(c.errors),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValueRow {
    pub unit: String,
    pub indicator: String,
    pub period: Period,
    pub value: EntryValue,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Unit(UnitRow),
    Head(HeadRow),
    Procedure(ProcedureRow),
    Dossier(DossierRow),
    Value(ValueRow),
}

/// Collects the errors of one row.
struct RowCheck<'a, 'c> {
    cols: &'a Columns,
    cells: &'a [Cell<'c>],
    row: usize,
    errors: Vec<RowError>,
}

impl<'c> RowCheck<'_, 'c> {
    fn cell(&self, field: usize) -> Cell<'c> {
        self.cols.get(self.cells, field)
    }
    fn fail(&mut self, field: usize, b: Bad) {
        let value = self.cell(field).display();
        self.errors.push(RowError {
            row: self.row,
            column: self.cols.header(field),
            value,
            vi: b.vi,
            en: b.en,
        });
    }
    fn required_text(&mut self, code: usize) -> Option<Cow<'c, str>> {
        match text(self.cell(code)) {
            Some(t) => Some(t),
            None => {
                self.fail(code, bad("thiếu giá trị bắt buộc", "a required value is missing"));
                None
            }
        }
    }
    fn optional_text(&self, code: usize) -> String {
        text(self.cell(code)).map(|t| t.into_owned()).unwrap_or_default()
    }
    fn known_unit(&mut self, code: usize, lk: &dyn Lookup) -> Option<Cow<'c, str>> {
        let u = self.required_text(code)?;
        if lk.unit_known(&u) {
            if let Some(b) = lk.unit_refused(&u) {
                self.fail(code, b);
                return None;
            }
            Some(u)
        } else {
            self.fail(
                code,
                bad(
                    format!("không có đơn vị mã «{u}» (nhập danh sách đơn vị trước)"),
                    format!("unknown unit '{u}' (import units first)"),
                ),
            );
            None
        }
    }
    fn datetime(&mut self, code: usize, d: DayTime) -> Option<Option<DateTime>> {
        match parse_datetime(&self.cell(code), d) {
            Ok(v) => Some(v),
            Err(b) => {
                self.fail(code, b);
                None
            }
        }
    }
    fn date(&mut self, code: usize) -> Option<Option<Date>> {
        match parse_date(&self.cell(code)) {
            Ok(v) => Some(v),
            Err(b) => {
                self.fail(code, b);
                None
            }
        }
    }
    fn dec(&mut self, code: usize) -> Option<Option<Dec>> {
        match parse_dec(&self.cell(code)) {
            Ok(v) => Some(v),
            Err(b) => {
                self.fail(code, b);
                None
            }
        }
    }
    fn code_of<T>(&mut self, code: usize, parse: fn(&str) -> Option<T>, allowed: &str) -> Option<T> {
        let t = self.required_text(code)?;
        let v = parse(&t);
        if v.is_none() {
            self.fail(
                code,
                bad(
                    format!("giá trị «{t}» không hợp lệ (dùng: {allowed})"),
                    format!("invalid value '{t}' (use: {allowed})"),
                ),
            );
        }
        v
    }
}

/// Validates one row of `cols.kind`.
pub fn parse_row(
    cols: &Columns,
    cells: &[Cell],
    row: usize,
    lk: &dyn Lookup,
) -> Result<Record, Vec<RowError>> {
    let mut c = RowCheck {
        cols,
        cells,
        row,
        errors: Vec::new(),
    };
    let rec = match cols.kind {
        ImportKind::Units => unit(&mut c, lk).map(Record::Unit),
        ImportKind::Heads => head(&mut c, lk).map(Record::Head),
        ImportKind::Procedures => procedure(&mut c).map(Record::Procedure),
        ImportKind::Dossiers => dossier(&mut c, lk).map(|d| Record::Dossier(d.into_owned())),
        ImportKind::Values => value(&mut c, lk).map(Record::Value),
    };
    match rec {
        Some(r) if c.errors.is_empty() => Ok(r),
        _ => Err(c.errors),
    }
}

fn unit(c: &mut RowCheck, lk: &dyn Lookup) -> Option<UnitRow> {
    let code = c.required_text(field!(UNITS, "ma_don_vi"));
    let name = c.required_text(field!(UNITS, "ten_don_vi"));
    let tier = c.required_text(field!(UNITS, "cap")).and_then(|t| {
        let r = lk.tier(&t);
        if r.is_none() {
            c.fail(
                field!(UNITS, "cap"),
                bad(
                    format!("cấp «{t}» không có trong kế hoạch (vd: tinh, huyen, xa, Cấp tỉnh…)"),
                    format!("tier '{t}' is not defined by any plan"),
                ),
            );
        }
        r
    });
    let parent = text(c.cell(field!(UNITS, "ma_don_vi_cha"))).map(|t| t.into_owned());
    if let (Some(code), Some(p)) = (&code, &parent) {
        if code == p {
            c.fail(
                field!(UNITS, "ma_don_vi_cha"),
                bad(
                    "đơn vị không thể là cha của chính nó",
                    "a unit cannot be its own parent",
                ),
            );
        }
    }
    Some(UnitRow {
        code: code?.into_owned(),
        name: name?.into_owned(),
        tier: tier?,
        parent,
    })
}

fn head(c: &mut RowCheck, lk: &dyn Lookup) -> Option<HeadRow> {
    let unit = c.known_unit(field!(HEADS, "ma_don_vi"), lk);
    let name = c.required_text(field!(HEADS, "ho_ten"));
    let title = c.optional_text(field!(HEADS, "chuc_vu"));
    let from = c.date(field!(HEADS, "tu_ngay"));
    let from = match from {
        Some(None) => {
            c.fail(
                field!(HEADS, "tu_ngay"),
                bad("thiếu ngày bắt đầu nhiệm kỳ", "the term's start date is missing"),
            );
            None
        }
        other => other.flatten(),
    };
    let to = c.date(field!(HEADS, "den_ngay"))?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            c.fail(
                field!(HEADS, "den_ngay"),
                bad("«Đến ngày» trước «Từ ngày»", "the term ends before it starts"),
            );
        }
    }
    Some(HeadRow {
        unit: unit?.into_owned(),
        name: name?.into_owned(),
        title,
        from: from?,
        to,
    })
}

fn procedure(c: &mut RowCheck) -> Option<ProcedureRow> {
    let code = c.required_text(field!(PROCEDURES, "ma_tthc"));
    let name = c.optional_text(field!(PROCEDURES, "ten_tthc"));
    let days = match c.dec(field!(PROCEDURES, "thoi_han_quy_dinh")) {
        Some(Some(d)) if d >= Dec::ZERO => Some(d),
        Some(Some(_)) => {
            c.fail(
                field!(PROCEDURES, "thoi_han_quy_dinh"),
                bad("thời hạn không được âm", "the statutory time cannot be negative"),
            );
            None
        }
        Some(None) => {
            c.fail(
                field!(PROCEDURES, "thoi_han_quy_dinh"),
                bad(
                    "thiếu thời hạn quy định (số ngày làm việc, có thể là 0)",
                    "missing statutory time (working days, may be 0)",
                ),
            );
            None
        }
        None => None,
    };
    let level = c.code_of(
        field!(PROCEDURES, "muc_do_dvc"),
        OnlineLevel::parse,
        "toan_trinh, mot_phan, khong / Toàn trình, Một phần, Không",
    );
    Some(ProcedureRow {
        code: code?.into_owned(),
        name,
        statutory_days: days?,
        online_level: level?,
    })
}

fn dossier<'c>(c: &mut RowCheck<'_, 'c>, lk: &dyn Lookup) -> Option<DossierRef<'c>> {
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
    if let (Some(r), Some(Some(done))) = (received, completed) {
        if done < r {
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

fn value(c: &mut RowCheck, lk: &dyn Lookup) -> Option<ValueRow> {
    let unit = c.known_unit(field!(VALUES, "ma_don_vi"), lk);
    let indicator = c.required_text(field!(VALUES, "ma_chi_tieu"));
    let kind = indicator.as_ref().and_then(|i| match lk.indicator_kind(i) {
        Ok(k) => Some(k),
        Err(b) => {
            c.fail(field!(VALUES, "ma_chi_tieu"), b);
            None
        }
    });
    let period = c.code_of(field!(VALUES, "ky"), Period::parse, "2023, 2023-Q2, 2023-05");
    let note = c.optional_text(field!(VALUES, "ghi_chu"));
    let value = match kind? {
        Kind::Ratio => {
            let (num, den) = (c.dec(field!(VALUES, "tu_so")), c.dec(field!(VALUES, "mau_so")));
            match (num?, den?) {
                (Some(n), Some(d)) if n < Dec::ZERO || d < Dec::ZERO => {
                    c.fail(
                        field!(VALUES, "tu_so"),
                        bad(
                            "tử số và mẫu số không được âm",
                            "numerator and denominator cannot be negative",
                        ),
                    );
                    None
                }
                (Some(n), Some(d)) if d == Dec::ZERO && n != Dec::ZERO => {
                    c.fail(
                        field!(VALUES, "mau_so"),
                        bad(
                            "mẫu số bằng 0 nhưng tử số khác 0",
                            "denominator is 0 but the numerator is not",
                        ),
                    );
                    None
                }
                (Some(num), Some(den)) => Some(EntryValue::Ratio { num, den }),
                (n, _) => {
                    let col = if n.is_none() {
                        field!(VALUES, "tu_so")
                    } else {
                        field!(VALUES, "mau_so")
                    };
                    c.fail(
                        col,
                        bad(
                            "chỉ tiêu tỷ lệ cần cả tử số và mẫu số",
                            "a ratio needs both numerator and denominator",
                        ),
                    );
                    None
                }
            }
        }
        Kind::Count => match c.dec(field!(VALUES, "gia_tri"))? {
            Some(v) if v >= Dec::ZERO => match v.to_i64() {
                Some(n) => Some(EntryValue::Count(n)),
                None => {
                    c.fail(
                        field!(VALUES, "gia_tri"),
                        bad("số lượng phải là số nguyên", "a count must be a whole number"),
                    );
                    None
                }
            },
            Some(_) => {
                c.fail(
                    field!(VALUES, "gia_tri"),
                    bad("số lượng không được âm", "a count cannot be negative"),
                );
                None
            }
            None => {
                c.fail(field!(VALUES, "gia_tri"), bad("thiếu giá trị", "missing value"));
                None
            }
        },
        Kind::Boolean => {
            let t = c.required_text(field!(VALUES, "gia_tri"))?;
            let b = parse_bool(&t);
            if b.is_none() {
                c.fail(
                    field!(VALUES, "gia_tri"),
                    bad(
                        format!("«{t}» không phải đạt/không đạt (1/0, dat/khong_dat, có/không)"),
                        format!("'{t}' is not yes/no (1/0, dat/khong_dat)"),
                    ),
                );
            }
            Some(EntryValue::Bool(b?))
        }
        Kind::Computed => None,
    };
    let (unit, indicator, period) = (unit?, indicator?, period?);
    if let Some(b) = lk.entry_refused(&unit, &indicator, &period.code()) {
        c.fail(field!(VALUES, "ky"), b);
        return None;
    }
    Some(ValueRow {
        unit: unit.into_owned(),
        indicator: indicator.into_owned(),
        period,
        value: value?,
        note,
    })
}

/// What is known of a unit for the hierarchy checks: its tier and its parent.
pub type UnitPlace = (String, Option<String>);

/// The hierarchy rules that need the whole file, on rows whose parents exist: a unit is
/// never its own ancestor, and when every plan declares the parent tier of a unit's tier
/// (the 2023 plan: a commune's parent is a district), the parent is of that tier.
/// `stored` gives a stored unit's place; `parent_tiers` the parent tiers the plans allow
/// for a tier (None: no rule).
pub fn check_unit_hierarchy(
    rows: &[(usize, UnitRow)],
    stored: &dyn Fn(&str) -> Option<UnitPlace>,
    parent_tiers: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Vec<RowError> {
    let in_file: HashMap<&str, (&str, Option<&str>)> = rows
        .iter()
        .map(|(_, u)| (u.code.as_str(), (u.tier.as_str(), u.parent.as_deref())))
        .collect();
    let place = |code: &str| -> Option<UnitPlace> {
        match in_file.get(code) {
            Some((tier, parent)) => Some((tier.to_string(), parent.map(str::to_string))),
            None => stored(code),
        }
    };
    let mut errors = Vec::new();
    for (row, u) in rows {
        let Some(parent) = u.parent.as_deref() else {
            continue;
        };
        let err = |vi: String, en: String| RowError {
            row: *row,
            column: "ma_don_vi_cha".into(),
            value: parent.into(),
            vi,
            en,
        };
        // Walk up from the parent: meeting the unit again is a cycle.
        let mut at = Some(parent.to_string());
        let mut steps = 0;
        let mut cycle = false;
        while let Some(code) = at {
            if code == u.code {
                cycle = true;
                break;
            }
            steps += 1;
            if steps > 64 {
                break;
            }
            at = place(&code).and_then(|(_, p)| p);
        }
        if cycle {
            errors.push(err(
                format!(
                    "đơn vị «{}» không thể là cấp trên của chính nó (vòng lặp qua «{parent}»)",
                    u.code
                ),
                format!(
                    "unit '{}' would be its own ancestor (a loop through '{parent}')",
                    u.code
                ),
            ));
            continue;
        }
        if let (Some(allowed), Some((parent_tier, _))) = (parent_tiers(&u.tier), place(parent)) {
            if !allowed.contains(&parent_tier) {
                errors.push(err(
                    format!("đơn vị cấp «{}» phải trực thuộc đơn vị cấp «{}», nhưng «{parent}» là cấp «{parent_tier}»", u.tier, allowed.join("», «")),
                    format!("a '{}' unit belongs under a '{}' unit; '{parent}' is '{parent_tier}'", u.tier, allowed.join("', '")),
                ));
            }
        }
    }
    errors
}

/// Parents must exist in the store or in the same file.
pub fn check_unit_parents(rows: &[(usize, UnitRow)], stored: &dyn Fn(&str) -> bool) -> Vec<RowError> {
    // A parent refused in this file cannot vouch for its children: repeat until no new row
    // is refused.
    let mut refused: HashSet<usize> = HashSet::new();
    let mut errors = Vec::new();
    loop {
        let in_file: HashSet<&str> = rows
            .iter()
            .filter(|(r, _)| !refused.contains(r))
            .map(|(_, u)| u.code.as_str())
            .collect();
        let new: Vec<RowError> = rows
            .iter()
            .filter(|(r, _)| !refused.contains(r))
            .filter_map(|(row, u)| {
                let p = u.parent.as_deref()?;
                (!in_file.contains(p) && !stored(p)).then(|| RowError {
                    row: *row,
                    column: "ma_don_vi_cha".into(),
                    value: p.into(),
                    vi: format!("không có đơn vị cha mã «{p}» (hoặc đơn vị cha bị từ chối trong tệp này)"),
                    en: format!("unknown parent unit '{p}' (or the parent was refused in this file)"),
                })
            })
            .collect();
        if new.is_empty() {
            break;
        }
        refused.extend(new.iter().map(|e| e.row));
        errors.extend(new);
    }
    errors.sort_by_key(|e| e.row);
    errors
}

/// Terms of office of one unit may not overlap. A file row replaces a stored term of the
/// same unit and start date; two file rows with one start date overlap each other. Every
/// file row taking part in an overlap is reported.
pub fn check_head_overlaps(rows: &[(usize, HeadRow)], stored: &[HeadRow]) -> Vec<RowError> {
    let units: HashSet<&str> = rows.iter().map(|(_, h)| h.unit.as_str()).collect();
    let mut by_unit: BTreeMap<&str, Vec<(Option<usize>, &HeadRow)>> = BTreeMap::new();
    let replaced: HashSet<(&str, Date)> = rows.iter().map(|(_, h)| (h.unit.as_str(), h.from)).collect();
    for h in stored
        .iter()
        .filter(|h| units.contains(h.unit.as_str()) && !replaced.contains(&(h.unit.as_str(), h.from)))
    {
        by_unit.entry(&h.unit).or_default().push((None, h));
    }
    for (row, h) in rows {
        by_unit.entry(&h.unit).or_default().push((Some(*row), h));
    }
    let mut errors = Vec::new();
    let mut report = |(ra, a): (Option<usize>, &HeadRow), (rb, b): (Option<usize>, &HeadRow)| {
        let vi = format!(
            "nhiệm kỳ trùng nhau tại đơn vị «{}»: {} (từ {}) và {} (từ {})",
            a.unit,
            a.name,
            a.from.vi(),
            b.name,
            b.from.vi()
        );
        let en = format!(
            "overlapping terms at unit '{}': {} (from {}) and {} (from {})",
            a.unit, a.name, a.from, b.name, b.from
        );
        for (row, h) in [(ra, a), (rb, b)] {
            if let Some(row) = row {
                errors.push(RowError {
                    row,
                    column: "tu_ngay".into(),
                    value: h.from.vi(),
                    vi: vi.clone(),
                    en: en.clone(),
                });
            }
        }
    };
    for terms in by_unit.values_mut() {
        terms.sort_by_key(|(row, h)| (h.from, *row));
        // sweep: each term against the one reaching furthest among those before it
        let mut reach: Option<(Option<usize>, &HeadRow)> = None;
        for &(row, h) in terms.iter() {
            if let Some((rr, r)) = reach {
                if r.to.is_none_or(|t| t >= h.from) {
                    report((rr, r), (row, h));
                }
            }
            let further = match reach {
                None => true,
                Some((_, r)) => match (r.to, h.to) {
                    (None, _) => false,
                    (Some(_), None) => true,
                    (Some(a), Some(b)) => b > a,
                },
            };
            if further {
                reach = Some((row, h));
            }
        }
    }
    errors.sort_by_key(|e| e.row);
    errors.dedup_by(|a, b| a.row == b.row && a.vi == b.vi);
    errors
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
