//! The audit log's vocabulary: every action the store records and every kind of object it
//! records it on, with the Vietnamese label people read (issue 15: no code on screen). The
//! store checks in debug builds that what it records is here, so a new action without a
//! label fails the tests.

/// (code, label) of every audited action.
pub const ACTIONS: &[(&str, &str)] = &[
    ("dang_nhap", "Đăng nhập"),
    ("dang_xuat", "Đăng xuất"),
    ("doi_mat_khau", "Đổi mật khẩu"),
    ("tao_tai_khoan", "Tạo tài khoản"),
    ("khoa_tai_khoan", "Khóa tài khoản"),
    ("cap_nhat_email", "Cập nhật địa chỉ thư điện tử"),
    ("mo_khoa_tai_khoan", "Mở khóa tài khoản"),
    ("tao_token", "Tạo mã truy cập API"),
    ("thu_hoi_token", "Thu hồi mã truy cập API"),
    ("cai_dat", "Cập nhật cài đặt"),
    ("nap_ke_hoach", "Nạp kế hoạch"),
    ("nhap_lich", "Cập nhật lịch ngày nghỉ, ngày làm bù"),
    ("xoa_ngay_lich", "Xóa một ngày của lịch"),
    ("nhap_tep", "Nhập dữ liệu"),
    ("luu_nhap_so_lieu", "Lưu nháp số liệu"),
    ("xoa_nhap_so_lieu", "Xóa số liệu nháp"),
    ("gui_so_lieu", "Gửi số liệu"),
    ("ky_duyet_so_lieu", "Ký duyệt số liệu"),
    ("xac_nhan_so_lieu", "Xác nhận số liệu"),
    ("tra_lai_so_lieu", "Trả lại số liệu"),
    ("mo_lai_xac_nhan", "Mở lại xác nhận số liệu"),
    ("mo_lai_ky", "Mở lại kỳ báo cáo sau hạn"),
    ("gui_kien_nghi", "Gửi kiến nghị"),
    ("phan_hoi_kien_nghi", "Phản hồi kiến nghị"),
    ("cap_nhat_ly_lich", "Cập nhật lý lịch người đứng đầu"),
    ("tao_de_nghi", "Lập hồ sơ đề nghị khen thưởng"),
    ("tai_tai_lieu_de_nghi", "Tải lên tài liệu của hồ sơ đề nghị"),
    ("xoa_tai_lieu_de_nghi", "Xóa tài liệu của hồ sơ đề nghị"),
    ("nop", "Nộp hồ sơ đề nghị"),
    ("tra_lai", "Trả lại hồ sơ đề nghị"),
    ("cap_trinh_de_nghi", "Cấp trình khen gửi hồ sơ lên tỉnh"),
    ("cap_trinh_tra_lai", "Cấp trình khen trả lại hồ sơ"),
    ("chuyen_ban_tdkt", "Chuyển Ban Thi đua - Khen thưởng"),
    ("tham_dinh", "Thẩm định hồ sơ đề nghị"),
    ("phe_duyet", "Phê duyệt khen thưởng"),
    ("khong_phe_duyet", "Không phê duyệt khen thưởng"),
    ("cong_bo", "Công bố trên bảng vàng"),
    ("ghi_quyet_dinh", "Ghi quyết định khen thưởng"),
    ("cong_bo_quyet_dinh", "Công bố quyết định khen thưởng"),
];

/// (code, label) of every kind of audited object.
pub const OBJECTS: &[(&str, &str)] = &[
    ("user", "Tài khoản"),
    ("setting", "Cài đặt"),
    ("plan", "Kế hoạch"),
    ("calendar", "Lịch"),
    ("import", "Lần nhập dữ liệu"),
    ("entry", "Số liệu"),
    ("unit", "Đơn vị"),
    ("head", "Người đứng đầu"),
    ("thread", "Kiến nghị"),
    ("nomination", "Hồ sơ đề nghị"),
    ("decision", "Quyết định khen thưởng"),
];

fn label(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The label of an action, if it is one the store records.
pub fn action_vi(code: &str) -> Option<&'static str> {
    label(ACTIONS, code)
}

/// The label of a kind of object.
pub fn object_vi(code: &str) -> Option<&'static str> {
    label(OBJECTS, code)
}

/// (key, label) of the fields the store writes in a record's before and after.
pub const FIELDS: &[(&str, &str)] = &[
    ("action", "thao tác"),
    ("active", "đang hoạt động"),
    ("board_reason", "ý kiến thẩm định"),
    ("board_verdict", "kết luận thẩm định"),
    ("body", "nội dung"),
    ("date", "ngày"),
    ("decision_date", "ngày quyết định"),
    ("decision_no", "số quyết định"),
    ("decision_reason", "lý do không phê duyệt"),
    ("denominator", "mẫu số"),
    ("document", "tài liệu"),
    ("email", "thư điện tử"),
    ("expires_at", "hết hạn"),
    ("file", "tệp"),
    ("files", "tệp minh chứng"),
    ("from", "từ ngày"),
    ("full_name", "họ tên"),
    ("gioi_tinh", "giới tính"),
    ("han", "hạn nộp"),
    ("head", "người đứng đầu"),
    ("import_id", "lần nhập"),
    ("indicator", "chỉ tiêu"),
    ("kind", "loại"),
    ("label", "nhãn"),
    ("ly_luan_chinh_tri", "lý luận chính trị"),
    ("mo_lai_den", "mở lại đến"),
    ("ngay_sinh", "ngày sinh"),
    ("noi_o", "nơi ở"),
    ("nominations", "hồ sơ đề nghị"),
    ("note", "ghi chú"),
    ("number", "số"),
    ("numerator", "tử số"),
    ("office_reason", "ý kiến Sở Nội vụ"),
    ("office_verdict", "kết luận Sở Nội vụ"),
    ("period", "kỳ"),
    ("plan", "kế hoạch"),
    ("published", "đã công bố"),
    ("que_quan", "quê quán"),
    ("quota", "hạn mức"),
    ("reason", "lý do"),
    ("revoked", "đã thu hồi"),
    ("role", "vai trò"),
    ("rows", "số dòng"),
    ("rows_bad", "số dòng lỗi"),
    ("rows_ok", "số dòng hợp lệ"),
    ("rows_read", "số dòng đọc"),
    ("signed_by", "người ký duyệt"),
    ("signer", "người ký"),
    ("signer_title", "chức vụ người ký"),
    ("state", "trạng thái"),
    ("step_reason", "lý do của bước"),
    ("title", "chức vụ, tiêu đề"),
    ("to", "đến ngày"),
    ("token_id", "mã truy cập"),
    ("tokens_revoked", "mã truy cập bị thu hồi"),
    ("tre_han", "nộp sau hạn"),
    ("trinh_do_chuyen_mon", "trình độ chuyên môn"),
    ("unit", "đơn vị"),
    ("unit_id", "đơn vị"),
    ("unit_reason", "lý do của đơn vị"),
    ("until", "đến"),
    ("username", "tài khoản"),
    ("value", "giá trị"),
];

/// The label of a field of a record's before or after (the key itself when unknown).
pub fn field_vi(key: &str) -> &str {
    FIELDS.iter().find(|(k, _)| *k == key).map_or(key, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_label_and_the_nomination_steps_are_there() {
        for table in [ACTIONS, OBJECTS] {
            for (i, (code, label)) in table.iter().enumerate() {
                assert!(!label.is_empty() && !label.contains('_'), "{code}");
                assert!(table[i + 1..].iter().all(|(c, _)| c != code), "{code} twice");
            }
        }
        use crate::nomination::{BoardVerdict, OfficeVerdict, Step};
        let d = crate::time::Date::from_ymd(2024, 1, 1).unwrap();
        for step in [
            Step::Submit {
                reason: String::new(),
            },
            Step::Return {
                reason: String::new(),
            },
            Step::Propose {
                reason: String::new(),
            },
            Step::ProposerReturn {
                reason: String::new(),
            },
            Step::Forward {
                verdict: OfficeVerdict::DuDieuKien,
                reason: String::new(),
            },
            Step::Appraise {
                verdict: BoardVerdict::DeNghi,
                reason: String::new(),
            },
            Step::Approve { note: String::new() },
            Step::Reject {
                reason: String::new(),
            },
            Step::Publish {
                decision_no: String::new(),
                decision_date: d,
                results: String::new(),
            },
        ] {
            assert!(action_vi(step.action()).is_some(), "{}", step.action());
        }
    }
}
