//! `ezip`: EZIP-compatible codecs for SiFli OTA images.
//!
//! This crate owns the compressed formats the device reads (formats doc, section 3):
//!
//! - **gzip mode** (the EZIP engine's GZIP mode, the device default): u32 LE uncompressed length,
//!   raw DEFLATE, gzip trailer (CRC-32, u32 length);
//! - **zlib mode**: a plain zlib stream (software `uncompress2` on the device);
//! - **LZ4 mode**: u32 LE uncompressed length, u32 LE compressed length, one LZ4 block;
//! - the **chunked image payload** of an offline package ([`payload`]).
//!
//! Encoders come in three [`Level`]s; decoders are strict (lengths, checksums, no trailing
//! bytes) and bounded (never allocate more than the declared length, capped by what the input
//! can possibly expand to).

pub mod deflate;
mod error;
mod gzip;
mod lz4;
mod mode;
mod names;
mod options;
pub mod payload;
mod pipeline;
mod raw;
mod zlib;

pub use error::Error;
pub use mode::{Level, Mode};

/// Compresses `data` into one standalone stream of `mode` in the vector layout
/// (`gzip_packet.bin` for gzip mode, `lz4_packet.bin` for LZ4, a zlib stream for zlib).
///
/// LZ4 has a single encoder; `level` only matters for the DEFLATE-based modes.
pub fn compress(mode: Mode, level: Level, data: &[u8]) -> Result<Vec<u8>, Error> {
    match mode {
        Mode::Gzip => gzip::encode(level, data),
        Mode::Zlib => zlib::encode(level, data),
        Mode::Lz4 => lz4::encode(data),
    }
}

/// Decodes one standalone stream of `mode`, strictly: the declared lengths and checksums must
/// match and nothing may follow the stream.
pub fn decompress(mode: Mode, stream: &[u8]) -> Result<Vec<u8>, Error> {
    match mode {
        Mode::Gzip => gzip::decode(stream),
        Mode::Zlib => zlib::decode(stream, None),
        Mode::Lz4 => lz4::decode(stream),
    }
}
