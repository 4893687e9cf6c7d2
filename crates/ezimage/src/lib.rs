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

mod pixels;

pub use pixels::{ColorType, Pixels};
