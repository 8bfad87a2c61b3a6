//! The columns of each import kind and how headers map onto them: case-insensitive, with
//! or without diacritics, snake-case codes or the Vietnamese labels of FORMATS.md.

use crate::FileError;
use thidua_domain::text::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Units,
    Heads,
    Procedures,
    Dossiers,
    Values,
}

impl ImportKind {
    pub const ALL: [ImportKind; 5] = [
        ImportKind::Units,
        ImportKind::Heads,
        ImportKind::Procedures,
        ImportKind::Dossiers,
        ImportKind::Values,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Units => "units",
            ImportKind::Heads => "heads",
            ImportKind::Procedures => "procedures",
            ImportKind::Dossiers => "dossiers",
            ImportKind::Values => "values",
        }
    }
    pub fn vi(self) -> &'static str {
        match self {
            ImportKind::Units => "cơ quan, đơn vị, địa phương",
            ImportKind::Heads => "người đứng đầu",
            ImportKind::Procedures => "thủ tục hành chính",
            ImportKind::Dossiers => "hồ sơ TTHC",
            ImportKind::Values => "số liệu chỉ tiêu",
        }
    }
    pub fn parse(s: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn fields(self) -> &'static [Field] {
        match self {
            ImportKind::Units => UNITS,
            ImportKind::Heads => HEADS,
            ImportKind::Procedures => PROCEDURES,
            ImportKind::Dossiers => DOSSIERS,
            ImportKind::Values => VALUES,
        }
    }
}

/// One column: its code, its Vietnamese label, other accepted headers, whether required,
/// and the most characters a value may have (FORMATS.md lists them).
#[derive(Debug)]
pub struct Field {
    pub code: &'static str,
    pub vi: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
    pub max_chars: usize,
}

/// The longest value of each sort of column, in characters. A code is an identifier from
/// another system: national dossier and procedure codes run to ~25 characters. A name is a
/// unit's, a person's or a position's. A procedure's name can be a long sentence. A date,
/// a number or a listed code is short. A note is a paragraph.
pub const MAX_CODE: usize = 64;
pub const MAX_NAME: usize = 255;
pub const MAX_PROCEDURE_NAME: usize = 1_000;
pub const MAX_SHORT: usize = 64;
pub const MAX_NOTE: usize = 2_000;

const fn f(code: &'static str, vi: &'static str, aliases: &'static [&'static str], required: bool) -> Field {
    Field {
        code,
        vi,
        aliases,
        required,
        max_chars: MAX_SHORT,
    }
}

const fn max(field: Field, max_chars: usize) -> Field {
    Field { max_chars, ..field }
}

pub const UNITS: &[Field] = &[
    max(
        f("ma_don_vi", "Mã đơn vị", &["Mã cơ quan", "Mã ĐV"], true),
        MAX_CODE,
    ),
    max(
        f(
            "ten_don_vi",
            "Tên đơn vị",
            &["Tên cơ quan", "Tên cơ quan, đơn vị"],
            true,
        ),
        MAX_NAME,
    ),
    f("cap", "Cấp", &["Cấp hành chính"], true),
    max(
        f(
            "ma_don_vi_cha",
            "Mã đơn vị cha",
            &["Đơn vị cha", "Mã cấp trên"],
            false,
        ),
        MAX_CODE,
    ),
];
pub const HEADS: &[Field] = &[
    max(
        f("ma_don_vi", "Mã đơn vị", &["Mã cơ quan", "Mã ĐV"], true),
        MAX_CODE,
    ),
    max(f("ho_ten", "Họ và tên", &["Họ tên"], true), MAX_NAME),
    max(f("chuc_vu", "Chức vụ", &[], false), MAX_NAME),
    f("tu_ngay", "Từ ngày", &[], true),
    f("den_ngay", "Đến ngày", &[], false),
];
pub const PROCEDURES: &[Field] = &[
    max(f("ma_tthc", "Mã TTHC", &["Mã thủ tục"], true), MAX_CODE),
    max(
        f("ten_tthc", "Tên TTHC", &["Tên thủ tục"], false),
        MAX_PROCEDURE_NAME,
    ),
    f(
        "thoi_han_quy_dinh",
        "Thời hạn quy định",
        &["Thời hạn giải quyết"],
        true,
    ),
    f(
        "muc_do_dvc",
        "Mức độ DVC trực tuyến",
        &["Mức độ DVC", "Mức độ"],
        true,
    ),
    f(
        "thoi_han_cong_bo",
        "Thời hạn công bố",
        &["Thời hạn rút ngắn", "Thời hạn giải quyết công bố"],
        false,
    ),
];
pub const DOSSIERS: &[Field] = &[
    max(f("ma_ho_so", "Mã hồ sơ", &[], true), MAX_CODE),
    max(
        f("ma_don_vi", "Mã đơn vị", &["Mã cơ quan", "Mã ĐV"], true),
        MAX_CODE,
    ),
    max(f("ma_tthc", "Mã TTHC", &["Mã thủ tục"], true), MAX_CODE),
    f("ngay_tiep_nhan", "Ngày tiếp nhận", &[], true),
    f("han_xu_ly", "Hạn xử lý", &["Ngày hẹn trả"], true),
    f("ngay_ket_qua", "Ngày có kết quả", &["Ngày trả kết quả"], true),
    f("kenh_nop", "Kênh nộp", &[], true),
    f("trang_thai", "Trạng thái", &[], true),
];
pub const VALUES: &[Field] = &[
    max(
        f("ma_don_vi", "Mã đơn vị", &["Mã cơ quan", "Mã ĐV"], true),
        MAX_CODE,
    ),
    max(f("ma_chi_tieu", "Mã chỉ tiêu", &[], true), MAX_CODE),
    f("ky", "Kỳ", &["Kỳ báo cáo"], true),
    f("tu_so", "Tử số", &[], false),
    f("mau_so", "Mẫu số", &[], false),
    f("gia_tri", "Giá trị", &[], false),
    max(f("ghi_chu", "Ghi chú", &[], false), MAX_NOTE),
];

/// The position of `code` in `fields`; evaluated at compile time by `rows::field!`, so a
/// misspelt code does not build.
pub const fn index_of(fields: &[Field], code: &str) -> usize {
    let mut i = 0;
    while i < fields.len() {
        let (a, b) = (fields[i].code.as_bytes(), code.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("unknown field code")
}

/// Where each field of a kind sits in the file.
#[derive(Debug, Clone)]
pub struct Columns {
    pub kind: ImportKind,
    /// Column index per field of `kind.fields()`.
    pub index: Vec<Option<usize>>,
    /// The header text of each column in the file, for error reports.
    pub headers: Vec<String>,
    /// Headers that matched no field: ignored, and listed in the report.
    pub unknown: Vec<String>,
}

impl Columns {
    pub fn map(kind: ImportKind, headers: &[String]) -> Result<Columns, FileError> {
        let fields = kind.fields();
        let mut index = vec![None; fields.len()];
        let mut unknown = Vec::new();
        for (col, h) in headers.iter().enumerate() {
            let key = fold(h);
            if key.is_empty() {
                continue;
            }
            let hit = fields.iter().position(|fd| {
                fold(fd.code) == key || fold(fd.vi) == key || fd.aliases.iter().any(|a| fold(a) == key)
            });
            match hit {
                Some(i) if index[i].is_some() => return Err(FileError::DuplicateColumn(h.clone())),
                Some(i) => index[i] = Some(col),
                None => unknown.push(h.clone()),
            }
        }
        let missing: Vec<(&'static str, &'static str)> = fields
            .iter()
            .zip(&index)
            .filter(|(fd, i)| fd.required && i.is_none())
            .map(|(fd, _)| (fd.code, fd.vi))
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns(missing));
        }
        Ok(Columns {
            kind,
            index,
            headers: headers.to_vec(),
            unknown,
        })
    }

    /// The cell of field number `field` in `row` (empty when the column is absent or the
    /// row short).
    pub fn get<'a>(&self, row: &[crate::table::Cell<'a>], field: usize) -> crate::table::Cell<'a> {
        self.index[field]
            .and_then(|i| row.get(i).copied())
            .unwrap_or(crate::table::Cell::Empty)
    }

    /// The header under which field number `field` appears in the file.
    pub fn header(&self, field: usize) -> String {
        self.index[field]
            .map(|i| self.headers[i].clone())
            .unwrap_or_else(|| self.kind.fields()[field].code.to_string())
    }
}
