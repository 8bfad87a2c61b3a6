//! Validation of one row of each kind into a typed record, and the checks that need the
//! whole file (a parent unit further down, overlapping terms of office).

use crate::columns::{index_of, Columns, ImportKind, DOSSIERS, HEADS, MAX_CODE, PROCEDURES, UNITS, VALUES};

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
use thidua_domain::plan::{Kind, ValueRule};
use thidua_domain::time::{Date, DateTime};

mod dossier;
mod whole_file;
pub use dossier::*;
pub use whole_file::*;

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
    /// The checks an entered value of an indicator must pass (its kind, whether a ratio is
    /// a share, whether it counts whole things), or a reason it cannot be entered.
    fn value_rule(&self, code: &str) -> Result<ValueRule, Bad>;
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
    /// `thoi_han_cong_bo`: the shortened time the province published, when given.
    pub published_days: Option<Dec>,
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
    /// Every value within its column's length (`Field::max_chars`); false (with the
    /// errors) when one is over, and the row is not read further.
    fn lengths_fit(&mut self) -> bool {
        let fields = self.cols.kind.fields();
        let mut fit = true;
        for (i, fd) in fields.iter().enumerate() {
            if let Cell::Text(t) = self.cell(i) {
                // bytes bound characters from above: count only when it could matter
                if t.len() > fd.max_chars && t.chars().count() > fd.max_chars {
                    let n = t.chars().count();
                    let max = fd.max_chars;
                    let value: String = t.chars().take(40).chain("…".chars()).collect();
                    self.errors.push(RowError {
                        row: self.row,
                        column: self.cols.header(i),
                        value,
                        vi: format!("dài {n} ký tự, quá độ dài tối đa của cột ({max} ký tự)"),
                        en: format!("{n} characters, over the column's maximum of {max}"),
                    });
                    fit = false;
                }
            }
        }
        fit
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
    if !c.lengths_fit() {
        return Err(c.errors);
    }
    let rec = match cols.kind {
        ImportKind::Units => unit(&mut c, lk).map(Record::Unit),
        ImportKind::Heads => head(&mut c, lk).map(Record::Head),
        ImportKind::Procedures => procedure(&mut c).map(Record::Procedure),
        ImportKind::Dossiers => dossier::dossier(&mut c, lk).map(|d| Record::Dossier(d.into_owned())),
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
    let published = match c.dec(field!(PROCEDURES, "thoi_han_cong_bo")) {
        Some(Some(p)) if p < Dec::ZERO => {
            c.fail(
                field!(PROCEDURES, "thoi_han_cong_bo"),
                bad(
                    "thời hạn công bố không được âm",
                    "the published time cannot be negative",
                ),
            );
            None
        }
        Some(Some(p)) if days.is_some_and(|d| p > d) => {
            c.fail(
                field!(PROCEDURES, "thoi_han_cong_bo"),
                bad(
                    "thời hạn công bố không được dài hơn thời hạn quy định",
                    "the published time cannot exceed the statutory time",
                ),
            );
            None
        }
        Some(p) => Some(p),
        None => None,
    };
    Some(ProcedureRow {
        code: code?.into_owned(),
        name,
        statutory_days: days?,
        online_level: level?,
        published_days: published?,
    })
}

fn value(c: &mut RowCheck, lk: &dyn Lookup) -> Option<ValueRow> {
    let unit = c.known_unit(field!(VALUES, "ma_don_vi"), lk);
    let indicator = c.required_text(field!(VALUES, "ma_chi_tieu"));
    let rule = indicator.as_ref().and_then(|i| match lk.value_rule(i) {
        Ok(r) => Some(r),
        Err(b) => {
            c.fail(field!(VALUES, "ma_chi_tieu"), b);
            None
        }
    });
    let period = c.code_of(field!(VALUES, "ky"), Period::parse, "2023, 2023-Q2, 2023-05");
    let note = c.optional_text(field!(VALUES, "ghi_chu"));
    let rule = rule?;
    if let (Some(expected), Some(p)) = (rule.cadence, period) {
        if p.cadence() != expected {
            c.fail(
                field!(VALUES, "ky"),
                bad(
                    format!(
                        "kỳ {} là kỳ {}, nhưng kế hoạch quy định chỉ tiêu này báo cáo theo {} (ví dụ {})",
                        p.code(),
                        p.cadence().vi().to_lowercase(),
                        expected.vi().to_lowercase(),
                        expected.example(p.year())
                    ),
                    format!(
                        "period {} is a {} period; the plan has this indicator reported by {} (e.g. {})",
                        p.code(),
                        p.cadence().code(),
                        expected.code(),
                        expected.example(p.year())
                    ),
                ),
            );
        }
    }
    let value = match rule.kind {
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
                (Some(n), Some(d)) if rule.whole && !(n.is_integer() && d.is_integer()) => {
                    let (col, v) = if n.is_integer() {
                        (field!(VALUES, "mau_so"), d)
                    } else {
                        (field!(VALUES, "tu_so"), n)
                    };
                    c.fail(
                        col,
                        bad(
                            format!("«{}» không phải số nguyên: chỉ tiêu đếm văn bản, hồ sơ, người", v.vi()),
                            format!("'{}' is not a whole number: the indicator counts documents, dossiers, people", v.plain()),
                        ),
                    );
                    None
                }
                (Some(n), Some(d)) if rule.share && n > d => {
                    c.fail(
                        field!(VALUES, "tu_so"),
                        bad(
                            format!(
                                "tử số {} lớn hơn mẫu số {}: tỷ lệ không vượt quá 100%",
                                n.vi(),
                                d.vi()
                            ),
                            format!(
                                "numerator {} above the denominator {}: a share cannot exceed 100%",
                                n.plain(),
                                d.plain()
                            ),
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

#[cfg(test)]
mod tests;
