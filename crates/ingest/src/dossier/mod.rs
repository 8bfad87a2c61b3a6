//! The dossier ingest hot path: a year of a big province's one-stop-shop exports is tens
//! of millions of rows. Hand-written rather than the `csv` crate because the product's edge
//! is here: the file is memory-mapped or read by offset, cut into blocks at line
//! boundaries, and the blocks are split into fields and validated in parallel on all cores,
//! borrowing every field from the block (no allocation per field). Validation itself is the
//! one shared implementation (`rows::parse_dossier`). Files with quoted fields — rare in
//! exports, but legal CSV — take the general streaming path instead (`fast_layout` returns
//! `None`).
//!
//! The pieces, from the file inwards: `layout` (may the hot path read the file, and how),
//! `blocks` (runs of whole lines), `lines` (a block's rows and fields, and the dossier
//! rows), built on `cuts` (where fields end) and `simd` (the byte searches). `codes` and
//! `dedupe` serve `dossier-stats` (`crate::stats`): lookups by code, and finding the rows
//! that a later row of the same dossier code replaced.

pub mod blocks;
pub(crate) mod codes;
mod cuts;
pub(crate) mod dedupe;
pub mod layout;
pub mod lines;
mod simd;

/// A file holding `bytes`, read from its start: the readers' tests read real files.
#[cfg(test)]
fn temp(bytes: &[u8]) -> std::fs::File {
    let mut f = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut f, bytes).unwrap();
    std::io::Seek::rewind(&mut f).unwrap();
    f
}
