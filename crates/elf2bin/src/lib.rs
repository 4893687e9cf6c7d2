//! `elf2bin`: turns the loadable contents of an ELF file into flat binary images.
//!
//! This crate owns the step "ELF -> bytes at flash addresses": it reads ELF32 and ELF64 files
//! of either byte order, takes every `PT_LOAD` segment's file contents (`p_filesz` bytes)
//! placed at its load address (`p_paddr`, the LMA), and lays them out either as one image from
//! the lowest to the highest load address ([`LoadImage::flat`], the same bytes as
//! `objcopy -O binary`) or as one image per flash region ([`LoadImage::split`]). Memory-only
//! parts (`p_memsz > p_filesz`, i.e. `.bss`) are never emitted; gaps are filled.
//!
//! Two ways in, the same bytes out: [`parse`] borrows the segments from an ELF already in
//! memory (nothing is copied until an image is emitted), and [`ElfFile`] reads only the
//! headers of an ELF on disk and streams each image from the file to a writer, as fast as
//! `objcopy`. Work and memory are bounded by the output: parsing allocates in proportion to
//! the number of program headers (which the file's size bounds), never to the bytes they
//! point at, and each output byte is written once into an image of at most
//! [`MAX_FLAT_SPAN`] bytes per region, checked before anything is allocated.
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

mod emit;
mod error;
mod file;
pub mod ihex;
mod image;
mod parse;
mod plan;
mod split;

pub use error::{Error, IoCause, Nearby};
pub use file::ElfFile;
pub use image::{Class, Endian, FileSegment, LoadImage, RegionImage, Segment};
pub use parse::parse;
pub use plan::{Placement, Plan, RegionPlan, Window, MAX_FLAT_SPAN};
