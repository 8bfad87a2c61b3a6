//! The random source and the people's names.

use std::collections::BTreeSet;
use thidua_domain::time::Date;

/// splitmix64: tiny, fast, and well mixed enough for demo data; no dependency, and the same
/// numbers on every platform.
pub(super) struct Rng(u64);

pub(super) const GIVEN_NAMES: (&[&str], &[&str]) = (
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
pub(super) const MIDDLE_NAMES: (&[&str], &[&str]) = (
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
pub(super) const FAMILY_NAMES: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Phạm", "Hoàng",
    "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm",
];

impl Rng {
    /// An independent stream for one part of the province: the seed mixed with the part's name.
    pub(super) fn stream(seed: u64, label: &str) -> Rng {
        let fnv = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        });
        let mut r = Rng(seed ^ fnv);
        r.next();
        r
    }
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0), by multiply-high.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    pub(super) fn between_u64(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }
    /// Uniform in `lo..hi` (seconds of a day).
    pub(super) fn between_u32(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi.saturating_sub(lo)).max(1) as u64) as u32
    }
    /// Uniform in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(super) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub(super) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub(super) fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
    pub(super) fn date(&mut self, from: Date, to: Date) -> Date {
        Date(from.0 + self.below((to.0 - from.0 + 1) as u64) as i32)
    }
    /// A Vietnamese full name not yet in `taken`; about a third are women.
    pub(super) fn person(&mut self, taken: &mut BTreeSet<String>) -> String {
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
