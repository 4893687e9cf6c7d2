//! EZIP GZIP mode: `u32 len | raw DEFLATE | u32 CRC-32 | u32 len` (the `gzip_packet.bin` layout).

use crate::deflate::{self, Wrapper};
use crate::raw::{u32_at, GzipTrailer};
use crate::{Error, Level, Mode};
use zerocopy::little_endian::U32;
use zerocopy::IntoBytes;

/// Size of the length field before the DEFLATE data.
const HEADER: usize = size_of::<U32>();
/// Size of the gzip trailer (CRC-32, length).
const TRAILER: usize = size_of::<GzipTrailer>();

/// Encodes one gzip-mode stream.
pub(crate) fn encode(level: Level, data: &[u8]) -> Result<Vec<u8>, Error> {
    let len = u32::try_from(data.len()).map_err(|_| Error::TooLarge {
        mode: Mode::Gzip,
        len: data.len() as u64,
    })?;
    let trailer = GzipTrailer {
        crc32: U32::new(libdeflater::crc32(data)),
        len: U32::new(len),
    };
    deflate::framed(level, data, U32::new(len).as_bytes(), trailer.as_bytes())
}

fn read_u32(stream: &[u8], offset: usize, field: &'static str) -> Result<u32, Error> {
    match u32_at(stream, offset) {
        Some(v) => Ok(v),
        None => Err(Error::Truncated {
            mode: Mode::Gzip,
            field,
            offset,
            needed: 4,
            available: stream.len().saturating_sub(offset),
        }),
    }
}

/// Decodes one gzip-mode stream strictly.
pub(crate) fn decode(stream: &[u8]) -> Result<Vec<u8>, Error> {
    let declared = read_u32(stream, 0, "length header")?;
    if stream.len() < HEADER + TRAILER {
        return Err(Error::Truncated {
            mode: Mode::Gzip,
            field: "DEFLATE data and gzip trailer",
            offset: HEADER,
            needed: TRAILER,
            available: stream.len() - HEADER,
        });
    }
    let body = &stream[HEADER..];
    let (data, used) = deflate::inflate(
        Mode::Gzip,
        Wrapper::Raw,
        body,
        declared as usize,
        "length header",
    )?;
    if data.len() != declared as usize {
        return Err(Error::LengthMismatch {
            mode: Mode::Gzip,
            field: "length header",
            expected: declared.into(),
            found: data.len() as u64,
        });
    }
    let trailer_at = HEADER + used;
    let crc = read_u32(stream, trailer_at, "gzip trailer CRC-32")?;
    let isize = read_u32(stream, trailer_at + 4, "gzip trailer length")?;
    let found_crc = libdeflater::crc32(&data);
    if crc != found_crc {
        return Err(Error::ChecksumMismatch {
            mode: Mode::Gzip,
            field: "gzip trailer CRC-32",
            expected: crc,
            found: found_crc,
        });
    }
    if isize != declared {
        return Err(Error::LengthMismatch {
            mode: Mode::Gzip,
            field: "gzip trailer length",
            expected: isize.into(),
            found: data.len() as u64,
        });
    }
    let end = trailer_at + TRAILER;
    if end != stream.len() {
        return Err(Error::TrailingBytes {
            mode: Mode::Gzip,
            offset: end,
            count: stream.len() - end,
        });
    }
    Ok(data)
}
