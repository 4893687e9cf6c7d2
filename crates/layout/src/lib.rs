//! `layout`: a board's flash and RAM layout for imgtool.
//!
//! Owns the TOML layout format (`layouts/*.toml`, documented in `docs/layouts.md`), its
//! validation, the import of the SiFli SDK's `ptab.json` partition tables ([`ptab`]), region
//! lookup (by tag, by OTA image id, by address), the OTA [`ImageId`]s, and the exports a
//! firmware build needs ([`export`]: a C header of `<TAG>_START_ADDR` / `<TAG>_SIZE` macros and
//! a cortex-m-rt `memory.x`).
//!
//! Address semantics: a region's [`Region::start`] is its memory's base plus its offset, the
//! SDK's `<TAG>_START_ADDR`. For NOR flash that is the memory-mapped address the linker puts
//! load addresses (LMAs) at. An image stored in flash but run from elsewhere (NAND boards copy
//! code to PSRAM; the SF32LB52x bootloader runs from SRAM) records that run address in
//! [`Region::xip`]; its ELF LMAs then lie in [`Region::link_start`]`..+size`.

mod bundled;
mod error;
pub mod export;
mod hex;
mod image_id;
mod lookup;
mod model;
pub mod ptab;
pub mod show;
mod toml_io;
mod validate;

pub use error::LayoutError;
pub use image_id::{ImageId, ParseImageIdError};
pub use lookup::DOWNLOAD_REGION_TAG;
pub use model::{FtabAddress, FtabRef, Layout, Memory, MemoryKind, Region};
pub use validate::CHIPS;
