//! What awaits each person (issue 15): the tasks at their step, counted in their scope,
//! with the page that holds them, and the deadlines of the coming days. The home page
//! lists both; the navigation shows the tasks' counts beside the pages they link to.

use crate::award;
use crate::error::Result;
use thidua_domain::entry::{EntryState, Period};
use thidua_domain::nomination::NominationState;
use thidua_domain::plan::Plan;
use thidua_domain::role::Role;
use thidua_domain::time::Date;
use thidua_store::Store;

/// Something waiting for the reader: how many, where, and under which navigation item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub label: &'static str,
    pub count: i64,
    pub href: String,
    /// The navigation item (its address) whose counter this adds to.
    pub nav: String,
}

/// A deadline in the coming days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub date: Date,
    pub label: String,
    pub href: String,
}

/// How far ahead the home page looks for deadlines.
pub const DUE_WITHIN_DAYS: i32 = 7;

/// The reader's unit: (id, code).
pub type UnitRef<'a> = Option<(i64, &'a str)>;

/// The tasks waiting for a reader with `role` (and `unit` for a unit's roles), those with
/// a count only.
pub fn tasks(store: &Store, role: Role, unit: UnitRef) -> Result<Vec<Task>> {
    let scope = if role.is_unit_role() {
        match unit {
            Some((id, _)) => Some(id),
            None => return Ok(Vec::new()),
        }
    } else {
        None
    };
    if role == Role::QuanTri {
        return admin_tasks(store);
    }
    let c = store.agenda_counts(scope)?;
    let own = unit
        .map(|(_, code)| format!("&don_vi={code}"))
        .unwrap_or_default();
    let entries = |state: &str| format!("/so-lieu?trang_thai={state}{own}");
    let task = |label, count, href: String, nav: &str| Task {
        label,
        count,
        href,
        nav: nav.to_string(),
    };
    let mut out = match role {
        Role::DonVi => vec![
            task(
                "Số liệu bị trả lại, cần sửa và gửi lại",
                c.entries_in(EntryState::TraLai),
                entries("tra_lai"),
                "/so-lieu",
            ),
            task(
                "Số liệu còn là bản nháp, chưa gửi",
                c.entries_in(EntryState::Nhap),
                entries("nhap"),
                "/so-lieu",
            ),
            task(
                "Hồ sơ đề nghị khen thưởng bị trả lại",
                c.nominations_in(NominationState::TraLai),
                "/de-nghi".into(),
                "/de-nghi",
            ),
            task(
                "Hồ sơ đề nghị đang chuẩn bị, chưa nộp",
                c.nominations_in(NominationState::Nhap),
                "/de-nghi".into(),
                "/de-nghi",
            ),
            task(
                "Hồ sơ của cấp xã chờ đơn vị xem xét, đề nghị lên tỉnh",
                c.to_propose,
                "/de-nghi".into(),
                "/de-nghi",
            ),
        ],
        Role::NguoiDungDau => vec![task(
            "Số liệu đã gửi chờ thủ trưởng ký duyệt",
            c.unsigned,
            entries("da_gui"),
            "/so-lieu",
        )],
        Role::SoNoiVu => vec![
            task(
                "Số liệu chờ Sở Nội vụ xác nhận",
                c.entries_in(EntryState::DaGui),
                entries("da_gui"),
                "/so-lieu",
            ),
            task(
                "Hồ sơ đề nghị chờ Sở Nội vụ kiểm tra",
                c.nominations_in(NominationState::DaNop),
                "/de-nghi".into(),
                "/de-nghi",
            ),
            task(
                "Hồ sơ được phê duyệt chưa có quyết định",
                c.undecided,
                "/quyet-dinh".into(),
                "/de-nghi",
            ),
            task(
                "Quyết định đã ghi, chưa công bố",
                c.unpublished_decisions,
                "/quyet-dinh".into(),
                "/de-nghi",
            ),
            task(
                "Kiến nghị mới chờ trả lời",
                c.threads_in("moi"),
                "/kien-nghi".into(),
                "/kien-nghi",
            ),
        ],
        Role::BanTdkt => vec![task(
            "Hồ sơ đề nghị chờ Ban Thi đua - Khen thưởng thẩm định",
            c.nominations_in(NominationState::DaChuyen),
            "/de-nghi".into(),
            "/de-nghi",
        )],
        Role::LanhDao => vec![
            task(
                "Hồ sơ đề nghị chờ lãnh đạo phê duyệt",
                c.nominations_in(NominationState::DaThamDinh),
                "/de-nghi".into(),
                "/de-nghi",
            ),
            task(
                "Kiến nghị chuyển lãnh đạo chờ trả lời",
                c.threads_in("da_chuyen_lanh_dao"),
                "/kien-nghi".into(),
                "/kien-nghi",
            ),
        ],
        Role::QuanTri => Vec::new(),
    };
    out.retain(|t| t.count > 0);
    Ok(out)
}

/// The administrator's: the settings the papers and the working days need.
fn admin_tasks(store: &Store) -> Result<Vec<Task>> {
    let year = thidua_domain::time::DateTime::now_local().date().ymd().0;
    let mut out = Vec::new();
    let has_days_off = store
        .calendar_days()?
        .iter()
        .any(|d| d.date.ymd().0 == year && d.kind == thidua_domain::calendar::DayKind::Nghi);
    if !has_days_off {
        out.push(Task {
            label: "Lịch chưa có ngày nghỉ của năm nay: hạn xử lý hồ sơ bỏ qua ngày lễ, Tết",
            count: 1,
            href: format!("/quan-tri/lich?nam={year}"),
            nav: "/quan-tri/lich".into(),
        });
    }
    if store
        .setting(award::PROVINCE_KEY)?
        .is_none_or(|p| p.trim().is_empty())
    {
        out.push(Task {
            label: "Chưa đặt tên tỉnh: văn bản chưa in được",
            count: 1,
            href: "/cai-dat".into(),
            nav: "/cai-dat".into(),
        });
    }
    Ok(out)
}

/// The deadlines of the next `DUE_WITHIN_DAYS` days that concern `role`: the entries' for
/// a unit's reporter and head and for the office; the nominations' for units and the
/// office; the appraisal's for the Board and the office.
pub fn due(store: &Store, plan: &Plan, role: Role, today: Date) -> Result<Vec<Due>> {
    let to = Date(today.0 + DUE_WITHIN_DAYS);
    let mut out = Vec::new();
    let entries = matches!(role, Role::DonVi | Role::NguoiDungDau | Role::SoNoiVu);
    if entries {
        for (date, period) in plan.entry_deadlines_between(today, to) {
            out.push(Due {
                date,
                label: format!("Hạn gửi số liệu {}", period_label(period)),
                href: format!("/so-lieu?ky={}", period.code()),
            });
        }
    }
    if matches!(role, Role::DonVi | Role::SoNoiVu) {
        if let Some(date) = award::deadline(store, plan)?.filter(|d| today <= *d && *d <= to) {
            out.push(Due {
                date,
                label: "Hạn nộp hồ sơ đề nghị khen thưởng".into(),
                href: "/de-nghi".into(),
            });
        }
    }
    if matches!(role, Role::BanTdkt | Role::SoNoiVu) {
        if let Some(date) = plan.deadlines.appraisal.filter(|d| today <= *d && *d <= to) {
            out.push(Due {
                date,
                label: "Hạn thẩm định hồ sơ đề nghị khen thưởng".into(),
                href: "/de-nghi".into(),
            });
        }
    }
    out.sort_by_key(|d| d.date);
    Ok(out)
}

/// "tháng 06/2023", "quý II/2023", "năm 2023".
pub fn period_label(p: Period) -> String {
    let vi = p.vi();
    let mut chars = vi.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => vi,
    }
}

/// "hôm nay", "ngày mai", "còn 5 ngày".
pub fn days_left(date: Date, today: Date) -> String {
    match date.0 - today.0 {
        0 => "hôm nay".into(),
        1 => "ngày mai".into(),
        n => format!("còn {n} ngày"),
    }
}
