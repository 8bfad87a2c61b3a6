//! A deterministic demo province for `thidua demo`, modelled on Bà Rịa - Vũng Tàu in 2023:
//! provincial agencies, districts and their communes, heads with terms of office, a
//! procedure catalogue, a year of one-stop-shop dossiers and the entered indicator values.
//!
//! Nothing is written behind the importer's back: the generator writes the FORMATS.md CSV
//! files in memory and imports them as an office would, so the demo passes the same
//! validation as real data, and a bad row is a bug here, reported as an error.
//!
//! The same seed gives the same files byte for byte: a self-contained splitmix64, one
//! stream per part (units' conduct, heads, values, each unit's dossiers) so that changing one
//! part does not reshuffle the others, and no hash-map iteration anywhere.

use crate::import::{ImportError, ImportOptions};
use crate::{refused, Store, StoreError};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use thidua_domain::calendar::Calendar;
use thidua_domain::dossier::{Channel, DossierStatus, OnlineLevel};
use thidua_domain::num::{Dec, SCALE};
use thidua_domain::plan::{Comparison, Indicator, Kind, Plan, Threshold};
use thidua_domain::time::{Date, DateTime};
use thidua_ingest::{ImportKind, ImportReport};

/// What `seed_demo` imported: rows accepted by each import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub units: usize,
    /// Terms of office (one district has two).
    pub heads: usize,
    pub procedures: usize,
    pub dossiers: u64,
    /// Entered values, verified and submitted together.
    pub entries: u64,
}

/// The district whose head changes on 1 July: two heads of six months each.
pub const HEAD_CHANGE_UNIT: &str = "H04";
/// The commune whose head took office on 1 October: evaluated, but too short a tenure.
pub const SHORT_TENURE_UNIT: &str = "H06X03";

/// Fills an initialised store (plan cchc-2023 and calendar already loaded) with a realistic province for `year` (2023).
pub fn seed_demo(store: &mut Store, year: i32, seed: u64) -> Result<DemoSummary, ImportError> {
    let plan = store.plan_for(Some(year), None)?;
    let files = DemoFiles::build(&plan, &store.calendar()?, year, seed)?;
    let units = import_csv(store, ImportKind::Units, "demo-don-vi.csv", &files.units, false)?;
    let heads = import_csv(
        store,
        ImportKind::Heads,
        "demo-nguoi-dung-dau.csv",
        &files.heads,
        false,
    )?;
    let procedures = import_csv(
        store,
        ImportKind::Procedures,
        "demo-thu-tuc-hanh-chinh.csv",
        &files.procedures,
        false,
    )?;
    let dossiers = import_csv(
        store,
        ImportKind::Dossiers,
        &format!("demo-ho-so-{year}.csv"),
        &files.dossiers,
        false,
    )?;
    let mut entries = 0;
    // Most units' figures are already verified by the movement office; the rest are only
    // submitted, so their results show as provisional.
    let values = [
        (&files.values_verified, true, "demo-so-lieu-da-xac-nhan.csv"),
        (&files.values_submitted, false, "demo-so-lieu-da-gui.csv"),
    ];
    for (text, verified, name) in values {
        if text.lines().nth(1).is_some() {
            entries += import_csv(store, ImportKind::Values, name, text, verified)?.rows_ok;
        }
    }
    Ok(DemoSummary {
        units: units.rows_ok as usize,
        heads: heads.rows_ok as usize,
        procedures: procedures.rows_ok as usize,
        dossiers: dossiers.rows_ok,
        entries,
    })
}

/// Imports one generated file; any bad row is the generator's bug and fails the seeding.
fn import_csv(
    store: &mut Store,
    kind: ImportKind,
    file_name: &str,
    text: &str,
    verified: bool,
) -> Result<ImportReport, ImportError> {
    let opts = ImportOptions {
        file_name: file_name.into(),
        by: "demo".into(),
        verified,
        ..Default::default()
    };
    let report = store.import(
        kind,
        std::io::Cursor::new(text.as_bytes()),
        &opts,
        &mut |_| {},
        &|_| {},
    )?;
    if report.rows_bad > 0 || !report.committed {
        let (vi, en) = report
            .errors
            .first()
            .map(|e| {
                (
                    format!("dòng {}, cột {} «{}»: {}", e.row, e.column, e.value, e.vi),
                    format!("row {}, column {} '{}': {}", e.row, e.column, e.value, e.en),
                )
            })
            .unwrap_or_default();
        return Err(ImportError::Store(refused(
            format!("dữ liệu mẫu «{file_name}» có {} dòng lỗi — {vi}", report.rows_bad),
            format!("demo file '{file_name}' has {} bad rows — {en}", report.rows_bad),
        )));
    }
    Ok(report)
}

/// The generated CSV files (FORMATS.md columns, ASCII codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DemoFiles {
    pub units: String,
    pub heads: String,
    pub procedures: String,
    pub dossiers: String,
    pub values_verified: String,
    pub values_submitted: String,
}

impl DemoFiles {
    pub(crate) fn build(
        plan: &Plan,
        calendar: &Calendar,
        year: i32,
        seed: u64,
    ) -> Result<DemoFiles, StoreError> {
        if let Some(t) = ["tinh", "huyen", "xa"]
            .into_iter()
            .find(|t| plan.tier(t).is_none())
        {
            return Err(refused(
                format!(
                    "tỉnh mẫu cần kế hoạch có cấp «{t}»; kế hoạch «{}» không có",
                    plan.code
                ),
                format!(
                    "the demo province needs a plan with tier '{t}'; plan '{}' has none",
                    plan.code
                ),
            ));
        }
        let units = province();
        let cast = Cast::choose(&units, &mut Rng::stream(seed, "cast"));
        let (values_verified, values_submitted) =
            values_csv(plan, &units, &cast, year, &mut Rng::stream(seed, "values"));
        Ok(DemoFiles {
            units: units_csv(&units),
            heads: heads_csv(&units, year, &mut Rng::stream(seed, "heads")),
            procedures: procedures_csv(),
            dossiers: dossiers_csv(&units, &cast, calendar, year, seed),
            values_verified,
            values_submitted,
        })
    }
}

// ---------------------------------------------------------------------------------------
// The province: agencies, districts, communes and the procedure catalogue.

/// (code, name, the head's title, yearly dossiers, holds public investment capital). Only
/// agencies with investment projects report `giai_ngan_dtc`, which is "nếu có" at this tier.
const AGENCIES: &[(&str, &str, &str, u32, bool)] = &[
    ("S01", "Sở Nội vụ", "Giám đốc Sở Nội vụ", 400, false),
    ("S02", "Sở Tài chính", "Giám đốc Sở Tài chính", 500, false),
    ("S03", "Sở Tư pháp", "Giám đốc Sở Tư pháp", 3000, false),
    (
        "S04",
        "Sở Kế hoạch và Đầu tư",
        "Giám đốc Sở Kế hoạch và Đầu tư",
        3500,
        false,
    ),
    ("S05", "Sở Công Thương", "Giám đốc Sở Công Thương", 900, false),
    (
        "S06",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Giám đốc Sở Nông nghiệp và Phát triển nông thôn",
        700,
        true,
    ),
    (
        "S07",
        "Sở Giao thông vận tải",
        "Giám đốc Sở Giao thông vận tải",
        6500,
        true,
    ),
    ("S08", "Sở Xây dựng", "Giám đốc Sở Xây dựng", 1200, true),
    (
        "S09",
        "Sở Tài nguyên và Môi trường",
        "Giám đốc Sở Tài nguyên và Môi trường",
        5500,
        false,
    ),
    (
        "S10",
        "Sở Thông tin và Truyền thông",
        "Giám đốc Sở Thông tin và Truyền thông",
        150,
        true,
    ),
    (
        "S11",
        "Sở Lao động - Thương binh và Xã hội",
        "Giám đốc Sở Lao động - Thương binh và Xã hội",
        2600,
        true,
    ),
    (
        "S12",
        "Sở Văn hóa và Thể thao",
        "Giám đốc Sở Văn hóa và Thể thao",
        200,
        true,
    ),
    ("S13", "Sở Du lịch", "Giám đốc Sở Du lịch", 250, false),
    (
        "S14",
        "Sở Khoa học và Công nghệ",
        "Giám đốc Sở Khoa học và Công nghệ",
        120,
        false,
    ),
    (
        "S15",
        "Sở Giáo dục và Đào tạo",
        "Giám đốc Sở Giáo dục và Đào tạo",
        1000,
        true,
    ),
    ("S16", "Sở Y tế", "Giám đốc Sở Y tế", 1800, true),
    ("S17", "Thanh tra tỉnh", "Chánh Thanh tra tỉnh", 80, false),
    (
        "S18",
        "Văn phòng UBND tỉnh",
        "Chánh Văn phòng UBND tỉnh",
        400,
        false,
    ),
    ("S19", "Ban Dân tộc tỉnh", "Trưởng Ban Dân tộc tỉnh", 40, false),
    (
        "S20",
        "Ban Quản lý các khu công nghiệp tỉnh",
        "Trưởng Ban Quản lý các khu công nghiệp tỉnh",
        1500,
        true,
    ),
];

/// (code, name, yearly dossiers, communes). Côn Đảo, as in reality, is a district with no
/// commune-level unit.
const DISTRICTS: &[(&str, &str, u32, &[&str])] = &[
    (
        "H01",
        "UBND thành phố Bà Rịa",
        2000,
        &[
            "phường Phước Hiệp",
            "phường Phước Trung",
            "phường Long Toàn",
            "phường Kim Dinh",
            "xã Hòa Long",
            "xã Tân Hưng",
        ],
    ),
    (
        "H02",
        "UBND thành phố Vũng Tàu",
        2600,
        &[
            "Phường 1",
            "phường Thắng Tam",
            "phường Rạch Dừa",
            "phường Thắng Nhất",
            "phường Nguyễn An Ninh",
            "xã Long Sơn",
        ],
    ),
    (
        "H03",
        "UBND thị xã Phú Mỹ",
        2200,
        &[
            "phường Phú Mỹ",
            "phường Mỹ Xuân",
            "phường Hắc Dịch",
            "phường Tân Phước",
            "xã Tóc Tiên",
            "xã Sông Xoài",
            "xã Châu Pha",
        ],
    ),
    (
        "H04",
        "UBND huyện Long Điền",
        1700,
        &[
            "thị trấn Long Điền",
            "thị trấn Long Hải",
            "xã An Ngãi",
            "xã An Nhứt",
            "xã Phước Hưng",
            "xã Tam Phước",
            "xã Phước Tỉnh",
        ],
    ),
    (
        "H05",
        "UBND huyện Đất Đỏ",
        1300,
        &[
            "thị trấn Đất Đỏ",
            "thị trấn Phước Hải",
            "xã Long Tân",
            "xã Láng Dài",
            "xã Phước Hội",
            "xã Lộc An",
        ],
    ),
    (
        "H06",
        "UBND huyện Xuyên Mộc",
        1700,
        &[
            "thị trấn Phước Bửu",
            "xã Bình Châu",
            "xã Hòa Bình",
            "xã Bưng Riềng",
            "xã Bông Trang",
            "xã Xuyên Mộc",
        ],
    ),
    (
        "H07",
        "UBND huyện Châu Đức",
        1800,
        &[
            "thị trấn Ngãi Giao",
            "xã Kim Long",
            "xã Bình Ba",
            "xã Suối Nghệ",
            "xã Đá Bạc",
            "xã Xà Bang",
        ],
    ),
    ("H08", "UBND huyện Côn Đảo", 500, &[]),
];

/// One procedure of the catalogue. Codes follow the national catalogue's style but are
/// made up; `owner` is the agency code, or the tier whose every unit resolves it.
struct Procedure {
    code: &'static str,
    name: &'static str,
    /// Statutory time in half working days (0.5 day steps, as the catalogue has them).
    half_days: u32,
    level: OnlineLevel,
    owner: &'static str,
    /// How common it is among its owner's dossiers.
    weight: u32,
}

const fn p(
    code: &'static str,
    name: &'static str,
    half_days: u32,
    level: OnlineLevel,
    owner: &'static str,
    weight: u32,
) -> Procedure {
    Procedure {
        code,
        name,
        half_days,
        level,
        owner,
        weight,
    }
}

use OnlineLevel::{Khong, MotPhan, ToanTrinh};
const PROCEDURES: &[Procedure] = &[
    p(
        "1.005384",
        "Xét tặng Bằng khen của Chủ tịch UBND tỉnh",
        40,
        MotPhan,
        "S01",
        1,
    ),
    p(
        "2.001035",
        "Đăng ký mã số đơn vị có quan hệ với ngân sách",
        4,
        ToanTrinh,
        "S02",
        1,
    ),
    p(
        "2.000488",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
        20,
        ToanTrinh,
        "S03",
        1,
    ),
    p(
        "2.001610",
        "Đăng ký thành lập doanh nghiệp tư nhân",
        6,
        ToanTrinh,
        "S04",
        2,
    ),
    p(
        "2.002034",
        "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
        6,
        ToanTrinh,
        "S04",
        5,
    ),
    p(
        "2.000633",
        "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm thuộc thẩm quyền của Sở Công Thương",
        40,
        MotPhan,
        "S05",
        1,
    ),
    p(
        "1.008050",
        "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông, lâm, thủy sản",
        30,
        MotPhan,
        "S06",
        1,
    ),
    p(
        "1.002809",
        "Đổi Giấy phép lái xe do ngành Giao thông vận tải cấp",
        10,
        ToanTrinh,
        "S07",
        5,
    ),
    p(
        "1.002856",
        "Cấp phù hiệu xe ô tô kinh doanh vận tải",
        4,
        ToanTrinh,
        "S07",
        2,
    ),
    p(
        "1.009972",
        "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III",
        40,
        MotPhan,
        "S08",
        1,
    ),
    p(
        "1.004227",
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        20,
        MotPhan,
        "S09",
        1,
    ),
    p(
        "1.003725",
        "Cấp giấy phép xuất bản bản tin",
        20,
        ToanTrinh,
        "S10",
        1,
    ),
    p(
        "1.001978",
        "Giải quyết hưởng trợ cấp thất nghiệp",
        40,
        MotPhan,
        "S11",
        1,
    ),
    p(
        "1.001008",
        "Cấp Giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao",
        14,
        ToanTrinh,
        "S12",
        1,
    ),
    p(
        "1.004628",
        "Cấp Giấy phép kinh doanh dịch vụ lữ hành nội địa",
        20,
        ToanTrinh,
        "S13",
        1,
    ),
    p(
        "1.003497",
        "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
        30,
        MotPhan,
        "S14",
        1,
    ),
    p(
        "1.005092",
        "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc",
        1,
        MotPhan,
        "S15",
        1,
    ),
    p("1.004616", "Cấp Chứng chỉ hành nghề dược", 40, MotPhan, "S16", 1),
    p(
        "2.002156",
        "Giải quyết khiếu nại lần đầu tại cấp tỉnh",
        60,
        Khong,
        "S17",
        1,
    ),
    p(
        "2.000350",
        "Cho phép sử dụng thẻ đi lại của doanh nhân APEC",
        30,
        MotPhan,
        "S18",
        1,
    ),
    p(
        "1.004909",
        "Công nhận người có uy tín trong đồng bào dân tộc thiểu số",
        30,
        Khong,
        "S19",
        1,
    ),
    p(
        "2.000192",
        "Cấp giấy phép lao động cho người nước ngoài làm việc trong khu công nghiệp",
        10,
        ToanTrinh,
        "S20",
        1,
    ),
    p(
        "1.009994",
        "Cấp giấy phép xây dựng đối với nhà ở riêng lẻ",
        30,
        MotPhan,
        "huyen",
        4,
    ),
    p(
        "2.000720",
        "Đăng ký thành lập hộ kinh doanh",
        6,
        ToanTrinh,
        "huyen",
        6,
    ),
    p(
        "1.004269",
        "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu",
        60,
        MotPhan,
        "huyen",
        3,
    ),
    p(
        "2.000908",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của nước ngoài cấp",
        1,
        Khong,
        "huyen",
        5,
    ),
    p(
        "1.001695",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        30,
        MotPhan,
        "huyen",
        1,
    ),
    p(
        "1.001176",
        "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke",
        10,
        ToanTrinh,
        "huyen",
        1,
    ),
    p(
        "1.001279",
        "Cấp Giấy phép bán lẻ sản phẩm thuốc lá",
        20,
        ToanTrinh,
        "huyen",
        1,
    ),
    p(
        "1.001776",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
        40,
        MotPhan,
        "huyen",
        3,
    ),
    p(
        "2.002180",
        "Giải quyết khiếu nại lần đầu tại cấp huyện",
        60,
        Khong,
        "huyen",
        1,
    ),
    p("1.001193", "Đăng ký khai sinh", 1, ToanTrinh, "xa", 8),
    p("1.000894", "Đăng ký kết hôn", 1, MotPhan, "xa", 3),
    p("1.000656", "Đăng ký khai tử", 1, ToanTrinh, "xa", 2),
    p(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp",
        1,
        Khong,
        "xa",
        10,
    ),
    p(
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        1,
        Khong,
        "xa",
        4,
    ),
    p("1.004884", "Cấp bản sao trích lục hộ tịch", 0, ToanTrinh, "xa", 3),
    p(
        "1.004873",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        6,
        ToanTrinh,
        "xa",
        4,
    ),
    p(
        "1.004859",
        "Thay đổi, cải chính, bổ sung thông tin hộ tịch",
        6,
        MotPhan,
        "xa",
        1,
    ),
    p(
        "1.003554",
        "Chứng thực hợp đồng, giao dịch liên quan đến quyền sử dụng đất và nhà ở",
        4,
        Khong,
        "xa",
        2,
    ),
    p("2.000305", "Hòa giải tranh chấp đất đai", 90, Khong, "xa", 1),
];

/// A procedure announced during the year but missing from the catalogue: a few districts
/// file dossiers under it, which the evaluation reports and leaves out of two ratios.
const UNCATALOGUED: Procedure = p("2.002381", "", 20, Khong, "huyen", 0);

struct DemoUnit {
    code: String,
    name: String,
    tier: &'static str,
    parent: Option<String>,
    /// The head's title.
    title: String,
    /// Yearly dossiers before each unit's own spread.
    dossiers: u32,
    /// Indices into `PROCEDURES`.
    procedures: Vec<usize>,
    invests: bool,
}

/// The province's units: agencies, then each district followed by its communes.
fn province() -> Vec<DemoUnit> {
    let handled_by = |owner: &str| {
        PROCEDURES
            .iter()
            .enumerate()
            .filter(|(_, p)| p.owner == owner)
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    let mut units: Vec<DemoUnit> = AGENCIES
        .iter()
        .map(|&(code, name, title, dossiers, invests)| DemoUnit {
            code: code.into(),
            name: name.into(),
            tier: "tinh",
            parent: None,
            title: title.into(),
            dossiers,
            procedures: handled_by(code),
            invests,
        })
        .collect();
    for &(code, name, dossiers, communes) in DISTRICTS {
        units.push(DemoUnit {
            code: code.into(),
            name: name.into(),
            tier: "huyen",
            parent: None,
            title: format!("Chủ tịch {name}"),
            dossiers,
            procedures: handled_by("huyen"),
            invests: true,
        });
        for (i, commune) in communes.iter().enumerate() {
            let name = format!("UBND {commune}");
            // Urban wards see more people than rural communes.
            let dossiers = if commune.starts_with("xã") {
                300
            } else if commune.starts_with("thị trấn") {
                400
            } else {
                450
            };
            units.push(DemoUnit {
                code: format!("{code}X{:02}", i + 1),
                title: format!("Chủ tịch {name}"),
                name,
                tier: "xa",
                parent: Some(code.into()),
                dossiers,
                procedures: handled_by("xa"),
                invests: false,
            });
        }
    }
    units
}

// ---------------------------------------------------------------------------------------
// Who does well and who does not: chosen per seed, in fixed numbers, so every seed gives
// a province with a ranking worth reading and a few heads visibly short of a target.

/// How a unit handles its dossiers.
#[derive(Debug, Clone, Copy)]
struct Conduct {
    /// Chance that a dossier is resolved after its due date.
    late: f64,
    /// Chance that a dossier of an online procedure is filed online.
    online: f64,
    /// The share of the statutory time a timely dossier takes, drawn from this range.
    pace: (f64, f64),
}

struct Cast {
    conduct: Vec<Conduct>,
    /// Units that miss the target of one entered indicator.
    fails_value: Vec<bool>,
    /// Units that forgot to report one required indicator.
    misses_value: Vec<bool>,
    /// Units whose values the movement office has verified (the others are submitted).
    verified: Vec<bool>,
    /// Units that filed dossiers under the uncatalogued procedure.
    uncatalogued: Vec<bool>,
}

impl Cast {
    fn choose(units: &[DemoUnit], rng: &mut Rng) -> Cast {
        let n = units.len();
        let conduct = units
            .iter()
            .map(|u| {
                let online = if u.tier == "tinh" {
                    rng.between(0.965, 0.99)
                } else {
                    rng.between(0.88, 0.97)
                };
                Conduct {
                    late: 0.0005,
                    online,
                    pace: (0.15, 0.70),
                }
            })
            .collect();
        let mut cast = Cast {
            conduct,
            fails_value: vec![false; n],
            misses_value: vec![false; n],
            verified: vec![false; n],
            uncatalogued: vec![false; n],
        };
        let protected = |u: &DemoUnit| u.code == HEAD_CHANGE_UNIT || u.code == SHORT_TENURE_UNIT;
        let mut taken: BTreeSet<usize> = BTreeSet::new();
        let mut pick = |rng: &mut Rng, count: usize, ok: &dyn Fn(&DemoUnit) -> bool| {
            let mut pool: Vec<usize> = (0..n)
                .filter(|&i| !taken.contains(&i) && !protected(&units[i]) && ok(&units[i]))
                .collect();
            rng.shuffle(&mut pool);
            pool.truncate(count);
            taken.extend(pool.iter().copied());
            pool
        };
        // Late units fail `tthc_dung_han` (≥ 99%); slow ones `tthc_rut_ngan` (≥ 35%);
        // offline ones `dvc_truc_tuyen` (≥ 80%).
        let late: Vec<usize> = [
            pick(rng, 1, &|u| u.tier == "tinh" && u.dossiers >= 500),
            pick(rng, 1, &|u| u.tier == "huyen"),
            pick(rng, 2, &|u| u.tier == "xa"),
        ]
        .concat();
        for i in late {
            cast.conduct[i].late = rng.between(0.03, 0.06);
        }
        for i in [
            pick(rng, 1, &|u| u.tier == "tinh" && u.dossiers >= 500),
            pick(rng, 1, &|u| u.tier == "huyen"),
        ]
        .concat()
        {
            cast.conduct[i].pace = (0.7, 1.0);
        }
        for i in pick(rng, 2, &|u| u.tier != "tinh") {
            cast.conduct[i].online = rng.between(0.62, 0.74);
        }
        for i in pick(rng, n * 15 / 100, &|_| true) {
            cast.fails_value[i] = true;
        }
        for i in pick(rng, 1, &|_| true) {
            cast.misses_value[i] = true;
        }
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        for &i in &order[..n * 7 / 10] {
            cast.verified[i] = true;
        }
        let mut districts: Vec<usize> = (0..n).filter(|&i| units[i].tier == "huyen").collect();
        rng.shuffle(&mut districts);
        for &i in &districts[..2] {
            cast.uncatalogued[i] = true;
        }
        cast
    }
}

// ---------------------------------------------------------------------------------------
// Units, heads and procedures.

fn units_csv(units: &[DemoUnit]) -> String {
    let mut out = String::from("ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\n");
    for u in units {
        row(
            &mut out,
            &[&u.code, &u.name, u.tier, u.parent.as_deref().unwrap_or("")],
        );
    }
    out
}

fn heads_csv(units: &[DemoUnit], year: i32, rng: &mut Rng) -> String {
    let ymd = |y: i32, m: u32, d: u32| Date::from_ymd(y, m, d).expect("a valid date");
    let mut out = String::from("ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\n");
    let mut names = BTreeSet::new();
    for u in units {
        let terms = if u.code == HEAD_CHANGE_UNIT {
            vec![
                (ymd(year - 2, 6, 25), Some(ymd(year, 6, 30))),
                (ymd(year, 7, 1), None),
            ]
        } else if u.code == SHORT_TENURE_UNIT {
            vec![(ymd(year, 10, 1), None)]
        } else if u.tier == "tinh" {
            // Directors are appointed any time.
            vec![(rng.date(ymd(year - 5, 1, 1), ymd(year - 1, 12, 31)), None)]
        } else if rng.chance(0.75) {
            // Chairs are elected by the councils of the 2021–2026 term, most in the first
            // sessions, a few later.
            vec![(rng.date(ymd(year - 2, 6, 20), ymd(year - 2, 7, 15)), None)]
        } else {
            vec![(rng.date(ymd(year - 2, 8, 1), ymd(year - 1, 12, 31)), None)]
        };
        for (from, to) in terms {
            let name = rng.person(&mut names);
            row(
                &mut out,
                &[
                    &u.code,
                    &name,
                    &u.title,
                    &from.iso(),
                    &to.map(Date::iso).unwrap_or_default(),
                ],
            );
        }
    }
    out
}

fn procedures_csv() -> String {
    let mut out = String::from("ma_tthc,ten_tthc,thoi_han_quy_dinh,muc_do_dvc\n");
    for p in PROCEDURES {
        let days = if p.half_days % 2 == 0 {
            (p.half_days / 2).to_string()
        } else {
            format!("{}.5", p.half_days / 2)
        };
        row(&mut out, &[p.code, p.name, &days, p.level.code()]);
    }
    out
}

// ---------------------------------------------------------------------------------------
// A year of dossiers.

/// Relative dossier traffic per month: quieter around Tết, busier at the year's end.
const MONTH_WEIGHT: [u64; 12] = [80, 90, 110, 100, 95, 105, 100, 105, 95, 105, 105, 115];

const OPEN: u32 = 7 * 3600 + 30 * 60;
const NOON: u32 = 12 * 3600;
const LUNCH: (u32, u32) = (11 * 3600 + 30 * 60, 13 * 3600 + 30 * 60);
/// Reception closes half an hour before the end of the day.
const LAST_RECEIPT: u32 = 16 * 3600 + 30 * 60;
const CLOSE: u32 = 17 * 3600;

/// The year's working days, weighted by month, to draw reception days from.
struct WorkingDays {
    days: Vec<Date>,
    cumulative: Vec<u64>,
}

impl WorkingDays {
    fn of_year(cal: &Calendar, year: i32) -> WorkingDays {
        let (mut days, mut cumulative, mut total) = (Vec::new(), Vec::new(), 0);
        let mut d = Date::from_ymd(year, 1, 1).expect("1 January");
        while d.ymd().0 == year {
            if cal.is_working_day(d) {
                total += MONTH_WEIGHT[d.ymd().1 as usize - 1];
                days.push(d);
                cumulative.push(total);
            }
            d = d.succ();
        }
        WorkingDays { days, cumulative }
    }
    fn draw(&self, rng: &mut Rng) -> Date {
        let x = rng.below(*self.cumulative.last().expect("a year has working days"));
        self.days[self.cumulative.partition_point(|&c| c <= x)]
    }
}

/// The `n`-th working day after `d` (`d` itself for 0).
fn add_working_days(cal: &Calendar, mut d: Date, mut n: u32) -> Date {
    while n > 0 {
        d = d.succ();
        if cal.is_working_day(d) {
            n -= 1;
        }
    }
    d
}

fn at(d: Date, secs: u32) -> DateTime {
    DateTime(d.start().0 + secs as i64)
}

struct Dossier {
    procedure: &'static str,
    received: DateTime,
    due: DateTime,
    done: Option<DateTime>,
    channel: Channel,
    status: DossierStatus,
}

/// One dossier of procedure `p` at a unit of conduct `c`, received in the year.
fn dossier(
    p: &Procedure,
    c: &Conduct,
    days: &WorkingDays,
    cal: &Calendar,
    year_end: Date,
    rng: &mut Rng,
) -> Dossier {
    let day = days.draw(rng);
    let t0 = if rng.chance(0.6) {
        rng.between_u32(OPEN, LUNCH.0)
    } else {
        rng.between_u32(LUNCH.1, LAST_RECEIPT)
    };
    // Due: whole statutory days after reception at the close of day; half a day more is
    // the same afternoon for a morning reception, else the next working morning.
    let whole = p.half_days / 2;
    let mut due_day = add_working_days(cal, day, whole);
    let mut due_secs = CLOSE;
    if p.half_days % 2 == 1 && t0 >= NOON {
        due_day = add_working_days(cal, due_day, 1);
        due_secs = LUNCH.0;
    }
    let due = at(due_day, due_secs);
    let online = match p.level {
        ToanTrinh => (c.online + 0.03).min(0.995),
        MotPhan => c.online - 0.02,
        Khong => 0.0,
    };
    let channel = if rng.chance(online) {
        Channel::TrucTuyen
    } else if rng.chance(0.12) {
        Channel::BuuChinh
    } else {
        Channel::TrucTiep
    };
    let roll = rng.unit();
    let mut status = if roll < 0.008 {
        DossierStatus::Rut
    } else if roll < 0.028 {
        DossierStatus::TuChoi
    } else {
        DossierStatus::DaTraKetQua
    };
    let mut done = None;
    if status != DossierStatus::Rut {
        let finished = if status == DossierStatus::DaTraKetQua && rng.chance(c.late) {
            let d = add_working_days(cal, due_day, 1 + rng.below(5) as u32);
            at(d, rng.between_u32(OPEN, CLOSE))
        } else {
            // A refusal comes early; a result takes a share of the statutory time.
            let pace = if status == DossierStatus::TuChoi {
                rng.between(0.0, 0.5)
            } else {
                rng.between(c.pace.0, c.pace.1)
            };
            let k = (whole as f64 * pace).floor() as u32;
            let d = add_working_days(cal, day, k.min(whole));
            let lo = if d == day { t0 + 600 } else { OPEN };
            let hi = if d == due_day { due_secs } else { CLOSE };
            at(d, rng.between_u32(lo, hi))
        };
        // Not finished by the year's end: still in progress in this year's export.
        if finished.date() > year_end {
            status = DossierStatus::DangXuLy;
        } else {
            done = Some(finished);
        }
    }
    Dossier {
        procedure: p.code,
        received: at(day, t0),
        due,
        done,
        channel,
        status,
    }
}

fn dossiers_csv(units: &[DemoUnit], cast: &Cast, cal: &Calendar, year: i32, seed: u64) -> String {
    let days = WorkingDays::of_year(cal, year);
    let year_end = Date::from_ymd(year, 12, 31).expect("31 December");
    let mut out = String::with_capacity(64 * 100_000);
    out.push_str("ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n");
    for (i, u) in units.iter().enumerate() {
        let rng = &mut Rng::stream(seed, &format!("dossiers/{}", u.code));
        let procedures: Vec<&Procedure> = u.procedures.iter().map(|&p| &PROCEDURES[p]).collect();
        let total: u64 = procedures.iter().map(|p| p.weight as u64).sum();
        let count = u.dossiers as u64 * (85 + rng.below(31)) / 100;
        let mut list: Vec<Dossier> = (0..count)
            .map(|_| {
                // A procedure with probability proportional to its weight.
                let mut x = rng.below(total);
                let mut chosen = procedures[0];
                for p in &procedures {
                    if x < p.weight as u64 {
                        chosen = p;
                        break;
                    }
                    x -= p.weight as u64;
                }
                dossier(chosen, &cast.conduct[i], &days, cal, year_end, rng)
            })
            .collect();
        if cast.uncatalogued[i] {
            for _ in 0..3 + rng.below(4) {
                list.push(dossier(
                    &UNCATALOGUED,
                    &cast.conduct[i],
                    &days,
                    cal,
                    year_end,
                    rng,
                ));
            }
        }
        // An export lists dossiers by reception; codes number them per unit and day.
        list.sort_by_key(|d| d.received);
        let mut seq = (Date(0), 0);
        for d in &list {
            let day = d.received.date();
            seq = if seq.0 == day { (day, seq.1 + 1) } else { (day, 1) };
            let (y, m, dd) = day.ymd();
            let _ = write!(
                out,
                "{}-{:02}{m:02}{dd:02}-{:04},{},{},",
                u.code,
                y % 100,
                seq.1,
                u.code,
                d.procedure
            );
            push_stamp(&mut out, Some(d.received));
            out.push(',');
            push_stamp(&mut out, Some(d.due));
            out.push(',');
            push_stamp(&mut out, d.done);
            let _ = writeln!(out, ",{},{}", d.channel.code(), d.status.code());
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS`, as one-stop-shop exports write it; nothing for `None`.
fn push_stamp(out: &mut String, t: Option<DateTime>) {
    if let Some(t) = t {
        let (h, m, s) = t.hms();
        let _ = write!(out, "{} {h:02}:{m:02}:{s:02}", t.date().iso());
    }
}

// ---------------------------------------------------------------------------------------
// Entered values.

/// Indicators reported per quarter (tasks and coordination requests are tallied quarterly);
/// the others once for the year.
const QUARTERLY: &[&str] = &["menh_lenh_hc", "phoi_hop"];

/// The denominator's range for a ratio per period, by indicator and tier.
fn ratio_scale(code: &str, tier: &str) -> (u64, u64) {
    match (code, tier) {
        ("menh_lenh_hc", "xa") => (10, 30),
        ("menh_lenh_hc", _) => (20, 90),
        ("phoi_hop", "xa") => (10, 40),
        ("phoi_hop", _) => (30, 150),
        // Legal documents drafted in the year; some agencies draft none.
        ("the_che", "tinh") => (0, 8),
        ("the_che", _) => (1, 5),
        // Public investment plan, million VND.
        ("giai_ngan_dtc", "tinh") => (15_000, 450_000),
        ("giai_ngan_dtc", _) => (250_000, 1_800_000),
        _ => (10, 100),
    }
}

#[derive(Clone, Copy)]
enum Val {
    Ratio(i64, i64),
    Count(i64),
    Bool(bool),
}

/// `den · t%`, rounded down or up.
fn pct(den: i64, t: Dec, up: bool) -> i64 {
    let x = den as i128 * t.0;
    let q = x.div_euclid(100 * SCALE);
    (if up && x.rem_euclid(100 * SCALE) != 0 {
        q + 1
    } else {
        q
    }) as i64
}

/// Whether a value can miss the threshold (a count "≥ 0" cannot).
fn can_fail(ind: &Indicator, tier: &str) -> bool {
    match (ind.comparison, ind.thresholds.get(tier)) {
        (Comparison::Ge, Some(Threshold::Number(t))) => *t > Dec::ZERO,
        (Comparison::Le, Some(Threshold::Number(t))) => ind.kind != Kind::Ratio || *t < Dec::from_int(100),
        (_, Some(_)) => true,
        (_, None) => false,
    }
}

/// A value meeting (or, with `fail`, missing) the indicator's threshold for `tier`; a
/// ratio's denominator is drawn from `scale`.
fn value_for(ind: &Indicator, tier: &str, fail: bool, scale: (u64, u64), rng: &mut Rng) -> Option<Val> {
    let cmp = ind.comparison;
    Some(match (ind.kind, *ind.thresholds.get(tier)?) {
        (Kind::Ratio, Threshold::Number(t)) => {
            let (lo, hi) = scale;
            let den = rng.between_u64(if fail { lo.max(2) } else { lo }, hi.max(2)) as i64;
            let (floor, ceil) = (pct(den, t, false), pct(den, t, true));
            let num = match (cmp, fail) {
                (Comparison::Ge, false) => rng.between_u64(ceil as u64, den as u64) as i64,
                (Comparison::Ge, true) => (ceil - 1 - rng.below((den as u64 / 15).max(1)) as i64).max(0),
                (Comparison::Eq, false) => floor,
                (Comparison::Eq, true) => (floor - 1).max(0),
                (Comparison::Le, false) => rng.between_u64(0, floor as u64) as i64,
                (Comparison::Le, true) => (floor + 1).min(den),
            };
            Val::Ratio(num, den)
        }
        (Kind::Count, Threshold::Number(t)) => {
            let n = t.to_i64().unwrap_or_else(|| pct(100, t, true) / 100);
            Val::Count(match (cmp, fail) {
                // Initiatives: mostly one or two, sometimes three.
                (Comparison::Ge, false) => n + rng.below(3) as i64 / 2 + rng.below(2) as i64,
                (Comparison::Ge, true) => (n - 1).max(0),
                (Comparison::Eq, false) => n,
                (Comparison::Le, false) => rng.between_u64(0, n.max(0) as u64) as i64,
                (_, true) => n + 1,
            })
        }
        (Kind::Boolean, Threshold::Bool(b)) => Val::Bool(b != fail),
        _ => return None,
    })
}

/// The note an office would write next to the figure.
fn note(code: &str, v: Val, year: i32) -> String {
    match (code, v) {
        ("menh_lenh_hc", Val::Ratio(n, d)) => format!("{n}/{d} nhiệm vụ cấp trên giao hoàn thành đúng hạn"),
        ("phoi_hop", Val::Ratio(n, d)) => format!("{n}/{d} văn bản phối hợp trả lời đúng hạn"),
        ("the_che", Val::Ratio(_, 0)) => "Không có văn bản QPPL phải tham mưu trong năm".into(),
        ("the_che", Val::Ratio(n, d)) => {
            format!("{n}/{d} văn bản QPPL ban hành đúng thời hạn, đúng quy định")
        }
        ("giai_ngan_dtc", Val::Ratio(n, d)) => {
            format!("Đã giải ngân {n}/{d} triệu đồng kế hoạch vốn được giao")
        }
        ("sang_kien", Val::Count(0)) => "Chưa có giải pháp, sáng kiến được công nhận".into(),
        ("sang_kien", Val::Count(n)) => format!("{n} giải pháp, sáng kiến được Hội đồng sáng kiến công nhận"),
        ("ky_luat", Val::Count(0)) => "Không có cán bộ, công chức, viên chức bị xử lý kỷ luật".into(),
        ("ky_luat", Val::Count(n)) => format!("{n} công chức bị xử lý kỷ luật hình thức khiển trách"),
        (_, Val::Bool(true)) => format!("Theo kết quả kiểm tra công tác CCHC năm {year}"),
        (_, Val::Bool(false)) => {
            "Chưa đạt theo kết quả kiểm tra công tác CCHC, đã có văn bản chấn chỉnh".into()
        }
        _ => String::new(),
    }
}

/// Every unit's values for every entered indicator of its tier, as two files: verified
/// units' and submitted units'. A few "nếu có" indicators are left without an entry.
fn values_csv(plan: &Plan, units: &[DemoUnit], cast: &Cast, year: i32, rng: &mut Rng) -> (String, String) {
    let header = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\n";
    let (mut verified, mut submitted) = (String::from(header), String::from(header));
    for (i, u) in units.iter().enumerate() {
        let out = if cast.verified[i] {
            &mut verified
        } else {
            &mut submitted
        };
        let entered: Vec<&Indicator> = plan
            .indicators
            .iter()
            .filter(|ind| ind.kind != Kind::Computed && ind.applies_to(u.tier))
            .collect();
        let choose = |rng: &mut Rng, ok: &dyn Fn(&Indicator) -> bool| {
            let pool: Vec<&str> = entered
                .iter()
                .filter(|ind| ok(ind))
                .map(|ind| ind.code.as_str())
                .collect();
            (!pool.is_empty()).then(|| *rng.pick(&pool))
        };
        // "Nếu có": investment capital only where an agency has projects; other such
        // indicators arise at about half the units.
        let no_projects = |ind: &Indicator| ind.code == "giai_ngan_dtc" && !u.invests;
        let failing = if cast.fails_value[i] {
            choose(rng, &|ind| can_fail(ind, u.tier) && !no_projects(ind))
        } else {
            None
        };
        let missing = if cast.misses_value[i] {
            choose(rng, &|ind| !ind.is_if_any(u.tier))
        } else {
            None
        };
        for ind in &entered {
            let code = ind.code.as_str();
            let fail = failing == Some(code);
            if missing == Some(code) {
                continue;
            }
            if ind.is_if_any(u.tier)
                && !fail
                && (no_projects(ind) || (code != "giai_ngan_dtc" && rng.chance(0.5)))
            {
                continue;
            }
            if QUARTERLY.contains(&code) {
                // An "= 100%" target is missed by one late answer in one quarter; a "≥"
                // target by falling short all year.
                let bad_quarter = rng.below(4) as u32 + 1;
                // A unit's workload is much the same from one quarter to the next.
                let (lo, hi) = ratio_scale(code, u.tier);
                let base = rng.between_u64(lo, hi);
                let scale = (base * 4 / 5, base * 6 / 5);
                for q in 1..=4 {
                    let fail_here = fail && (ind.comparison != Comparison::Eq || q == bad_quarter);
                    if let Some(v) = value_for(ind, u.tier, fail_here, scale, rng) {
                        let note = format!(
                            "Quý {}: {}",
                            ["I", "II", "III", "IV"][q as usize - 1],
                            note(code, v, year)
                        );
                        value_row(out, &u.code, code, &format!("{year}-Q{q}"), v, &note);
                    }
                }
            } else if let Some(v) = value_for(ind, u.tier, fail, ratio_scale(code, u.tier), rng) {
                value_row(out, &u.code, code, &year.to_string(), v, &note(code, v, year));
            }
        }
    }
    (verified, submitted)
}

fn value_row(out: &mut String, unit: &str, code: &str, period: &str, v: Val, note: &str) {
    let (num, den, value) = match v {
        Val::Ratio(n, d) => (n.to_string(), d.to_string(), String::new()),
        Val::Count(n) => (String::new(), String::new(), n.to_string()),
        Val::Bool(b) => (
            String::new(),
            String::new(),
            if b { "Đạt" } else { "Không đạt" }.to_string(),
        ),
    };
    row(out, &[unit, code, period, &num, &den, &value, note]);
}

/// One CSV record; fields with a separator, quote or line break are quoted (RFC 4180).
fn row(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push('\n');
}

// ---------------------------------------------------------------------------------------
// The random source.

/// splitmix64: tiny, fast, and well mixed enough for demo data; no dependency, and the same
/// numbers on every platform.
struct Rng(u64);

const GIVEN_NAMES: (&[&str], &[&str]) = (
    &[
        "Anh", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Long", "Nam", "Phong", "Phúc", "Quang", "Sơn", "Tâm",
        "Trung", "Tuấn", "Vinh", "Hiếu", "Khoa", "Lộc", "Nhân", "Thắng", "Toàn", "Hưng", "Khánh", "Thịnh",
        "Tùng", "Đạt", "Huy",
    ],
    &[
        "Hương",
        "Lan",
        "Mai",
        "Thảo",
        "Yến",
        "Hạnh",
        "Hà",
        "Hằng",
        "Nga",
        "Nhung",
        "Phượng",
        "Trang",
        "Vân",
        "Loan",
        "Dung",
        "Liên",
    ],
);
const MIDDLE_NAMES: (&[&str], &[&str]) = (
    &[
        "Văn", "Minh", "Hữu", "Quốc", "Đức", "Thành", "Xuân", "Hoàng", "Thanh", "Ngọc", "Công", "Tấn",
        "Trọng",
    ],
    &[
        "Thị",
        "Ngọc",
        "Thanh",
        "Kim",
        "Thu",
        "Hồng",
        "Thị Thu",
        "Thị Minh",
    ],
);
/// Family names, the common ones repeated to appear about as often as they do.
const FAMILY_NAMES: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Phạm", "Hoàng",
    "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm",
];

impl Rng {
    /// An independent stream for one part of the province: the seed mixed with the part's name.
    fn stream(seed: u64, label: &str) -> Rng {
        let fnv = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        });
        let mut r = Rng(seed ^ fnv);
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0), by multiply-high.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    fn between_u64(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }
    /// Uniform in `lo..hi` (seconds of a day).
    fn between_u32(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi.saturating_sub(lo)).max(1) as u64) as u32
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
    fn date(&mut self, from: Date, to: Date) -> Date {
        Date(from.0 + self.below((to.0 - from.0 + 1) as u64) as i32)
    }
    /// A Vietnamese full name not yet in `taken`; about a third are women.
    fn person(&mut self, taken: &mut BTreeSet<String>) -> String {
        loop {
            let (middle, given) = if self.chance(0.3) {
                (MIDDLE_NAMES.1, GIVEN_NAMES.1)
            } else {
                (MIDDLE_NAMES.0, GIVEN_NAMES.0)
            };
            let name = format!(
                "{} {} {}",
                self.pick(FAMILY_NAMES),
                self.pick(middle),
                self.pick(given)
            );
            if taken.insert(name.clone()) {
                return name;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Mutex, MutexGuard, OnceLock};
    use thidua_domain::calendar;
    use thidua_domain::eval::{HeadResult, Status};
    use thidua_domain::plan::BUILT_IN_2023;

    const SEED: u64 = 2023;

    fn initialised() -> Store {
        let mut s = Store::in_memory().unwrap();
        s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
        s.put_calendar(&calendar::parse_csv(calendar::BUILT_IN_CSV).unwrap())
            .unwrap();
        s
    }

    /// Seeding takes a moment in a debug build, so the tests that only read share one
    /// province.
    fn province() -> MutexGuard<'static, (Store, DemoSummary)> {
        static PROVINCE: OnceLock<Mutex<(Store, DemoSummary)>> = OnceLock::new();
        PROVINCE
            .get_or_init(|| {
                let mut s = initialised();
                let summary = seed_demo(&mut s, 2023, SEED).expect("the demo imports without a bad row");
                Mutex::new((s, summary))
            })
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn year_end() -> DateTime {
        DateTime::parse_as_of("2023-12-31T23:59:59").unwrap()
    }

    fn evaluation(s: &Store) -> Vec<HeadResult> {
        s.evaluate(&s.plan_for(Some(2023), None).unwrap(), year_end())
            .unwrap()
    }

    #[test]
    fn the_demo_province_imports_without_a_bad_row_and_the_store_holds_what_the_summary_says() {
        let guard = province();
        let (s, summary) = &*guard;
        let c = s.counts().unwrap();
        assert_eq!(
            (
                c.units as usize,
                c.heads as usize,
                c.procedures as usize,
                c.dossiers as u64,
                c.entries as u64
            ),
            (
                summary.units,
                summary.heads,
                summary.procedures,
                summary.dossiers,
                summary.entries
            )
        );
        assert_eq!(
            summary.heads,
            summary.units + 1,
            "one term per unit, two at the district that changes head"
        );
        assert!((35..=45).contains(&summary.procedures), "{summary:?}");
        assert!((55_000..=65_000).contains(&summary.dossiers), "{summary:?}");
        let units = s.units().unwrap();
        for tier in ["tinh", "huyen", "xa"] {
            assert!(
                units.iter().filter(|u| u.info.tier == tier).count() >= 8,
                "tier {tier}"
            );
        }
        assert!(units
            .iter()
            .filter(|u| u.info.tier == "xa")
            .all(|u| u.parent.as_deref().is_some_and(|p| p.starts_with('H'))));
        let folded: Vec<String> = units
            .iter()
            .map(|u| thidua_domain::text::fold(&u.info.name))
            .collect();
        assert!(
            folded.iter().any(|n| n.contains("ba ria")),
            "a search for «ba ria» finds Bà Rịa"
        );
        let verified = s
            .entries()
            .unwrap()
            .iter()
            .filter(|e| e.state == thidua_domain::entry::EntryState::DaXacNhan)
            .count() as u64;
        assert!(
            verified * 10 > summary.entries * 5 && verified < summary.entries,
            "most, not all, entries verified"
        );
    }

    #[test]
    fn the_year_end_evaluation_has_eligible_heads_to_rank_and_heads_short_of_a_target() {
        let guard = province();
        let results = evaluation(&guard.0);
        let eligible = results.iter().filter(|r| r.eligible).count();
        let not_eligible = results.len() - eligible;
        assert!(eligible >= 12, "{eligible} eligible");
        assert!(not_eligible >= 3, "{not_eligible} not eligible");
        let ranks: Vec<u32> = results.iter().filter_map(|r| r.rank).collect();
        assert_eq!(ranks.len(), eligible);
        let short = results.iter().find(|r| r.unit.code == SHORT_TENURE_UNIT).unwrap();
        assert_eq!(
            (short.months.len(), short.summary_status()),
            (3, "chua_du_thoi_gian")
        );
        let failed = |code: &str| {
            results
                .iter()
                .filter(|r| r.indicator(code).is_some_and(|i| i.status == Status::KhongDat))
                .count()
        };
        for code in ["tthc_dung_han", "tthc_rut_ngan", "dvc_truc_tuyen"] {
            assert!(failed(code) >= 1, "someone misses {code}");
        }
        let if_any_none = |code: &str| {
            results.iter().any(|r| {
                r.indicator(code)
                    .is_some_and(|i| i.status == Status::KhongPhatSinh && i.entries_used == 0)
            })
        };
        assert!(
            if_any_none("the_che") && if_any_none("giai_ngan_dtc"),
            "some «nếu có» indicators have no entry"
        );
        assert!(results.iter().any(|r| r.provisional) && results.iter().any(|r| !r.provisional));
        assert!(
            results.iter().map(|r| r.unknown_procedures).sum::<u64>() > 0,
            "a few dossiers name an uncatalogued procedure"
        );
    }

    #[test]
    fn the_mid_year_change_of_head_gives_the_district_two_evaluated_heads() {
        let guard = province();
        let heads: Vec<HeadResult> = evaluation(&guard.0)
            .into_iter()
            .filter(|r| r.unit.code == HEAD_CHANGE_UNIT)
            .collect();
        assert_eq!(heads.len(), 2);
        assert_ne!(heads[0].head.name, heads[1].head.name);
        assert_eq!(heads.iter().map(|h| h.months.len()).collect::<Vec<_>>(), [6, 6]);
        assert!(heads.iter().all(|h| h.tenure_ok));
    }

    #[test]
    fn the_same_seed_gives_the_same_province() {
        let (plan, cal) = (Plan::built_in(), Calendar::built_in());
        let a = DemoFiles::build(&plan, &cal, 2023, SEED).unwrap();
        assert!(
            a == DemoFiles::build(&plan, &cal, 2023, SEED).unwrap(),
            "same seed, same files"
        );
        let other = DemoFiles::build(&plan, &cal, 2023, SEED + 1).unwrap();
        assert_eq!(
            a.units, other.units,
            "the province's map does not depend on the seed"
        );
        assert_ne!(a.dossiers, other.dossiers);
        let mut s = initialised();
        let again = seed_demo(&mut s, 2023, SEED).unwrap();
        assert_eq!(again, province().1);
    }

    #[test]
    fn a_bad_row_in_a_demo_file_is_an_error_not_a_silent_skip() {
        let mut s = initialised();
        let err = import_csv(
            &mut s,
            ImportKind::Units,
            "demo-x.csv",
            "ma_don_vi,ten_don_vi,cap\nX01,Sở Nội vụ,khong_co\n",
            false,
        )
        .unwrap_err();
        assert!(err.to_string().contains("demo-x.csv"), "{err}");
        assert_eq!(s.counts().unwrap().units, 0);
    }

    #[test]
    fn a_plan_without_the_three_tiers_is_refused() {
        let plan = Plan::from_toml(thidua_domain::plan::EXAMPLE_2025_TWO_TIER).unwrap();
        assert!(DemoFiles::build(&plan, &Calendar::built_in(), 2025, SEED).is_err());
    }
}
