//! `elf2bin`: turns the loadable contents of an ELF file into flat binary images.
//!
//! This crate owns the step "ELF -> bytes at flash addresses": it reads ELF32 and ELF64 files
//! of either byte order, takes every `PT_LOAD` segment's file contents (`p_filesz` bytes)
//! placed at its load address (`p_paddr`, the LMA), and lays them out either as one image from
//! the lowest to the highest load address ([`LoadImage::flat`], the same bytes as
//! `objcopy -O binary`) or as one image per flash region ([`LoadImage::split`]). Memory-only
//! parts (`p_memsz > p_filesz`, i.e. `.bss`) are never emitted; gaps are filled.
//!
//! The crate knows nothing about layout files or command lines: a flash region is just a
//! [`Window`] (name, start, size). Errors are typed ([`Error`]) and name the segment index,
//! the offset or address and what was expected. No input can make it panic.
//!
//! ```
//! # fn demo(elf: &[u8]) -> Result<(), elf2bin::Error> {
//! let image = elf2bin::parse(elf)?;
//! let flat = image.flat(0xff)?;
//! println!("{} bytes at {:#010x}", flat.bytes.len(), flat.start);
//! # Ok(()) }
//! ```

mod error;
pub mod ihex;
mod image;
mod parse;
mod split;

pub use error::{Error, Nearby};
pub use image::{Class, Endian, LoadImage, RegionImage, Segment, MAX_FLAT_SPAN};
pub use parse::parse;
pub use split::{Placement, Plan, RegionPlan, Window};
