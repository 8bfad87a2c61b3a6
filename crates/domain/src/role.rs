//! Who uses the product (PRODUCT.md, "Users and roles"): one vocabulary, the role codes
//! the spec and the account files use.

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    QuanTri,
    SoNoiVu,
    BanTdkt,
    LanhDao,
    DonVi,
    NguoiDungDau,
}

crate::codes!(Role {
    QuanTri = "quan_tri" / "Quản trị hệ thống",
    SoNoiVu = "so_noi_vu" / "Sở Nội vụ (cơ quan thường trực)",
    BanTdkt = "ban_tdkt" / "Ban Thi đua - Khen thưởng",
    LanhDao = "lanh_dao" / "Lãnh đạo UBND tỉnh",
    DonVi = "don_vi" / "Cán bộ đầu mối đơn vị",
    NguoiDungDau = "nguoi_dung_dau" / "Người đứng đầu đơn vị",
});

impl Role {
    /// The roles bound to one unit (the account names its unit).
    pub fn is_unit_role(self) -> bool {
        matches!(self, Role::DonVi | Role::NguoiDungDau)
    }

    /// The province's roles, which read every unit's data.
    pub fn reads_all(self) -> bool {
        matches!(self, Role::SoNoiVu | Role::BanTdkt | Role::LanhDao)
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn every_role_reads_back_from_its_code_and_only_unit_roles_are_bound_to_a_unit() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(*r));
            assert!(!(r.is_unit_role() && r.reads_all()), "{r:?}");
        }
        assert_eq!(Role::parse("so_noi_vu"), Some(Role::SoNoiVu));
        assert_eq!(Role::parse("admin"), None);
        assert!(Role::NguoiDungDau.is_unit_role() && Role::DonVi.is_unit_role());
        assert!(!Role::QuanTri.reads_all());
    }
}
