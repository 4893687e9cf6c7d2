//! `ezimage`: SiFli EZIP resource images (the format of the vendor's closed `ezip` image tool).
//!
//! This crate owns image resources, not firmware: the firmware codecs (EZIP gzip mode, zlib,
//! LZ4 of OTA images) live in the `ezip` crate. An EZIP image is PNG's IDAT coding (row filters,
//! raw DEFLATE, Adler-32) behind a 16-byte big-endian header (shared doc
//! `sifli-ezip-image.md`), so it shares no code with the firmware codecs and keeps the PNG
//! decoder out of the firmware path.
//!
//! Data flows one way: PNG -> [`Pixels`] (colour conversion, dither, palette) -> EZIP stream or
//! pixel bytes -> LVGL `.bin` / C file; the decoder goes back from a stream to [`Pixels`].
//!
//! Stream modules: `header` (the 16-byte header and block table, declared once), `filter`
//! (PNG row filters), `deflate` (our LZ77 + length-limited Huffman encoder, which keeps the
//! vendor's block structure), `inflate` (the strict decoder), `stream` ([`encode`]), `parse`
//! ([`decode`]), `check` ([`check_structure`]).

pub mod cfile;
mod check;
mod codes;
pub mod compat;
pub mod convert;
mod deflate;
mod error;
mod filter;
mod header;
mod inflate;
pub mod job;
pub mod lvgl;
mod parse;
mod pixels;
pub mod png_in;
pub mod png_out;
mod stream;
pub mod unpack;

pub use check::{check_structure, BlockReport, StructureReport};
pub use error::Error;
pub use header::{EzipBlockTableHead, EzipImageHeader, EzipLayout, HeaderInfo, Window};
pub use parse::decode;
pub use pixels::{ColorType, Pixels};
pub use stream::{encode, EzipOptions};
