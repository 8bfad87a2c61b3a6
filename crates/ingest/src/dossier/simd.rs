//! The byte searches of the hot path, 64 bytes at a time: SSE2 on x86-64 (baseline there,
//! so no run-time detection), plain integer operations elsewhere. Each SIMD function has a
//! scalar twin that the property tests hold it to, on x86-64 too.

/// (any `"`, all bytes below 0x80), 64 bytes at a time.
pub(super) fn quote_and_ascii(data: &[u8]) -> (bool, bool) {
    let mut chunks = data.chunks_exact(64);
    let (mut quote, mut high) = (false, false);
    for w in &mut chunks {
        let (q, h) = quote_and_high64(w.try_into().expect("64 bytes"));
        quote |= q;
        high |= h;
    }
    let rest = chunks.remainder();
    (quote || rest.contains(&b'"'), !high && rest.is_ascii())
}

/// (any `"`, any byte of 0x80 or above) in a 64-byte window.
#[cfg(target_arch = "x86_64")]
#[inline]
fn quote_and_high64(w: &[u8; 64]) -> (bool, bool) {
    use std::arch::x86_64::*;
    // SAFETY: as in `mask64`: SSE2 is baseline on x86-64; unaligned loads within the array.
    unsafe {
        let q = _mm_set1_epi8(b'"' as i8);
        let (mut any, mut quotes) = (_mm_setzero_si128(), _mm_setzero_si128());
        for i in 0..4 {
            debug_assert!(i * 16 + 16 <= w.len());
            let v = _mm_loadu_si128(w.as_ptr().add(i * 16) as *const __m128i);
            any = _mm_or_si128(any, v);
            quotes = _mm_or_si128(quotes, _mm_cmpeq_epi8(v, q));
        }
        (_mm_movemask_epi8(quotes) != 0, _mm_movemask_epi8(any) != 0)
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn quote_and_high64(w: &[u8; 64]) -> (bool, bool) {
    quote_and_high64_scalar(w)
}

/// `quote_and_high64` without SIMD.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
fn quote_and_high64_scalar(w: &[u8; 64]) -> (bool, bool) {
    (w.contains(&b'"'), !w.is_ascii())
}

/// (bit `i` set when `w[i]` is `delimiter` or `\n`, bit `i` set when it is `\n`).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(super) fn mask64(w: &[u8; 64], delimiter: u8) -> (u64, u64) {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of every x86-64 processor (the intrinsics are `unsafe` only
    // for their target feature); each load reads bytes 16i..16i+16 of the 64-byte array
    // and needs no alignment.
    unsafe {
        let d = _mm_set1_epi8(delimiter as i8);
        let n = _mm_set1_epi8(b'\n' as i8);
        let (mut m, mut breaks) = (0u64, 0u64);
        for i in 0..4 {
            debug_assert!(i * 16 + 16 <= w.len());
            let v = _mm_loadu_si128(w.as_ptr().add(i * 16) as *const __m128i);
            let nl = _mm_cmpeq_epi8(v, n);
            let hit = _mm_or_si128(_mm_cmpeq_epi8(v, d), nl);
            m |= (_mm_movemask_epi8(hit) as u32 as u64 & 0xFFFF) << (i * 16);
            breaks |= (_mm_movemask_epi8(nl) as u32 as u64 & 0xFFFF) << (i * 16);
        }
        (m, breaks)
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(super) fn mask64(w: &[u8; 64], delimiter: u8) -> (u64, u64) {
    mask64_words(w, delimiter)
}

/// `mask64` with plain integer operations, eight bytes at a time (SWAR).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
fn mask64_words(w: &[u8; 64], delimiter: u8) -> (u64, u64) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // one high bit for every byte of `x` equal to the byte repeated in `pat` (exact)
    let eq = |x: u64, pat: u64| {
        let y = x ^ pat;
        !(((y & !HI) + !HI) | y) & HI
    };
    // gather the eight high bits into one byte, byte 0's bit lowest
    let gather = |x: u64| x.wrapping_mul(0x0002_0408_1020_4081) >> 56;
    let (d, n) = (LO * delimiter as u64, LO * b'\n' as u64);
    let (mut m, mut breaks) = (0u64, 0u64);
    for (i, word) in w.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let nl = eq(x, n);
        m |= gather(eq(x, d) | nl) << (i * 8);
        breaks |= gather(nl) << (i * 8);
    }
    (m, breaks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The masks one byte at a time: what `mask64` and `mask64_words` must give.
    fn naive_masks(w: &[u8; 64], delim: u8) -> (u64, u64) {
        let bit = |c: bool, i: usize| (c as u64) << i;
        (0..64).fold((0, 0), |(m, n), i| {
            (
                m | bit(w[i] == delim || w[i] == b'\n', i),
                n | bit(w[i] == b'\n', i),
            )
        })
    }

    /// Bytes drawn mostly from those the searches look for, so that windows hold many
    /// matches and near misses (`"` next to `!` and `#`, 0x7F next to 0x80).
    fn byte() -> impl Strategy<Value = u8> {
        let sought = b",;\n\r\"!#\x7F\x80\xFFa".to_vec();
        prop_oneof![3 => prop::sample::select(sought), 1 => any::<u8>()]
    }

    fn window64() -> impl Strategy<Value = [u8; 64]> {
        prop::collection::vec(byte(), 64).prop_map(|w| w.try_into().expect("64 bytes"))
    }

    #[test]
    fn both_window_masks_agree_with_a_byte_by_byte_search() {
        let all: Vec<u8> = (0..=255u8).flat_map(|b| [b, b',', b'\n', b';', b]).collect();
        for start in 0..all.len() - 64 {
            let w: &[u8; 64] = all[start..start + 64].try_into().unwrap();
            for delim in [b',', b';'] {
                let naive = (0..64).fold(0u64, |m, i| m | (((w[i] == delim || w[i] == b'\n') as u64) << i));
                let breaks = (0..64).fold(0u64, |m, i| m | (((w[i] == b'\n') as u64) << i));
                assert_eq!(mask64(w, delim), (naive, breaks));
                assert_eq!(mask64_words(w, delim), (naive, breaks));
            }
        }
    }

    proptest! {
        #[test]
        fn masks_of_any_window_match_the_naive_search(w in window64(), delim in byte()) {
            let naive = naive_masks(&w, delim);
            prop_assert_eq!(mask64(&w, delim), naive);
            prop_assert_eq!(mask64_words(&w, delim), naive);
        }

        #[test]
        fn quote_and_high_of_any_window_match_the_naive_search(w in window64()) {
            let naive = (w.contains(&b'"'), w.iter().any(|&b| b >= 0x80));
            prop_assert_eq!(quote_and_high64(&w), naive);
            prop_assert_eq!(quote_and_high64_scalar(&w), naive);
        }

        #[test]
        fn quote_and_ascii_of_any_length_match_the_naive_search(
            data in prop::collection::vec(byte(), 0..300),
        ) {
            let naive = (data.contains(&b'"'), data.iter().all(|&b| b < 0x80));
            prop_assert_eq!(quote_and_ascii(&data), naive);
        }
    }
}
