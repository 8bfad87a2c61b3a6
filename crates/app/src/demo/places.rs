//! The demo province's units: provincial agencies, districts and their communes.

use super::procedures::*;

/// The district whose head changes on 1 July: two heads of six months each.
pub const HEAD_CHANGE_UNIT: &str = "H04";
/// The commune whose head took office on 1 October: evaluated, but too short a tenure.
pub const SHORT_TENURE_UNIT: &str = "H06X03";

/// (code, name, the head's title, yearly dossiers, holds public investment capital). Only
/// agencies with investment projects report `giai_ngan_dtc`, which is "nếu có" at this tier.
pub(super) const AGENCIES: &[(&str, &str, &str, u32, bool)] = &[
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
pub(super) const DISTRICTS: &[(&str, &str, u32, &[&str])] = &[
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
pub(super) struct DemoUnit {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) tier: &'static str,
    pub(super) parent: Option<String>,
    /// The head's title.
    pub(super) title: String,
    /// Yearly dossiers before each unit's own spread.
    pub(super) dossiers: u32,
    /// Indices into `PROCEDURES`.
    pub(super) procedures: Vec<usize>,
    pub(super) invests: bool,
}

/// The province's units: agencies, then each district followed by its communes.
pub(super) fn province() -> Vec<DemoUnit> {
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
