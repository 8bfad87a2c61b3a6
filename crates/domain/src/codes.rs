//! Every enum whose values users see as codes in files and URLs (the Vietnamese codes of
//! the spec) gets the same surface from one macro: `ALL`, `code`, `vi` (the label),
//! `parse` (code or label, case and diacritics ignored), `from_code` (exact), and a small
//! stable `id` for storage.

#[macro_export]
macro_rules! codes {
    ($t:ty { $($v:ident = $code:literal / $vi:literal),* $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            pub fn code(self) -> &'static str { match self { $(<$t>::$v => $code),* } }
            pub fn vi(self) -> &'static str { match self { $(<$t>::$v => $vi),* } }
            /// The code or the Vietnamese label, ignoring case and diacritics. Exact
            /// spellings are matched first: this runs once per dossier on the hot path.
            pub fn parse(s: &str) -> Option<$t> {
                let s = s.trim();
                if let Some(v) = Self::ALL.iter().copied().find(|v| v.code() == s || v.vi() == s) {
                    return Some(v);
                }
                let k = $crate::text::fold(s);
                Self::ALL.iter().copied().find(|v| $crate::text::fold(v.code()) == k || $crate::text::fold(v.vi()) == k)
            }
            /// Exactly the code (a `match`: a few compares of known length, no loop).
            #[inline]
            pub fn from_code(s: &str) -> Option<$t> {
                match s { $($code => Some(<$t>::$v),)* _ => None }
            }
            /// A small stable number for storage.
            pub fn id(self) -> u8 { Self::ALL.iter().position(|v| *v == self).unwrap() as u8 }
            pub fn from_id(id: u8) -> Option<$t> { Self::ALL.get(id as usize).copied() }
        }
        /// A value equals its code: `state == "da_nop"`.
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool { self.code() == *other }
        }
    };
}
