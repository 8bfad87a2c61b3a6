//! Finding, in `dossier-stats`, the rows that a later row of the same dossier code replaced,
//! without holding the rows: 16 bytes a row, then one cache-sized table at a time.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

/// Row keys are spread over shards by hash, so that finding repeated codes needs one
/// shard's keys at a time, not a second copy of all of them. Few shards, so that the ends
/// of the shards' vectors, where every row writes, stay in the core's cache.
pub(crate) const SHARDS: usize = 64;
/// Each shard is cut again into parts whose tables fit in a core's cache.
const PARTS: usize = 64;

/// A valid row's code hash and where it is, in 16 bytes. `hash` is 64 bits of the code's
/// 128-bit hash; `at` holds, from its high bits down, the row's byte offset in the file, the
/// length of its line (`LEN_BITS`, 0 when longer), and as many further bits of the hash as
/// the file's length leaves (`AtBits`). Two codes are taken as equal when all these hash
/// bits are, and the 12 bits of the shard and part are the same for every key compared: at
/// least 64 + 12 bits for any file under 2^52 bytes, 94 or more for files up to 10 GB —
/// for 10^8 rows the chance of any collision is then about 10^-13.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Key {
    hash: u64,
    /// Ordered like the rows in the file (the offset is in the high bits), and never 0
    /// (the header comes first), so 0 marks an empty slot of the table.
    at: u64,
}

/// Bits of `Key::at` for the line's length: exact up to 4,095 bytes (an export's line is
/// about a hundred), so that a replaced row is read back with one exact read.
const LEN_BITS: u32 = 12;

/// How `Key::at` is shared out for one file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AtBits {
    /// Bits of the hash below the length.
    extra: u32,
}

impl AtBits {
    /// The offset takes the bits the file's length needs; `None` for a file of 2^52 bytes
    /// (4 PiB) or more.
    pub(crate) fn for_file(file_len: u64) -> Option<AtBits> {
        let offset = 64 - file_len.leading_zeros();
        (offset <= 52).then(|| AtBits {
            extra: 64 - LEN_BITS - offset,
        })
    }
    fn extra_mask(self) -> u64 {
        (1u64 << self.extra) - 1
    }
    pub(crate) fn offset(self, at: u64) -> u64 {
        at >> (self.extra + LEN_BITS)
    }
    /// The line's length, 0 when not kept.
    pub(crate) fn len(self, at: u64) -> usize {
        (at >> self.extra) as usize & ((1 << LEN_BITS) - 1)
    }
}

impl Key {
    #[inline]
    pub(crate) fn new(code: &str, offset: u64, len: usize, bits: AtBits) -> Key {
        let h = xxh3_128(code.as_bytes());
        let len = if len < 1 << LEN_BITS { len as u64 } else { 0 };
        let at = (offset << LEN_BITS | len) << bits.extra | h as u64 & bits.extra_mask();
        Key {
            hash: (h >> 64) as u64,
            at,
        }
    }
    #[inline]
    pub(crate) fn shard(&self) -> usize {
        (self.hash >> 58) as usize
    }
    /// The part of its shard (the next six bits of the hash).
    #[inline]
    fn part(&self) -> usize {
        (self.hash >> 52) as usize % PARTS
    }
}

/// Keys of one shard, in chunks that are never moved once allocated (a growing vector would
/// copy hundreds of megabytes over a big file).
#[derive(Default)]
pub(crate) struct Chunks(Vec<Vec<Key>>);

const CHUNK: usize = 1024;

impl Chunks {
    #[inline]
    pub(crate) fn push(&mut self, k: Key) {
        match self.0.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(k),
            _ => self.grow(k),
        }
    }
    #[cold]
    fn grow(&mut self, k: Key) {
        let mut c = Vec::with_capacity(CHUNK);
        c.push(k);
        self.0.push(c);
    }
    fn iter(&self) -> impl Iterator<Item = &Key> {
        self.0.iter().flatten()
    }
}

/// Where the rows of one shard are (`Key::at`) that a later row of the same code replaced,
/// in no particular order. `table` is scratch space reused from shard to shard. Hand-written
/// rather than a `HashMap` because it runs ten million times in a tight loop: the keys are
/// already uniform hashes, so a slot is their low bits, and an empty slot is `at` 0.
fn replaced_in_shard(
    keys: impl Iterator<Item = Key>,
    n: usize,
    bits: AtBits,
    table: &mut Vec<Key>,
    out: &mut Vec<u64>,
) {
    let cap = (n * 2).next_power_of_two().max(16);
    table.clear();
    table.resize(cap, Key::default());
    let mask = cap - 1;
    let extra = bits.extra_mask();
    for k in keys {
        let mut i = k.hash as usize & mask;
        loop {
            let slot = &mut table[i];
            if slot.at == 0 {
                *slot = k;
                break;
            }
            if slot.hash == k.hash && (slot.at ^ k.at) & extra == 0 {
                // the later row in the file wins
                out.push(slot.at.min(k.at));
                slot.at = slot.at.max(k.at);
                break;
            }
            i = (i + 1) & mask;
        }
    }
}

/// Where the rows are (`Key::at`, in file order) that a later row of the same code
/// replaced, from every worker's keys by shard.
pub(crate) fn replaced_rows(keys: Vec<Vec<Chunks>>, bits: AtBits) -> Vec<u64> {
    let mut replaced: Vec<u64> = (0..SHARDS)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(table, parts), sh| {
                // the shard's keys, grouped by part (a counting sort on six bits)
                let shard = || keys.iter().flat_map(|k| k[sh].iter());
                let mut start = [0usize; PARTS + 1];
                for k in shard() {
                    start[k.part() + 1] += 1;
                }
                for i in 0..PARTS {
                    start[i + 1] += start[i];
                }
                parts.clear();
                parts.resize(start[PARTS], Key::default());
                let mut next = start;
                for k in shard() {
                    parts[next[k.part()]] = *k;
                    next[k.part()] += 1;
                }
                let mut out = Vec::new();
                for p in 0..PARTS {
                    let part = &parts[start[p]..start[p + 1]];
                    replaced_in_shard(part.iter().copied(), part.len(), bits, table, &mut out);
                }
                out
            },
        )
        .flatten_iter()
        .collect();
    drop(keys);
    replaced.par_sort_unstable();
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_finds_every_replaced_row_whatever_the_order_of_the_keys() {
        // codes c0..c999 seen 1 to 4 times each, keys shuffled; the table must give back
        // every offset but the largest of each code
        let bits = AtBits::for_file(1 << 20).unwrap();
        let mut keys = Vec::new();
        let mut expected = Vec::new();
        let mut offset = 10u64;
        for c in 0..1000 {
            let code = format!("c{c}");
            let times = 1 + c % 4;
            let offsets: Vec<u64> = (0..times)
                .map(|_| {
                    offset += 7;
                    offset
                })
                .collect();
            expected.extend_from_slice(&offsets[..offsets.len() - 1]);
            keys.extend(offsets.iter().map(|&o| Key::new(&code, o, 0, bits)));
        }
        // a fixed shuffle
        let mut state = 42u64;
        for i in (1..keys.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            keys.swap(i, (state >> 33) as usize % (i + 1));
        }
        let mut table = vec![Key::new("left over", 5, 1, bits); 3];
        let mut out = Vec::new();
        replaced_in_shard(keys.iter().copied(), keys.len(), bits, &mut table, &mut out);
        let mut out: Vec<u64> = out.iter().map(|&at| bits.offset(at)).collect();
        out.sort_unstable();
        expected.sort_unstable();
        assert_eq!(out, expected);
        // the same table again, with nothing repeated
        out.clear();
        replaced_in_shard(keys.iter().copied().take(1), 1, bits, &mut table, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_key_keeps_the_offset_and_length_and_tells_codes_apart_by_its_extra_hash_bits() {
        for file_len in [2, 1 << 20, 1_115_220_577, 11 << 30, (1 << 52) - 1] {
            let bits = AtBits::for_file(file_len).unwrap();
            let last = file_len - 1;
            for (offset, len) in [(1, 100), (last, 4095), (last / 2, 4096), (last, 0)] {
                let k = Key::new("H05X05-2023-00000001", offset, len, bits);
                assert_eq!(
                    (bits.offset(k.at), bits.len(k.at)),
                    (offset, if len < 4096 { len } else { 0 }),
                    "{file_len}"
                );
                assert_ne!(k.at, 0);
            }
            // keys are ordered by offset whatever their hash
            let (a, b) = (Key::new("x", 5, 7, bits), Key::new("y", 6, 1, bits));
            assert!(file_len < 7 || a.at < b.at);
        }
        assert!(AtBits::for_file(1 << 52).is_none());
        // a file of a gigabyte leaves 21 bits of the hash in `at`
        let bits = AtBits::for_file(1_115_220_577).unwrap();
        assert_eq!(bits.extra, 21);
        // two codes whose 64-bit `hash` collides but whose further bits differ are two codes
        let a = Key {
            hash: 7,
            at: 1 << 40 | 1,
        };
        let b = Key {
            hash: 7,
            at: 2 << 40 | 2,
        };
        let mut out = Vec::new();
        replaced_in_shard([a, b].into_iter(), 2, bits, &mut Vec::new(), &mut out);
        assert!(out.is_empty());
        let c = Key {
            hash: 7,
            at: 3 << 40 | 1,
        };
        replaced_in_shard([a, b, c].into_iter(), 3, bits, &mut Vec::new(), &mut out);
        assert_eq!(out, vec![a.at]);
    }

    #[test]
    fn chunks_keep_every_key_in_order() {
        let mut c = Chunks::default();
        for i in 1..=(3 * CHUNK as u64 + 5) {
            c.push(Key { hash: i, at: i });
        }
        assert_eq!(c.0.len(), 4);
        assert!(c.iter().map(|k| k.hash).eq(1..=(3 * CHUNK as u64 + 5)));
    }
}
