//! The dossier hot path's items under their old path, for the crates outside this one that
//! use them (the store's parallel import), so that they need not change with the move to
//! `dossier`. New code names `dossier::…`.

pub use crate::dossier::blocks::{Block, Mapped};
pub use crate::dossier::layout::{fast_layout, Layout};
pub use crate::dossier::lines::{block_text, for_each_block_row, for_each_dossier, not_utf8, BlockText};
