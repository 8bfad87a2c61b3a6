//! Unit and procedure codes looked up once per row of `dossier-stats`, without hashing or
//! comparing strings.

use rustc_hash::FxHashMap;

/// A code of up to 16 bytes as a hash key that needs no string compare: its first and
/// last eight (or four, or single) bytes and its length, which together hold every byte.
/// Unit and procedure codes are looked up once per row; codes are short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    a: u64,
    b: u64,
    len: u32,
}

impl std::hash::Hash for Short {
    /// One well-mixed word (a folded multiply): codes such as `1.010000`–`1.010399` differ
    /// only in their last bytes, which FxHash alone would leave in the hash's high bits.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let x = self.a ^ self.b.rotate_left(29) ^ (self.len as u64) << 59;
        let m = x as u128 * 0x9E37_79B9_7F4A_7C15;
        state.write_u64(m as u64 ^ (m >> 64) as u64);
    }
}

impl Short {
    #[inline]
    pub(crate) fn of(s: &str) -> Option<Short> {
        let s = s.as_bytes();
        let n = s.len();
        let word = |i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("eight bytes"));
        let half = |i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("four bytes")) as u64;
        let (a, b) = match n {
            0 => (0, 0),
            1..=3 => (s[0] as u64 | (s[n / 2] as u64) << 8 | (s[n - 1] as u64) << 16, 0),
            4..=7 => (half(0), half(n - 4)),
            8..=16 => (word(0), word(n - 8)),
            _ => return None,
        };
        Some(Short { a, b, len: n as u32 })
    }
}

/// A map by code that looks short codes up by `Short`.
pub(crate) struct ByCode<V> {
    short: FxHashMap<Short, V>,
    long: FxHashMap<Box<str>, V>,
}

impl<V> Default for ByCode<V> {
    fn default() -> Self {
        ByCode {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
        }
    }
}

impl<V> ByCode<V> {
    #[inline]
    pub(crate) fn get(&self, code: &str) -> Option<&V> {
        match Short::of(code) {
            Some(k) => self.short.get(&k),
            None => self.long.get(code),
        }
    }
    pub(crate) fn insert(&mut self, code: &str, v: V) {
        match Short::of(code) {
            Some(k) => self.short.insert(k, v),
            None => self.long.insert(code.into(), v),
        };
    }
}

/// Dense unit numbers by code.
#[derive(Default)]
pub(crate) struct Units {
    index: ByCode<u32>,
    /// By unit number.
    pub(crate) codes: Vec<Box<str>>,
}

impl Units {
    #[inline]
    pub(crate) fn get(&mut self, code: &str) -> u32 {
        if let Some(&i) = self.index.get(code) {
            return i;
        }
        let i = self.codes.len() as u32;
        self.codes.push(code.into());
        self.index.insert(code, i);
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_tell_every_code_of_up_to_16_bytes_apart() {
        // every string of 'a' and 'b' of length 0 to 16, and a few of three bytes a letter
        let mut all = Vec::new();
        for n in 0..=16u32 {
            for bits in 0..1u32 << n {
                all.push(
                    (0..n)
                        .map(|i| if bits >> i & 1 == 1 { 'b' } else { 'a' })
                        .collect::<String>(),
                );
            }
        }
        all.extend(["Hồ", "ồH", "Hồồ", "ồồồồồ", "ồồồồồa"].map(String::from));
        let keys: std::collections::HashSet<Short> = all.iter().map(|s| Short::of(s).unwrap()).collect();
        assert_eq!(keys.len(), all.len());
        assert_eq!(Short::of(&"x".repeat(17)), None);
        let mut m = ByCode::default();
        m.insert("T01", 1);
        m.insert("a code longer than sixteen bytes", 2);
        assert_eq!(
            (
                m.get("T01"),
                m.get("a code longer than sixteen bytes"),
                m.get("T02")
            ),
            (Some(&1), Some(&2), None)
        );
    }
}
