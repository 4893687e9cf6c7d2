//! `layout`: a board's flash and RAM layout for imgtool.
//!
//! Owns the TOML layout format (`layouts/*.toml`, documented in `docs/layouts.md`), its
//! validation, the import of the SiFli SDK's `ptab.json` partition tables ([`ptab`]), region
//! lookup (by tag, by OTA image id, by address), the OTA [`ImageId`]s, where the device's DFU
//! installer writes each of them ([`Layout::install_region`], derived like the SDK), and the exports a
//! firmware build needs ([`export`]: a C header of `<TAG>_START_ADDR` / `<TAG>_SIZE` macros and
//! a cortex-m-rt `memory.x`).
//!
//! Address semantics: a region's [`Region::start`] is its memory's base plus its offset, the
//! SDK's `<TAG>_START_ADDR`. For NOR flash that is the memory-mapped address the linker puts
//! load addresses (LMAs) at. An image stored in flash but run from elsewhere (NAND boards copy
//! code to PSRAM; the SF32LB52x bootloader runs from SRAM) records that run address in
//! [`Region::xip`]; its ELF LMAs then lie in [`Region::link_start`]`..+`[`Region::link_size`].
//!
//! What a firmware's `build.rs` does with it (`docs/build-rs.md`):
//!
//! ```
//! use layout::export::{memory_x_for, MemoryXOptions};
//! use layout::{ImageId, Layout};
//!
//! let layout = Layout::resolve("sf32lb52x-eh-lb523").unwrap_or_else(|e| panic!("{e}"));
//! let out = std::env::temp_dir().join(format!("layout-doctest-{}", std::process::id()));
//! std::fs::create_dir_all(&out).unwrap();
//! std::fs::write(out.join("memory.x"), layout::export::memory_x(&layout)).unwrap();
//! std::fs::write(out.join("ptab.h"), layout::export::c_header(&layout)).unwrap();
//!
//! let app = layout.region_for_image(ImageId::HCPU).unwrap();
//! assert_eq!((app.start(), app.size), (0x1202_0000, 0x30_0000));
//! let opts = MemoryXOptions { image: ImageId::OTA_MANAGER, ram: "HCPU_RAM_DATA".into(), psram: None };
//! assert!(memory_x_for(&layout, &opts).unwrap().contains("ORIGIN = 0x12320000"));
//! # std::fs::remove_dir_all(&out).unwrap();
//! ```

mod bundled;
mod chip;
mod error;
pub mod export;
mod hex;
mod image_id;
mod install;
mod lookup;
mod model;
pub mod ptab;
pub mod show;
mod toml_io;
mod validate;

pub use chip::Chip;
pub use error::LayoutError;
pub use hex::parse_u64;
pub use image_id::{ImageId, ParseImageIdError};
pub use install::{Install, NotInstallable};
pub use lookup::DOWNLOAD_REGION_TAG;
pub use model::{FtabAddress, FtabRef, Layout, Memory, MemoryKind, ParseMemoryKindError, Region};
