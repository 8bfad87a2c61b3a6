//! Where a block's fields end: every delimiter and line break, in order, in one pass.

use super::simd::mask64;

/// Positions of `delimiter` and `\n` in `bytes`, in order, each with whether it is the line
/// break, found 64 bytes at a time: bit masks of the window's matches (SSE2 on x86-64,
/// eight-byte words elsewhere), whose set bits are then read off one by one. Fields are
/// short, so one `memchr` call per field would cost more than it saves.
pub(super) struct Cuts<'a> {
    bytes: &'a [u8],
    /// Start of the current 64-byte window.
    base: usize,
    /// The matches left in the window, bit `i` for byte `base + i`.
    mask: u64,
    /// The window's line breaks.
    breaks: u64,
    delimiter: u8,
}

impl<'a> Cuts<'a> {
    pub(super) fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        let (mask, breaks) = window(bytes, 0, delimiter);
        Cuts {
            bytes,
            base: 0,
            mask,
            breaks,
            delimiter,
        }
    }
}

impl Iterator for Cuts<'_> {
    /// (position, whether it is a line break)
    type Item = (usize, bool);
    #[inline]
    fn next(&mut self) -> Option<(usize, bool)> {
        while self.mask == 0 {
            self.base += 64;
            if self.base >= self.bytes.len() {
                return None;
            }
            (self.mask, self.breaks) = window(self.bytes, self.base, self.delimiter);
        }
        let bit = self.mask.trailing_zeros();
        self.mask &= self.mask - 1;
        Some((self.base + bit as usize, self.breaks >> bit & 1 == 1))
    }
}

/// (bit `i` set when `bytes[at + i]` is `delimiter` or `\n`, bit `i` set when it is `\n`),
/// for the (up to) 64 bytes from `at`.
#[inline]
fn window(bytes: &[u8], at: usize, delimiter: u8) -> (u64, u64) {
    match bytes.get(at..at + 64) {
        Some(w) => mask64(w.try_into().expect("64 bytes"), delimiter),
        None => bytes[at.min(bytes.len())..]
            .iter()
            .enumerate()
            .fold((0, 0), |(m, n), (i, &b)| {
                (
                    m | (((b == delimiter || b == b'\n') as u64) << i),
                    n | (((b == b'\n') as u64) << i),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(s: &[u8], delim: u8) -> Vec<(usize, bool)> {
        (0..s.len())
            .filter(|&i| s[i] == delim || s[i] == b'\n')
            .map(|i| (i, s[i] == b'\n'))
            .collect()
    }

    /// Mostly delimiters, line breaks and their neighbours, of any length up to a few
    /// windows, so that the last window is cut short at every length.
    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![3 => prop::sample::select(b",;\n\r a\x80".to_vec()), 1 => any::<u8>()];
        prop::collection::vec(byte, 0..400)
    }

    proptest! {
        #[test]
        fn cuts_of_any_bytes_match_the_naive_search(
            s in bytes(),
            delim in prop::sample::select(b",;\t|".to_vec()),
        ) {
            prop_assert_eq!(Cuts::new(&s, delim).collect::<Vec<_>>(), naive(&s, delim));
        }
    }

    #[test]
    fn cuts_find_exactly_the_delimiters_and_line_breaks() {
        let samples: [&[u8]; 5] = [
            b"",
            b",",
            b"abc,def\nghij;k,\n\n,x",
            "đ,ễ\n\u{80},".as_bytes(),
            &[b','; 17],
        ];
        for delim in [b',', b';'] {
            for s in samples {
                for start in 0..s.len().min(9) {
                    let s = &s[start..];
                    let naive: Vec<(usize, bool)> = (0..s.len())
                        .filter(|&i| s[i] == delim || s[i] == b'\n')
                        .map(|i| (i, s[i] == b'\n'))
                        .collect();
                    assert_eq!(Cuts::new(s, delim).collect::<Vec<_>>(), naive, "{s:?}");
                }
            }
        }
        // every byte value next to the delimiter, from every start within a window
        let all: Vec<u8> = (0..=255u8).flat_map(|b| [b, b',', b'\n', b]).collect();
        for delim in [b',', b';'] {
            for start in 0..130 {
                let s = &all[start..];
                let naive: Vec<(usize, bool)> = (0..s.len())
                    .filter(|&i| s[i] == delim || s[i] == b'\n')
                    .map(|i| (i, s[i] == b'\n'))
                    .collect();
                assert_eq!(Cuts::new(s, delim).collect::<Vec<_>>(), naive, "from {start}");
            }
        }
    }
}
