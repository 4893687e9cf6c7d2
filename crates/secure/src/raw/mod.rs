//! The on-disk declarations of the secure DFU files: each SDK struct once, as `#[repr(C)]`
//! `zerocopy` little-endian types with their sizes asserted, and the plain constants of their
//! fields (sizes, offsets, magic values, the values a field takes).
//!
//! These modules import nothing from the crate but each other, so [`crate::error`] can state
//! the layout's numbers in its messages without depending on the modules that use it for their
//! `Result`. The logic (building, reading, checking) lives in the public modules, which re-export
//! these items under their long-standing paths ([`crate::ctrl`], [`crate::ftab`],
//! [`crate::image_header`], [`crate::keys`], [`crate::offline_v1`], [`crate::record`],
//! [`crate::rules`]).

pub mod crypto;
pub mod ctrl;
pub mod ftab;
pub mod image_header;
pub mod offline_v1;
pub mod record;
